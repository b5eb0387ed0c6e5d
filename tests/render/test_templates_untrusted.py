"""A layout's template is not trusted: broken or hostile tags give a clear error, never run code."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOTS
from docx import Document

from perfgen.build import Job, build
from perfgen.errors import RenderError
from perfgen.model.layout import templates_root


def render_finding(tmp_path: Path, spec: Path):
    """The one finding a build of `spec` fails with (a template error)."""
    with pytest.raises(RenderError) as exc:
        build(Job(spec, Path("x")), tmp_path / "out")
    (finding,) = exc.value.findings
    return finding


def layout_with_paragraph(tmp_path: Path, text: str) -> Path:
    """A copy of 河北-2020 whose template has one more paragraph, and a spec that uses it."""
    own = tmp_path / "layouts" / "bad"
    shutil.copytree(templates_root() / "hebei-2020", own)
    template = Document(own / "template.docx")
    template.add_paragraph(text)
    template.save(own / "template.docx")
    spec = tmp_path / "spec.yaml"
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: ./layouts/bad"), encoding="utf-8")
    return spec


@pytest.mark.parametrize(
    ("tag", "code", "words"),
    [
        ("{{ ''.__class__.__mro__ }}", "R003", "不安全"),
        ("{{ doc.__class__.__init__.__globals__ }}", "R003", "不安全"),
        ("{% if doc.year %}未闭合", "R001", "语法"),
        ("{{ doc.no_such_field }}", "R002", "no_such_field"),
        ("{{ doc.year | no_such_filter }}", "R001", "no_such_filter"),
        # failures while running, each at its paragraph
        ("{{ 1/0 }}", "R004", "除以零，位置：正文第"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "R004", "无休止地调用自己，位置：正文第"),
        ("{{ 9 ** (9 ** 9) }}", "R003", "指数 387420489 过大"),
        ("{{ 'x' * 10 ** 9 }}", "R003", "重复的次数过多"),
        ("{{ ('a' * 10 ** 6) * 10 ** 6 }}", "R003", "重复的次数过多"),
        ("{{ (10 ** 10000) ** 10000 }}", "R003", "乘方的结果过大"),
        ("{% for i in range(10 ** 7) %}x{% endfor %}", "R004", "数值过大"),
        ("{{ doc.部门 + 1 }}", "R004", "类型不对"),
        ("{% include 'other.docx' %}", "R003", "不能引用其他文件"),
        ("{% import 'macros' as m %}", "R003", "不能引用其他文件"),
    ],
)
def test_hostile_or_broken_tags(tmp_path, tag, code, words):
    spec = layout_with_paragraph(tmp_path, tag)
    finding = render_finding(tmp_path, spec)
    assert finding.code == code and words in finding.message
    assert finding.position.path.endswith("template.docx")
    assert not (tmp_path / "out").exists()


def test_cli_reports_template_errors_without_traceback(tmp_path):
    spec = layout_with_paragraph(tmp_path, "正文 {{ doc.no_such_field }} 结束")
    result = subprocess.run([sys.executable, "-m", "perfgen", "build", str(spec), "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "template.docx: 错误 R002" in result.stderr and "正文" in result.stderr  # names the template and the paragraph


def test_template_that_is_not_a_docx(tmp_path):
    spec = layout_with_paragraph(tmp_path, "x")
    (tmp_path / "layouts" / "bad" / "template.docx").write_bytes(b"not a zip")
    with pytest.raises(RenderError) as exc:
        build(Job(spec, Path("x")), tmp_path / "out")
    assert exc.value.findings[0].code == "R006"


def test_a_template_that_runs_too_long_is_stopped(tmp_path, monkeypatch):
    import perfgen.render.render

    monkeypatch.setattr(perfgen.render.render, "RENDER_SECONDS", 0.5)
    spec = layout_with_paragraph(tmp_path, "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")
    finding = render_finding(tmp_path, spec)
    assert finding.code == "R004" and "仍未结束" in finding.message


def test_a_template_with_broken_xml_or_too_large_inside(tmp_path):
    import io
    import zipfile

    spec = layout_with_paragraph(tmp_path, "x")
    template = tmp_path / "layouts" / "bad" / "template.docx"
    original = template.read_bytes()
    for damage, words in (("half", "XML 已损坏"), ("bomb", "超过上限 64 MB")):
        source, out = zipfile.ZipFile(io.BytesIO(original)), io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in source.infolist():
                data = source.read(info.filename)
                z.writestr(info.filename, data[: len(data) // 2] if damage == "half" and info.filename == "word/document.xml" else data)
            if damage == "bomb":  # 100 MB of zeros, a few hundred KB compressed
                with z.open("word/media/zeros.bin", "w", force_zip64=True) as f:
                    for _ in range(100):
                        f.write(bytes(1 << 20))
        template.write_bytes(out.getvalue())
        finding = render_finding(tmp_path, spec)
        assert finding.code == "R006" and words in finding.message, finding.message


def test_a_template_that_makes_too_much_is_stopped(tmp_path, monkeypatch):
    import perfgen.render.render

    monkeypatch.setattr(perfgen.render.render, "MAX_OUTPUT_CHARACTERS", 200_000)
    spec = layout_with_paragraph(tmp_path, "{% for i in range(50000) %}xxxxxxxxxx{% endfor %}")
    finding = render_finding(tmp_path, spec)
    assert finding.code == "R004" and "内容过大" in finding.message


@pytest.mark.parametrize(
    ("tag", "said"),
    [
        ("{% if doc.年度 %}没有结束", "「{% if %}」没有结束：请补上「{% endif %}」"),
        ("{% for x in doc.项目 %}{% endif %}", "「{% endif %}」与前面的「{% for %}」不配对"),
        ("{% frob %}", "不认识的标签「{% frob %}」"),
        ("{{ doc.年度 }", "多了一个「}」"),
    ],
)
def test_syntax_errors_are_said_in_chinese(tmp_path, tag, said):
    spec = layout_with_paragraph(tmp_path, tag)
    finding = render_finding(tmp_path, spec)
    assert finding.code == "R001" and said in finding.message, finding.message
