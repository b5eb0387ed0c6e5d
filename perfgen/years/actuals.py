"""Targets against actuals, in Chinese: `perfgen diff --actuals SPEC` for a monitoring or
self-evaluation spec. Per project: 年初 → 全年预算 → 执行 with the 执行率 (and its points), the
年度目标 beside its 实际完成情况, then each indicator's 指标值 beside its 实际完成值 (得分 / 分值
where scored, 完成可能性 where monitored); what falls short is marked. Everything shown is what
derive computed; this module only lines it up. `actuals_file` reads the spec; `actuals` is pure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..derive.derive import Computed, compute, resolved
from ..errors import Position, SpecError
from ..model.fieldtypes import amount_text
from ..model.layout import follow
from ..model.spec import load_spec

SHORT = 60  # longer 年度目标 / 实际完成情况 texts are clipped


@dataclass(frozen=True)
class Line:
    """One comparison: `subject` the project, `what` the row (资金, 年度目标, 一级/二级/名称),
    the target and the actual as shown, a note (执行率, 得分 …) and whether it falls short."""

    subject: str
    what: str
    target: str
    actual: str
    note: str = ""
    short: bool = False  # falls short of its target (or has no actual yet)


@dataclass(frozen=True)
class ActualsReport:
    path: str
    year: int
    layout: str
    lines: tuple[Line, ...]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "year": self.year, "layout": self.layout, "lines": [asdict(line) for line in self.lines]}

    def text(self) -> str:
        shortfalls = sum(line.short for line in self.lines)
        head = f"对照 {self.path}（{self.year} 年度，{self.layout}）：目标与实际"
        out = [head + (f"，{shortfalls} 处未达到或未填" if shortfalls else "，全部达到")]
        subject = None
        for line in self.lines:
            if line.subject != subject:
                subject = line.subject
                out.append(f"  {subject}")
            mark = "✗ " if line.short else "  "
            note = f"（{line.note}）" if line.note else ""
            out.append(f"  {mark}{line.what}：{line.target or '—'} → {line.actual or '（未填）'}{note}")
        return "\n".join(out) + "\n"


def actuals_file(path: Path) -> ActualsReport:
    """Read the spec (errors of its own are not in the way: a half-filled form is worth seeing)."""
    spec, layout = load_spec(path)
    if layout.evaluation is None:
        raise SpecError.single(
            Position(str(path)), "O003",
            f"版式「{layout.name}」是目标申报表，没有执行数和实际完成值可比：--actuals 用于监控、自评版式的规格（例如 全国-项目自评）。",
        )  # fmt: skip
    return actuals(compute(spec, layout), str(path))


def actuals(computed: Computed, name: str) -> ActualsReport:
    evaluation = computed.layout.evaluation
    assert evaluation is not None
    scored = {e.index: e for e in computed.evaluated}
    block = computed.layout.root.field(evaluation.items).type.item
    lines: list[Line] = []
    for i, item in enumerate(resolved(computed, (evaluation.items,)) or ()):
        subject = f"{evaluation.items}「{item.name}」"

        def value(input_name: str, i: int = i) -> Any:
            path = evaluation.input(input_name)
            return resolved(computed, (evaluation.items, i, *path)) if path else None

        def shown(input_name: str, i: int = i) -> str:
            """The input as its field shows it (money in its unit, a percent to its places)."""
            path, found = evaluation.input(input_name), value(input_name, i)
            f = follow(block, path) if path else None
            return "" if found is None else f.type.show(found) if f is not None and hasattr(f.type, "show") else _amount(found)

        evaluated = scored.get(i)
        executed = value("executed")
        money = f"年初 {shown('initial')}" + (f"，全年预算 {shown('budget')}" if evaluation.input("budget") else "")
        note = f"执行率 {shown('rate')}" if value("rate") is not None else ""
        if evaluated is not None and evaluated.score.execution is not None:
            note += f"，得分 {_amount(evaluated.score.execution)} / {_amount(evaluation.profile.execution)}"
        lines.append(Line(subject, "资金", money, f"执行 {shown('executed')}" if executed is not None else "", note, executed is None))
        goal, achieved = value("goal"), value("achieved")
        if evaluation.input("achieved"):
            lines.append(Line(subject, "年度目标", _clip(goal), _clip(achieved), "", not achieved))
        rows = evaluated.rows if evaluated is not None else [r for r in item.values.get(evaluation.indicators) or () if not r.placeholder]
        for j, row in enumerate(rows):
            lines.append(_row(subject, row, evaluation, evaluated.score.rows[j] if evaluated is not None else None))
        if evaluated is not None and evaluated.score.total is not None:
            lines.append(Line(subject, "总分", _amount(evaluation.profile.total), _amount(evaluated.score.total), f"等级 {evaluated.score.grade}"))
    return ActualsReport(name, computed.spec.year, computed.layout.name, tuple(lines))


def _row(subject: str, row, evaluation, score) -> Line:
    what = "/".join(part for part in (row.level1, row.level2, row.name) if part)
    actual_path, likely_path = evaluation.input("actual"), evaluation.input("likelihood")
    actual = row.values.get(actual_path[0]) if actual_path else None
    notes, short = [], actual in (None, "")
    if score is not None:
        if score.score is not None:
            notes.append(f"得分 {_amount(score.score)} / {_amount(score.weight)}")
            short = short or score.score < (score.weight or 0)
        elif score.weight is not None:
            notes.append(f"分值 {_amount(score.weight)}，未能计分")
    likely = row.values.get(likely_path[0]) if likely_path and len(likely_path) == 1 else None
    if likely:
        notes.append(f"完成可能性：{likely}")
        short = short or str(likely) in evaluation.unlikely
    return Line(subject, f"指标「{what}」", row.value.text, "" if actual is None else str(actual), "，".join(notes), short)


def _amount(value: Any) -> str:
    return amount_text(value, None) if isinstance(value, Decimal) else ("" if value is None else str(value))


def _clip(text: Any) -> str:
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"
