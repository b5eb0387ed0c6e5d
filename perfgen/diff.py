"""A semantic diff of two specs, in Chinese: what a finance bureau's reviewer compares by hand.

Projects (and 专项资金, 年度主要任务) are matched by 编码, then by name, then by a close name, so a
renamed project shows as renamed; amounts show old → new with the signed difference and rate
(「48.36 → 58.36（+10.00，+20.7%）」); indicators are matched by 一级/二级/名称 (then by name, as
moved); long texts are summarised. `diff_specs` is pure; `diff_files` reads the two files.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from .derive import amount_sum, project_total
from .load import load_source
from .records import Record, fields
from .spec import (
    ChangeRate,
    GroupNote,
    Indicator,
    Indicators,
    Project,
    Spec,
    SpendingPlan,
    Task,
    ValueParts,
    parse_spec,
)

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
    specs = [parse_spec(load_source(path)) for path in (old, new)]
    return diff_specs(specs[0], specs[1], str(old), str(new))


def diff_specs(old: Spec, new: Spec, old_name: str = "旧", new_name: str = "新") -> SpecDiff:
    changes: list[Change] = []
    for field in fields(Spec):
        label = field.keys[0]
        before, after = getattr(old, field.name), getattr(new, field.name)
        if before == after:
            continue
        compare = SECTIONS.get(label, _section_value)
        changes.extend(compare(label, before, after))
    return SpecDiff(old_name, new_name, old.year, new.year, tuple(changes))


# ---------------------------------------------------------------------------------------------
# Values


def amount_change(old: Decimal, new: Decimal) -> tuple[str, str | None]:
    """Signed difference (as precise as the two amounts) and rate to 0.1 % (None when old is 0)."""
    delta = new - old
    rate = None
    if old:
        rate = ((new - old) / old * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
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
        return f"{value.comparator}{value.number}{value.unit}"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "\n".join(f"{k}\n{_as_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, Record):
        return "\n".join(_as_text(getattr(value, field.name)) for field in fields(type(value)))
    return str(value)


def _short(text: str) -> bool:
    return len(text) <= SHORT and "\n" not in text


def _clip(text: str, length: int = SNIPPET) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= length else text[:length] + "…"


def _value(section: str, subject: str, label: str, old: Any, new: Any) -> Iterator[Change]:
    """Any field: amounts, 支出计划 months, 绩效指标 trees, else text."""
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        yield from _amount(section, subject, label, old, new)
    elif isinstance(old, SpendingPlan) or isinstance(new, SpendingPlan):
        for field in fields(SpendingPlan):
            before, after = (getattr(plan, field.name) if plan else None for plan in (old, new))
            yield from _amount(section, subject, f"{label}{field.keys[0]}", before, after, "%")
    elif label == "绩效指标" and subject:
        yield from _indicators(section, subject, old or {}, new or {})
    elif label == "绩效目标" and isinstance(old, list):
        yield from _text_list(section, subject, label, old, new)
    else:
        yield from _text(section, subject, label, old, new)


def _section_value(label: str, old: Any, new: Any) -> Iterator[Change]:
    yield from _value("基本信息" if _short(_as_text(old)) and _short(_as_text(new)) else label, "", label, old, new)


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


def _text_list_section(label: str, old: list, new: list) -> Iterator[Change]:
    yield from _text_list(label, "", label, old, new)


def _keyed(label: str, old: dict, new: dict) -> Iterator[Change]:
    """分项绩效目标 (title → 绩效目标 / 绩效指标)."""
    for title in [title for title in old if title not in new]:
        yield Change(label, title, "", "removed", f"− 删去「{title}」", _as_text(old[title]))
    for title, goal in new.items():
        if title not in old:
            yield Change(label, title, "", "added", f"+ 新增「{title}」", None, _as_text(goal))
        elif old[title] != goal:
            yield from _fields(label, title, old[title], goal)


def _figures(label: str, old: dict, new: dict) -> Iterator[Change]:
    for name in [*old, *(n for n in new if n not in old)]:
        yield from _amount(label, "", name, old.get(name), new.get(name))


def _fields(section: str, subject: str, old: Record, new: Record, skip: tuple[str, ...] = ()) -> Iterator[Change]:
    for field in fields(type(old)):
        label, name = field.keys[0], field.name
        if label not in skip and getattr(old, name) != getattr(new, name):
            yield from _value(section, subject, label, getattr(old, name), getattr(new, name))


# ---------------------------------------------------------------------------------------------
# Projects and tasks


def _items(label: str, old: list, new: list) -> Iterator[Change]:
    """Projects / 专项资金 / 年度主要任务: matched by 编码, then name, then a close name."""
    pairs, removed, added = match_items(old, new, name_of)
    for item in removed:
        yield Change(label, name_of(item), "", "removed", f"− 删去「{name_of(item)}」{_funding(item)}", _as_text(item))
    for item in added:
        yield Change(label, name_of(item), "", "added", f"+ 新增「{name_of(item)}」{_funding(item)}", None, _as_text(item))
    for before, after, how in pairs:
        subject = name_of(after)
        if name_of(before) != subject:
            yield Change(
                label,
                subject,
                "名称",
                "renamed",
                f"~ 「{name_of(before)}」更名为「{subject}」（{how}）",
                name_of(before),
                subject,
            )
        yield from _fields(label, subject, before, after, skip=("名称", "简称"))
        total = (project_total(before), project_total(after))
        if total[0] != total[1] and (before.other is not None or after.other is not None):
            yield from _amount(label, subject, "合计" if isinstance(after, Task) else "预算数（合计）", *total)
    before, after = (amount_sum([project_total(p) for p in items]) for items in (old, new))
    if before != after:
        yield from _amount(label, "", f"{label}资金合计", before, after)


def name_of(item: Project | Task) -> str:
    return item.short if isinstance(item, Task) else item.name


def match_items(old: list, new: list, name_of: Callable[[Any], str]) -> tuple[list[tuple[Any, Any, str]], list, list]:
    """Pair old and new items: same 编码, then same name, then the closest name (≥ NAME_SIMILARITY).
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

    take(lambda a, b: bool(getattr(a, "code", None)) and getattr(a, "code", None) == getattr(b, "code", None), "编码相同")
    take(lambda a, b: name_of(a) == name_of(b), "名称相同")
    take(lambda a, b: difflib.SequenceMatcher(None, name_of(a), name_of(b)).ratio() >= NAME_SIMILARITY, "名称相近")
    pairs.sort(key=lambda pair: new.index(pair[1]))
    return pairs, left, right


