"""Pieces shared by the AWS adapters (API Gateway, Function URLs, ALB)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, AnyStr

from faas_bridge.http import Response
from faas_bridge.options import Options
from faas_bridge.platforms.base import (
    HeaderRead,
    apply_base_path,
    encode_body,
    group_headers,
    read_headers,
    single_headers,
    split_prefix,
    status_line,
)

logger = logging.getLogger("faas_bridge")

#: Lambda's synchronous invocation limits, in bytes: the event (so any request
#: body in it) and the reply JSON. The Invoke API's own error messages give
#: 6291456 and 6291556.
LAMBDA_REQUEST_LIMIT = 6_291_456
LAMBDA_REPLY_LIMIT = 6_291_556


def is_execute_api(host: str | None) -> bool:
    """Whether the request reached API Gateway's own ``execute-api`` host."""
    return host is not None and ".execute-api." in host


def or_domain(host: str | None, context: Mapping[str, Any]) -> str | None:
    """``host`` if the client sent one, else the domain name API Gateway recorded."""
    if host is not None:
        return host
    domain = context.get("domainName")
    return domain if isinstance(domain, str) else None


def mount(
    raw_path: AnyStr, options: Options, host: str | None, stage: Any, *, stage_in_path: bool
) -> tuple[str, AnyStr]:
    """(root_path, raw_path below it) for an API Gateway request.

    On the ``execute-api`` host the stage is the mount point: a REST API's path
    never carries it, an HTTP API's carries a named one (``$default`` is never
    a mount point). Elsewhere (a custom domain) the configured base path is.
    """
    if host is not None and ".execute-api." in host:  # is_execute_api(), without a call
        if not isinstance(stage, str) or not stage or stage == "$default":
            return "", raw_path
        prefix = "/" + stage
        if not stage_in_path:
            return prefix, raw_path
        rest = split_prefix(raw_path, prefix)
        return ("", raw_path) if rest is None else (prefix, rest)
    return apply_base_path(raw_path, options)


def read_v1_headers(event: Mapping[str, Any]) -> HeaderRead:
    """A REST, HTTP API 1.0 or ALB event's headers: ``multiValueHeaders`` when present.

    Both fields carry the same headers where both are sent; the multi-value
    one keeps repeats.
    """
    multi = event.get("multiValueHeaders")
    if multi is not None:
        return read_headers(multi, "multiValueHeaders")
    return read_headers(event.get("headers"), "headers")


def aws_request_id(event: Any, context: Any) -> str | None:
    """Lambda's request id, else API Gateway's."""
    rid = getattr(context, "aws_request_id", None)
    if rid:
        return str(rid)
    rc = event.get("requestContext") if isinstance(event, Mapping) else None
    if isinstance(rc, Mapping) and rc.get("requestId"):
        return str(rc["requestId"])
    return None


def v1_reply(
    response: Response, options: Options, *, multi_value: bool, description: bool = False
) -> dict[str, Any]:
    """A payload-1.0-shaped reply (API Gateway REST, HTTP API 1.0, ALB).

    With ``multi_value`` every header goes to ``multiValueHeaders``; otherwise
    ``headers`` holds one value per name and repeated Set-Cookie lines, which
    cannot be comma-joined, go to ``multiValueHeaders`` (REST accepts both).
    """
    body, is_base64 = encode_body(response, options)
    reply: dict[str, Any] = {"statusCode": response.status}
    if description:
        reply["statusDescription"] = status_line(response.status)
    if multi_value:
        reply["multiValueHeaders"] = group_headers(response)
    elif (single := single_headers(response)) is not None:
        reply["headers"] = single
    else:
        single = {}
        multi: dict[str, list[str]] = {}
        for name, values in group_headers(response).items():
            if len(values) > 1 and name.lower() == "set-cookie":
                multi[name] = values
            else:
                single[name] = ", ".join(values)
        reply["headers"] = single
        if multi:
            reply["multiValueHeaders"] = multi
    reply["body"] = body
    reply["isBase64Encoded"] = is_base64
    return reply
