"""CSV import: what a good file creates and updates, reimports, cancels and conflicts.
Bad files (each refused with its line and column, the ledger unchanged) are in
test_importer_bad_files.py."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.ledger.csv_format import CsvImportError
from kiosk.ledger.database import Ledger
from kiosk.ledger.demo_data import load_demo_data
from kiosk.ledger.importer import ImportCancelled, import_csv
from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Payment, Student
from kiosk.ledger.search import search_invoices
from tests.ledger.helpers import GOOD, HEADER, dump, row

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example-invoices.csv"


def test_import_creates_students_invoices_and_components(ledger, write_csv):
    summary = import_csv(ledger, write_csv(*GOOD))
    assert (summary.rows, summary.invoices, summary.invoices_created) == (3, 2, 2)
    assert summary.students_created == 2
    with ledger.begin() as s:
        one = invoice_detail(s, "INV-1")
        two = invoice_detail(s, "INV-2")
    assert [(c.name, c.amount, c.priority) for c in one.components] == [
        ("Tuition", 5_000_000, 1),
        ("Hostel", 1_100_000, 2),
    ]
    assert one.row.total == 6_100_000 and one.row.student_name == "Asha Verma"
    assert two.row.total == 16_100_000 and two.row.student_name == "José García"


def test_example_file_imports_and_is_searchable(ledger):
    summary = import_csv(ledger, EXAMPLE)
    assert summary.invoices == 5 and summary.rows == 12
    with ledger.begin() as s:
        hits = search_invoices(s, "jose")
        usd = invoice_detail(s, "INV-2026-0004")
    assert [h.number for h in hits] == ["INV-2026-0003"]
    assert usd.row.currency == "USD" and usd.row.total == 147_500


def test_reimport_changes_nothing(ledger, write_csv):
    path = write_csv(*GOOD)
    import_csv(ledger, path)
    before = dump(ledger)
    summary = import_csv(ledger, path)
    assert not summary.changed
    assert summary.invoices_created == summary.invoices_updated == 0
    assert dump(ledger) == before


def test_columns_may_come_in_any_order(ledger, write_csv):
    names = HEADER.split(",")
    values = row().split(",")
    order = list(reversed(range(len(names))))
    path = write_csv(
        ",".join(values[i] for i in order), header=",".join(names[i].upper() for i in order)
    )
    assert import_csv(ledger, path).invoices_created == 1


def _pay(ledger, number: str, amount: int) -> None:
    with ledger.begin() as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == number))
        payment = Payment(
            invoice_id=inv.id,
            stripe_payment_intent=f"pi_test_{number}",
            amount=amount,
            currency=inv.currency,
        )
        s.add(payment)
        s.flush()
        s.add(Allocation(payment_id=payment.id, component_id=inv.components[0].id, amount=amount))


def test_components_of_a_paid_invoice_cannot_change(ledger, write_csv):
    import_csv(ledger, write_csv(*GOOD))
    _pay(ledger, "INV-1", 1_000_000)
    before = dump(ledger)
    changed = write_csv(GOOD[0], row(component="Hostel", amount="12000", priority="2"), GOOD[2])
    with pytest.raises(CsvImportError) as err:
        import_csv(ledger, changed)
    message = str(err.value)
    assert "line 3, column 10 (component): invoice INV-1 already has payments" in message
    assert "Hostel: ₹11,000.00 in the ledger, ₹12,000.00 in the file" in message
    assert dump(ledger) == before


def test_paid_invoice_can_still_be_reimported_unchanged(ledger, write_csv):
    path = write_csv(*GOOD)
    import_csv(ledger, path)
    _pay(ledger, "INV-1", 1_000_000)
    assert not import_csv(ledger, path).changed


def test_unpaid_invoice_is_updated_in_place(ledger, write_csv):
    import_csv(ledger, write_csv(*GOOD))
    summary = import_csv(
        ledger,
        write_csv(
            row(component="Hostel", amount="12000", priority="2", due="2026-08-31"),
            row(component="Exam fee", amount="2000", priority="3", due="2026-08-31"),
            GOOD[2],
        ),
    )
    assert (summary.invoices_created, summary.invoices_updated) == (0, 1)
    with ledger.begin() as s:
        detail = invoice_detail(s, "INV-1")
        names = s.scalars(
            select(FeeComponent.name).join(Invoice).where(Invoice.number == "INV-1")
        ).all()
    assert [(c.name, c.amount) for c in detail.components] == [
        ("Hostel", 1_200_000),
        ("Exam fee", 200_000),
    ]
    assert sorted(names) == ["Exam fee", "Hostel"]
    assert detail.row.due_date.isoformat() == "2026-08-31"


def test_invoice_of_another_student_in_the_ledger_is_refused(ledger, write_csv):
    import_csv(ledger, write_csv(*GOOD))
    before = dump(ledger)
    with pytest.raises(CsvImportError) as err:
        import_csv(ledger, write_csv(row(invoice="INV-2")))
    assert str(err.value).startswith(
        "line 2, column 1 (student_number): invoice INV-2 belongs to student S1002 in the ledger"
    )
    assert dump(ledger) == before


def test_student_details_update_and_search_follows(ledger, write_csv):
    import_csv(ledger, write_csv(*GOOD))
    summary = import_csv(
        ledger, write_csv(*[line.replace("Asha Verma", "Asha Verma-Rao") for line in GOOD])
    )
    assert (summary.students_updated, summary.invoices_updated) == (1, 0)
    with ledger.begin() as s:
        assert [r.number for r in search_invoices(s, "verma-rao")] == ["INV-1"]
        assert s.scalar(select(Student.name).where(Student.number == "S1001")) == "Asha Verma-Rao"


def _many(n: int) -> list[str]:
    return [
        row(
            f"S{5000 + i // 2}",
            f"Student Number{5000 + i // 2}",
            f"INV-M-{i // 2}",
            "Tuition" if i % 2 == 0 else "Hostel",
            "1000",
            email="",
        )
        for i in range(n)
    ]


def test_progress_counts_up_to_the_total(ledger, write_csv):
    seen: list[tuple[int, int]] = []
    import_csv(ledger, write_csv(*_many(1000)), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (2000, 2000)
    assert all(t == 2000 for _, t in seen)
    assert [d for d, _ in seen] == sorted({d for d, _ in seen})
    assert len(seen) > 10


def test_large_file_is_indexed_for_search(ledger, write_csv):
    summary = import_csv(ledger, write_csv(*_many(1200)))
    assert summary.invoices_created == 600
    with ledger.begin() as s:
        assert [r.number for r in search_invoices(s, "number5599")] == ["INV-M-599"]
        assert len(search_invoices(s, "INV-M", limit=None)) == 600


@pytest.mark.parametrize("when", [0, 900, 2000])
def test_cancel_writes_nothing(ledger, write_csv, when):
    load_demo_data(ledger, students=5)
    before = dump(ledger)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= when:
            cancel.set()

    if when == 0:
        cancel.set()
    with pytest.raises(ImportCancelled):
        import_csv(ledger, write_csv(*_many(1000)), progress=progress, cancel=cancel)
    assert dump(ledger) == before


def test_cancel_from_another_thread(ledger, write_csv):
    path = write_csv(*_many(2000))
    cancel = threading.Event()
    started = threading.Event()
    outcome: list[BaseException | object] = []

    def progress(done: int, total: int) -> None:
        started.set()
        assert cancel.wait(10) or done < total

    def worker() -> None:
        try:
            outcome.append(import_csv(ledger, path, progress=progress, cancel=cancel))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(10)
    cancel.set()
    thread.join(30)
    assert isinstance(outcome[0], ImportCancelled)
    with ledger.begin() as s:
        assert s.scalar(select(Invoice.id).limit(1)) is None


def test_import_and_reimport_on_sqlite_and_postgresql(any_ledger, write_csv):
    path = write_csv(*GOOD, *_many(500))
    first = import_csv(any_ledger, path)
    assert (first.invoices_created, first.students_created) == (252, 252)
    again = import_csv(any_ledger, path)
    assert not again.changed and again.invoices_unchanged == 252
    with any_ledger.begin() as s:
        assert [r.number for r in search_invoices(s, "jose garc")] == ["INV-2"]
        assert search_invoices(s, "INV-1")[0].total == 6_100_000
        assert s.scalar(select(Student.search_text).where(Student.number == "S1002")) == (
            "jose garcia s1002 jose@example.edu"
        )


def test_components_below_the_minimum_are_fine_when_the_invoice_total_is_not(ledger, write_csv):
    summary = import_csv(
        ledger,
        write_csv(row(amount="0.30"), row(component="Library", amount="0.20", priority="2")),
    )
    assert summary.invoices_created == 1
    summary = import_csv(
        ledger, write_csv(row("S5", "Kenji", "INV-5", currency="KWD", amount="5.120"))
    )
    assert summary.invoices_created == 1


def test_invoice_with_a_payment_in_progress_or_void_is_not_changed(ledger, write_csv):
    from datetime import UTC, datetime

    from kiosk.ledger.models import PaymentAttempt

    import_csv(ledger, write_csv(*GOOD))
    with ledger.begin() as s:
        one = s.scalar(select(Invoice).where(Invoice.number == "INV-1"))
        s.add(
            PaymentAttempt(
                public_id="pa_test1",
                invoice_id=one.id,
                channel="checkout",
                amount=100_000,
                currency="INR",
                status="open",
            )
        )
        two = s.scalar(select(Invoice).where(Invoice.number == "INV-2"))
        two.voided_at = datetime.now(UTC)
    before = dump(ledger)
    with pytest.raises(CsvImportError) as err:
        import_csv(
            ledger, write_csv(row(amount="60000"), GOOD[1], GOOD[2].replace("1,61,000", "1,62,000"))
        )
    messages = [str(e) for e in err.value.errors]
    assert messages == [
        "line 2, column 6 (invoice_number): invoice INV-1 has a payment in progress; finish "
        "or cancel it before changing the invoice",
        "line 4, column 6 (invoice_number): invoice INV-2 is void; it can't change",
    ]
    assert dump(ledger) == before


def test_another_desk_writing_the_same_invoice_meanwhile_is_a_conflict(pg_url, write_csv):
    """PostgreSQL: desk B commits INV-1 after desk A compared the file with the ledger."""
    from sqlalchemy import event

    from kiosk.ledger.importer import ImportConflict

    desk_a, desk_b = Ledger.open(pg_url), Ledger.open(pg_url)
    fired: list[str] = []

    def desk_b_commits_first(conn, cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO invoices") and not fired:
            fired.append(statement)
            with desk_b.begin() as s:
                other = Student(number="S7777", name="Other Desk")
                s.add(other)
                s.flush()
                s.add(
                    Invoice(
                        number="INV-1",
                        student_id=other.id,
                        currency="INR",
                        issue_date=date(2026, 7, 1),
                        due_date=date(2026, 7, 31),
                    )
                )

    event.listen(desk_a.engine, "before_cursor_execute", desk_b_commits_first)
    try:
        with pytest.raises(ImportConflict, match="run it again"):
            import_csv(desk_a, write_csv(*GOOD))
        assert fired
        with desk_a.begin() as s:
            assert s.scalars(select(Student.number).order_by(Student.number)).all() == ["S7777"]
        event.remove(desk_a.engine, "before_cursor_execute", desk_b_commits_first)
        with pytest.raises(CsvImportError, match="belongs to student S7777"):
            import_csv(desk_a, write_csv(*GOOD))
    finally:
        desk_a.close()
        desk_b.close()
