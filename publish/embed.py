"""What a statement page embeds so a browser can verify it with no server (SPEC §4).

A page's bytes must depend only on the entries it shows, never on the latest
checkpoint, or every publish would rewrite every page. So each page is proved
against its *anchor*: the first checkpoint that covers the newest entry it shows
(fixed once that entry exists). The page embeds

- the log's trust policy (``policy.txt``: log key, witnesses, quorum) and the anchor
  checkpoint note;
- each entry's leaf (all of them as one zlib-compressed entry bundle, so the
  biggest statement stays below 150 KB) and one *batch inclusion proof* against the
  anchor: the RFC 9162 inclusion paths of all the page's entries merged, less the
  nodes the page's own leaves give (:func:`batch_ranges`);
- for every key that signed one of those entries, the registry's ``FirmKeyAdded``
  (or, for owners' challenges, ``IntakeKeyAdded``)
  leaf with its inclusion path against the first registry checkpoint covering the
  newest of them, the registry's policy and the association's vkey, so the firm's
  signature is checked from the registry alone.

``static/verify.js`` checks all of it (docs/formats.md §8 lists the fields).
Everything here is a pure function of the logs, so pages stay byte-identical between
a full and an incremental publish.
"""

from __future__ import annotations

import base64
import bisect
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from domain.application import StoredCheckpoint
from domain.checkpoint import open_checkpoint
from domain.errors import InclusionProofError, LedgerError, LogIntegrityError
from domain.merkle import hash_children, split_point
from domain.proof_text import TlogProof
from domain.registry import RegistryState
from domain.signing import VerifierKey
from domain.tiles import encode_entry_bundle
from publish.logfiles import TreeHashes, log_policy, proof_path
from publish.source import PublishSource

#: Version of the embedded data's layout (``"v"``); verify.js refuses others.
EMBED_VERSION: Final = 1
#: zlib level: fixed so that the same leaves always give the same bytes.
_ZLIB_LEVEL: Final = 9


