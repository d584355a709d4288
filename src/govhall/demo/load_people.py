"""Load the demo people: the ten documented demo accounts, ~280 generated staff, delegations.

Generated staff get an unusable password (a manager sets one in the admin); only the documented
demo accounts can log in, with the password in the README.
"""

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils import timezone

from govhall.core import crypto
from govhall.core.models.users import User, UserKind
from govhall.demo.data.names import GIVEN_FIRST, GIVEN_SECOND, SURNAMES
from govhall.demo.load_org import OrgRefs
from govhall.demo.numbers import enterprise_uscc, ric_complete
from govhall.org.models import Delegation, DepartmentKind, Role, Site, Staff, Window

DEMO_PASSWORD = "Govhall#2026"  # noqa: S105 - the documented demo password (README), demo data only
NAME_SEED = 20260101  # fixed: the same names on every machine

APPLICANT_NAME = "张三"
APPLICANT_ID = ric_complete("51179919850312031")  # fictitious region 511799, born 1985-03-12, male
APPLICANT_MOBILE = "13800138000"
ENTERPRISE_NAME = "七里市青禾食品有限公司"
ENTERPRISE_USCC = enterprise_uscc("511799", "MA6QL2A0")
ENTERPRISE_LEGAL_REPRESENTATIVE = "李建国"


@dataclass(frozen=True)
class StaffSpec:
    username: str
    name: str
    role: str
    dept: str
    site: Site
    window: Window | None = None


class NameMaker:
    """Deterministic, unique fictitious Chinese names."""

    def __init__(self, taken: set[str]) -> None:
        self.rng = random.Random(NAME_SEED)
        self.taken = set(taken)

    def __call__(self) -> str:
        while True:
            given = self.rng.choice(GIVEN_FIRST) + self.rng.choice(GIVEN_SECOND)
            if self.rng.random() < 0.3:
                given = given[1]  # single-character given names read best from the second list
            name = self.rng.choice(SURNAMES) + given
            if name not in self.taken:
                self.taken.add(name)
                return name


def _demo_specs(refs: OrgRefs) -> list[StaffSpec]:
    centre = refs.centre
    scj_window = refs.windows_by_dept["SCJ"][0]
    station = next(s for s in refs.stations if s.code == "QL0401")  # 桂花镇桂花村, 逢一四七
    return [
        StaffSpec("manager", "周建华", Role.MANAGER, "ZWZX", centre),
        StaffSpec("clerk", "李晓敏", Role.CLERK, "SCJ", centre, scj_window),
        StaffSpec("chief", "陈志强", Role.CHIEF, "SCJ", centre, scj_window),
        StaffSpec("approver", "王静", Role.APPROVER, "SCJ", centre),
        StaffSpec("inspector", "刘伟", Role.INSPECTOR, "SCJ", centre),
        StaffSpec("supervisor", "赵国平", Role.SUPERVISOR, "ZWZX", centre),
        StaffSpec("agent", "杨红梅", Role.AGENT, station.department.code, station),
        StaffSpec("trader", "吴海涛", Role.TRADER, "JYZX", centre, refs.windows_by_dept["JYZX"][0]),
    ]


def _main_departments(refs: OrgRefs) -> list[str]:
    kinds = (DepartmentKind.STATIONED, DepartmentKind.SUB_CENTRE)
    return [code for code, d in refs.departments.items() if d.kind in kinds]


def _dept_site(refs: OrgRefs, code: str) -> Site:
    windows = refs.windows_by_dept.get(code)
    return windows[0].site if windows else refs.centre


def _generated_specs(refs: OrgRefs, new_name: NameMaker) -> list[StaffSpec]:
    specs: list[tuple[str, str, Site, Window | None]] = []
    for code, windows in refs.windows_by_dept.items():
        for window in windows:
            specs += [(Role.CLERK, code, window.site, window)] * 2
    specs += [(Role.CLERK, "ZWZX", w.site, w) for w in refs.comprehensive for _ in range(2)]
    for windows in refs.township_windows.values():
        specs += [(Role.CLERK, w.department.code, w.site, w) for w in windows]
    for code in _main_departments(refs):
        first = refs.windows_by_dept.get(code, [None])[0]
        if code != "SCJ":  # the demo account ``chief`` represents 市场监督管理局
            specs.append((Role.CHIEF, code, _dept_site(refs, code), first))
        specs += [(Role.APPROVER, code, _dept_site(refs, code), None)] * 2
    for code in ("ZJJ", "ZRJ", "HBJ", "YJJ", "WJW", "SLJ", "NYJ", "GAJ", "RFB"):
        specs.append((Role.INSPECTOR, code, refs.centre, None))
    specs += [(Role.SUPERVISOR, "ZWZX", refs.centre, None)] * 2
    specs += [(Role.MANAGER, "ZWZX", refs.centre, None), (Role.DUTY_LEADER, "ZWZX", refs.centre, None)]
    specs += [(Role.DUTY_LEADER, "ZWZX", refs.centre, None), (Role.INVESTMENT, "FGJ", refs.centre, None)]
    specs += [(Role.SECURITY_ADMIN, "WGZX", refs.centre, None), (Role.AUDIT_ADMIN, "WGZX", refs.centre, None)]
    specs += [(Role.TRADER, "JYZX", refs.centre, w) for w in refs.windows_by_dept["JYZX"]]
    specs += [(Role.AGENT, s.department.code, s, None) for s in refs.stations if s.code != "QL0401"]
    return [
        StaffSpec(f"ql{n:04d}", new_name(), role, dept, site, window)
        for n, (role, dept, site, window) in enumerate(specs, start=101)
    ]


