"""Management commands in the function: ``migrate`` and friends, allow-listed and signed.

A deployed monolith still needs its management commands (Django's
``migrate``, a Flask CLI command that rebuilds an index), and a function has
no shell to run them from. A *command event* runs one in the function:

.. code-block:: json

    {"faas_bridge": {"command": "migrate", "args": ["--plan"], "issued": 1767225600,
                     "nonce": "9f1c...", "signature": "5d0e..."}}

The event holds that one key and nothing else; ``command`` is a name,
``args`` (optional) a list of strings. Only names listed in ``faas.yml``
(``functions.<name>.commands``) run; anything else is refused, and so is a
malformed event. There is no shell, no ``exec``, and nothing is imported by a
name taken from the event: the name is looked up among the framework's own
commands (``call_command`` for Django, the app's ``app.cli`` group for
Flask). ``shell``, ``dbshell`` and ``shell_plus`` run whatever code or SQL
they are given, so ``faas.yml`` cannot allow them.

Who may invoke the function is not enough to trust an event: on some
surfaces an anonymous HTTP caller writes the whole event (a public Yandex
function called with ``?integration=raw``). So a command runs only when the
event is signed with a secret from the function's own environment,
:data:`SECRET_VARIABLE`; without it set, every command event is refused. The
signature is HMAC-SHA256, keyed by the secret, over the canonical message
(:func:`signed_message`): netstrings (``<byte length>:<UTF-8 bytes>,``) of
``faas-bridge-command-v1``, the name, ``issued`` (whole seconds since the
epoch, as decimal text), the nonce, then each argument. An event issued more
than :data:`WINDOW` seconds away from the function's clock is refused, and so
is a nonce seen within the window (see :class:`NonceCache`).
``faas-bridge invoke --command "migrate --plan" --print-event`` makes such an
event; without ``--print-event`` it runs it locally.

The reply says how it went (the command's own failure is a reply, not an
invocation error, so that its output is never lost)::

    {"command": "migrate", "args": ["--plan"], "exit_status": 0,
     "stdout": "...", "stderr": "", "seconds": 0.42}
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import logging
import os
import re
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from faas_bridge.errors import ConfigurationError, FaasBridgeError, shown

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler

logger = logging.getLogger("faas_bridge")

#: The one key of a command event.
COMMAND_KEY = "faas_bridge"
#: What a command name may look like (Django and click names fit). ``\Z``, not
#: ``$``: ``$`` also matches before a final newline, so ``"migrate\n"`` passed.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\Z")
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

#: The environment variable holding the secret command events are signed with.
SECRET_VARIABLE = "FAAS_BRIDGE_COMMAND_SECRET"
#: The shortest secret accepted: a short one could be guessed from one signed event.
MIN_SECRET_CHARS = 32
#: How many seconds an event's ``issued`` time may be from the function's clock.
WINDOW = 300
#: The most command events one process accepts within :data:`WINDOW` seconds.
MAX_NONCES = 1024
#: What names the canonical message's format (see :func:`signed_message`).
DOMAIN = "faas-bridge-command-v1"
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")
_SIGNATURE = re.compile(r"[0-9a-f]{64}\Z")
_FIELDS = ("command", "args", "issued", "nonce", "signature")
_SHAPE = (
    '{"faas_bridge": {"command": "NAME", "args": ["ARG", ...], "issued": SECONDS, '
    '"nonce": "NONCE", "signature": "HMAC-SHA256"}}'
)
_HOW_TO_SIGN = (
    "make the event with faas-bridge invoke --command 'NAME ARGS...' --print-event, "
    f"with {SECRET_VARIABLE} set to the function's secret"
)


class CommandRefused(FaasBridgeError):
    """A command event that will not run: malformed, unsigned, or naming a command not allowed."""


def command_event(
    name: str, args: Sequence[str] = (), *, secret: str | None = None
) -> dict[str, Any]:
    """The signed command event that runs ``name`` with ``args``.

    ``secret`` defaults to :data:`SECRET_VARIABLE` from the environment; with
    neither, ConfigurationError (an unsigned event would be refused anyway).
    """
    if secret is None:
        secret = os.environ.get(SECRET_VARIABLE) or None
    if secret is None:
        raise ConfigurationError(
            f"{SECRET_VARIABLE} is not set: command events are signed with the secret the "
            "function holds in that variable; set it here to the same value"
        )
    return sign_command_event(name, args, secret)


def sign_command_event(
    name: str,
    args: Sequence[str],
    secret: str,
    *,
    issued: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """The command event for ``name`` and ``args``, signed with ``secret``.

    ``issued`` defaults to now and ``nonce`` to a fresh random one.
    """
    issued = int(time.time()) if issued is None else issued
    nonce = secrets.token_hex(16) if nonce is None else nonce
    args = list(args)
    signature = _sign(secret, signed_message(name, args, issued, nonce))
    body = {"command": name, "args": args, "issued": issued, "nonce": nonce}
    return {COMMAND_KEY: {**body, "signature": signature}}


def signed_message(name: str, args: Sequence[str], issued: int, nonce: str) -> bytes:
    """The bytes a command event's signature covers.

    Netstrings (``<byte length>:<UTF-8 bytes>,``) of :data:`DOMAIN`, the name,
    ``issued`` as decimal text, the nonce and each argument in order: each
    field's length is written before it, so no two commands share a message.
    """
    fields = (DOMAIN, name, str(issued), nonce, *args)
    return b"".join(
        b"%d:%s," % (len(data), data)
        for data in (field.encode("utf-8", "surrogatepass") for field in fields)
    )


def _sign(secret: str, message: bytes) -> str:
    key = secret.encode("utf-8", "surrogateescape")  # as the environment held it
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def parse_command_event(event: Any) -> tuple[str, list[str]]:
    """``(name, args)`` of a well-formed command event; CommandRefused saying what is wrong.

    The shape only: :func:`verify_command_event` checks the signature.
    """
    body = _body(event)
    name = body.get("command")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise _malformed(f"'command' is {shown(name)}, not a command name")
    args = body.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise _malformed(f"'args' is {shown(args)}, not a list of strings")
    if len(args) > MAX_ARGS or any(len(a) > MAX_ARG_CHARS for a in args):
        raise _malformed(f"more than {MAX_ARGS} args, or one over {MAX_ARG_CHARS} characters")
    return name, list(args)


def _body(event: Any) -> Mapping[str, Any]:
    if not isinstance(event, Mapping) or set(event) != {COMMAND_KEY}:
        keys = sorted(map(str, event)) if isinstance(event, Mapping) else []
        extra = [k for k in keys if k != COMMAND_KEY]
        raise _malformed(f"it has other keys beside {COMMAND_KEY!r}: {shown(extra)}")
    body = event[COMMAND_KEY]
    if not isinstance(body, Mapping):
        raise _malformed(f"{COMMAND_KEY!r} holds {shown(body)}, not an object")
    unknown = sorted(str(k) for k in body if k not in _FIELDS)
    if unknown:
        raise _malformed(f"unknown keys {shown(unknown)}")
    return body


def _malformed(reason: str) -> CommandRefused:
    return CommandRefused(f"faas_bridge: malformed command event: {reason}; expected {_SHAPE}")


class NonceCache:
    """The nonces of the command events accepted within the last :data:`WINDOW` seconds.

    A nonce is kept until its event's ``issued`` time leaves the window, after
    which the event is refused for its age anyway. The cache holds at most
    ``limit`` nonces, and when full it refuses a new event instead of
    forgetting one: a forgotten nonce whose event is still inside the window
    could be replayed. Only events whose signature checked out are added, so
    nobody without the secret can fill it; a holder of the secret sending more
    than ``limit`` commands within the window waits for older ones to expire.
    Memory stays within ``limit`` entries of at most 64 characters each.
    The cache is per process: another instance of the function keeps its own,
    so a captured event could still run once on each instance within the window.
    """

    def __init__(self, limit: int = MAX_NONCES, window: int = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def admit(self, nonce: str, issued: int, now: float) -> None:
        """Record ``nonce``; CommandRefused when it was seen, or the cache is full."""
        with self._lock:
            expiry = self._expiry
            for seen in [n for n, until in expiry.items() if until < now]:
                del expiry[seen]
            if nonce in expiry:
                raise CommandRefused(
                    "faas_bridge: refused a replayed command event: its nonce already ran "
                    f"within the last {self.window} s (a command event runs once; sign it again)"
                )
            if len(expiry) >= self.limit:
                raise CommandRefused(
                    f"faas_bridge: refused a command event: {self.limit} commands already ran "
                    f"here within {self.window} s; try again when older ones leave the window"
                )
            expiry[nonce] = issued + self.window


#: The nonces this process accepted.
NONCES = NonceCache()


def verify_command_event(
    event: Any,
    *,
    secret: str | None = None,
    now: float | None = None,
    nonces: NonceCache | None = None,
) -> tuple[str, list[str]]:
    """``(name, args)`` of a command event signed with the function's secret.

    CommandRefused when no secret is set, the event is unsigned, its signature
    does not match, it was issued outside the window, or its nonce ran
    already. ``secret`` defaults to :data:`SECRET_VARIABLE`, ``now`` to the
    clock, ``nonces`` to the process's :data:`NONCES`.
    """
    name, args = parse_command_event(event)
    body = event[COMMAND_KEY]
    if secret is None:
        secret = os.environ.get(SECRET_VARIABLE) or None
    if secret is None:
        raise CommandRefused(
            f"faas_bridge: command events are refused: {SECRET_VARIABLE} is not set in this "
            "function's environment. To enable them, set it to a random secret of at least "
            f'{MIN_SECRET_CHARS} characters (python -c "import secrets; '
            "print(secrets.token_hex(32))\") in the function's environment variables and "
            "where you run faas-bridge invoke --command, which signs the events"
        )
    if len(secret) < MIN_SECRET_CHARS:
        raise CommandRefused(
            f"faas_bridge: command events are refused: {SECRET_VARIABLE} holds "
            f"{len(secret)} characters; use a random secret of at least {MIN_SECRET_CHARS}"
        )
    issued, nonce, signature = body.get("issued"), body.get("nonce"), body.get("signature")
    if issued is None and nonce is None and signature is None:
        raise CommandRefused(f"faas_bridge: refused an unsigned command event; {_HOW_TO_SIGN}")
    if isinstance(issued, bool) or not isinstance(issued, int) or abs(issued) > 10**12:
        raise _malformed(f"'issued' is {shown(issued)}, not whole seconds since the epoch")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise _malformed(f"'nonce' is {shown(nonce)}, not 16 to 64 letters, digits, - or _")
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        raise _malformed(f"'signature' is {shown(signature)}, not 64 lower-case hex digits")
    expected = _sign(secret, signed_message(name, args, issued, nonce))
    if not hmac.compare_digest(expected, signature):
        raise CommandRefused(
            "faas_bridge: refused a command event whose signature does not match: it was "
            f"signed with another secret, or changed after signing; {_HOW_TO_SIGN}"
        )
    now = time.time() if now is None else now
    if abs(now - issued) > WINDOW:
        raise CommandRefused(
            f"faas_bridge: refused a command event issued {round(now - issued)} s from this "
            f"function's clock, outside the {WINDOW} s window; sign it again (and check the "
            "clock of the machine that signs)"
        )
    (NONCES if nonces is None else nonces).admit(nonce, issued, now)
    return name, args


def run_command_event(handler: Handler, event: Any) -> dict[str, Any]:
    """Run the signed, allowed command the event names in the handler's app; the reply."""
    try:
        name, args = verify_command_event(event)
    except CommandRefused as exc:
        logger.warning("%s", str(exc).split(";")[0])
        raise
    router = handler.triggers
    allowed = router.commands if router is not None else frozenset()
    function = handler.function
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
    "NONCES",
    "SECRET_VARIABLE",
    "WINDOW",
    "CommandRefused",
    "NonceCache",
    "command_event",
    "parse_command_event",
    "run_command",
    "run_command_event",
    "sign_command_event",
    "signed_message",
    "verify_command_event",
]
