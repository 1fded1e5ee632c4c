"""Every HTTP error as ``application/problem+json`` (RFC 9457), from one table.

:data:`PROBLEM_TYPES` maps error classes of :mod:`domain.errors` to (status, slug,
title); :func:`problem_type_of` walks the exception's MRO to the nearest entry, so a new
subclass inherits its parent's status. The body always has ``type`` (the settings'
problem base + slug), ``title``, ``status``, ``detail``, ``instance`` (the request
path), ``code`` (the slug) and, for invalid input, ``errors: [{pointer, message}]``
(RFC 6901 pointers: into the submission for domain errors; ``/body/…``, ``/query/…``,
``/path/…`` for requests that do not parse). It follows
``schemas/problem.v1.schema.json``. A 500 never echoes the exception: its detail is
generic and the exception goes to the server log only. Routes raise domain errors and
never ``HTTPException``; the handlers installed by :func:`install_problem_handlers`
translate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.settings import DEFAULT_PROBLEM_BASE
from domain.errors import (
    AlreadyReversedError,
    AuthorizationError,
    ConfigurationError,
    ConflictError,
    EntryTooLargeError,
    EquivocationError,
    FieldError,
    IdConflictError,
    InvalidEntryError,
    InvalidSignatureError,
    KeyNotAuthorizedError,
    LedgerError,
    LogIntegrityError,
    MalformedSubmissionError,
    MalformedWitnessRequestError,
    NonCanonicalPayloadError,
    NotFoundError,
    RateLimitedError,
    RevokedKeyError,
    RuleViolationError,
    SchemaViolationError,
    UnknownKeyError,
    UnknownLogError,
    UntrustedCheckpointError,
    VerificationError,
    WitnessSizeConflictError,
    WrongLogError,
)

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
INTERNAL_DETAIL: Final = (
    "服务器内部错误，已记录 / internal server error; it has been logged"
)
_MAX_DETAIL: Final = 4000
_MAX_MESSAGE: Final = 2000
_MAX_ERRORS: Final = 1000

_log = logging.getLogger("shuangshai.api")


@dataclass(frozen=True)
class ProblemType:
    """One row of the mapping table."""

    status: int
    slug: str
    title: str


#: The one mapping from error classes to problem types; nearest class in the MRO wins.
PROBLEM_TYPES: Final[dict[type[Exception], ProblemType]] = {
    NotFoundError: ProblemType(404, "not-found", "未找到 / not found"),
    ConflictError: ProblemType(409, "conflict", "与日志冲突 / conflict with the log"),
    IdConflictError: ProblemType(
        409, "id-conflict", "条目编号已用于其他内容 / id used for another payload"
    ),
    AlreadyReversedError: ProblemType(
        409, "already-reversed", "该条目已被红冲 / entry already reversed"
    ),
    InvalidEntryError: ProblemType(422, "invalid-entry", "提交无效 / invalid entry"),
    MalformedSubmissionError: ProblemType(
        400, "malformed-submission", "提交格式错误 / malformed submission"
    ),
    NonCanonicalPayloadError: ProblemType(
        422, "non-canonical-payload", "载荷不是规范 JSON / payload is not canonical"
    ),
    SchemaViolationError: ProblemType(
        422, "schema-violation", "不符合 JSON Schema / schema violation"
    ),
    WrongLogError: ProblemType(422, "wrong-log", "载荷属于另一日志 / wrong log"),
    EntryTooLargeError: ProblemType(
        422, "entry-too-large", "条目过大 / entry too large"
    ),
    RuleViolationError: ProblemType(
        422, "rule-violation", "违反业务规则 / rule violation"
    ),
    AuthorizationError: ProblemType(403, "not-authorized", "无权提交 / not authorized"),
    UnknownKeyError: ProblemType(403, "unknown-key", "未登记的密钥 / unknown key"),
    RevokedKeyError: ProblemType(403, "revoked-key", "密钥已吊销 / revoked key"),
    KeyNotAuthorizedError: ProblemType(
        403, "key-not-authorized", "密钥无权提交到此日志 / key not authorized"
    ),
    VerificationError: ProblemType(
        422, "verification-failed", "验证失败 / verification failed"
    ),
    InvalidSignatureError: ProblemType(
        422, "invalid-signature", "签名无效 / invalid signature"
    ),
    RateLimitedError: ProblemType(
        429, "rate-limited", "请求过于频繁 / too many requests"
    ),
    UnknownLogError: ProblemType(
        404, "unknown-log", "见证人不见证该日志 / log not witnessed"
    ),
    UntrustedCheckpointError: ProblemType(
        403,
        "untrusted-checkpoint",
        "检查点无有效日志签名 / checkpoint not signed by the log",
    ),
    MalformedWitnessRequestError: ProblemType(
        400, "malformed-witness-request", "见证请求格式错误 / malformed add-checkpoint"
    ),
    WitnessSizeConflictError: ProblemType(
        409, "witness-size-conflict", "旧大小与见证人记录不符 / old size mismatch"
    ),
    EquivocationError: ProblemType(
        409, "equivocation", "日志分叉 / the log signed two inconsistent trees"
    ),
    LogIntegrityError: ProblemType(500, "internal", "服务器内部错误 / internal error"),
    ConfigurationError: ProblemType(
        500, "server-misconfigured", "服务器配置错误 / server misconfigured"
    ),
    RequestValidationError: ProblemType(
        422, "request-invalid", "请求无效 / invalid request"
    ),
    Exception: ProblemType(500, "internal", "服务器内部错误 / internal error"),
}

_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

_HTTP_TYPES: Final[dict[int, ProblemType]] = {
    404: ProblemType(404, "not-found", "未找到 / not found"),
    405: ProblemType(405, "method-not-allowed", "不支持该方法 / method not allowed"),
}


def problem_type_of(exc: BaseException) -> ProblemType:
    """The table row of the nearest class in ``exc``'s MRO (``internal`` otherwise)."""
    for cls in type(exc).__mro__:
        row = PROBLEM_TYPES.get(cls)
        if row is not None:
            return row
    return PROBLEM_TYPES[Exception]


