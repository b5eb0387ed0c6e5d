"""LibreOffice worker, run by a Python that has LibreOffice's `uno` module (Debian: python3-uno).

It is a separate program because `uno` belongs to the system Python, not to perfgen's virtual
environment. It starts one headless soffice with a private profile, then answers JSON requests,
one per line on stdin, with one JSON line on stdout:

    {"op": "layout", "docx": PATH, "headings": [[BOOKMARK, TEXT], …], "pdf": PATH or null, "runs": [[BOOKMARK, …], …]}
        → {"ok": true, "pages": {NAME: PAGE}}   (headings and runs' bookmarks; the PDF written, when asked for)

If soffice dies it is restarted and the request retried once. End of stdin (perfgen finished or
died) shuts soffice down. Imports nothing from perfgen.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno  # noqa: F401  (registers the UNO import hook)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException
from com.sun.star.uno import RuntimeException

START_TIMEOUT = 60.0
RESTART_REQUESTED = 81  # soffice's exit code after the first start of a new profile (oosplash restarts it)
SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{items}</oor:items>
"""
SETTING = '<item oor:path="{0}"><prop oor:name="{1}" oor:op="fuse"><value>{2}</value></prop></item>\n'
ROW = re.compile(r"[A-Za-z]+(\d+)")  # a cell's name: its column letters, its row number (1-based)
# No collecting of words for word completion, an editing aid (≈3% of the time per document).
NO_WORD_COMPLETION = ("/org.openoffice.Office.Writer/AutoFunction/Completion", "CollectWords", "false")


def _props(**values) -> tuple:
    result = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        result.append(prop)
    return tuple(result)


def _soffice() -> str:
    """The soffice.bin itself rather than the `soffice` wrapper script, so that killing it (or
    this worker dying) leaves no LibreOffice behind."""
    soffice = os.environ.get("PERFGEN_SOFFICE") or shutil.which("soffice") or "soffice"
    binary = Path(os.path.realpath(soffice)).with_name("soffice.bin")
    return str(binary) if binary.is_file() else soffice


def _installed_version(program: Path) -> str | None:
    """The installation's major.minor version (`ooSetupVersion` in share/registry/main.xcd)."""
    try:
        text = (program.parent / "share" / "registry" / "main.xcd").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r'<prop oor:name="ooSetupVersion">\s*<value>([0-9.]+)</value>', text)
    return match[1] if match else None


def _build_id(program: Path) -> str | None:
    """The installation's build id (`buildid` in program/versionrc)."""
    try:
        lines = (program / "versionrc").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((line.split("=", 1)[1].strip() for line in lines if line.startswith("buildid=")), None)


def _seed_profile(profile: Path, soffice: str) -> None:
    """Give a new profile what soffice's first start would record in it, so that soffice starts
    in ≈0.15 s instead of ≈1 s: the build id of its extension cache (else soffice rebuilds the
    cache and exits asking to be restarted) and the version that last used the profile (else it
    runs its graphics render tests, ≈0.7 s of CPU, at every start: a headless soffice never
    records that version). Also turns word completion off."""
    user = profile / "user"
    if user.exists():
        return
    program = Path(os.path.realpath(soffice)).parent
    version, build_id = _installed_version(program), _build_id(program)
    (user / "extensions").mkdir(parents=True)
    if build_id:
        (user / "extensions" / "buildid").write_text(build_id, encoding="utf-8")
    settings = [NO_WORD_COMPLETION]
    if version:
        settings.append(("/org.openoffice.Setup/Product", "ooSetupLastVersion", version))
    items = "".join(SETTING.format(*setting) for setting in settings)
    (user / "registrymodifications.xcu").write_text(SETTINGS.format(items=items), encoding="utf-8")


