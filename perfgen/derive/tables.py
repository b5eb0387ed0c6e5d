"""The layout's declared tables (the 附表 and the workbook's sheets), built by one generic builder.

A table is declared in layout.yaml as named columns over a list of rows — one per item of a list
(项目), or one per 三级 of the items' indicator trees (项目.绩效指标) or of the spec's own tree.
Each cell carries the text a document shows and the number behind it (an amount, a count), so the
workbook stores numbers, never re-parsed display text, and the 合计 row sums Decimals. The same
`Table` is formatted as a DOCX through the appendix template and as a workbook sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .derive import Computed, Row, level1_counts
from ..model.fieldtypes import BlockType, ListType, MoneyType
from ..model.formula import Template
from ..model.layout import Column, Layout, TableSpec
from ..model.model import Item, Values
from ..model.numbering import item_number
from .present import Merged, Node, Shown, part_text, show


@dataclass(frozen=True)
class Cell:
    text: str
    number: Decimal | int | None = None  # what the workbook stores (amounts, counts, weights)
    merge: str = ""  # "restart" / "continue" for cells merged down, "" otherwise

    @property
    def shown(self) -> str:
        """Text of the cell as a DOCX shows it: nothing in the continuation of a merge."""
        return "" if self.merge == "continue" else self.text


@dataclass(frozen=True)
class TableColumn:
    name: str  # the declared column (several columns share it for `each`)
    title: str
    kind: str = "text"  # text | money | percent | number | count | value (an 指标值's number)
    width: int = 10
    each: bool = False  # one of the columns an `each` column expands to
    type: Any = None  # the field type its values have (the 合计 and the workbook show them so)
    summable: bool = True  # a column sum counts each value once (not an item's amount repeated on each of its rows)
    summed: bool = True  # shown summed in the 合计 row (the layout's `total: false`: not, e.g. 项目期)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[TableColumn]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    total_top: bool = False
    unit: str = ""
    label: str = ""  # 附表1, 附表2 … by the appendix's place in the layout
    money_places: int = 2  # decimals of its amounts: the layout's, else the most any amount was written with

    def context(self) -> dict[str, Any]:
        """What a template sees as `t`: 编号, 标题, 单位, 列 (title of each declared column, a list
        for an `each` column), 行 and 合计 (rows as column name → cell, a list for `each`)."""
        return Node({
            "编号": self.label, "标题": self.title, "单位": self.unit,
            "列": _by_name(self.columns, [c.title for c in self.columns]),
            "行": [self.row_context(row) for row in self.rows],
            "合计": self.row_context(self.total) if self.total else None,
        })  # fmt: skip

    def row_context(self, row: list[Cell]) -> dict[str, Any]:
        return _by_name(self.columns, [Merged(cell.shown, cell.merge, cell.text) if cell.merge else Shown(cell.text, cell.number) if cell.number is not None else cell.text for cell in row])


def _by_name(columns: list[TableColumn], cells: list[Any]) -> dict[str, Any]:
    """Cells (or titles) under their declared column's name; an `each` column gives a list."""
    out = Node()
    for column, cell in zip(columns, cells, strict=True):
        if column.each:
            out.setdefault(column.name, []).append(cell)
        else:
            out[column.name] = cell
    return out


# ---------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class _Context:
    """One row's sources: its item (and the item's number), its indicator row."""

    item: Item | None = None
    number: str = ""
    row: Row | None = None
    row_number: int = 0
    item_key: int = -1  # which item, for merges


Getter = Callable[[_Context], Cell]


def build_table(computed: Computed, spec: TableSpec, label: str = "") -> Table:
    expanded = [(column, c) for column in spec.columns for c in _expand(column, computed, spec)]
    columns = [c for _, c in expanded]
    contexts = list(_contexts(computed, spec))
    cells = [_column_cells(column, computed, spec) for column in spec.columns]
    rows = [[cell for column_cells in cells for cell in column_cells(context)] for context in contexts]
    for c, (column, _) in enumerate(expanded):
        if column.merge:
            _merge_column(column, contexts, rows, c)
    total = _total(computed, spec, columns, rows, contexts) if spec.total else None
    places = computed.layout.money.places
    if places is None:
        written = [max(0, -cell.number.as_tuple().exponent) for row in rows for cell, column in zip(row, columns, strict=True) if column.kind == "money" and isinstance(cell.number, Decimal)]
        places = max(written, default=2)
    return Table(spec.name, spec.title, columns, rows, total, bool(spec.total and spec.total.top), spec.unit, label, places)


