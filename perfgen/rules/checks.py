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
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from ..derive.derive import Computed, Row, change_rate, resolved
from ..errors import Finding, Severity
from ..model.fieldtypes import BlockType, CheckpointsType, ChoiceType, IndicatorsType, ListType, MoneyType, PercentType, TextType, amount_text
from ..model.frameworks import frameworks
from ..model.indicators import COMPARATORS
from ..model.layout import ROW_INPUTS, Evaluation
from ..load.load import PathKey, Source
from ..model.model import ChangeRate, Tree, ValueParts
from ..load.text import closest
from ..derive.walk import Found, fields


@dataclass
class Checking:
    """One spec being checked: the computed spec, its source (for positions), and the walks the
    rules share, each made once."""

    computed: Computed
    source: Source

    @cached_property
    def written(self) -> tuple[Found, ...]:
        """Every declared field the spec writes, where it writes it."""
        return tuple(fields(self.computed.layout.root, self.computed.spec.values, self.source.data))

    @cached_property
    def resolved(self) -> tuple[Found, ...]:
        """The same walk over the computed values (formulas and defaults filled in)."""
        return tuple(fields(self.computed.layout.root, self.computed.values, self.source.data))

    @cached_property
    def trees(self) -> tuple[Found, ...]:
        return tuple(found for found in self.written if isinstance(found.field.type, IndicatorsType) and isinstance(found.value, Tree))

    def rows(self) -> Iterator[tuple[Found, Row, PathKey]]:
        """Every written 三级 of every tree, computed (指标值 parsed, 变动率 derived), with where it is written."""
        for found in self.trees:
            for row in resolved(self.computed, found.path) or ():
                if row.index >= 0:
                    yield found, row, (*found.loc, row.level1, row.level2, row.index)

    def error(self, loc: PathKey, code: str, message: str, *, key: bool = False) -> Finding:
        return Finding(self.source.position(loc, key=key), code, message)

    def warning(self, loc: PathKey, code: str, message: str) -> Finding:
        return Finding(self.source.position(loc), code, message, Severity.WARNING)

    def writes(self, loc: PathKey) -> bool:
        """Whether the spec itself writes the field at `loc` (not a default or a formula)."""
        written = self.source.data
        for part in loc:
            if not hasattr(written, "__getitem__") or isinstance(written, str):
                return False
            try:
                written = written[part]
            except (KeyError, IndexError, TypeError):
                return False
        return True

    def value_loc(self, loc: PathKey) -> PathKey:
        """Where the 指标值 of the indicator written at `loc` is: its own key, or the value of the
        short form's first key."""
        written = self.source.data
        for part in loc:
            written = written[part]
        return (*loc, "指标值") if "指标值" in written else (*loc, next(iter(written)))


def run_checks(computed: Computed, source: Source) -> list[Finding]:
    c = Checking(computed, source)
    rules = (
        indicator_frameworks, group_notes, unresolved_defaults, checkpoints, patterns, text_lengths, stated_totals,
        money_precision, shown_totals, duplicates, coverage, indicator_values, indicator_kinds, weights, previous_year,
        change_rates, scores, submission, residue,
    )  # fmt: skip
    return [finding for rule in rules for finding in rule(c)]


def _owner(found: Found) -> str:
    """How a message names the owner of a tree: 项目「甲」, or 部门整体."""
    return f"{found.list_label}「{found.item.name}」" if found.item is not None and found.item.name else "部门整体"


# ---------------------------------------------------------------------------------------------
# Indicator trees


