"""PublishedInstance: a published site read back as a ledger, from its log files alone.

It must answer every query of :class:`~publish.source.PublishSource` exactly as the
ledger that published the site does (entries, checkpoints, proofs, roots, tiles,
registry), from a folder and over http; publishing from it must give the very same
tree; and a published file that contradicts the others must raise an error that
names it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from domain.application import LedgerApplication
from domain.errors import (
    CheckpointNotFoundError,
    EntryNotFoundError,
    LedgerError,
    LogNotFoundError,
    PublishedFileError,
    PublishedFileNotFoundError,
)
from domain.tiles import TILE_WIDTH, entries_path, tile_path, tile_width
from publish.published_log import PublishedInstance
from publish.site import publish_site
from publish.source import PublishSource
from tests.audit_pages.conftest import Demo

HEMINGYUAN = "p/jinjiang-hemingyuan/log"


def as_sources(
    ledger: LedgerApplication, published: PublishedInstance
) -> list[PublishSource]:
    """Both satisfy the protocol publish_site takes (mypy --strict checks this)."""
    return [ledger, published]


def site_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# ---------------------------------------------------------------- same answers
def test_the_registry_names_and_keys_are_the_ledgers(
    demo: Demo, ledger: LedgerApplication
) -> None:
    published = PublishedInstance(demo.site)
    assert as_sources(ledger, published)
    assert published.registry_origin == ledger.registry_origin
    assert published.instance == ledger.instance
    assert published.association_key == ledger.association_key
    assert published.get_registry() == ledger.get_registry()
    assert published.list_origins() == ledger.list_origins()
    assert len(published.list_origins()) == 3  # the registry and two estates
    for origin in ledger.list_origins():
        assert published.log_vkey(origin) == ledger.log_vkey(origin)
    assert published.project_origin("x") == ledger.project_origin("x")


def test_entries_and_checkpoints_are_the_ledgers(
    demo: Demo, ledger: LedgerApplication
) -> None:
    published = PublishedInstance(demo.site)
    for origin in ledger.list_origins():
        size = ledger.log_size(origin)
        assert published.log_size(origin) == size
        assert list(published.list_entries(origin)) == list(ledger.list_entries(origin))
        for start, stop in [
            (0, 1),
            (3, 300),
            (255, 257),
            (size - 1, None),
            (size, None),
        ]:
            assert list(published.list_entries(origin, start=start, stop=stop)) == list(
                ledger.list_entries(origin, start=start, stop=stop)
            ), (origin, start, stop)
        for index in {0, size // 2, size - 1}:
            assert published.get_entry(origin, index) == ledger.get_entry(origin, index)
            assert (
                published.get_receipt(origin, index).to_json()
                == ledger.get_receipt(origin, index).to_json()
            )
        assert published.get_checkpoint(origin) == ledger.get_checkpoint(origin)
        assert list(published.list_checkpoints(origin)) == list(
            ledger.list_checkpoints(origin)
        )
    # The firm of a project entry is the registry's owner of its key.
    origin = ledger.list_origins()[-1]
    assert (
        {entry.firm for entry in published.list_entries(origin)}
        == {entry.firm for entry in ledger.list_entries(origin)}
        != {None}
    )


def test_proofs_roots_and_tiles_are_the_ledgers(
    demo: Demo, ledger: LedgerApplication
) -> None:
    published = PublishedInstance(demo.site)
    for origin in ledger.list_origins():
        sizes = [c.size for c in ledger.list_checkpoints(origin)]
        latest = sizes[-1]
        assert latest > TILE_WIDTH or origin != ledger.list_origins()[-1]
        for size in sizes:
            assert published.root_at(origin, size) == ledger.root_at(origin, size)
            assert published.consistency_proof(
                origin, size, latest
            ) == ledger.consistency_proof(origin, size, latest)
            level = 0
            while size >> (8 * level):
                for index in range((size >> (8 * level)) // TILE_WIDTH + 1):
                    width = tile_width(level, index, size)
                    if width:
                        assert published.tile_hashes(
                            origin, level, index, width, size
                        ) == ledger.tile_hashes(origin, level, index, width, size)
                level += 1
        for old, new in pairwise(sizes):
            assert published.consistency_proof(
                origin, old, new
            ) == ledger.consistency_proof(origin, old, new)
        indices = {*range(0, latest, 5), *range(250, 262), latest - 1}
        for index in sorted(i for i in indices if i < latest):
            first = next(size for size in sizes if size > index)
            for size in (first, latest):
                assert published.inclusion_proof(
                    origin, index, size
                ) == ledger.inclusion_proof(origin, index, size)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s, o, n: s.get_entry(o, n), EntryNotFoundError),
        (lambda s, o, n: s.get_receipt(o, n), EntryNotFoundError),
        (lambda s, o, n: s.inclusion_proof(o, 0, n + 1), EntryNotFoundError),
        (lambda s, o, n: s.inclusion_proof(o, n, n), EntryNotFoundError),
        (lambda s, o, n: s.consistency_proof(o, 1, n + 1), CheckpointNotFoundError),
        (lambda s, o, n: s.root_at(o, n + 1), CheckpointNotFoundError),
        (lambda s, o, n: s.tile_hashes(o, 0, 0, 1, n + 1), EntryNotFoundError),
        (lambda s, o, n: s.tile_hashes(o, 0, 0, 0, n), EntryNotFoundError),
        (lambda s, o, n: s.get_checkpoint(o + "-nope"), LogNotFoundError),
        (lambda s, o, n: list(s.list_entries(o + "-nope")), LogNotFoundError),
    ],
)
def test_questions_beyond_the_log_raise_what_the_ledger_raises(
    demo: Demo,
    ledger: LedgerApplication,
    call: Callable[[PublishSource, str, int], object],
    error: type[LedgerError],
) -> None:
    published = PublishedInstance(demo.site)
    origin = ledger.list_origins()[1]
    size = ledger.log_size(origin)
    for source in as_sources(ledger, published):
        with pytest.raises(error):
            call(source, origin, size)


def test_over_http_it_answers_as_from_the_folder(
    demo: Demo, demo_url: str, ledger: LedgerApplication
) -> None:
    remote = PublishedInstance(demo_url)
    assert remote.get_registry() == ledger.get_registry()
    for origin in ledger.list_origins():
        assert list(remote.list_entries(origin)) == list(ledger.list_entries(origin))
        assert list(remote.list_checkpoints(origin)) == list(
            ledger.list_checkpoints(origin)
        )
        assert remote.root_at(origin, 1) == ledger.root_at(origin, 1)


# ---------------------------------------------------------------- determinism
def test_publishing_from_the_published_site_gives_the_same_tree(
    demo: Demo, tmp_path: Path
) -> None:
    published = PublishedInstance(demo.site)
    out = tmp_path / "again"
    report = publish_site(published, out, blobs=published.blobs(), full=True)
    assert report.missing_blobs == []
    original, again = site_files(demo.site), site_files(out)
    assert sorted(again) == sorted(original)
    different = [path for path in original if original[path] != again[path]]
    assert different == []


# ---------------------------------------------------------------- what it checks
def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _bundle(site: Path) -> str:
    return f"{HEMINGYUAN}/{entries_path(0)}"


def test_a_leaf_that_does_not_match_its_tile_names_the_bundle(site_copy: Path) -> None:
    bundle = _bundle(site_copy)
    _flip(site_copy / bundle, 40)  # inside the first leaf's accepted_at
    published = PublishedInstance(site_copy)
    with pytest.raises(PublishedFileError) as caught:
        list(published.list_entries(published.list_origins()[-1]))
    assert caught.value.context["path"] == bundle
    assert "leaf 0" in caught.value.detail


def test_a_tile_that_does_not_hash_to_the_checkpoint_names_the_checkpoint(
    site_copy: Path,
) -> None:
    log = site_copy / HEMINGYUAN
    size = int((log / "checkpoint").read_text().split("\n")[1])
    edge = tile_path(0, size // TILE_WIDTH, size % TILE_WIDTH)
    _flip(log / edge, 5)
    published = PublishedInstance(site_copy)
    with pytest.raises(PublishedFileError) as caught:
        published.log_size(published.list_origins()[-1])
    assert caught.value.context["path"] == f"{HEMINGYUAN}/checkpoint"


def test_a_full_tile_that_is_not_the_hash_above_names_the_tile(site_copy: Path) -> None:
    full = f"{HEMINGYUAN}/{tile_path(0, 1)}"
    _flip(site_copy / full, 100)
    published = PublishedInstance(site_copy)
    origin = published.list_origins()[-1]
    with pytest.raises(PublishedFileError) as caught:
        published.inclusion_proof(origin, 300, 400)
    assert caught.value.context["path"] == full


def test_a_checkpoint_with_a_bad_signature_names_its_file(site_copy: Path) -> None:
    checkpoint = site_copy / HEMINGYUAN / "checkpoint"
    lines = checkpoint.read_text().splitlines(keepends=True)
    # The log's own signature is the first signature line (witnesses' follow it).
    own = next(i for i, line in enumerate(lines) if line.startswith("— "))
    line = lines[own]
    lines[own] = line[:-5] + ("A" if line[-5] != "A" else "B") + line[-4:]
    checkpoint.write_text("".join(lines))
    published = PublishedInstance(site_copy)
    with pytest.raises(PublishedFileError) as caught:
        published.get_checkpoint(published.list_origins()[-1])
    assert caught.value.context["path"] == f"{HEMINGYUAN}/checkpoint"


def test_an_archived_checkpoint_unlike_its_proofs_names_the_archive(
    site_copy: Path,
) -> None:
    log = site_copy / HEMINGYUAN
    first = sorted(int(p.name) for p in (log / "checkpoints").iterdir())[0]
    second = sorted(int(p.name) for p in (log / "checkpoints").iterdir())[1]
    # A validly signed checkpoint, but another one: its text is not the proof's.
    shutil.copy(log / "checkpoints" / str(second), log / "checkpoints" / str(first))
    published = PublishedInstance(site_copy)
    with pytest.raises(PublishedFileError) as caught:
        list(published.list_checkpoints(published.list_origins()[-1]))
    assert caught.value.context["path"] == f"{HEMINGYUAN}/checkpoints/{first}"


def test_a_missing_bundle_is_a_missing_file(site_copy: Path) -> None:
    (site_copy / _bundle(site_copy)).unlink()
    published = PublishedInstance(site_copy)
    with pytest.raises(PublishedFileNotFoundError) as caught:
        published.get_entry(published.list_origins()[-1], 3)
    assert caught.value.context["path"] == _bundle(site_copy)


def test_a_policy_for_another_log_names_the_policy(site_copy: Path) -> None:
    shutil.copy(
        site_copy / "p/jinjiang-dongli/log/policy.txt",
        site_copy / HEMINGYUAN / "policy.txt",
    )
    published = PublishedInstance(site_copy)
    with pytest.raises(PublishedFileError) as caught:
        published.log_vkey(published.list_origins()[-1])
    assert caught.value.context["path"] == f"{HEMINGYUAN}/policy.txt"


def test_a_folder_that_is_no_site_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PublishedFileNotFoundError):
        PublishedInstance(tmp_path)
    with pytest.raises(LedgerError):
        PublishedInstance(tmp_path / "absent")


def test_the_log_sizes_in_the_demo_span_partial_and_full_tiles(demo: Demo) -> None:
    # The tamper tests above rely on a log with full level-0 tiles and a partial one.
    published = PublishedInstance(demo.site)
    size = published.log_size(published.list_origins()[-1])
    assert size > 2 * TILE_WIDTH
    assert size % TILE_WIDTH


def test_published_attachments_are_a_blob_source(demo: Demo) -> None:
    blob_dir = demo.site / HEMINGYUAN / "blobs" / "sha256"
    name = sorted(path.name for path in blob_dir.iterdir())[0]
    blobs = PublishedInstance(demo.site).blobs()
    assert blobs.get(name) == (blob_dir / name).read_bytes()
    assert blobs.get("0" * 64) is None
