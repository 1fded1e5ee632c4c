"""A writer process for the SIGKILL crash-safety test (``test_crash_safety.py``).

Run from the repository root as ``python -m tests.app.crash_writer RUN SEED``, with the
store chosen by the environment (``PERSISTENCE_MODULE``, ``SQLITE_DBNAME`` or
``POSTGRES_*``). It opens the ledger of ``tests.builders.make_world`` (same seeds and
names), registers the world only if the registry is not yet complete (the same
payloads and ids ``e-0`` … ``e-3``; only the ones still missing),
prints ``ready <project log size>``, then posts entries until it is killed: single
``submit`` calls and ``submit_batch`` calls of random sizes, mixing revenue records,
work logs, notices, reversals of its own earlier entries and idempotent retries. It
prints one line ``<index> <leaf hash hex>`` per receipt it got back, flushing after
each, so that the parent knows exactly what was acknowledged before the kill.

Entry ids are ``w<RUN>-<pid>-<counter>``: unique across restarts.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.application import LedgerApplication
from domain.clock import FixedClock
from domain.entries import Submission
from domain.errors import LedgerError
from domain.receipts import Receipt
from domain.signing import Signer
from tests.builders import (
    FIRM,
    INSTANCE,
    PROJECT_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    contract_body,
    firm_body,
    project_body,
    revenue_body,
)

STORE_SETTINGS = ("PERSISTENCE_MODULE", "SQLITE_", "POSTGRES_")


def open_world(env: Mapping[str, str], *, seed: int = 1) -> World:
    """The world of ``make_world(env, seed=seed)``, registering only what is missing."""
    association = Signer.from_seed(f"{INSTANCE}/association", bytes([seed]) * 32)
    firm_key = Signer.from_seed("hemei-wuye-2026", bytes([seed + 1]) * 32)
    clock = FixedClock(datetime(2026, 3, 1, 1, 0, tzinfo=UTC))
    ledger = LedgerApplication(
        instance=INSTANCE,
        association_vkey=association.vkey,
        log_signer_seed=bytes([seed + 2]) * 32,
        env=dict(env),
        clock=clock,
    )
    world = World(ledger, association, firm_key, clock)
    registrations: list[tuple[str, dict[str, Any]]] = [
        ("FirmRegistered", firm_body()),
        ("FirmKeyAdded", {"firm": FIRM, "vkey": firm_key.vkey}),
        ("ProjectRegistered", project_body()),
        ("ContractBound", contract_body()),
    ]
    # Each registration is its own transaction, so a writer killed while registering
    # left a prefix of them: post the rest. (Re-posting the whole list would not do:
    # a retried registry entry is refused by the registry rules — see the report.)
    for number in range(ledger.log_size(REGISTRY_ORIGIN), len(registrations)):
        entry_type, body = registrations[number]
        world.post(
            entry_type,
            body,
            log=REGISTRY_ORIGIN,
            signer=association,
            entry_id=f"e-{number}",
        )
    return world


def work_body(rng: random.Random, number: int) -> dict[str, Any]:
    return {
        "worked_on": "2026-03-01",
        "started_at": "2026-03-01T08:00:00+08:00",
        "finished_at": "2026-03-01T10:30:00+08:00",
        "location": f"{rng.randint(1, 12)}栋{rng.randint(1, 3)}单元",
        "kind": "cleaning",
        "description": f"楼道清扫拖洗，电梯轿厢消毒（第 {number} 次）",
        "staff_ids": [f"s-{rng.randint(1, 60):04d}"],
    }


def notice_body(number: int) -> dict[str, Any]:
    return {
        "title": f"第 {number} 号通知：计划停水",
        "content": "因市政供水管网检修，5–8栋停水，请提前储水。",
        "category": "outage",
        "valid_from": "2026-03-01",
        "valid_until": "2026-03-02",
        "affected_area": "5–8栋",
    }


class Writer:
    """Posts signed entries forever and reports every receipt on stdout."""

    def __init__(self, world: World, run: int, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.prefix = f"w{run}-{os.getpid()}"
        self.count = 0
        self.reversible: list[Receipt] = []  # own entries, not reversed yet
        self.sent: list[Submission] = []  # for idempotent retries

    def next_submission(self) -> tuple[Submission, bool]:
        """A signed submission, and whether its entry may be reversed later."""
        rng = self.rng
        if self.sent and rng.random() < 0.03:
            return rng.choice(self.sent), False  # a retry: gets the original receipt
        self.count += 1
        entry_id = f"{self.prefix}-{self.count}"
        roll = rng.random()
        body: dict[str, Any]
        if self.reversible and roll < 0.05:
            target = self.reversible.pop(rng.randrange(len(self.reversible)))
            entry_type = "EntryReversed"
            body = {
                "target": {"index": target.index, "leaf_hash": target.leaf_hash.hex()},
                "reason": f"录入有误，冲销第 {target.index} 条",
            }
        elif roll < 0.6:
            entry_type = "CommonRevenueRecorded"
            body = revenue_body(rng.randint(1, 10_000_000))
        elif roll < 0.85:
            entry_type, body = "WorkLogged", work_body(rng, self.count)
        else:
            entry_type, body = "NoticePosted", notice_body(self.count)
        submission = self.world.sign(
            self.world.payload(entry_type, body, entry_id=entry_id)
        )
        self.sent.append(submission)
        del self.sent[:-200]
        return submission, entry_type != "EntryReversed"

    def run(self) -> None:
        ledger = self.world.ledger
        print(f"ready {ledger.log_size(PROJECT_ORIGIN)}", flush=True)
        while True:
            size = 1 if self.rng.random() < 0.4 else self.rng.randint(2, 30)
            made = [self.next_submission() for _ in range(size)]
            submissions = [submission for submission, _ in made]
            outcomes: list[Receipt | LedgerError]
            if size == 1:
                outcomes = [ledger.submit(PROJECT_ORIGIN, submissions[0])]
            else:
                outcomes = ledger.submit_batch(PROJECT_ORIGIN, submissions)
            for outcome, (_, reversible) in zip(outcomes, made, strict=True):
                if isinstance(outcome, LedgerError):
                    raise outcome  # nothing this writer sends should be refused
                print(f"{outcome.index} {outcome.leaf_hash.hex()}", flush=True)
                if reversible:
                    self.reversible.append(outcome)
            del self.reversible[:-500]


def main(argv: list[str]) -> None:
    run, seed = int(argv[1]), int(argv[2])
    env = {
        name: value
        for name, value in os.environ.items()
        if name.startswith(STORE_SETTINGS)
    }
    Writer(open_world(env), run, seed).run()


if __name__ == "__main__":
    main(sys.argv)
