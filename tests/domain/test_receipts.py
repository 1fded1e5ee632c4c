"""Tests for domain.receipts: receipts from a real ledger verify offline, and any
tampering is caught.

Receipts come from a POPO-backed :class:`LedgerApplication` (``tests.builders``).
Every tampering, whether of the JSON fields, of any byte of the leaf or of any
character of the tlog-proof text (with the ``checkpoint`` field kept consistent with
it, so that ``verify_receipt`` itself is tested), must make ``Receipt.from_json`` or
``verify_receipt`` raise a :class:`VerificationError` subclass, never a bare
``ValueError``/``KeyError``. Paths a real ledger cannot produce (a leaf that is not a
leaf, a payload naming another log) use receipts signed here with a test log key.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from domain.checkpoint import Checkpoint, sign_checkpoint
from domain.entries import Submission, make_leaf
from domain.errors import (
    InclusionProofError,
    InvalidSignatureError,
    MalformedProofError,
    VerificationError,
)
from domain.merkle import MemoryTree, hash_leaf
from domain.proof_text import TlogProof
from domain.receipts import Receipt, verify_receipt
from domain.signing import Signer, VerifierKey
from tests.builders import PROJECT_ORIGIN, REGISTRY_ORIGIN, World, make_world

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
AT = "2026-03-01T01:00:00.000000Z"


@pytest.fixture(scope="module")
def world() -> World:
    world = make_world(POPO)
    for amount in range(1, 7):
        world.revenue(amount * 1000)
    return world


@pytest.fixture(scope="module")
def log_key(world: World) -> VerifierKey:
    return VerifierKey.from_vkey(world.ledger.log_vkey(PROJECT_ORIGIN))


@pytest.fixture(scope="module")
def entry_keys(world: World) -> dict[str, VerifierKey]:
    return {world.firm_key.key_ref: world.firm_key.verifier()}


@pytest.fixture(scope="module")
def receipt(world: World) -> Receipt:
    """Entry 2 of the project log, against the checkpoint of size 6."""
    return world.ledger.get_receipt(PROJECT_ORIGIN, 2)


@pytest.fixture(scope="module")
def good(receipt: Receipt) -> dict[str, Any]:
    return receipt.to_json()


def rejected(
    value: object,
    log_key: VerifierKey,
    entry_keys: dict[str, VerifierKey] | None = None,
) -> VerificationError:
    """Assert that parsing or verifying ``value`` fails with our error; return it."""
    with pytest.raises(VerificationError) as caught:
        verify_receipt(Receipt.from_json(value), log_key=log_key, entry_keys=entry_keys)
    return caught.value


def with_proof(good: dict[str, Any], proof: str) -> dict[str, Any]:
    """``good`` with another proof text, its checkpoint field kept consistent."""
    value = {**good, "proof": proof}
    _, _, checkpoint = proof.partition("\n\n")
    value["checkpoint"] = checkpoint
    return value


# --- a real receipt verifies -----------------------------------------------------------
def test_a_fresh_receipt_from_the_ledger_verifies() -> None:
    world = make_world(POPO)
    receipt = world.revenue()
    log_key = VerifierKey.from_vkey(world.ledger.log_vkey(PROJECT_ORIGIN))
    checkpoint = verify_receipt(
        receipt,
        log_key=log_key,
        entry_keys={world.firm_key.key_ref: world.firm_key.verifier()},
    )
    assert (checkpoint.origin, checkpoint.size) == (PROJECT_ORIGIN, 1)
    assert receipt.index == 0
    assert receipt.leaf_hash == hash_leaf(receipt.leaf)


def test_an_older_entry_s_receipt_verifies_against_a_later_checkpoint(
    receipt: Receipt, log_key: VerifierKey, entry_keys: dict[str, VerifierKey]
) -> None:
    checkpoint = verify_receipt(receipt, log_key=log_key, entry_keys=entry_keys)
    assert (checkpoint.origin, checkpoint.size) == (PROJECT_ORIGIN, 6)
    assert len(receipt.proof.hashes) == 3
    assert receipt.log == PROJECT_ORIGIN
    assert receipt.index == receipt.proof.index == 2


def test_every_entry_s_receipt_verifies(
    world: World, log_key: VerifierKey, entry_keys: dict[str, VerifierKey]
) -> None:
    for index in range(6):
        receipt = world.ledger.get_receipt(PROJECT_ORIGIN, index)
        verify_receipt(receipt, log_key=log_key, entry_keys=entry_keys)


def test_a_registry_receipt_verifies_with_the_association_key(world: World) -> None:
    receipt = world.ledger.get_receipt(REGISTRY_ORIGIN, 1)
    log_key = VerifierKey.from_vkey(world.ledger.log_vkey(REGISTRY_ORIGIN))
    checkpoint = verify_receipt(
        receipt,
        log_key=log_key,
        entry_keys={world.association.key_ref: world.association.verifier()},
    )
    assert checkpoint.origin == REGISTRY_ORIGIN


# --- JSON -------------------------------------------------------------------------------
def test_a_receipt_has_the_documented_json_fields(
    receipt: Receipt, good: dict[str, Any]
) -> None:
    assert set(good) == {"log", "index", "leaf_hash", "leaf", "checkpoint", "proof"}
    assert good["log"] == PROJECT_ORIGIN
    assert good["index"] == 2
    assert good["leaf_hash"] == hash_leaf(receipt.leaf).hex()
    assert base64.b64decode(good["leaf"]) == receipt.leaf
    assert good["proof"] == receipt.proof.to_text()
    assert good["proof"].endswith("\n\n" + good["checkpoint"])
    assert good["checkpoint"] == receipt.proof.checkpoint.to_text()


def test_a_receipt_round_trips_through_json(
    receipt: Receipt, good: dict[str, Any]
) -> None:
    assert Receipt.from_json(good) == receipt
    text = json.dumps(good)
    assert Receipt.from_json(json.loads(text)).to_json() == good


# --- tampering: the JSON fields -----------------------------------------------------------
@pytest.mark.parametrize("index", [0, 1, 3, 5, 6, 100, -1, -2])
def test_another_index_is_refused(
    good: dict[str, Any], log_key: VerifierKey, index: int
) -> None:
    error = rejected({**good, "index": index}, log_key)
    assert isinstance(error, InclusionProofError)


@pytest.mark.parametrize("index", [0, 1, 3, 5])
def test_another_index_in_both_receipt_and_proof_is_refused(
    good: dict[str, Any], log_key: VerifierKey, index: int
) -> None:
    proof = good["proof"].replace("\nindex 2\n", f"\nindex {index}\n")
    error = rejected({**with_proof(good, proof), "index": index}, log_key)
    assert isinstance(error, InclusionProofError)


@pytest.mark.parametrize("index", ["2", 2.0, None, [2], True])
def test_an_index_that_is_not_an_integer_is_refused_at_its_pointer(
    good: dict[str, Any], log_key: VerifierKey, index: object
) -> None:
    value = {**good, "index": index}
    with pytest.raises(MalformedProofError) as caught:
        Receipt.from_json(value)
    assert caught.value.pointer == "/index"


def test_a_boolean_index_is_not_taken_for_entry_1(
    world: World, log_key: VerifierKey
) -> None:
    # JSON true is not the number 1; Python's bool is an int, so it passed as index 1.
    value = {**world.ledger.get_receipt(PROJECT_ORIGIN, 1).to_json(), "index": True}
    error = rejected(value, log_key)
    assert isinstance(error, MalformedProofError)


def test_every_changed_leaf_byte_is_refused(
    receipt: Receipt, good: dict[str, Any], log_key: VerifierKey
) -> None:
    for position in range(len(receipt.leaf)):
        leaf = bytearray(receipt.leaf)
        leaf[position] ^= 0x01
        value = {**good, "leaf": base64.b64encode(bytes(leaf)).decode()}
        error = rejected(value, log_key)
        assert isinstance(error, InclusionProofError)
        assert error.pointer == "/leaf_hash"
        # ... and with a leaf_hash that matches the tampered leaf: the proof fails
        value["leaf_hash"] = hash_leaf(bytes(leaf)).hex()
        assert isinstance(rejected(value, log_key), InclusionProofError)


@pytest.mark.parametrize(
    "leaf",
    ["", "AA==", "not base64!", "eyJ2IjoxfQ", "ｅ30="],
)
def test_a_leaf_that_is_missing_or_not_base64_is_refused(
    good: dict[str, Any], log_key: VerifierKey, leaf: str
) -> None:
    rejected({**good, "leaf": leaf}, log_key)


@pytest.mark.parametrize(
    "change",
    [
        lambda h: "00" * 32,
        lambda h: h[:-1] + ("0" if h[-1] != "0" else "1"),
        lambda h: h.upper(),
        lambda h: h[:-2],
        lambda h: "",
        lambda h: "zz" + h[2:],
    ],
    ids=["zero", "last-digit", "uppercase", "short", "empty", "not-hex"],
)
def test_a_changed_leaf_hash_is_refused(
    good: dict[str, Any], log_key: VerifierKey, change: Any
) -> None:
    error = rejected({**good, "leaf_hash": change(good["leaf_hash"])}, log_key)
    assert isinstance(error, InclusionProofError)
    assert error.pointer == "/leaf_hash"


def test_every_changed_proof_hash_is_refused(
    receipt: Receipt, good: dict[str, Any], log_key: VerifierKey
) -> None:
    for number, value in enumerate(receipt.proof.hashes):
        for bit in (0, 7, 128, 255):
            changed = bytearray(value)
            changed[bit // 8] ^= 1 << (bit % 8)
            hashes = list(receipt.proof.hashes)
            hashes[number] = bytes(changed)
            proof = TlogProof(
                receipt.proof.index, tuple(hashes), receipt.proof.checkpoint
            )
            error = rejected({**good, "proof": proof.to_text()}, log_key)
            assert isinstance(error, InclusionProofError)


@pytest.mark.parametrize("edit", ["drop-first", "drop-last", "duplicate", "swap"])
def test_a_reshaped_proof_is_refused(
    receipt: Receipt, good: dict[str, Any], log_key: VerifierKey, edit: str
) -> None:
    hashes = list(receipt.proof.hashes)
    if edit == "drop-first":
        hashes = hashes[1:]
    elif edit == "drop-last":
        hashes = hashes[:-1]
    elif edit == "duplicate":
        hashes.append(hashes[-1])
    else:
        hashes[0], hashes[1] = hashes[1], hashes[0]
    proof = TlogProof(receipt.proof.index, tuple(hashes), receipt.proof.checkpoint)
    assert isinstance(
        rejected({**good, "proof": proof.to_text()}, log_key), InclusionProofError
    )


def test_a_checkpoint_field_that_differs_from_the_proof_s_is_refused(
    good: dict[str, Any], log_key: VerifierKey
) -> None:
    for checkpoint in (
        good["checkpoint"].replace("\n6\n", "\n7\n", 1),
        good["checkpoint"] + "\n",
        good["checkpoint"][:-1],
        "",
    ):
        error = rejected({**good, "checkpoint": checkpoint}, log_key)
        assert isinstance(error, MalformedProofError)
        assert error.pointer == "/checkpoint"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"{PROJECT_ORIGIN}\n6\n", f"{PROJECT_ORIGIN}\n7\n"),  # the size
        (f"{PROJECT_ORIGIN}\n6\n", f"{PROJECT_ORIGIN}\n5\n"),
        (f"{PROJECT_ORIGIN}\n6\n", f"{PROJECT_ORIGIN}x\n6\n"),  # the origin
        ("\n\n— ", "\nextension\n\n— "),  # an added extension line
    ],
)
def test_a_changed_checkpoint_text_is_refused_by_its_signature(
    good: dict[str, Any], log_key: VerifierKey, old: str, new: str
) -> None:
    assert old in good["proof"]
    value = with_proof(good, good["proof"].replace(old, new, 1))
    assert isinstance(rejected(value, log_key), InvalidSignatureError)


def test_a_checkpoint_with_another_root_is_refused_by_its_signature(
    good: dict[str, Any], log_key: VerifierKey
) -> None:
    checkpoint = Checkpoint.from_text(Receipt.from_json(good).proof.checkpoint.text)
    other = base64.b64encode(bytes(32)).decode()
    proof = good["proof"].replace(base64.b64encode(checkpoint.root).decode(), other)
    assert isinstance(rejected(with_proof(good, proof), log_key), InvalidSignatureError)


def test_every_changed_character_of_the_proof_text_is_refused(
    good: dict[str, Any], log_key: VerifierKey
) -> None:
    proof: str = good["proof"]
    for position, char in enumerate(proof):
        for replacement in {"A", "0", "\n", " "} - {char}:
            changed = proof[:position] + replacement + proof[position + 1 :]
            rejected(with_proof(good, changed), log_key)
            rejected({**good, "proof": changed}, log_key)


def test_a_truncated_or_extended_proof_text_is_refused(
    good: dict[str, Any], log_key: VerifierKey
) -> None:
    proof: str = good["proof"]
    for cut in range(0, len(proof), 7):
        rejected(with_proof(good, proof[:cut]), log_key)
    rejected(with_proof(good, proof + "\n"), log_key)
    rejected(with_proof(good, "\n" + proof), log_key)


@pytest.mark.parametrize(
    "log",
    [
        "chengdu.test/p/other-project",
        REGISTRY_ORIGIN,
        PROJECT_ORIGIN + "/",
        PROJECT_ORIGIN.upper(),
        "",
    ],
)
def test_another_log_name_is_refused(
    good: dict[str, Any], log_key: VerifierKey, log: str
) -> None:
    error = rejected({**good, "log": log}, log_key)
    assert "the checkpoint is for log" in error.detail


@pytest.mark.parametrize(
    "field", ["log", "index", "leaf_hash", "leaf", "checkpoint", "proof"]
)
def test_a_missing_field_is_refused_at_its_pointer(
    good: dict[str, Any], log_key: VerifierKey, field: str
) -> None:
    value = {key: item for key, item in good.items() if key != field}
    error = rejected(value, log_key)
    assert isinstance(error, MalformedProofError)
    assert error.pointer == f"/{field}"


@pytest.mark.parametrize("field", ["log", "leaf_hash", "leaf", "checkpoint", "proof"])
@pytest.mark.parametrize("bad", [None, 1, ["x"], {"x": 1}])
def test_a_field_of_the_wrong_type_is_refused_at_its_pointer(
    good: dict[str, Any], log_key: VerifierKey, field: str, bad: object
) -> None:
    error = rejected({**good, field: bad}, log_key)
    assert isinstance(error, MalformedProofError)
    assert error.pointer == f"/{field}"


@pytest.mark.parametrize("value", [None, [], "receipt", 1])
def test_a_receipt_that_is_not_an_object_is_refused(
    log_key: VerifierKey, value: object
) -> None:
    error = rejected(value, log_key)
    assert isinstance(error, MalformedProofError)
    assert error.pointer == ""


def test_no_tampering_of_a_json_field_escapes_as_a_bare_error(
    good: dict[str, Any], log_key: VerifierKey, entry_keys: dict[str, VerifierKey]
) -> None:
    odd_values: list[object] = [None, True, 0, -1, 2**70, 1.5, "", "x", [], {}, "\x00"]
    for field in good:
        for odd in odd_values:
            value = copy.deepcopy(good)
            value[field] = odd
            if value == good:
                continue
            rejected(value, log_key, entry_keys)


# --- the log key ----------------------------------------------------------------------------
def test_a_receipt_is_refused_under_another_log_key(
    world: World, receipt: Receipt
) -> None:
    impostor = Signer.from_seed(PROJECT_ORIGIN, b"\x77" * 32).verifier()
    with pytest.raises(InvalidSignatureError):
        verify_receipt(receipt, log_key=impostor)
    registry_key = VerifierKey.from_vkey(world.ledger.log_vkey(REGISTRY_ORIGIN))
    with pytest.raises(InvalidSignatureError):
        verify_receipt(receipt, log_key=registry_key)


def test_a_receipt_is_refused_under_the_firm_s_key_as_log_key(
    world: World, receipt: Receipt
) -> None:
    with pytest.raises(VerificationError):
        verify_receipt(receipt, log_key=world.firm_key.verifier())


# --- entry keys ------------------------------------------------------------------------------
def test_a_receipt_is_refused_when_the_entry_key_is_another_key(
    world: World, receipt: Receipt, log_key: VerifierKey
) -> None:
    other = Signer.from_seed(world.firm_key.name, b"\x55" * 32).verifier()
    with pytest.raises(InvalidSignatureError):
        verify_receipt(
            receipt, log_key=log_key, entry_keys={world.firm_key.key_ref: other}
        )


def test_a_receipt_is_refused_when_the_entry_key_is_missing(
    world: World, receipt: Receipt, log_key: VerifierKey
) -> None:
    for entry_keys in ({}, {world.association.key_ref: world.association.verifier()}):
        with pytest.raises(VerificationError, match="no trusted key") as caught:
            verify_receipt(receipt, log_key=log_key, entry_keys=entry_keys)
        assert type(caught.value) is VerificationError


def test_without_entry_keys_only_the_log_s_statement_is_checked(
    receipt: Receipt, log_key: VerifierKey
) -> None:
    assert verify_receipt(receipt, log_key=log_key, entry_keys=None).size == 6


# --- receipts a real ledger never issues ------------------------------------------------------
LOG = Signer.from_seed(PROJECT_ORIGIN, b"\x31" * 32)
FIRM = Signer.from_seed("hemei-wuye-2026", b"\x32" * 32)


def signed_receipt(leaf: bytes, others: int = 3) -> Receipt:
    """A receipt for ``leaf`` at index 0 of a log of ``others + 1`` leaves, signed by LOG."""
    leaves = [leaf] + [f"other {i}".encode() for i in range(others)]
    tree = MemoryTree(hash_leaf(item) for item in leaves)
    note = sign_checkpoint(Checkpoint(PROJECT_ORIGIN, tree.size, tree.root()), LOG)
    return Receipt(
        PROJECT_ORIGIN, 0, leaf, TlogProof(0, tuple(tree.inclusion_proof(0)), note)
    )


def firm_leaf(payload: dict[str, Any]) -> bytes:
    return make_leaf(Submission.sign(payload, FIRM), AT)


def test_a_signed_receipt_for_a_payload_naming_another_log_is_refused() -> None:
    leaf = firm_leaf({"v": 1, "log": "chengdu.test/p/other", "key": FIRM.key_ref})
    receipt = signed_receipt(leaf)
    verify_receipt(receipt, log_key=LOG.verifier())  # the log did include it
    with pytest.raises(VerificationError, match="names another log"):
        verify_receipt(
            receipt, log_key=LOG.verifier(), entry_keys={FIRM.key_ref: FIRM.verifier()}
        )


def test_a_signed_receipt_for_a_leaf_that_is_not_a_leaf_is_refused_with_entry_keys() -> (
    None
):
    receipt = signed_receipt(b"not a leaf")
    verify_receipt(receipt, log_key=LOG.verifier())
    with pytest.raises(VerificationError, match="leaf is not canonical"):
        verify_receipt(
            receipt, log_key=LOG.verifier(), entry_keys={FIRM.key_ref: FIRM.verifier()}
        )


@pytest.mark.parametrize("key", [None, 7, ["k"], "unknown+00000000"])
def test_a_signed_receipt_whose_payload_key_is_unusable_is_refused(key: object) -> None:
    payload: dict[str, Any] = {"v": 1, "log": PROJECT_ORIGIN}
    if key is not None:
        payload["key"] = key
    receipt = signed_receipt(firm_leaf(payload))
    with pytest.raises(VerificationError, match="no trusted key"):
        verify_receipt(
            receipt, log_key=LOG.verifier(), entry_keys={FIRM.key_ref: FIRM.verifier()}
        )


def test_a_signed_receipt_with_a_forged_entry_signature_is_refused() -> None:
    payload = {"v": 1, "log": PROJECT_ORIGIN, "key": FIRM.key_ref}
    forged = Submission(Submission.sign(payload, FIRM).payload_bytes, bytes(64))
    receipt = signed_receipt(make_leaf(forged, AT))
    with pytest.raises(InvalidSignatureError):
        verify_receipt(
            receipt, log_key=LOG.verifier(), entry_keys={FIRM.key_ref: FIRM.verifier()}
        )
