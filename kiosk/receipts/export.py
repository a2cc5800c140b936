"""The day's receipts as CSV for accounting, written atomically.

One row per receipt or refund note of the desk's local day, oldest first: amounts in
decimal and in minor units, and signed (refunds negative) so a column sum is the day's net.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import clock
from kiosk.atomic import write_text
from kiosk.csv_safe import Cell, SafeWriter
from kiosk.receipts.facts import ReceiptFacts
from kiosk.receipts.listing import list_receipts
from kiosk.receipts.wording import Wording, payment_method

if TYPE_CHECKING:
    from kiosk.context import Context


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written."""


@dataclass(frozen=True)
class ExportReport:
    day: date
    path: Path
    receipts: int

    def summary(self) -> str:
        return f"{self.receipts} receipt(s) for {self.day.isoformat()} in {self.path}"


CSV_COLUMNS = (
    "number",
    "kind",
    "issued_at",
    "date",
    "invoice",
    "student_number",
    "student_name",
    "currency",
    "amount",
    "amount_minor",
    "signed_amount_minor",
    "payment_method",
    "card_brand",
    "card_last4",
    "stripe_payment_intent",
    "stripe_refund_id",
    "refund_of_receipt",
    "desk",
    "cashier",
    "balance_after_minor",
    "verification_code",
    "sha256",
)


def export_day(
    ctx: Context,
    out: Path,
    day: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportReport:
    """Write the day's CSV (default: today, desk timezone). `out` is a folder (the file is
    receipts-DAY.csv in it) or a .csv path."""
    day = day or today(ctx)
    path = out if out.suffix.lower() == ".csv" else out / f"receipts-{day.isoformat()}.csv"
    receipts = list(reversed(list_receipts(ctx, day=day)))
    wording = Wording(ctx.settings.get("desk.locale"), ctx.settings.get("desk.timezone"))
    buf = io.StringIO()
    writer = SafeWriter(buf)
    writer.writerow(CSV_COLUMNS)
    for i, facts in enumerate(receipts, 1):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled("export cancelled; nothing was written")
        writer.writerow(_csv_row(facts, wording))
        if progress:
            progress(i, len(receipts))
    write_text(path, buf.getvalue())
    return ExportReport(day, path, len(receipts))


def today(ctx: Context) -> date:
    return clock.today(clock.desk_zone(ctx.settings))


def _csv_row(f: ReceiptFacts, w: Wording) -> list[Cell]:
    """One receipt; amounts as numbers (kiosk.csv_safe keeps those numeric), the rest as
    text, which kiosk.csv_safe neutralises if a spreadsheet would read it as a formula."""
    from kiosk.money import Money

    local = clock.local(f.issued_at, w.timezone)
    sign = -1 if f.is_refund else 1
    return [
        f.number,
        f.kind,
        local.isoformat(timespec="seconds"),
        local.date().isoformat(),
        f.invoice_number,
        f.student_number,
        f.student_name,
        f.currency,
        Money(f.amount, f.currency).to_decimal(),
        f.amount,
        sign * f.amount,
        payment_method(f),
        f.card_brand,
        f.card_last4,
        f.payment_intent,
        f.stripe_refund_id,
        f.payment_receipt,
        f.desk,
        f.cashier,
        f.balance_after,
        f.verification_code,
        f.sha256,
    ]
