"""Payouts: what Stripe paid to the bank, traced back to our receipts and refund notes."""
