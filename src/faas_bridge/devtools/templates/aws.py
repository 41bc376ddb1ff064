"""AWS: an AWS SAM ``template.yaml`` and a Serverless Framework ``serverless.yml``.

Both describe the same deployment: one Lambda function per faas.yml function
(handler ``faas_bridge.handler``, the archive ``faas-bridge package --platform
aws`` builds), its routes on one API Gateway HTTP API (payload 2.0; a route
``/notes/*`` is the two gateway routes ``/notes`` and ``/notes/{proxy+}``, and
the catch-all function takes the ``$default`` route), a Function URL where
``http`` asks for one, and its triggers as the event sources Lambda documents.

A public Function URL (``AuthType: NONE``) needs two statements in the
function's resource policy since October 2025: ``lambda:InvokeFunctionUrl``
with ``FunctionUrlAuthType: NONE`` and ``lambda:InvokeFunction`` with
``InvokedViaFunctionUrl: true``; without the second the URL answers 403
(AWS Lambda Developer Guide, "Control access to Lambda function URLs").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faas_bridge.devtools.deploy import DeployError, FunctionDeploy, Project, TriggerDeploy
from faas_bridge.devtools.templates._base import (
    HANDLER,
    MARK,
    SECRET_VALUE,
    Rendered,
    dump_yaml,
    environment,
    http_paths,
    logical_id,
    methods_of,
    own_triggers,
    package_command,
    package_zip,
    python_runtime,
    require,
    secret_name,
)

#: Lambda's managed Python runtimes (AWS Lambda Developer Guide, "Lambda runtimes").
RUNTIMES = {
    "3.10": "python3.10",
    "3.11": "python3.11",
    "3.12": "python3.12",
    "3.13": "python3.13",
    "3.14": "python3.14",
}
DEFAULT_REGION = "us-east-1"
#: SQS's visibility timeout must be at least the function's timeout; AWS advises 6 times it.
VISIBILITY_FACTOR = 6


def _runtime(project: Project) -> str:
    return python_runtime(project, "AWS Lambda", RUNTIMES, "Lambda's managed runtimes")


def _variables(project: Project, function: FunctionDeploy) -> dict[str, str]:
    # A CloudFormation dynamic reference: resolved at deploy time, never in the file.
    found = environment(function, "{{resolve:secretsmanager:" + secret_name(project) + "}}")
    if function.stream and function.serves_http and function.http in ("url", "both"):
        # The managed Python loop cannot stream: faas_bridge's runtime takes over through
        # the exec wrapper (from the layer's python/ when dependencies are in a layer).
        base = "/opt/python" if function.layer else "/var/task"
        found["AWS_LAMBDA_EXEC_WRAPPER"] = f"{base}/faas_bridge/runtime/exec-wrapper"
        found["FAAS_BRIDGE_RESPONSE_STREAM"] = "on"
    return found


def _arn(service: str, value: str) -> Any:
    """An ARN as given, or one built from a bare name in the stack's account and region."""
    if value.startswith("arn:"):
        return value
    # Fn::Join, not Fn::Sub: the Serverless Framework reads the queue's name from its last item.
    return {
        "Fn::Join": [
            ":",
            [
                "arn",
                {"Ref": "AWS::Partition"},
                service,
                {"Ref": "AWS::Region"},
                {"Ref": "AWS::AccountId"},
                value,
            ],
        ]
    }


def _event_pattern(trigger: TriggerDeploy) -> dict[str, Any]:
    """An EventBridge pattern from the route's literal source and match values."""
    pattern: dict[str, Any] = {}
    source = trigger.literal_source()
    if source:
        pattern["source"] = [source]
    for path, value in trigger.route.match:
        if any(c in value for c in "*?["):
            continue  # a wildcard is narrowed by faas_bridge, not by the rule
        node = pattern
        keys = [str(key) for key in path]
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = [value]
    if not pattern:
        pattern["source"] = [{"prefix": ""}]
    return pattern


def _distinct_ids(project: Project) -> None:
    """CloudFormation ids are letters and digits: ``web-a`` and ``web_a`` would be one."""
    seen: dict[str, str] = {}
    for function in project.functions:
        key = logical_id(function.name, "Function")
        if key in seen:
            raise DeployError(
                f"the functions {seen[key]!r} and {function.name!r} have the same "
                f"CloudFormation name {key}: rename one in faas.yml"
            )
        seen[key] = function.name


