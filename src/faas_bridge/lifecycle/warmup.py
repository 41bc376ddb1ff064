"""Warm-up pings: keep-warm events answered without running the app.

Tools that keep functions warm (serverless-plugin-warmup, or a scheduled
rule with a constant input) invoke the function with a fixed payload every
few minutes, so that the vendor keeps an execution environment ready. Such an
event is no request of the app's: among the events no adapter claims as an
HTTP request, the handler recognises it by the markers of the ``warmup``
option and answers at once, so the ping neither reaches the app nor is
refused as an unknown event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class WarmupMatcher:
    """Recognises warm-up pings from ``"key=value"`` markers (dotted keys allowed).

    The default marker is serverless-plugin-warmup's payload. A scheduled rule
    whose input is a constant such as ``{"warmer": true}`` is matched by the
    marker ``warmer=true``; a real scheduled event never carries it.
    """

    __slots__ = ("_markers",)

    def __init__(self, markers: tuple[str, ...]) -> None:
        parsed: list[tuple[tuple[str, ...], str]] = []
        for marker in markers:
            path, sep, value = marker.partition("=")
            if sep and path.strip():
                parsed.append((tuple(path.strip().split(".")), value.strip()))
        self._markers = tuple(parsed)

    def __call__(self, event: Any) -> bool:
        if type(event) is not dict and not isinstance(event, Mapping):
            return False
        if "__ow_method" in event:
            # An OpenWhisk web request: a default web action merges the
            # caller's JSON body beside __ow_method, so a body shaped like a
            # ping is the caller's request, which the app must answer.
            return False
        for path, expected in self._markers:
            value: Any = event.get(path[0])
            if value is None:
                continue  # the usual case: an HTTP event has no such key
            for key in path[1:]:
                value = value.get(key) if isinstance(value, Mapping) else None
            if value is not None and _text(value) == expected:
                return True
        return False


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)
