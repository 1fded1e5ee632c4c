"""The issue's acceptance checks, run on the published demo site (SPEC §3–§6).

``shuangshai demo`` (``api/demo_command.py: run_demo``) builds a fictional 成都 estate
with a year of entries feeding eleven templates, and a 包干制 estate feeding T06, and
publishes the static site. This module builds it once and checks it as an outsider
would, from the published files alone:

- no private number is public, in any page, file or entry payload (SPEC §3, privacy);
- every statement page's figures agree with a recomputation from the published entry
  bundles by small, independent code written here (it does not call
  ``domain.statements``), honouring reversals: an entry cancelled by an
  ``EntryReversed`` (红冲) counts nowhere, and neither does the reversal itself;
- the site has a page for each of the 12 templates, a board of 8 columns, a desk of
  5 categories, proofs for every entry a page embeds, and the registry trust root
  (SPEC §4–5).

The date that puts an entry in a period follows ``domain/statements.py``'s documented
rules (its module docstring), re-implemented here from the text.
"""

from __future__ import annotations

import base64
import calendar
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from api.demo_command import run_demo
from domain.checkpoint import verify_cosignature
from domain.note import SignedNote
from domain.tiles import TILE_WIDTH, decode_entry_bundle, encode_entry_bundle
from domain.tiles import entries_path as bundle_path
from publish.logfiles import TrustPolicy
from tests.privacy import Finding, Hit, scan_site, scan_text

HEMINGYUAN = "jinjiang-hemingyuan"
DONGLI = "jinjiang-dongli"
PROJECTS = (HEMINGYUAN, DONGLI)

#: SPEC §5: the 12 templates, the 8 board columns and the 5 desk categories.
TEMPLATE_SLUGS = (
    "project-and-staff",
    "fee-schedule",
    "common-revenue",
    "commission-fund",
    "commission-budget",
    "lump-sum-spending",
    "shared-utilities",
    "maintenance-fund",
    "contract-performance",
    "onsite-work",
    "warm-pledges",
    "challenges-and-replies",
)
COLUMN_SLUGS = (
    "income-expenditure",
    "staff",
    "contract-performance",
    "facilities",
    "fees-and-services",
    "pledges",
    "supervision",
    "notices",
)
DESK_SLUGS = ("contracts", "finance", "registers", "work-records", "policies-and-plans")

#: SPEC §5: the operating cost categories of 《物业服务收费管理办法》第十一条.
COST_CATEGORY_NAMES = {
    "staff": "管理服务人员工资社保福利",
    "common-facilities": "共用部位共用设施设备日常运行维护",
    "cleaning": "清洁卫生",
    "greening": "绿化养护",
    "order": "秩序维护",
    "office": "办公",
    "depreciation": "固定资产折旧",
    "insurance": "共用部位设施设备及公众责任保险",
    "owner-approved": "经业主同意的其它费用",
}
WORK_KIND_NAMES = {
    "cleaning": "清洁卫生",
    "greening": "绿化养护",
    "order": "秩序维护",
    "patrol": "巡查巡检",
    "repair": "维修",
    "other": "其他",
}
PERFORMANCE_STATUS_NAMES = {
    "done": "已完成",
    "partly": "部分完成",
    "not-done": "未完成",
}
PLEDGE_STATUS_NAMES = {"open": "进行中", "fulfilled": "已兑现", "lapsed": "已逾期失效"}
CHALLENGE_STATUS_NAMES = {
    "raised": "待受理",
    "acknowledged": "已受理",
    "answered": "已答复",
    "escalated": "已升级",
    "closed": "已办结",
}

CHINA = timezone(timedelta(hours=8))


# =====================================================================================
# The demo site and its entries, read back from the published entry bundles
# =====================================================================================


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published demo site (built once for the module: several seconds)."""
    report = run_demo(tmp_path_factory.mktemp("demo") / "demo")
    return report.out_dir


@dataclass(frozen=True)
class Entry:
    """An entry as an outsider reads it from a published leaf."""

    index: int
    type: str
    body: dict[str, Any]
    accepted_at: str
    period: dict[str, str] | None


@dataclass(frozen=True)
class Log:
    """One project's entries, with the 红冲 links between them."""

    entries: tuple[Entry, ...]
    reversed: frozenset[int]  # indexes cancelled by an EntryReversed
    reversal_target: dict[int, int]  # EntryReversed index -> the index it cancels

    def live(self, entry: Entry) -> bool:
        return entry.type != "EntryReversed" and entry.index not in self.reversed

    def of(self, *types: str) -> list[Entry]:
        return [e for e in self.entries if e.type in types]

    def live_of(self, *types: str) -> list[Entry]:
        return [e for e in self.of(*types) if self.live(e)]


