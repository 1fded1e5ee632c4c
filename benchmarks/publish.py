"""Publish benchmark: projection catch-up, full and incremental publish, memory (SPEC §4).

Run from the repository root::

    .venv/bin/python -m benchmarks.publish [--entries N] [--years N] [--postgres]
        [--profile]

The workload is the demo world of :mod:`api.demo` — a 酬金制 estate's year of
disclosure (锦绣和鸣苑: 1,750 entries of 35 types from 2025-01-02 to 2026-01-31,
feeding eleven templates, the 通知公告 column and all five desk categories), its
包干制 neighbour (东篱小区, 62 entries, T06) and the registry — with the estate's log
scaled to ``--entries`` entries (10,000). The demo is populated once into an
in-memory ledger; its project entries are then re-posted, re-signed by the demo
firm's key, as copies of that year:

- copy *k* goes back ``k mod --years`` whole years (2025 and 2024 by default): every
  ISO date and date-time in its body (month ends stay month ends), every ``year``
  field, its ``issued_at`` and the log's ``accepted_at`` (a :class:`FixedClock` is
  moved to each entry's shifted moment, as the demo does), so statements fall into
  many periods — about twice the demo's 48 statement pages, not one;
- its entry ids get ``.c<k>``; challenge and pledge ids ``-c<k>`` (each copy has its
  own threads); a second or third copy of the same year stands for more buildings
  of a bigger estate: its facility, meter, revenue-source, staff, contract and item
  ids get ``-b``, ``-c``… (copies of different years share them: the same lifts,
  year after year);
- references between entries (``{index, leaf_hash}``: the 红冲 target, a
  challenge's target) point to the same copy's entry, at its new index;
- the last copy is a prefix of the demo's year (the log is exactly ``--entries``).

Free text (notes, titles) keeps the demo's wording. Posting follows the demo:
entries of one moment and log form one batch (one transaction, one checkpoint), so
the log has thousands of checkpoints, each published as ``log/checkpoints/<size>``.

It prints, in one run, labelled figures and a final summary table:

1. **build** (not a target): signing and ingesting the workload into a SQLite file.
2. **projection catch-up** — ``domain.projection.open_board_view`` and
   :func:`~domain.projection.catch_up` from an empty view, entries per second; on
   PostgreSQL too with ``--postgres`` (the workload is built again in a fresh schema,
   dropped afterwards).
3. **full publish** — what ``shuangshai publish --full`` does, in a fresh
   :class:`LedgerApplication` (cold caches) into an empty folder: read the boards
   from the view (``view.list_entries``: rows and JSON; ``ProjectBoard.from_entries``:
   the fold), then ``publish.site.publish_site(..., full=True)``; seconds, files and
   bytes written by kind, statement pages by template, and a breakdown of
   ``publish_site`` (:data:`TIMED`, by wrapping those names for the run): log files
   (``write_log_files``), statement models (``build_statements``), Jinja rendering
   (``render``), board lists (``ProjectBoard.column`` / ``.category``) and the rest
   (page writes, registry, static). Into an empty folder the proofs, checkpoints and
   blobs of each log are written by a child process (``publish.files.SiteWriter``
   ``background``): "log files" then counts handing them over, and the wait for the
   child, if any, is in "other". Then the same again into another empty folder
   (warm), and the I/O floor: the same files written by a bare ``SiteWriter``, and
   by plain ``write_bytes``.
4. **no-change publish** — the same again with nothing new: the fixed cost of a
   publish.
5. **incremental publish** after ONE new entry, five times (a revenue entry, a work
   log, a notice, a 红冲 of the oldest revenue entry (2024), an owner's challenge of
   the new revenue entry): post it, then catch the view up, read the boards and
   ``publish_site`` without ``full`` into the same folder; seconds, the
   breakdown, and ``len(report.written)``, listing the paths below 30. Finally, not
   timed, a full publish into a new folder must give the same files, byte for byte.
6. **memory** — peak RSS (``resource.getrusage``; ``VmHWM`` after the build and the
   full publish).

``--profile`` adds cProfile tables for the full publish and for the work-log
incremental publish. The figures are measurements, not assertions: targets
(full ≤ 3 s, incremental ≤ 300 ms) are printed beside them, and the incremental
target is judged on catch-up + boards + ``publish_site``, the whole of what a
publish after one entry costs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import math
import os
import platform
import pstats
import re
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import publish.site as site_module
from api.demo import CST, DEMO_START, populate_demo
from benchmarks.ingest import (
    Summary,
    hwm_mb,
    peak_rss_mb,
    postgres_settings,
    sqlite_env,
)
from domain.application import LedgerApplication
from domain.board import ProjectBoard
from domain.clock import FixedClock
from domain.entries import Leaf, Submission
from domain.errors import LedgerError
from domain.projection import BoardView, catch_up, open_board_view
from domain.receipts import Receipt
from domain.signing import Signer
from domain.statements import business_date
from publish.blobs import DirectoryBlobs
from publish.files import SiteWriter
from publish.site import PublishReport, publish_site

ROOT: Final = Path(__file__).resolve().parents[1]
INSTANCE: Final = "bench.shuangshai.example"
ASSOCIATION_SEED: Final = bytes([11]) * 32
LOG_SEED: Final = bytes([13]) * 32
DEMO_SEED: Final = 2025

TARGET_FULL_S: Final = 3.0
TARGET_INCREMENTAL_S: Final = 0.300
LIST_WRITTEN_BELOW: Final = 30

_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_YEAR: Final = re.compile(r"[0-9]{4}")
#: Ids of one thread of entries (a challenge and its answers, a pledge and its
#: progress): every copy gets its own.
THREAD_ID_KEYS: Final = frozenset({"challenge_id", "pledge_id"})


# ------------------------------------------------------------------- the demo world
@dataclass(frozen=True)
class DemoEntry:
    """One accepted entry of the demo: its payload, exact submission and moment."""

    origin: str
    index: int
    payload: dict[str, Any]
    submission: Submission
    accepted_at: datetime

    @classmethod
    def from_leaf(cls, origin: str, index: int, leaf: bytes) -> DemoEntry:
        parsed = Leaf.from_bytes(leaf)
        return cls(
            origin,
            index,
            parsed.submission.parse_payload(),
            parsed.submission,
            datetime.fromisoformat(parsed.accepted_at),
        )


@dataclass(frozen=True)
class DemoWorld:
    """The demo's logs, read back from an in-memory ledger, and its keys and files."""

    association: Signer
    firm_key: Signer
    intake_key: Signer  # signs the owners' challenge steps
    registry: list[DemoEntry]
    project: list[DemoEntry]  # the 酬金制 estate: the log that is scaled up
    lump_sum: list[DemoEntry]
    attachments: Mapping[str, bytes]

    @property
    def project_origin(self) -> str:
        return self.project[0].origin


