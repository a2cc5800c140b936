"""Saving settings and secrets without the dialog: validated all-or-nothing, audited, and
secrets only ever shown masked (kiosk.settings_store, which ui/settings_dialog.py calls)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kiosk.ledger.models import AuditEntry
from kiosk.ledger.users import StaffUser
from kiosk.secrets import get_secret
from kiosk.settings_store import SettingsError, current_values, save_settings

KEY = "sk_test_51StoreCheck000000000abcd"


def _audit(ctx) -> list[tuple[str, dict]]:
    with ctx.ledger.begin() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "settings_changed"))
        return [(e.username, json.loads(e.details)) for e in entries]


def test_save_stores_and_audits_and_values_come_back_masked(ctx):
    sup = StaffUser(1, "admin@example.com", "Admin", "supervisor")
    names = save_settings(ctx, {"desk.name": "Counter 2"}, {"stripe_secret_key": KEY}, sup)
    assert names == ["desk.name", "secret:stripe_secret_key"]
    assert ctx.settings.get("desk.name") == "Counter 2" and get_secret("stripe_secret_key") == KEY
    [(who, details)] = _audit(ctx)
    assert who == "admin@example.com" and details["keys"] == names
    values = current_values(ctx)
    assert values["desk.name"] == "Counter 2"
    assert KEY not in json.dumps(values, default=str) and values["secret.stripe_secret_key"]


@pytest.mark.parametrize(
    ("changes", "secrets"),
    [
        ({"desk.name": "Counter 3", "ui.idle_lock_minutes": "soon"}, {}),
        ({"desk.name": "Counter 3"}, {"stripe_secret_key": "pk_test_not_a_secret_key"}),
    ],
)
def test_a_bad_value_saves_nothing(ctx, changes, secrets):
    before = ctx.settings.get("desk.name")
    with pytest.raises((SettingsError, ValueError)):
        save_settings(ctx, changes, secrets, None)
    assert ctx.settings.get("desk.name") == before
    assert get_secret("stripe_secret_key") is None and _audit(ctx) == []
