"""Pages for people (issue 4, part 1): money, charts, QR codes, print headers, offline.

Most checks run on the published demo site (``shuangshai demo``'s estate, built once
for the module) as an owner's browser would get it; the chart and QR functions are
also checked on their own, with hostile text and empty data.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
import segno

from api.cli import main
from api.demo_command import run_demo
from api.instance import open_instance
from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard
from domain.errors import ConfigurationError
from domain.statements import Statement, build_statements
from publish.charts import (
    WIDTH,
    Chart,
    Group,
    Series,
    chart_svg,
    statement_charts,
)
from publish.qr import qr_matrix_from_svg, qr_svg
from publish.render import yuan
from publish.site import BASE_URL_FILE, check_base_url, publish_site
from tests.builders import World, make_world, revenue_body

BASE_URL = "https://wuye.example.org/chengdu/"
HEMINGYUAN = "jinjiang-hemingyuan"
DONGLI = "jinjiang-dongli"

#: For each template with money flows: chart key -> statement totals per series.
CHART_TOTALS = {
    "common-revenue": {
        "monthly": ("gross_fen", "costs_fen"),
        "owner-share": ("owner_share_allocated_fen",),
    },
    "commission-fund": {
        "monthly": ("collected_fen", "spent_fen", "remuneration_fen"),
        "categories": ("spent_fen",),
    },
    "lump-sum-spending": {
        "monthly": ("income_fen", "spending_fen"),
        "categories": ("spending_fen",),
    },
}


# ============================================================== the demo site
@dataclass
class Demo:
    site: Path
    ledger: LedgerApplication
    boards: dict[str, ProjectBoard]

    def statements(self, project_id: str) -> list[Statement]:
        registry = self.ledger.get_registry()
        return build_statements(
            self.boards[project_id],
            project=registry.projects[project_id],
            contract=registry.latest_contract(project_id),
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("people") / "demo"
    report = run_demo(folder, base_url=BASE_URL)
    ledger = open_instance(folder / "instance").open_ledger(
        environ={"SHUANGSHAI_STORE": "sqlite"}
    )
    boards = {}
    for project_id in (HEMINGYUAN, DONGLI):
        origin = ledger.project_origin(project_id)
        boards[project_id] = ProjectBoard.from_entries(
            origin,
            (
                BoardEntry.from_leaf(origin, e.index, e.leaf, e.leaf_hash, e.firm)
                for e in ledger.list_entries(origin)
            ),
        )
    yield Demo(report.out_dir, ledger, boards)
    ledger.close()


class _Page(HTMLParser):
    """Links, resources, print-header fields and inline SVGs of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.fields: dict[str, str] = {}
        self.field_links: dict[str, list[str]] = {}
        self.svgs: list[dict[str, str | None]] = []
        self._field: str | None = None
        self._depth = 0
        self.print_heads = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src", "action", "poster", "srcset", "data"):
            if values.get(name):
                self.urls.append(str(values[name]))
        if tag == "header" and "print-head" in (values.get("class") or ""):
            self.print_heads += 1
        if tag == "svg":
            self.svgs.append(values)
        if tag == "div" and values.get("data-field"):
            self._field = str(values["data-field"])
            self._depth = 0
            self.fields[self._field] = ""
            self.field_links[self._field] = []
        elif self._field is not None:
            if tag == "div":
                self._depth += 1
            if tag == "a" and values.get("href"):
                self.field_links[self._field].append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        if self._field is not None and tag == "div":
            if self._depth == 0:
                self._field = None
            else:
                self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self.fields[self._field] += data


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# ===================================================================== money
@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (99, "¥0.99"),
        (100, "¥1.00"),
        (123456, "¥1,234.56"),
        (100000000, "¥1,000,000.00"),
        (-1, "-¥0.01"),
        (-123456, "-¥1,234.56"),
        (-100000, "-¥1,000.00"),
        (9007199254740993, "¥90,071,992,547,409.93"),  # beyond a double's exactness
    ],
)
def test_money_is_yuan_with_separators_and_an_ascii_minus(fen: int, text: str) -> None:
    assert yuan(fen) == text


