"""Stage 2: the typed, frozen model of what the user wrote, with the form's Chinese labels as keys.

`parse_spec` validates a `Source` against `Spec` and maps every pydantic error back to the line and
column it came from, in Chinese (RenderCV's approach). Nothing here computes: totals, numbering and
parsed indicator values belong to `derive`.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    WithJsonSchema,
)
from pydantic.fields import FieldInfo

from .errors import Finding, PerfgenError, SpecError
from .load import Number, PathKey, Source, load_source

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
    if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
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


Text = Annotated[str, BeforeValidator(_as_text), WithJsonSchema({"type": ["string", "number"]})]
MONEY_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d+(\.\d+)?$"}]}
Money = Annotated[Decimal, BeforeValidator(_as_money), Field(ge=0), WithJsonSchema(MONEY_SCHEMA)]
Percent = Annotated[
    Decimal, BeforeValidator(_as_percent), WithJsonSchema({"type": ["number", "string"], "pattern": r"^\s*\d+(\.\d+)?\s*[%％]?\s*$"})
]
Year = Annotated[int, BeforeValidator(_as_year)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


MAPPING_TAG, OTHER_TAG = "·mapping", "·other"


def by_shape(mapping: Any, other: Any) -> Any:
    """`mapping` when the spec wrote a mapping there, else `other` — so a mistake is reported
    against the one shape the user meant, not against every member of a union."""
    return Annotated[
        Union[Annotated[mapping, Tag(MAPPING_TAG)], Annotated[other, Tag(OTHER_TAG)]],
        Discriminator(lambda v: MAPPING_TAG if isinstance(v, dict) else OTHER_TAG),
    ]


class ValueParts(Model):
    """The long form of an 指标值, for rows a layout shows as 符号 | 值 | 单位 that do not follow
    from one written value (e.g. 符号「文字描述」with a number)."""

    comparator: Text = Field("", alias="符号", description="符号列，例如 >=、=、文字描述")
    number: Text = Field("", alias="值", description="值列")
    unit: Text = Field("", alias="单位", description="单位列")


class ChangeRate(Model):
    """An 指标值 derived, not typed: (本年 − 上年) / 上年 of one figure of 财务数据, as a percentage.

    本年 comes from this spec's 财务数据, 上年 from that of the spec named by 上年规格.
    """

    figure: Text = Field(alias="变动率", description="「财务数据」中的一项，例如 在职人员经费；指标值 = (本年 − 上年) / 上年")
    places: int = Field(0, alias="小数位", ge=0, le=4, description="百分数保留几位小数（四舍五入），默认 0：21%、-7%")


RATE_TAG = "·rate"


def _value_shape(value: Any) -> str:
    if not isinstance(value, dict):
        return OTHER_TAG
    return RATE_TAG if set(value) & set(model_keys(ChangeRate)) else MAPPING_TAG


IndicatorValue = Annotated[
    Union[
        Annotated[ValueParts, Tag(MAPPING_TAG)],
        Annotated[ChangeRate, Tag(RATE_TAG)],
        Annotated[Text | None, Tag(OTHER_TAG)],
    ],
    Discriminator(_value_shape),
]
"""An 指标值: text as an officer says it, its long form 符号/值/单位, or a derived 变动率."""


class Indicator(Model):
    """One 三级指标. In the spec: `- 名称: 指标值` on one line, with optional keys beside it."""

    name: Text = Field(alias="名称", description="三级指标名称")
    value: IndicatorValue = Field(None, alias="指标值", description="例如 ≥12个、=100%、文字；或 {变动率: 在职人员经费}")
    description: Text | None = Field(None, alias="描述", description="绩效指标描述")
    basis: Text | None = Field(None, alias="依据", description="指标值确定依据")
    explanation: Text | None = Field(None, alias="解释", description="指标解释；不写时与上一行合并")
    note: Text | None = Field(None, alias="说明", description="指标说明；不写时与上一行合并")


class GroupNote(Model):
    """A 二级指标 whose rows the layout generates: only the group's 指标解释 and 指标说明."""

    explanation: Text | None = Field(None, alias="解释", description="指标解释")
    note: Text | None = Field(None, alias="说明", description="指标说明")


