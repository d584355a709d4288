"""The words of the demo cases: opinions, reasons, undertakings, certificate and tracking numbers."""

import datetime as dt
import random
from collections import Counter

from govhall.org.models import Department, Role

PRE_REVIEW_RETURNS = (
    "上传的申请人身份证明扫描件不清晰，请重新上传。",
    "申请表未签字（盖章），请签字（盖章）后重新上传。",
    "经营场所证明材料与申请表填写的地址不一致，请核对后重新提交。",
)
REFUSALS = (
    "申请事项依法不需要取得行政许可。",
    "申请事项依法不属于本机关职权范围，已告知申请人向有关行政机关申请。",
    "申请人不具备申请资格（未达到法定年龄条件）。",
    "申请人在法定禁止期限内再次申请。",
)
WITHDRAWALS = ("申请人主动申请撤回。", "申请人经营计划调整，申请撤回。", "申请人已在其他地区办理，申请撤回。")
TOLERANT = "本人（单位）承诺在约定期限内补齐所欠材料；逾期未补齐的，同意终止办理，已作出的决定予以撤销。"
COMMITMENT = (
    "本人（单位）承诺所填报信息及提交材料真实、有效，已符合告知的全部条件；如有不实，愿承担相应法律责任。"
)
NOT_PERMITTED = (
    "经审查，申请人不符合法定条件，不予许可。",
    "经现场核查，经营场所与申请材料不一致，不符合许可条件。",
    "申请材料存在实质性缺陷，经补正后仍不符合法定条件。",
)
RETURNED = "申请人逾期未补正材料，视为放弃申请，退回申请材料。"
EARLY_ENDS = {
    "refuse6": ("经核查，申请人隐瞒有关情况、提供虚假材料，拒绝办理。",),
    "forward4": (
        "本事项须报上级主管部门审批，已转报省级主管部门办理。",
        "涉及跨区域事项，已转报上级部门办理。",
    ),
}
EXTENSIONS = (
    "涉及多个部门联合审查，二十个工作日内不能作出决定。",
    "申请材料需征求相关部门意见，经本机关负责人批准延长期限。",
    "项目情况复杂，需组织专家论证，经负责人批准延长期限。",
)
REVOCATIONS = ("发现申请人以欺骗手段取得行政许可，依法撤销。", "许可所依据的客观情况发生重大变化，依法撤销。")
VERIFIED = ("经核查，承诺内容属实。", "经现场核查，与承诺一致。")
FALSE_COMMITMENTS = ("经现场核查，实际经营场所与承诺不符。", "经核查，所承诺的从业人员资格证明不实。")
SPECIAL_REASONS = {
    "site_inspection": "需对申请人的生产经营场所进行现场核查。",
    "expert_review": "项目技术方案需组织专家评审。",
    "testing": "相关设施设备需委托第三方机构检测。",
    "publicity": "依法须对拟作出的决定进行公示。",
    "hearing": "申请人申请听证，依法组织听证。",
    "appraisal": "需委托有资质的机构进行鉴定。",
}
_COMMENTS = {
    (Role.INSPECTOR, "approve"): (
        "现场核查情况与申请材料一致，符合要求。",
        "经现场踏勘，场所、设施符合条件。",
    ),
    (Role.APPROVER, "approve"): ("材料齐全，符合法定条件，同意。", "经审核，符合要求，建议准予。", "同意。"),
    (Role.CHIEF, "approve"): ("同意，准予许可。", "同意。", "准予。"),
}


def comments(role: str, opinion: str) -> tuple[str, ...]:
    if opinion == "reject":
        return NOT_PERMITTED
    return _COMMENTS.get((role, opinion), _COMMENTS[(Role.APPROVER, "approve")])


def special_kinds(info) -> tuple[str, ...]:
    if any(step["role"] == Role.INSPECTOR for step in info.flow):
        return ("site_inspection", "testing", "site_inspection")
    if info.item.legal_limit >= 20:
        return ("expert_review", "publicity", "expert_review", "hearing", "appraisal")
    return ("publicity", "expert_review")


def certificate_number(department: Department, day: dt.date, issued: Counter) -> str:
    """e.g. 七里市场监管局准字〔2026〕第00042号: per department and year, in order of issue."""
    issued[(department.pk, day.year)] += 1
    short = department.short_name or department.name
    return f"七里{short}准字〔{day.year}〕第{issued[(department.pk, day.year)]:05d}号"


def tracking_number(rng: random.Random) -> str:
    """An EMS-style tracking number (the post office carries government documents)."""
    return f"1{rng.randrange(10**12):012d}"
