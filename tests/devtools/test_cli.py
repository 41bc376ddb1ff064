"""The ``faas-bridge`` command: invoke, events, doctor, errors, and the README's commands.

Most commands run in-process through ``faas_bridge.devtools.cli.main`` (output captured);
the ones whose point is the process itself (``python -m faas_bridge``, doctor's
fresh interpreter, tracebacks) run as subprocesses. ``serve`` is tested in
test_gateway.py.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from faas_bridge.devtools import cli
from faas_bridge.devtools.cli.doctor import COLD_START_ROWS
from faas_bridge.devtools.gateway import platform_support
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES, load_platforms
from faas_bridge.routing.kinds import KINDS
from support.cli_servers import REPO, SUPPORT_DIR, TESTS_DIR, run_cli
from support.events import event_names, event_path, load_event
from support.sample_kinds import EDGE_RESPONSE_TRIGGERS, FOLDER_PLATFORM, REPLY_NAMES, REQUEST_NAMES

ECHO = str(SUPPORT_DIR / "echo_apps.py") + ":wsgi_app"
FLASK_ECHO = str(SUPPORT_DIR / "echo_apps.py") + ":flask_app"
README = REPO / "README.md"
ADAPTERS = load_platforms(Options())
JSON_PLATFORMS = [p.name for p in platform_support() if p.can_build and p.json_events]
SERVED = [p.name for p in platform_support() if p.can_serve]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FAAS_BRIDGE_* or Django setting from the outside changes what the CLI does."""
    for name in list(os.environ):
        if name.startswith("FAAS_BRIDGE_") and name != "FAAS_BRIDGE_EVENTS":
            monkeypatch.delenv(name)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``faas-bridge ARGS``, in-process."""
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def one_error_line(err: str) -> str:
    """The single line a user error prints (no traceback)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("faas-bridge: error: "), err
    return lines[0]


# -- The command itself ------------------------------------------------------------------------


def test_python_m_faas_bridge_runs_the_command() -> None:
    done = run_cli("--version")
    assert (done.returncode, done.stdout.strip()) == (0, "faas-bridge 0.1.0")


def test_the_console_script_is_declared() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^faas-bridge = "faas_bridge\.devtools\.cli:main"$', text, re.MULTILINE)
    assert re.search(r'^serve = \["werkzeug>=3"\]$', text, re.MULTILINE)


def test_importing_faas_bridge_loads_no_command_code() -> None:
    code = "import sys, faas_bridge; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(done.stdout))
    assert {
        "faas_bridge.devtools.cli",
        "faas_bridge.devtools.gateway",
        "argparse",
        "werkzeug",
    }.isdisjoint(loaded)


# -- invoke ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_invoke_every_sample_request(capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = str(event_path(name))
    status, out, err = run(capsys, "invoke", path, "--app", ECHO)
    if name in EDGE_RESPONSE_TRIGGERS:
        # A response trigger asks for no request to be served: a clear refusal.
        assert status == 2
        assert "response trigger" in one_error_line(err)
        return
    assert status == 0, err
    reply = json.loads(out)
    assert reply  # the vendor's reply, as JSON


