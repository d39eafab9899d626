"""Admin pages: the start page (owners and areas) and the owner and area forms."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from patrol.admin import actions
from patrol.admin.pages import bp, entity_form, get_or_404
from patrol.admin.schemas import (
    AreaIn,
    OrganizationIn,
)
from patrol.db import db
from patrol.sites.models import Area, Organization, Property

# --- start page: owners and areas -------------------------------------------------------------


@bp.get("/")
def index():
    organizations = db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()
    areas = db.session.scalars(sa.select(Area).order_by(Area.name)).all()
    property_counts = dict(
        db.session.execute(
            sa.select(Property.area_id, sa.func.count()).group_by(Property.area_id)
        ).all()
    )
    owner_counts = dict(
        db.session.execute(
            sa.select(Property.organization_id, sa.func.count()).group_by(Property.organization_id)
        ).all()
    )
    area_ids = [a.id for a in areas]
    return render_template(
        "admin/index.html",
        organizations=organizations,
        areas=areas,
        property_counts=property_counts,
        owner_counts=owner_counts,
        checkins=actions.checkin_counts(Property.area_id, area_ids),
        reports=actions.report_counts(Property.area_id, area_ids),
        owner_checkins=actions.checkin_counts(
            Property.organization_id, [o.id for o in organizations]
        ),
        owner_reports=actions.report_counts(
            Property.organization_id, [o.id for o in organizations]
        ),
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
def organization(org_id: int | None = None):
    org = get_or_404(Organization, org_id) if org_id else Organization()
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(OrganizationIn(), ("name",))
        errors = errors or actions.save_organization(org, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.organization", org_id=org.id))
        db.session.rollback()
    properties = (
        db.session.scalars(
            sa.select(Property).where(Property.organization_id == org.id).order_by(Property.name)
        ).all()
        if org.id
        else []
    )
    return render_template(
        "admin/organization.html", org=org, errors=errors, properties=properties
    ), (422 if errors else 200)


@bp.route("/areas/new", methods=["GET", "POST"])
@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
def area(area_id: int | None = None):
    area = get_or_404(Area, area_id) if area_id else Area()
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(AreaIn(), AREA_FORM_FIELDS, lists=("day_crew_emails",))
        errors = errors or actions.save_area(area, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.area", area_id=area.id))
        db.session.rollback()
    properties = area.properties if area.id else []
    ids = [p.id for p in properties]
    return render_template(
        "admin/area.html",
        area=area,
        errors=errors,
        properties=properties,
        checkins=actions.checkin_counts(Property.id, ids),
        reports=actions.report_counts(Property.id, ids),
    ), (422 if errors else 200)


AREA_FORM_FIELDS = (
    "name",
    "city",
    "day_crew_emails",
    "duty_phone",
    "silence_minutes",
    "sos_escalation_minutes",
    "silence_escalation_minutes",
)
