"""The twelve template statements (参考模板, SPEC §4–6): the model and its computation.

A :class:`Statement` is a generic, render-ready model — periods, tables of rows with
cells, headline totals — so that one HTML template can render all twelve, and an
auditor can recompute every total from the entries it lists. :func:`build_statements`
computes every statement of every template for every period in which the template has
entries, from a :class:`~domain.board.ProjectBoard`. It is pure and deterministic:
the same board gives the same list (sorted by template code, then period key).
:func:`periods_for` lists a template's periods; :func:`business_date` dates an entry.

Incremental publishing (SPEC §4: rebuilding after one new entry rewrites only the
files it affects)
    :func:`affected_periods` says which statements the entries appended since the
    last publish can change — exactly, or more, never fewer; ``build_statements(...,
    only=...)`` builds just those, each equal to the full build's; and
    :func:`list_statement_periods` lists every statement's period without building
    any, for the pages that link them. A build reads each entry's business date once.

Reversals (红冲, SPEC §3)
    A reversed entry's row stays, with ``reversed_by`` set, and the ``EntryReversed``
    shows as its own row (``reverses`` set, date and reason, no amount) right after it.
    Totals, summaries and counts exclude both. A reversal belongs to the period of the
    entry it cancels, whenever it was posted: correcting a March entry in May restates
    March (its page is rebuilt) and creates no May statement.

Which date puts an entry in a period
    The entry's own business date from its body (:data:`BUSINESS_DATE_FIELDS`), else
    the envelope's ``period.start``, else the date of the log's ``accepted_at``, all
    as dates in Asia/Shanghai (UTC+8; China has no daylight saving since 1991). Dates
    with an offset (``ChallengeRaised.received_at``) are converted to UTC+8 first.
    Per template:

    - T01 项目及人员信息, T02 服务内容与收费标准 — ``current``: one snapshot of the
      latest declared state (label 当前; start and end span the entries' dates).
      Current manager = the latest appointment (by appointed_on, then index) unless
      that person was released after it; current staff = assigned minus released,
      folded by date then index; current profile = latest by index; current fee
      schedule and service standards = latest by effective_from, then index.
    - T03 共有部分经营收益 — quarterly (``2026-Q1``): received_on, incurred_on,
      allocated_on; a RevenueSourceRegistered has no business date (the fallback).
    - T04 酬金制资金收支 — quarterly: received_on, spent_on, drawn_on.
    - T05 酬金制预决算 — yearly (``2026``): the body's ``year``.
    - T06 包干制分类收支 — half-yearly (``2026-H1``): received_on, spent_on.
    - T07 公共水电分摊 — monthly (``2026-03``): billing_period.start.
    - T08 专项维修资金 — yearly: completed_on (disclosure is due after completion).
    - T09 合同履行情况 — half-yearly: PerformanceReported's ``half_year``;
      WorkLogged by worked_on, aggregated by kind.
    - T10 现场作业及设施维保 — monthly: worked_on, inspected_on, serviced_on;
      FacilityRegistered by the fallback. The facility register (设施台账) in each
      month is the latest live declaration of every facility dated up to month end.
    - T11 实事亮牌 — yearly by the date the pledge was made (PledgeMade has no body
      date: the fallback); its progress, fulfilment and lapse follow the pledge.
    - T12 业主质疑及答复 — yearly by received_at of the ChallengeRaised; answers,
      escalations and closure follow the challenge.

Headline totals (:data:`TOTAL_KEYS`, integer fen, net of reversals)
    T03 ``gross_fen`` (Σ CommonRevenueRecorded), ``costs_fen`` (Σ
    CommonRevenueCostDeducted), ``net_fen`` (gross − costs),
    ``owner_share_allocated_fen`` (Σ OwnerShareAllocated). T04 ``collected_fen``,
    ``spent_fen``, ``remuneration_fen``, ``balance_fen`` (collected − spent −
    remuneration: the owners' surplus or deficit). T05 ``budget_income_fen``,
    ``budget_total_fen`` (budgeted spending), ``budget_remuneration_fen``,
    ``budget_balance_fen`` when a budget is declared; ``actual_income_fen``,
    ``actual_total_fen`` (spending in the final accounts), ``actual_remuneration_fen``,
    ``actual_balance_fen`` when the accounts are closed (never a made-up zero). T06
    ``income_fen``, ``spending_fen``, ``balance_fen``. T07 ``water_total_fen``,
    ``electricity_total_fen``, ``total_fen``. T08 ``used_fen``. T01, T02 and T09–T12
    carry no money: their counts are table cells of kind ``count``.

Every enumerated value a page shows is named in Chinese in :data:`ENUM_NAMES`; cost
categories follow 《物业服务收费管理办法》第十一条 (SPEC §5). Ratios are basis points,
rounded half up (:func:`domain.rules.round_half_up_div`). A body that lacks a field
its schema requires means the stored log contradicts its own validation: that raises
:class:`~domain.errors.LogIntegrityError` naming the entry and the field.
"""

from __future__ import annotations

import calendar
import functools
import operator
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Final, Literal

from domain.board import BoardEntry, ProjectBoard
from domain.catalogue import COLUMNS, ENTRY_TYPE_NAMES, TEMPLATE_BY_SLUG, TEMPLATES
from domain.errors import LogIntegrityError
from domain.registry import Contract, Project
from domain.rules import round_half_up_div

CellKind = Literal["text", "money", "date", "count", "ratio"]


@dataclass(frozen=True)
class Period:
    """A disclosure period: ``key`` like 2026-03, 2026-Q1, 2026-H1, 2026 or ``current``."""

    key: str
    start: str  # ISO date, inclusive
    end: str  # ISO date, inclusive
    label: str  # Chinese, e.g. 2026年第一季度


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell. ``value`` is text, fen (money), an ISO date, a count or bp."""

    kind: CellKind
    value: str | int | None


@dataclass(frozen=True, slots=True)
class Row:
    """A table row; ``entry`` is the index of the entry it shows, if it shows one."""

    cells: tuple[Cell, ...]
    entry: int | None = None
    reversed_by: int | None = None  # index of the EntryReversed that cancels this row
    reverses: int | None = None  # for a reversal row: the index it cancels


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    footer: tuple[Cell, ...] = ()  # e.g. a totals row, aligned with headers


@dataclass(frozen=True)
class Total:
    """A headline figure: ``key`` is stable (for tests and charts), ``label`` Chinese."""

    key: str
    label: str
    fen: int


@dataclass(frozen=True)
class Statement:
    """One template's statement for one project and period."""

    template: str  # template slug, e.g. common-revenue
    code: str  # T01 … T12
    title: str  # the template's Chinese name
    project_id: str
    period: Period
    tables: tuple[Table, ...]
    totals: tuple[Total, ...] = ()
    entries: tuple[int, ...] = ()  # every entry index the page shows (to verify)
    notes: tuple[str, ...] = field(default=())

    def total(self, key: str) -> int:
        for total in self.totals:
            if total.key == key:
                return total.fen
        raise KeyError(key)  # programming error: tests ask for known keys

    @property
    def slug(self) -> str:
        """The page's file name stem: ``<template>/<period key>``."""
        return f"{self.template}/{self.period.key}"


# =====================================================================================
# Catalogue data: cadences, headline keys, Chinese names (renamable, as data)
# =====================================================================================

Cadence = Literal["current", "month", "quarter", "half", "year"]

#: Disclosure cadence of each template (SPEC §6).
CADENCES: Final[dict[str, Cadence]] = {
    "project-and-staff": "current",
    "fee-schedule": "current",
    "common-revenue": "quarter",
    "commission-fund": "quarter",
    "commission-budget": "year",
    "lump-sum-spending": "half",
    "shared-utilities": "month",
    "maintenance-fund": "year",
    "contract-performance": "half",
    "onsite-work": "month",
    "warm-pledges": "year",
    "challenges-and-replies": "year",
}

#: The headline :class:`Total` keys of each template, in page order (see docstring).
TOTAL_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "common-revenue": (
        "gross_fen",
        "costs_fen",
        "net_fen",
        "owner_share_allocated_fen",
    ),
    "commission-fund": (
        "collected_fen",
        "spent_fen",
        "remuneration_fen",
        "balance_fen",
    ),
    "commission-budget": (
        "budget_income_fen",
        "budget_total_fen",
        "budget_remuneration_fen",
        "budget_balance_fen",
        "actual_income_fen",
        "actual_total_fen",
        "actual_remuneration_fen",
        "actual_balance_fen",
    ),
    "lump-sum-spending": ("income_fen", "spending_fen", "balance_fen"),
    "shared-utilities": ("water_total_fen", "electricity_total_fen", "total_fen"),
    "maintenance-fund": ("used_fen",),
}

#: The body field (dotted path) holding each entry type's business date.
BUSINESS_DATE_FIELDS: Final[dict[str, str]] = {
    "ManagerAppointed": "appointed_on",
    "StaffAssigned": "assigned_on",
    "StaffReleased": "released_on",
    "FeeScheduleDeclared": "effective_from",
    "ServiceStandardDeclared": "effective_from",
    "CommonRevenueRecorded": "received_on",
    "CommonRevenueCostDeducted": "incurred_on",
    "OwnerShareAllocated": "allocated_on",
    "CommissionFundCollected": "received_on",
    "CommissionFundSpent": "spent_on",
    "RemunerationDrawn": "drawn_on",
    "LumpSumIncomeRecorded": "received_on",
    "LumpSumSpendingRecorded": "spent_on",
    "UtilityCostApportioned": "billing_period.start",
    "MaintenanceFundUsed": "completed_on",
    "WorkLogged": "worked_on",
    "InspectionRecorded": "inspected_on",
    "FacilityServiced": "serviced_on",
    "PledgeProgressed": "as_of",  # optional: the fallback applies without it
    "PledgeFulfilled": "fulfilled_on",
    "PledgeLapsed": "lapsed_on",
    "ChallengeRaised": "received_at",  # a datetime with offset, read in UTC+8
    "ChallengeEscalated": "escalated_on",
    "ChallengeClosed": "closed_on",
    "NoticePosted": "valid_from",
    "ContractSigned": "signed_on",
    "ContractAmended": "effective_on",
    "DocumentFiled": "document_date",  # optional
    # BudgetDeclared / AccountsClosed: 1 January of ``year`` (or period.start);
    # PerformanceReported: the first day of its ``half_year``.
}

#: The 9 operating cost categories of 《物业服务收费管理办法》第十一条 (SPEC §5).
OPERATING_COST_CATEGORIES: Final[tuple[str, ...]] = (
    "staff",
    "common-facilities",
    "cleaning",
    "greening",
    "order",
    "office",
    "depreciation",
    "insurance",
    "owner-approved",
)

#: 包干制 spending adds statutory taxes to the operating cost categories.
LUMP_SUM_COST_CATEGORIES: Final[tuple[str, ...]] = (
    *OPERATING_COST_CATEGORIES,
    "statutory-tax",
)

