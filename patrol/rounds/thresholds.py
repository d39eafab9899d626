"""Every limit the rounds rules use, in one place (bursts, speed between check-ins, the
"ej hörd" silence on Just nu)."""

from __future__ import annotations

from dataclasses import dataclass

# --- thresholds: every limit the rules use, in one place --------------------------------------


@dataclass(frozen=True)
class Thresholds:
    # A burst: this many check-ins at different checkpoints within this many seconds (nobody
    # walks between four stairwells in half a minute; someone scanning a sheet of codes does).
    burst_count: int = 4
    burst_seconds: int = 30
    # Faster than this between two consecutive check-ins is impossible on foot or by car in
    # the area (15 m/s = 54 km/h)...
    max_speed_m_s: float = 15.0
    # ...unless the two checkpoints are this close (positions of checkpoints are approximate).
    speed_min_distance_m: float = 150.0
    # A guard on shift not heard from for this long shows as "ej hörd" on "Just nu".
    not_heard_minutes: int = 60


THRESHOLDS = Thresholds()