def load_demo() -> DemoWorld:
    """Populate :func:`api.demo.populate_demo` in memory and read its logs back."""
    association = Signer.from_seed(f"{INSTANCE}/association", ASSOCIATION_SEED)
    clock = FixedClock(DEMO_START - timedelta(days=1))
    ledger = LedgerApplication(
        instance=INSTANCE,
        association_vkey=association.vkey,
        log_signer_seed=LOG_SEED,
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=clock,
    )
    try:
        summary = populate_demo(ledger, association, clock=clock, seed=DEMO_SEED)

        def read(origin: str) -> list[DemoEntry]:
            return [
                DemoEntry.from_leaf(origin, e.index, e.leaf)
                for e in ledger.list_entries(origin)
            ]

        return DemoWorld(
            association=association,
            firm_key=summary.firm_key,
            intake_key=summary.intake_key,
            registry=read(ledger.registry_origin),
            project=read(summary.origin),
            lump_sum=read(summary.lump_sum_origin),
            attachments=summary.attachments,
        )
    finally:
        ledger.close()


# ------------------------------------------------------------------ scaling it up
@dataclass(frozen=True)
class Copy:
    """One copy of the demo estate's year in the scaled-up log."""

    number: int
    years_back: int
    ordinal: int  # earlier copies of the same year
    length: int  # the demo entries it takes (a prefix, in log order)

    def entry_id(self, demo_id: str) -> str:
        return demo_id if self.number == 0 else f"{demo_id}.c{self.number}"

    def body_id(self, key: str, value: str) -> str:
        if key in THREAD_ID_KEYS:
            return value if self.number == 0 else f"{value}-c{self.number}"
        return value if self.ordinal == 0 else f"{value}-{chr(ord('a') + self.ordinal)}"


def plan_copies(demo_size: int, entries: int, years: int) -> list[Copy]:
    count = math.ceil(entries / demo_size)
    return [
        Copy(
            number=k,
            years_back=k % years,
            ordinal=k // years,
            length=min(demo_size, entries - k * demo_size),
        )
        for k in range(count)
    ]


def shift_day(day: date, years_back: int) -> date:
    """``day`` so many years earlier; a month's last day stays its last day."""
    if years_back == 0:
        return day
    year = day.year - years_back
    month_end = (day + timedelta(days=1)).day == 1
    last = _last_day(year, day.month)
    return date(year, day.month, last if month_end else min(day.day, last))