def indicator_frameworks(c: Checking) -> Iterator[Finding]:
    """Each 一级 belongs to the spec's 指标体系 and each 二级 to its 一级 (aliases accepted)."""
    name = c.computed.spec.framework or c.computed.layout.framework
    framework = frameworks().get(name)
    if framework is None:
        yield c.error(("指标体系",), "F001", f"没有名为「{name}」的指标体系：可用的有 {'、'.join(frameworks())}。")
        return
    for found in c.trees:
        tree: Tree = found.value
        for level1 in tree.level1s:
            if framework.canonical(level1) not in framework.levels:
                yield c.error(
                    (*found.loc, level1), "F002",
                    f"「{level1}」不是指标体系「{name}」的一级指标{closest(level1, framework.level1_names())}"
                    f"可用的一级指标有：{'、'.join(framework.level1_names())}。",
                    key=True,
                )  # fmt: skip
        for group in tree.groups:
            allowed = framework.level2_names(group.level1)
            if framework.canonical(group.level1) in framework.levels and framework.canonical(group.level2) not in allowed:
                yield c.error(
                    (*found.loc, group.level1, group.level2), "F003",
                    f"二级指标「{group.level2}」不属于一级指标「{group.level1}」（指标体系「{name}」）{closest(group.level2, list(allowed))}"
                    f"「{group.level1}」下可用的二级指标有：{'、'.join(allowed)}。",
                    key=True,
                )  # fmt: skip


def group_notes(c: Checking) -> Iterator[Finding]:
    """A 二级 written as its fields only must be one whose rows the layout generates; a 二级
    with no rows at all (`经济效益指标: []`) is a mistake (it would leave a blank label)."""
    for found in c.trees:
        generated = {(g.level1, g.level2) for g in c.computed.layout.indicators.generated if g.into == found.field.label} if found.item is None else set()
        for group in found.value.groups:
            if group.note is None and not group.indicators and (group.level1, group.level2) not in generated:
                yield c.error(
                    (*found.loc, group.level1, group.level2), "I001",
                    f"「{group.level2}」下没有写指标：请写上「- 指标名称: 指标值」，或删去「{group.level2}:」这一行。",
                    key=True,
                )  # fmt: skip
            elif group.note is not None and (group.level1, group.level2) not in generated:
                yield c.error(
                    (*found.loc, group.level1, group.level2), "I001",
                    f"「{group.level2}」下没有写指标：请写成「- 指标名称: 指标值」的列表"
                    f"（只有版式自动生成指标行的二级指标才能只写说明）。",
                    key=True,
                )  # fmt: skip


def coverage(c: Checking) -> Iterator[Finding]:
    """Each project should have the 一级 its 指标体系 requires (产出, 效益, 满意度; 成本 from 2021)."""
    framework = c.computed.framework
    for found in c.trees:
        if found.item is None:
            continue
        present = {framework.canonical(group.level1) for group in found.value.groups if group.indicators}  # an empty 一级 is none
        for level1, code in framework.coverage.items():
            if level1 not in present:
                yield c.warning(found.loc, code, f"{_owner(found)}没有设置{level1}：请补充，或在「规则级别」中关闭 {code}。")


# A number typed with letters that look like digits: 1OO%, l00, 9O (no other letter beside it).
# Only a run that starts with a digit (1OO, 2O23) or stands before a % (l00%): O2O, O3 are words.
LOOKALIKE_DIGITS = re.compile(r"(?<![A-Za-z0-9])(?:[0-9](?=[0-9OoIl]*[OoIl])[0-9OoIl]+|(?=[0-9OoIl]*[0-9])(?=[0-9OoIl]*[OoIl])[0-9OoIl]{2,}(?=\s*[%％]))(?![A-Za-z])")
LOOKALIKES = str.maketrans("OoIl", "0011")


