"""Monitoring and self-evaluation end to end: the checks before submission (each with its
position), and the example specs' 执行率, 得分, 总分 and 等级 recomputed here from the spec's own
figures, independently of perfgen/scoring.py, then found in the built documents."""

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import pytest
from conftest import ROOT, spec_findings
from ruamel.yaml import YAML

from perfgen.build import Job, Options, build, check
from perfgen.errors import Severity


SELFEVAL = """\
版式: 全国-项目自评
年度: 2022
部门: 测试镇人民政府
项目:
  - 名称: 甲项目
    主管部门: 测试镇人民政府
    实施单位: 测试镇人民政府
    项目期: 1
    财政拨款: 100
    年度目标: 完成十个村的道路养护。
    全年执行数: {当年财政拨款: 95}
    实际完成情况: 完成了十个村的道路养护，验收合格。
    绩效指标:
      产出指标:
        数量指标:
          - 名称: 养护村数
            指标值: ≥10个
            实际完成值: 10个
            分值: 50
      效益指标:
        社会效益指标:
          - 名称: 出行条件
            指标值: 明显改善
            实际完成值: 达成
            分值: 30
      满意度指标:
        服务对象满意度指标:
          - 名称: 群众满意度
            指标值: ≥90%
            实际完成值: 92%
            分值: 10
"""

MONITORING = """\
版式: 全国-项目监控
年度: 2022
部门: 测试镇人民政府
监控截止月: 7
项目:
  - 名称: 甲项目
    主管部门: 测试镇人民政府
    实施单位: 测试镇人民政府
    项目期: 1
    财政拨款: 100
    年度目标: 完成十个村的道路养护。
    截至执行数: {财政拨款: 40}
    绩效指标:
      产出指标:
        数量指标:
          - 名称: 养护村数
            指标值: ≥10个
            执行情况: 已完成4个村
            完成可能性: 确定能
      效益指标:
        社会效益指标:
          - 名称: 出行条件
            指标值: 明显改善
            执行情况: 部分改善
            完成可能性: 确定能
      满意度指标:
        服务对象满意度指标:
          - 名称: 群众满意度
            指标值: ≥90%
            执行情况: 尚未调查
            完成可能性: 确定能
"""


def codes(tmp_path, text):
    return [(f.code, f.severity, f.position.line, f.position.column) for f in spec_findings(tmp_path, text)]


def test_base_specs_are_clean(tmp_path):
    assert codes(tmp_path, SELFEVAL) == []
    assert codes(tmp_path, MONITORING) == []


