"""附表 and the workbook agree with the main document, to the indicator and to the 0.01 万元."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SPECS, distinct_cells
from docx import Document
from openpyxl import load_workbook

from perfgen.build import Job, build

EXPECTED = {  # spec → (indicators, 预算数 合计) as the seeds state them
    "chengde-gaoxin-guotu": (32, Decimal("300.36")),
    "xushui-ziranziyuan": (31, Decimal("566.35")),
}


REFERENCE_SPECS = [SPECS / "2020" / "chengde-gaoxin-guotu.yaml", SPECS / "2022" / "xushui-ziranziyuan.yaml", SPECS / "2020" / "zhengzhou-ziranziyuan.yaml"]
# (the layouts added later, whose 附表 differ, are cross-checked in test_new_layouts.py)


@pytest.fixture(scope="module", params=REFERENCE_SPECS, ids=lambda p: p.stem)
def outputs(request, tmp_path_factory):
    spec = request.param
    built = build(Job(spec, Path(spec.stem)), tmp_path_factory.mktemp("out"))
    return spec.stem, {p.name: p for p in built.outputs}


def main_doc(outputs):
    stem, files = outputs
    return Document(files[f"{stem}.docx"])


def appendix(outputs, n):
    stem, files = outputs
    return Document(files[f"{stem}-附表{n}.docx"])


def sheet(outputs, n, data_only=True):
    stem, files = outputs
    return load_workbook(files[f"{stem}.xlsx"], data_only=data_only)[f"附表{n}"]


def data_rows(ws):
    """The sheet's rows below its header (row 3), as lists of values."""
    return [list(row) for row in ws.iter_rows(min_row=4, values_only=True)]


def is_hebei(outputs):
    return outputs[0] in EXPECTED


def test_every_build_writes_the_appendices_and_a_workbook(outputs):
    stem, files = outputs
    assert set(files) == {f"{stem}.docx", f"{stem}-附表1.docx", f"{stem}-附表2.docx", f"{stem}.xlsx"}
    labels = [p.text for p in appendix(outputs, 1).paragraphs[:2]]
    assert labels[0] == "附表1"


def test_indicator_counts_agree_everywhere(outputs):
    doc = main_doc(outputs)
    if is_hebei(outputs):
        main = sum(len(t.rows) - (2 if t.rows[1].cells[4].text == "符号" else 1) for t in doc.tables if t.rows[0].cells[0].text == "一级指标")
        detail_docx = len(appendix(outputs, 2).tables[0].rows) - 1
        detail_xlsx = len(data_rows(sheet(outputs, 2)))
        summary_total = data_rows(sheet(outputs, 1))[-1]
        counted = sum(v for v in summary_total[-3:])
        assert main == detail_docx == detail_xlsx == counted == EXPECTED[outputs[0]][0]
    else:
        main = len(doc.tables[-1].rows) - 1
        assert main == len(appendix(outputs, 2).tables[0].rows) - 1 == len(data_rows(sheet(outputs, 2)))


def money_cells(doc) -> list[Decimal]:
    """预算数 / 年度资金总额 of every project in the main document."""
    found = []
    for t in doc.tables:
        for row in t.rows:
            cells = [c.text for c in distinct_cells(row)]  # the amount is the cell after its label
            for label in ("年度资金总额：", "预算数"):
                if label in cells:
                    found.append(Decimal(cells[cells.index(label) + 1]))
    return found


def test_money_totals_agree_to_the_cent(outputs):
    if not is_hebei(outputs):
        tasks = appendix(outputs, 1).tables[0]
        body = [Decimal(r.cells[3].text) for r in tasks.rows[1:-1]]
        assert tasks.rows[-1].cells[0].text == "合计" and Decimal(tasks.rows[-1].cells[3].text) == sum(body)
        assert data_rows(sheet(outputs, 1))[-1][3] == pytest.approx(float(sum(body)))
        return
    main = sum(money_cells(main_doc(outputs)), Decimal(0))
    summary = appendix(outputs, 1).tables[0]
    total_row = [c.text for c in summary.rows[-1].cells]
    docx_total = Decimal(next(t for t in total_row if re.fullmatch(r"\d+\.\d+", t)))
    xlsx_total = data_rows(sheet(outputs, 1))[-1]
    assert main == docx_total == EXPECTED[outputs[0]][1]
    assert Decimal(str(next(v for v in xlsx_total if isinstance(v, float)))) == main


