"""The catalogue of SPEC §5 as data: entry types, board columns, desk categories, templates.

Kept as plain data so that an association can rename columns and templates without
touching code. The schema file of an entry type is ``schemas/<kebab-name>.v1.schema.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    "IntakeKeyAdded",
    "IntakeKeyRevoked",
)

#: Entry types of a project log, signed by the serving firm's keys; owners' challenge
#: steps are signed by the instance's intake key instead (see :data:`INTAKE_SIGNED`).
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

#: The project entry types the instance's intake key may sign (on an owner's behalf);
#: every other project entry type is signed by the serving firm (domain/challenges.py).
INTAKE_SIGNED: Final[tuple[str, ...]] = (
    "ChallengeRaised",
    "ChallengeEscalated",
    "ChallengeClosed",
)

#: The entry types of one challenge thread, keyed by ``challenge_id``.
CHALLENGE_TYPES: Final[tuple[str, ...]] = (
    "ChallengeRaised",
    "ChallengeAnswered",
    "ChallengeEscalated",
    "ChallengeClosed",
)

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


# --------------------------------------------------------------------------------
# The notice board (公开栏), the enquiry desk (查询台) and the 12 templates (SPEC §5).
# Names marked † in the spec are the Chengdu guideline's; the rest are ours. Kept as
# data so an association can rename them.
# --------------------------------------------------------------------------------

#: The 8 notice-board columns: slug -> Chinese name.
COLUMNS: Final[dict[str, str]] = {
    "income-expenditure": "收支公开",
    "staff": "人员信息",
    "contract-performance": "履约服务",
    "facilities": "设施管理",
    "fees-and-services": "服务收费",
    "pledges": "实事亮牌",
    "supervision": "监督评价",
    "notices": "通知公告",
}

#: The 5 enquiry-desk categories: slug -> Chinese name.
DESK_CATEGORIES: Final[dict[str, str]] = {
    "contracts": "合同协议",
    "finance": "财务管理",
    "registers": "清册台账",
    "work-records": "作业记录",
    "policies-and-plans": "制度预案",
}


@dataclass(frozen=True)
class Template:
    """One of the 12 reference templates (参考模板)."""

    code: str  # T01 … T12
    slug: str
    name: str
    columns: tuple[str, ...]
    entry_types: tuple[str, ...]


TEMPLATES: Final[tuple[Template, ...]] = (
    Template(
        "T01",
        "project-and-staff",
        "物业服务项目及人员信息公示表",
        ("staff",),
        (
            "ProjectProfileDeclared",
            "ManagerAppointed",
            "StaffAssigned",
            "StaffReleased",
        ),
    ),
    Template(
        "T02",
        "fee-schedule",
        "物业服务内容与收费标准公示表",
        ("fees-and-services",),
        ("FeeScheduleDeclared", "ServiceStandardDeclared"),
    ),
    Template(
        "T03",
        "common-revenue",
        "共有部分经营收益收支公示表",
        ("income-expenditure",),
        (
            "RevenueSourceRegistered",
            "CommonRevenueRecorded",
            "CommonRevenueCostDeducted",
            "OwnerShareAllocated",
        ),
    ),
    Template(
        "T04",
        "commission-fund",
        "酬金制物业服务资金收支公示表",
        ("income-expenditure",),
        ("CommissionFundCollected", "CommissionFundSpent", "RemunerationDrawn"),
    ),
    Template(
        "T05",
        "commission-budget",
        "酬金制资金年度预决算公示表",
        ("income-expenditure",),
        ("BudgetDeclared", "AccountsClosed"),
    ),
    Template(
        "T06",
        "lump-sum-spending",
        "包干制物业服务费用分类收支公示表",
        ("income-expenditure",),
        ("LumpSumIncomeRecorded", "LumpSumSpendingRecorded"),
    ),
    Template(
        "T07",
        "shared-utilities",
        "公共水电能耗及分摊公示表",
        ("income-expenditure",),
        ("UtilityCostApportioned",),
    ),
    Template(
        "T08",
        "maintenance-fund",
        "专项维修资金使用公示表",
        ("facilities",),
        ("MaintenanceFundUsed",),
    ),
    Template(
        "T09",
        "contract-performance",
        "物业服务合同履行情况公示表",
        ("contract-performance",),
        ("PerformanceReported", "WorkLogged"),
    ),
    Template(
        "T10",
        "onsite-work",
        "物业服务工作现场及设施维保公示表",
        ("contract-performance", "facilities"),
        ("WorkLogged", "InspectionRecorded", "FacilityRegistered", "FacilityServiced"),
    ),
    Template(
        "T11",
        "warm-pledges",
        "暖心物管实事亮牌公示表",
        ("pledges",),
        ("PledgeMade", "PledgeProgressed", "PledgeFulfilled", "PledgeLapsed"),
    ),
    Template(
        "T12",
        "challenges-and-replies",
        "业主质疑及答复公示表",
        ("supervision",),
        (
            "ChallengeRaised",
            "ChallengeAnswered",
            "ChallengeEscalated",
            "ChallengeClosed",
        ),
    ),
)

TEMPLATE_BY_SLUG: Final[dict[str, Template]] = {t.slug: t for t in TEMPLATES}

#: Entry types that feed no template but a column directly.
EXTRA_COLUMN_OF_TYPE: Final[dict[str, str]] = {"NoticePosted": "notices"}

#: Money-carrying entry types (all of them belong to the finance category of the desk).
MONEY_ENTRY_TYPES: Final[tuple[str, ...]] = (
    "FeeScheduleDeclared",
    "RevenueSourceRegistered",
    "CommonRevenueRecorded",
    "CommonRevenueCostDeducted",
    "OwnerShareAllocated",
    "CommissionFundCollected",
    "CommissionFundSpent",
    "RemunerationDrawn",
    "BudgetDeclared",
    "AccountsClosed",
    "LumpSumIncomeRecorded",
    "LumpSumSpendingRecorded",
    "UtilityCostApportioned",
    "MaintenanceFundUsed",
)

#: Chinese names of entry types, for pages owners read.
ENTRY_TYPE_NAMES: Final[dict[str, str]] = {
    "FirmRegistered": "企业登记",
    "FirmKeyAdded": "企业签名密钥登记",
    "FirmKeyRevoked": "企业签名密钥吊销",
    "ProjectRegistered": "项目登记",
    "ContractBound": "服务合同登记",
    "ContractEnded": "服务合同终止",
    "WitnessAdded": "见证人登记",
    "WitnessRemoved": "见证人撤销",
    "IntakeKeyAdded": "质疑受理密钥登记",
    "IntakeKeyRevoked": "质疑受理密钥吊销",
    "ProjectProfileDeclared": "项目基本信息",
    "ManagerAppointed": "项目经理任命",
    "StaffAssigned": "人员到岗",
    "StaffReleased": "人员离岗",
    "FeeScheduleDeclared": "收费标准",
    "ServiceStandardDeclared": "服务标准",
    "RevenueSourceRegistered": "经营收益项目登记",
    "CommonRevenueRecorded": "共有部分经营收入",
    "CommonRevenueCostDeducted": "经营成本扣除",
    "OwnerShareAllocated": "业主共有收益分配",
    "CommissionFundCollected": "酬金制资金收入",
    "CommissionFundSpent": "酬金制资金支出",
    "RemunerationDrawn": "物业服务酬金提取",
    "BudgetDeclared": "年度预算",
    "AccountsClosed": "年度决算",
    "LumpSumIncomeRecorded": "包干制收入",
    "LumpSumSpendingRecorded": "包干制支出",
    "UtilityCostApportioned": "公共水电分摊",
    "MaintenanceFundUsed": "专项维修资金使用",
    "PerformanceReported": "合同履行情况报告",
    "WorkLogged": "作业记录",
    "InspectionRecorded": "巡查检查记录",
    "FacilityRegistered": "设施设备登记",
    "FacilityServiced": "设施设备维保",
    "PledgeMade": "实事承诺",
    "PledgeProgressed": "承诺进展",
    "PledgeFulfilled": "承诺兑现",
    "PledgeLapsed": "承诺逾期失效",
    "ChallengeRaised": "业主质疑",
    "ChallengeAnswered": "质疑答复",
    "ChallengeEscalated": "质疑升级",
    "ChallengeClosed": "质疑办结",
    "NoticePosted": "通知公告",
    "ContractSigned": "合同签订",
    "ContractAmended": "合同变更",
    "DocumentFiled": "文件归档",
    "EntryReversed": "红冲更正",
}
