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

import dataclasses
import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

NAMESPACE = uuid.UUID("3c0372de-745c-543e-8464-6d4c0a562902")  # fixed for all time


_NAMESPACE_BYTES = NAMESPACE.bytes
_UUID5_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))  # variant and version bits
_UUID5_SET = (0x8000 << 48) | (5 << 76)  # RFC 4122 variant, version 5


@functools.lru_cache(maxsize=4096)
def stream_id(origin: str, stream: str) -> uuid.UUID:
    """The deterministic originator id of one stream of a log.

    Cached: the per-log streams (entries, checkpoints, tiles) are asked for on every
    append. Streams named once (an entry id's claim) use :func:`unique_stream_id`.
    """
    return unique_stream_id(origin, stream)


def unique_stream_id(origin: str, stream: str) -> uuid.UUID:
    """``uuid.uuid5(NAMESPACE, f"{origin}#{stream}")``, computed without the cache.

    The same bits as the standard library's uuid5 (a test compares them), built in
    one step: its constructor's checks cost more than the SHA-1.
    """
    name = f"{origin}#{stream}".encode()
    value = int.from_bytes(
        hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16],
        "big",
    )
    return uuid.UUID(int=(value & _UUID5_CLEAR) | _UUID5_SET)


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


class EventEncoder:
    """Writes the two events of every entry straight to eventsourcing's StoredEvent.

    The result is exactly what eventsourcing's ``Mapper.to_stored_event`` writes for
    the same event object (``tests/domain/test_events.py`` compares them byte for
    byte), without building the frozen dataclass and going through the generic
    mapping first: for an entry those two steps cost more than its JSON. The fields
    must be given in the dataclass's order and by their names; anything else is a
    programming error and raises at once, so a stored event always reads back.
    """

    def __init__(self, mapper: Mapper[uuid.UUID]) -> None:
        self._mapper = mapper
        self._fields: dict[type[DomainEvent], tuple[str, ...]] = {}

    def encode(
        self,
        cls: type[DomainEvent],
        originator_id: uuid.UUID | str,
        originator_version: int,
        timestamp: datetime,
        **state: object,
    ) -> StoredEvent:
        names = self._fields.get(cls)
        if names is None:
            names = self._fields[cls] = _state_fields(cls)
        if tuple(state) != names:
            raise TypeError(
                f"{cls.__name__} has the fields {names}, not {tuple(state)}"
            )
        mapper = self._mapper
        document = mapper.transcoder.encode({"timestamp": timestamp, **state})
        if mapper.compressor is not None:
            document = mapper.compressor.compress(document)
        if mapper.cipher is not None:
            document = mapper.cipher.encrypt(document)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(cls),
            state=document,
        )

    def decode_state(self, document: bytes) -> dict[str, Any]:
        """The state :meth:`encode` wrote, read back without building the event
        (for rows whose text key eventsourcing would not read as a UUID)."""
        mapper = self._mapper
        if mapper.cipher is not None:
            document = mapper.cipher.decrypt(document)
        if mapper.compressor is not None:
            document = mapper.compressor.decompress(document)
        state: dict[str, Any] = mapper.transcoder.decode(document)
        return state


def _state_fields(cls: type[DomainEvent]) -> tuple[str, ...]:
    """The fields the mapper writes after ``timestamp`` for events of ``cls``."""
    if getattr(cls, "class_version", 1) > 1:
        raise TypeError(f"{cls.__name__} is versioned: write it through the mapper")
    skipped = {"originator_id", "originator_version", "timestamp"}
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in skipped)
