"""Column widths: in every table of every document perfgen writes for the example specs, a cell's
text of up to five characters (一级指标, 百分比, 符号, ≥90%) stays on one line, and a longer one gets
at least four characters a line — no label wrapping to one or two characters (服务/对象/满意/度指/标).
Measured from the DOCX itself: the cell's width (tcW) less its margins against the text at its
style's size (CJK and full-width characters one em, others half)."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import SPECS
from docx import Document
from lxml import etree

from perfgen.build import Job, Options, build
from perfgen.office.office import Office
from perfgen.office.office import available as office_available

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EXAMPLES = sorted(SPECS.rglob("*.yaml"))
SHORT = 5  # a text this short never wraps
PER_LINE = 4  # a longer one gets at least this many characters a line
DEFAULT_MARGIN_TWIPS = 108  # Word's default left and right cell margin
TAGS = re.compile(r"{[{%].*?[%}]}")


def em(text: str) -> float:
    """Width of `text` in ems: wide (CJK, full-width) characters 1, the rest ½."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


class Sizes:
    """Font size (pt) of a paragraph style, through its basedOn chain and the document defaults."""

    def __init__(self, styles: etree._Element):
        self.styles = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
        default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
        self.default = int(default.get(f"{W}val")) / 2 if default is not None else 10.5

    def of(self, style_id: str | None) -> float:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:
                break
            sz = style.find(f"{W}rPr/{W}sz")
            if sz is not None:
                return int(sz.get(f"{W}val")) / 2
            based = style.find(f"{W}basedOn")
            style_id = based.get(f"{W}val") if based is not None else None
        return self.default


BREAKS_AFTER, BREAKS_BEFORE = set("）)》”’]】：:，,、；;。 "), set("（(《“‘[【 ")
PUNCTUATED = 8  # characters: a text with punctuation this wide or narrower breaks only at its punctuation


def wanted_ems(text: str, punctuation: bool = True) -> float:
    """The line a label needs: all of it up to SHORT characters; else PER_LINE characters, or
    (`punctuation`, where the form has room) the narrowest width (half-em steps) up to
    PUNCTUATED at which filling lines character by character breaks only after punctuation
    (`满意度指标/（个）`, `其中：财政资金`)."""
    if len(text) <= SHORT:
        return em(text)
    floor = min(em(text), PER_LINE)
    if not punctuation:
        return floor
    cuts = {i for i in range(1, len(text)) if text[i - 1] in BREAKS_AFTER or text[i] in BREAKS_BEFORE}
    for width in (w / 2 for w in range(int(2 * floor), 2 * PUNCTUATED + 1)):
        if cuts and _wraps_at(text, width) <= cuts:
            return width
    return floor


def _wraps_at(text: str, width: float) -> set[int]:
    breaks, line = set(), 0.0
    for i, ch in enumerate(text):
        if line and line + em(ch) > width:
            breaks.add(i)
            line = 0.0
        line += em(ch)
    return breaks


def too_narrow(docx: Path, punctuation: bool = False) -> list[str]:
    """Each cell paragraph that wraps where it should not: '<file> table T row R: <text> needs
    N pt, has M pt'."""
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        sizes = Sizes(etree.fromstring(z.read("word/styles.xml")))
    found = []
    for t, tbl in enumerate(body.iter(f"{W}tbl")):
        margins = [m for side in ("left", "right") for m in tbl.findall(f"{W}tblPr/{W}tblCellMar/{W}{side}")]
        table_margin = sum(int(m.get(f"{W}w")) for m in margins) if margins else 2 * DEFAULT_MARGIN_TWIPS
        for r, tr in enumerate(tbl.findall(f"{W}tr")):
            for tc in tr.findall(f"{W}tc"):
                width = tc.find(f"{W}tcPr/{W}tcW")
                if width is None or width.get(f"{W}type") != "dxa":
                    continue
                room = (int(width.get(f"{W}w")) - table_margin) / 20  # pt
                for p in tc.iter(f"{W}p"):
                    text = TAGS.sub("", "".join(x.text or "" for x in p.iter(f"{W}t"))).strip()
                    if not text:
                        continue
                    style = p.find(f"{W}pPr/{W}pStyle")
                    size = sizes.of(style.get(f"{W}val") if style is not None else None)
                    sz = p.find(f".//{W}rPr/{W}sz")
                    size = int(sz.get(f"{W}val")) / 2 if sz is not None else size
                    wanted = wanted_ems(text, punctuation)
                    if wanted * size > room + 0.01:
                        found.append(f"{docx.name} table {t} row {r}: {text!r} needs {wanted * size:.1f} pt, has {room:.1f} pt")
    return found


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_label_wraps_inside_a_short_word(tmp_path, example):
    built = build(Job(example, Path(example.stem)), tmp_path, Options(draft=True, split=True))
    narrow = [line for output in built.outputs if output.suffix == ".docx" for line in too_narrow(output)]
    assert narrow == []


