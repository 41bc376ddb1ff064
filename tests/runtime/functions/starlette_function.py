"""A Starlette app with a lifespan through wrap(app), and an async shutdown hook."""

import contextlib
import os

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from faas_bridge import wrap


def note(text):
    with open(os.environ["SHUTDOWN_LOG"], "a") as log:
        log.write(text + "\n")


@contextlib.asynccontextmanager
async def lifespan(app):
    note("lifespan startup")
    yield {"greeting": "hi"}
    note("lifespan shutdown")


async def item(request):
    return JSONResponse({"item": request.path_params["item"], "greeting": request.state.greeting})


app = Starlette(routes=[Route("/items/{item}", item)], lifespan=lifespan)
handler = wrap(app, shutdown_timeout=0.4)


@handler.on_shutdown
async def flush_metrics():
    note("starlette shutdown hook")
