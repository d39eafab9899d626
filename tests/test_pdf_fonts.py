"""The PDF base font is parsed once per process and shared safely (issue 25, point 4).

fpdf2's `add_font` parsed DejaVu Sans for every document (over a third of the night PDF's
time); patrol.pdf.body_fonts parses it once and gives each document its own copy of what a
document changes. These tests read the PDFs as a person would (PDFium's text) and compare
them with what `add_font` makes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

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


def test_a_latin_document_embeds_from_the_common_program_others_from_the_whole(app_context):
    latin, cyrillic = document([SWEDISH]), document([CYRILLIC])
    pdf.font_programs(latin)
    pdf.font_programs(cyrillic)
    whole = len(pdf.parsed_font(*pdf.find_font()[:1], "").template.cmap)
    assert len(latin.fonts["body"].ttfont.getGlyphOrder()) < whole / 3
    assert len(cyrillic.fonts["body"].ttfont.getGlyphOrder()) > whole / 2
    assert CYRILLIC in pdf_text(bytes(cyrillic.output()))


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