#: Chinese names of every enumerated value a statement shows: family -> value -> name.
#: Values come from the entry schemas (and, for the ``*_status`` families, from here).
ENUM_NAMES: Final[dict[str, dict[str, str]]] = {
    "cost_category": {
        "staff": "管理服务人员工资社保福利",
        "common-facilities": "共用部位共用设施设备日常运行维护",
        "cleaning": "清洁卫生",
        "greening": "绿化养护",
        "order": "秩序维护",
        "office": "办公",
        "depreciation": "固定资产折旧",
        "insurance": "共用部位设施设备及公众责任保险",
        "owner-approved": "经业主同意的其它费用",
        "statutory-tax": "法定税费",
    },
    "revenue_source_kind": {
        "lift-advert": "电梯广告",
        "parking": "停车场地",
        "venue": "场地租赁",
        "telecom-site": "通信基站",
        "express-locker": "快递柜",
        "other": "其他",
    },
    "revenue_cost_kind": {
        "tax": "税费",
        "labour": "人工",
        "energy": "能耗",
        "management-share": "管理分成",
        "other": "其他",
    },
    "owner_scope": {"estate": "全体业主", "building": "单栋业主"},
    "owner_share_destination": {
        "maintenance-fund": "转入专项维修资金",
        "offset-fees": "抵扣物业服务费",
        "owners-committee-account": "转入业主共有资金账户",
        "other": "其他用途",
    },
    "commission_income_source": {
        "property-fee": "物业服务费",
        "common-revenue-transfer": "共有部分经营收益转入",
        "other": "其他收入",
    },
    "lump_sum_income_source": {
        "property-fee": "物业服务费",
        "parking-service-fee": "停车服务费",
        "other-service-fee": "其他服务费",
        "management-share": "经营收益管理分成",
        "other": "其他收入",
    },
    "remuneration_basis": {"ratio": "按比例提取", "fixed": "固定金额"},
    "fee_model": {"lump_sum": "包干制", "commission": "酬金制"},
    "accounts_treatment": {
        "carried-forward": "结转下年度",
        "refunded": "退还业主",
        "maintenance-fund": "转入专项维修资金",
        "other": "其他",
    },
    "utility": {"water": "公共用水", "electricity": "公共用电"},
    "utility_unit": {"kWh": "千瓦时", "m3": "立方米"},
    "utility_basis": {"per-household": "按户分摊", "per-m2": "按建筑面积分摊"},
    "works_class": {
        "major-repair": "大修",
        "medium-repair": "中修",
        "renewal": "更新改造",
        "emergency": "应急维修",
    },
    "maintenance_approval": {
        "owners-vote": "业主共同决定",
        "emergency-procedure": "应急使用程序",
    },
    "maintenance_scope": {"estate": "全小区", "buildings": "部分楼栋"},
    "performance_status": {
        "done": "已完成",
        "partly": "部分完成",
        "not-done": "未完成",
    },
    "work_kind": {
        "cleaning": "清洁卫生",
        "greening": "绿化养护",
        "order": "秩序维护",
        "patrol": "巡查巡检",
        "repair": "维修",
        "other": "其他",
    },
    "inspection_result": {"pass": "合格", "issues-found": "发现问题", "fail": "不合格"},
    "issue_severity": {"minor": "一般", "major": "较重", "critical": "严重"},
    "facility_kind": {
        "lift": "电梯",
        "fire-protection": "消防设施",
        "water-supply": "供水设施",
        "power": "供配电设施",
        "access-control": "门禁系统",
        "cctv": "视频监控",
        "other": "其他",
    },
    "service_kind": {
        "routine-maintenance": "日常维保",
        "repair": "维修",
        "statutory-inspection": "法定检验",
        "emergency": "应急抢修",
    },
    "facility_result": {
        "in-service": "正常使用",
        "restricted": "限制使用",
        "out-of-service": "停用",
    },
    "actor_kind": {"staff": "本项目人员", "organisation": "单位"},
    "pledge_status": {"open": "进行中", "fulfilled": "已兑现", "lapsed": "已逾期失效"},
    "challenge_channel": {"online": "线上", "desk": "服务中心窗口", "phone": "电话"},
    "challenge_topic": {**COLUMNS, "other": "其他"},
    "challenge_stage": {"acknowledgement": "受理回执", "answer": "正式答复"},
    "escalated_to": {
        "owners-committee": "业主委员会",
        "street-office": "街道办事处",
        "association": "物业管理协会",
        "housing-authority": "住房城乡建设主管部门",
    },
    "escalation_trigger": {
        "owner-request": "业主要求",
        "answer-overdue": "答复逾期",
        "firm-referral": "企业主动提请",
    },
    "closed_by": {
        "owner": "业主确认",
        "firm-after-timeout": "业主逾期未回复，企业关闭",
        "authority": "主管部门处理完结",
    },
    "challenge_outcome": {
        "satisfied": "满意",
        "unsatisfied": "不满意",
        "withdrawn": "撤回",
    },
    "challenge_status": {
        "raised": "待受理",
        "acknowledged": "已受理",
        "answered": "已答复",
        "escalated": "已升级",
        "closed": "已办结",
    },
    "staff_post": {
        "management": "管理",
        "customer-service": "客户服务",
        "engineering": "工程维修",
        "order": "秩序维护",
        "cleaning": "清洁",
        "greening": "绿化",
        "other": "其他",
    },
    "employer_kind": {"in-house": "本企业", "subcontractor": "专业分包单位"},
    "property_kind": {
        "residential": "住宅",
        "commercial": "商业",
        "office": "办公",
        "parking": "停车场",
        "other": "其他",
    },
    "building_type": {
        "high-rise": "高层住宅",
        "mid-high-rise": "小高层住宅",
        "multi-storey": "多层住宅",
        "villa": "别墅",
        "commercial": "商业用房",
        "office": "办公用房",
        "other": "其他",
    },
    "pricing_basis": {
        "government-guided": "政府指导价",
        "market-regulated": "市场调节价",
    },
    "charge_unit": {
        "per-space-month": "元/个·月",
        "per-household-month": "元/户·月",
        "per-month": "元/月",
        "per-use": "元/次",
        "per-year": "元/年",
    },
    "standard_area": {
        "cleaning": "清洁卫生",
        "greening": "绿化养护",
        "order": "秩序维护",
        "facilities": "设施设备",
        "customer-service": "客户服务",
        "other": "其他",
    },
    "frequency_per": {
        "day": "日",
        "week": "周",
        "month": "月",
        "quarter": "季度",
        "half-year": "半年",
        "year": "年",
    },
}


def zh(family: str, value: str) -> str:
    """The Chinese name of ``value`` in ``family`` (:data:`ENUM_NAMES`).

    A value without a name is shown as it is (a test keeps every schema enum named).
    """
    return ENUM_NAMES.get(family, {}).get(value, value)


# =====================================================================================
# Dates and periods
# =====================================================================================

#: Asia/Shanghai as a fixed offset (China has had no daylight saving since 1991).
CHINA_TIME: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_CHINA_OFFSET: Final = timedelta(hours=8)

_QUARTER_NAMES: Final = ("第一季度", "第二季度", "第三季度", "第四季度")
_HALF_NAMES: Final = ("上半年", "下半年")


def month_period(year: int, month: int) -> Period:
    """``2026-03``: 2026年3月."""
    start, end = date(year, month, 1), _month_end(year, month)
    label = f"{year}年{month}月"
    return Period(f"{year:04d}-{month:02d}", start.isoformat(), end.isoformat(), label)


def quarter_period(year: int, quarter: int) -> Period:
    """``2026-Q1``: 2026年第一季度."""
    start, end = date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    label = f"{year}年{_QUARTER_NAMES[quarter - 1]}"
    return Period(f"{year:04d}-Q{quarter}", start.isoformat(), end.isoformat(), label)


def half_period(year: int, half: int) -> Period:
    """``2026-H1``: 2026年上半年."""
    start, end = date(year, 6 * half - 5, 1), _month_end(year, 6 * half)
    label = f"{year}年{_HALF_NAMES[half - 1]}"
    return Period(f"{year:04d}-H{half}", start.isoformat(), end.isoformat(), label)


def year_period(year: int) -> Period:
    """``2026``: 2026年度."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return Period(f"{year:04d}", start.isoformat(), end.isoformat(), f"{year}年度")


def current_period(days: Iterable[date]) -> Period:
    """The ``current`` snapshot (当前), spanning the dates of the entries it shows."""
    ordered = sorted(days)
    if not ordered:
        raise ValueError("a current period needs a date")  # programming error
    return Period("current", ordered[0].isoformat(), ordered[-1].isoformat(), "当前")


def period_of(cadence: Cadence, day: date) -> Period:
    """The period of ``cadence`` that contains ``day`` (not for ``current``)."""
    if cadence == "month":
        return month_period(day.year, day.month)
    if cadence == "quarter":
        return quarter_period(day.year, (day.month - 1) // 3 + 1)
    if cadence == "half":
        return half_period(day.year, 1 if day.month <= 6 else 2)
    if cadence == "year":
        return year_period(day.year)
    raise ValueError("use current_period for current")  # programming error


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def accepted_date(entry: BoardEntry) -> date:
    """The date, in UTC+8, on which the log accepted ``entry``."""
    return _china_date(entry, entry.accepted_at, "accepted_at")


def business_date(entry: BoardEntry) -> date:
    """The date that places ``entry`` in a period (see the module docstring).

    The body's own date, else the envelope's ``period.start``, else
    :func:`accepted_date`.
    """
    path = _PLAIN_DATE_FIELDS.get(entry.entry_type)
    if path is not None:  # the common case, first: a well-formed body date
        value = _lookup(entry.body, path)
        if type(value) is str and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass  # _own_date says what is wrong with it
    own = _own_date(entry)
    if own is not None:
        return own
    if entry.period is not None and isinstance(entry.period.get("start"), str):
        return _iso_date(entry, entry.period["start"], "period.start")
    return accepted_date(entry)


#: The types whose business date is an ISO date at a body path.
_PLAIN_DATE_FIELDS: Final = {
    kind: path
    for kind, path in BUSINESS_DATE_FIELDS.items()
    if kind != "ChallengeRaised"
}


def _own_date(entry: BoardEntry) -> date | None:
    kind = entry.entry_type
    if kind in ("BudgetDeclared", "AccountsClosed"):
        period = entry.body.get("period")
        if isinstance(period, Mapping) and isinstance(period.get("start"), str):
            return _iso_date(entry, period["start"], "body.period.start")
        return date(_year(entry), 1, 1)
    if kind == "PerformanceReported":
        year, half = _half_year(entry)
        return date(year, 6 * half - 5, 1)
    path = BUSINESS_DATE_FIELDS.get(kind)
    if path is None:
        return None
    value = _lookup(entry.body, path)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _integrity(entry, f"body.{path}", "不是日期", "is not a date")
    if kind == "ChallengeRaised":
        return _china_date(entry, value, f"body.{path}")
    return _iso_date(entry, value, f"body.{path}")


def _iso_date(entry: BoardEntry, value: str, where: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise _integrity(
            entry, where, f"不是日期：{value!r}", f"is not a date: {value!r}"
        ) from None


def _china_date(entry: BoardEntry, value: str, where: str) -> date:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _integrity(
            entry, where, f"不是时间：{value!r}", "is not a time"
        ) from None
    if moment.tzinfo is None:
        return moment.date()  # a local time is already China time
    return moment.astimezone(CHINA_TIME).date()


# =====================================================================================
# Reading bodies (validated at ingest; a missing field is a log-integrity failure)
# =====================================================================================


def _lookup(body: Mapping[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in ``body``, or None where any step is missing."""
    if type(body) is dict and "." not in path:  # the common case, first
        return body.get(path)
    value: Any = body
    for part in _path_parts(path):
        if type(value) is dict:  # the JSON bodies: skip the ABC check
            value = value.get(part)
            if value is None:
                return None
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return None
    return value


@functools.lru_cache(maxsize=512)
def _path_parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def _integrity(
    entry: BoardEntry, path: str, why_zh: str, why_en: str
) -> LogIntegrityError:
    """The stored entry lacks what its schema guaranteed at ingest."""
    return LogIntegrityError(
        f"第 {entry.index} 条（{entry.entry_type}）的 {path} {why_zh} / "
        f"entry {entry.index} ({entry.entry_type}): {path} {why_en}",
        context={"index": entry.index, "field": path},
    )


def _missing(entry: BoardEntry, path: str) -> LogIntegrityError:
    return _integrity(entry, f"body.{path}", "缺失", "is missing")


def _text(entry: BoardEntry, path: str) -> str:
    value = _lookup(entry.body, path)
    if isinstance(value, str):
        return value
    if value is None:
        raise _missing(entry, path)
    raise _integrity(entry, f"body.{path}", "不是文字", "is not text")


def _opt_text(entry: BoardEntry, path: str) -> str | None:
    value = _lookup(entry.body, path)
    return value if isinstance(value, str) else None


def _int(entry: BoardEntry, path: str) -> int:
    value = _lookup(entry.body, path)
    if type(value) is int:
        return value
    if value is None:
        raise _missing(entry, path)
    raise _integrity(entry, f"body.{path}", "不是整数", "is not an integer")


def _opt_int(entry: BoardEntry, path: str) -> int | None:
    value = _lookup(entry.body, path)
    return value if type(value) is int else None


