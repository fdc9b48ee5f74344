"""A small PNG decoder (8-bit RGB/RGBA, not interlaced) for checking screenshots."""

from __future__ import annotations

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_png(data: bytes) -> np.ndarray:
    """Pixels as an array of shape (height, width, channels)."""
    assert data[:8] == _SIGNATURE, "not a PNG"
    pos, idat = 8, bytearray()
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = np.frombuffer(zlib.decompress(bytes(idat)), dtype=np.uint8)
    rows = raw.reshape(height, width * channels + 1)
    out = np.zeros((height, width * channels), dtype=np.uint8)
    previous = np.zeros(width * channels, dtype=np.uint8)
    for y in range(height):
        out[y] = _unfilter(int(rows[y, 0]), rows[y, 1:], previous, channels)
        previous = out[y]
    return out.reshape(height, width, channels)


def _unfilter(kind: int, line: np.ndarray, up: np.ndarray, bpp: int) -> np.ndarray:
    if kind == 0:
        return line
    if kind == 1:  # Sub: a running sum per channel
        per_channel = line.reshape(-1, bpp).astype(np.int64)
        return (np.cumsum(per_channel, axis=0) % 256).astype(np.uint8).ravel()
    if kind == 2:  # Up
        return ((line.astype(np.int64) + up) % 256).astype(np.uint8)
    out = bytearray(len(line))
    filt, above = line.tobytes(), up.tobytes()
    for i in range(len(filt)):
        a = out[i - bpp] if i >= bpp else 0
        b = above[i]
        if kind == 3:  # Average
            out[i] = (filt[i] + (a + b) // 2) & 0xFF
            continue
        c = above[i - bpp] if i >= bpp else 0  # Paeth
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (filt[i] + pred) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)
