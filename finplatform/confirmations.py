"""What each destructive or irreversible action says before it is done.

Every form whose action matches one of these routes asks for confirmation in a dialog
(`static/confirm.js`), saying what will happen; a form may carry its own `data-confirm` text
instead (with `{field}` replaced by the value of the form's field of that name). Kept in one
place so that a new button on any page is covered by naming its route here.
"""

from __future__ import annotations

import re

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

# endpoint, the fixed values of some of its URL parts, and what will happen.
CONFIRMATIONS = (
    (
        "enterprise.withdraw_request",
        {},
        _l(
            "Withdraw this financing request? Its pending applications are withdrawn and its "
            "open offers declined; institutions no longer see it. This cannot be undone."
        ),
    ),
    (
        "enterprise.withdraw_application",
        {},
        _l(
            "Withdraw this application? The institution is told and stops handling it. This "
            "cannot be undone: to go on you would have to apply again."
        ),
    ),
    (
        "enterprise.reroute_application",
        {},
        _l(
            "Withdraw this application and apply to the chosen product instead? The "
            "withdrawal cannot be undone."
        ),
    ),
    (
        "enterprise.accept_offer",
        {},
        _l(
            "Accept this offer? It becomes an application to the institution, and the "
            "request's other open offers close."
        ),
    ),
    (
        "enterprise.decline_offer",
        {},
        _l("Decline this offer? The institution is told; the offer cannot be accepted later."),
    ),
    (
        "institution.withdraw_offer",
        {},
        _l("Withdraw this offer? The firm can no longer accept it."),
    ),
    (
        "institution.approve_application",
        {},
        _l("Approve this application? The firm is told at once; a decision cannot be changed."),
    ),
    (
        "institution.reject_application",
        {},
        _l(
            "Reject this application? The firm is told with the reason chosen; a decision "
            "cannot be changed."
        ),
    ),
    (
        "institution.reverse_disbursement",
        {},
        _l(
            "Reverse this disbursement? A row of the opposite amount is recorded for it; a "
            "reversal cannot itself be reversed."
        ),
    ),
    (
        "institution.remove_member",
        {},
        _l("Remove this firm from the community? Its past loans keep their history."),
    ),
    (
        "institution.answer_membership",
        {"action": "decline"},
        _l("Decline this firm's request to join? It is told, and would have to ask again."),
    ),
    (
        "products.retire",
        {},
        _l(
            "Retire this product? It leaves the rankings and firms can no longer apply to it; "
            "it keeps its history and can be published again."
        ),
    ),
    (
        "admin.set_institution_status",
        {"action": "suspend"},
        _l(
            "Suspend this institution? Its products leave the rankings, and what it records "
            "no longer counts towards the targets until it is approved again."
        ),
    ),
    (
        "admin.calendar.remove",
        {},
        _l("Remove this day from the working calendar? Deadlines are counted without it."),
    ),
    (
        "admin.models.promote",
        {},
        _l("Put this version in service? Every ranking uses it from now on."),
    ),
    (
        "admin.models.rollback",
        {},
        _l(
            "Put this earlier version back in service? Every ranking uses it from now on and "
            "the current version is retired."
        ),
    ),
    (
        "settings.revoke_api_token",
        {},
        _l(
            "Revoke this token? Every program using it is refused from now on. This cannot be "
            "undone."
        ),
    ),
    (
        "loans.withdraw",
        {},
        _l(
            "Withdraw this loan's cover? It leaves the risk guarantee pool's book, and no "
            "claim can be filed on it."
        ),
    ),
    (
        "loans.file_claim",
        {},
        _l("File a claim on the risk guarantee pool for this loan? The commission reviews it."),
    ),
    (
        "loans.decide",
        {},
        _l("Record this decision on the claim? It cannot be changed afterwards."),
    ),
    (
        "loans.pay",
        {},
        _l("Record the payout of this claim? The amount leaves the pool's balance."),
    ),
    (
        "auth.sign_out_everywhere",
        {},
        _l("Sign out on every device, this one included?"),
    ),
)

_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _pattern(rule: str, fixed: dict[str, str]) -> str:
    """A regular expression for the paths of a URL rule, some parts fixed."""
    pieces, last = [], 0
    for found in _PART.finditer(rule):
        pieces.append(re.escape(rule[last : found.start()]))
        name = found.group(1)
        pieces.append(re.escape(fixed[name]) if name in fixed else "[^/]+")
        last = found.end()
    pieces.append(re.escape(rule[last:]))
    return "^" + "".join(pieces) + "$"


def confirmations() -> list[tuple[str, str]]:
    """(path pattern, text) of every confirmation, in the current language."""
    rules = {rule.endpoint: rule.rule for rule in current_app.url_map.iter_rules()}
    return [
        (_pattern(rules[endpoint], fixed), str(text))
        for endpoint, fixed, text in CONFIRMATIONS
        if endpoint in rules
    ]


def register(app: Flask) -> None:
    """Offer `confirmations()` to the templates (the base page lists them for the script)."""
    app.jinja_env.globals["confirmations"] = confirmations
