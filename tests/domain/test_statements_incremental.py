"""Incremental statements: affected_periods, build_statements(only=...), and
list_statement_periods (domain.statements; SPEC §4: a rebuild after new entries
rewrites only the files they affect).

The contract, checked on the demo world and on hypothesis-made logs: after entries
are appended, every statement of the full new build is either among the affected
periods or equal to the same statement of the old build; a statement that went away
is among the affected periods too; ``build_statements(only=...)`` gives exactly the
full build's statements of those periods; ``list_statement_periods`` gives the full
build's (template, period) list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.demo import PROJECT_ID, populate_demo
from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard
from domain.catalogue import TEMPLATES
from domain.clock import FixedClock
from domain.registry import Contract, Project
from domain.signing import Signer
from domain.statements import (
    BUSINESS_DATE_FIELDS,
    Period,
    Statement,
    affected_periods,
    build_statements,
    list_statement_periods,
)
from tests.domain.test_statements import CONTRACT, ORIGIN, PROJECT, Log, example


# --- the contract --------------------------------------------------------------------
def check_incremental(
    old_entries: Sequence[BoardEntry],
    new_entries: Sequence[BoardEntry],
    *,
    project: Project = PROJECT,
    contract: Contract | None = CONTRACT,
    origin: str = ORIGIN,
) -> dict[str, set[str]]:
    """Assert the contract for ``new_entries`` appended to ``old_entries``."""
    old_board = ProjectBoard.from_entries(origin, old_entries)
    new_board = ProjectBoard.from_entries(origin, [*old_entries, *new_entries])
    old = {
        (s.template, s.period.key): s
        for s in build_statements(old_board, project=project, contract=contract)
    }
    full = build_statements(new_board, project=project, contract=contract)
    affected = affected_periods(new_board, [e.index for e in new_entries])

    def marked(template: str, key: str) -> bool:
        return key in affected.get(template, set())

    for statement in full:
        if not marked(statement.template, statement.period.key):
            before = old.get((statement.template, statement.period.key))
            assert before == statement, (
                f"{statement.slug} changed but is not among the affected {affected}"
            )
    gone = set(old) - {(s.template, s.period.key) for s in full}
    assert all(marked(template, key) for template, key in gone), gone

    chosen = [s for s in full if marked(s.template, s.period.key)]
    only = build_statements(
        new_board, project=project, contract=contract, only=affected
    )
    assert only == chosen
    assert list_statement_periods(new_board) == listed(full)
    return affected


def listed(statements: Sequence[Statement]) -> dict[str, list[Period]]:
    """The full build's periods, per template, in its order."""
    periods: dict[str, list[Period]] = {}
    for statement in statements:
        periods.setdefault(statement.template, []).append(statement.period)
    return periods


# --- the demo world ------------------------------------------------------------------
ASSOCIATION = Signer.from_seed("demo.example/association", bytes([11]) * 32)


class DemoLog:
    """The demo's 酬金制 estate: its entries, project and contract."""

    def __init__(
        self,
        origin: str,
        entries: list[BoardEntry],
        project: Project,
        contract: Contract | None,
    ) -> None:
        self.origin = origin
        self.entries = entries
        self.project = project
        self.contract = contract


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoLog]:
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    ledger = LedgerApplication(
        instance="demo.example",
        association_vkey=ASSOCIATION.vkey,
        log_signer_seed=bytes([12]) * 32,
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=clock,
    )
    try:
        summary = populate_demo(ledger, ASSOCIATION, clock=clock, seed=2025)
        registry = ledger.get_registry()
        entries = [
            BoardEntry.from_leaf(e.origin, e.index, e.leaf, e.leaf_hash, e.firm)
            for e in ledger.list_entries(summary.origin)
        ]
        yield DemoLog(
            summary.origin,
            entries,
            registry.projects[PROJECT_ID],
            registry.active_contract(PROJECT_ID),
        )
    finally:
        ledger.close()


def check_demo(demo: DemoLog, old_size: int, new_size: int) -> dict[str, set[str]]:
    return check_incremental(
        demo.entries[:old_size],
        demo.entries[old_size:new_size],
        project=demo.project,
        contract=demo.contract,
        origin=demo.origin,
    )


