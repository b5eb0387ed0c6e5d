"""Stage 5: save documents reproducibly and atomically.

Same spec + same template → the same bytes: zip members in a fixed order with fixed times and
attributes, and `docProps/core.xml` dates taken from `SOURCE_DATE_EPOCH` (or the spec's year).
Files are written to a temporary file beside the target and moved over it with `os.replace`, so
a reader never sees half a document and a failed build never replaces a good one.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.pkgwriter import PackageWriter

from .errors import OutputError, Position

CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest time a zip entry can carry


def build_time(year: int) -> datetime:
    """`SOURCE_DATE_EPOCH` when set (reproducible-builds.org), else 1 January of the spec's year."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime(year, 1, 1, tzinfo=timezone.utc)


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
        self._stamp = time.gmtime(max(int(when.timestamp()), ZIP_EPOCH_MIN))[:6]

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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError.single(Position(str(path)), "W001", f"无法创建输出目录（{exc.strerror}）：请检查 -o 指定的目录和权限。") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):  # on a read-only file system the clean-up fails too
            Path(tmp).unlink(missing_ok=True)
        hint = "文件可能正被 Word/WPS 打开，请关闭后重试" if isinstance(exc, PermissionError) else "请检查磁盘空间和权限"
        raise OutputError.single(Position(str(path)), "W002", f"无法写入输出文件（{exc.strerror}）：{hint}。") from None
