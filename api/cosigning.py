"""The log side of witnessing: ask the registry's witnesses to cosign, keep the answers.

One pass (:func:`collect_cosignatures`, ``shuangshai cosign``): for each log, each
witness that covers it (``docs/formats.md`` §7, trust policy) is sent a
c2sp.org/tlog-witness ``add-checkpoint`` request for every checkpoint it has not yet
cosigned, oldest first (so every published checkpoint can meet the quorum), each
with the consistency proof from the size that witness last cosigned (as the log
recorded it; 0 if never). A 409 answer names the witness's own size: the request is
sent again from there, once per size it names. Every cosignature line in a 200
answer is verified against the witness's registered key before it is stored
(:meth:`~domain.application.LedgerApplication.record_cosignatures`). A witness that
cannot be reached, or that refuses, is reported and does not stop the pass: the
checkpoint stays published with the cosignatures it has.

How a request reaches a witness is a :data:`Transport`: :func:`http_transport` posts
it to the ``url`` the registry gives for the witness (``WitnessAdded.url``); the demo
passes an in-process one that calls the witness's folder directly.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Final, Literal

from domain.application import LedgerApplication
from domain.errors import (
    CheckpointNotFoundError,
    LedgerError,
    MalformedNoteError,
)
from domain.note import NoteSignature
from domain.registry import Witness
from domain.signing import VerifierKey
from domain.witness import (
    SIZE_MEDIA_TYPE,
    AddCheckpointRequest,
    parse_cosignature_lines,
    parse_size_response,
)

#: How long a witness may take to answer one request.
HTTP_TIMEOUT_SECONDS: Final = 10.0
#: The most 409 answers followed for one witness and checkpoint.
MAX_SIZE_RETRIES: Final = 3


@dataclass(frozen=True)
class WitnessReply:
    """A witness's HTTP answer: status, media type (without parameters), body."""

    status: int
    media_type: str
    body: bytes


class WitnessUnreachableError(Exception):
    """The witness could not be asked (no URL, network error, timeout)."""


#: Sends an ``add-checkpoint`` body to a witness and returns its answer, or raises
#: :class:`WitnessUnreachableError`.
Transport = Callable[[Witness, bytes], WitnessReply]

Status = Literal["cosigned", "already", "offline", "refused"]


@dataclass(frozen=True)
class CosignOutcome:
    """What happened between one log and one witness in a pass."""

    origin: str
    witness: str  # key reference
    size: int  # the checkpoint asked about
    status: Status
    detail: str = ""

    def to_line(self) -> str:
        labels = {
            "cosigned": "已联署 / cosigned",
            "already": "已有联署 / already cosigned",
            "offline": "无法联系 / offline",
            "refused": "拒绝或无效 / refused",
        }
        text = f"{self.origin} @ {self.size}  {self.witness}: {labels[self.status]}"
        return f"{text} — {self.detail}" if self.detail else text


def http_transport(witness: Witness, body: bytes) -> WitnessReply:
    """POST ``body`` to ``<witness.url>/add-checkpoint`` (c2sp.org/tlog-witness)."""
    if not witness.url:
        raise WitnessUnreachableError(
            "登记册没有该见证人的地址 / the registry gives no url for this witness"
        )
    url = witness.url.rstrip("/") + "/add-checkpoint"
    request = urllib.request.Request(  # noqa: S310 - http(s) only, by the schema
        url, data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 - http(s) only, by the schema
            request, timeout=HTTP_TIMEOUT_SECONDS
        ) as response:
            return WitnessReply(
                response.status, _media_type(response.headers), response.read()
            )
    except urllib.error.HTTPError as exc:
        return WitnessReply(exc.code, _media_type(exc.headers), exc.read())
    except (urllib.error.URLError, OSError) as exc:
        raise WitnessUnreachableError(f"{url}: {exc}") from None


def _media_type(headers: Message | None) -> str:
    """The media type of an answer, without parameters, lower case."""
    value = headers.get("Content-Type", "") if headers is not None else ""
    return str(value).split(";", 1)[0].strip().lower()


