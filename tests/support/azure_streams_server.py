"""The Azure Python worker's HTTP streams server, for the streaming tests (127.0.0.1, a port).

``python azure_streams_server.py PORT`` serves two function apps made by
``faas_bridge.azure.function_app(..., response_stream=True)``: the Starlette
and Flask apps of tests/runtime/functions/stream_apps_function.py. The web
server is the extension's own (``azurefunctions.extensions.http.fastapi``:
``WebApp`` routes every path to one catch-all, ``WebServer`` runs it on
uvicorn), as the worker starts it, with the request type and synchronizer
the worker takes from the extension base. What the worker itself does between the
host's invocation and that server is played by ``catch_all``, after the
worker's http_v2 module: it takes the request, copies the invocation's route
parameters into it with the extension's ``RequestSynchronizer``, calls the
registered function with it and a context, and returns the function's
response to the server. The route parameter is what the host would send for
the catch-all route ``{*route}``: the path after the ``api`` prefix.
"""

import asyncio
import sys

from azurefunctions.extensions.base import RequestTrackerMeta
from azurefunctions.extensions.http.fastapi import WebApp, WebServer
from stream_apps_function import flask_app, starlette_app

from faas_bridge.azure import function_app


class Context:
    """What the worker passes as ``context`` (the fields the handler reads)."""

    def __init__(self, invocation_id: str) -> None:
        self.invocation_id = invocation_id
        self.function_name = "http_app_func"


def user_function(app):
    (function,) = app.get_functions()
    return function.get_user_function()


starlette_function = user_function(
    function_app(starlette_app, auth_level="ANONYMOUS", response_stream=True)
)
flask_function = user_function(
    function_app(flask_app, auth_level="ANONYMOUS", response_stream=True)
)

web_app = WebApp()
#: What the worker reads from the extension base: the request type and its synchronizer.
request_type = RequestTrackerMeta.get_request_type()
synchronizer = RequestTrackerMeta.get_synchronizer()


@web_app.route
async def catch_all(request: request_type):
    invocation_id = request.headers["x-ms-invocation-id"]
    path = request.url.path
    synchronizer.sync_route_params(request, {"route": path.removeprefix("/api/")})
    function = flask_function if path == "/api/generator" else starlette_function
    return await function(request, Context(invocation_id))


if __name__ == "__main__":
    asyncio.run(WebServer("127.0.0.1", int(sys.argv[1]), web_app).serve())
