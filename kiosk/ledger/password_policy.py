"""Staff usernames and passwords: one normal form for names, a floor for passwords.

Usernames are NFKC-normalised, trimmed and case-folded, so `ＡＤＭＩＮ@example.com` (full
width) and `Admin@Example.com` are the same account as `admin@example.com`. Passwords
need 10 or more characters, not only spaces, not the username, and not one of the common
passwords in common_passwords.txt.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

MIN_PASSWORD = 10
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


def normalise_username(username: str) -> str:
    """The one form a username is stored and looked up in."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold()).strip()


def check_username(username: str) -> str:
    """The normalised username, or ValueError saying what is wrong with it."""
    name = normalise_username(username)
    if not name:
        raise ValueError("a username can't be empty")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or c.isspace() for c in name):
        raise ValueError(f"a username can't contain spaces or control characters: {name!r}")
    if len(name) > 120:
        raise ValueError("a username can have at most 120 characters")
    return name


@functools.cache
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str) -> None:
    """ValueError naming the rule the password breaks; nothing if it is acceptable."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if not password.strip():
        raise ValueError("a password can't be only spaces")
    folded = normalise_username(password)
    name = normalise_username(username)
    if folded in {name, name.split("@", 1)[0]}:
        raise ValueError("a password can't be the username")
    if folded in _common():
        raise ValueError("that password is on the list of common passwords; choose another")
