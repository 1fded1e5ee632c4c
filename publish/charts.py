"""Charts for statement pages: pure functions from a statement's entries to inline SVG.

A picture says more than a table for three things an owner asks (issue 4): did money
come in faster than it went out, month by month; what was it spent on; and where did
the owners' share of common-area income go. Each chart is a :class:`Chart` (the
figures, in integer fen) worked out from the entries the statement shows, and
:func:`chart_svg` draws it as horizontal bars — they read on a 375-px phone and on
paper, and need no script, font or file from anywhere else.

The figures are recomputed here from the board's entries with the same rules as
:mod:`domain.statements` (business date, reversals cancel both entries), so a test can
check that every chart sums to the statement's own headline totals.

Output is deterministic (integer arithmetic, no floats in the markup, fixed order) and
every piece of text is escaped; colours come from CSS classes (``site.css``) so the
charts follow the print stylesheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

from domain.board import BoardEntry, ProjectBoard
from domain.statements import (
    ENUM_NAMES,
    LUMP_SUM_COST_CATEGORIES,
    OPERATING_COST_CATEGORIES,
    Statement,
    business_date,
    month_period,
)
from publish.render import yuan


@dataclass(frozen=True)
class Series:
    """One kind of bar: ``css`` picks its colour in site.css (``bar-<css>``)."""

    name: str
    css: str


@dataclass(frozen=True)
class Group:
    """One row of the chart: a label and one value (fen) per series."""

    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """A bar chart's figures; ``key`` is stable (tests, element ids)."""

    key: str
    title: str
    description: str
    series: tuple[Series, ...]
    groups: tuple[Group, ...]

    def total(self, series: int) -> int:
        """The sum of one series over every group."""
        return sum(group.values[series] for group in self.groups)

    @property
    def empty(self) -> bool:
        return not any(v for group in self.groups for v in group.values)


INCOME: Final = Series("收入", "income")
SPENDING: Final = Series("支出", "spending")

#: For each income/expense template: (series, entry types summed into it).
_MONTHLY: Final[dict[str, tuple[tuple[Series, tuple[str, ...]], ...]]] = {
    "common-revenue": (
        (Series("经营收入", "income"), ("CommonRevenueRecorded",)),
        (Series("扣除成本", "spending"), ("CommonRevenueCostDeducted",)),
    ),
    "commission-fund": (
        (Series("资金收入", "income"), ("CommissionFundCollected",)),
        (Series("资金支出", "spending"), ("CommissionFundSpent",)),
        (Series("物业服务酬金", "remuneration"), ("RemunerationDrawn",)),
    ),
    "lump-sum-spending": (
        (Series("收入", "income"), ("LumpSumIncomeRecorded",)),
        (Series("支出", "spending"), ("LumpSumSpendingRecorded",)),
    ),
}

#: Templates whose spending entries carry a cost category: (entry type, categories).
_CATEGORIES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "commission-fund": ("CommissionFundSpent", OPERATING_COST_CATEGORIES),
    "lump-sum-spending": ("LumpSumSpendingRecorded", LUMP_SUM_COST_CATEGORIES),
}


def statement_charts(board: ProjectBoard, statement: Statement) -> list[Chart]:
    """The charts a statement page shows (none for templates without money flows).

    Charts with no money at all are left out: an empty picture says nothing the
    page's tables do not.
    """
    entries = [board.entries[i] for i in statement.entries if i in board.entries]
    live = [e for e in entries if _live(e)]
    charts: list[Chart] = []
    if statement.template in _MONTHLY:
        charts.append(monthly_flows(statement, live))
    if statement.template in _CATEGORIES:
        entry_type, categories = _CATEGORIES[statement.template]
        charts.append(spending_by_category(live, entry_type, categories))
    if statement.template == "common-revenue":
        charts.append(owner_share_destinations(live))
    return [chart for chart in charts if not chart.empty]


def monthly_flows(statement: Statement, live: Sequence[BoardEntry]) -> Chart:
    """Income against spending for each month of the statement's period."""
    plan = _MONTHLY[statement.template]
    months = _months_of(statement.period.start, statement.period.end)
    sums = {key: [0] * len(plan) for key, _ in months}
    for entry in live:
        for position, (_, types) in enumerate(plan):
            if entry.entry_type in types:
                month = business_date(entry).isoformat()[:7]
                if month in sums:
                    sums[month][position] += _amount(entry)
    names = "、".join(series.name for series, _ in plan)
    return Chart(
        key="monthly",
        title="按月收支",
        description=f"{statement.period.label}每月的{names}（元）。",
        series=tuple(series for series, _ in plan),
        groups=tuple(Group(label, tuple(sums[key])) for key, label in months),
    )


def spending_by_category(
    live: Iterable[BoardEntry], entry_type: str, categories: Sequence[str]
) -> Chart:
    """Spending by the cost categories of 《物业服务收费管理办法》第十一条."""
    sums = dict.fromkeys(categories, 0)
    for entry in live:
        if entry.entry_type == entry_type:
            category = str(entry.body.get("category"))
            sums[category] = sums.get(category, 0) + _amount(entry)
    names = ENUM_NAMES["cost_category"]
    return Chart(
        key="categories",
        title="支出按成本类别",
        description="本期支出按成本类别的金额（元），未发生的类别不列出。",
        series=(SPENDING,),
        groups=tuple(
            Group(names.get(category, category), (fen,))
            for category, fen in sums.items()
            if fen
        ),
    )


