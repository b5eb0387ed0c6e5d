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
import signal
import stat
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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

from ..errors import OutputError, Position, RenderError, os_reason
from .pagination import keep_prose_together
from .typeset import complete_font_table, fit_columns, let_tall_rows_split, mark_east_asian_punctuation
from ..office.write import write_atomic

VMERGE = re.compile(r"(<w:tc[ >](?:(?!<w:tc[ >]).)*?)\{%\s*vmerge\s+([^%]*?)\s*%\}(.*?</w:tc>)", re.DOTALL)
STRICT_PARSER = etree.XMLParser(recover=False, huge_tree=True)
PROPERTY_LIMIT = 255  # characters of a core property (python-docx refuses more)


MAX_TEMPLATE_BYTES = 64 * 1024 * 1024  # a template's parts, uncompressed (a "zip bomb" is refused before it is read)
MAX_POWER = 10_000  # the largest exponent a template may compute (9 ** (9 ** 9) would run for ever)
MAX_REPEAT = 1_000_000  # the longest text or list a template may make by `*`
MAX_RESULT_BITS = 1_000_000  # the largest number a template may make by `**` (about 300,000 digits)
RENDER_SECONDS = 300  # a template still running after this is stopped (a loop of 10⁵ × 10⁵)
MAX_OUTPUT_CHARACTERS = 400_000_000  # a rendered part larger than this is refused (a 1,000-project spec makes ≈ 20 M)


class _Template(DocxTemplate):
    def patch_xml(self, src_xml: str) -> str:
        self.source = _patched(src_xml)  # kept: a runtime error's line is found in it
        return self.source

    def fix_tables(self, xml: str):
        if len(xml) > MAX_OUTPUT_CHARACTERS:
            raise _TooLarge(len(xml))
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


class _TooLarge(Exception):
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


CELL_PROPERTIES = re.compile(r"<w:tcPr(?: [^>]*)?>.*?</w:tcPr>", re.DOTALL)
CELL_VMERGE = re.compile(r"<w:vMerge\b[^>]*?/>")
BEFORE_VMERGE = re.compile(r"^<w:tcPr(?: [^>]*)?>(?:<w:(?:cnfStyle|tcW|gridSpan|hMerge)\b[^>]*/>)*")  # what the schema puts first


def _patch(src_xml: str) -> str:
    return CELL_PROPERTIES.sub(_vmerge_in_place, VMERGE.sub(_vmerge, DocxTemplate.patch_xml(None, _as_word_writes(src_xml))))


ROW_ON = re.compile(r'<w:(cantSplit|tblHeader) w:val="(?:true|1|on)"/>')
RUN_PROPERTIES = re.compile(r"<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>", re.DOTALL)
REPEATED = re.compile(r"(<w:[A-Za-z]+\b[^<>]*/>)\1+")  # within a run's properties (a grid's equal columns repeat rightly)


def _as_word_writes(src_xml: str) -> str:
    """A template part saved by LibreOffice as Word writes it, so what is rendered from it is as
    valid: page breaks before (`_breaks_before`), a row's `cantSplit`/`tblHeader` without
    `w:val="true"` (outside the schema's values for them), a property written twice in a row once."""
    once = RUN_PROPERTIES.sub(lambda m: _in_order(REPEATED.sub(r"\1", m.group(0))), _breaks_before(src_xml))
    return ROW_ON.sub(r"<w:\1/>", once)


RUN_PROPERTY_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow", "emboss",
    "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
    "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)  # fmt: skip  (CT_RPr's sequence)
RANK = {name: n for n, name in enumerate(RUN_PROPERTY_ORDER)}
EMPTY_ELEMENT = re.compile(r"<w:([A-Za-z]+)\b[^<>]*/>")


def _in_order(properties: str) -> str:
    """A run's properties in the schema's order (LibreOffice writes w:sz before w:i), when they are
    all empty elements of CT_RPr (else as they are)."""
    head, _, rest = properties.partition(">")
    inner = rest[: -len("</w:rPr>")]
    children = EMPTY_ELEMENT.findall(inner)
    if "".join(m.group(0) for m in EMPTY_ELEMENT.finditer(inner)) != inner or not all(c in RANK for c in children):
        return properties
    ordered = sorted(EMPTY_ELEMENT.finditer(inner), key=lambda m: RANK[m.group(1)])
    return f"{head}>{''.join(m.group(0) for m in ordered)}</w:rPr>"


