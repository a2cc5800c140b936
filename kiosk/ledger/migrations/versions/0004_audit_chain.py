"""audit log: hash chain (backfilled in order), REPLACE and TRUNCATE refused; sign-in
throttle; usernames in their NFKC case-folded form

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.ledger import audit_guard
from kiosk.ledger.audit import HASHED_FIELDS, entry_hash
from kiosk.ledger.password_policy import normalise_username
from kiosk.ledger.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", UTCDateTime()),
    *(sa.column(name, sa.String) for name in HASHED_FIELDS if name != "at"),
    sa.column("chain_hash", sa.String),
)


def _drop_update_guard(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_update")
    else:
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")


def _backfill() -> None:
    conn = op.get_bind()
    previous = ""
    rows = conn.execute(sa.select(_AUDIT).order_by(_AUDIT.c.id)).mappings().all()
    for row in rows:
        previous = entry_hash(previous, dict(row))
        conn.execute(
            sa.update(_AUDIT).where(_AUDIT.c.id == row["id"]).values(chain_hash=previous)
        )


def _normalise_usernames() -> None:
    """Accounts made before NFKC (a full-width name) get the form sign-in now looks up;
    one whose normal form another account already has is left as it is."""
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.username)).all()
    taken = {name for _id, name in rows}
    for user_id, name in rows:
        normal = normalise_username(str(name))
        if normal != name and normal and normal not in taken:
            conn.execute(sa.update(users).where(users.c.id == user_id).values(username=normal))
            taken.add(normal)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "sign_in_throttle",
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.add_column(
        "audit_log",
        sa.Column("chain_hash", sa.String(length=64), nullable=False, server_default=""),
    )
    _drop_update_guard(sqlite)
    _backfill()
    _normalise_usernames()
    conn = op.get_bind()
    audit_guard.install(conn, list(audit_guard.expected(conn)))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in audit_guard.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("chain_hash")
    if sqlite:  # 0002's triggers, as they were
        conn = op.get_bind()
        audit_guard.install(conn, ["audit_log_no_update", "audit_log_no_delete"])
    op.drop_table("sign_in_throttle")
