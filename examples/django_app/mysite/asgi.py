"""ASGI config for mysite: ``application`` is what servers and faas_bridge run."""

import os

from django.core.asgi import get_asgi_application

from mysite.startup import prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_asgi_application()
prepare()  # once per process: during Lambda's init phase
