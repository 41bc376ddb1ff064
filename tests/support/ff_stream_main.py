"""functions-framework's source for the streaming tests: one target, three handlers.

``/generator`` goes to the Flask app, streamed; any other path to the
Starlette app (tests/runtime/functions/stream_apps_function.py), streamed, or
buffered when the query holds ``buffered=1`` (the same app without the
``response_stream`` option). functions-framework takes one target per process,
so the target picks the handler; each is a ``wrap()`` handler as a user would
deploy it.
"""

from stream_apps_function import flask_app, starlette_app

from faas_bridge import wrap

flask_streamed = wrap(flask_app, response_stream=True).as_function()
starlette_streamed = wrap(starlette_app, response_stream=True).as_function()
starlette_buffered = wrap(starlette_app).as_function()


def handler(request):
    if request.path == "/generator":
        return flask_streamed(request)
    if request.args.get("buffered"):
        return starlette_buffered(request)
    return starlette_streamed(request)
