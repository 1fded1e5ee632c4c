"""The demo world: a fictional 成都 estate's year of signed entries (SPEC §1–§6).

:func:`populate_demo` fills an *empty* ledger with one instance's worth of disclosure:

- the **registry** (signed by the association): a property-service firm with a valid
  统一社会信用代码 (GB 32100-2015 check character), its Ed25519 entry key, two
  projects, the contract binding each, and two witnesses (cosignature/v1 keys, type
  0x04): the estate's owners' committee and the street office, which covers every
  log (:func:`demo_witness_keys`);
- **锦绣和鸣苑** (``jinjiang-hemingyuan``, 锦江区, 1,200 households, 129,860 m²,
  12 buildings) under 酬金制 at 10 % (``ratio_bp`` 1000): a year of entries from
  2025-01-02 to 2026-01-31 that feeds eleven of the twelve templates of SPEC §5,
  the 通知公告 column and every enquiry-desk category, including a 红冲 of a mistyped
  revenue entry followed by the corrected entry;
- **东篱小区** (``jinjiang-dongli``, 360 households) under 包干制, served by the same
  firm. T06 (包干制分类收支) is fed only by lump-sum entry types, which the ledger
  refuses under a 酬金制 contract (``domain.rules.check_against_contract``), so the
  twelfth template needs a second, 包干制 project.

Everything is deterministic: keys come from ``seed`` (``Signer.from_seed``), amounts
from ``random.Random(seed)``, times from a fixed schedule in Asia/Shanghai (UTC+8).
The clock is moved forward to each batch's moment before it is posted, so each
entry's ``accepted_at`` falls on its realistic date; the schedule starts at
:data:`DEMO_START` and the clock must not be later than that.

Money is integer fen and every derived amount follows ``domain.rules`` (round half
up): remuneration = 10 % of the quarter's property fees, utility shares per
household or per m², management shares per the registered ``management_share_bp``.
The 2025 final accounts (AccountsClosed) are the sums of the 2025 fund entries, so
an auditor who recomputes them from the log gets the same figures.

No private personal data: owners appear only masked with a salted commitment (SPEC
§3); staff names and positions are public by design. Every name, company, address
and number here is fictional. Attachments (documents, photos) are small
placeholders generated here; :attr:`DemoSummary.attachments` holds their bytes by
SHA-256 so that the caller can put them in the instance's blob store.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import Any, Final

from api.intake import ChallengeIntake
from api.private_store import PrivateStore, SQLitePrivateStore
from domain.application import LedgerApplication
from domain.challenges import (
    ChallengeRequest,
    CloseRequest,
    ContactDetails,
    EscalateRequest,
)
from domain.clock import FixedClock
from domain.entries import Submission
from domain.errors import (
    AlreadyInitialisedError,
    ConfigurationError,
    EntryNotFoundError,
    LedgerError,
)
from domain.receipts import Receipt
from domain.rules import ratio_amount_fen, round_half_up_div
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.uscc import uscc_check_character

__all__ = [
    "DEMO_END",
    "DEMO_START",
    "LUMP_SUM_PROJECT_ID",
    "PROJECT_ID",
    "DemoSummary",
    "demo_witness_keys",
    "populate_demo",
]

CST: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
PROJECT_ID: Final = "jinjiang-hemingyuan"
LUMP_SUM_PROJECT_ID: Final = "jinjiang-dongli"
DEMO_START: Final = datetime(2025, 1, 2, 9, 0, tzinfo=CST)
DEMO_END: Final = date(2026, 1, 31)

Body = dict[str, Any]


# --------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class DemoSummary:
    """What :func:`populate_demo` built, for the CLI and for tests."""

    project_id: str  # the 酬金制 estate, 锦绣和鸣苑
    origin: str
    firm_uscc: str
    firm_key: Signer
    witness_key: Signer  # the owners' committee, cosignature/v1 (0x04)
    entry_count: int  # entries in the 酬金制 project's log
    reversed_index: int  # the mistyped CommonRevenueRecorded
    reversal_index: int  # its EntryReversed (红冲)
    corrected_index: int  # the corrected CommonRevenueRecorded
    lump_sum_project_id: str  # the 包干制 estate, 东篱小区 (feeds T06)
    lump_sum_origin: str
    lump_sum_entry_count: int
    registry_entry_count: int
    attachments: Mapping[str, bytes]  # SHA-256 hex -> file bytes, for the blob store
    last_accepted_at: datetime  # the clock after the last batch
    intake_key: Signer  # signs the owners' challenges (IntakeKeyAdded)
    tracking_codes: Mapping[str, str]  # challenge_id -> the owner's tracking code
    street_office_key: Signer  # the street office, a witness of every log (0x04)


# ------------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class _Attachment:
    """A placeholder file an entry refers to by its SHA-256."""

    sha256: str
    media_type: str
    data: bytes
    name: str

    def envelope(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "media_type": self.media_type,
            "bytes": len(self.data),
            "name": self.name,
        }


class _Posted:
    """Receipts of the entries posted so far, by (origin, entry id)."""

    def __init__(self) -> None:
        self.receipts: dict[tuple[str, str], Receipt] = {}

    def ref(self, origin: str, entry_id: str) -> dict[str, Any]:
        """``{index, leaf_hash}`` of an entry already posted (an ``entry_ref``)."""
        receipt = self.receipts.get((origin, entry_id))
        if receipt is None:
            raise EntryNotFoundError(
                f"演示数据引用了尚未发布的条目 {entry_id!r} / the demo refers to entry "
                f"{entry_id!r} of {origin} before posting it"
            )
        return {"index": receipt.index, "leaf_hash": receipt.leaf_hash.hex()}


BodyFactory = Callable[[_Posted], Body]
#: A step the demo takes through the challenge intake instead of signing an entry.
IntakeAction = Callable[[_Posted], None]


@dataclass(frozen=True)
class _Item:
    moment: datetime
    rank: int  # registry first, then the projects, at the same moment
    seq: int
    origin: str
    signer: Signer
    entry_type: str
    entry_id: str
    body: Body | BodyFactory
    attachments: tuple[_Attachment, ...]
    action: IntakeAction | None = None


@dataclass
class _Plan:
    """Every entry of the demo, with its moment; posted in time order by :meth:`run`."""

    seed: int
    items: list[_Item] = field(default_factory=list)
    files: dict[str, _Attachment] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data, not secrets

    def add(
        self,
        origin: str,
        signer: Signer,
        moment: datetime,
        entry_type: str,
        entry_id: str,
        body: Body | BodyFactory,
        attachments: Sequence[_Attachment] = (),
    ) -> None:
        rank = self.ranks.setdefault(origin, len(self.ranks))
        self.items.append(
            _Item(
                moment,
                rank,
                len(self.items),
                origin,
                signer,
                entry_type,
                entry_id,
                body,
                tuple(attachments),
            )
        )

    def add_intake(
        self, origin: str, moment: datetime, label: str, action: IntakeAction
    ) -> None:
        """A challenge step posted through the intake (ChallengeIntake) at ``moment``."""
        rank = self.ranks.setdefault(origin, len(self.ranks))
        self.items.append(
            _Item(
                moment,
                rank,
                len(self.items),
                origin,
                _NO_SIGNER,
                "intake",
                label,
                {},
                (),
                action,
            )
        )

    def document(self, title: str, summary: str = "") -> _Attachment:
        """A placeholder document (plain text) standing for a scanned original."""
        text = (
            "双晒演示文件（虚构，仅供演示）/ shuangshai demo placeholder (fictional)\n"
            f"标题 / title: {title}\n"
        )
        if summary:
            text += f"摘要 / summary: {summary}\n"
        return self._file(text.encode("utf-8"), "text/plain", f"{title}.txt")

    def photo(self, caption: str) -> _Attachment:
        """A placeholder photo (a small SVG card with a caption)."""
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" '
            'viewBox="0 0 320 200"><rect width="320" height="200" fill="#e9efe6"/>'
            '<text x="160" y="88" font-size="16" text-anchor="middle" '
            'fill="#2f4a3a">演示照片 / demo photo</text>'
            '<text x="160" y="120" font-size="13" text-anchor="middle" '
            f'fill="#2f4a3a">{escape(caption)}</text></svg>\n'
        )
        return self._file(svg.encode("utf-8"), "image/svg+xml", f"{caption}.svg")

    def _file(self, data: bytes, media_type: str, name: str) -> _Attachment:
        digest = hashlib.sha256(data).hexdigest()
        attachment = _Attachment(digest, media_type, data, name[:200])
        self.files.setdefault(digest, attachment)
        return attachment

    def run(
        self,
        ledger: LedgerApplication,
        clock: FixedClock,
        after_batch: Callable[[str], object] | None = None,
    ) -> _Posted:
        """Post every item in time order, one batch per (moment, log); raise on any
        rejection (the rejected entry's own error, with a note naming the entry).
        ``after_batch(origin)`` runs after each batch (the demo's witnesses)."""
        posted = _Posted()
        ordered = sorted(self.items, key=lambda i: (i.moment, i.rank, i.seq))
        batch: list[_Item] = []
        for item in ordered:
            if batch and (
                item.action is not None
                or (item.moment, item.origin) != (batch[0].moment, batch[0].origin)
            ):
                _post_batch(ledger, clock, batch, posted)
                if after_batch is not None:
                    after_batch(batch[0].origin)
                batch = []
            if item.action is not None:
                if item.moment > clock.now():
                    clock.advance_to(item.moment)
                item.action(posted)  # an owner's step through the intake
                if after_batch is not None:
                    after_batch(item.origin)
                continue
            batch.append(item)
        if batch:
            _post_batch(ledger, clock, batch, posted)
            if after_batch is not None:
                after_batch(batch[0].origin)
        return posted


def _post_batch(
    ledger: LedgerApplication,
    clock: FixedClock,
    batch: Sequence[_Item],
    posted: _Posted,
) -> None:
    moment = batch[0].moment
    if moment > clock.now():
        clock.advance_to(moment)
    origin = batch[0].origin
    submissions = []
    for item in batch:
        body = item.body(posted) if callable(item.body) else item.body
        issued = (moment - timedelta(minutes=3)).astimezone(CST).isoformat()
        payload: dict[str, Any] = {
            "v": 1,
            "log": origin,
            "id": item.entry_id,
            "type": item.entry_type,
            "issued_at": issued,
            "key": item.signer.key_ref,
            "body": body,
        }
        if item.attachments:
            payload["attachments"] = [a.envelope() for a in item.attachments]
        submissions.append(Submission.sign(payload, item.signer))
    outcomes = ledger.submit_batch(origin, submissions)
    for item, outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, LedgerError):
            outcome.add_note(
                f"演示条目被拒绝 / demo entry rejected: {item.entry_type} "
                f"{item.entry_id!r} to {origin} at {moment.isoformat()}"
            )
            raise outcome
        posted.receipts[(origin, item.entry_id)] = outcome


# ----------------------------------------------------------------------- helpers
def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` in Chengdu (UTC+8)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _next_month(year: int, month: int, day: int) -> date:
    """``day`` of the month after ``year-month``."""
    return date(year + month // 12, month % 12 + 1, day)


def _seed_bytes(seed: int, label: str) -> bytes:
    return hashlib.sha256(f"shuangshai-demo/{seed}/{label}".encode()).digest()


def _uscc(first17: str) -> str:
    """A 统一社会信用代码 with its GB 32100-2015 check character."""
    return first17 + uscc_check_character(first17)


class _DemoRandom:
    """Deterministic "random" bytes for the demo's salts, codes and ids (never use
    outside the demo: anyone who knows the seed can recompute them)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._count = 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            self._count += 1
            out += _seed_bytes(self._seed, f"intake-random/{self._count}")
        return out[:size]


#: The placeholder signer of plan items that go through the intake (never signs).
_NO_SIGNER: Final = Signer.from_seed("demo-intake-placeholder", bytes(32))


def _commitment(seed: int, private: str) -> str:
    """A salted SHA-256 commitment to (fictional) private data kept off the log."""
    salt = _seed_bytes(seed, f"salt/{private}")
    return hashlib.sha256(salt + private.encode("utf-8")).hexdigest()


def _vary(rng: random.Random, base: int, spread_bp: int) -> int:
    """``base`` ± up to ``spread_bp`` basis points, in whole fen."""
    return base + round_half_up_div(base * rng.randint(-spread_bp, spread_bp), 10_000)


MONTHS_2025: Final = [(2025, m) for m in range(1, 13)]

# --------------------------------------------------------------------- the cast
FIRM_NAME: Final = "成都锦绣物业服务有限公司"
FIRM_USCC: Final = _uscc("91510104MA6JXW8Q2")
SECURITY_CO: Final = {
    "name": "四川锦盾保安服务有限公司",
    "uscc": _uscc("91510104MA6DX3K7L"),
}
CLEANING_CO: Final = {
    "name": "成都洁雅环境服务有限公司",
    "uscc": _uscc("91510105MA61QW2E8"),
}
LIFT_CO: Final = {
    "name": "成都锦梯电梯工程有限公司",
    "uscc": _uscc("91510107MA6CRT4M1"),
    "licence": "TS3451088-2027",
}
FIRE_CO: Final = {
    "name": "四川安泰消防技术服务有限公司",
    "uscc": _uscc("91510100MA62HB9N3"),
    "licence": "川消技服字2024-0266",
}
AD_CO: Final = {"name": "成都众合楼宇传媒有限公司", "uscc": _uscc("91510104MA6E5L0P9")}
TOWER_CO: Final = {
    "name": "成都通联铁塔服务有限公司",
    "uscc": _uscc("91510100MA6B7Y2H4"),
}
AUDITOR: Final = {
    "name": "四川蓉信会计师事务所有限公司",
    "uscc": _uscc("91510106MA6AQ1T8X"),
}
INSPECTOR: Final = {"name": "四川省特种设备检验研究院", "licence": "TS7110001-2026"}

SERVICE_LINE: Final = "028-86120366"
COMPLAINT_LINE: Final = "028-86120368"

#: Households per building (sum 1,200).
HOUSEHOLDS: Final = (96, 96, 104, 104, 96, 96, 112, 112, 96, 96, 96, 96)
HOUSEHOLDS_TOTAL: Final = 1200
FLOOR_AREA_M2: Final = 129_860
RESIDENTIAL_M2: Final = 124_000
COMMERCIAL_M2: Final = 5_860
FEE_RESIDENTIAL: Final = 210  # fen per m² per month (2.10 元)
FEE_COMMERCIAL: Final = 350
MONTHLY_FEE_BILL: Final = (
    RESIDENTIAL_M2 * FEE_RESIDENTIAL + COMMERCIAL_M2 * FEE_COMMERCIAL
)
RATIO_BP: Final = 1000  # 酬金 10 %


@dataclass(frozen=True)
class _Staff:
    staff_id: str
    name: str
    position: str
    post: str
    subcontractor: Mapping[str, str] | None = None
    hours: str = "周一至周六 08:30–17:30"
    certificates: tuple[str, ...] = ()


MANAGER: Final = _Staff("pm-zhou-wei", "周伟", "项目经理", "management")
STAFF: Final = (
    _Staff("s-0101", "何静", "客服主管", "customer-service", hours="每日 08:30–18:00"),
    _Staff(
        "s-0102", "罗小燕", "客服专员", "customer-service", hours="每日 08:30–18:00"
    ),
    _Staff(
        "s-0201",
        "杨建华",
        "工程主管",
        "engineering",
        certificates=("电工证（低压）", "特种设备安全管理员证"),
    ),
    _Staff("s-0202", "邓强", "水电工", "engineering", certificates=("电工证（低压）",)),
    _Staff(
        "s-0203",
        "冯志勇",
        "水电工",
        "engineering",
        certificates=("电工证（低压）", "消防设施操作员证"),
    ),
    _Staff(
        "s-0301",
        "王磊",
        "秩序维护队长",
        "order",
        SECURITY_CO,
        "07:00–19:00，做六休一",
        ("保安员证",),
    ),
    _Staff(
        "s-0302",
        "刘鹏",
        "秩序维护员（南门岗）",
        "order",
        SECURITY_CO,
        "19:00–次日07:00（夜班）",
        ("保安员证",),
    ),
    _Staff(
        "s-0303",
        "陈刚",
        "秩序维护员（北门岗）",
        "order",
        SECURITY_CO,
        "07:00–19:00，做六休一",
        ("保安员证",),
    ),
    _Staff(
        "s-0304",
        "赵勇",
        "秩序维护员（巡逻）",
        "order",
        SECURITY_CO,
        "19:00–次日07:00（夜班）",
        ("保安员证",),
    ),
    _Staff("s-0401", "李秀英", "保洁领班", "cleaning", CLEANING_CO, "06:30–15:00"),
    _Staff("s-0402", "张桂兰", "保洁员", "cleaning", CLEANING_CO, "06:30–15:00"),
    _Staff("s-0403", "黄淑芬", "保洁员", "cleaning", CLEANING_CO, "06:30–15:00"),
    _Staff("s-0501", "吴国平", "绿化工", "greening", hours="周一至周六 07:30–16:30"),
    _Staff("s-0601", "孙丽", "项目会计", "management", hours="周一至周五 09:00–17:30"),
)
#: 冯志勇 leaves for 东篱小区 on 2025-06-30; 唐浩 takes his post on 2025-07-01.
RELEASED: Final = STAFF[4]
RELEASED_ON: Final = date(2025, 6, 30)
REPLACEMENT: Final = _Staff(
    "s-0204", "唐浩", "水电工", "engineering", certificates=("电工证（低压）",)
)


def _engineers(day: date) -> tuple[str, str]:
    third = RELEASED.staff_id if day <= RELEASED_ON else REPLACEMENT.staff_id
    return ("s-0202", third)


# ============================================================== populate_demo
def populate_demo(
    ledger: LedgerApplication,
    association: Signer,
    *,
    clock: FixedClock,
    seed: int = 2025,
    intake_key: Signer | None = None,
    private_store: PrivateStore | None = None,
    after_batch: Callable[[str], object] | None = None,
) -> DemoSummary:
    """Fill an empty ``ledger`` with the demo world; see the module docstring.

    ``association`` must be the ledger's association key (it signs the registry).
    Owners' challenges go through :class:`~api.intake.ChallengeIntake` with
    ``intake_key`` (default: one derived from ``seed``), their fictional contact
    details into ``private_store`` (default: an in-memory one, closed at the end).
    Raises :class:`AlreadyInitialisedError` if the registry log is not empty,
    :class:`ConfigurationError` if ``clock`` is already past :data:`DEMO_START`, and
    the ledger's own error (with a note naming the entry) if any entry is rejected.
    """
    if ledger.log_size(ledger.registry_origin) != 0:
        raise AlreadyInitialisedError(
            "演示数据只能写入空账本：登记册已有条目 / the demo needs an empty ledger: "
            f"the registry {ledger.registry_origin} already has entries"
        )
    if clock.now() > DEMO_START:
        raise ConfigurationError(
            f"演示时钟 {clock.now().isoformat()} 晚于演示起点 {DEMO_START.isoformat()}"
            " / the demo clock must not be later than the schedule's start "
            f"({DEMO_START.isoformat()}): it only moves forward"
        )
    firm_key = Signer.from_seed("jinxiu-wuye-2025", _seed_bytes(seed, "firm-key"))
    witness_key, street_office_key = demo_witness_keys(seed)
    intake_key = intake_key or Signer.from_seed(
        "jinjiang-xiehui-intake", _seed_bytes(seed, "intake-key")
    )
    store = private_store or SQLitePrivateStore(":memory:")
    intake = ChallengeIntake(ledger, store, intake_key, random_bytes=_DemoRandom(seed))
    origin = ledger.project_origin(PROJECT_ID)
    lump_origin = ledger.project_origin(LUMP_SUM_PROJECT_ID)
    plan = _Plan(seed)
    world = _World(plan, seed, origin, firm_key, intake)
    _registry(
        plan,
        ledger.registry_origin,
        association,
        firm_key,
        (witness_key, street_office_key),
        intake_key,
    )
    world.build()
    _LumpSumWorld(plan, seed, lump_origin, firm_key).build()
    try:
        posted = plan.run(ledger, clock, after_batch)
    finally:
        if private_store is None:
            store.close()

    def index_of(entry_id: str) -> int:
        return int(posted.ref(origin, entry_id)["index"])

    counts: dict[str, int] = defaultdict(int)
    for log, _ in posted.receipts:
        counts[log] += 1
    return DemoSummary(
        project_id=PROJECT_ID,
        origin=origin,
        firm_uscc=FIRM_USCC,
        firm_key=firm_key,
        witness_key=witness_key,
        entry_count=counts[origin],
        reversed_index=index_of(_World.WRONG_REVENUE_ID),
        reversal_index=index_of(_World.REVERSAL_ID),
        corrected_index=index_of(_World.CORRECTED_REVENUE_ID),
        lump_sum_project_id=LUMP_SUM_PROJECT_ID,
        lump_sum_origin=lump_origin,
        lump_sum_entry_count=counts[lump_origin],
        registry_entry_count=counts[ledger.registry_origin],
        attachments={h: a.data for h, a in sorted(plan.files.items())},
        last_accepted_at=clock.now(),
        intake_key=intake_key,
        tracking_codes=dict(world.codes),
        street_office_key=street_office_key,
    )


def demo_witness_keys(seed: int = 2025) -> tuple[Signer, Signer]:
    """The demo's witnesses: the owners' committee of 锦绣和鸣苑 (that log only) and
    the 东大街 street office (every log), as cosignature/v1 (0x04) keys."""
    return (
        Signer.from_seed(
            "hemingyuan-yeweihui",
            _seed_bytes(seed, "witness-key"),
            alg=ALG_COSIGNATURE_V1,
        ),
        Signer.from_seed(
            "dongdajie-jiedao",
            _seed_bytes(seed, "street-office-key"),
            alg=ALG_COSIGNATURE_V1,
        ),
    )


# ================================================================== registry
def _registry(
    plan: _Plan,
    registry_origin: str,
    association: Signer,
    firm_key: Signer,
    witnesses: tuple[Signer, Signer],
    intake_key: Signer,
) -> None:
    committee, street_office = witnesses
    moment = DEMO_START
    entries: list[tuple[str, Body]] = [
        (
            "FirmRegistered",
            {
                "uscc": FIRM_USCC,
                "name": FIRM_NAME,
                "address": "成都市锦江区东大街芷泉段 168 号",
                "legal_representative": "林志明",
                "complaint_phone": "028-86120300",
            },
        ),
        (
            "FirmKeyAdded",
            {
                "firm": FIRM_USCC,
                "vkey": firm_key.vkey,
                "note": "锦绣和鸣苑、东篱小区项目服务中心签名终端",
            },
        ),
        (
            "ProjectRegistered",
            {
                "project_id": PROJECT_ID,
                "name": "锦绣和鸣苑",
                "address": "成都市锦江区和鸣路 66 号",
                "district": "锦江区",
                "households": HOUSEHOLDS_TOTAL,
                "floor_area_m2": FLOOR_AREA_M2,
            },
        ),
        (
            "ProjectRegistered",
            {
                "project_id": LUMP_SUM_PROJECT_ID,
                "name": "东篱小区",
                "address": "成都市锦江区东篱路 18 号",
                "district": "锦江区",
                "households": _LumpSumWorld.HOUSEHOLDS,
                "floor_area_m2": _LumpSumWorld.FLOOR_AREA_M2,
            },
        ),
        (
            "ContractBound",
            {
                "contract_id": "hemingyuan-2024",
                "project_id": PROJECT_ID,
                "firm": FIRM_USCC,
                "fee_model": "commission",
                "remuneration": {"basis": "ratio", "ratio_bp": RATIO_BP},
                "term": {"start": "2024-01-01", "end": "2026-12-31"},
            },
        ),
        (
            "ContractBound",
            {
                "contract_id": "dongli-2024",
                "project_id": LUMP_SUM_PROJECT_ID,
                "firm": FIRM_USCC,
                "fee_model": "lump_sum",
                "term": {"start": "2024-07-01", "end": "2027-06-30"},
            },
        ),
        (
            "WitnessAdded",
            {
                "name": "锦江区锦绣和鸣苑业主委员会",
                "vkey": committee.vkey,
                "role": "owners-committee",
                "projects": [PROJECT_ID],
            },
        ),
        (
            "IntakeKeyAdded",
            {
                "vkey": intake_key.vkey,
                "operator": "成都市锦江区物业管理协会（演示）",
                "note": "业主质疑受理通道：线上、服务中心窗口与电话",
            },
        ),
        (
            "WitnessAdded",
            {
                "name": "锦江区东大街街道办事处",
                "vkey": street_office.vkey,
                "role": "street-office",
            },
        ),
    ]
    for number, (entry_type, body) in enumerate(entries, start=1):
        plan.add(
            registry_origin,
            association,
            moment,
            entry_type,
            f"reg-2025-{number:03d}",
            body,
        )


# ========================================================== the 酬金制 estate
class _World:
    """锦绣和鸣苑: the 酬金制 estate and its year of disclosure."""

    WRONG_REVENUE_ID: Final = "rev-2025-05-lift-ads"
    REVERSAL_ID: Final = "rev-2025-05-lift-ads-reversal"
    CORRECTED_REVENUE_ID: Final = "rev-2025-05-lift-ads-corrected"

    def __init__(
        self,
        plan: _Plan,
        seed: int,
        origin: str,
        key: Signer,
        intake: ChallengeIntake,
    ) -> None:
        self.plan = plan
        self.seed = seed
        self.origin = origin
        self.key = key
        self.intake = intake
        self.codes: dict[str, str] = {}  # challenge_id -> tracking code
        self.rng = plan.rng
        # Money booked into the 酬金制 fund, by calendar year, for the final accounts.
        self.fund_income: dict[int, dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.fund_spending: dict[int, dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.remuneration: dict[int, int] = defaultdict(int)
        self.fee_by_quarter: dict[tuple[int, int], int] = defaultdict(int)

    def post(
        self,
        moment: datetime,
        entry_type: str,
        entry_id: str,
        body: Body | BodyFactory,
        attachments: Sequence[_Attachment] = (),
    ) -> None:
        self.plan.add(
            self.origin, self.key, moment, entry_type, entry_id, body, attachments
        )

    def build(self) -> None:
        self.onboarding()
        self.staff_changes()
        self.common_revenue()
        self.commission_fund()
        self.budgets_and_accounts()
        self.utilities()
        self.maintenance_fund()
        self.performance()
        self.facilities()
        self.inspections()
        self.work_logs()
        self.pledges()
        self.challenges()
        self.notices()
        self.desk_documents()

    # ------------------------------------------------------------- onboarding (T01, T02)
    def onboarding(self) -> None:
        day = DEMO_START.date()
        at = _at(day, 9, 30)
        plan = self.plan
        site_plan = plan.document("锦绣和鸣苑总平面示意图")
        self.post(
            at,
            "ProjectProfileDeclared",
            "profile-2025-01",
            {
                "project_name": "锦绣和鸣苑",
                "address": "成都市锦江区和鸣路 66 号",
                "district": "锦江区 和鸣街道 锦绣社区",
                "service_scope": (
                    "东至和鸣路，南至沙河绿道，西至锦绣东街，北至和鸣二巷；含1–12栋住宅、"
                    "1栋至2栋临街商铺、地下车库、中心花园及全部共有部分。"
                ),
                "property_kinds": ["residential", "commercial", "parking"],
                "buildings": 12,
                "households": HOUSEHOLDS_TOTAL,
                "floor_area_m2": FLOOR_AREA_M2,
                "service_start": "2021-01-01",
                "service_end": "2026-12-31",
                "service_centre": {
                    "address": "锦绣和鸣苑3栋1楼物业服务中心",
                    "opening_hours": "每日 08:30–18:00（节假日照常），24小时报修",
                    "service_phone": SERVICE_LINE,
                },
                "complaint_phone": COMPLAINT_LINE,
                "hotline_note": "对物业服务或投诉处理结果不满意的，可拨打12345市民服务热线反映。",
                "supervision_contacts": [
                    {"organisation": "和鸣街道办事处", "phone": "028-84701122"},
                    {
                        "organisation": "锦江区住房和城乡建设局物业管理科",
                        "phone": "028-86663120",
                    },
                    {"organisation": "成都市物业管理协会", "phone": "028-86130510"},
                ],
                "site_plan": site_plan.sha256,
            },
            [site_plan],
        )
        photo = plan.photo(f"工作照 {MANAGER.name}")
        self.post(
            at,
            "ManagerAppointed",
            "manager-2024-zhou-wei",
            {
                "staff_id": MANAGER.staff_id,
                "name": MANAGER.name,
                "position": MANAGER.position,
                "appointed_on": "2024-01-01",
                "certificate": {
                    "kind": "物业管理项目经理岗位证书",
                    "number": "SC-PM-2018-02241",
                },
                "photo": photo.sha256,
                "service_line": SERVICE_LINE,
            },
            [photo],
        )
        for person in STAFF:
            self.assign(at, person, date(2024, 1, 1))
        # T02: the fee schedule re-declared for 2025, and the service standards.
        resolution = plan.document("锦绣和鸣苑2023年第二次业主大会决议")
        self.post(
            at,
            "FeeScheduleDeclared",
            "fees-2025",
            {
                "effective_from": "2025-01-01",
                "pricing_basis": "market-regulated",
                "service_grade": "成都市住宅物业服务等级二级",
                "items": [
                    {
                        "building_type": "high-rise",
                        "label": "高层住宅（有电梯）",
                        "fee_fen_per_m2_month": FEE_RESIDENTIAL,
                        "note": "公共区域水电按月分摊，另行公示",
                    },
                    {
                        "building_type": "commercial",
                        "label": "临街商铺",
                        "fee_fen_per_m2_month": FEE_COMMERCIAL,
                        "note": "不含商铺自用水电",
                    },
                ],
                "other_charges": [
                    {
                        "name": "地面停车位管理服务费",
                        "amount_fen": 15000,
                        "unit": "per-space-month",
                    },
                    {
                        "name": "地下车位管理服务费",
                        "amount_fen": 8000,
                        "unit": "per-space-month",
                    },
                    {
                        "name": "装修垃圾清运费",
                        "amount_fen": 40000,
                        "unit": "per-use",
                        "note": "按套收取，一次性",
                    },
                ],
                "approval": {
                    "reference": "锦绣和鸣苑2023年第二次业主大会决议第2项",
                    "adopted_on": "2023-12-10",
                    "document": resolution.sha256,
                },
            },
            [resolution],
        )
        standard = plan.document("锦绣和鸣苑物业服务标准（合同附件二）")
        self.post(
            at,
            "ServiceStandardDeclared",
            "standards-2025",
            {
                "service_grade": "二级",
                "grade_standard": "《成都市住宅物业服务等级规范》",
                "effective_from": "2025-01-01",
                "items": [
                    {
                        "item_id": "clean-stairs",
                        "area": "cleaning",
                        "item": "楼道及电梯厅清扫",
                        "frequency": {"times": 1, "per": "day"},
                        "standard": "地面无垃圾、无积水，扶手每周擦拭两次，无明显灰尘。",
                    },
                    {
                        "item_id": "clean-waste",
                        "area": "cleaning",
                        "item": "生活垃圾分类清运",
                        "frequency": {"times": 2, "per": "day"},
                        "standard": "垃圾日产日清，分类投放点每日冲洗消毒。",
                    },
                    {
                        "item_id": "green-mow",
                        "area": "greening",
                        "item": "草坪修剪",
                        "frequency": {"times": 2, "per": "month"},
                        "standard": "草高不超过8厘米，修剪后当日清运草屑。",
                    },
                    {
                        "item_id": "order-gate",
                        "area": "order",
                        "item": "出入口值守",
                        "standard": "南、北门24小时值守，外来车辆登记放行。",
                    },
                    {
                        "item_id": "order-patrol",
                        "area": "order",
                        "item": "夜间巡逻",
                        "frequency": {"times": 1, "per": "day"},
                        "standard": "每晚巡查单元门禁、消防通道及地下车库并记录。",
                    },
                    {
                        "item_id": "lift-check",
                        "area": "facilities",
                        "item": "电梯日常巡查",
                        "frequency": {"times": 1, "per": "day"},
                        "standard": "每日巡查运行状况并记录；困人救援30分钟内到场。",
                    },
                    {
                        "item_id": "lift-maintain",
                        "area": "facilities",
                        "item": "电梯维护保养",
                        "frequency": {"times": 2, "per": "month"},
                        "standard": "由具备资质的维保单位每15日保养一次，保养记录公示。",
                    },
                    {
                        "item_id": "fire-check",
                        "area": "facilities",
                        "item": "消防设施检查",
                        "frequency": {"times": 1, "per": "month"},
                        "standard": "委托消防技术服务机构每月检查，年度全面检测。",
                    },
                    {
                        "item_id": "cs-repair",
                        "area": "customer-service",
                        "item": "报修响应",
                        "standard": "一般报修30分钟内响应，24小时内处理完毕或说明原因。",
                    },
                ],
                "documents": [standard.sha256],
            },
            [standard],
        )
        self.revenue_sources(at)
        self.contracts(at)

    def assign(self, at: datetime, person: _Staff, assigned_on: date) -> None:
        photo = self.plan.photo(f"工作照 {person.name}")
        employer: Body = {"kind": "in-house"}
        if person.subcontractor is not None:
            employer = {
                "kind": "subcontractor",
                "company": person.subcontractor["name"],
                "uscc": person.subcontractor["uscc"],
            }
        body: Body = {
            "staff_id": person.staff_id,
            "name": person.name,
            "position": person.position,
            "post": person.post,
            "employer": employer,
            "assigned_on": assigned_on.isoformat(),
            "on_duty_hours": person.hours,
            "photo": photo.sha256,
            "service_line": SERVICE_LINE,
        }
        if person.certificates:
            body["certificates"] = list(person.certificates)
        self.post(
            at,
            "StaffAssigned",
            f"staff-{person.staff_id}-{assigned_on.isoformat()}",
            body,
            [photo],
        )

    def staff_changes(self) -> None:
        self.post(
            _at(date(2025, 7, 1), 9, 30),
            "StaffReleased",
            f"staff-{RELEASED.staff_id}-released",
            {
                "staff_id": RELEASED.staff_id,
                "released_on": RELEASED_ON.isoformat(),
                "reason": "调任本公司东篱小区项目",
            },
        )
        self.assign(_at(date(2025, 7, 1), 9, 30), REPLACEMENT, date(2025, 7, 1))

    # ------------------------------------------------------------- T03 common revenue
    SOURCES: Final = {
        "lift-ads": (1500, 672, "增值税及附加（广告服务6%，附加12%，合计6.72%）"),
        "parking-ground": (2000, 560, "增值税及附加（简易计税5%，附加12%，合计5.6%）"),
        "venue-plaza": (1000, 560, "增值税及附加（简易计税5%，附加12%，合计5.6%）"),
        "telecom-b7": (1000, 560, "增值税及附加（简易计税5%，附加12%，合计5.6%）"),
    }

    def revenue_sources(self, at: datetime) -> None:
        resolution = self.plan.document(
            "锦绣和鸣苑2024年第一次业主大会决议（共有部分经营）"
        )
        estate_resolution = {
            "reference": "锦绣和鸣苑2024年第一次业主大会决议第4项",
            "adopted_on": "2024-11-16",
            "document": resolution.sha256,
        }
        sources: list[Body] = [
            {
                "source_id": "lift-ads",
                "kind": "lift-advert",
                "description": "1–12栋电梯轿厢广告位48个",
                "owner_scope": {"kind": "estate"},
                "resolution": estate_resolution,
                "counterparty": AD_CO,
                "contract_term": {"start": "2025-01-01", "end": "2026-12-31"},
                "management_share_bp": self.SOURCES["lift-ads"][0],
            },
            {
                "source_id": "parking-ground",
                "kind": "parking",
                "description": "地面停车位86个及外来车辆临时停车收费",
                "owner_scope": {"kind": "estate"},
                "resolution": estate_resolution,
                "management_share_bp": self.SOURCES["parking-ground"][0],
            },
            {
                "source_id": "venue-plaza",
                "kind": "venue",
                "description": "中心广场及3栋架空层活动场地短期租用",
                "owner_scope": {"kind": "estate"},
                "resolution": estate_resolution,
                "management_share_bp": self.SOURCES["venue-plaza"][0],
            },
            {
                "source_id": "telecom-b7",
                "kind": "telecom-site",
                "description": "7栋屋顶通信基站场地",
                "owner_scope": {"kind": "building", "building": "7 栋"},
                "resolution": {
                    "reference": "7栋业主共同决定（2024年10月书面征求意见）",
                    "adopted_on": "2024-10-26",
                },
                "counterparty": TOWER_CO,
                "contract_term": {"start": "2025-07-01", "end": "2028-06-30"},
                "management_share_bp": self.SOURCES["telecom-b7"][0],
            },
        ]
        for body in sources:
            self.post(
                at,
                "RevenueSourceRegistered",
                f"source-{body['source_id']}",
                body,
                [resolution],
            )

    def contracts(self, at: datetime) -> None:
        plan = self.plan
        signed: list[tuple[Body, str]] = [
            (
                {
                    "contract_id": "ps-2024",
                    "kind": "property-service",
                    "counterparty": {
                        "kind": "organisation",
                        "name": "锦绣和鸣苑业主大会",
                    },
                    "subject": "锦绣和鸣苑物业服务合同（酬金制，酬金比例10%）",
                    "term": {"start": "2024-01-01", "end": "2026-12-31"},
                    "signed_on": "2023-12-18",
                    "amount_fen": FEE_RESIDENTIAL,
                    "amount_basis": "per-m2-month",
                    "summary": "酬金制：物业服务资金归全体业主所有，企业按物业费收入的10%提取酬金，结余或亏损由业主享有或承担。",
                },
                "物业服务合同（2024–2026）",
            ),
            (
                {
                    "contract_id": "op-2025-lift-ads",
                    "kind": "operating",
                    "counterparty": {"kind": "organisation", **AD_CO},
                    "subject": "1–12栋电梯轿厢广告位（共48块）经营",
                    "term": {"start": "2025-01-01", "end": "2026-12-31"},
                    "signed_on": "2024-12-20",
                    "amount_fen": 10_800_000,
                    "amount_basis": "per-year",
                    "source_id": "lift-ads",
                    "summary": "按月支付，每月9,000.00元；广告内容须合法合规，不得遮挡电梯安全标识。",
                },
                "电梯广告位经营合同",
            ),
            (
                {
                    "contract_id": "sub-2025-security",
                    "kind": "subcontract",
                    "counterparty": {"kind": "organisation", **SECURITY_CO},
                    "subject": "秩序维护服务分包（门岗2处、夜间巡逻，共10人）",
                    "term": {"start": "2025-01-01", "end": "2025-12-31"},
                    "signed_on": "2024-12-25",
                    "amount_fen": 5_800_000,
                    "amount_basis": "per-month",
                },
                "秩序维护分包合同",
            ),
            (
                {
                    "contract_id": "sub-2025-cleaning",
                    "kind": "subcontract",
                    "counterparty": {"kind": "organisation", **CLEANING_CO},
                    "subject": "公共区域保洁及垃圾清运服务分包（8人）",
                    "term": {"start": "2025-01-01", "end": "2025-12-31"},
                    "signed_on": "2024-12-25",
                    "amount_fen": 3_900_000,
                    "amount_basis": "per-month",
                },
                "保洁分包合同",
            ),
            (
                {
                    "contract_id": "mnt-2025-lifts",
                    "kind": "maintenance",
                    "counterparty": {
                        "kind": "organisation",
                        "name": LIFT_CO["name"],
                        "uscc": LIFT_CO["uscc"],
                    },
                    "subject": "24台电梯维护保养（每15日一次）",
                    "term": {"start": "2025-01-01", "end": "2025-12-31"},
                    "signed_on": "2024-12-26",
                    "amount_fen": 11_520_000,
                    "amount_basis": "per-year",
                },
                "电梯维保合同",
            ),
            (
                {
                    "contract_id": "mnt-2025-fire",
                    "kind": "maintenance",
                    "counterparty": {
                        "kind": "organisation",
                        "name": FIRE_CO["name"],
                        "uscc": FIRE_CO["uscc"],
                    },
                    "subject": "消防设施维护保养及月度检查、年度检测",
                    "term": {"start": "2025-01-01", "end": "2025-12-31"},
                    "signed_on": "2024-12-26",
                    "amount_fen": 4_800_000,
                    "amount_basis": "per-year",
                },
                "消防维保合同",
            ),
        ]
        for body, title in signed:
            document = plan.document(title)
            body["document"] = document.sha256
            self.post(
                at,
                "ContractSigned",
                f"contract-{body['contract_id']}",
                body,
                [document],
            )
        # The telecom site's contract starts in July.
        document = plan.document("7栋屋顶通信基站场地租用合同")
        self.post(
            _at(date(2025, 6, 30), 10),
            "ContractSigned",
            "contract-op-2025-telecom-b7",
            {
                "contract_id": "op-2025-telecom-b7",
                "kind": "operating",
                "counterparty": {"kind": "organisation", **TOWER_CO},
                "subject": "7栋屋顶通信基站场地租用",
                "term": {"start": "2025-07-01", "end": "2028-06-30"},
                "signed_on": "2025-06-26",
                "amount_fen": 3_600_000,
                "amount_basis": "per-year",
                "source_id": "telecom-b7",
                "summary": "年租金36,000.00元，每年7月预付；收益归7栋业主所有。",
                "document": document.sha256,
            },
            [document],
        )
        amendment = plan.document("电梯广告位经营合同补充协议（一）")
        self.post(
            _at(date(2025, 6, 20), 10),
            "ContractAmended",
            "contract-op-2025-lift-ads-a1",
            {
                "contract_id": "op-2025-lift-ads",
                "amendment_no": "补充协议（一）",
                "changes": "自2025年7月起新增地下车库电梯厅广告位8块，年费由108,000.00元调整为126,000.00元（每月10,500.00元）。",
                "effective_on": "2025-07-01",
                "amount_fen": 12_600_000,
                "amount_basis": "per-year",
                "document": amendment.sha256,
            },
            [amendment],
        )
        # A weekend market's pitch let to a private person: masked name + commitment.
        document = plan.document("中心广场周末便民市集场地使用协议")
        self.post(
            _at(date(2025, 3, 3), 10),
            "ContractSigned",
            "contract-op-2025-market",
            {
                "contract_id": "op-2025-market",
                "kind": "operating",
                "counterparty": {
                    "kind": "person",
                    "name": "陈*",
                    "commitment": _commitment(self.seed, "陈某某|市集经营者|demo"),
                },
                "subject": "中心广场周末便民市集场地使用（每月一个周末）",
                "term": {"start": "2025-03-01", "end": "2025-12-31"},
                "signed_on": "2025-02-26",
                "amount_fen": 150_000,
                "amount_basis": "per-month",
                "source_id": "venue-plaza",
                "document": document.sha256,
            },
            [document],
        )

    def common_revenue(self) -> None:
        """Monthly revenue with its costs, posted by the 8th of the next month;
        quarterly allocation of the owners' share (30 % to the maintenance fund, 70 %
        offsetting fees through the fund); the May lift-advert entry is mistyped,
        challenged, reversed and re-posted."""
        rng = self.rng
        net_by_quarter: dict[tuple[int, int], int] = defaultdict(int)
        for year, month in MONTHS_2025:
            posted_on = _next_month(year, month, 8)
            at = _at(posted_on, 10)
            end = _month_end(year, month)
            quarter_key = (year, (month - 1) // 3 + 1)
            # Lift adverts: the monthly rent, 9,000.00 元, 10,500.00 元 from July.
            lift = 900_000 if month < 7 else 1_050_000
            lift_id = f"rev-{year}-{month:02d}-lift-ads"
            lift_body: Body = {
                "source_id": "lift-ads",
                "amount_fen": lift,
                "received_on": date(year, month, 5).isoformat(),
                "note": f"{year}年{month}月电梯广告位租金",
            }
            if lift_id == self.WRONG_REVENUE_ID:
                self.post(
                    at,
                    "CommonRevenueRecorded",
                    lift_id,
                    {**lift_body, "amount_fen": lift * 10},
                )
            else:
                self.post(at, "CommonRevenueRecorded", lift_id, lift_body)
            net_by_quarter[quarter_key] += self.deductions(
                at, "lift-ads", lift, end, labour=0, energy=0
            )
            # Ground parking: monthly permits and visitors' fees.
            parking = _vary(rng, 2_150_000, 800)
            self.post(
                at,
                "CommonRevenueRecorded",
                f"rev-{year}-{month:02d}-parking-ground",
                {
                    "source_id": "parking-ground",
                    "amount_fen": parking,
                    "received_on": end.isoformat(),
                    "note": f"{year}年{month}月地面车位及临时停车收入",
                },
            )
            labour = 350_000
            energy = _vary(rng, 38_000, 1500)
            net_by_quarter[quarter_key] += self.deductions(
                at, "parking-ground", parking, end, labour=labour, energy=energy
            )
            # The plaza: let most months for events and the weekend market.
            if month not in (1, 2, 7):
                venue = 150_000 + 50_000 * rng.randint(0, 6)
                self.post(
                    at,
                    "CommonRevenueRecorded",
                    f"rev-{year}-{month:02d}-venue-plaza",
                    {
                        "source_id": "venue-plaza",
                        "amount_fen": venue,
                        "received_on": date(year, month, 20).isoformat(),
                        "note": f"{year}年{month}月中心广场场地租用（便民市集及社区活动）",
                    },
                )
                net_by_quarter[quarter_key] += self.deductions(
                    at, "venue-plaza", venue, end, labour=0, energy=0
                )
        # The 红冲: the owners' challenge (see challenges) spots May's extra zero.
        fix_at = _at(date(2025, 6, 10), 16)
        self.post(
            fix_at,
            "EntryReversed",
            self.REVERSAL_ID,
            lambda posted: {
                "target": posted.ref(self.origin, self.WRONG_REVENUE_ID),
                "reason": "2025年5月电梯广告收入误录为90,000.00元，应为9,000.00元（少录一位小数点），冲销后重新登记。",
            },
        )
        self.post(
            fix_at,
            "CommonRevenueRecorded",
            self.CORRECTED_REVENUE_ID,
            {
                "source_id": "lift-ads",
                "amount_fen": 900_000,
                "received_on": "2025-05-05",
                "note": "2025年5月电梯广告位租金（更正）",
            },
        )
        # The telecom site: annual rent for 7 栋 owners only.
        tower_at = _at(date(2025, 8, 8), 10)
        rent = 3_600_000
        self.post(
            tower_at,
            "CommonRevenueRecorded",
            "rev-2025-07-telecom-b7",
            {
                "source_id": "telecom-b7",
                "amount_fen": rent,
                "received_on": "2025-07-08",
                "note": "2025年7月至2026年6月基站场地年租金",
            },
        )
        tower_net = self.deductions(
            tower_at, "telecom-b7", rent, date(2025, 7, 31), labour=0, energy=0
        )
        resolution = {
            "reference": "7栋业主共同决定（2024年10月书面征求意见）",
            "adopted_on": "2024-10-26",
        }
        self.post(
            _at(date(2025, 8, 15), 10),
            "OwnerShareAllocated",
            "alloc-2025-telecom-b7",
            {
                "amount_fen": tower_net,
                "destination": "maintenance-fund",
                "resolution": resolution,
                "allocated_on": "2025-08-15",
                "source_id": "telecom-b7",
                "owner_scope": {"kind": "building", "building": "7 栋"},
            },
        )
        # Quarterly allocation of the estate's share.
        estate_resolution = {
            "reference": "锦绣和鸣苑2024年第一次业主大会决议第5项",
            "adopted_on": "2024-11-16",
        }
        for (year, quarter), net in sorted(net_by_quarter.items()):
            allocated_on = _next_month(year, quarter * 3, 15)
            at = _at(allocated_on, 10)
            to_fund = round_half_up_div(net * 3000, 10_000)
            offset = net - to_fund
            self.post(
                at,
                "OwnerShareAllocated",
                f"alloc-{year}-q{quarter}-maintenance-fund",
                {
                    "amount_fen": to_fund,
                    "destination": "maintenance-fund",
                    "resolution": estate_resolution,
                    "allocated_on": allocated_on.isoformat(),
                    "explanation": f"{year}年第{quarter}季度共有部分经营净收益的30%转入专项维修资金",
                },
            )
            self.post(
                at,
                "OwnerShareAllocated",
                f"alloc-{year}-q{quarter}-offset-fees",
                {
                    "amount_fen": offset,
                    "destination": "offset-fees",
                    "resolution": estate_resolution,
                    "allocated_on": allocated_on.isoformat(),
                    "explanation": f"{year}年第{quarter}季度共有部分经营净收益的70%转入物业服务资金，抵扣物业费",
                },
            )
            self.collect(
                at,
                f"fund-{year}-q{quarter}-revenue-transfer",
                "common-revenue-transfer",
                offset,
                allocated_on,
                note=f"{year}年第{quarter}季度共有部分经营收益转入",
            )

    def deductions(
        self,
        at: datetime,
        source_id: str,
        gross: int,
        incurred_on: date,
        *,
        labour: int,
        energy: int,
    ) -> int:
        """Post the costs deducted from one month's revenue; return the net."""
        share_bp, tax_bp, tax_text = self.SOURCES[source_id]
        month = f"{incurred_on.year}-{incurred_on.month:02d}"
        costs: list[tuple[str, int, str]] = [
            ("tax", round_half_up_div(gross * tax_bp, 10_000), tax_text),
        ]
        if labour:
            costs.append(("labour", labour, "停车收费员人工成本分摊（1人，按工时50%）"))
        if energy:
            costs.append(("energy", energy, "地面车场照明及道闸用电"))
        costs.append(
            (
                "management-share",
                round_half_up_div(gross * share_bp, 10_000),
                f"按业主大会决议约定的{share_bp // 100}%管理费分成",
            )
        )
        for kind, amount, explanation in costs:
            self.post(
                at,
                "CommonRevenueCostDeducted",
                f"cost-{month}-{source_id}-{kind}",
                {
                    "source_id": source_id,
                    "kind": kind,
                    "amount_fen": amount,
                    "explanation": explanation,
                    "incurred_on": incurred_on.isoformat(),
                },
            )
        return gross - sum(amount for _, amount, _ in costs)

    # ------------------------------------------------------------- T04 the fund
    def collect(
        self,
        at: datetime,
        entry_id: str,
        source: str,
        amount: int,
        received_on: date,
        *,
        note: str = "",
        explanation: str = "",
    ) -> None:
        body: Body = {
            "source": source,
            "amount_fen": amount,
            "received_on": received_on.isoformat(),
        }
        if note:
            body["note"] = note
        if explanation:
            body["explanation"] = explanation
        self.post(at, "CommissionFundCollected", entry_id, body)
        self.fund_income[received_on.year][source] += amount
        if source == "property-fee":
            self.fee_by_quarter[
                (received_on.year, (received_on.month - 1) // 3 + 1)
            ] += amount

    def spend(
        self,
        at: datetime,
        entry_id: str,
        category: str,
        amount: int,
        description: str,
        spent_on: date,
        *,
        routine: bool = False,
    ) -> None:
        body: Body = {
            "category": category,
            "amount_fen": amount,
            "description": description,
            "spent_on": spent_on.isoformat(),
        }
        if routine:
            body["repair_class"] = "routine"
        self.post(at, "CommissionFundSpent", entry_id, body)
        self.fund_spending[spent_on.year][category] += amount

    REPAIRS: Final = (
        ("1栋2单元楼道声控灯更换12套", 216_000),
        ("地下车库A区排水沟盖板更换8块", 368_000),
        ("南门车辆道闸电机维修", 585_000),
        ("中心花园景观水泵密封件更换", 242_000),
        ("6栋单元门禁读卡器更换2台", 446_000),
        ("9栋屋面雨水斗清理及局部防水修补", 1_030_000),
        ("地下车库B区照明线路检修", 318_000),
        ("3栋架空层休闲座椅维修", 162_000),
        ("北门岗亭空调维修", 131_000),
        ("11栋单元入户大堂地砖修补", 545_000),
        ("小区周界监控摄像头更换3个", 668_000),
        ("儿童游乐区安全地垫局部更换", 472_000),
    )

    def commission_fund(self) -> None:
        """Monthly fees collected and spending in every art. 11 category, posted by
        the 10th of the next month; remuneration drawn quarterly at 10 % of the
        quarter's property fees (ratio 1000 bp, as the registry contract says)."""
        rng = self.rng
        for year, month in MONTHS_2025:
            at = _at(_next_month(year, month, 10), 10)
            end = _month_end(year, month)
            tag = f"{year}-{month:02d}"
            label = f"{year}年{month}月"
            rate_bp = (
                rng.randint(8800, 9700)
                if month not in (1, 12)
                else rng.randint(9600, 9900)
            )
            self.collect(
                at,
                f"fund-{tag}-property-fee",
                "property-fee",
                MONTHLY_FEE_BILL * rate_bp // 10_000,
                end,
                note=f"{label}物业服务费（收缴率{rate_bp // 100}.{rate_bp % 100:02d}%）",
            )
            self.spend(
                at,
                f"spend-{tag}-staff",
                "staff",
                _vary(rng, 8_200_000, 250),
                f"{label}项目在岗人员工资、社保及福利（本企业用工8人）",
                date(year, month, 28),
            )
            self.spend(
                at,
                f"spend-{tag}-order",
                "order",
                5_800_000,
                f"{label}秩序维护分包服务费（{SECURITY_CO['name']}）",
                date(year, month, 25),
            )
            self.spend(
                at,
                f"spend-{tag}-cleaning",
                "cleaning",
                3_900_000 + 10_000 * rng.randint(0, 30),
                f"{label}保洁分包服务费及清洁耗材",
                date(year, month, 25),
            )
            greening_base = 1_450_000 if month in (3, 4, 5, 9, 10) else 1_050_000
            self.spend(
                at,
                f"spend-{tag}-greening",
                "greening",
                _vary(rng, greening_base, 600),
                f"{label}绿化养护（修剪、施肥、病虫害防治及补植）",
                date(year, month, 26),
            )
            self.spend(
                at,
                f"spend-{tag}-lift-maintenance",
                "common-facilities",
                960_000,
                f"{label}电梯维保费（24台，{LIFT_CO['name']}）",
                date(year, month, 26),
            )
            for number in range(1 + (month % 2)):
                what, base = self.REPAIRS[(month * 2 + number) % len(self.REPAIRS)]
                self.spend(
                    at,
                    f"spend-{tag}-repair-{number + 1}",
                    "common-facilities",
                    _vary(rng, base, 1000),
                    f"日常维修：{what}",
                    date(year, month, 12 + 7 * number),
                    routine=True,
                )
            if month % 3 == 0:
                self.spend(
                    at,
                    f"spend-{tag}-fire-maintenance",
                    "common-facilities",
                    1_200_000,
                    f"{year}年第{month // 3}季度消防设施维保费（{FIRE_CO['name']}）",
                    date(year, month, 27),
                )
            self.spend(
                at,
                f"spend-{tag}-office",
                "office",
                300_000 + 5_000 * rng.randint(0, 30),
                f"{label}办公费（通讯、打印、服务中心水电）",
                date(year, month, 27),
            )
            self.spend(
                at,
                f"spend-{tag}-depreciation",
                "depreciation",
                250_000,
                f"{label}固定资产折旧（巡更系统、对讲设备、清洁机械）",
                end,
            )
            if month == 1:
                self.spend(
                    at,
                    f"spend-{tag}-insurance",
                    "insurance",
                    2_600_000,
                    "2025年度公众责任险及电梯安全责任险保费",
                    date(year, 1, 15),
                )
                self.spend(
                    at,
                    f"spend-{tag}-owner-approved",
                    "owner-approved",
                    680_000,
                    "春节公共区域装饰布置（经业主委员会2025年1月会议同意）",
                    date(year, 1, 20),
                )
            if month == 9:
                self.spend(
                    at,
                    f"spend-{tag}-owner-approved",
                    "owner-approved",
                    1_200_000,
                    "中秋邻里节活动费用（经业主委员会2025年8月会议同意）",
                    date(year, 9, 27),
                )
        # An insurance payout booked into the fund.
        self.collect(
            _at(date(2025, 7, 10), 10),
            "fund-2025-06-insurance-claim",
            "other",
            860_000,
            date(2025, 6, 18),
            explanation="保险理赔款（8栋外墙瓷砖脱落砸损车辆，公众责任险赔付）",
        )
        # Remuneration: 10 % of each quarter's property fees, drawn at quarter end
        # and disclosed with the quarter's last month.
        for quarter in range(1, 5):
            drawn_on = _month_end(2025, quarter * 3)
            base = self.fee_by_quarter[(2025, quarter)]
            amount = ratio_amount_fen(base, RATIO_BP)
            self.post(
                _at(_next_month(2025, quarter * 3, 10), 10),
                "RemunerationDrawn",
                f"remuneration-2025-q{quarter}",
                {
                    "basis": "ratio",
                    "base_fen": base,
                    "ratio_bp": RATIO_BP,
                    "amount_fen": amount,
                    "drawn_on": drawn_on.isoformat(),
                    "for_period": {
                        "start": date(2025, quarter * 3 - 2, 1).isoformat(),
                        "end": _month_end(2025, quarter * 3).isoformat(),
                    },
                },
            )
            self.remuneration[2025] += amount

    # ------------------------------------------------------------- T05 budgets, accounts
    def budgets_and_accounts(self) -> None:
        plan = self.plan
        self.post(
            _at(DEMO_START.date(), 9, 30),
            "BudgetDeclared",
            "budget-2025",
            _budget(
                "2025",
                income={
                    "property-fee": 313_500_000,
                    "common-revenue-transfer": 16_000_000,
                },
                spending={
                    "staff": 98_000_000,
                    "common-facilities": 24_000_000,
                    "cleaning": 48_000_000,
                    "greening": 14_400_000,
                    "order": 69_600_000,
                    "office": 4_200_000,
                    "depreciation": 3_000_000,
                    "insurance": 2_600_000,
                    "owner-approved": 2_000_000,
                },
                remuneration=31_350_000,
                approval=("锦绣和鸣苑业主委员会2024年第12次会议决定", "2024-12-20"),
            ),
        )
        audit_2024 = plan.document("锦绣和鸣苑2024年度酬金制物业服务资金审计报告")
        accounts_2024 = _accounts(
            "2024",
            income={
                "property-fee": 309_842_600,
                "common-revenue-transfer": 15_268_400,
                "other": 420_000,
            },
            spending={
                "staff": 95_860_000,
                "common-facilities": 30_215_800,
                "cleaning": 46_980_000,
                "greening": 13_862_300,
                "order": 67_200_000,
                "office": 4_035_600,
                "depreciation": 3_000_000,
                "insurance": 2_480_000,
                "owner-approved": 1_650_000,
            },
            remuneration=30_984_260,
        )
        accounts_2024["treatment"] = "carried-forward"
        accounts_2024["audit"] = {"auditor": AUDITOR, "report": audit_2024.sha256}
        self.post(
            _at(date(2025, 3, 20), 10),
            "AccountsClosed",
            "accounts-2024",
            accounts_2024,
            [audit_2024],
        )
        self.post(
            _at(date(2025, 12, 15), 10),
            "BudgetDeclared",
            "budget-2026",
            _budget(
                "2026",
                income={
                    "property-fee": 316_000_000,
                    "common-revenue-transfer": 17_500_000,
                },
                spending={
                    "staff": 101_000_000,
                    "common-facilities": 30_000_000,
                    "cleaning": 49_200_000,
                    "greening": 14_800_000,
                    "order": 71_400_000,
                    "office": 4_400_000,
                    "depreciation": 3_000_000,
                    "insurance": 2_700_000,
                    "owner-approved": 2_000_000,
                },
                remuneration=31_600_000,
                approval=("锦绣和鸣苑业主委员会2025年第11次会议决定", "2025-12-10"),
            ),
        )
        # 2025's accounts are the sums of the fund entries dated 2025 (see build order:
        # commission_fund and common_revenue have already run).
        audit_2025 = plan.document("锦绣和鸣苑2025年度酬金制物业服务资金审计报告")
        accounts_2025 = _accounts(
            "2025",
            income=dict(self.fund_income[2025]),
            spending=dict(self.fund_spending[2025]),
            remuneration=self.remuneration[2025],
        )
        accounts_2025["treatment"] = "carried-forward"
        accounts_2025["audit"] = {"auditor": AUDITOR, "report": audit_2025.sha256}
        self.post(
            _at(date(2026, 1, 28), 10),
            "AccountsClosed",
            "accounts-2025",
            accounts_2025,
            [audit_2025],
        )

    # ------------------------------------------------------------- T07 shared utilities
    def utilities(self) -> None:
        rng = self.rng
        readings = {f"e-b{n:02d}-common": 180_000 + 9_137 * n for n in range(1, 13)}
        readings["e-estate-public"] = 612_400
        readings["w-estate-common"] = 48_620
        for year, month in MONTHS_2025:
            at = _at(_next_month(year, month, 8), 15)
            period = {
                "start": date(year, month, 1).isoformat(),
                "end": _month_end(year, month).isoformat(),
            }
            tag = f"{year}-{month:02d}"
            for number, households in enumerate(HOUSEHOLDS, start=1):
                meter = f"e-b{number:02d}-common"
                used = _vary(rng, 2_400 + 8 * households, 700)
                start = readings[meter]
                readings[meter] = start + used
                total = used * 52  # 0.52 元/kWh
                self.post(
                    at,
                    "UtilityCostApportioned",
                    f"utility-{tag}-{meter}",
                    {
                        "utility": "electricity",
                        "meter_id": meter,
                        "location": f"{number}栋电梯及公共照明",
                        "scope": {"kind": "building", "building": f"{number} 栋"},
                        "billing_period": period,
                        "readings": {"start": start, "end": start + used},
                        "consumption": used,
                        "unit": "kWh",
                        "total_fen": total,
                        "basis": "per-household",
                        "households": households,
                        "per_household_fen": round_half_up_div(total, households),
                    },
                )
            summer = month in (6, 7, 8)
            used = _vary(rng, 9_800 if not summer else 11_600, 500)
            start = readings["e-estate-public"]
            readings["e-estate-public"] = start + used
            total = used * 52
            bill = self.plan.document(
                f"{year}年{month}月公共用电缴费凭证（户号尾号0366）"
            )
            self.post(
                at,
                "UtilityCostApportioned",
                f"utility-{tag}-e-estate-public",
                {
                    "utility": "electricity",
                    "meter_id": "e-estate-public",
                    "location": "全小区路灯、地下车库照明、二次供水泵房及消防控制室",
                    "scope": {"kind": "estate"},
                    "billing_period": period,
                    "readings": {"start": start, "end": start + used},
                    "consumption": used,
                    "unit": "kWh",
                    "total_fen": total,
                    "basis": "per-household",
                    "households": HOUSEHOLDS_TOTAL,
                    "per_household_fen": round_half_up_div(total, HOUSEHOLDS_TOTAL),
                    "bill": bill.sha256,
                },
                [bill],
            )
            used = _vary(rng, 820 if summer else 640, 900)
            start = readings["w-estate-common"]
            readings["w-estate-common"] = start + used
            total = used * 366  # 3.66 元/m³
            bill = self.plan.document(
                f"{year}年{month}月公共用水缴费凭证（户号尾号2208）"
            )
            self.post(
                at,
                "UtilityCostApportioned",
                f"utility-{tag}-w-estate-common",
                {
                    "utility": "water",
                    "meter_id": "w-estate-common",
                    "location": "公共区域保洁、绿化浇灌及景观水池补水",
                    "scope": {"kind": "estate"},
                    "billing_period": period,
                    "readings": {"start": start, "end": start + used},
                    "consumption": used,
                    "unit": "m3",
                    "total_fen": total,
                    "basis": "per-m2",
                    "households": HOUSEHOLDS_TOTAL,
                    "floor_area_m2": FLOOR_AREA_M2,
                    "per_m2_fen": round_half_up_div(total, FLOOR_AREA_M2),
                    "bill": bill.sha256,
                },
                [bill],
            )

    # ------------------------------------------------------------- T08 maintenance fund
    def maintenance_fund(self) -> None:
        plan = self.plan
        uses: list[tuple[date, str, Body, list[_Attachment]]] = []
        report = plan.document("地下车库B区给水主管抢修验收单")
        uses.append(
            (
                date(2025, 2, 18),
                "mf-2025-01-garage-main",
                {
                    "works": "地下车库B区给水主管（DN150）爆裂应急抢修",
                    "works_class": "emergency",
                    "amount_fen": 3_250_000,
                    "approval": {
                        "kind": "emergency-procedure",
                        "reference": "锦江区住建局专项维修资金应急使用备案2025-021号",
                        "adopted_on": "2025-02-08",
                    },
                    "contractor": {
                        "name": "四川蓉通市政工程有限公司",
                        "uscc": _uscc("91510108MA6B2P5K0"),
                    },
                    "started_on": "2025-02-08",
                    "completed_on": "2025-02-10",
                    "scope": {"kind": "estate"},
                    "households_affected": HOUSEHOLDS_TOTAL,
                    "acceptance_report": report.sha256,
                },
                [report],
            )
        )
        vote = plan.document("5栋业主共同决定表决结果公告（电梯大修）")
        report = plan.document("5栋电梯大修竣工验收报告")
        uses.append(
            (
                date(2025, 9, 26),
                "mf-2025-02-lift-b5",
                {
                    "works": "5栋1号、2号客梯曳引机、控制柜及门机系统更换（大修）",
                    "works_class": "major-repair",
                    "amount_fen": 58_600_000,
                    "approval": {
                        "kind": "owners-vote",
                        "reference": "5栋业主共同决定（专有部分面积和人数双三分之二以上参与、过半数同意）",
                        "adopted_on": "2025-06-28",
                        "document": vote.sha256,
                    },
                    "contractor": {"name": LIFT_CO["name"], "uscc": LIFT_CO["uscc"]},
                    "started_on": "2025-08-11",
                    "completed_on": "2025-09-19",
                    "scope": {"kind": "buildings", "buildings": ["5 栋"]},
                    "households_affected": HOUSEHOLDS[4],
                    "acceptance_report": report.sha256,
                },
                [vote, report],
            )
        )
        vote = plan.document("锦绣和鸣苑2025年第二次业主大会决议（消防系统更新改造）")
        report = plan.document("火灾自动报警系统更新改造竣工验收及检测报告")
        uses.append(
            (
                date(2025, 12, 5),
                "mf-2025-03-fire-alarm",
                {
                    "works": "火灾自动报警主机更换，地下车库及1–12栋公共区域烟感探测器更新320个",
                    "works_class": "renewal",
                    "amount_fen": 43_800_000,
                    "approval": {
                        "kind": "owners-vote",
                        "reference": "锦绣和鸣苑2025年第二次业主大会决议第3项",
                        "adopted_on": "2025-09-20",
                        "document": vote.sha256,
                    },
                    "contractor": {"name": FIRE_CO["name"], "uscc": FIRE_CO["uscc"]},
                    "started_on": "2025-10-20",
                    "completed_on": "2025-11-28",
                    "scope": {"kind": "estate"},
                    "households_affected": HOUSEHOLDS_TOTAL,
                    "acceptance_report": report.sha256,
                },
                [vote, report],
            )
        )
        for day, entry_id, body, files in uses:
            self.post(_at(day, 10), "MaintenanceFundUsed", entry_id, body, files)

    # ------------------------------------------------------------- T09 performance
    def performance(self) -> None:
        reports: list[tuple[date, int, int, Body]] = [
            (
                date(2025, 1, 20),
                2024,
                2,
                {
                    "items": [
                        {
                            "item_id": "clean-stairs",
                            "clause": "第五条 楼道及电梯厅每日清扫",
                            "status": "done",
                        },
                        {
                            "item_id": "green-mow",
                            "clause": "第六条 草坪每月修剪两次",
                            "status": "partly",
                            "explanation": "9月连续降雨，当月仅修剪一次；10月已补修剪。",
                        },
                        {
                            "item_id": "order-gate",
                            "clause": "第七条 出入口24小时值守",
                            "status": "done",
                        },
                        {
                            "item_id": "lift-maintain",
                            "clause": "第八条 电梯每15日维保一次",
                            "status": "done",
                        },
                        {
                            "clause": "第九条 地下车库照明节能改造",
                            "status": "not-done",
                            "explanation": "需业主大会表决同意使用相关资金，已列入2025年实事承诺。",
                        },
                    ],
                    "satisfaction": {
                        "method": "线上问卷+入户走访",
                        "households_surveyed": 1200,
                        "responses": 806,
                        "satisfied": 533,
                        "basically_satisfied": 214,
                        "dissatisfied": 59,
                    },
                    "complaints": {"received": 41, "resolved": 39},
                    "summary": "2024年下半年合同约定服务项目总体完成；未完成事项已说明原因并列入下期计划。",
                },
            ),
            (
                date(2025, 7, 25),
                2025,
                1,
                {
                    "items": [
                        {
                            "item_id": "clean-stairs",
                            "clause": "第五条 楼道及电梯厅每日清扫",
                            "status": "done",
                        },
                        {
                            "item_id": "clean-waste",
                            "clause": "第五条 生活垃圾分类日产日清",
                            "status": "done",
                        },
                        {
                            "item_id": "green-mow",
                            "clause": "第六条 草坪每月修剪两次",
                            "status": "done",
                        },
                        {
                            "item_id": "order-patrol",
                            "clause": "第七条 夜间巡逻并记录",
                            "status": "done",
                        },
                        {
                            "item_id": "lift-maintain",
                            "clause": "第八条 电梯每15日维保一次",
                            "status": "partly",
                            "explanation": "5栋2号客梯3月多次故障停梯，经评估需大修，已于6月通过5栋业主共同决定，8月动工。",
                        },
                        {
                            "item_id": "cs-repair",
                            "clause": "第十条 报修30分钟内响应",
                            "status": "done",
                        },
                    ],
                    "complaints": {"received": 23, "resolved": 22},
                    "summary": "上半年服务项目基本完成；电动自行车充电棚实事已兑现，7栋屋顶平台改造因表决未通过终止。",
                },
            ),
            (
                date(2026, 1, 23),
                2025,
                2,
                {
                    "items": [
                        {
                            "item_id": "clean-stairs",
                            "clause": "第五条 楼道及电梯厅每日清扫",
                            "status": "done",
                        },
                        {
                            "item_id": "green-mow",
                            "clause": "第六条 草坪每月修剪两次",
                            "status": "done",
                        },
                        {
                            "item_id": "order-gate",
                            "clause": "第七条 出入口24小时值守",
                            "status": "done",
                        },
                        {
                            "item_id": "lift-maintain",
                            "clause": "第八条 电梯每15日维保一次",
                            "status": "done",
                        },
                        {
                            "item_id": "fire-check",
                            "clause": "第九条 消防设施每月检查、年度检测",
                            "status": "done",
                        },
                        {
                            "clause": "实事承诺 地下车库照明节能改造",
                            "status": "partly",
                            "explanation": "已完成A区、B区改造，C区预计2026年3月完工。",
                        },
                    ],
                    "satisfaction": {
                        "method": "线上问卷+入户走访",
                        "households_surveyed": 1200,
                        "responses": 842,
                        "satisfied": 601,
                        "basically_satisfied": 196,
                        "dissatisfied": 45,
                    },
                    "complaints": {"received": 27, "resolved": 26},
                    "summary": "下半年完成5栋电梯大修和消防报警系统更新改造，业主满意度较上年提高。",
                },
            ),
        ]
        for day, year, half, body in reports:
            report = self.plan.document(
                f"锦绣和鸣苑{year}年{'上' if half == 1 else '下'}半年物业服务合同履行情况报告"
            )
            self.post(
                _at(day, 10),
                "PerformanceReported",
                f"performance-{year}-h{half}",
                {
                    "half_year": {"year": year, "half": half},
                    **body,
                    "report": report.sha256,
                },
                [report],
            )

    # ------------------------------------------------------------- T10 facilities
    @staticmethod
    def lifts() -> list[tuple[str, int, int]]:
        """(facility id, building, car) for the 24 lifts."""
        return [(f"lift-{b:02d}-{c}", b, c) for b in range(1, 13) for c in (1, 2)]

    def facilities(self) -> None:
        at = _at(DEMO_START.date(), 11)
        for number, (facility_id, building, car) in enumerate(self.lifts()):
            self.post(
                at,
                "FacilityRegistered",
                f"facility-{facility_id}",
                self.lift_body(facility_id, building, car, number),
            )
        systems: list[Body] = [
            {
                "facility_id": "fire-alarm",
                "kind": "fire-protection",
                "name": "火灾自动报警系统",
                "location": "全小区（消防控制室位于3栋负一楼）",
                "make": "海湾安全技术有限公司",
                "model": "JB-QB-GST200",
                "installed_on": "2012-06-30",
                "maintenance_contractor": FIRE_CO,
            },
            {
                "facility_id": "fire-sprinkler",
                "kind": "fire-protection",
                "name": "地下车库自动喷水灭火系统",
                "location": "地下车库A、B、C区",
                "installed_on": "2012-06-30",
                "maintenance_contractor": FIRE_CO,
            },
            {
                "facility_id": "fire-hydrant",
                "kind": "fire-protection",
                "name": "室内外消火栓系统",
                "location": "1–12栋及室外环网",
                "installed_on": "2012-06-30",
                "maintenance_contractor": FIRE_CO,
            },
            {
                "facility_id": "pump-low",
                "kind": "water-supply",
                "name": "低区二次供水泵组",
                "location": "地下车库B区水泵房",
                "make": "格兰富水泵（上海）有限公司",
                "model": "Hydro MPC-E 3 CRE15-3",
                "installed_on": "2012-05-20",
            },
            {
                "facility_id": "pump-high",
                "kind": "water-supply",
                "name": "高区二次供水泵组",
                "location": "地下车库B区水泵房",
                "make": "格兰富水泵（上海）有限公司",
                "model": "Hydro MPC-E 3 CRE15-7",
                "installed_on": "2012-05-20",
            },
        ]
        for body in systems:
            self.post(at, "FacilityRegistered", f"facility-{body['facility_id']}", body)
        self.lift_services()
        self.fire_services()
        self.pump_services()

    def lift_body(
        self,
        facility_id: str,
        building: int,
        car: int,
        number: int,
        *,
        renewed: bool = False,
    ) -> Body:
        body: Body = {
            "facility_id": facility_id,
            "kind": "lift",
            "name": f"{building}栋{car}号客梯",
            "location": f"{building}栋{car}单元",
            "make": "日立电梯（中国）有限公司" if building % 2 else "通力电梯有限公司",
            "model": "HGP-1000-CO105" if building % 2 else "KONE MonoSpace 500",
            "installed_on": "2012-08-20",
            "registration_number": f"梯11川A{3100 + number:04d}(12)",
            "maintenance_contractor": LIFT_CO,
            "statutory_inspection_cycle_days": 365,
        }
        if renewed:
            body["installed_on"] = "2025-09-19"
            body["model"] = "KONE MonoSpace 500（2025年大修更换曳引机及控制柜）"
        return body

    def lift_services(self) -> None:
        renewal = (date(2025, 8, 1), date(2025, 9, 30))
        months = [*MONTHS_2025, (2026, 1)]
        for number, (facility_id, building, _car) in enumerate(self.lifts()):
            for year, month in months:
                if building == 5 and renewal[0] <= date(year, month, 1) <= renewal[1]:
                    continue
                first = 2 + number % 12
                second = first + 14
                serviced_on = date(year, month, second)
                self.post(
                    _at(serviced_on, 17),
                    "FacilityServiced",
                    f"service-{year}-{month:02d}-{facility_id}",
                    {
                        "facility_id": facility_id,
                        "serviced_on": serviced_on.isoformat(),
                        "service_kind": "routine-maintenance",
                        "performed_by": {"kind": "organisation", **LIFT_CO},
                        "work_done": f"半月保养（本月{first}日、{second}日两次）：清洁机房与底坑，检查曳引机、制动器、门系统及安全回路，润滑导轨。",
                        "result": "in-service",
                        "next_due": (serviced_on + timedelta(days=15)).isoformat(),
                    },
                )
            inspected_on = date(2025, number % 12 + 1, 22)
            if building == 5 and renewal[0] <= inspected_on <= renewal[1]:
                inspected_on = date(2025, 10, 22)
            self.post(
                _at(inspected_on, 17, 30),
                "FacilityServiced",
                f"inspection-2025-{facility_id}",
                {
                    "facility_id": facility_id,
                    "serviced_on": inspected_on.isoformat(),
                    "service_kind": "statutory-inspection",
                    "performed_by": {"kind": "organisation", **INSPECTOR},
                    "work_done": "电梯定期检验，检验结论：合格。",
                    "result": "in-service",
                    "next_due": (inspected_on + timedelta(days=364)).isoformat(),
                },
            )
        # 5 栋: the lift major repair (paid from the maintenance fund, see T08).
        for car in (1, 2):
            facility_id = f"lift-05-{car}"
            self.post(
                _at(date(2025, 8, 11), 17),
                "FacilityServiced",
                f"service-2025-08-{facility_id}-stopped",
                {
                    "facility_id": facility_id,
                    "serviced_on": "2025-08-11",
                    "service_kind": "repair",
                    "performed_by": {"kind": "organisation", **LIFT_CO},
                    "work_done": "大修开工：停梯，拆除原曳引机及控制柜（专项维修资金项目）。",
                    "result": "out-of-service",
                },
            )
            photo = self.plan.document(f"5栋{car}号客梯大修监督检验报告")
            self.post(
                _at(date(2025, 9, 19), 17),
                "FacilityServiced",
                f"service-2025-09-{facility_id}-renewed",
                {
                    "facility_id": facility_id,
                    "serviced_on": "2025-09-19",
                    "service_kind": "repair",
                    "performed_by": {"kind": "organisation", **LIFT_CO},
                    "work_done": "大修完工：更换曳引机、控制柜及门机系统，经监督检验合格，恢复运行。",
                    "result": "in-service",
                    "next_due": "2025-10-04",
                    "certificate": photo.sha256,
                },
                [photo],
            )
            self.post(
                _at(date(2025, 9, 22), 10),
                "FacilityRegistered",
                f"facility-{facility_id}-renewed",
                self.lift_body(facility_id, 5, car, 8 + car - 1, renewed=True),
            )

    def fire_services(self) -> None:
        for quarter in range(1, 5):
            day = date(2025, quarter * 3, 18)
            for facility_id, name in (
                ("fire-alarm", "火灾自动报警系统"),
                ("fire-sprinkler", "自动喷水灭火系统"),
                ("fire-hydrant", "消火栓系统"),
            ):
                self.post(
                    _at(day, 17),
                    "FacilityServiced",
                    f"service-2025-q{quarter}-{facility_id}",
                    {
                        "facility_id": facility_id,
                        "serviced_on": day.isoformat(),
                        "service_kind": "routine-maintenance",
                        "performed_by": {"kind": "organisation", **FIRE_CO},
                        "work_done": f"{name}季度维护保养：功能测试、末端试水、管网压力检查及部件清洁。",
                        "result": "in-service",
                        "next_due": (day + timedelta(days=91)).isoformat(),
                    },
                )
        self.post(
            _at(date(2025, 11, 28), 17),
            "FacilityServiced",
            "service-2025-11-fire-alarm-renewed",
            {
                "facility_id": "fire-alarm",
                "serviced_on": "2025-11-28",
                "service_kind": "repair",
                "performed_by": {"kind": "organisation", **FIRE_CO},
                "work_done": "更新改造完工：更换报警主机，更新烟感探测器320个，联动测试合格（专项维修资金项目）。",
                "result": "in-service",
                "next_due": "2026-03-18",
            },
        )
        self.post(
            _at(date(2025, 12, 1), 10),
            "FacilityRegistered",
            "facility-fire-alarm-renewed",
            {
                "facility_id": "fire-alarm",
                "kind": "fire-protection",
                "name": "火灾自动报警系统",
                "location": "全小区（消防控制室位于3栋负一楼）",
                "make": "海湾安全技术有限公司",
                "model": "JB-QB-GST5000（2025年更新）",
                "installed_on": "2025-11-28",
                "maintenance_contractor": FIRE_CO,
            },
        )

    def pump_services(self) -> None:
        for year, month in [*MONTHS_2025, (2026, 1)]:
            day = date(year, month, 6)
            for facility_id, staff_id in (
                ("pump-low", "s-0201"),
                ("pump-high", _engineers(day)[1]),
            ):
                self.post(
                    _at(day, 17),
                    "FacilityServiced",
                    f"service-{year}-{month:02d}-{facility_id}",
                    {
                        "facility_id": facility_id,
                        "serviced_on": day.isoformat(),
                        "service_kind": "routine-maintenance",
                        "performed_by": {"kind": "staff", "staff_id": staff_id},
                        "work_done": "月度保养：检查水泵运行电流与出水压力，紧固接线，清理过滤器，切换主备泵运行。",
                        "result": "in-service",
                        "next_due": _next_month(year, month, 6).isoformat(),
                    },
                )
        for day in (date(2025, 4, 15), date(2025, 10, 15)):
            for facility_id in ("pump-low", "pump-high"):
                self.post(
                    _at(day, 17, 30),
                    "FacilityServiced",
                    f"service-{day.isoformat()}-{facility_id}-tank",
                    {
                        "facility_id": facility_id,
                        "serviced_on": day.isoformat(),
                        "service_kind": "routine-maintenance",
                        "performed_by": {
                            "kind": "organisation",
                            "name": "成都清源二次供水设施清洗有限公司",
                        },
                        "work_done": "二次供水水箱清洗消毒，水质送检合格（报告见查询台）。",
                        "result": "in-service",
                        "next_due": (day + timedelta(days=183)).isoformat(),
                    },
                )

    def inspections(self) -> None:
        for year, month in [*MONTHS_2025, (2026, 1)]:
            day = date(year, month, 9)
            issues = month in (3, 8)
            body: Body = {
                "facility_id": "fire-alarm",
                "inspected_on": day.isoformat(),
                "scope": "消防设施月度检查（报警主机、烟感、应急照明、疏散指示）",
                "inspector": {"kind": "organisation", **FIRE_CO},
                "result": "issues-found" if issues else "pass",
                "next_due": _next_month(year, month, 9).isoformat(),
            }
            if issues:
                body["issues"] = [
                    {
                        "description": "地下车库B区2具灭火器压力不足。",
                        "severity": "major",
                        "rectify_by": (day + timedelta(days=3)).isoformat(),
                    },
                    {
                        "description": "9栋12层疏散指示灯不亮。",
                        "severity": "minor",
                        "rectify_by": (day + timedelta(days=7)).isoformat(),
                    },
                ]
            self.post(
                _at(day, 16),
                "InspectionRecorded",
                f"inspect-{year}-{month:02d}-fire",
                body,
            )
        for quarter in range(1, 5):
            day = date(2025, quarter * 3, 25)
            self.post(
                _at(day, 16),
                "InspectionRecorded",
                f"inspect-2025-q{quarter}-safety",
                {
                    "inspected_on": day.isoformat(),
                    "scope": "公共区域季度安全检查（消防通道、楼道堆物、高空坠物隐患）",
                    "inspector": {"kind": "staff", "staff_id": MANAGER.staff_id},
                    "result": "issues-found" if quarter == 2 else "pass",
                    **(
                        {
                            "issues": [
                                {
                                    "description": "4栋、10栋楼道堆放纸箱等杂物共7处，已张贴清理通知。",
                                    "severity": "minor",
                                    "rectify_by": "2025-07-05",
                                }
                            ]
                        }
                        if quarter == 2
                        else {}
                    ),
                },
            )
        report = self.plan.document("2025年度建筑消防设施检测报告")
        self.post(
            _at(date(2025, 11, 12), 16),
            "InspectionRecorded",
            "inspect-2025-fire-annual",
            {
                "facility_id": "fire-hydrant",
                "inspected_on": "2025-11-12",
                "scope": "建筑消防设施年度检测",
                "inspector": {"kind": "organisation", **FIRE_CO},
                "result": "pass",
                "next_due": "2026-11-11",
                "report": report.sha256,
            },
            [report],
        )
        for day in (date(2025, 4, 18), date(2025, 10, 18)):
            report = self.plan.document(f"二次供水水质检测报告（{day.isoformat()}）")
            self.post(
                _at(day, 16),
                "InspectionRecorded",
                f"inspect-{day.isoformat()}-water",
                {
                    "facility_id": "pump-low",
                    "inspected_on": day.isoformat(),
                    "scope": "二次供水水质检测（清洗消毒后）",
                    "inspector": {
                        "kind": "organisation",
                        "name": "四川华测水质检测有限公司",
                    },
                    "result": "pass",
                    "report": report.sha256,
                },
                [report],
            )

    # ------------------------------------------------------------- work logs (T09, T10)
    CLEANING_AREAS: Final = ("1–3栋", "4–6栋", "7–9栋", "10–12栋")
    CLEANING_WORK: Final = (
        "1–32层楼道清扫拖洗，电梯轿厢及按键消毒，清运垃圾分类点。",
        "单元入户大堂及电梯厅拖洗，扶手擦拭，清理楼道小广告。",
        "楼道清扫，垃圾桶清洗消毒，清运大件垃圾1车。",
        "电梯厅玻璃及不锈钢面擦拭，楼道清扫拖洗。",
    )
    PATROL_AREAS: Final = (
        "1–4栋及南门",
        "5–8栋及中心花园",
        "9–12栋及北门",
        "地下车库A、B、C区",
    )
    PATROL_FINDINGS: Final = (
        "夜间巡逻：检查单元门禁、消防通道及地下车库，未发现异常。",
        "夜间巡逻：消防通道畅通，劝离违停车辆1辆，其余正常。",
        "夜间巡逻：发现一处单元门闭门器松动，已登记报修。",
        "夜间巡逻：地下车库照明及排水正常，未发现异常。",
        "夜间巡逻：清理消防通道堆放的共享单车3辆，其余正常。",
    )
    GREENING_WORK: Final = {
        "spring": "草坪修剪，乔灌木施肥，补植中心花园枯死灌木。",
        "summer": "草坪修剪及浇灌，病虫害巡查与防治，修剪遮挡路灯的枝条。",
        "autumn": "草坪修剪，清扫落叶，修剪绿篱造型。",
        "winter": "清扫落叶，树木涂白防寒，修剪枯枝。",
    }
    REPAIR_WORK: Final = (
        ("地下车库A区", "更换损坏LED灯管6支，修复1处应急照明。"),
        ("3栋1单元", "修复单元门禁电磁锁，调整闭门器。"),
        ("中心花园", "更换损坏草坪灯2盏，检修景观照明线路。"),
        ("7栋2单元", "楼道声控开关更换3个。"),
        ("南门岗", "道闸地感线圈检修，恢复车辆识别。"),
        ("11栋1单元", "疏通公共排水立管，清理检查口。"),
        ("地下车库B区", "修复排水沟盖板2处，清理集水井。"),
        ("5栋1单元", "更换破损楼道窗户玻璃1块。"),
    )

    def work_logs(self) -> None:
        """Daily logs, posted the same evening: a night patrol every day, cleaning on
        weekdays, greening on Tuesdays and repairs on Thursdays (about 800 entries)."""
        rng = self.rng
        for day in _days(DEMO_START.date(), DEMO_END):
            at = _at(day, 22, 45)
            stamp = day.isoformat()
            weekday = day.weekday()
            week = day.isocalendar()[1]
            if weekday < 5:
                area = self.CLEANING_AREAS[(day.toordinal()) % 4]
                photos = (
                    [self.plan.photo(f"{stamp} {area}楼道保洁")] if weekday == 0 else []
                )
                body: Body = {
                    "worked_on": stamp,
                    "started_at": _at(day, 7).isoformat(),
                    "finished_at": _at(day, 10, 30).isoformat(),
                    "location": area,
                    "kind": "cleaning",
                    "description": rng.choice(self.CLEANING_WORK),
                    "staff_ids": ["s-0401", "s-0402"]
                    if week % 2
                    else ["s-0401", "s-0403"],
                }
                if photos:
                    body["photos"] = [p.sha256 for p in photos]
                self.post(at, "WorkLogged", f"work-{stamp}-cleaning", body, photos)
            if weekday == 1:
                season = (
                    "winter",
                    "spring",
                    "spring",
                    "spring",
                    "summer",
                    "summer",
                    "summer",
                    "autumn",
                    "autumn",
                    "autumn",
                    "winter",
                    "winter",
                )[day.month - 1]
                self.post(
                    at,
                    "WorkLogged",
                    f"work-{stamp}-greening",
                    {
                        "worked_on": stamp,
                        "location": "中心花园及东西两侧绿化带",
                        "kind": "greening",
                        "description": self.GREENING_WORK[season],
                        "staff_ids": ["s-0501"],
                    },
                )
            if weekday == 3:
                where, what = self.REPAIR_WORK[week % len(self.REPAIR_WORK)]
                self.post(
                    at,
                    "WorkLogged",
                    f"work-{stamp}-repair",
                    {
                        "worked_on": stamp,
                        "location": where,
                        "kind": "repair",
                        "description": what,
                        "staff_ids": list(_engineers(day)),
                    },
                )
            self.post(
                at,
                "WorkLogged",
                f"work-{stamp}-patrol",
                {
                    "worked_on": stamp,
                    "started_at": _at(day, 20).isoformat(),
                    "finished_at": _at(day, 22, 30).isoformat(),
                    "location": self.PATROL_AREAS[day.toordinal() % 4],
                    "kind": "patrol",
                    "description": rng.choice(self.PATROL_FINDINGS),
                    "staff_ids": ["s-0302", "s-0304"],
                },
            )

    # ------------------------------------------------------------- T11 pledges
    def pledges(self) -> None:
        responsible = {
            "staff_id": MANAGER.staff_id,
            "name": MANAGER.name,
            "position": MANAGER.position,
        }
        # Fulfilled.
        self.post(
            _at(date(2025, 1, 6), 10),
            "PledgeMade",
            "pledge-2025-ebike-sheds",
            {
                "pledge_id": "2025-ebike-sheds",
                "title": "新增电动自行车集中充电棚",
                "description": "在4栋、9栋旁各建设一处电动自行车集中充电棚（共96个充电口），配备自动灭火装置和视频监控，杜绝飞线充电。",
                "due_on": "2025-06-30",
                "responsible": responsible,
            },
        )
        for month, bp, note in (
            (2, 1500, "完成选址及业主意见征集，4栋、9栋旁选址获业委会同意。"),
            (3, 3500, "完成供电增容申请，4栋充电棚基础施工。"),
            (4, 6000, "4栋充电棚钢结构安装完成，9栋基础施工。"),
            (5, 8500, "4栋充电棚通电试运行，9栋充电棚钢结构安装完成。"),
        ):
            photo = self.plan.photo(f"充电棚进展 {month}月")
            self.post(
                _at(date(2025, month, 28), 10),
                "PledgeProgressed",
                f"pledge-2025-ebike-sheds-{month:02d}",
                {
                    "pledge_id": "2025-ebike-sheds",
                    "as_of": date(2025, month, 28).isoformat(),
                    "progress_bp": bp,
                    "note": note,
                    "photos": [photo.sha256],
                },
                [photo],
            )
        evidence = [self.plan.photo("4栋充电棚投用"), self.plan.photo("9栋充电棚投用")]
        self.post(
            _at(date(2025, 6, 18), 10),
            "PledgeFulfilled",
            "pledge-2025-ebike-sheds-done",
            {
                "pledge_id": "2025-ebike-sheds",
                "fulfilled_on": "2025-06-18",
                "outcome": "两处充电棚均已投用，共96个充电口，已接入自动灭火装置与视频监控。",
                "evidence": [e.sha256 for e in evidence],
            },
            evidence,
        )
        # Lapsed.
        self.post(
            _at(date(2025, 2, 10), 10),
            "PledgeMade",
            "pledge-2025-roof-terrace",
            {
                "pledge_id": "2025-roof-terrace",
                "title": "7栋屋顶休闲平台改造",
                "description": "将7栋屋顶闲置区域改造为休闲平台，增设防护栏、座椅和绿植。",
                "due_on": "2025-09-30",
                "responsible": responsible,
            },
        )
        for month, bp, note in (
            (3, 1000, "完成设计方案，向7栋业主征求意见。"),
            (4, 1500, "方案涉及共有部分用途变更，提交业主大会表决。"),
        ):
            self.post(
                _at(date(2025, month, 28), 10),
                "PledgeProgressed",
                f"pledge-2025-roof-terrace-{month:02d}",
                {
                    "pledge_id": "2025-roof-terrace",
                    "as_of": date(2025, month, 28).isoformat(),
                    "progress_bp": bp,
                    "note": note,
                },
            )
        self.post(
            _at(date(2025, 5, 20), 10),
            "PledgeLapsed",
            "pledge-2025-roof-terrace-lapsed",
            {
                "pledge_id": "2025-roof-terrace",
                "lapsed_on": "2025-05-20",
                "reason": "屋顶平台改造涉及共有部分用途变更，业主大会表决未获通过，承诺终止。",
            },
        )
        # In progress at the end of the demo.
        self.post(
            _at(date(2025, 9, 1), 10),
            "PledgeMade",
            "pledge-2025-garage-led",
            {
                "pledge_id": "2025-garage-led",
                "title": "地下车库照明节能改造",
                "description": "将地下车库A、B、C区约420支荧光灯更换为雷达感应LED灯，预计公共用电每年节约约3万千瓦时。",
                "due_on": "2026-03-31",
                "responsible": {
                    "staff_id": "s-0201",
                    "name": "杨建华",
                    "position": "工程主管",
                },
            },
        )
        for year, month, bp, note in (
            (2025, 9, 1000, "完成灯具选型和三家比价，报业委会审核。"),
            (2025, 10, 3000, "A区改造完成（140支）。"),
            (2025, 11, 4500, "B区改造进行中，已更换80支。"),
            (2025, 12, 6500, "B区改造完成，C区材料进场。"),
            (2026, 1, 7500, "C区改造完成约三分之一，春节期间暂停施工。"),
        ):
            day = date(year, month, 26)
            self.post(
                _at(day, 10),
                "PledgeProgressed",
                f"pledge-2025-garage-led-{year}-{month:02d}",
                {
                    "pledge_id": "2025-garage-led",
                    "as_of": day.isoformat(),
                    "progress_bp": bp,
                    "note": note,
                },
            )

    # ------------------------------------------------------------- T12 challenges
    def challenges(self) -> None:
        """T12: four owners' challenges, raised, escalated and closed by the owners
        through the intake (intake-signed; contact details in the private store),
        acknowledged, answered and in one case closed after a timeout by the firm."""
        cs = {"position": "客服主管", "staff_id": "s-0101"}
        pm = {"position": "项目经理", "staff_id": MANAGER.staff_id}
        # 1. Lift breakdowns in 5 栋: answered, escalated by the owner, then closed by
        # the owners' committee after the major repair.
        self.raise_challenge(
            _at(date(2025, 3, 18), 20, 30),
            "q-2025-0001",
            received_at=_at(date(2025, 3, 18), 19, 42),
            channel="desk",
            request=lambda posted: ChallengeRequest(
                question="5栋2号客梯本月已停梯三次，请说明维保情况和维修计划，并公开近三个月的维保记录。",
                subject="5栋2号客梯频繁停梯",
                topic="facilities",
                contact=ContactDetails(name="李建国", room="5-2-1801"),
            ),
        )
        self.post(
            _at(date(2025, 3, 19), 10),
            "ChallengeAnswered",
            "challenge-q-2025-0001-ack",
            {
                "challenge_id": "q-2025-0001",
                "stage": "acknowledgement",
                "answer": "已受理，将于7日内书面答复。",
                "answered_by": cs,
            },
        )
        records = self.plan.document("5栋2号客梯2025年1–3月维保及故障记录")
        self.post(
            _at(date(2025, 3, 24), 15),
            "ChallengeAnswered",
            "challenge-q-2025-0001-answer",
            {
                "challenge_id": "q-2025-0001",
                "stage": "answer",
                "answer": "经维保单位检测，5栋2号客梯曳引机磨损、控制柜老化，日常维保无法根治，需申请专项维修资金大修，将于4月组织5栋业主表决。近三个月维保记录见附件。",
                "answered_by": pm,
                "attachments": [records.sha256],
            },
            [records],
        )
        self.escalate(
            _at(date(2025, 3, 27), 10),
            "q-2025-0001",
            EscalateRequest(
                "owners-committee",
                "业主认为大修表决进度过慢，要求业委会督促尽快组织5栋业主共同决定。",
            ),
        )
        self.close(
            _at(date(2025, 9, 30), 10),
            "q-2025-0001",
            CloseRequest(
                "satisfied",
                "业委会督办：5栋业主共同决定6月通过，电梯大修9月19日完工并恢复运行。",
            ),
            closed_by="authority",
        )
        # 2. The mistyped lift-advert revenue: answered, reversed, closed by the owner.
        self.raise_challenge(
            _at(date(2025, 6, 8), 20, 30),
            "q-2025-0002",
            received_at=_at(date(2025, 6, 8), 20, 15),
            channel="online",
            request=lambda posted: ChallengeRequest(
                question="5月电梯广告收入公示为90,000元，是平时的十倍，是否录入错误？请核对并公开到账凭证。",
                subject="5月电梯广告收入异常偏高",
                topic="income-expenditure",
                entry_index=int(
                    posted.ref(self.origin, self.WRONG_REVENUE_ID)["index"]
                ),
                contact=ContactDetails(
                    name="王雪梅",
                    phone="13808086621",
                    room="8-1-0602",
                    note="工作日晚上8点后方便接电话。",
                ),
            ),
        )
        self.post(
            _at(date(2025, 6, 9), 9, 30),
            "ChallengeAnswered",
            "challenge-q-2025-0002-ack",
            {
                "challenge_id": "q-2025-0002",
                "stage": "acknowledgement",
                "answer": "已受理，正在核对5月广告收入到账凭证。",
                "answered_by": cs,
            },
        )
        receipt = self.plan.document("2025年5月电梯广告租金银行回单")
        self.post(
            _at(date(2025, 6, 10), 16, 30),
            "ChallengeAnswered",
            "challenge-q-2025-0002-answer",
            {
                "challenge_id": "q-2025-0002",
                "stage": "answer",
                "answer": "经核对，5月电梯广告实际到账9,000.00元，公示时误录为90,000.00元。已于6月10日红冲原条目并重新登记，到账凭证见附件。感谢业主监督。",
                "answered_by": pm,
                "attachments": [receipt.sha256],
            },
            [receipt],
        )
        self.close(
            _at(date(2025, 6, 12), 10),
            "q-2025-0002",
            CloseRequest("satisfied", "业主核对更正后的公示与回单，确认满意。"),
        )
        # 3. Shared electricity: answered; the owner did not reply in time.
        self.raise_challenge(
            _at(date(2025, 9, 10), 20),
            "q-2025-0003",
            received_at=_at(date(2025, 9, 10), 18, 5),
            channel="phone",
            request=lambda posted: ChallengeRequest(
                question="8月全小区公共用电分摊比上月高，请说明原因。",
                subject="8月公共用电分摊偏高",
                topic="income-expenditure",
                contact=ContactDetails(
                    room="2-1-1203", note="张先生来电，希望书面答复。"
                ),
            ),
        )
        self.post(
            _at(date(2025, 9, 11), 10),
            "ChallengeAnswered",
            "challenge-q-2025-0003-ack",
            {
                "challenge_id": "q-2025-0003",
                "stage": "acknowledgement",
                "answer": "已受理，将核对电表读数后答复。",
                "answered_by": cs,
            },
        )
        self.post(
            _at(date(2025, 9, 15), 15),
            "ChallengeAnswered",
            "challenge-q-2025-0003-answer",
            {
                "challenge_id": "q-2025-0003",
                "stage": "answer",
                "answer": "6–8月为用电高峰，二次供水泵房和地下车库排风机运行时间延长，用电量较春季增加约18%；电表读数和缴费凭证已随分摊表公示。",
                "answered_by": {"position": "工程主管", "staff_id": "s-0201"},
            },
        )
        self.post(
            _at(date(2025, 9, 23), 10),
            "ChallengeClosed",
            "challenge-q-2025-0003-closed",
            {
                "challenge_id": "q-2025-0003",
                "closed_on": "2025-09-23",
                "closed_by": "firm-after-timeout",
                "outcome": "satisfied",
                "note": "答复后7日内业主未提出异议，按规则关闭。",
            },
        )
        # 4. Water pressure in 10 栋: answered, escalated; open at the end of the demo.
        self.raise_challenge(
            _at(date(2026, 1, 5), 21),
            "q-2026-0001",
            received_at=_at(date(2026, 1, 5), 20, 40),
            channel="online",
            request=lambda posted: ChallengeRequest(
                question="10栋25层以上早晚用水高峰水压明显不足，请说明高区供水泵组运行情况及整改计划。",
                subject="10栋高层早晚水压不足",
                topic="facilities",
                contact=ContactDetails(name="周敏", room="10-2-2702"),
            ),
        )
        self.post(
            _at(date(2026, 1, 6), 10),
            "ChallengeAnswered",
            "challenge-q-2026-0001-ack",
            {
                "challenge_id": "q-2026-0001",
                "stage": "acknowledgement",
                "answer": "已受理，工程部将于本周内实测10栋高层水压。",
                "answered_by": cs,
            },
        )
        self.post(
            _at(date(2026, 1, 12), 15),
            "ChallengeAnswered",
            "challenge-q-2026-0001-answer",
            {
                "challenge_id": "q-2026-0001",
                "stage": "answer",
                "answer": "实测10栋27层早高峰水压0.12MPa，低于设计值。原因为高区泵组变频器老化，需更换，已报业委会申请使用专项维修资金。",
                "answered_by": pm,
            },
        )
        self.escalate(
            _at(date(2026, 1, 16), 10),
            "q-2026-0001",
            EscalateRequest(
                "owners-committee",
                "业主要求业委会尽快组织表决，并在整改前安排临时增压措施。",
            ),
        )

    def raise_challenge(
        self,
        moment: datetime,
        challenge_id: str,
        *,
        received_at: datetime,
        channel: str,
        request: Callable[[_Posted], ChallengeRequest],
    ) -> None:
        """An owner's challenge taken by the intake (desk and phone ones entered by
        its staff): the same path as ``POST …/challenges``."""

        def act(posted: _Posted) -> None:
            raised = self.intake.raise_challenge(
                PROJECT_ID,
                request(posted),
                channel=channel,
                received_at=received_at,
                challenge_id=challenge_id,
            )
            self.codes[challenge_id] = raised.tracking_code
            posted.receipts[(self.origin, f"challenge-{challenge_id}")] = raised.receipt

        self.plan.add_intake(self.origin, moment, f"challenge-{challenge_id}", act)

    def escalate(
        self, moment: datetime, challenge_id: str, request: EscalateRequest
    ) -> None:
        def act(posted: _Posted) -> None:
            receipt = self.intake.escalate(self.codes[challenge_id], request)
            posted.receipts[(self.origin, f"{challenge_id}-escalated")] = receipt

        self.plan.add_intake(self.origin, moment, f"{challenge_id}-escalate", act)

    def close(
        self,
        moment: datetime,
        challenge_id: str,
        request: CloseRequest,
        *,
        closed_by: str = "owner",
    ) -> None:
        def act(posted: _Posted) -> None:
            receipt = self.intake.close(
                self.codes[challenge_id], request, closed_by=closed_by
            )
            posted.receipts[(self.origin, f"{challenge_id}-closed")] = receipt

        self.plan.add_intake(self.origin, moment, f"{challenge_id}-close", act)

    # ------------------------------------------------------------- 通知公告
    def notices(self) -> None:
        notices: list[tuple[date, str, str, str, date | None, str | None]] = [
            (
                date(2025, 1, 20),
                "2025年春节期间物业服务安排",
                "general",
                "春节期间（1月28日至2月4日）服务中心每日09:00–17:00值班，24小时报修电话"
                + SERVICE_LINE
                + "照常受理。",
                date(2025, 2, 4),
                None,
            ),
            (
                date(2025, 2, 7),
                "地下车库B区给水主管抢修停水通知",
                "outage",
                "因地下车库B区给水主管爆裂，2月8日08:00–20:00 5–8栋停水抢修，请提前储水。抢修费用按应急程序使用专项维修资金，完工后公示。",
                date(2025, 2, 10),
                "5–8栋",
            ),
            (
                date(2025, 4, 2),
                "关于5栋电梯大修征求业主意见的公告",
                "meeting",
                "5栋2号客梯经检测需大修，拟使用专项维修资金约58.6万元，请5栋业主于4月30日前在服务中心或线上表决。",
                date(2025, 4, 30),
                "5栋",
            ),
            (
                date(2025, 4, 15),
                "春季消防安全演练通知",
                "safety",
                "4月19日09:30在中心广场开展消防疏散及灭火器使用演练，欢迎业主参加。",
                date(2025, 4, 19),
                None,
            ),
            (
                date(2025, 6, 20),
                "汛期安全提示",
                "safety",
                "汛期请勿在地下车库低洼处长时间停放车辆；暴雨预警期间物业将在车库入口设置挡水板。",
                date(2025, 9, 30),
                None,
            ),
            (
                date(2025, 8, 4),
                "5栋电梯大修施工公告",
                "works",
                "5栋1号、2号客梯自8月11日起停梯大修，预计9月中旬完工。施工期间工作人员将协助老人及行动不便业主上下楼，请拨打服务中心电话预约。",
                date(2025, 9, 19),
                "5栋",
            ),
            (
                date(2025, 9, 5),
                "关于召开2025年第二次业主大会的公告",
                "meeting",
                "定于9月6日至9月20日以书面与线上方式召开业主大会，表决火灾自动报警系统更新改造使用专项维修资金事项。",
                date(2025, 9, 20),
                None,
            ),
            (
                date(2025, 10, 15),
                "消防报警系统更新改造施工公告",
                "works",
                "10月20日至11月底分楼栋更换烟感探测器，施工人员佩戴工作证入户前将提前预约。",
                date(2025, 11, 30),
                None,
            ),
            (
                date(2025, 11, 20),
                "2026年度物业服务资金预算征求意见",
                "fees",
                "2026年度酬金制物业服务资金预算草案已在服务中心及线上公开，请于12月5日前提出意见。",
                date(2025, 12, 5),
                None,
            ),
            (
                date(2025, 12, 26),
                "元旦期间计划停电通知",
                "outage",
                "供电部门检修线路，1月3日09:00–15:00 9–12栋电梯及公共照明停电，请合理安排出行。",
                date(2026, 1, 3),
                "9–12栋",
            ),
            (
                date(2026, 1, 15),
                "2026年物业服务费缴纳提醒",
                "fees",
                "2026年物业服务费标准不变（高层住宅每月每平方米2.10元），可在服务中心或线上缴纳。",
                date(2026, 3, 31),
                None,
            ),
        ]
        for number, (day, title, category, content, until, area) in enumerate(
            notices, start=1
        ):
            body: Body = {
                "title": title,
                "content": content,
                "category": category,
                "valid_from": day.isoformat(),
            }
            if until is not None:
                body["valid_until"] = until.isoformat()
            if area is not None:
                body["affected_area"] = area
            self.post(
                _at(day, 9), "NoticePosted", f"notice-{day.year}-{number:02d}", body
            )

    # ------------------------------------------------------------- 查询台 documents
    def desk_documents(self) -> None:
        documents: list[tuple[date, str, str, str, str, str, dict[str, str] | None]] = [
            (
                date(2025, 1, 8),
                "contracts",
                "filing-receipt",
                "物业服务合同备案回执（2024–2026）",
                "锦江区住建局物业服务合同备案回执，备案合同期限2024年1月1日至2026年12月31日。",
                "锦江区住房和城乡建设局",
                None,
            ),
            (
                date(2025, 3, 20),
                "finance",
                "audit-report",
                "锦绣和鸣苑2024年度共有部分经营收益专项审计报告",
                "审计确认2024年度共有部分经营收入及成本扣除与公示一致，业主共有收益已按决议分配。",
                AUDITOR["name"],
                {"start": "2024-01-01", "end": "2024-12-31"},
            ),
            (
                date(2025, 1, 10),
                "registers",
                "register",
                "共用部位共用设施设备清册（2025）",
                "列明24台电梯、消防系统、二次供水泵组、监控门禁等共用设施设备的位置、数量与维保单位。",
                FIRM_NAME,
                None,
            ),
            (
                date(2025, 7, 15),
                "work-records",
                "work-summary",
                "2025年上半年保洁、秩序维护作业记录汇总",
                "汇总上半年每日保洁、夜间巡逻、绿化养护与维修作业记录，与看板作业记录一致。",
                FIRM_NAME,
                {"start": "2025-01-01", "end": "2025-06-30"},
            ),
            (
                date(2025, 1, 10),
                "policies-and-plans",
                "emergency-plan",
                "电梯困人应急处置预案（2025修订）",
                "规定困人报警后5分钟内安抚、30分钟内维保人员到场救援的流程与职责分工。",
                FIRM_NAME,
                None,
            ),
            (
                date(2025, 5, 30),
                "policies-and-plans",
                "emergency-plan",
                "防汛应急预案（2025）",
                "规定暴雨预警分级响应、地下车库挡水与排水、人员值守及物资储备要求。",
                FIRM_NAME,
                None,
            ),
            (
                date(2025, 1, 10),
                "policies-and-plans",
                "rules",
                "锦绣和鸣苑管理规约",
                "业主大会通过的管理规约，约定共有部分使用、装修管理、养犬及停车等事项。",
                "锦绣和鸣苑业主大会",
                None,
            ),
        ]
        for number, (day, category, kind, title, summary, issuer, covers) in enumerate(
            documents, start=1
        ):
            document = self.plan.document(title, summary)
            body: Body = {
                "category": category,
                "title": title,
                "doc_kind": kind,
                "document": document.sha256,
                "summary": summary,
                "issued_by": issuer,
                "document_date": day.isoformat(),
            }
            if covers is not None:
                body["covers"] = covers
            self.post(
                _at(day, 11),
                "DocumentFiled",
                f"document-{number:02d}",
                body,
                [document],
            )


def _lines(amounts: Mapping[str, int], key: str, order: Sequence[str]) -> list[Body]:
    return [
        {key: name, "amount_fen": amounts[name]} for name in order if name in amounts
    ]


COST_ORDER: Final = (
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
INCOME_ORDER: Final = ("property-fee", "common-revenue-transfer", "other")


def _budget(
    year: str,
    *,
    income: Mapping[str, int],
    spending: Mapping[str, int],
    remuneration: int,
    approval: tuple[str, str],
) -> Body:
    total_income = sum(income.values())
    total_spending = sum(spending.values())
    return {
        "year": year,
        "spending": _lines(spending, "category", COST_ORDER),
        "income": _lines(income, "source", INCOME_ORDER),
        "remuneration_fen": remuneration,
        "total_spending_fen": total_spending,
        "total_income_fen": total_income,
        "balance_fen": total_income - total_spending - remuneration,
        "approval": {"reference": approval[0], "adopted_on": approval[1]},
    }


def _accounts(
    year: str,
    *,
    income: Mapping[str, int],
    spending: Mapping[str, int],
    remuneration: int,
) -> Body:
    total_income = sum(income.values())
    total_spending = sum(spending.values())
    return {
        "year": year,
        "spending": _lines(spending, "category", COST_ORDER),
        "income": _lines(income, "source", INCOME_ORDER),
        "remuneration_fen": remuneration,
        "total_spending_fen": total_spending,
        "total_income_fen": total_income,
        "surplus_or_deficit_fen": total_income - total_spending - remuneration,
        "carried_to": "owners",
    }


# ========================================================== the 包干制 estate (T06)
class _LumpSumWorld:
    """东篱小区: a small multi-storey estate under 包干制, feeding T06."""

    HOUSEHOLDS: Final = 360
    FLOOR_AREA_M2: Final = 31_200
    FEE: Final = 120  # fen per m² per month (1.20 元)

    def __init__(self, plan: _Plan, seed: int, origin: str, key: Signer) -> None:
        self.plan = plan
        self.seed = seed
        self.origin = origin
        self.key = key
        self.rng = plan.rng

    def post(
        self,
        moment: datetime,
        entry_type: str,
        entry_id: str,
        body: Body,
        attachments: Sequence[_Attachment] = (),
    ) -> None:
        self.plan.add(
            self.origin, self.key, moment, entry_type, entry_id, body, attachments
        )

    def build(self) -> None:
        rng = self.rng
        at = _at(DEMO_START.date(), 14)
        self.post(
            at,
            "ProjectProfileDeclared",
            "profile-2025-01",
            {
                "project_name": "东篱小区",
                "address": "成都市锦江区东篱路 18 号",
                "district": "锦江区 和鸣街道 东篱社区",
                "service_scope": "东篱路18号红线范围内1–8栋多层住宅、地面停车场及小区道路、绿地。",
                "property_kinds": ["residential", "parking"],
                "buildings": 8,
                "households": self.HOUSEHOLDS,
                "floor_area_m2": self.FLOOR_AREA_M2,
                "service_start": "2024-07-01",
                "service_end": "2027-06-30",
                "service_centre": {
                    "address": "东篱小区1栋旁物业服务中心",
                    "opening_hours": "周一至周日 09:00–17:30",
                },
                "complaint_phone": COMPLAINT_LINE,
                "hotline_note": "对物业服务或投诉处理结果不满意的，可拨打12345市民服务热线反映。",
            },
        )
        self.post(
            at,
            "ManagerAppointed",
            "manager-2024-liu-fang",
            {
                "staff_id": "pm-liu-fang",
                "name": "刘芳",
                "position": "项目负责人",
                "appointed_on": "2024-07-01",
                "service_line": "028-86120377",
            },
        )
        for staff_id, name, position, post in (
            ("s-d01", "马春梅", "保洁员", "cleaning"),
            ("s-d02", "蒋德明", "门岗秩序维护员", "order"),
            ("s-d03", "曾建国", "门岗秩序维护员", "order"),
        ):
            self.post(
                at,
                "StaffAssigned",
                f"staff-{staff_id}",
                {
                    "staff_id": staff_id,
                    "name": name,
                    "position": position,
                    "post": post,
                    "employer": {"kind": "in-house"},
                    "assigned_on": "2024-07-01",
                },
            )
        self.post(
            _at(date(2025, 7, 1), 14),
            "StaffAssigned",
            "staff-s-d04",
            {
                "staff_id": "s-d04",
                "name": RELEASED.name,
                "position": "水电工",
                "post": "engineering",
                "employer": {"kind": "in-house"},
                "assigned_on": "2025-07-01",
                "certificates": list(RELEASED.certificates),
            },
        )
        self.post(
            at,
            "FeeScheduleDeclared",
            "fees-2025",
            {
                "effective_from": "2025-01-01",
                "pricing_basis": "government-guided",
                "service_grade": "成都市住宅物业服务等级三级",
                "items": [
                    {
                        "building_type": "multi-storey",
                        "label": "多层住宅（无电梯）",
                        "fee_fen_per_m2_month": self.FEE,
                    }
                ],
                "other_charges": [
                    {
                        "name": "地面停车位管理服务费",
                        "amount_fen": 6000,
                        "unit": "per-space-month",
                    }
                ],
            },
        )
        self.post(
            _at(date(2025, 1, 3), 10),
            "NoticePosted",
            "notice-2025-01",
            {
                "title": "东篱小区包干制收支公示说明",
                "content": "本小区实行包干制，物业服务费分类收支每半年公示一次，公示期内可到服务中心查询凭证。",
                "category": "fees",
                "valid_from": "2025-01-03",
            },
        )
        bill = self.FLOOR_AREA_M2 * self.FEE
        for quarter in range(1, 5):
            end = _month_end(2025, quarter * 3)
            at = _at(_next_month(2025, quarter * 3, 20), 10)
            label = f"2025年第{quarter}季度"
            incomes: list[tuple[str, int, str]] = [
                (
                    "property-fee",
                    3 * bill * rng.randint(8600, 9400) // 10_000,
                    f"{label}物业服务费",
                ),
                (
                    "parking-service-fee",
                    40 * 6000 * 3 - 6000 * rng.randint(0, 8),
                    f"{label}地面停车位管理服务费",
                ),
                (
                    "other-service-fee",
                    40_000 * rng.randint(2, 6),
                    f"{label}装修垃圾清运费",
                ),
            ]
            for source, amount, note in incomes:
                self.post(
                    at,
                    "LumpSumIncomeRecorded",
                    f"income-2025-q{quarter}-{source}",
                    {
                        "source": source,
                        "amount_fen": amount,
                        "received_on": end.isoformat(),
                        "note": note,
                    },
                )
            for month in range(quarter * 3 - 2, quarter * 3 + 1):
                self.post(
                    at,
                    "LumpSumSpendingRecorded",
                    f"spending-2025-{month:02d}-staff",
                    {
                        "category": "staff",
                        "amount_fen": _vary(rng, 2_050_000, 300),
                        "description": f"2025年{month}月项目人员工资及社保（{4 if month < 7 else 5}人）",
                        "spent_on": date(2025, month, 28).isoformat(),
                    },
                )
            spending: list[tuple[str, int, str, bool]] = [
                (
                    "common-facilities",
                    _vary(rng, 420_000, 2000),
                    f"{label}公共设施日常维修（楼道灯、排水、门禁）",
                    True,
                ),
                ("cleaning", 1_150_000, f"{label}保洁耗材及垃圾清运", False),
                ("greening", _vary(rng, 360_000, 1500), f"{label}绿化养护", False),
                ("order", 240_000, f"{label}门岗及监控设备运行费用", False),
                ("office", _vary(rng, 150_000, 1000), f"{label}办公费", False),
                ("depreciation", 90_000, f"{label}固定资产折旧", False),
                ("statutory-tax", 0, f"{label}增值税及附加", False),
            ]
            income_total = sum(amount for _, amount, _ in incomes)
            for category, amount, description, routine in spending:
                if category == "statutory-tax":
                    amount = round_half_up_div(income_total * 600, 10_600)
                body: Body = {
                    "category": category,
                    "amount_fen": amount,
                    "description": description,
                    "spent_on": end.isoformat(),
                }
                if routine:
                    body["repair_class"] = "routine"
                self.post(
                    at,
                    "LumpSumSpendingRecorded",
                    f"spending-2025-q{quarter}-{category}",
                    body,
                )
            if quarter == 1:
                self.post(
                    at,
                    "LumpSumSpendingRecorded",
                    "spending-2025-q1-insurance",
                    {
                        "category": "insurance",
                        "amount_fen": 320_000,
                        "description": "2025年度公众责任险保费",
                        "spent_on": "2025-01-15",
                    },
                )
                self.post(
                    at,
                    "LumpSumSpendingRecorded",
                    "spending-2025-q1-owner-approved",
                    {
                        "category": "owner-approved",
                        "amount_fen": 180_000,
                        "description": "春节公共区域装饰（经业主代表会议同意）",
                        "spent_on": "2025-01-22",
                    },
                )
