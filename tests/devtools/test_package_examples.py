"""``faas-bridge package`` on the Flask and Django examples: unpacked, they answer alone.

Each example is packaged by the command, for AWS Lambda with this machine's
own Python (its wheels fit this machine too), its archive unpacked into an
empty folder, and a fresh interpreter without site-packages (``-I -S``)
imports the handler from there and answers a sample API Gateway event with
the app's real answer. Nothing is fetched: pip resolves from a folder of
wheels repacked from the distributions installed here (``PIP_NO_INDEX``), so a
requirement the example forgot is an error, not a download.
``FAAS_BRIDGE_NETWORK_TESTS=1`` also resolves both examples from the package
index for Lambda's Python 3.12, and checks every wheel's tags.
"""

from __future__ import annotations

import base64
import os
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from faas_bridge.devtools.cli import main
from faas_bridge.devtools.package import build
from support.events import load_event
from support.fresh_process import run_fresh
from support.wheels import closure, repack

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

#: Imports the handler from the unpacked archive only, answers the event, and says where
#: each third-party module came from.
ANSWER = """
import importlib, json, sys
given = json.load(sys.stdin)
sys.path.insert(0, given["root"])
module, _, name = given["entry"].rpartition(".")
handler = getattr(importlib.import_module(module), name)
reply = handler(given["event"], None)
found = {top: getattr(sys.modules.get(top), "__file__", None) for top in given["modules"]}
print(json.dumps({"reply": reply, "modules": found}))
"""


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of what both examples and faas-bridge need, from this machine's installs."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    for dist in closure(["flask", "django", "whitenoise", "asgiref", "pyyaml"]):
        repack(dist, folder)
    return folder


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No package index, and no FAAS_BRIDGE_* or DJANGO_* setting of this process."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    for name in list(os.environ):
        if name.startswith(("FAAS_BRIDGE_", "DJANGO_")):
            monkeypatch.delenv(name)
    return monkeypatch


def _copy(name: str, into: Path) -> Path:
    ignore = shutil.ignore_patterns("*.sqlite3", "__pycache__", "dist", "staticfiles")
    return Path(shutil.copytree(EXAMPLES / name, into / name, ignore=ignore))


def _package(out: Path, wheelhouse: Path, *project: str) -> list[str]:
    """``faas-bridge package`` for Lambda with this Python, from the wheelhouse only."""
    command = ["package", "--platform", "aws", "--python", PYTHON, "--out", str(out)]
    return [*command, "--find-links", str(wheelhouse), *project]


def _unpack(archive: Path, into: Path) -> Path:
    into.mkdir()
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(into)
    return into


