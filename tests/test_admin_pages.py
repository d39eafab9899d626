"""The admin pages (issue 9): who may open and change them, the forms' checks, deactivation,
search and counts, users, and the audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.auth.models import User
from patrol.sites.models import Area, Checkpoint, Organization, Property
from tests.support.admin import check_in, count, one_time_password, scalar, start_shift
from tests.support.app import TEST_PASSWORD, Api

PAGES = (
    "/admin/",
    "/admin/properties",
    "/admin/properties?q=entr",
    "/admin/users",
    "/admin/users/new",
    "/admin/audit",
    "/admin/import",
    "/admin/areas/new",
    "/admin/organizations/new",
)


def first(app, model):
    return scalar(app, sa.select(model.id).order_by(model.id))


def all_pages(app) -> list[str]:
    property_id = first(app, Property)
    return [
        *PAGES,
        f"/admin/areas/{first(app, Area)}",
        f"/admin/organizations/{first(app, Organization)}",
        f"/admin/properties/{property_id}",
        f"/admin/properties/new?area={first(app, Area)}",
        f"/admin/properties/{property_id}/checkpoints/new",
        f"/admin/checkpoints/{first(app, Checkpoint)}",
        f"/admin/users/{first(app, User)}",
    ]


def test_admin_opens_every_page(api_as, seeded):
    admin = api_as("admin")
    for url in all_pages(seeded):
        page = admin.get(url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        assert 'lang="sv"' in html
        assert "Endast läsning" not in html and " disabled" not in html, url
        assert 'value="None"' not in html, url


def test_supervisor_reads_without_forms_that_change_anything(api_as, seeded):
    supervisor = api_as("supervisor")
    for url in all_pages(seeded):
        html = supervisor.get(url).get_data(as_text=True)
        assert "Endast läsning" in html, url
        # Only the top bar's own forms post (theme, log out): no form here changes anything.
        assert html.count('method="post"') == 2, url
        # (The change log's filter offers "Avaktiverad" as an action to search for: the
        # button's own word, between tags, is what must be missing.)
        assert ">Spara<" not in html and ">Avaktivera<" not in html, url
    area_id = first(seeded, Area)
    for url, data in (
        (f"/admin/areas/{area_id}", {"name": "X", "city": "Y"}),
        (f"/admin/areas/{area_id}/active", {"active": "0"}),
        ("/admin/users/new", {"username": "x", "display_name": "x", "role": "guard"}),
        (f"/admin/checkpoints/{first(seeded, Checkpoint)}/rotate", {}),
    ):
        assert supervisor.post(url, data=data).status_code == 403, url
    assert scalar(seeded, sa.select(Area.name).where(Area.id == area_id)) == "Södra Sofielund"


@pytest.mark.parametrize("role", ["guard", "owner", "crew"])
def test_guards_owners_and_crew_get_403(seeded, role):
    from patrol.auth.actions import create_user

    with seeded.app_context():
        if role == "crew":
            create_user("dagpersonal", TEST_PASSWORD, "crew")
    api = Api(seeded)
    assert api.login({"crew": "dagpersonal"}.get(role, role)).status_code == 200
    for url in ("/admin/", "/admin/users", "/admin/stickers.pdf?area=1", "/admin/audit"):
        assert api.get(url).status_code == 403, url
    assert api.post("/admin/areas/new", data={"name": "x", "city": "y"}).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client, seeded):
    answer = client.get("/admin/users")
    assert answer.status_code == 302
    assert "/login?next=/admin/users" in answer.headers["Location"]


def test_every_form_needs_the_csrf_token(api_as, seeded):
    admin = api_as("admin")
    answer = admin.client.post("/admin/areas/new", data={"name": "Rosengård", "city": "Malmö"})
    assert answer.status_code == 403
    assert count(seeded, Area, Area.name == "Rosengård") == 0


def test_bad_input_gets_a_swedish_message_on_the_field_and_changes_nothing(api_as, seeded):
    admin = api_as("admin")
    area_id, org_id = first(seeded, Area), first(seeded, Organization)
    answer = admin.post(
        "/admin/areas/new",
        data={"name": "", "city": "Malmö", "duty_phone": "ring mig", "day_crew_emails": "x@"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Fyll i fältet." in html
    assert "Skriv ett telefonnummer" in html
    assert "Ingen giltig e-postadress." in html
    property_form = {
        "area_id": area_id,
        "organization_id": org_id,
        "name": "Nygatan 1",
        "address": "Nygatan 1, Malmö",
        "lat": "91",
        "lon": "13",
    }
    answer = admin.post("/admin/properties/new", data=property_form)
    assert answer.status_code == 422
    assert "Måste vara mellan -90 och 90." in answer.get_data(as_text=True)
    answer = admin.post("/admin/properties/new", data=property_form | {"lat": "55.6", "lon": ""})
    assert "Ange både latitud och longitud" in answer.get_data(as_text=True)
    assert count(seeded, Property, Property.name == "Nygatan 1") == 0

    property_id = first(seeded, Property)
    taken = scalar(seeded, sa.select(Checkpoint.short_code).order_by(Checkpoint.id))
    for data, message in (
        ({"label": "Port", "short_code": taken, "radius_m": "30"}, "används redan"),
        ({"label": "Port", "short_code": "NY1", "radius_m": "0"}, "Måste vara mellan 1 och 5000."),
        ({"label": "", "short_code": "NY1", "radius_m": "30"}, "Fyll i fältet."),
        ({"label": "Port", "short_code": "Å1", "radius_m": "30"}, "inga Å, Ä, Ö"),
    ):
        answer = admin.post(f"/admin/properties/{property_id}/checkpoints/new", data=data)
        assert answer.status_code == 422, data
        assert message in answer.get_data(as_text=True), data
    assert count(seeded, Checkpoint, Checkpoint.label == "Port") == 0
    assert count(seeded, AuditEvent) == 0


def test_create_edit_and_audit_the_whole_chain(api_as, seeded):
    admin = api_as("admin")
    answer = admin.post("/admin/organizations/new", data={"name": "Trianon"})
    assert answer.status_code == 302
    org_id = scalar(seeded, sa.select(Organization.id).where(Organization.name == "Trianon"))
    answer = admin.post(
        "/admin/areas/new",
        data={
            "name": "Rosengård",
            "city": "Malmö",
            "duty_phone": "040-123 45 67",
            "day_crew_emails": "drift@example.se\nfelanmalan@example.se",
        },
    )
    assert answer.status_code == 302
    area_id = scalar(seeded, sa.select(Area.id).where(Area.name == "Rosengård"))
    with seeded.app_context():
        from patrol.db import db

        area = db.session.get(Area, area_id)
        assert area.day_crew_emails == ["drift@example.se", "felanmalan@example.se"]
    answer = admin.post(
        "/admin/properties/new",
        data={
            "area_id": area_id,
            "organization_id": org_id,
            "name": "Ramels väg 1",
            "address": "Ramels väg 1, Malmö",
            "lat": "55.5812",
            "lon": "13.0311",
            "position_accuracy_m": "6",
            "instructions": "Larmet i källaren går till Securitas.",
        },
    )
    assert answer.status_code == 302
    property_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    answer = admin.post(
        f"/admin/properties/{property_id}/checkpoints/new",
        data={"label": "Entré A", "short_code": "ro1", "radius_m": "30"},
    )
    assert answer.status_code == 302
    checkpoint_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    assert (
        scalar(seeded, sa.select(Checkpoint.short_code).where(Checkpoint.id == checkpoint_id))
        == "RO1"
    )

    answer = admin.post(
        f"/admin/checkpoints/{checkpoint_id}",
        data={"label": "Entré B", "short_code": "RO1", "radius_m": "35"},
    )
    assert answer.status_code == 302
    audit = admin.get("/admin/audit").get_data(as_text=True)
    for text in ("Entré A", "Entré B", "Ramels väg 1", "Rosengård", "Trianon", "Admin Demo"):
        assert text in audit
    assert "<del>Entré A</del> → <ins>Entré B</ins>" in audit
    assert count(seeded, AuditEvent) == 5

    found = admin.get("/admin/properties?q=ro1").get_data(as_text=True)
    assert "Ramels väg 1" in found and "Rasmusgatan" not in found


def test_counts_of_check_ins_and_reports(api_as, seeded):
    guard = api_as("guard")
    admin = api_as("admin")
    with seeded.app_context():
        from patrol.db import db

        point = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        token, point_id, property_id = point.token, point.id, point.property_id
    shift = start_shift(guard)
    assert check_in(guard, shift, checkpoint_token=token).status_code == 201
    assert check_in(guard, shift, checkpoint_token=token).status_code == 201
    page = admin.get(f"/admin/checkpoints/{point_id}").get_data(as_text=True)
    assert "2 incheckningar" in page
    for url in (f"/admin/properties/{property_id}", "/admin/"):
        page = admin.get(url).get_data(as_text=True)
        assert 'data-label="Incheckningar">2</td>' in page, url


def test_deactivate_keeps_rows_and_records(api_as, seeded):
    admin = api_as("admin")
    point_id = first(seeded, Checkpoint)
    answer = admin.post(f"/admin/checkpoints/{point_id}/active", data={"active": "0"})
    assert answer.status_code == 302
    assert scalar(seeded, sa.select(Checkpoint.active).where(Checkpoint.id == point_id)) is False
    assert "inaktiv" in admin.get(f"/admin/checkpoints/{point_id}").get_data(as_text=True)
    admin.post(f"/admin/checkpoints/{point_id}/active", data={"active": "1"})
    assert scalar(seeded, sa.select(Checkpoint.active).where(Checkpoint.id == point_id)) is True
    assert (
        admin.post(f"/admin/checkpoints/{point_id}/active", data={"active": "x"}).status_code == 400
    )
    assert admin.post("/admin/checkpoints/999999/active", data={"active": "0"}).status_code == 404


# --- users -------------------------------------------------------------------------------------


def new_user_form(**over):
    form = {
        "username": "nyvakt",
        "display_name": "Ny Väktare",
        "role": "guard",
        "email": "ny@example.se",
        "language": "sv",
        "email_prefs": ["acute_alerts"],
    }
    form.update(over)
    return form


def test_create_a_guard_with_a_one_time_password(api_as, seeded):
    admin = api_as("admin")
    area_id = first(seeded, Area)
    answer = admin.post("/admin/users/new", data=new_user_form(area_ids=[str(area_id)]))
    assert answer.status_code == 201
    password = one_time_password(answer.get_data(as_text=True))
    # Shown once: the user's page afterwards does not show it.
    user_id = scalar(seeded, sa.select(User.id).where(User.username == "nyvakt"))
    assert password not in admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    with seeded.app_context():
        from patrol.db import db

        user = db.session.get(User, user_id)
        assert user.must_change_password and user.email_prefs == ["acute_alerts"]
        assert [a.id for a in user.areas] == [area_id]
    guard = Api(seeded)
    assert guard.login("nyvakt", password).status_code == 200
    assert guard.get("/").status_code == 302  # to the change-password page first


def test_user_form_checks(api_as, seeded):
    admin = api_as("admin")
    for form, message in (
        (new_user_form(username="guard"), "Användarnamnet är upptaget."),
        (new_user_form(username="Guard"), "Användarnamnet är upptaget."),
        (new_user_form(role="owner"), "En ägaranvändare hör till en organisation"),
        (new_user_form(role="emperor"), "Välj i listan."),
        (new_user_form(email="inte-en-adress"), "Ingen giltig e-postadress."),
        (new_user_form(username="a b"), "2–80 bokstäver"),
    ):
        answer = admin.post("/admin/users/new", data=form)
        assert answer.status_code == 422, form
        assert message in answer.get_data(as_text=True), form
    assert count(seeded, User, User.username == "nyvakt") == 0


def test_owner_and_crew_users(api_as, seeded):
    admin = api_as("admin")
    org_id = first(seeded, Organization)
    answer = admin.post(
        "/admin/users/new",
        data=new_user_form(username="mkb", role="owner", organization_id=str(org_id)),
    )
    assert answer.status_code == 201
    answer = admin.post("/admin/users/new", data=new_user_form(username="dag", role="crew"))
    assert answer.status_code == 201
    assert scalar(seeded, sa.select(User.role).where(User.username == "dag")) == "crew"
    assert scalar(seeded, sa.select(User.organization_id).where(User.username == "mkb")) == org_id


def test_the_last_active_admin_stays(api_as, seeded):
    admin = api_as("admin")
    admin_id = scalar(seeded, sa.select(User.id).where(User.username == "admin"))
    answer = admin.post(f"/admin/users/{admin_id}/active", data={"active": "0"})
    assert answer.status_code == 409
    assert "Den sista aktiva administratören" in answer.get_data(as_text=True)
    answer = admin.post(
        f"/admin/users/{admin_id}",
        data=new_user_form(username="admin", display_name="Admin Demo", role="guard"),
    )
    assert answer.status_code == 422
    assert scalar(seeded, sa.select(User.role).where(User.id == admin_id)) == "admin"
    assert scalar(seeded, sa.select(User.active).where(User.id == admin_id)) is True
    # With a second admin, the first may go.
    admin.post("/admin/users/new", data=new_user_form(username="admin2", role="admin"))
    answer = admin.post(f"/admin/users/{admin_id}/active", data={"active": "0"})
    assert answer.status_code == 302


def test_users_page_shows_who_is_on_shift_and_last_sync(api_as, seeded):
    guard = api_as("guard")
    admin = api_as("admin")
    shift = start_shift(guard, started_at=_recent())
    assert shift
    html = admin.get("/admin/users").get_data(as_text=True)
    row = html.split(">guard<", 1)[1].split("</tr>", 1)[0]
    assert "i tjänst" in row
    assert "20" in row  # a year in the "last synced" column


def _recent() -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(minutes=30)).isoformat()


def test_audit_events_are_kept_as_written(api_as, seeded):
    """Append-only: the ORM refuses to change or delete an event (and on PostgreSQL a trigger
    refuses any SQL that tries)."""
    from patrol.db import db

    admin = api_as("admin")
    admin.post("/admin/organizations/new", data={"name": "Trianon"})
    with seeded.app_context():
        event = db.session.scalar(sa.select(AuditEvent))
        event.entity_name = "något annat"
        with pytest.raises(RuntimeError):
            db.session.commit()
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(sa.exc.DBAPIError):
                db.session.execute(sa.text("DELETE FROM audit_events"))
            db.session.rollback()
    assert count(seeded, AuditEvent, AuditEvent.entity_name == "Trianon") == 1


def test_a_users_preferred_language_is_used_where_the_device_chose_none(api_as, seeded):
    admin = api_as("admin")
    guard_id = scalar(seeded, sa.select(User.id).where(User.username == "guard"))
    answer = admin.post(
        f"/admin/users/{guard_id}",
        data={
            "username": "guard",
            "display_name": "Väktare Demo",
            "role": "guard",
            "language": "en",
        },
    )
    assert answer.status_code == 302
    guard = api_as("guard")
    assert guard.get("/api/v1/sites/x").json["message"] == "Not found."
    guard.client.set_cookie("lang", "sv")
    assert guard.get("/api/v1/sites/x").json["message"] == "Hittades inte."


def test_hostile_input_gets_4xx_and_stores_nothing(api_as, seeded):
    """Issue 15's classes on the admin pages: ids beyond the column, text the database cannot
    hold, special numbers, odd query strings."""
    admin = api_as("admin")
    for url in (
        "/admin/checkpoints/99999999999999999999",
        "/admin/users/2147483648",
        "/admin/areas/4294967296",
        "/admin/properties/99999999999",
    ):
        assert admin.get(url).status_code == 404, url
    assert admin.post("/admin/checkpoints/99999999999999999999/rotate").status_code == 404
    for query in ("q=\u0663", "q=" + "9" * 20):
        assert admin.get(f"/admin/properties?{query}").status_code == 200, query
    # A NUL is refused before any view runs (patrol/params.py), on every page alike.
    assert admin.get("/admin/properties?q=%00").status_code == 400
    assert admin.get("/admin/audit?page=99999999999999999999").status_code == 200
    assert admin.post("/admin/organizations/new", data={"name": "Tri\x00anon"}).status_code == 400
    answer = admin.post(
        "/admin/properties/new",
        data={
            "area_id": "99999999999999999999",
            "organization_id": str(first(seeded, Organization)),
            "name": "X",
            "address": "Y",
            "lat": "nan",
            "lon": "inf",
        },
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Välj i listan." in html and "Skriv ett tal" in html
    answer = admin.post(
        "/admin/users/new", data=new_user_form(area_ids=["99999999999"], organization_id="-1")
    )
    assert answer.status_code == 422
    assert count(seeded, Organization, Organization.name.like("Tri%")) == 0
    assert count(seeded, AuditEvent) == 0
