"""Layouts are data: built-in ones are listed, a spec may bring its own, the core has no layout ifs."""

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, ROOTS
from docx import Document

from perfgen.build import Job, build
from perfgen.errors import LayoutError
from perfgen.layout import builtin_layouts, templates_root


def test_builtin_layouts_are_listed_with_descriptions():
    layouts = {layout.name: layout for layout in builtin_layouts()}
    assert {"河北-2020", "河北-2022"} <= set(layouts)
    assert all(layout.description.description for layout in layouts.values())


def test_a_spec_can_name_its_own_layout_directory(tmp_path):
    own = tmp_path / "layouts" / "my-form"
    shutil.copytree(templates_root() / "hebei-2020", own)
    description = own / "layout.yaml"
    description.write_text(
        description.read_text(encoding="utf-8").replace("name: 河北-2020", "name: 我的版式").replace('projects: "{cn}、"', 'projects: "第{n}项 "'),
        encoding="utf-8",
    )
    spec = tmp_path / "specs" / "x.yaml"
    spec.parent.mkdir()
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: ../layouts/my-form"), encoding="utf-8")
    out = build(Job(spec, Path("x")), tmp_path / "out").outputs[0]
    assert "第1项 耕地保护项目" in [p.text for p in Document(out).paragraphs]


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("fields: {project: [负责任]}\n", ["负责任", "layout.yaml:3"]),
        ("fields: {}\nproject_title: '{name.x}'\n", ["project_title", "layout.yaml:4"]),
        ("fields: {}\nmoney_places: 9\nframework: 1999\n", ["money_places", "layout.yaml:4", "framework", "layout.yaml:5"]),
    ],
    ids=["unknown spec key", "format with an attribute", "out of range and unknown"],
)
def test_broken_layout_description_is_a_layout_error(tmp_path, description, expected):
    own = tmp_path / "bad-form"
    shutil.copytree(templates_root() / "hebei-2020", own)
    (own / "layout.yaml").write_text("name: x\ndescription: y\n" + description, encoding="utf-8")
    spec = tmp_path / "x.yaml"
    spec.write_text((ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: ./bad-form"), encoding="utf-8")
    with pytest.raises(LayoutError) as exc:
        build(Job(spec, Path("x")), tmp_path / "out")
    assert all(part in str(exc.value) for part in expected), str(exc.value)


def test_core_has_no_layout_specific_branches():
    pattern = re.compile(r"layout ==|版式 ==|layout\.name ==|(if|elif) .*(河北|河南|hebei|henan)")
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted((ROOT / "perfgen").glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
