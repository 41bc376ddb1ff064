"""The benchmark harness runs end to end (quick mode, one app, one event).

Not a timing assertion: it checks that every contender is built, answers the
event like the app called directly, is timed, and shows up in the table with
sane numbers. Full runs are ``python -m benchmarks`` (benchmarks/README.md).
"""

from __future__ import annotations

import math
import sys
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import adapters, report  # noqa: E402
from benchmarks.run import Plan, run_timing  # noqa: E402
from benchmarks.timing import QUICK  # noqa: E402


def test_quick_run_times_every_adapter_and_tabulates_them(tmp_path: Path) -> None:
    bench, results = run_timing(Plan(apps=["raw-wsgi"], events=["v2-get"], timing=QUICK))
    bench.close()
    [case] = results
    expected = {adapters.FLOOR, adapters.FAAS_BRIDGE, *adapters.peer_names("wsgi")}
    assert case.failures == {}
    assert set(case.samples) == expected
    for sample in case.samples.values():
        assert len(sample.per_call_us) == QUICK.rounds
        assert all(math.isfinite(t) and 0 < t < 1e6 for t in sample.per_call_us)
    # Any adapter does more than the bare app call it wraps.
    floor = case.samples[adapters.FLOOR].median
    assert all(case.samples[n].median > floor for n in expected - {adapters.FLOOR})

    table = report.timing_table(results)
    rows = [line for line in table.splitlines() if line.startswith("| raw-wsgi | v2-get |")]
    assert len(rows) == len(expected)
    for name in expected:
        assert any(f"| {name} |" in row or f"| **{name}** |" in row for row in rows), name
    floor_row = next(row for row in rows if f"| {adapters.FLOOR} |" in row)
    assert "| 1.00\u00d7 |" in floor_row  # 1.00 times the floor
    assert "raw-wsgi" in report.summary_table(results)
    if find_spec("matplotlib") is not None:
        report.overhead_chart(results, tmp_path / "overhead.png")
        assert (tmp_path / "overhead.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
