"""Alone at night, points 1-4: the server's lone-worker alarms, with the server's clock set by
the test (never a sleep), against PostgreSQL and SQLite, a real HTTP receiver that checks the
signature, and two workers at once.

- silence at N minutes (per area), any record or a heartbeat counts, the alarm ends by itself
  when the phone is heard again and both times stay;
- "Utan täckning" (10/20/30/60 min): the silence alarm waits, and goes at once at the end when
  nothing was heard; ended early; anything else 422;
- "Jag är OK" timer (5-60 min): runs out -> an alarm like an SOS with the last position; a late
  "Jag är OK" shows on it and the alarm stays until acknowledged;
- escalation: not acknowledged in the area's time -> every supervisor by push and mail, then the
  alarm receiver's signed webhook, once across two workers.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from patrol.alarms.actions import ALARMS_JOB, check_alarms
from patrol.alarms.models import CheckinTimer
from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.mail.models import MailMessage
from patrol.nights import night_of
from patrol.outbox import drain_until_idle
from patrol.push.actions import open_sos_alerts
from patrol.push.models import PushMessage, SosAlert
from patrol.schedule.models import JobRun
from patrol.schedule.rules import run_due_jobs
from patrol.sites.models import Area
from patrol.webhooks.deliveries import DRAIN
from patrol.webhooks.models import WebhookDelivery
from tests.support.receiver import WebhookReceiver
from tests.support.review import login_page_client

T0 = datetime(2026, 12, 8, 0, 12, tzinfo=UTC)  # 01:12 in Stockholm
SECRET = "alarm-receiver-secret-0123456789"


def at(app, minutes: float) -> datetime:
    moment = T0 + timedelta(minutes=minutes)
    set_clock(app, moment)
    return moment


def start_shift(api) -> str:
    shift_id = str(uuid.uuid4())
    response = api.put(f"/api/v1/shifts/{shift_id}", json={"started_at": T0.isoformat()})
    assert response.status_code == 201, response.json
    return shift_id


def run_rules(app, minutes: float) -> None:
    moment = at(app, minutes)
    with app.app_context():
        check_alarms(moment)


def alarms(app, kind: str | None = None) -> list[SosAlert]:
    with app.app_context():
        query = sa.select(SosAlert).order_by(SosAlert.received_at)
        if kind:
            query = query.where(SosAlert.kind == kind)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def guard(api_as, seeded):
    set_clock(seeded, T0)
    return api_as("guard")


def test_silence_at_n_minutes_ends_by_itself_when_heard_and_any_record_counts(seeded, guard):
    shift_id = start_shift(guard)
    run_rules(seeded, 44)
    assert alarms(seeded) == []
    run_rules(seeded, 45)
    [alarm] = alarms(seeded, "silence")
    assert alarm.occurred_at == T0 + timedelta(minutes=45)
    assert alarm.note.startswith("Tyst i 45 min: ") and "senast hörd 01:12" in alarm.note
    run_rules(seeded, 46)
    assert len(alarms(seeded)) == 1  # once, not every minute
    with seeded.app_context():
        assert [a.id for a in open_sos_alerts()] == [alarm.id]
    # The phone comes to the foreground: a heartbeat. The alarm ends at the next pass.
    at(seeded, 50)
    beat = guard.put(f"/api/v1/shifts/{shift_id}/heartbeat", json={"at": T0.isoformat()})
    assert beat.status_code == 200, beat.json
    run_rules(seeded, 51)
    [ended] = alarms(seeded, "silence")
    assert ended.ended_at == T0 + timedelta(minutes=50)
    with seeded.app_context():
        assert open_sos_alerts() == []
        # Natten's "ej kvitterade" does not count a silence that ended by itself.
        from patrol.review.queries import night_overview

        overview = night_overview(night_of(T0))
        assert len(overview.sos) == 1 and overview.open_sos == 0
    # The desk shows both times (raised, ended) on the shift log.
    page = login_page_client(seeded, "supervisor").get(f"/review/shifts/{shift_id}")
    assert b"01:57" in page.data and b"02:02" in page.data, "raised 01:57, heard again 02:02"
    # Any record counts: a check-in at +80 moves the next silence to +125.
    at(seeded, 80)
    places = seeded.config  # noqa: F841
    with seeded.app_context():
        from patrol.sites.models import Checkpoint

        code = db.session.scalar(sa.select(Checkpoint.short_code).order_by(Checkpoint.id))
    checkin = guard.put(
        f"/api/v1/checkins/{uuid.uuid4()}",
        json={
            "shift_id": shift_id,
            "checkpoint_code": code,
            "method": "code",
            "occurred_at": (T0 + timedelta(minutes=80)).isoformat(),
        },
    )
    assert checkin.status_code == 201, checkin.json
    run_rules(seeded, 124)
    assert len(alarms(seeded, "silence")) == 1
    run_rules(seeded, 125)
    assert len(alarms(seeded, "silence")) == 2


def test_the_areas_own_silence_minutes(seeded, guard):
    with seeded.app_context():
        area = db.session.scalar(sa.select(Area).order_by(Area.id))
        area.silence_minutes = 20
        guard_user = db.session.scalar(sa.select(User).where(User.username == "guard"))
        guard_user.areas = [area]
        db.session.commit()
    start_shift(guard)
    run_rules(seeded, 19)
    assert alarms(seeded) == []
    run_rules(seeded, 20)
    assert len(alarms(seeded, "silence")) == 1


def test_no_coverage_waits_and_alarms_at_once_at_its_end(seeded, guard):
    shift_id = start_shift(guard)
    window = f"/api/v1/no-coverage/{uuid.uuid4()}"
    body = {"shift_id": shift_id, "started_at": (T0 + timedelta(minutes=30)).isoformat()}
    at(seeded, 30)
    for minutes in (15, 0, 120, "30"):
        refused = guard.put(f"/api/v1/no-coverage/{uuid.uuid4()}", json=body | {"minutes": minutes})
        assert refused.status_code == 422 and "minutes" in refused.json["errors"]
    created = guard.put(window, json=body | {"minutes": 60})
    assert created.status_code == 201, created.json
    assert guard.put(window, json=body | {"minutes": 60}).status_code == 200  # idempotent
    # 45 minutes after the last record the silence alarm would go: the window makes it wait.
    run_rules(seeded, 76)
    assert alarms(seeded) == []
    run_rules(seeded, 89)
    assert alarms(seeded) == []
    # The window ends at +90 with nothing heard since it began: the alarm goes at once.
    run_rules(seeded, 90)
    [alarm] = alarms(seeded, "silence")
    assert alarm.occurred_at == T0 + timedelta(minutes=90)


def test_no_coverage_ended_early_is_a_sign_of_life(seeded, guard):
    shift_id = start_shift(guard)
    window = f"/api/v1/no-coverage/{uuid.uuid4()}"
    body = {
        "shift_id": shift_id,
        "started_at": (T0 + timedelta(minutes=10)).isoformat(),
        "minutes": 60,
    }
    at(seeded, 10)
    assert guard.put(window, json=body).status_code == 201
    at(seeded, 20)
    ended = guard.put(window, json=body | {"ended_at": (T0 + timedelta(minutes=20)).isoformat()})
    assert ended.status_code == 200 and ended.json["ended_at"]
    run_rules(seeded, 64)
    assert alarms(seeded) == []  # heard at +20: silence at +65, the window no longer counts
    run_rules(seeded, 65)
    assert len(alarms(seeded, "silence")) == 1


def test_a_timer_runs_out_into_an_alarm_with_the_last_position_and_a_late_ok_shows(seeded, guard):
    shift_id = start_shift(guard)
    url = f"/api/v1/timers/{uuid.uuid4()}"
    body = {
        "shift_id": shift_id,
        "task": "Går in i trapphuset",
        "started_at": (T0 + timedelta(minutes=1)).isoformat(),
        "minutes": 10,
        "lat": 55.5871,
        "lon": 13.0034,
        "accuracy_m": 12,
    }
    at(seeded, 1)
    for minutes in (4, 61, 0):
        refused = guard.put(f"/api/v1/timers/{uuid.uuid4()}", json=body | {"minutes": minutes})
        assert refused.status_code == 422 and "minutes" in refused.json["errors"]
    assert guard.put(url, json=body).status_code == 201
    # Extended at +8 by 5 minutes: due at +13.
    at(seeded, 8)
    extended = body | {"extended_at": (T0 + timedelta(minutes=8)).isoformat(), "minutes": 5}
    answer = guard.put(url, json=extended)
    assert answer.status_code == 200 and answer.json["due_at"].startswith("2026-12-08T00:25")
    # A late copy of the start never undoes the extension.
    assert guard.put(url, json=body).json["due_at"].startswith("2026-12-08T00:25")
    run_rules(seeded, 12)
    assert alarms(seeded, "timer") == []
    run_rules(seeded, 13)
    [alarm] = alarms(seeded, "timer")
    assert (alarm.lat, alarm.lon, alarm.accuracy_m) == (55.5871, 13.0034, 12)
    assert "trapphuset" in alarm.note and alarm.acknowledged_at is None
    # "Jag är OK" at 01:26, after the alarm: shown on it, and the alarm stays.
    at(seeded, 14)
    ok = guard.put(url, json=extended | {"stopped_at": (T0 + timedelta(minutes=14)).isoformat()})
    assert ok.status_code == 200 and ok.json["stopped_at"]
    [alarm] = alarms(seeded, "timer")
    assert alarm.answered_at == T0 + timedelta(minutes=14) and alarm.acknowledged_at is None
    with seeded.app_context():
        assert [a.id for a in open_sos_alerts()] == [alarm.id]
    board = login_page_client(seeded, "supervisor").get("/push/alerts")
    assert "Väktaren svarade 01:26".encode() in board.data
    # Stopped in time: no alarm.
    other = f"/api/v1/timers/{uuid.uuid4()}"
    assert (
        guard.put(
            other,
            json=body | {"started_at": (T0 + timedelta(minutes=14)).isoformat(), "minutes": 5},
        ).status_code
        == 201
    )
    guard.put(
        other,
        json=body
        | {
            "started_at": (T0 + timedelta(minutes=14)).isoformat(),
            "minutes": 5,
            "stopped_at": (T0 + timedelta(minutes=16)).isoformat(),
        },
    )
    run_rules(seeded, 30)
    assert len(alarms(seeded, "timer")) == 1
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinTimer)) == 2


@pytest.fixture
def receiver(seeded):
    receiver = WebhookReceiver(secret=SECRET)
    receiver.now = lambda: seeded.config["CLOCK"]() if seeded.config.get("CLOCK") else None
    receiver.start()
    seeded.config["ALARM_WEBHOOK_URL"] = receiver.url
    seeded.config["ALARM_WEBHOOK_SECRET"] = SECRET
    yield receiver
    receiver.stop()


def test_an_unacknowledged_sos_escalates_to_supervisors_then_the_receiver_once(
    seeded, guard, receiver
):
    with seeded.app_context():
        boss = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        boss.email = "arbetsledare@example.se"
        db.session.commit()
    shift_id = start_shift(guard)
    sos_id = str(uuid.uuid4())
    at(seeded, 2)
    sos = guard.put(
        f"/api/v1/sos/{sos_id}",
        json={
            "shift_id": shift_id,
            "occurred_at": (T0 + timedelta(minutes=2)).isoformat(),
            "lat": 55.58,
            "lon": 13.0,
        },
    )
    assert sos.status_code == 201, sos.json
    run_rules(seeded, 4.9)
    [alarm] = alarms(seeded, "sos")
    assert alarm.escalated_at is None
    # 3 minutes without acknowledgement: every supervisor by push and mail.
    run_rules(seeded, 5)
    [alarm] = alarms(seeded, "sos")
    assert alarm.escalated_at == T0 + timedelta(minutes=5) and alarm.receiver_at is None
    with seeded.app_context():
        mail = db.session.scalars(
            sa.select(MailMessage).where(MailMessage.kind == "alarm_escalation")
        ).all()
        assert [m.recipients for m in mail] == [["arbetsledare@example.se"]]
    # 3 more: the alarm receiver, through the outbox; two workers run the job in the same
    # minute and two drain the webhooks: one delivery, signed.
    moment = at(seeded, 8)
    with seeded.app_context():  # an old night's claims are deleted by the job
        db.session.add(
            JobRun(job="alarms", night=date(2026, 11, 1), key="x", claimed_by="old", claimed_at=T0)
        )
        db.session.commit()
    results = []

    def worker(name):
        with seeded.app_context():
            results.append(run_due_jobs(by=name, jobs=[ALARMS_JOB]))
            drain_until_idle(DRAIN, by=f"{name}:webhooks")

    threads = [threading.Thread(target=worker, args=(f"host{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(r) for r in results) == 1, "the minute's job ran once across both workers"
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1
        keys = db.session.scalars(sa.select(JobRun.key).where(JobRun.job == "alarms")).all()
        assert keys == [moment.strftime("%Y-%m-%dT%H:%MZ")]
    [received] = receiver.requests
    assert received.signature_ok and received.status == 200
    payload = json.loads(received.body)
    assert payload["event"] == "alarm.escalated"
    assert payload["data"]["alarm_id"] == sos_id and payload["data"]["kind"] == "sos"
    assert payload["data"]["lat"] == 55.58
    run_rules(seeded, 20)
    assert len(receiver.requests) == 1
    # Acknowledged: who and when, with every step, on the shift log, the CSV and the PDF.
    at(seeded, 21)
    boss_client = login_page_client(seeded, "supervisor")
    ack = boss_client.post(
        f"/api/v1/sos/{sos_id}/acknowledge", headers={"X-CSRFToken": boss_client.csrf}
    )
    assert ack.status_code == 200, ack.data
    page = boss_client.get(f"/review/shifts/{shift_id}").get_data(as_text=True)
    assert "Eskalerat till arbetsledarna" in page and "Larmmottagaren" in page
    csv_text = boss_client.get(
        "/review/export.csv?what=sos&from=2026-12-07&to=2026-12-07"
    ).get_data(as_text=True)
    assert "01:17:00" in csv_text and "01:20:00" in csv_text
    from tests.support.owners import pdf_text

    pdf = pdf_text(boss_client.get("/review/nights/2026-12-07.pdf").data)
    assert "01:17:00 eskalerat till arbetsledarna" in pdf and "01:20:00 larmmottagaren" in pdf
    assert "kvitterat 01:33:00 av" in pdf


def test_a_silence_alarm_escalates_after_its_own_time(seeded, guard):
    start_shift(guard)
    run_rules(seeded, 45)
    run_rules(seeded, 59)
    assert alarms(seeded, "silence")[0].escalated_at is None
    run_rules(seeded, 60)
    assert alarms(seeded, "silence")[0].escalated_at == T0 + timedelta(minutes=60)
    with seeded.app_context():
        kinds = db.session.scalars(sa.select(PushMessage.payload)).all()
        assert kinds == [] or all(p.get("alarm") == "silence" for p in kinds)


def test_privacy_one_heartbeat_per_shift_timer_positions_purged_and_exported(
    seeded, guard, tmp_path
):
    """Point 8: heartbeats keep only the last one per shift (two columns on the shift, no
    history); a timer's position follows the positions' retention; export-person has them."""
    from patrol.privacy.rules import purge

    shift_id = start_shift(guard)
    for minute in (5, 9):
        at(seeded, minute)
        guard.put(f"/api/v1/shifts/{shift_id}/heartbeat", json={})
    url = f"/api/v1/timers/{uuid.uuid4()}"
    body = {"shift_id": shift_id, "task": "Källaren", "started_at": T0.isoformat(), "minutes": 5}
    assert guard.put(url, json=body | {"lat": 55.6, "lon": 13.0}).status_code == 201
    with seeded.app_context():
        from patrol.shifts.models import Shift

        shift = db.session.get(Shift, uuid.UUID(shift_id))
        assert shift.last_heartbeat_at == T0 + timedelta(minutes=9)
    output = tmp_path / "guard.zip"
    result = seeded.test_cli_runner().invoke(
        args=["export-person", "guard", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    import zipfile

    with zipfile.ZipFile(output) as archive:
        data = json.loads(archive.read("person.json"))
    assert [t["task"] for t in data["checkin_timers"]] == ["Källaren"]
    assert data["checkin_timers"][0]["lat"] == 55.6
    assert data["shifts"][0]["last_heartbeat_at"]
    # 91 days later the positions' period has passed: the timer keeps no position.
    set_clock(seeded, T0 + timedelta(days=91))
    with seeded.app_context():
        purge()
        timer = db.session.scalar(sa.select(CheckinTimer))
        assert (timer.lat, timer.lon) == (None, None)


def test_alarms_and_heartbeats_are_in_no_report_of_working_time_or_performance(seeded, guard):
    """Point 8: positions for safety, not for control. The owners' month (page, CSV, PDF) and
    the day crew's list say nothing of silence, timers or heartbeats."""
    from tests.support.owners import login_page, pdf_text

    shift_id = start_shift(guard)
    at(seeded, 5)
    guard.put(f"/api/v1/shifts/{shift_id}/heartbeat", json={})
    body = {"shift_id": shift_id, "task": "Källaren", "started_at": T0.isoformat(), "minutes": 5}
    guard.put(f"/api/v1/timers/{uuid.uuid4()}", json=body | {"lat": 55.6, "lon": 13.0})
    run_rules(seeded, 60)
    assert {a.kind for a in alarms(seeded)} == {"silence", "timer"}
    owner = seeded.test_client()
    login_page(owner, "owner")
    words = ("Tyst", "Källaren", "Jag är OK", "timer", "hörd", "55.6")
    for url in ("/owner/months/2026-12", "/owner/months/2026-12/export.csv"):
        response = owner.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert not [w for w in words if w in text], url
    pdf = owner.get("/owner/months/2026-12/export.pdf")
    assert pdf.status_code == 200
    assert not [w for w in words if w in pdf_text(pdf.data)]
    # Nor the owners' integration feed of alarms (a guard's SOS only).
    from patrol.integrations import feeds

    with seeded.app_context():
        assert feeds.alarms(None, None, None, 50).items == []
        assert all(feeds.alarm_for(None, alarm) is None for alarm in alarms(seeded))


