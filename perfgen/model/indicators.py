"""指标值 as officers write them, parsed into comparator / number / unit (or a qualitative text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import Group, Indicator, Tree, ValueParts

# Comparators as officers type them → one normal form.
COMPARATORS = {
    "≥": "≥", ">=": "≥", "＞＝": "≥", "≧": "≥", "＞=": "≥", ">＝": "≥", "大于等于": "≥", "不低于": "≥", "不少于": "≥",
    "≤": "≤", "<=": "≤", "＜＝": "≤", "≦": "≤", "＜=": "≤", "<＝": "≤", "小于等于": "≤", "不高于": "≤", "不超过": "≤",
    ">": ">", "＞": ">", "大于": ">", "<": "<", "＜": "<", "小于": "<", "=": "=", "＝": "=", "等于": "=", "≠": "≠",
}  # fmt: skip
_COMPARATOR = "|".join(sorted(map(re.escape, COMPARATORS), key=len, reverse=True))
VALUE_PATTERN = re.compile(rf"^\s*(?P<cmp>{_COMPARATOR})?\s*(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>.*?)\s*$")


@dataclass(frozen=True)
class Parsed:
    """An 指标值 as entered and parsed: comparator in normal form (≥ ≤ > < = ≠ or ""), number
    ("" for a qualitative text), unit in normal form (％ → %), or the qualitative text in `text`."""

    text: str
    comparator: str = ""
    number: str = ""
    unit: str = ""

    @property
    def qualitative(self) -> bool:
        return bool(self.text) and not self.number

    def fields(self) -> dict[str, str]:
        return {"text": self.text, "comparator": self.comparator, "number": self.number, "unit": self.unit}


EMPTY = Parsed("")


def parse_value(value: str | ValueParts | None, neutral: dict[str, str] | None = None) -> Parsed:
    """Parse an 指标值; a long form is read through `neutral` (comparator / number / unit → the
    layout's part that holds it)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, ValueParts):
        parts = value.parts
        pick = {role: parts.get(name, "") for role, name in (neutral or {}).items()}
        comparator = COMPARATORS.get(pick.get("comparator", "").strip(), "")
        number, unit = pick.get("number", "").strip(), pick.get("unit", "").strip().replace("％", "%")
        return Parsed(f"{comparator}{number}{unit}" if number else unit, comparator, number, unit)
    match = VALUE_PATTERN.match(value)
    if not match:
        return Parsed(value)
    return Parsed(value, COMPARATORS.get(match["cmp"] or "", ""), match["num"], match["unit"].replace("％", "%"))


# ---------------------------------------------------------------------------------------------
# A tree's rows


def rows(tree: Tree) -> Iterator[tuple[Group, int, Indicator]]:
    """(group, index in the group, indicator) for every 三级 of `tree`, in written order."""
    for group in tree.groups:
        for i, indicator in enumerate(group.indicators):
            yield group, i, indicator


def value_loc(data: dict, loc: tuple) -> tuple:
    """Where the 指标值 of the indicator written at `loc` is: its own key, or the value of the
    short form's first key."""
    written = data
    for part in loc:
        written = written[part]
    if "指标值" in written:
        return (*loc, "指标值")
    return (*loc, next(iter(written)))
