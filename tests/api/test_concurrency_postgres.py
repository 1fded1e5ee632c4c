"""Concurrency on PostgreSQL: 4 worker processes, 16 clients, 2,000 entries (issue 5).

``shuangshai serve --workers 4`` runs on a fresh PostgreSQL schema; 16 client threads
post 2,000 pre-signed entries over HTTP, to one project and spread over several. Each
log must come out whole: every post got a 201 and a receipt, the indexes are gapless
without duplicates, every receipt verifies and its entry is in the final checkpoint,
every checkpoint is consistent with the one before, and the stored tree rebuilds from
the entries. Nothing here may skip: CI requires PostgreSQL.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from benchmarks.loadgen import Server, post_all, prepare_instance, presign
from domain.checkpoint import Checkpoint
from tests.api.loadcheck import check_log_over_http, receipts_of

ENTRIES = 2000
CLIENTS = 16
WORKERS = 4

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.parametrize("projects", [1, 4], ids=["one-project", "four-projects"])
def test_four_workers_and_sixteen_clients_keep_every_log_whole(
    projects: int, postgres_env: dict[str, str], tmp_path: Path
) -> None:
    environ = {
        "SHUANGSHAI_STORE": "postgres",
        **{k: v for k, v in postgres_env.items() if k.startswith("POSTGRES_")},
    }
    load = prepare_instance(tmp_path / "instance", environ, projects=projects)
    postings = presign(load, ENTRIES)

    with (
        (tmp_path / "server.log").open("wb") as log,
        Server(tmp_path / "instance", environ, workers=WORKERS, log=log) as server,
    ):
        answers = post_all(server.port, postings, clients=CLIENTS)
        statuses = collections.Counter(answer.status for answer in answers)
        assert statuses == {201: ENTRIES}, (
            statuses,
            [a.body[:300] for a in answers if a.status != 201][:3],
        )
        by_project = collections.defaultdict(list)
        for answer in answers:
            by_project[answer.posting.project].append(answer.body)
        signed_sizes: dict[str, set[int]] = {}
        for project in load.projects:
            receipts = receipts_of(by_project[project])
            signed_sizes[project] = {
                Checkpoint.from_text(r.proof.checkpoint.text).size for r in receipts
            }
            # Gapless, no duplicates: exactly the indexes 0 … n-1, once each.
            assert sorted(r.index for r in receipts) == list(range(len(receipts)))
            final = check_log_over_http(server.port, load, project, receipts)
            assert final.size == len(receipts) == ENTRIES // projects

    ledger = load.instance.open_ledger(environ=environ)
    try:
        for project in load.projects:
            origin = load.origin(project)
            # Every checkpoint the log signed is one a client got in a receipt (so all
            # were checked over HTTP above, each consistent with the next): no batch
            # was signed and not answered, none twice.
            sizes = [c.size for c in ledger.list_checkpoints(origin)]
            assert sizes == sorted(signed_sizes[project])
            assert ledger.verify_stored_tree(origin) == ENTRIES // projects
    finally:
        ledger.close()
