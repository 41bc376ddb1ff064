"""A real HTTP client that notes when each piece of a reply arrives, and the servers it reads.

``timed_get`` sends one GET over http.client and reads the body with
``read1`` (for a chunked reply, at most one chunk's worth, returned as soon as
it is in), so each event of a server-sent-events stream written ``GAP``
seconds apart arrives as its own piece, with its arrival time. A reply cut
short (a chunked body without its last chunk) is noted as ``incomplete``.

The ``assert_*`` helpers hold what every vendor's streamed reply must do
over HTTP/1.1, whatever server carries it; each vendor's test adds its own
header rules.
"""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent
TESTS = SUPPORT.parent


@dataclass
class TimedReply:
    status: int
    headers: list[tuple[str, str]]
    #: (seconds since the request was sent, bytes) for each piece read.
    pieces: list[tuple[float, bytes]] = field(default_factory=list)
    #: Seconds from sending the request to the end of the body.
    total: float = 0.0
    #: Whether the body ended early (the connection closed mid-chunk or before the last chunk).
    incomplete: bool = False

    @property
    def body(self) -> bytes:
        return b"".join(piece for _, piece in self.pieces)

    @property
    def first(self) -> float:
        """Seconds to the first body byte."""
        return self.pieces[0][0]

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def events_at(self) -> list[float]:
        """When each ``\\n\\n``-ended event was complete, in seconds."""
        times: list[float] = []
        seen = b""
        for at, piece in self.pieces:
            seen += piece
            times += [at] * (seen.count(b"\n\n") - len(times))
        return times


def timed_get(
    host: str, port: int, target: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> TimedReply:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        began = time.monotonic()
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        reply = TimedReply(response.status, response.getheaders())
        while True:
            try:
                piece = response.read1(65536)
            except http.client.IncompleteRead as exc:
                if exc.partial:
                    reply.pieces.append((time.monotonic() - began, exc.partial))
                reply.incomplete = True
                break
            if not piece:
                break
            reply.pieces.append((time.monotonic() - began, piece))
        reply.total = time.monotonic() - began
        return reply
    finally:
        connection.close()


class Server:
    """A server process on 127.0.0.1 serving the streaming apps; stopped by its pid."""

    def __init__(self, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.port, self.process, self.log = port, process, log

    def get(self, target: str, headers: dict[str, str] | None = None) -> TimedReply:
        return timed_get("127.0.0.1", self.port, target, headers)

    def stop(self) -> None:
        process = self.process
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    command: Callable[[int], list[str]], log_dir: Path, env: dict[str, str], name: str
) -> Server:
    """``command(port)`` started on a free port (another one if that was taken meanwhile).

    The streaming apps (tests/runtime/functions/stream_apps_function.py) and
    the tests' modules are on its path; it is ready once it takes connections.
    """
    full = dict(os.environ)
    full.update(env)
    paths = [str(TESTS / "runtime" / "functions"), str(TESTS), full.get("PYTHONPATH", "")]
    full["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    for attempt in range(3):
        port = free_port()
        log = log_dir / f"{name}-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command(port), env=full, stdout=out, stderr=subprocess.STDOUT
            )
        server = Server(port, process, log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                time.sleep(0.1)
                continue
            return server
        server.stop()
    raise AssertionError(f"{name} did not start:\n{log.read_text()}")


# -- what a streamed reply must do, on any server ------------------------------------------


def assert_event_by_event(reply: TimedReply, events: bytes, gap: float) -> None:
    """Each event when produced: the first at once, then one every ``gap``; chunked."""
    assert reply.status == 200 and not reply.incomplete
    assert reply.body == events
    times = reply.events_at()
    assert len(times) == events.count(b"\n\n")
    assert times[0] < gap / 2, times  # long before the last event is even made
    for earlier, later in itertools.pairwise(times):
        assert later - earlier > gap / 2, times
    assert reply.total > (len(times) - 1) * gap * 0.9
    assert reply.header("transfer-encoding") == ["chunked"]
    assert reply.header("content-length") == []


def assert_failed_before_the_first_byte(reply: TimedReply, target: str) -> None:
    """An app failing before its first byte: a normal, whole 500."""
    assert (reply.status, reply.body, reply.incomplete) == (
        500,
        b"Internal Server Error",
        False,
    ), target


def assert_cut_after_two_events(reply: TimedReply) -> None:
    """An app failing after two events: those two, then a chunked body without its last chunk.

    HTTP's only way to tell the client the body is not whole.
    """
    assert reply.status == 200
    assert reply.body == b"data: event 1\n\ndata: event 2\n\n"
    assert reply.incomplete


def assert_task_ran_after_the_reply(server: Server, send: Callable[[], TimedReply]) -> None:
    """``send()`` asks for ``/accepted``: its reply comes before the app's 1 s background task.

    The task log (``TASK_LOG``, beside the server's log) notes when the reply
    was made and when the task ended; the task must end a second after.
    """
    log = server.log.parent / "task.log"
    log.unlink(missing_ok=True)
    reply = send()
    assert (reply.status, reply.body) == (200, b"accepted")
    assert reply.total < 0.5  # not the task's 1 s
    deadline = time.monotonic() + 5
    while "task done" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the background task never ran"
        time.sleep(0.05)
    first, second = log.read_text().split("\n")[:2]
    assert first.startswith("accepted") and second.startswith("task done")
    assert float(second.split()[-1]) - float(first.split()[-1]) >= 1.0