def _last_day(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def shift_text(value: str, years_back: int) -> str:
    """Shift an ISO date, or the date of an ISO date-time; other text is kept."""
    if years_back and (_DATE.fullmatch(value) or _DATETIME.fullmatch(value)):
        day = shift_day(date.fromisoformat(value[:10]), years_back)
        return day.isoformat() + value[10:]
    return value


def shift_moment(moment: datetime, years_back: int) -> datetime:
    day = shift_day(moment.date(), years_back)
    return moment.replace(year=day.year, month=day.month, day=day.day)


RefMap = Mapping[tuple[int, int], Receipt]


def rewrite_payload(
    payload: Mapping[str, Any], copy: Copy, receipts: RefMap
) -> dict[str, Any]:
    """The payload of ``copy``'s version of a demo entry (see the module docstring)."""
    new = dict(payload)
    new["id"] = copy.entry_id(payload["id"])
    new["issued_at"] = shift_text(payload["issued_at"], copy.years_back)
    new["body"] = _rewrite(payload["body"], "", copy, receipts)
    for name in ("period", "refs"):
        if name in payload:
            new[name] = _rewrite(payload[name], name, copy, receipts)
    return new


def _rewrite(value: Any, key: str, copy: Copy, receipts: RefMap) -> Any:
    if isinstance(value, dict):
        if set(value) == {"index", "leaf_hash"}:
            receipt = receipts.get((copy.number, value["index"]))
            if receipt is None:
                raise SystemExit(
                    f"copy {copy.number} refers to demo entry {value['index']} before "
                    "posting it"
                )
            return {"index": receipt.index, "leaf_hash": receipt.leaf_hash.hex()}
        return {k: _rewrite(v, k, copy, receipts) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(item, key, copy, receipts) for item in value]
    if isinstance(value, str):
        if key.endswith(("_id", "_ids")) and key != "project_id":
            return copy.body_id(key.removesuffix("s"), value)
        if key == "year" and _YEAR.fullmatch(value):
            return str(int(value) - copy.years_back)
        return shift_text(value, copy.years_back)
    if key == "year" and type(value) is int:
        return value - copy.years_back
    return value


@dataclass(frozen=True)
class _Post:
    moment: datetime
    rank: int  # at one moment: registry, then the estate, then its neighbour
    copy: int
    index: int
    origin: str
    entry: DemoEntry
    scaled: Copy | None  # None: posted verbatim


def schedule(demo: DemoWorld, copies: Sequence[Copy]) -> list[_Post]:
    """Every entry to post, in time order; the registry goes first."""
    start = min(
        shift_moment(e.accepted_at, c.years_back)
        for c in copies
        for e in demo.project[: c.length]
    ) - timedelta(days=1)
    posts = [_Post(start, 0, 0, e.index, e.origin, e, None) for e in demo.registry]
    for copy in copies:
        for entry in demo.project[: copy.length]:
            moment = shift_moment(entry.accepted_at, copy.years_back)
            posts.append(
                _Post(moment, 1, copy.number, entry.index, entry.origin, entry, copy)
            )
    posts += [
        _Post(e.accepted_at, 2, 0, e.index, e.origin, e, None) for e in demo.lump_sum
    ]
    posts.sort(key=lambda p: (p.moment, p.rank, p.copy, p.index))
    return posts


@dataclass(frozen=True)
class Built:
    seconds: float
    batches: int
    entries: int
    last_moment: datetime
    types: Counter[str]


def build(env: Mapping[str, str], demo: DemoWorld, copies: Sequence[Copy]) -> Built:
    """Sign and post the whole workload into a new store (one batch per moment)."""
    posts = schedule(demo, copies)
    clock = FixedClock(posts[0].moment)
    ledger = open_ledger(env, demo, clock)
    receipts: dict[tuple[int, int], Receipt] = {}
    types: Counter[str] = Counter()
    batches = 0
    started = time.perf_counter()
    try:
        batch: list[_Post] = []
        for post in [*posts, None]:
            if batch and (
                post is None
                or (post.moment, post.origin) != (batch[0].moment, batch[0].origin)
            ):
                clock.advance_to(batch[0].moment)
                _post_batch(ledger, demo, batch, receipts, types)
                batches += 1
                batch = []
            if post is not None:
                batch.append(post)
    finally:
        ledger.close()
    return Built(
        seconds=time.perf_counter() - started,
        batches=batches,
        entries=sum(types.values()),
        last_moment=clock.now(),
        types=types,
    )


def _post_batch(
    ledger: LedgerApplication,
    demo: DemoWorld,
    batch: Sequence[_Post],
    receipts: dict[tuple[int, int], Receipt],
    types: Counter[str],
) -> None:
    submissions = []
    for post in batch:
        if post.scaled is None:
            submissions.append(post.entry.submission)
            continue
        payload = rewrite_payload(post.entry.payload, post.scaled, receipts)
        signer = (
            demo.intake_key
            if payload["key"] == demo.intake_key.key_ref
            else demo.firm_key
        )
        submissions.append(Submission.sign(payload, signer))
        types[payload["type"]] += 1
    outcomes = ledger.submit_batch(batch[0].origin, submissions)
    for post, outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, LedgerError):
            raise SystemExit(
                f"a benchmark entry was rejected ({post.entry.payload['type']} "
                f"{post.entry.payload['id']!r}, copy {post.copy}): {outcome}"
            )
        if post.scaled is not None:  # what the estate's references resolve to
            receipts[(post.copy, post.index)] = outcome


