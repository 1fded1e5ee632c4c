"""Publishing a signed log as static files: C2SP tlog-tiles plus proofs, blobs, policy.

SPEC §4 and ``docs/formats.md`` §7. Under a log's base directory (``p/<project>/log``
or ``registry/log``) :func:`write_log_files` writes:

- ``checkpoint``: the latest signed checkpoint note (c2sp.org/tlog-checkpoint);
- ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``: hash tiles and entry
  bundles in the c2sp.org/tlog-tiles layout (:mod:`domain.tiles`);
- ``checkpoints/<size>``: every checkpoint the log signed, verbatim;
- ``proofs/<index>.tlog-proof``: for every entry, a c2sp.org/tlog-proof against the
  *first* checkpoint that covers it (the one its receipt carried), so the file never
  changes; a verifier connects that checkpoint to the latest one with a consistency
  proof it computes from the tiles;
- ``blobs/sha256/<hex>``: the attachment files entries name, checked against their
  hash (:mod:`publish.blobs`);
- ``policy.txt``: the log's trust policy in c2sp.org/tlog-policy format
  (:class:`TrustPolicy`): the log's vkey, the registry's witnesses that cover the log,
  and the quorum (a strict majority of them; none while there are none).

Partial tiles: tlog-tiles says a log MUST serve the partial tiles of every tree size
it signed a checkpoint for, and MAY delete them once the full tile exists. We do
exactly that, so the file set is a function of the log alone: every full tile, and,
for each tile still partial, one partial file per width some checkpoint had. When a
tile fills up its ``.p/`` directory is removed.

Incremental publishing: with ``since_size`` (the size of the previously published
checkpoint) only the files the entries ``[since_size, size)`` can change are built:
the tiles and bundles :func:`domain.tiles.new_tiles` names between consecutive new
checkpoints, the new checkpoints, the new proofs, the new entries' blobs, the
``checkpoint`` file and ``policy.txt``. Everything else is marked as kept in the
:class:`~publish.files.SiteWriter`. A full publish and an incremental one leave the
same tree, byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path, PurePosixPath
from typing import Final

from domain import merkle
from domain.application import StoredCheckpoint, StoredEntry
from domain.checkpoint import Checkpoint, verify_cosignature
from domain.errors import (
    CheckpointNotFoundError,
    InvalidSignatureError,
    LogIntegrityError,
    LogNotFoundError,
    MalformedKeyError,
    MalformedNoteError,
    VerificationError,
)
from domain.note import SignedNote
from domain.proof_text import HEADER as TLOG_PROOF_HEADER
from domain.proof_text import TlogProof
from domain.registry import RegistryState, Witness
from domain.signing import ALG_COSIGNATURE_V1, ALG_ED25519, VerifierKey, b64encode
from domain.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    encode_entry_bundle,
    entries_path,
    new_tiles,
    tile_path,
    tile_width,
)
from domain.tree import TileNodes
from publish.blobs import BLOB_DIR, BlobSource, DirectoryBlobs, blob_path
from publish.files import SiteWriter
from publish.source import PublishSource

__all__ = [
    "BLOBS_DIR",
    "CHECKPOINTS_DIR",
    "CHECKPOINT_FILE",
    "MAJORITY_GROUP",
    "POLICY_FILE",
    "PROOFS_DIR",
    "BlobSource",
    "DirectoryBlobs",
    "LogPublication",
    "PolicyGroup",
    "PolicyLog",
    "PolicyWitness",
    "TreeHashes",
    "TrustPolicy",
    "covering_witnesses",
    "log_policy",
    "make_policy",
    "proof_path",
    "tlog_proof_bytes",
    "write_log_files",
]

CHECKPOINT_FILE: Final = "checkpoint"
CHECKPOINTS_DIR: Final = "checkpoints"
PROOFS_DIR: Final = "proofs"
BLOBS_DIR: Final = "blobs"
POLICY_FILE: Final = "policy.txt"
MAJORITY_GROUP: Final = "majority"
"""The group a published policy's quorum names when the log has witnesses."""

_HASH_SIZE: Final = 32


def proof_path(index: int) -> str:
    """The path of entry ``index``'s proof, relative to the log's base."""
    return f"{PROOFS_DIR}/{index}.tlog-proof"


# ============================================================== trust policy
_POLICY_HEADER: Final = "# 信任策略 / trust policy (c2sp.org/tlog-policy)"
_WHITESPACE: Final = re.compile(r"[ \t]+")
_THRESHOLD: Final = re.compile(r"all|any|[1-9][0-9]*")
_NONE: Final = "none"
_ROLE_NAMES: Final = {
    "owners-committee": "业委会",
    "association": "物协",
    "street-office": "街道办",
    "other": "其他",
}