PAGE_BREAK_RUN = re.compile(r"<w:r>(?:<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>|<w:rPr/>)?<w:br w:type=\"page\"/></w:r>", re.DOTALL)
W_P, W_PPR, W_R = qn("w:p"), qn("w:pPr"), qn("w:r")
BEFORE_PAGE_BREAK = {qn("w:pStyle"), qn("w:keepNext"), qn("w:keepLines")}  # what CT_PPr puts before w:pageBreakBefore


def _breaks_before(src_xml: str) -> str:
    """A page break that is a paragraph's first or last run as the w:pageBreakBefore of the
    paragraph that starts the new page. LibreOffice saves "page break before" so: ending the
    paragraph above, which may be a `{%p … %}` line the template drops (and the break with it),
    or opening a heading, where the pagination does not see it."""
    if not PAGE_BREAK_RUN.search(src_xml):
        return src_xml
    root = etree.fromstring(src_xml.encode("utf-8"), STRICT_PARSER)
    for p in list(root.iter(W_P)):
        runs = p.findall(W_R)
        if not runs:
            continue
        following = p.getnext()
        if _is_page_break(runs[-1]) and len(runs) > 1 and following is not None and following.tag == W_P:
            p.remove(runs[-1])
            _break_before(following)
        elif _is_page_break(runs[0]) and len(runs) > 1:
            p.remove(runs[0])
            _break_before(p)
    return etree.tostring(root, encoding="unicode")


def _is_page_break(run) -> bool:
    children = [c for c in run if c.tag != qn("w:rPr")]
    return len(children) == 1 and children[0].tag == qn("w:br") and children[0].get(qn("w:type")) == "page"


def _break_before(p) -> None:
    properties = p.find(W_PPR)
    if properties is None:
        properties = etree.SubElement(p, W_PPR)
        p.insert(0, properties)
    if properties.find(qn("w:pageBreakBefore")) is not None:
        return
    position = sum(1 for c in properties if c.tag in BEFORE_PAGE_BREAK)
    properties.insert(position, etree.Element(qn("w:pageBreakBefore")))


def _vmerge(match: re.Match) -> str:
    cell = match.group(1) + match.group(3)
    cell = re.sub(r"<w:vMerge[^>]*/>", "", cell, count=1)
    return re.sub(r"(<w:tcPr[^>]*>)", r'\1<w:vMerge w:val="{{ %s }}"/>' % match.group(2), cell, count=1)


def _vmerge_in_place(match: re.Match) -> str:
    """A cell's vMerge where the schema wants it (docxtpl's `{% vm %}` and ours put it first or
    last): after cnfStyle, tcW, gridSpan and hMerge — Word repairs a document otherwise."""
    properties = match.group(0)
    found = CELL_VMERGE.search(properties)
    if found is None:
        return properties
    rest = properties[: found.start()] + properties[found.end() :]
    head = before.end() if (before := BEFORE_VMERGE.match(rest)) else len('<w:tcPr>')
    return rest[:head] + found.group(0) + rest[head:]


class _Environment(SandboxedEnvironment):
    """The sandbox, remembering compiled template parts: a batch renders the same ones often,
    and later runs load them from disk. Powers and repetitions are bounded (the sandbox then
    does not fold them at compile time either), and no other file can be included."""

    intercepted_binops = frozenset(["**", "*"])

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_POWER:
            raise SecurityError(f"指数 {right} 过大")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and left.bit_length() * max(right, 0) > MAX_RESULT_BITS:
            raise SecurityError("乘方的结果过大")
        if operator == "*" and any(isinstance(a, (str, list, tuple)) and isinstance(b, int) and len(a) * b > MAX_REPEAT for a, b in ((left, right), (right, left))):
            raise SecurityError("重复的次数过多")
        return super().call_binop(context, operator, left, right)

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
        loader=jinja2.FunctionLoader(_no_includes),
    )


def _no_includes(name: str):
    raise jinja2.TemplateNotFound(name)


class _Overtime(BaseException):  # not an Exception: no `except Exception` on the way may swallow it
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop a template that runs longer than `seconds` (where a timer signal is available: the
    main thread of a POSIX process, which is where perfgen renders)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def overtime(signum, frame):
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


MAIN_PART = re.compile(rb'<Relationship\b[^>]*?Type="[^"]*/officeDocument"[^>]*?Target="/?([^"]+)"|<Relationship\b[^>]*?Target="/?([^"]+)"[^>]*?Type="[^"]*/officeDocument"')


