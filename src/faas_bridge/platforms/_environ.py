"""Reading a WSGI environ back into a neutral Request.

For vendors whose function receives what a WSGI server built (Alibaba FC 2.0
calls the function WSGI-style, Google passes a werkzeug request, OpenFaaS and
kubeless hand over their server's request): the path comes from the raw
request target, so ``%2F`` survives, and every header is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from faas_bridge.errors import MalformedEvent, shown
from faas_bridge.http import Headers, Request
from faas_bridge.platforms.base import (
    PATH_SAFE,
    clean_query,
    clean_raw_path,
    is_port,
    split_host,
    split_prefix,
    utf8,
)


def from_environ(environ: Mapping[str, Any], body: bytes, base_path: str = "") -> Request:
    """The request a WSGI server received, from its environ: raw target, headers, peer.

    The path comes from the raw request target (``RAW_URI`` / ``REQUEST_URI``)
    so ``%2F`` survives, below ``SCRIPT_NAME``; the scheme is the server's
    own ``wsgi.url_scheme``.
    """
    method = environ.get("REQUEST_METHOD")
    if not isinstance(method, str) or not method:
        raise MalformedEvent(f"expected a non-empty string, got {shown(method)}", "REQUEST_METHOD")
    root = native_text(environ.get("SCRIPT_NAME"), "SCRIPT_NAME")
    raw_path = target_path(environ, root)
    if base_path and not root:
        rest = split_prefix(raw_path, base_path)
        root, raw_path = base_path, raw_path if rest is None else rest
    headers: Headers = []
    for key, value in environ.items():
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if key.startswith("HTTP_"):
            name = key[5:].lower().replace("_", "-")
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.lower().replace("_", "-")
        else:
            continue
        headers.append((name, checked_text(value, key)))
    query = latin1_bytes(environ.get("QUERY_STRING") or "", "QUERY_STRING")
    fallback = None
    if environ.get("SERVER_NAME"):
        fallback = (
            checked_text(environ["SERVER_NAME"], "SERVER_NAME"),
            port_number(environ.get("SERVER_PORT")),
        )
    scheme = checked_text(environ.get("wsgi.url_scheme") or "http", "wsgi.url_scheme")
    client = None
    if environ.get("REMOTE_ADDR"):
        client = (
            checked_text(environ["REMOTE_ADDR"], "REMOTE_ADDR"),
            port_number(environ.get("REMOTE_PORT")) or 0,
        )
    protocol = str(environ.get("SERVER_PROTOCOL") or "")
    return Request(
        method=method.upper(),
        raw_path=raw_path,
        root_path=root,
        query_string=clean_query(query.decode("utf-8", "replace")) if query else b"",
        headers=headers,
        body=body,
        scheme=scheme,
        server=server_from_headers(headers, scheme, fallback),
        client=client,
        http_version=protocol[5:] if protocol.upper().startswith("HTTP/") else "1.1",
    )


def native_text(value: Any, where: str) -> str:
    """A WSGI native string (latin-1 code points) as the text it encodes."""
    return latin1_bytes(value or "", where).decode("utf-8", "replace")


def path_info_bytes(path_info: str) -> bytes:
    """``PATH_INFO``'s bytes: a native string's, or UTF-8 for a server that passes text."""
    try:
        return path_info.encode("latin-1")
    except UnicodeEncodeError:
        return utf8(path_info, "PATH_INFO")


def checked_text(value: Any, where: str) -> str:
    """A native string the request is built from, checked to be one (latin-1 only)."""
    return latin1_bytes(value, where).decode("latin-1")


def latin1_bytes(value: Any, where: str) -> bytes:
    """The bytes a WSGI native string stands for: one latin-1 character per byte."""
    try:
        return str(value).encode("latin-1")
    except UnicodeEncodeError:
        raise MalformedEvent("not a WSGI native string (latin-1 characters only)", where) from None


def target_path(environ: Mapping[str, Any], root: str) -> bytes:
    """The percent-encoded path below ``root``, from the raw target when the server kept it."""
    target = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if target.startswith(("http://", "https://")):
        parts = target.split("/", 3)  # absolute-form: drop the scheme and authority
        target = "/" + parts[3] if len(parts) == 4 else "/"
    if target.startswith("/"):
        full = clean_raw_path(target.partition("?")[0], "RAW_URI")
        below = split_prefix(full, root) if root else full
        if below is not None:
            return below
    path_info = path_info_bytes(str(environ.get("PATH_INFO") or "/"))
    return quote(path_info or b"/", safe=PATH_SAFE).encode("ascii")


def port_number(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if is_port(text) else None


def server_from_headers(
    headers: Headers, scheme: str, fallback: tuple[str, int | None] | None
) -> tuple[str, int] | None:
    """(host, port) as a server sees them: the Host header, else its own name and port."""
    default_port = 443 if scheme == "https" else 80
    for name, value in headers:
        if name == "host" and value.strip():
            server_name, port = split_host(value.strip())
            return server_name, port or default_port
    if fallback is not None:
        return fallback[0], fallback[1] or default_port
    return None


def forwarded_scheme(headers: Headers, default: str) -> str:
    """The last ``X-Forwarded-Proto`` value, else ``default``."""
    scheme = default
    for name, value in headers:
        if name == "x-forwarded-proto":
            proto = value.split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scheme = proto
    return scheme
