"""The machinery's state, as every part reports it (architecture §3, Health).

A feature that can fail without anyone seeing it (the photo store, the worker, an outbox) registers
a probe here from its `init_app`; `/readyz`, the desk's status line and `flask --app app status`
read them all through `collect`. The probes live with the features that know what "broken" means;
this module knows none of them by name (a shared piece: it imports no feature).

A probe is `fn() -> Probe` run inside an app context. It must be cheap (a few indexed queries): a
load balancer asks `/readyz` every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app


@dataclass
class Probe:
    """One part's state. `details` is JSON for operators (counts, ages in seconds, times);
    `problem` is one line a person can act on, or None.

    `blocking` says what a failure means for this app host: True (the database, the migrations,
    the photo store) means the host cannot serve a guard's sync, and `/readyz` answers 503 so a
    load balancer sends the phones elsewhere; False (the worker, the outboxes' backlogs) means
    something behind the requests is broken: `/readyz` still answers 200 ("degraded") because
    taking every app host out of service would stop the guards' syncs too, and the desk's status
    line tells the people who can act."""

    ok: bool
    details: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    blocking: bool = True


ProbeFn = Callable[[], Probe]


def register_probe(app: Flask, name: str, probe: ProbeFn) -> None:
    """Add (or replace) the probe `name`; called from a feature's `init_app`."""
    app.extensions.setdefault("patrol_status_probes", {})[name] = probe


def probe_names(app: Flask) -> list[str]:
    return sorted(app.extensions.get("patrol_status_probes", {}))


def collect(only: Callable[[str], bool] | None = None) -> dict[str, Probe]:
    """Run every registered probe (or those whose name `only` accepts) in the current app
    context. A probe that raises counts as failed with the exception's text: a broken check
    must not look like a healthy part."""
    results: dict[str, Probe] = {}
    for name, probe in sorted(current_app.extensions.get("patrol_status_probes", {}).items()):
        if only is not None and not only(name):
            continue
        started = time.perf_counter()
        try:
            result = probe()
        except Exception as error:  # noqa: BLE001 (reported, never hidden)
            result = Probe(ok=False, problem=f"{type(error).__name__}: {error}")
        result.details.setdefault("check_ms", round((time.perf_counter() - started) * 1000, 1))
        results[name] = result
    return results
