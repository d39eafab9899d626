"""The review pages: Natten, the shift log, the report list and page, work orders, the theme
switch and the role matrix. Shifts arrive through the real sync API, as from a phone."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.reports.models import Report
from patrol.review.models import ReportReview, ReviewEvent, WorkOrder
from tests.support.review import NIGHT, login_page_client, sync_shift

NIGHT_URL = f"/review/nights/{NIGHT.isoformat()}"


@pytest.fixture
def synced(api_as, places):
    return sync_shift(api_as("guard"), places)


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


# --- roles --------------------------------------------------------------------------------


PAGES = [
    "/review/",
    NIGHT_URL,
    "/review/reports",
    "/review/work-orders",
    f"/review/export.csv?from={NIGHT}&to={NIGHT}",
    f"/review/nights/{NIGHT}.pdf",
]


def test_role_matrix(seeded, synced, places):
    pages = PAGES + [
        f"/review/shifts/{synced['shift']}",
        f"/review/reports/{synced['lighting']}",
        f"/review/properties/{places['p1']}",
    ]
    anonymous = seeded.test_client()
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/login?next=")
    for role, expected in (("guard", 403), ("owner", 403), ("supervisor", 200), ("admin", 200)):
        client = login_page_client(seeded, role)
        for url in pages:
            assert client.get(url).status_code == expected, (role, url)
    # State changes too: a guard can neither approve nor create work orders.
    guard = login_page_client(seeded, "guard")
    assert post(guard, f"/review/reports/{synced['lighting']}/approve").status_code == 403
    assert (
        post(
            guard, f"/review/reports/{synced['lighting']}/work-order", what="x", priority="high"
        ).status_code
        == 403
    )
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewEvent)) == 0


def test_forms_need_the_csrf_token(boss, synced):
    response = boss.post(f"/review/reports/{synced['lighting']}/approve", data={"comment": "x"})
    assert response.status_code == 403
    assert "säkerhetstoken" in text(response).lower() or "token" in text(response).lower()


# --- Natten -------------------------------------------------------------------------------


def test_night_overview_shows_each_shift_with_counts_flags_and_acute_first(boss, synced):
    response = boss.get(NIGHT_URL)
    assert response.status_code == 200
    page = text(response)
    assert "Natten 2026-11-23" in page
    assert "Väktare Demo" in page
    assert "19:35" in page and "04:05" in page and "avslutat" in page
    # Acute report listed at the top, marked, before the shift cards.
    assert page.index("Akuta allvarliga händelser") < page.index('id="shifts-heading"')
    assert "Obehöriga i fastigheten" in page
    # Flags explained in words.
    assert "Manuell: vald i listan" in page
    assert "Utanför radien" in page
    assert "Ingen position" in page
    assert "Fel klocka" in page
    # Counts: 3 check-ins, 1 acute, 1 preventive, 1 photo on its way.
    card = page[page.index("shift-card") :]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(\d+)</dd>", card))
    assert figures["Incheckningar"] == "3"
    assert figures["Akut allvarlig händelse"] == "1"
    assert figures["Förebyggande"] == "1"
    assert figures["Pågående störning"] == "0"
    assert figures["Foton på väg"] == "1"
    assert figures["Ej granskade"] == "2"


def test_open_shift_is_shown_as_not_ended(boss, api_as, places):
    sync_shift(api_as("guard2"), places, ended=None)
    page = text(boss.get(NIGHT_URL))
    assert "inte avslutat" in page


def test_natten_opens_on_the_most_recent_night(boss, synced, seeded):
    # 07:00 in Stockholm on the 24th: the night that began on the evening of the 23rd.
    set_clock(seeded, datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    page = text(boss.get("/review/"))
    assert "Natten 2026-11-23" in page and "Väktare Demo" in page
    # At 16:00 on the 24th the evening's shifts have not begun: still the night of the 23rd.
    set_clock(seeded, datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    assert "Natten 2026-11-23" in text(boss.get("/review/"))


def test_natten_opens_on_the_night_in_progress_once_it_has_shifts(boss, api_as, places, seeded):
    sync_shift(
        api_as("guard2"),
        places,
        started="2026-11-24T19:40:00+01:00",
        ended=None,
        night_day="2026-11-24",
        next_day="2026-11-25",
    )
    set_clock(seeded, datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    page = text(boss.get("/review/"))
    assert "Natten 2026-11-24" in page and "inte avslutat" in page
    # Weeks later with no newer shifts, it still opens on the latest night that had shifts.
    set_clock(seeded, datetime(2027, 1, 10, 22, 0, tzinfo=UTC))
    assert "Natten 2026-11-24" in text(boss.get("/review/"))


def test_natten_without_any_shifts_shows_the_current_night_empty(boss, seeded):
    set_clock(seeded, datetime(2027, 1, 10, 22, 0, tzinfo=UTC))
    page = text(boss.get("/review/"))
    assert "Natten 2027-01-10" in page and "Inga pass den här natten." in page


def test_date_picker_and_previous_next(boss, synced):
    response = boss.get("/review/?night=2026-11-23")
    assert response.status_code == 302 and response.location.endswith(NIGHT_URL)
    page = text(boss.get(NIGHT_URL))
    assert 'href="/review/nights/2026-11-22"' in page
    assert 'href="/review/nights/2026-11-24"' in page
    # A text field typed as ÅÅÅÅ-MM-DD, not the browser's locale-dependent date input.
    assert 'type="date"' not in page and '<label for="night-date">' in page
    assert 'pattern="\\d{4}-\\d{2}-\\d{2}"' in page and 'placeholder="ÅÅÅÅ-MM-DD"' in page
    bad = boss.get("/review/?night=23/11")
    assert bad.status_code == 400 and "Ange datumet som ÅÅÅÅ-MM-DD." in text(bad)
    assert boss.get("/review/?night=").status_code == 400
    assert boss.get("/review/nights/not-a-date").status_code == 404
    assert "Inga pass den här natten." in text(boss.get("/review/nights/2026-11-22"))


def test_english_on_request(boss, synced):
    page = text(boss.get(NIGHT_URL + "?lang=en"))
    assert "The night of 2026-11-23" in page
    assert "Acute serious events" in page
    assert "Out of radius" in page


# --- shift log ----------------------------------------------------------------------------


def test_shift_log_is_a_timeline_with_times_delays_methods_flags_and_photos(boss, synced):
    response = boss.get(f"/review/shifts/{synced['shift']}")
    assert response.status_code == 200
    page = text(response)
    timeline = page[page.index('class="timeline"') :]
    # Time order: check-in 20:10, report 20:12, check-in 21:00, check-in 01:30, report 01:35.
    order = [
        timeline.index(t) for t in ("20:10:00", "20:12:00", "21:00:00", "01:30:00", "01:35:00")
    ]
    assert order == sorted(order)
    assert "mottagen" in timeline  # the server's receive time beside the phone's
    assert re.search(r"\([+−]\d+ (s|min|h|dygn)", timeline)  # and the delay between them
    assert "QR-kod" in timeline and "Vald i listan" in timeline
    assert "radie 40 m" in timeline  # the demo checkpoints' radius
    # Positions as the distance from the checkpoint and a map link, never bare coordinates.
    assert re.search(r"<strong>\d+ m från kontrollpunkten Entré</strong> \(± 10 m\)", timeline)
    assert re.search(r'href="https://www.openstreetmap.org/\?mlat=[\d.]+&amp;mlon=', timeline)
    assert "Utanför radien: längre från kontrollpunkten" in timeline
    assert "Fel klocka" in timeline
    # The phone's clock (set to 2020) is years off: said in days, not in raw seconds.
    assert re.search(r"\(avvikelse −?\d+ dygn \d+ h\)", timeline)
    assert "Ingen position." in timeline
    thumb = f"/api/v1/reports/{synced['lighting']}/photos/{synced['photo']}?size=thumb"
    full = f"/api/v1/reports/{synced['lighting']}/photos/{synced['photo']}"
    assert f'src="{thumb}"' in timeline and f'href="{full}"' in timeline
    assert "Fotot är på väg" in timeline
    image = boss.get(thumb)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert boss.get(full).status_code == 200


def test_unknown_shift_is_404(boss, seeded):
    assert boss.get("/review/shifts/00000000-0000-0000-0000-000000000000").status_code == 404
    assert boss.get("/review/shifts/nope").status_code == 404


# --- report list --------------------------------------------------------------------------


def report_links(page: str) -> set[str]:
    return set(re.findall(r'href="/review/reports/([0-9a-f-]{36})"', page))


def test_report_list_filters(boss, api_as, places, synced, seeded):
    other = sync_shift(
        api_as("guard2"),
        places,
        started="2026-11-24T19:40:00+01:00",
        ended="2026-11-25T03:00:00+01:00",
        night_day="2026-11-24",
        next_day="2026-11-25",
    )
    everything = {synced["lighting"], synced["acute"], other["lighting"], other["acute"]}
    assert report_links(text(boss.get("/review/reports"))) == everything

    def shown(**query):
        response = boss.get("/review/reports", query_string=query)
        assert response.status_code == 200, query
        return report_links(text(response))

    assert shown(**{"from": "2026-11-24"}) == {other["lighting"], other["acute"]}
    assert shown(to="2026-11-23") == {synced["lighting"], synced["acute"]}
    assert shown(level="acute") == {synced["acute"], other["acute"]}
    assert shown(category="lighting") == {synced["lighting"], other["lighting"]}
    assert shown(property=places["p2"]) == {synced["acute"], other["acute"]}
    with seeded.app_context():
        from patrol.sites.models import Property

        area_id = db.session.get(Property, places["p1"]).area_id
    assert shown(area=area_id) == everything
    assert shown(area=area_id + 999) == set()
    post(boss, f"/review/reports/{synced['acute']}/approve", comment="Polisen informerad.")
    assert shown(status="reviewed") == {synced["acute"]}
    assert shown(status="new") == everything - {synced["acute"]}
    post(
        boss,
        f"/review/reports/{other['lighting']}/work-order",
        what="Byt lampa",
        place="Trapphus",
        priority="normal",
    )
    assert shown(repair="yes") == {other["lighting"]}
    assert shown(repair="no") == everything - {other["lighting"]}
    # A correction moves the report in the category/level filters; the original stays.
    post(
        boss,
        f"/review/reports/{synced['lighting']}/correct",
        category="vandalism",
        level="disturbance",
    )
    assert shown(category="vandalism") == {synced["lighting"]}
    assert shown(level="disturbance") == {synced["lighting"]}
    assert shown(category="lighting") == {other["lighting"]}


def test_report_list_refuses_bad_filters_with_messages(boss, synced):
    for query, message in (
        ({"from": "igår"}, "ÅÅÅÅ-MM-DD"),
        ({"from": "2026-11-24", "to": "2026-11-23"}, "får inte vara före"),
        ({"level": "huge"}, "Välj i listan"),
        ({"area": "x"}, "Välj i listan"),
        ({"page": "0"}, "heltal"),
    ):
        response = boss.get("/review/reports", query_string=query)
        assert response.status_code == 400, query
        assert message in text(response), query


def test_report_list_paginates(boss, seeded):
    from tests.support.synthetic import seed_night

    with seeded.app_context():
        seed_night(NIGHT, shifts=2, checkins=0, reports=120, photos=0)
    first = text(boss.get("/review/reports"))
    assert "120 rapporter" in first and "sida 1 av 3" in first
    assert len(report_links(first)) == 50
    assert 'href="/review/reports?page=2"' in first
    second = report_links(text(boss.get("/review/reports?page=2")))
    third = report_links(text(boss.get("/review/reports?page=3")))
    assert len(second) == 50 and len(third) == 20
    assert not (report_links(first) & second) and not (second & third)
    with seeded.app_context():
        acute = db.session.scalar(
            sa.select(sa.func.count()).select_from(Report).where(Report.level == "acute")
        )
    assert 0 < acute < 120
    filtered = text(boss.get("/review/reports?level=acute&page=1"))
    assert f"{acute} rapporter" in filtered


# --- report page: approve, correct, work order, audit -------------------------------------


def test_approve_moves_new_to_reviewed_with_comment_and_audit(boss, synced, seeded):
    url = f"/review/reports/{synced['lighting']}"
    page = text(boss.get(url))
    assert "Trasig lampa i trapphuset, plan 2." in page
    assert '<button type="submit" class="primary">Godkänn</button>' in page
    response = post(boss, url + "/approve", comment="Ok, lampa beställd.")
    assert response.status_code == 302 and response.location == url
    page = text(boss.get(url))
    assert "Rapporten är granskad." in page
    assert "granskad" in page and "Ok, lampa beställd." in page
    assert "Granskad av Arbetsledare Demo" in page
    with seeded.app_context():
        report = db.session.get(Report, uuid.UUID(synced["lighting"]))
        assert report.review_status == "reviewed"
        (event,) = db.session.scalars(sa.select(ReviewEvent)).all()
        assert event.action == "approved" and event.actor.username == "supervisor"
        assert event.details["status"] == ["new", "reviewed"]
        assert event.details["comment"] == [None, "Ok, lampa beställd."]
    too_long = post(boss, url + "/approve", comment="x" * 2001)
    assert too_long.status_code == 422 and "Högst 2000 tecken." in text(too_long)


def test_correction_keeps_the_guards_original_and_shows_both(boss, synced, seeded):
    url = f"/review/reports/{synced['lighting']}"
    response = post(
        boss,
        url + "/correct",
        category="vandalism",
        level="disturbance",
        comment="Sönderslagen, inte trasig",
    )
    assert response.status_code == 302
    response = post(boss, url + "/correct", category="door_lock", level="disturbance")
    assert response.status_code == 302
    with seeded.app_context():
        report = db.session.get(Report, uuid.UUID(synced["lighting"]))
        assert (report.category, report.level) == ("lighting", "preventive")  # untouched
        assert report.description == "Trasig lampa i trapphuset, plan 2."
        review = db.session.get(ReportReview, report.id)
        assert (review.category, review.level) == ("door_lock", "disturbance")
        events = db.session.scalars(sa.select(ReviewEvent).order_by(ReviewEvent.id)).all()
        assert [e.details["category"] for e in events] == [
            ["lighting", "vandalism"],
            ["vandalism", "door_lock"],
        ]
        assert all(
            e.details["original"] == {"category": "lighting", "level": "preventive"} for e in events
        )
    page = text(boss.get(url))
    guard_part = page[page.index("Väktarens rapport") : page.index("Historik")]
    assert "Trasig belysning" in guard_part and "korrigerad till" in guard_part
    assert "Trasig dörr eller lås" in guard_part and "Förebyggande" in guard_part
    history = page[page.index("Historik") :]
    # Each correction reads against the guard's original: original first, then the correction.
    assert "Trasig belysning → Skadegörelse, Förebyggande → Pågående störning" in history
    assert "Trasig belysning → Trasig dörr eller lås, Förebyggande → Pågående störning" in history


def test_a_correction_of_the_level_alone_names_only_the_level(boss, synced, seeded):
    """A disturbance report whose level the supervisor lowers: "Pågående störning →
    Förebyggande", never the unchanged category ("Störning → Störning")."""
    url = f"/review/reports/{synced['lighting']}"
    assert post(boss, url + "/correct", category="lighting", level="disturbance").status_code == 302
    assert post(boss, url + "/correct", category="lighting", level="preventive").status_code == 302
    history = text(boss.get(url))
    history = history[history.index("Historik") :]
    assert "Förebyggande → Pågående störning" in history
    assert "Trasig belysning → Trasig belysning" not in history
    assert "tillbaka till väktarens original" in history


