"""Publish an instance as a static site (SPEC §4): pages beside the signed logs.

Two phases, as mkdocs does: gather (registry, boards, statements — all pure, from the
log) then write through :class:`~publish.files.SiteWriter`, which rewrites only files
whose bytes change. Nothing depends on the wall clock: the "published at" time of a
project is the acceptance time of its last entry, so the same log state always gives
byte-identical files.

Incremental publish: the size of each log at the previous publish is read back from
the published ``log/checkpoint``; pages that show none of the entries added since (nor
entries those new entries reverse) are left untouched, unless the registry changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard
from domain.catalogue import COLUMNS, DESK_CATEGORIES, ENTRY_TYPE_NAMES, TEMPLATES
from domain.checkpoint import Checkpoint
from domain.errors import LedgerError
from domain.note import SignedNote
from domain.registry import Contract, Project, RegistryState
from domain.statements import (
    Statement,
    affected_periods,
    build_statements,
    list_statement_periods,
)
from publish.files import SiteWriter
from publish.logfiles import BlobSource, write_log_files
from publish.render import render, yuan

#: How many recent entries a board column lists directly (notices, staff changes…).
COLUMN_RECENT = 8


@dataclass
class PublishReport:
    """What one publish did."""

    out_dir: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    pages_rendered: int = 0
    seconds: float = 0.0
    missing_blobs: list[str] = field(default_factory=list)
    unwitnessed: dict[str, str] = field(default_factory=dict)
    """Origin → why its published checkpoint misses its policy's quorum."""


def publish_site(
    ledger: LedgerApplication,
    out_dir: Path,
    *,
    boards: Mapping[str, ProjectBoard] | None = None,
    blobs: BlobSource | None = None,
    full: bool = False,
) -> PublishReport:
    """Publish every log and page of ``ledger`` under ``out_dir``.

    ``boards`` (origin → board) come from the projection when the caller has one;
    otherwise each board is folded directly from the log. ``full`` re-renders every
    page even if the previous publish makes that unnecessary.
    """
    started = time.perf_counter()
    writer = SiteWriter(out_dir)
    report = PublishReport(out_dir)
    registry = ledger.get_registry()

    previous_registry_size = None if full else _published_size(out_dir / "registry/log")
    registry_changed = previous_registry_size != registry.size
    publication = write_log_files(
        ledger,
        ledger.registry_origin,
        writer,
        "registry/log",
        since_size=previous_registry_size,
        blobs=blobs,
    )
    report.missing_blobs += publication.missing_blobs
    if publication.quorum_shortfall is not None:
        report.unwitnessed[publication.origin] = publication.quorum_shortfall
    writer.write("registry/association.vkey", ledger.association_key.to_vkey() + "\n")
    _copy_static(writer)

    project_rows = []
    for project_id in sorted(registry.projects):
        project = registry.projects[project_id]
        origin = ledger.project_origin(project_id)
        previous = None if full else _published_size(out_dir / f"p/{project_id}/log")
        publication = write_log_files(
            ledger,
            origin,
            writer,
            f"p/{project_id}/log",
            since_size=previous,
            blobs=blobs,
        )
        report.missing_blobs += publication.missing_blobs
        if publication.quorum_shortfall is not None:
            report.unwitnessed[publication.origin] = publication.quorum_shortfall
        board = (
            boards[origin]
            if boards is not None and origin in boards
            else _fold(ledger, origin)
        )
        contract = registry.latest_contract(project_id)
        firm_name = (
            registry.firms[contract.firm].name if contract else "（暂无服务企业）"
        )
        rerender_all = full or registry_changed or previous is None
        affected = _affected(board, previous or 0)
        report.pages_rendered += _write_project(
            writer,
            board,
            project,
            contract,
            firm_name,
            affected,
            range(previous or 0, len(board.entries)),
            rerender_all,
        )
        project_rows.append(
            {
                "project_id": project_id,
                "name": project.name,
                "district": project.district,
                "households": project.households,
                "firm_name": firm_name,
                "log_size": len(board.entries),
            }
        )

    writer.write("index.html", render("index.html", root="", projects=project_rows))
    writer.write("registry/index.html", _registry_page(ledger, registry))
    report.pages_rendered += 2
    report.written = writer.written
    report.unchanged = writer.unchanged
    report.seconds = time.perf_counter() - started
    return report


