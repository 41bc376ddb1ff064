"""A context whose remaining time cannot be read: no deadline known, logged once, no escape.

AWS's context returns an int of milliseconds; anything a context passes off as
one (an int too large for a float, a getter that raises, NaN) must not turn
into an exception out of the handler, which promises only FaasBridgeError.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import wrap
from support.echo_apps import asgi_app, wsgi_app
from support.events import load_event, reply_json


def _raises() -> int:
    raise RuntimeError("the context's clock is gone")


def _huge() -> int:
    return 10**400  # float(10**400) raises OverflowError


def _nan() -> float:
    return float("nan")


def _inf() -> float:
    return float("inf")


GETTERS = {"huge": _huge, "raises": _raises, "nan": _nan, "inf": _inf}


def context(getter: Any) -> Any:
    return SimpleNamespace(aws_request_id="req-ctx", get_remaining_time_in_millis=getter)


def event(path: str = "/deadline") -> dict[str, Any]:
    sample = load_event("aws-apigw-v2/get-root.json")
    sample["rawPath"] = sample["requestContext"]["http"]["path"] = path
    return sample


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize("getter", sorted(GETTERS))
def test_an_unreadable_remaining_time_means_no_deadline_logged_once(
    interface: str, getter: str, caplog: pytest.LogCaptureFixture
) -> None:
    handler = wrap(wsgi_app if interface == "wsgi" else asgi_app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        # The first call takes the general path, the later ones the fast lane.
        replies = [handler(event(), context(GETTERS[getter])) for _ in range(3)]
    for reply in replies:
        assert reply["statusCode"] == 200
        seen = reply_json(reply)
        assert seen.get("path_info", seen.get("path")) == "/deadline"
    warnings = [r for r in caplog.records if "remaining time" in r.getMessage()]
    # inf is a readable value (no deadline): nothing to warn about.
    assert len(warnings) == (0 if getter == "inf" else 1), [r.getMessage() for r in warnings]
    if warnings:
        assert "req-ctx" in warnings[0].getMessage()


def test_a_readable_deadline_still_cancels_after_an_unreadable_one() -> None:
    """Logging once must not switch deadlines off for the contexts that have one."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def slow(request: Any) -> PlainTextResponse:
        await asyncio.sleep(float(request.query_params["s"]))
        return PlainTextResponse("done")

    handler = wrap(Starlette(routes=[Route("/deadline", slow)]), deadline_margin=0.1)
    quick = event()
    quick["rawQueryString"] = "s=0"
    assert handler(quick, context(_huge))["statusCode"] == 200
    assert handler(quick, context(_raises))["statusCode"] == 200
    stuck = event()
    stuck["rawQueryString"] = "s=5"
    # 0.3 s left with a 0.1 s margin: cancelled after about 0.2 s, not 5.
    assert handler(stuck, context(lambda: 300))["statusCode"] == 504
