"""Settings and secrets: config show/set, secrets set/status.

Secrets are never printed: `config show` and `secrets status` show whether each is set,
where from, and a masked form (kiosk.secrets.mask).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from kiosk.cli.errors import CommandError, UsageError

# What a value must start with, so a pasted placeholder or the wrong key is caught early.
PREFIXES = {"stripe_secret_key": ("sk_", "rk_"), "webhook_secret": ("whsec_",)}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = sub.add_parser("config", help="show or change settings (config.toml)")
    csub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = csub.add_parser("show", help="every setting with its value and source")
    show.add_argument("--json", action="store_true", help="JSON output")
    show.set_defaults(func=cmd_config_show)
    put = csub.add_parser("set", help="store a setting in config.toml")
    put.add_argument("key", metavar="KEY")
    put.add_argument("value", metavar="VALUE")
    put.set_defaults(func=cmd_config_set)

    secrets = sub.add_parser("secrets", help="Stripe keys and passwords in the OS keyring")
    ssub = secrets.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    sset = ssub.add_parser("set", help="store a secret in the keyring (prompted, not echoed)")
    sset.add_argument("name", metavar="NAME")
    sset.set_defaults(func=cmd_secrets_set)
    ssub.add_parser("status", help="which secrets are set, masked").set_defaults(
        func=cmd_secrets_status
    )


# --- config -------------------------------------------------------------------------------


def _settings_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    from kiosk.config import OPTIONS

    settings = args.ctx.settings
    return [
        {
            "key": key,
            "value": settings.value(key),
            "source": settings.source(key),
            "env": opt.env_name,
        }
        for key, opt in OPTIONS.items()
    ]


def _secret_rows() -> list[dict[str, Any]]:
    from kiosk.secrets import SECRETS, get_secret, mask

    rows = []
    for name, spec in SECRETS.items():
        value = get_secret(name)
        source = (
            f"env {spec.env}" if os.environ.get(spec.env) else "keyring" if value else "not set"
        )
        rows.append(
            {
                "name": name,
                "env": spec.env,
                "set": bool(value),
                "masked": mask(value),
                "source": source,
                "label": spec.label,
            }
        )
    return rows


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value != "" else '""'


def cmd_config_show(args: argparse.Namespace) -> int:
    from kiosk.cli.tables import render

    settings, secrets = _settings_rows(args), _secret_rows()
    if args.json:
        from kiosk.secrets import keyring_available

        out = {
            "config_file": str(args.ctx.settings.path),
            "keyring_available": keyring_available(),
            "settings": settings,
            "secrets": [{k: v for k, v in r.items() if k != "label"} for r in secrets],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"Settings ({args.ctx.settings.path})")
    print(
        render(
            ["Key", "Value", "Source"],
            [[r["key"], _show(r["value"]), r["source"]] for r in settings],
        )
    )
    print()
    print(_secrets_table(secrets))
    return 0


def _secrets_table(rows: list[dict[str, Any]]) -> str:
    from kiosk.cli.tables import render
    from kiosk.secrets import SERVICE, keyring_available

    where = (
        f'OS keyring service "{SERVICE}"'
        if keyring_available()
        else "no keyring backend on this machine: use the environment variables"
    )
    return f"Secrets ({where})\n" + render(
        ["Name", "Value", "Source", "Environment variable"],
        [[r["name"], r["masked"], r["source"], r["env"]] for r in rows],
    )


def cmd_config_set(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError, option

    settings = args.ctx.settings
    try:
        opt = option(args.key)
        settings.set(args.key, args.value)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    print(f"{args.key} = {_show(opt.parse(args.value))} (saved in {settings.path})")
    if opt.env_name in os.environ:
        print(f"note: the environment variable {opt.env_name} overrides it in this shell")
    return 0


# --- secrets ------------------------------------------------------------------------------


def _spec(name: str) -> Any:
    from kiosk.secrets import SECRETS

    wanted = name.strip().lower()
    for spec in SECRETS.values():
        if wanted in (spec.name, spec.env.lower()):
            return spec
    raise UsageError(f"unknown secret {name!r}; secrets are: {', '.join(SECRETS)}")


def _read_secret(spec: Any) -> str:
    if sys.stdin.isatty():
        value = getpass.getpass(f"{spec.label} (input hidden): ")
    else:  # a script piping the value in
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise CommandError(f"no value given; the {spec.label} was not changed")
    prefixes = PREFIXES.get(spec.name)
    if prefixes and not value.startswith(prefixes):
        raise CommandError(
            f"that doesn't look like a {spec.label} (it should start with "
            f"{' or '.join(prefixes)}); nothing was stored"
        )
    return value


def cmd_secrets_set(args: argparse.Namespace) -> int:
    from kiosk.secrets import SecretStoreError, keyring_available, mask, set_secret

    spec = _spec(args.name)
    if not keyring_available():
        raise CommandError(
            f"no keyring backend is available on this machine; set the "
            f"{spec.label} in the environment variable {spec.env} instead"
        )
    value = _read_secret(spec)
    try:
        set_secret(spec.name, value)
    except SecretStoreError as exc:
        raise CommandError(str(exc)) from None
    print(f"Stored the {spec.label} in the keyring ({mask(value)}).")
    if os.environ.get(spec.env):
        print(f"note: {spec.env} is set in this environment and takes precedence")
    return 0


def cmd_secrets_status(args: argparse.Namespace) -> int:
    print(_secrets_table(_secret_rows()))
    return 0
