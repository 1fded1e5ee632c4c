"""C2SP checkpoints and cosignatures (c2sp.org/tlog-checkpoint, tlog-cosignature).

A checkpoint is the text of a signed note (:mod:`domain.note`) with at least three
non-empty lines: the log's *origin*, the tree *size* in ASCII decimal with no
leading zeros, and the base64 RFC 6962 *root hash*; any further lines are opaque,
non-empty *extension lines*. The log signs it with a type 0x01 Ed25519 key.

A witness cosigns it with a type 0x04 key (tlog-cosignature, Ed25519 cosignature/v1):
the signature line carries ``8-byte big-endian timestamp || Ed25519 signature`` over
``"cosignature/v1\\ntime <timestamp>\\n" || checkpoint text``. A client trusts a
checkpoint once the log's signature and a quorum of witness cosignatures verify
(:func:`verify_quorum`).

Parsing is strict: the origin must be non-empty with no leading or trailing
whitespace (the spec allows spaces inside, as in ``go.sum database tree``); this
project's logs only *sign* origins that are also valid key names (no spaces, no
``+``), as tlog-checkpoint recommends. Sizes go up to 2^64 - 1. Parse failures
raise :class:`~domain.errors.MalformedCheckpointError`; signature failures raise
:class:`~domain.errors.InvalidSignatureError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from domain.errors import (
    InvalidSignatureError,
    LedgerError,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    VerificationError,
)
from domain.note import (
    NoteSignature,
    SignedNote,
    check_cosignature_timestamp,
    check_note_characters,
    cosignature_v1_message,
    sign_note,
)
from domain.signing import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Signer,
    VerifierKey,
    b64decode_strict,
    b64encode,
    check_key_name,
)

HASH_SIZE: Final = 32
MAX_TREE_SIZE: Final = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_MAX_DECIMAL_DIGITS: Final = 20  # len(str(2**64 - 1))


def parse_decimal(
    text: str, *, what: str, error: type[LedgerError], maximum: int = MAX_TREE_SIZE
) -> int:
    """ASCII decimal without leading zeros (``0`` allowed), at most ``maximum``."""
    if len(text) > _MAX_DECIMAL_DIGITS or not _DECIMAL.fullmatch(text):
        raise error(
            f"{what} {text[:40]!r} is not an ASCII decimal number without leading zeros"
        )
    value = int(text)
    if value > maximum:
        raise error(f"{what} {value} is larger than {maximum}")
    return value


def _require_alg(key: VerifierKey | Signer, alg: int, role: str) -> None:
    if key.alg != alg:
        raise MalformedKeyError(
            f"{role} {key.key_ref} has signature type 0x{key.alg:02x}; a {role} must "
            f"be of type 0x{alg:02x}"
        )


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size, root hash and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        origin = self.origin
        if not origin:
            raise MalformedCheckpointError("the checkpoint origin must not be empty")
        if "\n" in origin:
            raise MalformedCheckpointError("the checkpoint origin is one line")
        check_note_characters(
            origin, what="the checkpoint origin", error=MalformedCheckpointError
        )
        if origin != origin.strip():
            raise MalformedCheckpointError(
                f"the checkpoint origin {origin[:80]!r} has leading or trailing "
                "whitespace"
            )
        size = self.size
        if isinstance(size, bool) or not isinstance(size, int):
            raise MalformedCheckpointError("the tree size must be an integer")
        if not 0 <= size <= MAX_TREE_SIZE:
            raise MalformedCheckpointError(f"tree size {size} is not in [0, 2^64-1]")
        if len(self.root) != HASH_SIZE:
            raise MalformedCheckpointError(
                f"the root hash must be {HASH_SIZE} bytes, not {len(self.root)}"
            )
        if not isinstance(self.extensions, tuple):
            raise MalformedCheckpointError("the extension lines must be a tuple")
        for number, line in enumerate(self.extensions, start=4):
            if not line:
                raise MalformedCheckpointError(
                    f"checkpoint line {number} (an extension line) is empty"
                )
            if "\n" in line:
                raise MalformedCheckpointError(
                    f"checkpoint line {number} (an extension line) spans lines"
                )
            check_note_characters(
                line,
                what=f"checkpoint line {number}",
                error=MalformedCheckpointError,
            )

    def to_text(self) -> str:
        """``origin\\nsize\\nbase64(root)\\n`` followed by the extension lines."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text; raises :class:`MalformedCheckpointError`."""
        if not isinstance(text, str):
            raise MalformedCheckpointError("a checkpoint must be text")
        check_note_characters(
            text, what="the checkpoint", error=MalformedCheckpointError
        )
        if not text.endswith("\n"):
            raise MalformedCheckpointError("the checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpointError(
                "a checkpoint has at least three lines (origin, tree size, root "
                f"hash); this one has {len(lines)}"
            )
        origin, size_text, root_text, *extensions = lines
        size = parse_decimal(
            size_text, what="the tree size", error=MalformedCheckpointError
        )
        root = b64decode_strict(
            root_text, what="the root hash", error=MalformedCheckpointError
        )
        return cls(origin, size, root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, log_signer: Signer) -> SignedNote:
    """The log's signed note for ``checkpoint`` (type 0x01 Ed25519 over its text).

    Refuses an origin that is not a valid key name (tlog-checkpoint recommends a
    schema-less URL with no spaces or ``+``) with :class:`MalformedCheckpointError`
    and a non-0x01 key with :class:`MalformedKeyError`.
    """
    _require_alg(log_signer, ALG_ED25519, "log key")
    try:
        check_key_name(checkpoint.origin)
    except MalformedKeyError:
        raise MalformedCheckpointError(
            f"origin {checkpoint.origin!r} has a space, '+' or control character; "
            "this log signs only schema-less URL origins"
        ) from None
    return sign_note(checkpoint.to_text(), log_signer)


