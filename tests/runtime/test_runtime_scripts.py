"""The scripts the package ships: the exec wrapper (managed runtimes) and the bootstrap (OS-only).

Each is started as Lambda starts it: the wrapper with the managed runtime's
command line (its interpreter, then a bootstrap path that must never run),
the bootstrap with no argument. That faas_bridge's loop runs is seen from the
emulator: its internal extension registers. ``FAAS_BRIDGE_WHEEL_TEST=1`` (or
CI's ``FAAS_BRIDGE_NETWORK_TESTS=1``) also builds the wheel, installs it with
``pip install --target`` (as a .zip deployment is made) and runs the wrapper
from there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import faas_bridge.runtime

SCRIPTS = Path(faas_bridge.runtime.__file__).resolve().parent
WRAPPER = SCRIPTS / "exec-wrapper"
BOOTSTRAP = SCRIPTS / "bootstrap"
REPOSITORY = SCRIPTS.parents[2]
FUNCTIONS = Path(__file__).resolve().parent / "functions"


@pytest.mark.parametrize("script", [WRAPPER, BOOTSTRAP])
def test_scripts_are_executable(script: Path) -> None:
    assert os.access(script, os.X_OK)
    assert script.read_text().startswith("#!/bin/sh\n")


def test_exec_wrapper_runs_our_loop_with_the_managed_interpreter(start_function: Any) -> None:
    # Lambda's managed runtime would run: <wrapper> <its python> <its bootstrap.py>.
    command = [str(WRAPPER), sys.executable, "/var/runtime/bootstrap.py"]
    emulator = start_function("faas_bridge", "where.handler", command=command)
    reply = emulator.invoke({})
    assert reply.outcome == "response", emulator.output()
    assert [e.name for e in emulator.extensions] == ["faas_bridge-shutdown"]
    document = reply.json()
    assert document["faas_bridge"] == str(SCRIPTS.parent / "__init__.py")
    assert document["path0"] == str(FUNCTIONS)  # LAMBDA_TASK_ROOT first, as on Lambda
    assert emulator.shutdown().signals == ("SIGTERM",)


def test_bootstrap_copied_to_the_task_root_imports_faas_bridge_from_there(
    start_function: Any, tmp_path: Path
) -> None:
    # A provided.al2023 .zip: bootstrap at its root, beside the faas_bridge package.
    shutil.copy2(BOOTSTRAP, tmp_path / "bootstrap")
    (tmp_path / "faas_bridge").symlink_to(SCRIPTS.parent)
    shutil.copy2(FUNCTIONS / "where.py", tmp_path / "where.py")
    emulator = start_function(
        "faas_bridge",
        "where.handler",
        command=[str(tmp_path / "bootstrap")],
        task_root=tmp_path,
        env={"FAAS_BRIDGE_PYTHON": sys.executable},
    )
    reply = emulator.invoke({})
    assert reply.outcome == "response", emulator.output()
    assert reply.json()["faas_bridge"] == str(tmp_path / "faas_bridge" / "__init__.py")
    assert [e.name for e in emulator.extensions] == ["faas_bridge-shutdown"]


@pytest.mark.skipif(
    os.environ.get("FAAS_BRIDGE_WHEEL_TEST") != "1"
    and os.environ.get("FAAS_BRIDGE_NETWORK_TESTS") != "1",
    reason="builds a wheel (hatchling from PyPI): FAAS_BRIDGE_WHEEL_TEST=1 or "
    "FAAS_BRIDGE_NETWORK_TESTS=1",
)
def test_wheel_installs_the_wrapper_executable(start_function: Any, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
        cwd=REPOSITORY,
        check=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("faas_bridge-*.whl"))
    target = tmp_path / "task"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-t", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    wrapper = target / "faas_bridge" / "runtime" / "exec-wrapper"
    assert os.access(wrapper, os.X_OK)
    shutil.copy2(FUNCTIONS / "where.py", target / "where.py")
    emulator = start_function(
        "faas_bridge",
        "where.handler",
        command=[str(wrapper), sys.executable, "/var/runtime/bootstrap.py"],
        task_root=target,
    )
    reply = emulator.invoke({})
    assert reply.json()["faas_bridge"] == str(target / "faas_bridge" / "__init__.py")
