"""A log that signs whatever it is given: the auditor finds what the ledger would refuse.

These logs are written straight into published files by
:class:`benchmarks.audit.LogWriter` with the log's own key, so every checkpoint and
proof verifies: only the rules can catch them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from api.audit_command import run_audit
from api.audit_sources import FolderSite
from benchmarks.audit import FIRM, PROJECT, START, Site, leaf_of, payload, start_site
from domain.findings import Finding
from domain.merkle import hash_leaf
from domain.signing import ALG_COSIGNATURE_V1, Signer

ORIGIN = f"bench.audit.example/p/{PROJECT}"
WITNESS = Signer.from_seed("dishonest-witness", b"\x09" * 32, alg=ALG_COSIGNATURE_V1)


def revenue(entry_id: str, amount_fen: int = 1000) -> dict[str, Any]:
    body = {
        "source_id": "lift-ads",
        "amount_fen": amount_fen,
        "received_on": "2026-01-02",
    }
    return {"id": entry_id, "type": "CommonRevenueRecorded", "body": body}


def post(
    site: Site, spec: dict[str, Any], minutes: int, key: Signer | None = None
) -> bytes:
    key = key or site.firm_key
    entry = payload(ORIGIN, spec["id"], spec["type"], spec["body"], key)
    leaf = leaf_of(entry, key, START + timedelta(hours=1, minutes=minutes))
    site.project.append(leaf)
    return leaf


def audit(site: Site) -> list[Finding]:
    return run_audit(FolderSite(site.root), pages=False).all_findings()


def codes_at(findings: list[Finding], index: int) -> set[str]:
    return {f.code for f in findings if f.subject == f"{ORIGIN}#{index}"}


def test_an_honest_generated_log_audits_clean(tmp_path: Path) -> None:
    site = start_site(tmp_path / "site")
    for i in range(5):
        post(site, revenue(f"r-{i}"), i)
    site.project.checkpoint()
    assert audit(site) == []


def test_entries_after_the_key_was_revoked_are_not_authorised(tmp_path: Path) -> None:
    firm_key = Signer.from_seed("bench-firm-2026", bytes([3]) * 32)
    site = start_site(
        tmp_path / "site",
        extra_registry=[
            (
                "FirmKeyRevoked",
                {"firm": FIRM, "key": firm_key.key_ref, "reason": "lost"},
            )
        ],
    )
    post(site, revenue("after-revocation"), 0)
    site.project.checkpoint()
    assert "entry-key-not-authorized" in codes_at(audit(site), 0)


def test_a_key_the_registry_never_named_is_reported(tmp_path: Path) -> None:
    site = start_site(tmp_path / "site")
    stranger = Signer.from_seed("stranger", b"\x05" * 32)
    post(site, revenue("stranger"), 0, key=stranger)
    site.project.checkpoint()
    assert {"entry-key-unknown", "entry-key-not-authorized"} <= codes_at(audit(site), 0)


def test_time_running_backwards_and_ids_reused_are_reported(tmp_path: Path) -> None:
    site = start_site(tmp_path / "site")
    post(site, revenue("same-id", 1), 10)
    post(site, revenue("same-id", 2), 5)  # earlier than the entry before it
    site.project.checkpoint()
    findings = audit(site)
    assert "accepted-at-decreases" in codes_at(findings, 1)
    assert "entry-id-reused" in {f.code for f in findings}


def test_an_entry_accepted_after_its_cosignature_is_reported(tmp_path: Path) -> None:
    site = start_site(tmp_path / "site", witnesses=[WITNESS])
    post(site, revenue("late"), 30)
    # The witness cosigned at START + 1 h, before the log says it accepted the entry.
    site.project.checkpoint(cosigned_at=int((START + timedelta(hours=1)).timestamp()))
    assert "accepted-after-cosignature" in codes_at(audit(site), 0)


def test_reversal_rules_are_replayed(tmp_path: Path) -> None:
    site = start_site(tmp_path / "site")
    target = post(site, revenue("wrong"), 0)

    def reversal(entry_id: str, index: int, leaf_hash: str) -> dict[str, Any]:
        body = {
            "target": {"index": index, "leaf_hash": leaf_hash},
            "reason": "录入错误",
        }
        return {"id": entry_id, "type": "EntryReversed", "body": body}

    good = hash_leaf(target).hex()
    post(site, reversal("fix-1", 0, good), 1)  # index 1: fine
    post(site, reversal("fix-2", 0, good), 2)  # index 2: reversed twice
    post(site, reversal("fix-3", 0, "00" * 32), 3)  # index 3: wrong leaf hash
    site.project.checkpoint()
    findings = audit(site)
    assert codes_at(findings, 1) == set()
    assert "reversal-rule" in codes_at(findings, 2)
    assert "reversal-rule" in codes_at(findings, 3)


def test_a_schema_violation_is_reported(tmp_path: Path) -> None:
    site = start_site(tmp_path / "site")
    post(site, revenue("negative", -5), 0)
    site.project.checkpoint()
    assert "entry-schema" in codes_at(audit(site), 0)


def test_reversals_of_entries_audited_before_are_checked_incrementally(
    tmp_path: Path,
) -> None:
    site = start_site(tmp_path / "site")
    first = post(site, revenue("old-0"), 0)
    post(site, revenue("old-1"), 1)
    site.project.checkpoint()
    state = tmp_path / "state.json"
    assert (
        run_audit(FolderSite(site.root), state_path=state, pages=False).all_findings()
        == []
    )

    def reversal(entry_id: str, leaf_hash: str) -> dict[str, Any]:
        body = {"target": {"index": 0, "leaf_hash": leaf_hash}, "reason": "录入错误"}
        return {"id": entry_id, "type": "EntryReversed", "body": body}

    post(site, reversal("bad", "11" * 32), 2)  # index 2: wrong hash of entry 0
    post(site, reversal("good", hash_leaf(first).hex()), 3)  # index 3: fine
    post(site, reversal("again", hash_leaf(first).hex()), 4)  # index 4: twice
    site.project.checkpoint()
    report = run_audit(FolderSite(site.root), state_path=state, pages=False)
    by_origin = {log.origin: log for log in report.logs}
    assert by_origin[ORIGIN].entries_verified == 3
    findings = report.all_findings()
    assert "reversal-rule" in codes_at(findings, 2)
    assert codes_at(findings, 3) == set()
    assert "reversal-rule" in codes_at(findings, 4)
