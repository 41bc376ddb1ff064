"""Platform detection: every sample event belongs to exactly one adapter.

The samples are the project's own (``tests/samples``) and, when
``FAAS_BRIDGE_EVENTS`` names an extra corpus, that corpus's files too.
"""

from __future__ import annotations

import pytest

from faas_bridge import UnrecognisedEvent, wrap
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.events import EXTRA, event_names, load_event, own_event_names, sample_folders
from support.sample_kinds import (
    CALL_SHAPED,
    EDGE_RESPONSE_TRIGGERS,
    FOLDER_PLATFORM,
    REPLY_NAMES,
    REQUEST_NAMES,
    folder_of,
)

PLATFORMS = load_platforms(Options())


def test_every_sample_folder_is_covered() -> None:
    """Each format has own samples, and no own folder is left out of detection."""
    assert set(sample_folders()) == {*FOLDER_PLATFORM, "non-http"}
    assert {folder_of(n) for n in own_event_names(*FOLDER_PLATFORM)} == set(FOLDER_PLATFORM)


def test_the_edge_response_triggers_are_found() -> None:
    """Guards the exclusion below: the own samples hold both Lambda@Edge response triggers."""
    own = [n for n in EDGE_RESPONSE_TRIGGERS if not n.startswith(EXTRA)]
    assert own == ["aws-edge/origin-response.json", "aws-edge/viewer-response.json"]


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_exactly_one_adapter_matches(name: str) -> None:
    event = load_event(name)
    matching = [p.name for p in PLATFORMS if p.matches(event)]
    assert matching == [FOLDER_PLATFORM[folder_of(name)]]


@pytest.mark.parametrize(
    "name",
    event_names("non-http"),
)
def test_no_aws_http_adapter_claims_other_events(name: str) -> None:
    """Events of platforms not supported yet must not be misread as AWS HTTP events."""
    event = load_event(name)
    assert [p.name for p in PLATFORMS if p.matches(event)] == []


@pytest.mark.parametrize("name", REPLY_NAMES)
def test_reply_samples_are_not_requests(name: str) -> None:
    """A function's own reply (``huawei-fg-apig/response-*.json``) is no request to serve."""
    assert [p.name for p in PLATFORMS if p.matches(load_event(name))] == []


def test_result_does_not_depend_on_the_previous_event() -> None:
    from support.echo_apps import wsgi_app

    handler = wrap(wsgi_app)
    names = [n for n in REQUEST_NAMES if n not in EDGE_RESPONSE_TRIGGERS]
    first = {name: wrap(wsgi_app)(load_event(name), None) for name in names}
    one_per_platform = {folder_of(name): name for name in names}.values()
    for previous in one_per_platform:
        for name in names:
            handler(load_event(previous), None)
            assert handler(load_event(name), None) == first[name], (previous, name)


def test_unknown_platform_name_is_a_configuration_error() -> None:
    from faas_bridge import ConfigurationError

    with pytest.raises(ConfigurationError, match="choose one of: aws-apigw-v2"):
        wrap(lambda e, s: [], platform="aws-nope")


def test_non_http_sample_is_unrecognised() -> None:
    from support.echo_apps import wsgi_app

    with pytest.raises(UnrecognisedEvent):
        wrap(wsgi_app)(load_event("non-http/aws-sqs-one-record.json"), None)


def test_events_delivered_as_json_bytes_or_text_are_parsed() -> None:
    import json

    from support.echo_apps import wsgi_app
    from support.events import reply_json

    event = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    handler = wrap(wsgi_app)
    expected = reply_json(handler(event, None))
    assert reply_json(handler(json.dumps(event).encode(), None)) == expected
    assert reply_json(handler(json.dumps(event), None)) == expected
    with pytest.raises(UnrecognisedEvent, match="type bytes"):
        handler(b"\x00 not json", None)


@pytest.mark.parametrize("platform, event", CALL_SHAPED, ids=[name for name, _ in CALL_SHAPED])
def test_exactly_one_adapter_matches_call_shaped_events(platform: str, event: object) -> None:
    assert [p.name for p in PLATFORMS if p.matches(event)] == [platform]
