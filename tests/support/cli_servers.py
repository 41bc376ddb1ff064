"""Processes for the CLI tests: ``faas-bridge serve`` and real servers to compare it with.

Every process listens on 127.0.0.1, is started by the test that needs it (all
at once, then waited for), and is always stopped, SIGTERM first. A gateway is
started with ``--port 0`` and found by the URL its startup banner prints, so no
port is guessed. The real servers are the oracle tests' gunicorn and uvicorn
(``tests/support/real_servers.py``), serving ``support.cli_apps`` instead of ``support.echo_apps``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from support.real_servers import RealServer

SUPPORT_DIR = Path(__file__).resolve().parent
TESTS_DIR = SUPPORT_DIR.parent
REPO = TESTS_DIR.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_LISTENING = re.compile(r"listening\s+http://127\.0\.0\.1:(\d+)/")


def command_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI process: tests/ importable, no FAAS_BRIDGE_* leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_cli(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m faas_bridge ARGS`` run to its end: its status, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "faas_bridge", *args],
        cwd=cwd,
        env=command_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Gateway:
    """One ``python -m faas_bridge serve`` process."""

    name: str
    args: Sequence[str]
    cwd: Path = TESTS_DIR
    env: dict[str, str] = field(default_factory=command_env)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    out: Path | None = None
    err: Path | None = None

    def start(self, log_dir: Path) -> None:
        self.out = log_dir / f"gateway-{self.name}.out"
        self.err = log_dir / f"gateway-{self.name}.err"
        command = [sys.executable, "-m", "faas_bridge", "serve", *self.args, "--port", "0"]
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    def ready(self) -> bool:
        """Whether the banner has named the port (the socket listens before it is printed)."""
        found = _LISTENING.search(self.stderr())
        if found:
            self.port = int(found.group(1))
        return bool(found)

    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def stderr(self) -> str:
        return self.err.read_text(errors="replace") if self.err and self.err.exists() else ""

    def stdout(self) -> str:
        return self.out.read_text(errors="replace") if self.out and self.out.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
        return proc.returncode

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class CliAppsServer(RealServer):
    """The oracle's gunicorn/uvicorn process, serving ``support.cli_apps``, not ``echo_apps``."""

    def command(self) -> list[str]:
        command = super().command()
        return [*command[:-1], f"support.cli_apps:{self.app}"]


def start_all(gateways: Iterable[Gateway], reals: Iterable[RealServer], log_dir: Path) -> None:
    """Start every process at once, then wait (bounded) until each is ready."""
    gateways, reals = list(gateways), list(reals)
    for gateway in gateways:
        gateway.start(log_dir)
    for real in reals:
        real.start(log_dir)
    deadline = time.monotonic() + START_TIMEOUT
    pending: list[Gateway | RealServer] = [*gateways, *reals]
    while pending:
        for item in list(pending):
            if item.exited():
                output = item.stderr() if isinstance(item, Gateway) else item.output()
                raise RuntimeError(f"{item!r} exited:\n{output}")
            if item.ready():
                pending.remove(item)
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"not ready after {START_TIMEOUT:.0f} s: {pending!r}")
        time.sleep(0.05)


def stop_all(items: Iterable[Gateway | RealServer]) -> None:
    for item in items:
        item.stop()
