"""Sample events sorted by kind, shared by the detection and CLI tests.

Which adapter each sample folder belongs to, which samples are requests and
which replies, and the calls that are no JSON event (what Azure, Google and
Alibaba FC 2.0 pass to a function).
"""

from __future__ import annotations

from typing import Any

from support.events import EXTRA, event_names, load_event

FOLDER_PLATFORM = {
    "aws-apigw-v1": "aws-apigw-v1",
    "aws-apigw-v2": "aws-apigw-v2",
    "aws-function-url": "aws-function-url",
    "aws-alb": "aws-alb",
    "aliyun-fc3": "aliyun-fc3",
    "aliyun-apigw": "aliyun-apigw",
    "tencent-scf-apigw": "tencent-scf-apigw",
    "huawei-fg-apig": "huawei-fg-apig",
    "aws-edge": "aws-edge",
    "aws-lattice": "aws-lattice",
    "openwhisk-web": "openwhisk",
    "scaleway": "scaleway",
    "yandex": "yandex",
}


def folder_of(name: str) -> str:
    """The sample folder of a name, own (``aws-alb/x.json``) or extra (``extra/aws-alb/x.json``)."""
    return name.removeprefix(EXTRA).split("/")[0]


def file_of(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def is_edge_response_trigger(event: Any) -> bool:
    """A Lambda@Edge viewer- or origin-response event: aws-edge claims it, to refuse it clearly."""
    try:
        event_type = event["Records"][0]["cf"]["config"].get("eventType", "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return False
    return isinstance(event_type, str) and event_type.endswith("-response")


#: Sample files named ``response-*`` are replies a function returns, not requests.
REPLY_NAMES = [n for n in event_names(*FOLDER_PLATFORM) if file_of(n).startswith("response-")]
REQUEST_NAMES = [n for n in event_names(*FOLDER_PLATFORM) if n not in REPLY_NAMES]
#: Lambda@Edge response triggers: aws-edge claims them so that serving one fails clearly.
EDGE_RESPONSE_TRIGGERS = [n for n in REQUEST_NAMES if is_edge_response_trigger(load_event(n))]


def _call_shaped_events() -> list[tuple[str, object]]:
    """Calls that are no JSON event: what Azure, Google and Alibaba FC 2.0 pass."""
    from faas_bridge.devtools.emulators import aliyun, azure, gcp
    from faas_bridge.devtools.emulators.base import HttpCall

    call = HttpCall("POST", "/caf%C3%A9/a%2Fb?x=1&x=2", [("Cookie", "a=1; b=2")], b"hi")
    return [
        ("azure", azure.build_event(call)),
        ("gcp", gcp.build_event(call)),
        ("aliyun-fc2", aliyun.build_fc2_environ(call)),
    ]


CALL_SHAPED = _call_shaped_events()
