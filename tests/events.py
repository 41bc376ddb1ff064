"""Loading the vendors' sample events from ../shared/events and decoding replies."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "shared" / "events"


def events_dir() -> Path:
    """Where the shared sample events live (``FAAS_BRIDGE_EVENTS`` overrides)."""
    import os

    override = os.environ.get("FAAS_BRIDGE_EVENTS")
    return Path(override) if override else EVENTS_DIR


def load_event(name: str) -> dict[str, Any]:
    """A sample event by its path below the events folder, e.g. ``aws-alb/go-multi-value.json``."""
    with open(events_dir() / name, encoding="utf-8") as f:
        event: dict[str, Any] = json.load(f)
    return event


def event_names(*folders: str) -> list[str]:
    """Every sample event in these folders, as names for :func:`load_event`."""
    root = events_dir()
    return sorted(
        str(path.relative_to(root)) for folder in folders for path in (root / folder).glob("*.json")
    )


def reply_body(reply: dict[str, Any]) -> bytes:
    """The body bytes of an AWS reply, base64-decoded when flagged."""
    body = reply.get("body") or ""
    if reply.get("isBase64Encoded"):
        return base64.b64decode(body)
    return str(body).encode("utf-8")


def reply_json(reply: dict[str, Any]) -> Any:
    return json.loads(reply_body(reply))


def reply_headers(reply: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (lower-case name, value) pair in an AWS reply, cookies included."""
    pairs: list[tuple[str, str]] = []
    for name, values in (reply.get("multiValueHeaders") or {}).items():
        pairs.extend((name.lower(), v) for v in values)
    multi = {name.lower() for name in reply.get("multiValueHeaders") or {}}
    for name, value in (reply.get("headers") or {}).items():
        if name.lower() not in multi:
            pairs.append((name.lower(), value))
    pairs.extend(("set-cookie", c) for c in reply.get("cookies") or ())
    return pairs
