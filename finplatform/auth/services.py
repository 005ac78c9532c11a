"""Account operations: register, authenticate, change passwords, create staff accounts."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.auth import passwords, throttle
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import (
    Enterprise,
    Institution,
    InstitutionStatus,
    Role,
    User,
    utcnow,
)
from finplatform.phone_numbers import checked_phone
from finplatform.states import INSTITUTION

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; store them lower-case and stripped."""
    return email.strip().lower()


def check_password_strength(password: str, field: str = "password") -> None:
    """Refuse short passwords and ones without both letters and digits, on the form's `field`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field
        )
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise DomainError(_l("The password needs both letters and digits."), field)


def _check_email_free(email: str) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise DomainError(_l("An account with this email already exists."), "email")


def check_reference(model, code: str, field: str):
    found = db.session.get(model, code)
    if found is None:
        raise DomainError(_l("Please choose a value from the list."), field)
    return found


def create_user(
    *,
    role: Role,
    email: str,
    name: str,
    password: str | None = None,
    phone: str | None = None,
    enterprise: Enterprise | None = None,
    institution: Institution | None = None,
    actor: User | None = None,
    chosen_by_person: bool = False,
    password_hash: str | None = None,
) -> User:
    """Create an account of any role after checking the email and the password's strength
    (and, for a password a person chose rather than the seeds, that it is hard to guess).
    A confirmed registration brings the `password_hash` of the password checked when it was
    filed instead."""
    email = normalise_email(email)
    phone = checked_phone(phone, "phone")
    _check_email_free(email)
    if password_hash is None:
        check_password_strength(password)
        if chosen_by_person:
            passwords.refuse_guessable(password, [email, name])
    user = User(
        role=role,
        email=email,
        name=name.strip(),
        phone=phone,
        enterprise=enterprise,
        institution=institution,
    )
    if password_hash is None:
        user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    else:
        user.password_hash = password_hash
    db.session.add(user)
    db.session.flush()
    record_audit("user.created", user, actor=actor, detail={"role": str(role)})
    return user


class LoginRefused(DomainError):
    """Sign-in refused; `throttled` means the address must wait (answered with 429)."""

    def __init__(self, message, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


# The one answer to every refused sign-in (unknown e-mail, wrong password, locked or
# deactivated account), so that it tells nobody whether an account exists.
WRONG_CREDENTIALS = _l(
    "The email or password is not correct, or the account is temporarily locked after "
    "repeated failed sign-ins."
)
ADDRESS_THROTTLED = _l("Too many failed sign-ins from your network. Please wait 15 minutes.")
LOCK_MINUTES = 15
# Lock-outs in a row double the wait up to 2**6 × 15 minutes (16 hours).
MAX_DOUBLINGS = 6


def _dummy_hash() -> str:
    """A hash of the configured method checked for unknown e-mails, so that they cost the same
    work as a known one."""
    extensions = current_app.extensions
    if "finplatform_dummy_hash" not in extensions:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        extensions["finplatform_dummy_hash"] = generate_password_hash(
            secrets.token_urlsafe(16), method=method
        )
    return extensions["finplatform_dummy_hash"]


def password_matches(user: User | None, password: str) -> bool:
    """Exactly one password-hash check, against the user's hash or a dummy one."""
    stored = user.password_hash if user is not None else _dummy_hash()
    return check_password_hash(stored, password) and user is not None


def is_locked(user: User) -> bool:
    """Whether a lock-out holds now (it ends by itself at `locked_until`)."""
    return user.locked_until is not None and user.locked_until > clock.now()


def _lock(user: User, failures: int) -> None:
    user.lockouts = (user.lockouts or 0) + 1
    minutes = LOCK_MINUTES * 2 ** min(user.lockouts - 1, MAX_DOUBLINGS)
    user.locked_at = utcnow()
    user.locked_until = user.locked_at + timedelta(minutes=minutes)
    throttle.clear_failures(user.email)
    record_audit("user.locked", user, actor=None, detail={"failures": failures, "minutes": minutes})


def authenticate(
    email: str, password: str, address: str, known_device_of: int | None = None
) -> User:
    """The active user with this email and password, or LoginRefused.

    Failures are counted per account and per address. An account that fails
    LOGIN_MAX_FAILURES times within the window is locked for 15 minutes, doubling with each
    lock-out in a row; neither the lock nor the address limit stops a correct sign-in from a
    device where this account signed in before (`known_device_of`: the user id its signed
    device cookie names), so a stranger's guesses cannot lock the owner out.
    """
    email = normalise_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    known_device = user is not None and known_device_of == user.id
    if not known_device and throttle.address_blocked(address):
        record_audit("login.throttled", None, actor=None, detail={"email": email[:254]})
        raise LoginRefused(ADDRESS_THROTTLED, throttled=True)
    if not password_matches(user, password):
        record_audit("login.failed", user, actor=None, detail={"email": email[:254]})
        db.session.flush()
        failures = throttle.record_failure(email, address, user)
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        if user is not None and not is_locked(user) and failures >= limit:
            _lock(user, failures)
        raise LoginRefused(WRONG_CREDENTIALS)
    if is_locked(user) and not known_device:
        record_audit("login.refused_locked", user, actor=None)
        raise LoginRefused(WRONG_CREDENTIALS)
    if not user.active:
        record_audit("login.refused_inactive", user, actor=user)
        raise LoginRefused(WRONG_CREDENTIALS)
    throttle.clear_failures(email)
    if not is_locked(user):
        user.lockouts = 0
    user.last_login_at = utcnow()
    record_audit("login.succeeded", user, actor=user)
    return user


def unlock_user(user: User, actor: User) -> None:
    """An admin lifts a sign-in lock-out (or a reset of the password does)."""
    if user.locked_at is None and user.locked_until is None:
        return
    user.locked_at = None
    user.locked_until = None
    user.lockouts = 0
    throttle.clear_failures(user.email)
    record_audit("user.unlocked", user, actor=actor)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one."""
    if not user.check_password(current_password):
        raise DomainError(_l("The current password is not correct."), "current_password")
    if current_password == new_password:
        raise DomainError(_l("The new password must differ from the current one."), "new_password")
    check_password_strength(new_password, "new_password")
    passwords.refuse_guessable(new_password, [user.email, user.name], "new_password")
    user.set_password(new_password, current_app.config["PASSWORD_HASH_METHOD"])
    record_audit("user.password_changed", user, actor=user)


def set_institution_status(
    institution: Institution, status: InstitutionStatus, actor: User
) -> None:
    """Approve or suspend an institution (commission only); approving records who and when."""
    if institution.status == status:
        return
    previous = INSTITUTION.move(institution, status)
    if status == InstitutionStatus.APPROVED:
        institution.approved_at = utcnow()
        institution.approved_by_id = actor.id
    record_audit(
        f"institution.{status.value}",
        institution,
        actor=actor,
        detail={"from": str(previous), "to": str(status)},
    )
