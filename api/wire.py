"""The JSON shapes of the HTTP API (pydantic models), each with an OpenAPI example.

Naming follows the FastAPI template's ladder: ``<Thing>Create`` for a request body,
``<Thing>Public`` / ``<Things>Public`` for responses. Byte strings are base64
(RFC 4648 §4) except leaf hashes, which are hex as in the receipt of SPEC §3. The
builders at the end (``*_public``) translate domain values; nothing here computes.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from domain.application import StoredEntry
from domain.board import BoardEntry
from domain.entries import Leaf
from domain.registry import RegistryState
from domain.statements import Period, Statement

# ------------------------------------------------------------------- examples
EXAMPLE_ORIGIN: Final = "chengdu.example/p/jinjiang-hemei"
EXAMPLE_PAYLOAD: Final = (
    "eyJib2R5Ijp7ImFtb3VudF9mZW4iOjEyMDAwMCwicmVjZWl2ZWRfb24iOiIyMDI2LTAyLTI4Iiwic2"
    "91cmNlX2lkIjoibGlmdC1hZHMifSwiaWQiOiJ4IiwiaXNzdWVkX2F0IjoiMjAyNi0wMy0wMVQwOTow"
    "MDowMCswODowMCIsImtleSI6ImhlbWVpLXd1eWUtMjAyNis2YjdjOTJiNSIsImxvZyI6ImNoZW5nZH"
    "UudGVzdC9wL2ppbmppYW5nLWhlbWVpIiwidHlwZSI6IkNvbW1vblJldmVudWVSZWNvcmRlZCIsInYi"
    "OjF9"
)
EXAMPLE_SIG: Final = "eKLy/Cm+MnydQMH4dKc1XiB8kZsGsqfHuKlH94O4AtZrjtaDd7GwagDqfw7V4B23Pr9wjDozzkDwrSG7KYnBAg=="
EXAMPLE_LEAF_HASH: Final = (
    "1bf19c26b5d4720c0d2c032270eb71930c46ba84b1a2812a6d4a92dde7c19a33"
)
EXAMPLE_LEAF: Final = "eyJhY2NlcHRlZF9hdCI6IjIwMjYtMDMtMDFUMDE6MDA6MDAuMDAwMDAwWiIsInBheWxvYWQiOiIuLi4iLCJzaWciOiIuLi4iLCJ2IjoxfQ=="
EXAMPLE_CHECKPOINT: Final = (
    f"{EXAMPLE_ORIGIN}\n1\nG/GcJrXUcgwNLAMicOtxkwxGuoSxooEqbUqS3efBmjM=\n\n"
    f"— {EXAMPLE_ORIGIN} 2rDs/m2NwXvQ4J3f/zhNggvyftDxSZvWhR+8bcAUK7+AcIAR8/9xK7FYOfK"
    "NE8irILpMwdqW567HlWQMuwwbNh8F0wA=\n"
)
EXAMPLE_HASH: Final = "G/GcJrXUcgwNLAMicOtxkwxGuoSxooEqbUqS3efBmjM="
EXAMPLE_PAYLOAD_OBJECT: Final[dict[str, Any]] = {
    "v": 1,
    "log": EXAMPLE_ORIGIN,
    "id": "rev-2026-02-lift-ads",
    "type": "CommonRevenueRecorded",
    "issued_at": "2026-03-01T09:00:00+08:00",
    "key": "hemei-wuye-2026+6b7c92b5",
    "body": {
        "source_id": "lift-ads",
        "amount_fen": 120000,
        "received_on": "2026-02-28",
    },
}
EXAMPLE_RECEIPT: Final[dict[str, Any]] = {
    "log": EXAMPLE_ORIGIN,
    "index": 0,
    "leaf_hash": EXAMPLE_LEAF_HASH,
    "leaf": EXAMPLE_LEAF,
    "checkpoint": EXAMPLE_CHECKPOINT,
    "proof": f"c2sp.org/tlog-proof@v1\nindex 0\n\n{EXAMPLE_CHECKPOINT}",
}
EXAMPLE_PROBLEM: Final[dict[str, Any]] = {
    "type": "https://shuangshai.example/problems/schema-violation",
    "title": "不符合 JSON Schema / schema violation",
    "status": 422,
    "detail": "amount_fen 必须是整数（分）/ amount_fen must be an integer (fen)",
    "instance": "/v1/projects/jinjiang-hemei/entries",
    "code": "schema-violation",
    "errors": [
        {
            "pointer": "/payload/body/amount_fen",
            "message": "amount_fen 必须是整数（分）/ amount_fen must be an integer (fen)",
        }
    ],
}
EXAMPLE_BOARD_ENTRY: Final[dict[str, Any]] = {
    "index": 0,
    "id": "rev-2026-02-lift-ads",
    "type": "CommonRevenueRecorded",
    "accepted_at": "2026-03-01T01:00:00.000000Z",
    "issued_at": "2026-03-01T09:00:00+08:00",
    "leaf_hash": EXAMPLE_LEAF_HASH,
    "key": "hemei-wuye-2026+6b7c92b5",
    "firm": "91510104MA01234567",
    "body": EXAMPLE_PAYLOAD_OBJECT["body"],
    "period": None,
    "refs": [],
    "attachments": [],
    "reversed_by": None,
}
EXAMPLE_PERIOD: Final[dict[str, Any]] = {
    "key": "2026-Q1",
    "start": "2026-01-01",
    "end": "2026-03-31",
    "label": "2026年第一季度",
}

EXAMPLE_ENTRY: Final[dict[str, Any]] = {
    "index": 0,
    "id": "rev-2026-02-lift-ads",
    "type": "CommonRevenueRecorded",
    "key": "hemei-wuye-2026+6b7c92b5",
    "firm": "91510104MA01234567",
    "accepted_at": "2026-03-01T01:00:00.000000Z",
    "issued_at": "2026-03-01T09:00:00+08:00",
    "period": None,
    "leaf_hash": EXAMPLE_LEAF_HASH,
    "leaf": EXAMPLE_LEAF,
    "sig": EXAMPLE_SIG,
    "payload": EXAMPLE_PAYLOAD_OBJECT,
}


def _examples(*examples: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# ------------------------------------------------------------------- requests
class SubmissionCreate(BaseModel):
    """A signed entry: the exact canonical payload bytes and the Ed25519 signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"payload": EXAMPLE_PAYLOAD, "sig": EXAMPLE_SIG}]
        },
    )

    payload: str
    sig: str


