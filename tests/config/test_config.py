"""faas.yml: validation messages, route patterns, which function runs, options, defaults.

The broken-file table gives, for each mistake, the exact message: the file and
line, the key path, what was wrong, what was expected, and the fix. The
format is ``FILE:LINE: KEY: PROBLEM; expected EXPECTED; FIX``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from faas_bridge import ConfigurationError, ConfiguredHandler, config
from faas_bridge.config import (
    Config,
    ConfigFileError,
    configured_handler,
    find_config,
    load_config,
    parsed_path,
    write_parsed,
)
from faas_bridge.platforms import NAMES
from faas_bridge.routing.routes import RouteTable, app_path, parse_route
from support import faasyml_apps as apps
from support.cli_servers import command_env
from support.events import load_event, reply_body, reply_json

ROUTE_EXPECTED = "a path pattern such as /notes/* or 'GET,POST /api/notes/{id}'"
TRIGGER_HOW = (
    "one of 'call' (a Python callable, package.module:function) or 'route' "
    "(an app route, METHOD /path)"
)
TYPES = (
    "aws.sqs, aws.sns, aws.s3, aws.dynamodb, aws.kinesis, aws.events.scheduled, aws.events, "
    "aliyun.timer, aliyun.oss, aliyun.mns, tencent.timer, tencent.cos, tencent.cmq, "
    "huawei.timer, yandex.timer, google.cloudevent, azure.timer, azure.queue, custom"
)
OPTION_KEYS = (
    "base_path, text_types, platform, interface, lifespan, deadline_margin, shutdown_timeout, "
    "warmup, trusted_proxy_hops, non_http_events, underscore_headers, response_stream"
)


def web(body: str) -> str:
    """A file with one function, ``web``, whose settings are ``body`` (lines 3 on)."""
    return "functions:\n  web:\n" + textwrap.indent(textwrap.dedent(body), "    ")


BROKEN = [
    (
        "not YAML",
        "app: x\n  bad: y\n",
        "{f}:2: not valid YAML: mapping values are not allowed here; expected 'key: value' "
        "lines, nested by indentation; check the indentation and quoting there",
    ),
    (
        "a route pattern unquoted in a flow list",
        web("routes: [/notes/{id}]\n"),
        "{f}:3: not valid YAML: expected ',' or ']', but got '{'; expected 'key: value' "
        "lines, nested by indentation; quote a pattern holding {name} inside [...]: "
        "['/notes/{id}']",
    ),
    (
        "a list at the top",
        "- app\n- functions\n",
        "{f}:1: the file holds a list; expected a mapping with the keys app, options, "
        "functions; start with a line such as 'app: mysite.wsgi:application'",
    ),
    (
        "a misspelt top-level key",
        "app: mysite.wsgi:application\nfunctoins:\n  web: {}\n",
        "{f}:2: functoins: unknown key; expected one of app, options, functions; "
        "did you mean 'functions'?",
    ),
    (
        "an option at the top level",
        "app: a:b\nbase_path: /v1\n",
        "{f}:2: base_path: unknown key; expected one of app, options, functions; "
        "options go under 'options:' (options.base_path)",
    ),
    (
        "an app given as a file",
        "app: mysite/wsgi.py\n",
        "{f}:1: app: the app is text ('mysite/wsgi.py'); expected package.module:attribute, "
        "such as mysite.wsgi:application",
    ),
    (
        "a key given twice",
        "app: a:b\nfunctions:\n  web: {}\napp: c:d\n",
        "{f}:4: app: given twice (first on line 1); expected each key once; remove one of them",
    ),
    (
        "a key that is no text",
        "functions:\n  1: {}\n",
        "{f}:2: functions: the key 1 is not text; expected text keys; quote it",
    ),
    (
        "no functions",
        "functions: {}\n",
        "{f}:1: functions: no functions; expected at least one function; "
        "add one, or remove 'functions'",
    ),
    (
        "a function name the platforms refuse",
        "functions:\n  'my web': {}\n",
        "{f}:2: functions.my web: 'my web' is not a function name; expected letters, digits, "
        "- and _ (at most 64), as the platforms allow",
    ),
    (
        "a misspelt function key",
        web("rotues: [/a]\n"),
        "{f}:3: functions.web.rotues: unknown key; expected one of app, routes, triggers, "
        "commands, options; did you mean 'routes'?",
    ),
    (
        "routes as text",
        web("routes: /a\n"),
        "{f}:3: functions.web.routes: this is text ('/a'); expected a list of route patterns "
        "([] for none)",
    ),
    (
        "a route without its slash",
        web("routes:\n  - /ok\n  - api/*\n"),
        f"{{f}}:5: functions.web.routes[1]: the path 'api/*' does not start with /; "
        f"expected {ROUTE_EXPECTED}",
    ),
    (
        "a star inside a route",
        web("routes: [/a/*/b]\n"),
        f"{{f}}:3: functions.web.routes[0]: in '/a/*/b', * is not the last segment; "
        f"expected {ROUTE_EXPECTED}",
    ),
    (
        "a parameter sharing its segment",
        web("routes: ['/notes/id-{id}']\n"),
        f"{{f}}:3: functions.web.routes[0]: '/notes/id-{{id}}' holds 'id-{{id}}'; "
        f"expected {ROUTE_EXPECTED} ({{name}} a whole segment, * only at the end)",
    ),
    (
        "a misspelt method",
        web("routes:\n  - {path: /a, methods: [GET, PSOT]}\n"),
        "{f}:4: functions.web.routes[0].methods: 'PSOT' is not an HTTP method; expected a list "
        "of HTTP methods (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS), or * for all; "
        "did you mean 'POST'?",
    ),
    (
        "a misspelt route key",
        web("routes:\n  - {path: /a, method: GET}\n"),
        "{f}:4: functions.web.routes[0].method: unknown key; expected one of path, methods; "
        "did you mean 'methods'?",
    ),
    (
        "one route owned by two functions",
        "functions:\n  web:\n    routes: [/api/*]\n  api:\n    routes:\n      - GET /api/*\n",
        "{f}:6: functions.api.routes[0]: 'GET /api/*' is also owned by function 'web' "
        "(line 3); expected each route pattern owned by one function; remove it from one of "
        "them (a more specific pattern may stay: the most specific wins)",
    ),
    (
        "a trigger of an unknown type",
        web("triggers:\n  - type: aws.sqss\n    call: jobs:run\n"),
        f"{{f}}:4: functions.web.triggers[0].type: unknown trigger type 'aws.sqss'; "
        f"expected one of {TYPES}; did you mean 'aws.sqs'?",
    ),
    (
        "a trigger with no type",
        web("triggers:\n  - call: jobs:run\n"),
        "{f}:4: functions.web.triggers[0]: no type; expected type: one of the trigger types "
        "(aws.sqs, aws.s3, ...)",
    ),
    (
        "a trigger delivered nowhere",
        web("triggers:\n  - type: aws.sqs\n"),
        f"{{f}}:4: functions.web.triggers[0]: nothing to deliver aws.sqs events to; "
        f"expected {TRIGGER_HOW}",
    ),
    (
        "a trigger delivered twice",
        web("triggers:\n  - type: aws.sqs\n    call: jobs:run\n    route: POST /jobs\n"),
        f"{{f}}:6: functions.web.triggers[0].route: both 'call' and 'route' are given; "
        f"expected {TRIGGER_HOW}; keep one",
    ),
    (
        "a call without its function",
        web("triggers:\n  - type: aws.sqs\n    call: jobs.run\n"),
        "{f}:5: functions.web.triggers[0].call: call is 'jobs.run'; expected "
        "package.module:function (a callable taking event and context)",
    ),
    (
        "a trigger route with a pattern",
        web("triggers:\n  - type: aws.events.scheduled\n    route: POST /jobs/*\n"),
        "{f}:5: functions.web.triggers[0].route: '/jobs/*' is not an exact path; expected "
        "'METHOD /path' such as 'POST /internal/jobs/nightly' (an exact path)",
    ),
    (
        "a source where events carry none",
        web("triggers:\n  - type: azure.timer\n    source: x\n    call: jobs:run\n"),
        "{f}:5: functions.web.triggers[0].source: azure.timer events carry no source to "
        "match; expected no 'source' here; remove it (use 'match' on the event's keys)",
    ),
    (
        "a partial batch where there is none",
        web("triggers:\n  - type: aws.sns\n    call: jobs:run\n    partial_batch: false\n"),
        "{f}:6: functions.web.triggers[0].partial_batch: aws.sns events have no partial batch "
        "response; expected partial_batch only for aws.sqs, aws.dynamodb and aws.kinesis; "
        "remove it",
    ),
    (
        "a nested match value",
        web("triggers:\n  - type: aws.events\n    match: {detail: {state: x}}\n    call: j:r\n"),
        "{f}:5: functions.web.triggers[0].match: the value of 'detail' is {'state': 'x'}; "
        "expected a mapping of dotted keys to text, numbers or true/false (* matches any text)",
    ),
    (
        "a custom trigger without match",
        web("triggers:\n  - type: custom\n    call: jobs:run\n"),
        "{f}:4: functions.web.triggers[0]: a custom trigger needs 'match'; expected match: a "
        "mapping of the event's keys to values, such as {job: reindex}",
    ),
    (
        "a misspelt trigger key",
        web("triggers:\n  - type: aws.s3\n    sorce: uploads\n    call: jobs:run\n"),
        "{f}:5: functions.web.triggers[0].sorce: unknown key; expected one of type, call, "
        "route, source, match, partial_batch, host; did you mean 'source'?",
    ),
    (
        "a command that runs any code",
        web("commands: [migrate, shell]\n"),
        "{f}:3: functions.web.commands[1]: 'shell' runs any Python code it is given: "
        "faas_bridge never allows it; expected commands that do one fixed job, such as "
        "migrate; remove it",
    ),
    (
        "commands as text",
        web("commands: migrate\n"),
        "{f}:3: functions.web.commands: this is text ('migrate'); expected a list of command "
        "names, such as [migrate]",
    ),
    (
        "a duration with its unit",
        "options:\n  deadline_margin: 1s\n",
        "{f}:2: options.deadline_margin: this is text ('1s'); expected a number of seconds "
        ">= 0, such as 0.5",
    ),
    (
        "an unknown lifespan mode",
        "options:\n  lifespan: sometimes\n",
        "{f}:2: options.lifespan: this is text ('sometimes'); expected auto, on or off",
    ),
    (
        "a misspelt option",
        web("options:\n  text_type: [application/x-ndjson]\n"),
        f"{{f}}:4: functions.web.options.text_type: unknown key; expected one of {OPTION_KEYS}; "
        f"did you mean 'text_types'?",
    ),
    (
        "a warm-up marker without a value",
        "options:\n  warmup: [warmer]\n",
        "{f}:2: options.warmup[0]: this is text ('warmer'); expected a list of key=value "
        "markers, such as ['warmer=true']",
    ),
    (
        "a negative proxy count",
        "options:\n  trusted_proxy_hops: -1\n",
        "{f}:2: options.trusted_proxy_hops: this is a int (-1); expected a whole number of "
        "proxies >= 0",
    ),
    (
        "a recursive alias",
        "app: a:b\nfunctions:\n  web:\n    routes: &r [*r]\n",
        "{f}:4: functions.web.routes[0]: a recursive alias; expected plain values",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_broken_faas_yml_says_where_what_and_how(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(info.value) == message.replace("{f}", str(path))


def test_an_unknown_platform_lists_the_platforms(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text("options:\n  platform: aws-apigw-v3\n")
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:2: options.platform: unknown platform 'aws-apigw-v3'; expected one of "
        f"{', '.join(NAMES)}; did you mean 'aws-apigw-v2'?"
    )


def test_the_error_carries_its_parts(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(web("rotues: []\n"))
    with pytest.raises(ConfigurationError) as info:  # a ConfigurationError like any other
        load_config(path)
    error = info.value
    assert isinstance(error, ConfigFileError)
    assert (error.file, error.line, error.key) == (str(path), 3, "functions.web.rotues")
    assert error.fix == "did you mean 'routes'?"


# -- A valid file --------------------------------------------------------------------------

FULL = """\
app: support.faasyml_apps:web_app
options:
  base_path: /v1
  text_types: [application/x-ndjson]
  lifespan: off            # YAML reads a bare off as false: taken as "off"
  deadline_margin: 2
