"""Tests for domain.tree: the stored tree (tiles of height 8) against the reference.

:class:`domain.merkle.MemoryTree` is the reference (itself checked against RFC 9162 in
``test_merkle.py``). A :class:`TileTree` must give the same root at every size, and
the same inclusion and consistency proofs, across tile boundaries: every size up to
1,100 (tiles 0–4 of level 0, the first level-1 hashes) and the sizes around
65,536 = 256² where the first level-1 tile seals. The store is simulated by a dict of
sealed tiles, filled from what ``append`` returns, and trees are rebuilt from it with
edge tiles computed the way the application reloads them.
"""

from __future__ import annotations

import functools
import hashlib
import random

import pytest

from domain.errors import LogIntegrityError
from domain.merkle import (
    MemoryTree,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from domain.tree import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileCache,
    TileLoader,
    TileNodes,
    TileTree,
)

Store = dict[tuple[int, int], list[bytes]]


def leaf_hash(index: int) -> bytes:
    """A fast synthetic leaf hash (no need to hash real leaves for tree shape tests)."""
    return hashlib.sha256(index.to_bytes(8, "big")).digest()


def dict_loader(store: Store, calls: list[tuple[int, int]] | None = None) -> TileLoader:
    def load(level: int, index: int) -> list[bytes]:
        if calls is not None:
            calls.append((level, index))
        return list(store[(level, index)])

    return load


class Grown:
    """A TileTree and a MemoryTree grown together, and the store of sealed tiles."""

    def __init__(self, size: int) -> None:
        self.store: Store = {}
        self.sealed_at: dict[tuple[int, int], int] = {}
        self.tree = TileTree.empty(dict_loader(self.store), TileCache(capacity=4))
        self.memory = MemoryTree()
        self.grow(size)

    def grow(self, size: int) -> None:
        while self.tree.size < size:
            value = leaf_hash(self.tree.size)
            self.memory.append(value)
            for level, index, tile in self.tree.append(value):
                assert (level, index) not in self.store
                self.store[(level, index)] = tile.hashes()
                self.sealed_at[(level, index)] = self.tree.size


@functools.cache
def grown(size: int) -> Grown:
    return Grown(size)


def rebuild(
    size: int,
    store: Store,
    leaf_hashes: list[bytes],
    *,
    loader: TileLoader | None = None,
    cache: TileCache | None = None,
) -> TileTree:
    """A TileTree of ``size`` from sealed tiles and leaves, as the application reloads.

    The edge tile of level L holds the hashes at height 8·L after the last full tile:
    leaf hashes for level 0, roots of the level L−1 tiles above it.
    """
    edges: list[TileNodes] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        first = count - count % TILE_WIDTH
        if level == 0:
            hashes = leaf_hashes[first:count]
        else:
            hashes = [
                TileNodes(store[(level - 1, i)]).root() for i in range(first, count)
            ]
        edges.append(TileNodes(hashes))
        level += 1
    return TileTree(size, edges, loader or dict_loader(store), cache)


# --- TileNodes -------------------------------------------------------------------------
def test_tile_nodes_hold_every_complete_subtree_of_their_hashes() -> None:
    hashes = [leaf_hash(i) for i in range(TILE_WIDTH)]
    tile = TileNodes(hashes)
    memory = MemoryTree(hashes)
    assert len(tile) == TILE_WIDTH
    assert tile.hashes() == hashes
    for level in range(TILE_HEIGHT + 1):
        for index in range(TILE_WIDTH >> level):
            assert tile.node(level, index) == memory.perfect_hash(level, index)
    assert tile.root() == memory.root()


def test_tile_nodes_of_a_partial_tile_hold_only_complete_subtrees() -> None:
    tile = TileNodes(leaf_hash(i) for i in range(5))
    assert [len(level) for level in tile.levels] == [5, 2, 1]


def test_tile_nodes_hashes_is_a_copy() -> None:
    tile = TileNodes([leaf_hash(0)])
    tile.hashes().append(leaf_hash(1))
    assert len(tile) == 1


