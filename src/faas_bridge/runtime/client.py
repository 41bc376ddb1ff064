"""A client of AWS Lambda's Runtime API and Extensions API (standard library only).

The Runtime API (version 2018-06-01) is an HTTP server inside the execution
environment at ``AWS_LAMBDA_RUNTIME_API`` (``host:port``): the runtime asks for
the next event, then posts the invocation's response or error; an init failure
goes to ``init/error``. The Extensions API (2020-01-01) on the same address
lets an extension register for lifecycle events. Every call here is one HTTP
request on a kept-alive connection, except a streamed response, which has a
connection of its own that is closed at its end, as the API asks.

The HTTP/1.1 client is a small one of its own (:class:`_Connection`): the
server is Lambda's, local and known, and ``http.client``'s header parsing (the
``email`` package) would cost more per invocation than the rest of the loop.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from faas_bridge.errors import FaasBridgeError
from faas_bridge.http import Record

RUNTIME = "/2018-06-01/runtime"
EXTENSION = "/2020-01-01/extension"

#: The header naming an error's type, on ``error`` and ``init/error`` posts and
#: as a trailer of a streamed response that failed after its first bytes.
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
#: The trailer holding a mid-stream error's JSON, base64-encoded.
ERROR_BODY = "Lambda-Runtime-Function-Error-Body"
#: The content type of a streamed reply that starts with the HTTP integration prelude
#: (Function URLs in RESPONSE_STREAM mode, API Gateway REST response streaming).
HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"
#: What separates the prelude's JSON from the body in such a reply.
PRELUDE_END = b"\0" * 8


class RuntimeAPIError(FaasBridgeError):
    """The Runtime or Extensions API refused a call or could not be reached.

    The runtime cannot go on without it: the process ends and Lambda starts a
    new one.
    """

    def __init__(self, call: str, status: int | None, detail: str) -> None:
        self.call = call
        self.status = status
        shown = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"Lambda Runtime API {call}: {shown}: {detail[:300]}")


class Invocation(Record):
    """One event as ``invocation/next`` delivers it: the body and the headers that describe it."""

    __slots__ = (  # noqa: RUF023 (the constructor's order)
        "request_id",
        "event",
        "deadline_ms",
        "function_arn",
        "trace_id",
        "client_context",
        "cognito_identity",
        "tenant_id",
        "content_type",
    )

    def __init__(
        self,
        request_id: str,
        event: bytes,
        deadline_ms: int,
        function_arn: str,
        trace_id: str | None = None,
        client_context: str | None = None,
        cognito_identity: str | None = None,
        tenant_id: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.request_id = request_id
        self.event = event
        #: When the invocation times out, in milliseconds since the epoch.
        self.deadline_ms = deadline_ms
        self.function_arn = function_arn
        self.trace_id = trace_id
        #: The JSON text of the client context (mobile SDK callers), if any.
        self.client_context = client_context
        #: The JSON text of the Cognito identity, if any.
        self.cognito_identity = cognito_identity
        self.tenant_id = tenant_id
        self.content_type = content_type


class ErrorReport(Record):
    """An error as Lambda's API takes it: ``{errorMessage, errorType, stackTrace}``."""

    __slots__ = ("message", "type", "stack_trace", "request_id")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        message: str,
        type: str,
        stack_trace: Sequence[str] = (),
        request_id: str | None = None,
    ) -> None:
        self.message = message
        self.type = type
        self.stack_trace = stack_trace
        self.request_id = request_id

    def to_json(self) -> bytes:
        document: dict[str, Any] = {
            "errorMessage": self.message,
            "errorType": self.type,
            "stackTrace": list(self.stack_trace),
        }
        if self.request_id is not None:
            document["requestId"] = self.request_id
        return _json_bytes(document)


#: Words an exception as the error report sent for it.
Describe = Callable[[BaseException], ErrorReport]


class HttpHead(Record):
    """The status, headers and cookies of a streamed HTTP reply: the prelude's JSON."""

    __slots__ = ("status", "headers", "cookies")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str] = MappingProxyType({}),
        cookies: Sequence[str] = (),
    ) -> None:
        self.status = status
        self.headers = headers
        self.cookies = cookies

    def prelude(self) -> bytes:
        """The prelude: the JSON document, then the eight NUL bytes that end it.

        JSON escapes every control character, so the document itself never
        holds a NUL byte and the first eight in a row are always its end.
        """
        document = {
            "statusCode": self.status,
            "headers": dict(self.headers),
            "cookies": list(self.cookies),
        }
        return _json_bytes(document) + PRELUDE_END


