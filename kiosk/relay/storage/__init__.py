"""The relay's storage: its own models and engine, never the desk ledger's."""
