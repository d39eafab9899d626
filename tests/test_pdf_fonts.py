"""The PDF base font is parsed once per process and shared safely (issue 25, point 4).

fpdf2's `add_font` parsed DejaVu Sans for every document (over a third of the night PDF's
time); patrol.pdf.body_fonts parses it once and gives each document its own copy of what a
document changes. These tests read the PDFs as a person would (PDFium's text) and compare
them with what `add_font` makes. The night PDF's other shortcuts (plain lines written
without `cell`, font programs made of the glyphs used) are checked against fpdf2's own way
byte for byte."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from flask import Flask
from fpdf import FPDF
from fpdf.output import OutputProducer

from patrol import pdf
from tests.support.pdf import pdf_text

SWEDISH = "Nattrapport – Ångström, åäö ÅÄÖ é · 12 check-ins ✓"
CYRILLIC = "Väktare Олександр Шевченко"  # outside the common program: the whole font


@pytest.fixture
def app_context():
    assert pdf.find_font() is not None, "DejaVu Sans is needed (fonts-dejavu-core)"
    with Flask(__name__).app_context():
        yield


def document(lines: list[str], parse_each_time: bool = False) -> pdf.NightPdf:
    if parse_each_time:  # the code before body_fonts: fpdf2 parses the files every time
        cached = pdf.body_fonts

        def add_font(doc, regular, bold):
            doc.add_font("Body", "", str(regular))
            doc.add_font("Body", "B", str(bold or regular))

        pdf.body_fonts = add_font
        try:
            doc = pdf.NightPdf("Prov")
        finally:
            pdf.body_fonts = cached
    else:
        doc = pdf.NightPdf("Prov")
    doc.alias_nb_pages()
    doc.add_page()
    for number, line in enumerate(lines):
        doc.text_line(line, 10, bold=number % 2 == 1)
    return doc


def test_documents_share_one_parse_of_the_font(app_context):
    first, second = document(["a"]), document(["b"])
    for key in ("body", "bodyB"):
        one, two = first.fonts[key], second.fonts[key]
        assert one.cmap is two.cmap  # parsed once: the same character map
        # ... but what a document changes is its own
        assert one.cw is not two.cw and one.subset is not two.subset
        assert one.ttfont is not two.ttfont
    assert first.fonts["bodyB"].name != first.fonts["body"].name  # bold is DejaVu Sans Bold


def test_the_text_is_the_same_as_with_add_font(app_context):
    for lines in ([SWEDISH, "Sida 1 av 1 – Förråd B"], [SWEDISH, CYRILLIC]):
        cached = bytes(document(lines).output())
        parsed = bytes(document(lines, parse_each_time=True).output())
        assert cached.startswith(b"%PDF-") and b"DejaVu" in cached
        assert pdf_text(cached) == pdf_text(parsed)
        for line in lines:
            assert line in pdf_text(cached)


def rich_document(plain_lines: bool = True) -> pdf.NightPdf:
    """Every kind of line the PDFs write: sizes, bold and regular, links (underlined), marked
    blocks, wrapped and empty lines, characters PDF strings escape, the page-count alias,
    characters DejaVu Sans lacks, and enough of them for page breaks (with the header)."""
    doc = pdf.NightPdf("Prov ÅÄÖ")
    doc.plain_lines = plain_lines
    doc.set_creation_date(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    doc.alias_nb_pages()
    doc.add_page()
    lines = [
        SWEDISH, CYRILLIC, "(parentes) och \\ snedstreck", "Sida {nb} i texten", "中文 😀",
        "lång rad " * 40, "", "två\nrader", "#12 Trasig lampa (hög prioritet, öppen)",
    ]  # fmt: skip
    for round_ in range(40):
        for number, line in enumerate(lines):
            doc.text_line(line, 8 + number % 4, bold=(number + round_) % 2 == 1, height=4.5)
        doc.link_line("Position 59.33, 18.06 – karta", "https://www.openstreetmap.org/")
        doc.section("Rapporter (akuta först)")
        doc.marked(lambda: doc.text_line("AKUT: Inbrott · Akut", 11, True))
    return doc


def test_plain_lines_write_what_cell_writes(app_context):
    """`plain_line` is a shortcut through fpdf2's `cell`: the same PDF, byte for byte."""
    fast, through_cell = rich_document(), rich_document(plain_lines=False)
    assert fast.pages_count > 3
    data = bytes(fast.output())
    assert data == bytes(through_cell.output())
    assert "Sida 1 av" in pdf_text(data) and SWEDISH in pdf_text(data)


def test_the_embedded_fonts_are_what_fpdf2_makes_from_the_whole_font(app_context):
    """Each font program is made of the glyphs used (`GlyphPieces.font_of`) before fpdf2's
    subsetter reads it; the PDF is the same, byte for byte, as when the subsetter reads the
    whole font (fpdf2's own writer, without `font_programs`), Cyrillic and all."""
    made_of_pieces = bytes(rich_document().output())
    from_the_whole = bytes(FPDF.output(rich_document(), output_producer_class=OutputProducer))
    assert made_of_pieces == from_the_whole
    assert CYRILLIC in pdf_text(made_of_pieces)


def test_a_document_font_holds_the_glyphs_it_uses(app_context):
    doc = document([SWEDISH, CYRILLIC])
    doc.output()
    whole = len(pdf.parsed_font(pdf.find_font()[0], "").pieces.order)
    used = doc.fonts["body"].ttfont.getGlyphOrder()
    # the characters used, the first four glyphs, and the parts of å, ä, ö, Å, Ä, Ö, é
    assert 30 < len(used) < 80 < whole
    assert {"aring", "ring", "a"} <= set(used)


def test_documents_in_threads_keep_their_own_text(app_context):
    """gunicorn threads build PDFs at the same time from the one parsed font."""
    app = Flask(__name__)
    start = threading.Barrier(6)
    template = pdf.parsed_font(pdf.find_font()[0], "").template
    before = (len(template.cw), len(template.subset), len(template.missing_glyphs))

    def build(number: int) -> tuple[str, str]:
        line = f"Rapport {number}: {'ÅÄÖ' * (number + 1)} {CYRILLIC if number % 2 else SWEDISH}"
        with app.app_context():
            doc = document([line] * 20)
            start.wait()
            return line, pdf_text(bytes(doc.output()))

    with ThreadPoolExecutor(6) as pool:
        for line, text in pool.map(build, range(6)):
            assert text.count(line) == 20
    # the shared parse is never written to
    assert (len(template.cw), len(template.subset), len(template.missing_glyphs)) == before
