"""Rows are kept on one page, unless their text could fill most of a page (Word would cut it off)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SPECS
from docx import Document
from docx.oxml.ns import qn

from perfgen.build import Job, Options, build

SPEC = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"


def rows(docx: Path) -> list[tuple[str, bool]]:
    """(text, kept whole) of every table row."""
    body = Document(docx).element.body
    return [("".join(t.text or "" for t in tr.iter(qn("w:t"))), tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None) for tr in body.iter(qn("w:tr"))]


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*/*.yaml")), ids=lambda p: p.stem)
def test_the_reference_documents_keep_every_row_whole(spec, tmp_path):
    built = rows(build(Job(spec, Path(spec.stem)), tmp_path, Options(draft=True)).outputs[0])
    assert built and all(whole for _, whole in built)


def test_only_a_row_that_could_outgrow_the_page_may_break(tmp_path):
    spec = tmp_path / "long.yaml"
    goal = "按照规划要求推进土地整治工作，确保耕地数量不减少、质量有提高。" * 60 + "结束。"  # 1,800 characters: a page
    text = re.sub(r"(\n    年度目标: )[^\n]*", lambda m: m.group(1) + goal, SPEC.read_text(encoding="utf-8"), count=1)
    spec.write_text(text, encoding="utf-8")
    built = rows(build(Job(spec, Path("long")), tmp_path, Options(draft=True)).outputs[0])
    assert [whole for row, whole in built if goal in row] == [False]
    assert all(whole for row, whole in built if goal not in row)
