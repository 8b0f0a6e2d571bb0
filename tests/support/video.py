"""Videos for Chromium's fake camera (--use-file-for-fake-video-capture): Y4M, I420."""

from __future__ import annotations

import io
from pathlib import Path


def write_y4m(
    path: Path,
    segments: list[tuple[bytes | None, float]],
    *,
    width: int,
    height: int,
    fps: int = 1,
    margin: int = 20,
) -> Path:
    """QR codes in turn, each centred on grey: (png, seconds) shows a code, (None, seconds) a
    blank grey frame. Chromium plays the file in a loop, so the last segment should be long."""
    from PIL import Image

    def frame(png: bytes | None) -> bytes:
        canvas = Image.new("L", (width, height), 128)
        if png is not None:
            qr = Image.open(io.BytesIO(png)).convert("L")
            side = min(height - margin, qr.width)
            qr = qr.resize((side, side), Image.NEAREST)
            canvas.paste(qr, ((width - side) // 2, (height - side) // 2))
        y, cb, cr = canvas.convert("RGB").convert("YCbCr").split()
        chroma = [plane.resize((width // 2, height // 2), Image.BOX).tobytes() for plane in (cb, cr)]
        return b"FRAME\n" + y.tobytes() + chroma[0] + chroma[1]

    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for png, seconds in segments:
            out.write(frame(png) * max(1, round(seconds * fps)))
    return path