def _list(entry: BoardEntry, path: str) -> list[Any]:
    value = _lookup(entry.body, path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _integrity(entry, f"body.{path}", "不是列表", "is not a list")
    return value


def _lines(entry: BoardEntry, path: str, key: str) -> list[tuple[str, int]]:
    """``[(key, amount_fen), …]`` of a budget or accounts list."""
    lines: list[tuple[str, int]] = []
    for position, line in enumerate(_list(entry, path)):
        name = line.get(key) if isinstance(line, Mapping) else None
        amount = line.get("amount_fen") if isinstance(line, Mapping) else None
        if not isinstance(name, str) or type(amount) is not int:
            raise _integrity(
                entry, f"body.{path}[{position}]", "不完整", "is incomplete"
            )
        lines.append((name, amount))
    return lines


def _year(entry: BoardEntry) -> int:
    text = _text(entry, "year")
    if not (len(text) == 4 and text.isdigit()):
        raise _integrity(entry, "body.year", "不是年份", "is not a year")
    return int(text)


def _half_year(entry: BoardEntry) -> tuple[int, int]:
    year, half = _int(entry, "half_year.year"), _int(entry, "half_year.half")
    if half not in (1, 2) or not 1 <= year <= 9999:
        raise _integrity(entry, "body.half_year", "不是半年度", "is not a half year")
    return year, half


def _reverses(entry: BoardEntry) -> int | None:
    if entry.entry_type != "EntryReversed":
        return None
    return _int(entry, "target.index")


# =====================================================================================
# Assigning entries to periods
# =====================================================================================


class _Dates:
    """Business dates by entry index, each worked out once.

    One instance serves one board (indices are unique in a log), for the length of
    one build: :func:`business_date` is the costliest read of an entry, and a build
    asks for most entries' dates several times (period, order, cells).
    """

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[int, date] = {}

    def of(self, entry: BoardEntry) -> date:
        known = self._known.get(entry.index)
        if known is None:
            known = self._known[entry.index] = business_date(entry)
        return known

    def order(self, entry: BoardEntry) -> tuple[date, int]:
        """The order of trails and folds: business date, then index."""
        return self.of(entry), entry.index


_INDEX: Final = operator.attrgetter("index")


@dataclass(frozen=True)
class _Feed:
    """A template's entries (with reversals), in index order, reversals linked.

    ``by_type`` and the memo of :func:`_latest_by_id` are worked out once per feed,
    so that a builder's per-period reads cost its share, not the whole feed again.
    """

    entries: tuple[BoardEntry, ...]
    reversal_of: Mapping[int, BoardEntry]  # target index -> its EntryReversed
    dates: _Dates = field(default_factory=_Dates, compare=False, repr=False)
    by_type: Mapping[str, tuple[BoardEntry, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _latest: dict[tuple[str, str, bool], dict[str, BoardEntry]] = field(
        default_factory=dict, compare=False, repr=False
    )
    rows: dict[tuple[str, int], Row] = field(
        default_factory=dict, compare=False, repr=False
    )  # rows that read one entry only, made once: (table, entry index) -> row

    @classmethod
    def of(cls, entries: Iterable[BoardEntry], dates: _Dates | None = None) -> _Feed:
        ordered = tuple(sorted(entries, key=_INDEX))
        reversal_of: dict[int, BoardEntry] = {}
        by_type: dict[str, list[BoardEntry]] = {}
        for entry in ordered:
            by_type.setdefault(entry.entry_type, []).append(entry)
            if entry.entry_type == "EntryReversed":
                reversal_of.setdefault(_int(entry, "target.index"), entry)
        return cls(
            ordered,
            reversal_of,
            _Dates() if dates is None else dates,
            {kind: tuple(group) for kind, group in by_type.items()},
        )

    def reversed_by(self, entry: BoardEntry) -> int | None:
        if entry.reversed_by is not None:
            return entry.reversed_by
        reversal = self.reversal_of.get(entry.index)
        return None if reversal is None else reversal.index

    def live(self, entry: BoardEntry) -> bool:
        """Neither reversed nor a reversal: it counts."""
        return entry.entry_type != "EntryReversed" and self.reversed_by(entry) is None

    def of_type(self, *types: str) -> list[BoardEntry]:
        """The feed's entries of ``types``, in index order."""
        if len(types) == 1:
            return list(self.by_type.get(types[0], ()))
        chosen = [
            e for kind in dict.fromkeys(types) for e in self.by_type.get(kind, ())
        ]
        chosen.sort(key=_INDEX)
        return chosen

    def live_of_type(self, *types: str) -> list[BoardEntry]:
        return [e for e in self.of_type(*types) if self.live(e)]


def _latest_by_id(
    feed: _Feed, entry_type: str, id_field: str, *, live_only: bool = True
) -> dict[str, BoardEntry]:
    """The latest (by index) entry of ``entry_type`` for each id (a fresh dict)."""
    memo = (entry_type, id_field, live_only)
    latest = feed._latest.get(memo)
    if latest is None:
        latest = {}
        for entry in feed.by_type.get(entry_type, ()):
            if live_only and not feed.live(entry):
                continue
            latest[_text(entry, id_field)] = entry
        feed._latest[memo] = latest
    return dict(latest)


_FOLLOWS: Final[dict[str, tuple[str, str, tuple[str, ...]]]] = {
    # template: (opening type, id field, types that follow the opening entry's period)
    "warm-pledges": (
        "PledgeMade",
        "pledge_id",
        ("PledgeProgressed", "PledgeFulfilled", "PledgeLapsed"),
    ),
    "challenges-and-replies": (
        "ChallengeRaised",
        "challenge_id",
        ("ChallengeAnswered", "ChallengeEscalated", "ChallengeClosed"),
    ),
}


@functools.lru_cache(maxsize=4096)
def _period_of_month(cadence: Cadence, year: int, month: int) -> Period:
    return period_of(cadence, date(year, month, 1))


def _period_of_day(cadence: Cadence, day: date) -> Period:
    """:func:`period_of`, one shared (frozen) :class:`Period` per month and cadence."""
    return _period_of_month(cadence, day.year, day.month)


def _assign(slug: str, feed: _Feed) -> dict[int, Period]:
    """Entry index -> the period of ``slug`` it belongs to (module docstring)."""
    cadence = CADENCES[slug]
    day = feed.dates.of
    if cadence == "current":
        if not feed.entries:
            return {}
        period = current_period(day(e) for e in feed.entries)
        return {e.index: period for e in feed.entries}
    parent_of = _parent_finder(slug, feed)
    assigned: dict[int, Period] = {}
    reversals: list[tuple[BoardEntry, int]] = []
    for entry in feed.entries:
        kind = entry.entry_type
        if kind == "EntryReversed":
            reversals.append((entry, _int(entry, "target.index")))
        elif kind in ("BudgetDeclared", "AccountsClosed"):
            assigned[entry.index] = year_period(_year(entry))
        elif kind == "PerformanceReported":
            assigned[entry.index] = half_period(*_half_year(entry))
        else:
            anchor = parent_of(entry) or entry
            assigned[entry.index] = _period_of_day(cadence, day(anchor))
    for entry, target in reversals:
        if target in assigned:
            assigned[entry.index] = assigned[target]
        else:  # the target is not on this board: the reversal stands on its own date
            assigned[entry.index] = _period_of_day(cadence, day(entry))
    return assigned


def _parent_finder(slug: str, feed: _Feed) -> Callable[[BoardEntry], BoardEntry | None]:
    """For T11/T12: the entry that opened a pledge or challenge, for its follow-ups.

    The latest live opening entry of that id, else the latest one; None for an
    entry that follows nothing, or whose id was never opened.
    """
    if slug not in _FOLLOWS:
        return lambda entry: None
    opening, id_field, following = _FOLLOWS[slug]
    opened = _latest_by_id(feed, opening, id_field, live_only=False)
    opened.update(_latest_by_id(feed, opening, id_field))

    def parent_of(entry: BoardEntry) -> BoardEntry | None:
        if entry.entry_type not in following:
            return None
        return opened.get(_text(entry, id_field))

    return parent_of


def _periods(assigned: Mapping[int, Period]) -> list[Period]:
    """The distinct periods of an assignment, by key."""
    return sorted({p.key: p for p in assigned.values()}.values(), key=lambda p: p.key)


def periods_for(template_slug: str, entries: Iterable[BoardEntry]) -> list[Period]:
    """The periods of ``template_slug`` in which ``entries`` (its feed) have entries.

    ``entries`` is what :meth:`ProjectBoard.template` returns: the template's entries
    with their reversals. Sorted by period key.
    """
    return _periods(_assign(template_slug, _Feed.of(entries)))


def list_statement_periods(board: ProjectBoard) -> dict[str, list[Period]]:
    """Template slug -> the periods :func:`build_statements` gives it, in its order.

    Templates in code order, periods by key; a template without entries is left out
    (the full build has no statement of it). It assigns entries to periods and
    builds no statement, so the board page can link every statement cheaply.
    """
    dates = _Dates()
    feeds = _template_feeds(board, None)
    listed: dict[str, list[Period]] = {}
    for template in _BY_CODE:
        feed = _Feed.of(feeds[template.slug], dates)
        if feed.entries:
            listed[template.slug] = _periods(_assign(template.slug, feed))
    return listed


# =====================================================================================
# What a new entry can change (incremental publishing, SPEC §4)
# =====================================================================================

_KnockOn = Callable[[_Feed, Mapping[int, Period], Sequence[BoardEntry]], set[str]]


def affected_periods(
    board: ProjectBoard, new_indices: Collection[int]
) -> dict[str, set[str]]:
    """Template slug -> keys of the periods whose statement the new entries can change.

    ``board`` holds the entries at ``new_indices`` (appended since the last publish)
    and everything before them; the result is exact or errs on the side of more
    periods, never fewer, so a publisher that re-renders just these statements (and
    keeps the others) publishes what a full build would. The rules:

    - each new entry marks its own period in every template it feeds; a 红冲 marks
      the period of the entry it cancels, in every template that entry feeds (the
      cancelled entry is marked as if it were new: it changed too);
    - T01/T02 have one period, ``current``;
    - T03: a RevenueSourceRegistered (new or cancelled) names its source in every
      period with an entry of that ``source_id``;
    - T10: a FacilityRegistered (new or cancelled) is in the register (设施台账) of
      its month and every later month, and names the facility wherever an entry
      refers to its ``facility_id``;
    - T11/T12: a PledgeMade/ChallengeRaised (new or cancelled) can move its
      thread's follow-ups to another period, so it marks every period in which an
      entry of that ``pledge_id``/``challenge_id`` stands now or could have stood
      before (by its own date); a follow-up marks the period it follows into.

    A key may name a period that has no statement now (T11/T12 follow-ups that
    moved away, or the own date of a follow-up that never stood there): where a
    page was published for it, the page has to go. Templates with nothing to redo
    are left out; an index not on the board marks nothing.
    """
    touched: dict[str, dict[int, BoardEntry]] = {}
    for index in new_indices:
        entry = board.entries.get(index)
        if entry is None:
            continue
        changed = [entry]
        target = _reverses(entry)
        if target is not None and target in board.entries:
            changed.append(board.entries[target])
        for item in changed:
            for slug in item.placement.templates:
                touched.setdefault(slug, {})[item.index] = item
    if not touched:
        return {}
    dates = _Dates()
    feeds = _template_feeds(board, touched)
    affected: dict[str, set[str]] = {}
    for slug, entries in touched.items():
        feed = _Feed.of(feeds[slug], dates)
        assigned = _assign(slug, feed)
        keys = {assigned[index].key for index in entries}
        knock_on = _KNOCK_ON.get(slug)
        if knock_on is not None:
            keys |= knock_on(feed, assigned, list(entries.values()))
        affected[slug] = keys
    return affected


def _sources_knock_on(
    feed: _Feed, assigned: Mapping[int, Period], touched: Sequence[BoardEntry]
) -> set[str]:
    """T03: every period with an entry of a (re)registered revenue source."""
    sources = {
        _text(e, "source_id")
        for e in touched
        if e.entry_type == "RevenueSourceRegistered"
    }
    if not sources:
        return set()
    return {
        assigned[e.index].key
        for e in feed.entries
        if e.entry_type != "EntryReversed" and _opt_text(e, "source_id") in sources
    }


def _facilities_knock_on(
    feed: _Feed, assigned: Mapping[int, Period], touched: Sequence[BoardEntry]
) -> set[str]:
    """T10: months from a (re)registration on, and months that name the facility."""
    registered = [e for e in touched if e.entry_type == "FacilityRegistered"]
    if not registered:
        return set()
    first = min(assigned[e.index].key for e in registered)
    facilities = {_text(e, "facility_id") for e in registered}
    keys = {period.key for period in assigned.values() if period.key >= first}
    keys.update(
        assigned[e.index].key
        for e in feed.entries
        if e.entry_type != "EntryReversed" and _opt_text(e, "facility_id") in facilities
    )
    return keys


def _threads_knock_on(slug: str) -> _KnockOn:
    """T11/T12: a (re)opened thread, everywhere its entries stand now or stood before.

    Only an opening entry (PledgeMade, ChallengeRaised), new or cancelled, can move
    a thread's follow-ups; a follow-up changes its own period only.
    """
    opening, id_field, _ = _FOLLOWS[slug]
    cadence = CADENCES[slug]

    def knock_on(
        feed: _Feed, assigned: Mapping[int, Period], touched: Sequence[BoardEntry]
    ) -> set[str]:
        threads = {_text(e, id_field) for e in touched if e.entry_type == opening}
        keys: set[str] = set()
        if not threads:
            return keys
        for entry in feed.entries:
            if (
                entry.entry_type != "EntryReversed"
                and _opt_text(entry, id_field) in threads
            ):
                keys.add(assigned[entry.index].key)  # where it stands now
                # where it stood if it followed another opening entry, or none
                keys.add(_period_of_day(cadence, feed.dates.of(entry)).key)
        return keys

    return knock_on


_KNOCK_ON: Final[dict[str, _KnockOn]] = {
    "common-revenue": _sources_knock_on,
    "onsite-work": _facilities_knock_on,
    "warm-pledges": _threads_knock_on("warm-pledges"),
    "challenges-and-replies": _threads_knock_on("challenges-and-replies"),
}


# =====================================================================================
# Building statements
# =====================================================================================


@dataclass(frozen=True)
class _Scope:
    """What a template builder sees: its whole feed and this period's share of it."""

    slug: str
    feed: _Feed
    period: Period
    members: tuple[BoardEntry, ...]  # entries of this period, reversals included
    project: Project
    contract: Contract | None

    @property
    def dates(self) -> _Dates:
        return self.feed.dates

    def of_type(self, *types: str) -> list[BoardEntry]:
        return [e for e in self.members if e.entry_type in types]

    def live_of_type(self, *types: str) -> list[BoardEntry]:
        return [e for e in self.of_type(*types) if self.feed.live(e)]


@dataclass
class _Parts:
    tables: list[Table] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra_entries: set[int] = field(default_factory=set)  # shown beyond the members


_BY_CODE: Final = tuple(sorted(TEMPLATES, key=lambda t: t.code))


def build_statements(
    board: ProjectBoard,
    *,
    project: Project,
    contract: Contract | None,
    only: Mapping[str, Collection[str]] | None = None,
) -> list[Statement]:
    """Every statement of every template, for every period with entries.

    Sorted by template code, then period key; an empty board gives no statement.
    With ``only`` (template slug -> period keys, e.g. from :func:`affected_periods`)
    it builds just those statements, each equal to the full build's; keys of periods
    that have no statement are passed over. An unknown template slug is a caller's
    mistake (ValueError).
    """
    wanted = _wanted(only)
    if wanted is not None and not any(wanted.values()):
        return []
    dates = _Dates()
    feeds = _template_feeds(board, None if wanted is None else wanted.keys())
    statements: list[Statement] = []
    for template in _BY_CODE:
        if wanted is not None and template.slug not in wanted:
            continue
        feed = _Feed.of(feeds[template.slug], dates)
        if not feed.entries:
            continue
        assigned = _assign(template.slug, feed)
        periods: dict[str, Period] = {}
        members_of: dict[str, list[BoardEntry]] = {}
        for entry in feed.entries:
            period = assigned[entry.index]
            periods.setdefault(period.key, period)
            members_of.setdefault(period.key, []).append(entry)
        keys = sorted(periods)
        if wanted is not None:
            keys = [key for key in keys if key in wanted[template.slug]]
        for key in keys:
            scope = _Scope(
                template.slug,
                feed,
                periods[key],
                tuple(members_of[key]),
                project,
                contract,
            )
            statements.append(_build_statement(scope))
    return statements


def _wanted(
    only: Mapping[str, Collection[str]] | None,
) -> dict[str, frozenset[str]] | None:
    if only is None:
        return None
    wanted: dict[str, frozenset[str]] = {}
    for slug, keys in only.items():
        if slug not in TEMPLATE_BY_SLUG:
            raise ValueError(f"unknown template slug {slug!r}")  # programming error
        if isinstance(keys, str):
            raise ValueError(f"period keys of {slug!r} must be a collection, not a str")
        wanted[slug] = frozenset(keys)
    return wanted


def template_feeds(board: ProjectBoard) -> dict[str, list[BoardEntry]]:
    """``{slug: board.template(slug)}`` for all twelve templates, in one pass.

    Each entry's placement is computed once (``ProjectBoard.template`` computes every
    placement again for each template).
    """
    return _template_feeds(board, None)


def _template_feeds(
    board: ProjectBoard, slugs: Collection[str] | None
) -> dict[str, list[BoardEntry]]:
    """:func:`template_feeds`, for ``slugs`` only when given."""
    fed: dict[str, list[BoardEntry]] = {
        t.slug: [] for t in TEMPLATES if slugs is None or t.slug in slugs
    }
    reversals: list[tuple[BoardEntry, int]] = []
    for entry in board.in_order():
        for slug in entry.placement.templates:
            feed = fed.get(slug)
            if feed is not None:
                feed.append(entry)
        if entry.entry_type == "EntryReversed":
            reversals.append((entry, _int(entry, "target.index")))
    for entry, target in reversals:
        cancelled = board.entries.get(target)
        if cancelled is None:
            continue
        for slug in cancelled.placement.templates:
            feed = fed.get(slug)
            if feed is not None:
                feed.append(entry)
    for feed in fed.values():
        feed.sort(key=_INDEX)
    return fed


def _build_statement(scope: _Scope) -> Statement:
    """One template's statement for ``scope.period``."""
    template = TEMPLATE_BY_SLUG[scope.slug]
    parts = _BUILDERS[scope.slug](scope)
    shown = {e.index for e in scope.members} | parts.extra_entries
    return Statement(
        template=template.slug,
        code=template.code,
        title=template.name,
        project_id=scope.project.project_id,
        period=scope.period,
        tables=tuple(parts.tables),
        totals=tuple(parts.totals),
        entries=tuple(sorted(shown)),
        notes=tuple(parts.notes),
    )


# --- cells and tables ----------------------------------------------------------------
def _t(value: str | None) -> Cell:
    return Cell("text", value)


def _m(fen: int | None) -> Cell:
    return Cell("money", fen)


def _d(value: str | date | None) -> Cell:
    return Cell("date", value.isoformat() if isinstance(value, date) else value)


def _c(value: int | None) -> Cell:
    return Cell("count", value)


def _r(basis_points: int | None) -> Cell:
    return Cell("ratio", basis_points)


_BLANK: Final = Cell("text", "")


def _ledger(
    scope: _Scope,
    title: str,
    headers: Sequence[str],
    kinds: Sequence[CellKind],
    entries: Iterable[BoardEntry],
    cells_of: Callable[[BoardEntry], Sequence[tuple[Cell, ...]]],
    *,
    text_column: int = 1,
    footer: tuple[Cell, ...] = (),
) -> Table:
    """A trail table: one or more rows per entry, each reversal right after its target.

    The reversal row has its date in column 0, ``红冲第 n 条：reason`` in
    ``text_column`` and empty cells of the column's kind elsewhere.
    """
    rows: list[Row] = []
    for entry in sorted(entries, key=scope.dates.order):
        if entry.entry_type == "EntryReversed":
            continue  # shown right after the entry it cancels
        reversed_by = scope.feed.reversed_by(entry)
        for cells in cells_of(entry):
            rows.append(Row(cells, entry=entry.index, reversed_by=reversed_by))
        reversal = scope.feed.reversal_of.get(entry.index)
        if reversal is not None:
            rows.append(
                _reversal_row(scope.dates, reversal, entry.index, kinds, text_column)
            )
    return Table(title, tuple(headers), tuple(rows), footer)


def _reversal_row(
    dates: _Dates,
    reversal: BoardEntry,
    target: int,
    kinds: Sequence[CellKind],
    text_column: int,
) -> Row:
    cells: list[Cell] = []
    for column, kind in enumerate(kinds):
        if column == 0:
            cells.append(_d(dates.of(reversal)))
        elif column == text_column:
            cells.append(_t(f"红冲第 {target} 条：{_text(reversal, 'reason')}"))
        else:
            cells.append(Cell(kind, None))
    return Row(tuple(cells), entry=reversal.index, reverses=target)


def _summary(
    title: str,
    headers: Sequence[str],
    rows: Iterable[tuple[Cell, ...]],
    footer: tuple[Cell, ...] = (),
) -> Table:
    """A table of computed rows (they show no single entry)."""
    return Table(title, tuple(headers), tuple(Row(cells) for cells in rows), footer)


def _sum(entries: Iterable[BoardEntry], path: str = "amount_fen") -> int:
    return sum(_int(e, path) for e in entries)


def _by(
    entries: Iterable[BoardEntry], key: str, path: str = "amount_fen"
) -> Counter[str]:
    totals: Counter[str] = Counter()
    for entry in entries:
        totals[_text(entry, key)] += _int(entry, path)
    return totals


def _rate(part: int, whole: int) -> int | None:
    """``part / whole`` in basis points, rounded half up; None when whole is 0."""
    return round_half_up_div(part * 10_000, whole) if whole > 0 else None


def _span(period: Mapping[str, Any] | None) -> str | None:
    if not isinstance(period, Mapping):
        return None
    return f"{period.get('start', '')} 至 {period.get('end', '')}"


def _scope_text(scope: Any) -> str | None:
    """An owner scope (whole estate or one building) as text."""
    if not isinstance(scope, Mapping):
        return None
    kind = scope.get("kind")
    if kind == "building":
        return f"{scope.get('building', '')}业主"
    if kind == "buildings":
        return "、".join(str(b) for b in scope.get("buildings", ())) or None
    return zh("owner_scope", str(kind))


def _actor(value: Any) -> str | None:
    """A staff member or an organisation (inspector, performer) as text."""
    if not isinstance(value, Mapping):
        return None
    if value.get("kind") == "staff":
        return f"{zh('actor_kind', 'staff')} {value.get('staff_id', '')}"
    return str(value.get("name", "")) or None


def _resolution(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    adopted = value.get("adopted_on")
    reference = str(value.get("reference", ""))
    return f"{reference}（{adopted}）" if adopted else reference or None


def _join(*parts: str | None) -> str | None:
    text = "；".join(p for p in parts if p)
    return text or None


def _last(entries: Sequence[BoardEntry]) -> BoardEntry | None:
    return entries[-1] if entries else None


def _type_name(entry: BoardEntry) -> str:
    return ENTRY_TYPE_NAMES.get(entry.entry_type, entry.entry_type)


def _money_totals(pairs: Sequence[tuple[str, str, int]]) -> list[Total]:
    return [Total(key, label, fen) for key, label, fen in pairs]


def _months(period: Period) -> list[Period]:
    start, end = date.fromisoformat(period.start), date.fromisoformat(period.end)
    return [
        month_period(start.year, month) for month in range(start.month, end.month + 1)
    ]


def _within(dates: _Dates, entry: BoardEntry, period: Period) -> bool:
    return period.start <= dates.of(entry).isoformat() <= period.end


# =====================================================================================
# T01 物业服务项目及人员信息公示表
# =====================================================================================


def _project_and_staff(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    profiles = feed.live_of_type("ProjectProfileDeclared")
    profile = profiles[-1] if profiles else None
    parts.tables.append(_profile_table(scope, profile))
    if profile is None:
        parts.notes.append("项目基本信息尚未声明，以上为登记册中的项目信息。")

    manager, manager_note = _current_manager(feed)
    if manager_note:
        parts.notes.append(manager_note)
    manager_rows: list[Row] = []
    if manager is not None:
        certificate = _lookup(manager.body, "certificate")
        certificate_text = (
            f"{certificate.get('kind', '')} {certificate.get('number', '')}"
            if isinstance(certificate, Mapping)
            else None
        )
        manager_rows.append(
            Row(
                (
                    _t(_text(manager, "name")),
                    _t(_text(manager, "position")),
                    _d(_text(manager, "appointed_on")),
                    _t(certificate_text),
                    _t(_opt_text(manager, "service_line")),
                ),
                entry=manager.index,
            )
        )
    parts.tables.append(
        Table(
            "项目负责人",
            ("姓名", "职务", "任职日期", "岗位证书", "工作电话"),
            tuple(manager_rows),
        )
    )

    roster = _current_staff(feed)
    posts = list(ENUM_NAMES["staff_post"])
    roster.sort(
        key=lambda e: (_post_rank(_text(e, "post"), posts), feed.dates.order(e))
    )
    staff_rows = [
        Row(
            (
                _t(_text(e, "name")),
                _t(_text(e, "position")),
                _t(zh("staff_post", _text(e, "post"))),
                _t(_employer(e)),
                _d(_text(e, "assigned_on")),
                _t(_opt_text(e, "on_duty_hours")),
                _t(_opt_text(e, "service_line")),
            ),
            entry=e.index,
        )
        for e in roster
    ]
    parts.tables.append(
        Table(
            "在岗人员",
            ("姓名", "职务", "岗位", "用工单位", "到岗日期", "值班时间", "工作电话"),
            tuple(staff_rows),
        )
    )
    counts = Counter(_text(e, "post") for e in roster)
    parts.tables.append(
        _summary(
            "人员统计",
            ("岗位", "人数"),
            [(_t(zh("staff_post", p)), _c(counts[p])) for p in posts if counts[p]],
            footer=(_t("合计"), _c(len(roster))),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "变更记录",
            ("日期", "事项", "人员或内容", "说明"),
            ("date", "text", "text", "text"),
            scope.members,
            lambda e: [_t01_trail(scope.dates, e)],
            text_column=3,
        )
    )
    return parts


def _profile_table(scope: _Scope, profile: BoardEntry | None) -> Table:
    if profile is None:
        project = scope.project
        rows = [
            ("项目名称", _t(project.name)),
            ("项目地址", _t(project.address)),
            ("所在区域", _t(project.district)),
            ("总户数（户）", _c(project.households)),
            ("总建筑面积（平方米）", _c(project.floor_area_m2)),
        ]
        return _summary("项目基本信息", ("项目", "内容"), ((_t(k), v) for k, v in rows))
    kinds = "、".join(
        zh("property_kind", str(k)) for k in _list(profile, "property_kinds")
    )
    pairs: list[tuple[str, Cell]] = [
        ("项目名称", _t(_text(profile, "project_name"))),
        ("项目地址", _t(_text(profile, "address"))),
        ("所在区域", _t(_opt_text(profile, "district"))),
        ("服务范围", _t(_text(profile, "service_scope"))),
        ("物业类型", _t(kinds or None)),
        ("楼栋数（栋）", _c(_int(profile, "buildings"))),
        ("总户数（户）", _c(_int(profile, "households"))),
        ("总建筑面积（平方米）", _c(_int(profile, "floor_area_m2"))),
        ("服务起始日期", _d(_text(profile, "service_start"))),
        ("服务期满日期", _d(_opt_text(profile, "service_end"))),
        ("服务中心地址", _t(_text(profile, "service_centre.address"))),
        ("办公时间", _t(_text(profile, "service_centre.opening_hours"))),
        ("服务电话", _t(_opt_text(profile, "service_centre.service_phone"))),
        ("投诉电话", _t(_text(profile, "complaint_phone"))),
        ("监督渠道", _t(_text(profile, "hotline_note"))),
    ]
    for contact in _list(profile, "supervision_contacts"):
        if isinstance(contact, Mapping):
            pairs.append(
                (
                    f"监督电话：{contact.get('organisation', '')}",
                    _t(str(contact.get("phone", ""))),
                )
            )
    shown = tuple(Row((_t(k), v), entry=profile.index) for k, v in pairs)
    return Table("项目基本信息", ("项目", "内容"), shown)


def _current_manager(feed: _Feed) -> tuple[BoardEntry | None, str | None]:
    order = feed.dates.order
    appointments = sorted(feed.live_of_type("ManagerAppointed"), key=order)
    if not appointments:
        return None, "尚未公开项目负责人任命。"
    manager = appointments[-1]
    staff_id = _text(manager, "staff_id")
    for release in feed.live_of_type("StaffReleased"):
        if _text(release, "staff_id") == staff_id and order(release) > order(manager):
            return (
                None,
                f"项目负责人 {_text(manager, 'name')} 已于 {_text(release, 'released_on')} 离岗，尚未公开新的任命。",
            )
    return manager, None


def _current_staff(feed: _Feed) -> list[BoardEntry]:
    """Assigned minus released, folded in (date, index) order."""
    roster: dict[str, BoardEntry] = {}
    for entry in sorted(
        feed.live_of_type("StaffAssigned", "StaffReleased"), key=feed.dates.order
    ):
        staff_id = _text(entry, "staff_id")
        if entry.entry_type == "StaffAssigned":
            roster[staff_id] = entry
        else:
            roster.pop(staff_id, None)
    return list(roster.values())


def _post_rank(post: str, posts: list[str]) -> int:
    return posts.index(post) if post in posts else len(posts)


def _employer(entry: BoardEntry) -> str:
    kind = _text(entry, "employer.kind")
    company = _opt_text(entry, "employer.company")
    name = zh("employer_kind", kind)
    return f"{name}：{company}" if company else name


def _t01_trail(dates: _Dates, entry: BoardEntry) -> tuple[Cell, ...]:
    kind = entry.entry_type
    who: str
    note: str | None
    if kind == "ProjectProfileDeclared":
        who, note = _text(entry, "project_name"), "项目基本信息（整体重新声明）"
    elif kind == "ManagerAppointed":
        who = f"{_text(entry, 'name')}（{_text(entry, 'position')}）"
        replaced = _opt_text(entry, "replaces_staff_id")
        note = f"接替 {replaced}" if replaced else None
    elif kind == "StaffAssigned":
        who = f"{_text(entry, 'name')}（{_text(entry, 'position')}）"
        note = _employer(entry)
    else:
        who, note = _text(entry, "staff_id"), _text(entry, "reason")
    return (_d(dates.of(entry)), _t(_type_name(entry)), _t(who), _t(note))


# =====================================================================================
# T02 物业服务内容与收费标准公示表
# =====================================================================================


def _fee_schedule(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    schedules = sorted(feed.live_of_type("FeeScheduleDeclared"), key=feed.dates.order)
    standards = sorted(
        feed.live_of_type("ServiceStandardDeclared"), key=feed.dates.order
    )
    if schedules:
        schedule = schedules[-1]
        parts.tables.append(
            Table(
                "收费标准",
                ("物业类型", "说明", "收费标准（元/平方米·月）", "备注"),
                tuple(
                    Row(
                        (
                            _t(zh("building_type", str(item.get("building_type")))),
                            _t(str(item.get("label", ""))),
                            _m(_fen_of(schedule, item, "fee_fen_per_m2_month")),
                            _t(item.get("note")),
                        ),
                        entry=schedule.index,
                    )
                    for item in _mappings(schedule, "items")
                ),
            )
        )
        other = _mappings(schedule, "other_charges")
        if other:
            parts.tables.append(
                Table(
                    "其他收费",
                    ("项目", "金额", "计费单位", "备注"),
                    tuple(
                        Row(
                            (
                                _t(str(item.get("name", ""))),
                                _m(_fen_of(schedule, item, "amount_fen")),
                                _t(zh("charge_unit", str(item.get("unit")))),
                                _t(item.get("note")),
                            ),
                            entry=schedule.index,
                        )
                        for item in other
                    ),
                )
            )
        basis = [
            ("定价方式", _t(zh("pricing_basis", _text(schedule, "pricing_basis")))),
            ("服务等级", _t(_opt_text(schedule, "service_grade"))),
            ("执行日期", _d(_text(schedule, "effective_from"))),
            ("业主大会决议", _t(_resolution(_lookup(schedule.body, "approval")))),
        ]
        parts.tables.append(
            Table(
                "收费依据",
                ("项目", "内容"),
                tuple(Row((_t(k), v), entry=schedule.index) for k, v in basis),
            )
        )
    else:
        parts.notes.append("尚未公开收费标准。")
    if standards:
        standard = standards[-1]
        grade = _text(standard, "service_grade")
        norm = _opt_text(standard, "grade_standard")
        parts.tables.append(
            Table(
                f"服务标准（{grade}{'，' + norm if norm else ''}，自 {_text(standard, 'effective_from')} 起执行）",
                ("服务类别", "服务项目", "频次", "标准"),
                tuple(
                    Row(
                        (
                            _t(zh("standard_area", str(item.get("area")))),
                            _t(str(item.get("item", ""))),
                            _t(_frequency(item.get("frequency"))),
                            _t(str(item.get("standard", ""))),
                        ),
                        entry=standard.index,
                    )
                    for item in _mappings(standard, "items")
                ),
            )
        )
    else:
        parts.notes.append("尚未公开服务标准。")
    parts.tables.append(
        _ledger(
            scope,
            "历次声明",
            ("执行日期", "事项", "说明"),
            ("date", "text", "text"),
            scope.members,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(_type_name(e)),
                    _t(
                        _opt_text(e, "service_grade")
                        if e.entry_type == "ServiceStandardDeclared"
                        else zh("pricing_basis", _text(e, "pricing_basis"))
                    ),
                )
            ],
            text_column=2,
        )
    )
    return parts


def _mappings(entry: BoardEntry, path: str) -> list[Mapping[str, Any]]:
    items = _list(entry, path)
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _integrity(
                entry, f"body.{path}[{position}]", "不是对象", "is not an object"
            )
    return items


def _fen_of(entry: BoardEntry, item: Mapping[str, Any], key: str) -> int:
    value = item.get(key)
    if type(value) is not int:
        raise _integrity(entry, f"body…{key}", "不是整数分", "is not integer fen")
    return value


def _frequency(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    return f"每{zh('frequency_per', str(value.get('per')))}{value.get('times')}次"


# =====================================================================================
# T03 共有部分经营收益收支公示表
# =====================================================================================


def _common_revenue(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    revenue = scope.of_type("CommonRevenueRecorded")
    costs = scope.of_type("CommonRevenueCostDeducted")
    shares = scope.of_type("OwnerShareAllocated")
    registrations = scope.of_type("RevenueSourceRegistered")
    live = feed.live
    gross = _sum(e for e in revenue if live(e))
    cost = _sum(e for e in costs if live(e))
    allocated = _sum(e for e in shares if live(e))
    parts.totals = _money_totals(
        [
            ("gross_fen", "经营收入合计", gross),
            ("costs_fen", "扣除成本合计", cost),
            ("net_fen", "经营净收益（归全体业主）", gross - cost),
            ("owner_share_allocated_fen", "已分配业主共有收益", allocated),
        ]
    )

    monthly: list[tuple[Cell, ...]] = []
    for month in _months(scope.period):
        g = _sum(e for e in revenue if live(e) and _within(scope.dates, e, month))
        c = _sum(e for e in costs if live(e) and _within(scope.dates, e, month))
        monthly.append((_t(month.label), _m(g), _m(c), _m(g - c)))
    parts.tables.append(
        _summary(
            "按月收支",
            ("月份", "经营收入", "扣除成本", "净收益"),
            monthly,
            footer=(_t("合计"), _m(gross), _m(cost), _m(gross - cost)),
        )
    )

    sources = _latest_by_id(feed, "RevenueSourceRegistered", "source_id")
    gross_by = _by((e for e in revenue if live(e)), "source_id")
    cost_by = _by((e for e in costs if live(e)), "source_id")
    ids = sorted(
        set(gross_by)
        | set(cost_by)
        | {_text(e, "source_id") for e in registrations if live(e)}
    )
    source_rows: list[tuple[Cell, ...]] = []
    for source_id in ids:
        source = sources.get(source_id)
        if source is not None:
            parts.extra_entries.add(source.index)
            source_rows.append(
                (
                    _t(f"{_text(source, 'description')}（{source_id}）"),
                    _t(zh("revenue_source_kind", _text(source, "kind"))),
                    _t(_scope_text(_lookup(source.body, "owner_scope"))),
                    _r(_int(source, "management_share_bp")),
                    _m(gross_by[source_id]),
                    _m(cost_by[source_id]),
                    _m(gross_by[source_id] - cost_by[source_id]),
                )
            )
        else:
            source_rows.append(
                (
                    _t(f"{source_id}（未登记）"),
                    _t(None),
                    _t(None),
                    _r(None),
                    _m(gross_by[source_id]),
                    _m(cost_by[source_id]),
                    _m(gross_by[source_id] - cost_by[source_id]),
                )
            )
    parts.tables.append(
        _summary(
            "按经营项目",
            (
                "经营项目",
                "类别",
                "收益归属",
                "约定管理分成",
                "经营收入",
                "扣除成本",
                "净收益",
            ),
            source_rows,
            footer=(
                _t("合计"),
                _BLANK,
                _BLANK,
                _BLANK,
                _m(gross),
                _m(cost),
                _m(gross - cost),
            ),
        )
    )

    destinations = _by((e for e in shares if live(e)), "destination")
    parts.tables.append(
        _summary(
            "业主共有收益去向",
            ("去向", "金额"),
            [
                (_t(name), _m(destinations[value]))
                for value, name in ENUM_NAMES["owner_share_destination"].items()
            ],
            footer=(_t("合计"), _m(allocated)),
        )
    )

    def source_name(e: BoardEntry) -> str:
        source = sources.get(_text(e, "source_id"))
        return _text(source, "description") if source else _text(e, "source_id")

    parts.tables.append(
        _ledger(
            scope,
            "收入明细",
            ("收款日期", "经营项目", "金额", "说明"),
            ("date", "text", "money", "text"),
            revenue,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(source_name(e)),
                    _m(_int(e, "amount_fen")),
                    _t(_opt_text(e, "note")),
                )
            ],
            text_column=3,
            footer=(_t("合计"), _BLANK, _m(gross), _BLANK),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "成本扣除明细",
            ("发生日期", "经营项目", "成本类别", "金额", "说明"),
            ("date", "text", "text", "money", "text"),
            costs,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(source_name(e)),
                    _t(zh("revenue_cost_kind", _text(e, "kind"))),
                    _m(_int(e, "amount_fen")),
                    _t(_text(e, "explanation")),
                )
            ],
            text_column=4,
            footer=(_t("合计"), _BLANK, _BLANK, _m(cost), _BLANK),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "业主共有收益分配明细",
            ("分配日期", "去向", "收益归属", "金额", "决议", "说明"),
            ("date", "text", "text", "money", "text", "text"),
            shares,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(zh("owner_share_destination", _text(e, "destination"))),
                    _t(_scope_text(_lookup(e.body, "owner_scope")) or "全体业主"),
                    _m(_int(e, "amount_fen")),
                    _t(_resolution(_lookup(e.body, "resolution"))),
                    _t(_join(_opt_text(e, "source_id"), _opt_text(e, "explanation"))),
                )
            ],
            text_column=5,
            footer=(_t("合计"), _BLANK, _BLANK, _m(allocated), _BLANK, _BLANK),
        )
    )
    if registrations:
        parts.tables.append(
            _ledger(
                scope,
                "经营项目登记",
                (
                    "登记日期",
                    "经营项目",
                    "类别",
                    "收益归属",
                    "约定管理分成",
                    "业主决议",
                    "合作单位",
                ),
                ("date", "text", "text", "text", "ratio", "text", "text"),
                registrations,
                lambda e: [
                    (
                        _d(scope.dates.of(e)),
                        _t(f"{_text(e, 'description')}（{_text(e, 'source_id')}）"),
                        _t(zh("revenue_source_kind", _text(e, "kind"))),
                        _t(_scope_text(_lookup(e.body, "owner_scope"))),
                        _r(_int(e, "management_share_bp")),
                        _t(_resolution(_lookup(e.body, "resolution"))),
                        _t(_opt_text(e, "counterparty.name")),
                    )
                ],
            )
        )
    return parts


