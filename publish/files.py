"""Writing the static site: only files whose bytes change are rewritten.

Publication is deterministic (the same log state gives byte-identical files), so the
writer compares each file's new bytes with what is on disk and leaves equal files
alone. ``written`` lists what a build actually rewrote, which is how the incremental
publish is tested and measured; ``stale`` lists files of a previous build that the
new one no longer produces.

A reader of a live site never sees half a file: a changed file is written to a
temporary file and renamed over the old one, and a directory that does not exist yet
can be built whole under a hidden name and renamed into place
(:meth:`SiteWriter.new_directory`), which costs one file creation per file instead of
a creation and a rename. A full publish writes ten thousand proof files this way.

With ``background=True`` the files of such new directories are handed to a child
process (:mod:`publish._file_writer`, through a pipe) that creates them on the other
core while this one goes on; :meth:`SiteWriter.flush` waits for it and renames the
directories into place. Nothing else changes: the same bytes end up at the same
paths, and a directory appears only once every file in it is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

#: Flags of a file the writer creates (or truncates) and fills.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


@dataclass
class SiteWriter:
    """Writes files under ``root`` by relative POSIX path, skipping unchanged ones."""

    root: Path
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    produced: set[str] = field(default_factory=set)
    _made: set[str] = field(
        default_factory=set, repr=False
    )  # directories known to exist
    _created: set[str] = field(
        default_factory=set, repr=False
    )  # directories this writer created: only files it wrote are in them
    _staged: dict[str, str] = field(
        default_factory=dict, repr=False
    )  # relative directory → the hidden directory its files go to until renamed
    _staged_files: dict[str, int] = field(
        default_factory=dict, repr=False
    )  # how many files each of those has received
    background: bool = False
    """Hand the files of new directories to a child process (see the module)."""
    _child: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _pending: dict[str, tuple[str, str]] = field(
        default_factory=dict, repr=False
    )  # relative directory → (hidden directory, final path), renamed by flush()
    _last: list[tuple[str, bytes | str]] = field(
        default_factory=list, repr=False
    )  # write_last() files waiting for those

    def write(self, relative: str, data: bytes | str) -> bool:
        """Write ``data`` at ``relative``; returns True if the file changed.

        A changed file is replaced atomically (temporary file, then rename), so a
        reader of a live site never sees half a file.
        """
        target = self._target(relative)
        content = data.encode("utf-8") if isinstance(data, str) else data
        directory, name = os.path.split(target)
        if self._pending:
            self._settle(relative)
        if self._staged:
            staging = self._stage(relative)
            if staging is not None:
                self._write_staged(relative, staging, content)
                return True
        if directory in self._created and relative not in self.produced:
            # The directory is new in this build and this file was not written in
            # it: there is nothing to compare with.
            self.produced.add(relative)
        else:
            self.produced.add(relative)
            try:
                existing = os.open(target, _READ)
            except FileNotFoundError:
                if directory not in self._made:
                    self._make_directory(directory)
            else:
                try:
                    same = _read_all(existing, len(content) + 1) == content
                finally:
                    os.close(existing)
                if same:
                    self.unchanged += 1
                    return False
        temporary = os.path.join(directory, f".{name}.tmp")
        _write_file(temporary, content)
        os.replace(temporary, target)
        self.written.append(relative)
        return True

    @contextmanager
    def new_directory(self, relative: str) -> Iterator[None]:
        """Build the directory ``relative`` whole if it does not exist yet.

        While the context is open, files written under ``relative`` go, without a
        temporary file each, to a hidden sibling directory, renamed to ``relative``
        when the context ends without an error (a reader sees all of it or none of
        it) — or, for a background writer, by the next :meth:`flush` — unless no
        file was written in it (then it is not made at all); after an error
        the hidden directory is deleted and nothing was published there. If
        ``relative`` already exists, writes go through :meth:`write`'s
        compare-and-rename as usual. Contexts do not nest.
        """
        if self._pending:
            self._settle(relative)
        final = self._target(relative.rstrip("/"))
        if self._staged or os.path.lexists(final):
            yield
            return
        parent, name = os.path.split(final)
        staging = os.path.join(parent, f".{name}.new")
        if os.path.lexists(staging):  # left by a publish that was interrupted
            shutil.rmtree(staging)
        if parent not in self._made:
            self._make_directory(parent)
        os.mkdir(staging)
        key = relative.strip("/") + "/"
        self._staged[key] = staging
        self._staged_files[key] = 0
        try:
            yield
        except BaseException:
            self.close()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        else:
            if not self._staged_files[key]:
                shutil.rmtree(staging)  # nothing written: no directory, as before
            elif self._child is not None:
                self._pending[key] = (staging, final)
            else:
                self._place(staging, final)
        finally:
            del self._staged[key], self._staged_files[key]

    def flush(self) -> None:
        """Wait until the child process has written every file it was given, then
        rename the directories it filled into place. Raises :class:`OSError` (and
        publishes none of them) if it failed."""
        child, self._child = self._child, None
        pending, self._pending = self._pending, {}
        if child is not None:
            error = _finish(child)
            if error is not None:
                for staging, _ in pending.values():
                    shutil.rmtree(staging, ignore_errors=True)
                raise OSError(f"the background file writer failed: {error}")
        for staging, final in pending.values():
            self._place(staging, final)
        last, self._last = self._last, []
        for relative, data in last:
            self.write(relative, data)

    def write_last(self, relative: str, data: bytes | str) -> None:
        """:meth:`write` ``relative`` once every directory being built is in place:
        now if none is waiting for :meth:`flush`, else right after it. A log's
        ``checkpoint`` file goes this way: a publish interrupted before then leaves
        the previous one, which says which files are complete."""
        if self._pending or self._staged:
            self.produced.add(relative)
            self._last.append((relative, data))
        else:
            self.write(relative, data)

    def close(self) -> None:
        """Stop the child process, if any, and drop what it has not published
        (for a publish that failed; a successful one calls :meth:`flush`)."""
        child, self._child = self._child, None
        pending, self._pending = self._pending, {}
        self._last = []
        if child is not None:
            child.kill()
            child.wait()
            for stream in (child.stdin, child.stderr):
                if stream is not None:
                    with suppress(OSError):  # unwritten input: the pipe is broken
                        stream.close()
        for staging, _ in pending.values():
            shutil.rmtree(staging, ignore_errors=True)

    def remove(self, relative: str) -> bool:
        """Delete a file a previous build wrote and this one does not; True if it was there."""
        if self._pending:
            self._settle(relative)
        path = self._path(relative)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        self.removed.append(relative)
        return True

    def keep(self, relative: str) -> None:
        """Mark an existing file as part of this build without regenerating it."""
        self.produced.add(relative)
        self.unchanged += 1

    def keep_all(self, relatives: Iterable[str]) -> None:
        """:meth:`keep` for many files at once."""
        listed = list(relatives)
        self.produced.update(listed)
        self.unchanged += len(listed)

    def exists(self, relative: str) -> bool:
        if self._pending:
            self._settle(relative)
        return self._path(relative).is_file()

    def stale(self) -> list[str]:
        """Files under ``root`` that this build did not produce."""
        self.flush()
        found = []
        for path in self.root.rglob("*"):
            if path.is_file():
                relative = path.relative_to(self.root).as_posix()
                if relative not in self.produced:
                    found.append(relative)
        return sorted(found)

    # ---------------------------------------------------------------- internals
    def _stage(self, relative: str) -> str | None:
        """Where ``relative`` goes if it is in a directory being built (counted)."""
        for key, staging in self._staged.items():
            if relative.startswith(key):
                self._staged_files[key] += 1
                return os.path.join(staging, *relative[len(key) :].split("/"))
        return None

    def _write_staged(self, relative: str, path: str, content: bytes) -> None:
        directory = os.path.dirname(path)
        if directory not in self._made:
            os.makedirs(directory, exist_ok=True)
            self._made.add(directory)
        if not (self.background and self._send(path, content)):
            _write_file(path, content)
        if relative not in self.produced:
            self.produced.add(relative)
            self.written.append(relative)

    def _send(self, path: str, content: bytes) -> bool:
        """Give a file to the child process (started on first use); False if there
        is none to give it to, so the caller writes it itself."""
        child = self._child
        if child is None:
            child = self._child = _start_child()
            if child is None:
                self.background = False
                return False
        stdin = child.stdin
        if stdin is None:  # pragma: no cover - started with stdin=PIPE
            raise OSError("the background file writer has no input")
        encoded = os.fsencode(path)
        try:
            stdin.write(
                len(encoded).to_bytes(4, "big")
                + len(content).to_bytes(4, "big")
                + encoded
            )
            stdin.write(content)
        except BrokenPipeError:
            self._child = None
            error = _finish(child) or "it stopped reading"
            self.close()
            raise OSError(f"the background file writer failed: {error}") from None
        return True

    def _settle(self, relative: str) -> None:
        """Flush first if ``relative`` is in (or is) a directory not yet renamed."""
        for key in self._pending:
            if relative.startswith(key) or key == relative.strip("/") + "/":
                self.flush()
                return

    def _place(self, staging: str, final: str) -> None:
        os.rename(staging, final)
        self._made.add(final)
        self._created.add(final)

    def _make_directory(self, directory: str) -> None:
        """``os.makedirs``, remembering which directories did not exist before."""
        missing = []
        while directory and not os.path.isdir(directory):
            missing.append(directory)
            directory = os.path.dirname(directory)
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                if not os.path.isdir(path):
                    raise
            else:
                self._created.add(path)
            self._made.add(path)
        self._made.add(directory)

    def _target(self, relative: str) -> str:
        """The filesystem path of ``relative`` as a string (see :meth:`_path`)."""
        if (
            relative
            and relative[0] != "/"
            and relative[-1] != "/"
            and "//" not in relative
            and "." not in relative.split("/")
            and ".." not in relative.split("/")
        ):
            # Already in the form PurePosixPath would give: no need to parse it.
            return os.path.join(self.root, relative)
        return str(self._path(relative))

    def _path(self, relative: str) -> Path:
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(
                f"not a site-relative path: {relative!r}"
            )  # programming error
        return self.root.joinpath(*pure.parts)


def _start_child() -> subprocess.Popen[bytes] | None:
    """The background writer process, or None if it cannot be started."""
    if not sys.executable:
        return None
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_file_writer.py")
    try:
        # Our own interpreter running our own file, with no shell: nothing untrusted.
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-I", "-S", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            bufsize=1 << 16,
        )
    except OSError:
        return None


def _finish(child: subprocess.Popen[bytes]) -> str | None:
    """Close the child's input, wait for it; None if it wrote everything."""
    if child.stdin is not None:
        with suppress(BrokenPipeError):
            child.stdin.close()
    message = ""
    if child.stderr is not None:
        message = child.stderr.read().decode("utf-8", "replace").strip()
        child.stderr.close()
    status = child.wait()
    if status != 0:
        return message or f"exit status {status}"
    return None


def _write_file(path: str, content: bytes) -> None:
    handle = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _read_all(handle: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``handle`` (fewer only at the end of the file)."""
    chunks = []
    while limit > 0:
        chunk = os.read(handle, min(limit, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)
