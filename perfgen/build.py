"""Chain the stages: load → spec → derive → render → write. Everything is gathered and checked
before anything is written (mkdocs' build), so an error leaves existing outputs untouched."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from .appendices import Options as AppendixOptions
from .appendices import appendix_tables
from .checks import run_checks
from .derive import Document, derive
from .errors import Finding, LayoutError, OutputError, PerfgenError, Position, Severity, SourceError, SpecError
from .frameworks import frameworks
from .layout import Layout, find_layout
from .levels import apply_levels, config_overrides, read_overrides
from .load import load_source
from .office import INSTALL_HINT, Office, OfficeError
from .office import available as office_available
from .render import render
from .spec import Spec, parse_spec, read_previous
from .toc import fill_toc
from .workbook import workbook_bytes
from .write import build_time, docx_bytes, write_atomic

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Job:
    """One spec to build and where its outputs go (relative to the output directory)."""

    spec: Path
    output_stem: Path


@dataclass(frozen=True)
class Built:
    job: Job
    outputs: tuple[Path, ...]
    warnings: tuple[Finding, ...]


def find_jobs(paths: list[Path]) -> list[Job]:
    """Specs named directly build to `<stem>`; specs found in a directory mirror its tree."""
    jobs = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES and p.is_file() and not _hidden(p, path))
            if not found:
                raise SourceError.single(Position(str(path)), "Y010", "这个目录里没有规格文件（*.yaml）：请指定规格文件或包含规格文件的目录。")
            jobs.extend(Job(p, p.relative_to(path).with_suffix("")) for p in found)
        else:
            jobs.append(Job(path, Path(path.stem)))
    return jobs


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


@dataclass(frozen=True)
class Checked:
    """A spec that passed validation, with its layout and the warnings found on the way."""

    spec: Spec
    layout: Layout
    warnings: tuple[Finding, ...]


def check(path: Path) -> Checked:
    """Load and validate one spec and resolve its layout; raise a `PerfgenError` on errors."""
    source = load_source(path)
    spec = parse_spec(source)
    if spec.previous_spec:
        spec = spec.with_previous_year(read_previous(spec.previous_spec, source))
    layout = find_layout(spec.layout, path.parent, source.position(("版式",)))
    config, config_problems = config_overrides(path)
    own, own_problems = read_overrides(source.data, source)
    framework = spec.framework or layout.description.framework
    checked = apply_levels(run_checks(spec, source, layout), framework, config, own)
    findings = [*source.findings, *config_problems, *own_problems, *checked]
    if any(f.severity is Severity.ERROR for f in findings):
        raise SpecError(findings)
    return Checked(spec, layout, tuple(findings))


@dataclass(frozen=True)
class Options:
    draft: bool = False  # skip LibreOffice: 目录 without page numbers, marked for update
    pdf: bool = False  # also write a PDF beside each DOCX
    split: bool = False  # also write each project's 绩效目标表 as a DOCX of its own


def build(job: Job, out_dir: Path, options: Options = Options(), office: Office | None = None) -> Built:
    """Build one spec's documents into `out_dir`; raise a `PerfgenError` before writing on error.

    With `office` (and not `options.draft`) the document is laid out in LibreOffice and the page
    of every heading is written into the 目录; `options.pdf` needs `office`.
    """
    checked = check(job.spec)
    spec, layout = checked.spec, checked.layout
    document = derive(spec, layout)
    docx = render(layout.template_path, document)
    entries = fill_toc(docx)
    when = build_time(spec.year)
    target = out_dir / job.output_stem.with_suffix(".docx")
    outputs: dict[Path, bytes] = {target: b""}  # the DOCX first, then the PDF
    if options.pdf and office is None:
        raise OutputError.single(Position(str(target)), "W003", f"生成 PDF 需要 LibreOffice：请先安装（{INSTALL_HINT}）。")
    if office is not None and not options.draft and (entries or options.pdf):
        with tempfile.TemporaryDirectory(prefix="perfgen-") as tmp:
            laid_out, pdf = Path(tmp) / "layout.docx", Path(tmp) / "layout.pdf"
            laid_out.write_bytes(docx_bytes(docx, when))
            headings = [(e.bookmark, e.text) for e in entries]
            pages = _office(office.lay_out, target, laid_out, headings, pdf if options.pdf else None)
            fill_toc(docx, pages)
            if options.pdf:
                outputs[target.with_suffix(".pdf")] = pdf.read_bytes()
    outputs[target] = docx_bytes(docx, when)
    outputs.update(_appendices(checked, document, target, when))
    if options.split:
        outputs.update(_split(checked.layout, document, target, when))
    for path, data in outputs.items():
        write_atomic(path, data)
    return Built(job, tuple(outputs), checked.warnings)


def _appendices(checked: Checked, document: Document, target: Path, when) -> dict[Path, bytes]:
    """The layout's 附表 as DOCX beside the main document, and all of them as one workbook."""
    layout = checked.layout
    if not layout.description.appendices:
        return {}
    framework = frameworks()[checked.spec.framework or layout.description.framework]
    options = AppendixOptions(framework.level1_names(), "编码" in layout.description.fields.project)
    tables = appendix_tables(document, [a.kind for a in layout.description.appendices], options)
    outputs = {}
    for appendix, table in zip(layout.description.appendices, tables, strict=True):
        docx = render(layout.directory / appendix.template, document, {"t": table})
        outputs[target.with_name(f"{target.stem}-{table.label}.docx")] = docx_bytes(docx, when)
    outputs[target.with_suffix(".xlsx")] = workbook_bytes(tables, document.department, document.year, when)
    return outputs


