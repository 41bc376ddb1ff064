"""faas_bridge's runtime end to end: apps through wrap(app), and the shutdown Lambda performs.

The runtime process runs a handler module from ``functions/`` against the local
emulator. When the emulator ends the environment as Lambda does, the runtime's
internal extension is what earns it a SIGTERM: the shutdown hooks and the ASGI
lifespan shutdown run, once. Under awslambdaric, which registers no extension,
the same function is killed outright and its hook never runs: the gap this
runtime closes.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.runtime_events import http_api_event


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """Where the functions' shutdown hooks write, one line each (their ``SHUTDOWN_LOG``)."""
    return tmp_path / "shutdown.log"


@pytest.fixture
def start_logged(start_function: Any, log: Path) -> Callable[..., Any]:
    """``start_function`` with ``SHUTDOWN_LOG`` naming :func:`log`, and ``env`` beside it."""

    def start(client: str, handler: str, **env: str) -> Any:
        return start_function(client, handler, env={"SHUTDOWN_LOG": str(log), **env})

    return start


def test_flask_app_answers_then_its_shutdown_hook_runs_once(start_logged: Any, log: Path) -> None:
    emulator = start_logged("faas_bridge", "flask_function.handler")
    for name in ("ada", "grace"):
        reply = emulator.invoke(http_api_event(f"/hello/{name}", "q=1"))
        assert reply.outcome == "response", emulator.output()
        document = reply.json()
        assert document["statusCode"] == 200
        assert json.loads(document["body"]) == {"hello": name, "query": "1"}
    assert [e.name for e in emulator.extensions] == ["faas_bridge-shutdown"]
    assert emulator.extensions[0].events == ()  # internal: no SHUTDOWN subscription
    report = emulator.shutdown()
    assert report.signals == ("SIGTERM",), emulator.output()
    # faas_bridge's SIGTERM handler ran the hooks, then let the signal end the process.
    assert report.exit_code == -15
    assert report.seconds < report.limit == 0.5
    assert lines(log) == ["flask shutdown hook"]


def test_a_sigterm_during_an_invocation_waits_for_its_reply_to_be_posted(
    start_logged: Any, log: Path
) -> None:
    """faas_bridge's SIGTERM handling defers while the runtime is answering, posting included."""
    emulator = start_logged("faas_bridge", "flask_function.handler")
    pending = emulator.submit(http_api_event("/slow", "seconds=0.4"))
    time.sleep(0.15)  # the request is in the app now
    assert emulator.process is not None
    os.kill(emulator.process.pid, signal.SIGTERM)
    reply = pending.result(5)
    assert reply.outcome == "response", emulator.output()
    assert json.loads(reply.json()["body"]) == {"slow": True}
    assert emulator.process.wait(5) == -15
    assert lines(log) == ["flask shutdown hook"]


def test_starlette_lifespan_and_async_hook_run_once_at_shutdown(
    start_logged: Any, log: Path
) -> None:
    emulator = start_logged("faas_bridge", "starlette_function.handler")
    reply = emulator.invoke(http_api_event("/items/42"))
    assert reply.outcome == "response", emulator.output()
    assert json.loads(reply.json()["body"]) == {"item": "42", "greeting": "hi"}
    assert lines(log) == ["lifespan startup"]
    report = emulator.shutdown()
    assert report.signals == ("SIGTERM",)
    assert report.exit_code == -15
    # Hooks first (newest first), then the lifespan shutdown, as under uvicorn.
    assert lines(log) == ["lifespan startup", "starlette shutdown hook", "lifespan shutdown"]


def test_under_awslambdaric_the_same_function_is_killed_and_its_hook_never_runs(
    start_logged: Any, log: Path
) -> None:
    emulator = start_logged("awslambdaric", "flask_function.handler")
    assert emulator.invoke(http_api_event("/hello/ada")).json()["statusCode"] == 200
    assert emulator.extensions == []
    report = emulator.shutdown()
    assert report.signals == ("SIGKILL",)
    assert report.exit_code == -9
    assert lines(log) == []


def test_shutdown_extension_can_be_switched_off(start_logged: Any, log: Path) -> None:
    emulator = start_logged(
        "faas_bridge", "flask_function.handler", FAAS_BRIDGE_SHUTDOWN_EXTENSION="off"
    )
    assert emulator.invoke(http_api_event("/hello/ada")).json()["statusCode"] == 200
    assert emulator.extensions == []
    assert emulator.shutdown().signals == ("SIGKILL",)
    assert lines(log) == []


def test_a_hook_past_the_half_second_is_killed(start_logged: Any, log: Path) -> None:
    """Lambda gives a runtime with an internal extension 500 ms from SIGTERM to SIGKILL."""
    emulator = start_logged(
        "faas_bridge", "flask_function.handler", HOOK_SECONDS="5", SHUTDOWN_TIMEOUT="10"
    )
    report = emulator.shutdown()
    assert report.signals == ("SIGTERM", "SIGKILL")
    assert report.exit_code == -9
    assert 0.45 <= report.seconds < 2.0
    assert lines(log) == ["flask shutdown hook"]  # started, never finished


def test_lifespan_startup_failure_is_an_init_error(start_function: Any, tmp_path: Path) -> None:
    module = tmp_path / "failing_lifespan.py"
    module.write_text(
        "import contextlib\n"
        "from starlette.applications import Starlette\n"
        "from faas_bridge import wrap\n"
        "@contextlib.asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    raise ConnectionRefusedError('the database is down')\n"
        "    yield\n"
        "handler = wrap(Starlette(lifespan=lifespan), lifespan='on')\n"
    )
    emulator = start_function(
        "faas_bridge", "failing_lifespan.handler", task_root=tmp_path, wait=False
    )
    header, error = emulator.wait_init_error(30)
    # Starlette reports the failure as lifespan.startup.failed; wrap() raises it.
    assert (header, error["errorType"]) == ("LifespanFailure", "LifespanFailure")
    assert error["errorMessage"].startswith("lifespan startup failed: ")
    assert "ConnectionRefusedError: the database is down" in error["errorMessage"]
    assert emulator.process is not None and emulator.process.wait(10) == 1


@pytest.mark.parametrize("client", ["faas_bridge", "awslambdaric"])
def test_an_invocation_past_the_timeout_is_reported_as_timed_out(
    start_function: Any, client: str, tmp_path: Path
) -> None:
    module = tmp_path / "slow.py"
    module.write_text("import time\ndef handler(event, context):\n    time.sleep(event)\n")
    emulator = start_function(client, "slow.handler", timeout=0.3, task_root=tmp_path)
    reply = emulator.invoke(1.0)
    assert reply.outcome == "timeout"
    assert reply.error == {"errorMessage": "Task timed out after 0.30 seconds"}