def batch_ranges(indices: Sequence[int], size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form the batch inclusion proof of ``indices``.

    Walk the RFC 9162 tree of ``size`` leaves depth first, left to right: a range
    holding none of the (sorted, distinct) ``indices`` contributes its MTH and is not
    entered; a single leaf that is one of them contributes nothing (the verifier
    hashes it). Every range listed is a sibling on some entry's RFC 9162 inclusion
    path, so the proof is those paths merged, less what the leaves themselves give.
    """
    chosen: list[tuple[int, int]] = []

    def walk(low: int, high: int, first: int, last: int) -> None:
        # indices[first:last] are the chosen leaves in [low, high)
        if first == last:
            chosen.append((low, high))
            return
        if high - low == 1:
            return
        middle = low + split_point(high - low)
        cut = bisect.bisect_left(indices, middle, first, last)
        walk(low, middle, first, cut)
        walk(middle, high, cut, last)

    if indices:
        walk(0, size, 0, len(indices))
    return chosen


def root_from_batch_proof(
    leaf_hashes: Mapping[int, bytes], size: int, proof: Sequence[bytes]
) -> bytes:
    """The root the leaves and a batch proof give (what verify.js computes).

    Raises :class:`InclusionProofError` if the proof has too few or too many hashes.
    """
    indices = sorted(leaf_hashes)
    ranges = batch_ranges(indices, size)
    if len(ranges) != len(proof) or not indices or indices[-1] >= size:
        raise InclusionProofError(
            f"a batch proof of {len(indices)} leaves in a tree of {size} has "
            f"{len(ranges)} hashes, not {len(proof)}"
        )
    given = dict(zip(ranges, proof, strict=True))

    def node(low: int, high: int) -> bytes:
        if (low, high) in given:
            return given[(low, high)]
        if high - low == 1:
            return leaf_hashes[low]
        middle = low + split_point(high - low)
        return hash_children(node(low, middle), node(middle, high))

    return node(0, size)


def compress_leaves(leaves: Sequence[bytes]) -> str:
    """base64(zlib(entry bundle of ``leaves``)); bundles hold at most 256 leaves,
    so longer lists are several bundles back to back (the format is the same)."""
    chunks = [
        encode_entry_bundle(leaves[i : i + 256]) for i in range(0, len(leaves), 256)
    ]
    return base64.b64encode(zlib.compress(b"".join(chunks), _ZLIB_LEVEL)).decode(
        "ascii"
    )


class LogEmbedder:
    """Builds the embedded verification data of one log's pages during a publish.

    Caches what every page of the log shares (checkpoints, policy, leaves read so
    far), so a publish reads each of them once. ``leaves`` (origin → index → leaf)
    are leaves the publish has already read, e.g. while writing the log's entry
    bundles (:func:`publish.logfiles.write_log_files`); leaves read later are added
    to the same dictionaries.
    """

    def __init__(
        self,
        ledger: PublishSource,
        origin: str,
        registry: RegistryState,
        *,
        log_url: str,
        registry_url: str,
        site_dir: Path,
        leaves: Mapping[str, dict[int, bytes]] | None = None,
    ) -> None:
        self.ledger = ledger
        self.site_dir = site_dir
        self.origin = origin
        self.registry = registry
        self.log_url = log_url
        self.registry_url = registry_url
        self._checkpoints: dict[str, list[StoredCheckpoint]] = {}
        self._policies: dict[str, str] = {}
        self._leaves: dict[str, dict[int, bytes]] = dict(leaves or {})
        self._cosignatures: dict[str, dict[int, tuple[str, ...]]] = {}
        self._trees: dict[str, TreeHashes] = {}

    # ----------------------------------------------------------------- shared
    def _anchor(self, origin: str, newest_index: int) -> StoredCheckpoint:
        """The first checkpoint of ``origin`` whose tree covers ``newest_index``.

        That is the checkpoint of the entry's published proof file (docs/formats.md
        §7), which this publish has just written or kept: reading it avoids listing
        every checkpoint of the log for each publish. Without it, the log is asked.
        """
        published = self._published_anchor(origin, newest_index)
        if published is not None:
            return published
        checkpoints = self._checkpoints.get(origin)
        if checkpoints is None:
            checkpoints = sorted(
                self.ledger.list_checkpoints(origin), key=lambda c: c.size
            )
            self._checkpoints[origin] = checkpoints
        sizes = [c.size for c in checkpoints]
        position = bisect.bisect_right(sizes, newest_index)
        if position == len(checkpoints):
            raise LogIntegrityError(
                f"no checkpoint of {origin} covers entry {newest_index}"
            )
        return checkpoints[position]

    def _published_anchor(
        self, origin: str, newest_index: int
    ) -> StoredCheckpoint | None:
        folder = self.site_dir / (
            self.log_url if origin == self.origin else self.registry_url
        )
        try:
            text = (folder / proof_path(newest_index)).read_text(encoding="utf-8")
            proof = TlogProof.from_text(text)
            checkpoint, _ = open_checkpoint(
                proof.checkpoint.to_text(),
                VerifierKey.from_vkey(self.ledger.log_vkey(origin)),
            )
        except (OSError, UnicodeDecodeError, LedgerError):
            return None
        if (
            proof.index != newest_index
            or checkpoint.origin != origin
            or checkpoint.size <= newest_index
            or self.ledger.root_at(origin, checkpoint.size) != checkpoint.root
        ):
            return None
        return StoredCheckpoint(
            origin, checkpoint.size, checkpoint.root, proof.checkpoint.to_text()
        )

    def _cosigned(self, checkpoint: StoredCheckpoint) -> str:
        """The checkpoint's note with the witnesses' cosignatures the log kept.

        A page whose anchor gains cosignatures after it was first published is
        rewritten by the next full publish (``shuangshai publish --full``).
        """
        origin = checkpoint.origin
        if origin not in self._cosignatures:
            self._cosignatures[origin] = self.ledger.list_cosignatures(origin)
        return checkpoint.note + "".join(
            self._cosignatures[origin].get(checkpoint.size, ())
        )

    def _policy(self, origin: str) -> str:
        if origin not in self._policies:
            self._policies[origin] = log_policy(
                self.ledger, origin, self.registry
            ).to_text()
        return self._policies[origin]

    def _leaves_of(self, origin: str, indices: Sequence[int]) -> list[bytes]:
        """The leaves at ``indices`` (sorted), read in runs rather than one by one."""
        known = self._leaves.setdefault(origin, {})
        missing = [i for i in indices if i not in known]
        run_start = 0
        for position in range(1, len(missing) + 1):
            if (
                position == len(missing)
                or missing[position] - missing[position - 1] > 32
            ):
                low, high = missing[run_start], missing[position - 1] + 1
                for entry in self.ledger.list_entries(origin, start=low, stop=high):
                    known[entry.index] = entry.leaf
                run_start = position
        return [known[i] for i in indices]

    def _batch_proof(self, origin: str, indices: Sequence[int], size: int) -> str:
        """base64 of the batch proof's hashes (see :func:`batch_ranges`).

        Each is the hash of a range of the tree, read from the log's tiles (one
        :class:`~publish.logfiles.TreeHashes` per log, shared by all its pages).
        """
        tree = self._trees.get(origin)
        if tree is None or tree.size < size:
            latest = self.ledger.get_checkpoint(origin).size
            tree = TreeHashes(self.ledger, origin, max(size, latest))
            self._trees[origin] = tree
        hashes = [
            tree.range_hash(low, high) for low, high in batch_ranges(indices, size)
        ]
        return base64.b64encode(b"".join(hashes)).decode("ascii")

    # ------------------------------------------------------------------ pages
    def page_data(
        self, entries: Sequence[tuple[int, str]], *, page_root: str
    ) -> dict[str, Any]:
        """The embedded object of a page showing ``entries`` (index, key reference),
        in index order. ``page_root`` is the relative path from the page to the site
        root (``../../../../``)."""
        data: dict[str, Any] = {
            "v": EMBED_VERSION,
            "log": self.origin,
            "log_url": page_root + self.log_url,
            "policy": self._policy(self.origin),
            "entries": [index for index, _ in entries],
        }
        if not entries:
            return data
        indices = [index for index, _ in entries]
        anchor = self._anchor(self.origin, indices[-1])
        data |= {
            "checkpoint": self._cosigned(anchor),
            "proof": self._batch_proof(self.origin, indices, anchor.size),
            "leaves": compress_leaves(self._leaves_of(self.origin, indices)),
            "registry": self._registry_data(
                sorted({key for _, key in entries}), page_root
            ),
        }
        return data

    def _registry_data(self, key_refs: list[str], page_root: str) -> dict[str, Any]:
        """The registry entries that register ``key_refs``, proved in the registry log.

        A key the registry does not know is simply absent: verify.js then reports
        the entries it signed as unverifiable (it never takes a key from the page
        itself).
        """
        origin = self.ledger.registry_origin
        registered = {
            ref: key.added_at_index
            for keys in (self.registry.keys, self.registry.intake_keys)
            for ref, key in keys.items()
        }
        indices = sorted({registered[ref] for ref in key_refs if ref in registered})
        data: dict[str, Any] = {
            "log": origin,
            "log_url": page_root + self.registry_url,
            "policy": self._policy(origin),
            "association": self.ledger.association_key.to_vkey(),
            "entries": indices,
        }
        if not indices:
            return data
        anchor = self._anchor(origin, indices[-1])
        data |= {
            "checkpoint": self._cosigned(anchor),
            "proof": self._batch_proof(origin, indices, anchor.size),
            "leaves": compress_leaves(self._leaves_of(origin, indices)),
        }
        return data
