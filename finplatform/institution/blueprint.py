"""The institution pages' blueprint, and how its views answer an action the rules refused.

The views are in `routes` (home, profile, credit-community members), `inbox_routes`
(applications and their decisions, disbursements) and `pool_routes` (the demand pool and
offers); `routes` imports the other two, so importing it gives the whole blueprint.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect

from finplatform.exceptions import DomainError
from finplatform.extensions import db

bp = Blueprint("institution", __name__)


def refused(error: DomainError, target: str):
    """Roll back what a refused action changed, say why, and go back to `target`."""
    db.session.rollback()
    flash(str(error.message), "danger")
    return redirect(target)
