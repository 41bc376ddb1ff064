"""Where faas_bridge was imported from, and the command line the runtime process runs."""

import sys

import faas_bridge


def handler(event, context):
    return {"faas_bridge": faas_bridge.__file__, "argv": sys.argv, "path0": sys.path[0]}
