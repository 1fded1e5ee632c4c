"""QR codes for printed statements: inline SVG made by segno (a maintained, pure-Python
QR library with no dependencies).

A printed statement on the estate's notice board carries a QR code that opens the
same statement online, where the page verifies itself (issue 4). The code encodes the
page's absolute URL when the site's public base URL is known (``publish_site(...,
base_url=...)``), else its site-relative path (a phone cannot open that on its own;
see docs/decisions.md).

The SVG is deterministic: segno's output depends only on the text, the error
correction level and the options fixed here (byte mode, no version or mask chosen by
hand — segno picks them by fixed rules), and it draws one ``<path>`` of horizontal
runs, which :func:`qr_matrix_from_svg` reads back for tests.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import subprocess
import sys
from collections import deque
from collections.abc import Iterable
from html import escape
from typing import IO, Final

import segno

#: 15 % of the code can be lost (a fold, a smudge on the board) and it still reads.
ERROR_LEVEL: Final = "m"
#: Module size in SVG units and the quiet zone (4 modules, as ISO/IEC 18004 asks).
SCALE: Final = 4
BORDER: Final = 4


@functools.lru_cache(maxsize=1024)
def qr_svg(text: str, *, label: str) -> str:
    """``text`` as an inline QR ``<svg>`` titled ``label`` (both escaped).

    Raises ValueError for an empty text (there is nothing to encode). The SVG is a
    pure function of its arguments, so it is made once per page URL and kept (a few
    KB each) for the next publish in the same process.
    """
    if not text:
        raise ValueError("nothing to encode in the QR code")  # programming error
    code = segno.make(text, error=ERROR_LEVEL, micro=False, boost_error=False)
    svg = code.svg_inline(
        scale=SCALE,
        border=BORDER,
        svgclass="qr",
        lineclass=None,
        omitsize=True,
        dark="#000",
        light=None,
    )
    # segno escapes nothing it is not given; title and role are added here, escaped.
    opening = svg[: svg.index(">") + 1]
    return (
        opening[:-1]
        + ' role="img" aria-label="'
        + escape(label, quote=True)
        + '">'
        + "<title>"
        + escape(label)
        + "</title>"
        + svg[len(opening) :]
    )


_RUN: Final = re.compile(r"([Mmhv])(-?\d+(?:\.\d+)?)(?: (-?\d+(?:\.\d+)?))?")


def qr_matrix_from_svg(svg: str) -> list[list[bool]]:
    """The dark modules drawn by a :func:`qr_svg` path, as rows of booleans.

    Reads segno's path grammar (``M x y`` / ``m dx dy`` moves, ``h n`` dark runs, in
    module units before ``scale``), including the quiet zone. Used to check that a
    printed code holds exactly the matrix segno makes for the page's URL.
    """
    found = re.search(r' d="([^"]+)"', svg)
    if found is None:
        raise ValueError("no QR path in the SVG")
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, first, second in _RUN.findall(found.group(1)):
        a = float(first)
        if command == "M":
            x, y = a, float(second)
        elif command == "m":
            x, y = x + a, y + float(second)
        elif command == "h":
            row = int(y)  # runs are drawn on the module's centre line (y + 0.5)
            for column in range(int(x), int(x + a)):
                dark.add((row, column))
            x += a
        else:  # pragma: no cover - segno draws no vertical runs
            raise ValueError(f"unexpected path command {command!r}")
    size = max(max(r, c) for r, c in dark) + 1 + BORDER if dark else 0
    return [[(r, c) in dark for c in range(size)] for r in range(size)]


class QrCodes:
    """:func:`qr_svg` for one publish, made ahead by a child process when asked.

    A publish that renders every statement page ``start``-s the child early (its
    start-up overlaps the log files), ``ask``-s for every page's code once the
    statements are known, and takes each from :meth:`svg` as it renders the page:
    the codes are made on the other core meanwhile (segno's mask selection is most
    of a page's cost). The child runs the same ``qr_svg`` of the same code, so the
    SVG is the same; a code not asked for, or any trouble with the child, is made
    here instead. At most :data:`AHEAD` requests are outstanding, so neither side
    can fill a pipe the other is not reading.
    """

    AHEAD: Final = 32

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._waiting: deque[tuple[str, str]] = deque()  # not sent yet
        self._asked: deque[tuple[str, str]] = deque()  # sent, answers due in order
        self._made: dict[tuple[str, str], str] = {}

    def start(self) -> None:
        if self._child is not None or not sys.executable:
            return
        paths = [path for path in sys.path if path]
        code = (
            f"import sys; sys.path[:0] = {paths!r}; "
            "from publish._qr_worker import main; main()"
        )
        try:
            # Our own interpreter and module, with no shell: nothing untrusted.
            self._child = subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._child = None

    def ask(self, requests: Iterable[tuple[str, str]]) -> None:
        """Have the child make these (text, label) codes, in this order."""
        if self._child is None:
            return
        known = {*self._made, *self._asked, *self._waiting}
        self._waiting.extend(r for r in requests if r not in known)
        self._send()

    def svg(self, text: str, label: str) -> str:
        """``qr_svg(text, label=label)``, from the child if it was asked for it."""
        key = (text, label)
        if key in self._made:
            return self._made.pop(key)
        if self._child is not None and (key in self._asked or key in self._waiting):
            while self._asked:
                made = self._receive()
                if made is None:
                    break
                request = self._asked.popleft()
                self._send()
                if request == key:
                    return made
                self._made[request] = made
        return qr_svg(text, label=label)

    def close(self) -> None:
        child, self._child = self._child, None
        self._asked.clear()
        self._waiting.clear()
        if child is None:
            return
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - it ends with its input
            child.kill()
            child.wait()

    def _send(self) -> None:
        child = self._child
        if child is None or child.stdin is None:
            return
        batch = []
        while self._waiting and len(self._asked) < self.AHEAD:
            request = self._waiting.popleft()
            self._asked.append(request)
            batch.append(json.dumps(list(request)).encode("ascii") + b"\n")
        if not batch:
            return
        try:
            child.stdin.write(b"".join(batch))
            child.stdin.flush()
        except OSError:
            self.close()

    def _receive(self) -> str | None:
        child = self._child
        if child is None or child.stdout is None:
            return None
        header = _read_exactly(child.stdout, 4)
        size = int.from_bytes(header, "big")
        data = _read_exactly(child.stdout, size) if len(header) == 4 else b""
        if len(header) != 4 or len(data) != size:
            self.close()  # the child is gone: the rest are made here
            return None
        return data.decode("utf-8")


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
