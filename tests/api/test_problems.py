"""The error contract: every API error is one RFC 9457 problem+json shape.

``assert_problem`` is used by every API error test (datasette ``test_error_shape``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from api.app import create_app
from api.problems import PROBLEM_TYPES, problem_type_of
from domain.entries import Submission
from domain.errors import (
    AlreadyReversedError,
    ConfigurationError,
    EntryNotFoundError,
    IdConflictError,
    InvalidSignatureError,
    LedgerError,
    MalformedSubmissionError,
    RevokedKeyError,
    VerificationError,
)
from domain.signing import Signer
from domain.validation import default_validator
from tests.api.conftest import TestClient
from tests.app.test_ledger import BAD_INPUTS
from tests.builders import FIRM, OTHER_FIRM, PROJECT, World, firm_body, revenue_body

ENTRIES = f"/v1/projects/{PROJECT}/entries"


def assert_problem(
    response: Any, status: int, code: str, pointer: str | None = None
) -> dict[str, Any]:
    """The response is a problem+json of ``status`` and ``code`` (and ``pointer``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    default_validator().validate_problem(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["instance"] == response.request.url.path
    if pointer is not None:
        assert [e["pointer"] for e in body["errors"]][:1] == [pointer], body
    return body


def post(client: TestClient, submission: Submission, path: str = ENTRIES) -> Any:
    return client.post(path, json=submission.to_json())


# ------------------------------------------------------------ the mapping table
@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (EntryNotFoundError("x"), 404, "not-found"),
        (IdConflictError("x"), 409, "id-conflict"),
        (AlreadyReversedError("x"), 409, "already-reversed"),
        (RevokedKeyError("x"), 403, "revoked-key"),
        (InvalidSignatureError("x"), 422, "invalid-signature"),
        (VerificationError("x"), 422, "verification-failed"),
        (MalformedSubmissionError("x"), 400, "malformed-submission"),
        (ConfigurationError("x"), 500, "server-misconfigured"),
        (LedgerError("x"), 500, "internal"),
        (KeyError("x"), 500, "internal"),
    ],
)
def test_the_nearest_class_in_the_mro_picks_status_and_code(
    error: Exception, status: int, code: str
) -> None:
    kind = problem_type_of(error)
    assert (kind.status, kind.slug) == (status, code)


def test_a_new_subclass_inherits_its_parents_status() -> None:
    class BrandNewRevocationError(RevokedKeyError):
        pass

    assert (
        problem_type_of(BrandNewRevocationError("x")) == PROBLEM_TYPES[RevokedKeyError]
    )


