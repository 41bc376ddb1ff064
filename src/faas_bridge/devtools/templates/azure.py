"""Azure Functions: ``function_app.py`` (Python v2 programming model), ``host.json``,
``requirements.txt``.

One function app holds every faas.yml function. Each route pattern becomes
an HTTP function of its own, on the route template Azure matches it with
(``/notes/*`` is ``notes/{*rest}``: ASP.NET Core's catch-all parameter also
matches ``notes`` alone; ``{id}`` stays a one-segment parameter); each calls
the handler of the faas.yml function owning it, built once per process from
faas.yml with ``FAAS_BRIDGE_FUNCTION`` set to that function. As the route
templates are not the catch-all ``{*route}``, the route prefix is set for the
adapter (``FAAS_BRIDGE_AZURE_ROUTE_PREFIX``) to the one ``host.json`` writes.
Timer and queue triggers become ``timer_trigger`` / ``queue_trigger``
functions handing Azure's object to the same handler.

Sizes: a function app's timeout is one ``functionTimeout`` in host.json (the
longest of the functions'); memory is the plan's, not the function's.
"""

from __future__ import annotations

from pathlib import Path

from faas_bridge.devtools.deploy import FunctionDeploy, Project
from faas_bridge.devtools.templates._base import (
    SECRET_VARIABLE,
    Rendered,
    dump_json,
    header,
    methods_of,
    missing_requirements,
    own_triggers,
    python_runtime,
    require,
    requirements,
)

ROUTE_PREFIX = "api"
#: Python versions of Azure Functions 4.x on Linux (Azure Functions "Supported languages").
RUNTIMES = {"3.10": "3.10", "3.11": "3.11", "3.12": "3.12"}
DEFAULT_LOCATION = "westeurope"


def route_template(path: str) -> str:
    """A faas.yml path pattern as an Azure route template (below the route prefix)."""
    if path.endswith("/*"):
        head = path[1:-2]
        return f"{head}/{{*rest}}" if head else "{*rest}"
    return path[1:]


def _identifier(*parts: str) -> str:
    return "_".join(part.replace("-", "_") for part in parts)


def _python(project: Project) -> str:
    lines: list[str] = [
        header("azure").rstrip("\n"),
        f'"""Azure Functions entry point of {project.name}: every faas.yml function, routed.',
        "",
        "Each HTTP function below serves one route pattern of faas.yml with the handler of",
        "the function owning it; timer and queue functions hand their event to it too.",
        '"""',
        "",
        "import os",
        "import threading",
        "",
        "import azure.functions as func",
        "",
        "from faas_bridge.config import configured_handler",
        "",
        "# The route templates are not the catch-all {*route}: name host.json's route prefix.",
        f'os.environ.setdefault("FAAS_BRIDGE_AZURE_ROUTE_PREFIX", "{ROUTE_PREFIX}")',
        "",
        "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)",
        "_handlers = {}",
        "_lock = threading.Lock()",
        "",
        "",
        "def _handler(name):",
        '    """The faas.yml function\'s handler, built on first use (its app imported once)."""',
        "    with _lock:",
        "        found = _handlers.get(name)",
        "        if found is None:",
        "            environ = dict(os.environ, FAAS_BRIDGE_FUNCTION=name)",
        "            found = _handlers[name] = configured_handler(environ)",
        "    return found",
    ]
    for function in project.functions:
        lines += _http_functions(function)
    return "\n".join(lines) + "\n"


def _http_functions(function: FunctionDeploy) -> list[str]:
    lines: list[str] = []
    if not function.serves_http:
        return lines
    routes = function.route_paths() if function.http != "none" else []
    entries = [(methods, route_template(path)) for methods, path in routes]
    if function.catch_all:
        entries.append((None, "{*rest}"))
    for index, (methods, template) in enumerate(entries):
        name = _identifier(function.name, "http", str(index))
        listed = methods_of(methods)
        methods_arg = f", methods={listed!r}" if listed else ""
        lines += [
            "",
            "",
            f'@app.function_name("{name}")',
            f'@app.route(route="{template}"{methods_arg})',
            f"def {name}(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:",
            f'    return _handler("{function.name}")(req, context)',
        ]
    return lines


