"""The runtime's HTTP client against a scripted server: what it sends, and answers it must read.

The Runtime API is Lambda's server; these are the HTTP/1.1 forms an answer may
take (Content-Length, chunked, closing) and the one failure worth retrying: a
kept-alive connection the server closed while the runtime was idle, found
closed by a GET (which is safe to send again).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from faas_bridge.runtime import RuntimeAPIError, RuntimeClient

NEXT_ANSWER_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Lambda-Runtime-Aws-Request-Id: 5b1c7f7e-0000-4000-8000-000000000001\r\n"
    b"lambda-runtime-deadline-ms: 1765087203000\r\n"
    b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-west-1:123456789012:function:f\r\n"
    b'Lambda-Runtime-Client-Context: {"custom": {"name": "caf\xc3\xa9"}}\r\n'
    b"Content-Type: application/json\r\n"
)


class Scripted:
    """Accepts connections on 127.0.0.1; per connection, reads one request per answer and sends it.

    ``script`` is a list of connections, each a list of answers (bytes); after
    the last answer of a connection, the server closes it.
    """

    def __init__(self, script: list[list[bytes]]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(5)  # a connection the script waits for and never gets
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self.thread.start()

    def _serve(self, script: list[list[bytes]]) -> None:
        for answers in script:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                reader = connection.makefile("rb")
                for answer in answers:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = reader.readline()
                        if not line:
                            return
                        head += line
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    self.requests.append(head + reader.read(length))
                    connection.sendall(answer)
                reader.close()

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


@pytest.fixture
def scripted() -> Iterator[type[Scripted]]:
    servers: list[Scripted] = []

    class Tracked(Scripted):
        def __init__(self, script: list[list[bytes]]) -> None:
            super().__init__(script)
            servers.append(self)

    yield Tracked
    for server in servers:
        server.close()


def test_next_reads_the_documented_headers(scripted: type[Scripted]) -> None:
    server = scripted([[NEXT_ANSWER_HEAD + b'Content-Length: 7\r\n\r\n{"a":1}']])
    invocation = RuntimeClient(server.address).next()
    assert invocation.request_id == "5b1c7f7e-0000-4000-8000-000000000001"
    assert invocation.deadline_ms == 1765087203000  # header names are case-insensitive
    assert invocation.function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:f"
    assert invocation.client_context == '{"custom": {"name": "caf\u00e9"}}'  # UTF-8 JSON
    assert invocation.event == b'{"a":1}'
    assert invocation.trace_id is None
    request = server.requests[0]
    assert request.startswith(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n")
    assert f"\r\nHost: {server.address}\r\n".encode() in request


def test_a_chunked_answer_is_read_whole(scripted: type[Scripted]) -> None:
    answer = (
        NEXT_ANSWER_HEAD + b'Transfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n'
    )
    server = scripted([[answer]])
    assert RuntimeClient(server.address).next().event == b'{"a":1}'


def test_a_stale_kept_alive_connection_is_replaced_for_a_get(scripted: type[Scripted]) -> None:
    body = b"Content-Length: 2\r\n\r\n{}"
    # The first connection answers once, then the server closes it while idle.
    server = scripted([[NEXT_ANSWER_HEAD + body], [NEXT_ANSWER_HEAD + body]])
    client = RuntimeClient(server.address)
    client.next()
    client.next()
    assert len(server.requests) == 2


def test_a_post_is_never_sent_twice(scripted: type[Scripted]) -> None:
    server = scripted([[NEXT_ANSWER_HEAD + b"Content-Length: 2\r\n\r\n{}"]])
    client = RuntimeClient(server.address)
    invocation = client.next()
    with pytest.raises(RuntimeAPIError) as failure:
        client.respond(invocation.request_id, b"{}")
    assert failure.value.status is None
    assert len(server.requests) == 1


def test_an_unexpected_status_is_a_runtime_api_error(scripted: type[Scripted]) -> None:
    refusal = b'{"errorMessage":"no","errorType":"InvalidRequestID"}'
    server = scripted(
        [[b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(refusal), refusal)]]
    )
    with pytest.raises(RuntimeAPIError) as failure:
        RuntimeClient(server.address).respond("5b1c7f7e-0000-4000-8000-000000000001", b"{}")
    assert failure.value.status == 400
    assert "InvalidRequestID" in str(failure.value)
    assert server.requests[0].startswith(
        b"POST /2018-06-01/runtime/invocation/5b1c7f7e-0000-4000-8000-000000000001/response "
    )
    assert server.requests[0].endswith(b"\r\nContent-Length: 2\r\n\r\n{}")


def test_a_request_id_that_is_not_a_uuid_is_escaped_in_the_path(scripted: type[Scripted]) -> None:
    server = scripted([[b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"]])
    RuntimeClient(server.address).respond("../../init/error", b"{}")
    assert server.requests[0].startswith(
        b"POST /2018-06-01/runtime/invocation/..%2F..%2Finit%2Ferror/response "
    )


def test_the_address_must_be_host_and_port() -> None:
    with pytest.raises(RuntimeAPIError):
        RuntimeClient("localhost")
