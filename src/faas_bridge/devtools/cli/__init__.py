"""The ``faas-bridge`` command: serve, invoke, events, doctor.

``serve``   a local HTTP gateway emulating one vendor in front of the app;
``invoke``  one event file through the handler, the vendor's reply out;
``events``  the vendors' events for a request of your choosing, or of a non-HTTP trigger;
``doctor``  imports the app in a fresh interpreter and checks what a deployment needs.

Errors are for people: one line saying what is wrong and what to do, exit
status 2, and a traceback only with ``--debug``. The module is imported by the
command alone: ``import faas_bridge`` never loads it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

import faas_bridge
from faas_bridge import __version__
from faas_bridge.errors import ConfigurationError, FaasBridgeError, UnrecognisedEvent

if TYPE_CHECKING:
    from faas_bridge.config import Config
    from faas_bridge.devtools.gateway import Emulation, PlatformSupport
    from faas_bridge.dispatch import Handler
    from faas_bridge.platforms.base import Platform

#: The app ``serve`` and ``doctor`` use when none is named (relative to the current directory).
EXAMPLE_APP = Path("examples") / "flask_app" / "app.py"
DEFAULT_PLATFORM = "aws-apigw-v2"
DEFAULT_PORT = 3000
#: Command-line options for platform settings: option -> setting name.
SETTING_OPTIONS = {
    "--stage": "stage",
    "--alb-multi-value": "multi_value",
    "--http-api": "http_api",
    "--binary-media-types": "binary_media_types",
}
_MODULE_SPEC = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?\Z")

logger = logging.getLogger("faas_bridge")


class CliError(FaasBridgeError):
    """A problem the user can fix: printed as one line, exit status 2."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(f"{message}; {fix}" if fix else message)
        self.message = message
        self.fix = fix


# -- Which app -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppSpec:
    """Where the app comes from.

    ``text`` is ``package.module[:attribute]``, ``path/to/file.py[:attribute]``,
    or empty for Django's application (``DJANGO_SETTINGS_MODULE``).
    """

    text: str
    source: str

    @property
    def file(self) -> Path | None:
        """The Python file named, for the ``path/to/file.py[:attribute]`` form."""
        head, sep, tail = self.text.rpartition(":")
        name = head if sep and head.endswith(".py") and "/" not in tail else self.text
        return Path(name) if name.endswith(".py") else None

    @property
    def attribute(self) -> str:
        if self.file is not None:
            head, sep, tail = self.text.rpartition(":")
            return tail if sep and head.endswith(".py") else ""
        return self.text.partition(":")[2]

    @property
    def deployed_name(self) -> str:
        """``FAAS_BRIDGE_APP`` for a function whose root is the app's directory."""
        if self.file is not None:
            stem = self.file.stem
            return f"{stem}:{self.attribute}" if self.attribute else stem
        return self.text

    def __str__(self) -> str:
        if not self.text:
            return f"Django's application ({os.environ.get('DJANGO_SETTINGS_MODULE')})"
        return self.text


def resolve_app(
    argument: str | None,
    *,
    example: bool,
    environ: Mapping[str, str] | None = None,
    config_app: str | None = None,
) -> AppSpec:
    """The app named by the argument, FAAS_BRIDGE_APP, faas.yml, Django or the example."""
    env = os.environ if environ is None else environ
    if argument and argument.strip():
        return AppSpec(argument.strip(), "argument")
    named = env.get("FAAS_BRIDGE_APP", "").strip()
    if named:
        return AppSpec(named, "FAAS_BRIDGE_APP")
    if config_app:
        return AppSpec(config_app, "faas.yml")
    if env.get("DJANGO_SETTINGS_MODULE"):
        return AppSpec("", "DJANGO_SETTINGS_MODULE")
    if example and EXAMPLE_APP.is_file():
        return AppSpec(f"{EXAMPLE_APP.as_posix()}:app", "the embedded example, as no app was named")
    raise CliError(
        "no app named",
        "pass one (package.module:app or path/to/app.py) or set FAAS_BRIDGE_APP",
    )


