"""The newcomer's first hour: what a new user runs first must work, or say what to do.

Each test stands for a step the README leads a new user through (issue 17): the
checks and servers run as subprocesses, as the user runs them, on apps written
into a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from faas_bridge.devtools import cli
from faas_bridge.devtools.cli.doctor import COLD_START_ROWS
from faas_bridge.devtools.gateway import platform_support
from faas_bridge.routing.kinds import KINDS, recognise
from support.cli_servers import (
    REPO,
    SUPPORT_DIR,
    TESTS_DIR,
    Gateway,
    command_env,
    run_cli,
    start_all,
)
from support.events import load_event, own_event_names

README = (REPO / "README.md").read_text(encoding="utf-8")
DJANGO_DIR = REPO / "examples" / "django_app"

#: An ASGI app that writes each lifespan event to the file CLI_APPS_LOG names,
#: and the handler its module builds, as the README recommends.
WRAPPED_APP = """\
import os

from faas_bridge import wrap


def _log(what):
    with open(os.environ["NEWCOMER_LOG"], "a") as f:
        f.write(what + "\\n")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _log("startup")
                await send({"type": "lifespan.startup.complete"})
            else:
                _log("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    seen = "wrapped app at " + scope["root_path"] + " " + scope["path"]
    await send({"type": "http.response.body", "body": seen.encode()})


handler = wrap(app)
"""


# -- doctor right after the Quick start install ---------------------------------------------------


def test_doctor_skips_a_vendor_library_that_is_not_installed(tmp_path: Path) -> None:
    """Without azure-functions (a package of its own shadows it here), azure is not checked.

    A missing module that is no vendor library still fails the doctor:
    ``test_cli.test_a_missing_dependency_says_what_to_install``.
    """
    stub = tmp_path / "stub"
    (stub / "azure").mkdir(parents=True)
    (stub / "azure" / "__init__.py").write_text("")  # no azure.functions below it
    path = os.pathsep.join([str(stub), command_env()["PYTHONPATH"]])
    done = run_cli("doctor", "support.cli_apps:asgi_app", cwd=TESTS_DIR, PYTHONPATH=path)
    assert done.returncode == 0, done.stdout
    assert re.search(
        r"^  skip  azure\s+not checked: azure-functions is not installed "
        r"\(pip install azure-functions enables this check\)$",
        done.stdout,
        re.MULTILINE,
    ), done.stdout
    assert "FAIL" not in done.stdout
    assert re.search(r"^  ok    gcp\s+GET / -> 200", done.stdout, re.MULTILINE)
    assert "healthy:" in done.stdout


# -- the README's own module: handler = wrap(app) -------------------------------------------------


@pytest.mark.parametrize(
    ("target", "platform", "mount"),
    [
        ("wrapped.py:handler", "aws-apigw-v2", ""),
        ("wrapped.py", "aws-apigw-v2", ""),
        ("wrapped:handler", "aws-apigw-v2", ""),
        ("wrapped.py:handler", "aws-apigw-v1", "/prod"),  # the stage: the handler's mount
    ],
)
def test_serve_a_module_that_wraps_its_app_starts_it_once(
    tmp_path: Path, target: str, platform: str, mount: str
) -> None:
    (tmp_path / "wrapped.py").write_text(WRAPPED_APP)
    log = tmp_path / "lifespan.log"
    env = command_env(NEWCOMER_LOG=str(log))
    gateway = Gateway("wrapped", [target, "--platform", platform], cwd=tmp_path, env=env)
    try:
        start_all([gateway], [], tmp_path)
        with urllib.request.urlopen(gateway.base + mount + "/hello", timeout=10) as reply:
            body = reply.read().decode()
            assert (reply.status, body) == (200, f"wrapped app at {mount} {mount}/hello")
        assert log.read_text().split() == ["startup"]
    finally:
        status = gateway.stop()
    assert status == 0, gateway.stderr()
    assert log.read_text().split() == ["startup", "shutdown"]
    assert "(app, ASGI)" in gateway.stderr()  # the wrapped app, named in the banner
    assert "unexpected error" not in gateway.stderr()


@pytest.mark.parametrize("target", ["wrapped.py:handler", "wrapped.py"])
@pytest.mark.parametrize("built", ["wrap(app)", "wrap(app).as_function()"])
def test_doctor_on_a_module_that_wraps_its_app(tmp_path: Path, target: str, built: str) -> None:
    """Also Google's main.py, whose handler is the function of wrap(app)."""
    source = WRAPPED_APP.replace("handler = wrap(app)\n", f"handler = {built}\n")
    assert built in source
    (tmp_path / "wrapped.py").write_text(source)
    log = tmp_path / "lifespan.log"
    done = run_cli("doctor", target, cwd=tmp_path, NEWCOMER_LOG=str(log))
    assert done.returncode == 0, done.stdout
    assert re.search(r"ok    import\s+wrapped\.app, ASGI, in [\d.]+ ms", done.stdout)
    assert re.search(r"ok    lifespan\s+ASGI lifespan startup complete", done.stdout)
    assert log.read_text().split() == ["startup", "shutdown"]
    assert done.stdout.rstrip().endswith(
        "healthy: set the function's handler to wrapped.handler (the module's wrap(app))"
    )


# -- doctor and a broken faas.yml -----------------------------------------------------------------


def test_doctor_reports_a_broken_faas_yml_when_no_app_is_named(tmp_path: Path) -> None:
    (tmp_path / "faas.yml").write_text(
        "app: wrapped:app\nfunctions:\n  web:\n    rotues: [/]\n"  # line 4: the typo
    )
    expected = (
        "faas.yml:4: functions.web.rotues: unknown key; expected one of app, routes, "
        "triggers, commands, options; did you mean 'routes'?"
    )
    served = run_cli("serve", "--port", "0", cwd=tmp_path)
    assert served.stderr.strip() == f"faas-bridge: error: {expected}"
    done = run_cli("doctor", cwd=tmp_path)
    assert done.returncode == 2
    assert re.search(rf"^  FAIL  faas.yml\s+{re.escape(expected)}$", done.stdout, re.MULTILINE)
    assert done.stdout.rstrip().endswith(f"broken: faas.yml: {expected}")
    assert "no app named" not in done.stdout + done.stderr


# -- serve and its papercuts --------------------------------------------------------------------


def test_serving_djangos_wsgi_file_says_how_to_make_the_project_importable() -> None:
    done = run_cli("serve", "examples/django_app/mysite/wsgi.py", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        "; 'mysite' is your own package in examples/django_app, which is not importable: "
        "run from there (cd examples/django_app) naming the app mysite.wsgi, "
        "or add examples/django_app to PYTHONPATH"
    )
    assert "install the package" not in done.stderr


def test_a_forced_wrong_platform_counts_one_platform(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(load_event("aws-apigw-v2/get-root.json")))
    app = str(SUPPORT_DIR / "echo_apps.py") + ":wsgi_app"
    status = cli.main(["invoke", str(event), "--app", app, "--platform", "aws-alb"])
    err = capsys.readouterr().err
    assert status == 2
    assert "(1 platform tried)" in err


def test_every_platform_is_described_in_its_own_words() -> None:
    described = {p.name: p.description for p in platform_support()}
    assert len(set(described.values())) == len(described), described
    for name, text in described.items():
        assert text and not text.endswith(("'s", ",", " and")), (name, text)


# -- events new, for every trigger type faas.yml routes ------------------------------------------

#: Trigger type -> the own sample of its vendor's documented format (tests/samples/non-http).
TRIGGER_SAMPLES = {
    "aws.sqs": "non-http/aws-sqs-two-records.json",
    "aws.sns": "non-http/aws-sns-notification.json",
    "aws.s3": "non-http/aws-s3-put.json",
    "aws.events.scheduled": "non-http/aws-eventbridge-scheduled.json",
    "aws.events": "non-http/aws-eventbridge-custom.json",
    "aliyun.timer": "non-http/aliyun-fc-timer.json",
    "aliyun.oss": "non-http/aliyun-fc-oss.json",
    "tencent.timer": "non-http/tencent-scf-timer.json",
    "tencent.cos": "non-http/tencent-scf-cos.json",
    "huawei.timer": "non-http/huawei-fg-timer.json",
    "yandex.timer": "non-http/yandex-timer.json",
}
JSON_KINDS = [name for name in KINDS if not name.startswith("azure.")]


def events_new(*args: str) -> Any:
    done = run_cli("events", "new", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("kind", JSON_KINDS)
def test_events_new_builds_every_trigger_type(kind: str) -> None:
    json_kinds = ("custom", "aws.events", "aws.dynamodb", "google.cloudevent")
    message = '{"job": "reindex"}' if kind in json_kinds else "hello"
    args = [] if kind == "aws.events.scheduled" else ["--message", message]
    event = events_new(kind, *args)
    assert recognise(event) == (None if kind == "custom" else kind)
    if kind == "custom":
        assert event == {"job": "reindex"}
    sample = TRIGGER_SAMPLES.get(kind)
    if sample and sample in own_event_names("non-http"):
        assert shape(event) == shape(load_event(sample))


#: Objects whose keys are data (attributes, headers, an event's detail), not the format's.
FREE_FORM = frozenset(
    {"messageAttributes", "MessageAttributes", "detail", "meta", "requestHeaders"}
)


def shape(event: Any) -> dict[str, Any]:
    """The keys of an event and of its first record (two levels): what a format fixes."""
    found: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            found[key] = {
                k: sorted(v) if isinstance(v, dict) and k not in FREE_FORM else "-"
                for k, v in value[0].items()
            }
        else:
            found[key] = "-"
    return found


def test_events_new_makes_one_record_per_message() -> None:
    event = events_new("aws.sqs", "--message", '{"n": 1}', "--message", "not json")
    bodies = [record["body"] for record in event["Records"]]
    assert bodies == ['{"n": 1}', "not json"]
    assert len({record["messageId"] for record in event["Records"]}) == 2
    arn = "arn:aws:sqs:eu-west-1:123456789012:orders"
    event = events_new("aws.sqs", "--source", arn)
    assert event["Records"][0]["eventSourceARN"] == arn
    assert event["Records"][0]["awsRegion"] == "eu-west-1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["aws.sqs", "--path", "/x"], "--path describes an HTTP request"),
        (["aws-alb", "--message", "x"], "--message is for trigger types"),
        (["azure.timer"], "not JSON: call handler(timer) from your timer function"),
        (["aws.sns", "--message", "a", "--message", "b"], "one message per invocation"),
    ],
)
def test_events_new_says_what_does_not_fit(args: list[str], message: str) -> None:
    done = run_cli("events", "new", *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_the_readmes_step_4_commands_give_what_it_shows(tmp_path: Path) -> None:
    """Step 4's console, run in the Django example: its events come from events new."""
    section = README.split("### 4. Move the cron jobs and the workers", 1)[1].split("\n### ")[0]
    console = section.split("```console\n", 1)[1].split("```", 1)[0]
    env = {"DJANGO_SQLITE_PATH": str(tmp_path / "notes.sqlite3")}
    commands = re.findall(r"^\$ faas-bridge (.*)$", console, re.MULTILINE)
    assert len(commands) == 4
    outputs = []
    for command in commands:
        words = shlex.split(command.partition("#")[0])
        target = None
        if ">" in words:
            words, target = words[: words.index(">")], tmp_path / words[-1]
        words = [str(tmp_path / w) if w.endswith(".json") else w for w in words]
        done = run_cli(*words, cwd=DJANGO_DIR, **env)
        assert done.returncode in (0, 1), done.stderr
        if target is not None:
            target.write_text(done.stdout)
        else:
            outputs.append(json.loads(done.stdout))
    shown = [json.loads(text) for text in re.findall(r"^(\{.*?^\})", console, re.M | re.S)]
    assert outputs[0] == shown[0]  # the second message, not JSON, is the one to retry
    assert outputs[1]["notes"] == shown[1]["notes"] == 1  # the queued note
    assert set(outputs[1]) == set(shown[1])


# -- the README -------------------------------------------------------------------------------


def test_every_event_file_the_readme_invokes_is_made_before() -> None:
    """No ``invoke X.json`` before the README has said how to make X.json."""
    for match in re.finditer(r"faas-bridge invoke (\S+\.json)", README):
        name = match.group(1)
        made = README.find(f"> {name}")
        assert 0 <= made < match.start(), f"{name} is used before it is made"


def test_the_readmes_doctor_example_says_what_each_figure_measures() -> None:
    section = README.split("### `faas-bridge doctor`", 1)[1]
    for label, meaning in COLD_START_ROWS:
        assert re.search(rf"^  {label}\s+[\d.]+ ms  {re.escape(meaning)}$", section, re.MULTILINE)


# -- static files through the function ---------------------------------------------------------


def test_the_django_examples_css_is_served_through_the_handler(tmp_path: Path) -> None:
    import django

    css = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "css"
    event = tmp_path / "event.json"
    event.write_text(json.dumps(events_new("aws-apigw-v2", "--path", "/static/admin/css/base.css")))
    env = {"DJANGO_SQLITE_PATH": str(tmp_path / "notes.sqlite3")}
    began = time.monotonic()
    done = run_cli("invoke", str(event), "--function", "web", cwd=DJANGO_DIR, **env)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert time.monotonic() - began < 60
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("text/css")
    assert reply["body"].encode() == (css / "base.css").read_bytes()
