"""`perfgen layout check DIR`: a layout's mistakes at their places, before any spec is built;
`perfgen new --layout DIR` with a layout of the department's own."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import TEMPLATES
from docx.oxml.ns import qn
from lxml import etree

from perfgen.build import check
from perfgen.model.layout import builtin_layouts
from perfgen.layout_check import check_layout
from perfgen.scaffold import create


def perfgen(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "perfgen", *map(str, args)], check=False, capture_output=True, text=True, cwd=cwd)


def _rewrite(docx: Path, part: str, change) -> None:
    """`change` applied to one part of a DOCX (its root element), as an edit in Word would."""
    with zipfile.ZipFile(docx) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
    root = etree.fromstring(parts[part])
    change(root)
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            z.writestr(info, parts[info.filename])


def edit(docx: Path, old: str, new: str) -> None:
    """Retype the first paragraph holding `old` (however an editor split it into runs)."""

    def change(root) -> None:
        for p in root.iter(qn("w:p")):
            texts = list(p.iter(qn("w:t")))
            whole = "".join(t.text or "" for t in texts)
            if old in whole:
                texts[0].text = whole.replace(old, new, 1)
                for t in texts[1:]:
                    t.text = ""
                return
        raise AssertionError(old)

    _rewrite(docx, "word/document.xml", change)


def drop_outline_level(docx: Path, style_name: str) -> None:
    def change(root) -> None:
        for style in root.iter(qn("w:style")):
            if style.find(qn("w:name")).get(qn("w:val")).lower() == style_name:
                for level in style.iter(qn("w:outlineLvl")):
                    level.getparent().remove(level)

    _rewrite(docx, "word/styles.xml", change)


def drop_east_asian_fonts(docx: Path) -> None:
    def change(root) -> None:
        for fonts in root.iter(qn("w:rFonts")):
            for name in ("w:eastAsia", "w:eastAsiaTheme"):
                fonts.attrib.pop(qn(name), None)

    _rewrite(docx, "word/styles.xml", change)


@pytest.mark.parametrize("layout", builtin_layouts(), ids=lambda layout: layout.directory.name)
def test_every_builtin_layout_is_clean(layout):
    assert check_layout(layout.directory) == []


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "hebei"
    shutil.copytree(TEMPLATES / "hebei-2022", target)
    return target


def test_a_broken_copy_has_each_problem_named_at_its_place(copy):
    edit(copy / "template.docx", "{{ text }}", "{{ txet }}")
    edit(copy / "project.docx", "{{ p.名称 }}绩效目标表", "{{ p.名称 }绩效目标表")
    drop_outline_level(copy / "template.docx", "heading 2")
    layout_yaml = copy / "layout.yaml"
    layout_yaml.write_text(layout_yaml.read_text(encoding="utf-8").replace("template: template.docx", "template: template.docx\ntemplat: x", 1), encoding="utf-8")

    found = {f.code: f for f in check_layout(copy)}
    assert set(found) == {"L002", "T001", "T002", "T004"}
    assert (found["L002"].position.path, found["L002"].position.line) == (str(layout_yaml), 5) and "「template」" in found["L002"].message
    assert found["T001"].position.path == str(copy / "project.docx") and "「{{ p.序号 }}{{ p.名称 }绩效目标表」" in found["T001"].message
    assert found["T002"].position.path == str(copy / "template.docx")
    assert re.search(r"「txet」，位置：正文第 \d+ 段「\{\{ txet \}\}」", found["T002"].message) and "text" in found["T002"].message
    assert "「heading 2」没有大纲级别" in found["T004"].message.lower()


def test_a_misspelt_field_is_followed_through_the_loops_of_the_example(copy):
    edit(copy / "project.docx", "{{ g.内容 }}", "{{ g.内 }}")
    edit(copy / "template.docx", "{{ doc.单位名称 }}", "{{ doc.单位明称 }}")
    found = sorted((f.position.path, f.code, f.message) for f in check_layout(copy))
    assert [(Path(p).name, c) for p, c, _ in found] == [("project.docx", "T002"), ("template.docx", "T002")]
    assert "「g.内」" in found[0][2] and "内容" in found[0][2] and "表格" in found[0][2]  # in a table cell, with the names it could be
    assert "「doc.单位明称」" in found[1][2]


def test_docxtpl_vm_and_a_style_without_an_east_asian_font_are_reported(copy):
    edit(copy / "appendix-1.docx", "{{ t.标题 }}", "{% vm %}{{ t.标题 }}")
    drop_east_asian_fonts(copy / "appendix-2.docx")
    codes = sorted((Path(f.position.path).name, f.code) for f in check_layout(copy))
    assert ("appendix-1.docx", "T003") in codes
    assert ("appendix-2.docx", "T005") in codes


def test_layout_check_command(copy, tmp_path):
    clean = perfgen("layout", "check", copy, "--no-pdf")
    assert clean.returncode == 0 and "0 个错误" in clean.stdout
    edit(copy / "template.docx", "{{ text }}", "{{ txet }}")
    broken = perfgen("layout", "check", copy, "--no-pdf")
    assert broken.returncode == 1 and "T002" in broken.stderr and "Traceback" not in broken.stderr
    missing = perfgen("layout", "check", tmp_path / "nowhere")
    assert missing.returncode == 1 and "layout.yaml" in missing.stderr


def test_a_layout_without_example_is_checked_without_its_variables(copy):
    (copy / "example.yaml").unlink()
    assert [(f.code, f.severity.value) for f in check_layout(copy)] == [("T006", "警告")]


def test_new_with_a_layout_directory_of_ones_own(copy, tmp_path, monkeypatch):
    layout_yaml = copy / "layout.yaml"
    layout_yaml.write_text(re.sub(r"^name: .*$", "name: 本市-2026", layout_yaml.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    created = create(Path("repo"), no_input=True, answers={"layout": "hebei", "year": "2027", "department": "某某局"})
    spec = tmp_path / "repo" / created.spec
    text = spec.read_text(encoding="utf-8")
    assert created.layout == "本市-2026" and "\n版式: ../../../hebei" in text and "部门: 某某局" in text
    assert check(spec).layout.name == "本市-2026"


def test_the_variable_reference_is_what_the_code_gives(update_golden):
    """docs/variables.md is generated from the built-in layouts (their examples followed through
    the build's context), so it cannot go stale."""
    layouts = sorted(p for p in TEMPLATES.iterdir() if (p / "layout.yaml").is_file())
    result = perfgen("layout", "vars", *layouts, cwd=TEMPLATES.parent.parent)
    assert result.returncode == 0, result.stderr
    reference = TEMPLATES.parent.parent / "docs" / "variables.md"
    if update_golden:
        reference.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == reference.read_text(encoding="utf-8"), "run `perfgen layout vars perfgen/layouts/* > docs/variables.md`"
    assert "`doc.项目[].绩效指标[].一级`: merged text" in result.stdout and "`t.行[]" in result.stdout


TUTORIAL = Path(__file__).parent / "layouts" / "ganzi-2023"


def test_the_tutorials_layout_is_clean_and_builds_its_form(tmp_path):
    """docs/layouts.md's tutorial, done: 一体化-项目 copied and edited into 甘孜州's 绩效目标表."""
    from perfgen.render.outline import outline
    from perfgen.scaffold import default_answers, example_spec

    assert check_layout(TUTORIAL) == []
    result = perfgen("layout", "check", TUTORIAL, "--no-pdf")
    assert result.returncode == 0, result.stderr
    spec = tmp_path / "ganzi.yaml"
    spec.write_text(example_spec(TUTORIAL, default_answers(TUTORIAL)).replace("版式: 甘孜-绩效目标表", f"版式: {TUTORIAL}", 1), encoding="utf-8")
    built = perfgen("build", spec, "-o", tmp_path / "out", "--draft")
    assert built.returncode == 0, built.stderr
    lines = outline(tmp_path / "out" / "ganzi.docx").splitlines()
    assert "| 单位信息 | 324001-示例县自然资源和规划局 ⟷3 | 项目名称 | 食品安全工作经费 ⟷2 |" in lines
    assert "| 预算执行率权重(%) | 10 ⟷3 | 项目经办人电话 | 0836-2830000 ⟷2 |" in lines
    assert "| ⇡ | ⇡ | 开展食品安全专项整治 | ≥ | 2 | 次 | 20 |" in lines  # 一级/二级 merged down
    assert "| 效益指标 | 社会效益指标 | 食品安全整体状况 | 定性 | 高中低 |  | 15 |" in lines


def test_layout_copy(tmp_path):
    target = tmp_path / "layouts" / "mine"
    copied = perfgen("layout", "copy", "一体化-项目", target)
    assert copied.returncode == 0, copied.stderr
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in (TEMPLATES / "yitihua-project").iterdir() if not p.name.startswith((".", "__")))
    again = perfgen("layout", "copy", "一体化-项目", target)
    assert again.returncode == 1 and "已存在" in again.stderr
    unknown = perfgen("layout", "copy", "山西", tmp_path / "x")
    assert unknown.returncode == 1 and "「山西」" in unknown.stderr and not (tmp_path / "x").exists()
