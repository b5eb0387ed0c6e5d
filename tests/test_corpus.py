"""A corpus of bad input, generated from the example specs: for every case, `check` either passes
or raises a `PerfgenError` (never anything else: that would be a traceback for the user), every
finding is Chinese and placed inside the file, the spec is never modified, and a failing build
keeps the earlier outputs byte for byte and leaves nothing behind. Targeted mistakes (a tab, a
full-width colon, a control character …) must be reported at the very line where they were made.

The cases are deterministic (seeded); `FAMILIES` counts them per family."""

import random
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import SPECS

from perfgen.build import Job, Options, build, check
from perfgen.errors import PerfgenError

EXAMPLES = sorted(SPECS.rglob("*.yaml"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _content_lines(text: str) -> list[int]:
    """0-based indexes of lines holding a key (not comments, not blank)."""
    return [i for i, line in enumerate(_lines(text)) if re.match(r"^\s*(- )?[^\s#][^:#]*:( |$)", line)]


def _replace_line(text: str, index: int, new: str) -> str:
    lines = _lines(text)
    lines[index] = new
    return "\n".join(lines)


# Each family: name → function(text, rng) → (bytes of the mutated spec, expected (line, column) or None).
def tab_indent(text, rng):
    i = rng.choice([i for i in _content_lines(text) if _lines(text)[i].startswith("  ")])
    line = _lines(text)[i]
    return _replace_line(text, i, "\t" + line[2:]).encode(), (i + 1, 1)


def full_width_colon(text, rng):
    i = rng.choice([i for i in _content_lines(text) if _lines(text)[i].rstrip().endswith(":")])
    line = _lines(text)[i].rstrip()
    return _replace_line(text, i, line[:-1] + "：").encode(), (i + 1, len(line))


def full_width_indent(text, rng):
    i = rng.choice([i for i in _content_lines(text) if _lines(text)[i].startswith("    ")])
    line = _lines(text)[i]
    return _replace_line(text, i, "\u3000\u3000" + line.lstrip(" ")).encode(), (i + 1, 1)


def control_char(text, rng):
    i = rng.choice(_content_lines(text))
    line = _lines(text)[i]
    column = len(line)  # at the end of the value, before nothing
    char = rng.choice(["\x0b", "\x01", "\x85", "\x9b", "\u2028", "\u2029"])
    return _replace_line(text, i, line + char).encode(), (i + 1, column + 1)


def unclosed_quote(text, rng):
    i = rng.choice([i for i in _content_lines(text) if re.search(r": \S", _lines(text)[i]) and '"' not in _lines(text)[i]])
    line = _lines(text)[i]
    at = line.index(": ") + 2
    return _replace_line(text, i, line[:at] + '"' + line[at:]).encode(), (i + 1, at + 1)


def gbk(text, rng):
    return text.encode("gbk", "replace"), None


def bad_byte(text, rng):
    i = rng.choice(_content_lines(text))
    line = _lines(text)[i]
    lines = [part.encode() for part in _lines(text)]
    lines[i] = line.encode() + b"\xff"
    return b"\n".join(lines), (i + 1, len(line) + 1)


def truncated(text, rng):
    raw = text.encode()
    return raw[: rng.randrange(1, len(raw))], None


def line_deleted(text, rng):
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines).encode(), None


def line_duplicated(text, rng):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines).encode(), None


def indent_shifted(text, rng):
    i = rng.choice(_content_lines(text))
    line = _lines(text)[i]
    return _replace_line(text, i, " " * rng.choice([1, 3, 5]) + line).encode(), None


def colon_dropped(text, rng):
    i = rng.choice(_content_lines(text))
    return _replace_line(text, i, _lines(text)[i].replace(":", "", 1)).encode(), None


def value_replaced(text, rng):
    i = rng.choice([i for i in _content_lines(text) if re.search(r": \S", _lines(text)[i])])
    line = _lines(text)[i]
    value = rng.choice(["十元", "-5", "1e309", "1,0,0", "[", "{", "~", "yes", "2201", "0000", "1OO%", "≥", "!!python/object:os.system", "*x", "&a", "'", "||", "%", "@", "`", "- x"])
    return _replace_line(text, i, line[: line.index(": ") + 2] + value).encode(), None


