"""Apache OpenWhisk web actions: also IBM Cloud Functions and DigitalOcean Functions.

Recognised by ``__ow_method`` (the parameters the OpenWhisk controller adds to
a web action's input) or by DigitalOcean's ``http`` object (``http.method``
with ``http.headers``). The controller's quirks, read from its source
(``WebActions.scala``) and docs (``docs/webactions.md``):

* ``__ow_method`` is lower-case; ``__ow_headers`` is one string per name, so a
  repeated request header keeps only its last value; ``__ow_path`` is the path
  after the action name, re-rendered percent-encoded (``%2F`` survives), empty
  for the action's own URL.
* Raw actions (``--web raw``, DigitalOcean ``web: raw``) get the query as
  ``__ow_query`` (parsed and re-rendered: ``%20`` arrives as ``+``) and the body
  as ``__ow_body``, base64 when Pekko/Akka HTTP calls the content type binary,
  or it is ``application/json``, plain text otherwise: there is no flag, so the
  rule is applied again here (DigitalOcean's ``__ow_isBase64Encoded`` /
  ``http.isBase64Encoded`` win when present).
* Default web actions merge query and JSON/form body parameters into the input
  together with the action's bound parameters; the original query and body are
  gone. They are rebuilt from the merged parameters (a JSON or form body for
  POST/PUT/PATCH with such a content type, else a query string), bound
  parameters included, and a warning says to use raw mode.
* The controller replaces Host with its own address and records no client
  address: the client is the last ``x-forwarded-for`` entry, which DigitalOcean
  documents as the client's address, and None without one.
* The web URL is ``/api/v1/web/<namespace>/<package>/<action>``: that prefix,
  from ``__OW_ACTION_NAME``, is the root path unless ``base_path`` is set.

Replies are ``{statusCode, headers, body}``. A repeated header is a JSON array
(the controller sends one line per element: every Set-Cookie survives). The
controller base64-decodes the body when the reply's content type is binary,
or JSON (whose text is decoded when it merely looks like base64), so those go
as base64 and other text as text. Text is always re-sent as UTF-8 and labelled
so; a body with no content type is served as ``text/html``.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from faas_bridge import b64
from faas_bridge.errors import MalformedEvent, RequestTooLarge
from faas_bridge.http import Headers, Request, Response
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    clean_query,
    clean_raw_path,
    group_headers,
    header_pairs,
    proxy_client,
    server_address,
    split_prefix,
    utf8,
)
from faas_bridge.platforms.base import flag as bool_flag

logger = logging.getLogger("faas_bridge")

#: Media types Akka/Pekko HTTP registers with a charset (text to OpenWhisk).
_TEXT_TYPES = frozenset(
    {
        "application/atom+xml",
        "application/base64",
        "application/javascript",
        "application/json",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/problem+json",
        "application/problem+xml",
        "application/rss+xml",
        "application/soap+xml",
        "application/vnd.api+json",
        "application/vnd.google-earth.kml+xml",
        "application/x-latex",
        "application/x-vrml",
        "application/x-www-form-urlencoded",
        "application/x-javascript",
        "application/xhtml+xml",
        "application/xml",
        "application/xml-dtd",
        "text/asp",
        "text/cache-manifest",
        "text/calendar",
        "text/css",
        "text/csv",
        "text/event-stream",
        "text/html",
        "text/markdown",
        "text/mcf",
        "text/plain",
        "text/richtext",
        "text/tab-separated-values",
        "text/uri-list",
        "text/vnd.wap.wml",
        "text/vnd.wap.wmlscript",
        "text/x-asm",
        "text/x-c",
        "text/x-component",
        "text/x-h",
        "text/x-java-source",
        "text/x-pascal",
        "text/x-script",
        "text/x-scriptcsh",
        "text/x-scriptelisp",
        "text/x-scriptksh",
        "text/x-scriptlisp",
        "text/x-scriptperl",
        "text/x-scriptperl-module",
        "text/x-scriptphyton",
        "text/x-scriptrexx",
        "text/x-scriptscheme",
        "text/x-scriptsh",
        "text/x-scripttcl",
        "text/x-scripttcsh",
        "text/x-scriptzsh",
        "text/x-server-parsed-html",
        "text/x-setext",
        "text/x-sgml",
        "text/x-speech",
        "text/x-uuencode",
        "text/x-vcalendar",
        "text/x-vcard",
        "text/xml",
    }
)
#: Registered binary main types, and common registered binary ``application/*``
#: types: binary even with a charset parameter.
_BINARY_MAIN = ("audio/", "font/", "image/", "message/", "multipart/", "video/")
_BINARY_APPLICATION = frozenset(
    {
        "application/cbor",
        "application/grpc+proto",
        "application/gnutar",
        "application/java-archive",
        "application/msword",
        "application/octet-stream",
        "application/pdf",
        "application/postscript",
        "application/x-7z-compressed",
        "application/x-bzip2",
        "application/x-gzip",
        "application/x-rar-compressed",
        "application/x-tar",
        "application/zip",
    }
)
#: Hop-by-hop or entity headers the controller rebuilds itself from the body.
_DROPPED_REPLY_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def media_type(content_type: str | None) -> str:
    """``"text/plain"`` from ``"Text/Plain; charset=utf-8"``; empty when absent."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_binary(content_type: str | None) -> bool:
    """Whether Akka/Pekko HTTP (so OpenWhisk) treats this content type as binary.

    Registered text types are text; an unregistered type is text only with a
    ``charset`` parameter. A request without a content type is
    ``application/octet-stream`` to Akka: binary.
    """
    media = media_type(content_type)
    if not media:
        return True
    if media in _TEXT_TYPES:
        return False
    if media.startswith(_BINARY_MAIN) or media in _BINARY_APPLICATION:
        return True
    return "charset=" not in (content_type or "").lower()