# ------------------------------------------------------------------ responses
class FieldErrorPublic(BaseModel):
    model_config = _examples(EXAMPLE_PROBLEM["errors"][0])

    pointer: str
    message: str


class ProblemPublic(BaseModel):
    """RFC 9457 problem details (``schemas/problem.v1.schema.json``)."""

    model_config = _examples(EXAMPLE_PROBLEM)

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldErrorPublic] | None = None


class ReceiptPublic(BaseModel):
    """SPEC §3 receipt: index, leaf, a covering checkpoint and its tlog-proof."""

    model_config = _examples(EXAMPLE_RECEIPT)

    log: str
    index: int
    leaf_hash: str
    leaf: str
    checkpoint: str
    proof: str


class BatchItemPublic(BaseModel):
    """One submission's outcome in a batch: a receipt (201/200) or a problem."""

    model_config = _examples(
        {"status": 201, "receipt": EXAMPLE_RECEIPT},
        {"status": 422, "problem": EXAMPLE_PROBLEM},
    )

    status: int
    receipt: ReceiptPublic | None = None
    problem: ProblemPublic | None = None


class EntryPublic(BaseModel):
    """An accepted entry: its leaf (base64), the signed payload decoded, where it is."""

    model_config = _examples(EXAMPLE_ENTRY)

    index: int
    id: str
    type: str
    key: str
    firm: str | None
    accepted_at: str
    issued_at: str
    period: dict[str, str] | None
    leaf_hash: str
    leaf: str
    sig: str
    payload: dict[str, Any]


class EntryWithReceiptPublic(BaseModel):
    model_config = _examples({"entry": EXAMPLE_ENTRY, "receipt": EXAMPLE_RECEIPT})

    entry: EntryPublic
    receipt: ReceiptPublic


class EntriesPublic(BaseModel):
    """A page of entries; ask for the next with ``?after=<next_after>``."""

    model_config = _examples(
        {"log": EXAMPLE_ORIGIN, "entries": [EXAMPLE_ENTRY], "next_after": None}
    )

    log: str
    entries: list[EntryPublic]
    next_after: int | None


