"""Stage 2: the typed, frozen model of what the user wrote, with the form's Chinese labels as keys.

`parse_spec` validates a `Source` against `Spec` (see `records`) and maps every problem back to the line and
column it came from, in Chinese (RenderCV's approach). Nothing here computes: totals, numbering and
parsed indicator values belong to `derive`.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union

from .errors import Finding, PerfgenError, SpecError
from .load import Number, PathKey, Source, load_source
from .records import (
    Before,
    Bounds,
    Choose,
    Invalid,
    Problem,
    Record,
    Schema,
    fields,
    internal,
    is_record,
    key,
    keys_of,
    options_of,
    validate,
)
from .records import json_schema as record_schema

MONEY_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _as_text(value: Any) -> Any:
    """Numbers written where text belongs keep their exact spelling (phone numbers, years)."""
    if isinstance(value, Number):
        value = value.source_text
    if isinstance(value, str):
        return "\n".join(line.rstrip() for line in value.strip().splitlines())
    return value


MONEY_LIMIT = Decimal("1e12")  # 万元: a trillion 万元 is beyond any budget, so a typo or a unit mix-up


def _as_money(value: Any) -> Any:
    amount = _money_value(value)
    if not amount.is_finite() or amount.copy_abs() >= MONEY_LIMIT:  # copy_abs: exact, even for 1e999999999
        raise ValueError(f"「{value}」超出了金额的合理范围：请检查数字和单位（万元）")
    return amount


def _money_value(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("金额应该是数字（单位：万元），例如 48.36")
    if isinstance(value, Number):
        return Decimal(value.source_text.replace("_", ""))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if MONEY_TEXT.match(text):
            return Decimal(text)
        raise ValueError(f"「{value}」不是金额数字：请只写数字（单位：万元），例如 48.36，不要带单位或文字")
    if isinstance(value, Decimal):
        return value
    raise ValueError("金额应该是数字（单位：万元），例如 48.36")


def _as_year(value: Any) -> Any:
    if isinstance(value, Number) and re.fullmatch(r"\d{4}", value.source_text):
        return int(value.source_text)
    if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
        return int(value)
    raise ValueError("年度应该是四位数字的年份，例如 2020")


def _as_percent(value: Any) -> Any:
    if isinstance(value, str) and value.strip().endswith(("%", "％")):
        value = value.strip()[:-1].strip()
    try:
        return _as_money(value)
    except ValueError:
        raise ValueError(f"「{value}」不是百分数：请写成 24% 或 24") from None


Text = Annotated[str, Before(_as_text), Schema({"type": ["string", "number"]})]
MONEY_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d+)?$"}]}
Money = Annotated[Decimal, Before(_as_money), Bounds(ge=0), Schema(MONEY_SCHEMA)]
Percent = Annotated[
    Decimal, Before(_as_percent), Schema({"type": ["number", "string"], "pattern": r"^\s*\d+(\.\d+)?\s*[%％]?\s*$"})
]
Year = Annotated[int, Before(_as_year)]


def by_shape(mapping: Any, other: Any) -> Any:
    """`mapping` when the spec wrote a mapping there, else `other` — so a mistake is reported
    against the one shape the user meant, not against every member of a union."""
    return Annotated[Union[mapping, other], Choose(lambda v: mapping if isinstance(v, dict) else other)]


class ValueParts(Record):
    """The long form of an 指标值, for rows a layout shows as 符号 | 值 | 单位 that do not follow
    from one written value (e.g. 符号「文字描述」with a number)."""

    comparator: Text = key("符号", default="", description="符号列，例如 >=、=、文字描述")
    number: Text = key("值", default="", description="值列")
    unit: Text = key("单位", default="", description="单位列")


class ChangeRate(Record):
    """An 指标值 derived, not typed: (本年 − 上年) / 上年 of one figure of 财务数据, as a percentage.

    本年 comes from this spec's 财务数据, 上年 from that of the spec named by 上年规格.
    """

    figure: Text = key("变动率", description="「财务数据」中的一项，例如 在职人员经费；指标值 = (本年 − 上年) / 上年")
    places: Annotated[int, Bounds(ge=0, le=4)] = key("小数位", default=0, description="百分数保留几位小数（四舍五入），默认 0：21%、-7%")


OPTIONAL_TEXT = Text | None
RATE_KEYS = frozenset(keys_of(ChangeRate))


def _value_form(value: Any) -> Any:
    if not isinstance(value, dict):
        return OPTIONAL_TEXT
    return ChangeRate if RATE_KEYS & set(value) else ValueParts


IndicatorValue = Annotated[Union[ValueParts, ChangeRate, Text, None], Choose(_value_form)]
"""An 指标值: text as an officer says it, its long form 符号/值/单位, or a derived 变动率."""


class Indicator(Record):
    """One 三级指标. In the spec: `- 名称: 指标值` on one line, with optional keys beside it."""

    name: Text = key("名称", description="三级指标名称")
    value: IndicatorValue = key("指标值", default=None, description="例如 ≥12个、=100%、文字；或 {变动率: 在职人员经费}")
    description: Text | None = key("描述", default=None, description="绩效指标描述")
    basis: Text | None = key("依据", default=None, description="指标值确定依据")
    explanation: Text | None = key("解释", default=None, description="指标解释；不写时与上一行合并")
    note: Text | None = key("说明", default=None, description="指标说明；不写时与上一行合并")


class GroupNote(Record):
    """A 二级指标 whose rows the layout generates: only the group's 指标解释 and 指标说明."""

    explanation: Text | None = key("解释", default=None, description="指标解释")
    note: Text | None = key("说明", default=None, description="指标说明")


