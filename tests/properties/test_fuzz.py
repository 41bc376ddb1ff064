"""Property: no event, however broken, crashes the handler, hangs it or leaks.

For every adapter in the registry, valid events (the vendors' samples and
what the modules' ``build_event`` make of client requests) are mutated:
keys dropped at any depth, values replaced by the wrong type, None, empty or
1 MB strings, lone surrogates, broken percent escapes and base64, CR/LF in
header names and values, 10,000 headers, 10 MB bodies, and the whole event
replaced by a list, a string, bytes or None. Whatever comes in, the outcome
is either a reply in a vendor's format with a status from 200 to 599 and no
traceback in its body, or a faas_bridge exception with a message; never
another exception, and never a hang.

``python -m pytest tests/properties/test_fuzz.py`` runs the quick profile (a fixed,
derandomised set of cases per adapter, part of the default run). The long
profile draws fresh cases, 6,000 per adapter unless
``FAAS_BRIDGE_FUZZ_EXAMPLES`` says otherwise::

    FAAS_BRIDGE_FUZZ=long python -m pytest tests/properties/test_fuzz.py -s

and prints the cases run and outcomes per adapter.
"""

from __future__ import annotations

import base64
import binascii
import collections
import json
import logging
import os
import re
import signal
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from faas_bridge import FaasBridgeError, wrap
from faas_bridge.dispatch import Handler
from faas_bridge.platforms import NAMES
from support.echo_apps import asgi_app, wsgi_app
from support.fuzz_events import ODD_EVENTS, StartResponse, call_context, materialize, mutate, seeds

T = TypeVar("T")

LONG = os.environ.get("FAAS_BRIDGE_FUZZ", "quick") == "long"
EXAMPLES = int(os.environ.get("FAAS_BRIDGE_FUZZ_EXAMPLES") or (6000 if LONG else 60))
#: The longest one case may take before it counts as a hang (10 MB bodies take ~0.1 s).
HANG_SECONDS = 20

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not LONG,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Outcomes per adapter: ``"<status>"`` replies and exception class names.
OUTCOMES: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)


class Hang(BaseException):
    """Raised in the test when one invocation runs past HANG_SECONDS."""


class DrawChooser:
    """Mutation choices drawn from hypothesis, so a failing case shrinks."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def choice(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


@pytest.fixture(scope="module")
def handlers() -> Iterator[dict[str, Handler]]:
    built = {"wsgi": wrap(wsgi_app), "asgi": wrap(asgi_app, lifespan="off")}
    yield built
    for handler in built.values():
        handler.shutdown()
    if OUTCOMES:
        print("\nfuzz outcomes per adapter (cases: outcome counts)")
        for name in sorted(OUTCOMES):
            counts = OUTCOMES[name]
            detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(f"  {name}: {sum(counts.values())} cases: {detail}")


@pytest.fixture(autouse=True)
def quiet_logs() -> Iterator[None]:
    """The handler logs every rejected event; thousands of lines help nobody here."""
    logger = logging.getLogger("faas_bridge")
    previous = logger.disabled
    logger.disabled = True
    yield
    logger.disabled = previous


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang(f"one invocation ran for more than {HANG_SECONDS} s")


def invoke(handler: Handler, event: Any, vendor: str) -> str:
    """The outcome of one invocation, checked; a short label for the tally."""
    event, context = call_context(event, vendor)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        reply = handler(event, context)
    except FaasBridgeError as exc:
        message = str(exc)
        assert message, f"{type(exc).__name__} without a message"
        assert len(message) < 4000
        message.encode("utf-8")  # it can be logged
        return type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    status, body = reply_status_and_body(reply, context)
    assert 200 <= status <= 599, status
    assert b"Traceback" not in body and b'File "' not in body
    if 400 <= status < 500:
        # Adapters say what was wrong and where; the handler's safety net,
        # which can only name a Python exception, must not have been needed.
        assert not SAFETY_NET.match(body), body[:300]
    return str(status)


#: A 4xx body from the handler's safety net: "Bad Request: TypeError: ...".
SAFETY_NET = re.compile(rb"^[A-Za-z ]+: [A-Z][A-Za-z]*(Error|Exception): ")


def reply_status_and_body(reply: Any, context: Any) -> tuple[int, bytes]:
    """(status, body bytes) of a reply in any vendor's format, checking the format."""
    if isinstance(reply, dict):
        # Every dict reply travels as JSON text: it must encode, as UTF-8.
        json.dumps(reply, ensure_ascii=False, allow_nan=False).encode("utf-8")
        _check_headers(reply.get("headers"))
        _check_headers(reply.get("multiValueHeaders"))
        if "status" in reply and "statusCode" not in reply:  # Lambda@Edge
            assert isinstance(reply["status"], str) and reply["status"].isdigit()
            body = reply.get("body", "")
            if reply.get("bodyEncoding") == "base64":
                return int(reply["status"]), base64.b64decode(body, validate=True)
            return int(reply["status"]), body.encode("utf-8")
        status = reply["statusCode"]
        assert type(status) is int
        body = reply.get("body") or ""
        assert isinstance(body, str)
        if reply.get("isBase64Encoded") is True:
            return status, base64.b64decode(body, validate=True)
        try:
            return status, base64.b64decode(body, validate=True)  # OpenWhisk: no flag
        except (binascii.Error, ValueError):
            return status, body.encode("utf-8")
    if isinstance(reply, tuple):  # OpenFaaS: a Flask response tuple
        body, status, headers = reply
        assert isinstance(body, bytes) and type(status) is int
        _check_headers(headers)
        return status, body
    if isinstance(reply, bytes):  # kubeless without bottle
        return 200, reply
    if hasattr(reply, "status_code") and hasattr(reply, "body"):  # bottle.HTTPResponse
        body = reply.body
        return int(reply.status_code), body if isinstance(body, bytes) else str(body).encode()
    if hasattr(reply, "status_code") and hasattr(reply, "get_body"):  # Azure HttpResponse
        return int(reply.status_code), bytes(reply.get_body())
    if hasattr(reply, "status_code") and hasattr(reply, "get_data"):  # flask.Response (GCP)
        return int(reply.status_code), bytes(reply.get_data())
    if isinstance(context, StartResponse):  # WSGI-style vendor (Alibaba FC 2.0)
        assert context.status is not None, "start_response was not called"
        _check_headers(dict(context.headers))
        return int(context.status[:3]), b"".join(reply)
    raise AssertionError(f"not a reply in any vendor's format: {type(reply).__name__}")