def import_app(spec: AppSpec) -> tuple[Any, float]:
    """(app, seconds the import took); CliError saying what went wrong and the fix."""
    from faas_bridge.bridges.apps import configured_app, load_app

    began = time.perf_counter()
    loader: Callable[[], Any]
    if not spec.text:
        target = "Django's settings"
        _add_to_path(os.getcwd())
        loader = configured_app
    elif spec.file is not None:
        path = spec.file
        target = path.as_posix()
        if not path.is_file():
            raise CliError(f"no such file: {target}", "check the path to your app's module")
        module_name = path.stem
        if not module_name.isidentifier():
            raise CliError(f"{path.name} cannot be imported", "give it a Python module name")
        existing = sys.modules.get(module_name)
        existing_file = getattr(existing, "__file__", None)
        if existing_file and Path(existing_file).resolve() != path.resolve():
            raise CliError(
                f"another module named {module_name!r} is already loaded ({existing_file})",
                "rename your file",
            )
        _add_to_path(str(path.resolve().parent))
        name = f"{module_name}:{spec.attribute}" if spec.attribute else module_name
        loader = functools.partial(load_app, name)
    else:
        if not _MODULE_SPEC.fullmatch(spec.text):
            raise CliError(
                f"{spec.text!r} does not name an app",
                "use package.module:attribute or path/to/app.py[:attribute]",
            )
        target = spec.text.partition(":")[0]
        _add_to_path(os.getcwd())
        loader = functools.partial(load_app, spec.text)
    try:
        app = loader()
    except ConfigurationError as exc:
        raise CliError(str(exc).rstrip(".")) from exc
    except SyntaxError as exc:
        where = f"{exc.filename}, line {exc.lineno}" if exc.filename else target
        raise CliError(
            f"syntax error in {where}: {exc.msg}", "fix it, or run with --debug for details"
        ) from exc
    except ModuleNotFoundError as exc:
        raise CliError(
            f"importing {target} failed: {exc} ({_where(exc)})", _missing_module_fix(spec, exc)
        ) from exc
    except (Exception, SystemExit) as exc:
        raise CliError(
            f"importing {target} failed: {type(exc).__name__}: {exc} ({_where(exc)})",
            "fix the error there, or run with --debug for the traceback",
        ) from exc
    return app, time.perf_counter() - began


def _missing_module_fix(spec: AppSpec, exc: ModuleNotFoundError) -> str:
    """What to do about a module the app imports and Python cannot find.

    A package of the user's own that sits above the named file (Django's
    ``mysite`` beside ``manage.py``, for ``mysite/wsgi.py``) is not something
    to install: its folder's parent must be on ``sys.path``.
    """
    top = (exc.name or "").partition(".")[0]
    file = spec.file
    if top and file is not None:
        for folder in file.resolve().parents:
            if (folder / top / "__init__.py").is_file() or (folder / f"{top}.py").is_file():
                dotted = ".".join(file.resolve().relative_to(folder).with_suffix("").parts)
                shown = os.path.relpath(folder)
                named = f"{dotted}:{spec.attribute}" if spec.attribute else dotted
                return (
                    f"{top!r} is your own package in {shown}, which is not importable: "
                    f"run from there (cd {shown}) naming the app {named}, "
                    f"or add {shown} to PYTHONPATH"
                )
    return f"install the package that provides {exc.name!r}, or fix the import"


def _add_to_path(directory: str) -> None:
    if not sys.path or sys.path[0] != directory:
        sys.path.insert(0, directory)


