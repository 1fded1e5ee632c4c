"""Tests for domain.tiles: C2SP tlog-tiles paths, tile contents and entry bundles.

Path examples are the spec's own (index 1234067 is ``x001/x234/067``; a tree of size
70,000 has the tiles it lists) and those of transparency-dev and golang.org/x/mod
(``tile/0/x001/x234/067.p/8``, ``tile/3/x123/x456/078``). Tiles built from a
``MemoryTree`` must answer every perfect-subtree lookup the tree does, so proofs read
through tiles equal the tree's own.
"""

from __future__ import annotations

import doctest
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import domain.tiles
from domain.errors import EntryTooLargeError, MalformedNoteError, NotFoundError
from domain.merkle import HASH_SIZE, MemoryTree, hash_leaf
from domain.tiles import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileNode,
    decode_entry_bundle,
    encode_entry_bundle,
    entries_path,
    new_tiles,
    parse_tile_path,
    perfect_hash_from_tile,
    tile_data,
    tile_for_node,
    tile_path,
    tile_reader,
    tile_width,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)


def test_the_docstring_examples_are_true() -> None:
    assert doctest.testmod(domain.tiles).failed == 0


def test_the_tile_shape_is_the_spec_s() -> None:
    assert (TILE_HEIGHT, TILE_WIDTH) == (8, 256)
    assert 2**TILE_HEIGHT == TILE_WIDTH


# --- paths ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234067, 256, "tile/0/x001/x234/067"),  # the spec's example
        (0, 1234067, 8, "tile/0/x001/x234/067.p/8"),  # transparency-dev layout
        (3, 123456078, 256, "tile/3/x123/x456/078"),  # golang.org/x/mod tlog
        (3, 123456078, 2, "tile/3/x123/x456/078.p/2"),
        (1, 3057500, 256, "tile/1/x003/x057/500"),
        (0, 0, 256, "tile/0/000"),
        (0, 0, 1, "tile/0/000.p/1"),
        (0, 1, 255, "tile/0/001.p/255"),
        (0, 999, 256, "tile/0/999"),
        (0, 1000, 256, "tile/0/x001/000"),
        (1, 7, 13, "tile/1/007.p/13"),
        (63, 0, 1, "tile/63/000.p/1"),
        (0, 2**64 - 1, 256, "tile/0/x018/x446/x744/x073/x709/x551/615"),
    ],
)
def test_tile_paths_are_written_as_the_spec_says(
    level: int, index: int, width: int, path: str
) -> None:
    assert tile_path(level, index, width) == path
    assert parse_tile_path(path) == (level, index, width)


@pytest.mark.parametrize(
    ("index", "width", "path"),
    [
        (1234067, 256, "tile/entries/x001/x234/067"),
        (1234067, 6, "tile/entries/x001/x234/067.p/6"),
        (67, 3, "tile/entries/067.p/3"),
        (123456789, 256, "tile/entries/x123/x456/789"),
        (0, 1, "tile/entries/000.p/1"),
        (10, 256, "tile/entries/010"),
    ],
)
def test_entry_bundle_paths_are_written_as_the_spec_says(
    index: int, width: int, path: str
) -> None:
    assert entries_path(index, width) == path
    assert parse_tile_path(path) == (None, index, width)


def test_the_default_width_is_a_full_tile() -> None:
    assert tile_path(2, 5) == tile_path(2, 5, TILE_WIDTH) == "tile/2/005"
    assert entries_path(5) == "tile/entries/005"


@PROPERTY
@given(
    st.one_of(st.none(), st.integers(0, 63)),
    st.integers(0, 2**64 - 1),
    st.integers(1, 256),
)
def test_every_path_parses_back_to_what_wrote_it(
    level: int | None, index: int, width: int
) -> None:
    path = (
        entries_path(index, width) if level is None else tile_path(level, index, width)
    )
    assert parse_tile_path(path) == (level, index, width)


