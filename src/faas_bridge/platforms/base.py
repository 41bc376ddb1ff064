"""What every platform adapter is, and the helpers they share.

An adapter recognises its vendor's event, decodes it into a neutral Request and
encodes a neutral Response into the vendor's reply. Adapters never import the
bridges, and the bridges never read a vendor event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from http import HTTPStatus
from operator import itemgetter
from typing import Any, AnyStr, ClassVar, TypeGuard
from urllib.parse import quote, quote_plus, urlencode

from faas_bridge.errors import MalformedEvent, shown
from faas_bridge.http import (
    COMMON_NAMES,
    LOWER_NAMES,
    Headers,
    Request,
    Response,
    is_token,
    reply_shape,
)
from faas_bridge.options import Options

# Characters allowed literally in a path (RFC 3986 pchar and "/"), minus "%".
PATH_SAFE = "/!$&'()*+,;=:@-._~"
# For a path that is already percent-encoded, "%" is kept too.
_ENCODED_PATH_SAFE = PATH_SAFE + "%"
# A query string keeps every visible ASCII character as it came.
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "#")
_SURROGATE = "not valid Unicode text: it holds a lone surrogate"


# A path that encode_path leaves as it is: ASCII letters and digits, PATH_SAFE.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/!$&'()*+,;=:@._~-]*").fullmatch
# Characters JSON must escape in a string: searched only in a reply that may be
# over the vendor's limit, so compiled (and cached) by ``re`` on first use.
_JSON_ESCAPED = r'["\\\x00-\x1f\x7f]'


class Platform:
    """One vendor event family. Subclasses set ``name`` and the three methods."""

    name: ClassVar[str]
    #: The largest request body the vendor passes to a function, in bytes, or
    #: None where none is documented. The handler answers a larger one 413:
    #: the vendor would have refused it, so the event is not the vendor's.
    request_limit: ClassVar[int | None] = None
    #: The largest reply the vendor accepts, as :meth:`reply_size` counts it,
    #: or None where none is documented (or the adapter checks it itself). The
    #: handler answers 502 instead of a larger reply, saying why.
    reply_limit: ClassVar[int | None] = None
    #: How many of the last X-Forwarded-For entries may be the vendor's own
    #: (its record of the peer, and any internal hop after it); only read when
    #: the ``trusted_proxy_hops`` option is set (see :func:`forwarded_client`).
    forwarded_window: ClassVar[int] = 1

    __slots__ = ("options",)

    def __init__(self, options: Options) -> None:
        self.options = options

    def matches(self, event: Any) -> bool:
        """Whether this event belongs to this platform (cheap, no side effects)."""
        raise NotImplementedError

    def decode(self, event: Any, context: Any) -> Request:
        """The HTTP request the event carries; MalformedEvent when it cannot."""
        raise NotImplementedError

    def encode(self, response: Response, event: Any, context: Any) -> Any:
        """The vendor's reply for ``response`` to ``event``.

        ``context`` is what the vendor passed beside the event (a WSGI-style
        vendor passes ``start_response`` there).
        """
        raise NotImplementedError

    def remaining_time(self, context: Any) -> float | None:
        """Seconds left before the platform's deadline, when the context says."""
        get = getattr(context, "get_remaining_time_in_millis", None)
        if get is None:
            return None
        try:
            return float(get()) / 1000.0
        except (TypeError, ValueError):
            return None

    def request_id(self, event: Any, context: Any) -> str | None:
        """The id the vendor's logs know this invocation by."""
        return getattr(context, "aws_request_id", None) or getattr(context, "request_id", None)

    def reply_size(self, reply: Any) -> int:
        """The reply's size as the vendor counts it: bytes of JSON, by default."""
        return json_size(reply)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def json_size(reply: Any) -> int:
    """The bytes of ``reply`` as JSON (UTF-8), as a vendor measures a reply.

    A body that JSON holds as it is (base64 always is) is counted, not
    serialised again: the reply is measured without it, then its length
    added, so a large reply is not copied once more just to be measured.
    """
    body = reply.get("body") if isinstance(reply, dict) else None
    if (
        isinstance(body, str)
        and body.isascii()  # O(1): CPython knows a string's widest character
        # base64 text never needs escaping; searching 1 MiB of it costs ~3 ms
        and (reply.get("isBase64Encoded") is True or not re.search(_JSON_ESCAPED, body))
    ):
        rest = dict(reply, body="")
        return len(json.dumps(rest, ensure_ascii=False).encode("utf-8")) + len(body)
    return len(json.dumps(reply, ensure_ascii=False).encode("utf-8"))


