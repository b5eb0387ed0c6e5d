"""The command line: the only module that prints and chooses exit codes (0 ok, 1 input, 2 usage)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import Finding, PerfgenError

EXIT_INPUT = 1


def _print_findings(findings: tuple[Finding, ...] | list[Finding]) -> None:
    for finding in findings:
        click.echo(str(finding), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perfgen")
def main() -> None:
    """perfgen：由 YAML 规格文件生成部门预算绩效文本（Word）。"""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", default=Path("build"), type=click.Path(path_type=Path), show_default=True, help="输出目录")
def build(paths: tuple[Path, ...], out_dir: Path) -> None:
    """生成文档：PATHS 为规格文件或包含规格文件的目录。"""
    from .build import build as build_one
    from .build import find_jobs

    try:
        jobs = find_jobs(list(paths))
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    failed = 0
    for job in jobs:
        try:
            built = build_one(job, out_dir)
        except PerfgenError as exc:
            failed += 1
            _print_findings(exc.findings)
            click.echo(f"✗ {job.spec}：未生成（共 {len(exc.findings)} 个问题）", err=True)
            continue
        _print_findings(built.warnings)
        for output in built.outputs:
            click.echo(f"✓ {job.spec} → {output}")
    if len(jobs) > 1:
        click.echo(f"完成：成功 {len(jobs) - failed} 个，失败 {failed} 个。")
    sys.exit(EXIT_INPUT if failed else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """只检查规格文件，不生成文档。"""
    from .build import check as check_one
    from .build import find_jobs

    findings: list[Finding] = []
    try:
        jobs = find_jobs(list(paths))
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    errors = 0
    for job in jobs:
        try:
            findings.extend(check_one(job.spec).warnings)
        except PerfgenError as exc:
            errors += len(exc.findings)
            findings.extend(exc.findings)
    _print_findings(sorted(findings, key=Finding.sort_key))
    warnings = len(findings) - errors
    click.echo(f"{errors} 个错误，{warnings} 个警告。")
    sys.exit(EXIT_INPUT if errors else 0)


@main.command()
def layouts() -> None:
    """列出可用的版式。"""
    from .layout import builtin_layouts

    try:
        available = builtin_layouts()
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    for layout in available:
        click.echo(f"{layout.name}\t{layout.description.description}")
