"""Search: names in any order, prefixes, case and accents, numbers, emails; sorting and pages.

Every test runs on SQLite (FTS5) and on PostgreSQL (the plain fallback) when reachable.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from kiosk.ledger.demo_data import load_demo_data
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Payment, Student
from kiosk.ledger.search import SORT_KEYS, STATUS_ORDER, count_invoices, search_invoices
from kiosk.ledger.search_index import fold, fts_query

TODAY = date(2026, 11, 26)


def _student(s, number: str, name: str, email: str) -> Student:
    st = Student(number=number, name=name, email=email)
    s.add(st)
    s.flush()
    return st


def _invoice(
    s, st: Student, number: str, amounts: list[int], due: date, currency: str = "INR"
) -> Invoice:
    inv = Invoice(
        number=number,
        student_id=st.id,
        currency=currency,
        issue_date=due - timedelta(30),
        due_date=due,
    )
    inv.components = [
        FeeComponent(name=f"Fee {i}", amount=a, priority=i, position=i)
        for i, a in enumerate(amounts)
    ]
    s.add(inv)
    s.flush()
    return inv


def _pay(s, inv: Invoice, amount: int, pi: str) -> None:
    p = Payment(invoice_id=inv.id, stripe_payment_intent=pi, amount=amount, currency=inv.currency)
    s.add(p)
    s.flush()
    s.add(Allocation(payment_id=p.id, component_id=inv.components[0].id, amount=amount))


@pytest.fixture
def people(any_ledger):
    with any_ledger.begin() as s:
        jose = _student(s, "S0000101", "José García", "jose.garcia@uni.example.edu")
        test = _student(s, "S0000001", "Test Student", "teststudent@example.com")
        zoe = _student(s, "S0000102", "Zoë O'Brien-Müller", "zoe@uni.example.edu")
        asha = _student(s, "S0000103", "ASHA verma", "asha.v@uni.example.edu")
        paid = _invoice(s, jose, "INV-2026-0001", [300_000], TODAY + timedelta(10))
        _pay(s, paid, 300_000, "pi_1")
        _invoice(s, test, "INV-DEMO-0002", [5_000_000, 1_100_000], TODAY + timedelta(30))
        part = _invoice(s, zoe, "INV-2026-0003", [900_000, 100_000], TODAY + timedelta(5))
        _pay(s, part, 400_000, "pi_2")
        _invoice(s, asha, "INV-2026-0004", [2_000_000], TODAY - timedelta(3))
        _invoice(s, jose, "INV-2026-0005", [1_000], TODAY + timedelta(60), currency="USD")
    return any_ledger


def _numbers(ledger, text: str, **kw) -> list[str]:
    with ledger.begin() as s:
        return [r.number for r in search_invoices(s, text, today=TODAY, **kw)]


FINDS = [
    ("Jose", ["INV-2026-0001", "INV-2026-0005"]),
    ("josé", ["INV-2026-0001", "INV-2026-0005"]),
    ("GARCIA jose", ["INV-2026-0001", "INV-2026-0005"]),
    ("gar", ["INV-2026-0001", "INV-2026-0005"]),
    ("test stud", ["INV-DEMO-0002"]),
    ("stud test", ["INV-DEMO-0002"]),
    ("zoe muller", ["INV-2026-0003"]),
    ("o'brien", ["INV-2026-0003"]),
    ("asha VERMA", ["INV-2026-0004"]),
    ("S0000001", ["INV-DEMO-0002"]),
    ("s0000103", ["INV-2026-0004"]),
    ("0000001", ["INV-DEMO-0002"]),
    ("teststudent@example.com", ["INV-DEMO-0002"]),
    ("asha.v", ["INV-2026-0004"]),
    ("INV-DEMO-0002", ["INV-DEMO-0002"]),
    ("inv-2026-000", ["INV-2026-0001", "INV-2026-0003", "INV-2026-0004", "INV-2026-0005"]),
    ("jose nobody", []),
    ("", ["INV-2026-0001", "INV-2026-0003", "INV-2026-0004", "INV-2026-0005", "INV-DEMO-0002"]),
]
ODD_INPUT = [
    '"',
    '""',
    "'",
    "*",
    "-",
    "AND",
    "OR NOT",
    "NEAR(test stud)",
    "student_name:test",
    "^test",
    "te*st",
    "(",
    ")",
    "{a b}",
    "test + stud",
    "%",
    "_",
    "\\",
    "a\x00b",
    "😀",
    "@",
    "@@example",
    "x" * 500,
    " ".join(["w"] * 100),
]


def test_finds_by_name_number_email(people):
    # One ledger for all cases (a PostgreSQL database per case would be slow).
    found = {text: _numbers(people, text) for text, _ in FINDS}
    assert found == dict(FINDS)


def test_query_syntax_is_never_interpreted(people):
    with people.begin() as s:
        for text in ODD_INPUT:
            rows = search_invoices(s, text, today=TODAY)
            assert len(rows) == count_invoices(s, text, today=TODAY), text


def test_like_wildcards_are_literal(people):
    assert _numbers(people, "%") == []
    assert _numbers(people, "_") == []


def test_fts_query_quotes_every_word():
    assert fts_query('Jo"sé  gar') == '"jo""se"* "gar"*'
    assert fts_query("a@b.com") == '"a"*'
    assert fts_query("*") == ""
    assert fold("  ZOË  Müller ") == "zoe muller"


def test_status_filter(people):
    expected = {
        "open": ["INV-2026-0005", "INV-DEMO-0002"],
        "paid": ["INV-2026-0001"],
        "partially_paid": ["INV-2026-0003"],
        "overdue": ["INV-2026-0004"],
        "void": [],
    }
    assert {st: _numbers(people, "", status=st) for st in expected} == expected
    with people.begin() as s:
        counts = {st: count_invoices(s, "", status=st, today=TODAY) for st in expected}
    assert counts == {st: len(numbers) for st, numbers in expected.items()}
    assert _numbers(people, "jose", status="open") == ["INV-2026-0005"]


def test_unknown_sort_key_or_status_is_refused(people):
    with people.begin() as s, pytest.raises(ValueError, match="cannot sort by"):
        search_invoices(s, "", order_by="colour")
    with people.begin() as s, pytest.raises(ValueError, match="unknown status"):
        search_invoices(s, "", status="lost")
    with people.begin() as s, pytest.raises(ValueError, match="negative"):
        search_invoices(s, "", offset=-1)
    assert _numbers(people, "", limit=0) == []
    assert _numbers(people, "", offset=4) == ["INV-DEMO-0002"]


def _python_key(key: str):
    def rank(r):
        return {
            "number": r.number,
            "student": r.student_name,
            "student_number": r.student_number,
            "issue_date": r.issue_date,
            "due_date": r.due_date,
            "total": r.total,
            "paid": r.paid,
            "balance": r.balance,
            "status": STATUS_ORDER.index(r.status),
        }[key]

    return rank


def test_sorting_matches_the_figures(people):
    with people.begin() as s:
        for key in SORT_KEYS:
            for descending in (False, True):
                rows = search_invoices(s, "", order_by=key, descending=descending, today=TODAY)
                rank = _python_key(key)
                expected = sorted(
                    sorted(rows, key=lambda r: r.number), key=rank, reverse=descending
                )
                assert [rank(r) for r in rows] == [rank(r) for r in expected], (key, descending)
                assert len(rows) == 5


def test_minus_prefix_sorts_descending(people):
    assert _numbers(people, "", order_by="-total") == _numbers(
        people, "", order_by="total", descending=True
    )


def test_pages_cover_every_row_once(any_ledger):
    load_demo_data(any_ledger, students=40, today=TODAY)
    with any_ledger.begin() as s:
        total = count_invoices(s, "", today=TODAY)
        for key in ("student", "balance", "status"):
            pages = [
                search_invoices(s, "", limit=7, offset=o, order_by=key, today=TODAY)
                for o in range(0, total + 7, 7)
            ]
            numbers = [r.number for page in pages for r in page]
            assert len(numbers) == total == len(set(numbers)) == 41
            whole = search_invoices(s, "", limit=None, order_by=key, today=TODAY)
            assert numbers == [r.number for r in whole]


def test_index_follows_renames_and_deletes(people):
    with people.begin() as s:
        st = s.scalar(select(Student).where(Student.number == "S0000103"))
        st.name = "Asha Raghunathan"
    assert _numbers(people, "raghu") == ["INV-2026-0004"]
    assert _numbers(people, "verma") == []
    with people.begin() as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == "INV-2026-0004"))
        s.execute(delete(FeeComponent).where(FeeComponent.invoice_id == inv.id))
        s.delete(inv)
    assert _numbers(people, "raghu") == []


def test_invoice_number_change_is_searchable(people):
    with people.begin() as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == "INV-2026-0004"))
        inv.number = "INV-2027-7777"
    assert _numbers(people, "2027-7777") == ["INV-2027-7777"]
    assert _numbers(people, "INV-2026-0004") == []


def test_search_text_column_is_kept_by_the_orm(people):
    with people.begin() as s:
        text = s.scalar(select(Student.search_text).where(Student.number == "S0000102"))
    assert text == "zoe o'brien-muller s0000102 zoe@uni.example.edu"


def test_bulk_indexing_indexes_like_the_trigger(ledger):
    from sqlalchemy import text

    from kiosk.ledger.search_index import bulk_indexing

    with ledger.begin() as s:
        st = _student(s, "S0000200", "Ånne-Marie d'Souza", "anne.dsouza@uni.example.edu")
        _invoice(s, st, "INV-T-1", [100], TODAY)
    with ledger.begin() as s, bulk_indexing(s):
        st = s.scalar(select(Student).where(Student.number == "S0000200"))
        _invoice(s, st, "INV-T-2", [100], TODAY)
    with ledger.begin() as s:
        rows = s.execute(
            text(
                "SELECT invoice_number, student_number, student_name, "
                "student_email FROM invoice_fts ORDER BY rowid"
            )
        ).all()
        triggers = s.scalars(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'invoice_fts%'"
            )
        ).all()
    assert [tuple(r)[1:] for r in rows] == [
        ("S0000200 0000200", "Ånne-Marie d'Souza", "anne.dsouza")
    ] * 2
    assert sorted(triggers) == [
        "invoice_fts_ad",
        "invoice_fts_ai",
        "invoice_fts_au",
        "invoice_fts_su",
    ]
    assert _numbers(ledger, "anne souza") == ["INV-T-1", "INV-T-2"]


def test_void_invoices_have_their_own_status(people):
    from datetime import UTC, datetime

    with people.begin() as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == "INV-2026-0004"))
        inv.voided_at = datetime.now(UTC)  # was overdue
    assert _numbers(people, "", status="void") == ["INV-2026-0004"]
    assert _numbers(people, "", status="overdue") == []
    assert _numbers(people, "", order_by="status")[-1] == "INV-2026-0004"
