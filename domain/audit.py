"""Replaying a log as an auditor (issue 6): every check, as pure functions.

An auditor trusts nothing but signatures. It reads a log's published files (or what a
store holds, presented the same way), rebuilds the Merkle tree from the leaves, and
reports a :class:`~domain.findings.Finding` for every object that is not what the
signed checkpoints, the registry and the rules say it must be. Nothing here does I/O:
the files come through a :class:`LogFiles` reader, the per-entry work through an
injectable ``map_chunks`` (so the caller may spread it over processes), and all state
is bounded: the tree's right edge (at most 255 hashes per level), 32 bytes and two small
integers per entry for the reversal rules, and 8 bytes per entry for id uniqueness.

What is checked, per log:

- every checkpoint (archived, latest, and any given from elsewhere) is signed by the
  log and meets the trust policy's cosignature quorum; two with the same size and
  different roots, or one the leaves do not rebuild to, are an ``equivocation``;
  every pair of checkpoints is consistent because each root is rebuilt from the one
  sequence of leaves (a consistency proof between them would add nothing);
- the entry bundles rebuild, leaf by leaf, to the root of every checkpoint, and every
  published hash tile (full and partial) equals the recomputed one;
- every leaf: its exact form, canonical payload, schema and stateless rules
  (:mod:`domain.validation`, :mod:`domain.rules`), the log it names, the signature by
  the key it names, that key's registration and validity *as the registry stood at the
  entry's acceptance time* (:meth:`domain.registry.RegistryState.authorize_project_entry`
  over the registry replayed up to that time), the contract rules, the reversal rules,
  ``accepted_at`` non-decreasing and no later than any cosignature covering it, ids
  unique in the log;
- every proof file verifies, names the first checkpoint that covers its entry, and
  carries that checkpoint's text and log signature.
"""

from __future__ import annotations

import binascii
import hashlib
import itertools
import re
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, NamedTuple, Protocol

from domain import challenges, merkle, rules
from domain.catalogue import PROJECT_ENTRY_TYPES, REGISTRY_ENTRY_TYPES
from domain.checkpoint import Checkpoint
from domain.entries import MAX_LEAF_BYTES, Leaf, Submission, entry_signature_message
from domain.errors import LedgerError, VerificationError
from domain.findings import Finding
from domain.note import SignedNote
from domain.registry import Contract, RegistryState
from domain.signing import VerifierKey
from domain.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    decode_entry_bundle,
    entries_path,
    tile_path,
    tile_width,
)
from domain.tree import TileNodes
from domain.validation import SchemaValidator, default_validator

#: Leaves per unit of parallel work: big enough to amortise pickling, small enough
#: that a bounded queue of them stays a few megabytes.
CHUNK_SIZE: Final = 2000


# =============================================================== the inputs
class LogFiles(Protocol):
    """A log's files, by the path they have under its directory (``checkpoint``,
    ``checkpoints/<size>``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/…``,
    ``proofs/<i>.tlog-proof``, ``policy.txt``)."""

    def read(self, relative: str) -> bytes | None:
        """The file's bytes, or None if there is no such file."""

    def subject(self, relative: str) -> str:
        """How a finding names the file (a site path, or a store object)."""

    def checkpoint_sizes(self) -> list[int] | None:
        """The sizes under ``checkpoints/`` if the source can list them, else None."""


#: Verifies a signed checkpoint against the log's trust policy: returns the
#: checkpoint and the timestamps of the policy's witnesses' cosignatures; raises
#: :class:`~domain.errors.VerificationError` (or a subclass) otherwise.
NoteVerifier = Callable[[SignedNote], tuple[Checkpoint, list[int]]]


@dataclass(frozen=True)
class SeenCheckpoint:
    """A verified checkpoint and where it was seen."""

    size: int
    root: bytes
    note: str
    subject: str
    cosigned_at: int | None  # earliest witness cosignature (unix seconds), if any

    def log_signed_text(self) -> str:
        """The note without witness cosignatures (body + first signature line)."""
        note = SignedNote.from_text(self.note)
        return SignedNote(note.text, note.signatures[:1]).to_text()


@dataclass
class LogStart:
    """Where an incremental audit resumes: what the last run verified (its state)."""

    size: int
    root: bytes
    note: str
    edges: list[list[bytes]]  # the tree's right edge per tile level
    last_accepted_at: str
    id_digests: array[int]  # 8-byte digests of every entry id so far ('Q')
    reversed_targets: set[int]


@dataclass
class LogResult:
    """What an audit of one log found and where it ended (for the state file)."""

    origin: str
    log_vkey: str = ""
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    note: str = ""
    entries_verified: int = 0
    checkpoints_verified: int = 0
    edges: list[list[bytes]] = field(default_factory=list)
    last_accepted_at: str = ""
    id_digests: array[int] = field(default_factory=lambda: array("Q"))
    reversed_targets: set[int] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)


@dataclass(frozen=True)
class EntryRow:
    """One entry as the report's spreadsheet lists it."""

    origin: str
    index: int
    entry_id: str
    entry_type: str
    accepted_at: str
    key_ref: str
    leaf_hash: str
    ok: bool


# =============================================================== checkpoints
def read_checkpoint(
    data: bytes, subject: str, origin: str, verify: NoteVerifier
) -> tuple[SeenCheckpoint | None, list[Finding]]:
    """Parse and verify one checkpoint file; a finding instead if it does not verify."""
    try:
        note = SignedNote.from_bytes(data)
        lines = [(sig.name, sig.key_id) for sig in note.signatures]
        if len(set(lines)) != len(lines):
            raise VerificationError("a key signs the note twice")
        checkpoint, cosigned = verify(note)
    except LedgerError as exc:
        return None, [
            _finding(
                "checkpoint-signature",
                subject,
                "检查点签名或见证人法定数不成立",
                "the checkpoint's log signature or cosignature quorum does not verify",
                reason=exc.detail,
            )
        ]
    if checkpoint.origin != origin:
        return None, [
            _finding(
                "checkpoint-origin",
                subject,
                "检查点属于另一个日志",
                "the checkpoint is for another log",
                expected=origin,
                found=checkpoint.origin,
            )
        ]
    seen = SeenCheckpoint(
        checkpoint.size,
        checkpoint.root,
        note.to_text(),
        subject,
        min(cosigned) if cosigned else None,
    )
    return seen, []


def equivocation_finding(a: SeenCheckpoint, b: SeenCheckpoint) -> Finding:
    return _finding(
        "equivocation",
        b.subject,
        "日志签署了两个互不一致的检查点（分叉）：两份签名文本即为证据",
        "the log signed two checkpoints that are not consistent (a fork): both "
        "signed notes are the evidence",
        first_subject=a.subject,
        first_note=a.note,
        second_subject=b.subject,
        second_note=b.note,
    )


