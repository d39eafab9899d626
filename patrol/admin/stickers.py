"""QR stickers on A4: each with the QR code of the checkpoint's `/c/<token>` link, its label,
its property and its short code in large type (typed when the camera fails).

The link's host is PATROL_PUBLIC_URL (the address phones reach the server by); without it,
in development, the host this request came to.
"""

from __future__ import annotations

import io

import segno
import sqlalchemy as sa
from flask import current_app, request
from fpdf import FPDF

from patrol.db import db
from patrol.pdf import body_fonts, find_font, latin1
from patrol.sites.models import Checkpoint, Property

COLUMNS, ROWS = 2, 4
MARGIN_MM = 10
QR_MM = 48
MAX_CHECKPOINT_IDS = 500


def public_url() -> str:
    configured = current_app.config.get("PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def checkin_url(token: str) -> str:
    return f"{public_url()}/c/{token}"


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdecimal() and v.isascii() and len(v) < 10]


def chosen_checkpoints(args) -> list[Checkpoint]:
    """The active checkpoints of ?area=, ?property= or ?checkpoint=ID (repeated), in the
    order a patrol walks them: property by property, label by label."""
    query = (
        sa.select(Checkpoint)
        .join(Property, Checkpoint.property_id == Property.id)
        .where(Checkpoint.active.is_(True))
        .order_by(Property.name, Checkpoint.label, Checkpoint.id)
    )
    area_ids = _ids(args.getlist("area"))
    property_ids = _ids(args.getlist("property"))
    checkpoint_ids = _ids(args.getlist("checkpoint"))[:MAX_CHECKPOINT_IDS]
    if not (area_ids or property_ids or checkpoint_ids):
        return []
    query = query.where(
        sa.or_(
            Property.area_id.in_(area_ids),
            Property.id.in_(property_ids),
            Checkpoint.id.in_(checkpoint_ids),
        )
    )
    return list(db.session.scalars(query))


def qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    return buffer


class StickerPdf(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        font = find_font(current_app.config.get("PDF_FONT"))
        if font:
            body_fonts(self, *font)  # parsed once per process (patrol/pdf.py)
            self.family, self.clean = "Body", str
        else:
            self.family, self.clean = "Helvetica", latin1
        self.set_title("Nattpatrull QR")
        self.set_creator("Nattpatrull")

    def sticker(self, x: float, y: float, width: float, height: float, point: Checkpoint):
        self.set_draw_color(180)
        self.set_line_width(0.2)
        self.rect(x, y, width, height)  # cutting line
        url = checkin_url(point.token)
        self.image(qr_png(url), x=x + 3, y=y + (height - QR_MM) / 2, w=QR_MM, h=QR_MM)
        text_x, text_w = x + QR_MM + 6, width - QR_MM - 9
        self.set_xy(text_x, y + 6)
        self.set_font(self.family, "B", 14)
        self.multi_cell(text_w, 6, self.clean(point.label), new_x="LEFT", new_y="NEXT")
        self.set_font(self.family, "", 10)
        self.multi_cell(text_w, 5, self.clean(point.property.name), new_x="LEFT", new_y="NEXT")
        self.set_xy(text_x, y + height - 24)
        self.set_font(self.family, "", 8)
        self.cell(text_w, 4, self.clean("Kod / Code"), new_x="LEFT", new_y="NEXT")
        self.set_font(self.family, "B", 26)
        self.cell(text_w, 12, self.clean(point.short_code), new_x="LEFT", new_y="NEXT")
        self.set_font(self.family, "", 7)
        self.set_text_color(90)
        self.cell(text_w, 4, "Nattpatrull")
        self.set_text_color(0)


def render_pdf(points: list[Checkpoint]) -> bytes:
    pdf = StickerPdf()
    width = (210 - 2 * MARGIN_MM) / COLUMNS
    height = (297 - 2 * MARGIN_MM) / ROWS
    per_page = COLUMNS * ROWS
    for index, point in enumerate(points):
        if index % per_page == 0:
            pdf.add_page()
        cell = index % per_page
        column, row = cell % COLUMNS, cell // COLUMNS
        pdf.sticker(MARGIN_MM + column * width, MARGIN_MM + row * height, width, height, point)
    return bytes(pdf.output())
