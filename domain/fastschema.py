"""A fast, exact accept-path for JSON Schema (2020-12) validation.

:func:`compile_schema` turns a JSON Schema whose ``$ref`` s are already inlined (the
bundles :mod:`domain.validation` builds) into a predicate that returns exactly what
``jsonschema``'s ``Draft202012Validator.is_valid`` would return under shuangshai's type
checker (an ``integer`` and a ``number`` are both a Python ``int`` that is not a
``bool``; see :mod:`domain.validation`). It does so by generating Python source, one
function per schema that needs one, with every type-specific keyword placed behind a
single ``isinstance`` test and every subschema inlined where it can be. On the
shipped schemas and examples a compiled predicate runs some 10 to 50 times faster
than ``is_valid``, whose cost is mostly its per-keyword ``descend`` machinery.

The keywords mirror ``jsonschema`` 4.x (``jsonschema/_keywords.py``) quirk for quirk,
JSON Schema 2020-12 Core §10 (applicators) and Validation §6 (assertions): ``pattern``
uses :func:`re.search` (not a full match), lengths count code points, ``enum`` and
``const`` use JSON equality (``1`` is not ``true``, ``1`` is ``1.0``), ``uniqueItems``
runs ``jsonschema``'s own algorithm, and ``additionalProperties`` sees through one
regular expression joining the ``patternProperties``. Any keyword outside the subset
listed in :data:`SUPPORTED_KEYWORDS`, a ``$ref`` still present, an unknown ``format``
or a keyword value of the wrong shape makes :func:`compile_schema` return ``None``;
the caller then keeps ``jsonschema`` for that schema. The predicate is only an accept
path: errors (pointers and messages) always come from ``jsonschema``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final

Predicate = Callable[[object], bool]
"""A compiled schema: ``True`` exactly when ``is_valid`` would say so."""

FormatCheck = Callable[[object], bool]
"""A ``format`` checker, as registered with a ``jsonschema.FormatChecker``."""

#: Keywords that only annotate (or hold definitions already inlined): ignored.
ANNOTATION_KEYWORDS: Final = frozenset(
    {
        "$id",
        "$schema",
        "$comment",
        "$defs",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
    }
)
#: Keywords the compiler understands; anything else declines the whole schema.
SUPPORTED_KEYWORDS: Final = ANNOTATION_KEYWORDS | frozenset(
    {
        "type",
        "const",
        "enum",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
    }
)

#: The Python test for each JSON type name, under shuangshai's type checker.
_TYPE_TESTS: Final = {
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
}
#: JSON type name -> the kind of Python value it admits (integer and number agree).
_KIND: Final = {
    "string": "string",
    "integer": "int",
    "number": "int",
    "object": "object",
    "array": "array",
    "boolean": "boolean",
    "null": "null",
}
_STRING_KEYWORDS: Final = ("minLength", "maxLength", "pattern")
_NUMBER_KEYWORDS: Final = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
)
_ARRAY_KEYWORDS: Final = ("minItems", "maxItems", "uniqueItems", "prefixItems", "items")
_OBJECT_KEYWORDS: Final = (
    "required",
    "minProperties",
    "maxProperties",
    "dependentRequired",
    "additionalProperties",
    "properties",
    "patternProperties",
    "propertyNames",
    "dependentSchemas",
)
#: Beyond this indentation, a subschema becomes a function call: CPython refuses more
#: than 20 nested loops in one function, and deep blocks gain nothing by inlining.
_MAX_INLINE_INDENT: Final = 12


class _DeclinedError(Exception):
    """The schema uses something the compiler does not handle (internal only)."""


def compile_schema(
    schema: object, *, formats: Mapping[str, FormatCheck] | None = None
) -> Predicate | None:
    """A predicate equal to ``is_valid`` for ``schema``, or ``None`` if unsupported.

    ``formats`` maps each ``format`` name to the checker the ``jsonschema``
    validator uses for it (the same functions, so the verdicts agree); a ``format``
    not in it declines the schema.
    """
    compiler = _Compiler(formats or {})
    try:
        name = compiler.function(schema, None)
    except (_DeclinedError, re.error, RecursionError):
        return None
    return compiler.build(name)


# --- JSON equality, as jsonschema._utils has it ---------------------------------------
_TRUE: Final = object()
_FALSE: Final = object()


def _unbool(element: object) -> object:
    if element is True:
        return _TRUE
    if element is False:
        return _FALSE
    return element


def json_equal(one: object, two: object) -> bool:
    """JSON equality as ``jsonschema`` computes it: ``true`` is not ``1``, ``1`` is
    ``1.0``, and arrays and objects compare member by member."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(
            json_equal(i, j) for i, j in zip(one, two, strict=True)
        )
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and json_equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def unique_items(container: Sequence[object]) -> bool:
    """``uniqueItems`` exactly as ``jsonschema`` decides it (``_utils.uniq``).

    Sortable items are sorted and only neighbours compared (a quirk kept on
    purpose); otherwise every pair is compared with :func:`json_equal`. Strings
    alone take a set, which agrees with both.
    """
    if all(type(item) is str for item in container):
        return len(set(container)) == len(container)
    try:
        ordered = sorted(_unbool(item) for item in container)  # type: ignore[type-var]
        for left, right in itertools.pairwise(ordered):
            if json_equal(left, right):
                return False
    except (NotImplementedError, TypeError):
        seen: list[object] = []
        for element in container:
            element = _unbool(element)
            if any(json_equal(other, element) for other in seen):
                return False
            seen.append(element)
    return True


