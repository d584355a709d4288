"""Every case action and step operation a person can ask for, as data: what each needs, how its
input is read, which service runs it. The API and the case page share this table, so both offer
the same actions with the same checks (STYLE.md 2: the services do the work and the permission
checks; this module only turns request input into their keyword arguments).

Input comes as a dict of raw values (JSON from the API, form fields from a page); a bad value is a
``ValidationFailed`` naming the field, raised before any service runs, so nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases.models import Case, CaseFile, DeliveryMethod, ResultCode, SpecialProcedure, StepTask
from govhall.cases.states import Action
from govhall.core.errors import NotFound, ValidationFailed
from govhall.org.models import Department

TRUE_WORDS = frozenset({"1", "true", "on", "yes", "y", "是"})
LIST_KINDS = frozenset({"lines", "users", "departments", "materials", "files"})
TYPED_KINDS = frozenset({"decimal", "int", "date", "bool", "user", "department", "json"})


@dataclass(frozen=True)
class Field:
    """One input of an action. ``kind`` decides how the raw value is read and how a page shows it:
    text, textarea, lines (a list, one per line), decimal, int, date, choice, bool, user (a
    username), users, department (a code), departments, materials (names of the item's materials
    plus free lines), json (an object), files (uploaded files on a page, CaseFile ids in the API)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: tuple = ()
    help: str = ""

    @property
    def many(self) -> bool:
        return self.kind in LIST_KINDS


@dataclass(frozen=True)
class Spec:
    label: str
    module: str  # cases module holding the service
    function: str
    fields: tuple[Field, ...] = ()
    confirm: bool = False  # cannot be undone: a page asks for confirmation
    target: str = "case"  # keyword the object is passed as: case, task or step
    extra: dict = field(default_factory=dict)  # fixed keyword arguments


REASON = Field("reason", gettext_lazy("理由"), "textarea", required=True)
NOTE = Field("note", gettext_lazy("备注"), "textarea")
SPECIAL_KINDS = tuple(SpecialProcedure.Kind.choices)
RESULT_CODES = tuple((str(v), label) for v, label in ResultCode.choices)
DELIVERY_METHODS = tuple(DeliveryMethod.choices)

