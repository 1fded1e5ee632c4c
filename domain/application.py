"""The ledger application: the only place that writes to the event store.

``LedgerApplication`` holds one registry log and one log per registered project
(SPEC §2). Posting a batch of submissions to a log checks each one — canonical payload,
schema, target log, key, signature, authorisation, money and reversal rules, idempotency
— then appends the accepted ones, seals completed tiles and signs one checkpoint, all in
one ``save()`` (one transaction). Rejections change nothing. Every accepted entry gets a
:class:`~domain.receipts.Receipt`.

Concurrency: one lock per log inside a process; across processes the store's primary
key on (stream, version) refuses a second writer, and the batch is retried on fresh
state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, StoredEvent, Transcoder
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteDatastore,
    SQLiteProcessRecorder,
)

from domain import challenges, rules
from domain.catalogue import CHALLENGE_TYPES, PROJECT_ENTRY_TYPES, REGISTRY_ENTRY_TYPES
from domain.checkpoint import Checkpoint, sign_checkpoint, verify_cosignature
from domain.clock import Clock, SystemClock
from domain.entries import (
    Submission,
    entry_signature_message,
    format_accepted_at,
    make_leaf,
)
from domain.errors import (
    AlreadyReversedError,
    ChallengeNotFoundError,
    CheckpointNotFoundError,
    ConcurrentWriteError,
    ConsistencyProofError,
    EntryNotFoundError,
    FieldError,
    IdConflictError,
    InvalidSignatureError,
    KeyNotAuthorizedError,
    LedgerError,
    LogIntegrityError,
    LogNotFoundError,
    RuleViolationError,
    UnknownKeyError,
    WrongLogError,
)
from domain.events import (
    ChallengeTracked,
    CheckpointCosigned,
    CheckpointSigned,
    EntryAppended,
    EntryIdClaimed,
    EntryReversalClaimed,
    EventEncoder,
    TileSealed,
    stream_id,
    unique_stream_id,
)
from domain.merkle import hash_leaf, verify_consistency
from domain.note import NoteSignature, SignedNote
from domain.proof_text import TlogProof
from domain.receipts import Receipt
from domain.registry import RegistryState, Witness
from domain.signing import Signer, VerifierKey
from domain.transcoder import FastJSONTranscoder
from domain.tree import TILE_HEIGHT, TILE_WIDTH, TileCache, TileNodes, TileTree
from domain.validation import SchemaValidator, default_validator

MAX_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredEntry:
    """An accepted entry as the log holds it."""

    origin: str
    index: int
    leaf: bytes
    leaf_hash: bytes
    entry_id: str
    entry_type: str
    key_ref: str
    firm: str | None

    @classmethod
    def from_event(cls, event: EntryAppended) -> StoredEntry:
        return cls(
            event.origin,
            event.index,
            event.leaf.encode("ascii"),
            bytes.fromhex(event.leaf_hash),
            event.entry_id,
            event.entry_type,
            event.key_ref,
            event.firm,
        )


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint the log signed, kept forever."""

    origin: str
    size: int
    root: bytes
    note: str


@dataclass
class _LogState:
    """What a process keeps in memory about one log; reloadable from the store."""

    origin: str
    tree: TileTree
    last_checkpoint: StoredCheckpoint | None
    checkpoint_count: int
    last_accepted_at: str
    lock: threading.RLock = field(default_factory=threading.RLock)


