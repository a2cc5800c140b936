"""kiosk.csv_safe: text a spreadsheet would run is quoted; our own numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.csv_safe import TRIGGERS, SafeWriter, safe_cell


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "\n=1", " =1", "＝1", "-150.00"],
)
def test_text_that_starts_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Asha Verma", "1+1", "a=b", "", "'=already"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text


def test_our_numbers_stay_numbers():
    assert safe_cell(-150) == -150
    assert safe_cell(Decimal("-150.00")) == "-150.00"
    assert safe_cell(Decimal(1000).scaleb(0)) == "1000"
    assert safe_cell(Decimal("1E+3")) == "1000"
    assert safe_cell(None) == ""
    with pytest.raises(ValueError):
        safe_cell(Decimal("NaN"))


def test_writer_round_trips_through_a_csv_reader():
    buf = io.StringIO()
    w = SafeWriter(buf)
    w.writerows([["name", "amount"], ['=HYPERLINK("http://x")', Decimal("-1.50")]])
    assert buf.getvalue().endswith("\r\n")
    assert list(csv.reader(io.StringIO(buf.getvalue()))) == [
        ["name", "amount"],
        ['\'=HYPERLINK("http://x")', "-1.50"],
    ]


def test_every_csv_writer_goes_through_csv_safe():
    root = Path(__file__).resolve().parents[1]
    writer = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(root))
        for folder in ("kiosk", "ui")
        for path in (root / folder).rglob("*.py")
        if writer.search(path.read_text(encoding="utf-8")) and path.name != "csv_safe.py"
    ]
    assert offenders == []


@given(st.text())
def test_no_text_leaves_as_a_formula(text):
    cell = safe_cell(text)
    assert cell in (text, "'" + text)
    assert not str(cell).lstrip(" ").startswith(TRIGGERS)
