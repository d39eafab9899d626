"""Privacy (issue 15, points 11-12): retention periods applied by `flask purge` (with a dry run
and a log of counts), photo files deleted with their rows, and one person's data as a zip."""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from patrol import create_app
from patrol.auth.models import LoginFailure, User
from patrol.db import db, engine_of, set_clock, utcnow
from patrol.nights import ZONE
from patrol.privacy.export import person_data
from patrol.privacy.models import PurgeRun
from patrol.privacy.rules import PURGE_JOB
from patrol.push.models import PushSubscription
from patrol.reports.models import Photo, Report
from patrol.reports.storage import photo_store
from patrol.safety.models import ResidentInfoEntrance, ResidentInfoVisit, WalkCheck
from patrol.schedule.rules import run_due_jobs
from patrol.shifts.models import CheckIn
from tests.factories import new_id, start_shift
from tests.support.app import Api
from tests.support.review import demo_places, login_page_client, sync_shift
from tests.support.safety import acute_event_with_plan, plan_walk_directly


def wrong_login(app, username: str = "guard") -> None:
    api = Api(app)
    assert api.login(username, "wrong-password").status_code == 401


def old_night(app, api_as):
    """A synced night received now: a reviewed report with a photo and a position, an acute
    report nobody reviewed, check-ins with positions, a failed login, a push subscription."""
    guard = api_as("guard")
    ids = sync_shift(guard, demo_places(app), missing_photo=False)
    boss = login_page_client(app, "supervisor")
    response = boss.post(
        f"/review/reports/{ids['lighting']}/approve",
        data={"comment": "Ok", "csrf_token": boss.csrf},
    )
    assert response.status_code == 302
    wrong_login(app, "owner")  # (a successful login clears that account's failures)
    with app.app_context():
        guard_id = db.session.scalar(sa.select(User.id).where(User.username == "guard"))
        db.session.add(
            PushSubscription(
                user_id=guard_id,
                endpoint="https://fcm.googleapis.com/fcm/send/old-device",
                p256dh="x",
                auth="y",
            )
        )
        db.session.commit()
        photo = db.session.get(Photo, uuid.UUID(ids["photo"]))
        ids["photo_keys"] = (photo.storage_key, photo.thumbnail_key)
    return ids


def counts_by_kind(output: str) -> dict[str, int]:
    """{"photos": 1, ...} from lines like "photos: would delete 1 (older than 180 days, ...)"."""
    found = {}
    for line in output.splitlines():
        if "delete" in line:
            kind, rest = line.split(": ", 1)
            found[kind] = int(rest.split(" (")[0].split()[-1])
    return found


def test_purge_dry_run_says_what_would_go_then_purge_deletes_it_and_logs_counts(seeded, api_as):
    app = seeded
    ids = old_night(app, api_as)
    # A year and more later: a new shift with a positioned report. (The guard logged in
    # before: a login then would prune the old failed login by itself, after 15 minutes.)
    guard = Api(app)
    assert guard.login("guard").status_code == 200
    later = datetime.now(UTC) + timedelta(days=400)
    set_clock(app, later)
    recent_report = new_id()
    places = demo_places(app)
    recent_shift = start_shift(guard, later - timedelta(hours=1))
    response = guard.put(
        f"/api/v1/reports/{recent_report}",
        json={
            "shift_id": recent_shift,
            "property_id": places["p1"],
            "category": "graffiti",
            "level": "preventive",
            "description": "Nytt klotter.",
            "occurred_at": (later - timedelta(minutes=5)).isoformat(),
            "lat": 55.59,
            "lon": 13.01,
            "accuracy_m": 5,
        },
    )
    assert response.status_code == 201, response.json
    runner = app.test_cli_runner()
    store_paths = [photo_store_path(app, key) for key in ids["photo_keys"] if key]
    assert all(path.exists() for path in store_paths)

    expected = {
        "photos": 1,
        "positions": 3,  # two check-ins at the checkpoint, the lighting report
        "report_texts": 1,  # the acute report nobody approved; the approved one keeps its text
        "login_records": 1,
        "push_subscriptions": 1,
        "injuries": 0,
    }
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert counts_by_kind(dry.output) == expected
    assert "would delete" in dry.output
    assert all(path.exists() for path in store_paths)
    with app.app_context():
        assert db.session.get(Photo, uuid.UUID(ids["photo"])) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PurgeRun)) == 0

    real = runner.invoke(args=["purge"])
    assert real.exit_code == 0, real.output
    assert counts_by_kind(real.output) == expected
    assert not any(path.exists() for path in store_paths)
    with app.app_context():
        assert db.session.get(Photo, uuid.UUID(ids["photo"])) is None
        lighting = db.session.get(Report, uuid.UUID(ids["lighting"]))
        assert lighting.description == "Trasig lampa i trapphuset, plan 2."
        assert lighting.lat is None and ids["photo"] not in lighting.photo_ids
        assert db.session.get(Report, uuid.UUID(ids["acute"])).description == ""
        assert db.session.scalar(sa.select(sa.func.count()).where(CheckIn.lat.is_not(None))) == 0
        recent = db.session.get(Report, uuid.UUID(recent_report))
        assert recent.lat == 55.59 and recent.description == "Nytt klotter."
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0
        log = {r.kind: r.count for r in db.session.scalars(sa.select(PurgeRun))}
        assert log == expected
    again = runner.invoke(args=["purge"])
    assert counts_by_kind(again.output) == dict.fromkeys(expected, 0)


