"""check_pages: every published page re-derived from the published log, byte for byte.

A clean demo site gives no finding, from its folder and over http from localhost.
Each kind of tampering with a page gives exactly the findings it should, naming the
right file: a flipped byte, a changed figure (its ``data-fen`` and the ¥ text shown),
a deleted page, an added page, altered CSS, an altered trust policy. A log that
cannot be read back gives one ``pages-not-derived`` finding naming the file. Leaves
compressed by another zlib (the same data, other bytes) are not a difference; other
leaves are.
"""

from __future__ import annotations

import base64
import json
import shutil
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from domain.findings import Finding
from domain.tiles import entries_path
from publish.audit_pages import (
    _EMBEDDED,
    audit_pages,
    check_pages,
    first_difference,
    same_but_compressed_otherwise,
)
from publish.published_log import folder_fetch
from publish.render import script_json
from tests.audit_pages.conftest import Demo

PROJECT = "p/jinjiang-hemingyuan"
STATEMENT = f"{PROJECT}/t/common-revenue/2025-Q1.html"
FIGURE = 'data-key="gross_fen" data-fen="9389870">¥93,898.70<'
DESK_MONTH = f"{PROJECT}/desk/finance/2025-03.html"
POLICY = f"{PROJECT}/log/policy.txt"


def found(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(finding.code, finding.subject) for finding in findings}


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# ---------------------------------------------------------------- clean sites
def test_the_demo_site_audits_clean_from_its_folder(demo: Demo) -> None:
    audit = audit_pages(demo.site)
    assert audit.findings == []
    # Every page, asset and policy was compared: 3 policies, 1 stylesheet and more
    # than a hundred pages.
    assert audit.pages_checked > 100
    assert len(audit.totals) == len(audit.published_totals) > 50


def test_the_demo_site_audits_clean_over_http(demo_url: str) -> None:
    assert check_pages(demo_url) == []


def test_a_fetch_function_reads_the_site(demo: Demo) -> None:
    read: list[str] = []
    fetch = folder_fetch(demo.site)

    def counting(path: str) -> bytes:
        read.append(path)
        return fetch(path)

    assert check_pages(demo.site, fetch=counting) == []
    assert STATEMENT in read
    assert "static/site.css" in read


# ---------------------------------------------------------------- tampering
def _flip_a_byte(site: Path) -> None:
    page = site / STATEMENT
    data = bytearray(page.read_bytes())
    data[data.index(b"<h1>") + 1] ^= 0x01  # <h1> becomes <i1>
    page.write_bytes(bytes(data))


def _change_a_figure(site: Path) -> None:
    replace_text(
        site / STATEMENT,
        FIGURE,
        'data-key="gross_fen" data-fen="9399870">¥93,998.70<',
    )


def _change_the_shown_figure_only(site: Path) -> None:
    replace_text(
        site / STATEMENT,
        FIGURE,
        'data-key="gross_fen" data-fen="9389870">¥93,998.70<',
    )


def _delete_a_page(site: Path) -> None:
    (site / DESK_MONTH).unlink()


def _add_a_page(site: Path) -> None:
    shutil.copy(site / STATEMENT, site / f"{PROJECT}/t/common-revenue/2024-Q4.html")


def _add_a_project(site: Path) -> None:
    (site / "p/nowhere/log").mkdir(parents=True)
    (site / "p/nowhere/log/policy.txt").write_text("quorum none\n")


def _alter_the_css(site: Path) -> None:
    with (site / "static/site.css").open("a", encoding="utf-8") as css:
        css.write("dd[data-key] { visibility: hidden; }\n")


def _alter_the_policy(site: Path) -> None:
    with (site / POLICY).open("a", encoding="utf-8") as policy:
        policy.write("# 无见证人 / no witness\n")


