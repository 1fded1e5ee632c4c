"""RFC 8785 (JSON Canonicalization Scheme) encoding and the strict payload parser.

This is the only module that turns values into bytes that get signed. Payloads arrive
as bytes; :func:`parse_canonical` accepts them only if they are UTF-8 JSON with no
duplicate keys, no floats, integers inside ±(2^53−1), and byte-for-byte equal to their
own JCS encoding. Floats and large integers are reported at their JSON pointer before
the canonical-form check, so a poster learns which field is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import rfc8785

from domain.errors import NonCanonicalPayloadError, SchemaViolationError

MAX_SAFE_INTEGER = 2**53 - 1
#: Deepest nesting of objects and arrays a payload may have (schemas need far fewer).
MAX_DEPTH = 32


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 encoding of ``value``; refuses floats and unsafe integers."""
    for pointer, item in _walk(value, ""):
        _check_number(pointer, item)
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        raise SchemaViolationError(
            f"值无法规范化（孤立的代理字符？）/ cannot canonicalise (a lone surrogate?): {exc}"
        ) from None


def parse_canonical(data: bytes, *, pointer: str = "/payload") -> dict[str, Any]:
    """Parse payload bytes that must be a canonical JSON object (SPEC §3)."""
    value = _parse_plain_canonical(data)
    if value is not None:
        return value
    return _parse_canonical(data, pointer)


def _parse_plain_canonical(data: bytes) -> dict[str, Any] | None:
    """The common case, fast: a plain object (:func:`_plain`) whose canonical form is
    ``data``; None for anything else, which :func:`_parse_canonical` then judges.

    It accepts exactly what :func:`_parse_canonical` accepts among such objects,
    without the duplicate-key and constant hooks: bytes equal to their own
    encoding hold each key once per object (the encoding writes each once), and
    ``NaN`` or ``Infinity`` parse to floats, which are not plain.
    """
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if type(value) is not dict or _plain(value, 1) is not True:
        return None
    try:
        encoded = _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return None
    return value if encoded == data else None


def _parse_canonical(data: bytes, pointer: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NonCanonicalPayloadError(
            f"载荷不是 UTF-8 / payload is not UTF-8 (byte {exc.start})", pointer=pointer
        ) from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
        )
    except _DuplicateKeyError as exc:
        raise NonCanonicalPayloadError(
            f"载荷有重复的键 {exc.key!r} / duplicate key in payload", pointer=pointer
        ) from None
    except (ValueError, RecursionError) as exc:
        raise NonCanonicalPayloadError(
            f"载荷不是合法 JSON / payload is not valid JSON: {exc}", pointer=pointer
        ) from None
    if not isinstance(value, dict):
        raise NonCanonicalPayloadError(
            "载荷必须是 JSON 对象 / payload must be a JSON object", pointer=pointer
        )
    try:
        plain = _plain(value, 1)
        if plain is None:
            raise NonCanonicalPayloadError(
                f"载荷嵌套超过 {MAX_DEPTH} 层 / payload is nested deeper than "
                f"{MAX_DEPTH} levels",
                pointer=pointer,
            )
        if not plain:
            # A float, an unsafe integer or a non-ASCII key somewhere: find and report
            # the first bad number at its pointer; otherwise use the reference encoder.
            for item_pointer, item in _walk(value, pointer):
                _check_number(item_pointer, item)
            canonical = bytes(rfc8785.dumps(value))
        else:
            canonical = _fast_canonical(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        # Only lone surrogates (written as \\ud800 escapes) get here: no UTF-8 text
        # and so no canonical form can hold them.
        raise NonCanonicalPayloadError(
            "载荷含有孤立的代理字符，无法规范化 / payload holds a lone surrogate "
            "escape, which has no canonical UTF-8 form",
            pointer=pointer,
        ) from None
    if canonical != data:
        raise NonCanonicalPayloadError(
            "载荷不是 RFC 8785 规范形式（键序、空白或转义不同）/ payload bytes are not "
            "their RFC 8785 canonical form (key order, whitespace or escaping differ)",
            pointer=pointer,
        )
    return value


def _plain(value: Any, depth: int) -> bool | None:
    """True if ``value`` holds only ASCII keys, strings, safe ints, bools and nulls.

    For such values JCS equals ``json.dumps(sort_keys=True)`` with no whitespace:
    both escape exactly ``"``, ``\\`` and control characters (lowercase ``\\u00xx``),
    and code-point order equals UTF-16 order for ASCII keys. Returns None as soon as
    containers nest deeper than ``MAX_DEPTH`` (one pass does both checks).
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict or kind is list:
        if depth > MAX_DEPTH:
            return None
        result: bool | None = True
        if kind is dict:
            if not all(key.isascii() for key in value):
                result = False
            children = value.values()
        else:
            children = value
        for item in children:
            inner = _plain(item, depth + 1)
            if inner is None:
                return None
            if not inner:
                result = False
        return result
    return False


#: JCS for plain values (:func:`_plain`): ``json.dumps(sort_keys=True)``, no spaces.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fast_canonical(value: Any) -> bytes:
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: let the reference encoder decide
        return bytes(rfc8785.dumps(value))


def _check_number(pointer: str, item: object) -> None:
    if isinstance(item, float):
        raise SchemaViolationError(
            "不允许小数：金额以整数分（fen）表示 / no floats: money is integer fen "
            f"and every number is an integer (got {item!r})",
            pointer=pointer,
        )
    if (
        isinstance(item, int)
        and not isinstance(item, bool)
        and abs(item) > MAX_SAFE_INTEGER
    ):
        raise SchemaViolationError(
            "整数超出 ±(2^53−1) / integer out of range: |x| must be below 2^53",
            pointer=pointer,
        )


def _walk(value: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{pointer}/{_escape(str(key))}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{pointer}/{index}")
    else:
        yield pointer, value


def _escape(token: str) -> str:
    """RFC 6901 reference-token escaping."""
    return token.replace("~", "~0").replace("/", "~1")


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
