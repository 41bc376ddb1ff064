"""Memory an invocation may keep and use (issue 18, findings 3 and 11).

Finding 3: nothing a request or a reply names may stay behind after the
invocation. Caches keyed by a request's whole set of header names held up to
512 entries each: 600 requests with fresh header names grew a process from 14
to 404 MB. Here a process serves requests whose header names, host, and reply
header names and content types are all new each time, and what tracemalloc
still counts afterwards must stay within a small bound. Each case runs in a
fresh interpreter, so nothing another test left behind is counted.

Finding 11: a large base64 body may cost its decoded bytes, not copies of
them. A process serving 10 MB bodies peaked at 3 GB: ``base64.b64decode`` of a
``str`` copies the text first, and the reply was serialised whole again to be
measured. Here the peak that tracemalloc sees during one invocation, above the
event the vendor handed over (which holds the body's base64 text), must stay
within the decoded body plus a small constant, and for a reply of the same
body, within the body plus the reply's base64 text (plus that text once more
with the standard library's codec, which has no way to make text without bytes
first), with pybase64 and without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def run_probe(script: str, *args: str) -> Any:
    """Run ``script`` in a fresh interpreter (tests/ importable); the JSON it prints."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- Finding 3: no memory growth with the variety of names --------------------------------

GROWTH_PROBE = """
import gc, json, os, sys, tracemalloc
from faas_bridge import wrap
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v1, aws_apigw_v2, aliyun, openwhisk
from faas_bridge.devtools.emulators.base import HttpCall

interface, vendor, count, length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
BUILD = {
    "v2": aws_apigw_v2.build_event,
    "alb-multi": lambda c: aws_alb.build_event(c, multi_value=True),
    "rest": lambda c: aws_apigw_v1.build_event(c._replace(target="/prod" + c.target)),
    "fc3": aliyun.build_event,
    "openwhisk": openwhisk.build_event,
}[vendor]

def reply_headers(seen):
    # The app answers with header names and a content type taken from the request.
    names = [n for n in seen if n.lower().startswith("x-fresh-")]
    headers = [(n, "v") for n in names[:20]]
    kind = "application/x-" + "t" * 300 + "-" + (names[0] if names else "none")
    return [("Content-Type", kind), *headers]

def wsgi_app(environ, start_response):
    environ["wsgi.input"].read()
    names = [k[5:].replace("_", "-").lower() for k in environ if k.startswith("HTTP_")]
    start_response("200 OK", reply_headers(names))
    return [b"ok"]

async def asgi_app(scope, receive, send):
    if scope["type"] != "http":
        return
    await receive()
    names = [k.decode("latin-1") for k, _ in scope["headers"]]
    raw = [(n.encode(), v.encode()) for n, v in reply_headers(names)]
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": b"ok"})

handler = wrap(wsgi_app if interface == "wsgi" else asgi_app, lifespan="off")

def event(i):
    # Fresh names every time, mixed case (REST and OpenWhisk keep what the client sent).
    headers = [(f"X-Fresh-{i}-{j}-" + "N" * length, "v") for j in range(60)]
    host = f"h{i}-" + "a" * 200 + ".example.com"
    return BUILD(HttpCall("GET", "/items", [("Host", host), *headers]))

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

# Warm, with the usual names only: the cold start and the adapter's first use
# are not counted, whatever is remembered of the fresh names is.
usual = BUILD(HttpCall("GET", "/items", [("Host", "example.com"), ("Accept", "*/*")]))
for i in range(5):
    assert handler(usual, None)["statusCode"] == 200
gc.collect()
tracemalloc.start()
before, rss_before = tracemalloc.get_traced_memory()[0], rss()
for i in range(count):
    reply = handler(event(i), None)
    assert reply["statusCode"] == 200, reply
del reply
gc.collect()
after = tracemalloc.get_traced_memory()[0]
print(json.dumps({"kept": after - before, "rss_growth": rss() - rss_before}))
"""

#: What may stay behind after 600 requests with fresh names: the per-name
#: tables (each at most 256 names of at most 64 characters) and interpreter
#: noise, not the requests' names (600 x 60 of them, 0.4 to 9 MB in all).
KEPT_BOUND = 512 * 1024