def collect_cosignatures(
    ledger: LedgerApplication,
    *,
    transport: Transport = http_transport,
    origins: Sequence[str] | None = None,
) -> list[CosignOutcome]:
    """One collection pass over ``origins`` (default: every log); see the module."""
    outcomes: list[CosignOutcome] = []
    for origin in origins if origins is not None else ledger.list_origins():
        try:
            latest = ledger.get_checkpoint(origin)
        except CheckpointNotFoundError:
            continue
        known = ledger.last_cosigned_sizes(origin)
        sizes = [c.size for c in ledger.list_checkpoints(origin)]
        answers: dict[int, dict[str, tuple[NoteSignature, ...]]] = {}
        for witness in ledger.covering_witnesses(origin):
            # Every checkpoint the witness has not seen, oldest first, so that each
            # one the log published is cosigned (a witness only moves forward).
            since = known.get(witness.key_ref, 0)
            pending = [size for size in sizes if size > since] or [latest.size]
            for size in pending:
                asked = _ask(ledger, transport, origin, size, witness, known)
                if isinstance(asked, CosignOutcome):
                    outcomes.append(asked)
                    break
                answers.setdefault(size, {})[witness.key_ref] = asked
                known[witness.key_ref] = size
        for size in sorted(answers):
            outcomes += _record(ledger, origin, size, answers[size])
    return outcomes


def _record(
    ledger: LedgerApplication,
    origin: str,
    size: int,
    answers: dict[str, tuple[NoteSignature, ...]],
) -> list[CosignOutcome]:
    """Verify and store the answers: together (one transaction) if all verify."""
    if not answers:
        return []
    lines = [line for answer in answers.values() for line in answer]
    try:
        stored = set(ledger.record_cosignatures(origin, size, lines))
    except LedgerError:
        stored = set()
        failures: dict[str, str] = {}
        for key_ref, answer in answers.items():
            try:
                stored.update(ledger.record_cosignatures(origin, size, answer))
            except LedgerError as exc:
                failures[key_ref] = exc.detail
        return [
            CosignOutcome(origin, key_ref, size, "cosigned")
            if key_ref in stored
            else CosignOutcome(
                origin,
                key_ref,
                size,
                "refused",
                f"无效的联署 / invalid cosignature: {failures.get(key_ref, '')}",
            )
            for key_ref in answers
        ]
    return [
        CosignOutcome(origin, key_ref, size, "cosigned")
        if key_ref in stored
        else CosignOutcome(
            origin,
            key_ref,
            size,
            "refused",
            "答复中没有该见证人的联署 / no cosignature by its key",
        )
        for key_ref in answers
    ]


def _ask(
    ledger: LedgerApplication,
    transport: Transport,
    origin: str,
    size: int,
    witness: Witness,
    known: dict[str, int],
) -> CosignOutcome | tuple[NoteSignature, ...]:
    """Ask one witness; its own cosignature lines (unverified), or why not."""

    def outcome(status: Status, detail: str = "") -> CosignOutcome:
        return CosignOutcome(origin, witness.key_ref, size, status, detail)

    if known.get(witness.key_ref) == size:
        return outcome("already")
    old = known.get(witness.key_ref, 0)
    checkpoint = ledger.get_checkpoint_at(origin, size)
    tried: set[int] = set()
    for _attempt in range(MAX_SIZE_RETRIES + 1):
        tried.add(old)
        request = AddCheckpointRequest(
            old, tuple(ledger.consistency_proof(origin, old, size)), checkpoint.note
        )
        try:
            reply = transport(witness, request.to_bytes())
        except WitnessUnreachableError as exc:
            return outcome("offline", str(exc))
        if reply.status == 200:
            try:
                lines = parse_cosignature_lines(reply.body)
            except LedgerError as exc:
                return outcome("refused", f"无效的答复 / invalid answer: {exc.detail}")
            key = VerifierKey.from_vkey(witness.vkey)
            own = tuple(line for line in lines if line.matches(key))
            if not own:
                return outcome(
                    "refused", "答复中没有该见证人的联署 / no cosignature by its key"
                )
            return own
        if reply.status == 409 and reply.media_type == SIZE_MEDIA_TYPE:
            try:
                their_size = parse_size_response(reply.body)
            except MalformedNoteError as exc:
                return outcome("refused", f"409: {exc.detail}")
            if their_size > size:
                return outcome(
                    "refused",
                    f"见证人已见过更大的树 {their_size} / the witness has cosigned size "
                    f"{their_size}, larger than this log's {size}",
                )
            if their_size in tried:
                return outcome("refused", f"409 again at size {their_size}")
            old = their_size
            continue
        return outcome("refused", f"HTTP {reply.status}: {_excerpt(reply.body)}")
    return outcome("refused", "too many 409 answers")


def _excerpt(body: bytes) -> str:
    return body[:300].decode("utf-8", errors="replace").strip()
