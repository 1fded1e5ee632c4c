"""HTTP load against a real ``shuangshai serve``: instance set-up, server, clients.

Shared by the HTTP benchmark (:mod:`benchmarks.http`) and the load tests
(``tests/api/test_concurrency_postgres.py``, ``tests/api/test_kill_under_load.py``):

- :func:`prepare_instance` creates an instance folder on the chosen store with a firm,
  its key and ``projects`` projects under contract (the registry of
  ``tests.builders.make_world``, several projects);
- :func:`presign` signs the entries before any clock starts;
- :class:`Server` runs ``shuangshai serve`` as a subprocess in its own process group
  (so a SIGKILL takes the workers too) and waits until it answers;
- :func:`post_all` posts the entries with N client threads, one keep-alive
  ``http.client`` connection each, and records every answer with its latency.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from api.instance import Instance, init_instance
from domain.entries import Submission
from domain.signing import Signer, VerifierKey
from tests.builders import (
    FIRM,
    INSTANCE,
    contract_body,
    firm_body,
    project_body,
    revenue_body,
)

ROOT: Final = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S: Final = 60.0
ISSUED_AT: Final = "2026-03-01T09:00:00+08:00"


@dataclass(frozen=True)
class LoadInstance:
    """An instance folder ready for load: projects under contract, a firm key."""

    instance: Instance
    environ: dict[str, str]
    firm_key: Signer
    projects: tuple[str, ...]

    def origin(self, project: str) -> str:
        return f"{self.instance.name}/p/{project}"

    def log_key(self, origin: str) -> VerifierKey:
        """The log's checkpoint key, from the instance folder's log seed."""
        return Signer.from_seed(origin, self.instance.log_seed()).verifier()


def project_ids(count: int) -> tuple[str, ...]:
    return tuple(f"load-{number:02d}" for number in range(count))


def prepare_instance(
    path: Path, environ: Mapping[str, str], *, projects: int
) -> LoadInstance:
    """A new instance in ``path`` on the store ``environ`` selects, registry filled."""
    instance = init_instance(path, INSTANCE)
    association = instance.association_signer()
    firm_key = Signer.generate("hemei-wuye-load")
    ledger = instance.open_ledger(environ=environ)
    try:
        registrations: list[tuple[str, dict[str, Any]]] = [
            ("FirmRegistered", firm_body()),
            ("FirmKeyAdded", {"firm": FIRM, "vkey": firm_key.vkey}),
        ]
        for project in project_ids(projects):
            registrations.append(("ProjectRegistered", project_body(project)))
            registrations.append(
                ("ContractBound", contract_body(f"c-{project}", project))
            )
        origin = instance.registry_origin
        submissions = [
            Submission.sign(
                _payload(origin, f"r-{n}", entry_type, body, association), association
            )
            for n, (entry_type, body) in enumerate(registrations)
        ]
        for outcome in ledger.submit_batch(origin, submissions):
            if isinstance(outcome, Exception):
                raise outcome
    finally:
        ledger.close()
    return LoadInstance(instance, dict(environ), firm_key, project_ids(projects))


def _payload(
    log: str, entry_id: str, entry_type: str, body: Mapping[str, Any], signer: Signer
) -> dict[str, Any]:
    return {
        "v": 1,
        "log": log,
        "id": entry_id,
        "type": entry_type,
        "issued_at": ISSUED_AT,
        "key": signer.key_ref,
        "body": dict(body),
    }


@dataclass(frozen=True)
class Posting:
    """One pre-signed entry and where it goes."""

    project: str
    entry_id: str
    body: bytes  # the request body: the submission as JSON


def presign(load: LoadInstance, count: int, *, tag: str = "e") -> list[Posting]:
    """``count`` signed revenue entries spread round-robin over the projects."""
    postings = []
    for number in range(count):
        project = load.projects[number % len(load.projects)]
        entry_id = f"{tag}-{number:07d}"
        payload = _payload(
            load.origin(project),
            entry_id,
            "CommonRevenueRecorded",
            revenue_body(100 + number),
            load.firm_key,
        )
        submission = Submission.sign(payload, load.firm_key)
        postings.append(
            Posting(project, entry_id, json.dumps(submission.to_json()).encode())
        )
    return postings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """``shuangshai serve`` in its own process group; ``with`` stops it."""

    instance_path: Path
    environ: Mapping[str, str]
    workers: int = 1
    port: int = field(default_factory=free_port)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    log: IO[bytes] | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        script = Path(sys.executable).with_name("shuangshai")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGSHAI_")}
        env.update(self.environ)
        env.update({"SHUANGSHAI_LOG_LEVEL": "warning", **self.extra_env})
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                str(script),
                "--instance",
                str(self.instance_path),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log if self.log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches workers
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Wait until every worker could answer: several ready answers in a row."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        answered = 0
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"shuangshai serve exited with {self.process.returncode}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/v1/registry")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    answered += 1
                    if answered >= 2 * self.workers:
                        return
                    continue
            except OSError:
                pass
            answered = 0
            time.sleep(0.1)
        raise RuntimeError(f"shuangshai serve did not answer within {READY_TIMEOUT_S}s")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and every worker)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), SIGKILL if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        self.kill()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Answer:
    """What the server said to one post (status 0: no answer, the connection died)."""

    posting: Posting
    status: int
    body: bytes
    latency_s: float

    def json(self) -> Any:
        return json.loads(self.body)


def post_all(
    port: int,
    postings: Sequence[Posting],
    *,
    clients: int,
    path: str = "/v1/projects/{project}/entries",
    stop: threading.Event | None = None,
    timeout_s: float = 60.0,
    into: list[Answer] | None = None,
) -> list[Answer]:
    """Post every posting with ``clients`` threads on keep-alive connections.

    Each thread takes the next posting from a shared cursor. A connection that dies
    (server killed) gives status 0 for that posting and the thread reconnects; with
    ``stop`` set the threads finish early. Answers are appended to ``into`` (if given)
    as they come, so another thread can watch the progress.
    """
    answers: list[Answer] = [] if into is None else into
    lock = threading.Lock()
    cursor = iter(postings)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
        headers = {"Content-Type": "application/json"}
        while stop is None or not stop.is_set():
            with lock:
                posting = next(cursor, None)
            if posting is None:
                break
            started = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    path.format(project=posting.project),
                    body=posting.body,
                    headers=headers,
                )
                response = conn.getresponse()
                answer = Answer(
                    posting,
                    response.status,
                    response.read(),
                    time.perf_counter() - started,
                )
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
                answer = Answer(posting, 0, b"", time.perf_counter() - started)
                if stop is not None:
                    time.sleep(0.05)
            with lock:
                answers.append(answer)
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def get_all(port: int, paths: Sequence[str], *, clients: int) -> dict[str, bytes]:
    """GET every path with ``clients`` keep-alive threads; path → body of a 200.

    Raises if any answer is not 200 (reads in the load tests must all succeed).
    """
    bodies: dict[str, bytes] = {}
    failures: list[str] = []
    lock = threading.Lock()
    cursor = iter(paths)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                path = next(cursor, None)
            if path is None:
                break
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            with lock:
                if response.status == 200:
                    bodies[path] = body
                else:
                    failures.append(f"{path}: {response.status} {body[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise AssertionError(f"{len(failures)} reads failed, e.g. {failures[:3]}")
    return bodies