# --- TileTree against MemoryTree ---------------------------------------------------------
def test_the_tile_shape_is_c2sp_s() -> None:
    assert (TILE_HEIGHT, TILE_WIDTH) == (8, 256)


def test_an_empty_tile_tree_has_the_empty_root() -> None:
    tree = TileTree.empty(dict_loader({}))
    assert tree.size == 0
    assert tree.root() == MemoryTree().root() == hashlib.sha256(b"").digest()


def test_a_growing_tile_tree_has_the_reference_root_at_every_size_to_1100() -> None:
    store: Store = {}
    tree = TileTree.empty(dict_loader(store))
    memory = MemoryTree()
    for size in range(1, 1101):
        value = leaf_hash(size - 1)
        memory.append(value)
        tree.append(value)
        assert tree.size == size
        assert tree.root() == memory.root(), size


def test_a_tile_tree_has_every_historical_root_to_1100() -> None:
    grown_ = grown(1100)
    for size in range(1101):
        assert grown_.tree.root(size) == grown_.memory.root(size), size


BOUNDARY_SIZES = [1, 2, 3, 255, 256, 257, 511, 512, 513, 768, 1024, 1025, 1100]


@pytest.mark.parametrize("size", BOUNDARY_SIZES)
def test_a_tile_tree_gives_the_reference_inclusion_proof_for_every_leaf(
    size: int,
) -> None:
    grown_ = grown(1100)
    tree, memory = grown_.tree, grown_.memory
    root = memory.root(size)
    for index in range(size):
        proof = tree.inclusion_proof(index, size)
        assert proof == memory.inclusion_proof(index, size), (index, size)
    verify_inclusion(
        leaf_hash=leaf_hash(size - 1),
        index=size - 1,
        size=size,
        proof=tree.inclusion_proof(size - 1, size),
        root=root,
    )


