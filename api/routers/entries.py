"""Entries of a log: signed writes (SPEC §3) and paged reads.

Writes need no password or session: the Ed25519 signature in the submission is the
authorisation, checked by :class:`~domain.application.LedgerApplication`.

- ``POST …/entries`` — one submission ``{"payload", "sig"}``: 201 with the receipt;
  200 with the original receipt when the same id and payload are sent again; 409 when
  the id was used for another payload. Concurrent posts to one log are group-committed
  (:mod:`api.group_commit`): one transaction and one checkpoint for all of them.
- ``POST …/entries:batch`` — a JSON array of submissions, appended in one transaction
  under one checkpoint; 200 with one result per item, in order:
  ``{"status": 201|200, "receipt": …}`` or ``{"status": 4xx, "problem": …}``.
- ``GET …/entries?after=&limit=&type=&from=&to=`` — entries in index order after
  ``after`` (exclusive), at most ``limit``; ``type`` keeps one entry type; ``from`` /
  ``to`` keep entries whose envelope ``period`` overlaps those dates (entries without a
  period do not match). ``next_after`` is set when the page is full.
- ``GET …/entries/{index}`` — one entry and its receipt against the latest checkpoint.

Mounted under ``/v1/registry`` and ``/v1/projects/{project_id}``
(see :mod:`api.routers._common`).
"""

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from api.deps import LedgerDep, SettingsDep
from api.group_commit import GroupCommitter
from api.problems import problem_body
from api.routers._common import MOUNTS, LogMount, problems
from api.settings import Settings
from api.wire import (
    EXAMPLE_PAYLOAD,
    EXAMPLE_SIG,
    BatchItemPublic,
    EntriesPublic,
    EntryPublic,
    EntryWithReceiptPublic,
    ProblemPublic,
    ReceiptPublic,
    SubmissionCreate,
    entry_public,
)
from domain.entries import Submission
from domain.errors import LedgerError
from domain.receipts import Receipt


def _iso_date_text(value: object) -> object:
    """Only ``YYYY-MM-DD``: pydantic alone also takes ``0`` (a Unix time) as a date.

    Found by schemathesis: ``?to=0`` was answered 200 as 1970-01-01 although the
    document says ``format: date``.
    """
    if isinstance(value, str) and not (
        len(value) == 10 and value[4] == value[7] == "-" and value.isascii()
    ):
        raise ValueError("日期格式应为 YYYY-MM-DD / a date must be YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]

MAX_PAGE: Final = 1000
DEFAULT_PAGE: Final = 100

_SUBMISSION_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": SubmissionCreate.model_json_schema(),
                "example": {"payload": EXAMPLE_PAYLOAD, "sig": EXAMPLE_SIG},
            }
        },
    }
}
_BATCH_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": SubmissionCreate.model_json_schema(),
                },
                "example": [{"payload": EXAMPLE_PAYLOAD, "sig": EXAMPLE_SIG}],
            }
        },
    }
}


async def get_committer(request: Request) -> GroupCommitter:
    committer: GroupCommitter = request.app.state.committer
    return committer


CommitterDep = Annotated[GroupCommitter, Depends(get_committer)]


