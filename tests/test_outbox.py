"""The server's one outbox (`patrol.outbox`, issue 20 point 7): claim, lease, backoff and
giving up, over each feature's table, on SQLite and PostgreSQL, with the server clock set by
the test; and the worker's drains, which are whatever the features registered.

The shared module is exercised over both real outbox tables (`mail_messages`,
`push_messages`) with a policy of the test's own, so that what is checked is the module and
not a feature's settings."""

from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from patrol.auth.models import User
from patrol.db import db, engine_of, set_clock
from patrol.mail.models import MailMessage
from patrol.outbox import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    Drain,
    Outbox,
    Policy,
    register_drain,
    registered_drains,
    run_drain,
)
from patrol.push.models import PushMessage
from patrol.schedule.commands import runnable_drains, work_once
from tests.support.push import VAPID_PRIVATE

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
POLICY = Policy(lease=LEASE, retry_base_s=30.0, retry_max_s=600.0, max_attempts=None)


# --- rows in either feature's table -----------------------------------------------------------


def make_mail(n: int) -> list[int]:
    rows = [
        MailMessage(
            kind="test",
            sender="nattpatrull@example.se",
            recipients=["a@example.se"],
            subject=f"Meddelande {i}",
            raw=b"Subject: test\r\n\r\nHej\r\n",
            status=PENDING,
            attempts=0,
            created_at=T0,
            next_attempt_at=T0,
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def make_push(n: int) -> list[int]:
    user = User(username="outbox", display_name="Outbox", password_hash="x", role="supervisor")
    db.session.add(user)
    db.session.flush()
    rows = [
        PushMessage(
            user_id=user.id,
            kind="test",
            payload={"type": "test", "n": i},
            ttl_s=3600,
            urgency="normal",
            status=PENDING,
            attempts=0,
            created_at=T0,
            next_attempt_at=T0,
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


TABLES = {"mail": (MailMessage, make_mail), "push": (PushMessage, make_push)}


@pytest.fixture(params=sorted(TABLES))
def table(request, app):
    """(outbox over the table with the test's policy, model, make_rows(n)), in an app context
    at T0."""
    model, make = TABLES[request.param]
    policies = {"policy": POLICY}
    outbox = Outbox(model, channel="test_outbox", policy=lambda: policies["policy"])
    outbox.policies = policies  # a test changes its policy here
    with app.app_context():
        set_clock(app, T0)
        yield outbox, model, make


def row_of(model, row_id):
    db.session.rollback()
    return db.session.get(model, row_id, populate_existing=True)


# --- claim ------------------------------------------------------------------------------------


def test_a_claim_takes_due_rows_once_and_signs_them(table):
    outbox, model, make = table
    ids = make(3)
    assert outbox.claim("w1", batch=2) == ids[:2]
    assert outbox.claim("w2", batch=5) == ids[2:]
    assert outbox.claim("w3", batch=5) == []
    rows = [row_of(model, i) for i in ids]
    assert [r.claimed_by for r in rows] == ["w1", "w1", "w2"]
    assert all(r.status == SENDING and r.attempts == 1 for r in rows)
    assert all(r.claimed_until == T0 + LEASE for r in rows)


def test_two_workers_racing_never_claim_the_same_row(table, app):
    """Four threads claim in small batches at once: every row is claimed exactly once."""
    outbox, model, make = table
    ids = make(24)
    barrier = threading.Barrier(4)
    claims: dict[str, list[int]] = {}

    def worker(name):
        with app.app_context():
            got = claims.setdefault(name, [])
            barrier.wait()
            while batch := outbox.claim(name, batch=3):
                got.extend(batch)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [i for got in claims.values() for i in got]
    assert sorted(every) == ids  # each row once, none left out
    rows = [row_of(model, i) for i in ids]
    assert all(r.attempts == 1 for r in rows)
    assert {r.id: r.claimed_by for r in rows} == {
        i: name for name, got in claims.items() for i in got
    }


def test_two_open_transactions_claim_disjoint_rows(table, app):
    """Two real connections: the first holds its claim's transaction open.

    PostgreSQL: the second claims the next rows at once (SKIP LOCKED passes over the locked
    ones; without it, it would wait for the lock, which the lock_timeout turns into an error).
    SQLite: the second cannot write while the first holds the write lock, and once the first
    commits it claims only what the first did not."""
    outbox, model, make = table
    ids = make(10)
    engine = engine_of(app)
    url = app.config["DATABASE_URL"]
    postgres = engine.dialect.name == "postgresql"
    # The second connection gives up on a lock after a moment instead of waiting for it.
    impatient = sa.create_engine(
        url,
        connect_args={"options": "-c lock_timeout=2000 -c timezone=UTC"}
        if postgres
        else {"timeout": 0.1},
    )
    first, second = Session(engine), Session(impatient)
    try:
        assert outbox.claim("w1", batch=3, session=first, commit=False) == ids[:3]
        if postgres:
            got_second = outbox.claim("w2", batch=3, session=second)
            first.commit()
        else:
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                outbox.claim("w2", batch=3, session=second)
            second.rollback()
            first.commit()
            got_second = outbox.claim("w2", batch=3, session=second)
    finally:
        first.close()
        second.close()
        impatient.dispose()
    assert got_second == ids[3:6]
    rows = [row_of(model, i) for i in ids[:6]]
    assert [r.claimed_by for r in rows] == ["w1"] * 3 + ["w2"] * 3
    assert all(r.attempts == 1 for r in rows)


# --- lease ------------------------------------------------------------------------------------


def test_an_expired_lease_is_claimed_again_and_the_late_outcome_is_refused(table, app):
    outbox, model, make = table
    (row_id,) = make(1)
    assert outbox.claim("dead", batch=5) == [row_id]
    set_clock(app, T0 + LEASE - timedelta(seconds=1))
    assert outbox.claim("alive", batch=5) == []  # still leased
    assert outbox.next_due() == T0 + LEASE
    set_clock(app, T0 + LEASE + timedelta(seconds=1))
    assert outbox.claim("alive", batch=5) == [row_id]
    row = row_of(model, row_id)
    assert (row.claimed_by, row.attempts, row.status) == ("alive", 2, SENDING)
    # The first worker wakes up and reports: its claim moved on, so nothing is written.
    assert outbox.sent(row_id, "dead") is False
    assert outbox.retry(row_of(model, row_id), "dead", "late") is None
    db.session.commit()
    assert row_of(model, row_id).status == SENDING
    assert outbox.sent(row_id, "alive") is True
    db.session.commit()
    row = row_of(model, row_id)
    assert (row.status, row.claimed_by, row.claimed_until) == (SENT, "alive", None)
    assert row.sent_at == T0 + LEASE + timedelta(seconds=1)


# --- retry with backoff -----------------------------------------------------------------------


def test_backoff_grows_until_its_cap_and_a_row_waits_for_it(table, app):
    """Each failed attempt waits half to all of 30 s * 2^(attempts-1), capped at 600 s; the row
    is not claimable a second before its next attempt and is at it."""
    outbox, model, make = table
    (row_id,) = make(1)
    now = T0
    delays = []
    for attempt in range(1, 8):
        assert outbox.claim("w", batch=1) == [row_id]
        assert outbox.retry(row_of(model, row_id), "w", f"timeout {attempt}") == PENDING
        db.session.commit()
        row = row_of(model, row_id)
        assert row.status == PENDING and row.last_error == f"timeout {attempt}"
        delay = (row.next_attempt_at - now).total_seconds()
        full = min(600.0, 30.0 * 2 ** (attempt - 1))
        assert full / 2 - 0.001 <= delay <= full + 0.001, (attempt, delay)
        delays.append(delay)
        set_clock(app, row.next_attempt_at - timedelta(seconds=1))
        assert outbox.claim("w", batch=1) == []
        assert outbox.next_due() == row.next_attempt_at
        now = row.next_attempt_at
        set_clock(app, now)
    # Jitter never lets a later wait fall below an earlier one before the cap.
    assert delays[:5] == sorted(delays[:5])
    assert delays[4] >= 240 and max(delays) <= 600


def test_backoff_s_bounds_and_a_server_given_delay():
    outbox = Outbox(MailMessage, channel="x", policy=lambda: POLICY)
    for attempts, full in ((1, 30), (2, 60), (3, 120), (6, 600), (40, 600)):
        samples = [outbox.backoff_s(attempts) for _ in range(50)]
        assert all(full / 2 <= s <= full for s in samples), (attempts, samples)


def test_a_delay_from_the_server_replaces_the_backoff(table, app):
    outbox, model, make = table
    (row_id,) = make(1)
    outbox.claim("w", batch=1)
    outbox.retry(row_of(model, row_id), "w", "429", delay_s=7.0)
    db.session.commit()
    assert row_of(model, row_id).next_attempt_at == T0 + timedelta(seconds=7)


# --- giving up --------------------------------------------------------------------------------


def test_give_up_after_the_attempt_limit_keeps_the_last_error(table, app):
    outbox, model, make = table
    outbox.policies["policy"] = Policy(lease=LEASE, retry_base_s=1, retry_max_s=1, max_attempts=3)
    (row_id,) = make(1)
    statuses = []
    for attempt in range(1, 4):
        set_clock(app, T0 + timedelta(minutes=attempt))
        assert outbox.claim("w", batch=1) == [row_id]
        statuses.append(outbox.retry(row_of(model, row_id), "w", f"503 attempt {attempt}"))
        db.session.commit()
    assert statuses == [PENDING, PENDING, FAILED]
    row = row_of(model, row_id)
    assert (row.status, row.attempts, row.last_error) == (FAILED, 3, "503 attempt 3")
    set_clock(app, T0 + timedelta(days=1))
    assert outbox.claim("w", batch=1) == []
    assert outbox.next_due() is None


def test_give_up_when_the_next_attempt_would_pass_the_deadline(table, app):
    """A deadline from the policy (created_at + give_up_after: mail) or of the row's own (a
    push message's TTL): no attempt is scheduled after it."""
    outbox, model, make = table
    outbox.policies["policy"] = Policy(
        lease=LEASE, retry_base_s=600, retry_max_s=600, give_up_after=timedelta(hours=1)
    )
    first, second = make(2)
    outbox.claim("w", batch=2)
    set_clock(app, T0 + timedelta(minutes=40))  # the next try comes 5-10 min later: in time
    assert outbox.retry(row_of(model, first), "w", "down") == PENDING
    db.session.commit()
    # The row's own deadline is earlier than the policy's.
    own = T0 + timedelta(minutes=42)
    assert outbox.retry(row_of(model, second), "w", "down", deadline=own) == FAILED
    db.session.commit()
    set_clock(app, row_of(model, first).next_attempt_at)
    assert outbox.claim("w", batch=2) == [first]
    set_clock(app, T0 + timedelta(minutes=56))  # the next try would come after 60 min
    assert outbox.retry(row_of(model, first), "w", "still down") == FAILED
    db.session.commit()
    assert [(r.status, r.last_error) for r in (row_of(model, first), row_of(model, second))] == [
        (FAILED, "still down"),
        (FAILED, "down"),
    ]


def test_a_refusal_fails_at_once_and_a_long_error_is_cut_to_the_column(table, app):
    outbox, model, make = table
    (row_id,) = make(1)
    outbox.claim("w", batch=1)
    assert outbox.fail(row_id, "w", "550 " + "x" * 5000) is True
    db.session.commit()
    row = row_of(model, row_id)
    limit = model.__table__.c.last_error.type.length or 2000
    assert row.status == FAILED and row.last_error.startswith("550 ")
    assert len(row.last_error) == min(limit, 2000)


def test_prune_deletes_only_old_finished_rows(table, app):
    outbox, model, make = table
    old_sent, old_pending, new_sent = make(3)
    outbox.claim("w", batch=3)
    outbox.sent(old_sent, "w")
    outbox.sent(new_sent, "w")
    db.session.execute(sa.update(model).where(model.id == new_sent).values(created_at=T0 + LEASE))
    db.session.commit()
    set_clock(app, T0 + timedelta(days=7, minutes=1))
    assert outbox.prune(timedelta(days=7)) == 1
    assert sorted(db.session.scalars(sa.select(model.id))) == [old_pending, new_sent]


# --- the drain loop and the worker's registry -------------------------------------------------


def test_run_drain_passes_while_there_is_work_and_stops_when_told(app):
    """The loop a lane of the worker runs: pass after pass while a pass handled something,
    housekeeping first; no sleeping involved (the test's drain sets `stop` itself)."""
    stop = threading.Event()
    passes: list[tuple[str, int]] = []
    tidied: list[int] = []

    def run(by, batch):
        passes.append((by, batch))
        if len(passes) == 3:
            stop.set()
            return 0
        return 4

    drain = Drain("alarm_webhooks", run=run, batch=7, tidy=lambda: tidied.append(1))
    assert run_drain(app, drain, stop, by="lane-1") == 8
    assert passes == [("lane-1", 7)] * 3
    assert tidied == [1]


def test_the_workers_drains_are_the_registered_ones(app):
    """Mail and push are registered by their own `init_app`, the same way (a `Drain` over a
    shared `Outbox` on their table); the worker runs exactly what is registered."""
    drains = registered_drains(app)
    assert {"mail", "push"} <= set(drains)
    for name, table_name in (("mail", "mail_messages"), ("push", "push_messages")):
        drain = drains[name]
        assert isinstance(drain, Drain) and isinstance(drain.outbox, Outbox)
        assert drain.outbox.model.__tablename__ == table_name
    app.config["VAPID_PRIVATE_KEY"] = ""
    with app.app_context():
        ready, notes = runnable_drains(app)
    assert [d.name for d in ready] == [n for n in drains if n != "push"]
    assert notes == [
        "push: no VAPID key: push messages wait until `flask --app app push-keys` is run"
    ]
    app.config.update(VAPID_PRIVATE_KEY=VAPID_PRIVATE, VAPID_SUBJECT="mailto:drift@example.se")
    app.extensions.pop("patrol_vapid", None)
    with app.app_context():
        ready, notes = runnable_drains(app)
    assert [d.name for d in ready] == list(drains) and notes == []


def test_a_new_drain_is_run_by_the_worker_once_registered(app):
    """What a later issue does for alarm and integration webhooks: register, and the worker
    (`work_once`, `worker --once`) runs it with no change to the worker."""
    handled: list[str] = []
    queue = ["a", "b", "c"]

    def run(by, batch):
        taken = queue[:batch]
        del queue[:batch]
        handled.extend(taken)
        return len(taken)

    register_drain(app, Drain("integration_webhooks", run=run, batch=2))
    assert work_once(app)[0] >= 3
    assert handled == ["a", "b", "c"]
    queue.extend(["d", "e"])
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert handled == ["a", "b", "c", "d", "e"]


def imports_of(package: str) -> set[str]:
    """Every module a package's files import (at the top or inside functions)."""
    found = set()
    for path in (ROOT / "patrol").joinpath(*package.split(".")[1:]).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_no_package_of_the_outbox_knows_another():
    """The worker knows no sender; mail and push do not know each other; the shared module
    knows no feature; and the push -> reports -> schedule -> push loop is gone (reports
    registers its drain in the shared registry, not in schedule)."""

    def reaches(package, other):
        return sorted(m for m in imports_of(package) if m == other or m.startswith(other + "."))

    assert reaches("patrol.schedule", "patrol.push") == []
    assert reaches("patrol.schedule", "patrol.mail") == []
    assert reaches("patrol.mail", "patrol.push") == []
    assert reaches("patrol.push", "patrol.mail") == []
    assert reaches("patrol.reports", "patrol.schedule") == []
    outbox = ast.parse((ROOT / "patrol" / "outbox.py").read_text())
    modules = {n.module for n in ast.walk(outbox) if isinstance(n, ast.ImportFrom)}
    # Only shared pieces: the database, and the status registry its backlogs report to.
    assert {m for m in modules if m and m.startswith("patrol.")} == {"patrol.db", "patrol.status"}
