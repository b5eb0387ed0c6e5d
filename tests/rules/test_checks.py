"""One failing spec per rule: the expected code, severity and position."""

import pytest
from conftest import spec_findings

from perfgen.errors import Severity

SPEC_2022 = """\
版式: 河北-2022
年度: 2022
部门: 测试分局
单位编码: "324001"
总体绩效目标: 目标
项目:
  - 名称: 项目甲
    编码: 13062522P00459810061C
    财政资金: 70
    其他资金: 1.75
    支出计划: {3月底: 24%, 6月底: 50%, 10月底: 74%, 12月底: 100%}
    绩效指标:
      产出指标:
        数量指标:
          - 完成率: ≥90%
            描述: 说明
      效益指标:
        社会效益指标:
          - 社会影响: 提升
      满意度指标:
        服务对象满意度指标:
          - 满意度: ≥90%
"""


findings = spec_findings


def only(result, code):
    matching = [f for f in result if f.code == code]
    assert len(matching) == 1, result
    return matching[0]


def test_valid_spec_has_no_findings(tmp_path):
    assert findings(tmp_path, SPEC_2022) == []


@pytest.mark.parametrize(
    ("plan", "code", "line_col"),
    [
        ("{3月底: 24%, 6月底: 150%, 12月底: 100%}", "P001", (11, 27)),
        ("{3月底: 50%, 6月底: 24%, 12月底: 100%}", "P002", (11, 27)),
        ("{6月底: 50%, 10月底: 80%}", "P003", (11, 11)),
    ],
)
def test_spending_plan_rules(tmp_path, plan, code, line_col):
    text = SPEC_2022.replace("{3月底: 24%, 6月底: 50%, 10月底: 74%, 12月底: 100%}", plan)
    finding = only(findings(tmp_path, text), code)
    assert finding.severity is Severity.ERROR
    assert (finding.position.line, finding.position.column) == line_col


def test_all_blank_spending_plan_is_allowed(tmp_path):
    assert findings(tmp_path, SPEC_2022.replace("    支出计划: {3月底: 24%, 6月底: 50%, 10月底: 74%, 12月底: 100%}\n", "")) == []


def test_project_code_pattern_is_a_warning(tmp_path):
    result = findings(tmp_path, SPEC_2022.replace("13062522P00459810061C", "1306-P004"))
    finding = only(result, "C001")
    assert finding.severity is Severity.WARNING and (finding.position.line, finding.position.column) == (8, 9)


def test_stated_budget_must_equal_its_parts(tmp_path):
    result = findings(tmp_path, SPEC_2022.replace("    其他资金: 1.75\n", "    其他资金: 1.75\n    预算数: 71.70\n"))
    finding = only(result, "M001")
    assert "71.75" in finding.message and finding.position.line == 11
    assert findings(tmp_path, SPEC_2022.replace("    其他资金: 1.75\n", "    其他资金: 1.75\n    预算数: 71.750\n")) == []


def test_key_the_layout_does_not_show_is_refused(tmp_path):
    result = findings(tmp_path, SPEC_2022.replace("    编码:", "    负责人: 张三\n    编码:"))
    finding = only(result, "L004")
    assert "负责人" in finding.message and (finding.position.line, finding.position.column) == (8, 5)
    result = findings(tmp_path, SPEC_2022 + "            依据: x\n            指标解释: y\n")
    assert any(f.code == "S003" for f in result)  # not a spec key at all


def test_key_the_layout_requires_is_missing(tmp_path):
    finding = only(findings(tmp_path, SPEC_2022.replace("    编码: 13062522P00459810061C\n", "")), "S005")
    assert "编码" in finding.message and (finding.position.line, finding.position.column) == (7, 5)


def test_amounts_quoted_in_prose_are_not_cross_checked(tmp_path):
    text = SPEC_2022.replace("    绩效指标:", "    绩效目标:\n      - 流转金10428.504909万元\n    绩效指标:")
    assert findings(tmp_path, text) == []


def test_rounded_parts_that_do_not_add_up_to_the_shown_total_are_flagged(tmp_path):
    # shown with two decimals: 1.25 + 0.13 beside a 预算数 of 1.37 — say so rather than print it
    result = findings(tmp_path, SPEC_2022.replace("    财政资金: 70\n    其他资金: 1.75\n", "    财政资金: 1.245\n    其他资金: 0.125\n"))
    finding = only(result, "M003")
    assert finding.severity is Severity.WARNING and finding.position.line == 7
    assert "1.25 + 0.13" in finding.message and "1.37" in finding.message


def test_a_finding_on_an_alias_points_at_the_key_written(tmp_path):
    # 河北-2022 declares 财政资金 with the alias 财政拨款: the warning names and points at what was written
    result = findings(tmp_path, SPEC_2022.replace("    财政资金: 70\n", "    财政拨款: 70.1234567\n"))
    finding = only(result, "M002")
    assert (finding.position.line, finding.position.column) == (9, 11) and "「财政拨款」" in finding.message


@pytest.mark.parametrize("empty", ["[]", "", "null"])
def test_an_empty_level2_group_is_an_error_at_its_key(tmp_path, empty):
    """An empty 二级 first under its 一级 would leave the 一级 label blank and merge the next group
    under the wrong 一级: it is refused where it is written."""
    text = SPEC_2022.replace("      产出指标:\n", f"      产出指标:\n        质量指标: {empty}\n".replace(": \n", ":\n"))
    finding = only(findings(tmp_path, text), "I001")
    assert finding.severity is Severity.ERROR and (finding.position.line, finding.position.column) == (14, 9)
    assert "「质量指标」下没有写指标" in finding.message


def test_a_blank_level2_name_is_said(tmp_path):
    text = SPEC_2022.replace("        数量指标:\n", '        "  ":\n')
    finding = only(findings(tmp_path, text), "S004")
    assert "二级指标名称是空的" in finding.message and finding.position.line == 14
