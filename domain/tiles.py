"""C2SP tlog-tiles: tile and entry-bundle paths, tile contents, entry bundles (pure).

Follows https://c2sp.org/tlog-tiles (C2SP/C2SP ``tlog-tiles.md``), which SPEC §4 uses
for every published log under ``log/``:

- A tile is served at ``tile/<L>/<N>[.p/<W>]``. ``<L>`` is the tile level, a decimal
  0–63 with no leading zeroes. ``<N>`` is the tile index, written as zero-padded
  3-digit path elements, every one but the last prefixed with ``x``: 1234067 is
  ``x001/x234/067``. ``.p/<W>`` marks a partial tile of width ``W``, a decimal 1–255
  with no leading zeroes; a full tile has no suffix and is 256 hashes (8,192 bytes).
- Tile ``N`` at level ``L`` holds, for ``i`` in 0..255,
  ``MTH(D[(N * 256 + i) * 256**L : (N * 256 + i + 1) * 256**L])``: the hashes at
  *tree* level ``8 * L`` (:data:`TILE_HEIGHT` is 8). In a tree of size ``s`` the
  rightmost tile at level ``L`` has ``floor(s / 256**L) mod 256`` hashes.
- Entries are served as bundles at ``tile/entries/<N>[.p/<W>]``: a sequence of
  entries, each a big-endian uint16 length and then that many bytes; entry ``i`` of
  bundle ``N`` hashes (RFC 6962 leaf hash) to hash ``i`` of level-0 tile ``N``.

Parsing is strict and canonical: :func:`parse_tile_path` accepts exactly the strings
:func:`tile_path` and :func:`entries_path` produce and raises
:class:`~domain.errors.MalformedNoteError` on anything else, including ``x000/``
prefixes, leading zeroes, ``.p/256`` or ``.p/0``. Indexes are capped below 2**64
(tree sizes are uint64). Asking for a path of a tile no tree has (level above 63,
width outside 1–256, negative index) raises :class:`~domain.errors.NotFoundError`.

A tree node ``(level, index)`` (the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``, as :mod:`domain.merkle` names it)
lives in tile level ``level // 8``: it *is* a tile hash when ``level % 8 == 0``, and
otherwise is computed from the ``2**(level % 8)`` consecutive tile hashes below it
(:func:`tile_for_node`, :func:`perfect_hash_from_tile`). So a store of tiles answers
every :data:`~domain.merkle.PerfectHash` lookup (:func:`tile_reader`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from domain.errors import EntryTooLargeError, MalformedNoteError, NotFoundError
from domain.merkle import HASH_SIZE, PerfectHash, hash_children

__all__ = [
    "MAX_ENTRY_SIZE",
    "MAX_TILE_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileNode",
    "decode_entry_bundle",
    "encode_entry_bundle",
    "entries_path",
    "new_tiles",
    "parse_tile_path",
    "perfect_hash_from_tile",
    "tile_data",
    "tile_for_node",
    "tile_path",
    "tile_reader",
    "tile_width",
]

TILE_HEIGHT: Final = 8
"""Tree levels per tile level: a tile is a perfect subtree of height 8."""
TILE_WIDTH: Final = 256
"""Hashes in a full tile (``2**TILE_HEIGHT``); entries in a full bundle."""
MAX_TILE_LEVEL: Final = 63
"""The highest ``<L>`` a tile path may carry."""
MAX_ENTRY_SIZE: Final = 0xFFFF
"""An entry in a bundle has a uint16 length prefix, so at most 65,535 bytes."""

_INDEX_LIMIT: Final = 1 << 64
_LEVEL = r"0|[1-9][0-9]?"
_INDEX = r"(?:x[0-9]{3}/)*[0-9]{3}"
_WIDTH = r"[1-9][0-9]{0,2}"
_PATH = re.compile(
    rf"tile/(?P<level>{_LEVEL}|entries)/(?P<index>{_INDEX})(?:\.p/(?P<width>{_WIDTH}))?"
)


# --- paths ------------------------------------------------------------------------
def _check_index(index: int, width: int) -> None:
    if not 0 <= index < _INDEX_LIMIT:
        raise NotFoundError(f"tile index {index} is not between 0 and 2**64 - 1")
    if not 1 <= width <= TILE_WIDTH:
        raise NotFoundError(f"a tile is 1 to {TILE_WIDTH} wide, not {width}")


def _encode_index(index: int, width: int) -> str:
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    encoded = "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])
    return encoded if width == TILE_WIDTH else f"{encoded}.p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The path of tile ``index`` at tile level ``level``, ``width`` hashes wide.

    >>> tile_path(0, 1234067)
    'tile/0/x001/x234/067'
    >>> tile_path(1, 7, 13)
    'tile/1/007.p/13'
    """
    if not 0 <= level <= MAX_TILE_LEVEL:
        raise NotFoundError(f"a tile level is 0 to {MAX_TILE_LEVEL}, not {level}")
    _check_index(index, width)
    return f"tile/{level}/{_encode_index(index, width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """The path of entry bundle ``index``, holding ``width`` entries.

    >>> entries_path(1234067, 8)
    'tile/entries/x001/x234/067.p/8'
    """
    _check_index(index, width)
    return f"tile/entries/{_encode_index(index, width)}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """Parse a tile or entry-bundle path into ``(level, index, width)``.

    ``level`` is ``None`` for an entry bundle; ``width`` is 256 for a full tile. The
    path is relative to the log prefix (it starts with ``tile/``). Raises
    :class:`MalformedNoteError` unless the path is exactly what :func:`tile_path` or
    :func:`entries_path` would write for the result.

    >>> parse_tile_path("tile/entries/x001/x234/067.p/8")
    (None, 1234067, 8)
    """
    match = _PATH.fullmatch(path)
    if match is None:
        raise MalformedNoteError(
            f"{path!r} is not a tlog-tiles path "
            "(tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])",
            context={"path": path},
        )
    raw_level, raw_index, raw_width = match.group("level", "index", "width")
    level = None if raw_level == "entries" else int(raw_level)
    if level is not None and level > MAX_TILE_LEVEL:
        raise MalformedNoteError(
            f"{path!r}: tile level {level} is above {MAX_TILE_LEVEL}",
            context={"path": path},
        )
    width = TILE_WIDTH if raw_width is None else int(raw_width)
    if raw_width is not None and width >= TILE_WIDTH:
        raise MalformedNoteError(
            f"{path!r}: a partial tile is 1 to {TILE_WIDTH - 1} wide, not {width}",
            context={"path": path},
        )
    index = int(raw_index.replace("x", "").replace("/", ""))
    if index >= _INDEX_LIMIT:
        raise MalformedNoteError(
            f"{path!r}: tile index {index} is not below 2**64", context={"path": path}
        )
    if raw_index != _encode_index(index, TILE_WIDTH):
        raise MalformedNoteError(
            f"{path!r}: tile index {raw_index!r} is not canonical; it is written "
            f"{_encode_index(index, TILE_WIDTH)!r}",
            context={"path": path},
        )
    return level, index, width


# --- which tiles a tree has -------------------------------------------------------
def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile ``index`` at tile ``level`` holds in a tree of ``size``.

    256 for a full tile, 1–255 for the partial one, 0 if the tree has no such tile.
    The same holds for entry bundles with ``level`` 0.
    """
    if level < 0 or index < 0 or size < 0:
        raise NotFoundError(f"no tile at level {level}, index {index}, size {size}")
    hashes = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes - index * TILE_WIDTH))


