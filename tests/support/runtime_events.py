"""Events for the runtime tests (shared by the test modules here)."""

from __future__ import annotations

from typing import Any


def http_api_event(path: str, query: str = "") -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) GET event, as its documentation shapes one."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "api.example.test", "user-agent": "curl/8.5.0", "accept": "*/*"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "api.example.test",
            "domainPrefix": "api",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Dec/2025:06:00:00 +0000",
            "timeEpoch": 1765087200000,
        },
        "isBase64Encoded": False,
    }
