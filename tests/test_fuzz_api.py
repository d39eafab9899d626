"""Schemathesis against a live server (issue 15, point 10): gunicorn with two workers on
PostgreSQL (SQLite when TEST_DATABASE_URL is not set), fuzzed from the OpenAPI document as a
guard and as a supervisor, with a fixed seed and a bounded number of examples per operation.

Any 5xx fails the run, and so does an operation that never answered 2xx: a run that only met
401s or 422s proves nothing. Positive cases (valid by the schema) get their references to
other records (a shift, a property, a report's photo) pointed at rows that exist, and their
times moved into the accepted range, so they reach the code past the lookups; negative cases
are sent as generated. The logout route is left out: it would end the fuzzer's session.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
import zlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import requests
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from patrol.db import engine_of
from patrol.sites.demo import seed_demo
from tests.factories import new_id
from tests.support.app import (
    TEST_PASSWORD,
    empty_all_tables,
    give_everyone_the_test_password,
    make_test_app,
)
from tests.support.gunicorn import Gunicorn
from tests.support.images import jpeg_bytes
from tests.support.integrations import make_token
from tests.support.push import SUBJECT, VAPID_PRIVATE
from tests.support.review import demo_places
from tests.support.rounds import make_route
from tests.support.safety import acute_event_with_plan, plan_walk_directly

# Examples per operation, generation mode and role; derandomize=True fixes hypothesis' seed.
EXAMPLES = 10
LEFT_OUT = {
    "DELETE /api/v1/session",  # logging out ends the fuzzer's own session
    # Answers 2xx only within 5 minutes of a right password, to a code from the user's app:
    # nothing a fuzzer can make (tests/test_two_factor.py covers it; any 5xx would still show
    # in tests/test_hostile_input.py, which sends every hostile class to every route).
    "POST /api/v1/session/second-step",
}


@pytest.fixture
def live(migrated_databases, tmp_path):
    """The app on PostgreSQL when configured (else SQLite), seeded, under gunicorn."""
    url = migrated_databases.get("postgresql") or migrated_databases["sqlite"]
    app = make_test_app(url, tmp_path)
    with app.app_context():
        seed_demo()
        give_everyone_the_test_password()
    with Gunicorn(
        app,
        tmp_path,
        workers=2,
        PATROL_VAPID_PRIVATE_KEY=VAPID_PRIVATE,
        PATROL_VAPID_SUBJECT=SUBJECT,
    ) as server:
        yield app, server
    empty_all_tables(engine_of(app))
    engine_of(app).dispose()


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    token = session.get(f"{base}/api/v1/me", timeout=30).json()["csrf_token"]
    response = session.post(
        f"{base}/api/v1/session",
        json={"username": username, "password": TEST_PASSWORD},
        headers={"X-CSRFToken": token},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    session.headers["X-CSRFToken"] = response.json()["csrf_token"]
    return session


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def world(app, base: str, guard: requests.Session, boss: requests.Session) -> dict:
    """Rows the positive cases point at: an open shift with a report expecting photos (one
    arrived), an SOS, an extra round for the guard."""
    places = demo_places(app)
    now = datetime.now(UTC)
    refs = {"places": places, "shift": new_id(), "report": new_id()}
    refs["photos"] = [new_id() for _ in range(6)]
    assert (
        guard.put(
            f"{base}/api/v1/shifts/{refs['shift']}",
            json={"started_at": (now - timedelta(hours=1)).isoformat()},
            timeout=30,
        ).status_code
        == 201
    )
    response = guard.put(
        f"{base}/api/v1/reports/{refs['report']}",
        json={
            "shift_id": refs["shift"],
            "property_id": places["p1"],
            "category": "graffiti",
            "level": "preventive",
            "occurred_at": (now - timedelta(minutes=30)).isoformat(),
            "photo_ids": refs["photos"],
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    refs["image"] = jpeg_bytes(64, 48)
    refs["digest"] = (
        "sha-256=:" + base64.b64encode(hashlib.sha256(refs["image"]).digest()).decode() + ":"
    )
    assert (
        guard.put(
            f"{base}/api/v1/reports/{refs['report']}/photos/{refs['photos'][0]}",
            data=refs["image"],
            headers={"Content-Type": "image/jpeg", "Content-Digest": refs["digest"]},
            timeout=30,
        ).status_code
        == 201
    )
    refs["sos"] = new_id()
    assert (
        guard.put(
            f"{base}/api/v1/sos/{refs['sos']}", json={"occurred_at": now.isoformat()}, timeout=30
        ).status_code
        == 201
    )
    refs["guard_id"] = guard.get(f"{base}/api/v1/me", timeout=30).json()["user"]["id"]
    refs["dispatch"] = new_id()
    assert (
        boss.put(
            f"{base}/api/v1/dispatches/{refs['dispatch']}",
            json={"property_id": places["p1"], "guard_ids": [refs["guard_id"]]},
            timeout=30,
        ).status_code
        == 201
    )
    # What the rounds and safety records name: a planned route over two checkpoints, a
    # resident-information plan's entrance, and today's safety walk.
    refs["route"] = make_route(app, [places["cp1"], places["cp2"]])
    plan = acute_event_with_plan(app, [(places["p1_name"], None)], ["notice"])
    with app.app_context():
        from patrol.db import db
        from patrol.safety.models import ResidentInfoEntrance

        refs["entrance"] = db.session.scalar(
            sa.select(ResidentInfoEntrance.id).where(ResidentInfoEntrance.plan_id == plan)
        )
    refs["walk"] = plan_walk_directly(app, now.date())
    # A hand-over (issue 23, point 7): an earlier shift of the guard ended in the demo area
    # with a note and one photo; the other ids are photos it may still get.
    with app.app_context():
        from patrol.db import db
        from patrol.sites.models import Area

        area_id = db.session.scalar(sa.select(Area.id).order_by(Area.id))
    refs["handover"] = new_id()
    refs["handover_photos"] = [new_id() for _ in range(5)]
    ended = {
        "started_at": (now - timedelta(hours=3)).isoformat(),
        "ended_at": (now - timedelta(hours=2)).isoformat(),
        "note": "Porten går inte i lås.",
        "area_id": area_id,
    }
    assert (
        guard.put(
            f"{base}/api/v1/shifts/{refs['handover']}", json=ended | {"ended_at": None}, timeout=30
        ).status_code
        == 201
    )
    assert (
        guard.put(f"{base}/api/v1/shifts/{refs['handover']}", json=ended, timeout=30).status_code
        == 200
    )
    assert (
        guard.put(
            f"{base}/api/v1/shifts/{refs['handover']}/handover/photos/{refs['handover_photos'][0]}",
            data=refs["image"],
            headers={"Content-Type": "image/jpeg", "Content-Digest": refs["digest"]},
            timeout=30,
        ).status_code
        == 201
    )
    # An alarm drill for the guard on shift (issue 23): its "seen" and "answer" PUTs update it.
    response = boss.post(
        f"{base}/review/drills",
        data={"guard_id": str(refs["guard_id"])},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text
    refs["drill"] = response.headers["Location"].rsplit("#drill-", 1)[1]
    # The integration API's rows: the report approved, with a work order (an owner sees only
    # approved reports' work orders), and a token of every owner with every scope.
    with app.app_context():
        from patrol.auth.models import User
        from patrol.db import db
        from patrol.reports.models import Report
        from patrol.review import actions

        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        report = db.session.get(Report, uuid.UUID(refs["report"]))
        actions.approve(report, supervisor, "", "Klotter")
        refs["order"] = actions.create_work_order(report, supervisor, "Sanera", "", "low").id
    refs["token"] = make_token(app, None)
    return refs


# A threat or violence report's details, valid (roles, not names; each role once).
INCIDENT = {
    "exposed_roles": ["guard"],
    "witness_roles": ["resident"],
    "injuries": "",
    "police_report_number": "",
}


TIME_FIELDS = ("started_at", "ended_at", "occurred_at")


def point_at_real_rows(case, refs: dict) -> None:
    """Make a positive case's references name rows that exist (see the module docstring)."""
    path = case.path_parameters or {}
    now = datetime.now(UTC)
    upload = case.operation.label == "PUT /api/v1/reports/{report_id}/photos/{photo_id}"
    handover_photo = "/handover/photos/" in case.operation.label
    if handover_photo:  # the hand-over's photo that arrived; or one of those it may get
        index = zlib.crc32(repr(case.body).encode()) % 5 if case.method.upper() == "PUT" else 0
        path.update(shift_id=refs["handover"], photo_id=refs["handover_photos"][index])
        upload = case.method.upper() == "PUT"
    elif case.operation.label == "PUT /api/v1/shifts/{shift_id}/heartbeat":  # a running shift
        path["shift_id"] = refs["shift"]
    elif case.method.upper() != "PUT":  # reads and actions name existing rows
        existing = {"shift_id": refs["shift"], "report_id": refs["report"], "sos_id": refs["sos"]}
        existing["order_id"] = refs["order"]
        existing["photo_id"] = refs["photos"][0]  # the one that arrived
        path.update({name: value for name, value in existing.items() if name in path})
    elif case.operation.label.startswith("PUT /api/v1/drills/"):  # the drill the desk sent
        path["drill_id"] = refs["drill"]
    elif "order_id" in path:  # a work order's status (the integration API)
        path["order_id"] = refs["order"]
    elif upload:  # one of the report's photos (the first arrived; the others may arrive now)
        path["report_id"] = refs["report"]
        path["photo_id"] = refs["photos"][zlib.crc32(repr(case.body).encode()) % 6]
    if upload:  # a real photo with its digest
        case.body = refs["image"]
        if case.headers is None:
            case.headers = {}
        case.headers["Content-Digest"] = refs["digest"]
        return
    body = case.body
    if not isinstance(body, dict):
        return
    for name in (
        *TIME_FIELDS,
        "done_at",
        "recorded_at",
        "discarded_at",
        "extended_at",
        "stopped_at",
    ):
        if body.get(name) is not None:
            body[name] = (now - timedelta(minutes=10 if name != "ended_at" else 5)).isoformat()
    if "started_at" in body and body.get("ended_at") is not None:
        body["ended_at"] = now.isoformat()
    if "shift_id" in body:
        body["shift_id"] = refs["shift"] if body["shift_id"] is not None else None
    if "handover_shift_id" in body:  # "Läst" on the hand-over
        body["handover_shift_id"] = refs["handover"]
    if "property_id" in body:
        body["property_id"] = refs["places"]["p1"]
    if "dispatch_id" in body:
        body["dispatch_id"] = refs["dispatch"]
    if "guard_ids" in body and body["guard_ids"]:
        body["guard_ids"] = [refs["guard_id"]]
    label = case.operation.label
    if label == "POST /api/v1/checkpoint-lookups":  # a scanned sticker's token
        body.update(checkpoint_token=refs["places"]["cp1_token"], checkpoint_code=None)
        return
    if "route_id" in body:  # a skipped checkpoint of the planned route
        body.update(route_id=refs["route"], checkpoint_id=refs["places"]["cp2"])
    if "entrance_id" in body:
        body["entrance_id"] = refs["entrance"]
    if "walk_id" in body and label.startswith("PUT /api/v1/walk-checks"):
        body.update(walk_id=refs["walk"], item=0)
    elif "walk_id" in body:  # a report made on the shift, not on a walk
        body.update(walk_id=None, walk_item=None)
    if "checkpoint_token" in body:  # a check-in: name the checkpoint one way, as the phone does
        body.update(
            checkpoint_id=refs["places"]["cp1"], checkpoint_token=None, checkpoint_code=None
        )
        body["method"] = "manual"
    elif "checkpoint_id" in body and "route_id" not in body:  # a report: in the property
        body["checkpoint_id"] = None
    if label == "PUT /api/v1/reports/{report_id}":
        # A report made on the fuzzer's shift (not on a walk), with a whole position or none:
        # the schema cannot say "one of shift_id and walk_id" or "lat with lon".
        body.update(shift_id=refs["shift"], walk_id=None, walk_item=None)
        if (body.get("lat") is None) != (body.get("lon") is None):
            body.update(lat=None, lon=None)
    if "incident" in body or body.get("category") == "threat_violence":
        # Details go with a threat or violence report, and only with one.
        incident = body.get("category") == "threat_violence"
        body["incident"] = dict(INCIDENT) if incident else None
    if "photo_ids" in body and body["photo_ids"]:
        body["photo_ids"] = [new_id() for _ in set(body["photo_ids"])][:6]
    if "username" in body:
        body.update(username="guard", password=TEST_PASSWORD)
    if "keys" in body:  # a push subscription from a real push service, with real-looking keys
        point = b"\x04" + os.urandom(64)
        body.update(
            endpoint=f"https://fcm.googleapis.com/fcm/send/{new_id()}",
            keys={"p256dh": b64url(point), "auth": b64url(os.urandom(16))},
        )
    elif "endpoint" in body:
        body["endpoint"] = f"https://fcm.googleapis.com/fcm/send/{new_id()}"


