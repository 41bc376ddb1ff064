"""``faas-bridge template``: every generated file checked by the vendor's own tool.

- AWS SAM: ``cfn-lint`` (which runs AWS's SAM translator, then checks the
  CloudFormation against AWS's resource schemas).
- Serverless Framework: the open-source framework's own ``package`` (npm
  ``osls``), offline; the CloudFormation it compiles then passes cfn-lint too.
- Azure: ``function_app.py`` imported and indexed by the real ``azure-functions``
  library, and one of its functions called with Azure's own HttpRequest.
- Google: ``main.py`` served by the real functions-framework on 127.0.0.1.
- Alibaba, Tencent, Huawei: no tool runs here; their files are checked against
  the vendors' documented YAML (the keys and values their docs give).

The AWS facts asserted by hand, from AWS's documentation: a public Function
URL needs ``lambda:InvokeFunctionUrl`` with ``FunctionUrlAuthType: NONE`` and,
since October 2025, ``lambda:InvokeFunction`` with ``InvokedViaFunctionUrl``;
an HTTP API route ``/x/{proxy+}`` matches below ``/x`` but not ``/x`` itself.

External tools: cfn-lint is a dev dependency; osls is installed by CI
(``npm install -g osls``). Without osls the test is skipped, unless
``FAAS_BRIDGE_REQUIRE_TOOLS=1`` (CI), where it fails.
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

REPO = Path(__file__).resolve().parent.parent
HEX_SECRET = re.compile(r"[0-9a-f]{32,}")

APP = '''\
"""A tiny WSGI app: says which faas.yml function answered, and the path."""

import json
import os


def app(environ, start_response):
    body = json.dumps(
        {
            "function": os.environ.get("FAAS_BRIDGE_FUNCTION", ""),
            "path": environ["PATH_INFO"],
            "script_name": environ["SCRIPT_NAME"],
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def take(event, context):
    return {"taken": True}
'''

SPLIT = """\
app: shop:app
functions:
  web:
    routes:
      - /
      - /pages/*
    triggers:
      - type: aws.events.scheduled
        route: POST /jobs/nightly
    commands: [migrate]
  api:
    routes:
      - GET,POST /api/items/{id}
    triggers:
      - type: aws.sqs
        source: "*:orders"
        call: shop:take
deploy:
  name: shop
  stage: test
  region: eu-west-1
  catch_all: web
  functions:
    web:
      triggers:
        - schedule: cron(0 3 * * ? *)
    api:
      memory: 1024
      timeout: 10
      http: both
      stream: true
"""


def split_project(root: Path, faas_yml: str = SPLIT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "shop.py").write_text(APP)
    (root / "faas.yml").write_text(faas_yml)
    return root / "faas.yml"


def need_tool(name: str, install: str) -> str:
    """The tool's path; a skip saying how to install it, or a failure when CI requires it."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({install})"
        if os.environ.get("FAAS_BRIDGE_REQUIRE_TOOLS") == "1":
            pytest.fail(message + "; FAAS_BRIDGE_REQUIRE_TOOLS=1 requires it")
        pytest.skip(message + "; CI sets FAAS_BRIDGE_REQUIRE_TOOLS=1 and requires it")
    return path


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
    assert functions["web"]["Handler"] == "faas_bridge.handler"


# -- Azure -------------------------------------------------------------------------------------

_AZURE_PROBE = """
import json, sys
import azure.functions as func
sys.path.insert(0, ".")
import function_app

indexed = function_app.app.get_functions()  # what the worker does: once
functions = {}
for function in indexed:
    trigger = function.get_dict_repr()["bindings"][0]
    functions[function.get_function_name()] = {
        "type": trigger["type"],
        "route": trigger.get("route"),
        "methods": [str(getattr(m, "value", m)) for m in trigger.get("methods") or []],
    }
replies = {}
for name, url, params in [
    ("api_http_0", "https://shop.azurewebsites.net/api/api/items/7", {"id": "7"}),
    ("web_http_2", "https://shop.azurewebsites.net/api/api/items/7", {"rest": "api/items/7"}),
]:
    target = {f.get_function_name(): f for f in indexed}[name]
    request = func.HttpRequest("GET", url, headers={}, body=b"", route_params=params)
    reply = target.get_user_function()(request, None)
    replies[name] = [reply.status_code, reply.get_body().decode()]
print(json.dumps({"functions": functions, "replies": replies}))
"""


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
        [sys.executable, "-c", _AZURE_PROBE],
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


# -- Alibaba, Tencent, Huawei: against their documented YAML --------------------------------


ALIYUN_SPLIT = SPLIT.replace(
    "      - type: aws.events.scheduled\n        route: POST /jobs/nightly\n",
    "      - type: aliyun.timer\n        route: POST /jobs/nightly\n",
).replace(
    "        - schedule: cron(0 3 * * ? *)", "        - schedule: CRON_TZ=Asia/Shanghai 0 0 3 * * *"
)
ALIYUN_SPLIT = ALIYUN_SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")


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
    assert sorted(files) == ["api/serverless.yml", "web/serverless.yml"]
    api = yaml.safe_load(files["api/serverless.yml"])
    assert api["component"] == "scf" and api["app"] == "shop" and api["stage"] == "test"
    inputs = api["inputs"]
    assert inputs["src"] == "../dist/tencent/function.zip"  # from the function's folder
    assert inputs["runtime"] == "Python3.10" and inputs["handler"] == "faas_bridge.handler"
    assert inputs["environment"]["variables"]["FAAS_BRIDGE_FUNCTION"] == "api"
    endpoints = inputs["events"][0]["apigw"]["parameters"]["endpoints"]
    assert {
        "path": "/api/items/{id}",
        "method": "POST",
        "function": {"isIntegratedResponse": True},
    } in endpoints
    web = yaml.safe_load(files["web/serverless.yml"])
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
    assert function["code"] == {"codeUri": "dist/huawei/function.zip"}
    assert service["props"]["trigger"]["triggerTypeCode"] == "APIG"
    assert service["props"]["trigger"]["eventData"]["auth"] == "NONE"


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
