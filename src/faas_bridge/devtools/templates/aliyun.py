"""Alibaba Cloud Function Compute 3.0: a Serverless Devs ``s.yaml`` (component ``fc3``).

One resource per faas.yml function, the archive ``faas-bridge package
--platform aliyun`` builds as its code, an anonymous HTTP trigger for the
methods its routes use (FC 3.0 gives each function its own URL, no path
routing: faas_bridge answers 404 for routes the function does not own), and
``aliyun.timer`` / ``aliyun.oss`` / ``aliyun.mns`` triggers as FC's ``timer``,
``oss`` and ``mns_topic`` triggers. Serverless Devs 3.x itself renders the
file in the tests (``s preview``); the fc3 component's props, whose schema
ships only with the component in Serverless Devs' registry, are checked
against its documented schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faas_bridge.devtools.deploy import FunctionDeploy, Project
from faas_bridge.devtools.templates._base import (
    HANDLER,
    SECRET_VARIABLE,
    Rendered,
    check_size,
    dump_yaml,
    environment,
    export_secret,
    function_name,
    methods_of,
    own_triggers,
    package_command,
    package_zip,
    python_runtime,
    require,
)

#: FC 3.0's built-in Python runtimes (Function Compute "Runtimes").
RUNTIMES = {"3.10": "python3.10", "3.9": "python3.9"}
DEFAULT_REGION = "cn-hangzhou"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_ACCOUNT = "${config('AccountID')}"
#: fc3's memorySize: 128..32768 MB in steps of 64; timeout 1..86400 s.
MEMORY = (128, 32768, 64)
TIMEOUTS = (1, 86400)


def _methods(function: FunctionDeploy) -> list[str]:
    if function.catch_all or any(m is None for m, _ in function.route_paths()):
        return ALL_METHODS
    found = {method for methods, _ in function.route_paths() for method in methods_of(methods)}
    return [method for method in ALL_METHODS if method in found]


def _resource(
    project: Project, function: FunctionDeploy, out: Path, runtime: str, rendered: Rendered
) -> dict[str, Any]:
    low, high, step = MEMORY
    check_size(
        function,
        "Function Compute 3.0 (fc3)",
        lambda memory: low <= memory <= high and memory % step == 0,
        f"{low} to {high} MB in steps of {step}",
        TIMEOUTS,
    )
    # Serverless Devs reads the secret from the deployer's environment: never written here.
    variables = environment(function, "${env('" + SECRET_VARIABLE + "')}")
    triggers: list[dict[str, Any]] = []
    if function.serves_http:
        triggers.append(
            {
                "triggerName": "http",
                "triggerType": "http",
                "triggerConfig": {
                    "authType": "anonymous",
                    "methods": _methods(function),
                    "disableURLInternet": False,
                },
            }
        )
    for index, trigger in enumerate(own_triggers(function, "aliyun", rendered, "Alibaba Cloud")):
        name = trigger.literal_source() or f"{trigger.route.type.split('.')[1]}-{index}"
        kind = trigger.route.type
        if kind == "aliyun.timer":
            schedule = require(trigger, "schedule", "'CRON_TZ=Asia/Shanghai 0 0 3 * * *'")
            triggers.append(
                {
                    "triggerName": name,
                    "triggerType": "timer",
                    "triggerConfig": {"cronExpression": schedule, "enable": True, "payload": ""},
                }
            )
        elif kind == "aliyun.oss":
            bucket = require(trigger, "bucket", "the bucket's name")
            triggers.append(
                {
                    "triggerName": f"oss-{index}",
                    "triggerType": "oss",
                    "sourceArn": f"acs:oss:${{vars.region}}:{_ACCOUNT}:{bucket}",
                    "invocationRole": f"acs:ram::{_ACCOUNT}:role/aliyunosseventnotificationrole",
                    "triggerConfig": {
                        "events": trigger.get("events") or ["oss:ObjectCreated:*"],
                        "filter": {"key": {"prefix": "", "suffix": ""}},
                    },
                }
            )
        elif kind == "aliyun.mns":
            topic = require(trigger, "topic", "the MNS topic's name")
            triggers.append(
                {
                    "triggerName": f"mns-{index}",
                    "triggerType": "mns_topic",
                    "sourceArn": f"acs:mns:${{vars.region}}:{_ACCOUNT}:/topics/{topic}",
                    "invocationRole": f"acs:ram::{_ACCOUNT}:role/aliyunmnsnotificationrole",
                    "triggerConfig": {
                        "notifyContentFormat": "JSON",
                        "notifyStrategy": "BACKOFF_RETRY",
                    },
                }
            )
    props: dict[str, Any] = {
        "region": "${vars.region}",
        "functionName": function_name(project, function)[:64],
        "runtime": runtime,
        "handler": HANDLER,
        "code": package_zip(project, out, "aliyun"),
        "memorySize": function.memory,
        "timeout": function.timeout,
        "environmentVariables": variables,
    }
    if triggers:
        props["triggers"] = triggers
    return {"component": "fc3", "props": props}


def render(project: Project, out: Path) -> Rendered:
    rendered = Rendered("aliyun")
    runtime = python_runtime(project, "Function Compute 3.0", RUNTIMES, "its built-in runtimes")
    document: dict[str, Any] = {
        "edition": "3.0.0",
        "name": project.name,
        "access": "default",
        "vars": {"region": project.region or DEFAULT_REGION},
        "resources": {
            function.name: _resource(project, function, out, runtime, rendered)
            for function in project.functions
        },
    }
    rendered.files["s.yaml"] = dump_yaml(document, "aliyun")
    rendered.commands.append(package_command(project, "aliyun"))
    rendered.commands += export_secret(project)
    rendered.commands += ["s deploy -y", "s info   # each function's HTTP trigger URL"]
    return rendered