def test_correction_refuses_bad_or_unchanged_values(boss, synced, seeded):
    url = f"/review/reports/{synced['lighting']}/correct"
    unchanged = post(boss, url, category="lighting", level="preventive")
    assert unchanged.status_code == 422 and "Inget ändrades" in text(unchanged)
    bad = post(boss, url, category="explosion", level="preventive")
    assert bad.status_code == 422 and "Välj en kategori i listan." in text(bad)
    bad = post(boss, url, category="lighting", level="")
    assert bad.status_code == 422 and "Välj en nivå i listan." in text(bad)
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewEvent)) == 0


def test_audit_trail_is_append_only(boss, synced, seeded):
    post(boss, f"/review/reports/{synced['lighting']}/approve", comment="ok")
    with seeded.app_context():
        event = db.session.scalar(sa.select(ReviewEvent))
        event.details = {"forged": True}
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(sa.select(ReviewEvent)))
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":  # the database refuses too
            with (
                pytest.raises(sa.exc.DBAPIError, match="append-only"),
                db.engine.begin() as conn,
            ):
                conn.execute(sa.text("UPDATE review_events SET details = '{}'"))


def test_work_order_from_a_report(boss, synced, seeded):
    url = f"/review/reports/{synced['lighting']}"
    page = text(boss.get(url))
    assert 'value="Entré"' in page or 'name="place"' in page  # place prefilled from checkpoint
    missing = post(boss, url + "/work-order", what="", place="", priority="normal")
    assert missing.status_code == 422 and "Skriv vad som är trasigt." in text(missing)
    bad = post(boss, url + "/work-order", what="Byt lampa", priority="urgent")
    assert bad.status_code == 422 and "Välj en prioritet" in text(bad)
    response = post(
        boss, url + "/work-order", what="Byt lampa plan 2", place="Trapphus A", priority="high"
    )
    assert response.status_code == 302
    again = post(boss, url + "/work-order", what="Byt lampa", place="", priority="high")
    assert again.status_code == 409 and "redan en arbetsorder" in text(again)
    with seeded.app_context():
        (order,) = db.session.scalars(sa.select(WorkOrder)).all()
        assert (order.what, order.place, order.priority, order.status) == (
            "Byt lampa plan 2",
            "Trapphus A",
            "high",
            "open",
        )
        assert db.session.get(Report, uuid.UUID(synced["lighting"])).needs_repair is True
        actions = [e.action for e in db.session.scalars(sa.select(ReviewEvent))]
        assert actions == ["work_order_created"]
    page = text(boss.get(url))
    assert "Arbetsorder nr" in page and "Byt lampa plan 2" in page


