"""``shuangshai serve`` runs the API on an instance, and the API works on real stores."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from api.app import create_app
from domain.receipts import Receipt, verify_receipt
from tests.api.conftest import TestClient
from tests.builders import PROJECT, PROJECT_ORIGIN, make_world, revenue_body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_shuangshai_serve_starts_answers_and_stops_on_sigint(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("shuangshai")
    instance = tmp_path / "inst"
    subprocess.run(
        [script, "--instance", instance, "init", "--name", "chengdu.example"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGSHAI_")}
    server = subprocess.Popen(
        [script, "--instance", instance, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        response = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/registry")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the server did not start"
        assert response.status_code == 200
        assert response.json()["instance"] == "chengdu.example"
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output.decode()


def test_the_api_posts_and_reads_on_a_durable_store(
    durable_store_env: dict[str, str],
) -> None:
    world = make_world(durable_store_env)
    try:
        with TestClient(create_app(world.ledger)) as client:
            payload = world.payload("CommonRevenueRecorded", revenue_body(500))
            response = client.post(
                f"/v1/projects/{PROJECT}/entries", json=world.sign(payload).to_json()
            )
            board = client.get(f"/v1/projects/{PROJECT}/board").json()
            entries = client.get(f"/v1/projects/{PROJECT}/entries").json()

        assert response.status_code == 201
        verify_receipt(
            Receipt.from_json(response.json()),
            log_key=world.ledger.log_signer(PROJECT_ORIGIN).verifier(),
        )
        assert [e["index"] for e in board["columns"][0]["entries"]] == [0]
        assert [e["index"] for e in entries["entries"]] == [0]
    finally:
        world.ledger.close()