MUTATIONS: dict[str, tuple[Callable[[Path], None], set[tuple[str, str]]]] = {
    "flip a byte": (_flip_a_byte, {("page-differs", STATEMENT)}),
    "change a figure": (
        _change_a_figure,
        {("page-differs", STATEMENT), ("statement-total", f"{STATEMENT}#gross_fen")},
    ),
    "change only the shown figure": (
        _change_the_shown_figure_only,
        {("page-differs", STATEMENT), ("statement-total", f"{STATEMENT}#gross_fen")},
    ),
    "delete a page": (_delete_a_page, {("page-missing", DESK_MONTH)}),
    "add a page": (
        _add_a_page,
        {("page-unexpected", f"{PROJECT}/t/common-revenue/2024-Q4.html")},
    ),
    "add a project's files": (
        _add_a_project,
        {("page-unexpected", "p/nowhere/log/policy.txt")},
    ),
    "alter the CSS": (_alter_the_css, {("page-differs", "static/site.css")}),
    "alter the policy": (_alter_the_policy, {("page-differs", POLICY)}),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_tampered_page_is_found_with_its_subject(
    site_copy: Path, name: str
) -> None:
    mutate, expected = MUTATIONS[name]
    mutate(site_copy)
    assert found(check_pages(site_copy)) == expected


def test_a_changed_figure_carries_its_evidence(site_copy: Path) -> None:
    _change_a_figure(site_copy)
    findings = {f.code: f for f in check_pages(site_copy)}
    differs = findings["page-differs"]
    lines = (site_copy / STATEMENT).read_text(encoding="utf-8").split("\n")
    number = next(n for n, line in enumerate(lines, 1) if "gross_fen" in line)
    assert differs.evidence["line"] == str(number)
    assert "9389870" in differs.evidence["expected"]
    assert "9399870" in differs.evidence["found"]
    assert len(differs.evidence["expected"]) <= 102
    total = findings["statement-total"]
    assert total.evidence == {
        "expected_fen": "9389870",
        "expected_shown": "¥93,898.70",
        "found_fen": "9399870",
        "found_shown": "¥93,998.70",
    }
    assert total.severity == "error"
    assert "gross_fen" in total.message_en
    assert "gross_fen" in total.message_zh


def test_tampering_is_found_over_http(
    site_copy: Path, serve: Callable[[Path], AbstractContextManager[str]]
) -> None:
    # A changed figure, a deleted page, and an added page the changed page links to.
    _change_a_figure(site_copy)
    _delete_a_page(site_copy)
    _add_a_page(site_copy)
    replace_text(
        site_copy / STATEMENT,
        "</article>",
        '<a href="2024-Q4.html">上一季度</a></article>',
    )
    with serve(site_copy) as url:
        findings = check_pages(url)
    assert found(findings) == {
        ("page-differs", STATEMENT),
        ("statement-total", f"{STATEMENT}#gross_fen"),
        ("page-missing", DESK_MONTH),
        ("page-unexpected", f"{PROJECT}/t/common-revenue/2024-Q4.html"),
    }


def test_a_log_that_cannot_be_read_back_derives_no_page(site_copy: Path) -> None:
    bundle = f"{PROJECT}/log/{entries_path(0)}"
    data = bytearray((site_copy / bundle).read_bytes())
    data[40] ^= 0x01
    (site_copy / bundle).write_bytes(bytes(data))
    audit = audit_pages(site_copy)
    assert found(audit.findings) == {("pages-not-derived", bundle)}
    assert "leaf 0" in audit.findings[0].evidence["error"]
    assert audit.pages_checked == 0


# ---------------------------------------------------------------- evidence
def test_the_first_difference_is_clipped_around_the_change() -> None:
    expected = b"same\n" + b"x" * 200 + b"A" + b"y" * 200 + b"\nend\n"
    found_ = b"same\n" + b"x" * 200 + b"B" + b"y" * 200 + b"\nend\n"
    evidence = first_difference(expected, found_)
    assert evidence["line"] == "2"
    assert evidence["column"] == "201"
    assert evidence["expected"].startswith("…" + "x" * 30 + "A")
    assert evidence["found"].startswith("…" + "x" * 30 + "B")
    assert evidence["expected"].endswith("…")
    assert len(evidence["found"]) == 102


def test_the_first_difference_of_a_truncated_file_says_so() -> None:
    evidence = first_difference("一\n二\n三\n".encode(), "一\n二\n".encode())
    assert evidence["line"] == "3"
    assert evidence["expected"] == "三"
    assert evidence["found"] == ""
    evidence = first_difference(b"a\n", b"a\nb\n")
    assert evidence["line"] == "2"
    assert evidence["expected"] == ""
    assert evidence["found"] == "b"


# ------------------------------------------------- another zlib, the same leaves
def _recompress_leaves(site: Path, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the statement page's embedded leaves: decompress, change, recompress
    at another level (as another zlib build might)."""
    page = site / STATEMENT
    data = page.read_bytes()
    match = _EMBEDDED.search(data)
    assert match is not None
    embedded = json.loads(match.group(2))
    original = base64.b64decode(embedded["leaves"])
    other = zlib.compress(change(zlib.decompress(original)), 1)
    assert other != original
    embedded["leaves"] = base64.b64encode(other).decode("ascii")
    new = str(script_json(embedded)).encode("ascii")
    page.write_bytes(data[: match.start(2)] + new + data[match.end(2) :])


def test_leaves_compressed_by_another_zlib_are_not_a_difference(
    site_copy: Path,
) -> None:
    _recompress_leaves(site_copy, lambda leaves: leaves)
    assert check_pages(site_copy) == []


def test_other_leaves_compressed_otherwise_still_differ(site_copy: Path) -> None:
    _recompress_leaves(site_copy, lambda leaves: leaves[:-1] + b"x")
    assert found(check_pages(site_copy)) == {("page-differs", STATEMENT)}


def test_only_the_embedded_data_may_be_compressed_otherwise() -> None:
    page = b'<p>1</p><script type="application/json" id="shuangshai-entries">{"a":1}</script>'
    assert same_but_compressed_otherwise(page, page.replace(b'{"a":1}', b'{ "a": 1 }'))
    assert not same_but_compressed_otherwise(page, page.replace(b"<p>1", b"<p>2"))
    assert not same_but_compressed_otherwise(page, page.replace(b'"a":1', b'"a":2'))
    assert not same_but_compressed_otherwise(page, page.replace(b"{", b"["))
    bad = b'<script type="application/json" id="shuangshai-entries">{"leaves":"AAAA"}</script>'
    assert not same_but_compressed_otherwise(bad, bad.replace(b"AAAA", b"AAAB"))
