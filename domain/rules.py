"""Money and registry rules that JSON Schema cannot express (SPEC §3, §5).

Two kinds of rule live here, both pure:

- :func:`check_stateless` — what one payload can be checked for on its own: dates in
  order, the 统一社会信用代码 check character (GB 32100-2015), the arithmetic of
  budgets, final accounts, remuneration and utility apportionment, and the refusal
  of major works as operating costs (《物业服务收费管理办法》第十一条:
  大修、中修、更新改造 are paid from the special maintenance fund, not from
  property-service fees).
- :func:`check_against_contract` — what needs the project's contract from the
  registry: the fee model (包干制 / 酬金制) and the contract's remuneration.

Rounding (the one rule for every derived amount in fen): **round half up**, i.e.
``floor(n / d + 1/2)``, computed in integers as ``(2n + d) // (2d)`` (a tie goes
towards +∞). Ratio remuneration is ``round_half_up(base_fen * ratio_bp / 10000)``; a
utility share is ``round_half_up(total_fen / households)`` or
``round_half_up(total_fen / floor_area_m2)``.

Every refusal is a :class:`~domain.errors.RuleViolationError` (or, for a malformed
code, :class:`~domain.errors.SchemaViolationError`) whose pointers are rooted at the
payload (``/body/amount_fen``), with a message in Chinese, then English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from domain.catalogue import FEE_MODEL_OF_TYPE
from domain.errors import FieldError, RuleViolationError, SchemaViolationError
from domain.uscc import check_uscc

if TYPE_CHECKING:
    from domain.registry import Contract

MAJOR_WORKS: Final = (
    "major-repair",
    "medium-repair",
    "renewal",
)  # 大修、中修、更新改造

MAJOR_WORKS_MESSAGE: Final = (
    "大修、中修、更新改造不属于物业服务成本，应使用专项维修资金（MaintenanceFundUsed）"
    "公示 / major and medium repairs and renewals are not operating costs: they are "
    "paid from the maintenance fund and disclosed as MaintenanceFundUsed"
)

#: Spellings of 大修、中修、更新改造 that posters use, after :func:`_normalise`.
_MAJOR_WORK_SPELLINGS: Final = frozenset(
    {
        *MAJOR_WORKS,
        "major",
        "medium",
        "mid-repair",
        "middle-repair",
        "major-repairs",
        "medium-repairs",
        "renewals",
        "major-repair-and-renewal",
        "major-works",
        "capital-repair",
        "overhaul",
        "maintenance-fund",
        "special-maintenance-fund",
        "大修",
        "中修",
        "大中修",
        "大修理",
        "中修理",
        "更新",
        "改造",
        "更新改造",
        "更新、改造",
        "大修、中修",
        "大修、中修、更新改造",
        "专项维修",
        "专项维修资金",
    }
)

#: Fields that name a spending category or repair class, per entry type.
_SPENDING_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "CommissionFundSpent": ("category", "repair_class"),
    "LumpSumSpendingRecorded": ("category", "repair_class"),
}
#: Types whose ``spending`` lines carry a ``category``.
_SPENDING_LINES: Final = ("BudgetDeclared", "AccountsClosed")

#: Registry types whose ``firm`` field is a 统一社会信用代码.
_FIRM_FIELD_TYPES: Final = frozenset(
    {"FirmKeyAdded", "FirmKeyRevoked", "ContractBound", "ContractEnded"}
)

_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- public helpers ------------------------------------------------------------------
def round_half_up_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (towards +∞ on a tie), exactly.

    ``denominator`` must be positive (a programming error otherwise).
    """
    if denominator <= 0:
        raise ValueError("round_half_up_div needs a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def ratio_amount_fen(base_fen: int, ratio_bp: int) -> int:
    """Ratio remuneration: ``base_fen * ratio_bp / 10000``, rounded half up (fen)."""
    return round_half_up_div(base_fen * ratio_bp, 10_000)


def is_major_work(value: object) -> bool:
    """Whether ``value`` names 大修、中修 or 更新改造 in any usual spelling."""
    return isinstance(value, str) and _normalise(value) in _MAJOR_WORK_SPELLINGS


def check_major_works(entry_type: str, body: Mapping[str, Any]) -> None:
    """Refuse spending on major works as an operating cost (RuleViolationError).

    Looks only at string values, so it can run before the schema does.
    """
    errors = [
        FieldError(pointer, MAJOR_WORKS_MESSAGE)
        for pointer in _major_work_pointers(entry_type, body)
    ]
    if errors:
        raise RuleViolationError(errors[0].message, errors=errors)


# --- stateless rules -----------------------------------------------------------------
def check_stateless(
    payload: Mapping[str, Any], *, major_works_checked: bool = False
) -> None:
    """Every rule one schema-valid payload can be checked for on its own.

    - any ``{start, end}`` pair of dates (or of times) ends no earlier than it starts;
    - a ``started_on`` is no later than the ``completed_on`` beside it;
    - every 统一社会信用代码 (``uscc`` fields, and ``firm`` in registry entries) has its
      right check character (SchemaViolationError);
    - spending on major works is refused (see :data:`MAJOR_WORKS_MESSAGE`);
    - BudgetDeclared / AccountsClosed: one line per category or source, totals equal
      the sums of their lines, balance / surplus = income − spending − remuneration;
    - RemunerationDrawn: ratio amount = round_half_up(base × ratio ÷ 10000); a fixed
      draw never exceeds the annual amount;
    - UtilityCostApportioned: consumption = end − start of the readings; the share per
      household or per m² = round_half_up(total ÷ households or floor area);
    - FeeScheduleDeclared: no two fee items with the same label.

    ``major_works_checked`` says the caller already ran :func:`check_major_works` on
    this body (the schema validator does, before the schema), which spares a walk.
    """
    body = payload.get("body")
    entry_type = payload.get("type")
    if not isinstance(body, Mapping) or not isinstance(entry_type, str):
        raise SchemaViolationError(
            "载荷缺少 type 或 body / the payload needs a type and a body",
            pointer="/body" if isinstance(entry_type, str) else "/type",
        )
    uscc_candidates, period_errors = _scan_payload(payload)
    format_errors = list(_uscc_errors(entry_type, body, uscc_candidates))
    if format_errors:
        raise SchemaViolationError(format_errors[0].message, errors=format_errors)
    errors = (
        []
        if major_works_checked
        else [
            FieldError(pointer, MAJOR_WORKS_MESSAGE)
            for pointer in _major_work_pointers(entry_type, body)
        ]
    )
    errors += period_errors
    rule = _BODY_RULES.get(entry_type)
    if rule is not None:
        errors += rule(body)
    if errors:
        raise RuleViolationError(errors[0].message, errors=errors)


def check_against_contract(
    entry_type: str, body: Mapping[str, Any], contract: Contract
) -> None:
    """Refuse an entry its project's contract does not allow (RuleViolationError).

    - A 酬金制-only type under a 包干制 contract, or the reverse, is refused at
      ``/type`` (``catalogue.FEE_MODEL_OF_TYPE``).
    - RemunerationDrawn must use the contract's basis (``/body/basis``); on a ratio,
      ``ratio_bp`` equals the contract's and ``amount_fen`` equals
      ``round_half_up(base_fen * ratio_bp / 10000)``; on a fixed amount,
      ``annual_fen`` equals the contract's and ``amount_fen`` does not exceed it.
    """
    required_model = FEE_MODEL_OF_TYPE.get(entry_type)
    if required_model is not None and required_model != contract.fee_model:
        raise RuleViolationError(
            f"合同 {contract.contract_id} 为{_FEE_MODEL_ZH[contract.fee_model]}"
            f"（{contract.fee_model}），不能公示{_FEE_MODEL_ZH[required_model]}条目 "
            f"{entry_type} / contract {contract.contract_id} is {contract.fee_model}: "
            f"{entry_type} is a {required_model} entry",
            pointer="/type",
        )
    if entry_type == "RemunerationDrawn":
        errors = _remuneration_against_contract(body, contract)
        if errors:
            raise RuleViolationError(errors[0].message, errors=errors)


# --- rules per type ------------------------------------------------------------------
_FEE_MODEL_ZH: Final = {"lump_sum": "包干制", "commission": "酬金制"}


def _remuneration_against_contract(
    body: Mapping[str, Any], contract: Contract
) -> list[FieldError]:
    basis = body.get("basis")
    if basis != contract.remuneration_basis:
        return [
            FieldError(
                "/body/basis",
                f"酬金计提方式应与合同 {contract.contract_id} 一致：应为 "
                f"{contract.remuneration_basis}，实为 {basis} / the remuneration basis "
                f"must be the contract's: expected {contract.remuneration_basis}, got "
                f"{basis}",
            )
        ]
    errors: list[FieldError] = []
    amount = body.get("amount_fen")
    if basis == "ratio":
        ratio = body.get("ratio_bp")
        if ratio != contract.remuneration_ratio_bp:
            errors.append(
                FieldError(
                    "/body/ratio_bp",
                    "酬金比例应为合同约定的 "
                    f"{contract.remuneration_ratio_bp} 个基点，实为 {ratio} / "
                    "ratio_bp must be the contract's "
                    f"{contract.remuneration_ratio_bp}, got {ratio}",
                )
            )
        else:
            errors += _ratio_amount_errors(body)
    elif basis == "fixed":
        annual = body.get("annual_fen")
        if annual != contract.remuneration_annual_fen:
            errors.append(
                FieldError(
                    "/body/annual_fen",
                    "固定年度酬金应为合同约定的 "
                    f"{contract.remuneration_annual_fen} 分，实为 {annual} / "
                    "annual_fen must be the contract's "
                    f"{contract.remuneration_annual_fen}, got {annual}",
                )
            )
        elif _is_int(amount) and _is_int(annual) and amount > annual:
            errors.append(_fixed_exceeds(amount, annual))
    return errors


def _ratio_amount_errors(body: Mapping[str, Any]) -> list[FieldError]:
    base, ratio, amount = (
        body.get("base_fen"),
        body.get("ratio_bp"),
        body.get("amount_fen"),
    )
    if not (_is_int(base) and _is_int(ratio) and _is_int(amount)) or base < 0:
        return []
    expected = ratio_amount_fen(base, ratio)
    if amount == expected:
        return []
    return [
        FieldError(
            "/body/amount_fen",
            f"酬金应为 计提基数 {base} × {ratio}/10000 四舍五入到分 = "
            f"{expected} 分，实为 {amount} / amount_fen must be base_fen × "
            f"ratio_bp / 10000 rounded half up = {expected}, got {amount}",
        )
    ]


def _fixed_exceeds(amount: int, annual: int) -> FieldError:
    return FieldError(
        "/body/amount_fen",
        f"单次提取的酬金 {amount} 分超过年度固定酬金 {annual} 分 / amount_fen {amount} "
        f"exceeds the annual fixed remuneration {annual}",
    )


def _remuneration_drawn(body: Mapping[str, Any]) -> list[FieldError]:
    if body.get("basis") == "ratio":
        return _ratio_amount_errors(body)
    amount, annual = body.get("amount_fen"), body.get("annual_fen")
    if _is_int(amount) and _is_int(annual) and amount > annual:
        return [_fixed_exceeds(amount, annual)]
    return []


def _line_totals(
    body: Mapping[str, Any], lines_field: str, key: str, total_field: str
) -> list[FieldError]:
    """Check one line per ``key``, and ``total_field`` = the sum of the lines."""
    lines = body.get(lines_field)
    if not isinstance(lines, list):
        return []
    errors: list[FieldError] = []
    seen: set[object] = set()
    total = 0
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping):
            return errors
        name = line.get(key)
        if name in seen:
            errors.append(
                FieldError(
                    f"/body/{lines_field}/{index}/{key}",
                    f"{name} 重复出现：每个{_KEY_ZH[key]}只列一行 / "
                    f"{name} appears twice: one line per {key}",
                )
            )
        seen.add(name)
        amount = line.get("amount_fen")
        if not _is_int(amount):
            return errors
        total += amount
    declared = body.get(total_field)
    if _is_int(declared) and declared != total:
        errors.append(
            FieldError(
                f"/body/{total_field}",
                f"{total_field} 应等于 {lines_field} 各行之和 {total}，"
                f"实为 {declared} / {total_field} must be the sum of "
                f"{lines_field}: {total}, got {declared}",
            )
        )
    return errors


