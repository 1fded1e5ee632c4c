"""Group commit of single submissions (issue 5): many requests, one transaction.

Concurrent ``POST …/entries`` requests to the same log queue up here; one of them at a
time — the leader — posts everything queued so far (at most ``max_batch``) with
:meth:`~domain.application.LedgerApplication.submit_batch`, which appends the accepted
ones in one ``save()`` under one signed checkpoint (SPEC §2–3), and then hands every
caller its own outcome. A caller returns only after the transaction holding its entry
has committed, so a receipt still means "durable".

The scheme is the writer queue of LevelDB's ``DBImpl::Write``: a caller joins the
log's queue; the caller at the front leads; the others wait until the leader either
delivers their outcome or, having finished its batch, passes the lead to the new
front. There is no timer: a leader takes what is queued at that moment, so a lone
request is posted at once, and batches grow only while a previous batch is being
written. Threads and ``threading`` primitives only (the API's endpoints run in the
threadpool; the ledger is synchronous).

Errors: a rejected submission raises its own :class:`~domain.errors.LedgerError`;
anything ``submit_batch`` itself raises (an unknown log, a store failure) is raised in
every caller of that batch, and the next batch is led as usual.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from api.write_lock import NoWriteLock, WriteLock
from domain.entries import Submission
from domain.errors import ConfigurationError, LedgerError
from domain.receipts import Receipt

DEFAULT_MAX_BATCH: Final = 256


class BatchSubmitter(Protocol):
    """What the committer needs of the ledger (``LedgerApplication`` is one)."""

    def submit_batch(
        self, origin: str, submissions: Sequence[Submission]
    ) -> list[Receipt | LedgerError]: ...

    def log_size(self, origin: str) -> int: ...


@dataclass(eq=False)
class _Waiter:
    """One caller in a log's queue, and, once its batch is posted, its outcome."""

    submission: Submission
    woken: threading.Event = field(default_factory=threading.Event)
    # A receipt, the submission's rejection, or what submit_batch raised.
    outcome: Receipt | BaseException | None = None
    # The log's size before the batch: a receipt below it is a safe retry.
    size_before: int = 0

    def result(self) -> Receipt:
        outcome = self.outcome
        if isinstance(outcome, Receipt):
            return outcome
        if outcome is None:  # not reachable: the leader answers before waking
            raise LedgerError("the group commit gave this submission no outcome")
        raise outcome


class GroupCommitter:
    """Posts concurrent single submissions to a log in shared transactions."""

    def __init__(
        self,
        ledger: BatchSubmitter,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        write_lock: WriteLock | None = None,
    ) -> None:
        if max_batch < 1:
            raise ConfigurationError(f"max_batch must be at least 1, not {max_batch}")
        self._ledger = ledger
        # Shared with other processes on the store (api.write_lock).
        self._write_lock = write_lock if write_lock is not None else NoWriteLock()
        self._max_batch = max_batch
        self._lock = threading.Lock()
        # Per log: the callers not yet answered, the leader's batch at the front.
        self._queues: dict[str, deque[_Waiter]] = {}

    @property
    def max_batch(self) -> int:
        return self._max_batch

    def pending(self, origin: str) -> int:
        """How many callers are queued on ``origin`` (the batch being written included)."""
        with self._lock:
            queue = self._queues.get(origin)
            return 0 if queue is None else len(queue)

    def submit(self, origin: str, submission: Submission) -> Receipt:
        """Post one submission; returns its receipt once durable, or raises its error.

        Like :meth:`~domain.application.LedgerApplication.submit`, but the submission
        may share a transaction and a checkpoint with concurrent callers on ``origin``.
        """
        return self.post(origin, submission)[0]

    def post(self, origin: str, submission: Submission) -> tuple[Receipt, bool]:
        """Like :meth:`submit`, and whether the entry was appended now (not a retry).

        The leader reads the log's size once per batch, holding the write lock, so a
        request need not read it itself: that read waited for the batch being written
        and kept the next one small.
        """
        waiter = _Waiter(submission)
        with self._lock:
            queue = self._queues.setdefault(origin, deque())
            queue.append(waiter)
            leads = len(queue) == 1
        if not leads:
            waiter.woken.wait()
        if waiter.outcome is None:  # woken to lead, not answered
            self._lead(origin, queue)
        receipt = waiter.result()
        return receipt, receipt.index >= waiter.size_before

    def submit_batch(
        self, origin: str, submissions: Sequence[Submission]
    ) -> tuple[list[Receipt | LedgerError], int]:
        """A whole batch (``entries:batch``) under the write lock; also the size before.

        Not queued with single posts (it is its own transaction already), but it holds
        the cross-process lock like a leader, so other workers' batches do not collide
        with it.
        """
        with self._write_lock.hold(origin):
            size_before = self._ledger.log_size(origin)
            return self._ledger.submit_batch(origin, submissions), size_before

    def _front(self, queue: deque[_Waiter]) -> list[_Waiter]:
        """The next batch: the front of the queue, at most ``max_batch``."""
        with self._lock:
            return [queue[i] for i in range(min(len(queue), self._max_batch))]

    def _lead(self, origin: str, queue: deque[_Waiter]) -> None:
        """Post the front of ``queue`` as one batch, answer it, pass the lead on."""
        batch: list[_Waiter] = []
        outcomes: Sequence[Receipt | BaseException]
        size_before = 0
        try:
            with self._write_lock.hold(origin):
                # The batch is chosen once the lock is held, so what queued while
                # another process was writing joins it.
                batch = self._front(queue)
                # Also brings this process's state of the log up to date, so the
                # ledger's first, optimistic attempt does not collide.
                size_before = self._ledger.log_size(origin)
                outcomes = self._ledger.submit_batch(
                    origin, [waiter.submission for waiter in batch]
                )
            if len(outcomes) != len(batch):
                raise LedgerError(
                    f"submit_batch gave {len(outcomes)} outcomes for {len(batch)} "
                    "submissions"
                )
        except BaseException as exc:  # every caller of the batch must see it
            batch = batch or self._front(queue)
            outcomes = [exc] * len(batch)
        with self._lock:
            for _ in batch:
                queue.popleft()
            if queue:
                next_leader: _Waiter | None = queue[0]
            else:
                next_leader = None
                del self._queues[origin]
        for waiter, outcome in zip(batch, outcomes, strict=True):
            waiter.size_before = size_before
            waiter.outcome = outcome
            waiter.woken.set()
        if next_leader is not None:
            next_leader.woken.set()
