"""The night's timeline per route as an inline SVG: rounds as bands (the on-time part, then
the tolerance), check-ins as ticks, skips as dashed ticks, positioned in percent of a shared
time axis. Percent coordinates need no viewBox, so the SVG scales to a phone, a desk and
paper while its text keeps its size; there are no inline styles (CSP), only classes.

Built here rather than in a template: a night of 20 routes has thousands of ticks, and plain
string building keeps Natten within its time budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from markupsafe import Markup, escape

from patrol.nights import wall_clock
from patrol.rounds.labels import ROUND_STATUS_LABELS
from patrol.rounds.rules import RouteNight, local_hhmm

MARGIN = timedelta(minutes=30)
HEIGHT = 58


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
            if wall_clock(moment).hour % step == 0:
                marks.append((self.x(moment), local_hhmm(moment)))
            moment += timedelta(hours=1)
        return marks


def axis_for(route_nights) -> Axis | None:
    rounds = [r.round for rn in route_nights for r in rn.rounds]
    if not rounds:
        return None
    return Axis(min(r.opens for r in rounds) - MARGIN, max(r.closes for r in rounds) + MARGIN)


def timeline_svg(rn: RouteNight, axis: Axis, label: str) -> Markup:
    parts = [
        f'<svg class="round-timeline" width="100%" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        '<line class="axis" x1="0" x2="100%" y1="36" y2="36"/>',
    ]
    for x, text in axis.hours():
        parts.append(
            f'<line class="hour" x1="{x}%" x2="{x}%" y1="6" y2="40"/>'
            f'<text class="hour-label" x="{x}%" y="54" text-anchor="middle">{text}</text>'
        )
    statuses = {k: str(v) for k, v in ROUND_STATUS_LABELS.items()}
    for r in rn.rounds:
        opens, due, closes = axis.x(r.round.opens), axis.x(r.round.due), axis.x(r.round.closes)
        title = escape(
            f"{gettext('Round %(n)d', n=r.round.index)} {local_hhmm(r.round.opens)}–"
            f"{local_hhmm(r.round.due)}: {statuses[r.status]}"
        )
        parts.append(
            f'<rect class="band band-{r.status}" x="{opens}%" y="10" width="{round(due - opens, 2)}%"'
            f' height="24" rx="3"><title>{title}</title></rect>'
            f'<rect class="band-late" x="{due}%" y="10" width="{round(closes - due, 2)}%"'
            ' height="24"/>'
        )
    marks = [(c.visit, "") for r in rn.rounds for c in r.checkpoints if c.visit]
    marks += [(v, " tick-extra") for v in rn.extra]
    for visit, extra in sorted(marks, key=lambda m: m[0].at):
        x = axis.x(visit.at)
        parts.append(
            f'<line class="tick tick-{visit.kind}{extra}" x1="{x}%" x2="{x}%" y1="4" y2="40"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
