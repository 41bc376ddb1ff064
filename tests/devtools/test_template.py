"""``faas-bridge template``: every generated file checked by the vendor's own tool.

- AWS SAM: ``cfn-lint`` (which runs AWS's SAM translator, then checks the
  CloudFormation against AWS's resource schemas).
- Serverless Framework: the open-source framework's own ``package`` (npm
  ``osls``), offline; the CloudFormation it compiles then passes cfn-lint too.
- Azure: ``function_app.py`` imported and indexed by the real ``azure-functions``
  library, and one of its functions called with Azure's own HttpRequest.
- Google: ``main.py`` served by the real functions-framework on 127.0.0.1.
- Alibaba: Serverless Devs 3.x (npm ``@serverless-devs/s``) renders the s.yaml
  offline (``s preview``: edition, resources, magic variables); the fc3
  component's props are then checked against the fc3 schema's documented
  facts, since that schema ships only with the component in Serverless Devs'
  own registry, which CI cannot reach.
- Tencent: the Serverless Framework's components CLI (npm
  ``@serverless/components``, Tencent's ``sls``) loads each serverless.yml with
  its own loader and validator (``${env:}`` resolved, src resolved); the scf
  inputs are validated by Tencent's servers at deploy time, so here only
  against the component's documented YAML.
- Huawei: Serverless Devs 2.x's own parser (npm ``@serverless-devs/core``, the
  library of ``s`` 2.x, which reads edition 1.0.0 files) resolves every
  variable; the fgs component lives in Serverless Devs' registry, so its props
  are checked against its documented YAML.

The AWS facts asserted by hand, from AWS's documentation: a public Function
URL needs ``lambda:InvokeFunctionUrl`` with ``FunctionUrlAuthType: NONE`` and,
since October 2025, ``lambda:InvokeFunction`` with ``InvokedViaFunctionUrl``;
an HTTP API route ``/x/{proxy+}`` matches below ``/x`` but not ``/x`` itself.

External tools: cfn-lint is a dev dependency; osls, @serverless-devs/s,
@serverless-devs/core and @serverless/components are installed by CI
(``npm install -g``, pinned in .ci/run). Without one its tests are skipped,
unless ``FAAS_BRIDGE_REQUIRE_TOOLS=1`` (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from faas_bridge.config import load_config
from faas_bridge.devtools.cli import main
from faas_bridge.devtools.deploy import DeployError, load_project
from faas_bridge.devtools.templates import render, write
from support.split_project import ALIYUN_SPLIT, APP, AZURE_PROBE, SPLIT, split_project
from support.tools import missing, need_tool

REPO = Path(__file__).resolve().parents[2]
HEX_SECRET = re.compile(r"[0-9a-f]{32,}")


def need_npm_package(name: str) -> Path:
    """The folder of a globally installed npm package (``npm install -g NAME``)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing(f"node and npm are not installed (they run {name})")
    assert npm is not None
    root = subprocess.run(
        [npm, "root", "-g"], capture_output=True, text=True, check=False, timeout=60
    ).stdout.strip()
    folder = Path(root) / name
    if not root or not (folder / "package.json").is_file():
        missing(f"{name} is not installed (npm install -g {name}, as .ci/run does)")
    return folder


