"""Hello-world apps, one module per framework so a cold start imports only its own.

Every app answers the same four routes, so every event means the same work in
every framework:

``GET /hello``     ``Hello, world!`` as text/plain;
``POST /items``    reads the whole body, answers ``{"received": <bytes>}`` (JSON);
``GET /cookies``   ``Hello, world!`` with two Set-Cookie headers;
``GET /binary``    a fixed 1 MiB application/octet-stream body.

:data:`APPS` names each app as ``(module, attribute, interface)``; nothing is
imported until :func:`load` asks for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Literal

Interface = Literal["wsgi", "asgi"]

#: name -> (module below benchmarks.apps, attribute, interface)
APPS: dict[str, tuple[str, str, Interface]] = {
    "raw-wsgi": ("raw", "wsgi_app", "wsgi"),
    "flask": ("flask_app", "app", "wsgi"),
    "django-wsgi": ("django_app", "application", "wsgi"),
    "raw-asgi": ("raw", "asgi_app", "asgi"),
    "starlette": ("starlette_app", "app", "asgi"),
    "django-asgi": ("django_app", "asgi_application", "asgi"),
}

HELLO = b"Hello, world!"
#: The /binary reply: 1 MiB that is not valid UTF-8 anywhere near its start.
BINARY = bytes(range(256)) * 4096


def load(name: str) -> Any:
    """The app object called ``name`` in :data:`APPS`."""
    module, attribute, _ = APPS[name]
    return getattr(import_module(f"{__name__}.{module}"), attribute)


def interface(name: str) -> Interface:
    return APPS[name][2]
