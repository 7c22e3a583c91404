"""Fake-camera videos for the scanner's browser tests: a ticket's QR code as a YUV4MPEG2 file
that Chromium plays as its camera (``--use-file-for-fake-video-capture``).

Y4M is simple: one header line, then per frame ``FRAME\\n`` and the raw planes (Y at full size,
then U and V at half width and height for 4:2:0). A black-on-white QR code needs no colour, so
U and V are the neutral 128 and Y is the grey level of each pixel.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from PIL import Image

WIDTH, HEIGHT = 640, 480
FRAMES = 5


def qr_frame(payload: str) -> Image.Image:
    """A white 640x480 picture with the payload's QR code in the middle (greyscale)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=7, border=4)
    buffer.seek(0)
    code = Image.open(buffer).convert("L")
    side = min(code.width, HEIGHT - 20)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    return frame


def write_y4m(path: Path, picture: Image.Image, frames: int = FRAMES) -> Path:
    """Write ``picture`` (greyscale, 640x480) as a short looping Y4M video."""
    luma = picture.convert("L").tobytes()
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)
            out.write(chroma)
    return path


def ticket_video(path: Path, payload: str) -> Path:
    return write_y4m(path, qr_frame(payload))
