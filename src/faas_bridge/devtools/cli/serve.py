"""``faas-bridge serve``: the app on 127.0.0.1 behind an emulated vendor gateway.

With a faas.yml that declares functions, each request goes to the function
whose routes own it, as the vendor's router would send it; ``--legacy``
proxies the rest to the old server.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from faas_bridge.devtools.cli.apps import (
    APP_HELP,
    AppSpec,
    build_handler,
    config_in_use,
    config_option,
    environ_options,
    import_app,
    module_handler,
    resolve_app,
)
from faas_bridge.devtools.cli.common import CliError, platform_settings, setting_options

if TYPE_CHECKING:
    from faas_bridge.config import Config
    from faas_bridge.devtools.gateway import Emulation
    from faas_bridge.dispatch import Handler

DEFAULT_PLATFORM = "aws-apigw-v2"
DEFAULT_PORT = 3000


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``serve`` to the ``faas-bridge`` parser's subcommands."""
    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="serve the app on 127.0.0.1 behind an emulated vendor gateway",
        description="A real HTTP server that turns each request into the chosen vendor's "
        "event, runs it through the handler (built once, warm across requests) and turns "
        "the reply back into HTTP as the vendor does, limits included.",
        platforms_for="serve",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("app", nargs="?", help=APP_HELP)
    serve.add_argument(
        "--platform",
        default=DEFAULT_PLATFORM,
        help=f"the vendor to emulate (default {DEFAULT_PLATFORM})",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (3000; 0 takes a free one)"
    )
    setting_options(serve)
    serve.add_argument(
        "--base-path",
        metavar="PATH",
        help="a custom-domain API mapping the app is mounted at (also FAAS_BRIDGE_BASE_PATH)",
    )
    serve.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per invocation (default 30)"
    )
    serve.add_argument("--reload", action="store_true", help="restart when a source file changes")
    serve.add_argument(
        "--legacy",
        metavar="URL",
        help="the old server: requests no faas.yml function serves are proxied to it",
    )
    config_option(serve)
    serve.add_argument("--log-json", action="store_true", help="log requests as JSON lines")
    serve.add_argument(
        "--stream",
        action="store_true",
        help="stream replies where the emulated integration streams (Function URL, REST "
        "API, Google, Azure): turns response_stream on (FAAS_BRIDGE_RESPONSE_STREAM)",
    )
    serve.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.gateway import Emulation, support

    platform = support(args.platform)
    if args.stream:
        os.environ["FAAS_BRIDGE_RESPONSE_STREAM"] = "on"  # read by the handlers serve builds
    settings = platform_settings(args, platform)
    config = config_in_use(args)
    legacy = _legacy_url(args.legacy)
    base_path = args.base_path
    if base_path is None:
        base_path = os.environ.get("FAAS_BRIDGE_BASE_PATH", "")
        if not base_path and config is not None:
            base_path = str(config.options.get("base_path", ""))
    emulation = Emulation(platform, settings, base_path=base_path)
    forced = os.environ.get("FAAS_BRIDGE_PLATFORM")
    if forced and forced != platform.name:
        raise CliError(
            f"FAAS_BRIDGE_PLATFORM={forced} but serve emulates {platform.name}",
            f"unset it or serve --platform {forced}",
        )
    if config is not None and config.functions:
        return _serve_functions(args, config, emulation, legacy)
    spec = resolve_app(args.app, example=True, config_app=config.app if config else None)

    base = emulation.app_base_path
    mount = {"base_path": base} if base else {}

    def build() -> Handler:
        if config is None:
            return build_handler(spec, environ_options(base_path=base), **mount)
        options = config.options_for(None, base_path=base)
        return build_handler(spec, options, **mount)

    def announce(handler: Handler, url: str) -> None:
        timings = handler.timings
        _print_banner(
            [f"  app        {spec} ({_app_kind(handler)}), from {spec.source}"],
            _emulation_lines(emulation, config, legacy),
            f"app import {timings['app_import_ms']} ms, "
            f"startup {timings['startup_ms']} ms (cold start of this process)",
            url,
            "the app's",
        )

    return _run_gateway(args, build, emulation, announce, legacy)


