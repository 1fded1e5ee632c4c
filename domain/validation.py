"""JSON Schema (2020-12) validation of entry payloads (SPEC §3) with precise errors.

Every schema in the ``schemas`` package is loaded once through
:mod:`importlib.resources` and registered by its ``$id`` in one
:class:`referencing.Registry`, so the relative ``$ref`` s
(``defs.v1.schema.json#/$defs/fen``) resolve without any I/O. One compiled
validator is built per entry type, for the envelope (``entry.v1.schema.json``) and for
the RFC 9457 problem body (``problem.v1.schema.json``).

Two departures from stock ``jsonschema`` behaviour, both deliberate:

- **Integers are integers.** Only a Python ``int`` (never ``bool``, never ``float``)
  is a JSON Schema ``integer``, and ``number`` excludes floats too: shuangshai has no
  floats at all (money is integer fen, ratios basis points). Independently of the
  schema, every float and every integer outside ±(2^53−1) anywhere in the document is
  reported at its pointer, so ``{"v": 1.0}`` is refused although ``1.0 == 1``.
- **Formats are checked, by us.** ``date`` must be a real calendar date
  (``YYYY-MM-DD``) and ``date-time`` an RFC 3339 time with an offset; no optional
  format packages are consulted.

Failures raise :class:`~domain.errors.SchemaViolationError` whose ``errors`` list every
failure as an RFC 6901 pointer rooted at the payload (``/body/items/0/amount_fen``; a
missing or unexpected property is named by its own pointer) and a plain message,
Chinese first, then English. The best error comes first (``jsonschema``'s relevance
heuristic, with one refinement for ``oneOf``/``anyOf``: branches whose discriminating
``const``/``enum`` did not match are ignored).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from importlib import resources
from typing import Any, Final
from urllib.parse import urljoin

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, relevance  # type: ignore[import-untyped]
from jsonschema.protocols import Validator  # type: ignore[import-untyped]
from jsonschema.validators import extend  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from domain.catalogue import ALL_ENTRY_TYPES, schema_name
from domain.errors import ConfigurationError, FieldError, SchemaViolationError
from domain.fastschema import compile_schema
from domain.rules import MAJOR_WORKS_MESSAGE, check_major_works, check_stateless
from domain.rules import is_major_work as _is_major_work

SCHEMAS_PACKAGE: Final = "schemas"
SCHEMA_BASE_URI: Final = "https://shuangshai.example/schemas/"
ENVELOPE_SCHEMA: Final = "entry.v1.schema.json"
PROBLEM_SCHEMA: Final = "problem.v1.schema.json"
DEFS_SCHEMA: Final = "defs.v1.schema.json"
MAX_SAFE_INTEGER: Final = 2**53 - 1

FLOAT_MESSAGE: Final = (
    "不允许小数：金额以整数分（fen）表示，所有数值均为整数 / no floats: money is "
    "integer fen and every number in a payload is an integer"
)
RANGE_MESSAGE: Final = (
    "整数超出 ±(2^53−1) / integer out of range: |x| must be below 2^53"
)
PRIVATE_TEXT_MESSAGE: Final = (
    "文字中不得含有未打码的手机号或身份证号（日志永久公开），请打码（如 138****1234）"
    "或删除 / text must not contain an unmasked mobile or resident ID number (the "
    "log is public forever): mask it (138****1234) or leave it out"
)


# --- integers are integers -----------------------------------------------------------
def _is_integer(checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


_TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"integer": _is_integer, "number": _is_integer}
)
_StrictValidator = extend(Draft202012Validator, type_checker=_TYPE_CHECKER)


# --- formats -------------------------------------------------------------------------
_DATE_RE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.[0-9]+)?(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))"
)


def _real_date(year: str, month: str, day: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """``YYYY-MM-DD`` naming a real calendar date (ISO 8601 extended, RFC 3339)."""
    if not isinstance(value, str):
        return True  # formats only constrain strings
    match = _DATE_RE.fullmatch(value)
    return match is not None and _real_date(*match.groups())


def is_datetime(value: object) -> bool:
    """An RFC 3339 ``date-time``: a real date, a valid time and a UTC offset."""
    if not isinstance(value, str):
        return True
    match = _DATETIME_RE.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_hour, off_minute = match.groups()
    return (
        _real_date(year, month, day)
        and int(hour) <= 23
        and int(minute) <= 59
        and int(second) <= 60  # RFC 3339 allows a leap second
        and (off_hour is None or int(off_hour) <= 23)
        and (off_minute is None or int(off_minute) <= 59)
    )


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date")(is_date)
    checker.checks("date-time")(is_datetime)
    return checker


# --- the validator -------------------------------------------------------------------
class SchemaValidator:
    """Loads every schema in the ``schemas`` package once (importlib.resources),
    builds one compiled Draft202012Validator per type with a referencing Registry for
    the $refs, and validates."""

    def __init__(self) -> None:
        schemas = _load_schemas()
        registry: Registry[Any] = Registry().with_resources(
            (
                schema["$id"],
                Resource.from_contents(schema, default_specification=DRAFT202012),
            )
            for schema in schemas.values()
        )
        registry = registry.crawl()
        format_checker = _format_checker()

        documents = {schema["$id"]: schema for schema in schemas.values()}
        formats = {"date": is_date, "date-time": is_datetime}
        # The accept path: a generated predicate per validator, keyed by id(); a
        # schema it cannot compile keeps jsonschema alone (domain.fastschema).
        self._fast: dict[int, Callable[[object], bool]] = {}

        def compile_(name: str) -> Validator:
            schema = _inline_refs(schemas[name], schemas[name]["$id"], documents)
            validator: Validator = _StrictValidator(
                schema, registry=registry, format_checker=format_checker
            )
            fast = compile_schema(schema, formats=formats)
            if fast is not None:
                self._fast[id(validator)] = fast
            return validator

        missing = [
            schema_name(t) for t in ALL_ENTRY_TYPES if schema_name(t) not in schemas
        ]
        for name in (ENVELOPE_SCHEMA, PROBLEM_SCHEMA):
            if name not in schemas:
                missing.append(name)
        if missing:
            raise ConfigurationError(
                "模式文件缺失 / schema files missing from the schemas package: "
                + ", ".join(missing)
            )
        self._envelope = compile_(ENVELOPE_SCHEMA)
        self._problem = compile_(PROBLEM_SCHEMA)
        self._bodies: dict[str, Validator] = {
            entry_type: compile_(schema_name(entry_type))
            for entry_type in ALL_ENTRY_TYPES
        }
        self._pattern_messages = _pattern_messages(schemas[DEFS_SCHEMA])

    @property
    def entry_types(self) -> tuple[str, ...]:
        """The entry types this validator knows (all of the catalogue)."""
        return tuple(self._bodies)

    def validate_envelope(self, payload: object) -> None:
        """Check the payload envelope (``entry.v1.schema.json``); raise on failure."""
        _raise_if_any(self._envelope_errors(payload))

    def validate_body(self, entry_type: str, body: object) -> None:
        """Check a body against its type's schema; pointers are rooted at the payload.

        Spending on major works (大修、中修、更新改造) is refused first, as a
        :class:`~domain.errors.RuleViolationError` that says where it belongs.
        """
        validator = self._bodies.get(entry_type)
        if validator is None:
            raise SchemaViolationError(
                f"未知的条目类型 {_show(entry_type)} / unknown entry type",
                pointer="/type",
            )
        if isinstance(body, Mapping):
            check_major_works(entry_type, body)
        _raise_if_any(self._errors(validator, body, "/body"))

    def _validate_checked_body(self, entry_type: str, body: object) -> None:
        """:meth:`validate_body` for a body whose numbers are already known safe."""
        validator = self._bodies.get(entry_type)
        fast = self._fast.get(id(validator))
        if fast is not None and isinstance(body, Mapping):
            check_major_works(entry_type, body)
            if fast(body):
                return
        self.validate_body(entry_type, body)

    def validate_payload(
        self, payload: object, *, numbers_checked: bool = False
    ) -> None:
        """Envelope, then body, then the stateless rules of :mod:`domain.rules`.

        ``numbers_checked`` says the caller already refused every float and unsafe
        integer (``domain.canonical.parse_canonical`` does), which spares a walk.
        """
        fast = self._fast.get(id(self._envelope))
        if numbers_checked and fast is not None and fast(payload):
            errors: list[FieldError] = []
        else:
            errors = self._envelope_errors(payload)
        if not isinstance(payload, Mapping):
            _raise_if_any(errors)
            return  # pragma: no cover - the envelope schema requires an object
        entry_type, body = payload.get("type"), payload.get("body")
        if errors:
            # Report the body's failures too when its type is known: one round trip.
            validator = (
                self._bodies.get(entry_type) if isinstance(entry_type, str) else None
            )
            if validator is not None and isinstance(body, Mapping):
                taken = {error.pointer for error in errors}
                errors += [
                    error
                    for error in self._errors(validator, body, "/body")
                    if error.pointer not in taken
                ]
            _raise_if_any(errors)
        # The envelope passed, so no float or unsafe integer is anywhere in the body.
        # Both paths of _validate_checked_body refuse major works first.
        self._validate_checked_body(str(entry_type), body)
        check_stateless(payload, major_works_checked=isinstance(body, Mapping))

    def validate_problem(self, problem: object) -> None:
        """Check an RFC 9457 problem body against ``problem.v1.schema.json``."""
        _raise_if_any(self._errors(self._problem, problem, ""))

    # --- internals --------------------------------------------------------------
    def _envelope_errors(self, payload: object) -> list[FieldError]:
        return self._errors(self._envelope, payload, "")

    def _errors(
        self, validator: Validator, instance: object, prefix: str
    ) -> list[FieldError]:
        fast = self._fast.get(id(validator))
        if fast is not None and _numbers_are_safe(instance) and fast(instance):
            return []  # exactly when the path below would find no error
        numeric = list(_number_errors(instance, prefix))
        schema_errors = list(validator.iter_errors(instance))
        if not schema_errors:
            return numeric
        result = list(numeric)
        taken = {error.pointer for error in numeric}  # a float explains its own errors
        for error in sorted(schema_errors, key=relevance, reverse=True):
            for field_error in self._describe(_descend(error), prefix):
                if field_error.pointer not in taken and field_error not in result:
                    result.append(field_error)
        return result

    def _describe(self, error: ValidationError, prefix: str) -> list[FieldError]:
        pointer = prefix + _pointer(error.absolute_path)
        keyword = error.validator
        instance = error.instance
        value = error.validator_value
        if keyword == "required":
            missing = [
                name
                for name in value
                if isinstance(instance, Mapping) and name not in instance
            ]
            conditional = "then" in error.absolute_schema_path
            return [
                FieldError(
                    f"{pointer}/{_escape(name)}",
                    (
                        f"缺少字段 {name}（依其他字段的取值为必填）/ field {name} is "
                        "required here (by the value of another field)"
                    )
                    if conditional
                    else f"缺少必填字段 {name} / required field missing: {name}",
                )
                for name in missing
            ]
        if keyword in ("additionalProperties", "unevaluatedProperties"):
            allowed = set(error.schema.get("properties", {}))
            patterns = [
                re.compile(p) for p in error.schema.get("patternProperties", {})
            ]
            extras = [
                name
                for name in (instance if isinstance(instance, Mapping) else ())
                if name not in allowed and not any(p.search(name) for p in patterns)
            ]
            return [
                FieldError(
                    f"{pointer}/{_escape(str(name))}",
                    f"不允许的字段 {name}：本模式没有此字段"
                    "（个人隐私信息不得写入日志）/ "
                    f"unexpected field {name}: not part of this schema (private "
                    "personal data never goes in a payload)",
                )
                for name in extras
            ]
        return [FieldError(pointer, self._message(error, pointer))]

    def _message(self, error: ValidationError, pointer: str) -> str:
        keyword = error.validator
        instance = error.instance
        value: Any = error.validator_value
        field = pointer.rsplit("/", 1)[-1] if pointer else ""
        if keyword is None or (keyword == "not" and value == {}):
            # a `false` schema: a property forbidden by another field's value
            return (
                f"此处不允许字段 {field}（与其他字段的取值冲突）/ field {field} is not "
                "allowed here (it conflicts with the value of another field)"
            )
        if keyword == "type":
            return _type_message(instance, value)
        if keyword == "enum":
            if field in ("category", "repair_class") and _is_major_work(instance):
                return MAJOR_WORKS_MESSAGE
            if pointer == "/type":
                return f"未知的条目类型 {_show(instance)} / unknown entry type"
            return (
                f"取值 {_show(instance)} 不在允许范围内，应为其一：{_choices(value)} / "
                f"value not allowed; expected one of: {_choices(value)}"
            )
        if keyword == "const":
            return f"取值应为 {_show(value)} / value must be {_show(value)}"
        if keyword == "pattern":
            message = self._pattern_messages.get(value)
            if message is not None:
                return message
            return f"格式不正确 / wrong format: must match {value}"
        if keyword == "format":
            if value == "date":
                return (
                    f"{_show(instance)} 不是有效的日期（YYYY-MM-DD）/ not a valid "
                    "calendar date (YYYY-MM-DD)"
                )
            return (
                f"{_show(instance)} 不是有效的 RFC 3339 时间（须含时区偏移）/ not a "
                "valid RFC 3339 date-time with a UTC offset"
            )
        if keyword == "minLength":
            if value == 1:
                return "不能为空 / must not be empty"
            return f"至少 {value} 个字符 / at least {value} characters"
        if keyword == "maxLength":
            length = len(instance) if isinstance(instance, str) else 0
            return (
                f"过长：最多 {value} 个字符，实为 {length} / too long: at most {value} "
                f"characters, got {length}"
            )
        if keyword in ("minimum", "exclusiveMinimum"):
            op = "应大于" if keyword == "exclusiveMinimum" else "应不小于"
            en = "greater than" if keyword == "exclusiveMinimum" else "at least"
            return (
                f"数值{op} {value}（实为 {instance}）/ "
                f"must be {en} {value}, got {instance}"
            )
        if keyword in ("maximum", "exclusiveMaximum"):
            if value == MAX_SAFE_INTEGER:
                return RANGE_MESSAGE
            op = "应小于" if keyword == "exclusiveMaximum" else "应不大于"
            en = "less than" if keyword == "exclusiveMaximum" else "at most"
            return (
                f"数值{op} {value}（实为 {instance}）/ "
                f"must be {en} {value}, got {instance}"
            )
        if keyword == "minItems":
            return f"至少需要 {value} 项 / needs at least {value} item(s)"
        if keyword == "maxItems":
            return f"最多 {value} 项 / at most {value} item(s)"
        if keyword == "uniqueItems":
            return "列表中有重复项 / items must be unique"
        if keyword == "not":
            if isinstance(value, Mapping) and "pattern" in value:
                return PRIVATE_TEXT_MESSAGE
            return "取值不被允许 / value not allowed"
        if keyword == "oneOf" and not error.context:
            return "同时符合多种形式，无法确定含义 / matches more than one allowed form"
        if keyword in ("oneOf", "anyOf"):
            return "不符合任何一种允许的形式 / matches none of the allowed forms"
        if keyword in ("minProperties", "maxProperties"):
            return f"字段数量不符（{keyword} {value}）/ wrong number of fields"
        return f"取值无效（不满足 {keyword}）/ invalid value (fails {keyword})"


@functools.cache
def default_validator() -> SchemaValidator:
    """The process-wide validator (schemas loaded and compiled once)."""
    return SchemaValidator()


# --- helpers -------------------------------------------------------------------------
def _load_schemas() -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    for item in resources.files(SCHEMAS_PACKAGE).iterdir():
        name = item.name
        if not name.endswith(".schema.json"):
            continue
        try:
            schema = json.loads(item.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"模式文件无法读取 / schema {name} does not load: {exc}"
            ) from exc
        if not isinstance(schema, dict) or schema.get("$id") != SCHEMA_BASE_URI + name:
            raise ConfigurationError(
                f"模式 {name} 的 $id 应为 {SCHEMA_BASE_URI}{name} / schema {name} must "
                f"have $id {SCHEMA_BASE_URI}{name}"
            )
        schemas[name] = schema
    return schemas


#: Keywords that only annotate: a `$ref` beside only these can be merged in place.
_ANNOTATIONS: Final = frozenset(
    {"description", "title", "$comment", "examples", "default", "deprecated"}
)
#: The schema that no value satisfies, in a form whose errors keep their path.
_FORBIDDEN: Final[dict[str, Any]] = {"not": {}}
#: Keywords whose values are data, not schemas: never rewritten.
_DATA_KEYWORDS: Final = frozenset({"enum", "const", "examples", "default", "required"})


def _inline_refs(
    node: Any,
    base: str,
    documents: Mapping[str, Mapping[str, Any]],
    seen: frozenset[str] = frozenset(),
) -> Any:
    """``node`` with every non-recursive ``$ref`` replaced by its target (a bundle).

    Validation is on the ingest hot path and resolving a ``$ref`` through the
    registry costs a URL join and a pointer walk on every use; inlining once at load
    time removes ~40 % of the validation time. A ``$ref`` beside annotations only is
    merged into its target; beside other keywords it becomes an ``allOf`` member, so
    the meaning is unchanged (JSON Schema 2020-12 §8.2.3.1). Recursive or unusual
    references (anchors) are left for the registry to resolve.
    """
    if isinstance(node, list):
        return [_inline_refs(item, base, documents, seen) for item in node]
    if not isinstance(node, Mapping):
        return node
    result = {
        key: value
        if key in _DATA_KEYWORDS
        else _inline_refs(value, base, documents, seen)
        for key, value in node.items()
    }
    properties = result.get("properties")
    if isinstance(properties, Mapping) and False in properties.values():
        # jsonschema loses the property's path under a bare `false` schema; the
        # equivalent `{"not": {}}` keeps it, so the pointer names the field.
        result["properties"] = {
            name: _FORBIDDEN if sub is False else sub
            for name, sub in properties.items()
        }
    ref = result.get("$ref")
    if not isinstance(ref, str):
        return result
    target_uri = urljoin(base, ref)
    document_uri, _, fragment = target_uri.partition("#")
    document = documents.get(document_uri)
    if (
        document is None
        or target_uri in seen
        or not (fragment == "" or fragment.startswith("/"))
    ):
        return result
    target: Any = document
    for token in fragment.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, Mapping) or token not in target:
            return result  # let the registry report the dangling reference
        target = target[token]
    resolved = _inline_refs(target, document_uri, documents, seen | {target_uri})
    siblings = {key: value for key, value in result.items() if key != "$ref"}
    if isinstance(resolved, Mapping) and set(siblings) <= _ANNOTATIONS:
        return {
            key: value
            for key, value in resolved.items()
            if key not in ("$id", "$schema", "$defs")
        } | siblings
    return {**siblings, "allOf": [*siblings.get("allOf", []), resolved]}


def _pattern_messages(defs_schema: Mapping[str, Any]) -> dict[str, str]:
    """A specific message for each shared pattern, keyed by the pattern text."""
    messages = {
        "uscc": (
            "统一社会信用代码格式错误：应为 18 位，字符集为 0-9 及大写字母"
            "（不含 I、O、Z、S、V）/ not a unified social credit code: 18 "
            "characters of 0-9 A-H J-N P-R T-U W-Y"
        ),
        "key_ref": (
            "密钥引用格式应为 <名称>+<8 位小写十六进制密钥号> / a key reference is "
            "<name>+<8 lowercase hex digits>"
        ),
        "vkey": (
            "验证密钥格式应为 <名称>+<8 位十六进制密钥号>+<base64> / a verifier key is "
            "<name>+<8 hex key id>+<base64(type || public key)>"
        ),
        # sha256_hex and commitment share one pattern, so they share one message.
        "sha256_hex": (
            "应为 64 位小写十六进制 SHA-256（哈希或承诺值）/ must be a SHA-256 (a hash "
            "or a commitment) as 64 lowercase hex digits"
        ),
        "slug": (
            "编号只能用小写字母、数字和连字符，以字母或数字开头，最长 63 位 / "
            "an id uses lowercase letters, digits and hyphens, starts with a "
            "letter or digit, and has at most 63 characters"
        ),
        "project_id": (
            "项目编号只能用小写字母、数字和连字符，2–63 位 / "
            "a project id uses lowercase letters, digits and hyphens, 2-63 characters"
        ),
        "short_text": (
            "不能包含控制字符（含换行）或双向文字控制符 / one line of text: no control "
            "characters (line breaks included) and no bidirectional overrides"
        ),
        "text": (
            "除换行和制表符外，不能包含控制字符或双向文字控制符 / no control characters "
            "other than line breaks and tabs, and no bidirectional overrides"
        ),
        "date": "日期格式应为 YYYY-MM-DD / a date is YYYY-MM-DD",
        "datetime": (
            "时间应为 RFC 3339 格式并带时区偏移，如 2025-03-01T09:30:00+08:00 / a time "
            "is RFC 3339 with an offset, e.g. 2025-03-01T09:30:00+08:00"
        ),
        "masked_name": (
            "个人姓名必须打码：姓氏加星号（如 王*）/ a private person's name must be "
            "masked: surname then asterisks (王*)"
        ),
        "masked_room": (
            "房号必须打码为 楼栋-单元-***（如 3-2-***）/ a room must be masked to "
            "building-unit-*** (3-2-***)"
        ),
        "masked_phone": (
            "手机号必须打码中间四位（如 138****1234）/ a mobile number must have its "
            "middle four digits masked (138****1234)"
        ),
        "public_phone": (
            "只能填写公开的服务电话（座机、400/800 号码或 12345），"
            "不得填写私人手机号 / only a public service line (landline, 400/800 "
            "number or 12345) is allowed, never a private mobile number"
        ),
    }
    defs = defs_schema.get("$defs", {})
    return {
        defs[name]["pattern"]: message
        for name, message in messages.items()
        if isinstance(defs.get(name), Mapping) and "pattern" in defs[name]
    } | {
        "^[A-Za-z0-9._:-]{1,128}$": (
            "条目编号为 1–128 位字母、数字或 . _ : - / an entry id is 1-128 characters "
            "of letters, digits and . _ : -"
        ),
    }


def _descend(error: ValidationError) -> ValidationError:
    """The most specific error under ``oneOf``/``anyOf`` (best_match, refined).

    Branches ruled out by their discriminator (a top-level ``type`` or a property's
    ``const``/``enum``) are ignored. If that leaves one branch, its best error is the
    answer; if every branch was ruled out by the same property, that property is
    reported with the union of the allowed values.
    """
    while error.context and error.validator in ("oneOf", "anyOf"):
        branches: dict[object, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        candidates = [
            errors for errors in branches.values() if not _discriminator_failed(errors)
        ]
        if len(candidates) == 1:
            error = max(candidates[0], key=relevance)
            continue
        if not candidates:
            return _union_discriminator(error, branches.values())
        flat = sorted((e for errors in candidates for e in errors), key=relevance)
        if len(flat) >= 2 and relevance(flat[0]) == relevance(flat[1]):
            break
        error = flat[0]
    return error


def _discriminator_failed(errors: Sequence[ValidationError]) -> bool:
    """Whether a branch was ruled out by its type or a ``const``/``enum`` property."""
    return any(
        (e.validator == "type" and not e.relative_path)
        or (e.validator in ("const", "enum") and len(e.relative_path) == 1)
        for e in errors
    )


def _union_discriminator(
    error: ValidationError, branches: Iterable[Sequence[ValidationError]]
) -> ValidationError:
    """One ``enum`` error naming every allowed value of the shared discriminator."""
    paths: set[tuple[object, ...]] = set()
    allowed: list[object] = []
    for errors in branches:
        for sub in errors:
            if sub.validator in ("const", "enum") and len(sub.relative_path) == 1:
                paths.add(tuple(sub.relative_path))
                values = (
                    [sub.validator_value]
                    if sub.validator == "const"
                    else list(sub.validator_value)
                )
                allowed += [v for v in values if v not in allowed]
    if len(paths) != 1:
        return error
    (path,) = paths
    instance = error.instance
    value = instance.get(path[0]) if isinstance(instance, Mapping) else None
    union = ValidationError(
        "discriminator",
        validator="enum",
        validator_value=allowed,
        instance=value,
        path=path,
    )
    union.parent = error
    return union


def _number_errors(instance: object, prefix: str) -> Iterator[FieldError]:
    """Every float and every integer outside ±(2^53−1), wherever it is."""
    if isinstance(instance, Mapping):
        for key, item in instance.items():
            yield from _number_errors(item, f"{prefix}/{_escape(str(key))}")
    elif isinstance(instance, list):
        for index, item in enumerate(instance):
            yield from _number_errors(item, f"{prefix}/{index}")
    elif isinstance(instance, float):
        yield FieldError(prefix, f"{FLOAT_MESSAGE} (got {instance!r})")
    elif (
        isinstance(instance, int)
        and not isinstance(instance, bool)
        and abs(instance) > MAX_SAFE_INTEGER
    ):
        yield FieldError(prefix, RANGE_MESSAGE)


def _numbers_are_safe(instance: object) -> bool:
    """Whether :func:`_number_errors` would find nothing, in one cheap pass.

    Plain JSON values (``dict``, ``list``, ``str``, ``int``, ``bool``, ``None``) are
    tested by exact type; anything else (a float, a subclass) asks
    :func:`_number_errors` itself.
    """
    if type(instance) is dict or type(instance) is list:
        return _members_are_safe(instance)
    return next(_number_errors(instance, ""), None) is None


def _members_are_safe(container: dict[Any, Any] | list[Any]) -> bool:
    members = container.values() if type(container) is dict else container
    for item in members:
        kind = type(item)
        if kind is str:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            return False
        if kind is dict or kind is list:
            if _members_are_safe(item):
                continue
            return False
        if kind is bool or item is None:
            continue
        if next(_number_errors(item, ""), None) is not None:
            return False
    return True


_JSON_TYPE_ZH: Final = {
    "object": "对象",
    "array": "数组",
    "string": "字符串",
    "integer": "整数",
    "number": "整数",
    "boolean": "布尔值",
    "null": "null",
}


def _json_type(instance: object) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "number"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, Mapping):
        return "object"
    if isinstance(instance, list):
        return "array"
    return type(instance).__name__


def _type_message(instance: object, expected: str | list[str]) -> str:
    expected_list = [expected] if isinstance(expected, str) else list(expected)
    if isinstance(instance, float):
        return FLOAT_MESSAGE
    if isinstance(instance, bool) and {"integer", "number"} & set(expected_list):
        return "应为整数，不能是 true/false / expected an integer, not a boolean"
    zh = "或".join(_JSON_TYPE_ZH.get(t, t) for t in expected_list)
    en = " or ".join(expected_list)
    actual = _json_type(instance)
    return (
        f"类型错误：应为{zh}，实为{_JSON_TYPE_ZH.get(actual, actual)} / wrong type: "
        f"expected {en}, got {actual}"
    )


def _show(value: object) -> str:
    """A short JSON rendering of a value for a message (never a Python repr)."""
    if isinstance(value, Mapping | list):
        return _json_type(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = _json_type(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _choices(values: Iterable[object]) -> str:
    shown = [_show(v) for v in values]
    if len(shown) > 12:
        shown = [*shown[:12], "…"]
    return ", ".join(shown)


def _escape(token: str) -> str:
    """RFC 6901 reference-token escaping."""
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[object]) -> str:
    return "".join(f"/{_escape(str(token))}" for token in path)


def _raise_if_any(errors: list[FieldError]) -> None:
    if not errors:
        return
    first = errors[0]
    where = first.pointer or "（载荷 / payload）"
    more = (
        f"（另有 {len(errors) - 1} 处错误 / and {len(errors) - 1} more）"
        if len(errors) > 1
        else ""
    )
    raise SchemaViolationError(f"{where}: {first.message}{more}", errors=errors)
