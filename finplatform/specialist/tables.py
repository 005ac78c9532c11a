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
from finplatform.rendering import datetime_format, id_url, status_badge


def queue_rows(tab: str, rows) -> list[dict]:
    """The cells of each row of one tab of the work queue."""
    firm_url = id_url("specialist.firm", "enterprise_id")
    if tab == "open":
        request_url = id_url("deals.request_detail", "request_id")
        title = _("Financing request #%(id)d")  # translated once, filled in per row
        return [
            {
                "url": request_url(row.id),
                "title": title % {"id": row.id},
                "firm": row.firm,
                "firm_url": firm_url(row.enterprise_id),
                "amount": money_html(row.amount_yuan),
                "created": datetime_format(row.created_at, "yyyy-MM-dd"),
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
                f"{respond_by} {datetime_format(row.respond_by, 'yyyy-MM-dd HH:mm')}"
                if tab == "overdue"
                else reject_reason_label(row.reject_reason)
            ),
            "status": status_badge("application_status", row.status),
        }
        for row in rows
    ]
