"""A DOCX as reviewable text: its paragraphs with their style names, its tables as grids with
merge marks, its sections' page set-up, and its headers' and footers' text.

What Word or LibreOffice rewrites on saving (style ids, run splits, rsids, widths, the order of
attributes, a 目录 wrapped in a content control) does not show; what a reader of the form would
notice (a paragraph's text or style, a table's cells and merges, the page orientation) does. Tests
compare templates and rendered documents in this form instead of bytes, so a template edited in
Word keeps the tests meaningful.

    ¶ 标题 1 | 第一部分
    ▦ 3 columns, header rows 1
    | 一级指标 | 二级指标 ⟷2 |
    | {{ row.一级 }} ⇡ | …
    § portrait 11906×16838

A cell spanning k grid columns ends in ⟷k; a cell that continues the merge above reads ⇡;
the paragraphs of a cell are joined by ⏎.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

W_P, W_TBL, W_SDT, W_SECTPR = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sectPr")
W_T, W_TAB, W_BR, W_INSTR, W_FLDCHAR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:instrText"), qn("w:fldChar")


def outline(source: Path | DocxDocument) -> str:
    """The reviewable text of a DOCX file or document (one line per paragraph, table row, section)."""
    document = docx.Document(str(source)) if isinstance(source, Path) else source
    styles = list(document.styles.element.iter(qn("w:style")))
    names: dict[str | None, str] = {s.get(qn("w:styleId")): _style_name(s) for s in styles}
    names[None] = next((_style_name(s) for s in styles if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")), "normal")
    lines: list[str] = []
    for section in document.sections:
        for kind, part in (("header", section.header), ("footer", section.footer)):
            if not part.is_linked_to_previous:
                text = " ⏎ ".join(filter(None, (_text(p) for p in part._element.iter(W_P))))
                lines.append(f"{kind}: {text}")
    _block(document.element.body, names, lines)
    return "\n".join(lines) + "\n"


def _block(parent, names: dict[str | None, str], lines: list[str]) -> None:
    carried = ""  # a page break ending a paragraph starts the next one (LibreOffice writes pageBreakBefore so)
    for child in parent:
        if child.tag == W_P:
            style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            name = names.get(style.get(qn("w:val")), "?") if style is not None else names.get(None, "normal")
            before = "⤓" if child.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None else carried
            text = before + _text(child)
            carried = "⤓" if text.endswith("⤓") and len(text) > 1 else ""
            lines.append(f"¶ {name} | {text.removesuffix(carried) if carried else text}".rstrip())
            section = child.find(f"{qn('w:pPr')}/{W_SECTPR}")
            if section is not None:
                lines.append(_section(section))
            continue
        carried = ""
        if child.tag == W_TBL:
            _table(child, lines)
        elif child.tag == W_SDT:  # a content control (LibreOffice keeps the 目录 in one): its content
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _block(content, names, lines)
        elif child.tag == W_SECTPR:
            lines.append(_section(child))


def _table(table, lines: list[str]) -> None:
    rows = table.findall(qn("w:tr"))
    grid = [list(_cells(row)) for row in rows]
    used = sorted({edge for row in grid for start, end, _ in row for edge in (start, end)})  # an editor drops the others
    header = sum(1 for r in rows if r.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None)
    lines.append(f"▦ {max(len(used) - 1, 0)} columns" + (f", header rows {header}" if header else ""))
    for row in grid:
        cells = []
        for start, end, text in row:
            span = used.index(end) - used.index(start)
            cells.append(f"{text} ⟷{span}".strip() if span > 1 else text)
        lines.append("| " + " | ".join(cells) + " |")


def _cells(row) -> Iterator[tuple[int, int, str]]:
    """(first grid column, column after it, text) of each cell of `row`."""
    before = row.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}")
    column = int(before.get(qn("w:val"), "0")) if before is not None else 0
    for cell in row.findall(qn("w:tc")):
        properties = cell.find(qn("w:tcPr"))
        span = properties.find(qn("w:gridSpan")) if properties is not None else None
        merge = properties.find(qn("w:vMerge")) if properties is not None else None
        text = " ⏎ ".join(_text(p) for p in cell.iter(W_P)).strip()
        if merge is not None and merge.get(qn("w:val"), "continue") == "continue":
            text = f"{text} ⇡".strip()
        width = int(span.get(qn("w:val"), "1")) if span is not None else 1
        yield column, column + width, text
        column += width


def _section(properties) -> str:
    size = properties.find(qn("w:pgSz"))
    if size is None:
        return "§"
    width, height = size.get(qn("w:w")), size.get(qn("w:h"))
    orientation = "landscape" if width and height and int(width) > int(height) else "portrait"
    return f"§ {orientation} {width}×{height}"


def _text(paragraph) -> str:
    """The paragraph's text, a page break as ⤓, a field as {its instruction} without the result
    it caches when the field ends in the paragraph (a page number); the entries of a 目录 (a field
    over several paragraphs) stay."""
    texts: list[list[str]] = [[]]  # the paragraph's text, then the result of each field open in it
    states: list[str] = []  # each open field: "code" until its separator, then "result"
    for node in paragraph.iter(W_T, W_TAB, W_BR, W_INSTR, W_FLDCHAR):
        if node.tag == W_FLDCHAR:
            kind = node.get(qn("w:fldCharType"))
            if kind == "begin":
                states.append("code")
                texts.append([])
            elif kind == "separate" and states:
                states[-1] = "result"
            elif kind == "end" and states:
                states.pop()
                texts.pop()
        elif node.tag == W_INSTR:
            if (node.text or "").strip():
                texts[-2 if states and states[-1] == "code" else -1].append("{" + _instruction(node.text or "") + "}")
        elif node.tag == W_T:
            texts[-1].append(node.text or "")
        elif node.tag == W_TAB:
            texts[-1].append("\t")
        elif node.tag == W_BR and node.get(qn("w:type")) == "page":
            texts[-1].append("⤓")
    return "".join(piece for text in texts for piece in text)


def _instruction(text: str) -> str:
    """A field instruction with its switches in a fixed order (editors reorder them)."""
    name, *switches = text.split("\\")
    return " ".join([name.strip(), *sorted("\\" + " ".join(s.split()) for s in switches)])


def _style_name(style) -> str:
    name = style.find(qn("w:name"))
    return (name.get(qn("w:val")) if name is not None else style.get(qn("w:styleId"))).lower()  # Word writes "heading 1", LibreOffice "Heading 1"