ACHIEVED = "    实际完成情况: 完成了十个村的道路养护，验收合格。\n"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a computed score written differently: at the written 总分 (a written 执行率 that agrees is fine)
        ((ACHIEVED, ACHIEVED + "    执行率: 95\n    总分: 90\n"), [("A011", Severity.ERROR, 14, 9)]),
        # 执行率 80 % < 90 % without 执行说明: at the project
        (("{当年财政拨款: 95}", "{当年财政拨款: 80}"), [("A012", Severity.ERROR, 5, 5)]),
        # the same with its reason: nothing
        (("{当年财政拨款: 95}", "{当年财政拨款: 80}\n    执行说明: 两个村的工程顺延到次年"), []),
        # 全年预算数 ≠ 年初 without 调整说明: at 全年预算数
        (("    全年执行数:", "    全年预算数: {当年财政拨款: 95}\n    全年执行数:"), [("A013", Severity.WARNING, 11, 12)]),
        (("    全年执行数:", "    全年预算数: {当年财政拨款: 95}\n    调整说明: 年中调减5万元\n    全年执行数:"), []),
        # 实际完成情况 copied from the 年度目标 (punctuation aside)
        ((ACHIEVED, "    实际完成情况: 完成十个村的道路养护\n"), [("A015", Severity.ERROR, 12, 13)]),
        # a form's instruction or placeholder left in an answer or a 指标值
        ((ACHIEVED, "    实际完成情况: （100字以内）\n"), [("A016", Severity.WARNING, 12, 13)]),
        (("指标值: 明显改善", "指标值: ≥**"), [("A016", Severity.WARNING, 23, 18)]),
        (("          - 名称: 出行条件", "          - 名称: 指标2"), [("A016", Severity.WARNING, 22, 13)]),
        # no execution: no 执行率
        (("    全年执行数: {当年财政拨款: 95}\n", ""), [("A008", Severity.ERROR, 5, 5)]),
        # actuals
        (("            实际完成值: 92%\n", ""), [("A001", Severity.ERROR, 28, 13)]),
        (("实际完成值: 达成", "实际完成值: 较好"), [("A002", Severity.ERROR, 24, 20)]),
        (("实际完成值: 达成", "实际完成值: 部分达成\n            自评得分: 28"), [("A003", Severity.ERROR, 25, 19)]),
        (("实际完成值: 10个", "实际完成值: 很多"), [("A004", Severity.ERROR, 18, 20)]),
        (("实际完成值: 10个", "实际完成值: 14个"), [("A007", Severity.WARNING, 16, 13)]),
        (("实际完成值: 10个", "实际完成值: 14个\n            偏差原因分析及改进措施: 新增4个村的上级补助"), []),
        # weights: 效益 adds up to 20 of its 30, and the indicators to 80 of 90
        (("分值: 30", "分值: 20"), [("A009", Severity.ERROR, 14, 7), ("A009", Severity.ERROR, 14, 7)]),
        # 产出 written 60 of its 50: nothing left for a second 产出 row without 分值
        (
            ("            分值: 50\n", "            分值: 60\n        质量指标:\n          - 名称: 合格率\n            指标值: 100%\n            实际完成值: 100%\n"),
            [("A006", Severity.ERROR, 21, 13), ("A009", Severity.ERROR, 14, 7), ("A009", Severity.ERROR, 14, 7)],
        ),
        # 正向 written with ≤ is I007 in any layout; a 定性 band's words
        (("实际完成值: 达成", "实际完成值: 基本完成\n            自评得分: 20"), []),
    ],
)
def test_self_evaluation_checks(tmp_path, change, expected):
    assert change[0] in SELFEVAL
    assert sorted(codes(tmp_path, SELFEVAL.replace(change[0], change[1]))) == sorted(expected)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # 有可能 without 原因说明 and 改进措施: at the 完成可能性 written
        (("执行情况: 尚未调查\n            完成可能性: 确定能", "执行情况: 尚未调查\n            完成可能性: 有可能"), [("A014", Severity.ERROR, 31, 20)]),
        (("完成可能性: 确定能\n      效益", "完成可能性: 完全不可能\n            原因说明: 材料涨价\n      效益"), [("A014", Severity.ERROR, 19, 20)]),
        # the reason on the row and the measures on the project: nothing
        (
            ("完成可能性: 确定能\n      效益", "完成可能性: 可能\n            原因说明: 雨季停工\n      效益"),
            [("A014", Severity.ERROR, 19, 20)],
        ),
        (("监控截止月: 7", "监控截止月: 13"), [("S004", Severity.ERROR, 4, 8)]),
    ],
)
def test_monitoring_checks(tmp_path, change, expected):
    assert change[0] in MONITORING
    found = codes(tmp_path, MONITORING.replace(change[0], change[1]))
    assert found == expected


def test_measures_on_the_project_answer_every_row(tmp_path):
    text = MONITORING.replace("完成可能性: 确定能\n      效益", "完成可能性: 有可能\n            原因说明: 雨季停工\n      效益")
    assert codes(tmp_path, text) == [("A014", Severity.ERROR, 19, 20)]
    assert codes(tmp_path, text.replace("    截至执行数:", "    改进措施: 雨季后加派施工队\n    截至执行数:")) == []


# -- the example specs, recomputed by hand ---------------------------------------------------

