"""Per-invocation work counted by valgrind's cachegrind: instructions and L1 misses.

    python -m benchmarks.cachegrind --app flask --event v2-get [--calls 1000] [--out]

Wall-clock medians move with the machine; cachegrind runs the program on a
simulated CPU and counts, exactly and repeatably, the instructions executed
(Ir), the L1 instruction-cache misses (I1mr) and the L1 data-cache read
misses (D1mr). Next to a real framework such as Flask, an adapter's cost is
dominated by instruction-cache misses (its code and the app's evict each
other), which a hot timing loop hides and cachegrind shows.

Per app, event and contender, ``benchmarks/_cachegrind_child.py`` runs under
cachegrind twice: it builds the contenders as the main benchmark does, warms
the contender up interleaved with the floor, then makes N more calls of the
contender alone, with N = 0 and with N = ``--calls``. The difference of the
two runs' totals over N is the figure per invocation: start-up, imports and
warm-up cancel. The caches simulated are fixed (those of the machine the
method was validated on) so that the counts do not depend on the host.
Contenders run two at a time (the simulation is single-threaded and its
counts do not depend on the load). About a minute per app and event.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import adapters, apps, events, report
from .cases import Bench
from .coldstart import ROOT, _env

RESULTS = Path(__file__).resolve().parent / "results"

#: The cachegrind events reported, per invocation, with their column titles.
SHOWN = {"Ir": "instructions (Ir)", "I1mr": "I1 misses", "D1mr": "D1 read misses"}

#: L1 instruction, L1 data and last-level caches as ``size,associativity,line``.
#: Pinned: by default cachegrind copies the host's, and counts would differ
#: between machines.
CACHES = ("--I1=32768,8,64", "--D1=49152,12,64", "--LL=8388608,16,64")


@dataclass
class Cost:
    """One contender's counts per invocation, or why it was not measured."""

    app: str
    event: str
    contender: str
    #: Cachegrind event (``Ir``, ``I1mr``, …) -> count per invocation.
    per_call: dict[str, float] = field(default_factory=dict)
    error: str | None = None


# -- cachegrind's out files ------------------------------------------------------------


def read_summary(path: Path) -> dict[str, int]:
    """Event name -> whole-program total, from an out file's ``events:`` and ``summary:``."""
    names: list[str] | None = None
    totals: list[int] | None = None
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith("summary:"):
                totals = [int(value) for value in line.split()[1:]]
    if names is None or totals is None:
        raise ValueError(f"{path}: no 'events:' or 'summary:' line")
    if len(totals) > len(names):
        raise ValueError(f"{path}: {len(totals)} totals for {len(names)} events")
    # The format allows trailing zero counts to be left out.
    totals += [0] * (len(names) - len(totals))
    return dict(zip(names, totals, strict=True))


def per_call(base: dict[str, int], loaded: dict[str, int], calls: int) -> dict[str, float]:
    """Counts per invocation: (the run with ``calls`` more calls - the run without) / calls."""
    return {name: (loaded[name] - base.get(name, 0)) / calls for name in loaded}


# -- running the child -------------------------------------------------------------------


def interpreter() -> str:
    """The Python binary for valgrind to run.

    ``sys.executable`` when it is a binary (a venv's symlink, which keeps the
    venv), else its real path: valgrind would trace a wrapper script (a pyenv
    shim) instead of Python.
    """
    for path in (sys.executable, str(Path(sys.executable).resolve())):
        try:
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    return path
        except OSError:
            continue
    return str(Path(sys.executable).resolve())


def _child_env() -> dict[str, str]:
    env = _env()  # the bytecode caches are read and written, the repo on the path
    # One hash seed for both runs of a contender: dict and set layouts, hence
    # their probing work, are then the same and cancel out.
    env["PYTHONHASHSEED"] = "0"
    return env


def _child(app_name: str, event_name: str, contender: str, calls: int) -> list[str]:
    return ["-m", "benchmarks._cachegrind_child", app_name, event_name, contender, str(calls)]


def _failure(done: subprocess.CompletedProcess[str]) -> str:
    """The child's last line of error, without valgrind's own messages."""
    lines = [
        line
        for line in done.stderr.strip().splitlines()
        if line.strip() and not line.startswith(("==", "--"))
    ]
    return lines[-1] if lines else f"exit status {done.returncode}"


def warm_bytecode(app_name: str, event_name: str) -> None:
    """Run the child once without valgrind so that every ``.pyc`` is written.

    Otherwise the first run under valgrind would compile sources the second
    reads, and the difference of the two would be off by the compiling.
    """
    _run_child([sys.executable, *_child(app_name, event_name, adapters.FLOOR, 0)])


