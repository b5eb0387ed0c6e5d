"""Author the built-in layouts' template.docx files (run: python tools/make_templates.py).

The templates are ordinary .docx files a person can open and edit in Word; this script is how
the built-in ones are made, so that their shared GB/T 9704 page set-up and styles are written once
and changes stay reviewable as text. It writes reproducibly (same script → same bytes); a test
checks the committed templates are up to date.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from perfgen.layout import read_layout  # noqa: E402
from perfgen.write import docx_bytes  # noqa: E402

LATIN = "Times New Roman"
FANGSONG, HEITI, KAITI, XIAOBIAOSONG, SONGTI = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
BODY_PT, LINE_PT = 16, 28.95  # 3号; 22 lines on the 225 mm type area
TEXT_WIDTH_MM = 210 - 28 - 26
TEXT_WIDTH_LANDSCAPE_MM = 297 - 25 - 25
FIXED_TIME = datetime(2020, 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------
# Styles and page set-up shared by every layout (GB/T 9704-2012)


# The order ECMA-376 gives the children of these properties (Word repairs a document out of it).
SCHEMA_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
    "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em "
    "lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
    "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
}


def _put(parent, xml: str) -> None:
    """Set the property `xml` in `parent` (pPr, rPr, tblPr, tcPr): it replaces one of the same
    name and goes where the schema puts it."""
    child = parse_xml(re.sub(r"^<(w:\w+)", rf'<\1 {nsdecls("w")}', xml, count=1))
    order = SCHEMA_ORDER[parent.tag.split("}")[1]].split()
    name = child.tag.split("}")[1]
    for old in parent.findall(child.tag):
        parent.remove(old)
    later = next((c for c in parent if c.tag.split("}")[1] in order and order.index(c.tag.split("}")[1]) > order.index(name)), None)
    if later is None:
        parent.append(child)
    else:
        later.addprevious(child)


def _fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    _put(rpr, f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>')


def _style(doc, name: str, *, base: str | None = "Normal", font: str = FANGSONG, size: float = BODY_PT, bold: bool = False,
           align=None, indent_chars: int = 0, line_pt: float | None = LINE_PT, outline: int | None = None,
           before: float = 0, after: float = 0, keep_next: bool = False):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base and name != base:
        style.base_style = styles[base]
    style.hidden = False
    style.quick_style = True
    rpr = style.element.get_or_add_rPr()
    for child in list(rpr):
        rpr.remove(child)
    _fonts(rpr, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    _put(rpr, '<w:color w:val="000000"/>')
    ppr = style.element.get_or_add_pPr()
    for child in list(ppr):
        ppr.remove(child)
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line_pt:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.alignment = align
    fmt.keep_with_next = keep_next
    fmt.widow_control = True
    _put(ppr, f'<w:ind w:firstLineChars="{indent_chars * 100}" w:firstLine="{int(indent_chars * size * 20)}"/>')
    if outline is not None:
        _put(ppr, f'<w:outlineLvl w:val="{outline}"/>')
    return style


def _defaults(doc) -> None:
    rpr_default = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    for child in list(rpr_default):
        rpr_default.remove(child)
    _fonts(rpr_default, FANGSONG)
    _put(rpr_default, f'<w:sz w:val="{BODY_PT * 2}"/>')
    _put(rpr_default, '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>')


def base_document(title: str = "{{ doc.部门 }}{{ doc.年度 }}年绩效文本", author: str = "{{ doc.部门 }}", *, front_page: bool = False):
    """A4 portrait, GB/T 9704 margins, styles with East Asian fonts, page numbers 「— 1 —」 (not on
    the first page when it is a `front_page`: a cover or the 目录); `title` (a template) becomes the
    document's title property, the 编制单位 its author."""
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.comments, props.subject, props.keywords = title, author, "", "", ""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    _defaults(doc)
    _style(doc, "Normal", base=None, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2)
    _style(doc, "Heading 1", font=XIAOBIAOSONG, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, outline=0, line_pt=36, before=6, after=6, keep_next=True)
    _style(doc, "Heading 2", font=HEITI, indent_chars=2, outline=1, keep_next=True)
    _style(doc, "Heading 3", font=FANGSONG, bold=True, indent_chars=2, outline=2, keep_next=True)
    _style(doc, "条目标题", font=KAITI, indent_chars=2, keep_next=True)
    _style(doc, "小标题1", font=KAITI, indent_chars=2, keep_next=True)
    _style(doc, "小标题2", font=FANGSONG, bold=True, indent_chars=2, keep_next=True)
    _style(doc, "小标题3", font=FANGSONG, indent_chars=2, keep_next=True)
    _style(doc, "封面标题", font=XIAOBIAOSONG, size=26, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=44)
    _style(doc, "封面署名", font=KAITI, size=18, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=36)
    _style(doc, "目录标题", font=XIAOBIAOSONG, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=30, after=6)
    tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{int(TEXT_WIDTH_MM / 25.4 * 1440) - 10}"/></w:tabs>'
    for level in (1, 2, 3):
        style = _style(doc, f"toc {level}", base="Normal", size=BODY_PT, indent_chars=0, align=WD_ALIGN_PARAGRAPH.LEFT)  # the body's size and lines
        style.paragraph_format.left_indent = Pt(BODY_PT * 2 * (level - 1))
        _put(style.element.get_or_add_pPr(), tab)
    _style(doc, "表格标题", font=XIAOBIAOSONG, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=36)
    _style(doc, "表格副标题", font=KAITI, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    _style(doc, "表格文字", font=FANGSONG, size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=None)
    _style(doc, "附表编号", font=HEITI, align=WD_ALIGN_PARAGRAPH.LEFT, line_pt=None)
    _style(doc, "表格数字", base="表格文字", font=FANGSONG, size=10.5, align=WD_ALIGN_PARAGRAPH.RIGHT, line_pt=None)
    _style(doc, "表格正文", base="表格文字", font=FANGSONG, size=10.5, align=WD_ALIGN_PARAGRAPH.LEFT, line_pt=None)
    _style(doc, "表格间隔", font=FANGSONG, size=1, line_pt=1)  # between two tables of one form: Word would join adjacent tables
    _put(doc.styles["表格间隔"].element.get_or_add_pPr(), '<w:spacing w:before="0" w:after="0" w:line="1" w:lineRule="exact"/>')  # a twip: the two rules meet as one
    _style(doc, "页码", base=None, font=SONGTI, size=14, line_pt=None)
    _page_numbers(doc, front_page)
    return doc


def _page_numbers(doc, front_page: bool) -> None:
    """Odd pages right, even pages left, one character in from the edge; none on a front page (a
    form's first page is numbered like the pages after it)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = front_page
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["页码"]
        p.alignment = align
        _put(p._p.get_or_add_pPr(), f'<w:ind w:{side}="280"/>')
        p.add_run("— ")
        _field(p, "PAGE", "1")
        p.add_run(" —")
    if front_page:
        section.first_page_footer.is_linked_to_previous = False


def _field(p, instruction: str, result: str) -> None:
    for xml in (
        '<w:fldChar w:fldCharType="begin"/>',
        f'<w:instrText xml:space="preserve"> {instruction} </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>',
        f"<w:t>{result}</w:t>",
        '<w:fldChar w:fldCharType="end"/>',
    ):
        p._p.append(parse_xml(f'<w:r {nsdecls("w")}>{xml}</w:r>'))


# ---------------------------------------------------------------------------------------------
# Building blocks


def para(doc, text: str = "", style: str = "Normal", *, page_break: bool = False):
    p = doc.add_paragraph(text, style=style)
    if page_break:
        p.paragraph_format.page_break_before = True
    return p


def tag(doc, text: str) -> None:
    """A paragraph holding only a docxtpl block tag ({%p … %}); it disappears when rendered."""
    doc.add_paragraph(text, style="Normal")


def toc_field(doc, *, page_break: bool = True) -> None:
    para(doc, "目录", "目录标题", page_break=page_break)
    p = para(doc, "", "toc 1")
    _field(p, 'TOC \\o "1-3" \\h \\z \\u', "（请更新目录）")


def table(doc, widths_mm: list[float], rows: int):
    t = doc.add_table(rows=rows, cols=len(widths_mm))
    t.style = doc.styles["Table Grid"]
    t.autofit = False
    tblpr = t._tbl.tblPr
    _put(tblpr, f'<w:tblW w:w="{int(sum(widths_mm) / 25.4 * 1440)}" w:type="dxa"/>')
    _put(tblpr, '<w:jc w:val="center"/>')
    _put(tblpr, '<w:tblLayout w:type="fixed"/>')
    for i, width in enumerate(widths_mm):
        t.columns[i].width = Mm(width)
        for cell in t.columns[i].cells:
            cell.width = Mm(width)
    for row in t.rows:
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        for cell in row.cells:
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            cell.paragraphs[0].style = doc.styles["表格文字"]
    return t


def header_rows(t, count: int) -> None:
    """Repeat the first `count` rows on every page and keep them with the row that follows."""
    for row in t.rows[:count]:
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    keep_with_next(t.rows[:count])


def keep_with_next(rows) -> None:
    for row in rows:
        for c in row.cells:
            for p in c.paragraphs:
                p.paragraph_format.keep_with_next = True


def cell(t, r: int, c: int, text: str, *, to: tuple[int, int] | None = None, style: str = "表格文字"):
    target = t.cell(r, c).merge(t.cell(*to)) if to else t.cell(r, c)
    for extra in target.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    p = target.paragraphs[0]
    p.text = text
    p.style = t.part.document.styles[style]
    return target


def indicator_rows(t, header: int, rows: str, cells: list[str], text_columns: tuple[int, ...]) -> None:
    """After `header` repeated header rows: one table row per item of `rows` (derived indicator
    rows), 一级/二级 merged down their groups; `cells` fill the columns after 一级/二级;
    `text_columns` (0-based) hold long, left-aligned text."""
    header_rows(t, header)
    loop_row(t, header, f"{{%tr for row in {rows} %}}")
    cells = ["{% vmerge row.一级.merge %}{{ row.一级 }}", "{% vmerge row.二级.merge %}{{ row.二级 }}", *cells]
    for c, text in enumerate(cells):
        cell(t, header + 1, c, text, style="表格正文" if c in text_columns else "表格文字")
    loop_row(t, header + 2, "{%tr endfor %}")


def loop_row(t, r: int, text: str) -> None:
    """Turn row r into a docxtpl row tag ({%tr … %}); the row disappears when rendered."""
    first = t.rows[r].cells[0]
    first.paragraphs[0].text = text


def save(doc, path: Path) -> None:
    _prune(doc)
    _hygiene(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docx_bytes(doc, FIXED_TIME))


# The fonts the styles use, as Word writes them in the font table (GB2312 character set), with the
# names Windows knows the same designs by.
FONT_TABLE = ((SONGTI, "SimSun"), (HEITI, "SimHei"), (FANGSONG, "仿宋"), (KAITI, "楷体"), (XIAOBIAOSONG, ""))
JAPANESE_FONTS = ("ＭＳ 明朝", "ＭＳ ゴシック")  # what python-docx's default template brings


def _hygiene(doc) -> None:
    """What python-docx's default template (Word 2010 for Mac, Japanese fonts) leaves, made a
    Chinese Word 2013+ document: compatibility mode 15, East Asian language zh-CN, the theme's East
    Asian font 宋体 and no Japanese script fonts, the font table with the styles' Chinese fonts,
    the 目录 styles Word's own (so F9 keeps their format), and an app.xml that claims nothing."""
    settings = doc.settings.element
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    for lang in settings.iter(qn("w:themeFontLang")):
        lang.set(qn("w:eastAsia"), "zh-CN")
    for style in doc.styles.element.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None and re.fullmatch(r"toc \d", name.get(qn("w:val"), "")):
            style.attrib.pop(qn("w:customStyle"), None)
            _put_style(style, "uiPriority", '<w:uiPriority w:val="39"/>')
            _put_style(style, "unhideWhenUsed", "<w:unhideWhenUsed/>")
    for part in doc.part.package.iter_parts():
        name = str(part.partname)
        if name.startswith("/word/theme/"):
            xml = part.blob.decode("utf-8")
            xml = re.sub(r'<a:font script="Jpan" typeface="[^"]*"/>', "", xml).replace('<a:ea typeface=""/>', f'<a:ea typeface="{SONGTI}"/>')
            part._blob = xml.encode("utf-8")
        elif name == "/word/fontTable.xml":
            xml = part.blob.decode("utf-8")
            for font in JAPANESE_FONTS:
                xml = re.sub(rf'<w:font w:name="{font}">.*?</w:font>', "", xml, flags=re.DOTALL)
            ours = "".join(
                f'<w:font w:name="{font}">{f"<w:altName w:val={chr(34)}{alt}{chr(34)}/>" if alt else ""}<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
                for font, alt in FONT_TABLE
            )
            part._blob = xml.replace("</w:fonts>", f"{ours}</w:fonts>").encode("utf-8")
        elif name == "/docProps/app.xml":
            xml = re.sub(r"<AppVersion>[^<]*</AppVersion>", "", part.blob.decode("utf-8"))
            part._blob = re.sub(r"<Application>[^<]*</Application>", "<Application>perfgen</Application>", xml).encode("utf-8")


STYLE_ORDER = "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat locked".split()


def _put_style(style, name: str, xml: str) -> None:
    """A style's `name` element (uiPriority, unhideWhenUsed …) where the schema puts it."""
    if style.find(qn(f"w:{name}")) is None:
        before = {qn(f"w:{n}") for n in STYLE_ORDER[: STYLE_ORDER.index(name)]}
        anchor = [c for c in style if c.tag in before][-1]
        anchor.addnext(parse_xml(re.sub(r"^<(w:\w+)", rf'<\1 {nsdecls("w")}', xml, count=1)))


STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def _prune(doc) -> None:
    """Drop what python-docx's default template brings and no layout uses: about a hundred table
    styles (345 KB of styles.xml, parsed by every render and imported by LibreOffice for every
    document, a tenth of its time) and Word 2010's second copy of all styles."""
    styles = doc.styles.element
    table_styles = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style")) if s.get(qn("w:type")) == "table"}
    wanted = [ref.get(qn("w:val")) for part in doc.part.package.iter_parts() if hasattr(part, "element") for ref in part.element.iter(qn("w:tblStyle"))]
    used: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in table_styles and style_id not in used:
            used.add(style_id)
            based_on = table_styles[style_id].find(qn("w:basedOn"))
            wanted += [based_on.get(qn("w:val"))] if based_on is not None else []
    for style_id, style in table_styles.items():
        if style_id not in used and style.get(qn("w:default")) != "1":
            styles.remove(style)
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            del doc.part.rels[rid]


# ---------------------------------------------------------------------------------------------
# 河北-2020: 绩效文本 with cover, 目录 and three parts (seed 002)

INDICATOR_WIDTHS = [12, 14, 23, 31, 13, 11, 14, 38]  # 一级 二级 三级 描述 符号 值 单位 依据


def each_on_a_new_page(doc, items: str, text: str, style: str) -> None:
    """Open a loop over `items` (as `p`) whose every element but the first starts a new page with
    the paragraph `text`."""
    tag(doc, f"{{%p for p in {items} %}}")
    tag(doc, "{%p if loop.first %}")
    para(doc, text, style)
    tag(doc, "{%p else %}")
    para(doc, text, style, page_break=True)
    tag(doc, "{%p endif %}")


def hebei_2020_project(doc, items: str) -> None:
    each_on_a_new_page(doc, items, "{{ p.序号 }}{{ p.标题 }}", "Heading 2")
    para(doc, "1、绩效目标表", "Heading 3")
    head = table(doc, INDICATOR_WIDTHS, 7)
    cell(head, 0, 0, "项目名称", to=(0, 1))
    cell(head, 0, 2, "{{ p.名称 }}", to=(0, 3))
    cell(head, 0, 4, "项目负责人及电话", to=(0, 6))
    cell(head, 0, 7, "{{ p.负责人 }}")
    cell(head, 1, 0, "主管部门", to=(1, 1))
    cell(head, 1, 2, "{{ p.主管部门 }}", to=(1, 3))
    cell(head, 1, 4, "实施单位", to=(1, 6))
    cell(head, 1, 7, "{{ p.实施单位 }}")
    cell(head, 2, 0, "资金情况（万元）", to=(4, 1))
    for r, label, value in ((2, "年度资金总额：", "预算数"), (3, "其中：财政拨款", "财政拨款"), (4, "其他资金", "其他资金")):
        cell(head, r, 2, label, to=(r, 3))
        cell(head, r, 4, f"{{{{ p.{value} }}}}", to=(r, 7))
    cell(head, 5, 0, "总体目标", to=(6, 1))
    cell(head, 5, 2, "年度目标", to=(5, 7))
    cell(head, 6, 2, "{{ p.年度目标 }}", to=(6, 7), style="表格正文")
    para(doc, "", "表格间隔")
    body = table(doc, INDICATOR_WIDTHS, 5)
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "绩效指标描述"]):
        cell(body, 0, c, label, to=(1, c))
    cell(body, 0, 4, "指标值", to=(0, 6))
    cell(body, 0, 7, "指标值确定依据", to=(1, 7))
    for c, label in ((4, "符号"), (5, "值"), (6, "单位")):
        cell(body, 1, c, label)
    value = ["{{ row.符号 }}", "{{ row.值 }}", "{{ row.单位 }}"]
    indicator_rows(body, 2, "p.绩效指标", ["{{ row.名称 }}", "{{ row.描述 }}", *value, "{{ row.依据 }}"], (3, 7))
    para(doc, "2、绩效目标指标情况说明", "Heading 3")
    tag(doc, "{%p for block in p.情况说明 %}")
    tag(doc, "{%p if block.层级 == 1 %}")
    para(doc, "{{ block.内容 }}", "小标题1")
    tag(doc, "{%p elif block.层级 == 2 %}")
    para(doc, "{{ block.内容 }}", "小标题2")
    tag(doc, "{%p elif block.层级 == 3 %}")
    para(doc, "{{ block.内容 }}", "小标题3")
    tag(doc, "{%p else %}")
    para(doc, "{{ block.内容 }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def numbered_paragraphs(doc, items: str) -> None:
    """Numbered items that are one paragraph, or a title line followed by a paragraph."""
    tag(doc, f"{{%p for item in {items} %}}")
    tag(doc, "{%p if item.标题 %}")
    para(doc, "{{ item.序号 }}{{ item.标题 }}", "条目标题")
    para(doc, "{{ item.内容 }}")
    tag(doc, "{%p else %}")
    para(doc, "{{ item.序号 }}{{ item.内容 }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")


def part_one(doc, title: str) -> None:
    """第一部分 of the 河北 forms: 总体绩效目标, numbered 分项绩效目标, numbered 工作保障措施."""
    para(doc, "第一部分", "Heading 1", page_break=True)
    para(doc, title, "Heading 1")
    para(doc, "一、总体绩效目标", "Heading 2")
    tag(doc, "{%p for text in doc.总体绩效目标 %}")
    para(doc, "{{ text }}")
    tag(doc, "{%p endfor %}")
    para(doc, "二、分项绩效目标", "Heading 2")
    tag(doc, "{%p for item in doc.分项绩效目标 %}")
    para(doc, "{{ item.序号 }}{{ item.标题 }}", "条目标题")
    para(doc, "绩效目标：{{ item.绩效目标 }}")
    tag(doc, "{%p if item.绩效指标 %}")
    para(doc, "绩效指标：{{ item.绩效指标 }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    para(doc, "三、工作保障措施", "Heading 2")
    numbered_paragraphs(doc, "doc.工作保障措施")


def hebei_2020():
    doc = base_document(author="{{ doc.编制单位 }}", front_page=True)  # the cover
    title = para(doc, "{{ doc.部门 }}", "封面标题")
    title.paragraph_format.space_before = Pt(150)
    para(doc, "{{ doc.年度 }}年绩效文本", "封面标题")
    signed = para(doc, "{{ doc.编制单位 }}编制", "封面署名")
    signed.paragraph_format.space_before = Pt(260)
    para(doc, "{{ doc.审核单位 }}审核", "封面署名")
    toc_field(doc)

    part_one(doc, "{{ doc.年度 }}年部门整体绩效目标")

    para(doc, "第二部分", "Heading 1", page_break=True)
    para(doc, "专项资金绩效目标", "Heading 1")
    tag(doc, "{%p if doc.专项资金 %}")
    hebei_2020_project(doc, "doc.专项资金")
    tag(doc, "{%p else %}")
    para(doc, "我部门{{ doc.年度 }}年无专项资金预算，特此说明。")
    tag(doc, "{%p endif %}")

    para(doc, "第三部分", "Heading 1", page_break=True)
    para(doc, "预算项目绩效目标", "Heading 1")
    hebei_2020_project(doc, "doc.项目")
    return doc


# ---------------------------------------------------------------------------------------------
# 河北-2022: 部门整体绩效目标 and one 绩效目标表 per project (seed 004)

HEAD_WIDTHS_2022 = [28] + [128 / 12] * 12  # a label column, then 12 narrow columns for 2/3/4-way splits
INDICATOR_WIDTHS_2022 = [18, 20, 28, 40, 20, 30]  # 一级 二级 三级 描述 指标值 依据


def no_borders(row) -> None:
    for c in row.cells:
        _put(c._tc.get_or_add_tcPr(), '<w:tcBorders><w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="nil"/></w:tcBorders>')


def hebei_2022_project(doc) -> None:
    tag(doc, "{%p for p in doc.项目 %}")
    para(doc, "{{ p.序号 }}{{ p.名称 }}绩效目标表", "Heading 2", page_break=True)
    head = table(doc, HEAD_WIDTHS_2022, 7)
    cell(head, 0, 0, "{{ doc.单位编码 }}{{ doc.单位名称 }}", to=(0, 8), style="表格正文")
    cell(head, 0, 9, "单位：万元", to=(0, 12)).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    no_borders(head.rows[0])
    cell(head, 1, 0, "项目编码")
    cell(head, 1, 1, "{{ p.编码 }}", to=(1, 5))
    cell(head, 1, 6, "项目名称", to=(1, 7))
    cell(head, 1, 8, "{{ p.名称 }}", to=(1, 12))
    cell(head, 2, 0, "预算规模及资金用途", to=(3, 0))
    for c, text in enumerate(["预算数", "{{ p.预算数 }}", "其中：财政资金", "{{ p.财政资金 }}", "其他资金", "{{ p.其他资金 }}"]):
        cell(head, 2, 1 + 2 * c, text, to=(2, 2 + 2 * c))
    cell(head, 3, 1, "{{ p.用途 }}", to=(3, 12), style="表格正文")
    cell(head, 4, 0, "资金支出计划（%）", to=(5, 0))
    for c, month in enumerate(["3月底", "6月底", "10月底", "12月底"]):
        cell(head, 4, 1 + 3 * c, month, to=(4, 3 + 3 * c))
        cell(head, 5, 1 + 3 * c, f'{{{{ p.支出计划["{month}"] }}}}', to=(5, 3 + 3 * c))
    cell(head, 6, 0, "绩效目标")
    goals = cell(head, 6, 1, "{%p for g in p.绩效目标 %}", to=(6, 12), style="表格正文")
    goals.add_paragraph("{{ g.序号 }}{{ g.内容 }}", style="表格正文")
    goals.add_paragraph("{%p endfor %}", style="表格正文")
    para(doc, "", "表格间隔")
    body = table(doc, INDICATOR_WIDTHS_2022, 4)
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]):
        cell(body, 0, c, label)
    cells = ["{{ row.名称 }}", "{{ row.描述 }}", "{{ row.指标值 }}", "{{ row.依据 }}"]
    indicator_rows(body, 1, "p.绩效指标", cells, (3, 5))
    tag(doc, "{%p endfor %}")


