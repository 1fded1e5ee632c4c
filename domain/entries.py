"""The signed-entry envelope of SPEC §3: submissions, the signature message, leaves.

A *submission* is what a poster sends: the exact payload bytes and an Ed25519 signature
over ``"shuangshai/v1/entry\\n" || SHA-256(payload)``. A *leaf* is what the log commits
to: the JCS encoding of ``{"v":1,"accepted_at":…,"payload":base64,"sig":base64}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from domain.canonical import canonical_bytes, parse_canonical
from domain.errors import (
    EntryTooLargeError,
    MalformedSubmissionError,
    VerificationError,
)
from domain.signing import Signer

ENTRY_SIGNATURE_PREFIX: Final = b"shuangshai/v1/entry\n"
MAX_LEAF_BYTES: Final = 65_535
LEAF_VERSION: Final = 1
_ACCEPTED_AT: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
)


def entry_signature_message(payload_bytes: bytes) -> bytes:
    """The bytes an entry signature covers (domain-separated from checkpoints)."""
    return ENTRY_SIGNATURE_PREFIX + hashlib.sha256(payload_bytes).digest()


@dataclass(frozen=True)
class Submission:
    """A poster's signed entry: exact payload bytes and the Ed25519 signature."""

    payload_bytes: bytes
    signature: bytes

    @classmethod
    def sign(cls, payload: dict[str, Any], signer: Signer) -> Submission:
        """Canonicalise ``payload`` and sign it (what a firm's software does)."""
        payload_bytes = canonical_bytes(payload)
        return cls(payload_bytes, signer.sign(entry_signature_message(payload_bytes)))

    @classmethod
    def from_json(cls, value: object) -> Submission:
        """Parse ``{"payload": base64, "sig": base64}``."""
        if not isinstance(value, dict):
            raise MalformedSubmissionError(
                "提交必须是 JSON 对象 / a submission must be a JSON object", pointer=""
            )
        extra = sorted(set(value) - {"payload", "sig"})
        if extra:
            escaped = extra[0].replace("~", "~0").replace("/", "~1")
            raise MalformedSubmissionError(
                f"提交中有未知字段 / unknown field in submission: {extra[0]}",
                pointer=f"/{escaped}",
            )
        payload = _b64_field(value, "payload")
        signature = _b64_field(value, "sig")
        if len(signature) != 64:
            raise MalformedSubmissionError(
                "签名必须是 64 字节的 Ed25519 签名 / sig must be a 64-byte Ed25519 "
                f"signature (got {len(signature)} bytes)",
                pointer="/sig",
            )
        return cls(payload, signature)

    def to_json(self) -> dict[str, str]:
        return {
            "payload": base64.b64encode(self.payload_bytes).decode("ascii"),
            "sig": base64.b64encode(self.signature).decode("ascii"),
        }

    def parse_payload(self) -> dict[str, Any]:
        """The payload object, if its bytes are canonical; not yet schema-checked."""
        return parse_canonical(self.payload_bytes)


def _b64_field(value: dict[str, Any], name: str) -> bytes:
    raw = value.get(name)
    if not isinstance(raw, str):
        raise MalformedSubmissionError(
            f"缺少字段 {name}（base64 字符串）/ {name} must be a base64 string",
            pointer=f"/{name}",
        )
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSubmissionError(
            f"{name} 不是合法的 base64 / {name} is not valid base64", pointer=f"/{name}"
        ) from None


def format_accepted_at(moment: datetime) -> str:
    """The log's acceptance time: UTC, microseconds, ``Z`` (sortable as text)."""
    if moment.tzinfo is None:
        raise ValueError("accepted_at must be timezone-aware")  # programming error
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_leaf(submission: Submission, accepted_at: str) -> bytes:
    """The leaf the log commits to; raises if it would exceed 65,535 bytes."""
    if not _ACCEPTED_AT.fullmatch(accepted_at):
        raise ValueError(f"accepted_at {accepted_at!r} is not the log's UTC format")
    # Every value is ASCII with nothing JCS would escape, so the canonical form is the
    # keys in sorted order with no whitespace (tests compare it with rfc8785).
    payload = base64.b64encode(submission.payload_bytes).decode("ascii")
    sig = base64.b64encode(submission.signature).decode("ascii")
    leaf = (
        f'{{"accepted_at":"{accepted_at}","payload":"{payload}",'
        f'"sig":"{sig}","v":{LEAF_VERSION}}}'
    ).encode("ascii")
    if len(leaf) > MAX_LEAF_BYTES:
        raise EntryTooLargeError(
            f"条目过大：叶子为 {len(leaf)} 字节，上限 {MAX_LEAF_BYTES} 字节；附件请按哈希"
            f"引用 / entry too large: the leaf would be {len(leaf)} bytes, the limit is "
            f"{MAX_LEAF_BYTES}; reference large files as attachments by hash",
            pointer="/payload",
        )
    return leaf


@dataclass(frozen=True)
class Leaf:
    """A parsed leaf, as verifiers read it back from the log."""

    accepted_at: str
    submission: Submission

    @classmethod
    def from_bytes(cls, data: bytes) -> Leaf:
        """Parse a leaf; raises ``VerificationError`` if it is not a well-formed leaf."""
        try:
            value = parse_canonical(data, pointer="/leaf")
        except Exception as exc:  # any parse failure means a bad leaf
            raise VerificationError(f"leaf is not canonical JSON: {exc}") from None
        if set(value) != {"v", "accepted_at", "payload", "sig"} or value["v"] != 1:
            raise VerificationError(
                "leaf does not have exactly v, accepted_at, payload, sig"
            )
        if not isinstance(value["accepted_at"], str):
            raise VerificationError("leaf accepted_at is not a string")
        try:
            submission = Submission.from_json(
                {"payload": value["payload"], "sig": value["sig"]}
            )
        except MalformedSubmissionError as exc:
            raise VerificationError(f"leaf has a malformed submission: {exc}") from None
        leaf = cls(value["accepted_at"], submission)
        # Only the exact bytes the log writes are a leaf: one entry, one leaf hash.
        if not _ACCEPTED_AT.fullmatch(leaf.accepted_at) or leaf.to_bytes() != data:
            raise VerificationError("leaf is not in the exact form the log writes")
        return leaf

    def to_bytes(self) -> bytes:
        return make_leaf(self.submission, self.accepted_at)
