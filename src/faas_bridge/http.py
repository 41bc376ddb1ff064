"""The neutral HTTP model between platform adapters and bridges.

Nothing vendor- or framework-specific lives here. What was on the wire is kept:
header names lower-case, values as "native strings" (one character per wire
byte, as PEP 3333 defines them: what a WSGI environ holds, and ASGI's bytes by a
``latin-1`` encode), the path still percent-encoded so that ``%2F`` stays
distinguishable from ``/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any, ClassVar

from faas_bridge.errors import AppFailure, MalformedEvent, ReplyRejected, shown

#: (name, value) pairs of native strings, names lower-case.
Headers = list[tuple[str, str]]


class Record:
    """``repr()`` and ``==`` by its fields, as a dataclass has them.

    The fields are the subclass's ``__slots__``, unless it names fewer in
    ``_compared``.

    faas_bridge's records are written out, not dataclasses or typed named
    tuples: a cold start does not pay for generating them (a frozen dataclass
    costs 0.4 to 1 ms to create, the first one in a process more).
    """

    __slots__ = ()
    _compared: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_compared" not in vars(cls):
            cls._compared = tuple(vars(cls).get("__slots__", ()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._compared)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass would be


class Request(Record):
    """One HTTP request as a real server would have received it."""

    #: In the constructor's order, which repr() and == follow.
    __slots__ = (  # noqa: RUF023 (the constructor's order)
        "method",
        "raw_path",
        "query_string",
        "headers",
        "body",
        "root_path",
        "scheme",
        "server",
        "client",
        "http_version",
        "event",
        "context",
        "platform",
        "environ",
        "checked",
    )

    def __init__(
        self,
        method: str,
        raw_path: bytes,
        query_string: bytes = b"",
        headers: Headers | None = None,
        body: bytes = b"",
        root_path: str = "",
        scheme: str = "https",
        server: tuple[str, int] | None = None,
        client: tuple[str, int] | None = None,
        http_version: str = "1.1",
        event: Any = None,
        context: Any = None,
        platform: str = "",
        environ: dict[str, Any] | None = None,
        *,
        checked: bool = False,
    ) -> None:
        self.method = method
        #: The percent-encoded path below ``root_path``, e.g. ``b"/caf%C3%A9/a%2Fb"``.
        self.raw_path = raw_path
        #: The raw query string without ``?``, e.g. ``b"a=1&a=2"``.
        self.query_string = query_string
        #: Header pairs in order, repeats kept, names lower-case, native strings.
        self.headers: Headers = [] if headers is None else headers
        self.body = body
        #: The decoded prefix the app is mounted at (API stage, custom-domain base path).
        self.root_path = root_path
        self.scheme = scheme
        self.server = server
        self.client = client
        self.http_version = http_version
        #: The vendor's event and context, untouched, for apps that want them.
        self.event = event
        self.context = context
        self.platform = platform
        #: The WSGI environ the vendor itself built, when it calls the function
        #: WSGI-style (Alibaba FC 2.0) or hands over a werkzeug request (Google):
        #: a WSGI app then gets a copy of it, with every key the vendor set.
        self.environ = environ
        #: Whether the adapter found, while reading the headers, that they hold
        #: what :func:`check_request` asks of them (names HTTP tokens, values
        #: ASCII without NUL, CR or LF): how far it was checked, not part of the
        #: request, so left out of ``==``.
        self.checked = checked

    _compared = __slots__[:-1]  # all but ``checked``


class ReplyShape(Record):
    """What a reply's header names alone decide, worked out once per reply.

    Checking the names, finding Content-Type and grouping repeats for the
    vendor's reply is done in one pass by :func:`check_reply`; the encoders
    then index instead of scanning. A reply whose names are ``distinct`` (the
    usual one) has nothing to group: ``groups`` is then empty.

    Not a ``typing.NamedTuple``: that compiles each field's annotation when the
    module is imported, which cost every cold start 0.4 ms on Python 3.11 and
    more on 3.12 and 3.13.
    """

    __slots__ = ("length_at", "hop_by_hop", "type_at", "encoding_at", "groups", "distinct")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        length_at: int = -1,
        hop_by_hop: bool = False,
        type_at: int = -1,
        encoding_at: int = -1,
        groups: Groups = (),
        distinct: tuple[str, ...] | None = None,
    ) -> None:
        #: The index of Content-Length, or -1.
        self.length_at = length_at
        #: Whether any name is hop-by-hop (such headers are dropped).
        self.hop_by_hop = hop_by_hop
        #: The index of the first Content-Type, and of the first Content-Encoding, or -1.
        self.type_at = type_at
        self.encoding_at = encoding_at
        #: Each name (its first spelling; case is ignored) with the indexes of its
        #: values, when some name repeats or one is Set-Cookie.
        self.groups = groups
        #: The names, when none repeats and none is Set-Cookie (the usual reply):
        #: they then map one to one to the values, with nothing to group.
        self.distinct = distinct


class Response:
    """What the app answered.

    Header names and values are ``str`` holding latin-1 code points (one
    character per wire byte), as PEP 3333 defines native strings. Written out
    rather than a dataclass: a cold start does not pay for generating it.

    The body is ``body``, bytes, unless the caller asked a bridge for a stream:
    then ``stream`` yields it chunk by chunk as the app produces it (``body``
    is ``b""``), and whoever sends it closes the stream when done, sent or not.
    ``after`` is the app's work still to run once the reply is complete (ASGI
    background tasks): the caller runs it after sending the reply.
    """

    __slots__ = ("after", "body", "headers", "shape", "status", "stream")

    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        stream: Chunks | None = None,
    ) -> None:
        self.status = status
        self.headers: list[tuple[str, str]] = [] if headers is None else headers
        self.body = body
        #: The body as the app produces it, when streamed (see the class).
        self.stream = stream
        #: The app's remaining work, to run once the reply is sent; None: none left.
        self.after: Callable[[], None] | None = None
        #: The headers' shape, once :func:`check_reply` or :func:`reply_shape` has read them.
        self.shape: ReplyShape | None = None

    def __repr__(self) -> str:
        body = f"body={self.body!r}" if self.stream is None else "stream=..."
        return f"Response(status={self.status!r}, headers={self.headers!r}, {body})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Response:
            return NotImplemented
        return (self.status, self.headers, self.body, self.stream) == (
            other.status,
            other.headers,
            other.body,
            other.stream,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass would be

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


class Chunks:
    """A streamed body: the app's chunks, and what ends the app's part when reading stops.

    ``close()`` runs ``cleanup`` once, whether the chunks were read to the end,
    failed, or were never read at all (a generator's ``finally`` would not run
    for a generator never started); reading to the end or a failure closes it
    too.
    """

    __slots__ = ("_cleanup", "_iterator")

    def __init__(self, iterator: Iterator[bytes], cleanup: Callable[[], object]) -> None:
        self._iterator = iterator
        self._cleanup: Callable[[], object] | None = cleanup

    def __iter__(self) -> Chunks:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        cleanup, self._cleanup = self._cleanup, None
        if cleanup is not None:
            try:
                close = getattr(self._iterator, "close", None)
                if close is not None:
                    close()
            finally:
                cleanup()


def plain_response(status: int, message: str) -> Response:
    """A short text/plain reply that faas_bridge itself produces (errors)."""
    return Response(
        status,
        [("Content-Type", "text/plain; charset=utf-8")],
        message.encode("utf-8", "backslashreplace"),
    )


# -- What HTTP allows: checked on every invocation --------------------------------

_TOKEN_CHARS = r"!#$%&'*+\-.^_`|~0-9A-Za-z"
_METHOD = re.compile(f"[{_TOKEN_CHARS}]+")
#: Whether a string is an HTTP token (a method, a header name): a match or None.
is_token = _METHOD.fullmatch
#: Header names browsers, gateways and frameworks send and answer with, in the
#: spellings they use: each is a token, and its lower-case form is here. Any
#: other name is checked on its own; the table never changes.
COMMON_NAMES = (  # noqa: SIM905 (a word list, read as one)
    "accept accept-charset accept-encoding accept-language accept-ranges "
    "access-control-allow-origin age allow authorization cache-control cdn-loop "
    "cloudfront-forwarded-proto "
    "cloudfront-is-desktop-viewer cloudfront-is-mobile-viewer cloudfront-is-smarttv-viewer "
    "cloudfront-is-tablet-viewer cloudfront-viewer-asn cloudfront-viewer-country connection "
    "content-disposition content-encoding content-language content-length content-location "
    "content-security-policy content-type cookie date dnt etag expect expires forwarded from "
    "host if-match if-modified-since if-none-match if-range if-unmodified-since keep-alive "
    "last-modified link location origin pragma priority range referer referrer-policy "
    "retry-after sec-ch-ua sec-ch-ua-mobile sec-ch-ua-platform sec-fetch-dest sec-fetch-mode "
    "sec-fetch-site sec-fetch-user server set-cookie strict-transport-security te trailer "
    "transfer-encoding upgrade upgrade-insecure-requests user-agent vary via "
    "www-authenticate x-amz-cf-id x-amzn-trace-id x-content-type-options x-csrftoken "
    "x-forwarded-for x-forwarded-host x-forwarded-port x-forwarded-proto x-frame-options "
    "x-real-ip x-request-id x-requested-with"
).split()
#: Each common name, lower-case and capitalised as on the wire, -> its lower-case form.
LOWER_NAMES: dict[str, str] = {
    **{name: name for name in COMMON_NAMES},
    **{"-".join(map(str.capitalize, name.split("-"))): name for name in COMMON_NAMES},
}


def lowered_tokens(names: Sequence[str]) -> Sequence[str] | None:
    """Each name lower-cased, or None when one is not an HTTP token (or not a str)."""
    try:
        if len(names) > 1:
            found: tuple[str, ...] = itemgetter(*names)(LOWER_NAMES)
            return found
        return [LOWER_NAMES[names[0]]] if names else []
    except (KeyError, TypeError):
        pass  # a name outside the table (or not a string): checked one by one
    lowered = []
    own: dict[str, str] = {}  # this request's other names, each checked once
    for name in names:
        lower = LOWER_NAMES.get(name) or own.get(name) if type(name) is str else None
        if lower is None:
            if type(name) is not str or _METHOD.fullmatch(name) is None:
                return None
            lower = own[name] = name.lower()
        lowered.append(lower)
    return lowered


#: What a request header value may not hold: NUL, CR, LF and anything beyond
#: latin-1 (tab and the rest are allowed). Written as the complement of what is
#: allowed: a class spanning U+0100 to U+10FFFF takes milliseconds to compile.
#: Searched only when a value may be wrong, so ``re`` compiles it then, not
#: on every cold start.
_REQUEST_VALUE_BAD = "[^\x01-\x09\x0b\x0c\x0e-\xff]"
#: The usual methods, known to be tokens: checked without the regex.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
_NAME, _VALUE = itemgetter(0), itemgetter(1)
#: What a reply header value may not hold: control characters other than tab
#: (CR and LF would split the reply), and anything beyond latin-1 (PEP 3333).
#: gunicorn refuses the same. Searched only for a reply that is not plain
#: ASCII, so compiled then (as :data:`_REQUEST_VALUE_BAD`).
_REPLY_VALUE_BAD = r"[^\t\x20-\x7e\x80-\xff]"
#: Connection-level headers, meaningful between the app and its server only:
#: dropped from replies as gunicorn and every proxy drop them.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_NO_HEADERS = ReplyShape()
#: Lower-case names the reply check reads apart from the others.
_REPLY_SPECIAL = HOP_BY_HOP | {"content-type", "content-encoding", "content-length", "set-cookie"}
_SURROGATE = "not valid Unicode text: it holds a lone surrogate"


def check_request(request: Request) -> None:
    """MalformedEvent unless the method is a token and every header is valid HTTP.

    A header name that is not a token, or a value holding NUL, CR or LF,
    cannot come from an HTTP client: a server answers 400 (gunicorn refuses
    the same, RFC 9110 5.5), and so does this. Values must be native strings
    (no character beyond latin-1): an adapter that let one through is wrong.
    The root path (an API stage, a base path) must be text a URL can carry.
    """
    method = request.method
    if method not in METHODS and _METHOD.fullmatch(method) is None:
        raise MalformedEvent(f"expected an HTTP method, got {shown(method)}", "method")
    root = request.root_path
    if not root.isascii():
        try:
            root.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedEvent(_SURROGATE, "root path (the stage or base path)") from None
    headers = request.headers
    if not headers or request.checked:
        return
    if lowered_tokens(list(map(_NAME, headers))) is None:
        bad = next((n for n, _ in headers if _METHOD.fullmatch(n) is None), "")
        raise MalformedEvent("not a valid header name (an HTTP token)", "headers." + bad)
    values = "".join(map(_VALUE, headers))
    # Three scans in C; the regex (slow) only when one might be wrong.
    if ("\n" in values or "\r" in values or "\x00" in values or not values.isascii()) and (
        re.search(_REQUEST_VALUE_BAD, values) is not None
    ):
        bad = next(n for n, v in headers if re.search(_REQUEST_VALUE_BAD, v) is not None)
        raise MalformedEvent("the value holds a NUL, CR or LF character", "headers." + bad)


def _not_a_pair(headers: Any) -> str:
    """What is wrong with the first header that is not a pair of strings (never its value)."""
    for header in headers:
        if not isinstance(header, (tuple, list)) or len(header) != 2:
            return f"one is a {type(header).__name__}"
        name, value = header
        if not isinstance(name, str):
            return f"a name is a {type(name).__name__}"
        if not isinstance(value, str):
            return f"the value of {shown(name)} is a {type(value).__name__}"
    return f"the headers are a {type(headers).__name__}"


def check_reply(response: Response) -> int:
    """Make the app's reply safe to send, or raise AppFailure saying why not.

    The status must be an integer, the headers (name, value) pairs of
    strings, names HTTP tokens, values free of control characters and within
    latin-1, and Content-Length given at most once, as digits. Hop-by-hop
    headers are dropped. A status outside 200-599 (1xx is not a final reply)
    is ReplyRejected: no vendor delivers it. Returns the characters in the
    header names and values, for a cheap bound on the reply's size, and
    leaves the headers' shape on the response for the adapter's encoder.
    Messages name the header, never its value (which may be a secret).
    """
    status = response.status
    if type(status) is not int:
        raise AppFailure(f"the status must be an integer, not {shown(status)}")
    if not 200 <= status <= 599:
        raise ReplyRejected(
            f"the app answered status {status}; a final HTTP reply has a status from 200 to 599"
        )
    headers = response.headers
    if not headers:
        response.shape = _NO_HEADERS
        return 0
    if type(headers) is not list:
        return _check_headers(response)
    # The usual reply, read in one pass: tuples of str, names HTTP tokens, values
    # printable ASCII, no hop-by-hop header, Content-Length digits at most once.
    # Anything else is read again by _check_headers, which drops or refuses it
    # and says why.
    type_at = encoding_at = length_at = -1
    cookies = False
    names: list[str] = []
    lowered: list[str] = []
    values: list[str] = []
    try:
        for pair in headers:
            if type(pair) is not tuple:
                return _check_headers(response)
            name, value = pair  # a tuple of another size: ValueError
            lower = LOWER_NAMES.get(name)  # an unhashable name: TypeError
            if lower is None:
                if _METHOD.fullmatch(name) is None:  # not a str: TypeError
                    return _check_headers(response)
                lower = name.lower()
            if lower in _REPLY_SPECIAL:
                if lower == "content-type":
                    if type_at < 0:
                        type_at = len(lowered)
                elif lower == "content-encoding":
                    if encoding_at < 0:
                        encoding_at = len(lowered)
                elif lower == "content-length" and length_at < 0 and str.isdigit(value):
                    # (a value that is not a str: TypeError; a digit beyond
                    # ASCII fails the test below)
                    length_at = len(lowered)
                elif lower == "set-cookie":
                    cookies = True
                else:  # hop-by-hop, or a second or non-digit Content-Length
                    return _check_headers(response)
            names.append(name)
            lowered.append(lower)
            values.append(value)
        text = "".join(values)  # a value that is not a str: TypeError
        size = len("\n".join(names)) + len(text)
    except Exception:  # whatever the pairs hold: the general reading says what is wrong
        return _check_headers(response)
    if not (text.isascii() and text.isprintable()):
        return _check_headers(response)
    if not cookies and len(set(lowered)) == len(lowered):
        # The usual reply: each name once, nothing to group.
        groups: Groups = ()
        distinct: tuple[str, ...] | None = tuple(names)
    else:
        groups, distinct = _groups(names, lowered), None
    response.shape = ReplyShape(length_at, False, type_at, encoding_at, groups, distinct)
    return size


def _check_headers(response: Response) -> int:
    """:func:`check_reply` for headers of any kind: drops hop-by-hop ones, names what is wrong."""
    headers = response.headers
    try:
        names, values_in = zip(*headers, strict=True)  # a pair of any other size: ValueError
        size = len("\n".join(names))
        values = "".join(values_in)
    except (TypeError, ValueError):
        raise AppFailure(
            "the headers must be (name, value) pairs of strings: " + _not_a_pair(headers)
        ) from None
    shape = _shape(names)
    if not (values.isascii() and values.isprintable()) and re.search(_REPLY_VALUE_BAD, values):
        bad = next(n for n, v in headers if re.search(_REPLY_VALUE_BAD, v))
        raise AppFailure(
            f"the value of the {bad} header holds a control character (CR, LF, NUL...) "
            "or a character beyond latin-1"
        )
    if shape.length_at >= 0:
        text = headers[shape.length_at][1]
        if not (text.isdigit() and text.isascii()):
            text = text.strip(" \t")
            if not (text.isdigit() and text.isascii()):
                raise AppFailure(f"Content-Length must be digits, not {shown(text)}")
    if shape.hop_by_hop:
        headers = [(n, v) for n, v in headers if n.lower() not in HOP_BY_HOP]
        response.headers = headers
        shape = _shape([name for name, _ in headers]) if headers else _NO_HEADERS
    response.shape = shape
    return size + len(values)


def reply_shape(response: Response) -> ReplyShape:
    """The shape of the reply's headers (left on the response by :func:`check_reply`).

    Works it out for a reply that was not checked (faas_bridge's own); its
    names must be valid.
    """
    shape = response.shape
    if shape is None:
        headers = response.headers
        shape = _shape([name for name, _ in headers]) if headers else _NO_HEADERS
        response.shape = shape
    return shape


def _shape(names: Sequence[str]) -> ReplyShape:
    """The shape of headers with these names; AppFailure for a bad name or two Content-Lengths.

    A name holding a newline (which would pass for two names once written
    out) is not a token, so it is refused like any other.
    """
    count = len(names)
    lowered: Sequence[str] | None
    try:  # names met before, looked up in C (lowered_tokens, inline)
        lowered = itemgetter(*names)(LOWER_NAMES) if count > 1 else (LOWER_NAMES[names[0]],)
    except KeyError:
        lowered = lowered_tokens(names)
    if lowered is None:
        bad = next((n for n in names if _METHOD.fullmatch(n) is None), "")
        raise AppFailure(f"the header name {shown(bad)} is not an HTTP token")
    length_at = lowered.index("content-length") if "content-length" in lowered else -1
    type_at = lowered.index("content-type") if "content-type" in lowered else -1
    encoding_at = lowered.index("content-encoding") if "content-encoding" in lowered else -1
    groups: Groups
    distinct: tuple[str, ...] | None = None
    if (count == 1 or len(set(lowered)) == count) and "set-cookie" not in lowered:
        # The usual reply: each name once, so each value is its own group.
        groups, distinct = (), tuple(names)
    else:
        if length_at >= 0 and lowered.count("content-length") > 1:
            twice = lowered.count("content-length")
            raise AppFailure(f"Content-Length is given {twice} times")
        groups = _groups(names, lowered)
    hop_by_hop = not HOP_BY_HOP.isdisjoint(lowered)
    return ReplyShape(length_at, hop_by_hop, type_at, encoding_at, groups, distinct)


#: What a reply's names are grouped into: (first spelling, indexes of its values).
Groups = tuple[tuple[str, tuple[int, ...]], ...]


def _groups(names: Sequence[str], lowered: Sequence[str]) -> Groups:
    """Each name (first spelling; case ignored) with the indexes of its values, in order."""
    if len(names) <= 16:  # a few names: searched in C, name by name
        found: list[tuple[str, tuple[int, ...]]] = []
        for lower in dict.fromkeys(lowered):
            at = lowered.index(lower)
            if lowered.count(lower) == 1:
                found.append((names[at], (at,)))
            else:
                found.append((names[at], tuple([i for i, x in enumerate(lowered) if x == lower])))
        return tuple(found)
    spellings: dict[str, str] = {}
    grouped: dict[str, list[int]] = {}
    for index, (name, lower) in enumerate(zip(names, lowered, strict=True)):
        grouped.setdefault(spellings.setdefault(lower, name), []).append(index)
    return tuple((name, tuple(at)) for name, at in grouped.items())


def buffer_stream(response: Response) -> None:
    """Read a streamed body whole into ``body``, for a reply that cannot go out as a stream.

    The stream is closed in every case, so the app's part ends (a WSGI
    iterable's ``close()``, the rest of an ASGI app's body).
    """
    stream = response.stream
    if stream is None:
        return
    response.stream = None
    try:
        response.body = b"".join(stream)
    finally:
        stream.close()
