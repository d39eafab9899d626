"""Evidence routes: the night's evidence file, the police record of one report, and the
public keys that verify the signed roots."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, request
from flask_babel import gettext

from patrol.db import db
from patrol.errors import ApiError
from patrol.evidence.keys import signer
from patrol.evidence.models import NightSeal
from patrol.params import iso_date
from patrol.security import public, reviewer_page

bp = Blueprint("evidence", __name__)


def parse_night(text: str):
    try:
        return iso_date(text)
    except ValueError:
        abort(404)


@bp.get("/review/nights/<night>/evidence.zip")
@reviewer_page
def evidence_file(night: str):
    """The latest signed version (or ?version=N) of the night, to check offline."""
    from patrol.evidence.export import evidence_zip

    night_date = parse_night(night)
    version = request.args.get("version")
    if version is not None and (not version.isascii() or not version.isdigit() or len(version) > 6):
        raise ApiError(400, gettext("The version must be a whole number."))
    made = evidence_zip(night_date, int(version) if version else None)
    if made is None:
        raise ApiError(404, gettext("This night has no signed version yet: mark it reviewed."))
    seal, data = made
    filename = f"nattpatrull-bevis-{night_date.isoformat()}-v{seal.version}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Evidence-Root": seal.root,
            "X-Evidence-Key-Id": seal.key_id,
        },
    )


@bp.get("/review/reports/<uuid:report_id>/police.pdf")
@reviewer_page
def police_pdf(report_id: uuid.UUID):
    """ "Underlag till polisen": one report's record with its proof path."""
    from patrol.evidence.police import police_record_pdf

    data = police_record_pdf(report_id)
    if data is None:
        abort(404)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="underlag-polisen-{report_id}.pdf"',
        },
    )


@bp.get("/.well-known/nattpatrull-keys.json")
@public
def public_keys():
    """The current signing key and every key a kept seal was made with (rotation: old keys
    stay listed, so older roots keep verifying)."""
    current = signer()
    keys = {current.key_id: {"key_id": current.key_id, "public_key": current.public_key}}
    for key_id, public_key in db.session.execute(
        sa.select(NightSeal.key_id, NightSeal.public_key).distinct()
    ):
        keys.setdefault(key_id, {"key_id": key_id, "public_key": public_key})
    for key in keys.values():
        key["algorithm"] = "Ed25519"
        key["current"] = key["key_id"] == current.key_id
    response = jsonify({"keys": sorted(keys.values(), key=lambda k: not k["current"])})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
