"""The HTTP API's composition root: ``create_app(ledger, settings=...) -> FastAPI``.

Like cosmicpython's ``bootstrap``, it takes its collaborators as arguments and builds
nothing real itself: tests pass an in-memory ledger; ``shuangshai serve``
(:mod:`api.cli`) builds the instance's ledger and passes it in. One
:class:`~domain.application.LedgerApplication` and one board reader are shared by the
process; endpoints are plain ``def`` (the eventsourcing library is synchronous), so
they run in the threadpool. Concurrent single-entry posts to one log share transactions
and checkpoints through one :class:`~api.group_commit.GroupCommitter`. Errors are
``application/problem+json`` (:mod:`api.problems`). The app does not close the ledger it was given; it closes the
board view it opened, on shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, FastAPI

from api.deps import BoardReader
from api.group_commit import GroupCommitter
from api.intake import ChallengeIntake
from api.problems import install_problem_handlers
from api.ratelimit import TokenBucketLimiter
from api.routers import board, challenges, entries, log, registry
from api.settings import Settings
from api.write_lock import PostgresWriteLock, write_lock_for
from domain.application import LedgerApplication

DESCRIPTION = """\
双晒的 HTTP 接口 / the HTTP API of shuangshai, a verifiable transparency ledger for
property-management disclosure.

Writes are signed submissions `{"payload": base64, "sig": base64}` (SPEC §3): the
Ed25519 signature is the authorisation; there are no passwords or sessions. Every
accepted entry gets a receipt that verifies offline. Every error is
`application/problem+json` (RFC 9457).
"""


def create_app(
    ledger: LedgerApplication,
    *,
    settings: Settings | None = None,
    intake: ChallengeIntake | None = None,
    owns_ledger: bool = False,
) -> FastAPI:
    """The FastAPI app serving ``ledger``; with ``intake``, owners' challenges too.

    With ``owns_ledger`` the app also closes the ledger (and the intake's private
    store) on shutdown (a worker process of ``shuangshai serve --workers N`` opens
    its own, see :mod:`api.asgi`).
    """
    settings = settings if settings is not None else Settings()
    boards = BoardReader(ledger)
    # Other processes (workers, hosts) may write the same store: see api.write_lock.
    write_lock = write_lock_for(ledger.env)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            boards.close()
            if isinstance(write_lock, PostgresWriteLock):
                write_lock.close()
            if owns_ledger:
                if intake is not None:
                    intake.close_store()
                ledger.close()

    app = FastAPI(
        title="shuangshai 双晒",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    app.state.settings = settings
    app.state.boards = boards
    app.state.known_projects = set()  # see api.deps.project_origin
    app.state.committer = GroupCommitter(
        ledger, max_batch=settings.max_batch, write_lock=write_lock
    )
    install_problem_handlers(app, base=settings.problem_base)
    app.include_router(registry.router)
    for router in entries.routers:
        app.include_router(router)
    for router in log.routers:
        app.include_router(router)
    app.include_router(board.router)
    if intake is not None:
        app.state.intake = intake
        app.state.challenge_limiter = TokenBucketLimiter(settings.challenge_rate)
        app.include_router(challenges.router)
    if settings.noop_endpoint:
        _add_noop(app)
    return app


def _add_noop(app: FastAPI) -> None:
    """Hidden ``GET``/``POST /v1/_noop``: the framework's ceiling for the benchmark.

    Plain ``def`` like the real endpoints (so it pays the same threadpool hop), reads
    and parses the JSON body like ``POST …/entries``, touches no ledger. Only mounted
    when ``SHUANGSHAI_NOOP=1``; not in the OpenAPI document.
    """

    @app.get("/v1/_noop", include_in_schema=False)
    def noop_get() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/v1/_noop", include_in_schema=False)
    def noop_post(body: Annotated[Any, Body()]) -> dict[str, bool]:
        return {"ok": True}