def read_log(log_dir: Path) -> Log:
    """Every entry of a published log, from ``tile/entries`` up to the checkpoint."""
    size = int((log_dir / "checkpoint").read_text(encoding="utf-8").split("\n")[1])
    leaves: list[bytes] = []
    for bundle in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - bundle * TILE_WIDTH)
        data = (log_dir / bundle_path(bundle, width)).read_bytes()
        leaves.extend(decode_entry_bundle(data, width=width))
    entries: list[Entry] = []
    for index, leaf in enumerate(leaves):
        outer = json.loads(leaf)
        payload = json.loads(base64.b64decode(outer["payload"]))
        entries.append(
            Entry(
                index,
                payload["type"],
                payload["body"],
                outer["accepted_at"],
                payload.get("period"),
            )
        )
    targets = {
        e.index: int(e.body["target"]["index"])
        for e in entries
        if e.type == "EntryReversed"
    }
    return Log(tuple(entries), frozenset(targets.values()), targets)


@pytest.fixture(scope="module")
def logs(site: Path) -> dict[str, Log]:
    return {p: read_log(site / "p" / p / "log") for p in PROJECTS}


# =====================================================================================
# Reading pages (stdlib html.parser)
# =====================================================================================


@dataclass
class Row:
    cells: list[str]
    css: str | None

    def entry(self) -> int | None:
        """The ``#n`` entry this row links to (last cell), if any."""
        found = re.match(r"#(\d+)", self.cells[-1].strip())
        return int(found.group(1)) if found else None


@dataclass
class Table:
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)

    def live_rows(self) -> list[Row]:
        return [r for r in self.rows if r.css not in ("reversed", "reversal")]

    def column(self, header: str) -> int:
        return self.headers.index(header)

    def by_first_cell(self) -> dict[str, list[str]]:
        return {r.cells[0]: r.cells for r in self.rows}