@pytest.mark.parametrize("value", [1.5, "100", True, None])
def test_money_must_be_integer_fen(value: object) -> None:
    with pytest.raises(TypeError):
        yuan(value)  # type: ignore[arg-type]


def test_no_page_shows_money_as_raw_fen(demo: Demo) -> None:
    """Every total's visible text is its data-fen in yuan; no "_fen" word leaks."""
    total = re.compile(r'data-fen="(-?\d+)">([^<]*)<')
    checked = 0
    for path in pages(demo.site):
        html = path.read_text(encoding="utf-8")
        for fen, shown in total.findall(html):
            assert shown == yuan(int(fen)), path
            checked += 1
        visible = re.sub(r"<[^>]*>", " ", html.split('id="shuangshai-entries"')[0])
        assert "_fen" not in visible, path
        assert "−¥" not in visible, path  # one minus sign for money: ASCII "-"
    assert checked > 50


# ==================================================================== charts
def test_every_money_statement_has_charts_whose_bars_sum_to_its_totals(
    demo: Demo,
) -> None:
    seen: set[tuple[str, str]] = set()
    for project_id in (HEMINGYUAN, DONGLI):
        board = demo.boards[project_id]
        for statement in demo.statements(project_id):
            charts = {c.key: c for c in statement_charts(board, statement)}
            expected = CHART_TOTALS.get(statement.template, {})
            if not expected:
                assert charts == {}, statement.slug
                continue
            for key, totals in expected.items():
                wanted = [statement.total(t) for t in totals]
                if not any(wanted):
                    assert key not in charts, statement.slug  # nothing to draw
                    continue
                chart = charts[key]
                assert [chart.total(i) for i in range(len(totals))] == wanted, (
                    statement.slug,
                    key,
                )
                seen.add((statement.template, key))
    assert seen == {(t, k) for t, keys in CHART_TOTALS.items() for k in keys}


def test_monthly_chart_has_every_month_of_the_period(demo: Demo) -> None:
    board = demo.boards[HEMINGYUAN]
    statements = {s.slug: s for s in demo.statements(HEMINGYUAN)}
    quarter = statements["commission-fund/2025-Q3"]
    monthly = next(c for c in statement_charts(board, quarter) if c.key == "monthly")
    assert [g.label for g in monthly.groups] == ["2025年7月", "2025年8月", "2025年9月"]
    # The T03 page's own monthly table gives the same figures month by month.
    revenue = statements["common-revenue/2025-Q2"]
    chart = next(c for c in statement_charts(board, revenue) if c.key == "monthly")
    table = next(t for t in revenue.tables if t.title == "按月收支")
    assert [(g.label, *g.values) for g in chart.groups] == [
        (row.cells[0].value, row.cells[1].value, row.cells[2].value)
        for row in table.rows
    ]


def _svg(chart: Chart, element_id: str = "chart-x") -> ET.Element:
    return ET.fromstring(chart_svg(chart, element_id))  # noqa: S314 - our own output


