"""Every platform has an explicit emulator, whose events its own adapter alone accepts.

Each emulator runs in the local gateway (in-process, werkzeug's test client)
in front of the echo app: the request the app sees must be the client's, up to
what the emulator declares the vendor changes (its ``Passage``), which is
checked here against the running emulator rather than trusted.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from faas_bridge import wrap
from faas_bridge.devtools.emulators import REGISTRY, emulator_class
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.devtools.emulators.table import layout_table, passage_table
from faas_bridge.devtools.gateway import Emulation, Gateway, RequestLog
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES, load_platforms
from support import echo_apps

ADAPTERS = load_platforms(Options())


def test_every_platform_has_an_emulator_in_the_same_order() -> None:
    assert tuple(REGISTRY) == NAMES
    for name in NAMES:
        assert emulator_class(name).name == name


@pytest.mark.parametrize("name", NAMES)
def test_the_event_is_accepted_by_its_own_adapter_only(name: str) -> None:
    emulator = emulator_class(name)()
    event, _ = emulator.build(HttpCall("GET", "/x?a=1", [("Accept", "*/*")]))
    matching = [adapter.name for adapter in ADAPTERS if adapter.matches(event)]
    assert matching == [name]
    assert emulator.adapter.split(":")[1] == type(ADAPTERS[NAMES.index(name)]).__name__


def served(name: str, target: str, **settings: Any) -> tuple[int, dict[str, Any]]:
    """(status, what the echo app saw) for a POST through ``name``'s emulated gateway."""
    emulation = Emulation(emulator_class(name), settings)
    base = emulation.app_base_path
    handler = wrap(echo_apps.flask_app, base_path=base) if base else wrap(echo_apps.flask_app)
    client = Client(Gateway(handler, emulation, RequestLog(io.StringIO())))
    reply = client.post(
        emulation.mount + target,
        data=b"\x00\xffbinary",
        headers=[("Content-Type", "application/octet-stream"), ("Host", "127.0.0.1:3000")],
    )
    return reply.status_code, json.loads(reply.get_data())


#: What a repeated query key ``k=1&k=2`` becomes, by the emulator's declaration.
REPEATED_QUERY = {"kept": "k=1&k=2", "last": "k=2", "first": "k=1", "joined": "k=1,2"}


@pytest.mark.parametrize("name", NAMES)
def test_the_app_sees_the_request_as_declared(name: str) -> None:
    """Path decoded (PEP 3333), binary body exact, the repeated key as the Passage says."""
    emulator = emulator_class(name)()
    passage = emulator.passage()
    status, seen = served(name, "/items/caf%C3%A9?k=1&k=2")
    assert status == 200
    assert seen["method"] == "POST"
    if "path lost" not in passage.query:
        assert seen["path"] == "/items/café"
    assert seen["body"] == "AP9iaW5hcnk="  # base64 of the bytes sent: exact
    assert seen["query_string"] == REPEATED_QUERY[passage.repeated_query]


def test_passages_use_the_table_vocabulary() -> None:
    for name in NAMES:
        passage = emulator_class(name)().passage()
        assert passage.repeated_query in REPEATED_QUERY
        assert passage.reply_cookies in ("both", "one")
        assert passage.repeated_headers in ("joined", "last", "kept")


# -- The declarations, as the README's cross-vendor table shows them ------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("marker", "render"), [("passage-table", passage_table), ("layout-table", layout_table)]
)
def test_the_readme_tables_are_the_generated_ones(marker: str, render: Any) -> None:
    """Regenerate with ``faas-bridge events list --passage`` (or the function) when this fails."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}: [\w.]+ -->\n(.*?)<!-- /{marker} -->", text, re.DOTALL)
    assert found is not None, f"no {marker} block in the README"
    assert found.group(1) == render()


def test_the_passage_table_has_a_row_per_platform_in_order() -> None:
    rows = [line for line in passage_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(NAMES)
    alb = rows[NAMES.index("aws-alb")].split(" | ")
    assert alb[1:7] == ["last", "last", "verbatim", "kept", "one", "exact"]
