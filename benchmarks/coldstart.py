"""Cold start, measured in fresh interpreters.

Import cost: ``python -c "import X"`` against ``python -c "pass"`` (wall time,
median of several runs, interleaved), the ``-X importtime`` cumulative time,
and which modules the import pulls in. First reply: the time from starting
the process to the first answered event, for Flask, Django and Starlette apps
behind each adapter (``benchmarks/_child.py`` does the child's side).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import adapters, apps

ROOT = Path(__file__).resolve().parents[1]

#: label -> the statement a fresh interpreter runs.
IMPORTS: dict[str, str] = {
    "bare interpreter": "pass",
    "import faas_bridge": "import faas_bridge",
    "faas_bridge.wrap (dispatch loaded)": "from faas_bridge import wrap",
    "import apig_wsgi": "import apig_wsgi",
    "import serverless_wsgi": "import serverless_wsgi",
    "import mangum": "import mangum",
    "import mangum, a2wsgi": "import mangum, a2wsgi",
}
_PACKAGE_OF = {
    "import apig_wsgi": "apig_wsgi",
    "import serverless_wsgi": "serverless_wsgi",
    "import mangum": "mangum",
    "import mangum, a2wsgi": "a2wsgi",
}

#: Modules that should not load until needed (they are slow to import).
WATCHED = ("asyncio", "yaml", "concurrent.futures", "email", "http.server", "uuid", "logging")

FIRST_REPLY_APPS = ("flask", "django-wsgi", "starlette")


@dataclass
class ImportResult:
    label: str
    wall_ms: list[float] = field(default_factory=list)
    importtime_ms: list[float] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)

    def added_to(self, bare: ImportResult) -> float | None:
        """Wall ms over the bare interpreter, paired by round (see :func:`paired_added`)."""
        return paired_added(self.wall_ms, bare.wall_ms)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "wall_ms_median": statistics.median(self.wall_ms) if self.wall_ms else None,
            "importtime_ms_median": (
                statistics.median(self.importtime_ms) if self.importtime_ms else None
            ),
            "wall_ms": self.wall_ms,
            "importtime_ms": self.importtime_ms,
            "modules": self.modules,
        }


def paired_added(mine: list[float], base: list[float]) -> float | None:
    """The median over rounds of ``mine`` minus ``base`` in the same round.

    Paired, as the timing ratios are: a slow spell of the machine lifts both
    runs of a round and cancels out, where a difference of medians keeps it.
    None when the runs do not pair up (a contender that failed).
    """
    if not mine or len(mine) != len(base):
        return None
    return statistics.median(a - b for a, b in zip(mine, base, strict=True))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # The warm-up runs write the bytecode caches, as pip's install-time compile
    # does for every package (the peers' included): a deployed function does
    # not compile its sources on each cold start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _wall(statement: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, env=_env(), cwd=ROOT)
    return (time.perf_counter() - began) * 1000


def _importtime(statement: str) -> dict[str, float]:
    """Top-level module -> cumulative import ms, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        check=True,
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    top: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if name.startswith("  ") or not cumulative.strip().isdigit():
            continue  # nested below another import, or the header line
        top[name.strip()] = int(cumulative) / 1000
    return top


def _modules(statement: str) -> list[str]:
    probe = (
        "import sys, json\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, env=_env(), cwd=ROOT, capture_output=True
    )
    modules: list[str] = json.loads(done.stdout)
    return modules


def _available(label: str) -> bool:
    from importlib.util import find_spec

    package = _PACKAGE_OF.get(label)
    return package is None or find_spec(package) is not None


def measure_imports(runs: int) -> list[ImportResult]:
    labels = [label for label in IMPORTS if _available(label)]
    results = {label: ImportResult(label) for label in labels}
    bare = set(_importtime("pass"))
    for label in labels:  # warm the bytecode caches
        _wall(IMPORTS[label])
    for r in range(runs):
        shift = r % len(labels)
        for label in [*labels[shift:], *labels[:shift]]:
            results[label].wall_ms.append(_wall(IMPORTS[label]))
            if label != "bare interpreter":
                top = _importtime(IMPORTS[label])
                results[label].importtime_ms.append(
                    sum(ms for name, ms in top.items() if name not in bare)
                )
    for label in labels:
        if label != "bare interpreter":
            results[label].modules = _modules(IMPORTS[label])
    return list(results.values())


