"""faas.yml's ``deploy:`` section: what ``faas-bridge template`` and ``package`` need.

The runtime never reads it (faas.yml's loader accepts the key and leaves it
alone); it holds what only the vendor's deployment knows: names, sizes,
schedules and queues.

.. code-block:: yaml

    deploy:
      name: notes              # the service / stack name (default: the folder's name)
      stage: dev               # the API stage and the stack suffix (default dev)
      region: eu-west-1        # the vendor's region (default: the vendor's usual one)
      python: "3.12"           # the runtime's Python (default 3.12)
      arch: x86_64             # x86_64 or arm64 (AWS)
      memory: 512              # MB (default 512)
      timeout: 29              # seconds (default 29: under API Gateway's 30 s)
      http: api                # api (the vendor's gateway), url (AWS Function URL), both, none
      stream: false            # AWS Function URL in RESPONSE_STREAM invoke mode (default:
                               # faas.yml's response_stream option)
      layer: false             # AWS: dependencies in a Lambda layer of their own
      catch_all: web           # the function that also takes every route no function owns
      functions:
        web:                   # any of the keys above, for this function only, and:
          triggers:            # the vendor's side of the function's faas.yml triggers, in order
            - schedule: cron(0 3 * * ? *)

Each ``triggers`` item completes the faas.yml trigger at the same place:
``schedule`` for a timer (the vendor's own syntax, passed through), ``queue``,
``topic``, ``bucket`` or ``stream`` for a record source (a name or an ARN;
by default the literal last part of the trigger's ``source``, and on AWS a
queue the template creates when there is none), ``events`` for storage
notifications, ``event_type`` for a Google CloudEvent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faas_bridge.config import (
    Config,
    DocumentChecker,
    FunctionConfig,
    Key,
    load_config,
)
from faas_bridge.errors import FaasBridgeError
from faas_bridge.routing.triggers import TriggerRoute

DEPLOY_KEY = "deploy"
SETTING_KEYS = (
    "memory",
    "timeout",
    "http",
    "stream",
    "python",
    "arch",
    "layer",
)
TOP_KEYS = ("name", "stage", "region", "catch_all", "functions", *SETTING_KEYS)
FUNCTION_KEYS = (*SETTING_KEYS, "triggers")
TRIGGER_KEYS = ("schedule", "queue", "topic", "bucket", "stream", "events", "event_type")
HTTP_MODES = ("api", "url", "both", "none")
ARCHES = ("x86_64", "arm64")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
_STAGE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PYTHON = re.compile(r"^3\.[0-9]{1,2}$")


class DeployError(FaasBridgeError):
    """A deployment that cannot be generated or packaged: what is wrong and the fix."""


@dataclass(frozen=True)
class TriggerDeploy:
    """One faas.yml trigger and its vendor side (``deploy.functions.NAME.triggers[i]``)."""

    route: TriggerRoute
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: Where its settings go, for messages: ``deploy.functions.web.triggers[0]``.
    where: str = ""

    def get(self, key: str) -> Any:
        return self.settings.get(key)

    def literal_source(self) -> str | None:
        """The trigger's ``source`` when it names one thing (no ``*``, ``?`` or ``[``)."""
        source = self.route.source
        if source is None or any(c in source for c in "*?["):
            return None
        return source

    def named(self, key: str) -> str | None:
        """``key``'s setting, else the literal tail of ``source`` (``*:orders`` -> ``orders``)."""
        value = self.settings.get(key)
        if isinstance(value, str):
            return value
        source = self.route.source
        if source is None:
            return None
        literal = self.literal_source()
        if literal is not None:
            return literal
        tail = re.split(r"[:/]", source)[-1]
        return tail if tail and not any(c in tail for c in "*?[") else None


@dataclass(frozen=True)
class FunctionDeploy:
    """One function as deployed: faas.yml's function and its sizes and integrations."""

    name: str
    config: FunctionConfig
    app: str | None
    memory: int
    timeout: int
    http: str
    stream: bool
    python: str
    arch: str
    layer: bool
    catch_all: bool
    triggers: tuple[TriggerDeploy, ...] = ()

    @property
    def serves_http(self) -> bool:
        """Whether HTTP requests reach it (routes, or the catch-all)."""
        return self.http != "none" and (self.catch_all or bool(self.config.routes))

    def route_paths(self) -> list[tuple[frozenset[str] | None, str]]:
        """(methods or None for every method, faas.yml path pattern) of each route it owns."""
        return [(route.methods, route.text.split()[-1]) for route in self.config.routes or ()]


