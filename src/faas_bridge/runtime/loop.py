"""The runtime's loop: load the handler, then next -> handler(event, context) -> response or error.

What it adds to the managed runtime's loop: it registers an internal extension
(a thread that asks the Extensions API for events it never subscribed to), so
that Lambda sends the runtime SIGTERM before ending the execution environment
and faas_bridge's shutdown hooks and ASGI lifespan shutdown run
(faas_bridge.lifecycle.signals handles the signal); and a handler may return a
:class:`~faas_bridge.runtime.client.StreamedReply`, sent with the Runtime API's
streaming mode as it is produced; or a :class:`~faas_bridge.runtime.client.Finishing`,
whose reply is posted before its remaining work runs (and before the next event).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from faas_bridge.runtime.client import (
    ErrorReport,
    Finishing,
    Invocation,
    RuntimeAPIError,
    RuntimeClient,
    StreamedReply,
)
from faas_bridge.runtime.context import ContextUnreadable, LambdaContext

Handler = Callable[[Any, Any], Any]

#: The name the internal extension registers under (any name will do for an
#: internal one; Lambda logs it at init).
EXTENSION_NAME = "faas_bridge-shutdown"

#: Set to "off" to register no extension: Lambda then sends no SIGTERM and the
#: environment ends at once (the managed runtime's behaviour).
EXTENSION_SWITCH = "FAAS_BRIDGE_SHUTDOWN_EXTENSION"

# Lambda's error types for a handler that cannot be loaded, as the managed runtime reports them.
MALFORMED_HANDLER = "Runtime.MalformedHandlerName"
IMPORT_ERROR = "Runtime.ImportModuleError"
SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
BUILT_IN_CONFLICT = "Runtime.BuiltInModuleConflict"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
MARSHAL_ERROR = "Runtime.MarshalError"
CONTEXT_ERROR = "Runtime.LambdaContextUnmarshalError"
AFTER_RESTORE_ERROR = "Runtime.AfterRestoreError"

logger = logging.getLogger("faas_bridge.runtime")


class _Fault(Exception):
    """A failure of the runtime's own making, reported under one of Lambda's error types."""

    def __init__(self, kind: str, message: str, stack: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.stack = list(stack)


# -- the process: paths, output, logging ---------------------------------------------


def prepare_process() -> None:
    """Set up what the managed runtime sets up before it imports the handler.

    The module search path starts with the function's code, then a layer's
    Python directories, as Lambda documents for its Python runtimes; output is
    written through at once (a frozen or killed environment loses nothing
    buffered); the root logger writes each record with the request id.
    """
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    front = [
        path
        for path in (task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python")
        if path and (path == task_root or os.path.isdir(path))
    ]
    sys.path[:] = front + [path for path in sys.path if path not in front]
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(line_buffering=True, write_through=True)
    _setup_logging()


class _RequestId(logging.Filter):
    """Stamps each record with the id of the invocation being answered."""

    current = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestId.current
        return True


class _JsonFormatter(logging.Formatter):
    """``AWS_LAMBDA_LOG_FORMAT=JSON``: one JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", ""),
        }
        if record.exc_info:
            document["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


def _setup_logging() -> None:
    root = logging.getLogger()
    if root.handlers:
        return  # configured by the code that started us
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_RequestId())
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(_JsonFormatter())
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL"):
        names = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}
        root.setLevel(names.get(level, level))


# -- the handler ----------------------------------------------------------------------


def load_handler(name: str | None) -> Handler:
    """The callable ``_HANDLER`` names: ``module.function`` (``path/module.function`` too)."""
    if not name:
        raise _Fault(MALFORMED_HANDLER, "Bad handler '': no handler set (_HANDLER)")
    module_name, sep, function_name = name.rpartition(".")
    if not sep or not module_name or not function_name:
        raise _Fault(MALFORMED_HANDLER, f"Bad handler '{name}': not module.function")
    module_name = module_name.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _Fault(
            BUILT_IN_CONFLICT, f"Cannot use built-in module {module_name} as a handler module"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _Fault(IMPORT_ERROR, f"Unable to import module '{module_name}': {exc}") from exc
    except SyntaxError as exc:
        where = f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}'
        raise _Fault(
            SYNTAX_ERROR, f"Syntax error in module '{module_name}': {exc}", [where]
        ) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _Fault(
            HANDLER_NOT_FOUND, f"Handler '{function_name}' missing on module '{module_name}'"
        )
    if not callable(handler):
        raise _Fault(
            HANDLER_NOT_FOUND,
            f"Handler '{function_name}' on module '{module_name}' is not callable",
        )
    return handler  # type: ignore[no-any-return]