def _triggers(project: Project, function: FunctionDeploy, rendered: Rendered) -> list[str]:
    lines: list[str] = []
    for index, trigger in enumerate(own_triggers(function, "azure", rendered, "Azure")):
        name = _identifier(function.name, trigger.route.type.split(".")[1], str(index))
        if trigger.route.type == "azure.timer":
            schedule = require(trigger, "schedule", "'0 0 3 * * *' (NCRONTAB, six fields)")
            lines += [
                "",
                "",
                f'@app.function_name("{name}")',
                f'@app.timer_trigger(schedule="{schedule}", arg_name="timer")',
                f"def {name}(timer: func.TimerRequest) -> None:",
                f'    _handler("{function.name}")(timer)',
            ]
        elif trigger.route.type == "azure.queue":
            queue = require(trigger, "queue", "the storage queue's name")
            lines += [
                "",
                "",
                f'@app.function_name("{name}")',
                f'@app.queue_trigger(arg_name="msg", queue_name="{queue}", '
                'connection="AzureWebJobsStorage")',
                f"def {name}(msg: func.QueueMessage) -> None:",
                f'    _handler("{function.name}")(msg)',
            ]
    return lines


def render(project: Project, out: Path) -> Rendered:
    rendered = Rendered("azure")
    version = python_runtime(project, "Azure Functions", RUNTIMES, "Functions 4.x on Linux")
    text = _python(project)
    extra = "".join(
        "\n".join(_triggers(project, function, rendered)) for function in project.functions
    )
    rendered.files["function_app.py"] = text + (extra + "\n" if extra else "")
    timeout = max(function.timeout for function in project.functions)
    hours, rest = divmod(timeout, 3600)
    host = {
        "version": "2.0",
        "functionTimeout": f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
        "extensions": {"http": {"routePrefix": ROUTE_PREFIX}},
        "extensionBundle": {
            "id": "Microsoft.Azure.Functions.ExtensionBundle",
            "version": "[4.*, 5.0.0)",
        },
    }
    rendered.files["host.json"] = dump_json(host)
    generated = requirements(project, ("azure-functions",))
    if generated is not None:
        rendered.files["requirements.txt"] = generated
    missing = missing_requirements(project, ("azure-functions",))
    if missing:
        rendered.notes.append(f"requirements.txt: add {', '.join(missing)} (the function needs it)")
    if len({f.memory for f in project.functions}) > 1:
        rendered.notes.append(
            "Azure: every function of a function app shares the plan's memory; the functions' "
            "memory settings are not used"
        )
    app_name = f"{project.name}-{project.stage}"
    group = app_name
    location = project.region or DEFAULT_LOCATION
    storage = "".join(c for c in app_name.lower() if c.isalnum())[:20] + "fb"
    rendered.commands += [
        f"az group create --name {group} --location {location}",
        f"az storage account create --name {storage} --resource-group {group} "
        f"--location {location} --sku Standard_LRS",
        f"az functionapp create --name {app_name} --resource-group {group} --storage-account "
        f"{storage} --consumption-plan-location {location} --os-type Linux --runtime python "
        f"--runtime-version {version} --functions-version 4",
    ]
    if project.needs_secret():
        vault = (app_name[:20] + "-kv").lower()
        rendered.commands += [
            f"az keyvault create --name {vault} --resource-group {group} --location {location}",
            f"az keyvault secret set --vault-name {vault} --name faas-bridge-command-secret "
            "--value \"$(python -c 'import secrets; print(secrets.token_hex(32))')\"",
            f"az functionapp identity assign --name {app_name} --resource-group {group}",
            "# grant that identity 'Key Vault Secrets User' on the vault, then:",
            f"az functionapp config appsettings set --name {app_name} --resource-group {group} "
            f'--settings "{SECRET_VARIABLE}=@Microsoft.KeyVault(VaultName={vault};'
            'SecretName=faas-bridge-command-secret)"',
        ]
    rendered.commands += [
        f"func azure functionapp publish {app_name} --python",
        f"curl https://{app_name}.azurewebsites.net/{ROUTE_PREFIX}/",
    ]
    return rendered