CASE_ACTIONS: dict[str, Spec] = {
    Action.ACCEPT: Spec(gettext_lazy("受理"), "services", "case_accept", (NOTE,), confirm=True),
    Action.ACCEPT_TOLERANT: Spec(
        gettext_lazy("容缺受理"), "services", "case_accept_tolerant",
        (
            Field("owed", gettext_lazy("容缺材料（每行一项）"), "lines", required=True),
            Field("undertaking_text", gettext_lazy("承诺书内容"), "textarea", required=True),
            Field("deadline_workdays", gettext_lazy("补齐期限（工作日）"), "decimal", required=True),
        ),
        confirm=True,
    ),
    Action.ACCEPT_COMMITMENT: Spec(
        gettext_lazy("告知承诺受理"), "services", "case_accept_commitment",
        (Field("undertaking_text", gettext_lazy("承诺书内容"), "textarea", required=True),),
        confirm=True,
    ),
    Action.REFUSE: Spec(gettext_lazy("不予受理"), "services", "case_refuse", (REASON,), confirm=True),
    Action.CORRECT: Spec(
        gettext_lazy("当场更正"), "services", "case_correct",
        (
            Field("corrections", gettext_lazy("更正内容"), "textarea", required=True),
            Field("applicant_name", gettext_lazy("更正后的申请人姓名或名称（如有）")),
        ),
    ),
    Action.REQUEST_SUPPLEMENT: Spec(
        gettext_lazy("一次性告知补正"), "services", "case_request_supplement",
        (Field("materials", gettext_lazy("缺少的全部材料"), "materials", required=True,
               help=gettext_lazy("须一次列明全部缺少的材料，之后不能再次告知。")),),
    ),
    Action.SUPPLEMENT_RECEIVED: Spec(
        gettext_lazy("补正材料已收"), "services", "case_supplement_received", (NOTE,)
    ),
    Action.WITHDRAW: Spec(
        gettext_lazy("撤回"), "services", "case_withdraw",
        (Field("reason", gettext_lazy("撤回原因"), "textarea"),), confirm=True,
    ),
    "pre_review": Spec(
        gettext_lazy("预审"), "online", "case_pre_review",
        (Field("passed", gettext_lazy("预审通过"), "bool", required=True),
         Field("reasons", gettext_lazy("退回理由"), "textarea")),
    ),
    Action.PRE_REVIEW_PASS: Spec(
        gettext_lazy("预审通过"), "online", "case_pre_review", extra={"passed": True, "reasons": ""}
    ),
    Action.PRE_REVIEW_RETURN: Spec(
        gettext_lazy("预审退回"), "online", "case_pre_review",
        (Field("reasons", gettext_lazy("退回理由（申请人据此修改）"), "textarea", required=True),),
        confirm=True, extra={"passed": False},
    ),
    Action.RESUBMIT: Spec(
        gettext_lazy("重新提交"), "online", "case_resubmit",
        (Field("form_data", gettext_lazy("申请表内容"), "json"),),
    ),
    Action.SPECIAL_START: Spec(
        gettext_lazy("启动特别程序"), "decisions", "case_special_start",
        (
            Field("kind", gettext_lazy("程序种类"), "choice", required=True, choices=SPECIAL_KINDS),
            REASON,
            Field("announced_workdays", gettext_lazy("告知时长（工作日）"), "decimal", required=True),
        ),
    ),
    Action.SPECIAL_END: Spec(gettext_lazy("结束特别程序"), "decisions", "case_special_end"),
    Action.EXTEND: Spec(
        gettext_lazy("延长期限"), "decisions", "case_extend",
        (
            Field("workdays", gettext_lazy("延长工作日"), "int", required=True,
                  choices=(("10", "10"), ("15", "15"))),
            REASON,
            Field("approver", gettext_lazy("批准人"), "user", required=True),
        ),
    ),
    Action.CONCLUDE: Spec(
        gettext_lazy("办结"), "decisions", "case_conclude",
        (
            Field("result_code", gettext_lazy("办结结果"), "int", required=True, choices=RESULT_CODES),
            Field("reason", gettext_lazy("说明（结果非出证办结时必填）"), "textarea"),
            Field("certificate_no", gettext_lazy("证照编号")),
            Field("certificate_valid_until", gettext_lazy("证照有效期至"), "date"),
        ),
        confirm=True,
    ),
    Action.DELIVER: Spec(
        gettext_lazy("送达"), "decisions", "case_deliver",
        (
            Field("method", gettext_lazy("送达方式"), "choice", required=True, choices=DELIVERY_METHODS),
            Field("recipient_name", gettext_lazy("签收人")),
            Field("tracking_no", gettext_lazy("快递单号")),
        ),
        confirm=True,
    ),
    Action.REVOKE: Spec(gettext_lazy("撤销"), "decisions", "case_revoke", (REASON,), confirm=True),
    "undertaking_fulfil": Spec(gettext_lazy("容缺材料已补齐"), "undertakings", "undertaking_fulfil", (NOTE,)),
    "commitment_verify": Spec(
        gettext_lazy("核查告知承诺"), "undertakings", "commitment_verify",
        (Field("truthful", gettext_lazy("承诺属实"), "bool", required=True), NOTE),
        confirm=True,
    ),
}  # fmt: skip

# Actions that are not moves of the transition table but are offered while an undertaking is open.
UNDERTAKING_ACTIONS = ("undertaking_fulfil", "commitment_verify")

