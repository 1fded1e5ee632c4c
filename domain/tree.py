"""The stored Merkle tree of one log, as C2SP tlog-tiles (height 8, 256 hashes a tile).

Full tiles are immutable and live in the event store (``TileSealed`` events, written in
the same transaction as the entries that complete them); the partial tile at the right
edge of each level is kept in memory and rebuilt from the store on load. Any node hash
is then one tile read (cached) away, so proofs cost O(log n) reads and never rehash the
log (RFC 9162 §2.1 via :mod:`domain.merkle`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable

from domain import merkle
from domain.errors import LogIntegrityError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT

#: Reads the hashes of a full tile (level, index) from the store.
TileLoader = Callable[[int, int], list[bytes]]


class TileNodes:
    """The hashes of one tile and every complete subtree inside it.

    ``levels[0]`` are the tile's own hashes (tree height 8·L); ``levels[r][k]`` is the
    root of the ``k``-th aligned run of ``2**r`` of them.
    """

    __slots__ = ("levels",)

    def __init__(self, hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for value in hashes:
            self.append(value)

    def __len__(self) -> int:
        return len(self.levels[0])

    def append(self, value: bytes) -> None:
        levels = self.levels
        levels[0].append(value)
        position = len(levels[0]) - 1
        level = 0
        while position % 2 == 1:
            parent = merkle.hash_children(
                levels[level][position - 1], levels[level][position]
            )
            level += 1
            if len(levels) == level:
                levels.append([])
            levels[level].append(parent)
            position = len(levels[level]) - 1

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self) -> bytes:
        """The root of a full tile (tree height 8·(L+1))."""
        return self.levels[TILE_HEIGHT][0]

    def hashes(self) -> list[bytes]:
        return list(self.levels[0])


class TileCache:
    """A bounded LRU of full tiles; full tiles never change, so it is never stale."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self._tiles: OrderedDict[tuple[int, int], TileNodes] = OrderedDict()

    def get(self, key: tuple[int, int]) -> TileNodes | None:
        tile = self._tiles.get(key)
        if tile is not None:
            self._tiles.move_to_end(key)
        return tile

    def put(self, key: tuple[int, int], tile: TileNodes) -> None:
        self._tiles[key] = tile
        self._tiles.move_to_end(key)
        while len(self._tiles) > self.capacity:
            self._tiles.popitem(last=False)


class TileTree:
    """A log's Merkle tree: full tiles from the store, partial edge tiles in memory."""

    def __init__(
        self,
        size: int,
        edges: list[TileNodes],
        load_tile: TileLoader,
        cache: TileCache | None = None,
    ) -> None:
        self.size = size
        self.edges = edges
        self._load_tile = load_tile
        self._cache = cache if cache is not None else TileCache()

    @classmethod
    def empty(cls, load_tile: TileLoader, cache: TileCache | None = None) -> TileTree:
        return cls(0, [], load_tile, cache)

    # --- writing --------------------------------------------------------------
    def append(self, leaf_hash: bytes) -> list[tuple[int, int, TileNodes]]:
        """Add a leaf; returns the tiles it completed as (level, index, tile)."""
        sealed: list[tuple[int, int, TileNodes]] = []
        self.size += 1
        value = leaf_hash
        level = 0
        while True:
            if len(self.edges) == level:
                self.edges.append(TileNodes())
            edge = self.edges[level]
            edge.append(value)
            if len(edge) < TILE_WIDTH:
                break
            index = ((self.size >> (TILE_HEIGHT * level)) >> TILE_HEIGHT) - 1
            sealed.append((level, index, edge))
            self._cache.put((level, index), edge)
            self.edges[level] = TileNodes()
            value = edge.root()
            level += 1
        return sealed

    # --- reading --------------------------------------------------------------
    def perfect_hash(self, height: int, index: int) -> bytes:
        """Hash of the complete subtree at ``height`` covering leaves from ``index·2^height``."""
        if (index + 1) << height > self.size:
            raise LogIntegrityError(
                f"node ({height}, {index}) is not complete in a tree of size {self.size}"
            )
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # index of the first base hash at height 8·level
        tile_index, offset = divmod(first, TILE_WIDTH)
        sealed_count = self.size >> (TILE_HEIGHT * (level + 1))
        if tile_index < sealed_count:
            tile = self._full_tile(level, tile_index)
        else:
            tile = self.edges[level]
        return tile.node(rest, offset >> rest)

    def _full_tile(self, level: int, index: int) -> TileNodes:
        tile = self._cache.get((level, index))
        if tile is None:
            hashes = self._load_tile(level, index)
            if len(hashes) != TILE_WIDTH:
                raise LogIntegrityError(
                    f"stored tile {level}/{index} has {len(hashes)} hashes, not {TILE_WIDTH}"
                )
            tile = TileNodes(hashes)
            self._cache.put((level, index), tile)
        return tile

    def root(self, size: int | None = None) -> bytes:
        return merkle.root(self.size if size is None else size, self.perfect_hash)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return merkle.inclusion_proof(
            index, self.size if size is None else size, self.perfect_hash
        )

    def inclusion_proofs(
        self, indices: Iterable[int], size: int
    ) -> dict[int, list[bytes]]:
        """Proofs for many leaves at one size, sharing the subtree hashes they reuse."""
        memo: dict[tuple[int, int], bytes] = {}

        def hash_range(start: int, end: int) -> bytes:
            value = memo.get((start, end))
            if value is None:
                value = merkle.range_hash(start, end, self.perfect_hash)
                memo[(start, end)] = value
            return value

        return {
            index: [hash_range(a, b) for a, b in merkle.inclusion_ranges(index, size)]
            for index in indices
        }

    def consistency_proof(
        self, old_size: int, new_size: int | None = None
    ) -> list[bytes]:
        return merkle.consistency_proof(
            old_size, self.size if new_size is None else new_size, self.perfect_hash
        )
