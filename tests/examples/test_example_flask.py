"""The Flask example (examples/flask_app) run through faas_bridge with AWS events.

Every request goes through ``handler.handler(event, None)`` exactly as Lambda
would call it; assertions are on the vendor reply dicts.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from support import helpers_events as ev
from support.fresh_process import run_fresh

FLASK_DIR = ev.EXAMPLES_DIR / "flask_app"
V2_HOST = "h2t4p8v0zq.execute-api.eu-west-1.amazonaws.com"
ALB_HOST = "shop-alb-1029384756.eu-west-1.elb.amazonaws.com"
ONE_YEAR = 365 * 24 * 3600
ALL_BYTES = bytes(range(256))

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture(scope="module")
def example() -> Iterator[SimpleNamespace]:
    """The example imported the way Lambda does: its directory is the root."""
    with ev.example_on_path(FLASK_DIR, ("app", "handler")):
        handler_module = importlib.import_module("handler")
        app_module = sys.modules["app"]
        # The top-level ``app`` must be the example's, not some other module.
        assert ev.module_file(app_module) == FLASK_DIR / "app.py"
        assert ev.module_file(handler_module) == FLASK_DIR / "handler.py"
        yield SimpleNamespace(handler=handler_module.handler, module=app_module)


@pytest.fixture
def handler(example: SimpleNamespace) -> Handler:
    example.module.store.clear()  # the example keeps its data in memory
    return example.handler


def call(handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
    reply = handler(event, None)
    assert isinstance(reply["statusCode"], int)
    assert isinstance(reply["isBase64Encoded"], bool)
    return reply


def json_headers() -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json"}


def test_handler_wraps_the_flask_app_as_wsgi(example: SimpleNamespace) -> None:
    assert example.handler.app is example.module.app
    assert example.handler.interface == "wsgi"


# --- JSON API --------------------------------------------------------------------


def test_json_list_create_and_get_on_http_api(handler: Handler) -> None:
    reply = call(handler, ev.http_api_event("GET", "/api/notes"))
    assert reply["statusCode"] == 200
    assert ev.header(reply, "content-type") == "application/json"
    assert reply["isBase64Encoded"] is False  # JSON is text: sent as is
    assert ev.reply_json(reply) == {"notes": [], "count": 0}

    note = {"title": "  Buy milk  ", "body": "2 litres, semi-skimmed"}
    reply = call(
        handler,
        ev.http_api_event("POST", "/api/notes", headers=json_headers(), body=json.dumps(note)),
    )
    assert reply["statusCode"] == 201, ev.reply_text(reply)
    created = ev.reply_json(reply)
    # The title is stored stripped; ids start at 1 in a cleared store.
    assert created == {"id": 1, "title": "Buy milk", "body": "2 litres, semi-skimmed"}
    # url_for(_external=True): scheme from X-Forwarded-Proto, host from Host,
    # no root path on the $default stage.
    assert ev.header(reply, "location") == f"https://{V2_HOST}/api/notes/1"

    reply = call(handler, ev.http_api_event("GET", "/api/notes/1"))
    assert reply["statusCode"] == 200
    assert ev.reply_json(reply) == created

    reply = call(handler, ev.http_api_event("GET", "/api/notes"))
    assert ev.reply_json(reply) == {"notes": [created], "count": 1}


def test_json_create_on_rest_stage_links_include_the_stage(handler: Handler) -> None:
    body = json.dumps({"title": "café ☕", "body": ""})
    reply = call(handler, ev.rest_event("POST", "/api/notes", headers=json_headers(), body=body))
    assert reply["statusCode"] == 201
    assert ev.reply_json(reply)["title"] == "café ☕"  # UTF-8 body decoded intact
    # A REST event carries multiValueHeaders, so the reply uses them only.
    assert "headers" not in reply
    assert reply["multiValueHeaders"]["Location"] == [
        f"https://{ev.rest_host()}/{ev.REST_STAGE}/api/notes/1"
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"title": ""}', "'title' is required"),
        ('{"title": "   "}', "'title' is required"),
        ('{"body": "no title"}', "'title' is required"),
        ('{"title": 42}', "'title' is required"),
        ('["a", "list"]', "expected a JSON object"),
        ("{not json", "expected a JSON object"),
        (json.dumps({"title": "x" * 201}), "at most 200 characters"),
        ('{"title": "ok", "body": 5}', "'body' must be a string"),
    ],
)
def test_json_create_rejects_bad_input_with_400(handler: Handler, body: str, message: str) -> None:
    reply = call(
        handler, ev.http_api_event("POST", "/api/notes", headers=json_headers(), body=body)
    )
    assert reply["statusCode"] == 400
    assert ev.header(reply, "content-type") == "application/json"
    assert message in ev.reply_json(reply)["error"]
    listing = call(handler, ev.http_api_event("GET", "/api/notes"))
    assert ev.reply_json(listing)["count"] == 0  # nothing was stored


def test_json_create_requires_json_content_type(handler: Handler) -> None:
    event = ev.http_api_event(
        "POST", "/api/notes", headers={"Content-Type": "text/plain"}, body='{"title": "x"}'
    )
    reply = call(handler, event)
    assert reply["statusCode"] == 415
    assert "application/json" in ev.reply_json(reply)["error"]


def test_json_get_unknown_note_is_404(handler: Handler) -> None:
    reply = call(handler, ev.http_api_event("GET", "/api/notes/999"))
    assert reply["statusCode"] == 404
    assert ev.reply_json(reply) == {"error": "note 999 not found"}


def test_json_list_through_alb(handler: Handler) -> None:
    reply = call(handler, ev.alb_event("GET", "/api/notes"))
    assert reply["statusCode"] == 200
    assert reply["statusDescription"] == "200 OK"
    # ALB in multi-value mode: every header is a list in multiValueHeaders.
    assert reply["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert ev.reply_json(reply) == {"notes": [], "count": 0}


def test_json_create_through_alb_builds_http_urls(handler: Handler) -> None:
    event = ev.alb_event("POST", "/api/notes", headers=json_headers(), body='{"title": "t"}')
    reply = call(handler, event)
    assert reply["statusCode"] == 201
    # The sample came in over plain HTTP on port 80 (X-Forwarded-Proto/-Port).
    assert ev.header(reply, "location") == f"http://{ALB_HOST}/api/notes/1"


# --- HTML form and url_for redirects ----------------------------------------------


BUILDERS = {
    "rest": (ev.rest_event, "/" + ev.REST_STAGE),
    "http-api": (ev.http_api_event, ""),
    "alb": (ev.alb_event, ""),
}


@pytest.mark.parametrize("kind", ["rest", "http-api"])
def test_form_post_redirects_to_the_new_note(handler: Handler, kind: str) -> None:
    build, prefix = BUILDERS[kind]
    page = call(handler, build("GET", "/"))
    assert page["statusCode"] == 200
    assert ev.header(page, "content-type") == "text/html; charset=utf-8"
    assert f'<form method="post" action="{prefix}/notes">' in ev.reply_text(page)

    form = ev.form_body({"title": "Tea & biscuits ☕", "body": "at <4pm>"})
    reply = call(
        handler,
        build(
            "POST",
            "/notes",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=form,
        ),
    )
    assert reply["statusCode"] == 303
    location = ev.header(reply, "location")
    assert location == f"{prefix}/notes/1"

    # Follow the redirect as a browser would: the event path has no stage.
    followed = call(handler, build("GET", location.removeprefix(prefix)))
    assert followed["statusCode"] == 200
    html = ev.reply_text(followed)
    assert "<h1>Tea &amp; biscuits ☕</h1>" in html  # decoded from the form, escaped in HTML
    assert "<p>at &lt;4pm&gt;</p>" in html

    home = ev.reply_text(call(handler, build("GET", "/")))
    assert f'<a href="{prefix}/notes/1">Tea &amp; biscuits ☕</a>' in home


def test_form_post_without_title_is_400_and_stores_nothing(handler: Handler) -> None:
    reply = call(
        handler,
        ev.rest_event(
            "POST",
            "/notes",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body="title=&body=x",
        ),
    )
    assert reply["statusCode"] == 400
    assert "&#39;title&#39; is required" in ev.reply_text(reply)
    assert ev.reply_json(call(handler, ev.rest_event("GET", "/api/notes")))["count"] == 0


@pytest.mark.parametrize("kind", ["rest", "http-api", "alb"])
def test_url_for_redirect_includes_the_root_path(handler: Handler, kind: str) -> None:
    build, prefix = BUILDERS[kind]
    reply = call(handler, build("GET", "/start"))
    assert reply["statusCode"] == 302
    assert ev.header(reply, "location") == f"{prefix}/"


# --- files -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rest", "http-api"])
def test_upload_then_download_is_byte_exact(handler: Handler, kind: str) -> None:
    build, prefix = BUILDERS[kind]
    body, content_type = ev.multipart_body(
        {"description": "every byte value"},
        {"file": ("all bytes.bin", "application/octet-stream", ALL_BYTES)},
    )
    event = build(
        "POST", "/files", headers={"Content-Type": content_type}, body=body, base64_body=True
    )
    assert event["isBase64Encoded"] is True
    reply = call(handler, event)
    assert reply["statusCode"] == 201, ev.reply_text(reply)
    uploaded = ev.reply_json(reply)
    # The server hashed what it received: equal hashes mean a byte-exact upload.
    assert uploaded == {
        "id": 1,
        "filename": "all_bytes.bin",  # secure_filename replaces the space
        "size": 256,
        "sha256": hashlib.sha256(ALL_BYTES).hexdigest(),
        "description": "every byte value",
        "download_url": f"{prefix}/files/1",
    }

    reply = call(handler, build("GET", uploaded["download_url"].removeprefix(prefix)))
    assert reply["statusCode"] == 200
    assert reply["isBase64Encoded"] is True  # binary bytes can only travel base64
    assert ev.header(reply, "content-type") == "application/octet-stream"
    assert ev.header(reply, "content-disposition") == "attachment; filename=all_bytes.bin"
    assert ev.header(reply, "content-length") == "256"
    assert ev.reply_body(reply) == ALL_BYTES


def test_upload_without_file_is_400(handler: Handler) -> None:
    body, content_type = ev.multipart_body({"description": "no file"}, {})
    reply = call(
        handler,
        ev.http_api_event("POST", "/files", headers={"Content-Type": content_type}, body=body),
    )
    assert reply["statusCode"] == 400
    assert "'file'" in ev.reply_json(reply)["error"]


def test_download_unknown_file_is_404(handler: Handler) -> None:
    reply = call(handler, ev.http_api_event("GET", "/files/7"))
    assert reply["statusCode"] == 404
    assert ev.reply_json(reply) == {"error": "file 7 not found"}


# --- cookies ---------------------------------------------------------------------


def set_preferences(build: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return build(
        "POST",
        "/preferences",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="theme=dark&lang=fr",
    )


def assert_preference_cookies(lines: list[str], path: str) -> None:
    assert len(lines) == 2, lines
    cookies = ev.parse_set_cookies(lines)
    assert sorted(cookies) == ["lang", "theme"]
    assert cookies["theme"].value == "dark"
    assert cookies["lang"].value == "fr"
    for morsel in cookies.values():
        assert morsel["path"] == path  # scoped to the app's mount point
        assert morsel["max-age"] == str(ONE_YEAR)
        assert morsel["samesite"] == "Lax"


def test_two_cookies_arrive_in_the_v2_cookies_list(handler: Handler) -> None:
    reply = call(handler, set_preferences(ev.http_api_event))
    assert reply["statusCode"] == 200
    assert ev.reply_json(reply) == {"theme": "dark", "lang": "fr"}
    # Payload 2.0 returns cookies apart; none may hide in the headers.
    assert "set-cookie" not in {name.lower() for name in reply["headers"]}
    assert "multiValueHeaders" not in reply
    assert_preference_cookies(reply["cookies"], "/")

    # Sent back the way an HTTP API delivers them: in the event's cookies list.
    back = ev.http_api_event("GET", "/preferences", cookies=ev.cookie_pairs(reply["cookies"]))
    assert ev.reply_json(call(handler, back)) == {"theme": "dark", "lang": "fr"}
    # And without them the defaults apply (so the check above can fail).
    plain = call(handler, ev.http_api_event("GET", "/preferences"))
    assert ev.reply_json(plain) == {"theme": "light", "lang": "en"}


@pytest.mark.parametrize("kind", ["rest", "alb"])
def test_two_cookies_arrive_in_multi_value_headers(handler: Handler, kind: str) -> None:
    build, prefix = BUILDERS[kind]
    reply = call(handler, set_preferences(build))
    assert reply["statusCode"] == 200
    assert "cookies" not in reply
    lines = reply["multiValueHeaders"]["Set-Cookie"]
    assert_preference_cookies(lines, f"{prefix}/")

    back = build("GET", "/preferences", headers={"Cookie": "; ".join(ev.cookie_pairs(lines))})
    assert ev.reply_json(call(handler, back)) == {"theme": "dark", "lang": "fr"}


def test_invalid_preferences_set_no_cookie(handler: Handler) -> None:
    event = ev.http_api_event(
        "POST",
        "/preferences",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="theme=neon&lang=fr",
    )
    reply = call(handler, event)
    assert reply["statusCode"] == 400
    assert "cookies" not in reply


# --- session ---------------------------------------------------------------------


def session_cookie(reply: dict[str, Any]) -> str:
    cookies = ev.parse_set_cookies(ev.set_cookie_lines(reply))
    assert list(cookies) == ["session"], cookies
    morsel = cookies["session"]
    assert morsel["httponly"] is True
    assert morsel["path"] == "/"
    return f"session={morsel.value}"


def login_form() -> dict[str, Any]:
    return {
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "body": "user=ada",
    }


def test_session_round_trip_with_v2_cookies(handler: Handler) -> None:
    reply = call(handler, ev.http_api_event("POST", "/session", **login_form()))
    assert reply["statusCode"] == 200
    assert ev.reply_json(reply) == {"user": "ada"}
    cookie = session_cookie(reply)

    reply = call(handler, ev.http_api_event("GET", "/session", cookies=[cookie]))
    assert ev.reply_json(reply) == {"user": "ada", "visits": 1}
    assert ev.header(reply, "vary") == "Cookie"
    cookie = session_cookie(reply)  # the session changed, so it is sent again

    reply = call(handler, ev.http_api_event("GET", "/session", cookies=[cookie, "theme=dark"]))
    assert ev.reply_json(reply) == {"user": "ada", "visits": 2}

    # No cookie, or one whose signature does not match: no session.
    reply = call(handler, ev.http_api_event("GET", "/session"))
    assert ev.reply_json(reply) == {"user": None, "visits": 0}
    forged = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    reply = call(handler, ev.http_api_event("GET", "/session", cookies=[forged]))
    assert ev.reply_json(reply) == {"user": None, "visits": 0}


def test_session_round_trip_with_rest_cookie_header(handler: Handler) -> None:
    reply = call(handler, ev.rest_event("POST", "/session", **login_form()))
    assert reply["statusCode"] == 200
    cookie = session_cookie(reply)

    event = ev.rest_event("GET", "/session", headers={"Cookie": f"lang=fr; {cookie}"})
    reply = call(handler, event)
    assert ev.reply_json(reply) == {"user": "ada", "visits": 1}

    # The page reads the same session: it greets the user.
    page = call(handler, ev.rest_event("GET", "/", headers={"Cookie": cookie}))
    assert "Signed in as ada." in ev.reply_text(page)

    reply = call(handler, ev.rest_event("DELETE", "/session", headers={"Cookie": cookie}))
    assert reply["statusCode"] == 204
    assert reply["body"] == ""
    # Logging out expires the cookie.
    expired = ev.parse_set_cookies(ev.set_cookie_lines(reply))["session"]
    assert expired.value == ""
    assert expired["max-age"] == "0"


# --- the example as a Lambda root ------------------------------------------------------


def test_handler_imports_from_the_example_root_in_a_fresh_process() -> None:
    """What Lambda does on a cold start: import ``handler`` from the function's root."""
    script = (
        "import json, sys\n"
        "from handler import handler\n"
        "print(json.dumps(handler(json.load(sys.stdin), None)))\n"
    )
    event = ev.http_api_event("GET", "/api/notes")
    reply = run_fresh(script, event, cwd=FLASK_DIR)
    assert reply["statusCode"] == 200
    assert ev.reply_json(reply) == {"notes": [], "count": 0}
