"""The page audit: every published page re-derived from the published log (issue 6).

A page says something only the log can back. :func:`audit_pages` reads a published
site back as a ledger (:class:`~publish.published_log.PublishedInstance`: registry,
entries and checkpoints from the signed ``log/`` files alone), publishes it again
into a temporary folder with :func:`~publish.site.publish_site` — the same code, in
full — and compares the two sites file by file, byte for byte. Publishing is
deterministic (SPEC §4), so any difference is something the published site says that
the log does not:

- ``page-differs`` — a published file is not the one the log gives; the evidence is
  the first differing line, expected vs found, each clipped around the difference.
  One difference is not one: a statement page whose embedded leaves were compressed
  by another zlib into other bytes of the same data
  (:func:`same_but_compressed_otherwise`);
- ``page-missing`` — the log implies a page that is not published;
- ``page-unexpected`` — a published file the log does not imply.

Compared are the pages, the static assets, ``registry/association.vkey`` and each
log's ``policy.txt``; the other files under a log's ``log/`` directory (tiles,
bundles, checkpoints, proofs, blobs) are the log audit's. In a folder every file is
listed; over http there is no listing, so unexpected files are found by following
the links of the published pages that differ (a page that matches links only to
expected pages): a file nothing links to cannot be found over http.

The statement figures (``docs/formats.md`` §8: ``<dd data-key data-fen>``) are also
checked on their own, so that a report can show them: :func:`statement_totals`
parses them from the published pages, :func:`recompute_statement_totals` computes
them from the log with :mod:`domain.statements`, and every figure and the ¥ text
shown beside it must agree (``statement-total``). If the log itself cannot be read
back (a tile or bundle that contradicts the others), no page can be re-derived: one
``pages-not-derived`` finding names the file, and the log audit says what is wrong.
"""

from __future__ import annotations

import base64
import json
import os
import posixpath
import re
import tempfile
import urllib.parse
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import zip_longest
from pathlib import Path
from typing import Final

from domain.board import BoardEntry, ProjectBoard
from domain.errors import ConfigurationError, LedgerError, PublishedFileNotFoundError
from domain.findings import Finding
from domain.statements import build_statements
from publish.logfiles import POLICY_FILE
from publish.published_log import (
    REGISTRY_LOG_DIR,
    Fetch,
    PublishedInstance,
    site_fetch,
)
from publish.render import yuan
from publish.site import BASE_URL_FILE, publish_site
from publish.source import PublishSource

__all__ = [
    "PageAudit",
    "StatementTotal",
    "audit_pages",
    "check_pages",
    "parse_statement_totals",
    "recompute_statement_totals",
    "statement_totals",
]

_STATEMENT_PAGE: Final = re.compile(r"p/([^/]+)/t/([^/]+)/([^/]+)\.html")
_FEN: Final = re.compile(r"-?[0-9]+")
_DEFINITION_LIST: Final = re.compile(r"<dl\b.*?</dl>", re.DOTALL | re.IGNORECASE)
_CLIP: Final = 100  # characters of a line shown as evidence
_CONTEXT: Final = 30  # characters shown before the first difference


@dataclass(frozen=True)
class StatementTotal:
    """One headline figure of one statement page.

    ``fen`` is ``None`` when a published page's ``data-fen`` is not an integer;
    ``shown`` is the text the page shows (``¥1,234.56``).
    """

    path: str
    project_id: str
    template: str
    period: str
    key: str
    label: str
    fen: int | None
    shown: str

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "project_id": self.project_id,
            "template": self.template,
            "period": self.period,
            "key": self.key,
            "label": self.label,
            "fen": self.fen,
            "shown": self.shown,
        }


@dataclass
class PageAudit:
    """What :func:`audit_pages` found.

    ``totals`` are the statement figures recomputed from the log (what a report
    shows); ``published_totals`` those the published pages show; every difference
    between them is a ``statement-total`` finding.
    """

    findings: list[Finding] = field(default_factory=list)
    totals: list[StatementTotal] = field(default_factory=list)
    published_totals: list[StatementTotal] = field(default_factory=list)
    pages_checked: int = 0