@dataclass
class _Cosignatures:
    """The cosignatures of one log read so far: (size, witness) → event."""

    count: int = 0
    by_size: dict[int, dict[str, CheckpointCosigned]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class _Accepted:
    """One submission accepted into the batch being built."""

    index: int
    entry_id: str
    payload_sha256: str
    firm: str | None
    entry_type: str
    leaf_hash: bytes
    leaf: bytes


@dataclass
class _Batch:
    """What a batch has decided so far, so later submissions see earlier ones."""

    careful: bool = True  # read the store for reused ids and repeated reversals
    now: datetime = field(
        default_factory=lambda: datetime.now(UTC)
    )  # events' timestamp
    events: list[DomainEvent | StoredEvent] = field(default_factory=list)
    by_id: dict[str, _Accepted] = field(default_factory=dict)
    by_index: dict[int, _Accepted] = field(default_factory=dict)
    reversed_targets: set[int] = field(default_factory=set)
    threads: dict[str, challenges.ChallengeThread] = field(default_factory=dict)


Outcome = Receipt | LedgerError


class LedgerApplication(Application[UUID]):
    """The event-sourced ledger of one instance: a registry log plus project logs."""

    name = "shuangshai"
    is_snapshotting_enabled = False

    def construct_transcoder(self) -> Transcoder:
        """eventsourcing's JSON with a faster encoder (see domain/transcoder.py)."""
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def __init__(
        self,
        *,
        instance: str,
        association_vkey: str,
        log_signer_seed: bytes,
        env: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        validator: SchemaValidator | None = None,
    ) -> None:
        super().__init__(env)
        _tune_sqlite(self.recorder)
        self._text_id_claims = _declare_id_claims(self.recorder)
        self._event_encoder = EventEncoder(self.mapper)
        self.instance = instance
        self.association_key = VerifierKey.from_vkey(association_vkey)
        self._log_seed = log_signer_seed
        self.clock = clock or SystemClock()
        self.validator = validator or default_validator()
        self.registry_origin = f"{instance}/registry"
        self._states: dict[str, _LogState] = {}
        # One lock per log for the process's life, shared by every reload of its state.
        self._log_locks: dict[str, threading.RLock] = {}
        self._states_lock = threading.Lock()
        self._registry = RegistryState()
        self._registry_lock = threading.RLock()
        self._verifiers: dict[str, VerifierKey] = {}
        self._log_signers: dict[str, Signer] = {}
        self._tile_cache = TileCache(capacity=2048)
        self._cosignatures: dict[str, _Cosignatures] = {}

    # ------------------------------------------------------------------ names
    def project_origin(self, project_id: str) -> str:
        return f"{self.instance}/p/{project_id}"

    def log_signer(self, origin: str) -> Signer:
        """The log's checkpoint key for ``origin`` (key name = origin, per C2SP)."""
        signer = self._log_signers.get(origin)
        if signer is None:
            signer = Signer.from_seed(origin, self._log_seed)
            self._log_signers[origin] = signer
        return signer

    def log_vkey(self, origin: str) -> str:
        return self.log_signer(origin).vkey

    def list_origins(self) -> list[str]:
        """The registry log and every registered project's log."""
        registry = self.get_registry()
        return [self.registry_origin] + [
            self.project_origin(pid) for pid in sorted(registry.projects)
        ]

    def _check_origin(self, origin: str) -> str | None:
        """The project id of ``origin`` (None for the registry), or LogNotFoundError."""
        if origin == self.registry_origin:
            return None
        prefix = f"{self.instance}/p/"
        if origin.startswith(prefix):
            project_id = origin[len(prefix) :]
            if project_id in self._registry.projects:  # projects are never removed
                return project_id
            if project_id in self.get_registry().projects:
                return project_id
        raise LogNotFoundError(f"没有这个日志 / no log with origin {origin!r}")

    # --------------------------------------------------------------- registry
    def get_registry(self) -> RegistryState:
        """The registry state, caught up with the store (other writers included)."""
        with self._registry_lock:
            self._catch_up_registry()
            return self._registry

    def _catch_up_registry(self) -> None:
        origin = self.registry_origin
        for event in self._read_entries(origin, gt=self._registry.size):
            payload = Submission.from_json(_leaf_submission(event.leaf)).parse_payload()
            self._registry.apply(event.index, payload)

    # ----------------------------------------------------------------- writes
    def submit(self, origin: str, submission: Submission) -> Receipt:
        """Post one submission; returns its receipt or raises its rejection."""
        (outcome,) = self.submit_batch(origin, [submission])
        if isinstance(outcome, LedgerError):
            raise outcome
        return outcome

    def submit_batch(
        self, origin: str, submissions: Sequence[Submission]
    ) -> list[Outcome]:
        """Post several submissions to one log in one transaction and one checkpoint.

        Returns, in order, a receipt for each accepted (or already present) entry and
        the error for each rejected one. Rejected submissions change nothing.
        """
        self._check_origin(origin)
        state = self._state(origin)
        with state.lock:
            for attempt in range(MAX_WRITE_ATTEMPTS):
                try:
                    # The first attempt is optimistic: it lets the store's primary keys
                    # find reused ids and repeated reversals. If one conflicts, the
                    # batch is redone with reads (``careful``), on fresh state.
                    return self._append_batch(state, submissions, careful=attempt > 0)
                except IntegrityError:
                    # Another process appended first: start again from the store.
                    state = self._reload_state(origin)
                except BaseException:
                    # The in-memory tree may be ahead of the store: reload it.
                    self._reload_state(origin)
                    raise
            raise ConcurrentWriteError(
                f"日志 {origin} 写入冲突，请重试 / log {origin} kept changing under us; retry"
            )

    def _append_batch(
        self, state: _LogState, submissions: Sequence[Submission], *, careful: bool
    ) -> list[Outcome]:
        origin = state.origin
        is_registry = origin == self.registry_origin
        with self._registry_lock:
            self._catch_up_registry()
            registry = self._registry.copy() if is_registry else self._registry
        now = self.clock.now()
        accepted_at = format_accepted_at(now)
        accepted_at = max(accepted_at, state.last_accepted_at)
        batch = _Batch(careful=careful, now=now)
        outcomes: list[Outcome | int] = []
        for submission in submissions:
            try:
                outcomes.append(
                    self._accept(
                        state, batch, registry, submission, accepted_at, is_registry
                    )
                )
            except LedgerError as exc:
                outcomes.append(exc)
        new_checkpoint = state.last_checkpoint
        if batch.by_index:
            new_checkpoint = self._sign_next_checkpoint(state, batch)
            self._store(batch.events)
            state.last_checkpoint = new_checkpoint
            state.checkpoint_count += 1
            state.last_accepted_at = accepted_at
            if is_registry:
                with self._registry_lock:
                    self._registry = registry
        results: list[Outcome] = []
        note = self._checkpoint_note(state)
        indices = [outcome for outcome in outcomes if isinstance(outcome, int)]
        proofs = (
            state.tree.inclusion_proofs(indices, state.last_checkpoint.size)
            if indices and state.last_checkpoint is not None
            else {}
        )
        for outcome in outcomes:
            if isinstance(outcome, int):
                accepted = batch.by_index.get(outcome)
                leaf = accepted.leaf if accepted is not None else None
                results.append(
                    self._receipt(state, outcome, note, leaf, proofs.get(outcome))
                )
            else:
                results.append(outcome)
        return results

    def _accept(
        self,
        state: _LogState,
        batch: _Batch,
        registry: RegistryState,
        submission: Submission,
        accepted_at: str,
        is_registry: bool,
    ) -> int:
        """Check one submission; on success add its events to the batch.

        Returns the index of the entry (new, or the original for a safe retry).
        """
        origin = state.origin
        payload = submission.parse_payload()
        payload_sha256 = hashlib.sha256(submission.payload_bytes).hexdigest()
        with _under_payload():
            self.validator.validate_payload(payload, numbers_checked=True)
        if payload["log"] != origin:
            raise WrongLogError(
                f"载荷的 log 为 {payload['log']!r}，但提交到了 {origin!r} / the payload is "
                f"for log {payload['log']!r} but was sent to {origin!r}",
                pointer="/payload/log",
            )
        entry_id: str = payload["id"]
        existing = self._find_id(origin, batch, entry_id)
        if existing is not None:
            index, original_sha256 = existing
            if original_sha256 != payload_sha256:
                raise IdConflictError(
                    f"条目编号 {entry_id!r} 已用于另一内容（第 {index} 条）/ id {entry_id!r} "
                    f"was already used for a different payload (index {index})",
                    pointer="/payload/id",
                    context={"index": index},
                )
            return index
        try:
            return self._accept_new(
                state,
                batch,
                registry,
                submission,
                payload,
                payload_sha256,
                accepted_at,
                is_registry,
            )
        except LedgerError:
            if batch.careful:
                raise
            # Optimistic mode skipped the store's id claims: a retry of an entry that
            # is already in the log must get its receipt even if today's registry or
            # rules would refuse it (its key revoked since, say).
            stored = self._find_id(origin, _Batch(careful=True), entry_id)
            if stored is None:
                raise
            if stored[1] != payload_sha256:
                raise IdConflictError(
                    f"条目编号 {entry_id!r} 已用于另一内容（第 {stored[0]} 条）/ id "
                    f"{entry_id!r} was already used for a different payload "
                    f"(index {stored[0]})",
                    pointer="/payload/id",
                    context={"index": stored[0]},
                ) from None
            return stored[0]

    def _accept_new(
        self,
        state: _LogState,
        batch: _Batch,
        registry: RegistryState,
        submission: Submission,
        payload: dict[str, Any],
        payload_sha256: str,
        accepted_at: str,
        is_registry: bool,
    ) -> int:
        """Check and add an entry whose id this batch has not seen."""
        origin = state.origin
        entry_id: str = payload["id"]
        entry_type: str = payload["type"]
        allowed = REGISTRY_ENTRY_TYPES if is_registry else PROJECT_ENTRY_TYPES
        if entry_type not in allowed:
            where = (
                "登记册 / the registry log"
                if is_registry
                else "项目日志 / a project log"
            )
            raise RuleViolationError(
                f"{entry_type} 不能写入{where}", pointer="/payload/type"
            )
        key_ref: str = payload["key"]
        firm: str | None = None
        if is_registry:
            if key_ref != self.association_key.key_ref:
                raise UnknownKeyError(
                    f"登记册条目必须由协会密钥 {self.association_key.key_ref} 签署 / registry "
                    f"entries must be signed by the association key",
                    pointer="/payload/key",
                )
            _verify_entry_signature(self.association_key, submission)
            registry.check(payload)
        else:
            project_id = origin.rsplit("/p/", 1)[1]
            role: challenges.Role
            if key_ref in registry.intake_keys:
                intake = registry.authorize_intake_entry(key_ref, project_id)
                _verify_entry_signature(
                    self._verifier(intake.key_ref, intake.vkey), submission
                )
                role = "intake"
            else:
                key, contract = registry.authorize_project_entry(key_ref, project_id)
                _verify_entry_signature(
                    self._verifier(key.key_ref, key.vkey), submission
                )
                firm = key.firm
                role = "firm"
                with _under_payload():
                    rules.check_against_contract(entry_type, payload["body"], contract)
            with _under_payload():
                challenges.check_signer_role(entry_type, payload["body"], role)
            if entry_type == "EntryReversed":
                self._check_reversal(state, batch, payload, firm)
            if entry_type in CHALLENGE_TYPES:
                thread = self._check_challenge(state, batch, payload, accepted_at, role)
        leaf = make_leaf(submission, accepted_at)
        index = state.tree.size
        leaf_hash = hash_leaf(leaf)
        sealed = state.tree.append(leaf_hash)
        accepted = _Accepted(
            index, entry_id, payload_sha256, firm, entry_type, leaf_hash, leaf
        )
        batch.by_id[entry_id] = accepted
        batch.by_index[index] = accepted
        encode = self._event_encoder.encode
        batch.events.append(
            encode(
                EntryAppended,
                originator_id=stream_id(origin, "entries"),
                originator_version=index + 1,
                timestamp=batch.now,
                origin=origin,
                index=index,
                leaf=leaf.decode("ascii"),
                leaf_hash=leaf_hash.hex(),
                entry_id=entry_id,
                entry_type=entry_type,
                key_ref=key_ref,
                firm=firm,
                registry_size=registry.size,
            )
        )
        batch.events.append(
            encode(
                EntryIdClaimed,
                originator_id=self._id_claim_key(origin, entry_id),
                originator_version=1,
                timestamp=batch.now,
                origin=origin,
                entry_id=entry_id,
                index=index,
                payload_sha256=payload_sha256,
            )
        )
        if entry_type == "EntryReversed":
            target = int(payload["body"]["target"]["index"])
            batch.reversed_targets.add(target)
            batch.events.append(
                EntryReversalClaimed(
                    originator_id=stream_id(origin, f"reversal/{target}"),
                    originator_version=1,
                    timestamp=batch.now,
                    origin=origin,
                    target_index=target,
                    reversing_index=index,
                )
            )
        for level, tile_index, tile in sealed:
            batch.events.append(
                TileSealed(
                    originator_id=stream_id(origin, f"tiles/{level}"),
                    originator_version=tile_index + 1,
                    timestamp=batch.now,
                    origin=origin,
                    level=level,
                    index=tile_index,
                    hashes=base64.b64encode(b"".join(tile.hashes())).decode("ascii"),
                    root=tile.root().hex(),
                )
            )
        if not is_registry and entry_type in CHALLENGE_TYPES:
            step = challenges.ChallengeStep(
                index,
                entry_type,
                challenges.step_detail(entry_type, payload["body"]),
                accepted_at,
                role,
            )
            batch.threads[thread.challenge_id] = thread.with_step(step)
            batch.events.append(
                ChallengeTracked(
                    originator_id=stream_id(origin, f"challenge/{thread.challenge_id}"),
                    originator_version=len(thread.steps) + 1,
                    timestamp=batch.now,
                    origin=origin,
                    challenge_id=thread.challenge_id,
                    index=index,
                    entry_type=entry_type,
                    detail=step.detail,
                    accepted_at=accepted_at,
                    role=role,
                )
            )
        if is_registry:
            registry.apply(index, payload)
        return index

    def _check_challenge(
        self,
        state: _LogState,
        batch: _Batch,
        payload: Mapping[str, Any],
        accepted_at: str,
        role: challenges.Role,
    ) -> challenges.ChallengeThread:
        """Check a challenge step against its thread; returns the thread so far."""
        body = payload["body"]
        entry_type: str = payload["type"]
        thread = batch.threads.get(body["challenge_id"])
        if thread is None:
            thread = self._read_thread(state.origin, body["challenge_id"])
        with _under_payload():
            if entry_type == "ChallengeRaised":
                challenges.check_raise(thread)
                target = body.get("target")
                if target is not None:
                    self._check_target(state, batch, target)
            else:
                challenges.check_followup(thread, entry_type, body, accepted_at)
        return thread

    def _check_target(
        self, state: _LogState, batch: _Batch, target: Mapping[str, Any]
    ) -> None:
        """The entry a challenge questions must exist here with that leaf hash."""
        index: int = target["index"]
        if index >= state.tree.size:
            raise RuleViolationError(
                f"所质疑的条目 {index} 不存在 / the questioned entry {index} does not "
                "exist in this log",
                pointer="/body/target/index",
            )
        in_batch = batch.by_index.get(index)
        leaf_hash = (
            in_batch.leaf_hash
            if in_batch is not None
            else self._read_entry(state.origin, index).leaf_hash
        )
        if leaf_hash.hex() != target["leaf_hash"]:
            raise RuleViolationError(
                f"所质疑条目的叶子哈希不符（第 {index} 条是 {leaf_hash.hex()}）/ "
                f"leaf_hash does not match entry {index}",
                pointer="/body/target/leaf_hash",
            )

    def _read_thread(
        self, origin: str, challenge_id: str
    ) -> challenges.ChallengeThread:
        thread = challenges.ChallengeThread(challenge_id)
        for event in self._read(stream_id(origin, f"challenge/{challenge_id}")):
            tracked = cast(ChallengeTracked, event)
            thread = thread.with_step(
                challenges.ChallengeStep(
                    tracked.index,
                    tracked.entry_type,
                    tracked.detail,
                    tracked.accepted_at,
                    "intake" if tracked.role == "intake" else "firm",
                )
            )
        return thread

    def get_challenge(
        self, origin: str, challenge_id: str
    ) -> challenges.ChallengeThread:
        """A challenge thread of a project log (ChallengeNotFoundError if never raised)."""
        self._check_origin(origin)
        thread = self._read_thread(origin, challenge_id)
        if thread.raised is None:
            raise ChallengeNotFoundError(
                f"日志 {origin} 没有质疑 {challenge_id} / no challenge {challenge_id}"
            )
        return thread

    def _check_reversal(
        self,
        state: _LogState,
        batch: _Batch,
        payload: Mapping[str, Any],
        firm: str | None,
    ) -> None:
        target = payload["body"]["target"]
        target_index: int = target["index"]
        if target_index >= state.tree.size:
            raise RuleViolationError(
                f"红冲的目标条目 {target_index} 不存在 / the reversed entry {target_index} "
                "does not exist in this log",
                pointer="/payload/body/target/index",
            )
        in_batch = batch.by_index.get(target_index)
        if in_batch is not None:
            target_hash, target_firm, target_type = (
                in_batch.leaf_hash,
                in_batch.firm,
                in_batch.entry_type,
            )
        else:
            stored = self._read_entry(state.origin, target_index)
            target_hash, target_firm, target_type = (
                stored.leaf_hash,
                stored.firm,
                stored.entry_type,
            )
        if target_hash.hex() != target["leaf_hash"]:
            raise RuleViolationError(
                f"红冲目标的叶子哈希不符（第 {target_index} 条是 {target_hash.hex()}）/ "
                f"leaf_hash does not match entry {target_index}",
                pointer="/payload/body/target/leaf_hash",
            )
        if target_type == "EntryReversed":
            raise RuleViolationError(
                "红冲条目不能再被红冲；请重新发布正确的条目 / a reversal cannot itself be "
                "reversed: post the corrected entry instead",
                pointer="/payload/body/target/index",
            )
        if target_firm != firm:
            raise KeyNotAuthorizedError(
                f"只有原发布企业 {target_firm} 可以红冲该条目 / only the firm that posted "
                "the entry may reverse it",
                pointer="/payload/key",
            )
        if target_index in batch.reversed_targets or (
            batch.careful and self._is_reversed(state.origin, target_index)
        ):
            raise AlreadyReversedError(
                f"第 {target_index} 条已被红冲 / entry {target_index} was already reversed",
                pointer="/payload/body/target/index",
            )

    def _sign_next_checkpoint(
        self, state: _LogState, batch: _Batch
    ) -> StoredCheckpoint:
        """Sign the checkpoint after a batch, refusing one inconsistent with the last."""
        origin = state.origin
        size = state.tree.size
        root = state.tree.root()
        last = state.last_checkpoint
        if last is not None:
            try:
                verify_consistency(
                    old_size=last.size,
                    new_size=size,
                    old_root=last.root,
                    new_root=root,
                    proof=state.tree.consistency_proof(last.size, size),
                )
            except ConsistencyProofError as exc:
                raise LogIntegrityError(
                    f"拒绝签署：新检查点与上一个不一致 / refusing to sign checkpoint {size}: "
                    f"not consistent with checkpoint {last.size} ({exc.detail})"
                ) from exc
        note = sign_checkpoint(Checkpoint(origin, size, root), self.log_signer(origin))
        stored = StoredCheckpoint(origin, size, root, note.to_text())
        batch.events.append(
            CheckpointSigned(
                originator_id=stream_id(origin, "checkpoints"),
                originator_version=state.checkpoint_count + 1,
                timestamp=batch.now,
                origin=origin,
                size=size,
                root=root.hex(),
                note=stored.note,
            )
        )
        return stored

    def _store(self, events: Sequence[DomainEvent | StoredEvent]) -> None:
        """Record a batch's events in one transaction.

        ``Application.save`` checks each argument against a runtime Protocol and
        wraps every event in a recording that nothing here reads; the per-entry
        events come already encoded (:class:`~domain.events.EventEncoder`), the rest
        go through the mapper, and all of them into the recorder at once.
        """
        to_stored = self.mapper.to_stored_event
        stored = [
            event if isinstance(event, StoredEvent) else to_stored(event)
            for event in events
        ]
        if isinstance(self.recorder, SQLiteApplicationRecorder) and not isinstance(
            self.recorder, SQLiteProcessRecorder
        ):
            _insert_sqlite(self.recorder, stored)
        else:
            self.recorder.insert_events(stored)

    # ------------------------------------------------------------------ reads
    def get_entry(self, origin: str, index: int) -> StoredEntry:
        self._check_origin(origin)
        return self._read_entry(origin, index)

    def _read_entry(self, origin: str, index: int) -> StoredEntry:
        for event in self._read_entries(origin, gt=index, lte=index + 1):
            return StoredEntry.from_event(event)
        raise EntryNotFoundError(f"日志 {origin} 没有第 {index} 条 / no entry {index}")

    def list_entries(
        self, origin: str, *, start: int = 0, stop: int | None = None
    ) -> Iterator[StoredEntry]:
        """Entries ``start <= index < stop`` in order, read in pages."""
        self._check_origin(origin)
        for event in self._read_entries(origin, gt=start, lte=stop):
            yield StoredEntry.from_event(event)

    def get_entry_by_id(self, origin: str, entry_id: str) -> StoredEntry:
        found = self._find_id(origin, _Batch(), entry_id)
        if found is None:
            raise EntryNotFoundError(
                f"没有编号为 {entry_id!r} 的条目 / no entry with that id"
            )
        return self.get_entry(origin, found[0])

    def get_checkpoint(self, origin: str) -> StoredCheckpoint:
        """The latest signed checkpoint of a log."""
        self._check_origin(origin)
        state = self._fresh_state(origin)
        if state.last_checkpoint is None:
            raise CheckpointNotFoundError(
                f"日志 {origin} 还没有检查点 / no checkpoint yet"
            )
        return state.last_checkpoint

    def list_checkpoints(self, origin: str) -> Iterator[StoredCheckpoint]:
        """Every checkpoint the log ever signed, oldest first."""
        self._check_origin(origin)
        for event in self._read(stream_id(origin, "checkpoints")):
            event = cast(CheckpointSigned, event)
            yield StoredCheckpoint(
                origin, event.size, bytes.fromhex(event.root), event.note
            )

    def get_receipt(self, origin: str, index: int) -> Receipt:
        """A receipt for the entry at ``index`` against the latest checkpoint."""
        self._check_origin(origin)
        state = self._fresh_state(origin, covers=index + 1)
        with state.lock:
            if index < 0 or index >= state.tree.size:
                raise EntryNotFoundError(
                    f"日志 {origin} 没有第 {index} 条 / no entry {index}"
                )
            return self._receipt(state, index)

    def inclusion_proof(self, origin: str, index: int, size: int) -> list[bytes]:
        self._check_origin(origin)
        state = self._fresh_state(origin, covers=size)
        with state.lock:
            if not 0 <= index < size <= state.tree.size:
                raise EntryNotFoundError(
                    f"无法证明：需要 0 ≤ index < size ≤ {state.tree.size} / cannot prove "
                    f"index {index} in size {size}"
                )
            return state.tree.inclusion_proof(index, size)

    def consistency_proof(
        self, origin: str, old_size: int, new_size: int
    ) -> list[bytes]:
        self._check_origin(origin)
        state = self._fresh_state(origin, covers=new_size)
        with state.lock:
            if not 0 <= old_size <= new_size <= state.tree.size:
                raise CheckpointNotFoundError(
                    f"无法证明：需要 0 ≤ old ≤ new ≤ {state.tree.size} / cannot prove "
                    f"{old_size} → {new_size}"
                )
            return state.tree.consistency_proof(old_size, new_size)

    def root_at(self, origin: str, size: int) -> bytes:
        self._check_origin(origin)
        state = self._fresh_state(origin, covers=size)
        with state.lock:
            if not 0 <= size <= state.tree.size:
                raise CheckpointNotFoundError(f"size {size} is beyond the log")
            return state.tree.root(size)

    def tile_hashes(
        self, origin: str, level: int, index: int, width: int, size: int
    ) -> list[bytes]:
        """The hashes of tile ``level/index`` of width ``width`` in the tree of ``size``.

        C2SP tlog-tiles: a tile at level L holds the node hashes at tree height 8·L
        with indices 256·index … 256·index + width − 1.
        """
        self._check_origin(origin)
        state = self._fresh_state(origin, covers=size)
        with state.lock:
            first = index * TILE_WIDTH
            height = TILE_HEIGHT * level
            if not 0 < width <= TILE_WIDTH or (first + width) << height > size:
                raise EntryNotFoundError(
                    f"no tile {level}/{index} of width {width} in a tree of size {size}"
                )
            if size > state.tree.size:
                raise EntryNotFoundError(f"size {size} is beyond the log")
            return [
                state.tree.perfect_hash(height, i) for i in range(first, first + width)
            ]

    def log_size(self, origin: str) -> int:
        self._check_origin(origin)
        return self._fresh_state(origin).tree.size

    def _checkpoint_note(self, state: _LogState) -> SignedNote | None:
        checkpoint = state.last_checkpoint
        return None if checkpoint is None else SignedNote.from_text(checkpoint.note)

    def _receipt(
        self,
        state: _LogState,
        index: int,
        note: SignedNote | None = None,
        leaf: bytes | None = None,
        path: list[bytes] | None = None,
    ) -> Receipt:
        checkpoint = state.last_checkpoint
        if checkpoint is None or checkpoint.size <= index:
            raise LogIntegrityError(
                f"no checkpoint covers entry {index} of {state.origin}"
            )
        if leaf is None:
            leaf = self._read_entry(state.origin, index).leaf
        proof = TlogProof(
            index=index,
            hashes=tuple(
                path
                if path is not None
                else state.tree.inclusion_proof(index, checkpoint.size)
            ),
            checkpoint=note or SignedNote.from_text(checkpoint.note),
        )
        return Receipt(state.origin, index, leaf, proof)

    # ------------------------------------------------------------ cosignatures
    def get_checkpoint_at(self, origin: str, size: int) -> StoredCheckpoint:
        """The checkpoint the log signed at tree size ``size``."""
        latest = self.get_checkpoint(origin)
        if latest.size == size:
            return latest
        if size < latest.size:
            for checkpoint in self.list_checkpoints(origin):
                if checkpoint.size == size:
                    return checkpoint
        raise CheckpointNotFoundError(
            f"日志 {origin} 没有大小为 {size} 的检查点 / no checkpoint of size {size}"
        )

    def covering_witnesses(self, origin: str) -> list[Witness]:
        """The registry's active witnesses that cover the log ``origin``."""
        project_id = self._check_origin(origin)
        return self.get_registry().covering_witnesses(project_id)

    def record_cosignatures(
        self, origin: str, size: int, lines: Sequence[NoteSignature]
    ) -> list[str]:
        """Verify witnesses' cosignatures of checkpoint ``size`` and keep them.

        Lines whose key is not a witness covering the log are ignored (tlog-witness:
        a client ignores unknown keys). A line by a covering witness that does not
        verify raises :class:`InvalidSignatureError` and nothing is stored. One
        cosignature per witness and checkpoint is kept (the first). Returns the key
        references of the witnesses that now have a cosignature of that checkpoint.
        """
        checkpoint = self.get_checkpoint_at(origin, size)
        text = SignedNote.from_text(checkpoint.note).text
        keys = {
            witness.key_ref: VerifierKey.from_vkey(witness.vkey)
            for witness in self.covering_witnesses(origin)
        }
        verified: dict[str, tuple[NoteSignature, int]] = {}
        for line in lines:
            for key_ref, key in keys.items():
                if line.matches(key):
                    timestamp = verify_cosignature(SignedNote(text, (line,)), key)
                    verified.setdefault(key_ref, (line, timestamp))
        cache = self._cosignatures_of(origin)
        with cache.lock:
            for _attempt in range(MAX_WRITE_ATTEMPTS):
                self._catch_up_cosignatures(origin, cache)
                have = cache.by_size.get(size, {})
                events: list[CheckpointCosigned] = []
                for key_ref, (line, timestamp) in verified.items():
                    if key_ref in have:
                        continue
                    events.append(
                        _cosigned_event(
                            origin,
                            cache.count + len(events) + 1,
                            checkpoint,
                            key_ref,
                            line,
                            timestamp,
                        )
                    )
                if not events:
                    break
                try:
                    self._store(events)
                except IntegrityError:
                    continue  # another writer stored cosignatures first: re-read
                self._catch_up_cosignatures(origin, cache)
                break
            else:
                raise ConcurrentWriteError(
                    f"日志 {origin} 的联署写入冲突，请重试 / cosignatures of {origin} kept "
                    "changing under us; retry"
                )
            return sorted(cache.by_size.get(size, {}))

    def list_cosignatures(self, origin: str) -> dict[int, tuple[str, ...]]:
        """Checkpoint size → the kept cosignature lines, in the order they came."""
        self._check_origin(origin)
        cache = self._cosignatures_of(origin)
        with cache.lock:
            self._catch_up_cosignatures(origin, cache)
            return {
                size: tuple(event.line for event in by_witness.values())
                for size, by_witness in cache.by_size.items()
            }

    def last_cosigned_sizes(self, origin: str) -> dict[str, int]:
        """Witness key reference → the largest checkpoint size it cosigned."""
        self._check_origin(origin)
        cache = self._cosignatures_of(origin)
        sizes: dict[str, int] = {}
        with cache.lock:
            self._catch_up_cosignatures(origin, cache)
            for size, by_witness in cache.by_size.items():
                for key_ref in by_witness:
                    sizes[key_ref] = max(size, sizes.get(key_ref, 0))
        return sizes

    def cosigned_note(self, checkpoint: StoredCheckpoint) -> str:
        """The checkpoint's note with the log's signature and its kept cosignatures."""
        lines = self.list_cosignatures(checkpoint.origin).get(checkpoint.size, ())
        if not lines:
            return checkpoint.note
        return checkpoint.note + "".join(lines)

    def _cosignatures_of(self, origin: str) -> _Cosignatures:
        with self._states_lock:
            cache = self._cosignatures.get(origin)
            if cache is None:
                cache = self._cosignatures[origin] = _Cosignatures()
            return cache

    def _catch_up_cosignatures(self, origin: str, cache: _Cosignatures) -> None:
        for event in self._read(stream_id(origin, "cosignatures"), gt=cache.count):
            cosigned = cast(CheckpointCosigned, event)
            cache.by_size.setdefault(cosigned.size, {})[cosigned.witness] = cosigned
            cache.count = cosigned.originator_version

    # ------------------------------------------------------- integrity checks
    def verify_stored_tree(self, origin: str) -> int:
        """Rebuild the tree from the entries alone and compare it with what is stored.

        Checks every leaf hash, every sealed tile, every signed checkpoint's root
        (and signature) and every kept witness cosignature. Returns the log size; raises LogIntegrityError on any
        difference. Memory stays bounded: only the rebuilt edge tiles are held.
        """
        self._check_origin(origin)
        stored_tiles: dict[tuple[int, int], bytes] = {}
        rebuilt = TileTree.empty(self._tile_loader(origin), TileCache(capacity=64))
        checkpoints = {c.size: c for c in self.list_checkpoints(origin)}
        self._check_cosignatures(origin, checkpoints)
        log_key = self.log_signer(origin).verifier()
        if 0 in checkpoints:
            self._check_checkpoint(checkpoints.pop(0), rebuilt, log_key)
        for event in self._read_entries(origin):
            leaf_hash = hash_leaf(event.leaf.encode("ascii"))
            if leaf_hash.hex() != event.leaf_hash or event.index != rebuilt.size:
                raise LogIntegrityError(
                    f"entry {event.index} of {origin} has a wrong leaf hash"
                )
            for level, tile_index, tile in rebuilt.append(leaf_hash):
                stored_tiles[(level, tile_index)] = b"".join(tile.hashes())
                self._compare_tile(
                    origin, level, tile_index, stored_tiles.pop((level, tile_index))
                )
            checkpoint = checkpoints.pop(rebuilt.size, None)
            if checkpoint is not None:
                self._check_checkpoint(checkpoint, rebuilt, log_key)
        if checkpoints:
            raise LogIntegrityError(
                f"checkpoints beyond the log's size {rebuilt.size}: {sorted(checkpoints)}"
            )
        return rebuilt.size

    def _check_cosignatures(
        self, origin: str, checkpoints: Mapping[int, StoredCheckpoint]
    ) -> None:
        """Every kept cosignature is of a kept checkpoint and verifies."""
        witnesses = self.get_registry().witnesses
        for event in self._read(stream_id(origin, "cosignatures")):
            cosigned = cast(CheckpointCosigned, event)
            checkpoint = checkpoints.get(cosigned.size)
            witness = witnesses.get(cosigned.witness)
            try:
                if checkpoint is None or witness is None:
                    raise InvalidSignatureError("no such checkpoint or witness")
                line = NoteSignature.from_line(cosigned.line)
                text = SignedNote.from_text(checkpoint.note).text
                key = VerifierKey.from_vkey(witness.vkey)
                if not line.matches(key):
                    raise InvalidSignatureError("the line is by another key")
                verify_cosignature(SignedNote(text, (line,)), key)
            except LedgerError as exc:
                raise LogIntegrityError(
                    f"stored cosignature {cosigned.originator_version} of {origin} "
                    f"(witness {cosigned.witness}, size {cosigned.size}) does not "
                    f"verify: {exc.detail}"
                ) from None

    def _compare_tile(
        self, origin: str, level: int, index: int, rebuilt: bytes
    ) -> None:
        events = list(
            self._read(stream_id(origin, f"tiles/{level}"), gt=index, lte=index + 1)
        )
        if (
            not events
            or base64.b64decode(cast(TileSealed, events[0]).hashes) != rebuilt
        ):
            raise LogIntegrityError(f"stored tile {level}/{index} of {origin} differs")

    def _check_checkpoint(
        self, checkpoint: StoredCheckpoint, tree: TileTree, log_key: VerifierKey
    ) -> None:
        if tree.root(checkpoint.size) != checkpoint.root:
            raise LogIntegrityError(
                f"checkpoint {checkpoint.size} of {checkpoint.origin} has a wrong root"
            )
        note = SignedNote.from_text(checkpoint.note)
        note.verified_by(log_key)
        parsed = Checkpoint.from_text(note.text)
        if (parsed.origin, parsed.size, parsed.root) != (
            checkpoint.origin,
            checkpoint.size,
            checkpoint.root,
        ):
            raise LogIntegrityError(
                f"checkpoint {checkpoint.size} note disagrees with its event"
            )

    # ------------------------------------------------------------ state, I/O
    def _state(self, origin: str) -> _LogState:
        with self._states_lock:
            state = self._states.get(origin)
        if state is None:
            state = self._reload_state(origin)
        return state

    def _fresh_state(self, origin: str, *, covers: int | None = None) -> _LogState:
        """The log state, reloaded if another process has appended since.

        With ``covers``, a state already at least that large is returned as it is:
        entries never change, so anything it can prove is still true.
        """
        state = self._state(origin)
        if covers is not None and covers <= state.tree.size:
            return state
        with state.lock:
            state = self._state(origin)  # another thread may have reloaded it
            cps = list(self._read(stream_id(origin, "checkpoints"), desc=True, limit=1))
            stored = cast(CheckpointSigned, cps[0]) if cps else None
            if stored is None or stored.originator_version == state.checkpoint_count:
                return state
            if not self._catch_up_state(state, stored):
                state = self._reload_state(origin)
        return state

    def _catch_up_state(self, state: _LogState, stored: CheckpointSigned) -> bool:
        """Append what other processes added since ``state``, up to ``stored``.

        Reads only the new entries (a reload reads the edge tiles again, up to 255
        entries, which made every batch of ``--workers 2`` on one log slow). Returns
        False, changing nothing, when the state is not a plain prefix of the store
        (then the caller reloads): the new root must equal the stored checkpoint's.
        """
        last = state.last_checkpoint
        size = state.tree.size
        if last is None or last.size != size or stored.size <= size:
            return False
        events = list(self._read_entries(state.origin, gt=size, lte=stored.size))
        if len(events) != stored.size - size:
            return False
        tree = TileTree(
            size,
            [TileNodes(list(tile.hashes())) for tile in state.tree.edges],
            self._tile_loader(state.origin),
            self._tile_cache_for(state.origin),
        )
        for event in events:
            tree.append(bytes.fromhex(event.leaf_hash))
        if tree.root() != bytes.fromhex(stored.root):
            return False
        state.tree = tree
        state.last_checkpoint = StoredCheckpoint(
            state.origin, stored.size, bytes.fromhex(stored.root), stored.note
        )
        state.checkpoint_count = stored.originator_version
        state.last_accepted_at = _leaf_accepted_at(events[-1].leaf)
        return True

    def _reload_state(self, origin: str) -> _LogState:
        """Load a log's in-memory state from the store: size, edge tiles, checkpoint.

        The last checkpoint is read first and fixes the size: every batch stores its
        entries and the checkpoint covering them in one transaction, so the entries
        up to that checkpoint are a consistent snapshot even while another process
        appends (reading the entries' size first could pair it with a later batch's
        checkpoint, and the next batch would sign one inconsistent with it).
        """
        with self._states_lock:
            lock = self._log_locks.setdefault(origin, threading.RLock())
        with lock:
            cps = list(self._read(stream_id(origin, "checkpoints"), desc=True, limit=1))
            last_checkpoint = None
            checkpoint_count = 0
            size = 0
            if cps:
                event = cast(CheckpointSigned, cps[0])
                checkpoint_count = event.originator_version
                last_checkpoint = StoredCheckpoint(
                    origin, event.size, bytes.fromhex(event.root), event.note
                )
                size = event.size
            last_accepted_at = ""
            if size:
                last = list(
                    self._read(stream_id(origin, "entries"), gt=size - 1, lte=size)
                )
                if not last:
                    raise LogIntegrityError(
                        f"checkpoint {size} of {origin} covers entries not stored"
                    )
                last_accepted_at = _leaf_accepted_at(cast(EntryAppended, last[0]).leaf)
            edges: list[TileNodes] = []
            level = 0
            while size >> (TILE_HEIGHT * level):
                count = size >> (TILE_HEIGHT * level)  # hashes at height 8·level
                first = count - count % TILE_WIDTH
                if level == 0:
                    hashes = [
                        bytes.fromhex(e.leaf_hash)
                        for e in self._read_entries(origin, gt=first, lte=count)
                    ]
                else:
                    hashes = [
                        bytes.fromhex(cast(TileSealed, e).root)
                        for e in self._read(
                            stream_id(origin, f"tiles/{level - 1}"), gt=first, lte=count
                        )
                    ]
                if len(hashes) != count - first:
                    raise LogIntegrityError(f"stored tiles of {origin} are incomplete")
                edges.append(TileNodes(hashes))
                level += 1
            tree = TileTree(
                size, edges, self._tile_loader(origin), self._tile_cache_for(origin)
            )
            state = _LogState(
                origin, tree, last_checkpoint, checkpoint_count, last_accepted_at, lock
            )
            with self._states_lock:
                self._states[origin] = state
            return state

    def _tile_cache_for(self, origin: str) -> TileCache:
        # One cache per log keeps keys simple; tiles are immutable, so sharing is safe.
        return TileCache(capacity=1024)

    def _tile_loader(self, origin: str) -> Any:
        def load(level: int, index: int) -> list[bytes]:
            events = list(
                self._read(stream_id(origin, f"tiles/{level}"), gt=index, lte=index + 1)
            )
            if not events:
                raise LogIntegrityError(f"tile {level}/{index} of {origin} is missing")
            data = base64.b64decode(cast(TileSealed, events[0]).hashes)
            return [data[i : i + 32] for i in range(0, len(data), 32)]

        return load

    def _find_id(
        self, origin: str, batch: _Batch, entry_id: str
    ) -> tuple[int, str] | None:
        in_batch = batch.by_id.get(entry_id)
        if in_batch is not None:
            return in_batch.index, in_batch.payload_sha256
        if not batch.careful:
            return None  # the id stream's primary key will tell (see submit_batch)
        if not self._text_id_claims:
            key = unique_stream_id(origin, f"id/{entry_id}")
            for event in self._read(key, limit=1):
                claimed = cast(EntryIdClaimed, event)
                return claimed.index, claimed.payload_sha256
            return None
        # eventsourcing reads every SQLite key back as a UUID: this one is text.
        recorder = cast(SQLiteApplicationRecorder, self.recorder)
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT state FROM {recorder.events_table_name} "  # noqa: S608
                "WHERE originator_id = ? AND originator_version = 1",
                (self._id_claim_key(origin, entry_id),),
            )
            row = cursor.fetchone()
        if row is None:
            return None
        state = self._event_encoder.decode_state(bytes(row[0]))
        return int(state["index"]), str(state["payload_sha256"])

    def _id_claim_key(self, origin: str, entry_id: str) -> UUID | str:
        """The originator id of the claim on ``entry_id`` (see :data:`ID_CLAIMS_KEY`)."""
        if self._text_id_claims:
            return f"{origin}#id/{entry_id}"
        return unique_stream_id(origin, f"id/{entry_id}")

    def _is_reversed(self, origin: str, index: int) -> bool:
        return bool(list(self._read(stream_id(origin, f"reversal/{index}"), limit=1)))

    def _verifier(self, key_ref: str, vkey: str) -> VerifierKey:
        verifier = self._verifiers.get(key_ref)
        if verifier is None:
            verifier = VerifierKey.from_vkey(vkey)
            self._verifiers[key_ref] = verifier
        return verifier

    def _read(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        for stored in self.recorder.select_events(
            originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        ):
            yield self.mapper.to_domain_event(stored)

    def _read_entries(
        self, origin: str, *, gt: int = 0, lte: int | None = None, page: int = 1000
    ) -> Iterator[EntryAppended]:
        """EntryAppended events with ``gt < version <= lte``, in pages (bounded memory)."""
        position = gt
        while lte is None or position < lte:
            upper = position + page if lte is None else min(position + page, lte)
            events = list(
                self._read(stream_id(origin, "entries"), gt=position, lte=upper)
            )
            for event in events:
                yield cast(EntryAppended, event)
            if len(events) < upper - position:
                return
            position = upper


# Pages of write-ahead log between SQLite's automatic checkpoints (its default is
# 1,000). A checkpoint copies every page written since the last one into the database
# file; the last pages of the events table and of its index are rewritten by almost
# every batch, so checkpointing a quarter as often copies them a quarter as often.
# Measured on the ingest benchmark in alternating runs: 3-11 % more entries per
# second, and about 10 % fewer cold proof reads per second (a longer log to look
# pages up in); the log file stays near 16 MB. Durability is unchanged (every
# commit is still synced). Figures: docs/benchmarks.md.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 4000


def _tune_sqlite(recorder: object) -> None:
    """Set :data:`SQLITE_WAL_AUTOCHECKPOINT_PAGES` on every connection of a SQLite store.

    The setting is per connection, and eventsourcing (9.5) opens its connections in
    its pool as it needs them, so the pool's factory is wrapped, and the connections
    it already holds are set at once. Other stores are left as they are.
    """
    datastore = getattr(recorder, "datastore", None)
    if not isinstance(datastore, SQLiteDatastore):
        return
    pool = datastore.pool
    if pool.is_sqlite_memory_mode:
        return
    pragma = f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}"
    create = pool._create_connection

    def create_tuned() -> SQLiteConnection:
        connection = create()
        connection._sqlite_conn.execute(pragma)
        return connection

    pool._create_connection = create_tuned  # type: ignore[method-assign]
    for connection in list(pool._pool):
        connection._sqlite_conn.execute(pragma)