@PROPERTY
@given(st.text(alphabet="tile/entrsx0123456789.p٣", max_size=40))
def test_any_string_either_parses_canonically_or_is_malformed(path: str) -> None:
    try:
        level, index, width = parse_tile_path(path)
    except MalformedNoteError:
        return
    rewritten = (
        entries_path(index, width) if level is None else tile_path(level, index, width)
    )
    assert rewritten == path


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "is not a tlog-tiles path"),
        ("tile/3/5/123/456/078", "is not a tlog-tiles path"),  # x/mod's height segment
        ("tile/3/x123/x456/078/", "is not a tlog-tiles path"),
        ("/tile/0/000", "is not a tlog-tiles path"),
        ("log/tile/0/000", "is not a tlog-tiles path"),
        ("Tile/0/000", "is not a tlog-tiles path"),
        ("tile/00/000", "is not a tlog-tiles path"),
        ("tile/01/000", "is not a tlog-tiles path"),
        ("tile/-1/000", "is not a tlog-tiles path"),
        ("tile/data/000", "is not a tlog-tiles path"),
        ("tile/0/67", "is not a tlog-tiles path"),
        ("tile/0/0067", "is not a tlog-tiles path"),
        ("tile/0/001/234", "is not a tlog-tiles path"),
        ("tile/0/x001/x234/67", "is not a tlog-tiles path"),
        ("tile/0/x001", "is not a tlog-tiles path"),
        ("tile/0/X001/000", "is not a tlog-tiles path"),
        ("tile/0/000.p/", "is not a tlog-tiles path"),
        ("tile/0/000.p/0", "is not a tlog-tiles path"),
        ("tile/0/000.p/007", "is not a tlog-tiles path"),
        ("tile/0/000.p/8/", "is not a tlog-tiles path"),
        ("tile/0/000.P/8", "is not a tlog-tiles path"),
        ("tile/0/٠٠٠", "is not a tlog-tiles path"),  # Arabic-Indic digits
        ("tile/٣/000", "is not a tlog-tiles path"),
        ("tile/0/000\n", "is not a tlog-tiles path"),
        ("tile/ 0/000", "is not a tlog-tiles path"),
        ("tile/entries/000.p/", "is not a tlog-tiles path"),
        ("tile/entries/entries/000", "is not a tlog-tiles path"),
        ("tile/64/000", "tile level 64 is above 63"),
        ("tile/99/000", "tile level 99 is above 63"),
        ("tile/0/000.p/256", "a partial tile is 1 to 255 wide, not 256"),
        ("tile/entries/000.p/999", "a partial tile is 1 to 255 wide, not 999"),
        ("tile/0/x000/067", "'x000/067' is not canonical; it is written '067'"),
        ("tile/0/x000/x001/000", "is not canonical; it is written 'x001/000'"),
        ("tile/entries/x000/000", "is not canonical; it is written '000'"),
        (
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile index 18446744073709551616 is not below 2\\*\\*64",
        ),
    ],
)
def test_malformed_or_non_canonical_paths_are_refused(path: str, message: str) -> None:
    with pytest.raises(MalformedNoteError, match=message) as caught:
        parse_tile_path(path)
    assert caught.value.context["path"] == path


@pytest.mark.parametrize(
    ("level", "index", "width", "message"),
    [
        (64, 0, 256, "a tile level is 0 to 63, not 64"),
        (-1, 0, 256, "a tile level is 0 to 63, not -1"),
        (0, -1, 256, "tile index -1 is not between 0 and 2\\*\\*64 - 1"),
        (0, 2**64, 256, "tile index 18446744073709551616 is not between"),
        (0, 0, 0, "a tile is 1 to 256 wide, not 0"),
        (0, 0, 257, "a tile is 1 to 256 wide, not 257"),
    ],
)
def test_paths_of_tiles_no_tree_has_are_not_found(
    level: int, index: int, width: int, message: str
) -> None:
    with pytest.raises(NotFoundError, match=message):
        tile_path(level, index, width)
    if level == 0:
        with pytest.raises(NotFoundError, match=message):
            entries_path(index, width)


