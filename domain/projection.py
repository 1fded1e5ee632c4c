"""The notice-board read model, kept by the eventsourcing library's projections.

SPEC §2: the event store is the source of truth and every view is derived from it, so
it can be rebuilt at any time. This module materialises the boards of SPEC §4–5: one
row per accepted project entry, folded by :mod:`domain.board`. It follows the library's
projection design (``eventsourcing.projection`` in 9.5): the view *is* the store's
tracking recorder, and each change to it is written in the same transaction as the
tracking row that says which notification it came from, so a crash at any point leaves
the view either before or after an event, never half-way, and never counts one twice.

- :class:`BoardView` — the view's interface; :class:`SQLiteBoardView`,
  :class:`PostgresBoardView` and :class:`POPOBoardView` implement it on the library's
  ``SQLiteTrackingRecorder``, ``PostgresTrackingRecorder`` and ``POPOTrackingRecorder``.
  Tables are ``board_entries`` (origin, leaf_index, entry_type, json, reversed_by) and
  the library's tracking table (``board_tracking`` on PostgreSQL; ``tracking`` in the
  view's own SQLite file).
- :class:`BoardProjection` — ``Projection[BoardView]`` over the ``EntryAppended`` topic;
  project-log entries become rows, registry entries only advance the tracking.
- :func:`catch_up` — pull catch-up in batches (many events per transaction, tracked at
  the batch's last notification); what ``publish`` and rebuilds use.
- :func:`start_board_runner` — the stock ``ProjectionRunner``, on PostgreSQL
  (LISTEN/NOTIFY) and on SQLite, where :class:`PollingSQLiteApplicationRecorder`
  supplies, by polling, the ``subscribe()`` that the stock SQLite recorder lacks.
- :func:`open_board_view` — picks the view class from ``PERSISTENCE_MODULE``.

Where the view lives: on PostgreSQL in the ledger's database and schema (tables
``board_*``). On SQLite in its own file next to the ledger's, ``<stem>.board.sqlite``
(or ``BOARD_SQLITE_DBNAME``): SQLite has one writer per file, and derived data must not
hold the write lock that appends wait for; the library's SQLite tracking table has the
fixed name ``tracking``; and a rebuild is deleting one file. Atomicity is only needed
between the view's rows and the view's tracking, which share that file.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import (
    InfrastructureFactory,
    InfrastructureFactoryError,
    IntegrityError,
    Notification,
    Subscription,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.popo import POPOFactory, POPOTrackingRecorder
from eventsourcing.postgres import (
    PostgresDatastore,
    PostgresFactory,
    PostgresTrackingRecorder,
)
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnectionPool,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTrackingRecorder,
)
from eventsourcing.utils import Environment, get_topic
from psycopg.sql import SQL, Identifier

from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard
from domain.errors import ConcurrentWriteError, ConfigurationError, LogIntegrityError
from domain.events import EntryAppended

#: The projection's name: the prefix of its settings (``BOARD_SQLITE_DBNAME``) and of
#: its PostgreSQL tracking table (``board_tracking``).
BOARD = "board"
ENTRY_APPENDED_TOPIC = get_topic(EntryAppended)
DEFAULT_BATCH_SIZE = 500


def board_entry_of(event: object) -> BoardEntry | None:
    """The board entry an event adds, or None (registry entries, other events)."""
    if not isinstance(event, EntryAppended) or "/p/" not in event.origin:
        return None
    return BoardEntry.from_leaf(
        event.origin,
        event.index,
        event.leaf.encode("ascii"),
        bytes.fromhex(event.leaf_hash),
        event.firm,
    )


# --------------------------------------------------------------------------- views
class BoardView(TrackingRecorder, ABC):
    """The boards of every project, as rows tracked against the ledger's notifications.

    Writes: :meth:`apply_entries` (and :meth:`apply_entry`) insert the rows and the
    tracking row in one transaction; a notification at or below the view's position is
    refused with :class:`~domain.errors.ConcurrentWriteError` and changes nothing.
    Reads: :meth:`list_entries`, :meth:`list_origins`, :meth:`board`, and the library's
    ``max_tracking_id(application_name)`` and ``wait(...)``.
    """

    @abstractmethod
    def apply_entries(self, entries: Sequence[BoardEntry], tracking: Tracking) -> None:
        """Add ``entries`` (log order) and record ``tracking``, all in one transaction.

        An ``EntryReversed`` also sets ``reversed_by`` on the row it cancels. With no
        entries, only the tracking advances (a batch of registry entries).
        """

    def apply_entry(self, entry: BoardEntry, tracking: Tracking) -> None:
        """Add one entry and record ``tracking``, in one transaction."""
        self.apply_entries([entry], tracking)

    @abstractmethod
    def list_entries(self, origin: str) -> list[BoardEntry]:
        """A project's entries in index order, reversals linked (``reversed_by``)."""

    @abstractmethod
    def list_origins(self) -> list[str]:
        """The origins of the project logs that have at least one entry, sorted."""

    def board(self, origin: str) -> ProjectBoard:
        """A project's board (empty if the view holds nothing for ``origin``)."""
        return ProjectBoard.from_entries(origin, self.list_entries(origin))

    def close(self) -> None:
        """Release the view's connections (the view is unusable afterwards)."""

    @contextmanager
    def _refusing_conflicts(self, tracking: Tracking) -> Iterator[None]:
        """Translate the store's uniqueness refusals, after the rollback, precisely."""
        try:
            yield
        except IntegrityError as exc:
            position = self.max_tracking_id(tracking.application_name)
            if position is not None and position >= tracking.notification_id:
                raise _already_processed(tracking, position) from exc
            raise ConcurrentWriteError(
                f"看板视图写入冲突：第 {tracking.notification_id} 号通知的条目已在视图中 / the "
                f"board view refused notification {tracking.notification_id} of "
                f"{tracking.application_name!r}: its rows are already there ({exc})",
                context={"notification_id": tracking.notification_id},
            ) from exc


