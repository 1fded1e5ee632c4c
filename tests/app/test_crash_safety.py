"""Crash safety: a writer killed with SIGKILL mid-stream loses nothing it acknowledged.

The event store is the source of truth (SPEC §2) and every batch — entries, id claims,
sealed tiles and its checkpoint — is one ``save()``, one transaction. So whatever
moment a writer dies at, the store holds whole batches only: every entry the writer
got a receipt for is there with the same leaf hash, the stored tree and checkpoints
rebuild from the entries, each checkpoint is consistent with the next, and the next
writer carries on from there.

``crash_writer.py`` is the writer; this test kills it at random moments, checks the
store in-process, and restarts it, at least :data:`KILLS` times.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from domain.merkle import verify_consistency
from tests.app.crash_writer import open_world
from tests.builders import PROJECT_ORIGIN, REGISTRY_ORIGIN, World

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20
READY_TIMEOUT_S = 30.0
#: How long the writer runs after it said it was ready, before the SIGKILL.
RUN_FOR_S = (0.02, 0.35)


@dataclass
class WriterRun:
    """One writer process and the complete lines it printed."""

    process: subprocess.Popen[bytes]
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    def read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            if not raw.endswith(b"\n"):
                break  # cut off by the kill: the writer never finished saying it
            self.lines.append(raw.decode("ascii").rstrip("\n"))
            if len(self.lines) == 1:
                self.ready.set()
        self.ready.set()

    def receipts(self) -> dict[int, str]:
        """Index → leaf hash hex, for every receipt the writer reported."""
        result: dict[int, str] = {}
        for line in self.lines[1:]:
            index, leaf_hash = line.split()
            assert result.setdefault(int(index), leaf_hash) == leaf_hash
        return result


def start_writer(env: dict[str, str], run: int, stderr: IO[bytes]) -> WriterRun:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.app.crash_writer", str(run), str(1000 + run)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    writer = WriterRun(process)
    assert process.stdout is not None
    writer.reader = threading.Thread(
        target=writer.read, args=(process.stdout,), daemon=True
    )
    writer.reader.start()
    return writer


def kill_after_a_while(writer: WriterRun, rng: random.Random) -> None:
    """Wait for ``ready``, let the writer post for a random short time, SIGKILL it."""
    if writer.ready.wait(READY_TIMEOUT_S) and writer.process.poll() is None:
        time.sleep(rng.uniform(*RUN_FOR_S))
    stop(writer)


def stop(writer: WriterRun) -> None:
    """SIGKILL the writer (if still running), reap it, read its last lines."""
    if writer.process.poll() is None:
        writer.process.send_signal(signal.SIGKILL)
    writer.process.wait()
    if writer.reader is not None:
        writer.reader.join()
    if writer.process.stdout is not None:
        writer.process.stdout.close()


def check_store(
    world: World, acknowledged: dict[int, str], checked_checkpoints: int
) -> int:
    """Everything a killed writer must leave behind; returns checkpoints checked."""
    ledger = world.ledger
    # Every entry the writer got a receipt for is there, with the same leaf hash.
    stored = {
        entry.index: entry.leaf_hash.hex()
        for entry in ledger.list_entries(PROJECT_ORIGIN)
    }
    missing = {i: h for i, h in acknowledged.items() if stored.get(i) != h}
    assert not missing, f"acknowledged entries lost or changed: {sorted(missing)[:10]}"
    # The stored tree, tiles and checkpoints rebuild from the entries alone.
    assert ledger.verify_stored_tree(PROJECT_ORIGIN) == len(stored)
    ledger.verify_stored_tree(REGISTRY_ORIGIN)
    # Each checkpoint is consistent with the next (the new ones since the last check).
    checkpoints = list(ledger.list_checkpoints(PROJECT_ORIGIN))
    assert checkpoints[-1].size == len(stored)
    start = max(checked_checkpoints - 1, 0)
    for old, new in zip(checkpoints[start:], checkpoints[start + 1 :], strict=False):
        assert old.size <= new.size
        verify_consistency(
            old_size=old.size,
            new_size=new.size,
            old_root=old.root,
            new_root=new.root,
            proof=ledger.consistency_proof(PROJECT_ORIGIN, old.size, new.size),
        )
    return len(checkpoints)


@pytest.mark.slow
def test_a_writer_killed_mid_stream_loses_no_acknowledged_entry_and_the_log_carries_on(
    durable_store_env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(6962)  # noqa: S311 - test timing, not secrets
    acknowledged: dict[int, str] = {}
    size = 0
    checked_checkpoints = 0
    kills_with_receipts = 0
    for run in range(1, KILLS + 1):
        # A writer posts entries until it is killed at a random moment.
        with (tmp_path / f"writer-{run}.stderr").open("w+b") as stderr:
            writer = start_writer(durable_store_env, run, stderr)
            try:
                kill_after_a_while(writer, rng)
            finally:
                stop(writer)
            stderr.seek(0)
            assert writer.process.returncode == -signal.SIGKILL, stderr.read().decode()
        # It started where the previous run (and the parent's entry) left off.
        assert writer.lines[0] == f"ready {size}"
        receipts = writer.receipts()
        for index, leaf_hash in receipts.items():
            assert acknowledged.setdefault(index, leaf_hash) == leaf_hash
        kills_with_receipts += bool(receipts)

        # In-process: nothing acknowledged was lost and the log still verifies.
        world = open_world(durable_store_env)  # the same world, already registered
        try:
            checked_checkpoints = check_store(world, acknowledged, checked_checkpoints)
            # The next append works and lands right after the last entry.
            size = world.ledger.log_size(PROJECT_ORIGIN)
            receipt = world.revenue(entry_id=f"parent-{run}")
            assert receipt.index == size
            acknowledged[receipt.index] = receipt.leaf_hash.hex()
            size += 1
        finally:
            world.ledger.close()

    # A final full pass: every checkpoint the log ever signed against the next one.
    world = open_world(durable_store_env)
    try:
        check_store(world, acknowledged, 0)
        assert world.ledger.log_size(REGISTRY_ORIGIN) == 4
    finally:
        world.ledger.close()
    assert kills_with_receipts >= KILLS // 2, "too few kills landed mid-stream"
