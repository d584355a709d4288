"""Demo rows for the inquiries context (called by ``govhall seed_demo`` after the demo cases).

Written through the services, as the demo people (applicant 张三, enterprise, clerk and chief of
市场监督管理局, supervisor, manager): questions answered and open, one published as an FAQ, complaints
in every state, and a morning of first inquiries at the clerk's window. Idempotent: nothing is
written when any question or complaint exists.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from govhall.catalog.models import ItemStatus, ServiceItem
from govhall.inquiries import services
from govhall.inquiries.models import Complaint, FirstInquiry, Question
from govhall.org.models import Department, Window

QUESTIONS = [
    # (asker, on the item?, question, answer or None)
    (
        "applicant",
        True,
        "办理食品经营许可证需要现场核查吗？",
        "仅经营场所首次申请或变更经营场所时需现场核查，一般在受理后5个工作日内安排。",
    ),
    (
        "enterprise",
        True,
        "营业执照经营范围未包含食品销售，能否先申请许可？",
        "需先办理经营范围变更登记，可在综合窗口一并申请。",
    ),
    (
        "applicant",
        False,
        "周六政务服务中心是否开放？",
        "周六上午9:00-12:00开放部分窗口（社保、不动产登记、税务），其余窗口工作日开放。",
    ),
    (
        "enterprise",
        False,
        "公司注销需要哪些材料？",
        "可在“企业注销”主题下查看一次性告知单，或到综合窗口咨询。",
    ),
    ("applicant", True, "许可证遗失后如何补办？", None),
    ("enterprise", False, "能否预约下周二上午办理税务登记？", None),
]
COMPLAINTS = [
    # (complainant, subject, content, what happens after filing)
    ("applicant", "department", "提交的材料被退回三次，每次只告知一项问题，没有一次性告知。", "replied"),
    ("enterprise", "window", "窗口午休时间无人值守，排队等候超过一个小时。", "assigned"),
    ("applicant", "department", "许可证延期发放，未说明原因。", "closed"),
    ("enterprise", "department", "现场核查人员迟到且态度生硬。", "escalated"),
    ("hotline", "general", "热线反映：停车场收费标准未公示。", "registered"),
]
FIRST_INQUIRIES = [
    ("王小明", "13500001111", "个体工商户营业执照在哪里办？", "guided", "一楼A区综合受理窗口"),
    ("", "", "食品经营许可需要带哪些材料？", "answered", ""),
    ("刘芳", "", "社保卡补办在哪个窗口？", "guided", "社保分中心（二楼C区）"),
    ("", "", "办件进度怎么查询？", "answered", ""),
    ("陈大爷", "13600002222", "老年人优待证怎么办？", "guided", "民政局窗口（二楼B区12号）"),
]


def _users() -> dict:
    names = ("applicant", "enterprise", "clerk", "chief", "supervisor", "manager")
    return {u.username: u for u in get_user_model().objects.filter(username__in=names)}


def seed() -> dict[str, int]:
    if Question.objects.exists() or Complaint.objects.exists():
        return {}
    users = _users()
    unit = Department.objects.filter(code="SCJ").first()
    if unit is None or len(users) < 6:
        return {}
    item = ServiceItem.objects.filter(department=unit, status=ItemStatus.RETAINED).order_by("code").first()
    return {
        "咨询": _questions(users, item),
        "投诉": _complaints(users, unit),
        "首问登记": _first_inquiries(users),
    }


def _questions(users: dict, item) -> int:
    written = []
    for asker, on_item, text, answer in QUESTIONS:
        question = services.question_ask(text=text, item=item if on_item else None, actor=users[asker])
        if answer:
            services.question_answer(question=question, text=answer, actor=users["clerk"])
        written.append(question)
    services.question_close(question=written[2], actor=users["applicant"])
    if item is not None:
        services.question_promote(question=written[0], actor=users["manager"])
    services.question_take(question=written[4], actor=users["clerk"])
    return len(written)


def _complaints(users: dict, unit) -> int:
    window = Window.objects.filter(department=unit, active=True).first()
    clerk, desk = users["clerk"], users["supervisor"]
    for who, subject, content, fate in COMPLAINTS:
        if who == "hotline":
            complaint = services.complaint_file(content=content, subject=subject, channel="hotline", actor=desk,
                                                complainant_name="王五", complainant_mobile="13600001111")  # fmt: skip
        else:
            refs = {"window": window} if subject == "window" and window else {"department": unit}
            complaint = services.complaint_file(content=content, subject="window" if "window" in refs else subject,
                                                actor=users[who], **refs)  # fmt: skip
        if fate in ("replied", "closed", "escalated"):
            services.complaint_reply(
                complaint=complaint, text="经核实，已对相关人员批评教育并整改。", upheld=True, actor=clerk
            )
        if fate == "closed":
            services.complaint_rate(complaint=complaint, satisfied=True, actor=users[who])
        if fate == "escalated":
            services.complaint_rate(complaint=complaint, satisfied=False, note="问题未解决", actor=users[who])
            services.complaint_reply(
                complaint=complaint, text="重新核查，已调整核查流程。", upheld=True, actor=clerk
            )
            services.complaint_rate(complaint=complaint, satisfied=False, note="仍不满意", actor=users[who])
    return len(COMPLAINTS)


def _first_inquiries(users: dict) -> int:
    if FirstInquiry.objects.exists():
        return 0
    for name, mobile, question, outcome, guided_to in FIRST_INQUIRIES:
        services.first_inquiry_record(actor=users["clerk"], asker_name=name, asker_mobile=mobile, question=question,
                                      outcome=outcome, guided_to=guided_to)  # fmt: skip
    return len(FIRST_INQUIRIES)
