"""``shuangshai audit``: clean sources audit clean; every tampering is found and named.

The demo site (as ``tests/e2e/test_demo_site.py`` builds it) must audit clean from its
folder, over HTTP from localhost and from its store. A smaller world (a few hundred
entries, a witness that cosigns every checkpoint, a quorum policy) takes the seeded
mutations: each one must make the audit fail with a finding whose subject names the
mutated object.
"""

from __future__ import annotations

import functools
import http.server
import json
import random
import shutil
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.audit_command import run_audit
from api.audit_sources import FolderSite, HttpSite, StoreSource
from api.cli import main
from api.cosigning import Transport, collect_cosignatures
from api.demo_command import run_demo
from api.instance import init_instance
from api.witness_app import in_process_transport
from domain.application import LedgerApplication
from domain.checkpoint import cosign_checkpoint
from domain.clock import Clock, FixedClock
from domain.note import SignedNote
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.tiles import TILE_WIDTH, parse_tile_path
from domain.witness import MemoryWitness, WitnessState
from publish.site import publish_site

WITNESS = Signer.from_seed("audit-witness", b"\x07" * 32, alg=ALG_COSIGNATURE_V1)
MUTATIONS = 220
SQLITE_MUTATIONS = 30


# ====================================================================== fixtures
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("audit-demo") / "demo"
    run_demo(folder)
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 360-entry instance whose checkpoints carry a witness cosignature."""
    from datetime import UTC, datetime, timedelta

    from tests.builders import (
        FIRM,
        contract_body,
        firm_body,
        project_body,
        revenue_body,
    )

    folder = tmp_path_factory.mktemp("audit-small")
    instance = init_instance(folder / "instance", "chengdu.test")
    clock = FixedClock(datetime(2026, 3, 1, 1, 0, tzinfo=UTC))
    ledger = instance.open_ledger(environ={"SHUANGSHAI_STORE": "sqlite"}, clock=clock)
    association = instance.association_signer()
    firm_key = Signer.from_seed("hemei-wuye-2026", b"\x02" * 32)
    from domain.entries import Submission

    counter = iter(range(10**6))

    def payload(
        log: str, entry_type: str, body: dict[str, object], key: Signer
    ) -> Submission:
        return Submission.sign(
            {
                "v": 1,
                "log": log,
                "id": f"e-{next(counter)}",
                "type": entry_type,
                "issued_at": "2026-03-01T09:00:00+08:00",
                "key": key.key_ref,
                "body": body,
            },
            key,
        )

    registry = "chengdu.test/registry"
    project = "chengdu.test/p/jinjiang-hemei"
    for entry_type, body in [
        ("FirmRegistered", firm_body()),
        ("FirmKeyAdded", {"firm": FIRM, "vkey": firm_key.vkey}),
        ("ProjectRegistered", project_body()),
        ("ContractBound", contract_body()),
        (
            "WitnessAdded",
            {
                "vkey": WITNESS.vkey,
                "name": "和美花园业主委员会",
                "role": "owners-committee",
            },
        ),
    ]:
        ledger.submit(registry, payload(registry, entry_type, body, association))
    # The witness cosigns every checkpoint as the log signs it (in process), so
    # the store and the published files both carry the cosignatures.
    transport = _witness_transport(ledger, clock)
    collect_cosignatures(ledger, transport=transport)
    for batch in range(36):
        clock.advance_to(clock.now() + timedelta(minutes=1))
        ledger.submit_batch(
            project,
            [
                payload(
                    project,
                    "CommonRevenueRecorded",
                    revenue_body(1000 + 10 * batch + i),
                    firm_key,
                )
                for i in range(10)
            ],
        )
        collect_cosignatures(ledger, transport=transport, origins=[project])
    publish_site(ledger, folder / "site")
    ledger.close()
    return folder


def _witness_transport(
    ledger: LedgerApplication, clock: Clock | None = None
) -> Transport:
    """The test witness, in process, trusting every log of ``ledger``."""
    state = WitnessState()
    for origin in ledger.list_origins():
        state = state.trust_log(ledger.log_vkey(origin))
    return in_process_transport(
        {WITNESS.key_ref: MemoryWitness(WITNESS, state)}, clock=clock
    )


def _cosign_all(log_dir: Path) -> None:
    stamp = int(time.time())
    for path in [log_dir / "checkpoint", *sorted((log_dir / "checkpoints").iterdir())]:
        note = SignedNote.from_text(path.read_text())
        path.write_text(cosign_checkpoint(note, WITNESS, timestamp=stamp).to_text())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def served_demo(demo: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(demo / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# ====================================================================== clean
def test_demo_site_audits_clean_from_its_folder(demo: Path, tmp_path: Path) -> None:
    report = run_audit(FolderSite(demo / "site"), workers=2)
    assert report.all_findings() == []
    assert report.entries_verified > 1800


def test_demo_site_audits_clean_over_http(served_demo: str) -> None:
    source = HttpSite(served_demo)
    try:
        report = run_audit(source)
    finally:
        source.close()
    assert report.all_findings() == []
    assert report.entries_verified > 1800


def test_demo_store_audits_clean(demo: Path) -> None:
    source = StoreSource(demo / "instance")
    try:
        report = run_audit(source)
    finally:
        source.close()
    assert report.all_findings() == []
    assert report.entries_verified > 1800


def test_cosigned_small_site_audits_clean(small: Path) -> None:
    assert run_audit(FolderSite(small / "site")).all_findings() == []


# ====================================================================== reports
def test_report_files_are_written_and_agree(demo: Path, tmp_path: Path) -> None:
    out = {name: tmp_path / name for name in ("r.json", "r.html", "r.xlsx")}
    code = main(
        [
            "audit",
            str(demo / "site"),
            "--no-state",
            "--workers",
            "1",
            "--json",
            str(out["r.json"]),
            "--report",
            str(out["r.html"]),
            "--xlsx",
            str(out["r.xlsx"]),
        ]
    )
    assert code == 0
    data = json.loads(out["r.json"].read_text())
    assert data["clean"] is True
    assert data["findings"] == []
    assert len(data["entries"]) == data["entries_verified"]
    # The figures recomputed from the log are the published pages' figures.
    assert data["statements"]
    assert all(row["page_fen"] == row["fen"] for row in data["statements"])
    assert "审计报告" in out["r.html"].read_text()
    from openpyxl import load_workbook

    workbook = load_workbook(out["r.xlsx"], read_only=True)
    assert workbook.sheetnames == ["entries", "statements", "findings"]
    rows = list(workbook["statements"].iter_rows(values_only=True))
    assert len(rows) == len(data["statements"]) + 1


def test_findings_reach_the_json_report(small: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(small / "site", site)
    (site / "p/jinjiang-hemei/log/proofs/5.tlog-proof").unlink()
    code = main(["audit", str(site), "--no-state", "--json", str(tmp_path / "r.json")])
    assert code == 3
    data = json.loads((tmp_path / "r.json").read_text())
    assert [f["subject"] for f in data["findings"]] == [
        "p/jinjiang-hemei/log/proofs/5.tlog-proof"
    ]


# ====================================================================== tampering
def _mutate(data: bytes, operation: str, rng: random.Random) -> bytes:
    """One operation on a file's bytes; always returns different bytes."""
    if operation == "flip":
        position = rng.randrange(len(data))
        return (
            data[:position]
            + bytes([data[position] ^ (1 << rng.randrange(8))])
            + data[position + 1 :]
        )
    if operation == "truncate":
        return data[: rng.randrange(len(data))]
    unit = 32 if b"\n" not in data else 0
    parts = (
        [data[i : i + 32] for i in range(0, len(data), 32)]
        if unit
        else data.split(b"\n")
    )
    if operation == "duplicate":
        i = rng.randrange(len(parts))
        parts.insert(i, parts[i])
    elif operation == "reorder":
        pairs = [
            (i, j)
            for i in range(len(parts))
            for j in range(i + 1, len(parts))
            if parts[i] != parts[j]
        ]
        if not pairs:
            return data[:-1]
        i, j = rng.choice(pairs)
        parts[i], parts[j] = parts[j], parts[i]
    joined = b"".join(parts) if unit else b"\n".join(parts)
    return joined if joined != data else data + data[:1]


