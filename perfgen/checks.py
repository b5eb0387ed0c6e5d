"""Domain rules over a parsed spec: each finding has a stable code, a severity and a position.

Rules are small functions `(spec, source, layout) -> findings`; `run_checks` runs them all so a
user sees every problem at once. Form-specific facts (which keys a template shows, the 项目编码
pattern) come from the layout's description, not from `if`s here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from decimal import Decimal

from .derive import COMPARATORS, VALUE_PATTERN, change_rate, project_total
from .errors import Finding, Severity
from .frameworks import frameworks
from .layout import Layout
from .load import PathKey, Source
from .spec import ChangeRate, GroupNote, Indicator, Project, Spec, ValueParts

PROJECT_LISTS = ("专项资金", "项目")
MONTHS = ("3月底", "6月底", "10月底", "12月底")
# Keys that feed derived values or the checks and are never shown themselves: every layout accepts them.
DERIVATION_INPUTS = ("上年规格", "财务数据", "规则级别", "指标体系")


def run_checks(spec: Spec, source: Source, layout: Layout) -> list[Finding]:
    findings: list[Finding] = []
    rules = (
        layout_keys, required_keys, indicator_frameworks, group_notes, goal_names, spending_plans, project_codes,
        stated_budgets, stated_task_totals, money_precision, duplicate_projects, coverage, indicator_values,
        previous_year, change_rates,
    )  # fmt: skip
    for rule in rules:
        findings.extend(rule(spec, source, layout))
    return findings


def _projects(spec: Spec) -> Iterator[tuple[PathKey, Project]]:
    for key, projects in zip(PROJECT_LISTS, (spec.special_funds, spec.projects), strict=True):
        for i, project in enumerate(projects):
            yield (key, i), project


def _error(source: Source, loc: PathKey, code: str, message: str, *, key: bool = False) -> Finding:
    return Finding(source.position(loc, key=key), code, message)


def _warning(source: Source, loc: PathKey, code: str, message: str) -> Finding:
    return Finding(source.position(loc), code, message, Severity.WARNING)


def layout_keys(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """A key the layout does not show would silently vanish from the document: refuse it."""
    shown = layout.description.fields

    def unused(data: dict, loc: PathKey, allowed: list[str]) -> Iterator[Finding]:
        for key, value in data.items():
            if key not in allowed and value not in (None, "", [], {}):
                yield _error(
                    source, loc + (key,), "L004",
                    f"版式「{layout.name}」的文档里没有「{key}」这一项，写了也不会出现：请删除它，或改用包含它的版式。",
                    key=True,
                )  # fmt: skip

    yield from unused(source.data, (), [*shown.spec, *DERIVATION_INPUTS])
    for loc, _ in _projects(spec):
        project = source.data[loc[0]][loc[1]]
        yield from unused(project, loc, shown.project)
        for level1, level2s in project.get("绩效指标", {}).items():
            for level2, items in level2s.items():
                for i, item in enumerate(items if isinstance(items, list) else []):
                    options = {k: v for k, v in list(item.items())[1:]} if "名称" not in item else item
                    yield from unused(options, loc + ("绩效指标", level1, level2, i), [*shown.indicator, "名称", "指标值"])


def required_keys(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    required = layout.description.required

    def missing(data: dict, loc: PathKey, keys: list[str]) -> Iterator[Finding]:
        for key in keys:
            if data.get(key) in (None, "", [], {}):
                yield _error(source, loc, "S005", f"版式「{layout.name}」需要「{key}」：请在这一段里加上「{key}: …」。")

    yield from missing(source.data, (), required.spec)
    for loc, _ in _projects(spec):
        yield from missing(source.data[loc[0]][loc[1]], loc, required.project)


def _indicator_trees(spec: Spec) -> Iterator[tuple[PathKey, dict]]:
    if spec.indicators:
        yield ("绩效指标",), spec.indicators
    for loc, project in _projects(spec):
        yield loc + ("绩效指标",), project.indicators


def indicator_frameworks(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """Each 一级 belongs to the spec's 指标体系 and each 二级 to its 一级 (aliases accepted)."""
    name = spec.framework or layout.description.framework
    framework = frameworks().get(name)
    if framework is None:
        known = "、".join(frameworks())
        yield _error(source, ("指标体系",), "F001", f"没有名为「{name}」的指标体系：可用的有 {known}。")
        return
    for loc, tree in _indicator_trees(spec):
        for level1, level2s in tree.items():
            if framework.canonical(level1) not in framework.levels:
                yield _error(
                    source, loc + (level1,), "F002",
                    f"「{level1}」不是指标体系「{name}」的一级指标{_closest(level1, framework.level1_names())}"
                    f"可用的一级指标有：{'、'.join(framework.level1_names())}。",
                    key=True,
                )  # fmt: skip
                continue
            allowed = framework.level2_names(level1)
            for level2 in level2s:
                if framework.canonical(level2) not in allowed:
                    yield _error(
                        source, loc + (level1, level2), "F003",
                        f"二级指标「{level2}」不属于一级指标「{level1}」（指标体系「{name}」）{_closest(level2, list(allowed))}"
                        f"「{level1}」下可用的二级指标有：{'、'.join(allowed)}。",
                        key=True,
                    )  # fmt: skip


