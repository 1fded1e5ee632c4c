"""Tests for domain.registry: the fold of registry entries into who may sign what.

Every registry entry type is checked and applied here directly on
:class:`RegistryState` (the schema has already validated the bodies in the real
flow, so bodies below are schema-valid unless a test says otherwise). Each refusal
is a :class:`RuleViolationError` naming the field by its JSON pointer into the
submission; each branch of ``authorize_project_entry`` raises its own
:class:`AuthorizationError` subclass.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import (
    AuthorizationError,
    KeyNotAuthorizedError,
    RevokedKeyError,
    RuleViolationError,
    UnknownKeyError,
)
from domain.registry import (
    Contract,
    Firm,
    Project,
    RegisteredKey,
    RegistryState,
    Witness,
)
from domain.signing import ALG_COSIGNATURE_V1, ALG_ED25519, Signer
from tests.builders import (
    FIRM,
    OTHER_FIRM,
    PROJECT,
    contract_body,
    firm_body,
    project_body,
)

FIRM_KEY = Signer.from_seed("hemei-wuye-2026", b"\x02" * 32)
FIRM_KEY_2 = Signer.from_seed("hemei-wuye-2026b", b"\x03" * 32)
OTHER_KEY = Signer.from_seed("rongan-2026", b"\x04" * 32)
WITNESS = Signer.from_seed("hemei-yeweihui", b"\x05" * 32, alg=ALG_COSIGNATURE_V1)
WITNESS_2 = Signer.from_seed("wuxie-audit", b"\x06" * 32, alg=ALG_COSIGNATURE_V1)
OTHER_PROJECT = "jinjiang-shuijingfang"


def entry(entry_type: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": entry_type, "body": body}


def fold(state: RegistryState, *entries: dict[str, Any]) -> RegistryState:
    """Check and apply ``entries`` in order, as the log does."""
    for payload in entries:
        state.check(payload)
        state.apply(state.size, payload)
    return state


def key_added(
    signer: Signer = FIRM_KEY, firm: str = FIRM, projects: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"firm": firm, "vkey": signer.vkey}
    if projects is not None:
        body["projects"] = projects
    return entry("FirmKeyAdded", body)


def key_revoked(signer: Signer = FIRM_KEY, firm: str = FIRM) -> dict[str, Any]:
    return entry(
        "FirmKeyRevoked",
        {"firm": firm, "key": signer.key_ref, "reason": "年度密钥轮换"},
    )


def contract_ended(
    contract_id: str = "c-2026", project_id: str = PROJECT, firm: str = FIRM
) -> dict[str, Any]:
    return entry(
        "ContractEnded",
        {
            "contract_id": contract_id,
            "project_id": project_id,
            "firm": firm,
            "ended_on": "2026-12-31",
            "reason": "合同期满",
        },
    )


def witness_added(
    signer: Signer = WITNESS, projects: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "和美花园业主委员会",
        "vkey": signer.vkey,
        "role": "owners-committee",
    }
    if projects is not None:
        body["projects"] = projects
    return entry("WitnessAdded", body)


def witness_removed(signer: Signer = WITNESS) -> dict[str, Any]:
    return entry("WitnessRemoved", {"key": signer.key_ref, "reason": "换届"})


def world() -> RegistryState:
    """Two firms, two projects, FIRM's key, and FIRM serving PROJECT (indexes 0–6)."""
    return fold(
        RegistryState(),
        entry("FirmRegistered", firm_body()),  # 0
        entry("FirmRegistered", firm_body(OTHER_FIRM, "成都蓉安物业")),  # 1
        entry("ProjectRegistered", project_body()),  # 2
        entry("ProjectRegistered", project_body(OTHER_PROJECT)),  # 3
        key_added(),  # 4
        key_added(OTHER_KEY, OTHER_FIRM),  # 5
        entry("ContractBound", contract_body()),  # 6
    )


def refused(state: RegistryState, payload: dict[str, Any], pointer: str) -> str:
    """Assert ``check`` refuses ``payload`` at ``pointer``; return the message."""
    before = state.copy()
    with pytest.raises(RuleViolationError) as caught:
        state.check(payload)
    assert caught.value.pointer == pointer
    assert state == before  # a refused check changes nothing
    return caught.value.detail


# --- the fold itself -----------------------------------------------------------------
def test_the_empty_registry_has_nothing() -> None:
    state = RegistryState()
    assert state.size == 0
    assert (state.firms, state.keys, state.projects) == ({}, {}, {})
    assert (state.contracts, state.witnesses) == ({}, {})
    assert state.active_contract(PROJECT) is None


