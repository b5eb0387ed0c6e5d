"""Carry a spec into a new year: a ruamel.yaml round trip that keeps comments, order and layout.

What changes (decided as a budget officer would want it, documented in README 「结转到新年度」):
- 年度 becomes the new year; 上年规格 names the old file (inserted after 年度, or updated), so
  变动率 values are derived from both years.
- Figures that belong to one year are kept but flagged with a 「待核实」 comment at the end of their
  line: every amount and percentage the layout declares (财政拨款, 其他资金, 预算数, 合计, 支出计划 …),
  财务数据, fields the layout marks `per_year` (项目编码), and a 「…变动率」 indicator whose value is
  typed rather than derived.
- A spec of a monitoring or self-evaluation layout (one that extends the target form) starts the
  new year as a spec of the target form: its 版式 becomes the base layout's, and the year's
  actuals — every field those layouts add (执行数, 实际完成情况, 实际完成值, 分值, 完成可能性 …) —
  are removed; they stay in the old file, which 上年规格 points at.
- Everything else (texts, indicators, targets) is kept as it is.
Places that still mention the old year are listed as hints, never rewritten.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from ..errors import Position, RolloverError
from ..model.fieldtypes import RATE_KEYS, BlockType, CheckpointsType, Field, IndicatorsType, ListType, MappingType, MoneyType, PercentType, SectionsType
from ..model.layout import Layout, templates_root
from ..load.load import load_source
from ..model.spec import layout_of, parse_spec
from ..office.write import write_atomic

REVIEW = "待核实"
PER_YEAR_TEXT = "{year} 年的{what}"  # a field the layout marks per_year (the budget system assigns a new 项目编码 each year)
PER_YEAR_AMOUNT = "沿用 {year} 年数"
TYPED_RATE = "{year} 年数，可改写为 {{变动率: …}} 自动计算"
# Indentation styles tried, in order, until one reproduces the file unchanged: (mapping, sequence, offset).
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0), (4, 6, 2), (4, 4, 2))


@dataclass(frozen=True)
class Hint:
    """A line of the new spec that still mentions the old year."""

    position: Position
    text: str


@dataclass(frozen=True)
class Rolled:
    source: Path
    target: Path
    old_year: int
    year: int
    previous_spec: str  # the new spec's 上年规格
    flagged: int  # 「待核实」 comments added
    dropped: int  # the year's actuals removed (monitoring, self-evaluation)
    hints: tuple[Hint, ...]
    exact_layout: bool  # False when the round trip had to re-indent the file


def default_target(spec_path: Path, year: int) -> Path:
    """`specs/<year>/<name>`: beside the old year's directory when the spec sits in one (…/2020/x.yaml
    → …/2021/x.yaml), else under `specs/` of the working directory."""
    if re.fullmatch(r"\d{4}", spec_path.parent.name):
        return spec_path.parent.parent / str(year) / spec_path.name
    return Path("specs") / str(year) / spec_path.name


def rollover(spec_path: Path, year: int, target: Path | None = None, *, force: bool = False) -> Rolled:
    """Write `spec_path` carried into `year` to `target`; raise a `PerfgenError` before writing on error."""
    source = load_source(spec_path)
    layout = layout_of(source)
    spec = parse_spec(source, layout)
    shown_year = source.position(("年度",))
    if year <= spec.year:
        raise RolloverError.single(
            shown_year, "O001", f"新年度 {year} 不晚于本规格的年度 {spec.year}：--year 应是之后的年份，例如 {spec.year + 1}。"
        )
    target = target or default_target(spec_path, year)
    if target.resolve() == spec_path.resolve():
        raise RolloverError.single(Position(str(target)), "O002", "输出文件就是原规格文件：请用 -o 指定另一个文件。")
    if target.exists() and not force:
        raise RolloverError.single(
            Position(str(target)), "O002", "该文件已存在，未覆盖：确认要覆盖请加 --force，或用 -o 指定另一个文件。"
        )
    text = spec_path.read_text(encoding="utf-8-sig")
    yaml, exact = _yaml_for(text)
    data = yaml.load(text)
    previous = Path(os.path.relpath(spec_path.resolve(), target.resolve().parent)).as_posix()
    _set_year(data, year)
    _set_previous(data, previous)
    _rebase_layout(data, spec_path, target)
    dropped = _drop_actuals(data, layout, target)
    flagged = _flag_block(data, layout.first.root, spec.year) + _flag_typed_rates(data, layout.first.root, spec.year)
    out = io.StringIO()
    yaml.dump(data, out)
    result = out.getvalue()
    write_atomic(target, result.encode("utf-8"))
    hints = tuple(_mentions(result, spec.year, str(target)))
    return Rolled(spec_path, target, spec.year, year, previous, flagged, dropped, hints, exact)


# ---------------------------------------------------------------------------------------------
# Round trip


def _yaml_for(text: str) -> tuple[YAML, bool]:
    """A round-trip YAML set up with the file's own indentation (the first style that reproduces
    the file unchanged; else the closest), and whether it reproduces it exactly."""
    best: tuple[int, YAML] | None = None
    for mapping, sequence, offset in INDENTS:
        yaml = YAML(typ="rt", pure=True)
        yaml.preserve_quotes = True
        yaml.width = 1_000_000  # never re-wrap long lines
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        out = io.StringIO()
        yaml.dump(yaml.load(text), out)
        if out.getvalue() == text:
            return yaml, True
        changed = sum(1 for line in difflib.ndiff(text.splitlines(), out.getvalue().splitlines()) if line[:1] in "+-")
        if best is None or changed < best[0]:
            best = (changed, yaml)
    assert best is not None
    return best[1], False


def _set_year(data: CommentedMap, year: int) -> None:
    old = data["年度"]
    data["年度"] = type(old)(str(year)) if isinstance(old, str) else year


def _rebase_layout(data: CommentedMap, spec_path: Path, target: Path) -> None:
    """A 版式 that names a layout directory is relative to the spec: keep it pointing at the same
    directory from the new spec's place."""
    reference = data.get("版式")
    if not isinstance(reference, str) or not ("/" in reference or "\\" in reference or reference.startswith(".")):
        return
    directory = (spec_path.resolve().parent / reference).resolve()
    moved = Path(os.path.relpath(directory, target.resolve().parent)).as_posix()
    if moved != reference.rstrip("/"):
        data["版式"] = type(reference)(moved if moved.startswith(".") else f"./{moved}")


