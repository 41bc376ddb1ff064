"""ASGI config for mysite: ``application`` is what servers and faas_bridge run."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_asgi_application()

from mysite.startup import prepare  # noqa: E402  (needs the apps loaded)

prepare()
