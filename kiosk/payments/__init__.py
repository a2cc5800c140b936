"""Taking payments: where money moves.

The payment path, in the order money travels:

- `attempts`  start / cancel a Checkout Session or Payment Link (written to the ledger first)
- `gateway`   the only module that talks to Stripe (idempotency keys, timeouts, retries)
- `apply`     the one idempotent path every outcome takes into the ledger; `recording` its
              writes, `refund_apply` refunds, `results` ApplyResult and `finish`
- `verify`    Stripe reads a relay payload needs, between ledger transactions
- `followups` the outbox of Stripe work owed after a commit
- `held`      events waiting for their payment, and dead letters
- `poller`, `reconcile`  two of the three sources of truth (the relay is the third)
- `refunds`   supervisor refunds, counted when Stripe confirms them
- `status`    the PaymentStatus enum and the publish/subscribe bus the UI listens to
"""
