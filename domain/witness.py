"""A checkpoint witness: the pure logic of c2sp.org/tlog-witness ``add-checkpoint``.

A witness keeps, for every log it witnesses, the log's verifier key and the size and
root of the last checkpoint it cosigned (:class:`WitnessState`). It cosigns a new
checkpoint (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1, type 0x04) only when

1. it knows the checkpoint's origin (else :class:`~domain.errors.UnknownLogError`);
2. the log's key signed it (else :class:`~domain.errors.UntrustedCheckpointError`;
   signatures by other keys are ignored);
3. the request's old size is at most the checkpoint's size (else
   :class:`~domain.errors.MalformedWitnessRequestError`) and equals the size it last
   cosigned (else :class:`~domain.errors.WitnessSizeConflictError` carrying that size);
4. the consistency proof (RFC 9162 §2.1.4) leads from its root at the old size to
   the checkpoint's root; at equal sizes the roots must be equal. A checkpoint that
   provably contradicts the witnessed one (same size, other root; or a proof that is
   valid for the new root but starts from another root at the old size) raises
   :class:`~domain.errors.EquivocationError` naming both roots; any other failing
   proof :class:`~domain.errors.ConsistencyProofError`.

Since every cosigned checkpoint is consistent with the one before, a checkpoint
consistent with the latest is consistent with all of them: the witness never cosigns
two checkpoints that are not consistent with each other. :func:`add_checkpoint` is a
function from (state, request) to (new state, cosignature); persisting the new state
atomically *before* answering is the caller's job (``api/witness_store.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final

from domain.checkpoint import Checkpoint, cosign_checkpoint, parse_decimal
from domain.clock import Clock, SystemClock
from domain.errors import (
    ConsistencyProofError,
    EquivocationError,
    InvalidSignatureError,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    MalformedWitnessRequestError,
    UnknownLogError,
    UntrustedCheckpointError,
    WitnessSizeConflictError,
)
from domain.merkle import verify_consistency
from domain.note import NoteSignature, SignedNote
from domain.signing import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Signer,
    VerifierKey,
    b64decode_strict,
    b64encode,
)

#: tlog-witness: a client MUST NOT send more than 63 consistency proof lines.
MAX_PROOF_LINES: Final = 63
#: The largest request body a witness reads (a note has at most 100 signatures).
MAX_REQUEST_BYTES: Final = 64 * 1024
#: The media type of a 409 answer: the witness's size, in decimal, and a newline.
SIZE_MEDIA_TYPE: Final = "text/x.tlog.size"
HASH_SIZE: Final = 32


# ============================================================== state
@dataclass(frozen=True)
class WitnessedLog:
    """One log a witness follows: its trusted key and the last checkpoint cosigned.

    ``root`` is None while nothing was cosigned (``size`` is then 0);
    ``checkpoint`` is that checkpoint's note with the log's signature, kept as
    evidence should the log later sign a contradicting one.
    """

    origin: str
    log_key: VerifierKey
    size: int = 0
    root: bytes | None = None
    checkpoint: str | None = None

    def __post_init__(self) -> None:
        if self.log_key.alg != ALG_ED25519:
            raise MalformedKeyError(
                f"log key {self.log_key.key_ref} has type 0x{self.log_key.alg:02x}; a "
                "log signs checkpoints with an Ed25519 (0x01) key"
            )
        if self.log_key.name != self.origin:
            raise MalformedKeyError(
                f"log key {self.log_key.key_ref} is not named after the origin "
                f"{self.origin!r} (c2sp.org/tlog-checkpoint: key name = origin)"
            )
        if self.root is None and self.size != 0:
            raise MalformedNoteError(f"log {self.origin}: size {self.size} has no root")
        if self.root is not None and len(self.root) != HASH_SIZE:
            raise MalformedNoteError(f"log {self.origin}: a root is {HASH_SIZE} bytes")

    def to_json(self) -> dict[str, Any]:
        return {
            "log_vkey": self.log_key.to_vkey(),
            "size": self.size,
            "root": None if self.root is None else b64encode(self.root),
            "checkpoint": self.checkpoint,
        }

    @classmethod
    def from_json(cls, origin: str, value: Any) -> WitnessedLog:
        """Read one log's entry of the state file; raises MalformedNoteError."""
        try:
            root = value["root"]
            return cls(
                origin,
                VerifierKey.from_vkey(value["log_vkey"]),
                _non_negative(value["size"], f"log {origin}: size"),
                None
                if root is None
                else b64decode_strict(
                    root, what=f"log {origin}: root", error=MalformedNoteError
                ),
                _optional_text(value.get("checkpoint"), f"log {origin}: checkpoint"),
            )
        except (KeyError, TypeError):
            raise MalformedNoteError(
                f"witness state: log {origin!r} needs log_vkey, size and root"
            ) from None


