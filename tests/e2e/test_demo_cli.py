"""``shuangshai demo`` and ``shuangshai publish`` from the command line."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from api.cli import main


def test_demo_publishes_without_serving_and_publish_republishes_nothing_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    assert (
        main(
            [
                "demo",
                "--dir",
                str(folder),
                "--out",
                str(tmp_path / "site"),
                "--no-serve",
            ]
        )
        == 0
    )
    assert "已发布" in capsys.readouterr().out
    assert (tmp_path / "site/index.html").is_file()
    board = tmp_path / "site/p/jinjiang-hemingyuan/index.html"
    assert "锦绣和鸣苑" in board.read_text(encoding="utf-8")

    # Publishing the same instance again changes nothing.
    code = main(
        [
            "--instance",
            str(folder / "instance"),
            "publish",
            "--out",
            str(tmp_path / "site"),
        ]
    )
    assert code == 0
    assert " 0 files written" in capsys.readouterr().out


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    assert main(["demo", "--dir", str(tmp_path), "--no-serve"]) == 2
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert "--dir" in capsys.readouterr().err


def test_demo_serves_the_site_on_localhost(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("shuangshai")
    with subprocess.Popen(
        [str(script), "demo", "--dir", str(tmp_path / "demo"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            url = None
            for line in process.stdout:
                found = re.search(r"http://127\.0\.0\.1:\d+/index\.html", line)
                if found:
                    url = found.group(0)
                    break
            assert url is not None
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                page = response.read().decode("utf-8")
            assert "锦绣和鸣苑" in page
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