def count(
    app_name: str, event_name: str, contender: str, calls: int, out_file: Path
) -> dict[str, int]:
    """Whole-program cachegrind totals of one child run."""
    _run_child(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=yes",
            *CACHES,
            f"--cachegrind-out-file={out_file}",
            interpreter(),
            *_child(app_name, event_name, contender, calls),
        ]
    )
    return read_summary(out_file)


def _run_child(command: list[str]) -> None:
    """Run a child in the repo with the children's environment; RuntimeError if it fails."""
    done = subprocess.run(command, env=_child_env(), cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(_failure(done))


def measure_one(app_name: str, event_name: str, contender: str, calls: int, workdir: Path) -> Cost:
    cost = Cost(app_name, event_name, contender)
    stem = workdir / f"{app_name}.{event_name}.{contender}".replace(" ", "_")
    try:
        base = count(app_name, event_name, contender, 0, stem.with_suffix(".0"))
        loaded = count(app_name, event_name, contender, calls, stem.with_suffix(f".{calls}"))
        cost.per_call = per_call(base, loaded, calls)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        cost.error = str(exc)
    return cost


# -- what is measured --------------------------------------------------------------------


def contenders(bench: Bench, app_name: str, event_name: str) -> tuple[list[str], dict[str, str]]:
    """Contenders that answer the event as the floor does, and why the others are left out.

    The main benchmark's check before it times: the work of an adapter that
    answers wrongly means nothing.
    """
    valid, result = bench.checked_contenders(app_name, event_name)
    return [contender.name for contender in valid], dict(result.failures)


def measure(
    app_names: list[str],
    event_names: list[str],
    calls: int,
    jobs: int = 2,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[list[Cost], dict[str, str]]:
    """Every contender of every app and event; and the events that could not be built."""
    bench = Bench(event_names)
    plan: list[Cost] = []
    left_out: list[Cost] = []
    for app_name in app_names:
        for event_name in event_names:
            if event_name not in bench.events:
                continue
            try:
                names, failures = contenders(bench, app_name, event_name)
                warm_bytecode(app_name, event_name)
            except Exception as exc:
                names, failures = [], {adapters.FLOOR: f"{type(exc).__name__}: {exc}"}
            plan += [Cost(app_name, event_name, name) for name in names]
            left_out += [Cost(app_name, event_name, n, error=e) for n, e in failures.items()]
    bench.close()

    def run(cost: Cost, workdir: Path) -> Cost:
        began = time.perf_counter()
        done = measure_one(cost.app, cost.event, cost.contender, calls, workdir)
        figures = "  ".join(f"{name} {done.per_call.get(name, 0):,.0f}" for name in SHOWN)
        progress(
            f"{cost.app:<12} {cost.event:<14} {cost.contender:<30} "
            + (done.error or f"{figures} per call")
            + f"  ({time.perf_counter() - began:.0f} s)"
        )
        return done

    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=jobs) as pool:
        costs = list(pool.map(lambda cost: run(cost, Path(tmp)), plan))
    return costs + left_out, bench.skipped_events


# -- the table ---------------------------------------------------------------------------


def _count(value: float, sign: bool = False) -> str:
    """``12,345`` (or ``+12,345``); one decimal below 100."""
    plus = "+" if sign else ""
    return f"{value:{plus},.0f}" if abs(value) >= 100 else f"{value:{plus}.1f}"


def _cell(cost: Cost | None, name: str, floor: Cost | None) -> str:
    if cost is None or floor is None or cost.contender == adapters.FLOOR:
        return "–"
    return _count(cost.per_call[name] - floor.per_call[name], sign=True)


def table(costs: list[Cost]) -> str:
    """Counts per invocation; for the adapters, their excess over the floor.

    After each app and event with peers, a row gives faas_bridge's excess over
    the floor divided by the best peer's (the peer with the least excess, per
    column).
    """
    measured = [c for c in costs if c.error is None]
    cases = list(dict.fromkeys((c.app, c.event) for c in measured))
    rows = []
    for app_name, event_name in cases:
        case = {c.contender: c for c in measured if (c.app, c.event) == (app_name, event_name)}
        floor = case.get(adapters.FLOOR)
        for name, cost in case.items():
            rows.append(
                [
                    app_name,
                    event_name,
                    f"**{name}**" if name == adapters.FAAS_BRIDGE else name,
                    *(_count(cost.per_call[event]) for event in SHOWN),
                    *(_cell(cost, event, floor) for event in SHOWN),
                ]
            )
        ours = case.get(adapters.FAAS_BRIDGE)
        peers = [c for n, c in case.items() if n not in (adapters.FLOOR, adapters.FAAS_BRIDGE)]
        if floor is None or ours is None or not peers:
            continue
        ratios = []
        for event in SHOWN:
            excess = {p.contender: p.per_call[event] - floor.per_call[event] for p in peers}
            best = min(excess, key=excess.__getitem__)
            mine = ours.per_call[event] - floor.per_call[event]
            ratio = mine / excess[best] if excess[best] > 0 else None
            ratios.append(f"{report._ratio(ratio)} ({best})")
        rows.append(
            [app_name, event_name, "*faas_bridge excess ÷ best peer's*", "", "", "", *ratios]
        )
    header = [
        "app",
        "event",
        "contender",
        *(f"{title} / call" for title in SHOWN.values()),
        *(f"{title} over floor" for title in SHOWN.values()),
    ]
    return "\n".join(report._table(header, rows, "lllrrrrrr"))


def notes(costs: list[Cost], skipped: dict[str, str]) -> str:
    """The contenders and events left out, and the peers not installed."""
    lines = [
        f"- {c.app} / {c.event} / {c.contender}: {c.error}" for c in costs if c.error is not None
    ]
    lines = ["Not measured:", "", *lines] if lines else []
    if skipped:
        lines += ["", "Events not built:", ""]
        lines += [f"- `{name}`: {why}" for name, why in skipped.items()]
    missing = adapters.missing_peers()
    if missing:
        lines += ["", 'Peers not installed (`pip install -e ".[bench]"`): ' + ", ".join(missing)]
    return "\n".join(lines).strip()


def _valgrind_version() -> str:
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True)
    return done.stdout.strip()


