"""The AWS Lambda entry point (ASGI): set the function's handler to ``handler_asgi.handler``."""

from faas_bridge import wrap

from mysite.asgi import application

handler = wrap(application)
