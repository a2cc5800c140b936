"""money path: an outbox for post-commit Stripe follow-ups, and held (waiting/dead) events

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.ledger.types

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = kiosk.ledger.types.UTCDateTime
    op.create_table(
        "payment_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.String(length=120), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("armed_at", when(), nullable=False),
        sa.Column("next_attempt_at", when(), nullable=False),
        sa.Column("done_at", when(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "target"),
    )
    op.create_index("ix_followups_due", "payment_followups", ["done_at", "next_attempt_at"])
    op.create_table(
        "held_events",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("waits_for", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_held_events_kind", "held_events", ["kind"])
    op.create_index("ix_held_events_waits_for", "held_events", ["waits_for"])


def downgrade() -> None:
    op.drop_index("ix_held_events_waits_for", table_name="held_events")
    op.drop_index("ix_held_events_kind", table_name="held_events")
    op.drop_table("held_events")
    op.drop_index("ix_followups_due", table_name="payment_followups")
    op.drop_table("payment_followups")