def test_apply_sets_the_size_to_one_past_the_index() -> None:
    state = RegistryState()
    state.apply(0, entry("FirmRegistered", firm_body()))
    assert state.size == 1
    state.apply(7, entry("ProjectRegistered", project_body()))
    assert state.size == 8


@pytest.mark.parametrize(
    "entry_type", ["CommonRevenueRecorded", "NoticePosted", "EntryReversed", "Nope"]
)
def test_check_refuses_an_entry_type_that_is_not_a_registry_type(
    entry_type: str,
) -> None:
    message = refused(world(), entry(entry_type, {}), "/payload/type")
    assert "not a registry entry type" in message


# --- FirmRegistered ------------------------------------------------------------------
def test_firm_registered_records_the_firm_at_its_index() -> None:
    state = fold(RegistryState(), entry("FirmRegistered", firm_body()))
    assert state.firms == {
        FIRM: Firm(FIRM, "成都和美物业服务有限公司", "成都市锦江区东大街 1 号", 0)
    }


def test_firm_registered_refuses_a_firm_registered_twice() -> None:
    message = refused(
        world(),
        entry("FirmRegistered", firm_body(name="另一个名字")),
        "/payload/body/uscc",
    )
    assert FIRM in message


# --- FirmKeyAdded --------------------------------------------------------------------
def test_firm_key_added_records_a_key_for_every_project() -> None:
    state = world()
    assert state.keys[FIRM_KEY.key_ref] == RegisteredKey(
        FIRM_KEY.key_ref, FIRM_KEY.vkey, FIRM, None, 4
    )
    assert state.keys[FIRM_KEY.key_ref].verifier() == FIRM_KEY.verifier()


def test_firm_key_added_records_a_key_scoped_to_projects() -> None:
    state = fold(world(), key_added(FIRM_KEY_2, projects=[PROJECT, OTHER_PROJECT]))
    key = state.keys[FIRM_KEY_2.key_ref]
    assert key.projects == frozenset({PROJECT, OTHER_PROJECT})
    assert key.added_at_index == 7


def test_firm_key_added_refuses_a_key_for_an_unknown_firm() -> None:
    unknown = "91510104MA0000000X"
    message = refused(world(), key_added(FIRM_KEY_2, unknown), "/payload/body/firm")
    assert unknown in message


def test_firm_key_added_refuses_a_cosignature_key_as_a_firm_key() -> None:
    witness_as_firm = Signer.from_seed(
        "hemei-wuye-x", b"\x09" * 32, alg=ALG_COSIGNATURE_V1
    )
    message = refused(world(), key_added(witness_as_firm), "/payload/body/vkey")
    assert "Ed25519 (type 0x01)" in message


@pytest.mark.parametrize(
    "vkey",
    [
        "not-a-vkey",
        FIRM_KEY_2.vkey.replace("+", "+0", 1),  # a 9-digit key id
        FIRM_KEY_2.vkey[:-4] + "AAA=",  # key id no longer matches the key
        FIRM_KEY_2.vkey.upper(),
    ],
)
def test_firm_key_added_refuses_a_vkey_that_does_not_parse(vkey: str) -> None:
    body = {"firm": FIRM, "vkey": vkey}
    message = refused(world(), entry("FirmKeyAdded", body), "/payload/body/vkey")
    assert "does not parse" in message


def test_firm_key_added_refuses_a_key_registered_twice() -> None:
    refused(world(), key_added(), "/payload/body/vkey")
    # ... even by another firm
    refused(world(), key_added(FIRM_KEY, OTHER_FIRM), "/payload/body/vkey")


def test_firm_key_added_refuses_a_revoked_key_added_again() -> None:
    state = fold(world(), key_revoked())
    refused(state, key_added(), "/payload/body/vkey")


def test_firm_key_added_refuses_an_unknown_project_by_its_position() -> None:
    payload = key_added(FIRM_KEY_2, projects=[PROJECT, "no-such-project"])
    message = refused(world(), payload, "/payload/body/projects/1")
    assert "no-such-project" in message


# --- FirmKeyRevoked ------------------------------------------------------------------
def test_firm_key_revoked_records_the_revocation_index() -> None:
    state = fold(world(), key_revoked())
    key = state.keys[FIRM_KEY.key_ref]
    assert key.revoked_at_index == 7
    assert key.added_at_index == 4