def open_checkpoint(
    note_text: str, log_key: VerifierKey
) -> tuple[Checkpoint, SignedNote]:
    """Parse a signed checkpoint and verify the log's signature on it.

    The text is parsed as a checkpoint only after the signature verified
    (signed-note: the text must be ignored until then). Raises
    :class:`MalformedCheckpointError` (also for a malformed note) or
    :class:`InvalidSignatureError`.
    """
    _require_alg(log_key, ALG_ED25519, "log key")
    try:
        note = SignedNote.from_text(note_text)
    except MalformedNoteError as exc:
        raise MalformedCheckpointError(f"checkpoint note: {exc.detail}") from None
    note.verified_by(log_key)
    return Checkpoint.from_text(note.text), note


def cosign_checkpoint(
    note: SignedNote, witness: Signer, *, timestamp: int
) -> SignedNote:
    """Add the witness's tlog-cosignature/v1 line to a checkpoint note.

    The line's bytes are ``timestamp`` (8 bytes, big-endian) then the Ed25519
    signature over ``"cosignature/v1\\ntime <timestamp>\\n" || note text``. An
    earlier cosignature by the same key is replaced. The caller is the witness: it
    must have checked the log's signature and consistency itself.
    """
    _require_alg(witness, ALG_COSIGNATURE_V1, "witness key")
    check_cosignature_timestamp(timestamp)
    Checkpoint.from_text(note.text)
    signature = witness.sign(cosignature_v1_message(note.text, timestamp))
    line = NoteSignature(
        witness.name, witness.key_id, timestamp.to_bytes(8, "big") + signature
    )
    return note.with_signatures(line)


def verify_cosignature(note: SignedNote, witness_key: VerifierKey) -> int:
    """Verify the witness's cosignature on a checkpoint note; return its timestamp.

    Raises :class:`InvalidSignatureError` if there is no cosignature by that key or
    one does not verify, :class:`MalformedCheckpointError` if the note is not a
    checkpoint, :class:`MalformedKeyError` if the key is not of type 0x04.
    """
    _require_alg(witness_key, ALG_COSIGNATURE_V1, "witness key")
    Checkpoint.from_text(note.text)
    line = note.verified_by(witness_key)
    return int.from_bytes(line.signature[:8], "big")


def verify_quorum(
    note: SignedNote,
    *,
    log_key: VerifierKey,
    witness_keys: Sequence[VerifierKey],
    quorum: int,
) -> Checkpoint:
    """Verify the log's signature and at least ``quorum`` witness cosignatures.

    Each distinct witness key counts once. Cosignatures by unknown keys are ignored;
    a cosignature by a listed witness that fails to verify rejects the note (as
    signed-note recommends). Returns the checkpoint; raises
    :class:`InvalidSignatureError` when fewer than ``quorum`` cosignatures verify.
    """
    if quorum < 0:
        raise VerificationError(f"quorum {quorum!r} is not a non-negative integer")
    _require_alg(log_key, ALG_ED25519, "log key")
    witnesses = list(dict.fromkeys(witness_keys))
    for witness in witnesses:
        _require_alg(witness, ALG_COSIGNATURE_V1, "witness key")
    note.verified_by(log_key)
    checkpoint = Checkpoint.from_text(note.text)
    cosigned: list[str] = []
    missing: list[str] = []
    for witness in witnesses:
        if not note.signatures_by(witness):
            missing.append(witness.key_ref)
            continue
        verify_cosignature(note, witness)
        cosigned.append(witness.key_ref)
    if len(cosigned) < quorum:
        raise InvalidSignatureError(
            f"checkpoint {checkpoint.origin} @ {checkpoint.size} has {len(cosigned)} "
            f"valid witness cosignature(s), fewer than the quorum of {quorum}; "
            f"missing: {', '.join(missing) or 'none'}",
            context={"cosigned": cosigned, "missing": missing, "quorum": quorum},
        )
    return checkpoint
