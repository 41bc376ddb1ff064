"""faas.yml: the app, its options, and the functions a monolith is split into.

Everything works without a faas.yml; with one, the same code deploys as
several functions, each serving the routes it owns and the events routed to
it, and ``faas-bridge serve`` emulates the whole set locally.

Where it is found: the file named by ``FAAS_BRIDGE_CONFIG``, else
``faas.yml`` in the function's root (``LAMBDA_TASK_ROOT``), else in the
current directory. Names in it (``app``, ``call``) are imported with the
file's directory on ``sys.path``. PyYAML is imported only when a file is read,
and not even then in a function packaged by ``faas-bridge package`` (see
:func:`write_parsed`).

.. code-block:: yaml

    app: mysite.wsgi:application      # the default app (else FAAS_BRIDGE_APP or Django's)
    options:                          # wrap()'s options, for every function
      base_path: /v1
      text_types: [application/vnd.api+json]
      lifespan: auto                  # auto, on, off
      deadline_margin: 0.5            # also: shutdown_timeout, warmup, platform,
                                      # interface, trusted_proxy_hops
    functions:
      web:                            # the function's name on the platform
        routes:                       # what it serves; absent: everything, []: nothing
          - /                         # exact
          - /notes/*                  # /notes and everything below it
          - GET,POST /api/notes/{id}  # {id}: one path segment; methods before the path
          - {path: /admin/*, methods: [GET, POST]}
        triggers:                     # non-HTTP events (routing/kinds.py lists the types)
          - type: aws.events.scheduled
            route: POST /internal/jobs/nightly    # to the app, the event as JSON body
          - type: aws.sqs
            source: "*:orders"                    # narrow: the queue ARN
            call: shop.jobs:take_order            # to a callable (event, context)
        commands: [migrate]           # management commands a command event may run
        options: {deadline_margin: 1}  # on top of the global options
        app: other.module:app         # this function's own app (optional)

Route patterns match the path below the root path (the stage, ``base_path``),
percent-decoded, repeated slashes merged: an exact path; ``{name}`` matches one
segment; a final ``/*`` matches the path above it and everything below. Methods
default to all; GET includes HEAD. When several patterns match, the most
specific wins (no ``*``, then more literal segments). A request for a route
the function does not own is answered 404; so is any HTTP request to the
path of one of its trigger routes (those serve the platform's events only).

Which function is running: ``FAAS_BRIDGE_FUNCTION``, else the platform's own
record (:data:`FUNCTION_VARIABLES`); a faas.yml with one function needs
neither. Options: faas.yml's global ones, then the function's, then any
``FAAS_BRIDGE_*`` variable set (the environment wins); ``FAAS_BRIDGE_APP``,
when set, names the app of every function.

Errors name the file and line, the key, what was expected and the fix;
unknown keys are errors, with a "did you mean".
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from faas_bridge.configured import CONFIG_VARIABLE, environment_handler, find_config
from faas_bridge.errors import ConfigurationError, shown
from faas_bridge.http import Record
from faas_bridge.options import SETTINGS
from faas_bridge.routing.routes import (
    Invalid,
    Route,
    RouteTable,
    parse_route,
    reserved_key,
)

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler
    from faas_bridge.options import Options
    from faas_bridge.routing.triggers import TriggerRoute

#: Names the function being run, when the platform's name is not its key.
FUNCTION_VARIABLE = "FAAS_BRIDGE_FUNCTION"
#: (variable, who sets it): where the running function's name is read, in this order.
FUNCTION_VARIABLES = (
    (FUNCTION_VARIABLE, "you"),
    ("AWS_LAMBDA_FUNCTION_NAME", "AWS Lambda"),
    ("FC_FUNCTION_NAME", "Alibaba Cloud Function Compute"),
    ("SCF_FUNCTIONNAME", "Tencent Cloud SCF"),
    ("RUNTIME_FUNC_NAME", "Huawei Cloud FunctionGraph"),
    ("K_SERVICE", "Google Cloud Run functions"),
    ("FUNCTION_NAME", "Google Cloud Functions (1st gen)"),
    ("WEBSITE_SITE_NAME", "Azure Functions (the function app)"),
)

TOP_KEYS = ("app", "options", "functions")
#: Deployment settings, read by `faas-bridge template` and `package` only (devtools.deploy).
DEPLOY_KEY = "deploy"
FUNCTION_KEYS = ("app", "routes", "triggers", "commands", "options")
OPTION_KEYS = SETTINGS  # what an options mapping may hold: Options' settings
ROUTE_KEYS = ("path", "methods")
TRIGGER_KEYS = ("type", "call", "route", "source", "match", "partial_batch", "host")
_APP_SPEC = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

Key = tuple[str | int, ...]


class ConfigFileError(ConfigurationError):
    """A faas.yml that cannot be used: file and line, key, what was expected, the fix."""

    def __init__(
        self, file: str, line: int, key: str, problem: str, expected: str, fix: str = ""
    ) -> None:
        where = f"{file}:{line}" if line else file
        text = f"{where}: {key}: {problem}" if key else f"{where}: {problem}"
        text += f"; expected {expected}"
        if fix:
            text += f"; {fix}"
        super().__init__(text)
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
        self.expected = expected
        self.fix = fix


# -- The model -------------------------------------------------------------------------------


class FunctionConfig(Record):
    """One function of the set: what it serves and which events it takes."""

    __slots__ = ("name", "app", "routes", "triggers", "commands", "options")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        name: str,
        app: str | None = None,
        routes: tuple[Route, ...] | None = None,
        triggers: tuple[TriggerRoute, ...] = (),
        commands: tuple[str, ...] = (),
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.app = app
        #: None: every route; empty: none (a worker).
        self.routes = routes
        self.triggers = triggers
        self.commands = commands
        self.options: Mapping[str, Any] = {} if options is None else options

    def describe(self) -> str:
        """Its routes in a few words, for banners."""
        if self.routes is None:
            served = "every route"
        else:
            served = ", ".join(route.text for route in self.routes) or "no routes"
        if self.triggers:
            served += "; triggers " + ", ".join(t.type for t in self.triggers)
        if self.commands:
            served += "; commands " + ", ".join(self.commands)
        return served


class Config(Record):
    """A validated faas.yml."""

    __slots__ = ("path", "app", "options", "functions")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        path: Path,
        app: str | None = None,
        options: Mapping[str, Any] | None = None,
        functions: Mapping[str, FunctionConfig] | None = None,
    ) -> None:
        self.path = path
        self.app = app
        self.options: Mapping[str, Any] = {} if options is None else options
        self.functions: Mapping[str, FunctionConfig] = {} if functions is None else functions

    def running_function(
        self, environ: Mapping[str, str] | None = None, name: str | None = None
    ) -> FunctionConfig | None:
        """The function this process runs (``name``, the environment, or the only one)."""
        if not self.functions:
            if name:
                raise ConfigurationError(f"{self.path} defines no functions (asked for {name!r})")
            return None
        env = os.environ if environ is None else environ
        names = list(self.functions)
        if name:
            return self._named(name, f"{name!r}")
        for variable, who in FUNCTION_VARIABLES:
            value = env.get(variable, "").strip()
            if not value:
                continue
            if value in self.functions:
                return self.functions[value]
            if variable != FUNCTION_VARIABLE and len(names) == 1:
                return self.functions[names[0]]
            return self._named(value, f"{value!r} ({variable}, set by {who})")
        if len(names) == 1:
            return self.functions[names[0]]
        raise ConfigurationError(
            f"{self.path} defines the functions {', '.join(names)} and nothing says which one "
            f"runs here; set {FUNCTION_VARIABLE} to one of them in the function's environment"
        )

    def _named(self, name: str, said: str) -> FunctionConfig:
        found = self.functions.get(name)
        if found is not None:
            return found
        close = difflib.get_close_matches(name, list(self.functions), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigurationError(
            f"this function runs as {said}, which {self.path} does not define{hint}: its "
            f"functions are {', '.join(self.functions)}; set {FUNCTION_VARIABLE} to one of them "
            "in the function's environment, or rename the key"
        )

    def app_for(
        self, function: FunctionConfig | None, environ: Mapping[str, str] | None = None
    ) -> str | None:
        """The app spec: FAAS_BRIDGE_APP, else the function's, else the file's."""
        env = os.environ if environ is None else environ
        named = env.get("FAAS_BRIDGE_APP", "").strip()
        if named:
            return named
        if function is not None and function.app:
            return function.app
        return self.app

    def options_for(
        self,
        function: FunctionConfig | None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Options:
        """The function's Options: global, then its own, then FAAS_BRIDGE_* variables."""
        from faas_bridge.options import Options

        defaults = dict(self.options)
        if function is not None:
            defaults.update(function.options)
        try:
            options = Options.from_environ(environ, defaults=defaults)
            return options.replace(**overrides) if overrides else options
        except ConfigurationError as exc:
            raise ConfigurationError(f"{self.path}: {exc}") from exc


