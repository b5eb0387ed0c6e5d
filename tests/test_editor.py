"""The JSON Schema as an editor shows it: measured with the real yaml-language-server (npm).

Every shipped spec and every layout's example, against its own layout's schema (what `perfgen new`
writes and the modeline points to), gets no diagnostic. Each realistic mistake below is one that
`perfgen check` reports (asserted first, so the list holds only real mistakes); the share of them
the editor underlines as they are typed is the detection rate, printed and held to a floor.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SPECS, TEMPLATES
from yaml_ls import YamlLanguageServer, available

from perfgen.build import check
from perfgen.errors import PerfgenError
from perfgen.model.layout import builtin_layouts
from perfgen.load.load import load_source
from perfgen.scaffold import default_answers, example_spec
from perfgen.model.spec import json_schema, layout_of

pytestmark = pytest.mark.skipif(not available(), reason="yaml-language-server is not installed (scripts/install-editor-tools.sh)")

LIUAN, XUSHUI, CHENGDE = "2024/liuan-nongye.yaml", "2022/xushui-ziranziyuan.yaml", "2020/chengde-gaoxin-guotu.yaml"
ZHENGZHOU, JINGYAN, HUANGSHI = "2020/zhengzhou-ziranziyuan.yaml", "2023/jingyan-mata.yaml", "2019/huangshi-shenyi.yaml"

# (spec, text as written, the mistake, what a budget officer did)
MISTAKES = [
    (LIUAN, "版式: 全国-项目支出", "版式: 全国-项目支", "版式 name cut short"),
    (LIUAN, "版式: 全国-项目支出", "版式: 全国项目支出", "版式 name without its hyphen"),
    (LIUAN, "年度: 2024", "年度: 二〇二四", "年度 in Chinese numerals"),
    (LIUAN, "年度: 2024", "年度: 24", "年度 of two digits"),
    (LIUAN, "部门: 六安市农业农村局\n", "", "部门 left out"),
    (LIUAN, "部门: 六安市农业农村局", "部门名称: 六安市农业农村局", "部门 under the form's label"),
    (LIUAN, "  C102: 关闭", "  C102: 关掉", "a rule level that is not one"),
    (LIUAN, "项目属性: 常年项目", "项目属性: 常年性项目", "项目属性 not among the choices"),
    (LIUAN, "项目期: 3 ", "项目期: 三年 ", "项目期 in words"),
    (LIUAN, "    财政拨款: 51.35", "    财政拨款: 51.35万元", "an amount with its unit"),
    (LIUAN, "    财政拨款: 51.35", "    财政拨款: -51.35", "a negative amount"),
    (LIUAN, "    年度目标:", "    年度木标:", "a misspelt project key"),
    (LIUAN, "中期资金: {财政拨款: 68.50", "中期资金: {财政拨付: 68.50", "a misspelt 中期资金 key"),
    (LIUAN, "  - 名称: 发展建设类", "  - 项目名称: 发展建设类", "名称 under the form's label"),
    (LIUAN, "      产出指标:", "      产出指木:", "a misspelt 一级指标"),
    (LIUAN, "        数量指标:", "        数量指木:", "a misspelt 二级指标"),
    (LIUAN, "        数量指标:", "        满意度指标:", "a 二级指标 under the wrong 一级"),
    (LIUAN, "      产出指标:", "      履职效能:", "a 一级指标 of another 指标体系"),
    (LIUAN, "          - 鉴定校准实验室仪器: ≥57个", "          - 鉴定校准实验室仪器: ≥57个\n            中期指票值: ≥100个", "a misspelt indicator option"),
    (LIUAN, "          - 鉴定校准实验室仪器: ≥57个", "          - 鉴定校准实验室仪器: ≥57个\n            权重: 10", "an indicator option of another layout"),
    (LIUAN, "          - 鉴定校准实验室仪器: ≥57个", "          鉴定校准实验室仪器: ≥57个", "an indicator without its dash"),
    (LIUAN, "          - 鉴定校准实验室仪器: ≥57个", "          - {名称: 鉴定校准实验室仪器, 指票值: ≥57个}", "a misspelt 指标值 key"),
    (XUSHUI, "版式: 河北-2022", "版式: 河北2022", "版式 without its hyphen"),
    (XUSHUI, "单位编码: \"324001\"", "单位代码: \"324001\"", "单位编码 under another name"),
    (XUSHUI, "支出计划: {12月底: 100%}", "支出计划: {12月末: 100%}", "a 支出计划 month misspelt"),
    (XUSHUI, "            描述: 实际完成工作数量占计划工作数量的比率", "            说明: 实际完成工作数量占计划工作数量的比率", "an indicator option under another name"),
    (XUSHUI, "            依据: 工作要求", "            依椐: 工作要求", "a misspelt indicator option (依据)"),
    (XUSHUI, "    其他资金: 1.75 ", "    其他资金: 1.75元 ", "an amount with a unit"),
    (XUSHUI, "  C103: 关闭", "  C103: 关", "a rule level cut short"),
    (XUSHUI, "    编码: 13062522P00459810061C", "    项目编码: 13062522P00459810061C", "编码 under the form's label"),
    (CHENGDE, "审核单位: 河北省财政厅", "审核部门: 河北省财政厅", "审核单位 under another name"),
    (CHENGDE, "    负责人: 许海东 2379895", "    项目负责人: 许海东 2379895", "负责人 under the form's label"),
    (CHENGDE, "  I006: 关闭", "  I006: 禁用", "a rule level that is not one"),
    (CHENGDE, "    财政拨款: 48 ", "    财政拨款: 四十八 ", "an amount in words"),
    (ZHENGZHOU, "指标体系: 河南部门整体", "指标体系: 河南省部门整体", "an unknown 指标体系"),
    (JINGYAN, "            权重: 20", "            权重: 二十", "a weight in words"),
    (JINGYAN, "            权重: 20", "            权重: 120", "a weight over 100"),
    (JINGYAN, "    预算数: 3309840.00", "    预算数: 3,309,840.00元", "预算数 with its unit"),
    (JINGYAN, "      效益指标:", "      效益指木:", "a misspelt 一级指标"),
    (HUANGSHI, "监控截止月: 6", "监控截止月: 13", "a month that is not one"),
    (HUANGSHI, "            完成可能性: 确定能", "            完成可能性: 也许", "完成可能性 not among the choices"),
    (HUANGSHI, "截至执行数: {财政拨款: 87.57}", "截至执行数: {财政拨款: 八十七}", "an amount in words"),
]


@pytest.fixture(scope="module")
def server():
    with YamlLanguageServer() as ls:
        yield ls


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, Path]:
    """Each built-in layout's own schema, as `perfgen new` writes it."""
    directory = tmp_path_factory.mktemp("schemas")
    written = {}
    for layout in builtin_layouts():
        path = directory / f"{layout.directory.name}.schema.json"
        path.write_text(json.dumps(json_schema(layout), ensure_ascii=False, indent=2), encoding="utf-8")
        written[layout.directory.name] = path
    return written


