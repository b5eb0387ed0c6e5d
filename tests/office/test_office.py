"""LibreOffice as layout engine: 目录 page numbers that match the PDF, embedded fonts, batches.

These tests need LibreOffice with python3-uno and poppler-utils (installed by `make system-deps`);
where they are truly absent the tests are skipped with that reason.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOTS, SPECS
from docx import Document
from docx.oxml.ns import qn

from perfgen.office import office
from perfgen.build import Job, Options, build, build_many

pytestmark = pytest.mark.skipif(
    not office.available() or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice + python3-uno) or poppler-utils not installed: run `make system-deps`",
)

EXAMPLES = sorted(SPECS.glob("*/*.yaml"))


@pytest.fixture(scope="module")
def lo():
    with office.Office() as session:
        yield session


def toc_pages(docx: Path) -> list[tuple[str, str]]:
    doc = Document(docx)
    entries = []
    for link in doc.element.body.iter(qn("w:hyperlink")):
        texts = [t.text for t in link.iter(qn("w:t"))]
        if link.get(qn("w:anchor"), "").startswith("_Toc"):
            entries.append((texts[0], texts[-1]))
    return entries


def pdf_info(pdf: Path) -> list[str]:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()


def page_lines(pdf: Path, page: int) -> list[str]:
    """The page's text lines, white space removed."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"], capture_output=True, text=True)
    return ["".join(line.split()) for line in out.stdout.splitlines()]


def page_text(pdf: Path, page: int) -> str:
    return "".join(page_lines(pdf, page))


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda p: p.stem)
def test_every_toc_entry_names_the_page_its_heading_is_on(spec, tmp_path, lo):
    built = build(Job(spec, Path(spec.stem)), tmp_path, Options(pdf=True), lo)
    docx, pdf = tmp_path / f"{spec.stem}.docx", tmp_path / f"{spec.stem}.pdf"
    assert {docx, pdf} <= set(built.outputs)
    pages = int(next(line.split()[-1] for line in pdf_info(pdf) if line.startswith("Pages:")))
    assert all(f"—{n}—" in page_text(pdf, n) for n in range(2, pages + 1))  # 「— 2 —」…; none on the first page
    entries = toc_pages(docx)
    if not entries:
        assert not any("TOC" in (i.text or "") for i in Document(docx).element.body.iter(qn("w:instrText")))
        return  # a form without 目录 (河南-部门整体)
    assert all(page.isdigit() for _, page in entries), entries
    numbers = [int(page) for _, page in entries]
    assert numbers == sorted(numbers)
    for heading, page in entries:
        assert "".join(heading.split()) in page_text(pdf, int(page)), (heading, page)
    toc_page = next(n for n in range(1, pages + 1) if "目录" in page_text(pdf, n))
    shown = page_lines(pdf, toc_page) + page_lines(pdf, toc_page + 1)
    for heading, page in entries:  # the PDF's 目录 shows the same numbers as the DOCX's
        line = re.compile(re.escape("".join(heading.split())) + r"\.+" + page)
        joined = ["".join(shown[i : i + 2]) for i in range(len(shown))]  # a long entry runs over two lines (the 目录 is set at the body's size)
        assert any(line.fullmatch(shown_line) for shown_line in shown + joined), (heading, page)
    doc = Document(docx)
    begin = doc.element.body.find(f".//{qn('w:fldChar')}[@{qn('w:fldCharType')}='begin']")
    assert begin.get(qn("w:dirty")) is None and doc.settings.element.find(qn("w:updateFields")) is None


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda p: p.stem)
def test_pdf_embeds_all_fonts_and_maps_the_official_ones(spec, tmp_path, lo):
    build(Job(spec, Path(spec.stem)), tmp_path, Options(pdf=True), lo)
    pdf = tmp_path / f"{spec.stem}.pdf"
    report = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert report and all(line.split()[-5] == "yes" for line in report), report  # the 'emb' column
    names = " ".join(line.split()[0] for line in report)
    assert "NotoSerifCJK" in names and "DejaVu" not in names


def test_docx_stays_reproducible_with_page_numbers(tmp_path, lo):
    spec = SPECS / "2022" / "xushui-ziranziyuan.yaml"
    first = build(Job(spec, Path("a")), tmp_path, Options(), lo).outputs[0].read_bytes()
    second = build(Job(spec, Path("b")), tmp_path, Options(), lo).outputs[0].read_bytes()
    assert first == second