# ============================================================== entry points
def check_pages(site_dir: Path | str, *, fetch: Fetch | None = None) -> list[Finding]:
    """The page findings of a published site (see :func:`audit_pages`)."""
    return audit_pages(site_dir, fetch=fetch).findings


def audit_pages(site_dir: Path | str, *, fetch: Fetch | None = None) -> PageAudit:
    """Re-derive every page of the site from its log and compare (module docstring).

    ``site_dir`` is the site's folder or its http(s) address; ``fetch`` (optional)
    reads its files instead (then a folder is still listed to find unexpected
    files, an address is not). A site that cannot be read at all raises
    :class:`ConfigurationError`.
    """
    reader = fetch if fetch is not None else site_fetch(site_dir)
    folder = _local_folder(site_dir)
    audit = PageAudit()
    try:
        instance = PublishedInstance(reader)
        boards = _boards(instance)
        audit.totals = recompute_statement_totals(instance, boards)
        with tempfile.TemporaryDirectory(prefix="shuangshai-pages-") as temporary:
            rebuilt = Path(temporary)
            publish_site(
                instance,
                rebuilt,
                boards=boards,
                full=True,
                base_url=_published_base_url(reader),
            )
            projects = set(instance.get_registry().projects)
            _compare(audit, rebuilt, reader, folder, projects)
    except ConfigurationError:
        raise
    except (LedgerError, KeyError, TypeError, ValueError, AttributeError) as exc:
        # The log could not be read back or folded (an entry the log audit will
        # report as malformed): no page can be re-derived from it.
        audit.findings.append(_not_derived(site_dir, exc))
        return audit
    audit.findings += _compare_totals(audit.totals, audit.published_totals)
    return audit


def statement_totals(
    site_dir: Path | str, *, fetch: Fetch | None = None
) -> list[StatementTotal]:
    """The statement figures the published pages show, by page path then page order.

    In a folder every statement page is read; over http, those reachable by links
    from ``index.html``.
    """
    reader = fetch if fetch is not None else site_fetch(site_dir)
    folder = _local_folder(site_dir)
    if folder is not None:
        paths: Iterable[str] = _list_site(folder, None)
    else:
        paths = _crawl(reader, ["index.html"])
    totals: list[StatementTotal] = []
    for path in sorted(paths):
        if _STATEMENT_PAGE.fullmatch(path):
            try:
                totals += parse_statement_totals(path, reader(path))
            except PublishedFileNotFoundError:
                continue
    return totals


def recompute_statement_totals(
    source: PublishSource, boards: Mapping[str, ProjectBoard] | None = None
) -> list[StatementTotal]:
    """Every statement figure computed from the log by :mod:`domain.statements`.

    ``boards`` (origin → board) saves folding the logs again when the caller has
    them. Ordered by page path, then the order of the figures on the page.
    """
    registry = source.get_registry()
    totals: list[StatementTotal] = []
    for project_id in sorted(registry.projects):
        origin = source.project_origin(project_id)
        board = boards[origin] if boards and origin in boards else _fold(source, origin)
        statements = build_statements(
            board,
            project=registry.projects[project_id],
            contract=registry.latest_contract(project_id),
        )
        for statement in statements:
            path = f"p/{project_id}/t/{statement.slug}.html"
            totals += [
                StatementTotal(
                    path,
                    project_id,
                    statement.template,
                    statement.period.key,
                    total.key,
                    total.label,
                    total.fen,
                    yuan(total.fen),
                )
                for total in statement.totals
            ]
    return sorted(totals, key=lambda total: total.path)


def parse_statement_totals(path: str, data: bytes) -> list[StatementTotal]:
    """The ``<dd data-key data-fen>`` figures of one statement page, in page order."""
    match = _STATEMENT_PAGE.fullmatch(path)
    if match is None:
        raise ValueError(f"{path!r} is not a statement page path")  # caller bug
    project_id, template, period = match.groups()
    parser = _TotalsParser()
    text = data.decode("utf-8", errors="replace")
    # The figures are in <dl> lists (formats §8); feeding only those keeps a page of
    # thousands of rows cheap to read.
    for block in _DEFINITION_LIST.findall(text):
        parser.feed(block)
    parser.close()
    return [
        StatementTotal(
            path,
            project_id,
            template,
            period,
            key,
            label,
            int(fen) if fen is not None and _FEN.fullmatch(fen) else None,
            shown,
        )
        for key, fen, label, shown in parser.totals
    ]


