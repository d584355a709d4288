"""The demo applicants: fictitious people and enterprises, never real ones.

Resident IDs carry a region code that does not exist (5117 9x: no county of 达州 uses it), so no
generated number can belong to a living person; the check character is the GB 11643 one, so every
number passes the platform's validation. Credit codes are built the same way (GB 32100). People who
file online get a real-name account (unusable password: nobody logs in as them) so that their
filings name them; the documented ``applicant`` (张三) and ``enterprise`` accounts are used as well.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from govhall.cases.models import ApplicantKind
from govhall.core import crypto
from govhall.core.identity import ric_check_char
from govhall.core.models.users import User, UserKind
from govhall.demo.data.names import GIVEN_FIRST, GIVEN_SECOND, SURNAMES
from govhall.demo.load_people import APPLICANT_ID, ENTERPRISE_USCC
from govhall.demo.numbers import enterprise_uscc

FICTITIOUS_REGIONS = ("511791", "511793", "511795", "511797", "511799")
_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_TRADE_FIRST = "锦恒宏顺鑫华天永众川巴嘉蜀立泰瑞盛德康福兴安和润丰佳"
_TRADE_SECOND = "程信达发源盛成兴合渝山陵韵新禾祥邦通泽远利宁晟隆"
_INDUSTRIES = (
    "商贸有限公司", "餐饮管理有限公司", "建筑工程有限公司", "农业专业合作社", "食品有限公司", "物流有限公司",
    "科技有限公司", "房地产开发有限公司", "大药房有限公司", "医疗器械有限公司", "运输有限公司", "文化传媒有限公司",
    "机械制造有限公司", "酒店管理有限公司", "家庭农场",
)  # fmt: skip


@dataclass
class Applicant:
    name: str
    id_number: str  # resident ID (person) or unified social credit code (enterprise)
    kind: str  # ApplicantKind
    digest: str  # keyed digest of the number, as cases store it
    operator: str = ""  # an enterprise's operator (who signs for it)
    user: User | None = None  # the real-name account, for online filings


class People:
    """Deterministic pools of applicants, plus the accounts created for those who file online."""

    def __init__(self, rng: random.Random, persons: int = 1600, enterprises: int = 360) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        self.numbers: set[str] = {APPLICANT_ID}
        self.persons = [self._person() for _ in range(persons)]
        self.enterprises = [self._enterprise(n) for n in range(enterprises)]
        self.new_users: list[User] = []
        self.zhang_san = self._account_holder("applicant", APPLICANT_ID, ApplicantKind.PERSON)
        self.enterprise = self._account_holder("enterprise", ENTERPRISE_USCC, ApplicantKind.ENTERPRISE)

    def name(self) -> str:
        while True:
            given = self.rng.choice(GIVEN_FIRST) + self.rng.choice(GIVEN_SECOND)
            if self.rng.random() < 0.3:
                given = given[1]
            name = self.rng.choice(SURNAMES) + given
            if name not in self.taken or self.rng.random() < 0.05:  # a few namesakes, as in life
                self.taken.add(name)
                return name

    def _ric(self) -> str:
        while True:  # unique: one account per ID number
            born = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(55 * 365))
            body = f"{self.rng.choice(FICTITIOUS_REGIONS)}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = body + ric_check_char(body)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _person(self) -> Applicant:
        number = self._ric()
        return Applicant(self.name(), number, ApplicantKind.PERSON, crypto.keyed_digest(number))

    def _enterprise(self, n: int) -> Applicant:
        trade = _TRADE_FIRST[n % len(_TRADE_FIRST)] + _TRADE_SECOND[(n * 7 + n // 29) % len(_TRADE_SECOND)]
        name = f"七里市{trade}{_INDUSTRIES[n % len(_INDUSTRIES)]}"
        body = "".join(self.rng.choice(_ORG_CHARS) for _ in range(8))
        code = enterprise_uscc(self.rng.choice(FICTITIOUS_REGIONS), body)
        return Applicant(
            name, code, ApplicantKind.ENTERPRISE, crypto.keyed_digest(code), operator=self.name()
        )

    def _account_holder(self, username: str, number: str, kind: str) -> Applicant:
        user = User.objects.get(username=username)
        name = user.org_name if kind == ApplicantKind.ENTERPRISE else user.real_name
        return Applicant(name, number, kind, crypto.keyed_digest(number), operator=user.real_name, user=user)

    def pick(self, kind: str) -> Applicant:
        """A returning applicant now and then: the pool is drawn with a skew towards its head."""
        pool = self.persons if kind == ApplicantKind.PERSON else self.enterprises
        return pool[int(len(pool) * self.rng.random() ** 1.6)]

    def account(self, applicant: Applicant) -> User:
        """The applicant's real-name account, created (unsaved, bulk-inserted later) on first use."""
        if applicant.user is None:
            applicant.user = _account(applicant, len(self.new_users) + 1)
            self.new_users.append(applicant.user)
        return applicant.user

    def save_accounts(self) -> int:
        User.objects.bulk_create(self.new_users, batch_size=500)
        return len(self.new_users)


def _account(applicant: Applicant, n: int) -> User:
    unusable = make_password(None)  # never matches: nobody logs in as a generated applicant
    if applicant.kind == ApplicantKind.PERSON:
        return User(
            username=f"demo_p{n:04d}", kind=UserKind.PERSON, real_name=applicant.name, password=unusable,
            id_number_cipher=crypto.encrypt(applicant.id_number), id_number_digest=applicant.digest,
        )  # fmt: skip
    return User(
        username=f"demo_e{n:04d}", kind=UserKind.ENTERPRISE, real_name=applicant.operator,
        org_credit_code=applicant.id_number, org_name=applicant.name, password=unusable,
    )  # fmt: skip