# ----------------------------------------------------------------------- pages
def _write_project(
    writer: SiteWriter,
    board: ProjectBoard,
    project: Project,
    contract: Contract | None,
    firm_name: str,
    affected: set[int],
    new_indices: range,
    rerender_all: bool,
) -> int:
    base = f"p/{project.project_id}"
    origin = board.origin
    published_at = _published_at(board)
    rendered = 0
    periods = list_statement_periods(board)
    if rerender_all:
        statements = build_statements(board, project=project, contract=contract)
    else:
        # Only the (template, period) pages the new entries can change, plus any page
        # missing on disk; build_statements(only=...) gives them exactly as a full
        # build would (tested in tests/domain/test_statements_incremental.py).
        wanted = {
            slug: set(keys)
            for slug, keys in affected_periods(board, new_indices).items()
        }
        for slug, listed in periods.items():
            for period in listed:
                if not writer.exists(f"{base}/t/{slug}/{period.key}.html"):
                    wanted.setdefault(slug, set()).add(period.key)
        statements = build_statements(
            board, project=project, contract=contract, only=wanted
        )
    built = {statement.slug for statement in statements}
    for statement in statements:
        writer.write(
            f"{base}/t/{statement.slug}.html",
            _statement_page(board, statement, project, firm_name),
        )
        rendered += 1
    listed_pages = set()
    for slug, listed in periods.items():
        for period in listed:
            listed_pages.add(f"{slug}/{period.key}")
            if f"{slug}/{period.key}" not in built:
                writer.keep(f"{base}/t/{slug}/{period.key}.html")
    if not rerender_all:
        # A period can lose its last entry (a follow-up moved to a later pledge):
        # its page goes, as a full publish would not write it.
        for slug, keys in wanted.items():
            for key in keys:
                if f"{slug}/{key}" not in listed_pages:
                    writer.remove(f"{base}/t/{slug}/{key}.html")

    columns = []
    for slug, name in COLUMNS.items():
        links = []
        for template in TEMPLATES:
            if slug in template.columns:
                for period in reversed(periods.get(template.slug, [])):
                    links.append(
                        {
                            "href": f"t/{template.slug}/{period.key}.html",
                            "code": template.code,
                            "title": template.name,
                            "period_label": period.label,
                        }
                    )
        recent = [] if links else board.column(slug)[-COLUMN_RECENT:]
        columns.append(
            {
                "slug": slug,
                "name": name,
                "statements": links,
                "entries": [_entry_row(e) for e in reversed(recent)],
            }
        )
    categories = []
    for slug, name in DESK_CATEGORIES.items():
        entries = board.category(slug)
        categories.append({"slug": slug, "name": name, "count": len(entries)})
        rendered += _write_desk(
            writer, base, project, slug, name, entries, affected, rerender_all
        )
    writer.write(
        f"{base}/index.html",
        render(
            "board.html",
            root="../../",
            project=project,
            contract=contract,
            firm_name=firm_name,
            origin=origin,
            log_size=len(board.entries),
            published_at=published_at,
            columns=columns,
            categories=categories,
        ),
    )
    return rendered + 1


#: How many of the newest entries a desk category's front page lists.
DESK_RECENT = 20


def _write_desk(
    writer: SiteWriter,
    base: str,
    project: Project,
    slug: str,
    name: str,
    entries: list[BoardEntry],
    affected: set[int],
    rerender_all: bool,
) -> int:
    """A desk category: a front page (months, newest entries) and one page a month.

    Months keep pages small and let a new entry rewrite only its own month.
    """
    by_month: dict[str, list[BoardEntry]] = {}
    for entry in entries:
        by_month.setdefault(entry_date(entry)[:7], []).append(entry)
    touched = rerender_all or any(e.index in affected for e in entries)
    rendered = 0
    months = [
        {"key": key, "count": len(by_month[key]), "href": f"{slug}/{key}.html"}
        for key in sorted(by_month, reverse=True)
    ]
    front = f"{base}/desk/{slug}.html"
    if touched or not writer.exists(front):
        writer.write(
            front,
            render(
                "desk.html",
                root="../../../",
                up="../",
                project=project,
                category_name=name,
                month=None,
                months=months,
                entries=[_entry_row(e) for e in reversed(entries[-DESK_RECENT:])],
            ),
        )
        rendered += 1
    else:
        writer.keep(front)
    for key, month_entries in by_month.items():
        path = f"{base}/desk/{slug}/{key}.html"
        if (
            rerender_all
            or any(e.index in affected for e in month_entries)
            or not writer.exists(path)
        ):
            writer.write(
                path,
                render(
                    "desk.html",
                    root="../../../../",
                    up="../../",
                    project=project,
                    category_name=name,
                    month=key,
                    months=[],
                    entries=[_entry_row(e) for e in reversed(month_entries)],
                ),
            )
            rendered += 1
        else:
            writer.keep(path)
    return rendered


