"""Stage 5: save documents reproducibly and atomically.

Same spec + same template → the same bytes: zip members in a fixed order with fixed times and
attributes, and `docProps/core.xml` dates taken from `SOURCE_DATE_EPOCH` (or the spec's year).
Files are written to a temporary file beside the target and moved over it with `os.replace`, so
a reader never sees half a document and a failed build never replaces a good one. `write_all`
does it for every output of a spec at once: all of them, or — when one cannot be written or put
in place (a directory in its way, a file locked by Word) — none, every earlier output byte for byte.
"""

from __future__ import annotations

import io
import os
import signal
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.pkgwriter import PackageWriter

from ..errors import OutputError, Position, os_reason
from .office import orphaned, owner_tag

CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest time a zip entry can carry
ZIP_EPOCH_MAX = 4354819199  # 2107-12-31 23:59:59, the latest
TEMPORARY = ".perfgen-tmp"  # the new output, before it is put in place
PREVIOUS = ".perfgen-old"  # the earlier output, while the new ones are put in place
APP_PROPERTIES = Path(__file__).with_name("app.xml").read_bytes()  # docProps/app.xml of every output: perfgen's


def build_time(year: int) -> datetime:
    """`SOURCE_DATE_EPOCH` when set (reproducible-builds.org), else 1 January of the spec's year;
    kept within the times a zip entry can carry (1980–2107)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(min(max(int(epoch), ZIP_EPOCH_MIN), ZIP_EPOCH_MAX), tz=timezone.utc)
    return datetime(min(max(year, 1980), 2107), 1, 1, tzinfo=timezone.utc)


def docx_bytes(doc: DocxDocument, when: datetime) -> bytes:
    """Serialise `doc` with fixed metadata into a zip whose members carry fixed times and modes."""
    props = doc.core_properties
    props.created = props.modified = when.replace(tzinfo=None)
    printed = props._element.find(f"{{{CORE_NS}}}lastPrinted")
    if printed is not None:
        props._element.remove(printed)
    props.revision = 1
    props.last_modified_by = "perfgen"
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]
    for part in package.iter_parts():  # the editor that saved the template does not speak for the output
        if str(part.partname) == "/docProps/app.xml" and hasattr(part, "_blob"):
            part._blob = APP_PROPERTIES  # noqa: SLF001 - python-docx keeps an unparsed part as its bytes
    out = io.BytesIO()
    writer = _FixedZip(out, when)
    # python-docx's own PackageWriter steps, with a zip writer that stamps fixed times:
    # [Content_Types].xml first, then the package rels, then the parts in graph order.
    parts = list(package.iter_parts())
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
    return out.getvalue()


class _FixedZip:
    """The phys-writer interface python-docx's PackageWriter uses, with reproducible entries."""

    def __init__(self, stream: io.BytesIO, when: datetime):
        self._zip = zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED)
        self._stamp = time.gmtime(min(max(int(when.timestamp()), ZIP_EPOCH_MIN), ZIP_EPOCH_MAX))[:6]

    def write(self, pack_uri, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.create_system = 0
        self._zip.writestr(info, blob, compresslevel=6)

    def close(self) -> None:
        self._zip.close()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory and `os.replace`."""
    write_all({path: data})


def write_all(outputs: dict[Path, bytes]) -> None:
    """Write every output, or none: each to a temporary file beside its target first, then the
    earlier outputs moved aside, the new ones put in place and the earlier ones removed. When a
    step fails, what was done is undone and `OutputError` names the file. What a killed build left
    (a temporary, an earlier output moved aside) is cleared up first."""
    for path in outputs:
        recover(path)
    written: dict[Path, Path] = {}
    try:
        for path, data in outputs.items():
            written[path] = _temporary(path, data)
        with _uninterrupted():
            _swap(written)
    finally:
        for tmp in written.values():
            with suppress(OSError):
                tmp.unlink(missing_ok=True)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while outputs are being put in place (a few renames), so that an
    interrupted build leaves the earlier outputs or the new ones, never a mix."""
    deferred = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, deferred)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def recover(path: Path) -> None:
    """Undo what a build killed while writing `path` left beside it: its temporaries go, and an
    earlier output moved aside goes back when nothing took its place."""
    prefix = f".{path.name}."
    with suppress(OSError):
        for left in path.parent.iterdir():
            name = left.name
            if not name.startswith(prefix) or not name.endswith((TEMPORARY, PREVIOUS)):
                continue
            pid, namespace, *_ = [*name[len(prefix) :].split("."), "", ""]
            if f"{pid}.{namespace}" != owner_tag() and not orphaned(pid, namespace):
                continue  # another build writing it now (or not ours to judge)
            if name.endswith(TEMPORARY):
                left.unlink(missing_ok=True)
            elif path.exists():
                left.unlink(missing_ok=True)
            else:
                os.replace(left, path)


def _temporary(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.{owner_tag()}.", suffix=TEMPORARY, dir=path.parent)
    except OSError as exc:
        raise OutputError.single(Position(str(path)), "W001", f"无法创建输出目录或文件（{os_reason(exc)}）：请检查 -o 指定的目录、文件名长度和权限。") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
    except OSError as exc:  # the disk full, a quota reached: this half-written file goes too
        with suppress(OSError):
            tmp.unlink()
        raise _unwritable(path, exc) from None
    return tmp


def _swap(written: dict[Path, Path]) -> None:
    moved: dict[Path, Path] = {}  # target → the earlier output, moved aside
    placed: list[Path] = []
    current = next(iter(written), Path())
    try:
        for current in written:
            if current.is_dir():
                raise OutputError.single(Position(str(current)), "W002", "无法写入输出文件：这里已有一个同名的目录，请移走它或用 -o 换一个输出目录；之前生成的文件都保持原样。")
            if current.exists():
                aside = current.with_name(f".{current.name}.{owner_tag()}{PREVIOUS}")
                os.replace(current, aside)
                moved[current] = aside
        for current, tmp in written.items():
            os.replace(tmp, current)
            placed.append(current)
    except OSError as exc:
        _undo(moved, placed)
        raise _unwritable(current, exc) from None
    except OutputError:
        _undo(moved, placed)
        raise
    for aside in moved.values():
        with suppress(OSError):
            aside.unlink()


def _undo(moved: dict[Path, Path], placed: list[Path]) -> None:
    for path in placed:
        with suppress(OSError):
            path.unlink()
    for path, aside in moved.items():
        with suppress(OSError):
            os.replace(aside, path)


def _unwritable(path: Path, exc: OSError) -> OutputError:
    hint = "文件可能正被 Word/WPS 打开，请关闭后重试" if isinstance(exc, PermissionError) else "请检查磁盘空间、文件名长度和权限"
    return OutputError.single(Position(str(path)), "W002", f"无法写入输出文件（{os_reason(exc)}）：{hint}；之前生成的文件都保持原样。")
