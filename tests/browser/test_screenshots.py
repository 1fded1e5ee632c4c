"""The demo site in a real browser: a 375-px phone, and print on A4 and A3 (issue 4).

Debian's Chromium (``/usr/bin/chromium``) runs headless through Playwright, opening
the published demo site from ``file://`` (no server: the site must work offline).
Artifacts a person can look at — PNG screenshots at 375 px, the print PDFs and their
pages as PNG (``pdftoppm``, poppler-utils) — go to ``$SHUANGSHAI_ARTIFACTS`` (default
``<repo>/artifacts/``, git-ignored). The PDFs' page sizes are read back with
``pdfinfo`` and their text with ``pdftotext``, so the print header is checked in the
printed page itself, not only in the HTML.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.demo_command import run_demo

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
BASE_URL = "https://wuye.example.org/"
PROJECT = "jinjiang-hemingyuan"
BOARD = f"p/{PROJECT}/index.html"
DESK = f"p/{PROJECT}/desk/finance.html"
STATEMENT = f"p/{PROJECT}/t/commission-fund/2025-Q3.html"
WIDE_STATEMENT = f"p/{PROJECT}/t/onsite-work/2025-06.html"  # the 9-column register
COLUMN_NAMES = (
    "收支公开",
    "人员信息",
    "履约服务",
    "设施管理",
    "服务收费",
    "实事亮牌",
    "监督评价",
    "通知公告",
)
#: PDF page sizes in points (1/72 in), as pdfinfo prints them.
A4_PORTRAIT = (595.92, 842.88)
A3_LANDSCAPE = (1191.12, 842.88)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("SHUANGSHAI_ARTIFACTS") or REPO / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "demo"
    return run_demo(folder, base_url=BASE_URL).out_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), (
        f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def open_page(page: Page, site: Path, relative: str) -> None:
    page.goto((site / relative).as_uri())


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool (pdfinfo, pdftotext, pdftoppm); its stdout."""
    assert shutil.which(tool), f"{tool} is missing: apt-get install poppler-utils"
    return subprocess.run(
        [tool, *args], check=True, capture_output=True, text=True, timeout=120
    ).stdout


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = poppler("pdfinfo", "-f", "1", "-l", "999", str(pdf))
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    ]


def to_png(pdf: Path, artifacts: Path) -> list[Path]:
    """Every page of ``pdf`` as a PNG beside it (``<name>-<n>.png``)."""
    prefix = artifacts / pdf.stem
    for old in artifacts.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    poppler("pdftoppm", "-png", "-r", "72", str(pdf), str(prefix))
    pngs = sorted(artifacts.glob(f"{pdf.stem}-*.png"))
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return pngs


def print_head(page: Page) -> dict[str, str]:
    """The print header's fields as the browser renders them (innerText)."""
    fields: dict[str, str] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(
             '.print-head [data-field]')].map(e => [e.dataset.field, e.innerText]))"""
    )
    return fields


# ===================================================================== phone
@pytest.mark.parametrize(
    "relative",
    [BOARD, DESK, STATEMENT, WIDE_STATEMENT, "index.html", "registry/index.html"],
)
def test_pages_fit_a_375px_phone_without_sideways_scrolling(
    phone: Page, site: Path, relative: str
) -> None:
    open_page(phone, site, relative)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # Wide tables scroll inside their own box instead of the page.
    overflowing = phone.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && r.right > 375.5 && !e.closest('.scroll');
           }).map(e => e.tagName + '.' + e.className)"""
    )
    assert overflowing == []


@pytest.mark.parametrize("relative", [BOARD, DESK, STATEMENT])
def test_tap_targets_are_at_least_40px_high(
    phone: Page, site: Path, relative: str
) -> None:
    open_page(phone, site, relative)
    small = phone.evaluate(
        """() => [...document.querySelectorAll(
              'header.site a, ul.periods a, ul.desk a, ul.projects a, td.ref a,' +
              ' details.chart-data summary')]
            .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 40)"""
    )
    assert small == []
    count = phone.evaluate(
        "document.querySelectorAll('ul.periods a, ul.desk a, td.ref a').length"
    )
    assert count > 5


