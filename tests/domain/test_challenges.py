"""Owners' challenges in the domain: masking, commitments, requests, who signs what.

The pure rules of :mod:`domain.challenges`, then the ledger enforcing them on every
store (memory, SQLite, PostgreSQL): only the registered, unrevoked intake key raises a
challenge; ids are unique per log; a closed thread takes nothing more; every refusal
changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from domain.canonical import canonical_bytes
from domain.challenges import (
    ChallengeStep,
    ChallengeThread,
    ContactDetails,
    check_followup,
    check_signer_role,
    commitment,
    default_subject,
    mask_name,
    mask_phone,
    mask_room,
    new_tracking_code,
    normalise_tracking_code,
    parse_challenge_request,
    tracking_code_hash,
)
from domain.errors import (
    ChallengeConflictError,
    ChallengeNotFoundError,
    KeyNotAuthorizedError,
    LedgerError,
    RevokedKeyError,
    RuleViolationError,
    SchemaViolationError,
    UnknownKeyError,
)
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.validation import default_validator
from tests.builders import PROJECT, PROJECT_ORIGIN, World, make_world

INTAKE = Signer.from_seed("chengdu-test-intake", bytes([42]) * 32)


# --- masking and commitments -----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("王建华", "王**"), ("欧阳娜娜", "欧***"), ("Wang Fang", "W*")],
)
def test_names_are_masked_to_the_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_phone_and_room_are_masked_as_the_schema_requires() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_room("3-2-1201") == "3-2-***"
    contact = ContactDetails("王建华", "13812345678", "3-2-1201", "私下说明")
    shown = contact.masked()
    assert shown == {"name": "王**", "room": "3-2-***", "phone": "138****5678"}
    body = {"commitment": "0" * 64, **shown}
    validator = default_validator()
    validator.validate_body(
        "ChallengeRaised",
        {
            "challenge_id": "q-1",
            "received_at": "2026-03-01T09:00:00+08:00",
            "channel": "online",
            "topic": "other",
            "subject": "s",
            "question": "q",
            "challenger": body,
        },
    )


def test_the_commitment_is_sha256_of_salt_and_canonical_contact() -> None:
    contact = ContactDetails(name="王建华", room="3-2-1201")
    salt = bytes(range(32))
    expected = hashlib.sha256(
        salt + canonical_bytes({"name": "王建华", "room": "3-2-1201"})
    ).hexdigest()
    assert commitment(salt, contact) == expected
    assert commitment(bytes(32), contact) != expected  # another salt, another value


def test_tracking_codes_are_160_random_bits_and_only_their_hash_is_kept() -> None:
    code = new_tracking_code(lambda n: bytes(range(n)))
    assert len(code) == 32
    assert normalise_tracking_code(code.upper()) == code
    assert tracking_code_hash(code) != hashlib.sha256(code.encode()).hexdigest()
    assert len({new_tracking_code(__import__("os").urandom) for _ in range(50)}) == 50
    with pytest.raises(ChallengeNotFoundError) as raised:
        normalise_tracking_code("not-a-code")
    assert raised.value.pointer == "/path/tracking_code"


def test_a_missing_subject_is_the_questions_first_line() -> None:
    assert default_subject("电梯坏了\n详情……") == "电梯坏了"
    assert len(default_subject("长" * 100)) == 40


# --- requests ----------------------------------------------------------------------------
def test_a_request_collects_every_field_error_with_its_pointer() -> None:
    with pytest.raises(SchemaViolationError) as raised:
        parse_challenge_request(
            {
                "entry_index": 1.5,
                "question": "",
                "contact": {"phone": "12345", "room": "1201", "name": "王2"},
                "other": True,
            }
        )
    pointers = {e.pointer for e in raised.value.errors}
    assert pointers == {
        "/body/other",
        "/body/entry_index",
        "/body/question",
        "/body/contact/phone",
        "/body/contact/room",
        "/body/contact/name",
    }


def test_a_valid_request_normalises_the_phone() -> None:
    parsed = parse_challenge_request(
        {"question": " 问题 ", "contact": {"phone": "+86 138-1234-5678"}}
    )
    assert parsed.question == "问题"
    assert parsed.contact == ContactDetails(phone="13812345678")


# --- who signs what ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("entry_type", "body", "role", "pointer"),
    [
        ("ChallengeRaised", {}, "firm", "/key"),
        ("ChallengeAnswered", {}, "intake", "/key"),
        ("CommonRevenueRecorded", {}, "intake", "/key"),
        ("ChallengeEscalated", {"trigger": "firm-referral"}, "intake", "/body/trigger"),
        ("ChallengeEscalated", {"trigger": "owner-request"}, "firm", "/body/trigger"),
        (
            "ChallengeClosed",
            {"closed_by": "firm-after-timeout"},
            "intake",
            "/body/closed_by",
        ),
        ("ChallengeClosed", {"closed_by": "owner"}, "firm", "/body/closed_by"),
        ("ChallengeClosed", {"closed_by": "authority"}, "firm", "/body/closed_by"),
    ],
)
def test_each_signer_signs_only_its_own_steps(
    entry_type: str, body: dict[str, Any], role: Any, pointer: str
) -> None:
    with pytest.raises((KeyNotAuthorizedError, RuleViolationError)) as raised:
        check_signer_role(entry_type, body, role)
    assert raised.value.pointer == pointer


@pytest.mark.parametrize(
    ("entry_type", "body", "role"),
    [
        ("ChallengeRaised", {}, "intake"),
        ("ChallengeAnswered", {}, "firm"),
        ("ChallengeEscalated", {"trigger": "answer-overdue"}, "intake"),
        ("ChallengeEscalated", {"trigger": "firm-referral"}, "firm"),
        ("ChallengeClosed", {"closed_by": "authority"}, "intake"),
        ("ChallengeClosed", {"closed_by": "firm-after-timeout"}, "firm"),
        ("CommonRevenueRecorded", {}, "firm"),
    ],
)
def test_the_allowed_steps_pass(
    entry_type: str, body: dict[str, Any], role: Any
) -> None:
    check_signer_role(entry_type, body, role)


def _thread(*steps: tuple[str, str | None, str]) -> ChallengeThread:
    thread = ChallengeThread("q-1")
    for index, (kind, detail, at) in enumerate(steps):
        role: Any = "intake" if kind != "ChallengeAnswered" else "firm"
        thread = thread.with_step(ChallengeStep(index, kind, detail, at, role))
    return thread


def test_a_thread_reports_the_furthest_status() -> None:
    raised = ("ChallengeRaised", None, "2026-03-01T00:00:00Z")
    ack = ("ChallengeAnswered", "acknowledgement", "2026-03-02T00:00:00Z")
    answer = ("ChallengeAnswered", "answer", "2026-03-03T00:00:00Z")
    assert _thread(raised).status == "raised"
    assert _thread(raised, ack).status == "acknowledged"
    assert _thread(raised, ack, answer).status == "answered"
    escalated = ("ChallengeEscalated", "owner-request", "2026-03-04T00:00:00Z")
    assert _thread(raised, answer, escalated).status == "escalated"


def test_the_firm_may_close_only_after_an_unescalated_answer_has_stood_a_week() -> None:
    raised = ("ChallengeRaised", None, "2026-03-01T00:00:00Z")
    answer = ("ChallengeAnswered", "answer", "2026-03-03T00:00:00Z")
    body = {"closed_by": "firm-after-timeout"}
    with pytest.raises(RuleViolationError, match="尚未正式答复"):
        check_followup(_thread(raised), "ChallengeClosed", body, "2026-04-01T00:00:00Z")
    with pytest.raises(RuleViolationError, match="7 日"):
        check_followup(
            _thread(raised, answer), "ChallengeClosed", body, "2026-03-09T23:59:59Z"
        )
    check_followup(
        _thread(raised, answer), "ChallengeClosed", body, "2026-03-10T00:00:00Z"
    )
    escalated = ("ChallengeEscalated", "owner-request", "2026-03-04T00:00:00Z")
    with pytest.raises(RuleViolationError, match="已升级"):
        check_followup(
            _thread(raised, answer, escalated),
            "ChallengeClosed",
            body,
            "2026-04-01T00:00:00Z",
        )


def test_nothing_follows_a_closure_and_nothing_precedes_the_raise() -> None:
    raised = ("ChallengeRaised", None, "2026-03-01T00:00:00Z")
    closed = ("ChallengeClosed", "owner", "2026-03-02T00:00:00Z")
    with pytest.raises(ChallengeConflictError):
        check_followup(
            _thread(raised, closed), "ChallengeAnswered", {}, "2026-03-03T00:00:00Z"
        )
    with pytest.raises(RuleViolationError, match="没有编号"):
        check_followup(_thread(), "ChallengeAnswered", {}, "2026-03-03T00:00:00Z")


# --- the ledger, on every store -----------------------------------------------------------
@pytest.fixture
def world(store_env: dict[str, str]) -> Iterator[World]:
    world = make_world(store_env)
    world.register("IntakeKeyAdded", {"vkey": INTAKE.vkey, "operator": "物业管理协会"})
    yield world
    world.ledger.close()


def raised_body(challenge_id: str = "q-1", **extra: Any) -> dict[str, Any]:
    return {
        "challenge_id": challenge_id,
        "received_at": "2026-03-01T09:00:00+08:00",
        "channel": "online",
        "topic": "other",
        "subject": "电梯",
        "question": "电梯为何停运？",
        "challenger": {"name": "王*", "commitment": "ab" * 32},
        **extra,
    }


def refused(world: World, error: type[LedgerError], **kwargs: Any) -> LedgerError:
    """Post and expect ``error``, with nothing stored."""
    before = world.ledger.recorder.max_notification_id()
    with pytest.raises(error) as raised:
        world.post(**kwargs)
    assert world.ledger.recorder.max_notification_id() == before
    return raised.value


def test_the_intake_raises_and_the_thread_is_tracked(world: World) -> None:
    receipt = world.post("ChallengeRaised", raised_body(), signer=INTAKE)
    world.post(
        "ChallengeAnswered",
        {
            "challenge_id": "q-1",
            "stage": "answer",
            "answer": "已更换主板。",
            "answered_by": {"position": "工程主管"},
        },
    )
    thread = world.ledger.get_challenge(PROJECT_ORIGIN, "q-1")
    assert [s.index for s in thread.steps] == [receipt.index, receipt.index + 1]
    assert [s.role for s in thread.steps] == ["intake", "firm"]
    assert thread.status == "answered"
    assert world.ledger.get_entry(PROJECT_ORIGIN, receipt.index).firm is None
    with pytest.raises(ChallengeNotFoundError):
        world.ledger.get_challenge(PROJECT_ORIGIN, "q-unknown")


def test_a_firm_cannot_raise_a_challenge(world: World) -> None:
    error = refused(
        world, KeyNotAuthorizedError, entry_type="ChallengeRaised", body=raised_body()
    )
    assert error.pointer == "/payload/key"


def test_a_revoked_or_unregistered_intake_key_raises_nothing(world: World) -> None:
    stranger = Signer.from_seed("stranger-intake", bytes([9]) * 32)
    refused(
        world,
        UnknownKeyError,
        entry_type="ChallengeRaised",
        body=raised_body(),
        signer=stranger,
    )
    world.register(
        "IntakeKeyRevoked", {"key": INTAKE.key_ref, "reason": "年度密钥轮换"}
    )
    error = refused(
        world,
        RevokedKeyError,
        entry_type="ChallengeRaised",
        body=raised_body(),
        signer=INTAKE,
    )
    assert error.pointer == "/payload/key"


def test_a_challenge_id_is_raised_once_per_log(world: World) -> None:
    world.post("ChallengeRaised", raised_body(), signer=INTAKE)
    error = refused(
        world,
        ChallengeConflictError,
        entry_type="ChallengeRaised",
        body=raised_body(),
        signer=INTAKE,
    )
    assert error.pointer == "/payload/body/challenge_id"


def test_a_challenge_must_question_an_existing_entry_of_the_log(world: World) -> None:
    revenue = world.revenue()
    for target, pointer in (
        ({"index": 5, "leaf_hash": "00" * 32}, "/payload/body/target/index"),
        (
            {"index": revenue.index, "leaf_hash": "00" * 32},
            "/payload/body/target/leaf_hash",
        ),
    ):
        error = refused(
            world,
            RuleViolationError,
            entry_type="ChallengeRaised",
            body=raised_body(target=target),
            signer=INTAKE,
        )
        assert error.pointer == pointer
    good = {"index": revenue.index, "leaf_hash": revenue.leaf_hash.hex()}
    world.post("ChallengeRaised", raised_body(target=good), signer=INTAKE)


def test_steps_in_one_batch_see_each_other(world: World) -> None:
    raise_payload = world.payload("ChallengeRaised", raised_body(), signer=INTAKE)
    close_payload = world.payload(
        "ChallengeClosed",
        {
            "challenge_id": "q-1",
            "closed_on": "2026-03-01",
            "closed_by": "owner",
            "outcome": "withdrawn",
        },
        signer=INTAKE,
    )
    again = world.payload("ChallengeRaised", raised_body(), signer=INTAKE)
    outcomes = world.ledger.submit_batch(
        PROJECT_ORIGIN,
        [world.sign(p, INTAKE) for p in (raise_payload, close_payload, again)],
    )
    assert not isinstance(outcomes[0], LedgerError)
    assert not isinstance(outcomes[1], LedgerError)
    assert isinstance(outcomes[2], ChallengeConflictError)
    assert world.ledger.get_challenge(PROJECT_ORIGIN, "q-1").status == "closed"


def test_the_firm_closes_after_the_owner_stays_silent_for_a_week(world: World) -> None:
    world.post("ChallengeRaised", raised_body(), signer=INTAKE)
    world.post(
        "ChallengeAnswered",
        {
            "challenge_id": "q-1",
            "stage": "answer",
            "answer": "已维修。",
            "answered_by": {"position": "工程主管"},
        },
    )
    close = {
        "challenge_id": "q-1",
        "closed_on": "2026-03-08",
        "closed_by": "firm-after-timeout",
        "outcome": "satisfied",
    }
    refused(world, RuleViolationError, entry_type="ChallengeClosed", body=close)
    world.clock.advance_to(world.clock.now() + timedelta(days=7))
    world.post("ChallengeClosed", close)
    assert world.ledger.get_challenge(PROJECT_ORIGIN, "q-1").status == "closed"


# --- the registry ---------------------------------------------------------------------------
def test_the_registry_keeps_intake_keys_with_their_validity(world: World) -> None:
    registry = world.ledger.get_registry()
    key = registry.intake_keys[INTAKE.key_ref]
    assert key.revoked_at_index is None
    assert registry.active_intake_key(INTAKE.key_ref) == key
    assert registry.authorize_intake_entry(INTAKE.key_ref, PROJECT) == key


def test_an_intake_key_must_be_a_new_ed25519_key(world: World) -> None:
    witness = Signer.from_seed("some-witness", bytes([5]) * 32, alg=ALG_COSIGNATURE_V1)
    for vkey in (INTAKE.vkey, world.firm_key.vkey, witness.vkey):
        error = refused(
            world,
            RuleViolationError,
            entry_type="IntakeKeyAdded",
            body={"vkey": vkey, "operator": "协会"},
            log=f"{PROJECT_ORIGIN.split('/p/')[0]}/registry",
            signer=world.association,
        )
        assert error.pointer == "/payload/body/vkey"
    error = refused(
        world,
        RuleViolationError,
        entry_type="IntakeKeyRevoked",
        body={"key": "nobody+00000000", "reason": "x"},
        log=f"{PROJECT_ORIGIN.split('/p/')[0]}/registry",
        signer=world.association,
    )
    assert error.pointer == "/payload/body/key"
