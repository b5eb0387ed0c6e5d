"""Domain rules over a computed spec: each finding has a stable code, a severity and a position.

Rules are small functions `(computed, source) -> findings`; `run_checks` runs them all so a user
sees every problem at once. They know fields by their declared types and roles — an amount, a
pattern on a code, checkpoints, a weight, a 定量/定性 kind, a direction — never by a form's
labels, so they apply to any layout. What a form prescribes (which 一级 a project needs, the total
of the weights, a code's pattern) comes from its layout and its 指标体系.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from .derive import Computed, change_rate
from .errors import Finding, Severity
from .fieldtypes import BlockType, CheckpointsType, ChoiceType, ListType, MoneyType, PercentType, TextType, amount_text, closest
from .frameworks import frameworks
from .indicators import COMPARATORS, parse_value, rows, value_loc
from .load import PathKey, Source
from .model import ChangeRate, Indicator, Tree, ValueParts
from .tables import build_table
from .walk import Found, fields


def run_checks(computed: Computed, source: Source) -> list[Finding]:
    findings: list[Finding] = []
    rules = (
        indicator_frameworks, group_notes, unresolved_defaults, checkpoints, patterns, text_lengths, stated_totals,
        money_precision, shown_totals, duplicates, coverage, indicator_values, indicator_kinds, weights, previous_year,
        change_rates,
    )  # fmt: skip
    for rule in rules:
        findings.extend(rule(computed, source))
    return findings


def _error(source: Source, loc: PathKey, code: str, message: str, *, key: bool = False) -> Finding:
    return Finding(source.position(loc, key=key), code, message)


def _warning(source: Source, loc: PathKey, code: str, message: str) -> Finding:
    return Finding(source.position(loc), code, message, Severity.WARNING)


def _declared(computed: Computed) -> tuple[Found, ...]:
    return computed.written


def _trees(computed: Computed) -> tuple[Found, ...]:
    return computed.trees


def _owner(found: Found) -> str:
    """How a message names the owner of a tree: 项目「甲」, or 部门整体."""
    return f"{found.list_label}「{found.item.name}」" if found.item is not None and found.item.name else "部门整体"


# ---------------------------------------------------------------------------------------------
# Indicator trees


def indicator_frameworks(computed: Computed, source: Source) -> Iterator[Finding]:
    """Each 一级 belongs to the spec's 指标体系 and each 二级 to its 一级 (aliases accepted)."""
    name = computed.spec.framework or computed.layout.framework
    framework = frameworks().get(name)
    if framework is None:
        yield _error(source, ("指标体系",), "F001", f"没有名为「{name}」的指标体系：可用的有 {'、'.join(frameworks())}。")
        return
    for found in _trees(computed):
        tree: Tree = found.value
        for level1 in tree.level1s:
            if framework.canonical(level1) not in framework.levels:
                yield _error(
                    source, (*found.loc, level1), "F002",
                    f"「{level1}」不是指标体系「{name}」的一级指标{closest(level1, framework.level1_names())}"
                    f"可用的一级指标有：{'、'.join(framework.level1_names())}。",
                    key=True,
                )  # fmt: skip
        for group in tree.groups:
            allowed = framework.level2_names(group.level1)
            if framework.canonical(group.level1) in framework.levels and framework.canonical(group.level2) not in allowed:
                yield _error(
                    source, (*found.loc, group.level1, group.level2), "F003",
                    f"二级指标「{group.level2}」不属于一级指标「{group.level1}」（指标体系「{name}」）{closest(group.level2, list(allowed))}"
                    f"「{group.level1}」下可用的二级指标有：{'、'.join(allowed)}。",
                    key=True,
                )  # fmt: skip


def group_notes(computed: Computed, source: Source) -> Iterator[Finding]:
    """A 二级 written as its fields only must be one whose rows the layout generates."""
    for found in _trees(computed):
        generated = {(g.level1, g.level2) for g in computed.layout.indicators.generated if g.into == found.field.label} if found.item is None else set()
        for group in found.value.groups:
            if group.note is not None and (group.level1, group.level2) not in generated:
                yield _error(
                    source, (*found.loc, group.level1, group.level2), "I001",
                    f"「{group.level2}」下没有写指标：请写成「- 指标名称: 指标值」的列表"
                    f"（只有版式自动生成指标行的二级指标才能只写说明）。",
                    key=True,
                )  # fmt: skip


def coverage(computed: Computed, source: Source) -> Iterator[Finding]:
    """Each project should have the 一级 its 指标体系 requires (产出, 效益, 满意度; 成本 from 2021)."""
    framework = computed.framework
    for found in _trees(computed):
        if found.item is None:
            continue
        present = {framework.canonical(level1) for level1 in found.value.level1s}
        for level1, code in framework.coverage.items():
            if level1 not in present:
                yield _warning(source, found.loc, code, f"{_owner(found)}没有设置{level1}：请补充，或在「规则级别」中关闭 {code}。")