def hebei_2022():
    doc = base_document(front_page=True)  # the 目录
    toc_field(doc, page_break=False)
    part_one(doc, "部门整体绩效目标")
    hebei_2022_project(doc)
    return doc


# ---------------------------------------------------------------------------------------------
# 河南-部门整体: 市级部门整体绩效目标申报表, landscape, one continuous table (seed 000)

TASK_WIDTHS = [30, 22, 123, 24, 24, 24]  # row heading, 任务名称, 主要内容, 合计, 其中：财政资金, 备注
DEPARTMENT_INDICATOR_WIDTHS = [22, 30, 62, 22, 45, 66]  # 一级 二级 三级 指标值 指标解释 指标说明


def landscape(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(28), Mm(25)
    section.left_margin, section.right_margin = Mm(25), Mm(25)
    section.footer_distance = Mm(12)


def henan_department():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年度部门整体绩效目标申报表")
    landscape(doc)
    para(doc, "市级部门整体绩效目标申报表", "表格标题")
    para(doc, "（{{ doc.年度 }}年度）", "表格副标题")
    form = table(doc, TASK_WIDTHS, 9)  # 部门名称, 年度总体目标 and 年度主要任务: one table, as on the form
    cell(form, 0, 0, "部门名称")
    cell(form, 0, 1, "{{ doc.部门 }}", to=(0, 5), style="表格正文")
    loop_row(form, 1, "{%tr for goal in doc.年度总体目标 %}")
    cell(form, 2, 0, "{% vm %}年度总体目标")
    cell(form, 2, 1, "{{ goal.序号 }}{{ goal.内容 }}", to=(2, 5), style="表格正文")
    loop_row(form, 3, "{%tr endfor %}")
    cell(form, 4, 0, "年度主要任务", to=(5, 0))
    cell(form, 4, 1, "任务名称", to=(5, 1))
    cell(form, 4, 2, "主要内容", to=(5, 2))
    cell(form, 4, 3, "预算资金", to=(4, 5))
    for c, label in ((3, "合计"), (4, "其中：财政资金"), (5, "备注")):
        cell(form, 5, c, label)
    keep_with_next(form.rows[4:6])  # the task heading is not a repeated header row: only the form's first rows could be
    loop_row(form, 6, "{%tr for task in doc.年度主要任务 %}")
    task_cells = ['{% vmerge "continue" %}', "{{ task.序号 }}", "{{ task.主要内容 }}", "{{ task.合计 }}", "{{ task.财政资金 }}", "{{ task.备注 }}"]
    for c, text in enumerate(task_cells):
        cell(form, 7, c, text, style="表格正文" if c == 2 else "表格文字")
    loop_row(form, 8, "{%tr endfor %}")
    para(doc, "", "表格间隔")  # the indicator table repeats its header row on every page, so it is a table of its own
    body = table(doc, DEPARTMENT_INDICATOR_WIDTHS, 4)
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "指标值", "指标解释", "指标说明"]):
        cell(body, 0, c, label)
    cells = [
        "{{ row.名称 }}",
        "{{ row.指标值 }}",
        "{% vmerge row.解释.merge %}{{ row.解释 }}",
        "{% vmerge row.说明.merge %}{{ row.说明 }}",
    ]
    indicator_rows(body, 1, "doc.绩效指标", cells, (4, 5))
    return doc


