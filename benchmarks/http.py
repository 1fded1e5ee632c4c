"""HTTP benchmark: ``shuangshai serve`` under 32 concurrent clients, beside a no-op.

Starts the server as a subprocess (``--store sqlite|postgres``, ``--workers N``) on a
new instance, pre-signs ``--entries`` entries (one project by default), posts them over
HTTP with ``--clients`` threads on keep-alive connections, and prints throughput and
p50/p99 latency. The same run then measures the hidden ``POST /v1/_noop`` endpoint
(``SHUANGSHAI_NOOP=1``: same app, same uvicorn, same threadpool hop, JSON body parsed,
no ledger) with the same bodies and clients: the framework's ceiling on this machine.

The clients run on the same 2 cores as the server, so the client process's CPU time is
printed too (and the server's, summed over its process group): if the clients use a
large share, the figure understates the server. Targets (issue 5): ≥ 1,000 entries/s
with p99 ≤ 100 ms on SQLite, and on PostgreSQL with 2 workers.

    .venv/bin/python -m benchmarks.http [--store sqlite|postgres] [--workers N]
        [--clients 32] [--entries N] [--projects 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Final

from benchmarks.loadgen import (
    Answer,
    LoadInstance,
    Posting,
    Server,
    post_all,
    prepare_instance,
    presign,
)

TARGET_RATE: Final = 1000.0
TARGET_P99_MS: Final = 100.0
WARM_UP: Final = 200


@dataclass(frozen=True)
class Run:
    """One measured pass: what was posted, how fast, at what CPU cost."""

    label: str
    answers: list[Answer]
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float

    @property
    def rate(self) -> float:
        return len(self.answers) / self.wall_s

    def latency_ms(self, quantile: float) -> float:
        latencies = sorted(a.latency_s for a in self.answers)
        return 1000 * latencies[min(len(latencies) - 1, int(quantile * len(latencies)))]

    def statuses(self) -> str:
        counts = Counter(a.status for a in self.answers)
        return ", ".join(f"{status}×{n}" for status, n in sorted(counts.items()))

    def line(self) -> str:
        return (
            f"  {self.label:<22} {len(self.answers):>7,}  {self.rate:>9,.0f}/s  "
            f"p50 {self.latency_ms(0.50):>7.1f} ms  p99 {self.latency_ms(0.99):>7.1f} ms"
            f"  client CPU {100 * self.client_cpu_s / self.wall_s:>4.0f} %"
            f"  server CPU {100 * self.server_cpu_s / self.wall_s:>4.0f} %"
            f"  [{self.statuses()}]"
        )


def group_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # fields[2] is pgrp (field 5 of stat)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measure(
    label: str, server: Server, postings: Sequence[Posting], clients: int, path: str
) -> Run:
    server_before = group_cpu_s(server.pid)
    client_before = time.process_time()
    started = time.perf_counter()
    answers = post_all(server.port, postings, clients=clients, path=path)
    wall = time.perf_counter() - started
    return Run(
        label,
        answers,
        wall,
        time.process_time() - client_before,
        group_cpu_s(server.pid) - server_before,
    )


@contextmanager
def store(kind: str, folder: Path) -> Iterator[dict[str, str]]:
    """The instance's store settings; a fresh PostgreSQL schema, dropped afterwards."""
    if kind == "sqlite":
        yield {"SHUANGSHAI_STORE": "sqlite"}
        return
    import psycopg
    from psycopg import sql

    settings = {
        "POSTGRES_DBNAME": os.environ.get("POSTGRES_DBNAME", "test"),
        "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
        "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
    }
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=settings["POSTGRES_DBNAME"],
        host=settings["POSTGRES_HOST"],
        port=settings["POSTGRES_PORT"],
        user=settings["POSTGRES_USER"],
        password=settings["POSTGRES_PASSWORD"],
    )
    schema = f"bench_http_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield {"SHUANGSHAI_STORE": "postgres", "POSTGRES_SCHEMA": schema, **settings}
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema))
            )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def print_header(args: argparse.Namespace) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"shuangshai HTTP benchmark — {now}")
    print(
        f"  Python {platform.python_version()}, {platform.platform()}, "
        f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  uvicorn {_version('uvicorn')} (uvloop {_version('uvloop')}, httptools "
        f"{_version('httptools')}), fastapi {_version('fastapi')}"
    )
    print(
        f"  store {args.store}, {args.workers} worker(s), {args.clients} clients "
        f"(threads, keep-alive http.client), {args.entries:,} entries over "
        f"{args.projects} project(s), CommonRevenueRecorded, pre-signed"
    )


def run(args: argparse.Namespace) -> None:
    print_header(args)
    with (
        tempfile.TemporaryDirectory(prefix="shuangshai-http-") as folder,
        store(args.store, Path(folder)) as environ,
    ):
        load: LoadInstance = prepare_instance(
            Path(folder) / "instance", environ, projects=args.projects
        )
        signing = time.perf_counter()
        warm = presign(load, WARM_UP, tag="warm")
        postings = presign(load, args.entries)
        print(
            f"  pre-signed {len(warm) + len(postings):,} entries in "
            f"{time.perf_counter() - signing:.1f} s"
        )
        server = Server(
            Path(folder) / "instance",
            environ,
            workers=args.workers,
            extra_env={"SHUANGSHAI_NOOP": "1"},
        )
        with server:
            entries_path = "/v1/projects/{project}/entries"
            post_all(server.port, warm, clients=args.clients, path=entries_path)
            post_all(server.port, warm, clients=args.clients, path="/v1/_noop")
            noop = measure(
                "POST /v1/_noop", server, postings, args.clients, "/v1/_noop"
            )
            entries = measure(
                "POST …/entries", server, postings, args.clients, entries_path
            )
    print()
    print(
        f"  {'endpoint':<22} {'requests':>7}  {'throughput':>11}  latency"
        "                          CPU (share of one core)"
    )
    print(noop.line())
    print(entries.line())
    accepted = sum(1 for a in entries.answers if a.status == 201)
    print()
    print(
        f"  entries/s vs the framework's ceiling: {entries.rate / noop.rate:.0%}; "
        f"accepted {accepted:,} of {len(entries.answers):,}"
    )
    met = (
        entries.rate >= TARGET_RATE
        and entries.latency_ms(0.99) <= TARGET_P99_MS
        and accepted == len(entries.answers)
    )
    print(
        f"  target ≥ {TARGET_RATE:,.0f} entries/s with p99 ≤ {TARGET_P99_MS:.0f} ms: "
        f"{'met' if met else 'NOT MET'} (this run)"
    )
    if accepted != len(entries.answers):
        bad = [a for a in entries.answers if a.status != 201][:3]
        for answer in bad:
            print(f"  e.g. {answer.status}: {answer.body[:200]!r}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, metavar="N")
    parser.add_argument("--clients", type=int, default=32, metavar="N")
    parser.add_argument("--entries", type=int, default=10_000, metavar="N")
    parser.add_argument("--projects", type=int, default=1, metavar="N")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
