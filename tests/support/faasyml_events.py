"""Non-HTTP events for the faas.yml tests: the samples' types, and documented shapes.

``SAMPLE_TYPES`` gives the trigger type every file in ``tests/samples/non-http/``
must be recognised as, read from each vendor's documentation of the keys (the
key that decides is named beside each), not from our code. ``EXTRA_SAMPLE_TYPES``
does the same for the optional extra corpus (``FAAS_BRIDGE_EVENTS``), whose
files are named ``extra/non-http/<file>``.

``DOCUMENTED`` holds events of the trigger types no sample file covers, each
written from the field list of the documentation named beside it, with values
of our own.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

#: Own sample file -> trigger type (None: the warm-up ping, answered by the lifecycle shim).
SAMPLE_TYPES: dict[str, str | None] = {
    "non-http/aws-sqs-one-record.json": "aws.sqs",  # Records[].eventSource == "aws:sqs"
    "non-http/aws-sqs-two-records.json": "aws.sqs",
    "non-http/aws-sns-notification.json": "aws.sns",  # Records[].EventSource == "aws:sns"
    "non-http/aws-sns-with-attributes.json": "aws.sns",
    "non-http/aws-s3-put.json": "aws.s3",  # Records[].eventSource == "aws:s3"
    "non-http/aws-s3-object-created.json": "aws.s3",
    # source "aws.events", detail-type "Scheduled Event"
    "non-http/aws-eventbridge-scheduled.json": "aws.events.scheduled",
    # an EC2 state change: source "aws.ec2", any other detail-type
    "non-http/aws-eventbridge-custom.json": "aws.events",
    "non-http/aliyun-fc-timer.json": "aliyun.timer",  # triggerTime, triggerName, payload
    "non-http/aliyun-fc-oss.json": "aliyun.oss",  # events[].eventSource == "acs:oss"
    "non-http/tencent-scf-timer.json": "tencent.timer",  # Type == "Timer"
    "non-http/tencent-scf-timer-cli.json": "tencent.timer",
    "non-http/tencent-scf-cos.json": "tencent.cos",  # Records[].event.eventSource qcs::cos
    "non-http/huawei-fg-timer.json": "huawei.timer",  # trigger_type == "TIMER"
    "non-http/yandex-timer.json": "yandex.timer",  # event_type ...TimerMessage
    "non-http/serverless-plugin-warmup.json": None,
}

#: The source each own sample's routes can match (documented field, read by hand from the file).
SAMPLE_SOURCES: dict[str, str] = {
    "non-http/aws-sqs-one-record.json": "arn:aws:sqs:eu-west-1:123456789012:notes-import",
    "non-http/aws-sqs-two-records.json": "arn:aws:sqs:eu-west-1:123456789012:thumbnails",
    "non-http/aws-sns-notification.json": "arn:aws:sns:eu-west-1:123456789012:deploy-alerts",
    "non-http/aws-sns-with-attributes.json": "arn:aws:sns:eu-west-1:123456789012:order-events",
    "non-http/aws-s3-put.json": "notes-uploads-eu",
    "non-http/aws-s3-object-created.json": "media-archive-7f3a",
    "non-http/aws-eventbridge-scheduled.json": (
        "arn:aws:events:eu-west-1:123456789012:rule/nightly-digest"
    ),
    "non-http/aws-eventbridge-custom.json": "aws.ec2",
    "non-http/aliyun-fc-timer.json": "nightly-cleanup",
    "non-http/aliyun-fc-oss.json": "photo-inbox",
    "non-http/tencent-scf-timer.json": "EveryNight",
    "non-http/tencent-scf-timer-cli.json": "local-test",
    "non-http/tencent-scf-cos.json": "avatars",
    "non-http/huawei-fg-timer.json": "nightly_backup",
    "non-http/yandex-timer.json": "a1t9r8i7g6g5e4r3i2d1",
}

#: The extra corpus's files -> trigger type, as SAMPLE_TYPES.
EXTRA_SAMPLE_TYPES: dict[str, str | None] = {
    "extra/non-http/aws-sqs-sam.json": "aws.sqs",
    "extra/non-http/aws-sqs-powertools.json": "aws.sqs",
    "extra/non-http/aws-sns-sam.json": "aws.sns",
    "extra/non-http/aws-sns-powertools.json": "aws.sns",
    "extra/non-http/aws-s3-put-sam.json": "aws.s3",
    "extra/non-http/aws-s3-powertools.json": "aws.s3",
    "extra/non-http/aws-eventbridge-scheduled-sam.json": "aws.events.scheduled",
    "extra/non-http/aws-eventbridge-custom-powertools.json": "aws.events",
    "extra/non-http/aliyun-fc-timer-doc.json": "aliyun.timer",
    "extra/non-http/aliyun-fc-oss-doc.json": "aliyun.oss",
    "extra/non-http/tencent-scf-timer-doc.json": "tencent.timer",
    "extra/non-http/tencent-scf-timer-scfcli.json": "tencent.timer",
    "extra/non-http/tencent-scf-cos-doc.json": "tencent.cos",
    "extra/non-http/huawei-fg-timer-otc.json": "huawei.timer",
    "extra/non-http/yandex-timer-doc.json": "yandex.timer",
    "extra/non-http/serverless-plugin-warmup-default.json": None,
}

#: The extra corpus's sources, as SAMPLE_SOURCES.
EXTRA_SAMPLE_SOURCES: dict[str, str] = {
    "extra/non-http/aws-sqs-sam.json": "arn:aws:sqs:us-east-1:123456789012:MyQueue",
    "extra/non-http/aws-sqs-powertools.json": "arn:aws:sqs:us-east-2:123456789012:my-queue",
    "extra/non-http/aws-sns-sam.json": "arn:aws:sns:us-east-1:123456789012:ExampleTopic",
    "extra/non-http/aws-sns-powertools.json": "arn:aws:sns:us-east-2:123456789012:sns-lambda",
    "extra/non-http/aws-s3-put-sam.json": "example-bucket",
    "extra/non-http/aws-s3-powertools.json": "lambda-artifacts-deafc19498e3f2df",
    "extra/non-http/aws-eventbridge-scheduled-sam.json": (
        "arn:aws:events:us-east-1:123456789012:rule/ExampleRule"
    ),
    "extra/non-http/aws-eventbridge-custom-powertools.json": "aws.ec2",
    "extra/non-http/aliyun-fc-timer-doc.json": "timer-trigger",
    "extra/non-http/aliyun-fc-oss-doc.json": "testbucket",
    "extra/non-http/tencent-scf-timer-doc.json": "EveryDay",
    "extra/non-http/tencent-scf-timer-scfcli.json": "demo",
    "extra/non-http/tencent-scf-cos-doc.json": "testpic",
    "extra/non-http/huawei-fg-timer-otc.json": "Timer_001",
    "extra/non-http/yandex-timer-doc.json": "a1sfe084v4se********",
}

_KINESIS_STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/order-updates"
_KINESIS_SEQUENCES = (
    "49653118520411963087542217803266198154721480329845211138",
    "49653118520411963087542217803267407080541094959019917314",
)

_DOCUMENTED: dict[str, tuple[str, Any]] = {
    # AWS Lambda Developer Guide, "Using AWS Lambda with Amazon DynamoDB" (the
    # stream record event: Records[].eventID, eventName, eventVersion,
    # eventSource "aws:dynamodb", awsRegion, eventSourceARN, and dynamodb{Keys,
    # NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType}).
    "aws-dynamodb": (
        "aws.dynamodb",
        {
            "Records": [
                {
                    "eventID": "7b2f0c9e41a35d6e8f17c2b4a9d03e51",
                    "eventName": "INSERT",
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "eu-west-1",
                    "dynamodb": {
                        "ApproximateCreationDateTime": 1718962410,
                        "Keys": {"NoteId": {"S": "n-5521"}},
                        "NewImage": {"NoteId": {"S": "n-5521"}, "Title": {"S": "Groceries"}},
                        "SequenceNumber": "730100000000041829315566",
                        "SizeBytes": 48,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                    "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:"
                    "table/notes/stream/2024-06-01T08:00:00.000",
                },
                {
                    "eventID": "c40e8a17f2d95b3c6e0a71f48b2d9c06",
                    "eventName": "MODIFY",
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "eu-west-1",
                    "dynamodb": {
                        "ApproximateCreationDateTime": 1718962433,
                        "Keys": {"NoteId": {"S": "n-5521"}},
                        "NewImage": {"NoteId": {"S": "n-5521"}, "Title": {"S": "Shopping"}},
                        "OldImage": {"NoteId": {"S": "n-5521"}, "Title": {"S": "Groceries"}},
                        "SequenceNumber": "730100000000041829317204",
                        "SizeBytes": 91,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                    "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:"
                    "table/notes/stream/2024-06-01T08:00:00.000",
                },
            ]
        },
    ),
    # AWS Lambda Developer Guide, "Using Lambda with Kinesis Data Streams" (the
    # event: Records[].kinesis{kinesisSchemaVersion, partitionKey, sequenceNumber,
    # data (base64), approximateArrivalTimestamp}, eventSource "aws:kinesis",
    # eventVersion, eventID "shardId-...:<sequence number>", eventName
    # "aws:kinesis:record", invokeIdentityArn, awsRegion, eventSourceARN).
    "aws-kinesis": (
        "aws.kinesis",
        {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": "order-A-1029",
                        "sequenceNumber": sequence,
                        "data": base64.b64encode(data).decode(),
                        "approximateArrivalTimestamp": arrival,
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": f"shardId-000000000002:{sequence}",
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": "arn:aws:iam::123456789012:role/order-stream-reader",
                    "awsRegion": "eu-west-1",
                    "eventSourceARN": _KINESIS_STREAM,
                }
                for sequence, data, arrival in zip(
                    _KINESIS_SEQUENCES,
                    (b"order A-1029 packed", b"order A-1029 shipped"),
                    (1718962512.204, 1718962519.731),
                    strict=True,
                )
            ]
        },
    ),
    # An EventBridge Scheduler schedule: the envelope of Amazon EventBridge's event
    # structure (version, id, detail-type, source, account, time, region,
    # resources, detail), from the source aws.scheduler, the resource its schedule.
    "aws-scheduler": (
        "aws.events.scheduled",
        {
            "version": "0",
            "id": "5e0c7a92-d1b4-4f38-9a6e-2b7d0c1f8e43",
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "account": "123456789012",
            "time": "2024-06-21T04:30:00Z",
            "region": "eu-west-1",
            "resources": ["arn:aws:scheduler:eu-west-1:123456789012:schedule/default/reindex"],
            "detail": {},
        },
    ),
    # Alibaba Cloud Function Compute, "Formats of event for different triggers",
    # MNS topic trigger with the JSON event format (TopicOwner, Message, Subscriber,
    # PublishTime, SubscriptionName, MessageMD5, TopicName, MessageId).
    "aliyun-mns": (
        "aliyun.mns",
        {
            "TopicOwner": "1234567890123456",
            "Message": "rebuild the search index",
            "Subscriber": "1234567890123456",
            "PublishTime": 1718962620417,
            "SubscriptionName": "index-worker",
            "MessageMD5": "FE5751184EBF08B1D8D03C79AC6EAFCC",  # MD5 of Message
            "TopicName": "index-jobs",
            "MessageId": "66751B7C0A1E2F3D4B5C6A70",
        },
    ),
    # Tencent Cloud SCF, "Trigger event message structure summary", CMQ Topic
    # trigger (Records[].CMQ{type, topicOwner, topicName, subscriptionName,
    # publishTime, msgId, requestId, msgBody, msgTag}).
    "tencent-cmq": (
        "tencent.cmq",
        {
            "Records": [
                {
                    "CMQ": {
                        "type": "topic",
                        "topicOwner": 1250000000,
                        "topicName": "order-events",
                        "subscriptionName": "invoice-writer",
                        "publishTime": "2024-06-21T10:15:02.000Z",
                        "msgId": "8942173650",
                        "requestId": "17520938461",
                        "msgBody": "order A-1029 shipped",
                        "msgTag": "orders,shipping",
                    }
                }
            ]
        },
    ),
    # CloudEvents 1.0 structured mode (cloudevents/spec, JSON format), a Pub/Sub message
    "cloudevent-structured": (
        "google.cloudevent",
        {
            "specversion": "1.0",
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/demo/topics/nightly",
            "id": "1234567890",
            "time": "2024-01-01T03:00:00Z",
            "datacontenttype": "application/json",
            "data": {"message": {"data": base64.b64encode(b"run").decode(), "messageId": "9"}},
        },
    ),
}


def documented_names() -> list[str]:
    return sorted(_DOCUMENTED)


def documented_event(name: str) -> Any:
    """A fresh copy of the documented event ``name``."""
    return copy.deepcopy(_DOCUMENTED[name][1])


def documented_type(name: str) -> str:
    return _DOCUMENTED[name][0]


def azure_timer() -> Any:
    """What the Azure Python worker passes a timer-triggered function."""
    from azure.functions.timer import TimerRequest

    return TimerRequest(past_due=True)


def azure_queue(body: bytes = b'{"job": "resize"}') -> Any:
    """What the Azure Python worker passes a queue-triggered function."""
    import azure.functions as func

    return func.QueueMessage(id="msg-1", body=body, pop_receipt="receipt")


def cloudevent_object() -> Any:
    """What functions-framework passes a ``cloud_event`` function (the SDK's object)."""
    from cloudevents.http import CloudEvent

    return CloudEvent(
        {
            "type": "google.cloud.storage.object.v1.finalized",
            "source": "//storage.googleapis.com/projects/_/buckets/uploads",
            "id": "42",
        },
        {"bucket": "uploads", "name": "a.jpg"},
    )
