"""Rounds through the API and the pages: skips under the sync contract, compliance figures on
Natten, its CSV rows, a route's history, "Just nu", plans in the sites data, the "ej
rapporterad" alert (once), and query counts that do not grow with nights or routes."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from patrol.db import db, engine_of, set_clock
from patrol.push.models import PushMessage, PushSubscription
from patrol.rounds.queries import compliance_rows, night_compliance
from patrol.schedule.rules import run_due_jobs
from tests.support.rounds import (
    check_in,
    demo_checkpoints,
    local,
    make_route,
    new_id,
    skip,
    start_shift,
)

NIGHT = date(2026, 11, 23)  # Monday evening
MORNING = local(2026, 11, 24, 7, 0)


def walk_first_round(app, api, route_id, cps, skip_index=1):
    """Round 1 (19:30–23:45) walked, one checkpoint skipped; round 2 left unwalked."""
    shift_id = start_shift(api, local(2026, 11, 23, 19, 35))
    for i, cp in enumerate(cps):
        at = local(2026, 11, 23, 20, 5 * i)
        if i == skip_index:
            response = skip(api, shift_id, route_id, cp["id"], at, reason_code="cordon")
            assert response.status_code == 201, response.json
        else:
            check_in(api, shift_id, cp["id"], at)
    return shift_id


# --- skips: the sync contract --------------------------------------------------------------------


def test_skip_follows_the_sync_contract(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps])
    guard = api_as("guard")
    shift_id = start_shift(guard, local(2026, 11, 23, 19, 35))
    skip_id = new_id()
    body = {
        "shift_id": shift_id,
        "route_id": route_id,
        "checkpoint_id": cps[0]["id"],
        "reason_code": "other",
        "reason_text": "Grinden fastkedjad",
        "occurred_at": "2026-11-23T20:00:00+01:00",
    }
    first = guard.put(f"/api/v1/skips/{skip_id}", json=body)
    assert first.status_code == 201, first.json
    assert first.json["reason_text"] == "Grinden fastkedjad"
    # The same moment in another zone is the same content: the phone retrying.
    again = guard.put(
        f"/api/v1/skips/{skip_id}", json=body | {"occurred_at": "2026-11-23T19:00:00Z"}
    )
    assert again.status_code == 200
    other = guard.put(f"/api/v1/skips/{skip_id}", json=body | {"reason_code": "locked"})
    assert other.status_code == 409
    assert other.json["error"] == "conflict"
    # Another guard may neither reuse the record nor send under this shift.
    guard2 = api_as("guard2")
    assert guard2.put(f"/api/v1/skips/{skip_id}", json=body).status_code == 403
    assert guard2.put(f"/api/v1/skips/{new_id()}", json=body).status_code == 403
    with seeded.app_context():
        from patrol.rounds.models import RoundSkip

        assert db.session.scalar(sa.select(sa.func.count()).select_from(RoundSkip)) == 1


def test_skip_refuses_bad_input_with_messages_and_keeps_nothing(api_as, seeded):
    cps = demo_checkpoints(seeded, 4)
    route_id = make_route(seeded, [c["id"] for c in cps[:3]])
    guard = api_as("guard")
    shift_id = start_shift(guard, local(2026, 11, 23, 19, 35))
    at = local(2026, 11, 23, 20, 0)
    cases = {
        "reason_text": {"reason_code": "other"},
        "reason_code": {"reason_code": "bored"},
        "checkpoint_id": {"checkpoint_id": cps[3]["id"]},
        "route_id": {"route_id": 99999},
        "shift_id": {"shift_id": new_id()},
    }
    for field, change in cases.items():
        response = skip(guard, shift_id, route_id, cps[0]["id"], at, **change)
        assert response.status_code == 422, (field, response.json)
        assert field in response.json["errors"], (field, response.json)
        assert response.json["message"]
    anonymous = seeded.test_client().put(f"/api/v1/skips/{new_id()}", json={})
    assert anonymous.status_code == 401
    with seeded.app_context():
        from patrol.rounds.models import RoundSkip

        assert db.session.scalar(sa.select(sa.func.count()).select_from(RoundSkip)) == 0


# --- compliance -------------------------------------------------------------------------------------


def test_natten_shows_compliance_per_route(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps])
    walk_first_round(seeded, api_as("guard"), route_id, cps)
    set_clock(seeded, MORNING)
    with seeded.app_context():
        compliance = night_compliance(NIGHT)
        rn = compliance.by_route[route_id]
        assert [r.status for r in rn.rounds] == ["completed", "missed"]
        assert rn.outcome_counts == {
            "on_time": 2,
            "late": 0,
            "skipped": 1,
            "missed": 3,
            "pending": 0,
        }
    supervisor = api_as("supervisor")
    page = supervisor.get(f"/review/nights/{NIGHT.isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rundor" in html and "Kvällsrundan" in html
    assert "1 genomförda" in html and "1 missade" in html
    assert "1 överhoppade" in html
    assert "Avspärrat av polis eller räddningstjänst" in html
    assert '<svg class="round-timeline"' in html


def test_the_csv_rows_give_every_expected_visit_its_outcome(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps])
    walk_first_round(seeded, api_as("guard"), route_id, cps)
    with seeded.app_context():
        rows = compliance_rows(NIGHT, now=MORNING)
    assert len(rows) == 6
    assert [r["outcome"] for r in rows] == ["on_time", "skipped", "on_time"] + ["missed"] * 3
    assert rows[1]["skip_reason"] == "cordon"
    assert {r["round"] for r in rows} == {1, 2}


def test_a_plan_change_leaves_last_weeks_compliance_unchanged(api_as, seeded):
    cps = demo_checkpoints(seeded, 4)
    route_id = make_route(seeded, [c["id"] for c in cps[:3]])
    walk_first_round(seeded, api_as("guard"), route_id, cps[:3])
    with seeded.app_context():
        before = night_compliance(NIGHT, now=MORNING).by_route[route_id]
        before_counts = (before.round_counts, before.outcome_counts)
    # A week later the admin adds a checkpoint and a third round, valid from that night.
    make_route(
        seeded,
        [c["id"] for c in cps],
        route_id=route_id,
        valid_from=NIGHT + timedelta(days=7),
        rounds_per_night=3,
    )
    with seeded.app_context():
        after = night_compliance(NIGHT, now=MORNING).by_route[route_id]
        assert (after.round_counts, after.outcome_counts) == before_counts
        next_week = night_compliance(NIGHT + timedelta(days=7), now=MORNING + timedelta(days=7))
        assert next_week.by_route[route_id].planned == 3


def test_route_history_and_pages_are_for_reviewers(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps], valid_from=NIGHT)
    walk_first_round(seeded, api_as("guard"), route_id, cps)
    set_clock(seeded, local(2026, 11, 25, 12, 0))
    supervisor = api_as("supervisor")
    page = supervisor.get(f"/review/routes/{route_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-night="2026-11-23"' in html
    # Round 2 of the 23rd and both rounds of the 24th; the 25th has not begun at noon.
    assert html.count("antal missar: 3") == 3
    assert 'data-night="2026-11-22"' not in html
    assert supervisor.get("/review/routes/99999").status_code == 404
    guard = api_as("guard")
    assert guard.get(f"/review/routes/{route_id}").status_code == 403
    assert guard.get("/review/now").status_code == 403


def test_just_nu_shows_who_is_heard_and_flags_the_silent(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps])
    set_clock(seeded, local(2026, 11, 23, 20, 0))
    guard = api_as("guard")
    shift_id = start_shift(guard, local(2026, 11, 23, 19, 35))
    check_in(guard, shift_id, cps[0]["id"], local(2026, 11, 23, 20, 0))
    supervisor = api_as("supervisor")
    html = supervisor.get("/review/now").get_data(as_text=True)
    assert "Senast hörd 20:00" in html
    assert "ej hörd" not in html
    assert "1 av 3" in html and "Kvällsrundan" in html
    set_clock(seeded, local(2026, 11, 23, 21, 1))
    board = supervisor.get("/review/now?part=board").get_data(as_text=True)
    assert "ej hörd" in board
    assert "<html" not in board
    seeded.config["SILENCE_MINUTES"] = 120  # the one silence rule (alone at night)
    assert "ej hörd" not in supervisor.get("/review/now?part=board").get_data(as_text=True)
    assert route_id


# --- the "ej rapporterad" alert -----------------------------------------------------------------


def subscribe(app, username: str) -> None:
    from patrol.auth.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.add(
            PushSubscription(
                user_id=user.id,
                endpoint=f"https://push.example/{username}",
                p256dh="x" * 87,
                auth="y" * 22,
                locale="sv",
            )
        )
        db.session.commit()


def test_an_unreported_round_alerts_supervisors_once(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps], valid_from=NIGHT)
    subscribe(seeded, "supervisor")
    subscribe(seeded, "guard")
    walk_first_round(seeded, api_as("guard"), route_id, cps)
    with seeded.app_context():
        # Round 1 closed at 00:00 (walked); round 2 closes at 04:15.
        set_clock(seeded, local(2026, 11, 24, 1, 0))
        runs = run_due_jobs(by="w1")
        assert [(r.key, r.outcome.split(" ")[0]) for r in runs if r.job == "round_unreported"] == [
            (f"{route_id}:1", "reported")
        ]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushMessage)) == 0
        set_clock(seeded, local(2026, 11, 24, 4, 16))
        run_due_jobs(by="w1")
        run_due_jobs(by="w2")
        messages = db.session.scalars(sa.select(PushMessage)).all()
        assert len(messages) == 1  # the supervisor's; never the guard's, never twice
        assert messages[0].kind == "round_unreported"
        assert "ej rapporterad" in messages[0].payload["title"]
        assert "Kvällsrundan" in messages[0].payload["title"]


# --- plans travel with the sites data -----------------------------------------------------------


def test_sites_carry_tonights_routes_and_the_etag_follows_them(api_as, seeded):
    cps = demo_checkpoints(seeded)
    set_clock(seeded, local(2026, 11, 23, 18, 0))
    guard = api_as("guard")
    before = guard.get("/api/v1/sites")
    assert before.json["routes"] == []
    route_id = make_route(seeded, [c["id"] for c in cps])
    after = guard.get("/api/v1/sites")
    assert after.headers["ETag"] != before.headers["ETag"]
    (route,) = after.json["routes"]
    assert route["id"] == route_id
    assert [s["checkpoint_id"] for s in route["stops"]] == [c["id"] for c in cps]
    assert route["stops"][0]["instructions"] == "Kontrollera dörr 1"
    tonight = [r for r in route["rounds"] if r["night"] == "2026-11-23"]
    assert [r["opens"] for r in tonight] == [
        "2026-11-23T18:30:00+00:00",
        "2026-11-23T22:45:00+00:00",
    ]


# --- query counts ------------------------------------------------------------------------------


def count_queries(app, fn) -> int:
    engine = engine_of(app)
    seen = []

    def before(*_args, **_kw):
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def test_review_query_counts_do_not_grow_with_nights_or_routes(api_as, seeded):
    cps = demo_checkpoints(seeded, 6)
    make_route(seeded, [c["id"] for c in cps[:3]], name="A")
    walk_first_round(seeded, api_as("guard"), 1, cps[:3])
    supervisor = api_as("supervisor")
    set_clock(seeded, local(2026, 11, 25, 12, 0))

    def pages():
        assert supervisor.get(f"/review/nights/{NIGHT.isoformat()}").status_code == 200
        assert supervisor.get("/review/routes/1").status_code == 200

    small = count_queries(seeded, pages)
    for n in range(5):
        make_route(seeded, [c["id"] for c in cps[3:]], name=f"R{n}")
    make_route(seeded, [c["id"] for c in cps], route_id=1, valid_from=date(2026, 11, 10))
    guard = api_as("guard")
    for day in (18, 19, 20):
        shift_id = start_shift(guard, local(2026, 11, day, 19, 35))
        check_in(guard, shift_id, cps[0]["id"], local(2026, 11, day, 20, 0))
    assert count_queries(seeded, pages) == small


# --- exports -----------------------------------------------------------------------------------


def test_the_rounds_csv_has_one_row_per_expected_visit(api_as, seeded):
    import csv
    import io

    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps])
    walk_first_round(seeded, api_as("guard"), route_id, cps)
    set_clock(seeded, MORNING)
    supervisor = api_as("supervisor")
    response = supervisor.get(f"/review/nights/{NIGHT.isoformat()}/rounds.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Natt", "Runda", "Rundans nummer"]
    assert len(body) == 6
    outcome = header.index("Utfall")
    assert [r[outcome] for r in body] == ["I tid", "Överhoppad", "I tid"] + ["Missad"] * 3
    assert body[1][header.index("Skäl")] == "Avspärrat av polis eller räddningstjänst"
    assert supervisor.get("/review/nights/2026-02-30/rounds.csv").status_code == 404
    assert api_as("guard").get(f"/review/nights/{NIGHT}/rounds.csv").status_code == 403


def test_the_night_pdf_carries_the_compliance_figures(api_as, seeded, monkeypatch):
    import re
    import zlib

    from patrol import pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())  # Latin-1 core font: readable text
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps])
    walk_first_round(seeded, api_as("guard"), route_id, cps)
    set_clock(seeded, MORNING)
    response = api_as("supervisor").get(f"/review/nights/{NIGHT}.pdf")
    assert response.status_code == 200
    streams = "\n".join(
        zlib.decompress(m.group(1)).decode("latin-1")
        for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", response.data, re.S)
    )
    assert "Rundor" in streams
    assert "Kv\xe4llsrundan: 2 planerade, 1 genomf\xf6rda" in streams
    assert "Avsp\xe4rrat av polis" in streams


# --- the shift log's anomalies ---------------------------------------------------------------------


def test_the_shift_log_explains_anomalies_in_words(api_as, seeded):
    from patrol.rounds.thresholds import THRESHOLDS

    cps = demo_checkpoints(seeded, 8)
    make_route(seeded, [c["id"] for c in cps[:3]])
    guard = api_as("guard")
    shift_id = start_shift(guard, local(2026, 11, 23, 18, 0))
    # A burst: one checkpoint after another every few seconds (a sheet of codes, not a walk).
    for i in range(THRESHOLDS.burst_count):
        check_in(
            guard, shift_id, cps[4 + i]["id"], local(2026, 11, 23, 21, 0).replace(second=5 * i)
        )
    # Before the first window opens at 19:30: outside every planned window.
    check_in(guard, shift_id, cps[0]["id"], local(2026, 11, 23, 18, 30))
    html = api_as("supervisor").get(f"/review/shifts/{shift_id}").get_data(as_text=True)
    assert "Avvikelser" in html
    assert (
        f"{THRESHOLDS.burst_count} incheckningar vid olika kontrollpunkter inom 15 sekunder" in html
    )
    assert "utanför nattens alla planerade rundfönster" in html
