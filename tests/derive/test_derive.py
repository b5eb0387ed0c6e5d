from decimal import Decimal

import pytest
from conftest import ROOTS, TEMPLATES, document_of

from perfgen.model.fieldtypes import amount_text
from perfgen.model.indicators import parse_value
from perfgen.model.layout import load_layout
from perfgen.model.model import Indicator, ValueParts, Values
from perfgen.derive.present import indicator_rows, outline_blocks, part_text, show
from perfgen.derive.tables import build_table
from perfgen.load.text import paragraphs

HEBEI_2020 = load_layout(TEMPLATES / "hebei-2020")
PARTS = HEBEI_2020.indicators.parts  # 符号 | 值 | 单位, as the 河北-2020 form splits 指标值


def shown(written):
    value = parse_value(written)
    return tuple(part_text(part, value, written) for part in PARTS)


@pytest.mark.parametrize(
    ("written", "comparator", "number", "unit", "parts"),
    [
        ("≥12个", "≥", "12", "个", (">=", "12", "个")),
        ("=100%", "=", "100", "%", ("=", "100", "百分比")),
        ("＞＝95％", "≥", "95", "%", (">=", "95", "百分比")),
        (">=90%", "≥", "90", "%", (">=", "90", "百分比")),
        ("＜＝3‰", "≤", "3", "‰", ("<=", "3", "‰")),
        ("≥4.9万亩", "≥", "4.9", "万亩", (">=", "4.9", "万亩")),
        ("5万元", "", "5", "万元", ("=", "5", "万元")),
        ("=100完成本年任务", "=", "100", "完成本年任务", ("=", "100", "完成本年任务")),
        ("不低于90%", "≥", "90", "%", (">=", "90", "百分比")),
    ],
)
def test_parse_quantitative_values(written, comparator, number, unit, parts):
    value = parse_value(written)
    assert (value.comparator, value.number, value.unit) == (comparator, number, unit)
    assert shown(written) == parts
    assert value.text == written  # as entered, full-width kept
    assert not value.qualitative


def test_parse_qualitative_and_empty_values():
    value = parse_value("合规性")
    assert value.qualitative and value.text == "合规性"
    assert shown("合规性") == ("文字描述", "", "合规性")
    assert parse_value(None).text == "" and shown(None) == ("", "", "")


def test_long_form_shows_its_parts_as_written():
    written = ValueParts(Values({"符号": "文字描述", "值": "100", "单位": "完成数据库"}))
    value = parse_value(written, {"comparator": "符号", "number": "值", "unit": "单位"})
    assert shown(written) == ("文字描述", "100", "完成数据库")
    assert value.text == "100完成数据库" and value.number == "100"  # not 「文字描述100完成数据库」


def test_money_is_exact_decimal_and_keeps_written_precision():
    assert amount_text(Decimal("0.1") + Decimal("0.2"), None) == "0.3"
    assert amount_text(Decimal("48"), None) == "48"
    assert amount_text(Decimal("70"), 2) == "70.00"
    assert amount_text(Decimal("17.468664"), 2) == "17.47"
    assert amount_text(Decimal("1.245"), 2) == "1.25"  # 四舍五入, not banker's rounding
    assert amount_text(Decimal("3309840"), 2, grouping=True) == "3,309,840.00"
    assert amount_text(None, 2) == ""


def test_project_totals_add_fiscal_and_other():
    doc, computed = document_of(ROOTS / "minimal" / "spec.yaml")
    first, second = doc.项目
    assert (first.财政拨款, first.其他资金, first.预算数) == ("10.50", "0.25", "10.75")
    assert (second.财政拨款, second.其他资金, second.预算数) == ("3", "", "3")
    assert first.预算数.number == Decimal("10.75")
    total = build_table(computed, computed.layout.tables["项目汇总"]).total
    assert [cell.text for cell in total[4:7]] == ["13.75", "13.50", "0.25"]


