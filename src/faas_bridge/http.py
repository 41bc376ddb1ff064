"""The neutral HTTP model between platform adapters and bridges.

Nothing vendor- or framework-specific lives here. Bytes are kept as they were on
the wire: header names lower-case, values in the bytes the client sent, the path
still percent-encoded so that ``%2F`` stays distinguishable from ``/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Headers = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Request:
    """One HTTP request as a real server would have received it."""

    method: str
    #: The percent-encoded path below ``root_path``, e.g. ``b"/caf%C3%A9/a%2Fb"``.
    raw_path: bytes
    #: The raw query string without ``?``, e.g. ``b"a=1&a=2"``.
    query_string: bytes = b""
    #: Header pairs in order, repeats kept, names lower-case.
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    #: The decoded prefix the app is mounted at (API stage, custom-domain base path).
    root_path: str = ""
    scheme: str = "https"
    server: tuple[str, int] | None = None
    client: tuple[str, int] | None = None
    http_version: str = "1.1"
    #: The vendor's event and context, untouched, for apps that want them.
    event: Any = None
    context: Any = None
    platform: str = ""
    #: The WSGI environ the vendor itself built, when it calls the function
    #: WSGI-style (Alibaba FC 2.0) or hands over a werkzeug request (Google):
    #: a WSGI app then gets a copy of it, with every key the vendor set.
    environ: dict[str, Any] | None = None


@dataclass(slots=True)
class Response:
    """What the app answered.

    Header names and values are ``str`` holding latin-1 code points (one
    character per wire byte), as PEP 3333 defines native strings.
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def plain_response(status: int, message: str) -> Response:
    """A short text/plain reply that faas_bridge itself produces (errors)."""
    return Response(
        status,
        [("Content-Type", "text/plain; charset=utf-8")],
        message.encode("utf-8"),
    )
