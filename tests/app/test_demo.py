"""The demo world: a fictional 成都 estate's year, accepted whole and deterministic."""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from api.demo import (
    DEMO_START,
    LUMP_SUM_PROJECT_ID,
    PROJECT_ID,
    DemoSummary,
    populate_demo,
)
from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard, placements
from domain.catalogue import COLUMNS, DESK_CATEGORIES, TEMPLATES
from domain.clock import FixedClock
from domain.errors import (
    AlreadyInitialisedError,
    ConfigurationError,
    UnknownKeyError,
)
from domain.rules import ratio_amount_fen
from domain.signing import ALG_COSIGNATURE_V1, ALG_ED25519, Signer, VerifierKey
from domain.uscc import check_uscc

MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
START = datetime(2025, 1, 1, tzinfo=UTC)
CST = timezone(timedelta(hours=8))
ASSOCIATION = Signer.from_seed("demo.example/association", bytes([11]) * 32)


def make_ledger(clock: FixedClock) -> LedgerApplication:
    return LedgerApplication(
        instance="demo.example",
        association_vkey=ASSOCIATION.vkey,
        log_signer_seed=bytes([12]) * 32,
        env=dict(MEMORY),
        clock=clock,
    )


@dataclass
class Demo:
    ledger: LedgerApplication
    summary: DemoSummary
    seconds: float
    parsed: dict[str, list[BoardEntry]] = field(default_factory=dict)

    def entries(self, origin: str) -> list[BoardEntry]:
        """The log's entries, parsed once (entries never change)."""
        if origin not in self.parsed:
            self.parsed[origin] = [
                BoardEntry.from_leaf(e.origin, e.index, e.leaf, e.leaf_hash, e.firm)
                for e in self.ledger.list_entries(origin)
            ]
        return self.parsed[origin]

    def of_type(self, entry_type: str, origin: str | None = None) -> list[BoardEntry]:
        origin = origin or self.summary.origin
        return [e for e in self.entries(origin) if e.entry_type == entry_type]

    def leaf_hashes(self) -> dict[str, list[bytes]]:
        return {
            origin: [e.leaf_hash for e in self.ledger.list_entries(origin)]
            for origin in self.ledger.list_origins()
        }


def populate(seed: int = 2025) -> Demo:
    clock = FixedClock(START)
    ledger = make_ledger(clock)
    started = time.perf_counter()
    summary = populate_demo(ledger, ASSOCIATION, clock=clock, seed=seed)
    return Demo(ledger, summary, time.perf_counter() - started)


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    built = populate()
    yield built
    built.ledger.close()


# --- the whole world ---------------------------------------------------------------
def test_the_demo_populates_in_a_few_seconds(demo: Demo) -> None:
    assert demo.seconds < 10


def test_every_entry_of_the_demo_is_accepted_into_its_log(demo: Demo) -> None:
    summary, ledger = demo.summary, demo.ledger
    assert ledger.log_size(ledger.registry_origin) == summary.registry_entry_count == 9
    assert ledger.log_size(summary.origin) == summary.entry_count
    assert ledger.log_size(summary.lump_sum_origin) == summary.lump_sum_entry_count
    total = summary.registry_entry_count + summary.entry_count
    total += summary.lump_sum_entry_count
    assert 1_000 <= total <= 2_000
    for origin in ledger.list_origins():
        assert ledger.verify_stored_tree(origin) == ledger.log_size(origin)


def test_the_registry_holds_the_firm_its_key_both_contracts_and_the_witnesses(
    demo: Demo,
) -> None:
    summary = demo.summary
    registry = demo.ledger.get_registry()
    check_uscc(summary.firm_uscc)
    assert set(registry.firms) == {summary.firm_uscc}
    key = registry.keys[summary.firm_key.key_ref]
    assert key.firm == summary.firm_uscc
    assert VerifierKey.from_vkey(key.vkey).alg == ALG_ED25519
    commission = registry.active_contract(PROJECT_ID)
    assert commission is not None
    assert (commission.fee_model, commission.remuneration_basis) == (
        "commission",
        "ratio",
    )
    assert commission.remuneration_ratio_bp == 1000
    lump_sum = registry.active_contract(LUMP_SUM_PROJECT_ID)
    assert lump_sum is not None
    assert lump_sum.fee_model == "lump_sum"
    project = registry.projects[PROJECT_ID]
    assert (project.households, project.district) == (1200, "锦江区")
    assert 120_000 <= project.floor_area_m2 <= 140_000
    witness = registry.witnesses[summary.witness_key.key_ref]
    assert witness.role == "owners-committee"
    assert VerifierKey.from_vkey(witness.vkey).alg == ALG_COSIGNATURE_V1
    assert witness.projects == frozenset({PROJECT_ID})
    office = registry.witnesses[summary.street_office_key.key_ref]
    assert office.role == "street-office"
    assert office.projects is None  # every log, the registry's included
    assert VerifierKey.from_vkey(office.vkey).alg == ALG_COSIGNATURE_V1