def open_ledger(
    env: Mapping[str, str], demo: DemoWorld, clock: FixedClock
) -> LedgerApplication:
    return LedgerApplication(
        instance=INSTANCE,
        association_vkey=demo.association.vkey,
        log_signer_seed=LOG_SEED,
        env=dict(env),
        clock=clock,
    )


# -------------------------------------------------------------------- measurements
#: What the breakdown of ``publish_site`` times: (label, owner, attribute). None of
#: these calls another, so their times do not overlap; the rest is "other".
TIMED: Final[tuple[tuple[str, object, str], ...]] = (
    ("log files", site_module, "write_log_files"),
    ("statements", site_module, "build_statements"),
    ("Jinja render", site_module, "render"),
    ("board lists", ProjectBoard, "column"),
    ("board lists", ProjectBoard, "category"),
)


@dataclass
class Stopwatch:
    """Time spent in the :data:`TIMED` functions, wrapped for the length of a run."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def installed(self) -> Iterator[Stopwatch]:
        originals = [(owner, name, getattr(owner, name)) for _, owner, name in TIMED]
        self.seconds = {label: 0.0 for label, _, _ in TIMED}
        for (label, _, _), (owner, name, function) in zip(
            TIMED, originals, strict=True
        ):
            setattr(owner, name, self._timed(label, function))
        try:
            yield self
        finally:
            for owner, name, function in originals:
                setattr(owner, name, function)

    def _timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start

        return timed


@dataclass(frozen=True)
class Boards:
    boards: dict[str, ProjectBoard]
    read_s: float  # rows from the view and BoardEntry.from_json
    fold_s: float  # ProjectBoard.from_entries

    @property
    def seconds(self) -> float:
        return self.read_s + self.fold_s


def read_boards(ledger: LedgerApplication, view: BoardView) -> Boards:
    """What ``api.publishing.publish_instance`` does: one board per project log."""
    boards = {}
    read_s = fold_s = 0.0
    for origin in ledger.list_origins():
        if origin == ledger.registry_origin:
            continue
        start = time.perf_counter()
        rows = view.list_entries(origin)
        read_s += time.perf_counter() - start
        start = time.perf_counter()
        boards[origin] = ProjectBoard.from_entries(origin, rows)
        fold_s += time.perf_counter() - start
    return Boards(boards, read_s, fold_s)


@dataclass(frozen=True)
class Publish:
    """One publish: catch-up, boards, publish_site, and where the time went."""

    catch_up_s: float
    boards_read_s: float
    boards_fold_s: float
    report: PublishReport
    parts: dict[str, float]

    @property
    def boards_s(self) -> float:
        return self.boards_read_s + self.boards_fold_s

    @property
    def total_s(self) -> float:
        return self.catch_up_s + self.boards_s + self.report.seconds


def run_publish(
    ledger: LedgerApplication,
    view: BoardView,
    out: Path,
    blobs: DirectoryBlobs,
    *,
    full: bool,
    profiler: cProfile.Profile | None = None,
) -> Publish:
    gc.collect()
    if profiler is not None:
        profiler.enable()
    try:
        start = time.perf_counter()
        catch_up(ledger, view)
        catch_up_s = time.perf_counter() - start
        boards = read_boards(ledger, view)
        with Stopwatch().installed() as watch:
            report = publish_site(
                ledger, out, boards=boards.boards, blobs=blobs, full=full
            )
    finally:
        if profiler is not None:
            profiler.disable()
    parts = dict(watch.seconds)
    parts["other"] = report.seconds - sum(parts.values())
    return Publish(catch_up_s, boards.read_s, boards.fold_s, report, parts)


def kind_of(path: str) -> str:
    """What a published file is, for the tallies."""
    parts = path.split("/")
    if "log" in parts:
        rest = parts[parts.index("log") + 1 :]
        if rest[0] == "tile":
            return "log: bundles" if rest[1:2] == ["entries"] else "log: hash tiles"
        return {
            "proofs": "log: proofs",
            "checkpoints": "log: checkpoints",
            "blobs": "log: blobs",
        }.get(rest[0], "log: checkpoint, policy")
    if parts[0] == "p" and len(parts) > 3:
        return {"t": "pages: statements", "desk": "pages: desk"}.get(
            parts[2], "pages: other"
        )
    if parts[-1].endswith(".html"):
        return "pages: boards, index, registry"
    return "static, vkey"


def print_publish(figures: Publish, *, indent: str = "    ") -> None:
    report = figures.report
    print(
        f"{indent}catch-up {_ms(figures.catch_up_s)}; boards from the view "
        f"{_ms(figures.boards_s)} (rows + JSON {_ms(figures.boards_read_s)}, fold "
        f"{_ms(figures.boards_fold_s)}); publish_site {_ms(report.seconds)}; total "
        f"{_ms(figures.total_s)}"
    )
    parts = ", ".join(f"{name} {_ms(s)}" for name, s in figures.parts.items())
    print(f"{indent}publish_site: {parts}")
    print(
        f"{indent}{len(report.written):,} files written, {report.unchanged:,} "
        f"unchanged or kept, {report.pages_rendered} pages rendered"
    )


def print_profile(profiler: cProfile.Profile, title: str) -> None:
    print(f"    cProfile, {title} — top 25 by internal time:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(25)
    print(f"    cProfile, {title} — project functions, top 30 by cumulative time:")
    stats.sort_stats("cumulative").print_stats(re.escape(str(ROOT)), 30)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# ----------------------------------------------------------- the incremental steps
@dataclass(frozen=True)
class Step:
    label: str
    entry_type: str
    make_body: Callable[[ProjectBoard, list[Receipt]], dict[str, Any]]


def steps(demo: DemoWorld, clock: FixedClock) -> list[Step]:
    """Five single entries: copies of the demo's newest of each type (its last
    month, so the newest periods), a 红冲 of the board's oldest revenue entry, and
    an owner's challenge of the revenue entry of step 1."""

    def newest(entry_type: str) -> dict[str, Any]:
        for entry in reversed(demo.project):
            if entry.payload["type"] == entry_type:
                return dict(entry.payload["body"])
        raise SystemExit(f"the demo has no {entry_type}")

    def revenue(board: ProjectBoard, _: list[Receipt]) -> dict[str, Any]:
        body = newest("CommonRevenueRecorded")
        body["amount_fen"] += 1
        return body

    def work_log(board: ProjectBoard, _: list[Receipt]) -> dict[str, Any]:
        return newest("WorkLogged")

    def notice(board: ProjectBoard, _: list[Receipt]) -> dict[str, Any]:
        body = newest("NoticePosted")
        body["title"] = "（基准测试）" + body["title"]
        return body

    def reversal(board: ProjectBoard, _: list[Receipt]) -> dict[str, Any]:
        for index in sorted(board.entries):
            target = board.entries[index]
            if target.entry_type == "CommonRevenueRecorded" and not target.is_reversed:
                return {
                    "target": {"index": target.index, "leaf_hash": target.leaf_hash},
                    "reason": f"第 {target.index} 条收入金额录入有误，冲销后重新登记。",
                }
        raise SystemExit("the log has no revenue entry to reverse: raise --entries")

    def challenge(board: ProjectBoard, posted: list[Receipt]) -> dict[str, Any]:
        body = newest("ChallengeRaised")
        body["challenge_id"] = "q-bench-1"
        body["received_at"] = clock.now().astimezone(CST).isoformat(timespec="seconds")
        target = posted[0]
        body["target"] = {"index": target.index, "leaf_hash": target.leaf_hash.hex()}
        return body

    return [
        Step("revenue entry (T03, newest quarter)", "CommonRevenueRecorded", revenue),
        Step("work log (T09/T10, newest month)", "WorkLogged", work_log),
        Step("notice (通知公告 column)", "NoticePosted", notice),
        Step("红冲 of the oldest revenue entry", "EntryReversed", reversal),
        Step(
            "owner challenge of step 1 (T12, this year)", "ChallengeRaised", challenge
        ),
    ]