def test_bars_are_proportional_and_labelled_in_yuan() -> None:
    chart = Chart(
        "categories",
        "支出按成本类别",
        "说明",
        (Series("支出", "spending"),),
        (
            Group("清洁卫生", (200_00,)),
            Group("绿化养护", (50_00,)),
            Group("办公", (1,)),
        ),
    )
    root = _svg(chart)
    bars = [r for r in root.iter("rect") if "bar-spending" in (r.get("class") or "")]
    widths = [int(r.get("width", "")) for r in bars]
    # The largest bar spans the room left of its value; ¥0.01 still shows a sliver.
    assert widths == [WIDTH - 8 - 112, (WIDTH - 8 - 112) // 4, 1]
    texts = [t.text for t in root.iter("text") if t.get("class") == "value"]
    assert texts == ["¥200.00", "¥50.00", "¥0.01"]
    assert root.get("role") == "img"
    title = root.find("title")
    desc = root.find("desc")
    assert title is not None
    assert title.get("id") == "chart-x-title"
    assert desc is not None
    assert "清洁卫生：支出 ¥200.00" in (desc.text or "")
    assert root.get("aria-labelledby") == "chart-x-title chart-x-desc"


def test_chart_text_is_escaped() -> None:
    hostile = "<script>alert(1)</script>\"' onload=alert(2) &amp;"
    chart = Chart(
        "owner-share",
        hostile,
        hostile,
        (Series(hostile, "share"),),
        (Group(hostile, (12_345,)),),
    )
    svg = chart_svg(chart, "chart-owner-share")
    root = ET.fromstring(svg)  # noqa: S314 - well-formed: nothing broke out of its text
    assert "<script" not in svg
    assert not [e for e in root.iter() if e.tag == "script"]
    assert [t.text for t in root.iter("text") if t.get("class") == "label"] == [hostile]
    for element in root.iter():
        for name in element.attrib:
            assert not name.startswith("on")
    with pytest.raises(ValueError, match="safe element id"):
        chart_svg(chart, 'x" onload="alert(1)')


def test_a_chart_without_money_says_so_and_pages_leave_it_out(demo: Demo) -> None:
    empty = Chart("monthly", "按月收支", "说明", (Series("收入", "income"),), ())
    root = _svg(empty)
    assert not list(root.iter("rect"))
    assert [t.text for t in root.iter("text")] == ["暂无数据"]
    zeros = Chart(
        "monthly",
        "按月收支",
        "说明",
        (Series("收入", "income"),),
        (Group("1月", (0,)),),
    )
    assert zeros.empty
    assert "暂无数据" in chart_svg(zeros, "chart-z")
    # A statement without money (T01) gets no chart at all.
    statement = next(
        s for s in demo.statements(HEMINGYUAN) if s.template == "project-and-staff"
    )
    assert statement_charts(demo.boards[HEMINGYUAN], statement) == []


def test_charts_are_deterministic_and_on_the_published_page(demo: Demo) -> None:
    board = demo.boards[HEMINGYUAN]
    statement = next(
        s for s in demo.statements(HEMINGYUAN) if s.slug == "common-revenue/2025-Q2"
    )
    first = [chart_svg(c, f"chart-{c.key}") for c in statement_charts(board, statement)]
    again = [chart_svg(c, f"chart-{c.key}") for c in statement_charts(board, statement)]
    assert first == again
    assert len(first) == 2
    html = (demo.site / f"p/{HEMINGYUAN}/t/common-revenue/2025-Q2.html").read_text(
        encoding="utf-8"
    )
    for svg in first:
        assert svg in html
    # Each chart has a table alternative with the same figures.
    assert html.count('<details class="chart-data">') == 2


# ======================================================================== QR
def _matrix(text: str) -> list[list[bool]]:
    code = segno.make(text, error="m", micro=False, boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix_iter(border=4)]


def test_qr_svg_is_deterministic_and_holds_exactly_the_url() -> None:
    url = BASE_URL + "p/x/t/common-revenue/2025-Q1.html"
    svg = qr_svg(url, label="扫码")
    assert svg == qr_svg(url, label="扫码")
    assert qr_matrix_from_svg(svg) == _matrix(url)
    assert qr_matrix_from_svg(svg) != _matrix(url.replace("Q1", "Q2"))
    assert svg.startswith('<svg viewBox="0 0 ')
    assert "<title>扫码</title>" in svg


def test_qr_label_is_escaped_and_empty_text_is_refused() -> None:
    svg = qr_svg("p/a.html", label='"><script>alert(1)</script>')
    assert "<script>" not in svg
    assert 'aria-label="&#34;&gt;&lt;script&gt;' in svg or "&quot;&gt;" in svg
    with pytest.raises(ValueError, match="nothing to encode"):
        qr_svg("", label="x")


def test_every_statement_page_carries_a_qr_code_of_its_own_url(demo: Demo) -> None:
    statements = sorted(demo.site.glob("p/*/t/*/*.html"))
    assert len(statements) > 40
    for path in statements:
        relative = path.relative_to(demo.site).as_posix()
        html = path.read_text(encoding="utf-8")
        found = re.search(r'<figure class="qr">\s*(<svg .*?</svg>)', html, re.S)
        assert found, relative
        assert qr_matrix_from_svg(found.group(1)) == _matrix(BASE_URL + relative)


def test_without_a_base_url_the_qr_holds_the_site_relative_path(
    world: World, tmp_path: Path
) -> None:
    world.post("CommonRevenueRecorded", revenue_body(1500))
    publish_site(world.ledger, tmp_path / "site", base_url="")
    (page,) = (tmp_path / "site").glob("p/*/t/common-revenue/*.html")
    relative = page.relative_to(tmp_path / "site").as_posix()
    found = re.search(r'<figure class="qr">\s*(<svg .*?</svg>)', page.read_text())
    assert found
    assert qr_matrix_from_svg(found.group(1)) == _matrix(relative)
    assert (tmp_path / "site" / BASE_URL_FILE).read_text() == "\n"


# ============================================================= base URL
@pytest.fixture
def world() -> Iterator[World]:
    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield world
    world.ledger.close()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://a.example", "https://a.example/"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
        ("https://a.example/site", "https://a.example/site/"),
        ("", None),
        (None, None),
    ],
)
def test_base_url_is_normalised(given: str | None, kept: str | None) -> None:
    assert check_base_url(given) == kept


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "ftp://a.example/",
        "//a.example/",
        'https://a.example/"><script>',
        "https://a.example/ x",
        "https://a.example/?q=1",
        "https://a.example/#top",
        "https:///path",
        "https://a.example/" + "x" * 300,
    ],
)
def test_a_bad_base_url_is_refused_and_changes_nothing(
    bad: str, world: World, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="--base-url"):
        publish_site(world.ledger, tmp_path / "site", base_url=bad)
    assert not (tmp_path / "site").exists()


