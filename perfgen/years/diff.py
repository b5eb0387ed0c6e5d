"""A semantic diff of two specs, in Chinese: what a finance bureau's reviewer compares by hand.

Fields are compared as their layout declares them. Items (projects, tasks …) are matched by a
field with role code (项目编码), then by name, then by a close name, so a renamed project shows as
renamed; amounts show old → new with the signed difference and rate
(「48.36 → 58.36（+10.00，+20.7%）」); indicators are matched by 一级/二级/名称 (then by name, as
moved); long texts are summarised. `diff_specs` is pure; `diff_files` reads the two files.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..derive.derive import Computed, compute
from ..model.fieldtypes import (
    BlockType,
    CheckpointsType,
    Field,
    FieldType,
    IndicatorsType,
    ListType,
    MappingType,
    MoneyType,
    NumberType,
    PercentType,
    SectionsType,
)
from ..model.model import ChangeRate, Indicator, Item, Section, Titled, Tree, ValueParts, Values
from ..model.spec import load_spec

SHORT = 40  # texts up to this length (one line) are shown whole; longer ones are summarised
SNIPPET = 20
NAME_SIMILARITY = 0.75  # unmatched items whose names are this close count as renamed


@dataclass(frozen=True)
class Change:
    """One difference. `section` is a top-level key (项目, 绩效指标 …), `subject` the item inside it
    ("" for the section itself), `field` the label path below that; `message` says it in Chinese."""

    section: str
    subject: str
    field: str
    kind: str  # added | removed | renamed | moved | changed | amount | text
    message: str
    old: str | None = None
    new: str | None = None
    delta: str | None = None
    rate: str | None = None


@dataclass(frozen=True)
class SpecDiff:
    old: str
    new: str
    old_year: int
    new_year: int
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "old": {"path": self.old, "year": self.old_year},
            "new": {"path": self.new, "year": self.new_year},
            "changes": [asdict(change) for change in self.changes],
        }

    def text(self) -> str:
        """The report: a header, then changes grouped by section and subject."""
        lines = [f"比较 {self.old}（{self.old_year} 年度）→ {self.new}（{self.new_year} 年度）"]
        if not self.changes:
            return lines[0] + "\n两份规格没有内容上的差异。\n"
        lines[0] += f"：共 {len(self.changes)} 处变化"
        section = subject = None
        for change in self.changes:
            if change.section != section:
                section, subject = change.section, None
                lines.append(f"【{section}】")
            if not change.subject or change.kind == "renamed" or (change.kind in ("added", "removed") and not change.field):
                lines.append(f"  {change.message}")
                subject = change.subject if change.kind == "renamed" else None
                continue
            if change.subject != subject:
                subject = change.subject
                lines.append(f"  「{subject}」")
            lines.append(f"    {change.message}")
        return "\n".join(lines) + "\n"


def diff_files(old: Path, new: Path) -> SpecDiff:
    """Read and parse both specs (their 上年规格 is not followed); raise a `PerfgenError` on errors."""
    computed = [compute(*load_spec(path), defaults=False) for path in (old, new)]
    return diff_specs(computed[0], computed[1], str(old), str(new))


def diff_specs(old: Computed, new: Computed, old_name: str = "旧", new_name: str = "新") -> SpecDiff:
    """Every difference between two computed specs, field by field in the new layout's order (then
    the fields only the old layout has), compared as their declared types say."""
    changes: list[Change] = []
    for f in _union(old.layout.root, new.layout.root):
        before, after = old.values.get(f.label), new.values.get(f.label)
        if before == after or (_blank(before) and _blank(after)):
            continue
        changes.extend(_section(f, before, after))
    return SpecDiff(old_name, new_name, old.spec.year, new.spec.year, tuple(changes))


def _union(old: BlockType, new: BlockType) -> list[Field]:
    return [*new.fields, *(f for f in old.fields if new.field(f.label) is None)]


def _blank(value: Any) -> bool:
    return value in (None, "", (), {}) or (isinstance(value, (Values, Tree)) and not value)


def _section(f: Field, old: Any, new: Any) -> Iterator[Change]:
    """A spec-level field: lists of items, mappings and trees are sections of their own."""
    kind, label = f.type, f.label
    if isinstance(kind, ListType) and isinstance(kind.item, BlockType) and kind.item.scalar is None:
        yield from _items(label, kind.item, old or (), new or ())
    elif isinstance(kind, ListType):
        yield from _text_list(label, "", label, list(old or ()), list(new or ()))
    elif isinstance(kind, SectionsType):
        yield from _keyed(label, kind, old or (), new or ())
    elif isinstance(kind, MappingType) and isinstance(kind.value, MoneyType):
        yield from _figures(label, old or {}, new or {})
    elif isinstance(kind, IndicatorsType):
        yield from _indicators(label, "部门整体", old or (), new or ())
    else:
        section = "基本信息" if _short(_as_text(old)) and _short(_as_text(new)) else label
        yield from _value(section, "", f, old, new)


# ---------------------------------------------------------------------------------------------
# Values


def amount_change(old: Decimal, new: Decimal) -> tuple[str, str | None]:
    """Signed difference (as precise as the two amounts) and rate to 0.1 % (None when old is 0)."""
    delta = new - old
    rate = None
    if old:
        try:
            rate = ((new - old) / old * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        except InvalidOperation:  # a rate too large to write to 0.1 % (an amount of 1E-31 before)
            return _signed(delta), None
        rate = _signed(rate.copy_abs() if rate.is_zero() else rate) + "%"
    return _signed(delta), rate


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format(value, "f")


def _amount(section: str, subject: str, label: str, old: Decimal | None, new: Decimal | None, unit: str = "") -> Iterator[Change]:
    if old == new:
        return
    o = None if old is None else format(old, "f") + unit
    n = None if new is None else format(new, "f") + unit
    if old is None:
        yield Change(section, subject, label, "amount", f"{label}：新填 {n}", o, n)
    elif new is None:
        yield Change(section, subject, label, "amount", f"{label}：删去（原为 {o}）", o, n)
    elif unit == "%":
        delta = _signed(new - old)
        yield Change(section, subject, label, "amount", f"{label}：{o} → {n}（{delta} 个百分点）", o, n, delta)
    else:
        delta, rate = amount_change(old, new)
        shown = f"{delta}，{rate}" if rate else delta
        yield Change(section, subject, label, "amount", f"{label}：{o} → {n}（{shown}）", o, n, delta, rate)


def _text(section: str, subject: str, label: str, old: Any, new: Any) -> Iterator[Change]:
    """A short text shown whole (「旧」→「新」); a long one summarised (how much, and where)."""
    o, n = _as_text(old), _as_text(new)
    if o == n:
        return
    if not o:
        yield Change(section, subject, label, "text", f"{label}：新填「{_clip(n, SHORT)}」", None, n)
    elif not n:
        yield Change(section, subject, label, "text", f"{label}：删去（原为「{_clip(o, SHORT)}」）", o, None)
    elif isinstance(old, int) and isinstance(new, int):
        yield Change(section, subject, label, "changed", f"{label}：{o} → {n}", o, n)
    elif _short(o) and _short(n):
        yield Change(section, subject, label, "changed", f"{label}：「{o}」→「{n}」", o, n)
    else:
        yield Change(section, subject, label, "text", f"{label}：{text_summary(o, n)}", o, n)


def text_summary(old: str, new: str) -> str:
    """「文字有改动（删 3 字，增 10 字；如「十九大」→「二十大」）」: counts, and the first changed
    stretch (edits only a character or two apart count as one)."""
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    removed = sum(i2 - i1 for op, i1, i2, _, _ in opcodes if op != "equal")
    added = sum(j2 - j1 for op, _, _, j1, j2 in opcodes if op != "equal")
    changed = [k for k, (op, *_) in enumerate(opcodes) if op != "equal"]
    if not changed:
        return "文字有改动"
    first = last = changed[0]
    while last + 2 < len(opcodes) and opcodes[last + 2][0] != "equal" and opcodes[last + 1][2] - opcodes[last + 1][1] < 3:
        last += 2
    was, now = old[opcodes[first][1] : opcodes[last][2]], new[opcodes[first][3] : opcodes[last][4]]
    counts = "，".join(part for part in (f"删 {removed} 字" if removed else "", f"增 {added} 字" if added else "") if part)
    example = (
        f"「{_clip(was)}」→「{_clip(now)}」" if was and now else (f"删去「{_clip(was)}」" if was else f"加上「{_clip(now)}」")
    )
    return f"文字有改动（{counts}；如{example}）"


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, ChangeRate):
        return f"变动率：{value.figure}" + (f"，{value.places} 位小数" if value.places else "")
    if isinstance(value, ValueParts):
        return "".join(value.parts.values())
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Titled):
        return f"{value.title}\n{value.text}" if value.title else value.text
    if isinstance(value, Item):
        return _as_text(value.values)
    if isinstance(value, Section):
        return f"{value.title}\n{_as_text(value.value)}"
    if isinstance(value, Indicator):
        return _as_text(value.value)
    if isinstance(value, (dict, Values)):
        return "\n".join(f"{k}\n{_as_text(v)}" if not isinstance(value, Values) else _as_text(v) for k, v in value.items() if v not in (None, "", ()))
    if isinstance(value, (list, tuple)):
        return "\n".join(_as_text(v) for v in value)
    return str(value)


def _short(text: str) -> bool:
    return len(text) <= SHORT and "\n" not in text


def _clip(text: str, length: int = SNIPPET) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= length else text[:length] + "…"


def _value(section: str, subject: str, f: Field, old: Any, new: Any, label: str | None = None) -> Iterator[Change]:
    """Any field, as its type says: amounts, checkpoints in points, trees, lists, else text."""
    kind, label = f.type, label or f.label
    if isinstance(kind, (MoneyType, NumberType)) and not isinstance(kind, PercentType):
        yield from _amount(section, subject, label, old, new)
    elif isinstance(kind, PercentType):
        yield from _amount(section, subject, label, old, new, "%")
    elif isinstance(kind, CheckpointsType):
        for point in kind.points:
            before, after = (plan.get(point) if plan else None for plan in (old, new))
            yield from _amount(section, subject, f"{label}{point}", before, after, "%" if isinstance(kind.of, PercentType) else "")
    elif isinstance(kind, IndicatorsType):
        yield from _indicators(section, subject, old or (), new or ())
    elif isinstance(kind, ListType) and not isinstance(kind.item, BlockType):
        yield from _text_list(section, subject, label, list(old or ()), list(new or ()))
    elif isinstance(kind, BlockType) and (isinstance(old, Values) or isinstance(new, Values)):
        yield from _fields(section, subject, kind, old or Values(), new or Values(), prefix=label)
    else:
        yield from _text(section, subject, label, kind.show(old) if _shown(kind, old) else old, kind.show(new) if _shown(kind, new) else new)


def _shown(kind: FieldType, value: Any) -> bool:
    """Dates, choices and flags compare as they are shown."""
    return value is not None and not isinstance(value, (str, int, Decimal, list, tuple, dict, Values))


# ---------------------------------------------------------------------------------------------
# Lists and mappings


def _text_list(section: str, subject: str, label: str, old: list, new: list) -> Iterator[Change]:
    """Numbered texts (工作保障措施, 年度总体目标, 绩效目标): which items were added, removed, changed."""
    keys = [[_as_text(item) for item in items] for items in (old, new)]
    matcher = difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            yield from _text(section, subject, f"{label}第 {i1 + k + 1} 条", old[i1 + k], new[j1 + k])
        for k in range(i1 + pairs, i2):
            yield _listed(section, subject, label, k, old[k], "removed")
        for k in range(j1 + pairs, j2):
            yield _listed(section, subject, label, k, new[k], "added")


def _listed(section: str, subject: str, label: str, index: int, item: Any, kind: str) -> Change:
    """The `index`-th item of a numbered list, added or removed."""
    text = _as_text(item)
    verb, old, new = ("删去", text, None) if kind == "removed" else ("新增", None, text)
    where = f"{label}第 {index + 1} 条"
    return Change(section, subject, where, kind, f"{label}：{verb}第 {index + 1} 条「{_clip(text)}」", old, new)


def _keyed(label: str, kind: SectionsType, old: tuple, new: tuple) -> Iterator[Change]:
    """Sections (分项绩效目标: title → 绩效目标 / 绩效指标)."""
    before, after = ({s.title: s.value for s in sections} for sections in (old, new))
    for title in [title for title in before if title not in after]:
        yield Change(label, title, "", "removed", f"− 删去「{title}」", _as_text(before[title]))
    for title, value in after.items():
        if title not in before:
            yield Change(label, title, "", "added", f"+ 新增「{title}」", None, _as_text(value))
        elif before[title] != value:
            if isinstance(kind.item, BlockType):
                yield from _fields(label, title, kind.item, before[title], value)
            else:
                yield from _text(label, title, "内容", before[title], value)


def _figures(label: str, old: dict, new: dict) -> Iterator[Change]:
    for name in [*old, *(n for n in new if n not in old)]:
        yield from _amount(label, "", name, old.get(name), new.get(name))


def _fields(section: str, subject: str, block: BlockType, old: Values, new: Values, skip: tuple[str, ...] = (), prefix: str = "") -> Iterator[Change]:
    for f in block.fields:
        before, after = old.get(f.label), new.get(f.label)
        if f.label in skip or before == after or f.formula is not None:
            continue
        yield from _value(section, subject, f, before, after, f"{prefix}{f.label}" if prefix else None)


# ---------------------------------------------------------------------------------------------
# Projects and tasks


def _items(label: str, block: BlockType, old: tuple[Item, ...], new: tuple[Item, ...]) -> Iterator[Change]:
    """Lists of items (项目, 专项资金, 年度主要任务 …): matched by code, then name, then a close name."""
    codes = [f.label for f in block.fields if f.role == "code"]
    pairs, removed, added = match_items(list(old), list(new), lambda item: item.name, codes)
    total = next((f for f in block.fields if f.formula is not None and isinstance(f.type, MoneyType)), None)
    for item in removed:
        yield Change(label, item.name, "", "removed", f"− 删去「{item.name}」{_funding(item, total)}", _as_text(item))
    for item in added:
        yield Change(label, item.name, "", "added", f"+ 新增「{item.name}」{_funding(item, total)}", None, _as_text(item))
    for before, after, how in pairs:
        subject = after.name
        if before.name != subject:
            yield Change(label, subject, block.name_field or "名称", "renamed", f"~ 「{before.name}」更名为「{subject}」（{how}）", before.name, subject)
        yield from _fields(label, subject, block, before.values, after.values, skip=(block.name_field or "",))
        for f in (g for g in block.fields if g.formula is not None):
            given = [sum(item.values.get(path[0]) is not None for path in f.formula.parts()) for item in (before, after)]
            if before.values.get(f.label) != after.values.get(f.label) and max(given) > 1:
                yield from _amount(label, subject, f.label, before.values.get(f.label), after.values.get(f.label))
    if total is not None:
        sums = [_sum(item.values.get(total.label) for item in items) for items in (old, new)]
        if sums[0] != sums[1]:
            yield from _amount(label, "", f"{label}资金合计", *sums)


def _sum(amounts) -> Decimal | None:
    given = [a for a in amounts if a is not None]
    return sum(given, Decimal(0)) if given else None


def match_items(old: list, new: list, name_of: Callable[[Any], str], codes: list[str] = ()) -> tuple[list[tuple[Any, Any, str]], list, list]:
    """Pair old and new items: same code (a field with role code, such as 编码), then same name,
    then the closest name (≥ NAME_SIMILARITY).
    Returns (pairs with how they matched, removed, added), each in document order."""
    left, right = list(old), list(new)
    pairs: list[tuple[Any, Any, str]] = []

    def take(key: Callable[[Any, Any], bool], how: str) -> None:
        for a in list(left):
            b = next((b for b in right if key(a, b)), None)
            if b is not None:
                pairs.append((a, b, how))
                left.remove(a)
                right.remove(b)

    def same_code(a: Any, b: Any) -> bool:
        return any(a.values.get(code) and a.values.get(code) == b.values.get(code) for code in codes)

    take(same_code, "编码相同")
    take(lambda a, b: name_of(a) == name_of(b), "名称相同")
    take(lambda a, b: difflib.SequenceMatcher(None, name_of(a), name_of(b)).ratio() >= NAME_SIMILARITY, "名称相近")
    pairs.sort(key=lambda pair: new.index(pair[1]))
    return pairs, left, right


def _funding(item: Item, total: Field | None) -> str:
    amount = item.values.get(total.label) if total is not None else None
    return "" if amount is None else f"（资金 {format(amount, 'f')}）"


# ---------------------------------------------------------------------------------------------
# Indicators


def _indicators(section: str, subject: str, old: tuple, new: tuple) -> Iterator[Change]:
    """Rows matched by 一级/二级/名称; a row found under another 二级 is reported as moved."""
    before, after = _rows(old), _rows(new)
    gone = {key: row for key, row in before.items() if key not in after}
    came = {key: row for key, row in after.items() if key not in before}
    for key in list(came):
        origin = next((k for k in gone if k[2] == key[2] and key[2]), None)
        if origin is not None:
            yield Change(section, subject, _path(key), "moved", f"指标「{key[2]}」移到「{key[0]}/{key[1]}」（原在「{origin[0]}/{origin[1]}」）",
                         _path(origin), _path(key))  # fmt: skip
            yield from _indicator(section, subject, key, gone.pop(origin), came.pop(key))
    for key, row in gone.items():
        yield Change(section, subject, _path(key), "removed", f"删去指标「{_path(key)}」{_shown_value(row)}", _as_text(row.written))
    for key, row in came.items():
        yield Change(section, subject, _path(key), "added", f"新增指标「{_path(key)}」{_shown_value(row)}", None, _as_text(row.written))
    for key in [key for key in after if key in before]:
        yield from _indicator(section, subject, key, before[key], after[key])


def _indicator(section: str, subject: str, key: tuple[str, str, str], old, new) -> Iterator[Change]:
    if old.written != new.written:
        yield from _text(section, subject, f"指标「{_path(key)}」指标值", _as_text(old.written), _as_text(new.written))
    for label in dict.fromkeys([*new.values, *old.values]):
        if old.values.get(label) != new.values.get(label):
            yield from _text(section, subject, f"指标「{_path(key)}」{label}", old.values.get(label), new.values.get(label))


def _rows(rows: tuple) -> dict[tuple[str, str, str], Any]:
    """Written rows by 一级/二级/名称 (generated rows follow from the lists, compared there)."""
    out: dict[tuple[str, str, str], Any] = {}
    for row in rows:
        if not row.generated and not row.placeholder:
            out.setdefault((row.level1, row.level2, row.name), row)
    return out


def _path(key: tuple[str, str, str]) -> str:
    return "/".join(part for part in key if part)


def _shown_value(row) -> str:
    value = _as_text(row.written)
    return f"：{value}" if value else ""
