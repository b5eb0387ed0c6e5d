"""Walking a spec by its layout's declaration: every declared field with its value, where it is
written and how it is reached — the one traversal the checks share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model.fieldtypes import BlockType, Field, ListType, SectionsType
from ..model.model import Item, Tree, Values


@dataclass(frozen=True)
class Found:
    """A declared field's value. `loc` is where the spec writes it (with the key it used: an
    alias, say), `path` how the computed values reach it (by labels); `item` is the item that owns
    it (None at the spec's own level) with its list, `parent` the mapping that holds it and
    `block` the block that declares it."""

    loc: tuple
    path: tuple
    field: Field
    value: Any
    item: Item | None = None
    list_label: str = ""
    parent: Values | None = None
    block: BlockType | None = None  # the block declaring the field


def fields(block: BlockType, values: Values, data: Any = None, loc: tuple = (), path: tuple = (), item: Item | None = None, list_label: str = "") -> Iterator[Found]:
    """Every field of `block` given in `values`, then the fields below it, in document order;
    `data` is the mapping as written (for the keys the spec used)."""
    written = data if isinstance(data, dict) else {}
    for f in block.fields:
        value = values.get(f.label) if values is not None else None
        if value is None:
            continue
        key = next((k for k in f.keys if k in written), f.label)
        here, inner = (*loc, key), written.get(key)
        yield Found(here, (*path, f.label), f, value, item, list_label, values, block)
        kind = f.type
        if isinstance(kind, ListType) and isinstance(kind.item, BlockType):
            for i, element in enumerate(value):
                data_i = inner[i] if isinstance(inner, list) and i < len(inner) else None
                yield from fields(kind.item, element.values, data_i, (*here, i), (*path, f.label, i), element, f.label)
        elif isinstance(kind, SectionsType) and isinstance(kind.item, BlockType):
            for section in value:
                data_s = inner.get(section.title) if isinstance(inner, dict) else None
                yield from fields(kind.item, section.value, data_s, (*here, section.title), (*path, f.label, section.title), item, list_label)
        elif isinstance(kind, BlockType) and isinstance(value, Values):
            yield from fields(kind, value, inner, here, (*path, f.label), item, list_label)


def writes_any(root: BlockType, values: Values, keys: set[tuple[str, ...]]) -> bool:
    """Whether `values` (a spec of `root`) give any of `keys`, declared fields as a layout's
    `own_fields()` names them: ("spec" | a block kind | "indicators", label)."""
    for found in fields(root, values):
        kind = "spec" if found.block is root else found.block.kind if found.block is not None else ""
        if (kind, found.field.label) in keys and found.value not in ("", (), Values()):
            return True
        if isinstance(found.value, Tree):
            for group in found.value.groups:
                for indicator in group.indicators:
                    if any(("indicators", label) in keys and value not in (None, "") for label, value in indicator.values.items()):
                        return True
    return False
