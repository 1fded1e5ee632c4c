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

import logging
from collections.abc import Mapping
from typing import Final, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.cosigning import Transport, WitnessReply, WitnessUnreachableError
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
from domain.registry import Witness
from domain.witness import (
    MAX_REQUEST_BYTES,
    SIZE_MEDIA_TYPE,
    AddCheckpointRequest,
    Cosigned,
)

COSIGNATURE_MEDIA_TYPE: Final = "text/plain; charset=utf-8"

_log = logging.getLogger("shuangshai.witness")


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
    if status >= 500:
        _log.error("witness failed on %s", request.url.path, exc_info=exc)
    if isinstance(exc, WitnessSizeConflictError):
        # Exactly this media type (no charset parameter), as tlog-witness says.
        return Response(
            f"{exc.context['size']}\n", 409, headers={"Content-Type": SIZE_MEDIA_TYPE}
        )
    body = problem_body(exc, request.url.path)
    body["status"] = status
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


class Cosigner(Protocol):
    """A witness in this process: a :class:`WitnessFolder` or a ``MemoryWitness``."""

    def add_checkpoint(
        self, request: AddCheckpointRequest, *, clock: Clock | None = None
    ) -> Cosigned: ...


def in_process_transport(
    folders: Mapping[str, Cosigner], *, clock: Clock | None = None
) -> Transport:
    """A :data:`~api.cosigning.Transport` that asks witnesses in this process.

    ``folders`` maps a witness's key reference to it. The answers are the ones the
    HTTP app would give (same statuses and bodies), without a network: the demo
    cosigns its logs this way.
    """

    def send(witness: Witness, body: bytes) -> WitnessReply:
        folder = folders.get(witness.key_ref)
        if folder is None:
            raise WitnessUnreachableError(f"no witness folder for {witness.key_ref}")
        try:
            cosigned = folder.add_checkpoint(
                AddCheckpointRequest.from_bytes(body), clock=clock
            )
        except LedgerError as exc:
            status = witness_status(exc)
            if isinstance(exc, WitnessSizeConflictError):
                return WitnessReply(
                    status, SIZE_MEDIA_TYPE, f"{exc.context['size']}\n".encode()
                )
            return WitnessReply(status, PROBLEM_MEDIA_TYPE, exc.detail.encode())
        return WitnessReply(200, "text/plain", cosigned.response_body().encode())

    return send