Indicators = dict[Text, dict[Text, by_shape(GroupNote, list[Indicator])]]
"""一级指标 → 二级指标 → the 三级 rows, in the order written (or a GroupNote for generated rows)."""

Outline = dict[Text, Union[Text, list[Union[Text, dict[Text, Any]]], dict[Text, Any]]]
"""Free-form sub-sections: a heading mapped to text, to a list, or to further headings."""

Safeguard = by_shape(dict[Text, Text], Text)
"""A paragraph, or a one-key mapping 标题: 段落 for a title line followed by a paragraph."""


class Task(Record):
    """One row of 年度主要任务 (whole-department forms)."""

    short: Text = key("简称", description="任务简称，用于生成「计划完成」指标行")
    content: Text = key("主要内容")
    fiscal: Money | None = key("财政资金", "财政拨款", default=None, description="其中：财政资金（万元）")
    other: Money | None = key("其他资金", default=None, description="其他资金（万元）")
    total: Money | None = key("合计", default=None, description="可不写：由财政资金 + 其他资金计算；写了则必须相等")
    remark: Text | None = key("备注", default=None, description="例如 政府性基金")


class Goal(Record):
    """One 年度总体目标 written in its long form, to give it its own 简称."""

    text: Text = key("内容")
    short: Text | None = key("简称", default=None, description="目标简称，默认为同序号任务的简称")


GoalItem = by_shape(Goal, Text)


class SubGoal(Record):
    goal: Text = key("绩效目标")
    indicators: Text | None = key("绩效指标", default=None)


class SpendingPlan(Record):
    """资金支出计划: cumulative percentages at the end of March, June, October and December."""

    march: Percent | None = key("3月底", default=None)
    june: Percent | None = key("6月底", default=None)
    october: Percent | None = key("10月底", default=None)
    december: Percent | None = key("12月底", default=None)


class Project(Record):
    name: Text = key("名称", description="项目名称")
    title: Text | None = key("标题", default=None, description="在正文和目录中的标题，默认由版式根据名称生成")
    code: Text | None = key("编码", default=None, description="项目编码")
    leader: Text | None = key("负责人", default=None, description="项目负责人及电话")
    supervisor: Text | None = key("主管部门", default=None)
    implementer: Text | None = key("实施单位", default=None)
    fiscal: Money | None = key("财政拨款", "财政资金", default=None, description="其中：财政拨款 / 财政资金（万元）")
    other: Money | None = key("其他资金", default=None, description="其他资金（万元）")
    budget: Money | None = key("预算数", default=None, description="可不写：由财政资金 + 其他资金计算；写了则必须相等")
    purpose: Text | None = key("用途", default=None, description="资金用途")
    spending_plan: SpendingPlan | None = key("支出计划", default=None, description="资金支出计划（%），累计")
    annual_goal: Text | None = key("年度目标", default=None)
    goals: list[Text] = key("绩效目标", factory=list, description="绩效目标，每条一项，编号自动生成")
    indicators: Indicators = key("绩效指标")
    notes: Outline | None = key("情况说明", default=None, description="绩效目标指标情况说明：小标题与段落")