def post_step(
    ledger: LedgerApplication,
    demo: DemoWorld,
    board: ProjectBoard,
    step: Step,
    number: int,
    posted: list[Receipt],
) -> tuple[Receipt, float]:
    # Owners' challenges are signed by the intake key, everything else by the firm.
    signer = demo.intake_key if step.entry_type == "ChallengeRaised" else demo.firm_key
    payload = {
        "v": 1,
        "log": demo.project_origin,
        "id": f"bench-incremental-{number}",
        "type": step.entry_type,
        "issued_at": ledger.clock.now().astimezone(CST).isoformat(timespec="seconds"),
        "key": signer.key_ref,
        "body": step.make_body(board, posted),
    }
    submission = Submission.sign(payload, signer)
    start = time.perf_counter()
    receipt = ledger.submit(demo.project_origin, submission)
    return receipt, time.perf_counter() - start


# ---------------------------------------------------------------------- PostgreSQL
def measure_postgres_catch_up(
    demo: DemoWorld, copies: Sequence[Copy]
) -> tuple[float | None, str]:
    """Build the workload in a fresh PostgreSQL schema and catch a view up from it."""
    import psycopg
    from psycopg import sql

    settings = postgres_settings()

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(
            dbname=settings["POSTGRES_DBNAME"],
            host=settings["POSTGRES_HOST"],
            port=settings["POSTGRES_PORT"],
            user=settings["POSTGRES_USER"],
            password=settings["POSTGRES_PASSWORD"],
            connect_timeout=3,
            autocommit=True,
        )

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with connect() as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    except Exception as exc:  # any failure to connect: report it, carry on
        return None, f"skipped: PostgreSQL not reachable ({exc})"
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_SCHEMA": schema,
        **settings,
    }
    try:
        built = build(env, demo, copies)
        print(
            f"    PostgreSQL build: {built.entries:,} entries in {built.seconds:,.1f} s "
            f"({built.batches:,} batches; not a target)"
        )
        ledger = open_ledger(env, demo, FixedClock(built.last_moment))
        view = open_board_view(env)
        try:
            start = time.perf_counter()
            added = catch_up(ledger, view)
            elapsed = time.perf_counter() - start
        finally:
            view.close()
            ledger.close()
        with connect() as conn:
            version = conn.execute("SHOW server_version").fetchone()
        return added / elapsed, (
            f"{added:,} entries in {_ms(elapsed)}; PostgreSQL "
            f"{version[0] if version else '?'}, schema {schema}, dropped"
        )
    finally:
        with connect() as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema))
            )