def test_firm_key_revoked_refuses_an_unknown_key() -> None:
    refused(world(), key_revoked(FIRM_KEY_2), "/payload/body/key")


def test_firm_key_revoked_refuses_another_firm_s_key() -> None:
    refused(world(), key_revoked(OTHER_KEY, FIRM), "/payload/body/key")
    refused(world(), key_revoked(FIRM_KEY, OTHER_FIRM), "/payload/body/key")


def test_firm_key_revoked_refuses_a_key_revoked_twice() -> None:
    state = fold(world(), key_revoked())
    message = refused(state, key_revoked(), "/payload/body/key")
    assert "already revoked" in message


# --- ProjectRegistered ---------------------------------------------------------------
def test_project_registered_records_the_project_at_its_index() -> None:
    state = world()
    assert state.projects[PROJECT] == Project(
        PROJECT, "和美花园", "成都市锦江区和美路 8 号", "锦江区", 1200, 132000, 2
    )


def test_project_registered_refuses_a_project_registered_twice() -> None:
    message = refused(
        world(), entry("ProjectRegistered", project_body()), "/payload/body/project_id"
    )
    assert PROJECT in message


# --- ContractBound -------------------------------------------------------------------
def test_contract_bound_records_a_commission_contract_by_ratio() -> None:
    contract = world().contracts["c-2026"]
    assert contract == Contract(
        contract_id="c-2026",
        project_id=PROJECT,
        firm=FIRM,
        fee_model="commission",
        remuneration_basis="ratio",
        remuneration_ratio_bp=1000,
        remuneration_annual_fen=None,
        term_start="2026-01-01",
        term_end="2028-12-31",
        bound_at_index=6,
    )


def test_contract_bound_records_a_fixed_remuneration() -> None:
    body = contract_body("c-fixed", OTHER_PROJECT, OTHER_FIRM)
    body["remuneration"] = {"basis": "fixed", "annual_fen": 36_000_000}
    contract = fold(world(), entry("ContractBound", body)).contracts["c-fixed"]
    assert contract.remuneration_basis == "fixed"
    assert contract.remuneration_annual_fen == 36_000_000
    assert contract.remuneration_ratio_bp is None


def test_contract_bound_records_a_lump_sum_contract_with_no_remuneration() -> None:
    body = contract_body("c-lump", OTHER_PROJECT, OTHER_FIRM)
    body["fee_model"] = "lump_sum"
    del body["remuneration"]
    contract = fold(world(), entry("ContractBound", body)).contracts["c-lump"]
    assert contract.fee_model == "lump_sum"
    assert contract.remuneration_basis is None
    assert contract.remuneration_ratio_bp is None
    assert contract.remuneration_annual_fen is None


def test_contract_bound_refuses_an_unknown_project() -> None:
    body = contract_body("c-x", "no-such-project")
    refused(world(), entry("ContractBound", body), "/payload/body/project_id")


def test_contract_bound_refuses_an_unknown_firm() -> None:
    body = contract_body("c-x", OTHER_PROJECT, "91510104MA0000000X")
    refused(world(), entry("ContractBound", body), "/payload/body/firm")


def test_contract_bound_refuses_a_contract_id_used_before() -> None:
    body = contract_body("c-2026", OTHER_PROJECT, OTHER_FIRM)
    message = refused(
        world(), entry("ContractBound", body), "/payload/body/contract_id"
    )
    assert "already used" in message


def test_contract_bound_refuses_an_ended_contract_s_id_too() -> None:
    state = fold(world(), contract_ended())
    body = contract_body("c-2026", PROJECT, OTHER_FIRM)
    refused(state, entry("ContractBound", body), "/payload/body/contract_id")


def test_contract_bound_refuses_a_second_active_contract_for_a_project() -> None:
    body = contract_body("c-2027", PROJECT, OTHER_FIRM)
    message = refused(world(), entry("ContractBound", body), "/payload/body/project_id")
    assert "c-2026" in message


def test_contract_bound_accepts_a_new_contract_once_the_old_one_ended() -> None:
    state = fold(
        world(),
        contract_ended(),  # 7
        entry("ContractBound", contract_body("c-2027", PROJECT, OTHER_FIRM)),  # 8
    )
    active = state.active_contract(PROJECT)
    assert active is not None
    assert (active.contract_id, active.firm, active.bound_at_index) == (
        "c-2027",
        OTHER_FIRM,
        8,
    )


