"""Indicator frameworks (指标体系): the 一级 → 二级 structures a spec's indicators must follow."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ruamel.yaml import YAML

DATA = Path(__file__).with_name("frameworks.yaml")


@dataclass(frozen=True)
class Framework:
    name: str
    description: str
    levels: dict[str, tuple[str, ...]]
    aliases: dict[str, str]
    coverage: dict[str, str]  # 一级 every project should have → the code of its warning
    rules: dict[str, str]  # rule code → level (错误 / 警告 / 关闭) under this 指标体系

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)

    def level1_names(self) -> list[str]:
        return list(self.levels)

    def level2_names(self, level1: str) -> tuple[str, ...]:
        return self.levels.get(self.canonical(level1), ())


@cache
def frameworks() -> dict[str, Framework]:
    raw = YAML(typ="safe", pure=False).load(DATA.read_text(encoding="utf-8"))
    return {
        str(name): Framework(
            str(name), body["description"], {k: tuple(v) for k, v in body["levels"].items()}, dict(body["aliases"]),
            dict(body.get("coverage") or {}), {str(k): str(v) for k, v in (body.get("rules") or {}).items()},
        )  # fmt: skip
        for name, body in raw.items()
    }
