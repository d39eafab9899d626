"""Where something happened, in words a supervisor can use: a link to a map and the distance
from the checkpoint (or, without one, from the property), never bare coordinates alone."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from patrol.sync import distance_m


def map_url(lat: float, lon: float) -> str:
    """OpenStreetMap centred on the point with a marker (the SOS board links the same way)."""
    query = urlencode({"mlat": f"{lat:.6f}", "mlon": f"{lon:.6f}"})
    return f"https://www.openstreetmap.org/?{query}#map=18/{lat:.6f}/{lon:.6f}"


@dataclass(frozen=True)
class Place:
    """A recorded position: map link, accuracy, and how far it was from where it should be."""

    lat: float
    lon: float
    accuracy_m: float | None
    distance_m: float | None  # from `reference`, None when that has no position
    reference: str  # "checkpoint" or "property"
    reference_name: str

    @property
    def url(self) -> str:
        return map_url(self.lat, self.lon)

    @property
    def coordinates(self) -> str:
        return f"{self.lat:.5f}, {self.lon:.5f}"


def place_of(record, checkpoint=None, prop=None, stored_distance: float | None = None):
    """The Place of a report, check-in or SOS (anything with lat/lon/accuracy_m), or None
    when the phone had no position. The distance is the one the server stored at check-in
    when there is one, else measured here from the checkpoint, else from the property."""
    if record.lat is None or record.lon is None:
        return None
    for kind, target in (("checkpoint", checkpoint), ("property", prop)):
        if target is None:
            continue
        name = getattr(target, "label", None) or getattr(target, "name", "")
        distance = stored_distance if kind == "checkpoint" else None
        if distance is None and target.lat is not None and target.lon is not None:
            distance = distance_m(record.lat, record.lon, target.lat, target.lon)
        if distance is not None or kind == "property":
            return Place(record.lat, record.lon, record.accuracy_m, distance, kind, name)
    return Place(record.lat, record.lon, record.accuracy_m, None, "checkpoint", "")