def test_the_first_and_last_demo_entry_of_each_type_change_only_affected_statements(
    demo: DemoLog,
) -> None:
    firsts: dict[str, int] = {}
    lasts: dict[str, int] = {}
    for entry in demo.entries:
        firsts.setdefault(entry.entry_type, entry.index)
        lasts[entry.entry_type] = entry.index
    assert len(firsts) >= 30
    for index in sorted({*firsts.values(), *lasts.values()}):
        check_demo(demo, index, index + 1)


def test_every_demo_reversal_and_its_correction_change_only_affected_statements(
    demo: DemoLog,
) -> None:
    reversals = [e.index for e in demo.entries if e.entry_type == "EntryReversed"]
    assert reversals
    for index in reversals:
        affected = check_demo(demo, index, index + 2)  # the 红冲 and what follows
        assert affected


def test_demo_batches_of_entries_change_only_affected_statements(
    demo: DemoLog,
) -> None:
    size = len(demo.entries)
    for old_size, new_size in (
        (0, 1),
        (size // 3, size // 3 + 40),
        (size // 2, size // 2 + 7),
        (size - 60, size),
    ):
        check_demo(demo, old_size, new_size)


def test_the_last_demo_entry_is_rebuilt_alone_far_cheaper_than_everything(
    demo: DemoLog,
) -> None:
    affected = check_demo(demo, len(demo.entries) - 1, len(demo.entries))
    board = ProjectBoard.from_entries(demo.origin, demo.entries)
    every = sum(len(periods) for periods in list_statement_periods(board).values())
    assert sum(len(keys) for keys in affected.values()) <= 3 < every


# --- hypothesis: appended entries of every kind ---------------------------------------
#: Days around period bounds: months, quarters, halves and years all differ.
DAYS = (
    "2025-01-15",
    "2025-03-31",
    "2025-04-01",
    "2025-06-30",
    "2025-07-01",
    "2025-12-31",
    "2026-01-01",
    "2026-02-14",
    "2026-05-20",
)
#: Ids shared between entries, so that threads, sources and facilities meet.
ID_FIELDS = ("source_id", "facility_id", "pledge_id", "challenge_id", "staff_id")
FED_TYPES = (
    *sorted({t for template in TEMPLATES for t in template.entry_types}),
    "NoticePosted",  # feeds no template
)


def body_of(data: st.DataObject, entry_type: str) -> dict[str, Any]:
    """An example body of ``entry_type`` with a drawn date and drawn shared ids."""
    n = data.draw(st.integers(0, 1))
    body = example(entry_type, n)
    day = data.draw(st.sampled_from(DAYS))
    path = BUSINESS_DATE_FIELDS.get(entry_type)
    if entry_type == "ChallengeRaised":
        offset = data.draw(st.sampled_from(["T10:00:00+08:00", "T20:30:00+00:00"]))
        body["received_at"] = day + offset  # 20:30 UTC is the next day in China
    elif entry_type == "UtilityCostApportioned":
        body["billing_period"] = {"start": day, "end": day}
    elif entry_type in ("BudgetDeclared", "AccountsClosed"):
        body["year"] = day[:4]
        body.pop("period", None)
    elif entry_type == "PerformanceReported":
        body["half_year"] = {"year": int(day[:4]), "half": 1 if day[5:7] <= "06" else 2}
    elif path is not None and "." not in path:
        body[path] = day
    for field in ID_FIELDS:
        if field in body:
            body[field] = f"{field}-{data.draw(st.sampled_from('ab'))}"
    return body


def draw_entry(data: st.DataObject, log: Log) -> None:
    accepted = data.draw(st.sampled_from(DAYS))
    if log.entries and data.draw(st.integers(0, 5)) == 0:
        target = data.draw(st.integers(0, len(log.entries) - 1))
        log.reverse(target, accepted=accepted)
        return
    entry_type = data.draw(st.sampled_from(FED_TYPES))
    period = None
    if data.draw(st.booleans()):  # an envelope period dates the undated types
        start = data.draw(st.sampled_from(DAYS))
        period = {"start": start, "end": start}
    log.add(entry_type, body_of(data, entry_type), accepted=accepted, period=period)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_appended_entries_change_only_the_affected_statements(
    data: st.DataObject,
) -> None:
    log = Log()
    old_size = data.draw(st.integers(0, 16), label="old size")
    added = data.draw(st.integers(1, 4), label="appended")
    for _ in range(old_size + added):
        draw_entry(data, log)
    check_incremental(log.entries[:old_size], log.entries[old_size:])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_thread_entries_appended_in_any_order_change_only_affected_statements(
    data: st.DataObject,
) -> None:
    """Pledges, challenges, sources and facilities only: their ids collide often."""
    log = Log()
    kinds = (
        "PledgeMade",
        "PledgeProgressed",
        "PledgeFulfilled",
        "ChallengeRaised",
        "ChallengeAnswered",
        "ChallengeClosed",
        "RevenueSourceRegistered",
        "CommonRevenueRecorded",
        "FacilityRegistered",
        "FacilityServiced",
        "InspectionRecorded",
    )
    old_size = data.draw(st.integers(0, 12), label="old size")
    added = data.draw(st.integers(1, 3), label="appended")
    for _ in range(old_size + added):
        accepted = data.draw(st.sampled_from(DAYS))
        if log.entries and data.draw(st.integers(0, 4)) == 0:
            target = data.draw(st.integers(0, len(log.entries) - 1))
            log.reverse(target, accepted=accepted)
        else:
            kind = data.draw(st.sampled_from(kinds))
            log.add(kind, body_of(data, kind), accepted=accepted)
    check_incremental(log.entries[:old_size], log.entries[old_size:])


# --- the rules, one by one -----------------------------------------------------------
def test_a_new_entry_marks_its_own_period_only() -> None:
    log = Log()
    log.add("CommonRevenueRecorded", example("CommonRevenueRecorded"))  # 2025-03-31
    log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", received_on="2025-08-01"),
    )
    affected = check_incremental(log.entries[:1], log.entries[1:])
    assert affected == {"common-revenue": {"2025-Q3"}}


def test_a_reversal_marks_the_period_of_the_entry_it_cancels() -> None:
    log = Log()
    log.add("CommonRevenueRecorded", example("CommonRevenueRecorded"))  # 2025-Q1
    log.reverse(0, accepted="2026-05-02")
    affected = check_incremental(log.entries[:1], log.entries[1:])
    assert affected == {"common-revenue": {"2025-Q1"}}


def test_an_entry_that_feeds_no_template_marks_nothing() -> None:
    log = Log()
    log.add("CommonRevenueRecorded", example("CommonRevenueRecorded"))
    log.add("NoticePosted", example("NoticePosted"))
    assert check_incremental(log.entries[:1], log.entries[1:]) == {}


def test_an_index_not_on_the_board_marks_nothing() -> None:
    log = Log()
    log.add("CommonRevenueRecorded", example("CommonRevenueRecorded"))
    assert affected_periods(log.board(), [5, 9]) == {}


def test_staff_and_fee_changes_mark_the_current_snapshot() -> None:
    log = Log()
    log.add("StaffAssigned", example("StaffAssigned"))
    log.add("FeeScheduleDeclared", example("FeeScheduleDeclared"))
    affected = check_incremental(log.entries[:1], log.entries[1:])
    assert affected == {"fee-schedule": {"current"}}


def test_a_facility_registration_marks_its_month_every_later_month_and_its_mentions() -> (
    None
):
    log = Log()
    for day in ("2025-01-10", "2025-02-10", "2025-03-10", "2025-04-10"):
        log.add(
            "FacilityServiced",
            example("FacilityServiced", serviced_on=day, facility_id="lift-9"),
        )
    log.add("WorkLogged", example("WorkLogged", worked_on="2025-05-10"))
    log.add(
        "FacilityRegistered",
        example("FacilityRegistered", facility_id="lift-9"),
        accepted="2025-03-05",
    )
    affected = check_incremental(log.entries[:5], log.entries[5:])
    # March on (the register), and January and February, which name lift-9
    assert affected == {
        "onsite-work": {"2025-01", "2025-02", "2025-03", "2025-04", "2025-05"}
    }


def test_a_revenue_source_registration_marks_every_quarter_that_names_the_source() -> (
    None
):
    log = Log()
    log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", source_id="parking", received_on="2025-02-01"),
    )
    log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", source_id="ads", received_on="2025-05-01"),
    )
    log.add(
        "RevenueSourceRegistered",
        example("RevenueSourceRegistered", source_id="parking"),
        accepted="2025-09-01",
    )
    affected = check_incremental(log.entries[:2], log.entries[2:])
    assert affected == {"common-revenue": {"2025-Q1", "2025-Q3"}}


