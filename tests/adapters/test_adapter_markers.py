"""Adapter markers exclude one another (issue 18, finding 5).

An OpenWhisk default web action merges the JSON body's keys into its
parameters; on a cold container a body shaped like an API Gateway payload 2.0
event used to be decoded by the aws-apigw-v2 adapter (path, client address
and JWT claims of the caller's choosing). The rule (``platforms/_markers.py``):
OpenWhisk's ``__ow_`` keys, which the controller always writes and never lets
a caller set, win over every other vendor's markers; between the others a
fixed rank decides, so no event ever has two adapters.

The property is checked over every pair of adapters: each adapter's own event
(built by its module for one request, and the project's sample events) with
the other's markers added, shallowly and inside ``requestContext`` too.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from itertools import product
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators import openwhisk
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES, _markers, load_platforms
from support.echo_apps import wsgi_app
from support.events import load_event, own_event_names
from support.fuzz_events import BUILDERS, materialize
from support.vendor_replies import http_response

PLATFORMS = load_platforms(Options())
RANK = {name: index for index, (name, _, _) in enumerate(_markers.RANKS)}
CALL = HttpCall(
    method="POST",
    target="/internal/jobs/nightly?run=1",
    headers=[("content-type", "application/json"), ("x-forwarded-for", "203.0.113.9")],
    body=b'{"job": "nightly"}',
)
#: Folders of the project's own samples, and the adapter each one's requests belong to.
SAMPLE_FOLDERS = {
    "aws-apigw-v1": "aws-apigw-v1",
    "aws-apigw-v2": "aws-apigw-v2",
    "aws-function-url": "aws-function-url",
    "aws-alb": "aws-alb",
    "aws-edge": "aws-edge",
    "aws-lattice": "aws-lattice",
    "aliyun-fc3": "aliyun-fc3",
    "aliyun-apigw": "aliyun-apigw",
    "tencent-scf-apigw": "tencent-scf-apigw",
    "huawei-fg-apig": "huawei-fg-apig",
    "openwhisk-web": "openwhisk",
    "scaleway": "scaleway",
    "yandex": "yandex",
}


def claimed_by(event: Any) -> list[str]:
    return [p.name for p in PLATFORMS if p.matches(event)]


def built_events() -> dict[str, tuple[str, dict[str, Any]]]:
    """``{label: (adapter, event)}``: every builder's JSON event for CALL."""
    found = {}
    for name, variants in BUILDERS.items():
        for variant, build in variants:
            event = materialize(build(CALL))
            if type(event) is dict:
                found[f"{name}:{variant}"] = (name, event)
    return found


def sample_events() -> dict[str, tuple[str, dict[str, Any]]]:
    found = {}
    for name in own_event_names(*SAMPLE_FOLDERS):
        event = load_event(name)
        adapter = SAMPLE_FOLDERS[name.split("/")[0]]
        if claimed_by(event) == [adapter]:  # replies stored beside requests are skipped
            found[name] = (adapter, event)
    return found


BUILT = built_events()
SAMPLES = sample_events()