@dataclass(frozen=True)
class WitnessState:
    """What a witness remembers: origin → :class:`WitnessedLog`."""

    logs: Mapping[str, WitnessedLog] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "logs", MappingProxyType(dict(self.logs)))

    def with_log(self, log: WitnessedLog) -> WitnessState:
        return WitnessState({**self.logs, log.origin: log})

    def trust_log(self, log_vkey: str) -> WitnessState:
        """Start witnessing the log whose checkpoint key is ``log_vkey``.

        The origin is the key's name. Trusting a log again with the same key
        changes nothing; another key for a witnessed origin is refused, since
        swapping the key would let a second history in.
        """
        key = VerifierKey.from_vkey(log_vkey)
        existing = self.logs.get(key.name)
        if existing is not None:
            if existing.log_key == key:
                return self
            raise EquivocationError(
                f"见证人已用另一密钥见证日志 {key.name} / this witness already follows "
                f"{key.name} with key {existing.log_key.key_ref}, not {key.key_ref}",
                context={"origin": key.name},
            )
        return self.with_log(WitnessedLog(key.name, key))

    def to_json(self) -> dict[str, Any]:
        return {origin: self.logs[origin].to_json() for origin in sorted(self.logs)}

    @classmethod
    def from_json(cls, value: Any) -> WitnessState:
        if not isinstance(value, dict):
            raise MalformedNoteError("witness state: logs must be a JSON object")
        return cls({o: WitnessedLog.from_json(o, v) for o, v in value.items()})


