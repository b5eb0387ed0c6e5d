"""`perfgen rollover`: next year's spec with comments, order and layout kept, per-year values flagged."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SPECS

from perfgen.build import check
from perfgen.errors import PerfgenError
from perfgen.load.load import load_source
from perfgen.years.rollover import rollover
from perfgen.model.spec import layout_of

EXAMPLES = sorted(SPECS.rglob("*.yaml"))


def _extends(spec: Path) -> bool:
    return layout_of(load_source(spec)).base is not None


TARGETS = [p for p in EXAMPLES if not _extends(p)]  # target forms
YEAR_END = [p for p in EXAMPLES if _extends(p)]  # monitoring and self-evaluation
MARK = re.compile(r"(\s+#)?\s+【待核实：[^】]*】")


def copy_example(tmp_path: Path, example: Path) -> Path:
    """The example at tmp_path/specs/<year>/<name>, as it sits in a department's repository."""
    target = tmp_path / "specs" / example.parent.name / example.name
    target.parent.mkdir(parents=True)
    shutil.copy(example, target)
    return target


def comments(text: str) -> list[str]:
    """Every comment of a YAML text (whole-line and end-of-line), as written."""
    found = []
    for line in text.splitlines():
        match = re.search(r"(^|\s)(#.*)$", line)
        if match:
            found.append(match.group(2))
    return found


@pytest.mark.parametrize("example", TARGETS, ids=lambda p: p.stem)
def test_rolled_example_checks_and_keeps_everything(tmp_path, example):
    spec = copy_example(tmp_path, example)
    year = int(example.parent.name)
    rolled = rollover(spec, year + 1)
    assert rolled.target == tmp_path / "specs" / str(year + 1) / example.name
    old, new = spec.read_text(encoding="utf-8"), rolled.target.read_text(encoding="utf-8")

    checked = check(rolled.target)  # no errors (a PerfgenError would fail the test)
    assert checked.spec.year == year + 1
    assert checked.spec.previous_spec == f"../{year}/{example.name}"
    assert checked.spec.previous_year.year == year
    assert [f.code for f in checked.warnings] == [f.code for f in check(spec).warnings]  # nothing new (井研's example has one)

    new_lines = new.splitlines()
    for comment in comments(old):  # every comment survives, on a line of its own or at a line's end
        assert any(comment in line for line in new_lines), comment
    # Apart from 年度, the inserted 上年规格 and the appended marks, the file is byte for byte the same.
    restored = "\n".join(MARK.sub("", line) for line in new_lines if not line.startswith("上年规格:")) + "\n"
    assert restored == old.replace(f"\n年度: {year}\n", f"\n年度: {year + 1}\n")
    assert rolled.exact_layout
    assert spec.read_text(encoding="utf-8") == old  # the old spec is untouched


@pytest.mark.parametrize("example", YEAR_END, ids=lambda p: p.stem)
def test_a_year_end_spec_starts_next_year_as_a_target_spec(tmp_path, example):
    """Monitoring / self-evaluation: next year's spec is one of the target form, without this
    year's actuals (they stay in the old file, which 上年规格 names); comments on kept lines stay."""
    spec = copy_example(tmp_path, example)
    year = int(example.parent.name)
    layout = layout_of(load_source(spec))
    rolled = rollover(spec, year + 1)
    new = rolled.target.read_text(encoding="utf-8")
    checked = check(rolled.target)
    assert checked.computed.layout.name == layout.first.name and checked.computed.layout.base is None
    assert checked.spec.previous_year.year == year
    added = {label for _, label in set().union(*(stage.own_fields() for stage in layout.chain[1:]))}
    keys = {m.group(1) for m in re.finditer(r"^\s*(?:- )?([^\s:#][^:#]*?):", new, re.M)}
    assert rolled.dropped > 0 and not keys & added, keys & added
    assert f"改为「{layout.name}」" in new.splitlines()[[i for i, line in enumerate(new.splitlines()) if line.startswith("版式:")][0]]
    old_lines = spec.read_text(encoding="utf-8").splitlines()
    for line in old_lines:  # every kept line is still there, with its comment
        key = re.match(r"^\s*(?:- )?([^\s:#][^:#]*?):", line)
        if (key is None or key.group(1) not in added) and not line.startswith(("版式:", "年度:")) and "# " in line:
            assert line.split("# ", 1)[1] in new, line
    assert checked.computed.evaluated == ()



