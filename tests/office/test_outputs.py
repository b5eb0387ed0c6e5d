"""All outputs of a spec or none: an output that cannot be written or put in place leaves every
earlier output byte for byte and no temporary behind; a killed build's leftovers are cleared by the
next; two specs of a batch that would write the same files are refused before anything is written."""

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOTS

from perfgen.build import Job, build, find_jobs, refuse_collisions
from perfgen.errors import OutputError
from perfgen.office.office import available as office_available
from perfgen.office.office import pid_namespace
from perfgen.office.write import PREVIOUS, TEMPORARY

MINIMAL = ROOTS / "minimal" / "spec.yaml"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def copy_spec(tmp_path: Path, stem: str = "dept") -> Path:
    spec = tmp_path / f"{stem}.yaml"
    spec.write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    return spec


def test_an_output_in_the_way_leaves_every_earlier_output(tmp_path):
    spec = copy_spec(tmp_path)
    out = tmp_path / "out"
    built = build(Job(spec, Path("dept")), out)
    assert len(built.outputs) >= 4  # the document, two 附表, the workbook
    before = snapshot(out)
    spec.write_text(spec.read_text(encoding="utf-8").replace("财政拨款: 10.50", "财政拨款: 11.50"), encoding="utf-8")
    last = built.outputs[-1]
    last.unlink()
    last.mkdir()  # a directory where the last output goes: the first ones could be written, this one not
    with pytest.raises(OutputError) as exc:
        build(Job(spec, Path("dept")), out)
    assert f"{last}" in str(exc.value) and "W002" in str(exc.value) and "保持原样" in str(exc.value)
    del before[last.name]
    assert snapshot(out) == before  # the others byte for byte, although they were written anew first
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_a_name_too_long_for_one_output_writes_none(tmp_path):
    stem = "x" * 225  # <stem>.docx fits in 255 bytes with its temporary's name, <stem>-附表1.docx does not
    spec = copy_spec(tmp_path, stem)
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{stem}.docx").write_bytes(b"earlier")
    with pytest.raises(OutputError) as exc:
        build(Job(spec, Path(stem)), out)
    assert "文件名太长" in str(exc.value)
    assert snapshot(out) == {f"{stem}.docx": b"earlier"}


def test_a_killed_builds_leftovers_are_cleared_by_the_next(tmp_path):
    spec = copy_spec(tmp_path)
    out = tmp_path / "out"
    build(Job(spec, Path("dept")), out)
    good = (out / "dept.docx").read_bytes()
    pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    dead = f"{pid}.{pid_namespace()}"
    # killed between moving the earlier document aside and putting the new one in place
    (out / "dept.docx").rename(out / f".dept.docx.{dead}{PREVIOUS}")
    (out / f".dept.docx.{dead}.abc123{TEMPORARY}").write_bytes(b"half")
    (out / f".dept-附表1.docx.{dead}.def456{TEMPORARY}").write_bytes(b"half")
    # what a build running now (here: this test's parent) is writing is not touched
    live = out / f".dept-附表2.docx.{os.getppid()}.{pid_namespace()}.ghi789{TEMPORARY}"
    live.write_bytes(b"being written")
    # nor what a process of another pid namespace (a container sharing the directory) writes
    foreign = out / f".dept-附表2.docx.{pid}.{pid_namespace() + 1}.jkl012{TEMPORARY}"
    foreign.write_bytes(b"being written elsewhere")
    (out / "dept[1].docx").write_bytes(b"another spec's")  # a name glob would misread
    built = build(Job(spec, Path("dept")), out)
    assert (out / "dept.docx").read_bytes() == good and built.outputs[0] == out / "dept.docx"
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == sorted([live.name, foreign.name])
    assert (out / "dept[1].docx").read_bytes() == b"another spec's"


