"""Every limit the rounds rules use, in one place (bursts, speed between check-ins, the
the "ej hörd" silence on Just nu is the alarms' one silence rule: the area's silence minutes)."""

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


THRESHOLDS = Thresholds()
