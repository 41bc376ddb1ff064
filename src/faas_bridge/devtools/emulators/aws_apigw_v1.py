"""API Gateway emulation, payload 1.0: REST APIs (stage, binary media types,
reserved headers) and HTTP APIs in payload 1.0."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from faas_bridge import b64
from faas_bridge.devtools.emulators import aws_apigw_v2
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    event_body,
    merged_reply_headers,
    reply_body,
    reply_status,
    request_id,
)
from faas_bridge.platforms import _aws


def build_event(
    call: HttpCall,
    *,
    stage: str | None = None,
    host: str = "abcdef1234.execute-api.us-east-1.amazonaws.com",
    http_api: bool = False,
) -> dict[str, Any]:
    """The event API Gateway sends for ``call``: REST, or HTTP API payload 1.0.

    The client's URL carries the stage on the ``execute-api`` host; a REST API
    removes it from ``path`` and leaves the path percent-encoded, an HTTP API
    decodes the path and keeps the stage. Query values arrive decoded.
    """
    stage = stage or ("$default" if http_api else "prod")
    full_path = call.path
    path = full_path
    if not http_api and _aws.is_execute_api(host):
        prefix = "/" + stage
        if not (full_path == prefix or full_path.startswith(prefix + "/")):
            raise ValueError(f"a REST API URL on {host} starts with the stage {prefix!r}")
        path = full_path[len(prefix) :] or "/"
    if http_api:
        path = unquote(full_path)
    headers = [(k, v) for k, v in call.headers if k.lower() != "host"]
    headers.insert(0, ("Host", host))
    headers += [
        ("X-Forwarded-For", call.client_ip),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    query = parse_qsl(call.query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = event_body(call)
    event: dict[str, Any] = {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": call.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")} if path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": host.split(".", 1)[0],
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "httpMethod": call.method,
            "identity": {"sourceIp": call.client_ip, "userAgent": call.header("user-agent")},
            "path": full_path,
            "protocol": "HTTP/1.1",
            "requestId": request_id(),
            "requestTimeEpoch": int(time.time() * 1000),
            "resourceId": "abc123",
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if http_api:
        event = {"version": "1.0", **event}
    return event


# -- The local gateway (`faas-bridge serve`): what API Gateway does around the function --
#
# Header rules: "Amazon API Gateway important notes", REST APIs, the table of
# headers dropped or remapped for Lambda integrations (lambda column). Binary
# rules: "Binary media types for REST APIs": a request body whose Content-Type
# matches binaryMediaTypes is sent base64-encoded; a base64 reply is decoded
# when the request's first Accept media type (or the reply's Content-Type)
# matches, otherwise the client receives the base64 text.

REQUEST_LIMIT = aws_apigw_v2.REQUEST_LIMIT
REPLY_LIMIT = aws_apigw_v2.REPLY_LIMIT
BODY_LIMIT = aws_apigw_v2.BODY_LIMIT
#: Request headers a REST API never passes to a Lambda integration.
DROPPED_REQUEST_HEADERS = frozenset(
    {
        "connection",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "trailer",
        # The table says "Exception" for Lambda; the emulation drops it.
        "transfer-encoding",
        "upgrade",
        "www-authenticate",
    }
)


#: Reply headers a REST API renames to ``X-Amzn-Remapped-<name>``.
_REMAPPED_REPLY_HEADERS = frozenset(
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


#: Reply headers a REST API drops.
_DROPPED_REPLY_HEADERS = frozenset(
    {"expect", "host", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "via"}
)


#: The keys a Lambda proxy reply may have; anything else is a malformed reply (502).
_REPLY_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
#: REST's own error messages: 502 is documented, the others are approximations.
_REST_MESSAGES = {
    403: "Forbidden",
    404: "Not Found",
    413: "Request Too Long",
    502: "Internal server error",
}


DEFAULT_BINARY_MEDIA_TYPES = ("*/*",)


def url_prefix(stage: str | None = None, http_api: bool = False) -> str:
    """The stage leads every URL of a REST API; an HTTP API's ``$default`` never does."""
    stage = stage or ("$default" if http_api else "prod")
    return "" if stage == "$default" else "/" + stage


def prepare_event(
    event: dict[str, Any],
    call: HttpCall,
    *,
    binary_media_types: tuple[str, ...] | list[str] = DEFAULT_BINARY_MEDIA_TYPES,
) -> None:
    """REST: the body is base64 when its Content-Type is a binary media type, else text.

    A body that is not UTF-8 but not declared binary reaches the function with
    its invalid bytes replaced, as text payloads are UTF-8 strings.
    """
    if event.get("version") == "1.0" or not call.body:
        return  # HTTP APIs have no binary media types
    if is_binary_media_type(call.header("content-type"), binary_media_types):
        event["body"] = b64.encode(call.body)
        event["isBase64Encoded"] = True
    else:
        event["body"] = call.body.decode("utf-8", "replace")
        event["isBase64Encoded"] = False


