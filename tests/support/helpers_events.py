"""AWS events for driving the example apps through faas_bridge, and reading replies.

Each builder starts from one of the project's sample events (``tests/samples``; a
deep copy, so samples are never mutated) and changes only what a request needs:
method, path, query, headers, body and cookies, keeping everything else the
vendor put there (request context, stage, source IP, ...).

* :func:`http_api_event`: API Gateway HTTP API, payload 2.0, ``$default`` stage
  (the app is mounted at ``/``); cookies travel in the ``cookies`` list.
* :func:`rest_event`: API Gateway REST API on its ``execute-api`` host, stage
  ``prod`` (the app is mounted at ``/prod``); headers in ``headers`` and
  ``multiValueHeaders``, cookies in a ``Cookie`` header.
* :func:`alb_event`: ALB with multi-value headers enabled, plain HTTP.

This module is deliberately not ``conftest.py``: import it by name.
"""

from __future__ import annotations

import base64
import copy
import json
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode

from support.events import event_path

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"

HTTP_API_SAMPLE = "aws-apigw-v2/get-root.json"
REST_SAMPLE = "aws-apigw-v1/rest-post-base64-body.json"
ALB_SAMPLE = "aws-alb/multi-value.json"

#: The stage of the REST sample: the root path the app sees behind it.
REST_STAGE = "prod"

Body = bytes | str | None


@cache
def _sample_text(name: str) -> str:
    return event_path(name).read_text(encoding="utf-8")


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of the sample event ``name`` (relative to the events folder)."""
    return copy.deepcopy(json.loads(_sample_text(name)))


def _body_fields(body: Body, base64_body: bool) -> tuple[str | None, bool, int]:
    """(event body, isBase64Encoded, byte length) as API Gateway would send them."""
    if body is None:
        return None, False, 0
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if base64_body or isinstance(body, bytes):
        return base64.b64encode(raw).decode("ascii"), True, len(raw)
    return body, False, len(raw)


def _merge_headers(
    base: Mapping[str, str], extra: Mapping[str, str] | None, drop: Iterable[str] = ()
) -> dict[str, str]:
    """``base`` with ``extra`` on top, names compared without case, ``drop`` removed."""
    removed = {name.lower() for name in drop} | {name.lower() for name in extra or {}}
    merged = {k: v for k, v in base.items() if k.lower() not in removed}
    merged.update(extra or {})
    return merged


def http_api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    base64_body: bool = False,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event on the ``$default`` stage.

    ``query`` is the raw query string; ``cookies`` the ``name=value`` strings a
    browser would send (HTTP APIs pass them in ``cookies``, not as a header).
    A bytes ``body`` (or ``base64_body=True``) is sent base64-encoded.
    """
    event = load_event(HTTP_API_SAMPLE)
    event["rawPath"] = path
    event["rawQueryString"] = query
    event["routeKey"] = "$default"
    http = event["requestContext"]["http"]
    http["method"] = method
    http["path"] = path
    if query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            # HTTP APIs join repeated parameters with commas.
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    extra = {k.lower(): v for k, v in (headers or {}).items()}
    event_body, is_base64, length = _body_fields(body, base64_body)
    if event_body is not None:
        extra["content-length"] = str(length)
    event["headers"] = _merge_headers(event["headers"], extra, drop=["content-length"])
    if event_body is not None:
        event["body"] = event_body
    event["isBase64Encoded"] = is_base64
    if cookies:
        event["cookies"] = list(cookies)
    return event


def rest_event(
    method: str,
    path: str,
    *,
    query: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    base64_body: bool = False,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event on stage ``prod`` of an ``execute-api`` host.

    ``path`` is the resource path without the stage, as API Gateway sends it;
    the sample's own ``notify=yes`` query is replaced by ``query`` (none by
    default). Both header fields are filled consistently from one set.
    """
    event = load_event(REST_SAMPLE)
    event["httpMethod"] = method
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")} if path != "/" else None
    context = event["requestContext"]
    context["httpMethod"] = method
    context["path"] = f"/{REST_STAGE}{path}"
    assert context["stage"] == REST_STAGE
    if query:
        event["multiValueQueryStringParameters"] = {k: list(v) for k, v in query.items()}
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
    else:
        event["multiValueQueryStringParameters"] = None
        event["queryStringParameters"] = None
    extra = dict(headers or {})
    if cookies:
        extra["Cookie"] = "; ".join(cookies)
    event_body, is_base64, length = _body_fields(body, base64_body)
    if event_body is not None:
        extra["Content-Length"] = str(length)
    merged = _merge_headers(event["headers"], extra, drop=["Content-Length", "Cookie"])
    event["headers"] = merged
    event["multiValueHeaders"] = {k: [v] for k, v in merged.items()}
    event["body"] = event_body
    event["isBase64Encoded"] = is_base64
    return event


def rest_host() -> str:
    """The Host header of events from :func:`rest_event`."""
    return str(rest_event("GET", "/")["headers"]["Host"])


def alb_event(
    method: str,
    path: str,
    *,
    query: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An ALB event with multi-value headers enabled (plain HTTP, no root path)."""
    event = load_event(ALB_SAMPLE)
    event["httpMethod"] = method
    event["path"] = path
    event["multiValueQueryStringParameters"] = {k: list(v) for k, v in (query or {}).items()}
    extra = {k.lower(): [v] for k, v in (headers or {}).items()}
    event_body, is_base64, length = _body_fields(body, base64_body)
    if event_body is not None:
        extra["content-length"] = [str(length)]
    multi = {k: v for k, v in event["multiValueHeaders"].items() if k.lower() not in extra}
    multi.update(extra)
    event["multiValueHeaders"] = multi
    event["body"] = event_body or ""
    event["isBase64Encoded"] = is_base64
    return event