# Where a SQLite store says how its entry-id claims are keyed. A claim's key is the
# primary key that makes a reused id fail in the store itself, so every entry inserts
# one into the events table's index. Keyed by uuid5 (a hash) those inserts land on
# random index pages, about one page per entry written to the write-ahead log at
# every commit; keyed by the text ``<origin>#id/<entry id>`` they follow the order of
# the ids, and ids that grow (sequence numbers, dates, UUIDv7, ULID) share pages:
# half the log writes per batch in the ingest benchmark (docs/benchmarks.md). A
# store made before this was declared keeps its uuid5 claims; PostgreSQL stores,
# whose originator ids are of type uuid, always use them.
ID_CLAIMS_KEY = "shuangshai#store-format"
ID_CLAIMS_TOPIC = "shuangshai:store-format"
ID_CLAIMS_TEXT = b'{"id_claims":"text"}'


def _declare_id_claims(recorder: object) -> bool:
    """Whether this store keys entry-id claims by text; declares it on a new SQLite store.

    A SQLite store with no events gets the declaration (one row that nothing reads as
    an event: no reader asks for its topic); one with events and no declaration was
    made before, and keeps uuid5 claims.
    """
    if not isinstance(recorder, SQLiteApplicationRecorder) or isinstance(
        recorder, SQLiteProcessRecorder
    ):
        return False
    table = recorder.events_table_name
    for _attempt in range(2):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT state FROM {table} WHERE originator_id = ?",  # noqa: S608
                (ID_CLAIMS_KEY,),
            )
            row = cursor.fetchone()
            if row is not None:
                return bytes(row[0]) == ID_CLAIMS_TEXT
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                return False
        try:
            with recorder.datastore.transaction(commit=True) as cursor:
                cursor.execute(
                    recorder.insert_events_statement,
                    (ID_CLAIMS_KEY, 1, ID_CLAIMS_TOPIC, ID_CLAIMS_TEXT),
                )
            return True
        except IntegrityError:
            continue  # another process declared it first: read what it declared
    raise ConcurrentWriteError(  # pragma: no cover - the row exists after a conflict
        "无法确定存储格式 / could not read the store's format declaration"
    )


