"""Every document perfgen writes is valid OOXML (ECMA-376, as Word reads it): Word and WPS open it
without offering a repair. Checked with a maintained validator (openxml-audit) on every output of
every example spec — main documents, 附表, workbooks, `--split` — with and without LibreOffice,
and on the shipped templates that an officer opens in Word."""

from pathlib import Path

import pytest
from conftest import ROOT, SPECS, TEMPLATES
from openxml_audit import OpenXmlValidator

from perfgen.build import Job, Options, build
from perfgen.office import Office
from perfgen.office import available as office_available

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
def test_the_templates_an_officer_opens_in_word_are_valid(template):
    assert problems(template) == []


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