def _event(path: str) -> dict[str, Any]:
    """The project's API Gateway HTTP API sample, asking for ``path``."""
    event = load_event("aws-apigw-v2/get-root.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return event


def _answer(root: Path, entry: str, event: dict[str, Any], modules: list[str]) -> Any:
    found = run_fresh(
        ANSWER,
        {"root": str(root), "entry": entry, "event": event, "modules": modules},
        cwd=root,
        flags=("-I", "-S"),
    )
    for top, file in found["modules"].items():
        assert file is not None and Path(file).is_relative_to(root), (top, file)
    return found["reply"]


def _body(reply: dict[str, Any]) -> str:
    body = reply["body"]
    return base64.b64decode(body).decode() if reply.get("isBase64Encoded") else body


def test_the_flask_example_packaged_answers_from_its_archive_alone(
    tmp_path: Path, wheelhouse: Path, offline: pytest.MonkeyPatch, capsys: Any
) -> None:
    root = _copy("flask_app", tmp_path)
    offline.chdir(root)  # no faas.yml: the project is this folder, the app named
    out = tmp_path / "out"
    status = main(_package(out, wheelhouse, "--app", "app:app"))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "faas-bridge package: [2/5] resolving" in captured.err
    task = _unpack(out / "function.zip", tmp_path / "task")
    for name in ("app.py", "handler.py", "templates/index.html", "requirements.txt"):
        assert (task / name).is_file(), name
    assert (task / "flask" / "__init__.py").is_file()  # from the example's requirements.txt

    modules = ["faas_bridge", "flask", "werkzeug", "jinja2", "markupsafe", "app"]
    # The README's handler (handler.py), and the template's (faas_bridge.handler with
    # FAAS_BRIDGE_APP), each in a cold process of its own.
    reply = _answer(task, "handler.handler", _event("/api/notes"), modules)
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"] == "application/json"
    assert _body(reply).replace(" ", "").strip() == '{"count":0,"notes":[]}'
    offline.setenv("FAAS_BRIDGE_APP", "app:app")
    page = _answer(task, "faas_bridge.handler", _event("/"), modules)
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "<form" in _body(page)  # templates/index.html, rendered by Jinja from the archive


def test_the_django_example_packaged_answers_as_each_faas_yml_function(
    tmp_path: Path, wheelhouse: Path, offline: pytest.MonkeyPatch, capsys: Any
) -> None:
    root = _copy("django_app", tmp_path)
    out = tmp_path / "out"
    status = main(_package(out, wheelhouse, "--config", str(root / "faas.yml")))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    task = _unpack(out / "function.zip", tmp_path / "task")
    assert (task / "faas.yml").is_file() and (task / "manage.py").is_file()
    assert (task / "whitenoise" / "__init__.py").is_file()
    # What Lambda gives the function: the task root, a writable /tmp for SQLite (the
    # example migrates it on a cold start).
    offline.setenv("LAMBDA_TASK_ROOT", str(task))
    offline.setenv("DJANGO_SQLITE_PATH", str(tmp_path / "notes.sqlite3"))
    modules = ["faas_bridge", "django", "asgiref", "sqlparse", "whitenoise", "mysite", "notes"]

    offline.setenv("FAAS_BRIDGE_FUNCTION", "api")
    reply = _answer(task, "faas_bridge.handler", _event("/api/notes/"), modules)
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"] == "application/json"
    assert _body(reply).replace(" ", "") == '{"notes":[],"count":0}'
    # api does not own the pages: faas.yml's routes, read from the archive's faas.yml.
    refused = _answer(task, "faas_bridge.handler", _event("/notes/"), ["faas_bridge"])
    assert refused["statusCode"] == 404

    offline.setenv("FAAS_BRIDGE_FUNCTION", "web")
    page = _answer(task, "faas_bridge.handler", _event("/"), modules)
    assert page["statusCode"] == 302 and page["headers"]["Location"] == "/notes/"
    # The README's handler (handler.py): Django's WSGI application, every route.
    offline.delenv("FAAS_BRIDGE_FUNCTION")
    reply = _answer(task, "handler.handler", _event("/api/notes/"), modules)
    assert reply["statusCode"] == 200 and "count" in _body(reply)


@pytest.mark.skipif(
    os.environ.get("FAAS_BRIDGE_NETWORK_TESTS") != "1",
    reason="resolves both examples for Python 3.12 from the package index: "
    "set FAAS_BRIDGE_NETWORK_TESTS=1",
)
@pytest.mark.parametrize("example", ["flask_app", "django_app"])
def test_the_examples_resolve_from_the_index_for_lambdas_python(
    example: str, tmp_path: Path
) -> None:
    root = _copy(example, tmp_path)
    result = build(root, "aws", tmp_path / "out", python="3.12")
    assert result.requirements.source == "requirements.txt"
    installed = {name.lower().replace("_", "-"): tags for name, _, tags in result.installed}
    assert ("flask" if example == "flask_app" else "django") in installed
    for name, tags in installed.items():
        for tag in tags.split(","):
            python_tag, abi, platform = tag.split("-")
            assert python_tag in {"py3", "cp312"} and abi in {"none", "abi3", "cp312"}, name
            assert platform == "any" or platform.endswith("x86_64"), (name, tag)
