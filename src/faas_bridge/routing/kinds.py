"""The trigger types faas_bridge routes, and how each event is recognised.

Recognition, from the event's own keys (samples in ``tests/samples/non-http/``):

========================  =====================================================  =============
type                      recognised by                                          ``source`` is
========================  =====================================================  =============
``aws.sqs``               ``Records[0].eventSource == "aws:sqs"``                queue ARN
``aws.sns``               ``Records[0].EventSource == "aws:sns"``                topic ARN
``aws.s3``                ``Records[0].eventSource == "aws:s3"``                 bucket name
``aws.dynamodb``          ``Records[0].eventSource == "aws:dynamodb"``           stream ARN
``aws.kinesis``           ``Records[0].eventSource == "aws:kinesis"``            stream ARN
``aws.events.scheduled``  ``detail-type == "Scheduled Event"``, ``detail``,      rule ARN
                          ``source`` ``aws.events`` or ``aws.scheduler``
``aws.events``            ``detail-type``, ``source`` (text), ``detail``         ``source``
``aliyun.timer``          ``triggerTime``, ``triggerName``, ``payload``          trigger name
``aliyun.oss``            ``events[0].eventSource == "acs:oss"``                 bucket name
``aliyun.mns``            ``TopicOwner``, ``TopicName``, ``MessageId``,          topic name
                          ``Message`` (a topic trigger in JSON format)
``tencent.timer``         ``Type == "Timer"``, ``TriggerName``                   trigger name
``tencent.cos``           ``Records[0].event.eventSource == "qcs::cos"``         bucket name
``tencent.cmq``           ``Records[0].CMQ`` (an object)                         topic name
``huawei.timer``          ``trigger_type == "TIMER"``                            trigger name
``yandex.timer``          ``messages[0].event_metadata.event_type`` is           trigger id
                          ``yandex.cloud.events.serverless.triggers.``
                          ``TimerMessage``
``google.cloudevent``     a ``cloudevents`` SDK object (functions-framework's    ``source``
                          ``cloud_event`` signature), or a structured-mode dict
                          with ``specversion``, ``type``, ``source``, ``id``
``azure.timer``           an ``azure.functions`` object with ``past_due``        (none)
``azure.queue``           an ``azure.functions`` object with ``pop_receipt``     (none)
                          and ``dequeue_count``
``custom``                anything else, by the ``match`` of its route           (none)
========================  =====================================================  =============

Quirks: Alibaba delivers every event as JSON bytes (the handler parses them
first); an MNS trigger in STREAM format delivers the bare message, which
carries nothing to recognise (use the JSON format). Azure hands timer and
queue triggers to a function of their own: call ``handler(timer)`` from it.
Google's HTTP-delivered CloudEvents (Eventarc to Cloud Run) are HTTP requests
and reach the app on their own path.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from faas_bridge import b64
from faas_bridge.http import Record


def _at(*keys: str | int) -> Callable[[Any], str | None]:
    """A reader of the text at ``keys`` below a unit (dicts and lists), or None."""

    def read(unit: Any) -> str | None:
        value = unit
        for key in keys:
            if isinstance(key, int):
                if not isinstance(value, list) or not -len(value) <= key < len(value):
                    return None
                value = value[key]
            elif isinstance(value, Mapping):
                value = value.get(key)
            else:
                return None
        if isinstance(value, bool):
            return None
        return value if isinstance(value, str) else str(value) if isinstance(value, int) else None

    return read


def _none(unit: Any) -> str | None:
    return None


class Kind(Record):
    """What faas_bridge knows of one trigger type."""

    __slots__ = ("what", "records", "source", "source_of", "batch", "id_of")  # noqa: RUF023 (the constructor's order)

    def __init__(
        self,
        what: str,
        records: str | None,
        source: str,
        source_of: Callable[[Any], str | None] = _none,
        batch: str = "",
        id_of: Callable[[Any], str | None] = _none,
    ) -> None:
        #: What such an event is, for messages ("SQS messages").
        self.what = what
        #: The key of the list of records delivered one at a time, or None.
        self.records = records
        #: What a route's ``source`` is matched against; empty: such events carry none.
        self.source = source
        self.source_of = source_of
        #: ``"queue"`` or ``"stream"``: a partial batch response names failed records.
        self.batch = batch
        #: The record's id (the batch item identifier) or the event's.
        self.id_of = id_of


KINDS: dict[str, Kind] = {
    "aws.sqs": Kind(
        "SQS messages",
        "Records",
        "the queue ARN (eventSourceARN)",
        _at("eventSourceARN"),
        "queue",
        _at("messageId"),
    ),
    "aws.sns": Kind(
        "SNS notifications",
        "Records",
        "the topic ARN (Sns.TopicArn)",
        _at("Sns", "TopicArn"),
        id_of=_at("Sns", "MessageId"),
    ),
    "aws.s3": Kind(
        "S3 object notifications",
        "Records",
        "the bucket name (s3.bucket.name)",
        _at("s3", "bucket", "name"),
        id_of=_at("responseElements", "x-amz-request-id"),
    ),
    "aws.dynamodb": Kind(
        "DynamoDB stream records",
        "Records",
        "the stream ARN (eventSourceARN)",
        _at("eventSourceARN"),
        "stream",
        _at("dynamodb", "SequenceNumber"),
    ),
    "aws.kinesis": Kind(
        "Kinesis stream records",
        "Records",
        "the stream ARN (eventSourceARN)",
        _at("eventSourceARN"),
        "stream",
        _at("kinesis", "sequenceNumber"),
    ),
    "aws.events.scheduled": Kind(
        "an EventBridge schedule",
        None,
        "the rule or schedule ARN (resources[0])",
        _at("resources", 0),
        id_of=_at("id"),
    ),
    "aws.events": Kind(
        "an EventBridge event",
        None,
        "the event's source (source, such as aws.ec2)",
        _at("source"),
        id_of=_at("id"),
    ),
    "aliyun.timer": Kind(
        "an Alibaba Cloud timer", None, "the trigger name (triggerName)", _at("triggerName")
    ),
    "aliyun.oss": Kind(
        "Alibaba Cloud OSS notifications",
        "events",
        "the bucket name (oss.bucket.name)",
        _at("oss", "bucket", "name"),
        id_of=_at("responseElements", "requestId"),
    ),
    "aliyun.mns": Kind(
        "an Alibaba Cloud MNS topic message",
        None,
        "the topic name (TopicName)",
        _at("TopicName"),
        id_of=_at("MessageId"),
    ),
    "tencent.timer": Kind(
        "a Tencent Cloud timer", None, "the trigger name (TriggerName)", _at("TriggerName")
    ),
    "tencent.cos": Kind(
        "Tencent COS notifications",
        "Records",
        "the bucket name (cos.cosBucket.name)",
        _at("cos", "cosBucket", "name"),
    ),
    "tencent.cmq": Kind(
        "Tencent CMQ topic messages",
        "Records",
        "the topic name (CMQ.topicName)",
        _at("CMQ", "topicName"),
        id_of=_at("CMQ", "msgId"),
    ),
    "huawei.timer": Kind(
        "a Huawei Cloud timer", None, "the trigger name (trigger_name)", _at("trigger_name")
    ),
    "yandex.timer": Kind(
        "a Yandex Cloud timer",
        "messages",
        "the trigger id (details.trigger_id)",
        _at("details", "trigger_id"),
        id_of=_at("event_metadata", "event_id"),
    ),
    "google.cloudevent": Kind(
        "a CloudEvent", None, "the event's source attribute", _at("source"), id_of=_at("id")
    ),
    "azure.timer": Kind("an Azure Functions timer", None, ""),
    "azure.queue": Kind("an Azure Storage queue message", None, "", id_of=_at("id")),
    "custom": Kind("an event of your own", None, ""),
}

_AWS_RECORD_SOURCES = {
    "aws:sqs": "aws.sqs",
    "aws:s3": "aws.s3",
    "aws:dynamodb": "aws.dynamodb",
    "aws:kinesis": "aws.kinesis",
}
_SCHEDULE_SOURCES = frozenset({"aws.events", "aws.scheduler"})
_YANDEX_TIMER = "yandex.cloud.events.serverless.triggers.TimerMessage"


def recognise(event: Any) -> str | None:
    """The trigger type of a non-HTTP event (see the module table), or None.

    Cheap and side-effect free; it never claims an HTTP event of any vendor.
    """
    if isinstance(event, Mapping):
        records = event.get("Records")
        if records is not None:
            return _record_kind(records)
        if "detail-type" in event:
            source = event.get("source")
            if not isinstance(source, str) or "detail" not in event:
                return None
            if event["detail-type"] == "Scheduled Event" and source in _SCHEDULE_SOURCES:
                return "aws.events.scheduled"
            return "aws.events"
        if "triggerTime" in event:
            keys = ("triggerTime", "triggerName", "payload")
            return "aliyun.timer" if all(isinstance(event.get(k), str) for k in keys) else None
        if "events" in event:
            first = _first(event["events"])
            return "aliyun.oss" if first and first.get("eventSource") == "acs:oss" else None
        if "TopicName" in event:
            mns = ("TopicOwner", "MessageId", "Message")
            return "aliyun.mns" if all(k in event for k in mns) else None
        if event.get("Type") == "Timer":
            return "tencent.timer" if isinstance(event.get("TriggerName"), str) else None
        if event.get("trigger_type") == "TIMER":
            return "huawei.timer"
        if "messages" in event:
            first = _first(event["messages"])
            metadata = first.get("event_metadata") if first else None
            if isinstance(metadata, Mapping) and metadata.get("event_type") == _YANDEX_TIMER:
                return "yandex.timer"
            return None
        if "specversion" in event:
            attributes = ("specversion", "type", "source", "id")
            found = all(isinstance(event.get(k), str) for k in attributes)
            return "google.cloudevent" if found else None
        return None
    module = type(event).__module__
    if module.startswith("azure.functions"):
        if hasattr(event, "past_due"):
            return "azure.timer"
        if hasattr(event, "pop_receipt") and hasattr(event, "dequeue_count"):
            return "azure.queue"
    elif module.startswith("cloudevents") and callable(getattr(event, "get_attributes", None)):
        return "google.cloudevent"
    return None


def _first(items: Any) -> Mapping[str, Any] | None:
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        return items[0]
    return None


def _record_kind(records: Any) -> str | None:
    first = _first(records)
    if first is None:
        return None
    source = first.get("eventSource")
    if isinstance(source, str):
        return _AWS_RECORD_SOURCES.get(source)
    if first.get("EventSource") == "aws:sns":
        return "aws.sns"
    if isinstance(first.get("CMQ"), Mapping):
        return "tencent.cmq"
    inner = first.get("event")
    if isinstance(inner, Mapping) and inner.get("eventSource") == "qcs::cos":
        return "tencent.cos"
    return None


def as_json(event: Any) -> Any:
    """The event as JSON-able data: SDK objects (Azure, CloudEvents) become dicts."""
    if isinstance(event, (Mapping, list, str, int, float, bool)) or event is None:
        return event
    module = type(event).__module__
    if module.startswith("cloudevents"):
        data = event.data
        found = dict(event.get_attributes())
        if isinstance(data, (bytes, bytearray)):
            found["data_base64"] = b64.encode(data)
        else:
            found["data"] = data
        return found
    if module.startswith("azure.functions"):
        if hasattr(event, "past_due"):
            return {
                "past_due": event.past_due,
                "schedule_status": getattr(event, "schedule_status", None),
                "schedule": getattr(event, "schedule", None),
            }
        body = event.get_body()
        found = {"id": event.id, "dequeue_count": event.dequeue_count}
        try:
            found["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            found["body_base64"] = b64.encode(body)
        for name in ("insertion_time", "expiration_time", "time_next_visible"):
            value = getattr(event, name, None)
            found[name] = value.isoformat() if isinstance(value, datetime.datetime) else value
        return found
    return event
