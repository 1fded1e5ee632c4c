"""What publishing reads: the read side of a ledger, as a structural type.

:func:`publish.site.publish_site` and :mod:`publish.logfiles` need only a ledger's
queries — the registry, each log's entries and checkpoints, tile hashes and proofs.
:class:`PublishSource` names exactly those, so that two very different things can be
published from:

- :class:`domain.application.LedgerApplication`, the event-sourced ledger (what
  ``shuangshai publish`` uses), and
- :class:`publish.published_log.PublishedInstance`, a site that was published
  before, read back from its ``log/`` files alone (what the auditor uses to
  re-derive every page and compare it byte for byte with what was published).

Both satisfy the protocol structurally; mypy (strict) checks it wherever one is
passed as a ``PublishSource`` (``tests/audit_pages/test_published_log.py``).
Proof and root queries beyond what the log files need (``consistency_proof``,
``root_at``, ``get_receipt``) are part of it because pages embed verification data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from domain.application import StoredCheckpoint, StoredEntry
from domain.receipts import Receipt
from domain.registry import RegistryState
from domain.signing import VerifierKey

__all__ = ["PublishSource"]


class PublishSource(Protocol):
    """The queries a publish makes of a ledger (see the module docstring).

    Every method raises the same errors as :class:`LedgerApplication`'s:
    :class:`~domain.errors.LogNotFoundError` for an unknown origin,
    :class:`~domain.errors.CheckpointNotFoundError` for a log with no checkpoint,
    :class:`~domain.errors.EntryNotFoundError` for an index or tile outside the log.
    """

    @property
    def registry_origin(self) -> str:
        """The origin of the registry log, ``<instance>/registry``."""
        ...

    @property
    def association_key(self) -> VerifierKey:
        """The key that signs registry entries (the registry's trust root)."""
        ...

    def project_origin(self, project_id: str) -> str:
        """The origin of a project's log, ``<instance>/p/<project_id>``."""
        ...

    def log_vkey(self, origin: str) -> str:
        """The vkey the log ``origin`` signs its checkpoints with."""
        ...

    def list_origins(self) -> list[str]:
        """The registry log, then every registered project's log by project id."""
        ...

    def get_registry(self) -> RegistryState:
        """The registry folded from its log."""
        ...

    def get_entry(self, origin: str, index: int) -> StoredEntry:
        """Entry ``index`` of the log."""
        ...

    def list_entries(
        self, origin: str, *, start: int = 0, stop: int | None = None
    ) -> Iterator[StoredEntry]:
        """Entries ``start <= index < stop`` in order."""
        ...

    def get_checkpoint(self, origin: str) -> StoredCheckpoint:
        """The latest signed checkpoint of the log."""
        ...

    def list_checkpoints(self, origin: str) -> Iterator[StoredCheckpoint]:
        """Every checkpoint the log signed, oldest first."""
        ...

    def list_cosignatures(self, origin: str) -> dict[int, tuple[str, ...]]:
        """Checkpoint size → the witnesses' cosignature lines kept for it."""
        ...

    def get_receipt(self, origin: str, index: int) -> Receipt:
        """A receipt for entry ``index`` against the latest checkpoint."""
        ...

    def inclusion_proof(self, origin: str, index: int, size: int) -> list[bytes]:
        """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size``."""
        ...

    def consistency_proof(
        self, origin: str, old_size: int, new_size: int
    ) -> list[bytes]:
        """RFC 9162 consistency proof from the tree of ``old_size`` to ``new_size``."""
        ...

    def root_at(self, origin: str, size: int) -> bytes:
        """The root of the tree of the first ``size`` entries."""
        ...

    def tile_hashes(
        self, origin: str, level: int, index: int, width: int, size: int
    ) -> list[bytes]:
        """The ``width`` hashes of tile ``level/index`` in the tree of ``size``."""
        ...

    def log_size(self, origin: str) -> int:
        """How many entries the log holds."""
        ...
