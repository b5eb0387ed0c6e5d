"""LibreOffice as a layout engine: page numbers for the 目录 and PDF export.

One `Office` runs one headless LibreOffice (through `uno_worker.py`, executed by the Python that
has LibreOffice's `uno` module) for as many documents as a batch holds; it is restarted if it dies
and shut down when the batch ends. The project's own fontconfig file maps the official fonts
(仿宋_GB2312, 方正小标宋简体 …) to installed CJK fonts.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

WORKER = Path(__file__).with_name("uno_worker.py")
FONTS_CONF = Path(__file__).with_name("fonts.conf")
PYTHON_CANDIDATES = ("/usr/bin/python3", "/usr/local/bin/python3", "python3")
INSTALL_HINT = "make system-deps（或 sudo apt-get install libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-arphic-ukai）"
REQUEST_TIMEOUT = 300  # seconds for a small document; a hung LibreOffice is killed and restarted
SECONDS_PER_MB = 120  # more for each MB of DOCX (10,000 rows lay out in minutes, not seconds)


class OfficeError(Exception):
    """LibreOffice failed on a document (after one restart); the message is Chinese."""


WORKER_ERRORS = (  # what the worker says, as a budget officer should read it
    ("did not start", "LibreOffice 无法启动"),
    ("could not open", "LibreOffice 打不开生成的文档"),
    ("DisposedException", "LibreOffice 处理时意外关闭"),
    ("RuntimeException", "LibreOffice 处理时出错"),
)


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
            if line:
                reply = json.loads(line)
                if reply.get("ok"):
                    return reply
                error = _chinese(reply.get("error", ""))
            else:
                error = "LibreOffice 意外退出（可能是文档太大或内存不足）"
                self._process = None
        raise OfficeError(error)

    def _reply(self, timeout: float) -> str | None:
        """The worker's answer; "" when it died, None (worker killed) when LibreOffice hangs past `timeout`."""
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        if ready:
            return self._process.stdout.readline()
        self._process.kill()
        self._process.wait()
        return None

    def lay_out(self, docx: Path, headings: list[tuple[str, str]], pdf: Path | None = None) -> dict[str, int]:
        """The page of each heading, given as (bookmark, text); with `pdf`, the document is also
        exported there in the same pass, its 目录 showing the page numbers."""
        request = {"op": "layout", "docx": str(docx), "headings": [list(h) for h in headings], "pdf": str(pdf) if pdf else None}
        size = docx.stat().st_size if docx.is_file() else 0
        return self._ask(request, REQUEST_TIMEOUT + SECONDS_PER_MB * size / 1_000_000)["pages"]

    def close(self) -> None:
        if self._process is not None:
            try:
                self._process.stdin.close()
                self._process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
            self._process = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            for leftover in Path("/tmp").glob(f"OSL_PIPE_*_{self._scratch.name}-*"):  # of a worker that was killed
                leftover.unlink(missing_ok=True)
            self._scratch = None


SCRATCH_NAME = re.compile(r"^perfgen-(?:lo-)?(\d{1,10})-[a-z0-9_]{8}$")  # what scratch_prefix and mkdtemp make


def scratch_prefix(kind: str = "") -> str:
    """The prefix of a scratch directory of this process ("perfgen-<pid>-", "perfgen-lo-<pid>-"),
    by which the next run knows it as an orphan if this one is killed."""
    return f"perfgen-{kind + '-' if kind else ''}{os.getpid()}-"


def _remove_orphans() -> None:
    """The scratch directories (LibreOffice's profile, documents being laid out) of perfgen
    processes that were killed (SIGKILL, a power cut): their worker shut LibreOffice down when
    perfgen's end of the pipe closed."""
    for scratch in Path(tempfile.gettempdir()).glob("perfgen-*"):
        match = SCRATCH_NAME.match(scratch.name)
        if match is None or not scratch.is_dir() or int(match.group(1)) == os.getpid():
            continue
        if not process_alive(int(match.group(1))):
            shutil.rmtree(scratch, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether a process `pid` runs (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # another user's process
        return True
    return True
