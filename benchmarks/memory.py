"""Memory: no growth over many invocations, and no needless copies of big bodies.

RSS growth runs in a fresh interpreter per app and contender (``_child.py
rss``): invocations rotate over three events (v2 GET, v1 POST 10 KB, ALB
multi-value); RSS and the live object count are read, after a full garbage
collection, once after the warm-up invocations and again after many more.

Peak memory for the 1 MiB reply uses tracemalloc in this process: one
invocation after warm-up, the peak of traced memory above what was live
before it. The floor's peak is what the app itself needs; a contender's peak
above the floor's is the adapter's, and the reply format needs at least the
base64 text of the body.
"""

from __future__ import annotations

import base64
import gc
import json
import subprocess
import sys
import tracemalloc
from dataclasses import dataclass
from typing import Any

from . import adapters, apps
from .cases import Bench
from .coldstart import ROOT, _env


@dataclass
class Growth:
    app: str
    contender: str
    warm: int
    more: int
    rss_kib: tuple[int, int] = (0, 0)
    objects: tuple[int, int] = (0, 0)
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "contender": self.contender,
            "warm": self.warm,
            "more": self.more,
            "rss_kib": list(self.rss_kib),
            "objects": list(self.objects),
            "seconds": self.seconds,
            "error": self.error,
        }


def rss_growth(app_names: list[str], contenders: list[str], warm: int, more: int) -> list[Growth]:
    results = []
    for app_name in app_names:
        for name in contenders:
            row = Growth(app_name, name, warm, more)
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks._child",
                    "rss",
                    app_name,
                    name,
                    str(warm),
                    str(more),
                ],
                env=_env(),
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                row.error = (done.stderr.strip().splitlines() or ["failed"])[-1]
            else:
                data = json.loads(done.stdout.strip().splitlines()[-1])
                row.rss_kib = (data["after_warm"]["rss_kib"], data["after_more"]["rss_kib"])
                row.objects = (data["after_warm"]["objects"], data["after_more"]["objects"])
                row.seconds = data["seconds"]
            results.append(row)
    return results


@dataclass
class Peak:
    app: str
    contender: str
    peak_bytes: int
    body_bytes: int
    base64_bytes: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def peak_memory(bench: Bench, app_names: list[str], event_name: str = "v2-binary-1m") -> list[Peak]:
    """Peak traced memory of one invocation with a big reply, per contender."""
    body = apps.BINARY
    b64 = len(base64.b64encode(body))
    results = []
    for app_name in app_names:
        contenders, _ = bench.contenders(app_name, event_name)
        for contender in contenders:
            try:
                for _ in range(3):
                    contender.call()
            except Exception:
                continue
            gc.collect()
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                reply = contender.call()
                peak = tracemalloc.get_traced_memory()[1] - before
            finally:
                tracemalloc.stop()
            del reply
            results.append(Peak(app_name, contender.name, peak, len(body), b64))
    return results


def floor_peak(peaks: list[Peak], app: str) -> int:
    for p in peaks:
        if p.app == app and p.contender == adapters.FLOOR:
            return p.peak_bytes
    return 0
