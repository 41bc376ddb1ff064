"""The AWS Lambda entry point (WSGI): set the function's handler to ``handler.handler``."""

from faas_bridge import wrap

from mysite.wsgi import application

handler = wrap(application)
