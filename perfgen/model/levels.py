"""Rule levels: each domain rule's default severity (`rules.yaml`), overridable.

A finding's level comes from, in order of precedence: the spec's own `规则级别:`, the nearest
`.perfgen.yaml` (its `规则级别:`) in the spec's directory or above, the layout's `rules:`, the
`rules:` of the spec's 指标体系 (frameworks.yaml), and the rule's default. Levels are 错误, 警告 or 关闭 (off). Only the domain rules of
`checks.py` have levels; a file that cannot be read or a key that does not exist is always an error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from ..errors import Finding, Position, Severity
from ..load.load import Source

LEVEL_KEY = "规则级别"
OFF = "关闭"
WORDS = {"错误": Severity.ERROR, "警告": Severity.WARNING, OFF: None, "error": Severity.ERROR, "warning": Severity.WARNING, "off": None}

RULES_FILE = Path(__file__).with_name("rules.yaml")


@cache
def rules() -> dict[str, tuple[Severity | None, str]]:
    """Every rule whose level can be changed: code → (default level, what it says)."""
    from ruamel.yaml import YAML

    raw = YAML(typ="safe", pure=False).load(RULES_FILE.read_text(encoding="utf-8"))
    return {str(code): (WORDS[body["level"]], body["summary"]) for code, body in raw.items()}


@dataclass(frozen=True)
class Overrides:
    """Levels set in a spec or config file, with where each was set (for error messages)."""

    levels: dict[str, Severity | None]
    positions: dict[str, Position]


def read_overrides(data: object, where: Source) -> tuple[Overrides, list[Finding]]:
    """The `规则级别:` mapping of a spec or config file; unknown codes or levels are findings."""
    levels, positions, problems = {}, {}, []
    known = rules()
    block = data.get(LEVEL_KEY) if isinstance(data, dict) else None
    if not isinstance(block, dict):
        if block is not None:
            problems.append(Finding(where.position((LEVEL_KEY,)), "S006", "「规则级别」应该是「代码: 级别」的映射，例如「C103: 关闭」。"))
        return Overrides({}, {}), problems
    for code, word in block.items():
        position = where.position((LEVEL_KEY, code), key=True)
        if code not in known:
            problems.append(Finding(position, "S006", f"没有代码为「{code}」的可调级别规则：可调的有 {'、'.join(known)}（见 docs/rules.md）。"))
        elif str(word) not in WORDS:
            problems.append(Finding(where.position((LEVEL_KEY, code)), "S006", f"「{word}」不是规则级别：请写 错误、警告 或 关闭。"))
        else:
            levels[code], positions[code] = WORDS[str(word)], position
    return Overrides(levels, positions), problems


def profile(levels: dict[str, str]) -> Overrides:
    """The levels a 指标体系 or a layout gives rules (already checked when those were read)."""
    return Overrides({code: WORDS[level] for code, level in levels.items()}, {})


def apply_levels(findings: list[Finding], *layers: Overrides) -> list[Finding]:
    """Give each configurable finding its level; drop those switched off. `layers` go from the
    lowest precedence (the 指标体系's profile) to the highest (the spec's own 规则级别)."""
    result = []
    known = rules()
    for finding in findings:
        if finding.code not in known:
            result.append(finding)
            continue
        level: Severity | None = known[finding.code][0]
        for layer in layers:  # lowest precedence first
            level = layer.levels.get(finding.code, level)
        if level is not None:
            result.append(replace(finding, severity=level))
    return result
