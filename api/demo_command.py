"""``shuangshai demo``: a fictional 成都 estate's year, published and served locally."""

from __future__ import annotations

import functools
import http.server
import shutil
from datetime import UTC, datetime
from pathlib import Path

from api.demo import populate_demo
from api.instance import init_instance
from api.publishing import BLOBS_DIR, publish_instance
from domain.clock import FixedClock
from domain.errors import ConfigurationError
from publish.blobs import DirectoryBlobs
from publish.site import PublishReport, check_base_url

DEMO_MARKER = ".shuangshai-demo"
DEMO_INSTANCE = "demo.shuangshai.example"


def run_demo(
    folder: Path, out: Path | None = None, *, base_url: str | None = None
) -> PublishReport:
    """Create a demo instance in ``folder`` (recreated each run) and publish it.

    ``base_url`` is where the site will be served (the QR codes of printed
    statements open it); ``shuangshai demo`` passes its own address.
    """
    base_url = check_base_url(base_url)  # before anything is deleted
    if folder.exists():
        if not (folder / DEMO_MARKER).exists():
            raise ConfigurationError(
                f"{folder} 已存在且不是演示目录，请换一个 --dir / {folder} exists and is "
                "not a demo folder: choose another --dir"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / DEMO_MARKER).write_text("created by `shuangshai demo`; safe to delete\n")
    instance = init_instance(folder / "instance", DEMO_INSTANCE)
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    environ = {"SHUANGSHAI_STORE": "sqlite"}
    ledger = instance.open_ledger(environ=environ, clock=clock)
    store = instance.open_private_store(environ)
    try:
        summary = populate_demo(
            ledger,
            instance.association_signer(),
            clock=clock,
            intake_key=instance.intake_signer(),
            private_store=store,
        )
        blobs = DirectoryBlobs(instance.path / BLOBS_DIR)
        for data in summary.attachments.values():
            blobs.put(data)
        return publish_instance(
            instance, ledger, out or folder / "site", base_url=base_url
        )
    finally:
        store.close()
        ledger.close()


def serve_site(root: Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the published folder until interrupted (Ctrl-C)."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root)
    )
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        bound_port = server.server_address[1]
        print(
            f"打开 / open http://{host}:{bound_port}/index.html  （Ctrl-C 停止 / to stop）"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("已停止 / stopped")
