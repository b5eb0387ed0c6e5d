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
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from . import numbering
from .errors import Finding, LayoutError, Position
from .frameworks import frameworks
from .load import load_source
from .spec import Indicator, Project, Spec, model_keys

DESCRIPTION_FILE = "layout.yaml"
NAME_LINE = re.compile(r"^name:[ \t]*([^#\n]+)", re.MULTILINE)
MODELS = {"spec": Spec, "project": Project, "indicator": Indicator}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueStyle(_Model):
    """How an 指标值 is shown when a template splits it into 符号 | 值 | 单位 columns."""

    comparators: dict[str, str] = Field(default_factory=dict, description="normalised comparator → shown text")
    units: dict[str, str] = Field(default_factory=dict, description="normalised unit → shown text, e.g. % → 百分比")
    qualitative: str = Field("", description="shown in the 符号 column for a value that is text only")
    implicit: str = Field("", description="shown in the 符号 column for a number written without a comparator")


class Fields(_Model):
    """Spec keys, per level, that a layout's template shows (or requires)."""

    spec: list[str] = Field(default_factory=list)
    project: list[str] = Field(default_factory=list)
    indicator: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known(self) -> Fields:
        for level, keys in (("spec", self.spec), ("project", self.project), ("indicator", self.indicator)):
            unknown = set(keys) - set(model_keys(MODELS[level]))
            if unknown:
                raise ValueError(f"{level}: unknown spec keys {sorted(unknown)}")
        return self


def _format_using(fmt: str, field: str) -> str:
    """`fmt` unchanged if its only replacement field is {field}; else ValueError."""
    try:
        fmt.format(**{field: ""})
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{fmt!r} may only use {{{field}}} ({exc})") from None
    return fmt


class GeneratedRows(_Model):
    """One indicator row per task or goal, e.g. 「<任务简称>计划完成率 | 100%」 under 重点工作履行."""

    level1: str
    level2: str
    source: Literal["tasks", "goals"]
    name: str = Field(description="row name; {short} is the task's or goal's 简称")
    value: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _format_using(value, "short")


class Appendix(_Model):
    """One 附表: which table (perfgen.appendices.KINDS) and the template that formats it."""

    kind: Literal["project_summary", "indicator_detail", "task_budget", "department_indicators"]
    template: str


class Description(_Model):
    name: str
    description: str
    template: str = "template.docx"
    numbering: dict[str, str] = Field(default_factory=dict)
    project_title: str = Field("{name}项目", description="heading of a project; {name} is its 名称")
    project_code_pattern: str | None = Field(None, description="regular expression a 项目编码 should match (warning)")
    value_style: ValueStyle = Field(default_factory=ValueStyle)
    money_places: int | None = Field(None, ge=0, le=6, description="decimals shown for money; None: as written")
    framework: str = Field("2015", description="default 指标体系 of specs using this layout")
    generated_rows: list[GeneratedRows] = Field(default_factory=list)
    appendices: list[Appendix] = Field(default_factory=list, description="the 附表 built beside the main document")
    project_template: str | None = Field(None, description="one project's 绩效目标表, for `perfgen build --split`")
    fields: Fields = Field(description="the spec keys the template shows; any other key in a spec is an error")
    required: Fields = Field(default_factory=Fields, description="spec keys this layout cannot do without")

    @field_validator("numbering")
    @classmethod
    def _formats(cls, value: dict[str, str]) -> dict[str, str]:
        for fmt in value.values():
            numbering.check_format(fmt)
        return value

    @field_validator("framework")
    @classmethod
    def _framework(cls, value: str) -> str:
        if value not in frameworks():
            raise ValueError(f"unknown framework {value!r}; known: {sorted(frameworks())}")
        return value

    @field_validator("project_title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _format_using(value, "name")

    @field_validator("project_code_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


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
        description = Description.model_validate(source.data)
    except ValidationError as exc:
        raise LayoutError(
            [
                Finding(source.position(_loc(e["loc"])), "L002", f"版式说明有误：{'.'.join(map(str, e['loc']))}: {e['msg']}")
                for e in exc.errors()
            ]
        ) from None
    templates = [description.template, *(a.template for a in description.appendices)]
    for template in templates + ([description.project_template] if description.project_template else []):
        if not (directory / template).is_file():
            raise LayoutError.single(Position(str(path)), "L003", f"版式缺少模板文件「{template}」。")
    return Layout(directory, description)


def _loc(loc: tuple) -> tuple:
    return tuple(part for part in loc if isinstance(part, (str, int)))
