"""A server killed with SIGKILL under load loses no entry it gave a receipt for (issue 5).

``shuangshai serve`` (SQLite with 2 workers, PostgreSQL with 4) takes concurrent posts
from 16 clients; at a random moment the whole process group gets SIGKILL, with
requests in flight. Then, with the server down, the store is checked in-process: every
entry a client got a receipt for is there with the same index and leaf hash, and the
stored tree, tiles and checkpoints rebuild from the entries. The server is restarted
and the clients re-post what got no answer: an entry that was committed but whose
receipt was lost to the kill comes back as a safe retry (200, the same index), the
others are appended. After the last round every receipt of every round is checked
over HTTP against the final checkpoint, and the log takes new entries.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from benchmarks.loadgen import (
    Answer,
    LoadInstance,
    Posting,
    Server,
    post_all,
    prepare_instance,
    presign,
)
from domain.receipts import Receipt
from tests.api.loadcheck import check_log_over_http, receipts_of

KILLS = 3
ENTRIES = 1500
CLIENTS = 16
KILL_AFTER_ANSWERS = (100, 350)

pytestmark = pytest.mark.slow


@pytest.fixture(
    params=[
        pytest.param(("sqlite", 2), id="sqlite-2-workers"),
        pytest.param(
            ("postgres", 4), id="postgres-4-workers", marks=pytest.mark.postgres
        ),
    ]
)
def served_store(request: pytest.FixtureRequest) -> tuple[dict[str, str], int]:
    """The instance's store settings and how many workers serve it."""
    store, workers = request.param
    if store == "sqlite":
        return {"SHUANGSHAI_STORE": "sqlite"}, workers
    postgres_env: dict[str, str] = request.getfixturevalue("postgres_env")
    environ = {"SHUANGSHAI_STORE": "postgres"}
    environ.update({k: v for k, v in postgres_env.items() if k.startswith("POSTGRES_")})
    return environ, workers


def post_until_killed(
    server: Server, postings: list[Posting], rng: random.Random
) -> list[Answer]:
    """Post with 16 clients; SIGKILL the server's process group mid-load.

    The kill comes after a random number of answers (not a random time, which a fast
    machine would outrun), with the clients still posting.
    """
    stop = threading.Event()
    answers: list[Answer] = []
    kill_after = rng.randint(*KILL_AFTER_ANSWERS)
    clients = threading.Thread(
        target=post_all,
        args=(server.port, postings),
        kwargs={"clients": CLIENTS, "stop": stop, "timeout_s": 30, "into": answers},
    )
    clients.start()
    deadline = time.monotonic() + 120
    while len(answers) < kill_after and time.monotonic() < deadline:
        time.sleep(0.005)
    stop.set()  # clients take no new posting; the ones in flight die with the server
    server.kill()
    clients.join()
    return answers


def check_store(load: LoadInstance, receipts: dict[str, Receipt]) -> None:
    """In-process, server down: every receipted entry is there; the tree rebuilds."""
    ledger = load.instance.open_ledger(environ=load.environ)
    try:
        for project in load.projects:
            origin = load.origin(project)
            stored = {e.index: e.leaf_hash for e in ledger.list_entries(origin)}
            for receipt in receipts.values():
                if receipt.log == origin:
                    assert stored.get(receipt.index) == receipt.leaf_hash, (
                        f"receipted entry {receipt.index} of {origin} lost or changed"
                    )
            assert ledger.verify_stored_tree(origin) == len(stored)
    finally:
        ledger.close()


def test_sigkill_under_load_loses_no_receipted_entry(
    served_store: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    environ, workers = served_store
    load = prepare_instance(tmp_path / "instance", environ, projects=2)
    pending = presign(load, ENTRIES)
    receipts: dict[str, Receipt] = {}  # entry id → receipt
    rng = random.Random(5)  # noqa: S311 - kill timing, not secrets
    in_flight = 0  # posts cut off by a kill
    log = (tmp_path / "server.log").open("wb")
    try:
        for _ in range(KILLS):
            server = Server(tmp_path / "instance", environ, workers=workers, log=log)
            answers = post_until_killed(server.start(), pending, rng)
            in_flight += sum(1 for a in answers if a.status == 0)
            unexpected = [a for a in answers if a.status not in (0, 200, 201)]
            assert not unexpected, [(a.status, a.body[:300]) for a in unexpected][:3]
            for answer in answers:
                if answer.status in (200, 201):
                    (receipt,) = receipts_of([answer.body])
                    before = receipts.setdefault(answer.posting.entry_id, receipt)
                    assert before.index == receipt.index
            answered = {a.posting.entry_id for a in answers if a.status in (200, 201)}
            assert answered, "the server answered nothing before the kill"
            pending = [p for p in pending if p.entry_id not in answered]
            assert pending, "every entry was posted before the kill: post more"
            check_store(load, receipts)

        assert in_flight, "no kill came with requests in flight"
        # Restarted once more: the rest goes in, retries of lost receipts included.
        with Server(tmp_path / "instance", environ, workers=workers, log=log) as server:
            answers = post_all(server.port, pending, clients=CLIENTS)
            assert {a.status for a in answers} <= {200, 201}, [
                (a.status, a.body[:300]) for a in answers if a.status not in (200, 201)
            ][:3]
            for answer in answers:
                (receipt,) = receipts_of([answer.body])
                receipts[answer.posting.entry_id] = receipt
            retries = sum(1 for a in answers if a.status == 200)
            print(f"cut off by kills: {in_flight}; committed, receipt lost: {retries}")
            assert len(receipts) == ENTRIES
            for project in load.projects:
                mine = [r for r in receipts.values() if r.log == load.origin(project)]
                # Every entry exactly once: retries did not append twice.
                assert sorted(r.index for r in mine) == list(range(len(mine)))
                final = check_log_over_http(server.port, load, project, mine)
                assert final.size == len(mine)
        check_store(load, receipts)
    finally:
        log.close()
