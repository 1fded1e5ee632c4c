"""Property tests for signed notes, checkpoints, cosignatures, vkeys and tlog-proofs.

Two kinds of property: every codec round-trips (``to_text(from_text(x)) == x``), and
flipping any byte of a signed checkpoint, a signature line, a vkey or a proof makes
parsing or verification raise one of our errors (a
:class:`~domain.errors.VerificationError`), never pass and never leak a
``ValueError``. Proofs are generated without extra data, which tlog-proof leaves
unauthenticated on purpose.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    cosign_checkpoint,
    open_checkpoint,
    sign_checkpoint,
    verify_quorum,
)
from domain.errors import MalformedKeyError, VerificationError
from domain.merkle import MemoryTree, hash_leaf
from domain.note import SignedNote, sign_note
from domain.proof_text import TlogProof, verify_tlog_proof
from domain.signing import ALG_COSIGNATURE_V1, Signer, VerifierKey

EXAMPLES = settings(max_examples=200, deadline=None)

LOG = Signer.from_seed("chengdu.test/p/project", b"\x01" * 32)
WITNESSES = [
    Signer.from_seed(f"witness{i}.example", bytes([0x20 + i]) * 32, alg=0x04)
    for i in range(2)
]
WITNESS_KEYS = [witness.verifier() for witness in WITNESSES]
NOTE_SIGNERS = [
    LOG,
    *(Signer.from_seed(f"s{i}.example", bytes([i]) * 32) for i in (1, 2)),
]

# Key names: printable, no space, no '+' (signed-note), any script.
names = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
        exclude_characters="+\x85\u180e",
    ),
    min_size=1,
    max_size=24,
).filter(lambda name: not any(char.isspace() for char in name))
line_texts = st.text(
    st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=30
)
origins = line_texts.filter(lambda text: text == text.strip())
checkpoints = st.builds(
    Checkpoint,
    origin=origins,
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(line_texts, max_size=3).map(tuple),
)
url_checkpoints = st.builds(
    Checkpoint,
    origin=names,
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(line_texts, max_size=2).map(tuple),
)


def flip(data: bytes, position: int, mask: int) -> bytes:
    changed = bytearray(data)
    changed[position % len(data)] ^= mask
    return bytes(changed)


# --- round trips ---------------------------------------------------------------------
@EXAMPLES
@given(checkpoints)
def test_checkpoint_text_round_trips(checkpoint: Checkpoint) -> None:
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint


@EXAMPLES
@given(line_texts, st.lists(line_texts, max_size=4), st.integers(1, 3))
def test_signed_note_text_round_trips(
    first: str, rest: list[str], signers: int
) -> None:
    text = "".join(line + "\n" for line in [first, *rest])
    note = sign_note(text, *NOTE_SIGNERS[:signers])
    again = SignedNote.from_text(note.to_text())

    assert again == note
    assert again.to_text() == note.to_text()
    assert SignedNote.from_bytes(note.to_bytes()) == note


@EXAMPLES
@given(names, st.binary(min_size=32, max_size=32), st.sampled_from([0x01, 0x04]))
def test_vkeys_and_skeys_round_trip(name: str, seed: bytes, alg: int) -> None:
    signer = Signer.from_seed(name, seed, alg=alg)
    key = VerifierKey.from_vkey(signer.vkey)

    assert key == signer.verifier()
    assert key.to_vkey() == signer.vkey
    assert Signer.from_skey(signer.to_skey()).to_skey() == signer.to_skey()


@EXAMPLES
@given(url_checkpoints, st.integers(0, 2**63 - 1))
def test_cosigned_checkpoints_round_trip_and_verify(
    checkpoint: Checkpoint, timestamp: int
) -> None:
    note = cosign_checkpoint(
        sign_checkpoint(checkpoint, LOG), WITNESSES[0], timestamp=timestamp
    )
    again = SignedNote.from_text(note.to_text())

    assert again == note
    assert (
        verify_quorum(
            again, log_key=LOG.verifier(), witness_keys=WITNESS_KEYS[:1], quorum=1
        )
        == checkpoint
    )


@EXAMPLES
@given(
    st.lists(st.binary(max_size=40), min_size=1, max_size=40),
    st.data(),
    st.one_of(st.none(), st.binary(min_size=1, max_size=40)),
)
def test_proofs_round_trip_and_verify(
    leaves: list[bytes], data: st.DataObject, extra: bytes | None
) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = _proof(leaves, index, extra=extra)
    again = TlogProof.from_text(proof.to_text())

    assert again == proof
    verify_tlog_proof(again, leaf=leaves[index], log_key=LOG.verifier())


# --- tampering -----------------------------------------------------------------------
def _verify_line(data: bytes, key: VerifierKey) -> None:
    SignedNote.from_bytes(data).verified_by(key)


def _parse_vkey(data: bytes) -> None:
    """Parse vkey bytes as a file reader would: UTF-8 first."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedKeyError("the vkey is not UTF-8") from None
    VerifierKey.from_vkey(text)