def _set_previous(data: CommentedMap, reference: str) -> None:
    """Point 上年规格 at the old file: update it, or insert it right after 年度 (taking over the
    blank lines and comments that followed 年度, so they stay above the key they describe)."""
    if "上年规格" in data:
        old = data["上年规格"]
        data["上年规格"] = type(old)(reference) if isinstance(old, str) else reference
        return
    position = list(data).index("年度") + 1
    data.insert(position, "上年规格", reference)
    entry = data.ca.items.get("年度")
    token = entry[2] if entry else None
    if token is not None:
        own, newline, rest = token.value.partition("\n")
        if rest:
            token.value = own + newline
            data.ca.items["上年规格"] = [None, None, CommentToken("\n" + rest, CommentMark(0), None), None]
            if not own:
                entry[2] = None
    _flag(data, "上年规格", "上年的规格文件（相对本文件），变动率据此计算", review=False)


# ---------------------------------------------------------------------------------------------
# The year's actuals


def _drop_actuals(data: CommentedMap, layout: Layout, target: Path) -> int:
    """Turn a monitoring / self-evaluation spec into one of its target form: 版式 names the first
    layout of the chain, and every field the later layouts add is removed. Returns how many."""
    if layout.base is None:
        return 0
    added: set[tuple[str, ...]] = set().union(*(stage.own_fields() for stage in layout.chain[1:]))
    first = layout.first
    if first.directory.parent == templates_root():
        reference = first.name
    else:
        relative = Path(os.path.relpath(first.directory, target.resolve().parent)).as_posix()
        reference = relative if relative.startswith(".") else f"./{relative}"
    old = data["版式"]
    data["版式"] = type(old)(reference) if isinstance(old, str) else reference
    _flag(data, "版式", f"年中监控、年末自评时改为「{layout.name}」，在旁边补上执行数和实际完成值", review=False)
    return _drop(data, layout.root, "spec", added)