def _build(mount: LogMount) -> APIRouter:
    router = APIRouter(prefix=mount.prefix, tags=[mount.tag])
    Origin = Annotated[str, Depends(mount.origin)]  # noqa: N806 - a type alias
    signer = "协会 / the association" if mount is MOUNTS[0] else "服务企业 / the firm"

    @router.post(
        "/entries",
        name=f"{mount.name}_post_entry",
        summary=f"提交一条签名条目 / post one entry signed by {signer}",
        status_code=201,
        response_model=ReceiptPublic,
        responses={
            200: {
                "model": ReceiptPublic,
                "description": "同一编号同一内容的重试：原回执 / a retry: the original receipt",
            },
            **problems(400, 403, 404, 409),
        },
        openapi_extra=_SUBMISSION_BODY,
    )
    def post_entry(
        origin: Origin,
        committer: CommitterDep,
        body: Annotated[Any, Body()],
    ) -> JSONResponse:
        submission = Submission.from_json(body)
        # Shares a transaction and checkpoint with concurrent posts to this log.
        receipt, appended = committer.post(origin, submission)
        # The receipt is encoded as it is (the hot path: no second pydantic pass over
        # a model built from it); schemathesis checks it against ReceiptPublic.
        # 200 for a safe retry: nothing was appended.
        return JSONResponse(receipt.to_json(), status_code=201 if appended else 200)

    @router.post(
        "/entries:batch",
        name=f"{mount.name}_post_batch",
        summary="在一个事务中提交多条 / post several entries in one transaction",
        response_model=list[BatchItemPublic],
        response_model_exclude_none=True,
        responses=problems(404),
        openapi_extra=_BATCH_BODY,
    )
    def post_batch(
        origin: Origin,
        committer: CommitterDep,
        settings: SettingsDep,
        request: Request,
        body: Annotated[list[Any], Body()],
    ) -> list[BatchItemPublic]:
        if len(body) > settings.max_batch:
            raise RequestValidationError(
                [
                    {
                        "type": "too_long",
                        "loc": ("body",),
                        "msg": f"一批最多 {settings.max_batch} 条 / at most "
                        f"{settings.max_batch} submissions per batch",
                    }
                ]
            )
        path = request.url.path
        results: list[BatchItemPublic | None] = [None] * len(body)
        parsed: list[tuple[int, Submission]] = []
        for position, item in enumerate(body):
            try:
                parsed.append((position, Submission.from_json(item)))
            except LedgerError as exc:
                results[position] = _failed(exc, f"{path}#/{position}", settings)
        # Under the cross-process write lock, like the group commit (api.write_lock).
        outcomes, size_before = committer.submit_batch(origin, [s for _, s in parsed])
        for (position, _), outcome in zip(parsed, outcomes, strict=True):
            if isinstance(outcome, Receipt):
                results[position] = BatchItemPublic(
                    status=200 if outcome.index < size_before else 201,
                    receipt=ReceiptPublic.model_validate(outcome.to_json()),
                )
            else:
                results[position] = _failed(outcome, f"{path}#/{position}", settings)
        return [r for r in results if r is not None]

    @router.get(
        "/entries",
        name=f"{mount.name}_list_entries",
        summary="按序列出条目 / list entries in log order",
        response_model=EntriesPublic,
        responses=problems(404),
    )
    def list_entries(
        origin: Origin,
        ledger: LedgerDep,
        after: Annotated[
            int | None,
            Query(
                ge=0, description="只列出此序号之后的条目 / entries after this index"
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        entry_type: Annotated[
            str | None,
            Query(
                alias="type",
                description="条目类型 / entry type",
                examples=["CommonRevenueRecorded"],
            ),
        ] = None,
        start: Annotated[
            IsoDate | None,
            Query(
                alias="from",
                description="期间与此日起重叠 / period overlaps from this date",
            ),
        ] = None,
        end: Annotated[
            IsoDate | None,
            Query(
                alias="to",
                description="期间与此日止重叠 / period overlaps up to this date",
            ),
        ] = None,
    ) -> EntriesPublic:
        first = 0 if after is None else after + 1
        chosen: list[EntryPublic] = []
        for stored in ledger.list_entries(origin, start=first):
            if entry_type is not None and stored.entry_type != entry_type:
                continue
            entry = entry_public(stored)
            if (start or end) and not _overlaps(entry.period, start, end):
                continue
            chosen.append(entry)
            if len(chosen) == limit:
                break
        next_after = chosen[-1].index if len(chosen) == limit else None
        return EntriesPublic(log=origin, entries=chosen, next_after=next_after)

    @router.get(
        "/entries/{index}",
        name=f"{mount.name}_get_entry",
        summary="一条条目及其回执 / one entry with its receipt",
        response_model=EntryWithReceiptPublic,
        responses=problems(404),
    )
    def get_entry(
        origin: Origin,
        ledger: LedgerDep,
        index: Annotated[int, Path(ge=0, description="条目序号 / leaf index")],
    ) -> EntryWithReceiptPublic:
        entry = entry_public(ledger.get_entry(origin, index))
        receipt = ledger.get_receipt(origin, index)
        return EntryWithReceiptPublic(
            entry=entry, receipt=ReceiptPublic.model_validate(receipt.to_json())
        )

    return router


def _failed(exc: LedgerError, instance: str, settings: Settings) -> BatchItemPublic:
    body = problem_body(exc, instance, base=settings.problem_base)
    return BatchItemPublic(
        status=body["status"], problem=ProblemPublic.model_validate(body)
    )


def _overlaps(
    period: dict[str, str] | None, start: date | None, end: date | None
) -> bool:
    """Does the envelope ``period`` {start, end} overlap [start, end] (inclusive)?"""
    if period is None:
        return False
    if start is not None and period.get("end", "") < start.isoformat():
        return False
    return not (end is not None and period.get("start", "") > end.isoformat())


routers: Final = [_build(mount) for mount in MOUNTS]
