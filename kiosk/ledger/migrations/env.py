"""Alembic environment: runs on the connection the ledger hands over (see kiosk.ledger.database)."""

from __future__ import annotations

from alembic import context

import kiosk.ledger.counter_models  # noqa: F401  (its tables join the metadata)
from kiosk.ledger.models import Base
from kiosk.ledger.search_index import not_search_index

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=not_search_index,
)
with context.begin_transaction():
    context.run_migrations()
