"""Several processes on one store: each one's in-memory log state stays consistent.

Found by the HTTP load test with 4 workers on PostgreSQL (issue 5): a process that
reloaded a log's state read the entries' size, then — after another process had
committed a batch — the newer checkpoint. Its next batch appended onto the older size,
so the checkpoint it was about to sign was not consistent with the stored one, and the
ledger refused to sign (a 500). The state now takes its size from the last checkpoint,
which is stored in the same transaction as the entries it covers.

Two applications on the same durable store stand for two processes; the other writer
commits a batch between the first application's reads of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.application import LedgerApplication
from domain.clock import FixedClock
from domain.receipts import verify_receipt
from tests.builders import PROJECT_ORIGIN, World, make_world, revenue_body


def second_process(world: World, env: dict[str, str]) -> World:
    """Another application on the same store, keys and registry (another process)."""
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    ledger = LedgerApplication(
        instance="chengdu.test",
        association_vkey=world.association.vkey,
        log_signer_seed=bytes([3]) * 32,
        env=env,
        clock=clock,
    )
    other = World(ledger, world.association, world.firm_key, clock)
    other.ids = iter(range(50_000, 60_000))  # type: ignore[assignment]
    return other


@pytest.fixture
def two(durable_store_env: dict[str, str]) -> Iterator[tuple[World, World]]:
    first = make_world(durable_store_env)
    other = second_process(first, durable_store_env)
    yield first, other
    other.ledger.close()
    first.ledger.close()


def test_a_state_reloaded_while_another_process_commits_stays_consistent(
    two: tuple[World, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, other = two
    for amount in range(1, 4):
        first.revenue(amount)
    assert other.ledger.log_size(PROJECT_ORIGIN) == 3  # the other loads its state
    for amount in range(4, 9):
        first.revenue(amount)  # … and falls behind

    ledger = other.ledger
    reads = ledger._read
    committed: list[int] = []

    def read_then_let_the_first_commit(originator_id: UUID, **kwargs: Any) -> Any:
        events = list(reads(originator_id, **kwargs))
        if not committed:
            committed.append(first.revenue(99).index)  # between two reads
        return iter(events)

    monkeypatch.setattr(ledger, "_read", read_then_let_the_first_commit)
    state = ledger._reload_state(PROJECT_ORIGIN)  # what a reader or a retry does
    monkeypatch.undo()
    assert committed == [8]
    assert state.last_checkpoint is not None
    assert state.last_checkpoint.size == state.tree.size

    receipt = other.revenue(5)
    assert receipt.index == 9
    verify_receipt(receipt, log_key=ledger.log_signer(PROJECT_ORIGIN).verifier())
    assert ledger.verify_stored_tree(PROJECT_ORIGIN) == 10
    assert first.revenue(6).index == 10  # and the first process carries on too
    assert first.ledger.verify_stored_tree(PROJECT_ORIGIN) == 11


def test_each_process_sees_the_others_entries_in_reads_and_proofs(
    two: tuple[World, World],
) -> None:
    first, other = two
    first.revenue(1)
    assert other.ledger.log_size(PROJECT_ORIGIN) == 1
    receipt = first.revenue(2)

    # The other process answers for the entry it did not write.
    assert other.ledger.get_receipt(PROJECT_ORIGIN, receipt.index).index == 1
    assert other.ledger.get_checkpoint(PROJECT_ORIGIN).size == 2
    assert other.revenue(3).index == 2
    assert first.ledger.get_checkpoint(PROJECT_ORIGIN).size == 3


def test_a_process_catches_up_by_reading_only_the_new_entries(
    two: tuple[World, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, other = two

    def batch(count: int) -> None:
        submissions = [
            first.sign(first.payload("CommonRevenueRecorded", revenue_body(n + 1)))
            for n in range(count)
        ]
        for outcome in first.ledger.submit_batch(PROJECT_ORIGIN, submissions):
            assert not isinstance(outcome, Exception), outcome

    batch(250)
    assert other.ledger.log_size(PROJECT_ORIGIN) == 250
    batch(20)  # across the first tile boundary (256)

    def no_reload(origin: str) -> Any:
        raise AssertionError("caught up by a full reload")

    monkeypatch.setattr(other.ledger, "_reload_state", no_reload)
    assert other.ledger.log_size(PROJECT_ORIGIN) == 270
    log_key = other.ledger.log_signer(PROJECT_ORIGIN).verifier()
    for index in (3, 255, 256, 269):
        verify_receipt(other.ledger.get_receipt(PROJECT_ORIGIN, index), log_key=log_key)
    assert other.revenue(7).index == 270
    monkeypatch.undo()
    assert other.ledger.verify_stored_tree(PROJECT_ORIGIN) == 271
    assert first.revenue(8).index == 271
