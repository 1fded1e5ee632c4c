"""A published site read back as a ledger: the logs from their ``log/`` files alone.

:class:`PublishedInstance` answers the queries of :class:`~publish.source.PublishSource`
(the read side of :class:`~domain.application.LedgerApplication` that publishing uses)
from a site that was published before, in a folder or over http(s). It trusts no
page: the registry, every entry and every checkpoint come from the signed log files
(``docs/formats.md`` §7). That is what lets an auditor publish the site again from
what was published and compare every page byte for byte
(:mod:`publish.audit_pages`).

Where the answers come from:

- the instance name: the key name of the ``log`` line of ``registry/log/policy.txt``
  (a log's key name is its origin, C2SP tlog-policy); the association's key:
  ``registry/association.vkey``; a log's checkpoint key: its ``policy.txt``;
- entries: the entry bundles ``tile/entries/<N>[.p/<W>]`` at the latest checkpoint's
  size; ``accepted_at``, id, type and key come from each leaf; the firm of a project
  entry is the registry's owner of the key that signed it (the log stores the same);
- the registry: folded from the registry log's entries (:class:`RegistryState`);
- hashes, roots and proofs: the hash tiles, through :class:`domain.tree.TileTree`
  (full tiles loaded on demand into a bounded cache, the partial edge tiles of the
  latest size in memory), so a proof costs O(log n) tile reads and never rehashes
  the log;
- checkpoints: every entry's proof file names the first checkpoint that covers it,
  so following ``proofs/0``, ``proofs/<size of that checkpoint>``, … visits every
  checkpoint the log signed in order, with no directory listing (over http there is
  none); each is then read from ``checkpoints/<size>``.

What is verified as it is read, because it is cheap (the deep checks are the
auditor's): the latest checkpoint's and each archived checkpoint's log signature and
root (against the tiles), every entry's leaf hash against its level-0 tile hash,
every full tile's root against the tile above it, each walked proof's inclusion path
and that its checkpoint text is the archived one. A failure raises
:class:`~domain.errors.PublishedFileError` naming the file; a missing file raises
:class:`~domain.errors.PublishedFileNotFoundError`.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Final, TypeVar

from domain.application import StoredCheckpoint, StoredEntry
from domain.checkpoint import Checkpoint
from domain.entries import Leaf
from domain.errors import (
    CheckpointNotFoundError,
    ConfigurationError,
    EntryNotFoundError,
    LedgerError,
    LogNotFoundError,
    PublishedFileError,
    PublishedFileNotFoundError,
)
from domain.merkle import HASH_SIZE, hash_leaf, verify_inclusion
from domain.note import SignedNote
from domain.proof_text import TlogProof
from domain.receipts import Receipt
from domain.registry import RegistryState
from domain.signing import VerifierKey
from domain.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    decode_entry_bundle,
    entries_path,
    tile_path,
    tile_width,
)
from domain.tree import TileCache, TileNodes, TileTree
from publish.blobs import blob_path
from publish.logfiles import (
    BLOBS_DIR,
    CHECKPOINT_FILE,
    CHECKPOINTS_DIR,
    POLICY_FILE,
    TrustPolicy,
    proof_path,
)

__all__ = [
    "REGISTRY_LOG_DIR",
    "Fetch",
    "PublishedBlobs",
    "PublishedInstance",
    "folder_fetch",
    "http_fetch",
    "log_dir",
    "site_fetch",
]

Fetch = Callable[[str], bytes]
"""Reads a published file by its site-relative POSIX path (``p/x/log/checkpoint``).

