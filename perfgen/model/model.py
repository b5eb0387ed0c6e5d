"""Stage 2's values: the typed, frozen model of what a spec says — a small core plus what its layout declares.

The core is what every form shares: 版式, 年度, 部门, lists of items (projects, tasks, goals) with a
name, the indicator tree 一级 → 二级 → 三级 with its 指标值, and Decimal money. Every other field is
declared by the layout (`fieldtypes`) and held in a `Values` mapping under its Chinese label, so a new
form adds keys without code. Nothing here computes: totals and parsed 指标值 are `derive`'s,
numbering is `present`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any


class Values(Mapping[str, Any]):
    """A frozen mapping of declared fields, label → value, in the layout's order. Absent fields
    hold their type's empty value (None, (), an empty `Values`)."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] | None = None):
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, label: str) -> Any:
        return self._data[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Values) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # values may be lists

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Values is frozen")

    def __repr__(self) -> str:
        return f"Values({self._data!r})"


@dataclass(frozen=True)
class Item:
    """One element of a list of items (a project, a task, a goal): its declared fields, and the
    value of the field that names it ("" when the item kind has no name)."""

    name: str
    values: Values


@dataclass(frozen=True)
class Titled:
    """A list element written as a paragraph, or as a one-key mapping 标题: 段落 (a title line
    followed by a paragraph); `title` is "" for a plain paragraph."""

    title: str
    text: str


@dataclass(frozen=True)
class Section:
    """One entry of a mapping from a title to a block or a text (分项绩效目标: 标题 → …)."""

    title: str
    value: Any


@dataclass(frozen=True)
class Date:
    year: int
    month: int
    day: int | None = None


@dataclass(frozen=True)
class DateRange:
    start: Date
    end: Date


@dataclass(frozen=True)
class ValueParts:
    """The long form of an 指标值: each of the layout's value parts as written
    (e.g. 符号: 文字描述, 值: 100, 单位: 完成数据库)."""

    parts: Values


@dataclass(frozen=True)
class ChangeRate:
    """An 指标值 derived, not typed: (本年 − 上年) / 上年 of one figure of 财务数据, as a percentage."""

    figure: str
    places: int = 0


IndicatorValue = str | ValueParts | ChangeRate | None


@dataclass(frozen=True)
class Indicator:
    """One 三级指标: its name, its 指标值 as written, and the fields the layout declares beside them."""

    name: str
    value: IndicatorValue
    values: Values


@dataclass(frozen=True)
class Group:
    """One 二级指标 with its 三级 rows in written order; `note` holds the fields of a group written
    without rows, whose rows the layout generates."""

    level1: str
    level2: str
    indicators: tuple[Indicator, ...]
    note: Values | None = None


@dataclass(frozen=True)
class Tree:
    """An indicator tree (绩效指标): every 一级 as written, and its 二级 groups in order."""

    level1s: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.level1s)


@dataclass(frozen=True)
class PreviousYear:
    """What a spec uses from the spec named by its 上年规格: that spec's year and 财务数据."""

    path: str  # as shown in messages
    year: int
    figures: dict[str, Decimal]


@dataclass(frozen=True)
class Spec:
    """A validated spec: the core fields, and `values`, the fields its layout declares."""

    layout: str
    year: int
    department: str
    values: Values
    previous_spec: str | None = None
    figures: dict[str, Decimal] = field(default_factory=dict)
    framework: str | None = None
    rule_levels: dict[str, str] = field(default_factory=dict)
    previous_year: PreviousYear | None = field(default=None, compare=False, repr=False)

    def with_previous_year(self, previous: PreviousYear) -> Spec:
        """A copy of this spec that knows its previous year (see `spec.read_previous`)."""
        return replace(self, previous_year=previous)