HUNDRED = Decimal(100)


def r2(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)


def number(text) -> Decimal:
    return Decimal(re.search(r"-?\d+(?:\.\d+)?", str(text)).group(0))


def hand_indicator(target: str, actual, weight: Decimal) -> Decimal:
    """The 财预〔2020〕10号 rules, written out for the examples' kinds of rows: a 定性 达成 gets its
    weight; ≥ / = in proportion up to the target; ≤ full up to the target."""
    if not re.search(r"\d", target):
        assert str(actual) in ("达成", "达成预期指标")
        return weight
    t, a = number(target), number(actual)
    if target.startswith("≤"):
        return weight if a <= t else max(Decimal(0), (1 - (a - t) / t) * weight)
    return weight if a >= t else a / t * weight


def hand_project(project) -> dict:
    budget = sum(Decimal(str(v)) for v in (project.get("全年预算数") or {"当年财政拨款": project["财政拨款"]}).values())
    executed = sum(Decimal(str(v)) for v in project["全年执行数"].values())
    rate = r2(executed / budget * HUNDRED)
    execution = r2(min(rate, HUNDRED) / HUNDRED * 10)
    scores = []
    for groups in project["绩效指标"].values():
        for rows in groups.values():
            for row in rows:
                scores.append(r2(hand_indicator(str(row["指标值"]), row["实际完成值"], Decimal(str(row["分值"])))))
    total = execution + sum(scores)
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    return {"rate": rate, "execution": execution, "scores": scores, "total": total, "grade": grade}


def table_texts(path: Path) -> list[list[str]]:
    rows = []
    for table in docx.Document(str(path)).tables:
        for row in table.rows:
            rows.append(list(dict.fromkeys(c.text for c in row.cells)))
    return rows


def test_chizhou_scores_equal_the_hand_computation(tmp_path):
    path = ROOT / "specs" / "2022" / "chizhou-tangxi.yaml"
    spec = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    hand = [hand_project(p) for p in spec["项目"]]
    # 89.974 / 89.974 and 132.912 / 132.912: both 100 %, 10 points; every row at its weight
    assert [(h["rate"], h["execution"], h["total"], h["grade"]) for h in hand] == [
        (Decimal("100.00"), Decimal("10.00"), Decimal("100.00"), "优"),
        (Decimal("100.00"), Decimal("10.00"), Decimal("100.00"), "优"),
    ]
    computed = check(path).computed
    for h, evaluated in zip(hand, computed.evaluated, strict=True):
        s = evaluated.score
        assert (s.rate, s.execution, s.total, s.grade) == (h["rate"], h["execution"], h["total"], h["grade"])
        assert [r.values["得分"] for r in evaluated.rows] == h["scores"]
    built = build(Job(path, Path("chizhou-tangxi")), tmp_path, Options(pdf=False))
    outputs = sorted(p.name for p in built.outputs)
    assert "chizhou-tangxi.docx" in outputs and "chizhou-tangxi-自评.docx" in outputs
    rows = table_texts(tmp_path / "chizhou-tangxi-自评.docx")
    assert ["项目资金（万元）", "年度资金总额", "90.00", "89.97", "10", "100.00%", "10.00"] in rows
    assert [r for r in rows if r[0] == "总分"] == [["总分", "100", "100.00", "自评等级：优"]] * 2
    target = table_texts(tmp_path / "chizhou-tangxi.docx")
    assert any("基建工程委托业务项目数量" in r for r in target)  # the target form of the same spec


def test_partial_band_and_caps_scored_as_by_hand(tmp_path):
    """A 部分达成 within its band keeps the officer's score; 执行率 80 % scores 8 points."""
    text = SELFEVAL.replace("{当年财政拨款: 95}", "{当年财政拨款: 80}\n    执行说明: 顺延").replace("实际完成值: 达成", "实际完成值: 部分达成\n            自评得分: 21.5")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    s = check(path).computed.evaluated[0].score
    # 8.00 + 50 + 21.5 + 10 = 89.50: 良
    assert (s.rate, s.execution, s.total, s.grade) == (Decimal("80.00"), Decimal("8.00"), Decimal("89.50"), "良")


