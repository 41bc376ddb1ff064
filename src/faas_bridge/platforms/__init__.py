"""The platform adapters, in detection order.

Detection goes from the most specific marker to the least, because formats
share keys (``version: "2.0"`` is used by HTTP APIs and Function URLs alike;
``httpMethod`` + ``requestContext`` by REST APIs and ALB):

=====================  ==================================================
adapter                recognised by
=====================  ==================================================
``aws-alb``            ``requestContext.elb``
``aws-function-url``   ``version == "2.0"``, ``rawPath``, domain ``*.lambda-url.*``
``aws-apigw-v2``       ``version == "2.0"``, ``rawPath``, any other domain
``aws-apigw-v1``       ``requestContext`` (no ``elb`` or ``connectionId``) and
                       ``resource`` or ``version == "1.0"``
=====================  ==================================================

The tests require that at most one adapter matches any event: the handler
asks the adapter it used last before going down this list, so two adapters
matching one event would make the result depend on what came before.

Adding a vendor means one module here and one row in :data:`REGISTRY`; the
bridges never change.
"""

from __future__ import annotations

from importlib import import_module

from ..errors import ConfigurationError
from ..options import Options
from .base import Platform

#: (name, "module:Class"), in detection order.
REGISTRY: tuple[tuple[str, str], ...] = (
    ("aws-alb", "aws_alb:ALB"),
    ("aws-function-url", "aws_function_url:FunctionURL"),
    ("aws-apigw-v2", "aws_apigw_v2:APIGatewayV2"),
    ("aws-apigw-v1", "aws_apigw_v1:APIGatewayV1"),
)

NAMES: tuple[str, ...] = tuple(name for name, _ in REGISTRY)


def load_platforms(options: Options) -> tuple[Platform, ...]:
    """Adapter instances in detection order, or only the one the options force."""
    entries = REGISTRY
    if options.platform is not None:
        entries = tuple(entry for entry in REGISTRY if entry[0] == options.platform)
        if not entries:
            raise ConfigurationError(
                f"unknown platform {options.platform!r}; choose one of: {', '.join(NAMES)}"
            )
    adapters = []
    for _, target in entries:
        module, _, cls = target.partition(":")
        adapters.append(getattr(import_module(f"{__name__}.{module}"), cls)(options))
    return tuple(adapters)


__all__ = ["NAMES", "REGISTRY", "Platform", "load_platforms"]