# ----------------------------------------------------------------------- reporting
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def print_header() -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"shuangshai publish benchmark — {now}")
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}, {platform.machine()}"
    )
    print(
        f"  CPUs: {os.cpu_count()} (one core, plus the child process that writes the "
        f"new log folders of a first publish); {_cpu_model()}"
    )
    print(
        f"  eventsourcing {_version('eventsourcing')}, Jinja2 {_version('jinja2')}, "
        f"cryptography {_version('cryptography')}, psycopg {_version('psycopg')}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def tally(paths: Sequence[str]) -> Counter[str]:
    return Counter(kind_of(path) for path in paths)


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.publish", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--entries",
        type=int,
        default=10_000,
        metavar="N",
        help="entries in the estate's log (default 10,000)",
    )
    parser.add_argument(
        "--years",
        type=int,
        default=2,
        metavar="N",
        help="spread the copies over the N years up to 2025 (default 2: 2024–2025)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also build the workload on PostgreSQL and time the catch-up there",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the full publish and the work-log incremental publish",
    )
    args = parser.parse_args(argv)
    if args.entries < 1 or args.years < 1:
        parser.error("--entries and --years must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    summary = Summary()
    print_header()

    start = time.perf_counter()
    demo = load_demo()
    copies = plan_copies(len(demo.project), args.entries, args.years)
    years = sorted({2025 - c.years_back for c in copies})
    print(
        f"  workload: the demo ({len(demo.project):,} entries of the 酬金制 estate, "
        f"{len(demo.lump_sum)} of the 包干制 one, {len(demo.registry)} registry; "
        f"populated in memory in {time.perf_counter() - start:,.1f} s), the estate "
        f"scaled to {args.entries:,} entries: {len(copies)} copies of its year over "
        f"{', '.join(map(str, years))}"
    )

    with tempfile.TemporaryDirectory(prefix="shuangshai-publish-bench-") as tmp:
        env = sqlite_env(Path(tmp) / "ledger.sqlite")
        blobs = DirectoryBlobs(Path(tmp) / "blobs")
        for data in demo.attachments.values():
            blobs.put(data)

        print("\n[1] build (not timed below): sign, then ingest into a SQLite file")
        built = build(env, demo, copies)
        mix = ", ".join(f"{t} {n:,}" for t, n in built.types.most_common(6))
        print(
            f"    {built.entries:,} estate entries of {len(built.types)} types "
            f"({mix}, …); {built.batches:,} batches (= checkpoints) in "
            f"{built.seconds:,.1f} s; peak RSS so far {hwm_mb():,.0f} MB"
        )

        print(
            "\n[2] projection catch-up from an empty view (open_board_view + catch_up)"
        )
        clock = FixedClock(built.last_moment)
        ledger = open_ledger(env, demo, clock)  # fresh: cold in-process caches
        view = open_board_view(env)
        try:
            measure_catch_up(ledger, view, demo, args.postgres, copies, summary)
            measure_full(ledger, view, Path(tmp), blobs, args, summary)
            measure_incremental(
                ledger, view, Path(tmp) / "site", blobs, demo, args, summary
            )
        finally:
            view.close()
            ledger.close()

    print("\n[6] memory")
    peak = peak_rss_mb()
    print(
        f"    peak RSS of this process: {peak:,.0f} MB (ru_maxrss; it also held the "
        "demo world, the workload while building, and the I/O floor's copy of the files)"
    )
    summary.add("peak RSS, this run", f"{peak:,.0f} MB")
    summary.print()
    if args.profile:
        print(
            "  (--profile: the first full publish and incremental 2 ran under "
            "cProfile; their times above are inflated)"
        )


def measure_catch_up(
    ledger: LedgerApplication,
    view: BoardView,
    demo: DemoWorld,
    postgres: bool,
    copies: Sequence[Copy],
    summary: Summary,
) -> None:
    gc.collect()
    start = time.perf_counter()
    added = catch_up(ledger, view)
    elapsed = time.perf_counter() - start
    rate = added / elapsed
    print(
        f"    SQLite: {added:,} entries in {_ms(elapsed)} = {rate:,.0f} entries/s "
        "(the view in its own SQLite file)"
    )
    summary.add("projection catch-up, SQLite", f"{rate:,.0f}/s")
    days = [business_date(e) for e in view.board(demo.project_origin).in_order()]
    print(f"    the estate's business dates: {min(days)} – {max(days)}")
    if not postgres:
        summary.add("projection catch-up, PostgreSQL", "not run", "--postgres")
        return
    pg_rate, note = measure_postgres_catch_up(demo, copies)
    if pg_rate is None:
        print(f"    PostgreSQL: {note}")
        summary.add("projection catch-up, PostgreSQL", "skipped", note)
    else:
        print(f"    PostgreSQL: {pg_rate:,.0f} entries/s ({note})")
        summary.add("projection catch-up, PostgreSQL", f"{pg_rate:,.0f}/s")


def measure_full(
    ledger: LedgerApplication,
    view: BoardView,
    tmp: Path,
    blobs: DirectoryBlobs,
    args: argparse.Namespace,
    summary: Summary,
) -> None:
    out = tmp / "site"
    print(
        f"\n[3] full publish of {args.entries:,} entries into an empty folder "
        "(fresh application: first render, cold caches)"
    )
    profiler = cProfile.Profile() if args.profile else None
    full = run_publish(ledger, view, out, blobs, full=True, profiler=profiler)
    print_publish(full)
    written = full.report.written
    mb = sum((out / path).stat().st_size for path in written) / 1e6
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(tally(written).items()))
    print(f"    {mb:,.1f} MB written: {kinds}")
    pages = Counter(
        p.split("/")[3] for p in written if kind_of(p) == "pages: statements"
    )
    print(
        "    statement pages by template: "
        + ", ".join(f"{slug} {n}" for slug, n in sorted(pages.items()))
    )
    ok = full.total_s <= TARGET_FULL_S
    peak = hwm_mb()
    print(
        f"    target ≤ {TARGET_FULL_S:.0f} s (catch-up + boards + publish_site): "
        f"{_mark(ok)}; peak RSS so far {peak:,.0f} MB"
    )
    if profiler is not None:
        print_profile(profiler, "full publish")
    again = run_publish(ledger, view, tmp / "site-warm", blobs, full=True)
    print(
        f"    again into another empty folder (warm): total {_ms(again.total_s)}, "
        f"publish_site {_ms(again.report.seconds)} ("
        + ", ".join(f"{name} {_ms(s)}" for name, s in again.parts.items())
        + ")"
    )
    site_s, plain_s = measure_io_floor(out, written, tmp / "io-floor")
    print(
        f"    I/O floor, the same {len(written):,} files into empty folders: "
        f"SiteWriter.write (compare, temporary file, rename) {_ms(site_s)}; plain "
        f"mkdir + write_bytes {_ms(plain_s)}"
    )
    summary.add(
        f"full publish, {args.entries:,} entries",
        f"{full.total_s:,.2f} s",
        f"≤ {TARGET_FULL_S:.0f} s — {_mark(ok)}",
    )
    summary.add("  of which log files", f"{full.parts['log files']:,.2f} s")
    summary.add("  files written", f"{len(written):,}")
    summary.add("  I/O floor (SiteWriter)", f"{site_s:,.2f} s")
    summary.add("  peak RSS by its end (VmHWM)", f"{peak:,.0f} MB")
    summary.add(
        "  again, warm",
        f"{again.total_s:,.2f} s",
        f"≤ {TARGET_FULL_S:.0f} s — {_mark(again.total_s <= TARGET_FULL_S)}",
    )