def test_work_order_list_grouped_printable_and_done(boss, synced, places, seeded):
    post(
        boss,
        f"/review/reports/{synced['lighting']}/work-order",
        what="Byt lampa",
        place="Trapphus A",
        priority="normal",
    )
    post(
        boss,
        f"/review/reports/{synced['acute']}/work-order",
        what="Laga källardörren",
        place="Källare",
        priority="high",
    )
    response = boss.get("/review/work-orders")
    page = text(response)
    assert response.status_code == 200
    assert "Södra Sofielund" in page
    assert page.index(places["p1_name"]) < page.index("Byt lampa")
    assert page.index(places["p2_name"]) < page.index("Laga källardörren")
    assert f'href="/review/reports/{synced["lighting"]}"' in page  # link back to the report
    assert "review-print.css" in page and 'media="print"' in page
    assert f'src="/api/v1/reports/{synced["lighting"]}/photos/{synced["photo"]}?size=thumb"' in page
    with seeded.app_context():
        order_id = db.session.scalar(sa.select(WorkOrder.id).where(WorkOrder.what == "Byt lampa"))
    empty = post(boss, f"/review/work-orders/{order_id}/done", note="  ")
    assert empty.status_code == 422 and "Skriv en anteckning." in text(empty)
    done = post(boss, f"/review/work-orders/{order_id}/done", note="Lampan bytt 07:40.")
    assert done.status_code == 302
    open_page = text(boss.get("/review/work-orders"))
    assert "Byt lampa" not in open_page and "Laga källardörren" in open_page
    done_page = text(boss.get("/review/work-orders?status=done"))
    assert "Lampan bytt 07:40." in done_page and "Klar" in done_page
    twice = post(boss, f"/review/work-orders/{order_id}/done", note="igen")
    assert twice.status_code == 409
    assert boss.get("/review/work-orders?status=lost").status_code == 400
    with seeded.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert order.status == "done" and order.done_note == "Lampan bytt 07:40."
        assert order.done_at is not None and order.done_by.username == "supervisor"
        assert [
            e.action for e in db.session.scalars(sa.select(ReviewEvent).order_by(ReviewEvent.id))
        ] == [
            "work_order_created",
            "work_order_created",
            "work_order_done",
        ]


