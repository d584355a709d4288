"""Who applied for what, where, when, and how it was meant to end: the plans of the history.

A plan fixes an item, a channel (window, online, agency at a village station on its market day,
post), a place, an applicant, the minute of receipt and a fate — the path through the transition
table the case is meant to take. ``case_history`` replays it up to the present.
"""

import datetime as dt
import random
from dataclasses import dataclass

from govhall.cases.models import AcceptanceMode, ApplicantKind, Channel
from govhall.catalog.models import ItemStatus, LimitUnit
from govhall.demo.case_people import Applicant, People
from govhall.demo.case_time import DAY, MORNING, WorkLine
from govhall.demo.case_world import ItemInfo, World
from govhall.org.models import Site, SiteKind, Staff, Window

HISTORY_DAYS = 365
# Promised items concluded after the promised limit — about 8 % of all conclusions once the instant
# items (always on time) are counted: figures and supervision have something to show.
LATE_SHARE = 0.13


@dataclass
class Fate:
    intake: str = "accept"  # accept | refuse | withdraw | supplement | deem | idle
    after_supplement: str = "accept"  # accept | refuse | withdraw (after a one-time notice at intake)
    mode: str = AcceptanceMode.NORMAL
    pre_review_return: bool = False
    pause: str = ""  # "" | supplement | special (after acceptance: the clocks stop meanwhile)
    pause_end: str = "received"  # received | returned (result 5) | withdraw
    extend: bool = False
    late: bool = False
    outcome: str = "approve"  # approve | reject | withdraw | refuse6 | forward4
    revoke: bool = False
    stall: bool = False  # still in processing, long past its limit (never concluded before today)


@dataclass
class Plan:
    info: ItemInfo
    channel: str
    site: Site
    window: Window | None
    received: int  # minute on the work line
    applicant: Applicant
    receiver: Staff | None  # the clerk at a window (window, post) or the station's agent (agency)
    fate: Fate
    seed: int
    number: str = ""


def _fate(info: ItemInfo, channel: str, rng: random.Random) -> Fate:
    fate = Fate(pre_review_return=channel == Channel.ONLINE and rng.random() < 0.08)
    r = rng.random()
    if info.instant:
        fate.intake = "refuse" if r < 0.02 else "withdraw" if r < 0.025 else "accept"
        fate.outcome = "reject" if rng.random() < 0.03 else "approve"
        return fate
    if r < 0.03:
        fate.intake = "refuse"
    elif r < 0.045:
        fate.intake = "withdraw"
    elif r < 0.105:
        fate.intake = "supplement"
        s = rng.random()
        fate.after_supplement = "refuse" if s < 0.1 else "withdraw" if s < 0.2 else "accept"
    elif r < 0.108:
        fate.intake = "deem"
    if info.item.tolerant and info.minor and rng.random() < 0.45:
        fate.mode = AcceptanceMode.TOLERANT
    elif info.item.commitment and rng.random() < 0.4:
        fate.mode = AcceptanceMode.COMMITMENT
    r = rng.random()
    if r < 0.05 and fate.intake != "supplement":  # 行政许可法 Art. 32(4): one notice per case
        fate.pause = "supplement"
        s = rng.random()
        fate.pause_end = "returned" if s < 0.15 else "withdraw" if s < 0.2 else "received"
    elif r < 0.09 and (len(info.flow) > 2 or info.item.legal_limit >= 20):
        fate.pause = "special"
    r = rng.random()
    fate.outcome = (
        "reject" if r < 0.04 else "withdraw" if r < 0.05 else "refuse6" if r < 0.056 else
        "forward4" if r < 0.061 else "approve"
    )  # fmt: skip
    long_limit = info.item.legal_limit >= (10 if info.item.legal_limit_unit == LimitUnit.WORKDAY else 15)
    fate.late = fate.outcome in ("approve", "reject") and rng.random() < LATE_SHARE
    fate.extend = not fate.late and long_limit and rng.random() < 0.04
    commitment = fate.mode == AcceptanceMode.COMMITMENT
    fate.revoke = fate.outcome == "approve" and rng.random() < (0.2 if commitment else 0.003)
    return fate


