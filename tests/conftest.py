"""Shared fixtures: stores (memory, SQLite file, PostgreSQL) and a populated world."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check what is true, not how fast: no per-example deadline, so a
# loaded machine (CI shares its cores) cannot fail them by timing alone.
settings.register_profile("shuangshai", deadline=None)
settings.load_profile("shuangshai")

PG = {
    "POSTGRES_DBNAME": os.environ.get("SHUANGSHAI_TEST_PG_DBNAME", "test"),
    "POSTGRES_HOST": os.environ.get("SHUANGSHAI_TEST_PG_HOST", "127.0.0.1"),
    "POSTGRES_PORT": os.environ.get("SHUANGSHAI_TEST_PG_PORT", "5432"),
    "POSTGRES_USER": os.environ.get("SHUANGSHAI_TEST_PG_USER", "postgres"),
    "POSTGRES_PASSWORD": os.environ.get("SHUANGSHAI_TEST_PG_PASSWORD", ""),
}


def _postgres_reason() -> str | None:
    """None if PostgreSQL is reachable, else why not."""
    try:
        import psycopg

        with psycopg.connect(
            dbname=PG["POSTGRES_DBNAME"],
            host=PG["POSTGRES_HOST"],
            port=PG["POSTGRES_PORT"],
            user=PG["POSTGRES_USER"],
            password=PG["POSTGRES_PASSWORD"],
            connect_timeout=3,
        ):
            return None
    except Exception as exc:  # any failure to connect means "not reachable"
        return f"PostgreSQL not reachable at {PG['POSTGRES_HOST']}:{PG['POSTGRES_PORT']}: {exc}"


@pytest.fixture(scope="session")
def postgres_available() -> None:
    reason = _postgres_reason()
    if reason is None:
        return
    if os.environ.get("SHUANGSHAI_REQUIRE_POSTGRES"):
        pytest.fail(f"SHUANGSHAI_REQUIRE_POSTGRES is set but {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_env(postgres_available: None) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=PG["POSTGRES_DBNAME"],
        host=PG["POSTGRES_HOST"],
        port=PG["POSTGRES_PORT"],
        user=PG["POSTGRES_USER"],
        password=PG["POSTGRES_PASSWORD"],
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_SCHEMA": schema,
            **PG,
        }
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The same tests on every store: in-memory, SQLite file and PostgreSQL."""
    if request.param == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if request.param == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
        }
    env: dict[str, str] = request.getfixturevalue("postgres_env")
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def durable_store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The stores that outlive an application: SQLite file and PostgreSQL."""
    if request.param == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
        }
    env: dict[str, str] = request.getfixturevalue("postgres_env")
    return env
