"""faas_bridge.handler: the app named by configuration, imported once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import faas_bridge
from faas_bridge import ConfigurationError, ConfiguredHandler
from faas_bridge.bridges.apps import configured_app, interface_of, load_app
from support.events import load_event, reply_body

APP_MODULE = """
IMPORTS = []
IMPORTS.append(1)

def _make(text):
    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [text.encode()]
    return wsgi

{attrs}
"""


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("cfgapp")]:
        del sys.modules[name]


def write_module(directory: Path, name: str, attrs: str) -> None:
    (directory / f"{name}.py").write_text(APP_MODULE.format(attrs=textwrap.dedent(attrs)))


EVENT = "aws-apigw-v2/get-with-query-and-cookies.json"


def test_module_and_attribute(module_dir: Path) -> None:
    write_module(module_dir, "cfgapp_a", 'main = _make("main")\napp = _make("app")')
    handler = ConfiguredHandler()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FAAS_BRIDGE_APP", "cfgapp_a:main")
        assert reply_body(handler(load_event(EVENT), None)) == b"main"


def test_bare_module_looks_for_app_then_application(module_dir: Path) -> None:
    write_module(module_dir, "cfgapp_b", 'application = _make("application")\napp = _make("app")')
    write_module(module_dir, "cfgapp_c", 'application = _make("application")')
    assert reply_body(faas_bridge.wrap(load_app("cfgapp_b"))(load_event(EVENT))) == b"app"
    assert reply_body(faas_bridge.wrap(load_app("cfgapp_c"))(load_event(EVENT))) == b"application"


def test_dotted_attribute(module_dir: Path) -> None:
    write_module(module_dir, "cfgapp_d", 'class holder:\n    inner = staticmethod(_make("inner"))')
    assert reply_body(faas_bridge.wrap(load_app("cfgapp_d:holder.inner"))(load_event(EVENT))) == (
        b"inner"
    )


def test_the_app_is_imported_once(module_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_module(module_dir, "cfgapp_e", 'app = _make("once")')
    monkeypatch.setenv("FAAS_BRIDGE_APP", "cfgapp_e")
    handler = ConfiguredHandler()
    for _ in range(3):
        assert reply_body(handler(load_event(EVENT), None)) == b"once"
    assert sys.modules["cfgapp_e"].IMPORTS == [1]
    assert handler.get() is handler.get()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("cfgapp_missing:app", "cannot import module 'cfgapp_missing'"),
        ("cfgapp_f:nope", "has no attribute 'nope'"),
        ("cfgapp_g", "has neither 'app' nor 'application'"),
        (":app", "no module named"),
    ],
)
def test_configuration_errors_name_the_fix(module_dir: Path, spec: str, message: str) -> None:
    write_module(module_dir, "cfgapp_f", 'app = _make("f")')
    write_module(module_dir, "cfgapp_g", "other = 1")
    with pytest.raises(ConfigurationError, match=message):
        load_app(spec)


def test_nothing_configured_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="FAAS_BRIDGE_APP"):
        configured_app({})


def test_import_errors_inside_the_app_are_not_hidden(module_dir: Path) -> None:
    (module_dir / "cfgapp_h.py").write_text("import cfgapp_dependency_missing\n")
    with pytest.raises(ModuleNotFoundError, match="cfgapp_dependency_missing"):
        load_app("cfgapp_h:app")


def test_django_settings_alone_name_the_wsgi_app() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "django_app"
    script = textwrap.dedent(
        """
        import json, os, sys
        import faas_bridge
        sys.path.insert(0, sys.argv[1])
        event = json.load(open(sys.argv[2]))
        event["rawPath"] = "/api/notes/"
        event["requestContext"]["http"]["path"] = "/api/notes/"
        reply = faas_bridge.handler(event, None)
        print(reply["statusCode"], type(faas_bridge.handler.__wrapped__.get().app).__name__)
        """
    )
    from support.events import event_path

    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "DJANGO_SQLITE_PATH": ":memory:",
    }
    import os

    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    result = subprocess.run(
        [sys.executable, "-c", script, str(examples), str(event_path(EVENT))],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "WSGIHandler"


def test_importing_faas_bridge_loads_no_pipeline() -> None:
    code = (
        "import sys, faas_bridge; "
        "print(sorted(m for m in sys.modules if m.startswith(('faas_bridge.', 'asyncio', "
        "'asgiref', 'yaml', 'logging'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_interface_detection() -> None:
    from support.echo_apps import asgi_app, flask_app, wsgi_app

    class ASGI2:
        def __init__(self, scope: Any) -> None: ...

    class WSGIClass:
        def __init__(self, environ: Any, start_response: Any) -> None: ...

    assert interface_of(flask_app) == "wsgi"
    assert interface_of(wsgi_app) == "wsgi"
    assert interface_of(asgi_app) == "asgi"
    assert interface_of(ASGI2) == "asgi"
    assert interface_of(WSGIClass) == "wsgi"
    with pytest.raises(ConfigurationError):
        interface_of(42)