def page_targets(site: Path) -> list[Path]:
    """Pages to mutate: the project's board, desk and statement pages and the CSS."""
    pages = sorted((site / "p/jinjiang-hemei").rglob("*.html"))
    return [*pages, site / "index.html", site / "static/site.css"]


def _targets(site: Path) -> list[Path]:
    files = [
        path
        for base in ("registry/log", "p/jinjiang-hemei/log")
        for path in sorted((site / base).rglob("*"))
        if path.is_file()
    ]
    return files + page_targets(site)


def _expected_subjects(relative: str) -> set[str]:
    """The file itself; for an entry bundle, also any entry it holds."""
    subjects = {relative}
    if "/tile/entries/" in relative:
        base, tile = relative.split("/log/", 1)
        origin = (
            "chengdu.test/registry"
            if base == "registry"
            else f"chengdu.test/p/{base.removeprefix('p/')}"
        )
        _, bundle, width = parse_tile_path(tile)
        first = bundle * TILE_WIDTH
        subjects |= {f"{origin}#{i}" for i in range(first, first + width)}
    return subjects


def _mutate_cosignature(data: bytes, operation: str, rng: random.Random) -> bytes:
    """The same operations, on the witness's cosignature line of a checkpoint only."""
    body, _, cosignature = data.rstrip(b"\n").rpartition(b"\n")
    if operation == "drop":
        return body + b"\n"
    if operation == "duplicate":
        return data + cosignature + b"\n"
    if operation == "reorder":
        head, _, log_line = body.rpartition(b"\n")
        return head + b"\n" + cosignature + b"\n" + log_line + b"\n"
    return body + b"\n" + _mutate(cosignature, operation, rng) + b"\n"