@pytest.mark.parametrize("name", [*event_names("non-http"), *REPLY_NAMES])
def test_invoke_refuses_events_that_are_no_request(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    status, out, err = run(capsys, "invoke", str(event_path(name)), "--app", ECHO)
    if name.endswith(("/serverless-plugin-warmup.json", "/serverless-plugin-warmup-default.json")):
        assert (status, json.loads(out)) == (0, {"faas_bridge": "warm"})
        return
    assert status == 2
    if name.split("/")[-2] == "non-http":  # recognised, but nothing routes it (no faas.yml)
        assert re.match(r"faas-bridge: error: no route for this \w+\.[\w.]+ event", err)
        assert "functions.<name>.triggers" in one_error_line(err)
    else:
        assert "unrecognised event: an event with keys [" in one_error_line(err)
    assert out == ""


def test_invoke_reads_stdin_and_forces_a_platform(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = event_path("aws-alb/multi-value.json").read_text()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status, out, _ = run(capsys, "invoke", "-", "--app", ECHO, "--platform", "aws-alb")
    assert status == 0
    assert "multiValueHeaders" in json.loads(out)  # answered in the request's mode


def test_invoke_http_prints_the_response_the_vendor_makes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = load_event("aws-apigw-v2/get-root.json")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    status, out, _ = run(capsys, "invoke", str(path), "--app", FLASK_ECHO, "--http")
    head, _, body = out.partition("\n\n")
    lines = head.splitlines()
    assert status == 0
    assert lines[0] == "HTTP/1.1 200 OK"
    assert "Set-Cookie: a=1; Path=/" in lines
    assert "Set-Cookie: b=2; HttpOnly; Path=/" in lines  # from the reply's cookies field
    assert json.loads(body)["path"] == "/"


def test_invoke_exits_1_on_an_error_reply(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = tmp_path / "failing.py"
    app.write_text("def app(environ, start_response):\n    raise RuntimeError('boom')\n")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(load_event("aws-apigw-v2/get-with-query-and-cookies.json")))
    status, out, err = run(capsys, "invoke", str(event), "--app", f"{app}:app")
    assert status == 1
    assert json.loads(out)["statusCode"] == 500
    assert "the app failed on GET" in err  # the app's own traceback is logged


def test_invoke_rejects_a_file_that_is_not_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text("not json")
    status, _, err = run(capsys, "invoke", str(event), "--app", ECHO)
    assert status == 2
    assert f"{event} is not JSON" in one_error_line(err)


# -- events -----------------------------------------------------------------------------------


def test_events_list_shows_every_platform(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "events", "list")
    assert status == 0
    platforms, _, triggers = out.partition("\ntrigger types")
    rows = {line.split()[0]: line for line in platforms.splitlines()[1:]}
    assert list(rows) == list(NAMES)
    listed = [line.split()[0] for line in triggers.splitlines()[1:]]
    assert listed == list(KINDS)  # every type faas.yml routes, which events new builds
    for name in ("aws-apigw-v2", "aws-apigw-v1", "aws-function-url", "aws-alb"):
        assert re.match(rf"{name}\s+yes\s+yes\s", rows[name])
    for platform in platform_support():
        if not platform.can_serve:
            assert "no local emulation yet" in rows[platform.name]


@pytest.mark.parametrize("name", JSON_PLATFORMS)
def test_events_new_is_recognised_by_its_adapter_alone(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    status, out, _ = run(capsys, "events", "new", name, "--path", "/hello")
    assert status == 0
    event = json.loads(out)
    assert [adapter.name for adapter in ADAPTERS if adapter.matches(event)] == [name]


#: Sample folders by the platform whose events they hold.
SAMPLES = {
    platform: [n for n in REQUEST_NAMES if n.split("/")[0] == folder]
    for folder, platform in FOLDER_PLATFORM.items()
}
#: Objects whose keys are data (header names, parameters), not the event's schema.
FREE_FORM = re.compile(r"header|param|quer|variable|authorizer|cookie|env", re.IGNORECASE)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def shape_problems(
    built: Any, samples: list[Any], required: set[str], where: str = ""
) -> list[str]:
    """Where ``built`` has keys or types no sample has, or lacks a ``required`` key."""
    problems = []
    dicts = [s for s in samples if isinstance(s, dict)]
    for key, value in built.items():
        seen = [s[key] for s in dicts if key in s]
        if not seen:
            problems.append(f"{where}{key}: in no sample")
            continue
        types = {json_type(v) for v in seen}
        if json_type(value) not in types and "null" not in types and value is not None:
            problems.append(f"{where}{key}: {json_type(value)}, samples have {sorted(types)}")
        if isinstance(value, dict) and not FREE_FORM.search(key):
            problems += shape_problems(value, seen, set(), f"{where}{key}.")
    problems += [f"{key}: in every captured sample, missing" for key in required - set(built)]
    return problems


def required_keys(names: list[str]) -> set[str]:
    """Top-level keys every real sample has (``handmade-*`` files are written from docs).

    Deeper down, what every sample has can still be optional (mTLS fields...).
    """
    real = [load_event(name) for name in names if "/handmade-" not in name]
    return set.intersection(*(set(event) for event in real)) if real else set()


@pytest.mark.parametrize("name", [name for name in JSON_PLATFORMS if SAMPLES.get(name)])
def test_events_new_has_the_keys_and_shapes_of_the_vendors_samples(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    args = ["--method", "POST", "--path", "/a b", "--query", "x=1", "--body", "{}"]
    args += ["-H", "Content-Type: application/json", "--cookie", "c=1"]
    status, out, _ = run(capsys, "events", "new", name, *args)
    assert status == 0
    samples = [load_event(sample) for sample in SAMPLES[name]]
    assert shape_problems(json.loads(out), samples, required_keys(SAMPLES[name])) == []


@pytest.mark.parametrize("name", JSON_PLATFORMS)
def test_events_new_then_invoke(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """The request described reaches the app through the vendor's event and its adapter."""
    status, out, _ = run(
        capsys,
        "events",
        "new",
        name,
        "-X",
        "POST",
        "--path",
        "/items/caf\u00e9",
        "--query",
        "q=a b",
        "--query",
        "n=1",
        "-H",
        "Content-Type: text/plain",
        "-H",
        "X-Test: yes",
        "--cookie",
        "c=1",
        "--body",
        "h\u00e9llo",
    )
    assert status == 0
    event = tmp_path / "event.json"
    event.write_text(out)
    carries_path = "/items/" in out  # a Yandex direct invocation has no path
    carries_cookie = "c=1" in out  # Yandex strips Cookie
    status, out, err = run(capsys, "invoke", str(event), "--app", FLASK_ECHO)
    assert status == 0, err
    seen = any_reply_json(json.loads(out))
    assert seen["method"] == "POST"
    if carries_path:
        assert seen["path"].endswith("/items/caf\u00e9")
    assert ["q", "a b"] in seen["args"]
    assert ["x-test", "yes"] in seen["headers"]
    assert (["c", "1"] in seen["cookies"]) == carries_cookie
    assert base64.b64decode(seen["body"]) == "h\u00e9llo".encode()
    if name in SERVED:
        status, out, _ = run(capsys, "invoke", str(event), "--app", FLASK_ECHO, "--http")
        assert out.startswith("HTTP/1.1 200 OK\n")


def any_reply_json(reply: dict[str, Any]) -> Any:
    """The JSON body of a vendor's reply, as text or base64 (flagged or not: OpenWhisk)."""
    body = str(reply.get("body") or "")
    try:
        return json.loads(body)
    except ValueError:
        return json.loads(base64.b64decode(body))


def test_events_new_adds_the_stage_a_rest_url_needs(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "events", "new", "aws-apigw-v1", "--path", "/hello")
    assert status == 0
    event = json.loads(out)
    assert (event["path"], event["requestContext"]["path"]) == ("/hello", "/prod/hello")
    assert "built for /prod/hello" in err


def test_events_new_settings_apply_only_where_they_mean_something(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "events", "new", "aws-alb", "--alb-multi-value")
    assert (status, "multiValueHeaders" in json.loads(out)) == (0, True)
    status, _, err = run(capsys, "events", "new", "aws-alb", "--stage", "prod")
    assert status == 2
    assert one_error_line(err) == (
        "faas-bridge: error: --stage does not apply to aws-alb; it takes --alb-multi-value"
    )


def test_events_new_for_an_unknown_platform(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "events", "new", "nothing-like-it")
    assert status == 2
    assert "unknown platform 'nothing-like-it': choose one of aws-apigw-v2" in one_error_line(err)
    status, _, err = run(capsys, "events", "new", "aws-apigw")
    assert "unknown platform 'aws-apigw': did you mean 'aws-apigw-v2'?" in one_error_line(err)


# -- Errors are for people ---------------------------------------------------------------------


BROKEN_IMPORT = """\
import os

value = 1 / 0
"""


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("not valid!", "'not valid!' does not name an app; use package.module:attribute"),
        ("no_such_module_xyz:app", "cannot import module 'no_such_module_xyz'"),
        ("support.echo_apps:nothing", "module 'support.echo_apps' has no attribute 'nothing'"),
        ("missing/app.py", "no such file: missing/app.py; check the path"),
    ],
)
def test_a_wrong_app_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], app: str, message: str
) -> None:
    event = str(event_path("aws-apigw-v2/get-with-query-and-cookies.json"))
    status, _, err = run(capsys, "invoke", event, "--app", app)
    assert status == 2
    assert message in one_error_line(err)


def test_an_import_error_in_the_app_names_the_line_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "broken_app.py").write_text(BROKEN_IMPORT)
    event = str(event_path("aws-apigw-v2/get-with-query-and-cookies.json"))
    done = run_cli("invoke", event, "--app", "broken_app.py", cwd=tmp_path)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        "faas-bridge: error: importing broken_app.py failed: "
        "ZeroDivisionError: division by zero (broken_app.py, line 3); "
        "fix the error there, or run with --debug for the traceback"
    )
    debug = run_cli("invoke", event, "--app", "broken_app.py", "--debug", cwd=tmp_path)
    assert debug.returncode == 2
    assert "Traceback (most recent call last)" in debug.stderr
    assert 'broken_app.py", line 3' in debug.stderr


