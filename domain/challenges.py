"""Owners' challenges (质疑沟通): who signs each step, the thread's state, private data.

SPEC §1 and §3: owners raise challenges that the firm must answer; owners hold no key,
and their contact details are private. The instance's **intake key** (registered in the
registry by ``IntakeKeyAdded``) signs on the owner's behalf; the firm signs its answers.
This module is pure; the private store and the HTTP intake are adapters in ``api/``.

Who signs what (:func:`check_signer_role`):

========================  ==========================================  ===================
entry type                intake key (the owner, via tracking code)   the serving firm
========================  ==========================================  ===================
``ChallengeRaised``       yes (only the intake)                       no
``ChallengeAnswered``     no                                          yes
``ChallengeEscalated``    ``trigger`` owner-request / answer-overdue  ``firm-referral``
``ChallengeClosed``       ``closed_by`` owner / authority             ``firm-after-timeout``
========================  ==========================================  ===================

A thread (:class:`ChallengeThread`) is one ``challenge_id`` in one log: raised once,
then answered, escalated and closed at most once; nothing follows a closure. The firm
may close only after its formal answer has stood :data:`OWNER_REPLY_DAYS` days with no
escalation (:func:`check_followup`).

Private data (:class:`ContactDetails`) never enters a payload: the entry carries its
masked form (张*, 138****5678, 3-2-***) and a salted commitment
``hex(SHA-256(salt ‖ JCS(contact)))`` with a random 32-byte salt that only the private
store keeps (:func:`commitment`). Tracking codes are 160 random bits in base32; only
their SHA-256 (domain-separated) is stored (:func:`tracking_code_hash`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from domain.canonical import canonical_bytes
from domain.catalogue import COLUMNS, INTAKE_SIGNED
from domain.errors import (
    ChallengeConflictError,
    ChallengeNotFoundError,
    FieldError,
    KeyNotAuthorizedError,
    RuleViolationError,
    SchemaViolationError,
)

Role = Literal["firm", "intake"]

#: Escalation triggers the intake signs for the owner; the firm's own is firm-referral.
OWNER_TRIGGERS: Final = ("owner-request", "answer-overdue")
FIRM_TRIGGER: Final = "firm-referral"
#: Closures the intake signs (the owner's, or an authority's decision it records).
INTAKE_CLOSURES: Final = ("owner", "authority")
FIRM_CLOSURE: Final = "firm-after-timeout"
#: Days a formal answer must stand, unescalated, before the firm may close.
OWNER_REPLY_DAYS: Final = 7

TOPICS: Final = (*COLUMNS, "other")
OUTCOMES: Final = ("satisfied", "unsatisfied", "withdrawn")
ESCALATION_TARGETS: Final = (
    "owners-committee",
    "street-office",
    "association",
    "housing-authority",
)

SALT_BYTES: Final = 32
TRACKING_CODE_BYTES: Final = 20  # 160 bits
_TRACKING_CODE: Final = re.compile(r"^[a-z2-7]{32}$")
_TRACKING_TAG: Final = b"shuangshai/v1/tracking-code\n"

MAX_QUESTION: Final = 4000
MAX_SUBJECT: Final = 200
MAX_NAME: Final = 40
MAX_NOTE: Final = 2000
_PHONE: Final = re.compile(r"^1[3-9][0-9]{9}$")
_ROOM: Final = re.compile(r"^([0-9A-Za-z]{1,4})-([0-9A-Za-z]{1,4})-[0-9A-Za-z]{1,6}$")
_HAN: Final = re.compile(r"^[\u4e00-\u9fff]{1,20}$")
_LATIN: Final = re.compile(r"^[A-Za-z][A-Za-z .'-]{0,39}$")

RandomBytes = Callable[[int], bytes]


# ----------------------------------------------------------------------- who signs
def check_signer_role(entry_type: str, body: Mapping[str, Any], role: Role) -> None:
    """Refuse a challenge step its signer may not sign (pointers rooted at the payload).

    Non-challenge types: the intake key may sign none of them; the firm all of them.
    """
    if role == "intake":
        if entry_type not in INTAKE_SIGNED:
            raise KeyNotAuthorizedError(
                f"受理密钥只能签署业主质疑及其升级、办结，不能签署 {entry_type} / the intake "
                f"key signs only ChallengeRaised, ChallengeEscalated and "
                f"ChallengeClosed, not {entry_type}",
                pointer="/key",
            )
        if entry_type == "ChallengeEscalated" and body["trigger"] not in OWNER_TRIGGERS:
            raise RuleViolationError(
                "受理密钥代业主升级，触发原因只能是 owner-request 或 answer-overdue / the "
                "intake escalates for the owner: trigger must be owner-request or "
                "answer-overdue",
                pointer="/body/trigger",
            )
        if entry_type == "ChallengeClosed" and body["closed_by"] not in INTAKE_CLOSURES:
            raise RuleViolationError(
                "受理密钥只能登记业主确认或主管部门办结 / the intake records closures by "
                "the owner or by an authority only",
                pointer="/body/closed_by",
            )
        return
    if entry_type == "ChallengeRaised":
        raise KeyNotAuthorizedError(
            "业主质疑只能经质疑受理通道提出，由受理密钥签署；企业不能自行登记质疑 / an "
            "owner's challenge is raised through the intake and signed by its key; a "
            "firm cannot raise challenges against itself",
            pointer="/key",
        )
    if entry_type == "ChallengeEscalated" and body["trigger"] != FIRM_TRIGGER:
        raise RuleViolationError(
            "企业只能主动提请升级（trigger 为 firm-referral）；业主的升级经受理通道提交 / a "
            "firm escalates only as firm-referral; the owner's escalations come through "
            "the intake",
            pointer="/body/trigger",
        )
    if entry_type == "ChallengeClosed" and body["closed_by"] != FIRM_CLOSURE:
        raise RuleViolationError(
            "企业只能在业主逾期未回复后关闭（closed_by 为 firm-after-timeout）/ a firm "
            "closes only as firm-after-timeout",
            pointer="/body/closed_by",
        )


# ------------------------------------------------------------------------ a thread
@dataclass(frozen=True)
class ChallengeStep:
    """One entry of a challenge thread, as the log accepted it."""

    index: int
    entry_type: str
    detail: str | None  # stage, trigger or closed_by
    accepted_at: str  # the leaf's accepted_at (UTC, RFC 3339)
    role: Role


@dataclass(frozen=True)
class ChallengeThread:
    """The entries of one ``challenge_id`` in one log, in log order."""

    challenge_id: str
    steps: tuple[ChallengeStep, ...] = field(default=())

    def with_step(self, step: ChallengeStep) -> ChallengeThread:
        return ChallengeThread(self.challenge_id, (*self.steps, step))

    def of_type(self, entry_type: str) -> list[ChallengeStep]:
        return [s for s in self.steps if s.entry_type == entry_type]

    @property
    def raised(self) -> ChallengeStep | None:
        found = self.of_type("ChallengeRaised")
        return found[0] if found else None

    @property
    def closed(self) -> ChallengeStep | None:
        found = self.of_type("ChallengeClosed")
        return found[0] if found else None

    @property
    def status(self) -> str:
        """raised → acknowledged → answered → escalated → closed (the furthest reached)."""
        answers = self.of_type("ChallengeAnswered")
        if self.closed is not None:
            return "closed"
        if self.of_type("ChallengeEscalated"):
            return "escalated"
        if any(s.detail == "answer" for s in answers):
            return "answered"
        if answers:
            return "acknowledged"
        return "raised"


def step_detail(entry_type: str, body: Mapping[str, Any]) -> str | None:
    """What a thread remembers of a step's body: stage, trigger or closed_by."""
    name = {
        "ChallengeAnswered": "stage",
        "ChallengeEscalated": "trigger",
        "ChallengeClosed": "closed_by",
    }.get(entry_type)
    value = body.get(name) if name else None
    return value if isinstance(value, str) else None