def test_a_dead_libreoffice_is_restarted(tmp_path, lo):
    spec = ROOTS / "minimal" / "spec.yaml"
    build(Job(spec, Path("a")), tmp_path, Options(), lo)
    lo._process.kill()
    lo._process.wait()
    docx = build(Job(spec, Path("b")), tmp_path, Options(), lo).outputs[0]
    assert all(page.isdigit() for _, page in toc_pages(docx))


def libreoffices() -> set[str]:
    """Process ids of perfgen's LibreOffices (from /proc, so no procps is needed)."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "soffice.bin" in command and "perfgen-lo-" in command:
            found.add(proc.name)
    return found


def test_batch_with_one_broken_spec_builds_the_others(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    for example in EXAMPLES:
        shutil.copy(example, specs / example.name)
    (specs / "broken.yaml").write_text("版式: 河北-2020\n年度: [\n", encoding="utf-8")
    from perfgen.build import find_jobs

    before = libreoffices()
    outcomes = list(build_many(find_jobs([specs]), tmp_path / "out", Options(pdf=True), workers=2))
    assert libreoffices() == before  # the batch's LibreOffices are gone
    failed = [o for o in outcomes if o.failed]
    assert [o.job.spec.name for o in failed] == ["broken.yaml"]
    assert failed[0].findings[0].code == "Y003" and "括号" in failed[0].findings[0].message
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {f"{e.stem}{suffix}" for e in EXAMPLES for suffix in (".docx", ".pdf", ".xlsx")} <= written
    assert not any(name.startswith("broken") for name in written)


def test_workbook_opens_in_libreoffice_calc(tmp_path):
    spec = SPECS / "2022" / "xushui-ziranziyuan.yaml"
    xlsx = next(p for p in build(Job(spec, Path("x")), tmp_path, Options(draft=True)).outputs if p.suffix == ".xlsx")
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(xlsx)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    rows = (tmp_path / "x.csv").read_text(encoding="utf-8").splitlines()
    assert rows[-1].startswith("合计") and "566.35" in rows[-1].split(",")


def test_a_new_profile_is_seeded_so_libreoffice_starts_once(tmp_path):
    """A first start of soffice on an empty profile rebuilds its extension cache and exits asking
    to be restarted, and every start runs graphics tests until the profile records its version:
    the seeded profile avoids both (one launch, version recorded)."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import uno_worker as w\n"
        "launches = []; launch = w.Office._launch\n"
        "w.Office._launch = lambda self, soffice: launches.append(1) or launch(self, soffice)\n"
        "o = w.Office(); o.start(); o.stop(); print(len(launches))\n"
    )
    env = {"PERFGEN_LO_PROFILE": str(tmp_path / "profile"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([office.uno_python(), "-c", probe, str(office.WORKER.parent)], capture_output=True, text=True, env=env, check=True, timeout=120)
    assert out.stdout.strip() == "1"
    user = tmp_path / "profile" / "user"
    assert (user / "extensions" / "buildid").read_text(encoding="utf-8").strip()
    assert "ooSetupLastVersion" in (user / "registrymodifications.xcu").read_text(encoding="utf-8")


def test_orphans_are_what_a_dead_process_of_this_pid_namespace_left(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    ns = office.pid_namespace()
    names = {
        f"perfgen-lo-{dead}.{ns}-abcd1234": False,  # killed: removed
        f"perfgen-{dead}.{ns}-abcd1234": False,
        f"perfgen-lo-{os.getppid()}.{ns}-abcd1234": True,  # running
        f"perfgen-lo-{dead}.{ns + 1}-abcd1234": True,  # another container's pid, which may be running there
        f"perfgen-lo-{dead}-abcd1234": True,  # not a name perfgen makes
    }
    for name in names:
        (tmp_path / name).mkdir()
    office._remove_orphans()
    assert {p.name for p in tmp_path.iterdir()} == {name for name, kept in names.items() if kept}


def test_a_libreoffice_killed_on_a_hang_leaves_no_socket_in_tmp(tmp_path):
    """When a document hangs LibreOffice, perfgen kills it (SIGKILL); the sockets it had in /tmp
    (its connection's pipe and its single-instance pipe, named after its profile) go too."""
    ours = {p.name for p in Path("/tmp").glob("OSL_PIPE_*")}
    with office.Office() as session:
        build(Job(ROOTS / "minimal" / "spec.yaml", Path("a")), tmp_path, Options(), session)
        made = {p.name for p in Path("/tmp").glob("OSL_PIPE_*")} - ours
        assert any("SingleOfficeIPC_" in name for name in made), made  # what a kill would leave
        session._process.kill()  # what `_reply` does to a LibreOffice that hangs
        session._process.wait()
    assert {p.name for p in Path("/tmp").glob("OSL_PIPE_*")} - ours == set()
