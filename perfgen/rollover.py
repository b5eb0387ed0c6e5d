"""Carry a spec into a new year: a ruamel.yaml round trip that keeps comments, order and layout.

What changes (decided as a budget officer would want it, documented in README 「结转到新年度」):
- 年度 becomes the new year; 上年规格 names the old file (inserted after 年度, or updated), so
  变动率 values are derived from both years.
- Figures that belong to one year are kept but flagged with a 「待核实」 comment at the end of their
  line: every amount (any Decimal field of the model: 财政拨款, 其他资金, 预算数, 合计, 支出计划,
  财务数据 …), 项目编码, and a 「…变动率」 indicator whose value is typed rather than derived.
- Everything else (texts, indicators, targets) is kept as it is; nothing is removed.
Places that still mention the old year are listed as hints, never rewritten.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from .errors import PerfgenError, Position
from .load import load_source
from .records import Record, fields, is_record, keys_of, options_of
from .spec import ChangeRate, Spec, parse_spec
from .write import write_atomic

REVIEW = "待核实"
# Text fields that belong to one year (the budget system assigns a new 项目编码 each year).
PER_YEAR_TEXT = {"编码": "{year} 年的项目编码"}
PER_YEAR_AMOUNT = "沿用 {year} 年数"
TYPED_RATE = "{year} 年数，可改写为 {{变动率: …}} 自动计算"
# Indentation styles tried, in order, until one reproduces the file unchanged: (mapping, sequence, offset).
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0), (4, 6, 2), (4, 4, 2))


class RolloverError(PerfgenError):
    """The spec cannot be carried into the requested year (or the target exists)."""


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
    spec = parse_spec(source)
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
    flagged = _flag_model(data, Spec, spec.year) + _flag_typed_rates(data, spec.year)
    out = io.StringIO()
    yaml.dump(data, out)
    result = out.getvalue()
    write_atomic(target, result.encode("utf-8"))
    hints = tuple(_mentions(result, spec.year, str(target)))
    return Rolled(spec_path, target, spec.year, year, previous, flagged, hints, exact)


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


def _flag_model(data: Any, model: type[Record], year: int) -> int:
    """Flag every per-year value in `data`, a mapping validated by `model`: amounts (any field of
    type Decimal, at any depth) and `PER_YEAR_TEXT`. Returns how many were flagged."""
    if not isinstance(data, CommentedMap):
        return 0
    by_key = {name: field for field in fields(model) for name in field.keys}
    return sum(_flag_value(data, key, options_of(by_key[key].annotation), year) for key in list(data) if key in by_key)


def _flag_value(parent: CommentedMap, key: Any, kinds: list[Any], year: int) -> int:
    value = parent[key]
    if value is None or value == "" or not _per_year(kinds, key):
        return 0
    if key in PER_YEAR_TEXT:
        _flag(parent, key, PER_YEAR_TEXT[key].format(year=year))
        return 1
    if Decimal in kinds or (isinstance(value, (CommentedMap, CommentedSeq)) and value.fa.flow_style()):
        _flag(parent, key, PER_YEAR_AMOUNT.format(year=year))  # one comment for a one-line mapping
        return 1
    count = 0
    for kind in kinds:
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if is_record(kind):
            count += _flag_model(value, kind, year)
        elif origin is list and isinstance(value, CommentedSeq):
            models = [m for m in options_of(args[0]) if is_record(m)]
            count += sum(_flag_model(item, m, year) for item in value for m in models)
        elif origin is dict and isinstance(value, CommentedMap):
            count += sum(_flag_value(value, name, options_of(args[-1]), year) for name in list(value))
    return count


def _per_year(kinds: list[Any], key: Any = None) -> bool:
    """Whether a value of one of `kinds` is, or holds, a per-year value."""
    if key in PER_YEAR_TEXT or Decimal in kinds:
        return True
    for kind in kinds:
        if is_record(kind):
            if any(_per_year(options_of(f.annotation), n) for f in fields(kind) for n in f.keys):
                return True
        elif typing.get_origin(kind) in (list, dict) and _per_year(options_of(typing.get_args(kind)[-1])):
            return True
    return False


def _flag_typed_rates(data: CommentedMap, year: int) -> int:
    """Flag a typed value of an indicator named 「…变动率」: it is a per-year figure."""
    count = 0
    for tree in _indicator_trees(data):
        for level2s in tree.values():
            if not isinstance(level2s, CommentedMap):
                continue
            for items in level2s.values():
                for item in items if isinstance(items, CommentedSeq) else []:
                    if not isinstance(item, CommentedMap) or not item:
                        continue
                    name, key = (item.get("名称"), "指标值") if "名称" in item else (next(iter(item)), next(iter(item)))
                    value = item.get(key)
                    if str(name).endswith("变动率") and value not in (None, "") and not _is_rate(value):
                        _flag(item, key, TYPED_RATE.format(year=year))
                        count += 1
    return count


def _is_rate(value: Any) -> bool:
    return isinstance(value, CommentedMap) and bool(set(value) & set(keys_of(ChangeRate)))


def _indicator_trees(data: CommentedMap) -> list[CommentedMap]:
    trees = [data.get("绩效指标")]
    for key in ("项目", "专项资金"):
        trees.extend(p.get("绩效指标") for p in data.get(key) or [] if isinstance(p, CommentedMap))
    return [tree for tree in trees if isinstance(tree, CommentedMap)]


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
