"""The site writer (publish/files.py): compare before writing, atomic replacement,
directories built whole, and the same path rules as before its fast paths."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publish.files import SiteWriter


def test_a_new_file_is_written_and_an_equal_one_left_alone(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path)

    assert writer.write("a/b/c.txt", "one") is True
    assert writer.write("a/b/c.txt", "one") is False  # same bytes: not rewritten
    assert writer.write("a/b/c.txt", b"two") is True
    assert writer.write("a/b/d.txt", "x") is True

    assert (tmp_path / "a/b/c.txt").read_bytes() == b"two"
    assert writer.written == ["a/b/c.txt", "a/b/c.txt", "a/b/d.txt"]
    assert writer.unchanged == 1
    assert sorted(os.listdir(tmp_path / "a/b")) == ["c.txt", "d.txt"]  # no .tmp left


def test_a_second_build_compares_with_what_the_first_wrote(tmp_path: Path) -> None:
    first = SiteWriter(tmp_path)
    first.write("p/x/index.html", "same")
    first.write("p/x/other.html", "old")
    first.write("p/x/longer.html", "abcdef")

    second = SiteWriter(tmp_path)
    assert second.write("p/x/index.html", "same") is False
    assert second.write("p/x/other.html", "new") is True
    assert second.write("p/x/longer.html", "abc") is True  # a prefix is not equal
    assert second.write("p/x/shorter.html", "") is True

    assert second.written == ["p/x/other.html", "p/x/longer.html", "p/x/shorter.html"]
    assert (tmp_path / "p/x/longer.html").read_bytes() == b"abc"
    assert second.stale() == []


def test_a_file_in_a_directory_the_writer_made_is_still_compared_the_second_time(
    tmp_path: Path,
) -> None:
    writer = SiteWriter(tmp_path)
    writer.write("new/dir/a", "1")

    assert writer.write("new/dir/a", "1") is False
    assert writer.write("new/dir/a", "2") is True
    assert (tmp_path / "new/dir/a").read_bytes() == b"2"


def test_a_new_directory_appears_whole_when_its_context_ends(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path)
    with writer.new_directory("log/proofs"):
        for index in range(5):
            assert writer.write(f"log/proofs/{index}.tlog-proof", f"proof {index}")
        writer.write("log/proofs/2.tlog-proof", "proof 2, again")
        assert not (tmp_path / "log/proofs").exists()  # not visible yet
        assert [p.name for p in (tmp_path / "log").iterdir()] == [".proofs.new"]

    assert sorted(os.listdir(tmp_path / "log/proofs")) == [
        f"{i}.tlog-proof" for i in range(5)
    ]
    assert (tmp_path / "log/proofs/2.tlog-proof").read_text() == "proof 2, again"
    assert writer.written == [f"log/proofs/{i}.tlog-proof" for i in range(5)]
    assert os.listdir(tmp_path / "log") == ["proofs"]
    # written in this build: compared as any other file afterwards
    assert writer.write("log/proofs/1.tlog-proof", "proof 1") is False
    assert writer.write("log/proofs/9.tlog-proof", "proof 9") is True
    assert writer.stale() == []


def test_files_outside_the_new_directory_are_written_as_usual(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path)
    with writer.new_directory("log/proofs"):
        writer.write("log/proofs-index.txt", "not inside")
        writer.write("log/proofs/0.tlog-proof", "inside")
        assert (tmp_path / "log/proofs-index.txt").read_text() == "not inside"

    assert (tmp_path / "log/proofs/0.tlog-proof").read_text() == "inside"


def test_an_error_leaves_no_directory_and_no_hidden_one(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path)

    def fail() -> None:
        with writer.new_directory("log/proofs"):
            writer.write("log/proofs/0.tlog-proof", "half")
            raise RuntimeError("the publish failed")

    with pytest.raises(RuntimeError, match="the publish failed"):
        fail()

    assert os.listdir(tmp_path / "log") == []
    with writer.new_directory("log/proofs"):  # and it can be built again
        writer.write("log/proofs/0.tlog-proof", "whole")
    assert (tmp_path / "log/proofs/0.tlog-proof").read_text() == "whole"


def test_a_hidden_directory_left_by_an_interrupted_publish_is_replaced(
    tmp_path: Path,
) -> None:
    leftover = tmp_path / "log/.proofs.new"
    leftover.mkdir(parents=True)
    (leftover / "7.tlog-proof").write_text("from a killed publish")

    writer = SiteWriter(tmp_path)
    with writer.new_directory("log/proofs"):
        writer.write("log/proofs/0.tlog-proof", "fresh")

    assert os.listdir(tmp_path / "log/proofs") == ["0.tlog-proof"]
    assert not leftover.exists()


def test_an_existing_directory_is_updated_file_by_file(tmp_path: Path) -> None:
    SiteWriter(tmp_path).write("log/proofs/0.tlog-proof", "zero")
    (tmp_path / "log/proofs/extra").write_text("kept")

    writer = SiteWriter(tmp_path)
    with writer.new_directory("log/proofs"):
        assert writer.write("log/proofs/0.tlog-proof", "zero") is False
        assert writer.write("log/proofs/1.tlog-proof", "one") is True
        assert not (tmp_path / "log/.proofs.new").exists()

    assert sorted(os.listdir(tmp_path / "log/proofs")) == [
        "0.tlog-proof",
        "1.tlog-proof",
        "extra",
    ]
    assert writer.unchanged == 1
    assert writer.written == ["log/proofs/1.tlog-proof"]


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "a/../../b", "..", "a/.."])
def test_paths_outside_the_site_are_refused(tmp_path: Path, bad: str) -> None:
    writer = SiteWriter(tmp_path)
    with pytest.raises(ValueError, match="not a site-relative path"):
        writer.write(bad, "x")
    assert list(tmp_path.iterdir()) == []


@given(
    st.lists(
        st.sampled_from(["a", "b.html", ".", "..", "", "x.p", "é", " "]),
        min_size=1,
        max_size=5,
    ),
    st.booleans(),
    st.booleans(),
)
def test_the_fast_path_check_agrees_with_pathlib(
    parts: list[str], leading: bool, trailing: bool
) -> None:
    relative = ("/" if leading else "") + "/".join(parts) + ("/" if trailing else "")
    writer = SiteWriter(Path("/site"))
    try:
        expected = str(writer._path(relative))
    except ValueError:
        with pytest.raises(ValueError, match="not a site-relative path"):
            writer._target(relative)
    else:
        assert writer._target(relative) == expected
        assert PurePosixPath(expected).is_relative_to("/site")


# --- a background writer ----------------------------------------------------------
def test_a_background_writer_publishes_the_same_files(tmp_path: Path) -> None:
    files = {f"log/proofs/{i}.tlog-proof": os.urandom(i % 700) for i in range(2_000)}
    files["log/proofs/big"] = os.urandom(300_000)  # more than a pipe holds
    here, there = SiteWriter(tmp_path / "here"), SiteWriter(tmp_path / "there")
    there.background = True
    for writer in (here, there):
        with writer.new_directory("log/proofs"):
            for path, data in files.items():
                writer.write(path, data)
        writer.write("log/checkpoint", "latest")

    assert not (tmp_path / "there/log/proofs").exists()  # not until it is flushed
    assert (tmp_path / "there/log/checkpoint").read_text() == "latest"
    there.flush()
    for path, data in files.items():
        assert (tmp_path / "there" / path).read_bytes() == data
    assert sorted(os.listdir(tmp_path / "there/log")) == ["checkpoint", "proofs"]
    assert there.written == here.written
    assert there.stale() == here.stale() == []
    there.flush()  # nothing left: does nothing


def test_reading_or_writing_a_pending_directory_waits_for_it(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path, background=True)
    with writer.new_directory("log/proofs"):
        writer.write("log/proofs/0.tlog-proof", "zero")

    assert writer.exists("log/proofs/0.tlog-proof")  # flushed first
    writer2 = SiteWriter(tmp_path / "b", background=True)
    with writer2.new_directory("log/proofs"):
        writer2.write("log/proofs/0.tlog-proof", "zero")
    assert writer2.write("log/proofs/0.tlog-proof", "zero") is False
    assert writer2.write("log/proofs/1.tlog-proof", "one") is True
    assert sorted(os.listdir(tmp_path / "b/log/proofs")) == [
        "0.tlog-proof",
        "1.tlog-proof",
    ]


def test_a_failing_background_writer_publishes_nothing_and_says_why(
    tmp_path: Path,
) -> None:
    writer = SiteWriter(tmp_path, background=True)
    with writer.new_directory("log/proofs"):
        writer.write("log/proofs/0.tlog-proof", "zero")
        writer.write("log/proofs/sub/1.tlog-proof", "one")
        # the child cannot create a file in a directory that is gone
        os.rmdir(writer._staged["log/proofs/"] + "/sub")

    with pytest.raises(
        OSError, match=r"background file writer failed: .*1\.tlog-proof"
    ):
        writer.flush()
    assert os.listdir(tmp_path / "log") == []


def test_closing_a_background_writer_drops_what_it_had_not_published(
    tmp_path: Path,
) -> None:
    writer = SiteWriter(tmp_path, background=True)
    with writer.new_directory("log/proofs"):
        writer.write("log/proofs/0.tlog-proof", "zero")
    writer.close()

    assert os.listdir(tmp_path / "log") == []
    writer.flush()  # nothing to do


def test_a_new_directory_with_no_file_is_not_made(tmp_path: Path) -> None:
    for background in (False, True):
        writer = SiteWriter(tmp_path / str(background), background=background)
        with writer.new_directory("log/blobs"):
            writer.write("log/policy.txt", "outside")
        writer.flush()
        assert os.listdir(tmp_path / str(background) / "log") == ["policy.txt"]


def test_a_file_written_last_waits_for_the_directories_being_built(
    tmp_path: Path,
) -> None:
    here = SiteWriter(tmp_path / "here")
    here.write_last("log/checkpoint", "now")  # nothing pending: written at once
    assert (tmp_path / "here/log/checkpoint").read_text() == "now"

    writer = SiteWriter(tmp_path / "bg", background=True)
    with writer.new_directory("log/proofs"):
        writer.write("log/proofs/0.tlog-proof", "zero")
    writer.write_last("log/checkpoint", "size 1")
    assert not (tmp_path / "bg/log/checkpoint").exists()
    writer.flush()
    assert (tmp_path / "bg/log/checkpoint").read_text() == "size 1"
    assert writer.written == ["log/proofs/0.tlog-proof", "log/checkpoint"]

    dropped = SiteWriter(tmp_path / "dropped", background=True)
    with dropped.new_directory("log/proofs"):
        dropped.write("log/proofs/0.tlog-proof", "zero")
    dropped.write_last("log/checkpoint", "size 1")
    dropped.close()  # the publish failed
    assert os.listdir(tmp_path / "dropped/log") == []
