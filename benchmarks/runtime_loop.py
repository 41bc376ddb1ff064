"""faas_bridge's Lambda runtime loop against the managed one, and streamed replies' first byte.

    python -m benchmarks.runtime_loop              # about a minute on 2 cores
    python -m benchmarks.runtime_loop --quick      # a few seconds

Two measures, each against a real server on 127.0.0.1:

* **The loop's cost per invocation.** ``faas_bridge.devtools.lambda_emulator``
  serves the Runtime API; the runtime process (``python -m faas_bridge.runtime``,
  or AWS's ``python -m awslambdaric``) runs a handler that returns None, so
  what is measured is the loop: ask for the next event, build the context,
  call the handler, post the reply. For each client, after a warm-up, N
  invocations one after another: the runtime process's CPU time per invocation
  (``/proc/PID/stat``, user + system) and the wall time per invocation seen
  from the emulator. Rounds alternate the two clients; medians, and
  faas_bridge's figure as a ratio of awslambdaric's.
* **Server-sent events, time to first byte against the whole reply**, for a
  Starlette endpoint sending ``COUNT`` events ``GAP`` s apart, on each path a
  streamed reply takes: faas_bridge's runtime and the emulator (a Function URL
  in RESPONSE_STREAM mode), the local gateway (``faas-bridge serve --platform
  aws-function-url --stream``) and functions-framework (Google). The client
  reads the reply chunk by chunk as it arrives.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLIENTS = {
    "faas_bridge": lambda handler: [sys.executable, "-m", "faas_bridge.runtime"],
    "awslambdaric": lambda handler: [sys.executable, "-m", "awslambdaric", handler],
}
URL_HOST = "p2o4i6u8y0t1r3e5w7q9a2s4d6f8g0h1.lambda-url.eu-central-1.on.aws"


@dataclass
class LoopResult:
    client: str
    #: Per round: µs of the runtime process's CPU, and µs of wall time, per invocation.
    cpu_us: list[float] = field(default_factory=list)
    wall_us: list[float] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_us)

    @property
    def wall(self) -> float:
        return statistics.median(self.wall_us)


@dataclass
class StreamResult:
    path: str
    first_ms: float | None = None
    total_ms: float | None = None
    events: int = 0
    why: str = ""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _environment(**extra: str) -> dict[str, str]:
    paths = [str(HERE), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(filter(None, paths)), **extra}


def measure_loops(rounds: int, calls: int, warm: int = 200) -> dict[str, LoopResult]:
    """Each client's loop cost, rounds alternating between them."""
    from faas_bridge.devtools.lambda_emulator import LambdaEmulator

    results = {name: LoopResult(name) for name in CLIENTS}
    emulators: dict[str, Any] = {}
    try:
        for name, command in CLIENTS.items():
            emulator = LambdaEmulator(timeout=10).start()
            emulators[name] = emulator
            process = emulator.start_runtime(
                command("stream_app.nothing"),
                handler="stream_app.nothing",
                task_root=HERE,
                env={**_environment(), "FAAS_BRIDGE_SHUTDOWN_EXTENSION": "off"},
            )
            if not emulator.wait_ready(30):
                raise RuntimeError(f"{name} did not start:\n{emulator.output()}")
            for _ in range(warm):
                emulator.invoke({})
            emulator.pid = process.pid
        for _ in range(rounds):
            for name, emulator in emulators.items():
                cpu_before = _cpu_seconds(emulator.pid)
                began = time.perf_counter()
                for _ in range(calls):
                    reply = emulator.invoke({})
                    if reply.outcome != "response":
                        raise RuntimeError(f"{name}: {reply.outcome} {reply.error}")
                wall = time.perf_counter() - began
                cpu = _cpu_seconds(emulator.pid) - cpu_before
                results[name].cpu_us.append(cpu / calls * 1e6)
                results[name].wall_us.append(wall / calls * 1e6)
    finally:
        for emulator in emulators.values():
            emulator.close()
    return results


def _event() -> dict[str, Any]:
    """A Function URL GET /sse, as the project's emulator builds it (payload 2.0)."""
    from faas_bridge.devtools.emulators.aws_function_url import build_event
    from faas_bridge.devtools.emulators.base import HttpCall

    headers = [("Accept", "text/event-stream"), ("User-Agent", "bench")]
    return build_event(HttpCall("GET", "/sse", headers, client_ip="198.51.100.77"), host=URL_HOST)


