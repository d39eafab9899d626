"""One list of category and level words on the server (patrol/labels.py): the push message, the
review pages, the alerts page and the CSV all say the same thing for the same code, in Swedish
and in English (issue 8, defect 4: push once had its own English word for `intrusion`)."""

from __future__ import annotations

import csv
import html
import io
import uuid

import pytest
from flask_babel import force_locale

from patrol.db import db
from patrol.labels import CATEGORY_LABELS, LEVEL_LABELS
from patrol.reports.models import CATEGORIES
from patrol.shifts.models import Shift
from tests.support import push as push_fixtures
from tests.support.push import drain, first_property, messages, put_report, start_shift
from tests.support.push_service import Subscriber

push_app = push_fixtures.push_app
push_service = push_fixtures.push_service


def words(app, labels: dict, code: str, locale: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return str(labels[code])


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_push_pages_and_csv_name_every_category_alike(push_app, api_as, push_service, locale):
    supervisor = api_as("supervisor")
    sub = Subscriber(push_service)
    response = supervisor.post(f"/api/v1/push/subscriptions?lang={locale}", json=sub.to_json())
    assert response.status_code == 201, response.json
    guard = api_as("guard")
    shift_id = start_shift(guard)
    prop = first_property(push_app)
    report_ids = {code: put_report(guard, shift_id, prop, category=code) for code in CATEGORIES}
    drain(push_app)

    titles = {m.payload["tag"]: m.payload["title"] for m in messages(push_app)}
    alerts = supervisor.get(f"/push/alerts?lang={locale}").get_data(as_text=True)
    for code, report_id in report_ids.items():
        category = words(push_app, CATEGORY_LABELS, code, locale)
        assert category in titles[f"acute-{report_id}"], (code, locale)
        page = supervisor.get(f"/review/reports/{report_id}?lang={locale}")
        assert page.status_code == 200
        assert html.escape(category) in page.get_data(as_text=True), (code, locale)
        assert html.escape(words(push_app, LEVEL_LABELS, "acute", locale)) in page.get_data(
            as_text=True
        )
        assert html.escape(category) in alerts, (code, locale)

    # The CSV is Swedish whatever the page language; its words are the Swedish list's.
    with push_app.app_context():
        night_date = db.session.get(Shift, uuid.UUID(shift_id)).night.isoformat()
    raw = supervisor.get(f"/review/export.csv?from={night_date}&to={night_date}&lang={locale}")
    rows = list(csv.DictReader(io.StringIO(raw.get_data().decode("utf-8-sig")), delimiter=";"))
    by_id = {row["Rapport-id"]: row for row in rows}
    for code, report_id in report_ids.items():
        assert by_id[report_id]["Kategori (väktare)"] == words(
            push_app, CATEGORY_LABELS, code, "sv"
        )
        assert by_id[report_id]["Nivå (väktare)"] == words(push_app, LEVEL_LABELS, "acute", "sv")
