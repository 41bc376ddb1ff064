"""Base64 for request and reply bodies: pybase64 when it is installed, else the standard library.

A binary body spends nearly all of an adapter's time in base64: CPython's
codec takes about 1.2 ms per MiB each way, pybase64's SIMD one 30 to 50 times
less. It is optional (``pip install "faas-bridge[fast]"``) and loaded only for
a body large enough to gain from it, on first use. The results are the
standard library's, byte for byte: encoding is deterministic, and a text
pybase64 refuses is decoded again by the standard library, which accepts it
or raises its own error.

Decoding is strict as RFC 4648 and the strict mode of ``binascii.a2b_base64``
document it: the alphabet only, padding where it belongs and nothing after it.
Python 3.11 and 3.12 let excess padding through (``"AAAA="``), 3.13 refuses
it; excess padding is refused here on every version, so a body's verdict does
not change with the interpreter.
"""

from __future__ import annotations

import base64
import binascii
import sys
from typing import Any

#: Bodies shorter than this many bytes (or characters) go to the standard
#: library: there the codec is not what costs, and pybase64 need not be loaded.
LARGE = 8192

#: The pybase64 module; False when it is not installed; None until first needed.
_fast: Any = None


def encode(data: bytes | bytearray) -> str:
    """``data`` as base64 text (no newlines), as ``base64.b64encode`` gives it."""
    if len(data) >= LARGE:
        fast = _fast if _fast is not None else _load()
        if fast:
            text: str = fast.b64encode_as_string(data)
            return text
    return base64.b64encode(data).decode("ascii")


def decode(text: str | bytes) -> bytes:
    """The bytes ``text`` encodes, checked strictly (RFC 4648, see the module's docstring).

    ValueError (``binascii.Error`` is one) for anything that is not base64.
    """
    if _excess_padding(text):
        raise binascii.Error("Excess padding not allowed")
    if len(text) >= LARGE:
        fast = _fast if _fast is not None else _load()
        if fast:
            try:
                data: bytes = fast.b64decode(text, validate=True)
                return data
            except ValueError:
                pass  # the standard library's verdict (and message) decides
    if sys.version_info >= (3, 11):
        # What base64.b64decode(validate=True) does, without first copying a
        # str into bytes: binascii reads ASCII text where it lies (and refuses
        # anything else with the same ValueError).
        return binascii.a2b_base64(text, strict_mode=True)
    return base64.b64decode(text, validate=True)


def _excess_padding(text: str | bytes) -> bool:
    """Whether ``text`` is padded past its last group of four (read from its end only)."""
    tail = text[-3:]
    kept = tail.rstrip("=") if isinstance(tail, str) else tail.rstrip(b"=")
    pads = len(tail) - len(kept)
    # A valid text never ends in three; fewer are excess when they are more
    # than its data characters need to fill their last group of four.
    return pads == 3 or pads > -(len(text) - pads) % 4


def _load() -> Any:
    """pybase64, imported once; False when it is not installed."""
    global _fast
    try:
        import pybase64
    except ImportError:
        _fast = False
    else:
        _fast = pybase64
    return _fast