def _open(data: bytes) -> None:
    note = SignedNote.from_bytes(data)
    open_checkpoint(note.to_text(), LOG.verifier())


@EXAMPLES
@given(url_checkpoints, st.integers(0), st.integers(1, 255))
def test_flipping_any_byte_of_a_signed_checkpoint_is_detected(
    checkpoint: Checkpoint, position: int, mask: int
) -> None:
    data = sign_checkpoint(checkpoint, LOG).to_bytes()
    _open(data)
    with pytest.raises(VerificationError):
        _open(flip(data, position, mask))


@EXAMPLES
@given(url_checkpoints, st.integers(0), st.integers(1, 255))
def test_flipping_any_byte_of_a_cosigned_checkpoint_is_detected(
    checkpoint: Checkpoint, position: int, mask: int
) -> None:
    note = sign_checkpoint(checkpoint, LOG)
    for offset, witness in enumerate(WITNESSES):
        note = cosign_checkpoint(note, witness, timestamp=1_700_000_000 + offset)
    data = note.to_bytes()

    def check(candidate: bytes) -> None:
        verify_quorum(
            SignedNote.from_bytes(candidate),
            log_key=LOG.verifier(),
            witness_keys=WITNESS_KEYS,
            quorum=len(WITNESS_KEYS),
        )

    check(data)
    with pytest.raises(VerificationError):
        check(flip(data, position, mask))


@EXAMPLES
@given(
    url_checkpoints,
    st.sampled_from([0, 1, 2]),
    st.integers(0),
    st.integers(1, 255),
)
def test_flipping_any_byte_of_a_signature_line_is_detected(
    checkpoint: Checkpoint, which: int, position: int, mask: int
) -> None:
    note = sign_checkpoint(checkpoint, LOG)
    for offset, witness in enumerate(WITNESSES):
        note = cosign_checkpoint(note, witness, timestamp=1_700_000_000 + offset)
    lines = [sig.to_line().encode() for sig in note.signatures]
    lines[which] = flip(lines[which], position, mask)
    data = (note.text + "\n").encode() + b"".join(lines)
    keys = [LOG.verifier(), *WITNESS_KEYS]

    with pytest.raises(VerificationError):
        _verify_line(data, keys[which])


@EXAMPLES
@given(names, st.binary(min_size=32, max_size=32), st.sampled_from([0x01, 0x04]))
def test_flipping_any_byte_of_a_vkey_is_rejected(
    name: str, seed: bytes, alg: int
) -> None:
    vkey = Signer.from_seed(name, seed, alg=alg).vkey.encode("utf-8")
    for position in range(len(vkey)):
        mangled = flip(vkey, position, 0x01)
        with pytest.raises(MalformedKeyError):
            _parse_vkey(mangled)


def _proof(leaves: list[bytes], index: int, *, extra: bytes | None = None) -> TlogProof:
    memory = MemoryTree(hash_leaf(leaf) for leaf in leaves)
    checkpoint = Checkpoint("chengdu.test/p/project", memory.size, memory.root())
    note = sign_checkpoint(checkpoint, LOG)
    note = cosign_checkpoint(note, WITNESSES[0], timestamp=1_700_000_000)
    return TlogProof(index, tuple(memory.inclusion_proof(index)), note, extra)


@EXAMPLES
@given(
    st.lists(st.binary(max_size=20), min_size=1, max_size=40),
    st.data(),
    st.integers(0),
    st.integers(1, 255),
)
def test_flipping_any_byte_of_a_proof_is_detected(
    leaves: list[bytes], data: st.DataObject, position: int, mask: int
) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof_bytes = _proof(leaves, index).to_bytes()

    def check(candidate: bytes) -> None:
        verify_tlog_proof(
            TlogProof.from_bytes(candidate),
            leaf=leaves[index],
            log_key=LOG.verifier(),
            witness_keys=WITNESS_KEYS[:1],
            quorum=1,
        )

    check(proof_bytes)
    with pytest.raises(VerificationError):
        check(flip(proof_bytes, position, mask))


def test_the_witnesses_are_cosignature_keys() -> None:
    assert all(key.alg == ALG_COSIGNATURE_V1 for key in WITNESS_KEYS)