@dataclass
class Page:
    totals: dict[str, int] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    embedded: dict[str, Any] = field(default_factory=dict)
    column_ids: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def table(self, title: str) -> Table:
        found = [t for t in self.tables if t.title.startswith(title)]
        assert len(found) == 1, f"{len(found)} tables titled {title!r}"
        return found[0]

    def has_table(self, title: str) -> bool:
        return any(t.title.startswith(title) for t in self.tables)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._title: list[str] | None = None
        self._last_title = ""
        self._section = ""
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "dd" and attr.get("data-key") is not None:
            self.page.totals[str(attr["data-key"])] = int(str(attr["data-fen"]))
        elif tag == "h2":
            self._title = []
        elif tag == "table":
            self.page.tables.append(Table(self._last_title))
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr" and self._section == "tbody":
            self._row = Row([], attr.get("class"))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script" and attr.get("id") == "shuangshai-entries":
            self._script = []
        elif tag == "section" and "column" in (attr.get("class") or "").split():
            self.page.column_ids.append(str(attr.get("id")))
        elif tag == "a" and attr.get("href"):
            self.page.links.append(str(attr["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._title is not None:
            self._last_title = "".join(self._title).strip()
            self._title = None
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            self._cell = None
            table = self.page.tables[-1] if self.page.tables else None
            if table is None:
                return
            if self._section == "thead":
                table.headers.append(text)
            elif self._section == "tfoot":
                table.footer.append(text)
            elif self._row is not None:
                self._row.cells.append(text)
        elif tag == "tr" and self._row is not None:
            self.page.tables[-1].rows.append(self._row)
            self._row = None
        elif tag == "script" and self._script is not None:
            self.page.embedded = json.loads("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        for sink in (self._title, self._cell, self._script):
            if sink is not None:
                sink.append(data)


def parse_page(path: Path) -> Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def fen(text: str) -> int | None:
    """``¥1,234.56`` / ``-¥1.00`` / ``—`` as integer fen (None for the dash)."""
    text = text.strip()
    if text == "—":
        return None
    negative = text.startswith("-")
    whole, cents = text.removeprefix("-").removeprefix("¥").replace(",", "").split(".")
    value = int(whole) * 100 + int(cents)
    return -value if negative else value


def count(text: str) -> int:
    return int(text.replace(",", ""))


def pages_of(site: Path, project: str, template: str) -> dict[str, Path]:
    """``{period key: page}`` of one template's statement pages."""
    folder = site / "p" / project / "t" / template
    return {p.stem: p for p in sorted(folder.glob("*.html"))}


# =====================================================================================
# Periods, re-implemented from domain/statements.py's documented rules
# =====================================================================================

#: The body field (dotted) holding an entry's business date.
DATE_FIELDS = {
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
    "PledgeProgressed": "as_of",
    "PledgeFulfilled": "fulfilled_on",
    "PledgeLapsed": "lapsed_on",
    "ChallengeRaised": "received_at",
    "ChallengeEscalated": "escalated_on",
    "ChallengeClosed": "closed_on",
}

#: SPEC §5 "fed by", with each template's cadence.
FEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "project-and-staff": (
        "current",
        (
            "ProjectProfileDeclared",
            "ManagerAppointed",
            "StaffAssigned",
            "StaffReleased",
        ),
    ),
    "fee-schedule": ("current", ("FeeScheduleDeclared", "ServiceStandardDeclared")),
    "common-revenue": (
        "quarter",
        (
            "RevenueSourceRegistered",
            "CommonRevenueRecorded",
            "CommonRevenueCostDeducted",
            "OwnerShareAllocated",
        ),
    ),
    "commission-fund": (
        "quarter",
        ("CommissionFundCollected", "CommissionFundSpent", "RemunerationDrawn"),
    ),
    "commission-budget": ("year", ("BudgetDeclared", "AccountsClosed")),
    "lump-sum-spending": ("half", ("LumpSumIncomeRecorded", "LumpSumSpendingRecorded")),
    "shared-utilities": ("month", ("UtilityCostApportioned",)),
    "maintenance-fund": ("year", ("MaintenanceFundUsed",)),
    "contract-performance": ("half", ("PerformanceReported", "WorkLogged")),
    "onsite-work": (
        "month",
        ("WorkLogged", "InspectionRecorded", "FacilityRegistered", "FacilityServiced"),
    ),
    "warm-pledges": (
        "year",
        ("PledgeMade", "PledgeProgressed", "PledgeFulfilled", "PledgeLapsed"),
    ),
    "challenges-and-replies": (
        "year",
        (
            "ChallengeRaised",
            "ChallengeAnswered",
            "ChallengeEscalated",
            "ChallengeClosed",
        ),
    ),
}


def _lookup(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _china_day(moment: str) -> date:
    parsed = datetime.fromisoformat(moment)
    return parsed.astimezone(CHINA).date() if parsed.tzinfo else parsed.date()


def business_date(entry: Entry) -> date:
    """The body's date, else the envelope's period.start, else accepted_at (UTC+8)."""
    path = DATE_FIELDS.get(entry.type)
    value = _lookup(entry.body, path) if path else None
    if isinstance(value, str):
        return _china_day(value) if "T" in value else date.fromisoformat(value)
    if entry.period and entry.period.get("start"):
        return date.fromisoformat(entry.period["start"])
    return _china_day(entry.accepted_at)


def period_key(cadence: str, day: date) -> str:
    if cadence == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if cadence == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if cadence == "half":
        return f"{day.year:04d}-H{1 if day.month <= 6 else 2}"
    assert cadence == "year"
    return f"{day.year:04d}"


def periods(log: Log, template: str) -> dict[str, list[Entry]]:
    """``{period key: entries}`` of a template, reversals in their target's period."""
    cadence, types = FEEDS[template]
    fed = log.of(*types)
    if not fed:
        return {}
    if cadence == "current":
        return {"current": fed}
    opening = {"warm-pledges": "pledge_id", "challenges-and-replies": "challenge_id"}
    parents: dict[str, Entry] = {}
    if template in opening:
        for entry in fed:  # the latest live opening entry of each id wins
            if entry.type in ("PledgeMade", "ChallengeRaised") and log.live(entry):
                parents[entry.body[opening[template]]] = entry
    keys: dict[int, str] = {}
    for entry in fed:
        if entry.type in ("BudgetDeclared", "AccountsClosed"):
            keys[entry.index] = entry.body["year"]
        elif entry.type == "PerformanceReported":
            half = entry.body["half_year"]
            keys[entry.index] = f"{half['year']:04d}-H{half['half']}"
        else:
            anchor = entry
            if template in opening:
                anchor = parents.get(entry.body[opening[template]], entry)
            keys[entry.index] = period_key(cadence, business_date(anchor))
    grouped: dict[str, list[Entry]] = {}
    for entry in fed:
        grouped.setdefault(keys[entry.index], []).append(entry)
    for reversal, target in log.reversal_target.items():
        if target in keys:
            grouped[keys[target]].append(log.entries[reversal])
    return grouped


def _day_then_index(entry: Entry) -> tuple[date, int]:
    return business_date(entry), entry.index


def live(log: Log, entries: Iterable[Entry], *types: str) -> list[Entry]:
    return [e for e in entries if e.type in types and log.live(e)]


def total(entries: Iterable[Entry], path: str = "amount_fen") -> int:
    return sum(int(_lookup(e.body, path)) for e in entries)


def statement_pages(
    site: Path, logs: dict[str, Log], template: str
) -> Iterator[tuple[Log, str, list[Entry], Page]]:
    """Each published page of ``template`` with the entries of its period.

    The pages published must be exactly the periods the entries give.
    """
    seen = 0
    for project in PROJECTS:
        log = logs[project]
        expected = periods(log, template)
        published = pages_of(site, project, template)
        assert sorted(published) == sorted(expected), (project, template)
        for key, page in published.items():
            seen += 1
            yield log, key, expected[key], parse_page(page)
    assert seen, f"the demo publishes no {template} page"


# =====================================================================================
# 1. Privacy
# =====================================================================================


def _bundle_with(*payloads: dict[str, Any]) -> bytes:
    leaves = [
        json.dumps(
            {
                "accepted_at": "2025-01-02T01:30:00Z",
                "payload": base64.b64encode(
                    json.dumps(p, ensure_ascii=False).encode()
                ).decode(),
                "sig": base64.b64encode(bytes(64)).decode(),
                "v": 1,
            },
            sort_keys=True,
        ).encode()
        for p in payloads
    ]
    return encode_entry_bundle(leaves)


MOBILE = "13912345678"
ID_CARD = "11010519491231002X"  # GB 11643's example number: the check digit holds
BANK_CARD = "6222021234567890128"  # 19 digits, Luhn-valid


def test_the_scanner_finds_planted_numbers_in_html_json_and_entry_payloads(
    tmp_path: Path,
) -> None:
    (tmp_path / "index.html").write_text(
        f"<p>联系电话：{MOBILE}，身份证号 {ID_CARD}。</p>", encoding="utf-8"
    )
    (tmp_path / "data.json").write_text(
        json.dumps({"owner": {"bank_card": BANK_CARD, "note": "王先生"}}),
        encoding="utf-8",
    )
    entries = tmp_path / "p" / "x" / "log" / "tile" / "entries"
    (entries / "001.p").mkdir(parents=True)
    (entries / "001.p" / "2").write_bytes(
        _bundle_with(
            {"body": {"note": "一切正常"}},
            {"body": {"challenger": {"phone": f"+86 {MOBILE}", "id": ID_CARD}}},
        )
    )

    findings = scan_site(tmp_path)

    assert set(findings) == {
        Finding("index.html", "mobile", MOBILE),
        Finding("index.html", "id-card", ID_CARD),
        Finding("data.json", "bank-card", BANK_CARD),
        Finding(
            "p/x/log/tile/entries/001.p/2",
            "mobile",
            f"+86 {MOBILE}",
            entry=257,
            in_payload=True,
        ),
        Finding(
            "p/x/log/tile/entries/001.p/2",
            "id-card",
            ID_CARD,
            entry=257,
            in_payload=True,
        ),
    }


def test_the_scanner_finds_a_number_a_raw_byte_scan_of_a_bundle_would_miss(
    tmp_path: Path,
) -> None:
    bundle = _bundle_with({"body": {"phone": MOBILE}})
    assert MOBILE.encode() not in bundle  # it is only there in base64
    (tmp_path / "000.p").mkdir()
    (tmp_path / "000.p" / "1").write_bytes(bundle)
    # not under tile/entries: a raw scan sees nothing
    assert scan_site(tmp_path) == []
    target = tmp_path / "tile" / "entries" / "000.p" / "1"
    target.parent.mkdir(parents=True)
    target.write_bytes(bundle)

    assert [str(f) for f in scan_site(tmp_path)] == [
        f"tile/entries/000.p/1 entry 0 (payload): mobile {MOBILE!r}"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"电话{MOBILE}", Hit("mobile", MOBILE)),
        ("手机 139-1234-5678", Hit("mobile", "139-1234-5678")),
        ("手机 139 1234 5678", Hit("mobile", "139 1234 5678")),
        ("8613912345678", Hit("mobile", "8613912345678")),
        (f'"\\u8bdd{MOBILE}"', Hit("mobile", MOBILE)),  # JSON with ensure_ascii
        ("证件 11010519491231002x", Hit("id-card", "11010519491231002x")),
        ("身份证510107198506120031。", Hit("id-card", "510107198506120031")),
        ("卡号 6222 0212 3456 7890 128", Hit("bank-card", "6222 0212 3456 7890 128")),
        ("4111111111111111", Hit("bank-card", "4111111111111111")),
    ],
)
def test_the_scanner_recognises_each_written_form(text: str, expected: Hit) -> None:
    assert scan_text(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "王先生 139****5678",  # masked, as SPEC §3 asks
        "1391234****",
        "投诉电话 028-84561234",  # a Chengdu landline
        "02884561234",
        "服务热线 400-820-8820",
        "4008208820",
        "95588",
        "sha256 a13912345678b" + "0" * 52,  # a hex hash with a mobile-like run
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "622202123456789012822a1e4649b934ca495991b7852b855e3b0c44298fc1c1",
        'data-fen="9389870"',  # fen amounts
        'data-fen="329500000" ¥3,295,000.00',
        "2025-01-17 20250117 2025-01-17T10:30:00+08:00 20250117103000",
        "11010519491231002Y 110105194912310021",  # wrong check digit
        "110105204912310028",  # born in the future
        "6222021234567890123",  # fails Luhn
        "91510107MA6CRT4M1P",  # 统一社会信用代码
    ],
)
def test_the_scanner_ignores_numbers_that_are_not_private(text: str) -> None:
    assert scan_text(text, today=date(2026, 1, 1)) == []


def test_the_demo_site_publishes_no_private_number(site: Path) -> None:
    findings = scan_site(site)

    assert findings == [], "\n".join(str(f) for f in findings)


# =====================================================================================
# 2. Statement figures recomputed by hand from the published entries
# =====================================================================================


def test_t01_shows_the_current_manager_and_staff_roster(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, _key, entries, page in statement_pages(site, logs, "project-and-staff"):
        appointments = sorted(
            live(log, entries, "ManagerAppointed"), key=_day_then_index
        )
        releases = live(log, entries, "StaffReleased")
        manager = appointments[-1]
        assert not any(
            r.body["staff_id"] == manager.body["staff_id"]
            and _day_then_index(r) > _day_then_index(manager)
            for r in releases
        )
        roster: dict[str, str] = {}
        for e in sorted(
            live(log, entries, "StaffAssigned", "StaffReleased"), key=_day_then_index
        ):
            if e.type == "StaffAssigned":
                roster[e.body["staff_id"]] = e.body["name"]
            else:
                roster.pop(e.body["staff_id"], None)

        assert page.table("项目负责人").rows[0].cells[0] == manager.body["name"]
        shown = page.table("在岗人员").live_rows()
        assert sorted(r.cells[0] for r in shown) == sorted(roster.values())
        assert count(page.table("人员统计").footer[1]) == len(roster)


def test_t01_drops_a_released_staff_member_from_the_roster(
    site: Path, logs: dict[str, Log]
) -> None:
    log = logs[HEMINGYUAN]
    (release,) = log.live_of("StaffReleased")
    (assignment,) = [
        e
        for e in log.live_of("StaffAssigned")
        if e.body["staff_id"] == release.body["staff_id"]
    ]
    page = parse_page(pages_of(site, HEMINGYUAN, "project-and-staff")["current"])

    names = [r.cells[0] for r in page.table("在岗人员").rows]
    assert assignment.body["name"] not in names


def test_t02_shows_the_latest_fee_items_and_service_standards(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, _key, entries, page in statement_pages(site, logs, "fee-schedule"):
        schedules = sorted(
            live(log, entries, "FeeScheduleDeclared"),
            key=lambda e: (e.body["effective_from"], e.index),
        )
        schedule = schedules[-1].body
        fees = page.table("收费标准")
        label, amount = fees.column("说明"), fees.column("收费标准（元/平方米·月）")
        assert [(r.cells[label], fen(r.cells[amount])) for r in fees.rows] == [
            (i["label"], i["fee_fen_per_m2_month"]) for i in schedule["items"]
        ]
        other = schedule.get("other_charges", [])
        if other:
            charges = page.table("其他收费")
            assert [(r.cells[0], fen(r.cells[1])) for r in charges.rows] == [
                (c["name"], c["amount_fen"]) for c in other
            ]
        else:
            assert not page.has_table("其他收费")
        standards = sorted(
            live(log, entries, "ServiceStandardDeclared"),
            key=lambda e: (e.body["effective_from"], e.index),
        )
        if standards:
            items = standards[-1].body["items"]
            assert [r.cells[1] for r in page.table("服务标准").rows] == [
                i["item"] for i in items
            ]
        else:
            assert not page.has_table("服务标准")


def test_t03_common_revenue_totals_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "common-revenue"):
        gross = total(live(log, entries, "CommonRevenueRecorded"))
        costs = total(live(log, entries, "CommonRevenueCostDeducted"))
        shared = total(live(log, entries, "OwnerShareAllocated"))
        assert page.totals == {
            "gross_fen": gross,
            "costs_fen": costs,
            "net_fen": gross - costs,
            "owner_share_allocated_fen": shared,
        }, key


def test_t03_shows_the_reversed_entry_struck_through_and_leaves_it_out(
    site: Path, logs: dict[str, Log]
) -> None:
    log = logs[HEMINGYUAN]
    ((reversal, target),) = log.reversal_target.items()
    wrong = log.entries[target]
    assert wrong.type == "CommonRevenueRecorded"
    key = period_key("quarter", business_date(wrong))
    page = parse_page(pages_of(site, HEMINGYUAN, "common-revenue")[key])

    rows = page.table("收入明细").rows
    (struck,) = [r for r in rows if r.css == "reversed"]
    (cancel,) = [r for r in rows if r.css == "reversal"]
    assert struck.entry() == target
    assert f"已被 #{reversal} 红冲" in struck.cells[-1]
    assert cancel.entry() == reversal
    assert rows.index(cancel) == rows.index(struck) + 1
    listed = sum(fen(r.cells[2]) or 0 for r in page.table("收入明细").live_rows())
    assert listed == page.totals["gross_fen"]
    assert fen(page.table("收入明细").footer[2]) == page.totals["gross_fen"]


def test_t04_commission_fund_totals_and_categories_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "commission-fund"):
        collected = total(live(log, entries, "CommissionFundCollected"))
        spending = live(log, entries, "CommissionFundSpent")
        spent = total(spending)
        drawn = total(live(log, entries, "RemunerationDrawn"))
        assert page.totals == {
            "collected_fen": collected,
            "spent_fen": spent,
            "remuneration_fen": drawn,
            "balance_fen": collected - spent - drawn,
        }, key
        by_category = {
            name: total(e for e in spending if e.body["category"] == category)
            for category, name in COST_CATEGORY_NAMES.items()
        }
        table = page.table("资金支出（按成本类别）")
        assert {r.cells[0]: fen(r.cells[1]) for r in table.rows} == by_category, key
        assert fen(table.footer[1]) == spent


def test_t05_budget_and_final_accounts_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "commission-budget"):
        expected: dict[str, int] = {}
        for kind, prefix in (
            ("BudgetDeclared", "budget"),
            ("AccountsClosed", "actual"),
        ):
            declared = live(log, entries, kind)
            if not declared:
                continue
            body = declared[-1].body  # the latest of the year counts
            income = sum(line["amount_fen"] for line in body["income"])
            spending = sum(line["amount_fen"] for line in body["spending"])
            pay = body["remuneration_fen"]
            # the poster's own totals agree with its lines
            assert (income, spending) == (
                body["total_income_fen"],
                body["total_spending_fen"],
            )
            expected |= {
                f"{prefix}_income_fen": income,
                f"{prefix}_total_fen": spending,
                f"{prefix}_remuneration_fen": pay,
                f"{prefix}_balance_fen": income - spending - pay,
            }
        assert page.totals == expected, key