# ============================================================== comparison
def _compare(
    audit: PageAudit,
    rebuilt: Path,
    reader: Fetch,
    folder: Path | None,
    projects: set[str],
) -> None:
    """Compare the rebuilt site's pages with the published ones, file by file."""
    expected = set(_list_site(rebuilt, projects))
    to_follow: list[str] = []
    for path in sorted(expected):
        want = (rebuilt / path).read_bytes()
        try:
            found = reader(path)
        except PublishedFileNotFoundError:
            audit.findings.append(_missing(path))
            continue
        audit.pages_checked += 1
        if _STATEMENT_PAGE.fullmatch(path):
            audit.published_totals += parse_statement_totals(path, found)
        if found != want and not same_but_compressed_otherwise(want, found):
            audit.findings.append(_differs(path, want, found))
            to_follow.append(path)
    if folder is not None:
        published = set(_list_site(folder, projects))
    else:
        published = expected | _crawl(reader, to_follow, projects, skip=expected)
    for path in sorted(published - expected):
        audit.findings.append(_unexpected(path))
        if _STATEMENT_PAGE.fullmatch(path):
            try:
                audit.published_totals += parse_statement_totals(path, reader(path))
            except PublishedFileNotFoundError:
                continue
    audit.published_totals.sort(key=lambda total: total.path)


_EMBEDDED: Final = re.compile(
    rb'(<script type="application/json" id="shuangshai-entries">)(.*?)(</script>)',
    re.DOTALL,
)


def same_but_compressed_otherwise(expected: bytes, found: bytes) -> bool:
    """Whether two pages differ only in how zlib compressed the same leaves.

    A statement page embeds its leaves zlib-compressed (``publish/embed.py``). The
    same data compressed by another zlib build (zlib-ng, another version) can give
    other bytes, so an auditor on another system would see every statement page
    "differ". Such pages say the same: everything outside the embedded data is
    identical, the embedded data is equal as JSON, and every ``leaves`` value
    decompresses to the same bytes. Anything else still differs.
    """
    want, got = _EMBEDDED.search(expected), _EMBEDDED.search(found)
    if want is None or got is None:
        return False
    if (
        expected[: want.start(2)] != found[: got.start(2)]
        or expected[want.end(2) :] != found[got.end(2) :]
    ):
        return False
    try:
        return _inflated(json.loads(want.group(2))) == _inflated(
            json.loads(got.group(2))
        )
    except (ValueError, zlib.error):  # not JSON, not base64, not zlib: it differs
        return False


