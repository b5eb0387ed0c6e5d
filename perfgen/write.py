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
from datetime import datetime, timezone
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from .errors import OutputError, Position

ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest time a zip entry can carry


def build_time(year: int) -> datetime:
    """`SOURCE_DATE_EPOCH` when set (reproducible-builds.org), else 1 January of the spec's year."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime(year, 1, 1, tzinfo=timezone.utc)


def docx_bytes(doc: DocxDocument, when: datetime) -> bytes:
    """Serialise `doc` with fixed metadata, then normalise the zip container."""
    props = doc.core_properties
    props.created = props.modified = when.replace(tzinfo=None)
    printed = props._element.find("{http://schemas.openxmlformats.org/officeDocument/2006/metadata/core-properties}lastPrinted")
    if printed is not None:
        props._element.remove(printed)
    props.revision = 1
    props.last_modified_by = "perfgen"
    _drop_thumbnail(doc)
    raw = io.BytesIO()
    doc.save(raw)
    return normalise_zip(raw.getvalue(), when)


def _drop_thumbnail(doc: DocxDocument) -> None:
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rid]


def normalise_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a zip with members sorted ([Content_Types].xml first), fixed times and modes."""
    stamp = time.gmtime(max(int(when.timestamp()), ZIP_EPOCH_MIN))[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            dst.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()


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
        Path(tmp).unlink(missing_ok=True)
        hint = "文件可能正被 Word/WPS 打开，请关闭后重试" if isinstance(exc, PermissionError) else "请检查磁盘空间和权限"
        raise OutputError.single(Position(str(path)), "W002", f"无法写入输出文件（{exc.strerror}）：{hint}。") from None
