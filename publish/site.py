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

import bisect
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from domain.board import BoardEntry, ProjectBoard
from domain.catalogue import COLUMNS, DESK_CATEGORIES, ENTRY_TYPE_NAMES, TEMPLATES
from domain.checkpoint import Checkpoint
from domain.errors import ConfigurationError, LedgerError
from domain.note import SignedNote
from domain.registry import Contract, Project, RegistryState
from domain.statements import (
    CHINA_TIME,
    Statement,
    affected_periods,
    build_statements,
    list_statement_periods,
)
from publish.charts import chart_svg, statement_charts
from publish.embed import LogEmbedder
from publish.files import SiteWriter
from publish.logfiles import BlobSource, write_log_files
from publish.qr import QrCodes, qr_svg
from publish.render import render, yuan
from publish.source import PublishSource

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
    ledger: PublishSource,
    out_dir: Path,
    *,
    boards: Mapping[str, ProjectBoard] | None = None,
    blobs: BlobSource | None = None,
    full: bool = False,
    base_url: str | None = None,
) -> PublishReport:
    """Publish every log and page of ``ledger`` under ``out_dir``.

    ``boards`` (origin → board) come from the projection when the caller has one;
    otherwise each board is folded directly from the log. ``full`` re-renders every
    page even if the previous publish makes that unnecessary. ``base_url`` is where
    the site is served (``https://host/path/``); printed statements' QR codes open
    it, or carry the page's site-relative path when it is ``""``. ``None`` keeps the
    previous publish's (read from ``base-url.txt``; none on a first publish). A base
    URL unlike the previous publish's re-renders every page.

    The files of directories that do not exist yet (the proofs and checkpoints of a
    log published for the first time) are written by a second process while the
    pages are made (:class:`SiteWriter` ``background``); each such directory appears
    whole before the home page links anything. When every page is rendered again,
    another process makes the statements' QR codes ahead (:class:`QrCodes`).
    """
    writer = SiteWriter(out_dir, background=True)
    codes = QrCodes()
    try:
        return _publish_site(
            ledger,
            out_dir,
            writer,
            codes,
            boards=boards,
            blobs=blobs,
            full=full,
            base_url=base_url,
        )
    finally:
        codes.close()
        writer.close()  # nothing left to do after a successful publish


