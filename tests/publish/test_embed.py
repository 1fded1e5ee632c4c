"""The data a statement page embeds for in-browser verification (publish/embed.py)."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.checkpoint import Checkpoint
from domain.errors import InclusionProofError
from domain.merkle import MemoryTree, hash_leaf, inclusion_ranges
from domain.note import SignedNote
from domain.receipts import Receipt
from domain.tiles import decode_entry_bundle
from publish.embed import batch_ranges, root_from_batch_proof
from publish.site import publish_site
from tests.builders import PROJECT_ORIGIN, make_world, revenue_body


def _tree(size: int) -> MemoryTree:
    return MemoryTree(hash_leaf(i.to_bytes(4, "big")) for i in range(size))


@st.composite
def _chosen(draw: st.DrawFn) -> tuple[int, list[int]]:
    size = draw(st.integers(1, 300))
    indices = draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=40))
    return size, sorted(indices)


def _proof(tree: MemoryTree, indices: list[int], size: int) -> list[bytes]:
    from domain.merkle import range_hash

    return [range_hash(a, b, tree.perfect_hash) for a, b in batch_ranges(indices, size)]


@given(_chosen())
def test_a_batch_proof_gives_the_root(case: tuple[int, list[int]]) -> None:
    size, indices = case
    tree = _tree(size)
    leaves = {i: tree.perfect_hash(0, i) for i in indices}

    assert root_from_batch_proof(leaves, size, _proof(tree, indices, size)) == (
        tree.root()
    )


@given(_chosen(), st.data())
def test_a_batch_proof_is_the_inclusion_paths_merged(
    case: tuple[int, list[int]], data: st.DataObject
) -> None:
    size, indices = case
    on_paths = {r for i in indices for r in inclusion_ranges(i, size)}

    assert set(batch_ranges(indices, size)) <= on_paths
    # and a changed leaf or proof hash changes the root
    tree = _tree(size)
    leaves = {i: tree.perfect_hash(0, i) for i in indices}
    proof = _proof(tree, indices, size)
    victim = data.draw(st.sampled_from(indices))
    assert (
        root_from_batch_proof(leaves | {victim: bytes(32)}, size, proof) != tree.root()
    )
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof]
        bad[position] = bytes(32)
        assert root_from_batch_proof(leaves, size, bad) != tree.root()


def test_a_batch_proof_with_a_hash_too_many_or_too_few_is_refused() -> None:
    tree = _tree(10)
    leaves = {7: tree.perfect_hash(0, 7)}
    proof = _proof(tree, [7], 10)
    with pytest.raises(InclusionProofError):
        root_from_batch_proof(leaves, 10, [*proof, bytes(32)])
    with pytest.raises(InclusionProofError):
        root_from_batch_proof(leaves, 10, proof[:-1])


def test_a_page_embeds_its_anchor_leaves_and_proof_and_not_the_latest_checkpoint(
    tmp_path: Path,
) -> None:
    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for i in range(3):
        world.post("CommonRevenueRecorded", revenue_body(1000 + i))
    page = tmp_path / "site/p/jinjiang-hemei/t/common-revenue/2026-Q1.html"
    publish_site(world.ledger, tmp_path / "site")
    before = page.read_bytes()
    # A later entry of another period: the Q1 page's bytes do not change.
    world.post("CommonRevenueRecorded", revenue_body(9) | {"received_on": "2026-05-01"})
    publish_site(world.ledger, tmp_path / "site")
    assert page.read_bytes() == before

    html = before.decode()
    marker = '<script type="application/json" id="shuangshai-entries">'
    data = json.loads(html.split(marker)[1].split("</script>")[0])
    assert data["v"] == 1
    assert data["log"] == PROJECT_ORIGIN
    assert data["entries"] == [0, 1, 2]
    checkpoint = Checkpoint.from_text(SignedNote.from_text(data["checkpoint"]).text)
    assert checkpoint.size == 3  # the first checkpoint covering entry 2
    leaves = decode_entry_bundle(zlib.decompress(base64.b64decode(data["leaves"])))
    assert leaves == [world.ledger.get_entry(PROJECT_ORIGIN, i).leaf for i in range(3)]
    proof = base64.b64decode(data["proof"])
    hashes = [proof[i : i + 32] for i in range(0, len(proof), 32)]
    assert (
        root_from_batch_proof(
            {i: hash_leaf(leaf) for i, leaf in enumerate(leaves)}, 3, hashes
        )
        == checkpoint.root
    )
    assert data["policy"].startswith("# 信任策略")
    registry = data["registry"]
    assert registry["entries"] == [1]  # FirmKeyAdded of the firm's key
    assert registry["association"] == world.association.vkey
    world.ledger.close()


def test_the_anchor_is_the_same_with_or_without_the_published_proof_files(
    tmp_path: Path,
) -> None:
    from publish.embed import LogEmbedder

    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for i in range(4):
        world.post("CommonRevenueRecorded", revenue_body(1000 + i))
    world.post("CommonRevenueRecorded", revenue_body(9) | {"received_on": "2026-05-01"})
    publish_site(world.ledger, tmp_path / "site")
    entries = [(i, world.firm_key.key_ref) for i in (1, 2)]

    def data(site_dir: Path) -> dict[str, object]:
        embedder = LogEmbedder(
            world.ledger,
            PROJECT_ORIGIN,
            world.ledger.get_registry(),
            log_url="p/jinjiang-hemei/log/",
            registry_url="registry/log/",
            site_dir=site_dir,
        )
        return embedder.page_data(entries, page_root="../../../../")

    from_files = data(tmp_path / "site")
    # A proof file that is not the log's is ignored, as is a missing one.
    (tmp_path / "site/p/jinjiang-hemei/log/proofs/2.tlog-proof").write_text("junk\n")
    assert data(tmp_path / "site") == from_files
    assert data(tmp_path / "empty") == from_files
    note = SignedNote.from_text(str(from_files["checkpoint"]))
    assert Checkpoint.from_text(note.text).size == 3
    world.ledger.close()


def test_the_batch_proof_and_leaves_are_the_ledgers_however_they_are_gathered(
    tmp_path: Path,
) -> None:
    """The proof hashes come from the tiles and the leaves may come from the log
    files' run: both must be exactly what per-entry ledger queries give."""
    from domain.merkle import inclusion_ranges
    from publish.embed import LogEmbedder

    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for batch in (3, 1, 7, 2, 30, 5):
        outcomes = world.ledger.submit_batch(
            PROJECT_ORIGIN,
            [
                world.sign(
                    world.payload("CommonRevenueRecorded", revenue_body(100 + i))
                )
                for i in range(batch)
            ],
        )
        assert all(isinstance(outcome, Receipt) for outcome in outcomes)
    size = world.ledger.get_checkpoint(PROJECT_ORIGIN).size
    key = world.firm_key.key_ref

    def embedder(leaves: dict[str, dict[int, bytes]] | None) -> LogEmbedder:
        return LogEmbedder(
            world.ledger,
            PROJECT_ORIGIN,
            world.ledger.get_registry(),
            log_url="p/jinjiang-hemei/log/",
            registry_url="registry/log/",
            site_dir=tmp_path / "none",
            leaves=leaves,
        )

    preloaded = {
        PROJECT_ORIGIN: {
            e.index: e.leaf for e in world.ledger.list_entries(PROJECT_ORIGIN)
        }
    }
    cold, warm = embedder(None), embedder(preloaded)
    pages = [[0], [2, 3], [0, 5, 9, 10], list(range(11, 40)), [size - 1], [4, size - 2]]
    for indices in pages:
        data = cold.page_data([(i, key) for i in indices], page_root="../")
        assert warm.page_data([(i, key) for i in indices], page_root="../") == data
        anchor = Checkpoint.from_text(SignedNote.from_text(data["checkpoint"]).text)
        known: dict[tuple[int, int], bytes] = {}
        for index in indices:
            path = world.ledger.inclusion_proof(PROJECT_ORIGIN, index, anchor.size)
            known.update(zip(inclusion_ranges(index, anchor.size), path, strict=True))
        expected = b"".join(known[r] for r in batch_ranges(indices, anchor.size))
        assert base64.b64decode(data["proof"]) == expected
        leaves = decode_entry_bundle(zlib.decompress(base64.b64decode(data["leaves"])))
        assert leaves == [
            world.ledger.get_entry(PROJECT_ORIGIN, i).leaf for i in indices
        ]
    world.ledger.close()
