"""End to end: spec → DOCX, compared by content (golden XML, python-docx semantics)."""

import hashlib
import importlib.util
import zipfile
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOTS, SHARED, SPECS, TESTS, distinct_cells
from docx import Document
from docx.oxml.ns import qn

from perfgen.build import Job, build
from perfgen.errors import PerfgenError
from perfgen.render.outline import outline

MINIMAL = ROOTS / "minimal" / "spec.yaml"
SEED_002 = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"


def test_document_reads_as_its_golden_outline(built, update_golden):
    text = outline(built(MINIMAL))  # text, styles, cells and merges: not what an edit in Word may rewrite
    golden = GOLDEN / "minimal.outline.txt"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "run `make test PYTEST_ARGS=--update-golden` after a deliberate change"


def test_user_text_is_escaped_not_markup(built):
    text = "\n".join(p.text for p in Document(built(MINIMAL)).paragraphs)
    assert "第一段：保护资源 & 维护权益 <重点>。" in text
    assert "第二段，折行后接上。" in text


def indicator_table(doc, project_index: int = 0):
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "一级指标"]
    return tables[project_index]


def test_indicator_table_merges_and_repeats_its_header(built):
    doc = Document(built(MINIMAL))
    table = indicator_table(doc)
    trs = table._tbl.tr_lst
    assert [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in trs] == [True, True, False, False, False, False]
    assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)

    def merge(tr, col):
        vm = tr.tc_lst[col].find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        return None if vm is None else vm.get(qn("w:val"), "continue")

    body = trs[2:]
    assert [merge(tr, 0) for tr in body] == ["restart", "continue", "continue", "restart"]
    assert [merge(tr, 1) for tr in body] == ["restart", "continue", "restart", "restart"]
    assert [tr.tc_lst[0].xpath("string(.)") for tr in body] == ["产出指标", "", "", "满意度指标"]
    assert [[tc.xpath("string(.)") for tc in tr.tc_lst[4:7]] for tr in body] == [
        [">=", "12", "次"], [">=", "95", "百分比"], ["文字描述", "", "合规性"], ["=", "90", "百分比"],
    ]  # fmt: skip


def test_header_block_shows_derived_money(built):
    doc = Document(built(MINIMAL))
    head = next(t for t in doc.tables if t.rows[0].cells[0].text == "项目名称")
    cells = {distinct_cells(row)[-2].text: distinct_cells(row)[-1].text for row in head.rows[2:5]}
    assert cells == {"年度资金总额：": "10.75", "其中：财政拨款": "10.50", "其他资金": "0.25"}


def test_styles_set_east_asian_fonts(built):
    doc = Document(built(MINIMAL))
    fonts = {}
    for style in doc.styles.element.iter(qn("w:style")):
        rfonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if rfonts is not None:  # by name, as Word (heading 1) or LibreOffice (Heading 1) writes it
            fonts[style.find(qn("w:name")).get(qn("w:val")).lower()] = rfonts.get(qn("w:eastAsia"))
    assert fonts["normal"] == "仿宋_GB2312"
    assert fonts["heading 1"] == "方正小标宋简体" and fonts["heading 2"] == "黑体"
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert defaults.get(qn("w:eastAsia")) == "仿宋_GB2312"
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm), round(section.right_margin.mm), round(section.bottom_margin.mm)) == (37, 28, 26, 35)


def toc_entries(doc):
    body = doc.element.body
    names = {s.get(qn("w:styleId")): s.find(qn("w:name")).get(qn("w:val")).lower() for s in doc.styles.element.iter(qn("w:style"))}
    entries = []
    for p in body.iter(qn("w:p")):  # in the body or in a content control (LibreOffice keeps the 目录 in one)
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        link = p.find(qn("w:hyperlink"))
        if style is not None and names.get(style.get(qn("w:val")), "").startswith("toc") and link is not None:
            entries.append((style.get(qn("w:val")), link.find(f"{qn('w:r')}/{qn('w:t')}").text, link.get(qn("w:anchor"))))
    return entries


