"""``faas-bridge package``: the app and its dependencies as the vendor's runtime needs them.

Dependencies are what the project says it needs at run time: its
``requirements.txt`` when there is one (``-r`` includes followed; option lines
such as ``--index-url`` are left to you), else ``[project] dependencies`` of
its ``pyproject.toml``; never ``requirements-dev.txt`` nor optional
dependencies. faas-bridge itself is copied from the installed package (its
runtime modules only), and its own dependencies are added.

They are resolved by pip for the function's machine, not this one: ``pip
install --target`` with the vendor's platform tags (manylinux up to the
runtime's glibc, for its architecture), ``--implementation cp``,
``--python-version`` and ``--only-binary=:all:``, so a package with no binary
wheel for that machine is an error naming it instead of a wheel built for the
developer's machine (the ``pydantic_core`` failure on Lambda).

The archive is reproducible: entries sorted, every timestamp 1980-01-01,
permissions 0644 (0755 for executables), no extra fields; the same input gives
the same bytes and the same sha256. Tencent's CLI and Huawei's fgs component
zip a folder themselves and refuse a zip, so for them the same files are also
laid out in ``function/`` beside the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from faas_bridge.devtools.deploy import DeployError

#: Every timestamp in the archive (the earliest a zip file can hold).
EPOCH = (1980, 1, 1, 0, 0, 0)
#: Sizes are shown as the vendors write them: "MB" of 1,048,576 bytes.
MB = 1024 * 1024
MIB = MB

#: Folders never packaged (anywhere in the tree).
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".idea",
        ".vscode",
        "node_modules",
        ".serverless",
        ".aws-sam",
        ".faas-bridge",
        "tests",
        "test",
        "dist",
        "build",
    }
)
#: Files never packaged: compiled files, tests, local secrets.
_SKIP_FILE = re.compile(
    r"(\.py[cod]$|^test_.*\.py$|_test\.py$|^conftest\.py$|^\.DS_Store$|^\.env(\..*)?$"
    r"|^local\.settings\.json$|\.egg-info$)"
)
#: faas_bridge's modules a deployed function never imports.
_DEV_MODULES = frozenset({"devtools", "cli.py", "gateway.py", "__main__.py"})


@dataclass(frozen=True)
class Target:
    """What one vendor's Python runtime is, for pip, and what it accepts."""

    name: str
    #: Highest glibc of the runtime's OS, per Python version (None: the default).
    glibc: dict[str | None, int]
    arches: tuple[str, ...] = ("x86_64",)
    #: Dependencies installed into the archive (False: the vendor installs requirements.txt).
    vendored: bool = True
    #: Largest archive accepted, zipped (direct upload) and unzipped; None: not checked.
    zipped_limit: int | None = None
    unzipped_limit: int | None = None
    limits_source: str = ""
    layers: bool = False
    #: The vendor's deploy tool zips a folder itself (it refuses a zip): the archive is
    #: also laid out, file for file, in ``function/`` beside it.
    unpacked: bool = False