def is_json_family(content_type: str | None) -> bool:
    media = media_type(content_type)
    return media == "application/json" or media.endswith("+json")


def _request_is_base64(content_type: str | None) -> bool:
    """The controller's rule: binary types, and ``application/json`` for legacy."""
    return is_binary(content_type) or media_type(content_type) == "application/json"


class OpenWhisk(Platform):
    name = "openwhisk"
    #: The activation payload (body and parameters) and the result: 1 MB each.
    request_limit = reply_limit = 1_048_576

    __slots__ = ("_warned", "_warned_encoding")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned = False
        self._warned_encoding = False

    def matches(self, event: Any) -> bool:
        return _markers.openwhisk(event)  # ranked first: see _markers

    def decode(self, event: Any, context: Any) -> Request:
        fields: _Fields = _OwFields(event) if "__ow_method" in event else _HttpFields(event)
        method = fields.method()
        headers = header_pairs(fields.headers, fields.where("headers"))
        content_type = _last(headers, "content-type")
        raw = fields.raw_query()
        if raw is not None:
            query = clean_query(raw, fields.where("query"))
            body = fields.body(content_type)
        else:
            query, body, headers = self._merged(event, fields, method, headers, content_type)
        scheme, server = server_address(headers, None)
        root, raw_path = self._mount(fields.path())
        return Request(
            method=method,
            raw_path=raw_path,
            root_path=root,
            query_string=query,
            headers=headers,
            body=body,
            scheme=scheme,
            server=server,
            client=proxy_client(headers),
            event=event,
            context=context,
            platform=self.name,
        )

    def _merged(
        self,
        event: Mapping[str, Any],
        fields: _Fields,
        method: str,
        headers: Headers,
        content_type: str | None,
    ) -> tuple[bytes, bytes, Headers]:
        """(query, body, headers) rebuilt from a default web action's merged parameters."""
        if not self._warned:
            self._warned = True
            logger.warning(
                "faas_bridge: this OpenWhisk web action is not raw: the controller merged the "
                "query and body into the parameters, so they are rebuilt from them (bound "
                "parameters included). Create it with --web raw (DigitalOcean: web: raw) to "
                "receive the request as sent. (Logged once.)"
            )
        params = {k: v for k, v in event.items() if not str(k).startswith("__ow_") and k != "http"}
        body = fields.body(content_type) if fields.has_body() else b""
        # The controller delivers at most its payload limit of body and parameters,
        # so neither can a request rebuilt from them be larger: each parameter
        # takes at least its own length, which is counted before anything is built.
        self._within_payload(_size_at_least(params) + len(body))
        media = media_type(content_type)
        form_like = is_json_family(content_type) or media == "application/x-www-form-urlencoded"
        if not fields.has_body() and params and method in _BODY_METHODS and form_like:
            if media == "application/x-www-form-urlencoded":
                body = _form(params)
            else:
                body = utf8(_json(params, "parameters"), "parameters")
            self._within_payload(len(body))
            length = str(len(body))
            headers = [(k, length if k == "content-length" else v) for k, v in headers]
            return b"", body, headers
        query = _form(params)
        self._within_payload(len(query) + len(body))
        return query, body, headers

    def _within_payload(self, size: int) -> None:
        """RequestTooLarge (413) for a rebuilt request larger than the controller delivers."""
        limit = self.request_limit
        if limit is not None and size > limit:
            raise RequestTooLarge(
                f"the request rebuilt from the merged parameters holds at least {size} bytes; "
                f"OpenWhisk delivers at most {limit} bytes of body and parameters",
                "parameters",
            )

    def _mount(self, path: str) -> tuple[str, bytes]:
        """(root_path, raw_path): the web action URL, or ``base_path``, is the root."""
        raw_path = clean_raw_path(path or "/", "__ow_path")
        if not raw_path.startswith(b"/"):
            raw_path = b"/" + raw_path
        root = self.options.base_path or action_root()
        if root:
            rest = split_prefix(raw_path, root)
            return root, raw_path if rest is None else rest
        return "", raw_path

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        headers: dict[str, Any] = {}
        for name, values in group_headers(response).items():
            if name.lower() in _DROPPED_REPLY_HEADERS:
                continue
            headers[name] = values[0] if len(values) == 1 else values
        content_type = response.header("content-type")
        body = response.body
        if not body:
            text = ""
        elif content_type is None:
            try:
                text = body.decode("utf-8")  # served as text/html by the controller
            except UnicodeDecodeError:
                headers["Content-Type"] = "application/octet-stream"
                text = b64.encode(body)
        elif is_binary(content_type) or is_json_family(content_type):
            text = b64.encode(body)
        else:
            if response.header("content-encoding"):
                self._warn_encoded(content_type)
            text = _as_text(body, content_type)
        return {"statusCode": response.status, "headers": headers, "body": text}

    def _warn_encoded(self, content_type: str) -> None:
        """Compressed text cannot pass: the controller re-encodes text as UTF-8."""
        if not self._warned_encoding:
            self._warned_encoding = True
            logger.warning(
                "faas_bridge: OpenWhisk sends a %s reply as UTF-8 text, so its Content-Encoding "
                "cannot survive: turn compression off for text replies. (Logged once.)",
                content_type,
            )

    def request_id(self, event: Any, context: Any) -> str | None:
        for attr in ("activation_id", "request_id"):
            value = getattr(context, attr, None)
            if value:
                return str(value)
        return os.environ.get("__OW_ACTIVATION_ID") or None