def merges(a: Mapping[str, Any], b: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """``a`` with ``b``'s keys added (``a`` wins, then ``b`` wins), also inside requestContext."""
    for first, second in ((a, b), (b, a)):
        merged = {**second, **first}
        yield merged
        rc_first, rc_second = first.get("requestContext"), second.get("requestContext")
        if isinstance(rc_first, Mapping) and isinstance(rc_second, Mapping):
            yield {**merged, "requestContext": {**rc_second, **rc_first}}


def check_one_owner(event: dict[str, Any], where: str) -> None:
    owners = claimed_by(event)
    assert len(owners) <= 1, (where, owners)
    if "__ow_method" in event:
        assert owners == ["openwhisk"], (where, owners)
    # The owner is the highest ranked of the adapters whose own test holds.
    marked = [name for name, test, _ in _markers.RANKS if test(event)]
    expected = sorted(marked, key=RANK.__getitem__)[:1]
    if expected == ["aws-apigw-v2"] and "aws-function-url" in owners:
        expected = ["aws-function-url"]  # one test, told apart by the domain
    assert owners == expected, (where, owners, marked)


def test_every_adapter_has_a_rank() -> None:
    ranked = [name for name, _, _ in _markers.RANKS] + [name for name, _ in _markers.OBJECT_RANKS]
    assert sorted(ranked) == sorted(NAMES)


def test_every_adapter_with_a_builder_is_covered() -> None:
    """The pairs below include every adapter of JSON events, each claiming its own."""
    for label, (adapter, event) in BUILT.items():
        assert claimed_by(event) == [adapter], label
    covered = {adapter for adapter, _ in BUILT.values()}
    objects = {"azure", "gcp", "openfaas"}  # request objects, not mappings: below
    assert covered == set(NAMES) - objects


@pytest.mark.parametrize("label", sorted(BUILT))
def test_each_built_event_with_another_vendors_markers_has_one_owner(label: str) -> None:
    adapter, event = BUILT[label]
    for other_label, (other, other_event) in BUILT.items():
        if other == adapter:
            continue
        for merged in merges(event, other_event):
            check_one_owner(merged, f"{label} + {other_label}")


def test_sample_events_of_different_vendors_merged_have_one_owner() -> None:
    checked = 0
    for (name_a, (adapter_a, a)), (name_b, (adapter_b, b)) in product(SAMPLES.items(), repeat=2):
        if adapter_a == adapter_b:
            continue
        for merged in merges(a, b):
            check_one_owner(merged, f"{name_a} + {name_b}")
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("other", sorted(label for label in BUILT if not label.startswith("ow")))
def test_openwhisk_markers_always_win(other: str) -> None:
    """A default web action merges the body's keys: whatever they are, the event is OpenWhisk's."""
    _, body = BUILT[other]
    web = openwhisk.build_event(CALL, raw=False)
    raw = openwhisk.build_event(CALL)
    for params in (web, raw):
        merged = {**body, **params}  # the controller's keys cannot be overridden
        assert claimed_by(merged) == ["openwhisk"], other


def decoded_as(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    reply = handler(copy.deepcopy(event), None)
    status, _, body = http_response("openwhisk", reply)
    assert status == 200, body
    seen: dict[str, Any] = json.loads(body)
    return seen


def test_an_http_api_body_posted_to_a_default_web_action_is_decoded_as_openwhisk() -> None:
    """The reproduction, cold and warm (after an HTTP API event): the forged fields are unused."""
    forged = load_event("aws-apigw-v2/jwt-authorizer.json")
    forged["rawPath"] = forged["requestContext"]["http"]["path"] = "/admin/delete-everything"
    forged["requestContext"]["http"]["sourceIp"] = "6.6.6.6"
    params = openwhisk.build_event(HttpCall(method="POST", target="/notes"), raw=False)
    event = {**forged, **params}
    for warm_with in (None, load_event("aws-apigw-v2/get-root.json")):
        handler = wrap(wsgi_app)
        try:
            if warm_with is not None:
                handler(warm_with, None)
            assert handler.detect(event).name == "openwhisk"
            seen = decoded_as(handler, event)
        finally:
            handler.shutdown()
        # The path and client are the web request's; the forged event's keys are
        # only the caller's parameters (rebuilt into the query string, as data).
        assert (seen["method"], seen["path_info"]) == ("POST", "/notes")
        assert seen["remote_addr"] != "6.6.6.6"
        assert "rawPath=%2Fadmin%2Fdelete-everything" in seen["query_string"]


def test_yandex_payload_1_0_keeps_aws_keys_and_is_yandex() -> None:
    from faas_bridge.devtools.emulators import yandex

    event = yandex.build_event(CALL, form="1.0")
    assert event["version"] == "1.0" and "resource" in event  # AWS payload 1.0's markers
    assert claimed_by(event) == ["yandex"]
    del event["operationId"], event["parameters"], event["multiValueParameters"]
    assert claimed_by(event) == ["aws-apigw-v1"]  # without Yandex's own keys: AWS's format


class Recorded:
    """An object with whatever attributes it is given (a request object of some vendor)."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


AZURE = {
    "url": "https://app.azurewebsites.net/api/x",
    "method": "GET",
    "get_body": lambda: b"",
    "route_params": {},
    "headers": {},
    "params": {},
}
GCP = {"environ": {"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}, "get_data": lambda: b""}
OPENFAAS = {"body": b"", "method": "GET", "path": "/x", "headers": {}, "query": {}}


@pytest.mark.parametrize(
    ("parts", "owner"),
    [
        ((AZURE,), "azure"),
        ((GCP,), "gcp"),
        ((OPENFAAS,), "openfaas"),
        ((GCP, AZURE), "azure"),
        ((OPENFAAS, AZURE), "azure"),
        ((OPENFAAS, GCP), "gcp"),
        ((OPENFAAS, GCP, AZURE), "azure"),
    ],
)
def test_request_objects_with_two_vendors_attributes_have_one_owner(
    parts: tuple[dict[str, Any], ...], owner: str
) -> None:
    attributes: dict[str, Any] = {}
    for part in parts:
        attributes.update(part)
    assert claimed_by(Recorded(**attributes)) == [owner]
    assert claimed_by(SimpleNamespace(**attributes)) == [owner]


def test_mappings_and_objects_never_share_an_adapter() -> None:
    for _, event in BUILT.values():
        as_object = Recorded(**{k.replace("-", "_"): v for k, v in event.items()})
        assert all(
            p.name in {"azure", "gcp", "openfaas"} for p in PLATFORMS if p.matches(as_object)
        )
    for attributes in (AZURE, GCP, OPENFAAS):
        assert claimed_by(dict(attributes)) == []


def test_wsgi_environs_and_kubeless_events_with_other_markers_have_one_owner() -> None:
    class Input:
        def read(self, size: int = -1) -> bytes:
            return b""

    class KubelessRequest:
        def __init__(self) -> None:
            self.environ = {"REQUEST_METHOD": "GET"}

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "wsgi.input": Input()}
    kubeless = {
        "event-type": "application/json",
        "data": {},
        "extensions": {"request": KubelessRequest()},
    }
    assert claimed_by(environ) == ["aliyun-fc2"]
    assert claimed_by(kubeless) == ["kubeless"]
    for label, (_, event) in BUILT.items():
        for base in (environ, kubeless):
            for merged in merges(base, event):
                check_one_owner(merged, label)
