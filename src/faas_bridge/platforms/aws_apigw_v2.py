"""AWS API Gateway HTTP API events, payload format 2.0.

Recognised by ``version: "2.0"`` with ``rawPath``. HTTP APIs hand over
``rawPath`` already percent-decoded, with a named stage at its front;
``rawQueryString`` is verbatim. Cookies come apart in ``cookies`` and go back
the same way; every reply carries an explicit ``statusCode`` so API Gateway
never falls back to guessing the reply format.

Local emulators users develop with: ``sam local start-api`` builds ``rawPath``
from Flask's ``request.path``, decoded as API Gateway does, and is read the
same way. serverless-offline builds it from the WHATWG URL's ``pathname``,
which stays percent-encoded (``/h%C3%A9llo``); its events are recognised by
the ``offlineContext_*`` placeholders it writes in ``requestContext``
(``apiId``, ``accountId``, ``domainName``) and their path is read as it is,
not encoded a second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response
from faas_bridge.platforms import _aws
from faas_bridge.platforms.base import (
    Platform,
    address_from,
    clean_query,
    clean_raw_path,
    decode_body,
    encode_body,
    encode_path,
    group_headers,
    http_version,
    is_mapping,
    mapping_at,
    native,
    plain_value,
    read_headers,
    require_str,
    single_headers,
    source_ip,
    str_at,
)

#: What serverless-offline writes in ``requestContext`` where API Gateway writes ids.
OFFLINE_PREFIX = "offlineContext_"


def is_serverless_offline(rc: Mapping[str, Any]) -> bool:
    """Whether serverless-offline built the event (its ``offlineContext_*`` placeholders).

    API ids are ten letters and digits; serverless-offline writes
    ``offlineContext_apiId`` (and ``offlineContext_domainName``) instead.
    """
    api_id = rc.get("apiId")
    return type(api_id) is str and api_id.startswith(OFFLINE_PREFIX)


class APIGatewayV2(Platform):
    name = "aws-apigw-v2"
    request_limit = _aws.LAMBDA_REQUEST_LIMIT
    reply_limit = _aws.LAMBDA_REPLY_LIMIT
    #: HTTP APIs and Function URLs send the same format; only the domain tells.
    function_url: ClassVar[bool] = False

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        """Payload 2.0 from this adapter's kind of domain (``*.lambda-url.*`` or not).

        Dicts are told apart without a call: this runs on every invocation.
        """
        if type(event) is not dict and not is_mapping(event):
            return False
        rc = event.get("requestContext")
        if event.get("version") != "2.0" or "rawPath" not in event:
            return False
        if type(rc) is not dict and not is_mapping(rc):
            return False
        domain = rc.get("domainName")
        if (isinstance(domain, str) and ".lambda-url." in domain) is not self.function_url:
            return False
        if "__ow_method" not in event and "http" not in event:
            return True
        # OpenWhisk ranks above: these are keys a web action merged in from the
        # body (see _markers, imported only for such rare events).
        from faas_bridge.platforms import _markers

        return not _markers.openwhisk(event)

    def mount(
        self, event: Mapping[str, Any], rc: Mapping[str, Any], host: str | None
    ) -> tuple[str, bytes]:
        """(root_path, raw_path): the stage or base path moved into the root."""
        path = str_at(event, "rawPath", "rawPath", "/")
        if is_serverless_offline(rc):
            raw = clean_raw_path(path, "rawPath")  # percent-encoded already: read as it is
        else:
            raw = encode_path(path, "rawPath")
        return _aws.mount(raw, self.options, host, rc.get("stage"), stage_in_path=True)

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext")
        http = mapping_at(rc, "http", "requestContext.http")
        method = require_str(http, "method", "requestContext.http.method")
        read = read_headers(event.get("headers"), "headers")
        headers, checked = read.pairs, read.checked
        cookies = event.get("cookies")
        if cookies:
            # One Cookie header, as a browser sends it; Function URLs also copy
            # it into headers, which must not count twice.
            if "cookie" in read.last:
                headers = [pair for pair in headers if pair[0] != "cookie"]
            cookie = _cookie_header(cookies)
            headers.append(("cookie", cookie))
            checked = checked and plain_value(cookie)
        host = _aws.or_domain(read.host, rc)
        root, raw_path = self.mount(event, rc, host)
        scheme, server = address_from(read.last, host)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=clean_query(event.get("rawQueryString"), "rawQueryString"),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=source_ip(http.get("sourceIp")),
            http_version=http_version(http.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
            checked=checked,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        body, is_base64 = encode_body(response, self.options)
        headers = single_headers(response)
        cookies: list[str] = []
        if headers is None:
            headers = {}
            for name, values in group_headers(response).items():
                if name.lower() == "set-cookie":
                    cookies.extend(values)
                else:
                    headers[name] = ", ".join(values)
        reply: dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies:
            reply["cookies"] = cookies
        reply["body"] = body
        reply["isBase64Encoded"] = is_base64
        return reply

    def request_id(self, event: Any, context: Any) -> str | None:
        return _aws.aws_request_id(event, context)


def reply_head(response: Response) -> tuple[int, dict[str, str], list[str]]:
    """(statusCode, headers, cookies) as payload 2.0 carries them, without the body.

    The rules of :meth:`APIGatewayV2.encode`: one value per name (repeats
    joined with ``", "``), every Set-Cookie its own entry of ``cookies``. A
    streamed reply's prelude (Function URLs in RESPONSE_STREAM mode) holds them.
    """
    headers = single_headers(response)
    cookies: list[str] = []
    if headers is None:
        headers = {}
        for name, values in group_headers(response).items():
            if name.lower() == "set-cookie":
                cookies.extend(values)
            else:
                headers[name] = ", ".join(values)
    return response.status, headers, cookies


def _cookie_header(cookies: Any) -> str:
    """The Cookie header a browser sends for ``cookies``, a list of ``name=value`` strings."""
    if not isinstance(cookies, list):
        raise MalformedEvent(f"expected a list of strings, got {type(cookies).__name__}", "cookies")
    try:
        return native("; ".join(cookies), "cookies")
    except TypeError:  # a null (no cookie) or a non-string among them
        kept = [c for c in cookies if c is not None]  # a null among them is no cookie
        if not all(isinstance(c, str) for c in kept):
            raise MalformedEvent("expected a list of strings", "cookies") from None
        return native("; ".join(kept), "cookies")
