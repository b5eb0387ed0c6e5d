"""Malformed input, hand-written and generated: never a traceback, never a hang, always a position.

Every case runs `perfgen check` in process (click's runner catches any exception); cases that pass
the check are also built, to show that whatever validates also renders. Asserted for each: exit
status 0 or 1, no exception other than the exit, every error line `file:line:col: 错误 …` with a
line, and a run of a few seconds at most.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOTS, SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from perfgen.cli import main

EXAMPLES = [*sorted(SPECS.glob("*/*.yaml")), ROOTS / "minimal" / "spec.yaml"]
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (错误|警告) [A-Z]\d{3} \S")
SECONDS = 5.0


def run(args: list[str]):
    started = time.monotonic()
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    return result, time.monotonic() - started


def assert_handled(path: Path, tmp: Path) -> None:
    result, seconds = run(["check", str(path)])
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert seconds < SECONDS, seconds
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    for line in lines:
        match = FINDING.match(line)
        assert match and int(match["line"]) >= 1 and int(match["col"]) >= 1, line
    if result.exit_code == 1:
        assert any("错误" in line for line in lines), result.output
        return
    built, seconds = run(["build", "--draft", str(path), "-o", str(tmp / "out")])
    assert built.exit_code in (0, 1) and (built.exception is None or isinstance(built.exception, SystemExit)), repr(built.exception)
    assert seconds < SECONDS * 4, seconds


# ---------------------------------------------------------------------------------------------
# Hand-written cases

BASE = (ROOTS / "minimal" / "spec.yaml").read_text(encoding="utf-8")
DEEP = "a:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 120))
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)
HAND_WRITTEN: dict[str, str | bytes] = {
    "empty": "",
    "only comments": "# 注释\n# 另一行\n",
    "a list": "- 部门: 甲\n",
    "a scalar": "部门\n",
    "null document": "~\n",
    "bom": "\ufeff" + BASE,
    "gbk": BASE.encode("gbk", errors="replace"),
    "utf-16": BASE.encode("utf-16"),
    "binary": bytes(range(256)) * 4,
    "nul bytes": BASE.replace("部门:", "部\x00门:"),
    "tab indentation": BASE.replace("  耕地保护股:", "\t耕地保护股:"),
    "unclosed quote": BASE.replace("年度: 2021", "年度: '2021"),
    "unclosed bracket": BASE.replace("年度: 2021", "年度: [2021"),
    "unclosed brace": BASE.replace("年度: 2021", "年度: {2021"),
    "duplicate keys": BASE + "部门: 又一个\n",
    "python tag": BASE.replace("部门: 测试县自然资源局", "部门: !!python/object/apply:os.system ['echo pwned']"),
    "binary tag": BASE.replace("部门: 测试县自然资源局", "部门: !!binary aGVsbG8="),
    "set tag": BASE.replace("部门: 测试县自然资源局", "部门: !!set {a, b}"),
    "billion laughs": LAUGHS,
    "deep nesting": DEEP,
    "merge key": "base: &b {部门: 甲}\n<<: *b\n" + BASE,
    "complex key": "? [a, b]\n: c\n" + BASE,
    "two documents": BASE + "---\n" + BASE,
    "numeric key": BASE + "123: x\n",
    "null key": BASE + "~: x\n",
    "no 版式": BASE.replace("版式: 河北-2020\n", ""),
    "unknown 版式": BASE.replace("版式: 河北-2020", "版式: 火星-2099"),
    "版式 path outside": BASE.replace("版式: 河北-2020", "版式: ../../../../etc"),
    "年度 text": BASE.replace("年度: 2021", "年度: 二〇二一"),
    "年度 float": BASE.replace("年度: 2021", "年度: 2021.5"),
    "年度 list": BASE.replace("年度: 2021", "年度: [2021]"),
    "money negative": BASE.replace("财政拨款: 10.50", "财政拨款: -10.50"),
    "money huge exponent": BASE.replace("财政拨款: 10.50", "财政拨款: 1e400"),
    "money inf": BASE.replace("财政拨款: 10.50", "财政拨款: .inf"),
    "money nan": BASE.replace("财政拨款: 10.50", "财政拨款: .nan"),
    "money with unit": BASE.replace("财政拨款: 10.50", "财政拨款: 10.50万元"),
    "money bool": BASE.replace("财政拨款: 10.50", "财政拨款: true"),
    "money full-width digits": BASE.replace("财政拨款: 10.50", "财政拨款: １０.５"),
    "money hex": BASE.replace("财政拨款: 10.50", "财政拨款: 0x1F"),
    "项目 a mapping": BASE.replace("项目:\n  - 名称: 耕地保护", "项目:\n  名称: 耕地保护"),
    "项目 item a string": BASE.replace("项目:\n", "项目:\n  - 只是一句话\n"),
    "绩效指标 a list": BASE.replace("    绩效指标:\n      产出指标:", "    绩效指标:\n      - 产出指标:", 1),
    "indicator a number": BASE.replace("          - 巡查次数: ≥12次", "          - 12"),
    "indicator empty mapping": BASE.replace("          - 巡查次数: ≥12次", "          - {}"),
    "long-form value junk": BASE.replace("{符号: 文字描述, 值: \"100\", 单位: 完成数据库}", "{符号: [1], 颜色: 红}"),
    "group note in a project": BASE.replace("        质量指标:\n          - 合规性: 合规性", "        质量指标: {解释: x}"),
    "text field a list": BASE.replace("部门: 测试县自然资源局", "部门: [甲, 乙]"),
    "text field a mapping": BASE.replace("部门: 测试县自然资源局", "部门: {甲: 乙}"),
    "control characters": BASE.replace("守住耕地红线。", "守住\x0b耕地\x01红线\x7f。"),
    "zero-width and odd spaces": BASE.replace("守住耕地红线。", "守住\u200b耕地\u3000红线\ufeff。"),
    "very long line": BASE.replace("守住耕地红线。", "长" * 200_000),
    "上年规格 missing": BASE.replace("年度: 2021\n", "年度: 2021\n上年规格: ../2020/不存在.yaml\n"),
    "上年规格 itself": BASE.replace("年度: 2021\n", "年度: 2021\n上年规格: spec.yaml\n"),
    "上年规格 a directory": BASE.replace("年度: 2021\n", "年度: 2021\n上年规格: .\n"),
    "变动率 without figures": BASE.replace("巡查次数: ≥12次", "巡查次数: {变动率: 人员经费}"),
    "规则级别 junk": BASE + "规则级别: [C101]\n",
    "规则级别 unknown": BASE + "规则级别: {Z999: 错误, C101: 致命}\n",
    "支出计划 junk": BASE.replace("    财政拨款: 3\n", "    财政拨款: 3\n    支出计划: {3月底: 很多, 13月底: 5%}\n"),
    "indentation error": BASE.replace("  耕地保护股:\n    绩效目标", "  耕地保护股:\n      绩效目标"),
    "colon in text": BASE.replace("守住耕地红线。", "守住: 耕地: 红线"),
    "windows line endings": BASE.replace("\n", "\r\n"),
    "old mac line endings": BASE.replace("\n", "\r"),
    "trailing spaces everywhere": BASE.replace("\n", "   \n"),
    "full-width colon keys": BASE.replace("部门: ", "部门："),
    "full-width comparators": BASE.replace("≥12次", "＞＝12次").replace("=90%", "＝９０％"),
    "truncated": BASE[: len(BASE) // 2],
}


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_hand_written(name, tmp_path):
    path = tmp_path / "spec.yaml"
    content = HAND_WRITTEN[name]
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert_handled(path, tmp_path)


def test_file_too_large_and_not_a_file(tmp_path):
    big = tmp_path / "spec.yaml"
    big.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    assert_handled(big, tmp_path)
    result, _ = run(["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "找不到该文件" in result.output
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    result, _ = run(["check", str(empty_dir)])
    assert result.exit_code == 1 and "没有规格文件" in result.output


# ---------------------------------------------------------------------------------------------
# Generated mutations of the example specs

YAML_SAFE = YAML(typ="safe", pure=True)
JUNK = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
    st.sampled_from([None, True, False, [], {}, [1, "a"], {"x": 1}, "≥", "%", "292%", "－5", "\x0b", "\t", "'", '"', ":", "- ", "{{ doc }}", "{% if %}"]),
)


def _paths(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _paths(value, prefix + (i,))


def _mutate(tree, rnd: random.Random, junk):
    paths = [p for p in _paths(tree) if p]
    path = rnd.choice(paths)
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    kind = rnd.choice(["junk", "delete", "rename", "wrap", "unwrap"])
    if kind == "junk":
        parent[last] = junk
    elif kind == "delete":
        del parent[last]
    elif kind == "rename" and isinstance(parent, dict):
        key = str(last)
        typo = key[:-1] if len(key) > 1 and rnd.random() < 0.5 else key + rnd.choice("甲的 x")
        parent[typo] = parent.pop(last)
    elif kind == "wrap":
        parent[last] = [parent[last]]
    elif isinstance(parent[last], (list, dict)) and parent[last]:
        values = parent[last] if isinstance(parent[last], list) else list(parent[last].values())
        parent[last] = values[0]
    return tree


def _text_mutation(text: str, rnd: random.Random) -> str:
    if not text:  # truncated to nothing by an earlier mutation
        return text
    lines = text.split("\n")
    i = rnd.randrange(len(lines))
    kind = rnd.choice(["insert", "drop", "duplicate", "truncate", "indent"])
    if kind == "insert":
        at = rnd.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:at] + rnd.choice(["\t", ":", "- ", "'", "[", "{", "#", "\x0b", "&a ", "*a", "!!str ", "？"]) + lines[i][at:]
    elif kind == "drop":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "truncate":
        return text[: rnd.randrange(len(text))]
    else:
        lines[i] = " " + lines[i]
    return "\n".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLES), st.integers(0, 2**32), st.lists(JUNK, min_size=1, max_size=3))
def test_mutated_trees(tmp_path, example, seed, junk):
    rnd = random.Random(seed)
    tree = YAML_SAFE.load(example.read_text(encoding="utf-8"))
    for value in junk:
        tree = _mutate(tree, rnd, value)
    path = tmp_path / f"mutant-{seed}.yaml"
    with path.open("w", encoding="utf-8") as fh:
        YAML(typ="safe", pure=True).dump(tree, fh)
    assert_handled(path, tmp_path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLES), st.integers(0, 2**32))
def test_mutated_text(tmp_path, example, seed):
    rnd = random.Random(seed)
    text = example.read_text(encoding="utf-8")
    for _ in range(rnd.randint(1, 3)):
        text = _text_mutation(text, rnd)
    path = tmp_path / f"mutant-{seed}.yaml"
    path.write_text(text, encoding="utf-8")
    assert_handled(path, tmp_path)
