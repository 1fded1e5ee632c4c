"""``shuangshai serve --workers N``: refusals, a clean start and stop, the hidden no-op."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings
from benchmarks.loadgen import Server, post_all, prepare_instance, presign
from tests.api.conftest import TestClient
from tests.builders import World

SCRIPT = Path(sys.executable).with_name("shuangshai")


def serve(
    instance: Path, *args: str, store: str = "sqlite"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGSHAI_")}
    env["SHUANGSHAI_STORE"] = store
    return subprocess.run(
        [SCRIPT, "--instance", instance, "serve", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    path = tmp_path / "inst"
    subprocess.run(
        [SCRIPT, "--instance", path, "init", "--name", "chengdu.example"],
        check=True,
        capture_output=True,
    )
    return path


@pytest.mark.parametrize("workers", ["0", "65", "-1"])
def test_a_worker_count_out_of_range_is_refused(instance: Path, workers: str) -> None:
    result = serve(instance, "--workers", workers)

    assert result.returncode == 2
    assert "--workers must be between 1 and 64" in result.stderr


def test_the_memory_store_cannot_be_shared_by_workers(instance: Path) -> None:
    result = serve(instance, "--workers", "2", store="memory")

    assert result.returncode == 2
    assert "memory store cannot be shared by 2 worker processes" in result.stderr


def test_two_workers_on_sqlite_take_singles_and_batches_and_stop_cleanly(
    tmp_path: Path,
) -> None:
    load = prepare_instance(
        tmp_path / "inst", {"SHUANGSHAI_STORE": "sqlite"}, projects=1
    )
    singles = presign(load, 60, tag="single")
    batches = [presign(load, 10, tag=f"batch{n}") for n in range(4)]
    server = Server(tmp_path / "inst", load.environ, workers=2).start()
    try:
        batch_answers: list[Any] = []

        def post_batches() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            for batch in batches:
                body = b"[" + b",".join(p.body for p in batch) + b"]"
                path = f"/v1/projects/{load.projects[0]}/entries:batch"
                conn.request("POST", path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                assert response.status == 200
                batch_answers.extend(json.loads(response.read()))
            conn.close()

        poster = threading.Thread(target=post_batches)
        poster.start()
        answers = post_all(server.port, singles, clients=8)
        poster.join()

        assert sorted(a.status for a in answers) == [201] * 60
        assert [item["status"] for item in batch_answers] == [201] * 40
        indexes = [a.json()["index"] for a in answers]
        indexes += [item["receipt"]["index"] for item in batch_answers]
        assert sorted(indexes) == list(range(100))
        assert server.process is not None
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=30) == 0
    finally:
        server.kill()
    ledger = load.instance.open_ledger(environ=load.environ)
    try:
        assert ledger.verify_stored_tree(load.origin(load.projects[0])) == 100
    finally:
        ledger.close()


def test_the_noop_endpoint_exists_only_when_enabled(world: World) -> None:
    with TestClient(create_app(world.ledger)) as client:
        assert client.post("/v1/_noop", json={}).status_code == 404
    enabled = Settings(noop_endpoint=True)
    with TestClient(create_app(world.ledger, settings=enabled)) as client:
        assert client.post("/v1/_noop", json={"a": 1}).json() == {"ok": True}
        assert client.get("/v1/_noop").status_code == 200
        assert "/v1/_noop" not in client.get("/openapi.json").json()["paths"]