# -- AWS SAM ---------------------------------------------------------------------------------


def sam(project: Project, out: Path) -> Rendered:
    """``template.yaml`` for ``sam deploy``."""
    rendered = Rendered("sam")
    runtime = _runtime(project)
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    has_api = any(f.serves_http and f.http in ("api", "both") for f in project.functions)
    if has_api:
        resources["HttpApi"] = {
            "Type": "AWS::Serverless::HttpApi",
            "Properties": {"StageName": project.stage},
        }
        outputs["HttpApiUrl"] = {
            "Description": "The HTTP API's URL (the stage is the app's root path)",
            "Value": {
                "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
                + project.stage
                + "/"
            },
        }
    if project.layer:
        resources["DependenciesLayer"] = {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "Description": f"{project.name}'s dependencies (faas-bridge package --layer)",
                "ContentUri": package_zip(project, out, "aws", "layer.zip"),
                "CompatibleRuntimes": [runtime],
                "CompatibleArchitectures": [project.arch],
            },
        }
    _distinct_ids(project)
    for function in project.functions:
        _sam_function(project, function, out, runtime, resources, outputs, rendered)
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"{project.name} ({project.stage}): faas.yml's functions on AWS Lambda",
        "Resources": resources,
    }
    if outputs:
        template["Outputs"] = outputs
    rendered.files["template.yaml"] = dump_yaml(template, "sam")
    stack = f"{project.name}-{project.stage}"
    region = f" --region {project.region}" if project.region else ""
    rendered.commands.append(package_command(project, "aws", arch=True))
    if project.needs_secret():
        rendered.commands.append(
            f"aws secretsmanager create-secret{region} --name {secret_name(project)} "
            f"--secret-string {SECRET_VALUE}"
        )
    rendered.commands.append(
        f"sam deploy --template-file template.yaml --stack-name {stack}{region} "
        "--resolve-s3 --capabilities CAPABILITY_IAM"
    )
    first = next(iter(outputs), None)
    if first:
        rendered.commands.append(
            f'curl "$(aws cloudformation describe-stacks --stack-name {stack}{region} '
            f'--query "Stacks[0].Outputs[?OutputKey==\'{first}\'].OutputValue" --output text)"'
        )
    return rendered


def _sam_function(
    project: Project,
    function: FunctionDeploy,
    out: Path,
    runtime: str,
    resources: dict[str, Any],
    outputs: dict[str, Any],
    rendered: Rendered,
) -> None:
    name = logical_id(function.name, "Function")
    events: dict[str, Any] = {}
    if function.serves_http and function.http in ("api", "both"):
        for index, (methods, path) in enumerate(function.route_paths()):
            for gateway_path in http_paths(path):
                for method in methods_of(methods) or ["ANY"]:
                    key = logical_id("Route", str(index), method, gateway_path) or "Route"
                    events[key[:60]] = {
                        "Type": "HttpApi",
                        "Properties": {
                            "ApiId": {"Ref": "HttpApi"},
                            "Path": gateway_path,
                            "Method": method,
                        },
                    }
        if function.catch_all:
            # Without Path and Method, SAM makes the HTTP API's $default route.
            events["CatchAll"] = {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "HttpApi"}}}
    for index, trigger in enumerate(own_triggers(function, "aws", rendered, "AWS")):
        made = _sam_event(project, function, trigger, index, resources)
        if made is not None:
            events[logical_id("Trigger", str(index), trigger.route.type)] = made
    properties: dict[str, Any] = {
        "CodeUri": package_zip(project, out, "aws"),
        "Handler": HANDLER,
        "Runtime": runtime,
        "Architectures": [function.arch],
        "MemorySize": function.memory,
        "Timeout": function.timeout,
        "Environment": {"Variables": _variables(project, function)},
    }
    if function.layer:
        properties["Layers"] = [{"Ref": "DependenciesLayer"}]
    if events:
        properties["Events"] = events
    resources[name] = {"Type": "AWS::Serverless::Function", "Properties": properties}
    if function.http in ("url", "both") and function.serves_http:
        url = logical_id(function.name, "FunctionUrl")
        resources[url] = {
            "Type": "AWS::Lambda::Url",
            "Properties": {
                "TargetFunctionArn": {"Fn::GetAtt": [name, "Arn"]},
                "AuthType": "NONE",
                "InvokeMode": "RESPONSE_STREAM" if function.stream else "BUFFERED",
            },
        }
        resources[logical_id(function.name, "FunctionUrlPermission")] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": name},
                "Action": "lambda:InvokeFunctionUrl",
                "Principal": "*",
                "FunctionUrlAuthType": "NONE",
            },
        }
        resources[logical_id(function.name, "FunctionUrlInvokePermission")] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": name},
                "Action": "lambda:InvokeFunction",
                "Principal": "*",
                "InvokedViaFunctionUrl": True,
            },
        }
        outputs[logical_id(function.name, "FunctionUrlOutput")] = {
            "Description": f"{function.name}'s Function URL",
            "Value": {"Fn::GetAtt": [url, "FunctionUrl"]},
        }


