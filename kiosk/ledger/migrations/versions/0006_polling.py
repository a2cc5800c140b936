"""payment_attempts.closed_at: when Stripe confirmed an attempt closed (session expired, link
deactivated), so that only money that completed after it is flagged late

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.ledger.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("closed_at", kiosk.ledger.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("closed_at")
