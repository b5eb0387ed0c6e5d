"""Labels on every page: a merged label cell that a page break cuts restarts on the new page with
its text (pages come from LibreOffice; here they are given, and one test asks LibreOffice)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SPECS
from docx import Document
from docx.oxml.ns import qn

from perfgen.build import Job, Options, build
from perfgen.office.office import available as office_available
from perfgen.render.pagination import Breaks, mark_rows, restart_on_new_pages, unmark

HENAN = SPECS / "2020" / "zhengzhou-ziranziyuan.yaml"  # the 河南 indicator table runs over 7 pages
SEED_002 = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"  # 河北 2020: each 项目 on a new page


def rendered(tmp_path):
    return Document(build(Job(HENAN, Path("h")), tmp_path, Options(draft=True)).outputs[0])


def merge_of(tc) -> str:
    vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return "" if vmerge is None else vmerge.get(qn("w:val")) or "continue"


def text_of(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def test_a_merge_cut_by_a_page_break_restarts_with_its_label(tmp_path):
    doc = rendered(tmp_path)
    marks = mark_rows(doc)
    table = max(marks.tables, key=lambda t: len(t.merged))
    (r, c), start = max(table.merged.items(), key=lambda item: item[0][0] - item[1])  # the longest merge's last row
    break_at = (start + r + 1) // 2  # a page break inside it
    pages = {name: 1 if i < break_at else 2 for i, name in enumerate(table.marks)}
    assert restart_on_new_pages(marks, pages)
    tc = table.cells[break_at][c]
    assert merge_of(tc) == "restart" and text_of(tc) == text_of(table.cells[start][c]) != ""
    assert not restart_on_new_pages(marks, pages)  # nothing more to do for the same pages
    assert r > break_at + 1
    moved = {name: 1 if i <= break_at else 2 for i, name in enumerate(table.marks)}  # the page break moved one row down
    assert restart_on_new_pages(marks, moved)
    assert merge_of(tc) == "continue" and text_of(tc) == ""  # the restart is undone …
    assert merge_of(table.cells[break_at + 1][c]) == "restart"  # … and made on the new first row
    # the break moves back and forth with the restarts (a taller row pulls the row above along):
    # the first row that alternates keeps its label from then on, and the rows after it settle
    assert restart_on_new_pages(marks, pages)
    assert restart_on_new_pages(marks, moved)
    assert merge_of(tc) == "restart" and merge_of(table.cells[break_at + 1][c]) == "restart"
    assert not restart_on_new_pages(marks, moved)
    assert not restart_on_new_pages(marks, pages)  # back again: both stay, the page's second row repeats the label
    unmark(marks, Breaks({}))
    assert not [b for b in doc.element.body.iter(qn("w:bookmarkStart")) if b.get(qn("w:name")).startswith("_PgRow")]


@pytest.mark.skipif(not office_available(), reason="LibreOffice is not installed (make system-deps)")
def test_every_page_of_the_henan_indicator_table_shows_its_level1_label(tmp_path):
    from perfgen.office.office import Office

    with Office() as office:
        out = build(Job(HENAN, Path("h")), tmp_path, Options(pdf=True), office).outputs
    pdf = next(p for p in out if p.suffix == ".pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    from perfgen.build import check

    level1 = check(HENAN).computed.framework.level1_names()  # 产出指标 … or 河南's 履职效能 …
    table_pages = [i for i, page in enumerate(pages, 1) if "三级指标" in page]
    assert len(table_pages) >= 5
    for number in table_pages:  # each page of the table, not only the one where the merge starts
        assert any(label in "".join(pages[number - 1].split()) for label in level1), (number, pages[number - 1][:400])


@pytest.mark.skipif(not office_available(), reason="LibreOffice is not installed (make system-deps)")
def test_the_written_appendix_has_its_labels_at_every_page_top_and_nowhere_else(tmp_path):
    """郑州 附表2: restarting the labels on page 8 moves its page break back and forth (the passes
    alternated and stopped in either state); laid out again, the written table is settled."""
    from perfgen.office.office import Office

    drafted = Document(str(next(p for p in build(Job(HENAN, Path("d")), tmp_path, Options(draft=True)).outputs if p.name.endswith("附表2.docx"))))
    continuations = {(table.marks[r], c) for table in mark_rows(drafted).tables for r, c in table.merged}  # (row, cell) as rendered
    with Office() as office:
        out = build(Job(HENAN, Path("h")), tmp_path, Options(), office).outputs
        written = Document(str(next(p for p in out if p.name.endswith("附表2.docx"))))
        marks = mark_rows(written)
        written.save(str(tmp_path / "marked.docx"))
        pages = office.lay_out(tmp_path / "marked.docx", [], marks.runs()).pages
    tops = 0
    for table in marks.tables:
        page = [pages[name] for name in table.marks]
        for r, name in enumerate(table.marks):
            top = r > 0 and page[r] > page[r - 1]
            tops += top
            for c, tc in enumerate(table.cells[r]):
                if (name, c) not in continuations:
                    continue
                if top:
                    assert merge_of(tc) == "restart" and text_of(tc), f"第 {page[r]} 页的第一行缺少标签（第 {r} 行）"
                elif merge_of(tc) == "restart":  # a page's second row only, where its break alternated
                    assert r > 1 and page[r - 1] > page[r - 2], f"第 {page[r]} 页中间重复了标签（第 {r} 行）"
    assert tops >= 5


def test_a_heading_after_a_page_of_few_lines_follows_on_it(tmp_path):
    """承德: each 项目 starts a new page (w:pageBreakBefore on its heading); where the page before
    holds less than a quarter page, the heading follows on it. 第一部分 … (level 1) keep their pages."""
    from perfgen.render.pagination import mark_breaks, relax_breaks

    doc = Document(build(Job(SEED_002, Path("c")), tmp_path, Options(draft=True)).outputs[0])
    breaks = mark_breaks(doc)
    headings = [text_of(p) for p, _ in breaks.paragraphs.values()]
    assert len(headings) == 7 and all("项目" in h for h in headings) and not [h for h in headings if "部分" in h]  # 8 项目, the first after 第三部分
    names = breaks.names()
    height = next(iter(breaks.paragraphs.values()))[1]
    assert 20_000 < height < 25_000  # A4 less GB/T 9704's margins, in 1/100 mm
    assert not relax_breaks(breaks, {name: height // 2 for name in names})
    assert relax_breaks(breaks, {names[1]: height // 10})
    kept = [p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}").get(qn("w:val")) for p, _ in breaks.paragraphs.values()]
    assert kept == [None, "0", None, None, None, None, None]
    unmark(mark_rows(doc), breaks)
    assert not [b for b in doc.element.body.iter(qn("w:bookmarkStart")) if b.get(qn("w:name")).startswith("_PgBrk")]


@pytest.mark.skipif(not office_available() or shutil.which("pdftotext") is None, reason="LibreOffice or poppler is not installed (make system-deps)")
def test_no_page_holds_only_the_last_lines_of_a_project(tmp_path):
    """承德 page 13 held the two last lines of 项目二 (then 项目三 started a new page)."""
    from perfgen.office.office import Office

    with Office() as office:
        out = build(Job(SEED_002, Path("c")), tmp_path, Options(pdf=True), office).outputs
    pdf = next(p for p in out if p.suffix == ".pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    tail = next(i for i, page in enumerate(pages) if "衡量绩效目标指标实现程度而设置的" in "".join(page.split()))
    assert "第三次全国国土调查项目" in "".join(pages[tail].split())
    lines = [len([line for line in page.splitlines() if line.strip()]) for page in pages[1:-1]]  # not the cover, nor the last page
    assert min(count for count, page in zip(lines, pages[1:], strict=False) if "部分" not in page) >= 5, lines


def prose_groups(doc) -> list[tuple[int, int, int]]:
    """(table, first row, last row) of each cell of more than LABEL_CHARACTERS merged down rows."""
    from perfgen.render.pagination import LABEL_CHARACTERS

    groups = []
    for t, tbl in enumerate(doc.element.body.iter(qn("w:tbl"))):
        rows = [[tc for tc in tr if tc.tag == qn("w:tc")] for tr in tbl if tr.tag == qn("w:tr")]
        for r, row in enumerate(rows):
            for c, tc in enumerate(row):
                if merge_of(tc) == "restart" and len(text_of(tc).strip()) > LABEL_CHARACTERS:
                    end = r
                    while end + 1 < len(rows) and c < len(rows[end + 1]) and merge_of(rows[end + 1][c]) == "continue":
                        end += 1
                    groups.append((t, r, end))
    return groups


def test_the_rows_of_merged_prose_and_a_tables_last_two_rows_keep_together(tmp_path):
    doc = rendered(tmp_path)  # 郑州: 指标说明 merged down the rows of a 二级
    groups = [g for g in prose_groups(doc) if g[2] > g[1]]
    assert groups
    tables = list(doc.element.body.iter(qn("w:tbl")))
    for t, first, last in groups:
        rows = [tr for tr in tables[t] if tr.tag == qn("w:tr")]
        for r in range(first, last + 1):
            kept = [p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in rows[r].iter(qn("w:p"))]
            assert all(kept) if r < last else True, (t, r)
    for tbl in tables:  # and a table never ends with one row alone on a page (a 合计 row)
        rows = [tr for tr in tbl if tr.tag == qn("w:tr")]
        if len(rows) > 2:
            assert all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in rows[-2].iter(qn("w:p")))


@pytest.mark.skipif(not office_available(), reason="LibreOffice is not installed (make system-deps)")
@pytest.mark.parametrize("spec", [HENAN, SPECS / "2023" / "jingyan-mata.yaml"], ids=lambda p: p.stem)
def test_merged_prose_is_never_cut_by_a_page_break(tmp_path, spec):
    """Cut, LibreOffice showed the 指标说明 (郑州 page 13) and the 年度目标 (井研 page 1) only in part,
    drawn over the rows below; after the labels have restarted the rows still keep together."""
    from perfgen.office.office import Office

    with Office() as office:
        written = Document(str(build(Job(spec, Path("w")), tmp_path, Options(), office).outputs[0]))
        marks = mark_rows(written)
        written.save(str(tmp_path / "marked.docx"))
        pages = office.lay_out(tmp_path / "marked.docx", [], marks.runs()).pages
    by_table = {int(table.marks[0][len("_PgRow") :].split("_")[0]): table for table in marks.tables}
    groups = [g for g in prose_groups(written) if g[2] > g[1] and g[0] in by_table]
    assert groups
    for t, first, last in groups:
        names = by_table[t].marks
        assert pages[names[first]] == pages[names[last]], (t, first, last)
