"""The bad-input corpus, second half: what is not a mistake in the spec's text — a damaged or
hostile template, a LibreOffice that dies, hangs or talks nonsense, an output directory that
cannot take the files (a disk that fills up at a random byte, a directory in the way), and the
domain values a budget officer gets wrong (a year typo, letters among digits, a blank name).

Every case runs the real command line (`perfgen build` / `check`, in-process) and asserts: exit
status 0 or 1, never a traceback or an internal error; every problem said in Chinese, placed in
the file it is about; earlier outputs byte for byte; nothing left in the output directory or in
TMPDIR. Cases are generated from the example specs and seeded; `FAMILIES` counts them."""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SPECS

from perfgen.office import office
from perfgen.build import check
from perfgen.errors import Position
from perfgen.model.layout import find_layout
from perfgen.model.spec import json_schema
from perfgen.cli import main

EXAMPLES = sorted(SPECS.rglob("*.yaml"))
CJK = re.compile(r"[\u4e00-\u9fff]")
FINDING = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: (错误|警告) (?P<code>[A-Z]\d{3}) (?P<message>.+)$")
EARLIER = b"an earlier good output"


# ---------------------------------------------------------------------------------------------
# What every case asserts


class Case:
    """One spec copied into a scratch directory, with earlier outputs in place and TMPDIR of its own."""

    def __init__(self, tmp_path: Path, example: Path, monkeypatch):
        self.root = tmp_path
        self.spec = tmp_path / example.name
        self.spec.write_bytes(example.read_bytes())
        self.out = tmp_path / "out"
        self.out.mkdir()
        self.tmp = tmp_path / "tmpdir"
        self.tmp.mkdir()
        monkeypatch.setenv("TMPDIR", str(self.tmp))
        monkeypatch.setattr(tempfile, "tempdir", str(self.tmp))
        self.layout = check(example).computed.layout

    def earlier_outputs(self) -> dict[str, bytes]:
        names = [f"{self.spec.stem}.docx", f"{self.spec.stem}-附表1.docx", f"{self.spec.stem}.xlsx"]
        for name in names:
            (self.out / name).write_bytes(EARLIER + name.encode())
        return self.snapshot()

    def snapshot(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in self.out.iterdir() if p.is_file() and not p.name.startswith(".")}  # (leftovers: below)

    def own_layout(self) -> Path:
        """A copy of the spec's layout beside it, which the spec now uses (to damage its template)."""
        own = self.root / "layout"
        shutil.copytree(self.layout.directory, own)
        text = self.spec.read_text(encoding="utf-8")
        self.spec.write_text(re.sub(r"^版式:.*$", "版式: ./layout", text, count=1, flags=re.MULTILINE), encoding="utf-8")
        return own / self.layout.template_path.name


def run(args: list[str]):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), ("[traceback]", repr(result.exception))
    assert "Traceback" not in result.output and "内部错误" not in result.output, ("[traceback]", result.output)
    assert result.exit_code in (0, 1), ("[exit]", result.exit_code, result.output)
    return result


def findings(result) -> list[re.Match]:
    return [m for m in map(FINDING.match, result.output.splitlines()) if m]


def assert_failed_cleanly(case: Case, result, before: dict[str, bytes], about: Path | None = None) -> list[re.Match]:
    """Exit 1, every problem in Chinese with a place (in `about` when given), outputs as they were."""
    assert result.exit_code == 1, ("[exit]", result.output)
    found = findings(result)
    assert found, ("[message]", result.output)
    for f in found:
        assert CJK.search(f["message"]), ("[message]", f[0])
        assert f["line"] is None or (int(f["line"]) >= 1 and int(f["col"]) >= 1), ("[message]", f[0])
    if about is not None:
        assert any(Path(f["path"]) == about for f in found), ("[message]", about, result.output)
    assert case.snapshot() == before, "[lost]"
    assert_nothing_left(case)
    return found


def assert_nothing_left(case: Case) -> None:
    assert [p.name for p in case.out.iterdir() if p.name.startswith(".")] == [], "[leftover]"
    assert list(case.tmp.iterdir()) == [], "[leftover]"


def _params(families: dict, examples=EXAMPLES):
    for family, (mutation, count) in families.items():
        for example in examples:
            for n in range(count):
                yield pytest.param(family, mutation, example, random.Random(f"{example.name}:{family}:{n}"), id=f"{example.stem}-{family.replace(' ', '_')}-{n}")


