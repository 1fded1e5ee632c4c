"""The one error hierarchy of shuangshai.

Every failure the domain can report is a :class:`LedgerError`. Errors carry no HTTP
status or exit code: ``api/problems.py`` maps them to ``application/problem+json`` and
``api/cli.py`` maps them to exit codes, each in one table. Every rejection of input
names the failing field as a JSON pointer (RFC 6901) into the submission and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One reason a submission was rejected: where (JSON pointer) and why."""

    pointer: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class LedgerError(Exception):
    """Root of every error the domain raises on purpose."""

    def __init__(
        self,
        detail: str,
        *,
        pointer: str | None = None,
        errors: list[FieldError] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if errors is None:
            errors = [FieldError(pointer, detail)] if pointer is not None else []
        self.errors: list[FieldError] = errors
        self.context: dict[str, Any] = dict(context or {})

    @property
    def pointer(self) -> str | None:
        """The first failing field, if the error is about one."""
        return self.errors[0].pointer if self.errors else None


# --- not found -------------------------------------------------------------------
class NotFoundError(LedgerError):
    """Something asked for does not exist."""


class LogNotFoundError(NotFoundError):
    """No log with that origin (or project id) exists in this instance."""


class EntryNotFoundError(NotFoundError):
    """No entry at that index, with that id, or with that leaf hash."""


class CheckpointNotFoundError(NotFoundError):
    """No signed checkpoint of that size was kept."""


class PublishedFileNotFoundError(NotFoundError):
    """A published site has no file at that path (or its server answers 404)."""


class ChallengeNotFoundError(NotFoundError):
    """No challenge with that tracking code (or challenge id) exists."""


# --- conflicts ---------------------------------------------------------------------
class ConflictError(LedgerError):
    """The request contradicts what the log already holds."""


class IdConflictError(ConflictError):
    """The entry ``id`` was already used for a different payload."""


class AlreadyReversedError(ConflictError):
    """The entry named by an ``EntryReversed`` has already been reversed."""


class ConcurrentWriteError(ConflictError):
    """Another writer appended first; the caller may retry with fresh state."""


class AlreadyInitialisedError(ConflictError):
    """An instance already exists where one was to be created."""


class ChallengeConflictError(ConflictError):
    """A challenge step contradicts the challenge: its id is taken, or it is closed."""


# --- invalid input -----------------------------------------------------------------
class InvalidEntryError(LedgerError):
    """A submission is malformed or breaks a rule; nothing was stored."""


class MalformedSubmissionError(InvalidEntryError):
    """The submission is not a well-formed payload and signature pair."""


class NonCanonicalPayloadError(InvalidEntryError):
    """The payload bytes are not the RFC 8785 (JCS) encoding of themselves."""


class SchemaViolationError(InvalidEntryError):
    """The payload or its body does not satisfy its JSON Schema."""


class WrongLogError(InvalidEntryError):
    """The payload's ``log`` names another log than the one it was sent to."""


class EntryTooLargeError(InvalidEntryError):
    """The leaf would exceed 65,535 bytes."""


class RuleViolationError(InvalidEntryError):
    """A domain rule (money, reversal, registry) refuses the entry."""


# --- authorisation -----------------------------------------------------------------
class AuthorizationError(LedgerError):
    """The signer may not post this entry to this log."""


class UnknownKeyError(AuthorizationError):
    """The ``key`` is not registered in the registry."""


class RevokedKeyError(AuthorizationError):
    """The key was revoked; a revoked key signs nothing new."""


class KeyNotAuthorizedError(AuthorizationError):
    """The key is registered but not for this firm, project or entry type."""


# --- too many requests ---------------------------------------------------------------
class RateLimitedError(LedgerError):
    """A client sent more requests than its allowance; ``retry_after`` says when to retry."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, context={"retry_after": retry_after})
        self.retry_after = retry_after


# --- verification ------------------------------------------------------------------
class VerificationError(LedgerError):
    """Something a verifier checks did not hold."""


class InvalidSignatureError(VerificationError):
    """A signature does not verify against the key it claims."""


class InclusionProofError(VerificationError):
    """An inclusion proof does not lead to the claimed root."""


class ConsistencyProofError(VerificationError):
    """A consistency proof does not connect the two claimed roots."""


class MalformedNoteError(VerificationError):
    """A signed note, key or proof text does not parse."""


class MalformedCheckpointError(MalformedNoteError):
    """A checkpoint body does not parse (C2SP tlog-checkpoint)."""


class MalformedProofError(MalformedNoteError):
    """A tlog-proof text does not parse (C2SP tlog-proof)."""


class MalformedKeyError(MalformedNoteError):
    """A verifier key (vkey) or signer key does not parse."""


class PublishedFileError(VerificationError):
    """A published file does not parse or contradicts the others; ``context["path"]``
    names it (site-relative)."""


# --- the log's own integrity -------------------------------------------------------
class LogIntegrityError(LedgerError):
    """The stored log contradicts itself; the log refuses to sign over it."""


class ConfigurationError(LedgerError):
    """Missing or bad settings, key files or store location."""


# --- witnesses (c2sp.org/tlog-witness) ---------------------------------------------
class UnknownLogError(NotFoundError):
    """A witness was asked to cosign a checkpoint of a log it does not witness."""


class UntrustedCheckpointError(InvalidSignatureError):
    """No signature on the checkpoint verifies with the log key the witness trusts."""


class MalformedWitnessRequestError(MalformedNoteError):
    """An ``add-checkpoint`` request (or its old size) does not parse."""


class WitnessSizeConflictError(ConflictError):
    """The request's old size is not the size the witness last cosigned.

    ``context["size"]`` is the witness's size; the log retries from there.
    """


class EquivocationError(ConflictError):
    """Two checkpoints of one log, both signed by its key, that cannot both be true.

    ``context`` names the size and both roots; a witness refuses the second one.
    """