def indicator_values(c: Checking) -> Iterator[Finding]:
    """指标值: a rate above 100 % (292% is usually ≥92% misread), text with a % unit, a comparator
    without a number, a unit written both in the name and in the value."""
    for _, row, loc in c.rows():
        here, value, name = c.value_loc(loc), row.value, row.name
        if isinstance(row.written, ValueParts):
            written = c.computed.layout.indicators.neutral
            comparator = row.written.parts.get(written.get("comparator", ""), "").strip()
            unit = row.written.parts.get(written.get("unit", ""), "").strip()
            if comparator in COMPARATORS and not value.number:
                yield c.error(here, "I004", f"「{name}」的符号是「{comparator}」，但没有写数值：定量指标必须有数值。")
            elif not value.number and unit in ("%", "％", "百分比"):
                yield c.warning(here, "I003", f"「{name}」是文字描述，却以「{unit}」为单位：请写出数值，或去掉百分号。")
            continue
        if not isinstance(row.written, str):
            continue
        lookalike = LOOKALIKE_DIGITS.search(row.written)
        if lookalike:
            meant = lookalike.group(0).translate(LOOKALIKES)
            yield c.warning(here, "I008", f"「{name}」的指标值里「{lookalike.group(0)}」混有字母（O、l、I 像数字 0、1）：应是「{meant}」吧，请改成数字。")
        if value.unit == "%" and value.number and Decimal(value.number) > 100 and "率" in name:
            yield c.warning(here, "I002", f"「{name}」的指标值 {value.text} 超过 100%：请确认是否笔误（例如把 ≥92% 写成了 292%）。")
        if value.unit and value.number and re.search(rf"[（(]\s*{re.escape(value.unit)}\s*[)）]\s*$", name):
            yield c.warning(here, "I006", f"「{name}」的名称和指标值都写了单位「{value.unit}」，文档里会重复：请从名称中删去「{value.unit}」。")


def indicator_kinds(c: Checking) -> Iterator[Finding]:
    """Declared kinds and directions must agree with the value: 定量 carries a number, 定性 has no
    % unit; 正向 is not written ≤, 反向 not ≥."""
    block = c.computed.layout.indicators.block
    kinds = [f for f in block.fields if f.role == "kind" and isinstance(f.type, ChoiceType)]
    directions = [f for f in block.fields if f.role == "direction" and isinstance(f.type, ChoiceType)]
    for _, row, loc in c.rows():
        value = row.value
        for f in kinds:
            kind = row.values.get(f.label) or ""
            if "定量" in kind and not value.number and not isinstance(row.written, ChangeRate):
                yield c.error((*loc, f.label), "I005", f"「{row.name}」标为「{kind}」，指标值却没有数值：请写成 ≥90%、=12个 这样的数值，或改为定性。")
            if "定性" in kind and value.unit == "%":
                yield c.warning((*loc, f.label), "I003", f"「{row.name}」标为「{kind}」，指标值却以 % 为单位：请改为定量，或写成文字描述。")
        for f in directions:
            direction = row.values.get(f.label) or ""
            if ("正向" in direction and value.comparator in ("≤", "<")) or ("反向" in direction and value.comparator in ("≥", ">")):
                yield c.error((*loc, f.label), "I007", f"「{row.name}」标为「{direction}」，计算符号却是「{value.comparator}」：正向指标用 ≥ 或 >，反向指标用 ≤ 或 <，请改正其中一个。")


def weights(c: Checking) -> Iterator[Finding]:
    """The weights (分值) of each tree's indicators add up to the total the layout declares."""
    for f in c.computed.layout.indicators.block.fields:
        total = f.options.get("total")
        if f.role != "weight" or total is None:
            continue
        given: dict[PathKey, list[Decimal]] = {}
        trees: dict[PathKey, Found] = {}
        for found, row, _ in c.rows():
            if row.values.get(f.label) is not None:
                given.setdefault(found.loc, []).append(row.values[f.label])
                trees[found.loc] = found
        for loc, weights_given in given.items():  # a tree without weights (the spec's own, say) is left alone
            shown = sum(weights_given, Decimal(0))
            if shown != total:
                yield c.error(loc, "W001", f"{_owner(trees[loc])}的指标「{f.label}」合计为 {amount_text(shown, None)}，应为 {amount_text(total, None)}：请调整各指标的{f.label}。")


# ---------------------------------------------------------------------------------------------
# Declared fields


def unresolved_defaults(c: Checking) -> Iterator[Finding]:
    """A required field left out whose default cannot be worked out."""
    for missing in c.computed.unresolved:
        how = f"请写成「{missing.scalar}: …」「{missing.field.label}: …」两行" if missing.scalar else f"请写出「{missing.field.label}: …」"
        yield c.error(missing.loc, "G001", f"「{missing.field.label}」没有写，也无法按默认「{missing.field.default}」得出（{missing.reason}）：{how}。")


