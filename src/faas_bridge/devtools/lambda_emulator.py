"""A local AWS Lambda Runtime API and Extensions API, to run a Lambda runtime against.

It serves, on 127.0.0.1, the endpoints AWS documents for a runtime
(``/2018-06-01/runtime/...``: ``invocation/next``, ``invocation/{id}/response``
buffered or streamed, ``invocation/{id}/error``, ``init/error``,
``restore/next``) and for extensions (``/2020-01-01/extension/register``,
``event/next``, ``init/error``, ``exit/error``), and plays Lambda's part: it
queues the events you invoke, hands them to the runtime one at a time, records
each reply (a streamed one chunk by chunk, with the time each arrived, its HTTP
integration prelude split off at the eight NUL bytes and its trailers), and
ends the environment as Lambda does (SIGTERM to the runtime only when an
extension is registered, then SIGKILL after the shutdown phase's limit).

Any runtime works against it: AWS's own client (``python -m awslambdaric
module.handler``) as well as faas_bridge's (``python -m faas_bridge.runtime``)::

    with LambdaEmulator() as emulator:
        emulator.start_runtime([sys.executable, "-m", "faas_bridge.runtime"],
                               handler="app.handler", task_root="src")
        reply = emulator.invoke({"hello": "world"})
        print(reply.outcome, reply.json())
        print(emulator.shutdown())

From a shell: ``python -m faas_bridge.devtools.lambda_emulator --handler app.handler
event.json``. Where Lambda's behaviour is not documented (a reply over 6 MB, an
invocation that times out), the emulator answers in a way of its own, said at
the place; it does not reset the runtime after a timeout.
"""

from __future__ import annotations

import argparse
import base64
import collections
import http.server
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RUNTIME = "/2018-06-01/runtime"
EXTENSION = "/2020-01-01/extension"
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY = "Lambda-Runtime-Function-Error-Body"
HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"
PRELUDE_END = b"\0" * 8

#: A buffered response's limit (Lambda's documented 6 MB for synchronous invocations).
MAX_RESPONSE = 6 * 1024 * 1024
#: At most this many extensions may register (Lambda's documented limit).
MAX_EXTENSIONS = 10
#: The Shutdown phase's limits, in seconds, from Lambda's documentation of the
#: execution environment: with no extension registered the runtime gets no
#: SIGTERM and none of the phase (the documentation once said 300 ms, now 0 ms);
#: with internal extensions only, 500 ms from SIGTERM to SIGKILL; with external
#: ones, 2,000 ms in all, of which the runtime has 300 ms (500 ms with an
#: internal extension too) before it is killed.
SHUTDOWN_INTERNAL = 0.5
SHUTDOWN_EXTERNAL = 2.0
RUNTIME_SHARE_EXTERNAL = 0.3

Outcome = Literal["response", "error", "timeout", "abandoned"]


@dataclass
class Reply:
    """How the runtime answered one invocation."""

    request_id: str
    #: ``response`` (also a stream that failed midway: Lambda counts it a success
    #: and passes the error trailers on), ``error`` (``invocation/error``, or a
    #: reply over the limit), ``timeout``, or ``abandoned`` (the runtime asked for
    #: the next event without answering this one).
    outcome: Outcome
    #: The response payload; for a streamed HTTP reply, what followed the prelude.
    body: bytes = b""
    content_type: str | None = None
    #: The error document (``invocation/error``'s body, or a mid-stream error's
    #: trailer decoded), and its type (the header, or the trailer).
    error: dict[str, Any] | None = None
    error_type: str | None = None
    streamed: bool = False
    #: A streamed HTTP reply's prelude: the raw bytes up to and with the eight
    #: NULs, and its JSON decoded.
    prelude_bytes: bytes | None = None
    prelude: dict[str, Any] | None = None
    #: The body as it arrived: (seconds since the invocation was made, bytes).
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    trailers: dict[str, str] = field(default_factory=dict)
    #: The headers of the runtime's request that carried the reply.
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds from the invocation to the end of the reply.
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Extension:
    """A registered extension."""

    name: str
    identifier: str
    events: tuple[str, ...]
    external: bool


@dataclass(frozen=True)
class ShutdownReport:
    """How the environment ended: the signals sent, in order, and the runtime's exit."""

    signals: tuple[str, ...]
    exit_code: int | None
    #: Seconds from the start of the shutdown to the runtime's end.
    seconds: float
    #: The shutdown phase's limit that applied.
    limit: float


