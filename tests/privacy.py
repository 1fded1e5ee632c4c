"""A privacy scanner for published sites: no private number may be public (SPEC §3).

SPEC §3 says that everything in a log is public forever and that no payload may hold
private personal data: ID numbers and private phone numbers stay in a private store
and a payload carries only a masked form (``138****1234``) or a salted commitment.
:func:`scan_site` checks a published site (SPEC §4) for three kinds of number:

``mobile``
    A mainland mobile number: ``1[3-9]`` and nine more digits, not part of a longer
    digit run, optionally written ``138-1234-5678`` or ``138 1234 5678`` and
    optionally prefixed with ``+86``/``0086``/``86``.
``id-card``
    A resident identity card number (GB 11643-1999): 6-digit area code (first digit
    1–8), a real birth date in 19xx or 20xx that is not in the future, a 3-digit
    sequence number and a check digit ``0``–``9``/``X`` that must satisfy ISO 7064
    MOD 11-2 (so random 18-digit runs are not reported). The old 15-digit form has
    no check digit and is not looked for: it cannot be told apart from other numbers.
``bank-card``
    16–19 digits (optionally grouped by fours with spaces or hyphens) passing the
    Luhn check, with no ASCII letter or digit either side: not inside a longer
    alphanumeric run such as a hex hash. A run already reported as an ID number is
    not reported again as a card.

A mobile number or an ID number inside a hex run of 16 or more characters with at
least one letter (a hash, a key) is not reported either. Masked numbers
(``138****1234``), landlines (``028-84561234``), 400 numbers, dates and fen amounts
do not match.

Every text file is scanned (HTML with entities decoded; JSON ``\\uXXXX`` escapes are
decoded everywhere, since a script's JSON may use them), and so is every entry of
every C2SP tlog-tiles entry bundle (``tile/entries/<N>[.p/<W>]``): the leaf text and,
decoded from base64, its payload, where a raw scan of the bundle bytes would see
nothing. Hash tiles and binary files are skipped.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final, Literal

from domain.errors import MalformedNoteError
from domain.tiles import TILE_WIDTH, decode_entry_bundle, parse_tile_path

Kind = Literal["mobile", "id-card", "bank-card"]

__all__ = [
    "Finding",
    "Hit",
    "Kind",
    "id_card_check_digit",
    "luhn_valid",
    "scan_file",
    "scan_site",
    "scan_text",
]


@dataclass(frozen=True)
class Hit:
    """A private number found in a text: its kind and the text that matched."""

    kind: Kind
    match: str


@dataclass(frozen=True)
class Finding:
    """A private number in a published file (and, for a bundle, in which entry)."""

    path: str  # relative to the site root, with "/"
    kind: Kind
    match: str
    entry: int | None = None  # the log index, for an entry of an entry bundle
    in_payload: bool = False  # found in the decoded payload rather than the leaf

    def __str__(self) -> str:
        where = self.path
        if self.entry is not None:
            part = "payload" if self.in_payload else "leaf"
            where += f" entry {self.entry} ({part})"
        return f"{where}: {self.kind} {self.match!r}"


_MOBILE: Final = re.compile(
    r"""
    (?<!\d)
    (?:(?:\+|00)86[-\ ]?|86[-\ ]?)?                   # +86, 0086 or 86
    (1[3-9]\d (?P<sep>[-\ ]?) \d{4} (?P=sep) \d{4})   # 13812345678, 138-1234-5678
    (?!\d)
    """,
    re.VERBOSE,
)
_ID_CARD: Final = re.compile(
    r"""
    (?<!\d)
    ( [1-8]\d{5}                                      # area
      (?:19|20)\d{2} (?:0[1-9]|1[0-2]) (?:0[1-9]|[12]\d|3[01])  # birth date
      \d{3} [\dXx] )                                  # sequence, check digit
    (?![\dA-Za-z])
    """,
    re.VERBOSE,
)
_BANK_CARD: Final = re.compile(
    r"""
    (?<![0-9A-Za-z])
    ( [1-9]\d{15,18}
    | [1-9]\d{3} (?P<sep>[-\ ]) \d{4} (?P=sep) \d{4} (?P=sep) \d{4} (?:(?P=sep)\d{1,3})? )
    (?![0-9A-Za-z])
    """,
    re.VERBOSE,
)
_HEX_RUN: Final = re.compile(r"[0-9A-Fa-f]{16,}")  # with a letter: a hash, not a number
_JSON_ESCAPE: Final = re.compile(r"\\u([0-9A-Fa-f]{4})")
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


def id_card_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an ID number's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _plausible_id_card(number: str, today: date) -> bool:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born > today:
        return False
    return id_card_check_digit(number[:17]) == number[17].upper()


def _in_hex_run(hex_spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in hex_spans)


def scan_text(text: str, *, today: date | None = None) -> list[Hit]:
    """Every private number in ``text``, in order of kind then position."""
    today = today or date.today()
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    hex_spans = [m.span() for m in _HEX_RUN.finditer(text) if not m.group(0).isdigit()]
    hits: list[Hit] = []
    for m in _MOBILE.finditer(text):
        if not _in_hex_run(hex_spans, *m.span(1)):
            hits.append(Hit("mobile", m.group(0)))
    id_spans: set[tuple[int, int]] = set()
    for m in _ID_CARD.finditer(text):
        if _plausible_id_card(m.group(1), today) and not _in_hex_run(
            hex_spans, *m.span(1)
        ):
            id_spans.add(m.span(1))
            hits.append(Hit("id-card", m.group(1)))
    for m in _BANK_CARD.finditer(text):
        digits = re.sub(r"[- ]", "", m.group(1))
        if 16 <= len(digits) <= 19 and luhn_valid(digits) and m.span(1) not in id_spans:
            hits.append(Hit("bank-card", m.group(1)))
    return hits


def _tile_path(relative: str) -> tuple[int | None, int] | None:
    """``(level, N)`` of a C2SP tlog-tiles path ``…/tile/…`` (level None: a bundle)."""
    parts = relative.split("/")
    if "tile" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("tile")
    try:
        level, index, _ = parse_tile_path("/".join(parts[at:]))
    except MalformedNoteError:
        return None
    return level, index


def _payload(leaf: bytes) -> bytes | None:
    """The payload bytes of a leaf (SPEC §3), or None if the leaf has none."""
    try:
        parsed = json.loads(leaf)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("payload"), str):
        return None
    try:
        return base64.b64decode(parsed["payload"], validate=True)
    except binascii.Error:
        return None


class _Scanner:
    """Scans files, each leaf once (a partial bundle repeats the leaves before it)."""

    def __init__(self, root: Path, today: date | None) -> None:
        self.root = root
        self.today = today or date.today()
        self.seen: dict[bytes, list[Hit]] = {}

    def hits(self, data: bytes) -> list[Hit]:
        if data not in self.seen:
            text = data.decode("utf-8", errors="replace")
            self.seen[data] = scan_text(text, today=self.today)
        return self.seen[data]

    def file(self, path: Path) -> list[Finding]:
        relative = path.relative_to(self.root).as_posix()
        data = path.read_bytes()
        tile = _tile_path(relative)
        if tile is not None and tile[0] is None:
            return self.bundle(relative, tile[1], data)
        if tile is not None:
            return []  # a hash tile: binary SHA-256 hashes
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return []  # a binary attachment
        if path.suffix in (".html", ".htm"):
            text = html.unescape(text)
        return [
            Finding(relative, h.kind, h.match)
            for h in scan_text(text, today=self.today)
        ]

    def bundle(self, relative: str, bundle: int, data: bytes) -> list[Finding]:
        findings: list[Finding] = []
        for position, leaf in enumerate(decode_entry_bundle(data)):
            index = bundle * TILE_WIDTH + position
            for hit in self.hits(leaf):
                findings.append(Finding(relative, hit.kind, hit.match, index))
            payload = _payload(leaf)
            for hit in self.hits(payload) if payload is not None else ():
                findings.append(
                    Finding(relative, hit.kind, hit.match, index, in_payload=True)
                )
        return findings


def scan_file(root: Path, path: Path, *, today: date | None = None) -> list[Finding]:
    """The findings in one published file (``path`` inside ``root``)."""
    return _Scanner(root, today).file(path)


def scan_site(root: Path, *, today: date | None = None) -> list[Finding]:
    """Every private number in the site published at ``root`` (files in path order)."""
    scanner = _Scanner(root, today)
    findings: list[Finding] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        findings.extend(scanner.file(path))
    return findings