def checkpoints(c: Checking) -> Iterator[Finding]:
    """Checkpoints (资金支出计划): each 0–100 %, cumulative (non-decreasing) where declared, the
    last one at its final value once any is filled; all blank is allowed."""
    for found in c.written:
        kind = found.field.type
        if not isinstance(kind, CheckpointsType):
            continue
        label, previous = found.field.label, None
        for point, value in found.value.items():
            if value is None:
                continue
            if isinstance(kind.of, PercentType) and not Decimal(0) <= value <= Decimal(100):
                yield c.error((*found.loc, point), "P001", f"{label}「{point}」为 {value}%，应在 0% 到 100% 之间。")
            elif kind.cumulative and previous and value < previous[1]:
                yield c.error(
                    (*found.loc, point), "P002",
                    f"{label}是累计数，「{point}」的 {kind.of.show(value)} 不能小于「{previous[0]}」的 {kind.of.show(previous[1])}。",
                )  # fmt: skip
            previous = (point, value)
        last = kind.points[-1]
        if previous and kind.final is not None and found.value[last] != kind.final:
            yield c.error(found.loc, "P003", f"{label}填写后，「{last}」应为 {kind.of.show(kind.final)}（全年累计完成）。")


def patterns(c: Checking) -> Iterator[Finding]:
    """A code (项目编码 …) should match the pattern the layout declares for it."""
    for found in c.written:
        kind = found.field.type
        if isinstance(kind, TextType) and kind.pattern and isinstance(found.value, str) and not re.fullmatch(kind.pattern, found.value):
            yield c.warning(
                found.loc, "C001",
                f"{found.field.description or found.field.label}「{found.value}」不符合{c.computed.layout.name}的编码规则（{kind.pattern}）：请核对是否抄错。",
            )  # fmt: skip


def text_lengths(c: Checking) -> Iterator[Finding]:
    """A text the form limits (100 字, 200 字 …)."""
    for found in c.written:
        kind = found.field.type
        if isinstance(kind, TextType) and kind.max_length and isinstance(found.value, str):
            length = len(re.sub(r"\s", "", found.value))
            if length > kind.max_length:
                yield c.warning(found.loc, "T002", f"「{found.field.label}」有 {length} 字，{c.computed.layout.name}规定不超过 {kind.max_length} 字：请精简。")


def stated_totals(c: Checking) -> Iterator[Finding]:
    """A total written in the spec must equal what its formula gives: a sum exactly, any other
    formula (a share, a rate) to the decimals written."""
    for stated in c.computed.stated:
        formula, computed = stated.field.formula, stated.computed
        if computed is None:
            continue
        if not formula.is_sum():
            computed = computed.quantize(Decimal(1).scaleb(stated.written.as_tuple().exponent), c.computed.layout.money.rounding)
        if stated.written != computed:
            parts = " + ".join(f"{label} {amount_text(v, None) if v is not None else 0}" for label, v in stated.parts) if formula.is_sum() else formula.text
            yield c.error(
                _written(c, stated.loc), "M001",
                f"{stated.field.label} {amount_text(stated.written, None)} 不等于 {parts} = {amount_text(computed, None)}：请核对金额（{stated.field.label}也可以不写，自动计算）。",
            )  # fmt: skip


def _written(c: Checking, loc: PathKey) -> PathKey:
    """`loc` (by labels) with the key the spec wrote for its last part, when that was an alias."""
    found = next((f for f in c.written if f.path == loc), None)
    return found.loc if found is not None else loc


def money_precision(c: Checking) -> Iterator[Finding]:
    """An amount finer than a 分 (万元 with more than 6 decimals, 元 with more than 2): usually a unit mistake."""
    for found in c.written:
        kind = found.field.type
        if isinstance(kind, MoneyType) and isinstance(found.value, Decimal):
            decimals = -found.value.as_tuple().exponent
            if decimals > kind.max_places:
                yield c.warning(
                    found.loc, "M002",
                    f"「{found.loc[-1]}」{found.value} 有 {decimals} 位小数（{kind.unit}到第 {kind.max_places} 位即 1 分）：请确认单位是{kind.unit}。",
                )  # fmt: skip


