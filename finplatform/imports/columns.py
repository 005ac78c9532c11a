"""The columns each import accepts: Chinese and English headers, units, and cell parsers.

A header is matched after folding full-width characters, case and spaces; a trailing unit in
brackets or an English suffix (`营业收入（万元）`, `revenue_wan`, `金额(亿元)`, `amount_yuan`) sets
the multiplier of a money column, which must carry one. Any other trailing bracket
(`期限（月）`, `利率(%)`) is ignored. Each parser takes a raw cell (text from CSV, or the number
or date openpyxl read) and returns a clean value or raises ValueError with a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from finplatform import clock
from finplatform.bounds import out_of_range
from finplatform.credit_code import InvalidCreditCode, validate_credit_code
from finplatform.i18n import credit_code_message

UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_ENGLISH_UNITS = {"yuan": "元", "wan": "万元", "yi": "亿元"}
RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
BEIJING = clock.BEIJING
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "t"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "f", ""}


def fold(text: str) -> str:
    """Normalise a header or code for comparison: NFKC, lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).lower().split())


def split_header(header: str) -> tuple[str, str | None]:
    """Return (base name, money unit or None) of a header cell."""
    name = fold(header)
    match = re.fullmatch(r"(.+?)\((元|万元|亿元)\)", name)
    if match:
        return match.group(1), match.group(2)
    match = re.fullmatch(r"(.+?)_(yuan|wan|yi)", name)
    if match:
        return match.group(1), _ENGLISH_UNITS[match.group(2)]
    return re.sub(r"\(.*\)$", "", name), None


@dataclass
class Problem:
    """One reason a row (or the file) cannot be imported: row number, column header, reason."""

    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        """The form stored in ImportBatch.errors."""
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class Column:
    """One importable field: its aliases, parser, and whether it must be present and filled."""

    name: str
    aliases: tuple[str, ...]
    parse: Callable
    required: bool = False
    money: bool = False

    def matches(self, base: str) -> bool:
        """Whether a folded header base names this column."""
        return base in {fold(alias) for alias in self.aliases}


@dataclass
class Lookups:
    """Reference values a row may name, loaded once per import."""

    districts: dict[str, str] = field(default_factory=dict)  # folded name or code → code
    industries: set[str] = field(default_factory=set)
    product_kinds: dict[str, str] = field(default_factory=dict)
    institution_kinds: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------- cell parsers


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int) -> Callable:
    """A text cell of at most `max_length` characters."""

    def parse(value, lookups):
        result = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            result = str(int(value))
        if len(result) > max_length:
            raise ValueError(_("At most %(n)d characters.", n=max_length))
        return result

    return parse


def number(value) -> Decimal:
    """A decimal number from a cell: 1,200.5 or １２００ or an Excel number."""
    if isinstance(value, bool):
        raise ValueError(_("Not a number."))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    cleaned = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "")
    try:
        result = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.", value=str(value))) from None
    if not result.is_finite():
        raise ValueError(_("“%(value)s” is not a number.", value=str(value)))
    return result


def _within_column(value, places: int | None = None) -> None:
    message = out_of_range(value, places)
    if message is not None:
        raise ValueError(str(message))


def count(value, lookups) -> int:
    """A whole number ≥ 0."""
    result = number(value)
    if result != result.to_integral_value() or result < 0:
        raise ValueError(_("Give a whole number, 0 or more."))
    _within_column(int(result))
    return int(result)


def months(value, lookups) -> int:
    """A term in whole months, at least 1."""
    result = count(value, lookups)
    if result < 1:
        raise ValueError(_("The term must be at least one month."))
    return result


def money(value, lookups, unit: str, positive: bool = True) -> Decimal:
    """An amount in the column's unit, converted to yuan with fen precision."""
    result = number(value) * UNITS[unit]
    if positive and result <= 0:
        raise ValueError(_("The amount must be greater than zero."))
    if result < 0:
        raise ValueError(_("The amount cannot be negative."))
    _within_column(result, 2)
    return result.quantize(Decimal("0.01"))


def rate(value, lookups) -> Decimal:
    """An annual percentage, 0-100 (a trailing % is allowed)."""
    result = number(str(value).strip().rstrip("%％") if isinstance(value, str) else value)
    if not Decimal(0) <= result <= Decimal(100):
        raise ValueError(_("A rate is a percentage between 0 and 100."))
    return result.quantize(Decimal("0.0001"))