class InclusionProofPublic(BaseModel):
    """RFC 9162 §2.1.3 inclusion proof of ``index`` in the tree of ``size``."""

    model_config = _examples(
        {
            "log": EXAMPLE_ORIGIN,
            "index": 0,
            "size": 2,
            "root": EXAMPLE_HASH,
            "hashes": [EXAMPLE_HASH],
        }
    )

    log: str
    index: int
    size: int
    root: str
    hashes: list[str]


class ConsistencyProofPublic(BaseModel):
    """RFC 9162 §2.1.4 consistency proof from tree size ``old`` to ``new``."""

    model_config = _examples(
        {
            "log": EXAMPLE_ORIGIN,
            "old": 1,
            "new": 2,
            "old_root": EXAMPLE_HASH,
            "new_root": EXAMPLE_HASH,
            "hashes": [EXAMPLE_HASH],
        }
    )

    log: str
    old: int
    new: int
    old_root: str
    new_root: str
    hashes: list[str]


class BoardEntryPublic(BaseModel):
    model_config = _examples(EXAMPLE_BOARD_ENTRY)

    index: int
    id: str
    type: str
    accepted_at: str
    issued_at: str
    leaf_hash: str
    key: str
    firm: str | None
    body: dict[str, Any]
    period: dict[str, str] | None
    refs: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    reversed_by: int | None


class SectionPublic(BaseModel):
    """A notice-board column or an enquiry-desk category, with its entries."""

    model_config = _examples(
        {
            "slug": "income-expenditure",
            "name": "收支公开",
            "entries": [EXAMPLE_BOARD_ENTRY],
        }
    )

    slug: str
    name: str
    entries: list[BoardEntryPublic]


class BoardPublic(BaseModel):
    """The notice board (8 columns, 公开栏) of a project."""

    model_config = _examples(
        {
            "log": EXAMPLE_ORIGIN,
            "project_id": "jinjiang-hemei",
            "size": 1,
            "columns": [
                {
                    "slug": "income-expenditure",
                    "name": "收支公开",
                    "entries": [EXAMPLE_BOARD_ENTRY],
                }
            ],
        }
    )

    log: str
    project_id: str
    size: int
    columns: list[SectionPublic]


class DeskPublic(BaseModel):
    """The enquiry desk (5 categories, 查询台) of a project."""

    model_config = _examples(
        {
            "log": EXAMPLE_ORIGIN,
            "project_id": "jinjiang-hemei",
            "size": 1,
            "categories": [
                {
                    "slug": "finance",
                    "name": "财务管理",
                    "entries": [EXAMPLE_BOARD_ENTRY],
                }
            ],
        }
    )

    log: str
    project_id: str
    size: int
    categories: list[SectionPublic]


class PeriodPublic(BaseModel):
    model_config = _examples(EXAMPLE_PERIOD)

    key: str
    start: str
    end: str
    label: str


class StatementSummaryPublic(BaseModel):
    model_config = _examples(
        {
            "template": "common-revenue",
            "code": "T03",
            "title": "共有部分经营收益收支公示表",
            "period": EXAMPLE_PERIOD,
        }
    )

    template: str
    code: str
    title: str
    period: PeriodPublic


class StatementsPublic(BaseModel):
    """Every template statement a project has, by template code then period."""

    model_config = _examples(
        {
            "project_id": "jinjiang-hemei",
            "statements": [
                {
                    "template": "common-revenue",
                    "code": "T03",
                    "title": "共有部分经营收益收支公示表",
                    "period": EXAMPLE_PERIOD,
                }
            ],
        }
    )

    project_id: str
    statements: list[StatementSummaryPublic]


class CellPublic(BaseModel):
    model_config = _examples({"kind": "money", "value": 120000})

    kind: str
    value: str | int | None


class RowPublic(BaseModel):
    model_config = _examples(
        {
            "cells": [{"kind": "money", "value": 120000}],
            "entry": 0,
            "reversed_by": None,
            "reverses": None,
        }
    )

    cells: list[CellPublic]
    entry: int | None = None
    reversed_by: int | None = None
    reverses: int | None = None


class TablePublic(BaseModel):
    model_config = _examples(
        {"title": "收入", "headers": ["金额"], "rows": [], "footer": []}
    )

    title: str
    headers: list[str]
    rows: list[RowPublic]
    footer: list[CellPublic] = []


