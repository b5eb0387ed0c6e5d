from decimal import Decimal

import pytest
from conftest import ROOTS

from perfgen.derive import (
    derive,
    indicator_rows,
    money_text,
    outline_blocks,
    paragraphs,
    parse_value,
)
from perfgen.errors import Position
from perfgen.layout import ValueStyle, find_layout
from perfgen.load import load_source
from perfgen.records import validate
from perfgen.spec import Indicator, parse_spec

SPLIT = ValueStyle(comparators={"≥": ">=", "≤": "<=", "=": "="}, units={"%": "百分比"}, qualitative="文字描述", implicit="=")


def minimal_document():
    source = load_source(ROOTS / "minimal" / "spec.yaml")
    spec = parse_spec(source)
    return derive(spec, find_layout(spec.layout, ROOTS / "minimal", Position("x")))


@pytest.mark.parametrize(
    ("written", "comparator", "number", "unit", "shown"),
    [
        ("≥12个", "≥", "12", "个", (">=", "12", "个")),
        ("=100%", "=", "100", "%", ("=", "100", "百分比")),
        ("＞＝95％", "≥", "95", "%", (">=", "95", "百分比")),
        (">=90%", "≥", "90", "%", (">=", "90", "百分比")),
        ("＜＝3‰", "≤", "3", "‰", ("<=", "3", "‰")),
        ("≥4.9万亩", "≥", "4.9", "万亩", (">=", "4.9", "万亩")),
        ("5万元", "", "5", "万元", ("=", "5", "万元")),
        ("=100完成本年任务", "=", "100", "完成本年任务", ("=", "100", "完成本年任务")),
    ],
)
def test_parse_quantitative_values(written, comparator, number, unit, shown):
    value = parse_value(written, SPLIT)
    assert (value.comparator, value.number, value.unit) == (comparator, number, unit)
    assert (value.shown_comparator, value.shown_number, value.shown_unit) == shown
    assert value.text == written  # as entered, full-width kept
    assert not value.qualitative


def test_parse_qualitative_and_empty_values():
    value = parse_value("合规性", SPLIT)
    assert value.qualitative and value.unit == "合规性"
    assert (value.shown_comparator, value.shown_number, value.shown_unit) == ("文字描述", "", "合规性")
    empty = parse_value(None, SPLIT)
    assert empty.text == "" and empty.shown_comparator == "" and empty.shown_unit == ""


def test_money_is_exact_decimal_and_keeps_written_precision():
    assert money_text(Decimal("0.1") + Decimal("0.2"), None) == "0.3"
    assert money_text(Decimal("48"), None) == "48"
    assert money_text(Decimal("70"), 2) == "70.00"
    assert money_text(Decimal("17.468664"), 2) == "17.47"
    assert money_text(None, 2) == ""


def test_project_totals_add_fiscal_and_other():
    doc = minimal_document()
    first, second = doc.projects
    assert (first.fiscal, first.other, first.total) == ("10.50", "0.25", "10.75")
    assert (second.fiscal, second.other, second.total) == ("3", "", "3")
    assert (doc.project_totals.fiscal, doc.project_totals.other, doc.project_totals.total) == ("13.50", "0.25", "13.75")


def test_numbering_and_titles_follow_the_layout():
    doc = minimal_document()
    assert [p.number + p.title for p in doc.projects] == ["一、耕地保护项目", "二、地灾防治项目"]
    assert [g.number + g.title for g in doc.sub_goals] == ["（一）耕地保护股", "（二）办公室"]
    assert doc.sub_goals[1].indicators == ""
    assert [(s.number, s.title, s.text) for s in doc.safeguards] == [
        ("（一）", "", "加强组织领导。明确责任分工。"),
        ("（二）", "强化资金管理", "严格执行预算。"),
    ]
    assert doc.compiled_by == "测试县自然资源局"


def test_indicator_rows_merge_level1_and_level2_down_their_groups():
    doc = minimal_document()
    rows = doc.projects[0].indicator_rows
    assert [(r.level1.text, r.level1.merge, r.level2.text, r.level2.merge, r.name) for r in rows] == [
        ("产出指标", "restart", "数量指标", "restart", "巡查次数"),
        ("", "continue", "", "continue", "图斑核查率"),
        ("", "continue", "质量指标", "restart", "合规性"),
        ("满意度指标", "restart", "服务对象满意度指标", "restart", "群众满意度"),
    ]
    assert doc.projects[0].level1_counts == {"产出指标": 3, "满意度指标": 1}
    long_form = doc.projects[1].indicator_rows[0].value
    assert (long_form.shown_comparator, long_form.shown_number, long_form.shown_unit) == ("文字描述", "100", "完成数据库")


def test_indicator_rows_never_carry_none():
    rows = indicator_rows({"产出指标": {"数量指标": [validate(Indicator, {"名称": "x"})]}}, SPLIT)
    assert rows[0].description == "" and rows[0].basis == "" and rows[0].value.text == ""


def test_paragraphs_split_on_blank_lines_and_join_wrapped_lines():
    assert paragraphs("第一段。\n\n第二段，\n折行。\n") == ["第一段。", "第二段，折行。"]
    assert paragraphs("word one\nword two") == ["word one word two"]
    assert paragraphs(None) == []


def test_outline_blocks_number_list_headings_only():
    blocks = outline_blocks({"基本情况": "背景。", "目标和指标": [{"绩效目标": "甲"}, {"绩效指标": "乙\n\n丙"}]}, "{n}. ")
    assert [(b.style, b.text) for b in blocks] == [
        ("heading1", "基本情况"), ("text", "背景。"), ("heading1", "目标和指标"),
        ("heading2", "1. 绩效目标"), ("text", "甲"), ("heading2", "2. 绩效指标"), ("text", "乙"), ("text", "丙"),
    ]  # fmt: skip


def test_spending_plan_cells_blank_where_not_filled():
    from perfgen.derive import spending_plan_cells
    from perfgen.spec import SpendingPlan

    assert spending_plan_cells(None) == ["", "", "", ""]
    plan = validate(SpendingPlan, {"10月底": "77%", "12月底": 100})
    assert spending_plan_cells(plan) == ["", "", "77%", "100%"]


def test_2022_layout_numbers_goals_and_shows_two_decimals(tmp_path):
    spec_text = (
        "版式: 河北-2022\n年度: 2022\n部门: 甲\n单位编码: '1'\n总体绩效目标: x\n项目:\n"
        "  - 名称: 乙\n    编码: c\n    财政资金: 70\n    其他资金: 0.5\n    绩效目标: [第一条, 第二条]\n    绩效指标: {}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(spec_text, encoding="utf-8")
    spec = parse_spec(load_source(path))
    doc = derive(spec, find_layout(spec.layout, tmp_path, Position("x")))
    (project,) = doc.projects
    assert (project.number, project.title) == ("1.", "乙绩效目标表")
    assert project.goals == ["1.第一条", "2.第二条"]
    assert (project.total, project.fiscal, project.other) == ("70.50", "70.00", "0.50")
    assert (doc.unit_code, doc.unit_name) == ("1", "甲")