def _layout_dir(spec: Path) -> str:
    return layout_of(load_source(spec)).directory.name


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*/*.yaml")), ids=lambda p: p.name)
def test_no_false_alarm_on_a_shipped_spec(server, schemas, spec):
    assert server.diagnostics(spec.read_text(encoding="utf-8"), schemas[_layout_dir(spec)]) == []


@pytest.mark.parametrize("layout", sorted(TEMPLATES.glob("*/example.yaml")), ids=lambda p: p.parent.name)
def test_no_false_alarm_on_a_layouts_example(server, schemas, layout):
    text = example_spec(layout.parent, default_answers(layout.parent))
    assert server.diagnostics(text, schemas[layout.parent.name]) == []


def _findings(path: Path) -> set[tuple[str, str]]:
    try:
        found = check(path).warnings
    except PerfgenError as exc:
        found = exc.findings
    return {(f.code, f.message) for f in found}


def test_detection_rate_of_realistic_mistakes(server, schemas, tmp_path, capsys):
    caught, missed, not_mistakes = [], [], []
    for n, (name, written, mistake, what) in enumerate(MISTAKES):
        original = (SPECS / name).read_text(encoding="utf-8")
        assert original.count(written) >= 1, f"{name}: {written!r} not found"
        text = original.replace(written, mistake, 1)
        path = tmp_path / f"{n}" / Path(name).name
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        if _findings(path) <= _findings(SPECS / name):  # nothing new: not a mistake perfgen knows
            not_mistakes.append(what)
            continue
        diagnostics = server.diagnostics(text, schemas[_layout_dir(SPECS / name)])
        syntax = any(d.get("source") == "YAML" for d in diagnostics)  # a YAML syntax error, said by the parser (in English)
        (caught if diagnostics else missed).append((what, [] if syntax else [d["message"] for d in diagnostics]))
    assert not not_mistakes, f"perfgen check does not report: {not_mistakes}"
    rate = len(caught) / len(MISTAKES)
    with capsys.disabled():
        print(f"\nyaml-language-server: {len(caught)} of {len(MISTAKES)} realistic mistakes underlined ({rate:.0%}); missed: {'; '.join(w for w, _ in missed) or 'none'}")
    for what, messages in caught:  # in Chinese: perfgen's errorMessage or the server's zh-cn text, but for
        # "Missing property", which yaml-language-server 1.19 does not translate nor let a schema say
        assert all(re.search("[\u4e00-\u9fff]", m) or m.startswith("Missing property") for m in messages), (what, messages)
    assert rate >= 0.95, missed


def test_completion_offers_the_layouts_own_names(server, schemas):
    """After 版式: the layout's name; under 绩效指标 the 一级 names of its 指标体系 only (the 2015 one
    for 河北-2022: not 履职效能 of 河南's, nor 成本指标 of 2021's)."""
    text = (SPECS / XUSHUI).read_text(encoding="utf-8").rstrip("\n")
    lines = text.split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("版式:"))
    lines[at] = "版式: "
    assert server.completions("\n".join(lines) + "\n", schemas["hebei-2022"], at, 4) == ["河北-2022"]
    new_project = text + "\n  - 名称: 新项目\n    绩效指标:\n      \n"
    offered = server.completions(new_project, schemas["hebei-2022"], new_project.count("\n") - 1, 6)
    assert sorted(offered) == sorted(["产出指标", "效益指标", "满意度指标", "效果指标"])  # 效果指标: an alias of 效益指标


def test_new_writes_the_layouts_own_schema(server, tmp_path):
    from perfgen.scaffold import create

    created = create(tmp_path / "repo", no_input=True, answers={"layout": "全国-项目支出", "year": "2026"})
    spec = (tmp_path / "repo" / created.spec).read_text(encoding="utf-8")
    schema = tmp_path / "repo" / "schema" / "perfgen.schema.json"
    assert json.loads(schema.read_text(encoding="utf-8"))["properties"]["版式"]["anyOf"][0]["enum"] == ["全国-项目支出"]
    assert server.diagnostics(spec, schema) == []
    assert server.diagnostics(spec.replace("版式: 全国-项目支出", "版式: 河北-2022", 1), schema)  # another form's spec is underlined
