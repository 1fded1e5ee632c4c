"""Property tests for domain.canonical: the parser accepts exactly the JCS encoding.

The key property (SPEC §3: "the server checks they are canonical"): for any JSON
value ``v`` and any way ``b`` of writing it as JSON text, ``parse_canonical(b)``
succeeds, returning ``v``, if and only if ``b == rfc8785.dumps(v)``; otherwise it
raises :class:`NonCanonicalPayloadError`. ``parse_canonical`` has a fast path that
uses ``json.dumps`` for "plain" values, so the re-serialisations below attack exactly
where ``json.dumps`` and RFC 8785 could differ: key order (code points vs UTF-16 code
units, for astral and high-BMP keys), escapes (``\\uXXXX`` in either case, ``\\/``,
escaped astral characters as surrogate pairs, short escapes), whitespace and ``-0``.
Strings and keys range over all of Unicode, with extra weight on the characters
where encoders disagree (controls, ``"``, ``\\``, ``/``, DEL, U+2028/9, U+E000,
U+FFFF, astral). Lone surrogates, which JSON can only spell as escapes and which have
no JCS encoding, must always be refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical
from domain.errors import NonCanonicalPayloadError, SchemaViolationError

PROPERTY = settings(max_examples=200, deadline=None, database=None)

TRICKY = [
    '"',
    "\\",
    "/",
    "~",
    "\x00",
    "\b",
    "\t",
    "\n",
    "\x0b",
    "\f",
    "\r",
    "\x1f",
    " ",
    "\x7f",
    "\x80",
    "é",
    "\u2028",
    "\u2029",
    "\ud7ff",
    "\ue000",
    "\ufb33",
    "\ufeff",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
    "a",
    "A",
    "1",
]
characters = st.one_of(st.characters(codec="utf-8"), st.sampled_from(TRICKY))
texts = st.text(characters, max_size=12)
keys = st.text(characters, max_size=4)
safe_ints = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
scalars = st.one_of(
    st.none(), st.booleans(), safe_ints, st.sampled_from([0, 1, -1]), texts
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=16,
)
objects = st.dictionaries(keys, values, max_size=6)
lone_surrogates = st.characters(categories=["Cs"])

SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n"}
SHORT_ESCAPES |= {"\f": "\\f", "\r": "\\r"}
WHITESPACE = ["", " ", "\t", "\n", "\r", "  "]


def utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def u_escape(unit: int, upper: bool) -> str:
    text = f"{unit:04x}"
    return "\\u" + (text.upper() if upper else text)


class Reserialiser:
    """Writes a value as JSON text, choosing every encoding freedom with ``data``.

    Half the time it writes in the JCS style (so that the accepting branch is
    exercised as hard as the refusing one); otherwise a style fixes the broad
    choices, and within it each character and key order is drawn separately.
    """

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.escapes, self.order = "jcs", "utf16"
        self.spacing = self.negative_zero = False
        if data.draw(st.booleans(), "canonical style"):
            return
        self.escapes = data.draw(st.sampled_from(["jcs", "mixed", "ascii"]), "escapes")
        self.order = data.draw(
            st.sampled_from(["utf16", "codepoints", "as-built", "shuffled"]), "order"
        )
        self.spacing = data.draw(st.booleans(), "spacing")
        self.negative_zero = data.draw(st.booleans(), "negative zero")

    def draw(self, strategy: st.SearchStrategy[Any], label: str) -> Any:
        return self.data.draw(strategy, label)

    def space(self) -> str:
        if not self.spacing:
            return ""
        return str(self.draw(st.sampled_from(WHITESPACE), "space"))

    def char(self, char: str) -> str:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:  # a lone surrogate: JSON can only escape it
            return u_escape(code, self.draw(st.booleans(), "upper"))
        if self.escapes == "jcs":
            return SHORT_ESCAPES.get(char) or (
                u_escape(code, False) if code < 0x20 else char
            )
        if self.escapes == "ascii":  # what json.dumps(ensure_ascii=True) writes
            return json.dumps(char)[1:-1]
        options = [SHORT_ESCAPES.get(char) or char]
        if code < 0x20 or char in '"\\':
            options = [SHORT_ESCAPES.get(char) or u_escape(code, False)]
            options.append(u_escape(code, True))
            options.append(u_escape(code, False))
        elif code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            upper = self.draw(st.booleans(), "upper")
            options.append(
                u_escape(0xD800 + high, upper) + u_escape(0xDC00 + low, upper)
            )
        else:
            options.append(u_escape(code, False))
            options.append(u_escape(code, True))
            if char == "/":
                options.append("\\/")
        return str(self.draw(st.sampled_from(options), "char"))

    def string(self, text: str) -> str:
        return '"' + "".join(self.char(char) for char in text) + '"'

    def keys(self, value: dict[str, Any]) -> list[str]:
        names = list(value)
        if self.order == "utf16":
            return sorted(names, key=utf16_key)
        if self.order == "codepoints":
            return sorted(names)
        if self.order == "shuffled":
            return list(self.draw(st.permutations(names), "permutation"))
        return names

    def value(self, value: Any) -> str:
        s = self.space
        if value is None or isinstance(value, bool):
            return json.dumps(value)
        if isinstance(value, int):
            if value == 0 and self.negative_zero:
                return "-0"
            return str(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, list):
            items = [s() + self.value(item) + s() for item in value]
            return "[" + ",".join(items) + s() + "]"
        members = [
            s() + self.string(key) + s() + ":" + s() + self.value(value[key]) + s()
            for key in self.keys(value)
        ]
        return "{" + ",".join(members) + s() + "}"

    def document(self, value: dict[str, Any]) -> bytes:
        return (self.space() + self.value(value) + self.space()).encode(
            "utf-8", "surrogatepass"
        )


def assert_accepts_exactly_the_jcs_encoding(value: dict[str, Any], data: bytes) -> None:
    canonical = bytes(rfc8785.dumps(value))
    event("canonical" if data == canonical else "not canonical")
    if data == canonical:
        assert parse_canonical(data) == value
    else:
        with pytest.raises(NonCanonicalPayloadError) as caught:
            parse_canonical(data)
        assert caught.value.pointer == "/payload"


# --- the key property ------------------------------------------------------------------
@PROPERTY
@given(value=objects, data=st.data())
def test_parse_canonical_accepts_a_writing_of_a_value_iff_it_is_the_jcs_encoding(
    value: dict[str, Any], data: st.DataObject
) -> None:
    written = Reserialiser(data).document(value)
    assert json.loads(written) == value  # the writer is faithful
    assert_accepts_exactly_the_jcs_encoding(value, written)


@PROPERTY
@given(value=objects)
def test_parse_canonical_accepts_the_jcs_encoding_of_every_value(
    value: dict[str, Any],
) -> None:
    assert parse_canonical(rfc8785.dumps(value)) == value


@PROPERTY
@given(value=objects, ensure_ascii=st.booleans())
def test_the_fast_path_never_accepts_what_json_dumps_writes_differently(
    value: dict[str, Any], ensure_ascii: bool
) -> None:
    written = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii
    ).encode("utf-8")
    assert_accepts_exactly_the_jcs_encoding(value, written)


HIGH = ["a", "é", "\ud7ff", "\ue000", "\ufb33", "\uffff", "\U00010000", "\U0010ffff"]


@PROPERTY
@given(
    key_a=st.text(st.sampled_from(HIGH), min_size=1, max_size=3),
    key_b=st.text(st.sampled_from(HIGH), min_size=1, max_size=3),
)
def test_parse_canonical_orders_high_and_astral_keys_by_utf16_code_units(
    key_a: str, key_b: str
) -> None:
    value = {key_a: 1, key_b: 2}
    for order in (sorted(value), sorted(value, key=utf16_key)):
        members = [
            bytes(rfc8785.dumps(key)) + b":" + b"%d" % value[key] for key in order
        ]
        assert_accepts_exactly_the_jcs_encoding(value, b"{" + b",".join(members) + b"}")


# --- lone surrogates ---------------------------------------------------------------
@st.composite
def objects_with_a_lone_surrogate(draw: st.DrawFn) -> dict[str, Any]:
    value: dict[str, Any] = draw(st.dictionaries(keys, scalars, max_size=3))
    surrogate = draw(lone_surrogates)
    prefix, suffix = draw(texts), draw(texts)
    where = draw(st.sampled_from(["value", "key", "nested"]))
    odd = prefix + surrogate + suffix
    if where == "value":
        value[draw(keys)] = odd
    elif where == "key":
        value[odd] = draw(scalars)
    else:
        value[draw(keys)] = [draw(scalars), {draw(keys): odd}]
    return value


@settings(PROPERTY, report_multiple_bugs=False)
@given(value=objects_with_a_lone_surrogate(), data=st.data())
def test_parse_canonical_refuses_every_writing_of_a_lone_surrogate(
    value: dict[str, Any], data: st.DataObject
) -> None:
    with pytest.raises(ValueError, match=r"surrogates|UTF-8"):
        rfc8785.dumps(value)  # no JCS encoding exists
    written = Reserialiser(data).document(value)
    assert json.loads(written) == value
    with pytest.raises(NonCanonicalPayloadError) as caught:
        parse_canonical(written)
    assert caught.value.pointer == "/payload"


# --- canonical_bytes -------------------------------------------------------------------
@PROPERTY
@given(value=objects)
def test_canonical_bytes_is_the_rfc8785_encoding(value: dict[str, Any]) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@PROPERTY
@given(value=objects, data=st.data())
def test_canonical_bytes_ignores_key_order(
    value: dict[str, Any], data: st.DataObject
) -> None:
    shuffled = {key: value[key] for key in data.draw(st.permutations(list(value)))}
    assert canonical_bytes(shuffled) == canonical_bytes(value)


@PROPERTY
@given(value=objects)
def test_canonical_bytes_and_parse_canonical_round_trip(value: dict[str, Any]) -> None:
    encoded = canonical_bytes(value)
    assert parse_canonical(encoded) == value
    assert canonical_bytes(parse_canonical(encoded)) == encoded


# --- numbers at their pointers ------------------------------------------------------------
def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@st.composite
def buried(draw: st.DrawFn, number: st.SearchStrategy[Any]) -> tuple[Any, str]:
    """A value with exactly one bad ``number`` somewhere, and its JSON pointer."""
    steps = draw(st.lists(st.one_of(keys, st.integers(0, 3)), max_size=4))
    inner: Any = draw(number)
    for step in reversed(steps):
        if isinstance(step, str):
            siblings = draw(st.dictionaries(keys, values, max_size=2))
            siblings.pop(step, None)
            inner = {**siblings, step: inner}
        else:
            before = draw(st.lists(values, min_size=step, max_size=step))
            after = draw(st.lists(values, max_size=2))
            inner = [*before, inner, *after]
    top_key = draw(keys)
    pointer = "/" + "/".join(escape_token(str(step)) for step in [top_key, *steps])
    return {top_key: inner}, pointer


floats = st.floats(allow_nan=False, allow_infinity=False)
unsafe_ints = st.one_of(
    st.integers(min_value=MAX_SAFE_INTEGER + 1),
    st.integers(max_value=-MAX_SAFE_INTEGER - 1),
)


@PROPERTY
@given(case=st.one_of(buried(floats), buried(unsafe_ints)))
def test_a_float_or_unsafe_integer_is_refused_at_its_json_pointer(
    case: tuple[Any, str],
) -> None:
    value, pointer = case
    with pytest.raises(SchemaViolationError) as caught:
        canonical_bytes(value)
    assert caught.value.pointer == pointer
    written = json.dumps(value, ensure_ascii=False).encode("utf-8")
    with pytest.raises(SchemaViolationError) as parsed:
        parse_canonical(written)
    assert parsed.value.pointer == "/payload" + pointer
