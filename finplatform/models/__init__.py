"""Every model, importable from one place (Alembic and the app load them all from here)."""

from finplatform.models.accounts import (
    ApiToken,
    AuditEvent,
    IdempotencyRecord,
    LoginSession,
    Notification,
    Role,
    User,
)
from finplatform.models.base import Base, utcnow
from finplatform.models.brokering import ContactChannel, ContactLog, Referral, ReferralKind
from finplatform.models.credit import (
    CreditBatchChannel,
    CreditConsent,
    CreditRecord,
    CreditRecordBatch,
    CreditRecordKind,
    CreditView,
)
from finplatform.models.deals import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Disbursement,
    FinancingRequest,
    Match,
    MatchSource,
    Offer,
    OfferStatus,
    RequestEvent,
    RequestStatus,
)
from finplatform.models.documents import (
    Document,
    DocumentKind,
    DocumentRequest,
    DocumentRequestStatus,
)
from finplatform.models.history import FirmAttributes, InstitutionStanding, MembershipPeriod
from finplatform.models.organisations import (
    CommunityMembership,
    Enterprise,
    Institution,
    InstitutionStatus,
    MembershipRequest,
)
from finplatform.models.products import Product, ProductStatus
from finplatform.models.ranking import ModelStatus, ModelVersion
from finplatform.models.reference import District, Industry, InstitutionKind, ProductKind
from finplatform.models.reporting import (
    ImportBatch,
    MonthlyFirm,
    MonthlyRollup,
    MonthlySnapshot,
    RollupFirm,
    RollupState,
    Target,
)
from finplatform.models.storage import StoredBlob, StoredBlobChunk
from finplatform.models.working_calendar import CalendarDay, CalendarYear

__all__ = [
    "ApiToken",
    "LoginSession",
    "IdempotencyRecord",
    "ImportBatch",
    "Notification",
    "Offer",
    "OfferStatus",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "AuditEvent",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CommunityMembership",
    "MembershipRequest",
    "ContactChannel",
    "ContactLog",
    "CreditBatchChannel",
    "CreditConsent",
    "CreditView",
    "CreditRecord",
    "CreditRecordBatch",
    "CreditRecordKind",
    "Disbursement",
    "Document",
    "DocumentKind",
    "DocumentRequest",
    "DocumentRequestStatus",
    "District",
    "Enterprise",
    "FirmAttributes",
    "InstitutionStanding",
    "MembershipPeriod",
    "FinancingRequest",
    "Industry",
    "Institution",
    "InstitutionKind",
    "InstitutionStatus",
    "Match",
    "MatchSource",
    "ModelStatus",
    "ModelVersion",
    "MonthlyFirm",
    "MonthlyRollup",
    "MonthlySnapshot",
    "Product",
    "ProductKind",
    "ProductStatus",
    "Referral",
    "ReferralKind",
    "RequestEvent",
    "RequestStatus",
    "Role",
    "RollupFirm",
    "StoredBlob",
    "StoredBlobChunk",
    "RollupState",
    "Target",
    "User",
    "utcnow",
]
