"""Checkpoints and proofs over HTTP verify against the log's key and each other."""

from __future__ import annotations

import base64

from domain.checkpoint import open_checkpoint
from domain.merkle import hash_leaf, verify_consistency, verify_inclusion
from tests.api.conftest import TestClient
from tests.api.test_problems import assert_problem
from tests.builders import PROJECT, PROJECT_ORIGIN, World

LOG = f"/v1/projects/{PROJECT}/log"


def test_the_latest_checkpoint_is_the_signed_note_as_text(
    client: TestClient, world: World
) -> None:
    world.revenue(1)
    world.revenue(2)

    response = client.get(LOG + "/checkpoint")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint, _ = open_checkpoint(
        response.text, world.ledger.log_signer(PROJECT_ORIGIN).verifier()
    )
    assert checkpoint.size == 2


def test_every_archived_checkpoint_is_served_by_size(
    client: TestClient, world: World
) -> None:
    world.revenue(1)
    world.revenue(2)

    first = client.get(LOG + "/checkpoints/1")

    assert first.status_code == 200
    assert first.text == next(iter(world.ledger.list_checkpoints(PROJECT_ORIGIN))).note
    assert_problem(client.get(LOG + "/checkpoints/7"), 404, "not-found")


def test_a_log_without_entries_has_no_checkpoint(client: TestClient) -> None:
    assert_problem(client.get(LOG + "/checkpoint"), 404, "not-found")


def test_inclusion_and_consistency_proofs_verify(
    client: TestClient, world: World
) -> None:
    for amount in range(1, 8):
        world.revenue(amount)

    inclusion = client.get(LOG + "/proofs/inclusion", params={"index": 2, "size": 5})
    latest = client.get(LOG + "/proofs/inclusion", params={"index": 6}).json()
    consistency = client.get(
        LOG + "/proofs/consistency", params={"old": 3, "new": 7}
    ).json()

    proof = inclusion.json()
    verify_inclusion(
        leaf_hash=hash_leaf(world.ledger.get_entry(PROJECT_ORIGIN, 2).leaf),
        index=2,
        size=5,
        proof=[base64.b64decode(h) for h in proof["hashes"]],
        root=base64.b64decode(proof["root"]),
    )
    assert latest["size"] == 7
    verify_consistency(
        old_size=3,
        new_size=7,
        old_root=base64.b64decode(consistency["old_root"]),
        new_root=base64.b64decode(consistency["new_root"]),
        proof=[base64.b64decode(h) for h in consistency["hashes"]],
    )
    assert base64.b64decode(consistency["new_root"]) == (
        world.ledger.get_checkpoint(PROJECT_ORIGIN).root
    )


def test_impossible_proofs_are_404(client: TestClient, world: World) -> None:
    world.revenue(1)

    assert_problem(
        client.get(LOG + "/proofs/inclusion", params={"index": 3, "size": 1}),
        404,
        "not-found",
    )
    assert_problem(
        client.get(LOG + "/proofs/consistency", params={"old": 2, "new": 1}),
        404,
        "not-found",
    )
    assert_problem(
        client.get(LOG + "/proofs/inclusion"), 422, "request-invalid", "/query/index"
    )


def test_the_registry_log_has_the_same_routes(client: TestClient) -> None:
    response = client.get("/v1/registry/log/proofs/consistency", params={"old": 1})

    assert response.status_code == 200
    assert response.json()["new"] == 4
    assert client.get("/v1/registry/log/checkpoint").text.startswith(
        "chengdu.test/registry\n4\n"
    )
