"""Every status field of the platform and the moves it allows, in one place.

Each status is an enum in `models`; its `Machine` here says which status may follow which and
refuses any other move with a message in the reader's language. Services change a status only
through `Machine.move`, after their own checks (permissions, amounts, locks): a status never
changes ad hoc, and a move the table does not list is a `Conflict`, whoever asks for it.

Requests and applications also write an event row per move (`deals.states`); the others keep
their history in the audit trail. A loan's status is not here: it is derived from its schedule
and repayments (`loans.positions`), never set.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from finplatform.exceptions import Conflict
from finplatform.extensions import db
from finplatform.labels import labels_of
from finplatform.models import (
    ApplicationStatus,
    ClaimStatus,
    DocumentRequestStatus,
    ImportStatus,
    InstitutionStatus,
    ModelStatus,
    OfferStatus,
    ProductStatus,
    RequestStatus,
)
from finplatform.models.base import utcnow

S = TypeVar("S", bound=enum.StrEnum)


@dataclass(frozen=True)
class Machine(Generic[S]):
    """The allowed moves of one status field; `labels` names its label set."""

    labels: str
    moves: Mapping[S, frozenset[S]]

    def allows(self, current: S, to: S) -> bool:
        return to in self.moves[current]

    def final(self, status: S) -> bool:
        return not self.moves[status]

    def move(self, record: Any, to: S, refusal: str | LazyString | None = None) -> S:
        """Set `record.status` to `to` if the table allows it; returns the previous status.

        `refusal` is the message when it does not (else one naming both statuses)."""
        current = record.status
        if not self.allows(current, to):
            names = labels_of(self.labels)
            raise Conflict(
                refusal
                or _l(
                    "The status cannot change from %(from_status)s to %(to_status)s.",
                    from_status=names[current],
                    to_status=names[to],
                )
            )
        record.status = to
        return current


A = ApplicationStatus
APPLICATION = Machine(
    "application_status",
    {
        A.SUBMITTED: frozenset({A.IN_REVIEW, A.REJECTED, A.WITHDRAWN, A.EXPIRED}),
        A.IN_REVIEW: frozenset({A.APPROVED, A.AWAITING_FIRM, A.REJECTED, A.WITHDRAWN}),
        # Terms outside the limits: the firm accepts them (approved) or refuses them (withdrawn).
        A.AWAITING_FIRM: frozenset({A.APPROVED, A.WITHDRAWN}),
        A.APPROVED: frozenset({A.DISBURSED, A.WITHDRAWN}),
        A.REJECTED: frozenset(),
        A.DISBURSED: frozenset(),
        A.WITHDRAWN: frozenset(),
        A.EXPIRED: frozenset(),
    },
)

R = RequestStatus
REQUEST = Machine(
    "request_status",
    {
        R.OPEN: frozenset({R.FULFILLED, R.WITHDRAWN, R.EXPIRED}),
        R.FULFILLED: frozenset(),
        R.WITHDRAWN: frozenset(),
        R.EXPIRED: frozenset(),
    },
)

OFFER = Machine(
    "offer_status",
    {
        OfferStatus.OPEN: frozenset(
            {OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.WITHDRAWN}
        ),
        OfferStatus.ACCEPTED: frozenset(),
        OfferStatus.DECLINED: frozenset(),
        OfferStatus.WITHDRAWN: frozenset(),
    },
)

P = ProductStatus
PRODUCT = Machine(
    "product_status",
    {
        # A draft is published once its institution is approved; a retired product may return.
        P.DRAFT: frozenset({P.ACTIVE, P.RETIRED}),
        P.ACTIVE: frozenset({P.RETIRED}),
        P.RETIRED: frozenset({P.ACTIVE}),
    },
)

Standing = InstitutionStatus
INSTITUTION = Machine(
    "institution_status",
    {
        # A registration the commission refuses is suspended; it never returns to pending.
        Standing.PENDING: frozenset({Standing.APPROVED, Standing.SUSPENDED}),
        Standing.APPROVED: frozenset({Standing.SUSPENDED}),
        Standing.SUSPENDED: frozenset({Standing.APPROVED}),
    },
)

M = ModelStatus
MODEL = Machine(
    "model_status",
    {
        M.CANDIDATE: frozenset({M.CURRENT}),
        M.CURRENT: frozenset({M.RETIRED}),
        # Going back to an earlier version puts a retired one in service again.
        M.RETIRED: frozenset({M.CURRENT}),
    },
)

B = ImportStatus
IMPORT = Machine(
    "import_status",
    {
        B.PENDING: frozenset({B.RUNNING, B.FAILED}),
        # A worker killed mid-import leaves the batch running; its retry starts it again.
        B.RUNNING: frozenset({B.RUNNING, B.FINISHED, B.REJECTED, B.FAILED}),
        B.FINISHED: frozenset(),
        B.REJECTED: frozenset(),
        B.FAILED: frozenset(),
    },
)

C = ClaimStatus
CLAIM = Machine(
    "claim_status",
    {
        C.FILED: frozenset({C.APPROVED, C.REJECTED}),
        C.APPROVED: frozenset({C.PAID}),
        C.REJECTED: frozenset(),
        C.PAID: frozenset(),
    },
)

D = DocumentRequestStatus
DOCUMENT_REQUEST = Machine(
    "document_request_status",
    {D.OPEN: frozenset({D.FULFILLED}), D.FULFILLED: frozenset()},
)


def put_in_service(version: Any, previous: Any | None, actor: Any | None, note: str) -> None:
    """Put a trained version (ranking model or scorecard) in service in place of `previous`,
    recording who and why; the old one retires first, as one version may be current."""
    if previous is not None:
        MODEL.move(previous, ModelStatus.RETIRED)
        db.session.flush()
    MODEL.move(version, ModelStatus.CURRENT)
    version.promoted_at = utcnow()
    version.promoted_by_id = actor.id if actor is not None else None
    version.promotion_note = note
    db.session.flush()


MACHINES: dict[str, Machine] = {
    "application": APPLICATION,
    "request": REQUEST,
    "offer": OFFER,
    "product": PRODUCT,
    "institution": INSTITUTION,
    "model": MODEL,
    "import": IMPORT,
    "claim": CLAIM,
    "document_request": DOCUMENT_REQUEST,
}
"""Every machine, by the record it belongs to (a test checks each covers its whole enum)."""
