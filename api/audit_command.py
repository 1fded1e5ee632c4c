"""``shuangshai audit SOURCE``: replay every log of a ledger and re-verify it.

The registry log is audited first (always in full: it is small, and every project
entry is judged against it), then each project's log, incrementally from the state
file when it holds a checkpoint this source extends. Per-entry checks run on all
cores (:class:`~concurrent.futures.ProcessPoolExecutor`, chunks of
:data:`domain.audit.CHUNK_SIZE` leaves, at most two chunks per worker in flight; from a
folder the workers read the proof files themselves, which this process asks the
kernel to read ahead), the stateful checks in order here. The published pages are checked by a separate step,
:func:`page_findings`. The exit code is 0 only when nothing was found.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import sys
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.audit_report import Progress, print_summary, write_html, write_json, write_xlsx
from api.audit_sources import (
    FolderLog,
    FolderSite,
    HttpSite,
    Source,
    log_base,
    open_source,
)
from domain.audit import (
    Chunk,
    ChunkContext,
    LeafFacts,
    LogAudit,
    LogResult,
    LogStart,
    MapChunks,
    PackedFacts,
    RegistryTimeline,
    check_chunk_packed,
    map_in_process,
    unpack_facts,
)
from domain.board import BoardEntry, ProjectBoard
from domain.checkpoint import Checkpoint, verify_cosignature
from domain.errors import ConfigurationError, LedgerError, VerificationError
from domain.findings import Finding
from domain.note import SignedNote
from domain.registry import RegistryState
from domain.signing import VerifierKey
from domain.statements import build_statements
from domain.tiles import TILE_WIDTH, decode_entry_bundle, entries_path, tile_width
from publish.audit_pages import check_pages
from publish.logfiles import TrustPolicy, covering_witnesses, make_policy

DEFAULT_STATE = Path("~/.shuangshai/audit-state.json")
STATE_FORMAT = 1


@dataclass
class StatementRow:
    """A statement's headline total: from the log, and as the published page says."""

    project_id: str
    template: str
    period: str
    key: str
    fen: int
    page_fen: int | None


