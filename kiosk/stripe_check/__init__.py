"""`stripe-check`: the desk's assumptions about Stripe, run against a Stripe account in
test mode and against the embedded sandbox, with every difference between the two.

- keys.py: the key's mode from its prefix (live keys are refused before any call), masking
- permissions.py: probes for each permission the README lists (restricted keys)
- checks.py: the run itself (customer, session, link, expiry, payment and refund),
  observe.py (events, webhook endpoint), cleanup.py (undo what the run created)
- compare.py: shapes compared field by field (presence, type, nullability, enums)
- report.py: target run + sandbox run + differences; cli.py: the command
"""