def new_tiles(old_size: int, new_size: int) -> list[tuple[int, int, int]]:
    """The tiles a tree of ``new_size`` has that a tree of ``old_size`` had not.

    Each is ``(level, index, width)``, by level then index: the tiles completed or
    widened by the leaves ``[old_size, new_size)``. With ``old_size == 0`` it lists
    every tile of the tree. The level-0 entries also name the entry bundles that
    changed. A tree of size 70,000 has 273 full level-0 tiles, a level-0 tile of
    width 112, one full level-1 tile, a level-1 tile of width 17 and a level-2 tile
    of width 1 (tlog-tiles §Partial Tiles).
    """
    if not 0 <= old_size <= new_size:
        raise NotFoundError(f"no tiles from size {old_size} to size {new_size}")
    tiles: list[tuple[int, int, int]] = []
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        old_hashes = old_size >> (TILE_HEIGHT * level)
        new_hashes = new_size >> (TILE_HEIGHT * level)
        first = old_hashes // TILE_WIDTH
        last = (new_hashes - 1) // TILE_WIDTH
        for index in range(first, last + 1):
            width = tile_width(level, index, new_size)
            if width != tile_width(level, index, old_size):
                tiles.append((level, index, width))
        level += 1
    return tiles


# --- tree nodes in tiles ----------------------------------------------------------
class TileNode(NamedTuple):
    """Where a tree node's hash comes from: tile ``(tile_level, tile_index)``.

    With ``r = node level % 8``, the node's hash is computed from the ``2**r`` hashes
    of that tile starting at position ``start``; the tile must be at least
    ``start + 2**r`` wide to hold them.
    """

    tile_level: int
    tile_index: int
    start: int


def tile_for_node(level: int, index: int) -> TileNode:
    """The tile that holds tree node ``(level, index)`` and where in it.

    >>> tile_for_node(0, 1000)
    TileNode(tile_level=0, tile_index=3, start=232)
    >>> tile_for_node(9, 5)
    TileNode(tile_level=1, tile_index=0, start=10)
    """
    if level < 0 or index < 0:
        raise NotFoundError(f"there is no tree node at level {level}, index {index}")
    tile_level, rise = divmod(level, TILE_HEIGHT)
    first = index << rise  # leftmost tile-level hash under the node
    tile_index, start = divmod(first, TILE_WIDTH)
    return TileNode(tile_level, tile_index, start)


