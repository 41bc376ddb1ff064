"""header_pairs: its fast paths (checked in C) agree with reading one by one."""

from __future__ import annotations

import random
from typing import Any

import pytest

from faas_bridge.errors import MalformedEvent
from faas_bridge.platforms.base import header_pairs


def one_by_one(headers: dict[str, Any]) -> list[tuple[str, str]]:
    """What every header means, read the slow and obvious way."""
    pairs = []
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            text = item if isinstance(item, str) else str(item)
            native_name = name.lower().encode("utf-8").decode("latin-1")
            pairs.append((native_name, text.encode("utf-8").decode("latin-1")))
    return pairs


NAMES = ["host", "Host", "X-Forwarded-For", "accept", "cookie", "x-é", "content-type"]
VALUES: list[Any] = ["a", "", "text/html", "caf\u00e9", "\u2603", 7, None, 1.5]


@pytest.mark.parametrize("seed", range(300))
def test_fast_paths_agree_with_reading_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    headers: dict[str, Any] = {}
    for name in rng.sample(NAMES, rng.randint(0, len(NAMES))):
        if rng.random() < 0.5:
            headers[name] = [rng.choice(VALUES) for _ in range(rng.randint(0, 3))]
        else:
            headers[name] = rng.choice(VALUES)
    assert header_pairs(headers, "headers") == one_by_one(headers)


def test_the_usual_events_keep_order_and_repeats() -> None:
    assert header_pairs({"a": "1", "b": "2"}, "headers") == [("a", "1"), ("b", "2")]
    assert header_pairs({"a": ["1", "2"], "b": ["3"]}, "h") == [("a", "1"), ("a", "2"), ("b", "3")]
    assert header_pairs({"a": [], "b": ["3"]}, "h") == [("b", "3")]
    assert header_pairs(None, "h") == []


@pytest.mark.parametrize(
    ("headers", "where"),
    [
        ({"a": "x\ud800"}, "headers.a"),
        ({"a": ["1", "x\udcff"]}, "headers.a"),
        ({"a": {"nested": 1}}, "headers.a"),
        ({"a": [True]}, "headers.a"),
    ],
)
def test_values_that_are_not_text_name_their_key(headers: dict[str, Any], where: str) -> None:
    with pytest.raises(MalformedEvent) as caught:
        header_pairs(headers, "headers")
    assert caught.value.where == where