def test_every_template_is_fed_by_at_least_one_entry(demo: Demo) -> None:
    fed: Counter[str] = Counter()
    for origin in (demo.summary.origin, demo.summary.lump_sum_origin):
        for entry in demo.entries(origin):
            fed.update(placements(entry.entry_type, entry.body).templates)
    assert {t.slug for t in TEMPLATES} <= set(fed)


def test_every_template_but_the_lump_sum_one_is_fed_by_the_commission_estate(
    demo: Demo,
) -> None:
    fed = {
        slug
        for entry in demo.entries(demo.summary.origin)
        for slug in placements(entry.entry_type, entry.body).templates
    }
    assert {t.slug for t in TEMPLATES} - fed == {"lump-sum-spending"}


def test_every_column_and_desk_category_of_the_estate_holds_entries(
    demo: Demo,
) -> None:
    board = ProjectBoard.from_entries(
        demo.summary.origin, demo.entries(demo.summary.origin)
    )
    for column in COLUMNS:
        assert board.column(column), column
    for category in DESK_CATEGORIES:
        assert board.category(category), category
    filed = {e.body["category"] for e in demo.of_type("DocumentFiled")}
    assert filed == set(DESK_CATEGORIES)


# --- the scenarios ----------------------------------------------------------------
def test_the_mistyped_revenue_is_reversed_and_then_corrected(demo: Demo) -> None:
    summary = demo.summary
    entries = demo.entries(summary.origin)
    wrong = entries[summary.reversed_index]
    reversal = entries[summary.reversal_index]
    corrected = entries[summary.corrected_index]
    assert wrong.entry_type == corrected.entry_type == "CommonRevenueRecorded"
    assert wrong.body["amount_fen"] == 10 * corrected.body["amount_fen"]
    assert wrong.body["source_id"] == corrected.body["source_id"] == "lift-ads"
    assert reversal.entry_type == "EntryReversed"
    assert reversal.body["target"] == {
        "index": wrong.index,
        "leaf_hash": wrong.leaf_hash,
    }
    assert wrong.index < reversal.index < corrected.index
    board = ProjectBoard.from_entries(summary.origin, entries)
    assert board.in_order()[wrong.index].reversed_by == reversal.index


def test_pledges_are_fulfilled_lapsed_and_still_in_progress(demo: Demo) -> None:
    made = {e.body["pledge_id"] for e in demo.of_type("PledgeMade")}
    fulfilled = {e.body["pledge_id"] for e in demo.of_type("PledgeFulfilled")}
    lapsed = {e.body["pledge_id"] for e in demo.of_type("PledgeLapsed")}
    progressed = Counter(e.body["pledge_id"] for e in demo.of_type("PledgeProgressed"))
    assert fulfilled
    assert lapsed
    assert fulfilled | lapsed <= made
    open_pledges = made - fulfilled - lapsed
    assert open_pledges
    assert all(progressed[p] >= 2 for p in open_pledges)


def test_one_challenge_is_answered_and_closed_and_one_is_escalated(
    demo: Demo,
) -> None:
    raised = {e.body["challenge_id"] for e in demo.of_type("ChallengeRaised")}
    answers = defaultdict(set)
    for entry in demo.of_type("ChallengeAnswered"):
        answers[entry.body["challenge_id"]].add(entry.body["stage"])
    closed = {e.body["challenge_id"] for e in demo.of_type("ChallengeClosed")}
    escalated = {e.body["challenge_id"] for e in demo.of_type("ChallengeEscalated")}
    assert any(answers[c] == {"acknowledgement", "answer"} for c in closed)
    assert escalated - closed
    assert closed | escalated <= raised


def test_the_revenue_challenge_targets_the_mistyped_entry(demo: Demo) -> None:
    targets = [
        e.body["target"]["index"]
        for e in demo.of_type("ChallengeRaised")
        if "target" in e.body
    ]
    assert targets == [demo.summary.reversed_index]


def test_owners_appear_only_masked_with_a_commitment(demo: Demo) -> None:
    for entry in demo.of_type("ChallengeRaised"):
        challenger = entry.body["challenger"]
        assert set(challenger) <= {"name", "room", "phone", "commitment"}
        assert len(challenger["commitment"]) == 64
        for masked in ("name", "room", "phone"):
            assert "*" in challenger.get(masked, "*")


