"""What every platform adapter is, and the helpers they share.

An adapter recognises its vendor's event, decodes it into a neutral Request and
encodes a neutral Response into the vendor's reply. Adapters never touch the
bridges, and the bridges never see a vendor event.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import quote

from ..errors import MalformedEvent
from ..http import Request, Response
from ..options import Options

# Characters allowed literally in a path (RFC 3986 pchar and "/"), minus "%".
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
# For a path that is already percent-encoded, "%" is kept too.
_ENCODED_PATH_SAFE = _PATH_SAFE + "%"
# A query string keeps every visible ASCII character as it came.
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "#")


class Platform:
    """One vendor event family. Subclasses set ``name`` and the three methods."""

    name: ClassVar[str]

    __slots__ = ("options",)

    def __init__(self, options: Options) -> None:
        self.options = options

    def matches(self, event: Any) -> bool:
        """Whether this event belongs to this platform (cheap, no side effects)."""
        raise NotImplementedError

    def decode(self, event: Any, context: Any) -> Request:
        """The HTTP request the event carries; MalformedEvent when it cannot."""
        raise NotImplementedError

    def encode(self, response: Response, event: Any) -> Any:
        """The vendor's reply for ``response`` to ``event``."""
        raise NotImplementedError

    def request_id(self, event: Any, context: Any) -> str | None:
        """The id the vendor's logs know this invocation by."""
        return getattr(context, "aws_request_id", None) or getattr(context, "request_id", None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def encode_path(path: str) -> bytes:
    """Percent-encode a path the vendor has already decoded (``%`` included)."""
    return quote(path, safe=_PATH_SAFE).encode("ascii")


def clean_raw_path(path: str) -> bytes:
    """A path the vendor left percent-encoded, with stray characters encoded."""
    if path.isascii() and " " not in path and path.isprintable():
        return path.encode("ascii")
    return quote(path, safe=_ENCODED_PATH_SAFE).encode("ascii")


def clean_query(query: str) -> bytes:
    """A raw query string as bytes, with any non-ASCII or space percent-encoded."""
    if query.isascii() and " " not in query and query.isprintable():
        return query.encode("ascii")
    return quote(query, safe=_QUERY_SAFE).encode("ascii")


def split_prefix(raw_path: bytes, prefix: str) -> bytes | None:
    """``raw_path`` below ``prefix`` when it starts there on a segment boundary."""
    head = encode_path(prefix)
    if raw_path == head:
        return b"/"
    if raw_path.startswith(head + b"/"):
        return raw_path[len(head) :]
    return None


def decode_body(body: Any, is_base64: Any, where: str = "body") -> bytes:
    """The request body bytes; base64 checked strictly when flagged."""
    if body is None or body == "":
        return b""
    if not isinstance(body, str):
        raise MalformedEvent(f"the body must be a string, not {type(body).__name__}", where)
    if is_base64:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedEvent(f"the body is flagged base64 but is not valid base64: {exc}", where) from None
    return body.encode("utf-8")


def encode_body(response: Response, options: Options) -> tuple[str, bool]:
    """The reply body as (text, is_base64): text only when it is safe and byte-exact."""
    body = response.body
    if not body:
        return "", False
    if options.is_text(response.header("content-type")) and not response.header(
        "content-encoding"
    ):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # labelled text, but not UTF-8: only base64 keeps it byte-exact
    return base64.b64encode(body).decode("ascii"), True


def group_headers(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Header values by name, names compared without case, first spelling kept."""
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        first = spelling.setdefault(key, name)
        grouped.setdefault(first, []).append(value)
    return grouped


def status_line(status: int) -> str:
    """``"200 OK"``: the status with its standard reason phrase."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def split_host(host: str) -> tuple[str, int | None]:
    """``("example.com", 8080)`` from ``"example.com:8080"``; IPv6 brackets kept."""
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and (not name.startswith("[") or name.endswith("]")):
        return name, int(port)
    return host, None


def server_address(
    headers: Mapping[bytes, bytes] | list[tuple[bytes, bytes]],
    fallback_host: str | None,
) -> tuple[str, tuple[str, int] | None]:
    """(scheme, server) from Host and X-Forwarded-Proto/-Port headers.

    An event with no Host (API Gateway console tests) falls back to the domain
    name the vendor recorded.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    host = proto = fport = None
    for name, value in items:
        if name == b"host":
            host = value.decode("latin-1")
        elif name == b"x-forwarded-proto":
            proto = value.decode("latin-1").split(",")[-1].strip().lower()
        elif name == b"x-forwarded-port":
            fport = value.decode("latin-1").split(",")[-1].strip()
    scheme = proto if proto in ("http", "https") else "https"
    host = host or fallback_host
    if not host:
        return scheme, None
    name, port = split_host(host.strip())
    if fport and fport.isdigit():
        port = int(fport)
    if port is None:
        port = 443 if scheme == "https" else 80
    return scheme, (name, port)


def header_pairs(headers: Any, where: str) -> list[tuple[bytes, bytes]]:
    """Pairs from a ``{name: value}`` or ``{name: [values]}`` mapping; None means none."""
    if headers is None:
        return []
    if not isinstance(headers, Mapping):
        raise MalformedEvent(f"headers must be an object, not {type(headers).__name__}", where)
    pairs: list[tuple[bytes, bytes]] = []
    for name, value in headers.items():
        key = str(name).lower().encode("latin-1", "replace")
        if isinstance(value, str):
            pairs.append((key, value.encode("utf-8")))
        elif isinstance(value, list):
            pairs.extend((key, str(v).encode("utf-8")) for v in value if v is not None)
        elif value is not None:
            pairs.append((key, str(value).encode("utf-8")))
    return pairs
