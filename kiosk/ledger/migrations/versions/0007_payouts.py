"""Stripe payouts and the balance transactions each one paid out

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.ledger.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stripe_payouts",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("arrival_date", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("failure_code", sa.String(60), nullable=False),
        sa.Column("lines_complete", sa.Boolean(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "payout_lines",
        sa.Column("balance_transaction", sa.String(100), primary_key=True),
        sa.Column("payout_id", sa.String(100), sa.ForeignKey("stripe_payouts.id"), nullable=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("payment_intent", sa.String(100), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("fee_tax", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_payout_lines_payout_id", "payout_lines", ["payout_id"])
    op.create_index("ix_payout_lines_source", "payout_lines", ["source"])
    op.create_index("ix_payout_lines_payment_intent", "payout_lines", ["payment_intent"])


def downgrade() -> None:
    op.drop_table("payout_lines")
    op.drop_table("stripe_payouts")