@dataclass
class AuditReport:
    """Everything one audit run found."""

    source: str
    started_at: str
    seconds: float = 0.0
    logs: list[LogResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    statements: list[StatementRow] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(f.severity == "error" for f in self.all_findings())

    def all_findings(self) -> list[Finding]:
        return self.findings + [f for log in self.logs for f in log.findings]

    @property
    def entries_verified(self) -> int:
        return sum(log.entries_verified for log in self.logs)


# ====================================================================== the CLI
def add_audit_command(commands: Any) -> None:
    """Register ``shuangshai audit`` on the CLI's sub-parsers."""
    audit = commands.add_parser(
        "audit",
        help="replay and re-verify a ledger (site folder, http(s) URL or store:)",
    )
    audit.add_argument(
        "source", help="site folder, http(s)://… of a site, or store:[instance dir]"
    )
    audit.add_argument(
        "--state",
        type=Path,
        default=None,
        help=f"auditor's state file (default {DEFAULT_STATE})",
    )
    audit.add_argument(
        "--no-state", action="store_true", help="audit in full; read no state file"
    )
    audit.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        help="a signed checkpoint seen elsewhere, to check against the log (repeatable)",
    )
    audit.add_argument("--report", type=Path, help="write the HTML report here")
    audit.add_argument("--json", type=Path, help="write the report as JSON here")
    audit.add_argument("--xlsx", type=Path, help="write the Excel workbook here")
    audit.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for signature and schema checks (default: all cores)",
    )
    audit.add_argument(
        "--progress", action="store_true", help="progress bars on stderr even if no TTY"
    )
    audit.set_defaults(handler=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    from api.cli import EXIT_CODES  # the one exit-code table (cli imports us)

    state_path = None if args.no_state else (args.state or DEFAULT_STATE).expanduser()
    extra = []
    for path in args.checkpoint:
        try:
            extra.append((str(path), path.read_bytes()))
        except OSError as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from None
    progress = Progress(enabled=args.progress or sys.stderr.isatty())
    source = open_source(args.source, instance_dir=args.instance)
    try:
        report = run_audit(
            source,
            state_path=state_path,
            extra_checkpoints=extra,
            workers=max(1, args.workers),
            keep_rows=bool(args.report or args.json or args.xlsx),
            progress=progress,
        )
    finally:
        source.close()
    print_summary(report, sys.stdout)
    if args.json:
        write_json(report, args.json)
    if args.report:
        write_html(report, args.report)
    if args.xlsx:
        write_xlsx(report, args.xlsx)
    return 0 if report.clean else EXIT_CODES[VerificationError]


# ====================================================================== the run
def run_audit(
    source: Source,
    *,
    state_path: Path | None = None,
    extra_checkpoints: Sequence[tuple[str, bytes]] = (),
    workers: int = 1,
    keep_rows: bool = False,
    progress: Progress | None = None,
    pages: bool = True,
) -> AuditReport:
    """Audit every log of ``source``; update the state file with what verified clean.

    ``pages=False`` leaves out the page check (for a folder of log files only).
    """
    started = time.perf_counter()
    progress = progress or Progress(enabled=False)
    report = AuditReport(source.description, datetime.now(UTC).isoformat())
    state = _load_state(state_path)
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    if pool is not None:
        # Fork every worker now, while this process has no other thread (the proof
        # prefetcher and the HTTP readers start later): a child forked while another
        # thread holds a lock would inherit it held. With the fork start method the
        # first task starts them all.
        pool.submit(int).result()
    map_chunks: MapChunks = (
        _pool_map(pool, workers) if pool is not None else map_in_process
    )
    try:
        _run(source, report, state, extra_checkpoints, map_chunks, keep_rows, progress)
        if pages:
            report.findings += page_findings(source)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    report.seconds = time.perf_counter() - started
    if state_path is not None:
        _save_state(state_path, state, report)
    return report


def _run(
    source: Source,
    report: AuditReport,
    state: dict[str, Any],
    extra_checkpoints: Sequence[tuple[str, bytes]],
    map_chunks: MapChunks,
    keep_rows: bool,
    progress: Progress,
) -> None:
    association = _association_key(source, report, state)
    if association is None:
        return
    instance = association.name.removesuffix("/association")
    registry_origin = f"{instance}/registry"
    timeline = RegistryTimeline()
    registry_result = _audit_log(
        source,
        registry_origin,
        report,
        state,
        extra_checkpoints,
        timeline,
        association,
        map_chunks,
        keep_rows,
        progress,
        incremental=False,
    )
    if registry_result is None:
        return
    final = timeline.final()
    for project_id in sorted(final.projects):
        origin = f"{instance}/p/{project_id}"
        result = _audit_log(
            source,
            origin,
            report,
            state,
            extra_checkpoints,
            RegistryTimeline(entries=timeline.entries),
            None,
            map_chunks,
            keep_rows,
            progress,
            incremental=True,
        )
        if result is not None and keep_rows:
            report.statements += _statements(source, origin, project_id, final)


def page_findings(source: Source) -> list[Finding]:
    """The published pages, re-derived from the log and compared byte for byte
    (``publish/audit_pages.py``); a store has no pages."""
    if isinstance(source, FolderSite):
        return check_pages(source.root)
    if isinstance(source, HttpSite):
        return check_pages(source.base_url)
    return []


def _association_key(
    source: Source, report: AuditReport, state: dict[str, Any]
) -> VerifierKey | None:
    data = source.association_vkey()
    subject = "registry/association.vkey"
    try:
        if data is None:
            raise ConfigurationError("missing")
        key = VerifierKey.from_vkey(data.decode("utf-8").strip())
    except (LedgerError, UnicodeDecodeError) as exc:
        report.findings.append(
            Finding(
                "association-key",
                subject,
                "协会公钥缺失或无法解析，无法审计登记册",
                "the association's key is missing or does not parse: the registry "
                "cannot be audited",
                evidence={"reason": getattr(exc, "detail", str(exc))},
            )
        )
        return None
    pinned = state.get("association_vkey")
    if pinned and pinned != key.to_vkey() and pinned.split("+")[0] == key.name:
        report.findings.append(
            Finding(
                "association-key-changed",
                subject,
                "协会公钥与上次审计时不同",
                "the association's key differs from the one pinned at the last audit",
                evidence={"pinned": pinned, "published": key.to_vkey()},
            )
        )
    state.setdefault("association_vkey", key.to_vkey())
    return key


def _audit_log(
    source: Source,
    origin: str,
    report: AuditReport,
    state: dict[str, Any],
    extra_checkpoints: Sequence[tuple[str, bytes]],
    timeline: RegistryTimeline,
    association: VerifierKey | None,
    map_chunks: MapChunks,
    keep_rows: bool,
    progress: Progress,
    *,
    incremental: bool,
) -> LogResult | None:
    registry_origin = (
        origin if association is not None else origin.split("/p/", 1)[0] + "/registry"
    )
    base = log_base(origin, registry_origin)
    files = source.log(base, origin)
    policy_subject = f"{base}/policy.txt"
    policy = _policy(source, base, origin, report, policy_subject)
    if policy is None:
        return None
    saved = state.get("logs", {}).get(origin)
    log_vkey = policy.logs[0].vkey
    start = None
    extra = [(s, d) for s, d in extra_checkpoints]
    if saved is not None:
        if saved.get("log_vkey") != log_vkey:
            report.findings.append(
                Finding(
                    "log-key-changed",
                    policy_subject,
                    "日志的检查点公钥与上次审计时不同",
                    "the log's checkpoint key differs from the one pinned at the last "
                    "audit",
                    evidence={"pinned": str(saved.get("log_vkey")), "policy": log_vkey},
                )
            )
        else:
            extra.append((f"state:{origin}@{saved['size']}", saved["note"].encode()))
            if incremental:
                start = _log_start(saved, state)
    audit = LogAudit(
        origin=origin,
        files=files,
        verify_note=_note_verifier(policy),
        verify_seen_note=_note_verifier(policy, quorum=False),
        registry=timeline,
        association_key=association,
        extra_checkpoints=[(s, d) for s, d in extra if _names(d, origin)],
        start=start,
        map_chunks=map_chunks,
        keep_rows=keep_rows,
        on_progress=progress.bar(origin),
        check_proofs=source.has_proofs,
        proof_reader=files.proof_reader() if isinstance(files, FolderLog) else None,
    )
    result = audit.run()
    progress.done()
    if association is None or result.size:
        result.findings += _policy_matches(
            source, policy, origin, timeline, association, policy_subject
        )
    result.log_vkey = log_vkey
    report.logs.append(result)
    return result


def _names(note: bytes, origin: str) -> bool:
    """Whether a checkpoint file is for ``origin`` (others are for other logs)."""
    return note.split(b"\n", 1)[0] == origin.encode("utf-8")


def _policy(
    source: Source, base: str, origin: str, report: AuditReport, subject: str
) -> TrustPolicy | None:
    data = source.read(f"{base}/policy.txt")
    reason = "missing"
    if data is not None:
        try:
            policy = TrustPolicy.from_bytes(data)
            if len(policy.logs) == 1 and policy.logs[0].key().name == origin:
                return policy
            reason = (
                "the policy must name exactly one log, whose key name is the origin"
            )
        except LedgerError as exc:
            reason = exc.detail
    report.findings.append(
        Finding(
            "policy-invalid",
            subject,
            "信任策略缺失或无效，无法验证检查点",
            "the trust policy is missing or invalid: checkpoints cannot be verified",
            evidence={"reason": reason},
        )
    )
    return None


def _policy_matches(
    source: Source,
    policy: TrustPolicy,
    origin: str,
    timeline: RegistryTimeline,
    association: VerifierKey | None,
    subject: str,
) -> list[Finding]:
    """The published policy must list the witnesses the registry says cover the log."""
    registry = timeline.final() if association is None else timeline.state
    project_id = None if association is not None else origin.rsplit("/p/", 1)[1]
    witnesses = covering_witnesses(registry, project_id)
    expected = {
        make_policy(policy.logs[0].vkey, witnesses, require_cosignatures=flag).to_text()
        for flag in (False, True)
    }
    published = source.read(subject)
    if published is not None and published.decode("utf-8", "replace") in expected:
        return []
    return [
        Finding(
            "policy-differs",
            subject,
            "信任策略与登记册中的见证人不符",
            "the trust policy does not list the witnesses the registry names",
            evidence={"expected": sorted(expected)[0]},
        )
    ]


def _note_verifier(
    policy: TrustPolicy, *, quorum: bool = True
) -> Callable[[SignedNote], tuple[Checkpoint, list[int]]]:
    """Checks a checkpoint note: the log signed first, every cosignature by a listed
    witness verifies and, with ``quorum``, the policy's quorum is met."""
    witnesses = [witness.key() for witness in policy.witnesses]
    if not quorum:
        policy = dataclasses.replace(policy, groups=(), quorum="none")

    log_key = policy.logs[0].key()

    def verify(note: SignedNote) -> tuple[Checkpoint, list[int]]:
        if not note.signatures[0].matches(log_key):
            raise VerificationError(
                "the log's signature must be the note's first signature line"
            )
        checkpoint = policy.verify_checkpoint(note)
        times = [
            verify_cosignature(note, w) for w in witnesses if note.signatures_by(w)
        ]
        return checkpoint, times

    return verify


# ====================================================================== parallel
def _pool_map(pool: ProcessPoolExecutor, workers: int) -> MapChunks:
    """Chunks checked on the pool, results in order, at most 2 per worker in flight."""

    def map_chunks(
        context: ChunkContext, chunks: Iterator[Chunk]
    ) -> Iterator[list[LeafFacts]]:
        pending: deque[Future[list[PackedFacts]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(check_chunk_packed, context, chunk))
            if len(pending) >= 2 * workers:
                yield unpack_facts(pending.popleft().result())
        while pending:
            yield unpack_facts(pending.popleft().result())

    return map_chunks


# ====================================================================== statements
_TOTAL = re.compile(rb'data-key="([^"]+)" data-fen="(-?[0-9]+)"')


def _statements(
    source: Source, origin: str, project_id: str, registry: RegistryState
) -> list[StatementRow]:
    """Each statement's totals recomputed from the log, beside the published page's."""
    files = source.log(
        log_base(origin, origin.split("/p/", 1)[0] + "/registry"), origin
    )
    note = files.read("checkpoint")
    if note is None:
        return []
    try:
        size = Checkpoint.from_text(SignedNote.from_bytes(note).text).size
        entries = []
        for bundle in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = tile_width(0, bundle, size)
            data = files.read(entries_path(bundle, width))
            if data is None:
                return []
            for position, leaf in enumerate(decode_entry_bundle(data, width=width)):
                index = bundle * TILE_WIDTH + position
                entries.append(
                    BoardEntry.from_leaf(
                        origin, index, leaf, hashlib.sha256(b"\0" + leaf).digest(), None
                    )
                )
        board = ProjectBoard.from_entries(origin, entries)
        statements = build_statements(
            board,
            project=registry.projects[project_id],
            contract=registry.latest_contract(project_id),
        )
    except LedgerError:
        return []  # the log itself is reported broken; no figures from it
    rows = []
    for statement in statements:
        page = (
            source.read(f"p/{project_id}/t/{statement.slug}.html")
            if source.has_pages
            else None
        )
        published = (
            {k.decode(): int(v) for k, v in _TOTAL.findall(page)} if page else {}
        )
        for total in statement.totals:
            rows.append(
                StatementRow(
                    project_id,
                    statement.template,
                    statement.period.key,
                    total.key,
                    total.fen,
                    published.get(total.key),
                )
            )
    return rows


# ====================================================================== state
def _load_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {"format": STATE_FORMAT, "logs": {}}
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"审计状态文件 {path} 无法读取 / cannot read the audit state {path}: {exc}"
        ) from None
    if state.get("format") != STATE_FORMAT or not isinstance(state.get("logs"), dict):
        raise ConfigurationError(
            f"{path} 不是审计状态文件 / {path} is not an audit state file (format "
            f"{STATE_FORMAT})"
        )
    state["_path"] = str(path)
    return state


def _ids_path(state_path: Path, origin: str) -> Path:
    name = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:24]
    return state_path.with_name(state_path.name + ".ids") / name


