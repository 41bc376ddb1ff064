"""``faas-bridge package`` and ``faas-bridge template``: the subcommands' parsers and runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from faas_bridge.devtools.deploy import ARCHES, DeployError, Project, load_project

PLATFORMS = ("aws", "azure", "gcp", "aliyun", "tencent", "huawei")


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``package`` and ``template`` to the ``faas-bridge`` parser's subcommands."""
    from faas_bridge.devtools.templates import TARGET_NAMES

    package = sub.add_parser(
        "package",
        parents=[common],
        help="the app and its dependencies as a zip for the vendor's runtime",
        description="Builds dist/PLATFORM/function.zip: the app's files (tests, caches, VCS "
        "left out) and its dependencies (requirements.txt, else pyproject.toml's "
        "[project] dependencies) resolved by pip for the function's machine, binary wheels "
        "only. The archive is reproducible: the same input gives the same sha256.",
    )
    package.add_argument("--platform", required=True, choices=PLATFORMS)
    package.add_argument("--arch", choices=ARCHES, help="the CPU (default: faas.yml's, x86_64)")
    package.add_argument("--python", help="the runtime's Python, such as 3.12 (default 3.12)")
    package.add_argument(
        "--layer",
        action="store_true",
        default=None,
        help="aws: the dependencies in a Lambda layer zip of their own (python/...)",
    )
    package.add_argument("--dry-run", action="store_true", help="list what would go in")
    package.add_argument(
        "--no-compile",
        action="store_true",
        help="leave out the modules' bytecode, which the function then compiles at every "
        "cold start (by default each module's .pyc for --python goes in beside it)",
    )
    package.add_argument("--out", metavar="DIR", help="where the zip goes (dist/PLATFORM)")
    package.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of wheels of your own (repeatable)",
    )
    _project_options(package)
    package.set_defaults(run=cmd_package)

    template = sub.add_parser(
        "template",
        parents=[common],
        help="the vendor's deployment files, generated from faas.yml",
        description="Writes the vendor's deployment files for faas.yml's functions (routes, "
        "triggers, environment, sizes) and prints the commands that deploy them.",
    )
    template.add_argument("--target", required=True, choices=TARGET_NAMES)
    template.add_argument("--out", metavar="DIR", help="where the files go (faas.yml's folder)")
    template.add_argument(
        "--force", action="store_true", help="overwrite files that faas-bridge did not generate"
    )
    _project_options(template)
    template.set_defaults(run=cmd_template)


def _project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the faas.yml to use (default: FAAS_BRIDGE_CONFIG, else ./faas.yml)",
    )
    parser.add_argument("--app", help="the app, when there is no faas.yml (package.module:app)")


def _project(args: argparse.Namespace) -> Project:
    from faas_bridge.config import find_config

    if args.config:
        path: Path | None = Path(args.config)
        assert path is not None
        if path.is_dir():
            path = path / "faas.yml"
        if not path.is_file():
            raise DeployError(f"--config {args.config}: no such file")
    else:
        path = find_config()
    return load_project(path, app=args.app)


def _progress(line: str) -> None:
    print(f"faas-bridge package: {line}", file=sys.stderr, flush=True)


def cmd_package(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.package import MB, build

    project = _project(args)
    out = Path(args.out) if args.out else project.root / "dist" / args.platform
    result = build(
        project.root,
        args.platform,
        out,
        arch=args.arch or project.arch,
        python=args.python or project.python,
        layer=project.layer if args.layer is None else args.layer,
        dry_run=args.dry_run,
        find_links=args.find_links,
        bytecode=not args.no_compile,
        progress=_progress,
    )
    for warning in result.warnings:
        print(f"faas-bridge package: warning: {warning}", file=sys.stderr)
    if args.dry_run:
        print(f"dependencies from {result.requirements.source}:")
        for name, version, wheel in result.installed:
            print(f"  {name} {version}  {wheel}")
        for archive in result.archives:
            print(f"{archive.path} would hold {len(archive.entries)} files:")
            for name, size in archive.entries:
                print(f"  {size:>10}  {name}")
        return 0
    for archive in result.archives:
        compiled = sum(1 for name, _ in archive.entries if name.endswith(".pyc"))
        print(
            f"{archive.path}  {archive.zipped / MB:.2f} MB zipped, "
            f"{archive.unzipped / MB:.2f} MB unzipped, {len(archive.entries)} files "
            f"({compiled} of them bytecode), sha256 {archive.sha256}"
        )
    if result.folder is not None:
        print(f"{result.folder}/  the same files unpacked: the vendor's deploy tool zips it")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from faas_bridge.devtools.templates import render, write

    project = _project(args)
    out = Path(args.out) if args.out else project.root
    rendered = render(project, args.target, out)
    written = write(rendered, out, force=args.force)
    for path in written:
        print(f"wrote {path}")
    for note in rendered.notes:
        print(f"faas-bridge template: note: {note}", file=sys.stderr)
    print(f"\nTo deploy (in {out}):")
    for command in rendered.commands:
        print(f"  {command}")
    return 0