def subscribe_users(app, *usernames: str) -> None:
    """A push subscription for each user (the messages are only written, never sent here)."""
    from patrol.push.models import PushSubscription

    with app.app_context():
        for name in usernames:
            user = db.session.scalar(sa.select(User).where(User.username == name))
            db.session.add(
                PushSubscription(
                    user_id=user.id,
                    endpoint=f"https://push.example/{name}",
                    p256dh="p" * 87,
                    auth="a" * 22,
                    locale="sv",
                )
            )
        db.session.commit()


def test_two_passes_racing_over_one_silence_raise_one_alarm_and_one_push_each(
    seeded, guard, monkeypatch
):
    """The minute's job claim is not the only guard: two passes that both found no alarm yet
    (two hosts, a pass that overran its minute) insert at once; the database's partial unique
    index lets one through, the other rolls back (its pushes too) and looks again."""
    from patrol.alarms import actions

    subscribe_users(seeded, "supervisor", "admin")
    start_shift(guard)
    moment = at(seeded, 45)
    both_looked = threading.Barrier(2)
    seen = threading.local()
    raise_silence = actions.raise_silence

    def raise_once_both_looked(*args):
        if not getattr(seen, "waited", False):
            seen.waited = True
            both_looked.wait(timeout=60)  # both passes found no alarm: both insert now
        return raise_silence(*args)

    monkeypatch.setattr(actions, "raise_silence", raise_once_both_looked)
    results, errors = [], []

    def worker():
        try:
            with seeded.app_context():
                results.append(check_alarms(moment))
        except Exception as error:  # noqa: BLE001 - the test reports it below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.split(";")[0] for r in results) == [
        "silence raised 0 ended 0",
        "silence raised 1 ended 0",
    ]
    [alarm] = alarms(seeded, "silence")
    with seeded.app_context():
        pushed = db.session.scalars(sa.select(PushMessage)).all()
        names = sorted(db.session.get(User, m.user_id).username for m in pushed)
        assert names == ["admin", "supervisor"]
        assert {m.payload["id"] for m in pushed} == {str(alarm.id)}
        assert {m.kind for m in pushed} == {"silence"}
    # Raised once, it stays one alarm at the next passes too.
    run_rules(seeded, 46)
    assert len(alarms(seeded, "silence")) == 1


