"""``faas-bridge events``: the platforms (``list``), and the event one sends (``new``).

``events new PLATFORM`` prints the event a vendor sends for the HTTP request
described; ``events new TYPE`` the event a non-HTTP trigger of faas.yml delivers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from faas_bridge.devtools.cli.common import (
    SETTING_OPTIONS,
    CliError,
    Parser,
    note,
    platform_settings,
    print_json,
    setting_options,
)


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``events list`` and ``events new`` to the ``faas-bridge`` parser's subcommands."""
    events = sub.add_parser("events", parents=[common], help="sample events for every platform")
    events_sub = events.add_subparsers(dest="events_command", metavar="ACTION", parser_class=Parser)
    events_sub.required = True
    listing = events_sub.add_parser(
        "list", parents=[common], help="the platforms and what faas-bridge does for each"
    )
    listing.add_argument(
        "--passage",
        action="store_true",
        help="what a request and its reply lose or change on the way, per platform (Markdown)",
    )
    listing.set_defaults(run=cmd_events_list)
    new = events_sub.add_parser(
        "new",
        parents=[common],
        help="print the event a platform sends for a request",
        description="Prints the event PLATFORM sends a function for the request described.",
        platforms_for="events new",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("platform", metavar="PLATFORM|TYPE")
    new.add_argument("--method", "-X", default="GET")
    new.add_argument("--path", default="/", help="the URL path, as typed (default /)")
    new.add_argument("--query", action="append", default=[], metavar="KEY=VALUE", help="repeatable")
    new.add_argument(
        "--header", "-H", action="append", default=[], metavar="'NAME: VALUE'", help="repeatable"
    )
    new.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE")
    new.add_argument("--body", help="the request body, as text")
    new.add_argument("--body-file", metavar="FILE", help="the request body from a file (- stdin)")
    new.add_argument("--host", help="the host the client used (the vendor's domain by default)")
    new.add_argument("--client-ip", default="198.51.100.7", help="the client's address")
    setting_options(new)
    trigger = new.add_argument_group(
        "trigger types (aws.sqs, aws.events.scheduled, ...: faas-bridge events list)"
    )
    trigger.add_argument(
        "--message",
        action="append",
        default=[],
        metavar="TEXT",
        help="a message, object key or payload (repeatable: one record each)",
    )
    trigger.add_argument("--source", help="the queue, topic, bucket, rule or trigger")
    trigger.add_argument(
        "--event-type", help="aws.events: the detail-type; google.cloudevent: the type"
    )
    new.set_defaults(run=cmd_events_new)


def cmd_events_list(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.gateway import platform_support

    if args.passage:
        from faas_bridge.devtools.emulators.table import passage_table

        print(passage_table(), end="")
        return 0

    rows = [("platform", "events new", "serve", "settings", "what")]
    for entry in platform_support():
        takes = [opt for opt, name in SETTING_OPTIONS.items() if name in entry.settings()]
        rows.append(
            (
                entry.name,
                "yes" if entry.can_build and entry.json_events else entry.status,
                "yes" if entry.can_serve else "no local emulation yet",
                " ".join(takes) or "-",
                entry.description if not entry.problem else entry.status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        print("  ".join([*cells, row[4]]).rstrip())
    from faas_bridge.devtools.trigger_events import MESSAGES
    from faas_bridge.routing.kinds import KINDS

    print("\ntrigger types (faas.yml triggers; events new TYPE --message ... --source ...):")
    width = max(len(name) for name in KINDS)
    for name, kind in KINDS.items():
        print(f"  {name:<{width}}  {kind.what}; --message: {MESSAGES[name]}")
    return 0


def cmd_events_new(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.emulators.base import HttpCall
    from faas_bridge.devtools.gateway import support
    from faas_bridge.routing.kinds import KINDS

    if args.platform in KINDS:
        return _trigger_event(args)
    if args.message or args.source or args.event_type:
        given = "--message" if args.message else "--source" if args.source else "--event-type"
        support(args.platform)  # an unknown name is the error to show
        raise CliError(
            f"{given} is for trigger types, and {args.platform} is an HTTP platform",
            "faas-bridge events list shows both",
        )
    platform = support(args.platform)
    if not platform.can_build or not platform.json_events:
        raise CliError(
            f"{platform.name}: {platform.status}",
            "faas-bridge events list shows the platforms with JSON events",
        )
    settings = platform_settings(args, platform)
    if args.host:
        if "host" not in platform.settings():
            raise CliError(f"--host does not apply to {platform.name}")
        settings["host"] = args.host
    body = _body(args)
    headers = _call_headers(args)
    if body and not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", str(len(body))))  # as every client sends it
    call = HttpCall(
        method=args.method.upper(),
        target=_target(args.path, args.query),
        headers=headers,
        body=body,
        client_ip=args.client_ip,
    )
    try:
        event, caveat = platform(**settings).build(call)
    except ValueError as exc:
        raise CliError(f"{platform.name} cannot carry this request: {exc}") from exc
    if caveat:
        note(caveat)
    print_json(event)
    return 0


#: ``events new`` options that describe an HTTP request: (attribute, option, default).
_HTTP_OPTIONS: tuple[tuple[str, str, Any], ...] = (
    ("method", "--method", "GET"),
    ("path", "--path", "/"),
    ("query", "--query", []),
    ("header", "--header", []),
    ("cookie", "--cookie", []),
    ("host", "--host", None),
    ("client_ip", "--client-ip", "198.51.100.7"),
    ("stage", "--stage", None),
    ("alb_multi_value", "--alb-multi-value", None),
    ("http_api", "--http-api", None),
    ("binary_media_types", "--binary-media-types", None),
)


def _trigger_event(args: argparse.Namespace) -> int:
    """``events new TYPE``: the event a non-HTTP trigger delivers (faas.yml's trigger types)."""
    from faas_bridge.devtools.trigger_events import EventError, build_trigger_event

    for attribute, option, default in _HTTP_OPTIONS:
        if getattr(args, attribute) != default:
            raise CliError(
                f"{option} describes an HTTP request, and {args.platform} is a trigger type",
                "give the trigger's --message, --source or --event-type",
            )
    messages = list(args.message)
    if args.body is not None or args.body_file is not None:
        messages.insert(0, _body(args).decode("utf-8", "replace"))
    try:
        event = build_trigger_event(
            args.platform, messages, source=args.source, event_type=args.event_type
        )
    except EventError as exc:
        raise CliError(f"{args.platform}: {exc}") from exc
    print_json(event)
    return 0


def _target(path: str, queries: Sequence[str]) -> str:
    """A request target from a path as typed and ``key=value`` query items."""
    path = path if path.startswith("/") else "/" + path
    path, _, query = path.partition("?")
    encoded = quote(path, safe="/:@!$&'()*+,;=-._~%")
    parts = [query] if query else []
    for item in queries:
        key, sep, value = item.partition("=")
        safe = "/:@!$'()*,;-._~"
        parts.append(quote(key, safe=safe) + (sep + quote(value, safe=safe) if sep else ""))
    return encoded + ("?" + "&".join(parts) if parts else "")


def _call_headers(args: argparse.Namespace) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise CliError(f"--header {item!r} is not 'Name: value'")
        headers.append((name.strip(), value.strip()))
    if args.cookie:
        headers.append(("Cookie", "; ".join(c.strip() for c in args.cookie)))
    return headers


def _body(args: argparse.Namespace) -> bytes:
    if args.body is not None and args.body_file is not None:
        raise CliError("--body and --body-file both given", "pass one")
    if args.body is not None:
        return str(args.body).encode("utf-8")
    if args.body_file is not None:
        if args.body_file == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(args.body_file).read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {args.body_file}: {exc.strerror or exc}") from exc
    return b""