# --- ContractEnded -------------------------------------------------------------------
def test_contract_ended_records_the_end_index_and_clears_the_active_contract() -> None:
    state = fold(world(), contract_ended())
    assert state.contracts["c-2026"].ended_at_index == 7
    assert state.active_contract(PROJECT) is None


def test_contract_ended_refuses_an_unknown_contract() -> None:
    refused(world(), contract_ended("c-9999"), "/payload/body/contract_id")


def test_contract_ended_refuses_the_wrong_project() -> None:
    message = refused(
        world(), contract_ended(project_id=OTHER_PROJECT), "/payload/body/project_id"
    )
    assert "another project" in message


def test_contract_ended_refuses_the_wrong_firm() -> None:
    message = refused(world(), contract_ended(firm=OTHER_FIRM), "/payload/body/firm")
    assert "another firm" in message


def test_contract_ended_refuses_a_contract_ended_twice() -> None:
    state = fold(world(), contract_ended())
    message = refused(state, contract_ended(), "/payload/body/contract_id")
    assert "already ended" in message


# --- WitnessAdded / WitnessRemoved ---------------------------------------------------
def test_witness_added_records_the_witness() -> None:
    state = fold(world(), witness_added(projects=[PROJECT]))
    assert state.witnesses[WITNESS.key_ref] == Witness(
        WITNESS.key_ref,
        WITNESS.vkey,
        "和美花园业主委员会",
        "owners-committee",
        frozenset({PROJECT}),
        7,
    )


def test_witness_added_without_projects_witnesses_every_project() -> None:
    state = fold(world(), witness_added())
    assert state.witnesses[WITNESS.key_ref].projects is None


def test_witness_added_refuses_an_ed25519_note_key_as_a_witness_key() -> None:
    note_key = Signer.from_seed("hemei-yeweihui", b"\x05" * 32, alg=ALG_ED25519)
    message = refused(world(), witness_added(note_key), "/payload/body/vkey")
    assert "type 0x04" in message


def test_witness_added_refuses_a_vkey_that_does_not_parse() -> None:
    payload = witness_added()
    payload["body"]["vkey"] = "hemei-yeweihui+00000000+BAAA"
    message = refused(world(), payload, "/payload/body/vkey")
    assert "does not parse" in message


def test_witness_added_refuses_a_witness_added_twice() -> None:
    state = fold(world(), witness_added())
    refused(state, witness_added(projects=[PROJECT]), "/payload/body/vkey")


def test_witness_added_refuses_a_removed_witness_added_again() -> None:
    state = fold(world(), witness_added(), witness_removed())
    refused(state, witness_added(), "/payload/body/vkey")


def test_witness_added_refuses_an_unknown_project_by_its_position() -> None:
    payload = witness_added(projects=["no-such-project"])
    refused(world(), payload, "/payload/body/projects/0")


def test_witness_removed_records_the_removal_index() -> None:
    state = fold(world(), witness_added(), witness_added(WITNESS_2), witness_removed())
    assert state.witnesses[WITNESS.key_ref].removed_at_index == 9
    assert state.witnesses[WITNESS.key_ref].added_at_index == 7
    assert state.witnesses[WITNESS_2.key_ref].removed_at_index is None


def test_witness_removed_refuses_an_unknown_witness() -> None:
    refused(world(), witness_removed(), "/payload/body/key")


def test_witness_removed_refuses_a_firm_key() -> None:
    refused(world(), witness_removed(FIRM_KEY), "/payload/body/key")


def test_witness_removed_refuses_a_witness_removed_twice() -> None:
    state = fold(world(), witness_added(), witness_removed())
    refused(state, witness_removed(), "/payload/body/key")


# --- authorize_project_entry -----------------------------------------------------------
def assert_unauthorized(
    state: RegistryState,
    key_ref: str,
    project_id: str,
    error: type[AuthorizationError],
    pointer: str,
) -> str:
    with pytest.raises(error) as caught:
        state.authorize_project_entry(key_ref, project_id)
    assert type(caught.value) is error
    assert caught.value.pointer == pointer
    return caught.value.detail


def test_authorize_returns_the_key_and_the_active_contract() -> None:
    state = world()
    key, contract = state.authorize_project_entry(FIRM_KEY.key_ref, PROJECT)
    assert key == state.keys[FIRM_KEY.key_ref]
    assert contract == state.contracts["c-2026"]


def test_authorize_refuses_an_unknown_key() -> None:
    message = assert_unauthorized(
        world(), FIRM_KEY_2.key_ref, PROJECT, UnknownKeyError, "/payload/key"
    )
    assert FIRM_KEY_2.key_ref in message


