"""The ledger application, on every store: posting, receipts, idempotency, rejections."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.application import LedgerApplication
from domain.checkpoint import Checkpoint
from domain.entries import Submission
from domain.errors import (
    AlreadyReversedError,
    EntryTooLargeError,
    IdConflictError,
    InvalidSignatureError,
    KeyNotAuthorizedError,
    LedgerError,
    NonCanonicalPayloadError,
    RevokedKeyError,
    RuleViolationError,
    SchemaViolationError,
    UnknownKeyError,
    WrongLogError,
)
from domain.merkle import hash_leaf, verify_consistency, verify_inclusion
from domain.receipts import Receipt, verify_receipt
from domain.signing import Signer
from tests.builders import (
    FIRM,
    OTHER_FIRM,
    PROJECT_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    contract_body,
    firm_body,
    make_world,
    revenue_body,
)


@pytest.fixture
def world(store_env: dict[str, str]) -> Iterator[World]:
    world = make_world(store_env)
    yield world
    world.ledger.close()


def store_fingerprint(ledger: LedgerApplication) -> tuple[int | None, int, int]:
    """Everything a rejection must leave alone: stored events and both logs' sizes."""
    return (
        ledger.recorder.max_notification_id(),
        ledger.log_size(PROJECT_ORIGIN),
        ledger.log_size(REGISTRY_ORIGIN),
    )


def test_a_posted_entry_gets_a_receipt_that_verifies_offline(world: World) -> None:
    receipt = world.revenue(120000)

    assert receipt.index == 0
    log_key = world.ledger.log_signer(PROJECT_ORIGIN).verifier()
    checkpoint = verify_receipt(
        Receipt.from_json(receipt.to_json()),
        log_key=log_key,
        entry_keys={world.firm_key.key_ref: world.firm_key.verifier()},
    )
    assert checkpoint.origin == PROJECT_ORIGIN
    assert checkpoint.size == 1
    assert world.ledger.get_entry(PROJECT_ORIGIN, 0).leaf == receipt.leaf


def test_the_leaf_commits_to_the_exact_payload_signature_and_acceptance_time(
    world: World,
) -> None:
    payload = world.payload("CommonRevenueRecorded", revenue_body())
    submission = world.sign(payload)
    receipt = world.ledger.submit(PROJECT_ORIGIN, submission)

    import json

    leaf = json.loads(receipt.leaf)
    assert leaf == {
        "v": 1,
        "accepted_at": "2026-03-01T01:00:00.000000Z",
        "payload": base64.b64encode(submission.payload_bytes).decode(),
        "sig": base64.b64encode(submission.signature).decode(),
    }


def test_a_retry_with_the_same_id_and_payload_returns_the_original_receipt(
    world: World,
) -> None:
    submission = world.sign(
        world.payload("CommonRevenueRecorded", revenue_body(), entry_id="r1")
    )
    first = world.ledger.submit(PROJECT_ORIGIN, submission)
    before = store_fingerprint(world.ledger)

    again = world.ledger.submit(PROJECT_ORIGIN, submission)

    assert (again.index, again.leaf) == (first.index, first.leaf)
    assert store_fingerprint(world.ledger) == before


def test_a_batch_is_appended_under_one_checkpoint_consistent_with_the_last(
    world: World,
) -> None:
    world.revenue(100)
    first = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    submissions = [
        world.sign(world.payload("CommonRevenueRecorded", revenue_body(i + 1)))
        for i in range(10)
    ]

    outcomes = world.ledger.submit_batch(PROJECT_ORIGIN, submissions)

    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    assert [r.index for r in receipts] == list(range(1, 11))
    assert {r.checkpoint_text for r in receipts} == {receipts[0].checkpoint_text}
    second = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    assert second.size == 11
    verify_consistency(
        old_size=first.size,
        new_size=second.size,
        old_root=first.root,
        new_root=second.root,
        proof=world.ledger.consistency_proof(PROJECT_ORIGIN, first.size, second.size),
    )
    assert [c.size for c in world.ledger.list_checkpoints(PROJECT_ORIGIN)] == [1, 11]


