"""WSGI config for mysite: ``application`` is what servers and faas_bridge run."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_wsgi_application()

from mysite.startup import prepare  # noqa: E402  (needs the apps loaded)

prepare()
