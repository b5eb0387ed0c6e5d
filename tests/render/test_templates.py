"""The committed templates are the source: compared as reviewable text (perfgen.render.outline), never as
bytes, so a template edited and saved in Word or LibreOffice keeps the tests green while what it
renders changes as edited."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT, SPECS, TEMPLATES
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from perfgen.build import Job, build
from perfgen.office.office import available
from perfgen.render.outline import outline
from perfgen.render.render import _as_word_writes, _breaks_before

TEMPLATE_FILES = sorted([*TEMPLATES.glob("*/*.docx"), *(ROOT / "tests" / "layouts").glob("*/*.docx")])
OUTLINES = GOLDEN / "templates"


def _golden(path: Path) -> Path:
    return OUTLINES / f"{path.parent.name}--{path.stem}.txt"


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_template_reads_as_its_reviewed_outline(template, update_golden):
    text = outline(template)
    golden = _golden(template)
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"review the change, then `make test PYTEST_ARGS=--update-golden` ({golden})"


def test_every_outline_has_its_template():
    assert sorted(p.name for p in OUTLINES.iterdir()) == sorted(_golden(t).name for t in TEMPLATE_FILES)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _outline_of(body: str) -> list[str]:
    doc = Document()
    element = doc.element.body
    for child in list(element):
        element.remove(child)
    for child in etree.fromstring(f"<w:body {W}>{body}</w:body>"):
        element.append(child)
    return outline(doc).splitlines()


def test_outline_drops_grid_columns_no_cell_edge_uses_and_field_results():
    grid = '<w:tblGrid><w:gridCol w:w="100"/><w:gridCol w:w="100"/><w:gridCol w:w="100"/></w:tblGrid>'
    span = '<w:tcPr><w:gridSpan w:val="2"/></w:tcPr>'
    table = (
        f"<w:tbl>{grid}<w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc>{span}<w:p/></w:tc></w:tr>"
        f'<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc>{span}<w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
    )
    field = (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\u \\o "1-3" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>stale</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    assert _outline_of(table + field) == ["▦ 2 columns", "| a |  |", "| ⇡ | b |", '¶ normal | {TOC \\o "1-3" \\u}']


def test_outline_reads_a_page_break_ending_a_paragraph_as_the_next_ones():
    broken = '<w:p><w:r><w:t>{%p for p in x %}</w:t></w:r><w:r><w:br w:type="page"/></w:r></w:p><w:p><w:r><w:t>标题</w:t></w:r></w:p>'
    before = '<w:p><w:r><w:t>{%p for p in x %}</w:t></w:r></w:p><w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>标题</w:t></w:r></w:p>'
    assert _outline_of(broken) == _outline_of(before) == ["¶ normal | {%p for p in x %}", "¶ normal | ⤓标题"]


def test_a_page_break_run_becomes_the_page_break_before_of_the_paragraph_it_starts():
    xml = (
        f'<w:document {W}><w:body><w:p><w:r><w:t>{{%p for p in x %}}</w:t></w:r><w:r><w:rPr/><w:br w:type="page"/></w:r></w:p>'
        '<w:p><w:pPr><w:pStyle w:val="Heading2"/><w:jc w:val="left"/></w:pPr><w:r><w:t>项目</w:t></w:r></w:p>'
        '<w:p><w:r><w:br w:type="page"/></w:r><w:r><w:t>第二部分</w:t></w:r></w:p></w:body></w:document>'
    )
    paragraphs = etree.fromstring(_breaks_before(xml)).iter(qn("w:p"))
    first, heading, part = ([etree.QName(c).localname for c in p.iter() if c is not p] for p in paragraphs)
    assert "br" not in first and "br" not in part
    assert heading[:3] == ["pPr", "pStyle", "pageBreakBefore"]  # in schema order, before w:jc
    assert part[:2] == ["pPr", "pageBreakBefore"]


# ---------------------------------------------------------------------------------------------
# A built-in template edited and saved in LibreOffice


def _save_in_libreoffice(template: Path, directory: Path, profile: Path) -> Path:
    """`template` opened and saved as DOCX by LibreOffice (a person's "edit and save")."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FONTCONFIG_FILE": str(ROOT / "perfgen" / "fonts.conf"), "SAL_USE_VCLPLUGIN": "svp"}
    command = [shutil.which("soffice") or "soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}"]
    subprocess.run([*command, "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(directory), str(template)], env=env, check=True, capture_output=True, timeout=180)
    return directory / template.name


def _widen_first_column(template: Path, target: Path, twips: int) -> None:
    """`template` with the first column of its first table `twips` wider and its last column as
    much narrower (grid and cell widths, as Word writes them)."""
    with zipfile.ZipFile(template) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    table = next(root.iter(qn("w:tbl")))
    columns = table.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")
    for col, delta in ((columns[0], twips), (columns[-1], -twips)):
        col.set(qn("w:w"), str(int(col.get(qn("w:w"))) + delta))
    for row in table.iter(qn("w:tr")):
        cells = row.findall(qn("w:tc"))
        for cell, delta in ((cells[0], twips), (cells[-1], -twips)):
            width = cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
            if width is not None and len(cells) > 1:
                width.set(qn("w:w"), str(int(width.get(qn("w:w"))) + delta))
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _edges(docx: Path) -> list[int]:
    """Where the columns of the document's first table end, in twips from its left edge."""
    table = next(Document(str(docx)).element.body.iter(qn("w:tbl")))
    edges, x = [], 0
    for col in table.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}"):
        x += int(col.get(qn("w:w")))
        edges.append(x)
    return edges


@pytest.mark.skipif(not available(), reason="LibreOffice is not installed (make system-deps)")
def test_a_builtin_template_widened_and_saved_in_libreoffice_renders_the_same_form_wider(tmp_path):
    original = TEMPLATES / "hebei-2022"
    layout = tmp_path / "layouts" / "hebei-2022"
    shutil.copytree(original, layout)
    _widen_first_column(original / "template.docx", tmp_path / "template.docx", 567)  # 1 cm
    saved = _save_in_libreoffice(tmp_path / "template.docx", tmp_path / "saved", tmp_path / "profile")
    assert saved.read_bytes() != (original / "template.docx").read_bytes()
    shutil.copy(saved, layout / "template.docx")
    assert outline(layout / "template.docx") == outline(original / "template.docx"), "saving in LibreOffice changed the form"
    assert abs(_edges(saved)[0] - (_edges(original / "template.docx")[0] + 567)) <= 2  # the edit was saved (LibreOffice rounds to its units)

    spec = tmp_path / "specs" / "xushui.yaml"
    spec.parent.mkdir()
    text = (SPECS / "2022" / "xushui-ziranziyuan.yaml").read_text(encoding="utf-8")
    spec.write_text(text.replace("版式: 河北-2022", "版式: ../layouts/hebei-2022", 1), encoding="utf-8")
    reference = tmp_path / "reference.yaml"
    reference.write_text(text, encoding="utf-8")
    edited = build(Job(spec, Path("edited")), tmp_path / "out").outputs[0]
    built_in = build(Job(reference, Path("built-in")), tmp_path / "out").outputs[0]

    assert outline(edited) == outline(built_in)  # the same text, styles, cells and merges …
    before, after = _edges(built_in), _edges(edited)
    assert after[0] > before[0]  # … the first column wider (fit_columns still takes its share for the narrow label columns)
    assert abs(after[-1] - before[-1]) <= 8  # the table as wide as before (to LibreOffice's rounding)


def test_what_libreoffice_writes_outside_the_schema_is_written_as_word_does():
    row = '<w:trPr><w:cantSplit w:val="true"/><w:tblHeader w:val="true"/></w:trPr>'
    run = '<w:rPr><w:b w:val="false"/><w:b w:val="false"/><w:i w:val="false"/><w:sz w:val="32"/></w:rPr>'
    assert _as_word_writes(row + run) == '<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:rPr><w:b w:val="false"/><w:i w:val="false"/><w:sz w:val="32"/></w:rPr>'


def test_run_properties_saved_out_of_order_are_put_in_the_schemas():
    run = '<w:rPr><w:sz w:val="32"/><w:i w:val="false"/><w:b w:val="false"/><w:rFonts w:ascii="Times New Roman"/></w:rPr>'
    assert _as_word_writes(run) == '<w:rPr><w:rFonts w:ascii="Times New Roman"/><w:b w:val="false"/><w:i w:val="false"/><w:sz w:val="32"/></w:rPr>'
    changed = '<w:rPr><w:b/><w:rPrChange w:id="1"><w:rPr/></w:rPrChange></w:rPr>'
    assert _as_word_writes(changed) == changed  # not only empty properties: left as written