OPERATIONS = ("flip", "drop", "reorder", "duplicate", "truncate")
KINDS = ("tile/entries", "tile/", "checkpoints/", "proofs/", "policy", "checkpoint")


def test_every_tampering_of_the_site_is_found(small: Path, tmp_path: Path) -> None:
    """Seeded mutations spread over tiles, bundles, checkpoints, cosignatures, proofs,
    policies (and pages, once their check is merged: :func:`page_targets`)."""
    rng = random.Random(20261123)  # noqa: S311 - seeded: reproducible mutations
    site = small / "site"
    kinds: dict[str, list[Path]] = {}
    for path in _targets(site):
        relative = path.relative_to(site).as_posix()
        kind = next((k for k in KINDS if k in relative), "page")
        kinds.setdefault(kind, []).append(path)
    kinds["cosignature"] = kinds["checkpoints/"] + kinds["checkpoint"]
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    missed: list[str] = []
    tally: Counter[str] = Counter()
    for number in range(MUTATIONS):
        kind = sorted(kinds)[number % len(kinds)]
        relative = rng.choice(kinds[kind]).relative_to(site).as_posix()
        operation = OPERATIONS[(number // len(kinds)) % len(OPERATIONS)]
        target = copy / relative
        original = target.read_bytes()
        if kind == "cosignature":
            target.write_bytes(_mutate_cosignature(original, operation, rng))
        elif operation == "drop":
            target.unlink()
        else:
            target.write_bytes(_mutate(original, operation, rng))
        try:
            # The log checks alone must catch a changed log file; a page needs
            # the page check (which re-publishes the site, so only for pages).
            findings = run_audit(FolderSite(copy), pages=kind == "page").all_findings()
        finally:
            target.write_bytes(original)
        if any(f.subject in _expected_subjects(relative) for f in findings):
            tally[f"{kind} {operation}"] += 1
        else:
            found = [(f.code, f.subject) for f in findings][:3]
            missed.append(f"{kind} {operation} {relative}: {found}")
    print(f"site tampering detected: {sum(tally.values())}/{MUTATIONS}", dict(tally))
    assert missed == []
    assert sum(tally.values()) == MUTATIONS


_STORE_FIELDS = {
    "EntryAppended": "leaf",
    "TileSealed": "hashes",
    "CheckpointSigned": "note",
}


def _store_subjects(kind: str, event: dict[str, Any]) -> set[str]:
    """What a finding about a changed stored event must name."""
    origin = event["origin"]
    if kind == "EntryAppended":
        return {f"{origin}#{event['index']}"}
    if kind == "TileSealed":
        return {f"{origin}/tile/{event['level']}/{event['index']:03d}"}
    return {f"{origin}@{event['size']}", f"{origin}@latest"}


def test_every_tampering_of_the_store_is_found(small: Path, tmp_path: Path) -> None:
    """Stored events (SQLite rows) with one byte of their signed content changed."""
    rng = random.Random(6)  # noqa: S311 - seeded: reproducible mutations
    detected = 0
    missed: list[str] = []
    for number in range(SQLITE_MUTATIONS):
        folder = tmp_path / f"i{number}"
        shutil.copytree(small / "instance", folder)
        database = sqlite3.connect(folder / "ledger.sqlite")
        kind = sorted(_STORE_FIELDS)[number % len(_STORE_FIELDS)]
        rows = database.execute(
            "select rowid, state from stored_events where topic = ?",
            (f"domain.events:{kind}",),
        ).fetchall()
        rowid, state = rng.choice(rows)
        event = json.loads(state)
        field = _STORE_FIELDS[kind]
        start = state.index(f'"{field}":"'.encode()) + len(field) + 4
        position = start + rng.randrange(len(event[field]) // 2)
        changed = (
            state[:position] + bytes([state[position] ^ 0x01]) + state[position + 1 :]
        )
        database.execute(
            "update stored_events set state = ? where rowid = ?", (changed, rowid)
        )
        database.commit()
        database.close()
        source = StoreSource(folder)
        try:
            findings = run_audit(source).all_findings()
        finally:
            source.close()
        expected = _store_subjects(kind, event)
        if any(f.subject in expected for f in findings):
            detected += 1
        else:
            missed.append(
                f"{kind} {expected}: {[(f.code, f.subject) for f in findings][:3]}"
            )
    print(f"store tampering detected: {detected}/{SQLITE_MUTATIONS}")
    assert missed == []


# ====================================================================== incremental
def test_incremental_audit_verifies_only_new_entries_and_catches_rollback(
    small: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "instance"
    shutil.copytree(small / "instance", folder)
    site = tmp_path / "site"
    state = tmp_path / "state.json"
    from api.instance import open_instance

    instance = open_instance(folder)
    ledger = instance.open_ledger(environ={"SHUANGSHAI_STORE": "sqlite"})
    publish_site(ledger, site)
    first = run_audit(FolderSite(site), state_path=state)
    assert first.all_findings() == []
    old_site = tmp_path / "old-site"
    shutil.copytree(site, old_site)
    from domain.entries import Submission

    firm_key = Signer.from_seed("hemei-wuye-2026", b"\x02" * 32)
    project = "chengdu.test/p/jinjiang-hemei"
    from tests.builders import revenue_body

    ledger.submit_batch(
        project,
        [
            Submission.sign(
                {
                    "v": 1,
                    "log": project,
                    "id": f"new-{i}",
                    "type": "CommonRevenueRecorded",
                    "issued_at": "2026-03-01T09:00:00+08:00",
                    "key": firm_key.key_ref,
                    "body": revenue_body(5000 + i),
                },
                firm_key,
            )
            for i in range(7)
        ],
    )
    collect_cosignatures(ledger, transport=_witness_transport(ledger))
    publish_site(ledger, site)
    ledger.close()
    second = run_audit(FolderSite(site), state_path=state)
    assert second.all_findings() == []
    by_origin = {log.origin: log for log in second.logs}
    assert by_origin[project].entries_verified == 7
    # The old site is a rollback of what the auditor has seen.
    third = run_audit(FolderSite(old_site), state_path=state)
    assert "rollback" in {f.code for f in third.all_findings()}


# ====================================================================== equivocation
def test_two_forks_signed_by_one_key_are_reported_with_both_notes(
    small: Path, tmp_path: Path
) -> None:
    fork = tmp_path / "fork"
    shutil.copytree(small / "instance", fork)
    from api.instance import open_instance
    from domain.entries import Submission
    from tests.builders import revenue_body

    firm_key = Signer.from_seed("hemei-wuye-2026", b"\x02" * 32)
    project = "chengdu.test/p/jinjiang-hemei"
    ledger = open_instance(fork).open_ledger(environ={"SHUANGSHAI_STORE": "sqlite"})
    ledger.submit(
        project,
        Submission.sign(
            {
                "v": 1,
                "log": project,
                "id": "fork-only",
                "type": "CommonRevenueRecorded",
                "issued_at": "2026-03-01T09:00:00+08:00",
                "key": firm_key.key_ref,
                "body": revenue_body(1),
            },
            firm_key,
        ),
    )
    other = ledger.get_checkpoint(project).note
    ledger.close()
    # The honest site continues with different entries to the same size.
    honest = tmp_path / "honest"
    shutil.copytree(small / "instance", honest)
    ledger = open_instance(honest).open_ledger(environ={"SHUANGSHAI_STORE": "sqlite"})
    ledger.submit(
        project,
        Submission.sign(
            {
                "v": 1,
                "log": project,
                "id": "honest-only",
                "type": "CommonRevenueRecorded",
                "issued_at": "2026-03-01T09:00:00+08:00",
                "key": firm_key.key_ref,
                "body": revenue_body(2),
            },
            firm_key,
        ),
    )
    collect_cosignatures(ledger, transport=_witness_transport(ledger))
    publish_site(ledger, tmp_path / "site")
    ledger.close()
    seen = tmp_path / "seen-checkpoint"
    seen.write_text(other)
    report = run_audit(
        FolderSite(tmp_path / "site"),
        extra_checkpoints=[(str(seen), seen.read_bytes())],
    )
    forks = [f for f in report.all_findings() if f.code == "equivocation"]
    assert len(forks) == 1
    assert (
        forks[0].evidence["second_note"] == other
        or forks[0].evidence["first_note"] == other
    )
    assert {forks[0].evidence["first_note"], forks[0].evidence["second_note"]} - {other}
    # The same from the command line: exit code 3 and both notes in the HTML report.
    html = tmp_path / "report.html"
    code = main(
        [
            "audit",
            str(tmp_path / "site"),
            "--no-state",
            "--checkpoint",
            str(seen),
            "--report",
            str(html),
        ]
    )
    assert code == 3
    page = html.read_text()
    assert "equivocation" in page
    assert other.split("\n")[2] in page  # the fork's root, as signed
