"""Platforms where an anonymous HTTP caller can write the whole event a function gets.

Who may invoke the function does not tell who wrote the event. Where an
anonymous HTTP caller can write a whole event (:data:`SURFACES`), any event
there may be a forgery, so with ``non_http_events: auto`` (the default) a
function running on such a surface refuses every non-HTTP event
(:class:`EventRefused`) until ``non_http_events: accept`` says the surface is
closed (the function is private, say); ``refuse`` refuses them everywhere.
The surface is read from variables the vendor's runtime sets, never from the
event. Command events are not concerned: they carry a signature only the
function's secret makes (:mod:`faas_bridge.routing.commands`). Warm-up pings are
answered without running anything, on every surface. An event holding an
OpenWhisk web action's ``__ow_method`` is an HTTP request whatever else it
holds (the rest is the caller's body), never a command or a trigger event.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from faas_bridge.errors import FaasBridgeError
from faas_bridge.http import Record

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler

logger = logging.getLogger("faas_bridge")


class EventRefused(FaasBridgeError):
    """A non-HTTP event not delivered: an anonymous HTTP caller could have written it.

    Raised to the platform, as any failed delivery.
    """


class Surface(Record):
    """A platform where an anonymous HTTP caller may write the whole event a function gets."""

    __slots__ = ("vendor", "how", "closed_by")  # noqa: RUF023 (the constructor's order)

    def __init__(self, vendor: str, how: str, closed_by: str) -> None:
        #: The platform, for messages.
        self.vendor = vendor
        #: How the caller does it.
        self.how = how
        #: What closes it, after which ``non_http_events: accept`` is safe.
        self.closed_by = closed_by


SURFACES: dict[str, Surface] = {
    "yandex": Surface(
        "Yandex Cloud Functions",
        "a public function called with ?integration=raw receives the request body as its event",
        "make the function private: its triggers and API Gateway invoke it with a service account",
    ),
    "openwhisk": Surface(
        "Apache OpenWhisk (IBM Cloud Functions, DigitalOcean Functions)",
        "a default web action merges the JSON body's keys into its parameters, and a web "
        "action needs no credentials",
        "let no web action run this code but raw ones (--web raw), or none",
    ),
    "gcp": Surface(
        "Google Cloud Run functions",
        "an event-driven function is an HTTP endpoint: whoever may call the service can post "
        "an event (a CloudEvent) of their own",
        "allow only authenticated calls (no --allow-unauthenticated): Eventarc and Pub/Sub "
        "push authenticate theirs",
    ),
    "openfaas": Surface(
        "OpenFaaS",
        "the gateway exposes every function over HTTP, and the classic templates hand the "
        "function the request body as its input",
        "require authentication at the gateway for this function",
    ),
}


def caller_shaped(environ: Mapping[str, str] | None = None) -> Surface | None:
    """The surface this process runs on, where an HTTP caller can write whole events, or None.

    Told from variables each vendor's runtime sets, which no caller can set:
    OpenWhisk's ``__OW_ACTION_NAME``; Yandex's ``AWS_LAMBDA_RUNTIME_API``, which
    AWS Lambda sets only beside ``AWS_LAMBDA_FUNCTION_NAME``; Google's
    ``K_SERVICE`` or ``FUNCTION_TARGET``; OpenFaaS's ``fprocess``.
    """
    env = os.environ if environ is None else environ
    if env.get("__OW_ACTION_NAME") or env.get("__OW_ACTIVATION_ID"):
        return SURFACES["openwhisk"]
    if env.get("AWS_LAMBDA_RUNTIME_API") and not env.get("AWS_LAMBDA_FUNCTION_NAME"):
        return SURFACES["yandex"]
    if env.get("K_SERVICE") or env.get("FUNCTION_TARGET"):
        return SURFACES["gcp"]
    if env.get("fprocess"):
        return SURFACES["openfaas"]
    return None


def check_source(handler: Handler, kind_name: str) -> None:
    """EventRefused unless the handler's ``non_http_events`` lets this event be delivered."""
    mode = handler.options.non_http_events
    if mode == "accept":
        return
    what = f"faas_bridge: refused this {kind_name} event"
    if mode == "refuse":
        message = f"{what}: non_http_events is 'refuse', so this function takes HTTP requests only"
    else:
        surface = caller_shaped()
        if surface is None:
            return
        message = (
            f"{what}: this function runs on {surface.vendor}, where {surface.how}, so an "
            f"anonymous caller could have written it. If none can ({surface.closed_by}), set "
            "non_http_events: accept (FAAS_BRIDGE_NON_HTTP_EVENTS=accept) to deliver such events"
        )
    logger.warning("%s", message)
    raise EventRefused(message)
