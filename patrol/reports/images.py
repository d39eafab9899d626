"""Checking and cleaning an uploaded photo (architecture §5a).

The type is decided by the bytes, not the header or a name. The pixel count is read from the
header before anything is decoded, so a decompression bomb costs nothing. A JPEG without
metadata is kept byte for byte (the phone's canvas output has none, and re-encoding would lose
quality); a JPEG with metadata loses its APPn/COM segments wherever they stand (between the
scans of a progressive JPEG too) and everything after its first image (a multi-picture file's
second image) without re-encoding, unless its EXIF orientation has to be applied; PNG and WebP
are re-encoded without metadata.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from patrol.errors import ApiError
from patrol.nights import ZONE

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# A camera's multi-picture file (MPF: the photo, then more images after its end) is opened by
# Pillow as "MPO"; its first image is the photo, stored as a JPEG of that image alone.
JPEG_FORMATS = frozenset({"JPEG", "MPO"})
ACCEPTED_CONTENT_TYPES = frozenset(ACCEPTED_FORMATS.values())
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

_EXIF_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881


@dataclass
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    # None when the thumbnail is left for later (a JPEG kept byte for byte): decoding it is
    # the thumbnail's work, not the upload's (patrol/reports/actions.py makes it).
    thumbnail: bytes | None
    taken_at: datetime | None
    # True when `data` is the uploaded body itself (nothing removed): its SHA-256 is the one
    # the route verified, and the photo store need not hash it again.
    unchanged: bool = False


def clean_photo(body: bytes, *, max_pixels: int, thumbnail_edge: int) -> CleanPhoto:
    """The photo to store, or ApiError 415 (not an accepted image), 413 (too many pixels) or
    422 (cannot be decoded whole)."""
    image = _open_checked(body, max_pixels)
    fmt = "JPEG" if image.format in JPEG_FORMATS else image.format
    content_type = ACCEPTED_FORMATS[fmt]
    width, height = image.size
    exif = image.getexif()
    orientation = exif.get(_EXIF_ORIENTATION, 1)
    layout = walk_jpeg(body) if content_type == "image/jpeg" and orientation == 1 else None
    if layout is not None:
        # Kept byte for byte (less its metadata segments): nothing needs its pixels now. That
        # the file is whole is known from its structure, every segment and scan up to the end
        # of image, read in the same single walk, without decoding; the thumbnail is made
        # after the answer. Nothing removed: the body itself (no copy, its digest known).
        if not layout.whole:
            raise damaged_image()
        kept_jpeg = layout.kept(body) if layout.removed else body
        return CleanPhoto(
            data=kept_jpeg,
            content_type=content_type,
            width=width,
            height=height,
            thumbnail=None,
            taken_at=_taken_at(exif),
            unchanged=kept_jpeg is body,
        )
    _load_whole(image)
    upright = ImageOps.exif_transpose(image) if orientation != 1 else image
    return CleanPhoto(
        data=_encode(upright, fmt),
        content_type=content_type,
        width=upright.width,
        height=upright.height,
        thumbnail=make_thumbnail(upright, thumbnail_edge),
        taken_at=_taken_at(exif),
    )


def _open_checked(body: bytes, max_pixels: int) -> Image.Image:
    """Open by content and check the pixel count from the header, before any decoding."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(body))
        except Image.DecompressionBombError:
            raise too_many_pixels(max_pixels) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise ApiError(415) from None
    if image.format not in ACCEPTED_FORMATS and image.format not in JPEG_FORMATS:
        raise ApiError(415)
    width, height = image.size
    if width * height > max_pixels:
        raise too_many_pixels(max_pixels)
    return image


def _load_whole(image: Image.Image) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise damaged_image() from None


def damaged_image() -> ApiError:
    return ApiError(
        422, gettext("The photo is damaged or cut off. Take it again."), code="damaged_image"
    )


# Markers that stand alone (no length field): TEM, RST0-RST7; SOI and EOI are handled apart.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_START_OF_FRAME = frozenset({*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC})


@dataclass
class JpegLayout:
    """What one walk over a JPEG's markers found (`walk_jpeg`)."""

    # (start, end) of the bytes a stripped copy leaves out: metadata segments, fill bytes.
    dropped: list[tuple[int, int]]
    # Just after the first image's EOI marker.
    end: int
    # Whether a metadata segment or anything after the first image is left out.
    removed: bool
    # A frame header, then at least one scan, every segment and scan complete up to the EOI.
    whole: bool

    def kept(self, data: bytes) -> bytes:
        """The first image without its metadata segments and fill bytes."""
        parts, at = [], 0
        for start, stop in self.dropped:
            parts.append(data[at:start])
            at = stop
        parts.append(data[at : self.end])
        return b"".join(parts)


