"""Management commands in the function: allow-listed, captured, never arbitrary code.

The command event is ``{"faas_bridge": {"command": NAME, "args": [...]}}``.
Flask CLI commands run in-process (``faasyml_apps.web_app``); Django's
``migrate`` runs the example project in a fresh interpreter (Django can be set
up once per process, and other tests own this one), through
``faas-bridge invoke --command`` as a deploy step would.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from faas_bridge import ConfigurationError, wrap
from faas_bridge.routing.commands import CommandRefused, command_event, parse_command_event
from support import faasyml_apps as apps
from support.cli_servers import REPO, run_cli

SHAPE = (
    '{"faas_bridge": {"command": "NAME", "args": ["ARG", ...], "issued": SECONDS, '
    '"nonce": "NONCE", "signature": "HMAC-SHA256"}}'
)


@pytest.fixture(autouse=True)
def command_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Command events are signed (tests/routing/test_command_signing.py): a secret on both sides."""
    monkeypatch.setenv("FAAS_BRIDGE_COMMAND_SECRET", "test-secret-" + "0" * 32)


def flask_handler(*allowed: str) -> Any:
    handler = wrap(apps.web_app)
    handler.allow_commands(*allowed)
    return handler


def test_an_allowed_command_runs_and_returns_its_output() -> None:
    reply = flask_handler("greet")(command_event("greet", ["ada", "--loud"]), None)
    assert reply.pop("seconds") >= 0
    assert reply == {
        "command": "greet",
        "args": ["ada", "--loud"],
        "exit_status": 0,
        "stdout": "hello ada from faasyml_web!\n",
        "stderr": "a note on stderr\n",
    }


@pytest.mark.parametrize(
    ("name", "status", "stderr"),
    [
        ("boom", 1, "Error: it went boom\n"),
        ("quit3", 3, ""),
    ],
)
def test_a_failing_command_reports_its_exit_status(name: str, status: int, stderr: str) -> None:
    reply = flask_handler(name)(command_event(name), None)
    assert (reply["exit_status"], reply["stderr"]) == (status, stderr)


def test_a_command_that_raises_reports_the_traceback() -> None:
    reply = flask_handler("crash")(command_event("crash"), None)
    assert reply["exit_status"] == 1
    assert "RuntimeError: the command crashed" in reply["stderr"]
    assert reply["stderr"].startswith("Traceback (most recent call last):")


def test_bad_arguments_are_the_commands_usage_error() -> None:
    reply = flask_handler("greet")(command_event("greet", ["; rm -rf /", "--no-such"]), None)
    assert reply["exit_status"] == 2  # click's usage error: the args are never a shell line
    assert "Error: No such option '--no-such'." in reply["stderr"]


def test_a_command_not_listed_is_refused() -> None:
    handler = flask_handler("greet")
    with pytest.raises(CommandRefused) as info:
        handler(command_event("boom"), None)
    assert str(info.value) == (
        "faas_bridge: command 'boom' is not allowed here (allowed: greet); "
        "list it in faas.yml under functions.<name>.commands"
    )


def test_without_an_allow_list_nothing_runs() -> None:
    with pytest.raises(CommandRefused, match=r"\(allowed: none\)"):
        wrap(apps.web_app)(command_event("greet", ["x"]), None)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"faas_bridge": "warm"}, "'faas_bridge' holds 'warm', not an object"),
        ({"faas_bridge": {"command": "greet"}, "x": 1}, "it has other keys beside 'faas_bridge'"),
        ({"faas_bridge": {"command": "greet", "shell": "ls"}}, "unknown keys ['shell']"),
        ({"faas_bridge": {"args": ["x"]}}, "'command' is None, not a command name"),
        ({"faas_bridge": {"command": "greet; ls"}}, "'command' is 'greet; ls', not a command"),
        ({"faas_bridge": {"command": "os:system"}}, "'command' is 'os:system', not a command"),
        ({"faas_bridge": {"command": "greet", "args": "ada"}}, "'args' is 'ada', not a list"),
        ({"faas_bridge": {"command": "greet", "args": [1]}}, "'args' is [1], not a list"),
        ({"faas_bridge": {"command": "greet", "args": ["x"] * 101}}, "more than 100 args"),
    ],
)
def test_malformed_command_events_are_refused(event: Any, reason: str) -> None:
    handler = flask_handler("greet")
    with pytest.raises(CommandRefused) as info:
        handler(event, None)
    message = str(info.value)
    assert message.startswith(f"faas_bridge: malformed command event: {reason}")
    assert message.endswith(f"; expected {SHAPE}")