class Planner:
    def __init__(self, *, world: World, people: People, line: WorkLine, rng: random.Random, today: dt.date):
        self.world, self.people, self.line, self.rng = world, people, line, rng
        first = today - dt.timedelta(days=HISTORY_DAYS)
        self.days = [d for d in line.days if first <= d < today]
        # A centre gets busier over the year (more items online, more stations): a gentle trend.
        self.day_weights = [0.8 + 0.4 * i / len(self.days) + (0.15 if d.weekday() == 0 else 0) for i, d in
                            enumerate(self.days)]  # fmt: skip
        self.items = [i for i in world.items if i.item.status == ItemStatus.RETAINED or i.item.cancelled_on]
        self.item_weights = [i.weight for i in self.items]

    def _day(self, info: ItemInfo) -> dt.date:
        day = self.rng.choices(self.days, self.day_weights)[0]
        cancelled = info.item.cancelled_on
        if info.item.status == ItemStatus.CANCELLED and cancelled and day >= cancelled:
            earlier = [d for d in self.days if d < cancelled]
            day = self.rng.choice(earlier) if earlier else self.days[0]
        return day

    def _market_day(self, station: Site, day: dt.date) -> dt.date:
        """The nearest working day on which the station is open: village stations on their market
        days (逢场日, by the date's last digit), community stations any working day."""
        digits = station.market_day_digits if station.kind == SiteKind.VILLAGE else ""
        if not digits:
            return day
        i = self.days.index(day)
        for offset in range(0, 40):
            for j in (i - offset, i + offset):
                if 0 <= j < len(self.days) and str(self.days[j].day % 10) in digits:
                    return self.days[j]
        return day

    def _channel(self, info: ItemInfo) -> str:
        r = self.rng.random()
        person = ApplicantKind.PERSON in info.kinds
        if info.township:
            return Channel.AGENCY if person and r < 0.4 else Channel.WINDOW
        if info.item.online and r < 0.27:
            return Channel.ONLINE
        if not info.instant and r < 0.35:
            return Channel.POST
        if person and not info.instant and r < 0.55:
            return Channel.AGENCY
        return Channel.WINDOW

    def _applicant(self, info: ItemInfo, channel: str) -> Applicant:
        kinds = info.kinds or (ApplicantKind.PERSON,)
        if channel == Channel.AGENCY or (ApplicantKind.PERSON in kinds and self.rng.random() < 0.6):
            kind = ApplicantKind.PERSON if ApplicantKind.PERSON in kinds else kinds[0]
        else:
            kind = kinds[-1]
        return self.people.pick(kind)

    def plan(self, seed: int, info: ItemInfo | None = None, channel: str | None = None) -> Plan:
        rng = self.rng
        info = info or rng.choices(self.items, self.item_weights)[0]
        channel = channel or self._channel(info)
        day = self._day(info)
        window, receiver = None, None
        if channel == Channel.AGENCY:
            towns = {w.site_id for w in info.windows}
            stations = [s for s in self.world.stations if s.parent_id in towns] or self.world.stations
            site = rng.choice(stations)
            day = self._market_day(site, day)
            receiver = self.world.agents[site.pk]
            minute = rng.randrange(MORNING + 60)  # market mornings
        elif channel == Channel.ONLINE:
            site, minute = info.online_site, rng.randrange(DAY)
        else:
            receiver = self.world.clerk(info, rng)
            window, site, minute = receiver.window, receiver.window.site, rng.randrange(DAY - 10)
        return Plan(
            info=info, channel=channel, site=site, window=window, received=self.line.day_start(day) + minute,
            applicant=self._applicant(info, channel), receiver=receiver, fate=_fate(info, channel, rng), seed=seed,
        )  # fmt: skip
