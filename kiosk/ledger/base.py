"""The declarative base every ledger table derives from, and the money column type."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import DeclarativeBase

Amount = BigInteger  # integer minor units; the currency is the invoice's


class Base(DeclarativeBase):
    pass