def _check_headers(headers: Any) -> None:
    """Reply headers are strings (or lists of them) with no CR, LF or NUL anywhere."""
    if headers is None:
        return
    assert isinstance(headers, dict)
    for name, value in headers.items():
        assert isinstance(name, str) and not set(name) & set("\r\n\x00:"), repr(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):  # Lambda@Edge: {"key": ..., "value": ...}
                item = item["value"]
            assert isinstance(item, str) and not set(item) & set("\r\n\x00"), repr(item)


@pytest.mark.parametrize("vendor", NAMES)
def test_every_adapter_has_seed_events(vendor: str) -> None:
    """The fuzz test below covers every registered adapter, new ones included."""
    assert seeds(vendor), f"add seed events for {vendor} to tests/support/fuzz_events.py"


@pytest.mark.parametrize("vendor", NAMES)
def test_mutated_events_get_a_reply_or_a_faas_bridge_error(
    vendor: str, handlers: dict[str, Handler]
) -> None:
    pool = seeds(vendor)
    assert pool, f"add seed events for {vendor} to tests/support/fuzz_events.py"

    @FUZZ_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        seed = data.draw(st.sampled_from(pool), label="seed")
        event, mutations = mutate(seed, DrawChooser(data))
        note(f"mutations: {mutations}")
        interface = data.draw(st.sampled_from(["wsgi", "asgi"]), label="interface")
        OUTCOMES[vendor][invoke(handlers[interface], materialize(event), vendor)] += 1

    run()


@pytest.mark.parametrize("event", ODD_EVENTS, ids=repr)
def test_events_that_are_no_events_raise_unrecognised(
    event: Any, handlers: dict[str, Handler]
) -> None:
    assert invoke(handlers["wsgi"], event, "none") == "UnrecognisedEvent"


@FUZZ_SETTINGS
@given(
    event=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_arbitrary_json_like_values(event: Any) -> None:
    handler = _plain_handler()
    outcome = invoke(handler, event, "none")
    OUTCOMES["(arbitrary values)"][outcome] += 1


_PLAIN: list[Handler] = []


def _plain_handler() -> Handler:
    if not _PLAIN:
        _PLAIN.append(wrap(wsgi_app))
    return _PLAIN[0]


def test_a_deeply_nested_json_text_event_is_unrecognised() -> None:
    """json.loads raises RecursionError (not ValueError) on deep nesting."""
    handler = _plain_handler()
    logging.getLogger("faas_bridge").disabled = True
    assert invoke(handler, "[" * 100_000, "none") == "UnrecognisedEvent"


def test_quick_profile_runs_by_default() -> None:
    """The default run stays quick: the long profile needs FAAS_BRIDGE_FUZZ=long."""
    if not LONG and "FAAS_BRIDGE_FUZZ_EXAMPLES" not in os.environ:
        assert EXAMPLES <= 100
