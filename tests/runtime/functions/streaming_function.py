"""A handler returning StreamedReply: the shape the bridges will produce once they stream.

``event["case"]`` picks the stream; ``event["gap"]`` is the pause (seconds)
between chunks, so that a test can tell chunks that arrive as produced from
a body sent at the end.
"""

import time

from faas_bridge.runtime import HttpHead, StreamedReply


def events(count, gap):
    for number in range(1, count + 1):
        if number > 1:
            time.sleep(gap)
        yield f"data: event {number}\n\n".encode()


def fails_midway(gap):
    yield b"data: event 1\n\n"
    time.sleep(gap)
    yield b"data: event 2\n\n"
    raise ConnectionError("upstream went away")


def fails_first():
    raise PermissionError("no stream for you")
    yield b""  # a generator all the same


def handler(event, context):
    case, gap = event["case"], event.get("gap", 0.0)
    head = HttpHead(200, {"content-type": "text/event-stream"}, ["session=s1; Path=/"])
    if case == "sse":
        return StreamedReply(events(event["count"], gap), head)
    if case == "fails-midway":
        return StreamedReply(fails_midway(gap), head)
    if case == "fails-first":
        return StreamedReply(fails_first(), head)
    if case == "octets":
        return StreamedReply(iter([b"\x00\x01", b"", b"\x02"]), content_type="application/x-raw")
    raise ValueError(case)
