"""The log's side (api/cosigning.py, LedgerApplication cosignatures, publishing).

The log asks the registry's witnesses that cover each log, keeps only cosignatures
that verify against their registered keys, and publishes ``checkpoint`` and
``checkpoints/<size>`` with them (proofs stay log-signed). A witness that is offline
or refuses is reported; the publish still succeeds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.cosigning import (
    WitnessReply,
    WitnessUnreachableError,
    collect_cosignatures,
    http_transport,
)
from api.witness_app import in_process_transport
from api.witness_store import WitnessFolder
from domain.application import LedgerApplication
from domain.checkpoint import cosign_checkpoint, verify_cosignature
from domain.errors import InvalidSignatureError, LogIntegrityError
from domain.events import CheckpointCosigned, stream_id
from domain.note import NoteSignature, SignedNote
from domain.registry import Witness
from domain.signing import Signer
from domain.witness import AddCheckpointRequest, MemoryWitness, WitnessState
from publish.files import SiteWriter
from publish.logfiles import TrustPolicy, write_log_files
from publish.site import publish_site
from tests.api.conftest import TestClient
from tests.builders import (
    INSTANCE,
    PROJECT,
    PROJECT_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    make_world,
)
from tests.publish.test_logfiles import post_batch
from tests.witness.helpers import CLOCK, witness_signer

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
BASE = f"p/{PROJECT}/log"
OWNERS = witness_signer("hemei-yeweihui", 51)
OFFICE = witness_signer("dongdajie-jiedao", 52)


def register(
    world: World, signer: Signer, *, url: str | None = None, **body: Any
) -> None:
    entry = {
        "name": f"见证人 {signer.name}",
        "vkey": signer.vkey,
        "role": "other",
        **body,
    }
    if url is not None:
        entry["url"] = url
    world.register("WitnessAdded", entry)


def memory_witnesses(world: World, *signers: Signer) -> dict[str, MemoryWitness]:
    """In-process witnesses trusting every log of the world."""
    witnesses = {}
    for signer in signers:
        state = WitnessState()
        for origin in world.ledger.list_origins():
            state = state.trust_log(world.ledger.log_vkey(origin))
        witnesses[signer.key_ref] = MemoryWitness(signer, state)
    return witnesses


@pytest.fixture
def world() -> World:
    world = make_world(POPO)
    register(world, OWNERS, projects=[PROJECT])
    register(world, OFFICE)
    return world


def publish(world: World, out: Path, since_size: int | None = None) -> Any:
    return write_log_files(
        world.ledger, PROJECT_ORIGIN, SiteWriter(out), BASE, since_size=since_size
    )


def note_at(out: Path, name: str) -> SignedNote:
    return SignedNote.from_bytes((out / BASE / name).read_bytes())


# --- collecting ------------------------------------------------------------------------
def test_a_pass_cosigns_each_log_with_the_witnesses_that_cover_it(world: World) -> None:
    post_batch(world, 3)
    transport = in_process_transport(
        memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK
    )
    outcomes = collect_cosignatures(world.ledger, transport=transport)
    asked = {(o.origin, o.witness, o.status) for o in outcomes}
    assert asked == {
        (REGISTRY_ORIGIN, OFFICE.key_ref, "cosigned"),  # OWNERS names a project
        (PROJECT_ORIGIN, OWNERS.key_ref, "cosigned"),
        (PROJECT_ORIGIN, OFFICE.key_ref, "cosigned"),
    }
    # Every checkpoint of the registry, oldest first, not only the latest.
    registry_sizes = [c.size for c in world.ledger.list_checkpoints(REGISTRY_ORIGIN)]
    assert sorted(world.ledger.list_cosignatures(REGISTRY_ORIGIN)) == registry_sizes
    size = world.ledger.log_size(PROJECT_ORIGIN)
    (lines,) = world.ledger.list_cosignatures(PROJECT_ORIGIN).values()
    note = SignedNote.from_text(world.ledger.get_checkpoint(PROJECT_ORIGIN).note)
    cosigned = note.with_signatures(*(NoteSignature.from_line(line) for line in lines))
    for witness in (OWNERS, OFFICE):
        verify_cosignature(cosigned, witness.verifier())
    assert world.ledger.last_cosigned_sizes(PROJECT_ORIGIN) == {
        OWNERS.key_ref: size,
        OFFICE.key_ref: size,
    }
    # A second pass asks nobody again for the same checkpoint.
    again = collect_cosignatures(world.ledger, transport=transport)
    assert {o.status for o in again} == {"already"}


def test_the_next_pass_sends_the_consistency_proof_from_the_last_cosigned_size(
    world: World,
) -> None:
    witnesses = memory_witnesses(world, OWNERS, OFFICE)
    sent: list[bytes] = []
    inner = in_process_transport(witnesses, clock=CLOCK)

    def transport(witness: Witness, body: bytes) -> WitnessReply:
        sent.append(body)
        return inner(witness, body)

    post_batch(world, 3)
    collect_cosignatures(world.ledger, transport=transport, origins=[PROJECT_ORIGIN])
    post_batch(world, 4)
    sent.clear()
    outcomes = collect_cosignatures(
        world.ledger, transport=transport, origins=[PROJECT_ORIGIN]
    )
    assert {o.status for o in outcomes} == {"cosigned"}
    assert all(body.startswith(b"old 3\n") for body in sent)
    assert len(sent) == 2


def test_a_409_is_retried_from_the_size_the_witness_names(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 2)
    folder = WitnessFolder.init(tmp_path / "office", OFFICE.name, signer=OFFICE)
    folder.add_log(world.ledger.log_vkey(PROJECT_ORIGIN))
    # The witness cosigned size 2 out of band: the log does not know.
    folder.add_checkpoint(
        AddCheckpointRequest(0, (), world.ledger.get_checkpoint(PROJECT_ORIGIN).note),
        clock=CLOCK,
    )
    post_batch(world, 3)
    calls: list[bytes] = []
    inner = in_process_transport({OFFICE.key_ref: folder}, clock=CLOCK)

    def transport(witness: Witness, body: bytes) -> WitnessReply:
        if witness.key_ref != OFFICE.key_ref:
            raise WitnessUnreachableError("not in this test")
        calls.append(body)
        return inner(witness, body)

    outcomes = collect_cosignatures(
        world.ledger, transport=transport, origins=[PROJECT_ORIGIN]
    )
    statuses = {o.witness: o.status for o in outcomes}
    assert statuses[OFFICE.key_ref] == "cosigned"
    # Checkpoint 2 (asked from 0, then again from the 2 the witness named: the log
    # keeps its cosignature too), then checkpoint 5 from 2.
    assert [body.split(b"\n", 1)[0] for body in calls] == [
        b"old 0",
        b"old 2",
        b"old 2",
    ]
    assert set(world.ledger.list_cosignatures(PROJECT_ORIGIN)) == {2, 5}


def test_a_witness_that_has_seen_a_larger_tree_is_reported(world: World) -> None:
    post_batch(world, 2)

    def transport(witness: Witness, body: bytes) -> WitnessReply:
        return WitnessReply(409, "text/x.tlog.size", b"900\n")

    outcomes = collect_cosignatures(
        world.ledger, transport=transport, origins=[PROJECT_ORIGIN]
    )
    assert {o.status for o in outcomes} == {"refused"}
    assert all("900" in o.detail for o in outcomes)
    assert world.ledger.list_cosignatures(PROJECT_ORIGIN) == {}


# --- only verified cosignatures are kept ----------------------------------------------
def test_a_cosignature_that_does_not_verify_is_refused_and_not_stored(
    world: World,
) -> None:
    post_batch(world, 2)
    inner = in_process_transport(memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK)

    def transport(witness: Witness, body: bytes) -> WitnessReply:
        reply = inner(witness, body)
        if witness.key_ref == OWNERS.key_ref:  # flip one bit of its signature
            line = NoteSignature.from_line(reply.body.decode())
            forged = bytearray(line.signature)
            forged[-1] ^= 1
            reply = WitnessReply(
                200,
                "text/plain",
                NoteSignature(line.name, line.key_id, bytes(forged)).to_line().encode(),
            )
        return reply

    outcomes = collect_cosignatures(
        world.ledger, transport=transport, origins=[PROJECT_ORIGIN]
    )
    statuses = {o.witness: o.status for o in outcomes}
    assert statuses == {OWNERS.key_ref: "refused", OFFICE.key_ref: "cosigned"}
    (lines,) = world.ledger.list_cosignatures(PROJECT_ORIGIN).values()
    assert [NoteSignature.from_line(line).name for line in lines] == [OFFICE.name]


def test_record_cosignatures_verifies_before_it_stores(world: World) -> None:
    post_batch(world, 2)
    checkpoint = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    note = SignedNote.from_text(checkpoint.note)
    good = cosign_checkpoint(note, OWNERS, timestamp=1_780_000_000).signatures[-1]
    stranger = witness_signer("not-registered", 60)
    unknown = cosign_checkpoint(note, stranger, timestamp=1_780_000_000).signatures[-1]
    bad = NoteSignature(OFFICE.name, OFFICE.key_id, bytes(72))
    with pytest.raises(InvalidSignatureError):
        world.ledger.record_cosignatures(PROJECT_ORIGIN, checkpoint.size, [good, bad])
    assert world.ledger.list_cosignatures(PROJECT_ORIGIN) == {}
    stored = world.ledger.record_cosignatures(
        PROJECT_ORIGIN, checkpoint.size, [unknown, good, good]
    )
    assert stored == [OWNERS.key_ref]  # the stranger's line is ignored, once each
    assert world.ledger.list_cosignatures(PROJECT_ORIGIN) == {
        checkpoint.size: (good.to_line(),)
    }


def test_a_removed_witness_is_not_asked(world: World) -> None:
    post_batch(world, 1)
    world.register("WitnessRemoved", {"key": OWNERS.key_ref, "reason": "换届"})
    transport = in_process_transport(
        memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK
    )
    outcomes = collect_cosignatures(
        world.ledger, transport=transport, origins=[PROJECT_ORIGIN]
    )
    assert [o.witness for o in outcomes] == [OFFICE.key_ref]


def test_kept_cosignatures_survive_a_restart(durable_store_env: dict[str, str]) -> None:
    world = make_world(durable_store_env)
    register(world, OFFICE)
    post_batch(world, 2)
    transport = in_process_transport(memory_witnesses(world, OFFICE), clock=CLOCK)
    collect_cosignatures(world.ledger, transport=transport)
    kept = world.ledger.list_cosignatures(PROJECT_ORIGIN)
    assert kept
    world.ledger.close()
    reopened = LedgerApplication(
        instance=INSTANCE,
        association_vkey=world.association.vkey,
        log_signer_seed=bytes([3]) * 32,
        env=dict(durable_store_env),
    )
    try:
        assert reopened.list_cosignatures(PROJECT_ORIGIN) == kept
        assert reopened.last_cosigned_sizes(PROJECT_ORIGIN) == {OFFICE.key_ref: 2}
    finally:
        reopened.close()


# --- publishing -------------------------------------------------------------------------
def test_published_checkpoints_carry_the_cosignatures_and_meet_the_policy(
    world: World, tmp_path: Path
) -> None:
    transport = in_process_transport(
        memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK
    )
    for count in (2, 3):
        post_batch(world, count)
        collect_cosignatures(world.ledger, transport=transport)
    publication = publish(world, tmp_path)
    assert publication.quorum_shortfall is None
    policy = TrustPolicy.from_bytes((tmp_path / BASE / "policy.txt").read_bytes())
    assert policy.quorum == "majority"
    assert policy.groups[0].required == 2
    for name in ("checkpoint", "checkpoints/2", "checkpoints/5"):
        note = note_at(tmp_path, name)
        assert policy.verify_checkpoint(note).origin == PROJECT_ORIGIN
        assert len(note.signatures) == 3
    # The proofs stay exactly their receipts': log-signed only.
    proof = (tmp_path / BASE / "proofs/0.tlog-proof").read_text()
    assert OWNERS.name not in proof
    assert OFFICE.name not in proof


def test_an_offline_witness_leaves_the_checkpoint_short_and_the_publish_reports_it(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 2)
    inner = in_process_transport(memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK)

    def transport(witness: Witness, body: bytes) -> WitnessReply:
        if witness.key_ref == OWNERS.key_ref:
            raise WitnessUnreachableError("connection refused")
        return inner(witness, body)

    outcomes = collect_cosignatures(
        world.ledger, transport=transport, origins=[PROJECT_ORIGIN]
    )
    assert {o.witness: o.status for o in outcomes} == {
        OWNERS.key_ref: "offline",
        OFFICE.key_ref: "cosigned",
    }
    report = publish_site(world.ledger, tmp_path)
    assert "does not meet the quorum" in report.unwitnessed[PROJECT_ORIGIN]
    note = note_at(tmp_path, "checkpoint")
    assert [s.name for s in note.signatures] == [PROJECT_ORIGIN, OFFICE.name]
    # Once the witness is back, the next pass and publish complete the quorum, and
    # the archived checkpoint file gets the late cosignature too.
    collect_cosignatures(world.ledger, transport=inner, origins=[PROJECT_ORIGIN])
    report = publish_site(world.ledger, tmp_path)
    assert PROJECT_ORIGIN not in report.unwitnessed
    assert len(note_at(tmp_path, "checkpoints/2").signatures) == 3
    assert len(note_at(tmp_path, "checkpoint").signatures) == 3


def test_an_incremental_publish_equals_a_full_one_with_late_cosignatures(
    world: World, tmp_path: Path
) -> None:
    transport = in_process_transport(
        memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK
    )
    post_batch(world, 2)
    publish(world, tmp_path / "inc")
    collect_cosignatures(world.ledger, transport=transport)  # after the first publish
    post_batch(world, 2)
    publication = publish(world, tmp_path / "inc", since_size=2)
    assert f"{BASE}/checkpoints/2" in publication.written
    publish(world, tmp_path / "full")
    inc = {
        p.relative_to(tmp_path / "inc"): p.read_bytes()
        for p in (tmp_path / "inc").rglob("*")
        if p.is_file()
    }
    full = {
        p.relative_to(tmp_path / "full"): p.read_bytes()
        for p in (tmp_path / "full").rglob("*")
        if p.is_file()
    }
    assert inc == full


def test_a_witness_without_a_url_is_reported_offline_by_the_http_transport(
    world: World,
) -> None:
    post_batch(world, 1)
    outcomes = collect_cosignatures(world.ledger, origins=[PROJECT_ORIGIN])
    assert {o.status for o in outcomes} == {"offline"}
    assert all("no url" in o.detail for o in outcomes)


# --- over real HTTP -----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_collection_over_http_from_a_served_witness(tmp_path: Path) -> None:
    world = make_world(POPO)
    folder = WitnessFolder.init(tmp_path / "office", OFFICE.name, signer=OFFICE)
    for origin in world.ledger.list_origins():
        folder.add_log(world.ledger.log_vkey(origin))
    port = _free_port()
    register(world, OFFICE, url=f"http://127.0.0.1:{port}/")
    post_batch(world, 2)
    script = Path(sys.executable).with_name("shuangshai")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGSHAI_")}
    server = subprocess.Popen(
        [script, "witness", "serve", str(folder.path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        outcomes = collect_cosignatures(world.ledger, transport=http_transport)
        assert {(o.origin, o.status) for o in outcomes} == {
            (REGISTRY_ORIGIN, "cosigned"),
            (PROJECT_ORIGIN, "cosigned"),
        }
        assert folder.read_state().logs[PROJECT_ORIGIN].size == 2
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)
    post_batch(world, 1)  # the witness is gone now
    outcomes = collect_cosignatures(world.ledger, origins=[PROJECT_ORIGIN])
    assert [o.status for o in outcomes] == ["offline"]


def test_verify_stored_tree_checks_every_kept_cosignature(world: World) -> None:
    post_batch(world, 2)
    transport = in_process_transport(
        memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK
    )
    collect_cosignatures(world.ledger, transport=transport)
    assert world.ledger.verify_stored_tree(PROJECT_ORIGIN) == 2
    # A cosignature that got into the store without verification (a bug, a tampered
    # database) is found.
    checkpoint = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    forged = NoteSignature(OWNERS.name, OWNERS.key_id, bytes(72))
    world.ledger._store(
        [
            CheckpointCosigned(
                originator_id=stream_id(PROJECT_ORIGIN, "cosignatures"),
                originator_version=3,
                timestamp=datetime.now(UTC),
                origin=PROJECT_ORIGIN,
                size=checkpoint.size,
                root=checkpoint.root.hex(),
                witness=OWNERS.key_ref,
                cosigned_at=0,
                line=forged.to_line(),
            )
        ]
    )
    with pytest.raises(
        LogIntegrityError, match=r"stored cosignature 3 .* does not verify"
    ):
        world.ledger.verify_stored_tree(PROJECT_ORIGIN)


def test_the_http_api_serves_checkpoints_with_their_cosignatures(world: World) -> None:
    transport = in_process_transport(
        memory_witnesses(world, OWNERS, OFFICE), clock=CLOCK
    )
    post_batch(world, 2)
    collect_cosignatures(world.ledger, transport=transport)
    post_batch(world, 1)  # not cosigned yet
    log = f"/v1/projects/{PROJECT}/log"
    with TestClient(create_app(world.ledger)) as client:
        cosigned = SignedNote.from_text(client.get(log + "/checkpoints/2").text)
        latest = SignedNote.from_text(client.get(log + "/checkpoint").text)
    assert [s.name for s in cosigned.signatures] == [
        PROJECT_ORIGIN,
        OWNERS.name,
        OFFICE.name,
    ]
    assert [s.name for s in latest.signatures] == [PROJECT_ORIGIN]