functions:
  web:
    routes:
      - /
      - /notes/*
      - GET,POST /api/notes/{id}
      - {path: /admin/*, methods: [GET, POST]}
    triggers:
      - type: aws.events.scheduled
        source: "*:rule/Nightly"
        route: PUT /internal/jobs/nightly
      - type: aws.sqs
        call: support.faasyml_apps:record
        partial_batch: false
    commands: [migrate, check]
    options: {deadline_margin: 0.25}
  api:
    app: support.faasyml_apps:api_app
    routes: [/api/*]
  worker:
    routes: []
"""


def test_a_full_file_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(FULL)
    config = load_config(path)
    assert config.app == "support.faasyml_apps:web_app"
    assert dict(config.options) == {
        "base_path": "/v1",
        "text_types": ("application/x-ndjson",),
        "lifespan": "off",
        "deadline_margin": 2.0,
    }
    assert list(config.functions) == ["web", "api", "worker"]
    webf = config.functions["web"]
    assert [r.text for r in webf.routes or ()] == [
        "/",
        "/notes/*",
        "GET,POST /api/notes/{id}",
        "GET,POST /admin/*",
    ]
    scheduled, queue = webf.triggers
    assert (scheduled.type, scheduled.source, scheduled.method, scheduled.path) == (
        "aws.events.scheduled",
        "*:rule/Nightly",
        "PUT",
        "/internal/jobs/nightly",
    )
    assert (queue.call, queue.partial_batch, queue.where) == (
        "support.faasyml_apps:record",
        False,
        f"{path}:18",
    )
    assert webf.commands == ("migrate", "check")
    assert config.functions["api"].app == "support.faasyml_apps:api_app"
    assert config.functions["worker"].routes == ()
    options = config.options_for(webf, {})
    assert (options.base_path, options.lifespan, options.deadline_margin) == ("/v1", "off", 0.25)
    assert config.options_for(config.functions["api"], {}).deadline_margin == 2.0


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n", "{}\n"])
def test_an_empty_file_means_the_defaults(tmp_path: Path, text: str) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(text)
    config = load_config(path)
    assert (config.app, dict(config.options), dict(config.functions)) == (None, {}, {})
    assert config.running_function({}) is None


# -- Route patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "method", "path", "matches"),
    [
        ("/notes", "GET", "/notes", True),
        ("/notes", "GET", "/notes/", False),  # exact means exact
        ("/notes/", "GET", "/notes/", True),
        ("/notes/*", "GET", "/notes", True),  # the path above the star too
        ("/notes/*", "GET", "/notes/", True),
        ("/notes/*", "GET", "/notes/1/edit", True),
        ("/notes/*", "GET", "/notesx", False),  # a segment boundary
        ("/*", "POST", "/anything/at/all", True),
        ("/notes/{id}", "GET", "/notes/7", True),
        ("/notes/{id}", "GET", "/notes/7/edit", False),  # one segment
        ("/notes/{id}", "GET", "/notes/", False),  # a non-empty one
        ("/notes/{id}/edit", "GET", "/notes/7/edit", True),
        ("GET /notes/*", "HEAD", "/notes/1", True),  # GET includes HEAD
        ("GET /notes/*", "POST", "/notes/1", False),
        ("GET,POST /notes/*", "POST", "/notes/1", True),
        ("/café/*", "GET", "/café/x", True),  # decoded text
        ("/a.b/*", "GET", "/aXb/c", False),  # dots are literal
    ],
)
def test_route_patterns(pattern: str, method: str, path: str, matches: bool) -> None:
    assert parse_route(pattern).matches(method, path) is matches


def test_requests_are_matched_on_the_decoded_path_with_slashes_merged() -> None:
    assert app_path(b"/caf%C3%A9/a%2Fb") == "/café/a/b"
    assert app_path(b"//notes///7") == "/notes/7"
    table = RouteTable("web", (parse_route("/notes/{id}"),))
    assert table.owns("GET", app_path(b"/notes%2F7")) is True


def test_the_most_specific_function_owns_a_route(tmp_path: Path) -> None:
    from faas_bridge.config import FunctionSet, apply

    path = tmp_path / "faas.yml"
    path.write_text(
        "functions:\n"
        "  catchall: {}\n"
        "  api:\n    routes: [/api/*]\n"
        "  admin:\n    routes: [/api/admin/*]\n"
        "  one:\n    routes: ['/api/admin/{x}']\n"
        "  exact:\n    routes: [/api/admin/special]\n"
    )
    config = load_config(path)
    from faas_bridge import wrap

    handlers = {}
    for name, function in config.functions.items():
        handlers[name] = wrap(apps.web_app)
        apply(handlers[name], function)
    functions = FunctionSet(config, handlers)

    def owner(path: str) -> str | None:
        found = functions.pick("GET", path)
        return None if found is None else found[0]

    assert owner("/") == "catchall"
    assert owner("/api/notes") == "api"
    assert owner("/api/admin/x/y") == "admin"
    assert owner("/api/admin/x") == "one"
    assert owner("/api/admin/special") == "exact"


# -- Which function runs here --------------------------------------------------------------

TWO = "functions:\n  web: {}\n  api: {}\n"


def config_of(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "faas.yml"
    path.write_text(text)
    return load_config(path)


@pytest.mark.parametrize(
    "variable",
    [
        "FAAS_BRIDGE_FUNCTION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "FC_FUNCTION_NAME",
        "SCF_FUNCTIONNAME",
        "RUNTIME_FUNC_NAME",
        "K_SERVICE",
        "FUNCTION_NAME",
        "WEBSITE_SITE_NAME",
    ],
)
def test_the_platform_names_the_function(tmp_path: Path, variable: str) -> None:
    function = config_of(tmp_path, TWO).running_function({variable: "api"})
    assert function is not None and function.name == "api"


def test_faas_bridge_function_wins_over_the_platform(tmp_path: Path) -> None:
    env = {"FAAS_BRIDGE_FUNCTION": "web", "AWS_LAMBDA_FUNCTION_NAME": "myapp-prod-api"}
    function = config_of(tmp_path, TWO).running_function(env)
    assert function is not None and function.name == "web"


def test_a_name_faas_yml_does_not_know(tmp_path: Path) -> None:
    config = config_of(tmp_path, TWO)
    with pytest.raises(ConfigurationError) as info:
        config.running_function({"AWS_LAMBDA_FUNCTION_NAME": "apii"})
    assert str(info.value) == (
        f"this function runs as 'apii' (AWS_LAMBDA_FUNCTION_NAME, set by AWS Lambda), which "
        f"{config.path} does not define (did you mean 'api'?): its functions are web, api; "
        "set FAAS_BRIDGE_FUNCTION to one of them in the function's environment, or rename "
        "the key"
    )


def test_nothing_names_the_function(tmp_path: Path) -> None:
    config = config_of(tmp_path, TWO)
    with pytest.raises(ConfigurationError) as info:
        config.running_function({})
    assert str(info.value) == (
        f"{config.path} defines the functions web, api and nothing says which one runs here; "
        "set FAAS_BRIDGE_FUNCTION to one of them in the function's environment"
    )


def test_a_single_function_runs_whatever_the_platform_calls_it(tmp_path: Path) -> None:
    config = config_of(tmp_path, "functions:\n  web: {}\n")
    for env in ({}, {"AWS_LAMBDA_FUNCTION_NAME": "myapp-prod-web"}):
        function = config.running_function(env)
        assert function is not None and function.name == "web"
    with pytest.raises(ConfigurationError, match=r"'webb' .*did you mean 'web'"):
        config.running_function({"FAAS_BRIDGE_FUNCTION": "webb"})  # explicit: must exist


# -- Options and the app: file, function, environment ------------------------------------------


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    config = config_of(
        tmp_path,
        "app: support.faasyml_apps:web_app\noptions: {base_path: /v1, deadline_margin: 2}\n"
        "functions:\n  web:\n    app: support.faasyml_apps:api_app\n"
        "    options: {base_path: /v2}\n",
    )
    function = config.functions["web"]
    assert config.options_for(function, {}).base_path == "/v2"
    env = {"FAAS_BRIDGE_BASE_PATH": "/v3", "FAAS_BRIDGE_DEADLINE_MARGIN": "0.1"}
    options = config.options_for(function, env)
    assert (options.base_path, options.deadline_margin) == ("/v3", 0.1)
    assert config.app_for(function, {}) == "support.faasyml_apps:api_app"
    assert config.app_for(None, {}) == "support.faasyml_apps:web_app"
    assert config.app_for(function, {"FAAS_BRIDGE_APP": "x:y"}) == "x:y"


# -- Where it is found -----------------------------------------------------------------------


def test_where_faas_yml_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, here, named = tmp_path / "task", tmp_path / "cwd", tmp_path / "conf"
    for folder in (root, here, named):
        folder.mkdir()
        (folder / "faas.yml").write_text("{}\n")
    monkeypatch.chdir(here)
    assert find_config({}) == Path("faas.yml")
    assert find_config({"LAMBDA_TASK_ROOT": str(root)}) == root / "faas.yml"
    env = {"LAMBDA_TASK_ROOT": str(root), "FAAS_BRIDGE_CONFIG": str(named / "faas.yml")}
    assert find_config(env) == named / "faas.yml"
    assert find_config({"FAAS_BRIDGE_CONFIG": str(named)}) == named / "faas.yml"
    with pytest.raises(ConfigurationError) as info:
        find_config({"FAAS_BRIDGE_CONFIG": str(tmp_path / "nope.yml")})
    assert str(info.value) == (
        f"FAAS_BRIDGE_CONFIG={tmp_path / 'nope.yml'}: no such file; point it at your faas.yml "
        "or unset it"
    )
    monkeypatch.chdir(tmp_path)
    assert find_config({}) is None


# -- faas_bridge.handler with a faas.yml -----------------------------------------------------


def test_faas_bridge_handler_builds_the_running_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "faas.yml").write_text(FULL)
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        # The library's settings go; the tests' own FAAS_BRIDGE_EVENTS stays.
        if name.startswith("FAAS_BRIDGE_") and name != "FAAS_BRIDGE_EVENTS":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "api")
    handler = ConfiguredHandler()
    event = load_event("aws-apigw-v2/get-root.json")
    # A custom domain with the /v1 mapping (on the execute-api host the stage is the root).
    event["headers"]["host"] = event["requestContext"]["domainName"] = "notes.example.com"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/api/x"
    assert reply_json(handler(event, None))["app"] == "api"  # the function's own app
    assert handler.get().options.base_path == "/v1"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/notes/1"
    reply = handler(event, None)
    assert reply["statusCode"] == 404
    assert reply_body(reply) == b"Not Found: api does not serve GET /notes/1"


def test_configured_handler_applies_triggers_and_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "faas.yml").write_text(FULL)
    monkeypatch.chdir(tmp_path)
    handler = configured_handler({"FAAS_BRIDGE_FUNCTION": "web"})
    assert handler.triggers is not None
    assert handler.function == "web"
    assert handler.triggers.commands == frozenset({"migrate", "check"})
    apps.DELIVERED.clear()
    event = load_event("non-http/aws-eventbridge-scheduled.json")
    event["resources"] = ["arn:aws:events:us-east-1:123456789012:rule/Nightly"]
    reply = handler(event, None)
    assert (reply["method"], reply["path"], reply["script_name"]) == (
        "PUT",
        "/internal/jobs/nightly",
        "/v1",
    )


def test_without_faas_yml_the_environment_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    handler = configured_handler({"FAAS_BRIDGE_APP": "support.faasyml_apps:api_app"})
    assert handler.routes is None and handler.triggers is None
    event = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    assert reply_json(handler(event, None))["app"] == "api"


def test_yaml_is_imported_only_when_a_faas_yml_is_read(tmp_path: Path) -> None:
    script = (
        "import sys, json, faas_bridge\n"
        "before = sorted(m for m in ('yaml', 'faas_bridge.config', 'faas_bridge.routing.triggers') "
        "if m in sys.modules)\n"
        "faas_bridge.handler.__wrapped__.get()\n"
        "after = 'yaml' in sys.modules\n"
        "print(json.dumps([before, after]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=command_env(FAAS_BRIDGE_APP="support.faasyml_apps:web_app"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[], False]  # no faas.yml here: yaml never loaded
    (tmp_path / "faas.yml").write_text("app: support.faasyml_apps:web_app\n")
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[], True]


def test_names_in_faas_yml_import_from_its_directory(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "only_here.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'from the project']\n"
    )
    (project / "faas.yml").write_text("app: only_here:app\n")
    script = (
        "import json, sys, faas_bridge\n"
        "print(json.dumps(faas_bridge.handler(json.loads(sys.stdin.read()), None)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=command_env(LAMBDA_TASK_ROOT=str(project)),
        input=json.dumps(load_event("aws-apigw-v2/get-with-query-and-cookies.json")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["body"] == "from the project"


# -- The document `faas-bridge package` writes as JSON, read instead of the YAML ----------
#
# It must change nothing but the cost: the same values and lines for every file
# (so the same verdicts, word for word), and it must be ignored as soon as
# faas.yml no longer holds the text it was made from.

#: Anchors, merge keys and flow collections: what the YAML reader resolves.
SHARED = """\
app: support.faasyml_apps:web_app
options: &common
  deadline_margin: 1.5
  text_types: [application/x-ndjson]
functions:
  web:
    routes: ['/', '/notes/*']
    commands: &maintenance [migrate, check]
    options:
      <<: *common
      base_path: /v1
  api:
    routes: ['/api/*']
    commands: *maintenance
    options: {<<: *common, lifespan: off}
"""


def no_yaml(text: str, file: str) -> Any:
    raise AssertionError("the YAML was read although the packaged document was there")


@pytest.mark.parametrize("text", [FULL, SHARED], ids=["full", "anchors and merges"])
def test_the_packaged_document_holds_what_the_yaml_reader_reads(
    tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(text)
    from_yaml = load_config(path)
    assert write_parsed(path, parsed_path(path)) is True
    assert config._packaged(path, text) == config._parse(text, str(path))
    monkeypatch.setattr(config, "_parse", no_yaml)
    packaged = load_config(path)
    assert packaged.app == from_yaml.app
    assert packaged.options == from_yaml.options
    assert packaged.functions.keys() == from_yaml.functions.keys()
    for name, function in from_yaml.functions.items():
        assert repr(packaged.functions[name]) == repr(function)


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_broken_file_gets_the_same_message_through_the_packaged_document(
    tmp_path: Path, text: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(text)
    expected = message.replace("{f}", str(path))
    try:
        written = write_parsed(path, parsed_path(path))
    except ConfigFileError as exc:  # not YAML at all: the packaging stops with this message
        assert str(exc) == expected
        assert not parsed_path(path).exists()
        return
    if written:  # the message must come from the packaged document alone
        monkeypatch.setattr(config, "_parse", no_yaml)
    else:  # JSON cannot hold it (a key that is no text): nothing is written
        assert not parsed_path(path).exists()
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(info.value) == expected


def test_a_document_json_cannot_hold_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text("app: a:b\nrelease: 2026-12-07\n")  # YAML reads a date
    assert write_parsed(path, parsed_path(path)) is False
    assert not parsed_path(path).exists()
    with pytest.raises(ConfigFileError, match="release: unknown key"):
        load_config(path)


def test_an_edited_faas_yml_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(FULL)
    assert write_parsed(path, parsed_path(path))
    path.write_text(FULL.replace("deadline_margin: 2\n", "deadline_margin: 3\n"))
    assert config._packaged(path, path.read_text()) is None
    assert load_config(path).options["deadline_margin"] == 3.0
    read: list[str] = []
    real = config._parse
    monkeypatch.setattr(config, "_parse", lambda text, file: read.append(file) or real(text, file))
    load_config(path)
    assert read == [str(path)]


@pytest.mark.parametrize(
    "content",
    ["", "not json", "[1, 2]", '{"sha256": 5}', '{"document": {}, "lines": []}'],
    ids=["empty", "not JSON", "a list", "a wrong digest", "no digest"],
)
def test_a_file_that_is_not_ours_is_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(FULL)
    parsed_path(path).write_text(content)
    assert config._packaged(path, FULL) is None
    assert load_config(path).app == "support.faasyml_apps:web_app"
