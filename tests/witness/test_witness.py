"""The witness's rules (domain/witness.py): c2sp.org/tlog-witness add-checkpoint.

Known answers: the request and response examples of the tlog-witness spec, and a
real checkpoint of transparency.dev's arche2025h1 staging log (tests/vectors/note).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.checkpoint import verify_cosignature
from domain.errors import (
    ConsistencyProofError,
    EquivocationError,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    MalformedWitnessRequestError,
    UnknownLogError,
    UntrustedCheckpointError,
    WitnessSizeConflictError,
)
from domain.note import NoteSignature, SignedNote
from domain.signing import Signer, b64encode
from domain.witness import (
    AddCheckpointRequest,
    MemoryWitness,
    WitnessState,
    add_checkpoint,
    parse_cosignature_lines,
    parse_size_response,
)
from tests.witness.helpers import CLOCK, T0, FakeLog, trusting, witness_signer

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "note"
REAL = json.loads((VECTORS / "real_world.json").read_text(encoding="utf-8"))[
    "checkpoint"
]
WITNESS = witness_signer()

#: c2sp.org/tlog-witness, "Example request body" and "Example response body".
SPEC_REQUEST = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)
SPEC_RESPONSE = (
    "— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
    "— witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n"
    "— witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n"
)


def cosign(
    state: WitnessState, request: AddCheckpointRequest, at: int = T0
) -> WitnessState:
    return add_checkpoint(state, request, WITNESS, timestamp=at).state


# --- codecs ------------------------------------------------------------------------
def test_the_spec_s_example_request_parses_and_round_trips() -> None:
    request = AddCheckpointRequest.from_bytes(SPEC_REQUEST.encode())
    assert request.old_size == 20852014
    assert len(request.proof) == 4
    assert b64encode(request.proof[0]) == "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw="
    assert request.checkpoint.startswith("example.com/behind-the-sofa\n20852163\n")
    assert request.to_bytes() == SPEC_REQUEST.encode()


def test_the_spec_s_example_response_parses_into_three_cosignature_lines() -> None:
    lines = parse_cosignature_lines(SPEC_RESPONSE.encode())
    assert [line.name for line in lines] == [
        "witness.example/w1",
        "witness.example/w1",
        "witness.example/w2",
    ]
    assert "".join(line.to_line() for line in lines) == SPEC_RESPONSE


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"old 1\nAAAA\n", "no blank line"),
        (b"new 1\n\nx\n", "'old <size>'"),
        (b"old 01\n\nx\n", "leading zeros"),
        (b"old -1\n\nx\n", "leading zeros"),
        (b"old 1\nnot base64!\n\nx\n", "proof line 1 is not valid base64"),
        (b"old 1\nAAAA\n\nx\n", "not a 32-byte hash"),
        (b"old 0\n\n", "no checkpoint"),
        (b"old 0\n\n\xff\n", "not valid UTF-8"),
        (
            (
                "old 1\n"
                + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64
                + "\nx\n"
            ).encode(),
            "at most 63",
        ),
        (b"old 0\n\n" + b"x" * 70_000, "at most"),
    ],
)
def test_a_malformed_request_is_refused_naming_what_is_wrong(
    body: bytes, message: str
) -> None:
    with pytest.raises(MalformedWitnessRequestError, match=message):
        AddCheckpointRequest.from_bytes(body)


def test_a_size_answer_is_a_decimal_and_a_newline() -> None:
    assert parse_size_response(b"4711\n") == 4711
    for bad in (b"4711", b"04\n", b"x\n", b"\xff\n"):
        with pytest.raises(MalformedWitnessRequestError):
            parse_size_response(bad)


def test_the_state_round_trips_through_json() -> None:
    log = FakeLog().grow(5)
    state = cosign(trusting(log), log.request(0))
    again = WitnessState.from_json(json.loads(json.dumps(state.to_json())))
    assert again == state
    assert again.logs[log.origin].size == 5
    assert again.logs[log.origin].checkpoint == log.note()


def test_a_state_file_with_a_bad_log_is_refused() -> None:
    log = FakeLog()
    document = trusting(log).to_json()
    document[log.origin]["size"] = -1
    with pytest.raises(MalformedNoteError, match="non-negative"):
        WitnessState.from_json(document)
    with pytest.raises(MalformedNoteError, match="JSON object"):
        WitnessState.from_json([])


# --- trusting logs -------------------------------------------------------------------
def test_trusting_a_log_again_with_the_same_key_changes_nothing() -> None:
    log = FakeLog()
    state = trusting(log)
    assert state.trust_log(log.vkey) is state


def test_a_second_key_for_a_witnessed_origin_is_refused() -> None:
    state = trusting(FakeLog())
    with pytest.raises(EquivocationError, match="already follows"):
        state.trust_log(FakeLog(seed=8).vkey)


def test_a_witness_key_cannot_be_trusted_as_a_log_key() -> None:
    with pytest.raises(MalformedKeyError, match="Ed25519"):
        WitnessState().trust_log(
            Signer.from_seed("chengdu.test/p/x", bytes(32), alg=WITNESS.alg).vkey
        )


# --- cosigning ------------------------------------------------------------------------
def test_the_witness_cosigns_a_consistent_series_of_checkpoints() -> None:
    log = FakeLog()
    state = trusting(log)
    old = 0
    for step, count in enumerate((1, 2, 5, 1, 250, 3, 0)):
        log.grow(count)
        cosigned = add_checkpoint(state, log.request(old), WITNESS, timestamp=T0 + step)
        note = SignedNote.from_text(log.note()).with_signatures(cosigned.cosignature)
        assert verify_cosignature(note, WITNESS.verifier()) == T0 + step
        assert cosigned.response_body() == cosigned.cosignature.to_line()
        state, old = cosigned.state, log.size
        assert state.logs[log.origin].size == log.size
        assert state.logs[log.origin].root == log.root()


def test_the_cosignature_line_is_a_tlog_cosignature_of_the_log_signed_text() -> None:
    log = FakeLog().grow(3)
    cosigned = add_checkpoint(trusting(log), log.request(0), WITNESS, timestamp=T0)
    line = NoteSignature.from_line(cosigned.response_body())
    assert (line.name, line.key_id) == (WITNESS.name, WITNESS.key_id)
    assert int.from_bytes(line.signature[:8], "big") == T0
    assert len(line.signature) == 72


def test_signatures_by_other_keys_on_the_checkpoint_are_ignored() -> None:
    log = FakeLog().grow(2)
    stranger = Signer.from_seed("someone.else", bytes([9]) * 32)
    note = SignedNote.from_text(log.note())
    extra = NoteSignature(stranger.name, stranger.key_id, bytes(64))
    request = AddCheckpointRequest(0, (), note.with_signatures(extra).to_text())
    state = cosign(trusting(log), request)
    assert state.logs[log.origin].checkpoint == log.note()  # only the log's line kept


def test_a_real_log_s_checkpoint_is_cosigned_by_a_witness_that_trusts_its_key() -> None:
    state = WitnessState().trust_log(REAL["log_vkey"])
    request = AddCheckpointRequest(0, (), REAL["note"])
    cosigned = add_checkpoint(state, request, WITNESS, timestamp=T0)
    assert cosigned.checkpoint.size == REAL["size"]
    assert cosigned.state.logs[REAL["origin"]].size == REAL["size"]


def test_the_same_checkpoint_again_is_cosigned_again() -> None:
    log = FakeLog().grow(4)
    state = cosign(trusting(log), log.request(0))
    again = add_checkpoint(state, log.request(4), WITNESS, timestamp=T0 + 60)
    assert again.state == state
    assert int.from_bytes(again.cosignature.signature[:8], "big") == T0 + 60


def test_the_in_memory_witness_applies_the_same_rules() -> None:
    log = FakeLog().grow(3)
    witness = MemoryWitness(WITNESS, trusting(log))
    witness.add_checkpoint(log.request(0), clock=CLOCK)
    log.grow(2)
    with pytest.raises(WitnessSizeConflictError):
        witness.add_checkpoint(log.request(0), clock=CLOCK)
    witness.add_checkpoint(log.request(3), clock=CLOCK)
    assert witness.state.logs[log.origin].size == 5


# --- refusals (none changes the state: add_checkpoint returns a new one) ------------
def test_an_unknown_origin_is_refused() -> None:
    log = FakeLog().grow(1)
    with pytest.raises(UnknownLogError, match="does not witness"):
        add_checkpoint(WitnessState(), log.request(0), WITNESS, timestamp=T0)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    log = FakeLog().grow(2)
    impostor = FakeLog(seed=99).grow(2)  # same origin, another key
    with pytest.raises(UntrustedCheckpointError, match="no valid signature"):
        add_checkpoint(trusting(log), impostor.request(0), WITNESS, timestamp=T0)


def test_a_checkpoint_whose_signature_was_tampered_with_is_refused() -> None:
    log = FakeLog().grow(2)
    tampered = log.note().replace(f"\n{2}\n", "\n3\n", 1)
    request = AddCheckpointRequest(0, (), tampered)
    with pytest.raises(UntrustedCheckpointError):
        add_checkpoint(trusting(log), request, WITNESS, timestamp=T0)


def test_a_malformed_checkpoint_is_refused() -> None:
    request = AddCheckpointRequest(0, (), "not a note\n")
    with pytest.raises(MalformedCheckpointError):
        add_checkpoint(trusting(FakeLog()), request, WITNESS, timestamp=T0)


def test_a_wrong_old_size_is_a_conflict_carrying_the_witness_s_size() -> None:
    log = FakeLog().grow(5)
    state = cosign(trusting(log), log.request(0))
    log.grow(3)
    for old in (0, 4, 6):
        with pytest.raises(WitnessSizeConflictError) as caught:
            add_checkpoint(state, log.request(old), WITNESS, timestamp=T0)
        assert caught.value.context["size"] == 5


def test_an_old_size_beyond_the_checkpoint_is_malformed() -> None:
    log = FakeLog().grow(5)
    state = cosign(trusting(log), log.request(0))
    request = AddCheckpointRequest(5, (), log.note(3))
    with pytest.raises(MalformedWitnessRequestError, match="larger than"):
        add_checkpoint(state, request, WITNESS, timestamp=T0)


def test_a_smaller_checkpoint_after_a_larger_one_is_never_cosigned() -> None:
    log = FakeLog().grow(5)
    state = cosign(trusting(log), log.request(0))
    with pytest.raises(WitnessSizeConflictError):
        add_checkpoint(state, log.request(0, size=3), WITNESS, timestamp=T0)


def test_a_bad_consistency_proof_is_refused() -> None:
    log = FakeLog().grow(5)
    state = cosign(trusting(log), log.request(0))
    log.grow(4)
    good = log.request(5)
    for bad_proof in (
        (),
        good.proof[:-1],
        (bytes(32), *good.proof[1:]),
        (*good.proof, bytes(32)),
    ):
        request = AddCheckpointRequest(5, bad_proof, good.checkpoint)
        with pytest.raises(ConsistencyProofError):
            add_checkpoint(state, request, WITNESS, timestamp=T0)


def test_a_proof_is_refused_when_the_old_size_is_zero() -> None:
    log = FakeLog().grow(5)
    request = AddCheckpointRequest(0, (bytes(32),), log.note())
    with pytest.raises(ConsistencyProofError, match="empty"):
        add_checkpoint(trusting(log), request, WITNESS, timestamp=T0)


def test_a_fork_at_the_same_size_is_refused_as_equivocation_naming_both_roots() -> None:
    log = FakeLog().grow(6)
    fork = log.fork(at=4)
    assert fork.root() != log.root()
    state = cosign(trusting(log), log.request(0))
    with pytest.raises(EquivocationError) as caught:
        add_checkpoint(
            state, AddCheckpointRequest(6, (), fork.note()), WITNESS, timestamp=T0
        )
    message = caught.value.detail
    assert b64encode(log.root()) in message
    assert b64encode(fork.root()) in message
    assert caught.value.context["witnessed"] == log.note()
    assert caught.value.context["presented"] == fork.note()


def test_a_fork_proved_by_its_own_consistency_proof_is_equivocation() -> None:
    log = FakeLog().grow(6)  # 6 is not a power of two: the proof carries the old root
    state = cosign(trusting(log), log.request(0))
    fork = log.fork(at=3).grow(4, "fork-more")
    with pytest.raises(EquivocationError) as caught:
        add_checkpoint(state, fork.request(6), WITNESS, timestamp=T0)
    message = caught.value.detail
    assert b64encode(log.root()) in message  # what this witness cosigned at 6
    assert b64encode(fork.root(6)) in message  # what the log signed over at 6
    assert caught.value.context["checkpoint_size"] == 10


def test_a_fork_at_a_power_of_two_size_is_refused_as_a_bad_proof() -> None:
    log = FakeLog().grow(4)  # the proof from 4 omits the old root: nothing to prove
    state = cosign(trusting(log), log.request(0))
    fork = log.fork(at=2).grow(3, "fork-more")
    with pytest.raises(ConsistencyProofError) as caught:
        add_checkpoint(state, fork.request(4), WITNESS, timestamp=T0)
    assert b64encode(log.root()) in caught.value.detail


def test_only_a_cosignature_key_can_cosign() -> None:
    log = FakeLog().grow(1)
    with pytest.raises(MalformedKeyError, match="0x04"):
        add_checkpoint(trusting(log), log.request(0), log.signer, timestamp=T0)
