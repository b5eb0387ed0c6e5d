"""Stage 1: read a spec file into plain Python values, remembering where each one was written.

Only the YAML *composer* runs: no Python object is ever constructed from a tag, so custom tags are
refused rather than executed. Numbers keep the text they were written with (`Number`), so money
becomes `Decimal` from that text and never passes through float.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from ..errors import Finding, Position, Severity, SourceError, os_reason

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

TAG = "tag:yaml.org,2002:"
# Characters XML 1.0 cannot carry (Word pastes \x0b for a manual line break, Excel \x01 …), C1
# controls, and the line and paragraph separators U+2028 / U+2029 that web pages and Word paste
# (YAML would count them as line breaks, shifting every later line).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
FULL_WIDTH_SPACE = "\u3000"
# A key or a list item indented with full-width spaces (a paragraph of text may begin with them).
FULL_WIDTH_INDENTED = re.compile(r"^( *)\u3000+(?:- |[^\s:#][^:#]*:(?: |$))")
# A line whose key ends in a full-width colon (项目：), outside quotes and comments.
FULL_WIDTH_KEY = re.compile(r"^( *(?:- +)?)([^\s#\"'：:][^#\"'：:]{0,30}?)：")

PathKey = tuple[str | int, ...]


class Number(Decimal):
    """A YAML number, exactly as written (`48.360` stays `48.360`; `0012` stays `0012` as text)."""

    source_text: str

    def __new__(cls, text: str) -> Number:
        value = super().__new__(cls, text.replace("_", ""))
        value.source_text = text
        return value


@dataclass(frozen=True)
class Source:
    """A spec file's content as Python values plus the position of every value and key."""

    path: str
    data: Any
    positions: dict[PathKey, tuple[int, int]]
    key_positions: dict[PathKey, tuple[int, int]]
    findings: tuple[Finding, ...] = field(default=())

    def position(self, loc: PathKey, *, key: bool = False) -> Position:
        """Position of the value at `loc` (or of its key), falling back to the nearest parent."""
        return _nearest(self, loc, key)

    def exact(self, loc: PathKey, key: bool = False) -> Position | None:
        table = self.key_positions if key and loc in self.key_positions else self.positions
        if loc in table:
            line, column = table[loc]
            return Position(self.path, line, column)
        return None


@dataclass(frozen=True)
class Layered:
    """The data of a file written over another's (a layout that extends a layout): every value is
    placed in the file that gave it, the top one first."""

    top: Source | Layered
    under: Source | Layered
    data: Any

    @property
    def path(self) -> str:
        return self.top.path

    def position(self, loc: PathKey, *, key: bool = False) -> Position:
        return _nearest(self, loc, key)

    def exact(self, loc: PathKey, key: bool = False) -> Position | None:
        return self.top.exact(loc, key) or self.under.exact(loc, key)


def _nearest(source: Source | Layered, loc: PathKey, key: bool) -> Position:
    loc = tuple(loc)
    while True:
        found = source.exact(loc, key)
        if found is not None:
            return found
        if not loc:
            return Position(source.path, 1, 1)
        loc, key = loc[:-1], False


def load_source(path: Path, display: str | None = None) -> Source:
    """Read and parse the spec at `path`; raise `SourceError` with positions on any problem."""
    shown = display or str(path)
    text = _read_text(path, shown)
    text, findings = _strip_control_chars(text, shown)
    root = _compose(text, shown)
    if root is None:
        raise SourceError.single(Position(shown, 1, 1), "Y004", "文件是空的：请按示例填写部门、年度、项目等内容。")
    converter = _Converter(shown)
    data = converter.convert(root, ())
    if converter.errors:
        raise SourceError(converter.errors)
    return Source(shown, data, converter.positions, converter.key_positions, tuple(findings))