def shown_totals(c: Checking) -> Iterator[Finding]:
    """Rounded for display, parts must still add up to the shown total (1.245 + 0.125 shown with
    two decimals gives 1.25 + 0.13 beside 1.37): say so instead of printing a table that does not
    add up. Both a total beside its parts (年度资金总额 = 财政拨款 + 其他资金) and the 合计 of a list's
    amounts (each project's 预算数) are looked at; the first disagreement is reported."""
    for found in c.resolved:
        kind = found.field.type
        formula = found.field.formula
        if isinstance(kind, MoneyType) and kind.places is not None and formula is not None and formula.is_sum() and found.parent is not None:
            paths = formula.parts()
            beside = all(len(path) == 1 and _is_money(found, path[0]) for path in paths)  # amounts of the same block only
            parts = [p for path in paths if (p := found.parent.get(path[0])) is not None] if beside else []
            total = sum(parts, Decimal(0))  # what the parts give (a wrong written total is M001's)
            if parts and _disagree(kind, parts, total):
                yield c.warning(found.loc, "M003", _rounding_message(kind, parts, total, found.field.label))
                return
        items = kind.item if isinstance(kind, ListType) and isinstance(kind.item, BlockType) else None
        for f in items.fields if items is not None else ():
            amounts = [a for item in found.value if (a := item.values.get(f.label)) is not None]
            if isinstance(f.type, MoneyType) and f.type.places is not None and len(amounts) > 1 and _disagree(f.type, amounts, sum(amounts, Decimal(0))):
                yield c.warning(found.loc, "M003", f"各{items.kind}的「{f.label}」：" + _rounding_message(f.type, amounts, sum(amounts, Decimal(0)), "合计"))
                return


def _is_money(found: Found, label: str) -> bool:
    """Whether `label` beside `found` (in the same block) is an amount."""
    beside = found.block.field(label) if found.block is not None else None
    return beside is not None and isinstance(beside.type, MoneyType)


def _disagree(money: MoneyType, parts: list[Decimal], total: Decimal) -> bool:
    shown = sum((Decimal(money.show(p).replace(",", "")) for p in parts), Decimal(0))
    return shown != Decimal(money.show(total).replace(",", ""))


def _rounding_message(money: MoneyType, parts: list[Decimal], total: Decimal, label: str) -> str:
    shown = " + ".join(money.show(p) for p in parts)
    return (
        f"金额显示为 {money.places} 位小数，各项 {shown} 之和与显示的{label} {money.show(total)} 不等（四舍五入造成）："
        f"请把金额写到 {money.places} 位小数，或在版式里改变小数位。"
    )


def duplicates(c: Checking) -> Iterator[Finding]:
    """Two items of one kind with the same name, or the same code, are a copy-paste mistake."""
    seen: dict[tuple[str, str, str], PathKey] = {}
    for found in c.written:
        block = found.field.type.item if isinstance(found.field.type, ListType) and isinstance(found.field.type.item, BlockType) else None
        if block is None:
            continue
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
                    line = c.source.position((*first, label)).line
                    yield c.error((*loc, label), code, f"{block.kind}{label}「{value}」与第 {line} 行的{block.kind}重复：请修改或合并这两个{block.kind}。")


# ---------------------------------------------------------------------------------------------
# Year over year


def previous_year(c: Checking) -> Iterator[Finding]:
    """上年规格 should be the spec of the year before."""
    spec = c.computed.spec
    previous = spec.previous_year
    if previous is not None and previous.year != spec.year - 1:
        yield c.warning(
            ("上年规格",), "V007",
            f"上年规格「{spec.previous_spec}」的年度是 {previous.year}，本规格是 {spec.year}："
            f"请确认它指向 {spec.year - 1} 年度的规格文件（变动率按它计算）。",
        )  # fmt: skip