def _die_with_parent() -> None:
    """Linux: LibreOffice gets SIGKILL when this worker dies, however it dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Office:
    def __init__(self) -> None:
        given = os.environ.get("PERFGEN_LO_PROFILE")  # owned by perfgen, which removes it
        self.owned = not given
        self.profile = Path(given) if given else Path(tempfile.mkdtemp(prefix="perfgen-lo-"))
        self.process: subprocess.Popen | None = None
        self.desktop = None
        self.pipe = ""
        self.kept: tuple[str, object] | None = None  # the document `layout` left open for `export`, with its path

    def start(self) -> None:
        soffice = _soffice()
        _seed_profile(self.profile, soffice)
        context = self._launch(soffice)
        if context is None:  # the first soffice of a new profile sets it up, then asks for a restart
            context = self._launch(soffice)
        if context is None:
            raise RuntimeError("LibreOffice did not start")
        self.desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)

    def _launch(self, soffice: str):
        """Start soffice and connect to it: its component context, or None if it exited asking
        to be restarted."""
        self.pipe = pipe = f"{os.environ.get('PERFGEN_LO_PIPE_PREFIX', 'perfgen-')}{uuid.uuid4().hex}"
        self.process = subprocess.Popen(
            [
                soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
                f"-env:UserInstallation={self.profile.as_uri()}", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )  # fmt: skip
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            except NoConnectException:
                code = self.process.poll()
                if code == RESTART_REQUESTED:
                    return None
                if code is not None or time.monotonic() > deadline:
                    raise RuntimeError("LibreOffice did not start") from None
                time.sleep(0.02)

    def stop(self) -> None:
        try:
            self._discard()
        except Exception:  # noqa: BLE001 - gone with its LibreOffice
            self.kept = None
        try:
            if self.desktop is not None:
                self.desktop.terminate()
        except Exception:  # noqa: BLE001 - already gone
            pass
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._forget()

    def close(self) -> None:
        self.stop()
        if self.owned:
            shutil.rmtree(self.profile, ignore_errors=True)

    def _forget(self) -> None:
        """Drop the connection; a killed soffice leaves its pipe's socket file behind."""
        if self.pipe:
            Path(f"/tmp/OSL_PIPE_{os.getuid()}_{self.pipe}").unlink(missing_ok=True)
        self.desktop = self.process = self.kept = None
        self.pipe = ""

    def _load(self, path: str):
        url = Path(path).resolve().as_uri()
        doc = self.desktop.loadComponentFromURL(url, "_blank", 0, _props(Hidden=True, ReadOnly=True))
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {path}")
        return doc

    def layout(self, docx: str, headings: list[list[str]], runs: list[list[str]] = (), keep: bool = False, breaks: list[str] = ()) -> tuple[dict[str, int], dict[str, int]]:
        """The page of each heading ([bookmark, text] pairs) and of each bookmark of `runs` (each a
        table's rows' bookmarks, in order); the height the page before each bookmark of `breaks`
        holds (1/100 mm, from the page's top to the last line before the bookmark). The 目录
        (imported as a LibreOffice index) is updated: when its entries are exactly the headings
        asked for, its numbers are the answer; otherwise each heading's bookmark is looked up on
        the laid-out pages. With `keep`, the document stays open for `export` (the caller decides
        from the pages whether it is final)."""
        self._discard()
        doc = self._load(docx)
        try:
            listed = _update_indexes(doc)
            wanted = ["".join(text.split()) for _, text in headings]
            if ["".join(title.split()) for title, _ in listed] == wanted and all(p.isdigit() for _, p in listed):
                result = {name: int(page) for (name, _), (_, page) in zip(headings, listed, strict=True)}
            else:
                result = self._bookmark_pages(doc, [name for name, _ in headings])
            result.update(self._run_pages(doc, runs))
            used = self._used_before(doc, breaks)
        except BaseException:
            doc.close(True)
            raise
        if keep:
            self.kept = (docx, doc)
        else:
            doc.close(True)
        return result, used

    def export(self, docx: str, pdf: str) -> None:
        """`docx` as a PDF at `pdf`: the document kept open by the last `layout` of it, else
        (LibreOffice was restarted in between) loaded again, its 目录 updated."""
        if self.kept is not None and self.kept[0] == docx:
            doc, self.kept = self.kept[1], None
        else:
            self._discard()
            doc = self._load(docx)
            _update_indexes(doc)
        try:
            doc.storeToURL(Path(pdf).resolve().as_uri(), _props(FilterName="writer_pdf_Export"))
        finally:
            doc.close(True)

    def _discard(self) -> None:
        kept, self.kept = self.kept, None
        if kept is not None:
            kept[1].close(True)

    def _bookmark_pages(self, doc, bookmarks: list[str]) -> dict[str, int]:
        marks = doc.getBookmarks()
        cursor = doc.getCurrentController().getViewCursor()
        pages = {name: _bookmark_page(marks, cursor, name) for name in bookmarks}
        return {name: page for name, page in pages.items() if page is not None}

    def _run_pages(self, doc, runs: list[list[str]]) -> dict[str, int]:
        """The page of each bookmark of `runs`, each a table's rows' bookmarks in order."""
        marks = doc.getBookmarks()
        cursor = doc.getCurrentController().getViewCursor()
        result: dict[str, int] = {}
        for run in runs:
            result.update(_table_pages(marks, cursor, run))
        return result

    def _used_before(self, doc, breaks: list[str]) -> dict[str, int]:
        """For each bookmark of `breaks` at a page's start: how far down the page before it the
        text goes (1/100 mm from the top of that page's first line to the top of its last)."""
        marks = doc.getBookmarks()
        cursor = doc.getCurrentController().getViewCursor()
        used = {}
        for name in breaks:
            if not marks.hasByName(name):
                continue
            cursor.gotoRange(marks.getByName(name).getAnchor().getStart(), False)
            page = cursor.getPage()
            if page < 2 or not cursor.goLeft(1, False) or cursor.getPage() != page - 1:
                continue
            bottom = cursor.getPosition().Y
            cursor.jumpToStartOfPage()
            used[name] = max(0, bottom - cursor.getPosition().Y)
        return used

    def handle(self, request: dict) -> dict:
        if request["op"] == "layout":
            pages, used = self.layout(request["docx"], request["headings"], request.get("runs", []), request.get("keep", False), request.get("breaks", []))
            return {"ok": True, "pages": pages, "used": used}
        if request["op"] == "export":
            self.export(request["docx"], request["pdf"])
            return {"ok": True}
        return {"ok": False, "error": f"unknown op {request['op']!r}"}


