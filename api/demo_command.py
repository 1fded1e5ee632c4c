"""``shuangshai demo``: a fictional 成都 estate's year, published and served locally."""

from __future__ import annotations

import functools
import http.server
import shutil
from datetime import UTC, datetime
from pathlib import Path

from api.cosigning import collect_cosignatures
from api.demo import LUMP_SUM_PROJECT_ID, PROJECT_ID, demo_witness_keys, populate_demo
from api.instance import init_instance
from api.publishing import BLOBS_DIR, publish_instance
from api.witness_app import in_process_transport
from api.witness_store import WitnessFolder
from domain.application import LedgerApplication
from domain.clock import FixedClock
from domain.errors import ConfigurationError
from domain.witness import MemoryWitness
from publish.blobs import DirectoryBlobs
from publish.site import PublishReport, check_base_url

DEMO_MARKER = ".shuangshai-demo"
DEMO_INSTANCE = "demo.shuangshai.example"
WITNESSES_DIR = "witnesses"


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
        folders = make_demo_witnesses(folder / WITNESSES_DIR, ledger)
        witnesses = {
            key_ref: MemoryWitness(witness.signer, witness.read_state())
            for key_ref, witness in folders.items()
        }
        transport = in_process_transport(witnesses, clock=clock)

        def cosign(origin: str) -> None:
            collect_cosignatures(ledger, transport=transport, origins=[origin])

        summary = populate_demo(
            ledger,
            instance.association_signer(),
            clock=clock,
            intake_key=instance.intake_signer(),
            private_store=store,
            after_batch=cosign,
        )
        for key_ref, witness in witnesses.items():
            folders[key_ref].save_state(witness.state)
        blobs = DirectoryBlobs(instance.path / BLOBS_DIR)
        for data in summary.attachments.values():
            blobs.put(data)
        return publish_instance(
            instance, ledger, out or folder / "site", base_url=base_url
        )
    finally:
        store.close()
        ledger.close()


def make_demo_witnesses(
    folder: Path, ledger: LedgerApplication
) -> dict[str, WitnessFolder]:
    """The demo's two witnesses, each in its own folder under ``folder``.

    The owners' committee witnesses 锦绣和鸣苑's log; the street office every log.
    Each folder holds the witness's key and, once the demo is done, its state. While
    the demo runs they cosign in memory (:class:`~domain.witness.MemoryWitness`, the
    same rules) with no network, after every batch, so every checkpoint the demo
    publishes meets its policy's quorum.
    """
    committee, street_office = demo_witness_keys()
    registry = ledger.registry_origin
    logs = {
        committee: [ledger.project_origin(PROJECT_ID)],
        street_office: [
            registry,
            ledger.project_origin(PROJECT_ID),
            ledger.project_origin(LUMP_SUM_PROJECT_ID),
        ],
    }
    folders: dict[str, WitnessFolder] = {}
    for signer, origins in logs.items():
        witness = WitnessFolder.init(folder / signer.name, signer.name, signer=signer)
        for origin in origins:
            witness.add_log(ledger.log_vkey(origin))
        folders[signer.key_ref] = witness
    return folders


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
