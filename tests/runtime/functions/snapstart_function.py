"""SnapStart: hooks registered with AWS's snapshot_restore_py, and faas_bridge's on_restore."""

import os

from snapshot_restore_py import register_after_restore, register_before_snapshot

from faas_bridge import wrap


def note(text):
    with open(os.environ["SHUTDOWN_LOG"], "a") as log:
        log.write(text + "\n")


@register_before_snapshot
def close_connections():
    note("before snapshot")


@register_after_restore
def reconnect():
    note("after restore")


def app(environ, start_response):
    start_response("200 OK", [])
    return [b""]


wrapped = wrap(app)
wrapped.on_restore(lambda: note("faas_bridge on_restore"))


def handler(event, context):
    with open(os.environ["SHUTDOWN_LOG"]) as log:
        return log.read().splitlines()