def encode_path(path: str, where: str = "path") -> bytes:
    """Percent-encode a path the vendor has already decoded (``%`` included)."""
    if type(path) is str and _PLAIN_PATH(path) is not None:
        return path.encode("ascii")  # nothing to encode: skip urllib's quote()
    return _quoted(path, PATH_SAFE, where)


def clean_raw_path(path: str, where: str = "path") -> bytes:
    """A path the vendor left percent-encoded, with stray characters encoded."""
    if not isinstance(path, str):
        raise MalformedEvent(f"expected a string, got {type(path).__name__}", where)
    if path.isascii() and " " not in path and path.isprintable():
        return path.encode("ascii")
    return _quoted(path, _ENCODED_PATH_SAFE, where)


def clean_query(query: str | None, where: str = "query") -> bytes:
    """A raw query string as bytes, with any non-ASCII or space percent-encoded; None is none."""
    if query is None:
        return b""
    if not isinstance(query, str):
        raise MalformedEvent(f"expected a string, got {type(query).__name__}", where)
    if query.isascii() and " " not in query and query.isprintable():
        return query.encode("ascii")
    return _quoted(query, _QUERY_SAFE, where)


def _quoted(text: str, safe: str, where: str) -> bytes:
    if not isinstance(text, str):
        raise MalformedEvent(f"expected a string, got {type(text).__name__}", where)
    try:
        return quote(text, safe=safe).encode("ascii")
    except UnicodeEncodeError:
        raise MalformedEvent(_SURROGATE, where) from None


def split_prefix(raw_path: AnyStr, prefix: str) -> AnyStr | None:
    """``raw_path`` below ``prefix`` when it starts there on a segment boundary.

    The path is bytes, or text for a fast lane's path (plain ASCII: the same
    characters either way, so the lane need not encode it and decode it back).
    """
    if isinstance(raw_path, bytes):
        head, slash = encode_path(prefix), b"/"
    else:
        head, slash = encode_path(prefix).decode("ascii"), "/"
    if raw_path == head:
        return slash
    if raw_path.startswith(head + slash):
        return raw_path[len(head) :]
    return None


def decode_body(
    body: Any, is_base64: Any, where: str = "body", flag_where: str = "isBase64Encoded"
) -> bytes:
    """The request body bytes; base64 checked strictly when flagged.

    The flag is a JSON boolean (null or missing: false); the strings
    ``"true"`` and ``"false"`` are read too, anything else is an error.
    """
    if body is None or body == "":
        return b""
    if not isinstance(body, str):
        raise MalformedEvent(f"expected a string, got {type(body).__name__}", where)
    if is_base64 is not True and is_base64 is not False and is_base64 is not None:
        is_base64 = flag(is_base64, flag_where)
    if is_base64:
        from faas_bridge import b64  # with base64, loaded by the first body that needs it

        try:
            return b64.decode(body)
        except ValueError as exc:
            raise MalformedEvent(f"flagged base64 but not valid base64 ({exc})", where) from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedEvent(_SURROGATE, where) from None


def utf8(text: str, where: str) -> bytes:
    """``text`` as UTF-8; MalformedEvent for a lone surrogate, which has no encoding."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedEvent(_SURROGATE, where) from None


def flag(value: Any, where: str) -> bool:
    """A JSON boolean; the strings ``"true"`` / ``"false"`` count too.

    Vendor docs print the flag as ``"true|false"``; reading a string ``"false"``
    as truthy would base64-decode a plain body, so anything else is an error.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MalformedEvent(f"expected true or false, got {shown(value)}", where)


