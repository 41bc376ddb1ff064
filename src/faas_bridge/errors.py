"""The exceptions faas_bridge raises: each says what was wrong and where."""

from __future__ import annotations

from collections.abc import Iterable


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
        tried_names = ", ".join(tried) or "none"
        if isinstance(event, dict):
            keys = ", ".join(sorted(map(str, event))) or "no keys"
            seen = f"an event with keys [{keys}]"
        else:
            seen = f"an event of type {type(event).__name__}"
        super().__init__(
            f"faas_bridge does not recognise {seen}; platforms tried: {tried_names}. "
            "Force one with the platform option or FAAS_BRIDGE_PLATFORM."
        )
        self.tried = tuple(tried)


class MalformedEvent(FaasBridgeError):
    """A recognised event that cannot be decoded into a request.

    The client is answered ``status`` (400 unless a subclass says otherwise,
    such as 413 for a body the vendor cut short) in the vendor's format.
    """

    status = 400

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
