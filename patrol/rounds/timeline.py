"""Geometry of the night's timeline: rounds as bands and check-ins as ticks, positioned in
percent of a shared time axis so that one inline SVG scales to a phone, a desk and paper
(percent coordinates need no viewBox, so its text keeps its size; no inline styles under CSP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_datetime

from patrol.rounds.rules import RouteNight

MARGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class Axis:
    start: datetime
    end: datetime

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1
        return round(max(0.0, min(100.0, (moment - self.start).total_seconds() / span * 100)), 2)

    def hours(self) -> list[tuple[float, str]]:
        """Full hours along the axis, every second hour when the night is long."""
        first = self.start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        span_h = (self.end - self.start).total_seconds() / 3600
        step = 1 if span_h <= 8 else 2
        marks, moment = [], first
        while moment < self.end:
            local_hour = int(format_datetime(moment, "H"))
            if local_hour % step == 0:
                marks.append((self.x(moment), format_datetime(moment, "HH:mm")))
            moment += timedelta(hours=1)
        return marks


def axis_for(route_nights: list[RouteNight]) -> Axis | None:
    rounds = [r.round for rn in route_nights for r in rn.rounds]
    if not rounds:
        return None
    return Axis(min(r.opens for r in rounds) - MARGIN, max(r.closes for r in rounds) + MARGIN)


def bands(rn: RouteNight, axis: Axis) -> list[dict]:
    return [
        {
            "x": axis.x(r.round.opens),
            "width": round(axis.x(r.round.due) - axis.x(r.round.opens), 2),
            "late_width": round(axis.x(r.round.closes) - axis.x(r.round.due), 2),
            "late_x": axis.x(r.round.due),
            "status": r.status,
            "index": r.round.index,
            "opens": format_datetime(r.round.opens, "HH:mm"),
            "due": format_datetime(r.round.due, "HH:mm"),
        }
        for r in rn.rounds
    ]


def ticks(rn: RouteNight, axis: Axis) -> list[dict]:
    visits = [c.visit for r in rn.rounds for c in r.checkpoints if c.visit] + list(rn.extra)
    return [
        {"x": axis.x(v.at), "kind": v.kind, "extra": v in rn.extra}
        for v in sorted(visits, key=lambda v: v.at)
    ]
