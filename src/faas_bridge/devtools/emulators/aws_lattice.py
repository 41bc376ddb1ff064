"""VPC Lattice emulation: the events a Lambda target receives, structures V1 and V2."""

from __future__ import annotations

import time
from typing import Any

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import HttpCall


def build_event(
    call: HttpCall,
    *,
    version: int = 2,
    host: str = "lattice-svc-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
) -> dict[str, Any]:
    """The event VPC Lattice sends a Lambda target for ``call``, structure V1 or V2.

    The path field carries the request target, query included, as received
    (see the module docstring); the parameters are split from it without
    decoding. X-Forwarded-For gets the caller's address appended. Bodies are
    base64-encoded, as in the captured samples (JSON bodies included).
    """
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, not {version!r}")
    headers: list[tuple[str, str]] = [("host", host)]
    headers += [(k.lower(), v) for k, v in call.headers if k.lower() != "host"]
    forwarded = call.header("x-forwarded-for")
    headers = [pair for pair in headers if pair[0] != "x-forwarded-for"]
    headers.append(
        ("x-forwarded-for", f"{forwarded},{call.client_ip}" if forwarded else call.client_ip)
    )
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
