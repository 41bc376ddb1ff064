"""A real HTTP client that notes when each piece of a reply arrives.

``timed_get`` sends one GET over http.client and reads the body with
``read1`` (for a chunked reply, at most one chunk's worth, returned as soon as
it is in), so each event of a server-sent-events stream written ``GAP``
seconds apart arrives as its own piece, with its arrival time. A reply cut
short (a chunked body without its last chunk) is noted as ``incomplete``.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field


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
