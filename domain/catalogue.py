"""The catalogue of SPEC §5 as data: entry types, board columns, desk categories, templates.

Kept as plain data so that an association can rename columns and templates without
touching code. The schema file of an entry type is ``schemas/<kebab-name>.v1.schema.json``.
"""

from __future__ import annotations

import re
from typing import Final

#: Entry types of the registry log, signed by the association key.
REGISTRY_ENTRY_TYPES: Final[tuple[str, ...]] = (
    "FirmRegistered",
    "FirmKeyAdded",
    "FirmKeyRevoked",
    "ProjectRegistered",
    "ContractBound",
    "ContractEnded",
    "WitnessAdded",
    "WitnessRemoved",
)

#: Entry types of a project log, signed by the serving firm's keys.
PROJECT_ENTRY_TYPES: Final[tuple[str, ...]] = (
    # T01 物业服务项目及人员信息公示表
    "ProjectProfileDeclared",
    "ManagerAppointed",
    "StaffAssigned",
    "StaffReleased",
    # T02 物业服务内容与收费标准公示表
    "FeeScheduleDeclared",
    "ServiceStandardDeclared",
    # T03 共有部分经营收益收支公示表
    "RevenueSourceRegistered",
    "CommonRevenueRecorded",
    "CommonRevenueCostDeducted",
    "OwnerShareAllocated",
    # T04 酬金制物业服务资金收支公示表
    "CommissionFundCollected",
    "CommissionFundSpent",
    "RemunerationDrawn",
    # T05 酬金制资金年度预决算公示表
    "BudgetDeclared",
    "AccountsClosed",
    # T06 包干制物业服务费用分类收支公示表
    "LumpSumIncomeRecorded",
    "LumpSumSpendingRecorded",
    # T07 公共水电能耗及分摊公示表
    "UtilityCostApportioned",
    # T08 专项维修资金使用公示表
    "MaintenanceFundUsed",
    # T09 / T10 履约服务, 设施管理
    "PerformanceReported",
    "WorkLogged",
    "InspectionRecorded",
    "FacilityRegistered",
    "FacilityServiced",
    # T11 暖心物管实事亮牌
    "PledgeMade",
    "PledgeProgressed",
    "PledgeFulfilled",
    "PledgeLapsed",
    # T12 业主质疑及答复
    "ChallengeRaised",
    "ChallengeAnswered",
    "ChallengeEscalated",
    "ChallengeClosed",
    # 通知公告 and the enquiry desk
    "NoticePosted",
    "ContractSigned",
    "ContractAmended",
    "DocumentFiled",
    # 红冲: may target any entry of the same log
    "EntryReversed",
)

ALL_ENTRY_TYPES: Final[tuple[str, ...]] = REGISTRY_ENTRY_TYPES + PROJECT_ENTRY_TYPES

#: Types whose body carries money and therefore belongs to the finance category.
FEE_MODEL_OF_TYPE: Final[dict[str, str]] = {
    "CommissionFundCollected": "commission",
    "CommissionFundSpent": "commission",
    "RemunerationDrawn": "commission",
    "BudgetDeclared": "commission",
    "AccountsClosed": "commission",
    "LumpSumIncomeRecorded": "lump_sum",
    "LumpSumSpendingRecorded": "lump_sum",
}


def schema_name(entry_type: str) -> str:
    """``CommonRevenueRecorded`` -> ``common-revenue-recorded.v1.schema.json``."""
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", entry_type).lower()
    return f"{kebab}.v1.schema.json"