@pytest.mark.parametrize("example", [SPECS / "2020" / "chengde-gaoxin-guotu.yaml", SPECS / "2022" / "xushui-ziranziyuan.yaml"], ids=lambda p: p.stem)
def test_a_summary_table_breaks_its_headers_after_their_punctuation(tmp_path, example):
    """附表1 has room: 满意度指标/（个）, 其中：财政资金 on one line (were 满意度指/标（个）, 其中：财政资/金)."""
    built = build(Job(example, Path(example.stem)), tmp_path, Options(draft=True))
    summary = next(o for o in built.outputs if o.name.endswith("附表1.docx"))
    assert too_narrow(summary, punctuation=True) == []


def test_a_label_with_punctuation_breaks_only_after_it():
    assert wanted_ems("满意度指标（个）") == 5 and wanted_ems("产出指标（个）") == 4
    assert wanted_ems("其中：财政资金") == 7  # not 其中：财政资/金
    assert wanted_ems("绩效指标描述") == PER_LINE  # no punctuation: four characters a line


def test_the_measure_finds_a_column_too_narrow(tmp_path):
    """The check itself: a 4-character label in a column 3 characters wide is found."""
    example = SPECS / "2022" / "xushui-ziranziyuan.yaml"
    built = build(Job(example, Path(example.stem)), tmp_path, Options(draft=True))
    main = next(o for o in built.outputs if o.suffix == ".docx")
    with zipfile.ZipFile(main) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    body = etree.fromstring(parts["word/document.xml"])
    cell = next(tc for tc in body.iter(f"{W}tc") if "".join(x.text or "" for x in tc.iter(f"{W}t")) == "一级指标")
    cell.find(f"{W}tcPr/{W}tcW").set(f"{W}w", str(3 * 210 + 2 * DEFAULT_MARGIN_TWIPS))
    parts["word/document.xml"] = etree.tostring(body)
    narrowed = tmp_path / "narrowed.docx"
    with zipfile.ZipFile(narrowed, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert any("'一级指标'" in line for line in too_narrow(narrowed))
    assert not any("'一级指标'" in line for line in too_narrow(main))


LABELS = ("一级指标", "二级指标", "三级指标", "满意度指标", "效益指标", "产出指标", "文字描述", "百分比", "符号")  # up to five characters: never broken


@pytest.mark.skipif(not office_available() or shutil.which("pdftotext") is None, reason="LibreOffice or poppler is not installed (make system-deps)")
def test_libreoffice_sets_each_label_on_one_line(tmp_path):
    """As LibreOffice lays out seed 002 (whose indicator tables had these labels broken, 一级指/标,
    百分/比, before the columns were fitted): every label of the tables is found whole in the PDF."""
    example = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"
    with Office() as office:
        built = build(Job(example, Path(example.stem)), tmp_path, Options(pdf=True), office)
    docx = Document(next(o for o in built.outputs if o.suffix == ".docx"))
    cells = [tc.text for table in docx.tables for row in table.rows for tc in row.cells]
    pdf = next(o for o in built.outputs if o.suffix == ".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for label in LABELS:
        in_cells = sum(cell.count(label) for cell in dict.fromkeys(cells))  # a merged cell once
        assert in_cells > 0 and text.count(label) >= in_cells, label


def test_the_tables_of_one_form_keep_their_columns_in_line(tmp_path):
    """A 绩效目标表's head table and its indicator table (the same grid in the template, a spacer
    between) are fitted together: their grids stay equal, and the table keeps its width."""
    example = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"
    built = build(Job(example, Path(example.stem)), tmp_path, Options(draft=True))
    docx = Document(next(o for o in built.outputs if o.suffix == ".docx"))
    grids = [[int(c.get(f"{W}w")) for c in t._tbl.tblGrid.iterchildren(f"{W}gridCol")] for t in docx.tables]
    head, indicators = grids[2], grids[3]  # the first project's 绩效目标表
    template = Document(SPECS.parent / "perfgen" / "layouts" / "hebei-2020" / "project.docx")
    designed = [int(c.get(f"{W}w")) for c in template.tables[0]._tbl.tblGrid.iterchildren(f"{W}gridCol")]
    assert head == indicators != designed and sum(head) == sum(designed)
