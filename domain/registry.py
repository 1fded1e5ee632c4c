"""The registry: firms, their keys, projects, contracts and witnesses (SPEC §1, §5).

The registry is itself a signed log; this module folds its entries into the state that
decides who may sign what, and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn

from domain.errors import (
    KeyNotAuthorizedError,
    MalformedKeyError,
    RevokedKeyError,
    RuleViolationError,
    UnknownKeyError,
)
from domain.signing import ALG_COSIGNATURE_V1, ALG_ED25519, VerifierKey

FeeModel = Literal["lump_sum", "commission"]
RemunerationBasis = Literal["ratio", "fixed"]


@dataclass(frozen=True)
class Contract:
    """A firm's contract to serve a project, as bound in the registry."""

    contract_id: str
    project_id: str
    firm: str  # the firm's 统一社会信用代码
    fee_model: FeeModel
    remuneration_basis: RemunerationBasis | None  # None under lump_sum
    remuneration_ratio_bp: int | None  # basis points: 1000 = 10 %
    remuneration_annual_fen: int | None  # fixed remuneration per contract year
    term_start: str  # ISO date
    term_end: str  # ISO date
    bound_at_index: int  # registry index of its ContractBound
    ended_at_index: int | None = None  # registry index of its ContractEnded


@dataclass(frozen=True)
class Firm:
    """A property-service firm (物业服务企业) registered by the association."""

    uscc: str
    name: str
    address: str
    registered_at_index: int


@dataclass(frozen=True)
class RegisteredKey:
    """A firm's entry-signing key and its validity, by registry index."""

    key_ref: str
    vkey: str
    firm: str
    projects: frozenset[str] | None  # None: every project the firm serves
    added_at_index: int
    revoked_at_index: int | None = None

    def verifier(self) -> VerifierKey:
        return VerifierKey.from_vkey(self.vkey)


@dataclass(frozen=True)
class Project:
    """A residential project (物业项目 / 小区); its log is ``<instance>/p/<id>``."""

    project_id: str
    name: str
    address: str
    district: str
    households: int
    floor_area_m2: int
    registered_at_index: int


@dataclass(frozen=True)
class Witness:
    """A cosigner of checkpoints (业委会, association auditor, street office)."""

    key_ref: str
    vkey: str
    name: str
    role: str
    projects: frozenset[str] | None
    added_at_index: int
    removed_at_index: int | None = None
    url: str | None = None  # its c2sp.org/tlog-witness submission prefix, if any


@dataclass(frozen=True)
class IntakeKey:
    """The instance's challenge-intake key: signs owners' challenges on their behalf.

    Owners hold no key; the intake (run by the association) takes their challenge,
    keeps their contact details in its private store and signs the public entry.
    """

    key_ref: str
    vkey: str
    operator: str
    added_at_index: int
    revoked_at_index: int | None = None

    def verifier(self) -> VerifierKey:
        return VerifierKey.from_vkey(self.vkey)


