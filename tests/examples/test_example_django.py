"""The Django example (examples/django_app) run through faas_bridge with AWS events.

Most tests run twice: through ``handler.py`` (Django's WSGI application) and
through ``handler_asgi.py`` (its ASGI application). Django is set up once for
this module, on a throwaway SQLite database migrated here.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import pytest

from support import helpers_events as ev

DJANGO_DIR = ev.EXAMPLES_DIR / "django_app"
SETTINGS = "mysite.settings"
V2_HOST = "h2t4p8v0zq.execute-api.eu-west-1.amazonaws.com"
STAGE = "/" + ev.REST_STAGE
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_TYPE = {"Content-Type": "application/json"}
TOKEN_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">')

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """Django configured from the example's settings, on a fresh migrated database."""
    database = tmp_path_factory.mktemp("django_example") / "notes.sqlite3"
    with (
        pytest.MonkeyPatch.context() as mp,
        ev.example_on_path(DJANGO_DIR, ("handler", "handler_asgi")),
    ):
        mp.setenv("DJANGO_SETTINGS_MODULE", SETTINGS)
        mp.setenv("DJANGO_SQLITE_PATH", str(database))
        mp.setenv("DJANGO_MIGRATE_ON_STARTUP", "0")  # migrated explicitly below
        for name in (
            "DJANGO_DEBUG",
            "DJANGO_ALLOWED_HOSTS",
            "DJANGO_CSRF_TRUSTED_ORIGINS",
            "DJANGO_SECURE_COOKIES",
        ):
            mp.delenv(name, raising=False)

        import django
        from django.conf import settings

        if settings.configured and settings.SETTINGS_MODULE != SETTINGS:
            pytest.fail(
                f"Django was already configured in this process ({settings.SETTINGS_MODULE!r}); "
                "the example project needs its own settings: run this module on its own"
            )
        django.setup()
        assert settings.DATABASES["default"]["NAME"] == str(database)
        assert settings.DEBUG is False

        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)

        wsgi = importlib.import_module("handler")
        asgi = importlib.import_module("handler_asgi")
        assert ev.module_file(wsgi) == DJANGO_DIR / "handler.py"
        assert ev.module_file(asgi) == DJANGO_DIR / "handler_asgi.py"

        from notes.models import Note

        yield SimpleNamespace(wsgi=wsgi.handler, asgi=asgi.handler, Note=Note)


@pytest.fixture
def note_model(example: SimpleNamespace) -> Any:
    """The Note model, its table emptied for the test."""
    example.Note.objects.all().delete()
    return example.Note


@pytest.fixture(params=["wsgi", "asgi"])
def handler(request: pytest.FixtureRequest, example: SimpleNamespace, note_model: Any) -> Handler:
    return getattr(example, request.param)


