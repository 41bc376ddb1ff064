"""Starlette hello."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import BINARY, HELLO


async def hello(request: Request) -> Response:
    return PlainTextResponse(HELLO)


async def items(request: Request) -> Response:
    return JSONResponse({"received": len(await request.body())})


async def cookies(request: Request) -> Response:
    response = PlainTextResponse(HELLO)
    response.set_cookie("session", "abc123", httponly=True)
    response.set_cookie("theme", "dark")
    return response


async def binary(request: Request) -> Response:
    return Response(BINARY, media_type="application/octet-stream")


app = Starlette(
    routes=[
        Route("/hello", hello),
        Route("/items", items, methods=["POST"]),
        Route("/cookies", cookies),
        Route("/binary", binary),
    ]
)
