"""AWS Lambda@Edge: CloudFront viewer-request and origin-request triggers.

Recognised by ``Records[0].cf``, a CloudFront record (no other AWS event has a
``cf`` key). ``cf.config.eventType`` says which trigger fired; SAM's templates
leave it out, so an event with ``cf.request`` and no ``cf.response`` is taken
as a request event (an origin-request one when it names its ``origin``).

Only request triggers are requests to serve. A viewer-response or
origin-response event (``cf.response``, or an ``eventType`` ending in
``-response``) asks the function to edit a reply CloudFront already has. It is
claimed here anyway, so that decoding raises :class:`ResponseTriggerEvent` and
the invocation fails with a message naming the trigger, rather than with
"unrecognised event" or a made-up reply.

The vendor's quirks, as followed here:

* Headers are ``{lower-case name: [{"key": "Name", "value": "..."}, ...]}`` with
  one entry per value, in both directions: every repeated request header
  reaches the app, and every reply header goes back (two Set-Cookie lines are
  two entries; nothing is folded or lost).
* ``uri`` is the path as the viewer sent it, still percent-encoded (CloudFront
  passes UTF-8 URIs on unchanged); ``querystring`` is the raw query;
  ``clientIp`` is the viewer's address as CloudFront saw it.
* On origin-request CloudFront has already replaced Host by the origin's
  domain name, unless the distribution forwards the viewer's Host. The app
  needs the host its client used, to build links and redirects, so such a Host
  is replaced by ``config.distributionDomainName``. A custom domain (CNAME)
  reaches the app only if Host is forwarded (origin request policy AllViewer)
  or the function runs on viewer-request.
* The scheme is https unless ``CloudFront-Forwarded-Proto`` says otherwise. On
  viewer-request that header can only come from the viewer (CloudFront adds
  its own after that trigger), so it is ignored there.
* A body is present only with "Include body"; CloudFront base64-encodes it and
  truncates it at 40 KB (viewer) or 1 MB (origin), flagging ``inputTruncated``.
  A truncated body is never served as if whole: the client gets a 413.
* Replies: ``status`` is a string and must be 200-599; headers and body
  together may hold at most 40 KB (viewer-request) or 1 MB (origin-request);
  CloudFront's disallowed headers and the trigger's read-only ones may not be
  set; a 204 must carry no body. CloudFront answers any breach with an opaque
  502 page, so a reply it would refuse becomes a 502 here that says why (and is
  logged), and forbidden headers are dropped with a warning, once per name.
  Content-Length is dropped silently: it is read-only, and CloudFront sets it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from http import HTTPStatus
from typing import Any

from faas_bridge.errors import FaasBridgeError, MalformedEvent, RequestTooLarge, safe_text
from faas_bridge.http import Headers, Request, Response, plain_response
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    apply_base_path,
    clean_query,
    clean_raw_path,
    decode_body,
    encode_body,
    first_host,
    mapping_at,
    native,
    require_str,
    source_ip,
    split_host,
)

logger = logging.getLogger("faas_bridge")

REQUEST_TRIGGERS = ("viewer-request", "origin-request")

#: The most a generated reply may hold (headers and body), per trigger. CloudFront
#: reports "the CloudFront limit of 1048576 bytes", so KB and MB are binary.
REPLY_LIMITS = {"viewer-request": 40 * 1024, "origin-request": 1024 * 1024}
#: Where CloudFront truncates a request body it exposes to the function.
BODY_LIMITS = {"viewer-request": 40 * 1024, "origin-request": 1024 * 1024}

#: Headers CloudFront neither shows a function nor lets it set (CloudFront
#: Developer Guide, "Restrictions on all edge functions": disallowed headers).
DISALLOWED_HEADERS = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-amzn-auth",
        "x-amzn-cf-billing",
        "x-amzn-cf-id",
        "x-amzn-cf-xff",
        "x-amzn-errortype",
        "x-amzn-fle-profile",
        "x-amzn-header-count",
        "x-amzn-header-order",
        "x-amzn-lambda-integration-tag",
        "x-amzn-requestid",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
    }
)
DISALLOWED_PREFIXES = ("x-amz-cf-", "x-edge-")
#: Headers a function may read but not add or change, per trigger (same guide).
READ_ONLY_HEADERS = {
    "viewer-request": frozenset({"content-length", "host", "transfer-encoding", "via"}),
    "origin-request": frozenset(
        {
            "accept-encoding",
            "content-length",
            "if-modified-since",
            "if-none-match",
            "if-range",
            "if-unmodified-since",
            "transfer-encoding",
            "via",
        }
    ),
}

_REQUEST = "Records[0].cf.request"
_BODY = _REQUEST + ".body"
_NO_BODY_STATUSES = frozenset({204, 304})


class ResponseTriggerEvent(FaasBridgeError):
    """A viewer-response or origin-response event: there is no request to serve.

    Raised from decoding so that the platform records a failed invocation; a
    reply made up for it would replace the response CloudFront is delivering.
    """

    def __init__(self, trigger: str) -> None:
        trigger = safe_text(trigger, 60)  # taken from the event: bounded and escaped
        super().__init__(
            f"faas_bridge serves requests, but this Lambda@Edge event comes from the {trigger} "
            "trigger: CloudFront is asking the function to change a response it already has, "
            "not to answer a client. Associate the function with the viewer-request or "
            "origin-request event of the cache behavior instead."
        )
        self.trigger = trigger


class TruncatedBody(RequestTooLarge):
    """CloudFront cut the request body short: the client is answered 413."""


def cloudfront_record(event: Any) -> Mapping[str, Any] | None:
    """``Records[0].cf`` when the event has one, else None; never raises."""
    if not isinstance(event, Mapping):
        return None
    records = event.get("Records")
    if not isinstance(records, list) or not records or not isinstance(records[0], Mapping):
        return None
    cf = records[0].get("cf")
    return cf if isinstance(cf, Mapping) else None


def trigger_of(cf: Mapping[str, Any]) -> str:
    """``"viewer-request"`` or ``"origin-request"``; ResponseTriggerEvent otherwise."""
    config = cf.get("config")
    declared = config.get("eventType") if isinstance(config, Mapping) else None
    if "response" in cf or (isinstance(declared, str) and declared.endswith("-response")):
        raise ResponseTriggerEvent(declared if isinstance(declared, str) else "response")
    if declared in REQUEST_TRIGGERS:
        return str(declared)
    if declared is not None:
        raise MalformedEvent(
            f"expected one of {', '.join(REQUEST_TRIGGERS)}, got {declared!r}",
            "Records[0].cf.config.eventType",
        )
    request = cf.get("request")
    if isinstance(request, Mapping) and "origin" in request:
        return "origin-request"
    return "viewer-request"


class Edge(Platform):
    name = "aws-edge"

    __slots__ = ("_warned",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned: set[str] = set()

    def matches(self, event: Any) -> bool:
        return _markers.edge(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        cf = cloudfront_record(event)
        if cf is None:
            raise MalformedEvent("expected a CloudFront record", "Records[0].cf")
        trigger = trigger_of(cf)
        request = cf.get("request")
        if not isinstance(request, Mapping):
            raise MalformedEvent(f"expected an object, got {type(request).__name__}", _REQUEST)
        body = _body(request, trigger)  # first: a truncated body is a 413, whatever else
        method = require_str(request, "method", _REQUEST + ".method")
        headers = _request_headers(request.get("headers"))
        config = mapping_at(cf, "config", "Records[0].cf.config")
        public = config.get("distributionDomainName")
        public = public if isinstance(public, str) and public else None
        if trigger == "origin-request" and public is not None:
            headers = _public_host(headers, _origin_domain(request), public)
        scheme = _scheme(headers, trigger)
        root, raw_path = apply_base_path(clean_raw_path(_text(request, "uri") or "/"), self.options)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=clean_query(_text(request, "querystring")),
            headers=headers,
            body=body,
            scheme=scheme,
            server=_server(headers, public, scheme),
            client=source_ip(request.get("clientIp")),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        trigger = _reply_trigger(event)
        if not 200 <= response.status <= 599:
            logger.error(
                "faas_bridge: the app answered status %d, which CloudFront refuses from "
                "Lambda@Edge (200-599 only); answered 502 instead (request id %s)",
                response.status,
                self.request_id(event, context),
            )
            response = plain_response(
                502,
                f"Bad Gateway: the app answered status {response.status}; CloudFront accepts "
                "only 200-599 from Lambda@Edge.",
            )
        reply, size = self._reply(response, trigger)
        limit = REPLY_LIMITS[trigger]
        if size > limit:
            logger.error(
                "faas_bridge: the app's reply holds %d bytes of headers and body; Lambda@Edge "
                "accepts at most %d (%s) from %s: answered 502 instead (request id %s)",
                size,
                limit,
                _size(limit),
                trigger,
                self.request_id(event, context),
            )
            reply, _ = self._reply(
                plain_response(
                    502,
                    f"Bad Gateway: the app's reply holds {size} bytes of headers and body; "
                    f"a response generated by Lambda@Edge on {trigger} may hold at most "
                    f"{_size(limit)} ({limit} bytes).",
                ),
                trigger,
            )
        return reply

    def _reply(self, response: Response, trigger: str) -> tuple[dict[str, Any], int]:
        """(reply, its size as CloudFront counts it: header lines plus body bytes)."""
        read_only = READ_ONLY_HEADERS[trigger]
        headers: dict[str, list[dict[str, str]]] = {}
        size = 0
        for name, value in response.headers:
            key = name.lower()
            if _disallowed(key) or key in read_only:
                self._left_out(name, trigger)
                continue
            value = value.strip(" \t")
            headers.setdefault(key, []).append({"key": name, "value": value})
            size += len(name) + len(value.encode("utf-8")) + 4  # "Name: value\r\n"
        reply: dict[str, Any] = {"status": str(response.status)}
        with suppress(ValueError):  # a status with no standard phrase goes without one
            reply["statusDescription"] = HTTPStatus(response.status).phrase
        reply["headers"] = headers
        if response.body and response.status not in _NO_BODY_STATUSES:
            # A viewer-request reply of 204 with any body at all is a 502 at CloudFront.
            body, is_base64 = encode_body(response, self.options)
            reply["body"] = body
            reply["bodyEncoding"] = "base64" if is_base64 else "text"
            size += len(response.body)
        return reply, size

    def _left_out(self, name: str, trigger: str) -> None:
        key = name.lower()
        if key == "content-length" or key in self._warned:
            return
        self._warned.add(key)
        logger.warning(
            "faas_bridge: Lambda@Edge does not let a function set the %s header in a response "
            "generated on %s (CloudFront would answer 502), so it is left out. (Logged once.)",
            name,
            trigger,
        )

    def request_id(self, event: Any, context: Any) -> str | None:
        rid = getattr(context, "aws_request_id", None)
        if rid:
            return str(rid)
        cf = cloudfront_record(event)
        config = cf.get("config") if cf is not None else None
        if isinstance(config, Mapping) and isinstance(config.get("requestId"), str):
            return str(config["requestId"])
        return None


def _text(request: Mapping[str, Any], key: str) -> str:
    """A string field of the request; a missing or null one is empty."""
    value = request.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"expected a string, got {type(value).__name__}", f"{_REQUEST}.{key}")
    return value


def _request_headers(headers: Any) -> Headers:
    """Pairs from CloudFront's ``{name: [{"key", "value"}, ...]}``, every entry kept."""
    if headers is None:
        return []
    where = _REQUEST + ".headers"
    if not isinstance(headers, Mapping):
        raise MalformedEvent(f"expected an object, got {type(headers).__name__}", where)
    pairs: Headers = []
    for name, entries in headers.items():
        if not isinstance(entries, list):
            raise MalformedEvent(
                f"expected a list of {{key, value}} objects, got {type(entries).__name__}",
                f"{where}.{name}",
            )
        key = native(str(name).lower(), f"{where}.{name}")
        for entry in entries:
            value = entry.get("value") if isinstance(entry, Mapping) else None
            if not isinstance(value, str):
                raise MalformedEvent(
                    "expected {key, value} objects with string values", f"{where}.{name}"
                )
            pairs.append((key, native(value, f"{where}.{name}")))
    return pairs


