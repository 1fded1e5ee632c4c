"""Tests for domain.entries: submissions, the entry signature message and leaves (SPEC §3).

``make_leaf`` builds the leaf by string formatting for speed; these tests hold it to
``rfc8785.dumps`` of the same dict, for random payloads and signatures. The size
limit is 65,535 bytes; a leaf's length is always 1 mod 4 (every variable part is
base64), so the largest leaf is 65,533 bytes and the next possible one 65,537.
``Leaf.from_bytes`` is the verifier's parser of what ``make_leaf`` writes, so it must
accept exactly those leaves: ``make_leaf(*from_bytes(x)) == x``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.canonical import canonical_bytes
from domain.entries import (
    ENTRY_SIGNATURE_PREFIX,
    LEAF_VERSION,
    MAX_LEAF_BYTES,
    Leaf,
    Submission,
    entry_signature_message,
    format_accepted_at,
    make_leaf,
)
from domain.errors import (
    EntryTooLargeError,
    InvalidSignatureError,
    MalformedSubmissionError,
    NonCanonicalPayloadError,
    VerificationError,
)
from domain.signing import Signer

PROPERTY = settings(max_examples=200, deadline=None, database=None)

SIGNER = Signer.from_seed("hemei-wuye-2026", b"\x02" * 32)
AT = "2026-03-01T01:00:00.000000Z"
PAYLOAD = {
    "v": 1,
    "log": "chengdu.test/p/jinjiang-hemei",
    "id": "e-1",
    "type": "CommonRevenueRecorded",
    "issued_at": "2026-03-01T09:00:00+08:00",
    "key": SIGNER.key_ref,
    "body": {
        "source_id": "lift-ads",
        "amount_fen": 120000,
        "received_on": "2026-02-28",
    },
}
SIG = bytes(range(64))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def leaf_dict(payload: bytes, sig: bytes, accepted_at: str = AT) -> dict[str, Any]:
    return {
        "v": 1,
        "accepted_at": accepted_at,
        "payload": b64(payload),
        "sig": b64(sig),
    }


accepted_times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 30)
).map(lambda moment: format_accepted_at(moment.replace(tzinfo=UTC)))
signatures = st.binary(min_size=64, max_size=64)


# --- the signature message ---------------------------------------------------------
def test_the_signature_message_is_the_prefix_and_the_payload_hash() -> None:
    assert ENTRY_SIGNATURE_PREFIX == b"shuangshai/v1/entry\n"
    message = entry_signature_message(b'{"a":1}')
    assert message == b"shuangshai/v1/entry\n" + hashlib.sha256(b'{"a":1}').digest()
    assert len(message) == len(ENTRY_SIGNATURE_PREFIX) + 32


def test_submission_sign_signs_the_canonical_payload() -> None:
    submission = Submission.sign(PAYLOAD, SIGNER)
    assert submission.payload_bytes == canonical_bytes(PAYLOAD)
    assert submission.parse_payload() == PAYLOAD
    SIGNER.verifier().verify(
        signature=submission.signature,
        message=entry_signature_message(submission.payload_bytes),
    )


def test_a_signature_over_one_payload_does_not_verify_another() -> None:
    submission = Submission.sign(PAYLOAD, SIGNER)
    other = canonical_bytes({**PAYLOAD, "id": "e-2"})
    with pytest.raises(InvalidSignatureError):
        SIGNER.verifier().verify(
            signature=submission.signature, message=entry_signature_message(other)
        )


def test_the_signature_does_not_cover_the_bare_payload() -> None:
    # Domain separation: the signature is over prefix || SHA-256(payload) only.
    submission = Submission.sign(PAYLOAD, SIGNER)
    with pytest.raises(InvalidSignatureError):
        SIGNER.verifier().verify(
            signature=submission.signature, message=submission.payload_bytes
        )


def test_parse_payload_refuses_non_canonical_payload_bytes() -> None:
    submission = Submission(json.dumps(PAYLOAD).encode(), SIG)
    with pytest.raises(NonCanonicalPayloadError) as caught:
        submission.parse_payload()
    assert caught.value.pointer == "/payload"


# --- Submission JSON -----------------------------------------------------------------
@PROPERTY
@given(payload=st.binary(max_size=300), sig=signatures)
def test_submission_json_round_trips(payload: bytes, sig: bytes) -> None:
    submission = Submission(payload, sig)
    value = submission.to_json()
    assert value == {"payload": b64(payload), "sig": b64(sig)}
    assert Submission.from_json(value) == submission
    assert Submission.from_json(json.loads(json.dumps(value))).to_json() == value


def assert_malformed(value: object, pointer: str, match: str | None = None) -> None:
    with pytest.raises(MalformedSubmissionError, match=match) as caught:
        Submission.from_json(value)
    assert caught.value.pointer == pointer


@pytest.mark.parametrize("value", [None, [], "x", 1, [["payload", "sig"]]])
def test_submission_from_json_refuses_a_non_object(value: object) -> None:
    assert_malformed(value, "", "must be a JSON object")


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [("note", "/note"), ("Payload", "/Payload"), ("aaa", "/aaa"), ("zzz", "/zzz")],
)
def test_submission_from_json_refuses_an_extra_field_by_its_pointer(
    extra: str, pointer: str
) -> None:
    value = {"payload": b64(b"{}"), "sig": b64(SIG), extra: "x"}
    assert_malformed(value, pointer, "unknown field")


def test_submission_from_json_names_the_first_extra_field_in_sorted_order() -> None:
    value = {"payload": b64(b"{}"), "sig": b64(SIG), "z": 1, "b": 2, "m": 3}
    assert_malformed(value, "/b")


@pytest.mark.parametrize(
    ("extra", "pointer"), [("a/b", "/a~1b"), ("m~n", "/m~0n"), ("", "/")]
)
def test_submission_from_json_escapes_an_extra_field_name_in_its_pointer(
    extra: str, pointer: str
) -> None:
    # RFC 6901: "/" and "~" in a member name are written ~1 and ~0.
    value = {"payload": b64(b"{}"), "sig": b64(SIG), extra: "x"}
    assert_malformed(value, pointer, "unknown field")


@pytest.mark.parametrize("field", ["payload", "sig"])
@pytest.mark.parametrize("bad", [None, 1, ["AAAA"], {"b64": "AAAA"}, b"AAAA"])
def test_submission_from_json_refuses_a_missing_or_non_string_field(
    field: str, bad: object
) -> None:
    value: dict[str, Any] = {"payload": b64(b"{}"), "sig": b64(SIG)}
    if bad is None:
        del value[field]
    else:
        value[field] = bad
    assert_malformed(value, f"/{field}", "base64 string")


@pytest.mark.parametrize("field", ["payload", "sig"])
@pytest.mark.parametrize(
    "bad",
    [
        "e30",  # missing padding
        "e30==",  # too much padding
        "e3 0=",  # a space
        "e30=\n",  # a newline
        "e3-0",  # base64url alphabet
        "e3_0",
        "e30=e30=",  # data after padding
        "ｅ30=",  # non-ASCII
        "=",
    ],
)
def test_submission_from_json_refuses_bad_base64_at_its_pointer(
    field: str, bad: str
) -> None:
    value = {"payload": b64(b"{}"), "sig": b64(SIG), field: bad}
    assert_malformed(value, f"/{field}", "not valid base64")


@pytest.mark.parametrize("length", [0, 1, 32, 63, 65, 128])
def test_submission_from_json_refuses_a_signature_that_is_not_64_bytes(
    length: int,
) -> None:
    value = {"payload": b64(b"{}"), "sig": b64(bytes(length))}
    assert_malformed(value, "/sig", f"got {length} bytes")


def test_submission_from_json_checks_payload_before_sig() -> None:
    assert_malformed({"payload": "!", "sig": "!"}, "/payload")


def test_submission_from_json_accepts_an_empty_payload_for_later_rejection() -> None:
    submission = Submission.from_json({"payload": "", "sig": b64(SIG)})
    assert submission.payload_bytes == b""
    with pytest.raises(NonCanonicalPayloadError):
        submission.parse_payload()


# --- accepted_at ---------------------------------------------------------------------
def test_format_accepted_at_writes_utc_with_microseconds_and_z() -> None:
    moment = datetime(2026, 3, 1, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    assert format_accepted_at(moment) == "2026-03-01T01:00:00.000005Z"
    assert format_accepted_at(datetime(2026, 3, 1, 1, tzinfo=UTC)) == AT


@PROPERTY
@given(a=accepted_times, b=accepted_times)
def test_accepted_at_sorts_as_text_in_time_order(a: str, b: str) -> None:
    as_time = [datetime.strptime(x, "%Y-%m-%dT%H:%M:%S.%fZ") for x in (a, b)]
    assert (a < b) == (as_time[0] < as_time[1])


# --- make_leaf -----------------------------------------------------------------------
def test_make_leaf_is_the_jcs_leaf_of_spec_section_3() -> None:
    submission = Submission(b'{"a":1}', SIG)
    leaf = make_leaf(submission, AT)
    assert leaf == (
        b'{"accepted_at":"2026-03-01T01:00:00.000000Z","payload":"eyJhIjoxfQ==",'
        b'"sig":"' + b64(SIG).encode() + b'","v":1}'
    )
    assert leaf == rfc8785.dumps(leaf_dict(b'{"a":1}', SIG))
    assert LEAF_VERSION == 1


@PROPERTY
@given(payload=st.binary(max_size=2000), sig=signatures, accepted_at=accepted_times)
def test_make_leaf_equals_rfc8785_of_the_same_dict(
    payload: bytes, sig: bytes, accepted_at: str
) -> None:
    leaf = make_leaf(Submission(payload, sig), accepted_at)
    assert leaf == rfc8785.dumps(leaf_dict(payload, sig, accepted_at))


@PROPERTY
@given(
    payload=st.dictionaries(st.text(), st.text() | st.integers(-99, 99)), sig=signatures
)
def test_make_leaf_equals_rfc8785_for_canonical_payloads(
    payload: dict[str, Any], sig: bytes
) -> None:
    payload_bytes = canonical_bytes(payload)
    leaf = make_leaf(Submission(payload_bytes, sig), AT)
    assert leaf == rfc8785.dumps(leaf_dict(payload_bytes, sig))


FIXED = len(make_leaf(Submission(b"", SIG), AT))  # 161 bytes around the payload
#: The largest payload whose leaf fits: base64 grows 4 characters per 3 bytes.
MAX_PAYLOAD = (MAX_LEAF_BYTES - FIXED) // 4 * 3


def test_the_leaf_overhead_and_largest_payload_are_as_documented() -> None:
    assert FIXED == 161
    assert MAX_PAYLOAD == 49_029
    assert len(make_leaf(Submission(bytes(MAX_PAYLOAD), SIG), AT)) == 65_533


def test_make_leaf_accepts_the_largest_leaf_under_the_limit() -> None:
    leaf = make_leaf(Submission(bytes(MAX_PAYLOAD), SIG), AT)
    assert len(leaf) <= MAX_LEAF_BYTES == 65_535
    assert Leaf.from_bytes(leaf).submission.payload_bytes == bytes(MAX_PAYLOAD)


def test_make_leaf_refuses_one_payload_byte_more() -> None:
    with pytest.raises(EntryTooLargeError, match="65537 bytes") as caught:
        make_leaf(Submission(bytes(MAX_PAYLOAD + 1), SIG), AT)
    assert caught.value.pointer == "/payload"


@pytest.mark.parametrize("payload_size", range(MAX_PAYLOAD - 6, MAX_PAYLOAD + 7))
def test_make_leaf_accepts_a_leaf_exactly_when_it_fits_in_65535_bytes(
    payload_size: int,
) -> None:
    submission = Submission(bytes(payload_size), SIG)
    size = FIXED + 4 * -(-payload_size // 3)
    assert size % 4 == 1  # so 65,535 and 65,536 themselves never occur
    if size <= 65_535:
        assert len(make_leaf(submission, AT)) == size
    else:
        with pytest.raises(EntryTooLargeError, match=f"{size} bytes"):
            make_leaf(submission, AT)


def test_make_leaf_counts_the_limit_with_any_signature_length() -> None:
    # The limit is on the whole leaf: a longer (malformed) signature costs room too.
    with pytest.raises(EntryTooLargeError):
        make_leaf(Submission(bytes(MAX_PAYLOAD), bytes(67)), AT)


# --- Leaf.from_bytes -----------------------------------------------------------------
@PROPERTY
@given(payload=st.binary(max_size=500), sig=signatures, accepted_at=accepted_times)
def test_leaf_from_bytes_round_trips_make_leaf(
    payload: bytes, sig: bytes, accepted_at: str
) -> None:
    submission = Submission(payload, sig)
    data = make_leaf(submission, accepted_at)
    leaf = Leaf.from_bytes(data)
    assert leaf == Leaf(accepted_at, submission)
    assert make_leaf(leaf.submission, leaf.accepted_at) == data


def assert_bad_leaf(data: bytes, match: str | None = None) -> None:
    with pytest.raises(VerificationError, match=match):
        Leaf.from_bytes(data)


def test_leaf_from_bytes_refuses_non_canonical_json() -> None:
    good = leaf_dict(b"{}", SIG)
    assert_bad_leaf(json.dumps(good).encode(), "not canonical")
    assert_bad_leaf(json.dumps(good, sort_keys=True).encode(), "not canonical")
    assert_bad_leaf(b"\xff", "not canonical")
    assert_bad_leaf(b"[]", "not canonical")
    assert_bad_leaf(b"", "not canonical")


@pytest.mark.parametrize(
    "change",
    [
        {"v": 2},
        {"v": "1"},
        {"v": None},
        {"v": 0},
        {"extra": 1},
        {"payload": None},
    ],
    ids=repr,
)
def test_leaf_from_bytes_refuses_wrong_fields_or_version(
    change: dict[str, Any],
) -> None:
    value = {**leaf_dict(b"{}", SIG), **change}
    value = {key: item for key, item in value.items() if item is not None}
    assert_bad_leaf(rfc8785.dumps(value), "exactly v, accepted_at, payload, sig")


def test_leaf_from_bytes_refuses_a_float_version() -> None:
    data = make_leaf(Submission(b"{}", SIG), AT)
    assert data.endswith(b'"v":1}')
    assert_bad_leaf(data[: -len(b"1}")] + b"1.0}", "no floats")


@pytest.mark.parametrize("accepted_at", [1, None, ["x"], {"t": "x"}])
def test_leaf_from_bytes_refuses_a_non_string_accepted_at(accepted_at: object) -> None:
    value = {**leaf_dict(b"{}", SIG), "accepted_at": accepted_at}
    assert_bad_leaf(rfc8785.dumps(value), "accepted_at is not a string")


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("payload", "e30"),
        ("payload", 7),
        ("sig", b64(bytes(63))),
        ("sig", "!!"),
        ("sig", ""),
    ],
)
def test_leaf_from_bytes_refuses_a_malformed_submission(
    field: str, bad: object
) -> None:
    value = {**leaf_dict(b"{}", SIG), field: bad}
    assert_bad_leaf(rfc8785.dumps(value), "malformed submission")


def test_leaf_from_bytes_raises_only_verification_errors() -> None:
    for data in (b"\x00", b"{", b'{"a":1.5}', b'{"a":"\\ud800"}', b"[" * 5000):
        with pytest.raises(VerificationError):
            Leaf.from_bytes(data)


# Leaves that make_leaf never writes, which Leaf.from_bytes accepted: the parser and
# the serialiser disagree, so one (accepted_at, submission) had several leaf
# encodings (and leaf hashes), and make_leaf(from_bytes(x)) could raise a bare
# ValueError or return other bytes.
@pytest.mark.parametrize(
    "value",
    [
        pytest.param({**leaf_dict(b"{}", SIG), "v": True}, id="v-true"),
        pytest.param(leaf_dict(b"{}", SIG, "yesterday"), id="accepted-at-free-text"),
        pytest.param(
            leaf_dict(b"{}", SIG, "2026-03-01T09:00:00+08:00"), id="accepted-at-offset"
        ),
        pytest.param(
            leaf_dict(b"{}", SIG, "2026-03-01T01:00:00Z"), id="accepted-at-no-micros"
        ),
        pytest.param(
            {**leaf_dict(b"{}", SIG), "payload": "e31="},  # "e30=" with pad bits
            id="payload-non-canonical-base64",
        ),
        pytest.param(
            {**leaf_dict(b"{}", SIG), "sig": b64(SIG)[:-3] + "x=="},  # was "w=="
            id="sig-non-canonical-base64",
        ),
    ],
)
def test_leaf_from_bytes_refuses_leaves_make_leaf_never_writes(
    value: dict[str, Any],
) -> None:
    data = rfc8785.dumps(value)
    with pytest.raises(VerificationError):
        Leaf.from_bytes(data)
