"""Huawei Cloud FunctionGraph: a Serverless Devs ``s.yaml`` (component ``fgs``).

Huawei documents FunctionGraph's deployment file as Serverless Devs' ``fgs``
component (edition 1.0.0): one service entry holds one function and one
trigger. Each faas.yml function is an entry with its APIG trigger (an
anonymous API in the group named by ``APIG_GROUP``), and each
``huawei.timer`` trigger an entry of its own for the same function. Its code
is the folder ``faas-bridge package --platform huawei`` lays out (fgs zips the
folder ``codeUri`` names; it reads no zip). Serverless Devs 2.x's own parser
resolves the file's variables in the tests; the fgs component's props are
checked against its documented YAML.
"""

from __future__ import annotations

import re
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
    own_triggers,
    package_command,
    package_folder,
    python_runtime,
    require,
)

#: FunctionGraph's Python runtimes (FunctionGraph "Supported runtimes").
RUNTIMES = {"3.9": "Python3.9", "3.10": "Python3.10", "3.12": "Python3.12"}
DEFAULT_REGION = "cn-north-4"
#: The memory sizes (MB) and timeouts (s) the fgs component documents for a function.
MEMORY_SIZES = (128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096)
TIMEOUTS = (3, 900)


def render(project: Project, out: Path) -> Rendered:
    rendered = Rendered("huawei")
    runtime = python_runtime(project, "FunctionGraph", RUNTIMES, "its Python runtimes")
    services: dict[str, Any] = {}
    for function in project.functions:
        services.update(_services(project, function, out, runtime, rendered))
    document = {
        "edition": "1.0.0",
        "name": project.name,
        "access": "default",
        "vars": {"region": project.region or DEFAULT_REGION},
        "services": services,
    }
    rendered.files["s.yaml"] = dump_yaml(document, "huawei")
    rendered.commands.append(package_command(project, "huawei"))
    rendered.commands += export_secret(project)
    rendered.commands += [
        "export APIG_GROUP=...   # your API Gateway group (console: API Gateway, Groups)",
        "s deploy   # Serverless Devs 2.x reads edition 1.0.0: npm install -g @serverless-devs/s@2",
    ]
    return rendered


def _services(
    project: Project, function: FunctionDeploy, out: Path, runtime: str, rendered: Rendered
) -> dict[str, Any]:
    check_size(
        function,
        "FunctionGraph (fgs)",
        lambda memory: memory in MEMORY_SIZES,
        "one of " + ", ".join(map(str, MEMORY_SIZES)),
        TIMEOUTS,
    )
    name = function_name(project, function)
    variables = environment(function, "${env(" + SECRET_VARIABLE + ")}")
    base = {
        "functionName": name[:60],
        "handler": HANDLER,
        "memorySize": function.memory,
        "timeout": function.timeout,
        "runtime": runtime,
        "environmentVariables": variables,
        "codeType": "zip",
        "code": {"codeUri": package_folder(project, out, "huawei")},
    }
    triggers: list[dict[str, Any]] = []
    if function.serves_http:
        triggers.append(
            {
                "triggerTypeCode": "APIG",
                "status": "ACTIVE",
                "eventData": {
                    "name": re.sub(r"[^A-Za-z0-9_]", "_", name)[:64],
                    "groupName": "${env(APIG_GROUP)}",
                    "auth": "NONE",
                    "protocol": "HTTPS",
                    "timeout": function.timeout * 1000,
                },
            }
        )
    for index, trigger in enumerate(own_triggers(function, "huawei", rendered, "Huawei Cloud")):
        if trigger.route.type == "huawei.timer":
            schedule = require(trigger, "schedule", "'0 0 3 * * ?' (Cron) or '10m' (Rate)")
            kind = "Rate" if re.fullmatch(r"\d+[mhd]", schedule) else "Cron"
            triggers.append(
                {
                    "triggerTypeCode": "TIMER",
                    "status": "ACTIVE",
                    "eventData": {
                        "name": trigger.literal_source() or f"timer-{index}",
                        "schedule_type": kind,
                        "schedule": schedule,
                    },
                }
            )
    if not triggers:
        return {function.name: {"component": "fgs", "props": _props(base, None)}}
    found = {}
    for index, trigger_data in enumerate(triggers):
        key = function.name if index == 0 else f"{function.name}-{index}"
        found[key] = {"component": "fgs", "props": _props(base, trigger_data)}
    return found


def _props(function: dict[str, Any], trigger: dict[str, Any] | None) -> dict[str, Any]:
    props: dict[str, Any] = {"region": "${vars.region}", "function": dict(function)}
    if trigger is not None:
        props["trigger"] = trigger
    return props
