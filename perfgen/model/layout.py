"""Layouts: a directory holding a form's docxtpl templates and `layout.yaml`, the form described as data.

`layout.yaml` declares everything form-specific: the form's fields at every level (the spec, each kind
of item, each indicator) with their types, money formulas, numbering, how an 指标值 is split into
the form's columns, rows generated from lists, the 附表 as named columns, and rule levels. Loading
it checks every declaration — types, formulas, templates, table columns — and reports each mistake
in Chinese at its line in layout.yaml (L002). The core holds no branch on a layout's name. Built-in
layouts live in `perfgen/layouts/`; a spec may also name a layout directory of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from . import numbering
from ..errors import Finding, FormulaError, LayoutError, Position, ProfileError
from .fieldtypes import (
    ROUNDING,
    BlockType,
    CheckpointsType,
    ChoiceType,
    CountType,
    DateRangeType,
    DateType,
    Field,
    FieldType,
    FlagType,
    IndicatorsType,
    ListType,
    MappingType,
    MoneyType,
    NumberType,
    OutlineType,
    ParagraphsType,
    PercentType,
    SectionsType,
    TextType,
    TitledType,
    YearType,
    inner_blocks,
)
from ..load.text import closest
from .formula import Reference, Template, parse_formula, parse_template
from .frameworks import frameworks
from ..load.load import Layered, Number, Source, load_source
from .messages import finding
from .records import After, Before, Invalid, Record, key, validate
from .scoring import ITEM_SCORES, ROW_SCORES, Profile, make_profile
from ..load.text import as_text

DESCRIPTION_FILE = "layout.yaml"
NAME_LINE = re.compile(r"^name:[ \t]*([^#\n]+)", re.MULTILINE)
LEVELS = ("错误", "警告", "关闭")

# The fields every spec has, whatever its form.
CORE = (
    Field("版式", TextType(), required=True, core=True, description="用哪个版式生成文档，例如 河北-2020；也可写版式目录的相对路径"),
    Field("年度", YearType(), required=True, core=True, description="预算年度，例如 2020"),
    Field("上年规格", TextType(), core=True, description="上一年度的规格文件（相对本文件的路径，例如 ../2019/部门.yaml），变动率据此计算"),
    Field("财务数据", MappingType(MoneyType()), core=True, description="本年度的财务数据（例如 在职人员经费: 1234.5），供本年和下一年度计算变动率"),
    Field("部门", TextType(), required=True, core=True, description="部门（单位）名称"),
    Field("指标体系", TextType(), core=True, description="一级/二级指标的体系，默认由版式决定，例如 2015、2021、河南部门整体"),
    Field("规则级别", MappingType(TextType()), core=True, description="调整检查规则的级别，例如 C103: 关闭（错误 / 警告 / 关闭，见 docs/rules.md）"),
)
CORE_LABELS = {f.label for f in CORE}
# What a template or a table can name besides the declared fields.
ITEM_NAMES = ("序号",)  # an item's number in its list's numbering
ROW_NAMES = ("一级", "二级", "名称", "指标值")  # an indicator row (with the layout's value parts)
TABLE_NAMES = ("行号",)  # a table row's number, 1, 2, 3 …
VALUE_FIELDS = ("text", "comparator", "number", "unit")
ROLES = ("code", "kind", "weight", "direction")
ROLE_TYPES = {"code": TextType, "kind": ChoiceType, "weight": NumberType, "direction": ChoiceType}
ROLE_WORDS = {"code": "text", "kind": "choice（如 定量/定性）", "weight": "number", "direction": "choice（如 正向/反向）"}

SCALARS = {
    "text": TextType, "paragraphs": ParagraphsType, "titled": TitledType, "money": MoneyType, "percent": PercentType,
    "number": NumberType, "count": CountType, "date": DateType, "daterange": DateRangeType, "choice": ChoiceType,
    "flag": FlagType, "outline": OutlineType,
}  # fmt: skip
COMPOSITES = ("list", "block", "sections", "checkpoints", "indicators")
TYPE_NAMES = (*SCALARS, *COMPOSITES)
NUMERIC_NAMES = ("money", "number", "count", "percent", "year")
SINGLE_REFERENCE = re.compile(r"^\{[^{}\[\]]+\}$")  # a number's default: another field's value
FIELD_KEYS = {
    "*": ("type", "aliases", "required", "default", "formula", "description", "role", "merge", "per_year", "total", "score"),
    "text": ("pattern", "max_length"), "paragraphs": ("max_length",), "money": ("places", "shown_in"), "percent": ("places",),
    "number": ("places", "min", "max", "suffix"), "count": ("suffix", "min", "max"), "date": ("format", "month_format"), "titled": (),
    "daterange": ("format", "date_format", "month_format"), "choice": ("values", "synonyms"), "flag": ("shown",),
    "outline": ("numbering",), "list": ("of", "item", "numbering"), "block": ("fields", "name", "scalar"),
    "sections": ("of", "item", "numbering"), "checkpoints": ("points", "of", "cumulative", "final"), "indicators": (),
}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# What a layout is, once loaded


@dataclass(frozen=True)
class ValuePart:
    """One column an 指标值 is shown in: `show` for a quantitative value ({comparator} {number}
    {unit} {text}), then `map`, `missing` when that gives nothing, `qualitative` for a text value."""

    name: str
    show: Template
    map: dict[str, str]
    missing: str
    qualitative: Template
    neutral: str  # comparator / number / unit when `show` is just that one field, else ""


@dataclass(frozen=True)
class Generated:
    """One indicator row per element of a list, e.g. 「<任务简称>计划完成率 | 100%」 under 重点工作履行."""

    level1: str
    level2: str
    source: str  # the spec's list field
    name: Template
    value: str
    into: str  # the spec's indicators field the rows go into


@dataclass(frozen=True)
class IndicatorSpec:
    block: BlockType  # the fields declared beside 名称 and 指标值
    parts: tuple[ValuePart, ...]
    all_level2: bool  # show every 二级 of the framework, with an empty row where none is written
    generated: tuple[Generated, ...]

    def part(self, name: str) -> ValuePart | None:
        return next((p for p in self.parts if p.name == name), None)

    @property
    def neutral(self) -> dict[str, str]:
        """comparator / number / unit → the value part that shows just that (to read a long form)."""
        return {p.neutral: p.name for p in self.parts if p.neutral}


@dataclass(frozen=True)
class Column:
    name: str
    title: Template
    value: Reference | Template | None  # a reference (its field's type decides the cell), or text
    each: str = ""  # "一级": one column per 一级 of the framework (counts); or a checkpoints field
    width: int = 10
    merge: str = ""  # "" | "scope" (down the rows of the value's item / 一级 / 二级) | "blank"
    kind: str = "text"  # text | money | percent | number | count | value (an 指标值's number)
    field: Field | None = None  # the referenced field, if any
    scope: str = "row"  # where the value comes from: spec | item | level1 | level2 | row
    summed: bool = True  # amounts and counts are added up in the 合计 row (`total: false`: not, e.g. 项目期)


@dataclass(frozen=True)
class Total:
    label: Template
    top: bool  # above the rows instead of below


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    unit: str
    rows: tuple[str, ...]  # the list (or list.indicators, or an indicators field) giving one row each
    columns: tuple[Column, ...]
    total: Total | None


@dataclass(frozen=True)
class Appendix:
    table: str
    template: str


@dataclass(frozen=True)
class Split:
    list: str
    template: str


# What `evaluation:` names: the fields the scoring and the checks before submission read. Item
# inputs are paths in an item of `items`, row inputs fields of an indicator (row inputs may also
# name an item field, for a form that has one reason per project).
ITEM_INPUTS = ("initial", "budget", "executed", "rate", "adjustment", "execution_reason", "goal", "achieved")
ROW_INPUTS = ("actual", "weight", "given", "reason", "measures", "likelihood")
INPUT_TYPES = {
    "initial": NUMERIC_NAMES, "budget": NUMERIC_NAMES, "executed": NUMERIC_NAMES, "rate": ("percent",), "weight": ("number",), "given": ("number",),
    "actual": ("text", "number", "percent"), "likelihood": ("choice", "text"),
}  # fmt: skip
TEXTS = ("text", "paragraphs")


@dataclass(frozen=True)
class Evaluation:
    """A monitoring or self-evaluation form's reading of the actuals: which list is evaluated (one
    form per item), its indicators, where each input is, and the scoring profile (none for a
    monitoring form, which scores nothing)."""

    items: str
    indicators: str
    inputs: dict[str, tuple[str, ...]]
    profile: Profile | None
    explain_below: Decimal  # 执行率 below this % needs `execution_reason`
    unlikely: tuple[str, ...]  # `likelihood` values that need `reason` and `measures`

    def input(self, name: str) -> tuple[str, ...] | None:
        return self.inputs.get(name)


@dataclass(frozen=True)
class Layout:
    directory: Path
    name: str
    description: str
    template: str
    framework: str
    money: MoneyType
    rules: dict[str, str]
    root: BlockType  # the spec: core fields, then the declared ones
    indicators: IndicatorSpec
    tables: dict[str, TableSpec]
    appendices: tuple[Appendix, ...]
    workbook: tuple[str, ...]
    split: Split | None
    path: Path = field(compare=False)
    base: Layout | None = field(default=None, compare=False)  # the layout this one extends
    output: str = ""  # what its documents' names add to the spec's (…-自评.docx); "" for the first
    evaluation: Evaluation | None = None
    labels_on_every_page: bool = True  # merged label cells restart on each page they reach (LibreOffice layout)
    keep_page_breaks: bool = False  # a heading's page break stands even after a page holding a few lines
    raw: Any = field(default=None, compare=False, repr=False)  # layout.yaml's data, the base's merged in
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def chain(self) -> tuple[Layout, ...]:
        """The layouts whose documents a spec of this one builds: the base's first (the targets),
        then monitoring, then self-evaluation."""
        return (*self.base.chain, self) if self.base else (self,)

    @property
    def first(self) -> Layout:
        return self.chain[0]

    def own_fields(self) -> set[tuple[str, ...]]:
        """Where this layout adds fields to its base: (block kind or "spec" or "indicators", label)."""
        if self.base is None:
            return set()
        return _declared_keys(self.raw) - _declared_keys(self.base.raw)

    @property
    def template_path(self) -> Path:
        return self.directory / self.template

    def declared(self) -> tuple[Field, ...]:
        """The spec-level fields this layout declares (the core ones left out)."""
        return tuple(f for f in self.root.fields if not f.core)


# ---------------------------------------------------------------------------------------------
# layout.yaml's fixed keys (validated by `records`); its declarations are read below


def _rules(value: dict) -> dict:
    for code, level in value.items():
        if str(level) not in LEVELS:
            raise ValueError(f"「{code}: {level}」的级别应是 错误、警告 或 关闭")
    return {str(k): str(v) for k, v in value.items()}


class Description(Record):
    name: str = key("name", description="specs write it after 版式:")
    description: str = key("description", description="one line, shown by `perfgen layouts`")
    template: str = key("template", default="template.docx")
    framework: Annotated[str, Before(as_text)] = key("framework", default="2015")
    money: dict[str, Any] = key("money", factory=dict)
    rules: Annotated[dict[str, Any], After(_rules)] = key("rules", factory=dict)
    spec: dict[str, Any] = key("spec", factory=dict)
    blocks: dict[str, Any] = key("blocks", factory=dict)
    indicators: dict[str, Any] = key("indicators", factory=dict)
    tables: dict[str, Any] = key("tables", factory=dict)
    appendices: list[Any] = key("appendices", factory=list)
    workbook: list[str] | None = key("workbook", default=None)
    split: dict[str, Any] | None = key("split", default=None)
    extends: str | None = key("extends", default=None, description="the layout this form adds to (its targets)")
    output: str = key("output", default="", description="added to the document's name, e.g. 自评")
    evaluation: dict[str, Any] | None = key("evaluation", default=None)
    labels_on_every_page: bool = key("labels_on_every_page", default=True, description="repeat merged labels (一级, 二级 …) on each page a table reaches; false: only where the merge starts")
    keep_page_breaks: bool = key("keep_page_breaks", default=False, description="a heading that starts a new page (each 项目) always does; false: it follows on a page that holds less than a quarter page")


# What a layout that extends another inherits (merged key by key) — the rest is its own.
INHERITED = ("framework", "money", "rules", "spec", "blocks", "indicators", "tables")


def _merged(base: dict, top: dict) -> dict:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _nested_repeat(pattern: str) -> bool:
    """Whether a regular expression repeats, without anything fixed in front, something that
    itself repeats ((a+)+, (a*)*, (x+x+)+): the shape that makes Python's backtracking engine take
    exponential time. ([0-9]+(-[0-9]+)* is fine: each repetition starts with its「-」.)"""
    import re._parser as sre  # the parser `re` itself uses

    repeats = tuple(getattr(sre, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(sre, name))

    def unbounded(op, arg) -> bool:
        return op in repeats and (arg[1] == sre.MAXREPEAT or arg[1] > 100)

    def starts_repeating(items) -> bool:
        for op, arg in items:
            if unbounded(op, arg):
                return True
            if op is sre.SUBPATTERN:
                return starts_repeating(arg[-1])
            if op is sre.BRANCH:
                return any(starts_repeating(branch) for branch in arg[1])
            return False
        return False

    def walk(items) -> bool:
        for op, arg in items:
            if unbounded(op, arg) and starts_repeating(arg[2]):
                return True
            inner = arg[2] if op in repeats else arg[-1] if op is sre.SUBPATTERN else None
            if inner is not None and walk(inner):
                return True
            if op is sre.BRANCH and any(walk(branch) for branch in arg[1]):
                return True
        return False

    try:
        return walk(sre.parse(pattern))
    except Exception:  # noqa: BLE001 - compiled above: a parser change of a later Python only loses the check
        return False


def _declared_keys(raw: dict) -> set[tuple[str, ...]]:
    keys = {("spec", str(k)) for k in (raw.get("spec") or {})}
    keys |= {("indicators", str(k)) for k in ((raw.get("indicators") or {}).get("fields") or {})}
    for name, body in (raw.get("blocks") or {}).items():
        keys |= {(str(name), str(k)) for k in ((body or {}).get("fields") or {} if isinstance(body, dict) else {})}
    return keys


LAYOUT_CODES = {"other": "L002"}


# ---------------------------------------------------------------------------------------------
# Finding layouts


def templates_root() -> Path:
    """The built-in layouts: `perfgen/layouts/`, one directory each."""
    return Path(__file__).resolve().parent.parent / "layouts"


def builtin_layouts() -> list[Layout]:
    return [load_layout(d) for d in _builtin_directories()]


SKIPPED_DIRECTORIES = frozenset({"node_modules", "build", "site-packages", "__pycache__"})  # besides hidden ones


def repository_layouts(root: Path, depth: int = 3) -> list[Path]:
    """The layout directories (with a layout.yaml) under `root`, down to `depth` levels, sorted;
    not the built-in ones, hidden directories, outputs or installed packages."""
    builtin = {d.resolve() for d in _builtin_directories()}
    found, level = [], [root]
    for _ in range(depth):
        below = []
        for directory in level:
            try:
                children = sorted(c for c in directory.iterdir() if c.is_dir() and not c.name.startswith(".") and c.name not in SKIPPED_DIRECTORIES)
            except OSError:
                continue
            found += [c for c in children if (c / DESCRIPTION_FILE).is_file() and c.resolve() not in builtin]
            below += children
        level = below
    return sorted(found)


def _builtin_directories() -> list[Path]:
    return [d for d in sorted(templates_root().iterdir()) if (d / DESCRIPTION_FILE).is_file()]


def _declared_name(directory: Path) -> str | None:
    """The `name:` line of a layout description, read without parsing the whole file."""
    match = NAME_LINE.search((directory / DESCRIPTION_FILE).read_text(encoding="utf-8"))
    return match.group(1).strip().strip("'\"") if match else None


def find_layout(reference: str, spec_dir: Path, where: Position) -> Layout:
    """The layout a spec names: a directory relative to the spec (`./my-form`, `forms/河北`, or
    `my-form` when the spec's directory has one of that name) or a built-in name (河北-2020)."""
    if "/" in reference or "\\" in reference or reference.startswith(".") or (spec_dir / reference / DESCRIPTION_FILE).is_file():
        directory = (spec_dir / reference).resolve()
        if not (directory / DESCRIPTION_FILE).is_file():
            raise LayoutError.single(
                where, "L001", f"版式目录「{reference}」不存在或缺少 {DESCRIPTION_FILE}：请检查路径（相对于规格文件所在目录）。"
            )
        return load_layout(directory)
    for directory in _builtin_directories():
        if reference in (directory.name, _declared_name(directory)):
            layout = load_layout(directory)
            if reference in (layout.name, directory.name):
                return layout
    names = "、".join(layout.name for layout in builtin_layouts())
    raise LayoutError.single(
        where, "L001", f"没有名为「{reference}」的版式，规格文件所在目录里也没有这个版式目录：可用的版式有 {names}（运行 perfgen layouts 查看说明）；自己的版式请写目录的路径，例如 ./{reference}。"
    )


def load_layout(directory: Path) -> Layout:
    """The layout in `directory`, its description checked and its template files present; read
    once per process while layout.yaml is unchanged (a batch builds many specs of one layout)."""
    try:
        stamp = (directory / DESCRIPTION_FILE).stat().st_mtime_ns
    except OSError:
        stamp = None
    return _load_layout(directory, stamp)


@cache
def _load_layout(directory: Path, stamp: int | None) -> Layout:
    layout = read_layout(directory)
    templates = [layout.template, *(a.template for a in layout.appendices), *([layout.split.template] if layout.split else [])]
    for template in templates:
        if not (directory / template).is_file():
            raise LayoutError.single(Position(str(layout.path)), "L003", f"版式缺少模板文件「{template}」：请把它放在 {directory} 里。")
    return layout


_extending: set[Path] = set()


def read_layout(directory: Path) -> Layout:
    """The layout described by `directory`/layout.yaml (its templates not looked at); one that
    `extends:` another is read over the other's declarations."""
    path = directory / DESCRIPTION_FILE
    source: Source | Layered = load_source(path)
    base = None
    reference = source.data.get("extends") if isinstance(source.data, dict) else None
    if reference is not None:
        where = source.position(("extends",))
        if not isinstance(reference, str) or not reference.strip():
            raise LayoutError.single(where, "L002", "版式说明有误：extends 应写所扩展的版式名称或目录。")
        if directory.resolve() in _extending:
            raise LayoutError.single(where, "L002", f"版式说明有误：extends「{reference}」又扩展回了这个版式：请去掉循环。")
        _extending.add(directory.resolve())
        try:
            base = find_layout(reference.strip(), directory, where)
        finally:
            _extending.discard(directory.resolve())
        own = source.data
        data = {**{k: base.raw[k] for k in INHERITED if k in base.raw}, **{k: v for k, v in own.items()}}
        for k in INHERITED:
            if isinstance(base.raw.get(k), dict) and isinstance(own.get(k), dict):
                data[k] = _merged(base.raw[k], own[k])
        source = Layered(source, base.source, data)
        if not str(own.get("output") or "").strip():
            raise LayoutError.single(where, "L002", "版式说明有误：扩展别的版式时要写 output（加在文档名后的词，例如 output: 自评，生成「规格名-自评.docx」）。")
    try:
        description = validate(Description, source.data)
    except Invalid as exc:
        raise LayoutError([finding(source, p, LAYOUT_CODES) for p in exc.problems]) from None
    reader = _Reader(source, description)
    layout = reader.layout(directory)
    if reader.findings:
        raise LayoutError(reader.findings)
    if base is not None and layout.output in (one.output for one in base.chain):
        raise LayoutError.single(source.position(("output",)), "L002", f"版式说明有误：output「{layout.output}」与所扩展的版式重复：请换一个词。")
    return replace(layout, base=base, raw=source.data, source=source)


# ---------------------------------------------------------------------------------------------
# Reading the declarations


class _Reader:
    """Reads the declaration sections of one layout.yaml, collecting every mistake with its place."""

    def __init__(self, source: Source, description: Description):
        self.source, self.d = source, description
        self.findings: list[Finding] = []
        self.blocks: dict[str, BlockType] = {}
        self.reading: set[str] = set()
        money = description.money
        self._check_keys(money, ("money",), ("unit", "places", "grouping", "rounding"))
        unit = str(money.get("unit", "万元"))
        if unit not in ("万元", "元"):
            self.error(("money", "unit"), f"金额单位「{unit}」只能是 万元 或 元")
        places = self.integer(money.get("places"), ("money", "places"), 0, 6)
        rounding = str(money.get("rounding", "四舍五入"))
        if rounding not in ROUNDING:
            self.error(("money", "rounding"), f"舍入方式「{rounding}」应是 {'、'.join(ROUNDING)} 之一")
            rounding = "四舍五入"
        self.money = MoneyType(unit, places, self.flag(money, "grouping", False, ("money",)), ROUNDING[rounding])

    # -- reporting

    def error(self, loc: tuple, message: str, *, key: bool = False) -> None:
        self.findings.append(Finding(self.source.position(loc, key=key), "L002", f"版式说明有误：{message}。"))

    def _check_keys(self, data: Any, loc: tuple, allowed: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            return
        for k in data:
            if k not in allowed:
                self.error((*loc, k), f"不认识的键「{k}」{closest(str(k), list(allowed), 0.3)}可以用的键有：{'、'.join(allowed)}", key=True)

    def integer(self, value: Any, loc: tuple, low: int, high: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value != int(value) or not low <= value <= high:
            self.error(loc, f"「{loc[-1]}: {value}」应是 {low} 到 {high} 之间的整数")
            return None
        return int(value)

    def flag(self, data: Any, key: str, default: bool, loc: tuple) -> bool:
        """A yes/no key: true or false (YAML 1.2 reads `no` and `否` as text, so they are refused
        rather than taken as yes)."""
        value = data.get(key, default) if isinstance(data, dict) else default
        if not isinstance(value, bool):
            self.error((*loc, key), f"「{key}」应是 true 或 false，而不是「{value}」")
            return default
        return value

    def text(self, value: Any, loc: tuple, what: str = "文字") -> str:
        if isinstance(value, Number):
            return value.source_text
        if not isinstance(value, str):
            self.error(loc, f"这里应该是{what}")
            return ""
        return value

    def template(self, value: Any, loc: tuple) -> Template | None:
        try:
            return parse_template(self.text(value, loc))
        except FormulaError as exc:
            self.error(loc, str(exc))
            return None

    def numbering(self, value: Any, loc: tuple) -> str:
        if value is None:
            return ""
        fmt = self.text(value, loc)
        try:
            numbering.check_format(fmt)
        except ValueError as exc:
            self.error(loc, f"编号格式「{fmt}」不对（{exc}）：用 {{n}}（1 2 3）或 {{cn}}（一 二 三），例如 \"（{{cn}}）\"、\"{{n}}.\"")
            return ""
        return fmt

    # -- the layout

    def layout(self, directory: Path) -> Layout:
        d = self.d
        if d.framework not in frameworks():
            self.error(("framework",), f"没有名为「{d.framework}」的指标体系：可用的有 {'、'.join(frameworks())}")
        self.raw_blocks = d.blocks
        for name in d.blocks:
            if name in TYPE_NAMES:
                self.error(("blocks", name), f"块的名称「{name}」与类型名重复：请换一个名称", key=True)
        indicators = self.indicator_spec(d.indicators, ("indicators",))
        self.indicator_type = IndicatorsType(indicators.block, tuple(p.name for p in indicators.parts))
        for name in d.blocks:
            self.block(name)
        declared = self.fields(d.spec, ("spec",))
        for f in declared:
            if f.label in CORE_LABELS:
                self.error(("spec", f.label), f"「{f.label}」是每个规格都有的键，不能在版式里再声明", key=True)
        root = BlockType((*CORE, *(f for f in declared if f.label not in CORE_LABELS)), kind="规格")
        self.root = root
        self.check_scopes(root, [root], ("spec",))
        for name, block in self.blocks.items():
            self.check_scopes(block, [block, root], ("blocks", name, "fields"), item=True)
        self.check_scopes(indicators.block, [indicators.block, root], ("indicators", "fields"), extra=ROW_NAMES)
        generated = tuple(self.generated(g, ("indicators", "generated", i), root) for i, g in enumerate(d.indicators.get("generated") or []))
        indicators = IndicatorSpec(indicators.block, indicators.parts, indicators.all_level2, tuple(g for g in generated if g))
        self.indicator_spec_done = indicators
        read_tables = {str(name): self.table(str(name), body, ("tables", name)) for name, body in d.tables.items()}
        tables = {name: table for name, table in read_tables.items() if table is not None}
        read = [self.appendix(a, ("appendices", i), tables) for i, a in enumerate(d.appendices)]
        appendices = tuple(a for a in read if a is not None)
        workbook = tuple(d.workbook) if d.workbook is not None else tuple(dict.fromkeys(a.table for a in appendices))
        for i, name in enumerate(workbook):
            if name not in tables:
                self.error(("workbook", i), f"没有名为「{name}」的表（tables 里有：{'、'.join(tables) or '无'}）")
            elif name in workbook[:i]:
                self.error(("workbook", i), f"「{name}」已列过一次：工作簿里每张表一页")
        split = self.split(d.split, root)
        evaluation = self.evaluation(d.evaluation, root, indicators) if d.evaluation is not None else None
        self.check_scores(root, indicators, evaluation)
        return Layout(
            directory, d.name, d.description, d.template, d.framework, self.money, d.rules, root, indicators,
            tables, appendices, workbook, split, Path(self.source.path), output=d.output.strip(), evaluation=evaluation,
            labels_on_every_page=d.labels_on_every_page, keep_page_breaks=d.keep_page_breaks,
        )  # fmt: skip

    # -- fields

    def fields(self, data: Any, loc: tuple) -> tuple[Field, ...]:
        if not isinstance(data, dict):
            self.error(loc, "这里应该是「标签: 类型或说明」的映射")
            return ()
        out = []
        labels: dict[str, tuple] = {}
        for label, body in data.items():
            label = str(label)
            if not label.strip() or any(ch in label for ch in ".{}[]「」"):
                self.error((*loc, label), f"标签「{label}」不能为空，也不能含 . {{ }} [ ] 「 」（公式和模板里用这些符号引用字段）", key=True)
                continue
            parsed = self.field(label, body, (*loc, label))
            if parsed is None:
                continue
            for k in parsed.keys:
                if k in labels:
                    self.error((*loc, label), f"「{k}」已是「{labels[k][-1]}」的名称或别名", key=True)
                labels[k] = (*loc, label)
            out.append(parsed)
        return tuple(out)

    def field(self, label: str, body: Any, loc: tuple) -> Field | None:
        if isinstance(body, str):
            body = {"type": body}
        if not isinstance(body, dict):
            self.error(loc, f"「{label}」应写成类型名（例如 text），或「{{type: …, description: …}}」")
            return None
        kind = body.get("type")
        if kind is None:
            self.error(loc, f"「{label}」没有写 type：请写出类型，例如 {{type: text}}（可用：{'、'.join(TYPE_NAMES)}）")
            return None
        if kind not in TYPE_NAMES:
            self.error((*loc, "type"), f"「{label}」的类型「{kind}」不存在{closest(str(kind), list(TYPE_NAMES), 0.3)}可用的类型有：{'、'.join(TYPE_NAMES)}")
            return None
        self._check_keys(body, loc, (*FIELD_KEYS["*"], *FIELD_KEYS[kind]))
        field_type = self.field_type(kind, body, loc, label)
        if field_type is None:
            return None
        aliases = body.get("aliases") or []
        if not isinstance(aliases, list):
            self.error((*loc, "aliases"), "aliases 应是列表，例如 [财政资金]")
            aliases = []
        role = str(body.get("role") or "")
        if role and role not in ROLES:
            self.error((*loc, "role"), f"role「{role}」不存在：可用的有 {'、'.join(ROLES)}")
        elif role and not isinstance(field_type, ROLE_TYPES[role]):
            self.error((*loc, "role"), f"role: {role} 的字段应是 {ROLE_WORDS[role]}（「{label}」是 {kind}）")
        merge = str(body.get("merge") or "")
        if merge and merge != "blank":
            self.error((*loc, "merge"), "merge 只能是 blank（不写时与上一行合并）")
        formula = None
        if body.get("formula") is not None:
            if field_type.kind not in ("money", "number", "percent", "count"):
                self.error((*loc, "formula"), f"只有金额、数字、百分数和整数才能有公式（「{label}」是 {kind}）")
            else:
                try:
                    formula = parse_formula(self.text(body["formula"], (*loc, "formula")))
                except FormulaError as exc:
                    self.error((*loc, "formula"), str(exc))
        default = body.get("default")
        numeric_default = kind in NUMERIC_NAMES and isinstance(default, str) and SINGLE_REFERENCE.match(default.strip())
        if default is not None and not isinstance(field_type, (TextType, ChoiceType)) and not numeric_default:
            self.error(
                (*loc, "default"),
                f"只有文字和选项字段才能有文字的 default（「{label}」是 {kind}：金额、数字的 default 只能是另一个字段，"
                f"例如 default: \"{{年度资金总额}}\"；要计算请用 formula）",
            )  # fmt: skip
            default = None
        score = str(body.get("score") or "")
        if score and (formula is not None or default is not None):
            self.error((*loc, "score"), f"「{label}」由评分算出（score: {score}），不能再写 formula 或 default")
            score = ""
        if default is not None:
            default = self.text(default, (*loc, "default"))
            try:
                parse_template(default)
            except FormulaError as exc:
                self.error((*loc, "default"), str(exc))
        options = {}
        if body.get("total") is not None:
            total = body["total"]
            if role != "weight" or isinstance(total, bool) or not isinstance(total, (int, Decimal)) or total <= 0:
                self.error((*loc, "total"), "total（权重合计）只用于 role: weight 的数字字段，是大于 0 的数，例如 total: 90")
            else:
                options["total"] = Decimal(total)
        return Field(
            label, field_type, tuple(str(a) for a in aliases), self.flag(body, "required", False, loc), default, formula,
            str(body.get("description") or ""), role, options, merge, self.flag(body, "per_year", False, loc), score,
        )  # fmt: skip

    def date_format(self, body: dict, key: str, default: str, loc: tuple) -> str:
        fmt = str(body.get(key, default))
        try:
            fmt.format(y=2024, m=1, mm="01", d=1, dd="01")
        except (KeyError, IndexError, ValueError, AttributeError):
            self.error((*loc, key), f"日期格式「{fmt}」不对：只能用 {{y}}（年）、{{m}} {{mm}}（月）、{{d}} {{dd}}（日）")
            return default
        return fmt

    def field_type(self, kind: str, body: dict, loc: tuple, label: str) -> FieldType | None:
        if kind == "money":
            places = self.integer(body.get("places"), (*loc, "places"), 0, 6) if "places" in body else self.money.places
            shown_in = str(body.get("shown_in") or "")
            if shown_in and shown_in not in ("万元", "元"):
                self.error((*loc, "shown_in"), f"shown_in「{shown_in}」只能是 万元 或 元（金额照版式的单位 {self.money.unit} 填写，按它显示）")
                shown_in = ""
            return MoneyType(self.money.unit, places, self.money.grouping, self.money.rounding, shown_in)
        if kind == "percent":
            return PercentType(self.integer(body.get("places"), (*loc, "places"), 0, 6), self.money.rounding)
        if kind == "number":
            bound = lambda k, d: Decimal(body[k]) if isinstance(body.get(k), (int, Decimal)) and not isinstance(body.get(k), bool) else d  # noqa: E731
            return NumberType(bound("min", Decimal(0)), bound("max", None), self.integer(body.get("places"), (*loc, "places"), 0, 6), str(body.get("suffix") or ""))
        if kind == "count":
            return CountType(str(body.get("suffix") or ""), self.integer(body.get("max"), (*loc, "max"), 0, 10**9), self.integer(body.get("min"), (*loc, "min"), 0, 10**9) or 0)
        if kind == "text" or kind == "paragraphs":
            pattern = body.get("pattern")
            if pattern is not None:
                try:
                    re.compile(str(pattern))
                    if _nested_repeat(str(pattern)):
                        self.error((*loc, "pattern"), f"pattern「{pattern}」里有嵌套的重复（如 (a+)+、(a*)*），遇到某些文字时会运行极慢：请改写为不嵌套的形式，例如 a+")
                        pattern = None
                except re.error as exc:
                    self.error((*loc, "pattern"), f"pattern「{pattern}」不是有效的正则表达式（第 {(exc.pos or 0) + 1} 个字符处有误）：请检查括号和转义")
                    pattern = None
            limit = self.integer(body.get("max_length"), (*loc, "max_length"), 1, 100000)
            return (TextType if kind == "text" else ParagraphsType)(pattern if kind == "text" else None, limit)
        if kind == "date":
            return DateType(self.date_format(body, "format", "{y}年{m}月{d}日", loc), self.date_format(body, "month_format", "{y}年{m}月", loc))
        if kind == "daterange":
            formats = (self.date_format(body, key, default, loc) for key, default in (("date_format", "{y}.{mm}.{dd}"), ("month_format", "{y}.{mm}")))
            shown = DateRangeType(str(body.get("format", "{start}-{end}")), *formats)
            try:
                shown.range_format.format(start="", end="")
            except (KeyError, IndexError, ValueError, AttributeError):
                self.error((*loc, "format"), f"起止日期格式「{shown.range_format}」不对：只能用 {{start}} 和 {{end}}，不加「:…」")
                shown.range_format = "{start}-{end}"
            return shown
        if kind == "choice":
            values = body.get("values")
            if not isinstance(values, list) or not values:
                self.error((*loc, "values") if "values" in body else loc, f"选项「{label}」需要 values: [可选值, …]")
                return None
            if len(set(map(str, values))) != len(values):
                self.error((*loc, "values"), f"选项「{label}」的 values 有重复的值")
            synonyms = body.get("synonyms") or {}
            if not isinstance(synonyms, dict) or any(str(v) not in map(str, values) for v in synonyms.values()):
                self.error((*loc, "synonyms"), "synonyms 应是「其他写法: 可选值」的映射，值必须在 values 里")
                synonyms = {}
            return ChoiceType(tuple(str(v) for v in values), {str(k): str(v) for k, v in synonyms.items()})
        if kind == "flag":
            shown = body.get("shown", ["是", "否"])
            if not isinstance(shown, list) or len(shown) != 2:
                self.error((*loc, "shown"), "shown 应是两个文字：是的时候显示的、否的时候显示的，例如 [是, 否]")
                shown = ["是", "否"]
            return FlagType(tuple(str(s) for s in shown))
        if kind == "outline":
            return OutlineType(self.numbering(body.get("numbering"), (*loc, "numbering")))
        if kind == "titled":
            return TitledType()
        if kind in ("list", "sections"):
            item = self.element(body, loc, label)
            if item is None:
                return None
            if kind == "sections" and isinstance(item, BlockType) and item.field("标题") is not None:
                self.error(loc, f"「{label}」的每一项以它的键为「标题」，块里不能再有「标题」字段")
            fmt = self.numbering(body.get("numbering"), (*loc, "numbering"))
            return ListType(item, fmt) if kind == "list" else SectionsType(item, fmt)
        if kind == "block":
            return self.block_body(body, loc, label, checked=True)
        if kind == "checkpoints":
            points = body.get("points")
            if not isinstance(points, list) or not points:
                self.error((*loc, "points") if "points" in body else loc, f"「{label}」需要 points: [3月底, 6月底, …]")
                return None
            of = body.get("of", "percent")
            if of not in ("percent", "money"):
                self.error((*loc, "of"), "checkpoints 的 of 只能是 percent 或 money")
                of = "percent"
            final = body.get("final", 100 if of == "percent" else None)
            return CheckpointsType(
                tuple(str(p) for p in points),
                PercentType(rounding=self.money.rounding) if of == "percent" else MoneyType(self.money.unit, self.money.places, self.money.grouping, self.money.rounding),
                self.flag(body, "cumulative", True, loc), Decimal(final) if isinstance(final, (int, Decimal)) and not isinstance(final, bool) else None,
            )  # fmt: skip
        if kind == "indicators":
            return self.indicator_type
        raise AssertionError(kind)

    def element(self, body: dict, loc: tuple, label: str) -> FieldType | None:
        """The element type of a list or sections: `of:` a type or a block name, or `item:` inline."""
        if "item" in body and "of" in body:
            self.error((*loc, "of"), f"「{label}」的 of 和 item 只能写一个：of 写类型或块名，item 直接写字段")
            return None
        if "of" not in body and "item" not in body:
            self.error(loc, f"「{label}」没有写每一项是什么：请写 of: text（或块名），或用 item: 写出字段")
            return None
        if "item" in body:
            item = body["item"]
            if isinstance(item, dict) and "fields" in item:
                return self.block_body(item, (*loc, "item"), label)
            return self.block_body({"fields": item}, (*loc, "item"), label)
        of = body.get("of")
        if of in SCALARS and of != "outline":
            return self.field_type(str(of), {}, loc, label)
        if isinstance(of, str) and of in self.raw_blocks:
            return self.block(of)
        known = [*(k for k in SCALARS if k != "outline"), *self.raw_blocks]
        self.error((*loc, "of") if "of" in body else loc, f"「{label}」的元素类型「{of}」不存在{closest(str(of), known, 0.3)}可用：{'、'.join(known)}（或用 item: 直接写出字段）")
        return None

    def block(self, name: str) -> BlockType | None:
        if name in self.blocks:
            return self.blocks[name]
        if name in self.reading:
            self.error(("blocks", name), f"块「{name}」包含了它自己")
            return None
        self.reading.add(name)
        body = self.raw_blocks[name]
        block = self.block_body(body if isinstance(body, dict) else {}, ("blocks", name), name, kind=name)
        self.reading.discard(name)
        if block is not None:
            self.blocks[name] = block
        return block

    def block_body(self, body: dict, loc: tuple, label: str, kind: str = "", *, checked: bool = False) -> BlockType | None:
        if not checked:  # a field's own keys were checked with the field
            self._check_keys(body, loc, ("fields", "name", "scalar"))
        fields = self.fields(body.get("fields") or {}, (*loc, "fields"))
        labels = {f.label for f in fields}
        if "序号" in labels:  # a template reads an item's number as 序号
            self.error((*loc, "fields", "序号"), "「序号」由 perfgen 按编号格式生成，不能声明为字段（模板里用 p.序号）", key=True)
        name_field = body.get("name", "名称" if "名称" in labels else None)
        if name_field is not None and (not isinstance(name_field, str) or name_field not in labels):
            self.error((*loc, "name"), f"name「{name_field}」不是这个块的字段（有：{'、'.join(labels)}）")
            name_field = None
        scalar = body.get("scalar")
        if scalar is not None and (not isinstance(scalar, str) or scalar not in labels):
            self.error((*loc, "scalar"), f"scalar「{scalar}」不是这个块的字段")
            scalar = None
        return BlockType(fields, kind or label, scalar, name_field)

    # -- indicators

    def indicator_spec(self, data: dict, loc: tuple) -> IndicatorSpec:
        self._check_keys(data, loc, ("fields", "value", "all_level2", "generated"))
        fields = self.fields(data.get("fields") or {}, (*loc, "fields"))
        for f in fields:
            if f.label in ROW_NAMES:
                self.error((*loc, "fields", f.label), f"「{f.label}」是每个指标都有的，不能再声明", key=True)
        parts = []
        value = data.get("value") or {}
        if not isinstance(value, dict):
            self.error((*loc, "value"), "value 应是「栏名: {show: …}」的映射")
            value = {}
        labels = {f.label for f in fields}
        for name, body in value.items():
            if str(name) in labels:
                self.error((*loc, "value", name), f"值的一栏「{name}」与指标字段「{name}」同名：请改一个名称", key=True)
                continue
            part = self.value_part(str(name), body, (*loc, "value", name))
            if part:
                parts.append(part)
        return IndicatorSpec(BlockType(fields, kind="指标"), tuple(parts), self.flag(data, "all_level2", False, loc), ())

    def value_part(self, name: str, body: Any, loc: tuple) -> ValuePart | None:
        if not isinstance(body, dict):
            self.error(loc, "值的每一栏应写成 {show: \"{comparator}\", map: {…}, qualitative: …}")
            return None
        self._check_keys(body, loc, ("show", "map", "missing", "qualitative"))
        show = self.template(body.get("show", "{text}"), (*loc, "show"))
        qualitative = self.template(body.get("qualitative", ""), (*loc, "qualitative"))
        if show is None or qualitative is None:
            return None
        for template, where in ((show, "show"), (qualitative, "qualitative")):
            for reference in template.references():
                if reference.path != (reference.text,) or reference.text not in VALUE_FIELDS:
                    self.error((*loc, where), f"「{{{reference.text}}}」不是指标值的部分：可用 {{text}}（原样）、{{comparator}}（符号）、{{number}}（数值）、{{unit}}（单位）")
        mapping = body.get("map") or {}
        if not isinstance(mapping, dict):
            self.error((*loc, "map"), "map 应是「原值: 显示为」的映射")
            mapping = {}
        refs = [r.text for r in show.references()]
        neutral = refs[0] if len(refs) == 1 and show.text == f"{{{refs[0]}}}" and refs[0] != "text" else ""
        return ValuePart(name, show, {str(k): str(v) for k, v in mapping.items()}, str(body.get("missing", "")), qualitative, neutral)

    def generated(self, data: Any, loc: tuple, root: BlockType) -> Generated | None:
        if not isinstance(data, dict):
            self.error(loc, "每条 generated 应写成 {level1: …, level2: …, from: 列表, name: \"{简称}…\", value: …}")
            return None
        self._check_keys(data, loc, ("level1", "level2", "from", "name", "value", "into"))
        source = str(data.get("from", ""))
        list_field = root.field(source)
        if list_field is None or not isinstance(list_field.type, ListType):
            lists = [f.label for f in root.fields if isinstance(f.type, ListType)]
            self.error((*loc, "from"), f"from「{source}」不是规格里的列表（有：{'、'.join(lists) or '无'}）")
            return None
        trees = [f.label for f in root.fields if isinstance(f.type, IndicatorsType)]
        into = str(data.get("into", trees[0] if trees else ""))
        if into not in trees:
            self.error((*loc, "into"), f"into「{into}」不是规格里的指标（有：{'、'.join(trees) or '无'}）")
            return None
        name = self.template(data.get("name", ""), (*loc, "name"))
        if name is None:
            return None
        framework = frameworks().get(self.d.framework)
        level1, level2 = str(data.get("level1", "")), str(data.get("level2", ""))
        if framework is not None and framework.canonical(level2) not in framework.level2_names(level1):
            self.error(loc, f"生成的指标行放在「{level1}/{level2}」，但它不是指标体系「{self.d.framework}」的二级指标")
        element = list_field.type.item
        if not isinstance(element, BlockType):
            self.error((*loc, "from"), f"from「{source}」的每一项应是有字段的块（例如 of: 任务），而不是{element.name}")
            return None
        self.check_template(name, [element, root], (*loc, "name"), item=True)
        return Generated(str(data.get("level1", "")), str(data.get("level2", "")), source, name, self.text(data.get("value", ""), (*loc, "value")), into)

    # -- references in formulas and templates

    def check_scopes(self, block: BlockType, chain: list[BlockType], loc: tuple, item: bool = False, extra: tuple[str, ...] = ()) -> None:
        """Every formula and default of `block` names fields that exist where it is computed."""
        for f in block.fields:
            here = (*loc, f.label)
            if f.formula is not None:
                self.check_formula(f, chain, here)
            if f.default is not None and f.type.kind != "text" and f.type.name != "choice":
                self.check_numeric_default(f, chain, (*here, "default"))
            elif f.default is not None:
                try:
                    template = parse_template(f.default)
                except FormulaError:
                    continue  # reported where the field was read
                self.check_template(template, chain, (*here, "default"), item=item, extra=extra)
            for inner in inner_blocks(f.type):
                if inner is not self.indicator_type.indicator and inner not in self.blocks.values():
                    self.check_scopes(inner, [inner, *chain], (*here, "item"), item=True)
        self.check_cycles(block, loc)

    def check_formula(self, f: Field, chain: list[BlockType], loc: tuple) -> None:
        shown = f"公式「{f.formula.text}」里的"
        for how, path in f.formula.references():
            found = self.resolve(path, chain)
            head = self.resolve(path[:1], chain)
            name = ".".join(path)
            if found is None:
                self.error((*loc, "formula"), f"{shown}「{name}」不是这里能用的字段")
            elif how == "count":
                if not isinstance(found.type, ListType) or len(path) != 1:
                    self.error((*loc, "formula"), f"count() 里的「{name}」应是一个列表，例如 count(项目)")
            elif not isinstance(found.type, NUMERIC):
                self.error((*loc, "formula"), f"{shown}「{name}」不是数字（它是 {found.type.name}）")
            elif how == "sum" and not (len(path) == 2 and head is not None and _items_of(head.type) is not None):
                self.error((*loc, "formula"), f"sum() 里应写「列表.字段」，例如 sum(项目.预算数)；「{name}」不是")
            elif how == "ref" and len(path) > 1 and _through_list(path, chain):
                self.error((*loc, "formula"), f"「{name}」是一个列表里的字段：请写 sum({name})")

    def check_numeric_default(self, f: Field, chain: list[BlockType], loc: tuple) -> None:
        """A number's default names another number (its own label: the enclosing block's field of
        that name, e.g. 全年预算数.财政拨款 defaulting to the project's 财政拨款)."""
        path = tuple(f.default.strip()[1:-1].split("."))
        inner = chain[1:] if path == (f.label,) else chain
        found = self.resolve(path, inner)
        if found is None or not isinstance(found.type, NUMERIC):
            self.error(loc, f"default「{f.default}」应是这里能用的一个数字或金额字段（要计算请用 formula）")

    def resolve(self, path: tuple, chain: list[BlockType]) -> Field | None:
        """The field `path` names, looked up from the innermost block of `chain` outwards."""
        for block in chain:
            found = follow(block, path)
            if found is not None:
                return found
        return None

    def check_template(self, template: Template, chain: list[BlockType], loc: tuple, *, item: bool = False, extra: tuple[str, ...] = (), indexed: bool = True) -> None:
        """Every `{…}` of `template` names one value that exists where it is filled in: a field
        of `chain` (innermost first) holding a single value, or a name of `extra`; [序号] only
        after a list of items (the element at this item's position)."""
        for reference in template.references():
            names = [p for p in reference.path if isinstance(p, str)]
            first = reference.path[0]
            shown = f"「{{{reference.text}}}」"
            if isinstance(first, str) and (first in extra or (item and first in ITEM_NAMES)) and len(reference.path) == 1:
                continue
            index = [i for i, p in enumerate(reference.path) if isinstance(p, tuple)]
            if index and (not indexed or index != [1] or reference.path[1] != ("序号",)):
                where = "这里不能用方括号" if not indexed else "方括号只能写在列表名后面：[序号]（同一位置的那一项）"
                self.error(loc, f"{shown}：{where}")
                continue
            if index and _items_of(getattr(self.resolve((first,), chain), "type", None)) is None:
                self.error(loc, f"{shown}：「{first}」不是项目之类的列表，不能用 [序号]")
                continue
            found = self.resolve(tuple(names), chain) if not index or len(names) > 1 else None
            if found is None:
                self.error(loc, f"{shown}不是这里能用的字段" if not index or len(names) > 1 else f"{shown}：[序号] 后面还要写字段，例如 {{{first}[序号].名称}}")
            elif not isinstance(found.type, SINGLE):
                self.error(loc, f"{shown}是{found.type.name}，不是一个值，不能写进文字里：请改用它的某个字段")

    def check_cycles(self, block: BlockType, loc: tuple) -> None:
        formulas = {f.label: f for f in block.fields if f.formula is not None}
        for label in formulas:
            seen, stack = set(), [label]
            while stack:
                current = stack.pop()
                for _, path in formulas[current].formula.references():
                    if path[0] == label and len(path) == 1:
                        self.error((*loc, label, "formula"), f"「{label}」的公式直接或间接用到了它自己")
                        stack = []
                        break
                    if path[0] in formulas and path[0] not in seen and len(path) == 1:
                        seen.add(path[0])
                        stack.append(path[0])

    # -- monitoring and self-evaluation

    def evaluation(self, data: Any, root: BlockType, indicators: IndicatorSpec) -> Evaluation | None:
        loc = ("evaluation",)
        if not isinstance(data, dict):
            self.error(loc, "evaluation 应写成 {items: 项目, actual: 实际完成值, …}")
            return None
        self._check_keys(data, loc, ("items", "indicators", "profile", "scoring", "explain_below", "unlikely", *ITEM_INPUTS, *ROW_INPUTS))
        items = str(data.get("items") or "")
        item = _items_of(getattr(root.field(items), "type", None))
        if item is None:
            self.error((*loc, "items"), f"items「{items}」应是规格里的一个项目列表（每一项一张表），例如 items: 项目")
            return None
        trees = [f.label for f in item.fields if isinstance(f.type, IndicatorsType)]
        tree = str(data.get("indicators") or (trees[0] if trees else ""))
        if tree not in trees:
            self.error((*loc, "indicators"), f"「{items}」里没有名为「{tree}」的绩效指标（有：{'、'.join(trees) or '无'}）")
            return None
        inputs: dict[str, tuple[str, ...]] = {}
        for name in (*ITEM_INPUTS, *ROW_INPUTS):
            if data.get(name) is None:
                continue
            path = tuple(self.text(data[name], (*loc, name)).split("."))
            found = follow(indicators.block, path) if name in ROW_INPUTS else None
            if found is None and name not in ("actual", "weight", "given"):
                found = follow(item, path)
            wanted = INPUT_TYPES.get(name, TEXTS)
            where = f"指标的字段（indicators.fields）{'或「' + items + '」的字段' if name in ('reason', 'measures', 'likelihood') else ''}" if name in ROW_INPUTS else f"「{items}」的字段"
            if found is None:
                self.error((*loc, name), f"「{'.'.join(path)}」不是{where}")
            elif found.type.name not in wanted:
                self.error((*loc, name), f"「{'.'.join(path)}」应是 {' 或 '.join(wanted)} 类型（它是 {found.type.name}）")
            else:
                inputs[name] = path
        profile = None
        named = self.text(data["profile"], (*loc, "profile"), "评分方案的名称") if data.get("profile") is not None else ""
        if named:
            try:
                profile = make_profile(named, data.get("scoring") or {})
            except ProfileError as exc:
                self.error((*loc, "scoring", *exc.loc) if exc.loc != ("profile",) else (*loc, "profile"), str(exc), key=exc.key)
            if profile is not None:
                for name in ("actual", "budget", "executed"):
                    if name not in inputs and data.get(name) is None:
                        self.error(loc, f"评分（profile: {profile.name}）需要 {name}：请写明它是哪个字段")
        elif data.get("scoring") is not None:
            self.error((*loc, "scoring"), "scoring 是对评分方案的修改：请先写 profile")
        below = data.get("explain_below", 90)
        if isinstance(below, bool) or not isinstance(below, (int, Decimal)) or not 0 <= below <= 100:
            self.error((*loc, "explain_below"), "explain_below（执行率低于多少 % 须说明原因）应是 0 到 100 的数")
            below = 90
        unlikely = data.get("unlikely", ["有可能", "完全不可能", "不可能"])
        if not isinstance(unlikely, list):
            self.error((*loc, "unlikely"), "unlikely 应是列表，例如 [有可能, 完全不可能]")
            unlikely = []
        return Evaluation(items, tree, inputs, profile, Decimal(below), tuple(str(u) for u in unlikely))

    def check_scores(self, root: BlockType, indicators: IndicatorSpec, evaluation: Evaluation | None) -> None:
        """A field marked `score:` shows a score the layout's profile computes: an evaluated item's
        (执行率, 总分 …) or an indicator row's (得分 …)."""
        scored = evaluation is not None and evaluation.profile is not None
        item = _items_of(root.field(evaluation.items).type) if evaluation is not None else None
        places = [(("spec",), root, ())]
        places += [(("blocks", name, "fields"), block, ITEM_SCORES if block is item else ()) for name, block in self.blocks.items()]
        places.append((("indicators", "fields"), indicators.block, ROW_SCORES))
        for loc, block, allowed in places:
            for f in block.fields:
                if not f.score:
                    continue
                if not scored:
                    self.error((*loc, f.label, "score"), "score 字段要由评分算出：请在 evaluation 里写明 profile（评分方案）")
                elif f.score not in allowed:
                    where = "只能用在被评价项目（evaluation.items）和指标的字段上" if not allowed else f"这里可用的有 {'、'.join(allowed)}"
                    self.error((*loc, f.label, "score"), f"score「{f.score}」{where}")

    # -- tables

    def table(self, name: str, body: Any, loc: tuple) -> TableSpec | None:
        if not isinstance(body, dict):
            self.error(loc, "表应写成 {title: …, rows: …, columns: {…}}")
            return None
        self._check_keys(body, loc, ("title", "unit", "rows", "total", "columns"))
        rows = tuple(self.text(body.get("rows", ""), (*loc, "rows")).split("."))
        chain, row_kind = self.row_scope(rows, (*loc, "rows"))
        columns = []
        declared = body.get("columns") or {}
        if not isinstance(declared, dict):
            self.error((*loc, "columns"), "columns 应写成「栏名: {value: 字段}」的映射（每栏一行），不是列表")
            declared = {}
        for column_name, column in declared.items():
            parsed = self.column(str(column_name), column, (*loc, "columns", column_name), chain, row_kind)
            if parsed:
                columns.append(parsed)
        if not columns:
            self.error((*loc, "columns") if "columns" in body else loc, "表至少要有一列：columns: {栏名: {value: 字段}}")
        total = None
        if body.get("total") is not None:
            raw = body["total"]
            label, top = raw, False
            if isinstance(raw, dict):
                self._check_keys(raw, (*loc, "total"), ("label", "position"))
                position = raw.get("position", "bottom")
                if position not in ("top", "bottom"):
                    self.error((*loc, "total", "position"), f"position 只能是 top（在各行之上）或 bottom（在下），而不是「{position}」")
                label, top = raw.get("label", "合计"), position == "top"
            template = self.template(label, (*loc, "total"))
            if template is not None:
                self.check_template(template, [self.root], (*loc, "total"))
                total = Total(template, top)
        return TableSpec(name, self.text(body.get("title", name), (*loc, "title")), self.text(body.get("unit", ""), (*loc, "unit")), rows, tuple(columns), total)

    def row_scope(self, rows: tuple[str, ...], loc: tuple) -> tuple[list[BlockType], str]:
        """The blocks a row's references are looked up in (innermost first), and the row kind:
        "item" (one row per element of a list) or "indicator" (one per 三级)."""
        field = self.root.field(rows[0]) if rows and rows[0] else None
        if field is None:
            self.error(loc, f"rows「{'.'.join(rows)}」应是规格里的列表或指标（例如 项目、项目.绩效指标、绩效指标）")
            return [self.root], "item"
        if isinstance(field.type, IndicatorsType) and len(rows) == 1:
            return [self.indicator_type.indicator, self.root], "indicator"
        if not isinstance(field.type, ListType) or not isinstance(field.type.item, BlockType):
            self.error(loc, f"rows「{rows[0]}」不是项目之类的列表")
            return [self.root], "item"
        block = field.type.item
        if len(rows) == 1:
            return [block, self.root], "item"
        inner = block.field(rows[1])
        if len(rows) != 2 or inner is None or not isinstance(inner.type, IndicatorsType):
            self.error(loc, f"rows「{'.'.join(rows)}」：「{rows[0]}」后面只能跟它的指标字段（例如 {rows[0]}.绩效指标）")
            return [block, self.root], "item"
        return [self.indicator_type.indicator, block, self.root], "indicator"

    def column(self, name: str, body: Any, loc: tuple, chain: list[BlockType], row_kind: str) -> Column | None:
        if isinstance(body, str):
            body = {"value": body}
        if not isinstance(body, dict):
            self.error(loc, "每一栏应写成 {value: 字段, width: 宽度}")
            return None
        self._check_keys(body, loc, ("title", "value", "each", "width", "merge", "total"))
        summed = body.get("total", True)
        if not isinstance(summed, bool):
            self.error((*loc, "total"), "total 只能是 true 或 false（false：合计行不加这一栏，例如 项目期）")
        column = self._column(name, body, loc, chain, row_kind)
        return replace(column, summed=False) if column is not None and summed is False else column

    def _column(self, name: str, body: dict, loc: tuple, chain: list[BlockType], row_kind: str) -> Column | None:
        width = self.integer(body.get("width", 10), (*loc, "width"), 1, 200) or 10
        title = self.template(body.get("title", name), (*loc, "title"))
        merge = body.get("merge", False)
        merge = "scope" if merge is True else "blank" if merge == "blank" else ""
        if body.get("merge") not in (None, True, False, "blank"):
            self.error((*loc, "merge"), "merge 只能是 true（按所属合并）或 blank（空格与上一行合并）")
        each = str(body.get("each") or "")
        if each:
            if "value" in body:
                self.error((*loc, "value"), "each 的栏由 perfgen 填写，不能再写 value")
            placeholder = "一级" if each == "一级" else "点"
            if title is not None and any(r.text != placeholder for r in title.references()):
                self.error((*loc, "title"), f"each: {each} 的栏名只能用 {{{placeholder}}}，例如 \"{{{placeholder}}}（个）\"")
            return self.each_column(name, body, loc, chain, row_kind, title, width, each)
        if title is not None and title.references():
            self.error((*loc, "title"), "栏名是固定的文字，不能用 {…}（只有 each 的栏名可以用 {一级} 或 {点}）")
        raw = body.get("value", name)
        text = self.text(raw, (*loc, "value"))
        parts = [p.name for p in self.indicator_spec_done.parts] if row_kind == "indicator" else []
        has_items = row_kind == "item" or len(chain) == 3  # (the spec's own tree has none)
        specials = (*TABLE_NAMES, *(ITEM_NAMES if has_items else ()), *((*ROW_NAMES, *parts) if row_kind == "indicator" else ()))
        if "{" in text:
            template = self.template(text, (*loc, "value"))
            scope = "spec"
            if template is not None:
                self.check_template(template, chain, (*loc, "value"), item=True, extra=specials, indexed=False)
                order = ("spec", "item", "level1", "level2", "row")  # a text merges over what all its parts share
                for reference in template.references():
                    names = tuple(p for p in reference.path if isinstance(p, str))
                    inner = self._special_scope(names[0]) if len(names) == 1 and names[0] in specials else self.column_field(names, chain, row_kind)[1] or "row"
                    scope = max(scope, inner, key=order.index)
            return Column(name, title or parse_template(name), template, width=width, merge=merge, scope=scope)
        path = tuple(text.split("."))
        if len(path) == 1 and path[0] in specials:
            part = self.indicator_spec_done.part(path[0]) if row_kind == "indicator" else None
            kind = "value" if part is not None and part.neutral == "number" else "text"  # a number, never summed
            scope = self._special_scope(path[0])
            return Column(name, title or parse_template(name), Reference(path, text), width=width, merge=merge, kind=kind, scope=scope)
        found, scope = self.column_field(path, chain, row_kind)
        if found is None:
            known = [f.label for block in chain for f in block.fields if not f.core] + list(specials)
            self.error((*loc, "value"), f"「{text}」不是这一行能用的字段{closest(text, known, 0.3)}可用：{'、'.join(dict.fromkeys(known))}")
            return None
        if found.type.kind == "text" and not isinstance(found.type, (TextType, ChoiceType, FlagType, DateType, TitledType, YearType)):
            self.error((*loc, "value"), f"「{text}」是 {found.type.name}，不能放进一格：请改用它的某个字段")
            return None
        return Column(name, title or parse_template(name), Reference(path, text), width=width, merge=merge, kind=found.type.kind, field=found, scope=scope)

    @staticmethod
    def _special_scope(name: str) -> str:
        return {"一级": "level1", "二级": "level2", "序号": "item"}.get(name, "row")

    def column_field(self, path: tuple, chain: list[BlockType], row_kind: str) -> tuple[Field | None, str]:
        """The field a column's value names, and its scope: looked up in the row's indicator,
        its item (also written 项目.名称, by the item's list), then the spec."""
        scopes = {3: ["row", "item", "spec"], 2: ["row" if row_kind == "indicator" else "item", "spec"], 1: ["spec"]}[len(chain)]
        if len(path) > 1:
            for block, scope in zip(chain, scopes, strict=True):
                if scope == "item" and any(isinstance(f.type, ListType) and f.type.item is block and f.label == path[0] for f in self.root.fields):
                    return follow(block, path[1:]), scope
        for block, scope in zip(chain, scopes, strict=True):
            found = follow(block, path)
            if found is not None:
                return (None, "") if _through_list(path, [block]) and len(path) > 1 else (found, scope)
        return None, ""

    def each_column(self, name, body, loc, chain, row_kind, title, width, each) -> Column | None:
        if each == "一级":
            if row_kind != "item" or not any(isinstance(f.type, IndicatorsType) for f in chain[0].fields):
                self.error((*loc, "each"), "each: 一级 只用于每行一个项目、项目带指标的表（每个一级指标一栏，数出指标个数）")
                return None
            return Column(name, title or parse_template("{一级}"), None, each="一级", width=width, kind="count")
        item_block = chain[0] if row_kind == "item" and len(chain) == 2 else chain[1] if len(chain) == 3 else None
        found = item_block.field(each) if item_block is not None else None
        if found is None or not isinstance(found.type, CheckpointsType):
            self.error((*loc, "each"), f"each「{each}」应是 一级，或这一行所属项目的一个 checkpoints 字段（例如 支出计划）")
            return None
        return Column(name, title or parse_template("{点}"), None, each=each, width=width, kind=found.type.of.kind, field=found, scope="item")

    def appendix(self, data: Any, loc: tuple, tables: dict[str, TableSpec]) -> Appendix | None:
        if not isinstance(data, dict):
            self.error(loc, "每个附表应写成 {table: 表名, template: appendix-1.docx}")
            return None
        self._check_keys(data, loc, ("table", "template"))
        table = str(data.get("table", ""))
        if table not in tables:
            self.error((*loc, "table"), f"没有名为「{table}」的表（tables 里有：{'、'.join(tables) or '无'}）")
            return None
        return Appendix(table, self.text(data.get("template", ""), (*loc, "template")))

    def split(self, data: dict | None, root: BlockType) -> Split | None:
        if data is None:
            return None
        self._check_keys(data, ("split",), ("list", "template"))
        name = str(data.get("list", ""))
        found = root.field(name)
        if found is None or not isinstance(found.type, ListType):
            self.error(("split", "list"), f"split 的 list「{name}」不是规格里的列表")
            return None
        return Split(name, self.text(data.get("template", ""), ("split", "template")))


NUMERIC = (MoneyType, NumberType, CountType, YearType)  # what a formula computes with
SINGLE = (TextType, ChoiceType, FlagType, DateType, TitledType, YearType, NumberType, CountType)  # one value a text can show


def _items_of(kind: FieldType | None) -> BlockType | None:
    """The block of a list of items, else None."""
    return kind.item if isinstance(kind, ListType) and isinstance(kind.item, BlockType) else None


def follow(block: BlockType, path: tuple) -> Field | None:
    """The field at `path` below `block` (through lists and blocks), or None."""
    found = block.field(path[0])
    for part in path[1:]:
        if found is None:
            return None
        inner = inner_blocks(found.type)
        found = inner[0].field(part) if inner else None
    return found


def _through_list(path: tuple, chain: list[BlockType]) -> bool:
    for block in chain:
        found = block.field(path[0])
        if found is not None:
            return isinstance(found.type, ListType)
    return False


def declared_elsewhere(kind: str, label: str) -> str | None:
    """For an unknown key: the built-in layouts that declare it in a block of the same kind."""
    names = []
    for directory in _builtin_directories():
        try:
            layout = load_layout(directory)
        except LayoutError:
            continue
        blocks = [layout.root, layout.indicators.block, *_all_blocks(layout.root)]
        if any(block.kind == kind and block.field(label) is not None for block in blocks):
            names.append(layout.name)
    return "、".join(names) or None


def _all_blocks(block: BlockType) -> Iterator[BlockType]:
    for f in block.fields:
        for inner in inner_blocks(f.type):
            yield inner
            yield from _all_blocks(inner)