# ---------------------------------------------------------------------------------------------
# 附表: one landscape table per declared table, its columns (and their widths) taken from layout.yaml


APPENDIX_STYLES = {"text": "表格文字", "money": "表格数字", "count": "表格文字", "number": "表格数字", "percent": "表格文字", "value": "表格文字"}


def appendix(spec):
    """An appendix template: label, title, department line, then the table `t` (a
    perfgen.tables.Table) as `declared_table` lays it out."""
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年{{ t.编号 }}{{ t.标题 }}")
    landscape(doc)
    para(doc, "{{ t.编号 }}", "附表编号")
    para(doc, "{{ t.标题 }}", "表格标题")
    para(doc, "{{ doc.部门 }}　{{ doc.年度 }}年度　{{ t.单位 }}", "表格副标题")
    declared_table(doc, spec, "t")
    return doc


def declared_table(doc, spec, t_name: str, width_mm: float = TEXT_WIDTH_LANDSCAPE_MM):
    """A table declared in layout.yaml, with one column per declared column, each cell addressing
    its column by name (`row["项目名称"]`); an `each` column repeats with docxtpl's {%tc for %};
    the 合计 row above or below the rows, as declared. `t_name` is how the template reaches the
    table (`t` in an appendix, `tables.申报表` in a main document)."""
    spans = [3 if column.each else 1 for column in spec.columns]  # {%tc for %} | repeated cell | {%tc endfor %}
    unit = width_mm / sum(column.width * n for column, n in zip(spec.columns, spans, strict=True))
    widths = [column.width * unit for column, n in zip(spec.columns, spans, strict=True) for _ in range(n)]
    t = table(doc, widths, 7 if spec.total else 4)
    header_rows(t, 1)
    top = bool(spec.total and spec.total.top)  # the 合计 row above the rows (rows 1–3), else below (4–6)
    body, total = (4, 1) if top else (1, 4)
    loop_row(t, body, f"{{%tr for row in {t_name}.行 %}}")
    loop_row(t, body + 2, "{%tr endfor %}")
    if spec.total:
        loop_row(t, total, f"{{%tr if {t_name}.合计 %}}")
        loop_row(t, total + 2, "{%tr endif %}")
    c = 0
    for column in spec.columns:
        name = column.name
        style = APPENDIX_STYLES[column.kind] if column.kind != "text" or column.width < 20 else "表格正文"
        if column.each:
            for r, items in ((0, f'{t_name}.列["{name}"]'), (body + 1, f'row["{name}"]'), *(((total + 1, f'{t_name}.合计["{name}"]'),) if spec.total else ())):
                cell(t, r, c, f"{{%tc for item in {items} %}}")
                cell(t, r, c + 1, "{{ item }}", style="表格文字")
                cell(t, r, c + 2, "{%tc endfor %}")
            c += 3
            continue
        cell(t, 0, c, column.title.text)
        shown = f'{{{{ row["{name}"] }}}}'
        cell(t, body + 1, c, f'{{% vmerge row["{name}"].merge %}}{shown}' if column.merge else shown, style=style)
        if spec.total:
            cell(t, total + 1, c, f'{{{{ {t_name}.合计["{name}"] }}}}', style=APPENDIX_STYLES[column.kind])
        c += 1
    return t