def check_raise(thread: ChallengeThread) -> None:
    """A ChallengeRaised needs a ``challenge_id`` not used before in this log."""
    if thread.steps:
        raise ChallengeConflictError(
            f"质疑编号 {thread.challenge_id} 已被第 {thread.steps[0].index} 条使用 / "
            f"challenge_id {thread.challenge_id} is already used by entry "
            f"{thread.steps[0].index}",
            pointer="/body/challenge_id",
        )


def check_followup(
    thread: ChallengeThread,
    entry_type: str,
    body: Mapping[str, Any],
    accepted_at: str,
) -> None:
    """Refuse an answer, escalation or closure the thread does not allow.

    The challenge must have been raised in this log and not be closed; a firm's
    ``firm-after-timeout`` closure needs a formal answer that has stood
    :data:`OWNER_REPLY_DAYS` days (by the log's acceptance times) with no escalation.
    """
    if thread.raised is None:
        raise RuleViolationError(
            f"本日志没有编号为 {thread.challenge_id} 的质疑 / no challenge "
            f"{thread.challenge_id} was raised in this log",
            pointer="/body/challenge_id",
        )
    closed = thread.closed
    if closed is not None:
        raise ChallengeConflictError(
            f"质疑 {thread.challenge_id} 已于第 {closed.index} 条办结 / challenge "
            f"{thread.challenge_id} was closed by entry {closed.index}",
            pointer="/body/challenge_id",
        )
    if entry_type != "ChallengeClosed" or body.get("closed_by") != FIRM_CLOSURE:
        return
    answers = [s for s in thread.of_type("ChallengeAnswered") if s.detail == "answer"]
    if not answers:
        raise RuleViolationError(
            "尚未正式答复，企业不能以业主逾期未回复为由关闭 / the firm has not answered "
            "yet, so it cannot close for lack of a reply",
            pointer="/body/closed_by",
        )
    if thread.of_type("ChallengeEscalated"):
        raise RuleViolationError(
            "质疑已升级，应由业主或主管部门办结 / the challenge was escalated: the owner "
            "or the authority closes it",
            pointer="/body/closed_by",
        )
    answered = _parse_time(answers[-1].accepted_at)
    if _parse_time(accepted_at) - answered < timedelta(days=OWNER_REPLY_DAYS):
        raise RuleViolationError(
            f"正式答复（第 {answers[-1].index} 条）后须等待业主 {OWNER_REPLY_DAYS} 日 / "
            f"the owner has {OWNER_REPLY_DAYS} days after the answer (entry "
            f"{answers[-1].index}) before the firm may close",
            pointer="/body/closed_by",
        )


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---------------------------------------------------------------- private details
@dataclass(frozen=True)
class ContactDetails:
    """What an owner tells the intake privately; never in a payload or a response."""

    name: str | None = None
    phone: str | None = None  # 11 digits
    room: str | None = None  # 栋-单元-房号, e.g. 3-2-1201
    note: str | None = None  # free text the owner marked private

    def to_json(self) -> dict[str, str]:
        """The fields given, as committed to (and kept in the private store)."""
        fields = {
            "name": self.name,
            "phone": self.phone,
            "room": self.room,
            "note": self.note,
        }
        return {k: v for k, v in fields.items() if v is not None}

    def masked(self) -> dict[str, str]:
        """The public ``challenger`` fields: masked name, phone and room."""
        shown: dict[str, str] = {}
        if self.name is not None:
            shown["name"] = mask_name(self.name)
        if self.room is not None:
            shown["room"] = mask_room(self.room)
        if self.phone is not None:
            shown["phone"] = mask_phone(self.phone)
        return shown


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, Wang Fang → W* (the masked_name pattern)."""
    if _HAN.match(name):
        return name[0] + "*" * min(max(len(name) - 1, 1), 4)
    return name[0].upper() + "*"


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_room(room: str) -> str:
    """3-2-1201 → 3-2-*** (building and unit stay; the room goes)."""
    building, unit, _ = room.split("-")
    return f"{building}-{unit}-***"


def commitment(salt: bytes, contact: ContactDetails) -> str:
    """``hex(SHA-256(salt ‖ JCS(contact)))``: opens only with the salt, kept privately."""
    if len(salt) != SALT_BYTES:
        raise ValueError("the salt must be 32 bytes")  # caller bug
    return hashlib.sha256(salt + canonical_bytes(contact.to_json())).hexdigest()


# ------------------------------------------------------------------ tracking codes
def new_tracking_code(random_bytes: RandomBytes) -> str:
    """160 random bits as 32 lowercase base32 letters (shown to the owner once)."""
    data = random_bytes(TRACKING_CODE_BYTES)
    return base64.b32encode(data).decode("ascii").lower()


def tracking_code_hash(code: str) -> str:
    """What the private store keeps instead of the code (domain-separated SHA-256)."""
    return hashlib.sha256(_TRACKING_TAG + code.encode("ascii")).hexdigest()


def normalise_tracking_code(code: str) -> str:
    """The code in its canonical form, or ChallengeNotFoundError (never says more)."""
    cleaned = code.strip().lower()
    if not _TRACKING_CODE.match(cleaned):
        raise ChallengeNotFoundError(
            "跟踪码无效或不存在 / no challenge has that tracking code",
            pointer="/path/tracking_code",
        )
    return cleaned


def new_challenge_id(day: datetime, random_bytes: RandomBytes) -> str:
    """``q-YYYYMMDD-<8 base32 letters>``: a public, unguessable slug."""
    suffix = base64.b32encode(random_bytes(5)).decode("ascii").lower()
    return f"q-{day:%Y%m%d}-{suffix}"


# ---------------------------------------------------------------- owner requests
@dataclass(frozen=True)
class ChallengeRequest:
    """An owner's challenge as the intake received it (validated)."""

    question: str
    contact: ContactDetails
    entry_index: int | None = None
    subject: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class CloseRequest:
    outcome: str
    note: str | None = None