def _insert_sqlite(
    recorder: SQLiteApplicationRecorder, stored: Sequence[StoredEvent]
) -> None:
    """One ``executemany`` for a batch's events, in one committed transaction.

    eventsourcing (9.5) inserts an application recorder's events one ``execute`` at a
    time to collect each row's notification id, which nothing here reads; the same
    statement over the same rows in one call assigns the same row ids and raises the
    same :class:`IntegrityError` on a taken key, for less per-row overhead
    (docs/benchmarks.md).
    """
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.executemany(
            recorder.insert_events_statement,
            [
                (
                    s.originator_id.hex
                    if isinstance(s.originator_id, UUID)
                    else s.originator_id,
                    s.originator_version,
                    s.topic,
                    s.state,
                )
                for s in stored
            ],
        )


class _under_payload:  # noqa: N801 - used as a lowercase context manager
    """Re-root field pointers from the payload object to the submission (``/payload``)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, LedgerError):
            first = exc.pointer
            if (
                first
                and exc.detail.startswith(f"{first}:")
                and not first.startswith("/payload")
            ):
                exc.detail = "/payload" + exc.detail
            exc.errors = [
                FieldError(
                    e.pointer
                    if e.pointer.startswith("/payload")
                    else "/payload" + e.pointer,
                    e.message,
                )
                for e in exc.errors
            ]


def _verify_entry_signature(verifier: VerifierKey, submission: Submission) -> None:
    try:
        verifier.verify(
            signature=submission.signature,
            message=entry_signature_message(submission.payload_bytes),
        )
    except InvalidSignatureError:
        raise InvalidSignatureError(
            f"签名无效：不是 {verifier.key_ref} 对该载荷的签名 / the signature does not "
            f"verify with key {verifier.key_ref} over these payload bytes",
            pointer="/sig",
        ) from None


def _cosigned_event(
    origin: str,
    version: int,
    checkpoint: StoredCheckpoint,
    witness: str,
    line: NoteSignature,
    timestamp: int,
) -> CheckpointCosigned:
    return CheckpointCosigned(
        originator_id=stream_id(origin, "cosignatures"),
        originator_version=version,
        timestamp=datetime.now(UTC),
        origin=origin,
        size=checkpoint.size,
        root=checkpoint.root.hex(),
        witness=witness,
        cosigned_at=timestamp,
        line=line.to_line(),
    )


def _leaf_submission(leaf: str) -> dict[str, Any]:
    value = json.loads(leaf)
    return {"payload": value["payload"], "sig": value["sig"]}


def _leaf_accepted_at(leaf: str) -> str:
    return str(json.loads(leaf)["accepted_at"])
