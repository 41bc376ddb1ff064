"""External tools a test needs (sam, serverless, npm packages...): found, or a clear skip.

CI sets ``FAAS_BRIDGE_REQUIRE_TOOLS=1`` so that a missing tool fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest


def missing(message: str) -> None:
    """A skip saying what is missing, or a failure when CI requires the tools."""
    if os.environ.get("FAAS_BRIDGE_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; FAAS_BRIDGE_REQUIRE_TOOLS=1 requires it")
    pytest.skip(message + "; CI sets FAAS_BRIDGE_REQUIRE_TOOLS=1 and requires it")


def need_tool(name: str, install: str) -> str:
    """The tool's path; a skip saying how to install it, or a failure when CI requires it."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed ({install})")
    assert path is not None
    return path