# ---------------------------------------------------------------------------------------------
# 全国-项目支出: 项目支出绩效目标申报表 (财预〔2015〕88号), 中期 / 年度 side by side (六安 2024)

NATIONAL_WIDTHS = [22, 13, 20, 24, 18, 20, 22, 17]  # label, 一级, 二级 三级 指标值 (中期), 二级 三级 指标值 (年度)


def national_project():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年项目支出绩效目标申报表")
    each_on_a_new_page(doc, "doc.项目", "项目支出绩效目标申报表", "表格标题")
    para(doc, "（{{ doc.年度 }}年度）", "表格副标题")
    t = table(doc, NATIONAL_WIDTHS, 13)
    cell(t, 0, 0, "项目责任人（签字）：", to=(0, 3), style="表格正文")
    cell(t, 0, 4, "单位（盖章）：", to=(0, 7), style="表格正文")
    no_borders(t.rows[0])
    cell(t, 1, 0, "项目名称")
    cell(t, 1, 1, "{{ p.名称 }}", to=(1, 7), style="表格正文")
    cell(t, 2, 0, "主管部门及代码")
    cell(t, 2, 1, "{% if p.主管部门代码 %}[{{ p.主管部门代码 }}]{% endif %}{{ p.主管部门 }}", to=(2, 3))
    cell(t, 2, 4, "实施单位")
    cell(t, 2, 5, "{{ p.实施单位 }}", to=(2, 7))
    cell(t, 3, 0, "项目属性")
    cell(t, 3, 1, "{{ p.项目属性 }}", to=(3, 3))
    cell(t, 3, 4, "项目期")
    cell(t, 3, 5, "{{ p.项目期 }}", to=(3, 7))
    cell(t, 4, 0, "项目资金（万元）", to=(6, 0))
    for r, (label, middle, annual) in enumerate(
        (("资金总额：", "中期资金.资金总额", "年度资金总额"), ("其中：财政拨款", "中期资金.财政拨款", "财政拨款"), ("其他资金", "中期资金.其他资金", "其他资金")), 4
    ):
        cell(t, r, 1, ("中期" if r == 4 else "") + label, to=(r, 2))
        cell(t, r, 3, f"{{{{ p.{middle} }}}}", style="表格数字")
        cell(t, r, 4, ("年度" if r == 4 else "") + label, to=(r, 5))
        cell(t, r, 6, f"{{{{ p.{annual} }}}}", to=(r, 7), style="表格数字")
    cell(t, 7, 0, "总体目标", to=(8, 0))
    cell(t, 7, 1, "中期目标（{{ doc.年度 }}年—{{ p.中期末年 }}年）", to=(7, 4))
    cell(t, 7, 5, "年度目标", to=(7, 7))
    cell(t, 8, 1, "{{ p.中期目标 }}", to=(8, 4), style="表格正文")
    cell(t, 8, 5, "{{ p.年度目标 }}", to=(8, 7), style="表格正文")
    cell(t, 9, 0, '{% vmerge "restart" %}绩效指标')
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"], 1):
        cell(t, 9, c, label)
    loop_row(t, 10, "{%tr for row in p.绩效指标 %}")
    cells = [
        '{% vmerge "continue" %}', "{% vmerge row.一级.merge %}{{ row.一级 }}", "{% vmerge row.二级.merge %}{{ row.二级 }}", "{{ row.名称 }}",
        "{{ row.中期指标值 }}", "{% vmerge row.二级.merge %}{{ row.二级 }}", "{{ row.名称 }}", "{{ row.指标值 }}",
    ]  # fmt: skip
    for c, text in enumerate(cells):
        cell(t, 11, c, text, style="表格正文" if c in (3, 6) else "表格文字")
    loop_row(t, 12, "{%tr endfor %}")
    tag(doc, "{%p endfor %}")
    return doc


