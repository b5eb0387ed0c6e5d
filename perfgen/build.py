"""Chain the stages: load → spec → derive → render → write. Everything is gathered and checked
before anything is written (mkdocs' build), so an error leaves existing outputs untouched."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Generator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path

from docx.document import Document as DocxDocument

from .rules.checks import run_checks
from .derive.derive import Computed, compute
from .errors import Finding, LayoutError, OfficeError, OutputError, PerfgenError, Position, Severity, SourceError, SpecError
from .model.layout import Layout
from .rules.config import read_config, year_problems
from .model.levels import apply_levels, profile, read_overrides
from .load.load import load_source
from .office.office import INSTALL_HINT, LaidOut, Office, scratch_prefix
from .render.pagination import Breaks, Marks, mark_breaks, mark_rows, relax_breaks, restart_on_new_pages, unmark
from .office.office import available as office_available
from .derive.present import present
from .render.render import render
from .model.spec import layout_of, read_previous, validate_spec
from .derive.tables import appendix_tables, build_table, workbook_tables
from .render.toc import fill_toc
from .render.typeset import one_page
from .render.workbook import workbook_bytes
from .office.write import build_time, docx_bytes, write_all

SPEC_SUFFIXES = (".yaml", ".yml")
LABEL_PASSES = 5  # LibreOffice layouts at most, after the first, for labels restarted on new pages (2 when nothing moves back)


@dataclass(frozen=True)
class Job:
    """One spec to build and where its outputs go (relative to the output directory)."""

    spec: Path
    output_stem: Path
    layout: Layout | None = None  # instead of the one the spec's 版式 names (a layout's own example)


@dataclass(frozen=True)
class Built:
    job: Job
    outputs: tuple[Path, ...]
    warnings: tuple[Finding, ...]


def find_jobs(paths: list[Path]) -> list[Job]:
    """Specs named directly build to `<stem>`; specs found in a directory mirror its tree."""
    jobs = []
    for path in paths:
        if _is_dir(path):
            found = sorted(p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES and p.is_file() and not _hidden(p, path))
            if not found:
                raise SourceError.single(Position(str(path)), "Y010", "这个目录里没有规格文件（*.yaml）：请指定规格文件或包含规格文件的目录。")
            jobs.extend(Job(p, p.relative_to(path).with_suffix("")) for p in found)
        else:
            jobs.append(Job(path, Path(path.stem)))
    unique = {(os.path.abspath(job.spec), job.output_stem): job for job in reversed(jobs)}  # a spec named twice is one job
    return [job for job in jobs if unique.get((os.path.abspath(job.spec), job.output_stem)) is job]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, a link loop: said when the spec is read
        return False


def refuse_collisions(jobs: list[Job]) -> None:
    """Two specs of one batch that would write the same outputs (specs/2020/a.yaml and
    specs/2021/a.yaml both to a.docx; names differing only in case, as Windows sees them) are an
    error before anything is written."""
    first: dict[str, Job] = {}
    findings = []
    for job in jobs:
        key = job.output_stem.as_posix().casefold()
        if key in first:
            findings.append(Finding(
                Position(str(job.spec)), "W005",
                f"与 {first[key].spec} 会生成同名的文档（{job.output_stem.as_posix()}.docx …），后生成的会覆盖先生成的："
                "请分两次生成并用 -o 指定不同的输出目录，或把它们所在的目录作为参数（perfgen build specs/ 按目录结构输出）。",
            ))  # fmt: skip
        first.setdefault(key, job)
    if findings:
        raise OutputError(findings)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


@dataclass(frozen=True)
class Checked:
    """A spec that passed validation, computed, with its layout and the warnings found on the way."""

    computed: Computed
    warnings: tuple[Finding, ...]

    @property
    def spec(self):
        return self.computed.spec

    @property
    def layout(self) -> Layout:
        return self.computed.layout


def check(path: Path, layout: Layout | None = None) -> Checked:
    """Load and validate one spec against its layout (the one its 版式 names, unless given) and
    compute it; raise a `PerfgenError` on errors."""
    source = load_source(path)
    try:
        layout = layout or layout_of(source)
    except LayoutError as exc:  # report the spec's own problems with it
        try:
            validate_spec(source, None)
        except SpecError as core:  # (its "no layout" is said better by the layout's own error)
            raise type(exc)([*exc.findings, *(f for f in core.findings if f.code != "L001")]) from None
    config, config_problems = read_config(path)
    own, own_problems = read_overrides(source.data, source)
    layers = (profile(layout.rules if layout else {}), config.levels, own)
    try:
        spec, soft = validate_spec(source, layout)
    except SpecError as exc:
        raise SpecError([*source.findings, *config_problems, *own_problems, *exc.findings, *apply_levels(getattr(exc, "soft", []), *layers)]) from None
    wrong_year = year_problems(spec.year, config, source)
    if wrong_year:  # nothing is computed for a year that is a typo
        raise SpecError([*source.findings, *config_problems, *own_problems, *wrong_year])
    if spec.previous_spec:
        spec = spec.with_previous_year(read_previous(spec.previous_spec, source))
    computed = compute(spec, layout)
    checked = apply_levels([*soft, *run_checks(computed, source)], profile(computed.framework.rules), *layers)
    findings = [*source.findings, *config_problems, *own_problems, *checked]
    if any(f.severity is Severity.ERROR for f in findings):
        raise SpecError(findings)
    return Checked(computed, tuple(findings))


class Tables:
    """The declared tables of a layout for its template (`tables.申报表`), each built when first used."""

    def __init__(self, computed: Computed, layout: Layout):
        self._computed, self._layout = computed, layout
        self._built: dict = {}

    def __getitem__(self, name: str):
        if name not in self._built:
            spec = self._layout.tables.get(name)
            if spec is None:
                raise KeyError(name)
            self._built[name] = build_table(self._computed, spec).context()
        return self._built[name]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Options:
    draft: bool = False  # skip LibreOffice: 目录 without page numbers, marked for update
    pdf: bool = False  # also write a PDF beside each DOCX
    split: bool = False  # also write each project's 绩效目标表 as a DOCX of its own


def build(job: Job, out_dir: Path, options: Options = Options(), office: Office | None = None) -> Built:
    """Build one spec's documents into `out_dir`; raise a `PerfgenError` before writing on error.

    A spec whose layout extends another (monitoring, self-evaluation) builds the documents of
    every layout of the chain: the targets as `<stem>.docx`, then `<stem>-监控.docx`, … With
    `office` (and not `options.draft`) each document is laid out in LibreOffice and the page of
    every heading is written into its 目录; `options.pdf` needs `office`.
    """
    # 1. load, validate, compute (formulas, defaults, rows, scores), check the rules
    checked = check(job.spec, job.layout)
    # 2. present the values in the layout's style, once for every document
    document = present(checked.computed)
    when = build_time(checked.spec.year)
    main = out_dir / job.output_stem.with_suffix(".docx")
    if options.pdf and office is None:
        raise OutputError.single(Position(str(main)), "W003", f"生成 PDF 需要 LibreOffice：请先安装（{INSTALL_HINT}）。")
    # 3. render every document of every stage in memory
    outputs: dict[Path, bytes] = {}
    for stage in checked.computed.stages:
        target = main if stage is checked.layout.first else main.with_name(f"{main.stem}-{stage.output}.docx")
        outputs.update(_documents(checked, stage, document, target, when, options, office))
    # 4. write them only once all are made: all of them, or none
    write_all(outputs)
    return Built(job, tuple(outputs), checked.warnings)


def _documents(checked: Checked, stage: Layout, document: dict, target: Path, when, options: Options, office: Office | None) -> dict[Path, bytes]:
    """The main document of `stage` (laid out for its 目录 and PDF), its 附表, workbook and split."""
    context = {"doc": document, "tables": Tables(checked.computed, stage)}
    docx = render(stage.template_path, context)
    outputs = _laid_out(docx, target, stage, when, options, office, pdf=options.pdf)
    outputs.update(_appendices(checked, stage, document, target, when, options, office))
    if options.split:
        outputs.update(_split(stage, context, target, when, options, office))
    return outputs


def _laid_out(docx: DocxDocument, target: Path, stage: Layout, when, options: Options, office: Office | None, pdf: bool = False) -> dict[Path, bytes]:
    """`target` (and its PDF when asked): laid out by LibreOffice, when it is there and not
    `--draft`, for the page numbers of its 目录, for headings that start a new page after a page
    holding a few lines (they follow on it instead), and for merged labels restarted on every page they
    reach (laid out again while that moves rows, at most LABEL_PASSES times: a label restarted at a
    page's top can make its row taller, move rows to the next page and leave a restart mid-page;
    the PDF is exported from the last layout); else as rendered, its 目录 marked for updating."""
    entries = fill_toc(docx)
    outputs: dict[Path, bytes] = {target: b""}  # the DOCX first, then the PDF
    laying_out = office is not None and not options.draft
    labels = laying_out and stage.labels_on_every_page and not one_page(docx)  # else no label is cut by a page break
    marks = mark_rows(docx) if labels else Marks([])
    breaks = mark_breaks(docx) if laying_out and not stage.keep_page_breaks else Breaks({})
    if laying_out and (entries or pdf or marks.tables or breaks.paragraphs):
        with tempfile.TemporaryDirectory(prefix=scratch_prefix()) as tmp:
            laid_out, pdf_path = Path(tmp) / "layout.docx", Path(tmp) / "layout.pdf"
            headings = [(e.bookmark, e.text) for e in entries]

            def lay_out(runs: list[list[str]], asked: list[str] = ()) -> LaidOut:
                laid_out.write_bytes(docx_bytes(docx, when))
                return _office(office.lay_out, target, laid_out, headings, runs, pdf, asked)

            laid = lay_out(marks.runs(), breaks.names())
            if relax_breaks(breaks, laid.used):  # a heading follows a page holding a few lines: everything after it moved
                laid = lay_out(marks.runs())
            pages = laid.pages
            for passes in range(1, LABEL_PASSES + 1):  # a restarted label can make its row taller and move the rows after it
                if not restart_on_new_pages(marks, pages):
                    break
                pages = lay_out(marks.runs() if passes < LABEL_PASSES else []).pages  # at the last pass: the 目录 and PDF of the last change
            if pdf:
                _office(office.export, target, laid_out, pdf_path)
            unmark(marks, breaks)
            fill_toc(docx, pages)
            if pdf:
                outputs[target.with_suffix(".pdf")] = pdf_path.read_bytes()
    outputs[target] = docx_bytes(docx, when)
    return outputs


def _appendices(checked: Checked, stage: Layout, document: dict, target: Path, when, options: Options, office: Office | None) -> dict[Path, bytes]:
    """The layout's 附表 as DOCX beside the main document, and its tables as one workbook."""
    tables = appendix_tables(checked.computed, stage)
    outputs = {}
    for appendix, table in zip(stage.appendices, tables, strict=True):
        docx = render(stage.directory / appendix.template, {"doc": document, "t": table.context()})
        outputs.update(_laid_out(docx, target.with_name(f"{target.stem}-{table.label}.docx"), stage, when, options, office))
    if stage.workbook:
        sheets = workbook_tables(checked.computed, stage, tables)
        outputs[target.with_suffix(".xlsx")] = workbook_bytes(sheets, checked.spec.department, checked.spec.year, when)
    return outputs


