"""perfgen.model.records: the small typed-record layer under the spec and layout models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Union

import jsonschema
import pytest

from perfgen.model.records import (
    After,
    Before,
    Bounds,
    Choose,
    Invalid,
    Record,
    internal,
    json_schema,
    key,
    keys_of,
    validate,
)


def _upper(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value.upper()


def _even(value: int) -> int:
    if value % 2:
        raise ValueError("odd")
    return value


class Leaf(Record):
    word: Annotated[str, Before(_upper)] = key("词")
    count: Annotated[int, Bounds(ge=0, le=10), After(_even)] = key("数", default=0)


def _leaf_or_text(value: Any) -> Any:
    return Leaf if isinstance(value, dict) else str


class Tree(Record):
    name: str = key("名称", "名字")
    kind: Literal["a", "b"] = key("类", default="a")
    leaves: list[Leaf] = key("叶", factory=list)
    amounts: dict[str, Decimal] = key("金额", factory=dict)
    either: Annotated[Union[Leaf, str], Choose(_leaf_or_text)] | None = key("任一", default=None)
    loose: Union[str, list[str], dict[str, Any]] | None = key("随意", default=None)
    note: str | None = internal()

    def __post_init__(self) -> None:
        if self.name == "禁止":
            raise ValueError("forbidden name")


def problems(data: Any) -> list[tuple[tuple, str]]:
    with pytest.raises(Invalid) as exc:
        validate(Tree, data)
    return [(p.loc, p.kind) for p in exc.value.problems]


def test_fills_fields_from_any_of_their_keys_and_converts():
    tree = validate(Tree, {"名字": "x", "叶": [{"词": "ab", "数": Decimal(4)}], "金额": {"甲": 1}, "任一": {"词": "c"}, "随意": ["p"]})
    assert tree == Tree(name="x", leaves=[Leaf(word="AB", count=4)], amounts={"甲": Decimal(1)}, either=Leaf(word="C"), loose=["p"])
    assert validate(Tree, {"名称": "y", "任一": "text"}).either == "text"
    assert keys_of(Tree) == ["名称", "名字", "类", "叶", "金额", "任一", "随意"]


def test_collects_every_problem_with_its_location():
    found = problems({"叶": [{"词": 1}, {"词": "a", "数": 11}, {"词": "a", "数": 3}, "x"], "类": "c", "多余": 1, "金额": {"甲": "一"}})
    assert found == [
        (("多余",), "extra_forbidden"),
        (("名称",), "missing"),
        (("类",), "literal_error"),
        (("叶", 0, "词"), "value_error"),
        (("叶", 1, "数"), "less_than_equal"),
        (("叶", 2, "数"), "value_error"),
        (("叶", 3), "model_type"),
        (("金额", "甲"), "decimal_type"),
    ]


def test_a_field_written_under_two_of_its_keys_is_a_problem_at_the_second():
    assert problems({"名称": "x", "名字": "y"}) == [(("名字",), "same_field")]


def test_union_member_follows_the_value_shape_or_the_chooser():
    assert problems({"名称": "x", "任一": {"词": 1}}) == [(("任一", "词"), "value_error")]  # reported against Leaf only
    assert problems({"名称": "x", "随意": True}) == [(("随意",), "string_type")]
    assert validate(Tree, {"名称": "x", "随意": {"k": [1]}}).loose == {"k": [1]}


def test_post_init_refuses_a_record_and_internal_fields_are_not_keys():
    assert problems({"名称": "禁止"}) == [((), "value_error")]
    assert problems({"名称": "x", "note": "n"}) == [(("note",), "extra_forbidden")]


def test_json_schema_describes_every_key_and_validates_what_validate_accepts():
    schema = json_schema(Tree)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["名字"] == schema["properties"]["名称"] and schema["required"] == ["名称"]
    assert schema["$defs"]["Leaf"]["properties"]["数"]["maximum"] == 10
    good = {"名称": "x", "叶": [{"词": "a", "数": 2}], "任一": "t"}
    validate(Tree, good)
    assert jsonschema.Draft202012Validator(schema).is_valid(good)
    assert not jsonschema.Draft202012Validator(schema).is_valid({**good, "多余": 1})
