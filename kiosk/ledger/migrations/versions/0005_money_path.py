"""money path: an outbox for post-commit Stripe follow-ups, and held (waiting/dead) events

`payments.followed_up_at` marks a payment whose follow-ups the outbox has taken over
(existing payments count as done); `payment_followups` holds the follow-ups with their
retries; `held_events` the events waiting for their payment and the dead letters.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.ledger.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = kiosk.ledger.types.UTCDateTime
    op.add_column("payments", sa.Column("followed_up_at", when(), nullable=True))
    op.execute("UPDATE payments SET followed_up_at = received_at")
    pending = sa.text("followed_up_at IS NULL")
    op.create_index(
        "ix_payments_follow_up",
        "payments",
        ["id"],
        sqlite_where=pending,
        postgresql_where=pending,
    )
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
    op.drop_index("ix_payments_follow_up", table_name="payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("followed_up_at")
