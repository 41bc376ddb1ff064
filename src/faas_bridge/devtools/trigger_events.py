"""The events of non-HTTP triggers, built for ``faas-bridge events new TYPE``.

One builder per trigger type that ``faas.yml`` routes (the types of
:data:`faas_bridge.routing.kinds.KINDS`), each making the JSON event the vendor
delivers, in its documented shape, from what the user gives: messages (a
queue message's body, an object key, a timer's payload...), a source (the
queue, topic, bucket, rule or trigger) and, for EventBridge and CloudEvents,
an event type. Every id, account, address and date is made up here or taken
from the clock; nothing is copied from a real delivery.

Dev tooling: the command imports it; a deployed function never does.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

#: The account, region and addresses of every built event (documentation values).
ACCOUNT = "123456789012"
REGION = "us-east-1"
CLIENT_IP = "198.51.100.7"
ALIYUN_ACCOUNT = "1234567890123456"
ALIYUN_REGION = "cn-hangzhou"
TENCENT_APPID = "1250000000"


class EventError(ValueError):
    """The messages or settings given cannot make this type's event."""


@dataclass(frozen=True)
class Request:
    """What ``events new TYPE`` was asked for."""

    messages: tuple[str, ...] = ()
    source: str | None = None
    event_type: str | None = None
    now: datetime.datetime | None = None

    @property
    def time(self) -> datetime.datetime:
        return self.now or datetime.datetime.now(datetime.timezone.utc)

    def one(self, what: str, default: str = "") -> str:
        """The single message of a type delivering one per invocation."""
        if len(self.messages) > 1:
            raise EventError(f"{what} delivers one message per invocation: give one --message")
        return self.messages[0] if self.messages else default

    def several(self, default: str) -> tuple[str, ...]:
        return self.messages or (default,)

    def none(self, what: str) -> None:
        if self.messages:
            raise EventError(f"{what} carries no message: leave out --message")


def _id(n: int) -> str:
    """A message id of the UUID form, numbered: the same command prints the same ids."""
    return str(uuid.UUID(int=n))


def _iso(when: datetime.datetime, digits: int = 3) -> str:
    text = when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += f".{when.microsecond:06d}"[: digits + 1]
    return text + "Z"


def _ms(when: datetime.datetime) -> int:
    return int(when.timestamp() * 1000)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _region_of(arn: str, default: str = REGION) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else default


# -- AWS ---------------------------------------------------------------------------------


def aws_sqs(request: Request) -> dict[str, Any]:
    """An SQS batch: one record per message, the message as ``body``."""
    arn = request.source or f"arn:aws:sqs:{REGION}:{ACCOUNT}:faas-bridge-queue"
    sent = str(_ms(request.time))
    return {
        "Records": [
            {
                "messageId": _id(n),
                "receiptHandle": base64.b64encode(f"faas-bridge receipt {n}".encode()).decode(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": f"AIDAFAASBRIDGE{n:06d}",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": _md5(body),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": _region_of(arn),
            }
            for n, body in enumerate(request.several('{"hello": "world"}'), start=1)
        ]
    }


def aws_sns(request: Request) -> dict[str, Any]:
    """An SNS notification: one record, the message as ``Sns.Message``."""
    topic = request.source or f"arn:aws:sns:{REGION}:{ACCOUNT}:faas-bridge-topic"
    message = request.one("SNS", '{"hello": "world"}')
    endpoint = f"https://sns.{_region_of(topic)}.amazonaws.com/"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:{_id(7)}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": _id(1),
                    "TopicArn": topic,
                    "Subject": None,
                    "Message": message,
                    "Timestamp": _iso(request.time),
                    "SignatureVersion": "1",
                    "Signature": base64.b64encode(b"not a real signature").decode(),
                    "SigningCertUrl": endpoint + "SimpleNotificationService-faas-bridge.pem",
                    "UnsubscribeUrl": f"{endpoint}?Action=Unsubscribe&SubscriptionArn={topic}",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def aws_s3(request: Request) -> dict[str, Any]:
    """S3 ``ObjectCreated:Put`` notifications: one record per key (URL-encoded, as S3 does)."""
    bucket = request.source or "faas-bridge-bucket"
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": _iso(request.time),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAFAASBRIDGE000001"},
                "requestParameters": {"sourceIPAddress": CLIENT_IP},
                "responseElements": {
                    "x-amz-request-id": f"FAASBRIDGE{n:06d}",
                    "x-amz-id-2": base64.b64encode(f"faas-bridge host id {n}".encode()).decode(),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "faas-bridge",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "AFAASBRIDGEOWNER"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": 0,
                        "eTag": _md5(""),
                        "sequencer": f"{_ms(request.time):016X}",
                    },
                },
            }
            for n, key in enumerate(request.several("uploads/hello.txt"), start=1)
        ]
    }


