"""Self-service registration, confirmed by e-mail.

Filing the form creates nothing usable: it checks what the form alone can tell (the credit
code's check character, the lists, the password's strength), then mails the address and
answers the same page whatever the database holds, so the form never reveals whether an e-mail
or a credit code is registered:
- a new address with a free credit code is kept as a PendingRegistration and sent a signed link
  that expires after REGISTRATION_MAX_AGE seconds; following it creates the firm or institution
  and its first user. Registering the same unconfirmed address again replaces the pending one
  and sends a new link (the old one stops working);
- an address that already has an account is told that someone tried to register with it, with
  links to sign in and to reset the password;
- a credit code already registered: the registrant is told so, and whom to contact.
Each case does the same work (one password hash, one message). Filing is limited per network
address, like the password reset.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from finplatform import clock, mail
from finplatform.audit import record_audit
from finplatform.auth import passwords, services
from finplatform.credit_code import InvalidCreditCode, validate_credit_code
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.i18n import credit_code_message
from finplatform.models import (
    AuditEvent,
    District,
    Enterprise,
    Industry,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    PendingRegistration,
    Role,
    User,
    utcnow,
)
from finplatform.phone_numbers import checked_phone

ENTERPRISE = "enterprise"
INSTITUTION = "institution"
REQUESTED = "registration.requested"
WINDOW = timedelta(hours=1)
PER_ADDRESS = 10


class TooManyRequests(Exception):
    """This network address filed too many registrations within the hour (429)."""


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="finplatform.registration")


def _max_age() -> int:
    return current_app.config["REGISTRATION_MAX_AGE"]


def _valid_code(credit_code: str | None) -> str | None:
    if not credit_code or not credit_code.strip():
        return None
    try:
        return validate_credit_code(credit_code)
    except InvalidCreditCode as exc:
        raise DomainError(credit_code_message(exc), "credit_code") from exc


def enterprise_details(
    *, credit_code, company_name, district_code, industry_code, contact_name, phone
) -> dict:
    """A firm's registration as it will be stored, after the checks the form alone decides."""
    code = _valid_code(credit_code)
    if code is None:
        raise DomainError(_l("This field is required."), "credit_code")
    services.check_reference(District, district_code, "district")
    industry = services.check_reference(Industry, industry_code, "industry")
    if industry.level != "division":
        raise DomainError(_l("Please choose an industry division, not a section."), "industry")
    return {
        "credit_code": code,
        "company_name": company_name.strip(),
        "district_code": district_code,
        "industry_code": industry_code,
        "contact_name": contact_name.strip(),
        "phone": checked_phone(phone, "phone"),
    }


def institution_details(
    *, name, kind_code, district_code, credit_code, contact_name, phone
) -> dict:
    """An institution's registration as it will be stored. Institution names are public (every
    product shows one), so a name already taken is said on the form."""
    code = _valid_code(credit_code)
    name = name.strip()
    if db.session.scalar(sa.select(Institution.id).where(Institution.name == name)):
        raise DomainError(_l("An institution with this name is already registered."), "name")
    services.check_reference(InstitutionKind, kind_code, "kind")
    services.check_reference(District, district_code, "district")
    return {
        "name": name,
        "kind_code": kind_code,
        "district_code": district_code,
        "credit_code": code,
        "contact_name": contact_name.strip(),
        "phone": checked_phone(phone, "phone"),
    }


def _code_taken(kind: str, code: str | None) -> bool:
    if code is None:
        return False
    model = Enterprise if kind == ENTERPRISE else Institution
    return db.session.scalar(sa.select(model.id).where(model.credit_code == code)) is not None


def _send(to: str, locale, subject: str, template: str, **context) -> None:
    with force_locale(str(locale)):
        body = render_template(template, **context)
        mail.deliver(to, _(subject), body)