# ---------------------------------------------------------------------------------------------
# 一体化-项目: the whole 部门 in the declared table 申报表 (井研 2023), landscape


def yitihua_project():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年度部门预算项目绩效目标申报表")
    landscape(doc)
    para(doc, "部门预算项目绩效目标申报表（{{ doc.年度 }}年度）", "表格标题")
    unit = para(doc, "{{ tables.申报表.单位 }}", "表格正文")
    unit.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    declared_table(doc, read_layout(ROOT / "templates" / "yitihua-project").tables["申报表"], "tables.申报表")
    return doc


# ---------------------------------------------------------------------------------------------
# 全国-项目自评: 项目支出绩效自评表 (财预〔2020〕10号), one table per project (池州 2022)

SELFEVAL_WIDTHS = [16, 13, 15, 24, 18, 17, 10, 19, 24]  # 绩效指标, 一级, 二级, 三级, 指标值, 实际完成值, 分值, 得分, 偏差原因


def national_selfeval():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年项目支出绩效自评表")
    each_on_a_new_page(doc, "doc.项目", "项目支出绩效自评表", "表格标题")
    para(doc, "（{{ doc.年度 }}年度）", "表格副标题")
    t = table(doc, SELFEVAL_WIDTHS, 14)
    cell(t, 0, 0, "项目名称")
    cell(t, 0, 1, "{{ p.名称 }}", to=(0, 8), style="表格正文")
    cell(t, 1, 0, "主管部门")
    cell(t, 1, 1, "{% if p.主管部门代码 %}{{ p.主管部门代码 }}-{% endif %}{{ p.主管部门 }}", to=(1, 4), style="表格正文")
    cell(t, 1, 5, "实施单位", to=(1, 6))
    cell(t, 1, 7, "{{ p.实施单位 }}", to=(1, 8), style="表格正文")
    cell(t, 2, 0, "项目资金（万元）", to=(6, 0))
    for c, label in enumerate(["年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"], 3):
        cell(t, 2, c, label)
    cell(t, 2, 1, "", to=(2, 2))
    sources = (
        ("年度资金总额", "年度资金总额", "合计", "{{ p.执行率分值 }}", "{{ p.执行率 }}", "{{ p.执行率得分 }}"),
        ("其中：当年财政拨款", "财政拨款", "当年财政拨款", "—", "{{ p.财政拨款执行率 }}", "—"),
        ("上年结转资金", "", "上年结转资金", "—", "{{ p.结转资金执行率 }}", "—"),
        ("其他资金", "其他资金", "其他资金", "—", "{{ p.其他资金执行率 }}", "—"),
    )  # fmt: skip
    for r, (label, initial, source, points, rate, score) in enumerate(sources, 3):
        cell(t, r, 1, label, to=(r, 2))
        cell(t, r, 3, f"{{{{ p.{initial} }}}}" if initial else "", style="表格数字")
        cell(t, r, 4, f"{{{{ p.全年预算数.{source} }}}}", style="表格数字")
        cell(t, r, 5, f"{{{{ p.全年执行数.{source} }}}}", style="表格数字")
        cell(t, r, 6, points)
        cell(t, r, 7, rate)
        cell(t, r, 8, score)
    cell(t, 7, 0, "年度总体目标", to=(8, 0))
    cell(t, 7, 1, "预期目标", to=(7, 4))
    cell(t, 7, 5, "实际完成情况", to=(7, 8))
    cell(t, 8, 1, "{{ p.年度目标 }}", to=(8, 4), style="表格正文")
    cell(t, 8, 5, "{{ p.实际完成情况 }}", to=(8, 8), style="表格正文")
    cell(t, 9, 0, '{% vmerge "restart" %}绩效指标')
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"], 1):
        cell(t, 9, c, label)
    loop_row(t, 10, "{%tr for row in p.绩效指标 %}")
    cells = [
        '{% vmerge "continue" %}', "{% vmerge row.一级.merge %}{{ row.一级 }}（{{ row.一级分值 }}分）", "{% vmerge row.二级.merge %}{{ row.二级 }}",
        "{{ row.名称 }}", "{{ row.指标值 }}", "{{ row.实际完成值 }}", "{{ row.分值 }}", "{{ row.得分 }}", "{{ row.偏差原因分析及改进措施 }}",
    ]  # fmt: skip
    for c, text in enumerate(cells):
        cell(t, 11, c, text, style="表格正文" if c in (3, 8) else "表格文字")
    loop_row(t, 12, "{%tr endfor %}")
    cell(t, 13, 0, "总分", to=(13, 5))
    cell(t, 13, 6, "100")
    cell(t, 13, 7, "{{ p.总分 }}")
    cell(t, 13, 8, "自评等级：{{ p.等级 }}")
    para(doc, "注：执行率得分 = 执行率 × 10 分（100% 为限）；定量指标按实际完成值与指标值之比计分，定性指标按达成（80%–100%）、部分达成（60%–80%）、未达成（60% 以下）的分数区间计分；得分四舍五入保留两位小数。", "表格正文")
    tag(doc, "{%p endfor %}")
    return doc


