"""A form described only as data: tests/layouts/every-field uses every extension point of layout.yaml
(a field of each type at each level, new money sources and formulas, quarterly checkpoints, a new
指标值 split, indicator fields with roles, generated rows, every 二级 shown, new table columns) and
builds with no code of its own. The checks below read what was built, by content."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import TESTS, document_of, spec_findings
from docx import Document
from docx.oxml.ns import qn

from perfgen.build import Job, Options, build
from perfgen.errors import Severity

LAYOUT = TESTS / "layouts" / "every-field"
SPEC = LAYOUT / "spec.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("every-field")
    outputs = build(Job(SPEC, Path("x")), out, Options(draft=True, split=True)).outputs
    return {path.name: path for path in outputs}


@pytest.fixture(scope="module")
def doc():
    return document_of(SPEC)[0]


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(path).paragraphs if p.text]


def table_text(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_it_builds_every_output(built):
    assert set(built) == {"x.docx", "x-附表1.docx", "x-附表2.docx", "x.xlsx", "x-项目1.docx", "x-项目2.docx"}


def test_scalar_fields_of_the_spec_are_typed_and_shown_in_the_forms_format(built):
    text = paragraphs(built["x.docx"])
    assert "填报日期：2024年3月15日；实施期：2024年1月至2024年12月" in text  # date, daterange with the layout's formats
    assert "单位性质：行政单位；公开；编制35人" in text  # choice (synonym 行政), flag shown as 公开, count with its suffix
    assert "预算执行率权重：10；执行率目标：95%" in text  # number, percent
    assert "联系人：王五 0571-1234567" in text  # a nested block
    assert ["职责：负责全县农业农村工作。", "职责：指导农产品质量安全监管。"] == [t for t in text if t.startswith("职责：")]  # paragraphs


def test_lists_sections_outline_and_checkpoints(built):
    text = paragraphs(built["x.docx"])
    assert ["目标1：完成质检任务", "目标2：推进三品一标"] == [t for t in text if t.startswith("目标")]
    assert text[text.index("（1）加强组织领导。") + 1 : text.index("（1）加强组织领导。") + 3] == ["（2）强化资金管理", "严格执行预算。"]  # titled
    assert "一、质量安全：抽检合格率稳定。" in text and "二、品牌建设：新增认证产品。" in text  # sections, {cn} numbering
    assert [t for t in text if t.startswith("说明")] == ["说明1：基本情况", "说明0：背景。", "说明1：目标", "说明2：（1）产出", "说明0：甲", "说明2：（2）效益", "说明0：乙"]
    assert [t for t in text if t.startswith("季度计划")] == ["季度计划一季度：20%", "季度计划二季度：45%", "季度计划三季度：75%", "季度计划四季度：100%"]


def test_money_formulas_periods_totals_and_shares(doc, built):
    first, second = doc.项目
    assert (first.财政拨款, first.上级资金, first.自筹, first.年度资金总额) == ("51.35", "10.00", "0.13", "61.48")  # 四舍五入 to 2 places
    assert first.年度资金总额.number == Decimal("61.475")  # computed exactly, rounded only when shown
    assert (first.占比, second.占比) == ("75.5%", "24.5%")  # a share of a sum over the list
    assert (first.中期资金.资金总额, second.中期资金.资金总额) == ("68.50", "")  # a second period, its own total
    assert (first.中期末年, second.中期末年) == ("2026", "2024")  # 年度 + 项目期 − 1
    assert (doc.资金总额, doc.项目个数) == ("81.48", "2")  # sum(项目.年度资金总额), count(项目)
    assert (doc.收入.当年.小计, doc.收入.上年.小计) == ("128.50", "117.25")
    assert "资金总额：81.48（2个项目）" in paragraphs(built["x.docx"])


def test_item_fields_of_each_type(built):
    head = table_text(Document(built["x.docx"]).tables[0])
    fields = dict(row for row in head)
    assert fields["项目属性"] == "常年项目" and fields["项目期"] == "3年" and fields["中期目标"] == "中期目标（2024年—2026年）"
    assert fields["开工日期"] == "2024.02.01" and fields["实施期"] == "2024.01-2026.12"
    assert fields["资金"] == "51.35 + 10.00 + 0.13 = 61.48（占 75.5%）"
    assert fields["支出计划"] == "10% / 40% / 70% / 100%" and fields["是否核心"] == "是"
    assert fields["受益人数"] == "1200人" and fields["单价"] == "35.5元" and fields["负责人"] == "张三（（略））"
    assert fields["年度目标"] == "开展农产品质量安全监测。／提升“三品一标”认证数量。"
    assert fields["绩效目标"] == "1.检测批次达到 2 批次/千人2.认证总数上升" and fields["情况说明"] == "[1]1.立项依据[0]省级文件。"


def test_indicator_fields_value_split_and_every_level2(built):
    rows = table_text(Document(built["x.docx"]).tables[1])
    assert rows[0][:6] == ["一级", "二级", "三级", "计算符号", "目标值", "度量单位"]
    assert rows[1] == ["产出指标", "数量指标", "鉴定校准实验室仪器", "大于等于", "57", "个", "定量", "30", "正向", "计划标准", "★", "2024年6月30日", "完成得满分，未完成按比例扣分", "≥171个"]
    assert rows[2][12:] == ["完成得满分，未完成按比例扣分", "≥100组"]  # 评分标准 merged down; 中期指标值 defaults to 指标值
    assert rows[6][2:6] == ["农产品质量安全水平", "定性", "稳步提升", ""]  # a qualitative value in the split
    level2s = [row[1] for row in rows[1:]]
    assert level2s == ["数量指标", "数量指标", "质量指标", "时效指标", "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标", "服务对象满意度指标", "经济成本指标", "社会成本指标", "生态环境成本指标"]
    assert rows[4][2:] == [""] * 12  # an empty row for a 二级 the spec gives none
    assert "共6项指标" in paragraphs(built["x.docx"])  # empty rows are not indicators


def test_generated_rows_go_into_the_spec_level_tree(doc):
    names = [(row.二级.text, row.名称) for row in doc.绩效指标]
    assert ("时效指标", "农产品质检体系建设按期完成率") in names and ("时效指标", "三品一标认证补助按期完成率") in names


def test_declared_tables_in_the_appendices(built):
    summary = table_text(Document(built["x-附表1.docx"]).tables[0])
    assert summary[0][14:] == ["一季度支出", "二季度支出", "三季度支出", "四季度支出", "产出指标", "成本指标", "效益指标", "满意度指标", "单位"]
    assert summary[1][:1] == ["合计（2个）"] and summary[1][7:9] == ["81.48", "10.00"]  # the 合计 row on top, as declared
    assert summary[2][:12] == ["1", "1.", "34150024T000000012345", "农产品质检体系建设", "常年项目", "2024.01-2026.12", "2024.02.01", "61.48", "10.00", "75.5%", "68.50", "张三（（略））"]
    assert summary[2][14:] == ["10%", "40%", "70%", "100%", "3", "1", "1", "1", "王五"]
    flat = table_text(Document(built["x-附表2.docx"]).tables[0])
    assert flat[0] == ["项目编码", "项目名称", "一级指标", "二级指标", "三级指标", "计算符号", "目标值", "度量单位", "指标值类型", "权重", "指标方向", "核心", "评分标准", "中期指标值"]
    assert flat[1][:10] == ["34150024T000000012345", "农产品质检体系建设", "产出指标", "数量指标", "鉴定校准实验室仪器", "大于等于", "57", "个", "定量", "30"]


def test_workbook_sheets_carry_numbers(built):
    book = openpyxl.load_workbook(built["x.xlsx"])
    assert book.sheetnames == ["附表1", "附表2", "部门整体指标"]
    summary = book["附表1"]
    assert summary["H4"].value == "=SUM(H5:H6)" and summary["H5"].value == 61.475 and summary["H5"].number_format == "#,##0.00"
    assert summary["J5"].value == 75.5 and summary["J5"].number_format == '0.0"%"'
    flat = book["附表2"]
    assert flat["G4"].value == 57 and flat["J4"].value == 30  # 目标值 and 权重 as numbers


def test_main_template_can_use_a_declared_table(built):
    summary = table_text(Document(built["x.docx"]).tables[-1])
    assert summary == [["项目名称", "年度资金总额", "占比"], ["农产品质检体系建设", "61.48", "75.5%"], ["三品一标认证补助", "20.00", "24.5%"], ["合计（2个）", "81.48", ""]]


def test_split_writes_each_item_alone(built):
    assert "1.农产品质检体系建设" in paragraphs(built["x-项目1.docx"]) and "2.三品一标认证补助" not in paragraphs(built["x-项目1.docx"])
    assert "2.三品一标认证补助" in paragraphs(built["x-项目2.docx"])


def test_merges_in_the_flat_table_follow_the_items_and_groups(built):
    table = Document(built["x-附表2.docx"]).tables[0]

    def merge(tr, col):
        vm = tr.tc_lst[col].find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        return None if vm is None else vm.get(qn("w:val"), "continue")

    body = table._tbl.tr_lst[1:]
    assert [merge(tr, 1) for tr in body][:13] == ["restart"] + ["continue"] * 11 + ["restart"]  # 项目名称 per project
    assert merge(body[0], 0) is None  # 项目编码 is not merged


# ---------------------------------------------------------------------------------------------
# Mistakes in a spec of this layout, each at its place


SPEC_TEXT = SPEC.read_text(encoding="utf-8")


def spec_with(tmp_path: Path, old: str, new: str) -> list:
    assert SPEC_TEXT.count(old) == 1, old
    (tmp_path / "layout").symlink_to(LAYOUT, target_is_directory=True)
    return spec_findings(tmp_path, SPEC_TEXT.replace("版式: .", "版式: ./layout").replace(old, new))


def codes(found) -> list[tuple[str, str, int, int]]:
    return [(f.code, f.severity.value, f.position.line, f.position.column) for f in found]


def test_the_example_is_clean(tmp_path):
    assert codes(spec_with(tmp_path, "版式: .", "版式: .")) == [("C102", "警告", 95, 7)]  # 三品一标 has no 效益指标


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("填报日期: 2024-03-15", "填报日期: 3月15日", (5, 7), "不是日期"),
        ("实施期: 2024年1月至2024年12月", "实施期: 2025年1月至2024年12月", (6, 6), "开始日期晚于结束日期"),
        ("单位性质: 行政", "单位性质: 行证单位", (7, 7), "是不是想写「行政单位」"),
        ("是否公开: 是", "是否公开: 也许", (8, 7), "是 或 否"),
        ("人员编制: 35人", "人员编制: 三十五人", (9, 7), "整数"),
        ("预算执行率权重: 10", "预算执行率权重: 120", (10, 10), "不能大于 100"),
        ("执行率目标: 95%", "执行率目标: 九成", (11, 8), "不是百分数"),
        ("    项目期: 3\n", "    项目期: 3.5\n", (39, 10), "整数"),
        ("    上级资金: 10\n", "    上级资金: 10万\n", (43, 11), "不是金额"),
        ("    支出计划: {一季度: 10%,", "    支出计划: {一月: 10%,", (46, 12), "不认识的键「一月」"),
        ("            指标值类型: 定量\n            权重: 30", "            指标值类型: 定值\n            权重: 30", (62, 20), "可选：定量、定性"),
        ("            核心: 是", "            核心: 重要", (66, 17), "是 或 否"),
        ("            绩效标准: 计划标准", "            绩效标准: 计划", (65, 19), "是不是想写「计划标准」"),
        ("    负责人: {姓名: 张三", "    负责人: {名字: 张三", (50, 11), "是不是想写「姓名」"),
    ],
)
def test_bad_values_of_declared_fields(tmp_path, old, new, where, words):
    found = [f for f in spec_with(tmp_path, old, new) if f.severity is Severity.ERROR]
    assert len(found) == 1 and (found[0].position.line, found[0].position.column) == where, found
    assert words in found[0].message, found[0].message


def test_missing_required_field_of_the_layout(tmp_path):
    found = spec_with(tmp_path, "填报日期: 2024-03-15\n", "")
    assert [(f.code, f.position.line) for f in found if f.code == "S005"] == [("S005", 2)]  # at the mapping that should hold it
    assert "填报日期" in next(f for f in found if f.code == "S005").message


@pytest.mark.parametrize(
    ("old", "new", "code", "level", "where"),
    [
        ("            指标值类型: 定量\n            权重: 30", "            指标值类型: 定量\n            权重: 40", "W001", "错误", (59, 7)),
        ("          - 监督抽检批次: ≥100组\n            指标值类型: 定量", "          - 监督抽检批次: 较多\n            指标值类型: 定量", "I005", "错误", (71, 20)),
        ("            指标方向: 正向\n            绩效标准", "            指标方向: 反向\n            绩效标准", "I007", "错误", (64, 19)),
        ("  指导农产品质量安全监管。\n", "  指导农产品质量安全监管，负责农业综合执法、农村经营管理、乡村振兴规划、农田建设、农业技术推广和农村社会事业发展等工作。\n", "T002", "警告", (12, 7)),
        ("编码: 34150024T000000012345", "编码: 3415-0024", "C001", "警告", (37, 9)),
        ("          - 生产主体满意度: ≥90%", "          - 生产主体满意度(%): ≥90%", "I006", "警告", (85, 25)),
        ("          - 例行监测合格率: ≥98%\n            指标值类型: 定量", "          - 例行监测合格率: ≥98%\n            指标值类型: 定性", "I003", "警告", (75, 20)),
    ],
)
def test_rules_that_consult_declared_roles(tmp_path, old, new, code, level, where):
    found = [f for f in spec_with(tmp_path, old, new) if f.code == code]
    assert codes(found) == [(code, level, *where)]


def test_stated_total_must_equal_its_formula(tmp_path):
    (found,) = [f for f in spec_with(tmp_path, "    自筹: 0.125\n", "    自筹: 0.125\n    年度资金总额: 61.5\n") if f.code == "M001"]
    assert (found.position.line, found.position.column) == (45, 13) and "财政拨款 51.35 + 上级资金 10 + 自筹 0.125 = 61.475" in found.message


def test_a_layout_may_set_a_rule_level(tmp_path):
    no_satisfaction = "      满意度指标:\n        服务对象满意度指标:\n          - 生产主体满意度: ≥90%\n            权重: 10\n"
    found = spec_with(tmp_path, no_satisfaction, "")
    assert "C103" not in {f.code for f in found}  # layout.yaml: rules: {C103: 关闭}


def as_an_editor_reads_it(data):
    """YAML as yaml-language-server reads it: a date such as 2024-03-15 is a string."""
    import datetime

    if isinstance(data, dict):
        return {k: as_an_editor_reads_it(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_an_editor_reads_it(v) for v in data]
    return data.isoformat() if isinstance(data, datetime.date) else data


def test_the_layouts_schema_knows_its_declared_keys():
    import jsonschema
    from ruamel.yaml import YAML

    from perfgen.model.layout import load_layout
    from perfgen.model.spec import json_schema

    schema = json_schema(load_layout(LAYOUT))
    validator = jsonschema.Draft202012Validator(schema)
    data = as_an_editor_reads_it(YAML(typ="safe", pure=True).load(SPEC_TEXT))
    assert not list(validator.iter_errors(data))
    assert schema["properties"]["部门职责"]["description"] == "部门职能职责概述（60 字以内）"
    assert schema["properties"]["单位性质"]["enum"] == ["行政单位", "事业单位", "行政"]
    data["项目"][0]["项目期限"] = 3  # a misspelt item key
    data["联系人"]["手机"] = "1"  # a key a nested block does not declare
    errors = {tuple(e.absolute_path) for e in validator.iter_errors(data)}
    assert {("项目", 0), ("联系人",)} <= errors


def test_an_items_amount_repeated_on_its_rows_is_totalled_once(tmp_path):
    """A project's amount on each of its indicator rows, not merged: the 合计 (DOCX and workbook)
    counts it once per project, and the workbook writes it as a number, not a SUM over the rows."""
    import shutil

    layout = tmp_path / "form"
    shutil.copytree(LAYOUT, layout)
    text = (layout / "layout.yaml").read_text(encoding="utf-8")
    text = text.replace("    title: 绩效指标导入表\n    rows: 项目.绩效指标\n", "    title: 绩效指标导入表\n    rows: 项目.绩效指标\n    total: 合计\n")
    text = text.replace("      项目编码: {value: 项目.编码, width: 24}\n", "      项目编码: {value: 项目.编码, width: 24}\n      项目资金: {value: 项目.年度资金总额, width: 12}\n", 1)
    (layout / "layout.yaml").write_text(text, encoding="utf-8")
    outputs = build(Job(layout / "spec.yaml", Path("x")), tmp_path / "out", Options(draft=True)).outputs
    from perfgen.derive.tables import build_table

    computed = document_of(layout / "spec.yaml")[1]
    total = build_table(computed, computed.layout.tables["指标表"]).total  # (the appendix template, made for the table without it, shows no 合计)
    assert [cell.text for cell in total[:2]] == ["合计", "81.48"]  # 61.475 + 20, not once per row
    sheet = openpyxl.load_workbook(next(p for p in outputs if p.suffix == ".xlsx"))["附表2"]
    total = sheet.cell(sheet.max_row, 2).value
    assert total == pytest.approx(81.475) and not str(total).startswith("=")
