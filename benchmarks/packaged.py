"""Cold start of a packaged function, with and without the bytecode ``faas-bridge package`` adds.

    python -m benchmarks.packaged [--rounds 15]

A function's code folder is read-only (Lambda's ``/var/task``): Python cannot
write the ``.pyc`` it compiles on import there, so a package without bytecode
is compiled anew at every cold start. Each app below is packaged twice for
this machine's Python (its dependencies resolved by pip from the package
index, as ``faas-bridge package`` resolves them), once as is and once with
``--no-compile``; each archive is unpacked, and fresh interpreters started on
it alternately (``-I -S``: nothing from this machine's site-packages; ``-B``:
no bytecode written, as on a read-only folder) import the handler and answer
one API Gateway event. Django's example migrates its SQLite database in
``/tmp`` at every cold start, as on Lambda: each start gets a new one. The
table gives the medians, from the first import to the reply.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from .events import COMMON

ROOT = Path(__file__).resolve().parents[1]
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

#: A WSGI app and its handler, nothing else: what faas_bridge's own modules cost.
HELLO = """\
from faas_bridge import wrap


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


handler = wrap(app)
"""

#: Run in the fresh interpreter: import the handler, answer the event, say how long it took.
CHILD = """
import json, sys, time
began = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from handler import handler
reply = handler(json.loads(sys.argv[2]), None)
print(json.dumps([time.perf_counter() - began, reply["statusCode"]]))
"""


def _projects(scratch: Path) -> dict[str, tuple[Path, str]]:
    """label -> (project, the path its first request asks for)."""
    hello = scratch / "hello"
    hello.mkdir()
    (hello / "handler.py").write_text(HELLO)
    (hello / "requirements.txt").write_text("")
    return {
        "faas_bridge alone (raw WSGI app)": (hello, "/"),
        "Flask (examples/flask_app)": (_example("flask_app", scratch), "/"),
        "Django (examples/django_app)": (_example("django_app", scratch), "/api/notes/"),
    }


def _example(name: str, scratch: Path) -> Path:
    import shutil

    ignore = shutil.ignore_patterns("__pycache__", "dist", "staticfiles", "*.sqlite3")
    return Path(shutil.copytree(ROOT / "examples" / name, scratch / name, ignore=ignore))


def _unpacked(project: Path, out: Path, bytecode: bool) -> Path:
    from faas_bridge.devtools.package import build

    result = build(project, "aws", out / "dist", python=PYTHON, bytecode=bytecode)
    if result.warnings:
        raise SystemExit("; ".join(result.warnings))
    (archive,) = result.archives
    task = out / "task"
    with zipfile.ZipFile(archive.path) as opened:
        opened.extractall(task)
    return task


def _first_reply_ms(task: Path, event: dict[str, Any], database: Path) -> float:
    env = dict(os.environ, DJANGO_SQLITE_PATH=str(database))
    database.unlink(missing_ok=True)  # Lambda's /tmp starts empty
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", CHILD, str(task), json.dumps(event)],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, status = json.loads(done.stdout)
    if status != 200:
        raise SystemExit(f"{task}: answered {status}")
    return float(seconds) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.packaged", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"Python {PYTHON}: ms from the handler's import to its first reply (medians)\n")
    print("| app | without bytecode | with bytecode | ratio |\n| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="faas-bridge-bench-") as temporary:
        scratch = Path(temporary)
        database = scratch / "notes.sqlite3"
        for index, (label, (project, path)) in enumerate(_projects(scratch).items()):
            tasks = {
                compiled: _unpacked(project, scratch / f"{index}-{compiled}", compiled)
                for compiled in (False, True)
            }
            # The main benchmark's HTTP API GET (a browser's headers), asking for ``path``.
            event = replace(COMMON["v2-get"], target=path).build()
            times: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(args.rounds):
                for compiled, task in tasks.items():
                    times[compiled].append(_first_reply_ms(task, event, database))
            without, with_ = (statistics.median(times[c]) for c in (False, True))
            print(f"| {label} | {without:.1f} | {with_:.1f} | {with_ / without:.2f} |", flush=True)


if __name__ == "__main__":
    main()