def test_toc_lists_every_heading_and_links_to_bookmarks(built):
    doc = Document(built(MINIMAL))
    entries = toc_entries(doc)
    assert [text for _, text, _ in entries] == [
        "第一部分", "2021年部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施",
        "第二部分", "专项资金绩效目标", "第三部分", "预算项目绩效目标",
        "一、耕地保护项目", "1、绩效目标表", "2、绩效目标指标情况说明",
        "二、地灾防治项目", "1、绩效目标表", "2、绩效目标指标情况说明",
    ]  # fmt: skip
    bookmarks = {b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))}
    assert {anchor for _, _, anchor in entries} <= bookmarks
    instr = [i.text for i in doc.element.body.iter(qn("w:instrText")) if i.text.strip().startswith("TOC")]
    assert len(instr) == 1
    begin = doc.element.body.find(f".//{qn('w:fldChar')}[@{qn('w:fldCharType')}='begin']")
    assert begin.get(qn("w:dirty")) == "true"  # page numbers are filled in by a later stage
    assert doc.settings.element.find(qn("w:updateFields")) is not None


def test_no_special_funds_statement_is_generated(built):
    text = [p.text for p in Document(built(MINIMAL)).paragraphs]
    assert "我部门2021年无专项资金预算，特此说明。" in text


def test_same_spec_builds_byte_identical_docx(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build(Job(MINIMAL, Path("a")), tmp_path).outputs[0].read_bytes()
    second = build(Job(MINIMAL, Path("b")), tmp_path).outputs[0].read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    with zipfile.ZipFile(tmp_path / "a.docx") as z:
        core = z.read("docProps/core.xml").decode()
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(2021, 1, 1, 0, 0, 0)}
    assert "2021-01-01T00:00:00Z" in core


def test_source_date_epoch_sets_document_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = build(Job(MINIMAL, Path("a")), tmp_path).outputs[0]
    with zipfile.ZipFile(out) as z:
        assert "2023-11-14T22:13:20Z" in z.read("docProps/core.xml").decode()


def test_failed_build_keeps_good_output_and_spec(tmp_path):
    spec = tmp_path / "dept.yaml"
    spec.write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    out = build(Job(spec, Path("dept")), tmp_path / "out").outputs[0]
    good = out.read_bytes()
    broken = spec.read_text(encoding="utf-8").replace("财政拨款: 10.50", "财政拨款: 十元")
    spec.write_text(broken, encoding="utf-8")
    with pytest.raises(PerfgenError):
        build(Job(spec, Path("dept")), tmp_path / "out")
    assert out.read_bytes() == good
    assert spec.read_text(encoding="utf-8") == broken
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary files left


def load_fidelity():
    tool = SHARED / "tools" / "fidelity.py"
    if not tool.is_file():
        pytest.skip(f"reference documents not found at {SHARED} (they sit beside the repository in CI)")
    spec = importlib.util.spec_from_file_location("fidelity", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fidelity(module, docx: Path, reference: Path) -> tuple[float, float, set[str]]:
    """Shares of the reference's text and table pieces found in `docx`, and the pieces missing."""
    all_text, cell_text = module.docx_parts(str(docx))
    all_text, cell_text = module.norm(all_text), "|".join(module.norm(c) for c in cell_text.split("\n"))
    text_pieces, table_pieces = module.seed_pieces(reference.read_text(encoding="utf-8"))
    text = sum(module.found(p, all_text) for p in text_pieces) / len(text_pieces)
    table = sum(module.found(p, cell_text) for p in table_pieces) / len(table_pieces)
    missing = {p for p in text_pieces if not module.found(p, all_text)} | {p for p in table_pieces if not module.found(p, cell_text)}
    return text, table, missing


SEED_004 = SPECS / "2022" / "xushui-ziranziyuan.yaml"
SEEDS = {  # example spec → the reference document it reproduces
    SEED_002: SHARED / "seeds" / "002_900044580681d11f.txt",
    SEED_004: SHARED / "seeds" / "004_0464f6aac9b8c196.txt",
    SPECS / "2020" / "zhengzhou-ziranziyuan.yaml": SHARED / "seeds" / "000_df7c69cda80c9634.txt",
}
# The two layouts added without code, and their examples (tests/reference/README.md): everything
# but what the excerpt does not let anyone derive.
EXAMPLES = {
    SPECS / "2024" / "liuan-nongye.yaml": (TESTS / "reference" / "liuan-2024.txt", set()),
    SPECS / "2023" / "jingyan-mata.yaml": (TESTS / "reference" / "jingyan-2023.txt", {"8,827,620.53"}),  # the 部门 total of projects not transcribed
}


@pytest.mark.parametrize("spec", SEEDS, ids=lambda p: SEEDS[p].name[:3])
def test_example_spec_reproduces_its_reference_document(built, spec):
    module = load_fidelity()
    text, table, _ = fidelity(module, built(spec), SEEDS[spec])
    assert text >= 0.99 and table >= 0.99, (text, table)


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda p: p.stem)
def test_new_layouts_reproduce_their_examples(built, spec):
    reference, unreachable = EXAMPLES[spec]
    text, table, missing = fidelity(load_fidelity(), built(spec), reference)
    assert missing == unreachable, missing