def document(text: str, command: str, calls: int, seconds: float) -> str:
    from .run import environment

    env = environment()
    return (
        "# faas_bridge under cachegrind\n\n"
        f"Generated by `{command}` on {env['date']} in {seconds:.0f} s: "
        f"{_valgrind_version()}, Python {env['python']}, faas_bridge at git `{env['git']}`, "
        f"simulated caches {' '.join(CACHES)}.\n\n"
        f"Counts per invocation: (the totals of a run with {calls:,} invocations after "
        "the warm-up - those of a run with none) / "
        f"{calls:,}; the same from run to run within a few instructions per call. "
        "See `benchmarks/cachegrind.py`.\n\n" + text + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cachegrind", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--app", default="flask", help="comma-separated app names: " + ", ".join(apps.APPS)
    )
    parser.add_argument(
        "--event",
        default="v2-get",
        help="comma-separated event names: " + ", ".join([*events.COMMON, *events.VENDOR]),
    )
    parser.add_argument("--calls", type=int, default=1000, help="invocations counted")
    parser.add_argument("--jobs", type=int, default=2, help="contenders run at once")
    parser.add_argument(
        "--out",
        type=Path,
        nargs="?",
        const=RESULTS / "cachegrind.md",
        help="also write the table there (default with no path: benchmarks/results/cachegrind.md)",
    )
    args = parser.parse_args(argv)
    app_names = args.app.split(",")
    event_names = args.event.split(",")
    unknown = [a for a in app_names if a not in apps.APPS]
    unknown += [e for e in event_names if e not in {**events.COMMON, **events.VENDOR}]
    if unknown:
        parser.error("unknown app or event: " + ", ".join(unknown))
    if args.calls < 1 or args.jobs < 1:
        parser.error("--calls and --jobs must be at least 1")
    if shutil.which("valgrind") is None:
        print(
            "valgrind not found on PATH: install it (Debian/Ubuntu: apt-get install valgrind)",
            file=sys.stderr,
        )
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    began = time.perf_counter()
    say(f"cachegrind: {len(app_names)} apps × {len(event_names)} events, {args.calls} calls …")
    costs, skipped = measure(app_names, event_names, args.calls, args.jobs, say)
    text = table(costs)
    extra = notes(costs, skipped)
    if extra:
        text += "\n\n" + extra
    print(text)
    if args.out is not None:
        command = "python -m benchmarks.cachegrind " + " ".join(
            sys.argv[1:] if argv is None else argv
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        seconds = time.perf_counter() - began
        args.out.write_text(document(text, command.strip(), args.calls, seconds), encoding="utf-8")
        say(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
