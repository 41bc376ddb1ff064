"""faas_bridge's own AWS Lambda runtime: the Runtime API loop, standard library only.

Started as ``python -m faas_bridge.runtime`` (a container image's or
``provided.al2023``'s bootstrap) or through ``AWS_LAMBDA_EXEC_WRAPPER`` with the
``exec-wrapper`` script shipped beside this file (the managed Python runtimes).
It runs any handler as the managed runtime does, and adds what that one lacks:
an internal extension, so that Lambda sends SIGTERM before ending the
environment and faas_bridge's shutdown hooks and ASGI lifespan shutdown run;
streamed replies (:class:`StreamedReply`) through the Runtime API's
streaming mode; and work run after the reply is posted (:class:`Finishing`),
before the next event is taken. Nothing here imports faas_bridge's dev tooling.

The ``bootstrap`` script runs the interpreter named in ``FAAS_BRIDGE_PYTHON``
(default: ``python3`` on ``PATH``); ``FAAS_BRIDGE_SHUTDOWN_EXTENSION=off``
registers no extension.
"""

from __future__ import annotations

from faas_bridge.runtime.client import (
    ErrorReport,
    Finishing,
    HttpHead,
    Invocation,
    RuntimeAPIError,
    RuntimeClient,
    Streamed,
    StreamedReply,
)
from faas_bridge.runtime.context import LambdaContext
from faas_bridge.runtime.loop import main, run

__all__ = [
    "ErrorReport",
    "Finishing",
    "HttpHead",
    "Invocation",
    "LambdaContext",
    "RuntimeAPIError",
    "RuntimeClient",
    "Streamed",
    "StreamedReply",
    "main",
    "run",
]