def encode_body(response: Response, options: Options) -> tuple[str, bool]:
    """The reply body as (text, is_base64): text only when it is safe and byte-exact."""
    body = response.body
    if not body:
        return "", False
    shape = response.shape or reply_shape(response)
    headers = response.headers
    content_type = headers[shape.type_at][1] if shape.type_at >= 0 else None
    encoding = headers[shape.encoding_at][1] if shape.encoding_at >= 0 else None
    if options.is_text(content_type) and not encoding:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # labelled text, but not UTF-8: only base64 keeps it byte-exact
    from faas_bridge import b64

    return b64.encode(body), True


def group_headers(response: Response) -> dict[str, list[str]]:
    """The reply's header values by name, names compared without case, first spelling kept.

    Values are trimmed as a server trims them on the wire (Django's WSGI
    handler, for one, starts every Set-Cookie value with a space).
    """
    headers = response.headers
    shape = response.shape or reply_shape(response)
    grouped: dict[str, list[str]] = {}
    if shape.distinct is not None:  # one value per name
        for name, value in headers:
            grouped[name] = [value.strip(" \t")]
        return grouped
    for name, at in shape.groups:
        if len(at) == 1:  # nearly always: no comprehension to run
            grouped[name] = [headers[at[0]][1].strip(" \t")]
        else:
            grouped[name] = [headers[i][1].strip(" \t") for i in at]
    return grouped


def single_headers(response: Response) -> dict[str, str] | None:
    """The reply's headers as a dict, values trimmed, when no name repeats and none is Set-Cookie.

    Most replies are such, and most vendors take such a dict: made in C, with
    nothing to group. None otherwise: :func:`group_headers` then says how the
    values go together.
    """
    if (response.shape or reply_shape(response)).distinct is None:
        return None
    single: dict[str, str] = {}
    for name, value in response.headers:
        single[name] = value.strip(" \t")
    return single


_VALUE = itemgetter(1)
#: ``{200: "200 OK", ...}``: every status the standard library names.
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def status_line(status: int) -> str:
    """``"200 OK"``: the status with its standard reason phrase."""
    return _STATUS_LINES.get(status) or f"{status} Unknown"


def split_host(host: str) -> tuple[str, int | None]:
    """``("example.com", 8080)`` from ``"example.com:8080"``; IPv6 brackets kept."""
    name, sep, port = host.rpartition(":")
    if sep and is_port(port) and (not name.startswith("[") or name.endswith("]")):
        return name, int(port)
    return host, None


def is_port(text: str) -> bool:
    """Whether ``text`` is a port number as a server would read it (ASCII digits)."""
    return 0 < len(text) <= 5 and text.isascii() and text.isdigit()


def server_address(
    headers: Headers, fallback_host: str | None
) -> tuple[str, tuple[str, int] | None]:
    """(scheme, server) from Host and X-Forwarded-Proto/-Port headers.

    An event with no Host (API Gateway console tests) falls back to the domain
    name the vendor recorded. A repeated header counts by its last value.
    """
    return address_from(dict(headers), fallback_host)  # in C; later pairs win


def address_from(
    last: Mapping[str, str], fallback_host: str | None
) -> tuple[str, tuple[str, int] | None]:
    """:func:`server_address` from each header's last value, by lower-case name."""
    host = last.get("host") or fallback_host
    proto = last.get("x-forwarded-proto")
    port_text = last.get("x-forwarded-port")
    if proto is None or proto == "https":
        scheme = "https"
    elif proto == "http":
        scheme = "http"
    else:
        proto = proto.rsplit(",", 1)[-1].strip().lower()
        scheme = proto if proto in ("http", "https") else "https"
    if not host:
        return scheme, None
    server_name, port = split_host(host.strip()) if ":" in host else (host.strip(), None)
    if port_text == "443":
        port = 443
    elif port_text:
        port_text = port_text.rsplit(",", 1)[-1].strip()
        if is_port(port_text):
            port = int(port_text)
    if port is None:
        port = 443 if scheme == "https" else 80
    return scheme, (server_name, port)


