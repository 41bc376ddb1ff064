"""Google Cloud Run functions: ``main.py``, ``requirements.txt`` and the ``gcloud`` commands.

Every faas.yml function is deployed from the same source as a function of its
own (``gcloud functions deploy PROJECT-NAME``), entry point ``handler`` (HTTP)
with ``FAAS_BRIDGE_FUNCTION`` naming it. Google has no gateway in front that
routes by path: each function has its own URL, and faas_bridge answers 404
for a route the function does not own. A ``google.cloudevent`` trigger is a
second deployment of the same function, entry point ``events`` (a CloudEvent
function), on the Eventarc trigger ``--trigger-event-filters`` names.
"""

from __future__ import annotations

import re
from pathlib import Path

from faas_bridge.devtools.deploy import FunctionDeploy, Project, TriggerDeploy
from faas_bridge.devtools.templates._base import (
    SECRET_VARIABLE,
    Rendered,
    environment,
    header,
    missing_requirements,
    own_triggers,
    python_runtime,
    require,
    requirements,
    secret_name,
)

#: Python runtimes of Cloud Run functions (Google Cloud "Runtime support").
RUNTIMES = {
    "3.10": "python310",
    "3.11": "python311",
    "3.12": "python312",
    "3.13": "python313",
}
DEFAULT_REGION = "us-central1"


def service_name(project: Project, function: FunctionDeploy, suffix: str = "") -> str:
    """Lower-case letters, digits and hyphens, starting with a letter (at most 63)."""
    text = re.sub(r"[^a-z0-9-]+", "-", f"{project.name}-{function.name}{suffix}".lower())
    return text.strip("-")[:63]


def _main(events: bool) -> str:
    lines = [
        header("gcp").rstrip("\n"),
        '"""Cloud Run functions entry points: ``handler`` for HTTP, ``events`` for CloudEvents.',
        "",
        "FAAS_BRIDGE_FUNCTION (set at deploy) names the faas.yml function each deployment is.",
        '"""',
        "",
    ]
    if events:
        lines += [
            "import functions_framework",
            "",
            "from faas_bridge import handler",
            "",
            "",
            "@functions_framework.cloud_event",
            "def events(cloud_event):",
            '    """A CloudEvent (Eventarc) through faas.yml\'s google.cloudevent routes."""',
            "    return handler(cloud_event)",
            "",
            '__all__ = ["events", "handler"]',
        ]
    else:
        lines += ["from faas_bridge import handler", "", '__all__ = ["handler"]']
    return "\n".join(lines) + "\n"


def _deploy(
    project: Project,
    function: FunctionDeploy,
    runtime: str,
    region: str,
    trigger: TriggerDeploy | None,
) -> str:
    name = service_name(project, function, "-events" if trigger else "")
    variables = ",".join(f"{k}={v}" for k, v in environment(function).items())
    words = [
        f"gcloud functions deploy {name}",
        "--gen2",
        f"--runtime {runtime}",
        f"--region {region}",
        "--source .",
        f"--memory {function.memory}Mi",
        f"--timeout {function.timeout}s",
        f"--set-env-vars {variables}",
    ]
    if trigger is None:
        words += ["--entry-point handler", "--trigger-http", "--allow-unauthenticated"]
    else:
        event_type = require(trigger, "event_type", "google.cloud.pubsub.topic.v1.messagePublished")
        filters = f"type={event_type}"
        bucket = trigger.named("bucket")
        if bucket and "storage" in event_type:
            filters += f",bucket={bucket}"
        topic = trigger.named("topic")
        words += ["--entry-point events"]
        if topic and "pubsub" in event_type:
            words.append(f"--trigger-topic {topic}")
        else:
            words.append(f'--trigger-event-filters="{filters}"')
    if function.config.commands:
        words.append(f"--set-secrets {SECRET_VARIABLE}={secret_name(project, '-')}:latest")
    return " ".join(words)


def render(project: Project, out: Path) -> Rendered:
    rendered = Rendered("gcp")
    runtime = python_runtime(project, "Cloud Run functions", RUNTIMES, "Google's runtimes")
    region = project.region or DEFAULT_REGION
    per_function = {
        function.name: own_triggers(function, "google", rendered, "Google Cloud")
        for function in project.functions
    }
    events = any(per_function.values())
    rendered.files["main.py"] = _main(events)
    extra = ("functions-framework",) if events else ()
    generated = requirements(project, extra)
    if generated is not None:
        rendered.files["requirements.txt"] = generated
    missing = missing_requirements(project, extra)
    if missing:
        rendered.notes.append(f"requirements.txt: add {', '.join(missing)} (the function needs it)")
    if project.needs_secret():
        rendered.commands.append(
            f"printf %s \"$(python -c 'import secrets; print(secrets.token_hex(32))')\" | "
            f"gcloud secrets create {secret_name(project, '-')} --data-file=-"
        )
    for function in project.functions:
        if function.serves_http:
            rendered.commands.append(_deploy(project, function, runtime, region, None))
        for trigger in per_function[function.name]:
            rendered.commands.append(_deploy(project, function, runtime, region, trigger))
        if not function.serves_http and not per_function[function.name]:
            rendered.notes.append(
                f"function {function.name}: no HTTP routes and no Google trigger: not deployed"
            )
    first = next((f for f in project.functions if f.serves_http), None)
    if first is not None:
        rendered.commands.append(
            f'curl "$(gcloud functions describe {service_name(project, first)} --gen2 '
            f"--region {region} --format='value(serviceConfig.uri)')/\""
        )
    return rendered