Indicators = dict[Text, dict[Text, by_shape(GroupNote, list[Indicator])]]
"""一级指标 → 二级指标 → the 三级 rows, in the order written (or a GroupNote for generated rows)."""

Outline = dict[Text, Union[Text, list[Union[Text, dict[Text, Any]]], dict[Text, Any]]]
"""Free-form sub-sections: a heading mapped to text, to a list, or to further headings."""

Safeguard = by_shape(dict[Text, Text], Text)
"""A paragraph, or a one-key mapping 标题: 段落 for a title line followed by a paragraph."""


class Task(Model):
    """One row of 年度主要任务 (whole-department forms)."""

    short: Text = Field(alias="简称", description="任务简称，用于生成「计划完成」指标行")
    content: Text = Field(alias="主要内容")
    fiscal: Money | None = Field(None, validation_alias=AliasChoices("财政资金", "财政拨款"), description="其中：财政资金（万元）")
    other: Money | None = Field(None, alias="其他资金", description="其他资金（万元）")
    total: Money | None = Field(None, alias="合计", description="可不写：由财政资金 + 其他资金计算；写了则必须相等")
    remark: Text | None = Field(None, alias="备注", description="例如 政府性基金")


class Goal(Model):
    """One 年度总体目标 written in its long form, to give it its own 简称."""

    text: Text = Field(alias="内容")
    short: Text | None = Field(None, alias="简称", description="目标简称，默认为同序号任务的简称")


GoalItem = by_shape(Goal, Text)


class SubGoal(Model):
    goal: Text = Field(alias="绩效目标")
    indicators: Text | None = Field(None, alias="绩效指标")


class SpendingPlan(Model):
    """资金支出计划: cumulative percentages at the end of March, June, October and December."""

    march: Percent | None = Field(None, alias="3月底")
    june: Percent | None = Field(None, alias="6月底")
    october: Percent | None = Field(None, alias="10月底")
    december: Percent | None = Field(None, alias="12月底")


class Project(Model):
    name: Text = Field(alias="名称", description="项目名称")
    title: Text | None = Field(None, alias="标题", description="在正文和目录中的标题，默认由版式根据名称生成")
    code: Text | None = Field(None, alias="编码", description="项目编码")
    leader: Text | None = Field(None, alias="负责人", description="项目负责人及电话")
    supervisor: Text | None = Field(None, alias="主管部门")
    implementer: Text | None = Field(None, alias="实施单位")
    fiscal: Money | None = Field(
        None, validation_alias=AliasChoices("财政拨款", "财政资金"), description="其中：财政拨款 / 财政资金（万元）"
    )
    other: Money | None = Field(None, alias="其他资金", description="其他资金（万元）")
    budget: Money | None = Field(None, alias="预算数", description="可不写：由财政资金 + 其他资金计算；写了则必须相等")
    purpose: Text | None = Field(None, alias="用途", description="资金用途")
    spending_plan: SpendingPlan | None = Field(None, alias="支出计划", description="资金支出计划（%），累计")
    annual_goal: Text | None = Field(None, alias="年度目标")
    goals: list[Text] = Field(default_factory=list, alias="绩效目标", description="绩效目标，每条一项，编号自动生成")
    indicators: Indicators = Field(alias="绩效指标")
    notes: Outline | None = Field(None, alias="情况说明", description="绩效目标指标情况说明：小标题与段落")


@dataclass(frozen=True)
class PreviousYear:
    """What a spec uses from the spec named by its 上年规格: that spec's year and 财务数据."""

    path: str  # as shown in messages
    year: int
    figures: dict[str, Decimal]


