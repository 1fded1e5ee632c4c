"""Merkle tree math for the logs: RFC 6962 §2.1 hashing, RFC 9162 §2.1.3–2.1.4 proofs.

Every log (one per project plus the registry, SPEC §2) is an RFC 6962 Merkle tree over
SHA-256 with domain separation: a leaf hashes as ``SHA-256(0x00 || leaf)`` and an
interior node as ``SHA-256(0x01 || left || right)``. The tree over ``n`` leaves splits
at the largest power of two strictly below ``n`` (RFC 9162 §2.1.1).

The module is pure. Proof *generation* never walks leaves: it reads the hashes of
*perfect* subtrees through a :data:`PerfectHash` callable ``(level, index) -> hash``,
where ``(level, index)`` names the aligned subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``. Such subtrees never change once
complete, so any store that can answer that lookup (the in-memory :class:`MemoryTree`,
a table of tile hashes, C2SP tlog-tiles files) can serve every root and proof with
O(log n) lookups. Every MTH the RFC recursion needs is one of the ranges that
:func:`inclusion_ranges` / :func:`consistency_ranges` list, and each such range
decomposes into at most ``log2(n) + 1`` perfect subtrees (:func:`perfect_subtrees`).

Proof *verification* follows the RFC 9162 algorithms (§2.1.3.2 and §2.1.4.2) and
raises, never returns a bool: :class:`~domain.errors.InclusionProofError` and
:class:`~domain.errors.ConsistencyProofError` carry a precise message (expected vs
calculated root, expected vs actual proof length, bad hash length, index beyond size).
Inputs are public, so the messages hold nothing secret. Edge cases of consistency
follow transparency-dev/merkle: ``old_size > new_size`` fails, ``old_size == new_size``
needs an empty proof and equal roots, and ``old_size == 0`` needs an empty proof (the
empty tree is a prefix of every tree). Unlike transparency-dev, every hash handed to a
verifier must be exactly :data:`HASH_SIZE` bytes, roots included.

Arguments that name something outside the tree (a leaf index at or beyond the size, a
level/index no tree of that size has, a range that is not an RFC 6962 subtree range)
raise :class:`~domain.errors.NotFoundError` or its subclass
:class:`~domain.errors.EntryNotFoundError`. A consistency proof asked for from a larger
to a smaller size raises :class:`~domain.errors.ConsistencyProofError`, as verifying
one would. A perfect-subtree lookup that returns something other than a 32-byte hash
raises :class:`~domain.errors.LogIntegrityError`: the store contradicts itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final, TypeAlias

from domain.errors import (
    ConsistencyProofError,
    EntryNotFoundError,
    InclusionProofError,
    LogIntegrityError,
    NotFoundError,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "PerfectHash",
    "consistency_proof",
    "consistency_ranges",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "inclusion_ranges",
    "perfect_subtrees",
    "range_hash",
    "root",
    "root_from_inclusion_proof",
    "split_point",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
"""Bytes in a SHA-256 hash: every leaf hash, node hash, root and proof hash."""

EMPTY_ROOT: Final[bytes] = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() — the root of the empty tree (RFC 9162 §2.1.1)."""

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

PerfectHash: TypeAlias = Callable[[int, int], bytes]
"""``(level, index) -> MTH(D[index * 2**level : (index + 1) * 2**level])``."""


