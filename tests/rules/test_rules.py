"""One failing spec per domain rule (code, level, position), rule levels, and `check` output."""

import json
import re
import subprocess
import sys

import pytest
from conftest import TESTS, spec_findings

from perfgen.errors import Severity
from perfgen.model.levels import rules

BASE = """\
版式: 河北-2020
年度: 2021
部门: 测试县自然资源局
审核单位: 河北省财政厅
总体绩效目标: 目标
项目:
  - 名称: 甲项目
    财政拨款: 10
    绩效指标:
      产出指标:
        数量指标:
          - 完成率: ≥90%
      效益指标:
        社会效益指标:
          - 影响: 提升
      满意度指标:
        服务对象满意度指标:
          - 满意度: ≥90%
"""


def codes(tmp_path, text):
    return [(f.code, f.severity, f.position.line, f.position.column) for f in spec_findings(tmp_path, text)]


def test_base_spec_is_clean(tmp_path):
    assert codes(tmp_path, BASE) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("≥90%\n      效益", "≥292%\n      效益"), ("I002", Severity.WARNING, 12, 18)),
        (("完成率: ≥90%", "完成率: {符号: 文字描述, 单位: '%'}"), ("I003", Severity.WARNING, 12, 18)),
        (("完成率: ≥90%", "完成率: {符号: '>=', 单位: 个}"), ("I004", Severity.ERROR, 12, 18)),
        (("完成率: ≥90%", "完成率: ≥9O%"), ("I008", Severity.WARNING, 12, 18)),  # a letter O typed for a 0
        (("      产出指标:\n        数量指标:\n          - 完成率: ≥90%\n", ""), ("C101", Severity.WARNING, 10, 7)),
        (("      效益指标:\n        社会效益指标:\n          - 影响: 提升\n", ""), ("C102", Severity.WARNING, 10, 7)),
        (("      满意度指标:\n        服务对象满意度指标:\n          - 满意度: ≥90%\n", ""), ("C103", Severity.WARNING, 10, 7)),
        (("    财政拨款: 10\n", "    财政拨款: 10.1234567\n"), ("M002", Severity.WARNING, 8, 11)),
    ],
)
def test_rule(tmp_path, change, expected):
    assert change[0] in BASE
    assert codes(tmp_path, BASE.replace(change[0], change[1])) == [expected]


def test_cost_indicators_are_expected_from_2021(tmp_path):
    text = BASE.replace("年度: 2021\n", "年度: 2021\n指标体系: \"2021\"\n")
    assert codes(tmp_path, text) == [("C104", Severity.WARNING, 11, 7)]  # one line down: 指标体系
    with_cost = text + "      成本指标:\n        经济成本指标:\n          - 成本控制: ≤10万元\n"
    assert codes(tmp_path, with_cost) == []


def test_duplicate_project_names_and_codes(tmp_path):
    second = BASE[BASE.index("  - 名称"):].replace("项目:\n", "")
    found = codes(tmp_path, BASE + second)
    assert ("D001", Severity.ERROR, 19, 9) in found
    spec_2022 = (
        "版式: 河北-2022\n年度: 2022\n部门: 甲\n单位编码: '1'\n总体绩效目标: x\n规则级别: {C101: 关闭, C102: 关闭, C103: 关闭}\n项目:\n"
        "  - {名称: 甲, 编码: 13062522P00459810061C, 绩效指标: {}}\n  - {名称: 乙, 编码: 13062522P00459810061C, 绩效指标: {}}\n"
    )
    assert [c[:3] for c in codes(tmp_path, spec_2022)] == [("D002", Severity.ERROR, 9)]


def test_task_total_must_equal_its_parts(tmp_path):
    text = (
        "版式: 河南-部门整体\n年度: 2020\n部门: 甲\n年度主要任务:\n  - {简称: 甲, 主要内容: 做事, 财政资金: 1, 其他资金: 0.5, 合计: 2}\n"
        "年度总体目标: [目标]\n绩效指标:\n  履职效能:\n    重点工作履行: {解释: x}\n"
    )
    assert [c[:3] for c in codes(tmp_path, text)] == [("M001", Severity.ERROR, 5)]


def test_levels_from_spec_config_file_and_profile(tmp_path):
    no_satisfaction = BASE.replace("      满意度指标:\n        服务对象满意度指标:\n          - 满意度: ≥90%\n", "")
    assert codes(tmp_path, no_satisfaction + "规则级别: {C103: 关闭}\n") == []
    assert codes(tmp_path, no_satisfaction + "规则级别: {C103: 错误}\n") == [("C103", Severity.ERROR, 10, 7)]
    (tmp_path / ".perfgen.yaml").write_text("规则级别:\n  C103: 错误\n", encoding="utf-8")
    assert codes(tmp_path, no_satisfaction) == [("C103", Severity.ERROR, 10, 7)]
    assert codes(tmp_path, no_satisfaction + "规则级别: {C103: 警告}\n") == [("C103", Severity.WARNING, 10, 7)]  # the spec wins


def test_unknown_rule_or_level_is_an_error_at_its_key(tmp_path):
    found = codes(tmp_path, BASE + "规则级别: {C999: 关闭, C103: 严重}\n")
    assert ("S006", Severity.ERROR, 19, 8) in found and ("S006", Severity.ERROR, 19, 24) in found


def run_check(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "perfgen", "check", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_check_output_json_and_strict(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(BASE.replace("≥90%\n      效益", "≥292%\n      效益"), encoding="utf-8")
    text = run_check(spec)
    assert text.returncode == 0 and re.search(r"s\.yaml:12:18: 警告 I002 ", text.stderr) and "0 个错误，1 个警告。" in text.stdout
    assert run_check(spec, "--strict").returncode == 1
    data = json.loads(run_check(spec, "--format", "json").stdout)
    assert data["warnings"] == 1 and data["findings"][0] | {"message": ""} == {
        "path": str(spec), "line": 12, "column": 18, "severity": "warning", "code": "I002", "message": "",
    }  # fmt: skip


def test_every_configurable_rule_has_a_test():
    tests = "".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py"))
    untested = [code for code in rules() if f'"{code}"' not in tests]
    assert untested == []
