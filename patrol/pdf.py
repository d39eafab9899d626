"""The base of every PDF the app prints (fpdf2, pure Python): A4 page setup, the running header
with page numbers, headings and sections that do not stay alone at a page's foot, the black
margin bar that marks what is urgent on black-and-white paper, and the font.

Swedish text needs a Unicode font. We register DejaVu Sans when the system has it (Debian:
fonts-dejavu-core, installed by scripts/test.sh) or when PATROL_PDF_FONT names a TTF file.
Without one we fall back to the PDF core font Helvetica, whose Latin-1 encoding still covers
å, ä, ö and é; other characters are transliterated (accents dropped) or shown as "?", never
silently lost to an exception.

The font files are parsed once per process, not once per document (`body_fonts`): fpdf2's
`add_font` reads the whole TTF (character map, widths of ~6,000 glyphs) every time, which was
over a third of the night PDF's server time. See `body_fonts` for why sharing is safe.

Shared (not in patrol/review) because review's night report, owners' monthly report and work
orders, safety's walk report and admin's QR stickers all build on it."""

from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
NEWLINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def find_font(configured: str | None = None) -> tuple[Path, Path | None] | None:
    """(regular, bold or None) of a Unicode TTF font, or None."""
    candidates = [configured] if configured else []
    candidates += FONT_CANDIDATES
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            bold = path.with_name(path.stem + "-Bold" + path.suffix)
            return path, bold if bold.is_file() else None
    return None


