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
from dataclasses import dataclass, field
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
    verdict: str  # killed, survived, stale, equivalent
    detail: str = ""
    seconds: float = 0.0
    log: str = field(default="", repr=False)


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


def pytest(tree: Path, args: Sequence[str], timeout: float) -> tuple[int | None, str]:
    """(exit status, or None on timeout; the output's tail) of pytest in the copy."""
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *args]
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
    return status, "\n".join(text.splitlines()[-15:])


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


def summary_line(status: int | None, tail: str) -> str:
    """What killed the mutant: the first failing test (pytest's summary line), or the count."""
    if status is None:
        return "timed out"
    lines = tail.strip().splitlines()
    failed = next((line for line in lines if line.startswith(("FAILED ", "ERROR "))), None)
    if failed is not None:
        return failed.split(" - ")[0]
    return lines[-1].strip("= ") if lines else f"exit status {status}"


def run_one(mutant: Mutant, trees: queue.Queue[Path], full_suite: bool) -> Outcome:
    tree = trees.get()
    began = time.monotonic()
    try:
        with planted(tree, mutant) as ok:
            if not ok:
                return Outcome(mutant, "stale", "the original snippet is not in the file once")
            status, tail = pytest(tree, mutant.tests, TARGETED_TIMEOUT)
            if status != 0:
                return Outcome(
                    mutant, "killed", "aimed tests: " + summary_line(status, tail), log=tail
                )
            if not full_suite:
                return Outcome(mutant, "survived", "aimed tests all passed", log=tail)
            status, tail = pytest(tree, [], SUITE_TIMEOUT)
            if status != 0:
                return Outcome(
                    mutant, "killed", "whole suite: " + summary_line(status, tail), log=tail
                )
            return Outcome(mutant, "survived", "the whole suite passed", log=tail)
    finally:
        trees.put(tree)
        elapsed = time.monotonic() - began
        _progress(mutant, elapsed)


_PRINT = threading.Lock()


def _progress(mutant: Mutant, seconds: float) -> None:
    with _PRINT:
        print(f"  ... {mutant.id} ({seconds:.0f} s)", file=sys.stderr, flush=True)


def baseline(tree: Path, mutants: Sequence[Mutant]) -> None:
    """The aimed tests must pass on the unmutated copy, or every verdict would be wrong."""
    files = sorted({test.split("::")[0] for m in mutants for test in m.tests})
    status, tail = pytest(tree, files, TARGETED_TIMEOUT)
    if status != 0:
        raise SystemExit(f"the aimed tests fail without any mutant:\n{tail}")


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
        with ThreadPoolExecutor(jobs) as pool:
            outcomes = list(pool.map(lambda m: run_one(m, trees, not args.targeted_only), runnable))
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
    counts = {v: sum(o.verdict == v for o in outcomes) for v in ("killed", "survived", "stale")}
    scored = counts["killed"] + counts["survived"]
    score = 100.0 * counts["killed"] / scored if scored else 0.0
    equivalent = sum(o.verdict == "equivalent" for o in outcomes)
    print(
        f"\nscore: {counts['killed']} killed of {scored} ({score:.1f} %); "
        f"{counts['survived']} survived, {counts['stale']} stale, {equivalent} equivalent "
        f"(not run); {seconds / 60:.1f} min"
    )
    if counts["stale"]:
        return 2
    return 1 if counts["survived"] else 0


if __name__ == "__main__":
    sys.exit(main())