# -- Finding and reading ---------------------------------------------------------------------


def load(environ: Mapping[str, str] | None = None) -> Config | None:
    """The faas.yml found, validated; None when there is none."""
    path = find_config(environ)
    return None if path is None else load_config(path)


def load_config(path: str | Path) -> Config:
    """The validated faas.yml at ``path``; ConfigFileError saying what to fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc
    data, lines = _packaged(path, text) or _parse(text, str(path))
    return _Validator(str(path), lines).config(data, path)


# -- The document as `faas-bridge package` leaves it -------------------------------------
#
# Importing PyYAML is about half of what reading faas.yml costs a cold start
# (8 ms on Python 3.11, 11 on 3.12). `faas-bridge package` therefore also
# writes the document it reads, as JSON, beside faas.yml; a deployed function
# reads that instead, if it was made from this very text (its sha256), and
# validates it as it would the YAML: the same values and lines, so the same
# verdicts and messages. Any other file, or none, and the YAML is read.


def parsed_path(path: Path) -> Path:
    """Where :func:`write_parsed` puts the document of the faas.yml at ``path``."""
    return path.with_name(path.name + ".parsed.json")


def write_parsed(path: Path, into: Path) -> bool:
    """Write the document of the faas.yml at ``path`` to ``into``, as JSON.

    False, and nothing written, when JSON cannot hold it exactly (a date, a
    key that is not a string): the function then reads the YAML.
    """
    text = path.read_text(encoding="utf-8")
    data, lines = _parse(text, str(path))
    saved = {
        "sha256": _digest(text),
        "document": data,
        "lines": [[list(key), line] for key, line in lines.items()],
    }
    try:
        encoded = json.dumps(saved, ensure_ascii=False, allow_nan=False)  # in document order
    except (TypeError, ValueError):
        return False
    if json.loads(encoded)["document"] != data:  # keys made strings, tuples made lists
        return False
    into.write_text(encoded, encoding="utf-8")
    return True


def _packaged(path: Path, text: str) -> tuple[Any, dict[Key, int]] | None:
    """The document and lines :func:`write_parsed` left beside ``path`` from ``text``, or None."""
    try:
        saved = json.loads(parsed_path(path).read_text(encoding="utf-8"))
        if saved["sha256"] != _digest(text):
            return None  # made from another text: faas.yml was edited since
        return saved["document"], {tuple(key): line for key, line in saved["lines"]}
    except (OSError, ValueError, LookupError, TypeError):
        return None  # none (not packaged by faas-bridge), or not ours: read the YAML


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: The most values faas.yml's aliases may stand for, counted over the whole
#: file: a value reached through an alias counts once per alias that reaches
#: it, however deeply aliases nest. Sharing options or routes among a few
#: dozen functions stays far below it; an alias bomb ("billion laughs": nine
#: aliases of nine aliases of ... in a few hundred bytes) passes it at once.
ALIAS_BUDGET = 10_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: How deep faas.yml's values may nest (its own deepest key is about six levels down).
MAX_DEPTH = 64


def _parse(text: str, file: str) -> tuple[Any, dict[Key, int]]:
    """The YAML document (safe loading) and the line of every key path in it."""
    import yaml

    loader = _bounded_loader()(text, file)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "unreadable"
            source = text.splitlines()
            line = source[mark.line] if mark is not None and mark.line < len(source) else ""
            fix = "check the indentation and quoting there"
            if "[" in line and "{" in line:
                fix = "quote a pattern holding {name} inside [...]: ['/notes/{id}']"
            raise ConfigFileError(
                file,
                mark.line + 1 if mark is not None else 0,
                "",
                f"not valid YAML: {problem}",
                "'key: value' lines, nested by indentation",
                fix,
            ) from None
        except yaml.YAMLError as exc:
            raise ConfigFileError(file, 0, "", f"not valid YAML: {exc}", "YAML") from None
        if node is None:
            return {}, {}
        lines: dict[Key, int] = {}
        return _build(node, (), lines, loader, file, set()), lines
    finally:
        loader.dispose()


_loader_class: Any = None


def _bounded_loader() -> Any:
    """yaml.SafeLoader, counting as it composes the values its aliases stand for.

    PyYAML composes an alias as the anchored node itself, so the document is
    a graph; :func:`_build` walks it as the tree it stands for (every key's
    line is wanted), which costs one step per value reached through an alias.
    Each composed collection's size as a tree is kept, so each alias adds
    what it stands for to the count as it is read, and the one that passes
    :data:`ALIAS_BUDGET` is refused on its own line, before anything is built.
    """
    global _loader_class
    if _loader_class is not None:
        return _loader_class
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        def __init__(self, stream: str, file: str) -> None:
            super().__init__(stream)
            self.file = file
            #: id of a composed collection node -> its values as a tree (itself included).
            self.sizes: dict[int, int] = {}
            #: The values stood for by the aliases read so far.
            self.through_aliases = 0
            #: id of a mapping node -> how many of its pairs came from merge keys (<<).
            self.merged: dict[int, int] = {}
            #: How many collections the node being composed is inside.
            self.depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                node = super().compose_node(parent, index)
                # A collection still being composed (a recursive alias) counts
                # one: _build refuses it by name.
                self.through_aliases += self.sizes.get(id(node), 1)
                if self.through_aliases > ALIAS_BUDGET:
                    raise ConfigFileError(
                        self.file,
                        event.start_mark.line + 1,
                        "",
                        f"the alias *{event.anchor} brings the values repeated through "
                        f"aliases past {ALIAS_BUDGET}",
                        "aliases that share a few values, not aliases of aliases (an alias bomb)",
                        "write the values out, or share fewer",
                    )
                return node
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:  # before PyYAML's recursion runs out of stack
                    _too_deep(self.file, self.peek_event().start_mark.line + 1)  # type: ignore[no-untyped-call]
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            if isinstance(node, yaml.SequenceNode):
                sizes = self.sizes
                self.sizes[id(node)] = 1 + sum(sizes.get(id(item), 1) for item in node.value)
            elif isinstance(node, yaml.MappingNode):
                sizes = self.sizes
                self.sizes[id(node)] = 1 + sum(
                    sizes.get(id(key), 1) + sizes.get(id(value), 1) for key, value in node.value
                )
            return node

    _loader_class = BoundedLoader
    return BoundedLoader


def _build(
    node: Any, path: Key, lines: dict[Key, int], loader: Any, file: str, active: set[int]
) -> Any:
    import yaml

    lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:  # aliases inside aliases can nest deeper than the text
        _too_deep(file, node.start_mark.line + 1)
    if id(node) in active:
        line = node.start_mark.line + 1
        raise ConfigFileError(file, line, _dotted(path), "a recursive alias", "plain values")
    if isinstance(node, yaml.MappingNode):
        active.add(id(node))
        merged = loader.merged.get(id(node))
        if merged is None:  # the first visit: merge keys (<<) are flattened in place
            own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
            _construct(loader.flatten_mapping, node, path, file)
            merged = loader.merged[id(node)] = len(node.value) - own
        result: dict[str, Any] = {}
        own_lines: dict[str, int] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            line = key_node.start_mark.line + 1
            key = (
                _construct(loader.construct_object, key_node, path, file)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str):
                raise ConfigFileError(
                    file,
                    line,
                    _dotted(path),
                    f"the key {shown(key)} is not text",
                    "text keys",
                    "quote it",
                )
            entry = (*path, key)
            if index >= merged:  # the mapping's own keys, which override merged ones
                if key in own_lines:
                    raise ConfigFileError(
                        file,
                        line,
                        _dotted((*path, key)),
                        f"given twice (first on line {own_lines[key]})",
                        "each key once",
                        "remove one of them",
                    )
                own_lines[key] = line
            lines[entry] = line
            result[key] = _build(value_node, entry, lines, loader, file, active)
        active.discard(id(node))
        return result
    if isinstance(node, yaml.SequenceNode):
        active.add(id(node))
        items = [
            _build(item, (*path, index), lines, loader, file, active)
            for index, item in enumerate(node.value)
        ]
        active.discard(id(node))
        return items
    return _construct(loader.construct_object, node, path, file, True)


def _too_deep(file: str, line: int) -> NoReturn:
    raise ConfigFileError(
        file,
        line,
        "",
        f"values nested more than {MAX_DEPTH} deep",
        "the few levels faas.yml has (functions, a function, its triggers, ...)",
        "flatten the value",
    )


def _construct(step: Callable[..., Any], node: Any, path: Key, file: str, *args: Any) -> Any:
    """One of PyYAML's construction steps; what it cannot make is a ConfigFileError.

    A tag it refuses (``!!python/name:...``), a malformed ``!!binary``, a
    date such as 2001-13-45, a merge key (``<<``) given a plain value.
    """
    import yaml

    try:
        return step(node, *args)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "unreadable"
        mark = exc.problem_mark or node.start_mark
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        problem, mark = str(exc), node.start_mark
    raise ConfigFileError(
        file,
        mark.line + 1,
        _dotted(path),
        f"the value cannot be read: {problem}",
        "plain YAML values (text, numbers, true/false, lists, mappings)",
        "quote it to keep it as text",
    ) from None


def _dotted(path: Key) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), f"a {type(value).__name__}") + (
        f" ({shown(value)})" if isinstance(value, (str, int, float)) else ""
    )


class DocumentChecker:
    """The base of faas.yml's checkers: a problem at a key is a ConfigFileError with its line.

    ``lines`` maps key paths to their lines; a key with none (a default, say)
    is reported at the line of its nearest parent.
    """

    def __init__(self, file: str, lines: dict[Key, int]) -> None:
        self.file = file
        self.lines = lines

    def fail(self, path: Key, problem: str, expected: str, fix: str = "") -> NoReturn:
        line = 0
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                line = self.lines[path[:end]]
                break
        raise ConfigFileError(self.file, line, _dotted(path), problem, expected, fix)


class _Validator(DocumentChecker):
    """Checks one document, turning every problem into a ConfigFileError with its line."""

    def invalid(self, path: Key, exc: Invalid) -> NoReturn:
        where = (*path, exc.key) if exc.key and (*path, exc.key) in self.lines else path
        self.fail(where, exc.problem, exc.expected, exc.fix)

    def keys(self, mapping: Mapping[str, Any], path: Key, allowed: tuple[str, ...]) -> None:
        for key in mapping:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            if close:
                fix = f"did you mean {close[0]!r}?"
            elif key in OPTION_KEYS and "options" in allowed:
                fix = f"options go under 'options:' ({_dotted((*path, 'options', key))})"
            else:
                fix = "remove it"
            self.fail((*path, key), "unknown key", f"one of {', '.join(allowed)}", fix)

    def mapping(self, value: Any, path: Key, expected: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"this is {_kind(value)}", expected)
        return value

    def listed(self, value: Any, path: Key, expected: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, f"this is {_kind(value)}", expected)
        return value

    # -- the document ------------------------------------------------------------------

    def config(self, data: Any, path: Path) -> Config:
        if data is None or data == {}:
            return Config(path)
        if not isinstance(data, Mapping):
            self.fail(
                (),
                f"the file holds {_kind(data)}",
                f"a mapping with the keys {', '.join(TOP_KEYS)}",
                "start with a line such as 'app: mysite.wsgi:application'",
            )
        self.keys({k: v for k, v in data.items() if k != DEPLOY_KEY}, (), TOP_KEYS)
        app = self.app(data, ())
        options = self.options(data.get("options"), ("options",)) if "options" in data else {}
        functions: dict[str, FunctionConfig] = {}
        if "functions" in data:
            raw = self.mapping(
                data["functions"], ("functions",), "a mapping of function names to their settings"
            )
            if not raw:
                self.fail(
                    ("functions",),
                    "no functions",
                    "at least one function",
                    "add one, or remove 'functions'",
                )
            for name, body in raw.items():
                if not _FUNCTION_NAME.match(name):
                    self.fail(
                        ("functions", name),
                        f"{name!r} is not a function name",
                        "letters, digits, - and _ (at most 64), as the platforms allow",
                    )
                functions[name] = self.function(name, body, ("functions", name))
        self.no_shared_routes(functions)
        return Config(path, app, options, functions)

    def app(self, data: Mapping[str, Any], path: Key) -> str | None:
        if "app" not in data:
            return None
        value = data["app"]
        if not isinstance(value, str) or not _APP_SPEC.match(value.strip()):
            self.fail(
                (*path, "app"),
                f"the app is {_kind(value)}",
                "package.module:attribute, such as mysite.wsgi:application",
            )
        return value.strip()

    def function(self, name: str, body: Any, path: Key) -> FunctionConfig:
        if body is None:
            return FunctionConfig(name)
        body = self.mapping(body, path, f"the function's settings ({', '.join(FUNCTION_KEYS)})")
        self.keys(body, path, FUNCTION_KEYS)
        routes = None
        if "routes" in body:
            items = self.listed(
                body["routes"], (*path, "routes"), "a list of route patterns ([] for none)"
            )
            found = []
            for index, item in enumerate(items):
                where = (*path, "routes", index)
                if isinstance(item, Mapping):
                    self.keys(item, where, ROUTE_KEYS)
                try:
                    found.append(parse_route(item))
                except Invalid as exc:
                    self.invalid(where, exc)
            routes = tuple(found)
        triggers = []
        if "triggers" in body:
            items = self.listed(body["triggers"], (*path, "triggers"), "a list of trigger routes")
            for index, item in enumerate(items):
                triggers.append(self.trigger(item, (*path, "triggers", index)))
        commands = (
            self.commands(body["commands"], (*path, "commands")) if "commands" in body else ()
        )
        options = self.options(body["options"], (*path, "options")) if "options" in body else {}
        return FunctionConfig(
            name, self.app(body, path), routes, tuple(triggers), commands, options
        )

    def trigger(self, item: Any, path: Key) -> TriggerRoute:
        # Only a file that routes triggers loads the modules that deliver them.
        from faas_bridge.routing.triggers import make_route

        item = self.mapping(item, path, "a trigger route: {type: ..., call: ... or route: ...}")
        self.keys(item, path, TRIGGER_KEYS)
        if "type" not in item:
            self.fail(path, "no type", "type: one of the trigger types (aws.sqs, aws.s3, ...)")
        settings = {k: v for k, v in item.items() if k != "type"}
        line = self.lines.get(path, 0)
        try:
            return make_route(item["type"], where=f"{self.file}:{line}", **settings)
        except Invalid as exc:
            self.invalid(path, exc)

    def commands(self, value: Any, path: Key) -> tuple[str, ...]:
        # Only a file that lists commands loads the module that runs them.
        from faas_bridge.routing.commands import FORBIDDEN
        from faas_bridge.routing.commands import NAME as COMMAND_NAME

        items = self.listed(value, path, "a list of command names, such as [migrate]")
        names = []
        for index, name in enumerate(items):
            where = (*path, index)
            if not isinstance(name, str) or not COMMAND_NAME.match(name):
                self.fail(where, f"{_kind(name)} is not a command name", "a name such as migrate")
            if name in FORBIDDEN:
                self.fail(
                    where,
                    f"{name!r} {FORBIDDEN[name]}: faas_bridge never allows it",
                    "commands that do one fixed job, such as migrate",
                    "remove it",
                )
            names.append(name)
        return tuple(dict.fromkeys(names))

    def options(self, value: Any, path: Key) -> dict[str, Any]:
        value = self.mapping(value, path, f"a mapping of options ({', '.join(OPTION_KEYS)})")
        self.keys(value, path, OPTION_KEYS)
        found: dict[str, Any] = {}
        for key, item in value.items():
            found[key] = self.option(key, item, (*path, key))
        return found

    def option(self, key: str, value: Any, path: Key) -> Any:
        if key == "base_path":
            if not isinstance(value, str):
                self.fail(path, f"this is {_kind(value)}", "a path such as /v1")
            return value
        if key in ("text_types", "warmup"):
            expected = (
                "a list of content types (or prefixes such as text/)"
                if key == "text_types"
                else "a list of key=value markers, such as ['warmer=true']"
            )
            items = self.listed(value, path, expected)
            for index, item in enumerate(items):
                if (
                    not isinstance(item, str)
                    or not item.strip()
                    or (key == "warmup" and "=" not in item)
                ):
                    self.fail((*path, index), f"this is {_kind(item)}", expected)
            return tuple(items)
        if key == "platform":
            from faas_bridge.platforms import NAMES

            if not isinstance(value, str) or value not in NAMES:
                close = difflib.get_close_matches(str(value), NAMES, n=1)
                self.fail(
                    path,
                    f"unknown platform {shown(value)}",
                    f"one of {', '.join(NAMES)}",
                    f"did you mean {close[0]!r}?" if close else "",
                )
            return value
        if key == "interface":
            if value not in ("wsgi", "asgi"):
                self.fail(path, f"this is {_kind(value)}", "wsgi or asgi")
            return value
        if key == "lifespan":
            if value is True or value is False:
                return "on" if value else "off"  # YAML reads a bare on/off as true/false
            if value not in ("auto", "on", "off"):
                self.fail(path, f"this is {_kind(value)}", "auto, on or off")
            return value
        if key in ("deadline_margin", "shutdown_timeout"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                self.fail(path, f"this is {_kind(value)}", "a number of seconds >= 0, such as 0.5")
            return float(value)
        if key == "underscore_headers":
            if value not in ("drop", "keep"):
                self.fail(path, f"this is {_kind(value)}", "drop or keep")
            return value
        if key == "response_stream":
            if value is not True and value is not False:
                self.fail(path, f"this is {_kind(value)}", "true or false")
            return value
        if key == "non_http_events":
            if value not in ("auto", "accept", "refuse"):
                self.fail(path, f"this is {_kind(value)}", "auto, accept or refuse")
            return value
        # trusted_proxy_hops
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(path, f"this is {_kind(value)}", "a whole number of proxies >= 0")
        return value

    def no_shared_routes(self, functions: Mapping[str, FunctionConfig]) -> None:
        seen: list[tuple[str, int, Route]] = []
        for name, function in functions.items():
            for index, route in enumerate(function.routes or ()):
                for other_name, other_index, other in seen:
                    if other_name != name and route.overlaps(other):
                        line = self.lines.get(("functions", other_name, "routes", other_index), 0)
                        self.fail(
                            ("functions", name, "routes", index),
                            f"{route.text!r} is also owned by function {other_name!r} "
                            f"(line {line})",
                            "each route pattern owned by one function",
                            "remove it from one of them (a more specific pattern may stay: "
                            "the most specific wins)",
                        )
                seen.append((name, index, route))


# -- Handlers built from it ------------------------------------------------------------------


def apply(handler: Handler, function: FunctionConfig | None) -> None:
    """Give the handler the function's routes, trigger routes and allowed commands."""
    if function is None:
        return
    handler.function = function.name
    if function.triggers or function.commands:
        router = handler.trigger_router()
        for route in function.triggers:
            router.add(route)
        router.allow(*function.commands)
    reserved = frozenset(reserved_key(t.path) for t in function.triggers if t.path is not None)
    if function.routes is not None or reserved:
        handler.routes = RouteTable(function.name, function.routes, reserved)