def boolean(value, lookups) -> bool:
    """是/否, Y/N, yes/no, true/false, 1/0."""
    if isinstance(value, bool):
        return value
    folded = fold(value if not isinstance(value, float) else int(value))
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(_("Write 是 or 否 (yes or no)."))


def day(value, lookups) -> date:
    """A date: 2014-03-05, 2014/3/5, 2014年3月5日, 20140305, or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    cleaned = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", cleaned)
    if not match:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", cleaned)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError(_("“%(value)s” is not a date (write 2014-03-05).", value=str(value)))


def moment(value, lookups) -> datetime:
    """A date (09:00 Beijing time) or a spreadsheet date-time, stored in UTC."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=BEIJING)
        return local.astimezone(UTC)
    return datetime.combine(day(value, lookups), time(9, 0), BEIJING).astimezone(UTC)


def credit_code(value, lookups) -> str:
    """A valid unified social credit code (normalised)."""
    try:
        return validate_credit_code(str(value))
    except InvalidCreditCode as error:
        raise ValueError(credit_code_message(error)) from None


def rating(value, lookups) -> str:
    """AAA … C."""
    result = fold(value).upper()
    if result not in RATINGS:
        raise ValueError(_("Use a rating from AAA to C."))
    return result


def district(value, lookups) -> str:
    """A district code (120116) or name (滨海新区, 滨海, Binhai New Area)."""
    found = lookups.districts.get(fold(value if not isinstance(value, float) else int(value)))
    if found is None:
        raise ValueError(_("“%(value)s” is not a district of the city.", value=str(value)))
    return found


def industry(value, lookups) -> str:
    """A GB/T 4754 division code (two digits)."""
    code = fold(value if not isinstance(value, float) else int(value)).upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if code not in lookups.industries:
        raise ValueError(
            _("“%(value)s” is not a GB/T 4754 industry division code.", value=str(value))
        )
    return code


def _listed(parse_one: Callable) -> Callable:
    def parse(value, lookups):
        parts = [p for p in re.split(r"[,，、;；/\s]+", str(value).strip()) if p]
        return sorted({parse_one(part, lookups) for part in parts})

    return parse


def _kind(mapping: str) -> Callable:
    def parse(value, lookups):
        found = getattr(lookups, mapping).get(fold(value))
        if found is None:
            raise ValueError(_("“%(value)s” is not a kind the platform knows.", value=str(value)))
        return found

    return parse


def choice(options: dict[str, str]) -> Callable:
    """One of a fixed set of values, each with Chinese and English spellings."""

    def parse(value, lookups):
        found = options.get(fold(value))
        if found is None:
            raise ValueError(_("“%(value)s” is not one of the allowed values.", value=str(value)))
        return found

    return parse


INSTITUTION_STATUSES = {
    "approved": "approved",
    "已审核": "approved",
    "已批准": "approved",
    "pending": "pending",
    "待审核": "pending",
    "suspended": "suspended",
    "暂停": "suspended",
}
APPLICATION_STATUSES = {
    **{status: status for status in ("submitted", "approved", "rejected", "disbursed")},
    **{"in_review": "in_review", "withdrawn": "withdrawn", "expired": "expired"},
    "已提交": "submitted",
    "审核中": "in_review",
    "已批准": "approved",
    "已拒绝": "rejected",
    "已放款": "disbursed",
    "已撤回": "withdrawn",
    "已过期": "expired",
}

CODE = ("统一社会信用代码", "信用代码", "社会信用代码", "credit_code", "credit code")
DISTRICT = ("所在区", "区", "所属区", "区域", "district", "district_code")

ENTERPRISE_COLUMNS = (
    Column("credit_code", CODE, credit_code, required=True),
    Column("name", ("企业名称", "名称", "公司名称", "name", "company_name"), text(120), True),
    Column("district_code", DISTRICT, district, required=True),
    Column(
        "industry_code",
        ("行业代码", "行业", "所属行业", "industry", "industry_code"),
        industry,
        True,
    ),
    Column("founded_on", ("成立日期", "成立时间", "founded_on", "founded"), day),
    Column("employees", ("员工人数", "职工人数", "从业人数", "employees"), count),
    Column("revenue_yuan", ("营业收入", "年营业收入", "revenue"), money, money=True),
    Column("rd_spend_yuan", ("研发投入", "研发支出", "研发费用", "rd_spend"), money, money=True),
    Column("patents", ("专利数", "专利数量", "专利", "patents"), count),
    Column("is_little_giant", ("科技小巨人", "小巨人", "is_little_giant", "little_giant"), boolean),
    Column("is_high_tech", ("高新技术企业", "高新企业", "is_high_tech", "high_tech"), boolean),
    Column("credit_rating", ("信用评级", "评级", "credit_rating", "rating"), rating),
    Column("contact_name", ("联系人", "contact_name", "contact"), text(40)),
    Column("contact_phone", ("联系电话", "电话", "contact_phone", "phone"), text(30)),
)

