"""The published site: deterministic, incremental, and escaped."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from publish.render import script_json, yuan
from publish.site import publish_site
from tests.builders import PROJECT_ORIGIN, World, make_world, revenue_body

#: Strings that would do harm if any page let them through unescaped.
XSS_CORPUS = (
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "javascript:alert(document.cookie)",
    "</script><script>alert(2)</script>",
    "line\u2028separator\u2029paragraph",
    "{{ 7*7 }} {% raw %}",
)


@pytest.fixture
def world() -> Iterator[World]:
    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield world
    world.ledger.close()


def tree_digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def post_some(world: World, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        world.post("CommonRevenueRecorded", revenue_body(1000 + i))


def test_money_is_shown_in_yuan_with_two_decimals_and_separators() -> None:
    assert yuan(123456) == "¥1,234.56"
    assert yuan(5) == "¥0.05"
    assert yuan(-100) == "-¥1.00"
    assert yuan(123456789012) == "¥1,234,567,890.12"


def test_the_same_log_state_publishes_byte_identical_files(
    world: World, tmp_path: Path
) -> None:
    post_some(world, 5)
    publish_site(world.ledger, tmp_path / "a")
    publish_site(world.ledger, tmp_path / "b")
    publish_site(world.ledger, tmp_path / "a", full=True)  # rebuilding in place too

    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_one_new_entry_rewrites_only_the_files_it_affects(
    world: World, tmp_path: Path
) -> None:
    post_some(world, 5)
    world.post(
        "NoticePosted",
        {
            "title": "停水通知",
            "content": "3 月 5 日 9:00–12:00 停水。",
            "category": "outage",
            "valid_from": "2026-03-01",
        },
    )
    publish_site(world.ledger, tmp_path / "site")
    world.post("CommonRevenueRecorded", revenue_body(77))

    report = publish_site(world.ledger, tmp_path / "site")

    written = set(report.written)
    base = "p/jinjiang-hemei"
    assert f"{base}/t/common-revenue/2026-Q1.html" in written
    assert f"{base}/desk/finance.html" in written
    assert f"{base}/log/checkpoint" in written
    assert f"{base}/log/proofs/6.tlog-proof" in written
    # Nothing about the registry, the notices, or other desk categories changed.
    assert not any(path.startswith("registry/") for path in written)
    assert f"{base}/desk/work-records.html" not in written
    assert f"{base}/log/proofs/5.tlog-proof" not in written
    assert len(written) < 15
    # And the result is exactly what a full publish gives.
    publish_site(world.ledger, tmp_path / "full", full=True)
    assert tree_digest(tmp_path / "site") == tree_digest(tmp_path / "full")


class _Elements(HTMLParser):
    """Collects every element and attribute a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def test_text_fields_full_of_markup_appear_as_text_on_every_page(
    world: World, tmp_path: Path
) -> None:
    for number, attack in enumerate(XSS_CORPUS):
        receipt = world.post(
            "CommonRevenueRecorded", revenue_body(100 + number) | {"note": attack}
        )
        world.post(
            "NoticePosted",
            {
                "title": attack,
                "content": attack,
                "category": "general",
                "valid_from": "2026-03-01",
            },
        )
        world.post(
            "EntryReversed",
            {
                "target": {
                    "index": receipt.index,
                    "leaf_hash": receipt.leaf_hash.hex(),
                },
                "reason": attack,
            },
        )
    publish_site(world.ledger, tmp_path)

    pages = sorted(tmp_path.rglob("*.html"))
    shown = ""
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parsed = parse(html)
        for tag, attrs in parsed.elements:
            assert tag not in {"img", "iframe", "object", "embed"}, page
            for name, value in attrs.items():
                assert not name.startswith("on"), (page, name)
                if name in {"href", "src"} and value is not None:
                    assert not value.lower().startswith("javascript:"), (page, value)
            if tag == "script":  # data, or the site's own verification scripts
                assert attrs.get("type") == "application/json" or (
                    attrs.get("src") or ""
                ).endswith(("static/verify.js", "static/verify-page.js")), page
        assert "<script>alert" not in html
        if 'id="shuangshai-entries">' in html:
            block = html.split('id="shuangshai-entries">')[1].split("</script>")[0]
            assert "\u2028" not in block
        shown += "".join(parsed.text)
    # The attacks are there, as text people can read.
    assert "<script>alert('xss')</script>" in shown
    assert "javascript:alert(document.cookie)" in shown


def test_embedded_script_data_cannot_close_its_script_element() -> None:
    value: dict[str, Any] = {"a": "</script><script>alert(1)</script>", "b": "\u2028&"}
    text = str(script_json(value))
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "\u2028" not in text


def test_the_board_has_eight_columns_and_the_desk_five_categories(
    world: World, tmp_path: Path
) -> None:
    post_some(world, 2)
    publish_site(world.ledger, tmp_path)
    board = (tmp_path / "p/jinjiang-hemei/index.html").read_text(encoding="utf-8")
    parsed = parse(board)
    columns = [
        a.get("id")
        for t, a in parsed.elements
        if t == "section" and a.get("class") == "column"
    ]
    assert columns == [
        "income-expenditure",
        "staff",
        "contract-performance",
        "facilities",
        "fees-and-services",
        "pledges",
        "supervision",
        "notices",
    ]
    desk = [
        a.get("href")
        for t, a in parsed.elements
        if t == "a" and (a.get("href") or "").startswith("desk/")
    ]
    assert len(desk) == 5
    for href in desk:
        assert href is not None
        assert (tmp_path / "p/jinjiang-hemei" / href).is_file()
    assert PROJECT_ORIGIN in board


def test_a_first_publish_that_fails_midway_leaves_no_checkpoint_without_its_files(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log files of a first publish are written by a child process and moved
    into place at the end; each log's ``checkpoint`` (what the next publish reads
    to know what is complete) is written only after that."""
    import publish.site as site

    post_some(world, 4)

    def fail(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the pages failed")

    monkeypatch.setattr(site, "_write_project", fail)
    with pytest.raises(RuntimeError, match="the pages failed"):
        publish_site(world.ledger, tmp_path / "site")
    monkeypatch.undo()

    left = [
        p.relative_to(tmp_path / "site").as_posix()
        for p in (tmp_path / "site").rglob("*")
    ]
    assert not [path for path in left if path.endswith("/checkpoint")]
    assert not [path for path in left if "/proofs/" in path or "/checkpoints/" in path]

    publish_site(world.ledger, tmp_path / "site")  # then an ordinary publish
    publish_site(world.ledger, tmp_path / "fresh", full=True)
    assert tree_digest(tmp_path / "site") == tree_digest(tmp_path / "fresh")
