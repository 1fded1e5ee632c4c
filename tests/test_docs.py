"""The README tells the truth: CI runs its commands, and its walkthrough works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SH_BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)


def test_ci_installs_and_tests_exactly_as_the_readme_says() -> None:
    setup, demo, test = SH_BLOCKS[0].strip().splitlines()
    assert demo == ".venv/bin/shuangshai demo"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert setup in ci
    assert test in ci


def test_the_readme_walkthrough_runs_and_verifies_the_receipt(tmp_path: Path) -> None:
    walkthrough = SH_BLOCKS[1]
    script = Path(sys.executable).with_name("shuangshai")
    walkthrough = walkthrough.replace("S=.venv/bin/shuangshai", f"S={script}")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "已验证 / verified: entry 0 of chengdu.example/p/jinjiang-hemei"
        in result.stdout
    )
