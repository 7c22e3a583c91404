"""Event images: validate an upload and re-encode it before it is stored.

Nothing the organizer uploaded is served as is. The file must open with Pillow as a JPEG, PNG,
WebP or GIF of at most ``MAX_PIXELS``; it is then rotated per its EXIF orientation, flattened to
RGB (transparency onto white), shrunk to ``MAX_WIDTH`` and written afresh as WebP (JPEG where
Pillow lacks WebP) under a random name. Re-encoding drops EXIF (GPS!), ICC and any payload hidden
after the image data.
"""

from __future__ import annotations

import io
import secrets
import warnings
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError, features

from blackcanyon.events.errors import InvalidImage

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
MAX_PIXELS = 40_000_000
MAX_WIDTH = 1600
UNREADABLE = "This file is not an image we can read."


def _fail(message: str) -> InvalidImage:
    return InvalidImage(message, fields={"image": [message]})


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise _fail("Please upload a JPEG, PNG, WebP or GIF image.")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _fail("This image has too many pixels (at most 40 megapixels).")
            image.load()
    except InvalidImage:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,  # Pillow raises it for some corrupt headers
    ):
        raise _fail(UNREADABLE) from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if image.mode in {"RGBA", "LA", "P", "PA"} or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _resize(image: Image.Image) -> Image.Image:
    width, height = image.size
    if width <= MAX_WIDTH:
        return image
    new_height = max(1, round(height * MAX_WIDTH / width))
    return image.resize((MAX_WIDTH, new_height), Image.Resampling.LANCZOS)


def prepare_event_image(upload: IO[bytes], *, size: int | None = None) -> ContentFile[bytes]:
    """Validate and re-encode an uploaded image; return it under a random file name.

    Raises ``InvalidImage`` (with ``fields={"image": [...]}``) for anything we will not store.
    """
    limit = settings.BCT_MAX_IMAGE_BYTES
    if size is not None and size > limit:
        raise _fail(f"This image is too large (at most {limit // (1024 * 1024)} MB).")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _fail(f"This image is too large (at most {limit // (1024 * 1024)} MB).")
    if not data:
        raise _fail(UNREADABLE)
    image = _open(data)
    try:
        image = _resize(_flatten(image))
    except (OSError, ValueError, SyntaxError):  # e.g. a corrupt EXIF block
        raise _fail(UNREADABLE) from None
    out = io.BytesIO()
    if features.check("webp"):
        image.save(out, format="WEBP", quality=82, method=4)
        extension = "webp"
    else:  # pragma: no cover - Pillow built without libwebp
        image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        extension = "jpg"
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")