def _log_start(saved: dict[str, Any], state: dict[str, Any]) -> LogStart | None:
    try:
        digests = array("Q")
        digests.frombytes(_ids_path(Path(state["_path"]), saved["origin"]).read_bytes())
        return LogStart(
            size=int(saved["size"]),
            root=bytes.fromhex(saved["root"]),
            note=str(saved["note"]),
            edges=[[bytes.fromhex(h) for h in level] for level in saved["edges"]],
            last_accepted_at=str(saved["last_accepted_at"]),
            id_digests=digests,
            reversed_targets=set(saved["reversed"]),
        )
    except (KeyError, OSError, ValueError, TypeError):
        return None  # an unusable state: audit this log in full


def _save_state(path: Path, state: dict[str, Any], report: AuditReport) -> None:
    """Record, per log that verified clean, where the next run resumes (atomically)."""
    logs = state.setdefault("logs", {})
    if report.findings:
        return  # the association key or a page is wrong: keep the last good state
    for log in report.logs:
        if log.findings or not log.note:
            continue
        ids = _ids_path(path, log.origin)
        ids.parent.mkdir(parents=True, exist_ok=True)
        tmp = ids.with_suffix(".tmp")
        tmp.write_bytes(log.id_digests.tobytes())
        os.replace(tmp, ids)
        logs[log.origin] = {
            "origin": log.origin,
            "log_vkey": log.log_vkey,
            "size": log.size,
            "root": log.root.hex(),
            "note": log.note,
            "edges": [[h.hex() for h in level] for level in log.edges],
            "last_accepted_at": log.last_accepted_at,
            "reversed": sorted(log.reversed_targets),
            "verified_at": report.started_at,
        }
    state.pop("_path", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)