@dataclass(frozen=True)
class Call:
    """One request a runtime or extension made (for tests: what the client sent)."""

    method: str
    path: str
    headers: dict[str, str]


class _Invocation:
    def __init__(
        self, request_id: str, event: bytes, headers: dict[str, str], content_type: str
    ) -> None:
        self.request_id = request_id
        self.event = event
        self.headers = headers
        self.content_type = content_type
        self.started = time.monotonic()
        self.delivered = False
        self.deadline_ms = 0
        self.reply: Reply | None = None
        self.done = threading.Event()
        #: Body pieces of a streamed reply as they arrive; None ends them.
        self.live: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
        self.timer: threading.Timer | None = None


class Pending:
    """An invocation made and not necessarily answered yet."""

    def __init__(self, invocation: _Invocation) -> None:
        self._invocation = invocation
        self.request_id = invocation.request_id

    def result(self, timeout: float | None = None) -> Reply:
        """The reply, once complete (TimeoutError if it is not within ``timeout`` seconds)."""
        if not self._invocation.done.wait(timeout):
            raise TimeoutError(f"no reply to {self.request_id} within {timeout} s")
        assert self._invocation.reply is not None
        return self._invocation.reply

    def chunks(self, timeout: float | None = None) -> Iterator[tuple[float, bytes]]:
        """The body's pieces as they arrive: (seconds since the invocation, bytes).

        For a streamed reply, each chunk the runtime sent (after the prelude);
        for a buffered one, the whole body at once when it is complete.
        """
        while True:
            try:
                piece = self._invocation.live.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no chunk of {self.request_id} within {timeout} s") from None
            if piece is None:
                return
            yield piece


class _BadRequest(Exception):
    pass