def _where(exc: BaseException) -> str:
    """``file, line N``: the innermost frame in the user's code, else the innermost."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [
        f
        for f in frames
        if not f.filename.startswith("<")
        and "site-packages" not in f.filename
        and "importlib" not in f.filename
        and f"{os.sep}faas_bridge{os.sep}" not in f.filename
    ]
    chosen = own or list(frames)
    if not chosen:
        return "no traceback"
    frame = chosen[-1]
    name = frame.filename
    with contextlib.suppress(ValueError):  # another drive, on Windows
        name = os.path.relpath(name)
    return f"{name}, line {frame.lineno}"


def module_handler(spec: AppSpec, app: Any) -> tuple[Handler, str] | None:
    """(handler, its name) when the app's module built one: ``handler = wrap(app)``.

    Either the name given is that handler, or the module holds one wrapping
    the app named. The module started the app when it built it (ASGI
    lifespan, startup hooks), as the deployed function does: the commands use
    that handler instead of starting the app a second time.
    """
    from faas_bridge.dispatch import Handler

    module_name = spec.file.stem if spec.file is not None else spec.text.partition(":")[0]
    module = sys.modules.get(module_name) if spec.text else None
    app = _built(app)
    if isinstance(app, Handler):
        return app, spec.attribute or "handler"
    for name, value in vars(module).items() if module is not None else ():
        value = _built(value)
        if isinstance(value, Handler) and value.app is app:
            return value, name
    return None


def _built(value: Any) -> Any:
    """The Handler behind ``wrap(app).as_function()`` (its ``__wrapped__``), else ``value``."""
    wrapped = getattr(value, "__wrapped__", None) if inspect.isfunction(value) else None
    return wrapped if wrapped is not None else value


def adopt(handler: Handler, seconds: float, **overrides: Any) -> Handler:
    """The module's own handler, with the command's overrides (the mount point, a platform)."""
    from faas_bridge.platforms import platform_entries

    if overrides:
        # Adapters are built lazily with the handler's options: none has been
        # built before the first event, and the ones that were are rebuilt.
        handler.options = handler.options.replace(**overrides)
        handler._entries = platform_entries(handler.options)
        handler._adapters = [None] * len(handler._entries)
        handler._last = None
    handler.timings["app_import_ms"] = round(seconds * 1000, 1)
    return handler


def build_handler(spec: AppSpec, options: Any, **overrides: Any) -> Handler:
    """The Handler for the app: imported, started (ASGI lifespan, startup hooks).

    ``overrides`` are the options the command sets (they are in ``options``
    too): a handler the app's module built keeps its own options but these.
    """
    from faas_bridge.dispatch import Handler
    from faas_bridge.lifecycle import LifespanFailure

    app, seconds = import_app(spec)
    built = module_handler(spec, app)
    if built is not None:
        return adopt(built[0], seconds, **overrides)
    try:
        return Handler(app, options, import_seconds=seconds)
    except ConfigurationError as exc:
        raise CliError(str(exc).rstrip(".")) from exc
    except LifespanFailure as exc:
        raise CliError(
            f"the app did not start: {exc}", "fix its startup, or set FAAS_BRIDGE_LIFESPAN=off"
        ) from exc


def _options(**overrides: Any) -> Any:
    from faas_bridge.options import Options

    try:
        options = Options.from_environ()
        return options.replace(**overrides) if overrides else options
    except ConfigurationError as exc:
        raise CliError(str(exc), "fix or unset that environment variable") from exc


def _load_config(args: argparse.Namespace) -> Config | None:
    """The faas.yml in use (``--config``, ``FAAS_BRIDGE_CONFIG``, ./faas.yml), validated."""
    from faas_bridge.config import FILE_NAME, add_to_path, find_config, load_config

    named = getattr(args, "config", None)
    path = Path(named) if named else find_config()
    if path is None:
        return None
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise CliError(f"no such file: {path}", "check --config")
    config = load_config(path)
    add_to_path(config.path.parent)  # its names import relative to it, as deployed
    return config


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


def _note(message: str) -> None:
    print(f"faas-bridge: {message}", file=sys.stderr, flush=True)


# -- Platforms and their settings ------------------------------------------------------------


def _support(name: str) -> PlatformSupport:
    from faas_bridge.devtools.gateway import support

    return support(name)


def _settings(args: argparse.Namespace, platform: PlatformSupport) -> dict[str, Any]:
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


def _platforms_help(action: str) -> str:
    from faas_bridge.devtools.gateway import platform_support

    lines = [f"platforms ({action}):"]
    for entry in platform_support():
        mark = "" if entry.can_serve else f"  [{entry.status}]"
        lines.append(f"  {entry.name:<20} {entry.description}{mark}")
    return "\n".join(lines)


# -- serve -----------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.gateway import Emulation

    platform = _support(args.platform)
    settings = _settings(args, platform)
    config = _load_config(args)
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

    mount = {"base_path": emulation.mount} if emulation.mount else {}

    def build() -> Handler:
        if config is None:
            return build_handler(spec, _options(base_path=emulation.mount), **mount)
        options = config.options_for(None, base_path=emulation.mount)
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
    )


def _emulation_lines(emulation: Emulation, config: Config | None, legacy: str | None) -> list[str]:
    platform = emulation.platform
    settings_text = ", ".join(f"{k}={v}" for k, v in sorted(emulation.settings.items()))
    lines = [
        f"  emulating  {platform.name}: {platform.description}"
        + (f" ({settings_text})" if settings_text else ""),
        f"  mounted at {emulation.mount or '/'}",
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
    from faas_bridge.lifecycle import LifespanFailure

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
            return function_set(config, apps, base_path=emulation.mount)
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


# -- invoke ----------------------------------------------------------------------------------


def cmd_invoke(args: argparse.Namespace) -> int:
    from faas_bridge.config import apply
    from faas_bridge.devtools.gateway import LocalContext
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
        _print_json(event)
        return 0
    if args.platform:
        _support(args.platform)  # an unknown name is a usage error before the app loads
    config = _load_config(args)
    if config is None and args.function:
        raise CliError("--function names a function of faas.yml, and there is none here")
    function = config.running_function(name=args.function) if config is not None else None
    config_app = config.app_for(function) if config is not None else None
    spec = resolve_app(args.app, example=False, config_app=config_app)
    overrides = {"platform": args.platform} if args.platform else {}
    options = config.options_for(function, **overrides) if config else _options(**overrides)
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
        _print_json(reply)
        return 0 if reply.get("exit_status") == 0 else 1
    platform = None if reply == WARM_REPLY else _http_platform(handler, event)
    if platform is None and reply != WARM_REPLY:  # a non-HTTP event, delivered
        _print_json(reply)
        return 1 if isinstance(reply, dict) and reply.get("batchItemFailures") else 0
    status = _status_of(reply)
    http_reply = _support(platform.name).hook("http_reply") if platform is not None else None
    if not args.http:
        _print_json(reply)
    elif platform is None or not callable(http_reply):
        _note(f"no HTTP decoding for {platform.name if platform else 'this reply'} yet")
        _print_json(reply)
    else:
        try:
            status, headers, body = http_reply(reply, event)
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


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


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


# -- events ----------------------------------------------------------------------------------


def cmd_events_list(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.gateway import platform_support

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
    from faas_bridge.routing.triggers import KINDS

    print("\ntrigger types (faas.yml triggers; events new TYPE --message ... --source ...):")
    width = max(len(name) for name in KINDS)
    for name, kind in KINDS.items():
        print(f"  {name:<{width}}  {kind.what}; --message: {MESSAGES[name]}")
    return 0


def cmd_events_new(args: argparse.Namespace) -> int:
    from faas_bridge.platforms.base import HttpCall
    from faas_bridge.routing.triggers import KINDS

    if args.platform in KINDS:
        return _trigger_event(args)
    if args.message or args.source or args.event_type:
        given = "--message" if args.message else "--source" if args.source else "--event-type"
        _support(args.platform)  # an unknown name is the error to show
        raise CliError(
            f"{given} is for trigger types, and {args.platform} is an HTTP platform",
            "faas-bridge events list shows both",
        )
    platform = _support(args.platform)
    if not platform.can_build or not platform.json_events:
        raise CliError(
            f"{platform.name}: {platform.status}",
            "faas-bridge events list shows the platforms with JSON events",
        )
    settings = _settings(args, platform)
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
        event, note = platform.build_event(call, settings)
    except ValueError as exc:
        raise CliError(f"{platform.name} cannot carry this request: {exc}") from exc
    if note:
        _note(note)
    _print_json(event)
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
    _print_json(event)
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


# -- doctor ----------------------------------------------------------------------------------

#: Run in a fresh interpreter: times the runtime's own imports before anything else loads.
_PROBE = """\
import time
_started = time.time()
import sys
_began = time.perf_counter()
_error = None
try:
    import faas_bridge.dispatch