# --- which tiles a tree has -------------------------------------------------------
def test_a_tree_of_70000_has_the_tiles_the_spec_lists() -> None:
    tiles = new_tiles(0, 70_000)
    full_level_0 = [t for t in tiles if t[0] == 0 and t[2] == TILE_WIDTH]
    assert len(full_level_0) == 273
    assert [t for t in tiles if t[0] == 0 and t[2] != TILE_WIDTH] == [(0, 273, 112)]
    assert [t for t in tiles if t[0] == 1] == [(1, 0, 256), (1, 1, 17)]
    assert [t for t in tiles if t[0] == 2] == [(2, 0, 1)]
    assert len(tiles) == 273 + 1 + 2 + 1


def test_a_tree_of_256_has_a_full_tile_and_a_partial_level_1_tile() -> None:
    assert new_tiles(0, 256) == [(0, 0, 256), (1, 0, 1)]
    assert new_tiles(0, 0) == []
    assert new_tiles(0, 1) == [(0, 0, 1)]


def test_one_more_leaf_changes_only_the_tiles_on_the_right_edge() -> None:
    assert new_tiles(5, 6) == [(0, 0, 6)]
    assert new_tiles(255, 256) == [(0, 0, 256), (1, 0, 1)]
    assert new_tiles(256, 257) == [(0, 1, 1)]
    assert new_tiles(65_535, 65_536) == [(0, 255, 256), (1, 0, 256), (2, 0, 1)]
    assert new_tiles(7, 7) == []


@PROPERTY
@given(st.integers(0, 200_000), st.integers(0, 200_000))
def test_new_tiles_are_exactly_the_tiles_whose_width_changed(a: int, b: int) -> None:
    old_size, new_size = sorted((a, b))
    changed = new_tiles(old_size, new_size)
    for level, index, width in changed:
        assert width == tile_width(level, index, new_size) > 0
        assert tile_width(level, index, old_size) != width
    every = {(level, index): width for level, index, width in new_tiles(0, new_size)}
    before = {(level, index): width for level, index, width in new_tiles(0, old_size)}
    assert {(lv, ix): w for lv, ix, w in changed} == {
        key: width for key, width in every.items() if before.get(key) != width
    }


def test_tile_width_counts_the_hashes_a_tree_has_at_that_tile_level() -> None:
    assert tile_width(0, 0, 0) == 0
    assert tile_width(0, 273, 70_000) == 112
    assert tile_width(0, 274, 70_000) == 0
    assert tile_width(1, 1, 70_000) == 17
    assert tile_width(2, 0, 70_000) == 1
    assert tile_width(3, 0, 70_000) == 0
    with pytest.raises(NotFoundError):
        tile_width(0, -1, 10)


def test_tiles_between_sizes_must_go_forward() -> None:
    with pytest.raises(NotFoundError, match="no tiles from size 9 to size 8"):
        new_tiles(9, 8)


# --- tree nodes in tiles ----------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "index", "node"),
    [
        (0, 0, TileNode(0, 0, 0)),
        (0, 255, TileNode(0, 0, 255)),
        (0, 256, TileNode(0, 1, 0)),
        (0, 1000, TileNode(0, 3, 232)),
        (1, 3, TileNode(0, 0, 6)),
        (7, 0, TileNode(0, 0, 0)),
        (7, 1, TileNode(0, 0, 128)),
        (7, 2, TileNode(0, 1, 0)),
        (8, 0, TileNode(1, 0, 0)),
        (8, 300, TileNode(1, 1, 44)),
        (9, 5, TileNode(1, 0, 10)),
        (16, 2, TileNode(2, 0, 2)),
    ],
)
def test_a_tree_node_lives_in_the_tile_holding_its_leftmost_descendant(
    level: int, index: int, node: TileNode
) -> None:
    assert tile_for_node(level, index) == node