def test_t06_lump_sum_totals_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "lump-sum-spending"):
        income = total(live(log, entries, "LumpSumIncomeRecorded"))
        spending = total(live(log, entries, "LumpSumSpendingRecorded"))
        assert page.totals == {
            "income_fen": income,
            "spending_fen": spending,
            "balance_fen": income - spending,
        }, key


def test_t07_shared_utility_totals_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "shared-utilities"):
        bills = live(log, entries, "UtilityCostApportioned")
        water = total((b for b in bills if b.body["utility"] == "water"), "total_fen")
        power = total(
            (b for b in bills if b.body["utility"] == "electricity"), "total_fen"
        )
        assert page.totals == {
            "water_total_fen": water,
            "electricity_total_fen": power,
            "total_fen": water + power,
        }, key


def test_t08_maintenance_fund_use_matches_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "maintenance-fund"):
        used = total(live(log, entries, "MaintenanceFundUsed"))
        assert page.totals == {"used_fen": used}, key
        assert len(page.table("使用明细").live_rows()) == len(
            live(log, entries, "MaintenanceFundUsed")
        )


def test_t09_report_figures_and_work_log_counts_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "contract-performance"):
        work = live(log, entries, "WorkLogged")
        times = Counter(e.body["kind"] for e in work)
        people = Counter[str]()
        for e in work:
            people[e.body["kind"]] += len(e.body["staff_ids"])
        summary = page.table("现场作业汇总")
        assert {
            r.cells[0]: (count(r.cells[1]), count(r.cells[2])) for r in summary.rows
        } == {
            name: (times[kind], people[kind]) for kind, name in WORK_KIND_NAMES.items()
        }, key
        assert summary.footer[1:3] == [f"{len(work):,}", f"{people.total():,}"]

        reports = live(log, entries, "PerformanceReported")
        if not reports:
            assert not page.has_table("履行情况统计"), key
            continue
        report = reports[-1].body
        statuses = Counter(i["status"] for r in reports for i in r.body["items"])
        shown = page.table("履行情况统计").by_first_cell()
        for status, name in PERFORMANCE_STATUS_NAMES.items():
            assert count(shown[name][1]) == statuses[status], (key, name)
        complaints = page.table("投诉处理").by_first_cell()
        assert count(complaints["收到投诉"][1]) == report["complaints"]["received"]
        assert count(complaints["已办结"][1]) == report["complaints"]["resolved"]
        survey = report.get("satisfaction")
        if survey is None:
            assert not page.has_table("业主满意度"), key
            continue
        figures = page.table("业主满意度").by_first_cell()
        for label, field_name in (
            ("调查户数", "households_surveyed"),
            ("有效回收", "responses"),
            ("满意", "satisfied"),
            ("基本满意", "basically_satisfied"),
            ("不满意", "dissatisfied"),
        ):
            assert count(figures[label][1]) == survey[field_name], (key, label)
        happy_bp = (
            (survey["satisfied"] + survey["basically_satisfied"]) * 20_000
            + survey["responses"]
        ) // (2 * survey["responses"])  # basis points, half up
        assert figures["满意率（满意＋基本满意）"][1] == (
            f"{happy_bp // 100}.{happy_bp % 100:02d}%"
        )


