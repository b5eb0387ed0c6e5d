from decimal import Decimal

import pytest

from perfgen.errors import SpecError
from perfgen.load.load import load_source
from perfgen.model.model import ValueParts, Values
from perfgen.model.spec import layout_of, validate_spec

BASE = "版式: 河北-2020\n年度: 2020\n部门: 甲\n总体绩效目标: 目标\n"


def parse(tmp_path, text: str):
    """The spec, or SpecError with every finding (those of the form's required keys aside: BASE
    leaves 审核单位 out)."""
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    source = load_source(path)
    try:
        spec, soft = validate_spec(source, layout_of(source))
    except SpecError as exc:
        raise SpecError([*exc.findings, *(f for f in getattr(exc, "soft", []) if f.code != "S005")]) from None
    soft = [f for f in soft if f.code != "S005" or "审核单位" not in f.message]
    if soft:
        raise SpecError(soft)
    return spec


def findings(tmp_path, text: str):
    with pytest.raises(SpecError) as exc:
        parse(tmp_path, text)
    return exc.value.findings


def test_short_indicator_form_and_money_from_text(tmp_path):
    spec = parse(
        tmp_path,
        BASE + "项目:\n  - 名称: 甲\n    财政拨款: 0.1\n    其他资金: '0.2'\n    绩效指标:\n      产出指标:\n        数量指标:\n"
        "          - 个数: ≥12个\n            描述: 说明\n          - 名称: 长\n            指标值: {符号: 文字描述, 值: 100, 单位: 库}\n",
    )
    project = spec.values["项目"][0].values
    assert project["财政拨款"] + project["其他资金"] == Decimal("0.3")
    (group,) = project["绩效指标"].groups
    short, long = group.indicators
    assert (group.level1, group.level2) == ("产出指标", "数量指标")
    assert (short.name, short.value, short.values["描述"]) == ("个数", "≥12个", "说明")
    assert long.value == ValueParts(Values({"符号": "文字描述", "值": "100", "单位": "库"}))


def test_numbers_where_text_belongs_keep_their_spelling(tmp_path):
    spec = parse(tmp_path, BASE + "项目:\n  - 名称: 2019\n    负责人: 02379895\n    绩效指标: {}\n")
    (project,) = spec.values["项目"]
    assert project.name == "2019" and project.values["负责人"] == "02379895"


def test_unknown_key_points_at_the_key_and_suggests(tmp_path):
    (finding,) = findings(tmp_path, BASE + "项目:\n  - 名称: 甲\n    负责任: 张三\n    绩效指标: {}\n")
    assert finding.code == "S003" and (finding.position.line, finding.position.column) == (7, 5)
    assert "负责人" in finding.message


def test_missing_key_points_at_the_parent_mapping(tmp_path):
    (finding,) = findings(tmp_path, BASE + "项目:\n  - 名称: 甲\n")
    assert finding.code == "S005" and "绩效指标" in finding.message  # the form requires it (a level can be set)
    assert (finding.position.line, finding.position.column) == (6, 5)


def test_all_problems_are_reported_at_once_sorted_by_line(tmp_path):
    result = findings(tmp_path, "版式: 河北-2020\n年度: 二〇二〇\n部门: [甲]\n项目:\n  - 名称: 甲\n    财政拨款: 12万\n    绩效指标: {}\n")
    assert [f.position.line for f in result] == sorted(f.position.line for f in result)
    assert {f.position.line for f in result} == {2, 3, 6}
    assert any("12万" in f.message for f in result)


def test_negative_money_and_top_level_list_are_refused(tmp_path):
    (finding,) = findings(tmp_path, BASE + "项目:\n  - 名称: 甲\n    财政拨款: -1\n    绩效指标: {}\n")
    assert "负数" in finding.message and finding.position.line == 7
    (finding,) = findings(tmp_path, "- 部门: 甲\n")
    assert finding.code == "S001"


def test_one_item_under_both_its_names_is_refused_at_the_second(tmp_path):
    (finding,) = findings(tmp_path, BASE + "项目:\n  - 名称: 甲\n    财政拨款: 10\n    财政资金: 5\n    绩效指标: {}\n")
    assert finding.code == "S007" and (finding.position.line, finding.position.column) == (8, 5)
    assert "财政拨款" in finding.message and "财政资金" in finding.message


def test_absurd_numbers_are_refused_quickly_not_computed(tmp_path):
    (finding,) = findings(tmp_path, BASE + "项目:\n  - 名称: 甲\n    财政拨款: 1e999999999\n    绩效指标: {}\n")
    assert finding.code == "S004" and "合理范围" in finding.message
    indicator = "    绩效指标:\n      产出指标:\n        数量指标:\n          - 增长: {变动率: 人员, 小数位: 1e999999999}\n"
    (finding,) = findings(tmp_path, BASE + "上年规格: a.yaml\n项目:\n  - 名称: 甲\n" + indicator)
    assert finding.code == "S004" and "太大" in finding.message


def test_empty_layout_and_department_are_errors_at_their_place(tmp_path):
    from conftest import spec_findings

    found = spec_findings(tmp_path, '版式: ""\n年度: 2020\n部门: ""\n')
    assert [(f.code, f.position.line) for f in found] == [("S002", 1), ("S002", 3)]
    found = spec_findings(tmp_path, "年度: 2020\n部门: 甲\n")
    assert [f.code for f in found] == ["S002"] and "版式" in found[0].message


@pytest.mark.parametrize(
    ("written", "amount"),
    [("'3,309,840.00'", Decimal("3309840.00")), ("-0", Decimal("0")), ("0.10", Decimal("0.10"))],
)
def test_amounts_as_written(tmp_path, written, amount):
    spec = parse(tmp_path, BASE + f"项目:\n  - 名称: 甲\n    财政拨款: {written}\n    绩效指标: {{}}\n")
    value = spec.values["项目"][0].values["财政拨款"]
    assert value == amount and str(value) == str(amount)


def test_commas_that_are_not_thousands_separators_are_refused(tmp_path):
    (finding,) = findings(tmp_path, BASE + "项目:\n  - 名称: 甲\n    财政拨款: '51,35'\n    绩效指标: {}\n")
    assert finding.code == "S004" and "51,35" in finding.message and finding.position.line == 7