def group_notes(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """A 二级 written as 解释/说明 only must be one whose rows the layout generates."""
    generated = {(rule.level1, rule.level2) for rule in layout.description.generated_rows}
    for loc, tree in _indicator_trees(spec):
        for level1, level2s in tree.items():
            for level2, group in level2s.items():
                if isinstance(group, GroupNote) and (loc != ("绩效指标",) or (level1, level2) not in generated):
                    yield _error(
                        source, loc + (level1, level2), "I001",
                        f"「{level2}」下没有写指标：请写成「- 指标名称: 指标值」的列表"
                        f"（只有版式自动生成指标行的二级指标才能只写解释和说明）。",
                        key=True,
                    )  # fmt: skip


def _closest(name: str, options: list[str]) -> str:
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.4)
    return f"，是不是想写「{match[0]}」？" if match else "。"


def goal_names(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """A goal takes the 简称 of the task with its number unless it gives its own."""
    if not any(rule.source == "goals" for rule in layout.description.generated_rows):
        return
    for i, goal in enumerate(spec.goals):
        if isinstance(goal, str) and i >= len(spec.tasks):
            yield _error(
                source, ("年度总体目标", i), "G001",
                f"目标{i + 1}没有同序号的任务可以借用简称：请写成「内容: …」「简称: …」两行。",
            )  # fmt: skip


def spending_plans(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """资金支出计划: each 0–100 %, cumulative (non-decreasing), 12月底 = 100 % once any is filled."""
    for loc, project in _projects(spec):
        plan = project.spending_plan
        if plan is None:
            continue
        values = dict(zip(MONTHS, (plan.march, plan.june, plan.october, plan.december), strict=True))
        here = loc + ("支出计划",)
        previous: tuple[str, Decimal] | None = None
        for month, value in values.items():
            if value is None:
                continue
            if not Decimal(0) <= value <= Decimal(100):
                yield _error(source, here + (month,), "P001", f"资金支出计划「{month}」为 {value}%，应在 0% 到 100% 之间。")
            elif previous and value < previous[1]:
                yield _error(
                    source, here + (month,), "P002",
                    f"资金支出计划是累计数，「{month}」的 {value}% 不能小于「{previous[0]}」的 {previous[1]}%。",
                )  # fmt: skip
            previous = (month, value)
        if previous and values["12月底"] != Decimal(100):
            yield _error(source, here, "P003", "资金支出计划填写后，「12月底」应为 100%（全年累计支出完毕）。")


def project_codes(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    pattern = layout.description.project_code_pattern
    if not pattern:
        return
    for loc, project in _projects(spec):
        if project.code is not None and not re.fullmatch(pattern, project.code):
            yield _warning(
                source, loc + ("编码",), "C001",
                f"项目编码「{project.code}」不符合{layout.name}的编码规则（{pattern}）：请核对是否抄错。",
            )  # fmt: skip


def stated_budgets(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """A 预算数 written in the spec must equal 财政资金 + 其他资金 exactly."""
    for loc, project in _projects(spec):
        total = project_total(project)
        if project.budget is not None and total is not None and project.budget != total:
            yield _error(
                source, loc + ("预算数",), "M001",
                f"预算数 {project.budget} 不等于 财政资金 {project.fiscal or 0} + 其他资金 {project.other or 0} = {total}：请核对金额（预算数也可以不写，自动计算）。",
            )  # fmt: skip


def previous_year(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """上年规格 should be the spec of the year before."""
    previous = spec.previous_year
    if previous is not None and previous.year != spec.year - 1:
        yield _warning(
            source, ("上年规格",), "V007",
            f"上年规格「{spec.previous_spec}」的年度是 {previous.year}，本规格是 {spec.year}："
            f"请确认它指向 {spec.year - 1} 年度的规格文件（变动率按它计算）。",
        )  # fmt: skip


def _rates(spec: Spec, source: Source) -> Iterator[tuple[PathKey, Indicator]]:
    """Every indicator whose 指标值 is a 变动率, with the location of that value in the source."""
    for loc, tree in _indicator_trees(spec):
        for level1, level2s in tree.items():
            for level2, group in level2s.items():
                if isinstance(group, GroupNote):
                    continue
                for i, item in enumerate(group):
                    if isinstance(item.value, ChangeRate):
                        here = loc + (level1, level2, i)
                        yield here + ("指标值" if "名称" in _data_at(source, here) else item.name,), item


def _data_at(source: Source, loc: PathKey) -> dict:
    data = source.data
    for part in loc:
        data = data[part]
    return data


def change_rates(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """A 变动率 needs the figure in this spec's and in the previous spec's 财务数据, 上年 not 0."""
    previous = spec.previous_year
    unchanged: set[str] = set()
    for loc, item in _rates(spec, source):
        figure = item.value.figure
        if previous is None:
            yield _error(
                source, loc, "V003",
                f"「{item.name}」按变动率计算，需要上年的规格：请在「年度」下面加上「上年规格: ../{spec.year - 1}/文件名.yaml」"
                f"（perfgen rollover 会自动加上），或直接写出指标值。",
            )  # fmt: skip
            continue
        now, before = spec.figures.get(figure), previous.figures.get(figure)
        if now is None:
            known = f"已有：{'、'.join(spec.figures)}" if spec.figures else "本规格还没有「财务数据」"
            yield _error(
                source, loc + ("变动率",), "V004",
                f"「{item.name}」要用本年「财务数据」中的「{figure}」，但没有找到（{known}）："
                f"请在「财务数据:」下加上「{figure}: 本年数」，或改正名称。",
            )  # fmt: skip
        if before is None:
            yield _error(
                source, loc + ("变动率",), "V005",
                f"上年规格 {previous.path} 的「财务数据」里没有「{figure}」：请在上年规格里补上上年数，或直接写出指标值。",
            )  # fmt: skip
        elif before == 0:
            yield _error(
                source, loc + ("变动率",), "V006",
                f"上年的「{figure}」为 0（{previous.path}），无法计算变动率：请直接写出指标值。",
            )  # fmt: skip
        elif now == before and figure not in unchanged and change_rate(spec, item.value) is not None:
            unchanged.add(figure)
            yield _warning(
                source, ("财务数据", figure), "V008",
                f"「{figure}」与上年相同（{now}），「{item.name}」为 0%：如果这是从上年结转（perfgen rollover）"
                f"后还没有更新的数，请改为 {spec.year} 年度的数。",
            )  # fmt: skip


def stated_task_totals(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """A 合计 written for a task must equal 财政资金 + 其他资金 exactly."""
    for i, task in enumerate(spec.tasks):
        total = project_total(task)
        if task.total is not None and total is not None and task.total != total:
            yield _error(
                source, ("年度主要任务", i, "合计"), "M001",
                f"合计 {task.total} 不等于 财政资金 {task.fiscal or 0} + 其他资金 {task.other or 0} = {total}：请核对金额（合计也可以不写，自动计算）。",
            )  # fmt: skip


MONEY_KEYS = ("财政拨款", "财政资金", "其他资金", "预算数", "合计")


def money_precision(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """万元 with more than 6 decimals is finer than a 分: usually a unit mistake (元 typed as 万元)."""
    lists = (("项目", spec.projects), ("专项资金", spec.special_funds), ("年度主要任务", spec.tasks))
    for key, i in [(key, i) for key, items in lists for i in range(len(items))]:
        written = source.data[key][i]
        for name in MONEY_KEYS:
            value = written.get(name)
            if isinstance(value, Decimal) and -value.as_tuple().exponent > 6:
                yield _warning(source, (key, i, name), "M002", f"「{name}」{value} 有 {-value.as_tuple().exponent} 位小数（万元到第 6 位即 1 分）：请确认单位是万元而不是元。")


def duplicate_projects(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """Two projects with the same name or the same 项目编码 are a copy-paste mistake."""
    seen: dict[tuple[str, str], PathKey] = {}
    for loc, project in _projects(spec):
        for code, what, value in (("D001", "名称", project.name), ("D002", "编码", project.code)):
            if not value:
                continue
            first = seen.setdefault((what, value), loc)
            if first != loc:
                line = source.position(first + (what,)).line
                yield _error(source, loc + (what,), code, f"项目{what}「{value}」与第 {line} 行的项目重复：请修改或合并这两个项目。")


COVERAGE = (("C101", "产出指标"), ("C102", "效益指标"), ("C103", "满意度指标"), ("C104", "成本指标"))


def coverage(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """Each project should have 产出 and 效益 (and 满意度; 成本 from 2021) indicators."""
    framework = frameworks().get(spec.framework or layout.description.framework)
    if framework is None:
        return
    for loc, project in _projects(spec):
        present = {framework.canonical(level1) for level1 in project.indicators}
        for code, level1 in COVERAGE:
            if level1 in framework.levels and level1 not in present:
                yield _warning(source, loc + ("绩效指标",), code, f"项目「{project.name}」没有设置{level1}：请补充，或在「规则级别」中关闭 {code}。")


def indicator_values(spec: Spec, source: Source, layout: Layout) -> Iterator[Finding]:
    """指标值: a rate above 100 % (292% is usually ≥92% misread), text with a % unit, a comparator
    without a number."""
    for loc, tree in _indicator_trees(spec):
        for level1, level2s in tree.items():
            for level2, group in level2s.items():
                if isinstance(group, GroupNote):
                    continue
                for i, item in enumerate(group):
                    yield from _value_findings(source, _value_loc(source, loc + (level1, level2, i)), item)


def _value_loc(source: Source, item_loc: PathKey) -> PathKey:
    """Where an indicator's 指标值 was written: its own key, or the value of the short form's first key."""
    written = source.data
    for part in item_loc:
        written = written[part]
    return item_loc + ("指标值",) if "指标值" in written else item_loc + (next(iter(written)),)


def _value_findings(source: Source, loc: PathKey, item: Indicator) -> Iterator[Finding]:
    value = item.value
    if isinstance(value, ValueParts):
        if value.comparator in COMPARATORS and not value.number:
            yield _error(source, loc, "I004", f"「{item.name}」的符号是「{value.comparator}」，但没有写「值」：定量指标必须有数值。")
        elif not value.number and value.unit.strip() in ("%", "％", "百分比"):
            yield _warning(source, loc, "I003", f"「{item.name}」是文字描述，却以「{value.unit}」为单位：请写出数值，或去掉百分号。")
        return
    if not isinstance(value, str):
        return
    match = VALUE_PATTERN.match(value)
    if match and match["unit"].strip() in ("%", "％") and Decimal(match["num"]) > 100 and "率" in item.name:
        yield _warning(source, loc, "I002", f"「{item.name}」的指标值 {value} 超过 100%：请确认是否笔误（例如把 ≥92% 写成了 292%）。")
