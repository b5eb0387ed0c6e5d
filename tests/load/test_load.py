from decimal import Decimal

import pytest

from perfgen.errors import Severity, SourceError
from perfgen.load.load import Number, load_source


def write(tmp_path, text: str | bytes, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def only_finding(exc_info):
    (finding,) = exc_info.value.findings
    return finding


def test_values_keep_positions_and_number_text(tmp_path):
    source = load_source(write(tmp_path, "部门: 甲\n项目:\n  - 财政拨款: 48.360\n    编号: 0012\n"))
    assert source.data["项目"][0]["财政拨款"] == Decimal("48.360")
    assert isinstance(source.data["项目"][0]["编号"], Number) and source.data["项目"][0]["编号"].source_text == "0012"
    assert str(source.position(("项目", 0, "财政拨款"))).endswith(":3:11")
    assert str(source.position(("项目", 0, "财政拨款"), key=True)).endswith(":3:5")
    assert str(source.position(("项目", 0, "不存在"))).endswith(":3:5")  # falls back to the parent


def test_bom_is_accepted(tmp_path):
    assert load_source(write(tmp_path, "\ufeff部门: 甲\n")).data == {"部门": "甲"}


def test_gbk_file_is_explained(tmp_path):
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "部门: 甲\n".encode("gbk")))
    finding = only_finding(exc)
    assert finding.code == "Y002" and "GBK" in finding.message and "UTF-8" in finding.message
    assert finding.position.line == 1


def test_syntax_error_has_position_and_chinese_hint(tmp_path):
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "部门: 甲\n项目:\n\t- 名称: x\n"))
    finding = only_finding(exc)
    assert finding.code == "Y003" and (finding.position.line, finding.position.column) == (3, 1)
    assert "Tab" in finding.message


def test_duplicate_keys_are_errors_at_the_second_key(tmp_path):
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "部门: 甲\n年度: 2020\n部门: 乙\n"))
    finding = only_finding(exc)
    assert finding.code == "Y007" and finding.position.line == 3 and "第 1 行" in finding.message


def test_python_tags_are_refused_not_executed(tmp_path):
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "部门: !!python/object/apply:os.system ['echo hi']\n"))
    assert only_finding(exc).code == "Y009"


def test_empty_file_and_missing_file(tmp_path):
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "# only a comment\n"))
    assert only_finding(exc).code == "Y004"
    with pytest.raises(SourceError) as exc:
        load_source(tmp_path / "nope.yaml")
    assert only_finding(exc).code == "Y001"


def test_control_characters_are_removed_and_reported(tmp_path):
    source = load_source(write(tmp_path, "部门: 甲\x0b乙\n"))
    assert source.data == {"部门": "甲乙"}
    (warning,) = source.findings
    assert warning.severity is Severity.WARNING and "U+000B" in warning.message
    assert (warning.position.line, warning.position.column) == (1, 6)


def test_alias_expansion_is_bounded(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]")
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "\n".join(lines) + "\n"))
    assert only_finding(exc).code == "Y005"


@pytest.mark.parametrize(
    ("text", "line", "column", "said"),
    [
        # a full-width colon after a key: at that key's line, named as such (not at the next line)
        ("部门: 甲\n项目：\n  - 名称: 乙\n", 2, 3, "全角冒号「：」"),
        ("部门: 甲\n项目:\n  - 名称：乙\n    财政拨款: 1\n", 3, 7, "全角冒号「：」"),
        # full-width spaces as indentation
        ("部门: 甲\n项目:\n\u3000\u3000- 名称: 乙\n", 3, 1, "全角空格「　」不能用来缩进"),
        ("部门: 甲\n负责人:\n\u3000\u3000姓名: 乙\n", 3, 1, "全角空格「　」不能用来缩进"),
        # an unclosed quote or bracket: where it opens, not at the end of the file
        ('部门: 甲\n项目:\n  - 名称: "乙\n    财政拨款: 1\n', 3, 9, "引号没有配对"),
        ("部门: 甲\n项目: [{名称: 乙}\n审核单位: 丙\n", 2, 5, "方括号「[ ]」"),
        # a byte that is not UTF-8: its column in characters
        ("部门: 测试局".encode() + b"\xff\n", 1, 8, "不是 UTF-8"),
        # two keys that differ only by spaces or width
        ('部门: 甲\n"部门 ": 乙\n', 2, 1, "只差空格或全角/半角"),
        ("项目:\n  - 名称: 甲\n    财政拨款: 1\n    财政拨款\u3000: 2\n", 4, 5, "只差空格或全角/半角"),
    ],
    ids=["colon-key", "colon-in-list", "indent-list", "indent-key", "quote", "bracket", "encoding", "twin-space", "twin-width"],
)
def test_mistakes_are_placed_where_they_are_made(tmp_path, text, line, column, said):
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, text))
    finding = only_finding(exc)
    assert (finding.position.line, finding.position.column) == (line, column), str(finding)
    assert said in finding.message


def test_separators_and_c1_controls_are_reported_at_their_place_and_shift_nothing(tmp_path):
    source = load_source(write(tmp_path, "部门: 测\u2028试\u0085局\u009b\n年度: 2021\n审核单位: 丙\n"))
    assert source.data["部门"] == "测试局" and source.data["审核单位"] == "丙"
    assert [(f.code, f.severity, f.position.line, f.position.column) for f in source.findings] == [
        ("T001", Severity.WARNING, 1, 6), ("T001", Severity.WARNING, 1, 8), ("T001", Severity.WARNING, 1, 10),
    ]  # fmt: skip
    assert str(source.position(("审核单位",))).endswith(":3:7")  # U+2028 did not count as a line break


def test_flow_nesting_is_bounded_before_the_c_parser(tmp_path):
    """30,000 nested `[` crashed libyaml's parser (a segmentation fault, no message)."""
    with pytest.raises(SourceError) as exc:
        load_source(write(tmp_path, "部门: " + "[" * 30_000 + "\n"))
    finding = only_finding(exc)
    assert (finding.code, finding.position.line, finding.position.column) == ("Y005", 1, 69)  # the 65th bracket
    assert load_source(write(tmp_path, "部门: " + "[" * 60 + "甲" + "]" * 60 + "\n")).data["部门"]  # deep, but within the bound
