"""The README's cross-vendor table, made from the emulators' own declarations.

Each row is one platform's :class:`~faas_bridge.devtools.emulators.base.Passage`
(with its default settings) and the request limit its emulator declares;
``tests/project/test_readme.py``-style checks hold the README to :func:`passage_table`
and ``tests/devtools/test_gateway_vendors.py`` holds the declarations to the running
gateway.
"""

from __future__ import annotations

from faas_bridge.devtools.emulators import emulator_classes

COLUMNS = (
    "platform",
    "repeated request header",
    "repeated query key",
    "query string",
    "two cookies in",
    "two Set-Cookie out",
    "binary request body",
    "request limit",
)


def _size(size: int) -> str:
    if size % 1_048_576 == 0:
        return f"{size // 1_048_576} MB"
    if size % 1024 == 0 and size < 1_048_576:
        return f"{size // 1024} KB"
    return f"{size / 1_048_576:.1f} MB"


def passage_table() -> str:
    """The Markdown table: what a request and its reply lose or change, per platform."""
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join(" --- " for _ in COLUMNS) + "|",
    ]
    for cls in emulator_classes():
        passage = cls().passage()
        limits = []
        if cls.body_limit:
            limits.append(f"body {_size(cls.body_limit)}")
        if cls.request_limit:
            limits.append(f"event {_size(cls.request_limit)}")
        cells = (
            f"`{cls.name}`",
            passage.repeated_headers,
            passage.repeated_query,
            passage.query,
            passage.cookies,
            passage.reply_cookies,
            passage.binary_body,
            ", ".join(limits) or "none stated",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def layout_table() -> str:
    """The Markdown table of where each vendor serves the function, as ``serve`` mounts it."""
    lines = ["| platform | URL layout | emulated |", "| --- | --- | --- |"]
    for cls in emulator_classes():
        lines.append(f"| `{cls.name}` | {cls.url_layout} | {cls.description} |")
    return "\n".join(lines) + "\n"
