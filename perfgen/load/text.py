"""Text as officers type it: normalised once where it is read, split into paragraphs where it is shown."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

from .load import Number


def as_text(value: Any) -> Any:
    """Numbers written where text belongs keep their exact spelling (phone numbers, years); each
    line loses its trailing spaces and the whole its surrounding blank lines."""
    if isinstance(value, Number):
        value = value.source_text
    if isinstance(value, str):
        return "\n".join(line.rstrip() for line in value.strip().splitlines())
    return value


def paragraphs(text: str | None) -> list[str]:
    """Split on blank lines; lines wrapped inside a paragraph are joined (no space between CJK)."""
    if not text:
        return []
    result = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines:
            result.append(_join_lines(lines))
    return result


def one_line(text: str | None) -> str:
    """A text shown in one table cell or paragraph: its paragraphs joined by a space."""
    return " ".join(paragraphs(text))


def _join_lines(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        wide = _is_wide(out[-1]) or _is_wide(line[0])
        out += line if wide else " " + line
    return out


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def closest(word: str, options: list[str], cutoff: float = 0.4) -> str:
    """「，是不是想写「X」？」 for the closest option, or 「。」 (the end of a Chinese message)."""
    match = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return f"，是不是想写「{match[0]}」？" if match else "。"
