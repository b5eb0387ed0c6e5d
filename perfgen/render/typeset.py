"""Safeguards on a rendered document that no template can express, because they depend on what
text the spec put where: columns too narrow for their labels, tall rows, and punctuation that
needs the East Asian font.

A column of a form is as wide as its author made it in Word, unless that is too narrow for what the
spec put into it: a label of up to five characters (一级指标, 满意度指标, 百分比, 符号) or a number
(10428.504909, ≥90%) on one line, a longer text at least four characters a line — never
`服务/对象/满意/度指/标`; a longer text with punctuation is as wide as it takes for its lines to
break only after the punctuation (`满意度指标/（个）`, not `满意度指/标（个）`; `其中：财政资金` on one
line, not `其中：财政资/金`), when that is no wider than BREAK_AT_PUNCTUATION characters and the
form has the room for it (else four characters a line). The missing width is taken from the columns that have more than their text
needs (long prose), in proportion to what they can spare; the table keeps its width. A table too
dense for that (a portrait form of nine columns) first gets narrower cell margins (1 mm).

Templates keep every table row on one page (`w:cantSplit`): an indicator row broken across a page
is hard to read. But Word cuts off a row kept whole that is taller than the page (python-docx
#1366), losing text. So a row whose text could fill three quarters of a page is allowed to break.

Only cells with a long run of text or many paragraphs are measured (a 1,000-project document has
70,000 cells). A cell's height is estimated from its text: every character as wide as the font
size (a Latin letter or digit is narrower), lines 1.6 times the font size (CJK fonts set
single-spaced lines 1.3 to 1.5 times their size) — on the generous side, so that a row Word would
cut off is not missed.
"""

from __future__ import annotations

import itertools
import math
import unicodedata

from docx.document import Document as DocxDocument
from docx.oxml.ns import nsmap, qn
from docx.shared import Pt, Twips
from lxml import etree

LINE_HEIGHT = 1.6  # × font size
ONE_PAGE = 0.6  # of a page's text height: a document estimated shorter surely fits on one page
LONG_RUN = 60  # characters: a cell holding a run this long is measured
MANY_PARAGRAPHS = 6  # so is a cell with more paragraphs than this
DEFAULT_SIZE = Pt(10.5)  # 五号, when neither the paragraph's style nor the defaults say
CELL_MARGINS = Twips(2 * 108)  # Word's default left and right cell margins
NARROW_CELL = Twips(567)  # a cell whose width is not stated is taken to be 1 cm wide

SHORT = 5  # characters: a text this short stays on one line
PER_LINE = 4  # characters a line a longer text gets at least
BREAK_AT_PUNCTUATION = 8  # characters: a text's line no wider, to break only at its punctuation
OPENING = frozenset("（(《“‘[【")  # a line may break before these …
CLOSING = frozenset("）)》”’]】：:，,、；;。")  # … and after these (and spaces)
SLACK = 0.25  # em added to what a text needs: LibreOffice wraps a line that fills its cell exactly
TWIPS_PER_EMU = 635
NARROW_MARGINS = 2 * 57  # twips: a dense table's left and right cell margins (1 mm each)
EDGE_SLACK = 12  # twips: how far an editor's rounding moves a column edge