def test_t10_counts_work_logs_inspections_and_services_of_the_month(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "onsite-work"):
        inspections = live(log, entries, "InspectionRecorded")
        year, month = int(key[:4]), int(key[5:])
        month_end = date(year, month, calendar.monthrange(year, month)[1])
        register = {
            e.body["facility_id"]
            for e in log.live_of("FacilityRegistered")
            if business_date(e) <= month_end
        }
        shown = page.table("本期概况").by_first_cell()
        assert {name: count(cells[1]) for name, cells in shown.items()} == {
            "现场作业记录": len(live(log, entries, "WorkLogged")),
            "巡查检查": len(inspections),
            "其中发现问题": sum(len(e.body.get("issues", [])) for e in inspections),
            "设施设备维保": len(live(log, entries, "FacilityServiced")),
            "设施登记及变更": len(live(log, entries, "FacilityRegistered")),
            "在册设施设备（期末）": len(register),
        }, key


def test_t11_pledge_statuses_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    for log, key, entries, page in statement_pages(site, logs, "warm-pledges"):
        status: dict[str, str] = {
            e.body["pledge_id"]: "open" for e in live(log, entries, "PledgeMade")
        }
        for e in live(log, entries, "PledgeFulfilled", "PledgeLapsed"):
            if e.body["pledge_id"] in status:
                fulfilled = e.type == "PledgeFulfilled"
                status[e.body["pledge_id"]] = "fulfilled" if fulfilled else "lapsed"
        tally = Counter(status.values())
        shown = page.table("承诺统计").by_first_cell()
        assert {name: count(cells[1]) for name, cells in shown.items()} == {
            name: tally[s] for s, name in PLEDGE_STATUS_NAMES.items()
        }, key
        assert count(page.table("承诺统计").footer[1]) == len(status)
        rows = page.table("承诺事项").live_rows()
        assert {r.cells[0]: r.cells[5] for r in rows} == {
            pledge: PLEDGE_STATUS_NAMES[s] for pledge, s in status.items()
        }, key


