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

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import adapters, cachegrind, report  # noqa: E402
from benchmarks.cases import Bench  # noqa: E402
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


def test_cachegrind_figures_per_call_from_out_files(tmp_path: Path) -> None:
    """``python -m benchmarks.cachegrind``'s arithmetic, on synthetic out files (no valgrind)."""

    def out_file(name: str, summary: str) -> Path:
        path = tmp_path / name
        path.write_text(
            "desc: I1 cache:         32768 B, 64 B, 8-way associative\n"
            "cmd: python -m benchmarks._cachegrind_child flask v2-get floor 0\n"
            "events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n"
            "fl=/usr/src/python/Python/ceval.c\n"
            "fn=_PyEval_EvalFrameDefault\n"
            "12 7 1 0 3\n"
            f"summary: {summary}\n",
            encoding="utf-8",
        )
        return path

    base = cachegrind.read_summary(out_file("cg.0", "1000 50 5 300 40 4 100 10 0"))
    assert base == {
        "Ir": 1000,
        "I1mr": 50,
        "ILmr": 5,
        "Dr": 300,
        "D1mr": 40,
        "DLmr": 4,
        "Dw": 100,
        "D1mw": 10,
        "DLmw": 0,
    }
    # Trailing zero counts may be left out of a summary line.
    loaded = cachegrind.read_summary(out_file("cg.1000", "501000 2050 5 300300 6040 4 100 10"))
    assert loaded["DLmw"] == 0
    calls = cachegrind.per_call(base, loaded, 1000)
    assert (calls["Ir"], calls["I1mr"], calls["D1mr"], calls["DLmw"]) == (500, 2, 6, 0)

    def cost(name: str, ir: float, i1: float, d1: float) -> cachegrind.Cost:
        return cachegrind.Cost("flask", "v2-get", name, {"Ir": ir, "I1mr": i1, "D1mr": d1})

    costs = [
        cost(adapters.FLOOR, 400, 10, 5),
        cost(adapters.FAAS_BRIDGE, 500, 12, 6),
        cost("apig-wsgi", 700, 20, 9),
        cost("serverless-wsgi", 600, 30, 5.5),
    ]
    rows = cachegrind.table(costs).splitlines()
    assert rows[3] == "| flask | v2-get | **faas_bridge** | 500 | 12.0 | 6.0 | +100 | +2.0 | +1.0 |"
    # faas_bridge's excess over the floor ÷ the least excess of a peer, column by column.
    assert rows[-1].endswith(
        "| 0.50\u00d7 (serverless-wsgi) | 0.20\u00d7 (apig-wsgi) | 2.00\u00d7 (serverless-wsgi) |"
    )


