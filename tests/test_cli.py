"""The command line: exit codes, Chinese messages with positions, no tracebacks."""

import subprocess
import sys

import pytest
from conftest import ROOTS

MINIMAL = ROOTS / "minimal" / "spec.yaml"


def perfgen(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "perfgen", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_build_writes_into_output_dir(tmp_path):
    result = perfgen("build", MINIMAL, "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "spec.docx").is_file()


def test_directory_builds_mirror_the_tree(tmp_path):
    (tmp_path / "specs" / "2021").mkdir(parents=True)
    (tmp_path / "specs" / "2021" / "a.yaml").write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "specs" / "2021" / "b.yaml").write_text("部门: [\n", encoding="utf-8")
    result = perfgen("build", tmp_path / "specs", "-o", tmp_path / "out")
    assert result.returncode == 1
    assert (tmp_path / "out" / "2021" / "a.docx").is_file()
    assert "b.yaml:" in result.stderr and "成功 1 个，失败 1 个" in result.stdout


def test_bad_input_gives_position_and_exit_1_without_traceback(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(MINIMAL.read_text(encoding="utf-8").replace("负责人:", "负责任:"), encoding="utf-8")
    result = perfgen("build", spec, "-o", tmp_path / "out")
    assert result.returncode == 1
    assert f"{spec}:22:5: 错误 S003" in result.stderr and "负责人" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_layout_and_missing_file(tmp_path):
    spec = tmp_path / "x.yaml"
    spec.write_text(MINIMAL.read_text(encoding="utf-8").replace("版式: 河北-2020", "版式: 山西-2020"), encoding="utf-8")
    result = perfgen("check", spec)
    assert result.returncode == 1 and f"{spec}:2:5: 错误 L001" in result.stderr and "河北-2020" in result.stderr
    result = perfgen("build", tmp_path / "missing.yaml")
    assert result.returncode == 1 and "找不到该文件" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_exit_2():
    assert perfgen("build").returncode == 2
    assert perfgen("frobnicate").returncode == 2


def test_check_and_layouts():
    result = perfgen("check", MINIMAL)
    assert result.returncode == 0 and "0 个错误" in result.stdout
    result = perfgen("layouts")
    assert result.returncode == 0 and result.stdout.startswith("河北-2020\t")


def test_layouts_lists_the_layouts_of_the_current_directory(tmp_path):
    import shutil

    from perfgen.model.layout import templates_root

    shutil.copytree(templates_root() / "hebei-2020", tmp_path / "layouts" / "my-form")
    description = tmp_path / "layouts" / "my-form" / "layout.yaml"
    description.write_text(description.read_text(encoding="utf-8").replace("name: 河北-2020", "name: 我的版式"), encoding="utf-8")
    (tmp_path / "layouts" / "broken").mkdir()
    (tmp_path / "layouts" / "broken" / "layout.yaml").write_text("name: x\n", encoding="utf-8")
    (tmp_path / ".hidden" / "x").mkdir(parents=True)
    shutil.copy(description, tmp_path / ".hidden" / "x" / "layout.yaml")
    result = perfgen("layouts", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "layouts/my-form\t我的版式\t" in "\n".join(lines) and lines[0].startswith("河北-2020\t")
    assert any(line.startswith("layouts/broken\t") and "description" in line for line in lines)
    assert ".hidden" not in result.stdout
    in_repository = perfgen("layouts", cwd=templates_root().parent).stdout
    assert "perfgen/layouts/hebei-2020" not in in_repository  # the built-ins are not listed twice


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["build"], "缺少参数「PATHS」"),
        (["build", "x.yaml", "--jobs", "0"], "「-j/--jobs」应是不小于 1 的整数"),
        (["check", "--format", "xml", "x.yaml"], "「--format」只能是 text、json 之一"),
        (["build", "--pfd", "x.yaml"], "是不是想写「--pdf」"),
        (["build", "x.yaml", "--pdf", "--draft"], "--pdf 与 --draft 不能同时使用"),
        (["rollover", "x.yaml"], "缺少选项「--year」"),
        (["diff", "a.yaml", "b.yaml", "c.yaml"], "多写了参数"),
        (["frobnicate"], "可用的命令有 build、check"),
    ],
)
def test_usage_errors_are_said_in_chinese(tmp_path, args, said):
    done = perfgen(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert said in done.stderr and "Error:" not in done.stderr and "Usage:" not in done.stderr, done.stderr


@pytest.mark.parametrize("command", ["", "build", "check", "diff", "layouts", "new", "rollover", "schema"])
def test_help_is_all_chinese(command):
    from click.testing import CliRunner

    from perfgen.cli import main

    result = CliRunner().invoke(main, [*command.split(), "--help"], prog_name="perfgen")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：perfgen") and "选项：" in result.output and "显示本帮助并退出。" in result.output
    for english in ("Usage", "Options", "Commands", "Show this", "default:", "required", "PATH ", "TEXT", "INTEGER"):
        assert english not in result.output, (english, result.output)
