"""The small languages of layout.yaml: money formulas and text templates, over field labels.

A formula is arithmetic over the labels of the same item (and of the spec): `财政拨款 + 其他资金`,
`预算数 / sum(项目.预算数) * 100`, `年度 + 项目期 - 1`; `sum(列表.字段)` and `count(列表)` aggregate
over a list. It is parsed once when the layout is loaded (never `eval`) and computed with Decimal.
An amount that is not written counts as 0 in a sum (a formula whose amounts are all absent has no
value); any other absent value leaves the result empty. A label with spaces, operators or a
leading digit is quoted: 「2024年预算」.

A template is text with `{标签}` references, e.g. `{名称}项目`, `{单位编码}-{单位名称}`,
`{年度主要任务[序号].简称}` (the element of another list at this item's position).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any
from ..errors import FormulaError

Path = tuple[str, ...]
NAME = r"[^\s+\-*/().,「」\d][^\s+\-*/().,「」]*"
TOKEN = re.compile(rf"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<quoted>「[^」]+」)|(?P<name>{NAME})|(?P<op>[-+*/(),.]))")
FUNCTIONS = ("sum", "count")


@dataclass(frozen=True)
class Node:
    op: str  # number | ref | sum | count | + | - | * | / | neg
    args: tuple = ()
    value: Any = None  # the number, or the referenced path


@dataclass(frozen=True)
class Formula:
    text: str
    root: Node

    def references(self) -> Iterator[tuple[str, Path]]:
        """(how, path) of every label used: how is "ref", "sum" or "count"."""
        yield from _references(self.root)

    def is_sum(self) -> bool:
        """Only + of plain references (a total whose parts a form shows beside it)."""
        return _is_sum(self.root)

    def parts(self) -> list[Path]:
        return [path for how, path in self.references() if how == "ref"]

    def evaluate(self, lookup: Callable[[str, Path], tuple[Any, bool]]) -> Any:
        """The value, with `lookup(how, path)` → (value, is_amount); None when it has none."""
        try:
            return _evaluate(self.root, lookup)
        except (DivisionByZero, InvalidOperation, ZeroDivisionError):
            return None


def parse_formula(text: str) -> Formula:
    tokens = _tokens(text)
    parser = _Parser(tokens, text)
    root = parser.expression()
    if parser.position < len(tokens):
        raise FormulaError(f"公式「{text}」在「{tokens[parser.position][1]}」处无法理解：请检查运算符和括号")
    return Formula(text, root)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FormulaError(f"公式「{text}」在第 {position + 1} 个字符处无法理解：只能用标签、数字、+ - * / 和括号")
        kind = match.lastgroup or ""
        value = match[kind]
        out.append(("name", value[1:-1]) if kind == "quoted" else (kind, value))
        position = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str):
        self.tokens, self.text, self.position = tokens, text, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (expected is not None and token[1] != expected):
            shown = f"「{expected}」" if expected else "标签或数字"
            raise FormulaError(f"公式「{self.text}」不完整：这里缺少{shown}")
        self.position += 1
        return token

    def expression(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = Node(op, (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = Node(op, (node, self.factor()))
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Node("number", value=Decimal(value))
        if value == "-":
            return Node("neg", (self.factor(),))
        if value == "(":
            node = self.expression()
            self.take(")")
            return node
        if kind != "name":
            raise FormulaError(f"公式「{self.text}」在「{value}」处无法理解")
        if value in FUNCTIONS and self.peek()[1] == "(":
            self.take("(")
            path = self.path(self.take()[1])
            self.take(")")
            return Node(value, value=path)
        return Node("ref", value=self.path(value))

    def path(self, first: str) -> Path:
        path = [first]
        while self.peek()[1] == ".":
            self.take(".")
            kind, value = self.take()
            if kind != "name":
                raise FormulaError(f"公式「{self.text}」中「.」后面应是标签")
            path.append(value)
        return tuple(path)


def _references(node: Node) -> Iterator[tuple[str, Path]]:
    if node.op in ("ref", "sum", "count"):
        yield node.op, node.value
    for arg in node.args:
        yield from _references(arg)


def _is_sum(node: Node) -> bool:
    return node.op == "ref" or (node.op == "+" and all(_is_sum(a) for a in node.args))


def _evaluate(node: Node, lookup: Callable[[str, Path], tuple[Any, bool]]) -> Any:
    if node.op == "number":
        return node.value
    if node.op in ("ref", "sum", "count"):
        return lookup(node.op, node.value)[0]
    if node.op == "neg":
        inner = _evaluate(node.args[0], lookup)
        return None if inner is None else -inner
    if node.op in ("+", "-"):
        terms = list(_terms(node, lookup, 1))
        if any(value is None and not amount for value, amount, _ in terms):
            return None  # a count or a year that is not given leaves the result empty
        if all(amount and value is None for value, amount, _ in terms):
            return None  # no amount given at all
        return sum((sign * value for value, _, sign in terms if value is not None), Decimal(0))
    left, right = (_evaluate(arg, lookup) for arg in node.args)
    if left is None or right is None:
        return None
    return left * right if node.op == "*" else Decimal(left) / Decimal(right)


def _terms(node: Node, lookup, sign: int) -> Iterator[tuple[Any, bool, int]]:
    """The terms of a chain of + and -: (value, is an amount, sign); an amount absent is None."""
    if node.op in ("+", "-"):
        yield from _terms(node.args[0], lookup, sign)
        yield from _terms(node.args[1], lookup, sign if node.op == "+" else -sign)
    elif node.op in ("ref", "sum"):
        value, amount = lookup(node.op, node.value)
        yield value, amount, sign
    else:
        yield _evaluate(node, lookup), False, sign


# ---------------------------------------------------------------------------------------------
# Templates


@dataclass(frozen=True)
class Reference:
    """A `{…}` field of a template: a label path, where an element may be indexed by [序号]."""

    path: tuple[str | tuple[str], ...]  # names; ("序号",) marks [序号]
    text: str


@dataclass(frozen=True)
class Template:
    text: str

    @cached_property
    def _pieces(self) -> tuple[tuple[str, Reference | None], ...]:
        """(literal text, the reference after it) in order, parsed once (templates are rendered
        for every row of every table)."""
        return tuple((literal, _reference(name) if name is not None else None) for literal, name, _, _ in string.Formatter().parse(self.text))

    def references(self) -> list[Reference]:
        return [reference for _, reference in self._pieces if reference is not None]

    def render(self, resolve: Callable[[Reference], Any]) -> str:
        """The text with each reference replaced by `resolve(reference)` (None → "")."""
        out = []
        for literal, reference in self._pieces:
            out.append(literal)
            if reference is not None:
                value = resolve(reference)
                out.append("" if value is None else str(value))
        return "".join(out)


@lru_cache(maxsize=1024)
def parse_template(text: str) -> Template:
    try:
        template = Template(text)
        for _, name, spec, conversion in string.Formatter().parse(text):
            if name is not None and (spec or conversion):
                raise FormulaError(f"模板「{text}」的「{{{name}}}」后面不能再写「:…」或「!…」：只写 {{标签}}")
        for reference in template.references():
            if not reference.path or not reference.path[0]:
                raise FormulaError(f"模板「{text}」中有空的「{{}}」：请写出标签，例如 {{名称}}")
    except ValueError as exc:
        if isinstance(exc, FormulaError):
            raise
        raise FormulaError(f"模板「{text}」的花括号没有配对（{exc}）：引用写成 {{标签}}，文字里的花括号写成 {{{{ }}}}") from None
    return template


def _reference(name: str) -> Reference:
    path: list[str | tuple[str]] = []
    for part in re.findall(r"\[[^\]]*\]|[^.\[\]]+", name):
        if part.startswith("["):
            path.append((part[1:-1],))
        else:
            path.append(part)
    return Reference(tuple(path), name)
