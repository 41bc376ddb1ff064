"""The oracle tests' real servers: every echo app under gunicorn or uvicorn, once a session.

How they are started, and what each is sent, is in support/real_servers.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.real_servers import APPS, PREFIXES, RealServer, start_real_servers


@pytest.fixture(scope="session")
def real_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[str, str], RealServer]]:
    """``{(app, prefix): RealServer}`` for every echo app and mount prefix."""
    servers = [
        RealServer(app=app, kind=kind, prefix=prefix)
        for app, kind in APPS.items()
        for prefix in PREFIXES
    ]
    try:
        start_real_servers(servers, tmp_path_factory.mktemp("oracle-servers"))
        yield {(s.app, s.prefix): s for s in servers}
    finally:
        for server in servers:
            server.stop()
