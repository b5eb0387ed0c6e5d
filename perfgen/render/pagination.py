"""Labels on every page: a merged label cell (一级, 二级, 年度总体目标 …) that a page break cuts
shows its text only on the page where the merge starts; the official forms repeat it on each page.

Only LibreOffice's layout knows where pages break. So before a document is laid out, the rows of
every table with merged cells get a bookmark (`mark_rows`); LibreOffice answers each one's page;
`restart_on_new_pages` then restarts each merge at the first row of every page it reaches, with the
label's text, and the document is laid out again (the labels can make rows taller). The bookmarks
are removed before the document is saved (`unmark`).

A page break before a heading (each 项目 on a new page) can leave the page before it holding a
few lines, the end of what came before: `mark_breaks` bookmarks those headings, LibreOffice
answers how far down the page before each the text goes, and `relax_breaks` lets a heading whose
page before holds less than FEW_LINES of a page follow on it instead (kept with what it
introduces). A level-1 heading (第一部分 …), a cover or the 目录 keeps its page.

Prose merged down several rows is not repeated: its rows keep together instead, and a table's
last row keeps with the one before (`keep_prose_together`, applied when the document is
rendered, so Word keeps them too).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from lxml import etree

from .toc import bookmark, max_bookmark_id, outline_levels

W_TBL, W_TR, W_TC, W_P, W_T = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:t")
W_VMERGE, W_VAL, W_NAME, W_ID = qn("w:vMerge"), qn("w:val"), qn("w:name"), qn("w:id")
W_BOOKMARK_START, W_BOOKMARK_END = qn("w:bookmarkStart"), qn("w:bookmarkEnd")
MARK = "_PgRow"  # the rows' bookmarks: _PgRow<table>_<row>
BREAK = "_PgBrk"  # the bookmarks of headings that start a new page: _PgBrk<n>
FEW_LINES = 0.25  # of a page's text height: a page holding less before a heading's page break is not left so
EMU_PER_HUNDREDTH_MM = 360
W_PPR, W_PAGE_BREAK_BEFORE, W_PSTYLE, W_SECT_PR, W_KEEP_NEXT = qn("w:pPr"), qn("w:pageBreakBefore"), qn("w:pStyle"), qn("w:sectPr"), qn("w:keepNext")
W_PG_SZ, W_PG_MAR, W_H, W_TOP, W_BOTTOM = qn("w:pgSz"), qn("w:pgMar"), qn("w:h"), qn("w:top"), qn("w:bottom")
LABEL_CHARACTERS = 40  # a merged cell with more text is prose (a 年度目标), not a label: it is not repeated


@dataclass
class _Table:
    rows: list  # w:tr elements, in order
    marks: list[str]  # each row's bookmark
    cells: list[list]  # each row's w:tc elements
    merged: dict[tuple[int, int], int] = field(default_factory=dict)  # (row, cell) of a continuation → row where its merge starts
    restarted: set[tuple[int, int]] = field(default_factory=set)  # continuations made to restart


@dataclass
class Marks:
    tables: list[_Table]
    seen: list[frozenset] = field(default_factory=list)  # the restarts of each layout so far
    pinned: tuple[tuple[int, int], frozenset] | None = None  # (table, row) up to which the restarts stay as given

    def pin(self, upto: tuple[int, int], restarts: frozenset) -> None:
        self.pinned = (upto, frozenset(key for key in restarts if key[:2] <= upto))

    def pinned_to(self, wanted: frozenset) -> frozenset:
        if self.pinned is None:
            return frozenset(wanted)
        upto, restarts = self.pinned
        return frozenset({key for key in wanted if key[:2] > upto} | restarts)

    def names(self) -> list[str]:
        return [name for table in self.tables for name in table.marks]

    def runs(self) -> list[list[str]]:
        """Each table's rows' bookmarks, in document order (what `Office.lay_out` asks pages of)."""
        return [table.marks for table in self.tables]


@dataclass
class Breaks:
    paragraphs: dict[str, tuple[object, int]]  # bookmark → (heading paragraph, its page's text height in 1/100 mm)

    def names(self) -> list[str]:
        return list(self.paragraphs)


def mark_breaks(docx: DocxDocument) -> Breaks:
    """Bookmark each body paragraph of a heading below level 1 that starts a new page
    (w:pageBreakBefore of its own)."""
    body = docx.element.body
    levels = outline_levels(docx)
    next_id = max(max_bookmark_id(body), 800_000) + 1
    found: dict[str, tuple[object, int]] = {}
    waiting = []
    for child in body.iterchildren():
        if child.tag == W_SECT_PR or child.tag == W_P and child.find(f"{W_PPR}/{W_SECT_PR}") is not None:
            height = _text_height(child if child.tag == W_SECT_PR else child.find(f"{W_PPR}/{W_SECT_PR}"))
            found.update((name, (p, height)) for name, p in waiting)
            waiting = []
        if child.tag != W_P:
            continue
        ppr = child.find(W_PPR)
        pbb = ppr.find(W_PAGE_BREAK_BEFORE) if ppr is not None else None
        style = ppr.find(W_PSTYLE) if ppr is not None else None
        if pbb is None or pbb.get(W_VAL) in ("0", "false", "off") or style is None or (levels.get(style.get(W_VAL)) or 1) < 2:
            continue
        name = f"{BREAK}{len(found) + len(waiting)}"
        bookmark(child, name, next_id)
        next_id += 1
        waiting.append((name, child))
    return Breaks(found)


def relax_breaks(breaks: Breaks, used: dict[str, int]) -> bool:
    """Drop the page break of each heading whose page before holds less than FEW_LINES of a
    page; whether any was dropped."""
    relaxed = False
    for name, (p, height) in breaks.paragraphs.items():
        if name in used and used[name] < FEW_LINES * height:
            p.find(f"{W_PPR}/{W_PAGE_BREAK_BEFORE}").set(W_VAL, "0")
            relaxed = True
    return relaxed


def _text_height(sect_pr) -> int:
    """A section's page height less its top and bottom margins, in 1/100 mm (A4 at GB/T 9704's
    margins when the section does not say)."""
    size, margins = sect_pr.find(W_PG_SZ), sect_pr.find(W_PG_MAR)

    def twips(element, attribute: str, default: int) -> int:
        value = (element.get(attribute) or "").lstrip("-") if element is not None else ""
        return int(value) if value.isdigit() else default

    height = twips(size, W_H, 16838) - twips(margins, W_TOP, 2098) - twips(margins, W_BOTTOM, 1984)
    return max(height, 1) * 635 // EMU_PER_HUNDREDTH_MM


def keep_prose_together(docx: DocxDocument) -> None:
    """Keep the rows of each prose cell merged down several rows (more than LABEL_CHARACTERS: not
    repeated on a new page) on one page: every paragraph of its rows but the last keeps with the
    next (Word's way to keep rows together; LibreOffice reads it too). Cut by a page break, such a
    cell shows its text only where the merge starts, and LibreOffice draws what does not fit
    over the rows below. A group taller than a page still breaks. A table's last row, too, keeps
    with the row before it (a 合计 row is never alone on a page)."""
    kept = set()  # rows that stay with the next
    for element in docx.element.body.iter(W_TBL, W_VMERGE):  # one walk
        if element.tag == W_TBL:
            rows = element.findall(W_TR)
            if len(rows) > 2:
                kept.add(rows[-2])
            continue
        tc = element.getparent().getparent()  # w:tc/w:tcPr/w:vMerge
        if element.get(W_VAL) != "restart" or tc.tag != W_TC or _is_label(tc):
            continue
        tr = tc.getparent()
        c = [cell for cell in tr if cell.tag == W_TC].index(tc)
        rows = [tr]
        below = tr.getnext()
        while below is not None and below.tag == W_TR:
            cells = [cell for cell in below if cell.tag == W_TC]
            if c >= len(cells) or _merge(cells[c]) != "continue":
                break
            rows.append(below)
            below = below.getnext()
        kept.update(rows[:-1])
    for tr in kept:
        for p in tr.iter(W_P):
            _keep_with_next(p)


def _is_label(tc) -> bool:
    """Whether a merged cell holds a label (up to LABEL_CHARACTERS), not prose."""
    if len(etree.tostring(tc, method="text", encoding=str).strip()) <= LABEL_CHARACTERS:
        return True  # all of the cell's text, at C speed: most cells are short whatever they hold
    return len("".join(tc.itertext(W_T)).strip()) <= LABEL_CHARACTERS


def _keep_with_next(p) -> None:
    ppr = p.find(W_PPR)
    if ppr is None:
        ppr = p.makeelement(W_PPR, {})
        p.insert(0, ppr)
    if ppr.find(W_KEEP_NEXT) is None:
        style = ppr.find(W_PSTYLE)
        keep = ppr.makeelement(W_KEEP_NEXT, {})
        if style is not None:
            style.addnext(keep)  # pPr's children in schema order: pStyle, keepNext, …
        else:
            ppr.insert(0, keep)


def mark_rows(docx: DocxDocument) -> Marks:
    """Bookmark each row of each table that has vertically merged label cells (in a cell that is
    not a continuation, which LibreOffice does not lay out). Prose merged down several rows is
    left to run on: repeated on each page, it would make the rows above taller and move them."""
    body = docx.element.body
    next_id = max(max_bookmark_id(body), 900_000) + 1
    tables = []
    for t, tbl in enumerate(body.iter(W_TBL)):
        rows = [tr for tr in tbl if tr.tag == W_TR]
        cells = [[tc for tc in tr if tc.tag == W_TC] for tr in rows]
        merged, starts = {}, {}
        for r, row in enumerate(cells):
            for c, tc in enumerate(row):
                state = _merge(tc)
                if state == "restart" and _is_label(tc):
                    starts[c] = r
                elif state == "continue" and c in starts:
                    merged[(r, c)] = starts[c]
                else:
                    starts.pop(c, None)
        if not merged:
            continue
        table = _Table(rows, [], cells, merged)
        for r, row in enumerate(cells):
            host = next((tc for c, tc in enumerate(row) if (r, c) not in merged), None)
            paragraph = host.find(W_P) if host is not None else None
            name = f"{MARK}{t}_{r}"
            if paragraph is not None:
                bookmark(paragraph, name, next_id)
                next_id += 1
            table.marks.append(name)
        tables.append(table)
    return Marks(tables)


def restart_on_new_pages(marks: Marks, pages: dict[str, int]) -> bool:
    """Restart every merge at the first row of each page it crosses (and undo an earlier restart
    that is no longer at a page's top); whether anything changed.

    A restart can move the page break it answers: a label restarted at a page's top makes its row
    taller, the row above then moves down with it, and undoing the restart moves it back. When the
    wanted restarts are ones already tried (the passes would alternate), the first cell where the
    two states differ keeps its label, and every cell up to it stays as it is from then on: the
    page gets its label (once more on its second row) and the pages after it can settle."""
    state = {(t, r, c) for t, table in enumerate(marks.tables) for r, c in table.restarted}
    wanted = marks.pinned_to(_wanted(marks, pages))
    if wanted in marks.seen and wanted != state:
        first = min(wanted ^ state)
        labelled = wanted if first in wanted else state
        marks.pin(first[:2], labelled)
        wanted = marks.pinned_to(wanted)
    marks.seen.append(frozenset(state))
    for t, table in enumerate(marks.tables):
        for r, c in sorted(table.merged):
            if ((t, r, c) in wanted) == ((r, c) in table.restarted):
                continue
            tc = table.cells[r][c]
            if (t, r, c) in wanted:
                _set_merge(tc, "restart")
                _copy_content(table.cells[table.merged[(r, c)]][c], tc)
                table.restarted.add((r, c))
            else:
                _set_merge(tc, "continue")
                _copy_content(None, tc)
                table.restarted.discard((r, c))
    return wanted != state


def _wanted(marks: Marks, pages: dict[str, int]) -> frozenset[tuple[int, int, int]]:
    """(table, row, cell) of each continuation at the first row of a page."""
    wanted = set()
    for t, table in enumerate(marks.tables):
        page = [pages.get(name) for name in table.marks]
        for r, c in table.merged:
            if r > 0 and page[r] is not None and page[r - 1] is not None and page[r] > page[r - 1]:
                wanted.add((t, r, c))
    return frozenset(wanted)


def unmark(marks: Marks, breaks: Breaks) -> None:
    """The rows' and headings' bookmarks removed."""
    names = {*marks.names(), *breaks.names()}
    for element in [*(p for p, _ in breaks.paragraphs.values()), *(tr for table in marks.tables for tr in table.rows)]:
        ids = {b.get(W_ID) for b in element.iter(W_BOOKMARK_START) if b.get(W_NAME) in names}
        for b in [*element.iter(W_BOOKMARK_START), *element.iter(W_BOOKMARK_END)]:
            if b.get(W_ID) in ids:
                b.getparent().remove(b)


def _merge(tc) -> str:
    vmerge = tc.find(f"{qn('w:tcPr')}/{W_VMERGE}")
    if vmerge is None:
        return ""
    return vmerge.get(W_VAL) or "continue"  # <w:vMerge/> continues


def _set_merge(tc, state: str) -> None:
    tc.find(f"{qn('w:tcPr')}/{W_VMERGE}").set(W_VAL, state)


def _copy_content(source, tc) -> None:
    """`tc`'s paragraphs replaced by copies of `source`'s (bookmarks left out), or by one empty
    paragraph in the style of its first."""
    old = [p for p in tc if p.tag == W_P]
    if source is None:
        keep = copy.deepcopy(old[0])
        for child in [c for c in keep if c.tag != qn("w:pPr")]:
            keep.remove(child)
        new = [keep]
    else:
        new = [copy.deepcopy(p) for p in source if p.tag == W_P]
        for p in new:
            for b in [*p.iter(W_BOOKMARK_START), *p.iter(W_BOOKMARK_END)]:
                b.getparent().remove(b)
    if any(p.find(f"{W_PPR}/{W_KEEP_NEXT}") is not None for p in old):  # its row stays with the next (keep_prose_together)
        for p in new:
            _keep_with_next(p)
    anchor = old[0]
    for p in new:
        anchor.addprevious(p)
    for p in old:
        tc.remove(p)