def test_parse_command_event() -> None:
    assert parse_command_event(command_event("migrate", ["--plan"])) == ("migrate", ["--plan"])
    assert parse_command_event({"faas_bridge": {"command": "check"}}) == ("check", [])


@pytest.mark.parametrize("name", ["shell", "dbshell", "shell_plus"])
def test_code_running_commands_cannot_be_allowed(name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"command '{name}' runs any"):
        wrap(apps.web_app).allow_commands(name)


def test_commands_need_django_or_flask(monkeypatch: pytest.MonkeyPatch) -> None:
    # A process whose Django settings are configured (the Django example's tests configure
    # them in this process) runs Django's commands for any app: hide them here.
    monkeypatch.delitem(sys.modules, "django.conf", raising=False)
    handler = wrap(apps.asgi_app)
    handler.allow_commands("migrate")
    with pytest.raises(CommandRefused, match="commands run in a Django or Flask app"):
        handler(command_event("migrate"), None)


# -- faas.yml and the CLI ------------------------------------------------------------------


def test_invoke_command_uses_the_functions_allow_list(tmp_path: Path) -> None:
    (tmp_path / "faas.yml").write_text(
        "app: support.faasyml_apps:web_app\n"
        "functions:\n  web:\n    commands: [greet]\n  api:\n    routes: []\n"
    )
    done = run_cli("invoke", "--function", "web", "--command", "greet 'Ada L'", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert (reply["command"], reply["args"], reply["stdout"]) == (
        "greet",
        ["Ada L"],
        "hello Ada L from faasyml_web\n",
    )
    done = run_cli("invoke", "--function", "api", "--command", "greet x", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "faas-bridge: error: command 'greet' is not allowed in function 'api' (allowed: none); "
        "list it in faas.yml under functions.api.commands"
    )
    done = run_cli("invoke", "--command", "boom", cwd=tmp_path, FAAS_BRIDGE_FUNCTION="web")
    assert done.returncode == 2  # not listed: refused before anything runs
    assert "command 'boom' is not allowed in function 'web'" in done.stderr


def test_invoke_command_with_a_failing_command_exits_1(tmp_path: Path) -> None:
    (tmp_path / "faas.yml").write_text(
        "app: support.faasyml_apps:web_app\nfunctions:\n  web:\n    commands: [boom]\n"
    )
    done = run_cli("invoke", "--command", "boom", cwd=tmp_path)
    assert done.returncode == 1
    assert json.loads(done.stdout)["stderr"] == "Error: it went boom\n"


def test_invoke_takes_an_event_or_a_command(tmp_path: Path) -> None:
    done = run_cli("invoke", "--app", "support.faasyml_apps:web_app", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "faas-bridge: error: give an event file or --command, not both or neither; "
        "faas-bridge invoke EVENT.json, or faas-bridge invoke --command migrate"
    )


def test_django_migrate_runs_in_the_function(tmp_path: Path) -> None:
    """The example's faas.yml allows migrate: a fresh database gets its tables."""
    django_dir = REPO / "examples" / "django_app"
    database = tmp_path / "fresh.sqlite3"
    env = {
        "DJANGO_SQLITE_PATH": str(database),
        "DJANGO_MIGRATE_ON_STARTUP": "0",
        "FAAS_BRIDGE_FUNCTION": "web",
    }
    done = run_cli("invoke", "--command", "migrate --noinput", cwd=django_dir, **env)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["exit_status"] == 0
    assert "Applying notes.0001_initial... OK" in reply["stdout"]
    done = run_cli("invoke", "--command", "showmigrations notes", cwd=django_dir, **env)
    assert json.loads(done.stdout)["stdout"] == "notes\n [X] 0001_initial\n"
    done = run_cli("invoke", "--command", "flush", cwd=django_dir, **env)
    assert done.returncode == 2
    assert "command 'flush' is not allowed in function 'web' (allowed: check, migrate, " in (
        done.stderr
    )
    done = run_cli("invoke", "--command", "migrate notes 9999", cwd=django_dir, **env)
    reply = json.loads(done.stdout)
    assert (done.returncode, reply["exit_status"]) == (1, 1)
    assert (
        "CommandError: Cannot find a migration matching '9999' from app 'notes'."
        in (reply["stderr"])
    )
    assert os.path.getsize(database) > 0
