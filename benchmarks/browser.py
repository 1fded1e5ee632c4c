"""Browser benchmark: in-page verification time and page weight (issue 4; SPEC §4).

Run from the repository root::

    .venv/bin/python -m benchmarks.browser [--pages N] [--runs N] [--compare-js PATH]

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
   fetching the latest checkpoint and the tiles for the consistency proofs).
   Beside it: when the verdict was on screen (ms after navigation start: page
   load, first paint, verification and the verdict's rendering), and a second
   verification in the same page once the JIT has compiled verify.js ("warm");
2. **where the time goes** on each timed page: the main-thread milliseconds (and
   calls) verify.js measured per kind of work inside its figure — reading the
   embedded data, base64, decompression (wall time, overlapping the rest), leaf
   opening (JSON, base64, UTF-8), leaf hashing, the Merkle batch proof, payload
   hashing, Ed25519 verifies, ... — medians over the file:// loads; "other" is the
   rest (promise and JIT overhead, checkpoint parsing, localStorage, GC);
3. **page weight** — the HTML plus every stylesheet and script it links (bytes on
   disk, before any compression, attachments excluded) — of each project's board
   and of the heaviest statement page. Target ≤ 150 KB each.

``--compare-js PATH`` also times the same pages with another verify.js (for
instance the previous one: ``git show main:publish/static/verify.js > /tmp/old.js``),
each load alternating with the current one, so before and after come from the same
sitting on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import statistics
import tempfile
import threading
from dataclasses import dataclass
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


#: Records when verify.js publishes its verdict (ms after navigation start).
_VERDICT_CLOCK = """
Object.defineProperty(window, "shuangshaiVerification", {
  configurable: true,
  get() { return window.__verdict; },
  set(value) { window.__verdict = value; window.__verdictAt = performance.now(); },
});
"""

#: A second verification in the same page, the JIT having compiled verify.js.
_WARM = """() => {
  const core = window.shuangshaiCore;
  const node = document.getElementById("shuangshai-entries");
  const started = performance.now();
  const data = core.readJson(node);
  const displayed = core.displayedIndices(node.closest("article") || document);
  return core.verifyStatement(data, displayed, false, started)
    .then((report) => [report.state(), report.ms]);
}"""


@dataclass
class Load:
    """One load of a statement page in a fresh browser profile."""

    state: str
    ms: float  # verify.js's own figure
    verdict_at: float  # verdict published, ms after navigation start
    phases: dict[str, list[float]]  # kind of work: [ms, calls] (newer verify.js)
    warm: float | None = None


def _load(browser: Browser, url: str, *, warm: bool = False) -> Load:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(_VERDICT_CLOCK)
        page.goto(url)
        page.wait_for_function(
            "window.shuangshaiVerification !== undefined", timeout=60_000
        )
        result = page.evaluate("window.shuangshaiVerification")
        load = Load(
            str(result["state"]),
            float(result["ms"]),
            float(page.evaluate("window.__verdictAt")),
            dict(result.get("phases") or {}),
        )
        if warm:
            state, ms = page.evaluate(_WARM)
            if state == load.state:
                load.warm = float(ms)
        return load
    finally:
        context.close()


def _breakdown(loads: list[Load]) -> str:
    """Median main-thread ms [calls] per kind of work, and the rest."""
    if not loads[0].phases:
        return "  (this verify.js reports no breakdown)"
    names = sorted(
        {n for load in loads for n in load.phases},
        key=lambda n: (
            -statistics.median(load.phases.get(n, [0, 0])[0] for load in loads)
        ),
    )
    parts = []
    for name in names:
        ms = statistics.median(load.phases.get(name, [0, 0])[0] for load in loads)
        calls = int(
            statistics.median(load.phases.get(name, [0, 0])[1] for load in loads)
        )
        parts.append(f"{name} {ms:.1f} [{calls}]")
    other = statistics.median(
        load.ms - sum(v[0] for n, v in load.phases.items() if n != "inflateWall")
        for load in loads
    )
    parts.append(f"other {other:.1f}")
    lines, line = [], " "
    for part in parts:
        if len(line) + len(part) > 86:
            lines.append(line)
            line = " "
        line += " " + part + ";"
    lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5, help="statement pages timed")
    parser.add_argument("--runs", type=int, default=5, help="loads per page")
    parser.add_argument(
        "--compare-js",
        type=Path,
        help="another verify.js to time on the same pages, alternating loads",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        site = run_demo(Path(folder) / "demo").out_dir
        statements = sorted(
            site.glob("p/*/t/*/*.html"),
            key=lambda p: (-embedded_entries(p), p.as_posix()),
        )
        chosen = statements[: args.pages]
        other_site = None
        if args.compare_js:
            other_site = Path(folder) / "compare"
            shutil.copytree(site, other_site)
            shutil.copyfile(args.compare_js, other_site / "static" / "verify.js")
        handler = functools.partial(_Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"

        print(f"demo site: {len(statements)} statement pages; timing {len(chosen)}")
        print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(
            f"{'page (file:// unless http)':<58} {'entries':>7} {'median':>8} "
            f"{'best':>7} {'warm':>7} {'verdict at':>10} {'http':>8}"
        )
        medians: list[float] = []
        compared: list[float] = []
        breakdowns: list[tuple[str, list[Load]]] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            for page in chosen:
                relative = page.relative_to(site).as_posix()
                offline: list[Load] = []
                before: list[Load] = []
                online: list[float] = []
                for _ in range(args.runs):
                    load = _load(browser, page.as_uri(), warm=True)
                    if load.state != "verified":
                        raise SystemExit(f"{relative}: {load.state}, not verified")
                    offline.append(load)
                    if other_site is not None:
                        load = _load(browser, (other_site / relative).as_uri())
                        if load.state != "verified":
                            raise SystemExit(
                                f"{relative} ({args.compare_js}): {load.state}"
                            )
                        before.append(load)
                    online.append(_load(browser, f"{base}/{relative}").ms)
                median = statistics.median(x.ms for x in offline)
                medians.append(median)
                warm = [x.warm for x in offline if x.warm is not None]
                print(
                    f"{relative:<58} {embedded_entries(page):>7} {median:>5.1f} ms "
                    f"{min(x.ms for x in offline):>4.1f} ms "
                    f"{statistics.median(warm) if warm else float('nan'):>4.1f} ms "
                    f"{statistics.median(x.verdict_at for x in offline):>7.1f} ms "
                    f"{statistics.median(online):>5.1f} ms"
                )
                if before:
                    compared.append(statistics.median(x.ms for x in before))
                    print(
                        f"{'  ' + str(args.compare_js) + ', same page':<58} {'':>7} "
                        f"{compared[-1]:>5.1f} ms {min(x.ms for x in before):>4.1f} ms "
                        f"{'':>7} "
                        f"{statistics.median(x.verdict_at for x in before):>7.1f} ms"
                    )
                breakdowns.append((relative, offline))
            browser.close()
        server.shutdown()
        server.server_close()
        print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))

        print()
        print("where the time goes (file://, medians): main-thread ms [calls]")
        for relative, loads in breakdowns:
            print(relative)
            print(_breakdown(loads))

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
        if compared:
            print(
                f"  with {args.compare_js}, slowest page median (file://): "
                f"{max(compared):.1f} ms"
            )
        print(f"  page weight, heaviest: {worst / 1000:.1f} KB (target ≤ 150 KB)")


if __name__ == "__main__":
    main()
