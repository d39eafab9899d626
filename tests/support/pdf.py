"""Reading the PDFs the app makes, as a person would: the text of each page (pypdfium2, the
PDFium engine of Chromium), page images, and the colours used for text and lines."""

from __future__ import annotations

import re
import zlib
from pathlib import Path


def page_texts(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def pdf_text(data: bytes) -> str:
    """All text of the PDF, pages joined, whitespace runs (line breaks too) as one space."""
    return re.sub(r"\s+", " ", " ".join(page_texts(data)))


def render_pages(data: bytes, directory: Path, stem: str, scale: float = 1.5) -> list[Path]:
    """Every page as a PNG (to look at): directory/stem-1.png, ..."""
    import pypdfium2 as pdfium

    directory.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(data)
    paths = []
    try:
        for number, page in enumerate(document, start=1):
            path = directory / f"{stem}-{number}.png"
            page.render(scale=scale).to_pil().save(path)
            paths.append(path)
    finally:
        document.close()
    return paths


def content_streams(data: bytes) -> str:
    """The decompressed content streams (drawing operators) as text."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


def drawing_colours(data: bytes) -> set[tuple[float, ...]]:
    """Every RGB colour set for text, fills or lines (`r g b rg` / `r g b RG`)."""
    found = set()
    number = r"(\d*\.?\d+)"
    for match in re.finditer(rf"{number} {number} {number} (?:rg|RG)\b", content_streams(data)):
        found.add(tuple(float(v) for v in match.groups()))
    return found