def test_a_missing_dependency_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "needs.py").write_text("import surely_not_installed_pkg\napp = None\n")
    done = run_cli("doctor", "needs.py:app", cwd=tmp_path)
    assert done.returncode == 2
    assert "fix: install the package that provides 'surely_not_installed_pkg'" in done.stdout


def test_an_unknown_platform_for_invoke(capsys: pytest.CaptureFixture[str]) -> None:
    event = str(event_path("aws-apigw-v2/get-with-query-and-cookies.json"))
    status, _, err = run(capsys, "invoke", event, "--app", ECHO, "--platform", "nope")
    assert status == 2
    assert "unknown platform 'nope'" in one_error_line(err)


def test_no_app_at_all(capsys: pytest.CaptureFixture[str]) -> None:
    event = str(event_path("aws-apigw-v2/get-with-query-and-cookies.json"))
    status, _, err = run(capsys, "invoke", event)
    assert status == 2
    assert one_error_line(err) == (
        "faas-bridge: error: no app named; pass one (package.module:app or path/to/app.py) "
        "or set FAAS_BRIDGE_APP"
    )


def test_faas_yml_is_not_ignored_silently(tmp_path: Path) -> None:
    (tmp_path / "faas.yml").write_text("app: whatever:app\n")
    done = run_cli("serve", "--port", "0", cwd=tmp_path)
    assert done.returncode == 2  # faas.yml names the app serve then imports
    assert done.stderr.splitlines()[0].startswith(
        "faas-bridge: error: cannot import module 'whatever' for app 'whatever:app'"
    )
    done = run_cli("doctor", ECHO, cwd=tmp_path)
    assert re.search(r"ok    faas.yml\s+faas.yml is valid: no functions", done.stdout)
    (tmp_path / "faas.yml").write_text("app: whatever:app\nfunctoins: {}\n")
    done = run_cli("doctor", ECHO, cwd=tmp_path)
    assert done.returncode == 2
    assert re.search(r"FAIL  faas.yml\s+faas.yml:2: functoins: unknown key", done.stdout)


