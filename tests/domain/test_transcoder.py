"""The ledger's faster transcoder writes what eventsourcing's own JSON transcoder reads.

Events stored before the switch, and by any tool using the stock transcoder, must read
back identically, and the other way round; a field type that orjson would write
differently (a UUID, say) would show up here as an event that does not round-trip.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)

from domain.events import (
    CheckpointSigned,
    EntryAppended,
    EntryIdClaimed,
    EntryReversalClaimed,
    TileSealed,
    stream_id,
)
from domain.transcoder import FastJSONTranscoder

ORIGIN = "chengdu.test/p/jinjiang-hemei"
NOW = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)

EVENTS: list[DomainEvent] = [
    EntryAppended(
        originator_id=stream_id(ORIGIN, "entries"),
        originator_version=1,
        timestamp=NOW,
        origin=ORIGIN,
        index=0,
        leaf='{"accepted_at":"2026-03-01T01:02:03.456789Z","payload":"eyJ9","sig":"AA==","v":1}',
        leaf_hash="ab" * 32,
        entry_id="e-1 公共收益",
        entry_type="CommonRevenueRecorded",
        key_ref="hemei-wuye+0a0b0c0d",
        firm=None,
        registry_size=4,
    ),
    EntryIdClaimed(
        originator_id=stream_id(ORIGIN, "id/e-1"),
        originator_version=1,
        timestamp=NOW,
        origin=ORIGIN,
        entry_id="e-1\u2028",
        index=2**53 - 1,
        payload_sha256="cd" * 32,
    ),
    EntryReversalClaimed(
        originator_id=stream_id(ORIGIN, "reversal/0"),
        originator_version=1,
        timestamp=NOW,
        origin=ORIGIN,
        target_index=0,
        reversing_index=1,
    ),
    TileSealed(
        originator_id=stream_id(ORIGIN, "tiles/0"),
        originator_version=1,
        timestamp=NOW,
        origin=ORIGIN,
        level=0,
        index=0,
        hashes="AAAA",
        root="ef" * 32,
    ),
    CheckpointSigned(
        originator_id=stream_id(ORIGIN, "checkpoints"),
        originator_version=1,
        timestamp=NOW,
        origin=ORIGIN,
        size=1,
        root="01" * 32,
        note=f"{ORIGIN}\n1\nAQ==\n\n— {ORIGIN} AAAA\n",
    ),
]


def _stock() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


def _fast() -> FastJSONTranscoder:
    transcoder = FastJSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_reads_back_the_same_whichever_transcoder_wrote_it(
    event: DomainEvent,
) -> None:
    fast: Mapper[UUID] = Mapper(transcoder=_fast())
    stock: Mapper[UUID] = Mapper(transcoder=_stock())
    for writer in (fast, stock):
        stored = writer.to_stored_event(event)
        for reader in (fast, stock):
            assert reader.to_domain_event(stored) == event


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_both_transcoders_write_the_same_json_document(event: DomainEvent) -> None:
    fast: Mapper[UUID] = Mapper(transcoder=_fast())
    stock: Mapper[UUID] = Mapper(transcoder=_stock())
    written = [m.to_stored_event(event).state for m in (fast, stock)]
    assert json.loads(written[0]) == json.loads(written[1])


def test_what_orjson_cannot_write_falls_back_to_the_standard_encoder() -> None:
    value = {"big": 2**70, "when": NOW, "id": UUID(int=7)}
    assert _fast().decode(_fast().encode(value)) == value


def test_a_reused_datetime_is_written_as_its_own_value_every_time() -> None:
    """The cached form of the last datetime is reused only for that very object."""
    fast, stock = _fast(), _stock()
    later = datetime(2026, 3, 1, 1, 2, 4, tzinfo=UTC)
    equal_but_other = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)
    for value in (NOW, NOW, later, NOW, equal_but_other, later, {"t": [NOW, later]}):
        document = {"timestamp": value, "n": 1}
        assert json.loads(fast.encode(document)) == json.loads(stock.encode(document))
        assert fast.decode(fast.encode(document)) == document
