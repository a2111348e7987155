"""Account use cases: sign up and in, profile, passwords and reset links, roles, export, deletion.

Every function that reads or writes takes the session first, explicitly (as progress/ does);
they add and flush, and the request edge or CLI command that calls them commits once.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from eduhub.accounts import mail
from eduhub.accounts.models import Role, User, new_session_token
from eduhub.accounts.permissions import ROLES_NEEDING_ORGANIZATION
from eduhub.catalog.models import Organization
from eduhub.catalog.vocabulary import LANGUAGE_NAMES
from eduhub.orm import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9_.-]{3,40}$")
# Deliberately loose (no email_validator): something@something.tld, no spaces. The reset email
# is the real check.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
EMAIL_MAX_LENGTH = 254
DISPLAY_NAME_MAX_LENGTH = 100
PASSWORD_MIN_LENGTH = 10
# scrypt's cost does not grow with length, but nobody needs a 1 MB password.
PASSWORD_MAX_LENGTH = 1024
LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)

HASH_METHOD = "scrypt"
#: werkzeug's current scrypt parameters; a stored hash with others is upgraded at sign-in.
CURRENT_HASH_PREFIX = "scrypt:32768:8:1"

RESET_LINK_SALT = "eduhub.accounts.password-reset"
RESET_TOKEN_MAX_AGE = 3600  # seconds
RESET_SUBJECT = "Reset your EduHub password"


class AccountError(Exception):
    """A use case refused; the message is fit to show to the person concerned."""


class InvalidAccountData(AccountError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DuplicateAccount(InvalidAccountData):
    """The username or email is already used by another account (compared case-insensitively)."""


class AccountTakenMeanwhile(DuplicateAccount):
    """Another sign-up took the username or email between our check and our INSERT; the
    transaction must be rolled back (the request answers 409, a CLI command fails)."""


class InvalidCredentials(AccountError):
    """Unknown login, wrong password or inactive account: deliberately indistinguishable."""

    def __init__(self) -> None:
        super().__init__("Wrong username or password.")


class WrongPassword(AccountError):
    def __init__(self) -> None:
        super().__init__("That is not your current password.")


class ConfirmationMismatch(AccountError):
    def __init__(self) -> None:
        super().__init__("Type your username exactly as shown to confirm.")


class InvalidResetToken(AccountError):
    def __init__(self, expired: bool) -> None:
        super().__init__(
            "This link has expired: links are valid for one hour."
            if expired
            else "This link is not valid or has already been used."
        )
        self.expired = expired


class UnknownUser(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"No user named {username!r}.")


class UnknownOrganization(AccountError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"No organization with the slug {slug!r}.")


class RoleNeedsOrganization(AccountError):
    def __init__(self, role: Role) -> None:
        super().__init__(f"The {role.value} role needs an organization (--org SLUG).")


# --------------------------------------------------------------------------- validation


def normalise_username(value: str) -> str:
    return value.strip().lower()


def normalise_email(value: str) -> str:
    # Lower-casing the local part is technically lossy, but no real provider distinguishes
    # Ada@ from ada@, and it makes "one account per address" hold.
    return value.strip().lower()


def _valid_username(value: str) -> str:
    username = normalise_username(value)
    if not USERNAME_PATTERN.match(username):
        raise InvalidAccountData(
            "username",
            "Use 3 to 40 characters: lowercase letters, digits, and _ . or -.",
        )
    return username


def _valid_email(value: str) -> str:
    email = normalise_email(value)
    if len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.match(email):
        raise InvalidAccountData("email", "Enter an email address like name@example.org.")
    return email


def _valid_display_name(value: str) -> str:
    name = " ".join(value.split())
    if not name or len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidAccountData(
            "display_name", f"Enter a name of 1 to {DISPLAY_NAME_MAX_LENGTH} characters."
        )
    return name


def _valid_language(value: str) -> str:
    if value not in LANGUAGES:
        raise InvalidAccountData("preferred_language", "Choose a language from the list.")
    return value


def check_new_password(password: str) -> None:
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise InvalidAccountData(
            "password", f"Use at least {PASSWORD_MIN_LENGTH} characters for your password."
        )


# --------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _set_password(user: User, password: str) -> None:
    """Store a new hash and rotate the session token: every other session and remember-me
    cookie of this account stops working."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()


# --------------------------------------------------------------------------- sign up, sign in


