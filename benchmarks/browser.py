"""Browser benchmark: in-page verification time and page weight (issue 4; SPEC §4).

Run from the repository root::

    .venv/bin/python -m benchmarks.browser [--pages N] [--runs N]

It builds the demo site (``api/demo_command.run_demo``: 锦绣和鸣苑's year, 1,750
entries, and 东篱小区) in a temporary folder, then drives Debian's Chromium
(``/usr/bin/chromium``, headless, through Playwright) and prints:

1. **verification time** of the ``--pages`` statement pages that embed the most
   entries: ``static/verify.js`` measures it inside the page with
   ``performance.now()`` around the whole verification (policy, checkpoint and
   cosignatures, registry keys, decompression, batch inclusion proof, every firm
   signature), opened from ``file://`` so that no network time is counted; the
   median and best of ``--runs`` loads, each in a fresh browser profile. Target
   ≤ 50 ms. The same pages over http from localhost are also timed (that adds
   fetching the latest checkpoint and the tiles for the consistency proofs);
2. **page weight** — the HTML plus every stylesheet and script it links (bytes on
   disk, before any compression, attachments excluded) — of each project's board
   and of the heaviest statement page. Target ≤ 150 KB each.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import statistics
import tempfile
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from api.demo_command import run_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
_MARKER = '<script type="application/json" id="shuangshai-entries">'
_LINKED = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def page_weight(page: Path) -> tuple[int, int]:
    """(HTML bytes, HTML + linked CSS and JS bytes) of a published page."""
    html = page.read_text(encoding="utf-8")
    total = size = len(html.encode("utf-8"))
    for href in sorted(set(_LINKED.findall(html))):
        total += (page.parent / href).resolve().stat().st_size
    return size, total


def embedded_entries(page: Path) -> int:
    html = page.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(html.split(_MARKER)[1].split("</script>")[0])
    return len(data["entries"])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _verify_ms(browser: Browser, url: str) -> tuple[str, float]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(
            "window.shuangshaiVerification !== undefined", timeout=60_000
        )
        result = page.evaluate("window.shuangshaiVerification")
        return str(result["state"]), float(result["ms"])
    finally:
        context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5, help="statement pages timed")
    parser.add_argument("--runs", type=int, default=5, help="loads per page")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        site = run_demo(Path(folder) / "demo").out_dir
        statements = sorted(
            site.glob("p/*/t/*/*.html"),
            key=lambda p: (-embedded_entries(p), p.as_posix()),
        )
        chosen = statements[: args.pages]
        handler = functools.partial(_Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"

        print(f"demo site: {len(statements)} statement pages; timing {len(chosen)}")
        print(
            f"{'page':<58} {'entries':>7} {'file:// median':>14} {'best':>7} "
            f"{'http median':>11}"
        )
        medians: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            for page in chosen:
                relative = page.relative_to(site).as_posix()
                offline, online = [], []
                for _ in range(args.runs):
                    state, ms = _verify_ms(browser, page.as_uri())
                    if state != "verified":
                        raise SystemExit(f"{relative}: {state}, not verified")
                    offline.append(ms)
                    state, ms = _verify_ms(browser, f"{base}/{relative}")
                    online.append(ms)
                median = statistics.median(offline)
                medians.append(median)
                print(
                    f"{relative:<58} {embedded_entries(page):>7} {median:>11.1f} ms "
                    f"{min(offline):>4.1f} ms {statistics.median(online):>8.1f} ms"
                )
            browser.close()
        server.shutdown()
        server.server_close()

        print()
        print(f"{'page weight (HTML + linked CSS + JS)':<58} {'HTML':>9} {'total':>9}")
        weights = [
            (p.relative_to(site).as_posix(), p) for p in site.glob("p/*/index.html")
        ]
        heaviest = max(statements, key=lambda p: page_weight(p)[1])
        weights.append(
            (heaviest.relative_to(site).as_posix() + " (heaviest)", heaviest)
        )
        worst = 0
        for label, page in weights:
            html, total = page_weight(page)
            worst = max(worst, total)
            print(f"{label:<58} {html / 1000:>6.1f} KB {total / 1000:>6.1f} KB")

        print()
        print("summary")
        print(
            f"  verification, slowest page median (file://): {max(medians):.1f} ms "
            "(target ≤ 50 ms)"
        )
        print(f"  page weight, heaviest: {worst / 1000:.1f} KB (target ≤ 150 KB)")


if __name__ == "__main__":
    main()
