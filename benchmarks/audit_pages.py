"""Page-audit benchmark: re-deriving a published site from its log files (issue 6).

Run from the repository root::

    .venv/bin/python -m benchmarks.audit_pages [--entries N] [--http]

The workload is the one of :mod:`benchmarks.publish` (the demo's 酬金制 estate scaled
to ``--entries`` entries, its 包干制 neighbour and the registry), published once in
full into a temporary folder. Then, as ``shuangshai audit`` does for the pages, it
prints:

1. **read back** — :class:`~publish.published_log.PublishedInstance` over the
   folder: opening it (registry folded), reading every entry of the estate from the
   bundles (each leaf checked against its tile), walking its checkpoints through the
   proof files; entries and checkpoints per second;
2. **page audit** — :func:`~publish.audit_pages.audit_pages` on the folder: seconds,
   files compared, findings (0 expected), and the share of the time spent publishing
   the site again (``publish_site``) — the rest is folding, statement totals and
   the byte comparison;
3. with ``--http``, the same audit over http from a localhost server (a thread of
   this process, so both ends share the two cores);
4. peak RSS.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import publish.audit_pages as audit_module
from benchmarks.ingest import hwm_mb, peak_rss_mb, sqlite_env
from benchmarks.publish import build, load_demo, open_ledger, plan_copies
from domain.clock import FixedClock
from publish.audit_pages import audit_pages
from publish.blobs import DirectoryBlobs
from publish.published_log import PublishedInstance
from publish.site import publish_site


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--http", action="store_true", help="also audit over http")
    return parser.parse_args(argv)


@contextmanager
def timing_publish() -> Iterator[list[float]]:
    """Time spent in ``publish_site`` inside the audit, by wrapping it for a run."""
    spent: list[float] = []
    original = getattr(audit_module, "publish_site")  # noqa: B009 - not exported

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(audit_module, "publish_site", timed)  # noqa: B010 - not exported
    try:
        yield spent
    finally:
        setattr(audit_module, "publish_site", original)  # noqa: B010


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def serving(root: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def measure(label: str, run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    demo = load_demo()
    copies = plan_copies(len(demo.project), args.entries, args.years)
    with tempfile.TemporaryDirectory(prefix="shuangshai-audit-pages-") as tmp:
        root = Path(tmp)
        env = sqlite_env(root / "ledger.sqlite")
        built = build(env, demo, copies)
        ledger = open_ledger(env, demo, FixedClock(built.last_moment))
        blobs = DirectoryBlobs(root / "blobs")
        for data in demo.attachments.values():
            blobs.put(data)
        site = root / "site"
        try:
            report = publish_site(ledger, site, blobs=blobs, full=True)
        finally:
            ledger.close()
        files = sum(1 for path in site.rglob("*") if path.is_file())
        print(
            f"[0] workload: {built.entries:,} estate entries in {built.batches:,} "
            f"batches; site published in {report.seconds:,.2f} s, {files:,} files"
        )

        print("\n[1] read back: PublishedInstance over the folder")
        published, opened = measure("open", lambda: PublishedInstance(site))
        origin = published.project_origin(demo.project_origin.rsplit("/p/", 1)[1])
        count, read = measure(
            "entries", lambda: sum(1 for _ in published.list_entries(origin))
        )
        checkpoints, walked = measure(
            "checkpoints", lambda: len(list(published.list_checkpoints(origin)))
        )
        print(f"    open (registry folded): {opened * 1000:,.0f} ms")
        print(
            f"    entries from bundles, leaf hashes checked: {count:,} in {read:,.2f} s "
            f"= {count / read:,.0f}/s"
        )
        print(
            f"    checkpoints walked through the proofs: {checkpoints:,} in "
            f"{walked:,.2f} s = {checkpoints / walked:,.0f}/s"
        )

        print("\n[2] page audit over the folder (audit_pages)")
        with timing_publish() as spent:
            audit, seconds = measure("audit", lambda: audit_pages(site))
        print(
            f"    {seconds:,.2f} s: {audit.pages_checked:,} files compared, "
            f"{len(audit.totals):,} statement figures, {len(audit.findings)} findings; "
            f"re-publishing took {sum(spent):,.2f} s of it"
        )

        if args.http:
            print("\n[3] page audit over http from localhost")
            with serving(site) as url, timing_publish() as spent:
                audit, seconds = measure("http", lambda: audit_pages(url))
            print(
                f"    {seconds:,.2f} s: {audit.pages_checked:,} files compared, "
                f"{len(audit.findings)} findings; re-publishing took "
                f"{sum(spent):,.2f} s of it"
            )

    print(f"\n[4] memory: peak RSS {max(hwm_mb(), peak_rss_mb()):,.0f} MB")


if __name__ == "__main__":
    main()
