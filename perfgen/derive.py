"""Stage 3: compute everything a template shows but the user did not type (pure functions).

`derive(spec, layout)` returns a `Document`: numbered items, money totals as display text,
indicator values parsed and shown in the layout's style, rows grouped for merged cells, and
free-form outlines flattened into styled blocks. Templates only format these fields. Text fields
are never None (an absent value is ""), so no template can print 「None」.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .layout import Layout, ValueStyle
from .numbering import item_number
from .spec import (
    ChangeRate,
    Goal,
    GroupNote,
    Indicator,
    Indicators,
    Project,
    Spec,
    SpendingPlan,
    Task,
    ValueParts,
)

# Comparators as officers type them → one normal form.
COMPARATORS = {
    "≥": "≥", ">=": "≥", "＞＝": "≥", "≧": "≥", "＞=": "≥", ">＝": "≥",
    "≤": "≤", "<=": "≤", "＜＝": "≤", "≦": "≤", "＜=": "≤", "<＝": "≤",
    ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "=", "＝": "=", "≠": "≠",
}  # fmt: skip
_COMPARATOR = "|".join(sorted(map(re.escape, COMPARATORS), key=len, reverse=True))
VALUE_PATTERN = re.compile(rf"^\s*(?P<cmp>{_COMPARATOR})?\s*(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>.*?)\s*$")


# ---------------------------------------------------------------------------------------------
# The derived document


@dataclass(frozen=True)
class Value:
    """An 指标值 as entered, parsed, and shown in the layout's 符号 | 值 | 单位 style."""

    text: str  # as entered (full-width kept)
    comparator: str  # normal form: ≥ ≤ > < = ≠, or ""
    number: str  # "" for qualitative text
    unit: str  # normal form (％ → %), or the qualitative text
    shown_comparator: str
    shown_number: str
    shown_unit: str

    @property
    def qualitative(self) -> bool:
        return not self.number


@dataclass(frozen=True)
class MergedCell:
    """A cell merged down a group of rows: text on the group's first row only."""

    text: str
    merge: str  # "restart" on a group's first row, "continue" below it


@dataclass(frozen=True)
class IndicatorRow:
    level1: MergedCell
    level2: MergedCell
    name: str
    description: str
    value: Value
    basis: str
    explanation: MergedCell  # 指标解释, merged down while later rows of the group give none
    note: MergedCell  # 指标说明, likewise


@dataclass(frozen=True)
class Block:
    """One paragraph of a free-form outline; `style` is heading1, heading2, heading3 or text."""

    style: str
    text: str


@dataclass(frozen=True)
class ProjectBlock:
    number: str
    title: str
    name: str
    code: str
    leader: str
    supervisor: str
    implementer: str
    fiscal: str
    other: str
    total: str  # 年度资金总额 / 预算数
    purpose: str
    spending_plan: list[str]  # 3月底, 6月底, 10月底, 12月底 as "24%" or ""
    annual_goal: str
    goals: list[str]  # numbered 绩效目标 lines
    indicator_rows: list[IndicatorRow]
    indicator_count: int
    level1_counts: dict[str, int]
    notes: list[Block]


@dataclass(frozen=True)
class NumberedGoal:
    number: str
    title: str
    goal: str
    indicators: str  # "" when the spec gives none


@dataclass(frozen=True)
class NumberedParagraph:
    """A numbered item: one paragraph (title "") or a title line followed by a paragraph."""

    number: str
    title: str
    text: str


@dataclass(frozen=True)
class NumberedText:
    number: str
    text: str


@dataclass(frozen=True)
class TaskRow:
    """One row of 年度主要任务."""

    number: str
    short: str
    content: str
    fiscal: str
    other: str
    total: str  # 合计 = 财政资金 + 其他资金
    remark: str


@dataclass(frozen=True)
class Totals:
    fiscal: str
    other: str
    total: str


@dataclass(frozen=True)
class Document:
    year: int
    department: str
    compiled_by: str
    reviewed_by: str
    unit_code: str
    unit_name: str
    overall_goal: list[str]
    sub_goals: list[NumberedGoal]
    safeguards: list[NumberedParagraph]
    special_funds: list[ProjectBlock]
    projects: list[ProjectBlock]
    project_totals: Totals
    annual_goals: list[NumberedText]  # 年度总体目标
    tasks: list[TaskRow]  # 年度主要任务
    task_totals: Totals
    indicator_rows: list[IndicatorRow]  # 部门整体绩效指标, generated rows included


