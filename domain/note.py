"""C2SP signed notes (https://c2sp.org/signed-note), byte for byte.

A signed note is a UTF-8 text ending in a newline, a blank line, then one or more
signature lines ``— <key name> <base64(4-byte key id || signature)>`` (em dash
U+2014, space). The text is separated from the signatures by the *last* blank line,
and no ASCII control character other than newline may appear anywhere. This follows
the reference implementation, golang.org/x/mod ``sumdb/note``:
:meth:`SignedNote.from_text` accepts what its ``Open`` accepts (including its limit
of 100 signature lines; the spec requires at least 16), except that base64 must be
canonical, so that ``to_text(from_text(x)) == x`` always holds, and key names may
not hold control characters (see :func:`domain.signing.check_key_name`).

Verification (:meth:`SignedNote.verified_by`) follows signed-note §Signatures: only
lines whose key name *and* key id match the trusted key are considered, and every
such line must verify. For type 0x01 keys the Ed25519 signature is over the note
text; for type 0x04 (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1) the
signature is ``8-byte big-endian timestamp || Ed25519 signature`` over
``"cosignature/v1\\ntime <timestamp>\\n" || text``. Parse failures raise
:class:`~domain.errors.MalformedNoteError`; failed or missing signatures raise
:class:`~domain.errors.InvalidSignatureError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from domain.errors import InvalidSignatureError, MalformedKeyError, MalformedNoteError
from domain.signing import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    KEY_ID_SIZE,
    SIGNATURE_SIZE,
    KeyId,
    Signer,
    VerifierKey,
    b64decode_strict,
    b64encode,
    check_key_name,
    format_key_ref,
)

#: The prefix of every signature line: em dash (U+2014) and a space.
SIGNATURE_PREFIX: Final = "\u2014 "
#: Notes with more signature lines are refused (the limit of golang.org/x/mod).
MAX_SIGNATURES: Final = 100

#: tlog-cosignature §Ed25519 signed message: the header line.
COSIGNATURE_V1_HEADER: Final = "cosignature/v1"
TIMESTAMP_SIZE: Final = 8
MAX_COSIGNATURE_TIMESTAMP: Final = 2**63 - 1
COSIGNATURE_V1_SIZE: Final = TIMESTAMP_SIZE + SIGNATURE_SIZE


def check_note_characters(
    text: str,
    *,
    what: str = "a signed note",
    error: type[MalformedNoteError] = MalformedNoteError,
) -> None:
    """Refuse ASCII control characters other than newline, and lone surrogates.

    (signed-note §Format: valid UTF-8, no control character below U+0020 but
    newline.) Raises ``error``, a :class:`MalformedNoteError` by default.
    """
    for position, char in enumerate(text):
        code = ord(char)
        if (code < 0x20 and char != "\n") or 0xD800 <= code <= 0xDFFF:
            raise error(
                f"{what} contains the forbidden character U+{code:04X} at offset "
                f"{position}"
            )


def cosignature_v1_message(text: str, timestamp: int) -> bytes:
    """The message a cosignature/v1 signs (tlog-cosignature §Ed25519 signed message).

    ``"cosignature/v1\\ntime <timestamp>\\n"`` followed by the whole note text.
    """
    check_cosignature_timestamp(timestamp)
    return f"{COSIGNATURE_V1_HEADER}\ntime {timestamp}\n{text}".encode()


def check_cosignature_timestamp(timestamp: int) -> None:
    """A POSIX timestamp in ``[0, 2^63 - 1]``; raises :class:`MalformedNoteError`."""
    if not 0 <= timestamp <= MAX_COSIGNATURE_TIMESTAMP:
        raise MalformedNoteError(
            f"cosignature timestamp {timestamp!r} is not an integer in [0, 2^63-1]"
        )


def split_cosignature_v1(signature: bytes) -> tuple[int, bytes]:
    """Split a ``timestamped_signature`` into (timestamp, 64-byte Ed25519 signature).

    Raises :class:`InvalidSignatureError` when it is not 72 bytes or its timestamp
    exceeds 2^63 - 1 (tlog-cosignature §Format).
    """
    if len(signature) != COSIGNATURE_V1_SIZE:
        raise InvalidSignatureError(
            f"a cosignature/v1 signature is {COSIGNATURE_V1_SIZE} bytes (timestamp "
            f"and Ed25519 signature), not {len(signature)}"
        )
    timestamp = int.from_bytes(signature[:TIMESTAMP_SIZE], "big")
    if timestamp > MAX_COSIGNATURE_TIMESTAMP:
        raise InvalidSignatureError(f"cosignature timestamp {timestamp} exceeds 2^63-1")
    return timestamp, bytes(signature[TIMESTAMP_SIZE:])


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key id, and the bytes after the key id.

    For type 0x04 cosignatures ``signature`` is the 8-byte timestamp followed by
    the 64-byte Ed25519 signature.
    """

    name: str
    key_id: KeyId
    signature: bytes

    def __post_init__(self) -> None:
        try:
            check_key_name(self.name)
        except MalformedKeyError as exc:
            raise MalformedNoteError(f"signature line: {exc.detail}") from None
        if len(self.key_id) != KEY_ID_SIZE:
            raise MalformedNoteError(
                f"signature line for {self.name!r}: a key id is {KEY_ID_SIZE} bytes"
            )
        if not self.signature:
            raise MalformedNoteError(
                f"signature line for {self.name!r} has no signature bytes"
            )

    @property
    def key_ref(self) -> str:
        return format_key_ref(self.name, self.key_id)

    def matches(self, key: VerifierKey) -> bool:
        """Whether this line claims to be by ``key`` (same name and key id)."""
        return self.name == key.name and self.key_id == key.key_id

    def to_line(self) -> str:
        """``— <name> <base64(key id || signature)>\\n``."""
        encoded = b64encode(self.key_id + self.signature)
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"

    @classmethod
    def from_line(cls, line: str) -> NoteSignature:
        """Parse one signature line, with or without its final newline."""
        body = line.removesuffix("\n")
        if not body.startswith(SIGNATURE_PREFIX):
            raise MalformedNoteError(
                f"signature line {body[:80]!r} does not start with an em dash "
                "(U+2014) and a space"
            )
        name, space, encoded = body[len(SIGNATURE_PREFIX) :].partition(" ")
        if not space:
            raise MalformedNoteError(
                f"signature line {body[:80]!r} has no space between the key name "
                "and the signature"
            )
        try:
            check_key_name(name)
        except MalformedKeyError as exc:
            raise MalformedNoteError(f"signature line: {exc.detail}") from None
        raw = b64decode_strict(
            encoded, what=f"the signature by {name!r}", error=MalformedNoteError
        )
        if len(raw) <= KEY_ID_SIZE:
            raise MalformedNoteError(
                f"the signature by {name!r} is {len(raw)} bytes: too short for a key "
                "id and a signature"
            )
        return cls(name, KeyId(raw[:KEY_ID_SIZE]), raw[KEY_ID_SIZE:])


