"""The fee ledger: students, invoices, payments, allocations, refunds, receipts, audit."""