# --- reading replies -------------------------------------------------------------


def reply_body(reply: Mapping[str, Any]) -> bytes:
    """The reply body as bytes, base64-decoded when the reply says so."""
    body = reply.get("body") or ""
    if reply.get("isBase64Encoded"):
        return base64.b64decode(body, validate=True)
    return body.encode("utf-8")


def reply_json(reply: Mapping[str, Any]) -> Any:
    return json.loads(reply_body(reply))


def reply_text(reply: Mapping[str, Any]) -> str:
    return reply_body(reply).decode("utf-8")


def reply_headers(reply: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every header of a reply, lower-case name -> values, from either header field.

    Set-Cookie lines in a v2 reply's ``cookies`` list are not included; see
    :func:`set_cookie_lines`.
    """
    found: dict[str, list[str]] = {}
    for name, values in (reply.get("multiValueHeaders") or {}).items():
        found.setdefault(name.lower(), []).extend(values)
    for name, value in (reply.get("headers") or {}).items():
        found.setdefault(name.lower(), []).append(value)
    return found


def header(reply: Mapping[str, Any], name: str) -> str:
    """The single value of header ``name``; fails when it is missing or repeated."""
    values = reply_headers(reply).get(name.lower(), [])
    assert len(values) == 1, f"expected one {name!r} header, got {values!r} in {reply!r}"
    return values[0]


def set_cookie_lines(reply: Mapping[str, Any]) -> list[str]:
    """The Set-Cookie lines of a reply: v2 ``cookies`` plus any Set-Cookie header."""
    lines = list(reply.get("cookies") or [])
    lines.extend(reply_headers(reply).get("set-cookie", []))
    # A client strips optional whitespace around a field value (RFC 9110 5.5).
    return [line.strip() for line in lines]


def parse_set_cookies(lines: Iterable[str]) -> dict[str, Any]:
    """name -> ``http.cookies.Morsel`` for each Set-Cookie line."""
    morsels: dict[str, Any] = {}
    for line in lines:
        jar: SimpleCookie = SimpleCookie()
        jar.load(line)
        assert len(jar) == 1, f"one cookie per Set-Cookie line, got {line!r}"
        morsels.update(jar)
    return morsels


def cookie_pairs(lines: Iterable[str]) -> list[str]:
    """``name=value`` strings to send back, as a browser would, from Set-Cookie lines."""
    return [f"{name}={m.value}" for name, m in parse_set_cookies(lines).items()]


# --- request bodies --------------------------------------------------------------


def form_body(fields: Mapping[str, str]) -> str:
    return urlencode(fields)


def multipart_body(
    fields: Mapping[str, str], files: Mapping[str, tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/form-data request.

    ``files`` maps a field name to (file name, content type, content).
    """
    boundary = f"----faas-bridge-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, (filename, content_type, content) in files.items():
        parts.append(
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- importing an example as its Lambda root ----------------------------------------


@contextmanager
def example_on_path(directory: Path, module_names: Iterable[str]) -> Iterator[None]:
    """Make ``directory`` importable as a Lambda root, then put things back.

    Modules named ``module_names`` (and their submodules) that were imported
    from elsewhere are set aside first and restored afterwards, and the
    example's own copies are forgotten, so two examples that both have a
    top-level ``handler`` (or ``app``) never see each other's. Modules not
    named stay imported (Django's app registry keeps referring to them).
    """
    names = tuple(module_names)

    def owned(name: str) -> bool:
        return any(name == n or name.startswith(n + ".") for n in names)

    saved = {name: mod for name, mod in sys.modules.items() if owned(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))
        for name in [n for n in sys.modules if owned(n)]:
            del sys.modules[name]
        sys.modules.update(saved)


def module_file(module: ModuleType) -> Path:
    assert module.__file__ is not None
    return Path(module.__file__).resolve()
