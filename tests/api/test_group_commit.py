"""Group commit (issue 5): concurrent posts to one log share transactions and checkpoints.

The concurrency test runs on every store; the others hold the leader inside
``submit_batch`` with a gate, so which callers share a batch is decided, not raced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest

from api.app import create_app
from api.group_commit import GroupCommitter
from domain.entries import Submission
from domain.errors import (
    ConfigurationError,
    InvalidSignatureError,
    LedgerError,
    LogNotFoundError,
)
from domain.merkle import verify_consistency
from domain.receipts import Receipt, verify_receipt
from tests.api.conftest import TestClient
from tests.builders import PROJECT, PROJECT_ORIGIN, World, make_world, revenue_body

THREADS = 16
PER_THREAD = 25
WAIT = 5.0  # seconds; a generous bound for anything that should take milliseconds


class GatedLedger:
    """A ``submit_batch`` spy whose first call waits for ``gate`` (and may fail)."""

    def __init__(self, world: World, *, failure: Exception | None = None) -> None:
        self.world = world
        self.failure = failure
        self.batches: list[int] = []
        self.threads: list[threading.Thread] = []
        self.entered = threading.Event()
        self.gate = threading.Event()

    def submit_batch(
        self, origin: str, submissions: Sequence[Submission]
    ) -> list[Receipt | LedgerError]:
        self.batches.append(len(submissions))
        self.threads.append(threading.current_thread())
        if len(self.batches) == 1 and not self.gate.is_set():
            self.entered.set()
            assert self.gate.wait(WAIT)
        if self.failure is not None:
            raise self.failure
        return self.world.ledger.submit_batch(origin, submissions)

    def log_size(self, origin: str) -> int:
        return self.world.ledger.log_size(origin)


class Caller:
    """A thread posting one submission through the committer, keeping what it got."""

    def __init__(self, committer: GroupCommitter, submission: Submission) -> None:
        self.receipt: Receipt | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.receipt = committer.submit(PROJECT_ORIGIN, submission)
            except BaseException as exc:
                self.error = exc

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def join(self) -> None:
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def _revenue(world: World, amount: int = 100) -> Submission:
    return world.sign(world.payload("CommonRevenueRecorded", revenue_body(amount)))


def _forged(world: World) -> Submission:
    """A firm payload signed by the association's key: its signature does not verify."""
    payload = world.payload("CommonRevenueRecorded", revenue_body(7))
    return world.sign(payload, world.association)


def _eventually(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(int(WAIT / 0.001)):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("condition not reached in time")


def _queue_behind_a_held_leader(
    committer: GroupCommitter, ledger: GatedLedger, submissions: Sequence[Submission]
) -> list[Caller]:
    """Start a leader held in ``submit_batch``, queue ``submissions[1:]`` behind it."""
    callers = [Caller(committer, submissions[0])]
    assert ledger.entered.wait(WAIT)
    callers += [Caller(committer, s) for s in submissions[1:]]
    _eventually(lambda: committer.pending(PROJECT_ORIGIN) == len(submissions))
    ledger.gate.set()
    for caller in callers:
        caller.join()
    return callers


def test_concurrent_posts_are_batched_and_every_receipt_verifies_against_the_final_checkpoint(
    store_env: dict[str, str],
) -> None:
    world = make_world(store_env)
    ledger = world.ledger
    try:
        committer = GroupCommitter(ledger)
        work = [
            [_revenue(world, 100 + t * PER_THREAD + i) for i in range(PER_THREAD)]
            for t in range(THREADS)
        ]
        checkpoints_before = len(list(ledger.list_checkpoints(PROJECT_ORIGIN)))
        start = threading.Barrier(THREADS)
        receipts: list[Receipt] = []
        errors: list[BaseException] = []

        def post_all(submissions: list[Submission]) -> None:
            start.wait()
            for submission in submissions:
                try:
                    receipts.append(committer.submit(PROJECT_ORIGIN, submission))
                except BaseException as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=post_all, args=(w,)) for w in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        entries = THREADS * PER_THREAD
        assert errors == []
        assert sorted(r.index for r in receipts) == list(range(entries))
        signed = len(list(ledger.list_checkpoints(PROJECT_ORIGIN))) - checkpoints_before
        assert signed <= entries // 4, f"{signed} checkpoints for {entries} entries"
        final = ledger.get_checkpoint(PROJECT_ORIGIN)
        assert final.size == entries
        log_key = ledger.log_signer(PROJECT_ORIGIN).verifier()
        entry_keys = {world.firm_key.key_ref: world.firm_key.verifier()}
        for receipt in receipts:
            checkpoint = verify_receipt(receipt, log_key=log_key, entry_keys=entry_keys)
            verify_consistency(
                old_size=checkpoint.size,
                new_size=final.size,
                old_root=checkpoint.root,
                new_root=final.root,
                proof=ledger.consistency_proof(
                    PROJECT_ORIGIN, checkpoint.size, final.size
                ),
            )
            latest = ledger.get_receipt(PROJECT_ORIGIN, receipt.index)
            assert latest.leaf == receipt.leaf
            assert verify_receipt(latest, log_key=log_key).size == final.size
        assert committer.pending(PROJECT_ORIGIN) == 0
    finally:
        ledger.close()


