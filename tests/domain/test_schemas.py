"""Contract tests for ``schemas/``: every schema is valid JSON Schema 2020-12, follows
the shared conventions, has an example file, and its examples behave as they say.

Example files live in ``tests/examples/<kebab-case type>.json`` as ``{"valid": [body,
…], "invalid": [{"body", "pointer", "why"}, …]}``; an invalid body must be refused with
``pointer`` (rooted at the payload) as the first error.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from domain.catalogue import ALL_ENTRY_TYPES, REGISTRY_ENTRY_TYPES, schema_name
from domain.errors import InvalidEntryError
from domain.validation import (
    SCHEMA_BASE_URI,
    _format_checker,
    _inline_refs,
    _StrictValidator,
    default_validator,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCHEMA_FILES = sorted(
    item.name
    for item in resources.files("schemas").iterdir()
    if item.name.endswith(".schema.json")
)


def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("schemas").joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def example_name(entry_type: str) -> str:
    return schema_name(entry_type).removesuffix(".v1.schema.json") + ".json"


def load_examples(entry_type: str) -> dict[str, Any]:
    examples: dict[str, Any] = json.loads(
        (EXAMPLES / example_name(entry_type)).read_text(encoding="utf-8")
    )
    return examples


def make_payload(entry_type: str, body: Any, **extra: Any) -> dict[str, Any]:
    """A complete, valid envelope around ``body``."""
    origin = "chengdu.example/" + (
        "registry" if entry_type in REGISTRY_ENTRY_TYPES else "p/jinjiang-hemei"
    )
    return {
        "v": 1,
        "log": origin,
        "id": "e-2025-04-0001",
        "type": entry_type,
        "issued_at": "2025-04-02T10:00:00+08:00",
        "key": "hemei-wuye-2025+cdb929db",
        "body": body,
        **extra,
    }


def _cases(kind: str) -> list[Any]:
    cases = []
    for entry_type in ALL_ENTRY_TYPES:
        path = EXAMPLES / example_name(entry_type)
        if not path.exists():
            continue
        for number, case in enumerate(load_examples(entry_type)[kind]):
            cases.append(pytest.param(entry_type, case, id=f"{entry_type}-{number}"))
    return cases


# --- the schemas themselves ----------------------------------------------------------
@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_schema_is_valid_json_schema_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_schema_has_its_file_name_as_id(name: str) -> None:
    assert load_schema(name)["$id"] == SCHEMA_BASE_URI + name


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
def test_every_entry_type_has_a_schema_file(entry_type: str) -> None:
    assert schema_name(entry_type) in SCHEMA_FILES


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
def test_every_entry_type_has_an_example_file(entry_type: str) -> None:
    path = EXAMPLES / example_name(entry_type)
    assert path.exists(), f"missing {path.name}"
    examples = load_examples(entry_type)
    assert len(examples["valid"]) >= 2
    assert len(examples["invalid"]) >= 3
    for case in examples["invalid"]:
        assert set(case) == {"body", "pointer", "why"}
        assert case["pointer"].startswith("/body")


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
def test_every_body_schema_follows_the_shared_conventions(entry_type: str) -> None:
    schema = load_schema(schema_name(entry_type))
    assert schema["title"] == entry_type
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])
    assert schema["description"]
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{name} has no description"


def _types(node: Any) -> list[Any]:
    """Every value of a ``type`` keyword anywhere in a schema."""
    if isinstance(node, list):
        return [found for item in node for found in _types(item)]
    if not isinstance(node, dict):
        return []
    found = [node["type"]] if "type" in node else []
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            found += [t for sub in value.values() for t in _types(sub)]
        elif key not in ("enum", "const", "required"):
            found += _types(value)
    return found


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_no_schema_allows_a_float(name: str) -> None:
    for declared in _types(load_schema(name)):
        assert "number" not in (declared if isinstance(declared, list) else [declared])


def test_the_envelope_lists_every_entry_type() -> None:
    envelope = load_schema("entry.v1.schema.json")
    assert tuple(envelope["properties"]["type"]["enum"]) == ALL_ENTRY_TYPES


# --- the examples --------------------------------------------------------------------
@pytest.mark.parametrize(("entry_type", "body"), _cases("valid"))
def test_every_valid_example_validates(entry_type: str, body: Any) -> None:
    default_validator().validate_payload(make_payload(entry_type, body))


@pytest.mark.parametrize(("entry_type", "case"), _cases("invalid"))
def test_every_invalid_example_fails_at_its_stated_pointer_first(
    entry_type: str, case: dict[str, Any]
) -> None:
    with pytest.raises(InvalidEntryError) as excinfo:
        default_validator().validate_payload(make_payload(entry_type, case["body"]))
    pointers = [error.pointer for error in excinfo.value.errors]
    assert pointers, excinfo.value.detail
    assert pointers[0] == case["pointer"], (case["why"], excinfo.value.errors)


# --- inlining the $refs changes nothing -----------------------------------------------
@pytest.fixture(scope="module")
def registry() -> Registry[Any]:
    return Registry().with_resources(
        (
            SCHEMA_BASE_URI + name,
            Resource.from_contents(
                load_schema(name), default_specification=DRAFT202012
            ),
        )
        for name in SCHEMA_FILES
    )


@pytest.mark.parametrize("entry_type", ALL_ENTRY_TYPES)
def test_inlining_the_refs_keeps_every_examples_verdict(
    entry_type: str, registry: Registry[Any]
) -> None:
    schema = load_schema(schema_name(entry_type))
    documents = {SCHEMA_BASE_URI + name: load_schema(name) for name in SCHEMA_FILES}
    inlined = _inline_refs(schema, schema["$id"], documents)
    assert "$ref" not in json.dumps(inlined)
    checker = _format_checker()
    plain = _StrictValidator(schema, registry=registry, format_checker=checker)
    compiled = _StrictValidator(inlined, registry=registry, format_checker=checker)
    if not (EXAMPLES / example_name(entry_type)).exists():
        pytest.skip(f"no examples for {entry_type} yet")
    examples = load_examples(entry_type)
    bodies = examples["valid"] + [case["body"] for case in examples["invalid"]]
    for body in bodies:
        assert plain.is_valid(body) == compiled.is_valid(body), body
