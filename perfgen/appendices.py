"""The 附表: summary and detail tables derived from a `Document` (pure functions).

Each appendix is a `Table` — columns, rows of cells with their numbers, merges and a 合计 row —
built once here and then formatted twice: as a DOCX through the layout's appendix template and as
a sheet of the workbook. So the Word appendix, the workbook and the main document agree by
construction; the tests cross-check them anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .derive import Document, IndicatorRow, MergedCell


@dataclass(frozen=True)
class Cell:
    text: str
    number: Decimal | int | None = None  # what the workbook stores (money in 万元, counts)
    merge: str = ""  # "restart" / "continue" for cells merged down, "" otherwise

    @property
    def shown(self) -> str:
        """Text of the cell as a DOCX shows it: nothing in the continuation of a merge."""
        return "" if self.merge == "continue" else self.text


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text | money | count
    width: int = 10  # relative width: characters in the workbook, a share of the page in Word
    merged: bool = False  # cells may merge down (project, 一级, 二级 …)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] = field(default_factory=list)  # the 合计 row, or none
    unit: str = ""  # e.g. 单位：万元
    label: str = ""  # 附表1, 附表2 … by the appendix's place in the layout

    @property
    def count_titles(self) -> list[str]:
        """Titles of the trailing count columns (one per 一级), which templates repeat."""
        return [c.title for c in self.columns if c.kind == "count"]

    @property
    def total_counts(self) -> list[Cell]:
        if not self.total:
            return []
        return [cell for cell, c in zip(self.total, self.columns, strict=True) if c.kind == "count"]

    @property
    def money_places(self) -> int:
        """Decimals shown for this table's money: the most any amount was written with."""
        places = [
            max(0, -cell.number.as_tuple().exponent)
            for row in [*self.rows, *([self.total] if self.total else [])]
            for cell, column in zip(row, self.columns, strict=True)
            if column.kind == "money" and isinstance(cell.number, Decimal)
        ]
        return max(places, default=2)


def money(text: str) -> Cell:
    """A money cell from derived display text (exact: the text is a Decimal's own spelling)."""
    return Cell(text, Decimal(text) if text else None)


def count(n: int) -> Cell:
    return Cell(str(n), n)


def merged(cell: MergedCell, text: str | None = None) -> Cell:
    return Cell(cell.text if text is None else text, None, cell.merge)


# ---------------------------------------------------------------------------------------------
# The appendix kinds a layout can list (their columns are also what the templates are made from)

COUNT_WIDTH = 10


def summary_columns(with_codes: bool) -> list[Column]:
    """附表1's columns before the per-一级 counts."""
    columns = [Column("序号", width=8)]
    columns += [Column("项目编码", width=24)] if with_codes else []
    columns += [Column("项目名称", width=30), Column("主管部门", width=14), Column("实施单位", width=20)]
    return columns + [Column("预算数", "money", 12), Column("其中：财政资金", "money", 14), Column("其他资金", "money", 12)]


INDICATOR_COLUMNS = [
    Column("项目名称", width=20, merged=True), Column("一级指标", width=10, merged=True),
    Column("二级指标", width=12, merged=True), Column("三级指标", width=22), Column("绩效指标描述", width=34),
    Column("指标值", width=12), Column("符号", width=7), Column("值", width=7), Column("单位", width=9),
    Column("指标值确定依据", width=28),
]  # fmt: skip
TASK_COLUMNS = [
    Column("任务", width=8), Column("任务名称", width=24), Column("主要内容", width=60),
    Column("合计", "money", 12), Column("其中：财政资金", "money", 14), Column("备注", width=12),
]  # fmt: skip
DEPARTMENT_COLUMNS = [
    Column("一级指标", width=10, merged=True), Column("二级指标", width=14, merged=True), Column("三级指标", width=40),
    Column("指标值", width=10), Column("指标解释", width=36, merged=True), Column("指标说明", width=50, merged=True),
]  # fmt: skip


@dataclass(frozen=True)
class Options:
    """What a layout's appendices depend on besides the document."""

    level1_names: list[str]  # the spec's 指标体系: one count column per 一级
    with_codes: bool  # the layout has 项目编码