def derive(spec: Spec, layout: Layout) -> Document:
    return Document(
        year=spec.year,
        department=spec.department,
        compiled_by=spec.compiled_by or spec.department,
        reviewed_by=spec.reviewed_by or "",
        unit_code=spec.unit_code or "",
        unit_name=spec.unit_name or spec.department,
        overall_goal=paragraphs(spec.overall_goal),
        sub_goals=[
            NumberedGoal(item_number(layout.number_format("sub_goals"), i), title, goal.goal, goal.indicators or "")
            for i, (title, goal) in enumerate(spec.sub_goals.items(), 1)
        ],
        safeguards=[
            _safeguard(item_number(layout.number_format("safeguards"), i), item) for i, item in enumerate(spec.safeguards, 1)
        ],
        special_funds=[_project(layout, "special_funds", i, with_rates(p, spec)) for i, p in enumerate(spec.special_funds, 1)],
        projects=[_project(layout, "projects", i, with_rates(p, spec)) for i, p in enumerate(spec.projects, 1)],
        project_totals=_totals(spec.projects, layout.description.money_places),
        annual_goals=[
            NumberedText(item_number(layout.number_format("annual_goals"), i), goal.text if isinstance(goal, Goal) else goal)
            for i, goal in enumerate(spec.goals, 1)
        ],
        tasks=[_task(layout, i, task) for i, task in enumerate(spec.tasks, 1)],
        task_totals=_totals(spec.tasks, layout.description.money_places),
        indicator_rows=indicator_rows(
            rates_resolved(spec.indicators, spec), layout.description.value_style, generated_rows(layout, spec)
        ),
    )


def _task(layout: Layout, n: int, task: Task) -> TaskRow:
    places = layout.description.money_places
    return TaskRow(
        number=item_number(layout.number_format("tasks"), n),
        short=task.short,
        content=" ".join(paragraphs(task.content)),
        fiscal=money_text(task.fiscal, places),
        other=money_text(task.other, places),
        total=money_text(project_total(task), places),
        remark=task.remark or "",
    )


# ---------------------------------------------------------------------------------------------
# Text


def paragraphs(text: str | None) -> list[str]:
    """Split on blank lines; lines wrapped inside a paragraph are joined (no space between CJK)."""
    if not text:
        return []
    result = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines:
            result.append(_join_lines(lines))
    return result


