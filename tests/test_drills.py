"""Alarm drills (issue 23, point 5): a supervisor starts a drill for a guard on shift at
/review/drills; the guard's phone learns of it by push and by GET /api/v1/drills/pending, and
its "seen" and "answered" are idempotent PUTs; the desk's list keeps the three times. The
server's clock is set by the test."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.drills.models import Drill
from patrol.push.models import PushMessage, PushSubscription
from tests.factories import start_shift

NOW = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 01:30 Stockholm


def subscribe(app, username: str) -> None:
    from patrol.auth.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.add(
            PushSubscription(
                user_id=user.id,
                endpoint=f"https://push.example.com/{username}",
                p256dh="x",
                auth="y",
                locale="sv",
                created_at=NOW,
            )
        )
        db.session.commit()


def guard_id(app, username="guard") -> int:
    from patrol.auth.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def test_a_drill_goes_to_a_guard_on_shift_and_keeps_sent_seen_and_answered(seeded, api_as, boss):
    set_clock(seeded, NOW)
    guard = api_as("guard")
    shift_id = start_shift(guard, NOW - timedelta(hours=2))
    subscribe(seeded, "guard")
    page = boss.get("/review/drills").get_data(as_text=True)
    assert "Väktare i tjänst" in page and f'value="{guard_id(seeded)}"' in page

    response = boss.post(
        "/review/drills", data={"csrf_token": boss.csrf, "guard_id": guard_id(seeded)}
    )
    assert response.status_code == 303
    drill_id = re.search(r"#drill-([0-9a-f-]+)", response.headers["Location"]).group(1)
    with seeded.app_context():
        drill = db.session.get(Drill, uuid.UUID(drill_id))
        assert drill.sent_at == NOW and str(drill.shift_id) == shift_id
        (push,) = db.session.scalars(sa.select(PushMessage).where(PushMessage.kind == "drill"))
        assert push.payload["id"] == drill_id and push.payload["title"] == "Övningslarm"
        assert push.urgency == "high"

    # The phone asks (no push needed): the drill is pending.
    pending = guard.get("/api/v1/drills/pending").json["drills"]
    assert [d["id"] for d in pending] == [drill_id]
    # Another guard sees nothing of it and cannot answer it.
    other = api_as("guard2")
    assert other.get("/api/v1/drills/pending").json["drills"] == []
    seen_at = (NOW + timedelta(seconds=4)).isoformat()
    assert (
        other.put(f"/api/v1/drills/{drill_id}/seen", json={"seen_at": seen_at}).status_code == 403
    )

    set_clock(seeded, NOW + timedelta(seconds=5))
    seen = guard.put(f"/api/v1/drills/{drill_id}/seen", json={"seen_at": seen_at})
    assert seen.status_code == 200 and seen.json["seen_at"].startswith("2026-11-24T00:30:04")
    # The same record again, or a later one: the first stays.
    later = (NOW + timedelta(minutes=3)).isoformat()
    assert (
        guard.put(f"/api/v1/drills/{drill_id}/seen", json={"seen_at": later}).json["seen_at"]
        == seen.json["seen_at"]
    )
    answered_at = (NOW + timedelta(seconds=40)).isoformat()
    set_clock(seeded, NOW + timedelta(seconds=41))
    answer = guard.put(f"/api/v1/drills/{drill_id}/answer", json={"answered_at": answered_at})
    assert answer.status_code == 200
    assert (
        guard.put(f"/api/v1/drills/{drill_id}/answer", json={"answered_at": later}).status_code
        == 200
    )
    assert guard.get("/api/v1/drills/pending").json["drills"] == []
    with seeded.app_context():
        drill = db.session.get(Drill, uuid.UUID(drill_id))
        assert drill.seen_at == NOW + timedelta(seconds=4)
        assert drill.seen_received_at == NOW + timedelta(seconds=5)
        assert drill.answered_at == NOW + timedelta(seconds=40)
        assert drill.answered_received_at == NOW + timedelta(seconds=41)
        assert drill.answer_seconds == 40
    listing = boss.get("/review/drills").get_data(as_text=True)
    row = listing[listing.index(f'id="drill-{drill_id}"') :].split("</tr>")[0]
    assert "01:30:00" in row and "01:30:04" in row and "01:30:40" in row and "40 s" in row


def test_an_answer_without_seen_counts_as_seen_and_bad_input_is_refused(seeded, api_as, boss):
    set_clock(seeded, NOW)
    guard = api_as("guard")
    start_shift(guard, NOW - timedelta(hours=1))
    boss.post("/review/drills", data={"csrf_token": boss.csrf, "guard_id": guard_id(seeded)})
    (drill,) = guard.get("/api/v1/drills/pending").json["drills"]
    url = f"/api/v1/drills/{drill['id']}"
    assert guard.put(f"{url}/answer", json={}).status_code == 422
    assert guard.put(f"{url}/answer", json={"answered_at": "02:14"}).status_code == 422
    assert (
        guard.put(
            f"/api/v1/drills/{uuid.uuid4()}/answer", json={"answered_at": NOW.isoformat()}
        ).status_code
        == 404
    )
    answer = guard.put(f"{url}/answer", json={"answered_at": NOW.isoformat()})
    assert answer.json["seen_at"] == answer.json["answered_at"]


def test_only_a_guard_on_shift_gets_a_drill_and_old_drills_stop_showing(seeded, api_as, boss):
    set_clock(seeded, NOW)
    refused = boss.post(
        "/review/drills", data={"csrf_token": boss.csrf, "guard_id": guard_id(seeded)}
    )
    assert refused.status_code == 422
    assert "Välj en väktare som har pass nu." in refused.get_data(as_text=True)
    guard = api_as("guard")
    start_shift(guard, NOW - timedelta(hours=1))
    boss.post("/review/drills", data={"csrf_token": boss.csrf, "guard_id": guard_id(seeded)})
    assert len(guard.get("/api/v1/drills/pending").json["drills"]) == 1
    # Two hours later an unanswered drill is no longer asked of the phone; the desk keeps it.
    set_clock(seeded, NOW + timedelta(hours=2, minutes=1))
    assert guard.get("/api/v1/drills/pending").json["drills"] == []
    assert "inte besvarat" in boss.get("/review/drills").get_data(as_text=True)


def test_the_drill_pages_are_for_supervisors_and_admins(seeded, api_as):
    from tests.support.review import login_page_client

    for username, status in (("guard", 403), ("admin", 200)):
        client = login_page_client(seeded, username)
        assert client.get("/review/drills").status_code == status