def wrap_modules() -> list[str]:
    """Modules that building a handler for a WSGI app loads (after ``import faas_bridge``)."""
    return _modules(
        "import faas_bridge\n"
        "before = set(sys.modules)\n"
        "h = faas_bridge.wrap(lambda environ, start_response: [])\n"
    )


# -- first reply ---------------------------------------------------------------------


@dataclass
class FirstReply:
    app: str
    contender: str
    #: Ms from process start to the first reply, one per round.
    ms: list[float] = field(default_factory=list)
    #: Ms from the app imported to the first reply: the adapter's own cold start
    #: (importing and building it, and its first call), without the noise of
    #: starting an interpreter.
    after_app_ms: list[float] = field(default_factory=list)
    error: str | None = None

    def added_to(self, floor: FirstReply) -> float | None:
        """Ms over the floor's first reply, paired by round (see :func:`paired_added`)."""
        return paired_added(self.ms, floor.ms)

    def added_after_app(self, floor: FirstReply) -> float | None:
        """Ms over the floor from the app imported to the first reply, paired by round."""
        return paired_added(self.after_app_ms, floor.after_app_ms)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "contender": self.contender,
            "ms_median": statistics.median(self.ms) if self.ms else None,
            "ms": self.ms,
            "after_app_ms": self.after_app_ms,
            "error": self.error,
        }


def _setup(app_name: str, workdir: Path) -> Path:
    """The event and the floor's environ/scope for one app, as a JSON file."""
    from faas_bridge import wrap
    from faas_bridge.bridges.asgi import build_scope
    from faas_bridge.bridges.wsgi import build_environ

    from .events import COMMON

    event = COMMON["v2-get"].build()
    request = wrap(apps.load(app_name)).detect(event).decode(event, None)
    setup: dict[str, Any] = {"app": list(apps.APPS[app_name]), "event": event}
    if apps.interface(app_name) == "wsgi":
        setup["environ"] = {k: v for k, v in build_environ(request).items() if isinstance(v, str)}
    else:
        scope = build_scope(request)
        setup["scope"] = {
            "type": "http",
            "asgi": scope["asgi"],
            "http_version": scope["http_version"],
            "method": scope["method"],
            "scheme": scope["scheme"],
            "path": scope["path"],
            "raw_path": scope["raw_path"].decode("latin-1"),
            "query_string": scope["query_string"].decode("latin-1"),
            "root_path": scope["root_path"],
            "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            "client": scope["client"],
            "server": scope["server"],
        }
    path = workdir / f"{app_name}.json"
    path.write_text(json.dumps(setup), encoding="utf-8")
    return path


def _first_reply_once(app_name: str, contender: str, setup: Path) -> tuple[float, float]:
    """(ms from process start, ms from the app imported) to the first reply."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._child", "first-reply", app_name, contender, str(setup)],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if answer["status"] != 200:
        raise RuntimeError(f"status {answer['status']}")
    replied = float(answer["replied"])
    return (replied - began) * 1000, (replied - float(answer["app_loaded"])) * 1000


def measure_first_replies(app_names: list[str], runs: int) -> list[FirstReply]:
    results: list[FirstReply] = []
    with tempfile.TemporaryDirectory() as tmp:
        for app_name in app_names:
            setup = _setup(app_name, Path(tmp))
            names = [adapters.FLOOR, adapters.FAAS_BRIDGE]
            names += adapters.peer_names(apps.interface(app_name))
            row = {name: FirstReply(app_name, name) for name in names}
            for name in names:  # warm bytecode caches; drop contenders that fail
                try:
                    _first_reply_once(app_name, name, setup)
                except Exception as exc:
                    row[name].error = str(exc)
            live = [name for name in names if row[name].error is None]
            for r in range(runs):
                shift = r % len(live)
                for name in [*live[shift:], *live[:shift]]:
                    total, after_app = _first_reply_once(app_name, name, setup)
                    row[name].ms.append(total)
                    row[name].after_app_ms.append(after_app)
            results.extend(row.values())
    return results