def _update_indexes(doc) -> list[tuple[str, str]]:
    """Update the document's indexes (the 目录); their entries as (title, page) pairs."""
    indexes = doc.getDocumentIndexes()
    listed: list[tuple[str, str]] = []
    for i in range(indexes.getCount()):
        index = indexes.getByIndex(i)
        index.update()
        listed += [tuple(line.rsplit("\t", 1)) for line in index.getAnchor().getString().splitlines() if "\t" in line]
    return listed


def _bookmark_page(marks, cursor, name: str) -> int | None:
    """The page of bookmark `name` (None when the document has none of that name): milliseconds."""
    if not marks.hasByName(name):
        return None
    cursor.gotoRange(marks.getByName(name).getAnchor(), False)
    return cursor.getPage()


def _table_pages(marks, cursor, run: list[str]) -> dict[str, int]:
    """The page of each bookmark of `run`, a table's rows' bookmarks in order (so their pages
    never decrease). The first and last rows are looked up by their bookmarks; then the end of
    each page the table crosses: when that is in a cell of row e that is not merged down, rows up
    to e start on that page or before it, the rows after on a later page. Where two such ends
    are on consecutive pages, the rows between start on the second; elsewhere (a page ending in
    a merged cell) the rows are looked up at the ends of a stretch, which has one page when they
    agree, else is halved. A bookmark costs milliseconds to look up, a page's end a fraction."""
    if not run:
        return {}
    known: dict[int, int | None] = {}

    def page(i: int) -> int | None:
        if i not in known:
            known[i] = _bookmark_page(marks, cursor, run[i])
        return known[i]

    first = page(0)
    table = cursor.TextTable.Name if first is not None and cursor.TextTable is not None else None
    last = page(len(run) - 1)
    ends = [(first - 1, -1)] if first is not None else []  # (page, the last row starting on it or before)
    for number in range(first, last) if table is not None and last is not None else ():
        cursor.jumpToPage(number)
        cursor.jumpToEndOfPage()
        cell = cursor.Cell
        row = ROW.match(cell.CellName) if cell is not None and cell.RowSpan <= 1 and cursor.TextTable.Name == table else None
        if row is not None and 0 < int(row.group(1)) <= len(run):
            ends.append((number, int(row.group(1)) - 1))
    ends.append((last if last is not None else 0, len(run) - 1))
    pairs = list(zip(ends, ends[1:], strict=False))
    result: dict[str, int] = {}
    stretches = []
    if len(ends) == 1 or any(high < low for (_, low), (_, high) in pairs):  # no first page; a layout out of order
        stretches, pairs = [(0, len(run) - 1)], []
    for (before, low), (number, high) in pairs:
        if high <= low:
            continue  # no row starts on that page (a row taller than a page)
        if number == before + 1:
            result.update((run[i], number) for i in range(low + 1, high + 1))
        else:
            stretches.append((low + 1, high))
    while stretches:
        low, high = stretches.pop()
        start, end = page(low), page(high)
        if start is not None and start == end:
            result.update((run[i], start) for i in range(low, high + 1))
        elif high - low <= 1 or start is None or end is None and high - low <= 8:
            result.update((run[i], page(i)) for i in range(low, high + 1) if page(i) is not None)
        else:
            middle = (low + high) // 2
            stretches += [(low, middle), (middle, high)]
    return result


def main() -> None:
    office = Office()
    try:
        try:
            office.start()  # boot now, while perfgen is still rendering the first document
        except RuntimeError:
            office.stop()  # retried on the first request
        for line in sys.stdin:
            request = json.loads(line)
            for attempt in (1, 2):
                try:
                    if office.desktop is None:
                        office.start()
                    reply = office.handle(request)
                    break
                except (DisposedException, RuntimeException, RuntimeError) as exc:
                    office.stop()
                    reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "attempt": attempt}
            sys.stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    finally:
        office.close()


if __name__ == "__main__":
    main()