W_TC, W_P, W_T = qn("w:tc"), qn("w:p"), qn("w:t")
W_TBL, W_TR, W_GRID_COL = qn("w:tbl"), qn("w:tr"), qn("w:gridCol")
GRID = f"{qn('w:tblGrid')}"
TABLE_MARGINS = f"{qn('w:tblPr')}/{qn('w:tblCellMar')}"
CANT_SPLIT = f"{qn('w:trPr')}/{qn('w:cantSplit')}"
CELL_WIDTH = f"{qn('w:tcPr')}/{qn('w:tcW')}"
W_TCW = qn("w:tcW")
PARAGRAPH_STYLE = f"{qn('w:pPr')}/{qn('w:pStyle')}"
W_VAL, W_W, W_TYPE = qn("w:val"), qn("w:w"), qn("w:type")
W_RFONTS, W_EAST_ASIA = qn("w:rFonts"), qn("w:eastAsia")
W_R, W_HINT = qn("w:r"), qn("w:hint")
# One line a table (T), row (R), cell (C and its gridSpan) and cell paragraph (P, its style, a tab,
# the text of its runs): each table's own rows, each row's own cells, each cell's own paragraphs —
# a table in a cell is a table of its own. Line breaks and tabs in a text become spaces (the same
# to measuring: both are narrow, both separate words).
CELL_TEXTS = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:w="{nsmap['w']}">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/"><xsl:for-each select="//w:tbl">T<xsl:text>&#10;</xsl:text><xsl:for-each select="w:tr">R<xsl:text>&#10;</xsl:text>
<xsl:for-each select="w:tc">C<xsl:value-of select="translate(w:tcPr/w:gridSpan/@w:val, '&#9;&#10;&#13;', '   ')"/><xsl:text>&#10;</xsl:text>
<xsl:for-each select="w:p">P<xsl:value-of select="translate(w:pPr/w:pStyle/@w:val, '&#9;&#10;&#13;', '   ')"/><xsl:text>&#9;</xsl:text>
<xsl:for-each select=".//w:t"><xsl:value-of select="translate(., '&#9;&#10;&#13;', '   ')"/></xsl:for-each><xsl:text>&#10;</xsl:text>
</xsl:for-each></xsl:for-each></xsl:for-each></xsl:for-each></xsl:template>
</xsl:stylesheet>"""
    )
)
AMBIGUOUS = frozenset("“”‘’—…·")  # punctuation whose width Unicode leaves to the font


def complete_font_table(docx: DocxDocument) -> None:
    """List in the font table each East Asian font the styles name (仿宋_GB2312, 黑体 …) with the
    GB2312 character set: Word and WPS substitute a font a machine lacks by it. LibreOffice saves a
    template with only the fonts it has, so without this a document made from such a template
    would lose them."""
    part = next((p for p in docx.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None or not hasattr(part, "_blob"):
        return
    named = sorted({f.get(W_EAST_ASIA) for f in docx.styles.element.iter(W_RFONTS) if f.get(W_EAST_ASIA)})
    table = etree.fromstring(part.blob)
    listed = {font.get(qn("w:name")) for font in table.iterchildren(qn("w:font"))}
    missing = [name for name in named if name not in listed]
    if not missing:
        return
    for name in missing:
        font = etree.SubElement(table, qn("w:font"), {qn("w:name"): name})
        for tag, value in (("w:charset", "86"), ("w:family", "auto"), ("w:pitch", "variable")):
            etree.SubElement(font, qn(tag), {qn("w:val"): value})
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)  # noqa: SLF001 - python-docx keeps an unparsed part as its bytes


def mark_east_asian_punctuation(docx: DocxDocument) -> None:
    """Give each run holding “ ” ‘ ’ — … · the East Asian font hint: Unicode leaves these to the
    font, and without the hint Word sets them in the Latin font (narrow Times New Roman quotes, a
    short dash) where a Chinese document has them full width."""
    for t in docx.element.body.iter(W_T):
        if t.text and not AMBIGUOUS.isdisjoint(t.text):
            r = t.getparent()
            if r.tag == W_R:
                r.get_or_add_rPr().get_or_add_rFonts().set(W_HINT, "eastAsia")


def fit_columns(docx: DocxDocument) -> None:
    """Widen each column too narrow for its cells' text (see the module's doc), narrowing the
    columns with room to spare. Tables of one form (one after the other, only empty paragraphs
    between, the same grid) are fitted together, so their columns stay in line; tables whose rows
    do not fill their grid are left as they are."""
    body = docx.element.body
    sizes = _style_sizes(docx)
    cache: dict[tuple[str, int], tuple[int, int, int, int]] = {}
    forms = _forms(body)  # (which may put a form's tables on one grid: before their cells are read)
    read = dict(zip(body.iter(W_TBL), _tables(body), strict=True))
    for form in forms:
        widths = _grid(form[0])
        cells = [cell for tbl in form for cell in _cells(read[tbl], len(widths))]
        if any(cell is None for cell in cells):
            continue
        margins = min(_table_margins(tbl) for tbl in form)
        tight, loose, plain_tight, plain_loose = _needs(cells, len(widths), sizes, cache)  # what the text needs, without and with SLACK
        if not _fits(widths, tight, min(margins, NARROW_MARGINS)):  # no room to break labels at their punctuation only
            tight, loose = plain_tight, plain_loose
        if margins > NARROW_MARGINS and not _fits(widths, loose, margins):
            margins = NARROW_MARGINS
            for tbl in form:
                _set_margins(tbl, NARROW_MARGINS // 2)
        share = max((f / 8 for f in range(9) if _fits(widths, _between(tight, loose, f / 8), margins)), default=0)  # as much SLACK as fits
        need = _between(tight, loose, share)
        fitted = _fitted(widths, [n + margins for n in need])
        if fitted == widths:
            continue
        for tbl in form:
            for col, width in zip(tbl.find(GRID).iterchildren(W_GRID_COL), fitted, strict=True):
                col.set(W_W, str(width))
        for (c, span, _), stated in zip(cells, (w for tbl in form for w in _stated_widths(tbl)), strict=True):
            if stated is not None:
                stated.set(W_W, str(sum(fitted[c : c + span])))
                stated.set(W_TYPE, "dxa")


def _needs(cells: list, columns: int, sizes: dict[str | None, int], cache: dict) -> tuple[list[int], ...]:
    """Twips each column's text needs on a line, exactly and with SLACK (cells of one column):
    with labels broken after their punctuation, and at four characters a line."""
    needs = [[0] * columns for _ in range(4)]
    for c, span, paragraphs in cells:
        if span == 1:
            for need, value in zip(needs, _wanted(paragraphs, sizes, cache), strict=True):
                need[c] = max(need[c], value)
    return tuple(needs)


def _stated_widths(tbl) -> list:
    """The w:tcW (or None) of each of `tbl`'s own cells, in order: found in one walk through the
    table, not by a lookup per cell (a table inside a cell is skipped)."""
    inner = {el for nested in tbl.iterdescendants(W_TBL) for el in nested.iter(W_TC, W_TCW)}
    widths: list = []
    cell = None
    for el in tbl.iter(W_TC, W_TCW):
        if inner and el in inner:
            continue
        if el.tag == W_TC:
            widths.append(None)
            cell = el
        elif el.getparent().getparent() is cell:  # the cell's own w:tcPr/w:tcW
            widths[-1] = el
    return widths


Paragraphs = list[tuple[str, str]]  # a cell's own paragraphs: their style, their text


def _tables(body) -> list[list[list[tuple[str, Paragraphs]]]]:
    """Every table in `body` (in document order, tables in cells too): its rows, each a list of
    its cells (gridSpan, paragraphs). Read by one XSLT pass, in C: a 1,000-project document has
    100,000 cells, and a few lookups per cell from Python would cost seconds."""
    tables: list = []
    for line in str(CELL_TEXTS(body)).split("\n"):
        kind, rest = line[:1], line[1:]
        if kind == "P":
            style, _, text = rest.partition("\t")
            tables[-1][-1][-1][1].append((style, text))
        elif kind == "C":
            tables[-1][-1].append((rest, []))
        elif kind == "R":
            tables[-1].append([])
        elif kind == "T":
            tables.append([])
    return tables


def _cells(rows: list[list[tuple[str, Paragraphs]]], columns: int) -> list:
    """(first grid column, columns spanned, paragraphs) of every cell of a table's `rows`; None
    at the end when a row does not fill the grid's `columns`."""
    cells: list = []
    for row in rows:
        c = 0
        for span, paragraphs in row:
            n = int(span) if span.isdigit() else 1
            cells.append((c, n, paragraphs))
            c += n
        if c != columns:
            return [*cells, None]
    return cells


