"""Chain the stages: load → spec → derive → render → write. Everything is gathered and checked
before anything is written (mkdocs' build), so an error leaves existing outputs untouched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checks import run_checks
from .derive import derive
from .errors import Finding, Position, Severity, SourceError, SpecError
from .layout import Layout, find_layout
from .load import load_source
from .render import render
from .spec import Spec, parse_spec
from .toc import fill_toc
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
    layout = find_layout(spec.layout, path.parent, source.position(("版式",)))
    findings = [*source.findings, *run_checks(spec, source, layout)]
    if any(f.severity is Severity.ERROR for f in findings):
        raise SpecError(findings)
    return Checked(spec, layout, tuple(findings))


def build(job: Job, out_dir: Path) -> Built:
    """Build one spec's documents into `out_dir`; raise a `PerfgenError` before writing on error."""
    checked = check(job.spec)
    spec, layout = checked.spec, checked.layout
    document = derive(spec, layout)
    docx = render(layout.template_path, document)
    fill_toc(docx, where=Position(str(layout.template_path)))
    data = docx_bytes(docx, build_time(spec.year))
    target = out_dir / job.output_stem.with_suffix(".docx")
    write_atomic(target, data)
    return Built(job, (target,), checked.warnings)
