"""``faas-bridge doctor``: the app checked, as deployed, in a fresh interpreter.

The checks run in a child process so that the cold start they measure is a
true one, and so that whatever the app does at import time (exit, hang, crash)
is reported rather than suffered: the child writes its report to a file, the
parent prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faas_bridge
from faas_bridge.devtools.cli.apps import (
    APP_HELP,
    AppSpec,
    config_in_use,
    config_option,
    import_app,
    module_handler,
    resolve_app,
)
from faas_bridge.devtools.cli.common import CliError
from faas_bridge.errors import ConfigurationError, FaasBridgeError

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler

logger = logging.getLogger("faas_bridge")


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``doctor`` to the ``faas-bridge`` parser's subcommands."""
    doctor = sub.add_parser(
        "doctor",
        parents=[common],
        help="check the app and the configuration, measure the cold start",
        description="Imports the app in a fresh interpreter, runs its startup and shutdown, "
        "sends one request through each platform adapter and reports the cold-start cost. "
        "Exit status 2 when something is broken.",
    )
    doctor.add_argument("app", nargs="?", help=APP_HELP)
    doctor.add_argument(
        "--timeout", type=float, default=120.0, help="seconds the checks may take (120)"
    )
    config_option(doctor)
    doctor.set_defaults(run=cmd_doctor)


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
from faas_bridge.devtools.cli.doctor import run_checks
run_checks(sys.argv[1], sys.argv[2], _started, _seconds, _error)
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
        config = config_in_use(args)
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
    # The child imports the faas_bridge running here, installed or not.
    root = str(Path(faas_bridge.__file__).resolve().parents[1])
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


def run_checks(
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
    from faas_bridge.devtools.emulators.base import HttpCall
    from faas_bridge.devtools.gateway import LocalContext, platform_support

    call = HttpCall(headers=[("Accept", "*/*"), ("User-Agent", "faas-bridge-doctor")])
    forced = handler.options.platform
    for entry in platform_support():
        if forced and entry.name != forced:
            continue
        began = time.perf_counter()
        try:
            emulator = entry()
            event, _ = emulator.build(call)
            reply = emulator.invoke(handler, event, LocalContext())
            status = emulator.http_reply(reply, event)[0]
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
