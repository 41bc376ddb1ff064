"""Wheels rebuilt from installed distributions, for ``faas-bridge package`` without a network.

The package tests give ``package`` a folder of wheels (``--find-links``) made
from what is installed here, so resolving needs no index.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need, their own requirements followed."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """A wheel of an installed distribution, its files as installed (PEP 427 layout)."""
    wheel_text = dist.read_text("WHEEL") or ""
    tags = [line[4:].strip() for line in wheel_text.splitlines() if line.startswith("Tag:")]
    python_tag, abi_tag, _ = tags[0].split("-")
    platforms = ".".join(dict.fromkeys(t.split("-")[2] for t in tags))
    files = [f for f in dist.files or [] if not f.as_posix().startswith("..")]
    # The .dist-info folder as installed (its name's case is the installer's).
    info = next(f.parent.as_posix() for f in files if f.name == "METADATA")
    stem = info.removesuffix(".dist-info")
    path = folder / f"{stem}-{python_tag}-{abi_tag}-{platforms}.whl"
    rows = []
    with zipfile.ZipFile(path, "w") as wheel:
        for file in files:
            name = file.as_posix()
            skipped = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
            if "__pycache__" in name or (name.startswith(info + "/") and file.name in skipped):
                continue
            data = Path(str(dist.locate_file(file))).read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows.append([name, "sha256=" + digest.decode(), str(len(data))])
            wheel.writestr(name, data)
        record = io.StringIO()
        csv.writer(record, lineterminator="\n").writerows([*rows, [f"{info}/RECORD", "", ""]])
        wheel.writestr(f"{info}/RECORD", record.getvalue())
    return path
