"""A Python script run in a fresh interpreter, as a cold start runs a function's module.

What a test needs from a cold process (the modules it imports, the settings it
reads once) is only seen in one: the test's own process has imported them
already. The script reads its input as JSON on stdin and prints its result
as JSON on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_fresh(
    script: str, payload: Any, *, cwd: Path | None = None, flags: tuple[str, ...] = ()
) -> Any:
    """The JSON ``script`` prints, given ``payload`` as JSON on stdin; it must exit 0.

    ``flags`` go to the interpreter: ``("-I", "-S")`` leaves out site-packages and
    every PYTHON* variable, so only what the script puts on ``sys.path`` is importable.
    """
    done = subprocess.run(
        [sys.executable, *flags, "-c", script],
        cwd=cwd,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
