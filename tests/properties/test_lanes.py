"""The quick reading of the usual event gives exactly what the careful reading gives.

Each adapter decodes its event one way. Its headers are read by
``base.read_headers``: the usual event's (a dict of ASCII strings whose names
are tokens) are taken as they come and marked ``checked``, so the handler need
not check them again (``base.plain_headers``); any other are read one by one
(``base.header_pairs``) and checked by ``http.check_request``. The contract:
whenever the quick reading takes an event, the bridge's input (a WSGI environ,
or an ASGI scope and body) equals what the careful reading gives, and the
request passes ``check_request``; an event it declines is read carefully.
Errors are the same both ways, and only ``MalformedEvent`` comes out of a
decode.

Events compared: the sample events (``tests/samples``, and the extra corpus
when ``FAAS_BRIDGE_EVENTS`` names one), what the emulators' ``build_event``
functions make of client requests, and a seeded random mutation of both. Then
end to end: the reply to an event is the same on the first call, a later call
and with the quick reading turned off.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

import pytest

from faas_bridge.platforms import base
from support.lane_checks import (
    BUILDERS,
    CLEAN_BUILT,
    CLEAN_CALLS,
    E2E,
    EXECUTE_API,
    INTERFACES,
    LANE_PLATFORMS,
    ODD_BUILT,
    RANDOM_CASES,
    SAMPLES,
    SEED,
    SPECIAL,
    Tally,
    assert_same_reply_three_ways,
    assert_special_reply_three_ways,
    compare,
    make_handler,
    random_events,
    wrong_readings,
)


def test_builders_are_the_handlers_own() -> None:
    """Guards that the helpers use the builders the handler itself runs, per interface."""
    from faas_bridge.bridges.asgi import scope_input
    from faas_bridge.bridges.wsgi import build_environ

    assert make_handler("wsgi").bridge_input is build_environ
    assert make_handler("asgi").bridge_input is scope_input


def test_samples_are_found() -> None:
    """Guards that the sample events are actually loaded (a wrong folder tests nothing)."""
    names = Counter(make_handler("wsgi").detect(event).name for _, event in SAMPLES)
    assert set(names) == set(LANE_PLATFORMS), names
    assert sum(names.values()) >= 20


@pytest.mark.parametrize("interface", INTERFACES)
def test_a_function_url_never_mounts_a_stage_whatever_its_host(interface: str) -> None:
    """Guards the lane against the HTTP API's execute-api rule: a Function URL has no stage."""
    handler = make_handler(interface, "/api")
    event = copy.deepcopy(dict(SAMPLES)["aws-function-url/cookie-header-and-cookies.json"])
    event["headers"]["host"] = EXECUTE_API
    tally = Tally()
    assert compare(handler, event, "function URL on an execute-api host", tally) == "taken"
    assert not tally.failures, tally.report()
    assert set(tally.roots) == {"/api"}


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", ["", "/api"])
def test_samples_lane_equals_general(interface: str, base_path: str) -> None:
    """Guards the contract on every sample event: a lane's input equals the general way's."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    declined = []
    for label, event in SAMPLES:
        if compare(handler, event, label, tally) == "declined":
            declined.append(label)
    assert not tally.failures, tally.report()
    # A lane that silently never works would pass the comparison: most samples
    # are plain requests, and each adapter's lane must take some.
    for name in LANE_PLATFORMS:
        assert tally.taken_by[name] * 2 >= tally.seen_by[name], (name, declined)
    print(f"samples {interface} {base_path!r}: {dict(tally.outcomes)}")


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", ["", "/api"])
def test_clean_built_events_are_taken_and_equal(interface: str, base_path: str) -> None:
    """Guards that every clean built event is taken by its lane, with the general way's input."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    declined = []
    for label, event in CLEAN_BUILT:
        if compare(handler, event, label, tally) == "declined":
            declined.append(label)
    assert not tally.failures, tally.report()
    assert len(CLEAN_BUILT) >= len(CLEAN_CALLS) * (len(BUILDERS) - 1)
    assert not declined, f"{len(declined)} clean events declined by the lane: {declined}"
    # Stages and the base path are mounted by the lanes too, not only by the general way.
    assert {"", "/prod", "/Prod"} <= set(tally.roots), tally.roots
    assert ("/api" in tally.roots) == (base_path == "/api"), tally.roots
    print(f"clean built {interface} {base_path!r}: {dict(tally.outcomes)}")


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", ["", "/api"])
def test_odd_built_events_lane_equals_general(interface: str, base_path: str) -> None:
    """Guards the contract on built events with escapes and non-ASCII (declining is allowed)."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    for label, event in ODD_BUILT:
        compare(handler, event, label, tally)
    assert not tally.failures, tally.report()
    assert sum(tally.outcomes.values()) == len(ODD_BUILT)


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", ["", "/api"])
def test_random_mutations_lane_equals_general(interface: str, base_path: str) -> None:
    """Guards the contract on seeded random mutations: a lane's value is the general way's."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    for label, event, _ in random_events(random.Random(SEED), RANDOM_CASES):
        compare(handler, event, label, tally)
    assert not tally.failures, tally.report()
    # Not vacuous: plenty of the mutated events are still taken, by every lane.
    assert tally.outcomes["taken"] * 10 >= RANDOM_CASES, dict(tally.outcomes)
    for name in LANE_PLATFORMS:
        assert tally.taken_by[name] > 0, (name, dict(tally.taken_by))
    print(
        f"random {interface} {base_path!r}: {dict(tally.outcomes)} taken by {dict(tally.taken_by)}"
    )


def test_compare_catches_a_wrong_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the checker itself: a quick reading giving other headers is reported."""
    _, event = CLEAN_BUILT[1]
    for interface in INTERFACES:
        handler = make_handler(interface)
        assert compare(handler, event, "good", Tally()) == "taken"
        for wrong in wrong_readings():
            monkeypatch.setattr(base, "plain_headers", wrong)
            bad = Tally()
            assert compare(handler, event, "bad", bad) == "failed", (interface, wrong.__name__)
            assert bad.failures
            monkeypatch.undo()


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize(("label", "event", "clean"), E2E, ids=[e[0] for e in E2E])
def test_reply_same_cold_warm_and_without_lanes(
    interface: str, label: str, event: dict[str, Any], clean: bool
) -> None:
    """Guards end to end that the lane changes nothing the app sees or the vendor gets back."""
    assert_same_reply_three_ways(interface, event, clean)


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize(("label", "event"), SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_replies_same_both_ways(interface: str, label: str, event: dict[str, Any]) -> None:
    """Guards failures and bodiless replies: 500 for a raise or a newline, no body on HEAD/204."""
    assert_special_reply_three_ways(interface, label, event)
