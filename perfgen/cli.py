"""The command line: the only module that prints and chooses exit codes (0 ok, 1 input, 2 usage,
130 interrupted)."""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import Finding, PerfgenError, Position

EXIT_INPUT = 1
EXIT_USAGE = 2  # what click gives a wrong command line
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM, as shells report it
EXIT_INTERNAL = 70  # a bug of perfgen's (EX_SOFTWARE)


@contextmanager
def _imports() -> Iterator[None]:
    """Around the first heavy imports: they allocate objects that live as long as the process, so
    collecting garbage meanwhile is wasted work, and once frozen the collector never walks them
    again (about 30 ms of a single build)."""
    if gc.get_freeze_count():
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _print_findings(findings: tuple[Finding, ...] | list[Finding]) -> None:
    for finding in findings:
        click.echo(str(finding), err=True)


CONSOLE_FALLBACK = {"✓": "√", "✗": "×", "—": "-", "–": "-", "…": "..."}  # for consoles (GBK, cp936) that lack them


def _console_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    return "".join(CONSOLE_FALLBACK.get(ch, "?") for ch in text), exc.end


def _console() -> None:
    """Output never fails on the console's encoding: what it cannot show is replaced."""
    import codecs

    codecs.register_error("perfgen-console", _console_fallback)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="perfgen-console")


HELP_WORDS = (  # click's own words in --help, in Chinese
    ("Usage: ", "用法："), ("Options:", "选项："), ("Commands:", "命令："), ("[OPTIONS]", "[选项]"),
    ("COMMAND [ARGS]...", "命令 [参数]..."), ("Show this message and exit.", "显示本帮助并退出。"),
    ("Show the version and exit.", "显示版本并退出。"), ("[default: ", "[默认："), ("; required]", "；必填]"), ("[required]", "[必填]"),
)  # fmt: skip
HELP_TYPES = {"PATH": "路径", "TEXT": "文字", "INTEGER RANGE": "整数", "INTEGER": "整数"}


def _chinese_help(text: str) -> str:
    for english, chinese in HELP_WORDS:
        text = text.replace(english, chinese)
    # a metavar after an option, padded to the same width on a terminal (a Chinese character is two columns)
    return re.sub(r"(?<=[a-z] )(PATH|TEXT|INTEGER RANGE|INTEGER)\b", lambda m: HELP_TYPES[m[1]].ljust(len(m[1]) - len(HELP_TYPES[m[1]])), text)


class _ChineseHelp(click.Command):
    """A command whose --help is all Chinese (click's headings and words too)."""

    def get_help(self, ctx: click.Context) -> str:
        return _chinese_help(super().get_help(ctx))


