"""The demo site, its ledger, and the site served over http, for the page audit.

The demo (``shuangshai demo``: two estates, a year of entries, about 3 s) is built
once per session; tests that change the site work on a copy (:func:`site_copy`).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api.demo_command import run_demo
from api.instance import open_instance
from domain.application import LedgerApplication


@dataclass(frozen=True)
class Demo:
    """The published demo site and the instance folder it was published from."""

    site: Path
    instance: Path


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("audit-pages") / "demo"
    report = run_demo(folder)
    return Demo(report.out_dir, folder / "instance")


@pytest.fixture(scope="session")
def ledger(demo: Demo) -> Iterator[LedgerApplication]:
    """The demo's own ledger (SQLite), opened again read-only in spirit."""
    app = open_instance(demo.instance).open_ledger(
        environ={"SHUANGSHAI_STORE": "sqlite"}
    )
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def site_copy(demo: Demo, tmp_path: Path) -> Path:
    """A private copy of the demo site that a test may tamper with."""
    copy = tmp_path / "site"
    shutil.copytree(demo.site, copy)
    return copy


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """Serve ``root`` on an ephemeral localhost port; yields the site's base URL."""
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


@pytest.fixture
def serve() -> Callable[[Path], AbstractContextManager[str]]:
    """``with serve(folder) as url:`` serves a folder over http for one test."""
    return serving


@pytest.fixture(scope="session")
def demo_url(demo: Demo) -> Iterator[str]:
    """The demo site served over http from localhost for the whole session."""
    with serving(demo.site) as url:
        yield url