def _attribute_value(value: Any) -> dict[str, Any]:
    """A JSON value as DynamoDB's typed attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (int, float)):
        return {"N": json.dumps(value)}
    if isinstance(value, list):
        return {"L": [_attribute_value(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {str(k): _attribute_value(v) for k, v in value.items()}}
    return {"S": str(value)}


def aws_dynamodb(request: Request) -> dict[str, Any]:
    """DynamoDB stream ``INSERT`` records: each message is the new item, as a JSON object."""
    arn = request.source or (
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/faas-bridge/stream/2024-01-01T00:00:00.000"
    )
    records = []
    for n, text in enumerate(request.several('{"id": "1", "title": "hello"}'), start=1):
        item = _json_or_text(text)
        if not isinstance(item, dict) or not item:
            raise EventError(f"a DynamoDB record's item is a JSON object, not {text!r}")
        key = "id" if "id" in item else next(iter(item))
        image = {str(k): _attribute_value(v) for k, v in item.items()}
        records.append(
            {
                "eventID": _md5(f"faas-bridge record {n}"),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": _region_of(arn),
                "dynamodb": {
                    "ApproximateCreationDateTime": int(request.time.timestamp()),
                    "Keys": {key: image[key]},
                    "NewImage": image,
                    "SequenceNumber": f"{n:021d}",
                    "SizeBytes": len(json.dumps(image)),
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": arn,
            }
        )
    return {"Records": records}


def aws_kinesis(request: Request) -> dict[str, Any]:
    """Kinesis records: each message base64-encoded as ``kinesis.data``."""
    arn = request.source or f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/faas-bridge-stream"
    arrival = round(request.time.timestamp(), 3)
    records = []
    for n, data in enumerate(request.several('{"hello": "world"}'), start=1):
        sequence = f"{n:056d}"
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": f"partition-{n}",
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(data.encode("utf-8")).decode("ascii"),
                    "approximateArrivalTimestamp": arrival,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/faas-bridge-role",
                "awsRegion": _region_of(arn),
                "eventSourceARN": arn,
            }
        )
    return {"Records": records}


def _eventbridge(
    request: Request, source: str, detail_type: str, resources: list[str], detail: Any
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": _id(1),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": _iso(request.time, 0),
        "region": REGION,
        "resources": resources,
        "detail": detail,
    }


def aws_events_scheduled(request: Request) -> dict[str, Any]:
    """An EventBridge schedule's event: ``Scheduled Event`` with the rule's ARN and no detail."""
    request.none("An EventBridge schedule")
    rule = request.source or f"arn:aws:events:{REGION}:{ACCOUNT}:rule/faas-bridge-nightly"
    return _eventbridge(request, "aws.events", "Scheduled Event", [rule], {})


def aws_events(request: Request) -> dict[str, Any]:
    """An EventBridge event of your choosing: the message is its ``detail`` (JSON)."""
    detail = _json_or_text(request.one("An EventBridge event", "{}"))
    if not isinstance(detail, dict):
        raise EventError("an EventBridge event's detail is a JSON object: give one as --message")
    source = request.source or "com.example.notes"
    return _eventbridge(request, source, request.event_type or "Note Created", [], detail)


# -- Alibaba Cloud -------------------------------------------------------------------------


def aliyun_timer(request: Request) -> dict[str, Any]:
    """A Function Compute timer: the message is the trigger's ``payload``."""
    return {
        "triggerTime": _iso(request.time, 0),
        "triggerName": request.source or "faas-bridge-timer",
        "payload": request.one("A timer", ""),
    }