def _statement_page(
    board: ProjectBoard, statement: Statement, project: Project, firm_name: str
) -> str:
    indices = sorted(statement.entries)
    embedded = [
        {
            "index": index,
            "leaf_hash": board.entries[index].leaf_hash,
            "proof": f"log/proofs/{index}.tlog-proof",
        }
        for index in indices
    ]
    return render(
        "statement.html",
        root="../../../../",
        statement=statement,
        project=project,
        firm_name=firm_name,
        origin=board.origin,
        first_index=indices[0] if indices else 0,
        last_index=indices[-1] if indices else 0,
        published_at=_published_at(board, indices),
        embedded={"log": board.origin, "entries": embedded},
    )


def _registry_page(ledger: LedgerApplication, registry: RegistryState) -> str:
    return render(
        "registry.html",
        root="../",
        association_vkey=ledger.association_key.to_vkey(),
        origin=ledger.registry_origin,
        size=registry.size,
        firms=sorted(registry.firms.values(), key=lambda f: f.registered_at_index),
        keys=[
            {
                "vkey": k.vkey,
                "firm": k.firm,
                "projects": sorted(k.projects) if k.projects else None,
                "added_at_index": k.added_at_index,
                "revoked_at_index": k.revoked_at_index,
            }
            for k in sorted(registry.keys.values(), key=lambda k: k.added_at_index)
        ],
        projects=sorted(
            registry.projects.values(), key=lambda p: p.registered_at_index
        ),
        contracts=sorted(registry.contracts.values(), key=lambda c: c.bound_at_index),
        witnesses=sorted(registry.witnesses.values(), key=lambda w: w.added_at_index),
    )


# ---------------------------------------------------------------------- helpers
_SUMMARY_KEYS = (
    "title",
    "subject",
    "topic",
    "name",
    "description",
    "works",
    "content",
    "question",
    "answer",
    "outcome",
    "reason",
    "position",
)


def entry_summary(entry: BoardEntry) -> str:
    """A one-line summary of an entry for lists (all body data is public)."""
    body = entry.body
    parts: list[str] = []
    for key in _SUMMARY_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value:
            parts.append(value if len(value) <= 60 else value[:59] + "…")
            break
    for key, value in body.items():
        if key.endswith("_fen") and type(value) is int:
            parts.append(yuan(value))
            break
    if not parts:
        parts.append(ENTRY_TYPE_NAMES.get(entry.entry_type, entry.entry_type))
    return "，".join(parts)


def entry_date(entry: BoardEntry) -> str:
    """The business date of an entry: its first ``*_on`` field, its period, or acceptance."""
    for key, value in entry.body.items():
        if key.endswith("_on") and isinstance(value, str) and len(value) == 10:
            return value
    if entry.period:
        return entry.period["start"]
    return entry.accepted_at[:10]


def _entry_row(entry: BoardEntry) -> dict[str, Any]:
    return {
        "index": entry.index,
        "date": entry_date(entry),
        "type_name": ENTRY_TYPE_NAMES.get(entry.entry_type, entry.entry_type),
        "summary": entry_summary(entry),
        "reversed": entry.reversed_by is not None,
        "reversed_by": entry.reversed_by,
    }


def _fold(ledger: LedgerApplication, origin: str) -> ProjectBoard:
    return ProjectBoard.from_entries(
        origin,
        (
            BoardEntry.from_leaf(origin, e.index, e.leaf, e.leaf_hash, e.firm)
            for e in ledger.list_entries(origin)
        ),
    )


def _affected(board: ProjectBoard, previous_size: int) -> set[int]:
    """Entries added since the previous publish and the entries they reverse."""
    affected: set[int] = set()
    for index in range(previous_size, len(board.entries)):
        entry = board.entries.get(index)
        if entry is None:
            continue
        affected.add(index)
        if entry.reverses is not None:
            affected.add(entry.reverses)
    return affected


def _published_at(board: ProjectBoard, indices: Iterable[int] | None = None) -> str:
    chosen = list(indices) if indices is not None else list(board.entries)
    if not chosen:
        return "—"
    moment = max(board.entries[i].accepted_at for i in chosen)
    return moment[:10] + " " + moment[11:19] + " UTC"


def _published_size(log_dir: Path) -> int | None:
    """The tree size of a previously published log, or None if there is none."""
    try:
        text = (log_dir / "checkpoint").read_text(encoding="utf-8")
        return Checkpoint.from_text(SignedNote.from_text(text).text).size
    except (OSError, LedgerError):
        return None


def _copy_static(writer: SiteWriter) -> None:
    for item in resources.files("publish").joinpath("static").iterdir():
        if item.is_file():
            writer.write(f"static/{item.name}", item.read_bytes())