def key_twinned(text, rng):
    i = rng.choice([i for i in _content_lines(text) if not _lines(text)[i].lstrip().startswith("- ") and re.search(r": [^\s#|>]", _lines(text)[i])])
    line = _lines(text)[i]
    indent = line[: len(line) - len(line.lstrip())]
    key = line.strip().split(":", 1)[0]
    return _replace_line(text, i, f'{line}\n{indent}"{key} ": 1').encode(), (i + 2, len(indent) + 1)  # Y007, not one dropped


def nesting(text, rng):
    return (text + "\n深: " + "[" * rng.choice([70, 1000, 30000]) + "\n").encode(), None


def garbage(text, rng):
    raw = bytearray(text.encode())
    for _ in range(rng.randint(1, 5)):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    return bytes(raw), None


FAMILIES = {  # family → (mutation, cases per example spec)
    "tab indentation": (tab_indent, 3),
    "full-width colon": (full_width_colon, 3),
    "full-width indentation": (full_width_indent, 3),
    "control characters": (control_char, 4),
    "unclosed quote": (unclosed_quote, 3),
    "GBK file": (gbk, 1),
    "bad byte": (bad_byte, 2),
    "truncated": (truncated, 6),
    "line deleted": (line_deleted, 6),
    "line duplicated": (line_duplicated, 4),
    "indentation shifted": (indent_shifted, 4),
    "colon dropped": (colon_dropped, 4),
    "value replaced": (value_replaced, 10),
    "keys twinned": (key_twinned, 2),
    "deep nesting": (nesting, 2),
    "random bytes": (garbage, 6),
}


def _cases():
    for example in EXAMPLES:
        text = example.read_text(encoding="utf-8")
        for family, (mutate, count) in FAMILIES.items():
            for n in range(count):
                rng = random.Random(f"{example.name}:{family}:{n}")
                yield pytest.param(example, family, *mutate(text, rng), id=f"{example.stem}-{family.replace(' ', '_')}-{n}")


CASES = list(_cases())


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 400, len(CASES)
    assert set(Counter(case.values[1] for case in CASES)) == set(FAMILIES)


@pytest.mark.parametrize(("example", "family", "data", "expected"), CASES)
def test_bad_input_is_said_in_chinese_at_its_place(tmp_path, example, family, data, expected):
    spec = tmp_path / example.parent.name / example.name
    spec.parent.mkdir()
    spec.write_bytes(data)
    try:
        findings = list(check(spec).warnings)
    except PerfgenError as exc:
        findings = list(exc.findings)
    assert spec.read_bytes() == data, "[lost]"  # never modified
    lines = data.decode("utf-8", "replace").split("\n")
    for f in findings:
        assert CJK.search(f.message), ("[message]", str(f))
        if f.position.path == str(spec) and f.position.line:
            assert 1 <= f.position.line <= len(lines), ("[message]", str(f))
            assert 1 <= f.position.column <= len(lines[f.position.line - 1]) + 2, ("[message]", str(f))
    if expected is not None:
        assert any((f.position.line, f.position.column) == expected for f in findings if f.position.path == str(spec)), (
            "[message]", expected, [str(f) for f in findings],
        )  # fmt: skip


BUILT = [case for i, case in enumerate(CASES) if i % 7 == 0]  # a sample is built over earlier outputs


@pytest.mark.parametrize(("example", "family", "data", "expected"), BUILT)
def test_a_failing_build_keeps_earlier_outputs_and_leaves_nothing(tmp_path, monkeypatch, example, family, data, expected):
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    spec = tmp_path / example.name
    spec.write_bytes(example.read_bytes())
    out = tmp_path / "out"
    build(Job(spec, Path(example.stem)), out, Options(draft=True))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    spec.write_bytes(data)
    try:
        build(Job(spec, Path(example.stem)), out, Options(draft=True))
    except PerfgenError:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "[lost]"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [], "[leftover]"
    assert list(scratch.iterdir()) == [], "[leftover]"  # nothing left in TMPDIR
    assert spec.read_bytes() == data, "[lost]"