class Spec(Model):
    layout: Text = Field(alias="版式", description="用哪个版式生成文档，例如 河北-2020；也可写版式目录的相对路径")
    year: Year = Field(alias="年度")
    previous_spec: Text | None = Field(
        None, alias="上年规格", description="上一年度的规格文件（相对本文件的路径，例如 ../2019/部门.yaml），变动率据此计算"
    )
    figures: dict[Text, Money] = Field(
        default_factory=dict, alias="财务数据", description="本年度的财务数据（例如 在职人员经费: 1234.5），供本年和下一年度计算变动率"
    )
    department: Text = Field(alias="部门", description="部门（单位）名称")
    compiled_by: Text | None = Field(None, alias="编制单位", description="默认为部门名称")
    reviewed_by: Text | None = Field(None, alias="审核单位", description="例如 河北省财政厅")
    unit_code: Text | None = Field(None, alias="单位编码", description="预算单位编码，例如 324001")
    unit_name: Text | None = Field(None, alias="单位名称", description="预算单位名称，默认为部门名称")
    overall_goal: Text | None = Field(None, alias="总体绩效目标")
    sub_goals: dict[Text, SubGoal] = Field(default_factory=dict, alias="分项绩效目标")
    safeguards: list[Safeguard] = Field(default_factory=list, alias="工作保障措施")
    special_funds: list[Project] = Field(default_factory=list, alias="专项资金")
    projects: list[Project] = Field(default_factory=list, alias="项目")
    framework: Text | None = Field(None, alias="指标体系", description="一级/二级指标的体系，默认由版式决定，例如 2015、2021、河南部门整体")
    goals: list[GoalItem] = Field(default_factory=list, alias="年度总体目标", description="目标1、目标2…编号自动生成")
    tasks: list[Task] = Field(default_factory=list, alias="年度主要任务", description="任务1、任务2…编号自动生成")
    indicators: Indicators = Field(default_factory=dict, alias="绩效指标", description="部门整体绩效指标")
    rule_levels: dict[Text, Text] = Field(
        default_factory=dict, alias="规则级别", description="调整检查规则的级别，例如 C103: 关闭（错误 / 警告 / 关闭，见 docs/rules.md）"
    )

    _previous: PreviousYear | None = PrivateAttr(None)

    @property
    def previous_year(self) -> PreviousYear | None:
        """What the spec named by 上年规格 gives (None when not named or not yet read)."""
        return self._previous

    def with_previous_year(self, previous: PreviousYear) -> Spec:
        """A copy of this spec that knows its previous year (see `read_previous`)."""
        copy = self.model_copy()
        copy._previous = previous
        return copy


# ---------------------------------------------------------------------------------------------
# From Source to Spec


def field_names(field: FieldInfo) -> list[str]:
    """Every key that fills `field` in a spec (its alias, or each of its alias choices)."""
    if isinstance(field.validation_alias, AliasChoices):
        return [str(choice) for choice in field.validation_alias.choices]
    return [field.alias] if field.alias else []


def model_keys(model: type[BaseModel]) -> list[str]:
    return [name for field in model.model_fields.values() for name in field_names(field)]


INDICATOR_OPTIONS = set(model_keys(Indicator)) - {"名称", "指标值"}


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
        return Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError([_finding(source, error, aliases) for error in exc.errors()]) from None


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

    def projects(items: Any, key: str) -> Any:
        if not isinstance(items, list):
            return items
        return [
            {**p, "绩效指标": indicators(p["绩效指标"], (key, i, "绩效指标"))} if isinstance(p, dict) and "绩效指标" in p else p
            for i, p in enumerate(items)
        ]

    out = dict(data)
    for key in ("项目", "专项资金"):
        if key in out:
            out[key] = projects(out[key], key)
    if "绩效指标" in out:
        out["绩效指标"] = indicators(out["绩效指标"], ("绩效指标",))
    return out, aliases


_MESSAGES = {
    "string_type": "「{label}」应该是文字。",
    "int_type": "「{label}」应该是整数。",
    "int_parsing": "「{label}」应该是整数。",
    "decimal_type": "「{label}」应该是数字（单位：万元），例如 48.36。",
    "decimal_parsing": "「{label}」应该是数字（单位：万元），例如 48.36。",
    "list_type": "「{label}」应该是列表：每一项另起一行，以「- 」开头。",
    "dict_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "model_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "model_attributes_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "greater_than_equal": "「{label}」不能是负数。",
    "less_than_equal": "「{label}」太大了：请参照说明填写。",
    "int_from_float": "「{label}」应该是整数。",
    "none_required": "「{label}」应该留空。",
}


