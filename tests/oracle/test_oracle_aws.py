"""Oracle tests: faas_bridge on AWS events against real servers on real HTTP.

Every request case (``support.aws_oracle.CASES``) on every AWS event form, for
the three echo apps: what the app saw and what the client got must match
gunicorn or uvicorn on 127.0.0.1 (the servers: oracle/conftest.py). The known,
legitimate differences that are normalised are listed in support/aws_oracle.py.
"""

from __future__ import annotations

from typing import Any

import pytest

import faas_bridge
from support import echo_apps
from support.aws_oracle import (
    APPS,
    CASES,
    FORMS,
    MATRIX,
    Case,
    Form,
    compare,
    faas_reply,
    real_reply,
)


@pytest.mark.parametrize(("case", "form", "app"), MATRIX)
def test_same_as_real_server(
    real_servers: dict[tuple[str, str], Any], case: Case, form: Form, app: str
) -> None:
    handler = faas_bridge.wrap(getattr(echo_apps, app), base_path=form.base_path)
    compare(
        real_reply(real_servers, case, form, app), faas_reply(case, form, handler), form, case, app
    )


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_same_as_real_server_after_other_event_forms(
    real_servers: dict[tuple[str, str], Any], form: Form, app: str
) -> None:
    """One function behind several AWS services: each event is still read as its own.

    The same handler serves an event of every other form, each time followed by
    this form's event, which must match the real server every time (the
    ``%2F`` path shows an event read by the wrong adapter).
    """
    handler = faas_bridge.wrap(getattr(echo_apps, app), base_path=form.base_path)
    case = next(case for case in CASES if case.name == "slash")
    real = real_reply(real_servers, case, form, app)
    for other in FORMS:
        if other.name == form.name:
            continue
        faas_reply(case, other, handler)
        try:
            compare(real, faas_reply(case, form, handler), form, case, app)
        except AssertionError as exc:
            raise AssertionError(
                f"{form.name} event right after a {other.name} event: {exc}"
            ) from None
