"""Bytecode compiled for the function's Python, packaged beside the sources.

A function's code lies on a read-only file system (Lambda's ``/var/task``, the
other vendors' code folders), where Python cannot write the ``__pycache__`` it
compiles on import: without one in the package, every cold start compiles
every module again (a Flask app and faas_bridge: about 0.3 s instead of 0.1 s).

Each ``.pyc`` is a checked hash-based one (PEP 552): before trusting it,
Python reads the source and compares the hash the ``.pyc`` holds, so a source
edited after packaging (in the Lambda console's editor) is compiled afresh
instead of run stale, and no file time is recorded (the archive dates every
entry 1980-01-01, which a timestamp-based ``.pyc`` would have to match).

Bytecode belongs to one minor version of Python: it is compiled by an
interpreter of the function's own version, this one when it is that version,
else ``python3.X`` on the PATH or in pyenv's versions. That interpreter runs
this file as a script (standard library only, so it needs nothing installed)
and is told the version it must be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class NoInterpreter(Exception):
    """No interpreter of the function's Python version to compile with: why not."""


@dataclass
class Compiled:
    """The bytecode of a package's modules, written under a scratch folder."""

    #: Each module's ``.pyc``: ``pkg/mod.py`` -> (``pkg/__pycache__/mod.cpython-312.pyc``, file).
    files: dict[str, tuple[str, Path]] = field(default_factory=dict)
    #: (archive name, error) of each module the function's Python cannot compile.
    failed: list[tuple[str, str]] = field(default_factory=list)


def interpreter_for(python: str) -> str | None:
    """A Python ``python`` ("3.12") interpreter: this one, or ``python3.12`` found here."""
    if python == f"{sys.version_info.major}.{sys.version_info.minor}":
        return sys.executable
    import shutil

    found = shutil.which(f"python{python}")
    if found is not None and _runs(found):
        return found  # pyenv's shim for a version not selected is on the PATH but fails
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    installed = Path(root, "versions").glob(f"{python}.*/bin/python{python}")
    for candidate in sorted(installed, key=_release, reverse=True):  # the newest first
        if _runs(str(candidate)):
            return str(candidate)
    return None


def _release(interpreter: Path) -> list[int]:
    """(3, 12, 1) for pyenv's ``versions/3.12.1/bin/python3.12``; a pre-release's last part -1."""
    return [int(part) if part.isdigit() else -1 for part in interpreter.parts[-3].split(".")]


def _runs(interpreter: str) -> bool:
    try:
        done = subprocess.run([interpreter, "-I", "-c", "pass"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def compile_modules(modules: Iterable[tuple[str, Path]], python: str, into: Path) -> Compiled:
    """Compile each ``(archive name, source)`` ``.py`` module for Python ``python`` into ``into``.

    NoInterpreter when there is no interpreter of that version here, or the
    one found is another version.
    """
    interpreter = interpreter_for(python)
    if interpreter is None:
        raise NoInterpreter(
            f"no Python {python} on this machine (python{python} on the PATH, or pyenv's)"
        )
    job = {
        "python": python,
        "into": str(into),
        "modules": [[name, str(source)] for name, source in modules if name.endswith(".py")],
    }
    done = subprocess.run(
        [interpreter, "-I", str(Path(__file__).resolve())],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise NoInterpreter(f"{interpreter} could not compile: {last}")
    report = json.loads(done.stdout)
    if report["python"] != python:
        raise NoInterpreter(f"{interpreter} is Python {report['python']}, not {python}")
    return Compiled(
        {name: (compiled, into / compiled) for name, compiled in report["written"]},
        [(name, error) for name, error in report["failed"]],
    )


def _compile_job(job: dict[str, Any]) -> dict[str, Any]:
    """The child's side: compile the job's modules with this interpreter (standard library only)."""
    import importlib.util
    import py_compile

    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    report: dict[str, Any] = {"python": python, "written": [], "failed": []}
    if job["python"] != python:
        return report  # the parent refuses bytecode of another version
    into = Path(job["into"])
    written: list[list[str]] = []
    failed: list[list[str]] = []
    for name, source in job["modules"]:
        # ``pkg/mod.py`` -> ``pkg/__pycache__/mod.cpython-312.pyc``: where this
        # version's import system looks for it, beside the source. Archive names
        # use "/" on every machine (on Windows the function joins with a backslash).
        compiled = Path(importlib.util.cache_from_source(name)).as_posix()
        try:
            py_compile.compile(
                source,
                cfile=str(into / compiled),
                dfile=name,  # the name in tracebacks until import sets the real path
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            )
        except py_compile.PyCompileError as exc:
            failed.append([name, exc.msg.strip().splitlines()[-1]])
        else:
            written.append([name, compiled])
    report["written"], report["failed"] = written, failed
    return report


if __name__ == "__main__":
    print(json.dumps(_compile_job(json.load(sys.stdin))))
