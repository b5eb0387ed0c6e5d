"""Stage 3b: show computed values in the layout's style — the variables a template formats.

`present(computed)` gives the template's `doc`: every field under its Chinese label, shown as the
layout says (money with its places, percentages with %, dates in the form's format), lists with
their `序号` in the list's numbering, indicator rows with 一级/二级 merged down their groups and
the 指标值 split into the layout's value parts. Texts are never None (absent is ""), so no template
prints 「None」; amounts are `Shown` text that still carries its number.
"""

from __future__ import annotations

from typing import Any

from .derive import Computed, Row, level1_counts
from ..model.fieldtypes import (
    BlockType,
    CheckpointsType,
    FieldType,
    IndicatorsType,
    ListType,
    MappingType,
    OutlineType,
    SectionsType,
    TitledType,
)
from ..model.indicators import Parsed
from ..model.layout import Layout, ValuePart
from ..model.model import Item, Section, Titled, ValueParts, Values
from ..model.numbering import item_number
from ..load.text import one_line, paragraphs


class Shown(str):
    """Text as a template prints it, with the number it shows (for amounts, counts, rates)."""

    number: Any

    def __new__(cls, text: str, number: Any = None) -> Shown:
        shown = super().__new__(cls, text)
        shown.number = number
        return shown


class Merged(str):
    """A cell merged down a group of rows: its text on the group's first row only (`merge` is
    "restart" there and "continue" below); `text` is the group's text on every row."""

    merge: str
    text: str

    def __new__(cls, shown: str, merge: str, text: str | None = None) -> Merged:
        cell = super().__new__(cls, shown)
        cell.merge, cell.text = merge, shown if text is None else text
        return cell


class Node(dict):
    """A presented block: its fields by label, read as `doc.部门` or `doc["部门"]` alike (a label
    that is not a name, such as 「其中：财政资金」, only the second way)."""

    def __getattr__(self, label: str) -> Any:
        try:
            return self[label]
        except KeyError:
            raise AttributeError(label) from None


class Rows(list):
    """An indicator table's rows, with `指标数` (how many 三级) and `一级指标数` (per 一级, in the
    framework's words)."""

    指标数: int
    一级指标数: dict[str, int]


def present(computed: Computed) -> dict[str, Any]:
    """The template's `doc`: the spec's fields (core ones included) shown in the layout's style."""
    layout = computed.layout
    return node(layout.root, computed.values, layout)


def node(block: BlockType, values: Values, layout: Layout) -> Node:
    return Node((f.label, show(f.type, values.get(f.label), layout)) for f in block.fields)


def show(kind: FieldType, value: Any, layout: Layout) -> Any:
    if isinstance(kind, ListType):
        return [_entry(kind.item, element, item_number(kind.numbering, n) if kind.numbering else "", layout) for n, element in enumerate(value or (), 1)]
    if isinstance(kind, SectionsType):
        return [_section(kind, section, n, layout) for n, section in enumerate(value or (), 1)]
    if isinstance(kind, IndicatorsType):
        return indicator_rows(value or (), layout)
    if isinstance(kind, BlockType):
        return node(kind, value or Values(), layout)
    if isinstance(kind, CheckpointsType):
        return Node((point, Shown(kind.of.show(v), v)) for point, v in (value or Values({p: None for p in kind.points})).items())
    if isinstance(kind, OutlineType):
        return outline_blocks(value, kind.numbering)
    if isinstance(kind, TitledType):
        return Node({"标题": value.title if value else "", "内容": one_line(value.text) if value else ""})
    if isinstance(kind, MappingType):
        return Node((k, show(kind.value, v, layout)) for k, v in (value or {}).items())
    if kind.kind != "text":
        return Shown(kind.show(value), kind.number(value))
    return kind.show(value)


