"""Rule levels: each domain rule's default severity, per 指标体系 profile, overridable.

A finding's level comes from, in order of precedence: the spec's own `规则级别:`, the nearest
`.perfgen.yaml` (its `规则级别:`) in the spec's directory or above, the profile of the spec's
指标体系, and the rule's default. Levels are 错误, 警告 or 关闭 (off). Only the domain rules of
`checks.py` have levels; a file that cannot be read or a key that does not exist is always an error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .errors import Finding, Position, Severity
from .load import Source, load_source

CONFIG_FILE = ".perfgen.yaml"
LEVEL_KEY = "规则级别"
OFF = "关闭"
WORDS = {"错误": Severity.ERROR, "警告": Severity.WARNING, OFF: None, "error": Severity.ERROR, "warning": Severity.WARNING, "off": None}

E, W = Severity.ERROR, Severity.WARNING
RULES: dict[str, tuple[Severity, str]] = {
    "L004": (E, "规格里有版式不显示的内容"),
    "S005": (E, "缺少版式需要的内容"),
    "F001": (E, "指标体系不存在"),
    "F002": (E, "一级指标不属于指标体系"),
    "F003": (E, "二级指标不属于其一级指标"),
    "I001": (E, "二级指标下没有指标"),
    "I002": (W, "比率超过 100%"),
    "I003": (W, "定性指标值带有百分号单位"),
    "I004": (E, "定量指标值缺少数值"),
    "G001": (E, "目标没有简称"),
    "P001": (E, "资金支出计划超出 0–100%"),
    "P002": (E, "资金支出计划不是累计数"),
    "P003": (E, "资金支出计划 12月底 不是 100%"),
    "C001": (W, "项目编码不符合规则"),
    "C101": (W, "项目没有产出指标"),
    "C102": (W, "项目没有效益指标"),
    "C103": (W, "项目没有满意度指标"),
    "C104": (W, "项目没有成本指标"),
    "D001": (E, "项目名称重复"),
    "D002": (E, "项目编码重复"),
    "M001": (E, "写明的合计与各部分之和不等"),
    "M002": (W, "金额小数位超过 6 位"),
    "V007": (W, "上年规格不是上一年度的"),
    "V008": (W, "财务数据与上年相同"),
}
PROFILES: dict[str, dict[str, Severity | None]] = {
    "2015": {"C104": None},  # 成本指标 is a 二级 of 产出指标 before 2021
    "2021": {},
    "河南部门整体": {"C101": None, "C102": None, "C103": None, "C104": None},  # no project indicators
}


@dataclass(frozen=True)
class Overrides:
    """Levels set in a spec or config file, with where each was set (for error messages)."""

    levels: dict[str, Severity | None]
    positions: dict[str, Position]


def read_overrides(data: object, where: Source) -> tuple[Overrides, list[Finding]]:
    """The `规则级别:` mapping of a spec or config file; unknown codes or levels are findings."""
    levels, positions, problems = {}, {}, []
    block = data.get(LEVEL_KEY) if isinstance(data, dict) else None
    if not isinstance(block, dict):
        if block is not None:
            problems.append(Finding(where.position((LEVEL_KEY,)), "S006", "「规则级别」应该是「代码: 级别」的映射，例如「C103: 关闭」。"))
        return Overrides({}, {}), problems
    for code, word in block.items():
        position = where.position((LEVEL_KEY, code), key=True)
        if code not in RULES:
            problems.append(Finding(position, "S006", f"没有代码为「{code}」的可调级别规则：可调的有 {'、'.join(RULES)}（见 docs/rules.md）。"))
        elif str(word) not in WORDS:
            problems.append(Finding(where.position((LEVEL_KEY, code)), "S006", f"「{word}」不是规则级别：请写 错误、警告 或 关闭。"))
        else:
            levels[code], positions[code] = WORDS[str(word)], position
    return Overrides(levels, positions), problems


def config_overrides(spec_path: Path) -> tuple[Overrides, list[Finding]]:
    """The nearest `.perfgen.yaml` at or above the spec's directory (none: no overrides)."""
    for directory in [spec_path.resolve().parent, *spec_path.resolve().parent.parents]:
        config = directory / CONFIG_FILE
        if config.is_file():
            source = load_source(config)
            return read_overrides(source.data, source)
    return Overrides({}, {}), []


def apply_levels(findings: list[Finding], framework: str, *layers: Overrides) -> list[Finding]:
    """Give each configurable finding its level; drop those switched off."""
    result = []
    for finding in findings:
        if finding.code not in RULES:
            result.append(finding)
            continue
        level: Severity | None = RULES[finding.code][0]
        level = PROFILES.get(framework, {}).get(finding.code, level)
        for layer in layers:  # lowest precedence first
            level = layer.levels.get(finding.code, level)
        if level is not None:
            result.append(replace(finding, severity=level))
    return result
