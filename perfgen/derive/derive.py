"""Stage 3a: compute what the user did not type, layout-neutral (pure functions).

`compute(spec, layout)` resolves every declared field of the spec: formulas computed in Decimal
(年度资金总额 = Σ sources, totals over items, shares), defaults filled from their templates
(编制单位 = 部门, a goal's 简称 from the task of its number), 变动率 derived from last year's
财务数据, and each indicator tree turned into its rows — written order, generated rows first in
their group, 一级/二级 in canonical form beside the written names, 指标值 parsed. `present` then
shows these values in the layout's style; `tables` builds the 附表 from them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..model.fieldtypes import BlockType, ChoiceType, Field, IndicatorsType, ListType, MoneyType, PercentType, SectionsType
from ..model.formula import Path, Reference, parse_template
from ..model.frameworks import Framework, frameworks
from ..model.indicators import Parsed, parse_value
from ..model.layout import Layout
from ..model.model import ChangeRate, Indicator, IndicatorValue, Item, Section, Spec, Tree, ValueParts, Values
from ..model.numbering import item_number
from ..model.scoring import ItemScore, RowInput, score_item
from .walk import writes_any


@dataclass(frozen=True)
class Row:
    """One row of an indicator table: a written or generated 三级, or (where the layout shows every
    二级 of the framework) an empty placeholder."""

    level1: str  # as written
    level2: str
    canonical1: str  # the 一级 in the framework's own words (aliases resolved)
    name: str
    written: IndicatorValue  # the 指标值 as written (a 变动率 left as such)
    value: Parsed  # the 指标值 shown, parsed (a 变动率 computed)
    values: Values  # the declared indicator fields, defaults filled
    generated: bool = False
    placeholder: bool = False
    index: int = 0  # place in the written group (-1 for generated and placeholder rows)


@dataclass(frozen=True)
class Stated:
    """A formula field the spec also wrote: what it wrote, what the formula gives, and the parts."""

    loc: tuple
    field: Field
    written: Decimal
    computed: Decimal | None
    parts: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Unresolved:
    """A required field left out whose default cannot be worked out (e.g. no task of the goal's number)."""

    loc: tuple
    field: Field
    reason: str
    scalar: str | None  # the block's short form: a value written alone fills this field


@dataclass(frozen=True)
class Computed:
    spec: Spec
    layout: Layout
    framework: Framework
    values: Values  # the spec's fields, core ones included, resolved; indicator fields hold tuples of `Row`
    stated: tuple[Stated, ...]
    unresolved: tuple[Unresolved, ...]
    evaluated: tuple[Evaluated, ...] = ()  # the self-evaluation of each item, where the layout scores
    stages: tuple[Layout, ...] = ()  # the layouts of the chain whose documents the spec builds


@dataclass(frozen=True)
class Evaluated:
    """One evaluated item (a project's 自评表): its scores, its rows as scored, and each score the
    spec also wrote that differs from the computed one (loc, label, written, computed)."""

    index: int
    score: ItemScore
    rows: tuple[Row, ...]
    differing: tuple[tuple[tuple, str, Any, Any], ...]


def compute(spec: Spec, layout: Layout, *, defaults: bool = True) -> Computed:
    """`spec` resolved; with `defaults=False` a field left out stays empty (what was written,
    with formulas computed: what `diff` compares)."""
    framework = frameworks().get(spec.framework or layout.framework) or frameworks()[layout.framework]
    core = {
        "版式": spec.layout, "年度": spec.year, "部门": spec.department, "上年规格": spec.previous_spec,
        "财务数据": spec.figures, "指标体系": spec.framework, "规则级别": spec.rule_levels,
    }  # fmt: skip
    computer = _Computer(spec, layout, framework, defaults)
    root = _Scope(computer, layout.root, Values({**core, **spec.values}), None, (), None, None)
    values = root.resolved()
    values, evaluated = _evaluate(values, layout)
    return Computed(spec, layout, framework, values, tuple(computer.stated), tuple(computer.unresolved), evaluated, _stages(spec, layout))


def _stages(spec: Spec, layout: Layout) -> tuple[Layout, ...]:
    """The targets, the spec's own layout, and a stage between them (monitoring below
    self-evaluation) when the spec writes any of the fields that stage adds."""
    chain = layout.chain
    return tuple(
        stage for stage in chain
        if stage is chain[0] or stage is chain[-1] or writes_any(layout.root, spec.values, stage.own_fields())
    )  # fmt: skip


class _Unresolvable(Exception):
    pass


class _Computer:
    def __init__(self, spec: Spec, layout: Layout, framework: Framework, defaults: bool):
        self.spec, self.layout, self.framework, self.defaults = spec, layout, framework, defaults
        self.stated: list[Stated] = []
        self.unresolved: list[Unresolved] = []


class _Scope:
    """The values of one block (the spec, an item, a nested block), resolved on demand so that a
    formula or a default can use any other field, here or in an enclosing scope."""

    def __init__(self, computer: _Computer, block: BlockType, raw: Values, parent: _Scope | None, loc: tuple, position: int | None, numbering: str | None):
        self.computer, self.block, self.raw, self.parent, self.loc = computer, block, raw, parent, loc
        self.position, self.numbering = position, numbering  # 1-based place in its list, and the list's format
        self._values: dict[str, Any] = {}
        self._children: dict[str, list[_Scope]] = {}
        self._busy: set[str] = set()

    # -- fields of this scope

    def value(self, label: str) -> Any:
        if label not in self._values:
            if label in self._busy:  # a cycle layout.py did not see: leave it empty
                return None
            self._busy.add(label)
            self._values[label] = self._resolve(self.block.field(label))
            self._busy.discard(label)
        return self._values[label]

    def _resolve(self, f: Field) -> Any:
        raw = self.raw.get(f.label)
        if f.formula is not None:
            computed = f.formula.evaluate(self._lookup)
            if computed is not None and f.type.kind == "count":
                computed = int(computed)
            if raw is not None:
                parts = tuple((".".join(path), self._lookup("ref", path)[0]) for path in f.formula.parts())
                self.computer.stated.append(Stated((*self.loc, f.label), f, raw, computed, parts))
                return raw
            return computed
        if f.default is not None and f.type.is_empty(raw) and self.computer.defaults:
            if f.type.kind != "text":  # a number defaulting to another: its value, unformatted
                return self._lookup("ref", tuple(f.default.strip()[1:-1].split(".")))[0]
            return self._default(f)
        kind = f.type
        if isinstance(kind, IndicatorsType):
            return tuple(_rows(self, f.label, raw or Tree()))
        if isinstance(kind, ListType) and isinstance(kind.item, BlockType):
            return tuple(child.item() for child in self.children(f.label))
        if isinstance(kind, BlockType) and isinstance(raw, Values):
            return _Scope(self.computer, kind, raw, self, (*self.loc, f.label), None, None).resolved()
        if isinstance(kind, BlockType) and raw is None:  # left out: what its defaults give, if anything
            filled = _Scope(self.computer, kind, Values({}), self, (*self.loc, f.label), None, None).resolved()
            return filled if any(v not in (None, "", ()) and v != {} for v in filled.values()) else None
        if isinstance(kind, SectionsType) and isinstance(kind.item, BlockType):
            out = []
            for section in raw or ():
                child = _Scope(self.computer, kind.item, section.value, self, (*self.loc, f.label, section.title), None, None)
                out.append(Section(section.title, child.resolved()))
            return tuple(out)
        return raw

    def _default(self, f: Field) -> Any:
        try:
            text = parse_template(f.default).render(self.reference)
            if isinstance(f.type, ChoiceType) and text not in f.type.values:
                raise _Unresolvable(f"「{text}」不是「{f.label}」的可选值")
            return text
        except _Unresolvable as exc:
            if f.required:
                self.computer.unresolved.append(Unresolved(self.loc, f, str(exc), self.block.scalar))
            return None

    def resolved(self) -> Values:
        """Every field of this scope, resolved."""
        return Values({f.label: self.value(f.label) for f in self.block.fields})

    def item(self) -> Item:
        values = self.resolved()
        return Item(self.block.name_of(values), values)

    def children(self, label: str) -> list[_Scope]:
        """One scope per element of the list field `label` of this scope."""
        if label not in self._children:
            f = self.block.field(label)
            kind = f.type
            elements = self.raw.get(label) or ()
            self._children[label] = [
                _Scope(self.computer, kind.item, element.values, self, (*self.loc, label, i), i + 1, kind.numbering) for i, element in enumerate(elements)
            ]
        return self._children[label]

    # -- looking names up, here and outwards

    def owner(self, label: str) -> _Scope | None:
        """The nearest scope declaring `label`; while a scope computes `label` itself, the name
        means the enclosing one's (全年预算数.财政拨款 defaulting to the project's 财政拨款)."""
        own = self.block.field(label)
        scope: _Scope | None = self.parent if own is not None and own.label in self._busy else self
        while scope is not None and scope.block.field(label) is None:
            scope = scope.parent
        return scope

    def _lookup(self, how: str, path: Path) -> tuple[Any, bool]:
        """For formulas: (value, is an amount) of `path` — a field, `sum` over a list, `count`."""
        scope = self.owner(path[0])
        if scope is None:
            return None, False
        if how == "count":
            return len(scope.raw.get(path[0]) or ()), False
        if how == "sum":
            kind = scope.block.field(path[0]).type.item
            inner = kind.field(path[1]) if isinstance(kind, BlockType) else None
            values = [child.value(path[1]) for child in scope.children(path[0])]
            given = [v for v in values if v is not None]
            return (sum(given, Decimal(0)) if given else None), isinstance(getattr(inner, "type", None), MoneyType)
        f = scope.block.field(path[0])
        value = scope.value(path[0])
        for part in path[1:]:
            f = f.type.field(part) if isinstance(f.type, BlockType) else None
            value = value.get(part) if isinstance(value, Values) else None
        return value, isinstance(getattr(f, "type", None), MoneyType)

    def reference(self, reference: Reference) -> Any:
        """For templates: the text `{…}` stands for."""
        path = reference.path
        if path == ("序号",) and self.position is not None:
            return item_number(self.numbering, self.position) if self.numbering else self.position
        scope = self.owner(path[0])
        if scope is None:
            raise _Unresolvable(f"没有「{path[0]}」")
        f, value = scope.block.field(path[0]), None
        if len(path) > 1 and path[1] == ("序号",):
            children = scope.children(path[0])
            position = self._position()
            if position is None or position > len(children):
                raise _Unresolvable(f"「{path[0]}」没有第 {position} 项")
            target = children[position - 1]
            rest = path[2:]
            if not rest:
                return target.item().name
            f, value = target.block.field(rest[0]), target.value(rest[0])
            path = rest
        else:
            value = scope.value(path[0])
        for part in path[1:]:
            f = f.type.field(part) if f is not None and isinstance(f.type, BlockType) else None
            value = value.get(part) if isinstance(value, Values) else None
        if value is None:
            raise _Unresolvable(f"「{reference.text}」没有填写")
        return f.type.show(value) if f is not None else value

    def reference_or_blank(self, reference: Reference) -> Any:
        try:
            return self.reference(reference)
        except _Unresolvable:
            return ""

    def _position(self) -> int | None:
        scope: _Scope | None = self
        while scope is not None and scope.position is None:
            scope = scope.parent
        return scope.position if scope else None


# ---------------------------------------------------------------------------------------------
# Indicator rows


def _rows(scope: _Scope, label: str, tree: Tree):
    computer = scope.computer
    layout, framework = computer.layout, computer.framework
    spec_level = scope.parent is None
    made: dict[tuple[str, str], list[Indicator]] = {}
    if spec_level:
        for rule in layout.indicators.generated:
            if rule.into == label:
                for child in scope.children(rule.source):
                    name = rule.name.render(child.reference_or_blank)
                    made.setdefault((rule.level1, rule.level2), []).append(Indicator(name, rule.value, Values({})))
    groups: dict[str, dict[str, list[tuple[Indicator, bool, int]]]] = {level1: {} for level1 in tree.level1s}
    for group in tree.groups:
        generated = [(indicator, True, -1) for indicator in made.get((group.level1, group.level2), [])]
        if group.note is not None:
            if generated:
                first, flag, _ = generated[0]
                filled = {k: v for k, v in group.note.items() if v is not None}
                generated[0] = (Indicator(first.name, first.value, Values({**first.values, **filled})), flag, -1)
            groups.setdefault(group.level1, {})[group.level2] = generated
        else:
            groups.setdefault(group.level1, {})[group.level2] = [*generated, *((ind, False, i) for i, ind in enumerate(group.indicators))]
    for (level1, level2), indicators in made.items():
        if indicators and level2 not in groups.get(level1, {}):
            groups.setdefault(level1, {})[level2] = [(indicator, True, -1) for indicator in indicators]
    block = layout.indicators.block
    for level1, level2s in groups.items():
        canonical1 = framework.canonical(level1)
        if layout.indicators.all_level2:
            level2s = _every_level2(framework, canonical1, level2s)
        for level2, entries in level2s.items():
            if not entries and layout.indicators.all_level2:
                yield Row(level1, level2, canonical1, "", None, Parsed(""), Values({f.label: None for f in block.fields}), placeholder=True, index=-1)
            for indicator, generated, index in entries:
                written = indicator.value
                value = parse_value(_shown_value(computer.spec, written), layout.indicators.neutral)
                row_scope = _RowScope(scope, block, indicator, level1, level2, value)
                values = Values({f.label: row_scope.field_value(f) for f in block.fields})
                yield Row(level1, level2, canonical1, indicator.name, written, value, values, generated, index=index)


def _every_level2(framework: Framework, canonical1: str, written: dict[str, list]) -> dict[str, list]:
    """The framework's 二级 of `canonical1`, in its order, with what was written (aliases
    matched), then any written ones the framework does not list."""
    by_canonical = {framework.canonical(level2): level2 for level2 in written}
    out = {by_canonical.get(level2, level2): written.get(by_canonical.get(level2, level2), []) for level2 in framework.level2_names(canonical1)}
    return {**out, **{k: v for k, v in written.items() if k not in out}}


def _shown_value(spec: Spec, value: IndicatorValue) -> str | ValueParts | None:
    if isinstance(value, ChangeRate):
        return PercentType().show(change_rate(spec, value))
    return value


class _RowScope:
    """An indicator row's own names (一级, 二级, 名称, 指标值 and its fields) before its item's."""

    def __init__(self, parent: _Scope, block: BlockType, indicator: Indicator, level1: str, level2: str, value: Parsed):
        self.parent, self.block, self.indicator = parent, block, indicator
        self.names = {"一级": level1, "二级": level2, "名称": indicator.name, "指标值": value.text}

    def field_value(self, f: Field) -> Any:
        raw = self.indicator.values.get(f.label)
        if f.default is None or not f.type.is_empty(raw):
            return raw
        try:
            return parse_template(f.default).render(self.reference)
        except _Unresolvable:
            return None

    def reference(self, reference: Reference) -> Any:
        first = reference.path[0]
        if len(reference.path) == 1 and first in self.names:
            return self.names[first]
        f = self.block.field(first)
        if f is not None and len(reference.path) == 1:
            raw = self.indicator.values.get(first)
            if raw is None:
                raise _Unresolvable(f"「{first}」没有填写")
            return f.type.show(raw)
        return self.parent.reference(reference)


# ---------------------------------------------------------------------------------------------
# Self-evaluation scores


def _evaluate(values: Values, layout: Layout) -> tuple[Values, tuple[Evaluated, ...]]:
    """The items of the layout's evaluated list with their `score:` fields filled by the profile."""
    evaluation = layout.evaluation
    if evaluation is None or evaluation.profile is None:
        return values, ()
    profile = evaluation.profile
    item_block = layout.root.field(evaluation.items).type.item
    item_scores = [f for f in item_block.fields if f.score]
    row_scores = [f for f in layout.indicators.block.fields if f.score]
    kinds = [f.label for f in layout.indicators.block.fields if f.role == "kind"]
    items, evaluated = [], []
    for i, item in enumerate(values.get(evaluation.items) or ()):
        rows = [row for row in item.values.get(evaluation.indicators) or () if not row.placeholder]

        inputs = [_row_input(evaluation, row, item, kinds) for row in rows]
        budget, executed = (_at(item.values, evaluation.input(n) or ()) for n in ("budget", "executed"))
        score = score_item(budget, executed, inputs, profile)
        computed = score.item_values(profile)
        differing = []
        for f in item_scores:
            written = item.values.get(f.label)
            if written is not None and not _same(written, computed[f.score]):
                differing.append(((evaluation.items, i, f.label), f.label, written, computed[f.score]))
        scored_rows = []
        for row, row_score in zip(rows, score.rows, strict=True):
            shown = ItemScore.row_values(row_score)
            for f in row_scores:
                written = row.values.get(f.label)
                if written is not None and not _same(written, shown[f.score]):
                    loc = (evaluation.items, i, evaluation.indicators, row.level1, row.level2, row.index, f.label)
                    differing.append((loc, f.label, written, shown[f.score]))
            scored_rows.append(replace(row, values=Values({**row.values, **{f.label: shown[f.score] for f in row_scores}})))
        by_row = {id(row): new for row, new in zip(rows, scored_rows, strict=True)}
        all_rows = tuple(by_row.get(id(row), row) for row in item.values.get(evaluation.indicators) or ())
        item_values = {**item.values, evaluation.indicators: all_rows, **{f.label: computed[f.score] for f in item_scores}}
        items.append(Item(item.name, Values(item_values)))
        evaluated.append(Evaluated(i, score, tuple(scored_rows), tuple(differing)))
    return Values({**values, evaluation.items: tuple(items)}), tuple(evaluated)


def _row_input(evaluation, row: Row, item: Item, kinds: list[str]) -> RowInput:
    def given(name: str, fallback: bool = False) -> Any:
        path = evaluation.input(name)
        if path is None:
            return None
        value = _at(row.values, path)
        return value if value is not None or not fallback else _at(item.values, path)

    kind = next((str(row.values.get(k) or "") for k in kinds), "")
    return RowInput(row.canonical1, row.name, row.value, _text(given("actual")), given("weight"), given("given"), bool(given("reason", True)), kind)


def _at(values: Any, path: tuple) -> Any:
    for part in path:
        values = values.get(part) if isinstance(values, Values) else None
    return values


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return getattr(value, "source_text", None) or str(value)


def _same(written: Any, computed: Any) -> bool:
    if isinstance(written, Decimal) and isinstance(computed, Decimal):
        return written == computed
    return str(written).strip() == str(computed or "").strip()


# ---------------------------------------------------------------------------------------------
# Year over year


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


def level1_counts(rows) -> dict[str, int]:
    """How many 三级 each 一级 (in the framework's words) has among `rows` (empty rows not counted)."""
    counts: dict[str, int] = {}
    for row in rows:
        if not row.placeholder:
            counts[row.canonical1] = counts.get(row.canonical1, 0) + 1
    return counts


def resolved(computed: Computed, path: tuple) -> Any:
    """The resolved value at `path` (labels and list indexes) of a computed spec, or None."""
    value: Any = computed.values
    for part in path:
        if isinstance(value, Item):
            value = value.values
        if isinstance(value, Values):
            value = value.get(part)
        elif isinstance(value, tuple) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value
