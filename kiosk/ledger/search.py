"""Finding invoices by student name, student number, email or invoice number.

Words match in any order, as prefixes, ignoring case and accents ("jose gar" finds
"José García"); student numbers also match by their digits, emails by the part before "@".
On SQLite the FTS5 index (kiosk.ledger.search_index) answers. Other databases use a plain
fallback: each word must occur in `students.search_text` or in the invoice number.

Results are pages of `InvoiceRow`s for a table that fetches lazily:

    rows = search_invoices(s, "test stud", offset=0, limit=50, order_by="balance",
                           descending=True)
    total = count_invoices(s, "test stud")
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    and_,
    case,
    column,
    false,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from kiosk.ledger.invoices import paid_expr, summary_select, to_row, total_expr
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Student
from kiosk.ledger.search_index import FTS_TABLE, fold, fts_query, words
from kiosk.ledger.sort_keys import SORT_KEYS
from kiosk.ledger.status import InvoiceStatus
from kiosk.ledger.views import InvoiceRow

# Sorting by status puts what needs attention first.
STATUS_ORDER = ("overdue", "partially_paid", "open", "paid", "void")

_fts = table(FTS_TABLE, column("rowid"))
_fts_match: ColumnClause[Any] = column(FTS_TABLE)


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fallback_match(text: str) -> ColumnElement[bool]:
    clauses = []
    for w in words(text):
        pattern = _like_pattern(w)
        clauses.append(
            or_(
                Student.search_text.like(pattern, escape="\\"),
                func.lower(Invoice.number).like(pattern, escape="\\"),
            )
        )
    return and_(*clauses)


def _text_filter(session: Session, text: str) -> ColumnElement[bool] | None:
    """None for a blank query (everything matches); nothing matches punctuation alone."""
    if not fold(text):
        return None
    if not words(text):
        return false()
    if session.get_bind().dialect.name == "sqlite":
        query = fts_query(text)
        if not query:
            return false()
        ids = select(_fts.c.rowid).where(_fts_match.match(query))
        return Invoice.id.in_(ids)
    return _fallback_match(text)


def _figures() -> Any:
    """One correlated row per invoice: t = total, p = paid. Computing both in one subquery
    lets a sort key use them several times without re-running the sums for each use."""
    allocated = (
        select(func.sum(Allocation.amount))
        .where(Allocation.component_id == FeeComponent.id)
        .scalar_subquery()
    )
    return (
        select(
            func.coalesce(func.sum(FeeComponent.amount), 0).label("t"),
            func.coalesce(func.sum(allocated), 0).label("p"),
        )
        .where(FeeComponent.invoice_id == Invoice.id)
        .correlate(Invoice)
        .subquery("figures")
    )


def _balance_expr(dialect: str) -> ColumnElement[int]:
    """max(total - paid, 0), running each sum once: SQLite's scalar max(), else GREATEST."""
    owed = total_expr() - paid_expr()
    return func.max(owed, 0) if dialect == "sqlite" else func.greatest(owed, 0)


def _status_rank(today: date) -> ColumnElement[int]:
    """STATUS_ORDER's index of the invoice's status (see kiosk.ledger.invoices.status_expr)."""
    fig = _figures()
    rank = case(
        (and_(fig.c.t > 0, fig.c.p >= fig.c.t), STATUS_ORDER.index("paid")),
        (Invoice.due_date < today, STATUS_ORDER.index("overdue")),
        (fig.c.p > 0, STATUS_ORDER.index("partially_paid")),
        else_=STATUS_ORDER.index("open"),
    )
    return case(
        (Invoice.voided_at.is_not(None), STATUS_ORDER.index("void")),
        else_=select(rank).select_from(fig).scalar_subquery(),
    )