def _masked_mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10)}****{rng.randrange(10000):04d}"


def demo_password_hash() -> str:
    """One hash shared by the demo accounts: the password is public anyway, and PBKDF2 costs
    about half a second per account."""
    return make_password(DEMO_PASSWORD)


def load_staff(refs: OrgRefs, password_hash: str) -> list[Staff]:
    demo = _demo_specs(refs)
    specs = demo + _generated_specs(refs, NameMaker({s.name for s in demo}))
    unusable = make_password(None)  # cheap: no hashing, and never matches any password
    users = [
        User(
            username=s.username,
            kind=UserKind.STAFF,
            real_name=s.name,
            password=unusable,
            is_staff=s.username == "manager",
        )
        for s in specs
    ]
    for user in users[: len(demo)]:
        user.password = password_hash
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.filter(username__in=[s.username for s in specs])}
    rng = random.Random(NAME_SEED + 1)
    year = timezone.localdate().year
    staff = [
        Staff(
            user=by_name[s.username],
            employee_no=f"QL{n:04d}",
            name=s.name,
            role=s.role,
            department=refs.departments[s.dept],
            site=s.site,
            window=s.window,
            mobile_masked=_masked_mobile(rng),
            joined_on=date(year - 1 - n % 8, 1 + n % 12, 1 + n % 28),
        )
        for n, s in enumerate(specs, start=1)
    ]
    Staff.objects.bulk_create(staff)
    return list(Staff.objects.select_related("department").order_by("employee_no"))


MANAGER_GROUP = "中心管理员"


def load_manager_group() -> Group:
    """Model permissions of the centre manager (system administrator): organisation, catalogue and
    working-day calendar. Audit and security administration stay with their own roles (等保 2.0
    separation of the system, security and audit administrators)."""
    group, _created = Group.objects.get_or_create(name=MANAGER_GROUP)
    perms = Permission.objects.filter(
        Q(content_type__app_label__in=["org", "catalog"])
        | Q(content_type__app_label="core", content_type__model__in=["calendarday", "calendaryear"])
        | Q(content_type__app_label="core", codename="view_user")
    )
    group.permissions.set(perms)
    group.user_set.add(User.objects.get(username="manager"))
    return group


def load_delegations(staff: list[Staff]) -> int:
    """One delegation for this year per chief representative; every other chief also holds last
    year's, now expired (a department re-grants its powers each year)."""
    year = timezone.localdate().year
    rows: list[Delegation] = []
    chiefs = [s for s in staff if s.role == Role.CHIEF]
    for i, chief in enumerate(chiefs, start=1):
        rows.append(_delegation(chief, year, i))
        if i % 2:
            rows.append(_delegation(chief, year - 1, i))
    Delegation.objects.bulk_create(rows)
    return len(rows)


def _delegation(chief: Staff, year: int, n: int) -> Delegation:
    return Delegation(
        chief=chief,
        department=chief.department,
        can_decide=True,
        can_review_report=True,
        can_use_seal=year < timezone.localdate().year or n % 5 != 0,  # a few without the seal
        document_no=f"{chief.department.short_name or chief.department.name}授〔{year}〕{n}号",
        valid_from=date(year, 1, 1),
        valid_to=date(year, 12, 31),
    )


def load_public_users(password_hash: str) -> None:
    applicant = User(
        username="applicant", kind=UserKind.PERSON, real_name=APPLICANT_NAME, password=password_hash
    )
    applicant.save(force_insert=True)
    _set_identity(applicant, APPLICANT_NAME, APPLICANT_ID, APPLICANT_MOBILE)
    enterprise = User(
        username="enterprise",
        kind=UserKind.ENTERPRISE,
        real_name="王芳",
        org_credit_code=ENTERPRISE_USCC,
        org_name=ENTERPRISE_NAME,
        password=password_hash,
    )
    enterprise.save(force_insert=True)
    # It registered its enterprise as a registration does (its administrator): filing online for
    # an enterprise needs that authorisation (core.enterprises).
    from govhall.core.enterprises import enterprise_claim

    enterprise_claim(user=enterprise, credit_code=ENTERPRISE_USCC, name=ENTERPRISE_NAME,
                     legal_representative=ENTERPRISE_LEGAL_REPRESENTATIVE)  # fmt: skip


def _set_identity(user: User, name: str, id_number: str, mobile: str) -> None:
    """Store ID and mobile encrypted beside their keyed digests, through the core service (which
    validates them) when it is installed."""
    try:
        from govhall.core.personal import user_set_identity
    except ImportError:
        user_set_identity = None
    if user_set_identity is not None:
        user_set_identity(user=user, real_name=name, id_number=id_number, mobile=mobile, actor=None)
        user.refresh_from_db()
    else:
        user.id_number_cipher = crypto.encrypt(id_number)
        user.id_number_digest = crypto.keyed_digest(id_number)
        user.mobile_cipher = crypto.encrypt(mobile)
        user.mobile_digest = crypto.keyed_digest(mobile)
    # The demo applicant's mobile counts as proven (no SMS round trip while seeding).
    user.mobile_verified_at = user.mobile_verified_at or timezone.now()
    user.save(
        update_fields=[
            "id_number_cipher",
            "id_number_digest",
            "mobile_cipher",
            "mobile_digest",
            "mobile_verified_at",
        ]
    )
