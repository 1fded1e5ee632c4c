"""FastAPI dependencies as ``Annotated`` aliases (the FastAPI template's ``deps.py``).

They are ``async def`` because they only look things up: FastAPI runs a plain ``def``
dependency in the threadpool, one hop per dependency per request, which cost more
than the ledger's own work per entry (issue 5 benchmark). What reads the store runs
in the threadpool explicitly.

The app holds one :class:`~domain.application.LedgerApplication` and one
:class:`BoardReader` per process (``app.state``); routes receive them through
:data:`LedgerDep`, :data:`BoardsDep` and :data:`SettingsDep`. A log is named in the
path: :data:`RegistryOriginDep` for ``/v1/registry/…`` and :data:`ProjectOriginDep`
for ``/v1/projects/{project_id}/…`` (an unknown project is ``LogNotFoundError``).
"""

import threading
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from domain.application import LedgerApplication
from domain.board import ProjectBoard
from domain.errors import LogNotFoundError
from domain.projection import BoardView, catch_up, open_board_view


class BoardReader:
    """The board projection of ``domain.projection``, read after catching it up.

    Opened on first use (the view of the ledger's store), closed with the app. Catch-up
    runs under a lock, so concurrent requests do not repeat the same work; the view
    itself tolerates other processes catching up too.
    """

    def __init__(self, ledger: LedgerApplication) -> None:
        self._ledger = ledger
        self._view: BoardView | None = None
        self._lock = threading.Lock()

    def board(self, origin: str) -> ProjectBoard:
        with self._lock:
            if self._view is None:
                self._view = open_board_view(dict(self._ledger.env))
            catch_up(self._ledger, self._view)
            view = self._view
        return view.board(origin)

    def close(self) -> None:
        with self._lock:
            if self._view is not None:
                self._view.close()
                self._view = None


async def get_ledger(request: Request) -> LedgerApplication:
    ledger: LedgerApplication = request.app.state.ledger
    return ledger


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_boards(request: Request) -> BoardReader:
    boards: BoardReader = request.app.state.boards
    return boards


LedgerDep = Annotated[LedgerApplication, Depends(get_ledger)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BoardsDep = Annotated[BoardReader, Depends(get_boards)]


async def registry_origin(ledger: LedgerDep) -> str:
    return ledger.registry_origin


ProjectIdPath = Annotated[
    str,
    Path(
        description="项目编号 / the project id (its log is <instance>/p/<project_id>)",
        examples=["jinjiang-hemei"],
    ),
]


async def project_origin(
    project_id: ProjectIdPath, ledger: LedgerDep, request: Request
) -> str:
    origin = ledger.project_origin(project_id)
    # Projects are never removed from the registry: one seen is known for good, and
    # the registry need not be caught up (a read of the store) on every request.
    known: set[str] = request.app.state.known_projects
    if project_id in known:
        return origin
    registry = await run_in_threadpool(ledger.get_registry)  # reads the store
    if project_id not in registry.projects:
        raise LogNotFoundError(
            f"没有项目 {project_id!r} / no project {project_id!r} in the registry"
        )
    known.add(project_id)
    return origin


RegistryOriginDep = Annotated[str, Depends(registry_origin)]
ProjectOriginDep = Annotated[str, Depends(project_origin)]
