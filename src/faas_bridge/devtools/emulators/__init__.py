"""Local emulation of each vendor: what its gateway does before and after a function.

An emulator turns a real HTTP request into the event (or call) the vendor
would deliver, and the function's reply into the HTTP response the vendor
would send, with the vendor's limits and header rules. ``faas-bridge serve``,
``events new``, ``invoke``, ``doctor`` and the tests use them; a deployed
function never imports this package (``tests/test_architecture.py``).

One module per adapter module of :mod:`faas_bridge.platforms`, under the same
name: an emulator and the adapter it feeds are read side by side, a vendor
family that shares an adapter module (Alibaba FC 3.0, FC 2.0 and API Gateway
in ``aliyun``; Tencent SCF and CloudBase in ``tencent``) shares an emulator
module, and the limits the adapters enforce are imported from them, never
written twice.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faas_bridge.devtools.emulators.base import Emulator

#: Every platform of :data:`faas_bridge.platforms.REGISTRY`, in its order, and
#: its emulator (``"module:Class"`` in this package). A test holds the two
#: tables to the same names.
REGISTRY: dict[str, str] = {
    "aws-apigw-v2": "aws_apigw_v2:HttpApiV2",
    "aws-apigw-v1": "aws_apigw_v1:RestApi",
    "aws-function-url": "aws_function_url:FunctionUrl",
    "aws-alb": "aws_alb:LoadBalancer",
    "aws-edge": "aws_edge:Edge",
    "aws-lattice": "aws_lattice:Lattice",
    "yandex": "yandex:YandexFunctions",
    "aliyun-fc3": "aliyun:FC3",
    "tencent-scf-apigw": "tencent:ScfApiGateway",
    "tencent-cloudbase": "tencent:CloudBaseAccess",
    "huawei-fg-apig": "huawei:FunctionGraphApig",
    "aliyun-apigw": "aliyun:AliyunApiGateway",
    "openwhisk": "openwhisk:WebAction",
    "scaleway": "scaleway:ScalewayFunctions",
    "openfaas": "openfaas:OpenFaaS",
    "kubeless": "openfaas:Kubeless",
    "azure": "azure:AzureFunctionsHttp",
    "gcp": "gcp:CloudFunctionsHttp",
    "aliyun-fc2": "aliyun:FC2",
}


def emulator_class(name: str) -> type[Emulator]:
    """The emulator class of platform ``name`` (KeyError for an unknown name)."""
    module, _, cls = REGISTRY[name].partition(":")
    found: type[Emulator] = getattr(import_module(f"{__name__}.{module}"), cls)
    return found


def emulator_classes() -> tuple[type[Emulator], ...]:
    """Every emulator class, in the platforms' detection order."""
    return tuple(emulator_class(name) for name in REGISTRY)