def _body(request: Mapping[str, Any], trigger: str) -> bytes:
    """The request body CloudFront exposed ("Include body"), refusing a truncated one."""
    body = request.get("body")
    if body is None:
        return b""
    if not isinstance(body, Mapping):
        raise MalformedEvent(f"expected an object, got {type(body).__name__}", _BODY)
    if body.get("inputTruncated") is True:
        raise TruncatedBody(
            f"the request body is larger than the {_size(BODY_LIMITS[trigger])} Lambda@Edge "
            f"passes to a function on {trigger}, and a truncated body is not served",
            _BODY,
        )
    encoding = body.get("encoding", "base64")
    if encoding not in ("base64", "text"):
        raise MalformedEvent(f"expected 'base64' or 'text', got {encoding!r}", _BODY + ".encoding")
    return decode_body(body.get("data"), encoding == "base64", _BODY + ".data")


def _origin_domain(request: Mapping[str, Any]) -> str | None:
    """The domain name of the origin the request is bound for, if the event names it."""
    origin = request.get("origin")
    if not isinstance(origin, Mapping):
        return None
    for kind in ("custom", "s3"):
        spec = origin.get(kind)
        if isinstance(spec, Mapping) and isinstance(spec.get("domainName"), str):
            return str(spec["domainName"])
    return None


