"""A local shuangshai instance on disk: its name, keys and event store settings.

Layout of an instance folder (created by ``shuangshai init``)::

    instance.json        {"name": ..., "association_vkey": ..., "format": 1}
    association.skey     the association's signed-note private key (mode 0600)
    log.skey             the log's checkpoint key seed (mode 0600); each log signs
                         with it under its own origin as key name
    intake.skey          the challenge-intake key (mode 0600): signs owners'
                         challenges; registered by ``IntakeKeyAdded`` at ``init``
    ledger.sqlite        the event store (SQLite default)
    ledger.private.sqlite  the private store of owners' contact details (SQLite
                         default; a table on PostgreSQL); never published

The store is chosen by environment: ``SHUANGSHAI_STORE=sqlite`` (default; the file
above), ``postgres`` (``POSTGRES_DBNAME``, ``POSTGRES_HOST``, ``POSTGRES_PORT``,
``POSTGRES_USER``, ``POSTGRES_PASSWORD``, optional ``POSTGRES_SCHEMA``), or ``memory``.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.private_store import PrivateStore, open_private_store
from domain.application import LedgerApplication
from domain.clock import Clock
from domain.entries import Submission
from domain.errors import AlreadyInitialisedError, ConfigurationError, MalformedKeyError
from domain.receipts import Receipt
from domain.signing import Signer

INSTANCE_FILE = "instance.json"
ASSOCIATION_KEY_FILE = "association.skey"
LOG_KEY_FILE = "log.skey"
INTAKE_KEY_FILE = "intake.skey"
SQLITE_FILE = "ledger.sqlite"
DEFAULT_INSTANCE_DIR = "shuangshai-data"

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*(/[a-z0-9][a-z0-9.-]*)*$")


@dataclass(frozen=True)
class Instance:
    """An instance folder, opened."""

    path: Path
    name: str
    association_vkey: str

    @property
    def registry_origin(self) -> str:
        return f"{self.name}/registry"

    def association_signer(self) -> Signer:
        return _read_skey(self.path / ASSOCIATION_KEY_FILE)

    def log_seed(self) -> bytes:
        return _read_skey(self.path / LOG_KEY_FILE).seed

    def intake_signer(self) -> Signer:
        """The challenge-intake key (ConfigurationError if the instance has none)."""
        return _read_skey(self.path / INTAKE_KEY_FILE)

    @property
    def has_intake_key(self) -> bool:
        return (self.path / INTAKE_KEY_FILE).exists()

    def open_private_store(
        self, environ: Mapping[str, str] | None = None
    ) -> PrivateStore:
        """The private store beside this instance's event store."""
        return open_private_store(self.store_env(environ))

    def store_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The eventsourcing settings for this instance's store."""
        environ = os.environ if environ is None else environ
        store = environ.get("SHUANGSHAI_STORE", "sqlite")
        if store == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path / SQLITE_FILE),
                "SQLITE_LOCK_TIMEOUT": environ.get("SQLITE_LOCK_TIMEOUT", "30"),
            }
        if store == "postgres":
            env = {"PERSISTENCE_MODULE": "eventsourcing.postgres"}
            defaults = {
                "POSTGRES_DBNAME": "shuangshai",
                "POSTGRES_HOST": "127.0.0.1",
                "POSTGRES_PORT": "5432",
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": "",
            }
            for name, default in defaults.items():
                env[name] = environ.get(name, default)
            if "POSTGRES_SCHEMA" in environ:
                env["POSTGRES_SCHEMA"] = environ["POSTGRES_SCHEMA"]
            return env
        if store == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        raise ConfigurationError(
            f"SHUANGSHAI_STORE={store!r} 无效，应为 sqlite、postgres 或 memory / "
            "must be sqlite, postgres or memory"
        )

    def open_ledger(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        create_tables: bool = True,
    ) -> LedgerApplication:
        """The instance's ledger; ``create_tables=False`` for worker processes.

        Several processes creating the same PostgreSQL tables at once can fail
        ("tuple concurrently updated"), so ``shuangshai serve --workers N`` creates
        them once before starting the workers, which then skip it (the library's
        ``CREATE_TABLE`` setting, inherited by the board view).
        """
        env = self.store_env(environ)
        if not create_tables:
            env["CREATE_TABLE"] = "false"
        return LedgerApplication(
            instance=self.name,
            association_vkey=self.association_vkey,
            log_signer_seed=self.log_seed(),
            env=env,
            clock=clock,
        )


def init_instance(path: Path, name: str) -> Instance:
    """Create a new instance folder with fresh association and log keys."""
    if not _NAME.match(name):
        raise ConfigurationError(
            f"实例名 {name!r} 无效：用小写字母、数字、点和横线，如 chengdu.example / "
            "instance name must be a scheme-less lowercase name like chengdu.example"
        )
    if (path / INSTANCE_FILE).exists():
        raise AlreadyInitialisedError(
            f"{path} 已有实例 / {path} already holds an instance"
        )
    path.mkdir(parents=True, exist_ok=True)
    association = Signer.generate(f"{name}/association")
    log_key = Signer.generate(f"{name}/log")
    intake = Signer.generate(f"{name}/intake")
    _write_secret(path / ASSOCIATION_KEY_FILE, association.to_skey() + "\n")
    _write_secret(path / LOG_KEY_FILE, log_key.to_skey() + "\n")
    _write_secret(path / INTAKE_KEY_FILE, intake.to_skey() + "\n")
    config = {"format": 1, "name": name, "association_vkey": association.vkey}
    (path / INSTANCE_FILE).write_text(
        json.dumps(config, indent=2) + "\n", encoding="utf-8"
    )
    return Instance(path, name, association.vkey)


def register_intake_key(
    instance: Instance, ledger: LedgerApplication, *, operator: str
) -> Receipt:
    """Post ``IntakeKeyAdded`` for the instance's intake key (association-signed)."""
    association = instance.association_signer()
    payload = {
        "v": 1,
        "log": instance.registry_origin,
        "id": f"intake-key-{uuid.uuid4()}",
        "type": "IntakeKeyAdded",
        "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key": association.key_ref,
        "body": {"vkey": instance.intake_signer().vkey, "operator": operator},
    }
    return ledger.submit(
        instance.registry_origin, Submission.sign(payload, association)
    )


def open_instance(path: Path) -> Instance:
    """Open an existing instance folder, with a clear error if there is none."""
    config_path = path / INSTANCE_FILE
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"{path} 不是 shuangshai 实例；先运行 shuangshai init / {path} is not an "
            "instance: run `shuangshai init` first"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read {config_path}: {exc}") from None
    try:
        return Instance(path, str(config["name"]), str(config["association_vkey"]))
    except (KeyError, TypeError):
        raise ConfigurationError(
            f"{config_path} lacks name or association_vkey"
        ) from None


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _read_skey(path: Path) -> Signer:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read key file {path}: {exc}") from None
    try:
        return Signer.from_skey(text)
    except MalformedKeyError as exc:
        raise ConfigurationError(
            f"{path} is not a signed-note private key: {exc}"
        ) from None