def _multiple_of_fails(instance: int, divisor: int | float) -> bool:
    """``multipleOf`` as ``jsonschema`` computes it (float divisors via the quotient)."""
    if isinstance(divisor, float):
        quotient = instance / divisor
        try:
            return int(quotient) != quotient
        except OverflowError:
            return (Fraction(instance) / Fraction(divisor)).denominator != 1
    return bool(instance % divisor)


# --- the compiler -----------------------------------------------------------------------
def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_trivially_true(schema: object) -> bool:
    """``true``, ``{}`` or a schema of annotations only: everything is valid."""
    return schema is True or (
        isinstance(schema, dict) and set(schema) <= ANNOTATION_KEYWORDS
    )


def _string_list(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise _DeclinedError("expected an array of strings")
    return value


class _Compiler:
    """Generates one Python function per schema that needs one (source, then exec)."""

    def __init__(self, formats: Mapping[str, FormatCheck]) -> None:
        self._formats = formats
        self._namespace: dict[str, Any] = {
            "_equal": json_equal,
            "_unique": unique_items,
            "_multiple_fails": _multiple_of_fails,
        }
        self._sources: list[str] = []
        self._functions: dict[tuple[int, str | None], str] = {}
        self._keep: list[object] = []  # keeps memo keys (ids) alive
        self._counter = itertools.count()

    def build(self, name: str) -> Predicate:
        source = "\n\n".join(self._sources) + "\n"
        code = compile(source, "<fastschema>", "exec")
        # Our own generated source: schema data enters only as repr() literals of
        # strings and ints, or by name from the namespace.
        exec(code, self._namespace)  # noqa: S102
        predicate: Predicate = self._namespace[name]
        predicate.__doc__ = "Whether the instance is valid (generated by fastschema)."
        return predicate

    # --- names -----------------------------------------------------------------------
    def _fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def _constant(self, value: object, prefix: str = "_c") -> str:
        name = self._fresh(prefix)
        self._namespace[name] = value
        return name

    def _literal(self, value: object) -> str:
        """Source for a number or string: ints and strings by repr, others by name."""
        if isinstance(value, str) or (
            isinstance(value, int) and not isinstance(value, bool)
        ):
            return repr(value)
        return self._constant(value)

    def function(self, schema: object, kind: str | None) -> str:
        """The name of a generated ``def f(x) -> bool`` for ``schema``.

        ``kind`` is what the caller already knows ``x`` to be (a key of ``_KIND``'s
        values), so the type tests need not be repeated.
        """
        key = (id(schema), kind)
        if key in self._functions:
            return self._functions[key]
        name = self._fresh("_f")
        self._functions[key] = name
        self._keep.append(schema)
        body = self._block(schema, "x", kind, 1)
        lines = [f"def {name}(x):", *body, "    return True"]
        self._sources.append("\n".join(lines))
        return name

    # --- statements ------------------------------------------------------------------
    def _sub(self, schema: object, var: str, kind: str | None, depth: int) -> list[str]:
        """Statements that ``return False`` unless ``var`` is valid under ``schema``."""
        if depth > _MAX_INLINE_INDENT and not _is_trivially_true(schema):
            pad = "    " * depth
            return [f"{pad}if not {self.function(schema, kind)}({var}): return False"]
        return self._block(schema, var, kind, depth)

    def _block(
        self, schema: object, var: str, kind: str | None, depth: int
    ) -> list[str]:
        pad = "    " * depth
        if schema is True:
            return []
        if schema is False:
            return [f"{pad}return False"]
        if not isinstance(schema, dict):
            raise _DeclinedError("a schema is an object or a boolean")
        unknown = set(schema) - SUPPORTED_KEYWORDS
        if unknown:
            raise _DeclinedError(f"unsupported keywords {sorted(unknown)}")

        lines: list[str] = []
        if "type" in schema:
            kind, type_lines = self._type(schema["type"], var, kind, pad)
            lines += type_lines
            if kind == "never":
                return lines
        if "const" in schema:
            lines.append(
                f"{pad}if not ({self._const(schema['const'], var)}): return False"
            )
        if "enum" in schema:
            lines.append(
                f"{pad}if not ({self._enum(schema['enum'], var)}): return False"
            )

        for group, group_kind, test in (
            (_STRING_KEYWORDS, "string", "isinstance({v}, str)"),
            (_NUMBER_KEYWORDS, "int", _TYPE_TESTS["integer"]),
            (_OBJECT_KEYWORDS, "object", "isinstance({v}, dict)"),
            (_ARRAY_KEYWORDS, "array", "isinstance({v}, list)"),
        ):
            if not any(keyword in schema for keyword in group):
                continue
            if kind == group_kind:
                lines += self._typed(group_kind, schema, var, depth)
            elif kind is None:
                inner = self._typed(group_kind, schema, var, depth + 1)
                if inner:
                    lines += [f"{pad}if {test.format(v=var)}:", *inner]
            else:
                # var is known to be another type: the keywords cannot apply, but
                # their values must still be of a shape we understand.
                self._typed(group_kind, schema, var, depth + 1)

        if "format" in schema:
            checker = self._formats.get(schema["format"])
            if checker is None:
                raise _DeclinedError(f"unknown format {schema['format']!r}")
            name = self._constant(checker, "_format")
            lines.append(f"{pad}if not {name}({var}): return False")
        if "allOf" in schema:
            for member in self._schema_list(schema["allOf"]):
                lines += self._sub(member, var, kind, depth)
        if "not" in schema:
            negated = schema["not"]
            if _is_trivially_true(negated):
                lines.append(f"{pad}return False")
                return lines
            if negated is not False:
                name = self.function(negated, kind)
                lines.append(f"{pad}if {name}({var}): return False")
        if "anyOf" in schema:
            names = [self.function(m, kind) for m in self._schema_list(schema["anyOf"])]
            calls = " or ".join(f"{name}({var})" for name in names) or "False"
            lines.append(f"{pad}if not ({calls}): return False")
        if "oneOf" in schema:
            names = [self.function(m, kind) for m in self._schema_list(schema["oneOf"])]
            calls = " + ".join(f"{name}({var})" for name in names)
            lines.append(f"{pad}if ({calls}) != 1: return False")
        if "if" in schema:
            condition = self.function(schema["if"], kind)
            then = self._sub(schema.get("then", True), var, kind, depth + 1)
            otherwise = self._sub(schema.get("else", True), var, kind, depth + 1)
            if then or otherwise:
                lines.append(f"{pad}if {condition}({var}):")
                lines += then or [f"{pad}    pass"]
                if otherwise:
                    lines += [f"{pad}else:", *otherwise]
        return lines

    def _schema_list(self, value: object) -> list[object]:
        if not isinstance(value, list) or not value:
            raise _DeclinedError("expected a non-empty array of schemas")
        return value

    def _type(
        self, value: object, var: str, kind: str | None, pad: str
    ) -> tuple[str | None, list[str]]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(
            isinstance(n, str) and n in _TYPE_TESTS for n in names
        ):
            raise _DeclinedError(f"unsupported type {value!r}")
        kinds = {_KIND[n] for n in names}
        if kind is not None:
            if kind in kinds:
                return kind, []
            return "never", [f"{pad}return False"]
        if not names:
            return "never", [f"{pad}return False"]
        tests = " or ".join(_TYPE_TESTS[n].format(v=var) for n in dict.fromkeys(names))
        lines = [f"{pad}if not ({tests}): return False"]
        return (kinds.pop() if len(kinds) == 1 else None), lines

    def _const(self, value: object, var: str) -> str:
        if value is None or value is True or value is False:
            return f"{var} is {value!r}"
        if isinstance(value, str):
            return f"{var} == {value!r}"
        if _is_number(value):
            return f"({var} == {self._literal(value)} and not isinstance({var}, bool))"
        return f"_equal({var}, {self._constant(value)})"

    def _enum(self, value: object, var: str) -> str:
        if not isinstance(value, list):
            raise _DeclinedError("enum is an array")
        if value and all(isinstance(item, str) for item in value):
            return f"(isinstance({var}, str) and {var} in {self._constant(frozenset(value))})"
        return " or ".join(self._const(item, var) for item in value) or "False"

    def _typed(
        self, kind: str, schema: dict[str, Any], var: str, depth: int
    ) -> list[str]:
        """Statements for one group of type-specific keywords; ``var`` is of ``kind``."""
        if kind == "string":
            return self._string(schema, var, "    " * depth)
        if kind == "int":
            return self._number(schema, var, "    " * depth)
        if kind == "object":
            return self._object(schema, var, depth)
        return self._array(schema, var, depth)

    def _string(self, schema: dict[str, Any], var: str, pad: str) -> list[str]:
        lines = []
        for keyword, op in (("minLength", "<"), ("maxLength", ">")):
            if keyword in schema:
                if not _is_count(schema[keyword]):
                    raise _DeclinedError(f"{keyword} is a non-negative integer")
                lines.append(
                    f"{pad}if len({var}) {op} {schema[keyword]!r}: return False"
                )
        if "pattern" in schema:
            if not isinstance(schema["pattern"], str):
                raise _DeclinedError("pattern is a string")
            search = self._constant(re.compile(schema["pattern"]).search, "_search")
            lines.append(f"{pad}if {search}({var}) is None: return False")
        return lines

    def _number(self, schema: dict[str, Any], var: str, pad: str) -> list[str]:
        lines = []
        for keyword, op in (
            ("minimum", "<"),
            ("maximum", ">"),
            ("exclusiveMinimum", "<="),
            ("exclusiveMaximum", ">="),
        ):
            if keyword in schema:
                if not _is_number(schema[keyword]):
                    raise _DeclinedError(f"{keyword} is a number")
                bound = self._literal(schema[keyword])
                lines.append(f"{pad}if {var} {op} {bound}: return False")
        if "multipleOf" in schema:
            divisor = schema["multipleOf"]
            if not _is_number(divisor) or divisor <= 0:
                raise _DeclinedError("multipleOf is a positive number")
            literal = self._literal(divisor)
            lines.append(f"{pad}if _multiple_fails({var}, {literal}): return False")
        return lines

    def _array(self, schema: dict[str, Any], var: str, depth: int) -> list[str]:
        pad = "    " * depth
        lines = []
        for keyword, op in (("minItems", "<"), ("maxItems", ">")):
            if keyword in schema:
                if not _is_count(schema[keyword]):
                    raise _DeclinedError(f"{keyword} is a non-negative integer")
                lines.append(
                    f"{pad}if len({var}) {op} {schema[keyword]!r}: return False"
                )
        if "uniqueItems" in schema:
            if not isinstance(schema["uniqueItems"], bool):
                raise _DeclinedError("uniqueItems is a boolean")
            if schema["uniqueItems"]:
                lines.append(f"{pad}if not _unique({var}): return False")
        prefix: list[object] = []
        if "prefixItems" in schema:
            prefix = self._schema_list(schema["prefixItems"])
            for index, member in enumerate(prefix):
                item = self._fresh("v")
                inner = self._sub(member, item, None, depth + 1)
                if inner:
                    lines += [
                        f"{pad}if len({var}) > {index}:",
                        f"{pad}    {item} = {var}[{index}]",
                        *inner,
                    ]
        if "items" in schema:
            items = schema["items"]
            if items is False:
                lines.append(f"{pad}if len({var}) > {len(prefix)}: return False")
            else:
                item = self._fresh("v")
                inner = self._sub(items, item, None, depth + 1)
                if inner:
                    source = f"{var}[{len(prefix)}:]" if prefix else var
                    lines += [f"{pad}for {item} in {source}:", *inner]
        return lines

    def _object(self, schema: dict[str, Any], var: str, depth: int) -> list[str]:
        pad = "    " * depth
        lines = []
        required: list[str] = []
        if "required" in schema:
            required = list(dict.fromkeys(_string_list(schema["required"])))
            if required:
                missing = " or ".join(f"{name!r} not in {var}" for name in required)
                lines.append(f"{pad}if {missing}: return False")
        for keyword, op in (("minProperties", "<"), ("maxProperties", ">")):
            if keyword in schema:
                if not _is_count(schema[keyword]):
                    raise _DeclinedError(f"{keyword} is a non-negative integer")
                lines.append(
                    f"{pad}if len({var}) {op} {schema[keyword]!r}: return False"
                )
        if "dependentRequired" in schema:
            dependent = schema["dependentRequired"]
            if not isinstance(dependent, dict):
                raise _DeclinedError("dependentRequired is an object")
            for name, needed in dependent.items():
                names = _string_list(needed)
                if names:
                    missing = " or ".join(f"{n!r} not in {var}" for n in names)
                    lines.append(
                        f"{pad}if {name!r} in {var} and ({missing}): return False"
                    )

        properties = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        if not isinstance(properties, dict) or not isinstance(patterns, dict):
            raise _DeclinedError("properties and patternProperties are objects")
        if "additionalProperties" in schema:
            lines += self._additional(
                schema["additionalProperties"], properties, patterns, var, depth
            )
        for name, subschema in properties.items():
            value = self._fresh("v")
            if name in required:  # checked above: present, so no test
                inner = self._sub(subschema, value, None, depth)
                if inner:
                    lines += [f"{pad}{value} = {var}[{name!r}]", *inner]
                continue
            inner = self._sub(subschema, value, None, depth + 1)
            if inner == [f"{pad}    return False"]:  # a forbidden property
                lines.append(f"{pad}if {name!r} in {var}: return False")
            elif inner:
                lines += [
                    f"{pad}if {name!r} in {var}:",
                    f"{pad}    {value} = {var}[{name!r}]",
                    *inner,
                ]
        for pattern, subschema in patterns.items():
            search = self._constant(re.compile(pattern).search, "_search")
            key, value = self._fresh("k"), self._fresh("v")
            inner = self._sub(subschema, value, None, depth + 2)
            if inner:
                lines += [
                    f"{pad}for {key}, {value} in {var}.items():",
                    f"{pad}    if {search}({key}) is not None:",
                    *inner,
                ]
        if "propertyNames" in schema:
            key = self._fresh("k")
            inner = self._sub(schema["propertyNames"], key, None, depth + 1)
            if inner:
                lines += [f"{pad}for {key} in {var}:", *inner]
        if "dependentSchemas" in schema:
            dependent = schema["dependentSchemas"]
            if not isinstance(dependent, dict):
                raise _DeclinedError("dependentSchemas is an object")
            for name, subschema in dependent.items():
                inner = self._sub(subschema, var, "object", depth + 1)
                if inner:
                    lines += [f"{pad}if {name!r} in {var}:", *inner]
        return lines

    def _additional(
        self,
        additional: object,
        properties: dict[str, Any],
        patterns: dict[str, Any],
        var: str,
        depth: int,
    ) -> list[str]:
        """``additionalProperties``: keys neither in ``properties`` nor matched by the
        ``patternProperties`` joined into one expression (as ``jsonschema`` does)."""
        pad = "    " * depth
        if not isinstance(additional, bool | dict):
            raise _DeclinedError("additionalProperties is a schema")
        joined = "|".join(patterns)
        if joined:
            search = self._constant(re.compile(joined).search, "_search")
        known = self._constant(frozenset(properties))
        if additional is False:
            if not joined:
                return [f"{pad}if not ({var}.keys() <= {known}): return False"]
            key = self._fresh("k")
            return [
                f"{pad}for {key} in {var}:",
                f"{pad}    if {key} not in {known} and {search}({key}) is None:",
                f"{pad}        return False",
            ]
        key, value = self._fresh("k"), self._fresh("v")
        inner = self._sub(additional, value, None, depth + 2)
        if not inner:
            return []
        extra = f"{key} not in {known}"
        if joined:
            extra += f" and {search}({key}) is None"
        return [
            f"{pad}for {key}, {value} in {var}.items():",
            f"{pad}    if {extra}:",
            *inner,
        ]