def test_a_batch_rejects_bad_submissions_one_by_one_and_keeps_the_good(
    world: World,
) -> None:
    good = world.sign(world.payload("CommonRevenueRecorded", revenue_body(5)))
    bad = world.sign(
        world.payload("CommonRevenueRecorded", revenue_body(5), log=REGISTRY_ORIGIN)
    )

    outcomes = world.ledger.submit_batch(PROJECT_ORIGIN, [bad, good])

    assert isinstance(outcomes[0], WrongLogError)
    assert isinstance(outcomes[1], Receipt)
    assert outcomes[1].index == 0


def test_proofs_across_tile_boundaries_verify_and_the_stored_tree_rebuilds(
    world: World,
) -> None:
    for start in range(0, 600, 150):
        batch = [
            world.sign(world.payload("CommonRevenueRecorded", revenue_body(i + 1)))
            for i in range(start, start + 150)
        ]
        assert all(
            isinstance(o, Receipt)
            for o in world.ledger.submit_batch(PROJECT_ORIGIN, batch)
        )
    checkpoint = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    assert checkpoint.size == 600
    for index in [0, 1, 255, 256, 257, 511, 512, 599]:
        entry = world.ledger.get_entry(PROJECT_ORIGIN, index)
        for size in [index + 1, 256, 513, 600]:
            if size <= index:
                continue
            verify_inclusion(
                leaf_hash=hash_leaf(entry.leaf),
                index=index,
                size=size,
                proof=world.ledger.inclusion_proof(PROJECT_ORIGIN, index, size),
                root=world.ledger.root_at(PROJECT_ORIGIN, size),
            )
    assert world.ledger.verify_stored_tree(PROJECT_ORIGIN) == 600


def test_a_restarted_application_continues_the_same_log(
    durable_store_env: dict[str, str],
) -> None:
    store_env = durable_store_env
    world = make_world(store_env)
    for amount in range(1, 300):
        world.revenue(amount)
    root = world.ledger.get_checkpoint(PROJECT_ORIGIN).root
    world.ledger.close()

    again = make_world_reopened(store_env)
    assert again.ledger.get_checkpoint(PROJECT_ORIGIN).root == root
    receipt = again.revenue(7)
    assert receipt.index == 299
    assert again.ledger.verify_stored_tree(PROJECT_ORIGIN) == 300
    again.ledger.close()


def make_world_reopened(env: dict[str, str]) -> World:
    """The same world's keys over an existing store, without registering again."""
    from domain.clock import FixedClock

    association = Signer.from_seed("chengdu.test/association", bytes([1]) * 32)
    firm_key = Signer.from_seed("hemei-wuye-2026", bytes([2]) * 32)
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    ledger = LedgerApplication(
        instance="chengdu.test",
        association_vkey=association.vkey,
        log_signer_seed=bytes([3]) * 32,
        env=env,
        clock=clock,
    )
    world = World(ledger, association, firm_key, clock)
    world.ids = iter(range(10_000, 20_000))  # type: ignore[assignment]
    return world


# ----------------------------------------------------------------- bad input
Rejection = Callable[[World], Submission]


def _noncanonical(world: World) -> Submission:
    payload = world.payload("CommonRevenueRecorded", revenue_body())
    import json

    data = json.dumps(payload, ensure_ascii=False, indent=1).encode()
    from domain.entries import entry_signature_message

    return Submission(data, world.firm_key.sign(entry_signature_message(data)))


def _raw(world: World, payload: dict[str, Any]) -> Submission:
    """Sign a payload whose numbers canonical_bytes would refuse (floats, big ints)."""
    import json

    from domain.entries import entry_signature_message

    data = json.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()
    return Submission(data, world.firm_key.sign(entry_signature_message(data)))


