"""Non-HTTP events for the faas.yml tests: the shared samples' types, and documented shapes.

``SAMPLE_TYPES`` gives the trigger type every file in ``../shared/events/non-http/``
must be recognised as, read from each vendor's documentation of the keys (see
that folder's README and EVENTS.md section 19), not from our code.

``EXTRA`` holds events of trigger types the shared folder has no sample of,
each copied in shape from the source named beside it (values shortened).
"""

from __future__ import annotations

import base64
import copy
from typing import Any

#: Sample file -> trigger type (None: the warm-up ping, answered by the lifecycle shim).
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

#: The source each sample's routes can match (documented field, read by hand from the file).
SAMPLE_SOURCES: dict[str, str] = {
    "non-http/aws-sqs-one-record.json": "arn:aws:sqs:us-east-1:123456789012:MyQueue",
    "non-http/aws-sqs-two-records.json": "arn:aws:sqs:us-east-2:123456789012:my-queue",
    "non-http/aws-sns-notification.json": "arn:aws:sns:us-east-1:123456789012:ExampleTopic",
    "non-http/aws-sns-with-attributes.json": "arn:aws:sns:us-east-2:123456789012:sns-lambda",
    "non-http/aws-s3-put.json": "example-bucket",
    "non-http/aws-s3-object-created.json": "lambda-artifacts-deafc19498e3f2df",
    "non-http/aws-eventbridge-scheduled.json": (
        "arn:aws:events:us-east-1:123456789012:rule/ExampleRule"
    ),
    "non-http/aws-eventbridge-custom.json": "aws.ec2",
    "non-http/aliyun-fc-timer.json": "timer-trigger",
    "non-http/aliyun-fc-oss.json": "testbucket",
    "non-http/tencent-scf-timer.json": "EveryDay",
    "non-http/tencent-scf-timer-cli.json": "demo",
    "non-http/tencent-scf-cos.json": "testpic",
    "non-http/huawei-fg-timer.json": "Timer_001",
    "non-http/yandex-timer.json": "a1sfe084v4se********",
}

_EXTRA: dict[str, tuple[str, Any]] = {
    # aws-powertools/powertools-lambda-python tests/events/dynamoStreamEvent.json (MIT-0)
    "aws-dynamodb-powertools": (
        "aws.dynamodb",
        {
            "Records": [
                {
                    "eventID": "1",
                    "eventVersion": "1.0",
                    "dynamodb": {
                        "Keys": {"Id": {"N": "101"}},
                        "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                        "SequenceNumber": "111",
                        "SizeBytes": 26,
                    },
                    "awsRegion": "us-west-2",
                    "eventName": "INSERT",
                    "eventSourceARN": "eventsource_arn",
                    "eventSource": "aws:dynamodb",
                },
                {
                    "eventID": "2",
                    "eventVersion": "1.0",
                    "dynamodb": {
                        "SequenceNumber": "222",
                        "Keys": {"Id": {"N": "101"}},
                        "SizeBytes": 59,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                    "awsRegion": "us-west-2",
                    "eventName": "MODIFY",
                    "eventSourceARN": "source_arn",
                    "eventSource": "aws:dynamodb",
                },
            ]
        },
    ),
    # aws-powertools/powertools-lambda-python tests/events/kinesisStreamEvent.json (MIT-0)
    "aws-kinesis-powertools": (
        "aws.kinesis",
        {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": "1",
                        "sequenceNumber": "4959033827149025660855969253"
                        "8361571095921575989136588898",
                        "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
                        "approximateArrivalTimestamp": 1545084650.987,
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": "shardId-000000000006:"
                    "49590338271490256608559692538361571095921575989136588898",
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
                    "awsRegion": "us-east-2",
                    "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
                },
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": "1",
                        "sequenceNumber": "4959033827149025660855969254"
                        "0925702759324208523137515618",
                        "data": "VGhpcyBpcyBvbmx5IGEgdGVzdC4=",
                        "approximateArrivalTimestamp": 1545084711.166,
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": "shardId-000000000006:"
                    "49590338271490256608559692540925702759324208523137515618",
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
                    "awsRegion": "us-east-2",
                    "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
                },
            ]
        },
    ),
    # aws-powertools/powertools-lambda-python tests/events/eventBridgeSchedulerEvent.json
    "aws-scheduler-powertools": (
        "aws.events.scheduled",
        {
            "version": "0",
            "id": "d167b752-343a-4b28-afd6-d4de056319e8",
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "account": "533568316194",
            "time": "2025-02-20T16:03:00Z",
            "region": "us-east-1",
            "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/aaaaa"],
            "detail": "{}",
        },
    ),
    # Alibaba Cloud FC docs, MNS topic trigger, event format JSON (help.aliyun.com 97022)
    "aliyun-mns-doc": (
        "aliyun.mns",
        {
            "TopicOwner": "118620210433****",
            "Message": "hello topic",
            "Subscriber": "118620210433****",
            "PublishTime": 1550216480040,
            "SubscriptionName": "test-fc-subscibe",
            "MessageMD5": "BA4BA9B48AC81F0F9C66F6C909C3****",
            "TopicName": "test-topic",
            "MessageId": "2F5B3C082B923D4EAC694B76D928****",
        },
    ),
    # Tencent Cloud docs, CMQ Topic trigger event structure (intl.cloud.tencent.com 583/11517)
    "tencent-cmq-doc": (
        "tencent.cmq",
        {
            "Records": [
                {
                    "CMQ": {
                        "type": "topic",
                        "topicOwner": 120,
                        "topicName": "testtopic",
                        "subscriptionName": "xxxxxx",
                        "publishTime": "1970-01-01T00:00:00.000Z",
                        "msgId": "123345346",
                        "requestId": "123345346",
                        "msgBody": "Hello from CMQ!",
                        "msgTag": "tag1,tag2",
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


def extra_names() -> list[str]:
    return sorted(_EXTRA)


def extra_event(name: str) -> Any:
    """A fresh copy of the documented event ``name``."""
    return copy.deepcopy(_EXTRA[name][1])


def extra_type(name: str) -> str:
    return _EXTRA[name][0]


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