def _inflated(value: object) -> object:
    """``value`` with every ``leaves`` string replaced by its decompressed bytes."""
    if isinstance(value, dict):
        return {
            key: (
                zlib.decompress(base64.b64decode(item, validate=True))
                if key == "leaves" and isinstance(item, str)
                else _inflated(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_inflated(item) for item in value]
    return value


def _compare_totals(
    expected: list[StatementTotal], published: list[StatementTotal]
) -> list[Finding]:
    """A finding for every figure that the page and the log do not agree on."""
    findings: list[Finding] = []
    pages: dict[str, list[StatementTotal]] = {}
    for total in published:
        pages.setdefault(total.path, []).append(total)
    wanted: dict[str, list[StatementTotal]] = {}
    for total in expected:
        wanted.setdefault(total.path, []).append(total)
    for path, totals in sorted(wanted.items()):
        if path not in pages:
            continue  # the page is missing: page-missing says so
        shown = {}
        for total in pages[path]:
            if total.key in shown or total.key not in {t.key for t in totals}:
                findings.append(
                    _total_finding(path, total.key, None, total, "extra figure")
                )
            else:
                shown[total.key] = total
        for total in totals:
            found = shown.get(total.key)
            if found is None:
                findings.append(
                    _total_finding(path, total.key, total, None, "missing figure")
                )
            elif found.fen != total.fen:
                findings.append(
                    _total_finding(path, total.key, total, found, "data-fen")
                )
            elif found.shown != total.shown:
                findings.append(
                    _total_finding(path, total.key, total, found, "shown text")
                )
    return findings


def _total_finding(
    path: str,
    key: str,
    expected: StatementTotal | None,
    found: StatementTotal | None,
    what: str,
) -> Finding:
    return Finding(
        "statement-total",
        f"{path}#{key}",
        f"公示表合计 {key} 与从日志重算的不符（{what}）",
        f"statement figure {key} does not match the one recomputed from the log "
        f"({what})",
        evidence={
            "expected_fen": "—"
            if expected is None or expected.fen is None
            else str(expected.fen),
            "expected_shown": "—" if expected is None else expected.shown,
            "found_fen": "—" if found is None or found.fen is None else str(found.fen),
            "found_shown": "—" if found is None else _short(found.shown, _CLIP),
        },
    )


def _published_base_url(reader: Fetch) -> str:
    """The base URL the site says it was published for (its QR codes hold it).

    Taking it from the site is sound: every QR code is re-derived from it, so a
    ``base-url.txt`` that disagrees with the pages makes them differ.
    """
    try:
        return reader(BASE_URL_FILE).decode("utf-8").strip()
    except (LedgerError, UnicodeDecodeError):
        return ""  # no file: published before base URLs, or for no address


def _not_derived(site: Path | str, exc: Exception) -> Finding:
    if isinstance(exc, LedgerError):
        path, detail = exc.context.get("path"), exc.detail
    else:
        path, detail = None, f"{type(exc).__name__}: {exc}"
    return Finding(
        "pages-not-derived",
        str(path) if path else str(site),
        "无法从已发布的日志重新生成页面，未能核对任何页面",
        "the pages cannot be re-derived from the published log, so none was checked",
        evidence={"error": _short(detail, 300)},
    )


def _missing(path: str) -> Finding:
    return Finding(
        "page-missing",
        path,
        "日志要求发布的页面不存在",
        "a page the log implies is not published",
    )


def _unexpected(path: str) -> Finding:
    return Finding(
        "page-unexpected",
        path,
        "发布了日志推不出的文件",
        "a published file that the log does not imply",
    )


def _differs(path: str, want: bytes, found: bytes) -> Finding:
    return Finding(
        "page-differs",
        path,
        "已发布的页面与从日志重新生成的不同",
        "the published page differs from the one re-derived from the log",
        evidence=first_difference(want, found),
    )


def first_difference(expected: bytes, found: bytes) -> dict[str, str]:
    """The first line where two files differ: its number and both versions, clipped."""
    pairs = zip_longest(expected.split(b"\n"), found.split(b"\n"))
    for number, (want, got) in enumerate(pairs, start=1):
        if want == got:
            continue
        want_text = None if want is None else want.decode("utf-8", errors="replace")
        got_text = None if got is None else got.decode("utf-8", errors="replace")
        column = _common_prefix(want_text or "", got_text or "")
        return {
            "line": str(number),
            "column": str(column + 1),
            "expected": _clip(want_text, column),
            "found": _clip(got_text, column),
        }
    return {"line": "—", "expected": "", "found": ""}  # unreachable: bytes differ


def _common_prefix(a: str, b: str) -> int:
    length = min(len(a), len(b))
    for position in range(length):
        if a[position] != b[position]:
            return position
    return length


def _clip(line: str | None, column: int) -> str:
    if line is None:
        return "（文件结束 / end of file）"
    start = max(0, column - _CONTEXT)
    text = line[start : start + _CLIP]
    return ("…" if start else "") + text + ("…" if start + _CLIP < len(line) else "")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ============================================================== site files
def _local_folder(site: Path | str) -> Path | None:
    if isinstance(site, Path):
        return site
    if site.startswith(("http://", "https://")):
        return None
    return Path(site)


def _is_log_file(path: str, projects: set[str] | None) -> bool:
    """Whether ``path`` is a log file the page audit leaves to the log audit.

    Files under ``registry/log/`` and ``p/<project>/log/`` of a registered project
    (any project when ``projects`` is None), except the policy, which is compared.
    """
    parts = path.split("/")
    if path.startswith(REGISTRY_LOG_DIR + "/"):
        return parts[2:] != [POLICY_FILE]
    in_project_log = len(parts) > 3 and parts[0] == "p" and parts[2] == "log"
    if in_project_log and (projects is None or parts[1] in projects):
        return parts[3:] != [POLICY_FILE]
    return False


def _list_site(root: Path, projects: set[str] | None) -> list[str]:
    """Every file of a site folder the page audit compares (log files pruned)."""
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root):
        relative = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        for name in files:
            path = prefix + name
            if not _is_log_file(path, projects):
                found.append(path)
        kept = []
        for name in sorted(subdirectories):
            inside = f"{prefix}{name}/"
            if _is_log_file(inside + "x", projects):
                # Only the policy is compared in a log's folder: do not walk its
                # tiles and proofs (a million files in a big log).
                policy = inside + POLICY_FILE
                if (root / policy).is_file() and not _is_log_file(policy, projects):
                    found.append(policy)
                continue
            kept.append(name)
        subdirectories[:] = kept
    return sorted(found)


class _LinkParser(HTMLParser):
    """The ``href`` and ``src`` targets of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _site_links(page: str, data: bytes) -> set[str]:
    """The site-relative paths a page links to (other sites and anchors left out)."""
    parser = _LinkParser()
    parser.feed(data.decode("utf-8", errors="replace"))
    parser.close()
    found: set[str] = set()
    for link in parser.links:
        split = urllib.parse.urlsplit(link)
        if split.scheme or split.netloc or not split.path:
            continue
        if split.path.startswith("/"):
            continue  # host-absolute: the site may not be at the host's root
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname(page), urllib.parse.unquote(split.path))
        )
        if target != ".." and not target.startswith("../") and target != ".":
            found.add(target)
    return found


def _crawl(
    reader: Fetch,
    start: Iterable[str],
    projects: set[str] | None = None,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
) -> set[str]:
    """The published files reachable by links from ``start`` (themselves included).

    Log files are not followed; files in ``skip`` are known and not read again.
    """
    found: set[str] = set()
    queue = list(start)
    seen = set(queue)
    while queue:
        path = queue.pop()
        try:
            data = reader(path)
        except PublishedFileNotFoundError:
            continue
        found.add(path)
        if not path.endswith(".html"):
            continue
        for target in sorted(_site_links(path, data)):
            if target in seen or target in skip or _is_log_file(target, projects):
                continue
            seen.add(target)
            queue.append(target)
    return found


class _TotalsParser(HTMLParser):
    """Collects ``(key, data-fen, label, shown text)`` of each ``<dd data-key>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.totals: list[tuple[str, str | None, str, str]] = []
        self._label: list[str] | None = None
        self._last_label = ""
        self._figure: tuple[str, str | None, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "dt":
            self._label = []
        elif tag == "dd" and values.get("data-key") is not None:
            self._figure = (str(values["data-key"]), values.get("data-fen"), [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "dt" and self._label is not None:
            self._last_label = "".join(self._label).strip()
            self._label = None
        elif tag == "dd" and self._figure is not None:
            key, fen, text = self._figure
            self.totals.append((key, fen, self._last_label, "".join(text).strip()))
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)
        if self._figure is not None:
            self._figure[2].append(data)


# ============================================================== boards
def _fold(source: PublishSource, origin: str) -> ProjectBoard:
    """A project's board folded from its log (as :func:`publish_site` folds it)."""
    return ProjectBoard.from_entries(
        origin,
        (
            BoardEntry.from_leaf(origin, e.index, e.leaf, e.leaf_hash, e.firm)
            for e in source.list_entries(origin)
        ),
    )


def _boards(source: PublishSource) -> dict[str, ProjectBoard]:
    registry = source.get_registry()
    origins = [source.project_origin(pid) for pid in sorted(registry.projects)]
    return {origin: _fold(source, origin) for origin in origins}