def change_rates(c: Checking) -> Iterator[Finding]:
    """A 变动率 needs the figure in this spec's and in the previous spec's 财务数据, 上年 not 0."""
    spec = c.computed.spec
    previous = spec.previous_year
    unchanged: set[str] = set()
    for _, row, loc in c.rows():
        if not isinstance(row.written, ChangeRate):
            continue
        at, figure = c.value_loc(loc), row.written.figure
        if previous is None:
            yield c.error(
                at, "V003",
                f"「{row.name}」按变动率计算，需要上年的规格：请在「年度」下面加上「上年规格: ../{spec.year - 1}/文件名.yaml」"
                f"（perfgen rollover 会自动加上），或直接写出指标值。",
            )  # fmt: skip
            continue
        now, before = spec.figures.get(figure), previous.figures.get(figure)
        if now is None:
            known = f"已有：{'、'.join(spec.figures)}" if spec.figures else "本规格还没有「财务数据」"
            yield c.error(
                (*at, "变动率"), "V004",
                f"「{row.name}」要用本年「财务数据」中的「{figure}」，但没有找到（{known}）："
                f"请在「财务数据:」下加上「{figure}: 本年数」，或改正名称。",
            )  # fmt: skip
        if before is None:
            yield c.error(
                (*at, "变动率"), "V005",
                f"上年规格 {previous.path} 的「财务数据」里没有「{figure}」：请在上年规格里补上上年数，或直接写出指标值。",
            )  # fmt: skip
        elif before == 0:
            yield c.error(
                (*at, "变动率"), "V006",
                f"上年的「{figure}」为 0（{previous.path}），无法计算变动率：请直接写出指标值。",
            )  # fmt: skip
        elif now == before and figure not in unchanged and change_rate(spec, row.written) is not None:
            unchanged.add(figure)
            yield c.warning(
                ("财务数据", figure), "V008",
                f"「{figure}」与上年相同（{now}），「{row.name}」为 0%：如果这是从上年结转（perfgen rollover）"
                f"后还没有更新的数，请改为 {spec.year} 年度的数。",
            )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Monitoring and self-evaluation: what the finance system would refuse on submission

RESIDUE = re.compile(r"[（(]\s*\d+\s*字以内\s*[）)]|^\s*指标\s*\d+\s*[:：]?\s*$|^\s*指标\s*\d+\s*[:：]|…{2,}|\.{4,}|[≥≤=＝><]\s*\*+|^\s*\*+\s*$|^\s*[xX×]{2,}\s*$")


def scores(c: Checking) -> Iterator[Finding]:
    """What the scoring noted (an actual that cannot be scored, a score outside its band, weights
    that do not add up …), and each score the spec writes that is not the computed one."""
    evaluation = c.computed.layout.evaluation
    for evaluated in c.computed.evaluated:
        item = (evaluation.items, evaluated.index)
        for note in evaluated.score.notes:
            if note.row is None:
                path = evaluation.input(note.about) or ()
                loc = (*item, *path) if path and resolved(c.computed, (*item, *path)) is not None else item
                if note.about in ROW_INPUTS:  # about the indicators as a whole (their weights)
                    loc = (*item, evaluation.indicators)
            else:
                row = evaluated.rows[note.row]
                loc = (*item, evaluation.indicators, row.level1, row.level2, row.index)
                path = evaluation.input(note.about)
                if path and row.index >= 0 and row.values.get(path[0]) is not None:
                    loc = (*loc, path[0])
            yield c.warning(loc, note.code, note.message) if note.code in ("A005", "A010") else c.error(loc, note.code, note.message)
        for loc, label, written, computed in evaluated.differing:
            shown = "（算不出）" if computed is None or computed == "" else amount_text(computed, None) if isinstance(computed, Decimal) else computed
            yield c.error(loc, "A011", f"「{label}」由 perfgen 计算，应为 {shown}，写的是 {amount_text(written, None) if isinstance(written, Decimal) else written}：请删去它（或改正所依据的数）。")