# ---------------------------------------------------------------------------------------------
# Templates: Jinja mistakes and hostile tags in a random paragraph, damaged XML, damaged zips

JINJA = [
    "{{ 1/0 }}", "{{ doc.不存在.x }}", "{% if %}", "{% for x in %}{% endfor %}", "{{ doc | no_such_filter }}",
    "{% include 'a.docx' %}", "{{ 9 ** 9 ** 9 }}", "{{ 'a' * 10**9 }}", "{% endfor %}", "{{", "{{ doc.__class__.__mro__ }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{{ doc.年度 + '年' }}", "{% for x in doc %}{{ x.y.z }}{% endfor %}",
    "{{ range(10**9) | list }}", "{% set x = x %}{{ x.y }}",
]  # fmt: skip


def _members(template: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(template) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def jinja_in_a_paragraph(template: Path, rng: random.Random) -> None:
    members = _members(template)
    xml = members["word/document.xml"].decode("utf-8")
    runs = [m.end() for m in re.finditer(r"<w:t(?: [^>]*)?>", xml)]
    at = rng.choice(runs)
    tag = rng.choice(JINJA).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    members["word/document.xml"] = (xml[:at] + tag + xml[at:]).encode("utf-8")
    template.write_bytes(_zipped(members))


def damaged_xml(template: Path, rng: random.Random) -> None:
    members = _members(template)
    xml = members["word/document.xml"]
    kind = rng.choice(["cut", "tag", "entity", "bytes"])
    at = rng.randrange(len(xml) // 4, len(xml) - 10)
    members["word/document.xml"] = {
        "cut": xml[:at],
        "tag": xml[:at] + b"<w:p><w:r>" + xml[at:],
        "entity": xml[:at] + b"&bogus;" + xml[at:],
        "bytes": xml[:at] + bytes(rng.randrange(256) for _ in range(16)) + xml[at:],
    }[kind]  # fmt: skip
    template.write_bytes(_zipped(members))


def damaged_zip(template: Path, rng: random.Random) -> None:
    data = template.read_bytes()
    kind = rng.choice(["cut", "flip", "empty", "random", "no document", "not a zip"])
    at = rng.randrange(64, len(data) - 64)
    template.write_bytes({
        "cut": lambda: data[:at],
        "flip": lambda: data[:at] + bytes(b ^ 0xFF for b in data[at : at + 32]) + data[at + 32 :],
        "empty": lambda: b"",
        "random": lambda: bytes(rng.randrange(256) for _ in range(4096)),
        "no document": lambda: _zipped({k: v for k, v in _members(template).items() if k != "word/document.xml"}),
        "not a zip": lambda: "这是一个 Word 97 文档".encode("gbk") * 100,
    }[kind]())  # fmt: skip


TEMPLATE_FAMILIES = {"template: Jinja in a paragraph": (jinja_in_a_paragraph, 6), "template: damaged XML": (damaged_xml, 3), "template: damaged zip": (damaged_zip, 3)}


@pytest.mark.parametrize(("family", "mutate", "example", "rng"), list(_params(TEMPLATE_FAMILIES)))
def test_a_damaged_or_hostile_template_is_an_r_code_at_the_template(tmp_path, monkeypatch, family, mutate, example, rng):
    case = Case(tmp_path, example, monkeypatch)
    template = case.own_layout()
    mutate(template, rng)
    before = case.earlier_outputs()
    result = run(["build", case.spec, "-o", case.out, "--draft"])
    if result.exit_code == 0:  # the damage missed what the build reads (a paragraph Jinja never sees …)
        assert_nothing_left(case)
        return
    found = assert_failed_cleanly(case, result, before)
    assert all(f["code"].startswith("R") or f["code"] == "L003" for f in found if Path(f["path"]) == template), ("[message]", result.output)
    assert any(Path(f["path"]) == template for f in found), ("[message]", result.output)  # the template is named …
    jinja_runtime = [f for f in found if f["code"] == "R004" and "模板运行出错" in f["message"]]
    assert all("段" in f["message"] or "单元格" in f["message"] or "表" in f["message"] for f in jinja_runtime), ("[message]", result.output)  # … and the paragraph


# ---------------------------------------------------------------------------------------------
# LibreOffice: a worker that dies, hangs, answers nonsense or leaves files in its scratch space

FAKE_WORKER = """
import json, os, sys, time
behaviour, arg = {behaviour!r}, {arg!r}
profile = os.environ.get("PERFGEN_LO_PROFILE")
if profile:  # what a real LibreOffice leaves in its private places
    os.makedirs(profile, exist_ok=True)
    open(os.path.join(profile, "registrymodifications.xcu"), "w").write("x")
    open(os.path.join(os.environ["TMPDIR"], "lu12345.tmp"), "w").write("x")
if behaviour == "exit at start":
    sys.exit(arg)
for line in sys.stdin:
    request = json.loads(line)
    if behaviour == "exit on request":
        sys.exit(arg)
    if behaviour == "hang":
        time.sleep(60)
    if behaviour == "half a line":
        sys.stdout.write('{{"ok": true, "pag'); sys.stdout.flush(); sys.exit(1)
    answer = {{
        "garbage": "Segmentation fault (core dumped)",
        "a list": json.dumps([1, 2, 3]),
        "refusal": json.dumps({{"ok": False, "error": arg}}),
        "no pages": json.dumps({{"ok": True}}),
        "pages not numbers": json.dumps({{"ok": True, "pages": {{"_Toc000001": "一"}}}}),
        "pages not a mapping": json.dumps({{"ok": True, "pages": [1, 2]}}),
        "no pdf": json.dumps({{"ok": True, "pages": {{}}}}),
        "slow then dies": "",
    }}[behaviour]
    if behaviour == "slow then dies":
        time.sleep(0.3); sys.exit(arg)
    sys.stdout.write(answer + "\\n"); sys.stdout.flush()
"""
BEHAVIOURS = {
    "exit at start": lambda rng: rng.choice([0, 1, 3, 81, 139]),
    "exit on request": lambda rng: rng.choice([0, 1, 134]),
    "hang": lambda rng: None,
    "half a line": lambda rng: None,
    "garbage": lambda rng: None,
    "a list": lambda rng: None,
    "refusal": lambda rng: rng.choice(["RuntimeException: out of memory", "could not open file:///x.docx", "DisposedException", "随便什么", ""]),
    "no pages": lambda rng: None,
    "pages not numbers": lambda rng: None,
    "pages not a mapping": lambda rng: None,
    "no pdf": lambda rng: None,
    "slow then dies": lambda rng: rng.choice([1, 137]),
}
LO_EXAMPLES = [e for e in EXAMPLES if e.stem in ("chengde-gaoxin-guotu", "chizhou-tangxi")]  # a 目录, and a form without one
LO_FAMILIES = {f"LibreOffice: {b}": (b, 2) for b in BEHAVIOURS}


@pytest.mark.parametrize(("family", "behaviour", "example", "rng"), list(_params(LO_FAMILIES, LO_EXAMPLES)))
def test_a_failing_libreoffice_is_said_in_chinese_and_leaves_nothing(tmp_path, monkeypatch, family, behaviour, example, rng):
    case = Case(tmp_path, example, monkeypatch)
    worker = tmp_path / "worker.py"
    worker.write_text(FAKE_WORKER.format(behaviour=behaviour, arg=BEHAVIOURS[behaviour](rng)), encoding="utf-8")
    monkeypatch.setattr(office, "WORKER", worker)
    monkeypatch.setattr(office, "uno_python", lambda: sys.executable)
    monkeypatch.setattr(office, "REQUEST_TIMEOUT", 1.0)
    before = case.earlier_outputs()
    result = run(["build", case.spec, "-o", case.out, "--pdf", "-j", "1"])
    found = assert_failed_cleanly(case, result, before)
    assert [f["code"] for f in found if f["code"].startswith("W")] == ["W004"], ("[message]", result.output)
    assert "LibreOffice" in result.output and "--draft" in result.output, ("[message]", result.output)
    assert list(Path("/tmp").glob(f"OSL_PIPE_*_perfgen-lo-{os.getpid()}*")) == [], "[leftover]"


# ---------------------------------------------------------------------------------------------
# Outputs: a disk that fills up at a random byte, a directory in the way, a file where the
# output directory should be, a name too long for the file system

FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from perfgen.cli import main
sys.argv = ["perfgen", *sys.argv[1:]]
main()
"""


def full_disk(case: Case, rng: random.Random):
    sizes = sorted(p.stat().st_size for p in _good_outputs(case).values())
    limit = rng.randrange(1, sizes[-1])  # somewhere inside one of the outputs
    script = case.root / "full_disk.py"
    script.write_text(FULL_DISK.format(limit=limit), encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(case.tmp), "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))}
    done = subprocess.run([sys.executable, script, "build", case.spec, "-o", case.out, "--draft"], capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in done.stderr and "内部错误" not in done.stderr, ("[traceback]", done.stderr)
    assert done.returncode in (0, 1), ("[exit]", done.stderr)
    return done.returncode, done.stdout + done.stderr


def directory_in_the_way(case: Case, rng: random.Random):
    name = rng.choice(sorted(_good_outputs(case)))
    (case.out / name).unlink(missing_ok=True)
    (case.out / name).mkdir()
    (case.out / name / "别人的文件.txt").write_text("不能丢", encoding="utf-8")
    result = run(["build", case.spec, "-o", case.out, "--draft"])
    assert (case.out / name / "别人的文件.txt").read_text(encoding="utf-8") == "不能丢", "[lost]"
    return result.exit_code, result.output


def output_is_a_file(case: Case, rng: random.Random):
    target = case.root / rng.choice(["out.docx", "输出"])
    target.write_bytes(b"not a directory")
    result = run(["build", case.spec, "-o", target, "--draft"])
    assert target.read_bytes() == b"not a directory", "[lost]"
    return result.exit_code, result.output


def name_too_long(case: Case, rng: random.Random):
    long = case.root / (("长" * rng.randrange(81, 84)) + ".yaml")  # fits, its main document fits, its 附表 does not (255 bytes)
    long.write_bytes(case.spec.read_bytes())
    result = run(["build", long, "-o", case.out, "--draft"])
    return result.exit_code, result.output


def _good_outputs(case: Case) -> dict[str, Path]:
    """What a build of the spec writes (into a directory of its own, once per spec)."""
    good = case.root / "good"
    if not good.exists():
        run(["build", case.spec, "-o", good, "--draft"])
    return {p.name: p for p in good.iterdir()}


OUTPUT_FAMILIES = {"outputs: disk full": (full_disk, 3), "outputs: directory in the way": (directory_in_the_way, 1), "outputs: -o is a file": (output_is_a_file, 1), "outputs: name too long": (name_too_long, 1)}


@pytest.mark.parametrize(("family", "fault", "example", "rng"), list(_params(OUTPUT_FAMILIES)))
def test_outputs_that_cannot_be_written_keep_the_earlier_ones(tmp_path, monkeypatch, family, fault, example, rng):
    case = Case(tmp_path, example, monkeypatch)
    good = _good_outputs(case)
    for name, path in good.items():  # the earlier build: the same documents
        shutil.copy(path, case.out / name)
    before = case.snapshot()
    status, output = fault(case, rng)
    if status == 0:  # the limit fell after the last byte written
        assert case.snapshot().keys() == before.keys(), "[lost]"
        assert_nothing_left(case)
        return
    assert status == 1, ("[exit]", output)
    said = [m for m in map(FINDING.match, output.splitlines()) if m]
    assert said and all(CJK.search(m["message"]) for m in said), ("[message]", output)
    assert all(m["code"] in ("W001", "W002") for m in said), ("[message]", output)
    after = case.snapshot()
    assert after == {name: before.get(name) for name in after}, "[lost]"  # nothing new, nothing changed …
    assert set(before) - set(after) == {p.name for p in case.out.iterdir() if p.is_dir()}, "[lost]"  # … only what the test put a directory in place of
    assert_nothing_left(case)


# ---------------------------------------------------------------------------------------------
# Domain values a budget officer gets wrong, each expected at its own line


def _line_of(text: str, pattern: str, rng: random.Random) -> int | None:
    lines = [i for i, line in enumerate(text.split("\n")) if re.search(pattern, line)]
    return rng.choice(lines) if lines else None


def year_typo(text: str, rng: random.Random):
    i = _line_of(text, r"^年度: \d{4}", rng)
    lines = text.split("\n")
    lines[i] = f"年度: {rng.choice(['2201', '0000', '1899', '3020', '20211', '二〇二一', '2O21', '202l', '2021年度'])}"
    return "\n".join(lines), i + 1, "S004"


def letters_among_digits(text: str, rng: random.Random):
    """「≥100%」 typed as 「≥1OO%」, 「10个」 as 「l0个」 … (I008, a warning)."""
    i = _line_of(text, r"^\s+(- [^:]+|指标值): [≥≤=＞＜><]?\d+(\.\d+)?\s*(%|个|次|人|万元|元|天|件|项)", rng)
    if i is None:
        return text, None, None
    lines = text.split("\n")
    head, value = lines[i].rsplit(": ", 1)
    digits = re.search(r"\d+", value)
    number = digits[0][0] + "".join({"0": "O", "1": "l"}.get(d, d) for d in digits[0][1:])
    if number == digits[0]:  # no 0 or 1 after the first digit: one more digit, as a letter
        number += "O"
    lines[i] = f"{head}: {value[: digits.start()]}{number}{value[digits.end() :]}"
    return "\n".join(lines), i + 1, "I008"


def blank_name(text: str, rng: random.Random):
    """A name, a title or a section heading left blank (「- "": ≥12个」, 「"  ":」, 「null: …」)."""
    key = r"^(\s*(?:- )?)(?!版式|年度|部门)([^\s#\"'][^:#]*)(:(?: .*)?)$"
    i = _line_of(text, key, rng)
    lines = text.split("\n")
    indent, _, rest = re.match(key, lines[i]).groups()
    lines[i] = indent + rng.choice(['""', "'  '", '"\u3000"', "null", "~"]) + rest
    return "\n".join(lines), i + 1, None


def _declared_keys(schema) -> set[str]:
    """Every key a JSON Schema names as a property (the layout's declared labels and aliases)."""
    if isinstance(schema, dict):
        return set(schema.get("properties", {})) | {k for v in schema.values() for k in _declared_keys(v)}
    if isinstance(schema, list):
        return {k for v in schema for k in _declared_keys(v)}
    return set()


def blank_title(text: str, rng: random.Random):
    """A heading the spec writes as a key of its own (a section, a 情况说明 sub-heading, a
    「- 标题: 段落」 item) left blank: no declared label, so only its emptiness can be the mistake."""
    layout = re.search(r"^版式:\s*(\S+)", text, re.MULTILINE)[1]
    declared = _declared_keys(json_schema(find_layout(layout, SPECS, Position(""))))
    key = r"^(\s*(?:- )?)([^\s#\"'][^:#]*)(:(?: .*)?)$"
    lines = text.split("\n")
    titles = [i for i, line in enumerate(lines) if (m := re.match(key, line)) and m[2].strip() not in declared and "指标" not in m[2]]
    if not titles:
        return text, None, None
    i = rng.choice(titles)
    indent, _, rest = re.match(key, lines[i]).groups()
    lines[i] = indent + rng.choice(['""', "'  '", "null"]) + rest
    return "\n".join(lines), i + 1, None


DOMAIN_FAMILIES = {"values: year typo": (year_typo, 4), "values: letters among digits": (letters_among_digits, 3), "values: blank name": (blank_name, 5), "values: blank title": (blank_title, 3)}


@pytest.mark.parametrize(("family", "mutate", "example", "rng"), list(_params(DOMAIN_FAMILIES)))
def test_a_wrong_value_is_found_at_its_line(tmp_path, monkeypatch, family, mutate, example, rng):
    case = Case(tmp_path, example, monkeypatch)
    text, line, code = mutate(example.read_text(encoding="utf-8"), rng)
    if line is None:
        pytest.skip("this spec has no such value")
    case.spec.write_text(text, encoding="utf-8")
    result = run(["check", case.spec, "--format", "json"])
    said = json.loads(result.stdout)["findings"]
    ours = [f for f in said if Path(f["path"]) == case.spec]
    assert any(f["line"] == line and (code is None or f["code"] == code) for f in ours), ("[message]", line, code, said)
    for f in said:
        assert CJK.search(f["message"]), ("[message]", f)
    assert case.spec.read_text(encoding="utf-8") == text, "[lost]"  # never modified
    assert_nothing_left(case)


# ---------------------------------------------------------------------------------------------

FAMILIES = Counter()
for families, examples in ((TEMPLATE_FAMILIES, EXAMPLES), (LO_FAMILIES, LO_EXAMPLES), (OUTPUT_FAMILIES, EXAMPLES), (DOMAIN_FAMILIES, EXAMPLES)):
    for family, (_, count) in families.items():
        FAMILIES[family] += count * len(examples)


def test_the_fault_corpus_covers_every_family():
    assert sum(FAMILIES.values()) >= 250, FAMILIES
    assert {f.split(":")[0] for f in FAMILIES} == {"template", "LibreOffice", "outputs", "values"}