def owner_share_destinations(live: Iterable[BoardEntry]) -> Chart:
    """Where the owners' share of common-area income went (OwnerShareAllocated)."""
    names = ENUM_NAMES["owner_share_destination"]
    sums = dict.fromkeys(names, 0)
    for entry in live:
        if entry.entry_type == "OwnerShareAllocated":
            destination = str(entry.body.get("destination"))
            sums[destination] = sums.get(destination, 0) + _amount(entry)
    return Chart(
        key="owner-share",
        title="业主共有收益去向",
        description="本期已分配的业主共有收益按去向的金额（元）。",
        series=(Series("分配金额", "share"),),
        groups=tuple(
            Group(names.get(destination, destination), (fen,))
            for destination, fen in sums.items()
            if fen
        ),
    )


# ------------------------------------------------------------------------- drawing
#: Geometry in SVG user units; the viewBox is as wide as a phone's content column.
WIDTH: Final = 360
_PAD: Final = 4
_LABEL_LINE: Final = 18  # a group's label sits on its own line above its bars
_BAR: Final = 16
_BAR_GAP: Final = 3
_GROUP_GAP: Final = 10
_LEGEND: Final = 22
_VALUE_ROOM: Final = 112  # room right of the longest bar for "¥12,345,678.90"


def chart_svg(chart: Chart, element_id: str) -> str:
    """The chart as an inline ``<svg>`` with ``<title>``, ``<desc>`` and ARIA names.

    ``element_id`` must be unique in the page (``[A-Za-z0-9-]``); every text is
    escaped. A chart with no money draws a single line saying so.
    """
    if not element_id.replace("-", "").isalnum() or not element_id.isascii():
        raise ValueError(f"not a safe element id: {element_id!r}")  # programming error
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    parts: list[str] = []
    y = _PAD
    if len(chart.series) > 1:
        x = _PAD
        for series in chart.series:
            parts.append(
                f'<rect class="bar bar-{_css(series.css)}" x="{x}" y="{y + 3}" '
                f'width="12" height="12"/>'
                f'<text x="{x + 16}" y="{y + 14}">{escape(series.name)}</text>'
            )
            x += 16 + 14 * len(series.name) + 14
        y += _LEGEND
    peak = max((v for group in chart.groups for v in group.values), default=0)
    span = WIDTH - 2 * _PAD - _VALUE_ROOM
    if chart.empty:
        parts.append(f'<text x="{_PAD}" y="{y + 14}">暂无数据</text>')
        y += _LABEL_LINE + _PAD
    for group in chart.groups if not chart.empty else ():
        parts.append(
            f'<text class="label" x="{_PAD}" y="{y + 13}">{escape(group.label)}</text>'
        )
        y += _LABEL_LINE
        for series, value in zip(chart.series, group.values, strict=True):
            length = _scaled(value, peak, span)
            parts.append(
                f'<rect class="bar bar-{_css(series.css)}" x="{_PAD}" y="{y}" '
                f'width="{length}" height="{_BAR}">'
                f"<title>{escape(series.name)} {escape(yuan(value))}</title></rect>"
                f'<text class="value" x="{_PAD + length + 4}" y="{y + 12}">'
                f"{escape(yuan(value))}</text>"
            )
            y += _BAR + _BAR_GAP
        y += _GROUP_GAP
    height = y + _PAD
    return (
        f'<svg class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(chart.description)} {escape(_summary(chart))}</desc>'
        + "".join(parts)
        + "</svg>"
    )


def _summary(chart: Chart) -> str:
    """The chart's figures as one sentence, for screen readers."""
    if chart.empty:
        return "暂无数据。"
    groups = []
    for group in chart.groups:
        values = "，".join(
            f"{series.name} {yuan(value)}"
            for series, value in zip(chart.series, group.values, strict=True)
        )
        groups.append(f"{group.label}：{values}")
    return "；".join(groups) + "。"


def _scaled(value: int, peak: int, span: int) -> int:
    """Bar length in whole units, rounded half up; any non-zero value shows ≥ 1."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, (2 * value * span + peak) // (2 * peak))


def _css(name: str) -> str:
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c == "-"))


# ------------------------------------------------------------------------ helpers
def _live(entry: BoardEntry) -> bool:
    return entry.entry_type != "EntryReversed" and entry.reversed_by is None


def _amount(entry: BoardEntry) -> int:
    value = entry.body.get("amount_fen")
    return value if type(value) is int else 0


def _months_of(start: str, end: str) -> list[tuple[str, str]]:
    """``[(YYYY-MM, label)]`` for every month from ``start`` to ``end`` (ISO dates)."""
    year, month = int(start[:4]), int(start[5:7])
    last = (int(end[:4]), int(end[5:7]))
    months: list[tuple[str, str]] = []
    while (year, month) <= last:
        period = month_period(year, month)
        months.append((period.key, period.label))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
