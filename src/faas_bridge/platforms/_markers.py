"""Which vendor an event belongs to when it carries more than one vendor's markers.

Each adapter recognises its vendor's event by some marker keys (the table in
:mod:`faas_bridge.platforms`). No vendor's gateway sends another vendor's
markers, so an event holding two sets of them was shaped, at least in part,
by someone else: by the HTTP caller, on the surfaces where a caller writes
event keys (a public Yandex function called with ``?integration=raw`` takes
the whole request body as the event; an OpenWhisk default web action merges
the JSON body's keys into its parameters). The rule for such an event:

* OpenWhisk's markers win over every other vendor's. The controller writes
  ``__ow_method``, ``__ow_headers`` and ``__ow_path`` into every web action's
  parameters, and refuses (400) a request whose query or body tries to set a
  ``__ow_`` key; every other key of a default web action's parameters may come
  from the caller's body. So an event holding them is an OpenWhisk web
  request, and the rest of it is the caller's: decoded as anything else, a
  body shaped like an API Gateway event would pick its own path, client
  address and JWT claims. DigitalOcean's ``http`` object counts the same.
* Between the other vendors, whose gateways write the whole event, a mixed
  event can only come from a surface where the caller writes every key; that
  caller could as well send one vendor's markers alone, so the order below
  only has to be fixed and total, never which one "is right": the commonest
  events rank first, so they pay for the fewest checks. The vendors' own
  overlaps are settled in the predicates: Yandex API Gateway payload 1.0
  copies AWS payload 1.0 and adds keys AWS never sends, which ``rest_api``
  refuses.

Each predicate below is one adapter's own test of its vendor's shape; the
adapter claims an event when its test holds and no adapter ranked above it
would claim the event too (:func:`outranked`): the highest ranked wins.
So no event has two adapters, whatever it holds; ``tests/adapters/test_adapter_markers.py``
checks every pair. Objects (Azure, Google and OpenFaaS request objects) are
never mappings and are ranked among themselves the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Marker = Callable[[Any], bool]

#: Keys Yandex API Gateway payload 0.1 (and a direct invocation today) adds.
V01_KEYS = ("url", "params", "multiValueParams", "pathParams")
#: Keys Yandex API Gateway payload 1.0 adds to AWS's payload 1.0 shape.
V10_KEYS = ("parameters", "multiValueParameters", "operationId")


# The tests below run on every invocation (the adapter used last is asked
# first), so each starts with the cheapest check that rules most events out,
# and a dict is told from other mappings without the ABC machinery.


def _rc(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    rc = event.get("requestContext")
    if rc is None:
        return None
    return rc if type(rc) is dict or isinstance(rc, Mapping) else None


def _aws_keys(event: Mapping[str, Any]) -> bool:
    """``resource``, ``version`` 1.0 / 2.0 or ``requestContext.elb``: AWS's formats."""
    if "resource" in event or event.get("version") in ("1.0", "2.0"):
        return True
    rc = _rc(event)
    return rc is not None and "elb" in rc


def openwhisk(event: Any) -> bool:
    """A web action's ``__ow_method``, or DigitalOcean's ``http.method`` with ``http.headers``."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "__ow_method" in event:
        return True
    http = event.get("http")
    return (
        http is not None
        and isinstance(http, Mapping)
        and isinstance(http.get("method"), str)
        and isinstance(http.get("headers"), Mapping)
    )


def http_api_v2(event: Any) -> bool:
    """API Gateway payload 2.0 and Function URLs: ``version`` 2.0, ``rawPath``, a context."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "rawPath" not in event or event.get("version") != "2.0":
        return False
    rc = event.get("requestContext")
    return rc is not None and (type(rc) is dict or isinstance(rc, Mapping))


def alb(event: Any) -> bool:
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    rc = event.get("requestContext")
    return rc is not None and (type(rc) is dict or isinstance(rc, Mapping)) and "elb" in rc


def rest_api(event: Any) -> bool:
    """API Gateway REST and HTTP API payload 1.0: a request context with ``resource`` or 1.0."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "resource" not in event and event.get("version") != "1.0":
        return False
    rc = event.get("requestContext")
    if rc is None or not (type(rc) is dict or isinstance(rc, Mapping)):
        return False
    if "elb" in rc or "connectionId" in rc:
        return False
    # Yandex API Gateway's payload 1.0 (V10_KEYS) mimics this one.
    return (
        "parameters" not in event
        and "multiValueParameters" not in event
        and ("operationId" not in event)
    )


def edge(event: Any) -> bool:
    """CloudFront's ``Records[0].cf``."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    records = event.get("Records")
    if records is None or not isinstance(records, list) or not records:
        return False
    first = records[0]
    return isinstance(first, Mapping) and isinstance(first.get("cf"), Mapping)


def lattice(event: Any) -> bool:
    """V2: ``version`` 2.0 with a service network, no ``rawPath``; V1: ``raw_path`` alone."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "raw_path" in event:
        return "version" not in event and "requestContext" not in event
    if "rawPath" in event or event.get("version") != "2.0":
        return False
    rc = _rc(event)
    return rc is not None and "serviceNetworkArn" in rc


def yandex(event: Any) -> bool:
    """Yandex's request context (WebSocket events aside) with its own keys, or no AWS path keys."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "httpMethod" not in event:
        return False
    rc = _rc(event)
    if rc is None or "identity" not in rc or "requestTimeEpoch" not in rc:
        return False
    if "connectionId" in rc or "eventType" in rc:
        return False
    if any(key in event for key in V10_KEYS) or any(key in event for key in V01_KEYS):
        return True
    return not event.get("path") and "resource" not in event and "version" not in event