# =====================================================================================
# T04 酬金制物业服务资金收支公示表
# =====================================================================================


def _commission_fund(scope: _Scope) -> _Parts:
    parts = _Parts()
    live = scope.feed.live
    collected_entries = scope.of_type("CommissionFundCollected")
    spent_entries = scope.of_type("CommissionFundSpent")
    drawn_entries = scope.of_type("RemunerationDrawn")
    collected = _sum(e for e in collected_entries if live(e))
    spent = _sum(e for e in spent_entries if live(e))
    remuneration = _sum(e for e in drawn_entries if live(e))
    balance = collected - spent - remuneration
    parts.totals = _money_totals(
        [
            ("collected_fen", "资金收入合计", collected),
            ("spent_fen", "资金支出合计", spent),
            ("remuneration_fen", "物业服务酬金", remuneration),
            ("balance_fen", "本期结余（归全体业主，负数为赤字）", balance),
        ]
    )
    by_source = _by((e for e in collected_entries if live(e)), "source")
    parts.tables.append(
        _summary(
            "资金收入（按来源）",
            ("来源", "金额"),
            [
                (_t(name), _m(by_source[value]))
                for value, name in ENUM_NAMES["commission_income_source"].items()
            ],
            footer=(_t("合计"), _m(collected)),
        )
    )
    parts.tables.append(
        _category_table(
            "资金支出（按成本类别）",
            _by((e for e in spent_entries if live(e)), "category"),
            OPERATING_COST_CATEGORIES,
            spent,
        )
    )
    parts.tables.append(
        _summary(
            "收支结余",
            ("项目", "金额"),
            [
                (_t("资金收入合计"), _m(collected)),
                (_t("资金支出合计"), _m(spent)),
                (_t("物业服务酬金"), _m(remuneration)),
            ],
            footer=(_t("结余（归全体业主）"), _m(balance)),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "收入明细",
            ("收款日期", "来源", "金额", "说明"),
            ("date", "text", "money", "text"),
            collected_entries,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(zh("commission_income_source", _text(e, "source"))),
                    _m(_int(e, "amount_fen")),
                    _t(_join(_opt_text(e, "explanation"), _opt_text(e, "note"))),
                )
            ],
            text_column=3,
            footer=(_t("合计"), _BLANK, _m(collected), _BLANK),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "支出明细",
            ("支付日期", "成本类别", "金额", "内容"),
            ("date", "text", "money", "text"),
            spent_entries,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(zh("cost_category", _text(e, "category"))),
                    _m(_int(e, "amount_fen")),
                    _t(_text(e, "description")),
                )
            ],
            text_column=3,
            footer=(_t("合计"), _BLANK, _m(spent), _BLANK),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "酬金提取明细",
            ("提取日期", "计提方式", "计提基数或年度定额", "比例", "金额", "所属期间"),
            ("date", "text", "money", "ratio", "money", "text"),
            drawn_entries,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(zh("remuneration_basis", _text(e, "basis"))),
                    _m(
                        _opt_int(e, "base_fen")
                        if _text(e, "basis") == "ratio"
                        else _opt_int(e, "annual_fen")
                    ),
                    _r(_opt_int(e, "ratio_bp")),
                    _m(_int(e, "amount_fen")),
                    _t(_span(_lookup(e.body, "for_period"))),
                )
            ],
            text_column=5,
            footer=(_t("合计"), _BLANK, _BLANK, _BLANK, _m(remuneration), _BLANK),
        )
    )
    parts.notes.extend(_contract_notes(scope.contract))
    return parts


