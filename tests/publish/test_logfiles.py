"""Tests for publish.logfiles: the signed logs as static C2SP tlog-tiles files.

Everything a third-party verifier would do is done here from the published files
alone: tiles give the checkpoints' roots, bundles give the leaves, every proof
verifies against its archived checkpoint, which is consistent with the latest. The
files are deterministic, and an incremental publish leaves exactly the tree a full
one does while rewriting only what the new entries affect.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.checkpoint import (
    Checkpoint,
    cosign_checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from domain.errors import (
    InvalidSignatureError,
    LogIntegrityError,
    MalformedNoteError,
    NotFoundError,
    VerificationError,
)
from domain.merkle import (
    MemoryTree,
    consistency_proof,
    hash_leaf,
    root,
    verify_consistency,
)
from domain.note import NoteSignature, SignedNote, sign_note
from domain.proof_text import TlogProof, verify_tlog_proof
from domain.receipts import Receipt
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.tiles import (
    TILE_WIDTH,
    decode_entry_bundle,
    parse_tile_path,
    tile_path,
    tile_reader,
    tile_width,
)
from publish.blobs import DirectoryBlobs, blob_path
from publish.files import SiteWriter
from publish.logfiles import (
    LogPublication,
    PolicyGroup,
    PolicyLog,
    PolicyWitness,
    TreeHashes,
    TrustPolicy,
    log_policy,
    tlog_proof_bytes,
    write_log_files,
)
from tests.builders import (
    PROJECT,
    PROJECT_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    make_world,
    project_body,
    revenue_body,
)

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
BASE = f"p/{PROJECT}/log"


# --- helpers --------------------------------------------------------------------
@pytest.fixture
def world() -> World:
    return make_world(POPO)


def post_batch(world: World, count: int) -> list[Receipt]:
    """Post ``count`` revenue entries in one batch (one checkpoint)."""
    submissions = [
        world.sign(world.payload("CommonRevenueRecorded", revenue_body(100 + i)))
        for i in range(count)
    ]
    outcomes = world.ledger.submit_batch(PROJECT_ORIGIN, submissions)
    receipts = [outcome for outcome in outcomes if isinstance(outcome, Receipt)]
    assert len(receipts) == count
    return receipts


def publish(
    world: World,
    root_dir: Path,
    *,
    since_size: int | None = None,
    origin: str = PROJECT_ORIGIN,
    base: str = BASE,
    blobs: DirectoryBlobs | None = None,
) -> tuple[LogPublication, SiteWriter]:
    writer = SiteWriter(root_dir)
    publication = write_log_files(
        world.ledger, origin, writer, base, since_size=since_size, blobs=blobs
    )
    return publication, writer


def tree(root_dir: Path) -> dict[str, str]:
    """Every file under ``root_dir`` and the SHA-256 of its bytes."""
    return {
        path.relative_to(root_dir).as_posix(): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in sorted(root_dir.rglob("*"))
        if path.is_file()
    }


def log_files(root_dir: Path, base: str = BASE) -> Iterator[tuple[str, bytes]]:
    log_dir = root_dir / base
    for path in sorted(log_dir.rglob("*")):
        if path.is_file():
            yield path.relative_to(log_dir).as_posix(), path.read_bytes()


def published_tiles(
    root_dir: Path, base: str = BASE
) -> dict[tuple[int, int, int], bytes]:
    """Hash tiles by (level, index, width)."""
    tiles: dict[tuple[int, int, int], bytes] = {}
    for relative, data in log_files(root_dir, base):
        if relative.startswith("tile/") and not relative.startswith("tile/entries/"):
            level, index, width = parse_tile_path(relative)
            assert level is not None
            tiles[(level, index, width)] = data
    return tiles


def reader_at(root_dir: Path, size: int, base: str = BASE) -> Any:
    """A PerfectHash reading published tiles as a client holding ``size`` would.

    It asks for the partial tile of the width ``size`` implies and, as tlog-tiles
    allows, falls back to the full tile once that exists.
    """
    log_dir = root_dir / base

    def read_tile(level: int, index: int) -> bytes:
        full = log_dir / tile_path(level, index)
        if full.is_file():
            return full.read_bytes()
        return (
            log_dir / tile_path(level, index, tile_width(level, index, size))
        ).read_bytes()

    return tile_reader(read_tile)


def checkpoint_file(root_dir: Path, name: str, base: str = BASE) -> SignedNote:
    return SignedNote.from_text((root_dir / base / name).read_text(encoding="utf-8"))


def witness_signer(name: str, seed: int) -> Signer:
    return Signer.from_seed(name, bytes([seed]) * 32, alg=ALG_COSIGNATURE_V1)


def add_witness(
    world: World, signer: Signer, *, projects: list[str] | None = None
) -> None:
    body: dict[str, Any] = {
        "name": f"见证人 {signer.name}",
        "vkey": signer.vkey,
        "role": "owners-committee",
    }
    if projects is not None:
        body["projects"] = projects
    world.register("WitnessAdded", body)


# --- tiles, bundles, proofs, checkpoints -----------------------------------------
def test_every_published_tile_equals_the_ledger_s_tile_hashes(
    world: World, tmp_path: Path
) -> None:
    for count in (3, 250, 10, 300):
        post_batch(world, count)
    publication, _ = publish(world, tmp_path)
    tiles = published_tiles(tmp_path)
    assert (0, 0, TILE_WIDTH) in tiles
    assert (1, 0, 2) in tiles
    for (level, index, width), data in tiles.items():
        expected = world.ledger.tile_hashes(
            PROJECT_ORIGIN, level, index, width, publication.size
        )
        assert data == b"".join(expected)


def test_reading_the_published_tiles_back_gives_every_checkpoint_s_root(
    world: World, tmp_path: Path
) -> None:
    for count in (1, 4, 251, 7, 300):
        post_batch(world, count)
    publish(world, tmp_path)
    checkpoints = list(world.ledger.list_checkpoints(PROJECT_ORIGIN))
    assert [c.size for c in checkpoints] == [1, 5, 256, 263, 563]
    for checkpoint in checkpoints:
        assert (
            root(checkpoint.size, reader_at(tmp_path, checkpoint.size))
            == checkpoint.root
        )


def test_every_entry_bundle_decodes_to_the_leaves(world: World, tmp_path: Path) -> None:
    for count in (5, 260):
        post_batch(world, count)
    publish(world, tmp_path)
    leaves = [entry.leaf for entry in world.ledger.list_entries(PROJECT_ORIGIN)]
    bundles = [
        name for name, _ in log_files(tmp_path) if name.startswith("tile/entries/")
    ]
    assert bundles == ["tile/entries/000", "tile/entries/001.p/9"]
    for relative, data in log_files(tmp_path):
        if relative.startswith("tile/entries/"):
            _, index, width = parse_tile_path(relative)
            first = index * TILE_WIDTH
            assert (
                decode_entry_bundle(data, width=width) == leaves[first : first + width]
            )


def test_every_proof_file_is_the_receipt_the_poster_got_and_verifies(
    world: World, tmp_path: Path
) -> None:
    receipts = [world.revenue(), *post_batch(world, 6), *post_batch(world, 3)]
    publish(world, tmp_path)
    log_key = world.ledger.log_signer(PROJECT_ORIGIN).verifier()
    proofs = [name for name, _ in log_files(tmp_path) if name.startswith("proofs/")]
    assert len(proofs) == len(receipts)
    for receipt in receipts:
        data = (tmp_path / BASE / f"proofs/{receipt.index}.tlog-proof").read_bytes()
        assert data == receipt.proof.to_bytes()
        proof = TlogProof.from_bytes(data)
        checkpoint = verify_tlog_proof(proof, leaf=receipt.leaf, log_key=log_key)
        # It proves the entry against the first checkpoint that covers it, archived.
        archived = checkpoint_file(tmp_path, f"checkpoints/{checkpoint.size}")
        assert archived == proof.checkpoint
    sizes = {
        TlogProof.from_bytes(data).checkpoint.text.split("\n")[1]
        for name, data in log_files(tmp_path)
        if name.startswith("proofs/")
    }
    assert sizes == {"1", "7", "10"}


def test_every_archived_checkpoint_is_consistent_with_the_latest(
    world: World, tmp_path: Path
) -> None:
    for count in (2, 254, 1, 40):
        post_batch(world, count)
    publish(world, tmp_path)
    log_key = world.ledger.log_signer(PROJECT_ORIGIN).verifier()
    latest, _ = open_checkpoint(
        (tmp_path / BASE / "checkpoint").read_text(encoding="utf-8"), log_key
    )
    archived = sorted(
        int(name.removeprefix("checkpoints/"))
        for name, _ in log_files(tmp_path)
        if name.startswith("checkpoints/")
    )
    assert archived == [2, 256, 257, 297]
    assert latest.size == 297
    reader = reader_at(tmp_path, latest.size)
    for size in archived:
        old, _ = open_checkpoint(
            (tmp_path / BASE / f"checkpoints/{size}").read_text(encoding="utf-8"),
            log_key,
        )
        verify_consistency(
            old_size=old.size,
            new_size=latest.size,
            old_root=old.root,
            new_root=latest.root,
            proof=consistency_proof(old.size, latest.size, reader),
        )


def test_the_checkpoint_file_is_the_latest_signed_checkpoint(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 3)
    publication, _ = publish(world, tmp_path)
    latest = world.ledger.get_checkpoint(PROJECT_ORIGIN)
    assert (tmp_path / BASE / "checkpoint").read_text(encoding="utf-8") == latest.note
    assert publication.size == 3
    assert publication.checkpoints == (3,)


# --- determinism and incrementality ------------------------------------------------
def test_publishing_twice_gives_identical_bytes(world: World, tmp_path: Path) -> None:
    for count in (4, 300):
        post_batch(world, count)
    publish(world, tmp_path / "a")
    publish(world, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    again, writer = publish(world, tmp_path / "a")
    assert again.written == ()
    assert writer.written == []


def test_an_incremental_publish_after_one_entry_rewrites_only_what_it_affects(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 10)
    publish(world, tmp_path / "site")
    world.revenue()
    publication, writer = publish(world, tmp_path / "site", since_size=10)
    assert sorted(publication.written) == sorted(
        f"{BASE}/{name}"
        for name in (
            "checkpoint",
            "checkpoints/11",
            "proofs/10.tlog-proof",
            "tile/0/000.p/11",
            "tile/entries/000.p/11",
        )
    )
    assert writer.written == list(publication.written)
    assert publication.removed == ()
    assert writer.stale() == []
    # The tree equals a full publish of the same log, partial tile of size 10 included.
    publish(world, tmp_path / "full")
    assert tree(tmp_path / "site") == tree(tmp_path / "full")
    assert (tmp_path / "site" / BASE / "tile/0/000.p/10").is_file()


def test_crossing_a_tile_boundary_completes_the_tile_and_drops_its_partials(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 200)
    post_batch(world, 55)
    publish(world, tmp_path / "site")
    assert (tmp_path / "site" / BASE / "tile/0/000.p/255").is_file()
    world.revenue()
    publication, writer = publish(world, tmp_path / "site", since_size=255)
    assert sorted(publication.written) == sorted(
        f"{BASE}/{name}"
        for name in (
            "checkpoint",
            "checkpoints/256",
            "proofs/255.tlog-proof",
            "tile/0/000",
            "tile/entries/000",
            "tile/1/000.p/1",
        )
    )
    assert sorted(publication.removed) == sorted(
        f"{BASE}/{name}"
        for name in (
            "tile/0/000.p/200",
            "tile/0/000.p/255",
            "tile/entries/000.p/200",
            "tile/entries/000.p/255",
        )
    )
    assert writer.stale() == []
    publish(world, tmp_path / "full")
    assert tree(tmp_path / "site") == tree(tmp_path / "full")


@pytest.mark.parametrize(
    "batches",
    [
        [[1], [1], [1]],
        [[3, 4], [250], [1, 1, 300]],
        [[256], [255, 1], [65]],
        [[100, 100, 100], [], [56, 200]],
    ],
    ids=["one-by-one", "across-256", "exact-boundaries", "nothing-new"],
)
def test_publishing_after_every_few_batches_leaves_the_tree_of_a_full_publish(
    tmp_path: Path, batches: list[list[int]]
) -> None:
    world = make_world(POPO)
    published: int | None = None
    for rounds in batches:
        for count in rounds:
            post_batch(world, count)
        publication, writer = publish(world, tmp_path / "site", since_size=published)
        assert writer.stale() == []
        published = publication.size
    publish(world, tmp_path / "full")
    assert tree(tmp_path / "site") == tree(tmp_path / "full")


def test_partial_tiles_of_every_checkpoint_size_are_kept_until_the_tile_is_full(
    world: World, tmp_path: Path
) -> None:
    for count in (3, 2, 4):
        post_batch(world, count)
    publish(world, tmp_path)
    names = {name for name, _ in log_files(tmp_path) if name.startswith("tile/")}
    assert names == {
        f"tile/{kind}/000.p/{width}" for kind in ("0", "entries") for width in (3, 5, 9)
    }


def test_a_published_size_beyond_the_log_is_refused(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 2)
    with pytest.raises(LogIntegrityError, match="not this log's"):
        publish(world, tmp_path, since_size=3)


def test_a_log_with_no_checkpoint_gets_only_its_policy(
    world: World, tmp_path: Path
) -> None:
    world.register("ProjectRegistered", project_body("empty-estate"))
    origin = world.ledger.project_origin("empty-estate")
    publication, _ = publish(world, tmp_path, origin=origin, base="p/empty-estate/log")
    assert publication.size == 0
    assert [name for name, _ in log_files(tmp_path, "p/empty-estate/log")] == [
        "policy.txt"
    ]


def test_the_registry_log_is_published_the_same_way(
    world: World, tmp_path: Path
) -> None:
    publication, _ = publish(
        world, tmp_path, origin=REGISTRY_ORIGIN, base="registry/log"
    )
    assert publication.size == 4
    log_key = world.ledger.log_signer(REGISTRY_ORIGIN).verifier()
    for entry in world.ledger.list_entries(REGISTRY_ORIGIN):
        data = (tmp_path / f"registry/log/proofs/{entry.index}.tlog-proof").read_bytes()
        verify_tlog_proof(TlogProof.from_bytes(data), leaf=entry.leaf, log_key=log_key)
    latest = world.ledger.get_checkpoint(REGISTRY_ORIGIN)
    assert root(4, reader_at(tmp_path, 4, "registry/log")) == latest.root


def test_an_incremental_publish_of_one_entry_to_a_10000_entry_log_is_fast(
    world: World, tmp_path: Path
) -> None:
    for _ in range(10):
        post_batch(world, 1000)
    publish(world, tmp_path)
    world.revenue()
    started = time.perf_counter()
    publication, _ = publish(world, tmp_path, since_size=10_000)
    elapsed = time.perf_counter() - started
    assert len(publication.written) == 5
    assert elapsed < 0.3, f"incremental publish took {elapsed:.3f} s"


# --- attachments -----------------------------------------------------------------
def attach(world: World, *files: bytes) -> Receipt:
    attachments = [
        {
            "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": "application/pdf",
            "bytes": len(data),
        }
        for data in files
    ]
    return world.post("CommonRevenueRecorded", revenue_body(), attachments=attachments)


def test_attachments_are_published_by_their_hash(world: World, tmp_path: Path) -> None:
    store = DirectoryBlobs(tmp_path / "blobs")
    invoice = "发票 2026-02".encode()
    name = store.put(invoice)
    attach(world, invoice)
    publication, _ = publish(world, tmp_path / "site", blobs=store)
    assert publication.missing_blobs == ()
    published = tmp_path / "site" / BASE / "blobs" / blob_path(name)
    assert published.read_bytes() == invoice
    assert hashlib.sha256(published.read_bytes()).hexdigest() == name


def test_a_missing_attachment_is_listed_and_the_log_still_publishes(
    world: World, tmp_path: Path
) -> None:
    attach(world, b"never stored")
    publication, _ = publish(
        world, tmp_path / "site", blobs=DirectoryBlobs(tmp_path / "blobs")
    )
    assert publication.missing_blobs == (hashlib.sha256(b"never stored").hexdigest(),)
    assert (tmp_path / "site" / BASE / "proofs/0.tlog-proof").is_file()
    assert not (tmp_path / "site" / BASE / "blobs").exists()


def test_a_blob_whose_bytes_do_not_match_its_hash_is_not_published(
    world: World, tmp_path: Path
) -> None:
    store = DirectoryBlobs(tmp_path / "blobs")
    name = store.put(b"the real invoice")
    (tmp_path / "blobs" / blob_path(name)).write_bytes(b"a forged invoice")
    attach(world, b"the real invoice")
    publication, _ = publish(world, tmp_path / "site", blobs=store)
    assert publication.corrupt_blobs == (name,)
    assert publication.missing_blobs == (name,)
    assert not (tmp_path / "site" / BASE / "blobs" / blob_path(name)).exists()


def test_a_published_blob_stays_when_the_source_no_longer_has_it(
    world: World, tmp_path: Path
) -> None:
    store = DirectoryBlobs(tmp_path / "blobs")
    name = store.put(b"minutes of the owners' meeting")
    attach(world, b"minutes of the owners' meeting")
    publish(world, tmp_path / "site", blobs=store)
    publication, writer = publish(world, tmp_path / "site", blobs=None)
    assert publication.missing_blobs == ()
    assert writer.stale() == []
    assert (tmp_path / "site" / BASE / "blobs" / blob_path(name)).is_file()


def test_an_incremental_publish_writes_only_the_new_entries_blobs(
    world: World, tmp_path: Path
) -> None:
    store = DirectoryBlobs(tmp_path / "blobs")
    first, second = store.put(b"first"), store.put(b"second")
    attach(world, b"first")
    publish(world, tmp_path / "site", blobs=store)
    attach(world, b"second", b"first")
    publication, writer = publish(world, tmp_path / "site", since_size=1, blobs=store)
    assert f"{BASE}/blobs/{blob_path(second)}" in publication.written
    assert f"{BASE}/blobs/{blob_path(first)}" not in publication.written
    assert writer.stale() == []


def test_a_directory_blob_store_returns_what_was_put(tmp_path: Path) -> None:
    store = DirectoryBlobs(tmp_path)
    name = store.put(b"data")
    assert store.put(b"data") == name == hashlib.sha256(b"data").hexdigest()
    assert store.get(name) == b"data"
    assert store.get("0" * 64) is None


@pytest.mark.parametrize("name", ["../etc/passwd", "A" * 64, "0" * 63, ""])
def test_a_directory_blob_store_refuses_names_that_are_not_sha256_hex(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(NotFoundError, match="SHA-256"):
        DirectoryBlobs(tmp_path).get(name)


# --- policy ------------------------------------------------------------------------
def test_a_log_without_witnesses_needs_no_cosignature(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 1)
    publish(world, tmp_path)
    text = (tmp_path / BASE / "policy.txt").read_text(encoding="utf-8")
    assert text == (
        "# 信任策略 / trust policy (c2sp.org/tlog-policy)\n"
        f"log {world.ledger.log_vkey(PROJECT_ORIGIN)}\n"
        "\n"
        "quorum none\n"
    )
    policy = TrustPolicy.from_text(text)
    policy.verify_checkpoint(checkpoint_file(tmp_path, "checkpoint"))


def test_the_policy_lists_the_witnesses_covering_the_log_and_a_majority_quorum(
    world: World, tmp_path: Path
) -> None:
    world.register("ProjectRegistered", project_body("other-estate"))
    everywhere = witness_signer("street-office", 11)
    ours = witness_signer("hemei-owners", 12)
    theirs = witness_signer("other-owners", 13)
    gone = witness_signer("old-auditor", 14)
    auditor = witness_signer("auditor", 15)
    add_witness(world, everywhere)
    add_witness(world, ours, projects=[PROJECT])
    add_witness(world, theirs, projects=["other-estate"])
    add_witness(world, gone)
    world.register("WitnessRemoved", {"key": gone.key_ref, "reason": "合同到期"})
    add_witness(world, auditor, projects=["other-estate", PROJECT])
    policy = log_policy(world.ledger, PROJECT_ORIGIN, require_cosignatures=True)
    assert [w.name for w in policy.witnesses] == [
        everywhere.key_ref,
        ours.key_ref,
        auditor.key_ref,
    ]
    assert policy.groups == (
        PolicyGroup("majority", "2", tuple(w.name for w in policy.witnesses)),
    )
    assert policy.quorum == "majority"
    assert policy.witnesses[0].comment == (
        "见证人 street-office（业委会），登记册第 5 条 / owners-committee, registry entry 5"
    )
    registry_policy = log_policy(
        world.ledger, REGISTRY_ORIGIN, require_cosignatures=True
    )
    assert [w.name for w in registry_policy.witnesses] == [everywhere.key_ref]
    assert registry_policy.groups[0].threshold == "1"


def test_a_witness_key_registered_twice_under_two_names_is_listed_once(
    world: World,
) -> None:
    first = witness_signer("first-name", 16)
    second = Signer.from_seed("second-name", first.seed, alg=ALG_COSIGNATURE_V1)
    add_witness(world, first)
    add_witness(world, second)
    policy = log_policy(world.ledger, PROJECT_ORIGIN, require_cosignatures=True)
    assert [w.name for w in policy.witnesses] == [first.key_ref]


def test_a_checkpoint_meets_the_policy_only_with_a_majority_of_cosignatures(
    world: World, tmp_path: Path
) -> None:
    signers = [witness_signer(f"w{i}", 20 + i) for i in range(3)]
    for signer in signers:
        add_witness(world, signer)
    post_batch(world, 2)
    publish(world, tmp_path)
    policy = log_policy(world.ledger, PROJECT_ORIGIN, require_cosignatures=True)
    note = checkpoint_file(tmp_path, "checkpoint")
    with pytest.raises(InvalidSignatureError, match="does not meet the quorum"):
        policy.verify_checkpoint(note)
    once = cosign_checkpoint(note, signers[0], timestamp=1_772_330_000)
    with pytest.raises(InvalidSignatureError, match="cosigned by w0"):
        policy.verify_checkpoint(once)
    twice = cosign_checkpoint(once, signers[2], timestamp=1_772_330_001)
    assert policy.verify_checkpoint(twice).size == 2
    forged = SignedNote(
        twice.text,
        (
            *twice.signatures[:-1],
            NoteSignature(signers[2].name, signers[2].key_id, bytes(72)),
        ),
    )
    with pytest.raises(InvalidSignatureError):
        policy.verify_checkpoint(forged)


def test_a_checkpoint_of_another_log_does_not_meet_the_policy(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 1)
    registry_note = SignedNote.from_text(
        world.ledger.get_checkpoint(REGISTRY_ORIGIN).note
    )
    with pytest.raises(InvalidSignatureError, match="none of the policy's logs"):
        log_policy(
            world.ledger, PROJECT_ORIGIN, require_cosignatures=True
        ).verify_checkpoint(registry_note)


def test_a_policy_whose_log_key_is_not_the_origin_is_refused(world: World) -> None:
    post_batch(world, 1)
    note = SignedNote.from_text(world.ledger.get_checkpoint(PROJECT_ORIGIN).note)
    impostor = Signer.from_seed("someone-else", bytes([3]) * 32)
    forged = sign_note(note.text, impostor)
    policy = TrustPolicy((PolicyLog(impostor.vkey),), (), (), "none")
    with pytest.raises(VerificationError, match="is not the name of the log key"):
        policy.verify_checkpoint(forged)


def test_the_policy_is_rewritten_only_when_the_registry_changes_it(
    world: World, tmp_path: Path
) -> None:
    post_batch(world, 1)
    publish(world, tmp_path)
    post_batch(world, 1)
    publication, _ = publish(world, tmp_path, since_size=1)
    assert f"{BASE}/policy.txt" not in publication.written
    add_witness(world, witness_signer("late", 30))
    publication, _ = publish(world, tmp_path, since_size=2)
    assert publication.written == (f"{BASE}/policy.txt",)


def test_a_policy_round_trips_through_its_text(world: World) -> None:
    signers = [witness_signer(f"w{i}", 40 + i) for i in range(2)]
    for signer in signers:
        add_witness(world, signer)
    policy = log_policy(world.ledger, PROJECT_ORIGIN, require_cosignatures=True)
    text = policy.to_text()
    assert TrustPolicy.from_text(text) == policy
    assert TrustPolicy.from_text(text).to_text() == text


def test_a_policy_with_groups_of_groups_is_read_as_tlog_policy_defines_it() -> None:
    keys = [witness_signer(f"x{i}", 50 + i) for i in range(4)]
    log = Signer.from_seed("example.com/log", bytes([60]) * 32)
    text = (
        "# a comment\n"
        f"  log\t{log.vkey} https://example.com/log/\n"
        f"witness X1 {keys[0].vkey}\n"
        f"witness X2 {keys[1].vkey}\n"
        "group X any X1 X2\n"
        f"witness Y1 {keys[2].vkey} https://y1.example/\n"
        f"witness Y2 {keys[3].vkey}\n"
        "group Y all Y1 Y2\n"
        "group X-and-Y 2 X Y\n"
        "quorum X-and-Y\n"
    )
    policy = TrustPolicy.from_text(text)
    assert policy.logs == (PolicyLog(log.vkey, "https://example.com/log/"),)
    assert [g.required for g in policy.groups] == [1, 2, 2]
    assert policy.witnesses[2] == PolicyWitness(
        "Y1", keys[2].vkey, "https://y1.example/"
    )
    assert TrustPolicy.from_text(policy.to_text()) == policy


def test_a_policy_can_be_built_and_verified_without_parsing() -> None:
    log = Signer.from_seed("example.com/log", bytes([61]) * 32)
    witness = witness_signer("solo", 62)
    policy = TrustPolicy(
        (PolicyLog(log.vkey),),
        (PolicyWitness("solo", witness.vkey),),
        (),
        "solo",
    )
    note = sign_checkpoint(Checkpoint("example.com/log", 1, bytes(32)), log)
    with pytest.raises(InvalidSignatureError):
        policy.verify_checkpoint(note)
    assert (
        policy.verify_checkpoint(cosign_checkpoint(note, witness, timestamp=1)).size
        == 1
    )


WITNESS = witness_signer("w", 70)
OTHER = witness_signer("v", 71)
LOG = Signer.from_seed("example.com/log", bytes([72]) * 32)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no quorum line"),
        ("quorum none", "does not end in a newline"),
        ("quorum none\nquorum none\n", "more than one quorum"),
        ("quorum w\n", "not 'none' or a witness or group defined before it"),
        (f"quorum w\nwitness w {WITNESS.vkey}\n", "defined before it"),
        ("frobnicate 3\nquorum none\n", "unknown keyword 'frobnicate'"),
        (f"log {LOG.vkey}\nlog {LOG.vkey}\nquorum none\n", "listed twice"),
        (f"log {WITNESS.vkey}\nquorum none\n", "not Ed25519"),
        (f"witness w {LOG.vkey}\nquorum none\n", "not cosignature/v1"),
        (f"witness none {WITNESS.vkey}\nquorum none\n", "reserved"),
        (
            f"witness w {WITNESS.vkey}\nwitness w {OTHER.vkey}\nquorum none\n",
            "already defined",
        ),
        (
            f"witness w {WITNESS.vkey}\nwitness v {WITNESS.vkey}\nquorum none\n",
            "already listed",
        ),
        (f"witness w {WITNESS.vkey}\ngroup g 2 w\nquorum g\n", "not between 1 and"),
        (f"witness w {WITNESS.vkey}\ngroup g 01 w\nquorum g\n", "no leading zeroes"),
        (f"witness w {WITNESS.vkey}\ngroup g 0 w\nquorum g\n", "no leading zeroes"),
        (f"witness w {WITNESS.vkey}\ngroup g any w w\nquorum g\n", "member twice"),
        (f"witness w {WITNESS.vkey}\ngroup g any\nquorum g\n", "group line is"),
        (f"witness w {WITNESS.vkey}\ngroup g any none\nquorum g\n", "member 'none'"),
        ("witness w not-a-key\nquorum none\n", "witness 'w'"),
        ("log\nquorum none\n", "a log line is"),
        ("quorum none\x0c\n", "control character U\\+000C"),
        (f"witness w {WITNESS.vkey} a b\nquorum none\n", "a witness line is"),
    ],
)
def test_a_malformed_policy_is_refused_with_its_reason(text: str, message: str) -> None:
    with pytest.raises(MalformedNoteError, match=message):
        TrustPolicy.from_text(text)


def test_a_policy_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(MalformedNoteError, match="not valid UTF-8"):
        TrustPolicy.from_bytes(b"quorum none\xff\n")


def test_a_policy_names_its_failing_line() -> None:
    with pytest.raises(MalformedNoteError, match="policy line 3: "):
        TrustPolicy.from_text("# ok\n\nbogus\nquorum none\n")


# --- persistence -------------------------------------------------------------------
def test_a_sqlite_ledger_publishes_the_same_bytes_as_a_memory_one(
    tmp_path: Path,
) -> None:
    sqlite = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
    }
    published = []
    for name, env in (("memory", POPO), ("sqlite", sqlite)):
        world = make_world(env)
        post_batch(world, 250)
        publish(world, tmp_path / name)
        post_batch(world, 10)
        publication, writer = publish(world, tmp_path / name, since_size=250)
        assert writer.stale() == []
        assert publication.size == 260
        published.append(tree(tmp_path / name))
    assert published[0] == published[1]


def test_published_policies_require_a_majority_of_the_covering_witnesses(
    world: World,
) -> None:
    # The log collects cosignatures (api/cosigning.py), so the published policy asks
    # for a strict majority of its witnesses; with one witness, that one.
    witness = Signer.from_seed(
        "hemei-owners-committee", b"\x05" * 32, alg=ALG_COSIGNATURE_V1
    )
    world.register(
        "WitnessAdded",
        {
            "name": "和美花园业主委员会",
            "vkey": witness.vkey,
            "role": "owners-committee",
            "url": "https://yeweihui.example/witness",
        },
    )
    policy = log_policy(world.ledger, PROJECT_ORIGIN)
    assert [w.name for w in policy.witnesses] == [witness.key_ref]
    assert policy.witnesses[0].url == "https://yeweihui.example/witness"
    assert policy.groups == (PolicyGroup("majority", "1", (witness.key_ref,)),)
    assert policy.quorum == "majority"


# --- proofs computed from the tiles -------------------------------------------------
_BIG = MemoryTree(hash_leaf(i.to_bytes(4, "big")) for i in range(70_000))


class _TileSource:
    """Just the ``tile_hashes`` of a PublishSource, over a reference tree."""

    def __init__(self, reference: MemoryTree) -> None:
        self.reference = reference
        self.calls = 0

    def tile_hashes(
        self, origin: str, level: int, index: int, width: int, size: int
    ) -> list[bytes]:
        self.calls += 1
        first, height = index * TILE_WIDTH, 8 * level
        assert 0 < width <= TILE_WIDTH
        assert (first + width) << height <= size
        return [
            self.reference.perfect_hash(height, i) for i in range(first, first + width)
        ]


@given(
    st.integers(1, 70_000).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.lists(
                st.integers(1, size).flatmap(
                    lambda cp: st.tuples(st.integers(0, cp - 1), st.just(cp))
                ),
                min_size=1,
                max_size=30,
            ),
        )
    )
)
@settings(max_examples=150, deadline=None)
def test_proofs_from_the_tiles_are_the_rfc_proofs(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    size, wanted = case
    source = _TileSource(_BIG)
    hashes = TreeHashes(source, PROJECT_ORIGIN, size)  # type: ignore[arg-type]

    for index, checkpoint_size in wanted:  # one instance: its memo is shared
        assert hashes.inclusion_proof(index, checkpoint_size) == _BIG.inclusion_proof(
            index, checkpoint_size
        )


def test_proofs_of_a_whole_log_read_each_tile_once() -> None:
    source = _TileSource(_BIG)
    hashes = TreeHashes(source, PROJECT_ORIGIN, 1_000)  # type: ignore[arg-type]

    for index in range(1_000):
        assert hashes.inclusion_proof(index, 1_000) == _BIG.inclusion_proof(
            index, 1_000
        )
    assert source.calls == 4 + 1  # level-0 tiles 0-3, level-1 tile 0


def test_a_tile_with_a_short_hash_is_refused() -> None:
    class Short(_TileSource):
        def tile_hashes(self, *args: Any) -> list[bytes]:
            return [h[:31] for h in super().tile_hashes(*args)]

    hashes = TreeHashes(Short(_BIG), PROJECT_ORIGIN, 300)  # type: ignore[arg-type]
    with pytest.raises(LogIntegrityError, match="not 32 bytes"):
        hashes.inclusion_proof(3, 300)


@given(
    st.integers(0, 2**64 - 1),
    st.lists(st.binary(min_size=32, max_size=32), max_size=64),
    st.integers(1, 2**40),
    st.integers(0, 3),
)
@settings(max_examples=100, deadline=None)
def test_the_proof_text_is_tlog_proofs(
    index: int, proof: list[bytes], size: int, cosigners: int
) -> None:
    log_key = Signer.from_seed("example.org/log", bytes([5]) * 32)
    note = sign_checkpoint(
        Checkpoint("example.org/log", size, bytes(range(32))), log_key
    )
    for number in range(cosigners):
        witness = Signer.from_seed(
            f"witness-{number}", bytes([9 + number]) * 32, alg=ALG_COSIGNATURE_V1
        )
        note = cosign_checkpoint(note, witness, timestamp=1_700_000_000 + number)

    expected = TlogProof(index=index, hashes=tuple(proof), checkpoint=note).to_bytes()
    assert tlog_proof_bytes(index, proof, "\n" + note.to_text()) == expected


def test_a_full_publish_gives_every_entry_the_proof_the_ledger_gives(
    world: World, tmp_path: Path
) -> None:
    for count in (3, 1, 300, 2):
        post_batch(world, count)
    publish(world, tmp_path)

    checkpoints = list(world.ledger.list_checkpoints(PROJECT_ORIGIN))
    size = checkpoints[-1].size
    for index in range(size):
        proof = TlogProof.from_bytes(
            (tmp_path / BASE / f"proofs/{index}.tlog-proof").read_bytes()
        )
        anchor = next(c for c in checkpoints if c.size > index)
        assert proof.checkpoint.to_text() == anchor.note
        assert list(proof.hashes) == world.ledger.inclusion_proof(
            PROJECT_ORIGIN, index, anchor.size
        )
