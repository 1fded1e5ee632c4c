"""The ``shuangshai`` command line.

Every failure is a :class:`~domain.errors.LedgerError`; :func:`main` turns it into a
short diagnosis on stderr and an exit code from one table (:data:`EXIT_CODES`).
``--verbose`` re-raises for the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.audit_command import add_audit_command
from api.cosigning import collect_cosignatures
from api.demo_command import run_demo, serve_site
from api.instance import (
    DEFAULT_INSTANCE_DIR,
    Instance,
    init_instance,
    open_instance,
    register_intake_key,
)
from api.publishing import publish_instance
from api.witness_cli import add_witness_commands
from domain.entries import Submission
from domain.errors import (
    AuthorizationError,
    ConfigurationError,
    ConflictError,
    EquivocationError,
    InvalidEntryError,
    LedgerError,
    MalformedKeyError,
    NotFoundError,
    VerificationError,
)
from domain.projection import open_board_view
from domain.receipts import Receipt, verify_receipt
from domain.signing import ALG_COSIGNATURE_V1, ALG_ED25519, Signer, VerifierKey
from publish.site import PublishReport

#: Exit codes by error family; the nearest class in the MRO wins.
EXIT_CODES: dict[type[LedgerError], int] = {
    LedgerError: 1,
    ConfigurationError: 2,
    VerificationError: 3,
    InvalidEntryError: 4,
    AuthorizationError: 4,
    ConflictError: 5,
    NotFoundError: 6,
    EquivocationError: 3,  # the log signed two inconsistent trees: it failed to verify
}
EXIT_USAGE = 2


def exit_code_for(exc: LedgerError) -> int:
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        result: int = args.handler(args)
        return result
    except LedgerError as exc:
        if args.verbose:
            raise
        print(f"shuangshai: {exc.detail}", file=sys.stderr)
        for error in exc.errors:
            if error.message != exc.detail:
                print(f"  {error.pointer}: {error.message}", file=sys.stderr)
            elif error.pointer:
                print(f"  at {error.pointer}", file=sys.stderr)
        return exit_code_for(exc)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shuangshai",
        description="双晒 — 物业服务信息公开的可验证账本 / a verifiable transparency "
        "ledger for property-management disclosure",
    )
    parser.add_argument(
        "--instance",
        type=Path,
        default=Path(os.environ.get("SHUANGSHAI_INSTANCE", DEFAULT_INSTANCE_DIR)),
        help="instance folder (default: $SHUANGSHAI_INSTANCE or ./%(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    init = commands.add_parser(
        "init", help="create a local instance: keys and SQLite store"
    )
    init.add_argument(
        "--name", required=True, help="instance name, e.g. chengdu.example"
    )
    init.add_argument(
        "--operator",
        default="物业管理协会",
        help="who runs the challenge intake (public; default: %(default)s)",
    )
    init.set_defaults(handler=cmd_init)

    keygen = commands.add_parser(
        "keygen", help="make an Ed25519 key pair (signed-note format)"
    )
    keygen.add_argument("name", help="key name, e.g. jinjiang-wuye-2026")
    keygen.add_argument(
        "--out", type=Path, required=True, help="private key file to write"
    )
    keygen.add_argument("--witness", action="store_true", help="a cosigning (0x04) key")
    keygen.set_defaults(handler=cmd_keygen)

    info = commands.add_parser(
        "info", help="show the instance, its logs and their keys"
    )
    info.set_defaults(handler=cmd_info)

    log_key = commands.add_parser(
        "log-key", help="print a log's checkpoint verifier key"
    )
    log_key.add_argument("origin", help="e.g. chengdu.example/p/jinjiang-hemei")
    log_key.set_defaults(handler=cmd_log_key)

    _add_registry_commands(commands)
    _add_challenge_commands(commands)
    add_witness_commands(commands)
    add_audit_command(commands)

    sign = commands.add_parser("sign", help="sign a payload file into a submission")
    sign.add_argument("payload", type=Path, help="JSON payload (type, log, body, ...)")
    sign.add_argument(
        "--key", type=Path, required=True, help="signer's private key file"
    )
    sign.add_argument(
        "--out", type=Path, help="write the submission here (default stdout)"
    )
    sign.set_defaults(handler=cmd_sign)

    post = commands.add_parser(
        "post", help="post a signed submission to the local instance"
    )
    post.add_argument(
        "submission", type=Path, help="submission JSON from `shuangshai sign`"
    )
    post.add_argument(
        "--out", type=Path, help="write the receipt here (default stdout)"
    )
    post.set_defaults(handler=cmd_post)

    publish = commands.add_parser(
        "publish", help="publish the instance's current state as a static site"
    )
    publish.add_argument("--out", type=Path, required=True, help="site folder")
    publish.add_argument("--full", action="store_true", help="re-render every page")
    publish.add_argument(
        "--base-url",
        help="public address the site is served at (https://host/path/); printed "
        "statements' QR codes open it (default: the previous publish's; '' for none: "
        "the codes then hold the page's site-relative path)",
    )
    publish.add_argument(
        "--cosign",
        action="store_true",
        help="first collect witness cosignatures (as `shuangshai cosign` does)",
    )
    publish.set_defaults(handler=cmd_publish)

    demo = commands.add_parser(
        "demo",
        help="build a demo estate's year of signed entries, publish it and serve it",
    )
    demo.add_argument(
        "--dir",
        type=Path,
        default=Path("shuangshai-demo"),
        help="demo folder, recreated each run (default: ./%(default)s)",
    )
    demo.add_argument("--out", type=Path, help="site folder (default: DIR/site)")
    demo.add_argument(
        "--no-serve", action="store_true", help="publish only; don't serve"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument(
        "--base-url",
        help="address for the QR codes (default: http://HOST:PORT/ it is served at)",
    )
    demo.set_defaults(handler=cmd_demo)

    serve = commands.add_parser(
        "serve", help="run the HTTP API on this instance (uvicorn; see README)"
    )
    serve.add_argument(
        "--host", help="interface to bind (default: $SHUANGSHAI_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, help="TCP port (default: $SHUANGSHAI_PORT or 8000)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes sharing the store (default: $SHUANGSHAI_WORKERS or 1)",
    )
    serve.set_defaults(handler=cmd_serve)

    verify = commands.add_parser(
        "verify-receipt", help="check a receipt offline against a trusted log key"
    )
    verify.add_argument("receipt", type=Path)
    verify.add_argument(
        "--log-key", required=True, help="the log's vkey, or a file with it"
    )
    verify.add_argument(
        "--entry-key",
        action="append",
        default=[],
        help="poster's vkey (or file) to check",
    )
    verify.set_defaults(handler=cmd_verify_receipt)
    return parser


# --------------------------------------------------------------------- commands
def cmd_init(args: argparse.Namespace) -> int:
    instance = init_instance(args.instance, args.name)
    ledger = instance.open_ledger()
    try:
        register_intake_key(instance, ledger, operator=args.operator)
        print(f"已创建实例 / created instance {instance.name} in {instance.path}")
        print(f"association key: {instance.association_vkey}")
        print(f"intake key:      {instance.intake_signer().vkey}")
        print(f"registry log:    {instance.registry_origin}")
        print(f"registry log key: {ledger.log_vkey(instance.registry_origin)}")
    finally:
        ledger.close()
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    alg = ALG_COSIGNATURE_V1 if args.witness else ALG_ED25519
    signer = Signer.generate(args.name, alg=alg)
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.to_skey() + "\n")
    print(signer.vkey)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    instance = open_instance(args.instance)
    ledger = instance.open_ledger()
    try:
        print(f"instance: {instance.name}")
        print(f"association key: {instance.association_vkey}")
        for origin in ledger.list_origins():
            print(
                f"{origin}  size={ledger.log_size(origin)}  key={ledger.log_vkey(origin)}"
            )
    finally:
        ledger.close()
    return 0


def cmd_log_key(args: argparse.Namespace) -> int:
    instance = open_instance(args.instance)
    ledger = instance.open_ledger()
    try:
        if args.origin not in ledger.list_origins():
            raise NotFoundError(
                f"没有这个日志 / no log {args.origin!r}; `shuangshai info` lists them"
            )
        print(ledger.log_vkey(args.origin))
    finally:
        ledger.close()
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    signer = _load_signer(args.key)
    payload = _read_json(args.payload)
    if not isinstance(payload, dict):
        raise InvalidEntryError(
            "payload file must hold a JSON object", pointer="/payload"
        )
    payload = _complete_payload(payload, signer)
    submission = Submission.sign(payload, signer)
    _write_json(submission.to_json(), args.out)
    return 0


def cmd_post(args: argparse.Namespace) -> int:
    submission = Submission.from_json(_read_json(args.submission))
    payload = submission.parse_payload()
    origin = payload.get("log")
    if not isinstance(origin, str):
        raise InvalidEntryError("payload has no log", pointer="/payload/log")
    instance = open_instance(args.instance)
    receipt = _post(instance, origin, submission)
    _write_json(receipt.to_json(), args.out)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    instance = open_instance(args.instance)
    ledger = instance.open_ledger()
    try:
        if args.cosign:
            for outcome in collect_cosignatures(ledger):
                print(outcome.to_line())
        report = publish_instance(
            instance, ledger, args.out, full=args.full, base_url=args.base_url
        )
    finally:
        ledger.close()
    _print_publish_report(report)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    base_url = args.base_url or f"http://{args.host}:{args.port}/"
    report = run_demo(args.dir, args.out, base_url=base_url)
    _print_publish_report(report)
    if args.no_serve:
        return 0
    serve_site(report.out_dir, host=args.host, port=args.port)
    return 0


def _print_publish_report(report: PublishReport) -> None:
    print(
        f"已发布 / published {report.out_dir}: {len(report.written)} files written, "
        f"{report.unchanged} unchanged, {report.seconds:.2f} s"
    )
    if report.missing_blobs:
        print(f"缺少附件 / attachments not found: {len(report.missing_blobs)}")
    for origin, shortfall in sorted(report.unwitnessed.items()):
        print(f"联署不足 / below the witness quorum: {origin}: {shortfall}")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.intake import ChallengeIntake
    from api.settings import Settings

    settings = Settings.from_env()
    instance = open_instance(args.instance)
    host = args.host if args.host is not None else settings.host
    port = args.port if args.port is not None else settings.port
    workers = args.workers if args.workers is not None else settings.workers
    if not 1 <= workers <= 64:
        raise ConfigurationError(
            f"--workers {workers} 超出范围 / --workers must be between 1 and 64"
        )
    if workers > 1:
        _check_multi_worker_store(instance, workers)
        # Each worker process builds its own app and ledger (api.asgi).
        os.environ["SHUANGSHAI_INSTANCE"] = str(instance.path.resolve())
        uvicorn.run(
            "api.asgi:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
        )
        return 0
    ledger = instance.open_ledger()
    intake = None
    try:
        intake = ChallengeIntake.for_instance(instance, ledger)
        if intake is None:
            print(
                "没有受理密钥（intake.skey），质疑接口不开放 / no intake key: the "
                "challenge endpoints are off",
                file=sys.stderr,
            )
        app = create_app(ledger, settings=settings, intake=intake)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=settings.log_level,
        )
    finally:
        if intake is not None:
            intake.close_store()
        ledger.close()
    return 0


def _check_multi_worker_store(instance: Instance, workers: int) -> None:
    """Several workers need a store they share: SQLite file or PostgreSQL."""
    env = instance.store_env()
    if env["PERSISTENCE_MODULE"] == "eventsourcing.popo":
        raise ConfigurationError(
            "内存存储不能多进程共享；用 SHUANGSHAI_STORE=sqlite 或 postgres / the memory "
            f"store cannot be shared by {workers} worker processes: use sqlite or postgres"
        )
    # Fail here, with one clear message, rather than once per worker; and create the
    # ledger's and the board view's tables once (the workers skip it, see api.asgi).
    ledger = instance.open_ledger()
    try:
        open_board_view(dict(ledger.env)).close()
    finally:
        ledger.close()


def cmd_verify_receipt(args: argparse.Namespace) -> int:
    receipt = Receipt.from_json(_read_json(args.receipt))
    log_key = VerifierKey.from_vkey(_vkey_arg(args.log_key))
    entry_keys = None
    if args.entry_key:
        keys = [VerifierKey.from_vkey(_vkey_arg(k)) for k in args.entry_key]
        entry_keys = {key.key_ref: key for key in keys}
    checkpoint = verify_receipt(receipt, log_key=log_key, entry_keys=entry_keys)
    print(
        f"已验证 / verified: entry {receipt.index} of {checkpoint.origin} is in the log "
        f"(checkpoint size {checkpoint.size}, root {checkpoint.root.hex()})"
    )
    return 0


# ----------------------------------------------------------------- challenges
def _add_challenge_commands(commands: Any) -> None:
    challenges = commands.add_parser(
        "challenges", help="administrator: owners' challenges and their private data"
    )
    sub = challenges.add_subparsers(title="challenge commands", metavar="ACTION")
    erase = sub.add_parser(
        "erase",
        help="erase a challenger's contact details and salt (the log is unchanged)",
    )
    erase.add_argument("--project", required=True, help="project id")
    erase.add_argument("--challenge-id", required=True, help="e.g. q-20260301-k2m4q6s8")
    erase.set_defaults(handler=cmd_challenges_erase)


def cmd_challenges_erase(args: argparse.Namespace) -> int:
    from api.intake import ChallengeIntake

    instance = open_instance(args.instance)
    ledger = instance.open_ledger()
    store = instance.open_private_store()
    try:
        intake = ChallengeIntake(ledger, store, instance.intake_signer())
        record = intake.erase_challenge(args.project, args.challenge_id)
        print(
            f"已删除私有信息 / erased the private data of {record.challenge_id} "
            f"({record.origin}) at {record.erased_at}; the log is unchanged and the "
            "commitment can no longer be opened"
        )
    finally:
        store.close()
        ledger.close()
    return 0


# ------------------------------------------------------------------- registry
def _add_registry_commands(commands: Any) -> None:
    registry = commands.add_parser(
        "registry",
        help="association: register firms, keys, projects, contracts, witnesses",
    )
    sub = registry.add_subparsers(title="registry commands", metavar="ACTION")

    def add(
        name: str,
        help_text: str,
        handler: Callable[[argparse.Namespace], dict[str, Any]],
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        parser.set_defaults(handler=_registry_handler(handler))
        parser.add_argument(
            "--id", dest="entry_id", help="entry id (default: a new UUID)"
        )
        return parser

    p = add(
        "add-firm",
        "FirmRegistered",
        lambda a: {
            "type": "FirmRegistered",
            "body": _drop_none(
                {
                    "uscc": a.uscc,
                    "name": a.name,
                    "address": a.address,
                    "complaint_phone": a.complaint_phone,
                }
            ),
        },
    )
    p.add_argument("--uscc", required=True, help="统一社会信用代码 (18 characters)")
    p.add_argument("--name", required=True)
    p.add_argument("--address", required=True)
    p.add_argument("--complaint-phone")

    p = add(
        "add-key",
        "FirmKeyAdded",
        lambda a: {
            "type": "FirmKeyAdded",
            "body": _drop_none(
                {
                    "firm": a.firm,
                    "vkey": _vkey_arg(a.vkey),
                    "projects": a.project or None,
                }
            ),
        },
    )
    p.add_argument("--firm", required=True, help="the firm's USCC")
    p.add_argument("--vkey", required=True, help="the key's vkey, or a file with it")
    p.add_argument("--project", action="append", help="limit the key to this project")

    p = add(
        "revoke-key",
        "FirmKeyRevoked",
        lambda a: {
            "type": "FirmKeyRevoked",
            "body": {"firm": a.firm, "key": a.key, "reason": a.reason},
        },
    )
    p.add_argument("--firm", required=True)
    p.add_argument("--key", required=True, help="<name>+<hex key id>")
    p.add_argument("--reason", required=True)

    p = add(
        "add-project",
        "ProjectRegistered",
        lambda a: {
            "type": "ProjectRegistered",
            "body": {
                "project_id": a.project_id,
                "name": a.name,
                "address": a.address,
                "district": a.district,
                "households": a.households,
                "floor_area_m2": a.floor_area_m2,
            },
        },
    )
    p.add_argument("--project-id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--address", required=True)
    p.add_argument("--district", required=True)
    p.add_argument("--households", type=int, required=True)
    p.add_argument("--floor-area-m2", type=int, required=True)

    p = add("bind-contract", "ContractBound", _contract_bound_payload)
    p.add_argument("--contract-id", required=True)
    p.add_argument("--project-id", required=True)
    p.add_argument("--firm", required=True)
    p.add_argument("--fee-model", choices=["lump_sum", "commission"], required=True)
    p.add_argument(
        "--ratio-bp", type=int, help="commission remuneration ratio, basis points"
    )
    p.add_argument(
        "--annual-fen", type=int, help="commission fixed remuneration per year"
    )
    p.add_argument("--start", required=True, help="term start date (YYYY-MM-DD)")
    p.add_argument("--end", required=True, help="term end date (YYYY-MM-DD)")

    p = add(
        "end-contract",
        "ContractEnded",
        lambda a: {
            "type": "ContractEnded",
            "body": {
                "contract_id": a.contract_id,
                "project_id": a.project_id,
                "firm": a.firm,
                "ended_on": a.ended_on,
                "reason": a.reason,
            },
        },
    )
    p.add_argument("--contract-id", required=True)
    p.add_argument("--project-id", required=True)
    p.add_argument("--firm", required=True)
    p.add_argument("--ended-on", required=True)
    p.add_argument("--reason", required=True)

    p = add(
        "add-witness",
        "WitnessAdded",
        lambda a: {
            "type": "WitnessAdded",
            "body": _drop_none(
                {
                    "name": a.name,
                    "vkey": _vkey_arg(a.vkey),
                    "role": a.role,
                    "projects": a.project or None,
                    "url": a.url,
                }
            ),
        },
    )
    p.add_argument("--name", required=True)
    p.add_argument("--vkey", required=True)
    p.add_argument(
        "--role",
        required=True,
        choices=["owners-committee", "association", "street-office", "other"],
    )
    p.add_argument("--project", action="append")
    p.add_argument(
        "--url", help="the witness's c2sp.org/tlog-witness prefix (for `cosign`)"
    )

    p = add(
        "remove-witness",
        "WitnessRemoved",
        lambda a: {
            "type": "WitnessRemoved",
            "body": {"key": a.key, "reason": a.reason},
        },
    )
    p.add_argument("--key", required=True)
    p.add_argument("--reason", required=True)

    p = add(
        "add-intake-key",
        "IntakeKeyAdded",
        lambda a: {
            "type": "IntakeKeyAdded",
            "body": _drop_none(
                {"vkey": _vkey_arg(a.vkey), "operator": a.operator, "note": a.note}
            ),
        },
    )
    p.add_argument("--vkey", required=True, help="the intake key's vkey, or a file")
    p.add_argument("--operator", required=True, help="who runs the intake")
    p.add_argument("--note")

    p = add(
        "revoke-intake-key",
        "IntakeKeyRevoked",
        lambda a: {
            "type": "IntakeKeyRevoked",
            "body": {"key": a.key, "reason": a.reason},
        },
    )
    p.add_argument("--key", required=True, help="<name>+<hex key id>")
    p.add_argument("--reason", required=True)

    show = sub.add_parser("show", help="print the registry state as JSON")
    show.set_defaults(handler=cmd_registry_show)


def _contract_bound_payload(a: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contract_id": a.contract_id,
        "project_id": a.project_id,
        "firm": a.firm,
        "fee_model": a.fee_model,
        "term": {"start": a.start, "end": a.end},
    }
    if a.ratio_bp is not None:
        body["remuneration"] = {"basis": "ratio", "ratio_bp": a.ratio_bp}
    elif a.annual_fen is not None:
        body["remuneration"] = {"basis": "fixed", "annual_fen": a.annual_fen}
    return {"type": "ContractBound", "body": body}


def _registry_handler(
    build: Callable[[argparse.Namespace], dict[str, Any]],
) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        instance = open_instance(args.instance)
        signer = instance.association_signer()
        payload = build(args)
        payload["log"] = instance.registry_origin
        if args.entry_id:
            payload["id"] = args.entry_id
        submission = Submission.sign(_complete_payload(payload, signer), signer)
        receipt = _post(instance, instance.registry_origin, submission)
        _write_json(receipt.to_json(), None)
        return 0

    return handler


def cmd_registry_show(args: argparse.Namespace) -> int:
    instance = open_instance(args.instance)
    ledger = instance.open_ledger()
    try:
        state = ledger.get_registry()
        _write_json(
            {
                "size": state.size,
                "firms": [vars(f) for f in state.firms.values()],
                "keys": [
                    {**vars(k), "projects": sorted(k.projects) if k.projects else None}
                    for k in state.keys.values()
                ],
                "projects": [vars(p) for p in state.projects.values()],
                "contracts": [vars(c) for c in state.contracts.values()],
                "witnesses": [
                    {**vars(w), "projects": sorted(w.projects) if w.projects else None}
                    for w in state.witnesses.values()
                ],
                "intake_keys": [vars(k) for k in state.intake_keys.values()],
            },
            None,
        )
    finally:
        ledger.close()
    return 0


# -------------------------------------------------------------------- helpers
def _post(instance: Instance, origin: str, submission: Submission) -> Receipt:
    ledger = instance.open_ledger()
    try:
        return ledger.submit(origin, submission)
    finally:
        ledger.close()


def _complete_payload(payload: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """Fill in what a poster's software would: v, key, issued_at and a fresh id."""
    completed = dict(payload)
    completed.setdefault("v", 1)
    completed.setdefault("key", signer.key_ref)
    completed.setdefault("issued_at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    completed.setdefault("id", str(uuid.uuid4()))
    return completed


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if value is not None}


def _vkey_arg(value: str) -> str:
    """A vkey given inline, or the path of a file holding one."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MalformedKeyError(
                f"{value!r} is neither a vkey nor a readable file: {exc}"
            ) from None
    return value


def _load_signer(path: Path) -> Signer:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read key file {path}: {exc}") from None
    return Signer.from_skey(text)


def _read_json(path: Path) -> Any:
    try:
        text = (
            sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        )
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidEntryError(f"{path} is not JSON: {exc}", pointer="") from None


def _write_json(value: Any, out: Path | None) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