def _status_filter(status: str, today: date) -> list[ColumnElement[bool]]:
    """Invoices whose status is `status`: the cheap conditions that status implies first
    (void, due date), so the sums run only for invoices that can still match."""
    if status == InvoiceStatus.VOID:
        return [Invoice.voided_at.is_not(None)]
    conditions: list[ColumnElement[bool]] = [Invoice.voided_at.is_(None)]
    if status == InvoiceStatus.OVERDUE:
        conditions.append(Invoice.due_date < today)
    elif status in (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID):
        conditions.append(Invoice.due_date >= today)
    return [*conditions, _status_rank(today) == STATUS_ORDER.index(status)]


def sort_expr(key: str, today: date, dialect: str = "sqlite") -> ColumnElement[Any]:
    """The SQL expression a sort key orders by; ValueError for an unknown key."""
    plain = {
        "number": Invoice.number,
        "student": Student.name,
        "student_number": Student.number,
        "issue_date": Invoice.issue_date,
        "due_date": Invoice.due_date,
    }
    if key in plain:
        return plain[key].expression
    if key == "total":
        return total_expr()
    if key == "paid":
        return paid_expr()
    if key == "balance":
        return _balance_expr(dialect)
    if key == "status":
        return _status_rank(today)
    raise ValueError(f"cannot sort by {key!r}; sort keys are: {', '.join(SORT_KEYS)}")


def _check_status(status: str | None) -> None:
    if status is not None and status not in {s.value for s in InvoiceStatus}:
        known = ", ".join(s.value for s in InvoiceStatus)
        raise ValueError(f"unknown status {status!r}; statuses are: {known}")


def _filtered_ids(session: Session, text: str, status: str | None, today: date) -> Select[int]:
    _check_status(status)
    query = select(Invoice.id).join(Student, Student.id == Invoice.student_id)
    match = _text_filter(session, text)
    if match is not None:
        query = query.where(match)
    if status is not None:
        query = query.where(*_status_filter(status, today))
    return query


def _split_order(order_by: str, descending: bool) -> tuple[str, bool]:
    if order_by.startswith("-"):
        return order_by[1:], not descending
    return order_by, descending


def search_invoices(
    session: Session,
    text: str = "",
    *,
    status: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
    order_by: str = "number",
    descending: bool = False,
    today: date | None = None,
) -> list[InvoiceRow]:
    """One page of invoices matching `text` (all invoices when it is blank).

    `order_by` is one of SORT_KEYS, optionally prefixed with "-" for descending; ties
    break on the invoice number, so pages never overlap or skip.
    """
    today = today or date.today()
    ids_query = ids_select(session, text, status, limit, offset, order_by, descending, today)
    ids = list(session.scalars(ids_query))
    return _rows_in_order(session, ids, today)


def ids_select(
    session: Session,
    text: str,
    status: str | None,
    limit: int | None,
    offset: int,
    order_by: str,
    descending: bool,
    today: date,
) -> Select[int]:
    """The ids of one page of `search_invoices`, in order (kiosk.ledger.first_page caches
    its SQL for the desk's first page)."""
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("limit and offset can't be negative")
    key, desc = _split_order(order_by, descending)
    primary = sort_expr(key, today, session.get_bind().dialect.name)
    order = [primary.desc() if desc else primary.asc()]
    if key != "number":
        order.append(Invoice.number.asc())
    ids_query = _filtered_ids(session, text, status, today).order_by(*order)
    if limit is not None:
        ids_query = ids_query.limit(limit)
    if offset:
        ids_query = ids_query.offset(offset)
    return ids_query


def _rows_in_order(session: Session, ids: list[int], today: date) -> list[InvoiceRow]:
    if not ids:
        return []
    found = {
        r[0]: to_row(r) for r in session.execute(summary_select(today).where(Invoice.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def count_invoices(
    session: Session, text: str = "", *, status: str | None = None, today: date | None = None
) -> int:
    """How many invoices `search_invoices` would page through with the same filters."""
    return int(session.scalar(count_select(session, text, status, today or date.today())) or 0)


def count_select(session: Session, text: str, status: str | None, today: date) -> Select[int]:
    ids = _filtered_ids(session, text, status, today).subquery()
    return select(func.count()).select_from(ids)