TARGETS: dict[str, Target] = {
    # Python 3.10/3.11 run on Amazon Linux 2 (glibc 2.26), 3.12 and later on
    # Amazon Linux 2023 (glibc 2.34). Deployment packages: 50 MB zipped for a
    # direct upload, 250 MB unzipped including layers (Lambda quotas).
    "aws": Target(
        "AWS Lambda",
        {"3.10": 26, "3.11": 26, None: 34},
        ("x86_64", "arm64"),
        zipped_limit=50 * MIB,
        unzipped_limit=250 * MIB,
        limits_source="Lambda quotas: 50 MB zipped (direct upload), 250 MB unzipped with layers",
        layers=True,
    ),
    # FC 3.0's Python 3.10 runtime is Debian 10 (glibc 2.28). A ZIP uploaded through
    # the console, a developer tool (Serverless Devs' s deploy) or OSS holds at most
    # 500 MB (100 MB as Base64 through an SDK or the API); FC documents no unzipped
    # size (Function Compute 3.0 "Limits", limits on function execution resources).
    "aliyun": Target(
        "Alibaba Cloud Function Compute",
        {None: 28},
        zipped_limit=500 * MIB,
        limits_source="Function Compute limits: 500 MB ZIP through a developer tool or OSS",
    ),
    # SCF's Python runtimes are CentOS 7 based (glibc 2.17). Tencent's CLI uploads the
    # files under the folder its serverless.yml names as src (it reads no zip), so the
    # limit that applies is a function's code before compression: 500 MB, layers
    # included (SCF "Quota Limits", function quota limits).
    "tencent": Target(
        "Tencent Cloud SCF",
        {None: 17},
        unzipped_limit=500 * MIB,
        limits_source="SCF quota limits: 500 MB of code before compression, layers included",
        unpacked=True,
    ),
    # FunctionGraph: a ZIP uploaded through the API holds at most 50 MB, and
    # 1,500 MB once unpacked (FunctionGraph "Notes and Constraints").
    "huawei": Target(
        "Huawei Cloud FunctionGraph",
        {None: 17},
        zipped_limit=50 * MIB,
        unzipped_limit=1500 * MIB,
        limits_source="FunctionGraph: 50 MB zipped through the API, 1,500 MB unzipped",
        # Serverless Devs' fgs component zips the folder its codeUri names.
        unpacked=True,
    ),
    # Google builds the dependencies from requirements.txt; sources uploaded
    # hold at most 100 MB compressed, 500 MB with modules uncompressed
    # (Cloud Functions quotas).
    "gcp": Target(
        "Google Cloud Run functions",
        {None: 28},
        vendored=False,
        zipped_limit=100 * MIB,
        unzipped_limit=500 * MIB,
        limits_source="Cloud Functions quotas: 100 MB compressed sources, 500 MB uncompressed",
    ),
    # Azure's remote build (func azure functionapp publish) installs requirements.txt.
    # Azure documents no size for a deployment package (its service limits give the
    # plans' storage, not a package's), so none is checked.
    "azure": Target("Azure Functions", {None: 28}, vendored=False),
}
PIP_ARCH = {"x86_64": "x86_64", "arm64": "aarch64"}


@dataclass(frozen=True)
class Requirements:
    """The project's run-time requirements and where they were read."""

    requirements: tuple[str, ...]
    source: str


@dataclass
class Archive:
    """One zip written (or, on a dry run, listed)."""

    path: Path
    entries: list[tuple[str, int]] = field(default_factory=list)
    zipped: int = 0
    sha256: str = ""

    @property
    def unzipped(self) -> int:
        return sum(size for _, size in self.entries)


@dataclass
class Result:
    archives: list[Archive]
    requirements: Requirements
    #: Distributions installed: (name, version, wheel tags).
    installed: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The archive's files laid out in a folder, for a vendor whose tool zips a folder.
    folder: Path | None = None


# -- requirements ----------------------------------------------------------------------------


def read_requirements(path: Path, seen: frozenset[Path] = frozenset()) -> list[str]:
    """The requirement lines of a requirements file, ``-r`` includes followed."""
    path = path.resolve()
    if path in seen:
        return []
    found: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        include = re.match(r"^(-r|--requirement)[\s=]+(\S+)$", line)
        if include:
            found.extend(read_requirements(path.parent / include.group(2), seen | {path}))
        elif not line.startswith("-"):
            found.append(line)
    return found


def project_requirements(root: Path) -> Requirements:
    """requirements.txt, else pyproject.toml's [project] dependencies, else nothing."""
    text_file = root / "requirements.txt"
    if text_file.is_file():
        return Requirements(tuple(read_requirements(text_file)), "requirements.txt")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        if sys.version_info < (3, 11):
            raise DeployError(
                "reading pyproject.toml needs Python 3.11: list the dependencies in "
                "requirements.txt instead"
            )
        else:
            import tomllib

            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            dependencies = data.get("project", {}).get("dependencies", [])
            return Requirements(tuple(dependencies), "pyproject.toml [project] dependencies")
    return Requirements((), "none (no requirements.txt or pyproject.toml)")


def requirement_name(line: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else line.strip()


def _faas_bridge_requirements() -> list[str]:
    """faas-bridge's own run-time dependencies (no extras)."""
    from importlib import metadata

    try:
        declared = metadata.requires("faas-bridge") or []
    except metadata.PackageNotFoundError:
        declared = ["asgiref>=3.7", "pyyaml>=6.0"]
    return [line for line in declared if "extra ==" not in line]


# -- pip for the target --------------------------------------------------------------------


def platform_tags(target: Target, arch: str, python: str) -> list[str]:
    """pip's ``--platform`` tags: manylinux from the runtime's glibc down to 2.17."""
    machine = PIP_ARCH[arch]
    glibc = target.glibc.get(python, target.glibc[None])
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(glibc, 16, -1)]
    tags.append(f"manylinux2014_{machine}")
    if machine == "x86_64":
        tags += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    return tags


