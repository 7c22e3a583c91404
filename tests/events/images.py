"""Image bytes for tests, made with Pillow."""

from __future__ import annotations

import io

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg_with_exif(width: int, height: int, *, orientation: int = 1) -> bytes:
    """A JPEG with a camera make, a GPS block and an orientation tag."""
    image = Image.new("RGB", (width, height), (200, 80, 20))
    exif = Image.Exif()
    exif[MAKE] = "CanyonCam"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (38.0, 34.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 40, height: int = 20, *, transparent: bool = False) -> bytes:
    mode, color = ("RGBA", (0, 0, 0, 0)) if transparent else ("RGB", (10, 120, 200))
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, format="PNG")
    return out.getvalue()


def bmp(width: int = 10, height: int = 10) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, format="BMP")
    return out.getvalue()
