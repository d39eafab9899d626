"""Hostile input never breaks anything (issue 15, points 1-6), checked by class, for every
route in the URL map: a new route is covered, or the coverage test below fails.

The classes: text no database can hold (lone surrogates, NUL), times at the calendar's edges,
integers beyond their column, pathological JSON (deep nesting, huge numbers, NaN, duplicate
names, bytes that are not UTF-8), hostile query strings and path parts (other scripts' digits,
empty values, 20-digit numbers, impossible dates, CR/LF in `next`), and rows already stored
with extreme times. Each one must answer a clear 4xx (JSON under /api/) and store nothing;
never a 5xx. Each test runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL.

What every class reached and what it answered is written to test-output/hostile-input-*.txt.
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pyotp
import pytest
import sqlalchemy as sa
from flask import Request
from marshmallow import Schema, fields
from werkzeug.datastructures import ImmutableMultiDict

import patrol.fields
from patrol.audit import AuditEvent
from patrol.db import Base, db, engine_of
from patrol.migrate import upgrade_database
from patrol.shifts.models import Shift as ShiftRow
from tests.factories import new_id, start_shift
from tests.support.app import (
    DATABASES,
    TEST_PASSWORD,
    Api,
    fresh_database,
    make_test_app,
    seed_everyone,
)
from tests.support.images import digest, jpeg_bytes
from tests.support.integrations import TokenApi, make_token
from tests.support.push import push_config
from tests.support.push_service import LoopbackPushService, Subscriber
from tests.support.review import demo_places, sync_shift
from tests.support.rounds import make_route
from tests.support.safety import acute_event_with_plan, plan_walk_directly
from tests.support.twofactor import SECRET

# --- the classes -------------------------------------------------------------------------------

TEXT_VALUES = {"lone surrogate": "ab\ud800", "trailing surrogate": "\udfff", "NUL": "a\x00b"}
TIME_VALUES = {
    "year 1 +01:00": "0001-01-01T00:00:00+01:00",
    "year 1 UTC": "0001-01-01T00:00:00Z",
    "year 9999 -01:00": "9999-12-31T23:59:59-01:00",
    "year 9999 UTC": "9999-12-31T23:59:59Z",
    "year 9999 +14:00": "9999-12-31T23:59:59+14:00",
    "impossible date": "2026-02-30T12:00:00Z",
}
INT_VALUES = {"2^63": 2**63, "-2^63-1": -(2**63) - 1, "10^30": 10**30}


def int_values(field: fields.Integer) -> dict:
    """Beyond the field's own range (2^31 for a row id), and beyond any database integer."""
    bounds = [v for v in field.validators if getattr(v, "max", None) is not None]
    edge = {"max + 1": bounds[0].max + 1, "min - 1": bounds[0].min - 1} if bounds else {}
    return INT_VALUES | edge


FLOAT_VALUES = {"1e308": 1e308, "-1e308": -1e308}


def raw_bodies(baseline: dict) -> dict[str, bytes]:
    """Pathological JSON, each built around the endpoint's valid body."""
    text = json.dumps(baseline)
    inner = text[1:-1]
    return {
        "deep arrays": b"[" * 100_000 + b"]" * 100_000,
        "deep objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "40 levels in an unknown field": json.dumps(
            baseline | {"extra": json.loads("[" * 40 + "]" * 40)}
        ).encode(),
        "5000-digit integer": ("{" + inner + ', "extra": 1' + "0" * 5000 + "}").encode(),
        "1e999": ("{" + inner + ', "extra": 1e999}').encode(),
        "NaN": ("{" + inner + ', "extra": NaN}').encode(),
        "duplicate names": ("{" + inner + ', "extra": 1, "extra": 2}').encode(),
        "not UTF-8": ("{" + inner + ', "extra": "').encode() + b'\xff\xfe"}',
        "CESU surrogate bytes": ("{" + inner + ', "extra": "').encode() + b'\xed\xa0\x80"}',
        "top-level array": b"[]",
    }


QUERY_VALUES = {
    "empty": "",
    "blank": " ",
    "Arabic-Indic digits": "١٢",
    "superscript two": "²",
    "20 digits": "99999999999999999999",
    "2^31": "2147483648",
    "negative": "-1",
    "impossible date": "2026-02-30",
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "Arabic-Indic date": "٢٠٢٦-١١-٢٣",
    "NUL": "a\x00b",
    "CR/LF": "/review/\r\nSet-Cookie: x=1",
    "long": "x" * 5000,
    # Compound form values ("p:<property id>", "c:<checkpoint id>") with ids no column holds.
    "compound 20 digits": "p:99999999999999999999",
    "compound 2^31": "c:2147483648",
    "compound Arabic-Indic": "p:١٢",
    "compound unknown kind": "x:1",
    # Months at and beyond the calendar's edges.
    "month year 1": "0001-01",
    "month year 9999": "9999-12",
    "month 13": "2026-13",
}
PATH_VALUES = {
    "int": ["0", "2147483648", "99999999999999999999", "١٢", "²"],
    "default": [
        "2026-02-30",
        "٢٠٢٦-١١-٢٣",
        "99999999999999999999",
        "9999-12-31",
        "0001-01-01",
        "0001-01",
        "9999-12",
        "2026-13",
        "%00",
    ],
}
# The query a form needs before its view reads the form (the event a resident information
# plan is for): without it the view answers 404 and its fields are never fed.
FORM_QUERY = {"safety.create_plan": lambda world: f"?report={world['ids']['lighting']}"}
# Parameters tried on every route besides those a route is seen to read.
COMMON_PARAMETERS = ("next", "lang")
# Logging out would end the session the other requests use: those run on their own client.
LOGOUT = {"auth.logout_page", "auth_api.delete_session"}
SKIP = {"static"}
PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


