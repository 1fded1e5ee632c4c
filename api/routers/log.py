"""A log's checkpoints and proofs (SPEC §2; RFC 9162 §2.1.3–2.1.4; C2SP tlog-checkpoint).

- ``GET …/log/checkpoint`` — the latest signed checkpoint, as the C2SP signed note
  (``text/plain``) with the witness cosignatures kept for it, exactly as the static
  site's ``log/checkpoint``.
- ``GET …/log/checkpoints/{size}`` — any checkpoint the log signed, by tree size (with
  its cosignatures, as ``log/checkpoints/<size>``).
- ``GET …/log/proofs/inclusion?index=&size=`` — inclusion proof of ``index`` in the
  tree of ``size`` (default: the latest checkpoint's), hashes in base64.
- ``GET …/log/proofs/consistency?old=&new=`` — consistency proof between two sizes
  (``new`` defaults to the latest checkpoint's), hashes in base64.

Mounted under ``/v1/registry`` and ``/v1/projects/{project_id}``.
"""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse

from api.deps import LedgerDep
from api.routers._common import MOUNTS, LogMount, problems
from api.wire import (
    EXAMPLE_CHECKPOINT,
    ConsistencyProofPublic,
    InclusionProofPublic,
    b64,
)
from domain.errors import CheckpointNotFoundError

CHECKPOINT_MEDIA_TYPE: Final = "text/plain; charset=utf-8"

_NOTE_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "C2SP signed note (tlog-checkpoint) / 签名检查点",
        "content": {"text/plain": {"example": EXAMPLE_CHECKPOINT}},
    }
}


def _build(mount: LogMount) -> APIRouter:
    router = APIRouter(prefix=f"{mount.prefix}/log", tags=[mount.tag])
    Origin = Annotated[str, Depends(mount.origin)]  # noqa: N806 - a type alias

    @router.get(
        "/checkpoint",
        name=f"{mount.name}_get_checkpoint",
        summary="最新检查点 / the latest signed checkpoint",
        response_class=PlainTextResponse,
        responses={**_NOTE_RESPONSE, **problems(404)},
    )
    def get_checkpoint(origin: Origin, ledger: LedgerDep) -> PlainTextResponse:
        note = ledger.cosigned_note(ledger.get_checkpoint(origin))
        return PlainTextResponse(note, media_type=CHECKPOINT_MEDIA_TYPE)

    @router.get(
        "/checkpoints/{size}",
        name=f"{mount.name}_get_checkpoint_by_size",
        summary="按大小取存档的检查点 / an archived checkpoint by tree size",
        response_class=PlainTextResponse,
        responses={**_NOTE_RESPONSE, **problems(404)},
    )
    def get_checkpoint_by_size(
        origin: Origin,
        ledger: LedgerDep,
        size: Annotated[int, Path(ge=0, description="树大小 / tree size")],
    ) -> PlainTextResponse:
        for checkpoint in ledger.list_checkpoints(origin):
            if checkpoint.size == size:
                return PlainTextResponse(
                    ledger.cosigned_note(checkpoint), media_type=CHECKPOINT_MEDIA_TYPE
                )
        raise CheckpointNotFoundError(
            f"日志 {origin} 没有大小为 {size} 的检查点 / no checkpoint of size {size}"
        )

    @router.get(
        "/proofs/inclusion",
        name=f"{mount.name}_inclusion_proof",
        summary="包含性证明 / inclusion proof (RFC 9162 §2.1.3)",
        response_model=InclusionProofPublic,
        responses=problems(404),
    )
    def inclusion_proof(
        origin: Origin,
        ledger: LedgerDep,
        index: Annotated[int, Query(ge=0, description="条目序号 / leaf index")],
        size: Annotated[
            int | None,
            Query(
                ge=1, description="树大小，默认最新检查点 / tree size (default: latest)"
            ),
        ] = None,
    ) -> InclusionProofPublic:
        if size is None:
            size = ledger.get_checkpoint(origin).size
        hashes = ledger.inclusion_proof(origin, index, size)
        return InclusionProofPublic(
            log=origin,
            index=index,
            size=size,
            root=b64(ledger.root_at(origin, size)),
            hashes=[b64(h) for h in hashes],
        )

    @router.get(
        "/proofs/consistency",
        name=f"{mount.name}_consistency_proof",
        summary="一致性证明 / consistency proof (RFC 9162 §2.1.4)",
        response_model=ConsistencyProofPublic,
        responses=problems(404),
    )
    def consistency_proof(
        origin: Origin,
        ledger: LedgerDep,
        old: Annotated[int, Query(ge=0, description="旧树大小 / old tree size")],
        new: Annotated[
            int | None,
            Query(
                ge=0,
                description="新树大小，默认最新检查点 / new size (default: latest)",
            ),
        ] = None,
    ) -> ConsistencyProofPublic:
        if new is None:
            new = ledger.get_checkpoint(origin).size
        hashes = ledger.consistency_proof(origin, old, new)
        return ConsistencyProofPublic(
            log=origin,
            old=old,
            new=new,
            old_root=b64(ledger.root_at(origin, old)),
            new_root=b64(ledger.root_at(origin, new)),
            hashes=[b64(h) for h in hashes],
        )

    return router


routers: Final = [_build(mount) for mount in MOUNTS]
