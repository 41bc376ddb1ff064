"""``faas-bridge invoke``: one event through the handler, the vendor's reply out.

The event is a file, or, with ``--command``, a management command's event,
signed as the deployed function expects it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faas_bridge.devtools.cli.apps import (
    APP_HELP,
    build_handler,
    config_in_use,
    config_option,
    environ_options,
    resolve_app,
)
from faas_bridge.devtools.cli.common import CliError, note, print_json, status_of
from faas_bridge.errors import UnrecognisedEvent

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler
    from faas_bridge.platforms.base import Platform


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``invoke`` to the ``faas-bridge`` parser's subcommands."""
    invoke = sub.add_parser(
        "invoke",
        parents=[common],
        help="run one event through the handler and print the vendor's reply",
        description="Runs one event through the handler and prints the vendor's reply "
        "(or, with --http, the HTTP response the vendor makes of it). Exit status 1 when "
        "the reply's status is 400 or more, 2 when the event or app cannot be used.",
    )
    invoke.add_argument(
        "event", metavar="EVENT.json", nargs="?", help="the event file, or - for stdin"
    )
    invoke.add_argument(
        "--command",
        metavar="'NAME [ARG...]'",
        help="run a management command faas.yml allows (builds the command event)",
    )
    invoke.add_argument(
        "--print-event",
        action="store_true",
        help="with --command: print the event signed with FAAS_BRIDGE_COMMAND_SECRET, "
        "for the deployed function (aws lambda invoke --payload ...), instead of running it",
    )
    invoke.add_argument("--function", metavar="NAME", help="the faas.yml function to be")
    config_option(invoke)
    invoke.add_argument("--app", help=APP_HELP)
    invoke.add_argument("--platform", help="force this adapter instead of detecting it")
    invoke.add_argument("--http", action="store_true", help="print the decoded HTTP response")
    invoke.add_argument(
        "--timeout", type=float, default=30.0, help="seconds the invocation may take (30)"
    )
    invoke.set_defaults(run=cmd_invoke)


def cmd_invoke(args: argparse.Namespace) -> int:
    from faas_bridge.config import apply
    from faas_bridge.devtools.gateway import LocalContext, support
    from faas_bridge.dispatch import WARM_REPLY
    from faas_bridge.routing.triggers import TriggerFailed, UnroutedEvent

    if (args.event is None) == (args.command is None):
        raise CliError(
            "give an event file or --command, not both or neither",
            "faas-bridge invoke EVENT.json, or faas-bridge invoke --command migrate",
        )
    if args.print_event and args.command is None:
        raise CliError(
            "--print-event prints the signed command event --command names",
            "faas-bridge invoke --command 'migrate --noinput' --print-event",
        )
    event = (
        _command_event(args.command, local=not args.print_event)
        if args.command is not None
        else _read_event(args.event)
    )
    if args.print_event:
        print_json(event)
        return 0
    if args.platform:
        support(args.platform)  # an unknown name is a usage error before the app loads
    config = config_in_use(args)
    if config is None and args.function:
        raise CliError("--function names a function of faas.yml, and there is none here")
    function = config.running_function(name=args.function) if config is not None else None
    config_app = config.app_for(function) if config is not None else None
    spec = resolve_app(args.app, example=False, config_app=config_app)
    overrides = {"platform": args.platform} if args.platform else {}
    options = config.options_for(function, **overrides) if config else environ_options(**overrides)
    handler = build_handler(spec, options, **overrides)
    apply(handler, function)
    try:
        try:
            reply = handler(event, LocalContext(args.timeout))
        except UnroutedEvent as exc:
            raise CliError(str(exc).removeprefix("faas_bridge: ")) from exc
        except UnrecognisedEvent as exc:
            seen = str(exc).split("; platforms tried")[0]
            seen = seen.removeprefix("faas_bridge does not recognise ")
            tried = len(exc.tried)
            raise CliError(
                f"unrecognised event: {seen} ({tried} platform{'' if tried == 1 else 's'} tried)",
                "it is not an HTTP event of a known platform; check the file, "
                "or force an adapter with --platform",
            ) from exc
        except TriggerFailed as exc:
            print(f"faas-bridge: {str(exc).removeprefix('faas_bridge: ')}", file=sys.stderr)
            return 1
    finally:
        handler.shutdown()
    if args.command is not None:
        print_json(reply)
        return 0 if reply.get("exit_status") == 0 else 1
    platform = None if reply == WARM_REPLY else _http_platform(handler, event)
    if platform is None and reply != WARM_REPLY:  # a non-HTTP event, delivered
        print_json(reply)
        return 1 if isinstance(reply, dict) and reply.get("batchItemFailures") else 0
    status = status_of(reply)
    if not args.http:
        print_json(reply)
    elif platform is None:
        note("no HTTP decoding for this reply")
        print_json(reply)
    else:
        try:
            status, headers, body = support(platform.name)().http_reply(reply, event)
        except ValueError as exc:
            raise CliError(f"{platform.name} would reject the reply: {exc}") from exc
        _print_http(status, headers, body)
    return 1 if isinstance(status, int) and status >= 400 else 0


def _http_platform(handler: Handler, event: Any) -> Platform | None:
    """The adapter that answered the event; None for a non-HTTP event."""
    try:
        return handler.detect(event)
    except UnrecognisedEvent:
        return None


def _command_event(text: str, *, local: bool) -> dict[str, Any]:
    """The signed command event for ``--command "migrate --plan"``.

    Signed with FAAS_BRIDGE_COMMAND_SECRET; a ``local`` run without it signs
    with a secret of its own, since this process is the function as well.
    """
    import secrets
    import shlex

    from faas_bridge.routing.commands import SECRET_VARIABLE, command_event

    if not os.environ.get(SECRET_VARIABLE):
        if not local:
            raise CliError(
                f"{SECRET_VARIABLE} is not set: the event is signed with the function's secret",
                f"set {SECRET_VARIABLE} here to the value the deployed function has",
            )
        os.environ[SECRET_VARIABLE] = secrets.token_hex(32)

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise CliError(f"--command {text!r}: {exc}", "check the quotes") from exc
    if not words:
        raise CliError("--command names no command", "give one, such as --command migrate")
    return command_event(words[0], words[1:])


def _read_event(name: str) -> Any:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}", "check the path") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(
            f"{'standard input' if name == '-' else name} is not JSON: {exc}",
            "pass an event file (faas-bridge events new PLATFORM > event.json makes one)",
        ) from exc


def _print_http(status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    from faas_bridge.platforms.base import status_line

    head = [f"HTTP/1.1 {status_line(status)}", *(f"{k}: {v}" for k, v in headers), "", ""]
    out = sys.stdout
    out.write("\n".join(head))
    out.flush()
    out.buffer.write(body)
    if body and not body.endswith(b"\n"):
        out.buffer.write(b"\n")
    out.buffer.flush()