def pip_command(
    target: Target,
    arch: str,
    python: str,
    requirements_file: Path,
    into: Path,
    find_links: Iterable[str] = (),
    report: Path | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    command += ["--no-input", "--no-compile", "--only-binary=:all:", "--implementation", "cp"]
    command += ["--python-version", python, "--target", str(into)]
    for tag in platform_tags(target, arch, python):
        command += ["--platform", tag]
    for link in find_links:
        command += ["--find-links", link]
    if report is not None:
        command += ["--dry-run", "--ignore-installed", "--report", str(report)]
    command += ["-r", str(requirements_file)]
    return command


_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
_NO_VERSION = re.compile(r"Could not find a version that satisfies the requirement (\S+)")


def explain_pip_failure(output: str, target: Target, arch: str, python: str) -> DeployError:
    """pip's failure as one error naming the requirement without a wheel for the target."""
    found = _NO_MATCH.search(output) or _NO_VERSION.search(output)
    machine = f"CPython {python} on {target.name} ({arch}, manylinux)"
    if found:
        name = found.group(1)
        return DeployError(
            f"no binary wheel of {name} for {machine}: pip found none it may install there "
            "(a source distribution would be built for this machine, not the function's); "
            f"pick a version of {requirement_name(name)} that publishes such a wheel, build one "
            "for the target and pass its folder with --find-links DIR, or drop the requirement"
        )
    tail = " | ".join(line.strip() for line in output.strip().splitlines()[-4:])
    return DeployError(f"pip could not resolve the dependencies for {machine}: {tail}")


def run_pip(
    command: list[str], target: Target, arch: str, python: str
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PIP_NO_WARN_SCRIPT_LOCATION="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise explain_pip_failure(done.stdout + done.stderr, target, arch, python)
    return done


# -- files -----------------------------------------------------------------------------------


def app_files(root: Path, skip: Iterable[Path] = ()) -> Iterator[tuple[str, Path]]:
    """(archive name, path) of the app's files: tests, caches, VCS and secrets left out."""
    skipped = {path.resolve() for path in skip}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            name
            for name in dirs
            if name not in SKIP_DIRS
            and not name.endswith(".egg-info")
            and (here / name).resolve() not in skipped
        )
        for name in sorted(files):
            if _SKIP_FILE.search(name):
                continue
            path = here / name
            if path.is_symlink() or path.resolve() in skipped:
                continue
            yield path.relative_to(root).as_posix(), path


def faas_bridge_files() -> Iterator[tuple[str, Path]]:
    """faas_bridge's runtime modules, from the installed package."""
    import faas_bridge

    root = Path(faas_bridge.__file__).parent
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        top = here == root
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not (top and d in _DEV_MODULES))
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")) or (top and name in _DEV_MODULES):
                continue
            path = here / name
            yield "faas_bridge/" + path.relative_to(root).as_posix(), path


def installed_files(into: Path) -> Iterator[tuple[str, Path]]:
    """What pip put in ``into``, without caches and console scripts (they name this machine)."""
    for folder, dirs, files in os.walk(into):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if d != "__pycache__" and not (here == into and d == "bin")
        )
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = here / name
            yield path.relative_to(into).as_posix(), path


def wheel_tags(into: Path) -> list[tuple[str, str, str]]:
    """(name, version, tags) of every distribution pip installed, from its WHEEL file."""
    found = []
    for wheel in sorted(into.glob("*.dist-info/WHEEL")):
        name, _, version = wheel.parent.name.removesuffix(".dist-info").partition("-")
        tags = [
            line.split(":", 1)[1].strip()
            for line in wheel.read_text(encoding="utf-8").splitlines()
            if line.startswith("Tag:")
        ]
        found.append((name, version, ",".join(tags)))
    return found