@dataclass(frozen=True)
class PreviousYear:
    """What a spec uses from the spec named by its 上年规格: that spec's year and 财务数据."""

    path: str  # as shown in messages
    year: int
    figures: dict[str, Decimal]


class Spec(Record):
    layout: Text = key("版式", description="用哪个版式生成文档，例如 河北-2020；也可写版式目录的相对路径")
    year: Year = key("年度")
    previous_spec: Text | None = key("上年规格", default=None, description="上一年度的规格文件（相对本文件的路径，例如 ../2019/部门.yaml），变动率据此计算")
    figures: dict[Text, Money] = key("财务数据", factory=dict, description="本年度的财务数据（例如 在职人员经费: 1234.5），供本年和下一年度计算变动率")
    department: Text = key("部门", description="部门（单位）名称")
    compiled_by: Text | None = key("编制单位", default=None, description="默认为部门名称")
    reviewed_by: Text | None = key("审核单位", default=None, description="例如 河北省财政厅")
    unit_code: Text | None = key("单位编码", default=None, description="预算单位编码，例如 324001")
    unit_name: Text | None = key("单位名称", default=None, description="预算单位名称，默认为部门名称")
    overall_goal: Text | None = key("总体绩效目标", default=None)
    sub_goals: dict[Text, SubGoal] = key("分项绩效目标", factory=dict)
    safeguards: list[Safeguard] = key("工作保障措施", factory=list)
    special_funds: list[Project] = key("专项资金", factory=list)
    projects: list[Project] = key("项目", factory=list)
    framework: Text | None = key("指标体系", default=None, description="一级/二级指标的体系，默认由版式决定，例如 2015、2021、河南部门整体")
    goals: list[GoalItem] = key("年度总体目标", factory=list, description="目标1、目标2…编号自动生成")
    tasks: list[Task] = key("年度主要任务", factory=list, description="任务1、任务2…编号自动生成")
    indicators: Indicators = key("绩效指标", factory=dict, description="部门整体绩效指标")
    rule_levels: dict[Text, Text] = key("规则级别", factory=dict, description="调整检查规则的级别，例如 C103: 关闭（错误 / 警告 / 关闭，见 docs/rules.md）")

    previous_year: PreviousYear | None = internal()  # what 上年规格 gives, once read (`read_previous`)

    def with_previous_year(self, previous: PreviousYear) -> Spec:
        """A copy of this spec that knows its previous year (see `read_previous`)."""
        return replace(self, previous_year=previous)


# ---------------------------------------------------------------------------------------------
# From Source to Spec


INDICATOR_OPTIONS = set(keys_of(Indicator)) - {"名称", "指标值"}


def parse_spec(source: Source) -> Spec:
    """Validate `source` as a `Spec`; raise `SpecError` listing every problem with its position.

    Pure: the spec named by 上年规格 is read by the build (`read_previous`), not here.
    """
    if not isinstance(source.data, dict):
        raise SpecError.single(
            source.position(()), "S001", "规格文件的最外层应该是「键: 值」的映射（例如「部门: …」），而不是列表或单个值。"
        )
    data, aliases = _expand_indicators(source.data)
    try:
        return validate(Spec, data)
    except Invalid as exc:
        raise SpecError([_finding(source, problem, aliases) for problem in exc.problems]) from None