# --- hashing (RFC 6962 §2.1 / RFC 9162 §2.1.1) ------------------------------------
def hash_leaf(leaf: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0)): the hash of one leaf's bytes."""
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly less than ``n``: where MTH(D[n]) splits.

    Only a tree of two or more leaves has a split point.
    """
    if n < 2:
        raise NotFoundError(f"a tree of size {n} has no split point (needs n >= 2)")
    return 1 << ((n - 1).bit_length() - 1)


# --- ranges and perfect subtrees --------------------------------------------------
def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """Decompose ``[start, end)`` into maximal aligned perfect subtrees, left to right.

    Each element is ``(level, index)`` for the subtree over leaves
    ``[index * 2**level, (index + 1) * 2**level)``. The sizes are the binary digits
    of ``end - start``, largest first, which is how MTH(D[start:end]) splits when
    ``start`` is a multiple of the largest power of two not above ``end - start`` —
    true of every range the RFC 6962 recursion produces. Other ranges raise
    :class:`NotFoundError`; so do negative or reversed ones. ``start == end`` gives
    ``[]``.
    """
    if start < 0 or end < start:
        raise NotFoundError(f"[{start}, {end}) is not a range of leaves")
    subtrees: list[tuple[int, int]] = []
    if start == end:
        return subtrees
    top = (end - start).bit_length() - 1
    if start & ((1 << top) - 1):
        raise NotFoundError(
            f"[{start}, {end}) is not an RFC 6962 subtree range: start must be a "
            f"multiple of {1 << top}"
        )
    position = start
    for level in range(top, -1, -1):
        if (end - start) >> level & 1:
            subtrees.append((level, position >> level))
            position += 1 << level
    return subtrees


def _lookup(perfect_hash: PerfectHash, level: int, index: int) -> bytes:
    node = perfect_hash(level, index)
    if len(node) != HASH_SIZE:
        raise LogIntegrityError(
            f"the hash of perfect subtree (level {level}, index {index}) is "
            f"{len(node)} bytes, not {HASH_SIZE}"
        )
    return node


def range_hash(start: int, end: int, perfect_hash: PerfectHash) -> bytes:
    """MTH(D[start:end]) from perfect subtree hashes only; EMPTY_ROOT if empty.

    The range must be one the RFC 6962 recursion produces (see
    :func:`perfect_subtrees`). Its perfect subtrees are folded right to left:
    ``H(p0, H(p1, ... H(p_{k-1}, p_k)))``, which is exactly how the recursion splits
    a range whose size is not a power of two.
    """
    subtrees = perfect_subtrees(start, end)
    if not subtrees:
        return EMPTY_ROOT
    level, index = subtrees[-1]
    node = _lookup(perfect_hash, level, index)
    for level, index in reversed(subtrees[:-1]):
        node = hash_children(_lookup(perfect_hash, level, index), node)
    return node


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PATH(index, D[size]), nearest the leaf first.

    RFC 9162 §2.1.3.1: for ``k = split_point(n)``, ``PATH(m, D[n])`` is
    ``PATH(m, D[0:k]) : MTH(D[k:n])`` if ``m < k`` and
    ``PATH(m - k, D[k:n]) : MTH(D[0:k])`` otherwise; ``PATH(0, {d(0)})`` is empty.
    Raises :class:`EntryNotFoundError` unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise EntryNotFoundError(
            f"leaf index {index} is not in a tree of size {size}",
            context={"index": index, "size": size},
        )
    ranges: list[tuple[int, int]] = []
    low, high = 0, size
    while high - low > 1:
        middle = low + split_point(high - low)
        if index < middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            low = middle
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PROOF(old_size, D[new_size]), in proof order.

    RFC 9162 §2.1.4.1: ``PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`` where
    ``SUBPROOF(m, D[m], true)`` is empty, ``SUBPROOF(m, D[m], false)`` is
    ``{MTH(D[m])}``, and for ``m < n``, ``k = split_point(n)``: if ``m <= k`` it is
    ``SUBPROOF(m, D[0:k], b) : MTH(D[k:n])``, else
    ``SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])``. The proof is empty when
    ``old_size`` is 0 or equals ``new_size``. Raises :class:`ConsistencyProofError`
    unless ``0 <= old_size <= new_size``.
    """
    if not 0 <= old_size <= new_size:
        raise ConsistencyProofError(
            f"no consistency proof exists from size {old_size} to size {new_size}",
            context={"old_size": old_size, "new_size": new_size},
        )
    if old_size in (0, new_size):
        return []
    upper: list[tuple[int, int]] = []
    low, high = 0, new_size
    known = True  # the old root is the verifier's own: no need to send it
    while old_size != high:
        middle = low + split_point(high - low)
        if old_size <= middle:
            upper.append((middle, high))
            high = middle
        else:
            upper.append((low, middle))
            low = middle
            known = False
    upper.reverse()
    return upper if known else [(low, high), *upper]


