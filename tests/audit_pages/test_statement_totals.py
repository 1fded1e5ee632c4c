"""The report's figures: statement totals parsed from the pages equal the log's.

``statement_totals`` reads every ``<dd data-key data-fen>`` of the published
statement pages (``docs/formats.md`` §8); ``recompute_statement_totals`` computes
them with ``domain.statements`` from the log. On the demo they must be the same
figures, whether the log is the ledger itself or the published log files, and
whether the pages are read from the folder or over http.
"""

from __future__ import annotations

from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard
from domain.statements import build_statements
from publish.audit_pages import (
    StatementTotal,
    audit_pages,
    parse_statement_totals,
    recompute_statement_totals,
    statement_totals,
)
from publish.published_log import PublishedInstance
from publish.render import yuan
from tests.audit_pages.conftest import Demo


def builder_totals(ledger: LedgerApplication) -> dict[tuple[str, str], int]:
    """(page path, key) -> fen, straight from build_statements over the ledger."""
    registry = ledger.get_registry()
    totals: dict[tuple[str, str], int] = {}
    for project_id, project in registry.projects.items():
        origin = ledger.project_origin(project_id)
        board = ProjectBoard.from_entries(
            origin,
            (
                BoardEntry.from_leaf(origin, e.index, e.leaf, e.leaf_hash, e.firm)
                for e in ledger.list_entries(origin)
            ),
        )
        for statement in build_statements(
            board, project=project, contract=registry.latest_contract(project_id)
        ):
            for total in statement.totals:
                path = f"p/{project_id}/t/{statement.slug}.html"
                totals[(path, total.key)] = total.fen
    return totals


def test_totals_parsed_from_the_pages_equal_the_statement_builders(
    demo: Demo, ledger: LedgerApplication
) -> None:
    parsed = statement_totals(demo.site)
    expected = builder_totals(ledger)
    assert {(t.path, t.key): t.fen for t in parsed} == expected
    assert len(parsed) == len(expected) > 50
    # Every template with money shows its figures; the text is the figure in yuan.
    assert {t.template for t in parsed} == {
        "common-revenue",
        "commission-fund",
        "commission-budget",
        "lump-sum-spending",
        "shared-utilities",
        "maintenance-fund",
    }
    for total in parsed:
        assert total.shown == yuan(total.fen or 0)
        assert total.label


def test_totals_recomputed_from_the_published_log_equal_the_ledgers(
    demo: Demo, ledger: LedgerApplication
) -> None:
    from_files = recompute_statement_totals(PublishedInstance(demo.site))
    assert from_files == recompute_statement_totals(ledger)
    assert from_files == statement_totals(demo.site)
    assert audit_pages(demo.site).totals == from_files


def test_totals_over_http_equal_those_in_the_folder(demo: Demo, demo_url: str) -> None:
    assert statement_totals(demo_url) == statement_totals(demo.site)


def test_a_page_figure_that_is_not_an_integer_is_read_as_none() -> None:
    page = (
        '<dl class="totals"><div><dt>合计</dt>'
        '<dd data-key="used_fen" data-fen="12.5">¥0.13</dd></div></dl>'
        '<dd data-key="outside_fen" data-fen="1">¥0.01</dd>'
    ).encode()
    assert parse_statement_totals("p/x/t/maintenance-fund/2025.html", page) == [
        StatementTotal(
            "p/x/t/maintenance-fund/2025.html",
            "x",
            "maintenance-fund",
            "2025",
            "used_fen",
            "合计",
            None,
            "¥0.13",
        )
    ]
