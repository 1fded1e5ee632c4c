"""Ingest benchmark: raw limit, in-process ingest rate, proof rate, memory (SPEC §2–3).

Run from the repository root::

    .venv/bin/python -m benchmarks.ingest [--entries N] [--rounds N]
        [--proof-log-size N] [--memory-log-size N] [--postgres/--no-postgres]
        [--profile]

It prints, in one run, labelled figures and a final summary table:

1. **raw limit** — what one core can do with no storage at all: the canonical-form
   check (``domain.canonical.parse_canonical``) plus the Ed25519 verification of
   ``domain.entries.entry_signature_message`` (``VerifierKey.verify``), over the same
   pre-signed submissions that are ingested below.
2. **ingest rate** — ``LedgerApplication.submit_batch`` with batches of 100 (validate,
   verify, authorise, append, tree, one signed checkpoint per batch) on a SQLite file
   and on PostgreSQL (a fresh schema, dropped afterwards), and each one's ratio to the
   raw limit. Everything is signed before the clock starts. On SQLite, ``--rounds``
   rounds (default 3) each time a raw pass and then an ingest into a new file, and
   the ratio reported is the median of the rounds' own ratios (the spread is
   printed): single passes on this VM swing by ±6 points. PostgreSQL gets one pass,
   against the median raw limit.
3. **inclusion proofs** — a fresh ``LedgerApplication`` (cold in-process caches; the
   file itself is in the OS page cache) over a SQLite log of ``--proof-log-size``
   entries; ``inclusion_proof(origin, i, size)`` for random ``i``, a cold pass and a
   warm second pass over the same indices.
4. **memory** — peak RSS (``resource.getrusage``) of this process; with
   ``--memory-log-size N`` a child process ingests N entries into a new SQLite file,
   printing RSS every 100,000 entries so that flat memory is visible. Its submissions
   are generated and signed in a stream, 100 at a time, outside the timed calls.

The workload mixes every valid example body in ``tests/examples/`` whose type a firm
under a 酬金制 (commission) contract may post: lump-sum types and the contract-violating
remuneration examples are refused by ``domain.rules.check_against_contract`` and are
left out, as are ``EntryReversed`` (it needs a live target) and the owners'
challenge types (the intake key raises a challenge; answers need a live one). The world is the one of
``tests.builders.make_world`` (same seeds), on the system clock.

The figures are measurements, not assertions: targets are printed beside them.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from domain.application import LedgerApplication
from domain.canonical import canonical_bytes, parse_canonical
from domain.catalogue import CHALLENGE_TYPES, PROJECT_ENTRY_TYPES
from domain.entries import Submission, entry_signature_message
from domain.errors import LedgerError
from domain.merkle import hash_leaf, verify_inclusion
from domain.registry import Contract
from domain.rules import check_against_contract
from domain.signing import Signer, VerifierKey
from tests.builders import (
    FIRM,
    INSTANCE,
    PROJECT,
    PROJECT_ORIGIN,
    REGISTRY_ORIGIN,
    contract_body,
    firm_body,
    project_body,
)

ROOT: Final = Path(__file__).resolve().parents[1]
EXAMPLES: Final = ROOT / "tests" / "examples"
BATCH: Final = 100
BUILD_BATCH: Final = 1000  # for building the proof log, which is not timed
RSS_EVERY: Final = 100_000
ISSUED_AT: Final = "2026-03-01T09:00:00+08:00"
ID_PLACEHOLDER: Final = "@@ID@@"

TARGET_INGEST_RATIO: Final = 0.50
TARGET_PROOFS_PER_S: Final = 10_000
TARGET_RSS_MB: Final = 300

# The seeds of tests.builders.make_world(seed=1).
ASSOCIATION_SEED: Final = bytes([1]) * 32
FIRM_SEED: Final = bytes([2]) * 32
LOG_SEED: Final = bytes([3]) * 32


# ------------------------------------------------------------------------- the world
@dataclass
class Bench:
    """A ledger with the make_world registry: a firm, its key, a commission contract."""

    ledger: LedgerApplication
    firm_key: Signer
    contract: Contract


def open_bench(env: Mapping[str, str]) -> Bench:
    """Open a ledger on ``env``; register the world if its registry is empty."""
    association = Signer.from_seed(f"{INSTANCE}/association", ASSOCIATION_SEED)
    firm_key = Signer.from_seed("hemei-wuye-2026", FIRM_SEED)
    ledger = LedgerApplication(
        instance=INSTANCE,
        association_vkey=association.vkey,
        log_signer_seed=LOG_SEED,
        env=dict(env),
    )
    if ledger.log_size(REGISTRY_ORIGIN) == 0:
        registrations: list[tuple[str, dict[str, Any]]] = [
            ("FirmRegistered", firm_body()),
            ("FirmKeyAdded", {"firm": FIRM, "vkey": firm_key.vkey}),
            ("ProjectRegistered", project_body()),
            ("ContractBound", contract_body()),
        ]
        for number, (entry_type, body) in enumerate(registrations):
            payload = _payload(
                REGISTRY_ORIGIN, f"e-{number}", entry_type, body, association
            )
            ledger.submit(REGISTRY_ORIGIN, Submission.sign(payload, association))
    contract = ledger.get_registry().active_contract(PROJECT)
    if contract is None:
        raise SystemExit(f"the registry has no active contract for {PROJECT}")
    return Bench(ledger, firm_key, contract)


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


def _kebab(entry_type: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", entry_type).lower()


def body_pool(contract: Contract) -> list[tuple[str, dict[str, Any]]]:
    """Every valid example body a firm under ``contract`` may post on its own (no
    reversals, no owners' challenge steps)."""
    pool: list[tuple[str, dict[str, Any]]] = []
    for entry_type in PROJECT_ENTRY_TYPES:
        if entry_type == "EntryReversed":
            continue  # needs a live target index and leaf hash
        if entry_type in CHALLENGE_TYPES:
            continue  # raised by the intake key; answers need a live challenge
        path = EXAMPLES / f"{_kebab(entry_type)}.json"
        if not path.exists():
            continue
        for body in json.loads(path.read_text(encoding="utf-8"))["valid"]:
            try:
                check_against_contract(entry_type, body, contract)
            except LedgerError:
                continue  # e.g. lump-sum types, remuneration off the contract
            pool.append((entry_type, body))
    if not pool:
        raise SystemExit(f"no usable example bodies under {EXAMPLES}")
    return pool


@dataclass
class SubmissionMaker:
    """Signs realistic submissions fast: canonical templates with the id spliced in.

    Each (type, body) is canonicalised once with a placeholder id; the id (ASCII,
    nothing to escape) is spliced into those bytes, which stay canonical because the
    key order does not depend on values. The first use of each template is checked
    with ``parse_canonical`` all the same.
    """

    signer: Signer
    origin: str
    pool: Sequence[tuple[str, dict[str, Any]]]
    tag: str
    seed: int = 2026
    _templates: list[tuple[bytes, bytes]] = field(default_factory=list)
    _order: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        quoted = f'"{ID_PLACEHOLDER}"'.encode("ascii")
        for entry_type, body in self.pool:
            payload = _payload(
                self.origin, ID_PLACEHOLDER, entry_type, body, self.signer
            )
            prefix, _, suffix = canonical_bytes(payload).partition(quoted)
            self._templates.append((prefix, suffix))
        self._order = list(range(len(self._templates))) * 4
        random.Random(self.seed).shuffle(self._order)
        for number in range(len(self._templates)):
            submission = self.make(number)
            if parse_canonical(submission.payload_bytes)["id"] != self.entry_id(number):
                raise SystemExit("template splicing broke the payload")

    def entry_id(self, number: int) -> str:
        return f"{self.tag}-{number:08d}"

    def make(self, number: int) -> Submission:
        prefix, suffix = self._templates[self._order[number % len(self._order)]]
        payload = b"".join(
            (prefix, b'"', self.entry_id(number).encode("ascii"), b'"', suffix)
        )
        return Submission(payload, self.signer.sign(entry_signature_message(payload)))

    def batches(self, start: int, stop: int, size: int) -> Iterator[list[Submission]]:
        """Signed batches for numbers ``start <= n < stop``, made as they are asked for."""
        for first in range(start, stop, size):
            yield [self.make(n) for n in range(first, min(first + size, stop))]


# ------------------------------------------------------------------- measurements
def rss_mb() -> float | None:
    """This process's resident set size now (Linux ``/proc``), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """``ru_maxrss`` of this process in MB (KiB on Linux, bytes on macOS).

    Linux keeps ``ru_maxrss`` across ``execve``: a child started with ``subprocess``
    (vfork + exec) starts from its parent's peak. :func:`hwm_mb` does not.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def hwm_mb() -> float:
    """The peak RSS of this process image (Linux ``VmHWM``), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except (OSError, IndexError, ValueError):
        pass
    return peak_rss_mb()


def measure_raw(submissions: Sequence[Submission], verifier: VerifierKey) -> float:
    """Canonical check + Ed25519 verify only: entries per second."""
    start = time.perf_counter()
    for submission in submissions:
        parse_canonical(submission.payload_bytes)
        verifier.verify(
            signature=submission.signature,
            message=entry_signature_message(submission.payload_bytes),
        )
    return len(submissions) / (time.perf_counter() - start)


def ingest(
    ledger: LedgerApplication, batches: Iterator[list[Submission]]
) -> tuple[int, float]:
    """Submit every batch; returns (entries, seconds spent inside submit_batch)."""
    count = 0
    elapsed = 0.0
    for batch in batches:
        start = time.perf_counter()
        outcomes = ledger.submit_batch(PROJECT_ORIGIN, batch)
        elapsed += time.perf_counter() - start
        for outcome in outcomes:
            if isinstance(outcome, LedgerError):
                raise SystemExit(f"a benchmark submission was rejected: {outcome}")
        count += len(batch)
    return count, elapsed


def measure_ingest(
    env: Mapping[str, str], submissions: Sequence[Submission], profile: bool
) -> float:
    """Ingest pre-signed submissions in batches of 100; entries per second."""
    bench = open_bench(env)
    try:
        batches = [
            list(submissions[i : i + BATCH]) for i in range(0, len(submissions), BATCH)
        ]
        gc.collect()
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        count, elapsed = ingest(bench.ledger, iter(batches))
        if profiler is not None:
            profiler.disable()
            print("    cProfile (top 25 by internal time):")
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(25)
        return count / elapsed
    finally:
        bench.ledger.close()


@dataclass(frozen=True)
class ProofFigures:
    size: int
    first_call_s: float
    cold_per_s: float
    warm_per_s: float
    samples: int


def measure_proofs(env: Mapping[str, str], samples: int) -> ProofFigures:
    """Inclusion proofs from storage through a fresh application: cold, then warm."""
    bench = open_bench(env)
    try:
        ledger = bench.ledger
        start = time.perf_counter()
        size = ledger.log_size(PROJECT_ORIGIN)  # loads the log state from the store
        first_call_s = time.perf_counter() - start
        rng = random.Random(9162)
        indices = [rng.randrange(size) for _ in range(samples)]
        rates = []
        for _ in ("cold", "warm"):
            start = time.perf_counter()
            for index in indices:
                ledger.inclusion_proof(PROJECT_ORIGIN, index, size)
            rates.append(samples / (time.perf_counter() - start))
        # Not timed: the proofs are right (against the tree's own root).
        root = ledger.root_at(PROJECT_ORIGIN, size)
        for index in indices[:50]:
            leaf = ledger.get_entry(PROJECT_ORIGIN, index).leaf
            verify_inclusion(
                leaf_hash=hash_leaf(leaf),
                index=index,
                size=size,
                proof=ledger.inclusion_proof(PROJECT_ORIGIN, index, size),
                root=root,
            )
        return ProofFigures(size, first_call_s, rates[0], rates[1], samples)
    finally:
        bench.ledger.close()


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


# ------------------------------------------------------------------------ postgres
def postgres_settings() -> dict[str, str]:
    """Connection settings: POSTGRES_* from the environment, else the test server."""
    return {
        "POSTGRES_DBNAME": os.environ.get("POSTGRES_DBNAME", "test"),
        "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
        "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
    }


def _pg_connect(settings: Mapping[str, str]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=settings["POSTGRES_DBNAME"],
        host=settings["POSTGRES_HOST"],
        port=settings["POSTGRES_PORT"],
        user=settings["POSTGRES_USER"],
        password=settings["POSTGRES_PASSWORD"],
        connect_timeout=3,
        autocommit=True,
    )


def postgres_version(settings: Mapping[str, str]) -> str:
    with _pg_connect(settings) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"


def measure_postgres(
    submissions: Sequence[Submission], profile: bool
) -> tuple[float | None, str]:
    """Ingest rate on PostgreSQL in a fresh schema (dropped afterwards), or why not."""
    from psycopg import sql

    settings = postgres_settings()
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with _pg_connect(settings) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    except Exception as exc:  # any failure to connect: report it, carry on
        return None, f"skipped: PostgreSQL not reachable ({exc})"
    try:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_SCHEMA": schema,
            **settings,
        }
        rate = measure_ingest(env, submissions, profile)
        return rate, f"PostgreSQL {postgres_version(settings)}, schema {schema}"
    finally:
        with _pg_connect(settings) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema))
            )


# ------------------------------------------------------------------ memory (child)
def memory_child(entries: int) -> None:
    """Ingest ``entries`` into a new SQLite file, printing RSS every 100,000 entries.

    Runs in its own process so that its peak RSS is its own. The last line is
    ``RESULT {json}`` for the parent.
    """
    with tempfile.TemporaryDirectory(prefix="shuangshai-mem-") as tmp:
        bench = open_bench(sqlite_env(Path(tmp) / "ledger.sqlite"))
        try:
            maker = SubmissionMaker(
                bench.firm_key, PROJECT_ORIGIN, body_pool(bench.contract), "mem"
            )
            rows: list[dict[str, float]] = []
            done = 0
            total_s = 0.0
            print(f"    {'entries':>10} {'ingest/s':>9} {'RSS MB':>8} {'peak MB':>8}")
            print(
                f"    {0:>10,} {'':>9} {rss_mb() or 0.0:>8.1f} {hwm_mb():>8.1f}",
                flush=True,
            )
            while done < entries:
                stop = min(done + RSS_EVERY, entries)
                count, elapsed = ingest(bench.ledger, maker.batches(done, stop, BATCH))
                done += count
                total_s += elapsed
                row = {
                    "entries": done,
                    "rate": count / elapsed,
                    "rss": rss_mb() or 0.0,
                    "peak": hwm_mb(),
                }
                rows.append(row)
                print(
                    f"    {done:>10,} {row['rate']:>9,.0f} {row['rss']:>8.1f} "
                    f"{row['peak']:>8.1f}",
                    flush=True,
                )
            size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        finally:
            bench.ledger.close()
    result = {
        "entries": done,
        "rate": done / total_s,
        "peak": hwm_mb(),
        "maxrss": peak_rss_mb(),
        "rows": rows,
        "file_mb": size_mb,
    }
    print("RESULT " + json.dumps(result), flush=True)


def run_memory_child(entries: int) -> dict[str, Any] | None:
    command = [
        sys.executable,
        "-m",
        "benchmarks.ingest",
        "--memory-child",
        str(entries),
    ]
    with subprocess.Popen(  # noqa: S603 - this interpreter, this module
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, encoding="utf-8"
    ) as child:
        assert child.stdout is not None
        result: dict[str, Any] | None = None
        for line in child.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
            else:
                print(line, end="", flush=True)
    if child.returncode != 0:
        print(f"    memory child failed with exit code {child.returncode}")
        return None
    return result


# ----------------------------------------------------------------------- reporting
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def print_header(entries: int) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"shuangshai ingest benchmark — {now}")
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}, {platform.machine()}"
    )
    print(
        f"  CPUs: {os.cpu_count()} (the benchmark uses one core); processor: "
        f"{_cpu_model()}"
    )
    print(
        f"  eventsourcing {_version('eventsourcing')}, cryptography "
        f"{_version('cryptography')}, jsonschema {_version('jsonschema')}, "
        f"psycopg {_version('psycopg')}, SQLite {sqlite3.sqlite_version}"
    )
    print(f"  entries per ingest run: {entries:,}; batch size {BATCH}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT MET"


@dataclass
class Summary:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, figure: str, value: str, target: str = "") -> None:
        self.rows.append((figure, value, target))

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        value_width = max(len(r[1]) for r in self.rows)
        print()
        print("Summary")
        print(f"  {'figure':<{width}}  {'value':>{value_width}}  target")
        print(f"  {'-' * width}  {'-' * value_width}  {'-' * 30}")
        for figure, value, target in self.rows:
            print(f"  {figure:<{width}}  {value:>{value_width}}  {target}")


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--entries", type=int, default=20_000, metavar="N")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        metavar="N",
        help="raw + SQLite ingest rounds; the median ratio is reported (default 3)",
    )
    parser.add_argument("--proof-log-size", type=int, default=100_000, metavar="N")
    parser.add_argument(
        "--proofs", type=int, default=5_000, metavar="N", help="proofs per pass"
    )
    parser.add_argument(
        "--memory-log-size",
        type=int,
        default=0,
        metavar="N",
        help="ingest N entries in a child process, RSS every 100,000 (e.g. 1000000)",
    )
    parser.add_argument(
        "--postgres", action=argparse.BooleanOptionalAction, default=True
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the SQLite ingest"
    )
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.memory_child)
        return
    entries: int = args.entries
    summary = Summary()
    print_header(entries)

    with tempfile.TemporaryDirectory(prefix="shuangshai-bench-") as tmp:
        sqlite_path = Path(tmp) / "ledger.sqlite"
        bench = open_bench(sqlite_env(sqlite_path))
        pool = body_pool(bench.contract)
        verifier = VerifierKey.from_vkey(bench.firm_key.vkey)
        bench.ledger.close()

        # Pre-sign everything before any clock starts.
        start = time.perf_counter()
        sqlite_maker = SubmissionMaker(bench.firm_key, PROJECT_ORIGIN, pool, "sq")
        sqlite_subs = [sqlite_maker.make(n) for n in range(entries)]
        sign_rate = entries / (time.perf_counter() - start)
        types = sorted({entry_type for entry_type, _ in pool})
        payload_mean = sum(len(s.payload_bytes) for s in sqlite_subs) / entries
        print(
            f"  workload: {len(pool)} example bodies over {len(types)} entry types, "
            f"mean payload {payload_mean:,.0f} B; signed at {sign_rate:,.0f}/s "
            "(not timed below)"
        )

        print(
            "\n[1] raw limit: parse_canonical + Ed25519 verify, one core\n"
            "[2] full ingest: submit_batch, 100 per batch, one checkpoint each\n"
            f"    {args.rounds} rounds, each a raw pass then an ingest into a new "
            "SQLite file; the ratio is each round's own"
        )
        measure_raw(sqlite_subs[:1000], verifier)  # warm up
        rounds: list[tuple[float, float]] = []
        for number in range(args.rounds):
            path = sqlite_path if number == 0 else Path(tmp) / f"round-{number}.sqlite"
            raw_pass = measure_raw(sqlite_subs, verifier)
            rate_pass = measure_ingest(
                sqlite_env(path), sqlite_subs, args.profile and number == 0
            )
            rounds.append((raw_pass, rate_pass))
            print(
                f"    round {number + 1}: raw {raw_pass:,.0f}/s, SQLite ingest "
                f"{rate_pass:,.0f}/s = {rate_pass / raw_pass:.0%}"
            )
            if number:
                path.unlink()
        ratios = sorted(rate / raw for raw, rate in rounds)
        ratio = statistics.median(ratios)
        raw = statistics.median(raw for raw, _ in rounds)
        rate = statistics.median(rate for _, rate in rounds)
        spread = f"rounds {ratios[0]:.0%}–{ratios[-1]:.0%}"
        print(
            f"    median: raw {raw:,.0f}/s, SQLite {rate:,.0f}/s, ratio {ratio:.0%} "
            f"({spread}; target ≥ {TARGET_INGEST_RATIO:.0%}: "
            f"{_mark(ratio >= TARGET_INGEST_RATIO)})"
        )
        summary.add("raw limit (canonical + Ed25519)", f"{raw:,.0f}/s", "median")
        summary.add("ingest, SQLite file", f"{rate:,.0f}/s", "median")
        summary.add(
            "  ratio to raw limit",
            f"{ratio:.0%}",
            f"≥ {TARGET_INGEST_RATIO:.0%} — {_mark(ratio >= TARGET_INGEST_RATIO)} "
            f"(median; {spread})",
        )
        del sqlite_subs
        if args.postgres:
            pg_maker = SubmissionMaker(bench.firm_key, PROJECT_ORIGIN, pool, "pg")
            pg_subs = [pg_maker.make(n) for n in range(entries)]
            pg_rate, note = measure_postgres(pg_subs, profile=False)
            del pg_subs
            if pg_rate is None:
                print(f"    PostgreSQL: {note}")
                summary.add("ingest, PostgreSQL", "skipped", note)
            else:
                print(
                    f"    PostgreSQL: {pg_rate:,.0f} entries/s = {pg_rate / raw:.0%} "
                    f"of raw ({note}; dropped)"
                )
                summary.add("ingest, PostgreSQL", f"{pg_rate:,.0f}/s")
                summary.add("  ratio to raw limit", f"{pg_rate / raw:.0%}")
        else:
            summary.add("ingest, PostgreSQL", "skipped", "--no-postgres")

        target_size = args.proof_log_size
        print(f"\n[3] inclusion proofs at {target_size:,} entries (SQLite file)")
        bench = open_bench(sqlite_env(sqlite_path))
        try:
            have = bench.ledger.log_size(PROJECT_ORIGIN)
            start = time.perf_counter()
            count, _ = ingest(
                bench.ledger,
                sqlite_maker.batches(have, max(have, target_size), BUILD_BATCH),
            )
            if count:
                print(
                    f"    built: {have:,} → {have + count:,} entries in "
                    f"{time.perf_counter() - start:,.1f} s (signing included, batches "
                    f"of {BUILD_BATCH})"
                )
        finally:
            bench.ledger.close()
        proofs = measure_proofs(sqlite_env(sqlite_path), args.proofs)
        print(
            f"    fresh application: first call (state load) {proofs.first_call_s * 1000:,.1f} ms"
        )
        ok = proofs.cold_per_s >= TARGET_PROOFS_PER_S
        print(
            f"    cold pass: {proofs.cold_per_s:,.0f} proofs/s; warm pass: "
            f"{proofs.warm_per_s:,.0f} proofs/s ({proofs.samples:,} random indices, "
            f"size {proofs.size:,}; target ≥ {TARGET_PROOFS_PER_S:,}/s: {_mark(ok)})"
        )
        summary.add(
            f"proofs at {proofs.size:,}, cold",
            f"{proofs.cold_per_s:,.0f}/s",
            f"≥ {TARGET_PROOFS_PER_S:,}/s — {_mark(ok)}",
        )
        warm_ok = proofs.warm_per_s >= TARGET_PROOFS_PER_S
        summary.add(
            f"proofs at {proofs.size:,}, warm",
            f"{proofs.warm_per_s:,.0f}/s",
            f"≥ {TARGET_PROOFS_PER_S:,}/s — {_mark(warm_ok)}",
        )
        db_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        print(f"    SQLite file size: {db_mb:,.0f} MB")

    print("\n[4] memory")
    peak = peak_rss_mb()
    print(
        f"    peak RSS of this process: {peak:,.0f} MB (it held {entries:,} pre-signed "
        "submissions at a time)"
    )
    summary.add("peak RSS, this run", f"{peak:,.0f} MB")
    if args.memory_log_size:
        print(
            f"    child process: {args.memory_log_size:,} entries into a new SQLite "
            "file, signed in a stream (not timed)"
        )
        result = run_memory_child(args.memory_log_size)
        if result is not None:
            ok = result["peak"] < TARGET_RSS_MB
            rss = [row["rss"] for row in result["rows"]]
            print(
                f"    ingest {result['rate']:,.0f} entries/s overall; RSS "
                f"{min(rss):,.0f}–{max(rss):,.0f} MB at the marks above; peak "
                f"{result['peak']:,.0f} MB (VmHWM; target < {TARGET_RSS_MB} MB: "
                f"{_mark(ok)}); file {result['file_mb']:,.0f} MB"
            )
            print(
                f"    (the child's ru_maxrss reads {result['maxrss']:,.0f} MB: Linux "
                "carries the parent's peak across exec, so VmHWM is the figure)"
            )
            summary.add(
                f"peak RSS, {result['entries']:,} entries",
                f"{result['peak']:,.0f} MB",
                f"< {TARGET_RSS_MB} MB — {_mark(ok)}",
            )
            summary.add(
                f"ingest, SQLite, {result['entries']:,} entries",
                f"{result['rate']:,.0f}/s",
            )
    else:
        print("    memory flatness: skipped (use --memory-log-size 1000000)")
        summary.add(
            "peak RSS, 1,000,000 entries",
            "not run",
            f"< {TARGET_RSS_MB} MB (--memory-log-size 1000000)",
        )
    summary.print()


if __name__ == "__main__":
    main()