Raises :class:`PublishedFileNotFoundError` if the site has no such file.
"""

REGISTRY_LOG_DIR: Final = "registry/log"
ASSOCIATION_VKEY_FILE: Final = "registry/association.vkey"
_REGISTRY_SUFFIX: Final = "/registry"
_TILE_CACHE: Final = 256  # full tiles per log: 256 x 8 KiB of hashes, bounded
_BUNDLE_CACHE: Final = 8  # decoded entry bundles (get_entry, receipts)
_In = TypeVar("_In")
_Out = TypeVar("_Out")


def log_dir(project_id: str | None) -> str:
    """The site-relative directory of a log: the registry's, or a project's."""
    return REGISTRY_LOG_DIR if project_id is None else f"p/{project_id}/log"


# ====================================================================== fetching
def _checked_path(relative: str) -> PurePosixPath:
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise PublishedFileNotFoundError(
            f"{relative!r} 不是站点内的路径 / is not a path inside the site",
            context={"path": relative},
        )
    return pure


def folder_fetch(root: Path) -> Fetch:
    """Read published files from a site folder."""
    if not root.is_dir():
        raise ConfigurationError(
            f"{root} 不是已发布站点的目录 / is not a folder holding a published site"
        )

    def fetch(relative: str) -> bytes:
        path = root.joinpath(*_checked_path(relative).parts)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise PublishedFileNotFoundError(
                f"站点缺少文件 {relative} / the site has no file {relative}",
                context={"path": relative},
            ) from None

    return fetch


def http_fetch(base_url: str, *, timeout: float = 30.0) -> Fetch:
    """Read published files over http(s) below ``base_url`` (a folder URL).

    404 and 410 mean the file is not published; any other failure to read (no
    connection, a server error) is a :class:`ConfigurationError`: the audit cannot
    say anything about a file it could not read.
    """
    split = urllib.parse.urlsplit(base_url)
    if split.scheme not in ("http", "https") or not split.netloc:
        raise ConfigurationError(
            f"{base_url!r} 不是 http(s) 地址 / is not an http(s) address of a site"
        )
    base = base_url if base_url.endswith("/") else base_url + "/"

    def fetch(relative: str) -> bytes:
        url = base + urllib.parse.quote(_checked_path(relative).as_posix())
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked above
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise PublishedFileNotFoundError(
                    f"站点缺少文件 {relative}（HTTP {exc.code}）/ the site has no file "
                    f"{relative} (HTTP {exc.code})",
                    context={"path": relative},
                ) from None
            raise ConfigurationError(
                f"无法读取 {url}：HTTP {exc.code} / cannot read {url}: HTTP {exc.code}"
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise ConfigurationError(
                f"无法读取 {url} / cannot read {url}: {exc}"
            ) from None

    return fetch


def site_fetch(site: Path | str | Fetch) -> Fetch:
    """A :data:`Fetch` for a site folder, an http(s) address, or a fetch function."""
    if isinstance(site, Path):
        return folder_fetch(site)
    if isinstance(site, str):
        if site.startswith(("http://", "https://")):
            return http_fetch(site)
        return folder_fetch(Path(site))
    return site


def _file_error(path: str, message: str) -> PublishedFileError:
    return PublishedFileError(f"{path}: {message}", context={"path": path})


# ====================================================================== one log
@dataclass
class _Log:
    """One published log: its key, latest checkpoint and tree, read on first use."""

    origin: str
    base: str
    vkey: str
    key: VerifierKey
    latest: StoredCheckpoint | None
    tree: TileTree
    checkpoints: list[StoredCheckpoint] | None = None
    cosignatures: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def path(self, relative: str) -> str:
        return f"{self.base}/{relative}"


def _split_hashes(path: str, data: bytes, width: int) -> list[bytes]:
    if len(data) != width * HASH_SIZE:
        raise _file_error(
            path,
            f"一个宽 {width} 的瓦片应为 {width * HASH_SIZE} 字节，实为 {len(data)} / a "
            f"tile of width {width} is {width * HASH_SIZE} bytes, not {len(data)}",
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


class PublishedInstance:
    """A published site, read as a :class:`~publish.source.PublishSource`.

    ``site`` is the site's folder, its http(s) address, or a :data:`Fetch`. The
    registry is read when the object is made; each project log on first use.
    """

    def __init__(self, site: Path | str | Fetch) -> None:
        self._fetch = site_fetch(site)
        policy_path = f"{REGISTRY_LOG_DIR}/{POLICY_FILE}"
        policy = self._policy(policy_path)
        registry_origin = VerifierKey.from_vkey(policy.logs[0].vkey).name
        if not registry_origin.endswith(_REGISTRY_SUFFIX):
            raise _file_error(
                policy_path,
                f"登记册日志的密钥名 {registry_origin!r} 不以 /registry 结尾 / the "
                "registry log's key name does not end in /registry",
            )
        self.instance = registry_origin[: -len(_REGISTRY_SUFFIX)]
        self._registry_origin = registry_origin
        vkey_text = self._text(ASSOCIATION_VKEY_FILE)
        if not vkey_text.endswith("\n"):
            raise _file_error(
                ASSOCIATION_VKEY_FILE, "不以换行结尾 / does not end in a newline"
            )
        self._association_key = self._parsed(
            ASSOCIATION_VKEY_FILE, VerifierKey.from_vkey, vkey_text[:-1]
        )
        self._logs: dict[str, _Log] = {}
        self._bundles: OrderedDict[tuple[str, int], list[StoredEntry]] = OrderedDict()
        self._registry = RegistryState()
        self._registry = self._fold_registry()

    # ------------------------------------------------------------------ names
    @property
    def registry_origin(self) -> str:
        return self._registry_origin

    @property
    def association_key(self) -> VerifierKey:
        return self._association_key

    def project_origin(self, project_id: str) -> str:
        return f"{self.instance}/p/{project_id}"

    def log_vkey(self, origin: str) -> str:
        return self._log(origin).vkey

    def list_origins(self) -> list[str]:
        return [self._registry_origin] + [
            self.project_origin(pid) for pid in sorted(self._registry.projects)
        ]

    def get_registry(self) -> RegistryState:
        return self._registry

    def read(self, relative: str) -> bytes:
        """The bytes of any published file (site-relative path)."""
        return self._fetch(relative)

    def blobs(self) -> PublishedBlobs:
        """The attachment files published beside the logs, as a blob source."""
        return PublishedBlobs(self)

    # ---------------------------------------------------------------- entries
    def get_entry(self, origin: str, index: int) -> StoredEntry:
        log = self._log(origin)
        if not 0 <= index < log.tree.size:
            raise EntryNotFoundError(
                f"日志 {origin} 没有第 {index} 条 / no entry {index}"
            )
        bundle, position = divmod(index, TILE_WIDTH)
        return self._bundle(log, bundle)[position]

    def list_entries(
        self, origin: str, *, start: int = 0, stop: int | None = None
    ) -> Iterator[StoredEntry]:
        """Entries ``start <= index < stop`` in order, one bundle read at a time."""
        log = self._log(origin)
        end = log.tree.size if stop is None else min(stop, log.tree.size)
        index = max(start, 0)
        while index < end:
            bundle, position = divmod(index, TILE_WIDTH)
            entries = self._bundle(log, bundle)
            last = min(len(entries), end - bundle * TILE_WIDTH)
            yield from entries[position:last]
            index = bundle * TILE_WIDTH + last

    # ------------------------------------------------------------ checkpoints
    def get_checkpoint(self, origin: str) -> StoredCheckpoint:
        log = self._log(origin)
        if log.latest is None:
            raise CheckpointNotFoundError(
                f"日志 {origin} 还没有检查点 / no checkpoint yet"
            )
        return log.latest

    def list_checkpoints(self, origin: str) -> Iterator[StoredCheckpoint]:
        log = self._log(origin)
        if log.checkpoints is None:
            log.checkpoints = self._walk_checkpoints(log)
        yield from log.checkpoints

    def list_cosignatures(self, origin: str) -> dict[int, tuple[str, ...]]:
        """The signature lines that follow the log's own on each published checkpoint.

        The log signs first (docs/formats.md §7); every later line is a witness's
        cosignature as published (the audit verifies them against the policy).
        """
        log = self._log(origin)
        if log.checkpoints is None:
            log.checkpoints = self._walk_checkpoints(log)
        return dict(log.cosignatures)

    def get_receipt(self, origin: str, index: int) -> Receipt:
        log = self._log(origin)
        if log.latest is None or not 0 <= index < log.latest.size:
            raise EntryNotFoundError(
                f"日志 {origin} 没有第 {index} 条 / no entry {index}"
            )
        proof = TlogProof(
            index=index,
            hashes=tuple(log.tree.inclusion_proof(index, log.latest.size)),
            checkpoint=SignedNote.from_text(log.latest.note),
        )
        return Receipt(origin, index, self.get_entry(origin, index).leaf, proof)

    # ----------------------------------------------------------------- proofs
    def inclusion_proof(self, origin: str, index: int, size: int) -> list[bytes]:
        tree = self._log(origin).tree
        if not 0 <= index < size <= tree.size:
            raise EntryNotFoundError(
                f"无法证明：需要 0 ≤ index < size ≤ {tree.size} / cannot prove "
                f"index {index} in size {size}"
            )
        return tree.inclusion_proof(index, size)

    def consistency_proof(
        self, origin: str, old_size: int, new_size: int
    ) -> list[bytes]:
        tree = self._log(origin).tree
        if not 0 <= old_size <= new_size <= tree.size:
            raise CheckpointNotFoundError(
                f"无法证明：需要 0 ≤ old ≤ new ≤ {tree.size} / cannot prove "
                f"{old_size} → {new_size}"
            )
        return tree.consistency_proof(old_size, new_size)

    def root_at(self, origin: str, size: int) -> bytes:
        tree = self._log(origin).tree
        if not 0 <= size <= tree.size:
            raise CheckpointNotFoundError(f"size {size} is beyond the log")
        return tree.root(size)

    def tile_hashes(
        self, origin: str, level: int, index: int, width: int, size: int
    ) -> list[bytes]:
        """The hashes of tile ``level/index`` of ``width`` in the tree of ``size``."""
        tree = self._log(origin).tree
        first = index * TILE_WIDTH
        height = TILE_HEIGHT * level
        if not 0 < width <= TILE_WIDTH or (first + width) << height > size:
            raise EntryNotFoundError(
                f"no tile {level}/{index} of width {width} in a tree of size {size}"
            )
        if size > tree.size:
            raise EntryNotFoundError(f"size {size} is beyond the log")
        return [tree.perfect_hash(height, i) for i in range(first, first + width)]

    def log_size(self, origin: str) -> int:
        return self._log(origin).tree.size

    # ============================================================ internals
    def _text(self, path: str) -> str:
        data = self._fetch(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _file_error(
                path, f"不是 UTF-8 文本 / is not UTF-8 text (byte {exc.start})"
            ) from None

    def _parsed(self, path: str, parse: Callable[[_In], _Out], value: _In) -> _Out:
        """``parse(value)``, with any parse error re-raised naming ``path``."""
        try:
            return parse(value)
        except LedgerError as exc:
            raise _file_error(path, exc.detail) from None

    def _policy(self, path: str) -> TrustPolicy:
        policy: TrustPolicy = self._parsed(
            path, TrustPolicy.from_text, self._text(path)
        )
        if len(policy.logs) != 1:
            raise _file_error(
                path,
                f"策略应恰好列出一个日志，实为 {len(policy.logs)} / the policy should "
                f"name exactly one log, not {len(policy.logs)}",
            )
        return policy

    def _project_id(self, origin: str) -> str | None:
        """The project of ``origin`` (None for the registry), or LogNotFoundError."""
        if origin == self._registry_origin:
            return None
        prefix = f"{self.instance}/p/"
        if origin.startswith(prefix) and origin[len(prefix) :] in (
            self._registry.projects
        ):
            return origin[len(prefix) :]
        raise LogNotFoundError(f"没有这个日志 / no log with origin {origin!r}")

    def _log(self, origin: str) -> _Log:
        log = self._logs.get(origin)
        if log is None:
            log = self._open_log(origin, log_dir(self._project_id(origin)))
            self._logs[origin] = log
        return log

    def _open_log(self, origin: str, base: str) -> _Log:
        """Read a log's policy, latest checkpoint and edge tiles; check its root."""
        policy_path = f"{base}/{POLICY_FILE}"
        policy_log = self._policy(policy_path).logs[0]
        try:
            key = policy_log.key()
        except LedgerError as exc:
            raise _file_error(policy_path, exc.detail) from None
        if key.name != origin:
            raise _file_error(
                policy_path,
                f"日志密钥名 {key.name!r} 不是日志的 origin {origin!r} / the log key's "
                "name is not the log's origin",
            )
        checkpoint_path = f"{base}/{CHECKPOINT_FILE}"
        try:
            note_text = self._text(checkpoint_path)
        except PublishedFileNotFoundError:
            note_text = None  # a log with no entries has only its policy
        latest = None
        if note_text is not None:
            latest = self._checkpoint(checkpoint_path, note_text, origin, key)
        size = latest.size if latest is not None else 0
        log = _Log(origin, base, policy_log.vkey, key, latest, self._tree(base, size))
        if latest is not None:
            self._check_root(log, checkpoint_path, latest)
        return log

    def _checkpoint(
        self, path: str, note_text: str, origin: str, key: VerifierKey
    ) -> StoredCheckpoint:
        """A signed checkpoint file, its log signature verified, as the log keeps it."""
        return self._signed_checkpoint(path, note_text, origin, key)[0]

    def _signed_checkpoint(
        self, path: str, note_text: str, origin: str, key: VerifierKey
    ) -> tuple[StoredCheckpoint, str]:
        """The checkpoint (as :meth:`_checkpoint`) and the text its note signs."""

        def parse(text: str) -> tuple[Checkpoint, str]:
            note = SignedNote.from_text(text)
            note.verified_by(key)
            return Checkpoint.from_text(note.text), note.text

        checkpoint, body = self._parsed(path, parse, note_text)
        if checkpoint.origin != origin:
            raise _file_error(
                path,
                f"检查点的 origin 是 {checkpoint.origin!r}，不是 {origin!r} / the "
                "checkpoint is for another log",
            )
        own, cosignatures = _split_cosignatures(body, note_text)
        stored = StoredCheckpoint(origin, checkpoint.size, checkpoint.root, own)
        log = self._logs.get(origin)
        if log is not None and cosignatures:
            log.cosignatures[checkpoint.size] = cosignatures
        return stored, body

    def _check_root(self, log: _Log, path: str, checkpoint: StoredCheckpoint) -> None:
        try:
            root = log.tree.root(checkpoint.size)
        except PublishedFileError:
            raise
        except LedgerError as exc:
            raise _file_error(path, exc.detail) from None
        if root != checkpoint.root:
            raise _file_error(
                path,
                f"瓦片算出的根 {root.hex()} 与检查点 {checkpoint.size} 的根 "
                f"{checkpoint.root.hex()} 不符 / the tiles hash to root {root.hex()}, "
                f"not to the root of checkpoint {checkpoint.size}",
            )

    def _tree(self, base: str, size: int) -> TileTree:
        """The log's tree of ``size`` from its tiles: edges now, full tiles on demand."""
        edges: list[TileNodes] = []
        level = 0
        while size >> (TILE_HEIGHT * level):
            count = size >> (TILE_HEIGHT * level)
            width = count % TILE_WIDTH
            hashes: list[bytes] = []
            if width:
                path = f"{base}/{tile_path(level, count // TILE_WIDTH, width)}"
                hashes = _split_hashes(path, self._fetch(path), width)
            edges.append(TileNodes(hashes))
            level += 1
        holder: list[TileTree] = []

        def load(level: int, index: int) -> list[bytes]:
            path = f"{base}/{tile_path(level, index)}"
            hashes = _split_hashes(path, self._fetch(path), TILE_WIDTH)
            # Cheap check: the tile's root is the hash the tile above holds for it.
            above = holder[0].perfect_hash(TILE_HEIGHT * (level + 1), index)
            if TileNodes(hashes).root() != above:
                raise _file_error(
                    path,
                    f"瓦片的根与上一层瓦片第 {index % TILE_WIDTH} 个哈希不符 / the "
                    f"tile's root is not hash {index % TILE_WIDTH} of the tile above",
                )
            return hashes

        tree = TileTree(size, edges, load, TileCache(capacity=_TILE_CACHE))
        holder.append(tree)
        return tree

    def _bundle(self, log: _Log, bundle: int) -> list[StoredEntry]:
        """The entries of one bundle, each leaf checked against its tile hash."""
        cached = self._bundles.get((log.origin, bundle))
        if cached is not None:
            self._bundles.move_to_end((log.origin, bundle))
            return cached
        size = log.tree.size
        width = tile_width(0, bundle, size)
        path = log.path(entries_path(bundle, width))
        leaves = self._parsed(
            path, partial(decode_entry_bundle, width=width), self._fetch(path)
        )
        entries: list[StoredEntry] = []
        for position, leaf in enumerate(leaves):
            index = bundle * TILE_WIDTH + position
            leaf_hash = hash_leaf(leaf)
            if leaf_hash != log.tree.perfect_hash(0, index):
                raise _file_error(
                    path,
                    f"第 {index} 条的叶子哈希 {leaf_hash.hex()} 与瓦片 0 中的不符 / "
                    f"leaf {index} hashes to {leaf_hash.hex()}, not to its hash in "
                    "tile level 0",
                )
            entries.append(self._entry(log, path, index, leaf, leaf_hash))
        self._bundles[(log.origin, bundle)] = entries
        while len(self._bundles) > _BUNDLE_CACHE:
            self._bundles.popitem(last=False)
        return entries

    def _entry(
        self, log: _Log, path: str, index: int, leaf: bytes, leaf_hash: bytes
    ) -> StoredEntry:
        # The leaf is bound by its hash (checked against the tile above); whether it
        # is canonical and well signed is the log audit's. Plain JSON is enough to
        # read the fields the log indexes, at a fraction of the strict parse's cost.
        try:
            payload = json.loads(base64.b64decode(json.loads(leaf)["payload"]))
            entry_id, entry_type, key_ref = (
                payload["id"],
                payload["type"],
                payload["key"],
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise _file_error(
                path, f"第 {index} 条无法读取 / entry {index} does not parse: {exc!r}"
            ) from None
        if not all(isinstance(v, str) for v in (entry_id, entry_type, key_ref)):
            raise _file_error(
                path, f"第 {index} 条的 id/type/key 不是字符串 / entry {index}"
            )
        firm = None
        if log.origin != self._registry_origin:
            key = self._registry.keys.get(key_ref)
            firm = key.firm if key is not None else None
        return StoredEntry(
            log.origin, index, leaf, leaf_hash, entry_id, entry_type, key_ref, firm
        )

    def _fold_registry(self) -> RegistryState:
        registry = RegistryState()
        origin = self._registry_origin
        for entry in self.list_entries(origin):
            try:
                payload = Leaf.from_bytes(entry.leaf).submission.parse_payload()
                registry.apply(entry.index, payload)
            except (LedgerError, KeyError, TypeError, AttributeError) as exc:
                bundle = entries_path(
                    entry.index // TILE_WIDTH,
                    tile_width(0, entry.index // TILE_WIDTH, self.log_size(origin)),
                )
                raise _file_error(
                    f"{REGISTRY_LOG_DIR}/{bundle}",
                    f"登记册第 {entry.index} 条无法应用 / registry entry {entry.index} "
                    f"cannot be applied: {exc!r}",
                ) from None
        return registry

    def _walk_checkpoints(self, log: _Log) -> list[StoredCheckpoint]:
        """Every checkpoint, by following the proofs (see the module docstring)."""
        latest = log.latest
        if latest is None:
            return []
        found: list[StoredCheckpoint] = []
        index = 0
        while index < latest.size:
            path = log.path(proof_path(index))
            proof = self._parsed(path, TlogProof.from_bytes, self._fetch(path))
            if proof.index != index:
                raise _file_error(
                    path, f"证明的是第 {proof.index} 条 / proves entry {proof.index}"
                )
            checkpoint = self._parsed(path, Checkpoint.from_text, proof.checkpoint.text)
            archived = log.path(f"{CHECKPOINTS_DIR}/{checkpoint.size}")
            if not index < checkpoint.size <= latest.size:
                raise _file_error(
                    path,
                    f"证明所附检查点大小 {checkpoint.size} 不在 {index + 1}…{latest.size} "
                    f"之内 / its checkpoint's size {checkpoint.size} is not between "
                    f"{index + 1} and {latest.size}",
                )
            stored, body = self._signed_checkpoint(
                archived, self._text(archived), log.origin, log.key
            )
            if body != proof.checkpoint.text:
                raise _file_error(
                    archived,
                    f"与 {path} 中的检查点不同 / differs from the checkpoint in {path}",
                )
            self._check_root(log, archived, stored)
            try:
                verify_inclusion(
                    leaf_hash=log.tree.perfect_hash(0, index),
                    index=index,
                    size=stored.size,
                    proof=proof.hashes,
                    root=stored.root,
                )
            except LedgerError as exc:
                raise _file_error(path, exc.detail) from None
            found.append(stored)
            index = stored.size
        if found[-1].note != latest.note:
            raise _file_error(
                log.path(CHECKPOINT_FILE),
                f"与 {CHECKPOINTS_DIR}/{latest.size} 不同 / differs from "
                f"{CHECKPOINTS_DIR}/{latest.size}",
            )
        return found


def _split_cosignatures(body: str, note_text: str) -> tuple[str, tuple[str, ...]]:
    """A published checkpoint as the log signed it (body and its first signature
    line) and the cosignature lines after it."""
    lines = note_text[len(body) + 1 :].splitlines(keepends=True)
    return body + "\n" + lines[0], tuple(lines[1:])


@dataclass(frozen=True)
class PublishedBlobs:
    """Attachment files as published (``<log>/blobs/sha256/<hex>``): a BlobSource.

    A blob is looked for beside every log of the instance, the registry's first.
    The bytes are returned unchecked; the publisher checks them against the name.
    """

    instance: PublishedInstance

    def get(self, sha256_hex: str) -> bytes | None:
        relative = f"{BLOBS_DIR}/{blob_path(sha256_hex)}"
        registry = self.instance.get_registry()
        for project_id in [None, *sorted(registry.projects)]:
            try:
                return self.instance.read(f"{log_dir(project_id)}/{relative}")
            except PublishedFileNotFoundError:
                continue
        return None
