"""The import direction: a deployed invocation loads nothing of faas_bridge's dev tooling.

The runtime process imports ``faas_bridge.runtime``, a function module that
wraps an app with ``wrap()``, and answers a real HTTP event; the handler
then lists what ``sys.modules`` holds of the dev tooling (devtools, cli,
gateway, the faas.yml loader) and of yaml and werkzeug. The emulator runs in
this process, not in that one.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from support.runtime_events import http_api_event

FORBIDDEN = (
    "faas_bridge.devtools",
    "faas_bridge.devtools.cli",
    "faas_bridge.devtools.gateway",
    "faas_bridge.config",
    "yaml",
    "werkzeug",
)


@pytest.mark.parametrize("client", ["faas_bridge", "awslambdaric"])
def test_an_invocation_imports_no_dev_tooling(start_function: Any, client: str) -> None:
    emulator = start_function(
        client, "import_probe.handler", env={"FORBIDDEN_MODULES": ",".join(FORBIDDEN)}
    )
    reply = emulator.invoke(http_api_event("/anything"))
    assert reply.outcome == "response", emulator.output()
    document = reply.json()
    assert document["reply"]["statusCode"] == 200  # the app did answer
    # Under the managed loop (no exec wrapper) faas_bridge.runtime is never loaded.
    assert document["runtime"] is (client == "faas_bridge")
    assert document["forbidden"] == []


def test_importing_the_runtime_imports_no_dev_tooling() -> None:
    probe = (
        "import sys, faas_bridge.runtime, faas_bridge.runtime.loop\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