def _check_policy_characters(text: str, what: str) -> None:
    for position, char in enumerate(text):
        code = ord(char)
        if (code < 0x20 and char not in "\t\n") or code == 0x7F:
            raise MalformedNoteError(
                f"{what} has the control character U+{code:04X} at offset {position}; "
                "a policy allows only tab and newline"
            )


def _check_token(value: str, what: str) -> None:
    if not value:
        raise MalformedNoteError(f"{what} must be a non-empty string")
    _check_policy_characters(value, what)
    if _WHITESPACE.search(value) or "\n" in value:
        raise MalformedNoteError(f"{what} {value!r} contains whitespace")


def _policy_key(vkey: str, alg: int, what: str) -> VerifierKey:
    try:
        key = VerifierKey.from_vkey(vkey)
    except MalformedKeyError as exc:
        raise MalformedNoteError(f"{what}: {exc.detail}") from None
    if key.alg != alg:
        expected = "Ed25519 (0x01)" if alg == ALG_ED25519 else "cosignature/v1 (0x04)"
        raise MalformedNoteError(
            f"{what}: the key is of type 0x{key.alg:02x}, not {expected}"
        )
    return key


@dataclass(frozen=True)
class PolicyLog:
    """A ``log <vkey> [<url>]`` line: a log whose signature the policy accepts."""

    vkey: str
    url: str | None = None

    def key(self) -> VerifierKey:
        return _policy_key(self.vkey, ALG_ED25519, f"log {self.vkey[:80]!r}")


@dataclass(frozen=True)
class PolicyWitness:
    """A ``witness <name> <vkey> [<url>]`` line, with the comment line before it."""

    name: str
    vkey: str
    url: str | None = None
    comment: str | None = None

    def key(self) -> VerifierKey:
        return _policy_key(self.vkey, ALG_COSIGNATURE_V1, f"witness {self.name!r}")


@dataclass(frozen=True)
class PolicyGroup:
    """A ``group <name> <all|any|k> <member>...`` line."""

    name: str
    threshold: str
    members: tuple[str, ...]

    @property
    def required(self) -> int:
        """How many members must have witnessed a checkpoint."""
        if self.threshold == "all":
            return len(self.members)
        if self.threshold == "any":
            return 1
        return int(self.threshold)


