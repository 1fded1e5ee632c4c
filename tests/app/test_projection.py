"""The board projection: a tracked view of every project's board, on every store.

The reference is :class:`~domain.board.ProjectBoard` folded directly from
``LedgerApplication.list_entries``: whatever path fills the view (batched catch-up, one
event at a time, the library's ``ProjectionRunner``, a restart, a crash, a rebuild),
its boards must equal that fold, and its rows must be the same bytes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from domain.application import LedgerApplication
from domain.board import BoardEntry, ProjectBoard
from domain.errors import ConcurrentWriteError, ConfigurationError
from domain.projection import (
    ENTRY_APPENDED_TOPIC,
    BoardProjection,
    BoardView,
    LedgerEvents,
    PollingSQLiteApplicationRecorder,
    POPOBoardView,
    PostgresBoardView,
    SQLiteBoardView,
    board_env,
    catch_up,
    open_board_view,
    start_board_runner,
)
from tests.builders import (
    FIRM,
    PROJECT_ORIGIN,
    World,
    contract_body,
    firm_body,
    make_uscc,
    make_world,
    project_body,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OTHER_PROJECT = "qingyang-lanting"
RUNNER_TIMEOUT_S = 20.0


# ----------------------------------------------------------------------- helpers
def example_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())["valid"][
        0
    ]
    return body


def reverse(world: World, index: int, *, log: str = PROJECT_ORIGIN) -> None:
    leaf_hash = world.ledger.get_entry(log, index).leaf_hash.hex()
    world.post(
        "EntryReversed",
        {"target": {"index": index, "leaf_hash": leaf_hash}, "reason": "金额录入错误"},
        log=log,
    )


def populate(world: World) -> str:
    """Two projects with a mix of entries and a 红冲; returns the second's origin."""
    other = world.ledger.project_origin(OTHER_PROJECT)
    world.register("ProjectRegistered", project_body(OTHER_PROJECT))
    world.register(
        "ContractBound", contract_body(contract_id="c-2026-2", project_id=OTHER_PROJECT)
    )
    world.revenue(120000)  # 0
    world.post("NoticePosted", example_body("notice-posted"))  # 1
    world.revenue(80000)  # 2
    reverse(world, 0)  # 3 reverses 0
    world.post("WorkLogged", example_body("work-logged"))  # 4
    world.revenue(50000, log=other)  # other 0
    world.post("NoticePosted", example_body("notice-posted"), log=other)  # other 1
    return other


def expected_boards(ledger: LedgerApplication) -> dict[str, ProjectBoard]:
    """Every non-empty project board, folded straight from the log."""
    boards = {}
    for origin in ledger.list_origins():
        if origin == ledger.registry_origin:
            continue
        entries = [
            BoardEntry.from_leaf(e.origin, e.index, e.leaf, e.leaf_hash, e.firm)
            for e in ledger.list_entries(origin)
        ]
        if entries:
            boards[origin] = ProjectBoard.from_entries(origin, entries)
    return boards


def view_boards(view: BoardView) -> dict[str, ProjectBoard]:
    return {origin: view.board(origin) for origin in view.list_origins()}


def raw_rows(view: BoardView) -> list[tuple[str, int, str, str, int | None]]:
    """The view's table exactly as stored, in (origin, index) order."""
    if isinstance(view, POPOBoardView):
        return [
            (origin, index, *row)
            for origin, rows in sorted(view._rows.items())
            for index, row in sorted(rows.items())
        ]
    query = (
        "SELECT origin, leaf_index, entry_type, json, reversed_by FROM {} "
        "ORDER BY origin, leaf_index"
    )
    if isinstance(view, SQLiteBoardView):
        with view.datastore.transaction(commit=False) as c:
            c.execute(query.format("board_entries"))
            return [tuple(row) for row in c.fetchall()]
    assert isinstance(view, PostgresBoardView)
    with view.datastore.transaction(commit=False) as curs:
        curs.execute(query.format(f'"{view.datastore.schema}".board_entries'))
        return [tuple(row.values()) for row in curs.fetchall()]


