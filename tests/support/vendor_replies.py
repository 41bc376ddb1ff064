"""What a client receives from each vendor for a function's reply, read independently.

``http_response(vendor, reply, event, context)`` turns the reply an adapter
returned into the (status, headers, body) the vendor sends its client. Nothing
here comes from faas_bridge: each reader is written from the vendor's
documented reply format, or uses the vendor's own library, so that a test built
on it checks the adapters against the vendors and not against themselves.

* API Gateway REST, payload 1.0 (API Gateway developer guide, "Lambda proxy
  integrations", output format): ``headers`` and ``multiValueHeaders`` merged,
  a name in both keeping the multi-value ones; the body base64-decoded when
  ``isBase64Encoded`` and the API's ``binaryMediaTypes`` match (the tests'
  APIs list ``*/*``, as ``faas-bridge serve`` does by default); the reserved
  headers of "Amazon API Gateway important notes" renamed or dropped, and
  ``Content-Type: application/json`` when the reply has none.
* HTTP API payload 1.0 and 2.0, Function URLs (HTTP API guide, "Lambda
  function response format"; Lambda guide, "Invoking Lambda function URLs"):
  2.0 has one ``headers`` value per name and a ``cookies`` list, one
  Set-Cookie each; a reply without ``statusCode`` is inferred as a 200
  ``application/json`` whose body is the reply itself.
* ALB (ELB guide, "Lambda functions as targets"): ``multiValueHeaders`` when
  the target group has multi-value headers on (the event then carries
  them), ``headers`` otherwise; the other field is not read.
* Lambda@Edge (CloudFront guide, "Generating HTTP responses in request
  triggers"): ``status`` a string, headers as lists of ``{key, value}``,
  ``bodyEncoding`` ``text`` (the default) or ``base64``.
* OpenWhisk web actions (``docs/webactions.md`` and the controller's
  ``WebActions.scala``): :func:`_openwhisk`.
* VPC Lattice, Alibaba FC 3.0 and its API Gateway, Tencent, Huawei, Scaleway,
  Yandex: ``{statusCode, headers, multiValueHeaders?, body, isBase64Encoded}``.
* OpenFaaS: the python3-http template returns the reply to Flask, so Flask
  makes the response; kubeless, Azure, Google and Alibaba FC 2.0 return
  their framework's own response objects, read through their own API.

This module is not ``conftest.py``: import it by name.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

Reply = tuple[int, list[tuple[str, str]], bytes]

#: Adapters whose replies are ``{statusCode, headers, multiValueHeaders?, body,
#: isBase64Encoded}`` with header values a string or a list of strings.
FLAT_REPLIES = frozenset(
    {
        "aws-lattice",
        "aliyun-fc3",
        "aliyun-apigw",
        "tencent-scf-apigw",
        "tencent-cloudbase",
        "huawei-fg-apig",
        "scaleway",
        "yandex",
    }
)

#: "Amazon API Gateway important notes", REST APIs: reply headers of a proxy
#: integration that API Gateway renames to ``X-Amzn-Remapped-<name>``, and those
#: it drops.
REST_REMAPPED = frozenset(
    {
        "authorization",
        "connection",
        "content-md5",
        "date",
        "max-forwards",
        "server",
        "user-agent",
        "www-authenticate",
    }
)
REST_DROPPED = frozenset(
    {"expect", "host", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "via"}
)


def http_response(vendor: str, reply: Any, event: Any = None, context: Any = None) -> Reply:
    """(status, [(name, value)...], body) as the vendor's client receives them."""
    if vendor == "aws-apigw-v1":
        http_api = isinstance(event, dict) and event.get("version") == "1.0"
        return _payload(reply) if http_api else _rest(reply)
    if vendor in ("aws-apigw-v2", "aws-function-url"):
        return _payload_v2(reply)
    if vendor == "aws-alb":
        multi = isinstance(event, dict) and event.get("multiValueHeaders") is not None
        return _alb(reply, multi)
    if vendor in FLAT_REPLIES:
        return _payload(reply)
    if vendor == "aws-edge":
        return _edge(reply)
    if vendor == "openwhisk":
        return _openwhisk(reply)
    if vendor == "openfaas":
        return _flask_reply(reply)
    if vendor == "kubeless":
        return reply.status_code, list(reply.headerlist), reply.body
    if vendor == "azure":
        return reply.status_code, list(reply.headers.items()), reply.get_body()
    if vendor == "gcp":
        return reply.status_code, list(reply.headers.items()), reply.get_data()
    if vendor == "aliyun-fc2":
        return int(context.status[:3]), list(context.headers), b"".join(reply)
    raise AssertionError(f"no reader for {vendor} replies")


def _pairs(field: Any) -> list[tuple[str, str]]:
    """``{name: value or [values]}`` as (name, value) pairs, one per value."""
    pairs: list[tuple[str, str]] = []
    for name, value in (field or {}).items():
        for item in value if isinstance(value, list) else [value]:
            assert isinstance(item, str), (name, item)  # every vendor documents strings
            pairs.append((name, item))
    return pairs


def _body(reply: dict[str, Any], flag: str = "isBase64Encoded") -> bytes:
    """The body bytes: base64-decoded (strictly) when flagged, else the text as UTF-8."""
    body = reply.get("body") or ""
    assert isinstance(body, str), body
    if reply.get(flag) is True:
        return base64.b64decode(body, validate=True)
    return body.encode("utf-8")


def _status(reply: dict[str, Any]) -> int:
    status = reply["statusCode"]
    assert type(status) is int, status  # every JSON vendor documents an integer
    return status