class _PolicyChecker:
    """The rules of tlog-policy, applied line by line in the order of the file."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.log_keys: set[bytes] = set()
        self.witness_keys: set[bytes] = set()
        self.quorum: str | None = None

    def _new_name(self, name: str, what: str) -> None:
        _check_token(name, what)
        if name == _NONE:
            raise MalformedNoteError(f"{what}: the name 'none' is reserved")
        if name in self.names:
            raise MalformedNoteError(f"{what}: the name {name!r} is already defined")
        self.names.add(name)

    def log(self, log: PolicyLog) -> None:
        if log.url is not None:
            _check_token(log.url, "a log URL")
        key = log.key()
        if key.public_key in self.log_keys:
            raise MalformedNoteError(f"log {key.key_ref} is listed twice")
        self.log_keys.add(key.public_key)

    def witness(self, witness: PolicyWitness) -> None:
        self._new_name(witness.name, "a witness")
        if witness.url is not None:
            _check_token(witness.url, f"the URL of witness {witness.name!r}")
        if witness.comment is not None:
            comment = witness.comment
            _check_policy_characters(comment, f"the comment of {witness.name!r}")
            if not comment or "\n" in comment or comment != comment.strip(" \t"):
                raise MalformedNoteError(
                    f"the comment of witness {witness.name!r} must be one line with "
                    "no surrounding whitespace"
                )
        key = witness.key()
        if key.public_key in self.witness_keys:
            raise MalformedNoteError(
                f"witness {witness.name!r}: its key is already listed for another "
                "witness"
            )
        self.witness_keys.add(key.public_key)

    def group(self, group: PolicyGroup) -> None:
        what = f"group {group.name!r}"
        if not group.members:
            raise MalformedNoteError(f"{what} needs at least one member")
        for member in group.members:
            _check_token(member, f"a member of {what}")
            if member == _NONE or member not in self.names:
                raise MalformedNoteError(
                    f"{what}: member {member!r} is not a witness or group defined "
                    "before it"
                )
        if len(set(group.members)) != len(group.members):
            raise MalformedNoteError(f"{what} lists a member twice")
        if not _THRESHOLD.fullmatch(group.threshold):
            raise MalformedNoteError(
                f"{what}: the threshold must be all, any or a decimal with no leading "
                f"zeroes, not {group.threshold!r}"
            )
        if not 1 <= group.required <= len(group.members):
            raise MalformedNoteError(
                f"{what}: threshold {group.threshold} is not between 1 and its "
                f"{len(group.members)} member(s)"
            )
        self._new_name(group.name, "a group")

    def set_quorum(self, name: str) -> None:
        if self.quorum is not None:
            raise MalformedNoteError("the policy has more than one quorum line")
        _check_token(name, "the quorum")
        if name != _NONE and name not in self.names:
            raise MalformedNoteError(
                f"the quorum {name!r} is not 'none' or a witness or group defined "
                "before it"
            )
        self.quorum = name


@dataclass(frozen=True)
class TrustPolicy:
    """A c2sp.org/tlog-policy: the logs, the witnesses and the quorum a verifier uses.

    ``to_text`` writes the canonical form (header comment, logs, witnesses each after
    its comment line, groups, quorum); ``from_text`` reads any valid policy file, and
    keeps a comment line directly above a witness line as that witness's comment.
    Every parse failure raises :class:`~domain.errors.MalformedNoteError`.
    """

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str

    def __post_init__(self) -> None:
        checker = _PolicyChecker()
        for log in self.logs:
            checker.log(log)
        for witness in self.witnesses:
            checker.witness(witness)
        for group in self.groups:
            checker.group(group)
        checker.set_quorum(self.quorum)

    # --- text ---------------------------------------------------------------
    def to_text(self) -> str:
        lines = [_POLICY_HEADER]
        lines += [_join("log", log.vkey, log.url) for log in self.logs]
        if self.witnesses:
            lines.append("")
        for witness in self.witnesses:
            if witness.comment is not None:
                lines.append(f"# {witness.comment}")
            lines.append(_join("witness", witness.name, witness.vkey, witness.url))
        if self.groups:
            lines.append("")
        lines += [
            " ".join(["group", group.name, group.threshold, *group.members])
            for group in self.groups
        ]
        lines += ["", f"quorum {self.quorum}"]
        return "".join(line + "\n" for line in lines)

    def to_bytes(self) -> bytes:
        return self.to_text().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> TrustPolicy:
        """Parse a ``policy.txt`` file; invalid UTF-8 is malformed."""
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNoteError(
                f"the policy is not valid UTF-8 (byte {exc.start})"
            ) from None
        return cls.from_text(text)

    @classmethod
    def from_text(cls, text: str) -> TrustPolicy:
        """Parse a tlog-policy strictly (see the module for where it is specified)."""
        if not isinstance(text, str):
            raise MalformedNoteError("a policy must be text")
        _check_policy_characters(text, "the policy")
        if text and not text.endswith("\n"):
            raise MalformedNoteError("the policy's last line does not end in a newline")
        checker = _PolicyChecker()
        logs: list[PolicyLog] = []
        witnesses: list[PolicyWitness] = []
        groups: list[PolicyGroup] = []
        comment: str | None = None
        for number, raw in enumerate(text[:-1].split("\n"), start=1):
            line = raw.strip(" \t")
            if not line:
                comment = None
                continue
            if line.startswith("#"):
                comment = line[1:].strip(" \t") or None
                continue
            words = _WHITESPACE.split(line)
            try:
                _parse_policy_line(words, comment, checker, logs, witnesses, groups)
            except MalformedNoteError as exc:
                raise MalformedNoteError(
                    f"policy line {number}: {exc.detail}"
                ) from None
            comment = None
        if checker.quorum is None:
            raise MalformedNoteError("the policy has no quorum line")
        return cls(tuple(logs), tuple(witnesses), tuple(groups), checker.quorum)

    # --- verification -------------------------------------------------------
    def verify_checkpoint(self, note: SignedNote) -> Checkpoint:
        """Check a signed checkpoint against this policy; return the checkpoint.

        One of the policy's logs must have signed it (and its origin must be that
        log's key name, per tlog-policy), and its cosignatures by the policy's
        witnesses must satisfy the quorum. A cosignature by a listed witness that does
        not verify rejects the note. Raises :class:`InvalidSignatureError` or
        :class:`VerificationError`.
        """
        if not self.logs:
            raise VerificationError("the policy names no log to check the signature")
        signers = [
            key for key in (log.key() for log in self.logs) if note.signatures_by(key)
        ]
        if not signers:
            raise InvalidSignatureError(
                "the checkpoint is signed by none of the policy's logs ("
                + ", ".join(log.key().key_ref for log in self.logs)
                + ")"
            )
        for key in signers:
            note.verified_by(key)
        checkpoint = Checkpoint.from_text(note.text)
        if checkpoint.origin != signers[0].name:
            raise VerificationError(
                f"the checkpoint's origin {checkpoint.origin!r} is not the name of the "
                f"log key that signed it ({signers[0].name!r})"
            )
        cosigned: set[str] = set()
        for witness in self.witnesses:
            key = witness.key()
            if note.signatures_by(key):
                verify_cosignature(note, key)
                cosigned.add(witness.name)
        if not self._satisfied(self.quorum, cosigned):
            raise InvalidSignatureError(
                f"checkpoint {checkpoint.origin} @ {checkpoint.size} does not meet the "
                f"quorum {self.quorum!r}: cosigned by "
                f"{', '.join(sorted(cosigned)) or 'no witness'}",
                context={"cosigned": sorted(cosigned), "quorum": self.quorum},
            )
        return checkpoint

    def _satisfied(self, name: str, cosigned: set[str]) -> bool:
        if name == _NONE:
            return True
        for group in self.groups:
            if group.name == name:
                met = sum(self._satisfied(member, cosigned) for member in group.members)
                return met >= group.required
        return name in cosigned


def _join(*words: str | None) -> str:
    return " ".join(word for word in words if word is not None)


def _parse_policy_line(
    words: list[str],
    comment: str | None,
    checker: _PolicyChecker,
    logs: list[PolicyLog],
    witnesses: list[PolicyWitness],
    groups: list[PolicyGroup],
) -> None:
    keyword, arguments = words[0], words[1:]
    if keyword == "log":
        if not 1 <= len(arguments) <= 2:
            raise MalformedNoteError("a log line is 'log <vkey> [<url>]'")
        log = PolicyLog(arguments[0], arguments[1] if len(arguments) == 2 else None)
        checker.log(log)
        logs.append(log)
    elif keyword == "witness":
        if not 2 <= len(arguments) <= 3:
            raise MalformedNoteError(
                "a witness line is 'witness <name> <vkey> [<url>]'"
            )
        url = arguments[2] if len(arguments) == 3 else None
        witness = PolicyWitness(arguments[0], arguments[1], url, comment)
        checker.witness(witness)
        witnesses.append(witness)
    elif keyword == "group":
        if len(arguments) < 3:
            raise MalformedNoteError(
                "a group line is 'group <name> <all|any|k> <member>...'"
            )
        group = PolicyGroup(arguments[0], arguments[1], tuple(arguments[2:]))
        checker.group(group)
        groups.append(group)
    elif keyword == "quorum":
        if len(arguments) != 1:
            raise MalformedNoteError("a quorum line is 'quorum <name>'")
        checker.set_quorum(arguments[0])
    else:
        raise MalformedNoteError(
            f"unknown keyword {keyword[:40]!r} (expected log, witness, group or quorum)"
        )


def covering_witnesses(
    registry: RegistryState, project_id: str | None
) -> list[Witness]:
    """The active witnesses of a log, in registry order (see the registry's rule)."""
    return registry.covering_witnesses(project_id)


def _witness_comment(witness: Witness) -> str:
    name = "".join(
        " " if ord(char) < 0x20 or ord(char) == 0x7F else char for char in witness.name
    )
    role = _ROLE_NAMES.get(witness.role, witness.role)
    return (
        f"{' '.join(name.split())}（{role}），登记册第 {witness.added_at_index} 条 / "
        f"{witness.role}, registry entry {witness.added_at_index}"
    )


#: The log collects witness cosignatures (``shuangshai cosign``, api/cosigning.py), so
#: a published policy asks for a strict majority of the witnesses that cover the log.
REQUIRE_COSIGNATURES = True


def make_policy(
    log_vkey: str,
    witnesses: Sequence[Witness],
    *,
    require_cosignatures: bool = REQUIRE_COSIGNATURES,
) -> TrustPolicy:
    """The published policy of a log: its key, its witnesses, and the quorum.

    The quorum is ``none`` while the log has no witness, and otherwise a strict
    majority of its witnesses (``group majority <n // 2 + 1> ...``). Witnesses are
    named by their key reference (``<name>+<key id>``), unique in the registry. The
    registry could hold one public key under two names; tlog-policy lists a key once,
    so only its first registration is listed.
    """
    seen: set[bytes] = set()
    chosen: list[PolicyWitness] = []
    for witness in witnesses:
        public_key = VerifierKey.from_vkey(witness.vkey).public_key
        if public_key in seen:
            continue  # tlog-policy lists a key once; its first registration stands
        seen.add(public_key)
        chosen.append(
            PolicyWitness(
                witness.key_ref,
                witness.vkey,
                url=witness.url,
                comment=_witness_comment(witness),
            )
        )
    entries = tuple(chosen)
    if not entries or not require_cosignatures:
        return TrustPolicy((PolicyLog(log_vkey),), entries, (), _NONE)
    majority = PolicyGroup(
        MAJORITY_GROUP,
        str(len(entries) // 2 + 1),
        tuple(witness.name for witness in entries),
    )
    return TrustPolicy((PolicyLog(log_vkey),), entries, (majority,), MAJORITY_GROUP)


def log_policy(
    ledger: PublishSource,
    origin: str,
    registry: RegistryState | None = None,
    *,
    require_cosignatures: bool = REQUIRE_COSIGNATURES,
) -> TrustPolicy:
    """The trust policy of the log ``origin`` as the registry now stands."""
    registry = registry if registry is not None else ledger.get_registry()
    if origin == ledger.registry_origin:
        project_id: str | None = None
    else:
        project_id = next(
            (pid for pid in registry.projects if ledger.project_origin(pid) == origin),
            None,
        )
        if project_id is None:
            raise LogNotFoundError(f"没有这个日志 / no log with origin {origin!r}")
    return make_policy(
        ledger.log_vkey(origin),
        covering_witnesses(registry, project_id),
        require_cosignatures=require_cosignatures,
    )


# ============================================================== log files
@dataclass(frozen=True)
class LogPublication:
    """What :func:`write_log_files` did for one log.

    ``since_size`` is where this run started (0 for a full publish); ``checkpoints``
    the sizes of the checkpoint files it wrote; ``written`` the files (site-relative)
    whose bytes changed; ``removed`` the partial tiles and bundles it deleted because
    the full one now exists. ``missing_blobs`` names (SHA-256 hex) the attachments it
    could not publish: absent from the blob source, or present with the wrong hash
    (those are also in ``corrupt_blobs``). The log verifies without them.
    """

    origin: str
    base: str
    size: int
    since_size: int
    checkpoints: tuple[int, ...] = ()
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    missing_blobs: tuple[str, ...] = ()
    corrupt_blobs: tuple[str, ...] = ()
    quorum_shortfall: str | None = None
    signed: tuple[int, ...] | None = None
    """The sizes of every checkpoint the log lists (``list_checkpoints``, in its
    order), or None when it has no checkpoint yet: the pages' print headers name
    them, and need not list them again."""
    recosigned: bool = False
    """Whether a checkpoint published before gained cosignatures in this run: the
    pages anchored at it embed its note, so they must be rendered again."""
    """Why the latest checkpoint does not meet ``policy.txt`` (None if it does):
    a witness was offline or refused, so the checkpoint is published with fewer
    cosignatures than the quorum asks for. Verifiers will refuse it until more are
    collected (``shuangshai cosign``) and the log is published again."""


@dataclass
class _Run:
    """The state of one publish of one log."""

    ledger: PublishSource
    origin: str
    writer: SiteWriter
    prefix: str
    size: int
    start: int
    blobs: BlobSource | None
    leaves: dict[int, bytes] | None = None
    cosignatures: dict[int, tuple[str, ...]] = field(default_factory=dict)
    produced: set[str] = field(default_factory=set)
    removed: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    corrupt: set[str] = field(default_factory=set)

    def write(self, relative: str, data: bytes | str) -> None:
        path = self.prefix + relative
        self.produced.add(path)
        self.writer.write(path, data)

    def keep(self, relative: str) -> None:
        path = self.prefix + relative
        if path not in self.produced:
            self.produced.add(path)
            self.writer.keep(path)

    def keep_all(self, relatives: Iterable[str]) -> None:
        """:meth:`keep` for many files at once."""
        paths = {self.prefix + relative for relative in relatives}
        paths.difference_update(self.produced)
        self.produced.update(paths)
        self.writer.keep_all(paths)


def write_log_files(
    ledger: PublishSource,
    origin: str,
    writer: SiteWriter,
    base: str,
    *,
    since_size: int | None = None,
    blobs: BlobSource | None = None,
    leaves: dict[int, bytes] | None = None,
) -> LogPublication:
    """Write the files of log ``origin`` for its latest checkpoint under ``base``.

    ``base`` is the log's directory relative to the writer's root (``p/<id>/log``).
    Without ``since_size`` every file is built; with it (the size of the checkpoint
    published before) only those the newer entries can change, and the rest are
    marked as kept. Either way the tree left behind is the same. A ``since_size``
    beyond the log means the published files are not this log's: it raises
    :class:`LogIntegrityError` (publish in full to replace them).

    A log with no checkpoint yet gets only its ``policy.txt``. ``leaves``, if given,
    receives the leaves (index → bytes) the run reads for the entry bundles, so that
    the pages' embedded data need not read them from the store again.
    """
    prefix = f"{base.strip('/')}/" if base.strip("/") else ""
    first_written = len(writer.written)
    registry = ledger.get_registry()
    policy = log_policy(ledger, origin, registry)
    try:
        latest: StoredCheckpoint | None = ledger.get_checkpoint(origin)
    except CheckpointNotFoundError:
        latest = None
    size = latest.size if latest is not None else 0
    if since_size is not None and not 0 <= since_size <= size:
        raise LogIntegrityError(
            f"已发布的日志 {base} 大小为 {since_size}，但日志 {origin} 只有 {size} 条 / the "
            f"published log at {base!r} has size {since_size} but {origin} has {size} "
            "entries; these files are not this log's (publish in full to replace them)",
            context={"origin": origin, "published": since_size, "size": size},
        )
    run = _Run(ledger, origin, writer, prefix, size, since_size or 0, blobs, leaves)
    checkpoint_sizes: tuple[int, ...] = ()
    signed = None
    shortfall = None
    if latest is not None:
        run.cosignatures = ledger.list_cosignatures(origin)
        listed = list(ledger.list_checkpoints(origin))
        signed = tuple(c.size for c in listed)
        checkpoints = [c for c in listed if c.size <= size]
        new = [c for c in checkpoints if c.size > run.start]
        _publish_new(run, new)
        if since_size is not None:
            old = [c for c in checkpoints if c.size <= run.start]
            _keep_unchanged(run, [c.size for c in old])
            # Cosignatures may arrive after a checkpoint was first published.
            for checkpoint in old:
                if checkpoint.size in run.cosignatures:
                    run.write(
                        f"{CHECKPOINTS_DIR}/{checkpoint.size}", _note(run, checkpoint)
                    )
        latest_note = _note(run, latest)
        # Last, once the log's new folders are in place: the next publish reads it
        # to know which files are complete.
        run.produced.add(run.prefix + CHECKPOINT_FILE)
        run.writer.write_last(run.prefix + CHECKPOINT_FILE, latest_note)
        checkpoint_sizes = tuple(c.size for c in new)
        shortfall = _quorum_shortfall(policy, latest_note)
    run.write(POLICY_FILE, policy.to_text())
    written = tuple(writer.written[first_written:])
    archive = f"{base}/{CHECKPOINTS_DIR}/"
    recosigned = since_size is not None and any(
        path.startswith(archive) and int(path[len(archive) :]) <= run.start
        for path in written
    )
    return LogPublication(
        origin=origin,
        base=base,
        size=size,
        since_size=run.start,
        checkpoints=checkpoint_sizes,
        signed=signed,
        written=written,
        recosigned=recosigned,
        removed=tuple(run.removed),
        missing_blobs=tuple(sorted(run.missing)),
        corrupt_blobs=tuple(sorted(run.corrupt)),
        quorum_shortfall=shortfall,
    )


def _note(run: _Run, checkpoint: StoredCheckpoint) -> str:
    """The checkpoint's note with the log's signature and the cosignatures kept."""
    return checkpoint.note + "".join(run.cosignatures.get(checkpoint.size, ()))


def _quorum_shortfall(policy: TrustPolicy, note_text: str) -> str | None:
    try:
        policy.verify_checkpoint(SignedNote.from_text(note_text))
    except VerificationError as exc:
        return exc.detail
    return None


def _publish_new(run: _Run, new: list[StoredCheckpoint]) -> None:
    """Write what the checkpoints ``new`` (all larger than ``run.start``) add."""
    if not new:
        return
    # Tiles: every width that any new checkpoint gives them, except partial widths
    # of tiles that are full by now (tlog-tiles lets those go).
    widths: dict[tuple[int, int], set[int]] = {}
    sizes = [run.start] + [checkpoint.size for checkpoint in new]
    for old_size, new_size in pairwise(sizes):
        for level, index, width in new_tiles(old_size, new_size):
            if width == TILE_WIDTH or tile_width(level, index, run.size) < TILE_WIDTH:
                widths.setdefault((level, index), set()).add(width)
    for (level, index), tile_widths in sorted(widths.items()):
        data = b"".join(
            run.ledger.tile_hashes(run.origin, level, index, max(tile_widths), run.size)
        )
        for width in sorted(tile_widths):
            run.write(tile_path(level, index, width), data[: width * _HASH_SIZE])
    bundles = {index: w for (level, index), w in widths.items() if level == 0}
    attachments = _write_bundles(run, bundles)
    # On a first publish these folders are new: built whole, then renamed into place.
    with run.writer.new_directory(run.prefix + PROOFS_DIR):
        _write_proofs(run, new)
    with run.writer.new_directory(run.prefix + CHECKPOINTS_DIR):
        for checkpoint in new:
            run.write(f"{CHECKPOINTS_DIR}/{checkpoint.size}", _note(run, checkpoint))
    with run.writer.new_directory(run.prefix + BLOBS_DIR):
        _write_blobs(run, attachments)
    for (level, index), tile_widths in sorted(widths.items()):
        if TILE_WIDTH in tile_widths:
            _remove_partials(run, _partial_dir(tile_path(level, index, 1)))
            if level == 0:
                _remove_partials(run, _partial_dir(entries_path(index, 1)))


def _write_bundles(run: _Run, bundles: dict[int, set[int]]) -> list[str]:
    """Write the entry bundles; return the attachment hashes of the new entries."""
    first = min([run.start, *(index * TILE_WIDTH for index in bundles)])
    attachments: dict[str, None] = {}
    leaves: list[bytes] = []
    sink = run.leaves
    for entry in _entries(run, first):
        if sink is not None:
            sink[entry.index] = entry.leaf
        if entry.index >= run.start:
            attachments.update(dict.fromkeys(_attachment_hashes(run.origin, entry)))
        bundle, position = divmod(entry.index, TILE_WIDTH)
        wanted = bundles.get(bundle)
        if not wanted:
            continue
        if position == 0:
            leaves = []
        leaves.append(entry.leaf)
        if position + 1 == max(wanted):
            for width in sorted(wanted):
                run.write(
                    entries_path(bundle, width), encode_entry_bundle(leaves[:width])
                )
            leaves = []
    return list(attachments)


def _entries(run: _Run, first: int) -> Iterator[StoredEntry]:
    expected = first
    for entry in run.ledger.list_entries(run.origin, start=first, stop=run.size):
        if entry.index != expected:
            raise LogIntegrityError(
                f"entry {expected} of {run.origin} is missing from the store"
            )
        expected += 1
        yield entry
    if expected != run.size:
        raise LogIntegrityError(
            f"{run.origin} has {expected} stored entries, its checkpoint says {run.size}"
        )


def _write_proofs(run: _Run, new: list[StoredCheckpoint]) -> None:
    """Prove each new entry against the first checkpoint that covers it.

    The proofs are computed from the log's tiles (:class:`TreeHashes`: the same
    node hashes ``ledger.inclusion_proof`` uses), sharing the subtree hashes that
    neighbouring entries' paths have in common. The proof text is that of
    :meth:`TlogProof.to_bytes`; the first proof of each checkpoint is built by
    :class:`TlogProof` itself (which checks the note) and must give the same bytes.
    """
    tree = TreeHashes(run.ledger, run.origin, run.size)
    index = run.start
    for checkpoint in new:
        note = SignedNote.from_text(checkpoint.note)
        tail = "\n" + note.to_text()
        for entry in range(index, checkpoint.size):
            hashes = tree.inclusion_proof(entry, checkpoint.size)
            data = tlog_proof_bytes(entry, hashes, tail)
            if entry == index:
                checked = TlogProof(index=entry, hashes=tuple(hashes), checkpoint=note)
                if checked.to_bytes() != data:  # pragma: no cover - format drift
                    raise LogIntegrityError(
                        f"proof {entry} of {run.origin}: the fast text differs from "
                        "TlogProof's"
                    )
            run.write(proof_path(entry), data)
        index = checkpoint.size


def tlog_proof_bytes(index: int, hashes: Sequence[bytes], tail: str) -> bytes:
    """The bytes of ``TlogProof(index, hashes, note).to_bytes()`` (no extra data),
    given ``tail`` = ``"\\n" + note.to_text()``, without building the object."""
    return (
        f"{TLOG_PROOF_HEADER}\nindex {index}\n"
        + "".join([b64encode(value) + "\n" for value in hashes])
        + tail
    ).encode("utf-8")


class TreeHashes:
    """The log's Merkle tree up to ``size``, read from its tiles once each.

    It gives the node hashes ``ledger.inclusion_proof`` would (``range_hash`` of any
    range an RFC 9162 proof of a tree of at most ``size`` leaves names), without a
    call per entry.

    ``tile_hashes`` gives the node hashes at heights 0, 8, 16…; a tile's
    :class:`~domain.tree.TileNodes` the complete subtrees between. Hashes of ranges
    that are not perfect subtrees (the right edges of the checkpoints' trees) are
    kept, as neighbouring entries' proofs share them.
    """

    def __init__(self, ledger: PublishSource, origin: str, size: int) -> None:
        self.ledger = ledger
        self.origin = origin
        self.size = size
        self._tiles: dict[tuple[int, int], TileNodes] = {}
        self._ranges: dict[tuple[int, int], bytes] = {}

    def perfect_hash(self, height: int, index: int) -> bytes:
        level, rest = divmod(height, TILE_HEIGHT)
        tile_index, offset = divmod(index << rest, TILE_WIDTH)
        tile = self._tiles.get((level, tile_index))
        if tile is None:
            width = tile_width(level, tile_index, self.size)
            hashes = self.ledger.tile_hashes(
                self.origin, level, tile_index, width, self.size
            )
            if any(len(value) != _HASH_SIZE for value in hashes):
                raise LogIntegrityError(
                    f"tile {level}/{tile_index} of {self.origin} holds a hash that "
                    f"is not {_HASH_SIZE} bytes"
                )
            tile = TileNodes(hashes)
            self._tiles[(level, tile_index)] = tile
        return tile.node(rest, offset >> rest)

    def range_hash(self, low: int, high: int) -> bytes:
        count = high - low
        if count & (count - 1) == 0 and count:  # a perfect subtree
            height = count.bit_length() - 1
            if low % count == 0:
                return self.perfect_hash(height, low >> height)
        value = self._ranges.get((low, high))
        if value is None:
            value = merkle.range_hash(low, high, self.perfect_hash)
            self._ranges[(low, high)] = value
        return value

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return [
            self.range_hash(low, high)
            for low, high in merkle.inclusion_ranges(index, size)
        ]


_SHA256_HEX: Final = re.compile(r"[0-9a-f]{64}")


def _attachment_hashes(origin: str, entry: StoredEntry) -> list[str]:
    """The ``attachments[].sha256`` of an entry, read from its leaf."""
    try:
        leaf = json.loads(entry.leaf)
        payload = json.loads(base64.b64decode(leaf["payload"], validate=True))
        found = [str(item["sha256"]) for item in payload.get("attachments", ())]
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise LogIntegrityError(
            f"entry {entry.index} of {origin} has a leaf that does not parse: {exc}"
        ) from None
    for sha256_hex in found:
        if not _SHA256_HEX.fullmatch(sha256_hex):
            raise LogIntegrityError(
                f"entry {entry.index} of {origin} names attachment {sha256_hex[:80]!r}, "
                "which is not a SHA-256 hex digest"
            )
    return found


def _write_blobs(run: _Run, attachments: Iterable[str]) -> None:
    for sha256_hex in sorted(set(attachments)):
        relative = f"{BLOBS_DIR}/{blob_path(sha256_hex)}"
        data = run.blobs.get(sha256_hex) if run.blobs is not None else None
        if data is not None and hashlib.sha256(data).hexdigest() == sha256_hex:
            run.write(relative, data)
            continue
        if data is not None:
            run.corrupt.add(sha256_hex)
        elif _published_blob_is_intact(run, relative, sha256_hex):
            run.keep(relative)  # published before; the source has since lost it
            continue
        run.missing.add(sha256_hex)


def _published_blob_is_intact(run: _Run, relative: str, sha256_hex: str) -> bool:
    path = _site_path(run, relative)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256_hex
    except OSError:
        return False


def _partial_dir(partial_path: str) -> str:
    """``tile/0/x001/234.p/1`` → ``tile/0/x001/234.p``."""
    return partial_path.rsplit("/", 1)[0]


def _site_path(run: _Run, relative: str) -> Path:
    """The filesystem path of ``relative`` (under the log's base) in the site."""
    return run.writer.root.joinpath(*PurePosixPath(run.prefix + relative).parts)


def _remove_partials(run: _Run, relative_dir: str) -> None:
    directory = _site_path(run, relative_dir)
    if not directory.is_dir():
        return
    run.removed.extend(
        sorted(
            path.relative_to(run.writer.root).as_posix()
            for path in directory.rglob("*")
            if path.is_file()
        )
    )
    shutil.rmtree(directory)


def _keep_unchanged(run: _Run, old_sizes: list[int]) -> None:
    """Mark the files an incremental publish does not rebuild as part of the site."""
    start = run.start
    for size in old_sizes:
        if size not in run.cosignatures:
            run.keep(f"{CHECKPOINTS_DIR}/{size}")
    run.keep_all(proof_path(index) for index in range(start))
    level = 0
    while start >> (TILE_HEIGHT * level):
        full = (start >> (TILE_HEIGHT * level)) // TILE_WIDTH
        for index in range(full):
            run.keep(tile_path(level, index))
            if level == 0:
                run.keep(entries_path(index))
        # The tile that was partial at ``start``: its partial files stay until it is
        # full, one per width an earlier checkpoint gave it.
        if tile_width(level, full, run.size) < TILE_WIDTH:
            for size in old_sizes:
                width = tile_width(level, full, size)
                if width:
                    run.keep(tile_path(level, full, width))
                    if level == 0:
                        run.keep(entries_path(full, width))
        level += 1
    blob_dir = _site_path(run, f"{BLOBS_DIR}/{BLOB_DIR}")
    if blob_dir.is_dir():
        for path in sorted(blob_dir.iterdir()):
            if path.is_file() and _SHA256_HEX.fullmatch(path.name):
                run.keep(f"{BLOBS_DIR}/{blob_path(path.name)}")
