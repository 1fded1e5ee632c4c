"""Stream ids are uuid5 of ``<origin>#<stream>`` — fixed for all time, so stores
written by any version read the same streams."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, Mapper, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from domain.events import (
    NAMESPACE,
    EntryAppended,
    EntryIdClaimed,
    EventEncoder,
    stream_id,
    unique_stream_id,
)
from domain.transcoder import FastJSONTranscoder


@given(st.text(), st.text())
def test_unique_stream_id_is_the_standard_uuid5(origin: str, stream: str) -> None:
    try:
        expected = uuid.uuid5(NAMESPACE, f"{origin}#{stream}")
    except UnicodeEncodeError:  # lone surrogates: neither accepts them
        with pytest.raises(UnicodeEncodeError):
            unique_stream_id(origin, stream)
        return
    assert unique_stream_id(origin, stream) == expected
    assert stream_id(origin, stream) == expected
    assert unique_stream_id(origin, stream).version == 5


def test_a_known_stream_id_never_changes() -> None:
    assert stream_id("chengdu.example/registry", "entries") == uuid.UUID(
        "80cc4e98-a988-50e8-9e88-c0b0ca9f5870"
    )
    assert str(NAMESPACE) == "3c0372de-745c-543e-8464-6d4c0a562902"


def _mapper() -> Mapper[uuid.UUID]:
    transcoder = FastJSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_SAFE = st.integers(min_value=0, max_value=2**53 - 1)
_WHEN = st.datetimes(timezones=st.just(UTC))


@given(
    st.builds(
        EntryAppended,
        originator_id=st.uuids(),
        originator_version=st.integers(min_value=1, max_value=2**53),
        timestamp=_WHEN,
        origin=_TEXT,
        index=_SAFE,
        leaf=_TEXT,
        leaf_hash=_TEXT,
        entry_id=_TEXT,
        entry_type=_TEXT,
        key_ref=_TEXT,
        firm=st.none() | _TEXT,
        registry_size=_SAFE,
    )
    | st.builds(
        EntryIdClaimed,
        originator_id=st.uuids(),
        originator_version=st.integers(min_value=1, max_value=2**53),
        timestamp=_WHEN,
        origin=_TEXT,
        entry_id=_TEXT,
        index=_SAFE,
        payload_sha256=_TEXT,
    )
)
def test_the_encoder_writes_what_the_mapper_writes(event: DomainEvent) -> None:
    mapper = _mapper()
    state: dict[str, Any] = dict(vars(event))
    encoded = EventEncoder(mapper).encode(
        type(event),
        state.pop("originator_id"),
        state.pop("originator_version"),
        state.pop("timestamp"),
        **state,
    )
    assert encoded == mapper.to_stored_event(event)
    assert mapper.to_domain_event(encoded) == event


def test_the_encoder_refuses_fields_out_of_order_or_misnamed() -> None:
    encoder = EventEncoder(_mapper())
    common: dict[str, Any] = {
        "originator_id": uuid.uuid4(),
        "originator_version": 1,
        "timestamp": datetime(2026, 1, 1, tzinfo=UTC),
    }
    with pytest.raises(TypeError, match="fields"):
        encoder.encode(
            EntryIdClaimed,
            **common,
            entry_id="a",
            origin="o",
            index=0,
            payload_sha256="x",
        )
    with pytest.raises(TypeError, match="fields"):
        encoder.encode(
            EntryIdClaimed, **common, origin="o", entry_id="a", index=0, sha="x"
        )
