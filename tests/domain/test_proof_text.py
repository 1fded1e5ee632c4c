"""Tests for domain.proof_text: C2SP tlog-proof text and its offline verification.

The C2SP tlog-proof example (``tests/vectors/note/c2sp_examples.json``) elides the
middle of its signatures with ``[...]``; it is checked as printed (rejected) and
with its checkpoint signed in full by a test key (parsed and reproduced byte for
byte). Inclusion proofs come from :class:`domain.merkle.MemoryTree`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from domain.checkpoint import Checkpoint, cosign_checkpoint, sign_checkpoint
from domain.errors import (
    InclusionProofError,
    InvalidSignatureError,
    MalformedProofError,
    VerificationError,
)
from domain.merkle import MemoryTree, hash_leaf
from domain.note import SignedNote, sign_note
from domain.proof_text import HEADER, TlogProof, verify_tlog_proof
from domain.signing import Signer

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def vector(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


EXAMPLE = vector("note/c2sp_examples.json")["proof_example"]

ORIGIN = "chengdu.test/p/jinjiang-hemei"
LOG = Signer.from_seed(ORIGIN, b"\x01" * 32)
WITNESS = Signer.from_seed("witness.example", b"\x02" * 32, alg=0x04)
LEAVES = [f"leaf {i}".encode() for i in range(13)]


def tree(leaves: list[bytes] = LEAVES) -> MemoryTree:
    return MemoryTree(hash_leaf(leaf) for leaf in leaves)


def proof_for(index: int, leaves: list[bytes] = LEAVES, **kwargs: Any) -> TlogProof:
    memory = tree(leaves)
    checkpoint = Checkpoint(ORIGIN, memory.size, memory.root())
    return TlogProof(
        index=index,
        hashes=tuple(memory.inclusion_proof(index)),
        checkpoint=sign_checkpoint(checkpoint, LOG),
        **kwargs,
    )


# --- the C2SP example ----------------------------------------------------------------
def test_the_c2sp_example_as_printed_is_rejected_for_its_elided_signatures() -> None:
    with pytest.raises(MalformedProofError, match=r"checkpoint: .*base64"):
        TlogProof.from_text(EXAMPLE["proof"])


def test_the_c2sp_example_parses_once_its_checkpoint_is_signed_in_full() -> None:
    head, _, _ = EXAMPLE["proof"].partition("\n\n")
    fancylog = Signer.from_seed("example.com/fancylog", b"\x03" * 32)
    note = sign_note(EXAMPLE["checkpoint_text"], fancylog)
    text = head + "\n\n" + note.to_text()

    proof = TlogProof.from_text(text)

    assert proof.index == EXAMPLE["index"]
    assert proof.extra == base64.b64decode(EXAMPLE["extra_base64"])
    assert len(proof.hashes) == EXAMPLE["hash_count"]
    assert Checkpoint.from_text(proof.checkpoint.text).size == 109482
    assert proof.to_text() == text
    proof.checkpoint.verified_by(fancylog.verifier())


# --- round trips and verification ----------------------------------------------------
def test_the_text_format_is_header_index_hashes_blank_line_and_checkpoint() -> None:
    proof = proof_for(5)
    lines = proof.to_text().split("\n")

    assert lines[0] == HEADER == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "index 5"
    assert lines[2 : 2 + len(proof.hashes)] == [
        base64.b64encode(h).decode() for h in proof.hashes
    ]
    assert lines[2 + len(proof.hashes)] == ""
    assert proof.to_text().endswith(proof.checkpoint.to_text())


@pytest.mark.parametrize("index", range(len(LEAVES)))
def test_every_leaf_s_proof_round_trips_and_verifies(index: int) -> None:
    proof = proof_for(index)
    again = TlogProof.from_text(proof.to_text())

    assert again == proof
    assert TlogProof.from_bytes(proof.to_bytes()) == proof
    checkpoint = verify_tlog_proof(again, leaf=LEAVES[index], log_key=LOG.verifier())
    assert checkpoint.size == len(LEAVES)


def test_a_one_leaf_tree_has_a_proof_with_no_hashes() -> None:
    proof = proof_for(0, [b"only"])

    assert proof.hashes == ()
    assert "index 0\n\n" in proof.to_text()
    assert TlogProof.from_text(proof.to_text()) == proof
    verify_tlog_proof(proof, leaf=b"only", log_key=LOG.verifier())


def test_extra_data_round_trips_and_is_not_authenticated() -> None:
    proof = proof_for(3, extra=b"\x00opaque")
    again = TlogProof.from_text(proof.to_text())

    assert again.extra == b"\x00opaque"
    assert again.to_text().split("\n")[1] == "extra AG9wYXF1ZQ=="
    other = TlogProof(again.index, again.hashes, again.checkpoint, b"different")
    verify_tlog_proof(other, leaf=LEAVES[3], log_key=LOG.verifier())


def test_another_leaf_fails_inclusion() -> None:
    with pytest.raises(InclusionProofError, match="does not match"):
        verify_tlog_proof(proof_for(4), leaf=LEAVES[5], log_key=LOG.verifier())


def test_another_index_fails_inclusion() -> None:
    proof = proof_for(4)
    moved = TlogProof(5, proof.hashes, proof.checkpoint)
    with pytest.raises(InclusionProofError):
        verify_tlog_proof(moved, leaf=LEAVES[4], log_key=LOG.verifier())


def test_an_index_beyond_the_checkpoint_fails_inclusion() -> None:
    proof = proof_for(4)
    beyond = TlogProof(len(LEAVES), proof.hashes, proof.checkpoint)
    with pytest.raises(InclusionProofError, match="not below the tree size"):
        verify_tlog_proof(beyond, leaf=LEAVES[4], log_key=LOG.verifier())


def test_a_proof_signed_by_another_log_key_is_rejected() -> None:
    impostor = Signer.from_seed(ORIGIN, b"\x09" * 32)
    with pytest.raises(InvalidSignatureError, match="no signature by key"):
        verify_tlog_proof(proof_for(1), leaf=LEAVES[1], log_key=impostor.verifier())


def test_a_proof_can_require_a_witness_quorum() -> None:
    proof = proof_for(2)
    with pytest.raises(InvalidSignatureError, match="quorum"):
        verify_tlog_proof(
            proof,
            leaf=LEAVES[2],
            log_key=LOG.verifier(),
            witness_keys=[WITNESS.verifier()],
            quorum=1,
        )

    cosigned = TlogProof(
        proof.index,
        proof.hashes,
        cosign_checkpoint(proof.checkpoint, WITNESS, timestamp=1_700_000_000),
    )
    again = TlogProof.from_text(cosigned.to_text())
    assert again == cosigned
    verify_tlog_proof(
        again,
        leaf=LEAVES[2],
        log_key=LOG.verifier(),
        witness_keys=[WITNESS.verifier()],
        quorum=1,
    )


# --- malformed proofs ----------------------------------------------------------------
def replace_line(text: str, number: int, line: str) -> str:
    lines = text.split("\n")
    lines[number] = line
    return "\n".join(lines)


GOOD = proof_for(5).to_text()
FIRST_HASH = GOOD.split("\n")[2]
CHECKPOINT_NOTE = proof_for(5).checkpoint.to_text()
MALFORMED = {
    "wrong header": (replace_line(GOOD, 0, "c2sp.org/tlog-proof@v2"), "first line"),
    "header with space": (replace_line(GOOD, 0, HEADER + " "), "first line"),
    "leading zero": (replace_line(GOOD, 1, "index 05"), "leading zeros"),
    "negative index": (replace_line(GOOD, 1, "index -5"), "decimal"),
    "capital Index": (replace_line(GOOD, 1, "Index 5"), "index <n>"),
    "two spaces": (replace_line(GOOD, 1, "index  5"), "decimal"),
    "trailing space": (replace_line(GOOD, 1, "index 5 "), "decimal"),
    "no index": (f"{HEADER}\n{FIRST_HASH}\n\n{CHECKPOINT_NOTE}", "index <n>"),
    "extra without data": (GOOD.replace("\nindex", "\nextra \nindex", 1), "non-empty"),
    "extra without space": (
        GOOD.replace("\nindex", "\nextraAAAA\nindex", 1),
        "extra <base64>",
    ),
    "bad extra": (GOOD.replace("\nindex", "\nextra !!\nindex", 1), "extra data"),
    "extra after index": (GOOD.replace("\n\n", "\nextra AAAA\n\n", 1), "proof hash"),
    "bad hash": (replace_line(GOOD, 2, FIRST_HASH[:-1]), "proof hash \\[0\\]"),
    "short hash": (
        replace_line(GOOD, 2, base64.b64encode(bytes(31)).decode()),
        "31 bytes",
    ),
    "hash with space": (replace_line(GOOD, 2, FIRST_HASH + " "), "base64"),
    "too many hashes": (
        GOOD.replace("\n\n", ("\n" + FIRST_HASH) * 65 + "\n\n", 1),
        "at most 64",
    ),
    "no blank line": (GOOD.replace("\n\n", "\n", 1), "proof hash \\[4\\]"),
    "bad note": (GOOD.replace("\u2014", "-"), "checkpoint: .*em dash"),
    "not a checkpoint": (
        GOOD.split("\n\n", 1)[0] + "\n\n" + sign_note("hi\n", LOG).to_text(),
        "checkpoint: .*three lines",
    ),
    "CRLF": (GOOD.replace("\n", "\r\n"), "U\\+000D"),
    "empty": ("", "empty line"),
    "only the header": (HEADER + "\n", "empty line"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_proofs_raise_malformed_proof_error_with_a_reason(case: str) -> None:
    text, message = MALFORMED[case]
    with pytest.raises(MalformedProofError, match=message):
        TlogProof.from_text(text)


def test_invalid_utf8_is_a_malformed_proof() -> None:
    data = proof_for(1).to_bytes().replace("\u2014".encode(), b"\xe2\x80")
    with pytest.raises(MalformedProofError, match="UTF-8"):
        TlogProof.from_bytes(data)


def test_proofs_cannot_be_built_malformed() -> None:
    good = proof_for(1)
    with pytest.raises(MalformedProofError, match="index -1"):
        TlogProof(-1, good.hashes, good.checkpoint)
    with pytest.raises(MalformedProofError, match="32-byte hash"):
        TlogProof(1, (bytes(31),), good.checkpoint)
    with pytest.raises(MalformedProofError, match="at most 64"):
        TlogProof(1, (bytes(32),) * 65, good.checkpoint)
    with pytest.raises(MalformedProofError, match="extra"):
        TlogProof(1, good.hashes, good.checkpoint, b"")
    with pytest.raises(MalformedProofError, match="checkpoint"):
        TlogProof(1, good.hashes, sign_note("hi\n", LOG))


def test_every_proof_error_is_a_verification_error() -> None:
    assert issubclass(MalformedProofError, VerificationError)
    assert issubclass(InclusionProofError, VerificationError)
    assert isinstance(proof_for(0).checkpoint, SignedNote)