def _public_host(headers: Headers, origin: str | None, public: str) -> Headers:
    """Headers with an origin's Host (set by CloudFront) replaced by the public one."""
    hosts = [value for name, value in headers if name == "host"]
    if hosts:
        host = split_host(hosts[0].strip())[0].lower()
        if origin is None or host != origin.lower():
            return headers  # the viewer's own Host, forwarded by the distribution
    replaced: Headers = [("host", public.encode("ascii", "replace").decode("ascii"))]
    if hosts:
        first = next(i for i, (name, _) in enumerate(headers) if name == "host")
        return headers[:first] + replaced + [p for p in headers[first:] if p[0] != "host"]
    return replaced + headers


def _scheme(headers: Headers, trigger: str) -> str:
    """https, or what CloudFront-Forwarded-Proto says after the viewer-request trigger."""
    if trigger == "viewer-request":
        return "https"  # any CloudFront-Forwarded-Proto here was sent by the viewer
    proto = None
    for name, value in headers:
        if name == "cloudfront-forwarded-proto":
            proto = value.strip().lower()
    return proto if proto in ("http", "https") else "https"


def _server(headers: Headers, fallback: str | None, scheme: str) -> tuple[str, int] | None:
    """(host, port) from Host, else the distribution's domain name."""
    host = first_host(headers)
    host = (host and host.strip()) or fallback
    if not host:
        return None
    name, port = split_host(host)
    return name, port if port is not None else (443 if scheme == "https" else 80)


def _reply_trigger(event: Any) -> str:
    """The trigger a reply answers; the stricter viewer-request when unknown."""
    cf = cloudfront_record(event)
    if cf is None:
        return "viewer-request"
    try:
        return trigger_of(cf)
    except FaasBridgeError:
        return "viewer-request"


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _disallowed(name: str) -> bool:
    key = name.lower()
    return key in DISALLOWED_HEADERS or key.startswith(DISALLOWED_PREFIXES)
