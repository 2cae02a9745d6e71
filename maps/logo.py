"""The logo a printed map's header may carry: a PNG or JPEG, checked by its bytes.

The web print dialog uploads it with the request (``POST /exports/map.pdf``); the CLI
reads a file (``--logo``). Either way the bytes are checked here: the file's signature
must be PNG's or JPEG's (the name and the declared type are not trusted), it must not be
larger than :data:`MAX_BYTES` nor wider or taller than :data:`MAX_SIDE` pixels, and it
must decode. The decoded image goes to the renderer; the upload is never written to disk
(it is smaller than the multipart parser's in-memory spool, see :mod:`maps.exports`).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image

from gis.errors import GISError

MAX_BYTES = 512 * 1024  # a header logo is small; below Starlette's 1 MiB in-memory spool
MAX_SIDE = 4000  # pixels
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def _error(message_en: str, message_vi: str, status: int = 400) -> GISError:
    """The error in each language apart (``description``, ``description_vi``): the print
    dialog shows the one of the map's language."""
    return GISError(status, message_en, parameter="logo", vi=message_vi)


def image_type(data: bytes) -> str | None:
    """PNG or JPEG by the file's first bytes, else None."""
    return next((kind for sig, kind in SIGNATURES.items() if data.startswith(sig)), None)


def read_logo(data: bytes) -> np.ndarray:
    """The logo as an RGB(A) array for ``imshow``; a 4xx naming ``logo`` otherwise."""
    if len(data) > MAX_BYTES:
        raise _error(f"logo: {len(data)} bytes; at most {MAX_BYTES} bytes (512 KB)",
                     f"logo: {len(data)} byte; tối đa {MAX_BYTES} byte (512 KB)", 413)
    kind = image_type(data)
    if kind is None:
        raise _error("logo: not a PNG or JPEG image (checked by the file's content)",
                     "logo: không phải ảnh PNG hoặc JPEG (kiểm tra theo nội dung tệp)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[kind])
            if max(img.size) > MAX_SIDE:
                raise _error(f"logo: {img.size[0]} x {img.size[1]} pixels; at most "
                             f"{MAX_SIDE} a side",
                             f"logo: {img.size[0]} x {img.size[1]} điểm ảnh; tối đa "
                             f"{MAX_SIDE} mỗi chiều")
            img.load()
    except GISError:
        raise
    except Exception:  # truncated, corrupt, a bomb: all say the same to the person
        raise _error(f"logo: the {kind} file is damaged or cannot be read",
                     f"logo: tệp {kind} bị hỏng hoặc không đọc được") from None
    return np.asarray(img.convert("RGBA" if "A" in img.getbands() or "transparency"
                                  in img.info else "RGB"))
