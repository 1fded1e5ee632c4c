"""Writing the static site: only files whose bytes change are rewritten.

Publication is deterministic (the same log state gives byte-identical files), so the
writer compares each file's new bytes with what is on disk and leaves equal files
alone. ``written`` lists what a build actually rewrote, which is how the incremental
publish is tested and measured; ``stale`` lists files of a previous build that the
new one no longer produces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


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

    def write(self, relative: str, data: bytes | str) -> bool:
        """Write ``data`` at ``relative``; returns True if the file changed.

        A changed file is replaced atomically (temporary file, then rename), so a
        reader of a live site never sees half a file.
        """
        path = self._path(relative)
        content = data.encode("utf-8") if isinstance(data, str) else data
        self.produced.add(relative)
        target = str(path)
        try:
            with open(target, "rb") as existing:
                if existing.read() == content:
                    self.unchanged += 1
                    return False
        except FileNotFoundError:
            directory = os.path.dirname(target)
            if directory not in self._made:
                os.makedirs(directory, exist_ok=True)
                self._made.add(directory)
        temporary = os.path.join(os.path.dirname(target), f".{path.name}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(content)
        os.replace(temporary, target)
        self.written.append(relative)
        return True

    def remove(self, relative: str) -> bool:
        """Delete a file a previous build wrote and this one does not; True if it was there."""
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

    def exists(self, relative: str) -> bool:
        return self._path(relative).is_file()

    def stale(self) -> list[str]:
        """Files under ``root`` that this build did not produce."""
        found = []
        for path in self.root.rglob("*"):
            if path.is_file():
                relative = path.relative_to(self.root).as_posix()
                if relative not in self.produced:
                    found.append(relative)
        return sorted(found)

    def _path(self, relative: str) -> Path:
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(
                f"not a site-relative path: {relative!r}"
            )  # programming error
        return self.root.joinpath(*pure.parts)