def test_a_new_pledge_marks_the_years_its_progress_moves_between() -> None:
    log = Log()
    progress = example("PledgeProgressed", pledge_id="p-1", as_of="2025-06-30")
    log.add("PledgeProgressed", progress)  # no pledge yet: 2025 by its own date
    log.add("PledgeMade", example("PledgeMade", pledge_id="p-1"), accepted="2026-01-05")
    new = build_statements(log.board(), project=PROJECT, contract=CONTRACT)
    assert [s.period.key for s in new] == ["2026"]  # the progress followed the pledge
    affected = check_incremental(log.entries[:1], log.entries[1:])
    assert affected == {"warm-pledges": {"2025", "2026"}}  # 2025's page went away


def test_a_follow_up_marks_only_the_period_it_follows_into() -> None:
    log = Log()
    log.add("PledgeMade", example("PledgeMade", pledge_id="p-1"), accepted="2025-03-05")
    log.add(
        "PledgeProgressed",
        example("PledgeProgressed", pledge_id="p-1", as_of="2026-02-01"),
    )
    affected = check_incremental(log.entries[:1], log.entries[1:])
    assert affected == {"warm-pledges": {"2025"}}


def test_reversing_a_pledge_moves_its_progress_to_the_live_pledge_of_that_id() -> None:
    log = Log()
    log.add("PledgeMade", example("PledgeMade", pledge_id="p-1"), accepted="2025-03-05")
    log.add("PledgeMade", example("PledgeMade", pledge_id="p-1"), accepted="2026-03-05")
    log.add(
        "PledgeProgressed",
        example("PledgeProgressed", pledge_id="p-1", as_of="2026-04-01"),
    )
    log.reverse(1, accepted="2026-04-02")
    affected = check_incremental(log.entries[:3], log.entries[3:])
    assert affected == {"warm-pledges": {"2025", "2026"}}


