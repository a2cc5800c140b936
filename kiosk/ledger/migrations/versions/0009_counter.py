"""The counter: counter sessions (a float, a counted close, a supervisor's sign-off on any
variance), the instruments behind cash, cheque, demand-draft and bank-transfer payments,
and which session each payment and drawer refund belongs to. A closed session is
immutable: the database refuses to change or delete it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.ledger.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = kiosk.ledger.types.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "counter_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("desk", sa.String(80), nullable=False, index=True),
        sa.Column("open_desk", sa.String(80), unique=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("float_amount", sa.BigInteger, nullable=False),
        sa.Column("opened_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("closed_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("closed_at", UTC),
        sa.Column("count_detail", sa.Text, nullable=False, server_default=""),
        sa.Column("counted", sa.BigInteger),
        sa.Column("expected_cash", sa.BigInteger),
        sa.Column("variance", sa.BigInteger),
        sa.Column("approved_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("variance_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("figures", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("float_amount >= 0", name="counter_float_not_negative"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="counter_status_known"),
    )
    op.create_table(
        "payment_instruments",
        sa.Column("payment_id", sa.Integer, sa.ForeignKey("payments.id"), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("number", sa.String(40), nullable=False, server_default=""),
        sa.Column("bank", sa.String(120), nullable=False, server_default=""),
        sa.Column("instrument_date", sa.Date),
        sa.Column("reference", sa.String(40), unique=True),
        sa.Column("paid_on", sa.Date),
        sa.Column("tendered", sa.BigInteger),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("settled_at", UTC),
        sa.Column("settled_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("bounce_reason", sa.Text, nullable=False, server_default=""),
        sa.Index("ix_instruments_status", "status"),
        sa.Index("ix_instruments_number", "kind", "bank", "number"),
    )
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("counter_session_id", sa.Integer))
        batch.create_index("ix_payments_counter_session_id", ["counter_session_id"])
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("counter_session_id", sa.Integer))
        batch.add_column(sa.Column("paid_by", sa.String(10), nullable=False, server_default=""))
        batch.create_index("ix_refunds_counter_session_id", ["counter_session_id"])
    _closed_is_final()


def _closed_is_final() -> None:
    message = "a closed counter session cannot be changed"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER counter_closed_no_update BEFORE UPDATE ON counter_sessions "
            f"WHEN OLD.status = 'closed' BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
        op.execute(
            "CREATE TRIGGER counter_no_delete BEFORE DELETE ON counter_sessions "
            "BEGIN SELECT RAISE(ABORT, 'counter sessions are never deleted'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION counter_closed_is_final() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'counter sessions are never deleted'; END IF; "
        f"IF OLD.status = 'closed' THEN RAISE EXCEPTION '{message}'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER counter_closed_is_final BEFORE UPDATE OR DELETE ON counter_sessions "
        "FOR EACH ROW EXECUTE FUNCTION counter_closed_is_final()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER counter_closed_no_update")
        op.execute("DROP TRIGGER counter_no_delete")
    else:
        op.execute("DROP TRIGGER counter_closed_is_final ON counter_sessions")
        op.execute("DROP FUNCTION counter_closed_is_final()")
    with op.batch_alter_table("refunds") as batch:
        batch.drop_index("ix_refunds_counter_session_id")
        batch.drop_column("paid_by")
        batch.drop_column("counter_session_id")
    with op.batch_alter_table("payments") as batch:
        batch.drop_index("ix_payments_counter_session_id")
        batch.drop_column("counter_session_id")
    op.drop_table("payment_instruments")
    op.drop_table("counter_sessions")