def run_node(script: str, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``node -e SCRIPT ARGS`` in ``cwd``, with no FAAS_BRIDGE_* but those in ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}
    environ.update(env)
    node = shutil.which("node")
    assert node is not None
    return subprocess.run(
        [node, "-e", script, "--", "probe", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def cfn_lint(path: Path, *ignore: str) -> subprocess.CompletedProcess[str]:
    command = [need_tool("cfn-lint", "pip install cfn-lint"), str(path)]
    for check in ignore:
        command += ["--ignore-checks", check]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def generate(faas_yml: Path, target: str) -> tuple[dict[str, str], Any]:
    project = load_project(faas_yml)
    rendered = render(project, target, faas_yml.parent)
    write(rendered, faas_yml.parent)
    return rendered.files, rendered


# -- the deploy section and the runtime -------------------------------------------------------


def test_the_runtime_reads_a_faas_yml_with_a_deploy_section(tmp_path: Path) -> None:
    path = split_project(tmp_path)
    config = load_config(path)
    assert list(config.functions) == ["web", "api"]
    assert config.app == "shop:app"


def test_a_mistake_in_the_deploy_section_names_its_line(tmp_path: Path) -> None:
    path = split_project(tmp_path, SPLIT.replace("      memory: 1024", "      memroy: 1024"))
    with pytest.raises(Exception) as caught:
        load_project(path)
    text = str(caught.value)
    line = SPLIT.splitlines().index("      memory: 1024") + 1
    assert f"faas.yml:{line}: deploy.functions.api.memroy: unknown key" in text
    assert "did you mean 'memory'?" in text


def test_a_schedule_without_its_expression_says_where_to_add_it(tmp_path: Path) -> None:
    text = SPLIT.replace("      triggers:\n        - schedule: cron(0 3 * * ? *)\n", "")
    path = split_project(tmp_path, text)
    with pytest.raises(DeployError, match=r"deploy\.functions\.web\.triggers\[0\]") as caught:
        render(load_project(path), "sam", tmp_path)
    assert "schedule" in str(caught.value)


def test_a_file_of_yours_is_not_overwritten(tmp_path: Path, capsys: Any) -> None:
    path = split_project(tmp_path)
    (tmp_path / "template.yaml").write_text("# mine\n")
    status = main(["template", "--target", "sam", "--config", str(path)])
    assert status == 2
    assert "template.yaml exists and was not generated by faas-bridge" in capsys.readouterr().err
    assert (tmp_path / "template.yaml").read_text() == "# mine\n"
    assert main(["template", "--target", "sam", "--config", str(path), "--force"]) == 0


# -- AWS SAM -----------------------------------------------------------------------------------


def test_sam_template_passes_cfn_lint_and_says_what_aws_documents(
    tmp_path: Path, capsys: Any
) -> None:
    path = split_project(tmp_path)
    assert main(["template", "--target", "sam", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "sam deploy --template-file template.yaml --stack-name shop-test --region eu-west-1" in out
    )
    assert "aws secretsmanager create-secret --region eu-west-1 --name shop/test/" in out
    template = tmp_path / "template.yaml"
    linted = cfn_lint(template)
    assert linted.returncode == 0, linted.stdout + linted.stderr

    data = yaml.safe_load(template.read_text())
    resources = data["Resources"]
    web = resources["WebFunction"]["Properties"]
    api = resources["ApiFunction"]["Properties"]
    assert web["Handler"] == api["Handler"] == "faas_bridge.handler"
    assert web["Environment"]["Variables"]["FAAS_BRIDGE_FUNCTION"] == "web"
    assert api["Environment"]["Variables"]["FAAS_BRIDGE_FUNCTION"] == "api"
    assert web["Environment"]["Variables"]["FAAS_BRIDGE_APP"] == "shop:app"
    # The command secret is a reference resolved by CloudFormation, never a value.
    secret = web["Environment"]["Variables"]["FAAS_BRIDGE_COMMAND_SECRET"]
    assert secret == "{{resolve:secretsmanager:shop/test/faas-bridge-command-secret}}"
    assert "FAAS_BRIDGE_COMMAND_SECRET" not in api["Environment"]["Variables"]  # no commands
    assert not HEX_SECRET.search(template.read_text())
    assert (api["MemorySize"], api["Timeout"]) == (1024, 10)
    assert (web["MemorySize"], web["Timeout"]) == (512, 29)

    routes = {
        (e["Properties"].get("Method"), e["Properties"].get("Path"))
        for fn in (web, api)
        for e in fn["Events"].values()
        if e["Type"] == "HttpApi"
    }
    # /pages/* is /pages and /pages/{proxy+}: {proxy+} alone does not match /pages.
    assert ("ANY", "/pages") in routes and ("ANY", "/pages/{proxy+}") in routes
    assert {("GET", "/api/items/{id}"), ("HEAD", "/api/items/{id}")} <= routes
    assert ("POST", "/api/items/{id}") in routes and ("PUT", "/api/items/{id}") not in routes
    catch_all = [
        e
        for e in web["Events"].values()
        if e["Type"] == "HttpApi" and not e.get("Properties", {}).get("Path")
    ]
    assert len(catch_all) == 1  # the $default route, to the catch-all function
    assert {"Type": "Schedule", "Properties": {"Schedule": "cron(0 3 * * ? *)"}} in web[
        "Events"
    ].values()
    sqs = [e["Properties"] for e in api["Events"].values() if e["Type"] == "SQS"]
    assert sqs == [
        {
            "Queue": {
                "Fn::Join": [
                    ":",
                    [
                        "arn",
                        {"Ref": "AWS::Partition"},
                        "sqs",
                        {"Ref": "AWS::Region"},
                        {"Ref": "AWS::AccountId"},
                        "orders",
                    ],
                ]
            },
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        }
    ]
    # The Function URL of api: both statements AWS requires for a public URL.
    url = resources["ApiFunctionUrl"]["Properties"]
    assert url["AuthType"] == "NONE" and url["InvokeMode"] == "RESPONSE_STREAM"
    # The managed Python loop cannot stream: faas_bridge's runtime takes over (README,
    # "Function settings"), and is told the integration streams.
    assert api["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == (
        "/var/task/faas_bridge/runtime/exec-wrapper"
    )
    assert api["Environment"]["Variables"]["FAAS_BRIDGE_RESPONSE_STREAM"] == "on"
    assert "AWS_LAMBDA_EXEC_WRAPPER" not in web["Environment"]["Variables"]
    permissions = [
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"
    ]
    assert {
        "FunctionName": {"Ref": "ApiFunction"},
        "Action": "lambda:InvokeFunctionUrl",
        "Principal": "*",
        "FunctionUrlAuthType": "NONE",
    } in permissions
    assert {
        "FunctionName": {"Ref": "ApiFunction"},
        "Action": "lambda:InvokeFunction",
        "Principal": "*",
        "InvokedViaFunctionUrl": True,
    } in permissions
    assert "WebFunctionUrl" not in resources  # web's http is api only


def test_response_stream_in_faas_yml_gives_a_streaming_url(tmp_path: Path) -> None:
    """faas.yml's response_stream option is enough: no deploy.stream needed, layer or not."""
    text = SPLIT.replace("      stream: true\n", "      layer: true\n").replace(
        "        call: shop:take\n",
        "        call: shop:take\n    options:\n      response_stream: true\n",
    )
    path = split_project(tmp_path, text)
    files, _ = generate(path, "sam")
    resources = yaml.safe_load(files["template.yaml"])["Resources"]
    assert resources["ApiFunctionUrl"]["Properties"]["InvokeMode"] == "RESPONSE_STREAM"
    variables = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    # Dependencies (faas_bridge among them) are in the layer, under /opt/python.
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/python/faas_bridge/runtime/exec-wrapper"
    linted = cfn_lint(tmp_path / "template.yaml")
    assert linted.returncode == 0, linted.stdout
    without = split_project(tmp_path / "plain", SPLIT.replace("      stream: true\n", ""))
    files, _ = generate(without, "sam")
    url = yaml.safe_load(files["template.yaml"])["Resources"]["ApiFunctionUrl"]
    assert url["Properties"]["InvokeMode"] == "BUFFERED"


def test_cfn_lint_refuses_a_broken_template(tmp_path: Path) -> None:
    """The oracle is alive: the same template with one wrong value fails it."""
    path = split_project(tmp_path)
    files, _ = generate(path, "sam")
    broken = files["template.yaml"].replace("InvokeMode: RESPONSE_STREAM", "InvokeMode: STREAM")
    (tmp_path / "broken.yaml").write_text(broken)
    assert cfn_lint(tmp_path / "broken.yaml").returncode != 0


def _django_example(root: Path) -> Path:
    shutil.copytree(
        REPO / "examples" / "django_app", root, ignore=shutil.ignore_patterns("*.sqlite3")
    )
    path = root / "faas.yml"
    path.write_text(
        path.read_text()
        + textwrap.dedent(
            """
            deploy:
              name: notes
              functions:
                web:
                  triggers:
                    - schedule: cron(0 3 * * ? *)
            """
        )
    )
    return path


def test_sam_for_the_django_example_and_the_flask_example(tmp_path: Path) -> None:
    path = _django_example(tmp_path / "django")
    generate(path, "sam")
    linted = cfn_lint(tmp_path / "django" / "template.yaml")
    assert linted.returncode == 0, linted.stdout
    data = yaml.safe_load((tmp_path / "django" / "template.yaml").read_text())
    queue = data["Resources"]["ApiFunctionQueue0"]["Properties"]
    # No queue named in faas.yml: the template makes one, its visibility timeout
    # above the function's timeout (SQS event sources require it).
    assert queue["VisibilityTimeout"] >= data["Resources"]["ApiFunction"]["Properties"]["Timeout"]

    flask = tmp_path / "flask"
    shutil.copytree(REPO / "examples" / "flask_app", flask)
    project = load_project(None, app="app:app", name="notes-flask")
    rendered = render(project, "sam", flask)
    (flask / "template.yaml").write_text(rendered.files["template.yaml"])
    assert cfn_lint(flask / "template.yaml").returncode == 0
    function = yaml.safe_load(rendered.files["template.yaml"])["Resources"]["NotesFlaskFunction"]
    events = function["Properties"]["Events"]
    assert list(events) == ["CatchAll"]  # one function: every route, the $default route
    assert function["Properties"]["Environment"]["Variables"]["FAAS_BRIDGE_APP"] == "app:app"


# -- Serverless Framework (osls) ---------------------------------------------------------------


def test_serverless_yml_is_packaged_by_the_framework(tmp_path: Path) -> None:
    osls = need_tool("osls", "npm install -g osls")
    path = split_project(tmp_path)
    files, _ = generate(path, "serverless")
    assert not HEX_SECRET.search(files["serverless.yml"])
    artifact = tmp_path / "dist" / "aws" / "function.zip"
    artifact.parent.mkdir(parents=True)
    with zipfile.ZipFile(artifact, "w") as archive:
        archive.writestr("shop.py", APP)
    env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off")
    done = subprocess.run(
        [osls, "package"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    compiled = tmp_path / ".serverless" / "cloudformation-template-update-stack.json"
    # W3005 (a DependsOn the framework writes beside a Ref) is the framework's own style.
    linted = cfn_lint(compiled, "W3005")
    assert linted.returncode == 0, linted.stdout

    resources = json.loads(compiled.read_text())["Resources"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        by_type.setdefault(resource["Type"], []).append(resource["Properties"])
    api_arn = {"Fn::GetAtt": ["ApiLambdaFunction", "Arn"]}
    permissions = by_type["AWS::Lambda::Permission"]
    assert {
        "FunctionName": api_arn,
        "Action": "lambda:InvokeFunctionUrl",
        "Principal": "*",
        "FunctionUrlAuthType": "NONE",
    } in permissions
    assert {
        "FunctionName": api_arn,
        "Action": "lambda:InvokeFunction",
        "Principal": "*",
        "InvokedViaFunctionUrl": True,
    } in permissions
    (url,) = by_type["AWS::Lambda::Url"]
    assert url["InvokeMode"] == "RESPONSE_STREAM"
    route_keys = {route["RouteKey"] for route in by_type["AWS::ApiGatewayV2::Route"]}
    assert {"GET /api/items/{id}", "POST /api/items/{id}", "ANY /pages/{proxy+}"} <= route_keys
    assert "$default" in route_keys
    (rule,) = by_type["AWS::Events::Rule"]
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    (mapping,) = by_type["AWS::Lambda::EventSourceMapping"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    functions = {
        props["Environment"]["Variables"]["FAAS_BRIDGE_FUNCTION"]: props
        for props in by_type["AWS::Lambda::Function"]
    }
    assert functions["api"]["MemorySize"] == 1024
    assert functions["api"]["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == (
        "/var/task/faas_bridge/runtime/exec-wrapper"
    )
    assert functions["web"]["Handler"] == "faas_bridge.handler"


# -- Azure -------------------------------------------------------------------------------------


def test_azure_function_app_is_indexed_and_answers(tmp_path: Path) -> None:
    path = split_project(tmp_path)
    files, rendered = generate(path, "azure")
    assert sorted(files) == ["function_app.py", "host.json", "requirements.txt"]
    host = json.loads(files["host.json"])
    assert host["extensions"]["http"]["routePrefix"] == "api"
    assert host["functionTimeout"] == "00:00:29"  # the longest of the functions' timeouts
    assert "azure-functions" in files["requirements.txt"].split()
    assert "faas-bridge" in files["requirements.txt"].split()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}
    done = subprocess.run(
        [sys.executable, "-c", AZURE_PROBE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    functions = found["functions"]
    assert functions["web_http_1"]["route"] == "pages/{*rest}"
    assert functions["api_http_0"] == {
        "type": "httpTrigger",
        "route": "api/items/{id}",
        "methods": ["GET", "HEAD", "POST"],
    }
    assert functions["web_http_0"]["route"] == ""  # faas.yml's "/"
    assert functions["web_http_2"]["route"] == "{*rest}"  # the catch-all function
    status, body = found["replies"]["api_http_0"]
    assert status == 200
    assert json.loads(body) == {
        "function": "",  # the process's own variable; the handler got its name from faas.yml
        "path": "/api/items/7",
        "script_name": "/api",
    }
    # The catch-all (web) is asked for api's route: faas_bridge answers it does not own it.
    status, body = found["replies"]["web_http_2"]
    assert status == 404 and "web does not serve GET /api/items/7" in body
    assert any("aws.events.scheduled" in note and "azure.timer" in note for note in rendered.notes)


# -- Google ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gcp_main_is_served_by_functions_framework(tmp_path: Path, capsys: Any) -> None:
    path = split_project(tmp_path)
    assert main(["template", "--target", "gcp", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "gcloud functions deploy shop-api --gen2 --runtime python312 --region eu-west-1 "
        "--source . --memory 1024Mi --timeout 10s --set-env-vars "
        "FAAS_BRIDGE_FUNCTION=api,FAAS_BRIDGE_APP=shop:app --entry-point handler "
        "--trigger-http --allow-unauthenticated"
    ) in out
    assert (
        "--set-secrets FAAS_BRIDGE_COMMAND_SECRET=shop-test-faas-bridge-command-secret:latest"
        in out
    )
    framework = shutil.which("functions-framework")
    assert framework is not None
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}
    env["FAAS_BRIDGE_FUNCTION"] = "api"
    server = subprocess.Popen(
        [
            framework,
            "--target",
            "handler",
            "--source",
            "main.py",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/items/7", timeout=5) as reply:
                    status, body = reply.status, reply.read()
                break
            except (ConnectionError, urllib.error.URLError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert status == 200
        assert json.loads(body)["path"] == "/api/items/7"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/pages/about", timeout=5)
        assert refused.value.code == 404  # api does not own /pages/*
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        assert server.stderr is not None
        server.stderr.close()


# -- Alibaba, Tencent, Huawei: their own loaders, then their documented YAML ---------------


def test_aliyun_s_yaml_has_the_fc3_components_documented_keys(tmp_path: Path) -> None:
    path = split_project(tmp_path, ALIYUN_SPLIT.replace("region: eu-west-1", "region: cn-hangzhou"))
    files, rendered = generate(path, "aliyun")
    data = yaml.safe_load(files["s.yaml"])
    assert data["edition"] == "3.0.0" and data["vars"] == {"region": "cn-hangzhou"}
    web = data["resources"]["web"]
    assert web["component"] == "fc3"
    props = web["props"]
    assert props["handler"] == "faas_bridge.handler" and props["runtime"] == "python3.10"
    assert props["code"] == "dist/aliyun/function.zip"
    assert props["environmentVariables"]["FAAS_BRIDGE_COMMAND_SECRET"] == (
        "${env('FAAS_BRIDGE_COMMAND_SECRET')}"
    )
    http, timer = props["triggers"]
    assert http["triggerType"] == "http" and http["triggerConfig"]["authType"] == "anonymous"
    assert timer["triggerType"] == "timer"
    assert timer["triggerConfig"]["cronExpression"] == "CRON_TZ=Asia/Shanghai 0 0 3 * * *"
    api_methods = data["resources"]["api"]["props"]["triggers"][0]["triggerConfig"]["methods"]
    assert api_methods == ["GET", "HEAD", "POST"]
    assert any("aws.sqs" in note and "aliyun.mns" in note for note in rendered.notes)
    assert rendered.commands[-2:] == ["s deploy -y", "s info   # each function's HTTP trigger URL"]


def test_tencent_and_huawei_files_follow_their_documented_yaml(tmp_path: Path) -> None:
    text = SPLIT.replace("      memory: 1024", "      memory: 1024\n      python: '3.10'")
    text = text.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    path = split_project(tmp_path, text.replace("region: eu-west-1", "region: ap-guangzhou"))
    files, _ = generate(path, "tencent")
    # In tencent/, not beside faas.yml: the CLI merges a parent folder's serverless file.
    assert sorted(files) == ["tencent/api/serverless.yml", "tencent/web/serverless.yml"]
    api = yaml.safe_load(files["tencent/api/serverless.yml"])
    assert api["component"] == "scf" and api["app"] == "shop" and api["stage"] == "test"
    inputs = api["inputs"]
    # The unpacked archive, from the function's folder: the CLI uploads a folder's files.
    assert inputs["src"] == "../../dist/tencent/function"
    assert inputs["runtime"] == "Python3.10" and inputs["handler"] == "faas_bridge.handler"
    assert inputs["environment"]["variables"]["FAAS_BRIDGE_FUNCTION"] == "api"
    endpoints = inputs["events"][0]["apigw"]["parameters"]["endpoints"]
    assert {
        "path": "/api/items/{id}",
        "method": "POST",
        "function": {"isIntegratedResponse": True},
    } in endpoints
    web = yaml.safe_load(files["tencent/web/serverless.yml"])
    assert web["inputs"]["environment"]["variables"]["FAAS_BRIDGE_COMMAND_SECRET"] == (
        "${env:FAAS_BRIDGE_COMMAND_SECRET}"
    )

    files, _ = generate(path, "huawei")
    data = yaml.safe_load(files["s.yaml"])
    assert data["edition"] == "1.0.0"
    service = data["services"]["api"]
    assert service["component"] == "fgs"
    function = service["props"]["function"]
    assert function["handler"] == "faas_bridge.handler" and function["runtime"] == "Python3.10"
    assert function["code"] == {"codeUri": "dist/huawei/function"}  # fgs zips a folder
    assert service["props"]["trigger"]["triggerTypeCode"] == "APIG"
    assert service["props"]["trigger"]["eventData"]["auth"] == "NONE"


def _preview(s: str, root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``s preview -o json``: Serverless Devs renders s.yaml as it would deploy it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAAS_BRIDGE_")}
    environ.update(env, HOME=str(root / "home"))  # s keeps its settings and logs there
    return subprocess.run(
        [s, "preview", "-o", "json"],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


#: What the fc3 component's schema (Serverless Devs' fc3, IProps) documents.
FC3_TRIGGER_TYPES = {"http", "timer", "oss", "log", "mns_topic", "cdn_events", "tablestore"}
FC3_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def test_aliyun_s_yaml_is_rendered_by_serverless_devs(tmp_path: Path) -> None:
    s = need_tool("s", "npm install -g @serverless-devs/s@3")
    path = split_project(tmp_path, ALIYUN_SPLIT.replace("region: eu-west-1", "region: cn-hangzhou"))
    generate(path, "aliyun")
    done = _preview(s, tmp_path, FAAS_BRIDGE_COMMAND_SECRET="from-the-deployer")
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout[done.stdout.index("{") :]
    assert "${" not in text  # every variable resolved, as s deploy resolves them
    data = json.loads(text)
    assert data["edition"] == "3.0.0"
    web = data["resources"]["web"]["props"]
    assert web["region"] == "cn-hangzhou"  # ${vars.region}
    # ${env('...')}: the deployer's variable, read at deploy time.
    assert web["environmentVariables"]["FAAS_BRIDGE_COMMAND_SECRET"] == "from-the-deployer"
    for name, resource in data["resources"].items():
        assert resource["component"] == "fc3"
        props = resource["props"]
        # fc3's schema: these five are required of a function with a built-in runtime.
        assert {"region", "functionName", "runtime", "code", "handler"} <= set(props), name
        assert props["runtime"] in {"python3.9", "python3.10"}
        assert props["memorySize"] % 64 == 0 and 128 <= props["memorySize"] <= 32768
        assert isinstance(props["timeout"], int) and 1 <= props["timeout"] <= 86400
        assert all(isinstance(v, str) for v in props["environmentVariables"].values())
        for trigger in props["triggers"]:
            assert {"triggerName", "triggerType", "triggerConfig"} <= set(trigger)
            assert trigger["triggerType"] in FC3_TRIGGER_TYPES
            config = trigger["triggerConfig"]
            if trigger["triggerType"] == "http":
                assert config["authType"] in {"anonymous", "function"}
                assert set(config["methods"]) <= FC3_METHODS
            if trigger["triggerType"] == "timer":
                assert isinstance(config["cronExpression"], str)
                assert isinstance(config["enable"], bool)


def test_serverless_devs_stops_when_the_secret_is_not_exported(tmp_path: Path) -> None:
    """The oracle is alive, and the deploy command fails before deploying without the secret."""
    s = need_tool("s", "npm install -g @serverless-devs/s@3")
    path = split_project(tmp_path, ALIYUN_SPLIT.replace("region: eu-west-1", "region: cn-hangzhou"))
    generate(path, "aliyun")
    done = _preview(s, tmp_path)
    assert done.returncode != 0
    assert "FAAS_BRIDGE_COMMAND_SECRET" in done.stdout + done.stderr


def test_sizes_each_vendor_refuses_are_refused_before_deploying(tmp_path: Path) -> None:
    text = ALIYUN_SPLIT.replace("      memory: 1024", "      memory: 1000")
    path = split_project(tmp_path / "aliyun", text)
    # fc3: memorySize 128..32768 in steps of 64.
    with pytest.raises(DeployError, match=r"no memory of 1000 MB \(128 to 32768 MB in steps of 64"):
        render(load_project(path), "aliyun", tmp_path)
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    path = split_project(tmp_path / "huawei", text.replace("timeout: 10", "timeout: 901"))
    # fgs: timeout 3..900 s.
    with pytest.raises(DeployError, match=r"no timeout of 901 s \(from 3 to 900 s\)"):
        render(load_project(path), "huawei", tmp_path)
    path = split_project(tmp_path / "huawei2", text.replace("memory: 1024", "memory: 1000"))
    with pytest.raises(DeployError, match=r"no memory of 1000 MB \(one of 128, 256, 512"):
        render(load_project(path), "huawei", tmp_path)


_TENCENT_LOAD = """
const path = require("path");
const components = process.env.COMPONENTS;
const { loadInstanceConfig } = require(path.join(components, "src/cli/commands-cn/utils"));
const client = require.resolve("@serverless/platform-client-china", { paths: [components] });
const { ServerlessSDK } = require(client);
loadInstanceConfig(process.cwd(), "deploy")
  .then((instance) => console.log(JSON.stringify(new ServerlessSDK({}).validateInstance(instance))))
  .catch((error) => { console.error(error.message); process.exit(1); });
"""


def test_tencent_files_are_read_by_the_frameworks_own_loader(tmp_path: Path) -> None:
    """What ``sls deploy`` does before it uploads: load, resolve ${env:}, validate the instance."""
    components = need_npm_package("@serverless/components")
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    path = split_project(tmp_path, text.replace("region: eu-west-1", "region: ap-guangzhou"))
    generate(path, "tencent")
    found = {}
    for name in ("web", "api"):
        done = run_node(
            _TENCENT_LOAD,
            tmp_path / "tencent" / name,
            "--org",
            "1250000000",  # the CLI asks Tencent for the account's org unless given
            COMPONENTS=str(components),
            FAAS_BRIDGE_COMMAND_SECRET="from-the-deployer",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        found[name] = json.loads(done.stdout.strip().splitlines()[-1])
    web, api = found["web"], found["api"]
    assert (web["componentName"], web["instanceName"]) == ("scf", "web")
    assert (web["appName"], web["stageName"], api["appName"]) == ("shop", "test", "shop")
    variables = web["inputs"]["environment"]["variables"]
    assert variables["FAAS_BRIDGE_COMMAND_SECRET"] == "from-the-deployer"  # ${env:...}
    assert "FAAS_BRIDGE_COMMAND_SECRET" not in api["inputs"]["environment"]["variables"]
    # src, resolved by the CLI from each folder, is where `faas-bridge package` lays out
    # the archive's files (the CLI uploads what it finds under src: a folder).
    for instance in (web, api):
        assert instance["inputs"]["src"] == str(tmp_path / "dist" / "tencent" / "function")
        assert instance["inputs"]["runtime"] == "Python3.10"
        assert instance["inputs"]["region"] == "ap-guangzhou"


def test_tencents_loader_refuses_a_file_without_its_component(tmp_path: Path) -> None:
    """The oracle is alive: the same loader fails a serverless.yml that lost a required key."""
    components = need_npm_package("@serverless/components")
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    generate(split_project(tmp_path, text), "tencent")
    yml = tmp_path / "tencent" / "web" / "serverless.yml"
    yml.write_text(yml.read_text().replace("component: scf\n", ""))
    done = run_node(
        _TENCENT_LOAD, tmp_path / "tencent" / "web", "--org", "1", COMPONENTS=str(components)
    )
    assert done.returncode != 0
    assert "component" in done.stderr


def test_tencents_folders_keep_their_app_and_stage_beside_an_aws_serverless_yml(
    tmp_path: Path, capsys: Any
) -> None:
    """Tencent's loader takes app, stage and org from the parent folder's serverless file.

    Both targets generated with their defaults into one project: AWS's
    serverless.yml sits in the project folder, Tencent's function folders in
    tencent/, so the parent the loader reads is not AWS's file, even once that
    file carries the Serverless Dashboard's app and org keys.
    """
    components = need_npm_package("@serverless/components")
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    path = split_project(tmp_path, text)
    assert main(["template", "--target", "serverless", "--config", str(path)]) == 0
    assert main(["template", "--target", "tencent", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(cd tencent/web && sls deploy)" in out
    aws = tmp_path / "serverless.yml"
    assert aws.is_file() and (tmp_path / "tencent" / "web" / "serverless.yml").is_file()
    aws.write_text(aws.read_text() + "app: dashboard-app\norg: acme\nstage: prod\n")

    def loaded(folder: Path) -> dict[str, Any]:
        done = run_node(_TENCENT_LOAD, folder, "--org", "1250000000", COMPONENTS=str(components))
        assert done.returncode == 0, done.stdout + done.stderr
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    instance = loaded(tmp_path / "tencent" / "web")
    assert (instance["appName"], instance["stageName"]) == ("shop", "test")
    # The quirk is real: the same file one level down (beside AWS's) takes AWS's values.
    shutil.copytree(tmp_path / "tencent" / "web", tmp_path / "web")
    instance = loaded(tmp_path / "web")
    assert (instance["appName"], instance["stageName"]) == ("dashboard-app", "prod")


def test_a_serverless_file_above_tencents_folders_is_refused(tmp_path: Path) -> None:
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    project = load_project(split_project(tmp_path, text))
    (tmp_path / "tencent").mkdir()
    (tmp_path / "tencent" / "serverless.yaml").write_text("app: mine\n")
    with pytest.raises(DeployError, match=r"serverless\.yaml would be read by Tencent's sls"):
        render(project, "tencent", tmp_path)
    (tmp_path / "tencent" / "serverless.yaml").unlink()
    write(render(project, "tencent", tmp_path), tmp_path)
    # AWS's serverless.yml written above Tencent's function folders: refused too.
    with pytest.raises(DeployError, match=r"holds Tencent's function folders \(api, web\)"):
        render(project, "serverless", tmp_path / "tencent")
    assert not (tmp_path / "tencent" / "serverless.yml").exists()
    render(project, "serverless", tmp_path)  # the project's folder: no collision


_SERVERLESS_DEVS_2_PARSE = """
const core = require(process.env.SERVERLESS_DEVS_CORE);
new core.ParseVariable(require("path").resolve("s.yaml")).init()
  .then((parsed) => console.log(JSON.stringify(parsed.realVariables)))
  .catch((error) => { console.error(error.message); process.exit(1); });
"""

#: What the fgs component documents (Serverless Devs' fgs, "function" and "trigger").
FGS_MEMORY = {128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096}


def _parse_huawei(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    core = need_npm_package("@serverless-devs/core")
    return run_node(_SERVERLESS_DEVS_2_PARSE, root, SERVERLESS_DEVS_CORE=str(core), **env)


def test_huawei_s_yaml_is_resolved_by_serverless_devs_2(tmp_path: Path) -> None:
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    path = split_project(tmp_path, text.replace("region: eu-west-1", "region: cn-north-4"))
    generate(path, "huawei")
    done = _parse_huawei(tmp_path, FAAS_BRIDGE_COMMAND_SECRET="from-the-deployer", APIG_GROUP="g1")
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout.strip().splitlines()[-1]
    # Serverless Devs 2.x leaves a variable it cannot resolve as written.
    assert "${" not in text
    data = json.loads(text)
    assert data["edition"] == "1.0.0"
    for service in data["services"].values():
        assert service["component"] == "fgs"
        props = service["props"]
        assert props["region"] == "cn-north-4"  # ${vars.region}
        function = props["function"]
        assert {"functionName", "handler", "runtime", "memorySize", "timeout", "codeType"} <= set(
            function
        )
        assert "." in function["handler"] and function["codeType"] == "zip"
        assert function["memorySize"] in FGS_MEMORY and 3 <= function["timeout"] <= 900
        # fgs zips the folder codeUri names (relative to s.yaml's folder).
        assert function["code"] == {"codeUri": "dist/huawei/function"}
        trigger = props["trigger"]
        assert trigger["triggerTypeCode"] in {"APIG", "TIMER"}
        if trigger["triggerTypeCode"] == "APIG":
            assert trigger["eventData"]["groupName"] == "g1"  # ${env(APIG_GROUP)}
    web = data["services"]["web"]["props"]["function"]
    assert web["environmentVariables"]["FAAS_BRIDGE_COMMAND_SECRET"] == "from-the-deployer"


def test_serverless_devs_2_leaves_another_editions_variable_unresolved(tmp_path: Path) -> None:
    """The oracle is alive: 3.x's ${env('X')} is not 2.x syntax, and stays as written."""
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    generate(split_project(tmp_path, text), "huawei")
    s_yaml = tmp_path / "s.yaml"
    s_yaml.write_text(s_yaml.read_text().replace("${env(APIG_GROUP)}", "${env('APIG_GROUP')}"))
    done = _parse_huawei(tmp_path, FAAS_BRIDGE_COMMAND_SECRET="x", APIG_GROUP="g1")
    assert done.returncode == 0, done.stderr
    assert "${env('APIG_GROUP')}" in done.stdout


def test_every_target_renders_the_two_function_split(tmp_path: Path) -> None:
    path = split_project(tmp_path)
    project = load_project(path)
    for target in ("sam", "serverless", "azure", "gcp", "aliyun", "tencent", "huawei"):
        if target in ("aliyun", "tencent"):
            with pytest.raises(DeployError, match=r"no Python 3\.12 runtime"):
                render(project, target, tmp_path)
            continue
        rendered = render(project, target, tmp_path)
        assert rendered.files and rendered.commands
        for name, text in rendered.files.items():
            assert name.endswith(".json") or "Generated by faas-bridge" in text.split("\n")[0]
            assert not HEX_SECRET.search(text)
        write(rendered, tmp_path / target)
        write(rendered, tmp_path / target)  # generated files are replaced without --force


def test_an_unquoted_python_version_is_refused(tmp_path: Path) -> None:
    """YAML reads 3.10 as the number 3.1: taking it would deploy the wrong Python."""
    path = split_project(
        tmp_path, SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: 3.10\n")
    )
    with pytest.raises(Exception, match="quote it"):
        load_project(path)


def test_readme_gives_the_commands_template_prints(tmp_path: Path) -> None:
    """README "Deploying": the Alibaba, Tencent and Huawei steps are the printed ones."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Alibaba Cloud, Tencent Cloud, Huawei Cloud") :]
    text = SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")
    project = load_project(split_project(tmp_path, text))
    for target in ("aliyun", "tencent", "huawei"):
        for command in render(project, target, tmp_path).commands:
            command = command.split("   #")[0].strip()
            assert f"$ {command}" in section, command