def _drop(data: Any, block: BlockType, kind: str, added: set[tuple[str, ...]]) -> int:
    """Remove from `data` (a mapping of `block`, declared under `kind`) the fields in `added`, at any depth."""
    if not isinstance(data, CommentedMap):
        return 0
    count = 0
    for key in list(data):
        f = block.field(key)
        if f is None:
            continue
        if (kind, f.label) in added:
            _remove(data, key)
            count += 1
            continue
        value, inner = data[key], f.type
        if isinstance(inner, IndicatorsType):
            count += sum(_drop(row, inner.indicator, "indicators", added) for row in _indicator_rows(value))
        elif isinstance(inner, ListType) and isinstance(inner.item, BlockType) and isinstance(value, CommentedSeq):
            count += sum(_drop(item, inner.item, inner.item.kind, added) for item in value)
        elif isinstance(inner, SectionsType) and isinstance(inner.item, BlockType) and isinstance(value, CommentedMap):
            count += sum(_drop(value[name], inner.item, inner.item.kind, added) for name in value)
    return count


def _remove(mapping: CommentedMap, key: Any) -> None:
    """Delete `key`, keeping the comment lines that followed its value (they describe the next key)."""
    keys = list(mapping)
    entry = mapping.ca.items.get(key)
    token = entry[2] if entry else None
    del mapping[key]
    rest = token.value.partition("\n")[2] if token is not None else ""
    before = keys[keys.index(key) - 1] if keys.index(key) > 0 else None
    if rest and before is not None:
        slots = mapping.ca.items.setdefault(before, [None, None, None, None])
        if slots[2] is None:
            slots[2] = CommentToken("\n" + rest, CommentMark(0), None)
        else:
            slots[2].value += rest


def _indicator_rows(tree: Any) -> list[CommentedMap]:
    """Every 三级 row mapping written in an indicator tree."""
    rows: list[CommentedMap] = []
    for level2s in tree.values() if isinstance(tree, CommentedMap) else ():
        for items in level2s.values() if isinstance(level2s, CommentedMap) else ():
            rows.extend(item for item in (items if isinstance(items, CommentedSeq) else ()) if isinstance(item, CommentedMap))
    return rows


# ---------------------------------------------------------------------------------------------
# Flags


def _flag(mapping: CommentedMap, key: Any, note: str, *, review: bool = True) -> None:
    """Append 「【待核实：note】」 (or just note) to the comment at the end of `key`'s line."""
    text = f"【{REVIEW}：{note}】" if review else note
    entry = mapping.ca.items.get(key)
    token = entry[2] if entry else None
    if token is None:  # two spaces before the comment, whatever the value's length
        slots = mapping.ca.items.setdefault(key, [None, None, None, None])
        slots[2] = CommentToken(f" # {text}\n", CommentMark(0), None)
    elif token.value.startswith("#"):
        own, newline, rest = token.value.partition("\n")
        token.value = f"{own} {text}{newline}{rest}"
    else:  # only blank lines or comments on the following lines were attached to the key
        token.value = f" # {text}{token.value}"


def _flag_block(data: Any, block: BlockType, year: int) -> int:
    """Flag every per-year value in `data`, a mapping of `block`. Returns how many were flagged."""
    if not isinstance(data, CommentedMap):
        return 0
    return sum(_flag_value(data, key, block.field(key), year) for key in list(data) if block.field(key) is not None)