def error_report(exc: BaseException, request_id: str | None = None) -> ErrorReport:
    """An exception as Lambda reports it; the stack starts at the first frame not ours."""
    if isinstance(exc, _Fault):
        return ErrorReport(exc.message, exc.kind, exc.stack, request_id)
    frames = traceback.extract_tb(exc.__traceback__)
    ours = os.path.dirname(os.path.abspath(__file__))
    for index, frame in enumerate(frames):
        if not os.path.abspath(frame.filename).startswith(ours + os.sep):
            frames = traceback.StackSummary.from_list(frames[index:])
            break
    return ErrorReport(str(exc), type(exc).__name__, frames.format(), request_id)


def _log_error(report: ErrorReport) -> None:
    """The error in the function's log, as the managed runtime writes it.

    Its lines are joined by carriage returns, as awslambdaric does when it
    writes to standard output: Lambda makes a log event of each newline-ended
    line, and the whole traceback stays one event.
    """
    lines = [
        f"[ERROR] {report.type}: {report.message}" if report.message else f"[ERROR] {report.type}"
    ]
    if report.stack_trace:
        lines.append("Traceback (most recent call last):")
        for entry in report.stack_trace:
            lines.extend(entry.rstrip("\n").split("\n"))
    sys.stderr.write("\r".join(lines).replace("\n", "\r") + "\n")


def decode_event(invocation: Invocation) -> Any:
    """The event: JSON when its content type says so (Lambda's always does), else bytes."""
    media = (invocation.content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        return invocation.event
    try:
        return json.loads(invocation.event)
    except (ValueError, RecursionError) as exc:
        raise _Fault(UNMARSHAL_ERROR, f"Unable to unmarshal input: {exc}") from exc


def encode_result(result: Any) -> tuple[bytes, str]:
    """The handler's return value as the response body and its content type."""
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result), "application/unknown"
    try:
        text = json.dumps(result, ensure_ascii=False, allow_nan=True, default=_json_default)
        try:
            return text.encode("utf-8"), "application/json"
        except UnicodeEncodeError:  # a lone surrogate: escaped, as JSON allows
            return json.dumps(result, default=_json_default).encode("ascii"), "application/json"
    except (TypeError, ValueError, RecursionError) as exc:
        raise _Fault(MARSHAL_ERROR, f"Unable to marshal response: {exc}") from exc


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):  # DynamoDB's numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# -- one invocation -------------------------------------------------------------------


def answer(client: RuntimeClient, handler: Handler, invocation: Invocation) -> None:
    """Run the handler on one event and post what it returned, or its error.

    A :class:`Finishing` result has its reply posted first, then its remaining
    work run, whatever became of the post: the next event waits for both.
    """
    request_id = invocation.request_id
    _RequestId.current = request_id
    if invocation.trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        try:
            context = LambdaContext(invocation)
        except ContextUnreadable as exc:
            raise _Fault(CONTEXT_ERROR, str(exc)) from exc
        result = handler(decode_event(invocation), context)
    except Exception as exc:
        report = error_report(exc, request_id)
        _log_error(report)
        client.fail(request_id, report)
        return
    if type(result) is not Finishing:
        _post(client, request_id, result)
        return
    try:
        _post(client, request_id, result.reply)
    finally:
        _finish(result.finish)


def _post(client: RuntimeClient, request_id: str, result: Any) -> None:
    """Post the handler's result: streamed, or encoded whole; its error if it cannot be."""
    try:
        if isinstance(result, StreamedReply):

            def describe(exc: BaseException) -> ErrorReport:
                report = error_report(exc, request_id)
                _log_error(report)  # logged before the invocation ends, as any error
                return report

            client.send_streamed(
                request_id, result.chunks, result.head, result.content_type, describe
            )
            return
        body, content_type = encode_result(result)
    except Exception as exc:
        report = error_report(exc, request_id)
        _log_error(report)
        client.fail(request_id, report)
        return
    try:
        client.respond(request_id, body, content_type)
    except RuntimeAPIError as exc:
        if exc.status != 413:
            raise
        # Over the 6 MB response limit: Lambda has failed the invocation
        # (Function.ResponseSizeTooLarge); the environment goes on.
        _log_error(ErrorReport(str(exc), "Function.ResponseSizeTooLarge"))


