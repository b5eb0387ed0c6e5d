"""Layouts are data: built-in ones are listed, a spec may bring its own, mistakes in one are placed
(tests/test_every_field.py builds a layout that uses every extension point, with no code of its own)."""

import shutil
from pathlib import Path

import pytest
from conftest import ROOTS, SPECS
from docx import Document

from perfgen.build import Job, build
from perfgen.errors import LayoutError
from perfgen.model.layout import builtin_layouts, templates_root


def test_builtin_layouts_are_listed_with_descriptions():
    layouts = {layout.name: layout for layout in builtin_layouts()}
    assert {"河北-2020", "河北-2022"} <= set(layouts)
    assert all(layout.description for layout in layouts.values())


def test_a_spec_can_name_its_own_layout_directory(tmp_path):
    own = tmp_path / "layouts" / "my-form"
    shutil.copytree(templates_root() / "hebei-2020", own)
    description = own / "layout.yaml"
    description.write_text(
        description.read_text(encoding="utf-8").replace("name: 河北-2020", "name: 我的版式").replace('numbering: "{cn}、", description: 第三部分', 'numbering: "第{n}项 ", description: 第三部分'),
        encoding="utf-8",
    )
    spec = tmp_path / "specs" / "x.yaml"
    spec.parent.mkdir()
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: ../layouts/my-form"), encoding="utf-8")
    out = build(Job(spec, Path("x")), tmp_path / "out").outputs[0]
    assert "第1项 耕地保护项目" in [p.text for p in Document(out).paragraphs]


@pytest.mark.parametrize("written", ["my-form", "./my-form"])
def test_a_layout_directory_beside_the_spec_is_found_with_or_without_dot_slash(tmp_path, written):
    shutil.copytree(templates_root() / "hebei-2020", tmp_path / "my-form")
    spec = tmp_path / "x.yaml"
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", f"版式: {written}"), encoding="utf-8")
    assert build(Job(spec, Path("x")), tmp_path / "out").outputs[0].is_file()


def test_an_unknown_layout_name_says_where_it_was_looked_for(tmp_path):
    spec = tmp_path / "x.yaml"
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: my-form"), encoding="utf-8")
    with pytest.raises(LayoutError) as caught:
        build(Job(spec, Path("x")), tmp_path / "out")
    message = str(caught.value)
    assert "my-form" in message and "规格文件所在目录" in message and "./my-form" in message and "x.yaml:" in message


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("spec:\n  负责人: {type: txt}\n", ["txt", "是不是想写「text」", "layout.yaml:4"]),
        ("spec:\n  标题: {type: text, default: '{名称.x}'}\n", ["{名称.x}", "layout.yaml:4"]),
        ("money: {places: 9}\nframework: 1999\n", ["places", "layout.yaml:3", "1999", "layout.yaml:4"]),
        ("spec:\n  合计: {type: money, formula: 财政拨款 + }\n", ["公式", "不完整", "layout.yaml:4"]),
        ("spec:\n  合计: {type: money, formula: 财政拨款 + 其他资金}\n", ["财政拨款", "不是这里能用的字段", "layout.yaml:4"]),
        ("tables:\n  汇总:\n    rows: 项目\n    columns: {名称: {value: 名字}}\n", ["名字", "layout.yaml:6"]),
        ("spec:\n  人数: count\n  合计: {type: money, formula: sum(人数)}\n", ["sum()", "列表.字段", "layout.yaml:5"]),
        ("spec:\n  计划: {type: checkpoints, points: [一季度]}\n  合计: {type: money, formula: 计划 + 1}\n", ["不是数字", "checkpoints", "layout.yaml:5"]),
        ("spec:\n  金额: {type: money, default: '{部门}'}\n", ["default", "formula", "layout.yaml:4"]),
        ("spec:\n  标题: {type: text, default: '{部门:.2f}'}\n", ["不能再写", "layout.yaml:4"]),
        ("spec:\n  日期: {type: date, format: '{y}.{q}'}\n", ["日期格式", "{q}", "layout.yaml:4"]),
        ("spec:\n  分值: {type: text, role: weight}\n", ["role: weight", "number", "layout.yaml:4"]),
        ("spec:\n  编码: {type: text, required: no}\n", ["required", "true 或 false", "layout.yaml:4"]),
        ("spec:\n  编码: {type: text, pattern: '^(a+)+$'}\n", ["嵌套的重复", "(a+)+", "layout.yaml:4"]),
        ("spec:\n  目标: {type: list, of: text, numbering: '项'}\n", ["编号格式", "没有 {n}", "layout.yaml:4"]),
        ("spec:\n  项目: {type: list, item: {名称: text}}\ntables:\n  表:\n    rows: 项目\n    columns: {数: {each: 一级, value: 名称}}\n", ["each", "不能再写 value"]),
        ("spec:\n  项目: {type: list, item: {名称: text}}\ntables:\n  表:\n    rows: 项目\n    columns: {名称: 名称}\nworkbook: [表, 表]\n", ["已列过一次", "layout.yaml:9"]),
        ("spec:\n  项目: {type: list, item: {名称: text}}\ntables:\n  表:\n    rows: 项目\n    columns: {名称: {value: 名称, total: 否}}\n", ["total", "true 或 false", "layout.yaml:8"]),
    ],
    ids=[
        "unknown type", "template of a missing field", "out of range and unknown", "broken formula", "formula of a missing field", "unknown column",
        "sum of a non-list", "formula over checkpoints", "default on an amount", "format spec in a template", "bad date format",
        "weight on text", "yes written as text", "exponential pattern", "numbering without a number", "each with a value", "a sheet twice",
        "total not a yes or no",
    ],  # fmt: skip
)
def test_broken_layout_description_is_a_layout_error(tmp_path, description, expected):
    own = tmp_path / "bad-form"
    shutil.copytree(templates_root() / "hebei-2020", own)
    (own / "layout.yaml").write_text("name: x\ndescription: y\n" + description, encoding="utf-8")
    spec = tmp_path / "x.yaml"
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: ./bad-form"), encoding="utf-8")
    with pytest.raises(LayoutError) as exc:
        build(Job(spec, Path("x")), tmp_path / "out")
    assert all(part in str(exc.value) for part in expected), str(exc.value)


