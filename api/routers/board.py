"""A project's notice board, enquiry desk and template statements (SPEC §4–5) as JSON.

Read from the board projection (:mod:`domain.projection`), caught up first, and
folded by :mod:`domain.board`; statements are computed by :mod:`domain.statements`
exactly as the static site's pages are.

- ``GET /v1/projects/{project_id}/board`` — the 8 columns (公开栏), in catalogue order.
- ``GET /v1/projects/{project_id}/desk`` — the 5 categories (查询台).
- ``GET /v1/projects/{project_id}/statements`` — every statement's template and period.
- ``GET /v1/projects/{project_id}/statements/{template}/{period}`` — one statement.
"""

from typing import Annotated, Final

from fastapi import APIRouter, Path

from api.deps import BoardsDep, LedgerDep, ProjectIdPath, ProjectOriginDep
from api.routers._common import problems
from api.wire import (
    BoardPublic,
    DeskPublic,
    SectionPublic,
    StatementPublic,
    StatementsPublic,
    StatementSummaryPublic,
    board_entry_public,
    period_public,
    statement_public,
)
from domain.catalogue import COLUMNS, DESK_CATEGORIES, TEMPLATE_BY_SLUG
from domain.errors import NotFoundError
from domain.statements import build_statements, list_statement_periods

router: Final = APIRouter(prefix="/v1/projects/{project_id}", tags=["projects"])


@router.get(
    "/board",
    summary="公开栏（8 栏）/ the notice board's 8 columns",
    response_model=BoardPublic,
    responses=problems(404),
)
def get_board(
    project_id: ProjectIdPath, origin: ProjectOriginDep, boards: BoardsDep
) -> BoardPublic:
    board = boards.board(origin)
    return BoardPublic(
        log=origin,
        project_id=project_id,
        size=len(board.entries),
        columns=[
            SectionPublic(
                slug=slug,
                name=name,
                entries=[board_entry_public(e) for e in board.column(slug)],
            )
            for slug, name in COLUMNS.items()
        ],
    )


@router.get(
    "/desk",
    summary="查询台（5 类）/ the enquiry desk's 5 categories",
    response_model=DeskPublic,
    responses=problems(404),
)
def get_desk(
    project_id: ProjectIdPath, origin: ProjectOriginDep, boards: BoardsDep
) -> DeskPublic:
    board = boards.board(origin)
    return DeskPublic(
        log=origin,
        project_id=project_id,
        size=len(board.entries),
        categories=[
            SectionPublic(
                slug=slug,
                name=name,
                entries=[board_entry_public(e) for e in board.category(slug)],
            )
            for slug, name in DESK_CATEGORIES.items()
        ],
    )


@router.get(
    "/statements",
    summary="公示表列表 / the project's template statements",
    response_model=StatementsPublic,
    responses=problems(404),
)
def list_statements(
    project_id: ProjectIdPath, origin: ProjectOriginDep, boards: BoardsDep
) -> StatementsPublic:
    board = boards.board(origin)
    summaries: list[StatementSummaryPublic] = []
    for slug, periods in list_statement_periods(board).items():
        template = TEMPLATE_BY_SLUG[slug]
        summaries.extend(
            StatementSummaryPublic(
                template=template.slug,
                code=template.code,
                title=template.name,
                period=period_public(period),
            )
            for period in periods
        )
    return StatementsPublic(project_id=project_id, statements=summaries)


@router.get(
    "/statements/{template}/{period}",
    summary="一张公示表 / one template statement",
    response_model=StatementPublic,
    responses=problems(404),
)
def get_statement(
    project_id: ProjectIdPath,
    origin: ProjectOriginDep,
    boards: BoardsDep,
    ledger: LedgerDep,
    template: Annotated[
        str, Path(description="模板 slug / template slug", examples=["common-revenue"])
    ],
    period: Annotated[str, Path(description="期间 / period key", examples=["2026-Q1"])],
) -> StatementPublic:
    if template not in TEMPLATE_BY_SLUG:
        raise NotFoundError(
            f"没有模板 {template!r} / no template {template!r}; see /statements"
        )
    registry = ledger.get_registry()
    board = boards.board(origin)
    statements = build_statements(
        board,
        project=registry.projects[project_id],
        contract=registry.latest_contract(project_id),
        only={template: {period}},
    )
    if not statements:
        raise NotFoundError(
            f"模板 {template} 没有期间 {period!r} 的公示表 / no {template} statement "
            f"for period {period!r}"
        )
    return statement_public(statements[0])