def _check_package(template_path: Path, where: Position) -> None:
    """Refuse, before anything reads it, a template too large unpacked or without its main part."""
    try:
        with zipfile.ZipFile(template_path) as z:
            size = sum(info.file_size for info in z.infolist())
            names = set(z.namelist())
            rels = z.read("_rels/.rels") if "_rels/.rels" in names and z.getinfo("_rels/.rels").file_size < 1_000_000 else b""
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, EOFError, zlib.error):
        return  # said by the reading below
    main = MAIN_PART.search(rels)
    if main is None or (main[1] or main[2]).decode("utf-8", "replace") not in names:
        raise RenderError.single(where, "R006", "模板缺少正文部分（word/document.xml）或其索引：它不是完整的 Word 文档，请在 Word 中打开后另存为 .docx。")
    if size > MAX_TEMPLATE_BYTES:
        raise RenderError.single(where, "R006", f"模板解压后有 {size // (1024 * 1024)} MB，超过上限 {MAX_TEMPLATE_BYTES // (1024 * 1024)} MB：请确认它是用 Word 保存的模板，删去其中过大的图片或嵌入文件。")


def render(template_path: Path, context: dict) -> DocxDocument:
    """Render the template at `template_path` with `context` (`doc`, and `tables` or an
    appendix's table `t`); return the python-docx document (not yet saved)."""
    where = Position(str(template_path))
    _check_package(template_path, where)
    template: _Template | None = None
    try:
        template = _Template(str(template_path))
        with _time_limit(RENDER_SECONDS):
            template.render(context, jinja_env=_environment(), autoescape=True)
    except _TooLarge as exc:
        raise RenderError.single(where, "R004", f"模板生成的内容过大（{exc.args[0] // 1_000_000} M 个字符，上限 {MAX_OUTPUT_CHARACTERS // 1_000_000} M）：请检查模板中的循环是否重复了过多内容。") from None
    except _Overtime:
        raise RenderError.single(where, "R004", f"模板运行超过 {RENDER_SECONDS} 秒仍未结束，已停止：请检查模板中的循环（{{% for %}}）是否过多或嵌套过深。") from None
    except jinja2.TemplateNotFound as exc:
        raise _error(template_path, "R003", f"模板不能引用其他文件（「{exc.name}」）", exc, "请删去 {% include %}、{% import %} 或 {% extends %}，把内容直接写在模板里。") from None
    except jinja2.TemplateSyntaxError as exc:
        raise _error(template_path, "R001", f"模板语法错误：{_syntax(exc.message or '')}", exc, "请修改模板。") from None
    except jinja2.UndefinedError as exc:
        raise _error(template_path, "R002", f"模板使用了不存在的变量{_undefined(exc.message or '')}", exc, "请对照 docs/layouts.md 修改模板。") from None
    except SecurityError as exc:
        raise _error(template_path, "R003", f"模板试图执行不安全的操作（{exc}），已拒绝", exc, "请删除这个标签。") from None
    except jinja2.TemplateError as exc:
        raise _error(template_path, "R004", f"模板渲染失败（{exc}）", exc, "请修改模板。") from None
    except _BrokenXml as exc:
        raise RenderError.single(where, "R005", f"模板渲染后不是有效的 Word 文档（{exc}）：请检查模板中标签的位置。") from None
    except (KeyError, OSError, EOFError, zlib.error, zipfile.BadZipFile, PackageNotFoundError, etree.XMLSyntaxError) as exc:  # not a docx, a broken zip …
        if template is None or isinstance(exc, (EOFError, zlib.error, zipfile.BadZipFile, PackageNotFoundError, etree.XMLSyntaxError)):
            raise RenderError.single(where, "R006", f"无法读取模板（{_unreadable(exc)}）：请确认它是用 Word 保存的 .docx 文件（可在 Word 中打开后另存一次）。") from None
        raise _runtime(template_path, template, exc) from None
    except RecursionError as exc:
        raise _runtime(template_path, template, exc, "模板中的宏（macro）在无休止地调用自己") from None
    except Exception as exc:  # noqa: BLE001 - whatever a template's expression raises (1/0, a wrong type …)
        if template is None:
            raise RenderError.single(where, "R006", f"无法读取模板（{_unreadable(exc)}）：请确认它是用 Word 保存的 .docx 文件。") from None
        raise _runtime(template_path, template, exc) from None
    _fill_empty_cells(template.docx)
    fit_columns(template.docx)
    let_tall_rows_split(template.docx)
    keep_prose_together(template.docx)
    mark_east_asian_punctuation(template.docx)
    complete_font_table(template.docx)
    return template.docx


