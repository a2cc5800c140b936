"""The typed keys of `Settings.get` agree with OPTIONS, so the type checker's view of a
setting (`get("desk.locale")` is a str) is the value the desk really gets."""

from __future__ import annotations

import typing

import pytest

from kiosk import config
from kiosk.config import OPTIONS, ConfigError, Settings

TYPED = {
    str: config.TextKey,
    int: config.NumberKey,
    bool: config.FlagKey,
    list: config.ListKey,
}


def test_each_option_is_typed_once_by_its_default():
    seen: list[str] = []
    for kind, keys in TYPED.items():
        names = typing.get_args(keys)
        seen += names
        wrong = [k for k in names if k not in OPTIONS or type(OPTIONS[k].default) is not kind]
        assert wrong == [], f"{kind.__name__} keys that are not {kind.__name__} options"
    assert sorted(seen) == sorted(OPTIONS), "every option has exactly one typed key"


def test_values_have_their_keys_type_from_file_env_and_default(tmp_path):
    (tmp_path / "config.toml").write_text('[smtp]\nport = "2525"\n[ui]\nkiosk_mode = "yes"\n')
    env = {"FEE_KIOSK_PAYMENTS_METHODS": "card", "FEE_KIOSK_SIGNIN_MAX_FAILURES": "7"}
    settings = Settings.load(tmp_path / "config.toml", env)
    for kind, keys in TYPED.items():
        for key in typing.get_args(keys):
            assert type(settings.get(key)) is kind, key
    assert settings.get("smtp.port") == 2525 and settings.get("ui.kiosk_mode") is True
    assert settings.get("payments.methods") == ["card"]
    assert settings.value("signin.max_failures") == 7 == settings["signin.max_failures"]


def test_an_unknown_key_says_which_and_where_to_look(tmp_path):
    settings = Settings(tmp_path / "config.toml", {})
    with pytest.raises(ConfigError, match=r"unknown setting 'desk\.lokale'; see `config show`"):
        settings.value("desk.lokale")