def _float_amount(world: World) -> Submission:
    return _raw(
        world,
        world.payload("CommonRevenueRecorded", revenue_body() | {"amount_fen": 12.5}),
    )


def _huge_amount(world: World) -> Submission:
    return _raw(
        world,
        world.payload("CommonRevenueRecorded", revenue_body() | {"amount_fen": 2**53}),
    )


def _wrong_log(world: World) -> Submission:
    return world.sign(
        world.payload(
            "CommonRevenueRecorded", revenue_body(), log="chengdu.test/p/other"
        )
    )


def _unknown_key(world: World) -> Submission:
    stranger = Signer.from_seed("stranger", b"\x09" * 32)
    return world.sign(
        world.payload("CommonRevenueRecorded", revenue_body(), signer=stranger),
        stranger,
    )


def _bad_signature(world: World) -> Submission:
    submission = world.sign(world.payload("CommonRevenueRecorded", revenue_body()))
    return Submission(submission.payload_bytes, bytes(64))


def _schema_violation(world: World) -> Submission:
    body = revenue_body()
    del body["amount_fen"]
    return world.sign(world.payload("CommonRevenueRecorded", body))


def _oversize(world: World) -> Submission:
    # The schemas bound every field, so only a payload near every limit at once (and
    # full of four-byte UTF-8 characters) can make the leaf too large.
    body = {
        "title": "通知",
        "content": "\U0001f3e0" * 4000,
        "category": "general",
        "valid_from": "2026-03-01",
    }
    payload = world.payload("NoticePosted", body)
    payload["refs"] = [{"index": 0, "leaf_hash": "0" * 64}] * 64
    payload["attachments"] = [
        {
            "sha256": "a" * 64,
            "media_type": "application/pdf",
            "bytes": 1,
            "name": "\U0001f3e0" * 200,
        }
    ] * 32
    return world.sign(payload)


