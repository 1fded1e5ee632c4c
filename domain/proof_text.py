"""C2SP tlog-proof text (https://c2sp.org/tlog-proof): offline-verifiable inclusion.

A proof is, line by line: ``c2sp.org/tlog-proof@v1``; optionally ``extra <base64>``
(opaque, unauthenticated application data); ``index <n>`` (ASCII decimal, no
leading zeros); zero or more base64 SHA-256 hashes of the RFC 6962 / RFC 9162
§2.1.3 inclusion proof, from the leaf's sibling up to the root's child; an empty
line; and the log's signed checkpoint verbatim (c2sp.org/tlog-checkpoint, with any
tlog-cosignature lines). Files carry the extension ``.tlog-proof``.

:func:`verify_tlog_proof` checks the log's signature on the checkpoint (and, if
asked, a quorum of witness cosignatures), then the inclusion of the leaf with
:func:`domain.merkle.verify_inclusion`. The extra data is never trusted. Parse
failures raise :class:`~domain.errors.MalformedProofError`; verification failures
raise :class:`~domain.errors.InvalidSignatureError` or
:class:`~domain.errors.InclusionProofError`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from domain.checkpoint import (
    HASH_SIZE,
    MAX_TREE_SIZE,
    Checkpoint,
    parse_decimal,
    verify_quorum,
)
from domain.errors import MalformedNoteError, MalformedProofError
from domain.merkle import hash_leaf, verify_inclusion
from domain.note import SignedNote, check_note_characters
from domain.signing import VerifierKey, b64decode_strict, b64encode

HEADER: Final = "c2sp.org/tlog-proof@v1"
#: A tree of at most 2^64 leaves has inclusion proofs of at most 64 hashes.
MAX_PROOF_HASHES: Final = 64
_EXTRA_PREFIX: Final = "extra "
_INDEX_PREFIX: Final = "index "


@functools.lru_cache(maxsize=64)
def _check_checkpoint_text(text: str) -> None:
    """Parse a checkpoint body once; a batch's receipts all share one checkpoint."""
    try:
        Checkpoint.from_text(text)
    except MalformedNoteError as exc:
        raise MalformedProofError(f"the proof's checkpoint: {exc.detail}") from None


