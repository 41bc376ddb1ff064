"""Timing cases: one app and one event, every contender that serves both.

The floor is given exactly what faas_bridge would give the app (the environ
or scope built from faas_bridge's decoding of the same event), so the app does
the same work in both and the difference is the adapter's. Each contender's
reply is checked against the floor's (status and body bytes) before timing:
an adapter that answers wrongly is reported, not timed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import adapters, apps, events
from .timing import Sample, Settings, measure, paired_ratio


@dataclass
class CaseResult:
    app: str
    interface: str
    event: str
    #: "common" (all adapters) or "vendor" (faas_bridge alone).
    group: str
    #: The adapter faas_bridge detected for the event.
    platform: str
    samples: dict[str, Sample] = field(default_factory=dict)
    #: Contender -> why it was not timed.
    failures: dict[str, str] = field(default_factory=dict)

    def median(self, name: str) -> float | None:
        sample = self.samples.get(name)
        return sample.median if sample else None

    def ratio(self, name: str, to: str) -> float | None:
        """``name``'s time over ``to``'s, paired round by round (see timing.py)."""
        a, b = self.samples.get(name), self.samples.get(to)
        return paired_ratio(a, b) if a and b else None

    @property
    def peers(self) -> list[str]:
        return [n for n in self.samples if n not in (adapters.FLOOR, adapters.FAAS_BRIDGE)]

    def best_peer(self) -> tuple[str, float] | None:
        timed = [(self.samples[n].median, n) for n in self.peers]
        if not timed:
            return None
        best, name = min(timed)
        return name, best

    def ratios(self) -> dict[str, dict[str, float | None]]:
        """Per contender: paired ratio to the floor and to the best peer."""
        best = self.best_peer()
        return {
            name: {
                "floor": self.ratio(name, adapters.FLOOR),
                "best_peer": self.ratio(name, best[0]) if best else None,
            }
            for name in self.samples
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "interface": self.interface,
            "event": self.event,
            "group": self.group,
            "platform": self.platform,
            "failures": self.failures,
            "best_peer": (self.best_peer() or (None,))[0],
            "ratios": self.ratios(),
            "samples": {
                name: {
                    "median_us": s.median,
                    "q1_us": s.quartiles[0],
                    "q3_us": s.quartiles[1],
                    "batch": s.batch,
                    "rounds_us": s.per_call_us,
                }
                for name, s in self.samples.items()
            },
        }


class Bench:
    """Builds apps, handlers and events once, and times cases on demand."""

    def __init__(self, event_names: list[str] | None = None) -> None:
        self.events, self.skipped_events = events.build_all(event_names)
        self.loop = asyncio.new_event_loop()
        self._handlers: dict[str, dict[str, Callable[..., Any]]] = {}
        self.build_failures: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        """Close the floor's event loop."""
        self.loop.close()

    def handlers(self, app_name: str) -> dict[str, Callable[..., Any]]:
        """Every adapter's handler for this app, built once."""
        if app_name not in self._handlers:
            app = apps.load(app_name)
            built: dict[str, Callable[..., Any]] = {}
            failed: dict[str, str] = {}
            for name, factory in adapters.handler_factories(app, apps.interface(app_name)).items():
                try:
                    built[name] = factory()
                except Exception as exc:
                    failed[name] = f"{type(exc).__name__}: {exc}"
            self._handlers[app_name] = built
            self.build_failures[app_name] = failed
        return self._handlers[app_name]

    def contenders(
        self, app_name: str, event_name: str
    ) -> tuple[list[adapters.Contender], CaseResult]:
        """The floor and every adapter that takes part, and the (empty) result."""
        from faas_bridge.bridges.asgi import build_scope
        from faas_bridge.bridges.wsgi import build_environ

        interface = apps.interface(app_name)
        app = apps.load(app_name)
        handlers = self.handlers(app_name)
        event = self.events[event_name]
        group = "common" if event_name in events.COMMON else "vendor"
        bridge = handlers[adapters.FAAS_BRIDGE]
        platform = bridge.detect(event)  # type: ignore[attr-defined]
        request = platform.decode(event, adapters.CONTEXT)
        if interface == "wsgi":
            floor = adapters.wsgi_floor(app, build_environ(request), request.body)
        else:
            scope = build_scope(request)
            floor = adapters.asgi_floor(_asgi3(app), scope, request.body, self.loop)
        result = CaseResult(app_name, interface, event_name, group, platform.name)
        contenders = [floor]
        for name, handler in handlers.items():
            if group == "common" or name == adapters.FAAS_BRIDGE:
                contenders.append(adapters.adapter_contender(name, handler, event))
        for name, reason in self.build_failures[app_name].items():
            result.failures[name] = f"handler not built: {reason}"
        return contenders, result

    def checked_contenders(
        self, app_name: str, event_name: str
    ) -> tuple[list[adapters.Contender], CaseResult]:
        """The contenders that answer the event as the floor does; the others are failures.

        Checked on status and body bytes, and that the event is left unchanged:
        the time or work of an adapter that answers wrongly means nothing.
        """
        contenders, result = self.contenders(app_name, event_name)
        event = self.events[event_name]
        before = json.dumps(event, sort_keys=True)
        floor = contenders[0]
        expected = floor.read(floor.call())
        valid = []
        for contender in contenders:
            try:
                got = contender.read(contender.call())
            except Exception as exc:
                result.failures[contender.name] = f"raised {type(exc).__name__}: {exc}"
                continue
            if got != expected:
                result.failures[contender.name] = (
                    f"wrong reply: status {got[0]}, {len(got[1])} body bytes "
                    f"(expected {expected[0]}, {len(expected[1])})"
                )
                continue
            if json.dumps(event, sort_keys=True) != before:
                result.failures[contender.name] = "changed the event it was given"
                continue
            valid.append(contender)
        if expected[0] != 200:
            result.failures[adapters.FLOOR] = f"the app answered {expected[0]}"
        return valid, result

    def run_case(self, app_name: str, event_name: str, settings: Settings) -> CaseResult:
        valid, result = self.checked_contenders(app_name, event_name)
        result.samples = measure([(c.name, c.call) for c in valid], settings)
        return result


def _asgi3(app: Any) -> Any:
    """An ASGI 2 app in ASGI 3 form (the apps here are all ASGI 3 already)."""
    return app
