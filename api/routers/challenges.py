"""Owners' challenges (质疑沟通) over HTTP: raise with no key, follow with a tracking code.

- ``POST /v1/projects/{project_id}/challenges`` — an owner's challenge: the entry it
  questions (``entry_index``), the question, and contact details that go to the
  private store only. Rate-limited per client address (:mod:`api.ratelimit`): 429 with
  ``Retry-After``. 201 with the tracking code (shown once, never stored) and the
  receipt of the intake-signed ``ChallengeRaised``.
- ``GET /v1/challenges/{tracking_code}`` — the thread: status and every public entry
  with its log index. No private data, ever (not even back to its owner).
- ``POST /v1/challenges/{tracking_code}:escalate`` / ``:close`` — the owner's steps,
  signed by the intake key on the owner's behalf; 201 with the receipt.
- ``DELETE /v1/challenges/{tracking_code}/private`` — erase the contact details and
  the commitment's salt. The log is untouched and still verifies; the commitment in
  the entry can no longer be opened by anyone.

The firm answers with a signed ``ChallengeAnswered`` through
``POST /v1/projects/{project_id}/entries`` like any other entry. The routes exist only
when the app was given a :class:`~api.intake.ChallengeIntake` (``shuangshai serve``
gives it the instance's intake key and private store).
"""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ProjectIdPath, SettingsDep
from api.intake import ChallengeIntake, ChallengeStatus
from api.ratelimit import TokenBucketLimiter, client_address
from api.routers._common import problems
from api.wire import EXAMPLE_ORIGIN, EXAMPLE_RECEIPT, ReceiptPublic
from domain.challenges import (
    parse_challenge_request,
    parse_close_request,
    parse_escalate_request,
)

EXAMPLE_CODE: Final = "m3kq7xw2tq5vhj4n6bzd2yc7pfa3lr5e"
EXAMPLE_CHALLENGE_ID: Final = "q-20260301-k2m4q6s8"
_NO_STORE: Final = "no-store"


# ------------------------------------------------------------------ shapes
class ContactCreate(BaseModel):
    """Contact details: kept in the private store only, never published or returned."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=40, description="姓名 / name")
    phone: str | None = Field(
        None, description="手机号（11 位）/ mainland mobile number"
    )
    room: str | None = Field(
        None, description="栋-单元-房号，如 3-2-1201 / building-unit-room"
    )
    note: str | None = Field(
        None,
        max_length=2000,
        description="只给受理方看的说明（不公开）/ a private note for the intake only",
    )


class ChallengeCreate(BaseModel):
    """An owner's challenge (no key, no account)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entry_index": 412,
                    "subject": "10月电梯广告收入偏低",
                    "question": "10月电梯广告收入比9月少了约三成，是否有广告位空置或合同变更？",
                    "contact": {
                        "name": "王建华",
                        "phone": "13812345678",
                        "room": "3-2-1201",
                        "note": "工作日晚上方便联系",
                    },
                }
            ]
        },
    )

    entry_index: int | None = Field(
        None, ge=0, description="所质疑的本项目条目序号 / the entry questioned"
    )
    topic: str | None = Field(
        None, description="公开栏目 slug 或 other（默认取条目所在栏目）/ board column"
    )
    subject: str | None = Field(None, max_length=200, description="事由 / subject")
    question: str = Field(
        max_length=4000, description="质疑内容（公开）/ the question (public)"
    )
    contact: ContactCreate


