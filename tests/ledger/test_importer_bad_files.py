"""CSV import: every bad file fails with its line and column and leaves the ledger as it
was; files that only look odd (Windows line endings, Excel's BOM) import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.ledger.csv_format import CsvImportError
from kiosk.ledger.database import Ledger
from kiosk.ledger.demo_data import load_demo_data
from kiosk.ledger.importer import import_csv
from tests.ledger.helpers import GOOD, HEADER, dump, row


@pytest.fixture(scope="module")
def populated_file(tmp_path_factory) -> Path:
    """A ledger with demo data and GOOD imported, built once and copied per test."""
    folder = tmp_path_factory.mktemp("populated")
    (folder / "good.csv").write_text(HEADER + "\n" + "\n".join(GOOD) + "\n", encoding="utf-8")
    ledger = Ledger.open(f"sqlite:///{folder / 'template.db'}")
    load_demo_data(ledger, students=10)
    import_csv(ledger, folder / "good.csv")
    ledger.close()
    return folder / "template.db"


@pytest.fixture
def populated(populated_file, tmp_path):
    copy = tmp_path / "populated.db"
    shutil.copyfile(populated_file, copy)
    ledger = Ledger.open(f"sqlite:///{copy}", migrate=False)
    yield ledger
    ledger.close()


def _bad_files() -> list[tuple[str, bytes, str]]:
    ok = row()
    lines = [
        (
            "wrong column name",
            HEADER.replace("amount", "amout") + "\n" + ok,
            "line 1, column 11 (amout): unknown column",
        ),
        (
            "missing column",
            HEADER.removesuffix(",priority") + "\n" + ok.rsplit(",", 1)[0],
            "line 1, column priority: missing",
        ),
        (
            "negative amount",
            f"{HEADER}\n{ok}\n{row(component='Hostel', amount='-500')}",
            "line 3, column 11 (amount): '-500' is negative",
        ),
        (
            "malformed amount",
            f"{HEADER}\n{row(amount='12abc')}",
            "line 2, column 11 (amount): '12abc' is not an amount",
        ),
        ("zero amount", f"{HEADER}\n{row(amount='0.00')}", "line 2, column 11 (amount)"),
        (
            "too many decimals",
            f"{HEADER}\n{row(amount='100.505')}",
            "line 2, column 11 (amount): '100.505' has 3 decimals; INR allows at most 2",
        ),
        (
            "decimals in yen",
            f"{HEADER}\n{row(currency='JPY', amount='1500.5')}",
            "line 2, column 11 (amount): JPY has no minor unit",
        ),
        (
            "unknown currency",
            f"{HEADER}\n{row(currency='XYZ')}",
            "line 2, column 7 (currency): unknown currency 'XYZ'",
        ),
        (
            "bad date",
            f"{HEADER}\n{row(issue='2026-13-01')}",
            "line 2, column 8 (issue_date): '2026-13-01' is not a date",
        ),
        (
            "non-ISO date",
            f"{HEADER}\n{row(due='31/07/2026')}",
            "line 2, column 9 (due_date): '31/07/2026' is not a date",
        ),
        (
            "due before issue",
            f"{HEADER}\n{row(due='2026-06-01')}",
            "line 2, column 9 (due_date): due date 2026-06-01 is before",
        ),
        (
            "one invoice, two students",
            f"{HEADER}\n{ok}\n{row('S2002', 'Ravi Kumar', component='Hostel', email='r@x.in')}",
            "line 3, column 1 (student_number): invoice INV-1 is for student S1001 on line 2",
        ),
        (
            "currency changes within an invoice",
            f"{HEADER}\n{ok}\n{row(component='Hostel', currency='USD')}",
            "line 3, column 7 (currency): invoice INV-1 has currency INR on line 2",
        ),
        (
            "same student, two names",
            f"{HEADER}\n{ok}\n{row(name='Asha V', invoice='INV-9')}",
            "line 3, column 2 (student_name): student S1001 has name 'Asha Verma' on line 2",
        ),
        (
            "component twice",
            f"{HEADER}\n{ok}\n{row(amount='10')}",
            "line 3, column 10 (component): 'Tuition' appears twice in invoice INV-1",
        ),
        (
            "missing value",
            f"{HEADER}\n{row(name='')}",
            "line 2, column 2 (student_name): required but empty",
        ),
        (
            "short row",
            f"{HEADER}\n{ok}\n{ok.rsplit(',', 2)[0]}",
            "line 3, column 11 (amount): missing: the row has 10 fields, the header 12",
        ),
        ("extra field", f"{HEADER}\n{ok},surplus", "line 2, column 13: extra field"),
        (
            "bad priority",
            f"{HEADER}\n{row(priority='first')}",
            "line 2, column 12 (priority): 'first'",
        ),
        (
            "bad email",
            f"{HEADER}\n{row(email='asha at example')}",
            "line 2, column 3 (email): 'asha at example': not an email address",
        ),
        (
            "currency Stripe can't charge",
            f"{HEADER}\n{row(currency='XAU')}",
            "line 2, column 7 (currency): Stripe can't charge in XAU",
        ),
        (
            "three-decimal amount not in tens",
            f"{HEADER}\n{row(currency='KWD', amount='5.125')}",
            "line 2, column 11 (amount): Stripe charges KWD only in multiples of KWD0.010",
        ),
        (
            "fractional krónur",
            f"{HEADER}\n{row(currency='ISK', amount='1500.50')}",
            "line 2, column 11 (amount): Stripe charges ISK only in multiples of ISK1.00",
        ),
        (
            "invoice total below Stripe's minimum",
            f"{HEADER}\n{row(amount='0.40')}\n{row('S2', 'Ravi', 'INV-2', amount='0.50')}",
            "line 2, column 11 (amount): invoice INV-1 totals ₹0.40; Stripe can't charge less "
            "than ₹0.50",
        ),
        (
            "yen invoice below the minimum",
            f"{HEADER}\n{row(currency='JPY', amount='49')}",
            "line 2, column 11 (amount): invoice INV-1 totals ¥49",
        ),
        (
            "tab in a name",
            HEADER + "\n" + row(name="Asha\tVerma"),
            "line 2, column 2 (student_name): U+0009 (tab) is not allowed",
        ),
        (
            "leading tab in a name (stripping would hide it)",
            HEADER + "\n" + row(name="\t=1+1"),
            "line 2, column 2 (student_name): U+0009 (tab)",
        ),
        (
            "line break in a name",
            HEADER + "\n" + row(name='"Asha\nVerma"'),
            "line 2, column 2 (student_name): U+000A (line feed)",
        ),
        (
            "C1 control in a component",
            HEADER + "\n" + row(component="Tuition\x9b2J"),
            "line 2, column 10 (component): U+009B",
        ),
        (
            "escape sequence in the programme",
            HEADER + "\n" + row(programme="MBA\x1b[31m"),
            "line 2, column 5 (programme): U+001B",
        ),
        (
            "bidi override in a name",
            HEADER + "\n" + row(name="Asha\u202eamreV"),
            "line 2, column 2 (student_name): U+202E (right-to-left override)",
        ),
        (
            "escape sequence in a header name",
            HEADER.replace("priority", "priority\x1b[2J") + "\n" + row(),
            "line 1, column 12 ('priority\\x1b[2j'): unknown column",
        ),
        ("header only", HEADER + "\n", "line 2: no invoice rows after the header"),
        (
            "valid rows then one bad row",
            "\n".join(
                [
                    HEADER,
                    *[
                        row(f"S{n}", f"Student {n}", f"INV-{n}", email="")
                        for n in range(3000, 3040)
                    ],
                    row("S9", "Last One", "INV-LAST", amount="1.001", email=""),
                ]
            ),
            "line 42, column 11 (amount)",
        ),
    ]
    files = [(name, text.encode(), expected) for name, text, expected in lines]
    latin1 = f"{HEADER}\n{row()}\n{row('S1003', 'Zoë Müller', 'INV-3', email='')}\n"
    files += [
        (
            "non-UTF-8 bytes",
            latin1.encode("latin-1"),
            "line 3, column 2 (student_name): byte 0xEB is not UTF-8 text",
        ),
        ("empty file", b"", "line 1: the file is empty"),
        ("blank lines only", b"\n \n\n", "line 1: the file is empty"),
        ("BOM only", b"\xef\xbb\xbf", "line 1: the file is empty"),
        ("binary junk", b"\x89PNG\r\n\x1a\n\x00\x00", "line 1, column 1: byte 0x89 is not UTF-8"),
    ]
    return files


@pytest.mark.parametrize(
    ("content", "expected"), [pytest.param(c, e, id=n) for n, c, e in _bad_files()]
)
def test_bad_file_is_refused_and_changes_nothing(populated, write_csv, content, expected):
    before = dump(populated)
    with pytest.raises(CsvImportError) as err:
        import_csv(populated, write_csv(content))
    assert expected in str(err.value)
    assert all(e.line >= 1 for e in err.value.errors)
    assert dump(populated) == before


def test_all_errors_are_reported_not_just_the_first(ledger, write_csv):
    with pytest.raises(CsvImportError) as err:
        import_csv(
            ledger,
            write_csv(
                row(amount="x"),
                row(component="Hostel", currency="ABC"),
                row(component="Lab", due="tomorrow"),
            ),
        )
    assert [(e.line, e.column) for e in err.value.errors] == [
        (2, "11 (amount)"),
        (3, "7 (currency)"),
        (4, "9 (due_date)"),
    ]


def test_windows_line_endings_and_multiline_fields_keep_line_numbers(ledger, write_csv):
    two_lines = '"B.Tech\r\nComputer Science"'  # a quoted field spanning two lines
    text = (
        "\r\n".join(
            [
                HEADER,
                row(programme=two_lines),
                row(component="Hostel", amount="1.234", programme="B.Tech\tCS"),
            ]
        )
        + "\r\n"
    )
    with pytest.raises(CsvImportError) as err:
        import_csv(ledger, write_csv(text.encode()))
    assert [str(e) for e in err.value.errors] == [
        "line 2, column 5 (programme): U+000D (carriage return) is not allowed in a field",
        "line 4, column 5 (programme): U+0009 (tab) is not allowed in a field",
    ]
    fixed = text.replace(two_lines, "B.Tech").replace("B.Tech\tCS", "B.Tech")
    with pytest.raises(CsvImportError) as err:
        import_csv(ledger, write_csv(fixed.encode()))
    assert str(err.value).startswith("line 3, column 11 (amount)")
    summary = import_csv(ledger, write_csv(fixed.replace("1.234", "1.23").encode()))
    assert summary.invoices_created == 1


def test_semicolon_separated_file_gets_a_hint(ledger, write_csv):
    with pytest.raises(CsvImportError, match="separated by commas"):
        import_csv(
            ledger,
            write_csv((HEADER.replace(",", ";") + "\n" + row().replace(",", ";") + "\n").encode()),
        )


def test_excel_bom_is_fine(ledger, write_csv):
    data = ("\ufeff" + HEADER + "\n" + row() + "\n").encode()
    assert import_csv(ledger, write_csv(data)).invoices_created == 1


def test_missing_file_raises_oserror(ledger, tmp_path):
    with pytest.raises(OSError):
        import_csv(ledger, tmp_path / "nope.csv")