def test_two_specs_writing_the_same_outputs_are_refused_before_anything_is_written(tmp_path):
    for year in ("2020", "2021"):
        (tmp_path / year).mkdir()
        copy_spec(tmp_path / year, "a")
    with pytest.raises(OutputError) as exc:
        refuse_collisions(find_jobs([tmp_path / "2020" / "a.yaml", tmp_path / "2021" / "a.yaml"]))
    assert "W005" in str(exc.value) and f"{tmp_path / '2021' / 'a.yaml'}:" in str(exc.value)
    (tmp_path / "2022").mkdir()
    copy_spec(tmp_path / "2022", "A")  # one file for Windows and macOS
    with pytest.raises(OutputError):
        refuse_collisions(find_jobs([tmp_path / "2020" / "a.yaml", tmp_path / "2022" / "A.yaml"]))
    same = find_jobs([tmp_path / "2020" / "a.yaml", tmp_path / "2020" / "a.yaml"])  # named twice: built once
    assert len(same) == 1
    done = subprocess.run(
        [sys.executable, "-m", "perfgen", "build", "2020/a.yaml", "2021/a.yaml", "-o", "out", "--draft"], cwd=tmp_path, capture_output=True, text=True
    )  # fmt: skip
    assert done.returncode == 1 and "W005" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    refuse_collisions(find_jobs([tmp_path]))  # a directory mirrors its tree: 2020/a, 2021/a, 2022/A
    checked = subprocess.run([sys.executable, "-m", "perfgen", "check", "2020/a.yaml", "2021/a.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr  # checking writes nothing: no collision


@pytest.mark.parametrize(("year", "ok"), [("1990", True), ("2099", True), ("1989", False), ("2201", False), ("0000", False)])
def test_a_year_outside_1990_2099_is_an_error_at_its_position(tmp_path, year, ok):
    from conftest import spec_findings

    text = MINIMAL.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("年度:"))
    found = [(f.code, f.position.line, f.position.column) for f in spec_findings(tmp_path, text.replace("年度: 2021", f"年度: {year}"))]
    assert (("S004", line, 5) not in found) if ok else (("S004", line, 5) in found), found


def test_the_year_range_is_set_in_perfgen_yaml_and_its_mistakes_are_placed(tmp_path):
    from conftest import spec_findings

    text = MINIMAL.read_text(encoding="utf-8").replace("年度: 2021", "年度: 1985")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("年度:"))
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / ".perfgen.yaml").write_text("# 档案整理：收录 1980 年以来的文本\n年度范围: 1980-2099\n", encoding="utf-8")
    assert "S004" not in [f.code for f in spec_findings(tmp_path / "ok", text)]
    (tmp_path / "narrow").mkdir()
    (tmp_path / "narrow" / ".perfgen.yaml").write_text("年度范围: 2020～2030\n", encoding="utf-8")
    found = [f for f in spec_findings(tmp_path / "narrow", text) if f.code == "S004"]
    assert [(f.position.line, f.position.column) for f in found] == [(line, 5)]
    assert "1985 不在 2020–2030 之间（.perfgen.yaml 第 1 行）" in found[0].message and "年度范围: 1985-2030" in found[0].message
    (tmp_path / "bad").mkdir()
    config = tmp_path / "bad" / ".perfgen.yaml"
    config.write_text("规则级别:\n  C103: 关闭\n年度范围: 2030-2020\n年度范圍: 1980-2099\n", encoding="utf-8")
    found = [(f.code, f.position.path, f.position.line, f.position.column) for f in spec_findings(tmp_path / "bad", text)]
    assert ("S006", str(config), 3, 7) in found and ("S006", str(config), 4, 1) in found, found


@pytest.mark.parametrize(("epoch", "stamp"), [("99999999999", (2107, 12, 31, 23, 59, 58)), ("100", (1980, 1, 1, 0, 0, 0))])
def test_document_dates_are_kept_within_what_a_zip_can_carry(tmp_path, monkeypatch, epoch, stamp):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    out = build(Job(MINIMAL, Path("a")), tmp_path).outputs[0]
    with zipfile.ZipFile(out) as z:
        assert {i.date_time for i in z.infolist()} == {stamp}


def test_a_gbk_console_gets_every_line(tmp_path):
    spec = copy_spec(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    done = subprocess.run([sys.executable, "-m", "perfgen", "build", str(spec), "-o", str(tmp_path / "out"), "--draft"], capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    lines = done.stdout.decode("gbk").splitlines()
    assert len(lines) >= 4 and all(line.startswith("√ ") for line in lines)  # ✓ is not in GBK


def batch(tmp_path: Path, count: int = 12) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    for i in range(count):
        (specs / f"s{i:02d}.yaml").write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    return specs


@pytest.mark.parametrize(("how", "workers"), [("SIGINT", "1"), ("SIGTERM", "1"), ("SIGINT", "2"), ("SIGTERM", "2")])
def test_ctrl_c_and_sigterm_stop_a_batch_with_a_summary(tmp_path, how, workers):
    specs, out = batch(tmp_path), tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "perfgen", "build", str(specs), "-o", str(out), "--draft", "-j", workers],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a shell's background job ignores Ctrl-C: a terminal's would not
    )  # fmt: skip
    process.stdout.readline()  # the first spec is built
    if how == "SIGINT":
        os.killpg(process.pid, signal.SIGINT)  # as a terminal sends Ctrl-C: to the whole group
    else:
        process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "已中断：成功" in err and "未生成" in err and "Traceback" not in err and "Aborted" not in err
    assert [p.name for p in out.rglob(".*")] == []
    built = {p.stem for p in out.glob("*.docx") if "-" not in p.stem}
    assert 1 <= len(built) < 12