def entry_notifications(ledger: LedgerApplication) -> list[int]:
    """The notification ids of every EntryAppended, in order."""
    ids: list[int] = []
    while batch := ledger.recorder.select_notifications(
        start=ids[-1] if ids else 0,
        limit=1000,
        topics=[ENTRY_APPENDED_TOPIC],
        inclusive_of_start=False,
    ):
        ids.extend(n.id for n in batch)
    return ids


def process_one_at_a_time(
    ledger: LedgerApplication, view: BoardView, *, count: int | None = None
) -> None:
    """Feed the projection notification by notification, as the runner does."""
    projection = BoardProjection(view)
    notifications = ledger.recorder.select_notifications(
        start=view.max_tracking_id(ledger.name) or 0,
        limit=count or 10_000,
        topics=BoardProjection.topics,
        inclusive_of_start=False,
    )
    for notification in notifications:
        projection.process_event(
            ledger.mapper.to_domain_event(notification),
            Tracking(ledger.name, notification.id),
        )


# ----------------------------------------------------------------------- fixtures
@pytest.fixture
def world(store_env: dict[str, str]) -> Iterator[World]:
    world = make_world(store_env)
    yield world
    world.ledger.close()


@pytest.fixture
def durable_world(durable_store_env: dict[str, str]) -> Iterator[World]:
    world = make_world(durable_store_env)
    yield world
    world.ledger.close()


@pytest.fixture
def view(world: World) -> Iterator[BoardView]:
    view = open_board_view(world.ledger.env)
    yield view
    view.close()


@pytest.fixture
def other_board_env(
    durable_store_env: dict[str, str], tmp_path: Path
) -> Iterator[dict[str, str]]:
    """Settings for a second, empty board view over the same ledger."""
    if durable_store_env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        yield {**durable_store_env, "BOARD_SQLITE_DBNAME": str(tmp_path / "b.sqlite")}
        return
    import psycopg

    schema = f"b_{uuid.uuid4().hex[:12]}"
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=durable_store_env["POSTGRES_DBNAME"],
        host=durable_store_env["POSTGRES_HOST"],
        port=durable_store_env["POSTGRES_PORT"],
        user=durable_store_env["POSTGRES_USER"],
        password=durable_store_env["POSTGRES_PASSWORD"],
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield {**durable_store_env, "BOARD_POSTGRES_SCHEMA": schema}
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# ------------------------------------------------------------------------- tests
def test_catch_up_builds_the_same_boards_as_folding_the_log(
    world: World, view: BoardView
) -> None:
    other = populate(world)

    added = catch_up(world.ledger, view)

    assert added == 7
    assert view.list_origins() == sorted([PROJECT_ORIGIN, other])
    assert view_boards(view) == expected_boards(world.ledger)
    # The 红冲 is linked both ways, and shows with the entry it cancels.
    board = view.board(PROJECT_ORIGIN)
    assert board.entries[0].reversed_by == 3
    assert board.entries[3].reverses == 0
    assert [e.index for e in board.template("common-revenue")] == [0, 2, 3]
    # The view is tracked at the ledger's last EntryAppended notification.
    assert (
        view.max_tracking_id(world.ledger.name) == entry_notifications(world.ledger)[-1]
    )


def test_a_view_with_nothing_posted_is_empty(world: World, view: BoardView) -> None:
    assert catch_up(world.ledger, view) == 0
    assert view.list_origins() == []
    assert view.board(PROJECT_ORIGIN) == ProjectBoard(PROJECT_ORIGIN)
    # The registry entries were seen, so they are not read again.
    assert view.max_tracking_id(world.ledger.name) is not None
    assert catch_up(world.ledger, view) == 0


