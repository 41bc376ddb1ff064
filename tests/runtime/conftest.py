"""A local Lambda (faas_bridge.devtools.lambda_emulator) running a runtime process of choice.

``start_function(client, handler)`` starts an emulator on 127.0.0.1 and the
runtime process against it: ``"faas_bridge"`` runs ``python -m
faas_bridge.runtime``, ``"awslambdaric"`` AWS's own client ``python -m
awslambdaric module.function``. The handlers live in ``functions/`` (the
task root). Every emulator, and its process, is stopped at the end of the test
(or of the module, for the module-scoped ones), by pid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from faas_bridge.devtools.lambda_emulator import LambdaEmulator

FUNCTIONS = Path(__file__).resolve().parent / "functions"

#: How each runtime client is started; awslambdaric takes the handler as its argument.
COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "faas_bridge": lambda handler: [sys.executable, "-m", "faas_bridge.runtime"],
    "awslambdaric": lambda handler: [sys.executable, "-m", "awslambdaric", handler],
}

StartFunction = Callable[..., LambdaEmulator]


def _starter(stack: list[LambdaEmulator]) -> StartFunction:
    def start(
        client: str,
        handler: str,
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 3.0,
        command: list[str] | None = None,
        task_root: Path = FUNCTIONS,
        wait: bool = True,
    ) -> LambdaEmulator:
        emulator = LambdaEmulator(timeout=timeout).start()
        stack.append(emulator)
        emulator.start_runtime(
            command or COMMANDS[client](handler), handler=handler, task_root=task_root, env=env
        )
        if wait:
            assert emulator.wait_ready(30), emulator.output()
        return emulator

    return start


def _closing_starter() -> Iterator[StartFunction]:
    """A starter for the fixture's scope; every emulator it started is closed at its end."""
    stack: list[LambdaEmulator] = []
    try:
        yield _starter(stack)
    finally:
        for emulator in stack:
            emulator.close()


@pytest.fixture
def start_function() -> Iterator[StartFunction]:
    yield from _closing_starter()


@pytest.fixture(scope="module")
def start_module_function() -> Iterator[StartFunction]:
    yield from _closing_starter()