class TotalPublic(BaseModel):
    model_config = _examples({"key": "gross_fen", "label": "收入合计", "fen": 120000})

    key: str
    label: str
    fen: int


class StatementPublic(BaseModel):
    """One template statement (SPEC §4): tables of rows, headline totals in fen."""

    model_config = _examples(
        {
            "template": "common-revenue",
            "code": "T03",
            "title": "共有部分经营收益收支公示表",
            "project_id": "jinjiang-hemei",
            "period": EXAMPLE_PERIOD,
            "tables": [
                {
                    "title": "经营收入",
                    "headers": ["日期", "金额"],
                    "rows": [
                        {
                            "cells": [
                                {"kind": "date", "value": "2026-02-28"},
                                {"kind": "money", "value": 120000},
                            ],
                            "entry": 0,
                        }
                    ],
                    "footer": [],
                }
            ],
            "totals": [{"key": "gross_fen", "label": "经营收入合计", "fen": 120000}],
            "entries": [0],
            "notes": [],
        }
    )

    template: str
    code: str
    title: str
    project_id: str
    period: PeriodPublic
    tables: list[TablePublic]
    totals: list[TotalPublic]
    entries: list[int]
    notes: list[str]


class FirmPublic(BaseModel):
    model_config = _examples(
        {
            "uscc": "91510104MA01234567",
            "name": "成都和美物业服务有限公司",
            "address": "成都市锦江区东大街 1 号",
            "registered_at_index": 0,
        }
    )

    uscc: str
    name: str
    address: str
    registered_at_index: int


class KeyPublic(BaseModel):
    """A firm's key; valid from ``added_at_index`` until ``revoked_at_index``."""

    model_config = _examples(
        {
            "key_ref": "hemei-wuye-2026+6b7c92b5",
            "vkey": "hemei-wuye-2026+6b7c92b5+AX0rxnlB4h7L0QQAy1Zm4c1F0rVwBD6Zt0mpQmD8w7HA",
            "firm": "91510104MA01234567",
            "projects": None,
            "added_at_index": 1,
            "revoked_at_index": None,
        }
    )

    key_ref: str
    vkey: str
    firm: str
    projects: list[str] | None
    added_at_index: int
    revoked_at_index: int | None


class ProjectPublic(BaseModel):
    model_config = _examples(
        {
            "project_id": "jinjiang-hemei",
            "name": "和美花园",
            "address": "成都市锦江区和美路 8 号",
            "district": "锦江区",
            "households": 1200,
            "floor_area_m2": 132000,
            "registered_at_index": 2,
        }
    )

    project_id: str
    name: str
    address: str
    district: str
    households: int
    floor_area_m2: int
    registered_at_index: int


class ContractPublic(BaseModel):
    model_config = _examples(
        {
            "contract_id": "c-2026",
            "project_id": "jinjiang-hemei",
            "firm": "91510104MA01234567",
            "fee_model": "commission",
            "remuneration_basis": "ratio",
            "remuneration_ratio_bp": 1000,
            "remuneration_annual_fen": None,
            "term_start": "2026-01-01",
            "term_end": "2028-12-31",
            "bound_at_index": 3,
            "ended_at_index": None,
        }
    )

    contract_id: str
    project_id: str
    firm: str
    fee_model: str
    remuneration_basis: str | None
    remuneration_ratio_bp: int | None
    remuneration_annual_fen: int | None
    term_start: str
    term_end: str
    bound_at_index: int
    ended_at_index: int | None


class WitnessPublic(BaseModel):
    model_config = _examples(
        {
            "key_ref": "hemei-yeweihui+0a1b2c3d",
            "vkey": "hemei-yeweihui+0a1b2c3d+BNq3Vw0v1ZbYgF0yq9tYw0QfFfZrDq2b3Q6mC1wYhCk8",
            "name": "和美花园业主委员会",
            "role": "owners-committee",
            "projects": ["jinjiang-hemei"],
            "added_at_index": 4,
            "removed_at_index": None,
        }
    )

    key_ref: str
    vkey: str
    name: str
    role: str
    projects: list[str] | None
    added_at_index: int
    removed_at_index: int | None