def _split(layout: Layout, context: dict, target: Path, when, options: Options, office: Office | None) -> dict[Path, bytes]:
    """Each item of the layout's split list alone (`--split`), e.g. one 绩效目标表 per 项目; a
    form that is one table (no `split:` in its layout.yaml) has nothing to split."""
    if layout.split is None:
        return {}
    document, name = context["doc"], layout.split.list
    template = layout.directory / layout.split.template
    outputs = {}
    for n, element in enumerate(document[name], 1):
        docx = render(template, {**context, "doc": {**document, name: [element]}})
        outputs.update(_laid_out(docx, target.with_name(f"{target.stem}-{name}{n}.docx"), layout, when, options, office))
    return outputs


def _office(method, target: Path, *args):
    try:
        return method(*args)
    except OfficeError as exc:
        raise OutputError.single(
            Position(str(target)), "W004", f"{exc}：可加 --draft 不经 LibreOffice 生成（目录的页码在打开文档时更新），或检查 LibreOffice 的安装；之前生成的文件都保持原样。"
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


def build_many(jobs: list[Job], out_dir: Path, options: Options, workers: int) -> Generator[Outcome, None, None]:
    """Build every job, on up to `workers` processes, each with its own LibreOffice; yield
    outcomes as they finish. One failing spec does not stop the others; the specs a worker took
    down when it died (killed alone, out of memory) are built once more in fresh processes."""
    use_office = not options.draft and office_available()
    if workers <= 1 or len(jobs) <= 1:
        with Office() if use_office else nullcontext() as office:
            for job in jobs:
                yield _attempt(job, out_dir, options, office)
        return
    again: list[Job] = []
    with closing(_pooled(jobs, out_dir, options, workers, use_office)) as results:
        for result in results:
            if isinstance(result, Outcome):
                yield result
            else:
                again.append(result)
    if not again:
        return
    with closing(_isolated(again, out_dir, options, workers, use_office)) as results:
        for result in results:
            if isinstance(result, Outcome):
                yield result
            else:
                finding = Finding(
                    Position(str(result.spec)), "W004", "生成这个规格的进程意外结束，单独重试时又结束了（可能是内存不足或被终止）：请检查这个规格是否过大，或用 -j 1 逐个生成；它原有的文档保持原样。"
                )
                yield Outcome(result, (), (finding,), failed=True)


def _pool(workers: int, use_office: bool):
    import multiprocessing  # only batches need these (and a single build's start-up is measured)
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(use_office,))