# =============================================================== per-entry work
@dataclass(frozen=True)
class ChunkContext:
    """What the per-entry checks need to know about a log (picklable, small)."""

    origin: str
    is_registry: bool
    vkeys: Mapping[str, str]  # key reference -> vkey of every key that could sign
    contracts: tuple[Contract, ...]  # every contract of the project, ever
    intake_keys: frozenset[str] = frozenset()  # the references of intake keys
    #: Reads entry ``i``'s proof file where the chunk is checked (a picklable
    #: :data:`ProofReader`); None: the chunk carries the proof files itself.
    proofs: ProofReader | None = None


class ProofReader(Protocol):
    """Reads the proof files where the chunks are checked (so they never cross a
    pipe); it must pickle, to reach the worker processes."""

    def __call__(self, index: int) -> bytes | None:
        """The bytes of ``proofs/<index>.tlog-proof``, or None if there is none."""

    def prefetch(self, indices: range) -> None:
        """Start bringing those files into memory; return at once (the main process
        asks this of each chunk before a worker reads it, so cold files cost no
        worker a disk round trip)."""


class LeafFacts(NamedTuple):
    """What one leaf says, checked for everything that needs no other entry.

    A named tuple: it crosses from the worker processes by the million, and tuples
    pickle several times faster than dataclasses.
    """

    entry_index: int
    leaf_hash: bytes
    accepted_at: str
    entry_id: str
    entry_type: str
    key_ref: str
    reversal_target: tuple[int, str] | None
    contract_errors: tuple[tuple[str, str], ...]  # (contract id, message)
    problems: tuple[tuple[str, str, str, str], ...]  # (code, zh, en, detail)
    payload: dict[str, Any] | None  # kept for registry entries only
    proof: ProofFacts | None = None


_VALIDATOR: SchemaValidator | None = None
_VERIFIERS: dict[str, VerifierKey] = {}


#: One unit of parallel work: (index, leaf, proof file or None) per entry.
Chunk = Sequence[tuple[int, bytes, bytes | None]]


def check_chunk(context: ChunkContext, chunk: Chunk) -> list[LeafFacts]:
    """Check a run of leaves (module-level, so a process pool can run it).

    With ``context.proofs`` the proof files are read here; one that does not exist
    gives ``proof=PROOF_MISSING``.
    """
    global _VALIDATOR  # one validator per worker process: building it is costly
    if _VALIDATOR is None:
        _VALIDATOR = default_validator()
    validator = _VALIDATOR
    reader = context.proofs
    if reader is None:
        return [
            check_leaf(context, index, leaf, validator, proof)
            for index, leaf, proof in chunk
        ]
    # All the files first, then the checks: interleaving the reads with the checks
    # measured 18 µs per entry slower than this (caches lost to the system calls).
    proofs = [reader(index) for index, _, _ in chunk]
    results: list[LeafFacts] = []
    for (index, leaf, _), proof in zip(chunk, proofs, strict=True):
        if proof is None:
            facts = check_leaf(context, index, leaf, validator)
            results.append(facts._replace(proof=PROOF_MISSING))
        else:
            results.append(check_leaf(context, index, leaf, validator, proof))
    return results


#: :class:`LeafFacts` as plain tuples (its proof too): what crosses from a worker.
PackedFacts = tuple[Any, ...]


def check_chunk_packed(context: ChunkContext, chunk: Chunk) -> list[PackedFacts]:
    """:func:`check_chunk` for a process pool: the facts as plain tuples, which
    pickle several times faster than named tuples (:func:`unpack_facts` restores
    them), with repeated strings shared so that pickle writes them once."""
    packed: list[PackedFacts] = []
    intern = sys.intern
    for facts in check_chunk(context, chunk):
        proof = facts.proof
        packed.append(
            (
                *facts[:4],
                intern(facts.entry_type),
                intern(facts.key_ref),
                *facts[6:10],
                None if proof is None else tuple(proof),
            )
        )
    return packed


def unpack_facts(packed: list[PackedFacts]) -> list[LeafFacts]:
    """The :class:`LeafFacts` of :func:`check_chunk_packed`."""
    make, make_proof = LeafFacts._make, ProofFacts._make
    return [
        make(row) if row[10] is None else make((*row[:10], make_proof(row[10])))
        for row in packed
    ]


class ProofFacts(NamedTuple):
    """What a proof file claims: the checkpoint it names (the digest of the note as
    carried) and the root its inclusion path gives; ``problem`` if it is not a proof
    in the exact form the log writes, or its path does not fit."""

    size: int = 0
    root: bytes = b""
    note_digest: bytes = b""
    problem: str = ""


#: The proof facts of an entry whose proof file does not exist (read by a worker).
PROOF_MISSING: Final = ProofFacts(size=-1, problem="missing")


def note_digest(note: str) -> bytes:
    """A short digest to compare a carried note with the archived one."""
    return hashlib.blake2b(note.encode("utf-8"), digest_size=16).digest()


