"""A Flask app through wrap(app), with a shutdown hook that writes to SHUTDOWN_LOG."""

import os

from flask import Flask, request

from faas_bridge import wrap

app = Flask(__name__)


@app.get("/hello/<name>")
def hello(name):
    return {"hello": name, "query": request.args.get("q")}


@app.get("/slow")
def slow():
    import time

    time.sleep(float(request.args.get("seconds", "0.3")))
    return {"slow": True}


handler = wrap(app, shutdown_timeout=float(os.environ.get("SHUTDOWN_TIMEOUT", "0.4")))


@handler.on_shutdown
def close_pool():
    with open(os.environ["SHUTDOWN_LOG"], "a") as log:
        log.write("flask shutdown hook\n")
    seconds = float(os.environ.get("HOOK_SECONDS", "0"))
    if seconds:
        import time

        time.sleep(seconds)
        with open(os.environ["SHUTDOWN_LOG"], "a") as log:
            log.write("flask shutdown hook finished\n")
