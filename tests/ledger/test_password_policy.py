"""Staff accounts: password rules, and one normal form for usernames (NFKC, case-folded)."""

from __future__ import annotations

import pytest

from kiosk.cli.main import main
from kiosk.ledger import demo_data
from kiosk.ledger.password_policy import check_password, check_username
from kiosk.ledger.signin import ThrottleRules, sign_in
from kiosk.ledger.users import create_user, find_user, set_password


@pytest.mark.parametrize(
    ("password", "username", "rule"),
    [
        ("short-pw1", "asha", "at least 10 characters"),
        (" " * 12, "asha", "only spaces"),
        ("Asha.Verma1", "asha.verma1", "the username"),
        ("ASHA.VERMA@EXAMPLE.COM", "asha.verma@example.com", "the username"),
        ("Meera-Iyer7", "meera-iyer7@example.com", "the username"),
        ("Password123", "asha", "common passwords"),
        ("qwertyuiop", "asha", "common passwords"),
        ("1234567890", "asha", "common passwords"),
    ],
)
def test_weak_passwords_are_refused(password, username, rule):
    with pytest.raises(ValueError, match=rule):
        check_password(password, username)


def test_a_good_password_passes():
    check_password("tea-kettle-morning", "asha@example.com")


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_empty_usernames_are_refused(name):
    with pytest.raises(ValueError, match="can't be empty"):
        check_username(name)


def test_usernames_with_spaces_or_controls_are_refused():
    for name in ("asha verma", "asha\x1b[2J", "asha\u200b"):
        with pytest.raises(ValueError, match="spaces or control"):
            check_username(name)


def test_full_width_and_upper_case_names_are_the_same_user(ledger):
    with ledger.begin() as s:
        create_user(s, " Admin@Example.com ", "tea-kettle-morning", "supervisor")
        assert find_user(s, "ａｄｍｉｎ@ｅｘａｍｐｌｅ.ｃｏｍ").username == "admin@example.com"
        same = create_user(s, "ＡＤＭＩＮ@example.com", "another-long-one", "cashier")
    assert same.role == "supervisor"  # not a second account
    user = sign_in(
        ledger, "ＡＤＭＩＮ@ＥＸＡＭＰＬＥ.ＣＯＭ", "tea-kettle-morning", rules=ThrottleRules()
    )
    assert user.username == "admin@example.com"


def test_password_change_follows_the_rules(ledger):
    with ledger.begin() as s:
        create_user(s, "ravi", "tea-kettle-morning", "cashier")
        with pytest.raises(ValueError, match="common passwords"):
            set_password(s, "RAVI", "password123")
        set_password(s, "RAVI", "river-stone-lamp")
    assert sign_in(ledger, "ravi", "river-stone-lamp", rules=ThrottleRules()).username == "ravi"


def test_users_password_command(home, capsys, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "tea-kettle-morning")
    assert main(["--home", str(home), "users", "add", "Ravi", "--role", "cashier"]) == 0
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "ravi")
    assert main(["--home", str(home), "users", "password", "ravi"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "river-stone-lamp")
    assert main(["--home", str(home), "users", "password", "ｒａｖｉ"]) == 0
    assert "Changed the password of ravi" in capsys.readouterr().out
    assert main(["--home", str(home), "users", "add", " ", "--role", "cashier"]) == 1
    assert "can't be empty" in capsys.readouterr().err


def test_demo_accounts_satisfy_the_policy():
    for username, password, _role, _name in demo_data.STAFF:
        check_password(password, username)
        assert check_username(username) == username