def _join_lines(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        wide = _is_wide(out[-1]) or _is_wide(line[0])
        out += line if wide else " " + line
    return out


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _safeguard(number: str, item: str | dict[str, str]) -> NumberedParagraph:
    if isinstance(item, dict):
        (title, text), *_ = item.items()
        return NumberedParagraph(number, title, " ".join(paragraphs(text)))
    return NumberedParagraph(number, "", " ".join(paragraphs(item)))


def outline_blocks(outline: Any, numbered: str, level: int = 1) -> list[Block]:
    """Flatten a free-form outline: mapping keys become headings of `level`; a list of one-key
    mappings becomes headings numbered with the format `numbered`; text becomes paragraphs."""
    if outline is None:
        return []
    if isinstance(outline, str):
        return [Block("text", p) for p in paragraphs(outline)]
    blocks: list[Block] = []
    if isinstance(outline, dict):
        for heading, content in outline.items():
            blocks.append(Block(f"heading{min(level, 3)}", heading))
            blocks.extend(outline_blocks(content, numbered, level + 1))
        return blocks
    n = 0
    for item in outline:
        if isinstance(item, dict):
            for heading, content in item.items():
                n += 1
                blocks.append(Block(f"heading{min(level, 3)}", item_number(numbered, n) + heading))
                blocks.extend(outline_blocks(content, numbered, level + 1))
        else:
            blocks.extend(outline_blocks(item, numbered, level))
    return blocks


# ---------------------------------------------------------------------------------------------
# Money


def money_text(amount: Decimal | None, places: int | None) -> str:
    """Show an amount as written (places=None) or with a fixed number of decimals; None → ""."""
    if amount is None:
        return ""
    if places is None:
        return format(amount, "f")
    return format(amount.quantize(Decimal(1).scaleb(-places)), "f")


def percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{format(value, 'f')}%"


def spending_plan_cells(plan: SpendingPlan | None) -> list[str]:
    """The four 资金支出计划 cells (3月底, 6月底, 10月底, 12月底); blank where not filled."""
    if plan is None:
        return ["", "", "", ""]
    return [percent_text(v) for v in (plan.march, plan.june, plan.october, plan.december)]


def project_total(project: Project | Task) -> Decimal | None:
    """年度资金总额 / 预算数 / 合计 = 财政资金 + 其他资金 (None when neither is given)."""
    if project.fiscal is None and project.other is None:
        return None
    return (project.fiscal or Decimal(0)) + (project.other or Decimal(0))


def amount_sum(amounts: list[Decimal | None]) -> Decimal | None:
    """The sum of the amounts given (None when none is)."""
    present = [a for a in amounts if a is not None]
    return sum(present, Decimal(0)) if present else None


def change_rate(spec: Spec, rate: ChangeRate) -> Decimal | None:
    """(本年 − 上年) / 上年 × 100 of one 财务数据 figure, rounded half up (away from zero) to
    `rate.places` decimals; None when a figure is missing or 上年 is 0 (`checks` says which)."""
    previous = spec.previous_year
    now = spec.figures.get(rate.figure)
    before = previous.figures.get(rate.figure) if previous else None
    if now is None or not before:
        return None
    result = ((now - before) / before * 100).quantize(Decimal(1).scaleb(-rate.places), ROUND_HALF_UP)
    return result.copy_abs() if result.is_zero() else result


def rates_resolved(indicators: Indicators, spec: Spec) -> Indicators:
    """`indicators` with each 变动率 value replaced by its derived text (e.g. 21%, -7%)."""

    def value(item: Indicator | GroupNote) -> Indicator | GroupNote:
        if isinstance(item, Indicator) and isinstance(item.value, ChangeRate):
            return replace(item, value=percent_text(change_rate(spec, item.value)))
        return item

    return {
        level1: {level2: group if isinstance(group, GroupNote) else [value(i) for i in group] for level2, group in level2s.items()}
        for level1, level2s in indicators.items()
    }


def with_rates(project: Project, spec: Spec) -> Project:
    return replace(project, indicators=rates_resolved(project.indicators, spec))


def _totals(projects: list[Project] | list[Task], places: int | None) -> Totals:
    return Totals(
        fiscal=money_text(amount_sum([p.fiscal for p in projects]), places),
        other=money_text(amount_sum([p.other for p in projects]), places),
        total=money_text(amount_sum([project_total(p) for p in projects]), places),
    )


# ---------------------------------------------------------------------------------------------
# Projects and indicators


def _project(layout: Layout, kind: str, n: int, project: Project) -> ProjectBlock:
    places = layout.description.money_places
    rows = indicator_rows(project.indicators, layout.description.value_style)
    return ProjectBlock(
        number=item_number(layout.number_format(kind), n),
        title=project.title or layout.project_title(project.name),
        name=project.name,
        code=project.code or "",
        leader=project.leader or "",
        supervisor=project.supervisor or "",
        implementer=project.implementer or "",
        fiscal=money_text(project.fiscal, places),
        other=money_text(project.other, places),
        total=money_text(project_total(project), places),
        purpose=" ".join(paragraphs(project.purpose)),
        spending_plan=spending_plan_cells(project.spending_plan),
        annual_goal=" ".join(paragraphs(project.annual_goal)),
        goals=[item_number(layout.number_format("goals"), i) + goal for i, goal in enumerate(project.goals, 1)],
        indicator_rows=rows,
        indicator_count=len(rows),
        level1_counts={level1: sum(len(v) for v in level2s.values()) for level1, level2s in project.indicators.items()},
        notes=outline_blocks(project.notes, layout.number_format("notes")),
    )


def indicator_rows(
    indicators: Indicators, style: ValueStyle, generated: dict[tuple[str, str], list[Indicator]] | None = None
) -> list[IndicatorRow]:
    """One row per 三级指标: 一级/二级 cells merged down their groups, 指标解释/指标说明 merged down
    over the following rows of a group that give none; `generated` rows open their group."""
    rows = []
    for level1, level2s in _with_generated(indicators, generated or {}).items():
        for i, (level2, items) in enumerate(level2s.items()):
            explanations = merged_down([item.explanation for item in items])
            notes = merged_down([item.note for item in items])
            for j, item in enumerate(items):
                rows.append(
                    IndicatorRow(
                        level1=_merged(level1, first=i == 0 and j == 0),
                        level2=_merged(level2, first=j == 0),
                        name=item.name,
                        description=item.description or "",
                        value=parse_value(item.value, style),
                        basis=item.basis or "",
                        explanation=explanations[j],
                        note=notes[j],
                    )
                )
    return rows


def _merged(text: str, *, first: bool) -> MergedCell:
    return MergedCell(text, "restart") if first else MergedCell("", "continue")


def merged_down(texts: list[str | None]) -> list[MergedCell]:
    """None continues the cell above when that cell has text; anything else starts a cell."""
    cells: list[MergedCell] = []
    open_text = False
    for text in texts:
        if text is None and open_text:
            cells.append(MergedCell("", "continue"))
        else:
            cells.append(MergedCell(text or "", "restart"))
            open_text = bool(text)
    return cells


def _with_generated(
    indicators: Indicators, generated: dict[tuple[str, str], list[Indicator]]
) -> dict[str, dict[str, list[Indicator]]]:
    """Put generated rows first in their group; a GroupNote's texts go on the group's first row."""
    out: dict[str, dict[str, list[Indicator]]] = {}
    for level1, level2s in indicators.items():
        for level2, group in level2s.items():
            made = generated.get((level1, level2), [])
            if isinstance(group, GroupNote):
                if made:
                    made = [replace(made[0], explanation=group.explanation, note=group.note), *made[1:]]
                out.setdefault(level1, {})[level2] = made
            else:
                out.setdefault(level1, {})[level2] = [*made, *group]
    for (level1, level2), made in generated.items():
        if made and level2 not in out.get(level1, {}):
            out.setdefault(level1, {})[level2] = made
    return out


def generated_rows(layout: Layout, spec: Spec) -> dict[tuple[str, str], list[Indicator]]:
    """The layout's rows that follow from the task and goal lists (e.g. 「…计划完成率 100%」)."""
    shorts = {"tasks": [task.short for task in spec.tasks], "goals": goal_shorts(spec)}
    result: dict[tuple[str, str], list[Indicator]] = {}
    for rule in layout.description.generated_rows:
        result.setdefault((rule.level1, rule.level2), []).extend(
            Indicator(name=rule.name.format(short=short), value=rule.value) for short in shorts[rule.source]
        )
    return result


def goal_shorts(spec: Spec) -> list[str]:
    """Each goal's 简称: its own, else that of the task with the same number."""
    shorts = []
    for i, goal in enumerate(spec.goals):
        own = goal.short if isinstance(goal, Goal) else None
        shorts.append(own or (spec.tasks[i].short if i < len(spec.tasks) else ""))
    return shorts


def parse_value(value: str | ValueParts | None, style: ValueStyle) -> Value:
    """Parse an 指标值 into comparator / number / unit (or qualitative text) and its shown form."""
    if value is None or value == "":
        return Value("", "", "", "", "", "", "")
    if isinstance(value, ValueParts):
        text = f"{value.comparator}{value.number}{value.unit}"
        return Value(text, value.comparator, value.number, value.unit, value.comparator, value.number, value.unit)
    match = VALUE_PATTERN.match(value)
    if not match:
        return Value(value, "", "", value, style.qualitative, "", value)
    comparator = COMPARATORS.get(match["cmp"] or "", "")
    unit = match["unit"].replace("％", "%")
    return Value(
        text=value,
        comparator=comparator,
        number=match["num"],
        unit=unit,
        shown_comparator=style.comparators.get(comparator, comparator) if comparator else style.implicit,
        shown_number=match["num"],
        shown_unit=style.units.get(unit, unit),
    )
