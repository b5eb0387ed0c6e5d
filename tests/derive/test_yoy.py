"""Year-over-year figures: 变动率 derived from this spec's and the previous spec's 财务数据."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from conftest import SPECS, document_of, spec_findings

from perfgen.build import Job, build, check

HENAN = SPECS / "2020" / "zhengzhou-ziranziyuan.yaml"
MINIMAL_2020 = """版式: 河北-2020
年度: {year}
{extra}部门: 测试县自然资源局
审核单位: 河北省财政厅
总体绩效目标: 保护资源。
项目:
  - 名称: 耕地保护
    财政拨款: 10
    绩效指标:
      产出指标:
        数量指标:
{rows}"""

# Seed 000's 运行成本 rows and figures that give them: (name, figure, 2019, 2020, shown).
SEED_RATES = [
    ("在职人员经费变动率", "在职人员经费", "1000", "1210", "21%"),
    ("离退休人员经费变动率", "离退休人员经费", "500", "830", "66%"),
    ("人均公用经费变动率", "人均公用经费", "3.00", "2.79", "-7%"),
    ("“三公经费”变动率", "“三公经费”", "50", "49", "-2%"),
    ("厉行节约支出变动率", "厉行节约支出", "100", "15", "-85%"),
]


def henan_pair(tmp_path: Path) -> Path:
    """Seed 000 as a 2020 spec whose 运行成本 rates are derived from a 2019 spec; returns 2020's."""
    text = HENAN.read_text(encoding="utf-8")
    old = "\n".join(f"  {figure}: {before}" for _, figure, before, _, _ in SEED_RATES)
    new = "\n".join(f"  {figure}: {after}" for _, figure, _, after, _ in SEED_RATES)
    (tmp_path / "2019").mkdir()
    (tmp_path / "2020").mkdir()
    (tmp_path / "2019" / "z.yaml").write_text(text.replace("年度: 2020\n", f"年度: 2019\n财务数据:\n{old}\n"), encoding="utf-8")
    for name, figure, _, _, shown in SEED_RATES:
        assert f"- {name}: {shown}\n" in text
        text = text.replace(f"- {name}: {shown}\n", f"- {name}: {{变动率: {figure}}}\n")
    spec = tmp_path / "2020" / "z.yaml"
    spec.write_text(text.replace("年度: 2020\n", f"年度: 2020\n上年规格: ../2019/z.yaml\n财务数据:\n{new}\n"), encoding="utf-8")
    return spec


def minimal(tmp_path: Path, rows: str, *, figures: str = "", previous: str | None = None, year: int = 2020) -> Path:
    extra = (f"上年规格: {previous}\n" if previous else "") + (f"财务数据:\n{figures}" if figures else "")
    path = tmp_path / f"{year}.yaml"
    text = MINIMAL_2020.format(year=year, extra=extra, rows=rows).rstrip("\n") + "\n"
    path.write_text(text + "规则级别: {C102: 关闭, C103: 关闭}  # coverage is not what these tests are about\n", encoding="utf-8")
    return path


def rate_of(tmp_path: Path, before: str, after: str, value: str = "{变动率: 经费}") -> str:
    minimal(tmp_path, "          - 数量: 1\n", figures=f"  经费: {before}\n", year=2019)
    spec = minimal(tmp_path, f"          - 经费变动率: {value}\n", figures=f"  经费: {after}\n", previous="2019.yaml")
    doc, _ = document_of(spec)
    return doc.项目[0].绩效指标[0].指标值


def test_seed_000_rates_are_derived_from_both_years(tmp_path):
    spec = henan_pair(tmp_path)
    checked = check(spec)
    assert checked.warnings == ()
    assert checked.spec.previous_year.year == 2019
    assert checked.spec.previous_year.figures["在职人员经费"] == Decimal(1000)
    rows = {row.名称: row.指标值 for row in document_of(spec)[0].绩效指标}
    assert {name: rows[name] for name, *_ in SEED_RATES} == {name: shown for name, *_, shown in SEED_RATES}


def test_derived_rates_show_in_the_document_as_the_seed_does(tmp_path):
    spec = henan_pair(tmp_path)
    out = build(Job(spec, Path("z")), tmp_path / "out").outputs[0]
    cells = {}
    for table in docx.Document(out).tables:
        for row in table.rows:
            texts = [cell.text for cell in row.cells]
            for i, text in enumerate(texts[:-1]):
                cells.setdefault(text, texts[i + 1])
    assert [cells[name] for name, *_ in SEED_RATES] == ["21%", "66%", "-7%", "-2%", "-85%"]