def test_t12_challenge_statuses_match_the_entries(
    site: Path, logs: dict[str, Log]
) -> None:
    rank = list(CHALLENGE_STATUS_NAMES)  # raised < acknowledged < … < closed
    for log, key, entries, page in statement_pages(
        site, logs, "challenges-and-replies"
    ):
        status = {
            e.body["challenge_id"]: "raised"
            for e in live(log, entries, "ChallengeRaised")
        }
        escalated: set[str] = set()
        for e in live(
            log, entries, "ChallengeAnswered", "ChallengeEscalated", "ChallengeClosed"
        ):
            challenge = e.body["challenge_id"]
            if e.type == "ChallengeAnswered":
                reached = (
                    "acknowledged"
                    if e.body["stage"] == "acknowledgement"
                    else "answered"
                )
            elif e.type == "ChallengeEscalated":
                reached = "escalated"
                escalated.add(challenge)
            else:
                reached = "closed"
            if rank.index(reached) > rank.index(status.setdefault(challenge, "raised")):
                status[challenge] = reached
        tally = Counter(status.values())
        shown = page.table("质疑统计").by_first_cell()
        assert {name: count(cells[1]) for name, cells in shown.items()} == {
            "质疑总数": len(status),
            **{name: tally[s] for s, name in CHALLENGE_STATUS_NAMES.items()},
            "曾升级处理": len(escalated),
        }, key
        rows = page.table("质疑事项").live_rows()
        column = page.table("质疑事项").column("状态")
        assert {r.cells[0]: r.cells[column] for r in rows} == {
            c: CHALLENGE_STATUS_NAMES[s] for c, s in status.items()
        }, key


