"""The witness folder (api/witness_store.py): persisted state, atomic and locked.

A crash at any step of an update leaves the old state or the new one; two processes
racing to cosign at the same size never both succeed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.witness_store import STATE_FILE, WitnessFolder
from domain.errors import (
    AlreadyInitialisedError,
    ConfigurationError,
    EquivocationError,
    WitnessSizeConflictError,
)
from domain.signing import Signer
from domain.witness import WitnessState
from tests.witness.helpers import CLOCK, FakeLog, witness_signer
from tests.witness.workers import CRASH_EXIT, race

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log() -> FakeLog:
    return FakeLog().grow(5)


@pytest.fixture
def folder(tmp_path: Path, log: FakeLog) -> WitnessFolder:
    witness = WitnessFolder.init(
        tmp_path / "w", "witness.test/w1", signer=witness_signer()
    )
    witness.add_log(log.vkey)
    witness.add_checkpoint(log.request(0), clock=CLOCK)
    return witness


def state_bytes(folder: WitnessFolder) -> bytes:
    return (folder.path / STATE_FILE).read_bytes()


# --- the folder -----------------------------------------------------------------------
def test_init_makes_a_private_key_and_an_empty_state(tmp_path: Path) -> None:
    folder = WitnessFolder.init(tmp_path / "w", "witness.test/w9")
    key_file = tmp_path / "w" / "witness.skey"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert Signer.from_skey(key_file.read_text().strip()).vkey == folder.vkey
    reopened = WitnessFolder.open(tmp_path / "w")
    assert reopened.vkey == folder.vkey
    assert reopened.read_state() == WitnessState()
    document = json.loads((tmp_path / "w" / STATE_FILE).read_text())
    assert document == {"format": 1, "witness": folder.vkey, "logs": {}}


def test_init_refuses_an_existing_witness(folder: WitnessFolder) -> None:
    with pytest.raises(AlreadyInitialisedError):
        WitnessFolder.init(folder.path, "witness.test/w1")


def test_open_refuses_a_folder_that_is_not_a_witness(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="witness init"):
        WitnessFolder.open(tmp_path)


def test_a_state_file_of_another_witness_is_refused(
    folder: WitnessFolder, tmp_path: Path
) -> None:
    other = WitnessFolder.init(tmp_path / "other", "witness.test/w2")
    (other.path / STATE_FILE).write_bytes(state_bytes(folder))
    with pytest.raises(ConfigurationError, match="belongs to witness"):
        other.read_state()


def test_the_cosigned_state_survives_reopening(
    folder: WitnessFolder, log: FakeLog
) -> None:
    state = WitnessFolder.open(folder.path).read_state()
    assert state.logs[log.origin].size == 5
    assert state.logs[log.origin].root == log.root()


def test_a_refused_fork_is_kept_as_evidence(
    folder: WitnessFolder, log: FakeLog
) -> None:
    before = state_bytes(folder)
    fork = log.fork(at=2)
    request = fork.request(0)
    request = type(request)(5, (), fork.note())
    with pytest.raises(EquivocationError):
        folder.add_checkpoint(request, clock=CLOCK)
    assert state_bytes(folder) == before
    (record,) = (folder.path / "evidence").glob("*.json")
    evidence = json.loads(record.read_text())
    assert evidence["presented"] == fork.note()
    assert evidence["witnessed"] == log.note()
    (body,) = (folder.path / "evidence").glob("*.request")
    assert fork.note().encode() in body.read_bytes()


def test_save_state_refuses_to_move_a_log_backwards(
    folder: WitnessFolder, log: FakeLog
) -> None:
    stored = folder.read_state()
    with pytest.raises(ConfigurationError, match="does not extend"):
        folder.save_state(WitnessState().trust_log(log.vkey))
    folder.save_state(stored)
    assert folder.read_state() == stored


# --- atomic updates ---------------------------------------------------------------------
@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failure_before_the_rename_leaves_the_old_state(
    folder: WitnessFolder,
    log: FakeLog,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    before = state_bytes(folder)
    log.grow(3)

    def fail(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)  # as api/witness_store.py calls it
    with pytest.raises(ConfigurationError, match="old state stands"):
        folder.add_checkpoint(log.request(5), clock=CLOCK)
    monkeypatch.undo()
    assert state_bytes(folder) == before
    assert [p.name for p in folder.path.iterdir() if p.name.endswith(".tmp")] == []
    # The refusal changed nothing: the same request succeeds now.
    assert folder.add_checkpoint(log.request(5), clock=CLOCK).checkpoint.size == 8


@pytest.mark.parametrize(
    ("step", "expect_new"),
    [("before-fsync", False), ("before-rename", False), ("before-dir-fsync", True)],
)
def test_a_crash_at_any_step_leaves_the_old_or_the_new_state(
    folder: WitnessFolder, log: FakeLog, tmp_path: Path, step: str, expect_new: bool
) -> None:
    old = folder.read_state()
    log.grow(3)
    request_file = tmp_path / "request"
    request_file.write_bytes(log.request(5).to_bytes())
    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.witness.workers",
            "crash",
            str(folder.path),
            str(request_file),
            step,
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert crashed.returncode == CRASH_EXIT, crashed.stderr.decode()
    state = WitnessFolder.open(folder.path).read_state()  # parses: never torn
    size = state.logs[log.origin].size
    assert state == old if not expect_new else size == 8
    assert size in (5, 8)
    # Whatever survived, the witness goes on from it.
    folder.add_checkpoint(log.request(size), clock=CLOCK)
    assert folder.read_state().logs[log.origin].size == 8


# --- two processes at the same size -------------------------------------------------------
def test_two_processes_never_cosign_two_checkpoints_of_the_same_size(
    tmp_path: Path,
) -> None:
    context = multiprocessing.get_context("spawn")
    log = FakeLog().grow(6)
    for round_number in range(3):
        witness = WitnessFolder.init(tmp_path / f"w{round_number}", "witness.test/w1")
        witness.add_log(log.vkey)
        forks = [log.fork(at=3, tag=f"fork-{n}") for n in range(2)]
        barrier = context.Barrier(2)
        results = context.Queue()
        racers = [
            context.Process(
                target=race,
                args=(str(witness.path), fork.request(0).to_bytes(), barrier, results),
            )
            for fork in forks
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=120)
            assert racer.exitcode == 0
        outcomes = sorted(results.get(timeout=10) for _ in racers)
        assert outcomes == ["WitnessSizeConflictError", "cosigned"]
        state = witness.read_state().logs[log.origin]
        assert state.size == 6
        assert state.root in {fork.root() for fork in forks}


def test_threads_sharing_a_folder_also_serialise(
    folder: WitnessFolder, log: FakeLog
) -> None:
    import threading

    log.grow(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            folder.add_checkpoint(log.request(5), clock=CLOCK)
            outcomes.append("cosigned")
        except WitnessSizeConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "cosigned"]
    assert os.path.exists(folder.path / "witness.lock")
