"""Code that tests run in other processes: racing cosigners, a crashing writer.

``python -m tests.witness.workers crash DIR REQUEST STEP`` cosigns the request in
``REQUEST`` with the witness folder ``DIR`` and kills the process (``os._exit``) at
``STEP`` of the atomic state update: ``before-fsync`` (the temporary file is
written), ``before-rename`` (it is synced) or ``before-dir-fsync`` (it is renamed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import api.witness_store as store
from api.witness_store import WitnessFolder
from domain.errors import LedgerError
from domain.witness import AddCheckpointRequest

CRASH_EXIT = 97


def race(directory: str, body: bytes, barrier: Any, results: Any) -> None:
    """Wait for the other racer, then try to cosign; report the outcome."""
    folder = WitnessFolder.open(Path(directory))
    request = AddCheckpointRequest.from_bytes(body)
    barrier.wait()
    try:
        folder.add_checkpoint(request)
    except LedgerError as exc:
        results.put(type(exc).__name__)
    else:
        results.put("cosigned")


def crash(directory: str, request_file: str, step: str) -> None:
    def die(*_: object, **__: object) -> None:
        os._exit(CRASH_EXIT)

    if step == "before-fsync":
        setattr(os, "fsync", die)  # noqa: B010 - patch the module for this process
    elif step == "before-rename":
        setattr(os, "replace", die)  # noqa: B010
    elif step == "before-dir-fsync":
        setattr(store, "_fsync_folder", die)  # noqa: B010
    else:
        raise SystemExit(f"unknown step {step!r}")
    folder = WitnessFolder.open(Path(directory))
    folder.add_checkpoint(
        AddCheckpointRequest.from_bytes(Path(request_file).read_bytes())
    )
    raise SystemExit(0)  # not reached: the step always runs


if __name__ == "__main__":
    if sys.argv[1] == "crash":
        crash(*sys.argv[2:5])