class LambdaEmulator:
    """Lambda's Runtime and Extensions APIs on 127.0.0.1, for one runtime process."""

    def __init__(
        self,
        *,
        function_name: str = "faas-bridge-local",
        memory_mb: int = 128,
        timeout: float = 3.0,
        region: str = "us-east-1",
        external_extensions: Sequence[str] = (),
    ) -> None:
        self.function_name = function_name
        self.memory_mb = memory_mb
        #: The function's timeout, in seconds: each invocation's deadline.
        self.timeout = timeout
        self.region = region
        self.function_arn = f"arn:aws:lambda:{region}:123456789012:function:{function_name}"
        #: Names of extensions to treat as external (on Lambda: files in /opt/extensions).
        #: Every other one is internal, and may not register for SHUTDOWN.
        self.external_names = frozenset(external_extensions)
        self.handler_name = ""
        self.calls: list[Call] = []
        self.init_errors: list[tuple[str | None, dict[str, Any]]] = []
        self.extension_errors: list[tuple[str, str | None, dict[str, Any]]] = []
        self.restore_errors: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._waiting: collections.deque[_Invocation] = collections.deque()
        self._invocations: dict[str, _Invocation] = {}
        self._current: _Invocation | None = None
        self._extensions: dict[str, Extension] = {}
        self._extension_events: dict[str, collections.deque[dict[str, Any]]] = {}
        self._init_done = False
        self._shutting_down = False
        self._closed = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._output: list[str] = []
        self._reader: threading.Thread | None = None

    # -- the server ---------------------------------------------------------------

    def start(self) -> LambdaEmulator:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="lambda-emulator", daemon=True
        )
        self._thread.start()
        return self

    @property
    def address(self) -> str:
        """``host:port``: the value of ``AWS_LAMBDA_RUNTIME_API``."""
        assert self._server is not None, "start() the emulator first"
        port = self._server.server_address[1]
        return f"127.0.0.1:{port}"

    def close(self) -> None:
        """Stop the runtime process if it still runs (SIGKILL, by pid), then the server."""
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._reader is not None:
            self._reader.join(5)

    def __enter__(self) -> LambdaEmulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the runtime process ------------------------------------------------------

    def environ(self, handler: str, task_root: str | os.PathLike[str]) -> dict[str, str]:
        """The environment variables Lambda documents for a runtime process."""
        root = str(Path(task_root).resolve())
        stream = uuid.uuid4().hex
        return {
            "AWS_LAMBDA_RUNTIME_API": self.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": root,
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "TZ": ":UTC",
        }

    def start_runtime(
        self,
        command: Sequence[str],
        *,
        handler: str,
        task_root: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start the runtime process (cwd ``task_root``), its output collected (:meth:`output`).

        Its environment is this process's, then Lambda's variables
        (:meth:`environ`), then ``env`` (the function's own variables, or one
        of Lambda's set otherwise, ``AWS_LAMBDA_INITIALIZATION_TYPE`` say).
        """
        if self.process is not None:
            raise RuntimeError("this emulator already runs a runtime process")
        self.handler_name = handler
        environment = dict(os.environ)
        environment.update(self.environ(handler, task_root))
        environment.update(env or {})
        process = subprocess.Popen(
            list(command),
            cwd=str(task_root),
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.process = process
        self._reader = threading.Thread(target=self._collect, args=(process,), daemon=True)
        self._reader.start()
        return process

    def _collect(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._cond:
                self._output.append(line.decode("utf-8", "replace"))
                self._cond.notify_all()
        process.stdout.close()

    def output(self) -> str:
        """What the runtime process has written so far (standard output and error)."""
        return "".join(self._output)

    def wait_output(self, text: str, timeout: float = 5.0) -> bool:
        """Whether the runtime process writes ``text`` within ``timeout``.

        Its output is read by a thread of its own, so a line the function wrote
        before its reply may still be on its way when the reply arrives.
        """
        with self._cond:
            return self._cond.wait_for(lambda: text in "".join(self._output), timeout)

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Whether init ended (the runtime asked for its first event) within ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: self._init_done or bool(self.init_errors), timeout)

    def wait_init_error(self, timeout: float = 10.0) -> tuple[str | None, dict[str, Any]]:
        """The init error the runtime reports: (its type header, its JSON)."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self.init_errors), timeout):
                raise TimeoutError(f"no init error within {timeout} s")
            return self.init_errors[0]

    @property
    def extensions(self) -> list[Extension]:
        with self._cond:
            return list(self._extensions.values())

    # -- invoking -------------------------------------------------------------------

    def submit(
        self,
        event: Any,
        *,
        client_context: Mapping[str, Any] | None = None,
        cognito_identity: Mapping[str, Any] | None = None,
        trace_id: str | None = None,
        tenant_id: str | None = None,
        content_type: str = "application/json",
    ) -> Pending:
        """Queue one invocation of ``event`` (JSON-encoded unless bytes)."""
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        headers: dict[str, str] = {}
        if trace_id is not None:
            headers["Lambda-Runtime-Trace-Id"] = trace_id
        if client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(client_context)
        if cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(cognito_identity)
        if tenant_id is not None:
            headers["Lambda-Runtime-Aws-Tenant-Id"] = tenant_id
        invocation = _Invocation(str(uuid.uuid4()), body, headers, content_type)
        with self._cond:
            self._invocations[invocation.request_id] = invocation
            self._waiting.append(invocation)
            self._cond.notify_all()
        return Pending(invocation)

    def invoke(self, event: Any, **settings: Any) -> Reply:
        """Invoke and wait for the reply (at most the function's timeout, plus a second)."""
        return self.submit(event, **settings).result(self.timeout + 1.0)

    def _finish(self, invocation: _Invocation, reply: Reply) -> bool:
        """Record the reply unless the invocation already has one (under the lock)."""
        if invocation.done.is_set():
            return False
        reply.seconds = time.monotonic() - invocation.started
        invocation.reply = reply
        if invocation.timer is not None:
            invocation.timer.cancel()
        if not reply.streamed and reply.outcome == "response":
            invocation.live.put((reply.seconds, reply.body))
        invocation.live.put(None)
        invocation.done.set()
        if self._current is invocation:
            self._current = None
        self._cond.notify_all()
        return True

    def _expire(self, invocation: _Invocation) -> None:
        # Lambda's own timeout message; the emulator then goes on with the same
        # runtime process (Lambda would reset the environment).
        with self._cond:
            self._finish(
                invocation,
                Reply(
                    invocation.request_id,
                    "timeout",
                    error={"errorMessage": f"Task timed out after {self.timeout:.2f} seconds"},
                ),
            )

    # -- ending the environment -----------------------------------------------------

    def shutdown(self, reason: str = "SPINDOWN") -> ShutdownReport:
        """End the environment as Lambda does, and report how the runtime ended.

        With an extension registered: SIGTERM to the runtime, SHUTDOWN to the
        extensions that subscribed to it, SIGKILL when the phase's limit is
        reached. With none: SIGKILL at once.
        """
        with self._cond:
            self._shutting_down = True
            registered = list(self._extensions.values())
        external = [e for e in registered if e.external]
        internal = [e for e in registered if not e.external]
        if external:
            limit = SHUTDOWN_EXTERNAL
            share = SHUTDOWN_INTERNAL if internal else RUNTIME_SHARE_EXTERNAL
        elif internal:
            limit = share = SHUTDOWN_INTERNAL
        else:
            limit = share = 0.0
        began = time.monotonic()
        deadline_ms = int((time.time() + limit) * 1000)
        signals: list[str] = []
        process = self.process
        alive = process is not None and process.poll() is None
        if alive and registered:
            assert process is not None
            os.kill(process.pid, signal.SIGTERM)
            signals.append("SIGTERM")
        with self._cond:
            for extension in registered:
                if "SHUTDOWN" in extension.events:
                    self._extension_events[extension.identifier].append(
                        {
                            "eventType": "SHUTDOWN",
                            "shutdownReason": reason,
                            "deadlineMs": deadline_ms,
                        }
                    )
            self._cond.notify_all()
        exit_code: int | None = None
        if process is not None:
            if alive:
                try:
                    process.wait(share)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    signals.append("SIGKILL")
                    process.wait(10)
            exit_code = process.returncode
        return ShutdownReport(tuple(signals), exit_code, time.monotonic() - began, limit)

    # -- the endpoints (called by the request handler) ------------------------------

    def _next(self, handler: _Handler) -> None:
        with self._cond:
            self._init_done = True
            self._cond.notify_all()
            current = self._current
            if current is not None:
                self._finish(current, Reply(current.request_id, "abandoned"))
            while not self._waiting or self._shutting_down:
                if self._closed:
                    handler.close_connection = True
                    return
                self._cond.wait(0.2)
            invocation = self._waiting.popleft()
            invocation.delivered = True
            self._current = invocation
            deadline = time.time() + self.timeout
            invocation.deadline_ms = int(deadline * 1000)
            timer = threading.Timer(self.timeout, self._expire, (invocation,))
            timer.daemon = True
            invocation.timer = timer
            trace = invocation.headers.get("Lambda-Runtime-Trace-Id")
            for extension in self._extensions.values():
                if "INVOKE" in extension.events:
                    self._extension_events[extension.identifier].append(
                        {
                            "eventType": "INVOKE",
                            "deadlineMs": invocation.deadline_ms,
                            "requestId": invocation.request_id,
                            "invokedFunctionArn": self.function_arn,
                            "tracing": {"type": "X-Amzn-Trace-Id", "value": trace or ""},
                        }
                    )
            self._cond.notify_all()
        timer.start()
        headers = {
            "Content-Type": invocation.content_type,
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            **invocation.headers,
        }
        handler.answer(200, invocation.event, headers)

    def _response(self, handler: _Handler, request_id: str) -> None:
        invocation = self._open_invocation(handler, request_id)
        if invocation is None:
            return
        headers = dict(handler.headers.items())
        content_type = handler.headers.get("Content-Type")
        mode = (handler.headers.get("Lambda-Runtime-Function-Response-Mode") or "").lower()
        if mode == "streaming" or handler.chunked():
            self._streamed(handler, invocation, headers, content_type)
            return
        length = handler.content_length()
        if length > MAX_RESPONSE:
            handler.discard(length)
            with self._cond:
                self._finish(
                    invocation,
                    Reply(
                        request_id,
                        "error",
                        error={
                            "errorMessage": f"Response payload size ({length} bytes) exceeded "
                            f"maximum allowed payload size ({MAX_RESPONSE} bytes).",
                            "errorType": "Function.ResponseSizeTooLarge",
                        },
                        error_type="Function.ResponseSizeTooLarge",
                        headers=headers,
                    ),
                )
            handler.fail(413, "RequestEntityTooLarge", "the response is over 6 MB")
            return
        body = handler.read_exactly(length)
        self._accept(
            handler, invocation, Reply(request_id, "response", body, content_type, headers=headers)
        )

    def _streamed(
        self,
        handler: _Handler,
        invocation: _Invocation,
        headers: dict[str, str],
        content_type: str | None,
    ) -> None:
        reply = Reply(invocation.request_id, "response", content_type=content_type, headers=headers)
        reply.streamed = True
        split = (content_type or "").split(";")[0].strip().lower() == HTTP_INTEGRATION
        pending = bytearray()
        body = bytearray()

        def take(data: bytes) -> None:
            at = time.monotonic() - invocation.started
            if split and reply.prelude_bytes is None:
                pending.extend(data)
                end = pending.find(PRELUDE_END)
                if end < 0:
                    return
                reply.prelude_bytes = bytes(pending[: end + len(PRELUDE_END)])
                try:
                    reply.prelude = json.loads(pending[:end])
                except ValueError:
                    reply.prelude = None
                data = bytes(pending[end + len(PRELUDE_END) :])
                if not data:
                    return
            body.extend(data)
            reply.chunks.append((at, data))
            invocation.live.put((at, data))

        if handler.chunked():
            trailers = handler.read_chunked(take)
        else:
            take(handler.read_exactly(handler.content_length()))
            trailers = {}
        if split and reply.prelude_bytes is None and pending:
            body.extend(pending)  # no prelude end: everything is body
        reply.body = bytes(body)
        reply.trailers = trailers
        wanted = {name.lower(): value for name, value in trailers.items()}
        if ERROR_TYPE.lower() in wanted:
            reply.error_type = wanted[ERROR_TYPE.lower()]
            try:
                decoded = json.loads(base64.b64decode(wanted.get(ERROR_BODY.lower(), "")))
            except ValueError:
                decoded = None
            reply.error = decoded if isinstance(decoded, dict) else {}
        self._accept(handler, invocation, reply)

    def _error(self, handler: _Handler, request_id: str) -> None:
        invocation = self._open_invocation(handler, request_id)
        if invocation is None:
            return
        document = _json_object(handler.read_body())
        reply = Reply(
            request_id,
            "error",
            content_type=handler.headers.get("Content-Type"),
            error=document,
            error_type=handler.headers.get(ERROR_TYPE),
            headers=dict(handler.headers.items()),
        )
        self._accept(handler, invocation, reply)

    def _accept(self, handler: _Handler, invocation: _Invocation, reply: Reply) -> None:
        """Record the runtime's reply, then answer as Lambda does: 202, status OK."""
        with self._cond:
            self._finish(invocation, reply)
        handler.answer(202, b'{"status":"OK"}')

    def _open_invocation(self, handler: _Handler, request_id: str) -> _Invocation | None:
        with self._cond:
            invocation = self._invocations.get(request_id)
            valid = invocation is not None and invocation.delivered and not invocation.done.is_set()
        if not valid:
            handler.discard_body()
            handler.fail(400, "InvalidRequestID", f"no invocation {request_id} awaits a reply")
            return None
        return invocation

    def _init_error(self, handler: _Handler) -> None:
        document = _json_object(handler.read_body())
        with self._cond:
            if self._init_done:
                refused = True
            else:
                refused = False
                self.init_errors.append((handler.headers.get(ERROR_TYPE), document))
                self._cond.notify_all()
        if refused:
            handler.fail(403, "InvalidStateTransition", "init has already ended")
        else:
            handler.answer(202, b'{"status":"OK"}')

    def _register(self, handler: _Handler) -> None:
        name = handler.headers.get("Lambda-Extension-Name")
        document = _json_object(handler.read_body())
        events = document.get("events", [])
        if not name:
            handler.fail(400, "InvalidRequest", "Lambda-Extension-Name is required")
            return
        if not isinstance(events, list) or not all(e in ("INVOKE", "SHUTDOWN") for e in events):
            handler.fail(400, "InvalidEventType", "events must be a list of INVOKE, SHUTDOWN")
            return
        external = name in self.external_names
        if not external and "SHUTDOWN" in events:
            # Lambda: internal extensions are started and stopped by the runtime
            # process, so they may not register for the Shutdown event.
            handler.fail(400, "ShutdownEventNotSupportedForInternalExtension", name)
            return
        with self._cond:
            if self._init_done:
                refused = "init has ended: extensions register before the runtime's first next"
            elif len(self._extensions) >= MAX_EXTENSIONS:
                refused = f"at most {MAX_EXTENSIONS} extensions"
            elif any(e.name == name for e in self._extensions.values()):
                refused = f"an extension named {name} is registered already"
            else:
                refused = ""
                identifier = str(uuid.uuid4())
                self._extensions[identifier] = Extension(name, identifier, tuple(events), external)
                self._extension_events[identifier] = collections.deque()
        if refused:
            handler.fail(403, "RegistrationRefused", refused)
            return
        body = json.dumps(
            {
                "functionName": self.function_name,
                "functionVersion": "$LATEST",
                "handler": self.handler_name,
            }
        ).encode()
        handler.answer(200, body, {"Lambda-Extension-Identifier": identifier})

    def _extension_next(self, handler: _Handler) -> None:
        identifier = handler.headers.get("Lambda-Extension-Identifier") or ""
        with self._cond:
            if identifier not in self._extensions:
                refused = True
            else:
                refused = False
                events = self._extension_events[identifier]
                while not events:
                    if self._closed:
                        handler.close_connection = True
                        return
                    self._cond.wait(0.2)
                event = events.popleft()
        if refused:
            handler.fail(403, "InvalidExtensionID", "unknown Lambda-Extension-Identifier")
            return
        handler.answer(200, json.dumps(event).encode(), {"Lambda-Extension-Identifier": identifier})

    def _extension_error(self, handler: _Handler, kind: str) -> None:
        identifier = handler.headers.get("Lambda-Extension-Identifier") or ""
        document = _json_object(handler.read_body())
        if identifier not in self._extensions:
            handler.fail(403, "InvalidExtensionID", "unknown Lambda-Extension-Identifier")
            return
        self.extension_errors.append(
            (kind, handler.headers.get("Lambda-Extension-Function-Error-Type"), document)
        )
        handler.answer(202, b'{"status":"OK"}')

    def _restore_next(self, handler: _Handler) -> None:
        handler.answer(200, b"")  # no snapshot here: "restored" at once

    def _restore_error(self, handler: _Handler) -> None:
        self.restore_errors.append(_json_object(handler.read_body()))
        handler.answer(202, b'{"status":"OK"}')

    def route(self, handler: _Handler) -> None:
        method, path = handler.command, handler.path.split("?")[0]
        self.calls.append(Call(method, path, dict(handler.headers.items())))
        if path.startswith(RUNTIME + "/invocation/") and method == "POST":
            request_id, _, action = path[len(RUNTIME + "/invocation/") :].rpartition("/")
            if action == "response":
                self._response(handler, request_id)
                return
            if action == "error":
                self._error(handler, request_id)
                return
        routes = {
            ("GET", RUNTIME + "/invocation/next"): self._next,
            ("POST", RUNTIME + "/init/error"): self._init_error,
            ("GET", RUNTIME + "/restore/next"): self._restore_next,
            ("POST", RUNTIME + "/restore/error"): self._restore_error,
            ("POST", EXTENSION + "/register"): self._register,
            ("GET", EXTENSION + "/event/next"): self._extension_next,
        }
        endpoint = routes.get((method, path))
        if endpoint is not None:
            endpoint(handler)
        elif method == "POST" and path in (EXTENSION + "/init/error", EXTENSION + "/exit/error"):
            self._extension_error(handler, path.rsplit("/", 2)[1])
        else:
            handler.discard_body()
            handler.fail(404, "UnknownEndpoint", f"{method} {path}")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    emulator: LambdaEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a runtime killed mid-request, as Lambda kills them: not an error here
        super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # kept-alive connections, as the runtime clients expect
    # Headers and body go out in two writes: without TCP_NODELAY the second
    # waits for the client's delayed ACK (40 ms per call).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: every call is in emulator.calls

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        try:
            self.server.emulator.route(self)
        except _BadRequest as exc:
            self.close_connection = True
            self.fail(400, "InvalidRequest", str(exc))
        except OSError:
            self.close_connection = True

    # -- bodies ---------------------------------------------------------------------

    def chunked(self) -> bool:
        return "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()

    def content_length(self) -> int:
        text = self.headers.get("Content-Length") or "0"
        if not text.isdigit():
            raise _BadRequest(f"bad Content-Length {text!r}")
        return int(text)

    def read_exactly(self, length: int) -> bytes:
        data = self.rfile.read(length)
        if len(data) != length:
            raise _BadRequest("the body ended early")
        return data

    def read_body(self) -> bytes:
        if self.chunked():
            parts: list[bytes] = []
            self.read_chunked(parts.append)
            return b"".join(parts)
        return self.read_exactly(self.content_length())

    def discard(self, length: int) -> None:
        while length > 0:
            data = self.rfile.read(min(length, 65536))
            if not data:
                break
            length -= len(data)

    def discard_body(self) -> None:
        if self.chunked():
            self.read_chunked(lambda _: None)
        else:
            self.discard(self.content_length())

    def read_chunked(self, take: Any) -> dict[str, str]:
        """Read a chunked body, handing each chunk to ``take`` as it arrives; the trailers."""
        while True:
            line = self.rfile.readline(1026)
            if not line.endswith(b"\n"):
                raise _BadRequest("a chunk size line is cut or too long")
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadRequest(f"bad chunk size {size_text!r}") from None
            if size == 0:
                break
            data = self.read_exactly(size)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadRequest("a chunk is not followed by CRLF")
            take(data)
        trailers: dict[str, str] = {}
        while True:
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                return trailers
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise _BadRequest("a trailer line without a colon")
            trailers[name.strip()] = value.strip()

    # -- answers --------------------------------------------------------------------

    def answer(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Type" not in (headers or {}):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def fail(self, status: int, kind: str, message: str) -> None:
        self.answer(status, json.dumps({"errorMessage": message, "errorType": kind}).encode())


def _json_object(data: bytes) -> dict[str, Any]:
    """A posted body as a JSON object; anything else kept as text under ``body``."""
    try:
        value = json.loads(data) if data else {}
    except ValueError:
        return {"body": data.decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"body": value}


# -- the command --------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run a handler under a runtime against the emulator, invoke it with events, then end it."""
    parser = argparse.ArgumentParser(
        prog="python -m faas_bridge.devtools.lambda_emulator",
        description="Run a Lambda handler locally through a real runtime loop (faas_bridge's "
        "or AWS's awslambdaric) against a local Runtime API: each event in, its reply out, "
        "then the environment's shutdown.",
    )
    parser.add_argument("events", nargs="*", help="event files (JSON); '-' reads one from stdin")
    parser.add_argument("--handler", required=True, help="module.function, as _HANDLER")
    parser.add_argument("--task-root", default=".", help="the function's code (default: .)")
    parser.add_argument(
        "--client",
        choices=("faas_bridge", "awslambdaric"),
        default="faas_bridge",
        help="the runtime loop to run (default: faas_bridge)",
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="the function's timeout, s")
    args = parser.parse_args(argv)
    module = "faas_bridge.runtime" if args.client == "faas_bridge" else "awslambdaric"
    command = [sys.executable, "-m", module]
    if args.client == "awslambdaric":
        command.append(args.handler)
    with LambdaEmulator(timeout=args.timeout) as emulator:
        emulator.start_runtime(command, handler=args.handler, task_root=args.task_root)
        ready = emulator.wait_ready(30)
        if emulator.init_errors or not ready:
            print(json.dumps({"initError": emulator.init_errors[:1] or "no init in 30 s"}))
            print(emulator.output(), end="", file=sys.stderr)
            return 1
        for name in args.events:
            text = sys.stdin.read() if name == "-" else Path(name).read_text()
            pending = emulator.submit(json.loads(text))
            for at, chunk in pending.chunks(args.timeout + 1):
                print(f"# {at * 1000:.0f} ms: {len(chunk)} bytes", file=sys.stderr)
            reply = pending.result(args.timeout + 1)
            shown: dict[str, Any] = {"outcome": reply.outcome, "ms": round(reply.seconds * 1000)}
            if reply.prelude is not None:
                shown["prelude"] = reply.prelude
            if reply.body:
                shown["body"] = reply.body.decode("utf-8", "replace")
            if reply.error is not None:
                shown["error"] = reply.error
            print(json.dumps(shown, ensure_ascii=False))
        report = emulator.shutdown()
        print(
            json.dumps(
                {
                    "shutdown": list(report.signals),
                    "exitCode": report.exit_code,
                    "ms": round(report.seconds * 1000),
                }
            )
        )
        print(emulator.output(), end="", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
