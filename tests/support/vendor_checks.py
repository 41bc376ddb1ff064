"""Helpers for the Alibaba, Tencent and Huawei adapter tests.

What the echo apps saw of a request, in one comparable shape, and the reply
checks every ``{isBase64Encoded, statusCode, headers, body}`` vendor shares.
This module is deliberately not ``conftest.py``: import it by name.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from faas_bridge.devtools.emulators.base import HttpCall
from support.events import reply_body

#: The reply fields these vendors document, and the JSON type of each.
REPLY_TYPES = {"isBase64Encoded": bool, "statusCode": int, "headers": dict, "body": str}
BINARY = bytes(range(256))


def b64(text: str | bytes) -> str:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


def seen(reply: dict[str, Any]) -> Any:
    """What the echo app reported, from a JSON reply."""
    return json.loads(reply_body(reply))


def flask_view(seen: dict[str, Any]) -> tuple[Any, ...]:
    """(method, path below the mount, root path, sorted args, body base64, client)."""
    return (
        seen["method"],
        seen["path"],
        seen["script_root"],
        sorted(map(tuple, seen["args"])),
        seen["body"],
        seen["remote_addr"],
    )


def asgi_view(seen: dict[str, Any]) -> tuple[Any, ...]:
    """The same from the raw ASGI echo, whose ``path`` includes ``root_path``."""
    root = seen["root_path"]
    assert seen["path"].startswith(root)
    return (
        seen["method"],
        seen["path"][len(root) :],
        root,
        sorted(parse_qsl(seen["query_string"], keep_blank_values=True)),
        seen["body"],
        seen["client_host"],
    )


def check_reply_shape(reply: dict[str, Any]) -> None:
    """Exactly the documented fields, each of the documented type."""
    assert set(reply) == set(REPLY_TYPES), reply
    for key, kind in REPLY_TYPES.items():
        assert isinstance(reply[key], kind), (key, reply[key])
    assert type(reply["statusCode"]) is int  # not a bool, not a string


def single_header_values(reply: dict[str, Any]) -> dict[str, str]:
    """Lower-case name -> value of a reply whose headers are plain strings."""
    headers = {name.lower(): value for name, value in reply["headers"].items()}
    assert all(isinstance(value, str) for value in headers.values()), headers
    return headers


def call(
    method: str = "GET",
    target: str = "/",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpCall:
    return HttpCall(method=method, target=target, headers=list(headers or []), body=body)
