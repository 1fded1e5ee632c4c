"""Tests for domain.rules: the money and registry rules JSON Schema cannot express."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.catalogue import FEE_MODEL_OF_TYPE
from domain.errors import RuleViolationError, SchemaViolationError
from domain.registry import Contract
from domain.rules import (
    MAJOR_WORKS,
    MAJOR_WORKS_MESSAGE,
    check_against_contract,
    check_major_works,
    check_stateless,
    is_major_work,
    ratio_amount_fen,
    round_half_up_div,
)
from domain.validation import default_validator
from tests.domain.test_schemas import make_payload

FIRM = "91510104MA6CXK3L25"


def refused(entry_type: str, body: dict[str, Any], **extra: Any) -> RuleViolationError:
    """The rule error for a payload that passes its schema."""
    payload = make_payload(entry_type, body, **extra)
    with pytest.raises(RuleViolationError) as excinfo:
        default_validator().validate_payload(payload)
    return excinfo.value


def accepted(entry_type: str, body: dict[str, Any], **extra: Any) -> None:
    default_validator().validate_payload(make_payload(entry_type, body, **extra))


# --- rounding ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 10, 1),
        (15, 10, 2),
        (25, 10, 3),
        (14, 10, 1),
        (16, 10, 2),
        (0, 7, 0),
        (-5, 10, 0),
    ],
)
def test_round_half_up_sends_a_tie_up_not_to_even(
    numerator: int, denominator: int, expected: int
) -> None:
    assert round_half_up_div(numerator, denominator) == expected


@settings(max_examples=200)
@given(
    st.integers(min_value=0, max_value=2**60), st.integers(min_value=1, max_value=2**40)
)
def test_round_half_up_is_exact_for_big_integers(
    numerator: int, denominator: int
) -> None:
    exact = Fraction(numerator, denominator) + Fraction(1, 2)
    assert (
        round_half_up_div(numerator, denominator)
        == exact.numerator // exact.denominator
    )


def test_round_half_up_needs_a_positive_denominator() -> None:
    with pytest.raises(ValueError, match="positive denominator"):
        round_half_up_div(1, 0)


@pytest.mark.parametrize(
    ("base", "ratio", "expected"),
    [
        (29874300, 1000, 2987430),
        (12345, 850, 1049),
        (5, 1000, 1),
        (15, 1000, 2),
        (4, 1000, 0),
    ],
)
def test_ratio_remuneration_is_rounded_half_up_to_the_fen(
    base: int, ratio: int, expected: int
) -> None:
    assert ratio_amount_fen(base, ratio) == expected


# --- major works ---------------------------------------------------------------------
def test_major_works_are_major_and_medium_repairs_and_renewals() -> None:
    assert MAJOR_WORKS == ("major-repair", "medium-repair", "renewal")


@pytest.mark.parametrize(
    "value",
    [
        "major-repair",
        "medium-repair",
        "renewal",
        "major_repair",
        "Major Repair",
        " MEDIUM_REPAIR ",
        "renewals",
        "overhaul",
        "大修",
        "中修",
        "更新改造",
        "大中修",
        "专项维修资金",
    ],
)
def test_spellings_of_major_works_are_recognised(value: str) -> None:
    assert is_major_work(value)


@pytest.mark.parametrize(
    "value", ["routine", "cleaning", "common-facilities", "", "修理", 3]
)
def test_routine_categories_are_not_major_works(value: object) -> None:
    assert not is_major_work(value)


@pytest.mark.parametrize(
    ("entry_type", "field"),
    [
        ("CommissionFundSpent", "category"),
        ("CommissionFundSpent", "repair_class"),
        ("LumpSumSpendingRecorded", "category"),
        ("LumpSumSpendingRecorded", "repair_class"),
    ],
)
@pytest.mark.parametrize("value", ["major-repair", "medium_repair", "renewal", "大修"])
def test_spending_on_major_works_is_refused_where_it_says_so(
    entry_type: str, field: str, value: str
) -> None:
    body = {
        "category": "common-facilities",
        "amount_fen": 6850000,
        "description": "2 栋电梯曳引机更换",
        "spent_on": "2025-06-28",
        field: value,
    }
    error = refused(entry_type, body)
    assert error.pointer == f"/body/{field}"
    assert error.detail == MAJOR_WORKS_MESSAGE


def test_the_major_works_message_says_why_and_where_it_belongs() -> None:
    assert MAJOR_WORKS_MESSAGE.startswith("大修、中修、更新改造不属于物业服务成本")
    assert "maintenance fund" in MAJOR_WORKS_MESSAGE
    assert "MaintenanceFundUsed" in MAJOR_WORKS_MESSAGE


def test_a_budget_line_for_major_works_is_refused_at_that_line() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_major_works(
            "BudgetDeclared",
            {"spending": [{"category": "staff"}, {"category": "大修"}]},
        )
    assert excinfo.value.pointer == "/body/spending/1/category"


def test_maintenance_fund_use_may_name_major_works() -> None:
    check_major_works("MaintenanceFundUsed", {"works_class": "major-repair"})


def test_routine_repairs_are_operating_costs() -> None:
    accepted(
        "CommissionFundSpent",
        {
            "category": "common-facilities",
            "amount_fen": 186000,
            "description": "楼道声控灯更换",
            "spent_on": "2025-04-12",
            "repair_class": "routine",
        },
    )


# --- periods -------------------------------------------------------------------------
def test_an_envelope_period_ending_before_it_starts_is_refused() -> None:
    body = {"source_id": "lift-ads", "amount_fen": 100, "received_on": "2025-03-31"}
    error = refused(
        "CommonRevenueRecorded",
        body,
        period={"start": "2025-04-01", "end": "2025-03-31"},
    )
    assert error.pointer == "/period/end"
    assert "before it starts" in error.detail


def test_a_one_day_period_is_fine() -> None:
    body = {"source_id": "lift-ads", "amount_fen": 100, "received_on": "2025-03-31"}
    accepted(
        "CommonRevenueRecorded",
        body,
        period={"start": "2025-03-31", "end": "2025-03-31"},
    )


def test_a_period_anywhere_in_the_body_is_checked() -> None:
    body = copy.deepcopy(CONTRACT_BOUND)
    body["term"] = {"start": "2025-01-01", "end": "2024-12-31"}
    assert refused("ContractBound", body).pointer == "/body/term/end"


def test_a_pair_of_times_is_compared_as_instants() -> None:
    earlier = {"start": "2025-01-01T10:00:00+08:00", "end": "2025-01-01T03:00:00Z"}
    check_stateless(make_payload("NoticePosted", {"window": earlier}))  # same instant
    later = {"start": "2025-01-01T10:00:00+08:00", "end": "2025-01-01T01:59:59Z"}
    with pytest.raises(RuleViolationError) as excinfo:
        check_stateless(make_payload("NoticePosted", {"window": later}))
    assert excinfo.value.pointer == "/body/window/end"


def test_works_completed_before_they_started_are_refused() -> None:
    body = copy.deepcopy(MAINTENANCE)
    body["completed_on"] = "2025-05-01"
    assert refused("MaintenanceFundUsed", body).pointer == "/body/completed_on"


# --- 统一社会信用代码 ------------------------------------------------------------------
def test_a_firm_with_a_wrong_check_character_is_refused() -> None:
    body = {
        "uscc": FIRM[:17] + "6",
        "name": "成都和美物业服务有限公司",
        "address": "锦江区",
    }
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_payload(make_payload("FirmRegistered", body))
    assert excinfo.value.pointer == "/body/uscc"
    assert "expected 5, got 6" in excinfo.value.detail


@pytest.mark.parametrize("entry_type", ["ContractBound", "FirmKeyRevoked"])
def test_the_firm_field_of_registry_entries_is_checked(entry_type: str) -> None:
    body: dict[str, Any] = {
        "firm": FIRM[:17] + "A",
        "key": "hemei-wuye+cdb929db",
        "reason": "轮换",
    }
    if entry_type == "ContractBound":
        body = {**CONTRACT_BOUND, "firm": FIRM[:17] + "A"}
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_payload(make_payload(entry_type, body))
    assert excinfo.value.pointer == "/body/firm"


def test_a_nested_uscc_is_checked_where_it_is() -> None:
    body = copy.deepcopy(MAINTENANCE)
    body["contractor"]["uscc"] = "91510106MA6C1HBA32"
    with pytest.raises(SchemaViolationError) as excinfo:
        default_validator().validate_payload(make_payload("MaintenanceFundUsed", body))
    assert excinfo.value.pointer == "/body/contractor/uscc"


def test_check_stateless_needs_a_type_and_a_body() -> None:
    with pytest.raises(SchemaViolationError) as excinfo:
        check_stateless({"type": "CommonRevenueRecorded", "body": [1]})
    assert excinfo.value.pointer == "/body"


# --- budgets and final accounts -------------------------------------------------------
def _accounts() -> dict[str, Any]:
    spending = {"staff": 187230000, "cleaning": 35862000, "order": 53780000}
    income = {"property-fee": 358764200, "common-revenue-transfer": 31250000}
    total_spending, total_income = sum(spending.values()), sum(income.values())
    return {
        "year": "2025",
        "income": [{"source": k, "amount_fen": v} for k, v in income.items()],
        "spending": [{"category": k, "amount_fen": v} for k, v in spending.items()],
        "remuneration_fen": 35876420,
        "total_income_fen": total_income,
        "total_spending_fen": total_spending,
        "surplus_or_deficit_fen": total_income - total_spending - 35876420,
        "carried_to": "owners",
    }


def test_balanced_accounts_are_accepted() -> None:
    accepted("AccountsClosed", _accounts())


def test_a_deficit_is_the_owners_too() -> None:
    body = _accounts()
    body["remuneration_fen"] = 200000000
    body["surplus_or_deficit_fen"] = (
        body["total_income_fen"] - body["total_spending_fen"] - 200000000
    )
    assert body["surplus_or_deficit_fen"] < 0
    accepted("AccountsClosed", body)


def test_a_surplus_that_forgets_the_remuneration_is_refused() -> None:
    body = _accounts()
    body["surplus_or_deficit_fen"] += body["remuneration_fen"]
    error = refused("AccountsClosed", body)
    assert error.pointer == "/body/surplus_or_deficit_fen"
    expected = body["surplus_or_deficit_fen"] - body["remuneration_fen"]
    assert f"= {expected}" in error.detail


@pytest.mark.parametrize(
    ("field", "lines"),
    [("total_spending_fen", "spending"), ("total_income_fen", "income")],
)
def test_a_total_that_is_not_the_sum_of_its_lines_is_refused(
    field: str, lines: str
) -> None:
    body = _accounts()
    body[field] += 1
    body["surplus_or_deficit_fen"] = (
        body["total_income_fen"] - body["total_spending_fen"] - body["remuneration_fen"]
    )
    error = refused("AccountsClosed", body)
    assert error.pointer == f"/body/{field}"
    assert f"sum of {lines}" in error.detail


def test_a_category_listed_twice_is_refused_at_the_second_line() -> None:
    body = _accounts()
    body["spending"][2]["category"] = "staff"
    assert refused("AccountsClosed", body).pointer == "/body/spending/2/category"


def test_every_arithmetic_failure_is_listed() -> None:
    body = _accounts()
    body["total_spending_fen"] += 1
    body["total_income_fen"] += 1
    error = refused("AccountsClosed", body)
    assert [e.pointer for e in error.errors] == [
        "/body/total_spending_fen",
        "/body/total_income_fen",
    ]


def test_a_budget_balance_is_income_less_spending_less_remuneration() -> None:
    body = _accounts()
    body["balance_fen"] = body.pop("surplus_or_deficit_fen")
    del body["carried_to"]
    accepted("BudgetDeclared", body)
    body["balance_fen"] -= 1
    assert refused("BudgetDeclared", body).pointer == "/body/balance_fen"


# --- remuneration (stateless) --------------------------------------------------------
RATIO_DRAW = {
    "basis": "ratio",
    "base_fen": 29874305,
    "ratio_bp": 1000,
    "amount_fen": 2987431,  # 2987430.5 rounded half up
    "drawn_on": "2025-04-20",
    "for_period": {"start": "2025-01-01", "end": "2025-03-31"},
}
FIXED_DRAW = {
    "basis": "fixed",
    "annual_fen": 36000000,
    "amount_fen": 3000000,
    "drawn_on": "2025-05-05",
    "for_period": {"start": "2025-04-01", "end": "2025-04-30"},
}


def test_a_ratio_draw_rounded_half_up_is_accepted() -> None:
    accepted("RemunerationDrawn", RATIO_DRAW)


@pytest.mark.parametrize("amount", [2987430, 2987432])
def test_a_ratio_draw_not_rounded_half_up_is_refused(amount: int) -> None:
    error = refused("RemunerationDrawn", {**RATIO_DRAW, "amount_fen": amount})
    assert error.pointer == "/body/amount_fen"
    assert "= 2987431" in error.detail


def test_a_fixed_draw_above_the_annual_amount_is_refused() -> None:
    error = refused("RemunerationDrawn", {**FIXED_DRAW, "amount_fen": 36000001})
    assert error.pointer == "/body/amount_fen"


# --- utilities -----------------------------------------------------------------------
UTILITY = {
    "utility": "electricity",
    "meter_id": "e-b3-common",
    "location": "3 栋电梯及公共照明",
    "scope": {"kind": "building", "building": "3 栋"},
    "billing_period": {"start": "2025-03-01", "end": "2025-03-31"},
    "readings": {"start": 125430, "end": 138210},
    "consumption": 12780,
    "unit": "kWh",
    "total_fen": 766800,
    "basis": "per-household",
    "households": 96,
    "per_household_fen": 7988,
}


def test_a_per_household_share_rounded_half_up_is_accepted() -> None:
    accepted("UtilityCostApportioned", UTILITY)


def test_a_per_household_share_rounded_down_is_refused() -> None:
    error = refused("UtilityCostApportioned", {**UTILITY, "per_household_fen": 7987})
    assert error.pointer == "/body/per_household_fen"
    assert "= 7988" in error.detail


def test_a_per_m2_share_is_checked_against_the_floor_area() -> None:
    body = {**UTILITY, "basis": "per-m2", "floor_area_m2": 11850, "per_m2_fen": 65}
    del body["per_household_fen"]
    accepted("UtilityCostApportioned", body)  # 766800 / 11850 = 64.7
    assert (
        refused("UtilityCostApportioned", {**body, "per_m2_fen": 64}).pointer
        == "/body/per_m2_fen"
    )


def test_consumption_must_match_the_readings() -> None:
    error = refused("UtilityCostApportioned", {**UTILITY, "consumption": 12781})
    assert error.pointer == "/body/consumption"


def test_readings_that_go_backwards_are_refused() -> None:
    body = {**UTILITY, "readings": {"start": 138210, "end": 125430}}
    assert refused("UtilityCostApportioned", body).pointer == "/body/readings/end"


# --- fee schedule --------------------------------------------------------------------
def test_two_fee_items_with_one_label_are_refused() -> None:
    item = {
        "building_type": "high-rise",
        "label": "高层住宅",
        "fee_fen_per_m2_month": 250,
    }
    body = {
        "effective_from": "2025-07-01",
        "pricing_basis": "market-regulated",
        "items": [item, {**item, "fee_fen_per_m2_month": 260}],
    }
    assert refused("FeeScheduleDeclared", body).pointer == "/body/items/1/label"


# --- against the contract ------------------------------------------------------------
CONTRACT_BOUND: dict[str, Any] = {
    "contract_id": "hemei-2025",
    "project_id": "jinjiang-hemei",
    "firm": FIRM,
    "fee_model": "commission",
    "remuneration": {"basis": "ratio", "ratio_bp": 1000},
    "term": {"start": "2025-01-01", "end": "2027-12-31"},
}
MAINTENANCE: dict[str, Any] = {
    "works": "2 栋电梯曳引机更换",
    "works_class": "renewal",
    "amount_fen": 68500000,
    "approval": {
        "kind": "owners-vote",
        "reference": "2 栋业主共同决定",
        "adopted_on": "2025-03-12",
    },
    "contractor": {"name": "成都蜀通电梯工程有限公司", "uscc": "91510106MA6C1HBA31"},
    "started_on": "2025-05-06",
    "completed_on": "2025-06-28",
    "scope": {"kind": "buildings", "buildings": ["2 栋"]},
}


def contract(
    fee_model: str = "commission",
    basis: str | None = "ratio",
    ratio_bp: int | None = 1000,
    annual_fen: int | None = None,
) -> Contract:
    return Contract(
        contract_id="hemei-2025",
        project_id="jinjiang-hemei",
        firm=FIRM,
        fee_model=fee_model,  # type: ignore[arg-type]
        remuneration_basis=basis,  # type: ignore[arg-type]
        remuneration_ratio_bp=ratio_bp,
        remuneration_annual_fen=annual_fen,
        term_start="2025-01-01",
        term_end="2027-12-31",
        bound_at_index=4,
    )


LUMP_SUM = contract("lump_sum", None, None)
FIXED = contract("commission", "fixed", None, 36000000)


@pytest.mark.parametrize(
    "entry_type", [t for t, model in FEE_MODEL_OF_TYPE.items() if model == "commission"]
)
def test_commission_entries_are_refused_under_a_lump_sum_contract(
    entry_type: str,
) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract(entry_type, {}, LUMP_SUM)
    assert excinfo.value.pointer == "/type"
    assert "lump_sum" in excinfo.value.detail
    assert "包干制" in excinfo.value.detail


@pytest.mark.parametrize(
    "entry_type", [t for t, model in FEE_MODEL_OF_TYPE.items() if model == "lump_sum"]
)
def test_lump_sum_entries_are_refused_under_a_commission_contract(
    entry_type: str,
) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract(entry_type, {}, contract())
    assert excinfo.value.pointer == "/type"
    assert "酬金制" in excinfo.value.detail


@pytest.mark.parametrize("entry_type", ["CommonRevenueRecorded", "MaintenanceFundUsed"])
@pytest.mark.parametrize("agreement", [LUMP_SUM, contract()])
def test_entries_of_either_model_are_allowed_under_any_contract(
    entry_type: str, agreement: Contract
) -> None:
    check_against_contract(entry_type, {}, agreement)


def test_a_draw_matching_the_ratio_contract_is_allowed() -> None:
    check_against_contract("RemunerationDrawn", RATIO_DRAW, contract())


def test_a_draw_on_another_basis_than_the_contract_is_refused() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract("RemunerationDrawn", FIXED_DRAW, contract())
    assert excinfo.value.pointer == "/body/basis"
    assert "expected ratio, got fixed" in excinfo.value.detail


def test_a_draw_at_another_ratio_than_the_contract_is_refused() -> None:
    body = {**RATIO_DRAW, "ratio_bp": 1200, "amount_fen": 3584917}
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract("RemunerationDrawn", body, contract())
    assert excinfo.value.pointer == "/body/ratio_bp"


def test_a_ratio_draw_with_a_wrong_amount_is_refused_against_the_contract() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract(
            "RemunerationDrawn", {**RATIO_DRAW, "amount_fen": 2987430}, contract()
        )
    assert excinfo.value.pointer == "/body/amount_fen"


def test_a_fixed_draw_within_the_contracts_annual_amount_is_allowed() -> None:
    check_against_contract("RemunerationDrawn", FIXED_DRAW, FIXED)
    check_against_contract(
        "RemunerationDrawn", {**FIXED_DRAW, "amount_fen": 36000000}, FIXED
    )


def test_a_fixed_draw_with_another_annual_amount_than_the_contract_is_refused() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract(
            "RemunerationDrawn", {**FIXED_DRAW, "annual_fen": 48000000}, FIXED
        )
    assert excinfo.value.pointer == "/body/annual_fen"
    assert "36000000" in excinfo.value.detail


def test_a_fixed_draw_above_the_contracts_annual_amount_is_refused() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        check_against_contract(
            "RemunerationDrawn", {**FIXED_DRAW, "amount_fen": 36000001}, FIXED
        )
    assert excinfo.value.pointer == "/body/amount_fen"
