"""The types a layout can give a spec field: how a value is read from YAML, checked, described for
editors, and shown.

A layout (`layout.yaml`) declares its form's fields at every level — the spec, each kind of item,
each indicator — as `Field`s whose `FieldType` is one of these: text, paragraphs, titled, money,
percent, number, count, date, daterange, choice, flag, list, block, sections, outline, checkpoints,
indicators. Each type's `convert` follows the protocol of `records` (value, location, problems →
value, or INVALID after recording what is wrong, in Chinese), so every problem in a spec carries
its position whatever the form. A type's `show` gives the text a template prints; composite values
are presented by `present`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from ..load.load import Number
from .model import ChangeRate, Date, DateRange, Group, Indicator, Item, Section, Titled, Tree, ValueParts, Values
from .records import INVALID, Problem
from ..load.text import as_text, closest, one_line, paragraphs

Loc = tuple
Problems = list[Problem]

ROUNDING = {"四舍五入": ROUND_HALF_UP, "五舍六入": ROUND_HALF_DOWN, "银行家舍入": ROUND_HALF_EVEN}
MONEY_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


# Problems that leave the value usable: a key the layout does not declare (dropped), a field the
# form requires but the spec leaves out (empty). Their level is configurable (S003 aside).
SOFT = frozenset({"missing_declared", "extra_forbidden"})


def failed(problems: Problems, before: int) -> bool:
    """Whether a problem that makes the value unusable was recorded since `before`."""
    return any(p.kind not in SOFT for p in problems[before:])


def problem(problems: Problems, loc: Loc, message: str, value: Any = None, kind: str = "value_error") -> Any:
    """Record a problem at `loc` (the message follows 「<label>」 in what the user sees)."""
    problems.append(Problem(tuple(loc), kind, message, value))
    return INVALID


# ---------------------------------------------------------------------------------------------
# Fields


@dataclass(frozen=True)
class Field:
    """One declared key: its label (and accepted aliases), its type and what the layout says of it."""

    label: str
    type: FieldType
    aliases: tuple[str, ...] = ()
    required: bool = False  # the form cannot do without it (S005, or S002 for an item's name)
    default: str | None = None  # a template over the same item's fields (and the spec's), e.g. "{部门}"
    formula: Any = None  # a `formula.Formula`: the value is derived; a written one must agree (M001)
    description: str = ""
    role: str = ""  # what the checks know it as: code | kind | weight | direction
    options: Mapping[str, Any] = field(default_factory=dict)  # the role's parameters (e.g. total: 90)
    merge: str = ""  # indicator fields: "blank" continues the cell above while a row gives none
    per_year: bool = False  # `perfgen rollover` flags it as belonging to one year
    score: str = ""  # computed by the layout's scoring (执行率, 得分, 总分 …); a written one must agree (A011)
    core: bool = False  # a field every spec has (版式, 年度, 部门 …), not one a layout declares

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


class FieldType:
    """Base of the declared types. `name` is how layout.yaml writes it, `kind` how tables and the
    workbook treat its values (text | money | percent | number | count)."""

    name = ""
    kind = "text"

    def convert(self, value: Any, loc: Loc, problems: Problems) -> Any:
        raise NotImplementedError

    def empty(self) -> Any:
        """The value held when the spec does not give one."""
        return None

    def is_empty(self, value: Any) -> bool:
        return value in (None, "", (), {}) or (isinstance(value, (Values, Tree)) and not value)

    def schema(self) -> dict[str, Any]:
        return {}

    def show(self, value: Any) -> Any:
        """What a template prints (composite values are presented by `present`)."""
        return "" if value is None else str(value)

    def number(self, value: Any) -> Any:
        """The number a table cell and the workbook carry (None for text)."""
        return None


def said(schema: dict[str, Any], message: str) -> dict[str, Any]:
    """`schema` whose mismatch an editor reports as `message` (yaml-language-server's
    `errorMessage`, on each alternative of an anyOf: the editor reports the closest one)."""
    for option in schema.get("anyOf", []):
        if isinstance(option, dict) and "errorMessage" not in option:
            option["errorMessage"] = message
    schema["errorMessage"] = message
    return schema


def _title(key: Any, loc: Loc, problems: Problems, what: str = "标题") -> Any:
    """A heading written as a mapping key (a section's, a sub-section's, an indicator level's):
    never blank."""
    title = "" if key is None else str(key).strip()
    if not title:
        return problem(problems, (*loc, key), f"{what}是空的：请在冒号前写上{what}，或删去这一项", key, "key_error")
    return title


def _scalar_text(value: Any, loc: Loc, problems: Problems) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, Number)):
        return problem(problems, loc, "", value, "string_type")
    return as_text(value)


class TextType(FieldType):
    """One piece of text, shown on one line (wrapped lines and paragraphs joined)."""

    name = "text"

    def __init__(self, pattern: str | None = None, max_length: int | None = None):
        self.pattern = pattern  # a code such as 项目编码 should match it (C001, a warning)
        self.max_length = max_length  # the form's limit in characters (T002, a warning)

    def convert(self, value, loc, problems):
        return _scalar_text(value, loc, problems)

    def schema(self):
        return said({"type": ["string", "number"]}, "这里应写一段文字（不是列表或「键: 值」）。")

    def show(self, value):
        return one_line(value)


class ParagraphsType(TextType):
    """Prose: paragraphs split on blank lines, shown as a list of paragraphs."""

    name = "paragraphs"

    def show(self, value):
        return paragraphs(value)


class TitledType(FieldType):
    """A paragraph, or a one-key mapping 标题: 段落 (a title line followed by a paragraph)."""

    name = "titled"

    def convert(self, value, loc, problems):
        if isinstance(value, dict):
            if len(value) != 1:
                return problem(problems, loc, "应该是一段文字，或「标题: 段落」（只写一个标题）", value)
            ((key, text),) = value.items()
            title, text = _title(key, loc, problems), _scalar_text(text, (*loc, key), problems)
            return INVALID if INVALID in (title, text) else Titled(title, text)
        text = _scalar_text(value, loc, problems)
        return INVALID if text is INVALID else Titled("", text)

    def schema(self):
        return {"anyOf": [{"type": ["string", "number"]}, {"type": "object", "maxProperties": 1, "additionalProperties": {"type": "string"}}]}

    def show(self, value):
        if value is None:
            return ""
        return f"{value.title}：{one_line(value.text)}" if value.title else one_line(value.text)


# ---------------------------------------------------------------------------------------------
# Numbers


def amount_text(amount: Decimal | None, places: int | None, grouping: bool = False, rounding: str = ROUND_HALF_UP) -> str:
    """An amount as written (places=None) or rounded to `places` decimals; None → ""."""
    if amount is None:
        return ""
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding)
    return format(amount, ",f" if grouping else "f")


GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 3,309,840.00


def _decimal(value: Any, loc: Loc, problems: Problems, words: str, example: str) -> Any:
    if isinstance(value, Number):
        amount = Decimal(value.source_text.replace("_", ""))
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if GROUPED.match(text):
            text = text.replace(",", "")
        if not MONEY_TEXT.match(text):
            return problem(problems, loc, f"「{value}」不是{words}：请只写数字，例如 {example}，不要带单位或文字（千分位写 3,309,840.00）", value)
        amount = Decimal(text)
    else:
        return problem(problems, loc, f"应该是{words}，例如 {example}，而不是{_what(value)}", value)
    return amount.copy_abs() if amount.is_zero() else amount  # -0 is 0


def _what(value: Any) -> str:
    """How a message names a value that is not a single one."""
    return "列表" if isinstance(value, list) else "映射" if isinstance(value, dict) else "空值" if value is None else "是/否" if isinstance(value, bool) else f"「{value}」"


class NumberType(FieldType):
    """A number such as a weight (权重) or a score, exact (Decimal); `suffix` is shown after it."""

    name = "number"
    kind = "number"
    words = "数字"
    LIMIT = Decimal("1e15")

    def __init__(self, minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None, places: int | None = None, suffix: str = ""):
        self.minimum, self.maximum, self.places, self.suffix = minimum, maximum, places, suffix

    def example(self) -> str:
        return "10"

    def convert(self, value, loc, problems):
        amount = _decimal(value, loc, problems, self.words, self.example())
        if amount is INVALID:
            return INVALID
        if not amount.is_finite() or amount.copy_abs() >= self.LIMIT:  # copy_abs: exact, even for 1e999999999
            return problem(problems, loc, f"「{value}」超出了合理范围：{self.range_hint()}", value)
        if self.minimum is not None and amount < self.minimum:
            return problem(problems, loc, "不能是负数" if self.minimum == 0 else f"不能小于 {self.minimum}", value)
        if self.maximum is not None and amount > self.maximum:
            return problem(problems, loc, f"不能大于 {self.maximum}", value)
        return amount

    def range_hint(self) -> str:
        return "请检查数字"

    def schema(self):
        bounds = {k: float(v) for k, v in (("minimum", self.minimum), ("maximum", self.maximum)) if v is not None}
        limits = "、".join(f"{word} {v}" for word, v in (("不小于", self.minimum), ("不大于", self.maximum)) if v is not None)
        return said(
            {"anyOf": [{"type": "number", **bounds}, {"type": "string", "pattern": r"^\s*[+-]?\d[\d,]*(\.\d+)?\s*$"}]},
            f"这里应写一个数{f'（{limits}）' if limits else ''}，只写数字：不带单位（万元、元、%），不用汉字。",
        )

    def show(self, value):
        return "" if value is None else amount_text(value, self.places) + self.suffix

    def number(self, value):
        return value


class MoneyType(NumberType):
    """An amount in the layout's unit (万元 or 元), exact, shown with the layout's places."""

    name = "money"
    kind = "money"

    def __init__(self, unit: str = "万元", places: int | None = None, grouping: bool = False, rounding: str = ROUND_HALF_UP, shown_in: str = ""):
        super().__init__()
        self.unit, self.places, self.grouping, self.rounding = unit, places, grouping, rounding
        self.shown_in = shown_in if shown_in != unit else ""  # a form that shows 元 amounts in 万元 (or back)
        self.words = f"金额（单位：{unit}）"
        self.LIMIT = Decimal("1e12") if unit == "万元" else Decimal("1e16")

    def example(self) -> str:
        return "48.36" if self.unit == "万元" else "3309840.00"

    def range_hint(self) -> str:
        return f"请检查数字和单位（{self.unit}）"

    @property
    def max_places(self) -> int:
        """Decimals finer than a 分 (M002): 6 for 万元, 2 for 元."""
        return 6 if self.unit == "万元" else 2

    def show(self, value):
        return amount_text(self.number(value), self.places, self.grouping, self.rounding)

    def number(self, value):
        if value is None or not self.shown_in:
            return value
        return value / 10000 if self.shown_in == "万元" else value * 10000


class PercentType(NumberType):
    """A percentage, written 24% or 24; shown 24%."""

    name = "percent"
    kind = "percent"
    words = "百分数"

    def __init__(self, places: int | None = None, rounding: str = ROUND_HALF_UP):
        super().__init__(minimum=None)
        self.places, self.rounding = places, rounding

    def example(self) -> str:
        return "24%"

    def convert(self, value, loc, problems):
        if isinstance(value, str) and value.strip().endswith(("%", "％")):
            value = value.strip()[:-1].strip()
        return super().convert(value, loc, problems)

    def schema(self):
        return said({"type": ["number", "string"], "pattern": r"^\s*[+-]?\d+(\.\d+)?\s*[%％]?\s*$"}, "这里应写百分数，例如 85 或 85%。")

    def show(self, value):
        return "" if value is None else amount_text(value, self.places, rounding=self.rounding) + "%"


class CountType(FieldType):
    """A whole number ≥ 0 (人数, 项目期 in years …); `suffix` is shown after it (e.g. 年)."""

    name = "count"
    kind = "count"
    DIGITS = 15

    def __init__(self, suffix: str = "", maximum: int | None = None, minimum: int = 0):
        self.suffix, self.maximum, self.minimum = suffix, maximum, minimum

    def convert(self, value, loc, problems):
        if isinstance(value, str) and self.suffix and value.strip().endswith(self.suffix):
            value = value.strip()[: -len(self.suffix)].strip()
        if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
            value = int(value)
        if isinstance(value, Number):
            if value.is_finite() and value.adjusted() >= self.DIGITS:  # int() of 1e999999999 would take minutes
                return problem(problems, loc, "太大了：请参照说明填写", value)
            if not value.is_finite() or value != value.to_integral_value():
                return problem(problems, loc, f"应该是整数，例如 3{self.suffix}", value)
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return problem(problems, loc, f"应该是整数，例如 3{self.suffix}", value)
        if value < self.minimum:
            return problem(problems, loc, "不能是负数" if self.minimum == 0 else f"不能小于 {self.minimum}", value)
        if self.maximum is not None and value > self.maximum:
            return problem(problems, loc, f"不能大于 {self.maximum}", value)
        return value

    def schema(self):
        bounds = {"minimum": self.minimum, **({"maximum": self.maximum} if self.maximum is not None else {})}
        limits = f"{self.minimum}–{self.maximum}" if self.maximum is not None else f"不小于 {self.minimum}"
        return said(
            {"anyOf": [{"type": "integer", **bounds}, {"type": "string", "pattern": rf"^\s*\d+\s*{re.escape(self.suffix)}$"}]},
            f"这里应写一个整数（{limits}{f'，可带「{self.suffix}」' if self.suffix else ''}），用阿拉伯数字。",
        )

    def show(self, value):
        return "" if value is None else f"{value}{self.suffix}"

    def number(self, value):
        return value


class YearType(FieldType):
    name = "year"

    def convert(self, value, loc, problems):
        text = value.source_text if isinstance(value, Number) else value.strip() if isinstance(value, str) else None
        if text is None or not re.fullmatch(r"\d{4}", text):
            return problem(problems, loc, "应该是四位数字的年份，例如 2020", value)
        return int(text)

    def schema(self):
        return said({"anyOf": [{"type": "integer", "minimum": 1900, "maximum": 2999}, {"type": "string", "pattern": r"^\s*\d{4}\s*$"}]}, "年度应写四位数字的年份，例如 2024。")


# ---------------------------------------------------------------------------------------------
# Dates


DATE = re.compile(r"^\s*(\d{4})\s*(?:[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2})\s*日?|月)?)\s*$")
RANGE_SEPARATORS = ("至", "~", "～", "—", "–", "－", "-", "到")


def parse_date(text: str) -> Date | None:
    match = DATE.match(text)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3]) if match[3] else None
    if not 1900 <= year <= 2999 or not 1 <= month <= 12 or (day is not None and not 1 <= day <= _days(year, month)):
        return None
    return Date(year, month, day)


def _days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def date_text(date: Date | None, fmt: str, month_fmt: str) -> str:
    """A date in the layout's format: `fmt` for a day, `month_fmt` for a month written alone
    ({y} 2024, {m} 7, {mm} 07, {d} 5, {dd} 05)."""
    if date is None:
        return ""
    chosen = month_fmt if date.day is None else fmt
    return chosen.format(y=date.year, m=date.month, mm=f"{date.month:02d}", d=date.day or "", dd=f"{date.day or 0:02d}")


def _date_value(value: Any) -> str | None:
    if isinstance(value, Number):
        return value.source_text
    return value if isinstance(value, str) else None


class DateType(FieldType):
    """A date, written 2024-01-15, 2024.01.15, 2024年1月15日, or a month 2024.01 / 2024年1月."""

    name = "date"

    def __init__(self, format: str = "{y}年{m}月{d}日", month_format: str = "{y}年{m}月"):  # noqa: A002 - the layout's key
        self.format, self.month_format = format, month_format

    def convert(self, value, loc, problems):
        text = _date_value(value)
        date = parse_date(text) if text is not None else None
        if date is None:
            return problem(problems, loc, f"{_what(value)}不是日期：请写成 2024-01-15、2024.01 或 2024年1月", value)
        return date

    def schema(self):
        return said({"type": ["string", "number"], "pattern": r"^\s*\d{4}\s*[-./年]"}, "这里应写日期，例如 2024-03-15 或 2024年3月15日。")

    def show(self, value):
        return date_text(value, self.format, self.month_format)


class DateRangeType(DateType):
    """A period such as 实施期: 2023.07-2024.01, 2023年7月至2024年1月, 2023-07-01~2024-06-30."""

    name = "daterange"

    def __init__(self, format: str = "{start}-{end}", date_format: str = "{y}.{mm}.{dd}", month_format: str = "{y}.{mm}"):  # noqa: A002
        super().__init__(date_format, month_format)
        self.range_format = format

    def convert(self, value, loc, problems):
        text = _date_value(value)
        found = _split_range(text) if text is not None else None
        if found is None:
            return problem(problems, loc, f"{_what(value)}不是起止日期：请写成 2023.07-2024.01 或 2023年7月至2024年1月", value)
        if (found.end.year, found.end.month, found.end.day or 0) < (found.start.year, found.start.month, found.start.day or 0):
            return problem(problems, loc, f"「{value}」的开始日期晚于结束日期：请检查先后", value)
        return found

    def schema(self):
        return {"type": "string"}

    def show(self, value):
        if value is None:
            return ""
        start, end = (date_text(d, self.format, self.month_format) for d in (value.start, value.end))
        return self.range_format.format(start=start, end=end)


def _split_range(text: str) -> DateRange | None:
    for separator in RANGE_SEPARATORS:
        for match in re.finditer(re.escape(separator), text):
            start, end = parse_date(text[: match.start()]), parse_date(text[match.end() :])
            if start and end:
                return DateRange(start, end)
    return None


# ---------------------------------------------------------------------------------------------
# Choices and flags


class ChoiceType(FieldType):
    """One of the form's allowed values (项目属性 新增/延续/常年, 绩效标准 …); `aliases` maps
    other spellings to them."""

    name = "choice"

    def __init__(self, values: tuple[str, ...], aliases: Mapping[str, str] | None = None):
        self.values, self.aliases = tuple(values), dict(aliases or {})

    def convert(self, value, loc, problems):
        text = _scalar_text(value, loc, problems)
        if text is INVALID:
            return INVALID
        text = self.aliases.get(text, text)
        if text not in self.values:
            allowed = "、".join(self.values)
            return problem(problems, loc, f"「{text}」不是可选的值{closest(text, list(self.values))}可选：{allowed}", value)
        return text

    def schema(self):
        return said({"enum": [*self.values, *self.aliases]}, f"这里只能写：{'、'.join(self.values)}。")


FLAG_WORDS = {"是": True, "否": False, "有": True, "无": False, "√": True, "×": False, "✓": True, "★": True}


class FlagType(FieldType):
    """Yes or no (是/否, true/false); shown as the layout's words (default 是 / 否)."""

    name = "flag"

    def __init__(self, shown: tuple[str, str] = ("是", "否")):
        self.shown = tuple(shown)

    def convert(self, value, loc, problems):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip() in FLAG_WORDS:
            return FLAG_WORDS[value.strip()]
        return problem(problems, loc, f"{_what(value)}应该是 是 或 否", value)

    def schema(self):
        return {"anyOf": [{"type": "boolean"}, {"enum": list(FLAG_WORDS)}]}

    def show(self, value):
        return "" if value is None else self.shown[0] if value else self.shown[1]


# ---------------------------------------------------------------------------------------------
# Composite types


class ListType(FieldType):
    """A list written one element a line (「- …」), numbered by the layout's `numbering`."""

    name = "list"

    def __init__(self, item: FieldType, numbering: str = ""):
        self.item, self.numbering = item, numbering

    def convert(self, value, loc, problems):
        if not isinstance(value, list):
            return problem(problems, loc, "", value, "list_type")
        out = []
        for i, element in enumerate(value):
            converted = self.item.convert(element, (*loc, i), problems)
            if converted is not INVALID and isinstance(self.item, BlockType):
                converted = Item(self.item.name_of(converted), converted)
            out.append(converted)
        return INVALID if INVALID in out else tuple(out)

    def empty(self):
        return ()

    def schema(self):
        return {"type": "array", "items": self.item.schema()}


class BlockType(FieldType):
    """A mapping of declared fields (an item kind such as 项目, a nested block such as 联系人).

    `scalar` names the field a plain value fills when written in place of the mapping (a goal
    written as its text); `name_field` the field that names an item (名称, 简称)."""

    name = "block"

    def __init__(self, fields: tuple[Field, ...], kind: str = "", scalar: str | None = None, name_field: str | None = None, *, open: bool = False):  # noqa: A002
        self.fields, self.kind, self.scalar, self.name_field = tuple(fields), kind, scalar, name_field
        self.open = open  # other keys are left alone (the spec's core, read before its layout is known)
        self.by_key = {key: f for f in self.fields for key in f.keys}

    def field(self, label: str) -> Field | None:
        return self.by_key.get(label)

    def name_of(self, values: Values) -> str:
        return (values.get(self.name_field) or "") if self.name_field else ""

    def convert(self, value, loc, problems):
        if self.scalar is not None and not isinstance(value, (dict, list)):
            value = {self.scalar: value}
        if not isinstance(value, dict):
            return problem(problems, loc, "", value, "model_type")
        before = len(problems)
        allowed = [key for f in self.fields for key in f.keys]
        for extra in (k for k in value if k not in self.by_key and not self.open):
            problem(problems, (*loc, extra), "", (self.kind, allowed), "extra_forbidden")
        out = {}
        for f in self.fields:
            present = [k for k in f.keys if k in value and value[k] is not None]
            for other in present[1:]:  # e.g. 财政拨款 and 财政资金 both written: which one is meant?
                problem(problems, (*loc, other), "", present[0], "same_field")
            if not present:
                out[f.label] = f.type.empty()
                if f.required and f.default is None and f.formula is None:
                    problem(problems, (*loc, f.label), "", value, "missing" if f.core or f.label == self.name_field else "missing_declared")
                continue
            converted = f.type.convert(value[present[0]], (*loc, present[0]), problems)
            if f.required and converted == "" and f.default is None:  # written, but empty
                kind = "missing" if f.core or f.label == self.name_field else "missing_declared"
                hint = f"请填写（{f.description}）" if f.description else "请填写"
                problem(problems, (*loc, present[0]), f"是空的：{hint}", value, "empty" if kind == "missing" else kind)
            out[f.label] = converted
        return INVALID if failed(problems, before) or INVALID in out.values() else Values(out)

    def empty(self):
        return None

    def schema(self):
        properties, required = {}, []
        for f in self.fields:
            kind = f.type
            if isinstance(kind, NumberType) and f.options.get("total") is not None:  # one weight is at most the weights' total
                kind = NumberType(kind.minimum, f.options["total"], kind.places, kind.suffix)
            schema = {"title": f.label, **kind.schema()}
            if f.description:
                schema["description"] = f.description
            properties.update({key: schema for key in f.keys})
            if f.required and f.default is None and f.formula is None:
                required.append(f.label)
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if self.kind:
            schema["title"] = self.kind
        if required:
            schema["required"] = required
        if self.scalar is not None:
            return {"anyOf": [schema, self.by_key[self.scalar].type.schema()]}
        return schema


class SectionsType(FieldType):
    """A mapping from each entry's title to its content (分项绩效目标: 标题 → 绩效目标 / 绩效指标)."""

    name = "sections"

    def __init__(self, item: FieldType, numbering: str = ""):
        self.item, self.numbering = item, numbering

    def convert(self, value, loc, problems):
        if not isinstance(value, dict):
            return problem(problems, loc, "", value, "dict_type")
        out = [Section(_title(key, loc, problems), self.item.convert(content, (*loc, key), problems)) for key, content in value.items()]
        return INVALID if any(INVALID in (s.title, s.value) for s in out) else tuple(out)

    def empty(self):
        return ()

    def schema(self):
        return {"type": "object", "additionalProperties": self.item.schema()}


class OutlineType(FieldType):
    """Free-form sub-sections: a heading mapped to text, to a list, or to further headings; a list
    of headings is numbered by `numbering`."""

    name = "outline"

    def __init__(self, numbering: str = ""):
        self.numbering = numbering

    def convert(self, value, loc, problems):
        if isinstance(value, dict):
            out = {_title(k, loc, problems): self.convert(v, (*loc, k), problems) for k, v in value.items()}
            return INVALID if INVALID in out or INVALID in out.values() else out
        if isinstance(value, list):
            out = [self.convert(v, (*loc, i), problems) for i, v in enumerate(value)]
            return INVALID if INVALID in out else out
        return _scalar_text(value, loc, problems)

    def schema(self):
        return {"anyOf": [{"type": ["string", "number"]}, {"type": "array"}, {"type": "object"}]}


class CheckpointsType(FieldType):
    """Values at the form's checkpoints (资金支出计划 at 3月底 / 6月底 / 10月底 / 12月底, or
    quarters): percentages (or amounts), optionally cumulative and ending at `final` (P001–P003)."""

    name = "checkpoints"

    def __init__(self, points: tuple[str, ...], of: NumberType, cumulative: bool = True, final: Decimal | None = Decimal(100)):
        self.points, self.of, self.cumulative, self.final = tuple(points), of, cumulative, final

    def convert(self, value, loc, problems):
        if not isinstance(value, dict):
            return problem(problems, loc, "", value, "dict_type")
        before = len(problems)
        for extra in (k for k in value if k not in self.points):
            problem(problems, (*loc, extra), "", ("", list(self.points)), "extra_forbidden")
        out = {p: self.of.convert(value[p], (*loc, p), problems) if value.get(p) is not None else None for p in self.points}
        return INVALID if len(problems) > before else Values(out)

    def is_empty(self, value):
        return value is None or all(v is None for v in value.values())

    def schema(self):
        return {"type": "object", "properties": {p: self.of.schema() for p in self.points}, "additionalProperties": False}


# ---------------------------------------------------------------------------------------------
# The indicator tree


RATE_KEYS = ("变动率", "小数位")


class IndicatorsType(FieldType):
    """An indicator tree: 一级 → 二级 → a list of 三级 rows, each `- 名称: 指标值` with the fields
    `indicator` declares beside it (or the long form 名称: …, 指标值: …); a 二级 may instead hold
    only the fields of a group whose rows the layout generates. `parts` are the names of the
    layout's value parts, the keys of an 指标值's long form."""

    name = "indicators"

    def __init__(self, indicator: BlockType, parts: tuple[str, ...] = ()):
        self.indicator, self.parts = indicator, tuple(parts)
        self.reserved = {"名称", "指标值", *indicator.by_key}

    def empty(self):
        return Tree()

    def convert(self, value, loc, problems):
        if not isinstance(value, dict):
            return problem(problems, loc, "", value, "dict_type")
        before = len(problems)
        level1s, groups = [], []
        for level1, level2s in value.items():
            _title(level1, loc, problems, "一级指标名称")
            level1s.append(str(level1))
            if level2s is None:
                continue
            if not isinstance(level2s, dict):
                problem(problems, (*loc, level1), "", level2s, "dict_type")
                continue
            for level2, items in level2s.items():
                here = (*loc, level1, level2)
                _title(level2, (*loc, level1), problems, "二级指标名称")
                if isinstance(items, dict):  # a generated group: its fields only
                    groups.append(Group(str(level1), str(level2), (), self.indicator.convert(items, here, problems)))
                    continue
                if items is None:
                    items = []
                if not isinstance(items, list):
                    problem(problems, here, "", items, "list_type")
                    continue
                rows = tuple(self._indicator(item, (*here, i), problems) for i, item in enumerate(items))
                groups.append(Group(str(level1), str(level2), rows))
        if failed(problems, before) or any(INVALID in g.indicators or g.note is INVALID for g in groups):
            return INVALID
        return Tree(tuple(level1s), tuple(groups))

    def _indicator(self, item: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(item, dict) or not item:
            return problem(problems, loc, "应该写成「- 指标名称: 指标值」，或「- 名称: …」加「指标值: …」", item, "mapping_expected")
        if "名称" in item:
            name_loc, name, value_loc, value = (*loc, "名称"), item["名称"], (*loc, "指标值"), item.get("指标值")
            fields = {k: v for k, v in item.items() if k not in ("名称", "指标值")}
        else:
            first = next(iter(item))
            if first in self.reserved:
                return problem(problems, (*loc, first), "缺少指标名称：请把「- 指标名称: 指标值」写在第一行，或加上「名称: …」", item)
            name_loc, name, value_loc, value = (*loc, first), first, (*loc, first), item[first]
            if value is None and "指标值" in item:  # 「- 名称:」 then its 指标值 on a line of its own
                value_loc, value = (*loc, "指标值"), item["指标值"]
            fields = {k: v for k, v in item.items() if k not in (first, "指标值")}
        name = _scalar_text(name, name_loc, problems)
        if name is not INVALID and not name:
            name = problem(problems, name_loc, "三级指标名称是空的：请写出名称", name)
        converted = self.value(value, value_loc, problems)
        values = self.indicator.convert(fields, loc, problems)
        if INVALID in (name, converted, values):
            return INVALID
        return Indicator(name, converted, values)

    def value(self, value: Any, loc: Loc, problems: Problems) -> Any:
        """An 指标值: text as an officer says it, a derived 变动率, or the long form by parts."""
        if value is None:
            return None
        if not isinstance(value, dict):
            return _scalar_text(value, loc, problems)
        if set(RATE_KEYS) & set(value):
            return _change_rate(value, loc, problems)
        if not self.parts:
            return problem(problems, loc, "应该是一个值，例如 ≥90%、=100%，或 {变动率: 在职人员经费}", value)
        before = len(problems)
        for extra in (k for k in value if k not in self.parts):
            problem(problems, (*loc, extra), "", ("", [*self.parts, *RATE_KEYS]), "extra_forbidden")
        parts = {p: _scalar_text(value[p], (*loc, p), problems) if value.get(p) is not None else "" for p in self.parts}
        return INVALID if len(problems) > before else ValueParts(Values(parts))

    def schema(self):
        value = {
            "anyOf": [
                {"type": ["string", "number", "null"]},
                {"type": "object", "title": "变动率", "properties": {"变动率": {"type": "string"}, "小数位": {"type": "integer", "minimum": 0, "maximum": 4}}, "required": ["变动率"], "additionalProperties": False},
                *([{"type": "object", "title": "指标值（分栏）", "properties": {p: {"type": ["string", "number"]} for p in self.parts}, "additionalProperties": False}] if self.parts else []),
            ]
        }
        options = self.indicator.schema()["properties"]
        long_form = {"type": "object", "properties": {"名称": {"type": ["string", "number"]}, "指标值": value, **options}, "required": ["名称"], "additionalProperties": False}
        short_form = {
            "type": "object", "minProperties": 1, "properties": {"指标值": value, **options}, "additionalProperties": value,
            "not": {"required": ["名称"]}, "propertyNames": said({"pattern": _not_a_typo(("指标值", *options))}, _typo_message(options)),
        }  # fmt: skip
        rows = {"type": "array", "items": {"title": "三级指标", "anyOf": [long_form, short_form]}}
        group = said(
            {"anyOf": [rows, {"type": "null"}, {"type": "object", "title": "自动生成的二级指标：只写说明", "properties": options, "additionalProperties": False}]},
            "二级指标下面是三级指标的列表，每个一行「- 指标名称: 指标值」（别漏了「-」）。",
        )
        return {"type": "object", "additionalProperties": {"type": ["object", "null"], "additionalProperties": group}}


def _not_a_typo(names: tuple[str, ...]) -> str:
    """A pattern an indicator's key matches unless it is one character off one of `names` (or is
    two characters or fewer and none of them): in `- 名称: 指标值` the name is free text, so a
    misspelt option (中期指票值, 依椐) would otherwise read as a second name."""
    near = []
    for name in names:
        for i in range(len(name)):
            near.append(re.escape(name[:i]) + "." + re.escape(name[i + 1 :]))
            if len(name) > 2:
                near.append(re.escape(name[:i] + name[i + 1 :]))
    exact = "|".join(re.escape(n) for n in names)
    return rf"^(?:(?:{exact})$|(?!(?:.{{1,2}}|{'|'.join(near)})$))"


def _typo_message(options: dict[str, Any]) -> str:
    offered = "、".join(["指标值", *options])
    return f"这个键像是写错了的指标选项（可用：{offered}）；三级指标写成「- 指标名称: 指标值」，名称在第一行。"


def _change_rate(value: dict, loc: Loc, problems: Problems) -> Any:
    before = len(problems)
    for extra in (k for k in value if k not in RATE_KEYS):
        problem(problems, (*loc, extra), "", ("", list(RATE_KEYS)), "extra_forbidden")
    if value.get("变动率") is None:
        problem(problems, (*loc, "变动率"), "", value, "missing")
    figure = _scalar_text(value.get("变动率", ""), (*loc, "变动率"), problems)
    places = value.get("小数位", 0)
    places = CountType(maximum=4).convert(places, (*loc, "小数位"), problems) if places is not None else 0
    if len(problems) > before:
        return INVALID
    return ChangeRate(figure, places)


class MappingType(FieldType):
    """A mapping from free keys to values of one type (财务数据: 名称 → 金额)."""

    name = "mapping"

    def __init__(self, value: FieldType):
        self.value = value

    def convert(self, value, loc, problems):
        if not isinstance(value, dict):
            return problem(problems, loc, "", value, "dict_type")
        out = {str(k): self.value.convert(v, (*loc, k), problems) for k, v in value.items()}
        return INVALID if INVALID in out.values() else out

    def empty(self):
        return {}

    def schema(self):
        return {"type": "object", "additionalProperties": self.value.schema()}


def inner_blocks(kind: FieldType) -> list[BlockType]:
    """The blocks a value of `kind` holds directly (a list's items, a section's content …)."""
    if isinstance(kind, BlockType):
        return [kind]
    if isinstance(kind, (ListType, SectionsType)):
        return inner_blocks(kind.item)
    if isinstance(kind, IndicatorsType):
        return [kind.indicator]
    return []
