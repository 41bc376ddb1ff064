"""Bridges: run a WSGI or ASGI app on a neutral Request and return its Response."""
