"""Layouts: a directory holding a docxtpl template and `layout.yaml`, the description of what it needs.

A layout carries everything form-specific (numbering formats, how an 指标值 is shown, money
precision); the core holds no branch on a layout's name. Built-in layouts live in `templates/`; a spec
may also name a layout directory of its own by a relative path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from . import numbering
from .errors import Finding, LayoutError, Position
from .frameworks import frameworks
from .load import load_source
from .records import After, Bounds, Invalid, Record, key, keys_of, validate
from .spec import Indicator, Project, Spec

DESCRIPTION_FILE = "layout.yaml"
NAME_LINE = re.compile(r"^name:[ \t]*([^#\n]+)", re.MULTILINE)
MODELS = {"spec": Spec, "project": Project, "indicator": Indicator}


class ValueStyle(Record):
    """How an 指标值 is shown when a template splits it into 符号 | 值 | 单位 columns."""

    comparators: dict[str, str] = key("comparators", factory=dict, description="normalised comparator → shown text")
    units: dict[str, str] = key("units", factory=dict, description="normalised unit → shown text, e.g. % → 百分比")
    qualitative: str = key("qualitative", default="", description="shown in the 符号 column for a value that is text only")
    implicit: str = key("implicit", default="", description="shown in the 符号 column for a number written without a comparator")


class Fields(Record):
    """Spec keys, per level, that a layout's template shows (or requires)."""

    spec: list[str] = key("spec", factory=list)
    project: list[str] = key("project", factory=list)
    indicator: list[str] = key("indicator", factory=list)

    def __post_init__(self) -> None:
        for level, keys in (("spec", self.spec), ("project", self.project), ("indicator", self.indicator)):
            unknown = set(keys) - set(keys_of(MODELS[level]))
            if unknown:
                raise ValueError(f"{level}: unknown spec keys {sorted(unknown)}")


def _format_using(fmt: str, field: str) -> str:
    """`fmt` unchanged if its only replacement field is {field}; else ValueError."""
    try:
        fmt.format(**{field: ""})
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        raise ValueError(f"{fmt!r} may only use {{{field}}} ({exc})") from None
    return fmt


def _row_name(fmt: str) -> str:
    return _format_using(fmt, "short")


def _project_title(fmt: str) -> str:
    return _format_using(fmt, "name")


class GeneratedRows(Record):
    """One indicator row per task or goal, e.g. 「<任务简称>计划完成率 | 100%」 under 重点工作履行."""

    level1: str = key("level1")
    level2: str = key("level2")
    source: Literal["tasks", "goals"] = key("source")
    name: Annotated[str, After(_row_name)] = key("name", description="row name; {short} is the task's or goal's 简称")
    value: str = key("value", default="")


class Appendix(Record):
    """One 附表: which table (perfgen.appendices.KINDS) and the template that formats it."""

    kind: Literal["project_summary", "indicator_detail", "task_budget", "department_indicators"] = key("kind")
    template: str = key("template")


def _formats(value: dict[str, str]) -> dict[str, str]:
    for fmt in value.values():
        numbering.check_format(fmt)
    return value


def _framework(value: str) -> str:
    if value not in frameworks():
        raise ValueError(f"unknown framework {value!r}; known: {sorted(frameworks())}")
    return value


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


class Description(Record):
    name: str = key("name")
    description: str = key("description")
    template: str = key("template", default="template.docx")
    numbering: Annotated[dict[str, str], After(_formats)] = key("numbering", factory=dict)
    project_title: Annotated[str, After(_project_title)] = key(
        "project_title", default="{name}项目", description="heading of a project; {name} is its 名称"
    )
    project_code_pattern: Annotated[str, After(_pattern)] | None = key(
        "project_code_pattern", default=None, description="regular expression a 项目编码 should match (warning)"
    )
    value_style: ValueStyle = key("value_style", factory=ValueStyle)
    money_places: Annotated[int, Bounds(ge=0, le=6)] | None = key("money_places", default=None, description="decimals shown for money; None: as written")
    framework: Annotated[str, After(_framework)] = key("framework", default="2015", description="default 指标体系 of specs using this layout")
    generated_rows: list[GeneratedRows] = key("generated_rows", factory=list)
    appendices: list[Appendix] = key("appendices", factory=list, description="the 附表 built beside the main document")
    project_template: str | None = key("project_template", default=None, description="one project's 绩效目标表, for `perfgen build --split`")
    fields: Fields = key("fields", description="the spec keys the template shows; any other key in a spec is an error")
    required: Fields = key("required", factory=Fields, description="spec keys this layout cannot do without")


@dataclass(frozen=True)
class Layout:
    directory: Path
    description: Description

    @property
    def name(self) -> str:
        return self.description.name

    @property
    def template_path(self) -> Path:
        return self.directory / self.description.template

    def number_format(self, kind: str) -> str:
        """The numbering format for a list kind; a layout that does not number it gets ""."""
        return self.description.numbering.get(kind, "")

    def project_title(self, name: str) -> str:
        return self.description.project_title.format(name=name)


def templates_root() -> Path:
    """Built-in layouts: shipped inside the wheel, or beside the package in a source checkout."""
    installed = Path(__file__).parent / "templates"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "templates"


def builtin_layouts() -> list[Layout]:
    return [_load_layout(d) for d in _builtin_directories()]


def _builtin_directories() -> list[Path]:
    return [d for d in sorted(templates_root().iterdir()) if (d / DESCRIPTION_FILE).is_file()]


def _declared_name(directory: Path) -> str | None:
    """The `name:` line of a layout description, read without parsing the whole file."""
    match = NAME_LINE.search((directory / DESCRIPTION_FILE).read_text(encoding="utf-8"))
    return match.group(1).strip().strip("'\"") if match else None


def find_layout(reference: str, spec_dir: Path, where: Position) -> Layout:
    """The layout a spec names: a built-in name (河北-2020) or a directory relative to the spec."""
    if "/" in reference or "\\" in reference or reference.startswith("."):
        directory = (spec_dir / reference).resolve()
        if not (directory / DESCRIPTION_FILE).is_file():
            raise LayoutError.single(
                where, "L001", f"版式目录「{reference}」不存在或缺少 {DESCRIPTION_FILE}：请检查路径（相对于规格文件所在目录）。"
            )
        return _load_layout(directory)
    directories = _builtin_directories()
    for directory in directories:
        if reference in (directory.name, _declared_name(directory)):
            layout = _load_layout(directory)
            if reference in (layout.name, directory.name):
                return layout
    names = "、".join(layout.name for layout in builtin_layouts())
    raise LayoutError.single(where, "L001", f"没有名为「{reference}」的版式：可用的版式有 {names}（运行 perfgen layouts 查看说明）。")


@cache
def _load_layout(directory: Path) -> Layout:
    path = directory / DESCRIPTION_FILE
    source = load_source(path)
    try:
        description = validate(Description, source.data)
    except Invalid as exc:
        raise LayoutError(
            [
                Finding(source.position(_loc(p.loc)), "L002", f"版式说明有误：{'.'.join(map(str, p.loc))}: {p.message}")
                for p in exc.problems
            ]
        ) from None
    templates = [description.template, *(a.template for a in description.appendices)]
    for template in templates + ([description.project_template] if description.project_template else []):
        if not (directory / template).is_file():
            raise LayoutError.single(Position(str(path)), "L003", f"版式缺少模板文件「{template}」。")
    return Layout(directory, description)


def _loc(loc: tuple) -> tuple:
    return tuple(part for part in loc if isinstance(part, (str, int)))
