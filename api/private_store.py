"""The private store: owners' contact details, kept off the log and never published.

SPEC §3: private personal data stays in a private store and the log carries only its
masked form and a salted commitment, so it can be erased without touching the log.
One row per challenge raised through the intake (:mod:`api.intake`):

==================  ===========================================================
``tracking_hash``   SHA-256 of the owner's tracking code (the code itself is not kept)
``origin``          the project log the challenge is in
``challenge_id``    its ``challenge_id`` there (unique per origin)
``raised_index``    the index of its ``ChallengeRaised``
``created_at``      when the intake took it (UTC)
``contact``         the contact details as canonical JSON (NULL once erased)
``salt``            the commitment's 32-byte salt, hex (NULL once erased)
``erased_at``       when the private data was erased (NULL while kept)
==================  ===========================================================

Where it lives follows the ledger's store, but never inside the event store: on SQLite
a separate file beside the ledger's (``<stem>.private.sqlite``, or
``PRIVATE_SQLITE_DBNAME``) that publishing never reads; on PostgreSQL the table
``challenge_private`` in the ledger's schema; for the in-memory ledger an in-memory
SQLite database. Erasing sets ``contact`` and ``salt`` to NULL (SQLite then runs
``VACUUM`` so the bytes leave the file); the row keeps only what links the tracking
code to the public entry.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from domain.errors import ChallengeConflictError, ConfigurationError

TABLE: Final = "challenge_private"
_COLUMNS: Final = (
    "tracking_hash, origin, challenge_id, raised_index, created_at, contact, salt, "
    "erased_at"
)


@dataclass(frozen=True)
class PrivateRecord:
    """One challenge's private row."""

    tracking_hash: str
    origin: str
    challenge_id: str
    raised_index: int
    created_at: str
    contact: str | None  # canonical JSON of the contact details
    salt: str | None  # hex
    erased_at: str | None = None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class PrivateStore(ABC):
    """Where the intake keeps contact details; see the module docstring."""

    @abstractmethod
    def add(self, record: PrivateRecord) -> None:
        """Store a new row (ChallengeConflictError if the code or challenge exists)."""

    @abstractmethod
    def get(self, tracking_hash: str) -> PrivateRecord | None:
        """The row of a tracking code's hash, if any."""

    @abstractmethod
    def find(self, origin: str, challenge_id: str) -> PrivateRecord | None:
        """The row of a challenge, if it was raised through this intake."""

    @abstractmethod
    def erase(self, tracking_hash: str, at: str) -> PrivateRecord | None:
        """Delete the contact details and salt of a row (kept erased if already)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


class SQLitePrivateStore(PrivateStore):
    """A private store in its own SQLite file (or ``:memory:``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                "tracking_hash TEXT PRIMARY KEY, origin TEXT NOT NULL, "
                "challenge_id TEXT NOT NULL, raised_index INTEGER NOT NULL, "
                "created_at TEXT NOT NULL, contact TEXT, salt TEXT, erased_at TEXT, "
                "UNIQUE (origin, challenge_id))"
            )
            self._db.commit()
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"无法打开私有库 / cannot open the private store {path}: {exc}"
            ) from None

    def add(self, record: PrivateRecord) -> None:
        with self._lock:
            try:
                with self._db:
                    self._db.execute(
                        f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",  # noqa: S608 - constants only
                        _row(record),
                    )
            except sqlite3.IntegrityError:
                raise ChallengeConflictError(
                    f"私有库已有质疑 {record.challenge_id} / the private store already "
                    "holds this challenge"
                ) from None

    def get(self, tracking_hash: str) -> PrivateRecord | None:
        return self._one("tracking_hash = ?", (tracking_hash,))

    def find(self, origin: str, challenge_id: str) -> PrivateRecord | None:
        return self._one("origin = ? AND challenge_id = ?", (origin, challenge_id))

    def erase(self, tracking_hash: str, at: str) -> PrivateRecord | None:
        with self._lock:
            with self._db:
                self._db.execute(
                    f"UPDATE {TABLE} SET contact = NULL, salt = NULL, "  # noqa: S608 - constants only
                    "erased_at = COALESCE(erased_at, ?) WHERE tracking_hash = ?",
                    (at, tracking_hash),
                )
            if self.path != ":memory:":
                self._db.execute("VACUUM")  # the erased bytes leave the file
        return self.get(tracking_hash)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _one(self, where: str, args: tuple[Any, ...]) -> PrivateRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE {where}",  # noqa: S608 - constants only
                args,
            ).fetchone()
        return None if row is None else PrivateRecord(*row)


