"""Attachment files, stored and published by their SHA-256 (SPEC §3, §4).

An entry's ``attachments`` list names files by ``sha256`` (lowercase hex of the
SHA-256 of the file's bytes); the files themselves live beside the log, not in it.
A :class:`BlobSource` is anything that can hand back a file's bytes by that name.
:class:`DirectoryBlobs` keeps them in a directory as ``sha256/<hex>``, the same layout
the published log uses under ``log/blobs/`` (``docs/formats.md`` §7), so an
instance's ``blobs/`` folder can be copied or served as it is.

A source is not trusted: the publisher checks every file against its name before
writing it (:func:`publish.logfiles.write_log_files`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from domain.errors import NotFoundError

__all__ = ["BLOB_DIR", "BlobSource", "DirectoryBlobs", "blob_path", "check_sha256_hex"]

BLOB_DIR: Final = "sha256"
"""The one directory a blob store and a published log keep blobs in."""

_SHA256_HEX: Final = re.compile(r"[0-9a-f]{64}")


def check_sha256_hex(sha256_hex: str) -> None:
    """Raise :class:`NotFoundError` unless ``sha256_hex`` can name a blob.

    A blob name is exactly 64 lowercase hex digits; nothing else (an uppercase digit,
    a path separator) can be the name of a stored or published file.
    """
    if not _SHA256_HEX.fullmatch(sha256_hex):
        raise NotFoundError(
            f"{sha256_hex!r} 不是 SHA-256 十六进制摘要 / is not a SHA-256 digest in "
            "lowercase hex (64 digits), so no blob has that name"
        )


def blob_path(sha256_hex: str) -> str:
    """The relative path of a blob: ``sha256/<hex>``."""
    check_sha256_hex(sha256_hex)
    return f"{BLOB_DIR}/{sha256_hex}"


class BlobSource(Protocol):
    """Where attachment files come from when a log is published."""

    def get(self, sha256_hex: str) -> bytes | None:
        """The bytes stored under ``sha256_hex``, or ``None`` if there are none."""
        ...


@dataclass(frozen=True)
class DirectoryBlobs:
    """A blob store in a directory: one file per blob at ``<path>/sha256/<hex>``."""

    path: Path

    def get(self, sha256_hex: str) -> bytes | None:
        """The stored bytes, or ``None``; they are returned unchecked (see module)."""
        try:
            return (self.path / blob_path(sha256_hex)).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, data: bytes) -> str:
        """Store ``data`` (atomically, once) and return its name, the SHA-256 hex."""
        sha256_hex = hashlib.sha256(data).hexdigest()
        target = self.path / blob_path(sha256_hex)
        if target.is_file() and target.read_bytes() == data:
            return sha256_hex
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{sha256_hex}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        return sha256_hex
