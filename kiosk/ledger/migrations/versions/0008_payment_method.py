"""How a payment was made: payments.method (card | upi) and payments.upi_vpa (masked, e.g.
pay•••@okaxis; the full VPA is never stored), and payment_attempts.methods (what the
session or link offered, "card,upi"; empty: Stripe's dynamic payment methods)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(
            sa.Column("method", sa.String(10), nullable=False, server_default="card")
        )
        batch.add_column(sa.Column("upi_vpa", sa.String(80), nullable=False, server_default=""))
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("methods", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("methods")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("upi_vpa")
        batch.drop_column("method")