@dataclass(frozen=True)
class Project:
    """A faas.yml read for deployment: its functions with their deploy settings."""

    root: Path
    config: Config
    name: str
    stage: str
    region: str | None
    functions: tuple[FunctionDeploy, ...]
    #: Whether a faas.yml file was read (else one function from --app).
    from_file: bool = True

    @property
    def python(self) -> str:
        return self.functions[0].python if self.functions else "3.12"

    @property
    def arch(self) -> str:
        return self.functions[0].arch if self.functions else "x86_64"

    @property
    def layer(self) -> bool:
        return any(function.layer for function in self.functions)

    def needs_secret(self) -> bool:
        """Whether any function runs commands, and so gets the command-signing secret."""
        return any(function.config.commands for function in self.functions)


def load_project(path: Path | None, *, app: str | None = None, name: str | None = None) -> Project:
    """The project from the faas.yml at ``path`` (a file), or one function serving ``app``."""
    if path is None:
        if not app:
            raise DeployError(
                "no faas.yml here, and no app named: run in the folder holding faas.yml, pass "
                "--config PATH, or name the app with --app package.module:app"
            )
        root = Path.cwd()
        config = Config(root / "faas.yml", app)
        return _project(root, config, {}, {}, name, from_file=False)
    config = load_config(path)
    if app:
        config = Config(config.path, app, config.options, config.functions)
    data, lines = _raw(path)
    raw = data.get(DEPLOY_KEY) if isinstance(data, Mapping) else None
    checker = _Checker(str(path), lines)
    settings = checker.top(raw) if raw is not None else {}
    return _project(path.parent, config, settings, lines, name, checker=checker)


def _raw(path: Path) -> tuple[Any, dict[Key, int]]:
    from faas_bridge.config import _parse

    return _parse(path.read_text(encoding="utf-8"), str(path))


def _project(
    root: Path,
    config: Config,
    settings: Mapping[str, Any],
    lines: Mapping[Key, int],
    name: str | None,
    *,
    from_file: bool = True,
    checker: _Checker | None = None,
) -> Project:
    checker = checker or _Checker(str(config.path), dict(lines))
    project_name = name or settings.get("name") or _folder_name(root)
    functions_config = dict(config.functions) or {
        project_name: FunctionConfig(project_name, config.app)
    }
    per_function = settings.get("functions", {})
    for key in per_function:
        if key not in functions_config:
            close = difflib.get_close_matches(key, list(functions_config), n=1)
            checker.fail(
                (DEPLOY_KEY, "functions", key),
                f"faas.yml defines no function {key!r}",
                f"one of {', '.join(functions_config)}",
                f"did you mean {close[0]!r}?" if close else "remove it",
            )
    catch_all = settings.get("catch_all")
    if catch_all is not None and catch_all not in functions_config:
        checker.fail(
            (DEPLOY_KEY, "catch_all"),
            f"faas.yml defines no function {catch_all!r}",
            f"one of {', '.join(functions_config)}",
        )
    everything = [n for n, f in functions_config.items() if f.routes is None]
    if catch_all is None and len(everything) == 1:
        catch_all = everything[0]
    elif catch_all is None and len(everything) > 1:
        checker.fail(
            (DEPLOY_KEY,),
            f"the functions {', '.join(everything)} all serve every route (no routes:), and a "
            "gateway sends the routes nobody owns to one function",
            "one function serving every route",
            "give the others routes:, or name the one in deploy.catch_all",
        )
    functions = []
    for key, function in functions_config.items():
        own = per_function.get(key, {})
        merged = {**{k: v for k, v in settings.items() if k in SETTING_KEYS}, **own}
        triggers = own.get("triggers", [])
        if len(triggers) > len(function.triggers):
            checker.fail(
                (DEPLOY_KEY, "functions", key, "triggers"),
                f"{len(triggers)} items for the function's {len(function.triggers)} triggers",
                "one item per faas.yml trigger of the function, in the same order",
            )
        made = tuple(
            TriggerDeploy(
                route,
                triggers[index] if index < len(triggers) else {},
                f"deploy.functions.{key}.triggers[{index}]",
            )
            for index, route in enumerate(function.triggers)
        )
        functions.append(
            FunctionDeploy(
                name=key,
                config=function,
                app=config.app_for(function, {}),
                memory=int(merged.get("memory", 512)),
                timeout=int(merged.get("timeout", 29)),
                http=str(merged.get("http", "api")),
                # faas.yml's response_stream (the runtime streams) asks for a streaming URL.
                stream=bool(merged.get("stream", _response_stream(config, function))),
                python=str(merged.get("python", "3.12")),
                arch=str(merged.get("arch", "x86_64")),
                layer=bool(merged.get("layer", False)),
                catch_all=key == catch_all,
                triggers=made,
            )
        )
    return Project(
        root=root,
        config=config,
        name=project_name,
        stage=str(settings.get("stage", "dev")),
        region=settings.get("region"),
        functions=tuple(functions),
        from_file=from_file,
    )


