"""Events that are not HTTP requests: recognised, then routed to a callable or to the app.

A monolith's cron jobs and queue workers move with it: each such event is
delivered either to a Python callable, ``package.module:function`` called with
``(event, context)`` (its return value is the reply), or to the app itself as
an HTTP request on a route of your choosing (``POST /internal/jobs/nightly``,
the event as its JSON body), so that the views that run the jobs today keep
running them. Routes come from ``faas.yml`` (``functions.<name>.triggers``) or
from ``@handler.on("aws.sqs")``.

The handler consults this module only after every HTTP adapter has declined
the event (and after the warm-up check), so HTTP invocations never pay for it.

The trigger types and how each is recognised are in
:mod:`faas_bridge.routing.kinds`; where an HTTP caller can write a whole event, in
:mod:`faas_bridge.routing.surfaces`.

Delivery: events holding a list of records (the ``Records`` of AWS and Tencent,
Alibaba OSS ``events``, Yandex ``messages``) are delivered one record at a
time, each as the same event narrowed to that record. SQS, DynamoDB and
Kinesis answer with a partial batch response (``batchItemFailures``) naming
the records that failed, so only those are retried (turn on
``ReportBatchItemFailures`` on the event source mapping); a FIFO queue or a
stream stops at the first failure, as ordering requires. When no record
succeeds, or for any other type, a failure is raised to the platform, which
retries the invocation. A delivery to the app fails when the app answers
anything but 2xx.
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import json
import logging
import re
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeVar

from faas_bridge.errors import (
    ConfigurationError,
    FaasBridgeError,
    MalformedEvent,
    UnrecognisedEvent,
    shown,
)
from faas_bridge.http import Record, Request, Response
from faas_bridge.platforms.base import Platform, encode_path
from faas_bridge.routing.kinds import KINDS, Kind, as_json, recognise
from faas_bridge.routing.routes import Invalid
from faas_bridge.routing.surfaces import EventRefused, check_source

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler

logger = logging.getLogger("faas_bridge")

FuncT = TypeVar("FuncT", bound=Callable[..., Any])

#: The request header naming the trigger type of a delivery to the app.
TRIGGER_HEADER = "x-faas-bridge-trigger"
#: ``faas_bridge.platform`` (environ or scope) of a delivery starts with this.
PLATFORM_PREFIX = "trigger:"
#: The host a delivery to the app is addressed to, unless its route names another.
DEFAULT_HOST = "localhost"
_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_METHOD = re.compile(r"^[A-Z][A-Z0-9-]*$")
_BAD_PATH = re.compile(r"[\s*{}?#]")


# -- Routes --------------------------------------------------------------------------------


def check_type(name: Any) -> str:
    """``name`` when it is a trigger type, else Invalid with a did-you-mean."""
    if isinstance(name, str) and name in KINDS:
        return name
    known = ", ".join(KINDS)
    close = difflib.get_close_matches(str(name), list(KINDS), n=1) if isinstance(name, str) else []
    fix = f"did you mean {close[0]!r}?" if close else ""
    raise Invalid(f"unknown trigger type {shown(name)}", f"one of {known}", fix, "type")


def parse_target(text: Any) -> tuple[str, str]:
    """``("POST", "/internal/jobs/nightly")`` from ``"POST /internal/jobs/nightly"``.

    The method defaults to POST; the path is exact (no patterns), below the
    app's root path.
    """
    expected = "'METHOD /path' such as 'POST /internal/jobs/nightly' (an exact path)"
    if not isinstance(text, str) or not text.strip():
        raise Invalid(f"the route is {shown(text)}", expected, key="route")
    parts = text.split()
    if len(parts) == 1:
        method, path = "POST", parts[0]
    elif len(parts) == 2:
        method, path = parts
    else:
        raise Invalid(f"the route {text!r} has {len(parts)} words", expected, key="route")
    if not _METHOD.match(method):
        raise Invalid(
            f"{method!r} is not an HTTP method", expected, "write it in capitals", "route"
        )
    if not path.startswith("/") or _BAD_PATH.search(path):
        raise Invalid(f"{path!r} is not an exact path", expected, key="route")
    return method, path


def compile_match(match: Any) -> tuple[tuple[tuple[str | int, ...], str], ...]:
    """``match`` (dotted key paths to values or ``*`` patterns) ready for matching."""
    expected = "a mapping of dotted keys to text, numbers or true/false (* matches any text)"
    if not isinstance(match, Mapping) or not match:
        raise Invalid(f"match is {shown(match)}", expected, key="match")
    compiled = []
    for key, value in match.items():
        if not isinstance(key, str) or not key or not all(key.split(".")):
            raise Invalid(f"the key {shown(key)} is not a dotted key path", expected, key="match")
        if value is None or not isinstance(value, (str, int, float, bool)):
            raise Invalid(f"the value of {key!r} is {shown(value)}", expected, key="match")
        path = tuple(int(p) if p.isdigit() else p for p in key.split("."))
        compiled.append((path, _text(value)))
    return tuple(compiled)


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


class TriggerRoute(Record):
    """Where events of one type (narrowed by source and match) are delivered."""

    __slots__ = (  # noqa: RUF023 (the constructor's order)
        "type",
        "call",
        "target",
        "method",
        "path",
        "source",
        "match",
        "partial_batch",
        "host",
        "where",
    )

    def __init__(
        self,
        type: str,
        call: str | None = None,
        target: Callable[..., Any] | None = None,
        method: str = "POST",
        path: str | None = None,
        source: str | None = None,
        match: tuple[tuple[tuple[str | int, ...], str], ...] = (),
        partial_batch: bool = True,
        host: str = DEFAULT_HOST,
        where: str = "",
    ) -> None:
        self.type = type
        #: ``package.module:function``, imported on first use.
        self.call = call
        #: A callable given directly (``@handler.on``).
        self.target = target
        #: The app route: method and exact path (None: a callable).
        self.method = method
        self.path = path
        self.source = source
        self.match = match
        self.partial_batch = partial_batch
        self.host = host
        #: Where it was set (``faas.yml:12``), for messages.
        self.where = where

    def fits(self, kind: Kind, unit: Any) -> bool:
        """Whether this route takes ``unit`` (a record, or the whole event as JSON-able data)."""
        if self.source is not None:
            source = kind.source_of(unit)
            if source is None or not fnmatch.fnmatchcase(source, self.source):
                return False
        for path, pattern in self.match:
            value: Any = unit
            for key in path:
                if isinstance(key, int) and isinstance(value, list) and key < len(value):
                    value = value[key]
                elif isinstance(value, Mapping):
                    value = value.get(str(key))
                else:
                    value = None
                    break
            if value is None or isinstance(value, (Mapping, list)):
                return False
            if not fnmatch.fnmatchcase(_text(value), pattern):
                return False
        return True

    @property
    def describe(self) -> str:
        return (
            f"{self.method} {self.path}"
            if self.path is not None
            else self.call or repr(self.target)
        )


def make_route(
    trigger: Any,
    *,
    call: Any = None,
    target: Callable[..., Any] | None = None,
    route: Any = None,
    source: Any = None,
    match: Any = None,
    partial_batch: Any = True,
    host: Any = DEFAULT_HOST,
    where: str = "",
) -> TriggerRoute:
    """A checked TriggerRoute; Invalid saying what is wrong and how to fix it."""
    kind_name = check_type(trigger)
    kind = KINDS[kind_name]
    given = [n for n, v in (("call", call), ("route", route), ("target", target)) if v is not None]
    how = (
        "one of 'call' (a Python callable, package.module:function) or 'route' "
        "(an app route, METHOD /path)"
    )
    if not given:
        raise Invalid(f"nothing to deliver {kind_name} events to", how)
    if len(given) > 1:
        raise Invalid(f"both {given[0]!r} and {given[1]!r} are given", how, "keep one", given[1])
    method, path = "POST", None
    if call is not None and (not isinstance(call, str) or not _SPEC.match(call)):
        raise Invalid(
            f"call is {shown(call)}",
            "package.module:function (a callable taking event and context)",
            key="call",
        )
    if route is not None:
        method, path = parse_target(route)
    if source is not None:
        if not kind.source:
            raise Invalid(
                f"{kind_name} events carry no source to match",
                "no 'source' here",
                "remove it (use 'match' on the event's keys)",
                "source",
            )
        if not isinstance(source, str) or not source:
            raise Invalid(
                f"source is {shown(source)}",
                f"text: {kind.source}, * matches any text",
                key="source",
            )
    compiled = compile_match(match) if match is not None else ()
    if kind_name == "custom" and not compiled:
        raise Invalid(
            "a custom trigger needs 'match'",
            "match: a mapping of the event's keys to values, such as {job: reindex}",
            key="match",
        )
    if partial_batch is not True:
        if not isinstance(partial_batch, bool):
            raise Invalid(
                f"partial_batch is {shown(partial_batch)}", "true or false", key="partial_batch"
            )
        if not kind.batch:
            raise Invalid(
                f"{kind_name} events have no partial batch response",
                "partial_batch only for aws.sqs, aws.dynamodb and aws.kinesis",
                "remove it",
                "partial_batch",
            )
    if host != DEFAULT_HOST:
        if path is None:
            raise Invalid(
                "host is given without a route", "host only with 'route'", "remove it", "host"
            )
        if not isinstance(host, str) or not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", host):
            raise Invalid(f"host is {shown(host)}", "a host name such as jobs.internal", key="host")
    return TriggerRoute(
        kind_name,
        call=call,
        target=target,
        method=method,
        path=path,
        source=source,
        match=compiled,
        partial_batch=partial_batch,
        host=host,
        where=where,
    )


# -- Errors ----------------------------------------------------------------------------------


class UnroutedEvent(UnrecognisedEvent):
    """A recognised non-HTTP event that no route takes: says which key would route it."""

    def __init__(
        self,
        kind_name: str,
        unit: Any,
        function: str | None,
        unrecognised: UnrecognisedEvent | None = None,
        event: Any = None,
    ) -> None:
        kind = KINDS[kind_name]
        source = kind.source_of(unit)
        origin = f" from {shown(source)}" if source else ""
        name = function or "<name>"
        in_function = f" in function {function!r}" if function else ""
        FaasBridgeError.__init__(
            self,
            f"faas_bridge: no route for this {kind_name} event ({kind.what}{origin}){in_function}; "
            f"route it in faas.yml under functions.{name}.triggers: "
            f"'- {{type: {kind_name}, call: package.module:function}}' (a Python callable) or "
            f"'- {{type: {kind_name}, route: POST /path}}' (the app), or with "
            f'@handler.on("{kind_name}")' + _http_tail(unrecognised, event),
        )
        self.tried = unrecognised.tried if unrecognised is not None else ()
        self.type = kind_name


def _http_tail(unrecognised: UnrecognisedEvent | None, event: Any) -> str:
    """What the HTTP adapters made of it, for the case it was meant as a request."""
    if unrecognised is None:
        return ""
    keys = ", ".join(sorted(map(str, event))[:20]) if isinstance(event, Mapping) else ""
    seen = f"; its keys: {shown(keys)[1:-1]}" if keys else ""
    return f". No HTTP platform claims it (tried: {', '.join(unrecognised.tried)}){seen}"


class TriggerFailed(FaasBridgeError):
    """A delivery failed (the app answered non-2xx, or every record failed).

    Raised to the platform, which records the failure and retries the event.
    """


# -- Delivering ------------------------------------------------------------------------------


class _TriggerPlatform(Platform):
    """Stands in for an adapter when the app runs a delivery: deadline and request id."""

    __slots__ = ()
    name = "trigger"


class TriggerRouter:
    """The trigger routes and allowed commands of one handler (one function)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[TriggerRoute]] = {}
        #: Management commands a command event may run (``faas.yml`` ``commands``).
        self.commands: frozenset[str] = frozenset()
        self._callables: dict[str, Callable[..., Any]] = {}
        self._platform: Platform | None = None

    def __repr__(self) -> str:
        routes = sum(len(r) for r in self.routes.values())
        return f"<TriggerRouter routes={routes}>"

    def add(self, route: TriggerRoute) -> None:
        """Add a route; the first that takes an event delivers it."""
        self.routes.setdefault(route.type, []).append(route)

    def allow(self, *names: str) -> None:
        """Let command events run these commands; never one that runs arbitrary code."""
        if not names:
            return  # nothing to allow: the commands module stays unloaded
        from faas_bridge.routing.commands import FORBIDDEN, NAME

        for name in names:
            if not isinstance(name, str) or not NAME.match(name):
                raise ConfigurationError(f"{shown(name)} is not a command name")
            if name in FORBIDDEN:
                raise ConfigurationError(
                    f"command {name!r} {FORBIDDEN[name]}: faas_bridge never allows it"
                )
        self.commands = self.commands | frozenset(names)

    def on(self, handler: Handler, trigger: str, **settings: Any) -> Any:
        """``handler.on``: see :meth:`faas_bridge.Handler.on`."""
        where = "@handler.on"
        route = settings.get("route")

        def register(target: Callable[..., Any] | None) -> TriggerRoute:
            try:
                made = make_route(trigger, target=target, where=where, **settings)
            except Invalid as exc:
                raise ConfigurationError(exc.message(f"handler.on({trigger!r})")) from None
            except TypeError as exc:
                raise ConfigurationError(f"handler.on({trigger!r}): {exc}") from None
            self.add(made)
            return made

        if route is not None or settings.get("call") is not None:
            made = register(None)
            if made.path is not None:
                from faas_bridge.routing.routes import RouteTable

                handler.routes = RouteTable.reserving(handler.routes, made.path)
            return None

        def decorator(func: FuncT) -> FuncT:
            if not callable(func):
                raise ConfigurationError(f"handler.on({trigger!r}) decorates a callable")
            register(func)
            return func

        return decorator

    def find(self, kind_name: str, unit: Any) -> TriggerRoute | None:
        kind = KINDS[kind_name]
        for route in self.routes.get(kind_name, ()):
            if route.fits(kind, unit):
                return route
        return None

    def deliver(
        self,
        handler: Handler,
        kind_name: str,
        event: Any,
        context: Any,
        unrecognised: UnrecognisedEvent | None = None,
    ) -> Any:
        """Deliver every unit of the event; the platform's reply.

        ``unrecognised``: what the HTTP adapters said of it, for the error
        raised when no route takes it.
        """
        kind = KINDS[kind_name]
        plan: list[tuple[Any, Any, TriggerRoute]] = []
        if kind.records is None:
            data = as_json(event)
            units = [(event, data)]
        else:
            records = event[kind.records]
            units = [({**event, kind.records: [record]}, record) for record in records]
        for unit_event, unit in units:
            route = self.find(kind_name, unit)
            if route is None:
                raise UnroutedEvent(kind_name, unit, handler.function, unrecognised, event)
            plan.append((unit_event, unit, route))
        if kind.records is None:
            unit_event, unit, route = plan[0]
            return self._run(handler, kind_name, route, unit_event, unit, context)
        return self._deliver_records(handler, kind_name, plan, context)

    def _deliver_records(
        self,
        handler: Handler,
        kind_name: str,
        plan: list[tuple[Any, Any, TriggerRoute]],
        context: Any,
    ) -> Any:
        kind = KINDS[kind_name]
        results: list[Any] = []
        failed: list[int] = []
        stop_early = kind.batch == "stream" or any(
            str(kind.source_of(unit) or "").endswith(".fifo") for _, unit, _ in plan
        )
        last_error: BaseException | None = None
        attempted = 0
        for index, (unit_event, unit, route) in enumerate(plan):
            attempted += 1
            try:
                results.append(self._run(handler, kind_name, route, unit_event, unit, context))
            except Exception as exc:
                if not kind.batch or not route.partial_batch:
                    raise
                logger.error(
                    "faas_bridge: %s record %s failed (%s): %s",
                    kind_name,
                    kind.id_of(unit),
                    route.describe,
                    exc,
                    exc_info=not isinstance(exc, TriggerFailed),
                )
                failed.append(index)
                last_error = exc
                if stop_early:
                    break
        if not kind.batch:
            return results[0] if len(results) == 1 else results
        if not failed:
            return {"batchItemFailures": []}
        if len(failed) == attempted:
            raise TriggerFailed(
                f"faas_bridge: every {kind_name} record delivered failed ({attempted} of "
                f"{len(plan)}); the batch is retried whole. Last error: {last_error}"
            ) from last_error
        if stop_early and kind.batch == "queue":
            failed.extend(range(failed[-1] + 1, len(plan)))  # FIFO: the rest wait their turn
        identifiers = []
        for index in failed:
            identifier = kind.id_of(plan[index][1])
            if not identifier:
                raise TriggerFailed(
                    f"faas_bridge: {kind_name} record {index} failed and has no id to report; "
                    "the batch is retried whole"
                ) from last_error
            identifiers.append({"itemIdentifier": identifier})
        return {"batchItemFailures": identifiers}

    def _run(
        self,
        handler: Handler,
        kind_name: str,
        route: TriggerRoute,
        unit_event: Any,
        unit: Any,
        context: Any,
    ) -> Any:
        if route.path is None:
            func = route.target or self._callable(route)
            result = func(unit_event, context)
            if inspect.isawaitable(result):
                from faas_bridge.bridges._loop import loop_runner

                result = loop_runner().run(_await(result))
            return result
        request = _delivery(handler, kind_name, route, unit_event, unit, context)
        if self._platform is None:
            self._platform = _TriggerPlatform(handler.options)
        response: Response = handler.respond(request, self._platform, context)
        if not 200 <= response.status < 300:
            logger.error(
                "faas_bridge: %s %s answered %d to the %s event: %s",
                route.method,
                route.path,
                response.status,
                kind_name,
                response.body[:300].decode("utf-8", "replace"),
            )
            raise TriggerFailed(
                f"faas_bridge: {route.method} {route.path} answered {response.status} to the "
                f"{kind_name} event {KINDS[kind_name].id_of(unit) or ''}".rstrip()
                + "; the platform retries it"
            )
        return _reply_value(response)

    def _callable(self, route: TriggerRoute) -> Callable[..., Any]:
        spec = route.call
        assert spec is not None
        found = self._callables.get(spec)
        if found is None:
            module_name, _, attribute = spec.partition(":")
            where = f" ({route.where})" if route.where else ""
            try:
                target: Any = import_module(module_name)
                for part in attribute.split("."):
                    target = getattr(target, part)
            except (ImportError, AttributeError) as exc:
                raise ConfigurationError(
                    f"the {route.type} trigger's call {spec!r}{where} cannot be loaded: {exc}"
                ) from exc
            if not callable(target):
                raise ConfigurationError(f"{spec!r}{where} is not callable")
            found = self._callables[spec] = target
        return found


