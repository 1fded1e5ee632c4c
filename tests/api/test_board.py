"""The board, desk, statements and registry as JSON, read from the projection."""

from __future__ import annotations

from domain.catalogue import COLUMNS, DESK_CATEGORIES
from tests.api.conftest import TestClient
from tests.api.test_problems import assert_problem
from tests.builders import FIRM, PROJECT, PROJECT_ORIGIN, World, revenue_body

P = f"/v1/projects/{PROJECT}"


def test_the_board_has_its_8_columns_and_shows_new_entries(
    client: TestClient, world: World
) -> None:
    world.revenue(100)
    assert client.get(P + "/board").json()["size"] == 1

    world.revenue(200)  # the view catches up on the next read
    board = client.get(P + "/board").json()

    assert [c["slug"] for c in board["columns"]] == list(COLUMNS)
    assert [c["name"] for c in board["columns"]] == list(COLUMNS.values())
    income = board["columns"][0]["entries"]
    assert [e["body"]["amount_fen"] for e in income] == [100, 200]
    assert board["log"] == PROJECT_ORIGIN


def test_a_reversal_shows_on_the_board_linked_to_its_entry(
    client: TestClient, world: World
) -> None:
    original = world.revenue(100)
    world.post(
        "EntryReversed",
        {
            "target": {"index": 0, "leaf_hash": original.leaf_hash.hex()},
            "reason": "录入错误",
        },
    )

    income = client.get(P + "/board").json()["columns"][0]["entries"]

    assert [(e["index"], e["reversed_by"]) for e in income] == [(0, 1), (1, None)]


def test_the_desk_has_its_5_categories(client: TestClient, world: World) -> None:
    world.revenue(100)

    desk = client.get(P + "/desk").json()

    assert [c["slug"] for c in desk["categories"]] == list(DESK_CATEGORIES)
    finance = {c["slug"]: c["entries"] for c in desk["categories"]}["finance"]
    assert [e["index"] for e in finance] == [0]


def test_statements_are_listed_and_each_is_served(
    client: TestClient, world: World
) -> None:
    world.post("CommonRevenueRecorded", revenue_body(120000))
    world.post("CommonRevenueRecorded", revenue_body(30000))

    listed = client.get(P + "/statements").json()["statements"]
    summary = listed[0]
    statement = client.get(
        f"{P}/statements/{summary['template']}/{summary['period']['key']}"
    ).json()

    assert (summary["template"], summary["code"]) == ("common-revenue", "T03")
    assert summary["period"]["key"] == "2026-Q1"
    gross = {t["key"]: t["fen"] for t in statement["totals"]}["gross_fen"]
    assert gross == 150000
    assert statement["entries"] == [0, 1]


def test_unknown_statements_are_404(client: TestClient, world: World) -> None:
    world.revenue(1)

    assert_problem(client.get(P + "/statements/nope/2026-Q1"), 404, "not-found")
    assert_problem(
        client.get(P + "/statements/common-revenue/1999-Q1"), 404, "not-found"
    )
    assert_problem(client.get("/v1/projects/nope/board"), 404, "not-found")


def test_the_registry_lists_firms_keys_with_validity_projects_contracts_and_logs(
    client: TestClient, world: World
) -> None:
    world.register(
        "FirmKeyRevoked",
        {"firm": FIRM, "key": world.firm_key.key_ref, "reason": "轮换"},
    )

    registry = client.get("/v1/registry").json()

    assert registry["size"] == 5
    assert [f["uscc"] for f in registry["firms"]] == [FIRM]
    (key,) = registry["keys"]
    assert (key["key_ref"], key["added_at_index"], key["revoked_at_index"]) == (
        world.firm_key.key_ref,
        1,
        4,
    )
    assert [p["project_id"] for p in registry["projects"]] == [PROJECT]
    assert registry["contracts"][0]["fee_model"] == "commission"
    assert registry["witnesses"] == []
    assert {log["origin"]: log["vkey"] for log in registry["logs"]}[
        PROJECT_ORIGIN
    ] == world.ledger.log_vkey(PROJECT_ORIGIN)
    assert registry["association_vkey"] == world.association.vkey
