"""`perfgen new`: a department's spec repository from the cookiecutter template in the package."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SPECS
from ruamel.yaml import YAML

from perfgen.build import Job, build, check
from perfgen.errors import PerfgenError
from perfgen.model.layout import builtin_layouts
from perfgen.scaffold import create, layout_choices, yaml_scalar
from perfgen.model.spec import json_schema

LAYOUTS = layout_choices()


def perfgen(*args, cwd=None, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "perfgen", *map(str, args)], check=False, capture_output=True, text=True, cwd=cwd, input=stdin
    )


def test_every_builtin_layout_has_an_example():
    assert sorted(LAYOUTS) == sorted(layout.name for layout in builtin_layouts())
    assert all((layout.directory / "example.yaml").is_file() for layout in builtin_layouts())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_generated_repository_checks_and_builds(tmp_path, layout):
    repo = tmp_path / "repo"
    created = create(repo, no_input=True, answers={"layout": layout, "year": "2026"})
    assert created.spec == Path("specs/2026/shi-li-xian-zi-ran-zi-yuan-he-gui-hua-ju.yaml")
    spec = repo / created.spec
    text = spec.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/perfgen.schema.json\n")
    assert f"版式: {layout}" in text and "年度: 2026\n" in text

    checked = check(spec)
    assert checked.warnings == () and checked.layout.name == layout
    out = build(Job(spec, Path("2026") / spec.stem), repo / "build").outputs[0]
    assert out == repo / "build" / "2026" / f"{spec.stem}.docx" and out.stat().st_size > 10_000

    # Every section is there, with comments explaining it.
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 8 and "财务数据" in text and "变动率" in text

    # The schema the modeline and the editor settings point to exists and accepts the spec.
    schema = json.loads((repo / "schema" / "perfgen.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(YAML(typ="safe", pure=True).load(text)))
    settings = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {"./schema/perfgen.schema.json": ["specs/**/*.yaml", "specs/**/*.yml"]}


def test_repository_files(tmp_path):
    repo = tmp_path / "repo"
    create(repo, no_input=True, answers={"year": "2026"})
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()) == [
        ".editorconfig",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".vscode/extensions.json",
        ".vscode/settings.json",
        "README.md",
        "schema/perfgen.schema.json",
        "specs/2026/shi-li-xian-zi-ran-zi-yuan-he-gui-hua-ju.yaml",
    ]
    assert "build/" in (repo / ".gitignore").read_text(encoding="utf-8").splitlines()
    hooks = YAML(typ="safe", pure=True).load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = hooks["repos"][0]["hooks"][0]
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == ("perfgen check specs", "system", False)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    for step in (
        "## 一、编辑",
        "## 二、检查",
        "perfgen check specs",
        "## 三、生成文档",
        "perfgen build specs",
        "## 四、提交",
        "git commit",
    ):
        assert step in readme
    assert "perfgen rollover specs/2026/shi-li-xian-zi-ran-zi-yuan-he-gui-hua-ju.yaml --year 2027" in readme
    for path in repo.rglob("*"):  # everything rendered, nothing left of the template language
        assert path.is_dir() or "cookiecutter" not in path.read_text(encoding="utf-8"), path


def test_default_year_is_next_year(tmp_path):
    import datetime

    created = create(tmp_path / "r", no_input=True)
    assert created.spec.parts[1] == str(datetime.date.today().year + 1)
    assert created.layout == LAYOUTS[0]


def test_answers_with_yaml_syntax_are_quoted(tmp_path):
    department = "某县: 自然资源局 #1"
    created = create(
        tmp_path / "r",
        no_input=True,
        answers={"layout": "河北-2020", "department": department, "compiled_by": "编制处", "year": "2026"},
    )
    spec = check(tmp_path / "r" / created.spec).spec
    assert (spec.department, spec.values["编制单位"]) == (department, "编制处")


@pytest.mark.parametrize("value", ["示例局", "a: b", "#x", "yes", "2020", " x", "'q'", "[1]", "多行\n文字"])
def test_yaml_scalar_reads_back_as_the_same_text(value):
    assert YAML(typ="safe", pure=True).load(f"k: {yaml_scalar(value)}")["k"] == value


def test_target_must_be_absent_or_empty(tmp_path):
    (tmp_path / "empty").mkdir()
    create(tmp_path / "empty", no_input=True)  # an empty directory is fine
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(PerfgenError) as exc:
        create(tmp_path / "full", no_input=True)
    assert exc.value.findings[0].code == "N001"
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["x.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".perfgen-new-")]  # no scratch left


def test_bad_answers(tmp_path):
    with pytest.raises(PerfgenError) as exc:
        create(tmp_path / "r", no_input=True, answers={"year": "20x6", "spec_name": "a/b"})
    assert (
        exc.value.findings[0].code == "N002"
        and "四位数字" in exc.value.findings[0].message
        and "/" in exc.value.findings[0].message
    )
    assert not (tmp_path / "r").exists()


def test_cli_new_then_check(tmp_path):
    result = perfgen("new", tmp_path / "x", "--no-input", "--layout", "河南-部门整体", "--year", "2026")
    assert result.returncode == 0, result.stderr
    assert "✓ 已创建" in result.stdout and "版式 河南-部门整体" in result.stdout
    checked = perfgen("check", "specs", cwd=tmp_path / "x")
    assert checked.returncode == 0 and "0 个错误，0 个警告" in checked.stdout
    again = perfgen("new", tmp_path / "x", "--no-input")
    assert again.returncode == 1 and "N001" in again.stderr and "Traceback" not in again.stderr
    unknown = perfgen("new", tmp_path / "y", "--layout", "山西", "--no-input")
    assert unknown.returncode == 1 and "「山西」" in unknown.stderr and "河北-2022" in unknown.stderr and not (tmp_path / "y").exists()
    assert perfgen("new").returncode == 2


def test_cli_prompts(tmp_path):
    answers = "郑州市自然资源和规划局\n2026\n3\n\n\n\nzhengzhou\n"
    result = perfgen("new", tmp_path / "z", stdin=answers)
    assert result.returncode == 0, result.stderr
    spec = check(tmp_path / "z" / "specs" / "2026" / "zhengzhou.yaml").spec
    assert (spec.department, spec.layout, spec.year) == ("郑州市自然资源和规划局", "河南-部门整体", 2026)


def test_generated_spec_rolls_over_and_rates_derive(tmp_path):
    from conftest import document_of

    from perfgen.years.rollover import rollover

    repo = tmp_path / "repo"
    created = create(repo, no_input=True, answers={"layout": "河南-部门整体", "year": "2026"})
    rolled = rollover(repo / created.spec, 2027)
    text = rolled.target.read_text(encoding="utf-8")
    text = text.replace("在职人员经费: 1210  # 【待核实：沿用 2026 年数】", "在职人员经费: 1331")
    text = text.replace("- 在职人员经费变动率: 21%", "- 在职人员经费变动率: {变动率: 在职人员经费}")
    rolled.target.write_text(text, encoding="utf-8")
    rows = {row.名称: row.指标值 for row in document_of(rolled.target)[0].绩效指标}
    assert rows["在职人员经费变动率"] == "10%"


def test_schema_command_and_examples_validate(tmp_path):
    result = perfgen("schema", "-o", tmp_path / "s.json")
    assert result.returncode == 0
    schema = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert schema == json.loads(json.dumps(json_schema()))
    validator = jsonschema.Draft202012Validator(schema)
    for example in SPECS.rglob("*.yaml"):
        assert not list(validator.iter_errors(YAML(typ="safe", pure=True).load(example.read_text(encoding="utf-8")))), example
    assert json.loads(perfgen("schema").stdout)["title"] == "perfgen 规格文件"


def test_committed_schema_is_current():
    """The example specs' modeline points at schema/perfgen.schema.json: keep it in step with the model
    (after changing perfgen/spec.py: perfgen schema -o schema/perfgen.schema.json)."""
    committed = json.loads((ROOT / "schema" / "perfgen.schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(json_schema()))
