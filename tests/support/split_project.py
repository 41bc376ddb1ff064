"""A two-function project split by faas.yml, shared by the template and package tests.

``split_project`` writes a tiny WSGI app (``shop.py``, which says which
function answered) and a faas.yml that splits it into ``web`` and ``api``;
``AZURE_PROBE`` is the script that imports and indexes the generated Azure
``function_app.py`` with the real ``azure-functions`` library.
"""

from __future__ import annotations

from pathlib import Path

APP = '''\
"""A tiny WSGI app: says which faas.yml function answered, and the path."""

import json
import os


def app(environ, start_response):
    body = json.dumps(
        {
            "function": os.environ.get("FAAS_BRIDGE_FUNCTION", ""),
            "path": environ["PATH_INFO"],
            "script_name": environ["SCRIPT_NAME"],
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def take(event, context):
    return {"taken": True}
'''

SPLIT = """\
app: shop:app
functions:
  web:
    routes:
      - /
      - /pages/*
    triggers:
      - type: aws.events.scheduled
        route: POST /jobs/nightly
    commands: [migrate]
  api:
    routes:
      - GET,POST /api/items/{id}
    triggers:
      - type: aws.sqs
        source: "*:orders"
        call: shop:take
deploy:
  name: shop
  stage: test
  region: eu-west-1
  catch_all: web
  functions:
    web:
      triggers:
        - schedule: cron(0 3 * * ? *)
    api:
      memory: 1024
      timeout: 10
      http: both
      stream: true
"""


def split_project(root: Path, faas_yml: str = SPLIT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "shop.py").write_text(APP)
    (root / "faas.yml").write_text(faas_yml)
    return root / "faas.yml"


ALIYUN_SPLIT = SPLIT.replace(
    "      - type: aws.events.scheduled\n        route: POST /jobs/nightly\n",
    "      - type: aliyun.timer\n        route: POST /jobs/nightly\n",
).replace(
    "        - schedule: cron(0 3 * * ? *)", "        - schedule: CRON_TZ=Asia/Shanghai 0 0 3 * * *"
)
ALIYUN_SPLIT = ALIYUN_SPLIT.replace("  catch_all: web\n", "  catch_all: web\n  python: '3.10'\n")


#: Run in the generated Azure folder: the functions the worker indexes, and two replies.
AZURE_PROBE = """
import json, sys
import azure.functions as func
sys.path.insert(0, ".")
import function_app

indexed = function_app.app.get_functions()  # what the worker does: once
functions = {}
for function in indexed:
    trigger = function.get_dict_repr()["bindings"][0]
    functions[function.get_function_name()] = {
        "type": trigger["type"],
        "route": trigger.get("route"),
        "methods": [str(getattr(m, "value", m)) for m in trigger.get("methods") or []],
    }
replies = {}
for name, url, params in [
    ("api_http_0", "https://shop.azurewebsites.net/api/api/items/7", {"id": "7"}),
    ("web_http_2", "https://shop.azurewebsites.net/api/api/items/7", {"rest": "api/items/7"}),
]:
    target = {f.get_function_name(): f for f in indexed}[name]
    request = func.HttpRequest("GET", url, headers={}, body=b"", route_params=params)
    reply = target.get_user_function()(request, None)
    replies[name] = [reply.status_code, reply.get_body().decode()]
print(json.dumps({"functions": functions, "replies": replies}))
"""