# ---------------------------------------------------------------------------------------------
# 全国-项目监控: 项目支出绩效目标执行监控表 (财预〔2019〕136号), one table per project, landscape (黄石 2019)

MONITORING_WIDTHS = [20, 14, 16, 26, 18, 22, 20, 12, 12, 12, 12, 12, 24, 15, 12]
REASONS = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")


def national_monitoring():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年项目支出绩效目标执行监控表")
    landscape(doc)
    each_on_a_new_page(doc, "doc.项目", "项目支出绩效目标执行监控表", "表格标题")
    para(doc, "（{{ doc.年度 }}年度）", "表格副标题")
    unit = para(doc, "单位：万元", "表格正文")
    unit.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    months = "1-{{ doc.监控截止月 }}月"
    t = table(doc, MONITORING_WIDTHS, 15)
    cell(t, 0, 0, "项目名称")
    cell(t, 0, 1, "{{ p.名称 }}", to=(0, 14), style="表格正文")
    cell(t, 1, 0, "主管部门及代码")
    cell(t, 1, 1, "{% if p.主管部门代码 %}[{{ p.主管部门代码 }}]{% endif %}{{ p.主管部门 }}", to=(1, 5), style="表格正文")
    cell(t, 1, 6, "实施单位", to=(1, 8))
    cell(t, 1, 9, "{{ p.实施单位 }}", to=(1, 14), style="表格正文")
    cell(t, 2, 0, "项目资金", to=(5, 0))
    cell(t, 2, 1, "", to=(2, 3))
    for (a, b), label in zip(((4, 5), (6, 8), (9, 11), (12, 14)), ("年初预算数", f"{months}执行数", f"{months}执行率", "全年预计执行数"), strict=True):
        cell(t, 2, a, label, to=(2, b))
    for r, (label, initial, source, rate) in enumerate(
        (("年度资金总额", "年度资金总额", "资金总额", "截至执行率"), ("其中：财政拨款", "财政拨款", "财政拨款", "截至财政拨款执行率"), ("其他资金", "其他资金", "其他资金", "截至其他资金执行率")), 3
    ):
        cell(t, r, 1, label, to=(r, 3))
        cell(t, r, 4, f"{{{{ p.{initial} }}}}", to=(r, 5), style="表格数字")
        cell(t, r, 6, f"{{{{ p.截至执行数.{source} }}}}", to=(r, 8), style="表格数字")
        cell(t, r, 9, f"{{{{ p.{rate} }}}}", to=(r, 11))
        cell(t, r, 12, f"{{{{ p.全年预计执行数.{source} }}}}", to=(r, 14), style="表格数字")
    cell(t, 6, 0, "年度总体目标", to=(7, 0))
    cell(t, 6, 1, "年度目标", to=(6, 7))
    cell(t, 6, 8, f"{months}执行情况", to=(6, 14))
    cell(t, 7, 1, "{{ p.年度目标 }}", to=(7, 7), style="表格正文")
    cell(t, 7, 8, "{{ p.目标执行情况 }}", to=(7, 14), style="表格正文")
    cell(t, 8, 0, '{% vmerge "restart" %}绩效指标')
    cell(t, 9, 0, '{% vmerge "continue" %}')
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", f"{months}执行情况", "全年预计完成情况"], 1):
        cell(t, 8, c, label, to=(9, c))
    cell(t, 8, 7, "偏差原因分析", to=(8, 12))
    for c, label in enumerate([*REASONS, "原因说明"], 7):
        cell(t, 9, c, label)
    cell(t, 8, 13, "完成目标可能性", to=(9, 13))
    cell(t, 8, 14, "备注", to=(9, 14))
    loop_row(t, 10, "{%tr for row in p.绩效指标 %}")
    cells = [
        '{% vmerge "continue" %}', "{% vmerge row.一级.merge %}{{ row.一级 }}", "{% vmerge row.二级.merge %}{{ row.二级 }}", "{{ row.名称 }}",
        "{{ row.指标值 }}", "{{ row.执行情况 }}", "{{ row.预计完成情况 }}",
        *(f'{{% if row.偏差原因 == "{reason}" %}}√{{% endif %}}' for reason in REASONS),
        "{{ row.原因说明 }}", "{{ row.完成可能性 }}", "{{ row.备注 }}",
    ]  # fmt: skip
    for c, text in enumerate(cells):
        cell(t, 11, c, text, style="表格正文" if c in (3, 5, 6, 12) else "表格文字")
    loop_row(t, 12, "{%tr endfor %}")
    cell(t, 13, 0, "偏差或不能完成目标原因分析", to=(13, 2))
    cell(t, 13, 3, "{{ p.偏差原因分析 }}", to=(13, 14), style="表格正文")
    cell(t, 14, 0, "相关建议或举措", to=(14, 2))
    cell(t, 14, 3, "{{ p.改进措施 }}", to=(14, 14), style="表格正文")
    para(doc, "注：完成目标可能性分 确定能、有可能、完全不可能 三级判断；选「有可能」「完全不可能」的，须填写原因说明与相关建议或举措。", "表格正文")
    tag(doc, "{%p endfor %}")
    return doc


