"""The twelve template statements computed from hand-built boards (domain.statements).

Boards are built from :class:`BoardEntry` objects whose bodies come from, or are
adapted from, ``tests/examples``. Every expected figure below is computed by hand in
the comment or the literal next to it.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import statements as statements_module
from domain.board import BoardEntry, ProjectBoard
from domain.catalogue import TEMPLATES, schema_name
from domain.errors import LogIntegrityError
from domain.registry import Contract, Project
from domain.statements import (
    BUSINESS_DATE_FIELDS,
    CADENCES,
    ENUM_NAMES,
    OPERATING_COST_CATEGORIES,
    TOTAL_KEYS,
    Period,
    Statement,
    Table,
    accepted_date,
    build_statements,
    business_date,
    current_period,
    half_period,
    month_period,
    period_of,
    periods_for,
    quarter_period,
    template_feeds,
    year_period,
)

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "chengdu.test/p/jinjiang-hemei"
PROJECT = Project(
    project_id="jinjiang-hemei",
    name="和美花园",
    address="成都市锦江区和美路 8 号",
    district="锦江区",
    households=1200,
    floor_area_m2=132000,
    registered_at_index=2,
)
CONTRACT = Contract(
    contract_id="c-2026",
    project_id="jinjiang-hemei",
    firm="91510104MA6CXK3L25",
    fee_model="commission",
    remuneration_basis="ratio",
    remuneration_ratio_bp=1000,
    remuneration_annual_fen=None,
    term_start="2026-01-01",
    term_end="2028-12-31",
    bound_at_index=4,
)
NOON = "T04:00:00.000000Z"  # 12:00 in Shanghai


def example(entry_type: str, n: int = 0, **changes: Any) -> dict[str, Any]:
    """The n-th valid example body of ``entry_type``, with ``changes`` applied."""
    path = (
        ROOT / "tests" / "examples" / schema_name(entry_type).replace(".v1.schema", "")
    )
    body = copy.deepcopy(json.loads(path.read_text(encoding="utf-8"))["valid"][n])
    body.update(changes)
    return dict(body)


class Log:
    """A project log built by hand: entries get consecutive indices."""

    def __init__(self) -> None:
        self.entries: list[BoardEntry] = []

    def add(
        self,
        entry_type: str,
        body: dict[str, Any],
        *,
        accepted: str = "2026-03-01",
        period: dict[str, str] | None = None,
    ) -> int:
        index = len(self.entries)
        accepted_at = accepted if "T" in accepted else accepted + NOON
        self.entries.append(
            BoardEntry(
                origin=ORIGIN,
                index=index,
                entry_id=f"e-{index}",
                entry_type=entry_type,
                accepted_at=accepted_at,
                issued_at="2026-03-01T09:00:00+08:00",
                leaf_hash=f"{index:064x}",
                key_ref="hemei-wuye-2025+cdb929db",
                firm=CONTRACT.firm,
                body=body,
                period=period,
            )
        )
        return index

    def reverse(self, target: int, *, accepted: str = "2026-03-02") -> int:
        body = {
            "target": {"index": target, "leaf_hash": f"{target:064x}"},
            "reason": f"第 {target} 条录入错误",
        }
        return self.add("EntryReversed", body, accepted=accepted)

    def board(self) -> ProjectBoard:
        return ProjectBoard.from_entries(ORIGIN, self.entries)

    def statements(self, contract: Contract | None = CONTRACT) -> list[Statement]:
        return build_statements(self.board(), project=PROJECT, contract=contract)

    def of(self, slug: str) -> dict[str, Statement]:
        """The statements of one template, by period key."""
        return {s.period.key: s for s in self.statements() if s.template == slug}


def table(statement: Statement, title: str) -> Table:
    for candidate in statement.tables:
        if candidate.title.startswith(title):
            return candidate
    raise AssertionError(f"no table {title!r} in {[t.title for t in statement.tables]}")


def values(t: Table) -> list[list[Any]]:
    return [[cell.value for cell in row.cells] for row in t.rows]


def column(t: Table, header: str) -> list[Any]:
    position = t.headers.index(header)
    return [row.cells[position].value for row in t.rows]


def totals(statement: Statement) -> dict[str, int]:
    return {total.key: total.fen for total in statement.totals}


# --- periods and dates ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("period", "key", "start", "end", "label"),
    [
        (month_period(2026, 2), "2026-02", "2026-02-01", "2026-02-28", "2026年2月"),
        (month_period(2024, 2), "2024-02", "2024-02-01", "2024-02-29", "2024年2月"),
        (month_period(2026, 12), "2026-12", "2026-12-01", "2026-12-31", "2026年12月"),
        (
            quarter_period(2026, 1),
            "2026-Q1",
            "2026-01-01",
            "2026-03-31",
            "2026年第一季度",
        ),
        (
            quarter_period(2026, 4),
            "2026-Q4",
            "2026-10-01",
            "2026-12-31",
            "2026年第四季度",
        ),
        (half_period(2026, 1), "2026-H1", "2026-01-01", "2026-06-30", "2026年上半年"),
        (half_period(2026, 2), "2026-H2", "2026-07-01", "2026-12-31", "2026年下半年"),
        (year_period(2026), "2026", "2026-01-01", "2026-12-31", "2026年度"),
    ],
)
def test_periods_have_stable_keys_inclusive_bounds_and_chinese_labels(
    period: Period, key: str, start: str, end: str, label: str
) -> None:
    assert (period.key, period.start, period.end, period.label) == (
        key,
        start,
        end,
        label,
    )


@given(st.dates(), st.sampled_from(["month", "quarter", "half", "year"]))
@settings(max_examples=200)
def test_the_period_of_a_day_contains_that_day(day: Any, cadence: Any) -> None:
    period = period_of(cadence, day)
    assert period.start <= day.isoformat() <= period.end


def test_a_current_period_spans_the_dates_it_shows() -> None:
    from datetime import date

    period = current_period([date(2026, 3, 1), date(2024, 5, 6)])
    assert period == Period("current", "2024-05-06", "2026-03-01", "当前")


def test_accepted_at_is_read_in_china_time() -> None:
    log = Log()
    before = log.add(
        "StaffReleased",
        example("StaffReleased"),
        accepted="2026-03-31T15:59:59.000000Z",
    )
    after = log.add(
        "StaffReleased",
        example("StaffReleased"),
        accepted="2026-03-31T16:00:00.000000Z",
    )
    assert accepted_date(log.entries[before]).isoformat() == "2026-03-31"
    assert accepted_date(log.entries[after]).isoformat() == "2026-04-01"


def _date_examples() -> list[tuple[str, int, str]]:
    cases: list[tuple[str, int, str]] = []
    for entry_type, path in BUSINESS_DATE_FIELDS.items():
        for n, body in enumerate(
            json.loads(
                (
                    ROOT
                    / "tests"
                    / "examples"
                    / schema_name(entry_type).replace(".v1.schema", "")
                ).read_text(encoding="utf-8")
            )["valid"]
        ):
            value: Any = body
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str):
                cases.append((entry_type, n, value))
    return cases


@pytest.mark.parametrize(("entry_type", "n", "value"), _date_examples())
def test_the_business_date_is_the_body_date_of_each_type(
    entry_type: str, n: int, value: str
) -> None:
    log = Log()
    index = log.add(entry_type, example(entry_type, n), accepted="2030-01-01")
    # ChallengeRaised.received_at carries +08:00 in the examples: the same day.
    assert business_date(log.entries[index]).isoformat() == value[:10]


def test_an_entry_without_a_body_date_falls_back_to_the_envelope_period_then_acceptance() -> (
    None
):
    log = Log()
    with_period = log.add(
        "RevenueSourceRegistered",
        example("RevenueSourceRegistered"),
        accepted="2026-04-02",
        period={"start": "2026-03-01", "end": "2026-03-31"},
    )
    without = log.add(
        "RevenueSourceRegistered",
        example("RevenueSourceRegistered", 1),
        accepted="2026-04-02",
    )
    assert business_date(log.entries[with_period]).isoformat() == "2026-03-01"
    assert business_date(log.entries[without]).isoformat() == "2026-04-02"
    assert sorted(log.of("common-revenue")) == ["2026-Q1", "2026-Q2"]


def test_a_body_date_wins_over_the_envelope_period_and_acceptance() -> None:
    log = Log()
    log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", received_on="2026-03-31"),
        accepted="2026-04-02",
        period={"start": "2026-04-01", "end": "2026-04-30"},
    )
    assert list(log.of("common-revenue")) == ["2026-Q1"]


def test_a_received_at_with_another_offset_is_dated_in_china_time() -> None:
    log = Log()
    log.add(
        "ChallengeRaised",
        example(
            "ChallengeRaised", received_at="2025-12-31T20:00:00-05:00"
        ),  # 09:00 +08
    )
    assert list(log.of("challenges-and-replies")) == ["2026"]


def test_periods_for_lists_each_period_of_a_template_once_in_key_order() -> None:
    log = Log()
    for day in ("2026-05-02", "2026-01-31", "2026-05-30", "2025-12-01"):
        log.add("UtilityCostApportioned", _utility("water", day, 10000))
    periods = periods_for("shared-utilities", log.board().template("shared-utilities"))
    assert [p.key for p in periods] == ["2025-12", "2026-01", "2026-05"]


# --- the whole board -----------------------------------------------------------------
def every_example_log() -> Log:
    log = Log()
    for template in TEMPLATES:
        for entry_type in template.entry_types:
            path = (
                ROOT
                / "tests"
                / "examples"
                / schema_name(entry_type).replace(".v1.schema", "")
            )
            for n in range(len(json.loads(path.read_text(encoding="utf-8"))["valid"])):
                log.add(entry_type, example(entry_type, n))
    return log


def test_template_feeds_are_what_the_board_gives_each_template() -> None:
    log = every_example_log()
    log.reverse(3)
    log.reverse(40)
    board = log.board()
    assert template_feeds(board) == {t.slug: board.template(t.slug) for t in TEMPLATES}


def test_an_empty_board_has_no_statements() -> None:
    assert Log().statements() == []


def test_every_template_has_statements_from_the_example_bodies() -> None:
    statements = every_example_log().statements()
    assert {s.code for s in statements} == {t.code for t in TEMPLATES}
    for statement in statements:
        cadence = CADENCES[statement.template]
        if cadence == "current":
            assert statement.period.key == "current"
            assert statement.period.label == "当前"


def test_statements_are_sorted_by_template_code_then_period_key() -> None:
    statements = every_example_log().statements()
    order = [(s.code, s.period.key) for s in statements]
    assert order == sorted(order)
    assert len(set(order)) == len(order)


def test_the_same_entries_in_any_order_give_equal_statements() -> None:
    log = every_example_log()
    log.reverse(5)
    expected = log.statements()
    shuffled = list(log.entries)
    random.Random(7).shuffle(shuffled)  # noqa: S311 - a fixed shuffle, not a secret
    board = ProjectBoard.from_entries(ORIGIN, shuffled)
    assert build_statements(board, project=PROJECT, contract=CONTRACT) == expected
    assert log.statements() == expected


def test_every_row_and_headline_is_backed_by_entries_the_statement_lists() -> None:
    log = every_example_log()
    log.reverse(3)
    for statement in log.statements():
        shown = set(statement.entries)
        assert statement.entries == tuple(sorted(shown))
        for t in statement.tables:
            for row in t.rows:
                assert row.entry is None or row.entry in shown
                assert row.reversed_by is None or row.reversed_by in shown
                assert len(row.cells) == len(t.headers), t.title
            assert not t.footer or len(t.footer) == len(t.headers), t.title


def test_headline_totals_use_the_documented_keys_in_order() -> None:
    for statement in every_example_log().statements():
        keys = [total.key for total in statement.totals]
        documented = TOTAL_KEYS.get(statement.template, ())
        assert keys == [k for k in documented if k in keys]
        if statement.template != "commission-budget":
            assert keys == list(documented)
        assert all(type(total.fen) is int for total in statement.totals)


def test_a_body_missing_a_required_field_is_a_log_integrity_error() -> None:
    log = Log()
    body = example("CommonRevenueRecorded")
    del body["amount_fen"]
    index = log.add("CommonRevenueRecorded", body)
    with pytest.raises(
        LogIntegrityError,
        match=rf"entry {index} \(CommonRevenueRecorded\): body.amount_fen is missing",
    ):
        log.statements()


def test_a_malformed_business_date_is_a_log_integrity_error() -> None:
    log = Log()
    log.add("WorkLogged", example("WorkLogged", worked_on="2026-13-01"))
    with pytest.raises(LogIntegrityError, match=r"body\.worked_on"):
        log.statements()


@pytest.mark.parametrize(
    ("worked_on", "why"),
    [
        ("2026-02-30", "is not a date: '2026-02-30'"),
        ("2026-3-1", "is not a date: '2026-3-1'"),
        (20260301, "is not a date"),
    ],
)
def test_a_business_date_that_is_no_iso_date_is_a_log_integrity_error(
    worked_on: Any, why: str
) -> None:
    log = Log()
    index = log.add("WorkLogged", example("WorkLogged", worked_on=worked_on))
    with pytest.raises(LogIntegrityError) as caught:
        log.statements()
    assert f"entry {index} (WorkLogged): body.worked_on {why}" in str(caught.value)


@pytest.mark.parametrize(
    ("entry_type", "changes", "why"),
    [
        (
            "CommissionFundSpent",
            {"amount_fen": "29800.00"},
            "amount_fen is not an integer",
        ),
        ("CommissionFundSpent", {"description": 42}, "description is not text"),
        ("MaintenanceFundUsed", {"contractor": "某公司"}, "contractor.name is missing"),
    ],
)
def test_a_body_field_of_the_wrong_shape_is_a_log_integrity_error(
    entry_type: str, changes: dict[str, Any], why: str
) -> None:
    log = Log()
    index = log.add(entry_type, example(entry_type, **changes))
    with pytest.raises(LogIntegrityError) as caught:
        log.statements()
    assert f"entry {index} ({entry_type}): body.{why}" in str(caught.value)


def test_each_entry_is_dated_once_per_build(monkeypatch: pytest.MonkeyPatch) -> None:
    log = every_example_log()
    log.reverse(3)
    expected = log.statements()
    dated: list[int] = []

    def counting_business_date(entry: BoardEntry) -> date:
        dated.append(entry.index)
        return business_date(entry)

    monkeypatch.setattr(statements_module, "business_date", counting_business_date)
    assert log.statements() == expected
    assert sorted(dated) == sorted(set(dated))
    assert set(dated) <= {e.index for e in log.entries}


# --- reversals (红冲) ----------------------------------------------------------------
def test_a_reversed_entry_stays_marked_beside_its_reversal_and_totals_are_net() -> None:
    log = Log()
    kept = log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", amount_fen=86400, received_on="2026-01-31"),
    )
    wrong = log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", amount_fen=864000, received_on="2026-02-28"),
    )
    reversal = log.reverse(wrong, accepted="2026-03-02")
    fixed = log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", amount_fen=86400, received_on="2026-02-28"),
    )
    statement = log.of("common-revenue")["2026-Q1"]
    assert statement.total("gross_fen") == 86400 + 86400
    detail = table(statement, "收入明细")
    assert [(r.entry, r.reversed_by, r.reverses) for r in detail.rows] == [
        (kept, None, None),
        (wrong, reversal, None),
        (reversal, None, wrong),
        (fixed, None, None),
    ]
    reversal_row = detail.rows[2]
    assert reversal_row.cells[0].value == "2026-03-02"
    assert reversal_row.cells[3].value == f"红冲第 {wrong} 条：第 {wrong} 条录入错误"
    assert reversal_row.cells[2].value is None  # the reversal carries no amount
    assert detail.footer[2].value == 172800
    assert set(statement.entries) == {kept, wrong, reversal, fixed}


def test_an_entry_reversed_in_a_later_period_restates_its_own_period() -> None:
    log = Log()
    march = log.add(
        "CommissionFundSpent",
        example("CommissionFundSpent", spent_on="2026-03-10", amount_fen=50000),
    )
    april = log.add(
        "CommissionFundSpent",
        example("CommissionFundSpent", spent_on="2026-04-10", amount_fen=7000),
    )
    reversal = log.reverse(march, accepted="2026-08-20")  # posted in Q3
    statements = log.of("commission-fund")
    assert sorted(statements) == ["2026-Q1", "2026-Q2"]  # no Q3 statement
    q1 = statements["2026-Q1"]
    assert q1.total("spent_fen") == 0
    assert reversal in q1.entries
    assert [r.reverses for r in table(q1, "支出明细").rows] == [None, march]
    assert table(q1, "支出明细").rows[1].cells[0].value == "2026-08-20"
    assert statements["2026-Q2"].total("spent_fen") == 7000
    assert reversal not in statements["2026-Q2"].entries
    assert april in statements["2026-Q2"].entries


def test_a_period_whose_only_entry_is_reversed_still_shows_the_trail() -> None:
    log = Log()
    use = log.add("MaintenanceFundUsed", example("MaintenanceFundUsed"))
    log.reverse(use)
    statement = log.of("maintenance-fund")["2025"]
    assert statement.total("used_fen") == 0
    assert len(table(statement, "使用明细").rows) == 2


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**9),
            st.dates(
                min_value=__import__("datetime").date(2025, 1, 1),
                max_value=__import__("datetime").date(2026, 12, 31),
            ),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
@settings(max_examples=100, deadline=None)
def test_quarterly_gross_is_the_sum_of_the_live_amounts_received_in_the_quarter(
    records: list[tuple[int, Any, bool]],
) -> None:
    log = Log()
    for amount, day, _ in records:
        log.add(
            "CommonRevenueRecorded",
            example(
                "CommonRevenueRecorded", amount_fen=amount, received_on=day.isoformat()
            ),
        )
    for index, (_, _, reversed_) in enumerate(records):
        if reversed_:
            log.reverse(index)
    expected: dict[str, int] = {}
    for amount, day, reversed_ in records:
        key = period_of("quarter", day).key
        expected[key] = expected.get(key, 0) + (0 if reversed_ else amount)
    got = {key: s.total("gross_fen") for key, s in log.of("common-revenue").items()}
    assert got == expected


# --- T01 物业服务项目及人员信息公示表 --------------------------------------------------
def test_t01_shows_the_current_roster_assigned_minus_released() -> None:
    log = Log()
    zhang = log.add(
        "StaffAssigned", example("StaffAssigned", 0)
    )  # s-0012, customer-service
    li = log.add("StaffAssigned", example("StaffAssigned", 1))  # s-0047, order
    log.add("StaffReleased", example("StaffReleased", 0))  # s-0047 released 2024-12-31
    wang = log.add(
        "StaffAssigned",
        example(
            "StaffAssigned", 1, staff_id="s-0050", name="王强", assigned_on="2025-01-01"
        ),
    )
    statement = log.of("project-and-staff")["current"]
    roster = table(statement, "在岗人员")
    assert [r.entry for r in roster.rows] == [
        zhang,
        wang,
    ]  # by post: 客户服务, 秩序维护
    assert column(roster, "岗位") == ["客户服务", "秩序维护"]
    assert li in statement.entries
    counts = table(statement, "人员统计")
    assert values(counts) == [["客户服务", 1], ["秩序维护", 1]]
    assert counts.footer[1].value == 2
    assert statement.period == Period("current", "2024-05-06", "2025-01-01", "当前")


def test_t01_a_release_dated_before_a_reassignment_does_not_remove_it() -> None:
    log = Log()
    log.add("StaffAssigned", example("StaffAssigned", 1, assigned_on="2025-02-01"))
    log.add(
        "StaffReleased", example("StaffReleased", 0)
    )  # dated 2024-12-31, posted later
    roster = table(log.of("project-and-staff")["current"], "在岗人员")
    assert len(roster.rows) == 1


def test_t01_the_manager_is_the_latest_appointment_unless_released() -> None:
    log = Log()
    log.add("ManagerAppointed", example("ManagerAppointed", 1))  # 欧阳晓红 2023-01-01
    liu = log.add("ManagerAppointed", example("ManagerAppointed", 0))  # 刘洋 2024-03-01
    statement = log.of("project-and-staff")["current"]
    assert [r.entry for r in table(statement, "项目负责人").rows] == [liu]
    assert values(table(statement, "项目负责人"))[0][:3] == [
        "刘洋",
        "项目经理",
        "2024-03-01",
    ]

    log.add(
        "StaffReleased",
        example("StaffReleased", 0, staff_id="pm-liu-yang", released_on="2025-06-30"),
    )
    statement = log.of("project-and-staff")["current"]
    assert table(statement, "项目负责人").rows == ()
    assert any("刘洋" in note and "2025-06-30" in note for note in statement.notes)


def test_t01_the_profile_is_the_latest_live_declaration_else_the_registry() -> None:
    log = Log()
    log.add("StaffAssigned", example("StaffAssigned", 0))
    statement = log.of("project-and-staff")["current"]
    profile = table(statement, "项目基本信息")
    assert values(profile)[0] == ["项目名称", "和美花园"]
    assert all(row.entry is None for row in profile.rows)

    first = log.add("ProjectProfileDeclared", example("ProjectProfileDeclared", 0))
    second = log.add("ProjectProfileDeclared", example("ProjectProfileDeclared", 1))
    log.reverse(second)
    profile = table(log.of("project-and-staff")["current"], "项目基本信息")
    assert values(profile)[0] == ["项目名称", "锦江花园"]
    assert {row.entry for row in profile.rows} == {first}
    assert ["总户数（户）", 1386] in values(profile)
    trail = table(log.of("project-and-staff")["current"], "变更记录")
    assert [r.reverses for r in trail.rows].count(second) == 1


# --- T02 物业服务内容与收费标准公示表 --------------------------------------------------
def test_t02_shows_the_latest_declared_fee_schedule_and_standard() -> None:
    log = Log()
    later = log.add(
        "FeeScheduleDeclared", example("FeeScheduleDeclared", 1)
    )  # 2026-01-01
    log.add(
        "FeeScheduleDeclared", example("FeeScheduleDeclared", 0)
    )  # 2025-07-01, posted after
    log.add(
        "ServiceStandardDeclared", example("ServiceStandardDeclared", 0)
    )  # 2025-01-01
    statement = log.of("fee-schedule")["current"]
    fees = table(statement, "收费标准")
    assert values(fees) == [["小高层住宅", "小高层住宅", 185, None]]
    assert [r.entry for r in fees.rows] == [later]
    assert ["定价方式", "政府指导价"] in values(table(statement, "收费依据"))
    standard = table(statement, "服务标准")
    assert values(standard)[0] == [
        "清洁卫生",
        "楼道及电梯厅清扫",
        "每日1次",
        values(standard)[0][3],
    ]
    assert values(standard)[2][2] is None  # no frequency given
    assert [r.cells[0].value for r in table(statement, "历次声明").rows] == [
        "2025-01-01",
        "2025-07-01",
        "2026-01-01",
    ]


# --- T03 共有部分经营收益收支公示表 ----------------------------------------------------
def test_t03_quarter_with_monthly_rows_per_source_and_owner_share_destinations() -> (
    None
):
    log = Log()
    source = log.add(
        "RevenueSourceRegistered",
        example("RevenueSourceRegistered", 0),
        accepted="2025-12-01",
    )
    log.add(
        "RevenueSourceRegistered",
        example("RevenueSourceRegistered", 1),
        accepted="2025-12-01",
    )
    log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", 0, received_on="2026-01-31"),
    )  # lift 1,250,000
    log.add(
        "CommonRevenueRecorded",
        example("CommonRevenueRecorded", 1, received_on="2026-02-05"),
    )  # parking 386,500
    wrong = log.add(
        "CommonRevenueRecorded",
        example(
            "CommonRevenueRecorded", 1, received_on="2026-03-05", amount_fen=200000
        ),
    )
    log.reverse(wrong)
    log.add(
        "CommonRevenueCostDeducted",
        example("CommonRevenueCostDeducted", 0, incurred_on="2026-01-31"),
    )  # 75,000
    log.add(
        "CommonRevenueCostDeducted",
        example("CommonRevenueCostDeducted", 1, incurred_on="2026-03-10"),
    )  # 187,500
    log.add(
        "OwnerShareAllocated",
        example("OwnerShareAllocated", 0, allocated_on="2026-03-20", amount_fen=600000),
    )
    log.add(
        "OwnerShareAllocated",
        example(
            "OwnerShareAllocated",
            1,
            allocated_on="2026-03-25",
            amount_fen=100000,
            destination="offset-fees",
            explanation=None,
        ),
    )
    statements = log.of("common-revenue")
    assert sorted(statements) == ["2025-Q4", "2026-Q1"]
    q1 = statements["2026-Q1"]
    assert totals(q1) == {
        "gross_fen": 1636500,  # 1,250,000 + 386,500 (200,000 reversed)
        "costs_fen": 262500,  # 75,000 + 187,500
        "net_fen": 1374000,
        "owner_share_allocated_fen": 700000,
    }
    monthly = table(q1, "按月收支")
    assert values(monthly) == [
        ["2026年1月", 1250000, 75000, 1175000],
        ["2026年2月", 386500, 0, 386500],
        ["2026年3月", 0, 187500, -187500],
    ]
    assert [c.value for c in monthly.footer] == ["合计", 1636500, 262500, 1374000]
    by_source = table(q1, "按经营项目")
    assert column(by_source, "经营收入") == [1250000, 386500]
    assert column(by_source, "净收益") == [1250000 - 262500, 386500]
    assert column(by_source, "收益归属") == ["全体业主", "3 栋业主"]
    assert column(by_source, "约定管理分成") == [1500, 2000]
    assert source in q1.entries  # the registration the page names
    went = table(q1, "业主共有收益去向")
    assert values(went) == [
        ["转入专项维修资金", 600000],
        ["抵扣物业服务费", 100000],
        ["转入业主共有资金账户", 0],
        ["其他用途", 0],
    ]
    assert column(table(q1, "成本扣除明细"), "成本类别") == ["税费", "管理分成"]


# --- T04 酬金制物业服务资金收支公示表 --------------------------------------------------
def test_t04_totals_categories_and_the_owners_balance() -> None:
    log = Log()
    log.add(
        "CommissionFundCollected",
        example("CommissionFundCollected", 0, received_on="2026-01-15"),
    )  # 29,874,300
    log.add(
        "CommissionFundCollected",
        example("CommissionFundCollected", 1, received_on="2026-02-15"),
    )  # 3,100,000
    log.add(
        "CommissionFundSpent", example("CommissionFundSpent", 0, spent_on="2026-02-08")
    )  # cleaning 2,980,000
    log.add(
        "CommissionFundSpent", example("CommissionFundSpent", 1, spent_on="2026-03-12")
    )  # facilities 186,000
    log.add(
        "CommissionFundSpent",
        example("CommissionFundSpent", 0, spent_on="2026-03-20", amount_fen=20000),
    )  # cleaning
    log.add(
        "RemunerationDrawn", example("RemunerationDrawn", 0, drawn_on="2026-03-31")
    )  # 2,987,430
    statement = log.of("commission-fund")["2026-Q1"]
    assert totals(statement) == {
        "collected_fen": 32974300,
        "spent_fen": 3186000,
        "remuneration_fen": 2987430,
        "balance_fen": 32974300 - 3186000 - 2987430,  # 26,800,870
    }
    categories = table(statement, "资金支出（按成本类别）")
    assert len(categories.rows) == len(OPERATING_COST_CATEGORIES) == 9
    assert values(categories)[:3] == [
        ["管理服务人员工资社保福利", 0],
        ["共用部位共用设施设备日常运行维护", 186000],
        ["清洁卫生", 3000000],
    ]
    assert categories.footer[1].value == 3186000
    assert values(table(statement, "资金收入（按来源）")) == [
        ["物业服务费", 29874300],
        ["共有部分经营收益转入", 3100000],
        ["其他收入", 0],
    ]
    drawn = values(table(statement, "酬金提取明细"))
    assert drawn == [
        [
            "2026-03-31",
            "按比例提取",
            29874300,
            1000,
            2987430,
            "2025-01-01 至 2025-03-31",
        ]
    ]
    assert any("10.00%" in note for note in statement.notes)


# --- T05 酬金制资金年度预决算公示表 ----------------------------------------------------
def test_t05_compares_budget_and_accounts_per_category() -> None:
    log = Log()
    log.add("BudgetDeclared", example("BudgetDeclared", 0), accepted="2024-12-25")
    log.add("AccountsClosed", example("AccountsClosed", 0), accepted="2026-03-20")
    statement = log.of("commission-budget")["2025"]
    assert totals(statement) == {
        "budget_income_fen": 394320000,
        "budget_total_fen": 344500000,
        "budget_remuneration_fen": 36432000,
        "budget_balance_fen": 13388000,
        "actual_income_fen": 390014200,
        "actual_total_fen": 347990400,
        "actual_remuneration_fen": 35876420,
        "actual_balance_fen": 6147380,
    }
    spending = table(statement, "支出预决算")
    staff = values(spending)[0]
    # 187,230,000 − 186,000,000 = 1,230,000; 187,230,000 / 186,000,000 = 100.661 % → 10066 bp
    assert staff == ["管理服务人员工资社保福利", 186000000, 187230000, 1230000, 10066]
    assert values(spending)[-1] == ["经业主同意的其它费用", 0, 0, 0, None]
    assert [c.value for c in spending.footer] == [
        "合计",
        344500000,
        347990400,
        3490400,
        10101,
    ]
    summary = values(table(statement, "预决算汇总"))
    assert summary[2][:4] == ["物业服务酬金", 36432000, 35876420, -555580]


def test_t05_a_year_without_accounts_has_no_actual_figures() -> None:
    log = Log()
    log.add("BudgetDeclared", example("BudgetDeclared", 1))  # year 2026
    statement = log.of("commission-budget")["2026"]
    assert set(totals(statement)) == {
        "budget_income_fen",
        "budget_total_fen",
        "budget_remuneration_fen",
        "budget_balance_fen",
    }
    assert statement.total("budget_balance_fen") == -3100000
    assert "本年度决算尚未公开。" in statement.notes
    assert column(table(statement, "支出预决算"), "决算")[0] is None


def test_t05_the_year_field_places_the_statement_not_the_acceptance_date() -> None:
    log = Log()
    log.add(
        "AccountsClosed", example("AccountsClosed", 1), accepted="2025-03-15"
    )  # year 2024
    assert list(log.of("commission-budget")) == ["2024"]


# --- T06 包干制物业服务费用分类收支公示表 ----------------------------------------------
def test_t06_half_year_income_and_spending_by_category_with_statutory_tax() -> None:
    log = Log()
    log.add(
        "LumpSumIncomeRecorded",
        example("LumpSumIncomeRecorded", 0, received_on="2026-06-30"),
    )  # 41,250,000
    log.add(
        "LumpSumIncomeRecorded",
        example("LumpSumIncomeRecorded", 1, received_on="2026-03-31"),
    )  # 360,000
    log.add(
        "LumpSumSpendingRecorded",
        example("LumpSumSpendingRecorded", 0, spent_on="2026-01-10"),
    )  # 18,650,000
    log.add(
        "LumpSumSpendingRecorded",
        example("LumpSumSpendingRecorded", 1, spent_on="2026-04-15"),
    )  # 2,475,000
    log.add(
        "LumpSumSpendingRecorded",
        example("LumpSumSpendingRecorded", 2, spent_on="2026-07-18"),
    )  # next half
    statements = log.of("lump-sum-spending")
    assert sorted(statements) == ["2026-H1", "2026-H2"]
    h1 = statements["2026-H1"]
    assert totals(h1) == {
        "income_fen": 41610000,
        "spending_fen": 21125000,
        "balance_fen": 20485000,
    }
    categories = table(h1, "支出（按成本类别）")
    assert len(categories.rows) == 10
    assert values(categories)[-1] == ["法定税费", 2475000]
    assert statements["2026-H2"].total("spending_fen") == 96000


# --- T07 公共水电能耗及分摊公示表 ------------------------------------------------------
def _utility(utility: str, start: str, total_fen: int) -> dict[str, Any]:
    body = example("UtilityCostApportioned", 0 if utility == "electricity" else 1)
    body["billing_period"] = {"start": start, "end": start}
    body["total_fen"] = total_fen
    return body


def test_t07_monthly_totals_per_utility_and_apportioned_amounts() -> None:
    log = Log()
    log.add(
        "UtilityCostApportioned", example("UtilityCostApportioned", 0)
    )  # electricity 766,800
    log.add(
        "UtilityCostApportioned", example("UtilityCostApportioned", 1)
    )  # water 156,640
    statement = log.of("shared-utilities")["2025-03"]
    assert totals(statement) == {
        "water_total_fen": 156640,
        "electricity_total_fen": 766800,
        "total_fen": 923440,
    }
    assert values(table(statement, "按类别汇总")) == [
        ["公共用水", 356, "立方米", 156640],
        ["公共用电", 12780, "千瓦时", 766800],
    ]
    detail = table(statement, "分摊明细")
    assert column(detail, "分摊方式") == ["按户分摊", "按建筑面积分摊"]
    assert column(detail, "分摊基数") == ["96 户", "11,850 平方米"]
    assert column(detail, "每户或每平方米分摊") == [7988, 13]
    assert column(detail, "起止读数") == ["125,430 → 138,210", None]


# --- T08 专项维修资金使用公示表 --------------------------------------------------------
def test_t08_yearly_uses_by_completion_date() -> None:
    log = Log()
    log.add(
        "MaintenanceFundUsed", example("MaintenanceFundUsed", 0)
    )  # 68,500,000, 2025-06-28
    log.add(
        "MaintenanceFundUsed", example("MaintenanceFundUsed", 1)
    )  # 4,380,000, 2025-01-10
    log.add(
        "MaintenanceFundUsed",
        example("MaintenanceFundUsed", 1, completed_on="2026-01-03"),
    )
    statements = log.of("maintenance-fund")
    assert sorted(statements) == ["2025", "2026"]
    statement = statements["2025"]
    assert statement.total("used_fen") == 72880000
    assert values(table(statement, "按工程类别汇总")) == [
        ["大修", 0],
        ["中修", 0],
        ["更新改造", 68500000],
        ["应急维修", 4380000],
    ]
    detail = table(statement, "使用明细")
    assert column(detail, "竣工日期") == ["2025-01-10", "2025-06-28"]
    assert column(detail, "范围") == ["全小区", "2 栋"]


# --- T09 物业服务合同履行情况公示表 ----------------------------------------------------
def test_t09_report_with_satisfaction_and_work_logs_counted_by_kind() -> None:
    log = Log()
    report = log.add(
        "PerformanceReported", example("PerformanceReported", 0), accepted="2025-01-20"
    )  # 2024 H2
    log.add("WorkLogged", example("WorkLogged", 0))  # cleaning, 2 staff, 2024-11-18
    log.add("WorkLogged", example("WorkLogged", 0, worked_on="2024-12-01"))
    log.add("WorkLogged", example("WorkLogged", 1))  # repair, 1 staff
    gone = log.add("WorkLogged", example("WorkLogged", 1, worked_on="2024-12-02"))
    log.reverse(gone)
    log.add("WorkLogged", example("WorkLogged", 1, worked_on="2025-01-02"))  # 2025 H1
    statements = log.of("contract-performance")
    assert sorted(statements) == ["2024-H2", "2025-H1"]
    h2 = statements["2024-H2"]
    assert h2.totals == ()
    items = table(h2, "合同约定事项履行情况")
    assert column(items, "完成情况") == ["已完成", "部分完成", "未完成"]
    assert {r.entry for r in items.rows} == {report}
    satisfaction = dict(values(table(h2, "业主满意度")))
    assert (
        satisfaction["满意率（满意＋基本满意）"] == 9156
    )  # (604 + 231) / 912 = 91.557 %
    assert values(table(h2, "投诉处理")) == [
        ["收到投诉", 46],
        ["已办结", 43],
        ["办结率", 9348],
    ]
    work = table(h2, "现场作业汇总")
    assert values(work) == [
        ["清洁卫生", 2, 4],
        ["绿化养护", 0, 0],
        ["秩序维护", 0, 0],
        ["巡查巡检", 0, 0],
        ["维修", 1, 1],
        ["其他", 0, 0],
    ]
    assert [c.value for c in work.footer] == ["合计", 3, 5]
    assert gone in h2.entries
    assert any("红冲" in note for note in h2.notes)
    assert "本期合同履行情况报告尚未公开。" in statements["2025-H1"].notes


# --- T10 物业服务工作现场及设施维保公示表 ----------------------------------------------
def test_t10_monthly_work_with_the_facility_register_as_of_month_end() -> None:
    log = Log()
    lift = log.add(
        "FacilityRegistered", example("FacilityRegistered", 0), accepted="2024-10-08"
    )
    fire = log.add(
        "FacilityRegistered", example("FacilityRegistered", 1), accepted="2024-12-05"
    )
    log.add("WorkLogged", example("WorkLogged", 0))  # 2024-11-18
    log.add(
        "InspectionRecorded", example("InspectionRecorded", 0)
    )  # fire-main, 2024-11-05, 2 issues
    log.add("InspectionRecorded", example("InspectionRecorded", 1))  # 2024-11-18
    log.add("FacilityServiced", example("FacilityServiced", 0))  # lift, 2024-11-12
    statements = log.of("onsite-work")
    assert sorted(statements) == ["2024-10", "2024-11", "2024-12"]
    november = statements["2024-11"]
    register = table(november, "设施设备台账")
    assert register.title == "设施设备台账（截至 2024-11-30）"
    assert [r.entry for r in register.rows] == [
        lift
    ]  # fire-main is registered in December
    assert values(table(november, "本期概况")) == [
        ["现场作业记录", 1],
        ["巡查检查", 2],
        ["其中发现问题", 2],
        ["设施设备维保", 1],
        ["设施登记及变更", 0],
        ["在册设施设备（期末）", 1],
    ]
    inspections = table(november, "巡查检查记录")
    assert column(inspections, "设施") == ["消防自动报警及喷淋系统", None]
    assert column(inspections, "检查人")[1] == "本项目人员 s-0047"
    assert fire in november.entries  # named on the page
    assert column(table(november, "设施设备维保记录"), "设施") == ["1栋1号客梯"]
    assert column(table(november, "现场作业记录"), "时间") == ["08:00–10:30"]

    log.reverse(lift, accepted="2025-01-05")
    statements = log.of("onsite-work")
    assert table(statements["2024-11"], "设施设备台账").rows == ()
    trail = table(statements["2024-10"], "本期设施登记及变更")
    assert [(r.entry, r.reverses) for r in trail.rows][1][1] == lift


# --- T11 暖心物管实事亮牌公示表 --------------------------------------------------------
def test_t11_pledges_by_year_made_with_progress_fulfilment_and_lapse() -> None:
    log = Log()
    sheds = log.add("PledgeMade", example("PledgeMade", 0), accepted="2024-10-01")
    log.add(
        "PledgeMade",
        example("PledgeMade", 1, pledge_id="2024-roof-garden"),
        accepted="2024-10-02",
    )
    visits = log.add("PledgeMade", example("PledgeMade", 1), accepted="2024-12-20")
    log.add(
        "PledgeProgressed", example("PledgeProgressed", 0)
    )  # sheds 60 %, 2024-11-30
    log.add("PledgeFulfilled", example("PledgeFulfilled", 0))  # sheds, 2024-12-20
    log.add("PledgeLapsed", example("PledgeLapsed", 0))  # roof garden, 2024-10-31
    log.add(
        "PledgeProgressed", example("PledgeProgressed", 1), accepted="2025-01-05"
    )  # visits 0 %
    statements = log.of("warm-pledges")
    assert list(statements) == ["2024"]  # progress in 2025 follows the pledge's year
    pledges = table(statements["2024"], "承诺事项")
    assert column(pledges, "编号") == [
        "2024-charging-sheds",
        "2024-roof-garden",
        "2025-elderly-visit",
    ]
    assert column(pledges, "状态") == ["已兑现", "已逾期失效", "进行中"]
    assert column(pledges, "最新进度") == [10000, None, 0]
    assert column(pledges, "兑现或失效日期") == ["2024-12-20", "2024-10-31", None]
    assert [r.entry for r in pledges.rows] == [sheds, sheds + 1, visits]
    assert values(table(statements["2024"], "承诺统计")) == [
        ["进行中", 1],
        ["已兑现", 1],
        ["已逾期失效", 1],
    ]


def test_t11_a_reversed_fulfilment_reopens_the_pledge() -> None:
    log = Log()
    log.add("PledgeMade", example("PledgeMade", 0))
    done = log.add("PledgeFulfilled", example("PledgeFulfilled", 0))
    log.reverse(done)
    statement = log.of("warm-pledges")["2026"]
    assert column(table(statement, "承诺事项"), "状态") == ["进行中"]
    progress = table(statement, "进展记录")
    assert [
        (r.entry, r.reversed_by is not None, r.reverses) for r in progress.rows
    ] == [
        (done, True, None),
        (done + 1, False, done),
    ]


def test_t11_a_reversed_pledge_stays_marked_and_is_not_counted() -> None:
    log = Log()
    pledge = log.add("PledgeMade", example("PledgeMade", 1))
    reversal = log.reverse(pledge)
    statement = log.of("warm-pledges")["2026"]
    rows = table(statement, "承诺事项").rows
    assert [(r.entry, r.reversed_by, r.reverses) for r in rows] == [
        (pledge, reversal, None),
        (reversal, None, pledge),
    ]
    assert table(statement, "承诺统计").footer[1].value == 0


# --- T12 业主质疑及答复公示表 ----------------------------------------------------------
def test_t12_challenges_with_their_dates_and_status() -> None:
    log = Log()
    first = log.add(
        "ChallengeRaised", example("ChallengeRaised", 0)
    )  # q-2024-0031, 2024-11-20
    log.add("ChallengeRaised", example("ChallengeRaised", 1))  # q-2024-0032, 2024-11-21
    log.add(
        "ChallengeAnswered",
        example("ChallengeAnswered", 0),
        accepted="2024-11-21T02:00:00.000000Z",
    )
    log.add("ChallengeAnswered", example("ChallengeAnswered", 1), accepted="2024-11-26")
    log.add("ChallengeEscalated", example("ChallengeEscalated", 0))  # 2024-12-02
    log.add("ChallengeEscalated", example("ChallengeEscalated", 1))  # 0032, 2024-11-29
    log.add(
        "ChallengeClosed", example("ChallengeClosed", 0, closed_on="2025-01-03")
    )  # next year
    statements = log.of("challenges-and-replies")
    assert list(statements) == ["2024"]
    rows = values(table(statements["2024"], "质疑事项"))
    assert rows[0] == [
        "q-2024-0031",
        "10月电梯广告收入偏低",
        "收支公开",
        "线上",
        "2024-11-20",
        "2024-11-21",
        "2024-11-26",
        "2024-12-02",
        "2025-01-03",
        "已办结",
        "满意",
    ]
    assert rows[1][4:] == ["2024-11-21", None, None, "2024-11-29", None, "已升级", None]
    assert table(statements["2024"], "质疑事项").rows[0].entry == first
    counts = dict(values(table(statements["2024"], "质疑统计")))
    assert counts == {
        "质疑总数": 2,
        "待受理": 0,
        "已受理": 0,
        "已答复": 0,
        "已升级": 1,
        "已办结": 1,
        "曾升级处理": 2,
    }
    assert len(table(statements["2024"], "处理记录").rows) == 7


# --- names ---------------------------------------------------------------------------
#: (schema file, JSON path to the enum inside it) -> the ENUM_NAMES family that names it.
ENUM_FAMILIES = {
    ("accounts-closed", "properties/treatment"): "accounts_treatment",
    (
        "accounts-closed",
        "properties/income/items/properties/source",
    ): "commission_income_source",
    (
        "budget-declared",
        "properties/income/items/properties/source",
    ): "commission_income_source",
    ("commission-fund-collected", "properties/source"): "commission_income_source",
    ("challenge-answered", "properties/stage"): "challenge_stage",
    ("challenge-closed", "properties/closed_by"): "closed_by",
    ("challenge-closed", "properties/outcome"): "challenge_outcome",
    ("challenge-escalated", "properties/escalated_to"): "escalated_to",
    ("challenge-escalated", "properties/trigger"): "escalation_trigger",
    ("challenge-raised", "properties/channel"): "challenge_channel",
    ("challenge-raised", "properties/topic"): "challenge_topic",
    ("common-revenue-cost-deducted", "properties/kind"): "revenue_cost_kind",
    ("contract-bound", "properties/fee_model"): "fee_model",
    ("remuneration-drawn", "properties/basis"): "remuneration_basis",
    ("defs", "$defs/lump_sum_cost_category"): "cost_category",
    ("facility-registered", "properties/kind"): "facility_kind",
    ("facility-serviced", "properties/service_kind"): "service_kind",
    ("facility-serviced", "properties/result"): "facility_result",
    ("facility-serviced", "$defs/actor/properties/kind"): "actor_kind",
    ("inspection-recorded", "$defs/actor/properties/kind"): "actor_kind",
    ("defs", "$defs/operating_cost_category"): "cost_category",
    ("fee-schedule-declared", "properties/pricing_basis"): "pricing_basis",
    (
        "fee-schedule-declared",
        "properties/items/items/properties/building_type",
    ): "building_type",
    (
        "fee-schedule-declared",
        "properties/other_charges/items/properties/unit",
    ): "charge_unit",
    ("inspection-recorded", "properties/result"): "inspection_result",
    (
        "inspection-recorded",
        "properties/issues/items/properties/severity",
    ): "issue_severity",
    ("lump-sum-income-recorded", "properties/source"): "lump_sum_income_source",
    ("maintenance-fund-used", "properties/works_class"): "works_class",
    (
        "maintenance-fund-used",
        "properties/approval/properties/kind",
    ): "maintenance_approval",
    ("maintenance-fund-used", "properties/scope/properties/kind"): "maintenance_scope",
    ("owner-share-allocated", "properties/destination"): "owner_share_destination",
    (
        "performance-reported",
        "properties/items/items/properties/status",
    ): "performance_status",
    ("project-profile-declared", "properties/property_kinds/items"): "property_kind",
    ("revenue-source-registered", "properties/kind"): "revenue_source_kind",
    (
        "service-standard-declared",
        "properties/items/items/properties/area",
    ): "standard_area",
    (
        "service-standard-declared",
        "properties/items/items/properties/frequency/properties/per",
    ): "frequency_per",
    ("staff-assigned", "properties/post"): "staff_post",
    ("staff-assigned", "properties/employer/properties/kind"): "employer_kind",
    ("utility-cost-apportioned", "properties/utility"): "utility",
    ("utility-cost-apportioned", "properties/unit"): "utility_unit",
    ("utility-cost-apportioned", "properties/basis"): "utility_basis",
    ("work-logged", "properties/kind"): "work_kind",
}


#: Enums of template-feeding schemas that no statement shows.
NOT_SHOWN = {
    ("commission-fund-spent", "properties/repair_class"),  # only "routine" is allowed
    ("lump-sum-spending-recorded", "properties/repair_class"),
    ("performance-reported", "properties/half_year/properties/half"),  # 1 or 2
}


def _enum_paths(node: Any, path: tuple[str, ...] = ()) -> list[str]:
    """JSON paths of every enum outside conditionals (allOf/if/then)."""
    found: list[str] = []
    if isinstance(node, dict):
        if "enum" in node and not {"allOf", "if", "then", "oneOf"} & set(path):
            found.append("/".join(path))
        for key, value in node.items():
            found += _enum_paths(value, (*path, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            found += _enum_paths(value, (*path, str(position)))
    return found


def test_every_enum_of_a_template_feeding_schema_is_named_or_known_not_shown() -> None:
    schemas = {"defs"} | {
        schema_name(t).removesuffix(".v1.schema.json")
        for template in TEMPLATES
        for t in template.entry_types
    }
    found = {
        (schema, path)
        for schema in schemas
        for path in _enum_paths(
            json.loads(
                (ROOT / "schemas" / f"{schema}.v1.schema.json").read_text(
                    encoding="utf-8"
                )
            )
        )
    }
    assert found - set(ENUM_FAMILIES) - NOT_SHOWN == set()


def _schema_enum(schema: str, path: str) -> list[str]:
    node: Any = json.loads(
        (ROOT / "schemas" / f"{schema}.v1.schema.json").read_text(encoding="utf-8")
    )
    for part in path.split("/"):
        node = node[part]
    return list(node["enum"])


@pytest.mark.parametrize(("schema", "path"), sorted(ENUM_FAMILIES))
def test_every_schema_enum_value_a_page_shows_has_a_chinese_name(
    schema: str, path: str
) -> None:
    family = ENUM_NAMES[ENUM_FAMILIES[schema, path]]
    missing = [v for v in _schema_enum(schema, path) if v not in family]
    assert missing == []


def test_cost_categories_follow_article_eleven_plus_statutory_tax() -> None:
    assert _schema_enum("defs", "$defs/operating_cost_category") == list(
        OPERATING_COST_CATEGORIES
    )
    assert ENUM_NAMES["cost_category"]["owner-approved"] == "经业主同意的其它费用"
    assert ENUM_NAMES["cost_category"]["statutory-tax"] == "法定税费"
    assert all(name for family in ENUM_NAMES.values() for name in family.values())