def file(kind: str, details: dict, email: str, password: str) -> None:
    """File a registration: mail the address (see the module's docstring); the caller answers
    the same whatever happened here."""
    address = request.remote_addr or "unknown"
    filed = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == REQUESTED,
            AuditEvent.ip == address,
            AuditEvent.at >= clock.now() - WINDOW,
        )
    )
    if filed >= PER_ADDRESS:
        raise TooManyRequests
    email = services.normalise_email(email)
    services.check_password_strength(password)
    passwords.refuse_guessable(password, [email, details["contact_name"]])
    password_hash = generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    db.session.execute(
        sa.delete(PendingRegistration).where(
            PendingRegistration.requested_at < utcnow() - timedelta(seconds=_max_age())
        )
    )
    record_audit("registration.requested", None, actor=None, detail={"kind": kind})
    existing = db.session.scalar(sa.select(User).where(User.email == email))
    if existing is not None:
        _send(
            email,
            existing.locale or get_locale(),
            "Someone tried to register with your address",
            "auth/register_exists_mail.txt",
            user=existing,
            login_link=url_for("auth.login", _external=True),
            reset_link=url_for("auth.request_reset", _external=True),
        )
        return
    if _code_taken(kind, details.get("credit_code")):
        _send(
            email,
            get_locale(),
            "This credit code is already registered",
            "auth/register_taken_mail.txt",
            kind=kind,
            details=details,
            contact=current_app.config["REGISTRATION_CONTACT"],
        )
        return
    pending = db.session.scalar(
        sa.select(PendingRegistration).where(PendingRegistration.email == email)
    )
    if pending is None:
        pending = PendingRegistration(email=email)
        db.session.add(pending)
    pending.kind = kind
    pending.details = details
    pending.password_hash = password_hash
    pending.nonce = secrets.token_hex(16)
    pending.requested_at = utcnow()
    db.session.flush()
    token = _signer().dumps({"pending": pending.id, "nonce": pending.nonce})
    _send(
        email,
        get_locale(),
        "Confirm your registration",
        "auth/register_confirm_mail.txt",
        details=details,
        kind=kind,
        link=url_for("auth.confirm_registration", token=token, _external=True),
        hours=_max_age() // 3600,
    )


def pending_for(token: str) -> PendingRegistration | None:
    """The registration a link confirms, while the link is the latest one and not expired."""
    try:
        data = _signer().loads(token, max_age=_max_age())
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pending"), int):
        return None
    pending = db.session.get(PendingRegistration, data["pending"])
    if pending is None or not secrets.compare_digest(pending.nonce, str(data.get("nonce"))):
        return None
    return pending


def spend(pending: PendingRegistration) -> None:
    """Forget a registration whose confirmation was refused: it can never go through now."""
    db.session.delete(pending)
    db.session.flush()


def confirm(pending: PendingRegistration) -> User:
    """Create the firm or institution and its first user from a confirmed registration; a
    DomainError when the address or the credit code was taken since it was filed."""
    details, kind, email = pending.details, pending.kind, pending.email
    db.session.delete(pending)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise DomainError(_l("This address already has an account. Sign in instead."))
    if _code_taken(kind, details.get("credit_code")):
        raise DomainError(
            _l("This credit code was registered in the meantime. Ask its account holder.")
        )
    if kind == ENTERPRISE:
        organisation = Enterprise(
            credit_code=details["credit_code"],
            name=details["company_name"],
            district_code=details["district_code"],
            industry_code=details["industry_code"],
            contact_name=details["contact_name"],
            contact_phone=details["phone"],
        )
        role, links = Role.ENTERPRISE, {"enterprise": organisation}
    else:
        if db.session.scalar(sa.select(Institution.id).where(Institution.name == details["name"])):
            raise DomainError(_l("An institution with this name is already registered."))
        organisation = Institution(
            name=details["name"],
            kind_code=details["kind_code"],
            district_code=details["district_code"],
            credit_code=details["credit_code"],
            status=InstitutionStatus.PENDING,
        )
        role, links = Role.INSTITUTION, {"institution": organisation}
    db.session.add(organisation)
    user = services.create_user(
        role=role,
        email=email,
        name=details["contact_name"],
        phone=details["phone"],
        password_hash=pending.password_hash,
        **links,
    )
    if kind == ENTERPRISE:
        record_audit("enterprise.registered", organisation, actor=user)
    else:
        record_audit("institution.registered", organisation, actor=user)
    return user
