"""Real-browser fixtures: Debian's Chromium driven by Playwright, one per session.

The browser is ``/usr/bin/chromium`` (installed by ``.ci/run`` with apt-get;
``playwright install`` cannot download browsers here), run headless with the flags
root needs. Sites are served by a stdlib HTTP server on 127.0.0.1 (a fresh port per
site) and also opened from ``file://``.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from api.demo_command import run_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y "
            "chromium), as .ci/run does"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (its own localStorage) for one test."""
    made = browser.new_context()
    yield made
    made.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@dataclass
class Served:
    """A folder served over http on 127.0.0.1."""

    root: Path
    url: str

    def http(self, relative: str) -> str:
        return f"{self.url}/{relative}"

    def file(self, relative: str) -> str:
        return (self.root / relative).as_uri()


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[Path], Served]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path) -> Served:
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return Served(root, f"http://127.0.0.1:{server.server_address[1]}")

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published demo site, built once per session."""
    return run_demo(tmp_path_factory.mktemp("browser-demo") / "demo").out_dir


@dataclass(frozen=True)
class Verdict:
    state: str  # verified, failed, unsupported
    reasons: list[str]
    ms: float
    text: str  # what is shown (details closed)
    everything: str  # with the details


def open_verdict(page: Page, url: str) -> Verdict:
    """Load ``url`` and wait for verify.js's verdict."""
    page.goto(url)
    return wait_verdict(page)


def wait_verdict(page: Page) -> Verdict:
    page.wait_for_function(
        "window.shuangshaiVerification !== undefined", timeout=30_000
    )
    result = page.evaluate("window.shuangshaiVerification")
    return Verdict(
        result["state"],
        list(result["reasons"]),
        float(result["ms"]),
        page.inner_text("#shuangshai-verdict"),
        page.evaluate("document.getElementById('shuangshai-verdict').textContent"),
    )


def copy_site(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target


# --------------------------------------------------------- embedded page data
MARKER = '<script type="application/json" id="shuangshai-entries">'


def read_embedded(page: Path) -> dict[str, Any]:
    html = page.read_text(encoding="utf-8")
    value: dict[str, Any] = json.loads(html.split(MARKER)[1].split("</script>")[0])
    return value


def write_embedded(page: Path, data: dict[str, Any]) -> None:
    from publish.render import script_json

    html = page.read_text(encoding="utf-8")
    before, rest = html.split(MARKER)
    after = rest.split("</script>", 1)[1]
    page.write_text(
        before + MARKER + str(script_json(data)) + "</script>" + after,
        encoding="utf-8",
    )


def flip_byte(path: Path, offset: int) -> None:
    """Flip the low bit of one byte of a published file."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