async def _await(awaitable: Any) -> Any:
    return await awaitable


#: The deepest nesting of lists and objects a delivered event may have. No
#: vendor's event comes near it; without a limit of our own, the verdict on a
#: deep document would hang on the interpreter's recursion limit, which
#: differs between Python versions (3.11 refused 990 levels, 3.12 takes them).
MAX_DELIVERED_NESTING = 512


def _nesting_exceeds(document: Any, limit: int) -> bool:
    """Whether lists and mappings nest in ``document`` more than ``limit`` deep.

    Read level by level rather than by recursion, so the answer is the same on
    every Python, and a document that holds itself ends at the limit too.
    """
    level = [document] if isinstance(document, (Mapping, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for value in level
            for child in (value.values() if isinstance(value, Mapping) else value)
            if isinstance(child, (Mapping, list))
        ]
    return False


def _delivery(
    handler: Handler,
    kind_name: str,
    route: TriggerRoute,
    unit_event: Any,
    unit: Any,
    context: Any,
) -> Request:
    """The HTTP request that delivers one unit to the app."""
    assert route.path is not None
    kind = KINDS[kind_name]
    document = as_json(unit_event)
    if _nesting_exceeds(document, MAX_DELIVERED_NESTING):
        raise MalformedEvent("nested too deeply to deliver as a JSON body", "event")
    try:
        body = json.dumps(document, default=str, ensure_ascii=False).encode("utf-8")
    except RecursionError:  # objects json renders with default=str can nest on their own
        raise MalformedEvent("nested too deeply to deliver as a JSON body", "event") from None
    except UnicodeEncodeError:
        raise MalformedEvent("not valid Unicode text: it holds a lone surrogate", "event") from None
    headers = [
        ("host", route.host),
        ("content-type", "application/json"),
        ("user-agent", "faas-bridge"),
        (TRIGGER_HEADER, kind_name),
    ]
    for name, value in (("source", kind.source_of(unit)), ("id", kind.id_of(unit))):
        if value:
            text = re.sub(r"[\x00-\x1f\x7f]", "", value).encode("utf-8").decode("latin-1")
            headers.append((f"x-faas-bridge-{name}", text))
    host, _, port = route.host.partition(":")
    return Request(
        method=route.method,
        raw_path=encode_path(route.path),
        headers=headers,
        body=body,
        root_path=handler.options.base_path,
        scheme="https",
        server=(host, int(port) if port else 443),
        client=None,
        event=unit_event,
        context=context,
        platform=PLATFORM_PREFIX + kind_name,
    )


def _reply_value(response: Response) -> Any:
    """The app's answer as the platform's reply: JSON parsed, text as text, empty None."""
    if not response.body:
        return None
    content_type = (response.header("content-type") or "").split(";")[0].strip().lower()
    text = response.body.decode("utf-8", "replace")
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def handle_event(
    handler: Handler, event: Any, context: Any, unrecognised: UnrecognisedEvent
) -> Any:
    """The reply to an event no HTTP adapter took: a command, a trigger, or the error."""
    router = handler.triggers
    if isinstance(event, Mapping) and ("__ow_method" in event or "__ow_headers" in event):
        raise EventRefused(
            "faas_bridge: refused an event holding an OpenWhisk web action's parameters "
            "(__ow_method): it is an HTTP request, the rest of it the caller's body, and never "
            "a command or a trigger event; let the openwhisk adapter decode it (platform option)"
        )
    if isinstance(event, Mapping) and "faas_bridge" in event:
        from faas_bridge.routing.commands import run_command_event

        return run_command_event(handler, event)  # signed: see faas_bridge.routing.commands
    kind_name = recognise(event)
    if kind_name is None:
        if router is None or "custom" not in router.routes or not isinstance(event, Mapping):
            raise unrecognised
        if router.find("custom", event) is None:
            raise unrecognised
        kind_name = "custom"
    if handler.function is not None or router is not None:
        # A function of faas.yml, or one given routes: the event is weighed
        # before any route is looked for, so that one an anonymous caller may
        # have written is refused as such.
        check_source(handler, kind_name)
    if router is None:
        unit = event
        records = KINDS[kind_name].records
        if records is not None:
            unit = event[records][0]
        raise UnroutedEvent(kind_name, as_json(unit), handler.function, unrecognised, event)
    reply = router.deliver(handler, kind_name, event, context, unrecognised)
    if handler.cold:
        handler._report_cold_start(router._platform or _TriggerPlatform(handler.options))
    return reply


def trigger_type(request: Any) -> str | None:
    """The trigger type when ``request`` is a delivery of a non-HTTP event, else None.

    Takes a WSGI environ, an ASGI scope, or a framework's request object
    (Django, Flask, Starlette). A client cannot forge it: it is no header.
    """
    for name in ("environ", "META", "scope"):
        found = getattr(request, name, None)
        if isinstance(found, Mapping) and "faas_bridge.platform" in found:
            request = found
            break
    if isinstance(request, Mapping):
        platform = request.get("faas_bridge.platform")
        if isinstance(platform, str) and platform.startswith(PLATFORM_PREFIX):
            return platform[len(PLATFORM_PREFIX) :]
    return None


__all__ = [
    "TriggerFailed",
    "TriggerRoute",
    "TriggerRouter",
    "UnroutedEvent",
    "trigger_type",
]
