"""Tests for domain.uscc: the GB 32100-2015 check character of 统一社会信用代码."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import SchemaViolationError
from domain.uscc import USCC_CHARSET, USCC_WEIGHTS, check_uscc, uscc_check_character

#: Codes published by their holders (business licences on public record).
PUBLISHED = [
    "91350100M000100Y43",
    "91110000802100433B",
]

first17s = st.builds(
    lambda head, region, body: head + region + body,
    st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9),
)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    check_uscc(code)
    assert uscc_check_character(code[:17]) == code[17]


def test_weights_are_powers_of_three_modulo_31() -> None:
    assert tuple(pow(3, i, 31) for i in range(17)) == USCC_WEIGHTS


def test_a_check_value_of_31_is_written_zero() -> None:
    assert uscc_check_character("91510104MA0000026") == "0"
    check_uscc("91510104MA00000260")


@settings(max_examples=200)
@given(first17s)
def test_a_generated_code_with_its_check_character_is_valid(first17: str) -> None:
    check_uscc(first17 + uscc_check_character(first17))


@settings(max_examples=200)
@given(first17s, st.sampled_from(USCC_CHARSET))
def test_any_other_check_character_is_refused_naming_the_expected_one(
    first17: str, wrong: str
) -> None:
    expected = uscc_check_character(first17)
    if wrong == expected:
        return
    with pytest.raises(SchemaViolationError, match=f"expected {expected}, got {wrong}"):
        check_uscc(first17 + wrong)


def test_the_error_names_the_given_pointer() -> None:
    with pytest.raises(SchemaViolationError) as excinfo:
        check_uscc("91350100M000100Y44", pointer="/body/counterparty/uscc")
    assert excinfo.value.pointer == "/body/counterparty/uscc"
    assert "应为 3" in excinfo.value.detail


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "18"),  # too short
        ("91350100M000100Y433", "18"),  # too long
        ("91350100m000100Y43", "character 9"),  # lowercase
        ("91350100I000100Y43", "character 9"),  # I is not in the charset
        ("91350100O000100Y43", "character 9"),
        ("91350100Z000100Y43", "character 9"),
        ("91350100S000100Y43", "character 9"),
        ("91350100V000100Y43", "character 9"),
        ("913501A0M000100Y43", "region code"),
        ("", "18"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(code: str, reason: str) -> None:
    with pytest.raises(SchemaViolationError, match=reason) as excinfo:
        check_uscc(code)
    assert excinfo.value.pointer == "/body/uscc"


def test_a_non_string_is_refused_with_our_error() -> None:
    with pytest.raises(SchemaViolationError):
        check_uscc(91350100)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "first17", ["9135010", "91350100M000100Y4X", "91350100I000100Y4"]
)
def test_the_check_character_needs_17_characters_of_the_charset(first17: str) -> None:
    with pytest.raises(SchemaViolationError):
        uscc_check_character(first17)