@pytest.mark.parametrize(
    ("before", "after", "value", "shown"),
    [
        ("1000", "1205", "{变动率: 经费}", "21%"),  # 20.5 rounds half up
        ("1000", "935", "{变动率: 经费}", "-7%"),  # -6.5 rounds away from zero
        ("1000", "1205", "{变动率: 经费, 小数位: 1}", "20.5%"),
        ("3", "2", "{变动率: 经费, 小数位: 2}", "-33.33%"),
        ("1000", "1001", "{变动率: 经费}", "0%"),  # never 「-0%」
        ("1000", "999", "{变动率: 经费}", "0%"),
    ],
)
def test_rounding(tmp_path, before, after, value, shown):
    assert rate_of(tmp_path, before, after, value) == shown


def test_long_form_and_other_layouts(tmp_path):
    minimal(tmp_path, "          - 数量: 1\n", figures="  经费: 80\n", year=2019)
    spec = minimal(
        tmp_path,
        "          - 名称: 经费变动率\n            指标值: {变动率: 经费}\n",
        figures="  经费: 100\n",
        previous="2019.yaml",
    )
    checked = check(spec)  # 上年规格 and 财务数据 are accepted by every layout (no L004)
    assert checked.warnings == ()
    row = document_of(spec)[0].项目[0].绩效指标[0]
    assert (row.指标值, row.符号, row.值, row.单位) == (
        "25%",
        "=",
        "25",
        "百分比",
    )


def rate_findings(tmp_path: Path, row: str = "{变动率: 经费}", **spec) -> list:
    """Everything `perfgen check` reports for a minimal 2020 spec whose one indicator is `经费变动率: row`."""
    path = minimal(tmp_path, f"          - 经费变动率: {row}\n", **spec)
    return spec_findings(tmp_path, path.read_text(encoding="utf-8"))


def codes(findings):
    return [(f.code, f.severity.value, f.position.line, f.position.column) for f in findings]


def test_missing_previous_spec_is_an_error_at_its_key(tmp_path):
    findings = rate_findings(tmp_path, figures="  经费: 1\n", previous="../2019/none.yaml")
    assert codes(findings) == [("V001", "错误", 3, 7)]
    assert "../2019/none.yaml" in findings[0].message and "相对于本规格文件所在的目录" in findings[0].message


def test_broken_previous_spec_names_both_files(tmp_path):
    (tmp_path / "2019.yaml").write_text("年度: [\n", encoding="utf-8")
    findings = rate_findings(tmp_path, figures="  经费: 1\n", previous="2019.yaml")
    assert [(f.position.path.endswith("2019.yaml"), f.code) for f in findings] == [(True, "Y003"), (False, "V002")]
    assert findings[1].position.line == 3 and "有 1 个错误" in findings[1].message


def test_previous_spec_that_does_not_validate(tmp_path):
    (tmp_path / "2019.yaml").write_text("版式: 河北-2020\n年度: 2019\n部门: x\n财务数据: {经费: 多}\n", encoding="utf-8")
    findings = rate_findings(tmp_path, figures="  经费: 1\n", previous="2019.yaml")
    assert {f.code for f in findings} == {"V002", "S004"}
    assert next(f for f in findings if f.code == "S004").position.line == 4


def test_rate_without_previous_spec(tmp_path):
    findings = rate_findings(tmp_path, figures="  经费: 1\n")
    assert codes(findings) == [("V003", "错误", 14, 20)]
    assert "上年规格" in findings[0].message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  其他: 1\n", "  经费: 1\n", [("V005", "错误", 15, 26)]),
        ("  经费: 1\n", "  其他: 1\n", [("V004", "错误", 15, 26)]),
        ("  经费: 0\n", "  经费: 5\n", [("V006", "错误", 15, 26)]),
        ("  经费: 5\n", "  经费: 5\n", [("V008", "警告", 5, 7)]),
    ],
)
def test_figure_problems_point_at_the_rate(tmp_path, old, new, expected):
    minimal(tmp_path, "          - 数量: 1\n", figures=old, year=2019)
    assert codes(rate_findings(tmp_path, figures=new, previous="2019.yaml")) == expected


def test_previous_spec_of_another_year_is_a_warning(tmp_path):
    minimal(tmp_path, "          - 数量: 1\n", figures="  经费: 4\n", year=2018)
    assert codes(rate_findings(tmp_path, figures="  经费: 5\n", previous="2018.yaml")) == [("V007", "警告", 3, 7)]


def test_misspelt_rate_key_gets_a_hint(tmp_path):
    findings = rate_findings(tmp_path, "{变动率: 经费, 小数: 1}", figures="  经费: 5\n")
    assert codes(findings) == [("S003", "错误", 14, 30)] and "小数位" in findings[0].message


def test_cli_reports_a_missing_previous_spec_without_traceback(tmp_path):
    spec = minimal(tmp_path, "          - 经费变动率: {变动率: 经费}\n", figures="  经费: 1\n", previous="../2019/x.yaml")
    result = subprocess.run([sys.executable, "-m", "perfgen", "check", spec], check=False, capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{spec}:3:7: 错误 V001" in result.stderr and "Traceback" not in result.stderr
