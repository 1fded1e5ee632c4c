"""Receipts (SPEC §3) and their offline verification.

A receipt says: this leaf is at this index of this log, and here is a checkpoint signed
by the log that covers it, with the inclusion proof, as C2SP tlog-proof text. Anyone
holding the log's verifier key can check it with no trust in the server.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.checkpoint import Checkpoint
from domain.entries import Leaf, entry_signature_message
from domain.errors import InclusionProofError, MalformedProofError, VerificationError
from domain.merkle import hash_leaf
from domain.proof_text import TlogProof, verify_tlog_proof
from domain.signing import VerifierKey


@dataclass(frozen=True)
class Receipt:
    """Proof that an entry was accepted: index, leaf, checkpoint and inclusion proof."""

    log: str
    index: int
    leaf: bytes
    proof: TlogProof

    @property
    def leaf_hash(self) -> bytes:
        return hash_leaf(self.leaf)

    @property
    def checkpoint_text(self) -> str:
        return self.proof.checkpoint.to_text()

    def to_json(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "index": self.index,
            "leaf_hash": self.leaf_hash.hex(),
            "leaf": base64.b64encode(self.leaf).decode("ascii"),
            "checkpoint": self.checkpoint_text,
            "proof": self.proof.to_text(),
        }

    @classmethod
    def from_json(cls, value: object) -> Receipt:
        """Parse a receipt; raises ``MalformedProofError`` naming the bad field."""
        if not isinstance(value, dict):
            raise MalformedProofError("receipt must be a JSON object", pointer="")
        for name, kind in (("log", str), ("index", int), ("leaf_hash", str)):
            if type(value.get(name)) is not kind:  # a bool is not an index
                raise MalformedProofError(
                    f"receipt {name} is missing", pointer=f"/{name}"
                )
        for name in ("leaf", "checkpoint", "proof"):
            if not isinstance(value.get(name), str):
                raise MalformedProofError(
                    f"receipt {name} is missing", pointer=f"/{name}"
                )
        try:
            leaf = base64.b64decode(value["leaf"], validate=True)
        except (binascii.Error, ValueError):
            raise MalformedProofError(
                "receipt leaf is not base64", pointer="/leaf"
            ) from None
        proof = TlogProof.from_text(value["proof"])
        receipt = cls(value["log"], value["index"], leaf, proof)
        if receipt.leaf_hash.hex() != value["leaf_hash"]:
            raise InclusionProofError(
                "leaf_hash is not the RFC 6962 hash of leaf", pointer="/leaf_hash"
            )
        if receipt.checkpoint_text != value["checkpoint"]:
            raise MalformedProofError(
                "checkpoint differs from the one in the proof", pointer="/checkpoint"
            )
        return receipt


def verify_receipt(
    receipt: Receipt,
    *,
    log_key: VerifierKey,
    entry_keys: Mapping[str, VerifierKey] | None = None,
) -> Checkpoint:
    """Check a receipt offline; returns the verified checkpoint or raises.

    Verifies the checkpoint's signature by ``log_key``, that the checkpoint is for the
    receipt's log, the inclusion proof, and — when ``entry_keys`` (key_ref → key) is
    given — the poster's signature of the payload.
    """
    if receipt.proof.index != receipt.index:
        raise InclusionProofError(
            f"the proof is for index {receipt.proof.index}, the receipt says {receipt.index}"
        )
    checkpoint = verify_tlog_proof(receipt.proof, leaf=receipt.leaf, log_key=log_key)
    if checkpoint.origin != receipt.log:
        raise VerificationError(
            f"the checkpoint is for log {checkpoint.origin!r}, not {receipt.log!r}"
        )
    if entry_keys is not None:
        leaf = Leaf.from_bytes(receipt.leaf)
        payload = leaf.submission.parse_payload()
        key_ref = payload.get("key")
        key = entry_keys.get(key_ref) if isinstance(key_ref, str) else None
        if key is None:
            raise VerificationError(
                f"no trusted key {key_ref!r} for the entry's signature"
            )
        key.verify(
            signature=leaf.submission.signature,
            message=entry_signature_message(leaf.submission.payload_bytes),
        )
        if payload.get("log") != receipt.log:
            raise VerificationError("the signed payload names another log")
    return checkpoint