def test_catching_up_again_processes_only_the_new_entries(
    world: World, view: BoardView
) -> None:
    populate(world)
    catch_up(world.ledger, view)
    position = view.max_tracking_id(world.ledger.name)

    world.revenue(30000)  # 5
    reverse(world, 2)  # 6 reverses 2, applied in an earlier catch-up
    world.register("FirmRegistered", firm_body(make_uscc(42), "另一家物业公司"))

    assert catch_up(world.ledger, view) == 2
    assert view_boards(view) == expected_boards(world.ledger)
    assert view.board(PROJECT_ORIGIN).entries[2].reversed_by == 6
    assert view.max_tracking_id(world.ledger.name) > position  # type: ignore[operator]
    assert catch_up(world.ledger, view) == 0


def test_catch_up_in_small_batches_gives_the_same_rows(
    world: World, view: BoardView
) -> None:
    populate(world)
    one_go = POPOBoardView()
    catch_up(world.ledger, one_go)

    assert catch_up(world.ledger, view, batch_size=2) == 7
    assert raw_rows(view) == raw_rows(one_go)


def test_one_event_at_a_time_and_batches_give_the_same_rows(
    world: World, view: BoardView
) -> None:
    populate(world)
    batched = POPOBoardView()
    catch_up(world.ledger, batched)

    process_one_at_a_time(world.ledger, view)

    assert raw_rows(view) == raw_rows(batched)
    assert view_boards(view) == expected_boards(world.ledger)
    assert view.max_tracking_id(world.ledger.name) == batched.max_tracking_id(
        world.ledger.name
    )


def test_non_board_events_only_advance_the_position(
    world: World, view: BoardView
) -> None:
    projection = BoardProjection(view)

    projection.process_event(object(), Tracking(world.ledger.name, 7))

    assert view.max_tracking_id(world.ledger.name) == 7
    assert view.list_origins() == []


def test_applying_the_same_event_twice_is_refused_and_changes_nothing(
    world: World, view: BoardView
) -> None:
    receipt = world.revenue()
    stored = world.ledger.get_entry(PROJECT_ORIGIN, receipt.index)
    entry = BoardEntry.from_leaf(
        stored.origin, stored.index, stored.leaf, stored.leaf_hash, stored.firm
    )
    view.apply_entry(entry, Tracking("shuangshai", 10))
    before = raw_rows(view)

    with pytest.raises(ConcurrentWriteError, match="already processed notification 10"):
        view.apply_entry(entry, Tracking("shuangshai", 10))
    with pytest.raises(ConcurrentWriteError, match="refusing notification 9"):
        view.apply_entries([], Tracking("shuangshai", 9))

    assert raw_rows(view) == before
    assert view.max_tracking_id("shuangshai") == 10


def test_a_row_conflict_is_refused_as_a_whole(world: World, view: BoardView) -> None:
    world.revenue()
    stored = world.ledger.get_entry(PROJECT_ORIGIN, 0)
    entry = BoardEntry.from_leaf(
        stored.origin, stored.index, stored.leaf, stored.leaf_hash, stored.firm
    )
    view.apply_entry(entry, Tracking("shuangshai", 10))

    # A later notification carrying a row the view already holds: nothing is written.
    with pytest.raises(ConcurrentWriteError, match="notification 11"):
        view.apply_entry(entry, Tracking("shuangshai", 11))

    assert view.max_tracking_id("shuangshai") == 10
    assert len(view.list_entries(PROJECT_ORIGIN)) == 1