def _sam_event(
    project: Project,
    function: FunctionDeploy,
    trigger: TriggerDeploy,
    index: int,
    resources: dict[str, Any],
) -> dict[str, Any] | None:
    kind = trigger.route.type
    batch = ["ReportBatchItemFailures"] if trigger.route.partial_batch else []
    if kind == "aws.events.scheduled":
        schedule = require(trigger, "schedule", "cron(0 3 * * ? *)")
        return {"Type": "Schedule", "Properties": {"Schedule": schedule}}
    if kind == "aws.events":
        return {"Type": "EventBridgeRule", "Properties": {"Pattern": _event_pattern(trigger)}}
    if kind == "aws.sqs":
        properties: dict[str, Any] = {"Queue": _queue_arn(function, trigger, index, resources)}
        if batch:
            properties["FunctionResponseTypes"] = batch
        return {"Type": "SQS", "Properties": properties}
    if kind == "aws.sns":
        topic = require(trigger, "topic", "arn:aws:sns:REGION:ACCOUNT:TOPIC or a topic name")
        return {"Type": "SNS", "Properties": {"Topic": _arn("sns", topic)}}
    if kind in ("aws.dynamodb", "aws.kinesis"):
        stream = require(trigger, "stream", "the stream's ARN")
        properties = {"Stream": stream, "StartingPosition": "LATEST"}
        if batch:
            properties["FunctionResponseTypes"] = batch
        return {
            "Type": "DynamoDB" if kind == "aws.dynamodb" else "Kinesis",
            "Properties": properties,
        }
    if kind == "aws.s3":
        bucket = require(trigger, "bucket", "the bucket's name")
        # SAM attaches S3 notifications only to a bucket of the same template.
        bucket_id = logical_id(function.name, "FunctionBucket", str(index))
        resources[bucket_id] = {
            "Type": "AWS::S3::Bucket",
            "Properties": {"BucketName": bucket},
        }
        events = trigger.get("events") or ["s3:ObjectCreated:*"]
        return {"Type": "S3", "Properties": {"Bucket": {"Ref": bucket_id}, "Events": events}}
    return None


def _queue_arn(
    function: FunctionDeploy, trigger: TriggerDeploy, index: int, resources: dict[str, Any]
) -> Any:
    """The ARN of the trigger's queue; without one named, a queue of the stack's own."""
    queue = trigger.named("queue")
    if queue is not None:
        return _arn("sqs", queue)
    queue_id = logical_id(function.name, "FunctionQueue", str(index))
    resources[queue_id] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"VisibilityTimeout": min(function.timeout * VISIBILITY_FACTOR, 43200)},
    }
    return {"Fn::GetAtt": [queue_id, "Arn"]}


# -- Serverless Framework ------------------------------------------------------------------


def _refuse_above_tencent(out: Path) -> None:
    """Tencent's sls reads a function folder's parent serverless file: not ours to be."""
    marked = f"{MARK} --target tencent"
    below = sorted(
        path.parent.name
        for path in out.glob("*/serverless.yml")
        if marked in path.read_text(encoding="utf-8", errors="replace")[:400]
    )
    if below:
        raise DeployError(
            f"{out} holds Tencent's function folders ({', '.join(below)}): Tencent's sls "
            "reads the serverless.yml of their parent folder, and its app, stage and org "
            "would replace Tencent's; write AWS's serverless.yml in another folder (--out DIR)"
        )