except Exception as exc:
    _error = f"{type(exc).__name__}: {exc}"
_seconds = time.perf_counter() - _began
from faas_bridge.devtools.cli import _doctor_probe
_doctor_probe(sys.argv[1], sys.argv[2], _started, _seconds, _error)
"""


#: Top-level module -> the package providing it: vendor libraries the adapters of
#: request-object platforms need, which the vendor's runtime provides.
VENDOR_LIBRARIES = {
    "azure": "azure-functions",
    "flask": "functions-framework",
    "functions_framework": "functions-framework",
    "bottle": "bottle",
}


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    state: str  # "ok", "warn", "fail" or "skip"
    detail: str
    fix: str = ""


@dataclass
class ProbeResult:
    """What the checks in the fresh interpreter found, and how long each stage took."""

    #: ``time.time()`` when the fresh interpreter ran its first line.
    started_at: float = 0.0
    interpreter_ms: float | None = None
    faas_bridge_ms: float = 0.0
    checks: list[Check] = field(default_factory=list)
    app_import_ms: float | None = None
    startup_ms: float | None = None
    first_request_ms: float | None = None
    #: ``module.name`` of the handler the app's module built (``handler = wrap(app)``).
    module_handler: str | None = None


def cmd_doctor(args: argparse.Namespace) -> int:
    checks: list[Check] = []
    config = None
    broken_config = False
    try:
        config = _load_config(args)
    except FaasBridgeError as exc:
        broken_config = True
        checks.append(Check("faas.yml", "fail", str(exc).removeprefix("faas_bridge: ")))
    if config is not None:
        names = ", ".join(config.functions)
        what = f"functions {names}" if names else "no functions: one function serves every route"
        checks.append(Check("faas.yml", "ok", f"{config.path} is valid: {what}"))
    try:
        # A broken faas.yml may be what names the app: no stand-in example then.
        spec = resolve_app(
            args.app, example=not broken_config, config_app=config.app if config else None
        )
    except CliError:
        if not broken_config:
            raise
        checks.append(
            Check("import", "skip", "no app checked: faas.yml, which may name it, is broken")
        )
        print(_doctor_report(None, checks, None))
        return 2
    try:
        import werkzeug  # noqa: F401

        checks.append(Check("serve", "ok", "werkzeug is installed: faas-bridge serve works"))
    except ImportError:
        checks.append(
            Check("serve", "warn", "werkzeug is missing", "pip install 'faas-bridge[serve]'")
        )
    result, output = _run_probe(spec, args.timeout)
    if result is None:
        checks.insert(
            0,
            Check(
                "import",
                "fail",
                f"the check process ended without a report: {output.strip()[-300:] or 'no output'}",
                "run faas-bridge doctor --debug, or import the app in python to see why",
            ),
        )
    else:
        checks[:0] = result.checks
    print(_doctor_report(spec, checks, result))
    if args.debug and output.strip():
        print("\noutput of the check process:\n" + output.rstrip(), file=sys.stderr)
    return 2 if any(check.state == "fail" for check in checks) else 0


def _run_probe(spec: AppSpec, timeout: float) -> tuple[ProbeResult | None, str]:
    """Runs the checks in a fresh interpreter: a true cold start, isolated from this one."""
    root = str(Path(faas_bridge.__file__).resolve().parents[1])  # the folder holding faas_bridge
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="faas-bridge-doctor-") as tmp:
        report = Path(tmp) / "report.json"
        spawned = time.time()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _PROBE, json.dumps(asdict(spec)), str(report)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
            )
            output = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            raise CliError(
                f"the app took more than {timeout:.0f} s to import and start",
                "find what blocks at import time, or raise --timeout",
            ) from exc
        if not report.exists():
            return None, output
        data = json.loads(report.read_text(encoding="utf-8"))
    data["checks"] = [Check(**check) for check in data["checks"]]
    result = ProbeResult(**data)
    result.interpreter_ms = round((result.started_at - spawned) * 1000, 1)
    return result, output


def _doctor_probe(
    spec_json: str, report_path: str, started: float, seconds: float, error: str | None
) -> None:
    """The checks, inside the fresh interpreter; the report goes to ``report_path``."""
    result = ProbeResult(started_at=started, faas_bridge_ms=round(seconds * 1000, 1))
    checks = result.checks
    if error is not None:
        checks.append(
            Check("faas_bridge", "fail", f"importing the runtime failed: {error}", "reinstall it")
        )
    try:
        _probe_app(AppSpec(**json.loads(spec_json)), result)
    except BaseException as exc:  # the report must be written whatever the app does
        checks.append(Check("doctor", "fail", f"{type(exc).__name__}: {exc}", "report this"))
    data = asdict(result)
    Path(report_path).write_text(json.dumps(data), encoding="utf-8")


def _probe_app(spec: AppSpec, result: ProbeResult) -> None:
    from faas_bridge.bridges.apps import interface_of
    from faas_bridge.dispatch import Handler
    from faas_bridge.options import Options
    from faas_bridge.platforms import load_platforms

    checks = result.checks
    with _captured_errors() as import_errors:  # a module's wrap(app) starts the app
        try:
            app, seconds = import_app(spec)
        except CliError as exc:
            checks.append(Check("import", "fail", exc.message, exc.fix))
            return
    result.app_import_ms = round(seconds * 1000, 1)
    built = module_handler(spec, app)
    if built is not None:
        app = built[0].app
        module_name = spec.file.stem if spec.file is not None else spec.text.partition(":")[0]
        result.module_handler = f"{module_name}.{built[1]}"
        # The module built its handler while it was imported: that part is startup.
        init_ms = built[0].timings["init_ms"] or 0.0
        result.app_import_ms = round(max(0.0, seconds * 1000 - init_ms), 1)
    try:
        interface = interface_of(app)
    except ConfigurationError as exc:
        checks.append(Check("import", "fail", str(exc), "point FAAS_BRIDGE_APP at the app object"))
        return
    named = app if inspect.isfunction(app) or inspect.isclass(app) else type(app)
    kind = f"{named.__module__}.{getattr(named, '__qualname__', type(named).__name__)}"
    checks.append(
        Check("import", "ok", f"{kind}, {interface.upper()}, in {result.app_import_ms} ms")
    )
    try:
        options = Options.from_environ()
        checks.append(Check("configuration", "ok", _configuration_detail(options)))
    except ConfigurationError as exc:
        checks.append(Check("configuration", "fail", str(exc), "fix or unset that variable"))
        options = Options()
    try:
        load_platforms(options)  # every adapter imports (a deployed function loads few)
    except Exception as exc:
        checks.append(
            Check("faas_bridge", "fail", f"importing the adapters failed: {exc}", "reinstall it")
        )
    if built is not None:
        handler = built[0]
        errors = import_errors
        result.startup_ms = handler.timings["init_ms"]
    else:
        with _captured_errors() as errors:
            try:
                handler = Handler(app, options, import_seconds=seconds)
            except Exception as exc:
                checks.append(
                    Check(
                        "startup", "fail", f"{type(exc).__name__}: {exc}", _startup_fix(interface)
                    )
                )
                return
        result.startup_ms = handler.timings["init_ms"]
    checks.append(_lifespan_check(handler, errors))
    _probe_platforms(handler, result)
    with _captured_errors() as errors:
        began = time.perf_counter()
        handler.shutdown()
        ms = round((time.perf_counter() - began) * 1000, 1)
    if errors:
        checks.append(Check("shutdown", "fail", errors[0], _startup_fix(interface)))
    else:
        checks.append(Check("shutdown", "ok", f"clean, in {ms} ms"))


def _configuration_detail(options: Any) -> str:
    parts = [f"platform {options.platform or 'detected per event'}"]
    if options.base_path:
        parts.append(f"base path {options.base_path}")
    parts.append(f"lifespan {options.lifespan}")
    return "FAAS_BRIDGE_* settings valid: " + ", ".join(parts)


def _startup_fix(interface: str) -> str:
    if interface == "asgi":
        return "fix the app's lifespan handler, or set FAAS_BRIDGE_LIFESPAN=off to skip it"
    return "fix the failing startup or shutdown hook"


def _lifespan_check(handler: Handler, errors: list[str]) -> Check:
    startup = handler.timings["startup_ms"]
    if errors:
        return Check("lifespan", "fail", f"startup failed: {errors[0]}", _startup_fix("asgi"))
    if handler.interface == "wsgi":
        return Check("lifespan", "ok", f"WSGI app: startup hooks ran in {startup} ms")
    lifespan = handler.lifecycle.lifespan
    if lifespan is None:
        return Check("lifespan", "ok", "off (FAAS_BRIDGE_LIFESPAN=off)")
    if lifespan.supported:
        return Check("lifespan", "ok", f"ASGI lifespan startup complete in {startup} ms")
    return Check("lifespan", "ok", "the app does not use the ASGI lifespan")


def _probe_platforms(handler: Handler, result: ProbeResult) -> None:
    """One GET / through every adapter that has an event builder."""
    from faas_bridge.devtools.gateway import LocalContext, platform_support
    from faas_bridge.platforms.base import HttpCall

    call = HttpCall(headers=[("Accept", "*/*"), ("User-Agent", "faas-bridge-doctor")])
    forced = handler.options.platform
    for entry in platform_support():
        if entry.builder is None or (forced and entry.name != forced):
            continue
        began = time.perf_counter()
        try:
            event, _ = entry.build_event(call, {})
            reply = handler(event, LocalContext())
            http_reply = entry.hook("http_reply")
            status = http_reply(reply, event)[0] if callable(http_reply) else _status_of(reply)
        except ModuleNotFoundError as exc:
            package = VENDOR_LIBRARIES.get((exc.name or "").partition(".")[0])
            if package is None:
                result.checks.append(Check(entry.name, "fail", f"GET / failed: {exc}", "report it"))
            else:
                # The vendor's own library, which its runtime provides: not installed here.
                result.checks.append(
                    Check(
                        entry.name,
                        "skip",
                        f"not checked: {package} is not installed "
                        f"(pip install {package} enables this check)",
                    )
                )
            continue
        except Exception as exc:
            result.checks.append(
                Check(entry.name, "fail", f"GET / failed: {type(exc).__name__}: {exc}", "report it")
            )
            continue
        ms = round((time.perf_counter() - began) * 1000, 1)
        if result.first_request_ms is None:
            result.first_request_ms = ms
        if status is None:
            result.checks.append(Check(entry.name, "ok", f"GET / answered in {ms} ms"))
        elif status < 500:
            result.checks.append(Check(entry.name, "ok", f"GET / -> {status} in {ms} ms"))
        else:
            result.checks.append(
                Check(
                    entry.name,
                    "fail",
                    f"GET / -> {status} in {ms} ms",
                    "the app failed on the request: faas-bridge doctor --debug shows its log",
                )
            )


def _status_of(reply: Any) -> int | None:
    """The HTTP status in a vendor's reply, whatever its shape, when it can be read."""
    if isinstance(reply, Mapping):
        value = reply.get("statusCode", reply.get("status"))
    else:
        value = getattr(reply, "status_code", None)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@contextlib.contextmanager