def _category_table(
    title: str, amounts: Counter[str], categories: Sequence[str], total: int
) -> Table:
    return _summary(
        title,
        ("成本类别", "金额"),
        [(_t(zh("cost_category", c)), _m(amounts[c])) for c in categories],
        footer=(_t("合计"), _m(total)),
    )


def _contract_notes(contract: Contract | None) -> list[str]:
    if contract is None:
        return []
    model = zh("fee_model", contract.fee_model)
    if (
        contract.remuneration_basis == "ratio"
        and contract.remuneration_ratio_bp is not None
    ):
        whole, rest = divmod(contract.remuneration_ratio_bp, 100)
        terms = f"酬金按计提基数的 {whole}.{rest:02d}% 提取"
    elif contract.remuneration_annual_fen is not None:
        whole, fen = divmod(contract.remuneration_annual_fen, 100)
        terms = f"酬金为固定金额，每年 ¥{whole:,}.{fen:02d}"
    else:
        terms = "合同未约定酬金"
    return [
        f"服务合同 {contract.contract_id}（{model}）：{terms}。酬金制下物业服务资金属于全体业主，结余或赤字由全体业主享有或承担。"
    ]


# =====================================================================================
# T05 酬金制资金年度预决算公示表
# =====================================================================================


def _commission_budget(scope: _Scope) -> _Parts:
    parts = _Parts()
    budgets = scope.live_of_type("BudgetDeclared")
    accounts = scope.live_of_type("AccountsClosed")
    budget = budgets[-1] if budgets else None
    closed = accounts[-1] if accounts else None
    if len(budgets) > 1 and budget is not None:
        parts.notes.append(
            f"本年度有多份预算，以最新一份（第 {budget.index} 条）为准。"
        )
    if len(accounts) > 1 and closed is not None:
        parts.notes.append(
            f"本年度有多份决算，以最新一份（第 {closed.index} 条）为准。"
        )
    if budget is None:
        parts.notes.append("本年度预算尚未公开。")
    if closed is None:
        parts.notes.append("本年度决算尚未公开。")

    plan_spend = _line_sums(budget, "spending", "category")
    real_spend = _line_sums(closed, "spending", "category")
    plan_income = _line_sums(budget, "income", "source")
    real_income = _line_sums(closed, "income", "source")

    if budget is not None and plan_spend is not None and plan_income is not None:
        plan_total = sum(plan_spend.values())
        plan_in = sum(plan_income.values())
        plan_pay = _int(budget, "remuneration_fen")
        parts.totals += _money_totals(
            [
                ("budget_income_fen", "预算收入合计", plan_in),
                ("budget_total_fen", "预算支出合计", plan_total),
                ("budget_remuneration_fen", "预算酬金", plan_pay),
                ("budget_balance_fen", "预算结余", plan_in - plan_total - plan_pay),
            ]
        )
    if closed is not None and real_spend is not None and real_income is not None:
        real_total = sum(real_spend.values())
        real_in = sum(real_income.values())
        real_pay = _int(closed, "remuneration_fen")
        parts.totals += _money_totals(
            [
                ("actual_income_fen", "决算收入合计", real_in),
                ("actual_total_fen", "决算支出合计", real_total),
                ("actual_remuneration_fen", "实际酬金", real_pay),
                (
                    "actual_balance_fen",
                    "决算结余（归全体业主，负数为赤字）",
                    real_in - real_total - real_pay,
                ),
            ]
        )

    def compare(plan: int | None, real: int | None) -> tuple[Cell, Cell, Cell, Cell]:
        variance = real - plan if plan is not None and real is not None else None
        rate = _rate(real, plan) if plan is not None and real is not None else None
        return _m(plan), _m(real), _m(variance), _r(rate)

    def amount(counter: Counter[str] | None, key: str) -> int | None:
        return None if counter is None else counter[key]

    def total(counter: Counter[str] | None) -> int | None:
        return None if counter is None else sum(counter.values())

    headers = ("项目", "预算", "决算", "差额（决算−预算）", "执行率")
    parts.tables.append(
        _summary(
            "支出预决算（按成本类别）",
            headers,
            [
                (
                    _t(zh("cost_category", c)),
                    *compare(amount(plan_spend, c), amount(real_spend, c)),
                )
                for c in OPERATING_COST_CATEGORIES
            ],
            footer=(_t("合计"), *compare(total(plan_spend), total(real_spend))),
        )
    )
    parts.tables.append(
        _summary(
            "收入预决算（按来源）",
            headers,
            [
                (
                    _t(name),
                    *compare(amount(plan_income, value), amount(real_income, value)),
                )
                for value, name in ENUM_NAMES["commission_income_source"].items()
            ],
            footer=(_t("合计"), *compare(total(plan_income), total(real_income))),
        )
    )
    plan_pay_opt = _int(budget, "remuneration_fen") if budget else None
    real_pay_opt = _int(closed, "remuneration_fen") if closed else None

    def balance(income: int | None, spend: int | None, pay: int | None) -> int | None:
        if income is None or spend is None or pay is None:
            return None
        return income - spend - pay

    parts.tables.append(
        _summary(
            "预决算汇总",
            headers,
            [
                (_t("收入合计"), *compare(total(plan_income), total(real_income))),
                (_t("支出合计"), *compare(total(plan_spend), total(real_spend))),
                (_t("物业服务酬金"), *compare(plan_pay_opt, real_pay_opt)),
            ],
            footer=(
                _t("结余（归全体业主）"),
                *compare(
                    balance(total(plan_income), total(plan_spend), plan_pay_opt),
                    balance(total(real_income), total(real_spend), real_pay_opt),
                ),
            ),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "预决算条目",
            ("公开日期", "事项", "批准或审计", "结余处理"),
            ("date", "text", "text", "text"),
            scope.members,
            lambda e: [_t05_trail(e)],
            text_column=1,
        )
    )
    parts.notes.extend(_contract_notes(scope.contract))
    return parts


