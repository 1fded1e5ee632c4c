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

import functools
import re
from html import escape
from typing import Final

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