def _split(layout: Layout, document: Document, target: Path, when) -> dict[Path, bytes]:
    """Each project's 绩效目标表 alone (`--split`), for units that file projects one by one."""
    if not document.projects:
        return {}
    if layout.description.project_template is None:
        raise LayoutError.single(Position(str(layout.directory / "layout.yaml")), "L005", f"版式「{layout.name}」不支持 --split（没有 project_template）。")
    template = layout.directory / layout.description.project_template
    return {
        target.with_name(f"{target.stem}-项目{n}.docx"): docx_bytes(render(template, replace(document, projects=[project])), when)
        for n, project in enumerate(document.projects, 1)
    }


def _office(method, target: Path, *args):
    try:
        return method(*args)
    except OfficeError as exc:
        raise OutputError.single(
            Position(str(target)), "W004", f"LibreOffice 处理文档失败（{exc}）：可加 --draft 跳过目录页码，或检查 LibreOffice 安装。"
        ) from None


# ---------------------------------------------------------------------------------------------
# Batches


@dataclass(frozen=True)
class Outcome:
    """What became of one job in a batch (errors travel as findings, not exceptions)."""

    job: Job
    outputs: tuple[Path, ...] = ()
    findings: tuple[Finding, ...] = ()
    failed: bool = False


def build_many(jobs: list[Job], out_dir: Path, options: Options, workers: int) -> Iterator[Outcome]:
    """Build every job, on up to `workers` processes, each with its own LibreOffice; yield
    outcomes as they finish. One failing spec does not stop the others."""
    use_office = not options.draft and office_available()
    if workers <= 1 or len(jobs) <= 1:
        with Office() if use_office else nullcontext() as office:
            for job in jobs:
                yield _attempt(job, out_dir, options, office)
        return
    import multiprocessing  # only batches need these (and a single build's start-up is measured)
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(use_office,)) as pool:
        futures = [pool.submit(_worker_attempt, job, out_dir, options) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def _attempt(job: Job, out_dir: Path, options: Options, office: Office | None) -> Outcome:
    try:
        built = build(job, out_dir, options, office)
    except PerfgenError as exc:
        return Outcome(job, (), exc.findings, failed=True)
    return Outcome(job, built.outputs, built.warnings)


_worker_office: Office | None = None


def _start_worker(use_office: bool) -> None:
    from multiprocessing.util import Finalize

    global _worker_office
    if use_office:
        _worker_office = Office()
        _worker_office.warm_up()
        Finalize(_worker_office, _worker_office.close, exitpriority=10)


def _worker_attempt(job: Job, out_dir: Path, options: Options) -> Outcome:
    return _attempt(job, out_dir, options, _worker_office)
