"""The events stored in the event store — the single source of truth (SPEC §2).

Each log is a set of streams, keyed by deterministic ``uuid5`` ids:

- ``<origin>#entries``: one :class:`EntryAppended` per leaf; ``originator_version`` is
  the leaf index + 1, contiguous and conflict-checked by the store's primary key, so it
  is safe to use as the Merkle index (notification ids are not: they have gaps).
- ``<origin>#id/<entry id>``: one :class:`EntryIdClaimed` — makes ``id`` unique per log
  even across processes (the primary key refuses a second claim).
- ``<origin>#reversal/<index>``: one :class:`EntryReversalClaimed` — an entry is
  reversed (红冲) at most once.
- ``<origin>#challenge/<challenge id>``: one :class:`ChallengeTracked` per entry of an
  owner's challenge thread (raised, answered, escalated, closed), version = its place in
  the thread; makes ``challenge_id`` unique per log and a closure final, across
  processes, and lets the intake read a thread without scanning the log.
- ``<origin>#tiles/<level>``: one :class:`TileSealed` per full tile, version = tile
  index + 1; derived from the leaf hashes and stored with the entries that complete it.
- ``<origin>#checkpoints``: one :class:`CheckpointSigned` per signed checkpoint.
- ``<origin>#cosignatures``: one :class:`CheckpointCosigned` per witness cosignature
  the log verified and kept (version = count), at most one per witness and checkpoint.

Everything a batch writes goes in one ``save()``: one transaction, all or nothing.
Fields are JSON-native (str, int, None) so the stored form round-trips exactly.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from eventsourcing.domain import DomainEvent

NAMESPACE = uuid.UUID("3c0372de-745c-543e-8464-6d4c0a562902")  # fixed for all time


@functools.lru_cache(maxsize=4096)
def stream_id(origin: str, stream: str) -> uuid.UUID:
    """The deterministic originator id of one stream of a log.

    Cached: the per-log streams (entries, checkpoints, tiles) are asked for on every
    append, and uuid5 costs a few microseconds each time.
    """
    return uuid.uuid5(NAMESPACE, f"{origin}#{stream}")


@dataclass(frozen=True)
class EntryAppended(DomainEvent):
    """A leaf was appended to a log at ``index`` (= originator_version − 1)."""

    origin: str
    index: int
    leaf: str  # the leaf's JCS text (ASCII)
    leaf_hash: str  # hex RFC 6962 leaf hash
    entry_id: str
    entry_type: str
    key_ref: str
    firm: str | None  # the signing firm (project logs); None on the registry log
    registry_size: int  # registry tree size the authorisation was decided on


@dataclass(frozen=True)
class EntryIdClaimed(DomainEvent):
    """The entry ``id`` of a log is taken by the entry at ``index``."""

    origin: str
    entry_id: str
    index: int
    payload_sha256: str


@dataclass(frozen=True)
class EntryReversalClaimed(DomainEvent):
    """The entry at ``target_index`` was reversed by the entry at ``reversing_index``."""

    origin: str
    target_index: int
    reversing_index: int


@dataclass(frozen=True)
class ChallengeTracked(DomainEvent):
    """The entry at ``index`` is a step of challenge ``challenge_id`` of this log."""

    origin: str
    challenge_id: str
    index: int
    entry_type: str
    detail: str | None  # stage, trigger or closed_by
    accepted_at: str
    role: str  # "intake" or "firm": which kind of key signed it


@dataclass(frozen=True)
class TileSealed(DomainEvent):
    """A full tile of 256 hashes at ``level`` (tree height 8·level) was completed."""

    origin: str
    level: int
    index: int
    hashes: str  # base64 of the 256 concatenated 32-byte hashes
    root: str  # hex root of the tile (a hash of level + 1)


@dataclass(frozen=True)
class CheckpointSigned(DomainEvent):
    """The log signed a checkpoint (C2SP tlog-checkpoint in a signed note)."""

    origin: str
    size: int
    root: str  # hex
    note: str  # the signed note text, exactly as published


@dataclass(frozen=True)
class CheckpointCosigned(DomainEvent):
    """A witness cosigned the checkpoint of ``size`` (c2sp.org/tlog-cosignature).

    Stored only after the log verified it against the witness's registered key.
    """

    origin: str
    size: int
    root: str  # hex, the cosigned checkpoint's root
    witness: str  # the witness's key reference, <name>+<key id>
    cosigned_at: int  # the cosignature's POSIX timestamp
    line: str  # the signature line, "— <name> <base64>\n", as published
