"""A night's record has versions, and "Natten granskad" asks when something is open (issue 21,
points 1 and 2).

A phone that spent the night in a basement syncs at 09:30, after the supervisor marked the night
reviewed at 08:00: its report shows on Natten as "Kom in efter granskningen", the supervisor
reviews it and marks the night again, and version 2 is kept beside version 1 (both PDFs stay
downloadable, version 2 opens with what changed). Owners get one addendum with only what is new
to them; reports approved later on a night nobody marks again go in the next morning's email
under "Tidigare nätter"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, engine_of, set_clock
from patrol.mail.rules import drain_outbox
from patrol.owners.models import OwnerNews
from patrol.reports.models import Report
from patrol.review import actions
from patrol.review.models import NightReview
from patrol.schedule.rules import run_due_jobs
from patrol.signals import night_reviewed
from patrol.sites.models import Property
from tests.support.app import DATABASES, fresh_database, make_test_app, seed_everyone
from tests.support.images import digest, jpeg_bytes
from tests.support.owners import NIGHT as OWNER_NIGHT
from tests.support.owners import add_report, build_world
from tests.support.pdf import pdf_text
from tests.support.review import NIGHT, new_id, sync_shift
from tests.support.smtp import SmtpServer

NIGHT_URL = f"/review/nights/{NIGHT}"
REVIEWED_AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 Stockholm
SYNCED_LATE = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # 09:30: the basement phone
LATE_TEXT = "Källardörren uppbruten, upptäckt sent."
PUBLIC = "https://patrull.example.se"


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def late_report(guard, places, shift_id) -> str:
    """The report the phone in the basement sends at 09:30 (made at 23:40 in the night)."""
    report_id = new_id()
    response = guard.put(
        f"/api/v1/reports/{report_id}",
        json={
            "shift_id": shift_id,
            "property_id": places["p2"],
            "checkpoint_id": None,
            "category": "vandalism",
            "level": "disturbance",
            "description": LATE_TEXT,
            "occurred_at": "2026-11-23T23:40:00+01:00",
            "photo_ids": [],
        },
    )
    assert response.status_code == 201, response.json
    return report_id


@pytest.fixture
def reviewed_night(seeded, api_as, places, boss):
    """A night whose two reports are approved and which was marked reviewed at 08:00."""
    set_clock(seeded, REVIEWED_AT - timedelta(minutes=30))
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    for report_id in (ids["lighting"], ids["acute"]):
        assert post(boss, f"/review/reports/{report_id}/approve", comment="Ok").status_code == 302
    set_clock(seeded, REVIEWED_AT)
    response = post(boss, f"{NIGHT_URL}/reviewed")
    assert response.status_code == 302, response.get_data(as_text=True)
    ids["guard"] = guard
    return ids


def test_a_late_report_shows_and_marking_again_keeps_version_two_beside_one(
    seeded, boss, places, reviewed_night
):
    ids = reviewed_night
    night = page(boss, NIGHT_URL)
    assert "Kom in efter granskningen" not in night and "Ändrat efter granskningen" not in night
    assert "Markera granskad igen" not in night  # nothing new: no second version to keep
    assert 'version-badge">i version 1</span>' in night  # the acute report, on Natten
    v1 = boss.get(f"{NIGHT_URL}/versions/1.pdf")
    assert v1.status_code == 200 and v1.headers["X-Record-Version"] == "1"

    set_clock(seeded, SYNCED_LATE)
    late_id = late_report(ids["guard"], places, ids["shift"])

    # Natten says at once that a report came in after the review, and links it.
    night = page(boss, NIGHT_URL)
    assert "Kom in efter granskningen: 1 rapport</h2>" in night
    assert f'href="/review/reports/{late_id}"' in night
    assert "Skadegörelse" in night or "vandalism" not in night
    assert "Markera granskad igen (version 2)" in night
    assert "(version 1)." in night
    # The shift log shows which version each record first appeared in.
    log = page(boss, f"/review/shifts/{ids['shift']}")
    assert log.count("i version 1</span>") >= 5  # three check-ins and two reports
    assert log.count('late-badge">Kom in efter granskningen</span>') == 1

    # The supervisor reviews it: an approval after version 1 is listed as a change.
    set_clock(seeded, SYNCED_LATE + timedelta(minutes=10))
    assert post(boss, f"/review/reports/{late_id}/approve", comment="Sett").status_code == 302
    night = page(boss, NIGHT_URL)
    assert "Ändrat efter granskningen (1)" in night and "Godkänd: " in night

    # Marked again: version 2 is kept beside version 1, which is unchanged.
    set_clock(seeded, SYNCED_LATE + timedelta(minutes=20))
    response = post(boss, f"{NIGHT_URL}/reviewed")
    assert response.status_code == 302
    night = page(boss, NIGHT_URL)
    assert "sparas som version 2" in night
    assert "Kom in efter granskningen" not in night  # all of it is in version 2 now
    assert f'href="{NIGHT_URL}/versions/1.pdf"' in night
    assert f'href="{NIGHT_URL}/versions/2.pdf"' in night
    again_v1 = boss.get(f"{NIGHT_URL}/versions/1.pdf")
    v2 = boss.get(f"{NIGHT_URL}/versions/2.pdf")
    assert again_v1.data == v1.data  # never overwritten
    assert v2.status_code == 200 and v2.data != v1.data
    assert boss.get(f"{NIGHT_URL}.pdf").data == v2.data  # the latest version
    assert boss.get(f"{NIGHT_URL}/versions/3.pdf").status_code == 404

    # Version 2's first page lists what changed since version 1; version 1 lacks the report.
    first_page = pdf_text(v2.data).split("Nattrapport – natten som började")[0]
    assert "Version 2: ändringar sedan version 1" in first_page
    assert "Kom in efter granskningen" in first_page and "Totalt: 1 rapport" in first_page
    assert "Rapport: Skadegörelse · Pågående störning" in first_page
    assert "Ändrat efter granskningen" in first_page and "Godkänd: Skadegörelse" in first_page
    assert LATE_TEXT in pdf_text(v2.data) and LATE_TEXT not in pdf_text(v1.data)
    assert "Detta är den sparade versionen 2." in pdf_text(v2.data)

    # Nothing new since version 2: marking again is refused and keeps both.
    refused = post(boss, f"{NIGHT_URL}/reviewed")
    assert refused.status_code == 409
    assert "inget har kommit in eller ändrats sedan version 2" in refused.get_data(as_text=True)
    log = page(boss, f"/review/shifts/{ids['shift']}")
    assert log.count("i version 2</span>") == 1 and "late-badge" not in log
    with seeded.app_context():
        versions = db.session.scalars(
            sa.select(NightReview.version).where(NightReview.night == NIGHT)
        ).all()
        assert sorted(versions) == [1, 2]


def test_every_kind_of_late_record_is_listed(seeded, boss, places, reviewed_night):
    """Check-ins, photos and SOS alerts that come in late count as much as reports."""
    ids = reviewed_night
    guard = ids["guard"]
    set_clock(seeded, SYNCED_LATE)
    checkin = guard.put(
        f"/api/v1/checkins/{new_id()}",
        json={
            "shift_id": ids["shift"],
            "checkpoint_id": places["cp2"],
            "method": "manual",
            "occurred_at": "2026-11-24T02:30:00+01:00",
        },
    )
    assert checkin.status_code == 201, checkin.json
    image = jpeg_bytes(320, 240)
    photo = guard.put(
        f"/api/v1/reports/{ids['lighting']}/photos/{ids['missing_photo']}",
        data=image,
        headers={"Content-Type": "image/jpeg", "Content-Digest": digest(image)},
    )
    assert photo.status_code == 201, photo.json
    sos = guard.put(
        f"/api/v1/sos/{new_id()}",
        json={"shift_id": ids["shift"], "occurred_at": "2026-11-24T03:10:00+01:00"},
    )
    assert sos.status_code in (200, 201), sos.json
    night = page(boss, NIGHT_URL)
    assert "Kom in efter granskningen: 1 foto, 1 incheckning, 1 SOS-larm</h2>" in night
    assert "Incheckning: " in night and "Foto: Trasig belysning" in night
    assert "SOS-larm: " in night
    # Nothing but arrivals: marking again still keeps version 2, listing them first.
    assert post(boss, f"{NIGHT_URL}/reviewed").status_code == 302
    first_page = pdf_text(boss.get(f"{NIGHT_URL}/versions/2.pdf").data).split("Sida 2")[0]
    assert "Totalt: 1 foto, 1 incheckning, 1 SOS-larm" in first_page
    assert "Ändrat efter granskningen Inget." in first_page


def test_night_reviewed_asks_first_when_reports_are_open(seeded, boss, api_as, places):
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    asked = post(boss, f"{NIGHT_URL}/reviewed")
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert "2 rapporter är inte granskade. Markera natten som granskad ändå?" in text
    for report_id in (ids["lighting"], ids["acute"]):
        assert f'href="/review/reports/{report_id}"' in text
    # The second form: its own CSRF token and the confirmation, no JavaScript needed.
    form = re.search(r'<form method="post" action="([^"]+)" class="mark-reviewed">(.*?)</form>', text, re.S)  # fmt: skip
    assert form and form.group(1) == f"{NIGHT_URL}/reviewed"
    assert 'name="csrf_token"' in form.group(2) and 'name="confirm" value="1"' in form.group(2)
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NightReview)) == 0

    # One approved: the question counts what is still open (singular).
    assert post(boss, f"/review/reports/{ids['acute']}/approve", comment="").status_code == 302
    text = post(boss, f"{NIGHT_URL}/reviewed").get_data(as_text=True)
    assert "1 rapport är inte granskad. Markera natten som granskad ändå?" in text
    assert f'href="/review/reports/{ids["lighting"]}"' in text
    assert f'href="/review/reports/{ids["acute"]}"' not in text

    assert boss.post(f"{NIGHT_URL}/reviewed", data={"confirm": "1"}).status_code == 403
    confirmed = post(boss, f"{NIGHT_URL}/reviewed", confirm="1")
    assert confirmed.status_code == 302
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NightReview)) == 1


# --- the owners' addendum and "Tidigare nätter" -----------------------------------------------

MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def world(seeded, smtp):
    seeded.config.update(smtp.config(), PUBLIC_URL=PUBLIC, MAIL_FROM="Nattpatrull <n@example.se>")
    set_clock(seeded, MORNING)
    return build_world(seeded)


def drain():
    while drain_outbox():
        pass


def to(smtp, address):
    return [m for _, rcpt, m in smtp.inbox.received if address in rcpt]


def body(message) -> str:
    part = message.get_body(("plain",)) if message.is_multipart() else message
    return part.get_content()


def test_the_addendum_goes_once_with_only_what_is_new_for_each_owner(seeded, world, smtp):
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        actions.mark_night_reviewed(OWNER_NIGHT, supervisor)  # version 1, the news
        drain()
    (first,) = to(smtp, "agare.a@example.se")
    assert len(to(smtp, "agare.b@example.se")) == 1

    set_clock(seeded, MORNING + timedelta(hours=2))
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        shift = db.session.get(Report, world["a_lamp"]).shift
        prop = db.session.get(Property, world["prop_a"])
        late = add_report(shift, prop, "vandalism", "disturbance", "Sent", MORNING)
        late.received_at = MORNING + timedelta(hours=2)  # synced at 11:00
        db.session.commit()
        actions.approve(late, supervisor, "", "LATE-FOR-THE-ADDENDUM")
        draft = db.session.get(Report, world["a_draft"])
        actions.approve(draft, supervisor, "", "APPROVED-AFTER-VERSION-ONE")
        review = actions.mark_night_reviewed(OWNER_NIGHT, supervisor)
        assert review.version == 2
        drain()
        # The signal heard again (a retry) and the 10:00 job send nothing more.
        night_reviewed.send(seeded, night=OWNER_NIGHT, by=supervisor, review=review, version=2)
        db.session.commit()
        drain()
    set_clock(seeded, MORNING + timedelta(hours=3))
    with seeded.app_context():
        run_due_jobs(by="test")
        drain()

    mails = to(smtp, "agare.a@example.se")
    assert len(mails) == 2 and mails[0]["Message-ID"] == first["Message-ID"]
    addendum = mails[1]
    assert addendum["Subject"] == (
        "Tillägg för natten mot tisdag 24 november: 2 nya rapporter för MKB Fastighets AB"
    )
    text = body(addendum)
    assert "Arbetsledaren har granskat natten mot tisdag 24 november igen" in text
    assert "LATE-FOR-THE-ADDENDUM" in text and "APPROVED-AFTER-VERSION-ONE" in text
    assert "Belysningen i entrén var trasig." not in text  # told in the first email
    assert "Belysningen i entrén var trasig." in body(first)
    # Owner B has nothing new at their property: no addendum.
    assert len(to(smtp, "agare.b@example.se")) == 1
    with seeded.app_context():
        rows = db.session.execute(
            sa.select(OwnerNews.user_id, OwnerNews.version, OwnerNews.kind).order_by(OwnerNews.id)
        ).all()
    assert (world["owner"], 2, "news") in rows and (world["owner_b"], 2, "skipped") in rows
    assert len([r for r in rows if r.version == 2]) == 2


def test_reports_approved_after_the_mail_go_under_earlier_nights(seeded, world, smtp):
    """The night is never marked reviewed: the 10:00 email goes, a report is approved at
    11:00, and the next morning's email lists it under "Tidigare nätter", once."""
    set_clock(seeded, datetime(2026, 11, 24, 9, 1, tzinfo=UTC))
    with seeded.app_context():
        run_due_jobs(by="test")
        drain()
    assert len(to(smtp, "agare.a@example.se")) == 1
    assert DRAFT_WORD not in body(to(smtp, "agare.a@example.se")[0])

    set_clock(seeded, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        actions.approve(db.session.get(Report, world["a_draft"]), supervisor, "", DRAFT_WORD)

    for day in (25, 26):  # the next morning's email, and the one after (nothing repeated)
        set_clock(seeded, datetime(2026, 11, day, 9, 1, tzinfo=UTC))
        with seeded.app_context():
            run_due_jobs(by="test")
            drain()
    mails = to(smtp, "agare.a@example.se")
    assert len(mails) == 2
    later = mails[1]
    assert later["Subject"] == "1 rapport från tidigare nätter för MKB Fastighets AB"
    text = body(later)
    assert "Tidigare nätter" in text and "Natten 2026-11-23" in text and DRAFT_WORD in text
    assert "Inget att rapportera" not in text
    assert len(to(smtp, "agare.b@example.se")) == 1  # nothing later for B


DRAFT_WORD = "APPROVED-THE-DAY-AFTER"


@pytest.mark.parametrize("kind", DATABASES)
def test_the_migration_keeps_existing_rows_as_version_one(kind, tmp_path, smtp):
    """0015 on a database that has a kept night and owner emails (made under 0014, simulated by
    going down to 0014 and up again): the rows become version 1, and the emails are taken to
    have told of the reports approved when they were written, so no addendum repeats them."""
    from alembic import command

    from patrol.migrate import alembic_config, upgrade_database
    from patrol.owners.models import OwnerNewsItem

    with fresh_database(kind, tmp_path, "patrol_versions") as url:
        upgrade_database(url)
        app = make_test_app(url, tmp_path)
        try:
            seed_everyone(app)
            app.config.update(smtp.config(), PUBLIC_URL=PUBLIC, MAIL_FROM="N <n@example.se>")
            set_clock(app, MORNING)
            world = build_world(app)
            with app.app_context():
                supervisor = db.session.get(User, world["supervisor"])
                actions.mark_night_reviewed(OWNER_NIGHT, supervisor)
            engine_of(app).dispose()
            command.downgrade(alembic_config(url), "0015_owner_visible_name")
            command.upgrade(alembic_config(url), "heads")
            with app.app_context():
                kept = db.session.execute(sa.select(NightReview.night, NightReview.version)).all()
                assert kept == [(OWNER_NIGHT, 1)]
                news = db.session.execute(
                    sa.select(OwnerNews.user_id, OwnerNews.version, OwnerNews.kind)
                ).all()
                assert sorted(news) == sorted(
                    [(world["owner"], 1, "news"), (world["owner_b"], 1, "news")]
                )
                told = db.session.execute(
                    sa.select(OwnerNews.user_id, OwnerNewsItem.report_id).join(
                        OwnerNews, OwnerNews.id == OwnerNewsItem.owner_news_id
                    )
                ).all()
                assert sorted(told, key=str) == sorted(
                    [
                        (world["owner"], world["a_lamp"]),
                        (world["owner"], world["a_graffiti"]),
                        (world["owner_b"], world["b_window"]),
                    ],
                    key=str,
                )
        finally:
            engine_of(app).dispose()