@dataclass(frozen=True)
class TlogProof:
    """An entry's index, its inclusion proof, and the signed checkpoint it leads to."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: SignedNote
    extra: bytes | None = None

    def __post_init__(self) -> None:
        index = self.index
        if isinstance(index, bool) or not isinstance(index, int):
            raise MalformedProofError("the proof's index must be an integer")
        if not 0 <= index <= MAX_TREE_SIZE:
            raise MalformedProofError(f"proof index {index} is not in [0, 2^64-1]")
        if not isinstance(self.hashes, tuple):
            raise MalformedProofError("the proof's hashes must be a tuple")
        if len(self.hashes) > MAX_PROOF_HASHES:
            raise MalformedProofError(
                f"the inclusion proof has {len(self.hashes)} hashes; at most "
                f"{MAX_PROOF_HASHES} are possible"
            )
        for number, value in enumerate(self.hashes):
            if len(value) != HASH_SIZE:
                raise MalformedProofError(
                    f"proof hash [{number}] is not a {HASH_SIZE}-byte hash"
                )
        if not isinstance(self.checkpoint, SignedNote):
            raise MalformedProofError("the proof's checkpoint must be a SignedNote")
        _check_checkpoint_text(self.checkpoint.text)
        if self.extra is not None and not self.extra:
            raise MalformedProofError(
                "the proof's extra data must be non-empty bytes, or absent"
            )

    def to_text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(_EXTRA_PREFIX + b64encode(self.extra))
        lines.append(f"{_INDEX_PREFIX}{self.index}")
        lines.extend(b64encode(value) for value in self.hashes)
        return "".join(line + "\n" for line in lines) + "\n" + self.checkpoint.to_text()

    @classmethod
    def from_text(cls, text: str) -> TlogProof:
        """Parse a tlog-proof strictly; raises :class:`MalformedProofError`.

        Nothing is verified: call :func:`verify_tlog_proof`.
        """
        if not isinstance(text, str):
            raise MalformedProofError("a tlog-proof must be text")
        check_note_characters(text, what="the tlog-proof", error=MalformedProofError)
        head, blank, rest = text.partition("\n\n")
        if not blank:
            raise MalformedProofError(
                "the tlog-proof has no empty line before its checkpoint"
            )
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise MalformedProofError(
                f"the first line of a tlog-proof must be {HEADER!r}, not "
                f"{lines[0][:80]!r}"
            )
        position = 1
        extra: bytes | None = None
        if position < len(lines) and lines[position].startswith("extra"):
            line = lines[position]
            if not line.startswith(_EXTRA_PREFIX):
                raise MalformedProofError(
                    f"line {position + 1} must be 'extra <base64>', not {line[:80]!r}"
                )
            extra = b64decode_strict(
                line[len(_EXTRA_PREFIX) :],
                what="the extra data",
                error=MalformedProofError,
            )
            position += 1
        if position >= len(lines) or not lines[position].startswith(_INDEX_PREFIX):
            found = lines[position][:80] if position < len(lines) else ""
            raise MalformedProofError(
                f"line {position + 1} of the tlog-proof must be 'index <n>', not "
                f"{found!r}"
            )
        index = parse_decimal(
            lines[position][len(_INDEX_PREFIX) :],
            what="the proof index",
            error=MalformedProofError,
        )
        hash_lines = lines[position + 1 :]
        if len(hash_lines) > MAX_PROOF_HASHES:
            raise MalformedProofError(
                f"the inclusion proof has {len(hash_lines)} hashes; at most "
                f"{MAX_PROOF_HASHES} are possible"
            )
        hashes: list[bytes] = []
        for number, line in enumerate(hash_lines):
            value = b64decode_strict(
                line, what=f"proof hash [{number}]", error=MalformedProofError
            )
            if len(value) != HASH_SIZE:
                raise MalformedProofError(
                    f"proof hash [{number}] is {len(value)} bytes, not {HASH_SIZE}"
                )
            hashes.append(value)
        try:
            checkpoint = SignedNote.from_text(rest)
        except MalformedNoteError as exc:
            raise MalformedProofError(f"the proof's checkpoint: {exc.detail}") from None
        return cls(index, tuple(hashes), checkpoint, extra)

    @classmethod
    def from_bytes(cls, data: bytes) -> TlogProof:
        """Parse a ``.tlog-proof`` file's bytes; invalid UTF-8 is malformed."""
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedProofError(
                f"the tlog-proof is not valid UTF-8 (byte {exc.start})"
            ) from None
        return cls.from_text(text)

    def to_bytes(self) -> bytes:
        return self.to_text().encode("utf-8")


def verify_tlog_proof(
    proof: TlogProof,
    *,
    leaf: bytes,
    log_key: VerifierKey,
    witness_keys: Sequence[VerifierKey] = (),
    quorum: int = 0,
) -> Checkpoint:
    """Check that ``leaf`` is at ``proof.index`` in the log ``log_key`` signed.

    Verifies the log's signature on the checkpoint and, when ``quorum`` > 0, that
    many cosignatures from ``witness_keys`` (:func:`domain.checkpoint.verify_quorum`),
    then the RFC 9162 inclusion proof of ``SHA-256(0x00 || leaf)``. Returns the
    verified checkpoint; raises :class:`InvalidSignatureError` or
    :class:`InclusionProofError`. The extra data plays no part.
    """
    checkpoint = verify_quorum(
        proof.checkpoint, log_key=log_key, witness_keys=witness_keys, quorum=quorum
    )
    verify_inclusion(
        leaf_hash=hash_leaf(leaf),
        index=proof.index,
        size=checkpoint.size,
        proof=list(proof.hashes),
        root=checkpoint.root,
    )
    return checkpoint