def _publish_site(
    ledger: PublishSource,
    out_dir: Path,
    writer: SiteWriter,
    codes: QrCodes,
    *,
    boards: Mapping[str, ProjectBoard] | None,
    blobs: BlobSource | None,
    full: bool,
    base_url: str | None,
) -> PublishReport:
    started = time.perf_counter()
    previous_base = _published_base_url(out_dir)
    if base_url is None:
        base_url = previous_base
    base_url = check_base_url(base_url)
    report = PublishReport(out_dir)
    registry = ledger.get_registry()
    base_changed = previous_base != (base_url or "")
    writer.write(BASE_URL_FILE, (base_url or "") + "\n")

    previous_registry_size = None if full else _published_size(out_dir / "registry/log")
    registry_changed = previous_registry_size != registry.size
    if full or registry_changed or base_changed:  # every page is rendered again
        codes.start()
    # Leaves the log files read, for the pages' embedded data (read once).
    registry_leaves: dict[int, bytes] = {}
    publication = write_log_files(
        ledger,
        ledger.registry_origin,
        writer,
        "registry/log",
        since_size=previous_registry_size,
        blobs=blobs,
        leaves=registry_leaves,
    )
    report.missing_blobs += publication.missing_blobs
    if publication.quorum_shortfall is not None:
        report.unwitnessed[publication.origin] = publication.quorum_shortfall
    # Every statement page embeds a registry checkpoint (for the firms' keys).
    registry_recosigned = publication.recosigned
    writer.write("registry/association.vkey", ledger.association_key.to_vkey() + "\n")
    _copy_static(writer)

    project_rows = []
    for project_id in sorted(registry.projects):
        project = registry.projects[project_id]
        origin = ledger.project_origin(project_id)
        previous = None if full else _published_size(out_dir / f"p/{project_id}/log")
        leaves: dict[int, bytes] = {}
        publication = write_log_files(
            ledger,
            origin,
            writer,
            f"p/{project_id}/log",
            since_size=previous,
            blobs=blobs,
            leaves=leaves,
        )
        report.missing_blobs += publication.missing_blobs
        if publication.quorum_shortfall is not None:
            report.unwitnessed[publication.origin] = publication.quorum_shortfall
        signed = publication.signed
        if signed is None:
            signed = tuple(c.size for c in ledger.list_checkpoints(origin))
        printing = _Printing(base_url, signed, codes)
        board = (
            boards[origin]
            if boards is not None and origin in boards
            else _fold(ledger, origin)
        )
        contract = registry.latest_contract(project_id)
        firm_name = (
            registry.firms[contract.firm].name if contract else "（暂无服务企业）"
        )
        # A checkpoint that gained cosignatures changes the pages anchored at it;
        # they are few and hard to pick out, so the project's pages are redone.
        rerender_all = (
            full
            or registry_changed
            or previous is None
            or base_changed
            or registry_recosigned
            or publication.recosigned
        )
        affected = _affected(board, previous or 0)
        embedder = LogEmbedder(
            ledger,
            origin,
            registry,
            log_url=f"p/{project_id}/log/",
            registry_url="registry/log/",
            site_dir=out_dir,
            leaves={origin: leaves, ledger.registry_origin: registry_leaves},
        )
        report.pages_rendered += _write_project(
            writer,
            board,
            project,
            contract,
            firm_name,
            affected,
            range(previous or 0, len(board.entries)),
            rerender_all,
            embedder,
            printing,
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

    writer.flush()  # every new log directory in place before the home page
    writer.write(
        "index.html",
        render(
            "index.html",
            root="",
            projects=project_rows,
            registry_origin=ledger.registry_origin,
            registry_size=registry.size,
        ),
    )
    writer.write("verify.html", _verify_page(ledger, registry))
    writer.write("registry/index.html", _registry_page(ledger, registry))
    report.pages_rendered += 3
    report.written = writer.written
    report.unchanged = writer.unchanged
    report.seconds = time.perf_counter() - started
    return report


# ----------------------------------------------------------------- printing
#: The site's public base URL as last published (one line; empty when none was given).
BASE_URL_FILE = "base-url.txt"


def check_base_url(base_url: str | None) -> str | None:
    """``base_url`` as an absolute http(s) URL ending in ``/``, or None.

    Raises :class:`ConfigurationError` for anything else (it ends up in every QR code
    and must not be able to carry markup).
    """
    if base_url is None or base_url == "":
        return None
    if (
        not base_url.startswith(("http://", "https://"))
        or len(base_url) > 200
        or any(c.isspace() or c in "\"'<>`\\{}|^" or ord(c) < 0x21 for c in base_url)
        or "?" in base_url
        or "#" in base_url
        or base_url.split("//", 1)[1].startswith("/")
    ):
        raise ConfigurationError(
            f"站点地址 {base_url!r} 不是以 http:// 或 https:// 开头的完整网址 / "
            "--base-url must be an absolute http(s) URL such as https://example.org/site/ "
            "(no spaces, quotes, query or fragment)"
        )
    return base_url if base_url.endswith("/") else base_url + "/"


@dataclass(frozen=True)
class _Printing:
    """What the print header and the QR codes of one project's pages need."""

    base_url: str | None
    checkpoint_sizes: tuple[int, ...]  # every checkpoint the log signed, ascending
    codes: QrCodes | None = None  # QR codes made ahead, if any

    def covering(self, index: int) -> int | None:
        """The size of the first checkpoint that includes entry ``index``.

        It never changes once signed, so a page that shows entries up to ``index``
        can name it without being rewritten when the log grows.
        """
        found = bisect.bisect_right(self.checkpoint_sizes, index)
        return (
            self.checkpoint_sizes[found] if found < len(self.checkpoint_sizes) else None
        )

    @property
    def latest(self) -> int | None:
        return self.checkpoint_sizes[-1] if self.checkpoint_sizes else None


def _position(
    board: ProjectBoard, indices: Sequence[int], printing: _Printing
) -> dict[str, Any]:
    """The log position a printed page states: origin, entries, checkpoint, date."""
    return {
        "origin": board.origin,
        "first": min(indices) if indices else None,
        "last": max(indices) if indices else None,
        "count": len(indices),
        "checkpoint_size": printing.covering(max(indices)) if indices else None,
        "published_at": _published_at(board, indices),
    }


def _qr_request(
    project: Project, statement: Statement, printing: _Printing
) -> tuple[str, str]:
    """What a statement's QR code encodes (its URL) and its label."""
    target = (printing.base_url or "") + (
        f"p/{project.project_id}/t/{statement.slug}.html"
    )
    return target, f"扫码打开本表网上版本：{target}"


def _statement_extras(
    board: ProjectBoard,
    statement: Statement,
    project: Project,
    printing: _Printing,
) -> dict[str, Any]:
    """Charts, QR code and print header of a statement page (issue 4, part 1)."""
    target, label = _qr_request(project, statement, printing)
    svg = (
        printing.codes.svg(target, label)
        if printing.codes is not None
        else qr_svg(target, label=label)
    )
    return {
        "charts": [
            {"chart": chart, "svg": Markup(chart_svg(chart, f"chart-{chart.key}"))}  # noqa: S704 - chart_svg escapes every text
            for chart in statement_charts(board, statement)
        ],
        "qr": Markup(svg),  # noqa: S704 - qr_svg escapes the label
        "qr_target": target,
        "position": _position(board, sorted(statement.entries), printing),
    }


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
    embedder: LogEmbedder,
    printing: _Printing,
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
    if rerender_all and printing.codes is not None:
        printing.codes.ask(_qr_request(project, s, printing) for s in statements)
    built = {statement.slug for statement in statements}
    for statement in statements:
        writer.write(
            f"{base}/t/{statement.slug}.html",
            _statement_page(board, statement, project, firm_name, embedder, printing),
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
        templates = []
        for template in TEMPLATES:
            if slug in template.columns and periods.get(template.slug):
                templates.append(
                    {
                        "code": template.code,
                        "title": template.name,
                        "periods": [
                            {
                                "href": f"t/{template.slug}/{period.key}.html",
                                "label": period.label,
                            }
                            for period in reversed(periods[template.slug])
                        ],
                    }
                )
        recent = [] if templates else board.column(slug)[-COLUMN_RECENT:]
        columns.append(
            {
                "slug": slug,
                "name": name,
                "templates": templates,
                "entries": [_entry_row(e) for e in reversed(recent)],
            }
        )
    categories = []
    for slug, name in DESK_CATEGORIES.items():
        entries = board.category(slug)
        categories.append({"slug": slug, "name": name, "count": len(entries)})
        rendered += _write_desk(
            writer,
            base,
            project,
            slug,
            name,
            entries,
            affected,
            rerender_all,
            board,
            firm_name,
            printing,
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
            checkpoint_size=printing.latest,
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
    board: ProjectBoard,
    firm_name: str,
    printing: _Printing,
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
                firm_name=firm_name,
                position=_position(
                    board, [e.index for e in entries[-DESK_RECENT:]], printing
                ),
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
                    firm_name=firm_name,
                    position=_position(
                        board, [e.index for e in month_entries], printing
                    ),
                ),
            )
            rendered += 1
        else:
            writer.keep(path)
    return rendered


def _statement_page(
    board: ProjectBoard,
    statement: Statement,
    project: Project,
    firm_name: str,
    embedder: LogEmbedder,
    printing: _Printing,
) -> str:
    indices = sorted(statement.entries)
    root = "../../../../"
    embedded = embedder.page_data(
        [(index, board.entries[index].key_ref) for index in indices],
        page_root=root,
    )
    return render(
        "statement.html",
        root=root,
        statement=statement,
        project=project,
        firm_name=firm_name,
        origin=board.origin,
        first_index=indices[0] if indices else 0,
        last_index=indices[-1] if indices else 0,
        published_at=_published_at(board, indices),
        embedded=embedded,
        **_statement_extras(board, statement, project, printing),
    )


def _verify_page(ledger: PublishSource, registry: RegistryState) -> str:
    """The root verify page: where each log of the site lives, for lookups."""
    logs = [
        {"log": ledger.registry_origin, "log_url": "registry/log/"},
        *(
            {"log": ledger.project_origin(pid), "log_url": f"p/{pid}/log/"}
            for pid in sorted(registry.projects)
        ),
    ]
    return render(
        "verify.html",
        root="",
        data={
            "registry": ledger.registry_origin,
            "association": ledger.association_key.to_vkey(),
            "logs": logs,
        },
    )


def _registry_page(ledger: PublishSource, registry: RegistryState) -> str:
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
        intake_keys=sorted(
            registry.intake_keys.values(), key=lambda k: k.added_at_index
        ),
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


def _fold(ledger: PublishSource, origin: str) -> ProjectBoard:
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
    newest = max(board.entries[i].accepted_at for i in chosen)
    # Owners read Beijing time; the log's own timestamp (UTC) is in every proof.
    moment = datetime.fromisoformat(newest.replace("Z", "+00:00"))
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M（北京时间）")


def _published_base_url(out_dir: Path) -> str | None:
    """The base URL of the previous publish ("" for none), None if there was none."""
    try:
        return (out_dir / BASE_URL_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None


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
