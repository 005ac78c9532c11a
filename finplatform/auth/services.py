"""Account operations: register, authenticate, change passwords, create staff accounts."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.auth import throttle
from finplatform.credit_code import InvalidCreditCode, validate_credit_code
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.i18n import credit_code_message
from finplatform.models import (
    District,
    Enterprise,
    Industry,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    Role,
    User,
    utcnow,
)

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; store them lower-case and stripped."""
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    """Refuse short passwords and ones without both letters and digits."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "password"
        )
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise DomainError(_l("The password needs both letters and digits."), "password")


def _check_email_free(email: str) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise DomainError(_l("An account with this email already exists."), "email")


def _check_reference(model, code: str, field: str):
    found = db.session.get(model, code)
    if found is None:
        raise DomainError(_l("Please choose a value from the list."), field)
    return found


def create_user(
    *,
    role: Role,
    email: str,
    name: str,
    password: str,
    phone: str | None = None,
    enterprise: Enterprise | None = None,
    institution: Institution | None = None,
    actor: User | None = None,
) -> User:
    """Create an account of any role after checking the email and the password's strength."""
    email = normalise_email(email)
    _check_email_free(email)
    check_password_strength(password)
    user = User(
        role=role,
        email=email,
        name=name.strip(),
        phone=(phone or "").strip() or None,
        enterprise=enterprise,
        institution=institution,
    )
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    db.session.flush()
    record_audit("user.created", user, actor=actor, detail={"role": str(role)})
    return user


def register_enterprise(
    *,
    credit_code: str,
    company_name: str,
    district_code: str,
    industry_code: str,
    contact_name: str,
    phone: str,
    email: str,
    password: str,
) -> User:
    """Self-registration of a tech SME and its first user, keyed on the credit code."""
    try:
        code = validate_credit_code(credit_code)
    except InvalidCreditCode as exc:
        raise DomainError(credit_code_message(exc), "credit_code") from exc
    if db.session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code)):
        raise DomainError(
            _l("This credit code is already registered. Ask your company's account holder."),
            "credit_code",
        )
    _check_reference(District, district_code, "district")
    industry = _check_reference(Industry, industry_code, "industry")
    if industry.level != "division":
        raise DomainError(_l("Please choose an industry division, not a section."), "industry")
    enterprise = Enterprise(
        credit_code=code,
        name=company_name.strip(),
        district_code=district_code,
        industry_code=industry_code,
        contact_name=contact_name.strip(),
        contact_phone=phone.strip(),
    )
    db.session.add(enterprise)
    user = create_user(
        role=Role.ENTERPRISE,
        email=email,
        name=contact_name,
        password=password,
        phone=phone,
        enterprise=enterprise,
    )
    record_audit("enterprise.registered", enterprise, actor=user)
    return user


def register_institution(
    *,
    name: str,
    kind_code: str,
    district_code: str,
    credit_code: str | None,
    contact_name: str,
    phone: str,
    email: str,
    password: str,
) -> User:
    """An institution registers with its first staff user; it waits for the commission."""
    code = None
    if credit_code and credit_code.strip():
        try:
            code = validate_credit_code(credit_code)
        except InvalidCreditCode as exc:
            raise DomainError(credit_code_message(exc), "credit_code") from exc
        if db.session.scalar(sa.select(Institution.id).where(Institution.credit_code == code)):
            raise DomainError(_l("This credit code is already registered."), "credit_code")
    name = name.strip()
    if db.session.scalar(sa.select(Institution.id).where(Institution.name == name)):
        raise DomainError(_l("An institution with this name is already registered."), "name")
    _check_reference(InstitutionKind, kind_code, "kind")
    _check_reference(District, district_code, "district")
    institution = Institution(
        name=name,
        kind_code=kind_code,
        district_code=district_code,
        credit_code=code,
        status=InstitutionStatus.PENDING,
    )
    db.session.add(institution)
    user = create_user(
        role=Role.INSTITUTION,
        email=email,
        name=contact_name,
        password=password,
        phone=phone,
        institution=institution,
    )
    record_audit("institution.registered", institution, actor=user)
    return user


class LoginRefused(DomainError):
    """Sign-in refused; `throttled` means the address must wait (answered with 429)."""

    def __init__(self, message, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


WRONG_CREDENTIALS = _l("The email or password is not correct.")
ACCOUNT_LOCKED = _l(
    "This account is locked after repeated failed sign-ins. Ask the platform administrator "
    "to unlock it."
)


def authenticate(email: str, password: str, address: str) -> User:
    """The active user with this email and password, or LoginRefused saying why.

    Failures are counted per account and per address; an account that fails
    LOGIN_MAX_FAILURES times within the window is locked until an admin unlocks it.
    """
    email = normalise_email(email)
    if throttle.address_blocked(address):
        record_audit("login.throttled", None, actor=None, detail={"email": email[:254]})
        raise LoginRefused(
            _l("Too many failed sign-ins from your network. Please wait 15 minutes."),
            throttled=True,
        )
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None and user.locked_at is not None:
        record_audit("login.refused_locked", user, actor=None)
        raise LoginRefused(ACCOUNT_LOCKED)
    if user is None or not user.check_password(password):
        failures = throttle.record_failure(email, address)
        record_audit("login.failed", user, actor=None, detail={"email": email[:254]})
        if user is not None and failures >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_at = utcnow()
            record_audit("user.locked", user, actor=None, detail={"failures": failures})
            raise LoginRefused(ACCOUNT_LOCKED)
        raise LoginRefused(WRONG_CREDENTIALS)
    if not user.active:
        record_audit("login.refused_inactive", user, actor=user)
        raise LoginRefused(WRONG_CREDENTIALS)
    throttle.clear_failures(email)
    user.last_login_at = utcnow()
    record_audit("login.succeeded", user, actor=user)
    return user


def unlock_user(user: User, actor: User) -> None:
    """An admin lifts a sign-in lock-out."""
    if user.locked_at is None:
        return
    user.locked_at = None
    throttle.clear_failures(user.email)
    record_audit("user.unlocked", user, actor=actor)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one."""
    if not user.check_password(current_password):
        raise DomainError(_l("The current password is not correct."), "current_password")
    if current_password == new_password:
        raise DomainError(_l("The new password must differ from the current one."), "new_password")
    try:
        check_password_strength(new_password)
    except DomainError as exc:
        raise DomainError(exc.message, "new_password") from exc
    user.set_password(new_password, current_app.config["PASSWORD_HASH_METHOD"])
    record_audit("user.password_changed", user, actor=user)


def set_institution_status(
    institution: Institution, status: InstitutionStatus, actor: User
) -> None:
    """Approve or suspend an institution (commission only); approving records who and when."""
    if institution.status == status:
        return
    previous = institution.status
    institution.status = status
    if status == InstitutionStatus.APPROVED:
        institution.approved_at = utcnow()
        institution.approved_by_id = actor.id
    record_audit(
        f"institution.{status.value}",
        institution,
        actor=actor,
        detail={"from": str(previous), "to": str(status)},
    )