def test_open_damage_from_earlier_nights_is_shown(boss, api_as, synced, places):
    post(
        boss,
        f"/review/reports/{synced['lighting']}/work-order",
        what="Byt lampa i trapphuset",
        place="Trapphus A",
        priority="normal",
    )
    later = sync_shift(
        api_as("guard2"),
        places,
        started="2026-11-24T19:40:00+01:00",
        ended="2026-11-25T03:00:00+01:00",
        night_day="2026-11-24",
        next_day="2026-11-25",
    )
    page = text(boss.get(f"/review/reports/{later['lighting']}"))
    assert "Fortfarande öppet på fastigheten från tidigare nätter" in page
    assert "Byt lampa i trapphuset" in page and "natten 2026-11-23" in page
    prop_page = text(boss.get(f"/review/properties/{places['p1']}"))
    assert "Skador som fortfarande är öppna (1)" in prop_page
    assert "Byt lampa i trapphuset" in prop_page
    # The report that made the order does not warn about itself.
    assert "Fortfarande öppet" not in text(boss.get(f"/review/reports/{synced['lighting']}"))


def test_unknown_report_and_work_order_are_404(boss, seeded):
    assert boss.get("/review/reports/00000000-0000-0000-0000-000000000000").status_code == 404
    assert post(boss, "/review/work-orders/999/done", note="x").status_code == 404
    assert boss.get("/review/properties/999").status_code == 404


