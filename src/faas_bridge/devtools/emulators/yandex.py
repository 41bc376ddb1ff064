"""Yandex Cloud Functions emulation: direct invocation and API Gateway 0.1 / 1.0."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    json_reply,
)
from faas_bridge.platforms.yandex import Yandex as YandexAdapter

#: Request headers Yandex removes before a direct invocation sees them.
_STRIPPED_REQUEST_HEADERS = frozenset(
    {
        "expect",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "authorization",
        "connection",
        "content-md5",
        "max-forwards",
        "server",
        "transfer-encoding",
        "www-authenticate",
        "cookie",
    }
)


# -- Building events -------------------------------------------------------------


def _canonical(name: str) -> str:
    """``X-Forwarded-For`` from ``x-forwarded-for``: how Yandex spells header names."""
    return "-".join(part.capitalize() for part in name.split("-"))


#: An API gateway's own domain name.
HOST = "d5dxxxxxxxxxxxxxxxxx.apigw.yandexcloud.net"


def build_event(
    call: HttpCall,
    *,
    form: str = "direct",
    host: str = HOST,
    template: str = "/{proxy+}",
) -> dict[str, Any]:
    """The event Yandex sends for ``call``: ``form`` is ``direct``, ``0.1`` or ``1.0``.

    ``direct``: the call's target is below ``/<function id>`` and only its query
    survives; Host, Cookie and the other headers Yandex strips are gone.
    ``0.1`` / ``1.0``: through API Gateway on ``host``, route ``template``.
    The body is text only for ``application/json``, as Yandex documents.
    """
    if form not in ("direct", "0.1", "1.0"):
        raise ValueError(f"form must be 'direct', '0.1' or '1.0', not {form!r}")
    direct = form == "direct"
    multi_headers: dict[str, list[str]] = {}
    if not direct:
        multi_headers["Host"] = [host]
    for name, value in call.headers:
        key = name.lower()
        if key == "host" or (direct and key in _STRIPPED_REQUEST_HEADERS):
            continue
        multi_headers.setdefault(_canonical(name), []).append(value)
    forwarded = multi_headers.pop("X-Forwarded-For", None)
    chain = ", ".join([*(forwarded or []), call.client_ip])
    request_id = str(uuid.uuid4())
    extra = {
        "X-Forwarded-For": chain,
        "X-Real-Remote-Address": f"[{call.client_ip}]:43310",
        "X-Request-Id": request_id,
        "X-Trace-Id": str(uuid.uuid4()),
    }
    if not direct:
        extra["X-Forwarded-Proto"] = "https"
        extra["X-Envoy-Original-Path"] = call.target
        extra["X-Serverless-Gateway-Id"] = host.split(".", 1)[0]
    for name, value in extra.items():
        multi_headers[name] = [value]
    query = parse_qsl(call.query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for key, value in query:
        multi_query.setdefault(key, []).append(value)
    user_agent = call.header("user-agent") or ""
    now = time.time()
    body, is_base64 = _body(call)
    event: dict[str, Any] = {"httpMethod": call.method}
    rest = call.path.lstrip("/")
    if form == "1.0":
        event = {"version": "1.0", "resource": template, "path": call.path, **event}
    event["headers"] = {name: values[-1] for name, values in multi_headers.items()}
    if form != "1.0":
        path_params = {} if direct or not rest else {"proxy": rest}
        event["url"] = "" if direct else f"{call.path}?{call.query}"
        event["params"] = dict(path_params)
        event["multiValueParams"] = {k: [v] for k, v in path_params.items()}
        event["pathParams"] = dict(path_params)
    event["multiValueHeaders"] = multi_headers
    event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
    event["multiValueQueryStringParameters"] = multi_query
    event["requestContext"] = {
        "identity": {"sourceIp": call.client_ip, "userAgent": user_agent},
        "httpMethod": call.method,
        "requestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now),
    }
    event["body"] = body
    event["isBase64Encoded"] = is_base64
    if form == "0.1":
        event["path"] = template
    if form == "1.0":
        path_params = {"proxy": rest} if rest else {}
        event["pathParameters"] = path_params
        event["parameters"] = dict(path_params)
        event["multiValueParameters"] = {k: [v] for k, v in path_params.items()}
        event["operationId"] = "proxy"
    return event


def _body(call: HttpCall) -> tuple[str, bool]:
    """(body, isBase64Encoded): only a JSON body stays text."""
    content_type = (call.header("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type == "application/json" and call.body:
        try:
            return call.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return b64.encode(call.body), True


# -- The emulator ---------------------------------------------------------------------------

#: Reply headers Yandex drops, fails on (502) and renames (X-Yf-Remapped-*).
_DROPPED_REPLY_HEADERS = frozenset(
    {"host", "authorization", "user-agent", "connection", "max-forwards", "cookie"}
)
_FATAL_REPLY_HEADERS = frozenset(
    {"proxy-authenticate", "transfer-encoding", "via", "www-authenticate"}
)
_REMAPPED_REPLY_HEADERS = frozenset({"content-md5", "date", "server"})


def http_reply(reply: Any, event: Any = None) -> HttpReply:
    """The HTTP response Yandex makes of ``{statusCode, headers, multiValueHeaders, body}``.

    A name in both header fields keeps ``multiValueHeaders``; Host,
    Authorization, User-Agent, Connection, Max-Forwards and Cookie are dropped;
    Content-Md5, Date and Server become ``X-Yf-Remapped-*``; Proxy-Authenticate,
    Transfer-Encoding, Via and Www-Authenticate make the reply unusable (502).
    """
    status, headers, body = json_reply(reply)
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        key = name.lower()
        if key in _FATAL_REPLY_HEADERS:
            raise ValueError(f"Yandex refuses a reply with a {name} header")
        if key in _REMAPPED_REPLY_HEADERS:
            kept.append((f"X-Yf-Remapped-{_canonical(name)}", value))
        elif key not in _DROPPED_REPLY_HEADERS:
            kept.append((name, value))
    return status, kept, body


class YandexFunctions(Emulator):
    """Yandex Cloud Functions: a direct HTTP invocation, or through API Gateway."""

    name = "yandex"
    adapter = "yandex:Yandex"
    description = (
        "Yandex Cloud Functions: direct HTTP invocation and API Gateway (payload 0.1 and 1.0)"
    )
    settings_declared = declare(form="direct", host=HOST, template="/{proxy+}")
    body_limit = YandexAdapter.request_limit
    reply_limit = YandexAdapter.reply_limit
    url_layout = "direct: https://functions.yandexcloud.net/FUNCTION_ID (path lost); API Gateway: /"
    PASSAGE = Passage(query="re-encoded (direct: path lost)", cookies="dropped (direct call)")

    def passage(self) -> Passage:
        if self.values["form"] == "direct":
            return self.PASSAGE
        return Passage(query="re-encoded")

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        values = self.values
        return build_event(
            call, form=values["form"], host=host or values["host"], template=values["template"]
        )

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)