def test_lifts_and_fire_systems_are_registered_and_serviced(demo: Demo) -> None:
    kinds = {
        e.body["facility_id"]: e.body["kind"]
        for e in demo.of_type("FacilityRegistered")
    }
    serviced = Counter(
        (kinds[e.body["facility_id"]], e.body["service_kind"])
        for e in demo.of_type("FacilityServiced")
    )
    assert Counter(kinds.values())["lift"] == 24
    assert serviced[("lift", "routine-maintenance")] >= 24 * 12
    assert serviced[("lift", "statutory-inspection")] == 24
    assert serviced[("fire-protection", "routine-maintenance")] >= 4
    assert serviced[("water-supply", "routine-maintenance")] >= 12
    used = {e.body["works_class"] for e in demo.of_type("MaintenanceFundUsed")}
    assert {"major-repair", "renewal"} <= used


def test_parking_and_lift_advert_revenue_is_recorded_with_costs_and_allocations(
    demo: Demo,
) -> None:
    kind_of = {
        e.body["source_id"]: e.body["kind"]
        for e in demo.of_type("RevenueSourceRegistered")
    }
    assert {"lift-advert", "parking", "venue"} <= set(kind_of.values())
    recorded = Counter(
        kind_of[e.body["source_id"]] for e in demo.of_type("CommonRevenueRecorded")
    )
    assert recorded["lift-advert"] >= 12
    assert recorded["parking"] == 12
    costs = {e.body["kind"] for e in demo.of_type("CommonRevenueCostDeducted")}
    assert costs == {"tax", "labour", "energy", "management-share"}
    destinations = {e.body["destination"] for e in demo.of_type("OwnerShareAllocated")}
    assert destinations == {"maintenance-fund", "offset-fees"}


