"""The phone's sites document (`GET /api/v1/sites`) is assembled from parts.

Sites gives the areas, properties and checkpoints. A feature in a layer above sites that has
something the phone must cache with them (rounds: tonight's planned routes) registers a part
here from its `init_app`, so sites never imports the features that extend its document
(the layers are checked by import-linter, docs/architecture.md §9).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from marshmallow import fields

from patrol.sites.schemas import SitesOut


@dataclass(frozen=True)
class SitesPart:
    # How the part appears in the document (and so in the OpenAPI document).
    field: fields.Field
    # Its value for the logged-in user at `now` (a part decides itself who gets what).
    build: Callable[[datetime], object]


_PARTS: dict[str, SitesPart] = {}


def register_sites_part(
    name: str, field: fields.Field, build: Callable[[datetime], object]
) -> None:
    """Add (or replace: every app in a test process registers again) the part `name`."""
    _PARTS[name] = SitesPart(field, build)
    # marshmallow copies a schema class's declared fields into each instance it makes, so
    # every SitesOut made from now on (the route's and the OpenAPI document's) has the part.
    SitesOut._declared_fields[name] = field


def sites_parts(now: datetime) -> dict[str, object]:
    """Every registered part's value, by name."""
    return {name: part.build(now) for name, part in _PARTS.items()}