def _fill_empty_cells(docx: DocxDocument) -> None:
    """A table cell must hold a paragraph; a loop that produced none (an empty list) leaves one."""
    for tc in docx.element.body.xpath(".//w:tc[not(w:p) and not(w:tbl)]"):  # one query, not two lookups a cell
        tc.append(parse_xml(f"<w:p {nsdecls('w')}/>"))


SYNTAX = (  # Jinja's syntax errors, in Chinese
    (r"Unexpected end of template.*?closed is '(\w+)'", "「{{% {0} %}}」没有结束：请补上「{{% end{0} %}}」"),
    (r"Unexpected end of template", "模板在标签结束之前就结束了：请检查「{{% … %}}」是否成对"),
    (r"Encountered unknown tag '(end\w+)'.*?closed is '(\w+)'", "「{{% {0} %}}」与前面的「{{% {1} %}}」不配对"),
    (r"Encountered unknown tag '(end\w+)'", "多了一个「{{% {0} %}}」：前面没有对应的开始标签"),
    (r"Encountered unknown tag '(\w+)'", "不认识的标签「{{% {0} %}}」"),
    (r"No filter named '(\w+)'", "没有名为「{0}」的过滤器（| {0}）"),
    (r"No test named '(\w+)'", "没有名为「{0}」的判断（is {0}）"),
    (r"Expected an expression", "标签里缺少表达式（例如「{{% if %}}」后面没有写条件）"),
    (r"unexpected '(.)'", "多了一个「{0}」：请检查「{{{{ }}}}」「{{% %}}」是否成对"),
    (r"expected token '([^']+)', got '([^']+)'", "「{1}」的位置不对：请检查标签的写法"),
)


def _syntax(message: str) -> str:
    for pattern, said in SYNTAX:
        match = re.search(pattern, message, re.DOTALL)
        if match:
            return said.format(*match.groups())
    return "标签的写法不对"


def _undefined(message: str) -> str:
    """「名称」 of an UndefinedError's message ('… has no attribute 'x'', ''x' is undefined')."""
    match = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
    return f"「{match.group(1) or match.group(2)}」" if match else ""


RUNTIME: dict[type[BaseException], str] = {  # what a template's expression raised, in Chinese
    ZeroDivisionError: "除以零", TypeError: "类型不对（例如把文字和数字相加）", OverflowError: "数值过大",
    ValueError: "数值不对", KeyError: "没有这一项", IndexError: "下标超出范围", AttributeError: "没有这个属性",
    MemoryError: "内存不足",
}  # fmt: skip


def _runtime(template_path: Path, template: _Template | None, exc: BaseException, what: str = "") -> RenderError:
    """A template expression that failed while running: R004 at the paragraph or cell of its tag."""
    reason = what or next((text for kind, text in RUNTIME.items() if isinstance(exc, kind)), type(exc).__name__)
    place = _runtime_place(template_path, getattr(template, "source", ""), exc)
    return RenderError.single(Position(str(template_path)), "R004", f"模板运行出错：{reason}{place}：请修改这个标签。")


def _runtime_place(template_path: Path, source: str, exc: BaseException) -> str:
    """The paragraph or cell whose tags are on the template source line the error was raised at."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    tags = _tags_of_line(source, line)
    for place, text in _places(template_path):
        if any(tag and tag in text for tag in tags):
            return f"，位置：{place}「{text[:80]}」"
    return ""


def _tags_of_line(source: str, line: int | None) -> list[str]:
    """The tags on line `line` of a template part's Jinja source (as docxtpl compiles it: a line
    a paragraph), to find the paragraph or cell that holds them."""
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", source).split("\n")
    if line is None or not 0 < line <= len(lines):
        return []
    return [t.strip() for t in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", re.sub(r"<[^>]+>", "", lines[line - 1]))]


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, etree.XMLSyntaxError):
        return "其中的 XML 已损坏"
    if isinstance(exc, (zipfile.BadZipFile, PackageNotFoundError)):
        return "不是有效的 .docx（zip）文件"
    if isinstance(exc, (EOFError, zlib.error)):
        return "文件已损坏，无法解压"
    if isinstance(exc, OSError):
        return os_reason(exc)
    return RUNTIME.get(type(exc), type(exc).__name__)


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
