"""The context object a handler receives: what awslambdaric's ``LambdaContext`` offers.

Per invocation: the request id, the invoked ARN, the deadline, the caller's
client context and Cognito identity (from the ``invocation/next`` headers).
Per process: the function's name, version, memory size and log group and
stream, from the environment variables Lambda documents. Values are of the
same types as the managed runtime's (the memory size is a string there too).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, ClassVar

from faas_bridge.runtime.client import Invocation

#: The W3C trace-context keys a client context may carry (awslambdaric offers them by ``w3c()``).
_W3C_KEYS = ("traceparent", "tracestate", "baggage")


class ContextUnreadable(ValueError):
    """The client context or Cognito identity header is not JSON."""


class CognitoIdentity:
    """The Amazon Cognito identity that authorised the call (mobile SDK callers)."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, fields: dict[str, Any] | None = None) -> None:
        fields = fields or {}
        self.cognito_identity_id: Any = fields.get("cognitoIdentityId")
        self.cognito_identity_pool_id: Any = fields.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity(cognito_identity_id={self.cognito_identity_id!r}, "
            f"cognito_identity_pool_id={self.cognito_identity_pool_id!r})"
        )


class Client:
    """The client application of a client context."""

    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, fields: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Client({shown})"


class ClientContext:
    """The client context a mobile SDK caller sent: ``custom``, ``env``, ``client``."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.custom: Any = fields.get("custom")
        self.env: Any = fields.get("env")
        client = fields.get("client")
        self.client: Any = Client(client) if isinstance(client, dict) else client

    def __repr__(self) -> str:
        return f"ClientContext(custom={self.custom!r}, env={self.env!r}, client={self.client!r})"


class _Function:
    """The environment variables that describe the function: read once per process."""

    def __init__(self) -> None:
        get = os.environ.get
        self.function_name = get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = get("AWS_LAMBDA_LOG_STREAM_NAME")


_function: _Function | None = None


class LambdaContext:
    """The handler's ``context``, as the managed Python runtime builds it."""

    __slots__ = (
        "_deadline_ms",
        "_w3c",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "tenant_id",
    )

    #: Tells a handler that its caller is faas_bridge's runtime: it may return a
    #: StreamedReply (posted in the Runtime API's streaming mode) or a Finishing
    #: (its reply posted, then its remaining work run). faas_bridge's handler
    #: reads it; the managed runtime's context has no such attribute.
    faas_bridge_runtime: ClassVar[bool] = True

    def __init__(self, invocation: Invocation) -> None:
        global _function
        function = _function
        if function is None:
            function = _function = _Function()
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.function_arn
        self.function_name = function.function_name
        self.function_version = function.function_version
        self.memory_limit_in_mb = function.memory_limit_in_mb
        self.log_group_name = function.log_group_name
        self.log_stream_name = function.log_stream_name
        self.tenant_id = invocation.tenant_id
        self._deadline_ms = invocation.deadline_ms
        self._w3c: dict[str, str] = {}
        self.identity = CognitoIdentity(
            _json_header(invocation.cognito_identity, "Cognito Identity")
        )
        fields = _json_header(invocation.client_context, "Client Context")
        self.client_context: ClientContext | None = None
        if fields is not None:
            w3c = fields.pop("w3c", None)
            if isinstance(w3c, dict):
                self._w3c = {k: v for k in _W3C_KEYS if isinstance(v := w3c.get(k), str)}
            self.client_context = ClientContext(fields)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out (0 once it has)."""
        left = self._deadline_ms - int(time.time() * 1000)
        return left if left > 0 else 0

    def w3c(self) -> dict[str, str]:
        """The W3C trace context (traceparent, tracestate, baggage) the caller sent."""
        return dict(self._w3c)

    def log(self, message: object) -> None:
        """Write to the function's log (its standard output)."""
        sys.stdout.write(str(message))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(aws_request_id={self.aws_request_id!r}, "
            f"function_name={self.function_name!r}, "
            f"invoked_function_arn={self.invoked_function_arn!r})"
        )


def _json_header(text: str | None, name: str) -> dict[str, Any] | None:
    """A JSON object from a header; None when there is no header."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ContextUnreadable(f"Unable to parse {name} JSON: {exc}") from exc
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ContextUnreadable(f"Unable to parse {name} JSON: not an object")
    return value
