"""The results as markdown tables and PNG charts, and the targets checked."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import adapters, events
from .cases import CaseResult
from .coldstart import FirstReply, ImportResult
from .memory import Growth, Peak, floor_peak

#: Ratio-to-floor targets by interface (issue 6).
TARGET = {"wsgi": 1.10, "asgi": 1.15}
IMPORT_TARGET_MS = 10.0
#: RSS growth and live-object growth beyond these count as growth, not noise.
RSS_NOISE_KIB = 1024
OBJECTS_NOISE = 1000


def _us(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}×" if value >= 100 else f"{value:.2f}×"


def _table(header: list[str], rows: Iterable[list[str]], align: str = "") -> list[str]:
    marks = ["---:" if (align and align[i] == "r") else "---" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


# -- timing ------------------------------------------------------------------------


def timing_table(results: list[CaseResult]) -> str:
    """Every contender of every case: median µs, quartiles, × floor, × best peer."""
    rows = []
    for case in results:
        best = case.best_peer()
        for name, sample in case.samples.items():
            q1, q3 = sample.quartiles
            rows.append(
                [
                    case.app,
                    case.event,
                    f"**{name}**" if name == adapters.FAAS_BRIDGE else name,
                    _us(sample.median),
                    f"{_us(q1)}–{_us(q3)}",
                    _ratio(case.ratio(name, adapters.FLOOR)),
                    _ratio(case.ratio(name, best[0]) if best else None),
                ]
            )
    header = ["app", "event", "adapter", "median µs", "IQR µs", "× floor", "× best peer"]
    return "\n".join(_table(header, rows, "lllrrrr"))


def target_check(case: CaseResult) -> tuple[bool, str]:
    """Whether faas_bridge meets its targets on this case, and how it misses."""
    ratio = case.ratio(adapters.FAAS_BRIDGE, adapters.FLOOR)
    if ratio is None:
        return False, "not timed"
    limit = TARGET[case.interface]
    misses = []
    if ratio > limit:
        misses.append(f"{_ratio(ratio)} floor > {limit:.2f}×")
    slower = [p for p in case.peers if (case.ratio(adapters.FAAS_BRIDGE, p) or 0) >= 1]
    if slower:
        misses.append("not faster than " + ", ".join(slower))
    return not misses, "; ".join(misses) or "met"


#: An interquartile range above this share of the median marks a row as noisy.
NOISY = 0.2


def _spread(case: CaseResult, name: str) -> float:
    sample = case.samples.get(name)
    if sample is None or not sample.median:
        return 0.0
    q1, q3 = sample.quartiles
    return (q3 - q1) / sample.median


def summary_table(results: list[CaseResult]) -> str:
    rows = []
    for case in results:
        if case.group != "common":
            continue
        floor = case.median(adapters.FLOOR)
        ours = case.median(adapters.FAAS_BRIDGE)
        best = case.best_peer()
        ok, why = target_check(case)
        spread = max(_spread(case, adapters.FLOOR), _spread(case, adapters.FAAS_BRIDGE))
        if spread > NOISY:
            why += f" (noisy: IQR {spread:.0%} of the median)"
        rows.append(
            [
                case.app,
                case.event,
                _us(floor),
                _us(ours),
                _ratio(case.ratio(adapters.FAAS_BRIDGE, adapters.FLOOR)),
                f"{best[0]} {_ratio(case.ratio(best[0], adapters.FLOOR))}" if best else "–",
                _ratio(case.ratio(adapters.FAAS_BRIDGE, best[0]) if best else None),
                ("✅ " if ok else "❌ ") + why,
            ]
        )
    header = [
        "app",
        "event",
        "floor µs",
        "faas_bridge µs",
        "fb × floor",
        "best peer (× floor)",
        "fb × best peer",
        "target",
    ]
    return "\n".join(_table(header, rows, "llrrrlrl"))


def vendor_table(results: list[CaseResult]) -> str:
    rows = []
    for case in results:
        if case.group != "vendor":
            continue
        floor = case.median(adapters.FLOOR)
        ours = case.median(adapters.FAAS_BRIDGE)
        ratio = case.ratio(adapters.FAAS_BRIDGE, adapters.FLOOR)
        ok = ratio is not None and ratio <= TARGET[case.interface]
        rows.append(
            [
                case.app,
                case.event,
                case.platform,
                _us(floor),
                _us(ours),
                _ratio(ratio),
                "✅" if ok else "❌",
            ]
        )
    header = ["app", "event", "detected as", "floor µs", "faas_bridge µs", "× floor", "target"]
    return "\n".join(_table(header, rows, "lllrrrl"))


def failures_list(results: list[CaseResult]) -> str:
    lines = []
    for case in results:
        for name, why in case.failures.items():
            lines.append(f"- {case.app} / {case.event} / {name}: {why}")
    return "\n".join(lines) or "None."


# -- cold start and memory ---------------------------------------------------------------


def import_table(results: list[ImportResult]) -> str:
    bare = next((r for r in results if r.label == "bare interpreter"), None)
    rows = []
    for r in results:
        wall = statistics.median(r.wall_ms) if r.wall_ms else None
        added = r.added_to(bare) if bare is not None else None
        imported = statistics.median(r.importtime_ms) if r.importtime_ms else None
        watched = module_roots(m for m in r.modules if m.split(".")[0] in _WATCHED_ROOTS)
        rows.append(
            [
                r.label,
                _ms(wall),
                "–" if r.label == "bare interpreter" else _ms(added),
                _ms(imported),
                str(len(r.modules)) if r.label != "bare interpreter" else "–",
                watched or "–",
            ]
        )
    header = [
        "statement",
        "wall ms",
        "added ms (paired by round)",
        "-X importtime ms",
        "modules loaded",
        "slow modules among them",
    ]
    return "\n".join(_table(header, rows, "lrrrrl"))


def module_roots(modules: Iterable[str]) -> str:
    """``"asyncio (29), ssl"``: top-level packages with their count of modules."""
    counts: dict[str, int] = {}
    for module in modules:
        root = module.split(".")[0]
        counts[root] = counts.get(root, 0) + 1
    return ", ".join(f"{k} ({n})" if n > 1 else k for k, n in sorted(counts.items()))


_WATCHED_ROOTS = {"asyncio", "yaml", "concurrent", "ssl", "uuid", "inspect", "subprocess", "email"}


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def first_reply_table(results: list[FirstReply]) -> str:
    rows = []
    floors = {r.app: r for r in results if r.contender == "floor" and r.ms}
    for r in results:
        floor = floors.get(r.app)
        is_floor = r.contender == "floor"
        rows.append(
            [
                r.app,
                f"**{r.contender}**" if r.contender == adapters.FAAS_BRIDGE else r.contender,
                _ms(statistics.median(r.ms) if r.ms else None),
                "–" if is_floor or floor is None else _ms(r.added_to(floor)),
                _ms(statistics.median(r.after_app_ms) if r.after_app_ms else None),
                "–" if is_floor or floor is None else _ms(r.added_after_app(floor)),
                r.error or "",
            ]
        )
    header = [
        "app",
        "contender",
        "process start → first reply, ms",
        "added, ms",
        "app imported → first reply, ms",
        "added, ms",
        "note",
    ]
    return "\n".join(_table(header, rows, "llrrrrl"))


def growth_table(results: list[Growth]) -> str:
    rows = []
    for g in results:
        if g.error:
            rows.append([g.app, g.contender, "–", "–", "–", "–", g.error])
            continue
        rss = g.rss_kib[1] - g.rss_kib[0]
        objects = g.objects[1] - g.objects[0]
        ok = rss <= RSS_NOISE_KIB and objects <= OBJECTS_NOISE
        rows.append(
            [
                g.app,
                g.contender,
                f"{g.rss_kib[0] / 1024:.1f}",
                f"{g.rss_kib[1] / 1024:.1f}",
                f"{rss:+,} KiB",
                f"{objects:+,}",
                "✅" if ok else "❌ growth",
            ]
        )
    warm = results[0].warm if results else 0
    total = (results[0].warm + results[0].more) if results else 0
    header = [
        "app",
        "contender",
        f"RSS MiB after {warm:,}",
        f"RSS MiB after {total:,}",
        "RSS growth",
        "live objects growth",
        "verdict",
    ]
    return "\n".join(_table(header, rows, "llrrrrl"))


def peak_table(results: list[Peak]) -> str:
    rows = []
    for p in results:
        floor = floor_peak(results, p.app)
        extra = p.peak_bytes - floor
        budget = 2 * p.body_bytes + p.base64_bytes
        rows.append(
            [
                p.app,
                f"**{p.contender}**" if p.contender == adapters.FAAS_BRIDGE else p.contender,
                f"{p.peak_bytes / 2**20:.2f}",
                "–" if p.contender == adapters.FLOOR else f"{extra / 2**20:.2f}",
                "–" if p.contender == adapters.FLOOR else f"{extra / p.body_bytes:.2f}",
                "–" if p.contender == adapters.FLOOR else ("✅" if extra <= budget else "❌"),
            ]
        )
    header = [
        "app",
        "contender",
        "peak MiB",
        "above floor MiB",
        "above floor, × body",
        "≤ body + base64 + 1 copy",
    ]
    return "\n".join(_table(header, rows, "llrrrl"))


# -- charts ------------------------------------------------------------------------------


def overhead_chart(results: list[CaseResult], path: Path) -> None:
    """Ratio to the floor, per app, per event, per adapter (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    common = [r for r in results if r.group == "common"]
    app_names = list(dict.fromkeys(r.app for r in common))
    if not app_names:
        return
    cols = 2 if len(app_names) > 1 else 1
    rows = (len(app_names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(9.5 * cols, 3.6 * rows), squeeze=False)
    colours: dict[str, Any] = {}
    palette = plt.get_cmap("tab10")
    for index, app_name in enumerate(app_names):
        ax = axes[index // cols][index % cols]
        cases = [r for r in common if r.app == app_name]
        names = list(dict.fromkeys(n for c in cases for n in c.samples if n != adapters.FLOOR))
        height = 0.8 / max(len(names), 1)
        for j, name in enumerate(names):
            colour = colours.setdefault(
                name, "black" if name == adapters.FAAS_BRIDGE else palette(len(colours) % 10)
            )
            ys, xs = [], []
            for i, case in enumerate(cases):
                ratio = case.ratio(name, adapters.FLOOR)
                if ratio:
                    ys.append(i + (j - (len(names) - 1) / 2) * height)
                    xs.append(ratio)
            ax.barh(ys, xs, height=height * 0.9, color=colour, label=name)
            for y, x in zip(ys, xs, strict=True):
                ax.text(x, y, f" {x:.2f}" if x < 100 else f" {x:.0f}", va="center", fontsize=6)
        limit = TARGET[cases[0].interface]
        ax.axvline(1.0, color="grey", linewidth=0.8)
        ax.axvline(limit, color="red", linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        ax.set_yticks(range(len(cases)))
        ax.set_yticklabels([c.event for c in cases], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{app_name} ({cases[0].interface}); red: target {limit:.2f}×", fontsize=9)
        ax.set_xlabel("median time per invocation ÷ floor (log scale)", fontsize=8)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    for index in range(len(app_names), rows * cols):
        axes[index // cols][index % cols].axis("off")
    fig.suptitle("Adapter overhead: invocation time relative to calling the app directly")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def coldstart_chart(results: list[FirstReply], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timed = [r for r in results if r.ms]
    if not timed:
        return
    labels = [f"{r.app} · {r.contender}" for r in timed]
    values = [statistics.median(r.ms) for r in timed]
    colours = ["black" if r.contender == adapters.FAAS_BRIDGE else "tab:blue" for r in timed]
    colours = [
        "tab:grey" if r.contender == adapters.FLOOR else c
        for r, c in zip(timed, colours, strict=True)
    ]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(timed) + 1.2))
    ax.barh(range(len(timed)), values, color=colours)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.0f}", va="center", fontsize=7)
    ax.set_yticks(range(len(timed)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("ms from process start to the first reply (median)")
    ax.set_title("Cold start: process start to first reply", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def event_list() -> str:
    lines = [f"- `{name}`: {spec.description}" for name, spec in events.COMMON.items()]
    lines += [
        f"- `{name}`: {spec.description} (faas_bridge only)" for name, spec in events.VENDOR.items()
    ]
    return "\n".join(lines)