# --- theme --------------------------------------------------------------------------------


def test_theme_switch_sets_the_cookie_read_by_the_base_template(boss, synced):
    # Before a pick the page follows the system's setting (theme.css, prefers-color-scheme).
    assert 'data-theme="auto"' in text(boss.get(NIGHT_URL))
    response = post(boss, "/review/theme", theme="light", next=NIGHT_URL)
    assert response.status_code == 302 and response.location == NIGHT_URL
    assert "theme=light" in response.headers["Set-Cookie"]
    page = text(boss.get(NIGHT_URL))
    assert 'data-theme="light"' in page and "Mörkt tema" in page
    assert post(boss, "/review/theme", theme="pink").status_code == 400
    off_site = post(boss, "/review/theme", theme="dark", next="https://evil.example/")
    assert off_site.location == "/review/"


# --- races between two supervisors ---------------------------------------------------------


def test_two_supervisors_racing_make_one_work_order_and_one_completion(boss, synced, seeded):
    """The loser of each race gets 409, not a 500 and not a duplicate."""
    from patrol.auth.models import User
    from patrol.review import actions

    with seeded.app_context():
        report = db.session.get(Report, uuid.UUID(synced["lighting"]))
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        # Both read "no work order yet"; the admin's insert lands first.
        actions.create_work_order(report, admin, "Byt lampa", "Trapphus", "normal")
    with seeded.app_context(), pytest.raises(actions.AlreadyOrdered):
        report = db.session.get(Report, uuid.UUID(synced["lighting"]))
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        actions.create_work_order(report, supervisor, "Byt lampa igen", "", "high")
    with seeded.app_context():
        order = db.session.scalar(sa.select(WorkOrder))
        stale = db.session.get(WorkOrder, order.id)  # loaded while still open
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        actions.complete_work_order(stale, admin, "Klart")
    with seeded.app_context(), pytest.raises(actions.AlreadyDone):
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        stale = WorkOrder(id=order.id, report_id=order.report_id)  # a copy read before "done"
        actions.complete_work_order(stale, supervisor, "Också klart")
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == 1
        done = [
            e.details
            for e in db.session.scalars(
                sa.select(ReviewEvent).where(ReviewEvent.action == "work_order_done")
            )
        ]
        assert done == [{"status": ["open", "done"], "note": "Klart"}]


def test_approving_a_report_whose_review_row_was_just_created_elsewhere(
    boss, synced, seeded, monkeypatch
):
    from patrol.auth.models import User
    from patrol.review import actions

    original = actions.review_of
    calls = []

    def stale_read(report):
        """Our read finds no review row; right after it, another supervisor's correction
        commits one through its own connection."""
        calls.append(report.id)
        if len(calls) > 1:
            return original(report)
        with db.engine.begin() as other:
            other.execute(sa.insert(ReportReview).values(report_id=report.id, level="acute"))
        review = ReportReview(report_id=report.id)
        db.session.add(review)
        return review

    monkeypatch.setattr(actions, "review_of", stale_read)
    with seeded.app_context():
        report = db.session.get(Report, uuid.UUID(synced["lighting"]))
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        actions.approve(report, supervisor, "ok")  # insert collides; retried as an update
        assert len(calls) == 2
        review = db.session.get(ReportReview, report.id, populate_existing=True)
        assert (review.level, review.comment) == ("acute", "ok")
        assert db.session.get(Report, report.id).review_status == "reviewed"
        events = db.session.scalars(sa.select(ReviewEvent)).all()
        assert [e.action for e in events] == ["approved"]
