"""Every document perfgen writes is valid OOXML (ECMA-376, as Word reads it): Word and WPS open it
without offering a repair. Checked with a maintained validator (openxml-audit) on every output of
every example spec — main documents, 附表, workbooks, `--split` — with and without LibreOffice,
and on the shipped templates as perfgen reads them."""

from pathlib import Path

import pytest
from conftest import ROOT, SPECS, TEMPLATES
from openxml_audit import OpenXmlValidator

from perfgen.build import Job, Options, build
from perfgen.office.office import Office
from perfgen.office.office import available as office_available

EXAMPLES = sorted(SPECS.rglob("*.yaml"))
VALIDATOR = OpenXmlValidator(max_errors=0)  # 0: every error


def problems(path: Path) -> list[str]:
    return [str(e) for e in VALIDATOR.validate(str(path)).errors]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_output_of_every_example_is_valid(tmp_path, example):
    built = build(Job(example, Path(example.stem)), tmp_path, Options(draft=True, split=True))
    assert len(built.outputs) >= 2
    for output in built.outputs:
        assert problems(output) == [], output.name


@pytest.mark.skipif(not office_available(), reason="LibreOffice is not installed (make system-deps)")
def test_documents_laid_out_by_libreoffice_stay_valid(tmp_path):
    with Office() as office:
        for example in EXAMPLES:
            built = build(Job(example, Path(example.stem)), tmp_path, Options(pdf=True), office)
            for output in built.outputs:
                if output.suffix != ".pdf":
                    assert problems(output) == [], output.name


TEMPLATE_FILES = sorted([*TEMPLATES.rglob("*.docx"), *(ROOT / "tests" / "layouts").rglob("*.docx")])


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_templates_are_valid_as_perfgen_reads_them(template, tmp_path):
    """As Word saves them; as LibreOffice does, once perfgen has read what it writes outside the
    schema (a row's cantSplit w:val="true", run properties twice or out of order) as Word would."""
    import zipfile

    from perfgen.render.render import _as_word_writes

    with zipfile.ZipFile(template) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
    parts["word/document.xml"] = _as_word_writes(parts["word/document.xml"].decode("utf-8")).encode("utf-8")
    read = tmp_path / template.name
    with zipfile.ZipFile(read, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename])
    assert problems(read) == []


def test_the_validator_finds_what_word_would_repair(tmp_path):
    """The check can fail: a table whose properties have a second tblW before its style."""
    import zipfile

    built = build(Job(EXAMPLES[0], Path("x")), tmp_path, Options(draft=True)).outputs[0]
    with zipfile.ZipFile(built) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    xml = xml.replace("<w:tblPr>", '<w:tblPr><w:tblW w:w="100" w:type="dxa"/>', 1)
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as z:
        for name, data in parts.items():
            z.writestr(name, xml.encode("utf-8") if name == "word/document.xml" else data)
    assert any("tblPr" in p for p in problems(broken)), problems(broken)


def test_documents_are_chinese_word_2013_documents(tmp_path):
    """No leftovers of python-docx's Word 2010 for Mac template: compatibility mode 15, East Asian
    language zh-CN, the theme's East Asian font 宋体 and no Japanese fonts, an app.xml that claims
    nothing, Word's own 目录 styles (F9 keeps their format)."""
    import re
    import zipfile

    for example in EXAMPLES:
        for output in build(Job(example, Path(example.stem)), tmp_path, Options(draft=True)).outputs:
            if output.suffix != ".docx":
                continue
            with zipfile.ZipFile(output) as z:
                part = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
            assert re.search(r'w:name="compatibilityMode"[^>]*w:val="15"', part["word/settings.xml"]), output.name
            assert 'w:eastAsia="zh-CN"' in part["word/settings.xml"] and "ja-JP" not in part["word/settings.xml"]
            assert 'script="Jpan"' not in part["word/theme/theme1.xml"] and '<a:ea typeface="宋体"/>' in part["word/theme/theme1.xml"]
            assert "ＭＳ" not in part["word/fontTable.xml"] and 'w:name="仿宋_GB2312"' in part["word/fontTable.xml"]
            assert "<Application>perfgen</Application>" in part["docProps/app.xml"] and "Macintosh" not in part["docProps/app.xml"]
            for toc in re.findall(r'<w:style [^>]*>(?:(?!</w:style>).)*?<w:name w:val="toc \d"/>', part["word/styles.xml"]):
                assert "customStyle" not in toc.split(">")[0], output.name
            for table in re.findall(r"<w:tbl>.*?</w:tblGrid>", part["word/document.xml"], re.DOTALL):  # WPS lays out by the grid
                width = re.search(r'<w:tblW w:w="(\d+)" w:type="dxa"/>', table)
                if width:
                    grid = sum(int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"/>', table))
                    assert abs(grid - int(width[1])) <= len(re.findall("<w:gridCol", table)), (output.name, grid, width[1])


def test_quotes_and_dashes_are_set_in_the_east_asian_font(tmp_path):
    from docx import Document

    out = build(Job(SPECS / "2020" / "chengde-gaoxin-guotu.yaml", Path("a")), tmp_path, Options(draft=True)).outputs[0]
    runs = [r for p in Document(out).paragraphs for r in p.runs if set(r.text) & set("“”—")]
    assert runs and all(r._r.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}hint") == "eastAsia" for r in runs)
    plain = [r for p in Document(out).paragraphs for r in p.runs if r.text and not set(r.text) & set("“”‘’—…·")]
    assert plain and not any(r._r.rPr is not None and r._r.rPr.rFonts is not None and r._r.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}hint") for r in plain)
