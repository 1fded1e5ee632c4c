"""Tests for domain.validation: the envelope, strict integers, formats, error shape."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import validation
from domain.errors import (
    ConfigurationError,
    FieldError,
    InvalidEntryError,
    RuleViolationError,
    SchemaViolationError,
)
from domain.validation import (
    SchemaValidator,
    default_validator,
    is_date,
    is_datetime,
)
from tests.domain.test_schemas import make_payload

REVENUE = {"source_id": "lift-ads", "amount_fen": 1250000, "received_on": "2025-03-31"}


def payload(**changes: Any) -> dict[str, Any]:
    """A valid CommonRevenueRecorded payload with top-level ``changes``."""
    result = make_payload("CommonRevenueRecorded", copy.deepcopy(REVENUE))
    for key, value in changes.items():
        if value is None:
            del result[key]
        else:
            result[key] = value
    return result


def with_body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(REVENUE)
    body.update(changes)
    return payload(body=body)


def errors_of(value: object) -> list[FieldError]:
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_payload(value)
    return excinfo.value.errors


def first_error(value: object) -> FieldError:
    return errors_of(value)[0]


# --- the envelope --------------------------------------------------------------------
def test_a_complete_payload_validates() -> None:
    default_validator().validate_payload(payload())


def test_a_payload_with_every_optional_envelope_field_validates() -> None:
    default_validator().validate_payload(
        payload(
            period={"start": "2025-03-01", "end": "2025-03-31"},
            refs=[{"index": 12, "leaf_hash": "ab" * 32}],
            attachments=[
                {
                    "sha256": "cd" * 32,
                    "media_type": "application/pdf",
                    "bytes": 48213,
                    "name": "2025年3月广告收入凭证.pdf",
                }
            ],
        )
    )


@pytest.mark.parametrize(
    "field", ["v", "log", "id", "type", "issued_at", "key", "body"]
)
def test_a_missing_envelope_field_is_named_by_its_own_pointer(field: str) -> None:
    error = first_error(payload(**{field: None}))
    assert error.pointer == f"/{field}"
    assert error.message == f"缺少必填字段 {field} / required field missing: {field}"


def test_an_unexpected_envelope_field_is_named_by_its_pointer() -> None:
    error = first_error(payload(owner_name="王小明"))
    assert error.pointer == "/owner_name"
    assert "unexpected field owner_name" in error.message


def test_an_unexpected_body_field_is_named_by_its_pointer() -> None:
    assert (
        first_error(with_body(payer_phone="13812345678")).pointer == "/body/payer_phone"
    )


@pytest.mark.parametrize(
    "key",
    [
        "hemei-wuye",  # no key id
        "hemei-wuye+CDB929DB",  # upper-case hex
        "hemei-wuye+cdb929d",  # seven digits
        "hemei wuye+cdb929db",  # a space in the name
        "hemei+wuye+cdb929db",  # two plus signs
        "+cdb929db",  # no name
    ],
)
def test_a_bad_key_reference_is_refused_at_key(key: str) -> None:
    error = first_error(payload(key=key))
    assert error.pointer == "/key"
    assert "<name>+<8 lowercase hex digits>" in error.message


@pytest.mark.parametrize(
    "log",
    [
        "https://chengdu.example/p/jinjiang-hemei",  # has a scheme
        "chengdu.example/p/jinjiang hemei",  # a space
        "chengdu.example//p",  # empty segment
        "/p/jinjiang-hemei",  # no host
        "ab",  # too short
        "chengdu.example/p/" + "x" * 300,  # too long
    ],
)
def test_a_bad_log_origin_is_refused_at_log(log: str) -> None:
    assert first_error(payload(log=log)).pointer == "/log"


@pytest.mark.parametrize(
    "log",
    [
        "chengdu.example/registry",
        "chengdu.example/p/jinjiang-hemei",
        "localhost:8080/p/a1",
    ],
)
def test_a_scheme_less_origin_is_accepted(log: str) -> None:
    default_validator().validate_payload(payload(log=log))


@pytest.mark.parametrize("entry_id", ["", "a" * 129, "id with space", "编号-1", "a/b"])
def test_a_bad_entry_id_is_refused_at_id(entry_id: str) -> None:
    error = first_error(payload(id=entry_id))
    assert error.pointer == "/id"


@pytest.mark.parametrize("entry_id", ["a", "a" * 128, "2025-03:rev.1_b"])
def test_a_good_entry_id_is_accepted(entry_id: str) -> None:
    default_validator().validate_payload(payload(id=entry_id))


def test_an_unknown_entry_type_is_refused_at_type() -> None:
    error = first_error(payload(type="CommonRevenueCollected"))
    assert error.pointer == "/type"
    assert (
        error.message == '未知的条目类型 "CommonRevenueCollected" / unknown entry type'
    )


def test_validate_body_refuses_an_unknown_type_at_type() -> None:
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_body("Nope", {})
    assert excinfo.value.pointer == "/type"


@pytest.mark.parametrize(
    "issued_at",
    [
        "2025-04-02T10:00:00",  # no offset
        "2025-04-02 10:00:00+08:00",  # space instead of T
        "2025-02-30T10:00:00+08:00",  # no such day
        "2025-04-02T24:00:00+08:00",  # no such hour
        "2025-04-02T10:00:00+8:00",  # offset needs two digits
    ],
)
def test_a_bad_issued_at_is_refused_at_issued_at(issued_at: str) -> None:
    assert first_error(payload(issued_at=issued_at)).pointer == "/issued_at"


def test_v_must_be_one() -> None:
    error = first_error(payload(v=2))
    assert (error.pointer, error.message) == ("/v", "取值应为 1 / value must be 1")


def test_a_non_object_payload_is_refused_at_the_root() -> None:
    error = first_error(["not", "an", "object"])
    assert error.pointer == ""
    assert error.message.startswith("类型错误：应为对象，实为数组")


def test_a_body_that_is_not_an_object_is_refused_at_body() -> None:
    assert first_error(payload(body=[1])).pointer == "/body"


@pytest.mark.parametrize(
    ("attachment", "pointer"),
    [
        ({"sha256": "AB" * 32, "media_type": "application/pdf", "bytes": 1}, "/sha256"),
        ({"sha256": "ab" * 32, "media_type": "pdf", "bytes": 1}, "/media_type"),
        ({"sha256": "ab" * 32, "media_type": "application/pdf", "bytes": -1}, "/bytes"),
        ({"sha256": "ab" * 32, "media_type": "application/pdf"}, "/bytes"),
        ({"sha256": "ab" * 32, "media_type": "image/png", "bytes": 1, "x": 1}, "/x"),
    ],
)
def test_a_bad_attachment_is_refused_at_its_field(
    attachment: dict[str, Any], pointer: str
) -> None:
    error = first_error(payload(attachments=[attachment]))
    assert error.pointer == "/attachments/0" + pointer


def test_more_than_64_refs_are_refused() -> None:
    refs = [{"index": i, "leaf_hash": "ab" * 32} for i in range(65)]
    error = first_error(payload(refs=refs))
    assert error.pointer == "/refs"
    assert "at most 64" in error.message


def test_more_than_32_attachments_are_refused() -> None:
    one = {"sha256": "ab" * 32, "media_type": "application/pdf", "bytes": 1}
    assert first_error(payload(attachments=[one] * 33)).pointer == "/attachments"


# --- integers are integers -----------------------------------------------------------
@pytest.mark.parametrize("amount", [1.5, 1.0, 0.0, float("inf"), float("nan")])
def test_a_float_amount_is_refused_saying_money_is_integer_fen(amount: float) -> None:
    errors = errors_of(with_body(amount_fen=amount))
    assert errors[0].pointer == "/body/amount_fen"
    assert "money is integer fen" in errors[0].message
    assert len(errors) == 1  # no second, less helpful error at the same place


def test_a_float_equal_to_a_const_is_still_refused() -> None:
    error = first_error(payload(v=1.0))
    assert error.pointer == "/v"
    assert "no floats" in error.message


def test_a_float_anywhere_is_reported_at_its_pointer() -> None:
    refs = [{"index": 3.0, "leaf_hash": "ab" * 32}]
    assert first_error(payload(refs=refs)).pointer == "/refs/0/index"


def test_a_float_in_an_unknown_body_field_is_still_reported_as_a_float() -> None:
    pointers = [e.pointer for e in errors_of(with_body(tip=0.5))]
    assert pointers[0] == "/body/tip"


@pytest.mark.parametrize("amount", [2**53, 2**53 + 1, 2**64, -(2**53)])
def test_an_integer_beyond_2_to_the_53_is_refused(amount: int) -> None:
    error = first_error(with_body(amount_fen=amount))
    assert error.pointer == "/body/amount_fen"
    assert "2^53" in error.message


def test_the_largest_safe_integer_is_accepted() -> None:
    default_validator().validate_payload(with_body(amount_fen=2**53 - 1))


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_an_integer(value: bool) -> None:
    error = first_error(with_body(amount_fen=value))
    assert error.pointer == "/body/amount_fen"
    assert (
        error.message
        == "应为整数，不能是 true/false / expected an integer, not a boolean"
    )


def test_a_boolean_is_not_the_integer_one() -> None:
    assert first_error(payload(v=True)).pointer == "/v"


def test_a_string_number_is_a_type_error() -> None:
    error = first_error(with_body(amount_fen="1250000"))
    assert (
        error.message
        == "类型错误：应为整数，实为字符串 / wrong type: expected integer, got string"
    )


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["amount_fen", "source_id", "received_on", "note", "extra"]),
    st.floats(allow_nan=False),
)
def test_a_float_in_any_body_field_is_reported_there_first(
    field: str, value: float
) -> None:
    error = first_error(with_body(**{field: value}))
    assert error.pointer == f"/body/{field}"
    assert "no floats" in error.message


# --- formats -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2025-03-31", True),
        ("2024-02-29", True),
        ("2025-02-29", False),
        ("2025-13-01", False),
        ("2025-00-10", False),
        ("2025-3-1", False),
        ("20250301", False),
        ("2025-W10-1", False),
        (" 2025-03-31", False),
    ],
)
def test_a_date_is_a_real_calendar_date(value: str, valid: bool) -> None:
    assert is_date(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2025-04-02T10:00:00+08:00", True),
        ("2025-04-02T02:00:00Z", True),
        ("2025-04-02T02:00:00.123456789Z", True),
        ("2016-12-31T23:59:60Z", True),  # RFC 3339 leap second
        ("2025-04-02t02:00:00z", True),  # RFC 3339 §5.6 allows lower case
        ("2025-04-02T10:00:00", False),
        ("2025-04-02T10:60:00+08:00", False),
        ("2025-04-02T10:00:61+08:00", False),
        ("2025-04-31T10:00:00+08:00", False),
        ("2025-04-02T10:00:00+24:00", False),
        ("2025-04-02T10:00+08:00", False),
    ],
)
def test_a_datetime_is_rfc_3339_with_an_offset(value: str, valid: bool) -> None:
    assert is_datetime(value) is valid


def test_formats_only_constrain_strings() -> None:
    assert is_date(20250331)
    assert is_datetime(None)


def test_an_impossible_date_in_the_body_is_refused_at_its_pointer() -> None:
    error = first_error(with_body(received_on="2025-02-30"))
    assert error.pointer == "/body/received_on"
    assert "not a valid calendar date" in error.message


# --- error shape ---------------------------------------------------------------------
def test_every_failure_is_listed_best_first() -> None:
    value = payload(key=None, extra=1)
    value["body"] = {"source_id": "lift-ads", "amount_fen": 1.5, "received_on": "x"}
    errors = errors_of(value)
    pointers = [error.pointer for error in errors]
    assert pointers[0] == "/body/amount_fen"  # a float is reported first
    assert set(pointers) == {"/body/amount_fen", "/key", "/extra", "/body/received_on"}


def test_the_detail_names_the_first_failure_and_counts_the_rest() -> None:
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_payload(payload(key=None, id=None))
    detail = excinfo.value.detail
    assert detail.startswith("/id: 缺少必填字段 id") or detail.startswith("/key:")
    assert "and 1 more" in detail


def test_several_missing_body_fields_are_each_named() -> None:
    pointers = {e.pointer for e in errors_of(payload(body={}))}
    assert pointers == {"/body/source_id", "/body/amount_fen", "/body/received_on"}


_REPR = re.compile(
    r"'[^']*' is|is not of type|False schema|\{'|\bNone\b|is not valid under"
)


def _messages_for_bad_bodies() -> list[str]:
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("CommonRevenueRecorded", {"amount_fen": "x", "source_id": "A B", "z": 1}),
        ("ContractBound", {"fee_model": "lump_sum", "remuneration": {"basis": "x"}}),
        ("RevenueSourceRegistered", {"owner_scope": {"kind": "street"}}),
        ("FeeScheduleDeclared", {"items": [], "effective_from": "2025-02-30"}),
        ("WitnessAdded", {"projects": ["a", "a"], "name": "", "vkey": "x"}),
        ("FirmRegistered", {"uscc": "x", "name": "n" * 201, "complaint_phone": "138"}),
    ]
    messages = []
    for entry_type, body in bodies:
        with pytest.raises(SchemaViolationError) as excinfo:
            default_validator().validate_payload(make_payload(entry_type, body))
        messages += [error.message for error in excinfo.value.errors]
    return messages


def test_messages_are_plain_chinese_then_english_never_a_python_repr() -> None:
    messages = _messages_for_bad_bodies()
    assert len(messages) > 15
    for message in messages:
        assert not _REPR.search(message), message
        assert re.search(r"/ [A-Za-z]", message), message  # then English
        assert re.match(r"[^\x00-\x7f]|\"", message), message  # Chinese comes first


def test_a_missing_required_property_is_named_not_its_parent() -> None:
    body = {"source_id": "lift-ads", "received_on": "2025-03-31"}
    assert first_error(payload(body=body)).pointer == "/body/amount_fen"


def test_a_property_forbidden_by_another_field_is_named_by_its_pointer() -> None:
    body = {
        "contract_id": "c-1",
        "project_id": "jinjiang-hemei",
        "firm": "91510104MA6CXK3L25",
        "fee_model": "lump_sum",
        "remuneration": {"basis": "ratio", "ratio_bp": 1000},
        "term": {"start": "2025-01-01", "end": "2025-12-31"},
    }
    error = first_error(make_payload("ContractBound", body))
    assert error.pointer == "/body/remuneration"
    assert "not allowed here" in error.message


def test_a_oneof_branch_chosen_by_its_kind_reports_that_branch() -> None:
    body = {
        "source_id": "parking-b3",
        "kind": "parking",
        "description": "3 栋架空层停车位",
        "owner_scope": {"kind": "building"},
        "resolution": {"reference": "3 栋业主共同决定", "adopted_on": "2025-02-23"},
        "management_share_bp": 2000,
    }
    error = first_error(make_payload("RevenueSourceRegistered", body))
    assert error.pointer == "/body/owner_scope/building"
    body["owner_scope"] = {"kind": "street"}
    error = first_error(make_payload("RevenueSourceRegistered", body))
    assert error.pointer == "/body/owner_scope/kind"
    assert '"estate", "building"' in error.message


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("complaint_phone", "13812345678", "never a private mobile number"),
        ("uscc", "91510104MA6CXK3LI5", "not a unified social credit code"),
    ],
)
def test_shared_patterns_have_their_own_message(
    field: str, value: str, words: str
) -> None:
    body = {"uscc": "91510104MA6CXK3L25", "name": "和美物业", "address": "锦江区"}
    body[field] = value
    error = first_error(make_payload("FirmRegistered", body))
    assert error.pointer == f"/body/{field}"
    assert words in error.message


def test_an_unmasked_mobile_in_free_text_is_refused() -> None:
    error = first_error(with_body(note="请联系王先生 138 1234 5678"))
    assert error.pointer == "/body/note"
    assert "unmasked mobile" in error.message


def test_a_masked_mobile_in_free_text_is_accepted() -> None:
    default_validator().validate_payload(with_body(note="请联系王先生 138****5678"))


def test_spending_on_major_works_is_refused_before_the_enum_error() -> None:
    body = {
        "category": "大修",
        "amount_fen": 100,
        "description": "电梯大修",
        "spent_on": "2025-04-01",
    }
    with pytest.raises(RuleViolationError) as excinfo:
        default_validator().validate_payload(make_payload("CommissionFundSpent", body))
    assert excinfo.value.pointer == "/body/category"
    assert "MaintenanceFundUsed" in excinfo.value.detail


def test_a_major_works_category_gets_the_maintenance_fund_message_even_with_other_errors() -> (
    None
):
    value = make_payload("LumpSumSpendingRecorded", {"category": "renewal"}, key="bad")
    messages = {e.pointer: e.message for e in errors_of(value)}
    assert "MaintenanceFundUsed" in messages["/body/category"]


def test_the_stateless_rules_run_after_the_schema() -> None:
    value = payload(period={"start": "2025-03-31", "end": "2025-03-01"})
    with pytest.raises(RuleViolationError) as excinfo:
        default_validator().validate_payload(value)
    assert excinfo.value.pointer == "/period/end"


def test_validate_envelope_ignores_the_body_schema() -> None:
    default_validator().validate_envelope(payload(body={"anything": "goes"}))


def test_validate_envelope_still_refuses_a_float_in_the_body() -> None:
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_envelope(payload(body={"amount_fen": 2.5}))
    assert excinfo.value.pointer == "/body/amount_fen"


def test_validate_body_roots_pointers_at_the_payload() -> None:
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_body("CommonRevenueRecorded", {"amount_fen": 0})
    assert {e.pointer for e in excinfo.value.errors} == {
        "/body/amount_fen",
        "/body/source_id",
        "/body/received_on",
    }


def test_all_errors_are_invalid_entry_errors() -> None:
    assert issubclass(SchemaViolationError, InvalidEntryError)
    assert issubclass(RuleViolationError, InvalidEntryError)


# --- problem bodies ------------------------------------------------------------------
PROBLEM = {
    "type": "https://shuangshai.example/problems/schema-violation",
    "title": "载荷不符合模式 / schema violation",
    "status": 422,
    "detail": "/body/amount_fen: 缺少必填字段 amount_fen / required field missing",
    "instance": "/v1/logs/chengdu.example/p/jinjiang-hemei/entries",
    "code": "schema-violation",
    "errors": [{"pointer": "/payload/body/amount_fen", "message": "缺少必填字段"}],
}


def test_a_problem_body_validates() -> None:
    default_validator().validate_problem(PROBLEM)
    default_validator().validate_problem(
        {k: v for k, v in PROBLEM.items() if k != "errors"}
    )


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"status": 99}, "/status"),
        ({"status": 422.0}, "/status"),
        ({"code": "Schema Violation"}, "/code"),
        ({"type": "schema-violation"}, "/type"),
        ({"errors": [{"pointer": "body/x", "message": "m"}]}, "/errors/0/pointer"),
        ({"errors": [{"pointer": "/a~2", "message": "m"}]}, "/errors/0/pointer"),
        ({"trace": "Traceback"}, "/trace"),
        ({"title": None}, "/title"),
    ],
)
def test_a_bad_problem_body_is_refused(change: dict[str, Any], pointer: str) -> None:
    problem = {**PROBLEM, **change}
    problem = {k: v for k, v in problem.items() if v is not None}
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_problem(problem)
    assert excinfo.value.pointer == pointer


# --- loading -------------------------------------------------------------------------
def test_the_default_validator_is_built_once() -> None:
    assert default_validator() is default_validator()


def test_the_validator_knows_every_catalogue_type() -> None:
    from domain.catalogue import ALL_ENTRY_TYPES

    assert SchemaValidator().entry_types == ALL_ENTRY_TYPES


def test_a_missing_schema_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schemas = validation._load_schemas()
    del schemas["maintenance-fund-used.v1.schema.json"]
    monkeypatch.setattr(validation, "_load_schemas", lambda: schemas)
    with pytest.raises(ConfigurationError, match="maintenance-fund-used"):
        SchemaValidator()


NOTICE = {
    "title": "停水通知",
    "content": "11月22日停水。",
    "category": "outage",
    "valid_from": "2024-11-19",
}


def _notice(**changes: str) -> dict[str, Any]:
    return make_payload("NoticePosted", {**NOTICE, **changes})


@pytest.mark.parametrize(
    "title",
    [
        "停水\n通知",
        "停水通知\n",
        "停水\r通知",
        "停水\t通知",
        "停\x00水",
        "停\x7f水",
        "停\x85水",
        "停\u202e知通水",
        "停\u2066水",
    ],
)
def test_one_line_text_refuses_control_and_bidi_override_characters(
    title: str,
) -> None:
    error = first_error(_notice(title=title))
    assert error.pointer == "/body/title"
    assert "控制字符" in error.message


@pytest.mark.parametrize("content", ["第一行\x00", "\x1b[31m红字", "反\u202d向"])
def test_free_text_refuses_control_and_bidi_override_characters(content: str) -> None:
    error = first_error(_notice(content=content))
    assert error.pointer == "/body/content"
    assert "控制字符" in error.message


@pytest.mark.parametrize(
    "content", ["第一行\n第二行", "Windows\r\n换行", "列\t表", "段\u2028落"]
)
def test_free_text_keeps_line_breaks_and_tabs(content: str) -> None:
    default_validator().validate_payload(_notice(content=content, title="段\u2028落"))