def latin1(text: str) -> str:
    """Text for a core font: Latin-1 kept, other letters without their accents, rest '?'."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
            out.append(plain or {"–": "-", "—": "-", "’": "'", "·": "-"}.get(char, "?"))
    return "".join(out)


# Tables fpdf2 drops from every embedded font (fpdf/output.py, `_add_fonts`). fontTools' subsetter
# still parses the layout ones (GSUB, GPOS) and kern before dropping or keeping them; removed
# once from the cached programs, it never sees them.
DROPPED_TABLES = (
    "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix",
    "CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR",
    "kern",  # not dropped by fpdf2, but a PDF places every glyph itself: no viewer reads it
)  # fmt: skip
# What the app's documents are written in: Latin with every accent (Latin-1, Extended-A and -B,
# Extended Additional: names from all of Europe and Vietnam), punctuation, currency,
# letterlike symbols, arrows, the minus sign, geometric shapes and check marks. A document that
# uses only these embeds its subset from a font program of these alone (~1,300 of DejaVu Sans'
# ~6,000 glyphs), which fontTools' subsetter reads in a third of the time (7 ms a font instead
# of 22); any other character (Cyrillic, Arabic, ...) and it is made from the whole font.
COMMON_RANGES = (
    (0x20, 0x24F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x21FF),
    (0x2212, 0x2212), (0x25A0, 0x25FF), (0x2713, 0x2717),
)  # fmt: skip


@dataclass(frozen=True)
class ParsedFont:
    """One TTF file parsed once per process: fpdf2's font object (read only, never given to a
    document) and two font programs as bytes, without the tables fpdf2 drops anyway: the
    whole font, and its subset of COMMON_RANGES (glyph names kept: fpdf2 subsets by name)."""

    template: TTFFont
    whole: bytes
    common: bytes
    common_names: frozenset[str]


_PARSED: dict[tuple, ParsedFont | None] = {}
_PARSED_LOCK = threading.Lock()


def parse_font(path: Path, style: str) -> ParsedFont | None:
    """Parse `path` as family "Body" in `style`; None for fonts that `body_fonts` leaves to
    `add_font` (CFF outlines, colour fonts, fonts without a .notdef glyph, which fpdf2 draws
    into the parsed font)."""
    plain = ttLib.TTFont(path, recalcTimestamp=False)
    try:
        if "glyf" not in plain or ".notdef" not in plain.getGlyphOrder():
            return None
        template = TTFFont(FPDF(), path, f"body{style}", style)
        template.ttfont.close()  # documents get their own (see body_fonts)
        if template.color_font is not None:
            return None
        for tag in DROPPED_TABLES:
            if tag in plain:
                del plain[tag]
        whole = io.BytesIO()
        plain.save(whole)
        options = subset.Options(
            glyph_names=True,
            notdef_outline=True,
            recommended_glyphs=True,
            name_IDs=["*"],
            name_languages=["*"],
            layout_features=[],
            drop_tables=list(subset.Options().drop_tables) + list(DROPPED_TABLES),
        )
        subsetter = subset.Subsetter(options)
        subsetter.populate(
            unicodes=[c for low, high in COMMON_RANGES for c in range(low, high + 1)]
        )
        subsetter.subset(plain)
        common = io.BytesIO()
        plain.save(common)
        names = frozenset(plain.getGlyphOrder())
    finally:
        plain.close()
    return ParsedFont(template, whole.getvalue(), common.getvalue(), names)


def parsed_font(path: Path, style: str) -> ParsedFont | None:
    """`parse_font`, once per process. Keyed by path, size and modification time, so a
    replaced file is parsed again."""
    stat = path.stat()
    key = (str(path), style, stat.st_size, stat.st_mtime_ns)
    with _PARSED_LOCK:  # gunicorn threads: one parse, and no half-built entry seen
        if key not in _PARSED:
            _PARSED[key] = parse_font(path, style)
        return _PARSED[key]


def body_fonts(pdf: FPDF, regular: Path, bold: Path | None) -> None:
    """Give `pdf` the fonts "Body" and "Body" bold, as `add_font` would, from the per-process
    parse (`parsed_font`) instead of parsing the files again for every document.

    Why this is safe across documents and gunicorn threads: what a document changes is its
    own. The template's character map, glyph ids and font descriptor are only ever read
    (fpdf2's own `TTFFont.__deepcopy__` shares them the same way); the widths map is a
    defaultdict that inserts on a missing character, so each document gets a copy; the
    characters used (the subset) and the missing glyphs are new per document; and the
    fontTools font, which fpdf2 subsets IN PLACE when the PDF is written, is opened for each
    document from the cached bytes (immutable), lazily: only the tables the subsetter reads
    are parsed (`font_programs` picks the smaller program when it holds every glyph used).
    The cache is filled under a lock. This builds fpdf2's TTFFont and SubsetMap directly (as
    its `__deepcopy__` does; fpdf2 2.8, pinned in pyproject.toml): tests/test_pdf_fonts.py
    checks that the text is the same as with `add_font`."""
    programs = {}
    for style, path in (("", regular), ("B", bold or regular)):
        parsed = parsed_font(path, style)
        if parsed is None:
            pdf.add_font("Body", style, str(path))
            continue
        template = parsed.template
        font = TTFFont.__new__(TTFFont)
        for name in TTFFont.__slots__:
            if hasattr(template, name):
                setattr(font, name, getattr(template, name))
        font.i = len(pdf.fonts) + 1
        font.ttfont = open_program(parsed.whole)
        font.cw = template.cw.copy()
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[font.fontkey] = font
        programs[font.fontkey] = parsed
    pdf.font_programs = programs


def open_program(data: bytes) -> ttLib.TTFont:
    return ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)


def font_programs(pdf: FPDF) -> None:
    """Before `output`: embed each body font's subset from the COMMON_RANGES program when it
    has every glyph the document used (fpdf2 subsets by glyph name and reads the widths from
    the template, so the text and its metrics are the same either way)."""
    for fontkey, parsed in getattr(pdf, "font_programs", {}).items():
        font = pdf.fonts[fontkey]
        if set(font.subset.get_all_glyph_names()) <= parsed.common_names:
            font.ttfont = open_program(parsed.common)


class NightPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.title_text = title
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)
        font = find_font(current_app.config.get("PDF_FONT"))
        if font:
            body_fonts(self, *font)
            self.family = "Body"
            self.clean = str
        else:
            self.family = "Helvetica"
            self.clean = latin1
        self.set_title(self.clean(title))
        self.set_creator("Nattpatrull")

    def output(self, *args, **kwargs):
        font_programs(self)
        return super().output(*args, **kwargs)

    def header(self):
        self.set_font(self.family, "", 8)
        self.cell(0, 5, self.clean(self.title_text), align="L")
        self.cell(0, 5, f"Sida {self.page_no()} av {{nb}}", align="R", **NEWLINE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)

    def text_line(self, text: str, size: float = 10, bold: bool = False, height: float = 5):
        self.set_font(self.family, "B" if bold else "", size)
        self.write_line(self.clean(text), height)

    def write_line(self, text: str, height: float, link: str = "") -> None:
        """One line with `cell` when it fits, else wrapped with `multi_cell`. fpdf2's line
        breaking measures the line again for every character it adds, which made a night of
        200 reports and 400 check-ins take some 20 s; most lines fit, and `cell` measures once."""
        room = self.w - self.l_margin - self.r_margin - 2 * self.c_margin
        if "\n" not in text and self.get_string_width(text) <= room:
            self.cell(0, height, text, link=link, **NEWLINE)
        else:
            self.multi_cell(0, height, text, link=link, **NEWLINE)

    def heading(self, text: str, size: float = 13):
        self.ln(2)
        self.text_line(text, size=size, bold=True, height=7)

    def section(self, text: str):
        """A section title that does not stay alone at the bottom of a page."""
        if self.will_page_break(30):
            self.add_page()
        self.heading(text, 14)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)

    def marked(self, draw):
        """Run `draw` with a thick black bar in the left margin beside what it writes: the
        black-and-white mark of an acute report or an unacknowledged SOS."""
        page, top = self.page_no(), self.get_y()
        draw()
        if self.page_no() == page:
            self.set_line_width(1.2)
            self.line(self.l_margin - 3, top + 2, self.l_margin - 3, self.get_y())
            self.set_line_width(0.2)

    def link_line(self, text: str, url: str, size: float = 9):
        """A line whose text is a link (a map) and still says what it is on paper."""
        self.set_font(self.family, "U", size)
        self.write_line(self.clean(text), 4.5, link=url)
