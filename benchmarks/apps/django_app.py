"""Django hello, as a one-module project (settings, URLs and views here).

No middleware and no installed apps: the smallest Django project, so the
adapter's share of each invocation is as visible as Django allows.
"""

from __future__ import annotations

from typing import Any

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from . import BINARY, HELLO

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only-not-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(HELLO, content_type="text/plain")


def items(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"received": len(request.body)})


def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(HELLO, content_type="text/plain")
    response.set_cookie("session", "abc123", httponly=True)
    response.set_cookie("theme", "dark")
    return response


def binary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BINARY, content_type="application/octet-stream")


urlpatterns = [
    path("hello", hello),
    path("items", items),
    path("cookies", cookies),
    path("binary", binary),
]


def __getattr__(name: str) -> Any:
    """``application`` (WSGI) and ``asgi_application``, built on first access.

    Lazily, so a WSGI cold start does not pay for Django's ASGI handler.
    """
    if name == "application":
        from django.core.wsgi import get_wsgi_application

        value = get_wsgi_application()
    elif name == "asgi_application":
        from django.core.asgi import get_asgi_application

        value = get_asgi_application()
    else:
        raise AttributeError(name)
    globals()[name] = value
    return value