def is_binary_media_type(content_type: str | None, binary_media_types: Any) -> bool:
    """Whether a media type matches a ``binaryMediaTypes`` entry (``*`` wildcards).

    A missing type matches only ``*/*`` (not documented: an assumption).
    """
    patterns = [str(p).strip().lower() for p in binary_media_types if str(p).strip()]
    if not content_type or not content_type.strip():
        return "*/*" in patterns
    kind, _, sub = content_type.split(";", 1)[0].strip().lower().partition("/")
    for pattern in patterns:
        want_kind, _, want_sub = pattern.partition("/")
        if want_kind in ("*", kind) and want_sub in ("*", sub):
            return True
    return False


def http_reply(
    reply: Any,
    event: Any = None,
    *,
    binary_media_types: tuple[str, ...] | list[str] = DEFAULT_BINARY_MEDIA_TYPES,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP response API Gateway makes of a payload 1.0 reply.

    ``headers`` and ``multiValueHeaders`` are merged (a name in both keeps the
    multi-value ones). A REST API also renames or drops reserved headers, adds
    ``Content-Type: application/json`` when the reply has none, and decodes a
    base64 body only for binary media types. An HTTP API (``version: "1.0"``
    events) always decodes. ValueError: a malformed reply (API Gateway: 502).
    """
    if not isinstance(reply, Mapping):
        raise ValueError(f"the reply must be a JSON object, not {type(reply).__name__}")
    rest = not (isinstance(event, Mapping) and event.get("version") == "1.0")
    if rest:
        unknown = sorted(str(key) for key in reply if key not in _REPLY_KEYS)
        if unknown:
            raise ValueError(f"unexpected keys in a Lambda proxy reply: {', '.join(unknown)}")
    status = reply_status(reply)
    headers = merged_reply_headers(reply)
    if not rest:
        return status, headers, reply_body(reply)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    decode = reply.get("isBase64Encoded") is True and (
        is_binary_media_type(_first_accept(event), binary_media_types)
        or (content_type is not None and is_binary_media_type(content_type, binary_media_types))
    )
    body = reply_body(reply, decode=decode)
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        key = name.lower()
        if key in _REMAPPED_REPLY_HEADERS:
            kept.append((f"X-Amzn-Remapped-{name}", value))
        elif key not in _DROPPED_REPLY_HEADERS:
            kept.append((name, value))
    if content_type is None:
        kept.append(("Content-Type", "application/json"))
    return status, kept, body


def _first_accept(event: Any) -> str | None:
    """The first media type of the request's Accept header (the only one REST reads)."""
    if not isinstance(event, Mapping):
        return None
    for field in ("multiValueHeaders", "headers"):
        headers = event.get(field)
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                if str(name).lower() == "accept":
                    text = value[0] if isinstance(value, list) and value else value
                    return str(text).split(",", 1)[0].strip() if text else None
    return None


def error_reply(status: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """A REST API's own JSON error reply (``{"message": "Internal server error"}``...)."""
    return aws_apigw_v2.json_error(status, _REST_MESSAGES)


# -- The emulator ---------------------------------------------------------------------------


class RestApi(Emulator):
    """A REST API with a Lambda proxy integration, or an HTTP API in payload 1.0."""

    name = "aws-apigw-v1"
    adapter = "aws_apigw_v1:APIGatewayV1"
    description = "AWS API Gateway REST API proxy events, and HTTP API events in payload 1.0"
    settings_declared = declare(
        stage=None, host=aws_apigw_v2.HOST, http_api=False, binary_media_types=("*/*",)
    )
    request_limit = REQUEST_LIMIT
    body_limit = BODY_LIMIT
    reply_limit = REPLY_LIMIT
    dropped_request_headers = DROPPED_REQUEST_HEADERS
    url_layout = "/STAGE/... (REST, prod by default); / for an HTTP API's $default"
    PASSAGE = Passage(query="re-encoded", binary_body="exact (binaryMediaTypes */*)")

    def url_prefix(self) -> str:
        return url_prefix(self.values["stage"], bool(self.values["http_api"]))

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        values = self.values
        event = build_event(
            call,
            stage=values["stage"],
            host=host or values["host"],
            http_api=bool(values["http_api"]),
        )
        prepare_event(event, call, binary_media_types=values["binary_media_types"])
        return event

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event, binary_media_types=self.values["binary_media_types"])

    def error_reply(self, status: int) -> HttpReply:
        return error_reply(status)
