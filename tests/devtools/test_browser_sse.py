"""A real browser's EventSource receives server-sent events through ``faas-bridge serve --stream``.

Headless Chromium, driven by selenium through chromedriver, opens the
Starlette app's ``/page`` (tests/runtime/functions/stream_apps_function.py),
whose script reads ``/sse`` with ``new EventSource`` and notes, with
``performance.now()``, when each event reaches the page. The app writes its
events ``GAP`` seconds apart. Under ``--stream`` the gateway (a Function URL in
``RESPONSE_STREAM`` mode, or a REST API with response streaming) writes each
one chunked as it is made, so the browser has the first one at once and the
others ``GAP`` apart; without ``--stream`` (a buffered Function URL) the reply
comes whole, and the browser gets every event together, after the last one
was made.

Chromium and chromedriver are Debian's (``apt-get install chromium
chromium-driver``); without them the tests skip, unless
``FAAS_BRIDGE_REQUIRE_TOOLS=1`` (CI), where they fail.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest

from support.stream_client import Server, start_server

GAP = 0.3
COUNT = 4
DATA = [f"event {n}" for n in range(1, COUNT + 1)]
INSTALL = "apt-get install chromium chromium-driver"


def _missing(message: str) -> NoReturn:
    """A skip saying what is missing, or a failure when CI requires the tools."""
    if os.environ.get("FAAS_BRIDGE_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; FAAS_BRIDGE_REQUIRE_TOOLS=1 requires it")
    pytest.skip(message + "; CI sets FAAS_BRIDGE_REQUIRE_TOOLS=1 and requires it")


def _tool(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path is not None:
            return path
    _missing(f"no {names[0]} ({INSTALL})")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium, offline: no sandbox as root, nothing fetched at start."""
    chromium = _tool("chromium", "chromium-browser")
    chromedriver = _tool("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing('no selenium (pip install -e ".[dev]")')
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    # With both paths given, selenium's manager looks nothing up on the network.
    driver = webdriver.Chrome(options=options, service=Service(chromedriver, log_output=str(log)))
    try:
        driver.set_page_load_timeout(20)
        yield driver
    finally:
        driver.quit()  # stops chromedriver, which it started by its pid, and the browser


@contextmanager
def serve(tmp_path: Path, platform: str, *flags: str) -> Iterator[Server]:
    def command(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "faas_bridge", "serve", "stream_apps_function:starlette_app"),
            *("--platform", platform, "--port", str(port), *flags),
        ]

    env = {"GAP": str(GAP), "TASK_LOG": str(tmp_path / "task.log")}
    running = start_server(command, tmp_path, env, "gateway")
    try:
        yield running
    finally:
        running.stop()


def arrivals(browser: Any, url: str) -> tuple[list[float], float | None]:
    """Open the page; once it has every event: when each arrived, in s since EventSource began.

    Also checks what the page shows: each event's data in its list, no
    connection error on the way.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 15, poll_frequency=0.05).until(
        lambda driver: driver.execute_script("return window.done === true")
    )
    seen = browser.execute_script(
        "return {arrivals: window.arrivals, opened: window.opened, errors: window.errors}"
    )
    assert seen["errors"] == 0, seen
    assert [data for _, data in seen["arrivals"]] == DATA, seen
    shown = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#events li")]
    assert shown == DATA
    opened = seen["opened"] / 1000 if seen["opened"] is not None else None
    return [at / 1000 for at, _ in seen["arrivals"]], opened


@pytest.mark.parametrize(
    ("platform", "page"),
    [
        ("aws-function-url", "/page"),
        # A REST API's URLs start with its stage; the page's relative "sse" follows.
        ("aws-apigw-v1", "/prod/page"),
    ],
)
def test_under_stream_the_page_shows_each_event_when_made(
    browser: Any, tmp_path: Path, platform: str, page: str
) -> None:
    with serve(tmp_path, platform, "--stream") as gateway:
        times, opened = arrivals(browser, f"http://127.0.0.1:{gateway.port}{page}")
    print(platform, "--stream: opened", opened, "events at", times)
    # The first event is made at once: the page has it long before the app
    # makes the next one; each later one GAP after the one before.
    assert times[0] < GAP / 2, times
    assert opened is not None and opened <= times[0], (opened, times)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(GAP * 0.6 < gap < GAP * 2 for gap in gaps), times
    assert times[-1] - times[0] > (COUNT - 1) * GAP * 0.9, times


def test_without_stream_the_events_arrive_together(browser: Any, tmp_path: Path) -> None:
    with serve(tmp_path, "aws-function-url") as gateway:
        times, opened = arrivals(browser, f"http://127.0.0.1:{gateway.port}/page")
    print("function url, buffered: opened", opened, "events at", times)
    # Nothing before the app made its last event; then all of them at once.
    assert times[0] > (COUNT - 1) * GAP * 0.9, times
    assert times[-1] - times[0] < GAP / 2, times