def test_there_is_no_tile_for_a_negative_node() -> None:
    with pytest.raises(NotFoundError, match="no tree node at level -1, index 0"):
        tile_for_node(-1, 0)


SIZE = 256 * 256 + 300  # full level-0 and level-1 tiles, and partial ones at 0, 1, 2


@pytest.fixture(scope="module")
def big_tree() -> MemoryTree:
    return MemoryTree(hash_leaf(i.to_bytes(4, "big")) for i in range(SIZE))


@pytest.fixture(scope="module")
def tiles(big_tree: MemoryTree) -> dict[tuple[int, int], bytes]:
    return {
        (level, index): tile_data(level, index, width, big_tree.perfect_hash)
        for level, index, width in new_tiles(0, SIZE)
    }


def test_a_level_1_hash_is_the_root_of_a_full_level_0_tile(
    tiles: dict[tuple[int, int], bytes],
) -> None:
    level_1 = tiles[(1, 0)]
    for i in (0, 1, 128, 255):
        tile = tiles[(0, i)]
        as_leaves = MemoryTree(tile[j : j + HASH_SIZE] for j in range(0, len(tile), 32))
        assert level_1[i * HASH_SIZE : (i + 1) * HASH_SIZE] == as_leaves.root()


def test_tiles_have_the_widths_their_paths_say(
    tiles: dict[tuple[int, int], bytes],
) -> None:
    assert len(tiles[(0, 0)]) == TILE_WIDTH * HASH_SIZE
    assert len(tiles[(0, 256)]) == TILE_WIDTH * HASH_SIZE
    assert len(tiles[(0, 257)]) == 44 * HASH_SIZE
    assert len(tiles[(1, 1)]) == 1 * HASH_SIZE
    assert len(tiles[(2, 0)]) == 1 * HASH_SIZE


def test_tiles_answer_every_perfect_subtree_lookup_the_tree_does(
    big_tree: MemoryTree, tiles: dict[tuple[int, int], bytes]
) -> None:
    read = tile_reader(lambda level, index: tiles[(level, index)])
    rng = random.Random(6962)  # noqa: S311 - a fixed sample, not a secret
    for level in range(17):
        count = SIZE >> level
        sample = {0, count - 1, *(rng.randrange(count) for _ in range(40))}
        for index in sample:
            assert read(level, index) == big_tree.perfect_hash(level, index), (
                level,
                index,
            )


def test_proofs_read_through_tiles_equal_the_tree_s_own(
    big_tree: MemoryTree, tiles: dict[tuple[int, int], bytes]
) -> None:
    from domain.merkle import consistency_proof, inclusion_proof, root

    read = tile_reader(lambda level, index: tiles[(level, index)])
    rng = random.Random(9162)  # noqa: S311 - a fixed sample, not a secret
    for size in (1, 255, 256, 257, 65_536, 65_537, SIZE - 1, SIZE):
        assert root(size, read) == big_tree.root(size)
        for index in {0, size - 1, rng.randrange(size)}:
            assert inclusion_proof(index, size, read) == big_tree.inclusion_proof(
                index, size
            )
        old = rng.randrange(size + 1)
        assert consistency_proof(old, size, read) == big_tree.consistency_proof(
            old, size
        )


def test_a_partial_tile_answers_for_the_nodes_it_holds() -> None:
    tree = MemoryTree(hash_leaf(bytes([i])) for i in range(12))
    tile = tile_data(0, 0, 12, tree.perfect_hash)
    assert perfect_hash_from_tile(tile, 2, 2) == tree.perfect_hash(2, 2)
    assert perfect_hash_from_tile(tile, 3, 0) == tree.perfect_hash(3, 0)
    with pytest.raises(
        NotFoundError, match=r"needs 16 hashes of tile 0/0, which has 12"
    ):
        perfect_hash_from_tile(tile, 3, 1)


@pytest.mark.parametrize("length", [0, 31, 33, 8192 + 32])
def test_tile_data_that_is_not_whole_hashes_is_malformed(length: int) -> None:
    with pytest.raises(MalformedNoteError, match=f"tile data is {length} bytes"):
        perfect_hash_from_tile(b"\x00" * length, 0, 0)


