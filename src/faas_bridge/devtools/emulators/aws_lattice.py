"""VPC Lattice emulation: the events a Lambda target receives, structures V1 and V2."""

from __future__ import annotations

import time
from typing import Any

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    Passage,
    declare,
    lower_header_lines,
)
from faas_bridge.platforms.aws_lattice import Lattice as LatticeAdapter

#: The service's own domain name.
HOST = "lattice-svc-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws"


def build_event(
    call: HttpCall,
    *,
    version: int = 2,
    host: str = HOST,
) -> dict[str, Any]:
    """The event VPC Lattice sends a Lambda target for ``call``, structure V1 or V2.

    The path field carries the request target, query included, as received
    (see the module docstring); the parameters are split from it without
    decoding. X-Forwarded-For gets the caller's address appended. Bodies are
    base64-encoded, as in the captured samples (JSON bodies included).
    """
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, not {version!r}")
    headers = lower_header_lines(call, host, separator=",")
    headers += [("x-forwarded-for-port", "443"), ("x-forwarded-for-proto", "https")]
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    params: dict[str, list[str]] = {}
    for part in call.query.split("&") if call.query else ():
        name, _, value = part.partition("=")
        params.setdefault(name, []).append(value)
    body = b64.encode(call.body) if call.body else None
    if version == 1:
        return {
            "raw_path": call.target,
            "method": call.method,
            "headers": {name: ", ".join(values) for name, values in multi_headers.items()},
            "query_string_parameters": {name: values[-1] for name, values in params.items()},
            "body": body,
            "is_base64_encoded": body is not None,
        }
    arn = "arn:aws:vpc-lattice:us-east-1:123456789012"
    return {
        "version": "2.0",
        "path": call.target,
        "method": call.method,
        "headers": multi_headers,
        "queryStringParameters": params,
        "body": body,
        "isBase64Encoded": body is not None,
        "requestContext": {
            "serviceNetworkArn": f"{arn}:servicenetwork/sn-0123456789abcdef0",
            "serviceArn": f"{arn}:service/svc-0123456789abcdef0",
            "targetGroupArn": f"{arn}:targetgroup/tg-0123456789abcdef0",
            "identity": {
                "sourceVpcArn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123456789abcdef0",
                "type": "AWS_IAM",
                "principal": "arn:aws:sts::123456789012:assumed-role/caller/session",
                "sessionName": "session",
            },
            "region": "us-east-1",
            "timeEpoch": str(int(time.time() * 1_000_000)),
        },
    }


# -- The emulator ---------------------------------------------------------------------------


class Lattice(Emulator):
    """A VPC Lattice service with a Lambda target group."""

    name = "aws-lattice"
    adapter = "aws_lattice:Lattice"
    description = "AWS VPC Lattice: Lambda targets, event structures V1 and V2"
    settings_declared = declare(version=2, host=HOST)
    body_limit = LatticeAdapter.request_limit
    url_layout = "/ (the service's domain)"
    PASSAGE = Passage(reply_cookies="one")

    def passage(self) -> Passage:
        if self.values["version"] == 2:
            return self.PASSAGE
        # V1: headers comma-joined, one value per query key.
        return Passage(repeated_headers="joined", repeated_query="last", reply_cookies="one")

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(
            call, version=int(self.values["version"]), host=host or self.values["host"]
        )

    def localise(self, event: Any, port: int) -> Any:
        """Lattice names the scheme and port as ``x-forwarded-for-proto`` / ``-port``."""
        headers = event["headers"]
        multi = isinstance(headers.get("host"), list)
        headers["x-forwarded-for-proto"] = ["http"] if multi else "http"
        headers["x-forwarded-for-port"] = [str(port)] if multi else str(port)
        return event