# -- doctor ----------------------------------------------------------------------------------------


def test_doctor_on_a_healthy_app() -> None:
    done = run_cli("doctor", "support.cli_apps:asgi_app", cwd=TESTS_DIR)
    assert done.returncode == 0, done.stdout
    out = done.stdout
    assert re.search(r"ok    import\s+support.cli_apps.asgi_app, ASGI, in [\d.]+ ms", out)
    assert re.search(r"ok    lifespan\s+ASGI lifespan startup complete", out)
    for name in SERVED:
        assert re.search(rf"ok    {re.escape(name)}\s+GET / -> 200 in [\d.]+ ms", out), out
    assert re.search(r"ok    shutdown\s+clean", out)
    for label, meaning in COLD_START_ROWS:
        assert re.search(rf"^  {label}\s+[\d.]+ ms  {re.escape(meaning)}$", out, re.M), label
    assert re.search(r"^  total\s+[\d.]+ ms$", out, re.MULTILINE)
    assert out.rstrip().endswith(
        "healthy: set the function's handler to faas_bridge.handler "
        "with FAAS_BRIDGE_APP=support.cli_apps:asgi_app"
    )


def test_doctor_on_an_app_that_fails_to_import(tmp_path: Path) -> None:
    (tmp_path / "broken_app.py").write_text(BROKEN_IMPORT)
    done = run_cli("doctor", "broken_app.py", cwd=tmp_path)
    assert done.returncode == 2
    assert re.search(
        r"FAIL  import\s+importing broken_app.py failed: ZeroDivisionError: division by zero "
        r"\(broken_app.py, line 3\)",
        done.stdout,
    )
    assert "fix: fix the error there, or run with --debug for the traceback" in done.stdout
    assert "broken: import:" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