def indicator_values(computed: Computed, source: Source) -> Iterator[Finding]:
    """指标值: a rate above 100 % (292% is usually ≥92% misread), text with a % unit, a comparator
    without a number, a unit written both in the name and in the value."""
    neutral = {part.neutral: part.name for part in computed.layout.indicators.parts if part.neutral}
    for found, group, i, indicator in _indicators(computed):
        loc = value_loc(source.data, (*found.loc, group.level1, group.level2, i))
        yield from _value_findings(source, loc, indicator, neutral)


def _indicators(computed: Computed) -> Iterator[tuple[Found, object, int, Indicator]]:
    for found in _trees(computed):
        for group, i, indicator in rows(found.value):
            yield found, group, i, indicator


def _value_findings(source: Source, loc: PathKey, item: Indicator, neutral: dict[str, str]) -> Iterator[Finding]:
    value = item.value
    if isinstance(value, ValueParts):
        parts = value.parts
        comparator = parts.get(neutral.get("comparator", ""), "")
        number = parts.get(neutral.get("number", ""), "")
        unit = parts.get(neutral.get("unit", ""), "")
        if comparator in COMPARATORS and not number:
            yield _error(source, loc, "I004", f"「{item.name}」的符号是「{comparator}」，但没有写数值：定量指标必须有数值。")
        elif not number and unit.strip() in ("%", "％", "百分比"):
            yield _warning(source, loc, "I003", f"「{item.name}」是文字描述，却以「{unit}」为单位：请写出数值，或去掉百分号。")
        return
    if not isinstance(value, str):
        return
    parsed = parse_value(value)
    if parsed.unit in ("%",) and parsed.number and Decimal(parsed.number) > 100 and "率" in item.name:
        yield _warning(source, loc, "I002", f"「{item.name}」的指标值 {value} 超过 100%：请确认是否笔误（例如把 ≥92% 写成了 292%）。")
    if parsed.unit and parsed.number and re.search(rf"[（(]\s*{re.escape(parsed.unit)}\s*[)）]\s*$", item.name):
        yield _warning(source, loc, "I006", f"「{item.name}」的名称和指标值都写了单位「{parsed.unit}」，文档里会重复：请从名称中删去「{parsed.unit}」。")


def indicator_kinds(computed: Computed, source: Source) -> Iterator[Finding]:
    """Declared kinds and directions must agree with the value: 定量 carries a number, 定性 has no
    % unit; 正向 is not written ≤, 反向 not ≥."""
    block = computed.layout.indicators.block
    kinds = [f for f in block.fields if f.role == "kind" and isinstance(f.type, ChoiceType)]
    directions = [f for f in block.fields if f.role == "direction" and isinstance(f.type, ChoiceType)]
    for found, group, i, indicator in _indicators(computed):
        here = (*found.loc, group.level1, group.level2, i)
        value = parse_value(indicator.value if isinstance(indicator.value, str) else None)
        for f in kinds:
            kind = indicator.values.get(f.label) or ""
            if "定量" in kind and not value.number and not isinstance(indicator.value, (ChangeRate, ValueParts)):
                yield _error(source, (*here, f.label), "I005", f"「{indicator.name}」标为「{kind}」，指标值却没有数值：请写成 ≥90%、=12个 这样的数值，或改为定性。")
            if "定性" in kind and value.unit == "%":
                yield _warning(source, (*here, f.label), "I003", f"「{indicator.name}」标为「{kind}」，指标值却以 % 为单位：请改为定量，或写成文字描述。")
        for f in directions:
            direction = indicator.values.get(f.label) or ""
            wrong = ("正向" in direction and value.comparator in ("≤", "<")) or ("反向" in direction and value.comparator in ("≥", ">"))
            if wrong:
                yield _error(source, (*here, f.label), "I007", f"「{indicator.name}」标为「{direction}」，计算符号却是「{value.comparator}」：正向指标用 ≥ 或 >，反向指标用 ≤ 或 <，请改正其中一个。")


def weights(computed: Computed, source: Source) -> Iterator[Finding]:
    """The weights (分值) of each tree's indicators add up to the total the layout declares."""
    for f in computed.layout.indicators.block.fields:
        total = f.options.get("total")
        if f.role != "weight" or total is None:
            continue
        for found in _trees(computed):
            given = [w for _, _, ind in rows(found.value) if (w := ind.values.get(f.label)) is not None]
            if not given:  # a tree without weights (the spec's own, a form's part that has none)
                continue
            shown = sum(given, Decimal(0))
            if shown != total:
                yield _error(source, found.loc, "W001", f"{_owner(found)}的指标「{f.label}」合计为 {amount_text(shown, None)}，应为 {amount_text(total, None)}：请调整各指标的{f.label}。")


