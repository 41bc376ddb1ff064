"""The sample events the tests run on, and decoding AWS replies.

Two sources:

* ``tests/samples/``: the project's own sample events, one folder per vendor
  format (``aws-alb/``, ``openwhisk-web/``, ``non-http/``, ...), written from
  each vendor's documented event format with values of our own. Every test
  runs on these; they need nothing outside the repository.
* an extra conformance corpus, when ``FAAS_BRIDGE_EVENTS`` names a folder of
  the same layout (CI sets it to a collection of public vendor samples). Its
  files are named ``extra/<folder>/<file>`` here, and the tests that run over
  every sample of a folder run over them too.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"

#: How the names of the extra corpus's files begin.
EXTRA = "extra/"


def extra_dir() -> Path | None:
    """The extra corpus named by ``FAAS_BRIDGE_EVENTS``, or None when it is not set."""
    folder = os.environ.get("FAAS_BRIDGE_EVENTS")
    if not folder:
        return None
    path = Path(folder)
    if not path.is_dir():
        raise RuntimeError(f"FAAS_BRIDGE_EVENTS={folder!r} is not a folder")
    return path


def event_path(name: str) -> Path:
    """The file behind a sample name (own, or ``extra/...`` from the extra corpus)."""
    if name.startswith(EXTRA):
        root = extra_dir()
        if root is None:
            raise RuntimeError(f"{name}: FAAS_BRIDGE_EVENTS is not set")
        return root / name[len(EXTRA) :]
    return SAMPLES_DIR / name


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of a sample event, e.g. ``aws-alb/multi-value.json``."""
    with open(event_path(name), encoding="utf-8") as f:
        event: dict[str, Any] = json.load(f)
    return event


def own_event_names(*folders: str) -> list[str]:
    """The project's own sample events in these folders."""
    return _names(SAMPLES_DIR, folders, "")


def extra_event_names(*folders: str) -> list[str]:
    """The extra corpus's events in these folders (none when it is not set)."""
    root = extra_dir()
    return [] if root is None else _names(root, folders, EXTRA)


def event_names(*folders: str) -> list[str]:
    """Every sample event in these folders: our own, then the extra corpus's."""
    return own_event_names(*folders) + extra_event_names(*folders)


def sample_folders() -> list[str]:
    """The folder names of the own samples (one per vendor format, and ``non-http``)."""
    return sorted(p.name for p in SAMPLES_DIR.iterdir() if p.is_dir())


def _names(root: Path, folders: tuple[str, ...], prefix: str) -> list[str]:
    return sorted(
        prefix + str(path.relative_to(root))
        for folder in folders
        for path in (root / folder).glob("*.json")
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
