"""Command events run only when signed with the function's secret (issue 18, finding 1).

An anonymous HTTP caller can write a whole event on some surfaces (a public
Yandex function called with ``?integration=raw``), so being allowed to invoke
the function proves nothing. Each test checks what ran through a command of
its own that records every call, so "refused" also means "did not run".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask

from faas_bridge import ConfigurationError, wrap
from faas_bridge.routing.commands import (
    NAME,
    SECRET_VARIABLE,
    WINDOW,
    CommandRefused,
    NonceCache,
    parse_command_event,
    sign_command_event,
    signed_message,
    verify_command_event,
)
from faas_bridge.routing.triggers import TriggerRouter
from support.cli_servers import run_cli

SECRET = "a-test-secret-that-is-long-enough-0123456789"
RAN: list[tuple[str, ...]] = []


def recording_app() -> Flask:
    app = Flask("signing")

    @app.cli.command("greet")
    @click.argument("who")
    def greet(who: str) -> None:
        RAN.append(("greet", who))
        click.echo(f"hello {who}")

    return app


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    RAN.clear()
    made = wrap(recording_app())
    made.allow_commands("greet")
    yield made
    made.shutdown()


def signed(name: str = "greet", args: tuple[str, ...] = ("ada",), **fields: Any) -> Any:
    return sign_command_event(name, list(args), fields.pop("secret", SECRET), **fields)


def test_a_signed_command_runs(handler: Any) -> None:
    reply = handler(signed(), None)
    assert (reply["exit_status"], reply["stdout"]) == (0, "hello ada\n")
    assert RAN == [("greet", "ada")]


def test_without_a_secret_every_command_is_refused_saying_how_to_enable_it(
    handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = signed()
    monkeypatch.delenv(SECRET_VARIABLE)
    with pytest.raises(CommandRefused) as info:
        handler(event, None)
    message = str(info.value)
    assert f"{SECRET_VARIABLE} is not set in this function's environment" in message
    assert "To enable them, set it to a random secret of at least 32 characters" in message
    assert RAN == []


def test_a_short_secret_is_refused(handler: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, "short")
    with pytest.raises(CommandRefused, match="holds 5 characters"):
        handler(signed(secret="short"), None)
    assert RAN == []


def test_an_unsigned_command_event_is_refused(handler: Any) -> None:
    for event in (
        {"faas_bridge": {"command": "greet", "args": ["ada"]}},
        {"faas_bridge": {"command": "greet"}},
    ):
        with pytest.raises(CommandRefused, match="refused an unsigned command event"):
            handler(event, None)
    assert RAN == []


def tampered(change: str) -> Any:
    event = signed()
    body = event["faas_bridge"]
    if change == "args":
        body["args"] = ["eve"]
    elif change == "command":
        body["command"] = "greet2"
    elif change == "issued":
        body["issued"] += 1
    elif change == "nonce":
        body["nonce"] = "f" * 32
    elif change == "secret":
        event = signed(secret="another-secret-of-the-same-length-0123456789")
    elif change == "split args":
        event = signed(args=("a", "b"))
        event["faas_bridge"]["args"] = ["a,b"]
    return event


@pytest.mark.parametrize("change", ["args", "command", "issued", "nonce", "secret", "split args"])
def test_a_bad_signature_is_refused(handler: Any, change: str) -> None:
    with pytest.raises(CommandRefused, match="signature does not match"):
        handler(tampered(change), None)
    assert RAN == []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("signature", "ABC", "'signature' is 'ABC', not 64 lower-case hex digits"),
        ("signature", "0" * 63 + "é", "not 64 lower-case hex digits"),
        ("nonce", "short", "'nonce' is 'short', not 16 to 64"),
        ("issued", "1700000000", "'issued' is '1700000000', not whole seconds"),
        ("issued", True, "'issued' is True, not whole seconds"),
        ("issued", 10**400, "not whole seconds"),
    ],
)
def test_malformed_signature_fields_are_refused(
    handler: Any, field: str, value: Any, reason: str
) -> None:
    event = signed()
    event["faas_bridge"][field] = value
    with pytest.raises(CommandRefused, match="malformed command event") as info:
        handler(event, None)
    assert reason in str(info.value)
    assert RAN == []


@pytest.mark.parametrize("offset", [-WINDOW - 1, WINDOW + 1, -86_400, 10**9])
def test_an_event_issued_outside_the_window_is_refused(handler: Any, offset: int) -> None:
    event = signed(issued=int(time.time()) + offset)
    with pytest.raises(CommandRefused, match=f"outside the {WINDOW} s window"):
        handler(event, None)
    assert RAN == []


def test_the_window_is_five_minutes_either_way() -> None:
    now = 1_700_000_000
    for offset in (-WINDOW, WINDOW):
        event = signed(issued=now + offset)
        assert verify_command_event(event, secret=SECRET, now=now, nonces=NonceCache()) == (
            "greet",
            ["ada"],
        )
    assert WINDOW == 300


def test_a_replayed_event_runs_once(handler: Any) -> None:
    event = signed()
    handler(json.loads(json.dumps(event)), None)
    with pytest.raises(CommandRefused, match="refused a replayed command event"):
        handler(json.loads(json.dumps(event)), None)
    assert RAN == [("greet", "ada")]


def test_a_full_nonce_cache_refuses_instead_of_forgetting() -> None:
    nonces = NonceCache(limit=2)
    now = 1_700_000_000
    first, second, third = (signed(issued=now, nonce=f"{n}" * 16) for n in "abc")
    for event in (first, second):
        verify_command_event(event, secret=SECRET, now=now, nonces=nonces)
    with pytest.raises(CommandRefused, match="2 commands already ran here within 300 s"):
        verify_command_event(third, secret=SECRET, now=now + 1, nonces=nonces)
    # Refusing forgot nothing: the first event is still a replay inside the window.
    with pytest.raises(CommandRefused, match="replayed"):
        verify_command_event(first, secret=SECRET, now=now + 2, nonces=nonces)
    assert len(nonces) == 2
    # Once the first two leave the window, a new event is taken, and the cache
    # never holds more than its limit whatever arrives.
    later = now + WINDOW + 1
    admitted = []
    for n in "defghijk":
        event = signed(issued=later, nonce=n * 16)
        try:
            verify_command_event(event, secret=SECRET, now=later, nonces=nonces)
        except CommandRefused as exc:
            assert "2 commands already ran" in str(exc)
        else:
            admitted.append(n)
        assert len(nonces) <= 2
    assert admitted == ["d", "e"]


def test_only_events_with_a_good_signature_reach_the_nonce_cache() -> None:
    nonces = NonceCache(limit=1)
    now = 1_700_000_000
    for n in "abcdefgh":  # a forger cannot fill the cache
        forged = signed(issued=now, nonce=n * 16, secret="x" * 40)
        with pytest.raises(CommandRefused, match="signature does not match"):
            verify_command_event(forged, secret=SECRET, now=now, nonces=nonces)
    assert len(nonces) == 0
    verify_command_event(signed(issued=now), secret=SECRET, now=now, nonces=nonces)


def test_the_allow_list_is_case_sensitive(handler: Any) -> None:
    with pytest.raises(CommandRefused, match="command 'GREET' is not allowed here"):
        handler(signed("GREET"), None)
    with pytest.raises(CommandRefused, match="command 'Greet' is not allowed here"):
        handler(signed("Greet"), None)
    assert RAN == []


def test_a_name_with_a_trailing_newline_is_no_command_name(handler: Any) -> None:
    assert NAME.match("greet") and not NAME.match("greet\n")
    assert not NAME.fullmatch("greet\n")
    with pytest.raises(CommandRefused, match=r"'command' is 'greet\\n', not a command name"):
        parse_command_event({"faas_bridge": {"command": "greet\n"}})
    with pytest.raises(CommandRefused, match="malformed command event"):
        handler(signed("greet\n"), None)
    with pytest.raises(ConfigurationError, match="is not a command name"):
        TriggerRouter().allow("greet\n")
    assert RAN == []


def test_the_signed_message_is_netstrings_of_its_fields() -> None:
    message = signed_message("migrate", ["--plan", "é"], 1_700_000_000, "n" * 16)
    assert message == (
        b"22:faas-bridge-command-v1,7:migrate,10:1700000000,16:nnnnnnnnnnnnnnnn,"
        b"6:--plan,2:\xc3\xa9,"
    )
    event = sign_command_event(
        "migrate", ["--plan", "é"], SECRET, issued=1_700_000_000, nonce="n" * 16
    )
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert event == {
        "faas_bridge": {
            "command": "migrate",
            "args": ["--plan", "é"],
            "issued": 1_700_000_000,
            "nonce": "n" * 16,
            "signature": expected,
        }
    }
    # Moving a boundary between arguments changes the message.
    assert signed_message("m", ["a,b"], 1, "n" * 16) != signed_message("m", ["a", "b"], 1, "n" * 16)
    assert signed_message("m", ["ab"], 1, "n" * 16) != signed_message("m", ["a", "b"], 1, "n" * 16)


def test_no_log_line_holds_the_secret(handler: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="faas_bridge"):
        handler(signed(), None)
        for change in ("args", "secret"):
            with pytest.raises(CommandRefused):
                handler(tampered(change), None)
    assert caplog.records
    assert all(SECRET not in record.getMessage() for record in caplog.records)


# -- faas-bridge invoke --command --------------------------------------------------------------


def test_invoke_print_event_signs_with_the_variable(handler: Any, tmp_path: Path) -> None:
    done = run_cli(
        "invoke",
        "--command",
        "greet 'Ada L'",
        "--print-event",
        cwd=tmp_path,
        FAAS_BRIDGE_COMMAND_SECRET=SECRET,
    )
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stdout)
    assert set(event["faas_bridge"]) == {"command", "args", "issued", "nonce", "signature"}
    assert abs(event["faas_bridge"]["issued"] - time.time()) < 60
    # The deployed function (here: the handler, holding the same secret) runs it.
    reply = handler(event, None)
    assert (reply["exit_status"], RAN) == (0, [("greet", "Ada L")])
    # Signed with another secret, the same command is refused.
    other = run_cli(
        "invoke",
        "--command",
        "greet x",
        "--print-event",
        cwd=tmp_path,
        FAAS_BRIDGE_COMMAND_SECRET="z" * 40,
    )
    with pytest.raises(CommandRefused, match="signature does not match"):
        handler(json.loads(other.stdout), None)
    assert RAN == [("greet", "Ada L")]


def test_invoke_print_event_needs_the_secret(tmp_path: Path) -> None:
    done = run_cli("invoke", "--command", "greet x", "--print-event", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"faas-bridge: error: {SECRET_VARIABLE} is not set: the event is signed with the "
        f"function's secret; set {SECRET_VARIABLE} here to the value the deployed function has"
    )
    (tmp_path / "event.json").write_text("{}")
    done = run_cli(
        "invoke", "event.json", "--print-event", cwd=tmp_path, FAAS_BRIDGE_COMMAND_SECRET=SECRET
    )
    assert done.returncode == 2
    assert "--print-event prints the signed command event --command names" in done.stderr
