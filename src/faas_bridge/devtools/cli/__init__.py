"""The ``faas-bridge`` command: serve, invoke, events, doctor, package, template.

``serve``     a local HTTP gateway emulating one vendor in front of the app;
``invoke``    one event file through the handler, the vendor's reply out;
``events``    the vendors' events for a request of your choosing, or of a non-HTTP trigger;
``doctor``    imports the app in a fresh interpreter and checks what a deployment needs;
``package``   the app and its dependencies as the vendor's zip;
``template``  the vendor's deployment files, from faas.yml.

One module per subcommand, each adding its own parser (``add_commands``);
``apps`` finds and imports the user's app, ``common`` holds what they share.
This module parses and dispatches. Errors are for people: one line saying
what is wrong and what to do, exit status 2, and a traceback only with
``--debug``. The package is imported by the command alone: ``import
faas_bridge`` never loads it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator, Sequence

from faas_bridge import __version__
from faas_bridge.devtools.cli import doctor, events, invoke, serve
from faas_bridge.devtools.cli.common import Parser
from faas_bridge.errors import FaasBridgeError

logger = logging.getLogger("faas_bridge")


def build_parser() -> argparse.ArgumentParser:
    # --debug is accepted before and after the command; the command's copy
    # leaves the value alone unless given (SUPPRESS), so neither overrides the other.
    common = Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and debug logging",
    )
    parser = Parser(
        prog="faas-bridge",
        description="Run WSGI/ASGI apps as cloud functions: local gateway, events, checks.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"faas-bridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for command in (serve, invoke, events, doctor):
        command.add_commands(sub, common)
    # Imported only here: it loads faas.yml's loader, which doctor's probe (importing
    # this package) must not have loaded before it times the app's import.
    from faas_bridge.devtools.cli import deploy

    deploy.add_commands(sub, common)
    return parser


@contextlib.contextmanager
def _logging_to_stderr(debug: bool) -> Iterator[None]:
    """faas_bridge's log on stderr (warnings; everything with --debug), for this run only."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``faas-bridge`` and ``python -m faas_bridge``; the exit status."""
    args = build_parser().parse_args(argv)
    with _logging_to_stderr(args.debug):
        try:
            status: int = args.run(args)
            return status
        except FaasBridgeError as exc:
            if args.debug:
                traceback.print_exc()
            message = str(exc).removeprefix("faas_bridge: ")
            print(f"faas-bridge: error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130
        except Exception as exc:  # a bug: still one line, the traceback on request
            if args.debug:
                raise
            print(
                f"faas-bridge: unexpected error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
            return 1