def _line_sums(entry: BoardEntry | None, path: str, key: str) -> Counter[str] | None:
    """Budget or accounts lines summed per ``key``; None without the entry."""
    if entry is None:
        return None
    totals: Counter[str] = Counter()
    for name, amount in _lines(entry, path, key):
        totals[name] += amount
    return totals


def _t05_trail(entry: BoardEntry) -> tuple[Cell, ...]:
    if entry.entry_type == "BudgetDeclared":
        approval = _resolution(_lookup(entry.body, "approval"))
        treatment = None
    else:
        auditor = _opt_text(entry, "audit.auditor.name")
        approval = f"审计：{auditor}" if auditor else None
        value = _opt_text(entry, "treatment")
        treatment = zh("accounts_treatment", value) if value else None
    return (
        _d(accepted_date(entry)),
        _t(f"{_text(entry, 'year')}年度{_type_name(entry)}"),
        _t(approval),
        _t(treatment),
    )


# =====================================================================================
# T06 包干制物业服务费用分类收支公示表
# =====================================================================================


def _lump_sum_spending(scope: _Scope) -> _Parts:
    parts = _Parts()
    live = scope.feed.live
    income_entries = scope.of_type("LumpSumIncomeRecorded")
    spending_entries = scope.of_type("LumpSumSpendingRecorded")
    income = _sum(e for e in income_entries if live(e))
    spending = _sum(e for e in spending_entries if live(e))
    parts.totals = _money_totals(
        [
            ("income_fen", "收入合计", income),
            ("spending_fen", "支出合计", spending),
            ("balance_fen", "收支差额", income - spending),
        ]
    )
    by_source = _by((e for e in income_entries if live(e)), "source")
    parts.tables.append(
        _summary(
            "收入（按来源）",
            ("来源", "金额"),
            [
                (_t(name), _m(by_source[value]))
                for value, name in ENUM_NAMES["lump_sum_income_source"].items()
            ],
            footer=(_t("合计"), _m(income)),
        )
    )
    parts.tables.append(
        _category_table(
            "支出（按成本类别）",
            _by((e for e in spending_entries if live(e)), "category"),
            LUMP_SUM_COST_CATEGORIES,
            spending,
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "收入明细",
            ("收款日期", "来源", "金额", "说明"),
            ("date", "text", "money", "text"),
            income_entries,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(zh("lump_sum_income_source", _text(e, "source"))),
                    _m(_int(e, "amount_fen")),
                    _t(_join(_opt_text(e, "explanation"), _opt_text(e, "note"))),
                )
            ],
            text_column=3,
            footer=(_t("合计"), _BLANK, _m(income), _BLANK),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "支出明细",
            ("支付日期", "成本类别", "金额", "内容"),
            ("date", "text", "money", "text"),
            spending_entries,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(zh("cost_category", _text(e, "category"))),
                    _m(_int(e, "amount_fen")),
                    _t(_text(e, "description")),
                )
            ],
            text_column=3,
            footer=(_t("合计"), _BLANK, _m(spending), _BLANK),
        )
    )
    parts.notes.append(
        "包干制下收支差额由物业服务企业享有或承担；本表按《物业服务收费管理办法》第十一条分类公开。"
    )
    return parts