def test_seed_002_counts(built):
    doc = Document(built(SEED_002))
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "一级指标"]
    assert len(tables) == 8
    assert sum(len(t.rows) - 2 for t in tables) == 32


def test_2022_project_tables(built):
    doc = Document(built(SEED_004))
    heads = [t for t in doc.tables if t.rows[1].cells[0].text == "项目编码"]
    bodies = [t for t in doc.tables if t.rows[0].cells[0].text == "一级指标"]
    assert len(heads) == len(bodies) == 6
    assert sum(len(t.rows) - 1 for t in bodies) == 31
    first = heads[0]
    assert first.rows[0].cells[0].text == "324001保定市自然资源和规划局徐水区分局本级"
    budget_row = [c.text for c in distinct_cells(first.rows[2])]
    assert budget_row[1:] == ["预算数", "1.75", "其中：财政资金", "", "其他资金", "1.75"]
    fourth = heads[3]
    assert [c.text for c in distinct_cells(fourth.rows[5])][1:] == ["", "", "77%", "100%"]
    assert distinct_cells(fourth.rows[2])[2].text == "70.00"
    goals = [p.text for p in distinct_cells(fourth.rows[6])[1].paragraphs]
    assert goals[0].startswith("1.预防和减少") and goals[2].startswith("3.购买药品")
    sixth_values = [row.cells[4].text for row in bodies[5].rows[1:]]
    assert sixth_values[:3] == ["≥90％", "≥90％", "≥90％"]  # kept full-width, as entered
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert "4.徐水区2022年度林业有害生物防治经费绩效目标表" in headings


@pytest.mark.parametrize(("spec", "front_page"), [("2020/chengde-gaoxin-guotu.yaml", True), ("2022/xushui-ziranziyuan.yaml", True), ("2022/chizhou-tangxi.yaml", False), ("2020/zhengzhou-ziranziyuan.yaml", False)])
def test_only_a_cover_or_a_toc_page_goes_unnumbered(tmp_path, spec, front_page):
    """承德's cover and 徐水's 目录 carry no page number; a form's first page is numbered like the
    pages after it (池州 page 1 had none, page 2 「— 2 —」), and so are its 附表 and split documents."""
    from perfgen.build import Options

    built = build(Job(SPECS / spec, Path("x")), tmp_path, Options(draft=True, split=True)).outputs
    for docx in (p for p in built if p.suffix == ".docx"):
        sections = Document(docx).sections
        numbered = [s.footer.paragraphs and "PAGE" in s.footer._element.xml for s in sections]
        assert all(numbered), docx.name
        first_unnumbered = sections[0].different_first_page_header_footer
        assert first_unnumbered == (front_page and "-" not in docx.stem), docx.name