@dataclass(frozen=True)
class SignedNote:
    """A note text (ending in a newline) and its signature lines, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        if not self.text.endswith("\n"):
            raise MalformedNoteError("the note text must end with a newline")
        check_note_characters(self.text, what="the note text")
        if not isinstance(self.signatures, tuple):
            raise MalformedNoteError("the signatures of a note must be a tuple")
        if not self.signatures:
            raise MalformedNoteError("a signed note needs at least one signature line")
        if len(self.signatures) > MAX_SIGNATURES:
            raise MalformedNoteError(
                f"the note has {len(self.signatures)} signature lines; at most "
                f"{MAX_SIGNATURES} are accepted"
            )
        for signature in self.signatures:
            if not isinstance(signature, NoteSignature):
                raise MalformedNoteError("a note signature must be a NoteSignature")

    @classmethod
    def from_text(cls, data: str) -> SignedNote:
        """Parse a signed note strictly; raises :class:`MalformedNoteError`.

        The signatures are parsed, not verified: call :meth:`verified_by` before
        trusting the text.
        """
        if not isinstance(data, str):
            raise MalformedNoteError("a signed note must be text")
        check_note_characters(data)
        split = data.rfind("\n\n")
        if split < 0:
            raise MalformedNoteError(
                "the note has no blank line between its text and its signatures"
            )
        text, block = data[: split + 1], data[split + 2 :]
        if not block:
            raise MalformedNoteError("the note has no signature lines")
        if not block.endswith("\n"):
            raise MalformedNoteError(
                "the last signature line does not end with a newline"
            )
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise MalformedNoteError(
                f"the note has {len(lines)} signature lines; at most "
                f"{MAX_SIGNATURES} are accepted"
            )
        return cls(text, tuple(NoteSignature.from_line(line) for line in lines))

    def to_text(self) -> str:
        return self.text + "\n" + "".join(sig.to_line() for sig in self.signatures)

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedNote:
        """Parse UTF-8 bytes (e.g. a published file); invalid UTF-8 is malformed."""
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNoteError(
                f"the note is not valid UTF-8 (byte {exc.start})"
            ) from None
        return cls.from_text(text)

    def to_bytes(self) -> bytes:
        return self.to_text().encode("utf-8")

    def signatures_by(self, key: VerifierKey) -> tuple[NoteSignature, ...]:
        """The lines whose key name and key id match ``key`` (unverified)."""
        return tuple(sig for sig in self.signatures if sig.matches(key))

    def verified_by(self, key: VerifierKey) -> NoteSignature:
        """Verify the note's signature by ``key`` and return its line.

        Every line with ``key``'s name and key id must verify (signed-note: a bad
        signature from a known key rejects the note). Raises
        :class:`InvalidSignatureError` if there is none or one is bad.
        """
        matching = self.signatures_by(key)
        if not matching:
            raise InvalidSignatureError(
                f"the note has no signature by key {key.key_ref}",
                context={"key": key.key_ref},
            )
        message = self.text.encode("utf-8")
        for line in matching:
            if key.alg == ALG_ED25519:
                key.verify(signature=line.signature, message=message)
            elif key.alg == ALG_COSIGNATURE_V1:
                try:
                    timestamp, signature = split_cosignature_v1(line.signature)
                except InvalidSignatureError as exc:
                    raise InvalidSignatureError(
                        f"invalid signature for key {key.key_ref}: {exc.detail}",
                        context={"key": key.key_ref},
                    ) from None
                key.verify(
                    signature=signature,
                    message=cosignature_v1_message(self.text, timestamp),
                )
            else:  # pragma: no cover - VerifierKey admits no other type
                raise InvalidSignatureError(f"unsupported key type 0x{key.alg:02x}")
        return matching[0]

    def with_signatures(self, *signatures: NoteSignature) -> SignedNote:
        """This note with ``signatures`` added after the existing ones.

        An existing line by the same key (name and key id) is replaced, as
        golang.org/x/mod ``note.Sign`` does.
        """
        new = _dedupe(signatures)
        keys = {(sig.name, sig.key_id) for sig in new}
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) not in keys)
        return SignedNote(self.text, kept + new)


def _dedupe(signatures: tuple[NoteSignature, ...]) -> tuple[NoteSignature, ...]:
    seen: dict[tuple[str, bytes], NoteSignature] = {}
    for sig in signatures:
        seen.setdefault((sig.name, sig.key_id), sig)
    return tuple(seen.values())


def sign_note(text: str, *signers: Signer) -> SignedNote:
    """Sign ``text`` with each type 0x01 signer, in order (one line per key).

    Cosignature (type 0x04) keys need a timestamp and a checkpoint: use
    :func:`domain.checkpoint.cosign_checkpoint`. Raises :class:`MalformedNoteError`
    for a bad text or no signer, :class:`MalformedKeyError` for a 0x04 signer.
    """
    if not text.endswith("\n"):
        raise MalformedNoteError("the note text must end with a newline")
    check_note_characters(text, what="the note text")
    if not signers:
        raise MalformedNoteError("a signed note needs at least one signer")
    message = text.encode("utf-8")
    lines: list[NoteSignature] = []
    for signer in signers:
        if signer.alg != ALG_ED25519:
            raise MalformedKeyError(
                f"key {signer.key_ref} is a cosignature/v1 key (type "
                f"0x{signer.alg:02x}); it can only cosign checkpoints"
            )
        lines.append(NoteSignature(signer.name, signer.key_id, signer.sign(message)))
    return SignedNote(text, _dedupe(tuple(lines)))
