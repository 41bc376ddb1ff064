"""``faas-bridge serve`` with a faas.yml: the functions of a split monolith, and a legacy server.

A two-function faas.yml is served with ``--legacy`` pointing at an old server
running on 127.0.0.1 (in this process): every request must reach the function
that owns its route (the log names it), and every request no function owns
must reach the old server, answered as the old server answers it directly.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from support import faasyml_apps as apps
from support.cli_servers import REPO, Gateway, command_env, start_all, stop_all

FAAS_YML = """\
app: support.faasyml_apps:web_app
functions:
  web:
    routes: [/, /web/*, "GET /shared/{id}"]
    triggers:
      - type: aws.events.scheduled
        route: POST /web/jobs/nightly
  api:
    app: support.faasyml_apps:api_app
    routes: ["/api/*", "POST /shared/{id}"]
"""


class Legacy(BaseHTTPRequestHandler):
    """The old monolith: answers every request with what it received, as JSON."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        seen = {
            "app": "legacy",
            "method": self.command,
            "target": self.path,
            "body": body,
            "host": self.headers.get("Host"),
            # Every line of each, joined: a proxy that adds to the client's shows twice.
            "forwarded_host": ",".join(self.headers.get_all("X-Forwarded-Host") or []) or None,
            "forwarded_proto": ",".join(self.headers.get_all("X-Forwarded-Proto") or []) or None,
            "forwarded_prefix": ",".join(self.headers.get_all("X-Forwarded-Prefix") or []) or None,
            "forwarded_for": ",".join(self.headers.get_all("X-Forwarded-For") or []) or None,
            "cookie": self.headers.get("Cookie"),
        }
        data = json.dumps(seen).encode()
        status = 404 if self.path.startswith("/missing") else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Set-Cookie", "legacy=1; Path=/")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def legacy() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Legacy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def gateway(legacy: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    project = tmp_path_factory.mktemp("split")
    (project / "faas.yml").write_text(FAAS_YML)
    served = Gateway("split", ["--legacy", legacy], cwd=project, env=command_env())
    start_all([served], [], project)
    yield served
    stop_all([served])


def request(
    base: str, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, target, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def direct(app: Any, method: str, target: str, body: bytes = b"") -> dict[str, Any]:
    """What the app answers when called directly (werkzeug's test client), as JSON."""
    apps.DELIVERED.clear()
    response = app.test_client().open(target, method=method, data=body)
    return dict(json.loads(response.get_data()))


def same_view(seen: dict[str, Any]) -> dict[str, Any]:
    return {k: seen[k] for k in ("app", "method", "path", "json", "trigger")}


@pytest.mark.parametrize(
    ("method", "target", "owner"),
    [
        ("GET", "/", "web"),
        ("GET", "/web/page", "web"),
        ("POST", "/web/form", "web"),
        ("GET", "/api/notes", "api"),
        ("PUT", "/api/notes/7", "api"),
        ("GET", "/shared/3", "web"),  # one path, two functions: by method
        ("POST", "/shared/3", "api"),
    ],
)
def test_each_request_reaches_the_function_owning_it(
    gateway: Gateway, method: str, target: str, owner: str
) -> None:
    body = b'{"n": 1}' if method in ("POST", "PUT") else b""
    headers = {"Content-Type": "application/json"} if body else {}
    status, _, data = request(gateway.base, method, target, body, headers)
    assert status == 200
    app = apps.web_app if owner == "web" else apps.api_app
    assert same_view(json.loads(data)) == same_view(direct(app, method, target, body))
    line = rf"{method} {re.escape(target)} -> 200 \([\d.]+ ms, (cold|warm), aws-apigw-v2, "
    assert re.search(line + rf"function {owner}\)", gateway.stdout())


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "/old/page?x=1&x=2", b""),
        ("POST", "/old/form", b"a=1&b=%20"),
        ("GET", "/missing/page", b""),  # the old server's 404 passes through
        ("GET", "/apiary", b""),  # /api/* ends at a segment boundary
        ("DELETE", "/shared/3", b""),  # web has GET, api POST: nobody DELETE
    ],
)
def test_requests_no_function_owns_reach_the_legacy_server(
    gateway: Gateway, legacy: str, method: str, target: str, body: bytes
) -> None:
    headers = {"Cookie": "session=abc"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    via_status, via_headers, via_data = request(gateway.base, method, target, body, headers)
    status, direct_headers, data = request(legacy, method, target, body, headers)
    assert via_status == status
    assert via_headers["set-cookie"] == direct_headers["set-cookie"] == "legacy=1; Path=/"
    through, straight = json.loads(via_data), json.loads(data)
    for key in ("app", "method", "target", "body", "cookie"):
        assert through[key] == straight[key], key
    assert through["host"] == legacy.removeprefix("http://")  # as a reverse proxy sends it
    assert through["forwarded_host"] == gateway.base.removeprefix("http://")
    assert through["forwarded_proto"] == "http"
    assert through["forwarded_for"] == "127.0.0.1"
    assert through["forwarded_prefix"] is None  # the app is mounted at /
    line = rf"{method} {re.escape(target)} -> {status} \([\d.]+ ms, legacy server {legacy}\)"
    assert re.search(line, gateway.stdout())


def test_the_legacy_server_is_told_what_the_client_used_never_what_it_claims(
    gateway: Gateway,
) -> None:
    """X-Forwarded-Host/-Proto are set, not added to; the client's For chain comes first."""
    forged = {
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/elsewhere",
        "X-Forwarded-For": "203.0.113.9",
    }
    status, _, data = request(gateway.base, "GET", "/old/page", headers=forged)
    seen = json.loads(data)
    assert status == 200
    assert seen["forwarded_host"] == gateway.base.removeprefix("http://")
    assert seen["forwarded_proto"] == "http"
    assert seen["forwarded_prefix"] is None
    assert seen["forwarded_for"] == "203.0.113.9, 127.0.0.1"  # one line, the peer last


def test_the_legacy_server_gets_the_url_without_the_emulated_stage(
    legacy: str, tmp_path: Path
) -> None:
    """A REST stage is the gateway's: the old server received /old/page before, not /prod/..."""
    (tmp_path / "faas.yml").write_text(FAAS_YML)
    args = ["--platform", "aws-apigw-v1", "--stage", "prod", "--legacy", legacy]
    served = Gateway("stage", args, cwd=tmp_path, env=command_env())
    start_all([served], [], tmp_path)
    try:
        old = request(served.base, "GET", "/prod/old/page?x=1")
        owned = request(served.base, "GET", "/prod/api/notes")
    finally:
        stop_all([served])
    seen = json.loads(old[2])
    assert (old[0], seen["target"], seen["forwarded_prefix"]) == (200, "/old/page?x=1", "/prod")
    assert owned[0] == 200 and json.loads(owned[2])["app"] != "legacy"


def test_a_trigger_route_is_not_served_over_http(gateway: Gateway) -> None:
    status, _, data = request(gateway.base, "POST", "/web/jobs/nightly", b"{}")
    assert status == 404
    assert data == b"Not Found: web does not serve POST /web/jobs/nightly"


def test_the_banner_lists_the_functions(gateway: Gateway, legacy: str) -> None:
    banner = gateway.stderr()
    assert (
        "  function   web: support.faasyml_apps:web_app (Flask, WSGI): "
        "/, /web/*, GET /shared/{id}; "
        "triggers aws.events.scheduled"
    ) in banner
    api = "  function   api: support.faasyml_apps:api_app (Flask, WSGI): /api/*, POST /shared/{id}"
    assert api in banner
    assert f"  legacy     {legacy} answers the requests no function serves" in banner


def test_without_legacy_an_unowned_route_is_a_404(tmp_path: Path) -> None:
    (tmp_path / "faas.yml").write_text(FAAS_YML)
    served = Gateway("nolegacy", [], cwd=tmp_path, env=command_env())
    start_all([served], [], tmp_path)
    try:
        status, _, _ = request(served.base, "GET", "/old/page")
        assert status == 404
        status, _, _ = request(served.base, "GET", "/api/x")
        assert status == 200
    finally:
        stop_all([served])
    assert re.search(
        r"GET /old/page -> 404 \([\d.]+ ms, not invoked, aws-apigw-v2\): no function of "
        r"faas.yml serves GET /old/page",
        served.stdout(),
    )


def test_a_legacy_server_that_is_down_is_a_502(tmp_path: Path) -> None:
    (tmp_path / "faas.yml").write_text(FAAS_YML)
    served = Gateway("down", ["--legacy", "http://127.0.0.1:9"], cwd=tmp_path, env=command_env())
    start_all([served], [], tmp_path)
    try:
        status, _, _ = request(served.base, "GET", "/old/page")
    finally:
        stop_all([served])
    assert status == 502
    assert "the legacy server http://127.0.0.1:9 did not answer" in served.stdout()


def test_the_django_example_splits_as_its_readme_says(legacy: str, tmp_path: Path) -> None:
    env = command_env(DJANGO_SQLITE_PATH=str(tmp_path / "notes.sqlite3"))
    served = Gateway("django", ["--legacy", legacy], cwd=REPO / "examples" / "django_app", env=env)
    start_all([served], [], tmp_path)
    try:
        api = request(served.base, "GET", "/api/notes/")
        page = request(served.base, "GET", "/notes/")
        old = request(served.base, "GET", "/reports/2023/")
        job = request(served.base, "POST", "/internal/jobs/nightly/", b"{}")
    finally:
        stop_all([served])
    assert (api[0], json.loads(api[2])) == (200, {"notes": [], "count": 0})
    assert page[0] == 200 and b"<html" in page[2].lower()
    assert json.loads(old[2])["app"] == "legacy"
    # No function serves the nightly job's route over HTTP: like any unowned URL it
    # goes to the old server, never to the job's view.
    assert json.loads(job[2])["app"] == "legacy"
    log = served.stdout()
    assert re.search(r"GET /api/notes/ -> 200 \(.*function api\)", log)
    assert re.search(r"GET /notes/ -> 200 \(.*function web\)", log)
    assert re.search(r"GET /reports/2023/ -> 200 \(.*legacy server", log)


def test_the_django_examples_admin_is_styled_through_the_function(tmp_path: Path) -> None:
    """The admin's CSS is served by the web function (WhiteNoise), at / and below a REST stage."""
    import django

    css = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "css"
    cwd = REPO / "examples" / "django_app"
    gateways = {
        prefix: Gateway(
            f"django-{name}",
            args,
            cwd=cwd,
            env=command_env(DJANGO_SQLITE_PATH=str(tmp_path / f"{name}.sqlite3")),
        )
        for prefix, name, args in [
            ("", "root", []),
            ("/prod", "rest", ["--platform", "aws-apigw-v1"]),
        ]
    }
    start_all(gateways.values(), [], tmp_path)
    try:
        for prefix, served in gateways.items():
            status, _, page = request(served.base, "GET", f"{prefix}/admin/login/")
            assert status == 200
            link = f'href="{prefix}/static/admin/css/base.css"'
            assert link in page.decode()
            status, headers, body = request(
                served.base, "GET", f"{prefix}/static/admin/css/base.css"
            )
            assert (status, headers["content-type"]) == (200, 'text/css; charset="utf-8"')
            assert body == (css / "base.css").read_bytes()
            log = served.stdout()
            assert re.search(r"GET /\S*static/admin/css/base.css -> 200 \(.*function web\)", log)
    finally:
        stop_all(gateways.values())


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:21", "127.0.0.1:8000", "http://h:1/?q=1"])
def test_legacy_must_be_a_base_url(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from faas_bridge.devtools import cli

    assert cli.main(["serve", "--port", "0", "--legacy", url]) == 2
    assert capsys.readouterr().err.strip() == (
        f"faas-bridge: error: --legacy {url!r} is not a base URL; give one such as "
        "http://127.0.0.1:8000"
    )