LIFESPAN_FAILS = """\
async def app(scope, receive, send):
    message = await receive()
    if scope["type"] == "lifespan":
        await send({"type": "lifespan.startup.failed", "message": "no database"})
"""


def test_doctor_on_an_app_whose_lifespan_startup_fails(tmp_path: Path) -> None:
    (tmp_path / "lifespan_app.py").write_text(LIFESPAN_FAILS)
    done = run_cli("doctor", "lifespan_app.py:app", cwd=tmp_path)
    assert done.returncode == 2
    assert re.search(r"FAIL  lifespan\s+startup failed: .*no database", done.stdout), done.stdout
    assert "fix: fix the app's lifespan handler, or set FAAS_BRIDGE_LIFESPAN=off" in done.stdout


def test_doctor_flags_bad_configuration(tmp_path: Path) -> None:
    done = run_cli("doctor", ECHO, FAAS_BRIDGE_LIFESPAN="sometimes")
    assert done.returncode == 2
    assert re.search(r"FAIL  configuration\s+lifespan must be one of", done.stdout)


# -- The README's Quick start ---------------------------------------------------------------------


def quick_start() -> list[str]:
    """The shell commands of the README's Quick start section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", section, re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line and line[0] != "#"]


def test_the_quick_start_is_two_commands() -> None:
    run_command, test_command = quick_start()
    assert run_command.endswith("faas-bridge serve")  # the embedded example, on port 3000
    assert test_command.endswith(" && .venv/bin/python -m pytest")
    # CI's first test run is the same command in a copy of the tree: options for
    # its output and cache only, no selection of tests.
    ci = (REPO / ".ci" / "run").read_text()
    runs = [ln for ln in ci.splitlines() if not ln.strip().startswith(("#", "echo"))]
    fresh = re.findall(r"python -m pytest([^)\n]*)", "\n".join(runs))[0].split()
    assert set(fresh) <= {"-q", "-p", "no:cacheprovider"}, fresh


README_COMMANDS = os.environ.get("FAAS_BRIDGE_README_COMMANDS") == "1"


@pytest.mark.skipif(
    not README_COMMANDS,
    reason="installs from PyPI into a fresh copy (minutes): set FAAS_BRIDGE_README_COMMANDS=1",
)
def test_the_quick_start_commands_work_exactly_as_written(tmp_path: Path) -> None:
    """A copy of the working tree stands for a fresh clone; both commands run as written.

    The copy has nothing beside it and no FAAS_BRIDGE_* variable: the tests run
    on the repository's own sample events alone.
    """
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".*_cache", "*.egg-info")
    shutil.copytree(REPO, clone, ignore=ignore)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAAS_BRIDGE_", "VIRTUAL_ENV"))}
    env["PYTHONPATH"] = ""
    run_command, test_command = quick_start()
    server = subprocess.Popen(run_command, shell=True, cwd=clone, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:3000/api/notes", timeout=5) as r:
                    assert json.load(r) == {"count": 0, "notes": []}
                    break
            except OSError:
                assert server.poll() is None, "the run command ended"
                assert time.monotonic() < deadline, "no answer from the run command"
                time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    done = subprocess.run(test_command, shell=True, cwd=clone, env=env, timeout=1800)
    assert done.returncode == 0
    assert shlex.split(test_command)  # a plain shell command
