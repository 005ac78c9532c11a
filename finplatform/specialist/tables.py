"""The work queue's rows as ready display values, made in one pass.

The queue used to load each row as objects (an application with its firm, product and
institution) and format every cell through a template filter or macro call; its query now
selects the shown columns only (`services.queue_query`) and each row's cells are made here
once: user text stays `str` (the template escapes it), made markup (money, badges) is `Markup`.
"""

from __future__ import annotations

from flask_babel import gettext as _

from finplatform.deals.reject_reasons import reject_reason_label
from finplatform.money import money_html
from finplatform.rendering import datetime_formatter, id_url, status_badges


def queue_rows(tab: str, rows) -> list[dict]:
    """The cells of each row of one tab of the work queue."""
    firm_url = id_url("specialist.firm", "enterprise_id")
    if tab == "open":
        request_url = id_url("deals.request_detail", "request_id")
        title = _("Financing request #%(id)d")  # translated once, filled in per row
        created = datetime_formatter("yyyy-MM-dd")
        return [
            {
                "url": request_url(row.id),
                "title": title % {"id": row.id},
                "firm": row.firm,
                "firm_url": firm_url(row.enterprise_id),
                "amount": money_html(row.amount_yuan),
                "created": created(row.created_at),
            }
            for row in rows
        ]
    if tab == "follow_ups":
        return [
            {
                "follow_up_on": row.follow_up_on,
                "firm": row.firm,
                "note": row.note,
                "firm_url": firm_url(row.enterprise_id),
            }
            for row in rows
        ]
    application_url = id_url("deals.application_detail", "application_id")
    product_url = id_url("deals.product_detail", "product_id")
    title = _("Application #%(id)d")
    respond_by = _("Respond by")
    respond_by_time = datetime_formatter("yyyy-MM-dd HH:mm")
    status = status_badges("application_status")
    return [
        {
            "id": row.id,
            "url": application_url(row.id),
            "title": title % {"id": row.id},
            "firm": row.firm,
            "firm_url": firm_url(row.enterprise_id),
            "product": row.product,
            "product_url": product_url(row.product_id),
            "institution": row.institution,
            "detail": (
                f"{respond_by} {respond_by_time(row.respond_by)}"
                if tab == "overdue"
                else reject_reason_label(row.reject_reason)
            ),
            "status": status(row.status),
        }
        for row in rows
    ]
