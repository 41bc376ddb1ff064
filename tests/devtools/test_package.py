"""``faas-bridge package``: what goes in, for which machine, and the same bytes every time.

The default run resolves one small set for this machine's own Python on
Lambda x86_64 (faas-bridge's dependencies from PyPI, and a wheel of the app's
written in the test), once per module; the archive is then unpacked into an
empty folder and a fresh interpreter without site-packages imports the handler
from it and answers an API Gateway event. Cross-platform resolution from PyPI
(arm64, Python 3.12, pydantic-core's native wheel) runs with
``FAAS_BRIDGE_NETWORK_TESTS=1``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from faas_bridge.devtools.bytecode import NoInterpreter, compile_modules, interpreter_for
from faas_bridge.devtools.cli import main
from faas_bridge.devtools.deploy import DeployError
from faas_bridge.devtools.package import TARGETS, Archive, build, check_sizes, platform_tags

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

HELLO = '''\
"""The app: answers with its dependency's word, to show the dependency was packaged."""

import tinydep


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{tinydep.WORD} from {environ['PATH_INFO']}".encode()]
'''


def _wheel(folder: Path) -> Path:
    """A pure-Python wheel of ``tinydep`` 1.0, written as PEP 427 describes it."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "tinydep/__init__.py": b'WORD = "packaged"\n',
        # A module only Python 2 compiles, as packages ship for other versions:
        # never imported, so its bytecode is not missed.
        "tinydep/legacy.py": b'print "written for Python 2"\n',
        "tinydep-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        "tinydep-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("tinydep-1.0.dist-info/RECORD,,")
    path = folder / "tinydep-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("tinydep-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return folder


def _project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "hello.py").write_text(HELLO)
    (root / "requirements.txt").write_text("tinydep==1.0  # the app's own dependency\n")
    (root / "requirements-dev.txt").write_text("pytest\n")
    (root / "faas.yml").write_text("app: hello:app\n")
    run = root / "run.sh"
    run.write_text("#!/bin/sh\necho hi\n")
    run.chmod(0o755)
    # What must stay out: tests, caches, VCS, local secrets.
    for name in ("tests/test_hello.py", "test_more.py", "conftest.py", ".git/HEAD", ".env"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / f"hello.{sys.implementation.cache_tag}.pyc").write_bytes(b"\0")
    return root


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("package")
    wheels = _wheel(base / "wheels")
    root = _project(base / "app")
    lines: list[str] = []
    first = build(
        root,
        "aws",
        base / "one",
        python=PYTHON,
        find_links=[str(wheels)],
        progress=lines.append,
    )
    second = build(root, "aws", base / "two", python=PYTHON, find_links=[str(wheels)])
    return {"root": root, "wheels": wheels, "first": first, "second": second, "progress": lines}


def test_the_same_input_gives_the_same_bytes(packaged: dict[str, Any]) -> None:
    (one,) = packaged["first"].archives
    (two,) = packaged["second"].archives
    assert one.path != two.path
    assert one.path.read_bytes() == two.path.read_bytes()
    assert one.sha256 == two.sha256 == hashlib.sha256(one.path.read_bytes()).hexdigest()


def test_entries_are_sorted_dated_1980_with_stable_permissions(packaged: dict[str, Any]) -> None:
    (archive,) = packaged["first"].archives
    with zipfile.ZipFile(archive.path) as opened:
        infos = opened.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.extra for info in infos} == {b""}
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in infos}
    assert modes["run.sh"] == 0o755
    assert modes["hello.py"] == 0o644
    assert set(modes.values()) <= {0o644, 0o755}


def test_what_goes_in_and_what_stays_out(packaged: dict[str, Any]) -> None:
    (archive,) = packaged["first"].archives
    names = {name for name, _ in archive.entries}
    assert {"hello.py", "faas.yml", "requirements.txt", "tinydep/__init__.py"} <= names
    assert "faas.yml.parsed.json" in names  # faas.yml as read: no PyYAML at cold start
    assert "faas_bridge/__init__.py" in names and "yaml/__init__.py" in names
    assert "asgiref/__init__.py" in names
    left_out = ("tests/", "test_more.py", "conftest.py", ".git/", ".env", "bin/")
    for name in names:
        assert not name.startswith(left_out), name
    # The project's own __pycache__ stays out: the bytecode in is compiled by the
    # packaging, one .pyc beside each module (tests/devtools/test_package_bytecode.py).
    with zipfile.ZipFile(archive.path) as opened:
        assert opened.read(f"__pycache__/hello.{sys.implementation.cache_tag}.pyc") != b"\0"
    # faas_bridge's dev tooling is never imported by a deployed function.
    assert (
        "faas_bridge/devtools/cli/__init__.py" not in names
        and "faas_bridge/devtools/gateway.py" not in names
    )
    assert not any(name.startswith("faas_bridge/devtools/") for name in names)
    assert "pytest/__init__.py" not in names  # requirements-dev.txt is not read
    assert packaged["first"].requirements.source == "requirements.txt"
    assert len(packaged["progress"]) == 5 and packaged["progress"][0].startswith("[1/5]")
    assert packaged["progress"][2] == f"[3/5] compiling the modules for Python {PYTHON}"


def test_wheels_are_the_targets(packaged: dict[str, Any]) -> None:
    installed = {name.lower(): tags for name, _, tags in packaged["first"].installed}
    assert installed["tinydep"] == "py3-none-any"
    pyyaml = installed["pyyaml"].split(",")
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert all(t.startswith(f"{tag}-{tag}-manylinux") and t.endswith("x86_64") for t in pyyaml)


def _unpacked(packaged: dict[str, Any], into: Path) -> Path:
    (archive,) = packaged["first"].archives
    with zipfile.ZipFile(archive.path) as opened:
        opened.extractall(into)
    return into


def test_the_unpacked_archive_answers_an_event_alone(
    packaged: dict[str, Any], tmp_path: Path
) -> None:
    task_root = _unpacked(packaged, tmp_path / "task")
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/hello",
        "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": "GET",
                "path": "/hello",
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "test",
            },
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 1767225600000,
        },
        "isBase64Encoded": False,
    }
    # -S: no site-packages, so nothing installed on this machine can stand in.
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import faas_bridge; "
        "reply = faas_bridge.handler(json.loads(sys.argv[2]), None); "
        "print(json.dumps([faas_bridge.__file__, reply, 'yaml' in sys.modules]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAAS_BRIDGE_", "PYTHON"))}
    env["LAMBDA_TASK_ROOT"] = str(task_root)
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, str(task_root), json.dumps(event)],
        cwd=task_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    where, reply, read_yaml = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(where).is_relative_to(task_root)
    assert reply["statusCode"] == 200
    assert reply["body"] == "packaged from /hello"
    # faas.yml was read from the document the packaging wrote beside it.
    assert (task_root / "faas.yml.parsed.json").is_file()
    assert read_yaml is False


def test_layer_split_puts_dependencies_under_python(
    packaged: dict[str, Any], tmp_path: Path
) -> None:
    result = build(
        packaged["root"],
        "aws",
        tmp_path,
        python=PYTHON,
        layer=True,
        find_links=[str(packaged["wheels"])],
    )
    function, layer = result.archives
    assert (function.path.name, layer.path.name) == ("function.zip", "layer.zip")
    function_names = {name for name, _ in function.entries}
    assert "hello.py" in function_names
    assert not any(
        name.startswith(("faas_bridge/", "yaml/", "tinydep/")) for name in function_names
    )
    layer_names = {name for name, _ in layer.entries}
    assert all(name.startswith("python/") for name in layer_names)
    assert {"python/tinydep/__init__.py", "python/faas_bridge/__init__.py"} <= layer_names
    # Each archive holds the bytecode of its own modules, beside them.
    tag = sys.implementation.cache_tag
    assert f"python/tinydep/__pycache__/__init__.{tag}.pyc" in layer_names
    assert f"__pycache__/hello.{tag}.pyc" in function_names


def test_over_the_limit_names_the_largest_parts(packaged: dict[str, Any]) -> None:
    (archive,) = packaged["first"].archives
    totals: dict[str, int] = {}
    with zipfile.ZipFile(archive.path) as opened:
        for info in opened.infolist():
            top = info.filename.split("/")[0]
            totals[top] = totals.get(top, 0) + info.file_size
    biggest = max(totals, key=lambda key: totals[key])
    tiny = TARGETS["aws"].__class__("Tiny", {None: 17}, unzipped_limit=1000, limits_source="x")
    with pytest.raises(DeployError) as caught:
        check_sizes(tiny, [archive], [])
    assert f"the largest parts: {biggest} {totals[biggest] / 1048576:.1f} MB" in str(caught.value)
    # What the bytecode adds is said: --no-compile is the first thing to leave out.
    bytecode = sum(size for name, size in archive.entries if name.endswith(".pyc"))
    assert bytecode > 0
    assert f"; {bytecode / 1048576:.1f} MB of it is bytecode (--no-compile)" in str(caught.value)
    # Lambda's 250 MB unzipped limit is a hard error, its 50 MB zipped upload a warning.
    huge = Archive(archive.path, [("big/x", 251 * 1024 * 1024)], zipped=1)
    with pytest.raises(DeployError, match=r"over AWS Lambda's 250 MB"):
        check_sizes(TARGETS["aws"], [huge], [])
    warnings: list[str] = []
    check_sizes(
        TARGETS["aws"], [Archive(archive.path, [("a", 1)], zipped=51 * 1024 * 1024)], warnings
    )
    assert len(warnings) == 1 and "deploy it through S3" in warnings[0]


def test_a_package_without_a_wheel_for_the_target_is_named(tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    # Only a source distribution: pip may not build it for another machine.
    (links / "nowheel-1.0.tar.gz").write_bytes(b"not really")
    root = tmp_path / "app"
    root.mkdir()
    (root / "requirements.txt").write_text("nowheel==1.0\n")
    os.environ["PIP_NO_INDEX"] = "1"
    try:
        with pytest.raises(DeployError) as caught:
            build(
                root, "aws", tmp_path / "out", arch="arm64", python="3.12", find_links=[str(links)]
            )
    finally:
        del os.environ["PIP_NO_INDEX"]
    text = str(caught.value)
    assert text.startswith("no binary wheel of nowheel==1.0 for CPython 3.12 on AWS Lambda (arm64")
    assert "--find-links DIR" in text
    assert not (tmp_path / "out").exists()


def test_platform_tags_follow_the_runtimes_glibc() -> None:
    # Python 3.12+ run on Amazon Linux 2023 (glibc 2.34), 3.11 on Amazon Linux 2 (2.26).
    assert platform_tags(TARGETS["aws"], "arm64", "3.12")[0] == "manylinux_2_34_aarch64"
    assert platform_tags(TARGETS["aws"], "x86_64", "3.11")[0] == "manylinux_2_26_x86_64"
    assert "manylinux2014_aarch64" in platform_tags(TARGETS["aws"], "arm64", "3.12")
    assert "manylinux_2_27_x86_64" not in platform_tags(TARGETS["aws"], "x86_64", "3.11")


def test_cli_dry_run_lists_without_writing(
    packaged: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "dry"
    status = main(
        [
            "package",
            "--platform",
            "aws",
            "--python",
            PYTHON,
            "--dry-run",
            "--out",
            str(out),
            "--config",
            str(packaged["root"] / "faas.yml"),
            "--find-links",
            str(packaged["wheels"]),
        ]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "dependencies from requirements.txt:" in captured.out
    assert "  tinydep 1.0  tinydep-1.0-py3-none-any.whl" in captured.out
    assert "hello.py" in captured.out and "faas_bridge/__init__.py" in captured.out
    assert "faas-bridge package: [2/5] resolving" in captured.err
    assert not out.exists()


@pytest.mark.skipif(
    os.environ.get("FAAS_BRIDGE_NETWORK_TESTS") != "1",
    reason="resolves pydantic-core for arm64 from PyPI: set FAAS_BRIDGE_NETWORK_TESTS=1",
)
def test_arm64_python312_wheels_from_pypi(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "requirements.txt").write_text("pydantic-core\n")
    result = build(root, "aws", tmp_path / "out", arch="arm64", python="3.12")
    installed = {name.lower(): tags for name, _, tags in result.installed}
    for name in ("pydantic_core", "pyyaml"):
        tags = installed[name].split(",")
        assert all(t.startswith("cp312-cp312-manylinux") and t.endswith("aarch64") for t in tags)
    (archive,) = result.archives
    native = [n for n, _ in archive.entries if n.startswith("pydantic_core/") and n.endswith(".so")]
    assert native and all("aarch64" in name for name in native)


def test_tencent_and_huawei_also_get_the_archive_unpacked(
    packaged: dict[str, Any], tmp_path: Path
) -> None:
    """Their deploy tools zip a folder and read no zip: the same files, laid out."""
    out = tmp_path / "dist" / "huawei"
    stale = out / "function" / "gone.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an earlier build\n")
    result = build(
        packaged["root"], "huawei", out, python=PYTHON, find_links=[str(packaged["wheels"])]
    )
    (archive,) = result.archives
    assert result.folder == out / "function"
    laid_out = {
        path.relative_to(result.folder).as_posix(): path
        for path in result.folder.rglob("*")
        if path.is_file()
    }
    with zipfile.ZipFile(archive.path) as opened:
        infos = {info.filename: info for info in opened.infolist()}
        assert sorted(laid_out) == sorted(infos)  # gone.py went with the old build
        for name, info in infos.items():
            assert laid_out[name].read_bytes() == opened.read(name), name
            assert laid_out[name].stat().st_mode & 0o777 == (info.external_attr >> 16) & 0o777
    assert "hello.py" in laid_out and "faas_bridge/__init__.py" in laid_out
    wheels = [str(packaged["wheels"])]
    aws = build(packaged["root"], "aws", tmp_path / "aws", python=PYTHON, find_links=wheels)
    assert aws.folder is None and not (tmp_path / "aws" / "function").exists()


#: Each vendor's documented limits in bytes, written from its documentation (MB of
#: 1,048,576 bytes): (platform, "zipped" or "unzipped", the largest size accepted).
DOCUMENTED_LIMITS = [
    # Lambda quotas: 250 MB unzipped, function and layers.
    ("aws", "unzipped", 262_144_000),
    # FunctionGraph "Notes and Constraints": 50 MB ZIP through the API, 1,500 MB unpacked.
    ("huawei", "zipped", 52_428_800),
    ("huawei", "unzipped", 1_572_864_000),
    # Cloud Functions quotas: 100 MB compressed sources, 500 MB uncompressed.
    ("gcp", "zipped", 104_857_600),
    ("gcp", "unzipped", 524_288_000),
    # Function Compute 3.0 "Limits": 500 MB ZIP through a developer tool or OSS.
    ("aliyun", "zipped", 524_288_000),
    # SCF "Quota Limits": 500 MB of code per function before compression, layers included.
    ("tencent", "unzipped", 524_288_000),
]


@pytest.mark.parametrize(("platform", "kind", "limit"), DOCUMENTED_LIMITS)
def test_a_package_at_the_documented_limit_passes_and_one_byte_more_fails(
    platform: str, kind: str, limit: int, tmp_path: Path
) -> None:
    def archive(size: int) -> Archive:
        if kind == "zipped":
            return Archive(tmp_path / "function.zip", [("app.py", 1)], zipped=size)
        return Archive(tmp_path / "function.zip", [("site/big.so", size)], zipped=1)

    target = TARGETS[platform]
    check_sizes(target, [archive(limit)], [])
    with pytest.raises(DeployError) as caught:
        check_sizes(target, [archive(limit + 1)], [])
    text = str(caught.value)
    assert f"over {target.name}'s {limit // 1048576} MB" in text
    assert "the largest parts: " + ("app.py" if kind == "zipped" else "site ") in text


def test_azure_documents_no_package_size(tmp_path: Path) -> None:
    """Azure's remote build installs the dependencies; no package size is documented."""
    huge = Archive(tmp_path / "function.zip", [("big", 2**31)], zipped=2**31)
    check_sizes(TARGETS["azure"], [huge], [])
    assert TARGETS["azure"].zipped_limit is None and TARGETS["azure"].unzipped_limit is None


@pytest.mark.parametrize("json_can_hold_it", [True, False])
def test_a_stale_parsed_document_in_the_project_never_goes_in(
    tmp_path: Path, json_can_hold_it: bool
) -> None:
    """The archive holds the document read from this faas.yml, or none at all."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "hello.py").write_text(HELLO)
    (root / "requirements.txt").write_text("")
    # YAML reads 2026-12-07 as a date, which JSON cannot hold: no document is
    # written, and the function reads (and refuses) the YAML itself.
    text = "app: hello:app\n" if json_can_hold_it else "app: hello:app\nrelease: 2026-12-07\n"
    (root / "faas.yml").write_text(text)
    stale = '{"document": {"app": "gone:app"}, "lines": [], "sha256": "0"}'
    (root / "faas.yml.parsed.json").write_text(stale)
    result = build(root, "gcp", tmp_path / "out", python=PYTHON)
    (archive,) = result.archives
    with zipfile.ZipFile(archive.path) as opened:
        names = opened.namelist()
        held = opened.read("faas.yml.parsed.json") if "faas.yml.parsed.json" in names else None
    if json_can_hold_it:
        assert held is not None and json.loads(held)["document"]["app"] == "hello:app"
    else:
        assert held is None, held


# -- bytecode: each module's .pyc for the function's Python, beside it -------------------


def _pyc_header(data: bytes) -> tuple[bytes, int, bytes]:
    """(magic number, flags, source hash) of a hash-based .pyc (PEP 552)."""
    return data[:4], int.from_bytes(data[4:8], "little"), data[8:16]


def test_each_module_goes_in_with_its_checked_hash_bytecode(packaged: dict[str, Any]) -> None:
    (archive,) = packaged["first"].archives
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(archive.path) as opened:
        names = set(opened.namelist())
        sources = {name for name in names if name.endswith(".py")}
        compiled = {name for name in names if name.endswith(".pyc")}
        expected = {importlib.util.cache_from_source(name) for name in sources}
        # Every module but the one this Python cannot compile, and nothing else.
        legacy = importlib.util.cache_from_source("tinydep/legacy.py")
        assert compiled == expected - {legacy}
        assert {
            "faas_bridge/__pycache__/http." + tag + ".pyc",
            f"__pycache__/hello.{tag}.pyc",
        } <= compiled
        for name in sources - {"tinydep/legacy.py"}:
            magic, flags, digest = _pyc_header(opened.read(importlib.util.cache_from_source(name)))
            assert magic == importlib.util.MAGIC_NUMBER, name
            # Bit 0: hash-based; bit 1: Python checks the source's hash before using it.
            assert flags == 0b11, name
            assert digest == importlib.util.source_hash(opened.read(name)), name
    # A dependency's module for another Python is no news; the app's own would be.
    assert not any("legacy" in warning for warning in packaged["first"].warnings)


def _imports(task_root: Path, code: str) -> tuple[str, set[str]]:
    """Run ``code`` in a fresh interpreter on the unpacked archive, writing no bytecode
    (``-B``: as on a read-only file system); its output, and where each module's code
    object came from, as CPython's import system reports it (``-v``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAAS_BRIDGE_", "PYTHON"))}
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-B",
            "-v",
            "-c",
            f"import sys; sys.path.insert(0, {str(task_root)!r}); {code}",
        ],
        cwd=task_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    origins = set()
    for line in done.stderr.splitlines():
        if line.startswith("# code object from "):
            path = Path(line.removeprefix("# code object from ").strip("'"))
            if path.is_relative_to(task_root):
                origins.add(path.relative_to(task_root).as_posix())
    return done.stdout, origins


def test_the_function_runs_its_modules_from_the_bytecode(
    packaged: dict[str, Any], tmp_path: Path
) -> None:
    task_root = _unpacked(packaged, tmp_path)
    out, origins = _imports(
        task_root, "import hello, faas_bridge.dispatch; print(hello.tinydep.WORD)"
    )
    assert out.strip() == "packaged"
    tag = sys.implementation.cache_tag
    for module in (
        "__pycache__/hello",
        "tinydep/__pycache__/__init__",
        "faas_bridge/__pycache__/dispatch",
    ):
        assert f"{module}.{tag}.pyc" in origins, origins
    assert not any(origin.endswith(".py") for origin in origins), origins


def test_a_source_edited_after_packaging_is_compiled_afresh(
    packaged: dict[str, Any], tmp_path: Path
) -> None:
    """As in the Lambda console's editor: the .pyc no longer matches, and is not run."""
    task_root = _unpacked(packaged, tmp_path)
    (task_root / "tinydep" / "__init__.py").write_text('WORD = "edited"\n')
    out, origins = _imports(task_root, "import hello; print(hello.tinydep.WORD)")
    assert out.strip() == "edited"
    assert "tinydep/__init__.py" in origins
    assert f"__pycache__/hello.{sys.implementation.cache_tag}.pyc" in origins


def _gcp_project(root: Path, broken: bool = False) -> Path:
    """A project whose archive needs no pip (Google installs requirements.txt itself)."""
    root.mkdir()
    (root / "hello.py").write_text(HELLO)
    (root / "requirements.txt").write_text("")
    if broken:
        (root / "broken.py").write_text("answer = (\n")
    return root


def test_an_app_module_the_functions_python_cannot_compile_is_named(tmp_path: Path) -> None:
    root = _gcp_project(tmp_path / "app", broken=True)
    result = build(root, "gcp", tmp_path / "out", python=PYTHON)
    assert result.warnings == [
        f"broken.py does not compile under Python {PYTHON}: SyntaxError: '(' was never closed"
    ]
    (archive,) = result.archives
    names = {name for name, _ in archive.entries}
    assert "broken.py" in names and importlib.util.cache_from_source("broken.py") not in names
    assert importlib.util.cache_from_source("hello.py") in names


def test_without_an_interpreter_of_the_functions_python_the_sources_go_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    root = _gcp_project(tmp_path / "app")
    result = build(root, "gcp", tmp_path / "out", python="3.99")
    (warning,) = result.warnings
    assert warning.startswith("no bytecode in the package: no Python 3.99 on this machine")
    assert "--no-compile" in warning
    (archive,) = result.archives
    assert not any(name.endswith(".pyc") for name, _ in archive.entries)
    assert "hello.py" in {name for name, _ in archive.entries}


def test_an_interpreter_of_another_version_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python3.98`` on the PATH that is in fact this Python: its bytecode would not load."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    impostor = bin_dir / "python3.98"
    impostor.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    impostor.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert interpreter_for("3.98") == str(impostor)
    module = tmp_path / "m.py"
    module.write_text("x = 1\n")
    with pytest.raises(NoInterpreter, match=rf"python3\.98 is Python {PYTHON}, not 3\.98"):
        compile_modules([("m.py", module)], "3.98", tmp_path / "into")
    assert not (tmp_path / "into").exists()


OTHER_PYTHONS = [v for v in ("3.12", "3.13", "3.14") if v != PYTHON]


@pytest.mark.parametrize("python", OTHER_PYTHONS)
def test_bytecode_for_another_python_comes_from_that_python(python: str, tmp_path: Path) -> None:
    """Packaging for 3.13 on 3.11: the .pyc is 3.13's, and 3.13 runs it."""
    interpreter = interpreter_for(python)
    if interpreter is None:
        pytest.skip(f"no Python {python} on this machine (python{python}, or pyenv's)")
    source = tmp_path / "src" / "pkg" / "mod.py"
    source.parent.mkdir(parents=True)
    source.write_text("import sys\nVERSION = '%d.%d' % sys.version_info[:2]\n")
    (source.parent / "__init__.py").write_text("")
    compiled = compile_modules(
        [("pkg/mod.py", source), ("pkg/__init__.py", source.parent / "__init__.py")],
        python,
        tmp_path / "task",
    )
    tag = f"cpython-{python.replace('.', '')}"
    assert compiled.files["pkg/mod.py"][0] == f"pkg/__pycache__/mod.{tag}.pyc"
    assert compiled.failed == []
    # The task root: the sources beside the bytecode, as the archive lays them out.
    for name in ("pkg/mod.py", "pkg/__init__.py"):
        (tmp_path / "task" / name).write_bytes((tmp_path / "src" / name).read_bytes())
    task_root = str(tmp_path / "task")
    code = f"import sys; sys.path.insert(0, {task_root!r}); import pkg.mod; print(pkg.mod.VERSION)"
    done = subprocess.run(
        [interpreter, "-I", "-B", "-v", "-c", code],
        cwd=task_root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == python
    assert (
        f"# code object from '{tmp_path / 'task' / 'pkg' / '__pycache__' / f'mod.{tag}.pyc'}'"
        in done.stderr
    )


def test_the_cli_leaves_the_bytecode_out_when_told(tmp_path: Path, capsys: Any) -> None:
    root = _gcp_project(tmp_path / "app")
    (root / "faas.yml").write_text("app: hello:app\n")
    for flags, out in (([], tmp_path / "with"), (["--no-compile"], tmp_path / "without")):
        status = main(
            [
                "package",
                "--platform",
                "gcp",
                "--python",
                PYTHON,
                "--config",
                str(root),
                "--out",
                str(out),
                *flags,
            ]
        )
        captured = capsys.readouterr()
        assert status == 0, captured.err
        with zipfile.ZipFile(out / "function.zip") as opened:
            held = sum(1 for name in opened.namelist() if name.endswith(".pyc"))
        assert (held == 0) is bool(flags)
        assert f" files ({held} of them bytecode), sha256 " in captured.out
