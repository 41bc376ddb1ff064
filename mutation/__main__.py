"""``python -m mutation``: plant each listed bug in a copy of the tree and run the tests.

See ``mutation/__init__.py`` for what it does and how to run it.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before 3.11
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

REPO = Path(__file__).resolve().parent.parent
MUTANTS = Path(__file__).resolve().parent / "mutants.toml"
#: Folders never copied: caches, build output, virtual environments.
SKIPPED = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv"}
TARGETED_TIMEOUT = 900.0
SUITE_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    original: str
    mutated: str
    tests: tuple[str, ...]
    why: str
    equivalent: str = ""


@dataclass
class Outcome:
    mutant: Mutant
    verdict: str  # killed, survived, stale, unknown, equivalent
    detail: str = ""
    seconds: float = 0.0


def load(path: Path = MUTANTS) -> list[Mutant]:
    """The mutants of ``mutants.toml``, checked for shape (ids unique, fields present)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    mutants = []
    for entry in data.get("mutant", []):
        missing = {"id", "file", "original", "mutated", "tests", "why"} - set(entry)
        if missing:
            raise ValueError(f"{entry.get('id', entry)}: missing {sorted(missing)}")
        unknown = set(entry) - {"id", "file", "original", "mutated", "tests", "why", "equivalent"}
        if unknown:
            raise ValueError(f"{entry['id']}: unknown keys {sorted(unknown)}")
        if entry["original"] == entry["mutated"]:
            raise ValueError(f"{entry['id']}: the mutated snippet is the original")
        mutants.append(
            Mutant(
                id=entry["id"],
                file=entry["file"],
                original=entry["original"],
                mutated=entry["mutated"],
                tests=tuple(entry["tests"]),
                why=" ".join(entry["why"].split()),
                equivalent=" ".join(entry.get("equivalent", "").split()),
            )
        )
    ids = [m.id for m in mutants]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"mutant ids used twice: {repeated}")
    return mutants


def apply(source: str, mutant: Mutant) -> str | None:
    """The source with the mutation planted; None when the original is not there exactly once."""
    if source.count(mutant.original) != 1:
        return None
    return source.replace(mutant.original, mutant.mutated)


# -- Copies of the tree ------------------------------------------------------------------


def copy_tree(destination: Path, rev: str | None) -> None:
    """The tree to mutate: a commit (``git archive``) or the working tree as it is on disk."""
    if rev is not None:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", rev],
            check=True,
            capture_output=True,
        ).stdout
        with tempfile.TemporaryFile() as tar:
            tar.write(archive)
            tar.seek(0)
            with tarfile.open(fileobj=tar) as opened:
                opened.extractall(destination, filter="data")
        return
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    for name in filter(None, listed.split("\0")):
        if SKIPPED.intersection(Path(name).parts):
            continue
        source = REPO / name
        if not source.is_file():  # deleted in the working tree, still in the index
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def environment(tree: Path) -> dict[str, str]:
    """The copy's package first on the path (the checkout's editable install comes after)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree / "src"), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a restored file is never read from a stale .pyc
    return env


def pytest(
    tree: Path, args: Sequence[str], timeout: float, stop_first: bool = True
) -> tuple[int | None, str]:
    """(exit status, or None on timeout; the output) of pytest in the copy."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    if stop_first:
        command.insert(3, "-x")
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            command,
            cwd=tree,
            env=environment(tree),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its servers and children stop with it
        )
        try:
            status: int | None = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            status = None
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return status, text


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])