# =====================================================================================
# T07 公共水电能耗及分摊公示表
# =====================================================================================


def _shared_utilities(scope: _Scope) -> _Parts:
    parts = _Parts()
    live = scope.feed.live
    bills = scope.of_type("UtilityCostApportioned")
    live_bills = [e for e in bills if live(e)]
    totals = _by(live_bills, "utility", "total_fen")
    used = _by(live_bills, "utility", "consumption")
    grand = totals["water"] + totals["electricity"]
    parts.totals = _money_totals(
        [
            ("water_total_fen", "公共用水费用", totals["water"]),
            ("electricity_total_fen", "公共用电费用", totals["electricity"]),
            ("total_fen", "公共水电费用合计", grand),
        ]
    )
    units = {"water": "m3", "electricity": "kWh"}
    parts.tables.append(
        _summary(
            "按类别汇总",
            ("类别", "用量", "单位", "金额"),
            [
                (
                    _t(zh("utility", u)),
                    _c(used[u]),
                    _t(zh("utility_unit", units[u])),
                    _m(totals[u]),
                )
                for u in ("water", "electricity")
            ],
            footer=(_t("合计"), _BLANK, _BLANK, _m(grand)),
        )
    )

    def rows(e: BoardEntry) -> list[tuple[Cell, ...]]:
        basis = _text(e, "basis")
        base: str | None
        if basis == "per-household":
            base = f"{_int(e, 'households'):,} 户"
            share = _opt_int(e, "per_household_fen")
        else:
            area = _opt_int(e, "floor_area_m2")
            base = f"{area:,} 平方米" if area is not None else None
            share = _opt_int(e, "per_m2_fen")
        start, end = _opt_int(e, "readings.start"), _opt_int(e, "readings.end")
        readings = (
            f"{start:,} → {end:,}" if start is not None and end is not None else None
        )
        return [
            (
                _d(scope.dates.of(e)),
                _t(f"{_text(e, 'location')}（{_text(e, 'meter_id')}）"),
                _t(zh("utility", _text(e, "utility"))),
                _t(_scope_text(_lookup(e.body, "scope"))),
                _t(_span(_lookup(e.body, "billing_period"))),
                _t(readings),
                _c(_int(e, "consumption")),
                _t(zh("utility_unit", _text(e, "unit"))),
                _m(_int(e, "total_fen")),
                _t(zh("utility_basis", basis)),
                _t(base),
                _m(share),
            )
        ]

    parts.tables.append(
        _ledger(
            scope,
            "分摊明细",
            (
                "计费起始",
                "表计及位置",
                "类别",
                "分摊范围",
                "计费期间",
                "起止读数",
                "用量",
                "单位",
                "金额",
                "分摊方式",
                "分摊基数",
                "每户或每平方米分摊",
            ),
            (
                "date",
                "text",
                "text",
                "text",
                "text",
                "text",
                "count",
                "text",
                "money",
                "text",
                "text",
                "money",
            ),
            bills,
            rows,
            footer=(_t("合计"), *([_BLANK] * 7), _m(grand), _BLANK, _BLANK, _BLANK),
        )
    )
    return parts


# =====================================================================================
# T08 专项维修资金使用公示表
# =====================================================================================


def _maintenance_fund(scope: _Scope) -> _Parts:
    parts = _Parts()
    live = scope.feed.live
    uses = scope.of_type("MaintenanceFundUsed")
    used = _sum(e for e in uses if live(e))
    parts.totals = _money_totals([("used_fen", "专项维修资金使用合计", used)])
    by_class = _by((e for e in uses if live(e)), "works_class")
    parts.tables.append(
        _summary(
            "按工程类别汇总",
            ("工程类别", "金额"),
            [
                (_t(name), _m(by_class[value]))
                for value, name in ENUM_NAMES["works_class"].items()
            ],
            footer=(_t("合计"), _m(used)),
        )
    )

    def rows(e: BoardEntry) -> list[tuple[Cell, ...]]:
        scope_kind = _text(e, "scope.kind")
        where = (
            _scope_text(_lookup(e.body, "scope"))
            if scope_kind == "buildings"
            else zh("maintenance_scope", scope_kind)
        )
        approval = _join(
            zh("maintenance_approval", _text(e, "approval.kind")),
            _resolution(_lookup(e.body, "approval")),
        )
        return [
            (
                _d(scope.dates.of(e)),
                _t(_text(e, "works")),
                _t(zh("works_class", _text(e, "works_class"))),
                _t(where),
                _t(_text(e, "contractor.name")),
                _d(_opt_text(e, "started_on")),
                _t(approval),
                _c(_opt_int(e, "households_affected")),
                _m(_int(e, "amount_fen")),
            )
        ]

    parts.tables.append(
        _ledger(
            scope,
            "使用明细",
            (
                "竣工日期",
                "工程内容",
                "类别",
                "范围",
                "施工单位",
                "开工日期",
                "批准",
                "受益户数",
                "金额",
            ),
            ("date", "text", "text", "text", "text", "date", "text", "count", "money"),
            uses,
            rows,
            footer=(_t("合计"), *([_BLANK] * 7), _m(used)),
        )
    )
    return parts


# =====================================================================================
# T09 物业服务合同履行情况公示表
# =====================================================================================


def _contract_performance(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    reports = scope.of_type("PerformanceReported")
    live_reports = [e for e in reports if feed.live(e)]
    if reports:
        parts.tables.append(
            _ledger(
                scope,
                "合同约定事项履行情况",
                ("报告期", "合同条款", "完成情况", "说明"),
                ("text", "text", "text", "text"),
                reports,
                lambda e: [
                    (
                        _t(half_period(*_half_year(e)).label),
                        _t(str(item.get("clause", ""))),
                        _t(zh("performance_status", str(item.get("status")))),
                        _t(item.get("explanation")),
                    )
                    for item in _mappings(e, "items")
                ],
                text_column=3,
            )
        )
    if live_reports:
        report = live_reports[-1]
        if len(live_reports) > 1:
            parts.notes.append(
                f"本期有多份履行情况报告，满意度与投诉以最新一份（第 {report.index} 条）为准。"
            )
        statuses = Counter(
            str(item.get("status"))
            for r in live_reports
            for item in _mappings(r, "items")
        )
        parts.tables.append(
            _summary(
                "履行情况统计",
                ("完成情况", "事项数"),
                [
                    (_t(name), _c(statuses[value]))
                    for value, name in ENUM_NAMES["performance_status"].items()
                ],
                footer=(_t("合计"), _c(sum(statuses.values()))),
            )
        )
        if _lookup(report.body, "satisfaction") is not None:
            satisfied = _int(report, "satisfaction.satisfied")
            basically = _int(report, "satisfaction.basically_satisfied")
            responses = _int(report, "satisfaction.responses")
            parts.tables.append(
                Table(
                    "业主满意度",
                    ("项目", "数值"),
                    tuple(
                        Row(cells, entry=report.index)
                        for cells in (
                            (_t("调查方式"), _t(_text(report, "satisfaction.method"))),
                            (
                                _t("调查户数"),
                                _c(_int(report, "satisfaction.households_surveyed")),
                            ),
                            (_t("有效回收"), _c(responses)),
                            (_t("满意"), _c(satisfied)),
                            (_t("基本满意"), _c(basically)),
                            (
                                _t("不满意"),
                                _c(_int(report, "satisfaction.dissatisfied")),
                            ),
                            (
                                _t("满意率（满意＋基本满意）"),
                                _r(_rate(satisfied + basically, responses)),
                            ),
                        )
                    ),
                )
            )
        received = _int(report, "complaints.received")
        resolved = _int(report, "complaints.resolved")
        parts.tables.append(
            Table(
                "投诉处理",
                ("项目", "数值"),
                tuple(
                    Row(cells, entry=report.index)
                    for cells in (
                        (_t("收到投诉"), _c(received)),
                        (_t("已办结"), _c(resolved)),
                        (_t("办结率"), _r(_rate(resolved, received))),
                    )
                ),
            )
        )
        summary = _opt_text(report, "summary")
        if summary:
            parts.notes.append(summary)
    else:
        parts.notes.append("本期合同履行情况报告尚未公开。")

    logs = scope.of_type("WorkLogged")
    live_logs = [e for e in logs if feed.live(e)]
    times = Counter(_text(e, "kind") for e in live_logs)
    people = Counter[str]()
    for e in live_logs:
        people[_text(e, "kind")] += len(_list(e, "staff_ids"))
    parts.tables.append(
        _summary(
            "现场作业汇总",
            ("作业类别", "次数", "人次"),
            [
                (_t(name), _c(times[value]), _c(people[value]))
                for value, name in ENUM_NAMES["work_kind"].items()
            ],
            footer=(_t("合计"), _c(sum(times.values())), _c(sum(people.values()))),
        )
    )
    dropped = len(logs) - len(live_logs)
    if dropped:
        parts.notes.append(f"现场作业汇总已剔除被红冲的作业记录 {dropped} 条。")
    return parts


# =====================================================================================
# T10 物业服务工作现场及设施维保公示表
# =====================================================================================


def _onsite_work(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    logs = scope.of_type("WorkLogged")
    inspections = scope.of_type("InspectionRecorded")
    services = scope.of_type("FacilityServiced")
    registrations = scope.of_type("FacilityRegistered")
    live = feed.live
    register = _register_as_of(feed, scope.period.end)
    every_facility = _latest_by_id(feed, "FacilityRegistered", "facility_id")

    def facility(e: BoardEntry) -> str | None:
        facility_id = _opt_text(e, "facility_id")
        if facility_id is None:
            return None
        known = register.get(facility_id) or every_facility.get(facility_id)
        if known is None:
            return facility_id
        parts.extra_entries.add(known.index)
        return _text(known, "name")

    issues = sum(len(_list(e, "issues")) for e in inspections if live(e))
    parts.tables.append(
        _summary(
            "本期概况",
            ("事项", "条数"),
            [
                (_t("现场作业记录"), _c(sum(1 for e in logs if live(e)))),
                (_t("巡查检查"), _c(sum(1 for e in inspections if live(e)))),
                (_t("其中发现问题"), _c(issues)),
                (_t("设施设备维保"), _c(sum(1 for e in services if live(e)))),
                (_t("设施登记及变更"), _c(sum(1 for e in registrations if live(e)))),
                (_t("在册设施设备（期末）"), _c(len(register))),
            ],
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "现场作业记录",
            ("日期", "内容", "作业类别", "地点", "时间", "人数"),
            ("date", "text", "text", "text", "text", "count"),
            logs,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(_text(e, "description")),
                    _t(zh("work_kind", _text(e, "kind"))),
                    _t(_text(e, "location")),
                    _t(_clock_span(e)),
                    _c(len(_list(e, "staff_ids"))),
                )
            ],
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "巡查检查记录",
            (
                "日期",
                "检查范围",
                "设施",
                "检查人",
                "结果",
                "问题及整改期限",
                "下次检查",
            ),
            ("date", "text", "text", "text", "text", "text", "date"),
            inspections,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(_text(e, "scope")),
                    _t(facility(e)),
                    _t(_actor(_lookup(e.body, "inspector"))),
                    _t(zh("inspection_result", _text(e, "result"))),
                    _t(_issues(e)),
                    _d(_opt_text(e, "next_due")),
                )
            ],
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "设施设备维保记录",
            ("日期", "工作内容", "设施", "维保类别", "执行单位", "结果", "下次到期"),
            ("date", "text", "text", "text", "text", "text", "date"),
            services,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(_text(e, "work_done")),
                    _t(facility(e)),
                    _t(zh("service_kind", _text(e, "service_kind"))),
                    _t(_actor(_lookup(e.body, "performed_by"))),
                    _t(zh("facility_result", _text(e, "result"))),
                    _d(_opt_text(e, "next_due")),
                )
            ],
        )
    )
    if registrations:
        parts.tables.append(
            _ledger(
                scope,
                "本期设施登记及变更",
                ("日期", "名称", "编号", "类别", "位置", "维保单位"),
                ("date", "text", "text", "text", "text", "text"),
                registrations,
                lambda e: [
                    (
                        _d(scope.dates.of(e)),
                        _t(_text(e, "name")),
                        _t(_text(e, "facility_id")),
                        _t(zh("facility_kind", _text(e, "kind"))),
                        _t(_text(e, "location")),
                        _t(_opt_text(e, "maintenance_contractor.name")),
                    )
                ],
            )
        )
    ordered = sorted(register.values(), key=lambda e: _text(e, "facility_id"))
    parts.extra_entries.update(e.index for e in ordered)
    parts.tables.append(
        Table(
            f"设施设备台账（截至 {scope.period.end}）",
            (
                "编号",
                "名称",
                "类别",
                "位置",
                "品牌型号",
                "安装日期",
                "使用登记证号",
                "维保单位",
                "法定检验周期（天）",
            ),
            tuple(_register_row(feed, e) for e in ordered),
        )
    )
    return parts


