"""Stage 2: a spec validated against its layout's declaration, every problem at its line and column.

`validate_spec` checks a `Source` against the layout's root block — the core fields every spec has
plus the fields the layout declares — and maps every problem back to the place it was written,
in Chinese, with the nearest valid key for a misspelt one (RenderCV's approach). Nothing here
computes: totals, numbering and parsed indicator values belong to `derive`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import Finding, PerfgenError, SpecError
from .fieldtypes import SOFT, BlockType, said
from .frameworks import frameworks
from .layout import CORE, Layout, builtin_layouts, declared_elsewhere, find_layout, templates_root
from .levels import WORDS as LEVEL_WORDS
from ..load.load import Number, Source, load_source
from .messages import finding
from .model import PreviousYear, Spec, Values
from .records import INVALID, Problem

CORE_ONLY = BlockType(CORE, kind="规格", open=True)


def layout_of(source: Source) -> Layout | None:
    """The layout the spec's 版式 names (None when 版式 is missing or not text: the spec's own
    validation reports that); raise `LayoutError` when it names none."""
    reference = source.data.get("版式") if isinstance(source.data, dict) else None
    if isinstance(reference, Number):
        reference = reference.source_text
    if not isinstance(reference, str) or not reference.strip():
        return None
    return find_layout(reference.strip(), Path(source.path).parent, source.position(("版式",)))


def validate_spec(source: Source, layout: Layout | None) -> tuple[Spec, list[Finding]]:
    """`source` as a `Spec` of `layout`, and the findings whose level is configurable (a key the
    layout does not show, one it requires); raise `SpecError` listing every problem when the spec
    cannot be read. Without a layout only the core fields are checked."""
    if not isinstance(source.data, dict):
        raise SpecError.single(
            source.position(()), "S001", "规格文件的最外层应该是「键: 值」的映射（例如「部门: …」），而不是列表或单个值。"
        )
    root = layout.root if layout else CORE_ONLY
    problems: list[Problem] = []
    values = root.convert(source.data, (), problems)
    findings = [_finding(source, p, layout) for p in problems if p.kind in SOFT]
    if values is INVALID or layout is None:
        hard = [_finding(source, p, layout) for p in problems if p.kind not in SOFT]
        if values is INVALID and not hard:  # an unknown key where only declared ones can be (a checkpoint, a value part)
            hard, findings = findings, []
        if not hard:  # no layout, yet nothing wrong with 版式 as written: say what is missing
            hard = [Finding(source.position(("版式",)), "L001", "没有写明版式：请在「版式:」后写上版式名称（perfgen layouts 列出全部版式）或版式目录的相对路径。")]
        error = SpecError(hard)
        error.soft = findings  # for `check` to show too, at their levels
        raise error
    declared = Values({f.label: values[f.label] for f in layout.declared()})
    spec = Spec(
        layout=values["版式"], year=values["年度"], department=values["部门"], values=declared,
        previous_spec=values["上年规格"], figures=values["财务数据"] or {}, framework=values["指标体系"],
        rule_levels={str(k): str(v) for k, v in (values["规则级别"] or {}).items()},
    )  # fmt: skip
    return spec, findings


def parse_spec(source: Source, layout: Layout | None = None) -> Spec:
    """The spec at `source` (with the layout its 版式 names unless given), for tools that read a
    spec without building it (diff, rollover, 上年规格): what the form would still require is
    not their concern; raise a `PerfgenError` when the spec cannot be read."""
    return validate_spec(source, layout or layout_of(source))[0]


def load_spec(path: Path) -> tuple[Spec, Layout]:
    """Read, validate and resolve the layout of the spec at `path` (for diff and rollover)."""
    source = load_source(path)
    layout = layout_of(source)
    return parse_spec(source, layout), layout  # type: ignore[return-value]


CODES = {"missing": "S002", "empty": "S002", "missing_declared": "S005", "extra_forbidden": "S003", "elsewhere": "L004", "same_field": "S007", "key_error": "S004", "other": "S004"}


def _finding(source: Source, problem: Problem, layout: Layout | None) -> Finding:
    codes = {**CODES, "owner": f"版式「{layout.name}」"} if layout else CODES

    def elsewhere(kind: str, label: str) -> str | None:
        if layout is None:
            return None
        names = declared_elsewhere(kind, label)
        others = [n for n in (names or "").split("、") if n and n != layout.name]
        if not others:
            return None
        return f"版式「{layout.name}」的文档里没有「{label}」这一项，写了也不会出现：请删除它，或改用包含它的版式（{'、'.join(others)}）。"

    return finding(source, problem, codes, elsewhere)


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
        previous = load_source(path, str(path))
        spec = parse_spec(previous)  # its own 上年规格 is not followed
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


# ---------------------------------------------------------------------------------------------
# JSON Schema


def json_schema(layout: Layout | None = None) -> dict[str, Any]:
    """The JSON Schema of a spec of `layout` (keys as written in a spec), for editors' completion
    and checks; without a layout, of a spec of any built-in layout."""
    if layout is None:
        schemas = [layout_schema(one) for one in builtin_layouts()]
        schema = schemas[0]
        for other in schemas[1:]:
            schema = merge_schemas(schema, other)
        _with_layout_names(schema, sorted(one.name for one in builtin_layouts()))
    else:
        schema = layout_schema(layout)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "perfgen 规格文件",
        "description": "部门预算绩效文本的规格：perfgen check 检查，perfgen build 生成 Word 文档。",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def layout_schema(layout: Layout) -> dict[str, Any]:
    """The schema of a spec of `layout`: its declared keys, the 一级/二级 names of its 指标体系,
    its name after 版式 (or a layout directory's path), the 指标体系 and rule levels there are."""
    schema = layout.root.schema()
    _with_framework_names(schema, _level_names(frameworks()[layout.framework]) if layout.framework in frameworks() else None)
    _with_layout_names(schema, [layout.name] if layout.directory.parent == templates_root() else [layout.name, layout.directory.name])  # a directory beside the spec
    properties = schema["properties"]
    names = [n for name in frameworks() for n in ((name, int(name)) if name.isdigit() else (name,))]
    properties["指标体系"] = said({**properties["指标体系"], "enum": names}, f"指标体系只能写：{'、'.join(frameworks())}。")
    levels = said({"enum": list(LEVEL_WORDS)}, "规则级别只能写 错误、警告 或 关闭。")
    properties["规则级别"] = {**properties["规则级别"], "propertyNames": said({"pattern": r"^[A-Z]\d{3}$"}, "规则代码是一个大写字母加三位数字，例如 C103（见 docs/rules.md）。"), "additionalProperties": levels}
    return schema


def _with_layout_names(schema: dict[str, Any], names: list[str]) -> None:
    """版式: one of `names`, or a layout directory's path (with a /)."""
    offered = "、".join(dict.fromkeys(names))
    schema["properties"]["版式"] = {
        **{k: v for k, v in schema["properties"]["版式"].items() if k not in ("type", "anyOf", "errorMessage", "examples")},
        **said({"anyOf": [{"enum": list(dict.fromkeys(names))}, {"type": "string", "pattern": r"^\.\.?$|[/\\]"}]}, f"版式应写 {offered}，或版式目录的相对路径（含 /，例如 ./my-form；perfgen layouts 列出全部版式）。"),
    }


def _with_framework_names(schema: Any, names: dict[str, Any] | None) -> None:
    """The 一级 names of the 指标体系 (aliases too) with their 二级 names under each indicator tree,
    none other (a misspelt or misplaced name is underlined as it is typed); `perfgen check` still
    says which name is closest. Without `names`, the tree is left open."""
    if isinstance(schema, list):
        for item in schema:
            _with_framework_names(item, names)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict) and "additionalProperties" in schema["additionalProperties"]:
        group = schema["additionalProperties"]["additionalProperties"]
        if isinstance(group, dict) and any("三级指标" == option.get("title") for option in _options(group)):
            if names is not None:
                schema["properties"] = {level1: _level1(level1, level2s, group) for level1, level2s in names.items()}
                said(schema, f"一级指标只能是：{'、'.join(names)}。")
                schema["additionalProperties"] = False
            return
    for value in schema.values():
        _with_framework_names(value, names)