def test_workbook_totals_are_sum_formulas_over_their_column(outputs):
    formulas = sheet(outputs, 1, data_only=False)
    values = sheet(outputs, 1)
    last = formulas.max_row
    sums = [(cell.column_letter, cell.value) for cell in formulas[last] if isinstance(cell.value, str) and cell.value.startswith("=SUM")]
    assert sums
    for letter, formula in sums:
        assert formula == f"=SUM({letter}4:{letter}{last - 1})"
        column = [values[f"{letter}{r}"].value or 0 for r in range(4, last)]
        assert sum(Decimal(str(v)) for v in column) == Decimal(str(values[f"{letter}{last}"].value))


def test_workbook_layout(outputs):
    ws = sheet(outputs, 2, data_only=False)
    assert ws.freeze_panes == "A4"
    assert outputs[0].split("-")[0] and ws["A2"].value.startswith("部门：")
    assert ws.merged_cells.ranges  # merged like the DOCX (project / 一级 / 二级 groups)
    assert all(ws.column_dimensions[c].width >= 6 for c in "ABC")


def test_workbook_prints_on_a4_as_wide_as_the_page_with_its_header_on_every_page(outputs):
    for n in (1, 2):
        ws = sheet(outputs, n, data_only=False)
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight == 0  # one page wide, as many pages long as it takes
        assert ws.print_title_rows == "$3:$3" and "&P" in ws.oddFooter.center.text
        wide = sum(ws.column_dimensions[c].width or 0 for c in "ABCDEFGHIJKLMNOP") > 95
        assert (ws.page_setup.orientation == "landscape") == wide


def test_workbook_rows_are_tall_enough_for_their_wrapped_text(outputs):
    ws = sheet(outputs, 2, data_only=False)
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOP"}
    merged = {cell for r in ws.merged_cells.ranges for row in ws.iter_rows(min_row=r.min_row, max_row=r.max_row, min_col=r.min_col, max_col=r.max_col) for cell in row}
    checked = 0
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, str) and cell not in merged and not cell.value.startswith("="):
                units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in cell.value)
                if units > widths[cell.column_letter]:  # needs at least two lines
                    height = ws.row_dimensions[cell.row].height
                    assert height is not None and height >= 2 * 13.5, (cell.coordinate, cell.value, height)
                    checked += 1
    assert checked


def test_split_writes_each_project_table_alone(tmp_path):
    from perfgen.build import Options

    spec = SPECS / "2022" / "xushui-ziranziyuan.yaml"
    built = build(Job(spec, Path("x")), tmp_path, Options(split=True))
    projects = sorted(p for p in built.outputs if "-项目" in p.name)
    assert [p.name for p in projects] == [f"x-项目{n}.docx" for n in range(1, 7)]
    doc = Document(tmp_path / "x-项目4.docx")
    assert doc.paragraphs[0].text == "4.徐水区2022年度林业有害生物防治经费绩效目标表"
    assert len(doc.tables) == 2 and doc.tables[0].rows[2].cells[3].text == "70.00"


def test_an_alias_of_a_level1_is_counted_under_its_canonical_name(tmp_path):
    """效果指标 is accepted for 效益指标: the summary counts it there (it used to count 0)."""
    text = (SPECS / "2020" / "chengde-gaoxin-guotu.yaml").read_text(encoding="utf-8").replace("      效益指标:\n", "      效果指标:\n")
    spec = tmp_path / "s.yaml"
    spec.write_text(text, encoding="utf-8")
    out = build(Job(spec, Path("s")), tmp_path / "out").outputs
    summary = Document(next(p for p in out if p.name == "s-附表1.docx")).tables[0]
    header = [c.text for c in summary.rows[0].cells]
    total = [c.text for c in summary.rows[-1].cells]
    assert header[-3:] == ["产出指标（个）", "效益指标（个）", "满意度指标（个）"]
    assert int(total[-2]) > 0 and sum(map(int, total[-3:])) == EXPECTED["chengde-gaoxin-guotu"][0]


def test_a_column_declared_total_false_is_not_added_up(tmp_path):
    """national-project's 项目期 (`total: false`): two projects of 1 年 are not 合计 2; the counts beside it are."""
    spec = SPECS / "2022" / "chizhou-tangxi.yaml"
    files = {p.name: p for p in build(Job(spec, Path(spec.stem)), tmp_path).outputs}
    table = Document(files[f"{spec.stem}-附表1.docx"]).tables[0]
    header = [c.text for c in table.rows[0].cells]
    total = [c.text for c in table.rows[-1].cells]
    assert total[0] == "合计"
    assert total[header.index("项目期")] == ""
    counts = [c for c, title in enumerate(header) if title.endswith("（个）")]
    assert counts and all(int(total[c]) == sum(int(row.cells[c].text) for row in table.rows[1:-1]) for c in counts)
    ws = load_workbook(files[f"{spec.stem}.xlsx"])["附表1"]
    assert [row for row in ws.iter_rows(min_row=4, values_only=True)][-1][header.index("项目期")] in (None, "")