def test_qingshen_builds_an_unfinished_form_without_a_total(tmp_path):
    path = ROOT / "specs" / "2023" / "qingshen-fagai.yaml"
    checked = check(path)
    s = checked.computed.evaluated[0].score
    # 预算执行 2518900.00 / 调整后 2518900.00 = 100 % → 10; no 完成值 yet: no total, no grade
    assert (s.rate, s.execution, s.total, s.grade) == (Decimal("100.00"), Decimal("10.00"), None, "")
    assert sorted({f.code for f in checked.warnings}) == ["A001", "A013", "A016", "C103"]
    build(Job(path, Path("qingshen-fagai")), tmp_path, Options(pdf=False))
    rows = table_texts(tmp_path / "qingshen-fagai-自评.docx")
    flat = [c for r in rows for c in r]
    assert "251.89" in flat and "238.93" in flat  # 元 shown in 万元
    assert "100.00%" in flat


def test_huangshi_monitoring_rate(tmp_path):
    path = ROOT / "specs" / "2019" / "huangshi-shenyi.yaml"
    build(Job(path, Path("huangshi-shenyi")), tmp_path, Options(pdf=False))
    rows = table_texts(tmp_path / "huangshi-shenyi-监控.docx")
    # 87.57 / 220 = 0.398045… → 39.80 %
    assert ["项目资金", "年度资金总额", "220.00", "87.57", "39.80%", ""] in rows
    assert (tmp_path / "huangshi-shenyi.docx").is_file()


def test_one_file_carries_the_year_targets_monitoring_and_self_evaluation(tmp_path):
    """A self-evaluation spec that kept the summer's monitoring figures builds all three forms; the
    monitoring checks still apply to them; without monitoring figures there is no 监控 document."""
    year = MONITORING.replace("版式: 全国-项目监控", "版式: 全国-项目自评").replace(
        "    截至执行数: {财政拨款: 40}\n", "    截至执行数: {财政拨款: 40}\n    全年执行数: {当年财政拨款: 100}\n    实际完成情况: 完成了十个村的道路养护，验收合格。\n"
    )
    for actual, name in (("10个", "养护村数"), ("达成", "出行条件"), ("93%", "群众满意度")):
        block = f"          - 名称: {name}\n"
        year = year.replace(block, block + f"            实际完成值: {actual}\n")
    path = tmp_path / "year.yaml"
    path.write_text(year, encoding="utf-8")
    checked = check(path)
    assert [stage.name for stage in checked.computed.stages] == ["全国-项目支出", "全国-项目监控", "全国-项目自评"]
    s = checked.computed.evaluated[0].score  # 100 / 100 → 10; 产出 50 + 效益 30 + 满意度 10 shared by the rows
    assert (s.rate, s.execution, s.total, s.grade) == (Decimal("100.00"), Decimal("10.00"), Decimal("100.00"), "优")
    built = build(Job(path, Path("year")), tmp_path / "out")
    assert sorted(p.name for p in built.outputs if p.suffix == ".docx") == ["year-监控.docx", "year-自评-附表1.docx", "year-自评.docx", "year-附表1.docx", "year-附表2.docx", "year.docx"]
    monitored = [c for r in table_texts(tmp_path / "out" / "year-监控.docx") for c in r]
    assert "40.00%" in monitored and "已完成4个村" in monitored
    unlikely = year.replace("执行情况: 尚未调查\n            完成可能性: 确定能", "执行情况: 尚未调查\n            完成可能性: 有可能")
    assert [(f[0], f[2]) for f in codes(tmp_path, unlikely)] == [("A014", 36)]
    assert check(ROOT / "specs" / "2022" / "chizhou-tangxi.yaml").computed.stages[1].name == "全国-项目自评"