def find_by_login(session: Session, login: str) -> User | None:
    """The account whose username or email is ``login``, ignoring case."""
    value = login.strip().lower()
    if not value:
        return None
    return session.scalar(select(User).where(or_(User.username == value, User.email == value)))


def create_user(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str | None = None,
    preferred_language: str = "en",
    role: Role = Role.LEARNER,
    organization: Organization | None = None,
) -> User:
    """Create an account. Usernames and emails are stored lower-case, so uniqueness (enforced
    by the database too) is case-insensitive."""
    username = _valid_username(username)
    email = _valid_email(email)
    name = _valid_display_name(display_name if display_name is not None else username)
    language = _valid_language(preferred_language)
    check_new_password(password)
    if role in ROLES_NEEDING_ORGANIZATION and organization is None:
        raise RoleNeedsOrganization(role)
    _refuse_duplicates(session, username, email)

    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        display_name=name,
        preferred_language=language,
        role=role.value,
        organization=organization,
        session_token=new_session_token(),
        active=True,
        show_name_publicly=False,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        # Lost a race with a simultaneous sign-up. The failed flush has spoiled the
        # transaction; whoever called us answers with an error, and the edge rolls back.
        raise AccountTakenMeanwhile("username", "That username or email was just taken.") from exc
    return user


def _refuse_duplicates(session: Session, username: str, email: str) -> None:
    taken = session.execute(
        select(User.username, User.email).where(or_(User.username == username, User.email == email))
    ).all()
    for found_username, found_email in taken:
        if found_username == username:
            raise DuplicateAccount("username", "That username is taken. Try another one.")
        if found_email == email:
            raise DuplicateAccount(
                "email",
                "An account already uses this email address. Sign in, or reset its password.",
            )


def sign_up(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str,
    preferred_language: str,
) -> User:
    """A learner account made through the sign-up form; signing up also signs in."""
    user = create_user(
        session,
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        preferred_language=preferred_language,
    )
    user.last_login_at = utcnow()
    session.flush()
    return user


def sign_in(session: Session, login: str, password: str) -> User:
    """Check credentials and record the sign-in. Unknown login, wrong password and inactive
    account all raise the same InvalidCredentials, after the same amount of hashing work."""
    user = find_by_login(session, login)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        raise InvalidCredentials
    if not verify_password(user, password) or not user.active:
        raise InvalidCredentials
    if not user.password_hash.startswith(CURRENT_HASH_PREFIX + "$"):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


# --------------------------------------------------------------------------- profile, password


def update_profile(
    session: Session,
    user: User,
    *,
    display_name: str,
    preferred_language: str,
    show_name_publicly: bool,
) -> User:
    # Check everything before setting anything: a refused change must leave nothing to commit.
    name, language = _valid_display_name(display_name), _valid_language(preferred_language)
    user.display_name, user.preferred_language = name, language
    user.show_name_publicly = show_name_publicly
    session.flush()
    return user


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str
) -> User:
    """Replace the password after checking the current one; signs out every other session."""
    if not verify_password(user, current_password):
        raise WrongPassword
    _set_password(user, new_password)
    session.flush()
    return user


# --------------------------------------------------------------------------- password reset


def _reset_serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_LINK_SALT)


def _password_fingerprint(user: User) -> str:
    # The token carries a digest of the current hash (never the hash itself): once the password
    # changes, every token issued before stops matching, which makes each one single-use.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def make_reset_token(user: User | None, secret_key: str | bytes) -> str:
    """A signed, dated token for ``user``; for None, one that opens no account (same cost)."""
    if user is None:
        return _reset_serializer(secret_key).dumps({"u": 0, "p": "0" * 32})
    return _reset_serializer(secret_key).dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_reset_token(
    session: Session, token: str, secret_key: str | bytes, max_age: int = RESET_TOKEN_MAX_AGE
) -> User:
    """The active user a reset token was made for, if it is genuine, fresh and unused."""
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidResetToken(expired=True) from exc
    except BadSignature as exc:
        raise InvalidResetToken(expired=False) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidResetToken(expired=False)
    user = session.get(User, data["u"])
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(str(data.get("p", "")), _password_fingerprint(user))
    ):
        raise InvalidResetToken(expired=False)
    return user


