"""Receipts: numbered PDF receipts and refund notes, printing, email, fee slips.

The public entry points live in small modules named for what they do:

- ``kiosk.receipts.service``: ``render_pending(ctx)``, ``reprint(ctx, number)``,
  ``record_print(ctx, number)``, ``list_receipts(ctx, ...)``
- ``kiosk.receipts.facts``: ``receipt_facts(session, number)`` (a plain dataclass)
- ``kiosk.receipts.verification``: ``verify(ctx, code)``
- ``kiosk.receipts.mail``: ``queue_receipt_email(ctx, number)``, ``send_due(ctx)``
- ``kiosk.receipts.fee_slips``: ``write_fee_slips(ctx, gateway, ...)``

Nothing here imports PySide6; Qt printing is ``ui.printing``.
"""