def _payload(reply: dict[str, Any]) -> Reply:
    """``{statusCode, headers, multiValueHeaders, body, isBase64Encoded}``.

    A name in ``multiValueHeaders`` wins over ``headers`` (as API Gateway and
    Yandex read it); a list value is one header line per element.
    """
    multi = _pairs(reply.get("multiValueHeaders"))
    taken = {name.lower() for name, _ in multi}
    single = [(n, v) for n, v in _pairs(reply.get("headers")) if n.lower() not in taken]
    cookies = [("Set-Cookie", c) for c in reply.get("cookies") or ()]
    return _status(reply), single + multi + cookies, _body(reply)


def _rest(reply: dict[str, Any]) -> Reply:
    """A REST API's proxy integration: payload 1.0, reserved headers renamed or dropped."""
    allowed = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
    assert set(reply) <= allowed, f"REST answers 502 for other keys: {set(reply) - allowed}"
    status, headers, body = _payload(reply)
    kept = []
    for name, value in headers:
        key = name.lower()
        if key in REST_REMAPPED:
            kept.append((f"X-Amzn-Remapped-{name}", value))
        elif key not in REST_DROPPED:
            kept.append((name, value))
    if not any(name.lower() == "content-type" for name, _ in headers):
        kept.append(("Content-Type", "application/json"))
    return status, kept, body


def _payload_v2(reply: Any) -> Reply:
    """Payload 2.0 (HTTP API, Function URL), response inference included."""
    if not isinstance(reply, dict) or "statusCode" not in reply:
        text = reply if isinstance(reply, str) else json.dumps(reply)
        return 200, [("Content-Type", "application/json")], text.encode("utf-8")
    headers = _pairs(reply.get("headers"))
    headers += [("Set-Cookie", cookie) for cookie in reply.get("cookies") or ()]
    return _status(reply), headers, _body(reply)


def _alb(reply: dict[str, Any], multi: bool) -> Reply:
    """The load balancer reads the header field of its mode, and only that one."""
    field = reply.get("multiValueHeaders" if multi else "headers")
    if multi:
        assert all(isinstance(v, list) for v in (field or {}).values()), field
    return _status(reply), _pairs(field), _body(reply)


def _edge(reply: dict[str, Any]) -> Reply:
    status = reply["status"]
    assert isinstance(status, str) and status.isdigit(), status  # CloudFront: a string
    headers = []
    for lower, entries in reply.get("headers", {}).items():
        for entry in entries:
            name = entry.get("key", lower)
            assert name.lower() == lower, (name, lower)
            headers.append((name, entry["value"]))
    encoding = reply.get("bodyEncoding", "text")
    assert encoding in ("text", "base64"), encoding
    body = reply.get("body", "")
    data = base64.b64decode(body, validate=True) if encoding == "base64" else body.encode("utf-8")
    return int(status), headers, data


# -- OpenWhisk -------------------------------------------------------------------------------

#: Media types Pekko HTTP (the controller's HTTP layer, ``MediaTypes``) registers
#: as text: with an open or a fixed charset. Every other registered type is
#: binary; an unregistered one is text only when a ``charset`` is given.
_PEKKO_TEXT = frozenset(
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
        "text/xml",
    }
)
#: Registered binary types the tests' replies use (Pekko: ``abin``, ``img``, ...).
_PEKKO_BINARY = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/x-gzip",
        "application/cbor",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/svg+xml",
        "image/webp",
        "audio/mpeg",
        "video/mp4",
        "font/woff2",
    }
)
#: ``Exec.isBinaryCode``: what the controller takes for base64 in a JSON-family reply.
_BASE64_CODE = re.compile(
    r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)"
)


def _pekko_binary(content_type: str) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media.startswith("multipart/"):
        raise AssertionError(f"multipart replies are not modelled: {content_type}")
    if media in _PEKKO_TEXT:
        return False
    if media in _PEKKO_BINARY:
        return True
    return "charset=" not in params.replace(" ", "").lower()


def _openwhisk(reply: dict[str, Any]) -> Reply:
    """A web action's ``.http`` result, as the controller's ``resultAsHttp`` serves it.

    A string body with a binary content type is base64-decoded (an error when it
    is not base64); a JSON-family type's body is decoded too when it looks like
    base64 (the controller's legacy rule); other text is sent as UTF-8. No
    content type means ``text/html``; an empty body, no entity (status 204
    unless given).
    """
    headers: list[tuple[str, str]] = []
    for name, value in (reply.get("headers") or {}).items():
        for item in value if isinstance(value, list) else [value]:
            headers.append((name, item if isinstance(item, str) else json.dumps(item)))
    body = reply.get("body")
    assert body is None or isinstance(body, str), body  # the adapter always sends text
    if not body:
        kept = [(n, v) for n, v in headers if n.lower() != "content-type"]
        return reply.get("statusCode", 204), kept, b""
    content_type = next((v for n, v in headers if n.lower() == "content-type"), "text/html")
    media = content_type.split(";", 1)[0].strip().lower()
    json_family = media == "application/json" or media.endswith("+json")
    if _pekko_binary(content_type):
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error as exc:  # the controller answers 400 for it
            raise AssertionError(f"a binary reply that is not base64: {exc}") from None
    elif json_family and _BASE64_CODE.fullmatch(body.strip()) and len(body.strip()) % 4 == 0:
        data = base64.b64decode(body.strip())
    else:
        data = body.encode("utf-8")
    return reply.get("statusCode", 200), headers, data


# -- OpenFaaS --------------------------------------------------------------------------------


def _flask_reply(reply: Any) -> Reply:
    """The python3-http template hands the handler's return value to Flask: Flask's response."""
    from flask import Flask

    app = Flask("openfaas_template")
    with app.app_context():
        response = app.make_response(reply)
    return response.status_code, list(response.headers.items()), response.get_data()


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    """Every value of header ``name`` (any case), in order."""
    return [value for key, value in headers if key.lower() == name.lower()]