def action_root() -> str:
    """``/api/v1/web/<namespace>/<package>/<action>`` for the running action, or empty.

    ``__OW_ACTION_NAME`` is ``/namespace/package/action``, or ``/namespace/action``
    for the default package, whose URL says ``default``.
    """
    name = os.environ.get("__OW_ACTION_NAME", "")
    parts = [p for p in name.split("/") if p]
    if len(parts) == 2:
        parts.insert(1, "default")
    if len(parts) != 3:
        return ""
    return "/api/v1/web/" + "/".join(parts)


def _as_text(body: bytes, content_type: str) -> str:
    """A text body as the string the controller will send as UTF-8.

    Text in another charset keeps its characters (the controller relabels it
    ``charset=UTF-8``); an unknown charset falls back to latin-1.
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            try:
                return body.decode(codecs.lookup(value.strip().strip('"')).name)
            except (LookupError, UnicodeDecodeError):
                break
    return body.decode("latin-1")


def _text(value: Any, where: str) -> str:
    """A merged parameter as a query or form value: strings as they are, else JSON."""
    return value if isinstance(value, str) else _json(value, where)


def _json(value: Any, where: str) -> str:
    """``value`` as compact JSON; MalformedEvent for what JSON cannot hold."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise MalformedEvent(f"not JSON data ({exc})", where) from None