@pytest.mark.skipif(not office_available(), reason="needs LibreOffice (make test installs it)")
def test_a_killed_build_leaves_nothing_after_the_next_run(tmp_path):
    specs, out = batch(tmp_path, 4), tmp_path / "out"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    process = subprocess.Popen([sys.executable, "-m", "perfgen", "build", str(specs), "-o", str(out), "-j", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    process.stdout.readline()
    process.kill()
    process.communicate(timeout=60)
    subprocess.run([sys.executable, "-m", "perfgen", "build", str(specs / "s00.yaml"), "-o", str(out)], capture_output=True, env=env, check=True)
    assert [p.name for p in scratch.iterdir()] == []  # the killed run's LibreOffice profile is gone too
    assert [p.name for p in out.rglob(".*")] == []


@pytest.mark.skipif(not office_available(), reason="needs LibreOffice (make test installs it)")
def test_kills_at_random_moments_leave_a_consistent_state_after_the_next_run(tmp_path):
    import random

    spec = copy_spec(tmp_path)
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "perfgen", "build", str(spec), "-o", str(out), "--pdf"]
    subprocess.run(command, capture_output=True, env=env, check=True)
    good = snapshot(out)
    rng = random.Random(17)
    for _ in range(5):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        time.sleep(rng.uniform(0.05, 1.5))  # while starting, rendering, in LibreOffice or writing
        process.kill()
        process.wait()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        now = snapshot(out)
        assert now.keys() == good.keys()
        assert {k: v for k, v in now.items() if not k.endswith(".pdf")} == {k: v for k, v in good.items() if not k.endswith(".pdf")}  # the same bytes
        assert now["dept.pdf"].rstrip().endswith(b"%%EOF")  # LibreOffice's PDF carries its own ID and time: complete, not equal
        assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    subprocess.run(["sleep", "1"])  # the last worker's LibreOffice shuts down when its pipe closes
    assert [p.name for p in scratch.iterdir()] == []


def test_the_specs_a_killed_worker_took_down_are_built_again(tmp_path):
    specs, out = batch(tmp_path), tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "perfgen", "build", str(specs), "-o", str(out), "--draft", "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    process.stdout.readline()
    workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    os.kill(int(workers[0]), signal.SIGTERM)  # as a service manager stopping the group may do
    done, err = process.communicate(timeout=120)
    assert process.returncode == 0 and "Traceback" not in err and "内部错误" not in err, err
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".docx" and "-" not in p.stem) == [f"s{i:02d}.docx" for i in range(12)]
    assert "成功 12 个，失败 0 个" in done
    assert [p.name for p in out.rglob(".*")] == []


def dies_on_s01(job, out_dir, options):
    """A worker's build that takes its process down on s01.yaml (as running out of memory would)."""
    from perfgen.build import _attempt, _worker_office

    if job.spec.name == "s01.yaml":
        os._exit(9)
    return _attempt(job, out_dir, options, _worker_office)


def test_a_spec_whose_worker_dies_twice_is_said_not_shown(tmp_path, monkeypatch):
    from perfgen import build as stage

    specs = batch(tmp_path, 3)
    (specs / "s01.yaml").write_text(MINIMAL.read_text(encoding="utf-8").replace("部门:", "# 杀死进程\n部门:"), encoding="utf-8")
    monkeypatch.setattr(stage, "_worker_attempt", dies_on_s01)
    outcomes = {o.job.spec.name: o for o in stage.build_many(stage.find_jobs([specs]), tmp_path / "out", stage.Options(draft=True), 2)}
    assert set(outcomes) == {"s00.yaml", "s01.yaml", "s02.yaml"}
    assert outcomes["s01.yaml"].failed and outcomes["s01.yaml"].findings[0].code == "W004"
    assert "单独重试时又结束了" in outcomes["s01.yaml"].findings[0].message
    assert not outcomes["s00.yaml"].failed and not outcomes["s02.yaml"].failed
