"""Helpers for the admin tests: read what a page shows once, decode the QR codes of a PDF,
make a guard check in."""

from __future__ import annotations

import re

import sqlalchemy as sa

from patrol.db import db
from tests import factories

ONE_TIME_PASSWORD = re.compile(r'id="one-time-password">([^<]+)<')


def one_time_password(html: str) -> str:
    match = ONE_TIME_PASSWORD.search(html)
    assert match, "no one-time password on the page"
    return match.group(1)


def pdf_qr_texts(pdf: bytes, scale: float = 3.0) -> list[str]:
    """Every QR code in the PDF, decoded: pages rendered with PDFium, read with zxing-cpp."""
    import pypdfium2
    import zxingcpp

    texts = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=scale).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            texts.extend(result.text for result in found)
    finally:
        document.close()
    return texts


def pdf_page_count(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


# A started shift and a check-in naming the checkpoint by token (qr) or code (code).
start_shift = factories.start_shift
check_in = factories.check_in


def scalar(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def count(app, model, *where) -> int:
    return scalar(app, sa.select(sa.func.count()).select_from(model).where(*where))