#: A 32-byte hash in canonical base64 (the last character's unused bits zero).
_HASH_LINE: Final = re.compile(r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")
_PROOF_HEADER: Final = "c2sp.org/tlog-proof@v1\nindex "


def read_proof(index: int, leaf_hash: bytes, data: bytes) -> ProofFacts:
    """Parse a proof file strictly and fold its path over ``leaf_hash``.

    The same facts as :func:`read_proof_exact`, faster: proofs of neighbouring
    entries share the upper part of their path, so once the fold reaches a state
    ``(fn, sn, r)`` an earlier proof passed through with the very same remaining
    hash lines, it ends at that proof's root (the RFC 9162 §2.1.3.2 loop is a
    function of that state alone). Anything the fast path does not accept goes to
    :func:`read_proof_exact`, which gives the problem.
    """
    facts = _read_proof_fast(index, leaf_hash, data)
    return facts if facts is not None else read_proof_exact(index, leaf_hash, data)


#: ``(fn, sn, r)`` of a fold step -> (the hash lines left, the root they led to).
_FOLDS: dict[tuple[int, int, bytes], tuple[list[str], bytes]] = {}
_FOLDS_LIMIT: Final = 8192
_NOTE_DIGESTS: dict[str, bytes] = {}
_sha256: Final = hashlib.sha256


def _read_proof_fast(index: int, leaf_hash: bytes, data: bytes) -> ProofFacts | None:
    """:func:`read_proof_exact`'s facts for a proof it accepts; None otherwise."""
    try:
        text = data.decode("utf-8")
        head, _, note = text.partition("\n\n")
        if not head.startswith(_PROOF_HEADER):
            return None
        lines = head.split("\n")
        if lines[1] != f"index {index}":
            return None
        size = int(note.split("\n", 2)[1])
    except (ValueError, IndexError):
        return None
    if not 0 <= index < size or len(leaf_hash) != merkle.HASH_SIZE:
        return None
    folds = _FOLDS
    if len(folds) > _FOLDS_LIMIT:
        folds.clear()
    fn, sn, r = index, size - 1, leaf_hash
    steps: list[tuple[tuple[int, int, bytes], int]] = []
    root: bytes | None = None
    position = 2
    count = len(lines)
    while position < count:
        state = (fn, sn, r)
        known = folds.get(state)
        if known is not None and known[0] == lines[position:]:
            root = known[1]
            break
        line = lines[position]
        if sn == 0 or not _HASH_LINE.fullmatch(line):
            return None
        p = binascii.a2b_base64(line)
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
        steps.append((state, position))
        position += 1
    if root is None:
        if sn != 0:
            return None
        root = r
    for state, at in steps:
        folds[state] = (lines[at:], root)
    digest = _NOTE_DIGESTS.get(note)
    if digest is None:
        if len(_NOTE_DIGESTS) > 64:
            _NOTE_DIGESTS.clear()
        digest = _NOTE_DIGESTS[note] = note_digest(note)
    return ProofFacts(size, root, digest)


def read_proof_exact(index: int, leaf_hash: bytes, data: bytes) -> ProofFacts:
    """Parse a proof file strictly and fold its path over ``leaf_hash``.

    The file must be byte for byte what the log writes (``TlogProof.to_bytes``):
    header, ``index``, one base64 hash per line, a blank line, the checkpoint note.
    The note is returned as text for the caller to compare with the archived
    checkpoint's log-signed note (which it verified once), so it is not re-verified
    here.
    """
    try:
        text = data.decode("utf-8")
        head, _, note = text.partition("\n\n")
        lines = head.split("\n")
        if not head.startswith(_PROOF_HEADER) or lines[1] != f"index {index}":
            raise ValueError("not a tlog-proof of this index")
        if not all(_HASH_LINE.fullmatch(line) for line in lines[2:]):
            raise ValueError("a proof hash is not 32 bytes in canonical base64")
        hashes = [binascii.a2b_base64(line) for line in lines[2:]]
        size = int(note.split("\n", 2)[1])
        root = merkle.root_from_inclusion_proof(
            leaf_hash=leaf_hash, index=index, size=size, proof=hashes
        )
    except (ValueError, IndexError, LedgerError) as exc:
        detail = exc.detail if isinstance(exc, LedgerError) else str(exc)
        return ProofFacts(problem=detail)
    return ProofFacts(size, root, note_digest(note))


def check_leaf(
    context: ChunkContext,
    index: int,
    leaf: bytes,
    validator: SchemaValidator,
    proof: bytes | None = None,
) -> LeafFacts:
    """Every check one leaf allows on its own; failures become ``problems``.

    With ``proof`` (the entry's proof file) its path is folded too (:func:`read_proof`).
    """
    leaf_hash = merkle.hash_leaf(leaf)
    proof_facts = None if proof is None else read_proof(index, leaf_hash, proof)
    return _check_leaf(context, index, leaf, leaf_hash, validator, proof_facts)


def _check_leaf(
    context: ChunkContext,
    index: int,
    leaf: bytes,
    leaf_hash: bytes,
    validator: SchemaValidator,
    proof: ProofFacts | None,
) -> LeafFacts:
    problems: list[tuple[str, str, str, str]] = []
    if len(leaf) > MAX_LEAF_BYTES:
        problems.append(
            ("leaf-size", "叶子超过 65535 字节", "leaf exceeds 65,535 bytes", "")
        )
    try:
        parsed = _fast_leaf(leaf) or Leaf.from_bytes(leaf)
    except VerificationError as exc:
        problems.append(
            (
                "leaf-malformed",
                "叶子不是日志写入的格式",
                "the leaf is not in the form the log writes",
                exc.detail,
            )
        )
        return _empty(index, leaf_hash, proof, problems)
    submission = parsed.submission
    try:
        payload = submission.parse_payload()
    except LedgerError as exc:
        problems.append(
            (
                "payload-not-canonical",
                "载荷不是规范 JSON（RFC 8785）",
                "the payload is not canonical JSON (RFC 8785)",
                exc.detail,
            )
        )
        return _empty(index, leaf_hash, proof, problems)._replace(
            accepted_at=parsed.accepted_at
        )
    entry_id = str(payload.get("id", ""))
    entry_type = str(payload.get("type", ""))
    key_ref = str(payload.get("key", ""))
    try:
        validator.validate_payload(payload, numbers_checked=True)
    except LedgerError as exc:
        problems.append(
            (
                "entry-schema",
                "条目不符合其类型的模式或规则",
                "the entry violates its type's schema or rules",
                _describe(exc),
            )
        )
    if payload.get("log") != context.origin:
        problems.append(
            (
                "entry-wrong-log",
                "条目载荷指明的是另一个日志",
                "the entry's payload names another log",
                f"log={payload.get('log')!r}",
            )
        )
    allowed = REGISTRY_ENTRY_TYPES if context.is_registry else PROJECT_ENTRY_TYPES
    if entry_type not in allowed:
        problems.append(
            (
                "entry-type",
                "该类型的条目不能写入此日志",
                "this entry type does not belong in this log",
                entry_type,
            )
        )
    vkey = context.vkeys.get(key_ref)
    if vkey is None:
        problems.append(
            (
                "entry-key-unknown",
                "签名密钥从未在登记册中登记",
                "the signing key was never registered",
                key_ref,
            )
        )
    else:
        verifier = _VERIFIERS.get(vkey)
        if verifier is None:
            verifier = _VERIFIERS[vkey] = VerifierKey.from_vkey(vkey)
        try:
            verifier.verify(
                signature=submission.signature,
                message=entry_signature_message(submission.payload_bytes),
            )
        except LedgerError:
            problems.append(
                (
                    "entry-signature",
                    "条目签名无效",
                    "the entry's signature does not verify",
                    key_ref,
                )
            )
    contract_errors: list[tuple[str, str]] = []
    body = payload.get("body")
    if not context.is_registry and isinstance(body, dict) and entry_type in allowed:
        # Owners' challenges are signed by the intake key, everything else by a
        # firm: the same table the log applies (domain/challenges.py).
        role: challenges.Role = "intake" if key_ref in context.intake_keys else "firm"
        try:
            challenges.check_signer_role(entry_type, body, role)
        except (LedgerError, KeyError) as exc:
            problems.append(
                (
                    "entry-signer-role",
                    "该密钥不能签署这一步",
                    "this key may not sign this step",
                    _describe(exc) if isinstance(exc, LedgerError) else repr(exc),
                )
            )
    if not context.is_registry and isinstance(body, dict):
        for contract in context.contracts:
            try:
                rules.check_against_contract(entry_type, body, contract)
            except LedgerError as exc:
                contract_errors.append((contract.contract_id, exc.detail))
    target: tuple[int, str] | None = None
    if entry_type == "EntryReversed" and isinstance(body, dict):
        raw = body.get("target")
        if isinstance(raw, dict):
            target_index, target_hash = raw.get("index"), raw.get("leaf_hash")
            if isinstance(target_index, int) and isinstance(target_hash, str):
                target = (target_index, target_hash)
    return LeafFacts(
        index,
        leaf_hash,
        parsed.accepted_at,
        entry_id,
        entry_type,
        key_ref,
        target,
        tuple(contract_errors),
        tuple(problems),
        payload if context.is_registry else None,
        proof,
    )


_LEAF: Final = re.compile(
    rb'\{"accepted_at":"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
    rb'\.[0-9]{6}Z)","payload":"([A-Za-z0-9+/=]*)","sig":"([A-Za-z0-9+/=]{88})",'
    rb'"v":1\}'
)


_b64: Final = binascii.b2a_base64


def _fast_leaf(data: bytes) -> Leaf | None:
    """The leaf, if ``data`` is exactly what ``make_leaf`` writes; else None.

    Accepts exactly what :meth:`Leaf.from_bytes` accepts (the log's own form, with
    canonical base64 and a 64-byte signature) without a JSON round trip; anything
    else goes to ``Leaf.from_bytes`` for its precise message.
    """
    match = _LEAF.fullmatch(data)
    if match is None or len(data) > MAX_LEAF_BYTES:
        return None
    accepted_at, payload, sig = match.groups()
    # The pattern admits only base64 characters; a decoding that re-encodes to the
    # very same text is the canonical one (what ``b64decode(validate=True)`` and
    # the re-encoding check accept), anything else is refused either way.
    try:
        payload_bytes = binascii.a2b_base64(payload)
        signature = binascii.a2b_base64(sig)
    except ValueError:
        return None
    if len(signature) != 64 or _b64(payload_bytes, newline=False) != payload:
        return None
    if _b64(signature, newline=False) != sig:
        return None
    return Leaf(accepted_at.decode("ascii"), Submission(payload_bytes, signature))


def _empty(
    index: int,
    leaf_hash: bytes,
    proof: ProofFacts | None,
    problems: list[tuple[str, str, str, str]],
) -> LeafFacts:
    """The facts of a leaf that did not parse far enough to say more."""
    return LeafFacts(
        index, leaf_hash, "", "", "", "", None, (), tuple(problems), None, proof
    )


def _describe(exc: LedgerError) -> str:
    parts = [exc.detail] + [f"{e.pointer}: {e.message}" for e in exc.errors]
    return "; ".join(dict.fromkeys(parts))


# =============================================================== the registry
@dataclass
class RegistryTimeline:
    """The registry's accepted entries in order, replayed up to a moment on demand.

    A project entry is judged against the registry as it stood when the entry was
    accepted: every registry entry with ``accepted_at`` no later than the project
    entry's (``docs/decisions.md``, "Audit").
    """

    entries: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    state: RegistryState = field(default_factory=RegistryState)
    _next: int = 0

    def as_of(self, accepted_at: str) -> RegistryState:
        while (
            self._next < len(self.entries)
            and self.entries[self._next][0] <= accepted_at
        ):
            _, index, payload = self.entries[self._next]
            self.state.apply(index, payload)
            self._next += 1
        return self.state

    def record(self, accepted_at: str, index: int, payload: dict[str, Any]) -> None:
        """Add an entry already applied to :attr:`state` (while auditing the registry)."""
        self.entries.append((accepted_at, index, payload))
        self._next = len(self.entries)

    def final(self) -> RegistryState:
        state = RegistryState()
        for _, index, payload in self.entries:
            state.apply(index, payload)
        return state


# =============================================================== the log audit
MapChunks = Callable[[ChunkContext, Iterator[Chunk]], Iterator[list[LeafFacts]]]


def map_in_process(
    context: ChunkContext, chunks: Iterator[Chunk]
) -> Iterator[list[LeafFacts]]:
    """The sequential ``map_chunks``: each chunk checked here, in order."""
    for chunk in chunks:
        yield check_chunk(context, chunk)


@dataclass
class _Tiles:
    """The tree rebuilt from the leaves: its right edge, tile by tile."""

    edges: list[TileNodes]
    size: int

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, TileNodes]]:
        sealed: list[tuple[int, int, TileNodes]] = []
        self.size += 1
        value, level = leaf_hash, 0
        while True:
            if len(self.edges) == level:
                self.edges.append(TileNodes())
            edge = self.edges[level]
            edge.append(value)
            if len(edge) < TILE_WIDTH:
                return sealed
            index = ((self.size >> (TILE_HEIGHT * level)) >> TILE_HEIGHT) - 1
            sealed.append((level, index, edge))
            self.edges[level] = TileNodes()
            value = edge.root()
            level += 1

    def root(self) -> bytes:
        """The root at the current size; every node it needs is on the edge."""

        def perfect(height: int, index: int) -> bytes:
            level, rest = divmod(height, TILE_HEIGHT)
            first = index << rest
            return self.edges[level].node(rest, (first % TILE_WIDTH) >> rest)

        return merkle.root(self.size, perfect)


