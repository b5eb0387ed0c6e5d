"""Stage 4: fill a layout's docxtpl template with the presented spec (`present`) and its tables.

Rendering is safe by construction: a sandboxed Jinja environment (templates are not fully
trusted), autoescape on (so `&` and `<` in the user's text stay text), `StrictUndefined` (a
misspelt variable fails instead of printing nothing), and the rendered XML is re-parsed strictly
instead of docxtpl's silent `recover=True`. One extension to docxtpl's tags: `{% vmerge EXPR %}`
in a table cell sets that cell's vertical merge to EXPR ("restart" or "continue").

Turning a template part into Jinja source and compiling it costs more than rendering it, so both
results are kept: in memory for a batch, and on disk (`PERFGEN_CACHE_DIR`, default
`~/.cache/perfgen`) for the next run, like Python's own `__pycache__`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import zipfile
from contextlib import suppress
from functools import cache, lru_cache
from pathlib import Path

import docx
import docxtpl
import jinja2
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docxtpl import DocxTemplate
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree

from .errors import OutputError, Position, RenderError
from .typeset import let_tall_rows_split
from .write import write_atomic

VMERGE = re.compile(r"(<w:tc[ >](?:(?!<w:tc[ >]).)*?)\{%\s*vmerge\s+([^%]*?)\s*%\}(.*?</w:tc>)", re.DOTALL)
STRICT_PARSER = etree.XMLParser(recover=False, huge_tree=True)
PROPERTY_LIMIT = 255  # characters of a core property (python-docx refuses more)


class _Template(DocxTemplate):
    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)

    def fix_tables(self, xml: str):
        try:
            etree.fromstring(xml.encode("utf-8"), STRICT_PARSER)
        except etree.XMLSyntaxError as exc:
            raise _BrokenXml(str(exc)) from None
        return super().fix_tables(xml)

    def render_properties(self, context, jinja_env=None) -> None:
        """docxtpl's, with each rendered property cut to the 255 characters a DOCX allows (a long
        部门 in the title would otherwise fail the build)."""
        for prop in ("author", "comments", "identifier", "language", "subject", "title"):
            initial = getattr(self.docx.core_properties, prop)
            rendered = (jinja_env or jinja2.Environment()).from_string(initial).render(context)
            setattr(self.docx.core_properties, prop, rendered[:PROPERTY_LIMIT])


class _BrokenXml(Exception):
    pass


@lru_cache(maxsize=64)
def _patched(src_xml: str) -> str:
    """docxtpl's clean-up of a part's XML into Jinja source, plus `{% vmerge %}`; the same
    template part in a batch is patched once, and found on disk by later runs."""
    directory = _cache_directory()
    if directory is None:
        return _patch(src_xml)
    path = directory / f"{_digest(src_xml)}.xml"
    kept = _read(path)
    if kept is not None:
        return kept
    patched = _patch(src_xml)
    _store(path, patched)
    return patched


def _patch(src_xml: str) -> str:
    return VMERGE.sub(_vmerge, DocxTemplate.patch_xml(None, src_xml))


def _vmerge(match: re.Match) -> str:
    cell = match.group(1) + match.group(3)
    cell = re.sub(r"<w:vMerge[^>]*/>", "", cell, count=1)
    return re.sub(r"(<w:tcPr[^>]*>)", r'\1<w:vMerge w:val="{{ %s }}"/>' % match.group(2), cell, count=1)


class _Environment(SandboxedEnvironment):
    """The sandbox, remembering compiled template parts: a batch renders the same ones often,
    and later runs load them from disk."""

    @lru_cache(maxsize=256)  # noqa: B019 - one environment lives as long as the process
    def from_string(self, source, globals=None, template_class=None):  # noqa: A002
        directory = _cache_directory()
        if directory is None:
            return super().from_string(source, globals, template_class)
        key = _digest(source)
        store = FileSystemBytecodeCache(str(directory), "%s.jinja")
        try:
            bucket = store.get_bucket(self, key, None, source)
        except Exception:  # noqa: BLE001 - a damaged entry (Jinja checks magic and source, not truncation)
            bucket = Bucket(self, store.get_cache_key(key), store.get_source_checksum(source))
        if bucket.code is None:
            bucket.code = self.compile(source, key)
            with suppress(OSError):  # a full disk, a read-only directory: only the time is lost
                store.set_bucket(bucket)
        return (template_class or self.template_class).from_code(self, bucket.code, self.make_globals(globals), None)


@cache
def _cache_directory() -> Path | None:
    """Where compiled template parts are kept, one directory per version of this module and of
    Jinja and docxtpl (so a change to any of them never meets stale entries; older ones are
    removed). None when the cache is switched off (`PERFGEN_CACHE_DIR=""`), cannot be created,
    or could be written by another user: it holds compiled code, run outside the sandbox."""
    configured = os.environ.get("PERFGEN_CACHE_DIR")
    if configured == "":
        return None
    base = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "perfgen"
    salt = hashlib.sha256(Path(__file__).read_bytes() + f"{jinja2.__version__} {docxtpl.__version__}".encode()).hexdigest()[:16]
    directory = base / f"templates-{salt}"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(base):
            return None
        if not directory.is_dir():
            directory.mkdir(mode=0o700)
            for older in base.glob("templates-*"):
                if older != directory:
                    shutil.rmtree(older, ignore_errors=True)
        return directory if _private(directory) else None
    except OSError:
        return None


def _private(directory: Path) -> bool:
    """Owned by this user and writable by no one else."""
    status = directory.stat()
    owner = getattr(os, "getuid", lambda: status.st_uid)()
    return status.st_uid == owner and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> str | None:
    """A cache entry written by `_store`, or None if missing or damaged (its digest line is the
    digest of the rest)."""
    try:
        digest, _, text = path.read_text(encoding="utf-8").partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return text if digest == _digest(text) else None


def _store(path: Path, text: str) -> None:
    """Write a cache entry whole or not at all (batch workers may write the same one at once);
    a failure only costs time."""
    with suppress(OutputError):
        write_atomic(path, f"{_digest(text)}\n{text}".encode("utf-8"))


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return _Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=lambda value: "" if value is None else value,
        keep_trailing_newline=True,
    )


def render(template_path: Path, context: dict) -> DocxDocument:
    """Render the template at `template_path` with `context` (`doc`, and `tables` or an
    appendix's table `t`); return the python-docx document (not yet saved)."""
    where = Position(str(template_path))
    try:
        template = _Template(str(template_path))
        template.render(context, jinja_env=_environment(), autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise _error(template_path, "R001", f"模板语法错误（{exc.message}）", exc, "请修改模板。") from None
    except jinja2.UndefinedError as exc:
        raise _error(template_path, "R002", f"模板使用了不存在的变量（{exc.message}）", exc, "请对照 docs/layouts.md 修改模板。") from None
    except SecurityError as exc:
        raise _error(template_path, "R003", f"模板试图执行不安全的操作（{exc}），已拒绝", exc, "请删除这个标签。") from None
    except jinja2.TemplateError as exc:
        raise _error(template_path, "R004", f"模板渲染失败（{exc}）", exc, "请修改模板。") from None
    except _BrokenXml as exc:
        raise RenderError.single(where, "R005", f"模板渲染后不是有效的 Word 文档（{exc}）：请检查模板中标签的位置。") from None
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, PackageNotFoundError) as exc:  # not a docx, a broken zip …
        raise RenderError.single(where, "R006", f"无法读取模板（{exc}）：请确认它是用 Word 保存的 .docx 文件。") from None
    _fill_empty_cells(template.docx)
    let_tall_rows_split(template.docx)
    return template.docx


def _fill_empty_cells(docx: DocxDocument) -> None:
    """A table cell must hold a paragraph; a loop that produced none (an empty list) leaves one."""
    for tc in docx.element.body.iter(qn("w:tc")):
        if tc.find(qn("w:p")) is None and tc.find(qn("w:tbl")) is None:
            tc.append(parse_xml(f"<w:p {nsdecls('w')}/>"))


def _error(template_path: Path, code: str, what: str, exc: Exception, fix: str) -> RenderError:
    return RenderError.single(Position(str(template_path)), code, f"{what}{_where(template_path, exc)}：{fix}")


def _where(template_path: Path, exc: Exception) -> str:
    """Where in the template the failing tag is: docxtpl's context for syntax errors, else the
    paragraph or table cell holding the name the error message quotes."""
    lines = [line.strip() for line in getattr(exc, "docx_context", []) if line.strip()]
    if lines:
        return f"，出错位置附近的内容：「{' '.join(lines)[:120]}」"
    names = [name for name in re.findall(r"'(\w+)'", str(exc)) if name not in ("dict", "object", "Node")]
    for place, text in _places(template_path):
        if any(name in text for name in names):
            return f"，位置：{place}「{text[:80]}」"
    return ""


def _places(template_path: Path):
    """(where, text) of every paragraph and table cell of a template, in document order."""
    document = docx.Document(str(template_path))
    for n, block in enumerate(document.element.body.iterchildren(), 1):
        if block.tag == qn("w:p"):
            yield f"正文第 {n} 段", "".join(t.text or "" for t in block.iter(qn("w:t")))
        elif block.tag == qn("w:tbl"):
            for r, row in enumerate(block.iter(qn("w:tr")), 1):
                for c, cell in enumerate(row.iter(qn("w:tc")), 1):
                    yield f"正文第 {n} 块表格第 {r} 行第 {c} 格", "".join(t.text or "" for t in cell.iter(qn("w:t")))
