"""The mutation list (``python -m mutation``) stays runnable: well-formed, aimed at real tests.

Running the mutants is CPU-heavy and not part of the default run; this only
checks the list itself, so that a renamed test file or a typo shows here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
#: The runtime core the mutants must cover (issue 23): http, the bridges, the
#: adapters, the handler, the lifecycle, the routing.
CORE = {
    "src/faas_bridge/http.py",
    "src/faas_bridge/bridges/wsgi.py",
    "src/faas_bridge/bridges/asgi.py",
    "src/faas_bridge/dispatch.py",
    "src/faas_bridge/lifecycle/hooks.py",
    "src/faas_bridge/routing/triggers.py",
    "src/faas_bridge/routing/commands.py",
    "src/faas_bridge/platforms/base.py",
}


def runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_runner", REPO / "mutation/__main__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_mutant_names_a_source_file_and_existing_tests() -> None:
    mutants = runner().load()
    assert len(mutants) >= 40
    for mutant in mutants:
        assert (REPO / mutant.file).is_file(), mutant.id
        assert mutant.file.startswith("src/faas_bridge/"), mutant.id
        assert mutant.tests, mutant.id
        for test in mutant.tests:
            assert (REPO / test.split("::")[0]).is_file(), (mutant.id, test)
        assert len(mutant.why) > 20, mutant.id
    assert {m.file for m in mutants} >= CORE
    assert any(m.file.startswith("src/faas_bridge/platforms/aws_") for m in mutants)


def test_a_snippet_found_twice_or_not_at_all_is_not_planted() -> None:
    module = runner()
    mutant = module.Mutant("m", "f.py", "x = 1", "x = 2", ("t",), "why")
    assert module.apply("a = 0\nx = 1\n", mutant) == "a = 0\nx = 2\n"
    assert module.apply("x = 1\nx = 1\n", mutant) is None
    assert module.apply("y = 1\n", mutant) is None
