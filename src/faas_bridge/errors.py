"""The exceptions faas_bridge raises: each says what was wrong and where.

::

    FaasBridgeError
    ├── ConfigurationError      the app or an option cannot be resolved
    ├── UnrecognisedEvent       no adapter recognises the event (raised to the platform)
    ├── MalformedEvent          400: a recognised event that cannot be decoded
    │   └── RequestTooLarge     413: a request body over the vendor's limit
    └── AppFailure              500: the app raised, broke the WSGI/ASGI protocol or
        │                            answered something that is not HTTP
        └── ReplyRejected       502: a valid reply the vendor would refuse
            └── ReplyTooLarge   502: ... because it is over the vendor's size limit

Only the first two ever reach the platform; the others carry the ``status``
the handler answers with, in the vendor's own reply format. Messages are
plain text of bounded length: values from the event are shown shortened and
escaped, so an error about hostile input is never itself hostile.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the type checker: building a Protocol class would slow every cold start
    from typing import Protocol

    class HasRequestId(Protocol):
        """An adapter, as far as a log line about its invocation needs it."""

        def request_id(self, event: Any, context: Any, /) -> str | None: ...


#: The most characters of event text an error message quotes.
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = 60
_SHOWN.maxother = 60
_SHOWN.maxlist = _SHOWN.maxdict = _SHOWN.maxtuple = 4
_MAX_WHERE = 200
_MAX_MESSAGE = 600


def shown(value: object) -> str:
    """``value`` as a message quotes it: a short repr, escaped to ASCII-safe text."""
    return safe_text(_SHOWN.repr(value), _MAX_MESSAGE)


def safe_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with lone surrogates escaped.

    A message must always be encodable as UTF-8 (it becomes a reply body and a
    log line) and short (it may quote a key taken from a hostile event).
    """
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if not text.isascii():
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        if len(text) > limit:  # escapes are longer than what they stand for
            text = text[: limit - 3] + "..."
    return text


def request_id_of(platform: HasRequestId, event: Any, context: Any) -> str | None:
    """The invocation's id for a log line; None when even that cannot be read.

    A log line about a failure names it whatever the event holds: the id is
    read by the adapter from a hostile event, so its own failure is not one more.
    """
    try:
        return platform.request_id(event, context)
    except Exception:
        return None


class FaasBridgeError(Exception):
    """Base class of every error raised by faas_bridge."""


class ConfigurationError(FaasBridgeError):
    """The app or an option could not be resolved from the configuration."""


class UnrecognisedEvent(FaasBridgeError):
    """No platform adapter recognises the event.

    The platform must see an invocation error here, not a made-up HTTP reply:
    the event may not be an HTTP request at all.
    """

    def __init__(self, event: object, tried: Iterable[str]) -> None:
        self.tried = tuple(tried)
        tried_names = ", ".join(self.tried) or "none"
        if isinstance(event, dict):
            names = sorted(map(str, event))
            keys = ", ".join(safe_text(name, 40) for name in names[:20]) or "no keys"
            if len(names) > 20:
                keys += f", ... ({len(names) - 20} more)"
            seen = f"an event with keys [{keys}]"
        else:
            seen = f"an event of type {type(event).__name__}"
        super().__init__(
            f"faas_bridge does not recognise {seen}; platforms tried: {tried_names}. "
            "Force one with the platform option or FAAS_BRIDGE_PLATFORM."
        )


class MalformedEvent(FaasBridgeError):
    """A recognised event that cannot be decoded into a request.

    The client is answered ``status`` (400 unless a subclass says otherwise,
    such as 413 for a body the vendor cut short) in the vendor's format.
    """

    status = 400

    def __init__(self, message: str, where: str = "") -> None:
        where = safe_text(where, _MAX_WHERE)
        message = safe_text(message, _MAX_MESSAGE)
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class RequestTooLarge(MalformedEvent):
    """A request body larger than the vendor delivers: the client is answered 413.

    The vendor itself refuses such a request before the function runs, so an
    event carrying one did not come from it (or it cut the body short).
    """

    status = 413


class AppFailure(FaasBridgeError):
    """The app failed: it raised, broke the WSGI/ASGI protocol, or its reply is not HTTP.

    A reply is not HTTP when a header name is not a token, a header value
    holds a control character (CR or LF would let the app's data forge headers
    of its own), the status is not an integer from 100 to 599, or
    Content-Length is repeated. The client is answered ``status`` (500); the
    details go to the log only.
    """

    status = 500


class ReplyRejected(AppFailure):
    """A valid HTTP reply the vendor would refuse: the client is answered 502.

    The vendor would answer an opaque error of its own; this one says why.
    """

    status = 502


class ReplyTooLarge(ReplyRejected):
    """A reply over the vendor's size limit (counted as the vendor counts it)."""