def _finding(source: Source, error: dict, aliases: dict[PathKey, PathKey]) -> Finding:
    loc = _input_loc(error["loc"])
    where = _written(loc, aliases)
    label = next((str(part) for part in reversed(loc) if isinstance(part, str)), "内容")
    kind = error["type"]
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
    if kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return Finding(source.position(where), "S004", f"「{label}」{message}。")
    template = _MESSAGES.get(kind)
    got = _describe(error.get("input"))
    message = template.format(label=label, got=got) if template else f"「{label}」的取值不正确（{error['msg']}）：请参照示例填写。"
    return Finding(source.position(where), "S004", message)


def _written(loc: PathKey, aliases: dict[PathKey, PathKey]) -> PathKey:
    """Where `loc` (in the expanded data) was written: the longest aliased prefix, mapped back."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in aliases:
            return aliases[loc[:n]] + loc[n:]
    return loc


def _input_loc(loc: tuple) -> PathKey:
    """Drop the union-member tags pydantic adds to `loc` (e.g. 'str', 'ValueParts')."""
    return tuple(part for part in loc if isinstance(part, int) or not _is_union_tag(part))


def _is_union_tag(part: str) -> bool:
    return part in (MAPPING_TAG, OTHER_TAG, RATE_TAG, "str", "ValueParts", "ChangeRate") or (
        part.startswith(("dict[", "list[", "union[", "function-")) and part.isascii()
    )


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
    return list(dict.fromkeys(key for option in options if is_model(option) for key in model_keys(option)))


def _step(target: Any, part: str | int) -> Any:
    """The annotation one level down from `target` at `part` (a key or a list index), or None."""
    if is_model(target):
        if isinstance(part, str):
            for f in target.model_fields.values():
                if part in field_names(f):
                    return f.annotation
        return None
    origin, args = typing.get_origin(target), typing.get_args(target)
    if (origin is list and isinstance(part, int)) or (origin is dict and isinstance(part, str)):
        return args[-1]
    return None


def options_of(target: Any) -> list[Any]:
    """What a value of annotation `target` may be: Annotated stripped, unions (of models, e.g. an
    指标值 mapping of 符号/值/单位 or 变动率/小数位, and of containers) flattened."""
    origin = typing.get_origin(target)
    if origin is Annotated:
        return options_of(typing.get_args(target)[0])
    if origin in (Union, types.UnionType):
        return [option for arg in typing.get_args(target) for option in options_of(arg)]
    return [] if target is None or target is type(None) else [target]


def is_model(target: Any) -> bool:
    return isinstance(target, type) and issubclass(target, BaseModel)


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
    schema = Spec.model_json_schema(by_alias=True)
    definitions = schema["$defs"]
    for definition in definitions.values():
        definition.pop("description", None)  # the models' docstrings are for developers, in English
    # An indicator is usually written short: 「名称: 指标值」 as its first key, options below it.
    long_form = definitions["Indicator"]
    value = {k: v for k, v in long_form["properties"]["指标值"].items() if k not in ("default", "title")}
    options = {k: v for k, v in long_form["properties"].items() if k not in ("名称", "指标值")}
    short_form = {"type": "object", "minProperties": 1, "properties": options, "additionalProperties": value}
    definitions["Indicator"] = {"title": "三级指标", "anyOf": [long_form, short_form]}
    for model in Model.__subclasses__():  # every alias of a field with several (财政拨款 / 财政资金)
        properties = definitions.get(model.__name__, {}).get("properties", {})
        for field in model.model_fields.values():
            first, *others = field_names(field)
            properties.update({other: properties[first] for other in others if first in properties})
    for owner in (schema, definitions["Project"]):  # 一级 → 二级 names offered by editors
        owner["properties"]["绩效指标"] = {**owner["properties"]["绩效指标"], **_framework_levels(owner["properties"]["绩效指标"])}
    return {
        **schema,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "perfgen 规格文件",
        "description": "部门预算绩效文本的规格：perfgen check 检查，perfgen build 生成 Word 文档。",
    }