@dataclass
class RegistryState:
    """The registry folded from its log: who may sign what, and when.

    ``check`` enforces the rules that need state (uniqueness, existence, one active
    contract per project) and ``apply`` folds an accepted entry in. Both take the
    payload as accepted by the log and its index.
    """

    size: int = 0
    firms: dict[str, Firm] = field(default_factory=dict)
    keys: dict[str, RegisteredKey] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    witnesses: dict[str, Witness] = field(default_factory=dict)
    intake_keys: dict[str, IntakeKey] = field(default_factory=dict)

    def copy(self) -> RegistryState:
        return RegistryState(
            self.size,
            dict(self.firms),
            dict(self.keys),
            dict(self.projects),
            dict(self.contracts),
            dict(self.witnesses),
            dict(self.intake_keys),
        )

    # --- queries --------------------------------------------------------------
    def active_contract(self, project_id: str) -> Contract | None:
        """The contract that currently covers ``project_id``, if any."""
        for contract in self.contracts.values():
            if contract.project_id == project_id and contract.ended_at_index is None:
                return contract
        return None

    def latest_contract(self, project_id: str) -> Contract | None:
        """The active contract, else the most recently bound ended one (for display)."""
        active = self.active_contract(project_id)
        if active is not None:
            return active
        bound = [c for c in self.contracts.values() if c.project_id == project_id]
        return max(bound, key=lambda c: c.bound_at_index) if bound else None

    def covering_witnesses(self, project_id: str | None) -> list[Witness]:
        """The active witnesses of a log, in registry order.

        A witness covers a project's log if its ``WitnessAdded`` named no projects
        or named this one, and no ``WitnessRemoved`` followed. The registry log
        (``project_id`` None) is covered by the witnesses that named no projects.
        """
        chosen = [
            witness
            for witness in self.witnesses.values()
            if witness.removed_at_index is None
            and (
                witness.projects is None
                or (project_id is not None and project_id in witness.projects)
            )
        ]
        return sorted(chosen, key=lambda witness: witness.added_at_index)

    def authorize_project_entry(
        self, key_ref: str, project_id: str
    ) -> tuple[RegisteredKey, Contract]:
        """The key and contract that allow ``key_ref`` to sign for ``project_id``.

        Raises the specific :class:`AuthorizationError` otherwise.
        """
        key = self.keys.get(key_ref)
        if key is None:
            raise UnknownKeyError(
                f"签名密钥 {key_ref} 未在登记册中登记 / key {key_ref} is not registered",
                pointer="/payload/key",
            )
        if key.revoked_at_index is not None:
            raise RevokedKeyError(
                f"签名密钥 {key_ref} 已于登记册第 {key.revoked_at_index} 条吊销，不能再签署"
                f" / key {key_ref} was revoked at registry index "
                f"{key.revoked_at_index} and signs nothing new",
                pointer="/payload/key",
            )
        if project_id not in self.projects:
            raise KeyNotAuthorizedError(
                f"项目 {project_id} 未登记 / project {project_id} is not registered",
                pointer="/payload/log",
            )
        contract = self.active_contract(project_id)
        if contract is None:
            raise KeyNotAuthorizedError(
                f"项目 {project_id} 当前没有有效的物业服务合同 / no firm has an active "
                f"contract for project {project_id}",
                pointer="/payload/key",
            )
        if contract.firm != key.firm:
            raise KeyNotAuthorizedError(
                f"密钥属于企业 {key.firm}，但项目 {project_id} 由 {contract.firm} 服务 / "
                f"the key belongs to firm {key.firm}, but project {project_id} is "
                f"served by {contract.firm}",
                pointer="/payload/key",
            )
        if key.projects is not None and project_id not in key.projects:
            raise KeyNotAuthorizedError(
                f"密钥 {key_ref} 的授权范围不含项目 {project_id} / key {key_ref} is "
                f"scoped to other projects",
                pointer="/payload/key",
            )
        return key, contract

    def authorize_intake_entry(self, key_ref: str, project_id: str) -> IntakeKey:
        """The intake key ``key_ref``, if it may sign for ``project_id`` now.

        Which entry types it may sign is :func:`domain.challenges.check_signer_role`.
        """
        key = self.intake_keys.get(key_ref)
        if key is None:
            raise UnknownKeyError(
                f"受理密钥 {key_ref} 未在登记册中登记 / intake key {key_ref} is not "
                "registered",
                pointer="/payload/key",
            )
        if key.revoked_at_index is not None:
            raise RevokedKeyError(
                f"受理密钥 {key_ref} 已于登记册第 {key.revoked_at_index} 条吊销，不能再签署"
                f" / intake key {key_ref} was revoked at registry index "
                f"{key.revoked_at_index} and signs nothing new",
                pointer="/payload/key",
            )
        if project_id not in self.projects:
            raise KeyNotAuthorizedError(
                f"项目 {project_id} 未登记 / project {project_id} is not registered",
                pointer="/payload/log",
            )
        return key

    def active_intake_key(self, key_ref: str) -> IntakeKey | None:
        """The intake key ``key_ref`` if it is registered and not revoked."""
        key = self.intake_keys.get(key_ref)
        return key if key is not None and key.revoked_at_index is None else None

    # --- the fold -------------------------------------------------------------
    def check(self, payload: Mapping[str, Any]) -> None:
        """Refuse a registry entry that contradicts the state (RuleViolationError)."""
        entry_type = payload["type"]
        body = payload["body"]
        checker = getattr(self, f"_check_{entry_type}", None)
        if checker is None:
            raise RuleViolationError(
                f"{entry_type} 不能写入登记册 / {entry_type} is not a registry entry type",
                pointer="/payload/type",
            )
        checker(body)

    def apply(self, index: int, payload: Mapping[str, Any]) -> None:
        """Fold an accepted registry entry at ``index`` into the state."""
        getattr(self, f"_apply_{payload['type']}")(index, payload["body"])
        self.size = index + 1

    # FirmRegistered
    def _check_FirmRegistered(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        if body["uscc"] in self.firms:
            _refuse(
                "/payload/body/uscc",
                f"企业 {body['uscc']} 已登记 / firm already registered",
            )

    def _apply_FirmRegistered(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        self.firms[body["uscc"]] = Firm(
            body["uscc"], body["name"], body["address"], index
        )

    # FirmKeyAdded
    def _check_FirmKeyAdded(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        self._require_firm(body["firm"], "/payload/body/firm")
        try:
            verifier = VerifierKey.from_vkey(body["vkey"])
        except MalformedKeyError as exc:
            _refuse(
                "/payload/body/vkey",
                f"vkey 无法解析 / vkey does not parse: {exc.detail}",
            )
        if verifier.alg != ALG_ED25519:
            _refuse(
                "/payload/body/vkey",
                "企业签名密钥必须是 Ed25519（类型 0x01）/ firm keys must be Ed25519 (type 0x01)",
            )
        if self._is_registered(verifier.key_ref):
            _refuse(
                "/payload/body/vkey",
                f"密钥 {verifier.key_ref} 已登记 / key {verifier.key_ref} is already registered",
            )
        for position, project_id in enumerate(body.get("projects", ())):
            self._require_project(project_id, f"/payload/body/projects/{position}")

    def _apply_FirmKeyAdded(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        verifier = VerifierKey.from_vkey(body["vkey"])
        projects = body.get("projects")
        self.keys[verifier.key_ref] = RegisteredKey(
            verifier.key_ref,
            body["vkey"],
            body["firm"],
            frozenset(projects) if projects is not None else None,
            index,
        )

    # FirmKeyRevoked
    def _check_FirmKeyRevoked(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        key = self.keys.get(body["key"])
        if key is None or key.firm != body["firm"]:
            _refuse(
                "/payload/body/key",
                f"企业 {body['firm']} 没有密钥 {body['key']} / firm has no such key",
            )
        if key.revoked_at_index is not None:
            _refuse("/payload/body/key", "密钥已吊销 / key already revoked")

    def _apply_FirmKeyRevoked(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        self.keys[body["key"]] = replace(self.keys[body["key"]], revoked_at_index=index)

    # ProjectRegistered
    def _check_ProjectRegistered(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        if body["project_id"] in self.projects:
            _refuse(
                "/payload/body/project_id",
                f"项目 {body['project_id']} 已登记 / project already registered",
            )

    def _apply_ProjectRegistered(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        self.projects[body["project_id"]] = Project(
            body["project_id"],
            body["name"],
            body["address"],
            body["district"],
            body["households"],
            body["floor_area_m2"],
            index,
        )

    # ContractBound
    def _check_ContractBound(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        self._require_project(body["project_id"], "/payload/body/project_id")
        self._require_firm(body["firm"], "/payload/body/firm")
        if body["contract_id"] in self.contracts:
            _refuse(
                "/payload/body/contract_id", "合同编号已使用 / contract_id already used"
            )
        active = self.active_contract(body["project_id"])
        if active is not None:
            _refuse(
                "/payload/body/project_id",
                f"项目已有有效合同 {active.contract_id}，须先登记其终止 / the project "
                f"already has active contract {active.contract_id}: end it first",
            )

    def _apply_ContractBound(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        remuneration = body.get("remuneration") or {}
        self.contracts[body["contract_id"]] = Contract(
            contract_id=body["contract_id"],
            project_id=body["project_id"],
            firm=body["firm"],
            fee_model=body["fee_model"],
            remuneration_basis=remuneration.get("basis"),
            remuneration_ratio_bp=remuneration.get("ratio_bp"),
            remuneration_annual_fen=remuneration.get("annual_fen"),
            term_start=body["term"]["start"],
            term_end=body["term"]["end"],
            bound_at_index=index,
        )

    # ContractEnded
    def _check_ContractEnded(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        contract = self.contracts.get(body["contract_id"])
        if contract is None:
            _refuse("/payload/body/contract_id", "没有该合同 / no such contract")
        if contract.project_id != body["project_id"]:
            _refuse(
                "/payload/body/project_id",
                "合同不属于该项目 / contract is for another project",
            )
        if contract.firm != body["firm"]:
            _refuse(
                "/payload/body/firm", "合同不属于该企业 / contract is with another firm"
            )
        if contract.ended_at_index is not None:
            _refuse("/payload/body/contract_id", "合同已终止 / contract already ended")

    def _apply_ContractEnded(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        contract = self.contracts[body["contract_id"]]
        self.contracts[body["contract_id"]] = replace(contract, ended_at_index=index)

    # WitnessAdded
    def _check_WitnessAdded(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        try:
            verifier = VerifierKey.from_vkey(body["vkey"])
        except MalformedKeyError as exc:
            _refuse(
                "/payload/body/vkey",
                f"vkey 无法解析 / vkey does not parse: {exc.detail}",
            )
        if verifier.alg != ALG_COSIGNATURE_V1:
            _refuse(
                "/payload/body/vkey",
                "见证人密钥必须是 cosignature/v1（类型 0x04）/ witness keys must be "
                "cosignature/v1 keys (type 0x04)",
            )
        if self._is_registered(verifier.key_ref):
            _refuse("/payload/body/vkey", "密钥已登记 / key already registered")
        for position, project_id in enumerate(body.get("projects", ())):
            self._require_project(project_id, f"/payload/body/projects/{position}")

    def _apply_WitnessAdded(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        verifier = VerifierKey.from_vkey(body["vkey"])
        projects = body.get("projects")
        self.witnesses[verifier.key_ref] = Witness(
            verifier.key_ref,
            body["vkey"],
            body["name"],
            body["role"],
            frozenset(projects) if projects is not None else None,
            index,
            url=body.get("url"),
        )

    # WitnessRemoved
    def _check_WitnessRemoved(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        witness = self.witnesses.get(body["key"])
        if witness is None or witness.removed_at_index is not None:
            _refuse("/payload/body/key", "没有该见证人 / no such active witness")

    def _apply_WitnessRemoved(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        witness = self.witnesses[body["key"]]
        self.witnesses[body["key"]] = replace(witness, removed_at_index=index)

    # IntakeKeyAdded
    def _check_IntakeKeyAdded(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        try:
            verifier = VerifierKey.from_vkey(body["vkey"])
        except MalformedKeyError as exc:
            _refuse(
                "/payload/body/vkey",
                f"vkey 无法解析 / vkey does not parse: {exc.detail}",
            )
        if verifier.alg != ALG_ED25519:
            _refuse(
                "/payload/body/vkey",
                "受理密钥必须是 Ed25519（类型 0x01）/ intake keys must be Ed25519 (type 0x01)",
            )
        if self._is_registered(verifier.key_ref):
            _refuse(
                "/payload/body/vkey",
                f"密钥 {verifier.key_ref} 已登记 / key {verifier.key_ref} is already registered",
            )

    def _apply_IntakeKeyAdded(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        verifier = VerifierKey.from_vkey(body["vkey"])
        self.intake_keys[verifier.key_ref] = IntakeKey(
            verifier.key_ref, body["vkey"], body["operator"], index
        )

    # IntakeKeyRevoked
    def _check_IntakeKeyRevoked(self, body: Mapping[str, Any]) -> None:  # noqa: N802
        key = self.intake_keys.get(body["key"])
        if key is None:
            _refuse(
                "/payload/body/key",
                f"没有受理密钥 {body['key']} / no such intake key",
            )
        if key.revoked_at_index is not None:
            _refuse("/payload/body/key", "受理密钥已吊销 / intake key already revoked")

    def _apply_IntakeKeyRevoked(self, index: int, body: Mapping[str, Any]) -> None:  # noqa: N802
        self.intake_keys[body["key"]] = replace(
            self.intake_keys[body["key"]], revoked_at_index=index
        )

    # helpers
    def _is_registered(self, key_ref: str) -> bool:
        """Whether any kind of key (firm, witness, intake) already uses ``key_ref``."""
        return (
            key_ref in self.keys
            or key_ref in self.witnesses
            or key_ref in self.intake_keys
        )

    def _require_firm(self, uscc: str, pointer: str) -> None:
        if uscc not in self.firms:
            _refuse(pointer, f"企业 {uscc} 未登记 / firm {uscc} is not registered")

    def _require_project(self, project_id: str, pointer: str) -> None:
        if project_id not in self.projects:
            _refuse(
                pointer,
                f"项目 {project_id} 未登记 / project {project_id} is not registered",
            )


def _refuse(pointer: str, message: str) -> NoReturn:
    raise RuleViolationError(message, pointer=pointer)