@pytest.mark.parametrize("length", [4, 150], ids=["short names", "long names"])
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize("vendor", ["v2", "alb-multi", "rest", "fc3", "openwhisk"])
def test_memory_does_not_grow_with_the_variety_of_header_names(
    interface: str, vendor: str, length: int
) -> None:
    seen = run_probe(GROWTH_PROBE, interface, vendor, "600", str(length))
    assert seen["kept"] < KEPT_BOUND, seen
    # RSS is coarser (pages, allocator arenas) but must not follow the names either.
    assert seen["rss_growth"] < 16 * MB, seen


# -- Finding 11: the peak of a large base64 request ----------------------------------------

PEAK_PROBE = """
import gc, json, os, sys, tracemalloc
import faas_bridge.b64
from faas_bridge import wrap
from faas_bridge.devtools.emulators import aws_apigw_v1, aws_apigw_v2, aws_function_url, aws_lattice
from faas_bridge.devtools.emulators import aliyun, tencent
from faas_bridge.devtools.emulators.base import HttpCall

interface, vendor, size, echo, codec = sys.argv[1:6]
size, echo = int(size), echo == "echo"
if codec == "stdlib":
    sys.modules["pybase64"] = None  # as if not installed: the standard library decodes
BUILD = {
    "v2": aws_apigw_v2.build_event,
    "rest": lambda c: aws_apigw_v1.build_event(c._replace(target="/prod" + c.target)),
    "fn-url": aws_function_url.build_event,
    "lattice": aws_lattice.build_event,
    "fc3": aliyun.build_event,
    "tencent": lambda c: tencent.build_event(c._replace(target="/release" + c.target)),
}[vendor]

def answer(body):
    return body if echo else str(len(body)).encode()

def wsgi_app(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [answer(body)]

async def asgi_app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = (await receive())["body"]
    headers = [(b"content-type", b"application/octet-stream")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer(body)})

handler = wrap(wsgi_app if interface == "wsgi" else asgi_app, lifespan="off")
headers = [("Host", "example.com"), ("Content-Type", "application/octet-stream")]

def event(body):
    return BUILD(HttpCall("POST", "/upload", headers, body))

assert handler(event(os.urandom(100_000)), None)["statusCode"] == 200  # warm
big = event(os.urandom(size))
text = len(big["body"])
gc.collect()
tracemalloc.start()
base = tracemalloc.get_traced_memory()[0]
reply = handler(big, None)
peak = tracemalloc.get_traced_memory()[1] - base
status = reply["statusCode"]
reply_text = len(reply["body"]) if echo else 0
print(json.dumps({"peak": peak, "text": text, "status": status, "reply_text": reply_text}))
"""

#: A small constant: the handler's own allocations for one invocation.
SMALL = 256 * 1024
#: (vendor, body size): what each vendor delivers (API Gateway, Function URL and
#: Lattice: Lambda's 6 MB event, so about 4.5 MB of body as base64; Alibaba FC:
#: 32 MB; Tencent behind API Gateway: 6 MB).
PEAK_CASES = [
    ("v2", 4 * MB),
    ("rest", 4 * MB),
    ("fn-url", 4 * MB),
    ("lattice", 4 * MB),
    ("fc3", 10 * MB),
    ("tencent", 4 * MB),
]


@pytest.mark.parametrize("codec", ["pybase64", "stdlib"])
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize(("vendor", "size"), PEAK_CASES)
def test_a_large_base64_request_costs_its_body_and_no_copy(
    vendor: str, size: int, interface: str, codec: str
) -> None:
    seen = run_probe(PEAK_PROBE, interface, vendor, str(size), "small", codec)
    assert seen["status"] == 200, seen
    assert seen["text"] >= size * 4 // 3  # the event holds the body as base64 text
    # Above the event (which holds the text): the decoded body and a small constant;
    # so with the event, at most the body plus its base64 text plus that constant.
    assert seen["peak"] <= size + SMALL, seen


@pytest.mark.parametrize("codec", ["pybase64", "stdlib"])
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize(("vendor", "size"), PEAK_CASES)
def test_a_large_base64_reply_costs_its_text_and_no_more_copies(
    vendor: str, size: int, interface: str, codec: str
) -> None:
    seen = run_probe(PEAK_PROBE, interface, vendor, str(size), "echo", codec)
    assert seen["status"] == 200, seen
    assert seen["reply_text"] >= size * 4 // 3
    # The decoded body (the app answers the same bytes), the reply's base64
    # text, and with the standard library the bytes that text is decoded from.
    copies = 1 if codec == "pybase64" else 2
    assert seen["peak"] <= size + copies * seen["reply_text"] + SMALL, seen
