"""Tests for domain.fastschema: the compiled predicate agrees with jsonschema exactly.

Every verdict is checked against ``is_valid`` of the same strict Draft 2020-12
validator :mod:`domain.validation` uses (integers are ints, never bools or floats),
on the shipped schemas with their examples and with random mutations of them, on
random schemas of the supported subset, and on hand-picked corner cases. The
validator's accept path built on it must leave every outcome unchanged.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.catalogue import ALL_ENTRY_TYPES, schema_name
from domain.errors import LedgerError
from domain.fastschema import compile_schema, json_equal, unique_items
from domain.validation import (
    MAX_SAFE_INTEGER,
    SchemaValidator,
    _format_checker,
    _number_errors,
    _numbers_are_safe,
    _StrictValidator,
    default_validator,
    is_date,
    is_datetime,
)
from tests.domain.test_schemas import (
    EXAMPLES,
    example_name,
    load_examples,
    make_payload,
)

FORMATS = {"date": is_date, "date-time": is_datetime}
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

Json = Any


def examples_of(entry_type: str) -> dict[str, Any]:
    if not (EXAMPLES / example_name(entry_type)).exists():
        return {"valid": [], "invalid": []}
    return load_examples(entry_type)


def shipped() -> dict[str, tuple[Any, Callable[[object], bool]]]:
    """Each shipped validator (as validation.py builds it) with its fast predicate."""
    validator = default_validator()
    validators = {
        "entry": validator._envelope,
        "problem": validator._problem,
        **{schema_name(t): validator._bodies[t] for t in ALL_ENTRY_TYPES},
    }
    return {
        name: (jsonschema_validator, validator._fast[id(jsonschema_validator)])
        for name, jsonschema_validator in validators.items()
    }


SHIPPED = shipped()


def valid_payloads() -> list[dict[str, Any]]:
    return [
        make_payload(entry_type, body)
        for entry_type in ALL_ENTRY_TYPES
        for body in examples_of(entry_type)["valid"]
    ]


def assert_agrees(schema: Json, instance: Json, expected: bool | None = None) -> None:
    fast = compile_schema(schema, formats=FORMATS)
    assert fast is not None, schema
    reference = _StrictValidator(schema, format_checker=_format_checker())
    verdict = reference.is_valid(instance)
    assert fast(instance) is verdict, (schema, instance)
    if expected is not None:
        assert verdict is expected, (schema, instance)


# --- the shipped schemas -------------------------------------------------------------
def test_every_shipped_schema_compiles() -> None:
    # SHIPPED would have raised a KeyError for a validator without a predicate.
    assert len(SHIPPED) == len(ALL_ENTRY_TYPES) + 2


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
def test_every_example_body_gets_the_jsonschema_verdict(entry_type: str) -> None:
    reference, fast = SHIPPED[schema_name(entry_type)]
    examples = examples_of(entry_type)
    for body in examples["valid"]:
        assert fast(body) is True
        assert reference.is_valid(body)
    for case in examples["invalid"]:
        assert fast(case["body"]) is reference.is_valid(case["body"]), case["why"]


ENVELOPE_CHANGES: list[dict[str, Any]] = [
    {},
    {"v": 2},
    {"v": True},
    {"v": 1.0},
    {"log": "a"},
    {"log": "https://x.example/log"},
    {"id": ""},
    {"id": "has space"},
    {"type": "NoSuchType"},
    {"type": 1},
    {"issued_at": "2025-04-02T10:00:00"},
    {"issued_at": "2025-02-30T10:00:00+08:00"},
    {"issued_at": "2025-04-02T10:00:00Z"},
    {"key": "no-plus"},
    {"key": "name+CDB929DB"},
    {"body": []},
    {"extra": 1},
    {"period": {"start": "2025-01-01", "end": "2025-12-31"}},
    {"period": {"start": "2025-01-01"}},
    {"period": {"start": "2025-13-01", "end": "2025-12-31"}},
    {"refs": [{"index": 0, "leaf_hash": "0" * 64}]},
    {"refs": [{"index": -1, "leaf_hash": "0" * 64}]},
    {"refs": [{"index": 0, "leaf_hash": "0" * 64}] * 65},
    {"refs": [{"index": MAX_SAFE_INTEGER + 1, "leaf_hash": "0" * 64}]},
    {
        "attachments": [
            {"sha256": "a" * 64, "media_type": "application/pdf", "bytes": 1}
        ]
    },
    {"attachments": [{"sha256": "a" * 64, "media_type": "PDF", "bytes": 1}]},
    {
        "attachments": [
            {"sha256": "a" * 64, "media_type": "a/b", "bytes": 1, "name": ""}
        ]
    },
]


@pytest.mark.parametrize(
    "change", ENVELOPE_CHANGES, ids=[str(c) for c in ENVELOPE_CHANGES]
)
def test_every_envelope_case_gets_the_jsonschema_verdict(
    change: dict[str, Any],
) -> None:
    reference, fast = SHIPPED["entry"]
    for payload in valid_payloads()[:5]:
        changed = {**payload, **change}
        assert fast(changed) is reference.is_valid(changed)
    missing = {key: value for key, value in valid_payloads()[0].items() if key != "key"}
    assert fast(missing) is reference.is_valid(missing) is False


def test_a_problem_body_gets_the_jsonschema_verdict() -> None:
    reference, fast = SHIPPED["problem"]
    problem = {
        "type": "https://shuangshai.example/problems/schema-violation",
        "title": "Schema violation",
        "status": 422,
        "detail": "/body: bad",
        "instance": "/entries",
        "code": "schema-violation",
        "errors": [{"pointer": "/body", "message": "bad"}],
    }
    candidates: tuple[object, ...] = (
        problem,
        {**problem, "status": "422"},
        {},
        [],
        None,
    )
    for candidate in candidates:
        assert fast(candidate) is reference.is_valid(candidate)


# --- random mutations of the examples ------------------------------------------------
def _leaves(value: Json) -> list[Json]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _schema_words(node: Json) -> set[str]:
    """Property names and enum strings anywhere in a schema."""
    words: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "patternProperties", "dependentRequired"):
                words |= set(value)
            if key in ("enum", "required") and isinstance(value, list):
                words |= {item for item in value if isinstance(item, str)}
            if key == "const" and isinstance(value, str):
                words.add(value)
            words |= _schema_words(value)
    elif isinstance(node, list):
        for item in node:
            words |= _schema_words(item)
    return words


#: (schema name, a valid instance) for every example and every example payload.
BASES: list[tuple[str, Json]] = [
    (schema_name(t), body) for t in ALL_ENTRY_TYPES for body in examples_of(t)["valid"]
] + [("entry", payload) for payload in valid_payloads()]
WORDS = sorted(
    set().union(*(_schema_words(validator.schema) for validator, _ in SHIPPED.values()))
)
STRINGS = sorted(
    {leaf for _, base in BASES for leaf in _leaves(base) if isinstance(leaf, str)}
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(
        [0, 1, -1, MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, -(2**53), 2**64]
    ),
    st.floats(allow_nan=False),
    st.sampled_from([0.0, 1.0, -0.0, 0.5, 1e300]),
    st.text(max_size=8),
    st.text(min_size=190, max_size=4100, alphabet="王*a1-"),
    st.sampled_from(WORDS),
    st.sampled_from(STRINGS),
    st.sampled_from(STRINGS).map(lambda s: s + "\u0301"),
    st.sampled_from(STRINGS).map(lambda s: s[1:]),
    st.sampled_from(["", "😀", "138 1234 5678", "2025-02-29", "2024-02-29"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(WORDS) | st.text(max_size=4), inner, max_size=3
        )
    ),
    max_leaves=6,
)


def _paths(value: Json, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    result = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            result += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            result += _paths(item, (*path, index))
    return result


def _get(value: Json, path: tuple[Any, ...]) -> Json:
    for token in path:
        value = value[token]
    return value


@st.composite
def mutated(draw: st.DrawFn, bases: list[tuple[str, Json]]) -> tuple[str, Json]:
    """A valid example with one to three random edits (replace, drop, add, repeat)."""
    name, base = draw(st.sampled_from(bases))
    instance = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(instance)))
        target = _get(instance, path)
        action = draw(st.sampled_from(["replace", "drop", "add", "repeat"]))
        if action == "replace":
            if not path:
                instance = draw(json_values)
                continue
            _get(instance, path[:-1])[path[-1]] = draw(json_values)
        elif action == "drop" and path:
            parent = _get(instance, path[:-1])
            del parent[path[-1]]
        elif action == "add" and isinstance(target, dict):
            key = draw(st.sampled_from(WORDS) | st.text(max_size=4))
            target[key] = draw(json_values)
        elif action == "add" and isinstance(target, list):
            target.append(draw(json_values))
        elif action == "repeat" and isinstance(target, list) and target:
            target.append(copy.deepcopy(draw(st.sampled_from(target))))
    return name, instance


@PROPERTY
@given(case=mutated(BASES))
def test_a_mutated_example_gets_the_jsonschema_verdict(case: tuple[str, Json]) -> None:
    name, instance = case
    reference, fast = SHIPPED[name]
    assert fast(instance) is reference.is_valid(instance)


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_a_mutated_body_of_every_type_gets_the_jsonschema_verdict(
    entry_type: str, data: st.DataObject
) -> None:
    bases = [(name, base) for name, base in BASES if name == schema_name(entry_type)]
    name, instance = data.draw(mutated(bases))
    reference, fast = SHIPPED[name]
    assert fast(instance) is reference.is_valid(instance)


# --- the accept path in domain.validation ------------------------------------------
SLOW = SchemaValidator()
SLOW._fast.clear()  # jsonschema alone: the behaviour before the accept path


def _outcome(action: Callable[..., None], *args: object) -> object:
    try:
        action(*args)
    except LedgerError as error:
        return type(error), error.detail, error.errors
    return None


def same_outcome(
    fast: Callable[..., None], slow: Callable[..., None], *args: object
) -> bool:
    """Both pass, or both raise the same error class, detail and field errors."""
    return _outcome(fast, *args) == _outcome(slow, *args)


@PROPERTY
@given(case=mutated([("entry", payload) for payload in valid_payloads()]))
def test_the_accept_path_never_changes_an_outcome(case: tuple[str, Json]) -> None:
    _, payload = case
    fast = default_validator()
    assert same_outcome(fast.validate_payload, SLOW.validate_payload, payload)
    assert same_outcome(fast.validate_envelope, SLOW.validate_envelope, payload)
    if isinstance(payload, dict) and isinstance(payload.get("type"), str):
        body = payload.get("body")
        assert same_outcome(
            lambda: fast.validate_body(payload["type"], body),
            lambda: SLOW.validate_body(payload["type"], body),
        )


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
def test_the_accept_path_keeps_every_examples_outcome(entry_type: str) -> None:
    examples = examples_of(entry_type)
    bodies = examples["valid"] + [case["body"] for case in examples["invalid"]]
    for body in bodies:
        payload = make_payload(entry_type, body)
        assert same_outcome(
            default_validator().validate_payload, SLOW.validate_payload, payload
        )


@PROPERTY
@given(value=json_values)
def test_the_number_scan_agrees_with_the_number_errors(value: Json) -> None:
    assert _numbers_are_safe(value) is (next(_number_errors(value, ""), None) is None)


def test_the_number_scan_finds_a_deep_float_and_a_large_integer() -> None:
    assert _numbers_are_safe({"a": [{"b": [1, "x", None, True]}]})
    assert not _numbers_are_safe({"a": [{"b": [1, 1.0]}]})
    assert not _numbers_are_safe([[[-(2**53)]]])
    assert _numbers_are_safe([[[-(2**53) + 1]]])


# --- random schemas of the supported subset ----------------------------------------
small_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1.0, 0.5, 2**53]),
    st.sampled_from(["", "a", "ab", "b", "王", "2025-01-31", "2025-02-30"]),
)
small_json = st.recursive(
    small_values,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "x-1"]), inner, max_size=3)
    ),
    max_leaves=5,
)
names = st.sampled_from(["a", "b", "x-1"])
types = st.sampled_from(
    ["string", "integer", "number", "object", "array", "boolean", "null"]
)


def _schemas(inner: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    keyword = st.one_of(
        st.tuples(st.just("type"), types | st.lists(types, max_size=3)),
        st.tuples(st.just("const"), small_json),
        st.tuples(st.just("enum"), st.lists(small_json, max_size=3)),
        st.tuples(
            st.just("pattern"), st.sampled_from(["a", "^a", "b$", "^$", "[0-9]"])
        ),
        st.tuples(st.sampled_from(["minLength", "maxLength"]), st.integers(0, 3)),
        st.tuples(
            st.sampled_from(
                ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]
            ),
            st.integers(-2, 2) | st.sampled_from([0.5, -1.5]),
        ),
        st.tuples(st.just("multipleOf"), st.sampled_from([1, 2, 3, 0.5, 1e-300])),
        st.tuples(st.sampled_from(["minItems", "maxItems"]), st.integers(0, 3)),
        st.tuples(st.just("uniqueItems"), st.booleans()),
        st.tuples(
            st.sampled_from(["minProperties", "maxProperties"]), st.integers(0, 3)
        ),
        st.tuples(st.just("required"), st.lists(names, max_size=3)),
        st.tuples(st.just("properties"), st.dictionaries(names, inner, max_size=2)),
        st.tuples(
            st.just("patternProperties"),
            st.dictionaries(st.sampled_from(["^x-", "a", "^$"]), inner, max_size=2),
        ),
        st.tuples(st.just("additionalProperties"), inner),
        st.tuples(st.just("propertyNames"), inner),
        st.tuples(
            st.just("dependentRequired"), st.dictionaries(names, st.lists(names))
        ),
        st.tuples(
            st.just("dependentSchemas"), st.dictionaries(names, inner, max_size=2)
        ),
        st.tuples(st.just("items"), inner),
        st.tuples(st.just("prefixItems"), st.lists(inner, min_size=1, max_size=2)),
        st.tuples(
            st.sampled_from(["allOf", "anyOf", "oneOf"]),
            st.lists(inner, min_size=1, max_size=3),
        ),
        st.tuples(st.sampled_from(["not", "if", "then", "else"]), inner),
        st.tuples(st.just("format"), st.sampled_from(["date", "date-time"])),
        st.tuples(st.sampled_from(["title", "description", "$comment"]), st.just("x")),
    )
    return st.lists(keyword, max_size=4).map(dict)


random_schemas: st.SearchStrategy[Any] = st.recursive(
    st.booleans() | st.just({}), _schemas, max_leaves=8
)


@PROPERTY
@given(schema=random_schemas, instances=st.lists(small_json, min_size=1, max_size=8))
def test_a_random_schema_gets_the_jsonschema_verdict(
    schema: Json, instances: list[Json]
) -> None:
    for instance in instances:
        assert_agrees(schema, instance)


# --- corner cases --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"type": "integer"}, 1.0, False),
        ({"type": "number"}, 0.5, False),
        ({"type": "boolean"}, 0, False),
        ({"type": ["integer", "null"]}, None, True),
        ({"const": 1}, True, False),
        ({"const": True}, 1, False),
        ({"const": 0}, False, False),
        ({"enum": [1, "a"]}, True, False),
        ({"enum": [False]}, 0, False),
        ({"enum": [[1]]}, [True], False),
        ({"const": {"a": 1}}, {"a": True}, False),
        ({"const": None}, 0, False),
    ],
)
def test_a_boolean_is_never_an_integer(
    schema: Json, instance: Json, expected: bool
) -> None:
    assert_agrees(schema, instance, expected)


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"const": 1}, 1.0, True),
        ({"enum": [2]}, 2.0, True),
        ({"const": [1]}, [1.0], True),
        ({"minimum": 5}, 1.0, True),  # a float is not a number here: minimum skips it
        ({"maximum": 0}, 0.5, True),
    ],
)
def test_one_point_zero_equals_one_but_is_not_an_integer(
    schema: Json, instance: Json, expected: bool
) -> None:
    assert_agrees(schema, instance, expected)


@pytest.mark.parametrize(
    ("pattern", "instance", "expected"),
    [
        ("b", "abc", True),
        ("^b", "abc", False),
        ("^a", "abc", True),
        ("c$", "abc", True),
        ("^ab$", "abc", False),
        ("^[0-9]{3}$", "123", True),
        ("^[0-9]{3}$", "1234", False),
        ("[0-9]", 7, True),  # a pattern only constrains strings
    ],
)
def test_a_pattern_is_searched_not_matched(
    pattern: str, instance: Json, expected: bool
) -> None:
    assert_agrees({"pattern": pattern}, instance, expected)


@pytest.mark.parametrize(
    ("instance", "expected"),
    [("王*", True), ("王**", False), ("😀😀", True), ("e\u0301e", False), ("", True)],
)
def test_a_string_length_counts_code_points(instance: str, expected: bool) -> None:
    assert_agrees({"maxLength": 2}, instance, expected)


@pytest.mark.parametrize(
    ("instance", "expected"), [("ab", False), ("a", True), ("b", True), ("c", False)]
)
def test_one_of_refuses_a_value_matching_two_branches(
    instance: str, expected: bool
) -> None:
    assert_agrees({"oneOf": [{"pattern": "a"}, {"pattern": "b"}]}, instance, expected)


@pytest.mark.parametrize(("instance", "expected"), [(1, True), (2, True), (3, False)])
def test_if_without_then_applies_only_else(instance: int, expected: bool) -> None:
    assert_agrees({"if": {"const": 1}, "else": {"const": 2}}, instance, expected)


def test_if_without_then_or_else_constrains_nothing() -> None:
    assert_agrees({"if": {"const": 1}}, 2, True)
    assert_agrees({"then": False}, 2, True)  # then/else without if are ignored


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        ([1, True], True),
        ([0, False], True),
        ([1, 1.0], False),
        ([[1], [True]], True),
        ([{"a": 1}, {"a": 1}], False),
        ([{"a": 1}, {"a": True}], True),
        ([True, True], False),
        (["a", "b", "a"], False),
        ([1, "1"], True),
        ([[1], [True], [1]], True),  # jsonschema compares sorted neighbours only
        ([], True),
    ],
)
def test_unique_items_uses_json_equality(instance: list[Json], expected: bool) -> None:
    assert_agrees({"uniqueItems": True}, instance, expected)
    assert unique_items(instance) is expected


@pytest.mark.parametrize(
    ("instance", "expected"),
    [({"a": 1}, False), ({"a": 1, "b": 2}, True), ({"b": 1}, True), ("a", True)],
)
def test_dependent_required_applies_when_its_property_is_present(
    instance: Json, expected: bool
) -> None:
    assert_agrees({"dependentRequired": {"a": ["b"]}}, instance, expected)


@pytest.mark.parametrize(
    ("instance", "expected"),
    [({"a": 1, "b": "x"}, True), ({"b": 1}, False), ({"a": 1}, True), ({}, True)],
)
def test_additional_properties_can_be_a_schema(instance: Json, expected: bool) -> None:
    schema = {"properties": {"a": {}}, "additionalProperties": {"type": "string"}}
    assert_agrees(schema, instance, expected)


@pytest.mark.parametrize(
    ("instance", "expected"),
    [({"x-a": 1}, True), ({"x-a": "s"}, False), ({"y": 1}, False), ({"a": "s"}, True)],
)
def test_additional_properties_sees_through_pattern_properties(
    instance: Json, expected: bool
) -> None:
    schema = {
        "properties": {"a": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "integer"}},
        "additionalProperties": False,
    }
    assert_agrees(schema, instance, expected)


@pytest.mark.parametrize("instance", [None, 0, "", [], {}, {"a": 1}])
def test_a_false_schema_refuses_everything_and_true_accepts_it(instance: Json) -> None:
    assert_agrees(False, instance, False)
    assert_agrees(True, instance, True)
    assert_agrees({"not": {}}, instance, False)
    assert_agrees({"title": "t", "description": "d", "$comment": "c"}, instance, True)


def test_a_false_property_schema_forbids_only_that_property() -> None:
    assert_agrees({"properties": {"a": False}}, {"a": 1}, False)
    assert_agrees({"properties": {"a": False}}, {"b": 1}, True)
    assert_agrees({"properties": {"a": {"not": {}}}}, {"a": None}, False)


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"format": "date"}, "2024-02-29", True),
        ({"format": "date"}, "2025-02-29", False),
        ({"format": "date"}, 20250229, True),  # formats only constrain strings
        ({"format": "date-time"}, "2025-04-02T10:00:00+08:00", True),
        ({"format": "date-time"}, "2025-04-02T10:00:00", False),
        ({"prefixItems": [{"type": "string"}], "items": False}, ["a"], True),
        ({"prefixItems": [{"type": "string"}], "items": False}, ["a", 1], False),
        (
            {"prefixItems": [{"type": "string"}], "items": {"type": "integer"}},
            ["a", 1],
            True,
        ),
        ({"prefixItems": [{"type": "string"}]}, [1], False),
        ({"propertyNames": {"maxLength": 1}}, {"ab": 1}, False),
        ({"minProperties": 1, "maxProperties": 1}, {"a": 1}, True),
        ({"multipleOf": 3}, 9, True),
        ({"multipleOf": 0.5}, 3, True),
        ({"multipleOf": 1e-300}, 3, True),
        ({"exclusiveMinimum": 0}, 0, False),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, None, True),
        (
            {"not": {"type": "string", "pattern": "1[3-9][0-9]{9}"}},
            "tel 13812345678",
            False,
        ),
        ({"dependentSchemas": {"a": {"required": ["b"]}}}, {"a": 1}, False),
        (
            {"$defs": {"x": {"unevaluatedProperties": False}}, "type": "null"},
            None,
            True,
        ),
    ],
)
def test_the_other_supported_keywords_agree(
    schema: Json, instance: Json, expected: bool
) -> None:
    assert_agrees(schema, instance, expected)


@pytest.mark.parametrize("instance", ["a", "ab", 3, 7, None, True, [], {}])
def test_a_list_of_types_applies_each_keyword_to_its_own_type(instance: Json) -> None:
    schema = {"type": ["string", "integer", "null"], "minLength": 2, "minimum": 5}
    assert_agrees(schema, instance)
    assert_agrees({"allOf": [schema, {"type": ["integer", "array"]}]}, instance)


def test_a_deeply_nested_schema_still_compiles() -> None:
    schema: Json = {"type": "integer"}
    instance: Json = 1
    for _ in range(40):
        schema = {"type": "array", "items": schema}
        instance = [instance]
    assert_agrees(schema, instance, True)
    assert_agrees(schema, json.loads(json.dumps(instance).replace("1", '"1"')), False)


@pytest.mark.parametrize(
    "schema",
    [
        {"unevaluatedProperties": False},
        {"$ref": "#/$defs/x", "$defs": {"x": {}}},
        {"properties": {"a": {"$ref": "other.json"}}},
        {"contains": {"type": "integer"}},
        {"items": [{"type": "integer"}]},
        {"format": "email"},
        {"type": "float"},
        {"pattern": "("},
        {"minLength": "3"},
        {"enum": "abc"},
        {"required": "a"},
        {"allOf": []},
        {"properties": {"a": {"x-custom": 1}}},
        {"anyOf": [{"dependencies": {"a": ["b"]}}]},
        ["not", "a", "schema"],
    ],
)
def test_an_unsupported_schema_is_declined(schema: Json) -> None:
    assert compile_schema(schema, formats=FORMATS) is None


def test_a_format_without_a_checker_is_declined() -> None:
    assert compile_schema({"format": "date"}) is None
    assert compile_schema({"format": "date"}, formats=FORMATS) is not None


@pytest.mark.parametrize(
    ("one", "two", "expected"),
    [
        (1, True, False),
        (1, 1.0, True),
        ("1", 1, False),
        ([1, [2]], [1, [2.0]], True),
        ({"a": [True]}, {"a": [1]}, False),
        ({"a": 1}, {"b": 1}, False),
        (None, False, False),
    ],
)
def test_json_equality_keeps_booleans_apart(
    one: Json, two: Json, expected: bool
) -> None:
    assert json_equal(one, two) is expected
    assert json_equal(two, one) is expected