def fuzz(operation, mode, session, base: str, refs: dict, seen: set, server_errors: list):
    """Send EXAMPLES cases of one operation in one mode with one session."""
    public_write = operation.label == "POST /api/v1/session"

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case):
        if mode is GenerationMode.POSITIVE:
            point_at_real_rows(case, refs)
        client = session
        if public_write:  # a login would change whose session this is
            client = requests.Session()
            token = client.get(f"{base}/api/v1/me", timeout=30).json()["csrf_token"]
            client.headers["X-CSRFToken"] = token
        response = case.call(base_url=base, session=client, timeout=60)
        seen.add(response.status_code)
        if response.status_code >= 500:
            server_errors.append(f"{mode.value} {case.as_curl_command()} -> {response.status_code}")

    try:
        send()
    except Unsatisfiable:
        # Nothing to make invalid (a GET without parameters): the positive cases cover it.
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.browser
def test_schemathesis_finds_no_5xx_and_every_operation_answers_2xx(live):
    app, server = live
    base = server.url
    sessions = {"guard": login(base, "guard"), "supervisor": login(base, "supervisor")}
    refs = world(app, base, sessions["guard"], sessions["supervisor"])
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    statuses: dict[str, set[int]] = defaultdict(set)
    server_errors: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    # The integration API takes a token and nothing else; the other routes never take one.
    integration = requests.Session()
    integration.headers["Authorization"] = f"Bearer {refs['token']}"
    for operation in operations:
        if operation.label in LEFT_OUT:
            continue
        bearer = operation.path.startswith("/api/v1/integrations/")
        for session in [integration] if bearer else sessions.values():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz(operation, mode, session, base, refs, statuses[operation.label], server_errors)

    assert server_errors == []
    never_2xx = sorted(
        label for label, seen in statuses.items() if not any(200 <= s < 300 for s in seen)
    )
    assert never_2xx == [], {label: sorted(statuses[label]) for label in never_2xx}
    assert len(statuses) == len(operations) - len(LEFT_OUT)


def test_the_openapi_document_says_how_to_authenticate_and_which_headers_to_send(client):
    doc = client.get("/api/v1/openapi.json").json
    schemes = doc["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {"type": "apiKey", "in": "cookie", "name": "patrol_session"}
    assert schemes["csrfToken"] == {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    paths = doc["paths"]
    assert paths["/api/v1/me"]["get"]["security"] == []
    assert paths["/api/v1/sites"]["get"]["security"] == [{"sessionCookie": []}]
    put_shift = paths["/api/v1/shifts/{shift_id}"]["put"]
    assert put_shift["security"] == [{"sessionCookie": [], "csrfToken": []}]
    headers = {p["name"]: p for p in put_shift["parameters"] if p["in"] == "header"}
    assert headers["X-Client-Time"]["required"] is False
    upload = paths["/api/v1/reports/{report_id}/photos/{photo_id}"]["put"]
    headers = {p["name"]: p for p in upload["parameters"] if p["in"] == "header"}
    assert headers["Content-Digest"]["required"] is True
    assert set(upload["requestBody"]["content"]) >= {"image/jpeg", "image/png", "image/webp"}
