"""The 河南 whole-department form (seed 000): generated rows, merges, landscape (fidelity: test_build)."""

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SPECS, spec_findings
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from conftest import document_of
from perfgen.derive.tables import build_table

SPEC_000 = SPECS / "2020" / "zhengzhou-ziranziyuan.yaml"


@pytest.fixture(scope="module")
def document():
    doc, computed = document_of(SPEC_000)
    return computed, doc


def test_spec_types_none_of_the_generated_rows():
    text = SPEC_000.read_text(encoding="utf-8")
    assert text.count("计划完成率") == 0 and text.count("目标实现率") == 0


def test_one_generated_row_per_task_and_per_goal(document):
    computed, doc = document
    tasks, goals = computed.values["年度主要任务"], computed.values["年度总体目标"]
    rows = doc.绩效指标
    plan = [r for r in rows if r.名称.endswith("计划完成率")]
    goal = [r for r in rows if r.名称.endswith("目标实现率")]
    assert len(plan) == len(tasks) == 27 and len(goal) == len(goals) == 27
    assert [r.名称 for r in plan] == [f"{t.name}计划完成率" for t in tasks]
    assert goal[12].名称 == "中院地下沉治理目标实现率"  # the one goal whose 简称 differs from its task's
    assert plan[12].名称 == "中院地面下沉治理计划完成率"
    assert {r.指标值 for r in plan + goal} == {"100%"}
    names = [r.名称 for r in rows]
    assert names.index(plan[0].名称) > names.index("牵头单位工作完成率")  # after 整体工作完成, in spec order
    assert names.index(goal[0].名称) == names.index(plan[-1].名称) + 1


def test_group_texts_merge_down_generated_rows(document):
    _, doc = document
    plan = [r for r in doc.绩效指标 if r.名称.endswith("计划完成率")]
    assert plan[0].解释 == "反映本部门负责的重点工作进展情况。" and plan[0].解释.merge == "restart"
    assert all(r.解释.merge == "continue" and r.说明.merge == "continue" for r in plan[1:])
    assert plan[0].二级 == "重点工作履行" and all(r.二级.merge == "continue" for r in plan[1:])


def test_explanations_merge_only_over_rows_that_give_none(document):
    _, doc = document
    rows = {r.名称: r for r in doc.绩效指标}
    assert rows["预算编制完整性"].解释.merge == "restart"
    assert rows["专项资金细化率"].解释.merge == "continue"
    assert rows["专项资金细化率"].说明.merge == "restart" and rows["专项资金细化率"].说明.startswith("专项资金细化率=")
    assert [rows[n].说明.merge for n in ("目标依据充分性", "工作目标合理性")] == ["restart", "restart"]  # no text above: own cells


def test_task_money_is_exact(document):
    computed, doc = document
    tasks = computed.values["年度主要任务"]
    total = build_table(computed, computed.layout.tables["任务预算"]).total
    assert sum((t.values["财政资金"] for t in tasks), Decimal(0)) == total[3].number == Decimal(total[3].text)
    assert doc.年度主要任务[12].合计 == "38.5" and doc.年度主要任务[26].合计 == "12780.15"
    assert doc.年度主要任务[2].备注 == "政府性基金"
    assert doc.年度总体目标[0].序号 == "目标1：" and doc.年度主要任务[0].序号 == "任务1"


@pytest.fixture(scope="module")
def docx(tmp_path_factory):
    from perfgen.build import Job, build

    return Document(build(Job(SPEC_000, Path("zz")), tmp_path_factory.mktemp("out")).outputs[0])


def test_landscape_section(docx):
    section = docx.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height


def test_form_tables_merge_and_repeat_headers(docx):
    """部门名称, 年度总体目标 and 年度主要任务 are one table, as on the form (its task heading is
    not a repeated header row, so no label is merged from inside one); the indicator table repeats
    its header row on every page, so it is a table of its own, joined by a one-twip spacer."""
    form, indicators = docx.tables
    assert form.rows[0].cells[0].text == "部门名称" and len(form.rows) == 1 + 27 + 2 + 27
    first_col = [tr.tc_lst[0] for tr in form._tbl.tr_lst[1:]]
    merges = [tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}").get(qn("w:val"), "continue") for tc in first_col]  # <w:vMerge/> continues
    assert merges == ["restart"] + ["continue"] * 26 + ["restart"] + ["continue"] * 28
    assert form.rows[1].cells[1].text.startswith("目标1：完成年度")
    assert form.rows[28].cells[0].text == "年度主要任务" and form.rows[28].cells[1].text == "任务名称"
    assert form.rows[28 + 2 + 2].cells[5].text == "政府性基金"
    assert not any(tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in form._tbl.tr_lst)
    repeated = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in indicators._tbl.tr_lst]
    assert repeated[0] and not any(repeated[1:])
    spacer = indicators._tbl.getprevious()
    assert spacer.tag == qn("w:p") and spacer.getprevious() is form._tbl
    spacing = docx.styles[spacer.pPr.pStyle.val].element.pPr.find(qn("w:spacing"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("1", "exact")
    values = {row.cells[2].text: row.cells[3].text for row in indicators.rows[1:]}
    assert values["重点创新事项1"] == "" and "None" not in values.values()


BASE_HENAN = """\
版式: 河南-部门整体
年度: 2020
部门: 甲
年度主要任务:
  - {简称: 任务甲, 主要内容: 做事, 财政资金: 1}
年度总体目标:
  - 目标甲
绩效指标:
  履职效能:
    重点工作履行: {解释: 反映进展, 说明: 分项列示}
"""


findings = spec_findings


def test_minimal_henan_spec_is_valid(tmp_path):
    assert findings(tmp_path, BASE_HENAN) == []


def test_level2_must_belong_to_its_level1(tmp_path):
    (finding,) = findings(tmp_path, BASE_HENAN + "  管理效率:\n    重点工作履行:\n      - 甲: 100%\n")
    assert finding.code == "F003" and (finding.position.line, finding.position.column) == (12, 5)
    assert "预算管理" in finding.message


def test_unknown_level1_suggests_the_closest(tmp_path):
    (finding,) = findings(tmp_path, BASE_HENAN + "  履职效率:\n    预算管理:\n      - 甲: 100%\n")
    assert finding.code == "F002" and "履职效能" in finding.message and finding.position.line == 11


def test_unknown_framework(tmp_path):
    (finding,) = findings(tmp_path, BASE_HENAN.replace("部门: 甲\n", "部门: 甲\n指标体系: 山西\n"))
    assert finding.code == "F001" and finding.position.line == 4


def test_aliases_of_the_classic_framework_are_accepted(tmp_path):
    spec = (SPECS / "2020" / "chengde-gaoxin-guotu.yaml").read_text(encoding="utf-8")
    assert findings(tmp_path, spec.replace("      效益指标:\n        生态效益指标:", "      效果指标:\n        环境效益指标:", 1)) == []
    (finding,) = findings(tmp_path, spec.replace("        生态效益指标:", "        满意度指标:", 1))
    assert finding.code == "F003"


def test_goal_without_a_task_needs_its_own_short_name(tmp_path):
    (finding,) = findings(tmp_path, BASE_HENAN.replace("  - 目标甲\n", "  - 目标甲\n  - 目标乙\n"))
    assert finding.code == "G001" and finding.position.line == 8


def test_group_note_where_nothing_is_generated(tmp_path):
    (finding,) = findings(tmp_path, BASE_HENAN + "    整体工作完成: {解释: x}\n")
    assert finding.code == "I001" and finding.position.line == 11