_KEY_ZH: Final = {"category": "类别", "source": "来源"}


def _budget_or_accounts(
    result_field: str,
) -> Callable[[Mapping[str, Any]], list[FieldError]]:
    def check(body: Mapping[str, Any]) -> list[FieldError]:
        errors = _line_totals(body, "spending", "category", "total_spending_fen")
        errors += _line_totals(body, "income", "source", "total_income_fen")
        total_spending = body.get("total_spending_fen")
        total_income = body.get("total_income_fen")
        remuneration = body.get("remuneration_fen")
        result = body.get(result_field)
        if (
            _is_int(total_spending)
            and _is_int(total_income)
            and _is_int(remuneration)
            and _is_int(result)
        ):
            expected = total_income - total_spending - remuneration
            if result != expected:
                errors.append(
                    FieldError(
                        f"/body/{result_field}",
                        f"{result_field} 应为 收入合计 {total_income} − 支出合计 "
                        f"{total_spending} − 酬金 {remuneration} = {expected}，实为 "
                        f"{result} / {result_field} must be total_income_fen − "
                        f"total_spending_fen − remuneration_fen = {expected}, got "
                        f"{result}",
                    )
                )
        return errors

    return check


def _utility_cost_apportioned(body: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    readings = body.get("readings")
    consumption = body.get("consumption")
    if isinstance(readings, Mapping):
        start, end = readings.get("start"), readings.get("end")
        if _is_int(start) and _is_int(end):
            if end < start:
                errors.append(
                    FieldError(
                        "/body/readings/end",
                        f"期末读数 {end} 小于期初读数 {start}（换表请分两条公示）"
                        f"/ the end reading {end} is below the start reading "
                        f"{start} (post a meter change as two entries)",
                    )
                )
            elif _is_int(consumption) and consumption != end - start:
                errors.append(
                    FieldError(
                        "/body/consumption",
                        "用量应为 期末读数 − 期初读数 = "
                        f"{end - start}，实为 {consumption} / consumption must be "
                        f"end − start = {end - start}, got {consumption}",
                    )
                )
    total = body.get("total_fen")
    basis = body.get("basis")
    if basis == "per-household":
        units, unit_field, share_field = (
            body.get("households"),
            "households",
            "per_household_fen",
        )
    elif basis == "per-m2":
        units, unit_field, share_field = (
            body.get("floor_area_m2"),
            "floor_area_m2",
            "per_m2_fen",
        )
    else:
        return errors
    share = body.get(share_field)
    if (
        _is_int(total)
        and _is_int(units)
        and _is_int(share)
        and total >= 0
        and units > 0
    ):
        expected = round_half_up_div(total, units)
        if share != expected:
            errors.append(
                FieldError(
                    f"/body/{share_field}",
                    f"{share_field} 应为 total_fen {total} ÷ {unit_field} "
                    f"{units} 四舍五入到分 = {expected}，实为 {share} / "
                    f"{share_field} must be total_fen / {unit_field} rounded "
                    f"half up = {expected}, got {share}",
                )
            )
    return errors


def _maintenance_fund_used(body: Mapping[str, Any]) -> list[FieldError]:
    started, completed = (
        _as_date(body.get("started_on")),
        _as_date(body.get("completed_on")),
    )
    if started is not None and completed is not None and completed < started:
        return [
            FieldError(
                "/body/completed_on",
                f"完工日期 {completed} 早于开工日期 {started} / "
                f"completed_on {completed} is before started_on {started}",
            )
        ]
    return []


def _fee_schedule_declared(body: Mapping[str, Any]) -> list[FieldError]:
    items = body.get("items")
    if not isinstance(items, list):
        return []
    errors: list[FieldError] = []
    seen: set[object] = set()
    for index, item in enumerate(items):
        label = item.get("label") if isinstance(item, Mapping) else None
        if label in seen:
            errors.append(
                FieldError(
                    f"/body/items/{index}/label",
                    f"收费项目 {label} 重复 / fee item {label} appears twice",
                )
            )
        seen.add(label)
    return errors


_BODY_RULES: Final[dict[str, Callable[[Mapping[str, Any]], list[FieldError]]]] = {
    "BudgetDeclared": _budget_or_accounts("balance_fen"),
    "AccountsClosed": _budget_or_accounts("surplus_or_deficit_fen"),
    "RemunerationDrawn": _remuneration_drawn,
    "UtilityCostApportioned": _utility_cost_apportioned,
    "MaintenanceFundUsed": _maintenance_fund_used,
    "FeeScheduleDeclared": _fee_schedule_declared,
}


# --- generic walks -------------------------------------------------------------------
def _major_work_pointers(entry_type: str, body: Mapping[str, Any]) -> Iterator[str]:
    for field in _SPENDING_FIELDS.get(entry_type, ()):
        if is_major_work(body.get(field)):
            yield f"/body/{field}"
    if entry_type in _SPENDING_LINES:
        lines = body.get("spending")
        if isinstance(lines, list):
            for index, line in enumerate(lines):
                if isinstance(line, Mapping) and is_major_work(line.get("category")):
                    yield f"/body/spending/{index}/category"


def _scan_payload(
    payload: Mapping[str, Any],
) -> tuple[list[tuple[str, object]], list[FieldError]]:
    """One walk for the two rules that look everywhere: ``uscc`` fields under the body,
    and ``{start, end}`` pairs anywhere. Pointers are built only for what is found."""
    uscc: list[tuple[str, object]] = []
    periods: list[FieldError] = []
    _scan(dict(payload), [], uscc, periods)
    return uscc, periods


def _scan(
    value: object,
    path: list[str],
    uscc: list[tuple[str, object]],
    periods: list[FieldError],
) -> None:
    if isinstance(value, dict):
        start, end = value.get("start"), value.get("end")
        if type(start) is str and type(end) is str and _in_order(start, end) is False:
            periods.append(
                FieldError(
                    "".join(path) + "/end",
                    f"结束 {end} 早于开始 {start} / the period ends ({end}) before "
                    f"it starts ({start})",
                )
            )
        for name, item in value.items():
            if name == "uscc" and path and path[0] == "/body":
                uscc.append(("".join(path) + "/uscc", item))
            elif isinstance(item, dict | list):
                path.append("/" + _escape(str(name)))
                _scan(item, path, uscc, periods)
                path.pop()
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                path.append(f"/{index}")
                _scan(item, path, uscc, periods)
                path.pop()
    elif isinstance(value, Mapping):
        _scan(dict(value), path, uscc, periods)


def _uscc_errors(
    entry_type: str, body: Mapping[str, Any], found: list[tuple[str, object]]
) -> Iterator[FieldError]:
    candidates = list(found)
    if entry_type in _FIRM_FIELD_TYPES and "firm" in body:
        candidates.append(("/body/firm", body["firm"]))
    for pointer, value in candidates:
        if not isinstance(value, str):
            continue
        try:
            check_uscc(value, pointer=pointer)
        except SchemaViolationError as exc:
            yield from exc.errors


def _in_order(start: str, end: str) -> bool | None:
    """Whether start <= end (two dates or two offset times); None if incomparable."""
    start_date, end_date = _as_date(start), _as_date(end)
    if start_date is not None and end_date is not None:
        return start_date <= end_date
    start_time, end_time = _as_datetime(start), _as_datetime(end)
    if start_time is not None and end_time is not None:
        return start_time <= end_time
    return None


def _as_date(value: object) -> date | None:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _as_datetime(value: str) -> datetime | None:
    if len(value) < 20 or value[10] not in "Tt":
        return None
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _normalise(value: str) -> str:
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    return text.replace("，", "、").replace(",", "、")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _escape(token: str) -> str:
    """RFC 6901 reference-token escaping."""
    return token.replace("~", "~0").replace("/", "~1")