def _pooled(jobs: list[Job], out_dir: Path, options: Options, workers: int, use_office: bool) -> Generator[Outcome | Job, None, None]:
    """The outcome of each job built on a pool of processes, or the job itself when the process
    building it died (the pool is then broken: every job not finished comes back)."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(workers, use_office)
    try:
        futures = {pool.submit(_worker_attempt, job, out_dir, options): job for job in jobs}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:
                yield futures[future]
            else:
                yield outcome
    except BaseException:  # interrupted (or the caller stopped): the specs not begun are not built
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()


def _isolated(jobs: list[Job], out_dir: Path, options: Options, workers: int, use_office: bool) -> Generator[Outcome | Job, None, None]:
    """As `_pooled`, each job in a process of its own (up to `workers` at a time), so that a spec
    whose process dies takes no other down with it."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    pending, running = list(jobs), {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job, pool = pending.pop(0), _pool(1, use_office)
                running[pool.submit(_worker_attempt, job, out_dir, options)] = (job, pool)
            for future in wait(running, return_when=FIRST_COMPLETED).done:
                job, pool = running.pop(future)
                pool.shutdown()
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    yield job
                else:
                    yield outcome
    except BaseException:
        for _, pool in running.values():
            pool.shutdown(wait=True, cancel_futures=True)
        raise


def _attempt(job: Job, out_dir: Path, options: Options, office: Office | None) -> Outcome:
    try:
        built = build(job, out_dir, options, office)
    except PerfgenError as exc:
        return Outcome(job, (), exc.findings, failed=True)
    return Outcome(job, built.outputs, built.warnings)


_worker_office: Office | None = None


def _start_worker(use_office: bool) -> None:
    import signal
    from multiprocessing.util import Finalize

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    global _worker_office
    if use_office:
        _worker_office = Office()
        _worker_office.warm_up()
        Finalize(_worker_office, _worker_office.close, exitpriority=10)


def _worker_attempt(job: Job, out_dir: Path, options: Options) -> Outcome:
    return _attempt(job, out_dir, options, _worker_office)
