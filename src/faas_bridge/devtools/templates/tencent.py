"""Tencent Cloud SCF: ``serverless.yml`` of Tencent's Serverless Framework (component ``scf``).

One folder per faas.yml function (``tencent/NAME/serverless.yml``: the
framework deploys one component instance per file), the folder ``faas-bridge package
--platform tencent`` lays out as its code (the CLI uploads the files under
``src``; it reads no zip), its routes as API Gateway endpoints
with integrated responses (``/notes/*`` is the endpoint ``/notes``: Tencent's
gateway matches a path and everything below it), and ``tencent.timer`` /
``tencent.cos`` / ``tencent.cmq`` triggers as the component's ``timer``, ``cos``
and ``cmq`` events. The framework's own loader (``@serverless/components``)
reads each file in the tests; the scf component's inputs are checked by
Tencent's servers at deploy time, here against its documented YAML.

The function folders sit in ``tencent/``, not beside faas.yml: the CLI reads
the serverless file of a function folder's parent too, and its ``app``,
``stage`` and ``org`` override the function's own (``loadInstanceConfig``).
The project's folder is where an AWS ``serverless.yml`` lives (``--target
serverless`` writes one there), so a parent of its own keeps Tencent's app and
stage Tencent's; a serverless file found in that parent is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faas_bridge.devtools.deploy import DeployError, FunctionDeploy, Project
from faas_bridge.devtools.templates._base import (
    HANDLER,
    SECRET_VARIABLE,
    Rendered,
    dump_yaml,
    environment,
    export_secret,
    function_name,
    methods_of,
    own_triggers,
    package_command,
    package_folder,
    python_runtime,
    require,
)

#: SCF's Python runtimes (SCF "Runtime environments").
RUNTIMES = {"3.9": "Python3.9", "3.10": "Python3.10"}
DEFAULT_REGION = "ap-guangzhou"
#: The folder holding the function folders, under ``--out``.
FOLDER = "tencent"
#: The files the CLI reads as a folder's serverless file (its getServerlessFilePath).
SERVERLESS_FILES = ("serverless.yml", "serverless.yaml", "serverless.json", "serverless.js")


def check_parent(parent: Path) -> None:
    """Refuse a serverless file in the function folders' parent: the CLI would merge it."""
    for name in SERVERLESS_FILES:
        path = parent / name
        if path.is_file():
            raise DeployError(
                f"{path} would be read by Tencent's sls as the parent of every function "
                "folder, and its app, stage and org would replace the ones generated from "
                f"faas.yml: move it away, or generate into another folder with --out DIR"
            )


def _endpoints(function: FunctionDeploy) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    entries = [(m, p) for m, p in function.route_paths()]
    if function.catch_all:
        entries.append((None, "/"))
    for methods, path in entries:
        gateway_path = path[:-2] or "/" if path.endswith("/*") else path
        for method in [m for m in methods_of(methods) if m != "HEAD"] or ["ANY"]:
            endpoint = {
                "path": gateway_path,
                "method": method,
                "function": {"isIntegratedResponse": True},
            }
            if endpoint not in found:
                found.append(endpoint)
    return found


def render(project: Project, out: Path) -> Rendered:
    rendered = Rendered("tencent")
    runtime = python_runtime(project, "Tencent Cloud SCF", RUNTIMES, "its Python runtimes")
    region = project.region or DEFAULT_REGION
    rendered.commands.append(package_command(project, "tencent"))
    rendered.commands += export_secret(project)
    check_parent(out / FOLDER)
    for function in project.functions:
        folder = out / FOLDER / function.name
        # The framework substitutes the deployer's environment variable.
        variables = environment(function, "${env:" + SECRET_VARIABLE + "}")
        events: list[dict[str, Any]] = []
        if function.serves_http:
            events.append(
                {
                    "apigw": {
                        "parameters": {
                            "protocols": ["http", "https"],
                            "environment": "release",
                            "endpoints": _endpoints(function),
                        }
                    }
                }
            )
        for index, trigger in enumerate(own_triggers(function, "tencent", rendered, "Tencent")):
            kind = trigger.route.type
            trigger_name = trigger.literal_source() or f"{kind.split('.')[1]}-{index}"
            if kind == "tencent.timer":
                schedule = require(trigger, "schedule", "'0 0 3 * * * *' (seven fields)")
                events.append(
                    {
                        "timer": {
                            "parameters": {
                                "name": trigger_name,
                                "cronExpression": schedule,
                                "enable": True,
                            }
                        }
                    }
                )
            elif kind == "tencent.cos":
                bucket = require(trigger, "bucket", "BUCKET-APPID.cos.REGION.myqcloud.com")
                events.append(
                    {
                        "cos": {
                            "parameters": {
                                "bucket": bucket,
                                "events": (trigger.get("events") or ["cos:ObjectCreated:*"])[0],
                                "enable": True,
                            }
                        }
                    }
                )
            elif kind == "tencent.cmq":
                topic = require(trigger, "topic", "the CMQ topic's name")
                events.append({"cmq": {"parameters": {"name": topic, "enable": True}}})
        inputs: dict[str, Any] = {
            "name": function_name(project, function),
            "src": package_folder(project, folder, "tencent"),
            "handler": HANDLER,
            "runtime": runtime,
            "region": region,
            "memorySize": function.memory,
            "timeout": function.timeout,
            "environment": {"variables": variables},
        }
        if events:
            inputs["events"] = events
        document = {
            "component": "scf",
            "name": function.name,
            "app": project.name,
            "stage": project.stage,
            "inputs": inputs,
        }
        rendered.files[f"{FOLDER}/{function.name}/serverless.yml"] = dump_yaml(document, "tencent")
        rendered.commands.append(f"(cd {FOLDER}/{function.name} && sls deploy)")
    rendered.commands.append(f"sls info   # in each {FOLDER}/NAME folder: the API Gateway URL")
    return rendered
