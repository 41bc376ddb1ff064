"""Local emulators users develop with: their HTTP API paths are read as they send them.

API Gateway hands an HTTP API (payload 2.0) function ``rawPath`` decoded. The
emulators differ (issue 18, finding 13):

* serverless-offline builds ``rawPath`` from the WHATWG URL's ``pathname``,
  which keeps the client's percent-encoding (``/h%C3%A9llo``); read as decoded,
  the app got ``/h%C3%A9llo`` instead of ``/héllo``. Its events carry
  ``offlineContext_*`` placeholders where API Gateway writes ids
  (``requestContext.apiId``, ``accountId``, ``domainName``, ``domainPrefix``).
* ``sam local start-api`` builds ``rawPath`` from Flask's ``request.path``,
  decoded as API Gateway does; its events carry SAM's fixed
  ``requestContext.apiId`` 1234567890 and user agent "Custom User Agent String".

Events are written from each emulator's event builder (field names only;
every value is ours). What the app must see is what it sees behind a server
for the same request target (PEP 3333: PATH_INFO is the decoded path, its
bytes as latin-1), written out by hand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask, request

from faas_bridge import wrap
from support.vendor_replies import http_response


def serverless_offline_event(raw_path: str) -> dict[str, Any]:
    """What serverless-offline's LambdaProxyIntegrationEventV2 builds for GET ``raw_path``."""
    return {
        "version": "2.0",
        "routeKey": "ANY /{proxy*}",
        "rawPath": raw_path,
        "rawQueryString": "",
        "cookies": [],
        "headers": {"host": "localhost:3000", "user-agent": "curl/8.5.0", "accept": "*/*"},
        "queryStringParameters": None,
        "requestContext": {
            "accountId": "offlineContext_accountId",
            "apiId": "offlineContext_apiId",
            "authorizer": {"jwt": {}},
            "domainName": "offlineContext_domainName",
            "domainPrefix": "offlineContext_domainPrefix",
            "http": {
                "method": "GET",
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "offlineContext_resourceId",
            "routeKey": "ANY /{proxy*}",
            "stage": "$default",
            "time": "07/Dec/2025:10:00:00 +0000",
            "timeEpoch": 1765101600000,
        },
        "body": None,
        "pathParameters": {"proxy": raw_path.lstrip("/")},
        "isBase64Encoded": False,
        "stageVariables": None,
    }


def sam_local_event(raw_path: str) -> dict[str, Any]:
    """What ``sam local start-api`` (ApiGatewayV2LambdaEvent) builds for GET ``raw_path``."""
    return {
        "version": "2.0",
        "routeKey": "GET /{proxy+}",
        "rawPath": raw_path,
        "rawQueryString": "",
        "cookies": [],
        "headers": {
            "Host": "127.0.0.1:3000",
            "User-Agent": "curl/8.5.0",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Port": "3000",
        },
        "queryStringParameters": {},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "1234567890",
            "http": {
                "method": "GET",
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "Custom User Agent String",
            },
            "requestId": "3f0b2d4e-5a6c-4e8f-9a1b-2c3d4e5f6a7b",
            "routeKey": "GET /{proxy+}",
            "stage": "$default",
        },
        "body": None,
        "pathParameters": {"proxy": raw_path.lstrip("/")},
        "stageVariables": None,
        "isBase64Encoded": False,
    }


flask_app = Flask("emulators")


@flask_app.route("/", defaults={"rest": ""})
@flask_app.route("/<path:rest>")
def echo(rest: str) -> Any:
    return {"path": request.path, "path_info": request.environ["PATH_INFO"]}


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    seen = {"path": scope["path"], "raw_path": scope["raw_path"].decode("latin-1")}
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def seen(app: Any, event: dict[str, Any]) -> dict[str, Any]:
    handler = wrap(app, lifespan="off")
    try:
        reply = handler(event, None)
    finally:
        handler.shutdown()
    status, _, body = http_response("aws-apigw-v2", reply, event)
    assert status == 200, body
    found: dict[str, Any] = json.loads(body)
    return found


# (the request target the client sent, the path the app sees, its PATH_INFO)
TARGETS = [
    ("/h%C3%A9llo", "/héllo", "/h\xc3\xa9llo"),
    ("/a%2Fb", "/a/b", "/a/b"),
    ("/100%25", "/100%", "/100%"),
    ("/50%2541", "/50%41", "/50%41"),
    ("/caf%C3%A9/menu%20du%20jour", "/café/menu du jour", "/caf\xc3\xa9/menu du jour"),
    ("/plain/path", "/plain/path", "/plain/path"),
]


@pytest.mark.parametrize(("target", "path", "path_info"), TARGETS)
def test_serverless_offline_paths_are_read_as_it_sends_them(
    target: str, path: str, path_info: str
) -> None:
    event = serverless_offline_event(target)  # WHATWG pathname: the target, still encoded
    assert seen(flask_app, event) == {"path": path, "path_info": path_info}
    scope = seen(asgi_app, serverless_offline_event(target))
    assert scope["path"] == path
    assert scope["raw_path"].lower() == target.lower()


@pytest.mark.parametrize(("target", "path", "path_info"), TARGETS)
def test_sam_local_paths_are_read_as_api_gateway_paths(
    target: str, path: str, path_info: str
) -> None:
    event = sam_local_event(path)  # Flask's request.path: the target, decoded
    assert seen(flask_app, event) == {"path": path, "path_info": path_info}
    assert seen(asgi_app, sam_local_event(path))["path"] == path


def test_only_serverless_offline_events_are_read_as_encoded() -> None:
    """API Gateway's own rawPath is decoded: a ``%`` in it is a literal percent sign."""
    event = serverless_offline_event("/h%C3%A9llo")
    rc = event["requestContext"]
    rc["apiId"], rc["accountId"] = "a1b2c3d4e5", "123456789012"
    rc["domainName"] = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
    rc["domainPrefix"] = "a1b2c3d4e5"
    assert seen(flask_app, event)["path"] == "/h%C3%A9llo"
    sam = sam_local_event("/h%C3%A9llo")  # SAM: the client asked for /h%25C3%25A9llo
    assert seen(flask_app, sam)["path"] == "/h%C3%A9llo"