INSTITUTION_COLUMNS = (
    Column("name", ("机构名称", "名称", "name", "institution"), text(120), True),
    Column(
        "kind_code", ("机构类型", "类型", "kind", "kind_code"), _kind("institution_kinds"), True
    ),
    Column("district_code", DISTRICT, district, required=True),
    Column("credit_code", CODE, credit_code),
    Column("status", ("状态", "status"), choice(INSTITUTION_STATUSES)),
)

INSTITUTION_REF = (
    Column("institution", ("机构", "机构名称", "发布机构", "institution"), text(120)),
    Column("institution_code", ("机构信用代码", "institution_credit_code"), credit_code),
)

PRODUCT_COLUMNS = (
    *INSTITUTION_REF,
    Column("external_id", ("产品编号", "产品代码", "external_id", "product_code"), text(64), True),
    Column("name", ("产品名称", "名称", "name", "product_name"), text(120), True),
    Column("kind_code", ("产品类型", "类型", "kind", "kind_code"), _kind("product_kinds"), True),
    Column("amount_min_yuan", ("最低金额", "金额下限", "amount_min"), money, True, money=True),
    Column("amount_max_yuan", ("最高金额", "金额上限", "amount_max"), money, True, money=True),
    Column(
        "term_min_months", ("最短期限", "期限下限", "term_min", "term_min_months"), months, True
    ),
    Column(
        "term_max_months", ("最长期限", "期限上限", "term_max", "term_max_months"), months, True
    ),
    Column("rate_min", ("最低利率", "利率下限", "rate_min"), rate, True),
    Column("rate_max", ("最高利率", "利率上限", "rate_max"), rate, True),
    Column("fee_rate", ("费率", "fee_rate"), rate),
    Column("collateral_required", ("需抵押", "需要抵押", "collateral_required"), boolean),
    Column("guarantee_required", ("需担保", "需要担保", "guarantee_required"), boolean),
    Column("min_years", ("最低成立年限", "min_years"), count),
    Column("min_revenue_yuan", ("最低营业收入", "min_revenue"), money, money=True),
    Column("little_giant_only", ("仅限小巨人", "little_giant_only"), boolean),
    Column("members_only", ("仅限会员", "仅限信用共同体成员", "members_only"), boolean),
    Column("pool_covered", ("风险保证金覆盖", "风险补偿", "pool_covered"), boolean),
    Column("industries", ("适用行业", "industries"), _listed(industry)),
    Column("districts", ("适用区域", "适用区", "districts"), _listed(district)),
    Column("description", ("产品说明", "说明", "description"), text(2000)),
)

APPLICATION_COLUMNS = (
    Column("external_id", ("申请编号", "external_id", "application_id"), text(64), True),
    Column("credit_code", ("企业信用代码", *CODE), credit_code, required=True),
    *INSTITUTION_REF,
    Column("product_id", ("产品编号", "product_code", "product_external_id"), text(64), True),
    Column("amount_yuan", ("申请金额", "金额", "amount"), money, True, money=True),
    Column("term_months", ("期限", "申请期限", "term", "term_months"), months, True),
    Column("submitted_at", ("申请日期", "提交日期", "submitted_at", "submitted_on"), moment, True),
    Column("status", ("状态", "status"), choice(APPLICATION_STATUSES), True),
    Column("decided_at", ("审批日期", "决定日期", "decided_at", "decided_on"), moment),
    Column("approved_amount_yuan", ("批准金额", "approved_amount"), money, money=True),
    Column("approved_rate", ("批准利率", "approved_rate"), rate),
    Column("approved_term_months", ("批准期限", "approved_term"), months),
    Column("disbursed_amount_yuan", ("放款金额", "disbursed_amount"), money, money=True),
    Column("disbursed_on", ("放款日期", "disbursed_on"), day),
    Column("reject_note", ("拒绝原因", "reject_reason", "reject_note"), text(500)),
)
