"""search: SQLite FTS5 index over invoices and their students; search_text backfill

SQLite gets `invoice_fts`, one row per invoice (rowid = invoices.id) holding the invoice
number and the student's number, name and email local part, kept in sync by triggers. Every database
gets `students.search_text` filled in, for the plain fallback search used off SQLite.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Only the part of the email before "@": a shared domain ("students.example.edu") would
# make every student match "stud".
_LOCAL_PART = (
    "CASE WHEN instr(s.email, '@') > 0 THEN substr(s.email, 1, instr(s.email, '@') - 1) "
    "ELSE s.email END"
)
# The student number twice: as written ("S0000001") and without its letter prefix
# ("0000001"), so typing just the digits finds it.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NUMBER = f"s.number || ' ' || ltrim(s.number, '{_LETTERS}')"
_ROW = (
    f"SELECT i.id, i.number, {_NUMBER}, s.name, {_LOCAL_PART} "
    "FROM invoices i JOIN students s ON s.id = i.student_id"
)

SQLITE_UP = [
    "CREATE VIRTUAL TABLE invoice_fts USING fts5("
    "invoice_number, student_number, student_name, student_email, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    f"INSERT INTO invoice_fts(rowid, invoice_number, student_number, student_name, "
    f"student_email) {_ROW}",
    "CREATE TRIGGER invoice_fts_ai AFTER INSERT ON invoices BEGIN "
    "INSERT INTO invoice_fts(rowid, invoice_number, student_number, student_name, "
    f"student_email) {_ROW} WHERE i.id = NEW.id; END",
    "CREATE TRIGGER invoice_fts_ad AFTER DELETE ON invoices BEGIN "
    "DELETE FROM invoice_fts WHERE rowid = OLD.id; END",
    "CREATE TRIGGER invoice_fts_au AFTER UPDATE OF number, student_id ON invoices BEGIN "
    "DELETE FROM invoice_fts WHERE rowid = OLD.id; "
    "INSERT INTO invoice_fts(rowid, invoice_number, student_number, student_name, "
    f"student_email) {_ROW} WHERE i.id = NEW.id; END",
    "CREATE TRIGGER invoice_fts_su AFTER UPDATE OF number, name, email ON students BEGIN "
    "DELETE FROM invoice_fts WHERE rowid IN (SELECT id FROM invoices WHERE student_id = OLD.id); "
    "INSERT INTO invoice_fts(rowid, invoice_number, student_number, student_name, "
    f"student_email) {_ROW} WHERE i.student_id = NEW.id; END",
]

SQLITE_DOWN = [
    "DROP TRIGGER invoice_fts_su",
    "DROP TRIGGER invoice_fts_au",
    "DROP TRIGGER invoice_fts_ad",
    "DROP TRIGGER invoice_fts_ai",
    "DROP TABLE invoice_fts",
]


def _fold(text: str) -> str:
    """Frozen copy of kiosk.ledger.search_index.fold as of this revision."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _backfill_search_text() -> None:
    bind = op.get_bind()
    students = sa.table(
        "students",
        sa.column("id", sa.Integer),
        sa.column("number", sa.String),
        sa.column("name", sa.String),
        sa.column("email", sa.String),
        sa.column("search_text", sa.Text),
    )
    rows = bind.execute(
        sa.select(students.c.id, students.c.number, students.c.name, students.c.email)
    ).all()
    updates = [{"sid": r.id, "text": _fold(f"{r.name} {r.number} {r.email}")} for r in rows]
    if updates:
        bind.execute(
            students.update()
            .where(students.c.id == sa.bindparam("sid"))
            .values(search_text=sa.bindparam("text")),
            updates,
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    _backfill_search_text()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