def _entry(item: FieldType, element: Any, number: str, layout: Layout) -> Node:
    if isinstance(element, Item) and isinstance(item, BlockType):
        return Node({"序号": number, **node(item, element.values, layout)})
    if isinstance(element, Titled):
        return Node({"序号": number, "标题": element.title, "内容": one_line(element.text)})
    return Node({"序号": number, "内容": show(item, element, layout)})


def _section(kind: SectionsType, section: Section, n: int, layout: Layout) -> Node:
    number = item_number(kind.numbering, n) if kind.numbering else ""
    if isinstance(kind.item, BlockType):
        return Node({"序号": number, "标题": section.title, **node(kind.item, section.value, layout)})
    return Node({"序号": number, "标题": section.title, "内容": show(kind.item, section.value, layout)})


def outline_blocks(outline: Any, numbered: str, level: int = 1) -> list[dict[str, Any]]:
    """Flatten a free-form outline into paragraphs: mapping keys become headings of `level`
    (`层级` 1–3), a list of one-key mappings headings numbered with `numbered`, text paragraphs
    (`层级` 0)."""
    if outline is None:
        return []
    if isinstance(outline, str):
        return [Node({"层级": 0, "内容": p}) for p in paragraphs(outline)]
    blocks: list[dict[str, Any]] = []
    if isinstance(outline, dict):
        for heading, content in outline.items():
            blocks.append(Node({"层级": min(level, 3), "内容": heading}))
            blocks.extend(outline_blocks(content, numbered, level + 1))
        return blocks
    n = 0
    for item in outline:
        if isinstance(item, dict):
            for heading, content in item.items():
                n += 1
                blocks.append(Node({"层级": min(level, 3), "内容": (item_number(numbered, n) if numbered else "") + heading}))
                blocks.extend(outline_blocks(content, numbered, level + 1))
        else:
            blocks.extend(outline_blocks(item, numbered, level))
    return blocks


# ---------------------------------------------------------------------------------------------
# Indicator rows


def part_text(part: ValuePart, value: Parsed, written: Any) -> str:
    """One value part of an 指标值 (符号, 值, 单位 …) as the layout shows it."""
    if isinstance(written, ValueParts):
        return written.parts.get(part.name, "")
    if not value.text:
        return ""
    fields = value.fields()
    if value.qualitative:
        return part.qualitative.render(lambda r: fields[r.text])
    shown = part.show.render(lambda r: fields[r.text])
    return part.map.get(shown, shown) or part.missing


def indicator_rows(rows: tuple[Row, ...], layout: Layout) -> Rows:
    """Each row shown: 一级/二级 merged down their groups, 指标值 and its parts, the declared
    fields (those with `merge: blank` continuing the cell above while a row gives none)."""
    spec = layout.indicators
    blanks = [f for f in spec.block.fields if f.merge == "blank"]
    out = Rows()
    previous: Row | None = None
    open_text: dict[str, bool] = {}
    for row in rows:
        new1 = previous is None or row.level1 != previous.level1
        new2 = new1 or previous is not None and row.level2 != previous.level2
        if new2:
            open_text = {}
        shown = Node({
            "一级": Merged(row.level1, "restart") if new1 else Merged("", "continue", row.level1),
            "二级": Merged(row.level2, "restart") if new2 else Merged("", "continue", row.level2),
            "名称": row.name,
            "指标值": row.value.text,
        })
        for part in spec.parts:
            shown[part.name] = part_text(part, row.value, row.written)
        for f in spec.block.fields:
            shown[f.label] = show(f.type, row.values.get(f.label), layout)
        for f in blanks:
            text = row.values.get(f.label)
            if text is None and open_text.get(f.label):
                shown[f.label] = Merged("", "continue")
            else:
                shown[f.label] = Merged(f.type.show(text) if text is not None else "", "restart")
                open_text[f.label] = text is not None and bool(text)
        out.append(shown)
        previous = row
    out.一级指标数 = level1_counts(rows)
    out.指标数 = sum(out.一级指标数.values())
    return out


def plain(value: Any) -> Any:
    """`value` as JSON-able data (for tools that render templates outside perfgen)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