class BrokenTests:
    """The tests that fail in the whole suite without any mutant: left out of its runs.

    Worked out once, on first need (a full run of the unmutated copy), so that
    someone's work in progress or a test broken at this commit does not pass
    for a kill.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: list[str] | None = None

    def of(self, tree: Path) -> list[str]:
        with self._lock:
            if self._ids is None:
                status, text = pytest(tree, [], SUITE_TIMEOUT, stop_first=False)
                self._ids = failing_tests(text) if status != 0 else []
                for test in self._ids:
                    print(f"  (fails without any mutant, left out: {test})", file=sys.stderr)
            return self._ids


@contextmanager
def planted(tree: Path, mutant: Mutant) -> Iterator[bool]:
    """The mutant planted in ``tree`` for the block (False: stale), then the file restored."""
    path = tree / mutant.file
    original = path.read_text(encoding="utf-8") if path.is_file() else ""
    mutated = apply(original, mutant)
    if mutated is None:
        yield False
        return
    path.write_text(mutated, encoding="utf-8")
    try:
        yield True
    finally:
        path.write_text(original, encoding="utf-8")


def failing_tests(text: str) -> list[str]:
    """The failing tests' node ids, from pytest's short summary (``-ra``)."""
    found = []
    for line in text.splitlines():
        if line.startswith(("FAILED tests", "ERROR tests")):
            found.append(line.split(" ", 1)[1].split(" - ")[0].strip())
    return found


def failing_test(text: str) -> str | None:
    found = failing_tests(text)
    return found[0] if found else None


def summary_line(status: int | None, text: str) -> str:
    """What killed the mutant: the first failing test, or pytest's last line."""
    if status is None:
        return "timed out"
    test = failing_test(text)
    if test is not None:
        return test
    lines = text.strip().splitlines()
    return lines[-1].strip("= ") if lines else f"exit status {status}"


def run_one(
    mutant: Mutant, trees: queue.Queue[Path], full_suite: bool, broken: BrokenTests
) -> Outcome:
    tree = trees.get()
    began = time.monotonic()
    try:
        return _verdict(mutant, tree, full_suite, broken)
    finally:
        trees.put(tree)
        _progress(mutant, time.monotonic() - began)


def _verdict(mutant: Mutant, tree: Path, full_suite: bool, broken: BrokenTests) -> Outcome:
    with planted(tree, mutant) as ok:
        if not ok:
            return Outcome(mutant, "stale", "the original snippet is not in the file once")
        status, text = pytest(tree, mutant.tests, TARGETED_TIMEOUT)
    if status != 0:
        return Outcome(mutant, "killed", "aimed tests: " + summary_line(status, text))
    if not full_suite:
        return Outcome(mutant, "survived", "aimed tests all passed")
    left_out = [arg for test in broken.of(tree) for arg in ("--deselect", test)]
    with planted(tree, mutant):
        status, text = pytest(tree, left_out, SUITE_TIMEOUT)
    if status == 0:
        return Outcome(mutant, "survived", "the whole suite passed")
    # A test that fails without the mutant too (a flaky one) proves nothing.
    test = failing_test(text)
    if test is not None:
        again, _ = pytest(tree, [test], TARGETED_TIMEOUT)
        if again != 0:
            return Outcome(mutant, "unknown", f"{test} fails without the mutant too")
    return Outcome(mutant, "killed", "whole suite: " + summary_line(status, text))


_PRINT = threading.Lock()


def _progress(mutant: Mutant, seconds: float) -> None:
    with _PRINT:
        print(f"  ... {mutant.id} ({seconds:.0f} s)", file=sys.stderr, flush=True)


def baseline(tree: Path, mutants: Sequence[Mutant]) -> None:
    """The aimed tests must pass on the unmutated copy, or every verdict would be wrong."""
    files = sorted({test.split("::")[0] for m in mutants for test in m.tests})
    status, text = pytest(tree, files, TARGETED_TIMEOUT)
    if status != 0:
        raise SystemExit(f"the aimed tests fail without any mutant:\n{tail(text)}")