def test_the_worker_purges_every_morning_once_across_hosts(seeded, api_as):
    """Nobody has to remember a cron line: the scheduled job "purge" runs at PURGE_AT the
    morning after each night, once whichever worker claims it, and logs its counts."""
    app = seeded
    ids = old_night(app, api_as)
    stockholm = ZONE
    morning = (datetime.now(UTC) + timedelta(days=400)).astimezone(stockholm).date()
    with app.app_context():
        set_clock(app, datetime.combine(morning, time(10, 59), stockholm))
        assert [run.job for run in run_due_jobs(by="host-a", jobs=[PURGE_JOB])] == ["purge"]
        assert db.session.get(Photo, uuid.UUID(ids["photo"])) is None  # yesterday's run
        set_clock(app, datetime.combine(morning, time(11, 0), stockholm))
        runs = run_due_jobs(by="host-b", jobs=[PURGE_JOB])
        assert [(run.job, run.night) for run in runs] == [("purge", morning - timedelta(days=1))]
        assert runs[0].outcome == (
            "photos: 0, positions: 0, report_texts: 0, login_records: 0, push_subscriptions: 0, "
            "injuries: 0"
        )
        assert run_due_jobs(by="host-a", jobs=[PURGE_JOB]) == []  # claimed: once across hosts
        logged = db.session.scalars(sa.select(PurgeRun.count).where(PurgeRun.kind == "photos"))
        assert sorted(logged) == [0, 1]


def photo_store_path(app, key: str):
    with app.app_context():
        return photo_store().path(key)


def test_retention_periods_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PATROL_RETENTION_PHOTOS_DAYS", "7")
    app = create_app(
        {"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite3"},
        instance_path=tmp_path,
    )
    engine_of(app).dispose()
    assert app.config["RETENTION_PHOTOS_DAYS"] == 7
    assert app.config["RETENTION_POSITIONS_DAYS"] == 90


def test_export_person_writes_everything_stored_about_one_user(seeded, api_as, tmp_path):
    app = seeded
    guard = api_as("guard")
    ids = sync_shift(guard, demo_places(app), missing_photo=False)
    sos = new_id()
    response = guard.put(
        f"/api/v1/sos/{sos}",
        json={"occurred_at": datetime.now(UTC).isoformat(), "lat": 55.6, "lon": 13.0},
    )
    assert response.status_code == 201
    wrong_login(app)
    output = tmp_path / "guard.zip"
    result = app.test_cli_runner().invoke(args=["export-person", "guard", "--output", str(output)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        data = json.loads(archive.read("person.json"))
        photo_name = f"photos/{ids['photo']}.jpg"
        assert sorted(archive.namelist()) == ["person.json", photo_name]
        with app.app_context():
            photo = db.session.get(Photo, uuid.UUID(ids["photo"]))
            assert archive.read(photo_name) == photo_store().path(photo.storage_key).read_bytes()
    assert data["account"]["username"] == "guard"
    assert "password_hash" not in data["account"]
    assert [s["id"] for s in data["shifts"]] == [ids["shift"]]
    assert len(data["checkins"]) == 3
    assert any(c["lat"] is not None for c in data["checkins"])
    assert {r["id"] for r in data["reports"]} == {ids["lighting"], ids["acute"]}
    assert data["photos"][0]["file"] == photo_name
    assert [a["id"] for a in data["sos_alerts"]] == [sos]
    assert len(data["failed_logins"]) == 1
    missing = app.test_cli_runner().invoke(args=["export-person", "nobody"])
    assert missing.exit_code != 0 and "no user" in missing.output


def test_export_and_purge_reach_resident_information_visits_and_safety_walk_checks(seeded):
    """Issue 14's records are the guard's data too: in the export (with the reports made on a
    walk, which have no shift, and the devices logged in), and their positions purged."""
    app = seeded
    plan_id = acute_event_with_plan(app, [("Rasmusgatan 5", "Entré")], ["notice"])
    walk_id = plan_walk_directly(app, date(2026, 11, 24))
    guard_api = Api(app)
    assert guard_api.login("guard").status_code == 200
    with app.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        entrance = db.session.scalar(
            sa.select(ResidentInfoEntrance).where(ResidentInfoEntrance.plan_id == plan_id)
        )
        at = utcnow()
        visit = ResidentInfoVisit(
            id=uuid.uuid4(),
            entrance_id=entrance.id,
            guard_id=guard.id,
            done_at=at,
            notice_posted=True,
            lat=55.587,
            lon=13.014,
            accuracy_m=8,
        )
        check = WalkCheck(
            id=uuid.uuid4(),
            walk_id=walk_id,
            item=0,
            result="ok",
            recorded_by_id=guard.id,
            occurred_at=at,
            lat=55.588,
            lon=13.015,
            accuracy_m=6,
        )
        finding = Report(
            id=uuid.uuid4(),
            walk_id=walk_id,
            walk_item=1,
            author_id=guard.id,
            night=at.date(),
            property_id=entrance.property_id,
            category="lighting",
            level="preventive",
            description="Trasig belysning vid cykelstället.",
            occurred_at=at,
        )
        db.session.add_all([visit, check, finding])
        db.session.commit()
        data, _photos = person_data(guard)
    assert [v["id"] for v in data["resident_info_visits"]] == [str(visit.id)]
    assert data["resident_info_visits"][0]["lat"] == 55.587
    assert [c["id"] for c in data["safety_walk_checks"]] == [str(check.id)]
    assert str(finding.id) in {r["id"] for r in data["reports"]}
    assert len(data["sessions"]) == 1 and "id" not in data["sessions"][0]
    assert data["sessions"][0]["user_agent"]

    set_clock(app, datetime.now(UTC) + timedelta(days=400))
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(ResidentInfoVisit, visit.id).lat is None
        kept = db.session.get(WalkCheck, check.id)
        assert (kept.lat, kept.lon, kept.accuracy_m, kept.result) == (None, None, None, "ok")