def forwarded_client(
    headers: Headers,
    record: tuple[str, int] | None,
    hops: int,
    window: int = 1,
) -> tuple[str, int] | None:
    """The client behind ``hops`` proxies of the user's own, from X-Forwarded-For.

    Each proxy appends the address it accepted the connection from, so the
    list ends with the entries written by the user's proxies and, last, any
    the vendor adds itself: its record of the peer (``record``, the last
    proxy's address), and after it any internal hop. The vendor's entries are
    dropped first: ``record`` is looked for among the last ``window`` entries
    only (the vendor appends it, so an earlier entry equal to it may be a
    client's forgery). The client is then the ``hops``-th entry from the right.
    A list too short for that did not pass through the proxies, and keeps
    ``record``. ``ip:port`` and ``[ipv6]:port`` entries give their port.
    """
    entries = [
        entry.strip()
        for name, value in headers
        if name == "x-forwarded-for"
        for entry in value.split(",")
        if entry.strip()
    ]
    if record is not None:
        for back in range(1, min(window, len(entries)) + 1):
            if _address(entries[-back])[0] == record[0]:
                del entries[-back:]
                break
    if len(entries) < hops:
        return record
    return _address(entries[-hops])


def proxy_client(headers: Headers) -> tuple[str, int] | None:
    """The last X-Forwarded-For entry: the one the vendor's own proxy appended."""
    last = None
    for name, value in headers:
        if name == "x-forwarded-for":
            last = value
    return last_entry(last)


def last_entry(forwarded_for: str | None) -> tuple[str, int] | None:
    """The address an X-Forwarded-For value ends with."""
    if not forwarded_for:
        return None
    address = forwarded_for.rsplit(",", 1)[-1].strip()
    return (address, 0) if address else None


