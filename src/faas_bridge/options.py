"""Options that shape how events are decoded and replies encoded."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import ConfigurationError

Interface = Literal["wsgi", "asgi"]

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


@dataclass(frozen=True, slots=True)
class Options:
    """Settings fixed when the handler is built, never re-read per call.

    ``base_path``: a custom-domain API mapping (``/v1``); stripped from the path
    on a segment boundary and moved into the root path.
    ``text_types``: content types (or prefixes such as ``text/``) to return as
    text, on top of :data:`DEFAULT_TEXT_TYPES`; other bodies are base64.
    ``platform``: force one platform adapter instead of detecting it.
    ``interface``: force ``"wsgi"`` or ``"asgi"`` instead of detecting it.
    """

    base_path: str = ""
    text_types: tuple[str, ...] = ()
    platform: str | None = None
    interface: Interface | None = None
    _text_prefixes: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        base = self.base_path.strip().strip("/")
        object.__setattr__(self, "base_path", "/" + base if base else "")
        extra = tuple(t.strip().lower() for t in self.text_types if t.strip())
        object.__setattr__(self, "_text_prefixes", DEFAULT_TEXT_TYPES + extra)
        if self.interface not in (None, "wsgi", "asgi"):
            raise ConfigurationError(f"interface must be 'wsgi' or 'asgi', not {self.interface!r}")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Options:
        """Options named by ``FAAS_BRIDGE_*`` environment variables."""
        env = os.environ if environ is None else environ
        interface = env.get("FAAS_BRIDGE_INTERFACE") or None
        if interface not in (None, "wsgi", "asgi"):
            raise ConfigurationError(
                f"FAAS_BRIDGE_INTERFACE must be 'wsgi' or 'asgi', not {interface!r}"
            )
        return cls(
            base_path=env.get("FAAS_BRIDGE_BASE_PATH", ""),
            text_types=tuple(env.get("FAAS_BRIDGE_TEXT_TYPES", "").split(",")),
            platform=env.get("FAAS_BRIDGE_PLATFORM") or None,
            interface=interface,  # type: ignore[arg-type]
        )

    def is_text(self, content_type: str | None) -> bool:
        """Whether a reply of this content type may be sent as plain text."""
        if not content_type:
            return False
        media = content_type.split(";", 1)[0].strip().lower()
        return media.endswith(("+json", "+xml")) or media.startswith(self._text_prefixes)
