"""Management commands in the function: ``migrate`` and friends, allow-listed.

A deployed monolith still needs its management commands (Django's
``migrate``, a Flask CLI command that rebuilds an index), and a function has
no shell to run them from. A *command event* runs one in the function:

.. code-block:: json

    {"faas_bridge": {"command": "migrate", "args": ["--plan"]}}

The event holds that one key and nothing else; ``command`` is a name,
``args`` (optional) a list of strings. Only names listed in ``faas.yml``
(``functions.<name>.commands``) run; anything else is refused, and so is a
malformed event. There is no shell, no ``exec``, and nothing is imported by a
name taken from the event: the name is looked up among the framework's own
commands (``call_command`` for Django, the app's ``app.cli`` group for
Flask). ``shell``, ``dbshell`` and ``shell_plus`` run whatever code or SQL
they are given, so ``faas.yml`` cannot allow them.

The reply says how it went (the command's own failure is a reply, not an
invocation error, so that its output is never lost)::

    {"command": "migrate", "args": ["--plan"], "exit_status": 0,
     "stdout": "...", "stderr": "", "seconds": 0.42}

``faas-bridge invoke --command "migrate --plan"`` builds the event locally.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import FaasBridgeError, shown

if TYPE_CHECKING:
    from .dispatch import Handler

logger = logging.getLogger("faas_bridge")

#: The one key of a command event.
COMMAND_KEY = "faas_bridge"
#: What a command name may look like (Django and click names fit).
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
#: Commands that run arbitrary code or SQL: never allowed, whatever faas.yml says.
FORBIDDEN = {
    "shell": "runs any Python code it is given",
    "shell_plus": "runs any Python code it is given",
    "dbshell": "runs any SQL it is given",
}
#: The most args a command event may carry, and the most characters in each.
MAX_ARGS = 100
MAX_ARG_CHARS = 4096
#: The most characters of each output stream the reply keeps (the end of it).
MAX_OUTPUT = 256 * 1024
_SHAPE = '{"faas_bridge": {"command": "NAME", "args": ["ARG", ...]}}'


class CommandRefused(FaasBridgeError):
    """A command event that will not run: malformed, or naming a command not allowed."""


def command_event(name: str, args: Sequence[str] = ()) -> dict[str, Any]:
    """The command event that runs ``name`` with ``args``."""
    return {COMMAND_KEY: {"command": name, "args": list(args)}}


def parse_command_event(event: Any) -> tuple[str, list[str]]:
    """``(name, args)`` of a well-formed command event; CommandRefused saying what is wrong."""
    if not isinstance(event, Mapping) or set(event) != {COMMAND_KEY}:
        keys = sorted(map(str, event)) if isinstance(event, Mapping) else []
        extra = [k for k in keys if k != COMMAND_KEY]
        raise _malformed(f"it has other keys beside {COMMAND_KEY!r}: {shown(extra)}")
    body = event[COMMAND_KEY]
    if not isinstance(body, Mapping):
        raise _malformed(f"{COMMAND_KEY!r} holds {shown(body)}, not an object")
    unknown = sorted(str(k) for k in body if k not in ("command", "args"))
    if unknown:
        raise _malformed(f"unknown keys {shown(unknown)}")
    name = body.get("command")
    if not isinstance(name, str) or not NAME.match(name):
        raise _malformed(f"'command' is {shown(name)}, not a command name")
    args = body.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise _malformed(f"'args' is {shown(args)}, not a list of strings")
    if len(args) > MAX_ARGS or any(len(a) > MAX_ARG_CHARS for a in args):
        raise _malformed(f"more than {MAX_ARGS} args, or one over {MAX_ARG_CHARS} characters")
    return name, list(args)


def _malformed(reason: str) -> CommandRefused:
    return CommandRefused(f"faas_bridge: malformed command event: {reason}; expected {_SHAPE}")


def run_command_event(handler: Handler, event: Any) -> dict[str, Any]:
    """Run the allowed command the event names in the handler's app; the reply."""
    name, args = parse_command_event(event)
    router = handler.triggers
    allowed = router.commands if router is not None else frozenset()
    function = router.function if router is not None else None
    if name not in allowed:
        listed = ", ".join(sorted(allowed)) or "none"
        logger.warning("faas_bridge: refused command %r (allowed: %s)", name, listed)
        where = f"in function {function!r}" if function else "here"
        raise CommandRefused(
            f"faas_bridge: command {name!r} is not allowed {where} (allowed: {listed}); "
            f"list it in faas.yml under functions.{function or '<name>'}.commands"
        )
    logger.info("faas_bridge: running command %s %s", name, " ".join(args))
    return run_command(handler.app, name, args)