def appendix_tables(computed: Computed, layout: Layout) -> list[Table]:
    """The 附表 of `layout` (the spec's, or one its layout extends), labelled 附表1, 附表2 … in their order."""
    return [build_table(computed, layout.tables[a.table], f"附表{n}") for n, a in enumerate(layout.appendices, 1)]


def workbook_tables(computed: Computed, layout: Layout, built: list[Table]) -> list[Table]:
    """The workbook's sheets: the appendices' tables, or those the layout lists under `workbook`."""
    by_name = {t.name: t for t in built}
    return [by_name.get(name) or build_table(computed, layout.tables[name]) for name in layout.workbook]


def _expand(column: Column, computed: Computed, spec: TableSpec) -> list[TableColumn]:
    if column.each == "一级":
        return [TableColumn(column.name, column.title.render(lambda r, n=name: n), "count", column.width, True) for name in computed.framework.level1_names()]
    if column.each:
        kind = column.field.type.of
        return [TableColumn(column.name, column.title.render(lambda r, p=point: p), column.kind, column.width, True, kind) for point in column.field.type.points]
    kind = column.field.type if column.field is not None else None
    repeated = len(spec.rows) == 2 and column.scope in ("item", "spec") and not column.merge  # an item's value on each of its rows
    return [TableColumn(column.name, column.title.render(lambda r: ""), column.kind, column.width, type=kind, summable=not repeated, summed=column.summed)]


def _item_list(computed: Computed, spec: TableSpec) -> tuple[BlockType | None, str]:
    """The block of the items a table's rows belong to, and their list's label (none for the
    spec's own indicator tree)."""
    first = computed.layout.root.field(spec.rows[0])
    return (first.type.item, first.label) if isinstance(first.type, ListType) else (None, "")


def _contexts(computed: Computed, spec: TableSpec) -> Iterator[_Context]:
    values = computed.values
    block, label = _item_list(computed, spec)
    if block is None:
        for n, row in enumerate(values[spec.rows[0]] or (), 1):
            yield _Context(row=row, row_number=n)
        return
    numbering = computed.layout.root.field(label).type.numbering
    n = 0
    for i, item in enumerate(values[label] or ()):
        number = item_number(numbering, i + 1) if numbering else ""  # as a template shows it (present)
        if len(spec.rows) == 1:
            n += 1
            yield _Context(item, number, row_number=n, item_key=i)
            continue
        for row in item.values.get(spec.rows[1]) or ():
            n += 1
            yield _Context(item, number, row, n, i)


def _column_cells(column: Column, computed: Computed, spec: TableSpec) -> Callable[[_Context], list[Cell]]:
    """How a column's cells are made from a row, worked out once per table."""
    if column.each == "一级":
        names = computed.framework.level1_names()
        block, _ = _item_list(computed, spec)
        trees = [f.label for f in block.fields if f.type.name == "indicators"]

        def counts(context: _Context) -> list[Cell]:
            counted = level1_counts(r for label in trees for r in context.item.values.get(label) or ())
            return [Cell(str(counted.get(name, 0)), counted.get(name, 0)) for name in names]

        return counts
    if column.each:
        kind, label = column.field.type, column.field.label
        return lambda context: [_typed(kind.of, (context.item.values.get(label) or {}).get(p)) for p in kind.points]
    if isinstance(column.value, Template):
        template = column.value
        getters = {r.text: getter(r.path, computed, spec) for r in template.references()}
        return lambda context: [Cell(template.render(lambda r: getters[r.text](context).text))]
    one = getter(column.value.path, computed, spec)
    return lambda context: [one(context)]


