"""The 目录: a real Word TOC field whose cached result lists the rendered document's headings.

Runs after rendering, over the document's own headings, so a template only places a TOC field
(`TOC \\o "1-3" …`) and uses heading styles: whatever a layout puts in a heading appears in its
目录, and no heading text is written twice. Each heading gets a deterministic `_Toc…` bookmark;
each entry links to it and carries a `PAGEREF` field. Page numbers, when known (LibreOffice
layout), fill those fields; otherwise the field is marked dirty so office suites update it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree


W_P, W_PPR, W_PSTYLE, W_T, W_VAL = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:t"), qn("w:val")
LEVELS = re.compile(r'\\o\s+"(\d)-(\d)"')
# Elements of w:settings that must follow w:updateFields (ECMA-376 CT_Settings order).
AFTER_UPDATE_FIELDS = [
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema",
    "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
    "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
]  # fmt: skip


@dataclass(frozen=True)
class TocEntry:
    level: int  # 1-based
    text: str
    bookmark: str


def fill_toc(doc: DocxDocument, pages: dict[str, int] | None = None) -> list[TocEntry]:
    """Bookmark every heading and write the TOC field's result; returns the entries.

    Idempotent: run once without `pages` to place the bookmarks, lay the document out, then run
    again with the page of each bookmark. The field is marked dirty unless every page is known.
    """
    body = doc.element.body
    field = _find_toc_field(body)
    if field is None:
        return []
    first_p, last_p, instruction = field
    low, high = _levels(instruction)
    outline = outline_levels(doc)
    region = _paragraphs_between(body, first_p, last_p)
    entries: list[TocEntry] = []
    next_id = max_bookmark_id(body) + 1
    for p, level in _headings(body, outline):
        if p in region or not (low <= level <= high):
            continue
        text = "".join(t.text or "" for t in p.iter(W_T)).strip()
        if not text:
            continue
        name = f"_Toc{len(entries) + 1:06d}"
        if not any(b.get(qn("w:name")) == name for b in p.iter(qn("w:bookmarkStart"))):
            bookmark(p, name, next_id)
            next_id += 1
        entries.append(TocEntry(level, text, name))
    styles = _toc_styles(doc)
    new = [_entry_xml(e, styles.get(e.level), pages) for e in entries] or ['<w:p %s/>' % nsdecls("w")]
    complete = pages is not None and all(e.bookmark in pages for e in entries)
    paragraphs = [parse_xml(x) for x in new]
    _open_field(paragraphs[0], instruction, dirty=not complete)
    paragraphs[-1].append(_run('<w:fldChar w:fldCharType="end"/>'))
    anchor = region[0]
    for p in paragraphs:
        anchor.addprevious(p)
    for p in region:  # a body's paragraphs, or a content control's (LibreOffice saves the 目录 in a w:sdt)
        p.getparent().remove(p)
    _set_update_fields(doc, not complete)
    return entries


def _find_toc_field(body) -> tuple | None:
    """(paragraph with the field's begin, paragraph with its end, instruction text) or None."""
    for instr in body.iter(qn("w:instrText")):
        text = instr.text or ""
        if not text.strip().startswith("TOC"):
            continue
        begin_p = next(a for a in instr.iterancestors(qn("w:p")))
        depth, seen_begin = 0, False
        for p in [begin_p, *begin_p.itersiblings(qn("w:p"))]:
            for fld in p.iter(qn("w:fldChar")):
                kind = fld.get(qn("w:fldCharType"))
                if kind == "begin":
                    depth += 1
                    seen_begin = True
                elif kind == "end":
                    depth -= 1
                    if seen_begin and depth == 0:
                        return begin_p, p, text
        return None
    return None


def _levels(instruction: str) -> tuple[int, int]:
    match = LEVELS.search(instruction)
    return (int(match[1]), int(match[2])) if match else (1, 3)


def outline_levels(doc: DocxDocument) -> dict[str, int]:
    """styleId → 1-based outline level, following basedOn."""
    styles = {s.get(qn("w:styleId")): s for s in doc.styles.element.iter(qn("w:style"))}

    def level(style_id: str, seen: int = 0) -> int | None:
        style = styles.get(style_id)
        if style is None or seen > 10:
            return None
        lvl = style.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if lvl is not None:
            value = int(lvl.get(qn("w:val")))
            return value + 1 if value < 9 else None
        based = style.find(qn("w:basedOn"))
        return level(based.get(qn("w:val")), seen + 1) if based is not None else None

    return {sid: lvl for sid in styles if (lvl := level(sid)) is not None}


def _toc_styles(doc: DocxDocument) -> dict[int, str]:
    result = {}
    for style in doc.styles.element.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        match = re.fullmatch(r"toc (\d)", (name.get(qn("w:val")) if name is not None else "").lower())
        if match:
            result[int(match[1])] = style.get(qn("w:styleId"))
    return result


def _headings(body, outline: dict[str, int]) -> list[tuple]:
    """Each paragraph of `body` whose style has an outline level, with the level, in document
    order: found from the paragraphs' style marks (a table's paragraphs are most of a document's
    and are rarely headings)."""
    found = []
    for style in body.iter(W_PSTYLE):
        level = outline.get(style.get(W_VAL))
        properties = style.getparent()
        if level is not None and properties.tag == W_PPR and properties.getparent().tag == W_P:  # not an earlier style (w:pPrChange)
            found.append((properties.getparent(), level))
    return found


def _paragraphs_between(body, first, last) -> list:
    result = [first]
    if first is last:
        return result
    for p in first.itersiblings():
        if p.tag == qn("w:p"):
            result.append(p)
        if p is last:
            break
    return result


def max_bookmark_id(body) -> int:
    ids = [int(b.get(qn("w:id"))) for b in body.iter(qn("w:bookmarkStart")) if (b.get(qn("w:id")) or "").isdigit()]
    return max(ids, default=0)


def bookmark(p, name: str, bookmark_id: int) -> None:
    """A bookmark around paragraph `p`'s content (after its properties)."""
    start = etree.SubElement(p, qn("w:bookmarkStart"), {qn("w:id"): str(bookmark_id), qn("w:name"): name})
    end = etree.SubElement(p, qn("w:bookmarkEnd"), {qn("w:id"): str(bookmark_id)})
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def _entry_xml(entry: TocEntry, style_id: str | None, pages: dict[str, int] | None) -> str:
    page = str(pages[entry.bookmark]) if pages and entry.bookmark in pages else ""
    style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    return (
        f"<w:p {nsdecls('w')}>{style}"
        f'<w:hyperlink w:anchor="{entry.bookmark}" w:history="1">'
        f"<w:r><w:t xml:space=\"preserve\">{_escape(entry.text)}</w:t></w:r><w:r><w:tab/></w:r>"
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> PAGEREF {entry.bookmark} \\h </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{page}</w:t></w:r>"
        f'<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        f"</w:hyperlink></w:p>"
    )


def _open_field(p, instruction: str, *, dirty: bool) -> None:
    dirty_attr = ' w:dirty="true"' if dirty else ""
    runs = [
        _run(f'<w:fldChar w:fldCharType="begin"{dirty_attr}/>'),
        _run(f'<w:instrText xml:space="preserve">{_escape(instruction)}</w:instrText>'),
        _run('<w:fldChar w:fldCharType="separate"/>'),
    ]
    ppr = p.find(qn("w:pPr"))
    for offset, run in enumerate(runs):
        p.insert((1 if ppr is not None else 0) + offset, run)


def _run(inner: str):
    return parse_xml(f"<w:r {nsdecls('w')}>{inner}</w:r>")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _set_update_fields(doc: DocxDocument, on: bool) -> None:
    settings = doc.settings.element
    for old in settings.findall(qn("w:updateFields")):
        settings.remove(old)
    if not on:
        return
    element = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    successor = next((c for c in settings if etree.QName(c).localname in AFTER_UPDATE_FIELDS), None)
    if successor is not None:
        successor.addprevious(element)
    else:
        settings.append(element)
