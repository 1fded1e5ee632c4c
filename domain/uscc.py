"""统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.

An 18-character code: registration authority (1), organisation type (1), region (6,
GB/T 2260 digits), organisation body code (9) and one check character. The character
set is ``0-9`` and ``A-H J-N P-R T-U W-Y`` (31 characters; ``I O Z S V`` never occur).
The check character is ``31 - (sum(value(c_i) * w_i) mod 31)`` over the first 17
characters with the weights ``3^i mod 31`` (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13,
8, 24, 10, 30, 28); a result of 31 is written ``0``.

:func:`check_uscc` raises :class:`~domain.errors.SchemaViolationError` naming the field
(a JSON pointer rooted at the payload) and, for a wrong check character, the expected
one.
"""

from __future__ import annotations

from typing import Final

from domain.errors import SchemaViolationError

USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH: Final = 18

_VALUE: Final = {char: value for value, char in enumerate(USCC_CHARSET)}
_REGION_DIGITS: Final = frozenset("0123456789")


def uscc_check_character(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a code.

    Raises :class:`SchemaViolationError` (pointer ``/body/uscc``) if ``first17`` is not
    17 characters of the USCC character set.
    """
    if len(first17) != USCC_LENGTH - 1:
        raise SchemaViolationError(
            f"统一社会信用代码前 17 位长度应为 17，实为 {len(first17)} / "
            f"the first part of a USCC must be 17 characters, got {len(first17)}",
            pointer="/body/uscc",
        )
    total = 0
    for position, (char, weight) in enumerate(zip(first17, USCC_WEIGHTS, strict=True)):
        value = _VALUE.get(char)
        if value is None:
            raise SchemaViolationError(
                f"统一社会信用代码第 {position + 1} 位字符 “{char}” 不在字符集内 / "
                f"character {position + 1} of a USCC must be one of 0-9 A-H J-N P-R "
                "T-U W-Y",
                pointer="/body/uscc",
            )
        total += value * weight
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(code: str, *, pointer: str = "/body/uscc") -> None:
    """Raise :class:`SchemaViolationError` at ``pointer`` unless ``code`` is valid."""
    if not isinstance(code, str):
        raise SchemaViolationError(
            "统一社会信用代码应为字符串 / a USCC must be a string", pointer=pointer
        )
    if len(code) != USCC_LENGTH:
        raise SchemaViolationError(
            f"统一社会信用代码应为 18 位，实为 {len(code)} 位 / a USCC has 18 "
            f"characters, got {len(code)}",
            pointer=pointer,
        )
    for position, char in enumerate(code):
        if char not in _VALUE:
            raise SchemaViolationError(
                f"统一社会信用代码第 {position + 1} 位 “{char}” 不在字符集内"
                "（不含 I、O、Z、S、V 及小写字母）/ character "
                f"{position + 1} of the USCC is not in 0-9 A-H J-N P-R T-U W-Y",
                pointer=pointer,
            )
    if not set(code[2:8]) <= _REGION_DIGITS:
        raise SchemaViolationError(
            "统一社会信用代码第 3–8 位应为行政区划代码（数字）/ characters 3-8 of a "
            "USCC are the region code and must be digits",
            pointer=pointer,
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise SchemaViolationError(
            f"统一社会信用代码校验位错误：应为 {expected}，实为 {code[17]} / "
            f"wrong USCC check character: expected {expected}, got {code[17]}",
            pointer=pointer,
        )