def test_a_crash_inside_apply_leaves_no_partial_state_and_resumes_exactly(
    world: World, view: BoardView, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(world)
    catch_up(world.ledger, view)
    before = raw_rows(view)
    position = view.max_tracking_id(world.ledger.name)
    world.revenue(30000)
    reverse(world, 2)

    def crash(*args: object) -> None:
        raise RuntimeError("power cut after the rows were written")

    # The rows of the batch are written, then the process dies before the commit.
    monkeypatch.setattr(view, "_insert_tracking", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        catch_up(world.ledger, view)
    monkeypatch.undo()

    assert raw_rows(view) == before
    assert view.max_tracking_id(world.ledger.name) == position
    assert catch_up(world.ledger, view) == 2
    assert view_boards(view) == expected_boards(world.ledger)


def test_a_restarted_view_resumes_where_it_stopped_without_double_counting(
    durable_world: World,
) -> None:
    world = durable_world
    populate(world)
    notifications = entry_notifications(world.ledger)
    view = open_board_view(world.ledger.env)
    # The worker processes the first notifications one at a time, then dies.
    process_one_at_a_time(world.ledger, view, count=8)
    assert view.max_tracking_id(world.ledger.name) == notifications[7]
    partial = raw_rows(view)
    view.close()
    del view

    reopened = open_board_view(world.ledger.env)
    try:
        assert raw_rows(reopened) == partial
        assert 0 < len(partial) < 7  # stopped half-way through the project entries
        assert catch_up(world.ledger, reopened) == 7 - len(partial)
        assert view_boards(reopened) == expected_boards(world.ledger)
        assert sum(len(b.entries) for b in view_boards(reopened).values()) == 7
    finally:
        reopened.close()


def test_a_rebuild_from_scratch_gives_exactly_the_same_rows(
    durable_world: World, other_board_env: dict[str, str]
) -> None:
    world = durable_world
    populate(world)
    first = open_board_view(world.ledger.env)
    catch_up(world.ledger, first, batch_size=3)
    world.revenue(1)
    catch_up(world.ledger, first)

    rebuilt = open_board_view(other_board_env)
    try:
        assert rebuilt.max_tracking_id(world.ledger.name) is None
        assert catch_up(world.ledger, rebuilt) == 8
        assert raw_rows(rebuilt) == raw_rows(first)
        assert rebuilt.max_tracking_id(world.ledger.name) == first.max_tracking_id(
            world.ledger.name
        )
    finally:
        rebuilt.close()
        first.close()


@pytest.mark.parametrize("catch_up_first", [False, True])
def test_the_projection_runner_keeps_the_view_up_to_date(
    durable_world: World, catch_up_first: bool
) -> None:
    world = durable_world
    populate(world)
    errors: list[BaseException] = []

    runner = start_board_runner(world.ledger.env, catch_up_first=catch_up_first)
    if catch_up_first:  # the backlog was applied in batches before the runner began
        assert len(runner.view.list_entries(PROJECT_ORIGIN)) == 5
    with runner:

        def run() -> None:
            try:
                runner.run_forever()
            except BaseException as exc:  # reported to the test below
                errors.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        # It catches up with what was posted before it started ...
        runner.wait(entry_notifications(world.ledger)[-1], timeout=RUNNER_TIMEOUT_S)
        assert view_boards(runner.view) == expected_boards(world.ledger)
        # ... then follows new entries as they are posted.
        world.revenue(30000)
        reverse(world, 2)
        runner.wait(entry_notifications(world.ledger)[-1], timeout=RUNNER_TIMEOUT_S)
        assert view_boards(runner.view) == expected_boards(world.ledger)
        assert runner.view.board(PROJECT_ORIGIN).entries[2].reversed_by == 6
        runner.stop()
        thread.join(timeout=RUNNER_TIMEOUT_S)

    assert not thread.is_alive()
    assert errors == []
    # The runner and catch_up share the view's position.
    view = open_board_view(world.ledger.env)
    try:
        assert catch_up(world.ledger, view) == 0
        assert view_boards(view) == expected_boards(world.ledger)
    finally:
        view.close()


def test_the_sqlite_view_lives_in_its_own_file_beside_the_ledger(
    tmp_path: Path,
) -> None:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
    }

    view = open_board_view(env)
    try:
        assert isinstance(view, SQLiteBoardView)
        assert view.datastore.pool.db_name == str(tmp_path / "ledger.board.sqlite")
        assert (tmp_path / "ledger.board.sqlite").exists()
    finally:
        view.close()
    chosen = board_env({**env, "BOARD_SQLITE_DBNAME": str(tmp_path / "x.sqlite")})
    assert chosen["BOARD_SQLITE_DBNAME"] == str(tmp_path / "x.sqlite")


def test_the_postgres_view_uses_board_tables_in_the_ledger_schema(
    postgres_env: dict[str, str],
) -> None:
    view = open_board_view(postgres_env)
    try:
        assert isinstance(view, PostgresBoardView)
        with view.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s ORDER BY table_name",
                (postgres_env["POSTGRES_SCHEMA"],),
            )
            tables = [row["table_name"] for row in curs.fetchall()]
        assert tables == ["board_entries", "board_tracking"]
    finally:
        view.close()