class IntakeKeyPublic(BaseModel):
    """The instance's challenge-intake key; valid until ``revoked_at_index``."""

    model_config = _examples(
        {
            "key_ref": "chengdu.example/intake+35804fa9",
            "vkey": "chengdu.example/intake+35804fa9+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs",
            "operator": "成都市物业管理协会",
            "added_at_index": 0,
            "revoked_at_index": None,
        }
    )

    key_ref: str
    vkey: str
    operator: str
    added_at_index: int
    revoked_at_index: int | None


class LogPublic(BaseModel):
    """A log of this instance and the verifier key of its checkpoints."""

    model_config = _examples(
        {
            "origin": EXAMPLE_ORIGIN,
            "vkey": f"{EXAMPLE_ORIGIN}+2a2b2c2d+AQ...",
            "size": 1,
        }
    )

    origin: str
    vkey: str
    size: int


class RegistryPublic(BaseModel):
    """The registry folded from its log: who may sign what, and when."""

    model_config = _examples(
        {
            "instance": "chengdu.example",
            "origin": "chengdu.example/registry",
            "size": 4,
            "association_vkey": "chengdu.example/association+1a2b3c4d+AQ...",
            "logs": [
                {
                    "origin": EXAMPLE_ORIGIN,
                    "vkey": f"{EXAMPLE_ORIGIN}+2a2b2c2d+AQ...",
                    "size": 1,
                }
            ],
            "firms": [],
            "keys": [],
            "projects": [],
            "contracts": [],
            "witnesses": [],
        }
    )

    instance: str
    origin: str
    size: int
    association_vkey: str
    logs: list[LogPublic]
    firms: list[FirmPublic]
    keys: list[KeyPublic]
    projects: list[ProjectPublic]
    contracts: list[ContractPublic]
    witnesses: list[WitnessPublic]
    intake_keys: list[IntakeKeyPublic] = []


# ------------------------------------------------------------------- builders
def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def entry_public(entry: StoredEntry) -> EntryPublic:
    leaf = Leaf.from_bytes(entry.leaf)
    payload = leaf.submission.parse_payload()
    return EntryPublic(
        index=entry.index,
        id=entry.entry_id,
        type=entry.entry_type,
        key=entry.key_ref,
        firm=entry.firm,
        accepted_at=leaf.accepted_at,
        issued_at=payload["issued_at"],
        period=payload.get("period"),
        leaf_hash=entry.leaf_hash.hex(),
        leaf=b64(entry.leaf),
        sig=b64(leaf.submission.signature),
        payload=payload,
    )


def board_entry_public(entry: BoardEntry) -> BoardEntryPublic:
    return BoardEntryPublic(
        index=entry.index,
        id=entry.entry_id,
        type=entry.entry_type,
        accepted_at=entry.accepted_at,
        issued_at=entry.issued_at,
        leaf_hash=entry.leaf_hash,
        key=entry.key_ref,
        firm=entry.firm,
        body=entry.body,
        period=entry.period,
        refs=list(entry.refs),
        attachments=list(entry.attachments),
        reversed_by=entry.reversed_by,
    )


def period_public(period: Period) -> PeriodPublic:
    return PeriodPublic.model_validate(asdict(period))


def statement_public(statement: Statement) -> StatementPublic:
    return StatementPublic.model_validate(asdict(statement))


def registry_public(
    registry: RegistryState,
    *,
    instance: str,
    origin: str,
    association_vkey: str,
    logs: list[LogPublic],
) -> RegistryPublic:
    def projects(value: frozenset[str] | None) -> list[str] | None:
        return None if value is None else sorted(value)

    return RegistryPublic(
        instance=instance,
        origin=origin,
        size=registry.size,
        association_vkey=association_vkey,
        logs=logs,
        firms=[FirmPublic.model_validate(asdict(f)) for f in registry.firms.values()],
        keys=[
            KeyPublic.model_validate({**asdict(k), "projects": projects(k.projects)})
            for k in registry.keys.values()
        ],
        projects=[
            ProjectPublic.model_validate(asdict(p)) for p in registry.projects.values()
        ],
        contracts=[
            ContractPublic.model_validate(asdict(c))
            for c in registry.contracts.values()
        ],
        witnesses=[
            WitnessPublic.model_validate(
                {**asdict(w), "projects": projects(w.projects)}
            )
            for w in registry.witnesses.values()
        ],
        intake_keys=[
            IntakeKeyPublic.model_validate(asdict(k))
            for k in registry.intake_keys.values()
        ],
    )
