"""Where faas.yml is looked for, and ``faas_bridge.handler`` for a function without one.

A function configured by its environment alone (``FAAS_BRIDGE_APP``,
``FAAS_BRIDGE_*`` options) never needs :mod:`faas_bridge.config`: reading a
faas.yml brings in YAML, the validator, and the routes and triggers it may
declare, several milliseconds of every cold start. This module is all such a
function loads to find out that there is no file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from faas_bridge.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

    from faas_bridge.dispatch import Handler

FILE_NAME = "faas.yml"
#: Names the faas.yml to read (a file, or the directory holding it).
CONFIG_VARIABLE = "FAAS_BRIDGE_CONFIG"


def find_config(environ: Mapping[str, str] | None = None) -> Path | None:
    """The faas.yml to read, or None.

    The file named by ``FAAS_BRIDGE_CONFIG`` (or ``faas.yml`` in the directory
    it names), else ``faas.yml`` in the function's root (``LAMBDA_TASK_ROOT``),
    else in the current directory.
    """
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_VARIABLE, "").strip()
    if named:
        path = os.path.join(named, FILE_NAME) if os.path.isdir(named) else named
        if not os.path.isfile(path):
            raise ConfigurationError(
                f"{CONFIG_VARIABLE}={named}: no such file; point it at your faas.yml or unset it"
            )
        return _path(path)
    root = env.get("LAMBDA_TASK_ROOT", "").strip()
    for candidate in (os.path.join(root, FILE_NAME) if root else None, FILE_NAME):
        if candidate is not None and os.path.isfile(candidate):
            return _path(candidate)
    return None


def _path(text: str) -> Path:
    from pathlib import Path  # only once a file is found: a cold start without one skips it

    return Path(text)


def environment_handler(environ: Mapping[str, str] | None = None) -> Handler:
    """The Handler for the app and options the environment names (no faas.yml).

    The app is ``FAAS_BRIDGE_APP``'s, else Django's from ``DJANGO_SETTINGS_MODULE``;
    the options are read from ``FAAS_BRIDGE_*``.
    """
    from faas_bridge.bridges.apps import configured_app
    from faas_bridge.dispatch import Handler
    from faas_bridge.options import Options

    env = os.environ if environ is None else environ
    began = time.perf_counter()
    app = configured_app(env)
    seconds = time.perf_counter() - began
    return Handler(app, Options.from_environ(env), import_seconds=seconds)