def _captured_errors() -> Iterator[list[str]]:
    """What faas_bridge logs at ERROR while the block runs."""
    messages: list[str] = []
    handler = _ListHandler(messages)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


class _ListHandler(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().removeprefix("faas_bridge: ")
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.messages.append(text)


#: The rows of the cold-start breakdown: (label, what the figure measures).
COLD_START_ROWS = (
    ("interpreter", "Python starting, up to the first line of code"),
    ("faas_bridge", "importing the pipeline wrap() builds on (import faas_bridge alone: < 1 ms)"),
    ("app import", "importing the app, but for the modules already imported above"),
    ("startup", "building the handler: ASGI lifespan startup, startup hooks"),
)


def _doctor_report(spec: AppSpec | None, checks: list[Check], result: ProbeResult | None) -> str:
    title = f"{spec} (from {spec.source})" if spec is not None else "no app"
    lines = [f"faas-bridge doctor: {title}", ""]
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "skip": "skip"}
    width = max([len(c.name) for c in checks] + [8])
    for check in checks:
        lines.append(f"  {marks[check.state]}  {check.name.ljust(width)}  {check.detail}")
        if check.fix and check.state in ("warn", "fail"):
            lines.append(f"        {' ' * width}  fix: {check.fix}")
    if result is not None:
        figures = {
            "interpreter": result.interpreter_ms,
            "faas_bridge": result.faas_bridge_ms,
            "app import": result.app_import_ms,
            "startup": result.startup_ms,
        }
        known = [ms for ms in figures.values() if ms is not None]
        lines += ["", "cold start, measured in a fresh interpreter, one step after the other:"]
        for label, meaning in COLD_START_ROWS:
            ms = figures[label]
            lines.append(f"  {label:<12} {'-' if ms is None else f'{ms:8.1f} ms'}  {meaning}")
        lines.append(f"  {'total':<12} {sum(known):8.1f} ms")
        if result.first_request_ms is not None:
            lines.append(
                f"  then the first request took {result.first_request_ms} ms "
                "(loading the vendor's adapter included)"
            )
    failed = [c for c in checks if c.state == "fail"]
    lines.append("")
    if failed:
        first = failed[0]
        lines.append(
            f"broken: {first.name}: {first.detail}" + (f"; {first.fix}" if first.fix else "")
        )
    elif spec is not None:
        handler = "faas_bridge.handler"
        deploy = f"with FAAS_BRIDGE_APP={spec.deployed_name}" if spec.text else "(Django)"
        if spec.source == "faas.yml":
            deploy = "and deploy faas.yml with it"
        elif result is not None and result.module_handler:
            handler, deploy = result.module_handler, "(the module's wrap(app))"
        lines.append(f"healthy: set the function's handler to {handler} {deploy}")
    return "\n".join(lines)


