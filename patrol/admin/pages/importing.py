"""Admin pages: the CSV import (template, preview, apply) and its answer to an oversized file."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from patrol.admin import importer
from patrol.admin.pages import bp
from patrol.db import db
from patrol.sites.models import Area

# --- import ----------------------------------------------------------------------------------


def render_import(preview=None, error=None, text=None, status=200):
    return render_template(
        "admin/import.html",
        preview=preview,
        error=error,
        text=text,
        create_owners=create_owners_ticked(),
        area_id=int_arg_form("area"),
        areas=db.session.scalars(
            sa.select(Area).where(Area.active.is_(True)).order_by(Area.name)
        ).all(),
        max_mb=importer.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), status


def int_arg_form(name: str) -> int | None:
    value = (request.values.get(name) or "").strip()
    return int(value) if value.isdecimal() and value.isascii() and len(value) < 10 else None


def create_owners_ticked() -> bool:
    """ "Skapa nya ägare" on the upload form (carried to "Importera" by the preview): only then
    may an owner name that does not exist become a new owner."""
    return request.form.get("create_owners") == "1"


@bp.get("/import")
def import_page():
    return render_import()


@bp.get("/import/template.csv")
def import_template():
    return Response(
        importer.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="nattpatrull-import.csv"'},
    )


@bp.post("/import")
def import_preview():
    """Step 1: every row's outcome, nothing stored yet."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_import(error=gettext("Choose a CSV file."), status=422)
    text, error = importer.decode_upload(upload.read(importer.MAX_UPLOAD_BYTES + 1))
    if error:
        return render_import(error=error, status=422)
    preview = importer.preview(text, int_arg_form("area"), create_owners_ticked())
    if preview.error:
        return render_import(error=preview.error, status=422)
    return render_import(preview=preview, text=text)


@bp.post("/import/apply")
def import_apply():
    """Step 2, "Importera": the rows without errors, in one transaction."""
    result = importer.apply(
        request.form.get("text") or "", int_arg_form("area"), create_owners_ticked()
    )
    if result.error:
        return render_import(error=result.error, status=422)
    flash(
        gettext(
            "Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged, "
            "%(error)d rows with errors left out.",
            **result.counts,
        ),
        "notice",
    )
    return redirect(url_for("admin.import_page"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """An upload over the limit: a clear message on the import page, nothing stored."""
    message = gettext(
        "The file is too large (at most %(mb)d MB). Import the properties in several files.",
        mb=importer.MAX_UPLOAD_BYTES // (1024 * 1024),
    )
    return render_template(
        "admin/import.html",
        preview=None,
        error=message,
        text=None,
        create_owners=False,
        area_id=None,
        areas=[],
        max_mb=importer.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), 413
