"""What a deployed invocation has imported: faas_bridge's dev tooling must not be among it."""

import os
import sys

from faas_bridge import wrap


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


wrapped = wrap(app)

# The test names the modules (comma-separated): one list for this probe and its own.
FORBIDDEN = tuple(os.environ["FORBIDDEN_MODULES"].split(","))


def handler(event, context):
    reply = wrapped(event, context)
    loaded = sorted(
        name
        for name in sys.modules
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    )
    return {"reply": reply, "forbidden": loaded, "runtime": "faas_bridge.runtime" in sys.modules}
