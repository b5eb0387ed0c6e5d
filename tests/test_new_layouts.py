"""The two layouts added as data only: the national 项目支出绩效目标申报表 (中期 / 年度 side by side,
六安 2024) and the 预算管理一体化 export style (元, weights, the flat import sheet; 井研 2023).
Their fidelity to the transcribed examples is measured in test_build.py."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import SPECS, document_of, spec_findings
from docx import Document
from docx.oxml.ns import qn

from perfgen.build import Job, build

LIUAN = SPECS / "2024" / "liuan-nongye.yaml"
JINGYAN = SPECS / "2023" / "jingyan-mata.yaml"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("new-layouts")
    built = [*build(Job(LIUAN, Path("liuan")), out).outputs, *build(Job(JINGYAN, Path("jingyan")), out).outputs]
    return {path.name: path for path in built}


def rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def merges(table, col: int) -> list[str | None]:
    out = []
    for tr in table._tbl.tr_lst:
        vm = tr.tc_lst[col].find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") if col < len(tr.tc_lst) else None
        out.append(None if vm is None else vm.get(qn("w:val"), "continue"))
    return out


def test_national_form_pairs_medium_term_and_annual(outputs):
    (table,) = Document(outputs["liuan.docx"]).tables  # one table: head, 资金, 目标 and indicators
    grid = rows(table)
    assert grid[1][:2] == ["项目名称", "发展建设类-农产品质检体系建设和“三品一标”发展项目"]
    assert grid[2][1] == "[066]六安市农业农村局" and grid[3][1] == "常年项目" and grid[3][5] == "3年"
    assert [row[3] for row in grid[4:7]] == ["68.50", "68.50", "0.00"]  # 中期资金总额 derived from its parts
    assert [row[6] for row in grid[4:7]] == ["51.35", "51.35", "0.00"]
    assert grid[7][1] == "中期目标（2024年—2026年）"  # 年度 + 项目期 − 1
    assert grid[8][1] == grid[8][5]  # 中期目标 defaults to the 年度目标
    assert grid[10][1:] == ["产出指标", "数量指标", "鉴定校准实验室仪器", "≥57个", "数量指标", "鉴定校准实验室仪器", "≥57个"]
    label = merges(table, 0)[9:]
    assert label == ["restart"] + ["continue"] * 7  # 绩效指标 down the whole indicator block
    assert merges(table, 2)[10:] == ["restart", "continue", "continue", "restart", "continue", "continue", "restart"]
    assert merges(table, 5)[10:] == merges(table, 2)[10:]  # the 年度 二级 merges like the 中期 one


def test_national_form_medium_term_values_may_differ(tmp_path):
    text = LIUAN.read_text(encoding="utf-8").replace("          - 监督抽检批次: ≥100组\n", "          - 监督抽检批次: ≥100组\n            中期指标值: ≥300组\n")
    path = tmp_path / "liuan.yaml"
    path.write_text(text, encoding="utf-8")
    doc, _ = document_of(path)
    row = next(r for r in doc.项目[0].绩效指标 if r.名称 == "监督抽检批次")
    assert (row.中期指标值, row.指标值) == ("≥300组", "≥100组")


def test_yitihua_form_is_one_table_in_yuan_with_the_system_columns(outputs):
    (table,) = Document(outputs["jingyan.docx"]).tables
    grid = rows(table)
    assert grid[0] == ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重", "指标方向性"]
    assert grid[1][:3] == ["820-马踏镇部门", "", "3,969,840.00"] and grid[1][10] == ""  # each 预算数 once; weights are not summed
    assert grid[2] == ["820001-井研县马踏镇人民政府", "村组干部报酬", "3,309,840.00", "按时发放村组干部报酬", "效益指标", "社会效益指标", "维护社会稳定", "≥", "95", "%", "10", "正向指标"]
    assert grid[-1][4:] == ["产出指标", "数量指标", "行政村数量", "=", "11", "个", "10", "正向指标"]
    assert merges(table, 0)[2:] == ["restart"] + ["continue"] * 12  # one 单位 for the whole table (8 + 5 rows)
    assert merges(table, 1)[2:] == ["restart"] + ["continue"] * 7 + ["restart"] + ["continue"] * 4  # per project


def test_yitihua_appendix_and_workbook_are_the_flat_import_sheet(outputs):
    (table,) = Document(outputs["jingyan-附表1.docx"]).tables
    grid = rows(table)
    assert grid[0] == ["项目编码", "项目名称", "一级指标", "二级指标", "三级指标", "计算符号", "指标值", "度量单位", "权重", "指标方向"]
    assert len(grid) == 1 + 13 and all(row[1] for row in grid[1:])  # one row per 三级, nothing merged away
    book = openpyxl.load_workbook(outputs["jingyan.xlsx"])
    assert book.sheetnames == ["部门预算项目绩效目标申报表", "附表1"]
    sheet = book["附表1"]
    assert [sheet.cell(4, c).value for c in range(1, 11)] == [
        "", "村组干部报酬", "效益指标", "社会效益指标", "维护社会稳定", "≥", 95, "%", 10, "正向指标",
    ]  # fmt: skip
    main = book["部门预算项目绩效目标申报表"]
    assert main["C4"].value == "=SUM(C5:C17)" and main["C5"].value == Decimal("3309840") and main["C5"].number_format == "#,##0.00"


def test_weights_must_add_up_to_90(tmp_path):
    text = JINGYAN.read_text(encoding="utf-8").replace("  W001: 警告 ", "  W001: 错误 ")
    found = [f for f in spec_findings(tmp_path, text) if f.code == "W001"]
    assert [(f.severity.value, f.position.line) for f in found] == [("错误", 52)]
    assert "合计为 60，应为 90" in found[0].message


def test_amounts_in_yuan_allow_two_decimals(tmp_path):
    text = JINGYAN.read_text(encoding="utf-8").replace("预算数: 660000.00", "预算数: 660000.005")
    (found,) = [f for f in spec_findings(tmp_path, text) if f.code == "M002"]
    assert "元到第 2 位" in found.message


def test_appendix_workbook_and_document_agree(outputs):
    """The 附表 and the workbook say what the document says: indicators and money."""
    national = {name: rows(t) for name, t in (("main", Document(outputs["liuan.docx"]).tables[0]), ("detail", Document(outputs["liuan-附表2.docx"]).tables[0]))}
    main_rows = national["main"][10:]
    assert [(r[3], r[7], r[4]) for r in main_rows] == [(r[3], r[4], r[5]) for r in national["detail"][1:]]  # 三级, 年度, 中期
    summary = rows(Document(outputs["liuan-附表1.docx"]).tables[0])
    assert summary[1][5:9] == ["68.50", "51.35", "51.35", "0.00"] and summary[-1][0] == "合计"
    book = openpyxl.load_workbook(outputs["liuan.xlsx"], data_only=True)
    assert book["附表1"]["G4"].value == 51.35 and book["附表2"].max_row == 3 + len(main_rows)
    main = rows(Document(outputs["jingyan.docx"]).tables[0])
    flat = rows(Document(outputs["jingyan-附表1.docx"]).tables[0])
    assert [r[6:12] for r in main[2:]] == [[r[4], r[5], r[6], r[7], r[8], r[9]] for r in flat[1:]]