def serverless(project: Project, out: Path) -> Rendered:
    """``serverless.yml`` for the Serverless Framework (v3, or its open-source fork osls)."""
    _refuse_above_tencent(out)
    rendered = Rendered("serverless")
    runtime = _runtime(project)
    extra_resources: dict[str, Any] = {}
    provider: dict[str, Any] = {
        "name": "aws",
        "runtime": runtime,
        "architecture": project.arch,
        "stage": project.stage,
        "region": project.region or DEFAULT_REGION,
    }
    document: dict[str, Any] = {
        "service": project.name,
        "provider": provider,
        "package": {"artifact": package_zip(project, out, "aws")},
    }
    if project.layer:
        document["layers"] = {
            "dependencies": {
                "description": f"{project.name}'s dependencies (faas-bridge package --layer)",
                "package": {"artifact": package_zip(project, out, "aws", "layer.zip")},
                "compatibleRuntimes": [runtime],
                "compatibleArchitectures": [project.arch],
            }
        }
    functions: dict[str, Any] = {}
    _distinct_ids(project)
    for function in project.functions:
        functions[function.name] = _sls_function(project, function, extra_resources, rendered)
    document["functions"] = functions
    if extra_resources:
        document["resources"] = {"Resources": extra_resources}
    rendered.files["serverless.yml"] = dump_yaml(document, "serverless")
    rendered.commands.append(package_command(project, "aws", arch=True))
    if project.needs_secret():
        rendered.commands.append(
            f"aws secretsmanager create-secret --region {provider['region']} "
            f"--name {secret_name(project)} --secret-string {SECRET_VALUE}"
        )
    rendered.commands.append("serverless deploy")
    rendered.commands.append("serverless info   # prints the HTTP API's endpoint and any URL")
    return rendered


def _sls_function(
    project: Project,
    function: FunctionDeploy,
    extra_resources: dict[str, Any],
    rendered: Rendered,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "handler": HANDLER,
        "memorySize": function.memory,
        "timeout": function.timeout,
        "environment": _variables(project, function),
    }
    if function.arch != project.arch:
        body["architecture"] = function.arch
    if function.layer:
        body["layers"] = [{"Ref": "DependenciesLambdaLayer"}]
    if function.serves_http and function.http in ("url", "both"):
        # The framework writes both permission statements for an AuthType NONE URL.
        body["url"] = {"invokeMode": "RESPONSE_STREAM"} if function.stream else True
    events: list[Any] = []
    if function.serves_http and function.http in ("api", "both"):
        for methods, path in function.route_paths():
            for gateway_path in http_paths(path):
                for method in methods_of(methods) or ["*"]:
                    events.append({"httpApi": {"method": method, "path": gateway_path}})
        if function.catch_all:
            events.append({"httpApi": "*"})
    for index, trigger in enumerate(own_triggers(function, "aws", rendered, "AWS")):
        made = _sls_event(function, trigger, index, extra_resources)
        if made is not None:
            events.append(made)
    if events:
        body["events"] = events
    return body


def _sls_event(
    function: FunctionDeploy,
    trigger: TriggerDeploy,
    index: int,
    extra_resources: dict[str, Any],
) -> dict[str, Any] | None:
    kind = trigger.route.type
    batch = (
        {"functionResponseType": "ReportBatchItemFailures"} if trigger.route.partial_batch else {}
    )
    if kind == "aws.events.scheduled":
        return {"schedule": require(trigger, "schedule", "cron(0 3 * * ? *)")}
    if kind == "aws.events":
        return {"eventBridge": {"pattern": _event_pattern(trigger)}}
    if kind == "aws.sqs":
        return {"sqs": {"arn": _queue_arn(function, trigger, index, extra_resources), **batch}}
    if kind == "aws.sns":
        topic = require(trigger, "topic", "arn:aws:sns:REGION:ACCOUNT:TOPIC or a topic name")
        return {"sns": {"arn": _arn("sns", topic)} if topic.startswith("arn:") else topic}
    if kind in ("aws.dynamodb", "aws.kinesis"):
        stream = require(trigger, "stream", "the stream's ARN")
        return {
            "stream": {
                "type": "dynamodb" if kind == "aws.dynamodb" else "kinesis",
                "arn": stream,
                "startingPosition": "LATEST",
                **batch,
            }
        }
    if kind == "aws.s3":
        bucket = require(trigger, "bucket", "the bucket's name")
        events = trigger.get("events") or ["s3:ObjectCreated:*"]
        return {"s3": {"bucket": bucket, "event": events[0], "existing": True}}
    return None
