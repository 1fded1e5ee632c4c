"""The newcomer's path through the CLI: init, register, sign, post, verify offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from tests.builders import make_uscc

FIRM = make_uscc(1234567)
PROJECT_ORIGIN = "chengdu.example/p/jinjiang-hemei"


def run(instance: Path, *args: str) -> int:
    return main(["--instance", str(instance), *args])


@pytest.fixture
def instance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An instance with a firm, its key, a project and a commission contract."""
    path = tmp_path / "instance"
    assert run(path, "init", "--name", "chengdu.example") == 0
    capsys.readouterr()
    assert run(path, "keygen", "hemei-2026", "--out", str(tmp_path / "firm.skey")) == 0
    (tmp_path / "firm.vkey").write_text(capsys.readouterr().out.strip())
    steps = [
        [
            "add-firm",
            "--uscc",
            FIRM,
            "--name",
            "成都和美物业服务有限公司",
            "--address",
            "成都市锦江区东大街 1 号",
        ],
        ["add-key", "--firm", FIRM, "--vkey", str(tmp_path / "firm.vkey")],
        [
            "add-project",
            "--project-id",
            "jinjiang-hemei",
            "--name",
            "和美花园",
            "--address",
            "成都市锦江区和美路 8 号",
            "--district",
            "锦江区",
            "--households",
            "1200",
            "--floor-area-m2",
            "132000",
        ],
        [
            "bind-contract",
            "--contract-id",
            "c-2026",
            "--project-id",
            "jinjiang-hemei",
            "--firm",
            FIRM,
            "--fee-model",
            "commission",
            "--ratio-bp",
            "1000",
            "--start",
            "2026-01-01",
            "--end",
            "2028-12-31",
        ],
    ]
    for step in steps:
        assert run(path, "registry", *step) == 0
    capsys.readouterr()
    return path


def sign_entry(instance: Path, tmp_path: Path, out: str) -> None:
    """Sign tmp_path/entry.json with the firm's key into tmp_path/<out>."""
    code = run(
        instance,
        "sign",
        str(tmp_path / "entry.json"),
        "--key",
        str(tmp_path / "firm.skey"),
        "--out",
        str(tmp_path / out),
    )
    assert code == 0


def write_entry(
    path: Path, amount_fen: int, entry_id: str = "2026-03-lift-ads"
) -> None:
    payload = {
        "log": PROJECT_ORIGIN,
        "id": entry_id,
        "type": "CommonRevenueRecorded",
        "issued_at": "2026-03-06T10:00:00+08:00",
        "body": {
            "source_id": "lift-ads",
            "amount_fen": amount_fen,
            "received_on": "2026-03-05",
        },
    }
    path.write_text(json.dumps(payload, ensure_ascii=False))


def test_a_newcomer_posts_a_signed_entry_and_verifies_its_receipt_offline(
    instance: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_entry(tmp_path / "entry.json", 1_250_000)
    assert (
        run(
            instance,
            "sign",
            str(tmp_path / "entry.json"),
            "--key",
            str(tmp_path / "firm.skey"),
            "--out",
            str(tmp_path / "sub.json"),
        )
        == 0
    )
    assert (
        run(
            instance,
            "post",
            str(tmp_path / "sub.json"),
            "--out",
            str(tmp_path / "receipt.json"),
        )
        == 0
    )
    assert run(instance, "log-key", PROJECT_ORIGIN) == 0
    log_vkey = capsys.readouterr().out.strip()

    # Offline: only the receipt file and the trusted keys; the instance can be gone.
    shutil.rmtree(instance)
    code = run(
        tmp_path / "nowhere",
        "verify-receipt",
        str(tmp_path / "receipt.json"),
        "--log-key",
        log_vkey,
        "--entry-key",
        str(tmp_path / "firm.vkey"),
    )

    assert code == 0
    assert "已验证" in capsys.readouterr().out
    receipt = json.loads((tmp_path / "receipt.json").read_text())
    assert receipt["index"] == 0
    assert receipt["proof"].startswith("c2sp.org/tlog-proof@v1\n")


def test_a_retried_post_gives_the_same_receipt_and_a_changed_one_is_refused(
    instance: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_entry(tmp_path / "entry.json", 100)
    sign_entry(instance, tmp_path, "sub.json")
    run(
        instance, "post", str(tmp_path / "sub.json"), "--out", str(tmp_path / "r1.json")
    )
    run(
        instance, "post", str(tmp_path / "sub.json"), "--out", str(tmp_path / "r2.json")
    )
    first = json.loads((tmp_path / "r1.json").read_text())
    again = json.loads((tmp_path / "r2.json").read_text())
    assert (first["index"], first["leaf"]) == (again["index"], again["leaf"])

    write_entry(tmp_path / "entry.json", 200)
    sign_entry(instance, tmp_path, "sub2.json")
    capsys.readouterr()
    assert run(instance, "post", str(tmp_path / "sub2.json")) == 5
    err = capsys.readouterr().err
    assert "/payload/id" in err


def test_a_tampered_receipt_fails_verification_with_exit_code_3(
    instance: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_entry(tmp_path / "entry.json", 100)
    sign_entry(instance, tmp_path, "sub.json")
    run(
        instance,
        "post",
        str(tmp_path / "sub.json"),
        "--out",
        str(tmp_path / "receipt.json"),
    )
    run(instance, "log-key", PROJECT_ORIGIN)
    log_vkey = capsys.readouterr().out.strip()
    receipt = json.loads((tmp_path / "receipt.json").read_text())
    receipt["index"] = 1
    receipt["proof"] = receipt["proof"].replace("\nindex 0\n", "\nindex 1\n")
    (tmp_path / "bad.json").write_text(json.dumps(receipt))

    assert (
        run(
            instance,
            "verify-receipt",
            str(tmp_path / "bad.json"),
            "--log-key",
            log_vkey,
        )
        == 3
    )


def test_a_schema_violation_names_the_field_and_exits_4(
    instance: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_entry(tmp_path / "entry.json", -5)
    sign_entry(instance, tmp_path, "sub.json")
    capsys.readouterr()
    assert run(instance, "post", str(tmp_path / "sub.json")) == 4
    assert "/payload/body/amount_fen" in capsys.readouterr().err


def test_commands_without_an_instance_say_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path / "missing", "info") == 2
    assert "shuangshai init" in capsys.readouterr().err


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("shuangshai")
    result = subprocess.run(
        [str(script), "--instance", str(tmp_path / "i"), "init", "--name", "x.example"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SHUANGSHAI_STORE": "sqlite"},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "i" / "ledger.sqlite").exists()
