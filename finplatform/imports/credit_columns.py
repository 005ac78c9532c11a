"""The columns of the public-credit records import (`credit_writing`): kind, period and the
values each kind carries, with Chinese and English headers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from finplatform.imports.columns import (
    CODE,
    Column,
    choice,
    count,
    credit_code,
    day,
    money,
    text,
)


def period_end(value, lookups) -> date:
    """The last day of the period a cell names: 2013 → 2013-12-31, 2014-03 → 2014-03-31, or a
    date as it is."""
    cleaned = unicodedata.normalize("NFKC", str(int(value) if isinstance(value, float) else value))
    match = re.fullmatch(r"(\d{4})年?(?:[-/.](\d{1,2})|(\d{1,2})月)?", cleaned.strip())
    if match and not isinstance(value, date):
        year, month = int(match.group(1)), int(match.group(2) or match.group(3) or 12)
        if 1 <= month <= 12:
            following = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
    return day(value, lookups)


CREDIT_RECORD_KINDS = {
    **{kind: kind for kind in ("tax_grade", "social_security", "utility_arrears", "penalty")},
    **{kind: kind for kind in ("court_judgement", "dishonest_debtor", "tech_sme", "high_tech")},
    "patent": "patent",
    "little_giant": "little_giant",
    "科技小巨人认定": "little_giant",
    "纳税信用等级": "tax_grade",
    "社保缴纳人数": "social_security",
    "水电气欠费": "utility_arrears",
    "法院判决": "court_judgement",
    "失信被执行人": "dishonest_debtor",
    "行政处罚": "penalty",
    "科技型中小企业入库": "tech_sme",
    "高新技术企业证书": "high_tech",
    "专利": "patent",
}
TAX_GRADE_CELLS = {grade.lower(): grade for grade in ("A", "B", "M", "C", "D")}

CREDIT_RECORD_COLUMNS = (
    Column("credit_code", CODE, credit_code, required=True),
    Column("kind", ("记录类型", "类型", "kind"), choice(CREDIT_RECORD_KINDS), True),
    Column("as_of", ("日期", "年度", "月份", "记录日期", "as_of", "date"), period_end, True),
    Column("grade", ("纳税信用等级", "等级", "grade"), choice(TAX_GRADE_CELLS)),
    Column("quantity", ("人数", "数量", "参保人数", "quantity"), count),
    Column("amount_yuan", ("金额", "欠费金额", "罚款金额", "amount"), money, money=True),
    Column("reference", ("编号", "案号", "证书编号", "入库编号", "专利号", "reference"), text(64)),
    Column("valid_until", ("有效期至", "valid_until"), day),
    Column("source", ("来源", "数据来源", "source"), text(80), True),
)