# --- proofs from perfect subtree hashes -------------------------------------------
def root(size: int, perfect_hash: PerfectHash) -> bytes:
    """MTH(D[0:size]): the root of the tree of the first ``size`` leaves."""
    if size < 0:
        raise NotFoundError(f"there is no tree of size {size}")
    return range_hash(0, size, perfect_hash)


def inclusion_proof(index: int, size: int, perfect_hash: PerfectHash) -> list[bytes]:
    """The RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in a tree of ``size``."""
    return [range_hash(a, b, perfect_hash) for a, b in inclusion_ranges(index, size)]


def consistency_proof(
    old_size: int, new_size: int, perfect_hash: PerfectHash
) -> list[bytes]:
    """The RFC 9162 §2.1.4.1 consistency proof from ``old_size`` to ``new_size``."""
    return [
        range_hash(a, b, perfect_hash)
        for a, b in consistency_ranges(old_size, new_size)
    ]


# --- verification -----------------------------------------------------------------
def _check_hash(
    value: bytes, what: str, error: type[InclusionProofError | ConsistencyProofError]
) -> None:
    if len(value) != HASH_SIZE:
        raise error(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root ``proof`` leads to from ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2).

    Raises :class:`InclusionProofError` if the proof cannot be a proof for that
    position: ``index`` not below ``size``, a hash that is not 32 bytes, or a proof
    of the wrong length for ``(index, size)``.
    """
    if not 0 <= index < size:
        raise InclusionProofError(
            f"leaf index {index} is not below the tree size {size}",
            context={"index": index, "size": size},
        )
    _check_hash(leaf_hash, "the leaf hash", InclusionProofError)
    for i, node in enumerate(proof):
        _check_hash(node, f"proof hash [{i}]", InclusionProofError)
    expected = len(inclusion_ranges(index, size))
    if len(proof) != expected:
        raise InclusionProofError(
            f"the inclusion proof has {len(proof)} hashes; one for leaf {index} in a "
            f"tree of size {size} has {expected}",
            context={"index": index, "size": size},
        )
    # RFC 9162 §2.1.3.2, steps 1–6.
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:  # unreachable after the length check; kept as in the RFC
            raise InclusionProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable after the length check; kept as in the RFC
        raise InclusionProofError("the inclusion proof is too short")
    return r


def verify_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` puts ``leaf_hash`` at ``index`` in tree ``(size, root)``.

    RFC 9162 §2.1.3.2. Returns nothing; raises :class:`InclusionProofError` with the
    expected and calculated roots when they differ, or with the reason the proof is
    malformed (see :func:`root_from_inclusion_proof`).
    """
    _check_hash(root, "the root", InclusionProofError)
    calculated = root_from_inclusion_proof(
        leaf_hash=leaf_hash, index=index, size=size, proof=proof
    )
    if calculated != root:
        raise InclusionProofError(
            f"calculated root {calculated.hex()} does not match expected root "
            f"{root.hex()} (leaf {index}, tree size {size})",
            context={
                "index": index,
                "size": size,
                "expected_root": root.hex(),
                "calculated_root": calculated.hex(),
            },
        )


