"""The witness over HTTP (api/witness_app.py): c2sp.org/tlog-witness statuses.

200 with the cosignature line; 409 ``text/x.tlog.size`` with the witness's size; 403
for a checkpoint the trusted log key did not sign; 404 for a log it does not
witness; 422 for a bad proof (and a proved fork); 409 for a fork of the same size;
400 for a malformed request. A refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.witness_app import create_witness_app
from api.witness_store import STATE_FILE, WitnessFolder
from domain.checkpoint import verify_cosignature
from domain.note import SignedNote
from domain.signing import b64encode
from domain.witness import AddCheckpointRequest, parse_cosignature_lines
from tests.api.conftest import TestClient
from tests.api.test_problems import assert_problem
from tests.witness.helpers import CLOCK, T0, FakeLog, witness_signer

WITNESS = witness_signer()


@pytest.fixture
def log() -> FakeLog:
    return FakeLog().grow(5)


@pytest.fixture
def folder(tmp_path: Path, log: FakeLog) -> WitnessFolder:
    witness = WitnessFolder.init(tmp_path / "w", WITNESS.name, signer=WITNESS)
    witness.add_log(log.vkey)
    return witness


@pytest.fixture
def client(folder: WitnessFolder) -> Iterator[TestClient]:
    with TestClient(create_witness_app(folder, clock=CLOCK)) as client:
        yield client


def add(client: TestClient, request: AddCheckpointRequest | bytes) -> Any:
    body = request if isinstance(request, bytes) else request.to_bytes()
    return client.post("/add-checkpoint", content=body)


def unchanged(folder: WitnessFolder, before: bytes) -> bool:
    return (folder.path / STATE_FILE).read_bytes() == before


def test_a_consistent_series_is_cosigned_over_http(
    client: TestClient, log: FakeLog
) -> None:
    old = 0
    for count in (0, 3, 250):
        log.grow(count)
        response = add(client, log.request(old))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        (line,) = parse_cosignature_lines(response.content)
        note = SignedNote.from_text(log.note()).with_signatures(line)
        assert verify_cosignature(note, WITNESS.verifier()) == T0
        old = log.size


def test_a_wrong_old_size_is_409_with_the_size_as_text_x_tlog_size(
    client: TestClient, folder: WitnessFolder, log: FakeLog
) -> None:
    assert add(client, log.request(0)).status_code == 200
    before = (folder.path / STATE_FILE).read_bytes()
    log.grow(2)
    response = add(client, log.request(0))
    assert response.status_code == 409
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.content == b"5\n"
    assert unchanged(folder, before)
    assert add(client, log.request(5)).status_code == 200  # the retry from 5 works


def test_a_checkpoint_not_signed_by_the_trusted_key_is_403(
    client: TestClient, folder: WitnessFolder
) -> None:
    before = (folder.path / STATE_FILE).read_bytes()
    impostor = FakeLog(seed=99).grow(5)
    assert_problem(add(client, impostor.request(0)), 403, "untrusted-checkpoint")
    assert unchanged(folder, before)


def test_an_unknown_log_is_404(client: TestClient) -> None:
    other = FakeLog(origin="chengdu.test/p/elsewhere").grow(1)
    assert_problem(add(client, other.request(0)), 404, "unknown-log")


def test_a_bad_consistency_proof_is_422(
    client: TestClient, folder: WitnessFolder, log: FakeLog
) -> None:
    assert add(client, log.request(0)).status_code == 200
    before = (folder.path / STATE_FILE).read_bytes()
    log.grow(4)
    good = log.request(5)
    bad = AddCheckpointRequest(5, (bytes(32), *good.proof[1:]), good.checkpoint)
    assert_problem(add(client, bad), 422, "verification-failed")
    assert unchanged(folder, before)


@pytest.mark.parametrize(
    "body",
    [b"old x\n\nnote\n", b"no blank line", b"old 0\n\nnot a signed note\n"],
)
def test_a_malformed_request_is_400(client: TestClient, body: bytes) -> None:
    response = add(client, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_an_old_size_beyond_the_checkpoint_is_400(
    client: TestClient, log: FakeLog
) -> None:
    assert add(client, log.request(0)).status_code == 200
    response = add(client, AddCheckpointRequest(5, (), log.note(3)))
    assert_problem(response, 400, "malformed-witness-request")


def test_a_fork_of_the_same_size_is_409_equivocation_naming_both_roots(
    client: TestClient, folder: WitnessFolder, log: FakeLog
) -> None:
    assert add(client, log.request(0)).status_code == 200
    before = (folder.path / STATE_FILE).read_bytes()
    fork = log.fork(at=2)
    body = assert_problem(
        add(client, AddCheckpointRequest(5, (), fork.note())), 409, "equivocation"
    )
    assert b64encode(log.root()) in body["detail"]
    assert b64encode(fork.root()) in body["detail"]
    assert unchanged(folder, before)


def test_a_larger_fork_proved_by_its_proof_is_422_equivocation(
    client: TestClient, log: FakeLog
) -> None:
    assert add(client, log.request(0)).status_code == 200
    fork = log.fork(at=3).grow(6, "fork-more")
    body = assert_problem(add(client, fork.request(5)), 422, "equivocation")
    assert b64encode(log.root()) in body["detail"]
    assert b64encode(fork.root(5)) in body["detail"]


def test_a_request_too_large_is_400_without_reading_it_all(client: TestClient) -> None:
    response = add(client, b"old 0\n\n" + b"x" * 100_000)
    assert_problem(response, 400, "malformed-witness-request")