STEP_OPS: dict[str, Spec] = {
    "complete": Spec(
        gettext_lazy("办理完成"), "processing", "complete",
        (
            Field("opinion", gettext_lazy("意见"), "choice", required=True,
                  choices=(("approve", gettext_lazy("同意")), ("reject", gettext_lazy("不同意")))),
            Field("comment", gettext_lazy("办理意见"), "textarea"),
        ),
        target="task",
    ),
    "return": Spec(
        gettext_lazy("退回"), "processing", "return",
        (
            Field("to_flow_order", gettext_lazy("退回到环节"), "int", required=True),
            REASON,
            Field("branch_department", gettext_lazy("仅退回该部门分支"), "department"),
        ),
        confirm=True, target="task",
    ),
    "withdraw_step": Spec(gettext_lazy("撤回"), "processing", "withdraw_step", target="step"),
    "transfer": Spec(
        gettext_lazy("转办"), "processing", "transfer",
        (
            Field("to_user", gettext_lazy("转给（人员）"), "user"),
            Field("to_department", gettext_lazy("转给（部门）"), "department"),
            REASON,
        ),
        target="task",
    ),
    "delegate": Spec(
        gettext_lazy("委派"), "processing", "delegate",
        (Field("to_user", gettext_lazy("委派给"), "user", required=True), NOTE),
        target="task",
    ),
    "add_signers": Spec(
        gettext_lazy("加签"), "processing", "add_signers",
        (
            Field("users", gettext_lazy("加签人员"), "users"),
            Field("departments", gettext_lazy("加签部门"), "departments"),
            Field("position", gettext_lazy("加签位置"), "choice", required=True,
                  choices=(("before", gettext_lazy("前加签")), ("after", gettext_lazy("后加签")))),
        ),
        target="task",
    ),
    "remove_signer": Spec(
        gettext_lazy("减签"), "processing", "remove_signer", (REASON,), confirm=True, target="task"
    ),
    "urge": Spec(gettext_lazy("催办"), "processing", "urge", (NOTE,), target="task"),
    "copy": Spec(
        gettext_lazy("抄送"), "processing", "copy",
        (Field("to_users", gettext_lazy("抄送给"), "users", required=True), NOTE),
    ),
    "inspection_add": Spec(
        gettext_lazy("发起现场踏勘"), "processing", "inspection_add",
        (Field("inspector", gettext_lazy("踏勘人员"), "user", required=True), NOTE),
    ),
    "inspection_report": Spec(
        gettext_lazy("提交踏勘结果"), "processing", "inspection_report",
        (
            Field("findings", gettext_lazy("踏勘结论"), "textarea", required=True),
            Field("photos", gettext_lazy("现场照片"), "files"),
        ),
        target="task",
    ),
}  # fmt: skip


# Step operations on the case as a whole (copy to someone, add an inspection): case actions too.
CASE_STEP_OPS = {name: spec for name, spec in STEP_OPS.items() if spec.target == "case"}


def label(name: str) -> str:
    spec = CASE_ACTIONS.get(name) or STEP_OPS.get(name)
    return str(spec.label) if spec else name


# --- reading input ---------------------------------------------------------------------------


def _bad(f: Field, message: str) -> ValidationFailed:
    return ValidationFailed(message, code="cases.bad_input", field=f.name)


def _as_list(raw) -> list:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if isinstance(raw, list | tuple):
        out = []
        for value in raw:
            out += _as_list(value) if isinstance(value, str) else [value]
        return out
    return [raw]


def _user(f: Field, value):
    username = str(value).strip()
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise _bad(f, _("%(label)s：用户“%(u)s”不存在或已停用。") % {"label": f.label, "u": username})
    return user


def _department(f: Field, value):
    dept = Department.objects.filter(code=str(value).strip()).first()
    if dept is None:
        raise _bad(f, _("%(label)s：部门编码“%(c)s”不存在。") % {"label": f.label, "c": value})
    return dept


def _scalar(f: Field, raw):
    text = raw.strip() if isinstance(raw, str) else raw
    if f.kind in ("text", "textarea", "choice"):
        value = "" if text is None else str(text)
        if f.choices and value and value not in {str(c) for c, _label in f.choices}:
            raise _bad(f, _("%(label)s的取值“%(v)s”无效。") % {"label": f.label, "v": value})
        return value
    if text in (None, ""):
        return None
    try:
        if f.kind == "decimal":
            value = Decimal(str(text))
            if not value.is_finite():
                raise InvalidOperation
            return value
        if f.kind == "int":
            return int(str(text))
        if f.kind == "date":
            return text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text))
    except (InvalidOperation, ValueError):
        raise _bad(f, _("%(label)s的格式无效。") % {"label": f.label}) from None
    if f.kind == "bool":
        return text if isinstance(text, bool) else str(text).lower() in TRUE_WORDS
    if f.kind == "user":
        return _user(f, text)
    if f.kind == "department":
        return _department(f, text)
    if f.kind == "json":
        return _json(f, text)
    raise ValueError(f"unknown field kind {f.kind}")


