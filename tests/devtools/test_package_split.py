"""A two-function split through ``faas-bridge template`` and ``faas-bridge package``.

For every vendor whose archive carries its dependencies (AWS, Alibaba,
Tencent, Huawei), the generated file's code location is where ``package``
wrote the code, and that code, unpacked into an empty folder (or the folder
the vendor's tool uploads), answers the vendor's sample HTTP event in a fresh
interpreter without site-packages (``-I -S``), as each function: run with the
handler and the environment the generated file gives it. The catch-all
function answers the sample's path, the other says it does not own it.
Each generated file is also read by the vendor's own tool in
tests/devtools/test_template.py; here the code it names is checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from faas_bridge.devtools.cli import main
from support.events import load_event
from support.fresh_process import run_fresh
from support.split_project import ALIYUN_SPLIT, AZURE_PROBE, SPLIT, split_project
from support.tools import need_tool
from support.wheels import closure, repack

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
OLDER_PYTHON = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")

ANSWER = """
import importlib, json, os, sys
given = json.load(sys.stdin)
sys.path.insert(0, given["root"])
os.environ.update(given["environment"])
module, _, name = given["handler"].rpartition(".")
handler = getattr(importlib.import_module(module), name)
reply = handler(given["event"], None)
print(json.dumps({"reply": reply, "faas_bridge": sys.modules["faas_bridge"].__file__}))
"""


def _sam(files: dict[str, str], name: str) -> tuple[str, str, dict[str, str]]:
    resources = yaml.safe_load(files["template.yaml"])["Resources"]
    props = resources[name.capitalize() + "Function"]["Properties"]
    return props["CodeUri"], props["Handler"], props["Environment"]["Variables"]


def _aliyun(files: dict[str, str], name: str) -> tuple[str, str, dict[str, str]]:
    props = yaml.safe_load(files["s.yaml"])["resources"][name]["props"]
    return props["code"], props["handler"], props["environmentVariables"]


def _tencent(files: dict[str, str], name: str) -> tuple[str, str, dict[str, str]]:
    inputs = yaml.safe_load(files[f"tencent/{name}/serverless.yml"])["inputs"]
    # src is relative to the function's folder, as the CLI resolves it.
    return f"tencent/{name}/{inputs['src']}", inputs["handler"], inputs["environment"]["variables"]


def _huawei(files: dict[str, str], name: str) -> tuple[str, str, dict[str, str]]:
    function = yaml.safe_load(files["s.yaml"])["services"][name]["props"]["function"]
    return function["code"]["codeUri"], function["handler"], function["environmentVariables"]


Reader = Callable[[dict[str, str], str], tuple[str, str, dict[str, str]]]

#: platform: (template target, faas.yml, the vendor's HTTP sample, the generated file's reader)
VENDORS: dict[str, tuple[str, str, str, Reader]] = {
    "aws": ("sam", SPLIT, "aws-apigw-v2/get-root.json", _sam),
    "aliyun": ("aliyun", ALIYUN_SPLIT, "aliyun-fc3/http-trigger-request.json", _aliyun),
    "tencent": ("tencent", OLDER_PYTHON, "tencent-scf-apigw/integration-request.json", _tencent),
    "huawei": ("huawei", OLDER_PYTHON, "huawei-fg-apig/get-text-body.json", _huawei),
}


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """faas-bridge's own dependencies as wheels, from this machine's installs."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    for dist in closure(["asgiref", "pyyaml"]):
        repack(dist, folder)
    return folder


def _code_folder(root: Path, code: str, into: Path) -> Path:
    """The code a generated file names: a zip unpacked into an empty folder, or the folder."""
    path = (root / code).resolve()
    if path.is_dir():
        return path
    assert path.is_file(), f"{code}: nothing there after faas-bridge package"
    into.mkdir()
    with zipfile.ZipFile(path) as opened:
        opened.extractall(into)
    return into