# =====================================================================================
# 3. The site's shape (SPEC §4–5)
# =====================================================================================


def test_the_demo_publishes_a_page_for_each_of_the_12_templates(site: Path) -> None:
    published = {
        template
        for project in PROJECTS
        for template in TEMPLATE_SLUGS
        if pages_of(site, project, template)
    }

    assert published == set(TEMPLATE_SLUGS)


@pytest.mark.parametrize("project", PROJECTS)
def test_the_board_has_8_columns_and_links_the_5_desk_categories(
    site: Path, project: str
) -> None:
    board = parse_page(site / "p" / project / "index.html")

    assert board.column_ids == list(COLUMN_SLUGS)
    desk = [link for link in board.links if link.startswith("desk/")]
    assert desk == [f"desk/{slug}.html" for slug in DESK_SLUGS]
    for slug in DESK_SLUGS:
        assert (site / "p" / project / "desk" / f"{slug}.html").is_file()


def test_every_statement_page_embeds_entries_whose_proofs_are_published(
    site: Path, logs: dict[str, Log]
) -> None:
    pages = sorted((site / "p").glob("*/t/*/*.html"))
    assert len(pages) > 12
    for path in pages:
        project = path.relative_to(site / "p").parts[0]
        page = parse_page(path)
        embedded = page.embedded
        assert embedded["log"] == f"demo.shuangshai.example/p/{project}"
        indexes = embedded["entries"]
        assert indexes, path
        assert indexes == sorted(set(indexes))
        for index in indexes:
            assert (site / "p" / project / f"log/proofs/{index}.tlog-proof").is_file()
        linked = {r.entry() for t in page.tables for r in t.rows} - {None}
        assert linked <= set(indexes), path
        assert max(indexes) < len(logs[project].entries)


