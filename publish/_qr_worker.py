"""The child process of :class:`publish.qr.QrCodes`: makes QR SVGs ahead of need.

It reads one JSON array ``[text, label]`` a line from standard input and answers
each, in order, with ``publish.qr.qr_svg(text, label=label)`` as a 4-byte big-endian
length and the UTF-8 bytes, on standard output. It stops at the end of its input.
Being the same function of the same code, its SVGs are the ones the parent would
make.
"""

from __future__ import annotations

import json
import sys

from publish.qr import qr_svg


def main() -> None:
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        text, label = json.loads(line)
        svg = qr_svg(text, label=label).encode("utf-8")
        out.write(len(svg).to_bytes(4, "big") + svg)
        out.flush()


if __name__ == "__main__":
    main()
