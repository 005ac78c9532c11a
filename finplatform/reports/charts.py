"""The report's chart series (`report["series"]`) drawn as inline SVG on the server: no
JavaScript and no CDN (the platform runs on closed networks), and they print as sharply as the
text around them."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from finplatform.i18n import is_english
from finplatform.money import WAN, YI

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 150, 20, 40
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _axis(maximum: Decimal) -> tuple[Decimal, list[str]]:
    """The y axis's top value and its five gridlines' labels, in 元, 万元 or 亿元."""
    if maximum >= YI:
        scale, unit = YI, "亿元"
    elif maximum >= WAN:
        scale, unit = WAN, "万元"
    else:
        scale, unit = Decimal(1), "元"
    top = maximum if maximum > 0 else Decimal(1)
    labels = []
    for index in range(5):
        value = top / 4 * index / scale
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if value else "0"
        labels.append(f"{text}{unit if index == 4 else ''}")
    return top, labels


def _frame(title: str, labels: list[str], top_labels: list[str]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="report-chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, text in enumerate(top_labels):
        y = TOP + plot_h - plot_h * index / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11">{escape(text)}</text>'
        )
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for index, text in enumerate(labels):
        x = LEFT + slot * (index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{escape(text)}</text>'
        )
    return parts


def _legend(entries: list[tuple[str, str, str]]) -> list[str]:
    parts = []
    for index, (label, colour, dash) in enumerate(entries):
        y = TOP + 10 + index * 18
        x = WIDTH - RIGHT + 10
        parts.append(
            f'<line x1="{x}" x2="{x + 18}" y1="{y}" y2="{y}" stroke="{colour}" '
            f'stroke-width="3" stroke-dasharray="{dash}"/>'
        )
        parts.append(f'<text x="{x + 24}" y="{y + 4}" font-size="11">{escape(label)}</text>')
    return parts


def target_charts(report: dict) -> dict[str, Markup]:
    """The cumulative chart of each measured target the report has a monthly series for."""
    return {
        target["metric"]: _cumulative_chart(
            target["label_en"] if is_english() else target["wording_zh"],
            [Decimal(value) for value in report["series"]["cumulative"][target["metric"]]],
            Decimal(target["target"]),
            Decimal(target["projection"]),
        )
        for target in report["targets"]
        if target["measured"] and target["metric"] in report["series"]["cumulative"]
    }


def _cumulative_chart(
    title: str, cumulative: list[Decimal], target: Decimal, projection: Decimal
) -> Markup:
    """Cumulative amount by month against the year's target, with the projection to December."""
    months = [f"{number}月" for number in range(1, 13)]
    maximum = max([target, projection, *cumulative])
    top, axis = _axis(maximum)
    parts = _frame(title, months, axis)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / 12

    def point(month_index: float, value: Decimal) -> str:
        x = LEFT + slot * (month_index + 0.5)
        y = TOP + plot_h - float(value / top) * plot_h
        return f"{x:.1f},{y:.1f}"

    pace = " ".join(point(i, target * (i + 1) / 12) for i in range(12))
    parts.append(
        f'<polyline points="{pace}" fill="none" stroke="#999" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
    )
    actual = " ".join(point(i, value) for i, value in enumerate(cumulative))
    parts.append(
        f'<polyline points="{actual}" fill="none" stroke="{PALETTE[0]}" stroke-width="3"/>'
    )
    for i, value in enumerate(cumulative):
        x, y = point(i, value).split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{PALETTE[0]}"/>')
    legend = [(_("Target pace"), "#999", "6 4"), (_("Actual (cumulative)"), PALETTE[0], "0")]
    if cumulative:
        last = len(cumulative) - 1
        parts.append(
            f'<polyline points="{point(last, cumulative[-1])} {point(11, projection)}" '
            f'fill="none" stroke="{PALETTE[3]}" stroke-width="2" '
            'stroke-dasharray="2 3"/>'
        )
        legend.append((_("Projection"), PALETTE[3], "2 3"))
    parts.extend(_legend(legend))
    parts.append("</svg>")
    return Markup("".join(parts))


def by_kind_chart(report: dict) -> Markup:
    """Stacked monthly bars of the disbursed amount by product kind (reversals net out)."""
    series = report["series"]["by_kind"]
    months = int(report["month"][5:7])
    name_key = "name_en" if is_english() else "name_zh"
    labels = [f"{number}月" for number in range(1, months + 1)]
    totals = [
        sum((max(Decimal(entry["amounts"][i]), Decimal(0)) for entry in series), Decimal(0))
        for i in range(months)
    ]
    maximum = max(totals, default=Decimal(0))
    top, axis = _axis(maximum)
    parts = _frame(_("Disbursed by month and product kind"), labels, axis)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(months, 1)
    base = [0.0] * months
    legend = []
    for index, entry in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        legend.append((entry[name_key], colour, "0"))
        for i in range(months):
            value = max(Decimal(entry["amounts"][i]), Decimal(0))
            if not value:
                continue
            height = float(value / top) * plot_h
            x = LEFT + slot * i + slot * 0.15
            y = TOP + plot_h - base[i] - height
            base[i] += height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{escape(entry[name_key])}: {entry["amounts"][i]}元'
                "</title></rect>"
            )
    parts.extend(_legend(legend))
    parts.append("</svg>")
    return Markup("".join(parts))
