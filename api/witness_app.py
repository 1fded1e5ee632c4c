"""The witness's HTTP API: c2sp.org/tlog-witness ``POST /add-checkpoint``.

``create_witness_app(folder)`` serves one :class:`~api.witness_store.WitnessFolder`.
The answers are those the spec fixes:

- 200, ``text/plain``: the cosignature line(s);
- 400 a request or checkpoint that does not parse, or an old size beyond the
  checkpoint's size;
- 403 no signature by the trusted log key verifies;
- 404 the witness does not witness the checkpoint's origin;
- 409 ``text/x.tlog.size``: the old size is not the witness's; the body is its size
  and a newline (the log retries from there);
- 409 also for a checkpoint of the witnessed size with another root (equivocation);
- 422 the consistency proof does not verify (including a proof that shows a fork).

Other failures use the project's ``application/problem+json`` body (with the status
above). Nothing here decides anything: :mod:`domain.witness` does.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.problems import PROBLEM_MEDIA_TYPE, problem_body
from api.witness_store import WitnessFolder
from domain.clock import Clock
from domain.errors import (
    ConsistencyProofError,
    EquivocationError,
    LedgerError,
    MalformedNoteError,
    MalformedWitnessRequestError,
    NotFoundError,
    UntrustedCheckpointError,
    WitnessSizeConflictError,
)
from domain.witness import MAX_REQUEST_BYTES, SIZE_MEDIA_TYPE, AddCheckpointRequest

COSIGNATURE_MEDIA_TYPE: Final = "text/plain; charset=utf-8"


def witness_status(exc: LedgerError) -> int:
    """The tlog-witness status of a refusal."""
    if isinstance(exc, WitnessSizeConflictError):
        return 409
    if isinstance(exc, EquivocationError):
        same_size = exc.context.get("checkpoint_size") == exc.context.get("size")
        return 409 if same_size else 422
    if isinstance(exc, ConsistencyProofError):
        return 422
    if isinstance(exc, UntrustedCheckpointError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, MalformedNoteError):  # requests, notes, checkpoints
        return 400
    return 500


def create_witness_app(folder: WitnessFolder, *, clock: Clock | None = None) -> FastAPI:
    """The tlog-witness app for ``folder`` (``clock`` sets cosignature times)."""
    app = FastAPI(
        title="shuangshai witness 见证人",
        version="1",
        description="c2sp.org/tlog-witness: POST /add-checkpoint returns a "
        "c2sp.org/tlog-cosignature line for a consistent checkpoint.",
    )
    app.state.folder = folder

    @app.post("/add-checkpoint", response_class=Response)
    async def add_checkpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return _refusal(
                    MalformedWitnessRequestError(
                        f"the request is larger than {MAX_REQUEST_BYTES} bytes"
                    ),
                    request,
                )
        try:
            parsed = AddCheckpointRequest.from_bytes(bytes(body))
            cosigned = await run_in_threadpool(
                folder.add_checkpoint, parsed, clock=clock
            )
        except LedgerError as exc:
            return _refusal(exc, request)
        return Response(cosigned.response_body(), media_type=COSIGNATURE_MEDIA_TYPE)

    return app


def _refusal(exc: LedgerError, request: Request) -> Response:
    status = witness_status(exc)
    if isinstance(exc, WitnessSizeConflictError):
        # Exactly this media type (no charset parameter), as tlog-witness says.
        return Response(
            f"{exc.context['size']}\n", 409, headers={"Content-Type": SIZE_MEDIA_TYPE}
        )
    body = problem_body(exc, request.url.path)
    body["status"] = status
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)
