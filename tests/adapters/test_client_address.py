"""Where the client address comes from, per adapter, and that clients cannot forge it.

``REMOTE_ADDR`` (ASGI ``client``) is the vendor's own record of the peer: a
source-IP field of the event, an address header the vendor's front end
overwrites, or the X-Forwarded-For entry the vendor itself appended. Nothing
a client sends can change it. Behind proxies of your own, the
``trusted_proxy_hops`` option reads the client that many entries further
into X-Forwarded-For (see ``forwarded_client``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from faas_bridge import ConfigurationError, wrap
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES
from faas_bridge.platforms.base import forwarded_client
from support.echo_apps import wsgi_app
from support.fuzz_events import BUILDERS, call_context, materialize
from support.vendor_replies import http_response

PROXY = "198.51.100.7"  # what connects to the vendor: the client, or your last proxy
REAL = "203.0.113.9"  # the client behind your proxy
FORGED = "6.6.6.6"
#: Headers a client may send to pose as someone else.
FORGERIES = [
    ("X-Forwarded-For", FORGED),
    ("X-Real-IP", FORGED),
    ("Client-IP", FORGED),
    ("Forwarded", f"for={FORGED}"),
    ("X-Envoy-External-Address", FORGED),
    ("True-Client-IP", FORGED),
]

#: The client address each adapter reports without trusted proxies: the
#: vendor's record (PROXY here), or none where the vendor keeps none.
#: GCP reports its server's peer, Google's front end (the builder's default).
RECORD: dict[str, str | None] = {name: PROXY for name in NAMES}
RECORD.update({"aliyun-apigw": None, "tencent-cloudbase": None, "gcp": "169.254.1.1"})
#: Where each adapter finds its record (the README's "Client address" table says the same).
SOURCE = {
    "aws-alb": "the last X-Forwarded-For entry (the load balancer appends it)",
    "aws-edge": "Records[0].cf.request.clientIp",
    "aws-lattice": "the last X-Forwarded-For entry (Lattice appends it)",
    "aws-function-url": "requestContext.http.sourceIp",
    "aws-apigw-v2": "requestContext.http.sourceIp",
    "yandex": "requestContext.identity.sourceIp",
    "aws-apigw-v1": "requestContext.identity.sourceIp",
    "aliyun-fc3": "requestContext.http.sourceIp",
    "tencent-scf-apigw": "requestContext.sourceIp",
    "tencent-cloudbase": "none",
    "huawei-fg-apig": "requestContext.sourceIp, else X-Real-IP (APIG overwrites it)",
    "aliyun-apigw": "none",
    "openwhisk": "the last X-Forwarded-For entry (the front proxy appends it)",
    "scaleway": "X-Envoy-External-Address (Scaleway's Envoy overwrites it)",
    "openfaas": "the server's peer (REMOTE_ADDR)",
    "kubeless": "the server's peer (REMOTE_ADDR)",
    "azure": "client-ip (App Service's front end overwrites it)",
    "gcp": "the server's peer (REMOTE_ADDR)",
    "aliyun-fc2": "REMOTE_ADDR (FC's record)",
}
VARIANTS = [
    pytest.param(name, variant, build, id=f"{name}-{variant}" if variant else name)
    for name in NAMES
    for variant, build in BUILDERS.get(name, [])
]


def remote_addr(vendor: str, variant: str, build: Any, call: HttpCall, hops: int = 0) -> Any:
    """What the app sees as REMOTE_ADDR for ``call``."""
    if vendor == "openwhisk" and variant != "digitalocean":
        # An OpenWhisk controller is reached through the deployment's nginx
        # (IBM's and DigitalOcean's edges likewise), which appends the peer.
        forwarded = [v for k, v in call.headers if k.lower() == "x-forwarded-for"]
        others = [(k, v) for k, v in call.headers if k.lower() != "x-forwarded-for"]
        chain = ", ".join([*forwarded, call.client_ip])
        call = HttpCall(call.method, call.target, [*others, ("X-Forwarded-For", chain)])
    handler = wrap(wsgi_app, trusted_proxy_hops=hops)
    try:
        event, context = call_context(materialize(build(call)), vendor)
        reply = handler(copy.copy(event), context)
    finally:
        handler.shutdown()
    status, _, body = http_response(vendor, reply, event, context)
    assert status == 200, body[:300]
    return json.loads(body)["remote_addr"]


def test_every_adapter_documents_its_source() -> None:
    assert set(SOURCE) == set(NAMES)


@pytest.mark.parametrize(("vendor", "variant", "build"), VARIANTS)
def test_forged_headers_never_set_the_client(vendor: str, variant: str, build: Any) -> None:
    call = HttpCall("GET", "/", list(FORGERIES), client_ip=PROXY)
    assert remote_addr(vendor, variant, build, call) == RECORD[vendor]


@pytest.mark.parametrize(("vendor", "variant", "build"), VARIANTS)
def test_one_trusted_proxy_gives_the_client_behind_it(
    vendor: str, variant: str, build: Any
) -> None:
    # Your proxy (at PROXY) appended the client it saw (REAL) after a forged entry.
    call = HttpCall("GET", "/", [("X-Forwarded-For", f"{FORGED}, {REAL}")], client_ip=PROXY)
    expected = REAL
    if vendor == "gcp":
        expected = PROXY  # Google's front end appended PROXY: it counts as a proxy too
    assert remote_addr(vendor, variant, build, call, hops=1) == expected


@pytest.mark.parametrize(("vendor", "variant", "build"), VARIANTS)
def test_a_chain_shorter_than_the_trusted_hops_keeps_the_record(
    vendor: str, variant: str, build: Any
) -> None:
    call = HttpCall("GET", "/", [("X-Forwarded-For", REAL)], client_ip=PROXY)
    assert remote_addr(vendor, variant, build, call, hops=5) == RECORD[vendor]


def xff(*values: str) -> list[tuple[str, str]]:
    return [("x-forwarded-for", v) for v in values]


@pytest.mark.parametrize(
    ("headers", "record", "hops", "window", "expected"),
    [
        # the vendor appended its record: skipped, then one hop in
        (xff("1.1.1.1, 2.2.2.2, 3.3.3.3"), ("3.3.3.3", 0), 1, 1, ("2.2.2.2", 0)),
        # repeated header lines are one list
        (xff("1.1.1.1", "2.2.2.2", "3.3.3.3"), ("3.3.3.3", 0), 2, 1, ("1.1.1.1", 0)),
        # the record not at the end (the vendor adds none): nothing skipped
        (xff("1.1.1.1, 2.2.2.2"), ("9.9.9.9", 0), 1, 1, ("2.2.2.2", 0)),
        # a client writing the record early cannot make it skip more
        (xff("9.9.9.9, 2.2.2.2"), ("9.9.9.9", 0), 1, 1, ("2.2.2.2", 0)),
        # an internal hop after the record (window 2)
        (xff("1.1.1.1, 2.2.2.2, 100.64.0.1"), ("2.2.2.2", 0), 1, 2, ("1.1.1.1", 0)),
        # too short: the record stays
        (xff("1.1.1.1"), ("9.9.9.9", 0), 2, 1, ("9.9.9.9", 0)),
        (xff(""), None, 1, 1, None),
        # ports and IPv6
        (xff("1.1.1.1:5000, 2.2.2.2:443"), ("2.2.2.2", 443), 1, 1, ("1.1.1.1", 5000)),
        (xff("[2001:db8::1]:8443, 2.2.2.2"), ("2.2.2.2", 0), 1, 1, ("2001:db8::1", 8443)),
        (xff("2001:db8::1, 2.2.2.2"), ("2.2.2.2", 0), 1, 1, ("2001:db8::1", 0)),
        (xff("[2001:db8::1]"), None, 1, 1, ("2001:db8::1", 0)),
    ],
)
def test_forwarded_client(
    headers: list[tuple[bytes, bytes]],
    record: tuple[str, int] | None,
    hops: int,
    window: int,
    expected: tuple[str, int] | None,
) -> None:
    assert forwarded_client(headers, record, hops, window) == expected


@pytest.mark.parametrize("hops", [-1, True, 1.5, "1"])
def test_trusted_proxy_hops_must_be_a_whole_number(hops: Any) -> None:
    with pytest.raises(ConfigurationError, match="trusted_proxy_hops"):
        Options(trusted_proxy_hops=hops)


def test_trusted_proxy_hops_from_the_environment() -> None:
    assert Options.from_environ({}).trusted_proxy_hops == 0
    assert Options.from_environ({"FAAS_BRIDGE_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2
    with pytest.raises(ConfigurationError, match="FAAS_BRIDGE_TRUSTED_PROXY_HOPS"):
        Options.from_environ({"FAAS_BRIDGE_TRUSTED_PROXY_HOPS": "two"})
    assert wrap(wsgi_app, trusted_proxy_hops=3).options.trusted_proxy_hops == 3
