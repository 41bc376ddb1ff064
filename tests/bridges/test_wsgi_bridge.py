"""The WSGI bridge against PEP 3333: environ shape, start_response, write, close."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from faas_bridge.bridges.wsgi import WSGIBridge, build_environ
from faas_bridge.http import Request


def make_request(**fields: Any) -> Request:
    fields.setdefault("method", "GET")
    fields.setdefault("raw_path", b"/")
    return Request(**fields)


def test_non_ascii_path_is_latin1_of_the_utf8_bytes() -> None:
    environ = build_environ(make_request(raw_path=b"/caf%C3%A9/a%2Fb", root_path="/st\u00e4ge"))
    # PEP 3333 native strings: one character per byte, as gunicorn gives them.
    assert environ["PATH_INFO"] == "/caf\u00c3\u00a9/a/b"
    assert environ["PATH_INFO"].encode("latin-1").decode("utf-8") == "/caf\u00e9/a/b"
    assert environ["SCRIPT_NAME"].encode("latin-1").decode("utf-8") == "/st\u00e4ge"
    # %2F stays distinguishable from "/" in the raw URI.
    assert environ["RAW_URI"].endswith("/caf%C3%A9/a%2Fb")


def test_content_headers_are_not_duplicated_as_http_keys() -> None:
    environ = build_environ(
        make_request(
            method="POST",
            headers=[("content-type", "text/plain"), ("content-length", "999")],
            body=b"hello",
        )
    )
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "5"  # the decoded body's real length
    assert "HTTP_CONTENT_TYPE" not in environ
    assert "HTTP_CONTENT_LENGTH" not in environ
    assert environ["wsgi.input"].read() == b"hello"


def test_no_content_length_without_a_body() -> None:
    environ = build_environ(make_request())
    assert "CONTENT_LENGTH" not in environ


def test_repeated_headers_join_with_comma_and_cookies_with_semicolon() -> None:
    environ = build_environ(
        make_request(
            headers=[
                ("x-multi", "1"),
                ("cookie", "a=1"),
                ("x-multi", "2"),
                ("cookie", "b=2"),
            ]
        )
    )
    assert environ["HTTP_X_MULTI"] == "1,2"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"


def test_the_same_names_with_and_without_a_repeat_each_get_their_own_keys() -> None:
    # Keys are worked out once per set of names: a set seen without a repeat
    # must not lend its plan to a set that has one, and the reverse.
    plain = [("x-one", "1"), ("content-type", "text/csv"), ("x-two", "2")]
    repeated = [("x-one", "1"), ("content-type", "text/csv"), ("x-one", "3")]
    for _ in range(2):
        environ = build_environ(make_request(headers=plain))
        assert (environ["HTTP_X_ONE"], environ["CONTENT_TYPE"], environ["HTTP_X_TWO"]) == (
            "1",
            "text/csv",
            "2",
        )
        assert "HTTP_CONTENT_TYPE" not in environ
        environ = build_environ(make_request(headers=repeated))
        assert environ["HTTP_X_ONE"] == "1,3"
        assert "HTTP_X_TWO" not in environ


def test_a_repeated_content_type_keeps_the_last_and_length_is_the_body() -> None:
    headers = [
        ("content-type", "text/plain"),
        ("content-length", "3"),
        ("content-type", "application/json"),
        ("content-length", "4"),
    ]
    environ = build_environ(make_request(headers=headers, body=b"{}"))
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["CONTENT_LENGTH"] == "2"
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ


def test_header_values_are_native_strings_in_the_environ() -> None:
    # "café" as a client sends it in UTF-8: two characters for the é, as gunicorn gives.
    environ = build_environ(make_request(headers=[("x-name", "caf\xc3\xa9")]))
    assert environ["HTTP_X_NAME"] == "caf\xc3\xa9"
    assert environ["HTTP_X_NAME"].encode("latin-1").decode("utf-8") == "caf\u00e9"


def test_query_server_client_and_scheme() -> None:
    environ = build_environ(
        make_request(
            query_string=b"a=1&a=2&q=caf%C3%A9",
            scheme="https",
            server=("example.com", 8443),
            client=("203.0.113.9", 0),
            http_version="2.0",
        )
    )
    assert environ["QUERY_STRING"] == "a=1&a=2&q=caf%C3%A9"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("example.com", "8443")
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert "REMOTE_PORT" not in environ  # unknown, so not invented
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["SERVER_PROTOCOL"] == "HTTP/2.0"
    assert environ["wsgi.errors"] is sys.stderr


def test_write_callable_and_iterable_are_both_collected() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("201 Created", [("X-A", "1")])
        write(b"from write, ")
        return [b"from ", b"", b"iterable"]

    response = WSGIBridge(app)(make_request())
    assert response.status == 201
    assert response.headers == [("X-A", "1")]
    assert response.body == b"from write, from iterable"


class ClosingBody:
    def __init__(self, chunks: list[bytes], fail: bool = False) -> None:
        self.chunks = chunks
        self.fail = fail
        self.closed = 0

    def __iter__(self) -> Any:
        yield from self.chunks
        if self.fail:
            raise RuntimeError("broken generator")

    def close(self) -> None:
        self.closed += 1


def test_close_is_called_once_on_success_and_on_failure() -> None:
    ok = ClosingBody([b"x"])
    broken = ClosingBody([b"x"], fail=True)

    def make_app(body: ClosingBody) -> Any:
        def app(environ: dict[str, Any], start_response: Any) -> ClosingBody:
            start_response("200 OK", [])
            return body

        return app

    assert WSGIBridge(make_app(ok))(make_request()).body == b"x"
    assert ok.closed == 1
    with pytest.raises(RuntimeError, match="broken generator"):
        WSGIBridge(make_app(broken))(make_request())
    assert broken.closed == 1


def test_exc_info_replaces_headers_before_any_body() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-Before", "1")])
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("500 Internal Server Error", [("X-After", "1")], sys.exc_info())
        return [b"error page"]

    response = WSGIBridge(app)(make_request())
    assert response.status == 500
    assert response.headers == [("X-After", "1")]
    assert response.body == b"error page"


def test_exc_info_after_body_reraises() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [])
        yield b"partial"
        try:
            raise ValueError("late failure")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"never"

    with pytest.raises(ValueError, match="late failure"):
        WSGIBridge(app)(make_request())


def test_second_start_response_without_exc_info_is_an_error() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        start_response("200 OK", [])
        return []

    with pytest.raises(AssertionError):
        WSGIBridge(app)(make_request())


def test_app_that_never_starts_a_response_is_an_error() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return []

    with pytest.raises(AssertionError, match="start_response"):
        WSGIBridge(app)(make_request())


def test_a_vendor_built_environ_is_passed_on_with_every_key() -> None:
    vendor = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/a/b",
        "SCRIPT_NAME": "/fn",
        "QUERY_STRING": "x=1",
        "RAW_URI": "/fn/a%2Fb?x=1",
        "fc.context": "vendor object",
        "wsgi.input": None,  # already read by the adapter: replaced by the body
        # What the client announced, not what the adapter read (a decompressed or
        # de-chunked upload): the app is told the length of the body it gets.
        "CONTENT_LENGTH": "10",
    }
    request = make_request(method="POST", raw_path=b"/ignored", body=b"data", environ=vendor)
    request.platform = "test"
    environ = build_environ(request)
    assert environ is not vendor and vendor["wsgi.input"] is None  # the vendor's is untouched
    assert environ["fc.context"] == "vendor object"
    assert (environ["PATH_INFO"], environ["SCRIPT_NAME"], environ["RAW_URI"]) == (
        "/a/b",
        "/fn",
        "/fn/a%2Fb?x=1",
    )
    assert environ["wsgi.input"].read() == b"data"
    assert environ["CONTENT_LENGTH"] == "4"
    assert environ["faas_bridge.platform"] == "test"


def test_a_failing_close_after_a_complete_reply_keeps_the_reply(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BrokenClose:
        def __iter__(self) -> Any:
            yield b"complete"

        def close(self) -> None:
            raise RuntimeError("close failed")

    def app(environ: dict[str, Any], start_response: Any) -> BrokenClose:
        start_response("200 OK", [])
        return BrokenClose()

    response = WSGIBridge(app)(make_request())
    assert (response.status, response.body) == (200, b"complete")
    assert any("close() failed" in r.getMessage() for r in caplog.records)


def test_the_apps_own_failure_wins_over_a_failing_close() -> None:
    class BothFail:
        def __iter__(self) -> Any:
            raise ValueError("iteration failed")
            yield b""

        def close(self) -> None:
            raise RuntimeError("close failed")

    def app(environ: dict[str, Any], start_response: Any) -> BothFail:
        start_response("200 OK", [])
        return BothFail()

    with pytest.raises(ValueError, match="iteration failed"):
        WSGIBridge(app)(make_request())