# --- entry bundles ----------------------------------------------------------------
@PROPERTY
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=TILE_WIDTH))
def test_an_entry_bundle_decodes_to_the_entries_it_encodes(
    entries: list[bytes],
) -> None:
    bundle = encode_entry_bundle(entries)
    assert decode_entry_bundle(bundle) == entries
    assert decode_entry_bundle(bundle, width=len(entries)) == entries
    assert encode_entry_bundle(decode_entry_bundle(bundle)) == bundle


def test_an_entry_bundle_is_uint16_length_prefixed_entries() -> None:
    assert (
        encode_entry_bundle([b"", b"ab", b"\x00"]) == b"\x00\x00\x00\x02ab\x00\x01\x00"
    )
    largest = b"\xff" * MAX_ENTRY_SIZE
    assert encode_entry_bundle([largest])[:2] == b"\xff\xff"
    assert decode_entry_bundle(encode_entry_bundle([largest, b"x"])) == [largest, b"x"]


def test_entries_of_a_bundle_hash_to_the_level_0_tile() -> None:
    entries = [f"entry {i}".encode() for i in range(20)]
    tree = MemoryTree(hash_leaf(entry) for entry in entries)
    bundle = decode_entry_bundle(encode_entry_bundle(entries), width=20)
    tile = tile_data(0, 0, 20, tree.perfect_hash)
    assert b"".join(hash_leaf(entry) for entry in bundle) == tile


@PROPERTY
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=20), st.data())
def test_a_bundle_cut_short_is_malformed_or_a_shorter_bundle(
    entries: list[bytes], data: st.DataObject
) -> None:
    bundle = encode_entry_bundle(entries)
    cut = data.draw(st.integers(0, len(bundle) - 1))
    boundaries = {0}
    for entry in entries:
        boundaries.add(max(boundaries) + 2 + len(entry))
    if cut in boundaries and cut > 0:
        shorter = decode_entry_bundle(bundle[:cut])
        assert shorter == entries[: len(shorter)]
        assert len(shorter) < len(entries)
        with pytest.raises(MalformedNoteError, match="its path says"):
            decode_entry_bundle(bundle[:cut], width=len(entries))
    else:
        with pytest.raises(MalformedNoteError):
            decode_entry_bundle(bundle[:cut])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "entry bundle is empty"),
        (b"\x00", "entry 0 has a partial length prefix at offset 0"),
        (b"\x00\x05abc", "entry 0 needs 5 bytes at offset 2, 3 remain"),
        (b"\x00\x01a\x00", "entry 1 has a partial length prefix at offset 3"),
        (b"\x00\x00" * 257, "bytes after its 256th entry, at offset 512"),
    ],
)
def test_garbled_bundles_are_malformed(data: bytes, message: str) -> None:
    with pytest.raises(MalformedNoteError, match=message):
        decode_entry_bundle(data)


def test_a_bundle_with_other_than_the_width_of_its_path_is_malformed() -> None:
    bundle = encode_entry_bundle([b"a", b"b"])
    with pytest.raises(MalformedNoteError, match="has 2 entries, its path says 3"):
        decode_entry_bundle(bundle, width=3)


def test_an_entry_longer_than_65535_bytes_cannot_be_bundled() -> None:
    with pytest.raises(EntryTooLargeError, match="entry 1 is 65536 bytes") as caught:
        encode_entry_bundle([b"ok", b"\x00" * (MAX_ENTRY_SIZE + 1)])
    assert caught.value.context == {"entry": 1, "bytes": MAX_ENTRY_SIZE + 1}


@pytest.mark.parametrize("count", [0, TILE_WIDTH + 1])
def test_a_bundle_holds_1_to_256_entries(count: int) -> None:
    with pytest.raises(MalformedNoteError, match=f"1 to 256 entries, not {count}"):
        encode_entry_bundle([b"x"] * count)
