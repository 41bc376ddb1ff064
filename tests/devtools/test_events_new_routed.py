"""``faas-bridge events new TYPE`` output is routed by faas.yml to the callable or app route set.

For every JSON trigger type faas.yml routes (``routing.kinds.KINDS``; Azure's
timer and queue hand the function objects, which ``events new`` refuses with
a note), the command's event, built with the fields users vary (``--message``:
a queue body, an object key, a timer's payload; ``--source``: the queue,
bucket or rule), goes through a faas.yml naming one function with that
trigger routed to a callable and one routed to an app route. The callable
must receive what the command printed (record by record where the vendor
batches), and the app a POST to the route with the record as JSON and the
trigger type in ``X-Faas-Bridge-Trigger``.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge.config import configured_handler
from faas_bridge.devtools import cli
from faas_bridge.devtools.trigger_events import MESSAGES
from faas_bridge.routing.kinds import KINDS
from support import faasyml_apps as apps

CONTEXT = SimpleNamespace(aws_request_id="req-1", get_remaining_time_in_millis=lambda: 30_000)
#: Every type events new builds as JSON, but ``custom`` (routed by ``match`` only, below).
KINDS_BUILT = [name for name in KINDS if not name.startswith("azure.") and name != "custom"]
JSON_MESSAGES = ("aws.events", "aws.dynamodb", "google.cloudevent")

FAAS_YML = """\
app: support.faasyml_apps:web_app
functions:
  jobs:
    routes: []
    triggers:
      - type: {kind}
        call: support.faasyml_apps:record
  web:
    routes: []
    triggers:
      - type: {kind}
        route: POST /jobs/run
"""


@pytest.fixture(autouse=True)
def fresh_records() -> None:
    apps.CALLS.clear()
    apps.DELIVERED.clear()


def events_new(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    status = cli.main(["events", "new", *args])
    out = capsys.readouterr().out
    assert status == 0
    return json.loads(out)


def handler_for(tmp_path: Path, kind: str, function: str) -> Any:
    config = tmp_path / "faas.yml"
    config.write_text(FAAS_YML.format(kind=kind))
    return configured_handler({"FAAS_BRIDGE_CONFIG": str(config), "FAAS_BRIDGE_FUNCTION": function})


def built(capsys: pytest.CaptureFixture[str], kind: str) -> Any:
    messages = ['{"job": "reindex"}', '{"job": "thumbs"}']
    if kind not in JSON_MESSAGES:
        messages = ["reports/2024-06.csv", "second"]
    args = [kind, "--message", messages[0]]
    if "one " in MESSAGES[kind]:  # "one record each": two records, each delivered alone
        args += ["--message", messages[1]]
    if kind == "aws.events.scheduled":
        args = [kind, "--source", "arn:aws:events:us-east-1:123456789012:rule/nightly"]
    return events_new(capsys, *args)


def units(event: Any, kind: str) -> list[Any]:
    records = KINDS[kind].records
    return [event] if records is None else [{**event, records: [r]} for r in event[records]]


@pytest.mark.parametrize("kind", KINDS_BUILT)
def test_the_built_event_reaches_the_configured_callable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    event = built(capsys, kind)
    handler_for(tmp_path, kind, "jobs")(event, CONTEXT)
    assert [call[0] for call in apps.CALLS] == units(event, kind)
    assert len(apps.CALLS) == (2 if "one " in MESSAGES[kind] else 1)


@pytest.mark.parametrize("kind", KINDS_BUILT)
def test_the_built_event_reaches_the_configured_app_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    event = built(capsys, kind)
    handler_for(tmp_path, kind, "web")(event, CONTEXT)
    assert [seen["json"] for seen in apps.DELIVERED] == units(event, kind)
    for seen in apps.DELIVERED:
        assert (seen["method"], seen["path"], seen["trigger"]) == ("POST", "/jobs/run", kind)


def test_the_fields_users_vary_are_in_the_event(capsys: pytest.CaptureFixture[str]) -> None:
    """Queue body, bucket key and schedule rule land where the vendors put them."""
    sqs = events_new(
        capsys, "aws.sqs", "--message", "hello", "--source", "arn:aws:sqs:eu-west-1:1:q"
    )
    assert [r["body"] for r in sqs["Records"]] == ["hello"]
    assert sqs["Records"][0]["eventSourceARN"] == "arn:aws:sqs:eu-west-1:1:q"
    s3 = events_new(capsys, "aws.s3", "--message", "in/a b.png", "--source", "my-bucket")
    assert s3["Records"][0]["s3"]["bucket"]["name"] == "my-bucket"
    assert s3["Records"][0]["s3"]["object"]["key"] == "in/a+b.png"  # S3 URL-encodes keys
    rule = "arn:aws:events:us-east-1:123456789012:rule/nightly"
    scheduled = events_new(capsys, "aws.events.scheduled", "--source", rule)
    assert scheduled["resources"] == [rule]
    assert scheduled["detail-type"] == "Scheduled Event"


def test_a_custom_event_is_routed_by_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = events_new(capsys, "custom", "--message", '{"job": "reindex"}')
    config = tmp_path / "faas.yml"
    config.write_text(
        "app: support.faasyml_apps:web_app\nfunctions:\n  jobs:\n    routes: []\n    triggers:\n"
        "      - type: custom\n        match: {job: reindex}\n"
        "        call: support.faasyml_apps:record\n"
    )
    env = {"FAAS_BRIDGE_CONFIG": str(config), "FAAS_BRIDGE_FUNCTION": "jobs"}
    configured_handler(env)(event, CONTEXT)
    assert [call[0] for call in apps.CALLS] == [{"job": "reindex"}]
