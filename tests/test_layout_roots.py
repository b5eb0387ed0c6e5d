"""One end-to-end root per built-in layout: its example spec (as `perfgen new --no-input` writes
it) built, every DOCX it gives compared by its outline (text, styles, table grids and merges) with
a compact golden in tests/golden/layouts/. Refresh after a deliberate change with
`make test PYTEST_ARGS=--update-golden` and review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOLDEN, TEMPLATES

from perfgen.build import Job, Options, build
from perfgen.render.outline import outline
from perfgen.scaffold import default_answers, example_spec

LAYOUTS = sorted(p for p in TEMPLATES.iterdir() if (p / "example.yaml").is_file())
ROOTS = GOLDEN / "layouts"


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda p: p.name)
def test_the_layouts_example_builds_its_golden_documents(tmp_path, layout, update_golden):
    spec = tmp_path / f"{layout.name}.yaml"
    spec.write_text(example_spec(layout, default_answers(layout, year="2026")), encoding="utf-8")  # not next year's: the goldens stay
    built = build(Job(spec, Path(layout.name)), tmp_path / "out", Options(draft=True, split=True))
    documents = sorted(o for o in built.outputs if o.suffix == ".docx")
    assert documents
    for document in documents:
        golden = ROOTS / f"{document.stem}.txt"
        text = outline(document)
        if update_golden:
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file() and text == golden.read_text(encoding="utf-8"), f"review, then `make test PYTEST_ARGS=--update-golden` ({golden.name})"


def test_every_golden_has_its_document():
    stems = {p.stem for p in ROOTS.iterdir()}
    assert all(any(stem == layout.name or stem.startswith(f"{layout.name}-") for layout in LAYOUTS) for stem in stems)
