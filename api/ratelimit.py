"""A per-client token bucket for owners' challenges (no key, so no other brake).

``SHUANGSHAI_CHALLENGE_RATE`` (default ``5/hour``) is the bucket: up to 5 at once,
refilled at 5 per hour. Each ``POST …/challenges`` takes one token before anything is
checked, so malformed floods are limited too; an empty bucket is
:class:`~domain.errors.RateLimitedError` (HTTP 429 with ``Retry-After``).

The buckets live in the process's memory: with ``shuangshai serve --workers N`` each
worker keeps its own, so a client may get up to N times the rate, and a restart
forgets them. That is acceptable for a brake on abuse (it is not a quota); a shared
limiter belongs in the reverse proxy. The client is the TCP peer's address; behind a
proxy set ``SHUANGSHAI_TRUST_FORWARDED_FOR=1`` and the last ``X-Forwarded-For``
address (the one the proxy appended) is used instead — never by default, since any
client can send that header.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from domain.errors import ConfigurationError, RateLimitedError

_UNITS: Final = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE: Final = re.compile(r"^\s*([0-9]+)\s*/\s*(second|minute|hour|day)\s*$")
_MAX_CLIENTS: Final = 100_000


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds`` (also the burst size)."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str, *, name: str = "SHUANGSHAI_CHALLENGE_RATE") -> Rate:
        match = _RATE.match(text)
        if match is None or int(match.group(1)) < 1:
            raise ConfigurationError(
                f"{name}={text!r} 无效，应如 5/hour / must look like 5/hour "
                "(a positive count per second, minute, hour or day)"
            )
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    def __str__(self) -> str:
        unit = next(u for u, s in _UNITS.items() if s == self.seconds)
        return f"{self.count}/{unit}"


class TokenBucketLimiter:
    """Token buckets by client key, refilled continuously; thread-safe."""

    def __init__(
        self, rate: Rate, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Take one token for ``key`` or raise RateLimitedError (nothing taken)."""
        per_token = self.rate.seconds / self.rate.count
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (float(self.rate.count), now))
            tokens = min(float(self.rate.count), tokens + (now - at) / per_token)
            if tokens < 1.0:
                wait = max(1, math.ceil((1.0 - tokens) * per_token - 1e-6))
                self._buckets[key] = (tokens, now)
                raise RateLimitedError(
                    f"提交过于频繁，请 {wait} 秒后再试（每个地址 {self.rate}）/ too many "
                    f"challenges from this address ({self.rate}); retry in {wait} s",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > _MAX_CLIENTS:
                self._forget_full(now, per_token)

    def _forget_full(self, now: float, per_token: float) -> None:
        """Drop buckets that have refilled: they behave exactly like new ones."""
        full = float(self.rate.count)
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) / per_token >= full:
                del self._buckets[key]


def client_address(
    peer: str | None, forwarded_for: str | None, *, trust_forwarded_for: bool
) -> str:
    """The client a request is counted against (see the module docstring)."""
    if trust_forwarded_for and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    return peer or "unknown"