class LogAudit:
    """One log's audit: feed it the log's files; read ``result`` when done."""

    def __init__(
        self,
        *,
        origin: str,
        files: LogFiles,
        verify_note: NoteVerifier,
        registry: RegistryTimeline,
        association_key: VerifierKey | None,
        extra_checkpoints: Sequence[tuple[str, bytes]] = (),
        start: LogStart | None = None,
        map_chunks: MapChunks = map_in_process,
        keep_rows: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
        check_proofs: bool = True,
        verify_seen_note: NoteVerifier | None = None,
        proof_reader: ProofReader | None = None,
    ) -> None:
        self.check_proofs = check_proofs
        # Where the proof files are read: by the workers (a picklable reader) or
        # here, into the chunks.
        self.proof_reader = proof_reader if check_proofs else None
        self.origin = origin
        self.files = files
        self.verify_note = verify_note
        # A checkpoint seen elsewhere is evidence if the log signed it, cosigned or
        # not (an equivocation needs only the log's signature on both trees).
        self.verify_seen_note = verify_seen_note or verify_note
        self.registry = registry
        self.association_key = association_key
        self.is_registry = association_key is not None
        self.project_id = None if self.is_registry else origin.rsplit("/p/", 1)[-1]
        self.extra = list(extra_checkpoints)
        self.start = start
        self.map_chunks = map_chunks
        self.keep_rows = keep_rows
        self.on_progress = on_progress or (lambda done, total: None)
        self.result = LogResult(origin)
        self.findings = self.result.findings
        self.checkpoints: dict[int, SeenCheckpoint] = {}
        self.leaf_hashes = bytearray()  # 32 bytes per entry, for reversal targets
        self.firm_of: array[int] = array("H")  # firm number per entry (0: none)
        self.reversal_of: array[int] = array("b")  # 1 if the entry is a reversal
        self.firms: dict[str, int] = {}
        self.bad_tiles: list[tuple[str, int, int]] = []
        self.pending: dict[int, SeenCheckpoint] = {}
        self._log_signed_texts: dict[int, bytes] = {}
        self.first = 0
        self._bound: tuple[int, int, int | None] = (-1, -1, None)
        self.bad_roots: list[int] = []
        self.checkpoints_listed: list[int] | None = None
        self._proof_checkpoint = 0
        self._latest_subject = files.subject("checkpoint")

    # ------------------------------------------------------------------ driver
    def run(self) -> LogResult:
        latest = self._latest()
        if latest is None:
            return self.result
        size = latest.size
        start = self.start
        first = 0
        tiles = _Tiles([], 0)
        if start is not None:
            if not self._resume(start, latest):
                return self.result
            first = self.first = self._proof_checkpoint = start.size
            tiles = _Tiles([TileNodes(level) for level in start.edges], start.size)
            self.result.last_accepted_at = start.last_accepted_at
            self.result.id_digests = start.id_digests
            self.result.reversed_targets = set(start.reversed_targets)
        if self.checkpoints_listed is not None:
            for listed in sorted(self.checkpoints_listed):
                if first < listed <= size:
                    self._checkpoint(listed)
        self._extra_checkpoints(size)
        context = ChunkContext(
            self.origin,
            self.is_registry,
            self._vkeys(),
            self._contracts(),
            frozenset() if self.is_registry else self._intake_keys(),
            self.proof_reader,
        )
        total = size - first
        done = 0
        for facts_list in self.map_chunks(context, self._chunks(first, size)):
            for facts in facts_list:
                sealed = tiles.append(facts.leaf_hash)
                for level, index, tile in sealed:
                    self._compare_tile(level, index, TILE_WIDTH, tile.hashes())
                self._entry(facts)
                if tiles.size in self.checkpoints:
                    self._root(self.checkpoints[tiles.size], tiles.root())
                pending = self.pending.pop(tiles.size, None)
                if pending is not None and pending.root != tiles.root():
                    self._add(equivocation_finding(latest, pending))
            done += len(facts_list)
            self.on_progress(done, total)
        if tiles.size != size:
            return self.result  # the bundles were short: already reported
        self._partial_tiles(tiles, first, size)
        self._finish(tiles, latest)
        return self.result

    # ------------------------------------------------------------------ checkpoints
    def _latest(self) -> SeenCheckpoint | None:
        data = self.files.read("checkpoint")
        subject = self.files.subject("checkpoint")
        if data is None:
            published = bool(self.files.checkpoint_sizes()) or (
                self.files.read(entries_path(0, 1)) is not None
                or self.files.read("proofs/0.tlog-proof") is not None
            )
            if published or (self.start is not None and self.start.size > 0):
                self._add(
                    _finding(
                        "checkpoint-missing",
                        subject,
                        "日志的最新检查点不见了",
                        "the log's latest checkpoint is missing",
                    )
                )
            return None
        seen, found = read_checkpoint(data, subject, self.origin, self.verify_note)
        self.findings.extend(found)
        if seen is None:
            return None
        self.checkpoints_listed = self.files.checkpoint_sizes()
        archived = self._checkpoint(seen.size)
        if (
            archived is not None
            and archived.log_signed_text() != seen.log_signed_text()
        ):
            self._add(
                _finding(
                    "checkpoint-differs",
                    subject,
                    "最新检查点与存档的同一大小的检查点不同",
                    "the latest checkpoint differs from the archived one of its size",
                    archived=archived.note,
                    latest=seen.note,
                )
            )
        if archived is None:
            self.checkpoints[seen.size] = seen
        self.result.note = seen.note
        self.result.size = seen.size
        self.result.root = seen.root
        return seen

    def _checkpoint(self, size: int) -> SeenCheckpoint | None:
        """The archived checkpoint of ``size`` (read and verified once)."""
        seen = self.checkpoints.get(size)
        if seen is not None and seen.subject != self._latest_subject:
            return seen
        relative = f"checkpoints/{size}"
        subject = self.files.subject(relative)
        data = self.files.read(relative)
        if data is None:
            self._add(
                _finding(
                    "checkpoint-missing",
                    subject,
                    "存档中缺少该检查点",
                    "the archived checkpoint is missing",
                )
            )
            return None
        opened, found = read_checkpoint(data, subject, self.origin, self.verify_note)
        self.findings.extend(found)
        if opened is None:
            return None
        if opened.size != size:
            self._add(
                _finding(
                    "checkpoint-size",
                    subject,
                    "检查点文件名与其中的大小不符",
                    "the checkpoint's file name and its tree size differ",
                    found=str(opened.size),
                )
            )
            return None
        if seen is not None and seen.root != opened.root:
            self._add(equivocation_finding(opened, seen))
        self.checkpoints[size] = opened
        return opened

    def _extra_checkpoints(self, size: int) -> None:
        """Checkpoints seen elsewhere: each must be this log's history."""
        for subject, data in self.extra:
            seen, found = read_checkpoint(
                data, subject, self.origin, self.verify_seen_note
            )
            self.findings.extend(found)
            if seen is None:
                continue
            if seen.size > size:
                self._add(
                    _finding(
                        "rollback",
                        subject,
                        "日志比别处见过的检查点还短：日志被回滚或分叉",
                        "the log is shorter than a checkpoint seen elsewhere: it was "
                        "rolled back or forked",
                        seen_size=str(seen.size),
                        log_size=str(size),
                        seen_note=seen.note,
                    )
                )
                continue
            archived = self.checkpoints.get(seen.size)
            if archived is not None and archived.root != seen.root:
                self._add(equivocation_finding(archived, seen))
            elif archived is None and seen.size > self.first:
                self.pending[seen.size] = seen  # compared when the tree gets there

    def _resume(self, start: LogStart, latest: SeenCheckpoint) -> bool:
        """Check the published log extends what the last run verified."""
        state_subject = f"state:{self.origin}@{start.size}"
        if latest.size < start.size:
            self._add(
                _finding(
                    "rollback",
                    latest.subject,
                    "日志比上次审计时还短：被回滚",
                    "the log is shorter than when it was last audited: rolled back",
                    audited_size=str(start.size),
                    audited_note=start.note,
                    latest_note=latest.note,
                )
            )
            return False
        if start.size == 0:
            return True
        archived = self._checkpoint(start.size)
        if archived is not None and archived.root != start.root:
            previous = SeenCheckpoint(
                start.size, start.root, start.note, state_subject, None
            )
            self._add(equivocation_finding(previous, archived))
            return False
        return archived is not None

    # ------------------------------------------------------------------ leaves
    def _chunks(self, first: int, size: int) -> Iterator[Chunk]:
        chunk: list[tuple[int, bytes, bytes | None]] = []
        index = first
        while index < size:
            bundle, position = divmod(index, TILE_WIDTH)
            width = tile_width(0, bundle, size)
            leaves = self._bundle(bundle, width)
            if leaves is None:
                return
            if index == first and position and self.start is not None:
                self._resumed_bundle(bundle, width, leaves[:position])
            for leaf in leaves[position:]:
                proof = None if self.proof_reader else self._proof_file(index)
                chunk.append((index, leaf, proof))
                index += 1
                if len(chunk) >= CHUNK_SIZE:
                    yield self._prefetched(chunk)
                    chunk = []
            if width < TILE_WIDTH:
                self._earlier_bundles(bundle, leaves)
        if chunk:
            yield self._prefetched(chunk)

    def _prefetched(self, chunk: list[tuple[int, bytes, bytes | None]]) -> Chunk:
        """The chunk, once the worker-side reader was asked to fetch its proofs."""
        if self.proof_reader is not None:
            self.proof_reader.prefetch(range(chunk[0][0], chunk[-1][0] + 1))
        return chunk

    def _resumed_bundle(self, bundle: int, width: int, earlier: list[bytes]) -> None:
        """The leaves an earlier run verified must still hash to its tree edge."""
        assert self.start is not None  # noqa: S101 - only called when resuming
        edge = self.start.edges[0] if self.start.edges else []
        if [merkle.hash_leaf(leaf) for leaf in earlier] != edge[: len(earlier)]:
            self._add(
                _finding(
                    "bundle-differs",
                    self.files.subject(entries_path(bundle, width)),
                    "条目包中已审计过的条目被改动",
                    "entries audited before have changed in the bundle",
                )
            )

    def _bundle(self, bundle: int, width: int) -> list[bytes] | None:
        relative = entries_path(bundle, width)
        subject = self.files.subject(relative)
        data = self.files.read(relative)
        if data is None:
            self._add(
                _finding(
                    "bundle-missing",
                    subject,
                    "缺少条目包，无法重建日志",
                    "an entry bundle is missing: the log cannot be rebuilt",
                )
            )
            return None
        try:
            return decode_entry_bundle(data, width=width)
        except LedgerError as exc:
            self._add(
                _finding(
                    "bundle-malformed",
                    subject,
                    "条目包格式错误",
                    "the entry bundle is malformed",
                    reason=exc.detail,
                )
            )
            return None

    def _earlier_bundles(self, bundle: int, leaves: list[bytes]) -> None:
        """Partial bundles of earlier checkpoints are prefixes of the latest one."""
        for width in self._partial_widths(0, bundle):
            if width >= len(leaves):
                continue
            relative = entries_path(bundle, width)
            data = self.files.read(relative)
            expected = b"".join(len(x).to_bytes(2, "big") + x for x in leaves[:width])
            if data != expected:
                self._add(
                    _finding(
                        "bundle-differs" if data is not None else "bundle-missing",
                        self.files.subject(relative),
                        "早先检查点的部分条目包与日志不符",
                        "a partial entry bundle of an earlier checkpoint does not "
                        "match the log",
                    )
                )

    def _partial_widths(self, level: int, index: int) -> list[int]:
        """The widths tile ``level/index`` had at some checkpoint, partial ones only."""
        widths = {tile_width(level, index, size) for size in self.checkpoints}
        return sorted(w for w in widths if 0 < w < TILE_WIDTH)

    # ------------------------------------------------------------------ per entry
    def _entry(self, facts: LeafFacts) -> None:
        index = facts.entry_index
        subject = f"{self.origin}#{index}"
        self.result.entries_verified += 1
        before = len(self.findings)
        for code, zh, en, detail in facts.problems:
            self._add(_finding(code, subject, zh, en, detail=detail))
        self.leaf_hashes += facts.leaf_hash
        firm = 0
        self.reversal_of.append(1 if facts.entry_type == "EntryReversed" else 0)
        if facts.accepted_at:
            self._accepted_at(subject, facts)
        if facts.entry_id:
            digest = hashlib.blake2b(facts.entry_id.encode(), digest_size=8).digest()
            self.result.id_digests.append(int.from_bytes(digest, "big"))
        if self.is_registry:
            self._registry_entry(subject, facts)
        elif facts.key_ref and facts.accepted_at:
            firm = self._project_entry(subject, facts)
        self.firm_of.append(firm)
        if facts.proof == PROOF_MISSING:
            self._proof_missing(index)
        elif facts.proof is not None:
            self._proof(index, facts.proof)
        if self.keep_rows:
            self.result.entries.append(
                EntryRow(
                    self.origin,
                    index,
                    facts.entry_id,
                    facts.entry_type,
                    facts.accepted_at,
                    facts.key_ref,
                    facts.leaf_hash.hex(),
                    len(self.findings) == before,
                )
            )

    def _accepted_at(self, subject: str, facts: LeafFacts) -> None:
        last = self.result.last_accepted_at
        if facts.accepted_at < last:
            self._add(
                _finding(
                    "accepted-at-decreases",
                    subject,
                    "受理时间早于前一条目",
                    "accepted_at is earlier than the previous entry's",
                    accepted_at=facts.accepted_at,
                    previous=last,
                )
            )
        else:
            self.result.last_accepted_at = facts.accepted_at
        bound = self._cosigned_bound(facts.entry_index)
        if bound is not None and _unix(facts.accepted_at) > bound:
            self._add(
                _finding(
                    "accepted-after-cosignature",
                    subject,
                    "受理时间晚于覆盖它的见证人联署时间",
                    "accepted_at is later than a witness cosignature that covers it",
                    accepted_at=facts.accepted_at,
                    cosigned_at=str(bound),
                )
            )

    def _cosigned_bound(self, index: int) -> int | None:
        """The earliest cosignature time of a known checkpoint covering ``index``."""
        known, valid_below, bound = self._bound
        if known != len(self.checkpoints) or index >= valid_below:
            covering = [s for s in self.checkpoints.values() if s.size > index]
            times = [s.cosigned_at for s in covering if s.cosigned_at is not None]
            valid_below = min((s.size for s in covering), default=index + 1)
            bound = min(times) if times else None
            self._bound = (len(self.checkpoints), valid_below, bound)
        return bound

    def _registry_entry(self, subject: str, facts: LeafFacts) -> None:
        assert self.association_key is not None  # noqa: S101 - set for the registry
        if facts.key_ref and facts.key_ref != self.association_key.key_ref:
            self._add(
                _finding(
                    "entry-key-not-authorized",
                    subject,
                    "登记册条目必须由协会密钥签署",
                    "registry entries must be signed by the association key",
                    key=facts.key_ref,
                )
            )
        if facts.payload is None or facts.problems:
            return
        state = self.registry.state
        try:
            state.check(facts.payload)
            state.apply(facts.entry_index, facts.payload)
        except (LedgerError, KeyError, TypeError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, LedgerError) else repr(exc)
            self._add(
                _finding(
                    "registry-rule",
                    subject,
                    "登记册条目与登记册状态矛盾",
                    "the registry entry contradicts the registry's state",
                    detail=detail,
                )
            )
            return
        self.registry.record(facts.accepted_at, facts.entry_index, facts.payload)

    def _project_entry(self, subject: str, facts: LeafFacts) -> int:
        state = self.registry.as_of(facts.accepted_at)
        assert self.project_id is not None  # noqa: S101 - set for project logs
        if facts.key_ref in state.intake_keys:
            # Signed by the owners' intake: no firm, so nothing it posts can be
            # reversed by a firm (firm 0 never matches one).
            try:
                state.authorize_intake_entry(facts.key_ref, self.project_id)
            except LedgerError as exc:
                self._add(
                    _finding(
                        "entry-key-not-authorized",
                        subject,
                        "受理时该受理密钥无权为此项目签署",
                        "at acceptance the intake key was not authorised for this project",
                        detail=exc.detail,
                        registry_size=str(state.size),
                    )
                )
            return 0
        try:
            key, contract = state.authorize_project_entry(
                facts.key_ref, self.project_id
            )
        except LedgerError as exc:
            self._add(
                _finding(
                    "entry-key-not-authorized",
                    subject,
                    "受理时该密钥无权为此项目签署",
                    "at acceptance the key was not authorised for this project",
                    detail=exc.detail,
                    registry_size=str(state.size),
                )
            )
            return 0
        for contract_id, message in facts.contract_errors:
            if contract_id == contract.contract_id:
                self._add(
                    _finding(
                        "entry-contract",
                        subject,
                        "条目违反当时有效合同的规定",
                        "the entry breaks the rules of the contract then in force",
                        contract=contract_id,
                        detail=message,
                    )
                )
        firm = self.firms.setdefault(key.firm, len(self.firms) + 1)
        if facts.reversal_target is not None:
            self._reversal(subject, facts, firm)
        return firm

    def _reversal(self, subject: str, facts: LeafFacts, firm: int) -> None:
        assert facts.reversal_target is not None  # noqa: S101 - checked by the caller
        target, target_hash = facts.reversal_target
        offset = self.start.size if self.start is not None else 0
        problem: tuple[str, str] | None = None
        if not 0 <= target < facts.entry_index:
            problem = ("红冲目标不在其之前", "the reversed entry does not precede it")
        elif target < offset:
            problem = self._earlier_target(target, target_hash, firm)
        else:
            at = target - offset
            if self.leaf_hashes[32 * at : 32 * at + 32].hex() != target_hash:
                problem = ("红冲目标的叶子哈希不符", "the target's leaf hash differs")
            elif self.reversal_of[at]:
                problem = ("红冲条目不能再被红冲", "a reversal cannot be reversed")
            elif self.firm_of[at] != firm:
                problem = (
                    "只有原发布企业可以红冲",
                    "only the posting firm may reverse",
                )
        if problem is None and target in self.result.reversed_targets:
            problem = ("该条目已被红冲过", "the entry was already reversed")
        if problem is not None:
            self._add(
                _finding(
                    "reversal-rule",
                    subject,
                    problem[0],
                    problem[1],
                    target=str(target),
                )
            )
        else:
            self.result.reversed_targets.add(target)

    def _earlier_target(
        self, target: int, target_hash: str, firm: int
    ) -> tuple[str, str] | None:
        """The reversal rules for a target audited by an earlier run.

        Its leaf hash is proved by the target's proof file against a checkpoint
        this run verifies; its type and firm come from its leaf in the bundle, which
        must hash to that. A store (no proof files) is checked against its bundle.
        """
        try:
            claimed = bytes.fromhex(target_hash)
        except ValueError:
            return ("红冲目标的叶子哈希不符", "the target's leaf hash differs")
        if self.check_proofs:
            data = self.files.read(f"proofs/{target}.tlog-proof")
            proof = read_proof(target, claimed, data or b"")
            archived = self._checkpoint(proof.size) if not proof.problem else None
            if archived is None or archived.root != proof.root:
                return ("红冲目标的叶子哈希不符", "the target's leaf hash differs")
        bundle = target // TILE_WIDTH
        data = self.files.read(
            entries_path(bundle, tile_width(0, bundle, self.result.size))
        )
        try:
            leaves = decode_entry_bundle(data or b"")
            leaf = leaves[target % TILE_WIDTH]
            payload = Leaf.from_bytes(leaf).submission.parse_payload()
        except (LedgerError, IndexError):
            return ("红冲目标无法读取", "the reversed entry cannot be read")
        if merkle.hash_leaf(leaf) != claimed:
            return ("红冲目标的叶子哈希不符", "the target's leaf hash differs")
        if payload.get("type") == "EntryReversed":
            return ("红冲条目不能再被红冲", "a reversal cannot be reversed")
        key = self.registry.final().keys.get(str(payload.get("key")))
        if key is None or self.firms.get(key.firm) != firm:
            return ("只有原发布企业可以红冲", "only the posting firm may reverse")
        return None

    # ------------------------------------------------------------------ proofs
    def _proof_file(self, index: int) -> bytes | None:
        """The entry's proof file, read in order (a missing one is reported here)."""
        if not self.check_proofs:
            return None
        data = self.files.read(f"proofs/{index}.tlog-proof")
        if data is None:
            self._proof_missing(index)
        return data

    def _proof_missing(self, index: int) -> None:
        self._add(
            _finding(
                "proof-missing",
                self.files.subject(f"proofs/{index}.tlog-proof"),
                "缺少条目的证明文件",
                "the proof is missing",
            )
        )

    def _proof(self, index: int, proof: ProofFacts) -> None:
        """The proof names the first checkpoint covering the entry and proves it."""
        if proof.problem:
            self._add(
                _finding(
                    "proof-malformed",
                    self.files.subject(f"proofs/{index}.tlog-proof"),
                    "证明文件格式错误或路径无效",
                    "the proof file is malformed or its path is invalid",
                    reason=proof.problem,
                )
            )
            return
        size = proof.size
        expected_first = (
            self._proof_checkpoint if index < self._proof_checkpoint else None
        )
        if expected_first is None and self.checkpoints_listed is not None:
            expected_first = min(
                (s for s in self.checkpoints_listed if s > index), default=None
            )
        archived = self._checkpoint(size) if size > index else None
        wrong = (
            archived is None
            or (expected_first is not None and size != expected_first)
            or (expected_first is None and size <= self._proof_checkpoint)
            # A proof file never changes: exactly the log-signed note of its
            # checkpoint, and a path that leads to that checkpoint's root.
            or proof.note_digest != self._log_signed(archived)
            or proof.root != archived.root
        )
        if wrong:
            self._add(
                _finding(
                    "proof-invalid",
                    self.files.subject(f"proofs/{index}.tlog-proof"),
                    "证明文件不能证明该条目在其首个检查点中",
                    "the proof does not prove the entry in the first checkpoint that "
                    "covers it",
                    checkpoint_size=str(size),
                )
            )
        elif index >= self._proof_checkpoint:
            self._proof_checkpoint = size

    def _log_signed(self, seen: SeenCheckpoint) -> bytes:
        """The digest of the checkpoint's log-signed note (what proofs carry)."""
        digest = self._log_signed_texts.get(seen.size)
        if digest is None:
            digest = note_digest(seen.log_signed_text())
            self._log_signed_texts[seen.size] = digest
        return digest

    # ------------------------------------------------------------------ tree
    def _root(self, seen: SeenCheckpoint, root: bytes) -> None:
        self.result.checkpoints_verified += 1
        if root != seen.root:
            self.bad_roots.append(seen.size)
            self._add(
                _finding(
                    "checkpoint-root",
                    seen.subject,
                    "条目重建出的根哈希与已签名检查点不符",
                    "the entries do not rebuild to the signed checkpoint's root",
                    expected=seen.root.hex(),
                    rebuilt=root.hex(),
                )
            )

    def _compare_tile(
        self, level: int, index: int, width: int, hashes: list[bytes]
    ) -> None:
        relative = tile_path(level, index, width)
        data = self.files.read(relative)
        expected = b"".join(hashes[:width])
        if data != expected:
            differing = next(
                (
                    i
                    for i in range(width)
                    if data is None or data[32 * i : 32 * i + 32] != hashes[i]
                ),
                0,
            )
            self.bad_tiles.append((relative, level, index * TILE_WIDTH + differing))
            if data is None:
                self._add(
                    _finding(
                        "tile-missing",
                        self.files.subject(relative),
                        "缺少哈希瓦片",
                        "a hash tile is missing",
                    )
                )

    def _partial_tiles(self, tiles: _Tiles, first: int, size: int) -> None:
        """The edge tiles: one partial file per width a checkpoint gave them."""
        for level, edge in enumerate(tiles.edges):
            index = (size >> (TILE_HEIGHT * level)) // TILE_WIDTH
            hashes = edge.hashes()
            if not hashes:
                continue
            for width in self._partial_widths(level, index):
                if width <= len(hashes):
                    self._compare_tile(level, index, width, hashes)

    def _finish(self, tiles: _Tiles, latest: SeenCheckpoint) -> None:
        for relative, level, position in self.bad_tiles:
            if any(f.subject == self.files.subject(relative) for f in self.findings):
                continue
            if level == 0 and self.bad_roots:
                # The signed roots disagree with the leaves too: the leaf is wrong.
                self._add(
                    _finding(
                        "leaf-differs",
                        f"{self.origin}#{position}",
                        "条目内容与已签名的检查点和哈希瓦片都不符",
                        "the entry does not hash to what the signed checkpoints and "
                        "the hash tile say",
                        bundle=self.files.subject(entries_path(position // TILE_WIDTH)),
                    )
                )
                continue
            self._add(
                _finding(
                    "tile-differs",
                    self.files.subject(relative),
                    "哈希瓦片与条目重建出的不同",
                    "the hash tile differs from the one the entries rebuild",
                )
            )
        self.result.edges = [edge.hashes() for edge in tiles.edges]
        duplicates = _duplicates(self.result.id_digests)
        if duplicates:
            self._add(
                _finding(
                    "entry-id-reused",
                    self.origin,
                    "同一条目编号在日志中出现多次",
                    "an entry id appears more than once in the log",
                    count=str(len(duplicates)),
                )
            )
        listed = self.checkpoints_listed
        if listed is not None:
            for size in sorted(set(listed)):
                if size > latest.size:
                    self._add(
                        _finding(
                            "checkpoint-beyond-log",
                            self.files.subject(f"checkpoints/{size}"),
                            "存档检查点超出日志的最新大小",
                            "an archived checkpoint is beyond the log's latest size",
                        )
                    )

    def _vkeys(self) -> dict[str, str]:
        if self.association_key is not None:
            return {self.association_key.key_ref: self.association_key.to_vkey()}
        final = self.registry.final()
        return {
            ref: key.vkey
            for keys in (final.keys, final.intake_keys)
            for ref, key in keys.items()
        }

    def _intake_keys(self) -> frozenset[str]:
        return frozenset(self.registry.final().intake_keys)

    def _contracts(self) -> tuple[Contract, ...]:
        if self.is_registry:
            return ()
        final = self.registry.final()
        return tuple(
            c for c in final.contracts.values() if c.project_id == self.project_id
        )

    def _add(self, finding: Finding) -> None:
        self.findings.append(finding)


def _duplicates(digests: array[int]) -> list[int]:
    ordered = sorted(digests)
    return [a for a, b in itertools.pairwise(ordered) if a == b]


def _unix(accepted_at: str) -> int:
    return int(datetime.fromisoformat(accepted_at.replace("Z", "+00:00")).timestamp())


def _finding(code: str, subject: str, zh: str, en: str, **evidence: str) -> Finding:
    return Finding(code, subject, zh, en, evidence=dict(evidence))
