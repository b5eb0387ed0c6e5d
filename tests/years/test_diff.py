"""`perfgen diff`: what changed between two specs, in Chinese, with signed deltas and rates."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SPECS

from perfgen.years.diff import amount_change, diff_files, text_summary
from perfgen.years.rollover import rollover

CHENGDE = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"
XUSHUI = SPECS / "2022" / "xushui-ziranziyuan.yaml"
HENAN = SPECS / "2020" / "zhengzhou-ziranziyuan.yaml"


def edited(tmp_path: Path, spec: Path, *replacements: tuple[str, str]) -> Path:
    """A copy of `spec` with each (old, new) replaced exactly once."""
    text = spec.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / f"edited-{spec.name}"
    path.write_text(text, encoding="utf-8")
    return path


def perfgen(*args):
    return subprocess.run([sys.executable, "-m", "perfgen", *map(str, args)], check=False, capture_output=True, text=True)


def test_one_amount_changed(tmp_path):
    new = edited(tmp_path, CHENGDE, ("财政拨款: 48.36", "财政拨款: 58.36"))
    result = diff_files(CHENGDE, new)
    amount = result.changes[0]
    assert (amount.section, amount.subject, amount.field, amount.kind) == ("项目", "第三次全国国土调查", "财政拨款", "amount")
    assert (amount.old, amount.new, amount.delta, amount.rate) == ("48.36", "58.36", "+10.00", "+20.7%")
    assert amount.message == "财政拨款：48.36 → 58.36（+10.00，+20.7%）"
    assert [c.field for c in result.changes] == ["财政拨款", "项目资金合计"]
    text = result.text()
    assert "  「第三次全国国土调查」\n    财政拨款：48.36 → 58.36（+10.00，+20.7%）\n" in text
    assert "项目资金合计：300.36 → 310.36（+10.00，+3.3%）" in text


def test_cli_text_and_json(tmp_path):
    new = edited(tmp_path, CHENGDE, ("财政拨款: 48.36", "财政拨款: 40"))
    result = perfgen("diff", CHENGDE, new)
    assert result.returncode == 0, result.stderr
    assert "财政拨款：48.36 → 40（-8.36，-17.3%）" in result.stdout
    as_json = perfgen("diff", CHENGDE, new, "--format", "json")
    assert as_json.returncode == 0
    data = json.loads(as_json.stdout)
    assert data["old"] == {"path": str(CHENGDE), "year": 2020}
    change = data["changes"][0]
    assert (change["subject"], change["old"], change["new"], change["delta"], change["rate"]) == (
        "第三次全国国土调查",
        "48.36",
        "40",
        "-8.36",
        "-17.3%",
    )


def test_identical_specs(tmp_path):
    result = perfgen("diff", CHENGDE, CHENGDE)
    assert result.returncode == 0 and "没有内容上的差异" in result.stdout


def test_bad_input_and_usage(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("版式: 河北-2020\n年度: 2020\n部门: [\n", encoding="utf-8")
    result = perfgen("diff", CHENGDE, bad)
    assert result.returncode == 1 and f"{bad}:" in result.stderr and "Traceback" not in result.stderr
    alone = perfgen("diff", CHENGDE)  # one spec without --actuals: said in Chinese
    assert alone.returncode == 2 and "用法" in alone.stderr
    assert perfgen("diff", CHENGDE, CHENGDE, "--format", "xml").returncode == 2


def test_projects_added_removed_renamed(tmp_path):
    text = XUSHUI.read_text(encoding="utf-8")
    first = text.index("  - 名称: 2022年利息收入")
    second = text.index("  - 名称: 矿山环境治理工作经费")
    new = tmp_path / "new.yaml"
    added = (
        "  - 名称: 新项目\n    编码: 13062522P000000000001\n    财政资金: 9\n    绩效指标: {产出指标: {数量指标: [{次数: 1}]}}\n"
    )
    new.write_text(
        text[:first]
        + text[second:]
        .replace("名称: 矿山环境治理工作经费", "名称: 矿山生态修复经费", 1)  # same 编码: renamed
        .replace("名称: 苗圃场人员养老保险和医疗保险项目", "名称: 苗圃场人员养老保险和医疗保险", 1)  # close name
        + added,
        encoding="utf-8",
    )
    result = diff_files(XUSHUI, new)
    messages = [c.message for c in result.changes if c.section == "项目"]
    assert "− 删去「2022年利息收入」（资金 1.75）" in messages
    assert "+ 新增「新项目」（资金 9）" in messages
    assert "~ 「矿山环境治理工作经费」更名为「矿山生态修复经费」（编码相同）" in messages
    assert "~ 「苗圃场人员养老保险和医疗保险项目」更名为「苗圃场人员养老保险和医疗保险」（编码相同）" in messages
    assert "项目资金合计：566.35 → 573.60（+7.25，+1.3%）" in messages
    assert len(messages) == 5  # nothing else differs


def test_rename_matched_by_close_name_without_code(tmp_path):
    new = edited(tmp_path, CHENGDE, ("名称: 2017土地转用征收组卷费用", "名称: 2017年土地转用征收组卷费用"))
    (change,) = diff_files(CHENGDE, new).changes
    assert (
        change.kind == "renamed"
        and change.message == "~ 「2017土地转用征收组卷费用」更名为「2017年土地转用征收组卷费用」（名称相近）"
    )


def test_indicators_added_removed_changed_moved(tmp_path):
    new = edited(
        tmp_path,
        CHENGDE,
        ("          - 土地转用征收组卷个数(个): ≥12个\n", "          - 土地转用征收组卷个数(个): ≥15个\n"),
        (
            "          - 服务对象满意度: =90%\n            描述: 群众满意数量占总数的比例。\n            依据: 此次调查争取得到大部分服务对象的满意。\n",
            (
                "          - 服务对象满意度: =95%\n            描述: 群众满意数量占总数的比例。\n            依据: 此次调查争取得到大部分服务对象的满意。\n"
                "          - 群众投诉次数: ≤2次\n"
            ),
        ),
        (
            "        时效指标:\n          - 完成情况: =100完成本年任务",
            "        数量指标:\n          - 完成情况: =100完成本年任务",
        ),
        (
            "            描述: 此次全国国土调查是否符合规定程序，是否按照有关规定进行。\n",
            "            描述: 是否符合规定程序。\n",
        ),
    )
    result = diff_files(CHENGDE, new)
    by_subject = {}
    for change in result.changes:
        by_subject.setdefault(change.subject, []).append(change.message)
    assert by_subject["土地转用征收组卷费用 (2017-2020)"] == [
        "指标「产出指标/数量指标/土地转用征收组卷个数(个)」指标值：「≥12个」→「≥15个」"
    ]
    assert by_subject["第三次全国国土调查"] == [
        "指标「完成情况」移到「产出指标/数量指标」（原在「产出指标/时效指标」）",
        "新增指标「满意度指标/服务对象满意度指标/群众投诉次数」：≤2次",
        "指标「产出指标/质量指标/合规性」描述：「此次全国国土调查是否符合规定程序，是否按照有关规定进行。」→「是否符合规定程序。」",
        "指标「满意度指标/服务对象满意度指标/服务对象满意度」指标值：「=90%」→「=95%」",
    ]


def test_long_texts_are_summarised(tmp_path):
    new = edited(tmp_path, CHENGDE, ("以深入贯彻落实十九大精神为发力点", "以深入贯彻落实二十大精神为发力点"))
    (change,) = diff_files(CHENGDE, new).changes
    assert change.section == "总体绩效目标" and change.kind == "text"
    assert change.message == "总体绩效目标：文字有改动（删 1 字，增 1 字；如「十九」→「二十」）"
    assert text_summary("保障运转。", "保障机关运转。") == "文字有改动（增 2 字；如加上「机关」）"


def test_tasks_goals_and_department_indicators(tmp_path):
    new = edited(
        tmp_path,
        HENAN,
        ("    财政资金: 1500\n", "    财政资金: 1650\n"),
        ("  - 完成《规划郑州》期刊编制工作\n", ""),
        ("      - 企业满意度: 95%\n", "      - 企业满意度: 98%\n"),
    )
    messages = [(c.section, c.subject, c.message) for c in diff_files(HENAN, new).changes]
    assert ("年度主要任务", "印花税", "财政资金：1500 → 1650（+150，+10.0%）") in messages
    assert ("年度主要任务", "", "年度主要任务资金合计：22012.25 → 22162.25（+150.00，+0.7%）") in messages
    assert ("年度总体目标", "", "年度总体目标：删去第 16 条「完成《规划郑州》期刊编制工作」") in messages
    assert ("绩效指标", "部门整体", "指标「服务满意/利益相关方满意/企业满意度」指标值：「95%」→「98%」") in messages


def test_rollover_then_diff_names_the_year(tmp_path):
    spec = tmp_path / "specs" / "2020" / "x.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(CHENGDE.read_text(encoding="utf-8"), encoding="utf-8")
    rolled = rollover(spec, 2021)
    result = diff_files(spec, rolled.target)
    assert [c.message for c in result.changes] == ["年度：2020 → 2021", "上年规格：新填「../2020/x.yaml」"]
    assert result.text().startswith(f"比较 {spec}（2020 年度）→ {rolled.target}（2021 年度）：共 2 处变化\n【基本信息】\n")


@pytest.mark.parametrize(
    ("old", "new", "delta", "rate"),
    [
        ("48.36", "58.36", "+10.00", "+20.7%"),
        ("100", "50", "-50", "-50.0%"),
        ("0", "5", "+5", None),
        ("1.5", "1.5", "0.0", "0.0%"),
    ],
)
def test_amount_change(old, new, delta, rate):
    assert amount_change(Decimal(old), Decimal(new)) == (delta, rate)


def test_spending_plan_in_points(tmp_path):
    new = edited(tmp_path, XUSHUI, ("{3月底: 24%, 6月底: 50%,", "{3月底: 30%, 6月底: 50%,"))
    (change,) = diff_files(XUSHUI, new).changes
    assert change.message == "支出计划3月底：24% → 30%（+6 个百分点）"


# -- targets against actuals (perfgen diff --actuals) -----------------------------------------

CHIZHOU = SPECS / "2022" / "chizhou-tangxi.yaml"
HUANGSHI = SPECS / "2019" / "huangshi-shenyi.yaml"


def test_actuals_line_up_targets_budget_and_scores(tmp_path):
    from perfgen.years.actuals import actuals_file

    report = actuals_file(CHIZHOU)
    first = [line for line in report.lines if line.subject == "项目「委托业务项目」"]
    assert (first[0].target, first[0].actual, first[0].note) == ("年初 90.00，全年预算 89.97", "执行 89.97", "执行率 100.00%，得分 10.00 / 10")
    assert ("指标「产出指标/数量指标/基建工程委托业务项目数量」", "≥50个", "50", "得分 8.00 / 8", False) in [(x.what, x.target, x.actual, x.note, x.short) for x in first]
    assert (first[-1].what, first[-1].actual, first[-1].note) == ("总分", "100.00", "等级 优")
    # 40 of ≥50个: 40 / 50 × 8 = 6.40, marked as falling short; the total follows
    short = edited(tmp_path, CHIZHOU, ("            实际完成值: 50\n", "            实际完成值: 40\n            偏差原因分析及改进措施: 有10个项目顺延\n"))
    lines = {x.what: x for x in actuals_file(short).lines if x.subject == "项目「委托业务项目」"}
    row = lines["指标「产出指标/数量指标/基建工程委托业务项目数量」"]
    assert (row.actual, row.note, row.short) == ("40", "得分 6.40 / 8", True)
    assert (lines["总分"].actual, lines["总分"].note) == ("98.40", "等级 优")
    text = actuals_file(short).text()
    assert "1 处未达到或未填" in text and "  ✗ 指标「产出指标/数量指标/基建工程委托业务项目数量」：≥50个 → 40（得分 6.40 / 8）" in text


def test_actuals_of_a_monitoring_spec_and_the_command(tmp_path):
    done = perfgen("diff", "--actuals", HUANGSHI)
    assert done.returncode == 0, done.stderr
    assert "资金：年初 220.00 → 执行 87.57（执行率 39.80%）" in done.stdout
    assert "✗ 年度目标：推进黄石矿冶工业遗产申报世界文化遗产工作。 → （未填）" in done.stdout  # 目标执行情况 not written
    assert "指标「产出指标/成本指标/年度预算」：220万元 → 按进度执行,已使用约40%（完成可能性：确定能）" in done.stdout
    data = json.loads(perfgen("diff", "--actuals", "--format", "json", HUANGSHI).stdout)
    assert data["layout"] == "全国-项目监控" and data["lines"][0]["note"] == "执行率 39.80%"
    target_only = perfgen("diff", "--actuals", CHENGDE)
    assert target_only.returncode == 1 and "O003" in target_only.stderr + target_only.stdout and "目标申报表" in target_only.stderr + target_only.stdout
    usage = perfgen("diff", CHENGDE)
    assert usage.returncode == 2 and "perfgen diff --actuals" in usage.stderr