def test_callers_queued_behind_a_leader_share_one_transaction_and_checkpoint(
    world: World,
) -> None:
    ledger = GatedLedger(world)
    committer = GroupCommitter(ledger)

    callers = _queue_behind_a_held_leader(
        committer, ledger, [_revenue(world, n) for n in (1, 2, 3, 4)]
    )

    assert ledger.batches == [1, 3]
    receipts = [c.receipt for c in callers if c.receipt is not None]
    assert sorted(r.index for r in receipts) == [0, 1, 2, 3]
    assert receipts[0].index == 0
    assert {r.checkpoint_text for r in receipts[1:]} == {receipts[1].checkpoint_text}
    assert len(list(world.ledger.list_checkpoints(PROJECT_ORIGIN))) == 2


def test_a_rejected_submission_gets_its_own_error_while_the_rest_of_its_batch_succeeds(
    world: World,
) -> None:
    ledger = GatedLedger(world)
    committer = GroupCommitter(ledger)

    first, forged, good = _queue_behind_a_held_leader(
        committer, ledger, [_revenue(world, 1), _forged(world), _revenue(world, 2)]
    )

    assert ledger.batches == [1, 2]
    assert isinstance(forged.error, InvalidSignatureError)
    assert forged.error.pointer == "/sig"
    assert first.receipt is not None
    assert good.receipt is not None
    assert (first.receipt.index, good.receipt.index) == (0, 1)
    assert world.ledger.log_size(PROJECT_ORIGIN) == 2


def test_an_unexpected_exception_reaches_every_caller_of_the_batch_and_the_committer_goes_on(
    world: World,
) -> None:
    failure = OSError("the disk is full")
    ledger = GatedLedger(world, failure=failure)
    committer = GroupCommitter(ledger)

    callers = _queue_behind_a_held_leader(
        committer, ledger, [_revenue(world, n) for n in (1, 2, 3)]
    )

    assert ledger.batches == [1, 2]
    assert [c.error for c in callers] == [failure, failure, failure]
    assert committer.pending(PROJECT_ORIGIN) == 0
    ledger.failure = None
    assert committer.submit(PROJECT_ORIGIN, _revenue(world, 4)).index == 0


def test_an_error_raised_for_the_whole_batch_is_raised_in_its_caller(
    world: World,
) -> None:
    committer = GroupCommitter(world.ledger)

    with pytest.raises(LogNotFoundError):
        committer.submit("chengdu.test/p/nowhere", _revenue(world))

    assert committer.pending("chengdu.test/p/nowhere") == 0


def test_a_lone_request_is_committed_at_once_in_its_own_thread(world: World) -> None:
    ledger = GatedLedger(world)
    ledger.gate.set()
    committer = GroupCommitter(ledger)

    receipt = committer.submit(PROJECT_ORIGIN, _revenue(world))

    assert ledger.batches == [1]
    assert ledger.threads == [threading.current_thread()]
    assert world.ledger.get_checkpoint(PROJECT_ORIGIN).size == receipt.index + 1
    assert committer.pending(PROJECT_ORIGIN) == 0


def test_no_batch_is_larger_than_max_batch(world: World) -> None:
    ledger = GatedLedger(world)
    committer = GroupCommitter(ledger, max_batch=2)

    callers = _queue_behind_a_held_leader(
        committer, ledger, [_revenue(world, n) for n in range(1, 6)]
    )

    assert ledger.batches == [1, 2, 2]
    assert all(c.error is None for c in callers)
    assert world.ledger.log_size(PROJECT_ORIGIN) == 5


def test_a_max_batch_below_one_is_a_configuration_error(world: World) -> None:
    with pytest.raises(ConfigurationError, match="max_batch"):
        GroupCommitter(world.ledger, max_batch=0)


def test_the_post_route_commits_through_the_apps_committer_and_keeps_200_for_a_retry(
    world: World,
) -> None:
    app = create_app(world.ledger)
    ledger = GatedLedger(world)
    ledger.gate.set()
    app.state.committer = GroupCommitter(ledger)
    submission = _revenue(world).to_json()

    with TestClient(app) as client:
        first = client.post(f"/v1/projects/{PROJECT}/entries", json=submission)
        again = client.post(f"/v1/projects/{PROJECT}/entries", json=submission)

    assert (first.status_code, again.status_code) == (201, 200)
    assert ledger.batches == [1, 1]
    assert again.json()["index"] == first.json()["index"] == 0