def test_cli_refuses_a_bad_base_url_with_exit_code_2_before_touching_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    code = main(
        ["demo", "--dir", str(folder), "--no-serve", "--base-url", "javascript:x"]
    )
    assert code == 2
    assert "--base-url" in capsys.readouterr().err
    assert not folder.exists()


def test_a_new_base_url_rewrites_every_qr_and_matches_a_full_publish(
    world: World, tmp_path: Path
) -> None:
    world.post("CommonRevenueRecorded", revenue_body(1500))
    site = tmp_path / "site"
    publish_site(world.ledger, site, base_url="https://one.example/")
    # Not given again: the previous publish's base URL is kept, nothing is rewritten.
    assert publish_site(world.ledger, site).written == []
    report = publish_site(world.ledger, site, base_url="https://two.example/")
    assert any("/t/common-revenue/" in path for path in report.written)
    assert (site / BASE_URL_FILE).read_text() == "https://two.example/\n"
    publish_site(
        world.ledger, tmp_path / "full", full=True, base_url="https://two.example/"
    )
    for path in sorted(site.rglob("*.html")):
        twin = tmp_path / "full" / path.relative_to(site)
        assert path.read_bytes() == twin.read_bytes(), path


# ===================================================== print header, offline
def test_board_desk_and_statement_pages_carry_the_print_header(demo: Demo) -> None:
    registry = demo.ledger.get_registry()
    checked = 0
    for project_id, board in demo.boards.items():
        firm = registry.firms[registry.latest_contract(project_id).firm].name  # type: ignore[union-attr]
        folder = demo.site / "p" / project_id
        for path in sorted(folder.rglob("*.html")):
            page = read_page(path)
            assert page.print_heads == 1, path
            assert set(page.fields) == {"period", "firm", "position", "published"}
            assert page.fields["period"].strip().removeprefix("公示期间")
            assert firm in page.fields["firm"], path
            position = page.fields["position"]
            assert board.origin in position, path
            checked += 1
            if "本页暂无条目" in position:  # an empty desk category: nothing to locate
                assert "/desk/" in path.as_posix()
                assert not page.field_links["position"]
                continue
            assert re.search(r"第 \d+–\d+ 条", position), path
            assert "已签名检查点大小" in position, path
            (checkpoint,) = page.field_links["position"]
            size = int(checkpoint.rsplit("/", 1)[1])
            assert (path.parent / checkpoint).resolve().is_file(), path
            last = int(re.search(r"第 \d+–(\d+) 条", position).group(1))  # type: ignore[union-attr]
            assert size > last, path  # the named checkpoint includes the page's entries
            assert re.search(
                r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）", page.fields["published"]
            )
    assert checked > 100
    for path in (demo.site / "index.html", demo.site / "registry/index.html"):
        page = read_page(path)
        assert page.print_heads == 1
        assert demo.ledger.registry_origin in page.fields["position"]