class _Chinese(click.Group):
    """The group, with click's own errors (usage, interruption) and help said in Chinese."""

    command_class = _ChineseHelp

    def get_help(self, ctx: click.Context) -> str:
        return _chinese_help(super().get_help(ctx))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ARG002
        _console()
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "perfgen"
            click.echo(f"命令行有误：{_usage_message(exc)}（用法见 {command} --help）。", err=True)
            sys.exit(EXIT_USAGE)
        except (click.Abort, KeyboardInterrupt):
            click.echo("已中断。", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:  # a bug of perfgen's: said, not shown as a traceback
            if os.environ.get("PERFGEN_DEBUG"):
                raise
            click.echo(
                f"perfgen 内部错误（{type(exc).__name__}：{exc}）：这不是您的输入写错了，而是 perfgen 的问题；"
                "请把这条信息和所用的规格文件发给维护者（设置环境变量 PERFGEN_DEBUG=1 可看到详细信息）。", err=True,
            )  # fmt: skip
            sys.exit(EXIT_INTERNAL)


def _usage_message(exc: click.UsageError) -> str:
    """click's usage errors, in Chinese."""
    param = getattr(exc, "param", None)
    hint = "/".join(param.opts) if param is not None and param.opts and isinstance(param, click.Option) else (param.human_readable_name if param is not None else "")
    if isinstance(exc, click.MissingParameter):
        return f"缺少{'选项' if isinstance(param, click.Option) else '参数'}「{hint or exc.param_hint}」"
    if isinstance(exc, click.NoSuchOption):
        similar = f"，是不是想写「{'」或「'.join(exc.possibilities)}」" if exc.possibilities else ""
        return f"没有选项「{exc.option_name}」{similar}"
    if isinstance(exc, click.BadParameter) and param is not None:
        kind = param.type
        if isinstance(kind, click.Choice):
            return f"「{hint}」只能是 {'、'.join(map(str, kind.choices))} 之一"
        if isinstance(kind, click.IntRange):
            return f"「{hint}」应是{f'不小于 {kind.min} 的' if kind.min is not None else ''}整数"
        if isinstance(kind, (click.types.IntParamType,)):
            return f"「{hint}」应是整数"
        return f"「{hint}」的值不对"
    if isinstance(exc, click.BadOptionUsage):
        return f"选项「{exc.option_name}」后面要写一个值"
    message = exc.format_message()
    if message.startswith("No such command"):
        return f"没有这个命令：可用的命令有 {'、'.join(sorted(main.commands))}"
    if message.startswith("Got unexpected extra argument"):
        return "多写了参数"
    return "用法不对"


@click.group(cls=_Chinese, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perfgen", message="%(prog)s %(version)s")
def main() -> None:
    """perfgen：由 YAML 规格文件生成部门预算绩效文本（Word）。"""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", default=Path("build"), type=click.Path(path_type=Path), show_default=True, help="输出目录")
@click.option("--pdf", is_flag=True, help="同时生成 PDF（需要 LibreOffice）")
@click.option("--draft", is_flag=True, help="草稿：不调用 LibreOffice，目录不填页码（打开时更新）")
@click.option("--split", is_flag=True, help="另外把每个项目的绩效目标表单独生成一个文档")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), default=None, help="并行进程数，默认为 CPU 核数")
def build(paths: tuple[Path, ...], out_dir: Path, pdf: bool, draft: bool, split: bool, workers: int | None) -> None:
    """生成文档：PATHS 为规格文件或包含规格文件的目录（目录下的规格按原目录结构输出）。"""
    import os
    import time

    with _imports():
        from .build import Options, build_many, find_jobs, refuse_collisions
        from .office.office import INSTALL_HINT
        from .office.office import available as office_available

    try:
        jobs = find_jobs(list(paths))
        refuse_collisions(jobs)
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    if pdf and draft:
        click.echo("命令行有误：--pdf 与 --draft 不能同时使用（用法见 perfgen build --help）。", err=True)
        sys.exit(EXIT_USAGE)
    if not draft and not office_available():
        if pdf:
            click.echo(f"错误：生成 PDF 需要 LibreOffice，请先安装：{INSTALL_HINT}", err=True)
            sys.exit(EXIT_INPUT)
        click.echo(f"提示：未找到 LibreOffice，目录暂不填页码（打开文档时更新域即可）；安装：{INSTALL_HINT}", err=True)
    started = time.monotonic()
    failed = done = 0
    outcomes = build_many(jobs, out_dir, Options(draft=draft, pdf=pdf, split=split), workers or os.cpu_count() or 1)
    show_bar = len(jobs) > 1 and sys.stderr.isatty()
    try:
        with _terminated_as_interrupt(), click.progressbar(length=len(jobs), label="生成中", file=sys.stderr) if show_bar else _NoBar() as bar:
            for outcome in outcomes:
                failed += outcome.failed
                done += 1
                _print_findings(outcome.findings)
                if outcome.failed:
                    click.echo(f"✗ {outcome.job.spec}：未生成（共 {len(outcome.findings)} 个问题）", err=True)
                for output in outcome.outputs:
                    click.echo(f"✓ {outcome.job.spec} → {output}")
                bar.update(1)
    except KeyboardInterrupt:
        outcomes.close()  # stops the workers and LibreOffice; a spec being written keeps its earlier outputs
        click.echo(
            f"已中断：成功 {done - failed} 个，失败 {failed} 个，其余 {len(jobs) - done} 个未生成"
            f"（中断时正在写的规格已写完或保持原样，不会只写一半）。", err=True,
        )  # fmt: skip
        sys.exit(EXIT_INTERRUPTED)
    if len(jobs) > 1:
        seconds = time.monotonic() - started
        click.echo(f"完成：成功 {len(jobs) - failed} 个，失败 {failed} 个，用时 {seconds:.1f} 秒。")
    sys.exit(EXIT_INPUT if failed else 0)


@contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) stops a batch as Ctrl-C does."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式（json 供编辑器和 CI 使用）")
@click.option("--strict", is_flag=True, help="有警告也返回失败（退出码 1）")
def check(paths: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """只检查规格文件，不生成文档：列出全部问题（文件:行:列），并给出汇总。"""
    import json

    with _imports():
        from .build import check as check_one
        from .build import find_jobs
        from .errors import Severity

    findings: list[Finding] = []
    try:
        jobs = find_jobs(list(paths))
    except PerfgenError as exc:
        jobs, findings = [], list(exc.findings)
    for job in jobs:
        try:
            findings.extend(check_one(job.spec).warnings)
        except PerfgenError as exc:
            findings.extend(exc.findings)
    findings.sort(key=Finding.sort_key)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors
    if fmt == "json":
        payload = {
            "files": len(jobs),
            "errors": errors,
            "warnings": warnings,
            "findings": [
                {
                    "path": f.position.path, "line": f.position.line, "column": f.position.column,
                    "severity": "error" if f.severity is Severity.ERROR else "warning", "code": f.code, "message": f.message,
                }
                for f in findings
            ],
        }  # fmt: skip
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)
        click.echo(f"{errors} 个错误，{warnings} 个警告。")
    sys.exit(EXIT_INPUT if errors or (strict and warnings) else 0)


