"""One handler for every request/response case, run under awslambdaric and faas_bridge.runtime.

``event["case"]`` picks what it does, so that one runtime process per client
serves every case. It only reads what the managed runtime documents: the
event, the context's attributes and methods, and ``_X_AMZN_TRACE_ID``.
"""

import os


class OrderRejected(Exception):
    """An exception of the function's own: its class name is the error's type."""


def _context(event, context):
    client = context.client_context
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "client_custom": None if client is None else client.custom,
        "client_env": None if client is None else client.env,
        "client_app_title": None
        if client is None or client.client is None
        else client.client.app_title,
        "cognito_identity_id": context.identity.cognito_identity_id,
        "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
    }


def _reject(event, context):
    raise OrderRejected(f"order {event['order']} is over the limit")


CASES = {
    "context": _context,
    "reject": _reject,
    "bytes": lambda event, context: b"\x00\x01raw",
    "unicode": lambda event, context: {"text": "h\u00e9llo \u2713"},
    "unserialisable": lambda event, context: {"when": object()},
    "none": lambda event, context: None,
}


def handler(event, context):
    return CASES[event["case"]](event, context)
