"""LibreOffice as a layout engine: page numbers for the 目录 and PDF export.

One `Office` runs one headless LibreOffice (through `uno_worker.py`, executed by the Python that
has LibreOffice's `uno` module) for as many documents as a batch holds; it is restarted if it dies
and shut down when the batch ends. The project's own fontconfig file maps the official fonts
(仿宋_GB2312, 方正小标宋简体 …) to installed CJK fonts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from ..errors import OfficeError

WORKER = Path(__file__).with_name("uno_worker.py")
FONTS_CONF = Path(__file__).with_name("fonts.conf")
PYTHON_CANDIDATES = ("/usr/bin/python3", "/usr/local/bin/python3", "python3")
INSTALL_HINT = "make system-deps（或 sudo apt-get install libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-arphic-ukai）"
REQUEST_TIMEOUT = 300  # seconds for a small document; a hung LibreOffice is killed and restarted
SECONDS_PER_MB = 120  # more for each MB of DOCX (10,000 rows lay out in minutes, not seconds)


@dataclass(frozen=True)
class LaidOut:
    """What LibreOffice's layout of a document answers."""

    pages: dict[str, int]  # bookmark → its page
    used: dict[str, int]  # bookmark of a paragraph that starts a new page → the height (1/100 mm) the page before it holds


WORKER_ERRORS = (  # what the worker says, as a budget officer should read it
    ("did not start", "LibreOffice 无法启动"),
    ("could not open", "LibreOffice 打不开生成的文档"),
    ("DisposedException", "LibreOffice 处理时意外关闭"),
    ("RuntimeException", "LibreOffice 处理时出错"),
)


def _parse(line: str) -> dict | None:
    """The worker's JSON answer, or None when the line is not one."""
    try:
        reply = json.loads(line)
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None


def _chinese(error: str) -> str:
    return next((said for needle, said in WORKER_ERRORS if needle in error), "LibreOffice 处理时出错")


@cache
def uno_python() -> str | None:
    """A Python interpreter that can `import uno`, or None when LibreOffice is not usable."""
    if shutil.which(os.environ.get("PERFGEN_SOFFICE", "soffice")) is None:
        return None
    candidates = [os.environ["PERFGEN_UNO_PYTHON"]] if os.environ.get("PERFGEN_UNO_PYTHON") else PYTHON_CANDIDATES
    for candidate in candidates:
        path = shutil.which(candidate)
        if path and subprocess.run([path, "-c", "import uno"], capture_output=True).returncode == 0:
            return path
    return None


def available() -> bool:
    return uno_python() is not None


class Office:
    """A LibreOffice session; use as a context manager."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._scratch: Path | None = None  # LibreOffice's profile and temporary files, removed at close

    def __enter__(self) -> Office:
        self.warm_up()
        return self

    def warm_up(self) -> None:
        """Start LibreOffice now (it boots while the caller renders), not at the first request."""
        if self._process is None:
            self._process = self._start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        python = uno_python()
        if python is None:
            raise OfficeError("未安装 LibreOffice 或 python3-uno")
        if self._scratch is None:
            _remove_orphans()
            self._scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix("lo")))
            (self._scratch / "tmp").mkdir()
        env = {
            **os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "SAL_USE_VCLPLUGIN": "svp",
            "PERFGEN_LO_PROFILE": str(self._scratch / "profile"), "TMPDIR": str(self._scratch / "tmp"),
            "PERFGEN_LO_PIPE_PREFIX": f"{self._scratch.name}-",
        }  # fmt: skip
        return subprocess.Popen(  # in a session of its own: Ctrl-C reaches perfgen, which closes it cleanly
            [python, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", env=env, start_new_session=True,
        )  # fmt: skip

    def _ask(self, request: dict, timeout: float) -> dict:
        for _ in (1, 2):
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            try:
                self._process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
                self._process.stdin.flush()
                line = self._reply(timeout)
            except (BrokenPipeError, OSError):
                line = ""
            if line is None:  # hung on this document: it would hang again
                self._process = None
                raise OfficeError(f"LibreOffice 在 {timeout:.0f} 秒内没有排完这个文档（文档可能太大）")
            reply = _parse(line) if line else None
            if reply is not None and reply.get("ok"):
                return reply
            if reply is not None:
                error = _chinese(str(reply.get("error", "")))
            else:  # died, or said something that is not an answer: start afresh
                error = "LibreOffice 意外退出（可能是文档太大或内存不足）" if not line else "LibreOffice 的回答无法识别"
                self._stop()
        raise OfficeError(error)

    def _stop(self) -> None:
        if self._process is not None:
            with suppress(OSError):
                self._process.kill()
            self._process.wait()
            self._process = None

    def _reply(self, timeout: float) -> str | None:
        """The worker's answer; "" when it died, None (worker killed) when LibreOffice hangs past `timeout`."""
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        if ready:
            return self._process.stdout.readline()
        self._process.kill()
        self._process.wait()
        return None

    def lay_out(self, docx: Path, headings: list[tuple[str, str]], runs: list[list[str]] = (), keep: bool = False, breaks: list[str] = ()) -> LaidOut:
        """The page of each heading, given as (bookmark, text), and of each bookmark of `runs`
        (bookmarks in document order, e.g. a table's rows); for each bookmark of `breaks` (on a
        paragraph that starts a new page), the height its page before holds. With `keep`,
        LibreOffice keeps the laid-out document open, so that `export` does not load and lay it
        out again."""
        request = {"op": "layout", "docx": str(docx), "headings": [list(h) for h in headings], "runs": [list(r) for r in runs], "keep": keep, "breaks": list(breaks)}
        answer = self._ask(request, self._timeout(docx))
        pages, used = answer.get("pages"), answer.get("used", {})
        if not all(isinstance(d, dict) and all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in d.items()) for d in (pages, used)) or 0 in pages.values():
            self._stop()
            raise OfficeError("LibreOffice 的回答无法识别")
        return LaidOut(pages, used)

    def export(self, docx: Path, pdf: Path) -> None:
        """`docx`, as last laid out, exported to `pdf`, its 目录 showing the page numbers."""
        self._ask({"op": "export", "docx": str(docx), "pdf": str(pdf)}, self._timeout(docx))
        if not pdf.is_file():
            raise OfficeError("LibreOffice 没有导出 PDF")

    @staticmethod
    def _timeout(docx: Path) -> float:
        size = docx.stat().st_size if docx.is_file() else 0
        return REQUEST_TIMEOUT + SECONDS_PER_MB * size / 1_000_000

    def close(self) -> None:
        if self._process is not None:
            try:
                self._process.stdin.close()
                self._process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
            self._process = None
        if self._scratch is not None:
            _remove_scratch(self._scratch)
            self._scratch = None