def _size_at_least(params: Mapping[str, Any]) -> int:
    """The fewest bytes a query or JSON body rebuilt from ``params`` can take: their text."""
    return sum(len(str(k)) + len(_text(v, str(k))) for k, v in params.items())


def _form(params: Mapping[str, Any]) -> bytes:
    """Merged parameters as a form or query string (bound parameters included)."""
    pairs = [(str(k), _text(v, str(k))) for k, v in params.items()]
    try:
        return urlencode(pairs).encode("ascii")
    except UnicodeEncodeError:
        for name, value in pairs:
            utf8(name + value, name)  # raises, naming the parameter
        raise


def _last(headers: Headers, name: str) -> str | None:
    found = None
    for key, value in headers:
        if key == name:
            found = value
    return found


def _decode_body(body: Any, is_base64: bool, where: str) -> bytes:
    if body is None or body == "":
        return b""
    if not isinstance(body, str):
        # A default web action passes a JSON body that is not an object as the value.
        return utf8(_json(body, where), where)
    if is_base64:
        try:
            return b64.decode(body)
        except ValueError as exc:
            raise MalformedEvent(f"expected base64 for this content type ({exc})", where) from None
    return utf8(body, where)


class _Fields:
    """Where one event form keeps the request's parts."""

    prefix = ""

    def __init__(self, source: Mapping[str, Any]) -> None:
        self.source = source

    def where(self, key: str) -> str:
        return self.prefix + key

    def _str(self, key: str) -> str | None:
        value = self.source.get(self.key(key))
        if value is not None and not isinstance(value, str):
            raise MalformedEvent(f"expected a string, got {type(value).__name__}", self.where(key))
        return value

    def key(self, name: str) -> str:
        return name

    def method(self) -> str:
        value = self._str("method")
        if not value:
            raise MalformedEvent(
                f"expected a non-empty string, got {value!r}", self.where("method")
            )
        return value.upper()

    @property
    def headers(self) -> Any:
        return self.source.get(self.key("headers"))

    def path(self) -> str:
        return self._str("path") or ""

    def raw_query(self) -> str | None:
        if self.key("query") not in self.source:
            return None
        return self._str("query") or ""

    def has_body(self) -> bool:
        return self.key("body") in self.source

    def body(self, content_type: str | None) -> bytes:
        flag = self.source.get(self.key("isBase64Encoded"))
        if flag is None:
            is_base64 = _request_is_base64(content_type)
        else:
            is_base64 = bool_flag(flag, self.where("isBase64Encoded"))
        return _decode_body(self.source.get(self.key("body")), is_base64, self.where("body"))


class _OwFields(_Fields):
    """OpenWhisk's ``__ow_*`` parameters."""

    def key(self, name: str) -> str:
        return "__ow_" + name

    def where(self, key: str) -> str:
        return self.key(key)


class _HttpFields(_Fields):
    """DigitalOcean's ``http`` object (``queryString`` and ``body`` in raw mode)."""

    prefix = "http."

    def __init__(self, event: Mapping[str, Any]) -> None:
        super().__init__(event["http"])

    def key(self, name: str) -> str:
        return "queryString" if name == "query" else name

    def where(self, key: str) -> str:
        return self.prefix + self.key(key)
