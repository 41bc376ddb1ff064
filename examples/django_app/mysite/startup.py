"""Work done once per process, before the first request (Lambda's init phase)."""

from __future__ import annotations

from django.conf import settings


def prepare() -> None:
    """Create the tables when the database is a fresh file (a Lambda cold start)."""
    if settings.MIGRATE_ON_STARTUP:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