def call(handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
    reply = handler(event, None)
    assert isinstance(reply["statusCode"], int)
    return reply


def test_handlers_bridge_the_right_interface(example: SimpleNamespace) -> None:
    from django.core.handlers.asgi import ASGIHandler
    from django.core.handlers.wsgi import WSGIHandler

    assert example.wsgi.interface == "wsgi"
    assert isinstance(example.wsgi.app, WSGIHandler)
    assert example.asgi.interface == "asgi"
    assert isinstance(example.asgi.app, ASGIHandler)


# --- JSON endpoint -------------------------------------------------------------------


def test_json_list_and_create(handler: Handler, note_model: Any) -> None:
    reply = call(handler, ev.http_api_event("GET", "/api/notes/"))
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"] == "application/json"
    assert reply["isBase64Encoded"] is False
    assert ev.reply_json(reply) == {"notes": [], "count": 0}

    body = json.dumps({"title": "Ship it ✓", "body": "on Friday"})
    reply = call(handler, ev.http_api_event("POST", "/api/notes/", headers=JSON_TYPE, body=body))
    assert reply["statusCode"] == 201, ev.reply_text(reply)
    created = ev.reply_json(reply)
    stored = note_model.objects.get()  # exactly one row, written through the handler
    assert stored.title == "Ship it ✓"
    assert stored.body == "on Friday"
    assert created["id"] == stored.pk
    assert created["title"] == "Ship it ✓"
    assert ev.header(reply, "location") == f"https://{V2_HOST}/api/notes/{stored.pk}/"

    reply = call(handler, ev.http_api_event("GET", f"/api/notes/{stored.pk}/"))
    assert reply["statusCode"] == 200
    assert ev.reply_json(reply) == created

    reply = call(handler, ev.http_api_event("GET", "/api/notes/"))
    assert ev.reply_json(reply) == {"notes": [created], "count": 1}


def test_json_create_on_rest_stage_links_include_the_stage(
    handler: Handler, note_model: Any
) -> None:
    body = json.dumps({"title": "staged"})
    reply = call(handler, ev.rest_event("POST", "/api/notes/", headers=JSON_TYPE, body=body))
    assert reply["statusCode"] == 201
    pk = note_model.objects.get(title="staged").pk
    assert reply["multiValueHeaders"]["Location"] == [
        f"https://{ev.rest_host()}{STAGE}/api/notes/{pk}/"
    ]


@pytest.mark.parametrize(
    ("headers", "body", "status", "error"),
    [
        (JSON_TYPE, '{"title": ""}', 400, "invalid note"),
        (JSON_TYPE, '{"body": "no title"}', 400, "invalid note"),
        (JSON_TYPE, json.dumps({"title": "x" * 201}), 400, "invalid note"),
        (JSON_TYPE, '{"title": 7}', 400, "must be strings"),
        (JSON_TYPE, '["a list"]', 400, "expected a JSON object"),
        (JSON_TYPE, "{nope", 400, "invalid JSON"),
        (FORM_TYPE, "title=form", 415, "application/json"),
    ],
)
def test_json_create_rejects_bad_input(
    handler: Handler,
    note_model: Any,
    headers: dict[str, str],
    body: str,
    status: int,
    error: str,
) -> None:
    reply = call(handler, ev.http_api_event("POST", "/api/notes/", headers=headers, body=body))
    assert reply["statusCode"] == status
    assert error in ev.reply_json(reply)["error"]
    assert note_model.objects.count() == 0


def test_json_unknown_note_is_404(handler: Handler) -> None:
    reply = call(handler, ev.http_api_event("GET", "/api/notes/424242/"))
    assert reply["statusCode"] == 404
    assert ev.reply_json(reply) == {"error": "note 424242 not found"}


# --- CSRF-protected form ----------------------------------------------------------------


def get_form(handler: Handler) -> tuple[str, str]:
    """GET the form: (csrftoken cookie as ``name=value``, token from the HTML)."""
    reply = call(handler, ev.rest_event("GET", "/notes/new/"))
    assert reply["statusCode"] == 200
    page = ev.reply_text(reply)
    assert f'<form method="post" action="{STAGE}/notes/new/">' in page
    match = TOKEN_INPUT.search(page)
    assert match is not None, page
    cookies = ev.parse_set_cookies(reply["multiValueHeaders"]["Set-Cookie"])
    assert list(cookies) == ["csrftoken"]
    csrf = cookies["csrftoken"]
    assert csrf["secure"] is True  # DEBUG is off: HTTPS-only cookie
    assert csrf["samesite"] == "Lax"
    # The page's token is masked: never the cookie's secret itself.
    assert match.group(1) != csrf.value
    return f"csrftoken={csrf.value}", html.unescape(match.group(1))


def post_form(
    handler: Handler,
    fields: dict[str, str],
    *,
    cookie: str | None,
    origin: str | None = "same",
) -> dict[str, Any]:
    headers = dict(FORM_TYPE)
    if origin is not None:
        # Browsers send Origin on a POST; over HTTPS Django checks it.
        headers["Origin"] = f"https://{ev.rest_host()}" if origin == "same" else origin
    if cookie is not None:
        headers["Cookie"] = cookie
    return call(
        handler, ev.rest_event("POST", "/notes/new/", headers=headers, body=ev.form_body(fields))
    )


def test_csrf_form_post_with_token_redirects(handler: Handler, note_model: Any) -> None:
    cookie, token = get_form(handler)
    fields = {"csrfmiddlewaretoken": token, "title": "From the form", "body": "line 1\nline 2"}
    reply = post_form(handler, fields, cookie=cookie)
    assert reply["statusCode"] == 302, ev.reply_text(reply)
    note = note_model.objects.get()
    assert (note.title, note.body) == ("From the form", "line 1\nline 2")
    location = ev.header(reply, "location")
    assert location == f"{STAGE}/notes/{note.pk}/"

    page = call(handler, ev.rest_event("GET", location.removeprefix(STAGE)))
    assert page["statusCode"] == 200
    text = ev.reply_text(page)
    assert "<h1>From the form</h1>" in text
    assert "line 1<br>line 2" in text


@pytest.mark.parametrize(
    ("send_cookie", "token", "origin", "reason"),
    [
        pytest.param(False, None, "same", "CSRF cookie not set", id="no-cookie-no-token"),
        pytest.param(True, None, "same", "CSRF token missing", id="cookie-no-token"),
        pytest.param(False, "page", "same", "CSRF cookie not set", id="token-no-cookie"),
        pytest.param(True, "reversed", "same", "CSRF token from POST incorrect", id="bad-token"),
        pytest.param(
            True,
            "page",
            "https://evil.example",
            "https://evil.example does not match any trusted origins",
            id="foreign-origin",
        ),
        pytest.param(True, "page", None, "Referer checking failed - no Referer", id="no-origin"),
    ],
)
def test_csrf_form_post_without_valid_token_is_403(
    handler: Handler,
    note_model: Any,
    send_cookie: bool,
    token: str | None,
    origin: str | None,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cookie, page_token = get_form(handler)
    fields = {"title": "should not be saved"}
    if token == "page":
        fields["csrfmiddlewaretoken"] = page_token
    elif token == "reversed":
        fields["csrfmiddlewaretoken"] = page_token[::-1]

    with caplog.at_level("WARNING", logger="django.security.csrf"):
        reply = post_form(handler, fields, cookie=cookie if send_cookie else None, origin=origin)
    assert reply["statusCode"] == 403
    assert "CSRF verification failed" in ev.reply_text(reply)
    assert note_model.objects.count() == 0
    # Django logs why it refused: the refusal is for the reason under test.
    assert any(reason in record.getMessage() for record in caplog.records), caplog.text


# --- admin and redirects under the stage --------------------------------------------------


def test_admin_redirects_to_login_under_the_stage(handler: Handler) -> None:
    reply = call(handler, ev.rest_event("GET", "/admin/"))
    assert reply["statusCode"] == 302
    location = ev.header(reply, "location")
    assert location == "/prod/admin/login/?next=/prod/admin/"

    path, _, query = location.partition("?")
    login = call(
        handler,
        ev.rest_event(
            "GET", path.removeprefix(STAGE), query={"next": [query.removeprefix("next=")]}
        ),
    )
    assert login["statusCode"] == 200
    page = ev.reply_text(login)
    assert "Log in | Django site admin" in page
    # The form posts back to itself under the stage, keeping ``next``. (A REST
    # event has no raw query string, so it is re-encoded: compare decoded.)
    action = re.search(r'<form action="([^"]+)" method="post" id="login-form">', page)
    assert action is not None, page
    action_path, _, action_query = html.unescape(action.group(1)).partition("?")
    assert action_path == "/prod/admin/login/"
    assert parse_qs(action_query) == {"next": ["/prod/admin/"]}
    assert 'name="csrfmiddlewaretoken"' in page


def test_admin_redirect_on_default_stage_has_no_prefix(handler: Handler) -> None:
    reply = call(handler, ev.http_api_event("GET", "/admin/"))
    assert reply["statusCode"] == 302
    assert ev.header(reply, "location") == "/admin/login/?next=/admin/"


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        ("/notes", 301, "/prod/notes/"),  # APPEND_SLASH
        ("/", 302, "/prod/notes/"),  # RedirectView by URL name
    ],
)
def test_django_redirects_keep_the_stage(
    handler: Handler, path: str, status: int, location: str
) -> None:
    reply = call(handler, ev.rest_event("GET", path))
    assert reply["statusCode"] == status
    assert ev.header(reply, "location") == location


