"""The night's PDF is the record that is kept (issue 11, point 3): it carries every shift with
its start, end and note, every check-in with its flags, every report with its thumbnails and
position, SOS alerts with their lifecycle, extra rounds with the guards' answers and the work
orders made from the night; it reads in black and white. "Natten granskad" renders it once and
keeps it; nothing later changes the kept file."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.push.models import Dispatch, DispatchResponse
from patrol.reports.models import Photo
from patrol.reports.storage import photo_store
from patrol.review.models import NightReview
from patrol.signals import night_reviewed
from tests.support.pdf import drawing_colours, pdf_text, render_pages
from tests.support.review import NIGHT, login_page_client, new_id, sync_shift

NIGHT_URL = f"/review/nights/{NIGHT}"
SHOTS = Path("/work/shots/review")


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


@pytest.fixture
def full_night(seeded, api_as, places, boss):
    """A night with everything the record must carry: a shift with an end-of-shift note,
    flagged check-ins, reports with a photo, an acknowledged and an open SOS, an extra round
    answered by one guard and not by the other, and a work order."""
    guard = api_as("guard")
    ids = sync_shift(guard, places, ended=None)
    response = guard.put(
        f"/api/v1/shifts/{ids['shift']}",
        json={
            "started_at": "2026-11-23T19:35:00+01:00",
            "ended_at": "2026-11-24T04:05:00+01:00",
            "note": "Port 3 lämnad öppen av hyresgäst, stängd 02:10.",
        },
    )
    assert response.status_code == 200, response.json
    ids["sos_acked"], ids["sos_open"] = new_id(), new_id()
    for sos_id, minute, where in (
        (ids["sos_acked"], "23:15", {"lat": places["cp1_lat"], "lon": places["cp1_lon"]}),
        (ids["sos_open"], "02:40", {}),
    ):
        day = "2026-11-23" if minute > "12" else "2026-11-24"
        response = guard.put(
            f"/api/v1/sos/{sos_id}",
            json={
                "shift_id": ids["shift"],
                "occurred_at": f"{day}T{minute}:00+01:00",
                "note": "Hotfull person" if where else None,
                **where,
            },
        )
        assert response.status_code in (200, 201), response.json
    supervisor = api_as("supervisor")
    response = supervisor.post(f"/api/v1/sos/{ids['sos_acked']}/acknowledge")
    assert response.status_code == 200, response.json
    with seeded.app_context():
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        dispatch = Dispatch(
            id=uuid.uuid4(),
            created_by_id=users["supervisor"].id,
            property_id=places["p2"],
            message="Larm från grannar om oljud i källaren.",
            created_at=datetime(2026, 11, 23, 22, 0, tzinfo=UTC),
            guard_ids=sorted([users["guard"].id, users["guard2"].id]),
        )
        db.session.add(dispatch)
        for action, minute in (("acknowledged", 2), ("completed", 25)):
            db.session.add(
                DispatchResponse(
                    id=uuid.uuid4(),
                    dispatch_id=dispatch.id,
                    guard_id=users["guard"].id,
                    action=action,
                    occurred_at=datetime(2026, 11, 23, 22, minute, tzinfo=UTC),
                    note="Lugnt, dörren låst." if action == "completed" else None,
                )
            )
        db.session.commit()
    response = post(
        boss,
        f"/review/reports/{ids['lighting']}/work-order",
        what="Byt lysrör i trapphuset",
        place="Plan 2",
        priority="normal",
    )
    assert response.status_code == 302
    return ids


def test_the_night_pdf_carries_the_whole_night(boss, full_night, seeded, places):
    response = boss.get(f"{NIGHT_URL}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    # The shift: start, end and the end-of-shift note.
    assert "Start 2026-11-23 19:35" in text and "Slut 2026-11-24 04:05" in text
    assert "Port 3 lämnad öppen av hyresgäst, stängd 02:10." in text
    # Every check-in with method, distance and flags.
    assert text.count("Incheckning:") == 3
    assert "utanför radien" in text and "fel klocka" in text and "manuell" in text
    assert "m från punkten" in text
    # Reports, acute first and marked in words; with the position and its distance.
    assert "AKUT: Obehöriga i fastigheten" in text
    assert text.index("AKUT: Obehöriga") < text.index("Trasig belysning · Förebyggande")
    assert f"m från kontrollpunkten {places['cp1_label']}" in text
    assert response.data.count(b"/Subtype /Image") == 1  # the one photo that arrived
    # SOS alerts: pressed, received, acknowledged (by whom) or open.
    assert text.count("SOS från") == 2
    assert "kvitterat" in text and "EJ KVITTERAT" in text
    assert "Tryckt 2026-11-23 23:15:00" in text and "Hotfull person" in text
    # Extra rounds with each guard's answer (or none).
    assert "Larm från grannar om oljud i källaren." in text
    assert "kvitterad 23:02" in text and "utförd 23:25 – Lugnt, dörren låst." in text
    assert "inget svar" in text
    # Work orders made from the night.
    assert "Byt lysrör i trapphuset" in text and "Plan 2" in text
    # Black and white: text and lines are drawn in greys only (photos keep their colours).
    assert all(r == g == b for r, g, b in drawing_colours(response.data))
    render_pages(response.data, SHOTS / "pdf", f"night-{seeded.config['DATABASE_URL'][:6]}")


def test_night_reviewed_keeps_the_pdf_and_tells_listeners(boss, full_night, seeded):
    heard = []

    def listener(sender, **kw):
        heard.append(kw)

    page = boss.get(NIGHT_URL).get_data(as_text=True)
    assert "Natten granskad</button>" in page
    with night_reviewed.connected_to(listener):
        response = post(boss, f"{NIGHT_URL}/reviewed", confirm="1")  # 2 reports unreviewed
    assert response.status_code == 302
    assert len(heard) == 1 and heard[0]["night"] == NIGHT
    assert heard[0]["by"].username == "supervisor"

    with seeded.app_context():
        kept = db.session.scalar(sa.select(NightReview).where(NightReview.night == NIGHT))
        assert kept.reviewed_by.username == "supervisor"
        assert kept.sha256 == hashlib.sha256(kept.pdf).hexdigest()
        kept_bytes = kept.pdf
    assert "Natten granskad av Arbetsledare" in pdf_text(kept_bytes) or (
        "Natten granskad av" in pdf_text(kept_bytes)
    )
    page = boss.get(NIGHT_URL).get_data(as_text=True)
    assert "Natten granskad</button>" not in page and "Sparad nattrapport (PDF)" in page

    # The PDF link now serves the kept file, byte for byte.
    served = boss.get(f"{NIGHT_URL}.pdf")
    assert served.data == kept_bytes
    assert served.headers["X-Content-SHA256"] == hashlib.sha256(kept_bytes).hexdigest()

    # A purge of the photos and positions later changes nothing in the kept record.
    with seeded.app_context():
        store = photo_store()
        for photo in db.session.scalars(sa.select(Photo)):
            store.delete(photo.storage_key)
            store.delete(photo.thumbnail_key)
        db.session.execute(sa.delete(Photo))
        db.session.execute(sa.text("UPDATE reports SET lat = NULL, lon = NULL"))
        db.session.commit()
    assert boss.get(f"{NIGHT_URL}.pdf").data == kept_bytes

    # Marking again with nothing new is refused and keeps the first record.
    again = post(boss, f"{NIGHT_URL}/reviewed", confirm="1")
    assert again.status_code == 409
    assert "redan markerad som granskad" in again.get_data(as_text=True)
    assert boss.get(f"{NIGHT_URL}.pdf").data == kept_bytes


def test_before_marking_the_pdf_follows_the_live_rows(boss, full_night, seeded):
    before = pdf_text(boss.get(f"{NIGHT_URL}.pdf").data)
    assert "inte markerad som granskad" in before and "Ej granskade rapporter: 2" in before
    post(boss, f"/review/reports/{full_night['lighting']}/approve", comment="Ok")
    after = pdf_text(boss.get(f"{NIGHT_URL}.pdf").data)
    assert "Ej granskade rapporter: 1" in after


def test_night_reviewed_is_refused_for_empty_and_future_nights_and_guards(
    boss, seeded, api_as, full_night
):
    empty = post(boss, "/review/nights/2026-10-01/reviewed")
    assert empty.status_code == 409 and "inga pass" in empty.get_data(as_text=True)
    future = post(boss, "/review/nights/2099-01-01/reviewed")
    assert future.status_code == 409 and "inte hänt än" in future.get_data(as_text=True)
    assert post(boss, "/review/nights/2026-02-30/reviewed").status_code == 404
    no_token = boss.post(f"{NIGHT_URL}/reviewed")
    assert no_token.status_code == 403
    guard = login_page_client(seeded, "guard")
    assert post(guard, f"{NIGHT_URL}/reviewed").status_code == 403
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NightReview)) == 0
