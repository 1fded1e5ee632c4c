"""The witness on the command line: ``shuangshai witness …`` and ``shuangshai cosign``.

Offline cosigning uses the same rules and the same state as the server; refusals
exit with the code of their family (5 conflict, 3 verification, 6 not found) and
change nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from api.witness_store import STATE_FILE
from domain.checkpoint import verify_cosignature
from domain.note import NoteSignature, SignedNote
from domain.signing import VerifierKey, b64encode
from publish.logfiles import TrustPolicy
from tests.witness.helpers import FakeLog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def witness(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    directory = tmp_path / "w"
    assert main(["witness", "init", str(directory), "--name", "owners.test/w"]) == 0
    vkey = capsys.readouterr().out.strip()
    return directory, vkey


def cosign(directory: Path, checkpoint: Path, *args: str) -> int:
    return main(
        ["witness", "cosign", str(directory), "--checkpoint", str(checkpoint), *args]
    )


def test_offline_cosigning_follows_a_log_and_refuses_a_fork(
    witness: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, vkey = witness
    log = FakeLog().grow(6)
    assert main(["witness", "add-log", str(directory), "--vkey", log.vkey]) == 0
    assert log.origin in capsys.readouterr().out

    first = tmp_path / "checkpoint-6"
    first.write_text(log.note())
    assert cosign(directory, first, "--old-size", "0") == 0
    line = NoteSignature.from_line(capsys.readouterr().out)
    note = SignedNote.from_text(log.note()).with_signatures(line)
    verify_cosignature(note, VerifierKey.from_vkey(vkey))

    # Growing: the proof file is the head of an add-checkpoint request.
    log.grow(5)
    second = tmp_path / "checkpoint-11"
    second.write_text(log.note())
    proof = tmp_path / "proof-6-11"
    proof.write_text(
        "old 6\n" + "".join(b64encode(h) + "\n" for h in log.tree.consistency_proof(6))
    )
    out = tmp_path / "cosignature.txt"
    assert cosign(directory, second, "--proof", str(proof), "--out", str(out)) == 0
    assert NoteSignature.from_line(out.read_text()).name == "owners.test/w"
    before = (directory / STATE_FILE).read_bytes()

    # A stale old size: 5 (conflict), naming the witness's size.
    assert cosign(directory, second, "--old-size", "6") == 5
    assert "size 11" in capsys.readouterr().err

    # A fork of the same size, signed by the same log key: 3, both roots named.
    fork = log.fork(at=4)
    forked = tmp_path / "fork-11"
    forked.write_text(fork.note())
    assert cosign(directory, forked, "--old-size", "11") == 3
    err = capsys.readouterr().err
    assert b64encode(log.root()) in err
    assert b64encode(fork.root()) in err
    assert (directory / STATE_FILE).read_bytes() == before

    assert main(["witness", "show", str(directory)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["witness"] == vkey
    assert shown["logs"][log.origin]["size"] == 11


def test_offline_refusals_exit_with_their_family_code(
    witness: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, _ = witness
    log = FakeLog().grow(2)
    checkpoint = tmp_path / "checkpoint"
    checkpoint.write_text(log.note())
    assert cosign(directory, checkpoint) == 6  # the witness does not follow it
    assert "does not witness" in capsys.readouterr().err
    vkey_file = tmp_path / "log.vkey"
    vkey_file.write_text(FakeLog(seed=99).vkey + "\n")  # another key, same origin
    assert main(["witness", "add-log", str(directory), "--vkey", str(vkey_file)]) == 0
    assert cosign(directory, checkpoint) == 3
    assert "no valid signature" in capsys.readouterr().err
    bad_proof = tmp_path / "bad"
    bad_proof.write_text("old zero\n")
    assert cosign(directory, checkpoint, "--proof", str(bad_proof)) == 3
    assert main(["witness", "show", str(tmp_path / "nowhere")]) == 2


def test_cosign_reports_an_unreachable_witness_and_publish_reports_the_quorum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = tmp_path / "instance"

    def run(*args: str) -> int:
        return main(["--instance", str(instance), *args])

    assert run("init", "--name", "chengdu.example") == 0
    capsys.readouterr()
    directory = tmp_path / "w"
    assert main(["witness", "init", str(directory), "--name", "office.test/w"]) == 0
    (tmp_path / "w.vkey").write_text(capsys.readouterr().out)
    assert (
        run(
            "registry",
            "add-witness",
            "--name",
            "东大街街道办",
            "--role",
            "street-office",
            "--vkey",
            str(tmp_path / "w.vkey"),
            "--url",
            "http://127.0.0.1:9/",
        )
        == 0
    )
    capsys.readouterr()
    assert run("cosign") == 0
    out = capsys.readouterr().out
    assert "chengdu.example/registry @ 1" in out  # the oldest checkpoint not cosigned
    assert "offline" in out
    assert run("publish", "--out", str(tmp_path / "site"), "--cosign") == 0
    out = capsys.readouterr().out
    assert "联署不足 / below the witness quorum: chengdu.example/registry" in out
    policy = (tmp_path / "site/registry/log/policy.txt").read_text()
    assert "http://127.0.0.1:9/" in policy
    assert "quorum majority" in policy


def test_the_readme_witness_walkthrough_runs_after_the_first_one(
    tmp_path: Path,
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    first = next(b for b in blocks if "verify-receipt" in b)
    witnesses = next(b for b in blocks if "witness init" in b)
    script = Path(sys.executable).with_name("shuangshai")
    walkthrough = (first + witnesses).replace("S=.venv/bin/shuangshai", f"S={script}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGSHAI_")}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已保存联署 / cosigned by hemei-yeweihui+" in result.stdout
    log = tmp_path / "site/p/jinjiang-hemei/log"
    policy = TrustPolicy.from_bytes((log / "policy.txt").read_bytes())
    note = SignedNote.from_bytes((log / "checkpoint").read_bytes())
    assert policy.verify_checkpoint(note).size == 1
    assert [s.name for s in note.signatures] == [
        "chengdu.example/p/jinjiang-hemei",
        "hemei-yeweihui",
    ]


def test_importing_a_cosignature_of_a_checkpoint_the_log_did_not_sign_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = tmp_path / "instance"

    def run(*args: str) -> int:
        return main(["--instance", str(instance), *args])

    assert run("init", "--name", "chengdu.example") == 0
    assert run("cosign", "--export", "chengdu.example/registry") == 2  # no --out
    assert run("cosign", "--import", str(tmp_path / "x")) == 2  # no --checkpoint
    assert (
        run(
            "registry",
            "add-project",
            "--project-id",
            "hemei",
            "--name",
            "和美花园",
            "--address",
            "成都市锦江区和美路8号",
            "--district",
            "锦江区",
            "--households",
            "1200",
            "--floor-area-m2",
            "132000",
        )
        == 0
    )
    capsys.readouterr()
    # A checkpoint of size 1 of the registry log that this log never signed.
    forged = FakeLog(origin="chengdu.example/registry").grow(1)
    (tmp_path / "checkpoint").write_text(forged.note())
    (tmp_path / "cosignature").write_text("")
    code = run(
        "cosign",
        "--import",
        str(tmp_path / "cosignature"),
        "--checkpoint",
        str(tmp_path / "checkpoint"),
    )
    assert code == 3
    assert "is not the checkpoint this log signed" in capsys.readouterr().err
