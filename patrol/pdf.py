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
from fontTools import ttLib
from fontTools.ttLib import newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.enums import CharVPos, TextMode, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer

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


# Tables fpdf2 drops from every embedded font (fpdf/output.py, `_add_fonts`), and kern, which a
# PDF never reads (it places every glyph itself): removed once from the parsed font.
DROPPED_TABLES = (
    "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix",
    "CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR",
    "kern",
)  # fmt: skip
# The tables of a TrueType font that do not depend on which glyphs it holds, kept as bytes.
FIXED_TABLES = ("head", "hhea", "maxp", "OS/2", "name", "cvt ", "fpgm", "prep", "gasp")
POST_FIELDS = (
    "italicAngle", "underlinePosition", "underlineThickness", "isFixedPitch",
    "minMemType42", "maxMemType42", "minMemType1", "maxMemType1",
)  # fmt: skip


class GlyphPieces:
    """A TrueType font cut into glyphs once per process, to make each document's font program
    of only the glyphs it uses (`font_of`).

    fpdf2 embeds a subset of each font: at `output` it runs fontTools' subsetter over the
    document's copy of the font and saves what is left. Given the whole font, the subsetter
    first reads all of it (the outlines, widths, names and character map of DejaVu Sans'
    ~6,000 glyphs): some 15 ms a font, two fonts a night PDF. `font_of` instead assembles a
    font of just the glyphs the document used (and what fontTools always keeps: the first
    four glyphs and the parts of composite glyphs such as "å"), from raw glyph bytes sliced
    here once; the subsetter then has a few dozen glyphs to read, and what it writes is the
    same, byte for byte, as from the whole font (tests/test_pdf_fonts.py)."""

    def __init__(self, font: ttLib.TTFont):
        self.order = font.getGlyphOrder()
        self.index = {name: gid for gid, name in enumerate(self.order)}
        glyf, loca, data = font["glyf"], font["loca"], font.reader["glyf"]
        self.raw = [bytes(data[loca[gid] : loca[gid + 1]]) for gid in range(len(self.order))]
        self.components = {
            gid: tuple(self.index[c.glyphName] for c in glyf[name].components)
            for gid, name in enumerate(self.order)
            if glyf[name].isComposite()
        }
        hmtx = font["hmtx"]
        self.metrics = [hmtx[name] for name in self.order]
        self.cmaps = []  # (platform, encoding, format, language, {glyph id: code points})
        for table in font["cmap"].tables:
            codes: dict[int, list[int]] = {}
            for code, name in table.cmap.items():
                codes.setdefault(self.index[name], []).append(code)
            self.cmaps.append(
                (table.platformID, table.platEncID, table.format, table.language, codes)
            )
        post = font["post"]
        self.post = {field: getattr(post, field) for field in POST_FIELDS}
        self.tables = {tag: font.getTableData(tag) for tag in FIXED_TABLES if tag in font}

    def font_of(self, glyph_names) -> ttLib.TTFont:
        """A font of `glyph_names`, the first four glyphs and their components, in the
        whole font's glyph order (fontTools' subsetter keeps the same ones, in that order)."""
        keep = {self.index[name] for name in glyph_names} | set(range(min(4, len(self.order))))
        todo = [gid for gid in keep if gid in self.components]
        while todo:
            for part in self.components[todo.pop()]:
                if part not in keep:
                    keep.add(part)
                    if part in self.components:
                        todo.append(part)
        gids = sorted(keep)
        new_gid = {old: new for new, old in enumerate(gids)}
        order = [self.order[gid] for gid in gids]
        font = ttLib.TTFont(recalcTimestamp=False, recalcBBoxes=False)
        font.setGlyphOrder(order)
        for tag, data in self.tables.items():
            table = newTable(tag)
            table.decompile(data, font)
            font[tag] = table
        post = newTable("post")
        post.formatType = 3.0  # no glyph names: fpdf2's subsetter writes format 3 anyway
        for field, value in self.post.items():
            setattr(post, field, value)
        font["post"] = post
        glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, {}
        for gid, name in zip(gids, order, strict=True):
            glyph = Glyph(self.raw[gid])
            if gid in self.components:  # its parts' glyph ids, renumbered
                glyph.remapComponentsFast(new_gid)
            glyf.glyphs[name] = glyph
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        hmtx = newTable("hmtx")
        hmtx.metrics = {name: self.metrics[gid] for gid, name in zip(gids, order, strict=True)}
        font["hmtx"] = hmtx
        cmap = newTable("cmap")
        cmap.tableVersion, cmap.tables = 0, []
        for platform, encoding, form, language, codes in self.cmaps:
            table = CmapSubtable.newSubtable(form)
            table.platformID, table.platEncID, table.language = platform, encoding, language
            table.cmap = {code: self.order[gid] for gid in gids for code in codes.get(gid, ())}
            cmap.tables.append(table)
        font["cmap"] = cmap
        return font


@dataclass(frozen=True)
class ParsedFont:
    """One TTF file parsed once per process: fpdf2's font object (read only, never given to a
    document), the font program without the tables fpdf2 drops anyway (as bytes), and the
    same cut into glyphs (`GlyphPieces`)."""

    template: TTFFont
    whole: bytes
    pieces: GlyphPieces


_PARSED: dict[tuple, ParsedFont | None] = {}
_PARSED_LOCK = threading.Lock()


