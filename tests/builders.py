"""Builders for test worlds: an instance with a firm serving a project."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.application import LedgerApplication
from domain.clock import FixedClock
from domain.entries import Submission
from domain.receipts import Receipt
from domain.signing import Signer
from domain.uscc import uscc_check_character

INSTANCE = "chengdu.test"
PROJECT = "jinjiang-hemei"
PROJECT_ORIGIN = f"{INSTANCE}/p/{PROJECT}"
REGISTRY_ORIGIN = f"{INSTANCE}/registry"


def make_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 with the right GB 32100-2015 check character."""
    first17 = f"91510104MA{serial:07d}"
    return first17 + uscc_check_character(first17)


FIRM = make_uscc(1234567)
OTHER_FIRM = make_uscc(7654321)


@dataclass
class World:
    """A ledger with an association, a firm with a key, and a project it serves."""

    ledger: LedgerApplication
    association: Signer
    firm_key: Signer
    clock: FixedClock
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def payload(
        self,
        entry_type: str,
        body: Mapping[str, Any],
        *,
        log: str = PROJECT_ORIGIN,
        signer: Signer | None = None,
        entry_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        signer = signer or self.firm_key
        return {
            "v": 1,
            "log": log,
            "id": entry_id or f"e-{next(self.ids)}",
            "type": entry_type,
            "issued_at": "2026-03-01T09:00:00+08:00",
            "key": signer.key_ref,
            "body": dict(body),
            **extra,
        }

    def sign(self, payload: dict[str, Any], signer: Signer | None = None) -> Submission:
        return Submission.sign(payload, signer or self.firm_key)

    def post(self, entry_type: str, body: Mapping[str, Any], **kwargs: Any) -> Receipt:
        signer = kwargs.get("signer")
        payload = self.payload(entry_type, body, **kwargs)
        return self.ledger.submit(payload["log"], self.sign(payload, signer))

    def register(self, entry_type: str, body: Mapping[str, Any]) -> Receipt:
        return self.post(entry_type, body, log=REGISTRY_ORIGIN, signer=self.association)

    def revenue(self, amount_fen: int = 120000, **kwargs: Any) -> Receipt:
        return self.post("CommonRevenueRecorded", revenue_body(amount_fen), **kwargs)


def revenue_body(amount_fen: int = 120000) -> dict[str, Any]:
    return {
        "source_id": "lift-ads",
        "amount_fen": amount_fen,
        "received_on": "2026-02-28",
    }


def firm_body(
    uscc: str = FIRM, name: str = "成都和美物业服务有限公司"
) -> dict[str, Any]:
    return {"uscc": uscc, "name": name, "address": "成都市锦江区东大街 1 号"}


def project_body(project_id: str = PROJECT) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "name": "和美花园",
        "address": "成都市锦江区和美路 8 号",
        "district": "锦江区",
        "households": 1200,
        "floor_area_m2": 132000,
    }


def contract_body(
    contract_id: str = "c-2026",
    project_id: str = PROJECT,
    firm: str = FIRM,
    ratio_bp: int = 1000,
) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "project_id": project_id,
        "firm": firm,
        "fee_model": "commission",
        "remuneration": {"basis": "ratio", "ratio_bp": ratio_bp},
        "term": {"start": "2026-01-01", "end": "2028-12-31"},
    }


def make_world(env: Mapping[str, str], *, seed: int = 1) -> World:
    """A populated ledger: firm registered, keyed and bound to the project (commission)."""
    association = Signer.from_seed(f"{INSTANCE}/association", bytes([seed]) * 32)
    firm_key = Signer.from_seed("hemei-wuye-2026", bytes([seed + 1]) * 32)
    clock = FixedClock(datetime(2026, 3, 1, 1, 0, tzinfo=UTC))
    ledger = LedgerApplication(
        instance=INSTANCE,
        association_vkey=association.vkey,
        log_signer_seed=bytes([seed + 2]) * 32,
        env=dict(env),
        clock=clock,
    )
    world = World(ledger, association, firm_key, clock)
    world.register("FirmRegistered", firm_body())
    world.register("FirmKeyAdded", {"firm": FIRM, "vkey": firm_key.vkey})
    world.register("ProjectRegistered", project_body())
    world.register("ContractBound", contract_body())
    return world