def perfect_hash_from_tile(tile: bytes, level: int, index: int) -> bytes:
    """The hash of tree node ``(level, index)`` from the data of the tile holding it.

    ``tile`` is the content (full or partial) of the tile
    ``tile_for_node(level, index)``; with ``r = level % 8`` the node is the root of
    the perfect subtree over its ``2**r`` hashes from ``start``. Raises
    :class:`MalformedNoteError` if the data is not a whole number of 1 to 256 hashes,
    and :class:`NotFoundError` if it is too narrow to hold the node.
    """
    if len(tile) % HASH_SIZE or not 0 < len(tile) <= TILE_WIDTH * HASH_SIZE:
        raise MalformedNoteError(
            f"tile data is {len(tile)} bytes, not 1 to {TILE_WIDTH} hashes of "
            f"{HASH_SIZE} bytes"
        )
    node = tile_for_node(level, index)
    count = 1 << (level % TILE_HEIGHT)
    if (node.start + count) * HASH_SIZE > len(tile):
        raise NotFoundError(
            f"node (level {level}, index {index}) needs {node.start + count} hashes "
            f"of tile {node.tile_level}/{node.tile_index}, which has "
            f"{len(tile) // HASH_SIZE}"
        )
    row = [
        tile[i * HASH_SIZE : (i + 1) * HASH_SIZE]
        for i in range(node.start, node.start + count)
    ]
    while len(row) > 1:
        row = [hash_children(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return row[0]


def tile_data(level: int, index: int, width: int, perfect_hash: PerfectHash) -> bytes:
    """The content of tile ``(level, index)`` at ``width``: its hashes, concatenated.

    Hash ``i`` is ``perfect_hash(8 * level, index * 256 + i)``; this is how a log
    writes its tiles from any :data:`~domain.merkle.PerfectHash` source.
    """
    _check_index(index, width)
    first = index * TILE_WIDTH
    return b"".join(perfect_hash(TILE_HEIGHT * level, first + i) for i in range(width))


def tile_reader(read_tile: Callable[[int, int], bytes]) -> PerfectHash:
    """A :data:`~domain.merkle.PerfectHash` that reads nodes from tiles.

    ``read_tile(level, index)`` returns the data of a tile (the full one, or the
    widest partial one the store has); the reader finds the node in it with
    :func:`tile_for_node` and :func:`perfect_hash_from_tile`.
    """

    def perfect_hash(level: int, index: int) -> bytes:
        node = tile_for_node(level, index)
        data = read_tile(node.tile_level, node.tile_index)
        return perfect_hash_from_tile(data, level, index)

    return perfect_hash


# --- entry bundles ----------------------------------------------------------------
def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length, then its bytes.

    A bundle holds 1 to 256 entries (:class:`MalformedNoteError` otherwise); an entry
    longer than 65,535 bytes raises :class:`EntryTooLargeError`.
    """
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise MalformedNoteError(
            f"an entry bundle holds 1 to {TILE_WIDTH} entries, not {len(entries)}"
        )
    parts: list[bytes] = []
    for i, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLargeError(
                f"entry {i} is {len(entry)} bytes; a bundle entry is at most "
                f"{MAX_ENTRY_SIZE}",
                context={"entry": i, "bytes": len(entry)},
            )
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_entry_bundle(data: bytes, *, width: int | None = None) -> list[bytes]:
    """The entries of an entry bundle (the inverse of :func:`encode_entry_bundle`).

    Raises :class:`MalformedNoteError` on a truncated length or entry, an empty
    bundle, more than 256 entries, or (if ``width`` is given, as the bundle's path
    says) a number of entries other than ``width``.
    """
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if len(entries) == TILE_WIDTH:
            raise MalformedNoteError(
                f"entry bundle has bytes after its {TILE_WIDTH}th entry, at offset "
                f"{offset}"
            )
        if offset + 2 > len(data):
            raise MalformedNoteError(
                f"entry bundle is truncated: entry {len(entries)} has a partial "
                f"length prefix at offset {offset}"
            )
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise MalformedNoteError(
                f"entry bundle is truncated: entry {len(entries)} needs {length} "
                f"bytes at offset {offset}, {len(data) - offset} remain"
            )
        entries.append(bytes(data[offset : offset + length]))
        offset += length
    if not entries:
        raise MalformedNoteError("entry bundle is empty")
    if width is not None and len(entries) != width:
        raise MalformedNoteError(
            f"entry bundle has {len(entries)} entries, its path says {width}"
        )
    return entries
