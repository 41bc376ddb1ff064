"""Which app a command runs, imported as the deployed function would import it.

The app is named by the command line, FAAS_BRIDGE_APP, faas.yml, Django's
settings or, for ``serve`` and ``doctor``, the embedded example. A failed
import is one line saying where it failed and what to do. When the app's
module built its own handler (``handler = wrap(app)``), the commands adopt
it rather than starting the app a second time.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faas_bridge.devtools.cli.common import CliError
from faas_bridge.errors import ConfigurationError

if TYPE_CHECKING:
    from faas_bridge.config import Config
    from faas_bridge.dispatch import Handler

#: The app ``serve`` and ``doctor`` use when none is named (relative to the current directory).
EXAMPLE_APP = Path("examples") / "flask_app" / "app.py"
_MODULE_SPEC = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?\Z")

APP_HELP = (
    "package.module:app, package.module (app, then application), or path/to/app.py[:app]; "
    "default: FAAS_BRIDGE_APP, DJANGO_SETTINGS_MODULE"
)


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
    from faas_bridge.lifecycle.lifespan import LifespanFailure

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


def environ_options(**overrides: Any) -> Any:
    """Options from the FAAS_BRIDGE_* variables, with the command's ``overrides``."""
    from faas_bridge.options import Options

    try:
        options = Options.from_environ()
        return options.replace(**overrides) if overrides else options
    except ConfigurationError as exc:
        raise CliError(str(exc), "fix or unset that environment variable") from exc


def config_in_use(args: argparse.Namespace) -> Config | None:
    """The faas.yml in use (``--config``, ``FAAS_BRIDGE_CONFIG``, ./faas.yml), validated."""
    from faas_bridge.config import add_to_path, load_config
    from faas_bridge.configured import FILE_NAME, find_config

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


def config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the faas.yml to use (default: FAAS_BRIDGE_CONFIG, else ./faas.yml)",
    )