BAD_INPUTS: dict[str, tuple[Rejection, type[LedgerError], str]] = {
    "non-canonical payload": (_noncanonical, NonCanonicalPayloadError, "/payload"),
    "float amount": (_float_amount, SchemaViolationError, "/payload/body/amount_fen"),
    "amount of 2^53": (_huge_amount, SchemaViolationError, "/payload/body/amount_fen"),
    "wrong log": (_wrong_log, WrongLogError, "/payload/log"),
    "unknown key": (_unknown_key, UnknownKeyError, "/payload/key"),
    "bad signature": (_bad_signature, InvalidSignatureError, "/sig"),
    "schema violation": (
        _schema_violation,
        SchemaViolationError,
        "/payload/body/amount_fen",
    ),
    "oversize leaf": (_oversize, EntryTooLargeError, "/payload"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_rejected_with_its_error_and_changes_nothing(
    world: World, case: str
) -> None:
    world.revenue(1)
    make, error, pointer = BAD_INPUTS[case]
    submission = make(world)
    before = store_fingerprint(world.ledger)

    with pytest.raises(error) as caught:
        world.ledger.submit(PROJECT_ORIGIN, submission)

    assert caught.value.pointer == pointer, caught.value.errors
    assert store_fingerprint(world.ledger) == before


def test_a_replayed_id_with_a_different_payload_is_a_conflict(world: World) -> None:
    world.post("CommonRevenueRecorded", revenue_body(100), entry_id="same")
    before = store_fingerprint(world.ledger)

    with pytest.raises(IdConflictError) as caught:
        world.post("CommonRevenueRecorded", revenue_body(200), entry_id="same")

    assert caught.value.pointer == "/payload/id"
    assert store_fingerprint(world.ledger) == before


def test_a_revoked_key_signs_nothing_new(world: World) -> None:
    world.register(
        "FirmKeyRevoked",
        {"firm": FIRM, "key": world.firm_key.key_ref, "reason": "离职人员保管"},
    )
    before = store_fingerprint(world.ledger)

    with pytest.raises(RevokedKeyError):
        world.revenue(1)
    assert store_fingerprint(world.ledger) == before


def test_another_firms_key_may_not_post_to_the_project(world: World) -> None:
    other = Signer.from_seed("other-firm", b"\x07" * 32)
    world.register("FirmRegistered", firm_body(OTHER_FIRM, "成都另一物业有限公司"))
    world.register("FirmKeyAdded", {"firm": OTHER_FIRM, "vkey": other.vkey})
    before = store_fingerprint(world.ledger)

    with pytest.raises(KeyNotAuthorizedError) as caught:
        world.revenue(1, signer=other)
    assert caught.value.pointer == "/payload/key"
    assert store_fingerprint(world.ledger) == before


def test_the_key_of_a_firm_whose_contract_ended_is_refused(world: World) -> None:
    world.revenue(1)
    world.register(
        "ContractEnded",
        {
            "contract_id": "c-2026",
            "project_id": "jinjiang-hemei",
            "firm": FIRM,
            "ended_on": "2026-06-30",
            "reason": "业主大会决定解聘",
        },
    )
    before = store_fingerprint(world.ledger)

    with pytest.raises(KeyNotAuthorizedError):
        world.revenue(2)
    assert store_fingerprint(world.ledger) == before


def test_a_new_firm_can_post_after_a_new_contract_is_bound(world: World) -> None:
    world.register(
        "ContractEnded",
        {
            "contract_id": "c-2026",
            "project_id": "jinjiang-hemei",
            "firm": FIRM,
            "ended_on": "2026-06-30",
            "reason": "合同期满",
        },
    )
    other = Signer.from_seed("other-firm", b"\x07" * 32)
    world.register("FirmRegistered", firm_body(OTHER_FIRM, "成都另一物业有限公司"))
    world.register("FirmKeyAdded", {"firm": OTHER_FIRM, "vkey": other.vkey})
    world.register("ContractBound", contract_body("c-2026b", firm=OTHER_FIRM))

    assert world.revenue(3, signer=other).index == 0


def test_reversal_rules(world: World) -> None:
    original = world.revenue(999)
    target = {"index": original.index, "leaf_hash": original.leaf_hash.hex()}

    # A reversal of a missing entry is refused, naming the index.
    with pytest.raises(RuleViolationError) as missing:
        world.post(
            "EntryReversed",
            {"target": {"index": 5, "leaf_hash": "0" * 64}, "reason": "录入错误"},
        )
    assert missing.value.pointer == "/payload/body/target/index"

    # A reversal naming the right index with the wrong hash is refused.
    with pytest.raises(RuleViolationError) as wrong_hash:
        world.post(
            "EntryReversed",
            {"target": {"index": 0, "leaf_hash": "0" * 64}, "reason": "录入错误"},
        )
    assert wrong_hash.value.pointer == "/payload/body/target/leaf_hash"

    # The first reversal is accepted; the second of the same entry is refused.
    reversal = world.post(
        "EntryReversed", {"target": target, "reason": "金额录入错误，应为 900 元"}
    )
    assert reversal.index == 1
    before = store_fingerprint(world.ledger)
    with pytest.raises(AlreadyReversedError):
        world.post("EntryReversed", {"target": target, "reason": "再次红冲"})
    assert store_fingerprint(world.ledger) == before

    # A reversal cannot be reversed.
    with pytest.raises(RuleViolationError):
        world.post(
            "EntryReversed",
            {
                "target": {"index": 1, "leaf_hash": reversal.leaf_hash.hex()},
                "reason": "撤销",
            },
        )


def test_registry_entries_must_be_signed_by_the_association(world: World) -> None:
    with pytest.raises(UnknownKeyError):
        world.post("FirmRegistered", firm_body(OTHER_FIRM), log=REGISTRY_ORIGIN)


def test_registry_refuses_a_second_active_contract_for_a_project(world: World) -> None:
    with pytest.raises(RuleViolationError) as caught:
        world.register("ContractBound", contract_body("c-other"))
    assert caught.value.pointer == "/payload/body/project_id"


def test_the_checkpoint_names_the_log_and_is_signed_by_its_key(world: World) -> None:
    world.revenue(5)
    stored = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    from domain.checkpoint import open_checkpoint

    checkpoint, _note = open_checkpoint(
        stored.note, world.ledger.log_signer(PROJECT_ORIGIN).verifier()
    )
    assert checkpoint == Checkpoint(PROJECT_ORIGIN, 1, stored.root)


def test_tiles_hold_the_node_hashes_tlog_tiles_says_they_hold(world: World) -> None:
    from domain.merkle import MemoryTree

    batch = [
        world.sign(world.payload("CommonRevenueRecorded", revenue_body(i + 1)))
        for i in range(600)
    ]
    world.ledger.submit_batch(PROJECT_ORIGIN, batch)
    leaves = [hash_leaf(e.leaf) for e in world.ledger.list_entries(PROJECT_ORIGIN)]
    reference = MemoryTree(leaves)

    assert world.ledger.tile_hashes(PROJECT_ORIGIN, 0, 1, 256, 600) == leaves[256:512]
    assert world.ledger.tile_hashes(PROJECT_ORIGIN, 0, 2, 88, 600) == leaves[512:600]
    assert world.ledger.tile_hashes(PROJECT_ORIGIN, 1, 0, 2, 600) == [
        reference.perfect_hash(8, 0),
        reference.perfect_hash(8, 1),
    ]


def test_a_registry_retry_returns_the_original_receipt(world: World) -> None:
    payload = world.payload(
        "FirmRegistered",
        firm_body(OTHER_FIRM),
        log=REGISTRY_ORIGIN,
        signer=world.association,
    )
    submission = world.sign(payload, world.association)
    first = world.ledger.submit(REGISTRY_ORIGIN, submission)
    before = store_fingerprint(world.ledger)

    again = world.ledger.submit(REGISTRY_ORIGIN, submission)

    assert (again.index, again.leaf) == (first.index, first.leaf)
    assert store_fingerprint(world.ledger) == before


def test_a_retry_still_gets_its_receipt_after_the_key_was_revoked(world: World) -> None:
    submission = world.sign(
        world.payload("CommonRevenueRecorded", revenue_body(), entry_id="r")
    )
    first = world.ledger.submit(PROJECT_ORIGIN, submission)
    world.register(
        "FirmKeyRevoked",
        {"firm": FIRM, "key": world.firm_key.key_ref, "reason": "轮换"},
    )

    again = world.ledger.submit(PROJECT_ORIGIN, submission)

    assert again.index == first.index
    changed = world.sign(
        world.payload("CommonRevenueRecorded", revenue_body(7), entry_id="r")
    )
    with pytest.raises(IdConflictError):
        world.ledger.submit(PROJECT_ORIGIN, changed)


def test_the_latest_contract_is_the_active_one_or_else_the_last_ended(
    world: World,
) -> None:
    registry = world.ledger.get_registry()
    assert registry.latest_contract("jinjiang-hemei") is registry.active_contract(
        "jinjiang-hemei"
    )
    world.register(
        "ContractEnded",
        {
            "contract_id": "c-2026",
            "project_id": "jinjiang-hemei",
            "firm": FIRM,
            "ended_on": "2026-06-30",
            "reason": "合同期满",
        },
    )
    registry = world.ledger.get_registry()
    assert registry.active_contract("jinjiang-hemei") is None
    latest = registry.latest_contract("jinjiang-hemei")
    assert latest is not None
    assert latest.contract_id == "c-2026"
    assert latest.ended_at_index is not None
    assert registry.latest_contract("nowhere") is None


def test_every_sqlite_connection_checkpoints_its_log_less_often(tmp_path: Path) -> None:
    """SQLITE_WAL_AUTOCHECKPOINT_PAGES is set on the connections the pool held at
    start and on the ones it opens later (the setting is per connection)."""
    from domain.application import SQLITE_WAL_AUTOCHECKPOINT_PAGES

    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
    }
    world = make_world(env)
    try:
        world.revenue(120000)
        pool = world.ledger.recorder.datastore.pool  # type: ignore[attr-defined]
        held = [pool.get_connection() for _ in range(3)]  # forces new connections
        try:
            for connection in held:
                (value,) = connection._sqlite_conn.execute(
                    "PRAGMA wal_autocheckpoint"
                ).fetchone()
                assert value == SQLITE_WAL_AUTOCHECKPOINT_PAGES
        finally:
            for connection in held:
                pool.put_connection(connection)
    finally:
        world.ledger.close()


# ------------------------------------------------------- entry-id claims on SQLite
def _sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def _claim_keys(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as database:
        return [
            row[0]
            for row in database.execute(
                "SELECT originator_id FROM stored_events WHERE topic = ?",
                ("domain.events:EntryIdClaimed",),
            )
        ]


def test_a_new_sqlite_store_keys_id_claims_by_text_and_replays_still_conflict(
    tmp_path: Path,
) -> None:
    """A new SQLite store declares text claim keys; a reopened one keeps them, so a
    replayed id is still found (same payload: the receipt; different: a conflict)."""
    from domain.application import ID_CLAIMS_KEY

    path = tmp_path / "ledger.sqlite"
    world = make_world(_sqlite_env(path))
    first = world.revenue(100, entry_id="2026-03-0001")
    same = world.payload("CommonRevenueRecorded", revenue_body(100), entry_id="same")
    world.ledger.submit(PROJECT_ORIGIN, world.sign(same))
    world.ledger.close()
    assert f"{PROJECT_ORIGIN}#id/2026-03-0001" in _claim_keys(path)

    again = make_world_reopened(_sqlite_env(path))
    try:
        before = store_fingerprint(again.ledger)
        with pytest.raises(IdConflictError):
            again.revenue(200, entry_id="2026-03-0001")
        receipt = again.ledger.submit(PROJECT_ORIGIN, again.sign(same))
        assert receipt.index == first.index + 1
        assert store_fingerprint(again.ledger) == before
        import sqlite3

        with sqlite3.connect(path) as database:
            declared = database.execute(
                "SELECT state FROM stored_events WHERE originator_id = ?",
                (ID_CLAIMS_KEY,),
            ).fetchall()
        assert declared == [(b'{"id_claims":"text"}',)]
    finally:
        again.ledger.close()


def test_a_sqlite_store_from_before_the_declaration_keeps_uuid_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store with events and no declaration was written with uuid5 claim keys: the
    reopened ledger must look its ids up by those keys, or a replay would be appended
    a second time."""
    import domain.application

    path = tmp_path / "ledger.sqlite"
    with monkeypatch.context() as patched:  # the ledger as it was before
        patched.setattr(domain.application, "_declare_id_claims", lambda _: False)
        world = make_world(_sqlite_env(path))
        world.revenue(100, entry_id="old-1")
        world.ledger.close()
    keys = _claim_keys(path)
    assert keys
    assert all(len(key) == 32 and "#" not in key for key in keys)

    again = make_world_reopened(_sqlite_env(path))
    try:
        before = store_fingerprint(again.ledger)
        with pytest.raises(IdConflictError):
            again.revenue(200, entry_id="old-1")
        assert store_fingerprint(again.ledger) == before
        again.revenue(300, entry_id="old-2")
        assert len(_claim_keys(path)) == len(keys) + 1
        assert all("#" not in key for key in _claim_keys(path))
    finally:
        again.ledger.close()