@dataclass(frozen=True)
class EscalateRequest:
    escalated_to: str
    reason: str
    trigger: str = "owner-request"


class _Errors:
    """Collects every field error of a request, then raises them together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, pointer: str, message: str) -> None:
        self.errors.append(FieldError(pointer, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise SchemaViolationError(
                f"{self.errors[0].pointer}: {self.errors[0].message}",
                errors=self.errors,
            )


def _object(
    raw: object, pointer: str, errors: _Errors, allowed: tuple[str, ...]
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        if pointer == "/body":  # nothing else can be checked
            raise SchemaViolationError(
                "请求体应为 JSON 对象 / the body must be a JSON object", pointer=pointer
            )
        errors.add(pointer, "应为 JSON 对象 / must be a JSON object")
        return {}
    for name in raw:
        if name not in allowed:
            errors.add(
                f"{pointer}/{_escape(str(name))}",
                f"不认识的字段，可用字段：{', '.join(allowed)} / unknown field; "
                f"allowed: {', '.join(allowed)}",
            )
    return raw


def _text(
    value: object,
    pointer: str,
    errors: _Errors,
    *,
    maximum: int,
    required: bool,
) -> str | None:
    if value is None:
        if required:
            errors.add(pointer, "必填 / required")
        return None
    if not isinstance(value, str) or not value.strip():
        errors.add(pointer, "应为非空文字 / must be non-empty text")
        return None
    if len(value) > maximum:
        errors.add(
            pointer,
            f"最多 {maximum} 字，现有 {len(value)} 字 / at most {maximum} characters "
            f"(got {len(value)})",
        )
        return None
    return value.strip()


def _choice(
    value: object, pointer: str, errors: _Errors, options: tuple[str, ...]
) -> str | None:
    if value is None:
        return None
    if value not in options:
        errors.add(
            pointer,
            f"应为以下之一：{', '.join(options)} / must be one of {', '.join(options)}",
        )
        return None
    return str(value)


def parse_contact(raw: object, errors: _Errors, pointer: str) -> ContactDetails:
    body = _object(raw, pointer, errors, ("name", "phone", "room", "note"))
    name = _text(
        body.get("name"), f"{pointer}/name", errors, maximum=MAX_NAME, required=False
    )
    if name is not None and not (_HAN.match(name) or _LATIN.match(name)):
        errors.add(
            f"{pointer}/name",
            "姓名只能是汉字或拉丁字母 / a name is Chinese characters or Latin letters",
        )
        name = None
    phone_raw = body.get("phone")
    phone: str | None = None
    if phone_raw is not None:
        digits = (
            re.sub(r"[ -]", "", phone_raw.removeprefix("+86"))
            if isinstance(phone_raw, str)
            else ""
        )
        if _PHONE.match(digits):
            phone = digits
        else:
            errors.add(
                f"{pointer}/phone",
                "应为 11 位手机号，如 13812345678 / must be a mainland mobile number, "
                "e.g. 13812345678",
            )
    room_raw = body.get("room")
    room: str | None = None
    if room_raw is not None:
        if isinstance(room_raw, str) and _ROOM.match(room_raw.strip()):
            room = room_raw.strip()
        else:
            errors.add(
                f"{pointer}/room",
                "应为 栋-单元-房号，如 3-2-1201 / must be building-unit-room, e.g. 3-2-1201",
            )
    note = _text(
        body.get("note"), f"{pointer}/note", errors, maximum=MAX_NOTE, required=False
    )
    if isinstance(raw, dict) and not any(
        raw.get(k) is not None for k in ("name", "phone", "room")
    ):
        errors.add(
            pointer,
            "至少填写姓名、手机号或房号之一 / give at least a name, a phone or a room",
        )
    return ContactDetails(name, phone, room, note)


def parse_challenge_request(raw: object) -> ChallengeRequest:
    """Validate an owner's challenge; every problem has a pointer into ``/body``."""
    errors = _Errors()
    allowed = ("entry_index", "topic", "subject", "question", "contact")
    body = _object(raw, "/body", errors, allowed)
    index = body.get("entry_index")
    if index is not None and (
        type(index) is not int or not 0 <= index <= 9_007_199_254_740_991
    ):
        errors.add(
            "/body/entry_index",
            "应为非负整数（条目序号）/ must be an entry index (≥ 0)",
        )
        index = None
    topic = _choice(body.get("topic"), "/body/topic", errors, TOPICS)
    subject = _text(
        body.get("subject"),
        "/body/subject",
        errors,
        maximum=MAX_SUBJECT,
        required=False,
    )
    question = _text(
        body.get("question"),
        "/body/question",
        errors,
        maximum=MAX_QUESTION,
        required=True,
    )
    contact_raw = body.get("contact")
    if contact_raw is None:
        errors.add(
            "/body/contact",
            "必填：联系信息只存私有库，不公开 / required: contact details go to the "
            "private store only",
        )
        contact = ContactDetails()
    else:
        contact = parse_contact(contact_raw, errors, "/body/contact")
    errors.raise_if_any()
    return ChallengeRequest(question or "", contact, index, subject, topic)