def project_summary(doc: Document, options: Options) -> Table:
    """附表1 预算项目绩效目标汇总表: one row per project, amounts and indicators per 一级."""
    level1_names, with_codes = options.level1_names, options.with_codes
    columns = summary_columns(with_codes) + [Column(f"{name}（个）", "count", COUNT_WIDTH) for name in level1_names]
    rows = []
    for n, p in enumerate(doc.projects, 1):
        row = [count(n)] + ([Cell(p.code)] if with_codes else [])
        row += [Cell(p.name), Cell(p.supervisor), Cell(p.implementer), money(p.total), money(p.fiscal), money(p.other)]
        row += [count(p.level1_counts.get(name, 0)) for name in level1_names]
        rows.append(row)
    totals = doc.project_totals
    total = [Cell("合计"), *[Cell("") for _ in range(3 + with_codes)]]
    total += [money(totals.total), money(totals.fiscal), money(totals.other)]
    total += [count(sum(p.level1_counts.get(name, 0) for p in doc.projects)) for name in level1_names]
    return Table("project_summary", "预算项目绩效目标汇总表", columns, rows, total, "单位：万元")


def indicator_detail(doc: Document, options: Options) -> Table:
    """附表2 绩效指标明细表: one row per indicator, merged per project / 一级 / 二级."""
    columns = INDICATOR_COLUMNS
    rows = []
    for p in doc.projects:
        for i, r in enumerate(p.indicator_rows):
            project = Cell(p.name, None, "restart" if i == 0 else "continue")
            rows.append([project, merged(r.level1, _level1_name(p.indicator_rows, i)), merged(r.level2, _level2_name(p.indicator_rows, i)), *_indicator_cells(r)])
    return Table("indicator_detail", "绩效指标明细表", columns, rows)


def _indicator_cells(r: IndicatorRow) -> list[Cell]:
    v = r.value
    return [Cell(r.name), Cell(r.description), Cell(v.text), Cell(v.comparator), Cell(v.number), Cell(v.unit), Cell(r.basis)]


def _level1_name(rows: list[IndicatorRow], i: int) -> str:
    """The 一级 of row i (rows below a group's first carry no text; the workbook needs it)."""
    return next(r.level1.text for r in reversed(rows[: i + 1]) if r.level1.merge == "restart")


def _level2_name(rows: list[IndicatorRow], i: int) -> str:
    return next(r.level2.text for r in reversed(rows[: i + 1]) if r.level2.merge == "restart")


def task_budget(doc: Document, options: Options) -> Table:
    """年度主要任务 with its 预算资金 and a 合计 row (whole-department forms)."""
    columns = TASK_COLUMNS
    rows = [[Cell(t.number), Cell(t.short), Cell(t.content), money(t.total), money(t.fiscal), Cell(t.remark)] for t in doc.tasks]
    totals = doc.task_totals
    total = [Cell("合计"), Cell(""), Cell(""), money(totals.total), money(totals.fiscal), Cell("")]
    return Table("task_budget", "年度主要任务预算表", columns, rows, total, "单位：万元")


def department_indicators(doc: Document, options: Options) -> Table:
    """The whole-department indicator table, generated rows included (merged like the form)."""
    columns = DEPARTMENT_COLUMNS
    rows = [
        [
            merged(r.level1, _level1_name(doc.indicator_rows, i)), merged(r.level2, _level2_name(doc.indicator_rows, i)),
            Cell(r.name), Cell(r.value.text), merged(r.explanation), merged(r.note),
        ]
        for i, r in enumerate(doc.indicator_rows)
    ]  # fmt: skip
    return Table("department_indicators", "部门整体绩效指标表", columns, rows)


KINDS: dict[str, Callable[[Document, Options], Table]] = {
    "project_summary": project_summary,
    "indicator_detail": indicator_detail,
    "task_budget": task_budget,
    "department_indicators": department_indicators,
}


def appendix_tables(doc: Document, kinds: list[str], options: Options) -> list[Table]:
    """The appendices a layout lists, labelled 附表1, 附表2 … in that order."""
    return [replace(KINDS[kind](doc, options), label=f"附表{n}") for n, kind in enumerate(kinds, 1)]