# ---------------------------------------------------------------------------------------------
# 四川-项目自评: 部门预算项目支出绩效自评表 (510000_0013zp), one table per project, landscape (青神 2023)

SICHUAN_WIDTHS = [20, 16, 18, 36, 18, 16, 14, 22, 14, 16, 57]  # 绩效指标, 一级, 二级, 三级, 性质, 指标值, 单位, 完成值, 权重, 得分, 原因


def sichuan_selfeval():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年度部门预算项目支出绩效自评表")
    landscape(doc)
    tag(doc, "{%p for p in doc.项目 %}")
    tag(doc, "{%p if loop.first %}")
    para(doc, "报表编号:510000_0013zp", "表格正文")
    tag(doc, "{%p else %}")
    para(doc, "报表编号:510000_0013zp", "表格正文", page_break=True)
    tag(doc, "{%p endif %}")
    para(doc, "部门预算项目支出绩效自评表（{{ doc.年度 }}年度）", "表格标题")
    t = table(doc, SICHUAN_WIDTHS, 20)
    cell(t, 0, 0, "项目名称")
    cell(t, 0, 1, "{% if p.编码 %}{{ p.编码 }}-{% endif %}{{ p.名称 }}", to=(0, 10), style="表格正文")
    cell(t, 1, 0, "主管部门")
    cell(t, 1, 1, "{{ doc.部门 }}", to=(1, 4), style="表格正文")
    cell(t, 1, 5, "实施单位（盖章）", to=(1, 6))
    cell(t, 1, 7, "{{ doc.单位名称 }}", to=(1, 10), style="表格正文")
    cell(t, 2, 0, "项目基本情况", to=(5, 0))
    cell(t, 2, 1, "1.项目年度目标完成情况", to=(2, 10), style="表格正文")
    cell(t, 3, 1, "项目年度目标", to=(3, 5))
    cell(t, 3, 6, "年度目标完成情况", to=(3, 10))
    cell(t, 4, 1, "{{ p.年度目标 }}", to=(4, 5), style="表格正文")
    cell(t, 4, 6, "{{ p.年度目标完成情况 }}", to=(4, 10), style="表格正文")
    cell(t, 5, 1, "2.项目实施内容及过程概述", to=(5, 3), style="表格正文")
    cell(t, 5, 4, "{{ p.实施内容 }}", to=(5, 10), style="表格正文")
    cell(t, 6, 0, "预算执行情况（{{ p.执行率分值 }}分）", to=(11, 0))
    for (a, b), label in zip(((1, 2), (3, 3), (4, 4), (5, 6), (7, 7), (8, 8), (9, 9), (10, 10)), ("年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"), strict=True):
        cell(t, 6, a, label, to=(6, b))
    sources = (
        ("总额", "年初总额", "总额", "执行率", "{{ p.执行率分值 }}", "{{ p.执行率得分 }}"),
        ("其中：财政资金", "年初财政资金", "财政资金", "财政资金执行率", "/", "/"),
        ("财政专户管理资金", "", "财政专户管理资金", "专户资金执行率", "/", "/"),
        ("单位资金", "", "单位资金", "单位资金执行率", "/", "/"),
        ("其他资金", "年初其他资金", "其他资金", "其他资金执行率", "/", "/"),
    )  # fmt: skip
    for r, (label, initial, source, rate, points, score) in enumerate(sources, 7):
        cell(t, r, 1, label, to=(r, 2))
        cell(t, r, 3, f"{{{{ p.{initial} }}}}" if initial else "", style="表格数字")
        cell(t, r, 4, f"{{{{ p.调整后预算.{source} }}}}", style="表格数字")
        cell(t, r, 5, f"{{{{ p.预算执行.{source} }}}}", to=(r, 6), style="表格数字")
        cell(t, r, 7, f"{{{{ p.{rate} }}}}")
        cell(t, r, 8, points)
        cell(t, r, 9, score)
    cell(t, 7, 10, "{{ p.执行原因 }}{% if p.执行原因 and p.调整说明 %}；{% endif %}{{ p.调整说明 }}", to=(11, 10), style="表格正文")
    cell(t, 12, 0, '{% vmerge "restart" %}绩效指标（{{ p.指标分值 }}分）')
    for c, label in enumerate(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"], 1):
        cell(t, 12, c, label)
    loop_row(t, 13, "{%tr for row in p.绩效指标 %}")
    cells = [
        '{% vmerge "continue" %}', "{% vmerge row.一级.merge %}{{ row.一级 }}", "{% vmerge row.二级.merge %}{{ row.二级 }}", "{{ row.名称 }}",
        "{{ row.指标性质 }}", "{{ row.指标值 }}", "{{ row.度量单位 }}", "{{ row.完成值 }}", "{{ row.权重 }}", "{{ row.得分 }}", "{{ row.未完成原因分析 }}",
    ]  # fmt: skip
    for c, text in enumerate(cells):
        cell(t, 14, c, text, style="表格正文" if c in (3, 10) else "表格文字")
    loop_row(t, 15, "{%tr endfor %}")
    cell(t, 16, 0, "合计", to=(16, 7))
    cell(t, 16, 8, "{{ p.满分 }}")
    cell(t, 16, 9, "{{ p.总分 }}")
    cell(t, 16, 10, "自评等级：{{ p.等级 }}", style="表格正文")
    for r, label in enumerate(("评价结论", "存在问题", "改进措施"), 17):
        cell(t, r, 0, label)
        cell(t, r, 1, f"{{{{ p.{label} }}}}", to=(r, 10), style="表格正文")
    para(doc, "项目负责人：　　　　　　　　　　　　　　　　　　财务负责人：", "表格正文")
    tag(doc, "{%p endfor %}")
    return doc


def project_only(block):
    """The template of `perfgen build --split`: one project's 绩效目标表 as its own document."""

    def make():
        doc = base_document()
        block(doc)
        return doc

    return make


# ---------------------------------------------------------------------------------------------
# tests/layouts/every-field: one template showing every field of the test layout


def every_field():
    doc = base_document("{{ doc.部门 }}{{ doc.年度 }}年测试文档")
    para(doc, "{{ doc.部门 }}{{ doc.年度 }}年测试文档", "Heading 1")
    for line in (
        "填报日期：{{ doc.填报日期 }}；实施期：{{ doc.实施期 }}",
        "单位性质：{{ doc.单位性质 }}；{{ doc.是否公开 }}；编制{{ doc.人员编制 }}",
        "预算执行率权重：{{ doc.预算执行率权重 }}；执行率目标：{{ doc.执行率目标 }}",
        "联系人：{{ doc.联系人.姓名 }} {{ doc.联系人.电话 }}",
        "收入：当年 {{ doc.收入.当年.财政拨款 }} + {{ doc.收入.当年.其他收入 }} = {{ doc.收入.当年.小计 }}；上年小计 {{ doc.收入.上年.小计 }}",
        "资金总额：{{ doc.资金总额 }}（{{ doc.项目个数 }}个项目）",
    ):
        para(doc, line)
    tag(doc, "{%p for text in doc.部门职责 %}")
    para(doc, "职责：{{ text }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for g in doc.年度目标 %}")
    para(doc, "{{ g.序号 }}{{ g.内容 }}")
    tag(doc, "{%p endfor %}")
    numbered_paragraphs(doc, "doc.保障措施")
    tag(doc, "{%p for item in doc.分项目标 %}")
    para(doc, "{{ item.序号 }}{{ item.标题 }}：{{ item.内容 }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for block in doc.说明 %}")
    para(doc, "说明{{ block.层级 }}：{{ block.内容 }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for point, value in doc.季度计划.items() %}")
    para(doc, "季度计划{{ point }}：{{ value }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for p in doc.项目 %}")
    para(doc, "{{ p.序号 }}{{ p.名称 }}", "Heading 2")
    head = table(doc, [40, 116], 16)
    rows = [
        ("项目编码", "{{ p.编码 }}"), ("项目属性", "{{ p.项目属性 }}"), ("项目期", "{{ p.项目期 }}"),
        ("中期目标", "中期目标（{{ doc.年度 }}年—{{ p.中期末年 }}年）"), ("开工日期", "{{ p.开工日期 }}"), ("实施期", "{{ p.实施期 }}"),
        ("资金", "{{ p.财政拨款 }} + {{ p.上级资金 }} + {{ p.自筹 }} = {{ p.年度资金总额 }}（占 {{ p.占比 }}）"),
        ("中期资金", "{{ p.中期资金.财政拨款 }} + {{ p.中期资金.其他资金 }} = {{ p.中期资金.资金总额 }}"),
        ("支出计划", '{{ p.支出计划["一季度"] }} / {{ p.支出计划["二季度"] }} / {{ p.支出计划["三季度"] }} / {{ p.支出计划["四季度"] }}'),
        ("是否核心", "{{ p.是否核心 }}"), ("受益人数", "{{ p.受益人数 }}"), ("单价", "{{ p.单价 }}"),
        ("负责人", "{{ p.负责人.姓名 }}（{{ p.负责人.电话 }}）"), ("年度目标", "{{ p.年度目标 | join('／') }}"),
        ("绩效目标", "{% for g in p.绩效目标 %}{{ g.序号 }}{{ g.内容 }}{% endfor %}"),
        ("情况说明", "{% for b in p.情况说明 %}[{{ b.层级 }}]{{ b.内容 }}{% endfor %}"),
    ]  # fmt: skip
    for r, (label, value) in enumerate(rows):
        cell(head, r, 0, label)
        cell(head, r, 1, value, style="表格正文")
    para(doc, "", "表格间隔")
    widths = [12, 14, 18, 10, 9, 9, 9, 8, 8, 10, 6, 12, 18, 13]
    body = table(doc, widths, 4)
    for c, label in enumerate(["一级", "二级", "三级", "计算符号", "目标值", "度量单位", "类型", "权重", "方向", "绩效标准", "核心", "完成日期", "评分标准", "中期指标值"]):
        cell(body, 0, c, label)
    cells = [
        "{{ row.名称 }}", "{{ row.计算符号 }}", "{{ row.目标值 }}", "{{ row.度量单位 }}", "{{ row.指标值类型 }}", "{{ row.权重 }}",
        "{{ row.指标方向 }}", "{{ row.绩效标准 }}", "{{ row.核心 }}", "{{ row.完成日期 }}",
        "{% vmerge row.评分标准.merge %}{{ row.评分标准 }}", "{{ row.中期指标值 }}",
    ]  # fmt: skip
    indicator_rows(body, 1, "p.绩效指标", cells, (12,))
    para(doc, "共{{ p.绩效指标.指标数 }}项指标", "Normal")
    tag(doc, "{%p endfor %}")
    para(doc, "部门整体指标", "Heading 2")
    body = table(doc, [30, 40, 56, 30], 4)
    for c, label in enumerate(["一级", "二级", "三级", "指标值"]):
        cell(body, 0, c, label)
    indicator_rows(body, 1, "doc.绩效指标", ["{{ row.名称 }}", "{{ row.指标值 }}"], ())
    para(doc, "项目表（模板直接使用 tables）", "Heading 2")
    summary = table(doc, [60, 48, 48], 5)
    for c, label in enumerate(["项目名称", "年度资金总额", "占比"]):
        cell(summary, 0, c, label)
    loop_row(summary, 1, "{%tr for row in tables.项目表.行 %}")
    for c, name in enumerate(["项目名称", "年度资金总额", "占比"]):
        cell(summary, 2, c, f'{{{{ row["{name}"] }}}}')
    loop_row(summary, 3, "{%tr endfor %}")
    cell(summary, 4, 0, "{{ tables.项目表.合计.项目名称 }}{{ tables.项目表.合计.序号 }}")
    cell(summary, 4, 1, "{{ tables.项目表.合计.年度资金总额 }}")
    return doc


def appendices(directory: str) -> dict[str, object]:
    """The appendix templates of a layout, from its declared tables."""
    layout = read_layout(ROOT / directory)
    return {a.template: (lambda spec=layout.tables[a.table]: appendix(spec)) for a in layout.appendices}


TEMPLATES = {
    "templates/hebei-2020": {
        "template.docx": hebei_2020,
        "project.docx": project_only(lambda doc: hebei_2020_project(doc, "doc.项目")),
        **appendices("templates/hebei-2020"),
    },
    "templates/hebei-2022": {"template.docx": hebei_2022, "project.docx": project_only(hebei_2022_project), **appendices("templates/hebei-2022")},
    "templates/henan-department": {"template.docx": henan_department, **appendices("templates/henan-department")},
    "templates/national-project": {"template.docx": national_project, **appendices("templates/national-project")},
    "templates/yitihua-project": {"template.docx": yitihua_project, **appendices("templates/yitihua-project")},
    "templates/national-monitoring": {"template.docx": national_monitoring},
    "templates/sichuan-selfeval": {"template.docx": sichuan_selfeval},
    "templates/national-selfeval": {"template.docx": national_selfeval, **appendices("templates/national-selfeval")},
    "tests/layouts/every-field": {"template.docx": every_field, **appendices("tests/layouts/every-field")},
}


def main() -> None:
    for directory, files in TEMPLATES.items():
        for name, make in files.items():
            target = ROOT / directory / name
            save(make(), target)
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
