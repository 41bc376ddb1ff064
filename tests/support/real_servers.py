"""Real servers for the oracle tests: gunicorn and uvicorn running the echo apps.

One server per (app, mount prefix), all started together once per session on
127.0.0.1 and always stopped at the end. A prefix is the path a gateway mounts
the app at (REST stage, HTTP API named stage, custom-domain base path):

* gunicorn gets ``SCRIPT_NAME=<prefix>`` in its environment and is sent the full
  path, prefix included; it moves the prefix from PATH_INFO into SCRIPT_NAME.
* uvicorn gets ``--root-path <prefix>`` and is sent the path with the prefix
  already stripped (as a proxy would); it puts the prefix back in front of
  ``path`` and ``raw_path``.

Both trust X-Forwarded-* headers from 127.0.0.1, so X-Forwarded-Proto: https
gives the scheme https (and X-Forwarded-For the client, under uvicorn).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]

#: The echo apps (names in tests/support/echo_apps.py) and the server each runs under.
APPS: dict[str, str] = {
    "flask_app": "gunicorn",
    "wsgi_app": "gunicorn",
    "asgi_app": "uvicorn",
}
#: Every mount prefix a test may need: none, REST stage, HTTP API stage, base path.
PREFIXES: tuple[str, ...] = ("", "/prod", "/v1stage", "/v1")

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass
class RealServer:
    """One running server process serving one echo app under one prefix."""

    app: str
    kind: str
    prefix: str
    port: int = 0
    #: The listening socket's descriptor, as the server process inherits it.
    fd: int = -1
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    attempts: int = field(default=0)

    def target_for(self, prefix: str, target: str) -> str:
        """The request-target to send for a client URL of ``prefix + target``."""
        assert prefix == self.prefix
        # gunicorn strips SCRIPT_NAME itself; uvicorn expects the proxy to have.
        return prefix + target if self.kind == "gunicorn" else target

    def command(self) -> list[str]:
        if self.kind == "gunicorn":
            return [
                sys.executable,
                "-m",
                "gunicorn",
                "--chdir",
                str(TESTS_DIR),
                "--bind",
                f"fd://{self.fd}",
                "--workers",
                "1",
                "--no-control-socket",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
                f"support.echo_apps:{self.app}",
            ]
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(TESTS_DIR),
            "--fd",
            str(self.fd),
            "--http",
            "h11",
            "--proxy-headers",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--lifespan",
            "on",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        if self.prefix:
            command += ["--root-path", self.prefix]
        return [*command, f"support.echo_apps:{self.app}"]

    def start(self, log_dir: Path) -> None:
        """Start the server on a socket bound here and handed over.

        Not on a port picked and let go first: a gateway started meanwhile on
        port 0 could be given the same one, and answer in the server's place.
        """
        self.attempts += 1
        env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "SCRIPT_NAME")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
        if self.kind == "gunicorn" and self.prefix:
            env["SCRIPT_NAME"] = self.prefix
        name = f"{self.kind}-{self.app}-{self.prefix.strip('/') or 'root'}-{self.attempts}.log"
        self.log = log_dir / name
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            self.port, self.fd = int(listener.getsockname()[1]), listener.fileno()
            with open(self.log, "wb") as out:
                self.proc = subprocess.Popen(
                    self.command(),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=TESTS_DIR,
                    env=env,
                    pass_fds=(self.fd,),
                )
        # Closed here: the server's copy is the only one left, so nothing queues
        # on the port once it has stopped.

    def ready(self) -> bool:
        """Whether the server answers an HTTP request (the app is loaded)."""
        target = self.target_for(self.prefix, "/")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", target, headers={"Host": "localhost"})
                response = conn.getresponse()
                response.read()
                return response.status == 200
            finally:
                conn.close()
        except OSError:
            return False

    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def start_real_servers(servers: list[RealServer], log_dir: Path) -> None:
    """Start every server at once, then wait (bounded) until each answers."""
    for server in servers:
        server.start(log_dir)
    pending = list(servers)
    deadline = time.monotonic() + START_TIMEOUT
    while pending:
        for server in list(pending):
            if server.exited():
                # A server that failed to start: one retry.
                if server.attempts >= 2:
                    raise RuntimeError(
                        f"{server.kind} for {server.app} (prefix {server.prefix!r}) exited:\n"
                        + server.output()
                    )
                server.start(log_dir)
            elif server.ready():
                pending.remove(server)
        if not pending:
            break
        if time.monotonic() > deadline:
            details = "\n".join(
                f"{s.kind} {s.app} {s.prefix!r} port {s.port}:\n{s.output()}" for s in pending
            )
            raise RuntimeError(f"servers not ready after {START_TIMEOUT:.0f}s:\n{details}")
        time.sleep(0.1)