def test_numbering_and_titles_follow_the_layout():
    doc, _ = document_of(ROOTS / "minimal" / "spec.yaml")
    assert [p.序号 + p.标题 for p in doc.项目] == ["一、耕地保护项目", "二、地灾防治项目"]
    assert [g.序号 + g.标题 for g in doc.分项绩效目标] == ["（一）耕地保护股", "（二）办公室"]
    assert doc.分项绩效目标[1].绩效指标 == ""
    assert [(s.序号, s.标题, s.内容) for s in doc.工作保障措施] == [
        ("（一）", "", "加强组织领导。明确责任分工。"),
        ("（二）", "强化资金管理", "严格执行预算。"),
    ]
    assert doc.编制单位 == "测试县自然资源局"


def test_indicator_rows_merge_level1_and_level2_down_their_groups():
    doc, _ = document_of(ROOTS / "minimal" / "spec.yaml")
    rows = doc.项目[0].绩效指标
    assert [(r.一级, r.一级.merge, r.二级, r.二级.merge, r.名称) for r in rows] == [
        ("产出指标", "restart", "数量指标", "restart", "巡查次数"),
        ("", "continue", "", "continue", "图斑核查率"),
        ("", "continue", "质量指标", "restart", "合规性"),
        ("满意度指标", "restart", "服务对象满意度指标", "restart", "群众满意度"),
    ]
    assert rows.一级指标数 == {"产出指标": 3, "满意度指标": 1} and rows.指标数 == 4
    long_form = doc.项目[1].绩效指标[0]
    assert (long_form.符号, long_form.值, long_form.单位) == ("文字描述", "100", "完成数据库")


def test_indicator_rows_never_carry_none():
    from perfgen.derive.derive import Row
    from perfgen.model.indicators import EMPTY

    row = Row("产出指标", "数量指标", "产出指标", "x", None, EMPTY, Values({"描述": None, "依据": None}))
    (shown_row,) = indicator_rows((row,), HEBEI_2020)
    assert shown_row.描述 == "" and shown_row.依据 == "" and shown_row.指标值 == "" and shown_row.符号 == ""
    assert Indicator("x", None, Values()).value is None


def test_paragraphs_split_on_blank_lines_and_join_wrapped_lines():
    assert paragraphs("第一段。\n\n第二段，\n折行。\n") == ["第一段。", "第二段，折行。"]
    assert paragraphs("word one\nword two") == ["word one word two"]
    assert paragraphs(None) == []


def test_outline_blocks_number_list_headings_only():
    blocks = outline_blocks({"基本情况": "背景。", "目标和指标": [{"绩效目标": "甲"}, {"绩效指标": "乙\n\n丙"}]}, "{n}. ")
    assert [(b.层级, b.内容) for b in blocks] == [
        (1, "基本情况"), (0, "背景。"), (1, "目标和指标"),
        (2, "1. 绩效目标"), (0, "甲"), (2, "2. 绩效指标"), (0, "乙"), (0, "丙"),
    ]  # fmt: skip


def test_spending_plan_cells_blank_where_not_filled():
    plan = load_layout(TEMPLATES / "hebei-2022").root.field("项目").type.item.field("支出计划").type
    assert list(show(plan, None, None).values()) == ["", "", "", ""]
    cells = show(plan, Values({"3月底": None, "6月底": None, "10月底": Decimal("77"), "12月底": Decimal("100")}), None)
    assert list(cells.values()) == ["", "", "77%", "100%"] and cells["12月底"].number == Decimal("100")


def test_2022_layout_numbers_goals_and_shows_two_decimals(tmp_path):
    spec_text = (
        "版式: 河北-2022\n年度: 2022\n部门: 甲\n单位编码: '1'\n总体绩效目标: x\n项目:\n"
        "  - 名称: 乙\n    编码: c\n    财政资金: 70\n    其他资金: 0.5\n    绩效目标: [第一条, 第二条]\n    绩效指标: {}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(spec_text, encoding="utf-8")
    doc, _ = document_of(path)
    (project,) = doc.项目
    assert (project.序号, project.名称) == ("1.", "乙")
    assert [g.序号 + g.内容 for g in project.绩效目标] == ["1.第一条", "2.第二条"]
    assert (project.预算数, project.财政资金, project.其他资金) == ("70.50", "70.00", "0.50")
    assert (doc.单位编码, doc.单位名称) == ("1", "甲")
