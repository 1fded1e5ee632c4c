"""The registry as JSON: firms, keys with their validity, projects, contracts, witnesses.

``GET /v1/registry`` also lists every log of the instance with its checkpoint
verifier key (signed-note vkey), and the association's entry-signing key, so that a
client can check receipts and signatures offline. Writes to the registry log are the
association-signed ``POST /v1/registry/entries`` (:mod:`api.routers.entries`).
"""

from typing import Final

from fastapi import APIRouter

from api.deps import LedgerDep
from api.routers._common import problems
from api.wire import LogPublic, RegistryPublic, registry_public

router: Final = APIRouter(prefix="/v1/registry", tags=["registry"])


@router.get(
    "",
    summary="登记册 / the registry: firms, keys, projects, contracts, witnesses",
    response_model=RegistryPublic,
    responses=problems(),
)
def get_registry(ledger: LedgerDep) -> RegistryPublic:
    registry = ledger.get_registry()
    logs = [
        LogPublic(
            origin=origin, vkey=ledger.log_vkey(origin), size=ledger.log_size(origin)
        )
        for origin in ledger.list_origins()
    ]
    return registry_public(
        registry,
        instance=ledger.instance,
        origin=ledger.registry_origin,
        association_vkey=ledger.association_key.to_vkey(),
        logs=logs,
    )
