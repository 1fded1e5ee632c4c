"""Tests for domain.checkpoint: C2SP tlog-checkpoint and tlog-cosignature.

Known answers: the C2SP checkpoint and cosignature examples
(``tests/vectors/note/c2sp_examples.json``; their keys are not published, so they are
parsed, round-tripped and cross-checked against the spec's signed-message example)
and a real checkpoint of transparency.dev's ``arche2025h1`` staging log with its
Ed25519 log signature and the ``remora.n621.de`` witness's cosignature
(``tests/vectors/note/real_world.json``), both verified.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from domain.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    cosign_checkpoint,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
    verify_quorum,
)
from domain.errors import (
    InvalidSignatureError,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    VerificationError,
)
from domain.note import (
    NoteSignature,
    SignedNote,
    cosignature_v1_message,
    sign_note,
)
from domain.signing import ALG_COSIGNATURE_V1, Signer, VerifierKey

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def vector(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


C2SP = vector("note/c2sp_examples.json")
REAL = vector("note/real_world.json")["checkpoint"]

ORIGIN = "chengdu.test/p/jinjiang-hemei"
ROOT = bytes(range(32))
LOG = Signer.from_seed(ORIGIN, b"\x01" * 32)
WITNESSES = [
    Signer.from_seed(f"witness{i}.example", bytes([0x10 + i]) * 32, alg=0x04)
    for i in range(3)
]
T0 = 1_700_000_000


def signed(checkpoint: Checkpoint | None = None) -> SignedNote:
    return sign_checkpoint(checkpoint or Checkpoint(ORIGIN, 7, ROOT), LOG)


def cosigned(*witnesses: Signer) -> SignedNote:
    note = signed()
    for offset, witness in enumerate(witnesses):
        note = cosign_checkpoint(note, witness, timestamp=T0 + offset)
    return note


# --- the C2SP examples ---------------------------------------------------------------
def test_the_c2sp_checkpoint_example_parses_and_round_trips() -> None:
    example = C2SP["checkpoint_example"]
    note = SignedNote.from_text(example["note"])
    checkpoint = Checkpoint.from_text(note.text)

    assert checkpoint.origin == example["origin"]
    assert checkpoint.size == example["size"]
    assert checkpoint.root == base64.b64decode(example["root_base64"])
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == note.text
    assert note.to_text() == example["note"]
    assert note.signatures[0].name == example["origin"]


def test_the_c2sp_cosignature_example_has_the_spec_timestamp_and_message() -> None:
    example = C2SP["cosignature_example"]
    note = SignedNote.from_text(example["note"])
    _log_line, witness_line = note.signatures

    assert witness_line.name == example["witness_name"]
    assert witness_line.key_id.hex() == example["witness_key_id"]
    assert len(witness_line.signature) == 8 + 64
    timestamp = int.from_bytes(witness_line.signature[:8], "big")
    assert timestamp == example["timestamp"]
    assert cosignature_v1_message(note.text, timestamp) == (
        example["signed_message"].encode()
    )
    assert note.to_text() == example["note"]


def test_the_c2sp_cosignature_example_is_rejected_without_the_witness_key() -> None:
    # The example's witness key is unpublished: a key with the same name is not it.
    note = SignedNote.from_text(C2SP["cosignature_example"]["note"])
    stranger = Signer.from_seed("witness.example.com/w1", bytes(32), alg=0x04)
    with pytest.raises(InvalidSignatureError, match="no signature by key"):
        verify_cosignature(note, stranger.verifier())


# --- a real, published checkpoint ---------------------------------------------------
def test_a_real_checkpoint_verifies_with_its_log_key_and_round_trips() -> None:
    checkpoint, note = open_checkpoint(
        REAL["note"], VerifierKey.from_vkey(REAL["log_vkey"])
    )

    assert checkpoint.origin == REAL["origin"]
    assert checkpoint.size == REAL["size"]
    assert len(note.signatures) == REAL["signature_lines"]
    assert note.to_text() == REAL["note"]


def test_a_real_witness_cosignature_verifies_and_gives_its_timestamp() -> None:
    note = SignedNote.from_text(REAL["note"])
    witness = VerifierKey.from_vkey(REAL["witness_vkey"])

    assert verify_cosignature(note, witness) == REAL["witness_timestamp"]
    checkpoint = verify_quorum(
        note,
        log_key=VerifierKey.from_vkey(REAL["log_vkey"]),
        witness_keys=[witness],
        quorum=1,
    )
    assert checkpoint.size == REAL["size"]


def test_a_real_checkpoint_with_another_size_fails_both_signatures() -> None:
    forged = REAL["note"].replace(f"\n{REAL['size']}\n", f"\n{REAL['size'] + 1}\n")
    note = SignedNote.from_text(forged)
    with pytest.raises(InvalidSignatureError, match="invalid signature"):
        open_checkpoint(forged, VerifierKey.from_vkey(REAL["log_vkey"]))
    with pytest.raises(InvalidSignatureError, match="invalid signature"):
        verify_cosignature(note, VerifierKey.from_vkey(REAL["witness_vkey"]))


# --- checkpoint text -----------------------------------------------------------------
def test_checkpoint_text_is_origin_size_and_base64_root() -> None:
    checkpoint = Checkpoint(ORIGIN, 20852163, ROOT)
    expected = f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\n"

    assert checkpoint.to_text() == expected
    assert Checkpoint.from_text(expected) == checkpoint


def test_checkpoints_with_extension_lines_round_trip() -> None:
    checkpoint = Checkpoint(ORIGIN, 1, ROOT, ("ext one", "— 扩展 +x"))
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint


def test_the_empty_tree_and_the_largest_size_are_accepted() -> None:
    for size in (0, MAX_TREE_SIZE):
        checkpoint = Checkpoint(ORIGIN, size, ROOT)
        assert Checkpoint.from_text(checkpoint.to_text()).size == size


def test_origins_may_hold_inner_spaces_as_the_go_checksum_database_does() -> None:
    text = f"go.sum database tree\n5\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint.from_text(text).origin == "go.sum database tree"


ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{ORIGIN}\n007\n{ROOT_B64}\n", "leading zeros"),
        (f"{ORIGIN}\n00\n{ROOT_B64}\n", "leading zeros"),
        (f"{ORIGIN}\n+7\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n-1\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n 7\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n7 \n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n1_000\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n0x10\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n\u0663\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n{'9' * 5000}\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n{MAX_TREE_SIZE + 1}\n{ROOT_B64}\n", "larger than"),
        (f"{ORIGIN}\n7\n{ROOT_B64} \n", "base64"),
        (f"{ORIGIN}\n7\n{ROOT_B64[:-1]}\n", "base64"),
        (f"{ORIGIN}\n7\n{ROOT_B64[:-2]}9=\n", "canonical"),
        (f"{ORIGIN}\n7\n{base64.b64encode(ROOT[:31]).decode()}\n", "32 bytes, not 31"),
        (f"{ORIGIN}\n7\n{ROOT_B64}", "end with a newline"),
        (f"{ORIGIN}\n7\n", "three lines"),
        (f"{ORIGIN}\n", "three lines"),
        ("", "end with a newline"),
        (f"\n7\n{ROOT_B64}\n", "origin must not be empty"),
        (f" {ORIGIN}\n7\n{ROOT_B64}\n", "whitespace"),
        (f"{ORIGIN} \n7\n{ROOT_B64}\n", "whitespace"),
        (f"{ORIGIN}\u3000\n7\n{ROOT_B64}\n", "whitespace"),
        (f"{ORIGIN}\r\n7\r\n{ROOT_B64}\r\n", "U\\+000D"),
        (f"{ORIGIN}\t\n7\n{ROOT_B64}\n", "U\\+0009"),
        (f"{ORIGIN}\n7\n{ROOT_B64}\n\n", "line 4 .*empty"),
        (f"{ORIGIN}\n7\n{ROOT_B64}\next\n\n", "line 5 .*empty"),
    ],
)
def test_malformed_checkpoints_raise_malformed_checkpoint_error(
    text: str, message: str
) -> None:
    with pytest.raises(MalformedCheckpointError, match=message):
        Checkpoint.from_text(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", 1, ROOT), "origin must not be empty"),
        (("a\nb", 1, ROOT), "one line"),
        ((ORIGIN, -1, ROOT), "not in"),
        ((ORIGIN, MAX_TREE_SIZE + 1, ROOT), "not in"),
        ((ORIGIN, 1, ROOT[:31]), "32 bytes, not 31"),
        ((ORIGIN, 1, ROOT, ("",)), "empty"),
        ((ORIGIN, 1, ROOT, ("a\nb",)), "spans lines"),
        ((ORIGIN, 1, ROOT, ("a\x00b",)), "U\\+0000"),
    ],
)
def test_checkpoints_cannot_be_built_malformed(
    args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(MalformedCheckpointError, match=message):
        Checkpoint(*args)


# --- the log's signature -------------------------------------------------------------
def test_a_signed_checkpoint_opens_with_the_log_key() -> None:
    note = signed(Checkpoint(ORIGIN, 7, ROOT, ("ext",)))
    checkpoint, opened = open_checkpoint(note.to_text(), LOG.verifier())

    assert checkpoint == Checkpoint(ORIGIN, 7, ROOT, ("ext",))
    assert opened == note
    assert [sig.key_ref for sig in note.signatures] == [LOG.key_ref]


def test_another_log_key_cannot_open_the_checkpoint() -> None:
    impostor = Signer.from_seed(ORIGIN, b"\x02" * 32)
    with pytest.raises(InvalidSignatureError, match="no signature by key"):
        open_checkpoint(signed().to_text(), impostor.verifier())


def test_a_note_that_is_not_a_checkpoint_does_not_open() -> None:
    note = sign_note("hello\n", LOG)
    with pytest.raises(MalformedCheckpointError, match="three lines"):
        open_checkpoint(note.to_text(), LOG.verifier())


def test_a_malformed_note_is_reported_as_a_malformed_checkpoint() -> None:
    with pytest.raises(
        MalformedCheckpointError, match=r"checkpoint note: .*blank line"
    ):
        open_checkpoint(Checkpoint(ORIGIN, 7, ROOT).to_text(), LOG.verifier())


def test_the_log_signs_only_url_like_origins() -> None:
    for origin in ("go.sum database tree", "a+b"):
        with pytest.raises(MalformedCheckpointError, match="origin"):
            sign_checkpoint(Checkpoint(origin, 1, ROOT), LOG)


def test_logs_sign_and_open_only_with_type_one_keys() -> None:
    witness = WITNESSES[0]
    with pytest.raises(MalformedKeyError, match="log key"):
        sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), witness)
    with pytest.raises(MalformedKeyError, match="log key"):
        open_checkpoint(signed().to_text(), witness.verifier())


# --- cosignatures ------------------------------------------------------------------
def test_a_cosignature_verifies_and_returns_its_timestamp() -> None:
    note = cosign_checkpoint(signed(), WITNESSES[0], timestamp=T0)
    (line,) = note.signatures_by(WITNESSES[0].verifier())

    assert verify_cosignature(note, WITNESSES[0].verifier()) == T0
    assert line.signature[:8] == T0.to_bytes(8, "big")
    assert len(line.signature) == 72
    assert SignedNote.from_text(note.to_text()) == note


def test_the_cosigned_message_is_header_time_line_and_checkpoint() -> None:
    note = cosign_checkpoint(signed(), WITNESSES[0], timestamp=T0)
    (line,) = note.signatures_by(WITNESSES[0].verifier())
    message = f"cosignature/v1\ntime {T0}\n".encode() + note.text.encode()

    VerifierKey(WITNESSES[0].name, 0x01, WITNESSES[0].public_key).verify(
        signature=line.signature[8:], message=message
    )


def test_cosignatures_cover_extension_lines() -> None:
    note = cosign_checkpoint(
        signed(Checkpoint(ORIGIN, 7, ROOT, ("Extendo",))), WITNESSES[0], timestamp=T0
    )
    tampered = SignedNote(note.text.replace("Extendo", "Extend@"), note.signatures)
    with pytest.raises(InvalidSignatureError):
        verify_cosignature(tampered, WITNESSES[0].verifier())


def test_a_changed_timestamp_breaks_the_cosignature() -> None:
    note = cosign_checkpoint(signed(), WITNESSES[0], timestamp=T0)
    log_line, line = note.signatures
    moved = NoteSignature(
        line.name, line.key_id, (T0 + 1).to_bytes(8, "big") + line.signature[8:]
    )
    with pytest.raises(InvalidSignatureError, match="invalid signature"):
        verify_cosignature(
            SignedNote(note.text, (log_line, moved)), WITNESSES[0].verifier()
        )


def test_a_cosignature_timestamp_beyond_2_63_is_rejected() -> None:
    note = cosign_checkpoint(signed(), WITNESSES[0], timestamp=T0)
    log_line, line = note.signatures
    huge = NoteSignature(
        line.name, line.key_id, (2**63).to_bytes(8, "big") + line.signature[8:]
    )
    with pytest.raises(InvalidSignatureError, match="exceeds"):
        verify_cosignature(
            SignedNote(note.text, (log_line, huge)), WITNESSES[0].verifier()
        )
    for timestamp in (-1, 2**63):
        with pytest.raises(MalformedNoteError, match="timestamp"):
            cosign_checkpoint(signed(), WITNESSES[0], timestamp=timestamp)


def test_a_cosignature_of_the_wrong_length_is_rejected() -> None:
    note = signed()
    witness = WITNESSES[0]
    short = NoteSignature(witness.name, witness.key_id, bytes(71))
    with pytest.raises(InvalidSignatureError, match="72 bytes"):
        verify_cosignature(note.with_signatures(short), witness.verifier())


def test_cosigning_again_replaces_the_witness_s_earlier_cosignature() -> None:
    once = cosign_checkpoint(signed(), WITNESSES[0], timestamp=T0)
    twice = cosign_checkpoint(once, WITNESSES[0], timestamp=T0 + 60)

    assert len(twice.signatures) == 2
    assert verify_cosignature(twice, WITNESSES[0].verifier()) == T0 + 60


def test_a_cosignature_is_not_a_plain_signature_of_the_same_key() -> None:
    note = cosign_checkpoint(signed(), WITNESSES[0], timestamp=T0)
    plain = VerifierKey(WITNESSES[0].name, 0x01, WITNESSES[0].public_key)
    with pytest.raises(InvalidSignatureError, match="no signature by key"):
        note.verified_by(plain)


def test_only_type_four_keys_cosign() -> None:
    with pytest.raises(MalformedKeyError, match="witness key"):
        cosign_checkpoint(signed(), LOG, timestamp=T0)
    with pytest.raises(MalformedKeyError, match="witness key"):
        verify_cosignature(signed(), LOG.verifier())


def test_only_checkpoints_are_cosigned() -> None:
    note = sign_note("not\na checkpoint\n", LOG)
    with pytest.raises(MalformedCheckpointError):
        cosign_checkpoint(note, WITNESSES[0], timestamp=T0)


# --- quorum --------------------------------------------------------------------------
def keys(*signers: Signer) -> list[VerifierKey]:
    return [signer.verifier() for signer in signers]


def test_a_quorum_of_cosignatures_is_enough() -> None:
    note = cosigned(WITNESSES[0], WITNESSES[2])
    checkpoint = verify_quorum(
        note, log_key=LOG.verifier(), witness_keys=keys(*WITNESSES), quorum=2
    )
    assert checkpoint == Checkpoint(ORIGIN, 7, ROOT)


def test_fewer_cosignatures_than_the_quorum_are_rejected_naming_the_missing() -> None:
    note = cosigned(WITNESSES[0])
    with pytest.raises(
        InvalidSignatureError, match="fewer than the quorum of 2"
    ) as raised:
        verify_quorum(
            note, log_key=LOG.verifier(), witness_keys=keys(*WITNESSES), quorum=2
        )
    assert WITNESSES[1].key_ref in raised.value.detail
    assert raised.value.context["cosigned"] == [WITNESSES[0].key_ref]


def test_a_witness_listed_twice_counts_once() -> None:
    note = cosigned(WITNESSES[0])
    twice = keys(WITNESSES[0], WITNESSES[0])
    with pytest.raises(InvalidSignatureError, match="quorum"):
        verify_quorum(note, log_key=LOG.verifier(), witness_keys=twice, quorum=2)


def test_cosignatures_by_unlisted_witnesses_do_not_count() -> None:
    note = cosigned(*WITNESSES)
    with pytest.raises(InvalidSignatureError, match="quorum"):
        verify_quorum(
            note, log_key=LOG.verifier(), witness_keys=keys(WITNESSES[0]), quorum=2
        )
    verify_quorum(
        note, log_key=LOG.verifier(), witness_keys=keys(WITNESSES[0]), quorum=1
    )


def test_a_bad_cosignature_by_a_listed_witness_rejects_the_note() -> None:
    note = cosigned(WITNESSES[0], WITNESSES[1])
    lines = list(note.signatures)
    bad = lines[2]
    lines[2] = NoteSignature(bad.name, bad.key_id, bad.signature[:-1] + b"\x00")
    tampered = SignedNote(note.text, tuple(lines))
    with pytest.raises(
        InvalidSignatureError, match=WITNESSES[1].key_ref.replace("+", "\\+")
    ):
        verify_quorum(
            tampered, log_key=LOG.verifier(), witness_keys=keys(*WITNESSES), quorum=1
        )


def test_the_quorum_still_needs_the_log_signature() -> None:
    note = cosigned(*WITNESSES)
    without_log = SignedNote(note.text, note.signatures[1:])
    with pytest.raises(InvalidSignatureError, match="no signature by key"):
        verify_quorum(
            without_log, log_key=LOG.verifier(), witness_keys=keys(*WITNESSES), quorum=0
        )


def test_a_quorum_of_zero_checks_the_log_signature_only() -> None:
    checkpoint = verify_quorum(
        signed(), log_key=LOG.verifier(), witness_keys=(), quorum=0
    )
    assert checkpoint.size == 7


def test_quorum_arguments_are_checked() -> None:
    with pytest.raises(VerificationError, match="quorum"):
        verify_quorum(signed(), log_key=LOG.verifier(), witness_keys=(), quorum=-1)
    with pytest.raises(MalformedKeyError, match="witness key"):
        verify_quorum(
            signed(), log_key=LOG.verifier(), witness_keys=[LOG.verifier()], quorum=0
        )
    with pytest.raises(MalformedKeyError, match="log key"):
        verify_quorum(
            signed(),
            log_key=WITNESSES[0].verifier(),
            witness_keys=[],
            quorum=0,
        )
    assert ALG_COSIGNATURE_V1 == 0x04
