"""The routes a function serves over HTTP, and the paths it keeps for trigger deliveries.

faas.yml's loader builds a :class:`RouteTable` per function; the handler asks
it whether a request is the function's to serve. Route syntax: ``/notes/*``,
``GET,POST /api/notes/{id}`` or ``{path, methods}`` (``{name}`` is one whole
segment, ``*`` only at the end, a GET route serves HEAD).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from faas_bridge.errors import shown
from faas_bridge.http import Record, Request, Response, plain_response

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_PARAM = re.compile(r"^\{([A-Za-z_]\w*)\}$")
_LITERAL_BAD = re.compile(r"[\s*{}?#]")
_SLASHES = re.compile(r"/{2,}")


class Invalid(ValueError):
    """A trigger route setting that cannot work: what is wrong, what was expected, the fix."""

    def __init__(self, problem: str, expected: str, fix: str = "", key: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.expected = expected
        self.fix = fix
        #: The setting at fault (``route``, ``source``...), when not the whole route.
        self.key = key

    def message(self, where: str) -> str:
        text = f"{where}: {self.problem}; expected {self.expected}"
        return f"{text}; {self.fix}" if self.fix else text


class Route(Record):
    """One route pattern a function owns (see the module docstring for the syntax)."""

    __slots__ = ("text", "methods", "regex", "score")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        text: str,
        methods: frozenset[str] | None,
        regex: re.Pattern[str],
        score: tuple[int, int, int],
    ) -> None:
        self.text = text
        self.methods = methods
        self.regex = regex
        #: Larger is more specific: (no wildcard, literal segments, segments).
        self.score = score

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        return self.regex.fullmatch(path) is not None

    def overlaps(self, other: Route) -> bool:
        """Whether both patterns are the same and share a method (a conflict)."""
        if self.regex.pattern != other.regex.pattern:
            return False
        return self.methods is None or other.methods is None or bool(self.methods & other.methods)


def parse_route(spec: Any) -> Route:
    """A Route from ``"/notes/*"``, ``"GET,POST /api/{id}"`` or ``{path, methods}``."""
    expected = "a path pattern such as /notes/* or 'GET,POST /api/notes/{id}'"
    methods: Any = None
    if isinstance(spec, Mapping):
        path, methods = spec.get("path"), spec.get("methods")
        if path is None:
            raise Invalid("the route has no path", expected, key="path")
    elif isinstance(spec, str):
        words = spec.split()
        if len(words) == 2:
            methods, path = words[0].split(","), words[1]
        elif len(words) == 1:
            path = words[0]
        else:
            raise Invalid(f"the route {spec!r} has {len(words)} words", expected)
    else:
        raise Invalid(f"the route is {shown(spec)}", expected)
    if not isinstance(path, str) or not path.startswith("/"):
        raise Invalid(f"the path {shown(path)} does not start with /", expected, key="path")
    allowed = _methods(methods)
    pattern, score = _compile_path(path, expected)
    text = path if allowed is None else ",".join(sorted(allowed - {"HEAD"} or allowed)) + " " + path
    return Route(text, allowed, re.compile(pattern), score)


def _methods(methods: Any) -> frozenset[str] | None:
    expected = f"a list of HTTP methods ({', '.join(METHODS)}), or * for all"
    if methods is None or methods == "*" or methods == ["*"]:
        return None
    if isinstance(methods, str):
        methods = [methods]
    if not isinstance(methods, list) or not methods:
        raise Invalid(f"methods is {shown(methods)}", expected, key="methods")
    found = set()
    for method in methods:
        if not isinstance(method, str) or method.upper() not in METHODS:
            close = difflib.get_close_matches(str(method).upper(), METHODS, n=1)
            fix = f"did you mean {close[0]!r}?" if close else ""
            raise Invalid(f"{shown(method)} is not an HTTP method", expected, fix, "methods")
        found.add(method.upper())
    if "GET" in found:
        found.add("HEAD")  # a GET route serves HEAD, as every framework does
    return frozenset(found)


def _compile_path(path: str, expected: str) -> tuple[str, tuple[int, int, int]]:
    segments = path.split("/")[1:]
    parts = []
    literal = 0
    wildcard = False
    for index, segment in enumerate(segments):
        if segment == "*":
            if index != len(segments) - 1:
                raise Invalid(f"in {path!r}, * is not the last segment", expected, key="path")
            wildcard = True
            continue
        param = _PARAM.match(segment)
        if param:
            parts.append("/[^/]+")
        elif _LITERAL_BAD.search(segment):
            raise Invalid(
                f"{path!r} holds {segment!r}",
                expected + " ({name} a whole segment, * only at the end)",
                key="path",
            )
        else:
            parts.append("/" + re.escape(segment))
            literal += bool(segment)
    pattern = "".join(parts) + ("(?:/.*)?" if wildcard else "")
    if not pattern:
        pattern = "/"
    return pattern, (0 if wildcard else 1, literal, len(segments))


def app_path(raw_path: bytes) -> str:
    """The decoded path below the root path, repeated slashes merged: what routes match."""
    path = unquote(raw_path.decode("latin-1"), errors="replace")
    return _SLASHES.sub("/", path) or "/"


def reserved_key(path: str) -> str:
    return _SLASHES.sub("/", path).rstrip("/") or "/"


class RouteTable:
    """What one function serves over HTTP: its routes, minus its trigger routes."""

    __slots__ = ("function", "reserved", "routes")

    def __init__(
        self,
        function: str | None,
        routes: tuple[Route, ...] | None,
        reserved: frozenset[str] = frozenset(),
    ) -> None:
        self.function = function
        #: None: every route (the app decides).
        self.routes = routes
        #: Paths of trigger routes (normalised): never served over HTTP.
        self.reserved = reserved

    @classmethod
    def reserving(cls, table: RouteTable | None, path: str) -> RouteTable:
        """``table`` (None: no table yet) with ``path`` reserved for trigger deliveries."""
        if table is None:
            return cls(None, None, frozenset({reserved_key(path)}))
        return cls(table.function, table.routes, table.reserved | {reserved_key(path)})

    def best(self, method: str, path: str) -> tuple[int, int, int] | None:
        """How specifically this function owns the route; None when it does not."""
        if self.routes is None:
            return (-1, 0, 0)
        scores = [route.score for route in self.routes if route.matches(method, path)]
        return max(scores) if scores else None

    def owns(self, method: str, path: str) -> bool:
        if self.reserved and reserved_key(path) in self.reserved:
            return False
        return self.best(method, path) is not None

    def allows(self, request: Request) -> bool:
        """Whether the function serves this HTTP request (else :meth:`refusal`)."""
        return self.owns(request.method, app_path(request.raw_path))

    def refusal(self, request: Request) -> Response:
        path = app_path(request.raw_path)
        name = self.function or "this function"
        return plain_response(
            404, f"Not Found: {name} does not serve {request.method} {shown(path)[1:-1]}"
        )
