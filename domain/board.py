"""The notice board and enquiry desk as a pure fold over a project's entries.

:func:`placements` says where an entry shows: which of the 8 columns (公开栏), which of
the 5 desk categories (查询台), which of the 12 templates. :class:`ProjectBoard` folds
entries in log order, linking each 红冲 (``EntryReversed``) to the entry it cancels.
The projection (:mod:`domain.projection`) and the publisher both use this module, so a
rebuild from scratch gives the same board.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from domain.catalogue import (
    EXTRA_COLUMN_OF_TYPE,
    MONEY_ENTRY_TYPES,
    TEMPLATES,
)
from domain.entries import Leaf


@dataclass(frozen=True)
class Placement:
    columns: tuple[str, ...]
    categories: tuple[str, ...]
    templates: tuple[str, ...]  # template slugs


_DESK_OF_TYPE: dict[str, tuple[str, ...]] = {
    "ContractSigned": ("contracts",),
    "ContractAmended": ("contracts",),
    "RevenueSourceRegistered": ("contracts", "finance", "registers"),
    "FacilityRegistered": ("registers",),
    "StaffAssigned": ("registers",),
    "StaffReleased": ("registers",),
    "ManagerAppointed": ("registers",),
    "WorkLogged": ("work-records",),
    "InspectionRecorded": ("work-records",),
    "FacilityServiced": ("work-records",),
    "ServiceStandardDeclared": ("policies-and-plans",),
}

#: DocumentFiled.category -> desk category (the schema uses the desk slugs).
_DOCUMENT_CATEGORIES = (
    "contracts",
    "finance",
    "registers",
    "work-records",
    "policies-and-plans",
)


def placements(entry_type: str, body: Mapping[str, Any]) -> Placement:
    """Where an entry of ``entry_type`` shows on the board, the desk and the templates."""
    category = body.get("category") if entry_type == "DocumentFiled" else None
    return _placements(entry_type, category if isinstance(category, str) else None)


@functools.lru_cache(maxsize=256)
def _placements(entry_type: str, document_category: str | None) -> Placement:
    templates = tuple(t.slug for t in TEMPLATES if entry_type in t.entry_types)
    columns: list[str] = []
    for template in TEMPLATES:
        if entry_type in template.entry_types:
            columns.extend(c for c in template.columns if c not in columns)
    extra = EXTRA_COLUMN_OF_TYPE.get(entry_type)
    if extra is not None and extra not in columns:
        columns.append(extra)
    categories: list[str] = list(_DESK_OF_TYPE.get(entry_type, ()))
    if entry_type in MONEY_ENTRY_TYPES and "finance" not in categories:
        categories.append("finance")
    if document_category in _DOCUMENT_CATEGORIES:
        categories.append(str(document_category))
    return Placement(tuple(columns), tuple(categories), templates)


@dataclass(frozen=True)
class BoardEntry:
    """An accepted entry as the board shows it (all of it is public)."""

    origin: str
    index: int
    entry_id: str
    entry_type: str
    accepted_at: str
    issued_at: str
    leaf_hash: str  # hex
    key_ref: str
    firm: str | None
    body: dict[str, Any]
    period: dict[str, str] | None = None
    refs: tuple[dict[str, Any], ...] = ()
    attachments: tuple[dict[str, Any], ...] = ()
    reversed_by: int | None = None  # index of the EntryReversed that cancels it

    @classmethod
    def from_leaf(
        cls, origin: str, index: int, leaf: bytes, leaf_hash: bytes, firm: str | None
    ) -> BoardEntry:
        """Read an accepted leaf (already verified by the log) into a board entry."""
        parsed = Leaf.from_bytes(leaf)
        payload = parsed.submission.parse_payload()
        return cls(
            origin=origin,
            index=index,
            entry_id=payload["id"],
            entry_type=payload["type"],
            accepted_at=parsed.accepted_at,
            issued_at=payload["issued_at"],
            leaf_hash=leaf_hash.hex(),
            key_ref=payload["key"],
            firm=firm,
            body=payload["body"],
            period=payload.get("period"),
            refs=tuple(payload.get("refs", ())),
            attachments=tuple(payload.get("attachments", ())),
        )

    @functools.cached_property
    def placement(self) -> Placement:
        """Where the entry shows; computed once per entry object."""
        return placements(self.entry_type, self.body)

    @property
    def reverses(self) -> int | None:
        """For a 红冲 entry, the index it cancels."""
        if self.entry_type != "EntryReversed":
            return None
        return int(self.body["target"]["index"])

    @property
    def is_reversed(self) -> bool:
        return self.reversed_by is not None

    def to_json(self) -> str:
        """A canonical JSON form for view stores (sorted keys, no whitespace)."""
        return json.dumps(
            {
                "origin": self.origin,
                "index": self.index,
                "entry_id": self.entry_id,
                "entry_type": self.entry_type,
                "accepted_at": self.accepted_at,
                "issued_at": self.issued_at,
                "leaf_hash": self.leaf_hash,
                "key_ref": self.key_ref,
                "firm": self.firm,
                "body": self.body,
                "period": self.period,
                "refs": list(self.refs),
                "attachments": list(self.attachments),
                "reversed_by": self.reversed_by,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> BoardEntry:
        # orjson reads the same JSON as the standard library three times as fast;
        # a publish reads every row of the view back.
        value = orjson.loads(text)
        value["refs"] = tuple(value["refs"])
        value["attachments"] = tuple(value["attachments"])
        return cls(**value)


@dataclass
class ProjectBoard:
    """A project's board: every entry by index, with reversals linked both ways.

    Where each entry shows (columns, desk categories, templates) is worked out once,
    when it is folded in, so listing a column costs only its own entries.
    """

    origin: str
    entries: dict[int, BoardEntry] = field(default_factory=dict)
    _order: list[int] = field(default_factory=list, repr=False, compare=False)
    _places: dict[str, list[int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def apply(self, entry: BoardEntry) -> None:
        """Fold in the next entry of the log (entries arrive in index order)."""
        if entry.index in self.entries:
            raise ValueError(
                f"entry {entry.index} is already on the board"
            )  # caller bug
        if self._order and entry.index < self._order[-1]:
            raise ValueError("entries must be folded in index order")  # caller bug
        self.entries[entry.index] = entry
        self._order.append(entry.index)
        placement = entry.placement
        for prefix, slugs in (
            ("column:", placement.columns),
            ("category:", placement.categories),
            ("template:", placement.templates),
        ):
            for slug in slugs:
                self._places.setdefault(prefix + slug, []).append(entry.index)
        target = entry.reverses
        if target is not None and target in self.entries:
            self.entries[target] = replace(
                self.entries[target], reversed_by=entry.index
            )

    @classmethod
    def from_entries(cls, origin: str, entries: Iterable[BoardEntry]) -> ProjectBoard:
        board = cls(origin)
        for entry in sorted(entries, key=lambda e: e.index):
            board.apply(entry)
        return board

    def in_order(self) -> list[BoardEntry]:
        return [self.entries[i] for i in self._order]

    def column(self, slug: str) -> list[BoardEntry]:
        """Entries shown in a notice-board column, with the reversals of any of them."""
        return self._with_reversals(self._places.get("column:" + slug, ()))

    def category(self, slug: str) -> list[BoardEntry]:
        """Entries indexed under an enquiry-desk category, with their reversals."""
        return self._with_reversals(self._places.get("category:" + slug, ()))

    def template(self, slug: str) -> list[BoardEntry]:
        """Entries feeding a template, with the reversals of any of them."""
        return self._with_reversals(self._places.get("template:" + slug, ()))

    def _with_reversals(self, indices: Iterable[int]) -> list[BoardEntry]:
        chosen = set(indices)
        for index in list(chosen):
            reversal = self.entries[index].reversed_by
            if reversal is not None and reversal in self.entries:
                chosen.add(reversal)
        return [self.entries[i] for i in sorted(chosen)]