def verify_consistency(
    *,
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)``.

    RFC 9162 §2.1.4.2, with transparency-dev/merkle's edge cases: ``old_size >
    new_size`` fails; equal sizes need an empty proof and equal roots; ``old_size ==
    0`` needs an empty proof. Returns nothing; raises :class:`ConsistencyProofError`
    naming the root that did not match (expected vs calculated), or why the proof is
    malformed (wrong length, a hash that is not 32 bytes, sizes out of order).
    """
    context: dict[str, object] = {"old_size": old_size, "new_size": new_size}
    if not 0 <= old_size <= new_size:
        raise ConsistencyProofError(
            f"the old size {old_size} is not between 0 and the new size {new_size}",
            context=context,
        )
    _check_hash(old_root, "the old root", ConsistencyProofError)
    _check_hash(new_root, "the new root", ConsistencyProofError)
    for i, node in enumerate(proof):
        _check_hash(node, f"proof hash [{i}]", ConsistencyProofError)
    expected = len(consistency_ranges(old_size, new_size))
    if len(proof) != expected:
        raise ConsistencyProofError(
            f"the consistency proof has {len(proof)} hashes; one from size "
            f"{old_size} to size {new_size} has {expected}",
            context=context,
        )
    if old_size == new_size:
        if old_root != new_root:
            raise ConsistencyProofError(
                f"trees of the same size {old_size} have different roots: old "
                f"{old_root.hex()}, new {new_root.hex()}",
                context=context,
            )
        return
    if old_size == 0:
        return
    # RFC 9162 §2.1.4.2, steps 2–7 (step 1, the empty proof, failed the length check).
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # unreachable after the length check; kept as in the RFC
            raise ConsistencyProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable after the length check; kept as in the RFC
        raise ConsistencyProofError("the consistency proof is too short")
    for which, calculated, claimed in (("old", fr, old_root), ("new", sr, new_root)):
        if calculated != claimed:
            raise ConsistencyProofError(
                f"calculated {which} root {calculated.hex()} does not match expected "
                f"{which} root {claimed.hex()} (sizes {old_size} -> {new_size})",
                context={
                    **context,
                    "root": which,
                    "expected_root": claimed.hex(),
                    "calculated_root": calculated.hex(),
                },
            )


# --- an in-memory tree ------------------------------------------------------------
class MemoryTree:
    """An in-memory reference tree over leaf hashes (tests, small logs, rebuilds).

    It keeps one array per level: ``level[0]`` holds the leaf hashes and
    ``level[l][i]`` the hash of the complete perfect subtree ``(l, i)``. Appending is
    amortised O(1) (each append completes at most one subtree per level, and those
    form a carry chain). Roots and proofs are computed with the module functions
    through :meth:`perfect_hash`, so they exercise exactly the code path a stored
    tree uses, with O(log n) lookups each.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    def append(self, leaf_hash: bytes) -> int:
        """Add a leaf hash; return the new leaf's index."""
        if len(leaf_hash) != HASH_SIZE:
            raise LogIntegrityError(
                f"a leaf hash is {HASH_SIZE} bytes; got {len(leaf_hash)}"
            )
        levels = self._levels
        levels[0].append(leaf_hash)
        index = len(levels[0]) - 1
        level, position = 0, index
        while position & 1:  # a right child completes its parent
            if level + 1 == len(levels):
                levels.append([])
            row = levels[level]
            levels[level + 1].append(hash_children(row[position - 1], row[position]))
            level += 1
            position >>= 1
        return index

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def perfect_hash(self, level: int, index: int) -> bytes:
        """The hash of the complete perfect subtree ``(level, index)``.

        Raises :class:`NotFoundError` if the tree has no such complete subtree yet.
        """
        if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
            return self._levels[level][index]
        raise NotFoundError(
            f"a tree of size {self.size} has no complete subtree at level {level}, "
            f"index {index}",
            context={"level": level, "index": index, "size": self.size},
        )

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise NotFoundError(
                f"the tree has {self.size} leaves; there is no tree of size {size}",
                context={"size": size, "tree_size": self.size},
            )
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all of them)."""
        return root(self._size(size), self.perfect_hash)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        return inclusion_proof(index, self._size(size), self.perfect_hash)

    def consistency_proof(
        self, old_size: int, new_size: int | None = None
    ) -> list[bytes]:
        """The consistency proof from ``old_size`` to ``new_size`` (default: all)."""
        return consistency_proof(old_size, self._size(new_size), self.perfect_hash)