class StreamedReply(Record):
    """A handler's reply to send as it is produced (the Runtime API's streaming mode).

    ``chunks`` are sent one by one as the iterator yields them. With ``head``
    the stream starts with the HTTP integration prelude (the content type is
    then :data:`HTTP_INTEGRATION`); without, the chunks are the whole payload,
    of type ``content_type``.
    """

    __slots__ = ("chunks", "head", "content_type")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        chunks: Iterable[bytes],
        head: HttpHead | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        self.chunks = chunks
        self.head = head
        self.content_type = content_type


class Finishing(Record):
    """A handler's reply to post now, and work to run once it is posted.

    ``reply`` is what the handler would otherwise return (a JSON value, bytes,
    or a :class:`StreamedReply`). The runtime posts it, then calls ``finish``
    (an ASGI app's background tasks run to their end there), and only then asks
    for the next event. Lambda bills the invocation until ``finish`` returns.
    """

    __slots__ = ("reply", "finish")  # noqa: RUF023 (the constructor's order)

    def __init__(self, reply: Any, finish: Callable[[], object]) -> None:
        self.reply = reply
        self.finish = finish


class Streamed(Record):
    """How a streamed reply ended: bytes sent, and the error reported in trailers, if any."""

    __slots__ = ("sent", "error")  # noqa: RUF023 (the constructor's order)

    def __init__(self, sent: int, error: ErrorReport | None = None) -> None:
        self.sent = sent
        self.error = error