def test_a_record_carries_its_sign_of_life_in_its_own_commit(seeded, guard):
    """A check-in marks the guard's open shift heard in the check-in's own transaction: one
    durable commit per record, not a second one after it. A refused record (nothing of its
    own committed) is still heard, on a connection of its own."""
    from patrol.db import engine_of
    from patrol.shifts.models import Shift
    from patrol.sites.models import Checkpoint

    shift_id = start_shift(guard)
    with seeded.app_context():
        code = db.session.scalar(sa.select(Checkpoint.short_code).order_by(Checkpoint.id))
    commits = []

    def committed(connection) -> None:
        commits.append(connection)

    sa.event.listen(engine_of(seeded), "commit", committed)

    def last_heard() -> datetime | None:
        with seeded.app_context():
            return db.session.get(Shift, uuid.UUID(shift_id)).last_heard_at

    def check_in(minutes: int, checkpoint_code: str) -> int:
        commits.clear()
        at(seeded, minutes)
        body = {
            "shift_id": shift_id,
            "checkpoint_code": checkpoint_code,
            "method": "code",
            "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        }
        return guard.put(f"/api/v1/checkins/{uuid.uuid4()}", json=body).status_code

    try:
        assert check_in(10, code) == 201
        assert len(commits) == 1
        assert last_heard() == T0 + timedelta(minutes=10)
        assert check_in(20, "NO-SUCH-CODE") == 422
        assert len(commits) == 1  # the mark alone
        assert last_heard() == T0 + timedelta(minutes=20)
    finally:
        sa.event.remove(engine_of(seeded), "commit", committed)