def _already_processed(
    tracking: Tracking, position: int | None
) -> ConcurrentWriteError:
    return ConcurrentWriteError(
        f"看板视图已处理到 {tracking.application_name} 的第 {position} 号通知，拒绝再次处理"
        f"第 {tracking.notification_id} 号 / the board view has already processed "
        f"notification {position} of {tracking.application_name!r}; refusing "
        f"notification {tracking.notification_id}",
        context={"position": position, "notification_id": tracking.notification_id},
    )


def _row_entry(json_text: str, reversed_by: int | None) -> BoardEntry:
    entry = BoardEntry.from_json(json_text)
    return entry if reversed_by is None else replace(entry, reversed_by=reversed_by)


def _row_params(entries: Sequence[BoardEntry]) -> list[tuple[str, int, str, str]]:
    return [(e.origin, e.index, e.entry_type, e.to_json()) for e in entries]


def _reversal_params(entries: Sequence[BoardEntry]) -> list[tuple[int, str, int]]:
    return [
        (e.index, e.origin, target)
        for e in entries
        if (target := e.reverses) is not None
    ]


class SQLiteBoardView(SQLiteTrackingRecorder, BoardView):
    """The board view in an SQLite file (its own, next to the ledger's)."""

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._insert_row = (
            "INSERT INTO board_entries (origin, leaf_index, entry_type, json) "
            "VALUES (?, ?, ?, ?)"
        )
        self._mark_reversed = (
            "UPDATE board_entries SET reversed_by = ? "
            "WHERE origin = ? AND leaf_index = ?"
        )

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            "CREATE TABLE IF NOT EXISTS board_entries ("
            "origin TEXT NOT NULL, "
            "leaf_index INTEGER NOT NULL, "
            "entry_type TEXT NOT NULL, "
            "json TEXT NOT NULL, "
            "reversed_by INTEGER, "
            "PRIMARY KEY (origin, leaf_index)) "
            "WITHOUT ROWID"
        )
        return statements

    def apply_entries(self, entries: Sequence[BoardEntry], tracking: Tracking) -> None:
        # Writes only, tracking last: the first statement takes SQLite's write lock
        # (waiting for it), so no earlier read snapshot can go stale under it.
        with (
            self._refusing_conflicts(tracking),
            self.datastore.transaction(commit=True) as c,
        ):
            c.executemany(self._insert_row, _row_params(entries))
            c.executemany(self._mark_reversed, _reversal_params(entries))
            self._insert_tracking(c, tracking)

    def list_entries(self, origin: str) -> list[BoardEntry]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT json, reversed_by FROM board_entries WHERE origin = ? "
                "ORDER BY leaf_index",
                (origin,),
            )
            rows = c.fetchall()
        return [_row_entry(row["json"], row["reversed_by"]) for row in rows]

    def list_origins(self) -> list[str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT DISTINCT origin FROM board_entries")
            rows = c.fetchall()
        return sorted(str(row["origin"]) for row in rows)

    def close(self) -> None:
        self.datastore.close()


class PostgresBoardView(PostgresTrackingRecorder, BoardView):
    """The board view in the ledger's PostgreSQL database and schema (``board_*``)."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        tracking_table_name: str = f"{BOARD}_tracking",
        **kwargs: Any,
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        table = SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(f"{BOARD}_entries")
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "origin text NOT NULL, "
                "leaf_index bigint NOT NULL, "
                "entry_type text NOT NULL, "
                "json text NOT NULL, "
                "reversed_by bigint, "
                "PRIMARY KEY (origin, leaf_index))"
            ).format(table)
        )
        self._insert_row = SQL(
            "INSERT INTO {0} (origin, leaf_index, entry_type, json) "
            "VALUES (%s, %s, %s, %s)"
        ).format(table)
        self._mark_reversed = SQL(
            "UPDATE {0} SET reversed_by = %s WHERE origin = %s AND leaf_index = %s"
        ).format(table)
        self._select_entries = SQL(
            "SELECT json, reversed_by FROM {0} WHERE origin = %s ORDER BY leaf_index"
        ).format(table)
        self._select_origins = SQL("SELECT DISTINCT origin FROM {0}").format(table)

    def apply_entries(self, entries: Sequence[BoardEntry], tracking: Tracking) -> None:
        with (
            self._refusing_conflicts(tracking),
            self.datastore.transaction(commit=True) as curs,
        ):
            rows = _row_params(entries)
            if rows:
                curs.executemany(self._insert_row, rows)
            reversals = _reversal_params(entries)
            if reversals:
                curs.executemany(self._mark_reversed, reversals)
            self._insert_tracking(curs, tracking)

    def list_entries(self, origin: str) -> list[BoardEntry]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_entries, (origin,))
            rows = curs.fetchall()
        return [_row_entry(row["json"], row["reversed_by"]) for row in rows]

    def list_origins(self) -> list[str]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_origins)
            rows = curs.fetchall()
        return sorted(str(row["origin"]) for row in rows)

    def close(self) -> None:
        self.datastore.close()


class POPOBoardView(POPOTrackingRecorder, BoardView):
    """The board view in memory (tests, and the in-memory store)."""

    def __init__(self) -> None:
        super().__init__()
        # origin -> leaf index -> (entry_type, json, reversed_by)
        self._rows: dict[str, dict[int, tuple[str, str, int | None]]] = {}

    def apply_entries(self, entries: Sequence[BoardEntry], tracking: Tracking) -> None:
        with self._database_lock:
            position = self._max_tracking_ids[tracking.application_name]
            if position is not None and position >= tracking.notification_id:
                raise _already_processed(tracking, position)
            added: list[tuple[str, int]] = []
            marked: list[tuple[str, int, tuple[str, str, int | None]]] = []
            try:
                with self._refusing_conflicts(tracking):
                    for entry in entries:
                        rows = self._rows.setdefault(entry.origin, {})
                        if entry.index in rows:
                            raise IntegrityError(
                                f"row {entry.origin} {entry.index} already exists"
                            )
                        rows[entry.index] = (entry.entry_type, entry.to_json(), None)
                        added.append((entry.origin, entry.index))
                    for index, origin, target in _reversal_params(entries):
                        row = self._rows.get(origin, {}).get(target)
                        if row is not None:
                            marked.append((origin, target, row))
                            self._rows[origin][target] = (row[0], row[1], index)
                    self._insert_tracking(tracking)
            except BaseException:
                # All or nothing, as a database transaction would be.
                for origin, target, row in reversed(marked):
                    self._rows[origin][target] = row
                for origin, index in added:
                    del self._rows[origin][index]
                    if not self._rows[origin]:
                        del self._rows[origin]
                raise

    def list_entries(self, origin: str) -> list[BoardEntry]:
        with self._database_lock:
            rows = sorted(self._rows.get(origin, {}).items())
        return [_row_entry(text, reversed_by) for _, (_, text, reversed_by) in rows]

    def list_origins(self) -> list[str]:
        with self._database_lock:
            return sorted(self._rows)


# ---------------------------------------------------------------------- projection
class BoardProjection(Projection[BoardView]):
    """Project-log ``EntryAppended`` events become board rows, one event at a time."""

    name = BOARD
    topics: tuple[str, ...] = (ENTRY_APPENDED_TOPIC,)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        # Not a board event: only record that it was seen.
        self.view.insert_tracking(tracking)

    @process_event.register
    def _entry_appended(self, domain_event: EntryAppended, tracking: Tracking) -> None:
        entry = board_entry_of(domain_event)
        if entry is None:  # a registry entry: not on any board
            self.view.insert_tracking(tracking)
        else:
            self.view.apply_entry(entry, tracking)


def catch_up(
    ledger: Application[UUID],
    view: BoardView,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Bring ``view`` up to date with ``ledger``'s store; returns the entries added.

    Reads ``EntryAppended`` notifications after the view's tracked position,
    ``batch_size`` at a time, and applies each batch in one transaction tracked at its
    last notification. Stops when the store has no more. Another worker advancing the
    same view at the same time is tolerated: a refused batch is re-read from the new
    position. ``ledger`` is a :class:`~domain.application.LedgerApplication` (or any
    application over the same store and name, such as :class:`LedgerEvents`).
    """
    name = ledger.name
    position = view.max_tracking_id(name) or 0
    added = 0
    while True:
        notifications = ledger.recorder.select_notifications(
            start=position,
            limit=batch_size,
            topics=BoardProjection.topics,
            inclusive_of_start=False,
        )
        if not notifications:
            return added
        entries = _board_entries(ledger, notifications)
        tracking = Tracking(name, notifications[-1].id)
        try:
            view.apply_entries(entries, tracking)
        except ConcurrentWriteError as exc:
            moved = view.max_tracking_id(name) or 0
            if moved <= position:
                raise LogIntegrityError(
                    f"看板视图在第 {position} 号通知之后已有数据但未记录进度，请重建 / the "
                    f"board view holds rows beyond its tracked position {position}; "
                    "rebuild it"
                ) from exc
            position = moved  # another worker got there first
            continue
        added += len(entries)
        position = tracking.notification_id
        if len(notifications) < batch_size:
            return added


def _board_entries(
    ledger: Application[UUID], notifications: Sequence[Notification]
) -> list[BoardEntry]:
    entries = []
    for notification in notifications:
        entry = board_entry_of(ledger.mapper.to_domain_event(notification))
        if entry is not None:
            entries.append(entry)
    return entries


# ------------------------------------------------------- runner, stores, settings
class PollingSubscription(Subscription[SQLiteApplicationRecorder]):
    """Notifications after ``gt``, polling the recorder when none are left.

    Blocks like the library's LISTEN/NOTIFY subscriptions do, checking for new
    notifications every ``interval`` seconds; :meth:`stop` ends the iteration at once.
    """

    def __init__(
        self,
        recorder: SQLiteApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        *,
        interval: float = 0.1,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        super().__init__(recorder, gt, topics)
        self._interval = interval
        self._batch_size = batch_size
        self._buffer: deque[Notification] = deque()
        self._stopping = threading.Event()

    def stop(self) -> None:
        super().stop()
        self._stopping.set()

    def __next__(self) -> Notification:
        while not self._buffer:
            if self._has_been_stopped:
                raise StopIteration
            notifications = self._recorder.select_notifications(
                start=self._last_notification_id or 0,
                limit=self._batch_size,
                topics=self._topics,
                inclusive_of_start=False,
            )
            if notifications:
                self._buffer.extend(notifications)
                self._last_notification_id = notifications[-1].id
            else:
                self._stopping.wait(self._interval)
        if self._has_been_stopped:
            raise StopIteration
        return self._buffer.popleft()


class PollingSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The stock SQLite recorder plus a polling ``subscribe()`` for ProjectionRunner.

    Selected with ``APPLICATION_RECORDER_TOPIC`` (see :func:`board_env`). SQLite
    assigns row ids under its single write lock, so commit order is id order and a
    poller that reads past the last id misses nothing.
    """

    poll_interval: ClassVar[float] = 0.1

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> PollingSubscription:
        return PollingSubscription(self, gt, topics, interval=self.poll_interval)


class LedgerEvents(Application[UUID]):
    """The ledger's event store, read only, as ``ProjectionRunner`` needs it.

    The runner builds its application from an environment alone, which
    :class:`~domain.application.LedgerApplication` (it needs keys) cannot be. This
    application has the same name, hence the same store, tables and tracking name;
    it never writes.
    """

    name = LedgerApplication.name
    is_snapshotting_enabled = False


def board_env(env: Mapping[str, str]) -> dict[str, str]:
    """The settings for the board view and its runner, derived from the ledger's.

    Like the library, reads ``os.environ`` under ``env``. For an SQLite view, sets
    ``BOARD_SQLITE_DBNAME`` to ``<ledger stem>.board.sqlite`` next to the ledger's file
    unless given. For an SQLite ledger, selects the polling application recorder for the
    runner (``SHUANGSHAI_APPLICATION_RECORDER_TOPIC``), unless another one is set.
    """
    merged: dict[str, str] = {**os.environ, **env}
    ledger_settings = Environment(LedgerEvents.name, merged)
    board_settings = Environment(BOARD, merged)
    if _module(board_settings) == "eventsourcing.sqlite" and not merged.get(
        f"{BOARD.upper()}_SQLITE_DBNAME"
    ):
        merged[f"{BOARD.upper()}_SQLITE_DBNAME"] = _board_sqlite_file(ledger_settings)
    if _module(ledger_settings) == "eventsourcing.sqlite":
        key = f"{LedgerEvents.name.upper()}_APPLICATION_RECORDER_TOPIC"
        if not ledger_settings.get("APPLICATION_RECORDER_TOPIC"):
            merged[key] = get_topic(PollingSQLiteApplicationRecorder)
    return merged


def _module(settings: Environment) -> str:
    return (settings.get("PERSISTENCE_MODULE") or "eventsourcing.popo").strip()


def _board_sqlite_file(ledger_settings: Environment) -> str:
    ledger_file = (ledger_settings.get("SQLITE_DBNAME") or "").strip()
    if not ledger_file or ledger_file.startswith("file:"):
        raise ConfigurationError(
            "看板视图需要 BOARD_SQLITE_DBNAME（无法从 SQLITE_DBNAME 推出文件名）/ set "
            f"BOARD_SQLITE_DBNAME: cannot derive a board file from SQLITE_DBNAME="
            f"{ledger_file!r}"
        )
    if SQLiteConnectionPool.detect_memory_mode(ledger_file):
        raise ConfigurationError(
            "内存中的 SQLite 账本没有可放置看板视图的文件，请设置 BOARD_SQLITE_DBNAME / an "
            "in-memory SQLite ledger has no file to put the board view beside: set "
            "BOARD_SQLITE_DBNAME"
        )
    path = Path(ledger_file)
    return str(path.with_name(f"{path.stem}.{BOARD}.sqlite"))


def _view_class(factory: InfrastructureFactory[Any]) -> type[BoardView]:
    if isinstance(factory, SQLiteFactory):
        return SQLiteBoardView
    if isinstance(factory, PostgresFactory):
        return PostgresBoardView
    if isinstance(factory, POPOFactory):
        return POPOBoardView
    raise ConfigurationError(
        f"看板视图不支持该存储 / no board view for the store {type(factory).__name__}; "
        "use eventsourcing.sqlite, eventsourcing.postgres or eventsourcing.popo"
    )


def open_board_view(env: Mapping[str, str]) -> BoardView:
    """The board view for the store that ``env`` selects, tables created if missing.

    ``BOARD_``-prefixed settings override the ledger's (``BOARD_PERSISTENCE_MODULE``,
    ``BOARD_SQLITE_DBNAME``, ``BOARD_POSTGRES_SCHEMA``…). An in-memory store gives a new
    empty view, to be filled with :func:`catch_up`.
    """
    try:
        factory = InfrastructureFactory[Any].construct(
            Environment(BOARD, board_env(env))
        )
    except (OSError, InfrastructureFactoryError) as exc:
        raise ConfigurationError(
            f"无法打开看板视图 / cannot open the board view: {exc}"
        ) from exc
    view_class = _view_class(factory)
    return cast(BoardView, factory.tracking_recorder(view_class))


def start_board_runner(
    env: Mapping[str, str], *, catch_up_first: bool = True
) -> ProjectionRunner[LedgerEvents, BoardView]:
    """Start the library's ``ProjectionRunner`` on the board view of ``env``'s ledger.

    It catches up from the view's position, then follows new events: LISTEN/NOTIFY on
    PostgreSQL, polling on SQLite. The runner processes one event per transaction, so
    with ``catch_up_first`` (the default) a backlog is first applied by :func:`catch_up`
    in batches, about ten times faster. Use the runner as a context manager, or
    ``stop()`` it; ``run_forever()`` re-raises a processing error. The in-memory store
    cannot be shared with a runner (it would build its own empty store): use
    :func:`catch_up` there.
    """
    settings = board_env(env)
    modules = {
        _module(Environment(LedgerEvents.name, settings)),
        _module(Environment(BOARD, settings)),
    }
    if not modules <= {"eventsourcing.sqlite", "eventsourcing.postgres"}:
        raise ConfigurationError(
            "ProjectionRunner 需要 SQLite 或 PostgreSQL 存储 / the board runner needs "
            f"SQLite or PostgreSQL stores, not {sorted(modules)}; use catch_up()"
        )
    if catch_up_first:
        events = LedgerEvents(settings)
        view = open_board_view(settings)
        try:
            catch_up(events, view)
        finally:
            view.close()
            events.close()
    view_class: type[BoardView] = (
        SQLiteBoardView
        if _module(Environment(BOARD, settings)) == "eventsourcing.sqlite"
        else PostgresBoardView
    )
    return ProjectionRunner(
        application_class=LedgerEvents,
        projection_class=BoardProjection,
        view_class=view_class,
        env=settings,
    )


__all__ = [
    "BOARD",
    "ENTRY_APPENDED_TOPIC",
    "BoardProjection",
    "BoardView",
    "LedgerEvents",
    "POPOBoardView",
    "PollingSQLiteApplicationRecorder",
    "PollingSubscription",
    "PostgresBoardView",
    "SQLiteBoardView",
    "board_entry_of",
    "board_env",
    "catch_up",
    "open_board_view",
    "start_board_runner",
]
