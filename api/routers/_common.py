"""What the routers share: the two kinds of log path and the documented error responses.

Routes for a log are written once and mounted twice: under ``/v1/registry`` (the
registry log, association-signed) and under ``/v1/projects/{project_id}`` (a project's
log, firm-signed). Router modules do not use postponed annotations, so that the
``Annotated`` dependency chosen per mount is a real object when FastAPI reads it.
"""

from dataclasses import dataclass
from typing import Any, Final

from api.deps import project_origin, registry_origin
from api.problems import PROBLEM_MEDIA_TYPE
from api.wire import EXAMPLE_PROBLEM, ProblemPublic


@dataclass(frozen=True)
class LogMount:
    """Where a log's routes are mounted and how the path names the log."""

    name: str  # registry | project
    prefix: str
    origin: Any  # the dependency callable returning the origin
    tag: str


REGISTRY: Final = LogMount("registry", "/v1/registry", registry_origin, "registry")
PROJECT: Final = LogMount(
    "project", "/v1/projects/{project_id}", project_origin, "projects"
)
MOUNTS: Final = (REGISTRY, PROJECT)


def _problem(status: int, code: str, description: str) -> dict[str, Any]:
    example = {
        **EXAMPLE_PROBLEM,
        "status": status,
        "code": code,
        "type": f"https://shuangshai.example/problems/{code}",
    }
    if status not in (400, 422):
        example.pop("errors")
    return {
        "model": ProblemPublic,
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"example": example}},
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses (plus 500), with examples."""
    known = {
        400: ("malformed-submission", "提交格式错误 / malformed submission"),
        403: ("not-authorized", "签名者无权提交 / the signer may not post this"),
        404: ("not-found", "未找到 / not found"),
        409: ("conflict", "与日志冲突 / conflicts with the log"),
        422: ("schema-violation", "输入无效 / invalid input"),
        429: ("rate-limited", "请求过于频繁 / too many requests (see Retry-After)"),
        500: ("internal", "服务器内部错误 / internal error"),
    }
    chosen: dict[int | str, dict[str, Any]] = {}
    for status in (*statuses, 422, 500):
        code, description = known[status]
        chosen[status] = _problem(status, code, description)
    return chosen


def json_example(example: Any, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"example": example}},
    }