def _with_parsed_config(
    app: list[tuple[str, Path]], root: Path, scratch: Path
) -> list[tuple[str, Path]]:
    """The app's files with the project's faas.yml as already read, for the function
    to skip PyYAML at cold start.

    The document is :func:`faas_bridge.config.write_parsed`'s output, left out
    without a faas.yml or when JSON cannot hold the document. A copy already in
    the project never goes in: it may be stale (ignored at run time, its digest
    no longer matching, but no part of the function). A faas.yml that is not
    valid YAML stops the packaging here rather than at the first event.
    """
    from faas_bridge.config import parsed_path, write_parsed
    from faas_bridge.configured import FILE_NAME
    from faas_bridge.errors import ConfigurationError

    source = root / FILE_NAME
    name = parsed_path(source).name
    kept = [entry for entry in app if entry[0] != name]
    if not source.is_file():
        return kept
    into = scratch / name
    try:
        written = write_parsed(source, into)
    except ConfigurationError as exc:
        raise DeployError(str(exc)) from None
    return [*kept, (name, into)] if written else kept


def _with_bytecode(
    plans: list[tuple[Path, list[tuple[str, Path]]]],
    python: str,
    into: Path,
    app: list[tuple[str, Path]],
    result: Result,
) -> list[tuple[Path, list[tuple[str, Path]]]]:
    """Each archive's entries with the bytecode of its modules beside them.

    Without an interpreter of the function's version the archives stay as
    they were, with a warning. An app module that does not compile under that
    version is named (it fails when imported); a dependency's is not (packages
    ship modules for other versions, never imported there).
    """
    from faas_bridge.devtools.bytecode import NoInterpreter, compile_modules

    try:
        compiled = compile_modules((e for _, entries in plans for e in entries), python, into)
    except NoInterpreter as exc:
        result.warnings.append(
            f"no bytecode in the package: {exc}; the function compiles every module it imports "
            f"at each cold start (install Python {python} here: uv python install {python}, "
            f"pyenv install {python}; or package with --no-compile)"
        )
        return plans
    own = {name for name, _ in app}
    for name, error in compiled.failed:
        if name in own:
            result.warnings.append(f"{name} does not compile under Python {python}: {error}")
    return [
        (path, entries + [compiled.files[name] for name, _ in entries if name in compiled.files])
        for path, entries in plans
    ]