def test_remuneration_is_ten_percent_of_the_quarters_property_fees(
    demo: Demo,
) -> None:
    fees: Counter[int] = Counter()
    for entry in demo.of_type("CommissionFundCollected"):
        if entry.body["source"] == "property-fee":
            received = date.fromisoformat(entry.body["received_on"])
            fees[(received.month - 1) // 3 + 1] += entry.body["amount_fen"]
    draws = demo.of_type("RemunerationDrawn")
    assert len(draws) == 4
    for draw in draws:
        quarter = (date.fromisoformat(draw.body["for_period"]["start"]).month + 2) // 3
        assert draw.body["base_fen"] == fees[quarter]
        assert draw.body["ratio_bp"] == 1000
        assert draw.body["amount_fen"] == ratio_amount_fen(fees[quarter], 1000)


def test_the_2025_accounts_are_the_sums_of_the_2025_fund_entries(demo: Demo) -> None:
    income: Counter[str] = Counter()
    spending: Counter[str] = Counter()
    for entry in demo.of_type("CommissionFundCollected"):
        if entry.body["received_on"].startswith("2025"):
            income[entry.body["source"]] += entry.body["amount_fen"]
    for entry in demo.of_type("CommissionFundSpent"):
        if entry.body["spent_on"].startswith("2025"):
            spending[entry.body["category"]] += entry.body["amount_fen"]
    remuneration = sum(e.body["amount_fen"] for e in demo.of_type("RemunerationDrawn"))
    (accounts,) = [
        e for e in demo.of_type("AccountsClosed") if e.body["year"] == "2025"
    ]
    body = accounts.body
    assert {line["source"]: line["amount_fen"] for line in body["income"]} == income
    assert {line["category"]: line["amount_fen"] for line in body["spending"]} == (
        spending
    )
    assert body["remuneration_fen"] == remuneration
    assert len(spending) == 9  # every operating cost category of art. 11


def test_budgets_and_accounts_cover_2024_to_2026(demo: Demo) -> None:
    budgets = {e.body["year"] for e in demo.of_type("BudgetDeclared")}
    accounts = {e.body["year"] for e in demo.of_type("AccountsClosed")}
    assert (budgets, accounts) == ({"2025", "2026"}, {"2024", "2025"})


def test_about_fifteen_staff_serve_and_one_is_released_mid_year(demo: Demo) -> None:
    assigned = {e.body["staff_id"] for e in demo.of_type("StaffAssigned")}
    released = demo.of_type("StaffReleased")
    assert len(demo.of_type("ManagerAppointed")) == 1
    assert 14 <= len(assigned) <= 16
    assert [e.body["released_on"] for e in released] == ["2025-06-30"]


def test_utilities_are_apportioned_every_month_of_2025(demo: Demo) -> None:
    months = Counter(
        e.body["billing_period"]["start"][:7]
        for e in demo.of_type("UtilityCostApportioned")
    )
    assert sorted(months) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert set(months.values()) == {14}


def test_half_year_performance_reports_are_posted(demo: Demo) -> None:
    halves = {
        (e.body["half_year"]["year"], e.body["half_year"]["half"])
        for e in demo.of_type("PerformanceReported")
    }
    assert halves == {(2024, 2), (2025, 1), (2025, 2)}


def test_the_lump_sum_estate_discloses_classified_income_and_spending(
    demo: Demo,
) -> None:
    origin = demo.summary.lump_sum_origin
    spent = {
        e.body["category"] for e in demo.of_type("LumpSumSpendingRecorded", origin)
    }
    assert "statutory-tax" in spent
    assert len(spent) == 10
    assert demo.of_type("LumpSumIncomeRecorded", origin)


# --- time ---------------------------------------------------------------------------
def test_entries_are_accepted_on_their_realistic_dates(demo: Demo) -> None:
    def accepted_day(entry: BoardEntry) -> date:
        moment = datetime.fromisoformat(entry.accepted_at.replace("Z", "+00:00"))
        return moment.astimezone(CST).date()

    entries = demo.entries(demo.summary.origin)
    stamps = [e.accepted_at for e in entries]
    assert stamps == sorted(stamps)
    assert accepted_day(entries[0]) == DEMO_START.date()
    assert accepted_day(entries[-1]) == date(2026, 1, 31)
    for entry in entries:
        if entry.entry_type == "WorkLogged":
            assert accepted_day(entry).isoformat() == entry.body["worked_on"]
    assert demo.summary.last_accepted_at.date() == date(2026, 1, 31)


def test_work_logs_are_daily_without_swamping_the_log(demo: Demo) -> None:
    days = {e.body["worked_on"] for e in demo.of_type("WorkLogged")}
    assert len(days) == (date(2026, 1, 31) - DEMO_START.date()).days + 1
    assert len(demo.of_type("WorkLogged")) < 1_000


# --- attachments --------------------------------------------------------------------
def test_every_attachment_an_entry_names_comes_with_its_bytes(demo: Demo) -> None:
    files = demo.summary.attachments
    named = set()
    for origin in (demo.summary.origin, demo.summary.lump_sum_origin):
        for entry in demo.entries(origin):
            for attachment in entry.attachments:
                data = files[attachment["sha256"]]
                assert hashlib.sha256(data).hexdigest() == attachment["sha256"]
                assert len(data) == attachment["bytes"]
                named.add(attachment["sha256"])
    assert named == set(files)


# --- determinism and refusals -------------------------------------------------------
def test_two_runs_with_the_same_seed_and_clock_give_the_same_leaves(
    demo: Demo,
) -> None:
    again = populate()
    try:
        assert again.leaf_hashes() == demo.leaf_hashes()
        assert again.summary.attachments == demo.summary.attachments
    finally:
        again.ledger.close()


def test_another_seed_gives_other_keys_and_other_leaves(demo: Demo) -> None:
    other = populate(seed=7)
    try:
        assert other.summary.firm_key.vkey != demo.summary.firm_key.vkey
        origin = demo.summary.origin
        assert other.leaf_hashes()[origin] != demo.leaf_hashes()[origin]
    finally:
        other.ledger.close()


def test_the_demo_refuses_a_ledger_that_is_not_empty(demo: Demo) -> None:
    clock = FixedClock(START)
    with pytest.raises(AlreadyInitialisedError, match="empty ledger"):
        populate_demo(demo.ledger, ASSOCIATION, clock=clock)


def test_the_demo_refuses_a_clock_past_its_start() -> None:
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    ledger = make_ledger(clock)
    try:
        with pytest.raises(ConfigurationError, match="only moves forward"):
            populate_demo(ledger, ASSOCIATION, clock=clock)
        assert ledger.log_size(ledger.registry_origin) == 0
    finally:
        ledger.close()


def test_a_rejected_entry_stops_the_demo_with_the_ledgers_own_error() -> None:
    clock = FixedClock(START)
    ledger = make_ledger(clock)
    stranger = Signer.from_seed("someone-else", bytes([13]) * 32)
    try:
        with pytest.raises(UnknownKeyError) as raised:
            populate_demo(ledger, stranger, clock=clock)
        assert any("FirmRegistered" in note for note in raised.value.__notes__)
    finally:
        ledger.close()
