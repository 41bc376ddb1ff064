"""What every emulator starts from: an HTTP request as the client sent it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from faas_bridge import b64
from faas_bridge.options import Options

# -- Building events: what the vendor would send for a real HTTP request --------
#
# Used by `faas-bridge events`, the local gateway and the tests. Each adapter
# module has a ``build_event(call, ...)`` that mirrors how its vendor turns an
# HTTP request into an event, quirks included.


class HttpCall(NamedTuple):
    """An HTTP request as a client sends it, before any vendor touches it.

    A named tuple (``call._replace(target=...)`` for a changed copy): this
    module is imported on every cold start, and a dataclass's generated code
    would cost it a third of a millisecond.
    """

    method: str = "GET"
    #: The request target as on the request line: percent-encoded path and query.
    target: str = "/"
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    client_ip: str = "198.51.100.7"

    @property
    def path(self) -> str:
        return self.target.partition("?")[0] or "/"

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (any case)."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


def event_body(call: HttpCall, text_types: tuple[str, ...] = ()) -> tuple[str | None, bool]:
    """(body, isBase64Encoded) as AWS services encode a request body.

    Text-like content types without Content-Encoding travel as text; anything
    else (and text that is not UTF-8) as base64.
    """
    if not call.body:
        return None, False
    options = Options(text_types=text_types)
    if options.is_text(call.header("content-type")) and not call.header("content-encoding"):
        try:
            return call.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return b64.encode(call.body), True


def request_id() -> str:
    """A fresh id in the vendors' UUID form."""
    import uuid  # for event builders only: not on a cold start

    return str(uuid.uuid4())
