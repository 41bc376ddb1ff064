"""Tencent Cloud emulation: SCF behind API Gateway, and CloudBase HTTP access."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    event_body,
    json_reply,
    phrase,
    request_id,
)
from faas_bridge.platforms.tencent import REQUEST_LIMIT, is_default_domain

#: An API service's default domain (its URLs start with the stage).
SCF_HOST = "service-abcd1234-1250000000.gz.apigw.tencentcs.com"


def _query_lists(query: str) -> dict[str, str | list[str]]:
    """Decoded query parameters, a repeated key's values as a list."""
    params: dict[str, str | list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        seen = params.get(name)
        if seen is None:
            params[name] = value
        elif isinstance(seen, list):
            seen.append(value)
        else:
            params[name] = [seen, value]
    return params


def _joined_headers(call: HttpCall, host: str) -> dict[str, str]:
    headers: dict[str, str] = {"Host": host}
    for name, value in call.headers:
        if name.lower() == "host":
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def build_event(
    call: HttpCall,
    *,
    stage: str = "release",
    host: str = SCF_HOST,
    api_path: str = "/",
) -> dict[str, Any]:
    """The integration-request event Tencent API Gateway sends SCF for ``call``.

    On a default domain the client's URL starts with ``/<stage>``, which is
    removed from ``path``. ``queryString`` has every decoded parameter (a
    repeated one as a list) and repeated headers are comma-joined, both
    guesses where the docs are silent; a body that is not UTF-8 text is
    base64-encoded with ``isBase64Encoded`` set (the key is left out
    otherwise, as in the documented sample).
    """
    path = call.path
    if is_default_domain(host):
        prefix = "/" + stage
        if not (path == prefix or path.startswith(prefix + "/")):
            raise ValueError(f"a URL on {host} starts with the stage {prefix!r}")
        path = path[len(prefix) :] or "/"
    body, is_base64 = event_body(call)
    service = "-".join(host.split(".", 1)[0].split("-")[:2])
    event: dict[str, Any] = {
        "requestContext": {
            "serviceId": service,
            "path": api_path,
            "httpMethod": call.method,
            "requestId": request_id(),
            "identity": {},
            "sourceIp": call.client_ip,
            "stage": stage,
        },
        "headers": _joined_headers(call, host),
        "body": body or "",
        "pathParameters": {},
        "queryStringParameters": {},
        "headerParameters": {},
        "stageVariables": {"stage": stage},
        "path": path,
        "queryString": _query_lists(call.query),
        "httpMethod": call.method,
    }
    if is_base64:
        event["isBase64Encoded"] = True
    return event


def build_cloudbase_event(call: HttpCall, *, env_id: str = "env-abc123") -> dict[str, Any]:
    """The integrated-request event CloudBase's HTTP access service sends for ``call``.

    Header names are lower-case, query values decoded with one value per key
    (the last), the path is the full request path.
    """
    headers: dict[str, str] = {"host": f"{env_id}.service.tcloudbase.com"}
    for name, value in call.headers:
        key = name.lower()
        if key != "host":
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    body, is_base64 = event_body(call)
    return {
        "path": call.path,
        "httpMethod": call.method,
        "headers": headers,
        "queryStringParameters": dict(parse_qsl(call.query, keep_blank_values=True)),
        "requestContext": {
            "requestId": request_id().replace("-", ""),
            "envId": env_id,
            "appId": 1250000000,
            "uin": 100000000001,
        },
        "isBase64Encoded": is_base64,
        "body": body or "",
    }


# -- The emulators ----------------------------------------------------------------------------


def http_reply(reply: Any, event: Any = None) -> HttpReply:
    """The HTTP response of an integration response ``{statusCode, headers, body, ...}``.

    Header values may be arrays (one line each: several Set-Cookie). Tencent's
    documentation says "the Location key header is not supported currently":
    the emulation leaves it out, so a redirect arrives without its target.
    """
    status, headers, body = json_reply(reply)
    return status, [(k, v) for k, v in headers if k.lower() != "location"], body


def scf_error(status: int) -> HttpReply:
    """API Gateway's error reply; a malformed integration response gets Tencent's wording."""
    if status == 502:
        message = {
            "errno": 403,
            "error": "Invalid scf response format. please check your scf response format.",
        }
    else:
        message = {"errno": status, "error": phrase(status)}
    return status, [("Content-Type", "application/json")], json.dumps(message).encode()


class ScfApiGateway(Emulator):
    """Tencent API Gateway with an SCF integration request (integration response on)."""

    name = "tencent-scf-apigw"
    adapter = "tencent:SCFAPIGateway"
    description = "Tencent Cloud SCF behind API Gateway (integration request)"
    settings_declared = declare(stage="release", host=SCF_HOST, api_path="/")
    body_limit = REQUEST_LIMIT
    url_layout = "/STAGE/... on the default domain (*.apigw.tencentcs.com); / on a custom domain"
    PASSAGE = Passage(repeated_headers="joined", query="re-encoded")

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        values = self.values
        return build_event(
            call, stage=values["stage"], host=host or values["host"], api_path=values["api_path"]
        )

    def stage_prefix(self) -> str:
        return "/" + self.values["stage"] if is_default_domain(self.values["host"]) else ""

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)

    def error_reply(self, status: int) -> HttpReply:
        return scf_error(status)


class CloudBaseAccess(Emulator):
    """CloudBase's HTTP access service in front of a cloud function."""

    name = "tencent-cloudbase"
    adapter = "tencent:CloudBase"
    description = "Tencent CloudBase HTTP access service"
    settings_declared = declare(env_id="env-abc123")
    body_limit = REQUEST_LIMIT
    local_host = False
    url_layout = "/ (https://ENV_ID.service.tcloudbase.com)"
    PASSAGE = Passage(
        repeated_headers="joined", repeated_query="last", query="re-encoded", reply_cookies="one"
    )

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_cloudbase_event(call, env_id=self.values["env_id"])