def aliyun_oss(request: Request) -> dict[str, Any]:
    """OSS ``ObjectCreated:PutObject`` notifications: one per object key."""
    bucket = request.source or "faas-bridge-bucket"
    return {
        "events": [
            {
                "eventName": "ObjectCreated:PutObject",
                "eventSource": "acs:oss",
                "eventTime": _iso(request.time),
                "eventVersion": "1.0",
                "oss": {
                    "bucket": {
                        "arn": f"acs:oss:{ALIYUN_REGION}:{ALIYUN_ACCOUNT}:{bucket}",
                        "name": bucket,
                        "ownerIdentity": ALIYUN_ACCOUNT,
                    },
                    "object": {"deltaSize": 0, "eTag": _md5("").upper(), "key": key, "size": 0},
                    "ossSchemaVersion": "1.0",
                    "ruleId": "faas-bridge",
                },
                "region": ALIYUN_REGION,
                "requestParameters": {"sourceIPAddress": CLIENT_IP},
                "responseElements": {"requestId": _md5(f"faas-bridge {n}")[:24].upper()},
                "userIdentity": {"principalId": ALIYUN_ACCOUNT},
            }
            for n, key in enumerate(request.several("uploads/hello.txt"), start=1)
        ]
    }


def aliyun_mns(request: Request) -> dict[str, Any]:
    """An MNS topic message in the trigger's JSON format."""
    message = request.one("An MNS topic trigger", "hello")
    return {
        "TopicOwner": ALIYUN_ACCOUNT,
        "Message": message,
        "Subscriber": ALIYUN_ACCOUNT,
        "PublishTime": _ms(request.time),
        "SubscriptionName": "faas-bridge",
        "MessageMD5": _md5(message).upper(),
        "TopicName": request.source or "faas-bridge-topic",
        "MessageId": _md5("faas-bridge message")[:24].upper(),
    }


# -- Tencent, Huawei, Yandex -------------------------------------------------------------------


def tencent_timer(request: Request) -> dict[str, Any]:
    """An SCF timer: the message is its ``Message`` (the trigger's attached text)."""
    return {
        "Type": "Timer",
        "TriggerName": request.source or "faas-bridge-timer",
        "Time": _iso(request.time, 0),
        "Message": request.one("A timer", ""),
    }


def tencent_cos(request: Request) -> dict[str, Any]:
    """COS ``ObjectCreated`` notifications: one record per object key."""
    bucket = request.source or "faas-bridge-bucket"
    host = f"{bucket}-{TENCENT_APPID}.cos.ap-guangzhou.myqcloud.com"
    return {
        "Records": [
            {
                "cos": {
                    "cosSchemaVersion": "1.0",
                    "cosObject": {
                        "url": f"https://{host}/{key}",
                        "meta": {"x-cos-request-id": _md5(f"faas-bridge {n}"), "Content-Type": ""},
                        "vid": "",
                        "key": f"/{TENCENT_APPID}/{bucket}/{key}",
                        "size": 0,
                    },
                    "cosBucket": {"region": "gz", "name": bucket, "appid": TENCENT_APPID},
                    "cosNotificationId": "faas-bridge",
                },
                "event": {
                    "eventName": "cos:ObjectCreated:Put",
                    "eventVersion": "1.0",
                    "eventTime": int(request.time.timestamp()),
                    "eventSource": "qcs::cos",
                    "requestParameters": {"requestSourceIP": CLIENT_IP, "requestHeaders": {}},
                    "eventQueue": f"qcs:0:scf:gz:appid/{TENCENT_APPID}:default.faas-bridge.$LATEST",
                    "reservedInfo": "",
                    "reqid": n,
                },
            }
            for n, key in enumerate(request.several("uploads/hello.txt"), start=1)
        ]
    }


def tencent_cmq(request: Request) -> dict[str, Any]:
    """CMQ topic messages: one record per message, the message as ``CMQ.msgBody``."""
    topic = request.source or "faas-bridge-topic"
    return {
        "Records": [
            {
                "CMQ": {
                    "type": "topic",
                    "topicOwner": int(TENCENT_APPID),
                    "topicName": topic,
                    "subscriptionName": "faas-bridge",
                    "publishTime": _iso(request.time),
                    "msgId": str(n),
                    "requestId": _md5(f"faas-bridge {n}")[:16],
                    "msgBody": body,
                    "msgTag": "",
                }
            }
            for n, body in enumerate(request.several("hello"), start=1)
        ]
    }


def huawei_timer(request: Request) -> dict[str, Any]:
    """A FunctionGraph timer: the message is its ``user_event``."""
    local = request.time.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    return {
        "version": "v1.0",
        "time": local.isoformat(timespec="seconds"),
        "trigger_type": "TIMER",
        "trigger_name": request.source or "faas-bridge-timer",
        "user_event": request.one("A timer", ""),
    }