# -- The parser --------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
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


def build_parser() -> argparse.ArgumentParser:
    # --debug is accepted before and after the command; the command's copy
    # leaves the value alone unless given (SUPPRESS), so neither overrides the other.
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and debug logging",
    )
    parser = _Parser(
        prog="faas-bridge",
        description="Run WSGI/ASGI apps as cloud functions: local gateway, events, checks.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"faas-bridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

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
    serve.add_argument("app", nargs="?", help=_APP_HELP)
    _platform_option(serve, DEFAULT_PLATFORM)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (3000; 0 takes a free one)"
    )
    _setting_options(serve)
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
    _config_option(serve)
    serve.add_argument("--log-json", action="store_true", help="log requests as JSON lines")
    serve.set_defaults(run=cmd_serve)

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
    _config_option(invoke)
    invoke.add_argument("--app", help=_APP_HELP)
    invoke.add_argument("--platform", help="force this adapter instead of detecting it")
    invoke.add_argument("--http", action="store_true", help="print the decoded HTTP response")
    invoke.add_argument(
        "--timeout", type=float, default=30.0, help="seconds the invocation may take (30)"
    )
    invoke.set_defaults(run=cmd_invoke)

    events = sub.add_parser("events", parents=[common], help="sample events for every platform")
    events_sub = events.add_subparsers(
        dest="events_command", metavar="ACTION", parser_class=_Parser
    )
    events_sub.required = True
    listing = events_sub.add_parser(
        "list", parents=[common], help="the platforms and what faas-bridge does for each"
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
    _setting_options(new)
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

    doctor = sub.add_parser(
        "doctor",
        parents=[common],
        help="check the app and the configuration, measure the cold start",
        description="Imports the app in a fresh interpreter, runs its startup and shutdown, "
        "sends one request through each platform adapter and reports the cold-start cost. "
        "Exit status 2 when something is broken.",
    )
    doctor.add_argument("app", nargs="?", help=_APP_HELP)
    doctor.add_argument(
        "--timeout", type=float, default=120.0, help="seconds the checks may take (120)"
    )
    _config_option(doctor)
    doctor.set_defaults(run=cmd_doctor)

    from faas_bridge.devtools.cli.deploy import add_commands  # package, template

    add_commands(sub, common)
    return parser


_APP_HELP = (
    "package.module:app, package.module (app, then application), or path/to/app.py[:app]; "
    "default: FAAS_BRIDGE_APP, DJANGO_SETTINGS_MODULE"
)


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the faas.yml to use (default: FAAS_BRIDGE_CONFIG, else ./faas.yml)",
    )


def _platform_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--platform", default=default, help=f"the vendor to emulate (default {default})"
    )


def _setting_options(parser: argparse.ArgumentParser) -> None:
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
