"""What the subcommands share: the user's error, the parser, output, the vendors' settings."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from faas_bridge.errors import FaasBridgeError

if TYPE_CHECKING:
    from faas_bridge.devtools.emulators.base import Emulator

#: Command-line options for platform settings: option -> setting name.
SETTING_OPTIONS = {
    "--stage": "stage",
    "--alb-multi-value": "multi_value",
    "--http-api": "http_api",
    "--binary-media-types": "binary_media_types",
}


class CliError(FaasBridgeError):
    """A problem the user can fix: printed as one line, exit status 2."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(f"{message}; {fix}" if fix else message)
        self.message = message
        self.fix = fix


class Parser(argparse.ArgumentParser):
    """Usage errors as the usage plus one line, exit status 2; platform lists in help.

    ``platforms_for`` names the action whose help ends with the platform list,
    built when help is shown only (it imports every adapter).
    """

    def __init__(self, *args: Any, platforms_for: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platforms_for = platforms_for

    def format_help(self) -> str:
        if self.platforms_for:
            self.epilog = _platforms_help(self.platforms_for)
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"faas-bridge: error: {message}\n")


def _platforms_help(action: str) -> str:
    from faas_bridge.devtools.gateway import platform_support

    lines = [f"platforms ({action}):"]
    for entry in platform_support():
        mark = "" if entry.can_serve else f"  [{entry.status}]"
        lines.append(f"  {entry.name:<20} {entry.description}{mark}")
    return "\n".join(lines)


def note(message: str) -> None:
    print(f"faas-bridge: {message}", file=sys.stderr, flush=True)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def status_of(reply: Any) -> int | None:
    """The HTTP status in a vendor's reply, whatever its shape, when it can be read."""
    if isinstance(reply, Mapping):
        value = reply.get("statusCode", reply.get("status"))
    else:
        value = getattr(reply, "status_code", None)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- Platform settings -------------------------------------------------------------------------


def setting_options(parser: argparse.ArgumentParser) -> None:
    """The options of :data:`SETTING_OPTIONS`, for ``serve`` and ``events new``."""
    parser.add_argument("--stage", help="the API stage (REST: prod; HTTP API: $default)")
    multi = parser.add_mutually_exclusive_group()
    multi.add_argument(
        "--alb-multi-value",
        dest="alb_multi_value",
        action="store_true",
        default=None,
        help="aws-alb: the target group has multi-value headers on",
    )
    multi.add_argument(
        "--no-alb-multi-value", dest="alb_multi_value", action="store_false", help="(the default)"
    )
    parser.add_argument(
        "--http-api",
        action="store_true",
        default=None,
        help="aws-apigw-v1: an HTTP API with payload format 1.0 instead of a REST API",
    )
    parser.add_argument(
        "--binary-media-types",
        metavar="TYPES",
        help="aws-apigw-v1: the REST API's binaryMediaTypes, comma-separated (default */*)",
    )


def platform_settings(args: argparse.Namespace, platform: type[Emulator]) -> dict[str, Any]:
    """Platform settings from the options given; CliError for one the platform lacks."""
    given = {
        "--stage": args.stage,
        "--alb-multi-value": args.alb_multi_value,
        "--http-api": args.http_api,
        "--binary-media-types": args.binary_media_types,
    }
    accepted = platform.settings()
    settings: dict[str, Any] = {}
    for option, value in given.items():
        if value is None:
            continue
        name = SETTING_OPTIONS[option]
        if name not in accepted:
            takes = [opt for opt, n in SETTING_OPTIONS.items() if n in accepted]
            raise CliError(
                f"{option} does not apply to {platform.name}",
                f"it takes {', '.join(takes)}" if takes else "it takes no platform options",
            )
        if name == "binary_media_types":
            value = tuple(t.strip() for t in str(value).split(",") if t.strip())
        settings[name] = value
    return settings
