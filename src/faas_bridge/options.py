"""Options that shape how events are decoded and replies encoded."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from faas_bridge.errors import ConfigurationError

Interface = Literal["wsgi", "asgi"]
LifespanMode = Literal["auto", "on", "off"]
NonHttpEvents = Literal["auto", "accept", "refuse"]
UnderscoreHeaders = Literal["drop", "keep"]

#: Content types sent as plain text in replies; everything else is base64.
DEFAULT_TEXT_TYPES: tuple[str, ...] = (
    "text/",
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/xhtml+xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "application/ld+json",
    "application/problem+json",
    "image/svg+xml",
)


#: How many content types Options.is_text remembers, and the longest it
#: remembers: a reply's content type may echo the request, so the verdicts are
#: bounded in bytes (64 KiB of text at most), and a longer one is worked out
#: each time.
_MAX_VERDICTS = 256
_MAX_REMEMBERED_TYPE = 256

#: serverless-plugin-warmup's default payload.
DEFAULT_WARMUP: tuple[str, ...] = ("source=serverless-plugin-warmup",)


#: The settings an Options is made of (faas.yml's option keys), in the constructor's order.
SETTINGS: tuple[str, ...] = (
    "base_path",
    "text_types",
    "platform",
    "interface",
    "lifespan",
    "deadline_margin",
    "shutdown_timeout",
    "warmup",
    "trusted_proxy_hops",
    "non_http_events",
    "underscore_headers",
    "response_stream",
)


class Options:
    """Settings fixed when the handler is built, never re-read per call.

    ``base_path``: a custom-domain API mapping (``/v1``); stripped from the path
    on a segment boundary and moved into the root path.
    ``text_types``: content types (or prefixes such as ``text/``) to return as
    text, on top of :data:`DEFAULT_TEXT_TYPES`; other bodies are base64.
    ``platform``: force one platform adapter instead of detecting it.
    ``interface``: force ``"wsgi"`` or ``"asgi"`` instead of detecting it.
    ``lifespan``: ``"auto"``, ``"on"`` or ``"off"``, as uvicorn's option.
    ``deadline_margin``: seconds kept in hand before the platform's deadline:
    an ASGI request still running then is cancelled and answered 504.
    ``shutdown_timeout``: the most seconds shutdown may take.
    ``warmup``: ``"key=value"`` markers of warm-up pings (dotted keys allowed),
    answered without touching the app.
    ``trusted_proxy_hops``: how many proxies of your own stand in front of the
    vendor (0: none). The client address is then the X-Forwarded-For entry
    that many places before the vendor's own record, instead of that record.
    ``non_http_events``: whether events that are not HTTP requests (trigger
    deliveries) are taken: ``"auto"`` takes them except where an anonymous HTTP
    caller can write the whole event (faas_bridge.routing.surfaces.caller_shaped);
    ``"accept"`` takes them there too (no anonymous caller can reach the
    function); ``"refuse"`` never takes them (an HTTP-only function).
    ``underscore_headers``: ``"drop"`` (the default) leaves request headers
    whose names hold ``_`` out of a WSGI environ, as gunicorn's ``header_map``
    does by default: ``X_Forwarded_Proto`` would otherwise take the place of
    ``X-Forwarded-Proto``. ``"keep"`` maps them as ``-`` (gunicorn's
    ``"dangerous"``). An ASGI scope keeps every name as sent, as uvicorn's does.
    ``response_stream``: the function's HTTP integration streams replies (a
    Lambda Function URL in the ``RESPONSE_STREAM`` invoke mode, an API Gateway
    REST API with response streaming): under faas_bridge's runtime, its replies
    are then sent as the app produces them. Other integrations stay buffered,
    and so does everything under a runtime that cannot stream (the managed
    Python runtime's loop).

    Immutable, compared and hashed by these settings. Written out rather than
    a frozen dataclass, whose generated code a cold start would pay for (about
    a millisecond); :meth:`replace` stands in for ``dataclasses.replace``.
    """

    __slots__ = (*SETTINGS, "_text_prefixes", "_text_verdicts")

    base_path: str
    text_types: tuple[str, ...]
    platform: str | None
    interface: Interface | None
    lifespan: LifespanMode
    deadline_margin: float
    shutdown_timeout: float
    warmup: tuple[str, ...]
    trusted_proxy_hops: int
    non_http_events: NonHttpEvents
    underscore_headers: UnderscoreHeaders
    response_stream: bool
    _text_prefixes: tuple[str, ...]
    #: is_text's verdicts by content type: apps answer with a handful of them.
    _text_verdicts: dict[str, bool]

    def __init__(
        self,
        base_path: str = "",
        text_types: tuple[str, ...] = (),
        platform: str | None = None,
        interface: Interface | None = None,
        lifespan: LifespanMode = "auto",
        deadline_margin: float = 0.5,
        shutdown_timeout: float = 2.0,
        warmup: tuple[str, ...] = DEFAULT_WARMUP,
        trusted_proxy_hops: int = 0,
        non_http_events: NonHttpEvents = "auto",
        underscore_headers: UnderscoreHeaders = "drop",
        response_stream: bool = False,
    ) -> None:
        _check_choice("interface", interface, (None, "wsgi", "asgi"))
        _check_choice("lifespan", lifespan, ("auto", "on", "off"))
        _check_choice("non_http_events", non_http_events, ("auto", "accept", "refuse"))
        _check_choice("underscore_headers", underscore_headers, ("drop", "keep"))
        if response_stream is not True and response_stream is not False:
            raise ConfigurationError(
                f"response_stream must be True or False, not {response_stream!r}"
            )
        for name, seconds in (
            ("deadline_margin", deadline_margin),
            ("shutdown_timeout", shutdown_timeout),
        ):
            if not isinstance(seconds, (int, float)) or seconds < 0:
                raise ConfigurationError(
                    f"{name} must be a number of seconds >= 0, not {seconds!r}"
                )
        hops = trusted_proxy_hops
        if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
            raise ConfigurationError(
                f"trusted_proxy_hops must be a whole number of proxies >= 0, not {hops!r}"
            )
        base = base_path.strip().strip("/")
        extra = tuple(t.strip().lower() for t in text_types if t.strip())
        settings: tuple[tuple[str, Any], ...] = (
            ("base_path", "/" + base if base else ""),
            ("text_types", text_types),
            ("platform", platform),
            ("interface", interface),
            ("lifespan", lifespan),
            ("deadline_margin", deadline_margin),
            ("shutdown_timeout", shutdown_timeout),
            ("warmup", warmup),
            ("trusted_proxy_hops", trusted_proxy_hops),
            ("non_http_events", non_http_events),
            ("underscore_headers", underscore_headers),
            ("response_stream", response_stream),
            ("_text_prefixes", DEFAULT_TEXT_TYPES + extra),
            ("_text_verdicts", {}),
        )
        for name, value in settings:
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> Options:
        """A copy with ``changes`` applied (and checked), as ``dataclasses.replace`` makes one."""
        return Options(**({name: getattr(self, name) for name in SETTINGS} | changes))

    def _settings(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in SETTINGS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Options are immutable: cannot assign to {name!r} (use replace())")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Options are immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not Options:
            return NotImplemented
        return self._settings() == other._settings()

    def __hash__(self) -> int:
        return hash(self._settings())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in SETTINGS)
        return f"Options({shown})"

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, defaults: Mapping[str, Any] | None = None
    ) -> Options:
        """Options named by ``FAAS_BRIDGE_*`` environment variables, over ``defaults``.

        ``defaults`` are faas.yml's options: a variable that is set wins.
        """
        env = os.environ if environ is None else environ
        settings: dict[str, Any] = dict(defaults or {})
        texts = (
            ("base_path", "FAAS_BRIDGE_BASE_PATH"),
            ("platform", "FAAS_BRIDGE_PLATFORM"),
            ("interface", "FAAS_BRIDGE_INTERFACE"),
            ("lifespan", "FAAS_BRIDGE_LIFESPAN"),
            ("non_http_events", "FAAS_BRIDGE_NON_HTTP_EVENTS"),
            ("underscore_headers", "FAAS_BRIDGE_UNDERSCORE_HEADERS"),
        )
        for name, variable in texts:
            if env.get(variable):
                settings[name] = env[variable]
        text_types = env.get("FAAS_BRIDGE_TEXT_TYPES", "")
        if text_types.strip():
            settings["text_types"] = tuple(t.strip() for t in text_types.split(",") if t.strip())
        seconds = (
            ("deadline_margin", "FAAS_BRIDGE_DEADLINE_MARGIN"),
            ("shutdown_timeout", "FAAS_BRIDGE_SHUTDOWN_TIMEOUT"),
        )
        for name, variable in seconds:
            text = env.get(variable)
            if text:
                try:
                    settings[name] = float(text)
                except ValueError:
                    raise ConfigurationError(
                        f"{variable} must be a number of seconds, not {text!r}"
                    ) from None
        hops = env.get("FAAS_BRIDGE_TRUSTED_PROXY_HOPS")
        if hops:
            try:
                settings["trusted_proxy_hops"] = int(hops)
            except ValueError:
                raise ConfigurationError(
                    f"FAAS_BRIDGE_TRUSTED_PROXY_HOPS must be a whole number, not {hops!r}"
                ) from None
        stream = env.get("FAAS_BRIDGE_RESPONSE_STREAM")
        if stream:
            switch = _SWITCH.get(stream.strip().lower())
            if switch is None:
                raise ConfigurationError(
                    f"FAAS_BRIDGE_RESPONSE_STREAM must be on or off (true, false, 1, 0), "
                    f"not {stream!r}"
                )
            settings["response_stream"] = switch
        warmup = env.get("FAAS_BRIDGE_WARMUP")
        if warmup is not None:
            settings["warmup"] = DEFAULT_WARMUP + tuple(m for m in warmup.split(",") if m.strip())
        return cls(**settings)

    def is_text(self, content_type: str | None) -> bool:
        """Whether a reply of this content type may be sent as plain text."""
        if not content_type:
            return False
        verdict = self._text_verdicts.get(content_type)
        if verdict is None:
            media = content_type.split(";", 1)[0].strip().lower()
            verdict = media.endswith(("+json", "+xml")) or media.startswith(self._text_prefixes)
            if (
                len(content_type) <= _MAX_REMEMBERED_TYPE
                and len(self._text_verdicts) < _MAX_VERDICTS
            ):
                self._text_verdicts[content_type] = verdict
        return verdict


#: How a yes/no variable may be spelled.
_SWITCH = {
    "1": True,
    "true": True,
    "on": True,
    "yes": True,
    "0": False,
    "false": False,
    "off": False,
    "no": False,
}


def _check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices if c is not None)
        raise ConfigurationError(f"{name} must be one of {allowed}, not {value!r}")