def measure_io_floor(
    out: Path, written: Sequence[str], target: Path
) -> tuple[float, float]:
    """Seconds to write the same files with a SiteWriter, then with plain writes."""
    files = [(path, (out / path).read_bytes()) for path in written]
    gc.collect()
    start = time.perf_counter()
    writer = SiteWriter(target / "site-writer")
    for path, data in files:
        writer.write(path, data)
    site_s = time.perf_counter() - start
    start = time.perf_counter()
    for path, data in files:
        plain = target / "plain" / path
        plain.parent.mkdir(parents=True, exist_ok=True)
        plain.write_bytes(data)
    return site_s, time.perf_counter() - start


def measure_incremental(
    ledger: LedgerApplication,
    view: BoardView,
    out: Path,
    blobs: DirectoryBlobs,
    demo: DemoWorld,
    args: argparse.Namespace,
    summary: Summary,
) -> None:
    print("\n[4] publish again with nothing new (the fixed cost of a publish)")
    idle = run_publish(ledger, view, out, blobs, full=False)
    print_publish(idle)
    summary.add(
        "no-change publish",
        _ms(idle.total_s),
        f"publish_site {_ms(idle.report.seconds)}",
    )

    print(
        "\n[5] incremental publish after ONE new entry (post it; then catch-up + "
        "boards + publish_site into the same folder)"
    )
    clock = ledger.clock
    if not isinstance(clock, FixedClock):
        raise SystemExit("the benchmark ledger needs a FixedClock")
    posted: list[Receipt] = []
    for number, step in enumerate(steps(demo, clock), start=1):
        clock.advance_to(clock.now() + timedelta(minutes=10))
        board = view.board(demo.project_origin)
        receipt, post_s = post_step(ledger, demo, board, step, number, posted)
        del board
        posted.append(receipt)
        profile_this = args.profile and step.entry_type == "WorkLogged"
        profiler = cProfile.Profile() if profile_this else None
        figures = run_publish(ledger, view, out, blobs, full=False, profiler=profiler)
        written = figures.report.written
        ok = figures.total_s <= TARGET_INCREMENTAL_S
        print(
            f"  {number}. {step.label}: index {receipt.index:,} (posted in {_ms(post_s)})"
        )
        print_publish(figures, indent="       ")
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(tally(written).items()))
        print(
            f"       {len(written)} files rewritten ({kinds}); target ≤ "
            f"{TARGET_INCREMENTAL_S * 1000:.0f} ms: {_mark(ok)}"
        )
        if len(written) < LIST_WRITTEN_BELOW:
            for path in written:
                print(f"         {path}")
        summary.add(
            f"incremental {number}: {step.entry_type}",
            _ms(figures.total_s),
            f"≤ {TARGET_INCREMENTAL_S * 1000:.0f} ms — {_mark(ok)}; "
            f"{len(written)} files; publish_site {_ms(figures.report.seconds)}",
        )
        if profiler is not None:
            print_profile(profiler, f"incremental {number} ({step.entry_type})")
    differ = compare_with_full(ledger, view, out, blobs)
    print(
        "    check (not timed): a full publish now gives the same files as the "
        "incremental folder: "
        + ("yes" if not differ else f"NO, {len(differ)} differ: {differ[:10]}")
    )
    summary.add("incremental = full, byte for byte", "yes" if not differ else "NO")


def compare_with_full(
    ledger: LedgerApplication, view: BoardView, out: Path, blobs: DirectoryBlobs
) -> list[str]:
    """Paths whose bytes differ between ``out`` and a full publish beside it."""
    fresh = out.with_name(f"{out.name}-full-check")
    run_publish(ledger, view, fresh, blobs, full=True)

    def paths(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    mine, full = paths(out), paths(fresh)
    differ = mine ^ full
    differ.update(
        path
        for path in mine & full
        if (out / path).read_bytes() != (fresh / path).read_bytes()
    )
    return sorted(differ)


if __name__ == "__main__":
    main()
