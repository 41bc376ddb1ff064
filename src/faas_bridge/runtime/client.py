"""A client of AWS Lambda's Runtime API and Extensions API (stdlib ``http.client`` only).

The Runtime API (version 2018-06-01) is an HTTP server inside the execution
environment at ``AWS_LAMBDA_RUNTIME_API`` (``host:port``): the runtime asks for
the next event, then posts the invocation's response or error; an init failure
goes to ``init/error``. The Extensions API (2020-01-01) on the same address
lets an extension register for lifecycle events. Every call here is one HTTP
request on a kept-alive connection, except a streamed response, which has a
connection of its own that is closed at its end, as the API asks.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import FaasBridgeError

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


@dataclass(frozen=True, slots=True)
class Invocation:
    """One event as ``invocation/next`` delivers it: the body and the headers that describe it."""

    request_id: str
    event: bytes
    #: When the invocation times out, in milliseconds since the epoch.
    deadline_ms: int
    function_arn: str
    trace_id: str | None = None
    #: The JSON text of the client context (mobile SDK callers), if any.
    client_context: str | None = None
    #: The JSON text of the Cognito identity, if any.
    cognito_identity: str | None = None
    tenant_id: str | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """An error as Lambda's API takes it: ``{errorMessage, errorType, stackTrace}``."""

    message: str
    type: str
    stack_trace: Sequence[str] = ()
    request_id: str | None = None

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


@dataclass(frozen=True, slots=True)
class HttpHead:
    """The status, headers and cookies of a streamed HTTP reply: the prelude's JSON."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Sequence[str] = ()

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


@dataclass(frozen=True, slots=True)
class StreamedReply:
    """A handler's reply to send as it is produced (the Runtime API's streaming mode).

    ``chunks`` are sent one by one as the iterator yields them. With ``head``
    the stream starts with the HTTP integration prelude (the content type is
    then :data:`HTTP_INTEGRATION`); without, the chunks are the whole payload,
    of type ``content_type``.
    """

    chunks: Iterable[bytes]
    head: HttpHead | None = None
    content_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Streamed:
    """How a streamed reply ended: bytes sent, and the error reported in trailers, if any."""

    sent: int
    error: ErrorReport | None = None


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
        self._connection: http.client.HTTPConnection | None = None

    # -- plumbing ---------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        # No timeout: invocation/next and extension/event/next wait for as long as
        # the environment is idle (frozen in between, on Lambda).
        return http.client.HTTPConnection(self.host, self.port, timeout=None)

    def _call(
        self,
        name: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        expect: int = 202,
    ) -> tuple[http.client.HTTPMessage, bytes]:
        """One request on the kept-alive connection: the answer's headers and body."""
        connection = self._connection
        if connection is None:
            connection = self._connection = self._connect()
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            self._connection = None
            raise RuntimeAPIError(name, None, f"{type(exc).__name__}: {exc}") from exc
        if response.status != expect:
            raise RuntimeAPIError(name, response.status, payload.decode("utf-8", "replace"))
        return response.headers, payload

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
        request_id = header("Lambda-Runtime-Aws-Request-Id")
        if not request_id:
            raise RuntimeAPIError("invocation/next", 200, "no Lambda-Runtime-Aws-Request-Id")
        deadline = header("Lambda-Runtime-Deadline-Ms") or ""
        return Invocation(
            request_id=request_id,
            event=body,
            deadline_ms=int(deadline) if deadline.isdigit() else 0,
            function_arn=header("Lambda-Runtime-Invoked-Function-Arn") or "",
            trace_id=header("Lambda-Runtime-Trace-Id"),
            client_context=header("Lambda-Runtime-Client-Context"),
            cognito_identity=header("Lambda-Runtime-Cognito-Identity"),
            tenant_id=header("Lambda-Runtime-Aws-Tenant-Id"),
            content_type=header("Content-Type"),
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
            connection = self._connect()
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
        connection: http.client.HTTPConnection,
        request_id: str,
        iterator: Iterator[bytes],
        first: bytes | None,
        head: HttpHead | None,
        content_type: str,
        describe: Describe | None,
    ) -> Streamed:
        path = f"{RUNTIME}/invocation/{_id(request_id)}/response"
        sent = 0
        error: ErrorReport | None = None
        try:
            connection.putrequest("POST", path, skip_accept_encoding=True)
            connection.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.putheader(
                "Content-Type", HTTP_INTEGRATION if head is not None else content_type
            )
            # Trailers must be announced before the body (HTTP/1.1 chunked coding).
            connection.putheader("Trailer", f"{ERROR_TYPE}, {ERROR_BODY}")
            connection.endheaders()
            if head is not None:
                prelude = head.prelude()
                connection.send(_chunk(prelude))
                sent += len(prelude)
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
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            # The Runtime API dropped the stream (the client disconnected, or the
            # invocation timed out): nothing left to send it to.
            return Streamed(sent, error)
        if response.status != 202:
            raise RuntimeAPIError(
                "invocation/response (streamed)",
                response.status,
                payload.decode("utf-8", "replace"),
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
        identifier = headers.get("Lambda-Extension-Identifier")
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
