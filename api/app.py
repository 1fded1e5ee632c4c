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

from fastapi import FastAPI

from api.deps import BoardReader
from api.group_commit import GroupCommitter
from api.intake import ChallengeIntake
from api.problems import install_problem_handlers
from api.ratelimit import TokenBucketLimiter
from api.routers import board, challenges, entries, log, registry
from api.settings import Settings
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
) -> FastAPI:
    """The FastAPI app serving ``ledger``; with ``intake``, owners' challenges too."""
    settings = settings if settings is not None else Settings()
    boards = BoardReader(ledger)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            boards.close()

    app = FastAPI(
        title="shuangshai 双晒",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    app.state.settings = settings
    app.state.boards = boards
    app.state.committer = GroupCommitter(ledger, max_batch=settings.max_batch)
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
    return app