def _forms(body) -> list[list]:
    """The tables to fit, each form's together: runs of tables with the same grid and nothing
    but empty paragraphs between them (a table inside a cell is a form of its own)."""
    forms: list[list] = []
    last = None  # the previous table, while only empty paragraphs follow it
    for tbl in body.iter(W_TBL):
        grid = _grid(tbl)
        if len(grid) < 2:
            continue
        sibling = tbl.getprevious()
        while sibling is not None and sibling is not last and sibling.tag == W_P and not "".join(sibling.itertext(W_T)).strip():
            sibling = sibling.getprevious()
        common = _common_grid(_grid(last), grid) if last is not None and sibling is last else None
        if common is not None:
            for one in (*forms[-1], tbl):
                _regrid(one, common)
            forms[-1].append(tbl)
        else:
            forms.append([tbl])
        last = tbl
    return forms


def _edges(grid: list[int]) -> list[int]:
    return list(itertools.accumulate(grid, initial=0))


def _common_grid(a: list[int], b: list[int]) -> list[int] | None:
    """The grid of two tables of one form: theirs when equal; else, when they are as wide and
    one's column edges are all the other's, the finer grid (LibreOffice saves each table with only
    the grid columns its own cells use, so a form's tables no longer share one); else None."""
    if a == b:
        return a
    first, second = _edges(a), _edges(b)
    if not a or not b or abs(first[-1] - second[-1]) > EDGE_SLACK:
        return None
    coarse, fine = (first, second) if len(first) <= len(second) else (second, first)
    if any(all(abs(e - x) > EDGE_SLACK for x in fine) for e in coarse):
        return None  # each has edges the other lacks: two forms side by side, not one form regridded
    return [right - left for left, right in itertools.pairwise(fine)]