def test_a_run_with_rows_missing_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event that cannot be built is written to the results and fails the run.

    Without matplotlib (a ``.[dev]`` install), the tables are written all the same.
    """
    from benchmarks.run import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # find_spec() says: not installed
    argv = ["--quick", "--apps", "raw-wsgi", "--events", "v2-get,no-such-event"]
    code = main([*argv, "--no-coldstart", "--no-memory", "--out", str(tmp_path)])
    assert code == 1
    out, err = capsys.readouterr()
    assert "event 'no-such-event' not built" in err
    assert "no charts drawn" in out and not (tmp_path / "overhead.png").exists()
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "no-such-event" in text and "No chart: matplotlib was not installed." in text
    # The event that was built is timed and tabulated all the same.
    assert "| raw-wsgi | v2-get |" in text


@pytest.mark.parametrize("app", ["raw-wsgi", "raw-asgi"])
def test_profile_stages_each_run(app: str) -> None:
    """``python -m benchmarks.profile`` times each stage: every one must still run."""
    from benchmarks.cases import Bench
    from benchmarks.profile import stages

    bench = Bench(["v2-get"])
    try:
        calls = stages(bench, app, "v2-get")
        for _name, call in calls:
            call()
    finally:
        bench.close()
    names = [name for name, _ in calls]
    assert "deadline bookkeeping" in names and "decode" in names


def test_first_reply_added_time_is_paired_by_round() -> None:
    from benchmarks.coldstart import FirstReply

    floor = FirstReply("flask", adapters.FLOOR, [100.0, 300.0, 100.0], [1.0, 2.0, 1.0])
    ours = FirstReply("flask", adapters.FAAS_BRIDGE, [110.0, 290.0, 104.0], [7.0, 9.0, 5.0])
    # Per round: +10, -10, +4 -> median +4 (the medians' difference would say +10).
    assert ours.added_to(floor) == 4.0
    assert ours.added_after_app(floor) == 6.0  # +6, +7, +4
    assert FirstReply("flask", "broken", []).added_to(floor) is None
    table = report.first_reply_table([floor, ours])
    assert "| flask | **faas_bridge** | 110.0 | 4.0 | 7.0 | 6.0 |" in table


@pytest.mark.parametrize("app", ["raw-wsgi", "raw-asgi"])
def test_profile_times_each_own_stage_in_place(app: str) -> None:
    """The in-place table has a row per own stage, and the rest of the overhead beside them."""
    from benchmarks.cases import Bench
    from benchmarks.profile import in_place_table, own_stages
    from benchmarks.timing import Settings

    bench = Bench(["v2-get"])
    try:
        names = [name for name, _ in own_stages(bench, app, "v2-get")]
        table = in_place_table(bench, app, "v2-get", Settings(3, 0.001, 0.001))
    finally:
        bench.close()
    assert {"decode", "encode", "reply checks (check_reply)"} <= set(names)
    assert ("build_environ" in names) is (app == "raw-wsgi")
    rows = [line.split() for line in table.splitlines()]
    for name in names:
        assert any(" ".join(row[:-1]) == name for row in rows), (name, table)
    rest = next(row for row in rows if row[:2] == ["the", "rest"])
    overhead = next(row for row in rows if row[:2] == ["faas_bridge's", "overhead"])
    stage_sum = sum(float(row[-1]) for row in rows if row and " ".join(row[:-1]) in names)
    # The rows add up to the overhead: the rest is what the stages leave of it.
    assert abs(stage_sum + float(rest[-1]) - float(overhead[-2])) < 0.2


@pytest.mark.parametrize("app", ["flask", "django-wsgi"])
def test_the_fused_yardstick_does_faas_bridges_work(app: str) -> None:
    """``python -m benchmarks.ceiling`` compares like with like: same environ, same reply."""
    from benchmarks.ceiling import Uncommon, fused_v2_wsgi, same_work, table
    from benchmarks.timing import Settings

    bench = Bench(["v2-get"])
    try:
        handler = bench.handlers(app)[adapters.FAAS_BRIDGE]
        event = bench.events["v2-get"]
        same_work(handler.app, handler, event)  # type: ignore[attr-defined]
        fused = fused_v2_wsgi(handler.app, handler)  # type: ignore[attr-defined]
        staged = {**event, "requestContext": {**event["requestContext"], "stage": "prod"}}
        with pytest.raises(Uncommon):
            fused(staged, adapters.CONTEXT)  # a named stage moves into SCRIPT_NAME: not fused
        bad = {**event, "headers": {**event["headers"], "accept": "a\r\nx-forged: 1"}}
        with pytest.raises(Uncommon):
            fused(bad, adapters.CONTEXT)  # a CR or LF in a value is checked for
        text = table(bench, app, Settings(3, 0.001, 0.001))
    finally:
        bench.close()
    lines = text.splitlines()
    body = lines[3 : lines.index("", 3)]  # after the title, a blank line and the heading
    rows = dict(line.rsplit(None, 1) for line in body)
    peers = {"apig-wsgi"} if find_spec("apig_wsgi") else set()
    assert set(rows) == {"faas_bridge", "fused pass, same checks", *peers}
    assert all(math.isfinite(float(value)) for value in rows.values())
    assert "what the layers cost:" in text


def test_packaged_cold_start_runs_each_archive(capsys: pytest.CaptureFixture[str]) -> None:
    """Each app packaged with and without bytecode, each archive answering from a fresh
    interpreter (the benchmark exits on any other reply), tabulated."""
    from benchmarks import packaged

    packaged.main(["--rounds", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[2:]] == [
        "| faas_bridge alone (raw WSGI app)",
        "| Flask (examples/flask_app)",
        "| Django (examples/django_app)",
    ]
    for row in rows[2:]:
        without, with_, ratio = (float(cell) for cell in row.strip("| ").split(" | ")[1:])
        assert without > 0 and with_ > 0 and math.isclose(ratio, with_ / without, abs_tol=0.01)
