"""Test images made with Pillow."""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image


def jpeg_bytes(width=800, height=600, color=(180, 40, 40), exif_gps=False, orientation=None):
    image = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    if exif_gps:
        # GPSInfo IFD with a position in Malmö: the server must not keep it.
        exif[0x8825] = {1: "N", 2: (55.0, 35.0, 12.0), 3: "E", 4: (13.0, 0.0, 53.0)}
        exif[0x010F] = "TestCam"
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes() if len(exif) else b"")
    return out.getvalue()


def png_bytes(width=64, height=48):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def digest(data: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"
