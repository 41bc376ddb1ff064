"""``python -m benchmarks.runtime_loop`` runs end to end (a few invocations, one short stream).

Not a timing assertion beyond what streaming means: both runtime loops answer
every invocation and are measured (CPU and wall time per invocation, from the
runtime process's /proc record), a streamed SSE reply's first event comes
before its whole, and the report tabulates both, naming a path it could not
measure with the reason.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import runtime_loop  # noqa: E402


def test_both_loops_are_measured_and_the_stream_comes_first_byte_first() -> None:
    loops = runtime_loop.measure_loops(rounds=1, calls=30, warm=5)
    assert set(loops) == {"faas_bridge", "awslambdaric"}
    for result in loops.values():
        assert len(result.cpu_us) == len(result.wall_us) == 1
        assert all(math.isfinite(t) and 0 < t < 1e6 for t in result.wall_us)
        assert all(math.isfinite(t) and 0 <= t < 1e6 for t in result.cpu_us)
    stream = runtime_loop.stream_through_runtime(gap=0.1, count=3, runs=1)
    assert stream.events == 3, stream.why
    assert stream.first_ms is not None and stream.total_ms is not None
    assert stream.total_ms >= 200 * 0.9 and stream.first_ms < stream.total_ms / 4
    missing = runtime_loop.StreamResult("a path", why="it failed\nbadly | here")
    table = runtime_loop.report(loops, [stream, missing], "smoke")
    assert "| faas_bridge ÷ awslambdaric |" in table
    assert "| a path | not measured: it failed badly / here | | |" in table
    assert f"| {stream.path} | {stream.first_ms:.1f} | {stream.total_ms:.1f} | 3 |" in table
