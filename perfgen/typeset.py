"""Safeguards on a rendered document that no template can express, because they depend on what
text the spec put where: tall rows, and punctuation that needs the East Asian font.

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

import math

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

LINE_HEIGHT = 1.6  # × font size
LONG_RUN = 60  # characters: a cell holding a run this long is measured
MANY_PARAGRAPHS = 6  # so is a cell with more paragraphs than this
DEFAULT_SIZE = Pt(10.5)  # 五号, when neither the paragraph's style nor the defaults say
CELL_MARGINS = Twips(2 * 108)  # Word's default left and right cell margins
NARROW_CELL = Twips(567)  # a cell whose width is not stated is taken to be 1 cm wide

W_TC, W_P, W_T = qn("w:tc"), qn("w:p"), qn("w:t")
CANT_SPLIT = f"{qn('w:trPr')}/{qn('w:cantSplit')}"
CELL_WIDTH = f"{qn('w:tcPr')}/{qn('w:tcW')}"
PARAGRAPH_STYLE = f"{qn('w:pPr')}/{qn('w:pStyle')}"
W_VAL, W_W, W_TYPE = qn("w:val"), qn("w:w"), qn("w:type")
W_R, W_HINT = qn("w:r"), qn("w:hint")
AMBIGUOUS = frozenset("“”‘’—…·")  # punctuation whose width Unicode leaves to the font


def mark_east_asian_punctuation(docx: DocxDocument) -> None:
    """Give each run holding “ ” ‘ ’ — … · the East Asian font hint: Unicode leaves these to the
    font, and without the hint Word sets them in the Latin font (narrow Times New Roman quotes, a
    short dash) where a Chinese document has them full width."""
    for t in docx.element.body.iter(W_T):
        if t.text and not AMBIGUOUS.isdisjoint(t.text):
            r = t.getparent()
            if r.tag == W_R:
                r.get_or_add_rPr().get_or_add_rFonts().set(W_HINT, "eastAsia")


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


def _cell_height(tc, sizes: dict[str | None, int]) -> int:
    width = _cell_width(tc)
    height = 0
    for p in tc.iter(W_P):
        style = p.find(PARAGRAPH_STYLE)
        size = sizes.get(style.get(W_VAL) if style is not None else None, sizes[None])
        height += max(1, math.ceil(sum(map(len, p.itertext(W_T))) * size / width)) * size * LINE_HEIGHT
    return int(height)


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
