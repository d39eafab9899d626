"""Issue 11 on the server side: empty shifts folded on Natten (point 7), positions as distance
and map link (point 6), the alerts page in the desk's header and menu (point 8), dates as
ÅÅÅÅ-MM-DD text fields (point 9), and work orders filtered by property and status and printed
one page per property (point 10)."""

from __future__ import annotations

import re

import pytest

from tests.support.review import NIGHT, login_page_client, new_id, sync_shift

NIGHT_URL = f"/review/nights/{NIGHT}"


@pytest.fixture
def synced(api_as, places):
    return sync_shift(api_as("guard"), places)


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


def test_empty_shifts_are_folded_not_shown_as_cards(boss, api_as, synced):
    guard2 = api_as("guard2")
    empty, short_with_note, long_one = new_id(), new_id(), new_id()
    for shift_id, started, ended, note in (
        (empty, "22:00:00", "22:00:40", None),
        (short_with_note, "22:10:00", "22:10:30", "Fel telefon, byter."),
        (long_one, "22:20:00", "23:30:00", None),
    ):
        body = {
            "started_at": f"2026-11-23T{started}+01:00",
            "ended_at": f"2026-11-23T{ended}+01:00",
            "note": note,
        }
        assert guard2.put(f"/api/v1/shifts/{shift_id}", json=body).status_code == 201
    page = text(boss.get(NIGHT_URL))
    cards = page.count('<article class="card shift-card')
    assert cards == 3  # the real shift, the one with a note, the hour-long one
    fold = page[page.index('<details class="card empty-shifts">') :]
    assert "1 tomma pass" in fold and f'href="/review/shifts/{empty}"' in fold
    assert f'href="/review/shifts/{empty}"' not in page[: page.index("empty-shifts")]
    # The summary still counts every shift.
    assert re.search(r"<dt>Pass</dt><dd>4</dd>", page)


def test_report_and_checkin_positions_are_distances_with_map_links(boss, synced, places):
    page = text(boss.get(f"/review/reports/{synced['lighting']}"))
    facts = page[page.index('class="facts"') : page.index("</dl>", page.index('class="facts"'))]
    assert re.search(r"<strong>0 m från kontrollpunkten Entré</strong> \(± 8 m\)", facts)
    lat = f"{places['cp1_lat']:.6f}"
    assert f'href="https://www.openstreetmap.org/?mlat={lat}&amp;mlon=' in facts
    assert 'rel="noopener noreferrer"' in facts
    # No position: said in words.
    acute = text(boss.get(f"/review/reports/{synced['acute']}"))
    assert "Ingen position." in acute


def test_alerts_page_has_the_review_header_and_menu(boss, synced):
    for url in ("/push/alerts", "/push/sos", NIGHT_URL):
        page = text(boss.get(url))
        assert 'class="topbar desk-bar"' in page, url
        nav = page[page.index('aria-label="Huvudmeny"') : page.index("</nav>")]
        for label in ("Natten", "Rapporter", "Arbetsordrar", "Larm"):
            assert f">{label}</a>" in nav, (url, label)
        assert "review.css" in page
    alerts = text(boss.get("/push/alerts"))
    assert re.search(r'href="/push/alerts" aria-current="page">Larm</a>', alerts)


def test_report_filter_dates_are_text_fields_with_the_pattern(boss, synced):
    page = text(boss.get("/review/reports"))
    for name in ("from", "to"):
        field = re.search(rf'<input id="f-{name}" name="{name}"[^>]*>', page, re.S).group(0)
        assert 'type="text"' in field and 'pattern="\\d{4}-\\d{2}-\\d{2}"' in field
        assert 'placeholder="ÅÅÅÅ-MM-DD"' in field
    bad = boss.get("/review/reports?from=11/23/2026")
    assert bad.status_code == 400
    assert '<p class="field-error" id="from-error" role="alert">Ange datumet som ÅÅÅÅ-MM-DD.' in (
        text(bad)
    )
    assert 'aria-invalid="true"' in text(bad)


@pytest.fixture
def two_orders(boss, synced, places):
    for report, what, priority in (
        (synced["lighting"], "Byt lampa i trapphuset", "normal"),
        (synced["acute"], "Laga källardörren", "high"),
    ):
        response = post(
            boss, f"/review/reports/{report}/work-order", what=what, place="", priority=priority
        )
        assert response.status_code == 302
    return places


def test_work_orders_filter_by_property_and_status(boss, two_orders, seeded):
    places = two_orders
    everything = text(boss.get("/review/work-orders"))
    assert "Byt lampa i trapphuset" in everything and "Laga källardörren" in everything
    only_first = text(boss.get(f"/review/work-orders?property={places['p1']}"))
    assert "Byt lampa i trapphuset" in only_first and "Laga källardörren" not in only_first
    assert f'<option value="{places["p1"]}" selected>' in only_first
    none_done = text(boss.get(f"/review/work-orders?property={places['p1']}&status=done"))
    assert "Byt lampa i trapphuset" not in none_done and "Inga arbetsordrar här." in none_done
    assert boss.get("/review/work-orders?property=abc").status_code == 400
    assert "Välj en fastighet i listan." in text(boss.get("/review/work-orders?property=abc"))
    # Marking one done keeps the property filter.
    import sqlalchemy as sa

    from patrol.db import db
    from patrol.review.models import WorkOrder

    with seeded.app_context():
        order_id = db.session.scalar(
            sa.select(WorkOrder.id).where(WorkOrder.property_id == places["p1"])
        )
    done = post(boss, f"/review/work-orders/{order_id}/done", note="Klart.", property=places["p1"])
    assert done.status_code == 302
    assert done.location.endswith(f"/review/work-orders?status=open&property={places['p1']}")


def test_work_orders_print_one_section_per_property_with_the_address_on_top(
    boss, two_orders, seeded
):
    places = two_orders
    response = boss.get("/review/work-orders/print")
    assert response.status_code == 200
    page = text(response)
    sections = re.findall(r'<section class="card print-property".*?</section>', page, re.S)
    assert len(sections) == 2
    by_property = {int(re.search(r'id="prop-(\d+)"', x).group(1)): x for x in sections}
    for prop, what in (
        (places["p1"], "Byt lampa i trapphuset"),
        (places["p2"], "Laga källardörren"),
    ):
        section = by_property[prop]
        address = re.search(r'class="print-address">([^<]+)</h2>', section).group(1)
        assert re.search(r"\d{3} \d{2} ", address), address  # street, postcode and town
        assert section.index("print-address") < section.index(what)
        assert what in section and "Klar (datum, signatur):" in section
    one = text(boss.get(f"/review/work-orders/print?property={places['p2']}"))
    assert one.count('class="card print-property"') == 1 and "Laga källardörren" in one
    guard = login_page_client(seeded, "guard")
    assert guard.get("/review/work-orders/print").status_code == 403
