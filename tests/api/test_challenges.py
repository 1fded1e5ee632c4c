"""Owners' challenges over HTTP: the lifecycle, erasure, rate limits and refusals.

The lifecycle runs on SQLite and PostgreSQL: raise (no key) → tracking code → the
firm's signed answers → the owner reads the status → escalates → closes → erases the
private data. Throughout, the contact details appear only in the private store: never
in the log, a response or the published site.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import psycopg
import pytest

from api.app import create_app
from api.intake import ChallengeIntake
from api.private_store import PrivateStore, open_private_store, private_sqlite_path
from api.ratelimit import Rate, TokenBucketLimiter, client_address
from api.settings import Settings
from domain.canonical import canonical_bytes
from domain.challenges import tracking_code_hash
from domain.entries import Leaf, Submission
from domain.errors import RateLimitedError
from domain.receipts import Receipt, verify_receipt
from domain.signing import Signer, VerifierKey
from tests.api.conftest import TestClient
from tests.api.test_openapi import _has_example
from tests.api.test_problems import assert_problem
from tests.builders import PROJECT, PROJECT_ORIGIN, World, make_world

INTAKE = Signer.from_seed("chengdu-test-intake", bytes([42]) * 32)
CONTACT = {
    "name": "王建华",
    "phone": "13812345678",
    "room": "3-2-1201",
    "note": "工作日晚上八点后方便联系",
}
PRIVATE_STRINGS = ("王建华", "13812345678", "3-2-1201", "晚上八点", "1234-5678")
QUESTION = "2月电梯广告收入为何比1月少了三成？请公开广告合同。"
BASE = f"/v1/projects/{PROJECT}"


@dataclass
class Setup:
    world: World
    intake: ChallengeIntake
    store: PrivateStore
    env: dict[str, str]
    client: TestClient

    def raise_challenge(self, **overrides: Any) -> Any:
        body: dict[str, Any] = {"question": QUESTION, "contact": dict(CONTACT)}
        body.update(overrides)
        return self.client.post(f"{BASE}/challenges", json=body)

    def log_text(self) -> str:
        """Every leaf of the project log with its payload decoded."""
        texts = []
        for stored in self.world.ledger.list_entries(PROJECT_ORIGIN):
            leaf = json.loads(stored.leaf)
            texts.append(stored.leaf.decode())
            texts.append(base64.b64decode(leaf["payload"]).decode("utf-8"))
        return "\n".join(texts)

    def firm_answer(self, challenge_id: str, stage: str, **extra: Any) -> Any:
        payload = self.world.payload(
            "ChallengeAnswered",
            {
                "challenge_id": challenge_id,
                "stage": stage,
                "answer": "已受理，7日内答复。" if stage != "answer" else "合同到期。",
                "answered_by": {"position": "项目经理"},
            },
            **extra,
        )
        return self.client.post(
            f"{BASE}/entries", json=self.world.sign(payload).to_json()
        )


GENEROUS: Final = Rate(100, 3600.0)


def make_setup(env: dict[str, str], *, rate: Rate = GENEROUS) -> Setup:
    world = make_world(env)
    world.register(
        "IntakeKeyAdded", {"vkey": INTAKE.vkey, "operator": "成都市物业管理协会"}
    )
    store = open_private_store(env)
    intake = ChallengeIntake(world.ledger, store, INTAKE)
    app = create_app(
        world.ledger, settings=Settings(challenge_rate=rate), intake=intake
    )
    return Setup(world, intake, store, env, TestClient(app))


@pytest.fixture
def memory() -> Iterator[Setup]:
    setup = make_setup({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    with setup.client:
        yield setup
    setup.store.close()
    setup.world.ledger.close()


@pytest.fixture
def durable(durable_store_env: dict[str, str]) -> Iterator[Setup]:
    setup = make_setup(dict(durable_store_env))
    with setup.client:
        yield setup
    setup.store.close()
    setup.world.ledger.close()


def private_rows(setup: Setup) -> list[dict[str, Any]]:
    """The private store read directly: the SQLite file or the PostgreSQL table."""
    columns = ("tracking_hash", "challenge_id", "contact", "salt", "erased_at")
    query = f"SELECT {', '.join(columns)} FROM challenge_private ORDER BY created_at"  # noqa: S608 - constants
    env = setup.env
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        with sqlite3.connect(private_sqlite_path(env)) as db:
            rows = db.execute(query).fetchall()
    else:
        with psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            options=f"-c search_path={env['POSTGRES_SCHEMA']}",
        ) as conn:
            rows = conn.execute(query).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


# --- the lifecycle ----------------------------------------------------------------------
def test_challenge_lifecycle_end_to_end_including_erasure(durable: Setup) -> None:
    world, client = durable.world, durable.client
    revenue = world.revenue()

    # 1. The owner raises a challenge on the revenue entry, with no key.
    response = durable.raise_challenge(entry_index=revenue.index)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    raised = response.json()
    code = raised["tracking_code"]
    assert len(code) == 32
    assert code.isalnum()
    for private in PRIVATE_STRINGS:
        assert private not in response.text
    receipt = Receipt.from_json(raised["receipt"])
    verify_receipt(
        receipt,
        log_key=VerifierKey.from_vkey(world.ledger.log_vkey(PROJECT_ORIGIN)),
        entry_keys={INTAKE.key_ref: INTAKE.verifier()},
    )

    # The entry is intake-signed and carries only the masked form and the commitment.
    payload = Leaf.from_bytes(receipt.leaf).submission.parse_payload()
    assert payload["key"] == INTAKE.key_ref
    body = payload["body"]
    assert body["target"] == {
        "index": revenue.index,
        "leaf_hash": revenue.leaf_hash.hex(),
    }
    assert body["topic"] == "income-expenditure"  # the column of the questioned entry
    assert body["channel"] == "online"
    challenger = body["challenger"]
    assert {k: v for k, v in challenger.items() if k != "commitment"} == {
        "name": "王**",
        "phone": "138****5678",
        "room": "3-2-***",
    }
    # The private store keeps the code's hash (not the code), the data and the salt,
    # and the commitment opens with them.
    (row,) = private_rows(durable)
    assert row["tracking_hash"] == tracking_code_hash(code)
    assert code not in json.dumps(row)
    assert json.loads(row["contact"]) == CONTACT
    salt = bytes.fromhex(row["salt"])
    assert len(salt) == 32
    expected = hashlib.sha256(salt + canonical_bytes(CONTACT)).hexdigest()
    assert challenger["commitment"] == expected

    # 2. The firm acknowledges and answers with its own signed entries.
    challenge_id = raised["challenge_id"]
    assert durable.firm_answer(challenge_id, "acknowledgement").status_code == 201
    assert durable.firm_answer(challenge_id, "answer").status_code == 201

    # 3. The owner follows it with the code.
    status = client.get(f"/v1/challenges/{code}")
    assert status.status_code == 200, status.text
    assert status.headers["cache-control"] == "no-store"
    followed = status.json()
    assert followed["status"] == "answered"
    assert followed["private_data"] == "kept"
    assert [s["type"] for s in followed["steps"]] == [
        "ChallengeRaised",
        "ChallengeAnswered",
        "ChallengeAnswered",
    ]
    assert followed["steps"][0]["index"] == receipt.index
    for private in PRIVATE_STRINGS:
        assert private not in status.text

    # 4. The owner escalates, then closes; the intake signs both.
    escalated = client.post(
        f"/v1/challenges/{code}:escalate",
        json={"escalated_to": "owners-committee", "reason": "答复不够具体。"},
    )
    assert escalated.status_code == 201, escalated.text
    closed = client.post(
        f"/v1/challenges/{code}:close", json={"outcome": "satisfied", "note": "已核对"}
    )
    assert closed.status_code == 201, closed.text
    for step in (escalated, closed):
        step_payload = Leaf.from_bytes(
            Receipt.from_json(step.json()).leaf
        ).submission.parse_payload()
        assert step_payload["key"] == INTAKE.key_ref
    assert client.get(f"/v1/challenges/{code}").json()["status"] == "closed"
    again = client.post(f"/v1/challenges/{code}:close", json={"outcome": "satisfied"})
    assert_problem(again, 409, "conflict")

    # 5. Erasure: the contact details and salt are gone from the store itself.
    size = world.ledger.log_size(PROJECT_ORIGIN)
    erased = client.delete(f"/v1/challenges/{code}/private")
    assert erased.status_code == 200, erased.text
    assert erased.json()["private_data"] == "erased"
    (row,) = private_rows(durable)
    assert row["contact"] is None
    assert row["salt"] is None
    assert row["erased_at"]
    if durable.env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        raw = Path(private_sqlite_path(durable.env)).read_bytes()
        for private in ("王建华", "13812345678", "3-2-1201"):
            assert private.encode() not in raw
    # The log is intact and verifies; the code still follows the public thread.
    assert world.ledger.log_size(PROJECT_ORIGIN) == size
    assert world.ledger.verify_stored_tree(PROJECT_ORIGIN) == size
    after = client.get(f"/v1/challenges/{code}").json()
    assert after["private_data"] == "erased"
    assert after["status"] == "closed"
    # Nothing private ever reached the log.
    log = durable.log_text()
    for private in PRIVATE_STRINGS:
        assert private not in log


def test_erasure_is_idempotent_and_the_cli_erases_by_challenge_id(
    memory: Setup,
) -> None:
    raised = memory.raise_challenge().json()
    first = memory.client.delete(f"/v1/challenges/{raised['tracking_code']}/private")
    second = memory.client.delete(f"/v1/challenges/{raised['tracking_code']}/private")
    assert first.status_code == second.status_code == 200
    assert first.json()["erased_at"] == second.json()["erased_at"]
    other = memory.raise_challenge().json()
    record = memory.intake.erase_challenge(PROJECT, other["challenge_id"])
    assert record.contact is None
    assert record.salt is None


# --- rate limit ----------------------------------------------------------------------------
def test_the_rate_limit_answers_429_with_retry_after_and_stores_nothing() -> None:
    setup = make_setup(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}, rate=Rate(2, 3600.0)
    )
    try:
        with setup.client:
            assert setup.raise_challenge().status_code == 201
            assert setup.raise_challenge(question="").status_code == 422  # costs one
            size = setup.world.ledger.log_size(PROJECT_ORIGIN)
            limited = setup.raise_challenge()
            assert_problem(limited, 429, "rate-limited")
            assert 0 < int(limited.headers["retry-after"]) <= 1800
            assert setup.world.ledger.log_size(PROJECT_ORIGIN) == size
            # The header is not trusted by default: another claimed client is refused.
            spoofed = setup.client.post(
                f"{BASE}/challenges",
                json={"question": QUESTION, "contact": CONTACT},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
            assert spoofed.status_code == 429
            assert setup.world.ledger.log_size(PROJECT_ORIGIN) == size
    finally:
        setup.store.close()
        setup.world.ledger.close()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client() -> None:
    setup = make_setup({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app = create_app(
        setup.world.ledger,
        settings=Settings(challenge_rate=Rate(1, 3600.0), trust_forwarded_for=True),
        intake=setup.intake,
    )
    try:
        with TestClient(app) as client:

            def post(address: str) -> int:
                response = client.post(
                    f"{BASE}/challenges",
                    json={"question": QUESTION, "contact": CONTACT},
                    headers={"X-Forwarded-For": f"198.51.100.7, {address}"},
                )
                return int(response.status_code)

            assert post("203.0.113.1") == 201
            assert post("203.0.113.1") == 429
            assert post("203.0.113.2") == 201
    finally:
        setup.store.close()
        setup.world.ledger.close()


def test_rate_settings_parse_and_refuse_nonsense() -> None:
    settings = Settings.from_env(
        {
            "SHUANGSHAI_CHALLENGE_RATE": "10/minute",
            "SHUANGSHAI_TRUST_FORWARDED_FOR": "1",
        }
    )
    assert settings.challenge_rate == Rate(10, 60.0)
    assert settings.trust_forwarded_for
    assert Settings.from_env({}).challenge_rate == Rate(5, 3600.0)
    from domain.errors import ConfigurationError

    for bad in ("5", "0/hour", "five/hour", "5/fortnight"):
        with pytest.raises(ConfigurationError, match="SHUANGSHAI_CHALLENGE_RATE"):
            Settings.from_env({"SHUANGSHAI_CHALLENGE_RATE": bad})


# --- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"question": None}, "/body/question"),
        ({"contact": None}, "/body/contact"),
        ({"question": "问" * 4001}, "/body/question"),
        ({"subject": "题" * 201}, "/body/subject"),
        ({"entry_index": 99}, "/body/entry_index"),
        ({"entry_index": -1}, "/body/entry_index"),
        ({"topic": "gossip"}, "/body/topic"),
        ({"contact": {"phone": "1381234"}}, "/body/contact/phone"),
        ({"contact": {"room": "三栋1201"}}, "/body/contact/room"),
        ({"contact": {"note": "只有备注"}}, "/body/contact"),
        (
            {"contact": {"name": "王建华", "email": "w@example.com"}},
            "/body/contact/email",
        ),
        ({"question": "请回电 13812345678 说明情况"}, "/body/question"),
        ({"extra": 1}, "/body/extra"),
    ],
)
def test_bad_challenges_are_refused_with_a_pointer_and_store_nothing(
    memory: Setup, overrides: dict[str, Any], pointer: str
) -> None:
    body: dict[str, Any] = {"question": QUESTION, "contact": dict(CONTACT)}
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    size = memory.world.ledger.log_size(PROJECT_ORIGIN)
    response = memory.client.post(f"{BASE}/challenges", json=body)
    problem = assert_problem(response, 422, response.json()["code"])
    assert pointer in [e["pointer"] for e in problem["errors"]]
    message = next(e["message"] for e in problem["errors"] if e["pointer"] == pointer)
    assert "\u4e00" <= message[0] <= "\u9fff", message  # Chinese first
    assert memory.world.ledger.log_size(PROJECT_ORIGIN) == size
    assert memory.store.find(PROJECT_ORIGIN, "anything") is None


def test_a_private_number_in_the_question_is_reported_at_the_question_only(
    memory: Setup,
) -> None:
    response = memory.raise_challenge(question="请回电 13812345678")
    problem = assert_problem(response, 422, "schema-violation")
    assert [e["pointer"] for e in problem["errors"]] == ["/body/question"]
    assert "13812345678" not in response.text  # the typed number is not echoed
    typed = memory.raise_challenge(question="请回电 13812345678", subject="回电")
    assert [e["pointer"] for e in typed.json()["errors"]] == ["/body/question"]


def test_a_body_that_is_not_an_object_or_not_json_is_refused(memory: Setup) -> None:
    assert_problem(
        memory.client.post(f"{BASE}/challenges", json=["question"]),
        422,
        "schema-violation",
    )
    malformed = memory.client.post(
        f"{BASE}/challenges",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert_problem(malformed, 422, "request-invalid")


def test_an_unknown_project_is_404(memory: Setup) -> None:
    response = memory.client.post(
        "/v1/projects/nowhere/challenges",
        json={"question": QUESTION, "contact": CONTACT},
    )
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    "code", ["x", "a" * 32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "a" * 31 + "!"]
)
def test_a_bad_tracking_code_is_404_on_every_route(memory: Setup, code: str) -> None:
    memory.raise_challenge()
    size = memory.world.ledger.log_size(PROJECT_ORIGIN)
    for method, path, body in (
        ("GET", f"/v1/challenges/{code}", None),
        ("POST", f"/v1/challenges/{code}:close", {"outcome": "satisfied"}),
        (
            "POST",
            f"/v1/challenges/{code}:escalate",
            {"escalated_to": "association", "reason": "逾期"},
        ),
        ("DELETE", f"/v1/challenges/{code}/private", None),
    ):
        response = memory.client.request(method, path, json=body)
        problem = assert_problem(response, 404, "not-found")
        assert problem["errors"][0]["pointer"] == "/path/tracking_code"
    assert memory.world.ledger.log_size(PROJECT_ORIGIN) == size


def test_bad_close_and_escalate_bodies_are_refused_with_pointers(memory: Setup) -> None:
    code = memory.raise_challenge().json()["tracking_code"]
    size = memory.world.ledger.log_size(PROJECT_ORIGIN)
    for path, body, pointer in (
        (":close", {}, "/body/outcome"),
        (":close", {"outcome": "happy"}, "/body/outcome"),
        (
            ":close",
            {"outcome": "satisfied", "note": "王先生 13812345678"},
            "/body/note",
        ),
        (":escalate", {"reason": "x"}, "/body/escalated_to"),
        (":escalate", {"escalated_to": "court", "reason": "x"}, "/body/escalated_to"),
        (":escalate", {"escalated_to": "association"}, "/body/reason"),
        (
            ":escalate",
            {"escalated_to": "association", "reason": "x", "trigger": "firm-referral"},
            "/body/trigger",
        ),
    ):
        response = memory.client.post(f"/v1/challenges/{code}{path}", json=body)
        problem = assert_problem(response, 422, response.json()["code"])
        assert pointer in [e["pointer"] for e in problem["errors"]], path
    assert memory.world.ledger.log_size(PROJECT_ORIGIN) == size


# --- who may sign what --------------------------------------------------------------------
def test_a_firm_signed_challenge_raised_is_refused(memory: Setup) -> None:
    world = memory.world
    payload = world.payload(
        "ChallengeRaised",
        {
            "challenge_id": "q-self",
            "received_at": "2026-03-01T09:00:00+08:00",
            "channel": "online",
            "topic": "other",
            "subject": "自己质疑自己",
            "question": "测试",
            "challenger": {"commitment": "0" * 64},
        },
    )
    size = world.ledger.log_size(PROJECT_ORIGIN)
    response = memory.client.post(f"{BASE}/entries", json=world.sign(payload).to_json())
    problem = assert_problem(response, 403, "key-not-authorized")
    assert problem["errors"][0]["pointer"] == "/payload/key"
    assert world.ledger.log_size(PROJECT_ORIGIN) == size


def test_the_intake_key_cannot_answer_or_post_other_entries(memory: Setup) -> None:
    world = memory.world
    challenge_id = memory.raise_challenge().json()["challenge_id"]
    for entry_type, body in (
        (
            "ChallengeAnswered",
            {
                "challenge_id": challenge_id,
                "stage": "answer",
                "answer": "冒充企业答复",
                "answered_by": {"position": "项目经理"},
            },
        ),
        (
            "CommonRevenueRecorded",
            {"source_id": "x", "amount_fen": 1, "received_on": "2026-02-01"},
        ),
    ):
        payload = world.payload(entry_type, body, signer=INTAKE)
        response = memory.client.post(
            f"{BASE}/entries", json=Submission.sign(payload, INTAKE).to_json()
        )
        problem = assert_problem(response, 403, "key-not-authorized")
        assert problem["errors"][0]["pointer"] == "/payload/key"


def test_the_firm_closes_only_after_a_week_without_reply(memory: Setup) -> None:
    world = memory.world
    challenge_id = memory.raise_challenge().json()["challenge_id"]

    def firm_close(closed_by: str = "firm-after-timeout") -> Any:
        payload = world.payload(
            "ChallengeClosed",
            {
                "challenge_id": challenge_id,
                "closed_on": "2026-03-09",
                "closed_by": closed_by,
                "outcome": "satisfied",
            },
        )
        return memory.client.post(f"{BASE}/entries", json=world.sign(payload).to_json())

    assert_problem(firm_close(), 422, "rule-violation")  # not answered yet
    assert memory.firm_answer(challenge_id, "answer").status_code == 201
    too_soon = assert_problem(firm_close(), 422, "rule-violation")
    assert too_soon["errors"][0]["pointer"] == "/payload/body/closed_by"
    owner_close = assert_problem(firm_close("owner"), 422, "rule-violation")
    assert owner_close["errors"][0]["pointer"] == "/payload/body/closed_by"
    world.clock.advance_to(world.clock.now() + timedelta(days=7))
    assert firm_close().status_code == 201
    # Closed is final: no answer after it.
    assert_problem(memory.firm_answer(challenge_id, "answer"), 409, "conflict")


def test_a_follow_up_of_an_unknown_challenge_is_refused(memory: Setup) -> None:
    response = memory.firm_answer("q-never-raised", "acknowledgement")
    problem = assert_problem(response, 422, "rule-violation")
    assert problem["errors"][0]["pointer"] == "/payload/body/challenge_id"


def test_without_a_registered_intake_key_the_intake_refuses_to_sign() -> None:
    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    store = open_private_store({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app = create_app(world.ledger, intake=ChallengeIntake(world.ledger, store, INTAKE))
    try:
        with TestClient(app) as client:
            response = client.post(
                f"{BASE}/challenges", json={"question": QUESTION, "contact": CONTACT}
            )
            assert_problem(response, 500, "server-misconfigured")
            assert world.ledger.log_size(PROJECT_ORIGIN) == 0
    finally:
        store.close()
        world.ledger.close()


def test_the_registry_lists_the_intake_key(memory: Setup) -> None:
    registry = memory.client.get("/v1/registry").json()
    assert registry["intake_keys"] == [
        {
            "key_ref": INTAKE.key_ref,
            "vkey": INTAKE.vkey,
            "operator": "成都市物业管理协会",
            "added_at_index": 4,
            "revoked_at_index": None,
        }
    ]


# --- OpenAPI ---------------------------------------------------------------------------------
CHALLENGE_ROUTES = {
    ("POST", "/v1/projects/{project_id}/challenges"),
    ("GET", "/v1/challenges/{tracking_code}"),
    ("POST", "/v1/challenges/{tracking_code}:escalate"),
    ("POST", "/v1/challenges/{tracking_code}:close"),
    ("DELETE", "/v1/challenges/{tracking_code}/private"),
}


def test_the_openapi_document_describes_the_challenge_routes_with_examples(
    memory: Setup, client: TestClient
) -> None:
    document = memory.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert listed >= CHALLENGE_ROUTES
    for method, path in CHALLENGE_ROUTES:
        operation = document["paths"][path][method.lower()]
        assert operation.get("summary")
        if method == "POST":
            body = operation["requestBody"]["content"]["application/json"]
            assert _has_example(body, schemas), path
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                assert _has_example(media, schemas), f"{method} {path} {status}"
    raised = document["paths"]["/v1/projects/{project_id}/challenges"]["post"]
    assert "429" in raised["responses"]
    # An app with no intake serves no challenge routes at all.
    plain = client.get("/openapi.json").json()["paths"]
    assert not any("challenges" in path for path in plain)


def test_the_token_bucket_refills_continuously_and_says_when_to_retry() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(Rate(2, 3600.0), clock=lambda: now[0])
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(RateLimitedError) as raised:
        limiter.take("a")
    assert raised.value.retry_after == 1800  # one token every half hour
    limiter.take("b")  # another client has its own bucket
    now[0] = 1799.0
    with pytest.raises(RateLimitedError) as again:
        limiter.take("a")
    assert again.value.retry_after == 1
    now[0] = 1800.0
    limiter.take("a")
    assert (
        client_address("10.0.0.1", "1.2.3.4", trust_forwarded_for=False) == "10.0.0.1"
    )
    assert client_address("10.0.0.1", "1.2.3.4, 5.6.7.8", trust_forwarded_for=True) == (
        "5.6.7.8"
    )
