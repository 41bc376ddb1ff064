"""The AWS Lambda entry point: set the function's handler to ``handler.handler``."""

from faas_bridge import wrap

from app import app

handler = wrap(app)
