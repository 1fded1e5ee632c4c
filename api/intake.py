"""The challenge intake (质疑受理): owners raise, follow, escalate and close challenges.

Owners hold no key. The intake, run by the association with the instance's intake key
(``intake.skey``, registered by ``IntakeKeyAdded``), turns an owner's request into a
signed ``ChallengeRaised``: the contact details go to the :mod:`private store
<api.private_store>`, the entry carries only their masked form and a salted commitment
(:mod:`domain.challenges`). The owner gets a tracking code once; only its hash is kept.
With the code the owner reads the thread's status and asks the intake to sign a
``ChallengeEscalated`` or ``ChallengeClosed`` on their behalf, and can erase their
private data. The firm answers with its own signed ``ChallengeAnswered`` through the
ordinary entries endpoint.

Order of writes when raising: the entry is appended first, then the private row is
stored. If the second write fails, the log holds a challenge whose private data is
simply absent — the same state as after an erasure — and no private data is ever kept
for a challenge that is not in the log. The owner then gets an error and no code.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from api.instance import Instance
from api.private_store import PrivateRecord, PrivateStore
from domain.application import LedgerApplication
from domain.board import placements
from domain.canonical import canonical_bytes
from domain.challenges import (
    SALT_BYTES,
    ChallengeRequest,
    ChallengeThread,
    CloseRequest,
    EscalateRequest,
    RandomBytes,
    commitment,
    default_subject,
    new_challenge_id,
    new_tracking_code,
    normalise_tracking_code,
    tracking_code_hash,
)
from domain.entries import Leaf, Submission
from domain.errors import (
    ChallengeConflictError,
    ChallengeNotFoundError,
    ConfigurationError,
    LogNotFoundError,
    RuleViolationError,
    SchemaViolationError,
)
from domain.receipts import Receipt
from domain.signing import Signer

CST: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_ID_ATTEMPTS: Final = 3
_log = logging.getLogger("shuangshai.intake")


@dataclass(frozen=True)
class RaisedChallenge:
    """What the owner gets back: the code (shown once), the id and the receipt."""

    tracking_code: str
    project_id: str
    challenge_id: str
    receipt: Receipt


@dataclass(frozen=True)
class ThreadStep:
    """One public entry of a thread, as the status shows it."""

    index: int
    entry_type: str
    accepted_at: str
    leaf_hash: str
    body: dict[str, Any]


@dataclass(frozen=True)
class ChallengeStatus:
    """A challenge as its owner follows it: public entries only, no private data."""

    project_id: str
    origin: str
    challenge_id: str
    status: str
    private_data: str  # "kept" or "erased"
    erased_at: str | None
    steps: tuple[ThreadStep, ...]


class ChallengeIntake:
    """The intake service over one ledger, one private store and the intake key."""

    def __init__(
        self,
        ledger: LedgerApplication,
        store: PrivateStore,
        signer: Signer,
        *,
        random_bytes: RandomBytes = secrets.token_bytes,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.signer = signer
        self._random = random_bytes

    @classmethod
    def for_instance(
        cls, instance: Instance, ledger: LedgerApplication
    ) -> ChallengeIntake | None:
        """The intake of an instance folder (its ``intake.skey`` and private store),
        or None for an instance made before intake keys existed."""
        if not instance.has_intake_key:
            return None
        return cls(ledger, instance.open_private_store(), instance.intake_signer())

    def close_store(self) -> None:
        """Close the private store (the ledger belongs to the caller)."""
        self.store.close()

    # ----------------------------------------------------------------- raising
    def raise_challenge(
        self,
        project_id: str,
        request: ChallengeRequest,
        *,
        channel: str = "online",
        received_at: datetime | None = None,
        challenge_id: str | None = None,
    ) -> RaisedChallenge:
        """Sign and append the ChallengeRaised, then keep the private row."""
        origin = self._origin(project_id)
        self._check_key()
        now = self.ledger.clock.now()
        target = self._target(origin, request.entry_index)
        topic = request.topic or self._topic(origin, request.entry_index)
        salt = self._random(SALT_BYTES)
        code = new_tracking_code(self._random)
        for attempt in range(_ID_ATTEMPTS):
            chosen = challenge_id or new_challenge_id(now.astimezone(CST), self._random)
            body: dict[str, Any] = {
                "challenge_id": chosen,
                "received_at": _cst(received_at or now),
                "channel": channel,
                "topic": topic,
                "subject": request.subject or default_subject(request.question),
                "question": request.question,
                "challenger": {
                    **request.contact.masked(),
                    "commitment": commitment(salt, request.contact),
                },
            }
            if target is not None:
                body["target"] = target
            try:
                receipt = self._post(
                    origin, f"challenge-{chosen}", "ChallengeRaised", body
                )
                break
            except ChallengeConflictError:
                if challenge_id is not None or attempt == _ID_ATTEMPTS - 1:
                    raise
            except SchemaViolationError as exc:
                if request.subject is None:
                    _drop_derived_subject(exc)
                raise
        record = PrivateRecord(
            tracking_hash=tracking_code_hash(code),
            origin=origin,
            challenge_id=chosen,
            raised_index=receipt.index,
            created_at=_utc(now),
            contact=canonical_bytes(request.contact.to_json()).decode("utf-8"),
            salt=salt.hex(),
        )
        try:
            self.store.add(record)
        except Exception:
            _log.exception(
                "challenge %s of %s is in the log but its private row was not stored",
                chosen,
                origin,
            )
            raise
        return RaisedChallenge(code, project_id, chosen, receipt)

    # -------------------------------------------------------------- following
    def status(self, tracking_code: str) -> ChallengeStatus:
        record = self._record(tracking_code)
        thread = self.ledger.get_challenge(record.origin, record.challenge_id)
        steps = []
        for step in thread.steps:
            stored = self.ledger.get_entry(record.origin, step.index)
            payload = Leaf.from_bytes(stored.leaf).submission.parse_payload()
            steps.append(
                ThreadStep(
                    step.index,
                    step.entry_type,
                    step.accepted_at,
                    stored.leaf_hash.hex(),
                    payload["body"],
                )
            )
        return ChallengeStatus(
            project_id=_project_id(record.origin),
            origin=record.origin,
            challenge_id=record.challenge_id,
            status=thread.status,
            private_data="erased" if record.is_erased else "kept",
            erased_at=record.erased_at,
            steps=tuple(steps),
        )

    def escalate(self, tracking_code: str, request: EscalateRequest) -> Receipt:
        """Sign a ChallengeEscalated for the owner (trigger owner-request by default)."""
        record = self._record(tracking_code)
        thread = self._open_thread(record)
        number = len(thread.of_type("ChallengeEscalated")) + 1
        body = {
            "challenge_id": record.challenge_id,
            "escalated_on": self._today(),
            "escalated_to": request.escalated_to,
            "trigger": request.trigger,
            "reason": request.reason,
        }
        entry_id = f"challenge-{record.challenge_id}-escalated-{number}"
        return self._post(record.origin, entry_id, "ChallengeEscalated", body)

    def close(
        self, tracking_code: str, request: CloseRequest, *, closed_by: str = "owner"
    ) -> Receipt:
        """Sign a ChallengeClosed for the owner (or, for the association, an authority)."""
        record = self._record(tracking_code)
        self._open_thread(record)
        body: dict[str, Any] = {
            "challenge_id": record.challenge_id,
            "closed_on": self._today(),
            "closed_by": closed_by,
            "outcome": request.outcome,
        }
        if request.note is not None:
            body["note"] = request.note
        entry_id = f"challenge-{record.challenge_id}-closed"
        return self._post(record.origin, entry_id, "ChallengeClosed", body)

    # ---------------------------------------------------------------- erasure
    def erase(self, tracking_code: str) -> PrivateRecord:
        """Delete the contact details and salt; the log stays as it is."""
        record = self._record(tracking_code)
        return self._erase(record)

    def erase_challenge(self, project_id: str, challenge_id: str) -> PrivateRecord:
        """The administrator's erasure, by project and challenge id (no code needed)."""
        origin = self._origin(project_id)
        record = self.store.find(origin, challenge_id)
        if record is None:
            raise ChallengeNotFoundError(
                f"私有库没有项目 {project_id} 的质疑 {challenge_id} / the private store "
                f"holds no challenge {challenge_id} of {project_id}"
            )
        return self._erase(record)

    def _erase(self, record: PrivateRecord) -> PrivateRecord:
        erased = self.store.erase(record.tracking_hash, _utc(self.ledger.clock.now()))
        if erased is None:  # the row cannot vanish: rows are never deleted
            raise ChallengeNotFoundError("跟踪码无效或不存在 / no such challenge")
        return erased

    # ---------------------------------------------------------------- helpers
    def _origin(self, project_id: str) -> str:
        if project_id not in self.ledger.get_registry().projects:
            raise LogNotFoundError(
                f"没有项目 {project_id!r} / no project {project_id!r} in the registry"
            )
        return self.ledger.project_origin(project_id)

    def _check_key(self) -> None:
        if self.ledger.get_registry().active_intake_key(self.signer.key_ref) is None:
            raise ConfigurationError(
                f"受理密钥 {self.signer.key_ref} 未登记或已吊销 / the intake key is not "
                "registered (IntakeKeyAdded) or was revoked"
            )

    def _record(self, tracking_code: str) -> PrivateRecord:
        code = normalise_tracking_code(tracking_code)
        record = self.store.get(tracking_code_hash(code))
        if record is None:
            raise ChallengeNotFoundError(
                "跟踪码无效或不存在 / no challenge has that tracking code",
                pointer="/path/tracking_code",
            )
        return record

    def _open_thread(self, record: PrivateRecord) -> ChallengeThread:
        """The thread of ``record``; ChallengeConflictError once it is closed."""
        thread = self.ledger.get_challenge(record.origin, record.challenge_id)
        closed = thread.closed
        if closed is not None:
            raise ChallengeConflictError(
                f"质疑 {record.challenge_id} 已于第 {closed.index} 条办结 / the challenge "
                f"was closed by entry {closed.index}",
                pointer="/path/tracking_code",
            )
        return thread

    def _target(self, origin: str, index: int | None) -> dict[str, Any] | None:
        if index is None:
            return None
        if index >= self.ledger.log_size(origin):
            raise RuleViolationError(
                f"该项目日志没有第 {index} 条 / the project log has no entry {index}",
                pointer="/body/entry_index",
            )
        stored = self.ledger.get_entry(origin, index)
        return {"index": index, "leaf_hash": stored.leaf_hash.hex()}

    def _topic(self, origin: str, index: int | None) -> str:
        """The board column of the questioned entry, else ``other``."""
        if index is None:
            return "other"
        stored = self.ledger.get_entry(origin, index)
        body = Leaf.from_bytes(stored.leaf).submission.parse_payload()["body"]
        columns = placements(stored.entry_type, body).columns
        return columns[0] if columns else "other"

    def _today(self) -> str:
        return self.ledger.clock.now().astimezone(CST).date().isoformat()

    def _post(
        self, origin: str, entry_id: str, entry_type: str, body: dict[str, Any]
    ) -> Receipt:
        payload = {
            "v": 1,
            "log": origin,
            "id": entry_id,
            "type": entry_type,
            "issued_at": _cst(self.ledger.clock.now()),
            "key": self.signer.key_ref,
            "body": body,
        }
        # Pointers of the body schema (/body/question, /body/reason …) name the same
        # fields as the owner's request, so check before signing and report them so.
        self.ledger.validator.validate_payload(payload)
        return self.ledger.submit(origin, Submission.sign(payload, self.signer))


def _cst(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="seconds")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _project_id(origin: str) -> str:
    return origin.rsplit("/p/", 1)[1]


def _drop_derived_subject(exc: SchemaViolationError) -> None:
    """A subject the owner did not type fails only because the question does: say so
    at ``/body/question`` alone."""
    kept = [e for e in exc.errors if e.pointer != "/body/subject"]
    if kept and len(kept) < len(exc.errors):
        exc.errors = kept
        exc.detail = f"{kept[0].pointer}: {kept[0].message}"
