"""A small signed log for witness tests: a Merkle tree, its key, forks of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.checkpoint import Checkpoint, sign_checkpoint
from domain.clock import FixedClock
from domain.merkle import MemoryTree, hash_leaf
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.witness import AddCheckpointRequest, WitnessState

ORIGIN = "chengdu.test/p/witnessed"
T0 = 1_780_000_000
CLOCK = FixedClock(datetime.fromtimestamp(T0, UTC))


def witness_signer(name: str = "witness.test/w1", seed: int = 41) -> Signer:
    return Signer.from_seed(name, bytes([seed]) * 32, alg=ALG_COSIGNATURE_V1)


@dataclass
class FakeLog:
    """A log: leaves ``<tag>-<index>``, checkpoints signed by one log key."""

    origin: str = ORIGIN
    seed: int = 7
    tree: MemoryTree = field(default_factory=MemoryTree)

    @property
    def signer(self) -> Signer:
        return Signer.from_seed(self.origin, bytes([self.seed]) * 32)

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    @property
    def size(self) -> int:
        return self.tree.size

    def grow(self, count: int, tag: str = "a") -> FakeLog:
        for _ in range(count):
            self.tree.append(hash_leaf(f"{tag}-{self.tree.size}".encode()))
        return self

    def root(self, size: int | None = None) -> bytes:
        return self.tree.root(self.size if size is None else size)

    def note(self, size: int | None = None) -> str:
        size = self.size if size is None else size
        return sign_checkpoint(
            Checkpoint(self.origin, size, self.tree.root(size)), self.signer
        ).to_text()

    def request(self, old: int, size: int | None = None) -> AddCheckpointRequest:
        size = self.size if size is None else size
        proof = self.tree.consistency_proof(old, size) if old else []
        return AddCheckpointRequest(old, tuple(proof), self.note(size))

    def fork(self, at: int, tag: str = "fork") -> FakeLog:
        """The same key and the first ``at`` leaves, then other leaves."""
        forked = FakeLog(self.origin, self.seed)
        for index in range(at):
            forked.tree.append(self.tree.perfect_hash(0, index))
        return forked.grow(self.size - at, tag)


def trusting(*logs: FakeLog) -> WitnessState:
    state = WitnessState()
    for log in logs:
        state = state.trust_log(log.vkey)
    return state