# ------------------------------------------------- every bad input, over HTTP
BAD_INPUT_STATUS = {
    "non-canonical payload": (422, "non-canonical-payload"),
    "float amount": (422, "schema-violation"),
    "amount of 2^53": (422, "schema-violation"),
    "wrong log": (422, "wrong-log"),
    "unknown key": (403, "unknown-key"),
    "bad signature": (422, "invalid-signature"),
    "schema violation": (422, "schema-violation"),
    "oversize leaf": (422, "entry-too-large"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_each_bad_submission_is_a_problem_naming_the_failing_field(
    client: TestClient, world: World, case: str
) -> None:
    make, _error, pointer = BAD_INPUTS[case]
    status, code = BAD_INPUT_STATUS[case]

    assert_problem(post(client, make(world)), status, code, pointer)
    assert world.ledger.log_size(world.ledger.project_origin(PROJECT)) == 0


def test_a_revoked_key_is_refused_with_403(client: TestClient, world: World) -> None:
    world.register(
        "FirmKeyRevoked",
        {"firm": FIRM, "key": world.firm_key.key_ref, "reason": "密钥遗失"},
    )
    submission = world.sign(world.payload("CommonRevenueRecorded", revenue_body()))

    assert_problem(post(client, submission), 403, "revoked-key", "/payload/key")


def test_another_firms_key_is_refused_with_403(
    client: TestClient, world: World
) -> None:
    other = Signer.from_seed("other-firm", b"\x07" * 32)
    world.register("FirmRegistered", firm_body(OTHER_FIRM, "成都另一物业有限公司"))
    world.register("FirmKeyAdded", {"firm": OTHER_FIRM, "vkey": other.vkey})
    payload = world.payload("CommonRevenueRecorded", revenue_body(), signer=other)

    response = post(client, world.sign(payload, other))

    assert_problem(response, 403, "key-not-authorized", "/payload/key")


def test_a_firm_whose_contract_ended_is_refused_with_403(
    client: TestClient, world: World
) -> None:
    world.register(
        "ContractEnded",
        {
            "contract_id": "c-2026",
            "project_id": PROJECT,
            "firm": FIRM,
            "ended_on": "2026-06-30",
            "reason": "合同期满",
        },
    )
    submission = world.sign(world.payload("CommonRevenueRecorded", revenue_body()))

    assert_problem(post(client, submission), 403, "key-not-authorized")


def test_a_replayed_id_with_another_payload_is_409(
    client: TestClient, world: World
) -> None:
    first = world.payload("CommonRevenueRecorded", revenue_body(1), entry_id="same")
    again = world.payload("CommonRevenueRecorded", revenue_body(2), entry_id="same")
    assert post(client, world.sign(first)).status_code == 201

    assert_problem(post(client, world.sign(again)), 409, "id-conflict", "/payload/id")


def test_reversing_a_missing_entry_is_422_and_reversing_twice_is_409(
    client: TestClient, world: World
) -> None:
    missing = world.payload(
        "EntryReversed",
        {"target": {"index": 5, "leaf_hash": "0" * 64}, "reason": "录入错误"},
    )
    assert_problem(
        post(client, world.sign(missing)),
        422,
        "rule-violation",
        "/payload/body/target/index",
    )

    original = world.revenue(999)
    target = {"index": original.index, "leaf_hash": original.leaf_hash.hex()}
    first = world.payload("EntryReversed", {"target": target, "reason": "金额错误"})
    again = world.payload("EntryReversed", {"target": target, "reason": "再次红冲"})
    assert post(client, world.sign(first)).status_code == 201
    assert_problem(post(client, world.sign(again)), 409, "already-reversed")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"payload": "%%%", "sig": "AA=="}, "/payload"),
        ({"payload": "e30=", "sig": "AAAA"}, "/sig"),
        ({"payload": "e30="}, "/sig"),
        ({"payload": "e30=", "sig": "AA==", "extra": 1}, "/extra"),
        ([1, 2], ""),
    ],
)
def test_a_malformed_submission_is_400(
    client: TestClient, body: object, pointer: str
) -> None:
    assert_problem(
        client.post(ENTRIES, json=body), 400, "malformed-submission", pointer
    )


def test_a_body_that_is_not_json_is_request_invalid(client: TestClient) -> None:
    response = client.post(
        ENTRIES, content=b"{nope", headers={"content-type": "application/json"}
    )

    assert_problem(response, 422, "request-invalid", "/body")


def test_a_bad_query_parameter_is_request_invalid(client: TestClient) -> None:
    response = client.get(ENTRIES, params={"limit": "0"})

    assert_problem(response, 422, "request-invalid", "/query/limit")


def test_unknown_projects_routes_and_methods_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/v1/projects/nope/entries"), 404, "not-found")
    assert_problem(client.get("/v1/nothing-here"), 404, "not-found")
    assert_problem(client.delete(ENTRIES), 405, "method-not-allowed")


def test_a_500_does_not_leak_the_exception_text(world: World) -> None:
    app: FastAPI = create_app(world.ledger)

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    @app.get("/v1/misconfigured")
    def misconfigured() -> None:
        raise ConfigurationError("cannot read /etc/shuangshai/log.skey")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path, code in [
            ("/v1/boom", "internal"),
            ("/v1/misconfigured", "server-misconfigured"),
        ]:
            response = client.get(path)
            assert_problem(response, 500, code)
            assert "hunter2" not in response.text
            assert "log.skey" not in response.text
            assert "Traceback" not in response.text


def test_every_problem_in_a_batch_has_the_same_shape(
    client: TestClient, world: World
) -> None:
    good = world.sign(world.payload("CommonRevenueRecorded", revenue_body()))
    bad = world.sign(world.payload("CommonRevenueRecorded", {"amount_fen": 15}))

    response = client.post(
        ENTRIES + ":batch", json=[{"payload": 1}, bad.to_json(), good.to_json()]
    )

    assert response.status_code == 200
    results = response.json()
    assert [r["status"] for r in results] == [400, 422, 201]
    for result in results[:2]:
        default_validator().validate_problem(result["problem"])
        assert json.dumps(result["problem"])
    assert results[1]["problem"]["code"] == "schema-violation"