SCRATCH_NAME = re.compile(r"^perfgen-(?:lo-)?(\d{1,10})\.(\d{1,20})-[a-z0-9_]{8}$")  # what scratch_prefix and mkdtemp make


@cache
def pid_namespace() -> int:
    """The pid namespace this process runs in (0 where the system does not tell): a pid means a
    process only inside its namespace, and containers may share one /tmp or output directory."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def owner_tag() -> str:
    """「<pid>.<namespace>」: whose a scratch directory or a temporary output is."""
    return f"{os.getpid()}.{pid_namespace()}"


def orphaned(pid: str, namespace: str) -> bool:
    """Whether what process `pid` of pid namespace `namespace` left is an orphan: that process is
    not running (a process of another namespace is not ours to judge)."""
    if not (pid.isdigit() and namespace.isdigit()) or int(namespace) != pid_namespace():
        return False
    return int(pid) != os.getpid() and not process_alive(int(pid))


def scratch_prefix(kind: str = "") -> str:
    """The prefix of a scratch directory of this process ("perfgen-<pid>.<ns>-",
    "perfgen-lo-<pid>.<ns>-"), by which the next run knows it as an orphan if this one is killed."""
    return f"perfgen-{kind + '-' if kind else ''}{owner_tag()}-"


def _remove_orphans() -> None:
    """The scratch directories (LibreOffice's profile, documents being laid out) of perfgen
    processes that were killed (SIGKILL, a power cut): their worker shut LibreOffice down when
    perfgen's end of the pipe closed."""
    for scratch in Path(tempfile.gettempdir()).glob("perfgen-*"):
        match = SCRATCH_NAME.match(scratch.name)
        if match is not None and scratch.is_dir() and orphaned(match[1], match[2]):
            _remove_scratch(scratch)


def _remove_scratch(scratch: Path) -> None:
    """A scratch directory, and the sockets a killed LibreOffice of it leaves in /tmp: its
    connection's pipe, and its single-instance pipe, named by the MD5 of the profile's URL in
    UTF-16 with each byte in hex without leading zeros (LibreOffice's desktop/officeipcthread)."""
    shutil.rmtree(scratch, ignore_errors=True)
    for leftover in Path("/tmp").glob(f"OSL_PIPE_*_{scratch.name}-*"):
        leftover.unlink(missing_ok=True)
    digest = hashlib.md5((scratch / "profile").as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    with suppress(AttributeError):  # os.getuid: POSIX only
        Path(f"/tmp/OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{''.join(format(b, 'x') for b in digest)}").unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process `pid` runs (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # another user's process
        return True
    return True
