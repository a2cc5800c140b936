"""Receipts: numbered PDF receipts and refund notes, printing, email, fee slips.

The entry points live in small modules named for what they do:

- ``kiosk.ledger.numbering``: ``issue_receipt(session, ...)``, in the payment's transaction
- ``kiosk.receipts.service``: ``render_pending(ctx)``, ``reprint(ctx, number)``,
  ``record_print(ctx, number)``
- ``kiosk.receipts.catch_up``: ``catch_up(ctx)``, ``work_due(ctx)`` (the desk's periodic work)
- ``kiosk.receipts.facts``: ``receipt_facts(session, number)`` (a plain dataclass)
- ``kiosk.receipts.verification``: ``verify(ctx, text)``, the per-installation key
- ``kiosk.receipts.mail``: ``queue_receipt_email(ctx, number)``, ``send_due(ctx)``
- ``kiosk.receipts.export``: ``export_day(ctx, out)``, the day's CSV for accounting
- ``kiosk.receipts.fee_slips``: ``write_fee_slips(ctx, gateway, out)``

Nothing here imports PySide6; Qt printing is ``ui.printing``. See the README, "Receipts, printing, email and fee slips".
"""
