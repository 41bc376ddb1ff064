"""Interleaved timing: every contender of a case measured in rotating order.

Machines are noisy (other processes, frequency changes, the garbage
collector). Each round times one short batch of every contender, the order
rotating round by round, so a slow spell hits all contenders of a round
alike. Reported: the median of the per-round per-call times with its
quartiles, and ratios as the median of per-round ratios (paired within a
round), which cancels slow spells better than a ratio of two medians.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    rounds: int
    #: Seconds one batch should last (the batch size is calibrated per contender).
    batch_seconds: float
    #: Seconds of warm-up per contender before calibration.
    warmup_seconds: float


FULL = Settings(rounds=31, batch_seconds=0.01, warmup_seconds=0.05)
QUICK = Settings(rounds=5, batch_seconds=0.004, warmup_seconds=0.01)


@dataclass
class Sample:
    """Per-call times (µs) of one contender, one per round."""

    per_call_us: list[float]
    batch: int

    @property
    def median(self) -> float:
        return statistics.median(self.per_call_us)

    @property
    def quartiles(self) -> tuple[float, float]:
        if len(self.per_call_us) < 2:
            return self.median, self.median
        q = statistics.quantiles(self.per_call_us, n=4, method="inclusive")
        return q[0], q[2]


def paired_ratio(a: Sample, b: Sample) -> float:
    """Median over rounds of a's time / b's time in the same round."""
    return statistics.median(x / y for x, y in zip(a.per_call_us, b.per_call_us, strict=True))


def _warm(call: Callable[[], object], seconds: float) -> float:
    """Call until ``seconds`` have passed (at least 3 times); seconds per call."""
    count = 0
    began = time.perf_counter()
    elapsed = 0.0
    while count < 3 or elapsed < seconds:
        call()
        count += 1
        elapsed = time.perf_counter() - began
    return elapsed / count


def measure(
    calls: Sequence[tuple[str, Callable[[], object]]], settings: Settings
) -> dict[str, Sample]:
    """Per-call time samples for each named call, interleaved in rotating order."""
    batches: dict[str, int] = {}
    for name, call in calls:
        per_call = _warm(call, settings.warmup_seconds)
        batches[name] = max(1, round(settings.batch_seconds / per_call))
    samples = {name: Sample([], batches[name]) for name, _ in calls}
    count = len(calls)
    clock = time.perf_counter_ns
    for r in range(settings.rounds):
        shift = r % count
        for name, call in [*calls[shift:], *calls[:shift]]:
            n = batches[name]
            began = clock()
            for _ in range(n):
                call()
            samples[name].per_call_us.append((clock() - began) / n / 1000.0)
    return samples
