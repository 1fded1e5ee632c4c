"""Tests for domain.canonical: RFC 8785 (JCS) encoding and the strict payload parser.

Known answers come from RFC 8785 itself (§3.2.2 primitives, §3.2.3 property sorting,
Appendix B numbers) and from cyberphone/json-canonicalization's test data; see
``tests/vectors/rfc8785/README.txt``. Payloads refuse every float (SPEC §3), so the
float vectors check the reference encoder that :func:`parse_canonical` compares
against, and that our functions refuse floats at the number's JSON pointer.
The randomised equivalence with ``rfc8785`` is in
``tests/properties/test_canonical_props.py``.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from domain.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical
from domain.errors import (
    InvalidEntryError,
    NonCanonicalPayloadError,
    SchemaViolationError,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc8785"
CYBERPHONE = VECTORS / "cyberphone"


def vector(name: str) -> Any:
    """Load a JSON vector file under tests/vectors/rfc8785/."""
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


EXAMPLES = vector("rfc8785_examples.json")
CYBERPHONE_NAMES = sorted(path.name for path in (CYBERPHONE / "input").iterdir())
#: cyberphone vectors with no float anywhere: our encoder must reproduce them.
FLOAT_FREE = ["french.json", "simpleString.json", "unicode.json", "weird.json"]
#: cyberphone vectors with floats, and the pointer of the first one.
WITH_FLOATS = {"structures.json": "/1/\n", "values.json": "/numbers/0"}


def cyberphone(name: str) -> tuple[bytes, bytes]:
    """(input bytes, expected canonical bytes) of a cyberphone vector."""
    return (
        (CYBERPHONE / "input" / name).read_bytes(),
        (CYBERPHONE / "output" / name).read_bytes(),
    )


def double(ieee_hex: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(ieee_hex))[0]
    return value


# --- the vectors themselves --------------------------------------------------------
def test_the_vector_files_are_all_there() -> None:
    assert sorted([*FLOAT_FREE, *WITH_FLOATS]) == CYBERPHONE_NAMES
    assert (VECTORS / "README.txt").is_file()


@pytest.mark.parametrize("name", CYBERPHONE_NAMES)
def test_the_reference_encoder_reproduces_every_cyberphone_vector(name: str) -> None:
    source, expected = cyberphone(name)
    assert rfc8785.dumps(json.loads(source)) == expected


def test_the_reference_encoder_reproduces_the_rfc_and_readme_examples() -> None:
    for name in ("primitives", "readme_sample"):
        example = EXAMPLES[name]
        encoded = rfc8785.dumps(json.loads(example["input"]))
        assert encoded == example["output"].encode("utf-8")
    readme = EXAMPLES["readme_sample"]
    assert bytes.fromhex(readme["output_hex"].replace("\n", " ")) == (
        readme["output"].encode("utf-8")
    )


def test_the_simple_string_output_is_the_published_utf8_hex() -> None:
    hex_dump = (CYBERPHONE / "outhex" / "simpleString.txt").read_text("ascii")
    assert bytes.fromhex(hex_dump) == cyberphone("simpleString.json")[1]


# --- canonical_bytes: known answers ------------------------------------------------
@pytest.mark.parametrize("name", FLOAT_FREE)
def test_canonical_bytes_reproduces_the_float_free_cyberphone_vectors(
    name: str,
) -> None:
    source, expected = cyberphone(name)
    assert canonical_bytes(json.loads(source)) == expected


@pytest.mark.parametrize(("name", "pointer"), sorted(WITH_FLOATS.items()))
def test_canonical_bytes_refuses_the_cyberphone_floats_at_their_pointer(
    name: str, pointer: str
) -> None:
    source, _ = cyberphone(name)
    with pytest.raises(SchemaViolationError) as caught:
        canonical_bytes(json.loads(source))
    assert caught.value.pointer == pointer


def test_canonical_bytes_sorts_properties_by_utf16_code_units_as_rfc8785_3_2_3_does() -> (
    None
):
    example = EXAMPLES["sorting"]
    encoded = canonical_bytes(json.loads(example["input"]))
    assert list(json.loads(encoded).values()) == example["value_order"]
    # U+FB33 (one UTF-16 unit, 0xFB33) sorts after U+1F600 (units 0xD83D 0xDE00),
    # although its code point is lower: the order is UTF-16, not code points.
    assert encoded.index("😀".encode()) < encoded.index("\ufb33".encode())
    assert encoded.startswith(b'{"\\r":"Carriage Return","1":"One",')


def test_canonical_bytes_sorts_astral_keys_before_high_bmp_keys() -> None:
    # UTF-16 puts U+10000 (0xD800 0xDC00) before U+E000; code points would not.
    value = {"\uffff": 2, "\ue000": 3, "\U00010000": 1}
    assert canonical_bytes(value) == ('{"\U00010000":1,"\ue000":3,"\uffff":2}'.encode())


def test_canonical_bytes_escapes_strings_as_rfc8785_3_2_2_2_does() -> None:
    example = EXAMPLES["readme_sample"]
    value = json.loads(example["input"])
    value["numbers"] = [6]  # the sample's other numbers are floats
    encoded = canonical_bytes(value)
    assert encoded == (
        b'{"escaping":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/",'
        b'"numbers":[6],"other":[null,true,false]}'
    )
    expected_full = bytes.fromhex(example["output_hex"].replace("\n", " "))
    assert expected_full.startswith(encoded[: encoded.index(b',"numbers"')])


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ("\b", b"\\b"),
        ("\t", b"\\t"),
        ("\n", b"\\n"),
        ("\f", b"\\f"),
        ("\r", b"\\r"),
        ('"', b'\\"'),
        ("\\", b"\\\\"),
        ("\x00", b"\\u0000"),
        ("\x0b", b"\\u000b"),
        ("\x1f", b"\\u001f"),
        ("\x7f", b"\x7f"),  # DEL is not escaped
        ("/", b"/"),  # nor is the solidus
        ("\u2028", "\u2028".encode()),  # nor the JavaScript line separators
        ("\u2029", "\u2029".encode()),
        ("é", "é".encode()),  # nor any non-ASCII character
        ("😂", "😂".encode()),
    ],
)
def test_canonical_bytes_escapes_exactly_what_rfc8785_escapes(
    char: str, escaped: bytes
) -> None:
    assert canonical_bytes({"s": char}) == b'{"s":"' + escaped + b'"}'


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"0"),
        (-1, b"-1"),
        (MAX_SAFE_INTEGER, b"9007199254740991"),
        (-MAX_SAFE_INTEGER, b"-9007199254740991"),
        (True, b"true"),
        (False, b"false"),
        (None, b"null"),
    ],
)
def test_canonical_bytes_writes_safe_integers_and_literals_plainly(
    value: object, encoded: bytes
) -> None:
    assert canonical_bytes({"n": value}) == b'{"n":' + encoded + b"}"


def test_canonical_bytes_ignores_key_order_and_whitespace_of_the_source() -> None:
    a = json.loads('{"b": [1, {"y": 2, "x": 1}], "a": "z"}')
    b = json.loads('{"a":"z","b":[1,{"x":1,"y":2}]}')
    assert (
        canonical_bytes(a) == canonical_bytes(b) == b'{"a":"z","b":[1,{"x":1,"y":2}]}'
    )


# --- canonical_bytes: refusals -----------------------------------------------------
@pytest.mark.parametrize(
    "case", EXAMPLES["numbers"]["cases"], ids=lambda case: case["ieee_hex"]
)
def test_canonical_bytes_refuses_every_appendix_b_double(case: dict[str, Any]) -> None:
    number = double(case["ieee_hex"])
    with pytest.raises(SchemaViolationError) as caught:
        canonical_bytes({"amount_fen": number})
    assert caught.value.pointer == "/amount_fen"
    if case["expected"] is None:
        with pytest.raises(rfc8785.FloatDomainError):
            rfc8785.dumps(number)
    else:  # the reference encoder we compare against serialises it per the RFC
        assert rfc8785.dumps(number) == case["expected"].encode("ascii")


def test_canonical_bytes_refuses_integral_floats_too() -> None:
    for number in (0.0, -0.0, 1.0, 120000.0):
        with pytest.raises(SchemaViolationError, match="no floats"):
            canonical_bytes({"v": number})


@pytest.mark.parametrize(
    "number", [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 10**30]
)
def test_canonical_bytes_refuses_integers_beyond_2_53(number: int) -> None:
    with pytest.raises(SchemaViolationError, match="out of range") as caught:
        canonical_bytes({"body": {"amount_fen": number}})
    assert caught.value.pointer == "/body/amount_fen"


@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        ({"a": [1, 2, {"b": 1.5}]}, "/a/2/b"),
        ({"a/b": 0.5}, "/a~1b"),
        ({"m~n": 0.5}, "/m~0n"),
        ({"~/": {"/~": [0.5]}}, "/~0~1/~1~0/0"),
        ({"": 0.5}, "/"),
        ({"金额": 0.5}, "/金额"),
        ([0.5], "/0"),
    ],
)
def test_canonical_bytes_names_the_float_by_its_rfc6901_pointer(
    value: object, pointer: str
) -> None:
    with pytest.raises(SchemaViolationError) as caught:
        canonical_bytes(value)
    assert caught.value.pointer == pointer


@pytest.mark.parametrize(
    "value",
    [{1: 2}, {"s": {1, 2}}, {"s": b"bytes"}, {"s": "\ud800"}, {"\ud800": "s"}],
    ids=["int-key", "set", "bytes", "lone-surrogate-value", "lone-surrogate-key"],
)
def test_canonical_bytes_refuses_what_json_cannot_hold_with_our_error(
    value: object,
) -> None:
    with pytest.raises(SchemaViolationError, match="cannot canonicalise"):
        canonical_bytes(value)


# --- parse_canonical: acceptance ---------------------------------------------------
@pytest.mark.parametrize("name", ["french.json", "unicode.json", "weird.json"])
def test_parse_canonical_accepts_the_canonical_cyberphone_outputs(name: str) -> None:
    source, expected = cyberphone(name)
    assert parse_canonical(expected) == json.loads(source)


@pytest.mark.parametrize("name", ["french.json", "unicode.json", "weird.json"])
def test_parse_canonical_refuses_the_non_canonical_cyberphone_inputs(
    name: str,
) -> None:
    source, _ = cyberphone(name)
    with pytest.raises(NonCanonicalPayloadError) as caught:
        parse_canonical(source)
    assert caught.value.pointer == "/payload"


def test_parse_canonical_accepts_the_rfc_sorting_example_once_canonical() -> None:
    value = json.loads(EXAMPLES["sorting"]["input"])
    assert parse_canonical(rfc8785.dumps(value)) == value


def test_parse_canonical_returns_the_object_for_its_canonical_bytes() -> None:
    data = (
        '{"body":{"amount_fen":120000,"note":"电梯广告 \\"A\\" 栋\\n"},"id":"e-1",'
        '"refs":[],"v":1,"z":null}'
    ).encode()
    assert parse_canonical(data) == {
        "body": {"amount_fen": 120000, "note": '电梯广告 "A" 栋\n'},
        "id": "e-1",
        "refs": [],
        "v": 1,
        "z": None,
    }


def test_parse_canonical_accepts_the_safe_integer_bounds() -> None:
    data = b'{"a":9007199254740991,"b":-9007199254740991}'
    assert parse_canonical(data) == {"a": MAX_SAFE_INTEGER, "b": -MAX_SAFE_INTEGER}


def test_parse_canonical_accepts_non_ascii_and_astral_keys_in_utf16_order() -> None:
    value = {"\ue000": 1, "\U0001f600": 2, "\uffff": 3, "a": 4, "é": 5}
    data = rfc8785.dumps(value)
    assert data == '{"a":4,"é":5,"\U0001f600":2,"\ue000":1,"\uffff":3}'.encode()
    assert parse_canonical(data) == value


# --- parse_canonical: refusals -----------------------------------------------------
def assert_non_canonical(data: bytes, match: str | None = None) -> None:
    with pytest.raises(NonCanonicalPayloadError, match=match) as caught:
        parse_canonical(data)
    assert caught.value.pointer == "/payload"


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1} ',
        b' {"a":1}',
        b'{"a": 1}',
        b'{"a":1,"b":2\n}',
        b'{\t"a":1}',
        b'{"a":[1, 2]}',
    ],
)
def test_parse_canonical_refuses_whitespace(data: bytes) -> None:
    assert_non_canonical(data, "canonical form")


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',
        b'{"a":{"d":1,"c":2}}',
        b'{"a":[{"y":1,"x":2}]}',
        b'{"B":1,"A":1}',
        b'{"a":1,"B":1}',  # "B" (0x42) sorts before "a" (0x61)
        # code-point order, not UTF-16 order: U+FFFF must come after U+1F600
        '{"\uffff":1,"\U0001f600":2}'.encode(),
        '{"é":1,"z":2}'.encode(),
    ],
)
def test_parse_canonical_refuses_keys_out_of_order(data: bytes) -> None:
    assert_non_canonical(data, "canonical form")


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":"\xff"}',
        b'{"a":"\xc3"}',  # truncated sequence
        b'{"a":"\xc0\xaf"}',  # overlong "/"
        b'{"a":"\xed\xa0\x80"}',  # UTF-8-encoded surrogate
        '{"a":"é"}'.encode("latin-1"),
        '{"a":1}'.encode("utf-16"),
    ],
)
def test_parse_canonical_refuses_bytes_that_are_not_utf8(data: bytes) -> None:
    assert_non_canonical(data, "not UTF-8")


def test_parse_canonical_refuses_a_byte_order_mark() -> None:
    assert_non_canonical(b'\xef\xbb\xbf{"a":1}')


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',
        b'{"a":1,"a":2}',
        b'{"a":{"b":1,"b":1}}',
        b'{"a":1,"\\u0061":1}',
    ],
)
def test_parse_canonical_refuses_duplicate_keys(data: bytes) -> None:
    assert_non_canonical(data, "duplicate key")


@pytest.mark.parametrize(
    "data",
    [b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}', b'{"a":[NaN]}'],
)
def test_parse_canonical_refuses_nan_and_infinity(data: bytes) -> None:
    assert_non_canonical(data, "not valid JSON")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b'{"a":1',
        b'{"a":1}{"b":2}',
        b'{"a":01}',
        b'{"a":+1}',
        b"{'a':1}",
        b'{"a":"\x01"}',  # raw control character
        b'{"a":"\\x41"}',
        b'{"a":"\\u00"}',
        b"{a:1}",
        b'{"a":1,}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=lambda data: repr(data[:20]),
)
def test_parse_canonical_refuses_what_is_not_json(data: bytes) -> None:
    assert_non_canonical(data)


@pytest.mark.parametrize(
    "data", [b"[]", b'"a"', b"1", b"null", b"true", b'[{"a":1}]', b"1.5"]
)
def test_parse_canonical_refuses_a_top_level_value_that_is_not_an_object(
    data: bytes,
) -> None:
    assert_non_canonical(data, "must be a JSON object")


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":"\\u0041"}',  # "A" needs no escape
        b'{"a":"\\/"}',  # nor does "/"
        b'{"a":"\\u00e9"}',  # nor does any non-ASCII character
        b'{"a":"\\ud83d\\ude02"}',  # an astral character as a surrogate pair
        b'{"a":"\\u2028"}',
        b'{"a":"\\u007f"}',
        b'{"\\u0061":1}',  # escapes in keys count as much
        b'{"\\u00e9":1}',
        b'{"a":"\\u000a"}',  # JCS writes "\n"
        b'{"a":"\\u0022"}',  # JCS writes "\""
        b'{"a":"\\u005c"}',  # JCS writes "\\"
        b'{"a":"\\u0008"}',  # JCS writes "\b"
    ],
)
def test_parse_canonical_refuses_escapes_jcs_would_not_write(data: bytes) -> None:
    assert_non_canonical(data, "canonical form")


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":"\\u001F"}',
        b'{"a":"\\u000B"}',
        b'{"a":"\\u001f\\u001F"}',
        b'{"\\u001F":1}',
    ],
)
def test_parse_canonical_refuses_uppercase_hex_escapes(data: bytes) -> None:
    assert_non_canonical(data, "canonical form")


def test_parse_canonical_accepts_the_lowercase_escapes_jcs_writes() -> None:
    data = b'{"\\u001f":"\\b\\t\\n\\f\\r\\"\\\\\\u0000\\u000b"}'
    assert parse_canonical(data) == {"\x1f": '\b\t\n\f\r"\\\x00\x0b'}


@pytest.mark.parametrize("data", [b'{"a":-0}', b'{"a":[0,-0]}'])
def test_parse_canonical_refuses_negative_zero(data: bytes) -> None:
    assert_non_canonical(data, "canonical form")


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        (b'{"a":1.5}', "/payload/a"),
        (b'{"a":1.0}', "/payload/a"),
        (b'{"a":1e2}', "/payload/a"),
        (b'{"a":-0.0}', "/payload/a"),
        (b'{"a":1E400}', "/payload/a"),  # overflows to infinity: still "a float"
        (b'{"a":[1,2,{"b":0.5}]}', "/payload/a/2/b"),
        (b'{"a/b":0.5}', "/payload/a~1b"),
        (b'{"m~n":0.5}', "/payload/m~0n"),
        (b'{"~/":{"/~":[1,0.5]}}', "/payload/~0~1/~1~0/1"),
        (b'{"":0.5}', "/payload/"),
        ('{"金额":0.5}'.encode(), "/payload/金额"),
        # floats are reported before the canonical-form check
        (b'{"b": 0.5, "a": 1}', "/payload/b"),
    ],
)
def test_parse_canonical_refuses_floats_at_their_pointer(
    data: bytes, pointer: str
) -> None:
    with pytest.raises(SchemaViolationError, match="no floats") as caught:
        parse_canonical(data)
    assert caught.value.pointer == pointer


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        (b'{"a":9007199254740992}', "/payload/a"),
        (b'{"a":-9007199254740992}', "/payload/a"),
        (b'{"x":[{"a~b/c":123456789012345678901234567890}]}', "/payload/x/0/a~0b~1c"),
    ],
)
def test_parse_canonical_refuses_integers_beyond_2_53_at_their_pointer(
    data: bytes, pointer: str
) -> None:
    with pytest.raises(SchemaViolationError, match="out of range") as caught:
        parse_canonical(data)
    assert caught.value.pointer == pointer


def test_parse_canonical_puts_its_pointers_under_the_given_prefix() -> None:
    with pytest.raises(SchemaViolationError) as caught:
        parse_canonical(b'{"a":0.5}', pointer="/leaf")
    assert caught.value.pointer == "/leaf/a"
    with pytest.raises(NonCanonicalPayloadError) as non_canonical:
        parse_canonical(b"[]", pointer="/leaf")
    assert non_canonical.value.pointer == "/leaf"


@pytest.mark.parametrize(
    "case", EXAMPLES["numbers"]["cases"], ids=lambda case: case["ieee_hex"]
)
def test_parse_canonical_accepts_an_appendix_b_number_only_if_it_is_a_safe_integer(
    case: dict[str, Any],
) -> None:
    if case["expected"] is None:
        return
    data = b'{"n":' + case["expected"].encode("ascii") + b"}"
    number = json.loads(case["expected"])
    if isinstance(number, int) and abs(number) <= MAX_SAFE_INTEGER:
        assert parse_canonical(data) == {"n": number}
    else:
        with pytest.raises(SchemaViolationError) as caught:
            parse_canonical(data)
        assert caught.value.pointer == "/payload/n"


def test_parse_canonical_refuses_the_rfc_primitives_example_for_its_floats() -> None:
    output = EXAMPLES["primitives"]["output"].encode()
    assert rfc8785.dumps(json.loads(EXAMPLES["primitives"]["input"])) == output
    with pytest.raises(SchemaViolationError) as caught:
        parse_canonical(output)
    assert caught.value.pointer == "/payload/numbers/0"


# --- lone surrogates -----------------------------------------------------------------
# JSON text can spell a lone UTF-16 surrogate as an escape ("\ud800"); the decoded
# string is not Unicode text, so it has no UTF-8 form and no JCS encoding
# (rfc8785.dumps refuses it). No bytes holding one are canonical: the parser must say
# so with NonCanonicalPayloadError, not let rfc8785.CanonicalizationError (a bare
# ValueError) escape through Submission.parse_payload and LedgerApplication.submit.
@pytest.mark.parametrize(
    "data",
    [
        b'{"a":"\\ud800"}',  # plain fast path
        b'{"a":"\\udfff"}',
        b'{"a":["x\\ud83d"]}',
        b'{"\\ud800":1}',  # non-ASCII key: reference path
        '{"é":"\\ude02"}'.encode(),
        b'{"a":"\\ude02\\ud83d"}',  # a reversed pair is two lone surrogates
    ],
)
def test_parse_canonical_refuses_lone_surrogate_escapes_with_our_error(
    data: bytes,
) -> None:
    with pytest.raises(NonCanonicalPayloadError) as caught:
        parse_canonical(data)
    assert caught.value.pointer == "/payload"


# --- deep nesting ----------------------------------------------------------------------
def nested(depth: int, key: str = "a") -> bytes:
    return f'{{"{key}":'.encode() + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("key", ["a", "é"], ids=["plain", "non-ascii-key"])
def test_parse_canonical_accepts_nesting_up_to_the_limit(key: str) -> None:
    from domain.canonical import MAX_DEPTH

    data = nested(MAX_DEPTH - 1, key)  # the outer object is one level
    assert parse_canonical(data) == json.loads(data)
    with pytest.raises(NonCanonicalPayloadError) as caught:
        parse_canonical(nested(MAX_DEPTH, key))
    assert "32" in caught.value.detail


@pytest.mark.parametrize("depth", [400, 900])
@pytest.mark.parametrize("key", ["a", "é"], ids=["plain", "non-ascii-key"])
def test_parse_canonical_never_lets_recursion_error_escape_on_deep_nesting(
    depth: int, key: str
) -> None:
    # A ~1 kB payload of nested arrays is within the leaf limit. json.loads parses
    # it, but the recursive _plain/_walk/rfc8785.dumps then raised a bare
    # RecursionError. It must be accepted or refused with our error.
    data = nested(depth, key)
    outcome: object
    try:
        outcome = parse_canonical(data)
    except InvalidEntryError as exc:
        outcome = exc
    if isinstance(outcome, InvalidEntryError):
        assert outcome.pointer == "/payload"
    else:
        assert outcome == json.loads(data)


def test_canonical_bytes_never_lets_recursion_error_escape_on_deep_nesting() -> None:
    value = json.loads(nested(400))
    try:
        encoded = canonical_bytes(value)
    except InvalidEntryError:
        pass
    else:
        assert encoded == nested(400)


def test_every_parse_canonical_refusal_is_an_invalid_entry_error() -> None:
    for data in (b"\xff", b"[]", b'{"a":0.5}', b'{"b":1,"a":1}', b'{"a":1,"a":1}'):
        with pytest.raises(InvalidEntryError):
            parse_canonical(data)
