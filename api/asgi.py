"""The ASGI factory each worker process of ``shuangshai serve --workers N`` calls.

uvicorn can start several worker processes only from an import string, so each worker
builds its own app here: it opens the instance named by ``SHUANGSHAI_INSTANCE`` (set
by ``shuangshai serve``), its own ledger (own connections, own in-memory log state)
and closes that ledger on shutdown. The processes share nothing but the store; the
ledger refreshes a log's state whenever another process appended (see
``docs/decisions.md``, "HTTP API under load").
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from api.app import create_app
from api.instance import DEFAULT_INSTANCE_DIR, open_instance
from api.intake import ChallengeIntake
from api.settings import Settings


def app_from_env() -> FastAPI:
    """A worker's app: the instance from ``SHUANGSHAI_INSTANCE``, settings from env."""
    settings = Settings.from_env()
    instance = open_instance(
        Path(os.environ.get("SHUANGSHAI_INSTANCE", DEFAULT_INSTANCE_DIR))
    )
    ledger = instance.open_ledger(create_tables=False)  # serve created them
    # Each worker opens the owners' challenge intake too; the private store is a
    # SQLite file or a PostgreSQL table, shared under the database's own locking.
    intake = ChallengeIntake.for_instance(instance, ledger)
    return create_app(ledger, settings=settings, intake=intake, owns_ledger=True)
