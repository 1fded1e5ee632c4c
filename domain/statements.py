"""The statement model: what one template page shows for one period (SPEC §4–5).

A :class:`Statement` is a generic, render-ready model — periods, tables of rows with
cells, headline totals — so that one HTML template can render all twelve, and an
auditor can recompute every total from the entries it lists. Totals are always net of
reversed entries (红冲); reversed rows stay on the page, marked, beside their reversal.
The computations live in :mod:`domain.board`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CellKind = Literal["text", "money", "date", "count", "ratio"]


@dataclass(frozen=True)
class Period:
    """A disclosure period: ``key`` like 2026-03, 2026-Q1, 2026-H1, 2026 or ``current``."""

    key: str
    start: str  # ISO date, inclusive
    end: str  # ISO date, inclusive
    label: str  # Chinese, e.g. 2026年第一季度


@dataclass(frozen=True)
class Cell:
    """One table cell. ``value`` is text, fen (money), an ISO date, a count or bp."""

    kind: CellKind
    value: str | int | None


@dataclass(frozen=True)
class Row:
    """A table row; ``entry`` is the index of the entry it shows, if it shows one."""

    cells: tuple[Cell, ...]
    entry: int | None = None
    reversed_by: int | None = None  # index of the EntryReversed that cancels this row
    reverses: int | None = None  # for a reversal row: the index it cancels


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    footer: tuple[Cell, ...] = ()  # e.g. a totals row, aligned with headers


@dataclass(frozen=True)
class Total:
    """A headline figure: ``key`` is stable (for tests and charts), ``label`` Chinese."""

    key: str
    label: str
    fen: int


@dataclass(frozen=True)
class Statement:
    """One template's statement for one project and period."""

    template: str  # template slug, e.g. common-revenue
    code: str  # T01 … T12
    title: str  # the template's Chinese name
    project_id: str
    period: Period
    tables: tuple[Table, ...]
    totals: tuple[Total, ...] = ()
    entries: tuple[int, ...] = ()  # every entry index the page shows (to verify)
    notes: tuple[str, ...] = field(default=())

    def total(self, key: str) -> int:
        for total in self.totals:
            if total.key == key:
                return total.fen
        raise KeyError(key)  # programming error: tests ask for known keys

    @property
    def slug(self) -> str:
        """The page's file name stem: ``<template>/<period key>``."""
        return f"{self.template}/{self.period.key}"
