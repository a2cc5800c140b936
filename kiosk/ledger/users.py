"""Staff accounts: scrypt password hashes, sign-in, and the supervisor check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy loads on first use: the desk needs StaffUser before it
    from sqlalchemy.orm import Session

    from kiosk.ledger.models import User

from kiosk.ledger.password_policy import check_password, check_username, normalise_username

ROLES = ("cashier", "supervisor")
_N, _R, _P = 2**14, 8, 1


class AuthError(PermissionError):
    """Wrong credentials, or a role that may not do this. The message is safe to show."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _view(user: User) -> StaffUser:
    return StaffUser(user.id, user.username, user.display_name or user.username, user.role)


def _by_username(session: Session, username: str) -> User | None:
    from sqlalchemy import select

    from kiosk.ledger.models import User

    return session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(
    session: Session, username: str, password: str, role: str, display_name: str = ""
) -> StaffUser:
    """Add a staff user (or return the existing one). ValueError names a broken rule."""
    if role not in ROLES:
        raise ValueError(f"role must be cashier or supervisor, not {role!r}")
    name = check_username(username)
    check_password(password, name)
    user = _by_username(session, name)
    if user is None:
        from kiosk.ledger.models import User

        user = User(
            username=name,
            password_hash=hash_password(password),
            role=role,
            display_name=display_name,
        )
        session.add(user)
        session.flush()
    return _view(user)


def set_password(session: Session, username: str, password: str) -> StaffUser:
    """Change a staff user's password, under the same rules as a new account's."""
    user = _by_username(session, username)
    if user is None:
        raise ValueError(f"no staff user {normalise_username(username)!r}")
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    session.flush()
    return _view(user)


def authenticate(session: Session, username: str, password: str) -> StaffUser:
    """The bare password check, without throttling or audit: for tests and tools. Staff
    sign-ins and approvals go through kiosk.ledger.signin, which throttles and audits."""
    user = _by_username(session, username)
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise AuthError("wrong username or password")
    return _view(user)


def stored_credentials(session: Session, username: str) -> tuple[StaffUser, str] | None:
    """An active staff user and their password hash, or None."""
    user = _by_username(session, username)
    return (_view(user), user.password_hash) if user is not None and user.active else None


def require_supervisor(session: Session, username: str) -> StaffUser:
    """The named user must exist, be active and be a supervisor (whose password was
    checked by kiosk.ledger.signin.approve when they approved)."""
    user = _by_username(session, username)
    if user is None or not user.active:
        raise AuthError(f"no active staff user {username!r}")
    staff = _view(user)
    if not staff.is_supervisor:
        raise AuthError(f"{staff.username} is a cashier; a supervisor must approve this")
    return staff


def find_user(session: Session, username: str) -> StaffUser | None:
    user = _by_username(session, username)
    return _view(user) if user else None