def walk_jpeg(data: bytes) -> JpegLayout | None:
    """One walk over every segment and entropy-coded scan of a JPEG's first image, up to its
    EOI marker: what `strip_jpeg_metadata` leaves out and whether `jpeg_is_whole`. None for a
    layout it does not understand (cut off inside a segment or a scan, no EOI, not a JPEG).

    A metadata segment (APP1-APP15, COM) goes wherever it stands, between the scans of a
    progressive JPEG too; whatever follows the first image (a multi-picture file's second
    image with its own EXIF and GPS, any trailer) goes as well. Scan data runs until a marker
    other than a stuffed 0xFF00, a restart marker or a fill byte (about one 0xFF byte in 256)."""
    n = len(data)
    if n < 4 or data[:2] != b"\xff\xd8":
        return None
    dropped: list[tuple[int, int]] = []
    removed = False
    i, frame, scans, ordered = 2, False, 0, True
    while i + 1 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            dropped.append((i, i + 1))
            i += 1
            continue
        if marker == 0xD9:  # EOI: the end of the first image (a trailer may follow)
            return JpegLayout(
                dropped=dropped,
                end=i + 2,
                removed=removed or i + 2 < n,
                whole=ordered and frame and scans > 0,
            )
        if marker in _STANDALONE:
            i += 2
            continue
        if i + 4 > n:
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2 or i + 2 + length > n:
            return None
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            dropped.append((i, i + 2 + length))
            removed = True
        frame = frame or marker in _START_OF_FRAME
        i += 2 + length
        if marker != 0xDA:
            continue
        ordered = ordered and frame  # a scan before any frame header: not a whole JPEG
        scans += 1
        while True:
            j = data.find(b"\xff", i)
            if j < 0 or j + 1 >= n:
                return None
            following = data[j + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                i = j + 2
            elif following == 0xFF:
                i = j + 1
            else:
                break
        i = j
    return None


def jpeg_is_whole(data: bytes) -> bool:
    """Whether a JPEG has all of its structure: SOI, a frame header, then segments and
    entropy-coded scans, each complete, up to an EOI marker at the end of the data.

    A file cut off anywhere (the failure a phone's interrupted upload or a broken camera
    write produces) lacks its EOI or ends inside a segment; this finds that by walking the
    markers, without decoding a pixel."""
    layout = walk_jpeg(data)
    return layout is not None and layout.whole


def too_many_pixels(max_pixels: int) -> ApiError:
    return ApiError(
        413,
        gettext(
            "The photo has too many pixels (at most %(mp)s megapixels).",
            mp=max_pixels // 1_000_000,
        ),
    )


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=92, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=False)
    else:
        image.save(out, "WEBP", quality=90)
    return out.getvalue()


def make_thumbnail(image: Image.Image, edge: int) -> bytes:
    thumb = image.convert("RGB")
    thumb.thumbnail((edge, edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def thumbnail_of(data: bytes, edge: int) -> bytes:
    """The thumbnail of an image already checked by `clean_photo`, decoded at the nearest
    scale above the thumbnail's (most of the decoding is skipped)."""
    image = Image.open(io.BytesIO(data))
    scale = edge / max(image.size)
    image.draft("RGB", (max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    return make_thumbnail(image, edge)


def strip_jpeg_metadata(data: bytes) -> tuple[bytes | None, bool]:
    """(the first image of a JPEG without any APP1-APP15 or COM segment, whether anything was
    removed), by `walk_jpeg`. The image data is copied as it is. Returns (None, False) for a
    layout it does not understand: the caller re-encodes."""
    layout = walk_jpeg(data)
    if layout is None:
        return None, False
    return layout.kept(data), layout.removed


def _taken_at(exif: Image.Exif) -> datetime | None:
    """When the photo was taken, from EXIF (phones' canvas output has none: then None)."""
    try:
        ifd = exif.get_ifd(_EXIF_IFD)
        raw = ifd.get(_DATETIME_ORIGINAL)
        if not raw:
            return None
        taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = ifd.get(_OFFSET_TIME_ORIGINAL)
        if offset:
            return datetime.fromisoformat(taken.isoformat() + str(offset).strip("\x00 "))
        return taken.replace(tzinfo=ZONE)
    except (ValueError, TypeError, KeyError):
        return None