def add_to_path(directory: Path) -> None:
    """Names in faas.yml are imported relative to its directory."""
    text = str(directory.resolve())
    if text not in sys.path:
        sys.path.insert(0, text)


def configured_handler(environ: Mapping[str, str] | None = None) -> Handler:
    """``faas_bridge.handler``'s Handler: from faas.yml when there is one, else the environment."""
    from faas_bridge.bridges.apps import configured_app, load_app
    from faas_bridge.dispatch import Handler

    env = os.environ if environ is None else environ
    config = load(env)
    if config is None:
        return environment_handler(env)
    function = config.running_function(env)
    add_to_path(config.path.parent)
    spec = config.app_for(function, env)
    began = time.perf_counter()
    app = load_app(spec) if spec else configured_app(env)
    seconds = time.perf_counter() - began
    handler = Handler(app, config.options_for(function, env), import_seconds=seconds)
    apply(handler, function)
    return handler


class FunctionSet:
    """Every function of a faas.yml in one process: what ``faas-bridge serve`` emulates."""

    def __init__(self, config: Config, handlers: Mapping[str, Handler]) -> None:
        self.config = config
        self.handlers = dict(handlers)

    def __repr__(self) -> str:
        return f"<FunctionSet {', '.join(self.handlers)}>"

    def pick(self, method: str, path: str) -> tuple[str, Handler] | None:
        """(name, handler) of the function owning the route most specifically, or None."""
        best: tuple[tuple[int, int, int], str, Handler] | None = None
        for name, handler in self.handlers.items():
            table = handler.routes
            score = (-1, 0, 0) if table is None else table.best(method, path)
            if score is not None and (best is None or score > best[0]):
                best = (score, name, handler)
        return None if best is None else (best[1], best[2])

    def shutdown(self) -> None:
        for handler in reversed(list(self.handlers.values())):
            handler.shutdown()


def function_set(
    config: Config,
    apps: Callable[[str | None], tuple[Any, float]],
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> FunctionSet:
    """A Handler per function, each app from ``apps(spec)`` (which may cache)."""
    from faas_bridge.dispatch import Handler

    handlers: dict[str, Handler] = {}
    for name, function in config.functions.items():
        app, seconds = apps(config.app_for(function, environ))
        handler = Handler(
            app, config.options_for(function, environ, **overrides), import_seconds=seconds
        )
        apply(handler, function)
        handlers[name] = handler
    return FunctionSet(config, handlers)


__all__ = [
    "CONFIG_VARIABLE",
    "FUNCTION_VARIABLE",
    "Config",
    "ConfigFileError",
    "FunctionConfig",
    "FunctionSet",
    "Route",
    "RouteTable",
    "configured_handler",
    "find_config",
    "load",
    "load_config",
]
