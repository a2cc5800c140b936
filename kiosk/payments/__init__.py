"""Taking payments: where money moves.

The payment path, in the order money travels:

- `attempts`  start / cancel a Checkout Session or Payment Link (written to the ledger first);
              `closing` statuses the desk decides, `fee_slips` slips out of date
- `gateway`   the only module that talks to Stripe (idempotency keys, timeouts, retries)
- `apply`     the one idempotent path every outcome takes into the ledger; `recording` its
              writes, `refund_apply` refunds, `results` ApplyResult
- `verify`    Stripe reads a relay payload needs, between ledger transactions
- `outbox`    Stripe work owed after a commit, armed in the commit; `followups` does it
- `held`      events waiting for their payment, and dead letters; `held_retry` applies them
- `after_commit`  `finish`: publish, apply what waited, do the follow-ups (calls all the
              above, and nothing above calls it)
- `poller`, `reconcile`  two of the three sources of truth (the relay is the third)
- `refunds`   supervisor refunds, counted when Stripe confirms them
- `status`    the PaymentStatus enum and the publish/subscribe bus the UI listens to
"""