def _address(entry: str) -> tuple[str, int]:
    """(host, port) from ``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443`` or ``2001:db8::1``."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if is_port(port) else 0
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port) if is_port(port) else 0
    return entry, 0


def native(text: str, where: str) -> str:
    """``text`` as a native string: its UTF-8 bytes, one character each.

    JSON events carry header values as Unicode text; a server would have seen
    their UTF-8 bytes. ASCII text (nearly every value) is its own native form.
    """
    if text.isascii():
        return text
    try:
        return text.encode("utf-8").decode("latin-1")
    except UnicodeEncodeError:
        raise MalformedEvent(_SURROGATE, where) from None


def header_pairs(headers: Any, where: str) -> Headers:
    """Pairs from a ``{name: value}`` or ``{name: [values]}`` mapping; None means none."""
    if headers is None:
        return []
    if type(headers) is not dict and not isinstance(headers, Mapping):
        raise MalformedEvent(f"expected an object, got {type(headers).__name__}", where)
    try:
        # The usual events, checked in C: lower-case names with ASCII text
        # values, single (already pairs) or in lists (flattened).
        joined = "".join(headers)
        if joined.isascii() and joined == joined.lower():
            if "".join(headers.values()).isascii():
                return list(headers.items())
            if set(map(type, headers.values())) == {list}:
                pairs = [(name, value) for name, values in headers.items() for value in values]
                if "".join(map(itemgetter(1), pairs)).isascii():
                    return pairs
    except TypeError:
        pass  # a name or value that is not a string: read one by one
    pairs = []
    append = pairs.append
    for name, value in headers.items():
        key = str(name).lower()
        if not key.isascii():
            key = native(key, f"{where}.{name}")
        # ASCII text is its own native form: native() (and its error location) only for the rest.
        if isinstance(value, str):
            append((key, value if value.isascii() else native(value, f"{where}.{name}")))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    append((key, item if item.isascii() else native(item, f"{where}.{name}")))
                elif item is not None:
                    append((key, _scalar_header(item, where, name)))
        elif value is not None:
            append((key, _scalar_header(value, where, name)))
    return pairs


class HeaderRead:
    """A request's headers as an adapter reads them from its event.

    A plain class rather than a ``typing.NamedTuple`` for the reason
    :class:`faas_bridge.http.ReplyShape` gives.
    """

    __slots__ = ("pairs", "last", "host", "checked")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self, pairs: Headers, last: Mapping[str, str], host: str | None, checked: bool
    ) -> None:
        #: (name, value) pairs in order, repeats kept, names lower-case, native strings.
        self.pairs = pairs
        #: Each name's last value: X-Forwarded-Proto and -Port count by their last.
        self.last = last
        #: The first Host value, or None: where the client sent the request.
        self.host = host
        #: Whether the names are HTTP tokens and the values ASCII without NUL, CR
        #: or LF, which :func:`faas_bridge.http.check_request` need not check again.
        self.checked = checked


def read_headers(headers: Any, where: str) -> HeaderRead:
    """The event's headers: ``{name: value}`` or ``{name: [values]}``; None means none.

    The usual event's are taken as they come (:func:`plain_headers`); the
    rest are read one by one (:func:`header_pairs`), which says what is wrong.
    """
    read = plain_headers(headers)
    if read is not None:
        return read
    pairs = header_pairs(headers, where)
    return HeaderRead(pairs, dict(pairs), first_host(pairs), False)


def first_host(pairs: Headers) -> str | None:
    """The first Host value, where the client sent the request; None without one."""
    for name, value in pairs:
        if name == "host":
            return value
    return None


def plain_headers(headers: Any) -> HeaderRead | None:
    """The headers of a usual event, checked, or None for any other.

    Usual: a dict of strings, or of lists of strings, whose names are HTTP
    tokens (lower-cased here) and whose values are ASCII without CR, LF or
    NUL. :func:`header_pairs` reads such headers the same way.
    """
    if type(headers) is not dict:
        return None
    if _LOWER_COMMON.issuperset(headers):
        # HTTP API payload 2.0 and Function URLs lower-case the names and join
        # repeats: each name once, and the usual ones are all common names.
        try:
            joined = "".join(headers.values())
        except TypeError:
            pass  # lists of values, or not strings: read below
        else:
            if not plain_value(joined):
                return None
            return HeaderRead(list(headers.items()), headers, headers.get("host"), True)
    # REST APIs and ALB: names as the client spelled them, values single or in
    # lists (multi-value mode). Each name is lowered and checked once, and its
    # values paired with it, in one pass.
    pairs: Headers = []
    append = pairs.append
    for name, found in headers.items():
        lower = LOWER_NAMES.get(name)
        if lower is None:
            if type(name) is not str or is_token(name) is None:
                return None
            lower = name.lower()
        if type(found) is not list:
            append((lower, found))
        elif len(found) == 1:
            append((lower, found[0]))
        else:
            for value in found:
                append((lower, value))
    try:
        joined = "".join(map(_VALUE, pairs))
    except TypeError:
        return None  # a null, a number, a list among strings...
    if not plain_value(joined):
        return None
    last = dict(pairs)
    host = last.get("host")
    if host is not None and len(last) != len(pairs):  # a name came twice: Host's first value
        host = first_host(pairs)
    return HeaderRead(pairs, last, host, True)


#: The common header names in lower case, each an HTTP token.
_LOWER_COMMON = frozenset(COMMON_NAMES)


def plain_value(text: str) -> bool:
    """Whether a header value (or several joined) is ASCII without CR, LF or NUL."""
    return text.isascii() and "\n" not in text and "\r" not in text and "\x00" not in text


def _scalar_header(value: Any, where: str, name: Any) -> str:
    """A number given as a header value, as text; any other type is an error."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise MalformedEvent(
        f"expected a string or a list of strings, got {type(value).__name__}", f"{where}.{name}"
    )


# -- Reading events: shared by every adapter -------------------------------------

# What a browser leaves unescaped in a query value (RFC 3986 query minus delimiters).
QUERY_VALUE_SAFE = "/?:@!$'()*,;~"


def is_mapping(value: Any) -> TypeGuard[Mapping[Any, Any]]:
    """``isinstance(value, Mapping)``, a dict decided without the ABC machinery (5x slower)."""
    return type(value) is dict or isinstance(value, Mapping)