def _regrid(tbl, grid: list[int]) -> None:
    """`tbl` on `grid`, a grid with all of its column edges and more: each cell spans the new
    columns between its edges."""
    old = _grid(tbl)
    if old == grid:
        return
    new_edges = _edges(grid)
    at = [min(range(len(new_edges)), key=lambda i, e=e: abs(new_edges[i] - e)) for e in _edges(old)]  # old edge → new edge
    for tr in tbl.iterchildren(W_TR):
        column = 0
        properties = tr.find(qn("w:trPr"))
        before = properties.find(qn("w:gridBefore")) if properties is not None else None
        if before is not None:
            column = int(before.get(W_VAL, "0"))
            before.set(W_VAL, str(at[column]))
        for tc in tr.iterchildren(W_TC):
            span_element = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            span = int(span_element.get(W_VAL, "1")) if span_element is not None else 1
            end = min(column + span, len(at) - 1)
            wanted = at[end] - at[column]
            if wanted > 1:
                if span_element is None:
                    span_element = etree.Element(qn("w:gridSpan"))
                    _cell_properties(tc).insert(_span_position(_cell_properties(tc)), span_element)
                span_element.set(W_VAL, str(wanted))
            elif span_element is not None:
                span_element.getparent().remove(span_element)
            column = end
    grid_element = tbl.find(GRID)
    for col in list(grid_element.iterchildren(W_GRID_COL)):
        grid_element.remove(col)
    for width in grid:
        etree.SubElement(grid_element, W_GRID_COL).set(W_W, str(width))


def _cell_properties(tc):
    properties = tc.find(qn("w:tcPr"))
    if properties is None:
        properties = etree.Element(qn("w:tcPr"))
        tc.insert(0, properties)
    return properties


def _span_position(properties) -> int:
    """Where w:gridSpan goes in w:tcPr: after cnfStyle and tcW (the schema's order)."""
    return sum(1 for c in properties if c.tag in (qn("w:cnfStyle"), qn("w:tcW")))


def _grid(tbl) -> list[int]:
    """The widths (twips) of `tbl`'s grid columns; [] when they are not all stated."""
    grid = tbl.find(GRID)
    cols = [c.get(W_W) or "" for c in grid.iterchildren(W_GRID_COL)] if grid is not None else []
    return [int(w) for w in cols] if all(w.isdigit() for w in cols) else []


def _between(tight: list[int], loose: list[int], share: float) -> list[int]:
    return [t + round((lo - t) * share) for t, lo in zip(tight, loose, strict=True)]


def _fits(widths: list[int], need: list[int], margins: int) -> bool:
    """Whether the columns can all have what they `need` (the roomy ones giving down to theirs)."""
    return sum(n + margins for n in need) <= sum(widths)


