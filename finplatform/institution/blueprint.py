"""The institution pages' blueprint.

The views are in `routes` (home, profile, credit-community members), `inbox_routes`
(applications and their decisions, disbursements) and `pool_routes` (the demand pool and
offers); `routes` imports the other two, so importing it gives the whole blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("institution", __name__)
