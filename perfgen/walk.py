"""Walking a spec by its layout's declaration: every declared field with its value and location —
the one traversal the checks share (`derive.Computed.written`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .fieldtypes import BlockType, Field, ListType, SectionsType
from .model import Item, Values


@dataclass(frozen=True)
class Found:
    """A declared field's value: where it is written, the field, the value, and the item that
    owns it (None at the spec's own level) with that item's list."""

    loc: tuple
    field: Field
    value: Any
    item: Item | None = None
    list_label: str = ""
    parent: Values | None = None  # the mapping that holds the field


def fields(block: BlockType, values: Values, loc: tuple = (), item: Item | None = None, list_label: str = "") -> Iterator[Found]:
    """Every field of `block` given in `values`, then the fields below it, in document order."""
    for f in block.fields:
        value = values.get(f.label) if values is not None else None
        if value is None:
            continue
        here = (*loc, f.label)
        yield Found(here, f, value, item, list_label, values)
        kind = f.type
        if isinstance(kind, ListType) and isinstance(kind.item, BlockType):
            for i, element in enumerate(value):
                yield from fields(kind.item, element.values, (*here, i), element, f.label)
        elif isinstance(kind, SectionsType) and isinstance(kind.item, BlockType):
            for section in value:
                yield from fields(kind.item, section.value, (*here, section.title), item, list_label)
        elif isinstance(kind, BlockType) and isinstance(value, Values):
            yield from fields(kind, value, here, item, list_label)