class PostgresPrivateStore(PrivateStore):
    """A private store as one table in the ledger's PostgreSQL schema."""

    def __init__(self, env: Mapping[str, str]) -> None:
        import psycopg
        from psycopg import sql

        self._sql = sql
        schema = env.get("POSTGRES_SCHEMA")
        self._table = sql.Identifier(schema, TABLE) if schema else sql.Identifier(TABLE)
        self._conninfo = psycopg.conninfo.make_conninfo(
            dbname=env.get("POSTGRES_DBNAME", "shuangshai"),
            host=env.get("POSTGRES_HOST", "127.0.0.1"),
            port=env.get("POSTGRES_PORT", "5432"),
            user=env.get("POSTGRES_USER", "postgres"),
            password=env.get("POSTGRES_PASSWORD", ""),
        )
        self._lock = threading.Lock()
        try:
            self._db = psycopg.connect(self._conninfo, autocommit=True)
            self._db.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    "tracking_hash TEXT PRIMARY KEY, origin TEXT NOT NULL, "
                    "challenge_id TEXT NOT NULL, raised_index BIGINT NOT NULL, "
                    "created_at TEXT NOT NULL, contact TEXT, salt TEXT, "
                    "erased_at TEXT, UNIQUE (origin, challenge_id))"
                ).format(self._table)
            )
        except psycopg.Error as exc:
            raise ConfigurationError(
                f"无法打开私有库 / cannot open the private store table: {exc}"
            ) from None

    def add(self, record: PrivateRecord) -> None:
        import psycopg

        query = self._sql.SQL(
            "INSERT INTO {} (" + _COLUMNS + ") VALUES (%s,%s,%s,%s,%s,%s,%s,%s)"  # noqa: S608 - constants only
        ).format(self._table)
        with self._lock:
            try:
                self._db.execute(query, _row(record))
            except psycopg.errors.UniqueViolation:
                raise ChallengeConflictError(
                    f"私有库已有质疑 {record.challenge_id} / the private store already "
                    "holds this challenge"
                ) from None

    def get(self, tracking_hash: str) -> PrivateRecord | None:
        return self._one("tracking_hash = %s", (tracking_hash,))

    def find(self, origin: str, challenge_id: str) -> PrivateRecord | None:
        return self._one("origin = %s AND challenge_id = %s", (origin, challenge_id))

    def erase(self, tracking_hash: str, at: str) -> PrivateRecord | None:
        query = self._sql.SQL(
            "UPDATE {} SET contact = NULL, salt = NULL, "
            "erased_at = COALESCE(erased_at, %s) WHERE tracking_hash = %s"
        ).format(self._table)
        with self._lock:
            self._db.execute(query, (at, tracking_hash))
        return self.get(tracking_hash)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _one(self, where: str, args: tuple[Any, ...]) -> PrivateRecord | None:
        query = self._sql.SQL("SELECT " + _COLUMNS + " FROM {} WHERE " + where).format(  # noqa: S608 - constants only
            self._table
        )
        with self._lock:
            row = self._db.execute(query, args).fetchone()
        return None if row is None else PrivateRecord(*row)


def _row(record: PrivateRecord) -> tuple[Any, ...]:
    return (
        record.tracking_hash,
        record.origin,
        record.challenge_id,
        record.raised_index,
        record.created_at,
        record.contact,
        record.salt,
        record.erased_at,
    )


def private_sqlite_path(env: Mapping[str, str]) -> str:
    """``<ledger stem>.private.sqlite`` beside the ledger (or ``PRIVATE_SQLITE_DBNAME``)."""
    explicit = env.get("PRIVATE_SQLITE_DBNAME")
    if explicit:
        return explicit
    ledger = Path(env["SQLITE_DBNAME"])
    return str(ledger.with_name(f"{ledger.stem}.private.sqlite"))


def open_private_store(env: Mapping[str, str]) -> PrivateStore:
    """The private store that goes with the ledger whose settings are ``env``."""
    module = env.get("PERSISTENCE_MODULE", "eventsourcing.popo")
    if module == "eventsourcing.postgres":
        return PostgresPrivateStore(env)
    if module == "eventsourcing.sqlite":
        dbname = env.get("SQLITE_DBNAME", ":memory:")
        if dbname.startswith(":memory:") or "mode=memory" in dbname:
            return SQLitePrivateStore(":memory:")  # an in-memory ledger keeps none
        return SQLitePrivateStore(private_sqlite_path(env))
    if module == "eventsourcing.popo":
        return SQLitePrivateStore(":memory:")
    raise ConfigurationError(
        f"私有库不支持存储 {module} / no private store for {module}"
    )