# --- build_statements(only=...) and list_statement_periods ---------------------------
def test_only_builds_nothing_for_an_empty_selection() -> None:
    log = Log()
    log.add("CommonRevenueRecorded", example("CommonRevenueRecorded"))
    board = log.board()
    assert build_statements(board, project=PROJECT, contract=CONTRACT, only={}) == []
    assert (
        build_statements(
            board, project=PROJECT, contract=CONTRACT, only={"common-revenue": ()}
        )
        == []
    )


def test_only_passes_over_periods_without_a_statement() -> None:
    log = Log()
    log.add("CommonRevenueRecorded", example("CommonRevenueRecorded"))  # 2025-Q1
    built = build_statements(
        log.board(),
        project=PROJECT,
        contract=CONTRACT,
        only={"common-revenue": {"2025-Q1", "2031-Q4"}, "onsite-work": {"2025-01"}},
    )
    assert [s.slug for s in built] == ["common-revenue/2025-Q1"]


def test_only_names_known_templates_and_collections_of_keys() -> None:
    board = Log().board()
    with pytest.raises(ValueError, match="unknown template slug 'T03'"):
        build_statements(board, project=PROJECT, contract=CONTRACT, only={"T03": ()})
    with pytest.raises(ValueError, match="not a str"):
        build_statements(
            board, project=PROJECT, contract=CONTRACT, only={"common-revenue": "2025"}
        )


def test_statement_periods_are_listed_in_the_full_builds_order() -> None:
    log = Log()
    log.add("WorkLogged", example("WorkLogged", worked_on="2025-05-10"))
    log.add("WorkLogged", example("WorkLogged", worked_on="2025-02-10"))
    log.add("StaffAssigned", example("StaffAssigned"))
    listed_periods = list_statement_periods(log.board())
    assert {
        slug: [p.key for p in periods] for slug, periods in listed_periods.items()
    } == {
        "project-and-staff": ["current"],
        "contract-performance": ["2025-H1"],
        "onsite-work": ["2025-02", "2025-05"],
    }
    assert list(listed_periods) == [
        "project-and-staff",
        "contract-performance",
        "onsite-work",
    ]


def test_an_empty_board_lists_no_statement_periods() -> None:
    assert list_statement_periods(Log().board()) == {}
