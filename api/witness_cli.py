"""The ``shuangshai witness …`` commands and the log's ``shuangshai cosign``.

``witness init DIR --name NAME`` makes a witness folder (a cosignature/v1 key and an
empty state); ``witness add-log DIR --vkey VKEY`` trusts a log; ``witness cosign DIR
--checkpoint FILE [--proof FILE | --old-size N]`` cosigns offline;
``witness serve DIR`` serves c2sp.org/tlog-witness over HTTP; ``witness show DIR``
prints the state. ``cosign`` runs one collection pass on the instance
(:mod:`api.cosigning`). The handlers return exit codes and raise
:class:`~domain.errors.LedgerError`; :func:`api.cli.main` maps them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.cosigning import collect_cosignatures
from api.instance import open_instance
from api.witness_store import WitnessFolder
from domain.application import LedgerApplication
from domain.checkpoint import Checkpoint
from domain.errors import (
    ConfigurationError,
    InvalidSignatureError,
    MalformedWitnessRequestError,
)
from domain.note import SignedNote
from domain.witness import (
    AddCheckpointRequest,
    parse_cosignature_lines,
    parse_old_size_line,
    parse_proof_lines,
)


def add_witness_commands(commands: Any) -> None:
    """Add ``witness`` (with its actions) and ``cosign`` to the CLI."""
    witness = commands.add_parser(
        "witness",
        help="run a witness: cosign checkpoints that are consistent (c2sp.org/tlog-witness)",
    )
    sub = witness.add_subparsers(title="witness commands", metavar="ACTION")

    init = sub.add_parser("init", help="make a witness folder: a 0x04 key, no logs")
    init.add_argument("dir", type=Path)
    init.add_argument(
        "--name", required=True, help="the witness's key name, e.g. witness.example/w1"
    )
    init.set_defaults(handler=cmd_witness_init)

    add_log = sub.add_parser("add-log", help="witness a log, given its checkpoint vkey")
    add_log.add_argument("dir", type=Path)
    add_log.add_argument(
        "--vkey", required=True, help="the log's vkey (`shuangshai log-key ORIGIN`)"
    )
    add_log.set_defaults(handler=cmd_witness_add_log)

    cosign = sub.add_parser(
        "cosign", help="offline: cosign a checkpoint file, print the cosignature line"
    )
    cosign.add_argument("dir", type=Path)
    cosign.add_argument(
        "--checkpoint", type=Path, required=True, help="the log-signed checkpoint note"
    )
    origin = cosign.add_mutually_exclusive_group()
    origin.add_argument(
        "--proof",
        type=Path,
        help="'old <size>' then the consistency proof, base64, one hash per line",
    )
    origin.add_argument(
        "--old-size",
        type=int,
        help="the old size when no proof is needed (0, or the checkpoint's size)",
    )
    cosign.add_argument("--out", type=Path, help="write the line here (default stdout)")
    cosign.set_defaults(handler=cmd_witness_cosign)

    serve = sub.add_parser("serve", help="serve POST /add-checkpoint (uvicorn)")
    serve.add_argument("dir", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    serve.set_defaults(handler=cmd_witness_serve)

    show = sub.add_parser("show", help="print the witness's key and state as JSON")
    show.add_argument("dir", type=Path)
    show.set_defaults(handler=cmd_witness_show)

    collect = commands.add_parser(
        "cosign",
        help="log side: ask every covering witness to cosign each log's checkpoint",
        description="Without options: one pass asking every witness with a url. "
        "--export and --import carry a checkpoint to an offline witness and its "
        "cosignature back.",
    )
    mode = collect.add_mutually_exclusive_group()
    mode.add_argument(
        "--export",
        metavar="ORIGIN",
        help="write the log's latest checkpoint and the proof from --old-size to --out",
    )
    mode.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        metavar="COSIGNATURE",
        help="verify and keep a witness's cosignature line(s) of --checkpoint",
    )
    collect.add_argument("--old-size", type=int, default=0, help="with --export")
    collect.add_argument("--out", type=Path, help="with --export: a folder to write")
    collect.add_argument(
        "--checkpoint", type=Path, help="with --import: the checkpoint it cosigns"
    )
    collect.set_defaults(handler=cmd_cosign)


def cmd_witness_init(args: argparse.Namespace) -> int:
    folder = WitnessFolder.init(args.dir, args.name)
    print(folder.vkey)
    return 0


def cmd_witness_add_log(args: argparse.Namespace) -> int:
    folder = WitnessFolder.open(args.dir)
    vkey = _text_or_file(args.vkey)
    state = folder.add_log(vkey)
    origin = vkey.split("+", 1)[0]
    print(f"见证日志 / witnessing {origin} (size {state.logs[origin].size})")
    return 0


def cmd_witness_cosign(args: argparse.Namespace) -> int:
    folder = WitnessFolder.open(args.dir)
    checkpoint = _read_text(args.checkpoint)
    if args.proof is not None:
        lines = _read_text(args.proof).removesuffix("\n").split("\n")
        old_size = parse_old_size_line(lines[0])
        proof = parse_proof_lines([line for line in lines[1:] if line])
    else:
        old_size = args.old_size if args.old_size is not None else 0
        if old_size < 0:
            raise MalformedWitnessRequestError("--old-size must not be negative")
        proof = ()
    cosigned = folder.add_checkpoint(AddCheckpointRequest(old_size, proof, checkpoint))
    if args.out is None:
        sys.stdout.write(cosigned.response_body())
    else:
        args.out.write_text(cosigned.response_body(), encoding="utf-8")
    return 0


def cmd_witness_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.witness_app import create_witness_app

    folder = WitnessFolder.open(args.dir)
    uvicorn.run(create_witness_app(folder), host=args.host, port=args.port)
    return 0


def cmd_witness_show(args: argparse.Namespace) -> int:
    folder = WitnessFolder.open(args.dir)
    document = {"witness": folder.vkey, "logs": folder.read_state().to_json()}
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_cosign(args: argparse.Namespace) -> int:
    instance = open_instance(args.instance)
    ledger = instance.open_ledger()
    try:
        if args.export is not None:
            return _export(ledger, args)
        if args.import_file is not None:
            return _import(ledger, args)
        outcomes = collect_cosignatures(ledger)
    finally:
        ledger.close()
    for outcome in outcomes:
        print(outcome.to_line())
    if not outcomes:
        print("没有需要联署的见证人 / no witness covers a log with a checkpoint")
    return 0


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None
    except UnicodeDecodeError:
        raise MalformedWitnessRequestError(f"{path} is not UTF-8 text") from None


def _text_or_file(value: str) -> str:
    path = Path(value)
    if "+" not in value or path.is_file():
        return _read_text(path).strip()
    return value


def _export(ledger: LedgerApplication, args: argparse.Namespace) -> int:
    """``checkpoint`` and ``proof`` files for ``witness cosign --proof``."""
    if args.out is None:
        raise ConfigurationError("--export needs --out DIR")
    checkpoint = ledger.get_checkpoint(args.export)
    proof = ledger.consistency_proof(args.export, args.old_size, checkpoint.size)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "checkpoint").write_text(checkpoint.note, encoding="utf-8")
    head = AddCheckpointRequest(args.old_size, tuple(proof), "").to_bytes()
    (args.out / "proof").write_bytes(head.removesuffix(b"\n"))
    print(f"{args.export} @ {checkpoint.size}: {args.out}/checkpoint, {args.out}/proof")
    return 0


def _import(ledger: LedgerApplication, args: argparse.Namespace) -> int:
    """Keep an offline witness's cosignature after verifying it."""
    if args.checkpoint is None:
        raise ConfigurationError("--import needs --checkpoint FILE")
    note = SignedNote.from_text(_read_text(args.checkpoint))
    checkpoint = Checkpoint.from_text(note.text)
    stored = ledger.get_checkpoint_at(checkpoint.origin, checkpoint.size)
    if SignedNote.from_text(stored.note).text != note.text:
        raise InvalidSignatureError(
            f"{args.checkpoint} is not the checkpoint this log signed at size "
            f"{checkpoint.size}"
        )
    lines = parse_cosignature_lines(_read_text(args.import_file).encode("utf-8"))
    kept = ledger.record_cosignatures(checkpoint.origin, checkpoint.size, lines)
    print(
        f"{checkpoint.origin} @ {checkpoint.size}: 已保存联署 / cosigned by "
        f"{', '.join(kept) or '（无登记见证人 / no registered witness）'}"
    )
    return 0