def _finish(finish: Callable[[], object]) -> None:
    """Run the work left after the reply (its failure is logged: the reply has gone)."""
    try:
        finish()
    except Exception as exc:
        _log_error(error_report(exc))


def run(client: RuntimeClient, handler: Handler) -> NoReturn:
    """Answer invocations until the environment ends."""
    while True:
        answer(client, handler, client.next())


# -- the internal extension: SIGTERM at shutdown --------------------------------------


def register_shutdown_extension(address: str) -> bool:
    """Register the internal extension and keep it waiting for events in a thread.

    It subscribes to no event (an internal extension may not take SHUTDOWN):
    being registered is what makes Lambda send SIGTERM to the runtime, then
    SIGKILL 500 ms later, instead of SIGKILL alone. It must be registered
    before the runtime's first ``invocation/next`` (the end of init), and its
    own ``event/next`` is what tells Lambda it has finished its init.
    """
    if os.environ.get(EXTENSION_SWITCH, "").lower() in ("off", "0", "false", "no"):
        return False
    client = RuntimeClient(address)
    try:
        identifier = client.register_extension(EXTENSION_NAME, ())
    except RuntimeAPIError as exc:
        logger.warning(
            "faas_bridge: the shutdown extension could not register (%s); shutdown hooks "
            "will not run when Lambda ends this environment",
            exc,
        )
        client.close()
        return False

    def wait() -> None:
        while True:
            try:
                event = client.extension_next(identifier)
            except RuntimeAPIError:
                return  # the environment is going away
            if event.get("eventType") == "SHUTDOWN":
                return

    threading.Thread(target=wait, name="faas_bridge-extension", daemon=True).start()
    return True


# -- SnapStart ------------------------------------------------------------------------


def _snapshot_and_restore(client: RuntimeClient) -> None:
    """``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``: run the snapshot hooks around the snapshot.

    The hooks are those registered with AWS's snapshot_restore_py (faas_bridge's
    ``on_restore`` hooks among them): before-snapshot ones newest first, then
    ``restore/next`` waits for the restore, then after-restore ones in order.
    """
    hooks: Any
    try:  # AWS's package; present on Lambda's managed images
        hooks = importlib.import_module("snapshot_restore_py")
    except ImportError:
        hooks = None
    before: list[Any] = getattr(hooks, "get_before_snapshot", list)()
    while before:
        function, args, kwargs = before.pop()
        function(*args, **kwargs)
    client.restore_next()
    try:
        for function, args, kwargs in getattr(hooks, "get_after_restore", list)():
            function(*args, **kwargs)
    except Exception as exc:
        report = error_report(exc)
        _log_error(report)
        client.restore_error(ErrorReport(report.message, AFTER_RESTORE_ERROR, report.stack_trace))
        raise SystemExit(1) from exc


# -- the entry point ------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """``python -m faas_bridge.runtime [module.function]``: the handler, else ``_HANDLER``."""
    args = list(sys.argv if argv is None else argv)
    name = args[1] if len(args) > 1 else os.environ.get("_HANDLER")
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write(
            "faas_bridge.runtime: AWS_LAMBDA_RUNTIME_API is not set; this is Lambda's "
            "runtime loop (locally: python -m faas_bridge.devtools.lambda_emulator)\n"
        )
        raise SystemExit(2)
    prepare_process()
    client = RuntimeClient(address)
    register_shutdown_extension(address)
    try:
        handler = load_handler(name)
    except Exception as exc:
        report = error_report(exc)
        _log_error(report)
        client.init_error(report)
        raise SystemExit(1) from None
    if "faas_bridge.lifecycle.signals" in sys.modules:
        # A SIGTERM while a reply is being posted waits for it, as during the handler.
        from faas_bridge.lifecycle import signals

        signals.busy_codes.add(answer.__code__)
    try:
        if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
            _snapshot_and_restore(client)
        run(client, handler)
    except RuntimeAPIError as exc:
        # The environment is going away (or broken): Lambda starts a new one.
        sys.stderr.write(f"faas_bridge.runtime: {exc}\n")
        raise SystemExit(1) from None
