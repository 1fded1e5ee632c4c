"""The per-log write lock shared by processes: one holder per log, logs independent."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from api.write_lock import (
    FileWriteLock,
    NoWriteLock,
    PostgresWriteLock,
    write_lock_for,
)

WAIT = 5.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_locks(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Two lock objects on the same store, as two processes would have."""
    if request.param == "sqlite":
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
        }
    else:
        env = request.getfixturevalue("postgres_env")
    first, second = write_lock_for(env), write_lock_for(env)
    yield first, second
    for lock in (first, second):
        if isinstance(lock, PostgresWriteLock):
            lock.close()


def test_a_log_has_one_writer_at_a_time_across_lock_owners(two_locks: Any) -> None:
    first, second = two_locks
    held = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def hold_first() -> None:
        with first.hold("chengdu.test/p/a"):
            order.append("first in")
            held.set()
            release.wait(WAIT)
            order.append("first out")

    holder = threading.Thread(target=hold_first)
    holder.start()
    assert held.wait(WAIT)
    waiter = threading.Thread(target=lambda: _enter(second, "chengdu.test/p/a", order))
    waiter.start()
    time.sleep(0.3)
    assert order == ["first in"]  # the second owner waits …
    release.set()
    holder.join(WAIT)
    waiter.join(WAIT)
    assert order == ["first in", "first out", "second in"]  # … until the first is out


def test_another_log_is_not_held_up_on_postgres(
    postgres_env: dict[str, str],
) -> None:
    first, second = write_lock_for(postgres_env), write_lock_for(postgres_env)
    assert isinstance(first, PostgresWriteLock)
    assert isinstance(second, PostgresWriteLock)
    try:
        with first.hold("chengdu.test/p/a"):
            order: list[str] = []
            thread = threading.Thread(
                target=lambda: _enter(second, "chengdu.test/p/b", order)
            )
            thread.start()
            thread.join(WAIT)
            assert order == ["second in"]
    finally:
        first.close()
        second.close()


def test_the_store_chooses_the_lock(tmp_path: Path) -> None:
    sqlite = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "x.sqlite"),
    }
    assert isinstance(write_lock_for(sqlite), FileWriteLock)
    assert isinstance(
        write_lock_for({"PERSISTENCE_MODULE": "eventsourcing.popo"}), NoWriteLock
    )
    memory_sqlite = {**sqlite, "SQLITE_DBNAME": ":memory:"}
    assert isinstance(write_lock_for(memory_sqlite), NoWriteLock)
    assert PostgresWriteLock.key("a") != PostgresWriteLock.key("b")


def _enter(lock: Any, origin: str, order: list[str]) -> None:
    with lock.hold(origin):
        order.append("second in")