def run_command(app: Any, name: str, args: Sequence[str]) -> dict[str, Any]:
    """Run command ``name`` of the app's framework; the reply (exit status, output)."""
    framework = framework_of(app)
    out, err = io.StringIO(), io.StringIO()
    began = time.perf_counter()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _no_stdin(),
    ):
        try:
            if framework == "django":
                status = _django(name, args, out, err)
            else:
                status = _flask(app, name, args, err)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                err.write(f"{exc.code}\n")
        except Exception:
            logger.exception("faas_bridge: command %s failed", name)
            err.write(traceback.format_exc())
            status = 1
    return {
        "command": name,
        "args": list(args),
        "exit_status": status,
        "stdout": _cut(out.getvalue()),
        "stderr": _cut(err.getvalue()),
        "seconds": round(time.perf_counter() - began, 3),
    }


def framework_of(app: Any) -> str:
    """``"django"`` or ``"flask"``: whose commands the app has; CommandRefused otherwise."""
    if type(app).__module__.startswith("django."):
        return "django"
    if hasattr(app, "cli") and hasattr(app, "app_context"):
        return "flask"
    if "django.conf" in sys.modules:
        from django.conf import settings

        if settings.configured:
            return "django"
    raise CommandRefused(
        f"faas_bridge: commands run in a Django or Flask app; this one is {shown(app)}"
    )


def _django(name: str, args: Sequence[str], out: io.StringIO, err: io.StringIO) -> int:
    from django.core.management import CommandError, call_command, get_commands, load_command_class

    app_name = get_commands().get(name)
    if app_name is None:
        err.write(f"Unknown command: {name!r}\n")
        return 1
    command = app_name if not isinstance(app_name, str) else load_command_class(app_name, name)
    parser = command.create_parser("django-admin", name)
    options: dict[str, Any] = {}
    if any(action.dest == "interactive" for action in parser._actions):
        options["interactive"] = False  # nobody can answer a prompt in a function
    try:
        call_command(command, *args, stdout=out, stderr=err, **options)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        return int(getattr(exc, "returncode", 1) or 1)
    return 0


def _flask(app: Any, name: str, args: Sequence[str], err: io.StringIO) -> int:
    import click
    from flask.cli import ScriptInfo

    info = ScriptInfo(create_app=lambda: app)
    try:
        app.cli.main(args=[name, *args], prog_name="flask", standalone_mode=False, obj=info)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show(file=err)
        return int(exc.exit_code)
    except click.exceptions.Abort:
        err.write("Aborted!\n")
        return 1
    return 0


@contextlib.contextmanager
def _no_stdin() -> Any:
    """An empty standard input: a prompt fails at once instead of waiting forever."""
    previous = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        yield
    finally:
        sys.stdin = previous


def _cut(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    cut = len(text) - MAX_OUTPUT
    return f"[... {cut} characters cut ...]\n" + text[cut:]


__all__ = [
    "COMMAND_KEY",
    "FORBIDDEN",
    "CommandRefused",
    "command_event",
    "parse_command_event",
    "run_command",
    "run_command_event",
]
