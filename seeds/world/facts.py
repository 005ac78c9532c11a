"""Fixed facts the world generator draws from: sizes, calendar, benchmark rates and name pools.

Benchmark lending rates (中国人民银行人民币贷款基准利率, annual %) in force 2011-07-07 … 2015-02-28,
by term band (≤6 months, 6-12 months, 1-3 years, 3-5 years, >5 years):

| effective from | ≤6m  | 6-12m | 1-3y | 3-5y | >5y  |
| -------------- | ---- | ----- | ---- | ---- | ---- |
| 2011-07-07     | 6.10 | 6.56  | 6.65 | 6.90 | 7.05 |
| 2012-06-08     | 5.85 | 6.31  | 6.40 | 6.65 | 6.80 |
| 2012-07-06     | 5.60 | 6.00  | 6.15 | 6.40 | 6.55 |
| 2014-11-22     | 5.60 | 5.60  | 6.00 | 6.00 | 6.15 |

(On 2014-11-22 the PBoC merged the bands to ≤1 year, 1-5 years and >5 years.) So the one-year
rate is 6.00% from July 2012 to November 2014, then 5.60%. Banks priced loans to tech SMEs at the
benchmark plus a markup (typically 10-50% of it, the lower floor of 0.7× the benchmark being
irrelevant to SMEs); the generator does the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

# Every timestamp is a whole number of minutes after this anchor (UTC).
ANCHOR = datetime(2011, 1, 1, tzinfo=UTC)
ANCHOR64 = np.datetime64("2011-01-01T00:00", "m")
HISTORY_END = date(2014, 12, 31)
# Business hours are 09:00-17:30 in Tianjin (UTC+8), i.e. 01:00-09:30 UTC.
WORKDAY_START_MINUTE = 60
WORKDAY_LENGTH_MINUTES = 510
LOCAL_OFFSET_MINUTES = 8 * 60
MINUTES_PER_DAY = 24 * 60


def day_number(day: date) -> int:
    """Days from the anchor to `day`."""
    return (day - ANCHOR.date()).days


END_DAY = day_number(HISTORY_END)
END_MINUTE = (END_DAY + 1) * MINUTES_PER_DAY - LOCAL_OFFSET_MINUTES - 1  # 23:59 local
# The minute of what never happened (an application never answered, a product never retired).
NEVER = np.iinfo(np.int64).max // 4

# (effective day, rates by term band) — see the module docstring for the source table.
BENCHMARK_CHANGES = (
    (day_number(date(2011, 7, 7)), (6.10, 6.56, 6.65, 6.90, 7.05)),
    (day_number(date(2012, 6, 8)), (5.85, 6.31, 6.40, 6.65, 6.80)),
    (day_number(date(2012, 7, 6)), (5.60, 6.00, 6.15, 6.40, 6.55)),
    (day_number(date(2014, 11, 22)), (5.60, 5.60, 6.00, 6.00, 6.15)),
)
_CHANGE_DAYS = np.array([day for day, _ in BENCHMARK_CHANGES])
_RATE_TABLE = np.array([rates for _, rates in BENCHMARK_CHANGES])
_TERM_BAND_EDGES = np.array([6, 12, 36, 60])


def benchmark_rate(days: np.ndarray, term_months: np.ndarray) -> np.ndarray:
    """The PBoC benchmark lending rate (annual %) on each day for each loan term."""
    era = np.searchsorted(_CHANGE_DAYS, np.asarray(days), side="right") - 1
    band = np.searchsorted(_TERM_BAND_EDGES, np.asarray(term_months), side="left")
    return _RATE_TABLE[np.maximum(era, 0), np.minimum(band, 4)]


@dataclass(frozen=True)
class WorldSize:
    """How big a world is: counts of each kind of record and the years of history."""

    name: str
    enterprises: int
    active_enterprises: int
    institutions: dict[str, int]
    products: int
    specialists: int
    first_year: int
    requests: int
    applications_per_request: float
    firm_user_share: float
    staff_per_institution: int


SIZES: dict[str, WorldSize] = {
    "small": WorldSize(
        name="small",
        enterprises=300,
        active_enterprises=200,
        institutions={
            "tech_branch": 2,
            "bank": 6,
            "credit_community": 3,
            "guarantee": 3,
            "fund": 2,
            "insurer": 1,
            "leasing": 1,
            "service": 2,
        },
        products=60,
        specialists=6,
        first_year=2014,
        requests=800,
        applications_per_request=4.5,
        firm_user_share=0.3,
        staff_per_institution=1,
    ),
    "demo": WorldSize(
        name="demo",
        enterprises=2000,
        active_enterprises=1200,
        institutions={
            "tech_branch": 3,
            "bank": 20,
            "credit_community": 10,
            "guarantee": 9,
            "fund": 6,
            "insurer": 4,
            "leasing": 3,
            "service": 5,
        },
        products=300,
        specialists=20,
        first_year=2013,
        requests=3600,
        applications_per_request=4.5,
        firm_user_share=0.25,
        staff_per_institution=2,
    ),
    "full": WorldSize(
        name="full",
        enterprises=60_000,
        active_enterprises=16_500,
        institutions={
            "tech_branch": 10,
            "bank": 80,
            "credit_community": 10,
            "guarantee": 30,
            "fund": 25,
            "insurer": 10,
            "leasing": 10,
            "service": 25,
        },
        products=2000,
        specialists=100,
        first_year=2012,
        requests=100_000,
        applications_per_request=4.5,
        firm_user_share=0.2,
        staff_per_institution=2,
    ),
}

# Requests by calendar month: slow around the Spring Festival (Jan-Feb), peaks at quarter ends
# when banks chase their lending quotas, the largest in December.
MONTH_WEIGHTS = np.array([0.7, 0.55, 1.15, 0.95, 1.0, 1.25, 0.95, 0.9, 1.25, 0.85, 1.05, 1.4])
# Platform use grows year on year (more firms, more products, the 2014 programme).
YEAR_WEIGHTS = {2012: 0.55, 2013: 0.8, 2014: 1.0}

# District weights in districts.csv order: 滨海新区 hosts most tech SMEs, then the ring districts.
DISTRICT_WEIGHTS = np.array(
    [1.0, 1.0, 2.0, 3.0, 1.0, 0.6, 3.0, 4.0, 2.5, 3.0, 3.0, 2.0, 14.0, 0.8, 1.2, 0.8]
)

# Product kinds each institution kind posts (first is the most common).
KINDS_BY_INSTITUTION = {
    "tech_branch": ("credit_loan", "ip_pledge", "pledge_loan", "guarantee_loan"),
    "bank": ("credit_loan", "pledge_loan", "guarantee_loan", "ip_pledge"),
    "credit_community": ("credit_loan",),
    "guarantee": ("guarantee_loan",),
    "fund": ("equity_investment",),
    "insurer": ("insurance",),
    "leasing": ("leasing",),
    "service": ("other", "credit_loan"),
}
PRODUCT_KINDS = (
    "credit_loan",
    "ip_pledge",
    "guarantee_loan",
    "pledge_loan",
    "equity_investment",
    "insurance",
    "leasing",
    "other",
)
# Per product kind: amount min range (log10 yuan), width (log10), term min choices, term span
# choices, rate markup over the one-year benchmark (low, high), fee rate range (%).
PRODUCT_SHAPES = {
    "credit_loan": ((5.0, 6.0), (1.0, 1.7), (3, 6), (6, 12, 18, 30), (0.05, 0.30), (0.0, 0.0)),
    "ip_pledge": ((4.7, 5.7), (0.8, 1.4), (6, 12), (12, 24, 30), (0.10, 0.35), (0.5, 1.0)),
    "guarantee_loan": ((4.5, 5.5), (0.8, 1.4), (3, 6), (12, 18, 30), (0.10, 0.30), (1.5, 3.0)),
    "pledge_loan": ((4.8, 5.8), (0.8, 1.5), (6, 12), (24, 36, 48), (0.0, 0.20), (0.0, 0.3)),
    "equity_investment": ((5.8, 6.5), (0.7, 1.2), (36,), (24, 48), None, (0.0, 0.0)),
    "insurance": ((4.7, 5.7), (1.0, 1.5), (12,), (0, 12), None, (0.0, 0.0)),
    "leasing": ((4.8, 5.6), (0.8, 1.3), (12, 24), (24, 36), (0.30, 0.60), (1.0, 2.0)),
    "other": ((4.3, 5.3), (0.7, 1.2), (3, 6), (6, 12, 18), (0.20, 0.50), (0.0, 1.0)),
}

CREDIT_RATINGS = ("C", "CC", "CCC", "B", "BB", "BBB", "A", "AA", "AAA")
REQUEST_TERMS = np.array([6, 12, 24, 36, 60])
REQUEST_TERM_WEIGHTS = np.array([0.15, 0.45, 0.2, 0.15, 0.05])

# Name pools (plain Chinese words, combined deterministically).
SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红志新海燕波宁晨曦博文")
BRAND_CHARS = tuple(
    "华创科宏瑞泰鑫盛达信远航晟安博凯睿中天海滨津诚智联汇普恒通嘉源合德隆腾飞锐英捷卓"
)
INDUSTRY_WORDS = {
    "biomedicine": "生物医药",
    "new_energy": "新能源",
    "aerospace": "航空",
    "energy_saving_environment": "环保",
    "information_technology": "信息",
    "biotechnology": "生物",
    "nanotechnology": "纳米材料",
    "intelligent_technology": "智能",
    "urban_agriculture": "农业",
    "": "技术",
}
COMPANY_SUFFIXES = ("科技有限公司", "技术有限公司", "科技股份有限公司")
BANKS = (
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "交通银行",
    "招商银行",
    "浦发银行",
    "兴业银行",
    "中信银行",
    "民生银行",
    "光大银行",
    "华夏银行",
    "渤海银行",
    "天津银行",
    "天津农商银行",
    "北京银行",
    "平安银行",
    "广发银行",
    "浙商银行",
    "邮储银行",
)
INSURERS = ("人保财险", "太平洋财险", "平安财险", "中华联合财险", "大地财险", "天安财险")
COMMUNITY_THEMES = ("科技企业", "科技小巨人", "软件企业", "生物医药企业", "新能源企业", "智能制造")
PRODUCT_BRANDS = ("科技", "科创", "创新", "成长", "高新", "智汇", "融智", "助微", "知识", "启航")
PURPOSES = ("研发投入", "扩大生产", "流动资金", "设备购置", "市场拓展", "技术改造", "项目建设")
COLLATERALS = ("", "房产抵押", "设备抵押", "应收账款质押", "专利权质押", "股权质押")
# Codes of the live service's reason list (labels "reject_reason").
REJECT_REASONS = ("revenue_too_low", "credit_history", "outside_policy", "documents_incomplete")

# The demo enterprise and tech branch that `flask seed demo-accounts` signs in as; the world
# includes them (enterprise 1, institution 1) so that their accounts open onto real history.
DEMO_ENTERPRISE = {
    "credit_code_first17": "91120116MA0512345",
    "name": "天津滨海智能传感科技有限公司（演示）",
    "district_code": "120116",
    "industry_code": "39",
    "employees": 86,
    "patents": 12,
    "contact_name": "张经理",
    "contact_phone": "022-66000000",
}
DEMO_INSTITUTION_NAME = "滨海新区科技支行（演示）"
# Everyone in the world signs in with this password (the README's demo password).
WORLD_PASSWORD = "Demo2014pass"