# --- recording which parameters a view reads ----------------------------------------------------

READ: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """Query and form values that remember which names a view asked for."""

    def get(self, key, default=None, type=None):  # noqa: A002
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        READ.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


# --- the world the requests run in ---------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.isoformat()


def logged_in(app, username: str) -> Api:
    api = Api(app)
    response = api.login(username)
    assert response.status_code == 200, response.json
    return api


def build_world(push_app, push_service) -> dict:
    """A guard's ended shift with reports and a photo, an open shift, a work order, an SOS, an
    extra round, a planned route, a resident-information plan and tonight's safety walk."""
    guard, boss = logged_in(push_app, "guard"), logged_in(push_app, "supervisor")
    places = demo_places(push_app)
    ids = sync_shift(guard, places)
    now = datetime.now(UTC)
    ids["open_shift"] = start_shift(guard, now - timedelta(hours=1))
    response = boss.post(
        f"/review/reports/{ids['lighting']}/work-order",
        data={"what": "Byt lampa", "place": "Plan 2", "priority": "high"},
    )
    assert response.status_code == 302, response.data
    with push_app.app_context():
        from patrol.auth.models import User
        from patrol.review.models import WorkOrder

        ids["order"] = db.session.scalar(sa.select(WorkOrder.id))
        ids["guard_id"] = db.session.scalar(sa.select(User.id).where(User.username == "guard"))
    # The integration API sees approved reports' work orders only: approve the lighting one.
    response = boss.post(f"/review/reports/{ids['lighting']}/approve", data={"comment": ""})
    assert response.status_code in (302, 303), response.status_code
    ids["integration_token"] = make_token(push_app, None)
    with push_app.app_context():
        from patrol.integrations.models import IntegrationToken

        ids["integration_token_id"] = db.session.scalar(sa.select(IntegrationToken.id))
    ids["sos"] = new_id()
    response = guard.put(
        f"/api/v1/sos/{ids['sos']}", json={"occurred_at": iso(now), "note": "Hjälp"}
    )
    assert response.status_code == 201
    ids["dispatch"] = new_id()
    response = boss.put(
        f"/api/v1/dispatches/{ids['dispatch']}",
        json={"property_id": places["p1"], "guard_ids": [ids["guard_id"]]},
    )
    assert response.status_code == 201, response.json
    response = guard.put(
        f"/api/v1/dispatch-responses/{new_id()}",
        json={"dispatch_id": ids["dispatch"], "action": "acknowledged", "occurred_at": iso(now)},
    )
    assert response.status_code == 201, response.json
    # An alarm drill for the guard on shift (issue 23): its "seen" and "answer" PUTs update it.
    response = boss.post("/review/drills", data={"guard_id": str(ids["guard_id"])})
    assert response.status_code == 303, response.data
    ids["drill"] = response.headers["Location"].rsplit("#drill-", 1)[1]
    # What the rounds and safety records point to: a planned route, a resident-information
    # plan with one entrance, and tonight's safety walk.
    ids["route"] = make_route(push_app, [places["cp1"], places["cp2"]])
    plan = acute_event_with_plan(push_app, [(places["p1_name"], None)], ["notice"])
    with push_app.app_context():
        from patrol.safety.models import ResidentInfoEntrance

        ids["entrance"] = db.session.scalar(
            sa.select(ResidentInfoEntrance.id).where(ResidentInfoEntrance.plan_id == plan)
        )
    ids["walk"] = plan_walk_directly(push_app, now.date())
    ids["plan"] = plan
    with push_app.app_context():
        from patrol.auth.actions import create_user
        from patrol.sites.models import Area, Organization

        create_user("crew", TEST_PASSWORD, "crew", "Dagpersonal Demo")
        # A user with an authenticator app, for the second step of logging in (issue 27).
        from patrol.auth.models import TotpFactor

        second = create_user("second-step", TEST_PASSWORD, "supervisor")
        db.session.add(TotpFactor(user_id=second.id, secret=SECRET, confirmed_at=now))
        db.session.commit()

        ids["area"] = db.session.scalar(sa.select(Area.id).order_by(Area.id))
        # The ended shift hands over to the next shift in its area (issue 23, point 7).
        db.session.execute(
            sa.update(ShiftRow)
            .where(ShiftRow.id == uuid.UUID(ids["shift"]))
            .values(area_id=ids["area"], note="Porten går inte i lås.")
        )
        db.session.commit()
        ids["organization"] = db.session.scalar(
            sa.select(Organization.id).order_by(Organization.id)
        )
    return {
        "app": push_app,
        "ids": ids,
        "places": places,
        "now": now,
        "subscriber": Subscriber(push_service),
    }


