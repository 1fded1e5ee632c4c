"""QR codes made ahead by a child process (publish/qr.py: QrCodes) are the codes
qr_svg makes here, in any order, and a child that is gone costs only time."""

from __future__ import annotations

from publish.qr import QrCodes, qr_svg

REQUESTS = [
    (f"https://example.org/p/x/t/t{i}/2025-{i % 12 + 1:02d}.html", f"码 {i}")
    for i in range(80)
]


def test_codes_made_ahead_are_qr_svgs_whatever_the_order() -> None:
    codes = QrCodes()
    codes.start()
    try:
        codes.ask(REQUESTS)  # more than are sent at once
        order = REQUESTS[5:9] + REQUESTS[:5] + REQUESTS[9:] + [("not/asked.html", "x")]
        for text, label in order:
            assert codes.svg(text, label) == qr_svg(text, label=label)
    finally:
        codes.close()


def test_without_a_child_the_codes_are_made_here() -> None:
    codes = QrCodes()  # never started
    codes.ask(REQUESTS[:3])
    assert codes.svg(*REQUESTS[0]) == qr_svg(REQUESTS[0][0], label=REQUESTS[0][1])

    started = QrCodes()
    started.start()
    started.ask(REQUESTS[:40])
    assert started._child is not None
    started._child.kill()  # it dies with answers owed
    started._child.wait()
    for text, label in REQUESTS[:40]:
        assert started.svg(text, label) == qr_svg(text, label=label)
    started.close()
