"""What each kind of notification says, translated when it is read (not when it is sent)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES = {
    "application.submitted": _l("%(firm)s applied to %(product)s."),
    "application.withdrawn": _l("%(firm)s withdrew its application to %(product)s."),
    "application.in_review": _l("%(institution)s is reviewing your application to %(product)s."),
    "application.approved": _l("%(institution)s approved your application to %(product)s."),
    "application.awaiting_firm": _l(
        "%(institution)s approved your application to %(product)s on terms outside the limits: "
        "accept or refuse them."
    ),
    "application.firm_accepted": _l("%(firm)s accepted the terms granted for %(product)s."),
    "application.firm_refused": _l("%(firm)s refused the terms granted for %(product)s."),
    "application.rejected": _l(
        "%(institution)s rejected your application to %(product)s. See the next-best products."
    ),
    "application.rejected_specialist": _l(
        "%(firm)s was rejected by %(institution)s for %(product)s: help it re-route."
    ),
    "application.overdue": _l(
        "%(institution)s has not answered %(firm)s's application to %(product)s in time."
    ),
    "application.overdue_firm": _l(
        "%(institution)s has not answered your application to %(product)s in time. "
        "You can withdraw it and apply elsewhere."
    ),
    "document.attached": _l("%(firm)s attached a document to its application to %(product)s."),
    "document.requested": _l(
        "%(institution)s asks for a document on your application to %(product)s by %(due)s."
    ),
    "disbursement.recorded": _l("%(institution)s disbursed %(amount)s yuan for %(product)s."),
    "offer.made": _l("%(institution)s made an offer on your request: %(product)s."),
    "offer.accepted": _l("%(firm)s accepted your offer %(product)s."),
    "offer.declined": _l("%(firm)s declined your offer %(product)s."),
    "referral.recommended": _l("Your specialist recommends %(product)s."),
    "referral.referred": _l("Specialist %(specialist)s referred %(firm)s to you."),
    "assignment.assigned": _l("%(count)s firms were assigned to you."),
}


def notification_text(kind: str, params: dict) -> str:
    """The notification's sentence in the current language; unknown kinds show their key."""
    template = MESSAGES.get(kind)
    if template is None:
        return kind
    text = str(template)  # the lazy string resolves in the reader's language here
    try:
        return text % {key: str(value) for key, value in params.items()}
    except (KeyError, ValueError, TypeError):
        return text