@pytest.mark.parametrize("platform", list(VENDORS))
def test_the_split_packaged_answers_as_each_function_the_template_describes(
    platform: str,
    tmp_path: Path,
    wheelhouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    target, faas_yml, sample, read = VENDORS[platform]
    root = tmp_path / "shop"
    path = split_project(root, faas_yml)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    for name in list(os.environ):
        if name.startswith("FAAS_BRIDGE_"):
            monkeypatch.delenv(name)
    # The generated file first: the archive then holds it too, as a deploy would.
    assert main(["template", "--target", target, "--config", str(path)]) == 0
    command = ["package", "--platform", platform, "--python", PYTHON, "--config", str(path)]
    assert main([*command, "--find-links", str(wheelhouse)]) == 0
    capsys.readouterr()
    files = {
        p.relative_to(root).as_posix(): p.read_text()
        for p in root.rglob("*")
        if p.is_file() and p.suffix in {".yaml", ".yml"} and "dist" not in p.parts
    }

    replies = {}
    for function, own in (("web", "/pages/about"), ("api", "/api/items/7")):
        code, handler, variables = read(files, function)
        folder = _code_folder(root, code, tmp_path / f"unpacked-{function}")
        assert (folder / "shop.py").is_file() and (folder / "faas.yml").is_file()
        # The command secret is a reference the vendor resolves; a value of the test's here.
        environment = {
            key: "0" * 64 if key == "FAAS_BRIDGE_COMMAND_SECRET" else str(value)
            for key, value in variables.items()
        }
        assert environment["FAAS_BRIDGE_FUNCTION"] == function
        other = "/api/items/7" if function == "web" else "/pages/about"
        for asked in (own, other):
            found = run_fresh(
                ANSWER,
                {
                    "root": str(folder),
                    "handler": handler,
                    "environment": environment,
                    "event": _asking(load_event(sample), asked),
                },
                cwd=folder,
                flags=("-I", "-S"),
            )
            assert Path(found["faas_bridge"]).is_relative_to(folder)
            replies[function, asked] = found["reply"]

    for function, own, other in (
        ("web", "/pages/about", "/api/items/7"),
        ("api", "/api/items/7", "/pages/about"),
    ):
        reply = replies[function, own]
        status = "statusCode" if "statusCode" in reply else "status"
        assert reply[status] == 200, reply
        body = json.loads(_text(reply))
        assert body["function"] == function and body["path"] == own, body
        # A route the function does not own: faas_bridge's 404, in the vendor's format.
        refused = replies[function, other]
        assert refused[status] == 404, refused
        assert f"{function} does not serve" in _text(refused)


def _asking(event: dict[str, Any], path: str) -> dict[str, Any]:
    """The vendor's sample as a GET of ``path``, wherever the format keeps the two."""
    for key in ("rawPath", "path"):
        if key in event:
            event[key] = path
    context = event.get("requestContext", {})
    for where in (event, context):
        if "httpMethod" in where:
            where["httpMethod"] = "GET"
    if isinstance(context.get("http"), dict):
        context["http"]["path"] = path
        context["http"]["method"] = "GET"
    if "path" in context:
        context["path"] = path  # Tencent: the endpoint's configured path, here a literal one
    if "pathParameters" in event:
        event["pathParameters"] = {}
    return event


def _text(reply: dict[str, Any]) -> str:
    import base64

    body = reply.get("body", "")
    if reply.get("isBase64Encoded") or reply.get("isBase64"):
        return base64.b64decode(body).decode()
    return str(body)


def test_the_split_template_names_the_code_package_writes(tmp_path: Path) -> None:
    """Without packaging, every code path the templates name is missing: the check bites."""
    for platform, (target, faas_yml, _, read) in VENDORS.items():
        root = tmp_path / platform
        path = split_project(root, faas_yml)
        assert main(["template", "--target", target, "--config", str(path)]) == 0
        files = {
            p.relative_to(root).as_posix(): p.read_text()
            for p in root.rglob("*")
            if p.is_file() and p.suffix in {".yaml", ".yml"}
        }
        code, _, _ = read(files, "web")
        assert code.rstrip("/").endswith(
            f"dist/{platform}/function" + ("" if platform in {"tencent", "huawei"} else ".zip")
        ), code
        assert not (root / code).exists()


def test_the_serverless_framework_packages_the_split_with_the_real_archive(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """osls refuses a serverless.yml whose artifact is missing; ``package`` writes it."""
    osls = need_tool("osls", "npm install -g osls")
    root = tmp_path / "shop"
    path = split_project(root)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    assert main(["template", "--target", "serverless", "--config", str(path)]) == 0
    env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off")
    env = {k: v for k, v in env.items() if not k.startswith("FAAS_BRIDGE_")}

    def osls_package() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [osls, "package"], cwd=root, capture_output=True, text=True, env=env, timeout=300
        )

    missing = osls_package()
    assert missing.returncode != 0
    assert "Cannot access package artifact" in missing.stdout + missing.stderr
    command = ["package", "--platform", "aws", "--python", PYTHON, "--config", str(path)]
    assert main([*command, "--find-links", str(wheelhouse)]) == 0
    done = osls_package()
    assert done.returncode == 0, done.stdout + done.stderr
    compiled = json.loads(
        (root / ".serverless" / "cloudformation-template-update-stack.json").read_text()
    )
    keys = {
        resource["Properties"]["Code"]["S3Key"].rsplit("/", 1)[-1]
        for resource in compiled["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    assert keys == {"function.zip"}  # both functions deploy the one archive
    with zipfile.ZipFile(root / "dist" / "aws" / "function.zip") as opened:
        names = set(opened.namelist())
    assert {"shop.py", "faas.yml", "faas_bridge/__init__.py"} <= names


_GCP_PROBE = """
import json, sys
import functions_framework
sys.path.insert(0, ".")
app = functions_framework.create_app("handler", "main.py")
reply = app.test_client().get("/api/items/7")
print(json.dumps([reply.status_code, reply.get_data(as_text=True)]))
"""


@pytest.mark.parametrize(("platform", "probe"), [("azure", AZURE_PROBE), ("gcp", _GCP_PROBE)])
def test_azure_and_google_sources_packaged_are_read_by_their_libraries(
    platform: str, probe: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their archive holds the sources (the vendor installs requirements.txt): unpacked,
    azure-functions indexes function_app.py and functions-framework loads main.py."""
    root = tmp_path / "shop"
    path = split_project(root)
    assert main(["template", "--target", platform, "--config", str(path)]) == 0
    command = ["package", "--platform", platform, "--python", "3.12", "--config", str(path)]
    assert main(command) == 0  # nothing resolved: no pip, no index
    task = tmp_path / "unpacked"
    with zipfile.ZipFile(root / "dist" / platform / "function.zip") as opened:
        opened.extractall(task)
    entry = "function_app.py" if platform == "azure" else "main.py"
    for name in (entry, "requirements.txt", "shop.py", "faas.yml"):
        assert (task / name).is_file(), name
    assert not (task / "yaml").exists()  # dependencies are the vendor's build's
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}

    def run(**extra: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=task,
            capture_output=True,
            text=True,
            env={**env, **extra},
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    # main.py builds its handler once per process, as a Cloud Run instance: one each.
    found = (
        run() if platform == "azure" else {f: run(FAAS_BRIDGE_FUNCTION=f) for f in ("web", "api")}
    )
    if platform == "azure":
        assert found["functions"]["api_http_0"]["route"] == "api/items/{id}"
        status, body = found["replies"]["api_http_0"]
    else:
        assert found["web"][0] == 404 and "web does not serve" in found["web"][1]
        status, body = found["api"]
    assert status == 200
    assert json.loads(body)["path"] == "/api/items/7"