def read_previous(reference: str, source: Source) -> PreviousYear:
    """Read the spec named by 上年规格 (relative to the spec's directory) for its 财务数据."""
    where = source.position(("上年规格",))
    path = Path(os.path.normpath(Path(source.path).parent / reference))
    if not path.is_file():
        raise SpecError.single(
            where, "V001",
            f"找不到上年规格「{reference}」（按本文件所在目录解析为 {path}）：请检查路径，"
            f"它相对于本规格文件所在的目录，例如 ../{_year_hint(source)}/文件名.yaml。",
        )  # fmt: skip
    if path.resolve() == Path(source.path).resolve():
        raise SpecError.single(where, "V001", "上年规格指向了本文件自己：请改为上一年度的规格文件。")
    try:
        spec = parse_spec(load_source(path, str(path)))  # its own 上年规格 is not followed
    except PerfgenError as exc:
        intro = Finding(
            where, "V002",
            f"上年规格「{reference}」有 {len(exc.findings)} 个错误，无法读取上年的财务数据（错误见下）："
            f"请先修正上年规格，或删去「上年规格」这一行并直接写出指标值。",
        )  # fmt: skip
        raise SpecError([intro, *exc.findings]) from None
    return PreviousYear(str(path), spec.year, dict(spec.figures))


def _year_hint(source: Source) -> str:
    year = source.data.get("年度")
    return str(int(year) - 1) if isinstance(year, Number) and year == year.to_integral_value() else "2019"


def _expand_indicators(data: dict) -> tuple[dict, dict[PathKey, PathKey]]:
    """Rewrite each short indicator `{<名称>: <指标值>, 描述: …}` to `{名称: …, 指标值: …, 描述: …}`.

    Returns the new data and a map from the rewritten locations to where they were written.
    """
    aliases: dict[PathKey, PathKey] = {}

    def indicator(item: Any, loc: PathKey) -> Any:
        if not isinstance(item, dict) or "名称" in item or not item:
            return item
        name, value = next(iter(item.items()))
        if name in INDICATOR_OPTIONS:
            return item
        aliases[loc + ("名称",)] = loc + (name,)
        aliases[loc + ("指标值",)] = loc + (name,)
        return {"名称": name, "指标值": value, **{k: v for k, v in item.items() if k != name}}

    def indicators(tree: Any, loc: PathKey) -> Any:
        if not isinstance(tree, dict):
            return tree
        out = {}
        for level1, level2s in tree.items():
            if isinstance(level2s, dict):
                level2s = {
                    level2: [indicator(item, loc + (level1, level2, i)) for i, item in enumerate(items)]
                    if isinstance(items, list)
                    else items
                    for level2, items in level2s.items()
                }
            out[level1] = level2s
        return out

    def projects(items: Any, section: str) -> Any:
        if not isinstance(items, list):
            return items
        return [
            {**p, "绩效指标": indicators(p["绩效指标"], (section, i, "绩效指标"))} if isinstance(p, dict) and "绩效指标" in p else p
            for i, p in enumerate(items)
        ]

    out = dict(data)
    for section in ("项目", "专项资金"):
        if section in out:
            out[section] = projects(out[section], section)
    if "绩效指标" in out:
        out["绩效指标"] = indicators(out["绩效指标"], ("绩效指标",))
    return out, aliases


_MESSAGES = {
    "string_type": "「{label}」应该是文字。",
    "int_type": "「{label}」应该是整数。",
    "decimal_type": "「{label}」应该是数字（单位：万元），例如 48.36。",
    "list_type": "「{label}」应该是列表：每一项另起一行，以「- 」开头。",
    "dict_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "model_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "greater_than_equal": "「{label}」不能是负数。",
    "less_than_equal": "「{label}」太大了：请参照说明填写。",
    "int_from_float": "「{label}」应该是整数。",
}