def _non_negative(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedNoteError(f"witness state: {what} is not a non-negative integer")
    return value


def _optional_text(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise MalformedNoteError(f"witness state: {what} is not text")
    return value


# ============================================================== request
@dataclass(frozen=True)
class AddCheckpointRequest:
    """The body of ``POST <prefix>/add-checkpoint`` (c2sp.org/tlog-witness).

    ``old <size>``, zero to 63 base64 consistency-proof hashes, one per line, a
    blank line, then the signed checkpoint note.
    """

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str

    def to_bytes(self) -> bytes:
        lines = [f"old {self.old_size}", *(b64encode(h) for h in self.proof), ""]
        return ("\n".join(lines) + "\n" + self.checkpoint).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> AddCheckpointRequest:
        """Parse a request strictly; raises :class:`MalformedWitnessRequestError`."""
        if len(data) > MAX_REQUEST_BYTES:
            raise MalformedWitnessRequestError(
                f"the request is {len(data)} bytes; at most {MAX_REQUEST_BYTES}"
            )
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedWitnessRequestError(
                f"the request is not valid UTF-8 (byte {exc.start})"
            ) from None
        head, blank, checkpoint = text.partition("\n\n")
        if not blank:
            raise MalformedWitnessRequestError(
                "the request has no blank line between the proof and the checkpoint"
            )
        lines = head.split("\n")
        old_size = parse_old_size_line(lines[0])
        proof = parse_proof_lines(lines[1:])
        if not checkpoint:
            raise MalformedWitnessRequestError("the request has no checkpoint")
        return cls(old_size, proof, checkpoint)


def parse_old_size_line(line: str) -> int:
    """``old <decimal>`` → the size; raises :class:`MalformedWitnessRequestError`."""
    keyword, space, size = line.partition(" ")
    if keyword != "old" or not space:
        raise MalformedWitnessRequestError(
            f"the first line must be 'old <size>', not {line[:80]!r}"
        )
    return parse_decimal(size, what="the old size", error=MalformedWitnessRequestError)


def parse_proof_lines(lines: list[str]) -> tuple[bytes, ...]:
    """Base64 hashes, one per line, at most 63 (tlog-witness)."""
    if len(lines) > MAX_PROOF_LINES:
        raise MalformedWitnessRequestError(
            f"the consistency proof has {len(lines)} lines; at most {MAX_PROOF_LINES}"
        )
    proof = []
    for number, line in enumerate(lines, start=1):
        node = b64decode_strict(
            line, what=f"proof line {number}", error=MalformedWitnessRequestError
        )
        if len(node) != HASH_SIZE:
            raise MalformedWitnessRequestError(
                f"proof line {number} is {len(node)} bytes, not a {HASH_SIZE}-byte hash"
            )
        proof.append(node)
    return tuple(proof)


def parse_size_response(body: bytes) -> int:
    """The body of a 409 answer (``text/x.tlog.size``): a decimal and a newline."""
    try:
        text = bytes(body).decode("ascii")
    except UnicodeDecodeError:
        raise MalformedWitnessRequestError("a size answer must be ASCII") from None
    if not text.endswith("\n"):
        raise MalformedWitnessRequestError("a size answer ends with a newline")
    return parse_decimal(
        text[:-1], what="the witness's size", error=MalformedWitnessRequestError
    )


def parse_cosignature_lines(body: bytes) -> tuple[NoteSignature, ...]:
    """The body of a 200 answer: one or more note signature lines."""
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNoteError("the witness's answer is not UTF-8") from None
    if not text.endswith("\n"):
        raise MalformedNoteError("the witness's answer does not end with a newline")
    return tuple(NoteSignature.from_line(line) for line in text[:-1].split("\n"))


# ============================================================== cosigning
@dataclass(frozen=True)
class Cosigned:
    """A checkpoint the witness cosigned, and the state to persist before answering."""

    state: WitnessState
    checkpoint: Checkpoint
    cosignature: NoteSignature
    timestamp: int

    def response_body(self) -> str:
        """The 200 answer: the cosignature line."""
        return self.cosignature.to_line()


def add_checkpoint(
    state: WitnessState,
    request: AddCheckpointRequest,
    witness: Signer,
    *,
    timestamp: int,
) -> Cosigned:
    """Check ``request`` against ``state`` and cosign it (see the module docstring).

    Returns the cosignature and the new state; raises and changes nothing otherwise.
    """
    if witness.alg != ALG_COSIGNATURE_V1:
        raise MalformedKeyError(
            f"witness key {witness.key_ref} must be a cosignature/v1 (0x04) key"
        )
    try:
        note = SignedNote.from_text(request.checkpoint)
        unverified = Checkpoint.from_text(note.text)
    except MalformedNoteError as exc:
        raise MalformedCheckpointError(f"the checkpoint: {exc.detail}") from None
    log = state.logs.get(unverified.origin)
    if log is None:
        raise UnknownLogError(
            f"本见证人不见证日志 {unverified.origin[:200]!r} / this witness does not "
            f"witness the log {unverified.origin[:200]!r}",
            context={"origin": unverified.origin},
        )
    try:
        note.verified_by(log.log_key)
    except InvalidSignatureError as exc:
        raise UntrustedCheckpointError(
            f"检查点没有日志 {log.origin} 的有效签名 / the checkpoint has no valid "
            f"signature by the log key {log.log_key.key_ref}: {exc.detail}",
            context={"origin": log.origin},
        ) from None
    checkpoint = unverified  # its text is now signed by the log
    log_signed = SignedNote(note.text, note.signatures_by(log.log_key)).to_text()
    if request.old_size > checkpoint.size:
        raise MalformedWitnessRequestError(
            f"old size {request.old_size} is larger than the checkpoint's size "
            f"{checkpoint.size}"
        )
    if request.old_size != log.size:
        raise WitnessSizeConflictError(
            f"见证人上次联署的大小是 {log.size}，不是 {request.old_size} / the witness "
            f"last cosigned {log.origin} at size {log.size}, not {request.old_size}",
            context={"origin": log.origin, "size": log.size},
        )
    _check_consistency(log, checkpoint, request.proof, log_signed)
    cosigned = cosign_checkpoint(
        SignedNote.from_text(log_signed), witness, timestamp=timestamp
    )
    (line,) = cosigned.signatures_by(witness.verifier())
    new_log = replace(
        log, size=checkpoint.size, root=checkpoint.root, checkpoint=log_signed
    )
    return Cosigned(state.with_log(new_log), checkpoint, line, timestamp)


def _check_consistency(
    log: WitnessedLog,
    checkpoint: Checkpoint,
    proof: tuple[bytes, ...],
    log_signed: str,
) -> None:
    """Raise unless ``checkpoint`` extends the witnessed one (same size: same root)."""
    evidence = {
        "origin": log.origin,
        "witnessed": log.checkpoint,
        "presented": log_signed,
    }
    if log.root is None:
        if proof:
            raise ConsistencyProofError(
                "the proof must be empty when the old size is 0 (tlog-witness)",
                context=evidence,
            )
        return
    if checkpoint.size == log.size and checkpoint.root != log.root:
        raise _equivocation(
            log, log.root, checkpoint.root, checkpoint, checkpoint.root, evidence
        )
    try:
        verify_consistency(
            old_size=log.size,
            new_size=checkpoint.size,
            old_root=log.root,
            new_root=checkpoint.root,
            proof=proof,
        )
    except ConsistencyProofError as exc:
        if exc.context.get("root") == "old":
            # The proof does not start from our root; if it is nevertheless a valid
            # proof *to the signed new root*, the log has signed a tree whose first
            # ``log.size`` leaves differ from the checkpoint we cosigned: a fork.
            other_root = bytes.fromhex(exc.context["calculated_root"])
            try:
                verify_consistency(
                    old_size=log.size,
                    new_size=checkpoint.size,
                    old_root=other_root,
                    new_root=checkpoint.root,
                    proof=proof,
                )
            except ConsistencyProofError:
                pass
            else:
                raise _equivocation(
                    log, log.root, other_root, checkpoint, checkpoint.root, evidence
                ) from None
        raise ConsistencyProofError(
            f"一致性证明无效 / the consistency proof from the witnessed checkpoint "
            f"({log.origin} @ {log.size}, root {b64encode(log.root)}) to "
            f"{checkpoint.size} (root {b64encode(checkpoint.root)}) does not verify: "
            f"{exc.detail}",
            context={**evidence, **exc.context},
        ) from None


def _equivocation(
    log: WitnessedLog,
    witnessed_root: bytes,
    forked_root: bytes,
    checkpoint: Checkpoint,
    new_root: bytes,
    evidence: dict[str, Any],
) -> EquivocationError:
    witnessed = b64encode(witnessed_root)
    forked = b64encode(forked_root)
    where = (
        f"at size {log.size}"
        if checkpoint.size == log.size
        else f"at size {log.size} (proved by the consistency proof to the signed "
        f"checkpoint of size {checkpoint.size}, root {b64encode(new_root)})"
    )
    return EquivocationError(
        f"日志分叉：同一日志密钥签署了互相矛盾的检查点，拒绝联署 / equivocation: the log "
        f"{log.origin} signed two different trees {where}: root {witnessed} (cosigned "
        f"by this witness) and root {forked}",
        context={
            **evidence,
            "size": log.size,
            "witnessed_root": witnessed,
            "forked_root": forked,
            "checkpoint_size": checkpoint.size,
        },
    )


class MemoryWitness:
    """A witness whose state lives in memory: the same rules, no folder.

    For tests and for the demo, which saves the state to its witness folders when
    it is done. Not safe across processes; a real witness uses its folder.
    """

    def __init__(self, signer: Signer, state: WitnessState | None = None) -> None:
        self.signer = signer
        self.state = state if state is not None else WitnessState()

    def add_checkpoint(
        self, request: AddCheckpointRequest, *, clock: Clock | None = None
    ) -> Cosigned:
        now = (clock or SystemClock()).now()
        cosigned = add_checkpoint(
            self.state, request, self.signer, timestamp=int(now.timestamp())
        )
        self.state = cosigned.state
        return cosigned