def _register_row(feed: _Feed, e: BoardEntry) -> Row:
    """A facility's row in the register; the same in every month, so made once."""
    row = feed.rows.get(("register", e.index))
    if row is None:
        row = feed.rows["register", e.index] = Row(
            (
                _t(_text(e, "facility_id")),
                _t(_text(e, "name")),
                _t(zh("facility_kind", _text(e, "kind"))),
                _t(_text(e, "location")),
                _t(_join(_opt_text(e, "make"), _opt_text(e, "model"))),
                _d(_opt_text(e, "installed_on")),
                _t(_opt_text(e, "registration_number")),
                _t(_opt_text(e, "maintenance_contractor.name")),
                _c(_opt_int(e, "statutory_inspection_cycle_days")),
            ),
            entry=e.index,
        )
    return row


def _register_as_of(feed: _Feed, end: str) -> dict[str, BoardEntry]:
    """The latest live declaration of each facility dated on or before ``end``."""
    register: dict[str, BoardEntry] = {}
    for entry in feed.live_of_type("FacilityRegistered"):
        if feed.dates.of(entry).isoformat() <= end:
            register[_text(entry, "facility_id")] = entry
    return register


def _clock_span(entry: BoardEntry) -> str | None:
    start, end = _opt_text(entry, "started_at"), _opt_text(entry, "finished_at")
    if start is None or end is None:
        return None
    return f"{_clock(entry, start)}–{_clock(entry, end)}"


def _clock(entry: BoardEntry, value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _integrity(
            entry, "body.started_at", f"不是时间：{value!r}", "is not a time"
        ) from None
    if moment.tzinfo is not None and moment.utcoffset() != _CHINA_OFFSET:
        moment = moment.astimezone(CHINA_TIME)
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _issues(entry: BoardEntry) -> str | None:
    texts: list[str] = []
    for issue in _mappings(entry, "issues"):
        severity = issue.get("severity")
        text = str(issue.get("description", ""))
        if severity:
            text = f"[{zh('issue_severity', str(severity))}] {text}"
        if issue.get("rectify_by"):
            text += f"（{issue['rectify_by']} 前整改）"
        texts.append(text)
    return "；".join(texts) or None


# =====================================================================================
# T11 暖心物管实事亮牌公示表
# =====================================================================================


def _warm_pledges(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    made = scope.of_type("PledgeMade")
    followups = scope.of_type("PledgeProgressed", "PledgeFulfilled", "PledgeLapsed")
    statuses: Counter[str] = Counter()
    rows: list[Row] = []
    for pledge_id, pledges, steps in _threads(feed.dates, made, followups, "pledge_id"):
        mine = [e for e in steps if feed.live(e)]
        status, closed_on, outcome, progress = "open", None, None, None
        for e in mine:
            if e.entry_type == "PledgeProgressed":
                progress = _int(e, "progress_bp")
            elif e.entry_type == "PledgeFulfilled":
                status, closed_on, outcome = (
                    "fulfilled",
                    _text(e, "fulfilled_on"),
                    _text(e, "outcome"),
                )
                progress = 10_000
            else:
                status, closed_on, outcome = (
                    "lapsed",
                    _text(e, "lapsed_on"),
                    _text(e, "reason"),
                )
        pledge = _last([e for e in pledges if feed.live(e)] or pledges)
        if pledge is None:
            cells = (_t(pledge_id), _t("（未找到对应的承诺）"), _t(None), _d(None))
        else:
            cells = (
                _t(pledge_id),
                _t(_text(pledge, "title")),
                _t(
                    f"{_text(pledge, 'responsible.name')}（{_text(pledge, 'responsible.position')}）"
                ),
                _d(_text(pledge, "due_on")),
            )
        if pledge is None or feed.live(pledge):
            statuses[status] += 1
        rows.append(
            Row(
                (
                    *cells,
                    _r(progress),
                    _t(zh("pledge_status", status)),
                    _d(closed_on),
                    _t(outcome),
                ),
                entry=None if pledge is None else pledge.index,
                reversed_by=None if pledge is None else feed.reversed_by(pledge),
            )
        )
        if pledge is not None and (reversal := feed.reversal_of.get(pledge.index)):
            rows.append(
                _reversal_row(
                    feed.dates,
                    reversal,
                    pledge.index,
                    ("text", "text", "text", "date", "ratio", "text", "date", "text"),
                    text_column=1,
                )
            )
    parts.tables.append(
        Table(
            "承诺事项",
            (
                "编号",
                "事项",
                "责任人",
                "承诺完成日期",
                "最新进度",
                "状态",
                "兑现或失效日期",
                "结果说明",
            ),
            tuple(rows),
        )
    )
    parts.tables.append(
        _summary(
            "承诺统计",
            ("状态", "项数"),
            [
                (_t(name), _c(statuses[value]))
                for value, name in ENUM_NAMES["pledge_status"].items()
            ],
            footer=(_t("合计"), _c(sum(statuses.values()))),
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "进展记录",
            ("日期", "事项", "编号", "进度", "说明"),
            ("date", "text", "text", "ratio", "text"),
            followups,
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(_type_name(e)),
                    _t(_text(e, "pledge_id")),
                    _r(
                        _int(e, "progress_bp")
                        if e.entry_type == "PledgeProgressed"
                        else (10_000 if e.entry_type == "PledgeFulfilled" else None)
                    ),
                    _t(_pledge_followup_text(e)),
                )
            ],
        )
    )
    return parts


def _threads(
    dates: _Dates,
    openings: Sequence[BoardEntry],
    followups: Sequence[BoardEntry],
    id_field: str,
) -> list[tuple[str, list[BoardEntry], list[BoardEntry]]]:
    """Pledges or challenges: ``(id, opening entries, follow-ups)``, both by date.

    Ordered by the first opening entry (date, index), then ids that were never
    opened, by their first follow-up.
    """
    opened: dict[str, list[BoardEntry]] = {}
    steps: dict[str, list[BoardEntry]] = {}
    for entry in sorted(openings, key=dates.order):
        opened.setdefault(_text(entry, id_field), []).append(entry)
    for entry in sorted(followups, key=dates.order):
        steps.setdefault(_text(entry, id_field), []).append(entry)
    ids = list(opened) + [i for i in steps if i not in opened]
    return [(i, opened.get(i, []), steps.get(i, [])) for i in ids]


def _pledge_followup_text(entry: BoardEntry) -> str:
    if entry.entry_type == "PledgeProgressed":
        return _text(entry, "note")
    if entry.entry_type == "PledgeFulfilled":
        return _text(entry, "outcome")
    return _text(entry, "reason")


# =====================================================================================
# T12 业主质疑及答复公示表
# =====================================================================================

_CHALLENGE_RANK: Final = ("raised", "acknowledged", "answered", "escalated", "closed")


def _challenges_and_replies(scope: _Scope) -> _Parts:
    parts = _Parts()
    feed = scope.feed
    raised = scope.of_type("ChallengeRaised")
    followups = scope.of_type(
        "ChallengeAnswered", "ChallengeEscalated", "ChallengeClosed"
    )
    statuses: Counter[str] = Counter()
    escalated_count = 0
    rows: list[Row] = []
    kinds: tuple[CellKind, ...] = (
        "text", "text", "text", "text", "date", "date", "date", "date", "date", "text", "text",
    )  # fmt: skip
    for challenge_id, opened, steps in _threads(
        feed.dates, raised, followups, "challenge_id"
    ):
        mine = [e for e in steps if feed.live(e)]
        acks = [
            e
            for e in mine
            if e.entry_type == "ChallengeAnswered"
            and _text(e, "stage") == "acknowledgement"
        ]
        answers = [
            e
            for e in mine
            if e.entry_type == "ChallengeAnswered" and _text(e, "stage") == "answer"
        ]
        escalations = [e for e in mine if e.entry_type == "ChallengeEscalated"]
        closures = [e for e in mine if e.entry_type == "ChallengeClosed"]
        status = "raised"
        for name, group in zip(
            _CHALLENGE_RANK[1:], (acks, answers, escalations, closures), strict=True
        ):
            if group:
                status = name
        outcome = (
            zh("challenge_outcome", _text(closures[-1], "outcome"))
            if closures
            else None
        )
        challenge = _last([e for e in opened if feed.live(e)] or opened)
        if challenge is None:
            head = (
                _t(challenge_id),
                _t("（未找到对应的质疑）"),
                _t(None),
                _t(None),
                _d(None),
            )
        else:
            head = (
                _t(challenge_id),
                _t(_text(challenge, "subject")),
                _t(zh("challenge_topic", _text(challenge, "topic"))),
                _t(zh("challenge_channel", _text(challenge, "channel"))),
                _d(scope.dates.of(challenge)),
            )
        if challenge is None or feed.live(challenge):
            statuses[status] += 1
            escalated_count += bool(escalations)
        rows.append(
            Row(
                (
                    *head,
                    _d(scope.dates.of(acks[0]) if acks else None),
                    _d(scope.dates.of(answers[0]) if answers else None),
                    _d(scope.dates.of(escalations[0]) if escalations else None),
                    _d(scope.dates.of(closures[-1]) if closures else None),
                    _t(zh("challenge_status", status)),
                    _t(outcome),
                ),
                entry=None if challenge is None else challenge.index,
                reversed_by=None if challenge is None else feed.reversed_by(challenge),
            )
        )
        if challenge is not None and (
            reversal := feed.reversal_of.get(challenge.index)
        ):
            rows.append(
                _reversal_row(
                    feed.dates, reversal, challenge.index, kinds, text_column=1
                )
            )
    parts.tables.append(
        Table(
            "质疑事项",
            (
                "编号",
                "事由",
                "类别",
                "渠道",
                "提出日期",
                "受理日期",
                "答复日期",
                "升级日期",
                "办结日期",
                "状态",
                "结果",
            ),
            tuple(rows),
        )
    )
    total = sum(statuses.values())
    parts.tables.append(
        _summary(
            "质疑统计",
            ("项目", "件数"),
            [
                (_t("质疑总数"), _c(total)),
                *(
                    (_t(zh("challenge_status", s)), _c(statuses[s]))
                    for s in _CHALLENGE_RANK
                ),
                (_t("曾升级处理"), _c(escalated_count)),
            ],
        )
    )
    parts.tables.append(
        _ledger(
            scope,
            "处理记录",
            ("日期", "事项", "编号", "内容"),
            ("date", "text", "text", "text"),
            (*raised, *followups),
            lambda e: [
                (
                    _d(scope.dates.of(e)),
                    _t(_challenge_step(e)),
                    _t(_text(e, "challenge_id")),
                    _t(_challenge_text(e)),
                )
            ],
        )
    )
    return parts


def _challenge_step(entry: BoardEntry) -> str:
    if entry.entry_type == "ChallengeAnswered":
        return zh("challenge_stage", _text(entry, "stage"))
    if entry.entry_type == "ChallengeEscalated":
        return f"升级至{zh('escalated_to', _text(entry, 'escalated_to'))}"
    if entry.entry_type == "ChallengeClosed":
        return f"办结（{zh('closed_by', _text(entry, 'closed_by'))}）"
    return _type_name(entry)


def _challenge_text(entry: BoardEntry) -> str:
    if entry.entry_type == "ChallengeRaised":
        return f"{_text(entry, 'subject')}：{_text(entry, 'question')}"
    if entry.entry_type == "ChallengeAnswered":
        return f"{_text(entry, 'answered_by.position')}：{_text(entry, 'answer')}"
    if entry.entry_type == "ChallengeEscalated":
        trigger = zh("escalation_trigger", _text(entry, "trigger"))
        return f"{trigger}：{_text(entry, 'reason')}"
    outcome = zh("challenge_outcome", _text(entry, "outcome"))
    note = _opt_text(entry, "note")
    return f"{outcome}：{note}" if note else outcome


_BUILDERS: Final[dict[str, Callable[[_Scope], _Parts]]] = {
    "project-and-staff": _project_and_staff,
    "fee-schedule": _fee_schedule,
    "common-revenue": _common_revenue,
    "commission-fund": _commission_fund,
    "commission-budget": _commission_budget,
    "lump-sum-spending": _lump_sum_spending,
    "shared-utilities": _shared_utilities,
    "maintenance-fund": _maintenance_fund,
    "contract-performance": _contract_performance,
    "onsite-work": _onsite_work,
    "warm-pledges": _warm_pledges,
    "challenges-and-replies": _challenges_and_replies,
}