def test_an_in_memory_sqlite_ledger_needs_an_explicit_board_file() -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}

    with pytest.raises(ConfigurationError, match="BOARD_SQLITE_DBNAME"):
        open_board_view(env)


def test_the_runner_refuses_the_in_memory_store() -> None:
    with pytest.raises(ConfigurationError, match="catch_up"):
        start_board_runner({"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_an_unknown_store_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="cannot open the board view"):
        open_board_view({"PERSISTENCE_MODULE": "no.such.module"})


def test_the_firm_is_kept_on_board_entries(world: World, view: BoardView) -> None:
    world.revenue()
    catch_up(world.ledger, view)

    (entry,) = view.list_entries(PROJECT_ORIGIN)
    assert entry.firm == FIRM


def test_two_workers_catching_up_one_view_count_every_entry_once(
    durable_world: World,
) -> None:
    world = durable_world
    populate(world)
    for amount in range(1, 31):
        world.revenue(amount)
    views = [open_board_view(world.ledger.env) for _ in range(2)]
    added: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(view: BoardView) -> None:
        start.wait()
        try:
            added.append(catch_up(world.ledger, view, batch_size=1))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(view,)) for view in views]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert sum(added) == 37
        assert view_boards(views[0]) == expected_boards(world.ledger)
    finally:
        for view in views:
            view.close()


def test_board_settings_can_put_the_view_in_another_store(
    postgres_env: dict[str, str], tmp_path: Path
) -> None:
    world = make_world(postgres_env)
    try:
        populate(world)
        env = {
            **postgres_env,
            "BOARD_PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "BOARD_SQLITE_DBNAME": str(tmp_path / "board.sqlite"),
        }
        view = open_board_view(env)
        try:
            assert isinstance(view, SQLiteBoardView)
            assert catch_up(world.ledger, view) == 7
            assert view_boards(view) == expected_boards(world.ledger)
        finally:
            view.close()
    finally:
        world.ledger.close()


def test_the_polling_subscription_follows_new_events_and_stops_at_once(
    tmp_path: Path,
) -> None:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
    }
    world = make_world(env)
    events = LedgerEvents(board_env(env))
    try:
        assert isinstance(events.recorder, PollingSQLiteApplicationRecorder)
        registry_entries = entry_notifications(world.ledger)
        subscription = events.recorder.subscribe(
            gt=registry_entries[-1], topics=[ENTRY_APPENDED_TOPIC]
        )
        seen: list[int] = []

        def follow() -> None:
            seen.extend(n.id for n in subscription)

        thread = threading.Thread(target=follow)
        thread.start()
        world.revenue()  # posted while the subscriber waits
        deadline = time.monotonic() + RUNNER_TIMEOUT_S
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        subscription.stop()
        thread.join(timeout=2)

        assert not thread.is_alive()
        assert seen == entry_notifications(world.ledger)[-1:]
    finally:
        events.close()
        world.ledger.close()
