"""The same request/response cases through AWS's own client (awslambdaric) and ours.

Both run the unmodified handler in ``functions/echo_function.py`` against the
local emulator. Each case is checked against what the emulator sent (values
chosen here) and against the other client: what awslambdaric does is the
reference for the managed runtime's behaviour.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from faas_bridge.devtools.lambda_emulator import LambdaEmulator, Reply

CLIENTS = ("awslambdaric", "faas_bridge")


@pytest.fixture(scope="module")
def functions(start_module_function: Any) -> dict[str, LambdaEmulator]:
    """One runtime process per client, both serving echo_function.handler."""
    return {client: start_module_function(client, "echo_function.handler") for client in CLIENTS}


def both(functions: dict[str, LambdaEmulator], event: Any, **settings: Any) -> dict[str, Reply]:
    return {client: functions[client].invoke(event, **settings) for client in CLIENTS}


TRACE = "Root=1-65f0a1b2-0123456789abcdef01234567;Parent=1a2b3c4d5e6f7a8b;Sampled=1"


def test_event_in_context_and_json_out(functions: dict[str, LambdaEmulator]) -> None:
    event = {"case": "context", "order": 7, "items": ["a", "b"]}
    replies = both(
        functions,
        event,
        trace_id=TRACE,
        client_context={
            "custom": {"tenant": "acme"},
            "env": {"platform": "Android"},
            "client": {"app_title": "Shop"},
        },
        cognito_identity={"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "pool"},
    )
    seen = {}
    for client, reply in replies.items():
        assert reply.outcome == "response", (client, reply)
        assert reply.content_type == "application/json"
        document = reply.json()
        emulator = functions[client]
        assert document["aws_request_id"] == reply.request_id
        assert 0 < document.pop("remaining_ms") <= 3000
        assert document.pop("aws_request_id")
        stream = document.pop("log_stream_name")
        assert stream.startswith(stream[:10]) and "[$LATEST]" in stream
        assert document == {
            "event": event,
            "invoked_function_arn": emulator.function_arn,
            "function_name": "faas-bridge-local",
            "function_version": "$LATEST",
            "memory_limit_in_mb": "128",  # a string, as the environment variable is
            "log_group_name": "/aws/lambda/faas-bridge-local",
            "trace_id": TRACE,
            "client_custom": {"tenant": "acme"},
            "client_env": {"platform": "Android"},
            "client_app_title": "Shop",
            "cognito_identity_id": "us-east-1:abc",
            "cognito_identity_pool_id": "pool",
        }
        seen[client] = document
    assert seen["faas_bridge"] == seen["awslambdaric"]


def test_no_trace_header_clears_the_trace_variable(functions: dict[str, LambdaEmulator]) -> None:
    for client in CLIENTS:
        functions[client].invoke(
            {"case": "context"}, trace_id="Root=1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb"
        )
        document = functions[client].invoke({"case": "context"}).json()
        assert document["trace_id"] is None, client
        assert document["client_custom"] is None and document["cognito_identity_id"] is None


def test_an_exception_is_the_documented_error_reply(functions: dict[str, LambdaEmulator]) -> None:
    replies = both(functions, {"case": "reject", "order": 42})
    for client, reply in replies.items():
        assert reply.outcome == "error", (client, reply)
        error = reply.error
        assert error is not None
        assert error["errorType"] == "OrderRejected"
        assert error["errorMessage"] == "order 42 is over the limit"
        assert error["requestId"] == reply.request_id
        # The stack starts in the function's code, not in the runtime's loop.
        assert "echo_function.py" in error["stackTrace"][0], (client, error["stackTrace"])
        assert "raise OrderRejected" in error["stackTrace"][-1]
    ours, theirs = replies["faas_bridge"].error, replies["awslambdaric"].error
    assert ours is not None and theirs is not None
    assert [line.split(", line")[0] for line in ours["stackTrace"]] == [
        line.split(", line")[0] for line in theirs["stackTrace"]
    ]
    # The documented error-type header: optional, and awslambdaric leaves it out.
    assert replies["faas_bridge"].error_type == "OrderRejected"


@pytest.mark.parametrize(
    ("case", "body", "content_type"),
    [
        ("bytes", b"\x00\x01raw", "application/unknown"),
        ("none", b"null", "application/json"),
    ],
)
def test_replies_that_are_not_dicts(
    functions: dict[str, LambdaEmulator], case: str, body: bytes, content_type: str
) -> None:
    for client, reply in both(functions, {"case": case}).items():
        assert (reply.outcome, reply.body, reply.content_type) == (
            "response",
            body,
            content_type,
        ), client


def test_unicode_reply_is_the_same_text(functions: dict[str, LambdaEmulator]) -> None:
    replies = both(functions, {"case": "unicode"})
    for reply in replies.values():
        assert reply.json() == {"text": "h\u00e9llo \u2713"}
    # Lambda's Python 3.12+ runtimes send non-ASCII as UTF-8, unescaped (awslambdaric
    # does so when AWS_EXECUTION_ENV names one of them; here it escapes).
    assert replies["faas_bridge"].body == '{"text": "h\u00e9llo \u2713"}'.encode()


def test_an_unserialisable_reply_is_a_marshal_error(functions: dict[str, LambdaEmulator]) -> None:
    for client, reply in both(functions, {"case": "unserialisable"}).items():
        assert reply.outcome == "error", client
        assert reply.error is not None
        assert reply.error["errorType"] == "Runtime.MarshalError"
        assert reply.error["errorMessage"].startswith("Unable to marshal response: ")


def test_an_event_that_is_not_json_is_an_unmarshal_error(
    functions: dict[str, LambdaEmulator],
) -> None:
    for client, reply in both(functions, b"{not json").items():
        assert reply.outcome == "error", client
        assert reply.error is not None
        assert reply.error["errorType"] == "Runtime.UnmarshalError"
        assert reply.error["errorMessage"].startswith("Unable to unmarshal input: Expecting")


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (
            "broken_import.handler",
            "RuntimeError",
            "DATABASE_URL is not set",
        ),
        (
            "no_such_module.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'no_such_module': No module named 'no_such_module'",
        ),
        (
            "echo_function.absent",
            "Runtime.HandlerNotFound",
            "Handler 'absent' missing on module 'echo_function'",
        ),
        ("nodot", "Runtime.MalformedHandlerName", None),
    ],
)
@pytest.mark.parametrize("client", CLIENTS)
def test_init_failure_is_reported_to_init_error(
    start_function: Any, client: str, handler: str, error_type: str, message: str | None
) -> None:
    emulator = start_function(client, handler, wait=False)
    header, error = emulator.wait_init_error(30)
    assert error["errorType"] == error_type, emulator.output()
    if message is not None:
        assert error["errorMessage"] == message
    else:
        assert error["errorMessage"].startswith("Bad handler 'nodot'")
    assert header == error_type  # both send the documented header here
    assert emulator.process is not None
    assert emulator.process.wait(10) != 0  # the runtime exits; Lambda starts another
    if handler == "broken_import.handler":
        assert "broken_import.py" in error["stackTrace"][-1]
    assert json.dumps(error)  # a JSON object, as posted


@pytest.mark.parametrize("client", CLIENTS)
def test_snapstart_hooks_run_around_restore_next(
    start_function: Any, client: str, tmp_path: Any
) -> None:
    log = tmp_path / "hooks.log"
    emulator = start_function(
        client,
        "snapstart_function.handler",
        env={"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "SHUTDOWN_LOG": str(log)},
    )
    reply = emulator.invoke({})
    assert reply.outcome == "response", emulator.output()
    # Before-snapshot hooks, then restore/next, then the after-restore ones in
    # registration order (faas_bridge registers its own when wrap() starts).
    assert reply.json() == ["before snapshot", "after restore", "faas_bridge on_restore"]
    paths = [call.path for call in emulator.calls if call.path.startswith("/2018-06-01/")]
    assert paths[:2] == ["/2018-06-01/runtime/restore/next", "/2018-06-01/runtime/invocation/next"]
