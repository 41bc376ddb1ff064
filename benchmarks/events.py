"""The benchmark events, built with the adapters' own ``build_event`` functions.

``COMMON`` events are ones every AWS peer handles (HTTP API v2, REST v1, ALB),
so all adapters are compared on them. ``VENDOR`` events are the other vendors'
(and the other AWS shapes'), run for faas_bridge and the floor alone. Each is
what that vendor sends for a real browser-like request; builders that are
missing or fail (adapters still being written) are skipped and reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

#: What a desktop browser sends on a plain GET.
BROWSER_HEADERS: list[tuple[str, str]] = [
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept-Language", "en-GB,en;q=0.9,fr;q=0.8"),
    ("Cookie", "session=abc123; theme=dark; _ga=GA1.1.123456789.1700000000"),
    ("Sec-Fetch-Dest", "document"),
    ("Sec-Fetch-Mode", "navigate"),
    ("Upgrade-Insecure-Requests", "1"),
    (
        "User-Agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0 Safari/537.36",
    ),
]


def json_10k() -> bytes:
    """A 10 KB JSON document (an array of small records), deterministic."""
    records: list[dict[str, object]] = []
    i = 0
    while len(json.dumps(records)) < 10_240:
        records.append({"id": i, "name": f"item-{i:05d}", "tags": ["a", "b"], "price": i * 1.25})
        i += 1
    return json.dumps(records).encode("utf-8")


@dataclass(frozen=True)
class EventSpec:
    """How to build one event: ``module.function(HttpCall(...), **kwargs)``."""

    name: str
    description: str
    module: str
    function: str
    method: str = "GET"
    target: str = "/hello?name=world"
    headers: tuple[tuple[str, str], ...] = tuple(BROWSER_HEADERS)
    body: Callable[[], bytes] | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()

    def build(self) -> dict[str, Any]:
        from faas_bridge.devtools.emulators.base import HttpCall

        module = import_module(f"faas_bridge.devtools.emulators.{self.module}")
        builder = getattr(module, self.function)
        call = HttpCall(
            method=self.method,
            target=self.target,
            headers=list(self.headers),
            body=self.body() if self.body is not None else b"",
        )
        event: dict[str, Any] = builder(call, **dict(self.kwargs))
        return event


_POST_HEADERS = (
    ("Accept", "application/json"),
    ("Content-Type", "application/json"),
    ("User-Agent", "python-httpx/0.27.0"),
    (
        "Authorization",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo",
    ),
)

_ALB_HEADERS = (
    *BROWSER_HEADERS,
    ("X-Forwarded-For", "203.0.113.9, 198.51.100.20"),
    ("X-Repeat", "one"),
    ("X-Repeat", "two"),
    ("Accept-Language", "de;q=0.5"),
)

COMMON: dict[str, EventSpec] = {
    spec.name: spec
    for spec in (
        EventSpec("v2-get", "HTTP API v2 GET", "aws_apigw_v2", "build_event"),
        EventSpec(
            "v1-post-10k",
            "REST API v1 POST, 10 KB JSON body",
            "aws_apigw_v1",
            "build_event",
            method="POST",
            target="/prod/items",
            headers=_POST_HEADERS,
            body=json_10k,
            kwargs=(("stage", "prod"),),
        ),
        EventSpec(
            "alb-multi",
            "ALB multi-value: repeated headers, cookies in and out",
            "aws_alb",
            "build_event",
            target="/cookies?tag=a&tag=b&q=hello%20world",
            headers=_ALB_HEADERS,
            kwargs=(("multi_value", True),),
        ),
        EventSpec(
            "v2-binary-1m",
            "HTTP API v2 GET, 1 MiB binary reply",
            "aws_apigw_v2",
            "build_event",
            target="/binary",
        ),
    )
}

VENDOR: dict[str, EventSpec] = {
    spec.name: spec
    for spec in (
        EventSpec("fn-url-get", "AWS Function URL GET", "aws_function_url", "build_event"),
        EventSpec(
            "v1-httpapi-get",
            "HTTP API payload 1.0 GET",
            "aws_apigw_v1",
            "build_event",
            kwargs=(("http_api", True),),
        ),
        EventSpec("aliyun-fc3-get", "Alibaba FC 3.0 HTTP trigger GET", "aliyun", "build_event"),
        EventSpec("aliyun-apigw-get", "Alibaba API Gateway GET", "aliyun", "build_apigw_event"),
        EventSpec(
            "tencent-scf-get",
            "Tencent SCF API Gateway GET",
            "tencent",
            "build_event",
            target="/release/hello?name=world",
        ),
        EventSpec(
            "tencent-cloudbase-get",
            "Tencent CloudBase GET",
            "tencent",
            "build_cloudbase_event",
        ),
        EventSpec("huawei-apig-get", "Huawei FunctionGraph APIG GET", "huawei", "build_event"),
    )
}


def build_all(names: list[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(events by name, reasons by name for those that could not be built)."""
    specs = {**COMMON, **VENDOR}
    events: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for name in names or list(specs):
        try:
            events[name] = specs[name].build()
        except Exception as exc:  # a builder missing or broken: report, go on
            skipped[name] = f"{type(exc).__name__}: {exc}"
    return events, skipped


def description(name: str) -> str:
    spec = COMMON.get(name) or VENDOR.get(name)
    return spec.description if spec else name
