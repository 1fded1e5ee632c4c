"""Settings of the HTTP API, read from environment variables (documented in README).

Twelve-factor style: every setting has a default, so ``shuangshai serve`` runs with no
configuration. The event store itself is chosen by :mod:`api.instance`
(``SHUANGSHAI_STORE`` and the ``POSTGRES_*`` variables); this module holds only what
the HTTP layer needs.

==============================  ==========================================  =========
variable                        meaning                                     default
==============================  ==========================================  =========
``SHUANGSHAI_HOST``             interface ``shuangshai serve`` binds        127.0.0.1
``SHUANGSHAI_PORT``             TCP port ``shuangshai serve`` listens on    8000
``SHUANGSHAI_PROBLEM_BASE``     base URI of problem ``type`` (RFC 9457)     see below
``SHUANGSHAI_MAX_BATCH``        most submissions in one ``entries:batch``   256
``SHUANGSHAI_LOG_LEVEL``        uvicorn log level                           info
``SHUANGSHAI_CHALLENGE_RATE``   owners' challenges per client address       5/hour
``SHUANGSHAI_TRUST_FORWARDED_FOR``  count clients by X-Forwarded-For        0 (no)
``SHUANGSHAI_WORKERS``          worker processes of ``shuangshai serve``    1
``SHUANGSHAI_NOOP``             ``1`` adds the hidden ``/v1/_noop``          off
                                (the benchmark's framework ceiling)
==============================  ==========================================  =========
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from api.ratelimit import Rate
from domain.errors import ConfigurationError

DEFAULT_CHALLENGE_RATE: Final = Rate(5, 3600.0)
DEFAULT_PROBLEM_BASE: Final = "https://shuangshai.example/problems/"
_LOG_LEVELS: Final = ("critical", "error", "warning", "info", "debug", "trace")


@dataclass(frozen=True)
class Settings:
    """What the API layer is configured with; build it with :meth:`from_env`."""

    host: str = "127.0.0.1"
    port: int = 8000
    problem_base: str = DEFAULT_PROBLEM_BASE
    max_batch: int = 256
    log_level: str = "info"
    challenge_rate: Rate = DEFAULT_CHALLENGE_RATE
    trust_forwarded_for: bool = False
    workers: int = 1
    noop_endpoint: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``SHUANGSHAI_*`` variables; a bad value raises ConfigurationError."""
        env = os.environ if environ is None else environ
        log_level = env.get("SHUANGSHAI_LOG_LEVEL", "info").lower()
        if log_level not in _LOG_LEVELS:
            raise ConfigurationError(
                f"SHUANGSHAI_LOG_LEVEL={log_level!r} 无效 / must be one of "
                + ", ".join(_LOG_LEVELS)
            )
        base = env.get("SHUANGSHAI_PROBLEM_BASE", DEFAULT_PROBLEM_BASE)
        if ":" not in base or any(c.isspace() for c in base):
            raise ConfigurationError(
                f"SHUANGSHAI_PROBLEM_BASE={base!r} 不是绝对 URI / must be an absolute URI"
            )
        return cls(
            host=env.get("SHUANGSHAI_HOST", "127.0.0.1"),
            port=_int(env, "SHUANGSHAI_PORT", 8000, low=0, high=65535),
            problem_base=base,
            max_batch=_int(env, "SHUANGSHAI_MAX_BATCH", 256, low=1, high=10_000),
            log_level=log_level,
            challenge_rate=Rate.parse(env.get("SHUANGSHAI_CHALLENGE_RATE", "5/hour")),
            trust_forwarded_for=_flag(env, "SHUANGSHAI_TRUST_FORWARDED_FOR"),
            workers=_int(env, "SHUANGSHAI_WORKERS", 1, low=1, high=64),
            noop_endpoint=_flag(env, "SHUANGSHAI_NOOP"),
        )


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "0").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("", "0", "false", "no", "off"):
        return False
    raise ConfigurationError(
        f"{name}={raw!r} 无效 / {name} must be 1 or 0 (true/false, yes/no, on/off)"
    )


def _int(
    env: Mapping[str, str], name: str, default: int, *, low: int, high: int
) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} 不是整数 / {name} must be an integer"
        ) from None
    if not low <= value <= high:
        raise ConfigurationError(
            f"{name}={value} 超出范围 / {name} must be between {low} and {high}"
        )
    return value