class RuntimeClient:
    """The runtime's side of the Runtime API, one invocation at a time.

    Not thread-safe: one client per thread (an internal extension has its own).
    """

    def __init__(self, address: str) -> None:
        host, sep, port = address.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise RuntimeAPIError("address", None, f"not host:port: {address!r}")
        self.host = host.strip("[]")
        self.port = int(port)
        self._host_header = address
        self._connection: _Connection | None = None

    # -- plumbing ---------------------------------------------------------------------

    def _call(
        self,
        name: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        expect: int = 202,
    ) -> tuple[dict[str, str], bytes]:
        """One request on the kept-alive connection: the answer's headers (lowercase) and body.

        A GET that finds the kept-alive connection closed is sent once more on
        a new one (it changes nothing); any other failure is final.
        """
        for attempt in (1, 2):
            connection = self._connection
            try:
                if connection is None:
                    connection = self._connection = _Connection(self.host, self.port)
                connection.send(_request(self._host_header, method, path, headers, body))
                status, answer, payload = connection.response()
                if connection.closing:
                    self.close()
                break
            except (OSError, ValueError) as exc:
                self.close()
                if attempt == 1 and method == "GET" and isinstance(exc, _STALE):
                    continue
                raise RuntimeAPIError(name, None, f"{type(exc).__name__}: {exc}") from exc
        if status != expect:
            raise RuntimeAPIError(name, status, payload.decode("utf-8", "replace"))
        return answer, payload

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # -- the Runtime API --------------------------------------------------------------

    def next(self) -> Invocation:
        """Wait for the next event (``GET /runtime/invocation/next``)."""
        headers, body = self._call(
            "invocation/next", "GET", f"{RUNTIME}/invocation/next", expect=200
        )
        header = headers.get
        request_id = header("lambda-runtime-aws-request-id")
        if not request_id:
            raise RuntimeAPIError("invocation/next", 200, "no Lambda-Runtime-Aws-Request-Id")
        deadline = header("lambda-runtime-deadline-ms") or ""
        return Invocation(
            request_id=request_id,
            event=body,
            deadline_ms=int(deadline) if deadline.isdigit() else 0,
            function_arn=header("lambda-runtime-invoked-function-arn") or "",
            trace_id=header("lambda-runtime-trace-id"),
            client_context=header("lambda-runtime-client-context"),
            cognito_identity=header("lambda-runtime-cognito-identity"),
            tenant_id=header("lambda-runtime-aws-tenant-id"),
            content_type=header("content-type"),
        )

    def respond(self, request_id: str, body: bytes, content_type: str = "application/json") -> None:
        """Post the invocation's whole response (at most 6 MB; Lambda answers 413 above)."""
        self._call(
            "invocation/response",
            "POST",
            f"{RUNTIME}/invocation/{_id(request_id)}/response",
            body,
            {"Content-Type": content_type},
        )

    def fail(self, request_id: str, error: ErrorReport) -> None:
        """Post the invocation's error (``POST /runtime/invocation/{id}/error``)."""
        self._call(
            "invocation/error",
            "POST",
            f"{RUNTIME}/invocation/{_id(request_id)}/error",
            error.to_json(),
            {"Content-Type": "application/json", ERROR_TYPE: _header_text(error.type)},
        )

    def init_error(self, error: ErrorReport) -> None:
        """Report that the function could not be initialised; the process should then exit."""
        self._call(
            "init/error",
            "POST",
            f"{RUNTIME}/init/error",
            error.to_json(),
            {"Content-Type": "application/json", ERROR_TYPE: _header_text(error.type)},
        )

    def restore_next(self) -> None:
        """SnapStart: wait until the environment is restored from its snapshot."""
        self._call("restore/next", "GET", f"{RUNTIME}/restore/next", expect=200)

    def restore_error(self, error: ErrorReport) -> None:
        self._call(
            "restore/error",
            "POST",
            f"{RUNTIME}/restore/error",
            error.to_json(),
            {"Content-Type": "application/json", ERROR_TYPE: _header_text(error.type)},
        )

    def send_streamed(
        self,
        request_id: str,
        chunks: Iterable[bytes],
        head: HttpHead | None = None,
        content_type: str = "application/octet-stream",
        describe: Describe | None = None,
    ) -> Streamed:
        """Stream a response: each chunk goes out as ``chunks`` yields it.

        The request starts once the first chunk is ready, so an iterator that
        fails before yielding anything sends nothing: its exception propagates
        and the caller reports it with :meth:`fail`, as any error. A failure
        after that is sent as the documented trailers (the error's type, and its
        JSON base64-encoded), which Lambda passes on to the client; ``describe``
        (an exception -> :class:`ErrorReport` callable) words it. A connection
        lost on the way (the caller went away) ends the stream quietly. The
        iterator is closed in every case, so a generator's ``finally`` runs.
        """
        iterator: Iterator[bytes] = iter(chunks)
        try:
            first = _next_chunk(iterator)
            try:
                connection = _Connection(self.host, self.port)
            except OSError as exc:
                raise RuntimeAPIError("invocation/response (streamed)", None, str(exc)) from exc
            try:
                return self._stream(
                    connection, request_id, iterator, first, head, content_type, describe
                )
            finally:
                connection.close()
        finally:
            closing = getattr(iterator, "close", None)
            if callable(closing):
                closing()

    def _stream(
        self,
        connection: _Connection,
        request_id: str,
        iterator: Iterator[bytes],
        first: bytes | None,
        head: HttpHead | None,
        content_type: str,
        describe: Describe | None,
    ) -> Streamed:
        headers = {
            "Lambda-Runtime-Function-Response-Mode": "streaming",
            "Transfer-Encoding": "chunked",
            "Content-Type": HTTP_INTEGRATION if head is not None else content_type,
            # Trailers must be announced before the body (HTTP/1.1 chunked coding).
            "Trailer": f"{ERROR_TYPE}, {ERROR_BODY}",
        }
        path = f"{RUNTIME}/invocation/{_id(request_id)}/response"
        sent = 0
        error: ErrorReport | None = None
        try:
            start = _request(self._host_header, "POST", path, headers, None)
            if head is not None:
                prelude = head.prelude()
                start += _chunk(prelude)
                sent += len(prelude)
            connection.send(start)
            piece = first
            while piece is not None:
                if piece:  # an empty chunk would end the body
                    connection.send(_chunk(piece))
                    sent += len(piece)
                try:
                    piece = _next_chunk(iterator)
                except Exception as exc:
                    error = describe(exc) if describe is not None else _plain_report(exc)
                    break
            if error is None:
                connection.send(b"0\r\n\r\n")
            else:
                encoded = base64.b64encode(error.to_json()).decode("ascii")
                connection.send(
                    f"0\r\n{ERROR_TYPE}: {_header_text(error.type)}\r\n"
                    f"{ERROR_BODY}: {encoded}\r\n\r\n".encode("latin-1")
                )
            status, _, payload = connection.response()
        except (OSError, ValueError):
            # The Runtime API dropped the stream (the client disconnected, or the
            # invocation timed out): nothing left to send it to.
            return Streamed(sent, error)
        if status != 202:
            raise RuntimeAPIError(
                "invocation/response (streamed)", status, payload.decode("utf-8", "replace")
            )
        return Streamed(sent, error)

    # -- the Extensions API -----------------------------------------------------------

    def register_extension(self, name: str, events: Sequence[str] = ()) -> str:
        """Register an extension; its identifier for :meth:`extension_next`.

        An internal extension (a thread of the runtime process) may not register
        for ``SHUTDOWN``; registered at all, it makes Lambda send the runtime
        SIGTERM before ending the environment.
        """
        headers, _ = self._call(
            "extension/register",
            "POST",
            f"{EXTENSION}/register",
            _json_bytes({"events": list(events)}),
            {"Lambda-Extension-Name": name, "Content-Type": "application/json"},
            expect=200,
        )
        identifier = headers.get("lambda-extension-identifier")
        if not identifier:
            raise RuntimeAPIError("extension/register", 200, "no Lambda-Extension-Identifier")
        return identifier

    def extension_next(self, identifier: str) -> dict[str, Any]:
        """Wait for the extension's next lifecycle event (``GET /extension/event/next``)."""
        _, body = self._call(
            "extension/event/next",
            "GET",
            f"{EXTENSION}/event/next",
            headers={"Lambda-Extension-Identifier": identifier},
            expect=200,
        )
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        return event if isinstance(event, dict) else {}


