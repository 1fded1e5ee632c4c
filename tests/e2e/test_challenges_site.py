"""Challenges end to end on disk: init registers the intake key, the demo's owners'
contact details stay in the private store, erasure by the CLI leaves the log and the
published site intact and still free of private data."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.cli import main
from api.demo_command import run_demo
from api.instance import open_instance
from api.private_store import private_sqlite_path
from domain.signing import Signer
from domain.tiles import TILE_WIDTH, decode_entry_bundle
from domain.tiles import entries_path as bundle_path
from tests.privacy import scan_site

#: The fictional contact details the demo's owners gave the intake (api/demo.py).
DEMO_PRIVATE = ("李建国", "王雪梅", "13808086621", "8-1-0602", "周敏", "10-2-2702")
PROJECT = "jinjiang-hemingyuan"


def site_text(site: Path) -> str:
    """Every text file of the site, plus every leaf payload of every entry bundle."""
    texts: list[str] = []
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        texts.append(data.decode("utf-8", errors="ignore"))
    for log in [site / "registry" / "log", *sorted((site / "p").glob("*/log"))]:
        size = int((log / "checkpoint").read_text(encoding="utf-8").split("\n")[1])
        for bundle in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - bundle * TILE_WIDTH)
            data = (log / bundle_path(bundle, width)).read_bytes()
            for leaf in decode_entry_bundle(data, width=width):
                payload = base64.b64decode(json.loads(leaf)["payload"])
                texts.append(payload.decode("utf-8"))
    return "\n".join(texts)


def private_rows(instance_dir: Path) -> dict[str, tuple[str | None, str | None]]:
    env = open_instance(instance_dir).store_env({"SHUANGSHAI_STORE": "sqlite"})
    with sqlite3.connect(private_sqlite_path(env)) as db:
        rows = db.execute(
            "SELECT challenge_id, contact, salt FROM challenge_private"
        ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_init_registers_the_intake_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance_dir = tmp_path / "inst"
    assert (
        main(["--instance", str(instance_dir), "init", "--name", "chengdu.test"]) == 0
    )
    instance = open_instance(instance_dir)
    ledger = instance.open_ledger(environ={"SHUANGSHAI_STORE": "sqlite"})
    try:
        registry = ledger.get_registry()
        intake = instance.intake_signer()
        assert registry.active_intake_key(intake.key_ref) is not None
        assert registry.intake_keys[intake.key_ref].operator == "物业管理协会"
    finally:
        ledger.close()
    assert (instance_dir / "intake.skey").stat().st_mode & 0o777 == 0o600
    assert "intake key:" in capsys.readouterr().out

    # Rotation: the association adds a new intake key, then revokes the old one.
    new_key = Signer.generate("chengdu-test-intake-2027")
    base = ["--instance", str(instance_dir), "registry"]
    assert (
        main([*base, "add-intake-key", "--vkey", new_key.vkey, "--operator", "协会"])
        == 0
    )
    assert (
        main([*base, "revoke-intake-key", "--key", intake.key_ref, "--reason", "轮换"])
        == 0
    )
    assert (
        main([*base, "revoke-intake-key", "--key", intake.key_ref, "--reason", "x"])
        == 4
    )
    ledger = instance.open_ledger(environ={"SHUANGSHAI_STORE": "sqlite"})
    try:
        registry = ledger.get_registry()
        assert registry.active_intake_key(intake.key_ref) is None
        assert registry.active_intake_key(new_key.key_ref) is not None
    finally:
        ledger.close()


def test_demo_contact_details_stay_private_and_erasure_keeps_the_site_verifiable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_demo(tmp_path / "demo")
    site = report.out_dir
    instance_dir = tmp_path / "demo" / "instance"

    # The demo's four challenges came through the intake: contact details are in the
    # private store, and nowhere on the site (pages, files or entry payloads).
    rows = private_rows(instance_dir)
    assert set(rows) == {"q-2025-0001", "q-2025-0002", "q-2025-0003", "q-2026-0001"}
    assert all(contact and salt for contact, salt in rows.values())
    published = site_text(site)
    for private in DEMO_PRIVATE:
        assert private not in published
    for masked in ("李**", "王**", "138****6621", "8-1-***"):
        assert masked in published
    assert scan_site(site) == []
    registry_page = (site / "registry" / "index.html").read_text(encoding="utf-8")
    intake_vkey = open_instance(instance_dir).intake_signer().vkey
    assert intake_vkey in registry_page

    # The administrator erases one challenger's data; the log is unchanged.
    assert (
        main(
            [
                "--instance",
                str(instance_dir),
                "challenges",
                "erase",
                "--project",
                PROJECT,
                "--challenge-id",
                "q-2025-0002",
            ]
        )
        == 0
    )
    assert "can no longer be opened" in capsys.readouterr().out
    rows = private_rows(instance_dir)
    assert rows["q-2025-0002"] == (None, None)
    assert rows["q-2025-0001"][0] is not None
    env = open_instance(instance_dir).store_env({"SHUANGSHAI_STORE": "sqlite"})
    raw = Path(private_sqlite_path(env)).read_bytes()
    for private in ("王雪梅", "13808086621", "8-1-0602"):
        assert private.encode() not in raw

    # The site publishes again from the same log, verifies and is still clean.
    before = (site / "p" / PROJECT / "log" / "checkpoint").read_text()
    assert main(["--instance", str(instance_dir), "publish", "--out", str(site)]) == 0
    assert (site / "p" / PROJECT / "log" / "checkpoint").read_text() == before
    ledger = open_instance(instance_dir).open_ledger(
        environ={"SHUANGSHAI_STORE": "sqlite"}
    )
    try:
        for origin in ledger.list_origins():
            assert ledger.verify_stored_tree(origin) == ledger.log_size(origin)
    finally:
        ledger.close()
    assert scan_site(site) == []

    # Erasing a challenge the intake never took is "not found" (exit code 6).
    code = main(
        [
            "--instance",
            str(instance_dir),
            "challenges",
            "erase",
            "--project",
            PROJECT,
            "--challenge-id",
            "q-none",
        ]
    )
    assert code == 6


def test_serve_opens_the_intake_of_the_instance(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("shuangshai")
    instance = tmp_path / "inst"
    subprocess.run(
        [script, "--instance", instance, "init", "--name", "chengdu.example"],
        check=True,
        capture_output=True,
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGSHAI_")}
    server = subprocess.Popen(
        [script, "--instance", instance, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        document = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                document = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert document is not None, "the server did not start"
        assert "/v1/challenges/{tracking_code}" in document["paths"]
        registry = httpx.get(f"http://127.0.0.1:{port}/v1/registry").json()
        assert [k["operator"] for k in registry["intake_keys"]] == ["物业管理协会"]
        unknown = httpx.get(f"http://127.0.0.1:{port}/v1/challenges/{'a' * 32}")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output.decode()