def yandex_timer(request: Request) -> dict[str, Any]:
    """A Cloud Functions timer: one message, the payload in ``details.payload``."""
    return {
        "messages": [
            {
                "event_metadata": {
                    "event_id": "a1sfaasbridge00000001",
                    "event_type": "yandex.cloud.events.serverless.triggers.TimerMessage",
                    "created_at": _iso(request.time, 6),
                    "cloud_id": "b1gfaasbridgecloud01",
                    "folder_id": "b1gfaasbridgefolder1",
                },
                "details": {
                    "trigger_id": request.source or "a1sfaasbridgetrigger",
                    "payload": request.one("A timer", ""),
                },
            }
        ]
    }


# -- CloudEvents, and events of your own ------------------------------------------------------


def google_cloudevent(request: Request) -> dict[str, Any]:
    """A CloudEvent in structured JSON form: the message is its ``data``."""
    data = _json_or_text(request.one("A CloudEvent", "{}"))
    return {
        "specversion": "1.0",
        "type": request.event_type or "com.example.notes.created",
        "source": request.source or "//faas-bridge.local/notes",
        "id": _id(1),
        "time": _iso(request.time),
        "datacontenttype": "application/json" if not isinstance(data, str) else "text/plain",
        "data": data,
    }


def custom(request: Request) -> Any:
    """An event of your own: the message, as JSON."""
    text = request.one("An event of your own", "")
    if not text:
        raise EventError('give the event as --message (JSON), such as --message \'{"job": "x"}\'')
    try:
        return json.loads(text)
    except ValueError as exc:
        raise EventError(f"an event of your own is JSON: {exc}") from None


def _not_json(kind: str, what: str) -> Callable[[Request], Any]:
    def refuse(request: Request) -> Any:
        raise EventError(
            f"{kind} events are {what} objects the Azure Functions Python worker builds, "
            f"not JSON: call handler({what}) from your {what} function"
        )

    return refuse


#: Trigger type -> builder, for every type of :data:`faas_bridge.routing.kinds.KINDS`.
BUILDERS: dict[str, Callable[[Request], Any]] = {
    "aws.sqs": aws_sqs,
    "aws.sns": aws_sns,
    "aws.s3": aws_s3,
    "aws.dynamodb": aws_dynamodb,
    "aws.kinesis": aws_kinesis,
    "aws.events.scheduled": aws_events_scheduled,
    "aws.events": aws_events,
    "aliyun.timer": aliyun_timer,
    "aliyun.oss": aliyun_oss,
    "aliyun.mns": aliyun_mns,
    "tencent.timer": tencent_timer,
    "tencent.cos": tencent_cos,
    "tencent.cmq": tencent_cmq,
    "huawei.timer": huawei_timer,
    "yandex.timer": yandex_timer,
    "google.cloudevent": google_cloudevent,
    "azure.timer": _not_json("azure.timer", "timer"),
    "azure.queue": _not_json("azure.queue", "queue message"),
    "custom": custom,
}

#: What ``--message`` is for each type, for ``events list``.
MESSAGES = {
    "aws.sqs": "message bodies (one record each)",
    "aws.sns": "the message",
    "aws.s3": "object keys (one record each)",
    "aws.dynamodb": "new items as JSON objects (one record each)",
    "aws.kinesis": "record data (one record each)",
    "aws.events.scheduled": "-",
    "aws.events": "the detail (JSON object)",
    "aliyun.timer": "the payload",
    "aliyun.oss": "object keys (one event each)",
    "aliyun.mns": "the message",
    "tencent.timer": "the message",
    "tencent.cos": "object keys (one record each)",
    "tencent.cmq": "message bodies (one record each)",
    "huawei.timer": "the user event",
    "yandex.timer": "the payload",
    "google.cloudevent": "the data",
    "azure.timer": "(not JSON)",
    "azure.queue": "(not JSON)",
    "custom": "the event (JSON)",
}


def build_trigger_event(
    kind: str,
    messages: Sequence[str] = (),
    *,
    source: str | None = None,
    event_type: str | None = None,
    now: datetime.datetime | None = None,
) -> Any:
    """The event a trigger of type ``kind`` delivers; EventError when it cannot be made."""
    if event_type is not None and kind not in ("aws.events", "google.cloudevent"):
        raise EventError(f"--event-type does not apply to {kind}")
    request = Request(tuple(messages), source, event_type, now)
    return BUILDERS[kind](request)
