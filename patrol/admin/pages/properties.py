"""Admin pages: the property list (search, filters) and the property form."""

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
from sqlalchemy.orm import selectinload

from patrol.admin import actions
from patrol.admin.pages import bp, entity_form, get_or_404, int_arg
from patrol.admin.schemas import (
    PropertyIn,
    unstorable,
)
from patrol.db import db
from patrol.reports.models import Report
from patrol.sites.models import Area, Checkpoint, Organization, Property

SEARCH_LIMIT = 200


# --- properties ------------------------------------------------------------------------------


@bp.get("/properties")
def properties():
    """Search properties and checkpoints by name, address, owner's id, label or short code."""
    # Characters no column can hold could match nothing anyway (and PostgreSQL refuses them).
    q = "".join(c for c in (request.args.get("q") or "") if not unstorable(c)).strip()[:100]
    query = (
        sa.select(Property)
        .options(selectinload(Property.area), selectinload(Property.organization))
        .order_by(Property.name)
        .limit(SEARCH_LIMIT)
    )
    if q:
        like = f"%{q.lower()}%"
        in_checkpoints = sa.select(Checkpoint.property_id).where(
            sa.or_(
                sa.func.lower(Checkpoint.label).like(like),
                sa.func.lower(Checkpoint.short_code).like(like),
            )
        )
        query = query.where(
            sa.or_(
                sa.func.lower(Property.name).like(like),
                sa.func.lower(Property.address).like(like),
                sa.func.lower(sa.func.coalesce(Property.owner_ref, "")).like(like),
                Property.id.in_(in_checkpoints),
            )
        )
    found = db.session.scalars(query).all()
    ids = [p.id for p in found]
    return render_template(
        "admin/properties.html",
        q=q,
        properties=found,
        checkins=actions.checkin_counts(Property.id, ids),
        reports=actions.report_counts(Property.id, ids),
    )


PROPERTY_FORM_FIELDS = (
    "area_id",
    "organization_id",
    "name",
    "address",
    "owner_ref",
    "lat",
    "lon",
    "position_accuracy_m",
    "instructions",
)


@bp.route("/properties/new", methods=["GET", "POST"])
@bp.route("/properties/<int:property_id>", methods=["GET", "POST"])
def property_page(property_id: int | None = None):
    prop = get_or_404(Property, property_id) if property_id else Property(area_id=int_arg("area"))
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(PropertyIn(), PROPERTY_FORM_FIELDS)
        errors = errors or actions.save_property(prop, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.property_page", property_id=prop.id))
        db.session.rollback()
    checkpoints = prop.checkpoints if prop.id else []
    ids = [c.id for c in checkpoints]
    return render_template(
        "admin/property.html",
        prop=prop,
        errors=errors,
        form=request.form if errors else None,
        areas=db.session.scalars(sa.select(Area).order_by(Area.name)).all(),
        organizations=db.session.scalars(sa.select(Organization).order_by(Organization.name)).all(),
        checkpoints=checkpoints,
        checkins=actions.checkin_counts(Checkpoint.id, ids),
        reports=actions.report_counts(Report.checkpoint_id, ids),
    ), (422 if errors else 200)