# --- request_finished -----------------------------------------------------------------------


def test_request_finished_fires_once_per_request(handler: Handler) -> None:
    from django.core.signals import request_finished

    senders: list[str] = []

    def receiver(sender: type, **kwargs: Any) -> None:
        senders.append(sender.__name__)

    expected_sender = "WSGIHandler" if handler.interface == "wsgi" else "ASGIHandler"
    request_finished.connect(receiver, weak=False)
    try:
        events = [
            ev.http_api_event("GET", "/api/notes/"),
            ev.http_api_event("POST", "/api/notes/", headers=JSON_TYPE, body='{"title": "t"}'),
            ev.http_api_event("GET", "/api/notes/0/"),
            ev.rest_event("GET", "/admin/"),
        ]
        for count, event in enumerate(events, start=1):
            call(handler, event)
            assert senders == [expected_sender] * count
    finally:
        request_finished.disconnect(receiver)


# --- the example as a Lambda root --------------------------------------------------------------


@pytest.mark.parametrize("module", ["handler", "handler_asgi"])
def test_cold_start_in_a_fresh_process_migrates_tmp_database(module: str, tmp_path: Path) -> None:
    """A cold start: import the handler from the root, /tmp database empty."""
    script = (
        "import json, sys\n"
        f"from {module} import handler\n"
        "for line in sys.stdin:\n"
        "    print(json.dumps(handler(json.loads(line), None)))\n"
    )
    events = [
        ev.http_api_event("POST", "/api/notes/", headers=JSON_TYPE, body='{"title": "cold"}'),
        ev.http_api_event("GET", "/api/notes/"),
    ]
    database = tmp_path / "fresh.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SQLITE_PATH": str(database),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=DJANGO_DIR,
        env=env,
        input="".join(json.dumps(e) + "\n" for e in events),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    created, listing = (json.loads(line) for line in done.stdout.splitlines())
    assert created["statusCode"] == 201, created
    assert ev.reply_json(listing)["count"] == 1
    assert database.exists()
