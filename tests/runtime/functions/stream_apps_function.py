"""A Starlette app and a Flask app wrapped with response_stream=True, for the streaming tests.

``GAP`` (seconds, from the environment) spaces the events the streaming
endpoints produce; ``TASK_LOG`` names a file where the background task and the
requests after it write one line each, so a test can read their order.
"""

import asyncio
import os
import time

from flask import Flask, Response, stream_with_context
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route

from faas_bridge import wrap

GAP = float(os.environ.get("GAP", "0.2"))


def note(text):
    with open(os.environ["TASK_LOG"], "a") as log:
        log.write(f"{text} {time.time():.3f}\n")


# -- Starlette ---------------------------------------------------------------------


async def sse(request: Request) -> StreamingResponse:
    count = int(request.query_params.get("count", "4"))
    fail_after = int(request.query_params.get("fail_after", "0"))

    async def events():
        for n in range(1, count + 1):
            if n > 1:
                await asyncio.sleep(GAP)
            if fail_after and n > fail_after:
                raise LookupError("the feed ended early")
            yield f"data: event {n}\n\n"

    response = StreamingResponse(events(), media_type="text/event-stream")
    response.headers.append("x-feed", "a")
    response.headers.append("x-feed", "b")
    response.headers.append("set-cookie", "seen=1; Path=/")
    response.headers.append("set-cookie", "feed=news; Path=/")
    return response


async def broken(request: Request) -> PlainTextResponse:
    raise PermissionError("no feed for you")


async def accepted(request: Request) -> PlainTextResponse:
    async def task() -> None:
        await asyncio.sleep(1.0)
        note("task done")

    note("accepted")
    return PlainTextResponse("accepted", background=BackgroundTask(task))


async def oversized(request: Request) -> PlainTextResponse:
    """A whole reply over Lambda's 6 MB, with work after it that must still run."""

    async def task() -> None:
        note("oversized task done")

    return PlainTextResponse("x" * 7_000_000, background=BackgroundTask(task))


async def after(request: Request) -> PlainTextResponse:
    note("next request")
    return PlainTextResponse("next")


#: A browser page reading /sse (relative, so it also works below a REST stage)
#: with EventSource; each event's arrival, in ms since the EventSource was made,
#: goes to window.arrivals and its data into the list (tests/devtools/test_browser_sse.py).
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>events</title></head>
<body><ol id="events"></ol>
<script>
const count = Number(new URLSearchParams(location.search).get("count") || "4");
window.arrivals = [];
window.opened = null;
window.errors = 0;
window.done = false;
const began = performance.now();
const source = new EventSource("sse?count=" + count);
source.onopen = () => { window.opened = performance.now() - began; };
source.onerror = () => { window.errors += 1; };
source.onmessage = (event) => {
  window.arrivals.push([performance.now() - began, event.data]);
  const item = document.createElement("li");
  item.textContent = event.data;
  document.getElementById("events").append(item);
  if (window.arrivals.length === count) {
    source.close();  // or EventSource reconnects when the stream ends
    window.done = true;
  }
};
</script></body></html>
"""


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


starlette_app = Starlette(
    routes=[
        Route("/sse", sse),
        Route("/broken", broken),
        Route("/accepted", accepted),
        Route("/oversized", oversized),
        Route("/after", after),
        Route("/page", page),
    ]
)
starlette_handler = wrap(starlette_app, response_stream=True)
#: The same app without the option: a Function URL in BUFFERED mode.
starlette_buffered = wrap(starlette_app)


# -- Flask -------------------------------------------------------------------------

flask_app = Flask(__name__)


@flask_app.get("/generator")
def generator():
    from flask import request

    count = int(request.args.get("count", "4"))
    fail_after = int(request.args.get("fail_after", "-1"))

    def events():
        for n in range(1, count + 1):
            if n > 1:
                time.sleep(GAP)
            if n > fail_after >= 0:
                raise LookupError("the feed ended early")
            yield f"data: event {n}\n\n"

    return Response(stream_with_context(events()), mimetype="text/event-stream")


flask_handler = wrap(flask_app, response_stream=True)