def getter(path: tuple, computed: Computed, spec: TableSpec | None) -> Getter:
    """The cell `path` names in a row of `spec` (None: the spec alone, e.g. a 合计 label): a name
    every row has (行号, 序号, 一级, 二级, 名称, 指标值, a value part), else the field found first
    in the row's indicator, its item, then the spec."""
    layout, first = computed.layout, path[0]
    block, list_label = _item_list(computed, spec) if spec is not None else (None, "")
    indicator_rows = spec is not None and (len(spec.rows) == 2 or block is None)
    if len(path) == 1:
        if first == "行号":
            return lambda c: Cell(str(c.row_number), c.row_number)
        if first == "序号" and block is not None:
            return lambda c: Cell(c.number)
        if indicator_rows:
            part = layout.indicators.part(first)  # a value part may take a name such as 指标值
            if part is not None:
                return lambda c: _part_cell(part, c.row)
            special = {"一级": "level1", "二级": "level2", "名称": "name"}
            if first in special:
                attribute = special[first]
                return lambda c: Cell(getattr(c.row, attribute))
            if first == "指标值":
                return lambda c: Cell(c.row.value.text)
    if indicator_rows:
        kind = _type_at(layout.indicators.block, path)
        if kind is not None:
            return lambda c: _typed(kind, _value_at(c.row.values, path))
    if block is not None:
        inner = path[1:] if len(path) > 1 and first == list_label else path
        kind = _type_at(block, inner)
        if kind is not None:
            return lambda c: _typed(kind, _value_at(c.item.values, inner))
    kind = _type_at(layout.root, path)
    cell = _typed(kind, _value_at(computed.values, path)) if kind is not None else Cell("")
    return lambda c: cell


def _part_cell(part, row: Row) -> Cell:
    text = part_text(part, row.value, row.written)
    return Cell(text, Decimal(text) if part.neutral == "number" and _numeric(text) else None)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(\.\d+)?", text))


def _type_at(block: BlockType, path: tuple) -> Any:
    """The type of the field at `path` below `block` (through nested blocks), or None."""
    f = block.field(path[0])
    for part in path[1:]:
        if f is None or not isinstance(f.type, BlockType):
            return None
        f = f.type.field(part)
    return f.type if f is not None else None


def _value_at(values: Values, path: tuple) -> Any:
    value: Any = values
    for part in path:
        value = value.get(part) if isinstance(value, Values) else None
    return value


def _typed(kind, value: Any) -> Cell:
    shown = show(kind, value, None) if kind.kind == "text" else kind.show(value)
    text = shown if isinstance(shown, str) else str(shown)
    number = kind.number(value)
    if kind.kind == "percent" and number is not None:  # the number shown, not more decimals than the document
        number = Decimal(text.rstrip("%"))
    return Cell(text, number)


def _merge_column(column: Column, contexts: list[_Context], rows: list[list[Cell]], c: int) -> None:
    """Cells of a merged column continue the one above while the row belongs to the same spec,
    item, 一级 or 二级 as the value; `merge: blank` cells continue it while they are empty."""
    previous, open_text = None, False
    for context, row in zip(contexts, rows, strict=True):
        cell = row[c]
        if column.merge == "blank":
            group = _group("level2", context)
            if group == previous and not cell.text and open_text:
                row[c] = Cell("", cell.number, "continue")
            else:
                row[c] = Cell(cell.text, cell.number, "restart")
                open_text = bool(cell.text)
            previous = group
            continue
        group = _group(column.scope, context)
        row[c] = Cell(cell.text, cell.number, "continue" if group == previous else "restart")
        previous = group


def _group(scope: str, context: _Context) -> tuple:
    row = context.row
    if scope == "spec":
        return ("spec",)
    if scope == "item":
        return ("item", context.item_key)
    if scope == "level1" and row is not None:
        return ("level1", context.item_key, row.level1)
    if scope == "level2" and row is not None:
        return ("level2", context.item_key, row.level1, row.level2)
    return ("row", context.row_number)


def _total(computed: Computed, spec: TableSpec, columns: list[TableColumn], rows: list[list[Cell]], contexts: list[_Context]) -> list[Cell]:
    """The 合计 row: amounts and counts summed (Decimal), each item's once however many rows it
    spans, shown as their column's field shows them; the label in the first column."""
    cells = []
    scopes = [column.scope for column in spec.columns for _ in _expand(column, computed, spec)]
    for c, column in enumerate(columns):
        seen: set[tuple] = set()
        numbers = []
        for row, context in zip(rows, contexts, strict=True):
            group = _group(scopes[c], context) if scopes[c] in ("spec", "item") else ("row", id(row))
            if row[c].number is not None and group not in seen:
                seen.add(group)
                numbers.append(row[c].number)
        if column.kind in ("money", "count") and column.summed and numbers:
            total = sum(numbers, 0 if column.kind == "count" else Decimal(0))
            shown = column.type if isinstance(column.type, MoneyType) else computed.layout.money
            cells.append(Cell(shown.show(total) if column.kind == "money" else str(total), total))
        else:
            cells.append(Cell(""))
    cells[0] = Cell(spec.total.label.render(lambda r: getter(r.path, computed, None)(_Context()).text))
    return cells