@pytest.mark.parametrize("new_size", BOUNDARY_SIZES)
def test_a_tile_tree_gives_the_reference_consistency_proof_from_every_size(
    new_size: int,
) -> None:
    grown_ = grown(1100)
    tree, memory = grown_.tree, grown_.memory
    for old_size in range(new_size + 1):
        proof = tree.consistency_proof(old_size, new_size)
        assert proof == memory.consistency_proof(old_size, new_size), (
            old_size,
            new_size,
        )
    verify_consistency(
        old_size=new_size // 2,
        new_size=new_size,
        old_root=tree.root(new_size // 2),
        new_root=tree.root(new_size),
        proof=tree.consistency_proof(new_size // 2, new_size),
    )


def test_a_tile_tree_gives_the_reference_proofs_at_random_positions() -> None:
    grown_ = grown(1100)
    tree, memory = grown_.tree, grown_.memory
    rng = random.Random(8)  # noqa: S311 - a fixed sample, not a secret
    for _ in range(2000):
        size = rng.randint(1, 1100)
        index = rng.randrange(size)
        old = rng.randint(0, size)
        assert tree.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
        assert tree.consistency_proof(old, size) == memory.consistency_proof(old, size)
    assert tree.inclusion_proof(5) == memory.inclusion_proof(5)
    assert tree.consistency_proof(5) == memory.consistency_proof(5)


# --- around 65,536 = 256² --------------------------------------------------------------------
BIG = [65_535, 65_536, 65_537]


@pytest.fixture(scope="module")
def big() -> Grown:
    grown_ = Grown(BIG[0])
    return grown_


@pytest.fixture(scope="module")
def big_roots(big: Grown) -> dict[int, bytes]:
    roots: dict[int, bytes] = {}
    for size in BIG:
        big.grow(size)
        roots[size] = big.tree.root()
        assert roots[size] == big.memory.root(), size
    return roots


def test_the_first_level_one_tile_seals_at_65536(
    big: Grown, big_roots: dict[int, bytes]
) -> None:
    assert big.sealed_at[(1, 0)] == 65_536
    assert big.sealed_at[(0, 255)] == 65_536
    assert (1, 1) not in big.store
    assert len([key for key in big.store if key[0] == 0]) == 256
    # the level-1 tile holds the roots of the 256 level-0 tiles: height-8 subtrees
    assert big.store[(1, 0)] == [big.memory.perfect_hash(8, i) for i in range(256)]
    assert TileNodes(big.store[(1, 0)]).root() == big_roots[65_536]


@pytest.mark.parametrize("size", BIG)
def test_a_tile_tree_matches_the_reference_around_65536(
    big: Grown, big_roots: dict[int, bytes], size: int
) -> None:
    tree, memory = big.tree, big.memory
    assert tree.root(size) == memory.root(size) == big_roots[size]
    rng = random.Random(size)  # noqa: S311 - a fixed sample, not a secret
    indexes = [0, 1, 255, 256, 65_279, 65_280, size - 2, size - 1]
    indexes += [rng.randrange(size) for _ in range(20)]
    for index in indexes:
        assert tree.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
    for old in [0, 1, 256, 65_280, 65_535, 65_536, size, *rng.sample(range(size), 20)]:
        if old <= size:
            assert tree.consistency_proof(old, size) == memory.consistency_proof(
                old, size
            )


@pytest.mark.parametrize("size", BIG)
def test_a_rebuilt_tree_around_65536_gives_the_same_answers(
    big: Grown, big_roots: dict[int, bytes], size: int
) -> None:
    leaves = [leaf_hash(i) for i in range(size)]
    store = {key: tile for key, tile in big.store.items() if big.sealed_at[key] <= size}
    tree = rebuild(size, store, leaves)
    assert tree.root() == big_roots[size]
    for index in (0, 256, 65_280, size - 1):
        assert tree.inclusion_proof(index) == big.memory.inclusion_proof(index, size)
    assert tree.consistency_proof(1000) == big.memory.consistency_proof(1000, size)


# --- sealed tiles --------------------------------------------------------------------------
def test_append_returns_no_sealed_tile_until_one_is_full() -> None:
    tree = TileTree.empty(dict_loader({}))
    for i in range(TILE_WIDTH - 1):
        assert tree.append(leaf_hash(i)) == []


def test_append_seals_each_level_zero_tile_with_its_leaves() -> None:
    grown_ = grown(1100)
    level_zero = sorted(key for key in grown_.store if key[0] == 0)
    assert level_zero == [(0, i) for i in range(4)]
    for _, index in level_zero:
        assert grown_.sealed_at[(0, index)] == (index + 1) * TILE_WIDTH
        expected = [leaf_hash(i) for i in range(index * 256, (index + 1) * 256)]
        assert grown_.store[(0, index)] == expected
    assert not [key for key in grown_.store if key[0] > 0]


def test_append_returns_the_sealed_tile_with_its_level_and_index() -> None:
    tree = TileTree.empty(dict_loader({}))
    for i in range(2 * TILE_WIDTH - 1):
        tree.append(leaf_hash(i))
    ((level, index, tile),) = tree.append(leaf_hash(2 * TILE_WIDTH - 1))
    assert (level, index) == (0, 1)
    assert tile.hashes() == [leaf_hash(i) for i in range(256, 512)]
    assert tile.root() == MemoryTree([leaf_hash(i) for i in range(256, 512)]).root()


def test_append_at_65536_seals_a_level_zero_and_a_level_one_tile(big: Grown) -> None:
    tree = rebuild(
        65_535,
        {k: v for k, v in big.store.items() if big.sealed_at[k] < 65_536},
        [leaf_hash(i) for i in range(65_535)],
    )
    sealed = tree.append(leaf_hash(65_535))
    assert [(level, index) for level, index, _ in sealed] == [(0, 255), (1, 0)]
    assert sealed[0][2].hashes() == [leaf_hash(i) for i in range(65_280, 65_536)]
    assert sealed[1][2].hashes() == big.store[(1, 0)]
    assert tree.append(leaf_hash(65_536)) == []


# --- rebuilding from the store ---------------------------------------------------------
REBUILD_SIZES = [0, 1, 255, 256, 257, 512, 700, 1024, 1100]


@pytest.mark.parametrize("size", REBUILD_SIZES)
def test_a_tree_rebuilt_from_sealed_tiles_and_edges_gives_the_same_answers(
    size: int,
) -> None:
    grown_ = grown(1100)
    store = {k: v for k, v in grown_.store.items() if grown_.sealed_at[k] <= size}
    tree = rebuild(size, store, [leaf_hash(i) for i in range(size)])
    memory = grown_.memory
    assert tree.size == size
    assert tree.root() == memory.root(size)
    for index in range(0, size, 7):
        assert tree.inclusion_proof(index) == memory.inclusion_proof(index, size)
    for old in range(0, size + 1, 11):
        assert tree.consistency_proof(old) == memory.consistency_proof(old, size)


@pytest.mark.parametrize("size", [255, 256, 700])
def test_a_rebuilt_tree_keeps_growing_like_the_original(size: int) -> None:
    grown_ = grown(1100)
    store = {k: v for k, v in grown_.store.items() if grown_.sealed_at[k] <= size}
    tree = rebuild(size, store, [leaf_hash(i) for i in range(size)])
    for i in range(size, 1100):
        for level, index, tile in tree.append(leaf_hash(i)):
            assert tile.hashes() == grown_.store[(level, index)]
        assert tree.root() == grown_.memory.root(i + 1)


def test_a_rebuilt_tree_reads_each_full_tile_once_through_its_cache() -> None:
    grown_ = grown(1100)
    calls: list[tuple[int, int]] = []
    tree = rebuild(
        1100,
        grown_.store,
        [leaf_hash(i) for i in range(1100)],
        loader=dict_loader(grown_.store, calls),
        cache=TileCache(capacity=16),
    )
    for index in range(1100):
        tree.inclusion_proof(index)
    assert sorted(calls) == [(0, i) for i in range(4)]


def test_a_tiny_cache_still_gives_the_right_answers() -> None:
    grown_ = grown(1100)
    calls: list[tuple[int, int]] = []
    tree = rebuild(
        1100,
        grown_.store,
        [leaf_hash(i) for i in range(1100)],
        loader=dict_loader(grown_.store, calls),
        cache=TileCache(capacity=1),
    )
    for index in [0, 300, 0, 700, 300, 1000, 0, 1099]:
        assert tree.inclusion_proof(index) == grown_.memory.inclusion_proof(index, 1100)
    assert calls == [(0, 0), (0, 1), (0, 0), (0, 2), (0, 1), (0, 3), (0, 0)]


# --- integrity errors -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("height", "index"),
    [(0, 5), (0, 6), (1, 2), (2, 1), (3, 0), (9, 0)],
)
def test_perfect_hash_of_an_incomplete_node_raises_log_integrity_error(
    height: int, index: int
) -> None:
    tree = TileTree.empty(dict_loader({}))
    for i in range(5):
        tree.append(leaf_hash(i))
    with pytest.raises(LogIntegrityError, match="not complete"):
        tree.perfect_hash(height, index)


def test_perfect_hash_of_a_complete_node_is_the_reference_s() -> None:
    grown_ = grown(1100)
    for height, index in [(0, 1099), (2, 274), (8, 3), (9, 1), (10, 0)]:
        assert grown_.tree.perfect_hash(height, index) == grown_.memory.perfect_hash(
            height, index
        )


@pytest.mark.parametrize("length", [0, 1, 255, 257, 512])
def test_a_stored_tile_of_the_wrong_length_raises_log_integrity_error(
    length: int,
) -> None:
    grown_ = grown(1100)
    store = dict(grown_.store)
    store[(0, 1)] = [leaf_hash(0)] * length
    leaves = [leaf_hash(i) for i in range(1100)]
    tree = rebuild(1100, grown_.store, leaves, loader=dict_loader(store))
    assert tree.root() == grown_.memory.root()  # the root needs no full tile here
    with pytest.raises(LogIntegrityError, match=f"stored tile 0/1 has {length} hashes"):
        tree.inclusion_proof(300)
    with pytest.raises(LogIntegrityError):
        tree.consistency_proof(300)


def test_a_stored_tile_with_a_short_hash_raises_log_integrity_error() -> None:
    grown_ = grown(1100)
    store = dict(grown_.store)
    store[(0, 0)] = [b"\x00" * 31, *grown_.store[(0, 0)][1:]]
    leaves = [leaf_hash(i) for i in range(1100)]
    tree = rebuild(1100, grown_.store, leaves, loader=dict_loader(store))
    with pytest.raises(LogIntegrityError):
        tree.inclusion_proof(1)


def test_a_loader_error_propagates_as_raised() -> None:
    def missing(level: int, index: int) -> list[bytes]:
        raise LogIntegrityError(f"tile {level}/{index} is missing")

    tree = rebuild(
        300, grown(1100).store, [leaf_hash(i) for i in range(300)], loader=missing
    )
    with pytest.raises(LogIntegrityError, match="tile 0/0 is missing"):
        tree.inclusion_proof(0)


# --- TileCache ---------------------------------------------------------------------------
def tile(tag: int) -> TileNodes:
    return TileNodes([leaf_hash(tag)])


def test_tile_cache_returns_what_was_put() -> None:
    cache_ = TileCache(capacity=2)
    a = tile(1)
    cache_.put((0, 0), a)
    assert cache_.get((0, 0)) is a
    assert cache_.get((0, 1)) is None


def test_tile_cache_evicts_the_least_recently_put() -> None:
    cache_ = TileCache(capacity=2)
    cache_.put((0, 0), tile(0))
    cache_.put((0, 1), tile(1))
    cache_.put((0, 2), tile(2))
    assert cache_.get((0, 0)) is None
    assert cache_.get((0, 1)) is not None
    assert cache_.get((0, 2)) is not None


def test_tile_cache_evicts_the_least_recently_used() -> None:
    cache_ = TileCache(capacity=2)
    cache_.put((0, 0), tile(0))
    cache_.put((0, 1), tile(1))
    assert cache_.get((0, 0)) is not None  # (0, 0) is now the most recent
    cache_.put((1, 0), tile(2))
    assert cache_.get((0, 1)) is None
    assert cache_.get((0, 0)) is not None
    assert cache_.get((1, 0)) is not None


def test_tile_cache_put_of_a_present_key_refreshes_it() -> None:
    cache_ = TileCache(capacity=2)
    cache_.put((0, 0), tile(0))
    cache_.put((0, 1), tile(1))
    replacement = tile(9)
    cache_.put((0, 0), replacement)
    cache_.put((0, 2), tile(2))
    assert cache_.get((0, 1)) is None
    assert cache_.get((0, 0)) is replacement


def test_tile_cache_never_holds_more_than_its_capacity() -> None:
    cache_ = TileCache(capacity=3)
    for i in range(10):
        cache_.put((0, i), tile(i))
    assert [i for i in range(10) if cache_.get((0, i)) is not None] == [7, 8, 9]


def test_tile_cache_keys_levels_apart() -> None:
    cache_ = TileCache(capacity=4)
    a, b = tile(0), tile(1)
    cache_.put((0, 3), a)
    cache_.put((1, 3), b)
    assert cache_.get((0, 3)) is a
    assert cache_.get((1, 3)) is b


def test_leaf_hash_helper_is_not_a_real_leaf_hash() -> None:
    # The synthetic hashes only need to be distinct 32-byte values.
    assert leaf_hash(0) != hash_leaf((0).to_bytes(8, "big"))
    assert len({leaf_hash(i) for i in range(1000)}) == 1000
