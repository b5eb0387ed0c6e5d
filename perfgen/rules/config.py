"""A project's settings: the nearest `.perfgen.yaml` at or above a spec's directory.

A finance bureau or a department keeps one beside its specs (in git with them) to say, for all of
them, what differs from perfgen's defaults:

    规则级别:            # rule levels (docs/rules.md), below a spec's own 规则级别
      C103: 关闭
    年度范围: 1990-2099   # the budget years a spec may have; others are taken for a typo (S004)

Anything else in the file is an error at its place, so a misspelt setting is not silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Finding, Position
from ..model.levels import LEVEL_KEY, Overrides, read_overrides
from ..load.load import Source, load_source

CONFIG_FILE = ".perfgen.yaml"
YEARS_KEY = "年度范围"
YEARS = (1990, 2099)  # a budget year outside these is a typo (2201 for 2021, 0000) unless a project says otherwise
YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*(?:-|–|—|~|～|至|到)\s*(\d{4})\s*$")
KEYS = (LEVEL_KEY, YEARS_KEY)


@dataclass(frozen=True)
class Config:
    levels: Overrides = field(default_factory=lambda: Overrides({}, {}))
    years: tuple[int, int] = YEARS
    years_at: Position | None = None  # where the range was set (None: perfgen's default)


def read_config(spec_path: Path) -> tuple[Config, list[Finding]]:
    """The settings of the nearest `.perfgen.yaml` at or above the spec's directory (none: the
    defaults), and the problems found in that file."""
    for directory in [spec_path.resolve().parent, *spec_path.resolve().parent.parents]:
        if (directory / CONFIG_FILE).is_file():
            return _read(load_source(directory / CONFIG_FILE))
    return Config(), []


def _read(source: Source) -> tuple[Config, list[Finding]]:
    levels, problems = read_overrides(source.data, source)
    data = source.data if isinstance(source.data, dict) else {}
    for key in data:
        if key not in KEYS:
            problems.append(Finding(source.position((key,), key=True), "S006", f"「{key}」不是 {CONFIG_FILE} 的设置：可写的有 {'、'.join(KEYS)}（见 docs/rules.md）。"))
    years, years_at = YEARS, None
    if YEARS_KEY in data:
        years_at = source.position((YEARS_KEY,))
        match = YEAR_RANGE.match(str(data[YEARS_KEY]))
        if match is None or int(match[1]) > int(match[2]):
            problems.append(Finding(years_at, "S006", f"「{YEARS_KEY}」应写成「最早年度-最晚年度」，例如「{YEARS_KEY}: 1990-2099」。"))
        else:
            years = (int(match[1]), int(match[2]))
    return Config(levels, years, years_at), problems


def year_problems(year: int, config: Config, source: Source) -> list[Finding]:
    """The spec's 年度 outside the project's range: most often a typo."""
    low, high = config.years
    if low <= year <= high:
        return []
    where = f"（{CONFIG_FILE} 第 {config.years_at.line} 行）" if config.years_at else ""
    return [Finding(
        source.position(("年度",)), "S004",
        f"年份 {year} 不在 {low}–{high} 之间{where}，请检查是否打错（例如把 2021 写成了 2201）；"
        f"确是这一年度时，在 {CONFIG_FILE} 中写「{YEARS_KEY}: {min(low, year)}-{max(high, year)}」。",
    )]  # fmt: skip