def write_zip(path: Path, entries: list[tuple[str, Path]]) -> Archive:
    """A reproducible zip of ``entries`` (archive name, file), sorted by name."""
    archive = Archive(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    unique = dict(entries)
    with zipfile.ZipFile(path, "w") as out:
        for name in sorted(unique):
            source = unique[name]
            data = source.read_bytes()
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix: the permission bits below are read
            executable = source.stat().st_mode & stat.S_IXUSR
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            out.writestr(info, data, compresslevel=9)
            archive.entries.append((name, len(data)))
    archive.zipped = path.stat().st_size
    archive.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return archive


def write_folder(path: Path, archive: Path) -> Path:
    """The archive's files, unpacked into a fresh folder with the archive's permissions.

    Read back from the zip, not from the sources again, so the two hold the same
    bytes even when a source changes meanwhile. The folder is replaced whole, so
    a file dropped from the app does not linger.
    """
    import shutil

    if path.exists():
        shutil.rmtree(path)
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            target = path / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(opened.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    return path


def largest(entries: Iterable[tuple[str, int]], count: int = 5) -> list[tuple[str, int]]:
    """The top-level folders and files holding the most bytes (``python/`` looked through)."""
    totals: dict[str, int] = {}
    for name, size in entries:
        parts = name.split("/")
        key = "/".join(parts[:2]) if parts[0] == "python" and len(parts) > 1 else parts[0]
        totals[key] = totals.get(key, 0) + size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:count]


def _shown(entries: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {size / MB:.1f} MB" for name, size in largest(entries))


def _bytecode_share(entries: Iterable[tuple[str, int]]) -> str:
    """What the bytecode adds, when there is any: the first thing a user may leave out."""
    size = sum(size for name, size in entries if name.endswith(".pyc"))
    return f"; {size / MB:.1f} MB of it is bytecode (--no-compile)" if size else ""


def check_sizes(target: Target, archives: list[Archive], warnings: list[str]) -> None:
    """The vendor's documented limits: an error (or, for Lambda's upload limit, a warning)."""
    every = [entry for archive in archives for entry in archive.entries]
    unzipped = sum(size for _, size in every)
    if target.unzipped_limit is not None and unzipped > target.unzipped_limit:
        raise DeployError(
            f"the package unpacks to {unzipped / MB:.1f} MB, over {target.name}'s "
            f"{target.unzipped_limit / MB:.0f} MB ({target.limits_source}); the largest parts: "
            f"{_shown(every)}{_bytecode_share(every)}"
        )
    if target.zipped_limit is None:
        return
    for archive in archives:
        if archive.zipped > target.zipped_limit:
            message = (
                f"{archive.path.name} is {archive.zipped / MB:.1f} MB zipped, over "
                f"{target.name}'s {target.zipped_limit / MB:.0f} MB ({target.limits_source}); "
                f"the largest parts: {_shown(archive.entries)}{_bytecode_share(archive.entries)}"
            )
            if target.layers:
                # Lambda takes a larger archive from S3 (sam deploy and serverless upload there).
                warnings.append(message + "; deploy it through S3, or split with --layer")
            else:
                raise DeployError(message)


# -- the command -----------------------------------------------------------------------------


def build(
    root: Path,
    platform: str,
    out: Path,
    *,
    arch: str = "x86_64",
    python: str = "3.12",
    layer: bool = False,
    dry_run: bool = False,
    find_links: Iterable[str] = (),
    bytecode: bool = True,
    progress: Callable[[str], None] = lambda line: None,
) -> Result:
    """Package the app at ``root`` for ``platform`` into ``out`` (see the module docstring).

    ``bytecode``: every module's ``.pyc`` for the function's Python goes in
    beside it (:mod:`faas_bridge.devtools.bytecode`); a dry run lists the
    sources only.
    """
    target = TARGETS[platform]
    if arch not in target.arches:
        raise DeployError(
            f"{target.name} runs {', '.join(target.arches)} only here: drop --arch {arch}"
        )
    if layer and not target.layers:
        raise DeployError(f"--layer is for AWS Lambda; {target.name} has no such layers here")
    found = project_requirements(root)
    own = {"faas-bridge", "faas_bridge"}
    wanted = [line for line in found.requirements if requirement_name(line) not in own]
    wanted += _faas_bridge_requirements()
    result = Result([], found)
    steps = (4 if target.vendored else 3) + (1 if bytecode else 0)
    progress(
        f"[1/{steps}] the app's files in {root} (dependencies from {found.source}; "
        f"{target.name}, Python {python}, {arch})"
    )
    app = list(app_files(root, skip=[out]))
    bridge = list(faas_bridge_files())
    with tempfile.TemporaryDirectory(prefix="faas-bridge-package-") as temporary:
        into = Path(temporary) / "site"
        deps: list[tuple[str, Path]] = []
        if target.vendored:
            requirements_file = Path(temporary) / "requirements.txt"
            requirements_file.write_text("".join(line + "\n" for line in wanted), "utf-8")
            progress(
                f"[2/{steps}] resolving {len(wanted)} requirements with pip for the target "
                "(binary wheels only)"
            )
            report = Path(temporary) / "report.json" if dry_run else None
            command = pip_command(target, arch, python, requirements_file, into, find_links, report)
            run_pip(command, target, arch, python)
            if report is not None:
                data = json.loads(report.read_text(encoding="utf-8"))
                for item in data.get("install", []):
                    meta = item.get("metadata", {})
                    url = item.get("download_info", {}).get("url", "")
                    result.installed.append(
                        (meta.get("name", "?"), meta.get("version", "?"), url.rsplit("/", 1)[-1])
                    )
            else:
                result.installed = wheel_tags(into)
                deps = list(installed_files(into))
        app = _with_parsed_config(app, root, Path(temporary))
        prefix = "python/" if layer else ""
        dependencies = [(prefix + name, path) for name, path in bridge + deps]
        plans = (
            [(out / "function.zip", app), (out / "layer.zip", dependencies)]
            if layer
            else [(out / "function.zip", app + dependencies)]
        )
        if dry_run:
            for path, entries in plans:
                archive = Archive(path)
                archive.entries = sorted((name, file.stat().st_size) for name, file in entries)
                result.archives.append(archive)
            return result
        if bytecode:
            progress(f"[{steps - 2}/{steps}] compiling the modules for Python {python}")
            plans = _with_bytecode(plans, python, Path(temporary) / "bytecode", app, result)
        progress(f"[{steps - 1}/{steps}] writing {', '.join(str(p) for p, _ in plans)}")
        for path, entries in plans:
            result.archives.append(write_zip(path, entries))
        progress(f"[{steps}/{steps}] checking sizes against {target.name}'s limits")
        check_sizes(target, result.archives, result.warnings)
        if target.unpacked:
            result.folder = write_folder(out / "function", result.archives[0].path)
    return result