def parse_font(path: Path, style: str) -> ParsedFont | None:
    """Parse `path` as family "Body" in `style`; None for fonts that `body_fonts` leaves to
    `add_font` (CFF outlines, colour fonts, fonts without a .notdef glyph, which fpdf2 draws
    into the parsed font)."""
    plain = ttLib.TTFont(path, recalcTimestamp=False, recalcBBoxes=False)
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
        pieces = GlyphPieces(open_program(whole.getvalue()))
    finally:
        plain.close()
    return ParsedFont(template, whole.getvalue(), pieces)


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
    fontTools font, which fpdf2 subsets IN PLACE when the PDF is written, is the document's
    own: opened lazily from the cached bytes (immutable), and replaced before `output` by
    one made of the glyphs used (`font_programs`; the pieces are only read). The cache is
    filled under a lock. This builds fpdf2's TTFFont and SubsetMap directly (as its
    `__deepcopy__` does; fpdf2 2.8, pinned in pyproject.toml): tests/test_pdf_fonts.py
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
    return ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True)


def font_programs(pdf: FPDF) -> None:
    """Before fpdf2 embeds the fonts (`BodyFontOutput`): give each body font the program of just the glyphs the document used
    (`GlyphPieces.font_of`), for fpdf2's subsetter to read instead of the whole font. Saved
    without recomputing bounding boxes (recalcBBoxes=False): the glyphs keep the boxes the
    font file has, rather than fontTools unpacking and packing every outline again."""
    for fontkey, parsed in getattr(pdf, "font_programs", {}).items():
        font = pdf.fonts[fontkey]
        font.ttfont = parsed.pieces.font_of(font.subset.get_all_glyph_names())


class BodyFontOutput(OutputProducer):
    """fpdf2's PDF writer, with `font_programs` run just before it embeds the fonts: after the
    page count ("{nb}") is written into the pages, whose digits are picked from the font then."""

    def _add_fonts(self, *args, **kwargs):
        font_programs(self.fpdf)
        return super()._add_fonts(*args, **kwargs)


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
        self._plain_codes: dict[str, dict[str, int]] = {}

    def output(self, *args, **kwargs):
        kwargs.setdefault("output_producer_class", BodyFontOutput)
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
        200 reports and 400 check-ins take some 20 s; most lines fit, and `cell` measures once.
        A plain line (`plain_text`) is measured once and written by `plain_line` instead."""
        room = self.w - self.l_margin - self.r_margin - 2 * self.c_margin
        if not link and "\n" not in text and self.plain_text(text):
            width = self.plain_width(text)
            if width <= room:
                self.plain_line(text, height)
                return
        elif "\n" not in text and self.get_string_width(text) <= room:
            self.cell(0, height, text, link=link, **NEWLINE)
            return
        self.multi_cell(0, height, text, link=link, **NEWLINE)

    # The night PDF's lines are almost all plain: one font, left-aligned, no link, no
    # underline. fpdf2's `cell` handles every case (markdown, fallback fonts, text shaping,
    # the total-pages alias, colours, spacing) and builds a fragment with a copy of the
    # graphics state, measures the text three times and maps every character through a
    # cached method for each line: some 0.2 ms a line, most of the night PDF's writing.
    # `plain_line` writes the same PDF operators as `cell(0, h, text, new_x=LMARGIN,
    # new_y=NEXT)` for such a line (tests/test_pdf_fonts.py compares the bytes of whole
    # documents written both ways); anything else goes to `cell`. fpdf2 2.8 (pinned).
    plain_lines = True

    def plain_text(self, text: str) -> bool:
        """Whether `plain_line` writes `text` as `cell` would, in the current state."""
        font = self.current_font
        return (
            self.plain_lines
            and bool(text)
            and isinstance(font, TTFFont)
            and font.color_font is None
            and not font.is_symbol
            and not self.text_shaping
            and not self._fallback_font_ids
            and not (self.str_alias_nb_pages and self.str_alias_nb_pages in text)
            and not self.underline
            and not self.strikethrough
            and not self._record_text_quad_points
            and self.char_spacing == 0
            and self.font_stretching == 100
            and self.text_mode == TextMode.FILL
            and self.char_vpos == CharVPos.LINE
            and self.text_color == self.fill_color
        )

    def plain_width(self, text: str) -> float:
        """`get_string_width(text)` for a plain text, computed as fpdf2 does (the same float)."""
        font = self.current_font
        size_pt = self.font_size_pt
        if size_pt > font.biggest_size_pt:
            font.biggest_size_pt = size_pt
        return sum(map(font.cw.__getitem__, map(ord, text))) * size_pt * 0.001 / self.k

    def plain_line(self, text: str, height: float) -> None:
        """`cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)` for a plain text."""
        font = self.current_font
        k = self.k
        self._perform_page_break_if_need_be(height)
        position = (
            f"BT {(self.x + self.c_margin) * k:.2f} "
            f"{(self.h - self.y - 0.5 * height - 0.3 * self.font_size) * k:.2f} Td"
        )
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(font, self.font_size_pt))
        codes = self._plain_codes.get(font.fontkey)
        if codes is None:
            codes = self._plain_codes[font.fontkey] = {}
        mapped = []
        for char in text:
            code = codes.get(char)
            if code is None:  # first use in this document: the subset's order stays fpdf2's
                code = codes[char] = font.subset.pick(ord(char)) or 0
            if code:
                mapped.append(chr(code))
        self._out(f"{position} ({font.escape_text(''.join(mapped))}) Tj ET")
        self._lasth = height
        self.x = self.l_margin
        self.y += height

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
