"""The units the plan states its figures in: money in 亿元, 万元 or 元, counts in 家, 名 or 个."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["COUNT_UNITS", "YUAN_PER_UNIT"]

# 1 亿元 = 100,000,000 yuan; 1 万元 = 10,000 yuan.
YUAN_PER_UNIT = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}
COUNT_UNITS = frozenset({"家", "名", "个"})
