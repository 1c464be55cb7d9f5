"""Deterministic demo data for the sandbox: members, balances and points histories for each vendor account.

Everything comes from random.Random seeded per dataset (and per member for histories), so the same
seed gives the same members, records and balances on every machine. Histories span the 330 days
up to the sandbox's start date in Beijing time, so "last 30 days" always has data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
HISTORY_DAYS = 330

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬辉鑫宇晨欣"
    "怡梓涵子轩浩然雨萱思远嘉怡俊杰晓峰海燕建国志强佳琪诗涵"
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "186",
    "188",
    "189",
    "199",
)

# (code, name, direction sign, low, high): realistic points business types.
EARN_TYPES = [
    ("001", "签到奖励", 5, 20),
    ("002", "消费返积分", 10, 500),
    ("003", "活动赠送", 50, 300),
    ("004", "退款返还", 20, 200),
    ("005", "生日礼遇", 100, 200),
]
SPEND_TYPES = [
    ("101", "积分兑换", 100, 1000),
    ("102", "消费抵扣", 10, 300),
    ("103", "过期清零", 0, 0),  # clears whatever is left
]


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


@dataclass(frozen=True)
class Record:
    """One points movement, vendor-neutral; each vendor's handler renders it in its own shape."""

    seq: int  # unique within the dataset, increasing with time
    at: datetime  # aware, Beijing time
    change: int  # signed
    frozen_change: int  # change of frozen points (Xiaoe flow_type 3)
    balance_after: int  # available points after
    type_code: str
    type_name: str

    @property
    def balance_before(self) -> int:
        return self.balance_after - self.change


@dataclass
class Member:
    member_id: str
    name: str
    mobile: str
    seed: int
    record_count: int
    dataset: Dataset = field(repr=False)
    # Record numbers are seq_base * 100,000 + index: unique within the dataset (Dataset.add sees to it).
    seq_base: int = 0

    @cached_property
    def records(self) -> list[Record]:
        """Oldest first. Built on first use and kept: a member's history never changes."""
        return build_history(self)

    @cached_property
    def records_newest_first(self) -> list[tuple[Record, Member]]:
        """(record, member) pairs, newest first: the order of Kingdee's reply, kept like the records."""
        return [(record, self) for record in reversed(self.records)]

    @property
    def available(self) -> int:
        return self.records[-1].balance_after if self.records else 0

    @property
    def frozen(self) -> int:
        return sum(record.frozen_change for record in self.records)

    @property
    def first_earned_at(self) -> datetime | None:
        return self.records[0].at if self.records else None


@dataclass
class Dataset:
    key: str
    end: datetime
    with_freezes: bool = False
    members: list[Member] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id: dict[str, Member] = {}
        self.by_mobile: dict[str, list[Member]] = {}
        self._seq_bases: set[int] = set()

    def add(self, member: Member) -> None:
        # Two seeds may agree in their last six digits (a few in 3,200 members): the later member then takes the
        # next free base, so that no two records share a number (the vendors' record ids).
        base = member.seed % 1_000_000
        while base in self._seq_bases:
            base = (base + 1) % 1_000_000
        self._seq_bases.add(base)
        member.seq_base = base
        self.members.append(member)
        self.by_id[member.member_id] = member
        self.by_mobile.setdefault(member.mobile, []).append(member)

    @cached_property
    def ledger(self) -> list[tuple[Record, Member]]:
        """Every record of every member, newest first (the shop ledger)."""
        rows = [(record, member) for member in self.members for record in member.records]
        rows.sort(key=lambda pair: (pair[0].at, pair[0].seq), reverse=True)
        return rows


def build_history(member: Member) -> list[Record]:
    rng = random.Random(member.seed)
    start = member.dataset.end - timedelta(days=HISTORY_DAYS)
    span = int((member.dataset.end - start).total_seconds())
    moments = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(member.record_count))
    records: list[Record] = []
    balance = 0
    frozen = 0
    for index, moment in enumerate(moments):
        roll = rng.random()
        frozen_change = 0
        if balance < 100 or roll < 0.6:
            code, name, low, high = rng.choice(EARN_TYPES)
            change = rng.randint(low, high)
        elif member.dataset.with_freezes and roll < 0.68 and balance >= 50 and frozen < 500:
            # Freezing moves points from available to frozen (Xiaoe flow_type 3).
            code, name = "201", "积分冻结"
            change = -rng.randint(10, min(balance, 200))
            frozen_change = -change
        elif roll > 0.985 and balance > 0:
            code, name, _, _ = SPEND_TYPES[2]
            change = -balance
        else:
            code, name, low, high = rng.choice(SPEND_TYPES[:2])
            change = -min(balance, rng.randint(low, high))
        balance += change
        frozen += frozen_change
        seq = member.seq_base * 100_000 + index
        records.append(Record(seq, moment, change, frozen_change, balance, code, name))
    return records


def build_dataset(
    key: str,
    *,
    seed: int,
    size: int,
    id_maker: Callable[[int, random.Random], str],
    end: datetime,
    with_freezes: bool = False,
    shared_people: list[tuple[str, str]] | None = None,
    special: dict[str, int] | None = None,
) -> Dataset:
    """`shared_people` (name, mobile) become this dataset's first members: the same people at another
    vendor account. `special` maps a member id to a fixed record count (e.g. 10,000)."""
    rng = random.Random(seed)
    dataset = Dataset(key=key, end=end, with_freezes=with_freezes)
    people = list(shared_people or [])
    while len(people) < size:
        people.append((chinese_name(rng), mobile_number(rng)))
    for index, (name, mobile) in enumerate(people):
        member_id = id_maker(index, rng)
        record_count = rng.randint(3, 60)
        if shared_people and index == 0:
            # The demo's shared-mobile member is a regular: enough history to page through any month.
            record_count = 400
        dataset.add(
            Member(
                member_id=member_id,
                name=name,
                mobile=mobile,
                seed=rng.randrange(2**31),
                record_count=record_count,
                dataset=dataset,
            )
        )
    for member_id, count in (special or {}).items():
        member = Member(member_id, chinese_name(rng), mobile_number(rng), rng.randrange(2**31), count, dataset)
        dataset.add(member)
    return dataset


def history_end(now: datetime | None = None) -> datetime:
    """The end of the demo history: the start of the current hour in Beijing (never in the future)."""
    moment = (now or datetime.now(BEIJING)).astimezone(BEIJING)
    return moment.replace(minute=0, second=0, microsecond=0)