EXTENDING = "name: x\ndescription: y\nextends: 全国-项目支出\n"
SCORED = "evaluation:\n  profile: 财预〔2020〕10号\n  items: 项目\n  actual: 实际完成值\n  budget: 年度资金总额\n  executed: 年度资金总额\nindicators:\n  fields:\n    实际完成值: text\n"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        (EXTENDING, ["output", "layout.yaml:3:10"]),
        (EXTENDING.replace("全国-项目支出", "不存在的版式") + "output: 自评\n", ["不存在的版式", "L001", "layout.yaml:3:10"]),
        (EXTENDING.replace("全国-项目支出", "../bad-form") + "output: 自评\n", ["循环", "layout.yaml:3:10"]),
        (EXTENDING + "output: 自评\n" + SCORED.replace("财预〔2020〕10号", "十号文"), ["十号文", "财预〔2020〕10号、一体化", "layout.yaml:6:12"]),
        (EXTENDING + "output: 自评\n" + SCORED.replace("indicators:", "  scoring: {execution: 10, 权重: 2}\nindicators:"), ["「权重」", "layout.yaml:11:28"]),
        (EXTENDING + "output: 自评\n" + SCORED.replace("  actual: 实际完成值\n", ""), ["需要 actual", "layout.yaml:6"]),
        (EXTENDING + "output: 自评\n" + SCORED + "blocks:\n  项目:\n    fields:\n      总分: {type: number, score: 总计}\n", ["总计", "layout.yaml:17:33"]),
        (EXTENDING + "output: 自评\nblocks:\n  项目:\n    fields:\n      总分: {type: number, score: 总分}\n", ["profile", "layout.yaml:8:33"]),
    ],
    ids=["no output", "unknown base", "extends itself", "unknown profile", "unknown profile key", "input missing", "unknown score", "score without profile"],
)
def test_broken_extension_is_a_layout_error(tmp_path, description, expected):
    """Mistakes in a layout that extends another are placed in its own layout.yaml."""
    own = tmp_path / "bad-form"
    own.mkdir()
    shutil.copy(templates_root() / "national-selfeval" / "template.docx", own)
    (own / "layout.yaml").write_text(description + "template: template.docx\n", encoding="utf-8")
    spec = tmp_path / "x.yaml"
    spec.write_text("版式: ./bad-form\n年度: 2022\n部门: 甲\n项目: []\n", encoding="utf-8")
    with pytest.raises(LayoutError) as exc:
        build(Job(spec, Path("x")), tmp_path / "out")
    assert all(part in str(exc.value) for part in expected), str(exc.value)


def test_an_extending_layout_inherits_and_reports_in_the_file_that_says_it(tmp_path):
    """The base's fields and tables come along; a field the extension redeclares badly is placed in the
    extension, one it does not touch keeps its place in the base."""
    own = tmp_path / "my-eval"
    shutil.copytree(templates_root() / "national-selfeval", own)
    description = own / "layout.yaml"
    text = description.read_text(encoding="utf-8")
    description.write_text(text.replace("      执行说明: {type: text,", "      执行说明: {type: txt,"), encoding="utf-8")
    spec = tmp_path / "x.yaml"
    spec.write_text((SPECS / "2022" / "chizhou-tangxi.yaml").read_text(encoding="utf-8").replace("版式: 全国-项目自评", "版式: ./my-eval"), encoding="utf-8")
    with pytest.raises(LayoutError) as exc:
        build(Job(spec, Path("x")), tmp_path / "out")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "执行说明: {type: text," in row)
    assert f"my-eval/layout.yaml:{line}:" in str(exc.value) and "txt" in str(exc.value)
    description.write_text(text, encoding="utf-8")
    built = build(Job(spec, Path("x")), tmp_path / "out")
    assert sorted(p.name for p in built.outputs if p.suffix == ".docx") == ["x-自评-附表1.docx", "x-自评.docx", "x-附表1.docx", "x-附表2.docx", "x.docx"]
