"""The child process of a background :class:`publish.files.SiteWriter`.

Run as ``python -I -S publish/_file_writer.py``: it reads frames from its standard
input — 4-byte big-endian path length, 4-byte content length, the path (an absolute
filesystem path the parent chose inside a hidden directory it created), the content
— and writes each file. A thread drains the input as it comes, so the parent never
waits on a full pipe while files are being created. It stops at the end of its
input; a frame cut short, or any error, ends it with status 1 and the reason on
standard error. It imports only ``os``, ``sys`` and ``threading``, so it starts in
milliseconds.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20


class _Input:
    """Standard input, read ahead by a thread into memory."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._ready = threading.Condition()
        self._ended = False
        self._buffer = b""
        self._offset = 0
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        try:
            while chunk := os.read(0, _CHUNK):
                with self._ready:
                    self._chunks.append(chunk)
                    self._ready.notify()
        finally:
            with self._ready:
                self._ended = True
                self._ready.notify()

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, or fewer at the end of the input."""
        while len(self._buffer) - self._offset < size:
            with self._ready:
                while not self._chunks and not self._ended:
                    self._ready.wait()
                if not self._chunks:
                    break
                chunks = [self._buffer[self._offset :], *self._chunks]
                self._chunks.clear()
            self._buffer = b"".join(chunks)
            self._offset = 0
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data


def main() -> int:
    source = _Input()
    while True:
        header = source.read(8)
        if not header:
            return 0
        if len(header) != 8:
            sys.stderr.write("a frame was cut short\n")
            return 1
        path_size = int.from_bytes(header[:4], "big")
        content_size = int.from_bytes(header[4:], "big")
        path = source.read(path_size)
        content = source.read(content_size)
        if len(path) != path_size or len(content) != content_size:
            sys.stderr.write("a frame was cut short\n")
            return 1
        try:
            handle = os.open(path, _FLAGS, 0o666)
            try:
                view = memoryview(content)
                while view:
                    view = view[os.write(handle, view) :]
            finally:
                os.close(handle)
        except OSError as exc:
            sys.stderr.write(f"{path.decode('utf-8', 'replace')}: {exc}\n")
            return 1


if __name__ == "__main__":
    sys.exit(main())