def test_the_registry_trust_root_is_published(site: Path) -> None:
    vkey = (site / "registry" / "association.vkey").read_text(encoding="utf-8")
    checkpoint = (site / "registry" / "log" / "checkpoint").read_text(encoding="utf-8")

    assert vkey.startswith("demo.shuangshai.example/association+")
    assert checkpoint.startswith("demo.shuangshai.example/registry\n")


def test_every_published_checkpoint_meets_its_policy_s_witness_quorum(
    site: Path, logs: dict[str, Log]
) -> None:
    """The demo's two witnesses cosigned every checkpoint, after its entries."""
    witnesses = {}
    for base in [
        site / "registry" / "log",
        *(site / "p" / p / "log" for p in PROJECTS),
    ]:
        policy = TrustPolicy.from_bytes((base / "policy.txt").read_bytes())
        witnesses[base.parent.name] = [w.name.split("+")[0] for w in policy.witnesses]
        assert policy.quorum == "majority"
        notes = [base / "checkpoint", *sorted((base / "checkpoints").iterdir())]
        for path in notes:
            note = SignedNote.from_bytes(path.read_bytes())
            checkpoint = policy.verify_checkpoint(note)
            if base.parent.name not in logs:
                continue
            newest = max(
                e.accepted_at for e in logs[base.parent.name].entries[: checkpoint.size]
            )
            accepted = datetime.fromisoformat(newest.replace("Z", "+00:00"))
            for witness in policy.witnesses:
                cosigned_at = verify_cosignature(note, witness.key())
                assert cosigned_at >= int(accepted.timestamp()), path
    assert witnesses == {
        "registry": ["dongdajie-jiedao"],
        HEMINGYUAN: ["hemingyuan-yeweihui", "dongdajie-jiedao"],
        DONGLI: ["dongdajie-jiedao"],
    }
