"""The package's layering, read from its own source: imports run one way.

* ``faas_bridge.devtools`` (the CLI, the local gateway, emulators, packaging,
  templates) is never imported by the runtime: a deployed function carries
  none of it in memory or in its cold start.
* ``faas_bridge.runtime`` (the Lambda Runtime API loop) needs nothing but the
  standard library and the runtime core.
* No module imports, even inside a function, a module that imports it back:
  the import graph is acyclic, so each layer can be read without the next.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import faas_bridge

PACKAGE = Path(faas_bridge.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _owner(name: str) -> str | None:
    """The module of ours that ``name`` (a module or a name in one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Every faas_bridge module ``module`` imports, at the top or in a function,
    leaving out what is imported for type checking only."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{module}: relative import {ast.unparse(child)}"
                base = child.module or ""
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                    for alias in child.names
                ]
            else:
                visit(child)
                continue
            for target in targets:
                owner = _owner(target) if target.startswith("faas_bridge") else None
                if owner and owner != module:
                    found.add(owner)

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_the_graph_is_read() -> None:
    """The checks below would pass on an empty graph: make sure it is not one."""
    assert "faas_bridge.dispatch" in GRAPH
    assert "faas_bridge.bridges.wsgi" in GRAPH["faas_bridge.dispatch"]
    assert "faas_bridge.devtools.gateway" in GRAPH["faas_bridge.devtools.cli.serve"]


#: ``python -m faas_bridge`` is the command line: dev tooling's own entry point.
ENTRY_POINTS = {"faas_bridge.__main__"}


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if ".devtools" not in m and m not in ENTRY_POINTS)
)
def test_nothing_outside_devtools_imports_devtools(module: str) -> None:
    assert not {m for m in GRAPH[module] if m.startswith("faas_bridge.devtools")}


RUNTIME = sorted(m for m in MODULES if m.startswith("faas_bridge.runtime"))


@pytest.mark.parametrize("module", RUNTIME)
def test_the_lambda_runtime_needs_no_configuration_or_tooling(module: str) -> None:
    assert not {
        m
        for m in GRAPH[module]
        if m.startswith("faas_bridge.devtools") or m == "faas_bridge.config"
    }


def test_imports_form_no_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            walk(module)
    assert cycles == []


def _part(module: str) -> str:
    """The part of the package a module belongs to: ``platforms`` for any adapter,
    ``http`` for ``faas_bridge.http``; the package's own ``__init__`` is ``faas_bridge``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "faas_bridge"


def test_the_packages_import_one_way() -> None:
    """Part by part, too, the graph is acyclic: adapters, bridges, lifecycle and routing
    never reach up to the handler, the configuration or the package's entry points."""
    import graphlib

    parts: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        parts.setdefault(_part(module), set()).update(
            _part(t) for t in targets if _part(t) != _part(module)
        )
    order = list(graphlib.TopologicalSorter(parts).static_order())  # CycleError on a cycle
    # The layers the architecture names, each below the next.
    for lower, upper in [
        ("http", "platforms"),
        ("platforms", "dispatch"),
        ("bridges", "dispatch"),
        ("routing", "dispatch"),
        ("dispatch", "configured"),
        ("configured", "config"),
        ("config", "faas_bridge"),
        ("faas_bridge", "devtools"),
    ]:
        assert order.index(lower) < order.index(upper), (lower, upper)


# -- What a deployed invocation loads --------------------------------------------------

INVOKE = """
import json, sys
from faas_bridge import wrap

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

event = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
    "headers": {"host": "abc123.execute-api.eu-west-1.amazonaws.com"},
    "requestContext": {
        "domainName": "abc123.execute-api.eu-west-1.amazonaws.com", "stage": "$default",
        "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.7"},
    },
    "isBase64Encoded": False,
}
reply = wrap(app)(event, None)
print(json.dumps([reply["statusCode"], sorted(sys.modules)]))
"""


