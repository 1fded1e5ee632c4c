"""A witness's folder on disk: its key, its state file, a lock and its evidence.

Layout (``shuangshai witness init DIR --name NAME``)::

    witness.skey   the witness's cosignature/v1 (type 0x04) private key, mode 0600
    witness.json   {"format": 1, "witness": <vkey>, "logs": {origin: {log_vkey, size,
                   root, checkpoint}}} — see domain/witness.py
    witness.lock   the fcntl lock every read-modify-write of the state holds
    evidence/      log-signed checkpoints the witness refused as inconsistent

Every change of the state runs under an exclusive ``flock`` on ``witness.lock`` (so
two processes, or two threads, can never both cosign at the same size) and is
written atomically: a temporary file in the same folder, ``fsync``, ``rename`` over
``witness.json``, ``fsync`` of the folder. A crash at any step leaves the old state
or the new one, never a torn file; a cosignature is returned only once the new state
is durable (c2sp.org/tlog-witness: persist before responding).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from domain.clock import Clock, SystemClock
from domain.errors import (
    AlreadyInitialisedError,
    ConfigurationError,
    ConsistencyProofError,
    EquivocationError,
    LedgerError,
    MalformedKeyError,
    MalformedNoteError,
)
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.witness import (
    AddCheckpointRequest,
    Cosigned,
    WitnessState,
    add_checkpoint,
)

STATE_FILE: Final = "witness.json"
KEY_FILE: Final = "witness.skey"
LOCK_FILE: Final = "witness.lock"
EVIDENCE_DIR: Final = "evidence"
STATE_FORMAT: Final = 1

_thread_lock = threading.Lock()


@dataclass(frozen=True)
class WitnessFolder:
    """An initialised witness folder."""

    path: Path
    signer: Signer

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    # ---------------------------------------------------------- create, open
    @classmethod
    def init(
        cls, path: Path, name: str, *, signer: Signer | None = None
    ) -> WitnessFolder:
        """Create a witness folder with a new key (or ``signer``) and no logs."""
        if (path / STATE_FILE).exists() or (path / KEY_FILE).exists():
            raise AlreadyInitialisedError(
                f"{path} 已是见证人目录 / {path} already holds a witness"
            )
        if signer is None:
            signer = Signer.generate(name, alg=ALG_COSIGNATURE_V1)
        if signer.alg != ALG_COSIGNATURE_V1:
            raise MalformedKeyError("a witness key must be a cosignature/v1 (0x04) key")
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(signer.to_skey() + "\n")
        folder = cls(path, signer)
        with folder._locked():
            folder._write_state(WitnessState())
        return folder

    @classmethod
    def open(cls, path: Path) -> WitnessFolder:
        """Open a folder made by :meth:`init`; ConfigurationError if it is not one."""
        try:
            text = (path / KEY_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ConfigurationError(
                f"{path} 不是见证人目录；先运行 shuangshai witness init / {path} is not a "
                "witness folder: run `shuangshai witness init` first"
            ) from None
        except OSError as exc:
            raise ConfigurationError(f"cannot read {path / KEY_FILE}: {exc}") from None
        try:
            signer = Signer.from_skey(text)
        except MalformedKeyError as exc:
            raise ConfigurationError(
                f"{path / KEY_FILE} is not a signed-note private key: {exc.detail}"
            ) from None
        if signer.alg != ALG_COSIGNATURE_V1:
            raise ConfigurationError(
                f"{path / KEY_FILE} is not a cosignature/v1 (0x04) key"
            )
        folder = cls(path, signer)
        folder.read_state()
        return folder

    # ---------------------------------------------------------- operations
    def read_state(self) -> WitnessState:
        """The state as last persisted (readers need no lock: renames are atomic)."""
        path = self.path / STATE_FILE
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(f"{path} is missing") from None
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from None
        if not isinstance(value, dict) or value.get("format") != STATE_FORMAT:
            raise ConfigurationError(f"{path} is not a witness state file (format 1)")
        if value.get("witness") != self.vkey:
            raise ConfigurationError(
                f"{path} belongs to witness {value.get('witness')!r}, not {self.vkey}"
            )
        try:
            return WitnessState.from_json(value.get("logs"))
        except (MalformedNoteError, MalformedKeyError) as exc:
            raise ConfigurationError(f"{path}: {exc.detail}") from None

    def add_log(self, log_vkey: str) -> WitnessState:
        """Trust the log whose checkpoint key is ``log_vkey`` (origin = key name)."""
        with self._locked():
            state = self.read_state()
            new = state.trust_log(log_vkey)
            if new is not state:
                self._write_state(new)
            return new

    def add_checkpoint(
        self, request: AddCheckpointRequest, *, clock: Clock | None = None
    ) -> Cosigned:
        """Verify and cosign ``request``; the new state is durable before this returns.

        A refused checkpoint that the log did sign (a bad proof, a fork) is kept in
        ``evidence/`` — it may prove the log misbehaved.
        """
        clock = clock or SystemClock()
        with self._locked():
            state = self.read_state()
            timestamp = int(clock.now().timestamp())
            try:
                cosigned = add_checkpoint(
                    state, request, self.signer, timestamp=timestamp
                )
            except (EquivocationError, ConsistencyProofError) as exc:
                self._keep_evidence(request, exc)
                raise
            self._write_state(cosigned.state)
            return cosigned

    def save_state(self, state: WitnessState) -> None:
        """Persist a state computed elsewhere (the demo's in-memory witnesses).

        Refused unless it only moves forward: the same logs and keys, no size
        smaller than the stored one, and the stored checkpoint kept at equal size.
        """
        with self._locked():
            stored = self.read_state()
            for origin, log in stored.logs.items():
                new = state.logs.get(origin)
                if (
                    new is None
                    or new.log_key != log.log_key
                    or new.size < log.size
                    or (new.size == log.size and new.root != log.root)
                ):
                    raise ConfigurationError(
                        f"the new state of {origin} does not extend the stored one"
                    )
            self._write_state(state)

    # ---------------------------------------------------------- internals
    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the folder's exclusive lock (across processes and threads)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with _thread_lock:
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def _write_state(self, state: WitnessState) -> None:
        document = {
            "format": STATE_FORMAT,
            "witness": self.vkey,
            "logs": state.to_json(),
        }
        data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
        write_atomically(self.path / STATE_FILE, data)

    def _keep_evidence(self, request: AddCheckpointRequest, exc: LedgerError) -> None:
        """Best effort: a failure to keep evidence must not hide the refusal."""
        body = request.to_bytes()
        name = hashlib.sha256(body).hexdigest()[:32]
        record: dict[str, Any] = {"refused": exc.detail, **exc.context}
        try:
            folder = self.path / EVIDENCE_DIR
            folder.mkdir(exist_ok=True)
            write_atomically(folder / f"{name}.request", body)
            write_atomically(
                folder / f"{name}.json",
                (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode(),
            )
        except OSError:
            pass


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: temp file, fsync, rename, fsync the folder.

    Raises :class:`ConfigurationError` (and leaves ``path`` as it was) if any step
    before the rename fails.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigurationError(
            f"无法写入 {path} / cannot write {path}: {exc}; the old state stands"
        ) from None
    try:
        _fsync_folder(path.parent)
    except OSError as exc:
        raise ConfigurationError(
            f"{path} was replaced but its folder could not be synced: {exc}"
        ) from None


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
