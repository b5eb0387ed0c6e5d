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
@click.option("--pdf", is_flag=True, help="同时生成 PDF（需要 LibreOffice）")
@click.option("--draft", is_flag=True, help="草稿：不调用 LibreOffice，目录不填页码（打开时更新）")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), default=None, help="并行进程数，默认为 CPU 核数")
def build(paths: tuple[Path, ...], out_dir: Path, pdf: bool, draft: bool, workers: int | None) -> None:
    """生成文档：PATHS 为规格文件或包含规格文件的目录（目录下的规格按原目录结构输出）。"""
    import os
    import time

    from .build import Options, build_many, find_jobs
    from .office import INSTALL_HINT
    from .office import available as office_available

    try:
        jobs = find_jobs(list(paths))
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    if pdf and draft:
        raise click.UsageError("--pdf 与 --draft 不能同时使用。")
    if not draft and not office_available():
        if pdf:
            click.echo(f"错误：生成 PDF 需要 LibreOffice，请先安装：{INSTALL_HINT}", err=True)
            sys.exit(EXIT_INPUT)
        click.echo(f"提示：未找到 LibreOffice，目录暂不填页码（打开文档时更新域即可）；安装：{INSTALL_HINT}", err=True)
    started = time.monotonic()
    failed = 0
    outcomes = build_many(jobs, out_dir, Options(draft=draft, pdf=pdf), workers or os.cpu_count() or 1)
    show_bar = len(jobs) > 1 and sys.stderr.isatty()
    with click.progressbar(length=len(jobs), label="生成中", file=sys.stderr) if show_bar else _NoBar() as bar:
        for outcome in outcomes:
            failed += outcome.failed
            _print_findings(outcome.findings)
            if outcome.failed:
                click.echo(f"✗ {outcome.job.spec}：未生成（共 {len(outcome.findings)} 个问题）", err=True)
            for output in outcome.outputs:
                click.echo(f"✓ {outcome.job.spec} → {output}")
            bar.update(1)
    if len(jobs) > 1:
        seconds = time.monotonic() - started
        click.echo(f"完成：成功 {len(jobs) - failed} 个，失败 {failed} 个，用时 {seconds:.1f} 秒。")
    sys.exit(EXIT_INPUT if failed else 0)


class _NoBar:
    """Stands in for a progress bar when stderr is not a terminal (CI logs get plain lines)."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, steps: int) -> None:
        return None


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
