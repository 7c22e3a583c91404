"""Uploaded event images are validated and re-encoded before they are stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from blackcanyon.events.errors import InvalidImage
from blackcanyon.events.images import prepare_event_image
from tests.events.images import GPS_IFD, MAKE, ORIENTATION, bmp, jpeg_with_exif, png


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_large_photo_is_resized_to_1600_wide_and_loses_its_exif():
    # Given a 3200x1800 camera JPEG carrying make and GPS position
    upload = io.BytesIO(jpeg_with_exif(3200, 1800))

    # When it is prepared for storage
    stored = prepare_event_image(upload)

    # Then it is a 1600x900 WebP under a random name with no metadata left
    image = reopen(stored.read())
    assert image.format == "WEBP"
    assert image.size == (1600, 900)
    exif = image.getexif()
    assert MAKE not in exif
    assert GPS_IFD not in exif
    assert "exif" not in image.info
    assert stored.name.endswith(".webp")
    assert len(stored.name) == len("0123456789abcdef0123456789abcdef.webp")


def test_exif_orientation_is_applied_before_it_is_dropped():
    # Given a landscape JPEG whose EXIF says "rotate 90° clockwise to view"
    upload = io.BytesIO(jpeg_with_exif(300, 200, orientation=6))

    # When it is prepared
    image = reopen(prepare_event_image(upload).read())

    # Then the stored pixels are already upright (portrait) and carry no orientation tag
    assert image.size == (200, 300)
    assert ORIENTATION not in image.getexif()


def test_two_uploads_of_the_same_image_get_different_names():
    first = prepare_event_image(io.BytesIO(png()))
    second = prepare_event_image(io.BytesIO(png()))

    assert first.name != second.name


def test_small_image_keeps_its_size():
    assert reopen(prepare_event_image(io.BytesIO(png(40, 20))).read()).size == (40, 20)


def test_transparent_png_is_flattened_onto_white():
    image = reopen(prepare_event_image(io.BytesIO(png(transparent=True))).read())

    assert image.mode == "RGB"
    red, green, blue = image.getpixel((5, 5))  # type: ignore[misc]
    assert min(red, green, blue) > 240


def test_text_file_is_refused_with_a_clear_message():
    with pytest.raises(InvalidImage) as caught:
        prepare_event_image(io.BytesIO(b"definitely not an image"))

    assert caught.value.message == "This file is not an image we can read."
    assert caught.value.fields == {"image": ["This file is not an image we can read."]}


def test_truncated_jpeg_is_refused():
    data = jpeg_with_exif(400, 300)

    with pytest.raises(InvalidImage, match="not an image we can read"):
        prepare_event_image(io.BytesIO(data[: len(data) // 2]))


def test_bmp_is_refused_as_an_unsupported_format():
    with pytest.raises(InvalidImage, match="JPEG, PNG, WebP or GIF"):
        prepare_event_image(io.BytesIO(bmp()))


def test_file_over_the_byte_limit_is_refused(settings):
    settings.BCT_MAX_IMAGE_BYTES = 1024 * 1024
    data = png() + b"\0" * (1024 * 1024)

    with pytest.raises(InvalidImage, match="too large"):
        prepare_event_image(io.BytesIO(data))


def test_image_over_40_megapixels_is_refused():
    # Given a tiny PNG file that declares 8000x6000 pixels (48 MP)
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG", optimize=True)

    with pytest.raises(InvalidImage, match="40 megapixels"):
        prepare_event_image(io.BytesIO(out.getvalue()))
