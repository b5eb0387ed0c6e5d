"""User-facing errors: every problem in a user's input is a `PerfgenError` carrying positions."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import Enum
from typing import Self


@dataclass(frozen=True, order=True)
class Position:
    """A place in a user's file; line and column count from 1 (0 means "the whole file")."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return self.path


class Severity(str, Enum):
    ERROR = "错误"
    WARNING = "警告"


@dataclass(frozen=True)
class Finding:
    """One problem: where, a stable code, and a Chinese message that says how to fix it."""

    position: Position
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.position}: {self.severity.value} {self.code} {self.message}"

    def sort_key(self) -> tuple:
        return (self.position, self.code, self.message)


class PerfgenError(Exception):
    """Base of every error caused by the user's input (spec, layout, template, output path).

    Anything else that escapes is a bug in perfgen.
    """

    def __init__(self, findings: list[Finding] | tuple[Finding, ...]):
        self.findings = tuple(sorted(findings, key=Finding.sort_key))
        super().__init__("\n".join(str(f) for f in self.findings))

    @classmethod
    def single(cls, position: Position, code: str, message: str) -> Self:
        return cls([Finding(position, code, message)])


class SourceError(PerfgenError):
    """The spec file cannot be read or is not well-formed YAML."""


class SpecError(PerfgenError):
    """The spec is well-formed YAML but does not describe a valid document."""

    soft: list[Finding] = []  # the findings of configurable level found beside it (for `check` to show)


class LayoutError(PerfgenError):
    """A layout directory, its description or its template is missing or broken."""


class RenderError(PerfgenError):
    """A template failed while rendering (syntax, undefined variable, sandbox)."""


class OutputError(PerfgenError):
    """The output cannot be written."""


class RolloverError(PerfgenError):
    """The spec cannot be carried into the requested year (or the target exists)."""


class ScaffoldError(PerfgenError):
    """The repository cannot be created (target not empty, bad answer to a prompt)."""


# Raised inside a stage where the place is not known; the stage that knows it turns each into a
# `PerfgenError` (a formula's or profile's at its line in layout.yaml, LibreOffice's at the document).


class FormulaError(ValueError):
    """A formula or template that cannot be read (its message is Chinese, for the layout's author)."""


class ProfileError(ValueError):
    """A profile key that cannot be used: `loc` is its place under the profile (the key itself
    when `key`), the message Chinese."""

    def __init__(self, loc: tuple, message: str, *, key: bool = False):
        super().__init__(message)
        self.loc, self.key = loc, key


class OfficeError(Exception):
    """LibreOffice failed on a document (after one restart); the message is Chinese."""


OS_REASONS = {
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOSPC: "磁盘已满", errno.ENAMETOOLONG: "文件名太长",
    errno.EISDIR: "同名的是一个目录", errno.ENOTDIR: "路径中有一段不是目录", errno.EROFS: "文件系统只读", errno.EBUSY: "文件正被占用",
    errno.ENOENT: "路径不存在", errno.EEXIST: "文件已存在", errno.ELOOP: "符号链接循环", errno.EIO: "读写设备出错",
    errno.EDQUOT: "磁盘配额已满", errno.EMFILE: "打开的文件过多",
}  # fmt: skip


def os_reason(exc: OSError) -> str:
    """The operating system's reason for `exc`, in Chinese where it is a common one."""
    return OS_REASONS.get(exc.errno, "系统错误") if exc.errno is not None else "系统错误"
