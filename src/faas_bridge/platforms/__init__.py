"""The platform adapters, in detection order.

Formats share keys (``version: "2.0"`` is used by HTTP APIs and Function URLs
alike; ``httpMethod`` + ``requestContext`` by REST APIs and ALB), so each
adapter's marker also rules out the others' events: no event is claimed by
two adapters, and the order decides only which adapter modules a cold start
imports before it finds the one it needs. The most common events come first.

=====================  ==================================================
adapter                recognised by
=====================  ==================================================
``aws-apigw-v2``       ``version == "2.0"``, ``rawPath``, any other domain
``aws-apigw-v1``       ``requestContext`` (no ``elb`` or ``connectionId``) and
                       ``resource`` or ``version == "1.0"``
``aws-function-url``   ``version == "2.0"``, ``rawPath``, domain ``*.lambda-url.*``
``aws-alb``            ``requestContext.elb``
``aws-edge``           ``Records[0].cf`` (CloudFront; response triggers are claimed too,
                       so that serving one fails with a clear error)
``aws-lattice``        V2: ``version == "2.0"``, ``requestContext.serviceNetworkArn``,
                       no ``rawPath``; V1: ``raw_path``, no ``version`` or ``requestContext``
``yandex``             ``httpMethod``, ``requestContext.identity`` + ``.requestTimeEpoch`` and
                       ``url`` / ``params`` / ``pathParams`` (direct call, API Gateway 0.1),
                       or ``parameters`` / ``multiValueParameters`` / ``operationId``
                       (API Gateway 1.0), or no ``path``, ``resource``, ``version``
``aliyun-fc3``         ``version == "v1"``, ``rawPath``, ``requestContext``
``tencent-scf-apigw``  ``requestContext.serviceId``
``tencent-cloudbase``  ``requestContext.envId`` (no ``serviceId``)
``huawei-fg-apig``     ``requestContext.apiId`` + ``.stage``, ``path``, ``httpMethod``;
                       no ``multiValueHeaders``, ``stageVariable``,
                       ``requestContext.identity``, ``serviceId`` or ``envId``
``aliyun-apigw``       ``queryParameters`` + ``httpMethod``, no ``rawPath``
``openwhisk``          ``__ow_method``, or DigitalOcean's ``http.method`` + ``http.headers``
                       (ranked above every other adapter)
``scaleway``           ``stageVariable`` (singular) + ``httpMethod``
``openfaas``           an object (not a dict) with ``body`` bytes, ``method``, ``path``,
                       ``headers``, ``query`` (the ``python3-http`` template's event)
``kubeless``           ``event-type``, ``data``, ``extensions.request`` with an ``environ``
``azure``              an object (not a dict) with ``url`` and ``method`` strings, a callable
                       ``get_body`` and ``route_params`` (``azure.functions.HttpRequest``)
``gcp``                an object (not a dict) with a dict ``environ`` and a callable
                       ``get_data`` (the ``flask.Request`` functions-framework passes)
``aliyun-fc2``         a dict (a WSGI environ) with ``REQUEST_METHOD`` and ``wsgi.input``: the
                       FC 2.0 HTTP trigger calls ``handler(environ, start_response)``
=====================  ==================================================

An event may carry two vendors' markers when the HTTP caller wrote part of
it: an OpenWhisk default web action merges the JSON body's keys into its
parameters, beside the ``__ow_`` keys the controller writes and never lets a
caller set; a public Yandex function called with ``?integration=raw`` takes
the whole body as the event. So each adapter steps aside for an event that an
adapter ranked above it claims too (:mod:`._markers`): ``openwhisk`` first
(an event holding ``__ow_method`` is never decoded as AWS's or anyone else's),
then the others in a fixed order, the commonest events first. Yandex API
Gateway payload 1.0 copies AWS payload 1.0 (``version``, ``resource``) and
adds ``parameters``, ``multiValueParameters`` and ``operationId``, which AWS
never sends: ``aws-apigw-v1`` does not match events carrying them.

At most one adapter matches any event, tested for every pair of adapters
with each one's markers added to the other's event: the handler asks the
adapter it used last before going down this list, so two adapters matching
one event would make the result depend on what came before.

Adding a vendor means one module here, one row in :data:`REGISTRY` and its
rank in ``_markers.RANKS``; the bridges never change.
"""

from __future__ import annotations

from importlib import import_module

from faas_bridge.errors import ConfigurationError
from faas_bridge.options import Options
from faas_bridge.platforms.base import Platform

#: (name, "module:Class"), in detection order.
REGISTRY: tuple[tuple[str, str], ...] = (
    ("aws-apigw-v2", "aws_apigw_v2:APIGatewayV2"),
    ("aws-apigw-v1", "aws_apigw_v1:APIGatewayV1"),
    ("aws-function-url", "aws_function_url:FunctionURL"),
    ("aws-alb", "aws_alb:ALB"),
    ("aws-edge", "aws_edge:Edge"),
    ("aws-lattice", "aws_lattice:Lattice"),
    ("yandex", "yandex:Yandex"),
    ("aliyun-fc3", "aliyun:FC3HttpTrigger"),
    ("tencent-scf-apigw", "tencent:SCFAPIGateway"),
    ("tencent-cloudbase", "tencent:CloudBase"),
    ("huawei-fg-apig", "huawei:FunctionGraphAPIG"),
    ("aliyun-apigw", "aliyun:APIGateway"),
    ("openwhisk", "openwhisk:OpenWhisk"),
    ("scaleway", "scaleway:Scaleway"),
    ("openfaas", "openfaas:OpenFaaS"),
    ("kubeless", "openfaas:Kubeless"),
    ("azure", "azure:AzureFunctions"),
    ("gcp", "gcp:CloudFunctions"),
    ("aliyun-fc2", "aliyun:AliyunFC2"),
)

NAMES: tuple[str, ...] = tuple(name for name, _ in REGISTRY)


def platform_entries(options: Options) -> tuple[tuple[str, str], ...]:
    """The REGISTRY rows in detection order, or only the one the options force."""
    if options.platform is None:
        return REGISTRY
    entries = tuple(entry for entry in REGISTRY if entry[0] == options.platform)
    if not entries:
        raise ConfigurationError(
            f"unknown platform {options.platform!r}; choose one of: {', '.join(NAMES)}"
        )
    return entries


def load_platform(target: str, options: Options) -> Platform:
    """An instance of the adapter a REGISTRY row names (``"module:Class"``)."""
    module, _, cls = target.partition(":")
    adapter: Platform = getattr(import_module(f"{__name__}.{module}"), cls)(options)
    return adapter


def load_platforms(options: Options) -> tuple[Platform, ...]:
    """Adapter instances in detection order, or only the one the options force."""
    return tuple(load_platform(target, options) for _, target in platform_entries(options))


__all__ = ["NAMES", "REGISTRY", "Platform", "load_platform", "load_platforms", "platform_entries"]
