"""Shared fixtures and helpers: paths, building a spec, reading DOCX parts canonically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfgen.build import Job, build

TESTS = Path(__file__).parent
ROOT = TESTS.parent
ROOTS = TESTS / "roots"
GOLDEN = TESTS / "golden"
SPECS = ROOT / "specs"
TEMPLATES = ROOT / "perfgen" / "layouts"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def built(tmp_path):
    """Build a spec (copied into tmp_path) and return the DOCX path."""

    def run(spec: Path, out: Path | None = None) -> Path:
        target = tmp_path / "spec" / spec.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(spec, target)
        result = build(Job(target, Path(spec.stem)), out or tmp_path / "out")
        return result.outputs[0]

    return run


def document_of(path: Path):
    """The template variables (`doc`) of the spec at `path`, and its computed values."""
    from perfgen.build import check
    from perfgen.derive.present import present

    computed = check(path).computed
    return present(computed), computed


def spec_findings(tmp_path: Path, text: str) -> list:
    """Write `text` as a spec and return every finding `perfgen check` reports for it."""
    from perfgen.build import check
    from perfgen.errors import SpecError

    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        return list(check(path).warnings)
    except SpecError as exc:
        return list(exc.findings)


def distinct_cells(row) -> list:
    """A python-docx row's cells as the reader sees them: a cell spanning grid columns once (the
    grid itself is an editor's choice: LibreOffice drops the columns no edge uses)."""
    cells: list = []
    for cell in row.cells:
        if not cells or cell._tc is not cells[-1]._tc:
            cells.append(cell)
    return cells