def _flag_value(parent: CommentedMap, key: Any, f: Field, year: int) -> int:
    value = parent[key]
    if value is None or value == "" or not _per_year(f):
        return 0
    kind = f.type
    if f.per_year:
        _flag(parent, key, PER_YEAR_TEXT.format(year=year, what=f.description or f.label))
        return 1
    if _amount(kind) or (isinstance(value, (CommentedMap, CommentedSeq)) and value.fa.flow_style()):
        _flag(parent, key, PER_YEAR_AMOUNT.format(year=year))  # one comment for a one-line mapping
        return 1
    if isinstance(kind, (CheckpointsType, MappingType)) and isinstance(value, CommentedMap):
        for name in list(value):
            if value[name] not in (None, ""):
                _flag(value, name, PER_YEAR_AMOUNT.format(year=year))
        return sum(value[name] not in (None, "") for name in value)
    if isinstance(kind, BlockType):
        return _flag_block(value, kind, year)
    if isinstance(kind, ListType) and isinstance(kind.item, BlockType) and isinstance(value, CommentedSeq):
        return sum(_flag_block(item, kind.item, year) for item in value)
    if isinstance(kind, SectionsType) and isinstance(kind.item, BlockType) and isinstance(value, CommentedMap):
        return sum(_flag_block(value[name], kind.item, year) for name in value)
    return 0


def _amount(kind: Any) -> bool:
    return isinstance(kind, (MoneyType, PercentType))


def _per_year(f: Field) -> bool:
    """Whether a value of `f` is, or holds, a per-year value."""
    kind = f.type
    if f.per_year or _amount(kind) or isinstance(kind, CheckpointsType):
        return True
    if isinstance(kind, MappingType):
        return _amount(kind.value)
    inner = kind if isinstance(kind, BlockType) else getattr(kind, "item", None)
    return isinstance(inner, BlockType) and any(_per_year(g) for g in inner.fields)


def _flag_typed_rates(data: CommentedMap, block: BlockType, year: int) -> int:
    """Flag a typed value of an indicator named 「…变动率」: it is a per-year figure."""
    count = 0
    for tree in _indicator_trees(data, block):
        for item in _indicator_rows(tree):
            if not item:
                continue
            name, key = (item.get("名称"), "指标值") if "名称" in item else (next(iter(item)), next(iter(item)))
            value = item.get(key)
            if str(name).endswith("变动率") and value not in (None, "") and not _is_rate(value):
                _flag(item, key, TYPED_RATE.format(year=year))
                count += 1
    return count


def _is_rate(value: Any) -> bool:
    return isinstance(value, CommentedMap) and bool(set(value) & set(RATE_KEYS))


def _indicator_trees(data: Any, block: BlockType) -> list[CommentedMap]:
    """The indicator trees written in `data` (a mapping of `block`), at any depth."""
    trees: list[CommentedMap] = []
    if not isinstance(data, CommentedMap):
        return trees
    for key in data:
        f = block.field(key)
        value = data[key]
        if f is None:
            continue
        if isinstance(f.type, IndicatorsType) and isinstance(value, CommentedMap):
            trees.append(value)
        elif isinstance(f.type, BlockType):
            trees.extend(_indicator_trees(value, f.type))
        elif isinstance(f.type, ListType) and isinstance(f.type.item, BlockType) and isinstance(value, CommentedSeq):
            for item in value:
                trees.extend(_indicator_trees(item, f.type.item))
    return trees


# ---------------------------------------------------------------------------------------------
# Hints


def _mentions(text: str, old_year: int, shown: str) -> list[Hint]:
    """Lines of the new spec that mention the old year (outside perfgen's own comments, 上年规格,
    and 版式, whose names such as 河北-2020 are a form's edition, not a year)."""
    ours = re.compile(rf"【{REVIEW}：[^】]*】|^(上年规格|版式):.*$")
    hints = []
    for number, line in enumerate(text.splitlines(), 1):
        scrubbed = ours.sub(lambda m: " " * len(m.group()), line)
        match = re.search(rf"(?<!\d){old_year}(?!\d)", scrubbed)
        if match:
            hints.append(Hint(Position(shown, number, match.start() + 1), line.strip()))
    return hints
