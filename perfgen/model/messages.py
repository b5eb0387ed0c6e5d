"""Problems found while validating a file (a spec, a layout.yaml), said in Chinese at their position.

Validation (`records`, `fieldtypes`) records each problem as a location — a path of keys and list
indexes — a kind and a message fragment; this module turns it into a `Finding` whose position is
that of the key or value in the file (RenderCV's approach), with the nearest valid key suggested.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import Finding, Position
from ..load.text import closest
from ..load.load import FULL_WIDTH_COLON_MESSAGE, FULL_WIDTH_KEY, Source
from .records import Problem

TYPE_MESSAGES = {
    "string_type": "「{label}」应该是文字。",
    "int_type": "「{label}」应该是整数。",
    "int_from_float": "「{label}」应该是整数。",
    "decimal_type": "「{label}」应该是数字。",
    "bool_type": "「{label}」应该是 true 或 false。",
    "list_type": "「{label}」应该是列表：每一项另起一行，以「- 」开头。",
    "dict_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "model_type": "「{label}」应该是「键: 值」形式的映射，而不是{got}。",
    "greater_than_equal": "「{label}」不能是负数。",
    "less_than_equal": "「{label}」太大了：请参照说明填写。",
    "literal_error": "「{label}」的取值不对：{message}。",
}


def finding(source: Source, problem: Problem, codes: dict[str, str], other_keys: Any = None) -> Finding:
    """The finding for `problem` in `source`. `codes` maps a kind to the code to report it with
    (missing, missing_declared, extra_forbidden, same_field, other); `other_keys(kind, key)`, if
    given, names where else an unknown key is accepted (another layout), for a better hint."""
    loc = tuple(part for part in problem.loc if part != "[key]")
    label = next((str(part) for part in reversed(loc) if isinstance(part, str)), "内容")
    kind = problem.kind
    code = codes.get(kind, codes["other"])
    if kind in ("missing", "missing_declared"):
        owner = codes.get("owner", "")
        lead = f"{owner}需要「{label}」" if kind == "missing_declared" and owner else f"缺少必填项「{label}」"
        return Finding(source.position(loc[:-1]), code, f"{lead}：请在这一段里加上「{label}: …」。")
    if kind == "extra_forbidden":
        block, allowed = problem.input if isinstance(problem.input, tuple) else ("", [])
        elsewhere = other_keys(block, label) if other_keys else None
        if elsewhere:
            return Finding(source.position(loc, key=True), codes.get("elsewhere", code), elsewhere)
        known = "、".join(allowed) if allowed else "（无）"
        return Finding(source.position(loc, key=True), code, f"不认识的键「{label}」{closest(label, list(allowed), 0.3)}这里可以用的键有：{known}。")
    colon = _full_width_colon(problem.input) if kind in ("dict_type", "model_type", "mapping_expected") else None
    if colon is not None:  # 「- 名称：甲」: a mapping was meant, written with a full-width colon
        at = source.position(loc)
        return Finding(Position(at.path, at.line, at.column + colon), code, FULL_WIDTH_COLON_MESSAGE)
    if kind == "empty":
        return Finding(source.position(loc), code, f"「{label}」{problem.message}。")
    if kind == "mapping_expected":
        kind = "value_error"
    if kind == "same_field":
        return Finding(source.position(loc, key=True), code, f"「{label}」与「{problem.input}」是同一项的两种写法，只能写一个：请删去其中一个。")
    if kind == "key_error":
        return Finding(source.position(loc, key=True), code, f"{problem.message}。")
    if kind == "value_error":
        return Finding(source.position(loc), code, f"「{label}」{problem.message}。")
    template = TYPE_MESSAGES.get(kind, "「{label}」的取值不正确：请参照示例填写。")
    return Finding(source.position(loc), code, template.format(label=label, got=describe(problem.input), message=problem.message))


def _full_width_colon(value: Any) -> int | None:
    """Where in `value` a key's full-width colon is (0-based), when it reads as 「键：值」."""
    if not isinstance(value, str) or ":" in value or "\n" in value:
        return None
    match = FULL_WIDTH_KEY.match(value)
    return match.end() - 1 if match else None


def describe(value: Any) -> str:
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, Decimal):
        return "数字"
    if value is None:
        return "空值"
    return "单个值"