def submission(c: Checking) -> Iterator[Finding]:
    """The monitoring and self-evaluation rules a finance system checks on submission: a 执行率
    below the line without a reason, a budget changed without an explanation, 有可能 / 完全不可能
    without reason and measures, the 实际完成情况 copied from the 年度目标."""
    for stage in c.computed.stages:  # monitoring, then self-evaluation, each by its own inputs
        if stage.evaluation is not None:
            yield from _submission(c, stage.evaluation)


def _submission(c: Checking, evaluation: Evaluation) -> Iterator[Finding]:
    rates = {e.index: e.score.rate for e in c.computed.evaluated} if evaluation is c.computed.layout.evaluation else {}

    def value(i: int, name: str):
        path = evaluation.input(name)
        return resolved(c.computed, (evaluation.items, i, *path)) if path else None

    for i, item in enumerate(resolved(c.computed, (evaluation.items,)) or ()):
        here = (evaluation.items, i)
        rate = rates.get(i)
        if rate is not None and rate < evaluation.explain_below and not value(i, "execution_reason") and evaluation.input("execution_reason"):
            label = evaluation.input("execution_reason")[-1]
            yield c.error(here, "A012", f"项目「{item.name}」预算执行率 {rate}% 低于 {evaluation.explain_below}%：请在「{label}」中说明原因。")
        initial, budget = value(i, "initial"), value(i, "budget")
        if initial is not None and budget is not None and initial != budget and not value(i, "adjustment") and evaluation.input("adjustment"):
            label = evaluation.input("adjustment")[-1]
            yield c.warning(
                (*here, *evaluation.input("budget")[:1]), "A013",
                f"项目「{item.name}」全年预算数 {amount_text(budget, None)} 与年初预算数 {amount_text(initial, None)} 不同：请在「{label}」中说明调整（追加或调减）的理由。",
            )  # fmt: skip
        goal, achieved = value(i, "goal"), value(i, "achieved")
        if goal and achieved and _plain(goal) == _plain(achieved):
            yield c.error((*here, evaluation.input("achieved")[-1]), "A015", f"项目「{item.name}」的实际完成情况与年度目标一字不差：请写实际完成了什么（数量、进度、效果）。")
        likelihood = evaluation.input("likelihood")
        if likelihood is None:
            continue
        for row in item.values.get(evaluation.indicators) or ():
            said = row.values.get(likelihood[0]) if len(likelihood) == 1 else None
            if not said or str(said) not in evaluation.unlikely:
                continue
            missing = [evaluation.input(n)[-1] for n in ("reason", "measures") if evaluation.input(n) and not _row_or_item(row, item, evaluation.input(n))]
            if missing:
                loc = (*here, evaluation.indicators, row.level1, row.level2, row.index, likelihood[0])
                yield c.error(loc, "A014", f"「{row.name}」完成目标可能性为「{said}」：请填写{'和'.join(f'「{m}」' for m in missing)}。")


def _row_or_item(row: Row, item, path: tuple):
    value = row.values.get(path[0]) if len(path) == 1 else None
    if value is None:
        value = item.values
        for part in path:
            value = value.get(part) if hasattr(value, "get") else None
    return value


def _plain(text) -> str:
    return re.sub(r"[\s，,。.;；:：]", "", str(text))


def residue(c: Checking) -> Iterator[Finding]:
    """Text a form printed as an instruction or a placeholder, left in an answer: 「(100字以内)」,
    「指标2」, 「……」, 「≥**」."""
    for found in c.written:
        if isinstance(found.value, str) and RESIDUE.search(found.value):
            yield c.warning(found.loc, "A016", f"「{found.field.label}」里像是表格的填写说明或占位符（「{RESIDUE.search(found.value).group(0).strip()}」）：请换成实际内容。")
    for _, row, loc in c.rows():
        texts = [("三级指标", row.name, loc), ("指标值", row.value.text, c.value_loc(loc))]
        texts += [(label, v, (*loc, label)) for label, v in row.values.items() if isinstance(v, str) and c.writes((*loc, label))]
        for label, text, where in texts:
            if text and RESIDUE.search(text):
                yield c.warning(where, "A016", f"「{label}」里像是表格的填写说明或占位符（「{RESIDUE.search(text).group(0).strip()}」）：请换成实际内容。")