def check(mutants: Sequence[Mutant]) -> int:
    """Report mutants whose snippet no longer applies, or whose mutated file does not compile."""
    stale = 0
    for mutant in mutants:
        path = REPO / mutant.file
        source = path.read_text(encoding="utf-8") if path.is_file() else ""
        mutated = apply(source, mutant)
        problem = ""
        if mutated is None:
            problem = f"found {source.count(mutant.original)} times in {mutant.file}, not once"
        else:
            try:
                compile(mutated, mutant.file, "exec")
            except SyntaxError as exc:
                problem = f"the mutated file does not compile: {exc}"
        missing = [t for t in mutant.tests if not (REPO / t.split("::")[0]).exists()]
        if missing:
            problem = (problem + "; " if problem else "") + f"no such test file: {missing}"
        if problem:
            stale += 1
            print(f"STALE     {mutant.id}: {problem}")
    print(f"{len(mutants) - stale} of {len(mutants)} mutants apply")
    return 2 if stale else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=__doc__)
    parser.add_argument("--only", nargs="+", metavar="ID", help="run these mutants only")
    parser.add_argument("--rev", help="mutate a copy of this commit instead of the working tree")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument(
        "--targeted-only",
        action="store_true",
        help="a mutant the aimed tests miss is a survivor (no whole-suite run)",
    )
    parser.add_argument(
        "--include-equivalent", action="store_true", help="run the equivalent mutants too"
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip running the aimed tests once without any mutant first",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--check", action="store_true", help="check that every mutant applies")
    args = parser.parse_args(argv)

    mutants = load()
    if args.only:
        unknown = set(args.only) - {m.id for m in mutants}
        if unknown:
            parser.error(f"no such mutants: {sorted(unknown)}")
        mutants = [m for m in mutants if m.id in args.only]
    if args.list:
        for m in mutants:
            note = f" [equivalent: {m.equivalent}]" if m.equivalent else ""
            print(f"{m.id}  {m.file}\n    {m.why}{note}")
        return 0
    if args.check:
        return check(mutants)

    skipped = [] if args.include_equivalent else [m for m in mutants if m.equivalent]
    runnable = [m for m in mutants if m not in skipped]
    jobs = max(1, min(args.jobs, len(runnable) or 1))
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="faas-bridge-mutation-") as scratch:
        trees: queue.Queue[Path] = queue.Queue()
        for index in range(jobs):
            tree = Path(scratch) / f"tree{index}"
            tree.mkdir()
            copy_tree(tree, args.rev)
            trees.put(tree)
        source = args.rev or "the working tree"
        print(f"{len(runnable)} mutants on a copy of {source}, {jobs} at a time", flush=True)
        if not args.no_baseline:
            first = trees.get()
            baseline(first, runnable)
            trees.put(first)
        broken = BrokenTests()
        with ThreadPoolExecutor(jobs) as pool:
            outcomes = list(
                pool.map(lambda m: run_one(m, trees, not args.targeted_only, broken), runnable)
            )
    outcomes += [Outcome(m, "equivalent", m.equivalent) for m in skipped]
    return report(outcomes, time.monotonic() - began)


def report(outcomes: Sequence[Outcome], seconds: float) -> int:
    width = max((len(o.mutant.id) for o in outcomes), default=0)
    for outcome in outcomes:
        print(f"{outcome.verdict.upper():<10} {outcome.mutant.id:<{width}}  {outcome.detail}")
    for outcome in outcomes:
        if outcome.verdict == "survived":
            print(f"\n--- survived: {outcome.mutant.id} ({outcome.mutant.file})")
            print(f"    {outcome.mutant.why}")
    kinds = ("killed", "survived", "stale", "unknown")
    counts = {v: sum(o.verdict == v for o in outcomes) for v in kinds}
    scored = counts["killed"] + counts["survived"]
    score = 100.0 * counts["killed"] / scored if scored else 0.0
    equivalent = sum(o.verdict == "equivalent" for o in outcomes)
    print(
        f"\nscore: {counts['killed']} killed of {scored} ({score:.1f} %); "
        f"{counts['survived']} survived, {counts['stale']} stale, {counts['unknown']} unknown "
        f"(the suite fails without the mutant), {equivalent} equivalent (not run); "
        f"{seconds / 60:.1f} min"
    )
    if counts["stale"] or counts["unknown"]:
        return 2
    return 1 if counts["survived"] else 0


if __name__ == "__main__":
    sys.exit(main())