# ---------------------------------------------------------------------------------------------
# Declared fields


def unresolved_defaults(computed: Computed, source: Source) -> Iterator[Finding]:
    """A required field left out whose default cannot be worked out."""
    for missing in computed.unresolved:
        how = f"请写成「{missing.scalar}: …」「{missing.field.label}: …」两行" if missing.scalar else f"请写出「{missing.field.label}: …」"
        yield _error(source, missing.loc, "G001", f"「{missing.field.label}」没有写，也无法按默认「{missing.field.default}」得出（{missing.reason}）：{how}。")


def checkpoints(computed: Computed, source: Source) -> Iterator[Finding]:
    """Checkpoints (资金支出计划): each 0–100 %, cumulative (non-decreasing) where declared, the
    last one at its final value once any is filled; all blank is allowed."""
    for found in _declared(computed):
        kind = found.field.type
        if not isinstance(kind, CheckpointsType):
            continue
        previous: tuple[str, Decimal] | None = None
        for point, value in found.value.items():
            if value is None:
                continue
            if isinstance(kind.of, PercentType) and not Decimal(0) <= value <= Decimal(100):
                yield _error(source, (*found.loc, point), "P001", f"{found.field.label}「{point}」为 {value}%，应在 0% 到 100% 之间。")
            elif kind.cumulative and previous and value < previous[1]:
                yield _error(
                    source, (*found.loc, point), "P002",
                    f"{found.field.label}是累计数，「{point}」的 {kind.of.show(value)} 不能小于「{previous[0]}」的 {kind.of.show(previous[1])}。",
                )  # fmt: skip
            previous = (point, value)
        last = kind.points[-1]
        if previous and kind.final is not None and found.value[last] != kind.final:
            yield _error(source, found.loc, "P003", f"{found.field.label}填写后，「{last}」应为 {kind.of.show(kind.final)}（全年累计完成）。")


def patterns(computed: Computed, source: Source) -> Iterator[Finding]:
    for found in _declared(computed):
        kind = found.field.type
        if isinstance(kind, TextType) and kind.pattern and isinstance(found.value, str) and not re.fullmatch(kind.pattern, found.value):
            yield _warning(
                source, found.loc, "C001",
                f"{found.field.description or found.field.label}「{found.value}」不符合{computed.layout.name}的编码规则（{kind.pattern}）：请核对是否抄错。",
            )  # fmt: skip


def text_lengths(computed: Computed, source: Source) -> Iterator[Finding]:
    for found in _declared(computed):
        kind = found.field.type
        if isinstance(kind, TextType) and kind.max_length and isinstance(found.value, str):
            length = len(re.sub(r"\s", "", found.value))
            if length > kind.max_length:
                yield _warning(source, found.loc, "T002", f"「{found.field.label}」有 {length} 字，{computed.layout.name}规定不超过 {kind.max_length} 字：请精简。")


def stated_totals(computed: Computed, source: Source) -> Iterator[Finding]:
    """A total written in the spec must equal what its formula gives, exactly."""
    for stated in computed.stated:
        if stated.computed is not None and stated.written != stated.computed:
            parts = " + ".join(f"{label} {amount_text(v, None) if v is not None else 0}" for label, v in stated.parts) if stated.field.formula.is_sum() else stated.field.formula.text
            yield _error(
                source, stated.loc, "M001",
                f"{stated.field.label} {amount_text(stated.written, None)} 不等于 {parts} = {amount_text(stated.computed, None)}：请核对金额（{stated.field.label}也可以不写，自动计算）。",
            )  # fmt: skip


def money_precision(computed: Computed, source: Source) -> Iterator[Finding]:
    """An amount finer than a 分 (万元 with more than 6 decimals): usually a unit mistake."""
    for found in _declared(computed):
        kind = found.field.type
        if isinstance(kind, MoneyType) and isinstance(found.value, Decimal):
            decimals = -found.value.as_tuple().exponent
            if decimals > kind.max_places:
                yield _warning(
                    source, found.loc, "M002",
                    f"「{found.field.label}」{found.value} 有 {decimals} 位小数（{kind.unit}到第 {kind.max_places} 位即 1 分）：请确认单位是{kind.unit}。",
                )  # fmt: skip


