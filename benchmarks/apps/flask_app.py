"""Flask hello."""

from __future__ import annotations

from flask import Flask, Response, request

from . import BINARY, HELLO

app = Flask(__name__)


@app.get("/hello")
def hello() -> Response:
    return Response(HELLO, mimetype="text/plain")


@app.post("/items")
def items() -> dict[str, int]:
    return {"received": len(request.get_data())}


@app.get("/cookies")
def cookies() -> Response:
    response = Response(HELLO, mimetype="text/plain")
    response.set_cookie("session", "abc123", httponly=True)
    response.set_cookie("theme", "dark")
    return response


@app.get("/binary")
def binary() -> Response:
    return Response(BINARY, mimetype="application/octet-stream")