class ChallengeRaisedPublic(BaseModel):
    """The tracking code is shown here once; the server keeps only its hash."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tracking_code": EXAMPLE_CODE,
                    "project_id": "jinjiang-hemei",
                    "challenge_id": EXAMPLE_CHALLENGE_ID,
                    "status_url": f"/v1/challenges/{EXAMPLE_CODE}",
                    "notice": "请保存跟踪码：它只显示这一次 / keep the tracking code: "
                    "it is shown only this once",
                    "receipt": EXAMPLE_RECEIPT,
                }
            ]
        }
    )

    tracking_code: str
    project_id: str
    challenge_id: str
    status_url: str
    notice: str
    receipt: ReceiptPublic


class ChallengeStepPublic(BaseModel):
    index: int
    type: str
    accepted_at: str
    leaf_hash: str
    body: dict[str, Any]


class ChallengeStatusPublic(BaseModel):
    """A challenge thread as the log holds it (public data only)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": "jinjiang-hemei",
                    "log": EXAMPLE_ORIGIN,
                    "challenge_id": EXAMPLE_CHALLENGE_ID,
                    "status": "answered",
                    "private_data": "kept",
                    "erased_at": None,
                    "steps": [
                        {
                            "index": 413,
                            "type": "ChallengeRaised",
                            "accepted_at": "2026-03-01T01:00:00.000000Z",
                            "leaf_hash": EXAMPLE_RECEIPT["leaf_hash"],
                            "body": {
                                "challenge_id": EXAMPLE_CHALLENGE_ID,
                                "subject": "10月电梯广告收入偏低",
                                "challenger": {
                                    "name": "王*",
                                    "room": "3-2-***",
                                    "phone": "138****5678",
                                    "commitment": "e87f54176580e8993f4af4cc4be1b2e7"
                                    "4b309e9fe303944bf3bb8edcbc3814dd",
                                },
                            },
                        }
                    ],
                }
            ]
        }
    )

    project_id: str
    log: str
    challenge_id: str
    status: str
    private_data: str
    erased_at: str | None
    steps: list[ChallengeStepPublic]


class ChallengeCloseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"outcome": "satisfied", "note": "已核对合同与回单，满意。"}]
        },
    )

    outcome: str = Field(description="satisfied | unsatisfied | withdrawn")
    note: str | None = Field(None, max_length=4000, description="说明（公开）/ note")


class ChallengeEscalateCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "escalated_to": "owners-committee",
                    "reason": "对答复不满意，请业委会核对合同原件。",
                    "trigger": "owner-request",
                }
            ]
        },
    )

    escalated_to: str = Field(
        description="owners-committee | street-office | association | housing-authority"
    )
    reason: str = Field(max_length=4000, description="升级说明（公开）/ why (public)")
    trigger: str | None = Field(
        None, description="owner-request（默认）| answer-overdue"
    )


class PrivateDataErasedPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": "jinjiang-hemei",
                    "challenge_id": EXAMPLE_CHALLENGE_ID,
                    "private_data": "erased",
                    "erased_at": "2026-03-02T08:00:00Z",
                    "notice": "联系信息与盐值已删除；日志不变，承诺值从此无法打开 / contact "
                    "details and salt deleted; the log is unchanged and its commitment "
                    "can no longer be opened",
                }
            ]
        }
    )

    project_id: str
    challenge_id: str
    private_data: str
    erased_at: str | None
    notice: str


def _body(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": schema,
                    "example": schema["examples"][0],
                }
            },
        }
    }


# ------------------------------------------------------------- dependencies
def get_intake(request: Request) -> ChallengeIntake:
    intake: ChallengeIntake = request.app.state.intake
    return intake


def get_limiter(request: Request) -> TokenBucketLimiter:
    limiter: TokenBucketLimiter = request.app.state.challenge_limiter
    return limiter


IntakeDep = Annotated[ChallengeIntake, Depends(get_intake)]
LimiterDep = Annotated[TokenBucketLimiter, Depends(get_limiter)]
TrackingCode = Annotated[
    str,
    Path(
        description="跟踪码（提出质疑时只显示一次）/ the tracking code shown once",
        examples=[EXAMPLE_CODE],
    ),
]

router: Final = APIRouter(tags=["challenges"])