def parse_close_request(raw: object) -> CloseRequest:
    errors = _Errors()
    body = _object(raw, "/body", errors, ("outcome", "note"))
    outcome = _choice(body.get("outcome"), "/body/outcome", errors, OUTCOMES)
    if body.get("outcome") is None:
        errors.add("/body/outcome", "必填 / required")
    note = _text(
        body.get("note"), "/body/note", errors, maximum=MAX_QUESTION, required=False
    )
    errors.raise_if_any()
    return CloseRequest(str(outcome), note)


def parse_escalate_request(raw: object) -> EscalateRequest:
    errors = _Errors()
    body = _object(raw, "/body", errors, ("escalated_to", "reason", "trigger"))
    target = _choice(
        body.get("escalated_to"), "/body/escalated_to", errors, ESCALATION_TARGETS
    )
    if body.get("escalated_to") is None:
        errors.add("/body/escalated_to", "必填 / required")
    reason = _text(
        body.get("reason"),
        "/body/reason",
        errors,
        maximum=MAX_QUESTION,
        required=True,
    )
    trigger = _choice(body.get("trigger"), "/body/trigger", errors, OWNER_TRIGGERS)
    errors.raise_if_any()
    return EscalateRequest(str(target), str(reason), trigger or "owner-request")


def default_subject(question: str) -> str:
    """A subject for a challenge that gave none: the question's first line, shortened."""
    first = question.strip().splitlines()[0].strip()
    return first if len(first) <= 40 else first[:39] + "…"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