def request_password_reset(
    session: Session, email: str, *, secret_key: str | bytes, link_for: Callable[[str], str]
) -> None:
    """Queue a reset link for the active account with this address, if there is one.

    Whether or not there is, the same work is done — one SELECT, a token, a message and one
    outbox row (void for an unknown address, and never sent) — so neither the answer nor the
    time it takes reveals who has an account. The mail leaves after the commit, off the request.
    """
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    known = user is not None and user.active
    token = make_reset_token(user if known else None, secret_key)
    body = _reset_body(
        user.display_name if user and known else "",
        user.username if user and known else "",
        link_for(token),
    )
    mail.queue(
        session,
        user.email if user and known else "",
        RESET_SUBJECT,
        body,
        send=known,
    )


def _reset_body(display_name: str, username: str, link: str) -> str:
    return (
        f"Hello {display_name},\n\n"
        "Someone (we hope you) asked to reset the password of your EduHub account "
        f"'{username}'. To choose a new password, open this link within one hour:\n\n"
        f"{link}\n\n"
        "The link works once. If you did not ask for this, ignore this message: your password "
        "stays as it is.\n\n— EduHub\n"
    )


def reset_password(
    session: Session, token: str, new_password: str, *, secret_key: str | bytes
) -> User:
    """Set a new password through a reset token; signs the account out everywhere."""
    user = user_for_reset_token(session, token, secret_key)
    _set_password(user, new_password)
    session.flush()
    return user


# --------------------------------------------------------------------------- administration


def find_organization(session: Session, slug: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise UnknownOrganization(slug)
    return org


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise UnknownUser(username)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def assign_role(
    session: Session, user: User, role: Role, organization: Organization | None = None
) -> User:
    """Give ``user`` a role; ``organization`` replaces theirs when given. Contributors and
    reviewers must end up with an organization."""
    if organization is not None:
        user.organization = organization
    if role in ROLES_NEEDING_ORGANIZATION and user.organization is None:
        raise RoleNeedsOrganization(role)
    user.role = role.value
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    """Deactivating also rotates the session token, so the account is signed out at once."""
    user.active = active
    if not active:
        user.session_token = new_session_token()
    session.flush()
    return user


# --------------------------------------------------------------------------- export, deletion

Exporter = Callable[[Session, User], Any]
Deleter = Callable[[Session, User, bool], None]

#: Sections of a data export besides "account", by name, in registration order.
EXPORTERS: dict[str, Exporter] = {}
#: Called before an account is deleted, with ``anonymise``; keyed by qualified name so that
#: registering the same function twice (a module imported again) is harmless.
DELETERS: dict[str, Deleter] = {}

_RESERVED_SECTIONS = frozenset({"format", "exported_at", "account"})


def register_exporter(name: str, fn: Exporter) -> None:
    """Add a section to every user's data export; ``fn(session, user)`` returns
    JSON-serialisable data."""
    if name in _RESERVED_SECTIONS:
        raise ValueError(f"{name!r} is a reserved export section")
    if EXPORTERS.get(name, fn) is not fn:
        raise ValueError(f"an exporter named {name!r} is already registered")
    EXPORTERS[name] = fn


def register_deleter(fn: Deleter) -> None:
    """Run ``fn(session, user, anonymise)`` when an account is deleted, before its row goes.

    With ``anonymise`` false, delete the user's rows. With it true, keep them but unlink them
    from the person (user id set to NULL, nothing that identifies them left behind)."""
    DELETERS[f"{fn.__module__}.{fn.__qualname__}"] = fn


def profile_data(user: User) -> dict[str, Any]:
    """Everything the account row says about a person, minus its secrets."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "show_name_publicly": user.show_name_publicly,
        "role": user.role,
        "organization": user.organization.slug if user.organization else None,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def export_user_data(session: Session, user: User) -> dict[str, Any]:
    """All of a user's data: the account, then one section per registered exporter."""
    data: dict[str, Any] = {
        "format": "eduhub-user-export/1",
        "exported_at": utcnow().isoformat(),
        "account": profile_data(user),
    }
    for name, fn in EXPORTERS.items():
        data[name] = fn(session, user)
    return data


def delete_account(
    session: Session, user: User, *, password: str, confirm_username: str, anonymise: bool
) -> None:
    """Delete an account after checking the typed username and password. Registered deleters
    first remove or anonymise what other packages hold about the user, then the row goes."""
    if normalise_username(confirm_username) != user.username:
        raise ConfirmationMismatch
    if not verify_password(user, password):
        raise WrongPassword
    for fn in DELETERS.values():
        fn(session, user, anonymise)
    session.delete(user)
    session.flush()