def problem_body(
    exc: BaseException, instance: str, *, base: str = DEFAULT_PROBLEM_BASE
) -> dict[str, Any]:
    """The RFC 9457 body for ``exc`` raised while serving ``instance``."""
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        # The framework's "error parsing the body" (bytes that are not UTF-8, say):
        # an invalid request like any other unparseable body, not an undocumented 400.
        exc = RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body",),
                    "msg": "请求体不是 UTF-8 JSON / the body is not UTF-8 JSON",
                }
            ]
        )
    if isinstance(exc, StarletteHTTPException):
        kind = _HTTP_TYPES.get(
            exc.status_code,
            ProblemType(exc.status_code, f"http-{exc.status_code}", "HTTP error"),
        )
        return _body(kind, str(exc.detail), instance, base, [])
    kind = problem_type_of(exc)
    if kind.status >= 500:
        return _body(kind, INTERNAL_DETAIL, instance, base, [])
    if isinstance(exc, RequestValidationError):
        errors = [_request_error(error) for error in exc.errors()]
        detail = "请求无效 / the request is invalid: " + "; ".join(
            f"{e.pointer or '/'}: {e.message}" for e in errors
        )
        return _body(kind, detail, instance, base, errors)
    if isinstance(exc, LedgerError):
        return _body(kind, exc.detail, instance, base, exc.errors)
    return _body(kind, str(exc), instance, base, [])  # pragma: no cover - unreachable


def _body(
    kind: ProblemType,
    detail: str,
    instance: str,
    base: str,
    errors: Sequence[FieldError],
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": base + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail[:_MAX_DETAIL],
        "instance": instance or "/",
        "code": kind.slug,
    }
    if errors:
        body["errors"] = [
            {"pointer": e.pointer, "message": (e.message or kind.title)[:_MAX_MESSAGE]}
            for e in errors[:_MAX_ERRORS]
        ]
    return body


def _request_error(error: Any) -> FieldError:
    """A FastAPI/pydantic error as a pointer into the request (``/body/0/sig``)."""
    location = [str(part) for part in error.get("loc", ())]
    if error.get("type") == "json_invalid":
        location = location[:1]  # the position in the text is no JSON pointer
    pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in location)
    return FieldError(pointer, str(error.get("msg") or "invalid"))


def problem_response(
    exc: BaseException, request: Request, *, base: str = DEFAULT_PROBLEM_BASE
) -> JSONResponse:
    body = problem_body(exc, request.url.path, base=base)
    headers = _allow_header(request) if body["status"] == 405 else None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(
        body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _allow_header(request: Request) -> dict[str, str] | None:
    """``Allow`` with every method this path is served for (RFC 9110 §15.5.6).

    Starlette's own 405 names only the methods of the first route whose path matched;
    a path served by several routes (``GET`` and ``POST …/entries``) needs them all.
    Each method is probed with the routes' public ``matches``.
    """
    routes = request.app.router.routes
    methods = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in routes
        )
    ]
    return {"Allow": ", ".join(methods)} if methods else None


def install_problem_handlers(app: FastAPI, *, base: str = DEFAULT_PROBLEM_BASE) -> None:
    """Make every error of ``app`` a problem+json response."""

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        if problem_type_of(exc).status >= 500 and not isinstance(
            exc, StarletteHTTPException
        ):
            _log.error("internal error serving %s", request.url.path, exc_info=exc)
        return problem_response(exc, request, base=base)

    for cls in (LedgerError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(cls, on_error)