def test_board_and_statement_screenshots_at_375px(
    phone: Page, site: Path, artifacts: Path
) -> None:
    for relative, name in ((BOARD, "board-375.png"), (STATEMENT, "statement-375.png")):
        open_page(phone, site, relative)
        phone.screenshot(path=str(artifacts / name), full_page=True)
        data = (artifacts / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        assert width == 375 * 2  # device pixels: nothing widened the page
    # The QR code is for paper: hidden on screen, shown in print.
    assert not phone.locator("figure.qr").is_visible()
    phone.emulate_media(media="print")
    assert phone.locator("figure.qr svg").is_visible()


# ===================================================================== print
def test_a_statement_prints_on_a4_with_its_header_and_qr_code(
    desktop: Page, site: Path, artifacts: Path
) -> None:
    open_page(desktop, site, STATEMENT)
    fields = print_head(desktop)
    assert set(fields) == {"period", "firm", "position", "published"}
    desktop.emulate_media(media="print")
    # In print: the header and QR show, the site's navigation does not.
    assert desktop.locator(".print-head").is_visible()
    assert desktop.locator("figure.qr svg").is_visible()
    charts = desktop.locator("svg.chart")
    assert charts.count() == 2  # by month, by cost category: both print
    for index in range(charts.count()):
        assert charts.nth(index).is_visible()
    assert not desktop.locator("header.site").is_visible()
    assert not desktop.locator("footer.site").is_visible()
    qr_mm = desktop.evaluate(
        "document.querySelector('figure.qr svg').getBoundingClientRect().width"
    ) * (25.4 / 96)
    assert 25 <= qr_mm <= 40  # large enough for a phone camera at arm's length
    desktop.screenshot(
        path=str(artifacts / "statement-print-media.png"), full_page=True
    )

    pdf = artifacts / "statement-a4.pdf"
    desktop.pdf(path=str(pdf), format="A4", print_background=True)
    sizes = page_sizes(pdf)
    assert sizes
    assert set(sizes) == {A4_PORTRAIT}
    assert len(to_png(pdf, artifacts)) == len(sizes)
    first_page = " ".join(
        poppler("pdftotext", "-f", "1", "-l", "1", str(pdf), "-").split()
    )
    for name in ("period", "firm", "published"):
        value = " ".join(fields[name].split("\n")[-1].split())
        assert value.removeprefix("：") in first_page, (name, value)
    assert "demo.shuangshai.example/p/jinjiang-hemingyuan" in first_page
    assert re.search(r"第 \d+–\d+ 条", first_page)
    assert "已签名检查点大小" in first_page
    for number in range(1, len(sizes) + 1):  # each sheet: 第 n 页 / 共 m 页
        sheet = poppler(
            "pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"
        )
        assert re.search(rf"第\s*{number}\s*页\s*/\s*共\s*{len(sizes)}\s*页", sheet)


def test_the_board_prints_on_one_a3_landscape_sheet_and_on_a4(
    desktop: Page, site: Path, artifacts: Path
) -> None:
    open_page(desktop, site, BOARD)
    fields = print_head(desktop)
    desktop.emulate_media(media="print")
    assert not desktop.locator("header.site").is_visible()

    a3 = artifacts / "board-a3.pdf"
    desktop.pdf(path=str(a3), format="A3", landscape=True, print_background=True)
    assert page_sizes(a3) == [A3_LANDSCAPE]  # the whole 公开栏 on one sheet
    to_png(a3, artifacts)
    text = " ".join(poppler("pdftotext", str(a3), "-").split())
    for column in COLUMN_NAMES:
        assert column in text
    assert (
        " ".join(fields["published"].split("\n")[-1].split()).removeprefix("：") in text
    )
    assert "成都锦绣物业服务有限公司" in text

    a4 = artifacts / "board-a4.pdf"
    desktop.pdf(path=str(a4), format="A4", print_background=True)
    sizes = page_sizes(a4)
    assert set(sizes) == {A4_PORTRAIT}
    assert len(sizes) <= 3
    to_png(a4, artifacts)
    # On a landscape sheet the 8 columns stand 4 abreast, on a portrait one 2 abreast.
    desktop.set_viewport_size({"width": 1497, "height": 1009})
    across = desktop.evaluate(
        """() => new Set([...document.querySelectorAll('.column')]
             .map(c => Math.round(c.getBoundingClientRect().top))).size"""
    )
    assert across == 2