@pytest.fixture(scope="module", params=DATABASES)
def shared_world(request, tmp_path_factory):
    """One world per database for the whole module (it costs more to build than most tests
    here take to run), on a freshly migrated database of its own: the session's databases are
    emptied after every function-scoped `app` test, which would take the world with them.

    The tests run in file order on it. They may add rows (the valid bodies the field test
    sends, the forms the route sweep posts) and the stored-extreme-times test, the module's
    last, rewrites the world's times; no test relies on a row count it did not measure itself
    or on a row an earlier test made."""
    directory = tmp_path_factory.mktemp(f"hostile-{request.param}")
    service = LoopbackPushService().start()
    try:
        with fresh_database(request.param, directory, "patrol_hostile") as url:
            upgrade_database(url)
            application = make_test_app(url, directory)
            application.config.update(push_config(service))
            application.request_class = RecordingRequest
            seed_everyone(application)
            try:
                yield build_world(application, service)
            finally:
                engine_of(application).dispose()
    finally:
        service.stop()


@pytest.fixture
def world(shared_world):
    """The module's world with clients of this test's own: the guard and the supervisor logged
    in anew and a fresh anonymous client, so that no test meets a session an earlier test's
    requests changed (the sweep's login form turns an anonymous client into a user). No
    failed logins are on record as a test starts: the sweep's hostile login forms count as
    failures, and the login limit would otherwise refuse the next test's logins."""
    app = shared_world["app"]
    with app.app_context():
        from patrol.auth.models import LoginFailure

        db.session.execute(sa.delete(LoginFailure))
        db.session.commit()
    anonymous = Api(app)
    anonymous.refresh_csrf()
    clients = {
        "guard": logged_in(app, "guard"),
        "supervisor": logged_in(app, "supervisor"),
        "owner": logged_in(app, "owner"),
        "crew": logged_in(app, "crew"),
        "anonymous": anonymous,
        "integration": TokenApi(app, shared_world["ids"]["integration_token"]),
    }
    return shared_world | {"clients": clients}


def baselines(world) -> dict[str, tuple[str, dict]]:
    """A valid body (and who sends it) for every JSON endpoint that takes one."""
    ids, places, now = world["ids"], world["places"], world["now"]
    position = {"lat": 55.59, "lon": 13.01, "accuracy_m": 8.0}
    return {
        "auth_api.create_session": (
            "anonymous",
            {"username": "guard", "password": TEST_PASSWORD},
        ),
        # The code of the app of the user `half_signed_in` gives (the server's real clock).
        "auth_api.second_step": ("half_signed_in", {"code": pyotp.TOTP(SECRET).now()}),
        "integrations_api.put_work_order_status": (
            "integration",
            {"status": "done", "note": "Klart enligt fastighetssystemet"},
        ),
        "shifts.put_shift": (
            "guard",
            {"started_at": iso(now - timedelta(minutes=30)), "ended_at": None, "note": "Pass"},
        ),
        "shifts.put_checkin": (
            "guard",
            {
                "shift_id": ids["open_shift"],
                "checkpoint_id": places["cp2"],
                "checkpoint_token": None,
                "checkpoint_code": None,
                "method": "manual",
                "occurred_at": iso(now - timedelta(minutes=5)),
                **position,
            },
        ),
        "reports.put_report": (
            "guard",
            {
                "shift_id": ids["open_shift"],
                "property_id": places["p1"],
                "checkpoint_id": places["cp1"],
                "category": "graffiti",
                "level": "preventive",
                "description": "Klotter på porten.",
                "occurred_at": iso(now - timedelta(minutes=5)),
                "photo_ids": [new_id()],
                **position,
            },
        ),
        "push_api.subscribe": ("guard", world["subscriber"].to_json()),
        "push_api.unsubscribe": ("guard", {"endpoint": world["subscriber"].endpoint}),
        "push_api.put_dispatch": (
            "supervisor",
            {"property_id": places["p2"], "message": "Extra runda", "guard_ids": [ids["guard_id"]]},
        ),
        "push_api.put_dispatch_response": (
            "guard",
            {
                "dispatch_id": ids["dispatch"],
                "action": "completed",
                "occurred_at": iso(now),
                "note": "Klart",
                **position,
            },
        ),
        "push_api.put_sos": (
            "guard",
            {"shift_id": ids["open_shift"], "occurred_at": iso(now), "note": "SOS", **position},
        ),
        "batch.post_batch": (
            "guard",
            {
                "entries": [
                    {
                        "id": new_id(),
                        "method": "PUT",
                        "url": f"/api/v1/checkins/{new_id()}",
                        "body": {
                            "shift_id": ids["open_shift"],
                            "checkpoint_id": places["cp2"],
                            "method": "manual",
                            "occurred_at": iso(now - timedelta(minutes=4)),
                            **position,
                        },
                    }
                ]
            },
        ),
        # Alone at night: a heartbeat, a "Jag är OK" timer, an "Utan täckning" window.
        "alarms.put_heartbeat": ("guard", {"at": iso(now)}),
        "alarms.put_timer": (
            "guard",
            {
                "shift_id": ids["open_shift"],
                "task": "Trapphuset",
                "started_at": iso(now),
                "minutes": 10,
                "extended_at": None,
                "stopped_at": None,
                **position,
            },
        ),
        "alarms.put_no_coverage": (
            "guard",
            {
                "shift_id": ids["open_shift"],
                "started_at": iso(now),
                "minutes": 20,
                "ended_at": None,
            },
        ),
        "shifts.lookup_checkpoint": (
            "guard",
            {"checkpoint_token": places["cp1_token"], "checkpoint_code": None},
        ),
        "shifts.put_discard": (
            "guard",
            {
                "shift_id": ids["open_shift"],
                "kind": "report",
                "label": "Klotter",
                "record_url": f"/api/v1/reports/{new_id()}",
                "last_status": 422,
                "last_message": "Okänd fastighet.",
                "dependent_count": 1,
                "photo_count": 1,
                "recorded_at": iso(now - timedelta(minutes=20)),
                "discarded_at": iso(now),
            },
        ),
        "handover.put_read": (
            "guard",
            {"handover_shift_id": ids["shift"], "shift_id": ids["open_shift"], "read_at": iso(now)},
        ),
        "rounds_api.put_skip": (
            "guard",
            {
                "shift_id": ids["open_shift"],
                "route_id": ids["route"],
                "checkpoint_id": places["cp2"],
                "reason_code": "other",
                "reason_text": "Grinden låst",
                "occurred_at": iso(now - timedelta(minutes=5)),
            },
        ),
        "safety_api.put_visit": (
            "guard",
            {
                "entrance_id": ids["entrance"],
                "done_at": iso(now),
                "notice_posted": True,
                "doors_knocked": 12,
                "doors_answered": 5,
                "note": "Anslag uppsatt",
                **position,
            },
        ),
        "safety_api.put_walk_check": (
            "guard",
            {"walk_id": ids["walk"], "item": 0, "occurred_at": iso(now), "note": "OK", **position},
        ),
        "drills_api.seen": ("guard", {"seen_at": iso(now)}),
        "drills_api.answer": ("guard", {"answered_at": iso(now)}),
    }