def require_str(mapping: Mapping[str, Any], key: str, where: str) -> str:
    """``mapping[key]`` when it is a non-empty string, else MalformedEvent."""
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"expected a non-empty string, got {shown(value)}", where)
    return value


def str_at(mapping: Mapping[str, Any], key: str, where: str = "", default: str = "") -> str:
    """``mapping[key]`` as a string; missing, null and empty all give ``default``."""
    value = mapping.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise MalformedEvent(f"expected a string, got {type(value).__name__}", where or key)
    return value


def mapping_at(mapping: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    """``mapping[key]`` as a mapping; a missing or null one is empty."""
    value = mapping.get(key)
    if type(value) is dict:
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEvent(f"expected an object, got {type(value).__name__}", where or key)
    return value


def source_ip(value: Any) -> tuple[str, int] | None:
    """An ASGI-style client address from the vendor's own source IP field."""
    return (value, 0) if isinstance(value, str) and value else None


def http_version(protocol: Any) -> str:
    """``"1.1"`` from ``"HTTP/1.1"``; HTTP/1.1 when the vendor does not say."""
    if type(protocol) is str:
        version = _HTTP_VERSIONS.get(protocol)  # no slicing: cheaper on every invocation
        if version is not None:
            return version
    if isinstance(protocol, str) and protocol.upper().startswith("HTTP/"):
        return protocol[5:]
    return "1.1"


_HTTP_VERSIONS = {f"HTTP/{v}": v for v in ("1.0", "1.1", "2", "2.0", "3", "3.0")}


def query_from_params(params: Any, where: str) -> bytes:
    """A query string rebuilt from decoded ``{name: value or [values]}`` parameters.

    For vendors that keep no raw query string. Escaping is what a browser
    would do, so ``/``, ``:`` and ``,`` stay as typed.
    """
    if not params:
        return b""
    if type(params) is dict:
        try:
            text = "&".join(map("=".join, params.items()))
        except TypeError:
            pass  # a list, a number, a null: read below
        else:
            # Names and values with nothing to escape, as urlencode leaves them:
            # one "=" per parameter and one "&" between two, none inside.
            if (
                _PLAIN_QUERY(text) is not None
                and text.count("=") == len(params)
                and text.count("&") == len(params) - 1
            ):
                return text.encode("ascii")
    if not isinstance(params, Mapping):
        raise MalformedEvent(f"expected an object, got {type(params).__name__}", where)
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((str(name), param_text(v, f"{where}.{name}")) for v in values if v is not None)
    if not pairs:
        return b""
    try:
        return urlencode(pairs, safe=QUERY_VALUE_SAFE, quote_via=quote_plus).encode("ascii")
    except UnicodeEncodeError:
        bad = next((name for name, v in pairs if _unencodable(name + v)), "")
        raise MalformedEvent(_SURROGATE, f"{where}.{bad}") from None


#: Query parameter names and values joined with "=" and "&" that urlencode
#: would leave as they are.
_PLAIN_QUERY = re.compile("[A-Za-z0-9_.~=&" + re.escape(QUERY_VALUE_SAFE) + "-]*").fullmatch


def param_text(value: Any, where: str) -> str:
    """A decoded query parameter value: a string, or a number or boolean as JSON shows it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise MalformedEvent(
        f"expected a string or a list of strings, got {type(value).__name__}", where
    )


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def rebuild_query(multi: Any, single: Any) -> bytes:
    """The query from payload-1.0-style multi-value parameters, else single-value ones."""
    if multi:
        return query_from_params(multi, "multiValueQueryStringParameters")
    return query_from_params(single, "queryStringParameters")


def apply_base_path(raw_path: AnyStr, options: Options) -> tuple[str, AnyStr]:
    """(root_path, raw_path) with the configured base path moved into the root.

    The root is the base path even when the path does not carry it (HTTP APIs
    leave the custom-domain mapping out of ``rawPath``), so URLs the app builds
    include the prefix the client used.
    """
    base = options.base_path
    if not base:
        return "", raw_path
    rest = split_prefix(raw_path, base)
    return base, raw_path if rest is None else rest