def test_a_statement_names_the_first_checkpoint_that_covers_it(demo: Demo) -> None:
    origin = demo.boards[HEMINGYUAN].origin
    sizes = [c.size for c in demo.ledger.list_checkpoints(origin)]
    page = read_page(demo.site / f"p/{HEMINGYUAN}/t/commission-fund/2025-Q3.html")
    last = int(re.search(r"第 \d+–(\d+) 条", page.fields["position"]).group(1))  # type: ignore[union-attr]
    (link,) = page.field_links["position"]
    assert int(link.rsplit("/", 1)[1]) == min(s for s in sizes if s > last)


#: Absolute URLs a published file may hold: the documented base URL (QR targets and
#: ``base-url.txt``). Attachments (``log/blobs/``) are the firms' own signed files,
#: published byte for byte and only ever linked, never loaded by a page.
def _allowed(url: str) -> bool:
    return url.startswith(BASE_URL)


_JSON_BLOCK = re.compile(rb'<script type="application/json"[^>]*>.*?</script>', re.S)


def test_no_published_file_refers_to_anything_outside_the_site(demo: Demo) -> None:
    absolute = re.compile(rb"(?i)(?:https?:)?//[a-z0-9.\-]+[^\s\"'<>)]*")
    scanned = 0
    for path in sorted(demo.site.rglob("*")):
        relative = path.relative_to(demo.site).as_posix()
        if not path.is_file() or (
            relative.startswith("p/") and "/log/blobs/" in relative
        ):
            continue
        data = path.read_bytes()
        if relative.endswith(".html"):
            # A page's embedded verification data is base64 and JSON, where "//" is
            # not a link; it may still name no absolute address.
            for block in _JSON_BLOCK.findall(data):
                assert not re.search(rb"(?i)https?:", block), relative
            data = _JSON_BLOCK.sub(b"", data)
        for match in absolute.finditer(data):
            url = match.group().decode("utf-8", "replace")
            if url.startswith("//") and not relative.endswith((".html", ".css")):
                continue  # "//" inside a log file's base64 is not a link
            assert _allowed(url), f"{relative}: {url}"
        scanned += 1
    assert scanned > 1000
    css = (demo.site / "static/site.css").read_text(encoding="utf-8")
    assert "@import" not in css
    assert "url(" not in css
    assert "@font-face" not in css


def test_every_link_and_resource_is_relative_and_exists_offline(demo: Demo) -> None:
    for path in pages(demo.site):
        page = read_page(path)
        for url in page.urls:
            parts = urlsplit(url)
            assert not parts.scheme, f"{path}: {url}"
            assert not parts.netloc, f"{path}: {url}"
            assert not url.startswith("/"), f"{path}: {url}"
            target = PurePosixPath(unquote(parts.path))
            if not parts.path:
                continue  # a fragment on the same page
            resolved = (path.parent / target).resolve()
            assert resolved.is_file(), f"{path}: {url}"
            assert demo.site.resolve() in resolved.parents, f"{path}: {url}"