def test_amounts_and_codes_are_flagged_not_changed(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2022" / "xushui-ziranziyuan.yaml")
    rolled = rollover(spec, 2023)
    lines = rolled.target.read_text(encoding="utf-8").splitlines()
    assert (
        "    其他资金: 1.75                      # 万元；预算数 = 财政资金 + 其他资金，自动计算 【待核实：沿用 2022 年数】"
        in lines
    )
    assert "    编码: 13062522P00459810061C        # 项目编码 【待核实：2022 年的项目编码】" in lines
    assert any(
        line.startswith("    支出计划: {3月底: 24%, 6月底: 50%, 10月底: 74%, 12月底: 100%}") and "待核实" in line
        for line in lines
    )
    flagged = [line for line in lines if "【待核实" in line]
    per_year = ("编码:", "财政资金:", "财政拨款:", "其他资金:", "预算数:", "支出计划:")
    old_lines = spec.read_text(encoding="utf-8").splitlines()
    assert len(flagged) == rolled.flagged == sum(line.strip().startswith(per_year) for line in old_lines) == 16
    assert not any("待核实" in line for line in lines if line.lstrip().startswith(("名称:", "用途:", "- ")))


def test_typed_change_rates_and_task_amounts_are_flagged(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2020" / "zhengzhou-ziranziyuan.yaml")
    rolled = rollover(spec, 2021)
    text = rolled.target.read_text(encoding="utf-8")
    assert "      - 在职人员经费变动率: 21%  # 【待核实：2020 年数，可改写为 {变动率: …} 自动计算】" in text
    assert "      - 结转结余变动率: 无变动  # 【待核实：2020 年数，可改写为 {变动率: …} 自动计算】" in text
    assert "    财政资金: 50          # 万元；合计 = 财政资金 + 其他资金，自动计算 【待核实：沿用 2020 年数】" in text
    assert "总体成本节约率: 11%\n" in text  # only …变动率 rows are per-year figures
    assert rolled.flagged == 27 + 6  # 27 tasks' amounts, 6 「…变动率」 rows


def test_previous_spec_is_updated_when_rolled_again(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2020" / "chengde-gaoxin-guotu.yaml")
    once = rollover(spec, 2021).target
    twice = rollover(once, 2022).target
    text = twice.read_text(encoding="utf-8")
    assert text.count("上年规格:") == 1 and "上年规格: ../2021/chengde-gaoxin-guotu.yaml" in text
    assert check(twice).spec.previous_year.year == 2021
    assert "【待核实：沿用 2020 年数】 【待核实：沿用 2021 年数】" in text  # marks not yet cleared accumulate


def test_comment_block_after_year_stays_above_its_key(tmp_path):
    spec = tmp_path / "specs" / "2020" / "x.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text("版式: 河北-2020\n年度: 2020   # 预算年度\n\n# 部门全称\n部门: 某局\n", encoding="utf-8")
    rolled = rollover(spec, 2021)
    assert rolled.target.read_text(encoding="utf-8") == (
        "版式: 河北-2020\n年度: 2021   # 预算年度\n"
        "上年规格: ../2020/x.yaml  # 上年的规格文件（相对本文件），变动率据此计算\n\n# 部门全称\n部门: 某局\n"
    )


def test_other_indentation_is_kept(tmp_path):
    spec = tmp_path / "x.yaml"
    text = "版式: 河北-2020\n年度: '2020'\n部门: 某局\n项目:\n- 名称: a\n  财政拨款: 1\n  绩效指标:\n    产出指标:\n      数量指标:\n      - 次数: 1\n"
    spec.write_text(text, encoding="utf-8")
    target = tmp_path / "out" / "y.yaml"
    rolled = rollover(spec, 2021, target)
    assert rolled.exact_layout and rolled.previous_spec == "../x.yaml"
    assert target.read_text(encoding="utf-8") == text.replace(
        "年度: '2020'\n", "年度: '2021'\n上年规格: ../x.yaml  # 上年的规格文件（相对本文件），变动率据此计算\n"
    ).replace("  财政拨款: 1\n", "  财政拨款: 1  # 【待核实：沿用 2020 年数】\n")


def test_default_target_outside_a_year_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_text("版式: 河北-2020\n年度: 2020\n部门: 某局\n", encoding="utf-8")
    assert rollover(Path("x.yaml"), 2021).target == Path("specs/2021/x.yaml")
    assert "上年规格: ../../x.yaml" in (tmp_path / "specs" / "2021" / "x.yaml").read_text(encoding="utf-8")


def test_hints_list_places_that_still_name_the_old_year(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2020" / "chengde-gaoxin-guotu.yaml")
    rolled = rollover(spec, 2021)
    lines = [hint.position.line for hint in rolled.hints]
    assert 2 in lines  # the title comment 「… 2020 年绩效文本」
    assert 4 not in lines and 6 not in lines  # 版式: 河北-2020 (an edition) and 上年规格
    assert all(str(rolled.target) == hint.position.path for hint in rolled.hints)
    assert any("2020年度土地变更调查" in hint.text for hint in rolled.hints)


def test_refuses_to_overwrite_without_force(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2020" / "chengde-gaoxin-guotu.yaml")
    target = tmp_path / "specs" / "2021" / spec.name
    target.parent.mkdir()
    target.write_text("已有内容\n", encoding="utf-8")
    with pytest.raises(PerfgenError) as exc:
        rollover(spec, 2021)
    assert exc.value.findings[0].code == "O002" and "--force" in exc.value.findings[0].message
    assert target.read_text(encoding="utf-8") == "已有内容\n"
    rollover(spec, 2021, force=True)
    assert target.read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_year_must_be_later(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2020" / "chengde-gaoxin-guotu.yaml")
    with pytest.raises(PerfgenError) as exc:
        rollover(spec, 2020)
    finding = exc.value.findings[0]
    assert (finding.code, finding.position.line, finding.position.column) == ("O001", 5, 5)


def test_rolled_figures_left_unchanged_are_a_warning(tmp_path):
    spec = tmp_path / "specs" / "2020" / "x.yaml"
    spec.parent.mkdir(parents=True)
    text = (SPECS / "2020" / "zhengzhou-ziranziyuan.yaml").read_text(encoding="utf-8")
    spec.write_text(text.replace("年度: 2020\n", "年度: 2020\n财务数据:\n  在职人员经费: 1000\n"), encoding="utf-8")
    target = rollover(spec, 2021).target
    rolled = target.read_text(encoding="utf-8")
    assert "  在职人员经费: 1000  # 【待核实：沿用 2020 年数】" in rolled
    target.write_text(rolled.replace("在职人员经费变动率: 21%", "在职人员经费变动率: {变动率: 在职人员经费}"), encoding="utf-8")
    assert [(f.code, f.position.line) for f in check(target).warnings] == [("V008", 9)]


def perfgen(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "perfgen", *map(str, args)], check=False, capture_output=True, text=True, cwd=cwd
    )


def test_cli(tmp_path):
    spec = copy_example(tmp_path, SPECS / "2020" / "chengde-gaoxin-guotu.yaml")
    result = perfgen("rollover", "specs/2020/chengde-gaoxin-guotu.yaml", "--year", "2021", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "specs/2021/chengde-gaoxin-guotu.yaml（2021 年度）" in result.stdout
    assert "【待核实：…】" in result.stdout and "specs/2021/chengde-gaoxin-guotu.yaml:2:" in result.stdout
    again = perfgen("rollover", spec, "--year", "2021", cwd=tmp_path)
    assert again.returncode == 1 and "O002" in again.stderr and "Traceback" not in again.stderr
    assert perfgen("rollover", spec, cwd=tmp_path).returncode == 2  # --year is required
    assert perfgen("rollover", spec, "--year", "20x1", cwd=tmp_path).returncode == 2
    missing = perfgen("rollover", tmp_path / "none.yaml", "--year", "2021")
    assert missing.returncode == 1 and "找不到该文件" in missing.stderr and "Traceback" not in missing.stderr
    assert perfgen("check", tmp_path / "specs").returncode == 0


def test_a_layout_directory_is_still_found_from_the_new_place(tmp_path):
    from conftest import TESTS

    layout = tmp_path / "layouts" / "form"
    shutil.copytree(TESTS / "layouts" / "every-field", layout)
    spec = tmp_path / "specs" / "2024" / "a.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text((layout / "spec.yaml").read_text(encoding="utf-8").replace("版式: .", "版式: ../../layouts/form"), encoding="utf-8")
    rolled = rollover(spec, 2025, tmp_path / "elsewhere" / "r.yaml")
    assert "版式: ../layouts/form\n" in rolled.target.read_text(encoding="utf-8")
    assert check(rolled.target).layout.name == "测试-全部字段"
