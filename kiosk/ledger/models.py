"""Ledger tables (SQLAlchemy 2 typed ORM). The schema itself comes from Alembic migrations.

Money columns hold integer minor units; the currency is the invoice's.
Paid and balance are never stored: they are sums over allocations, which refunds
reverse with negative rows, so the figures cannot disagree.

The tables live in modules by subject; import them from here, which also registers every
table with `Base` (relationships name each other across modules). The counter's tables are
in kiosk.ledger.counter_models.
"""

from __future__ import annotations

from kiosk.ledger.base import Base as Base
from kiosk.ledger.event_models import FollowUp as FollowUp
from kiosk.ledger.event_models import HeldEvent as HeldEvent
from kiosk.ledger.event_models import KeyValue as KeyValue
from kiosk.ledger.event_models import ProcessedEvent as ProcessedEvent
from kiosk.ledger.event_models import SyncCursor as SyncCursor
from kiosk.ledger.invoice_models import FeeComponent as FeeComponent
from kiosk.ledger.invoice_models import Invoice as Invoice
from kiosk.ledger.invoice_models import Student as Student
from kiosk.ledger.payment_models import Allocation as Allocation
from kiosk.ledger.payment_models import Payment as Payment
from kiosk.ledger.payment_models import PaymentAttempt as PaymentAttempt
from kiosk.ledger.payment_models import Refund as Refund
from kiosk.ledger.payout_models import PayoutLine as PayoutLine
from kiosk.ledger.payout_models import StripePayout as StripePayout
from kiosk.ledger.receipt_models import MailMessage as MailMessage
from kiosk.ledger.receipt_models import Receipt as Receipt
from kiosk.ledger.receipt_models import ReceiptCounter as ReceiptCounter
from kiosk.ledger.staff_models import AuditEntry as AuditEntry
from kiosk.ledger.staff_models import SignInThrottle as SignInThrottle
from kiosk.ledger.staff_models import User as User
