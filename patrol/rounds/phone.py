"""The phone's part of the sites document: active routes with their stops and the rounds of
tonight and the next night (registered as the `routes` part in patrol/rounds/__init__.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from patrol.nights import night_of
from patrol.rounds.queries import plan_of
from patrol.rounds.rules import expected_rounds


def phone_routes(now: datetime) -> list[dict]:
    """Active routes as the phone caches them (`/api/v1/sites`): each stop with its
    instructions, from the plan in force tonight, and the rounds of tonight and the next night
    (a phone that refreshes before noon still gets the coming evening's). Three queries."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from patrol.db import db
    from patrol.rounds.models import Route, Schedule

    tonight = night_of(now)
    nights = (tonight, tonight + timedelta(days=1))
    routes = db.session.scalars(sa.select(Route).order_by(Route.name, Route.id)).all()
    schedules: dict[int, list] = defaultdict(list)
    for schedule in db.session.scalars(
        sa.select(Schedule)
        .where(Schedule.route_id.in_([r.id for r in routes]))
        .options(selectinload(Schedule.checkpoints))
        .order_by(Schedule.valid_from)
    ):
        schedules[schedule.route_id].append(schedule)
    result = []
    for route in routes:
        versions = schedules.get(route.id, [])
        in_force = {
            n: max(
                (s for s in versions if s.valid_from <= n), key=lambda s: s.valid_from, default=None
            )
            for n in nights
        }
        shown = in_force[tonight] or in_force[nights[1]]
        if shown is None or not any(s.active for s in in_force.values() if s is not None):
            continue
        rounds = [
            {"night": n, "index": r.index, "opens": r.opens, "due": r.due, "closes": r.closes}
            for n in nights
            for r in expected_rounds(plan_of(in_force[n]) if in_force[n] else None, n)
        ]
        result.append(
            {
                "id": route.id,
                "name": route.name,
                "area_id": route.area_id,
                "expected_minutes": route.expected_minutes,
                "stops": [
                    {
                        "checkpoint_id": rc.checkpoint_id,
                        "position": rc.position,
                        "instructions": rc.instructions,
                    }
                    for rc in shown.checkpoints
                ],
                "rounds": rounds,
            }
        )
    return result
