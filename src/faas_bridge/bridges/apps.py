"""Finding the app (from a name in configuration) and telling WSGI from ASGI."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from importlib import import_module
from typing import Any

from faas_bridge.errors import ConfigurationError
from faas_bridge.options import Interface

#: Attributes looked for when a bare module is named.
DEFAULT_ATTRIBUTES = ("app", "application")


def load_app(spec: str) -> Any:
    """The object named by ``"package.module:attribute"`` (or a bare module).

    A bare ``package.module`` looks for ``app``, then ``application``; the
    attribute may be dotted (``"project.main:api.app"``).
    """
    module_name, _, attribute = spec.strip().partition(":")
    if not module_name:
        raise ConfigurationError(
            f"no module named in app {spec!r}; expected 'package.module:attribute'"
        )
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ConfigurationError(
                f"cannot import module {module_name!r} for app {spec!r}: {exc}. "
                "Check the name and that it is on sys.path (the function's root)."
            ) from exc
        raise
    if attribute:
        target: Any = module
        for part in attribute.split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                raise ConfigurationError(
                    f"module {module_name!r} has no attribute {attribute!r} (app {spec!r})"
                ) from None
        return target
    for name in DEFAULT_ATTRIBUTES:
        if hasattr(module, name):
            return getattr(module, name)
    raise ConfigurationError(
        f"module {module_name!r} has neither 'app' nor 'application'; "
        f"name the attribute: '{module_name}:NAME'"
    )


def configured_app(environ: Mapping[str, str] | None = None) -> Any:
    """The app named by ``FAAS_BRIDGE_APP``, else Django's from its settings."""
    env = os.environ if environ is None else environ
    spec = env.get("FAAS_BRIDGE_APP", "").strip()
    if spec:
        return load_app(spec)
    if env.get("DJANGO_SETTINGS_MODULE"):
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
    raise ConfigurationError(
        "faas_bridge.handler has no app: set FAAS_BRIDGE_APP=package.module:attribute "
        "(or DJANGO_SETTINGS_MODULE for a Django project), or use "
        "handler = faas_bridge.wrap(app) in your own module"
    )


def interface_of(app: Any) -> Interface:
    """``"asgi"`` for an ASGI 3 or ASGI 2 app, else ``"wsgi"``.

    ASGI 3 apps are coroutine functions (or objects whose ``__call__`` is one);
    ASGI 2 apps are classes built from a scope alone. Anything else callable
    with two arguments is taken for WSGI.
    """
    if _is_coroutine(app) or _is_coroutine(getattr(app, "__call__", None)):  # noqa: B004
        return "asgi"
    if getattr(app, "_asgi_single_callable", False) or getattr(app, "_asgi_double_callable", False):
        return "asgi"
    if inspect.isclass(app):
        try:
            params = inspect.signature(app).parameters
        except (TypeError, ValueError):
            return "wsgi"
        return "asgi" if len(params) == 1 else "wsgi"
    if not callable(app):
        raise ConfigurationError(f"the app must be a WSGI or ASGI callable, not {app!r}")
    return "wsgi"


def _is_coroutine(func: Any) -> bool:
    if func is None:
        return False
    # inspect knows async def and inspect.markcoroutinefunction; the marker
    # attribute covers asgiref's markcoroutinefunction on Python < 3.12.
    return inspect.iscoroutinefunction(func) or getattr(func, "_is_coroutine", None) is not None