@main.group()
def layout() -> None:
    """版式目录的工具（perfgen layout check 目录）。"""


@layout.command("check")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="检查无误时把版式的示例规格生成 DOCX 和 PDF 供查看（需要 LibreOffice）")
@click.option("-o", "--output", "out_dir", default=Path("build") / "layout-check", show_default=True, type=click.Path(path_type=Path), help="示例文档的输出目录")
def layout_check(directory: Path, pdf: bool, out_dir: Path) -> None:
    """检查一个版式目录：layout.yaml（行:列）、每个模板的标签和变量（段落/单元格）、标题样式、目录域、中文字体，再生成示例文档。"""
    with _imports():
        from .errors import Severity
        from .layout_check import EXAMPLE, build_example, check_layout
        from .office.office import Office
        from .office.office import available as office_available

    if not (directory / "layout.yaml").is_file():
        _print_findings([Finding(Position(str(directory)), "L003", "这里没有 layout.yaml：请给出版式目录（里面有 layout.yaml 和模板 template.docx）。")])
        sys.exit(EXIT_INPUT)
    findings = check_layout(directory)
    _print_findings(findings)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    if not errors and pdf and (directory / EXAMPLE).is_file():
        if not office_available():
            click.echo("未安装 LibreOffice，没有生成示例 PDF（安装见 README.md，或用 --no-pdf）。", err=True)
        else:
            try:
                with Office() as office:
                    outputs = build_example(directory, out_dir, office)
            except PerfgenError as exc:
                _print_findings(exc.findings)
                errors += len(exc.findings)
            else:
                for path in outputs:
                    click.echo(f"✓ 示例 → {path}")
    click.echo(f"{errors} 个错误，{len(findings) - sum(f.severity is Severity.ERROR for f in findings)} 个警告。")
    sys.exit(EXIT_INPUT if errors else 0)


@layout.command("copy")
@click.argument("layout_name")
@click.argument("target", type=click.Path(path_type=Path))
def layout_copy(layout_name: str, target: Path) -> None:
    """复制一个版式（内置版式名称或版式目录）到新目录 TARGET，作为新表式的起点。"""
    with _imports():
        from .layout_check import copy_layout

    try:
        copied = copy_layout(layout_name, target)
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    click.echo(f"✓ 已复制到 {copied}：先改 layout.yaml 的 name 和 description，再改模板和 example.yaml，然后 perfgen layout check {copied}")


@layout.command("vars")
@click.argument("directories", nargs=-1, required=True, type=click.Path(path_type=Path))
def layout_vars(directories: tuple[Path, ...]) -> None:
    """列出版式各模板可用的变量（按示例规格给出示例值），Markdown 格式；docs/variables.md 即由此生成。"""
    with _imports():
        from .layout_check import variable_reference

    parts = []
    for directory in directories:
        try:
            parts.append(variable_reference(directory))
        except PerfgenError as exc:
            _print_findings(exc.findings)
            sys.exit(EXIT_INPUT)
    click.echo(VARIABLES_HEADER + "\n".join(parts), nl=False)


VARIABLES_HEADER = """# Template variables of the built-in layouts

Generated by `perfgen layout vars perfgen/layouts/*` from each layout's example spec (do not edit:
`tests/test_layout_check.py` fails when this file is not what the code gives). `perfgen layout vars
DIR` lists those of a layout of your own. `x[]` is one item of the list `x` (`{% for p in doc.项目 %}`
… `p.名称`); a key that is not a name is written `x["其中：财政资金"]`.

"""


@main.command()
def layouts() -> None:
    """列出可用的版式：内置版式，以及当前目录下（三层以内）各版式目录。"""
    from .model.layout import builtin_layouts, load_layout, repository_layouts

    try:
        available = builtin_layouts()
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    for layout in available:
        click.echo(f"{layout.name}\t{layout.description}")
    own = repository_layouts(Path.cwd())
    if own:
        click.echo("\n本目录下的版式（在规格里写「版式: 目录路径」，路径相对于规格文件）：")
    for directory in own:
        where = directory.relative_to(Path.cwd()).as_posix()
        try:
            layout = load_layout(directory)
        except PerfgenError as exc:
            click.echo(f"{where}\t（有 {len(exc.findings)} 个问题，无法使用：{exc.findings[0].message}）")
            continue
        click.echo(f"{where}\t{layout.name}\t{layout.description}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--no-input", is_flag=True, help="不提问，全部用默认值")