def _fitted(widths: list[int], need: list[int]) -> list[int]:
    """`widths` with every column below its `need` raised (as far as the others can spare), the
    total kept: each column with room gives in proportion to its room."""
    short = sum(max(0, n - w) for w, n in zip(widths, need, strict=True))
    room = [max(0, w - n) for w, n in zip(widths, need, strict=True)]
    if short == 0 or sum(room) == 0:
        return widths
    taken = min(short, sum(room))
    given = taken / short
    fitted = [w + round((n - w) * given) if n > w else w - (r * taken) // sum(room) for w, n, r in zip(widths, need, room, strict=True)]
    fitted[max(range(len(fitted)), key=lambda i: room[i])] += sum(widths) - sum(fitted)  # rounding: the roomiest column
    return fitted


def _wanted(paragraphs: Paragraphs, sizes: dict[str | None, int], cache: dict[tuple[str, int], tuple[int, int, int, int]]) -> tuple[int, ...]:
    """Twips the text of a cell's paragraphs needs on a line (see the module's doc): exactly, and
    with SLACK; breaking labels after their punctuation, then at PER_LINE characters."""
    wanted = (0, 0, 0, 0)
    for style, text in paragraphs:
        text = text.strip()
        if not text:
            continue
        size = sizes.get(style or None, sizes[None]) // TWIPS_PER_EMU
        key = (text, size)
        if key not in cache:
            ems = [1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text]
            one_word = len(text) <= SHORT or not any(e == 1.0 or ch.isspace() for ch, e in zip(text, ems, strict=True))
            punctuated, plain = (sum(ems), sum(ems)) if one_word else (_line_ems(text, ems), min(sum(ems), PER_LINE))
            cache[key] = tuple(math.ceil(width * size + slack) for width in (punctuated, plain) for slack in (0, size * SLACK))
        wanted = tuple(map(max, wanted, cache[key]))
    return wanted


def _line_ems(text: str, ems: list[float]) -> float:
    """The width (ems) of a line that a text longer than SHORT gets: PER_LINE characters, or, when
    the text has punctuation (or spaces) to break at, the narrowest width up to
    BREAK_AT_PUNCTUATION whose greedy wrap breaks there only."""
    breaks = {i for i in range(1, len(text)) if text[i - 1] in CLOSING or text[i] in OPENING or text[i].isspace() or text[i - 1].isspace()}
    floor = min(sum(ems), PER_LINE)
    if not breaks:
        return floor
    at = list(itertools.accumulate(ems, initial=0.0))  # the width before each character
    cuts = [0, *sorted(breaks), len(text)]
    widths = {at[j] - at[i] for i in cuts for j in cuts if j > i}  # of each stretch between two breaks
    for width in sorted(w for w in widths if floor <= w <= BREAK_AT_PUNCTUATION):
        if _breaks_at(ems, width, breaks):
            return width
    return floor


def _breaks_at(ems: list[float], width: float, breaks: set[int]) -> bool:
    """Whether filling lines of `width` ems character by character breaks only at `breaks`."""
    line = 0.0
    for i, em in enumerate(ems):
        if line and line + em > width + 1e-9:
            if i not in breaks:
                return False
            line = 0.0
        line += em
    return True


def _table_margins(tbl) -> int:
    """Twips of a cell's left and right margins in `tbl` (Word's default where it says none)."""
    stated = tbl.find(TABLE_MARGINS)
    sides = [stated.find(qn(f"w:{side}")) for side in ("left", "right")] if stated is not None else []
    if len(sides) == 2 and all(side is not None and (side.get(W_W) or "").isdigit() for side in sides):
        return sum(int(side.get(W_W)) for side in sides)
    return CELL_MARGINS // TWIPS_PER_EMU


def _set_margins(tbl, twips: int) -> None:
    """`tbl`'s left and right cell margins set to `twips` (top and bottom as they were)."""
    tbl_pr = tbl.find(qn("w:tblPr"))
    old = tbl_pr.find(qn("w:tblCellMar"))
    margins = tbl_pr.makeelement(qn("w:tblCellMar"), {})
    for side in ("top", "left", "bottom", "right"):  # the schema's order
        if side in ("left", "right"):
            margins.append(margins.makeelement(qn(f"w:{side}"), {W_W: str(twips), W_TYPE: "dxa"}))
        elif old is not None and old.find(qn(f"w:{side}")) is not None:
            margins.append(old.find(qn(f"w:{side}")))
    if old is not None:
        old.addprevious(margins)
        tbl_pr.remove(old)
        return
    later = next((c for c in tbl_pr if c.tag in (qn("w:tblLook"), qn("w:tblCaption"), qn("w:tblDescription"))), None)
    if later is None:
        tbl_pr.append(margins)
    else:
        later.addprevious(margins)


def let_tall_rows_split(docx: DocxDocument) -> None:
    """Remove `cantSplit` from each row with a cell that may be taller than three quarters of a page."""
    body = docx.element.body
    crowded = {next(t.iterancestors(W_TC), None) for t in body.iter(W_T) if len(t.text or "") >= LONG_RUN}
    crowded.update(tc for tc in body.iter(W_TC) if len(tc) > MANY_PARAGRAPHS)  # w:tcPr + paragraphs
    crowded.discard(None)  # long text outside tables
    if not crowded:
        return
    limit = min(s.page_height - s.top_margin - s.bottom_margin for s in docx.sections) * 3 // 4
    sizes = _style_sizes(docx)
    for tc in crowded:
        kept = tc.getparent().find(CANT_SPLIT)
        if kept is not None and _cell_height(tc, sizes) > limit:
            kept.getparent().remove(kept)


def one_page(docx: DocxDocument) -> bool:
    """Whether the document surely fits on one page: its paragraphs and table rows (each as
    tall as its tallest cell), estimated generously (see the module's doc), fill less than
    ONE_PAGE of its first page. Such a document has no merged label cut by a page break."""
    section = docx.sections[0]
    limit = (section.page_height - section.top_margin - section.bottom_margin) * ONE_PAGE
    width = section.page_width - section.left_margin - section.right_margin
    sizes = _style_sizes(docx)
    height = 0
    for child in docx.element.body.iterchildren(W_P, W_TBL):
        if child.tag == W_P:
            height += _paragraph_height(child, sizes, width)
        else:
            for tr in child.iter(W_TR):
                height += max((_cell_height(tc, sizes) for tc in tr.iterchildren(W_TC)), default=0)
        if height > limit:
            return False
    return True


def _paragraph_height(p, sizes: dict[str | None, int], width: int) -> int:
    style = p.find(PARAGRAPH_STYLE)
    size = sizes.get(style.get(W_VAL) if style is not None else None, sizes[None])
    return int(max(1, math.ceil(sum(map(len, p.itertext(W_T))) * size / width)) * size * LINE_HEIGHT)


def _cell_height(tc, sizes: dict[str | None, int]) -> int:
    width = _cell_width(tc)
    return sum(_paragraph_height(p, sizes, width) for p in tc.iter(W_P))


def _cell_width(tc) -> int:
    stated = tc.find(CELL_WIDTH)
    if stated is None or stated.get(W_TYPE) not in (None, "dxa"):
        return NARROW_CELL
    return max(Twips(int(stated.get(W_W, "0"))) - CELL_MARGINS, NARROW_CELL)


def _style_sizes(docx: DocxDocument) -> dict[str | None, int]:
    """Font size (EMU) of every paragraph style, inherited through `basedOn`; None: the default
    paragraph style's."""
    styles = docx.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}
    default_sz = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    fallback = Pt(int(default_sz.get(W_VAL)) / 2) if default_sz is not None else DEFAULT_SIZE

    def size(style_id: str | None, depth: int = 0) -> int:
        style = by_id.get(style_id)
        if style is None or depth > 20:
            return fallback
        sz = style.find(f"{qn('w:rPr')}/{qn('w:sz')}")
        if sz is not None:
            return Pt(int(sz.get(W_VAL)) / 2)
        based_on = style.find(qn("w:basedOn"))
        return size(based_on.get(W_VAL), depth + 1) if based_on is not None else fallback

    sizes: dict[str | None, int] = {style_id: size(style_id) for style_id in by_id}
    normal = next((i for i, s in by_id.items() if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) == "1"), None)
    sizes[None] = sizes.get(normal, fallback)
    return sizes