def form_baseline(world) -> dict[str, str]:
    """Valid form values by field name, so that one hostile field at a time meets a form
    that would otherwise go through."""
    ids, places = world["ids"], world["places"]
    return {
        "username": "guard",
        "password": TEST_PASSWORD,
        "comment": "Ok",
        "category": "vandalism",
        "level": "disturbance",
        "what": "Byt lampa",
        "place": "Plan 2",
        "priority": "normal",
        "note": "Klart",
        "show": "open",
        "theme": "dark",
        "next": "/review/",
        "property_id": str(places["p1"]),
        "guard_ids": str(ids["guard_id"]),
        "message": "Extra runda",
    }


def routes(app):
    """(rule, endpoint, method) for every route of the app but Flask's static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, rule.endpoint, method


def client_for(world, endpoint: str) -> Api:
    view = world["app"].view_functions[endpoint]
    roles = getattr(view, "patrol_roles", None)
    if endpoint.startswith("auth"):
        return world["clients"]["anonymous"]
    # The owners' and the day crew's pages let only their own role in: only they reach the
    # views' parameters.
    if endpoint.startswith("integrations_api."):  # a token, never a session
        return world["clients"]["integration"]
    if endpoint.startswith("owners."):
        return world["clients"]["owner"]
    if endpoint.startswith("crew."):
        return world["clients"]["crew"]
    if roles is not None and "guard" in roles:
        return world["clients"]["guard"]
    return world["clients"]["supervisor"]


def half_signed_in(app) -> Api:
    """A client past the password of the world's user with an authenticator app (SECRET):
    only the second step is left (issue 27). A user of its own, so no other login here needs
    a code."""
    client = Api(app)
    assert client.login("second-step").json["error"] == "second_factor_required"
    return client


def sender(world, who: str) -> Api:
    """The world's guard or supervisor; a fresh anonymous client for the login (a login turns
    a client into a user and renews its CSRF token)."""
    if who == "half_signed_in":
        return half_signed_in(world["app"])
    if who != "anonymous":
        return world["clients"][who]
    client = Api(world["app"])
    client.refresh_csrf()
    return client


def path_for(world, rule, endpoint: str, method: str, override: tuple[str, str] | None = None):
    """The rule's URL with real values: new UUIDs for records a PUT creates, the world's rows
    elsewhere; `override` replaces one path part with a raw (already quoted) value."""
    ids, places = world["ids"], world["places"]
    existing = {
        "report_id": ids["lighting"],
        "photo_id": ids["photo"],
        "shift_id": ids["shift"],
        "sos_id": ids["sos"],
        "dispatch_id": ids["dispatch"],
        # A drill's PUTs record on the drill the desk sent (they create nothing).
        "drill_id": ids["drill"],
        "order_id": str(ids["order"]),
        "property_id": str(places["p1"]),
        "night": "2026-11-23",
        "version": "1",  # a kept version of the night's record (404 until it is marked)
        "token": places["cp1_token"],
        "area_id": str(ids["area"]),
        "checkpoint_id": str(places["cp1"]),
        "org_id": str(ids["organization"]),
        "user_id": str(ids["guard_id"]),
        "route_id": str(ids["route"]),
        "walk_id": str(ids["walk"]),
        "plan_id": str(ids["plan"]),
        # No disturbance case in this world: an unknown case answers 404, never 5xx.
        "case_id": "1",
        "month": "2026-11",
        # The walk's checklist template (plan_walk_directly makes the first one).
        "template_id": "1",
        "kind": "checkpoints",
        "object_id": str(places["cp1"]),
        # No failed mail in this world: an unknown one answers 404, never 5xx.
        "message_id": "1",
        "passkey_id": "1",  # someone's passkey: removing another user's removes nothing
        # /admin/integrations (admins only: the sweep's supervisor is refused before any
        # lookup); the world's API token, and a webhook subscription and delivery that do not
        # exist (404 for an admin, never 5xx).
        "token_id": str(ids["integration_token_id"]),
        "subscription_id": "1",
        "delivery_id": "1",
    }

    def value(match):
        converter, name = match.group(1) or "default", match.group(2)
        if override and override[0] == name:
            return override[1]
        if rule.rule.endswith("/heartbeat"):
            return ids["open_shift"]  # a heartbeat names a running shift, it creates nothing
        creates = not rule.rule.endswith("<uuid:photo_id>") and name != "drill_id"
        if method == "PUT" and converter == "uuid" and creates:
            return new_id()
        if rule.rule.endswith("<uuid:photo_id>") and method == "PUT":
            return {
                "report_id": ids["lighting"],
                "shift_id": ids["shift"],  # a hand-over's photo
                "photo_id": ids["missing_photo"],
            }[name]
        return quote(existing[name], safe="")

    return PARAM.sub(value, rule.rule)


def request(client: Api, method: str, url: str, **kw):
    return getattr(client.client, method.lower())(
        url, headers=client.headers(kw.pop("headers", None)), **kw
    )


def row_counts(app) -> dict[str, int]:
    """Rows per table. The audit's record of each use of an API token is left out: every use
    is audited, a refused one too (patrol.integrations.tokens), and nothing else changes."""
    token_use = sa.and_(AuditEvent.entity == "integration_token", AuditEvent.action == "use")
    with app.app_context():
        counts = {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        counts["audit_events"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(~token_use)
        )
        return counts


def assert_clear_refusal(response, what: str, statuses=(400, 422)) -> None:
    assert response.status_code in statuses, (what, response.status_code, response.data[:300])
    body = response.get_json()
    assert body and body["error"] and body["message"], (what, response.data[:300])


class Findings:
    """What each class reached and answered, written for the report."""

    def __init__(self, name: str):
        self.name = name
        self.seen: dict[tuple[str, str], Counter] = defaultdict(Counter)

    def add(self, hostile_class: str, route: str, status: int) -> None:
        self.seen[(hostile_class, route)][status] += 1

    def write(self, output_dir, dialect: str) -> None:
        lines = [
            f"{cls:34} {route:55} {dict(sorted(statuses.items()))}"
            for (cls, route), statuses in sorted(self.seen.items())
        ]
        (output_dir / f"hostile-input-{self.name}-{dialect}.txt").write_text("\n".join(lines))


# --- the schemas use the shared fields ------------------------------------------------------------


def input_schemas(app) -> dict[str, type[Schema]]:
    found = {}
    for endpoint, view in app.view_functions.items():
        doc = getattr(view, "openapi", None)
        if doc and doc["request"] is not None:
            found[endpoint] = doc["request"]
    return found


def leaf_fields(schema: Schema, prefix=""):
    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested):
            yield from leaf_fields(field.schema, f"{prefix}{name}.")
        elif isinstance(field, fields.List):
            yield f"{prefix}{name}[]", field.inner
        else:
            yield f"{prefix}{name}", field


def test_every_input_schema_reads_text_and_times_through_the_bounded_fields(app):
    """A plain marshmallow String or DateTime in an input schema would let NUL, lone
    surrogates or year 9999 through; ids must be bounded to their column."""
    for endpoint, schema_class in input_schemas(app).items():
        for name, field in leaf_fields(schema_class()):
            where = f"{endpoint}: {name}"
            if isinstance(field, fields.String):
                assert isinstance(field, patrol.fields.Text), where
            if isinstance(field, fields.DateTime):
                assert isinstance(field, patrol.fields.UTCDateTime), where
            if isinstance(field, fields.Integer):
                assert any(v.max is not None for v in field.validators), where


# --- 2, 3, 5: every field of every JSON body -----------------------------------------------------


def mutations(schema: Schema, body: dict):
    """(field path, class, body) with one field of the valid body set to a hostile value."""
    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested):
            for path, cls, inner in mutations(field.schema, body.get(name) or {}):
                yield f"{name}.{path}", cls, body | {name: inner}
            continue
        wrap = (lambda v: [v]) if isinstance(field, fields.List) else (lambda v: v)
        leaf = field.inner if isinstance(field, fields.List) else field
        if isinstance(leaf, fields.DateTime):
            values = TIME_VALUES
        elif isinstance(leaf, fields.String | fields.UUID):
            values = TEXT_VALUES
        elif isinstance(leaf, fields.Integer):
            values = int_values(leaf) | {k: v for k, v in TEXT_VALUES.items() if k == "NUL"}
        elif isinstance(leaf, fields.Float):
            values = FLOAT_VALUES
        else:
            continue
        for cls, value in values.items():
            yield name, cls, body | {name: wrap(value)}


def test_every_json_endpoint_refuses_each_hostile_value_in_each_field(world, output_dir):
    app = world["app"]
    bodies = baselines(world)
    schemas = input_schemas(app)
    assert set(schemas) <= set(bodies), (
        f"a JSON endpoint without a baseline body here: {sorted(set(schemas) - set(bodies))}"
    )
    findings = Findings("fields")
    rules = {endpoint: (rule, method) for rule, endpoint, method in routes(app)}
    for endpoint, schema_class in sorted(schemas.items()):
        rule, method = rules[endpoint]
        who, body = bodies[endpoint]
        before = row_counts(app)
        for field_path, cls, hostile in mutations(schema_class(), body):
            response = request(
                sender(world, who), method, path_for(world, rule, endpoint, method), json=hostile
            )
            assert_clear_refusal(response, f"{endpoint} {field_path} {cls}", statuses=(400, 422))
            findings.add(cls, f"{method} {rule.rule}", response.status_code)
        assert row_counts(app) == before, endpoint
        # The valid body goes through: the hostile values above met a working endpoint.
        response = request(
            sender(world, who), method, path_for(world, rule, endpoint, method), json=body
        )
        assert response.status_code < 300, (endpoint, response.status_code, response.get_json())
        # A phone's clock header at the calendar's edge is accepted (and flagged), never a 5xx.
        for cls, value in TIME_VALUES.items():
            response = request(
                sender(world, who),
                method,
                path_for(world, rule, endpoint, method),
                json=body,
                headers={"X-Client-Time": value},
            )
            assert response.status_code < 500, (endpoint, cls)
            findings.add(f"X-Client-Time {cls}", f"{method} {rule.rule}", response.status_code)
    findings.write(output_dir, db_dialect(app))


def db_dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


# --- 4: pathological JSON ---------------------------------------------------------------------


def test_every_json_endpoint_refuses_pathological_json(world, output_dir):
    app = world["app"]
    bodies = baselines(world)
    findings = Findings("json")
    before = row_counts(app)
    for rule, endpoint, method in routes(app):
        if not rule.rule.startswith("/api/") or method == "GET" or endpoint in LOGOUT:
            continue
        if endpoint not in bodies:
            continue  # takes no JSON (photo bytes, an empty POST): see the query-string test
        client = client_for(world, endpoint)
        for cls, raw in raw_bodies(bodies[endpoint][1]).items():
            response = request(
                client,
                method,
                path_for(world, rule, endpoint, method),
                data=raw,
                content_type="application/json",
            )
            assert_clear_refusal(response, f"{endpoint} {cls}", statuses=(400,))
            findings.add(cls, f"{method} {rule.rule}", response.status_code)
    assert row_counts(app) == before
    findings.write(output_dir, db_dialect(app))


# --- 6: query strings and path parts of every route -------------------------------------------


# The sweep is the suite's longest piece of work (about 5,000 requests per database), so it
# runs in parts: each part takes the routes whose (method, endpoint) hashes to it. Each part is
# a test class of its own because `scripts/test.sh` hands the suite to its processes a module or
# a class at a time (pytest-xdist --dist loadscope): the parts spread over both processes
# instead of keeping one busy for ten minutes, and no part nears the per-test timeout.
SWEEP_PARTS = 6


def sweep_part(endpoint: str, method: str) -> int:
    return zlib.crc32(f"{method} {endpoint}".encode()) % SWEEP_PARTS


def test_the_sweep_parts_together_reach_every_view(app):
    """Every view the app has is reached by a route of some part, and no part is empty."""
    parts = defaultdict(set)
    for _rule, endpoint, method in routes(app):
        parts[sweep_part(endpoint, method)].add(endpoint)
    assert sorted(parts) == list(range(SWEEP_PARTS))
    assert set().union(*parts.values()) >= set(app.view_functions) - SKIP


def sweep_query_strings_path_parts_and_forms(world, output_dir, part: int) -> None:
    app = world["app"]
    findings = Findings(f"query-path-form-{part}")
    valid_form = form_baseline(world)
    for rule, endpoint, method in routes(app):
        if endpoint in LOGOUT or sweep_part(endpoint, method) != part:
            continue
        client = client_for(world, endpoint)
        url = path_for(world, rule, endpoint, method)
        api = rule.rule.startswith("/api/")
        form = method == "POST" and not api
        if form and endpoint in FORM_QUERY:
            url += FORM_QUERY[endpoint](world)
        # Which names does the view read? Ask it once, then feed each name.
        READ.clear()
        request(client, method, url, data=dict(valid_form) if form else None)
        names = sorted(READ - {"csrf_token"} | set(COMMON_PARAMETERS))
        for name in names:
            for cls, value in QUERY_VALUES.items():
                if form:
                    kw = {"data": valid_form | {name: value}}
                else:
                    kw = {"query_string": {name: value}}
                if endpoint.startswith("auth"):  # a login turns the client into a user
                    client = Api(app)
                    client.refresh_csrf()
                response = request(client, method, url, **kw)
                what = f"{method} {rule.rule} {name}={cls}"
                assert response.status_code < 500, (what, response.data[:300])
                location = response.headers.get("Location", "")
                assert "\r" not in location and "\n" not in location, what
                if api and response.status_code >= 400:
                    assert response.get_json()["error"], what
                findings.add(
                    f"{'form' if form else 'query'} {cls}",
                    f"{method} {rule.rule}",
                    response.status_code,
                )
        for match in PARAM.finditer(rule.rule):
            converter, name = match.group(1) or "default", match.group(2)
            if converter == "uuid":
                continue
            for value in PATH_VALUES.get(converter, PATH_VALUES["default"]):
                hostile_url = path_for(world, rule, endpoint, method, override=(name, value))
                response = request(client, method, hostile_url)
                assert response.status_code < 500, (hostile_url, response.data[:300])
                assert response.status_code != 200 or converter == "default", hostile_url
                findings.add(f"path {value!r}", f"{method} {rule.rule}", response.status_code)
    findings.write(output_dir, db_dialect(app))


def sweep_class(part: int) -> type:
    class SweepPart:
        def test_every_route_survives_hostile_query_strings_path_parts_and_forms(
            self, world, output_dir
        ):
            sweep_query_strings_path_parts_and_forms(world, output_dir, part)

    SweepPart.__name__ = SweepPart.__qualname__ = f"TestQuerySweepPart{part}"
    return SweepPart


for _part in range(SWEEP_PARTS):
    globals()[f"TestQuerySweepPart{_part}"] = sweep_class(_part)


def test_the_logout_routes_survive_hostile_query_strings(world):
    app = world["app"]
    for rule, endpoint, method in routes(app):
        if endpoint not in LOGOUT:
            continue
        for cls, value in QUERY_VALUES.items():
            client = Api(app)
            assert client.login("supervisor").status_code == 200
            response = request(client, method, rule.rule, query_string={"next": value})
            assert response.status_code < 500, (endpoint, cls)


def test_photo_upload_refuses_hostile_digests_and_survives_hostile_clock_headers(world):
    guard, ids = world["clients"]["guard"], world["ids"]
    url = f"/api/v1/reports/{ids['lighting']}/photos/{ids['missing_photo']}"
    image = jpeg_bytes(64, 48)
    for value in ("sha-256=:" + "A" * 10_000 + ":", "sha-256=:!!!:", "sha-256=", "ä", ""):
        response = guard.put(
            url, data=image, headers={"Content-Type": "image/jpeg", "Content-Digest": value}
        )
        assert_clear_refusal(response, value, statuses=(400,))
    for value in TIME_VALUES.values():
        response = guard.put(
            url,
            data=image,
            headers={
                "Content-Type": "image/jpeg",
                "Content-Digest": digest(image),
                "X-Client-Time": value,
            },
        )
        assert response.status_code in (200, 201), response.get_json()


# --- crawling every page as each role after hostile data is stored -------------------------------

# Markup, a formula, a right-to-left override and non-ASCII up to the shortest column it goes
# into (a display name: 120 characters).
HOSTILE_TEXT = ('<script>alert(1)</script> =HYPERLINK("http://x") \u202eevil ' + "ä" * 200)[:120]
CRAWL_START = ("/", "/login", "/app/", "/review/", "/admin/", "/owner/", "/crew/", "/push/alerts")
HREF = re.compile(r'href="([^"#]*)')
# At most this many pages per role, and per shape of URL (digits, UUIDs and dates alike): the
# month pages link back month by month to the year 2000, a night to the night before.
CRAWL_LIMIT = 600
PER_SHAPE = 4
SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9]+")


def store_hostile_data(world) -> None:
    """What the red-team run stored before its crawl: text built to break pages in every
    free-text field a supervisor and a guard write, and a safety walk's finding (a report with
    no shift) approved for the owner with a work order for the crew."""
    app, ids, places = world["app"], world["ids"], world["places"]
    guard, boss = world["clients"]["guard"], world["clients"]["supervisor"]
    report_id = str(uuid.uuid4())
    response = guard.put(
        f"/api/v1/reports/{report_id}",
        json={
            "walk_id": ids["walk"],
            "walk_item": 0,
            "property_id": places["p1"],
            "category": "lighting",
            "level": "preventive",
            "description": HOSTILE_TEXT,
            "occurred_at": iso(world["now"]),
            "photo_ids": [],
        },
    )
    assert response.status_code == 201, response.json
    with app.app_context():
        from patrol.auth.models import User
        from patrol.reports.models import Report
        from patrol.review import actions

        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        finding = db.session.get(Report, uuid.UUID(report_id))
        actions.approve(finding, supervisor, HOSTILE_TEXT, HOSTILE_TEXT)
        actions.create_work_order(finding, supervisor, HOSTILE_TEXT, HOSTILE_TEXT, "high")
        db.session.execute(
            sa.update(User).where(User.username == "guard").values(display_name=HOSTILE_TEXT)
        )
        db.session.commit()
    response = boss.post(
        f"/review/reports/{ids['lighting']}/approve", data={"comment": HOSTILE_TEXT}
    )
    assert response.status_code < 500


def crawl(client, start: tuple[str, ...]) -> dict[str, int]:
    """GET every local link reachable from `start` (up to CRAWL_LIMIT pages): url -> status."""
    seen: dict[str, int] = {}
    shapes: Counter = Counter()
    queue = list(start)
    while queue and len(seen) < CRAWL_LIMIT:
        url = queue.pop(0)
        shape = SHAPE.sub("N", url)
        if url in seen or shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        response = client.get(url)
        seen[url] = response.status_code
        if response.mimetype != "text/html":
            continue
        for link in HREF.findall(response.get_data(as_text=True)):
            link = link.replace("&amp;", "&")
            if not link.startswith("/") or link.startswith(("//", "/static/")):
                continue
            if "logout" in link or link in seen:
                continue
            queue.append(link)
    return seen


def test_crawling_every_page_as_each_role_after_hostile_data_finds_no_server_error(
    world, output_dir
):
    app = world["app"]
    store_hostile_data(world)
    anonymous = Api(app)
    roles = {
        "anonymous": anonymous,
        "guard": world["clients"]["guard"],
        "supervisor": world["clients"]["supervisor"],
        "admin": logged_in(app, "admin"),
        "owner": world["clients"]["owner"],
        "crew": world["clients"]["crew"],
    }
    report = []
    for role, client in roles.items():
        pages = crawl(client.client, CRAWL_START)
        errors = {url: status for url, status in pages.items() if status >= 500}
        report.append(f"{role}: {len(pages)} pages, {len(errors)} x 5xx")
        assert not errors, (role, errors)
        # The crawl reached the role's own pages, not only the login page.
        assert sum(status == 200 for status in pages.values()) >= 3, (role, pages)
    # The owner reached the property with the walk's finding, the crew the finding's order.
    owner_pages = crawl(roles["owner"].client, (f"/owner/properties/{world['places']['p1']}",))
    assert set(owner_pages.values()) <= {200, 302, 404}, owner_pages
    (output_dir / f"hostile-crawl-{db_dialect(app)}.txt").write_text("\n".join(report))


# --- 1: rows already stored with extreme values ------------------------------------------------

EXTREMES = {
    "year 1": datetime(1, 1, 1, 0, 0, tzinfo=UTC),
    "year 9999": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
}


@pytest.mark.parametrize("extreme", sorted(EXTREMES))
def test_every_page_and_export_renders_rows_stored_with_extreme_times(world, extreme):
    """Rows written before client times were bounded (a report dated 9999 took every
    supervisor page down): every GET route still answers, on both databases."""
    app, ids = world["app"], world["ids"]
    moment = EXTREMES[extreme]
    with app.app_context():
        from patrol.push.models import DispatchResponse, SosAlert
        from patrol.reports.models import Report
        from patrol.shifts.models import CheckIn, Shift

        shift_id = uuid.UUID(ids["open_shift"])
        db.session.execute(sa.update(Shift).where(Shift.id == shift_id).values(started_at=moment))
        db.session.execute(sa.update(CheckIn).values(occurred_at=moment, received_at=moment))
        db.session.execute(sa.update(Report).values(occurred_at=moment))
        db.session.execute(
            sa.update(Shift)
            .where(Shift.id == uuid.UUID(ids["shift"]))
            .values(started_at=moment, ended_at=moment, ended_received_at=moment)
        )
        db.session.execute(sa.update(SosAlert).values(occurred_at=moment, received_at=moment))
        db.session.execute(sa.update(DispatchResponse).values(occurred_at=moment))
        db.session.commit()
    answered = {}
    for rule, endpoint, method in routes(app):
        if method != "GET":
            continue
        client = client_for(world, endpoint)
        url = path_for(world, rule, endpoint, method)
        if endpoint == "review.export_csv":
            url += "?from=2026-11-01&to=2026-11-30"
        response = request(client, method, url)
        answered[url] = response.status_code
        assert response.status_code < 500, (url, response.data[:300])
    # The SOS CSV reads the same alerts through the night's rule (shift or time).
    url = "/review/export.csv?what=sos&from=2026-11-01&to=2026-11-30"
    response = request(client_for(world, "review.export_csv"), "GET", url)
    assert response.status_code == 200, (url, response.data[:300])
    assert answered["/review/"] == 200
    assert answered["/review/nights/2026-11-23.pdf"] == 200
    assert answered[f"/review/reports/{ids['lighting']}"] == 200
    assert answered["/push/alerts"] == 200


def test_a_time_far_from_the_server_clock_or_the_shift_is_accepted_and_flagged(api_as, seeded):
    """Inside 2000-2099 a time is never refused for being odd (architecture §2.3): a record
    from the future, or from before its shift began, arrives flagged for the supervisor."""
    guard = api_as("guard")
    places = demo_places(seeded)
    now = datetime.now(UTC)
    shift = new_id()
    response = guard.put(f"/api/v1/shifts/{shift}", json={"started_at": iso(now)})
    assert response.status_code == 201 and response.json["flags"] == []
    future_shift = new_id()
    response = guard.put(
        f"/api/v1/shifts/{future_shift}", json={"started_at": iso(now + timedelta(days=2))}
    )
    assert response.status_code == 201 and response.json["flags"] == ["implausible_time"]
    for moment in (now + timedelta(days=3), now - timedelta(hours=5)):
        response = guard.put(
            f"/api/v1/checkins/{new_id()}",
            json={
                "shift_id": shift,
                "checkpoint_id": places["cp1"],
                "method": "manual",
                "occurred_at": iso(moment),
            },
        )
        assert response.status_code == 201, response.json
        assert "implausible_time" in response.json["flags"]
        response = guard.put(
            f"/api/v1/reports/{new_id()}",
            json={
                "shift_id": shift,
                "property_id": places["p1"],
                "category": "other",
                "level": "preventive",
                "occurred_at": iso(moment),
            },
        )
        assert response.status_code == 201, response.json
        assert response.json["flags"] == ["implausible_time"]
    near = guard.put(
        f"/api/v1/reports/{new_id()}",
        json={
            "shift_id": shift,
            "property_id": places["p1"],
            "category": "other",
            "level": "preventive",
            "occurred_at": iso(now + timedelta(minutes=30)),
        },
    )
    assert near.status_code == 201 and near.json["flags"] == []
