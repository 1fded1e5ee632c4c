"""Signed writes and entry reads over HTTP: receipts, retries, batches, paging."""

from __future__ import annotations

import base64
from typing import Any

from domain.receipts import Receipt, verify_receipt
from tests.api.conftest import TestClient
from tests.builders import (
    PROJECT,
    PROJECT_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    firm_body,
    make_uscc,
    revenue_body,
)

ENTRIES = f"/v1/projects/{PROJECT}/entries"


def _revenue(world: World, amount: int = 100, **extra: Any) -> dict[str, str]:
    payload = world.payload("CommonRevenueRecorded", revenue_body(amount), **extra)
    return world.sign(payload).to_json()


def test_a_posted_entry_gets_201_and_a_receipt_that_verifies_offline(
    client: TestClient, world: World
) -> None:
    response = client.post(ENTRIES, json=_revenue(world, 120000))

    assert response.status_code == 201
    receipt = Receipt.from_json(response.json())
    checkpoint = verify_receipt(
        receipt,
        log_key=world.ledger.log_signer(PROJECT_ORIGIN).verifier(),
        entry_keys={world.firm_key.key_ref: world.firm_key.verifier()},
    )
    assert (checkpoint.origin, checkpoint.size, receipt.index) == (PROJECT_ORIGIN, 1, 0)


def test_a_retry_of_the_same_id_and_payload_gets_200_and_the_original_receipt(
    client: TestClient, world: World
) -> None:
    submission = _revenue(world, entry_id="r1")
    first = client.post(ENTRIES, json=submission)

    again = client.post(ENTRIES, json=submission)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["index"] == first.json()["index"]
    assert again.json()["leaf"] == first.json()["leaf"]
    assert world.ledger.log_size(PROJECT_ORIGIN) == 1


def test_the_association_posts_to_the_registry_log(
    client: TestClient, world: World
) -> None:
    payload = world.payload(
        "FirmRegistered",
        firm_body(make_uscc(42), "成都新物业有限公司"),
        log=REGISTRY_ORIGIN,
        signer=world.association,
    )

    response = client.post(
        "/v1/registry/entries", json=world.sign(payload, world.association).to_json()
    )

    assert response.status_code == 201
    assert response.json()["log"] == REGISTRY_ORIGIN
    assert make_uscc(42) in client.get("/v1/registry").text


def test_a_batch_is_appended_under_one_checkpoint_with_a_result_per_item(
    client: TestClient, world: World
) -> None:
    retried = _revenue(world, 1, entry_id="kept")
    assert client.post(ENTRIES, json=retried).status_code == 201
    wrong_log = _revenue(world, 2, log=REGISTRY_ORIGIN)
    fresh = [_revenue(world, 3), _revenue(world, 4)]

    response = client.post(ENTRIES + ":batch", json=[retried, wrong_log, *fresh])

    assert response.status_code == 200
    results = response.json()
    assert [r["status"] for r in results] == [200, 422, 201, 201]
    assert results[1]["problem"]["code"] == "wrong-log"
    assert [r["receipt"]["index"] for r in results[2:]] == [1, 2]
    assert {r["receipt"]["checkpoint"] for r in results[2:]} == {
        results[2]["receipt"]["checkpoint"]
    }
    assert [c.size for c in world.ledger.list_checkpoints(PROJECT_ORIGIN)] == [1, 3]


def test_a_batch_larger_than_the_limit_is_request_invalid(client: TestClient) -> None:
    from tests.api.test_problems import assert_problem

    response = client.post(ENTRIES + ":batch", json=[{}] * 257)

    assert_problem(response, 422, "request-invalid", "/body")


def test_entries_are_listed_in_pages_after_an_index(
    client: TestClient, world: World
) -> None:
    for amount in range(1, 6):
        world.revenue(amount)

    first = client.get(ENTRIES, params={"limit": 2}).json()
    second = client.get(ENTRIES, params={"limit": 2, "after": first["next_after"]})
    last = client.get(ENTRIES, params={"after": 3}).json()

    assert [e["index"] for e in first["entries"]] == [0, 1]
    assert [e["index"] for e in second.json()["entries"]] == [2, 3]
    assert [e["index"] for e in last["entries"]] == [4]
    assert last["next_after"] is None
    entry = first["entries"][0]
    assert entry["payload"]["body"]["amount_fen"] == 1
    assert (
        base64.b64decode(entry["leaf"])
        == world.ledger.get_entry(PROJECT_ORIGIN, 0).leaf
    )


def test_entries_are_filtered_by_type_and_by_overlapping_period(
    client: TestClient, world: World
) -> None:
    world.revenue(1, period={"start": "2026-01-01", "end": "2026-01-31"})
    world.revenue(2, period={"start": "2026-02-01", "end": "2026-02-28"})
    world.revenue(3)
    world.post(
        "NoticePosted",
        {
            "title": "停水通知",
            "content": "3月5日停水",
            "category": "general",
            "valid_from": "2026-03-01",
        },
    )

    def indices(**params: str) -> list[int]:
        return [
            e["index"] for e in client.get(ENTRIES, params=params).json()["entries"]
        ]

    assert indices(type="NoticePosted") == [3]
    assert indices(type="CommonRevenueRecorded") == [0, 1, 2]
    assert indices(**{"from": "2026-01-31"}) == [0, 1]
    assert indices(**{"from": "2026-02-01", "to": "2026-02-01"}) == [1]
    assert indices(to="2026-01-15") == [0]


def test_one_entry_comes_with_its_receipt(client: TestClient, world: World) -> None:
    world.revenue(7)
    world.revenue(8)

    body = client.get(ENTRIES + "/0").json()

    assert body["entry"]["index"] == 0
    receipt = Receipt.from_json(body["receipt"])
    checkpoint = verify_receipt(
        receipt, log_key=world.ledger.log_signer(PROJECT_ORIGIN).verifier()
    )
    assert checkpoint.size == 2
    assert body["entry"]["leaf_hash"] == receipt.leaf_hash.hex()


def test_an_entry_beyond_the_log_is_404(client: TestClient) -> None:
    from tests.api.test_problems import assert_problem

    assert_problem(client.get(ENTRIES + "/3"), 404, "not-found")
    assert_problem(client.get(ENTRIES + "/-1"), 422, "request-invalid", "/path/index")
