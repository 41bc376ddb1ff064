"""A SIGTERM during an invocation takes effect once the invocation has returned its reply.

As uvicorn does (it answers the request in flight, then runs the lifespan
shutdown), the reply is complete and returned; then the shutdown hooks run
(newest first) and the lifespan shutdown; then the SIGTERM handler installed
before faas_bridge's, once; with none, the default action ends the process
(-15, 143 in a shell). Each case is a process of its own: the test reads
"started" from it, sends SIGTERM by pid, then lets the request go on.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

DRIVER = """
import asyncio, os, signal, sys, threading, time
sys.path.insert(0, {tests!r})
import faas_bridge
from support.events import load_event

LOG = {log!r}


def note(text):
    with open(LOG, "a") as f:
        f.write(text + "\\n")


if {previous!r}:
    def previous(signum, frame):
        note("previous handler")
        sys.exit(3)

    signal.signal(signal.SIGTERM, previous)

resource = {{"open": True}}


def started():
    note("request started")
    print("started", flush=True)


def finished():
    state = "open" if resource["open"] else "CLOSED"
    note(f"request done (resource {{state}})")
    return f"done (resource {{state}})".encode()


def wsgi_app(environ, start_response):
    started()
    sys.stdin.readline()  # the test has sent SIGTERM by now
    time.sleep(0.3)  # whichever thread got it, the main thread has run its handler
    body = finished()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


async def asgi_app(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        note("lifespan startup")
        await send({{"type": "lifespan.startup.complete"}})
        await receive()
        resource["open"] = False
        note("lifespan shutdown")
        await send({{"type": "lifespan.shutdown.complete"}})
        return
    started()
    # Awaiting, as an app awaiting its database does: the loop is free meanwhile.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await asyncio.sleep(0.3)
    body = finished()
    await send({{"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]}})
    await send({{"type": "http.response.body", "body": body}})


handler = faas_bridge.wrap(wsgi_app if {interface!r} == "wsgi" else asgi_app)


@handler.on_shutdown
def hook_a():
    resource["open"] = False
    note("hook A")


@handler.on_shutdown
async def hook_b():
    await asyncio.sleep(0)
    resource["open"] = False
    note("hook B")


def invoke():
    reply = handler(load_event("aws-apigw-v2/get-root.json"), None)
    line = f"returned {{reply['statusCode']}} {{reply['body']}}"
    note(line)
    print(line, flush=True)


if {where!r} == "main":
    invoke()
else:
    threading.Thread(target=invoke).start()
until = time.monotonic() + 10
while time.monotonic() < until:  # short sleeps: the main thread runs signal handlers soon
    time.sleep(0.01)
note("never stopped")
"""


def run(tmp_path: Path, interface: str, previous: bool, where: str) -> tuple[int, str, list[str]]:
    log = tmp_path / "log.txt"
    script = DRIVER.format(
        tests=str(TESTS), log=str(log), previous=previous, interface=interface, where=where
    )
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        first = process.stdout.readline()
        assert first == "started\n", process.stderr.read() if process.stderr else first
        process.send_signal(15)  # by pid, mid-request
        process.stdin.write("go\n")
        process.stdin.flush()
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    lines = log.read_text().splitlines() if log.exists() else []
    return process.returncode, out + err, lines


@pytest.mark.parametrize("where", ["main", "thread"])
@pytest.mark.parametrize("previous", [False, True], ids=["default", "previous-handler"])
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_sigterm_mid_request_waits_for_the_reply(
    tmp_path: Path, interface: str, previous: bool, where: str
) -> None:
    began = time.monotonic()
    status, output, lines = run(tmp_path, interface, previous, where)
    reply = "returned 200 done (resource open)"
    assert reply in output, output[-3000:]
    expected = [
        "request started",
        "request done (resource open)",
        reply,
        "hook B",  # newest first
        "hook A",
    ]
    if interface == "asgi":
        expected = ["lifespan startup", *expected, "lifespan shutdown"]
    if previous:
        expected.append("previous handler")  # after our shutdown, once
    assert lines == expected, output[-3000:]
    assert status == (3 if previous else -15)
    assert time.monotonic() - began < 10  # stopped as soon as the reply was out