def shown_totals(computed: Computed, source: Source) -> Iterator[Finding]:
    """Rounded for display, parts must still add up to the shown total (1.245 + 0.125 shown with
    two decimals gives 1.25 + 0.13 beside 1.37): say so instead of printing a table that does not add up."""
    money = computed.layout.money
    if money.places is None:
        return
    reported = False
    for found in fields(computed.layout.root, computed.values):
        formula = found.field.formula
        if formula is None or not formula.is_sum() or not isinstance(found.field.type, MoneyType) or found.parent is None:
            continue
        parts = [found.parent.get(path[0]) for path in formula.parts() if len(path) == 1]
        total = found.value
        given = [p for p in parts if p is not None]
        if given and not reported and _disagree(money, given, total):
            reported = True
            yield _warning(source, found.loc, "M003", _rounding_message(money, given, total, found.field.label))
    for table in computed.layout.tables.values():
        if table.total is None or reported:
            continue
        built = build_table(computed, table)
        for c, column in enumerate(built.columns):
            numbers = [row[c].number for row in built.rows if row[c].number is not None]
            if column.kind == "money" and numbers and _disagree(money, numbers, sum(numbers, Decimal(0))):
                reported = True
                yield _warning(source, (), "M003", f"表「{table.title}」的「{column.title}」：{_rounding_message(money, numbers, sum(numbers, Decimal(0)), '合计')}")
                break


def _disagree(money: MoneyType, parts: list[Decimal], total: Decimal) -> bool:
    shown = sum((Decimal(money.show(p).replace(",", "")) for p in parts), Decimal(0))
    return shown != Decimal(money.show(total).replace(",", ""))


def _rounding_message(money: MoneyType, parts: list[Decimal], total: Decimal, label: str) -> str:
    shown = " + ".join(money.show(p) for p in parts)
    return (
        f"金额显示为 {money.places} 位小数，各项 {shown} 之和与显示的{label} {money.show(total)} 不等（四舍五入造成）："
        f"请把金额写到 {money.places} 位小数，或在版式里改变小数位。"
    )


def duplicates(computed: Computed, source: Source) -> Iterator[Finding]:
    """Two items of one kind with the same name, or the same code, are a copy-paste mistake."""
    seen: dict[tuple[str, str, str], PathKey] = {}
    for found in (f for f in computed.written if isinstance(f.field.type, ListType) and isinstance(f.field.type.item, BlockType)):
        block = found.field.type.item
        codes = [f for f in block.fields if f.role == "code"]
        for i, item in enumerate(found.value):
            loc = (*found.loc, i)
            checks = [("D001", block.name_field, item.name)] if block.name_field else []
            checks += [("D002", f.label, item.values.get(f.label)) for f in codes]
            for code, label, value in checks:
                if not value:
                    continue
                first = seen.setdefault((block.kind, label, value), loc)
                if first != loc:
                    line = source.position((*first, label)).line
                    yield _error(source, (*loc, label), code, f"{block.kind}{label}「{value}」与第 {line} 行的{block.kind}重复：请修改或合并这两个{block.kind}。")


# ---------------------------------------------------------------------------------------------
# Year over year


def previous_year(computed: Computed, source: Source) -> Iterator[Finding]:
    """上年规格 should be the spec of the year before."""
    spec = computed.spec
    previous = spec.previous_year
    if previous is not None and previous.year != spec.year - 1:
        yield _warning(
            source, ("上年规格",), "V007",
            f"上年规格「{spec.previous_spec}」的年度是 {previous.year}，本规格是 {spec.year}："
            f"请确认它指向 {spec.year - 1} 年度的规格文件（变动率按它计算）。",
        )  # fmt: skip


def change_rates(computed: Computed, source: Source) -> Iterator[Finding]:
    """A 变动率 needs the figure in this spec's and in the previous spec's 财务数据, 上年 not 0."""
    spec = computed.spec
    previous = spec.previous_year
    unchanged: set[str] = set()
    for found, group, i, item in _indicators(computed):
        if not isinstance(item.value, ChangeRate):
            continue
        loc = value_loc(source.data, (*found.loc, group.level1, group.level2, i))
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
                source, (*loc, "变动率"), "V004",
                f"「{item.name}」要用本年「财务数据」中的「{figure}」，但没有找到（{known}）："
                f"请在「财务数据:」下加上「{figure}: 本年数」，或改正名称。",
            )  # fmt: skip
        if before is None:
            yield _error(
                source, (*loc, "变动率"), "V005",
                f"上年规格 {previous.path} 的「财务数据」里没有「{figure}」：请在上年规格里补上上年数，或直接写出指标值。",
            )  # fmt: skip
        elif before == 0:
            yield _error(
                source, (*loc, "变动率"), "V006",
                f"上年的「{figure}」为 0（{previous.path}），无法计算变动率：请直接写出指标值。",
            )  # fmt: skip
        elif now == before and figure not in unchanged and change_rate(spec, item.value) is not None:
            unchanged.add(figure)
            yield _warning(
                source, ("财务数据", figure), "V008",
                f"「{figure}」与上年相同（{now}），「{item.name}」为 0%：如果这是从上年结转（perfgen rollover）"
                f"后还没有更新的数，请改为 {spec.year} 年度的数。",
            )  # fmt: skip
