"""The base of every PDF the app prints (fpdf2, pure Python): A4 page setup, the running header
with page numbers, headings and sections that do not stay alone at a page's foot, the black
margin bar that marks what is urgent on black-and-white paper, and the font.

Swedish text needs a Unicode font. We register DejaVu Sans when the system has it (Debian:
fonts-dejavu-core, installed by scripts/test.sh) or when PATROL_PDF_FONT names a TTF file.
Without one we fall back to the PDF core font Helvetica, whose Latin-1 encoding still covers
å, ä, ö and é; other characters are transliterated (accents dropped) or shown as "?", never
silently lost to an exception.

Shared (not in patrol/review) because review's night report, owners' monthly report and work
orders, safety's walk report and admin's QR stickers all build on it."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from fpdf.enums import XPos, YPos

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


class NightPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.title_text = title
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)
        font = find_font(current_app.config.get("PDF_FONT"))
        if font:
            regular, bold = font
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold or regular))
            self.family = "Body"
            self.clean = str
        else:
            self.family = "Helvetica"
            self.clean = latin1
        self.set_title(self.clean(title))
        self.set_creator("Nattpatrull")

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
