"""Desk tokens: shown once at creation, stored only as a SHA-256 hash.

The tokens are 256 random bits, so a plain (unsalted, fast) hash is enough: there is
nothing to brute-force that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk.relay.storage.events import NOTIFY_CHANNEL
from kiosk.relay.storage.models import DeskToken

PREFIX = "fkr_"
# The NOTIFY payload that tells every relay worker a token stopped working, so the
# long-polls it holds re-check their tokens at once (kiosk.relay.notify).
REVOKED = "revoked"


class TokenError(ValueError):
    """A token command that cannot be done, e.g. an unknown name."""


@dataclass(frozen=True)
class TokenInfo:
    name: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(engine: Engine, name: str, replace: bool = False) -> str:
    """A new token for desk `name`; returned once, never stored.

    A revoked name may be issued again; an active one only with `replace`.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("a desk name needs 1 to 100 characters")
    token = PREFIX + secrets.token_urlsafe(32)
    with Session(engine) as s, s.begin():
        row = s.scalar(select(DeskToken).where(DeskToken.name == name))
        if row is not None and row.revoked_at is None and not replace:
            raise TokenError(f"desk {name!r} already has a token; revoke it first")
        if row is None:
            row = DeskToken(name=name)
            s.add(row)
        elif row.revoked_at is None:
            _announce_revocation(s)  # the replaced token stops working now
        row.token_hash, row.created_at, row.revoked_at = hash_token(token), _now(), None
    return token


def revoke_token(engine: Engine, name: str) -> None:
    with Session(engine) as s, s.begin():
        row = s.scalar(select(DeskToken).where(DeskToken.name == name))
        if row is None:
            raise TokenError(f"no desk token named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = _now()
            _announce_revocation(s)


def _announce_revocation(s: Session) -> None:
    """On PostgreSQL, a NOTIFY delivered at commit wakes every worker's held long-polls,
    which then find the token revoked and answer 401. SQLite has no way to reach other
    processes: their polls re-check the token every poll_fallback (1 s) instead."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(func.pg_notify(NOTIFY_CHANNEL, REVOKED)))


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with Session(engine) as s:
        rows = s.scalars(select(DeskToken).order_by(DeskToken.name))
        return [TokenInfo(r.name, r.created_at, r.revoked_at) for r in rows]


def clean_token(raw: str) -> str | None:
    """A token as pasted: padding whitespace stripped; None if whitespace is left inside
    (never part of a token: a mangled copy, or two tokens run together)."""
    token = raw.strip()
    return None if any(ch.isspace() for ch in token) else token


def desk_for_token(engine: Engine, token: str) -> str | None:
    """The desk name for a valid, unrevoked token, else None."""
    stmt = select(DeskToken.name).where(
        DeskToken.token_hash == hash_token(token), DeskToken.revoked_at.is_(None)
    )
    with engine.connect() as conn:
        return conn.scalar(stmt)


def _now() -> datetime:
    return datetime.now(UTC)
