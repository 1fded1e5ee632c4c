"""Tests for domain.note: C2SP signed-note parsing, signing and verification.

Known answers: the golang.org/x/mod ``sumdb/note`` example (the "PeterNeumann" key,
its note and signature, the "EnochRoot" second signature and Go's malformed notes)
in ``tests/vectors/note/go_sumdb_note.json``; the C2SP signed-note examples in
``tests/vectors/note/c2sp_examples.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import InvalidSignatureError, MalformedKeyError, MalformedNoteError
from domain.note import (
    MAX_SIGNATURES,
    NoteSignature,
    SignedNote,
    sign_note,
)
from domain.signing import (
    ALG_COSIGNATURE_V1,
    KeyId,
    Signer,
    VerifierKey,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def vector(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


GO = vector("note/go_sumdb_note.json")
C2SP = vector("note/c2sp_examples.json")

TEXT: str = GO["text"]
PETER_SIG: str = GO["peter_signature_line"]
ENOCH_SIG: str = GO["enoch_signature_line"]
PETER = Signer.from_skey(GO["peter"]["skey"])
PETER_KEY = VerifierKey.from_vkey(GO["peter"]["vkey"])
ENOCH = Signer.from_seed("EnochRoot", bytes.fromhex(GO["enoch"]["seed_hex"]))
ENOCH_KEY = VerifierKey.from_vkey(GO["enoch"]["vkey"])
EM_DASH = "\u2014"


# --- the Go reference vectors --------------------------------------------------------
def test_signing_the_go_example_reproduces_its_note_byte_for_byte() -> None:
    note = sign_note(TEXT, PETER)
    assert note.to_text() == GO["signed_by_peter"]
    assert note.to_bytes() == GO["signed_by_peter"].encode("utf-8")


def test_the_go_example_note_verifies_with_the_peter_key() -> None:
    note = SignedNote.from_text(GO["signed_by_peter"])
    line = note.verified_by(PETER_KEY)

    assert note.text == TEXT
    assert line.name == "PeterNeumann"
    assert line.key_id.hex() == "c74f20a3"
    assert len(line.signature) == 64


def test_the_doubly_signed_go_note_verifies_with_each_key_and_round_trips() -> None:
    data = GO["signed_by_peter_and_enoch"]
    note = SignedNote.from_text(data)

    assert note.verified_by(PETER_KEY).name == "PeterNeumann"
    assert note.verified_by(ENOCH_KEY).name == "EnochRoot"
    assert [sig.key_ref for sig in note.signatures] == [
        "PeterNeumann+c74f20a3",
        "EnochRoot+af0cfe78",
    ]
    assert note.to_text() == data


def test_signing_with_both_go_keys_reproduces_the_doubly_signed_note() -> None:
    assert ENOCH.vkey == GO["enoch"]["vkey"]
    assert sign_note(TEXT, PETER, ENOCH).to_text() == GO["signed_by_peter_and_enoch"]


def test_adding_a_signature_keeps_the_others_first_as_go_does() -> None:
    enoch_only = SignedNote.from_text(TEXT + "\n" + ENOCH_SIG)
    peter_line = sign_note(TEXT, PETER).signatures[0]

    both = enoch_only.with_signatures(peter_line)

    assert both.to_text() == TEXT + "\n" + ENOCH_SIG + PETER_SIG


def test_re_signing_replaces_an_existing_signature_by_the_same_key() -> None:
    # golang.org/x/mod TestSign: a bad pre-filled signature by the key is replaced.
    stale = NoteSignature("PeterNeumann", PETER.key_id, b"BADSIGN")
    note = SignedNote(TEXT, (stale,))
    fresh = sign_note(TEXT, PETER).signatures[0]

    assert note.with_signatures(fresh).to_text() == GO["signed_by_peter"]


def test_signatures_by_unknown_keys_are_ignored() -> None:
    note = SignedNote.from_text(GO["signed_by_peter_and_enoch"])
    other = Signer.from_seed("EnochRoot", bytes([1]) * 32).verifier()  # new key id

    assert note.verified_by(PETER_KEY).name == "PeterNeumann"
    with pytest.raises(InvalidSignatureError, match=r"no signature by key EnochRoot\+"):
        note.verified_by(other)


def test_a_note_signed_only_by_unknown_keys_is_rejected() -> None:
    note = SignedNote.from_text(TEXT + "\n" + ENOCH_SIG)
    with pytest.raises(InvalidSignatureError, match="PeterNeumann\\+c74f20a3"):
        note.verified_by(PETER_KEY)


def test_a_corrupted_signature_by_a_known_key_is_rejected() -> None:
    # golang.org/x/mod TestOpen "Invalid signature": 4 base64 characters inserted.
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    note = SignedNote.from_text(TEXT + "\n" + bad)
    with pytest.raises(InvalidSignatureError, match="PeterNeumann\\+c74f20a3"):
        note.verified_by(PETER_KEY)


def test_every_line_by_a_known_key_must_verify() -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    repeated = SignedNote.from_text(TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG)
    assert repeated.verified_by(PETER_KEY).name == "PeterNeumann"
    assert repeated.to_text() == TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG

    good_then_bad = SignedNote.from_text(TEXT + "\n" + PETER_SIG + bad)
    with pytest.raises(InvalidSignatureError):
        good_then_bad.verified_by(PETER_KEY)


def test_a_changed_text_fails_verification() -> None:
    note = SignedNote.from_text(GO["signed_by_peter"].replace("problem,", "problem;"))
    with pytest.raises(InvalidSignatureError, match="invalid signature"):
        note.verified_by(PETER_KEY)


@pytest.mark.parametrize("reason", sorted(GO["bad_notes_utf8"]))
def test_go_malformed_notes_are_rejected(reason: str) -> None:
    with pytest.raises(MalformedNoteError):
        SignedNote.from_text(GO["bad_notes_utf8"][reason])


@pytest.mark.parametrize("reason", sorted(GO["bad_notes_hex"]))
def test_go_malformed_note_bytes_are_rejected(reason: str) -> None:
    with pytest.raises(MalformedNoteError, match="UTF-8"):
        SignedNote.from_bytes(bytes.fromhex(GO["bad_notes_hex"][reason]))


def test_more_than_100_signatures_are_rejected_and_100_accepted() -> None:
    assert MAX_SIGNATURES == 100
    hundred = SignedNote.from_text(TEXT + "\n" + PETER_SIG * 100)
    assert hundred.verified_by(PETER_KEY).name == "PeterNeumann"

    with pytest.raises(MalformedNoteError, match="101 signature lines"):
        SignedNote.from_text(TEXT + "\n" + PETER_SIG * 101)
    with pytest.raises(MalformedNoteError, match="at most 100"):
        SignedNote(TEXT, hundred.signatures + hundred.signatures[:1])


def test_sixteen_different_signers_are_accepted_as_the_spec_requires() -> None:
    signers = [Signer.from_seed(f"s{i}.example", bytes([i]) * 32) for i in range(16)]
    note = SignedNote.from_text(sign_note(TEXT, *signers).to_text())

    assert len(note.signatures) == 16
    for signer in signers:
        note.verified_by(signer.verifier())


# --- the C2SP examples ---------------------------------------------------------------
def test_the_c2sp_example_note_keeps_its_inner_blank_line_and_round_trips() -> None:
    example = C2SP["signed_note_example"]
    note = SignedNote.from_text(example["note"])

    assert note.text == example["text"]
    assert "\n\n" in note.text  # the text is split off at the *last* blank line
    (line,) = note.signatures
    assert line.name == example["name"]
    assert line.key_id.hex() == example["key_id"]
    assert len(line.signature) == 64
    assert note.to_text() == example["note"]


def test_the_c2sp_vkey_example_verifies_its_note() -> None:
    example = C2SP["verifier_key_example"]
    note = SignedNote.from_text(example["note"])
    key = VerifierKey.from_vkey(example["vkey"])

    assert note.verified_by(key).key_ref == "example.com/foo+530d903a"
    assert note.text == "This is an example message.\n"
    assert note.to_text() == example["note"]


# --- malformed notes -----------------------------------------------------------------
SIG_B64 = PETER_SIG.removeprefix(f"{EM_DASH} PeterNeumann ").removesuffix("\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (TEXT + "\n" + f"- PeterNeumann {SIG_B64}\n", "em dash"),
        (TEXT + "\n" + f"\u2013 PeterNeumann {SIG_B64}\n", "em dash"),
        (TEXT + "\n" + f"{EM_DASH}PeterNeumann {SIG_B64}\n", "em dash"),
        (TEXT + "\n" + f"{EM_DASH}  PeterNeumann {SIG_B64}\n", "must not be empty"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann  {SIG_B64}\n", "base64"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann {SIG_B64} \n", "base64"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann {SIG_B64}\r\n", "U\\+000D"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann\n", "no space"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann \n", "too short"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann AAAAAA==\n", "too short"),
        (TEXT + "\n" + f"{EM_DASH} Peter+Neumann {SIG_B64}\n", "'\\+'"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann {SIG_B64[:-2]}\n", "base64"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann {SIG_B64[:-2]}N=\n", "canonical"),
        (TEXT + "\n" + f"{EM_DASH} PeterNeumann {SIG_B64}\n\n", "no signature lines"),
        (TEXT + "\n" + PETER_SIG.replace("\n", "\t\n"), "U\\+0009"),
        (TEXT + "\n" + PETER_SIG[:-1], "does not end with a newline"),
        ("no blank line" + "\n" + PETER_SIG, "blank line"),
        ("", "blank line"),
        ("\n\n", "no signature lines"),
    ],
)
def test_malformed_notes_raise_malformed_note_error_with_a_reason(
    data: str, message: str
) -> None:
    with pytest.raises(MalformedNoteError, match=message):
        SignedNote.from_text(data)


def test_the_text_ends_at_the_last_blank_line_even_if_it_looks_signed() -> None:
    # signed-note §Format: the text is separated by the *last* empty line.
    data = TEXT + "\n" + PETER_SIG + "\n" + PETER_SIG
    note = SignedNote.from_text(data)

    assert note.text == TEXT + "\n" + PETER_SIG
    assert note.to_text() == data
    with pytest.raises(InvalidSignatureError):
        note.verified_by(PETER_KEY)


def test_a_lone_surrogate_is_not_valid_utf8() -> None:
    with pytest.raises(MalformedNoteError, match="U\\+D800"):
        SignedNote.from_text("a\ud800\n\n" + PETER_SIG)


def test_from_bytes_accepts_utf8_and_rejects_anything_else() -> None:
    data = GO["signed_by_peter"].encode("utf-8")
    assert SignedNote.from_bytes(data).to_bytes() == data

    em_dash = EM_DASH.encode("utf-8")
    broken = data.replace(em_dash, em_dash[:2])
    with pytest.raises(MalformedNoteError, match="UTF-8"):
        SignedNote.from_bytes(broken)


def test_a_note_text_may_end_in_blank_lines_and_still_round_trip() -> None:
    note = sign_note("first\n\n\n", PETER)
    again = SignedNote.from_text(note.to_text())

    assert again.text == "first\n\n\n"
    assert again == note
    again.verified_by(PETER_KEY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no final newline", "newline"),
        ("", "newline"),
        ("tab\there\n", "U\\+0009"),
        ("nul\x00\n", "U\\+0000"),
    ],
)
def test_notes_with_bad_texts_cannot_be_built_or_signed(
    text: str, message: str
) -> None:
    line = sign_note(TEXT, PETER).signatures[0]
    with pytest.raises(MalformedNoteError, match=message):
        SignedNote(text, (line,))
    with pytest.raises(MalformedNoteError, match=message):
        sign_note(text, PETER)


def test_a_note_needs_at_least_one_signature() -> None:
    with pytest.raises(MalformedNoteError, match="at least one signature"):
        SignedNote(TEXT, ())
    with pytest.raises(MalformedNoteError, match="at least one signer"):
        sign_note(TEXT)


def test_note_signatures_check_their_fields() -> None:
    with pytest.raises(MalformedNoteError, match="key name"):
        NoteSignature("a b", KeyId(bytes(4)), b"sig")
    with pytest.raises(MalformedNoteError, match="4 bytes"):
        NoteSignature("ab", KeyId(bytes(3)), b"sig")
    with pytest.raises(MalformedNoteError, match="no signature bytes"):
        NoteSignature("ab", KeyId(bytes(4)), b"")


def test_signature_lines_round_trip() -> None:
    line = NoteSignature.from_line(PETER_SIG)
    assert line.to_line() == PETER_SIG
    assert NoteSignature.from_line(PETER_SIG.removesuffix("\n")) == line
    assert line.matches(PETER_KEY)
    assert not line.matches(ENOCH_KEY)


def test_sign_note_refuses_cosignature_keys() -> None:
    witness = Signer.from_seed("w.example", bytes(32), alg=ALG_COSIGNATURE_V1)
    with pytest.raises(MalformedKeyError, match="cosignature/v1 key"):
        sign_note(TEXT, witness)


def test_sign_note_writes_one_line_per_key() -> None:
    other = Signer.from_seed("other.example", bytes(32))
    note = sign_note(TEXT, PETER, other, PETER)

    assert [sig.name for sig in note.signatures] == ["PeterNeumann", "other.example"]
    note.verified_by(other.verifier())
    note.verified_by(PETER_KEY)