@click.option("--layout", default=None, help="版式名称或版式目录（默认 河北-2022；perfgen layouts 列出全部）；规格取自版式目录里的 example.yaml")
@click.option("--year", type=click.IntRange(1900, 2999), default=None, help="预算年度（默认为下一年）")
def new(directory: Path, no_input: bool, layout: str | None, year: int | None) -> None:
    """新建一个部门的规格仓库（规格示例、说明、检查配置）：DIRECTORY 为新目录。"""
    from .scaffold import create

    answers = {key: str(value) for key, value in (("layout", layout), ("year", year)) if value is not None}
    try:
        created = create(directory, no_input=no_input, answers=answers)
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    click.echo(f"✓ 已创建 {created.directory}（版式 {created.layout}）")
    click.echo(f"  规格文件：{created.directory / created.spec}")
    click.echo(f"  下一步：cd {created.directory} && perfgen check specs && perfgen build specs（说明见 README.md）")


@main.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--year", "year", required=True, type=click.IntRange(1900, 2999), help="新的预算年度，例如 2021")
@click.option("-o", "--output", "target", default=None, type=click.Path(path_type=Path), help="新规格文件（默认 specs/<年度>/<同名>.yaml）")
@click.option("--force", is_flag=True, help="新规格文件已存在时覆盖")
def rollover(spec: Path, year: int, target: Path | None, force: bool) -> None:
    """把规格结转到新年度：保留注释和顺序，更新年度，标出需要核实的金额。"""
    from .years.rollover import rollover as roll

    try:
        rolled = roll(spec, year, target, force=force)
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    click.echo(f"✓ {rolled.source}（{rolled.old_year} 年度）→ {rolled.target}（{rolled.year} 年度）")
    click.echo(f"  上年规格: {rolled.previous_spec}")
    if rolled.dropped:
        click.echo(f"  版式改为目标申报表的版式；本年度的执行数、实际完成值等 {rolled.dropped} 项已去掉（仍在 {rolled.source} 里，上年规格据此引用）。")
    if rolled.flagged:
        click.echo(f"  沿用上年的金额、编码等 {rolled.flagged} 处已在行尾标「【待核实：…】」：请逐一核对、改为新年度的数后删去标记。")
    if not rolled.exact_layout:
        click.echo("  提示：原文件的缩进不统一，新文件的缩进已统一调整（内容和注释不变）。")
    if rolled.hints:
        click.echo(f"  以下 {len(rolled.hints)} 处仍提到 {rolled.old_year}，请核对是否要改：")
        for hint in rolled.hints:
            click.echo(f"  {hint.position}: {hint.text}")
    click.echo(f"  下一步：perfgen check {rolled.target}")


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path), required=False)
@click.option("--actuals", is_flag=True, help="对照一个监控或自评规格的目标与实际：指标值与实际完成值、预算与执行")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式")
def diff(old: Path, new: Path | None, actuals: bool, fmt: str) -> None:
    """比较两个规格（例如上年与本年）：项目增减、金额变化、指标变化；加 --actuals 时对照一个规格的目标与实际。"""
    import json

    from .years.actuals import actuals_file
    from .years.diff import diff_files

    if (new is None) != actuals:
        click.echo("用法：perfgen diff 上年.yaml 本年.yaml，或 perfgen diff --actuals 规格.yaml（只写一个规格）。", err=True)
        sys.exit(EXIT_USAGE)
    try:
        result = actuals_file(old) if new is None else diff_files(old, new)
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.text(), nl=False)


@main.command()
@click.option("-o", "--output", "target", default=None, type=click.Path(path_type=Path), help="写入文件（默认输出到屏幕）")
@click.option("--layout", "reference", default=None, help="只针对一个版式：版式名称或版式目录（默认：所有内置版式）")
def schema(target: Path | None, reference: str | None) -> None:
    """输出规格文件的 JSON Schema（编辑器据此提示和检查）。"""
    import json

    from .errors import Position
    from .model.layout import find_layout
    from .model.spec import json_schema

    try:
        if reference and reference.endswith("layout.yaml"):  # the description file named instead of its directory
            reference = str(Path(reference).parent)
        layout = find_layout(reference, Path.cwd(), Position("--layout")) if reference else None
    except PerfgenError as exc:
        _print_findings(exc.findings)
        sys.exit(EXIT_INPUT)
    if target is None:
        click.echo(json.dumps(json_schema(layout), ensure_ascii=False, indent=2))
        return
    from .scaffold import write_schema

    try:
        write_schema(target, layout)
    except OSError as exc:
        click.echo(f"{target}: 错误 W001 无法写入（{exc.strerror}）：请检查路径和权限。", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"✓ {target}")