def _finding(source: Source, problem: Problem, aliases: dict[PathKey, PathKey]) -> Finding:
    loc = tuple(part for part in problem.loc if part != "[key]")
    where = _written(loc, aliases)
    label = next((str(part) for part in reversed(loc) if isinstance(part, str)), "内容")
    kind = problem.kind
    if kind == "missing":
        return Finding(
            source.position(where[:-1]), "S002", f"缺少必填项「{label}」：请在这一段里加上「{label}: …」。"
        )
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(label, allowed, n=1, cutoff=0.3)
        hint = f"，是不是想写「{close[0]}」？" if close else "。"
        known = "、".join(allowed)
        return Finding(
            source.position(where, key=True), "S003", f"不认识的键「{label}」{hint}这里可以用的键有：{known}。"
        )
    if kind == "same_field":
        return Finding(
            source.position(where, key=True), "S007", f"「{label}」与「{problem.input}」是同一项的两种写法，只能写一个：请删去其中一个。"
        )
    if kind == "value_error":
        return Finding(source.position(where), "S004", f"「{label}」{problem.message}。")
    template = _MESSAGES.get(kind)
    got = _describe(problem.input)
    message = template.format(label=label, got=got) if template else f"「{label}」的取值不正确（{problem.message}）：请参照示例填写。"
    return Finding(source.position(where), "S004", message)


def _written(loc: PathKey, aliases: dict[PathKey, PathKey]) -> PathKey:
    """Where `loc` (in the expanded data) was written: the longest aliased prefix, mapped back."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in aliases:
            return aliases[loc[:n]] + loc[n:]
    return loc


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "列表"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, Decimal):
        return "数字"
    if value is None:
        return "空值"
    return "单个值"


def _allowed_keys(loc: PathKey) -> list[str]:
    """The keys a mapping at `loc` accepts, found by walking the model's annotations."""
    options: list[Any] = [Spec]
    for part in loc:
        options = [found for option in options for found in options_of(_step(option, part))]
    return list(dict.fromkeys(name for option in options if is_record(option) for name in keys_of(option)))


def _step(target: Any, part: str | int) -> Any:
    """The annotation one level down from `target` at `part` (a key or a list index), or None."""
    if is_record(target):
        if isinstance(part, str):
            for field in fields(target):
                if part in field.keys:
                    return field.annotation
        return None
    origin, args = typing.get_origin(target), typing.get_args(target)
    if (origin is list and isinstance(part, int)) or (origin is dict and isinstance(part, str)):
        return args[-1]
    return None


def _framework_levels(indicators: dict[str, Any]) -> dict[str, Any]:
    """Every 一级 name of every 指标体系 (aliases too) with its 二级 names, so an editor completes
    them; a name outside all of them is left to `perfgen check` (F002/F003), which knows the spec's
    指标体系 and suggests the closest name."""
    from .frameworks import frameworks

    group = indicators["additionalProperties"]["additionalProperties"]
    level1s: dict[str, set[str]] = {}
    for framework in frameworks().values():
        for level1, level2s in framework.levels.items():
            names = {*level2s, *(alias for alias, canonical in framework.aliases.items() if canonical in level2s)}
            for written in (level1, *(a for a, c in framework.aliases.items() if c == level1)):
                level1s.setdefault(written, set()).update(names)
    return {
        "properties": {
            level1: {"type": "object", "title": "一级指标", "properties": {name: {**group, "title": "二级指标"} for name in sorted(level2s)}}
            for level1, level2s in sorted(level1s.items())
        }
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec (keys as written in a spec), for editors' completion and checks."""
    schema = record_schema(Spec)
    definitions = schema["$defs"]
    # An indicator is usually written short: 「名称: 指标值」 as its first key, options below it.
    long_form = definitions["Indicator"]
    value = {k: v for k, v in long_form["properties"]["指标值"].items() if k not in ("default", "title")}
    options = {k: v for k, v in long_form["properties"].items() if k not in ("名称", "指标值")}
    short_form = {"type": "object", "minProperties": 1, "properties": options, "additionalProperties": value}
    definitions["Indicator"] = {"title": "三级指标", "anyOf": [long_form, short_form]}
    for owner in (schema, definitions["Project"]):  # 一级 → 二级 names offered by editors
        owner["properties"]["绩效指标"] = {**owner["properties"]["绩效指标"], **_framework_levels(owner["properties"]["绩效指标"])}
    return {
        **schema,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "perfgen 规格文件",
        "description": "部门预算绩效文本的规格：perfgen check 检查，perfgen build 生成 Word 文档。",
    }