def _level1(name: str, level2s: list[str], group: dict) -> dict[str, Any]:
    return said(
        {"type": ["object", "null"], "title": "一级指标", "properties": {level2: {**group, "title": "二级指标"} for level2 in level2s}, "additionalProperties": False},
        f"「{name}」下的二级指标只能是：{'、'.join(level2s)}。",
    )


def _options(group: dict) -> list[dict]:
    rows: dict[str, Any] = next((o for o in group.get("anyOf", []) if o.get("type") == "array"), {})
    return [rows.get("items", {})]


def _level_names(framework) -> dict[str, list[str]]:
    """一级 name (and each alias of one) → its 二级 names and their aliases."""
    level1s: dict[str, list[str]] = {}
    for level1, level2s in framework.levels.items():
        names = [*level2s, *(alias for alias, canonical in framework.aliases.items() if canonical in level2s)]
        for written in (level1, *(a for a, c in framework.aliases.items() if c == level1)):
            level1s[written] = names
    return level1s


def merge_schemas(a: Any, b: Any) -> Any:
    """One schema accepting what either accepts, merging objects key by key (so completion offers
    every layout's keys with their descriptions)."""
    if a == b:
        return a
    if isinstance(a, dict) and isinstance(b, dict) and a.get("type") == "object" == b.get("type") and "properties" in a and "properties" in b:
        properties = dict(a["properties"])
        for name, schema in b["properties"].items():
            properties[name] = merge_schemas(properties[name], schema) if name in properties else schema
        merged = {**a, **b, "properties": properties}
        required = [r for r in a.get("required", []) if r in b.get("required", [])]
        if required:
            merged["required"] = required
        else:
            merged.pop("required", None)
        if a.get("additionalProperties") is False or b.get("additionalProperties") is False:
            merged["additionalProperties"] = False
        return merged
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and all(a[k] == b[k] for k in a if k not in ("description", "title", "default")):
        return a
    options = [*a.get("anyOf", [a])] if isinstance(a, dict) else [a]
    for option in b.get("anyOf", [b]) if isinstance(b, dict) else [b]:
        if option not in options:
            options.append(option)
    return {"anyOf": options}