def _response_stream(config: Config, function: FunctionConfig) -> bool:
    """Whether faas.yml's options (global, then the function's) turn response_stream on."""
    return bool({**config.options, **function.options}.get("response_stream", False))


def _folder_name(root: Path) -> str:
    text = re.sub(r"[^A-Za-z0-9-]+", "-", root.resolve().name).strip("-")
    if not text or not text[0].isalpha():
        text = "app-" + text
    return text[:40].rstrip("-") or "app"


class _Checker(DocumentChecker):
    """Validates the deploy section; a problem is a ConfigFileError with its line."""

    def mapping(self, value: Any, path: Key, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"this is {type(value).__name__}", f"a mapping of {', '.join(allowed)}")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                self.fail(
                    (*path, key),
                    "unknown key",
                    f"one of {', '.join(allowed)}",
                    f"did you mean {close[0]!r}?" if close else "remove it",
                )
        return value

    def top(self, raw: Any) -> dict[str, Any]:
        path: Key = (DEPLOY_KEY,)
        value = self.mapping(raw, path, TOP_KEYS)
        found = self.settings(value, path)
        if "name" in value:
            found["name"] = self.text(value["name"], (*path, "name"), _NAME, "a name such as notes")
        if "stage" in value:
            found["stage"] = self.text(value["stage"], (*path, "stage"), _STAGE, "such as dev")
        if "region" in value:
            found["region"] = self.text(
                value["region"], (*path, "region"), re.compile(r"^[a-z0-9-]{2,40}$"), "a region"
            )
        if "catch_all" in value:
            found["catch_all"] = self.text(
                value["catch_all"], (*path, "catch_all"), re.compile(r"^\S+$"), "a function name"
            )
        if "functions" in value:
            functions = value["functions"]
            if not isinstance(functions, Mapping):
                self.fail((*path, "functions"), "not a mapping", "function names to settings")
            found["functions"] = {}
            for name, body in functions.items():
                where = (*path, "functions", name)
                body = self.mapping(body if body is not None else {}, where, FUNCTION_KEYS)
                own = self.settings(body, where)
                if "triggers" in body:
                    items = body["triggers"]
                    if not isinstance(items, list):
                        self.fail((*where, "triggers"), "not a list", "a list of mappings")
                    own["triggers"] = [
                        self.trigger(item, (*where, "triggers", index))
                        for index, item in enumerate(items)
                    ]
                found["functions"][str(name)] = own
        return found

    def text(self, value: Any, path: Key, pattern: re.Pattern[str], expected: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.fail(path, f"{value!r} cannot be used", expected)
        return value

    def settings(self, value: Mapping[str, Any], path: Key) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key in ("memory", "timeout"):
            if key in value:
                number = value[key]
                low, high = (128, 32768) if key == "memory" else (1, 86400)
                if isinstance(number, bool) or not isinstance(number, int):
                    self.fail((*path, key), f"{number!r} is not a whole number", f"{low}..{high}")
                if not low <= number <= high:
                    self.fail((*path, key), f"{number} is out of range", f"{low}..{high}")
                found[key] = number
        for key in ("stream", "layer"):
            if key in value:
                if not isinstance(value[key], bool):
                    self.fail((*path, key), f"{value[key]!r} is not true/false", "true or false")
                found[key] = value[key]
        if "http" in value:
            if value["http"] not in HTTP_MODES:
                self.fail((*path, "http"), f"{value['http']!r}", f"one of {', '.join(HTTP_MODES)}")
            found["http"] = value["http"]
        if "arch" in value:
            if value["arch"] not in ARCHES:
                self.fail((*path, "arch"), f"{value['arch']!r}", f"one of {', '.join(ARCHES)}")
            found["arch"] = value["arch"]
        if "python" in value:
            python = value["python"] if isinstance(value["python"], str) else ""
            if not _PYTHON.match(python):
                self.fail(
                    (*path, "python"),
                    f"{value['python']!r}",
                    "a quoted version such as '3.12'",
                    "quote it: YAML reads 3.10 as the number 3.1",
                )
            found["python"] = python
        return found

    def trigger(self, item: Any, path: Key) -> dict[str, Any]:
        value = self.mapping(item if item is not None else {}, path, TRIGGER_KEYS)
        found: dict[str, Any] = {}
        for key, setting in value.items():
            if key == "events":
                if not isinstance(setting, list) or not all(isinstance(s, str) for s in setting):
                    self.fail((*path, key), f"{setting!r}", "a list of event names")
                found[key] = list(setting)
            elif not isinstance(setting, str) or not setting.strip():
                self.fail((*path, key), f"{setting!r}", "text")
            else:
                found[key] = setting.strip()
        return found