def test_authorize_refuses_a_witness_key_as_an_entry_key() -> None:
    state = fold(world(), witness_added())
    assert_unauthorized(
        state, WITNESS.key_ref, PROJECT, UnknownKeyError, "/payload/key"
    )


def test_authorize_refuses_a_revoked_key_naming_the_revocation_index() -> None:
    state = fold(world(), key_revoked())
    message = assert_unauthorized(
        state, FIRM_KEY.key_ref, PROJECT, RevokedKeyError, "/payload/key"
    )
    assert "7" in message


def test_authorize_refuses_a_revoked_key_before_looking_at_the_project() -> None:
    state = fold(world(), key_revoked())
    assert_unauthorized(
        state, FIRM_KEY.key_ref, "no-such-project", RevokedKeyError, "/payload/key"
    )


def test_authorize_refuses_an_unregistered_project() -> None:
    message = assert_unauthorized(
        world(),
        FIRM_KEY.key_ref,
        "no-such-project",
        KeyNotAuthorizedError,
        "/payload/log",
    )
    assert "no-such-project" in message


def test_authorize_refuses_a_project_with_no_contract() -> None:
    message = assert_unauthorized(
        world(), OTHER_KEY.key_ref, OTHER_PROJECT, KeyNotAuthorizedError, "/payload/key"
    )
    assert "no firm has an active contract" in message


def test_authorize_refuses_a_project_whose_contract_ended() -> None:
    state = fold(world(), contract_ended())
    assert_unauthorized(
        state, FIRM_KEY.key_ref, PROJECT, KeyNotAuthorizedError, "/payload/key"
    )


def test_authorize_refuses_a_key_of_another_firm() -> None:
    message = assert_unauthorized(
        world(), OTHER_KEY.key_ref, PROJECT, KeyNotAuthorizedError, "/payload/key"
    )
    assert OTHER_FIRM in message
    assert FIRM in message


def test_authorize_follows_the_contract_to_the_new_firm() -> None:
    state = fold(
        world(),
        contract_ended(),
        entry("ContractBound", contract_body("c-2027", PROJECT, OTHER_FIRM)),
    )
    assert_unauthorized(
        state, FIRM_KEY.key_ref, PROJECT, KeyNotAuthorizedError, "/payload/key"
    )
    key, contract = state.authorize_project_entry(OTHER_KEY.key_ref, PROJECT)
    assert (key.firm, contract.contract_id) == (OTHER_FIRM, "c-2027")


def test_authorize_refuses_a_key_scoped_to_other_projects() -> None:
    state = fold(world(), key_added(FIRM_KEY_2, projects=[OTHER_PROJECT]))
    message = assert_unauthorized(
        state, FIRM_KEY_2.key_ref, PROJECT, KeyNotAuthorizedError, "/payload/key"
    )
    assert "scoped to other projects" in message


def test_authorize_accepts_a_key_scoped_to_the_project() -> None:
    state = fold(world(), key_added(FIRM_KEY_2, projects=[OTHER_PROJECT, PROJECT]))
    key, _ = state.authorize_project_entry(FIRM_KEY_2.key_ref, PROJECT)
    assert key.projects == frozenset({PROJECT, OTHER_PROJECT})


# --- copy ------------------------------------------------------------------------------
def test_copy_is_equal_to_the_original() -> None:
    state = fold(world(), witness_added())
    assert state.copy() == state
    assert state.copy() is not state


def test_changes_to_a_copy_do_not_reach_the_original() -> None:
    state = world()
    before = state.copy()
    trial = state.copy()
    fold(
        trial,
        key_revoked(),
        contract_ended(),
        entry("FirmRegistered", firm_body("91510104MA0000001X", "新公司")),
        entry("ProjectRegistered", project_body("new-project")),
        witness_added(),
    )
    assert trial.size == state.size + 5
    assert state == before
    assert state.keys[FIRM_KEY.key_ref].revoked_at_index is None
    assert state.active_contract(PROJECT) is not None
    assert WITNESS.key_ref not in state.witnesses


def test_changes_to_the_original_do_not_reach_a_copy() -> None:
    state = world()
    snapshot = state.copy()
    fold(state, key_revoked(), witness_added(), witness_removed())
    assert snapshot == world()
    assert snapshot.keys[FIRM_KEY.key_ref].revoked_at_index is None
    assert snapshot.witnesses == {}