def invoked(code: str, cwd: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """(status, modules loaded), as ``code`` prints them in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, loaded = json.loads(done.stdout)
    return status, loaded


def test_an_invocation_loads_no_dev_tooling(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    status, loaded = invoked(INVOKE, tmp_path, env)  # no faas.yml in tmp_path
    assert status == 200
    assert "faas_bridge.bridges.wsgi" in loaded  # it did run the app through the bridge
    assert "faas_bridge.lifecycle.lifespan" not in loaded  # the ASGI lifespan, for ASGI apps only
    assert "faas_bridge.lifecycle.warmup" not in loaded  # pings are never HTTP requests
    unwanted = [
        name
        for name in loaded
        if name.startswith(("faas_bridge.devtools", "yaml", "werkzeug"))
        or name == "faas_bridge.config"
        or name in ("argparse", "faas_bridge.__main__")
    ]
    assert unwanted == []


#: INVOKE, then a request whose body is base64 and whose reply is binary.
INVOKE_BINARY = INVOKE.replace(
    "reply = wrap(app)(event, None)",
    """handler = wrap(app)
text_only = "faas_bridge.b64" not in sys.modules
binary = handler({**event, "body": "AAEC", "isBase64Encoded": True}, None)
reply = {"statusCode": [handler(event, None)["statusCode"], text_only,
                        binary["isBase64Encoded"], binary["body"]]}""",
).replace(
    'start_response("200 OK", [("Content-Type", "text/plain")])\n    return [b"ok"]',
    """body = environ["wsgi.input"].read()
    kind = "application/octet-stream" if body else "text/plain"
    start_response("200 OK", [("Content-Type", kind)])
    return [body[::-1] if body else b"ok"]""",
)


def test_text_requests_and_replies_load_no_base64(tmp_path: Path) -> None:
    """The base64 module is loaded by the first body that needs it, not on every cold start."""
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    status, loaded = invoked(INVOKE, tmp_path, env)  # a text request, a text reply
    assert status == 200
    assert "faas_bridge.b64" not in loaded
    (status, text_only, is_base64, body), loaded = invoked(INVOKE_BINARY, tmp_path, env)
    assert (status, text_only) == (200, True)
    assert (is_base64, body) == (True, "AgEA")  # b"\x00\x01\x02" reversed, in base64
    assert "faas_bridge.b64" in loaded


#: INVOKE, then a warm-up ping.
INVOKE_PING = INVOKE.replace(
    "reply = wrap(app)(event, None)",
    """handler = wrap(app)
first = handler(event, None)["statusCode"]
reply = {"statusCode": [first, handler({"source": "serverless-plugin-warmup"}, None)]}""",
)


def test_the_warm_up_matcher_is_made_by_the_first_event_no_adapter_claims(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    (status, ping_reply), loaded = invoked(INVOKE_PING, tmp_path, env)
    assert (status, ping_reply) == (200, {"faas_bridge": "warm"})
    assert "faas_bridge.lifecycle.warmup" in loaded


#: The same invocation of an ASGI app.
INVOKE_ASGI = INVOKE.replace(
    """def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]""",
    """async def app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})""",
)


def test_an_asgi_invocation_loads_no_wsgi_bridge(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    status, loaded = invoked(INVOKE_ASGI, tmp_path, env)
    assert status == 200
    assert "faas_bridge.bridges.asgi" in loaded
    assert "faas_bridge.bridges.wsgi" not in loaded
    # The deadline watch is the WSGI bridge's: an ASGI request is cancelled instead.
    assert "faas_bridge.bridges.wsgi_deadline" not in loaded


#: ``faas_bridge.handler`` for the app FAAS_BRIDGE_APP names: prints the status of
#: a request for /, and the modules loaded.
CONFIGURED = INVOKE.replace("from faas_bridge import wrap", "import faas_bridge").replace(
    "reply = wrap(app)(event, None)", "reply = faas_bridge.handler(event, None)"
)
#: Routes the configured function's requests to /only: a request for / is refused.
FAAS_YML = "app: configured_app:app\nfunctions:\n  web:\n    routes: [/only]\n"


def configured_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a function whose files are in ``tmp_path``: no FAAS_BRIDGE_*
    variable from this machine, only ``settings``; CONFIGURED written there."""
    (tmp_path / "configured_app.py").write_text(CONFIGURED)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")},
        "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), str(tmp_path)]),
        **settings,
    }


@pytest.mark.parametrize("with_file", [False, True])
def test_faas_bridge_handler_reads_faas_yml_only_when_there_is_one(
    tmp_path: Path, with_file: bool
) -> None:
    """Without a faas.yml, faas_bridge.handler loads neither the YAML reader nor
    the routing it may declare: several milliseconds of every cold start."""
    env = configured_env(tmp_path, FAAS_BRIDGE_APP="configured_app:app")
    if with_file:
        (tmp_path / "faas.yml").write_text(FAAS_YML)
        env["FAAS_BRIDGE_FUNCTION"] = "web"
    status, loaded = invoked("import configured_app", tmp_path, env)
    configuration = [
        name
        for name in loaded
        if name in ("faas_bridge.config", "yaml") or name.startswith("faas_bridge.routing")
    ]
    if with_file:
        assert status == 404  # the file's route table answered
        assert "faas_bridge.config" in configuration
        assert "yaml" in configuration
        # It lists no commands and routes no trigger: the modules that run
        # them are not loaded either.
        for name in ("commands", "triggers", "kinds", "surfaces"):
            assert f"faas_bridge.routing.{name}" not in configuration, name
        # Its records are written out (http.Record): none is generated at import.
        assert "dataclasses" not in loaded
    else:
        assert status == 200
        assert configuration == []


def test_a_function_with_trigger_routes_generates_no_records(tmp_path: Path) -> None:
    """Routing triggers loads their modules, whose records are written out too."""
    env = configured_env(tmp_path, FAAS_BRIDGE_FUNCTION="web")
    (tmp_path / "faas.yml").write_text(
        FAAS_YML + "    triggers:\n      - {type: aws.sqs, call: configured_app:app}\n"
    )
    status, loaded = invoked("import configured_app", tmp_path, env)
    assert status == 404  # the file's route table answered
    assert {"faas_bridge.routing.triggers", "faas_bridge.routing.kinds"} <= set(loaded)
    assert "faas_bridge.routing.surfaces" in loaded
    assert "dataclasses" not in loaded


#: Imports faas_bridge's Lambda runtime, noting the module of every named tuple made.
RUNTIME_RECORDS = """
import collections, json, sys
made = []
namedtuple = collections.namedtuple

def counted(name, *args, **kwargs):
    # typing.NamedTuple names the class's module; a direct call is its caller's.
    made.append(f"{kwargs.get('module') or sys._getframe(1).f_globals['__name__']}.{name}")
    return namedtuple(name, *args, **kwargs)

collections.namedtuple = counted
import faas_bridge.runtime.loop
print(json.dumps([made, sorted(sys.modules)]))
"""


def test_the_runtime_generates_no_named_tuples(tmp_path: Path) -> None:
    """A typing.NamedTuple costs a cold start 0.15-0.25 ms: the runtime writes its records out."""
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    made, loaded = invoked(RUNTIME_RECORDS, tmp_path, env)
    assert "faas_bridge.runtime.client" in loaded
    assert [name for name in made if name.startswith("faas_bridge")] == []
    assert made  # the standard library's are seen: the count works
