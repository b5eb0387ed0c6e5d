"""Chinese and Arabic item numbers (一、 （一） 1. …) from a layout's format strings."""

from __future__ import annotations

import string

DIGITS = "零一二三四五六七八九"
FIELDS = {"n", "cn"}


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 21 → 二十一, 105 → 一百零五 (1 ≤ n ≤ 9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(f"cannot write {n} as a Chinese numeral")
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit_value % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(DIGITS[digit] + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def check_format(fmt: str) -> None:
    """Raise ValueError unless `fmt` uses only the fields {n} and {cn}, plainly."""
    parsed = list(string.Formatter().parse(fmt))
    unknown = {name for _, name, _, _ in parsed if name is not None} - FIELDS
    if unknown:
        raise ValueError(f"不认识的「{'」「'.join(sorted(unknown))}」")
    if any(name is not None and (spec or conversion) for _, name, spec, conversion in parsed):
        raise ValueError("{n}、{cn} 后面不能再写「:…」或「!…」")
    if not any(name is not None for _, name, _, _ in parsed):
        raise ValueError("没有 {n} 或 {cn}，每一项的编号都会一样")


def item_number(fmt: str, n: int) -> str:
    """The label of the n-th item (from 1) in format `fmt`, e.g. "（{cn}）" → "（三）"."""
    return fmt.format(n=n, cn=chinese_numeral(n))
