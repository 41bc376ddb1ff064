"""Per-file tables of expected values: the own samples' and the extra corpus's.

A vendor test keeps one table for its own samples (``tests/samples``) and one,
keyed ``extra/<folder>/<file>``, for the extra corpus (``FAAS_BRIDGE_EVENTS``).
The extra rows are used only for the files that corpus holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from support.events import extra_event_names, own_event_names

V = TypeVar("V")


def table_cases(own: Mapping[str, V], extra: Mapping[str, V], *folders: str) -> dict[str, V]:
    """The own table, then the extra table's rows for the extra files present."""
    cases = dict(own)
    cases.update((name, extra[name]) for name in extra_event_names(*folders) if name in extra)
    return cases


def assert_tables_cover(own: Mapping[str, V], extra: Mapping[str, V], *folders: str) -> None:
    """Every sample file of these folders has a row in its table, and every row a file."""
    assert set(own_event_names(*folders)) == set(own)
    present = extra_event_names(*folders)
    if present:
        assert set(present) == set(extra)
