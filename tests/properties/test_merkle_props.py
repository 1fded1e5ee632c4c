"""Property tests for domain.merkle: proofs verify, and any tampering is caught.

For random trees of up to 300 leaves: every inclusion and consistency proof verifies;
flipping any bit of the leaf hash or a root, changing any byte of any proof hash,
truncating or extending the proof, or claiming another index or size makes the
verifier raise its own error.

One subtlety is pinned down exactly rather than glossed over: an RFC 9162 proof
commits to the *shape* of the path (which side each sibling is on, and how many),
not to the sizes themselves, so a proof can also verify for other sizes whose path
has the same shape (leaf 0 in trees of 3 and 4, say). The properties below therefore
state: verification under a claimed index or size passes *exactly when* the RFC
verification loop, run for the claimed values, performs the same hash operations as
for the true ones. The trace helpers are written from RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ConsistencyProofError, InclusionProofError
from domain.merkle import (
    HASH_SIZE,
    MemoryTree,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300
TREE = MemoryTree(hash_leaf(f"entry {i}".encode()) for i in range(MAX_SIZE))
ROOTS = [TREE.root(size) for size in range(MAX_SIZE + 1)]

PROPERTY = settings(max_examples=200, deadline=None, database=None)

positions = st.integers(1, MAX_SIZE).flatmap(
    lambda size: st.tuples(st.integers(0, size - 1), st.just(size))
)
growths = st.integers(2, MAX_SIZE).flatmap(
    lambda new: st.tuples(st.integers(1, new - 1), st.just(new))
)
hashes = st.binary(min_size=HASH_SIZE, max_size=HASH_SIZE)


def flip_bit(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def edit_proof(proof: list[bytes], edit: str, data: st.DataObject) -> None:
    """Lengthen or shorten ``proof`` in place: ``edit`` says how, ``data`` where."""
    if edit == "append":
        proof.append(data.draw(hashes))
    elif edit == "insert":
        proof.insert(data.draw(st.integers(0, len(proof))), data.draw(hashes))
    elif edit == "empty":
        proof.clear()
    else:
        at = data.draw(st.integers(0, len(proof) - 1))
        if edit == "drop":
            del proof[at]
        else:
            proof.insert(at, proof[at])


def inclusion_case(index: int, size: int) -> dict[str, Any]:
    return {
        "leaf_hash": TREE.perfect_hash(0, index),
        "index": index,
        "size": size,
        "proof": TREE.inclusion_proof(index, size),
        "root": ROOTS[size],
    }


def consistency_case(old_size: int, new_size: int) -> dict[str, Any]:
    return {
        "old_size": old_size,
        "new_size": new_size,
        "old_root": ROOTS[old_size],
        "new_root": ROOTS[new_size],
        "proof": TREE.consistency_proof(old_size, new_size),
    }


def inclusion_trace(index: int, size: int, length: int) -> list[bool] | None:
    """The hash operations of RFC 9162 §2.1.3.2 for a proof of ``length`` hashes.

    True where the proof hash goes on the left; None where the loop fails.
    """
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    operations: list[bool] = []
    for _ in range(length):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            operations.append(True)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            operations.append(False)
        fn, sn = fn >> 1, sn >> 1
    return operations if sn == 0 else None


def consistency_trace(
    old_size: int, new_size: int, length: int
) -> tuple[bool, list[bool]] | None:
    """Whether the old root is prepended, and the operations of RFC 9162 §2.1.4.2.

    True for an operation that hashes into both roots; None where the loop fails.
    Only for ``0 < old_size < new_size`` (the other cases take no proof).
    """
    if not 0 < old_size < new_size or length == 0:
        return None
    prepend = old_size & (old_size - 1) == 0
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    operations: list[bool] = []
    for _ in range(length + prepend - 1):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            operations.append(True)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            operations.append(False)
        fn, sn = fn >> 1, sn >> 1
    return (prepend, operations) if sn == 0 else None


def inclusion_holds(case: dict[str, Any]) -> bool:
    try:
        verify_inclusion(**case)
    except InclusionProofError:
        return False
    return True


def consistency_holds(case: dict[str, Any]) -> bool:
    try:
        verify_consistency(**case)
    except ConsistencyProofError:
        return False
    return True


# --- inclusion --------------------------------------------------------------------
@PROPERTY
@given(positions)
def test_every_inclusion_proof_verifies(position: tuple[int, int]) -> None:
    verify_inclusion(**inclusion_case(*position))


@PROPERTY
@given(positions, st.integers(0, 8 * HASH_SIZE - 1))
def test_flipping_any_bit_of_the_leaf_hash_fails_inclusion(
    position: tuple[int, int], bit: int
) -> None:
    case = inclusion_case(*position)
    case["leaf_hash"] = flip_bit(case["leaf_hash"], bit)
    with pytest.raises(InclusionProofError, match="does not match expected root"):
        verify_inclusion(**case)


@PROPERTY
@given(positions, st.integers(0, 8 * HASH_SIZE - 1))
def test_flipping_any_bit_of_the_root_fails_inclusion(
    position: tuple[int, int], bit: int
) -> None:
    case = inclusion_case(*position)
    case["root"] = flip_bit(case["root"], bit)
    with pytest.raises(InclusionProofError, match="does not match expected root"):
        verify_inclusion(**case)


@PROPERTY
@given(positions, st.data())
def test_changing_any_byte_of_any_proof_hash_fails_inclusion(
    position: tuple[int, int], data: st.DataObject
) -> None:
    case = inclusion_case(*position)
    if not case["proof"]:
        return  # a one-leaf tree has no proof hashes to change
    element = data.draw(st.integers(0, len(case["proof"]) - 1))
    offset = data.draw(st.integers(0, HASH_SIZE - 1))
    mask = data.draw(st.integers(1, 255))
    changed = bytearray(case["proof"][element])
    changed[offset] ^= mask
    case["proof"][element] = bytes(changed)
    with pytest.raises(InclusionProofError, match="does not match expected root"):
        verify_inclusion(**case)


@PROPERTY
@given(positions, st.data())
def test_a_truncated_or_extended_inclusion_proof_fails(
    position: tuple[int, int], data: st.DataObject
) -> None:
    case = inclusion_case(*position)
    proof: list[bytes] = case["proof"]
    edits = ["append", "insert"] + (["drop", "duplicate"] if proof else [])
    edit_proof(proof, data.draw(st.sampled_from(edits)), data)
    with pytest.raises(InclusionProofError, match="inclusion proof has"):
        verify_inclusion(**case)


@PROPERTY
@given(positions, st.data())
def test_a_wrong_index_fails_inclusion(
    position: tuple[int, int], data: st.DataObject
) -> None:
    index, size = position
    wrong = data.draw(st.integers(0, 2 * size + 1).filter(lambda i: i != index))
    case = inclusion_case(index, size)
    case["index"] = wrong
    with pytest.raises(InclusionProofError):
        verify_inclusion(**case)


@PROPERTY
@given(positions, st.data())
def test_a_wrong_size_passes_inclusion_only_for_a_path_of_the_same_shape(
    position: tuple[int, int], data: st.DataObject
) -> None:
    index, size = position
    wrong = data.draw(st.integers(0, 2 * size + 1).filter(lambda s: s != size))
    case = inclusion_case(index, size)
    case["size"] = wrong
    length = len(case["proof"])
    same_shape = inclusion_trace(index, wrong, length) == inclusion_trace(
        index, size, length
    )
    assert inclusion_holds(case) == same_shape


# --- consistency ------------------------------------------------------------------
@PROPERTY
@given(growths)
def test_every_consistency_proof_verifies(growth: tuple[int, int]) -> None:
    verify_consistency(**consistency_case(*growth))


@PROPERTY
@given(growths, st.sampled_from(["old_root", "new_root"]), st.integers(0, 255))
def test_flipping_any_bit_of_either_root_fails_consistency(
    growth: tuple[int, int], which: str, bit: int
) -> None:
    case = consistency_case(*growth)
    case[which] = flip_bit(case[which], bit)
    with pytest.raises(ConsistencyProofError, match="does not match expected"):
        verify_consistency(**case)


@PROPERTY
@given(growths, st.data())
def test_changing_any_byte_of_any_proof_hash_fails_consistency(
    growth: tuple[int, int], data: st.DataObject
) -> None:
    case = consistency_case(*growth)
    element = data.draw(st.integers(0, len(case["proof"]) - 1))
    offset = data.draw(st.integers(0, HASH_SIZE - 1))
    mask = data.draw(st.integers(1, 255))
    changed = bytearray(case["proof"][element])
    changed[offset] ^= mask
    case["proof"][element] = bytes(changed)
    with pytest.raises(ConsistencyProofError, match="does not match expected"):
        verify_consistency(**case)


@PROPERTY
@given(growths, st.data())
def test_a_truncated_or_extended_consistency_proof_fails(
    growth: tuple[int, int], data: st.DataObject
) -> None:
    case = consistency_case(*growth)
    proof: list[bytes] = case["proof"]
    edits = ["append", "insert", "drop", "duplicate", "empty"]
    edit_proof(proof, data.draw(st.sampled_from(edits)), data)
    with pytest.raises(ConsistencyProofError, match="consistency proof has"):
        verify_consistency(**case)


@PROPERTY
@given(growths, st.data())
def test_wrong_sizes_pass_consistency_only_for_proofs_of_the_same_shape(
    growth: tuple[int, int], data: st.DataObject
) -> None:
    old_size, new_size = growth
    wrong_old = data.draw(st.integers(0, 2 * new_size + 1))
    wrong_new = data.draw(st.integers(0, 2 * new_size + 1))
    if (wrong_old, wrong_new) == growth:
        return
    case = consistency_case(old_size, new_size)
    case["old_size"], case["new_size"] = wrong_old, wrong_new
    length = len(case["proof"])
    claimed = consistency_trace(wrong_old, wrong_new, length)
    same_shape = claimed is not None and claimed == consistency_trace(
        old_size, new_size, length
    )
    assert consistency_holds(case) == same_shape