def fc3(event: Any) -> bool:
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    return (
        "rawPath" in event
        and event.get("version") == "v1"
        and _rc(event) is not None
        and not _aws_keys(event)
    )


def tencent_apigw(event: Any) -> bool:
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    rc = _rc(event)
    return rc is not None and "serviceId" in rc and not _aws_keys(event)


def tencent_cloudbase(event: Any) -> bool:
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    rc = _rc(event)
    return rc is not None and "envId" in rc and "serviceId" not in rc and not _aws_keys(event)


def huawei(event: Any) -> bool:
    """An API-Gateway-1.0-like event without the keys AWS, Tencent and Scaleway add."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "path" not in event or "httpMethod" not in event:
        return False
    rc = _rc(event)
    return (
        rc is not None
        and "apiId" in rc
        and "stage" in rc
        and "multiValueHeaders" not in event
        and "stageVariable" not in event
        and not any(key in rc for key in ("identity", "serviceId", "envId"))
        and not _aws_keys(event)
    )


def aliyun_apigw(event: Any) -> bool:
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    return (
        "queryParameters" in event
        and "httpMethod" in event
        and "rawPath" not in event
        and not _aws_keys(event)
    )


def scaleway(event: Any) -> bool:
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    return "stageVariable" in event and "httpMethod" in event


def kubeless(event: Any) -> bool:
    """The kubeless runtime's event: its server's request object in ``extensions``."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    if "event-type" not in event or "data" not in event:
        return False
    extensions = event.get("extensions")
    return isinstance(extensions, Mapping) and hasattr(extensions.get("request"), "environ")


def fc2(event: Any) -> bool:
    """A WSGI environ, as the FC 2.0 HTTP trigger passes it."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return False
    return "wsgi.input" in event and isinstance(event.get("REQUEST_METHOD"), str)


def azure(event: Any) -> bool:
    """An ``azure.functions.HttpRequest``."""
    return (
        not isinstance(event, Mapping)
        and isinstance(getattr(event, "url", None), str)
        and isinstance(getattr(event, "method", None), str)
        and callable(getattr(event, "get_body", None))
        and hasattr(event, "route_params")
    )


def gcp(event: Any) -> bool:
    """functions-framework's ``flask.Request``: an ``environ`` dict and ``get_data``."""
    return (
        not isinstance(event, Mapping)
        and isinstance(getattr(event, "environ", None), dict)
        and callable(getattr(event, "get_data", None))
    )


def openfaas(event: Any) -> bool:
    """The ``python3-http`` template's event object."""
    return (
        not isinstance(event, Mapping)
        and isinstance(getattr(event, "body", None), (bytes, bytearray))
        and isinstance(getattr(event, "method", None), str)
        and isinstance(getattr(event, "path", None), str)
        and hasattr(event, "headers")
        and hasattr(event, "query")
    )


#: Adapters of mappings, highest rank first: the test each claims by, and the
#: top-level keys of which that test needs at least one (a first look that
#: lets the commonest events skip the tests of the adapters ranked above).
RANKS: tuple[tuple[str, Marker, tuple[str, ...]], ...] = (
    ("openwhisk", openwhisk, ("__ow_method", "http")),
    ("aws-apigw-v2", http_api_v2, ("rawPath",)),
    ("aws-function-url", http_api_v2, ("rawPath",)),
    ("aws-apigw-v1", rest_api, ("resource", "version")),
    ("aws-alb", alb, ("requestContext",)),
    ("aws-edge", edge, ("Records",)),
    ("aws-lattice", lattice, ("raw_path", "version")),
    ("yandex", yandex, ("httpMethod",)),
    ("aliyun-fc3", fc3, ("rawPath",)),
    ("tencent-scf-apigw", tencent_apigw, ("requestContext",)),
    ("tencent-cloudbase", tencent_cloudbase, ("requestContext",)),
    ("huawei-fg-apig", huawei, ("requestContext",)),
    ("aliyun-apigw", aliyun_apigw, ("queryParameters",)),
    ("scaleway", scaleway, ("stageVariable",)),
    ("kubeless", kubeless, ("event-type",)),
    ("aliyun-fc2", fc2, ("wsgi.input",)),
)
#: Adapters of request objects, highest rank first.
OBJECT_RANKS: tuple[tuple[str, Marker], ...] = (
    ("azure", azure),
    ("gcp", gcp),
    ("openfaas", openfaas),
)


def _above() -> tuple[dict[str, tuple[Marker, ...]], dict[str, tuple[str, ...]]]:
    above: dict[str, tuple[Marker, ...]] = {}
    gates: dict[str, tuple[str, ...]] = {}
    for index, (name, own, _) in enumerate(RANKS):
        # Adapters sharing one test (HTTP API, Function URL) do not outrank each other.
        higher = [(marker, keys) for _, marker, keys in RANKS[:index] if marker is not own]
        above[name] = tuple(dict.fromkeys(marker for marker, _ in higher))
        gates[name] = tuple(dict.fromkeys(key for _, keys in higher for key in keys))
    for index, (name, _) in enumerate(OBJECT_RANKS):
        above[name] = tuple(marker for _, marker in OBJECT_RANKS[:index])
        gates[name] = ()
    return above, gates


_ABOVE, _GATES = _above()


def outranked(event: Any, name: str) -> bool:
    """Whether an adapter ranked above adapter ``name`` claims ``event`` too."""
    # Loops, not any() over generators: this runs on every invocation.
    if type(event) is dict:
        for key in _GATES[name]:
            if key in event:
                break
        else:
            return False  # none of the keys the adapters above need: none claims it
    for marked in _ABOVE[name]:  # noqa: SIM110
        if marked(event):
            return True
    return False


__all__ = ["OBJECT_RANKS", "RANKS", "outranked"]
