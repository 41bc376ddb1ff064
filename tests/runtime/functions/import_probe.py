"""What a deployed invocation has imported: faas_bridge's dev tooling must not be among it."""

import sys

from faas_bridge import wrap


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


wrapped = wrap(app)

FORBIDDEN = (
    "faas_bridge.devtools",
    "faas_bridge.devtools.cli",
    "faas_bridge.devtools.gateway",
    "faas_bridge.config",
    "yaml",
    "werkzeug",
)


def handler(event, context):
    reply = wrapped(event, context)
    loaded = sorted(
        name
        for name in sys.modules
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    )
    return {"reply": reply, "forbidden": loaded, "runtime": "faas_bridge.runtime" in sys.modules}
