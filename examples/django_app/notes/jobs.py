"""Work that arrives as events rather than HTTP requests (routed in faas.yml)."""

from __future__ import annotations

import json
from typing import Any

from notes.forms import NoteForm


def import_notes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The queue worker: each SQS message body is a note, ``{"title": ..., "body": ...}``.

    faas_bridge delivers one message per call (``event["Records"]`` holds one
    record) and reports the messages whose call raised back to SQS, which
    retries only those.
    """
    created = []
    for record in event["Records"]:
        data = json.loads(record["body"])
        if not isinstance(data, dict):
            raise ValueError(f"message {record['messageId']} is not a JSON object")
        form = NoteForm(data={"title": data.get("title", ""), "body": data.get("body", "")})
        if not form.is_valid():
            raise ValueError(f"message {record['messageId']}: {form.errors.as_json()}")
        created.append(form.save().pk)
    return {"created": created}