def _print_banner(
    apps: list[str], emulation: list[str], started: str, url: str, whose: str
) -> None:
    """What ``serve`` says when it is ready: the app(s), the emulation, the URL."""
    lines = [
        "faas-bridge serve",
        *apps,
        *emulation,
        f"  started    {started}",
        f"  listening  {url}",
        f"Ctrl-C stops the server and runs {whose} shutdown.",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _run_gateway(
    args: argparse.Namespace,
    build: Callable[[], Any],
    emulation: Emulation,
    announce: Callable[[Any, str], None],
    legacy: str | None,
) -> int:
    from faas_bridge.devtools.gateway import serve

    return serve(
        build,
        emulation,
        host=args.host,
        port=args.port,
        reload=args.reload,
        log_json=args.log_json,
        timeout=args.timeout,
        announce=announce,
        legacy=legacy,
        stream=args.stream,
    )


def _emulation_lines(emulation: Emulation, config: Config | None, legacy: str | None) -> list[str]:
    platform = emulation.platform
    settings_text = ", ".join(f"{k}={v}" for k, v in sorted(emulation.settings.items()))
    lines = [
        f"  emulating  {platform.name}: {platform.description}"
        + (f" ({settings_text})" if settings_text else ""),
        f"  mounted at {emulation.mount or '/'}",
        f"  URLs       {emulation.emulator.url_layout}",
        f"  limits     {emulation.describe_limits()}",
    ]
    if config is not None:
        lines.append(f"  faas.yml   {config.path}")
    if legacy is not None:
        lines.append(f"  legacy     {legacy} answers the requests no function serves")
    return lines


def _serve_functions(
    args: argparse.Namespace, config: Config, emulation: Emulation, legacy: str | None
) -> int:
    """``serve`` for a faas.yml with functions: each request to the function owning it."""
    from faas_bridge.config import FunctionSet, function_set
    from faas_bridge.lifecycle.lifespan import LifespanFailure

    override = resolve_app(args.app, example=False) if args.app else None
    imported: dict[str, tuple[Any, float]] = {}
    specs: dict[str, AppSpec] = {}

    def apps(text: str | None) -> tuple[Any, float]:
        spec = override or (AppSpec(text, "faas.yml") if text else resolve_app(None, example=False))
        if spec.text not in imported:
            app, seconds = import_app(spec)
            built = module_handler(spec, app)
            # Each function gets a handler of its own: the one the module built wraps the app.
            imported[spec.text] = (built[0].app if built else app, seconds)
            specs[spec.text] = spec
        return imported[spec.text]

    def build() -> FunctionSet:
        try:
            return function_set(config, apps, base_path=emulation.app_base_path)
        except LifespanFailure as exc:
            raise CliError(
                f"the app did not start: {exc}", "fix its startup, or set lifespan: off"
            ) from exc

    def announce(functions: FunctionSet, url: str) -> None:
        apps = []
        for name, handler in functions.handlers.items():
            spec_text = override.text if override else config.app_for(config.functions[name])
            apps.append(
                f"  function   {name}: {spec_text or 'Django'} ({_app_kind(handler)}): "
                + config.functions[name].describe()
            )
        imports = sum(seconds for _, seconds in imported.values()) * 1000
        startup = sum(h.timings["startup_ms"] or 0 for h in functions.handlers.values())
        _print_banner(
            apps,
            _emulation_lines(emulation, config, legacy),
            f"app import {imports:.1f} ms, startup {startup:.1f} ms "
            f"(cold start of {len(functions.handlers)} functions in this process)",
            url,
            "the apps'",
        )

    return _run_gateway(args, build, emulation, announce, legacy)


def _app_kind(handler: Handler) -> str:
    """``Flask, WSGI`` or ``asgi_app, ASGI``: what was imported, in a few words."""
    app = handler.app
    name = type(app).__name__
    if inspect.isfunction(app) or inspect.ismethod(app):
        name = getattr(app, "__qualname__", name)
    return f"{name}, {handler.interface.upper()}"


def _legacy_url(text: str | None) -> str | None:
    """``--legacy``: the old server's base URL, checked."""
    if text is None:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise CliError(
            f"--legacy {text!r} is not a base URL", "give one such as http://127.0.0.1:8000"
        )
    return text.rstrip("/")