def _funding(item: Project | Task) -> str:
    total = project_total(item)
    return "" if total is None else f"（资金 {format(total, 'f')}）"


# ---------------------------------------------------------------------------------------------
# Indicators


def _indicators(section: str, subject: str, old: Indicators, new: Indicators) -> Iterator[Change]:
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
        yield Change(section, subject, _path(key), "removed", f"删去指标「{_path(key)}」{_shown_value(row)}", _as_text(row))
    for key, row in came.items():
        yield Change(section, subject, _path(key), "added", f"新增指标「{_path(key)}」{_shown_value(row)}", None, _as_text(row))
    for key in [key for key in after if key in before]:
        yield from _indicator(section, subject, key, before[key], after[key])


def _indicator(section: str, subject: str, key: tuple[str, str, str], old: Record, new: Record) -> Iterator[Change]:
    for field in fields(type(new)):
        label, name = field.keys[0], field.name
        if label != "名称" and type(old) is type(new) and getattr(old, name) != getattr(new, name):
            yield from _text(section, subject, f"指标「{_path(key)}」{label}", getattr(old, name), getattr(new, name))


def _rows(tree: Indicators) -> dict[tuple[str, str, str], Indicator | GroupNote]:
    rows: dict[tuple[str, str, str], Indicator | GroupNote] = {}
    for level1, level2s in tree.items():
        for level2, group in level2s.items():
            if isinstance(group, GroupNote):
                rows[(level1, level2, "")] = group
            else:
                for item in group:
                    rows.setdefault((level1, level2, item.name), item)
    return rows


def _path(key: tuple[str, str, str]) -> str:
    return "/".join(part for part in key if part)


def _shown_value(row: Indicator | GroupNote) -> str:
    value = _as_text(getattr(row, "value", None))
    return f"：{value}" if value else ""


def _department_indicators(label: str, old: Indicators, new: Indicators) -> Iterator[Change]:
    yield from _indicators(label, "部门整体", old, new)


SECTIONS: dict[str, Callable[[str, Any, Any], Iterator[Change]]] = {
    "项目": _items,
    "专项资金": _items,
    "年度主要任务": _items,
    "分项绩效目标": _keyed,
    "工作保障措施": _text_list_section,
    "年度总体目标": _text_list_section,
    "财务数据": _figures,
    "绩效指标": _department_indicators,
}