def stream_through_runtime(gap: float, count: int, runs: int) -> StreamResult:
    from faas_bridge.devtools.lambda_emulator import LambdaEmulator

    result = StreamResult("faas_bridge runtime + Lambda emulator (Function URL)")
    firsts, totals = [], []
    with LambdaEmulator(timeout=30).start() as emulator:
        emulator.start_runtime(
            CLIENTS["faas_bridge"]("stream_app.handler"),
            handler="stream_app.handler",
            task_root=HERE,
            env=_environment(GAP=str(gap), COUNT=str(count)),
        )
        if not emulator.wait_ready(30):
            return StreamResult(result.path, why=emulator.output()[-300:])
        for _ in range(runs + 1):
            pending = emulator.submit(_event())
            arrived = list(pending.chunks(timeout=30))
            reply = pending.result(30)
            firsts.append(arrived[0][0] * 1000)
            totals.append(reply.seconds * 1000)
            result.events = b"".join(data for _, data in arrived).count(b"\n\n")
    result.first_ms = statistics.median(firsts[1:])
    result.total_ms = statistics.median(totals[1:])
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _timed_get(port: int, target: str) -> tuple[float, float, bytes]:
    """(ms to the first body byte, ms to the end, body) of a GET read chunk by chunk."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        began = time.monotonic()
        connection.request("GET", target)
        response = connection.getresponse()
        first = None
        body = b""
        while piece := response.read1(65536):
            if first is None:
                first = time.monotonic() - began
            body += piece
        total = time.monotonic() - began
        return (first or total) * 1000, total * 1000, body
    finally:
        connection.close()


def _stream_through_server(
    path: str, command: Callable[[int], list[str]], gap: float, count: int, runs: int
) -> StreamResult:
    """``command(port)`` serving the Starlette SSE endpoint at /sse, read ``runs`` times."""
    port = _free_port()
    full = {**os.environ, **_environment(GAP=str(gap), COUNT=str(count))}
    process = subprocess.Popen(
        command(port), cwd=HERE, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                assert process.stderr is not None
                return StreamResult(path, why=process.stderr.read().decode()[-300:])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    return StreamResult(path, why="the server did not start in 30 s")
                time.sleep(0.1)
        firsts, totals = [], []
        body = b""
        for _ in range(runs + 1):
            first, total, body = _timed_get(port, "/sse")
            firsts.append(first)
            totals.append(total)
        return StreamResult(
            path,
            statistics.median(firsts[1:]),
            statistics.median(totals[1:]),
            body.count(b"\n\n"),
        )
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stream_through_gateway(gap: float, count: int, runs: int) -> StreamResult:
    def command(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "faas_bridge", "serve", "stream_app:app"),
            *("--platform", "aws-function-url", "--stream", "--port", str(port)),
        ]

    path = "local gateway, faas-bridge serve --platform aws-function-url --stream"
    return _stream_through_server(path, command, gap, count, runs)


def stream_through_functions_framework(gap: float, count: int, runs: int) -> StreamResult:
    def command(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "functions_framework", "--target", "ff_handler"),
            *("--source", str(HERE / "stream_app.py"), "--host", "127.0.0.1", "--port", str(port)),
        ]

    path = "functions-framework (Google), response_stream"
    return _stream_through_server(path, command, gap, count, runs)


def report(loops: dict[str, LoopResult], streams: list[StreamResult], settings: str) -> str:
    ours, theirs = loops["faas_bridge"], loops["awslambdaric"]

    def ratio(mine: list[float], others: list[float]) -> str:
        """The median per-round ratio; "–" when no round measured the other (CPU ticks
        are 10 ms: a short round may show none)."""
        found = [a / b for a, b in zip(mine, others, strict=True) if b > 0]
        return f"{statistics.median(found):.2f}×" if found else "–"

    lines = [
        f"Runtime loop per invocation ({settings}), medians over rounds:",
        "",
        "| runtime loop | CPU µs / invocation | wall µs / invocation |",
        "| --- | --- | --- |",
    ]
    for result in (ours, theirs):
        lines.append(f"| {result.client} | {result.cpu:.0f} | {result.wall:.0f} |")
    lines += [
        f"| faas_bridge ÷ awslambdaric | {ratio(ours.cpu_us, theirs.cpu_us)} | "
        f"{ratio(ours.wall_us, theirs.wall_us)} |",
        "",
        "Server-sent events: first byte against the whole reply:",
        "",
        "| path | first event ms | whole reply ms | events |",
        "| --- | --- | --- | --- |",
    ]
    for stream in streams:
        if stream.first_ms is None or stream.total_ms is None:
            why = " ".join(stream.why.split())[-160:].replace("|", "/")
            lines.append(f"| {stream.path} | not measured: {why} | | |")
        else:
            lines.append(
                f"| {stream.path} | {stream.first_ms:.1f} | {stream.total_ms:.1f} | "
                f"{stream.events} |"
            )
    return "\n".join(lines)


def run(quick: bool) -> tuple[str, dict[str, Any]]:
    rounds, calls, runs = (2, 200, 2) if quick else (7, 2000, 5)
    gap, count = 0.1, 5
    loops = measure_loops(rounds, calls, warm=50 if quick else 200)
    streams = [
        stream_through_runtime(gap, count, runs),
        stream_through_gateway(gap, count, runs),
        stream_through_functions_framework(gap, count, runs),
    ]
    settings = f"{rounds} rounds of {calls:,} invocations; SSE: {count} events {gap} s apart"
    data = {
        "loops": {name: asdict(result) for name, result in loops.items()},
        "streams": [asdict(stream) for stream in streams],
        "settings": settings,
    }
    return report(loops, streams, settings), data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runtime_loop", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    text, data = run(args.quick)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