def _next_chunk(iterator: Iterator[bytes]) -> bytes | None:
    """The iterator's next chunk as bytes; None at its end."""
    for piece in iterator:
        if isinstance(piece, (bytes, bytearray, memoryview)):
            return bytes(piece)
        if isinstance(piece, str):
            return piece.encode("utf-8")
        raise TypeError(f"a streamed reply's chunk must be bytes, not {type(piece).__name__}")
    return None


def _chunk(data: bytes) -> bytes:
    """One chunk of HTTP/1.1 chunked transfer coding."""
    return b"%x\r\n%b\r\n" % (len(data), data)


def _plain_report(exc: BaseException) -> ErrorReport:
    return ErrorReport(str(exc), type(exc).__name__)


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "backslashreplace"
    )


def _id(request_id: str) -> str:
    """A request id as a path segment: Lambda's are UUIDs; anything else is escaped."""
    from urllib.parse import quote

    plain = request_id.replace("-", "")
    return request_id if plain.isascii() and plain.isalnum() else quote(request_id, safe="")


def _header_text(value: str) -> str:
    """A header value that cannot split the request: printable ASCII only."""
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in value)
    return cleaned[:200] or "Unknown"


# -- HTTP/1.1, as much as the Runtime API needs ---------------------------------------

_USER_AGENT = "faas_bridge-runtime"
#: The longest status or header line read: the API's lines are short.
_MAX_LINE = 65536


class _Closed(ConnectionError):
    """The server closed the connection before answering (a stale kept-alive one)."""


#: How a kept-alive connection the server has closed shows, depending on timing.
_STALE = (_Closed, ConnectionResetError, BrokenPipeError)


def _request(
    host: str, method: str, path: str, headers: Mapping[str, str] | None, body: bytes | None
) -> bytes:
    """A request's bytes: the head, and the body when there is one (one write: no Nagle wait).

    HTTP/1.1 requires the Host header (Lambda's server, Go's, refuses a request without).
    """
    lines = [f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {_USER_AGENT}\r\n"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}\r\n")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("utf-8")
    return head + body if body else head


class _Connection:
    """One HTTP/1.1 connection to the Runtime API, kept alive between calls."""

    def __init__(self, host: str, port: int) -> None:
        # No timeout: invocation/next and extension/event/next wait for as long as
        # the environment is idle (frozen in between, on Lambda).
        self.socket = socket.create_connection((host, port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.socket.makefile("rb")
        #: The server said it closes the connection after this answer.
        self.closing = False

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """Read one answer: its status, headers (names lowercase) and body."""
        line = self.reader.readline(_MAX_LINE)
        if not line:
            raise _Closed("the Runtime API closed the connection")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise ValueError(f"not an HTTP status line: {line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = self.reader.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n"):
                break
            if not line.endswith(b"\n"):
                raise ValueError("the answer's headers are cut or too long")
            name, sep, value = line.decode("utf-8", "replace").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        self.closing = headers.get("connection", "").lower() == "close"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit():
                raise ValueError(f"bad Content-Length {length!r}")
            body = self.reader.read(int(length))
            if len(body) != int(length):
                raise _Closed("the answer's body is cut")
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            body = self.reader.read()
            self.closing = True
        return status, headers, body

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.reader.readline(_MAX_LINE).split(b";")[0].strip() or b"x", 16)
            if size == 0:
                break
            parts.append(self.reader.read(size))
            self.reader.readline(_MAX_LINE)
        while self.reader.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers: none is used
        return b"".join(parts)

    def close(self) -> None:
        self.reader.close()
        self.socket.close()
