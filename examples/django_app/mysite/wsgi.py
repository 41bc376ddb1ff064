"""WSGI config for mysite: ``application`` is what servers and faas_bridge run."""

import os

from django.core.wsgi import get_wsgi_application

from mysite.startup import prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_wsgi_application()
prepare()  # once per process: during Lambda's init phase