def _json(f: Field, text):
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(str(text))
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise _bad(f, _("%(label)s须为JSON对象。") % {"label": f.label})
    return value


def _many(f: Field, raw, case: Case | None) -> list:
    values = _as_list(raw)
    names = [n for n in dict.fromkeys(str(v).strip() for v in values) if n]
    if f.kind == "users":
        return [_user(f, n) for n in names]
    if f.kind == "departments":
        return [_department(f, n) for n in names]
    if f.kind == "files":
        return _files(f, values, case)
    return names


def _files(f: Field, values, case: Case | None) -> list:
    """CaseFile rows by id (API); a page passes the CaseFile rows it has just saved."""
    rows = [v for v in values if isinstance(v, CaseFile)]
    ids = [v for v in values if not isinstance(v, CaseFile)]
    try:
        ids = [int(v) for v in ids]
    except (TypeError, ValueError):
        raise _bad(f, _("%(label)s须为已上传文件的编号。") % {"label": f.label}) from None
    found = list(CaseFile.objects.filter(pk__in=ids, case=case)) if ids else []
    if len(found) != len(set(ids)):
        raise _bad(f, _("%(label)s中有不属于本办件的文件。") % {"label": f.label})
    return rows + found


def read_input(spec: Spec, data: dict, *, case: Case | None = None) -> dict:
    """Keyword arguments for the service from raw ``data``; ValidationFailed on a bad value."""
    kwargs = dict(spec.extra)
    for f in spec.fields:
        raw = data.get(f.name)
        value = _many(f, raw, case) if f.many else _scalar(f, raw)
        # Text and lists go to the service as they are: it names what is missing with its own code
        # (cases.reason_required, cases.materials_required …); typed values cannot be left out.
        if f.required and value is None and f.kind in TYPED_KINDS:
            raise _bad(f, _("请填写%(label)s。") % {"label": f.label})
        if value is None and f.kind not in ("user", "department"):
            continue  # let the service's own default apply
        kwargs[f.name] = value
    return kwargs


def check_confirmed(spec: Spec, data: dict) -> None:
    """A page's irreversible action needs its confirmation box ticked (the no-JavaScript path)."""
    if spec.confirm and str(data.get("confirm", "")).lower() not in TRUE_WORDS:
        raise ValidationFailed(
            _("“%(a)s”不可撤销，请勾选确认后再提交。") % {"a": spec.label},
            code="cases.confirm_required",
            field="confirm",
        )


# --- running ---------------------------------------------------------------------------------


def service_for(spec: Spec):
    """The service that runs ``spec``: a lifecycle service, or the engine's STEP_ACTIONS entry."""
    from govhall.cases import decisions, online, processing, services, undertakings

    if spec.module == "processing":
        return processing.STEP_ACTIONS[spec.function]
    modules = {"services": services, "decisions": decisions, "online": online, "undertakings": undertakings}
    return getattr(modules[spec.module], spec.function)


def unknown_action(name: str, names) -> NotFound:
    return NotFound(
        _("未知的操作“%(a)s”；可用操作：%(n)s。") % {"a": name, "n": "、".join(names)},
        code="cases.unknown_action",
    )


def case_action_run(*, case: Case, action: str, data: dict, actor):
    """Run case action ``action`` on ``case`` with raw input ``data`` as ``actor``."""
    spec = CASE_ACTIONS.get(action) or CASE_STEP_OPS.get(action)
    if spec is None:
        raise unknown_action(action, [*CASE_ACTIONS, *CASE_STEP_OPS])
    kwargs = read_input(spec, data, case=case)
    return service_for(spec)(case=case, actor=actor, **kwargs)


def task_op_run(*, task: StepTask, op: str, data: dict, actor):
    """Run step operation ``op`` on ``task`` (its step, or its case, as the operation needs)."""
    spec = STEP_OPS.get(op)
    if spec is None:
        raise unknown_action(op, STEP_OPS)
    kwargs = read_input(spec, data, case=task.case)
    target = {"task": task, "step": task.step, "case": task.case}[spec.target]
    return service_for(spec)(**{spec.target: target}, actor=actor, **kwargs)