@router.post(
    "/v1/projects/{project_id}/challenges",
    summary="业主提出质疑（无需密钥，按地址限流）/ an owner raises a challenge",
    status_code=201,
    response_model=ChallengeRaisedPublic,
    responses=problems(403, 404, 409, 429),
    openapi_extra=_body(ChallengeCreate),
)
def raise_challenge(
    project_id: ProjectIdPath,
    request: Request,
    response: Response,
    intake: IntakeDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    body: Annotated[Any, Body()],
) -> ChallengeRaisedPublic:
    limiter.take(
        client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            trust_forwarded_for=settings.trust_forwarded_for,
        )
    )
    raised = intake.raise_challenge(project_id, parse_challenge_request(body))
    response.headers["Cache-Control"] = _NO_STORE
    return ChallengeRaisedPublic(
        tracking_code=raised.tracking_code,
        project_id=raised.project_id,
        challenge_id=raised.challenge_id,
        status_url=f"/v1/challenges/{raised.tracking_code}",
        notice="请保存跟踪码：它只显示这一次 / keep the tracking code: it is shown "
        "only this once",
        receipt=ReceiptPublic.model_validate(raised.receipt.to_json()),
    )


@router.get(
    "/v1/challenges/{tracking_code}",
    summary="凭跟踪码查看质疑进展 / follow a challenge with its tracking code",
    response_model=ChallengeStatusPublic,
    responses=problems(404),
)
def challenge_status(
    tracking_code: TrackingCode, intake: IntakeDep, response: Response
) -> ChallengeStatusPublic:
    response.headers["Cache-Control"] = _NO_STORE
    return _status_public(intake.status(tracking_code))


@router.post(
    "/v1/challenges/{tracking_code}:escalate",
    summary="业主要求升级（受理密钥代签）/ the owner escalates (intake-signed)",
    status_code=201,
    response_model=ReceiptPublic,
    responses=problems(403, 404, 409),
    openapi_extra=_body(ChallengeEscalateCreate),
)
def escalate_challenge(
    tracking_code: TrackingCode, intake: IntakeDep, body: Annotated[Any, Body()]
) -> ReceiptPublic:
    receipt = intake.escalate(tracking_code, parse_escalate_request(body))
    return ReceiptPublic.model_validate(receipt.to_json())


@router.post(
    "/v1/challenges/{tracking_code}:close",
    summary="业主确认办结（受理密钥代签）/ the owner closes (intake-signed)",
    status_code=201,
    response_model=ReceiptPublic,
    responses=problems(403, 404, 409),
    openapi_extra=_body(ChallengeCloseCreate),
)
def close_challenge(
    tracking_code: TrackingCode, intake: IntakeDep, body: Annotated[Any, Body()]
) -> ReceiptPublic:
    receipt = intake.close(tracking_code, parse_close_request(body))
    return ReceiptPublic.model_validate(receipt.to_json())


@router.delete(
    "/v1/challenges/{tracking_code}/private",
    summary="删除本人的私有信息（日志不变）/ erase the owner's private data",
    response_model=PrivateDataErasedPublic,
    responses=problems(404),
)
def erase_private_data(
    tracking_code: TrackingCode, intake: IntakeDep
) -> PrivateDataErasedPublic:
    record = intake.erase(tracking_code)
    return PrivateDataErasedPublic(
        project_id=record.origin.rsplit("/p/", 1)[1],
        challenge_id=record.challenge_id,
        private_data="erased",
        erased_at=record.erased_at,
        notice="联系信息与盐值已删除；日志不变，承诺值从此无法打开 / contact details and "
        "salt deleted; the log is unchanged and its commitment can no longer be opened",
    )


def _status_public(status: ChallengeStatus) -> ChallengeStatusPublic:
    return ChallengeStatusPublic(
        project_id=status.project_id,
        log=status.origin,
        challenge_id=status.challenge_id,
        status=status.status,
        private_data=status.private_data,
        erased_at=status.erased_at,
        steps=[
            ChallengeStepPublic(
                index=s.index,
                type=s.entry_type,
                accepted_at=s.accepted_at,
                leaf_hash=s.leaf_hash,
                body=s.body,
            )
            for s in status.steps
        ],
    )