def _read_text(path: Path, shown: str) -> str:
    try:
        if path.is_dir():
            raise SourceError.single(Position(shown), "Y001", "这是一个目录，不是规格文件：请指定 .yaml 文件。")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError.single(
                Position(shown, 1, 1), "Y001", f"文件过大（{size // 1024} KB，上限 {MAX_FILE_BYTES // 1024} KB）：请检查是否选错了文件。"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError.single(Position(shown), "Y001", "找不到该文件：请检查路径和文件名是否正确。") from None
    except PermissionError:
        raise SourceError.single(Position(shown, 1, 1), "Y001", "没有权限读取该文件：请检查文件权限。") from None
    except IsADirectoryError:
        raise SourceError.single(Position(shown), "Y001", "这是一个目录，不是规格文件：请指定 .yaml 文件。") from None
    except OSError as exc:  # a name too long, a link loop, a device error …
        raise SourceError.single(Position(shown), "Y001", f"无法读取该文件（{os_reason(exc)}）：请检查路径和文件。") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1  # in characters
        hint = "看起来是 GBK/GB2312 编码（Windows 记事本等的默认编码）" if _is_gbk(raw) else "包含无法识别的字节"
        raise SourceError.single(
            Position(shown, line, column),
            "Y002",
            f"文件不是 UTF-8 编码，{hint}：请在编辑器中选择「另存为 → 编码 UTF-8」后重试"
            f"（或运行 iconv -f GBK -t UTF-8 原文件 > 新文件）。",
        ) from None


def _is_gbk(raw: bytes) -> bool:
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


def _strip_control_chars(text: str, shown: str) -> tuple[str, list[Finding]]:
    findings = []
    for match in CONTROL_CHARS.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        findings.append(
            Finding(
                Position(shown, line, column),
                "T001",
                f"含有不可见的控制字符 U+{ord(match.group()):04X}（常见于从 Word/Excel 粘贴），已从输出中删除；请在文件中删去它。",
                Severity.WARNING,
            )
        )
    return CONTROL_CHARS.sub("", text), findings


QUOTE_MESSAGE = "引号没有配对：这一段文字以引号开头，却没有对应的结束引号，请补上（或去掉开头的引号）。"
_PROBLEMS = [  # (words in the parser's message, what to tell the user); first match wins
    ("while scanning a quoted scalar", QUOTE_MESSAGE),
    ("mapping values are not allowed", "这里不能出现冒号「: 」：文字中含有「: 」时请给整段文字加引号，或检查缩进。"),
    ("could not find expected ':'", "缺少冒号「:」：每个键后面要有「: 」，或检查上一行的引号是否配对。"),
    ("expected ',' or ']'", "方括号「[ ]」没有配对：请补上「]」，或把列表改成每项一行「- 」的写法。"),
    ("expected ',' or '}'", "花括号「{ }」没有配对，或花括号里的文字含有「: 」：请补上「}」，给含「: 」的文字加引号，或改成每项一行的写法。"),
    ("expected '-' indicator", "列表中混入了「键: 值」：同一层要么都以「- 」开头，要么都是「键: 值」，请检查缩进。"),
    ("duplicate anchor", "锚点名称重复：请改用不同的锚点名称。"),
    ("undefined alias", "引用了未定义的锚点（*名称）：请检查拼写。"),
    ("did not find expected key", "缩进不一致或缺少「- 」：同一层的键必须对齐，请检查这一行及上一行的缩进。"),
    ("expected <block end>", "缩进不一致：同一层的键必须对齐，请检查这一行的缩进。"),
    ("block sequence entries are not allowed", "这里不能开始列表「- 」：请检查缩进。"),
    ("unexpected end of stream", "文件意外结束：请检查引号或括号是否配对。"),
    ("while parsing a flow", "方括号「[ ]」或花括号「{ }」没有配对：请补全，或改成每项一行的写法。"),
    ("<stream end>", "文件意外结束：请检查方括号「[ ]」、花括号「{ }」或引号是否配对。"),
]
TAB_MESSAGE = "缩进中使用了制表符（Tab）：YAML 只允许用空格缩进，请把 Tab 换成空格。"


class _Resolver(VersionedResolver):
    """ruamel.yaml's resolver with the YAML version fixed at 1.2, the version it falls back to:
    under libyaml's parser it looks the version up again for every scalar through two failing
    attribute lookups, which cost a third of a large spec's load."""

    @property
    def processing_version(self) -> tuple[int, int]:
        return (1, 2)


def _bound_flow_depth(text: str, shown: str) -> None:
    """Refuse flow collections nested deeper than MAX_DEPTH before libyaml's C parser, which
    recurses on them and crashes the process on tens of thousands of `[`."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in FLOW_BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise SourceError.single(Position(shown, line, column), "Y005", "方括号「[ ]」或花括号「{ }」嵌套层数过深：请检查文件结构。")


FLOW_BRACKETS = re.compile(r"[\[\]{}]")


def _compose(text: str, shown: str) -> Node | None:
    _bound_flow_depth(text, shown)
    yaml = YAML(typ="safe", pure=False)  # libyaml's parser through ruamel.yaml.clib where installed
    yaml.Resolver = _Resolver
    try:
        return yaml.compose(text)
    except MarkedYAMLError as exc:
        problem = f"{exc.problem or ''} {exc.context or ''}"
        opened = ("quoted scalar" in problem or "while parsing a flow" in problem) and exc.context_mark is not None
        mark = exc.context_mark if opened else exc.problem_mark or exc.context_mark  # where an unclosed quote or bracket opens
        full_width = _full_width_near(text, mark.line if mark else 0)
        if full_width is not None:
            raise SourceError.single(Position(shown, *full_width[:2]), "Y003", full_width[2]) from None
        quote = _unclosed_quote(text, mark.line if mark else 0)
        if quote is not None:
            raise SourceError.single(Position(shown, *quote), "Y003", QUOTE_MESSAGE) from None
        message = TAB_MESSAGE if mark and _char_at(text, mark.line, mark.column) == "\t" else None
        message = message or next((msg for needle, msg in _PROBLEMS if needle in problem), None)
        if message is None:
            message = "YAML 格式错误：请检查这一行及上一行的缩进、冒号、引号和括号。"
        raise SourceError.single(_within(text, shown, mark), "Y003", message) from None
    except YAMLError:  # errors without a mark (rare)
        raise SourceError.single(Position(shown), "Y003", "YAML 格式错误：请检查文件的缩进、冒号、引号和括号。") from None


FULL_WIDTH_COLON_MESSAGE = "全角冒号「：」：键后面要用半角冒号「:」加一个空格，请把「：」改为「: 」。"
FULL_WIDTH_INDENT_MESSAGE = "全角空格「　」不能用来缩进：请把行首的全角空格换成半角空格（每层两个）。"


def _full_width_near(text: str, line: int) -> tuple[int, int, str] | None:
    """What a parse error found at `line` (0-based) most likely comes from: a key indented with
    full-width spaces on a line up to it, or a full-width colon after a key on it or on the two
    lines before it. (line, column, message), 1-based."""
    lines = text.split("\n")
    last = min(line, len(lines) - 1)
    texts = _in_block_scalars(lines[: last + 1])
    for number in range(last, -1, -1):
        match = FULL_WIDTH_INDENTED.match(lines[number])
        if match and number not in texts:
            return number + 1, len(match.group(1)) + 1, FULL_WIDTH_INDENT_MESSAGE
    for number in range(last, max(-1, line - 6), -1):  # the nearest, within 5 lines
        row = lines[number]
        match = FULL_WIDTH_KEY.match(row)
        item = row.lstrip().startswith("- ")  # 「- 一是：…」 is text, unless the next line, where it fails, continues it as a mapping
        if match and ":" not in row and number not in texts and (not item or number == line - 1):
            return number + 1, match.end(), FULL_WIDTH_COLON_MESSAGE
    return None


BLOCK_SCALAR = re.compile(r"^( *)(?:- +)?[^#]*?:\s+[|>][-+0-9]*\s*(?:#.*)?$|^( *)- +[|>][-+0-9]*\s*$")


def _in_block_scalars(lines: list[str]) -> set[int]:
    """Indexes of the lines that are the text of a block scalar (`key: |` and the lines indented
    under it): full-width spaces and colons are ordinary text there."""
    inside: set[int] = set()
    parent: int | None = None
    for number, row in enumerate(lines):
        indent = len(row) - len(row.lstrip(" "))
        if parent is not None and (not row.strip() or indent > parent):
            inside.add(number)
            continue
        parent = None
        match = BLOCK_SCALAR.match(row)
        if match:
            parent = len(match.group(1) if match.group(1) is not None else match.group(2))
    return inside


QUOTED_VALUE = re.compile(r"""^\s*(?:- +)?(?:[^\s#"'][^#"']*?:\s+|- +)(["'])""")


def _unclosed_quote(text: str, line: int) -> tuple[int, int] | None:
    """The first line up to `line` (0-based) whose value opens a quote it does not close: a quoted
    text runs on over the following lines until some later quote, so the parser fails further
    down. (line, column) of the quote, 1-based."""
    for number, row in enumerate(text.split("\n")[: line + 1]):
        match = QUOTED_VALUE.match(row)
        if match is None:
            continue
        quote, rest = match.group(1), row[match.end() :]
        closed = re.search(r'(?<!\\)"', rest) if quote == '"' else re.search(r"'(?!')", rest.replace("''", ""))
        if closed is None:
            return number + 1, match.end()
    return None


def _within(text: str, shown: str, mark) -> Position:
    """The parser's mark as a position inside the file (its end of stream is the end of the last line)."""
    if mark is None:
        return Position(shown)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if mark.line >= len(lines):
        return Position(shown, max(len(lines), 1), len(lines[-1]) + 1 if lines else 1)
    return Position(shown, mark.line + 1, mark.column + 1)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def _plain_key(key: str) -> str:
    return unicodedata.normalize("NFKC", key).strip().replace(" ", "")


class _Converter:
    """Turn composed nodes into dicts, lists and scalars; record positions; collect errors."""

    def __init__(self, shown: str):
        self.shown = shown
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.key_positions: dict[PathKey, tuple[int, int]] = {}
        self.errors: list[Finding] = []
        self.count = 0

    def _error(self, node: Node, code: str, message: str) -> None:
        self.errors.append(Finding(Position(self.shown, node.start_mark.line + 1, node.start_mark.column + 1), code, message))

    def convert(self, node: Node, loc: PathKey, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            what = "嵌套层数过深" if depth > MAX_DEPTH else "内容过多（可能是锚点/别名展开过大）"
            raise SourceError.single(
                Position(self.shown, node.start_mark.line + 1, node.start_mark.column + 1), "Y005", f"{what}：请检查文件结构。"
            )
        self.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, MappingNode):
            if str(node.tag) != TAG + "map":
                return self._refuse_tag(node)
            return self._mapping(node, loc, depth)
        if isinstance(node, SequenceNode):
            if str(node.tag) != TAG + "seq":
                return self._refuse_tag(node)
            return [self.convert(child, loc + (i,), depth + 1) for i, child in enumerate(node.value)]
        return self._scalar(cast(ScalarNode, node))

    def _mapping(self, node: MappingNode, loc: PathKey, depth: int) -> dict:
        result: dict = {}
        plain: dict[str, str] = {}  # each key without spaces, in NFKC: the key written so
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._error(key_node, "Y006", "键必须是简单文字，不能是列表或映射：请检查这一行的写法。")
                continue
            key = self._scalar(key_node)
            if key is None or isinstance(key, bool):
                self._error(key_node, "Y006", f"键「{key_node.value}」不是文字：请写成中文标签，例如「名称:」。")
                continue
            key = key.source_text if isinstance(key, Number) else str(key)
            if key.startswith(FULL_WIDTH_SPACE):
                self._error(key_node, "Y003", FULL_WIDTH_INDENT_MESSAGE)
                continue
            if key == "<<":
                self._error(key_node, "Y006", "不支持合并键「<<」：请把内容直接写出来。")
                continue
            if key in result:
                first = self.key_positions[loc + (key,)]
                self._error(key_node, "Y007", f"键「{key}」重复出现（第一次在第 {first[0]} 行）：请删除或合并其中一个。")
                continue
            twin = plain.setdefault(_plain_key(key), key)
            if twin != key:  # "经费 " and 经费: one would silently replace the other
                first = self.key_positions[loc + (twin,)]
                self._error(key_node, "Y007", f"键「{key}」与第 {first[0]} 行的「{twin}」只差空格或全角/半角：请删除或合并其中一个。")
                continue
            self.key_positions[loc + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, loc + (key,), depth + 1)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        tag = str(node.tag)
        if tag == TAG + "str":
            return node.value
        if tag == TAG + "null":
            return None
        if tag == TAG + "bool":
            return node.value.lower() == "true"
        if tag in (TAG + "int", TAG + "float"):
            try:
                number = Number(node.value)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                self._error(node, "Y008", f"「{node.value}」不是有效的数字：请写成普通的十进制数，例如 48.36。")
                return node.value
            return number
        if tag.startswith(TAG) and tag[len(TAG) :] in ("timestamp",):
            return node.value
        return self._refuse_tag(node)

    def _refuse_tag(self, node: Node) -> None:
        self._error(node, "Y009", f"不支持 YAML 标签「{node.tag}」：请删除它，直接写内容。")
        return None
