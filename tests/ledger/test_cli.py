"""The ledger CLI: `python main.py ...` as a user runs it (subprocess), and in-process for detail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.ledger.database import Ledger
from tests.ledger.helpers import row

ROOT = Path(__file__).resolve().parents[2]


def cli(
    home: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FEE_KIOSK", "STRIPE"))}
    environ.update(env or {}, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.run(
        [sys.executable, "main.py", "--home", str(home), *args],
        cwd=ROOT,
        env=environ,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run(home: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_data_then_search_finds_the_test_invoice(home):
    done = cli(home, "demo-data")
    assert done.returncode == 0, done.stderr
    found = cli(home, "invoices", "list", "--search", "test stud", "--json")
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    assert [(r["number"], r["balance"], r["currency"]) for r in rows] == [
        ("INV-DEMO-0002", 6_100_000, "INR")
    ]
    assert rows[0]["student"] == {
        "number": "S0000001",
        "name": "Test Student",
        "email": "teststudent@example.com",
    }
    assert rows[0]["balance_formatted"] == "₹61,000.00"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("invoices", "show", "NOPE-1"), 1, "fee-kiosk: no invoice numbered 'NOPE-1'"),
        (("invoices", "list", "--status", "lost"), 2, "invalid choice: 'lost'"),
        (
            ("secrets", "set", "stripe_secret_key"),
            1,
            "no keyring backend is available on this machine; set the Stripe secret or restricted "
            "key in the environment variable STRIPE_SECRET_KEY instead",
        ),
    ],
)
def test_errors_are_one_line_without_traceback(home, args, code, message):
    Ledger.open(f"sqlite:///{home / 'kiosk.db'}").close()
    done = cli(home, *args)
    assert done.returncode == code
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("invoices", "list", "--limit", "0"), 2, "'0' must be 1 or more"),
        (("no-such-command",), 2, "invalid choice: 'no-such-command'"),
        (("users",), 2, "the following arguments are required: ACTION"),
        (("import-csv", "missing.csv"), 1, "fee-kiosk: can't read missing.csv"),
        (("config", "set", "desk.colour", "red"), 2, "unknown setting 'desk.colour'"),
        (("config", "set", "stripe.session_minutes", "5"), 2, "between 30 and 1440"),
        (("config", "set", "ui.kiosk_mode", "maybe"), 2, "takes true or false"),
    ],
)
def test_usage_and_command_errors_in_process(home, capsys, args, code, message):
    try:
        got = main(["--home", str(home), *args])
    except SystemExit as exc:  # argparse's own usage errors
        got = exc.code
    err = capsys.readouterr().err
    assert got == code
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def test_bad_csv_fails_with_line_and_column(home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "student_number,student_name,email,phone,programme,invoice_number,currency,"
        "issue_date,due_date,component,amount,priority\n" + row(amount="12.345") + "\n",
        encoding="utf-8",
    )
    done = cli(home, "import-csv", str(bad))
    assert done.returncode == 1
    assert "line 2, column 11 (amount): '12.345' has 3 decimals; INR allows at most 2" in (
        done.stderr
    )
    assert "nothing was imported" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_import_then_list_and_show(home, capsys):
    example = ROOT / "resources" / "example-invoices.csv"
    code, out, _ = run(home, "import-csv", str(example), capsys=capsys)
    assert code == 0 and "5 invoices (5 new, 0 updated, 0 unchanged)" in out
    code, out, _ = run(home, "import-csv", str(example), capsys=capsys)
    assert "(0 new, 0 updated, 5 unchanged)" in out
    code, out, _ = run(home, "invoices", "list", "--sort", "total", "--desc", capsys=capsys)
    lines = out.splitlines()
    assert lines[0].split() == [
        "Number",
        "Student",
        "Student",
        "no.",
        "Due",
        "Total",
        "Paid",
        "Balance",
        "Status",
    ]
    assert "INV-2026-0002" in lines[2] and "₹1,26,500.50" in lines[2]
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule line up
    assert lines[-1] == "5 invoices"
    code, out, _ = run(home, "invoices", "show", "INV-2026-0003", capsys=capsys)
    assert "José García (S2026003)" in out
    assert "Lab fee" in out and "₹4,000.00" in out and "Payments: none" in out


def test_show_json_has_the_documented_fields(home, capsys):
    run(home, "demo-data", "--students", "20", capsys=capsys)
    code, out, _ = run(
        home,
        "invoices",
        "list",
        "--status",
        "partially_paid",
        "--limit",
        "1",
        "--json",
        capsys=capsys,
    )
    number = json.loads(out)[0]["number"]
    code, out, _ = run(home, "invoices", "show", number, "--json", capsys=capsys)
    assert code == 0
    data = json.loads(out)
    for key in (
        "number",
        "student",
        "currency",
        "total",
        "paid",
        "balance",
        "status",
        "due_date",
        "components",
        "payments",
        "refunds",
        "receipts",
    ):
        assert key in data
    assert {"name", "amount", "paid", "balance"} <= set(data["components"][0])
    assert data["payments"][0]["payment_intent"].startswith("pi_demo_")
    assert (
        sum(a["amount"] for a in data["payments"][0]["allocations"])
        == (data["payments"][0]["amount"])
    )
    assert data["paid"] == sum(c["paid"] for c in data["components"])


def test_amounts_follow_the_configured_locale(home, capsys):
    run(home, "demo-data", "--students", "2", capsys=capsys)
    code, out, _ = run(home, "config", "set", "desk.locale", "en_US", capsys=capsys)
    assert code == 0
    code, out, _ = run(home, "invoices", "list", "--search", "test stud", capsys=capsys)
    assert "₹61,000.00" in out
    code, out, _ = run(home, "invoices", "show", "INV-DEMO-0002", capsys=capsys)
    assert "₹50,000.00" in out and "₹11,000.00" in out
    code, _, err = run(home, "config", "set", "desk.locale", "xx_NOPE", capsys=capsys)
    assert code == 2 and "not a locale" in err


def test_users_add_and_list(home, capsys, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "s3cret-pass")
    code, out, _ = run(
        home,
        "users",
        "add",
        "Priya@Example.com",
        "--role",
        "supervisor",
        "--name",
        "Priya Nair",
        capsys=capsys,
    )
    assert code == 0 and "supervisor priya@example.com" in out
    code, _, err = run(
        home, "users", "add", "priya@example.com", "--role", "cashier", capsys=capsys
    )
    assert code == 1 and "already exists" in err
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "short")
    code, _, err = run(home, "users", "add", "ravi", "--role", "cashier", capsys=capsys)
    assert code == 1 and "at least 10 characters" in err
    code, out, _ = run(home, "users", "list", capsys=capsys)
    assert "priya@example.com" in out and "Priya Nair" in out and "ravi" not in out
    assert "s3cret" not in out


def test_users_add_without_terminal_or_env_says_what_to_do(home):
    done = cli(home, "users", "add", "ravi", "--role", "cashier")
    assert done.returncode == 1
    assert "set FEE_KIOSK_NEW_PASSWORD" in done.stderr


def test_config_show_and_set(home, capsys, monkeypatch):
    code, out, _ = run(home, "config", "set", "desk.name", "Counter 3", capsys=capsys)
    assert code == 0
    assert 'name = "Counter 3"' in (home / "config.toml").read_text()
    monkeypatch.setenv("FEE_KIOSK_RELAY_URL", "http://127.0.0.1:9")
    code, out, _ = run(home, "config", "show", "--json", capsys=capsys)
    data = json.loads(out)
    settings = {s["key"]: s for s in data["settings"]}
    assert settings["desk.name"]["value"] == "Counter 3"
    assert settings["desk.name"]["source"] == "config.toml"
    assert settings["relay.url"]["source"] == "env FEE_KIOSK_RELAY_URL"
    assert settings["desk.locale"] == {
        "key": "desk.locale",
        "value": "en_IN",
        "source": "default",
        "env": "FEE_KIOSK_DESK_LOCALE",
    }
    code, out, _ = run(home, "config", "show", capsys=capsys)
    assert "desk.name" in out and "Counter 3" in out and "Secrets" in out


def test_secrets_never_shown(home, capsys, monkeypatch):
    key = "sk_test_51Abcdefghijklmnopqrstuvwxyz0123456789"
    monkeypatch.setattr("sys.stdin", _Piped(key + "\n"))
    code, out, _ = run(home, "secrets", "set", "STRIPE_SECRET_KEY", capsys=capsys)
    assert code == 0 and "sk_test_…6789" in out and key not in out
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_0123456789abcdefABCDEF1234")
    for args in (("config", "show"), ("config", "show", "--json"), ("secrets", "status")):
        code, out, _ = run(home, *args, capsys=capsys)
        assert key not in out and "whsec_0123456789abcdefABCDEF1234" not in out
        assert "sk_test_…6789" in out and "…1234" in out
    code, out, _ = run(home, "config", "show", "--json", capsys=capsys)
    assert json.loads(out)["keyring_available"] is True
    secrets = {s["name"]: s for s in json.loads(out)["secrets"]}
    assert secrets["stripe_secret_key"]["source"] == "keyring"
    assert secrets["webhook_secret"]["source"] == "env STRIPE_WEBHOOK_SECRET"
    assert secrets["relay_token"] == {
        "name": "relay_token",
        "env": "FEE_KIOSK_RELAY_TOKEN",
        "set": False,
        "masked": "(not set)",
        "source": "not set",
    }
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "a-long-staff-pass")
    run(home, "users", "add", "ravi", "--role", "cashier", capsys=capsys)  # creates the ledger
    files = [p for p in home.rglob("*") if p.is_file()]  # database, logs
    assert any(p.suffix == ".db" for p in files)
    assert all(key.encode() not in p.read_bytes() for p in files)


def test_secret_that_is_not_a_stripe_key_is_refused(home, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", _Piped("changeme\n"))
    code, _, err = run(home, "secrets", "set", "stripe_secret_key", capsys=capsys)
    assert code == 1 and "should start with sk_ or rk_" in err and "changeme" not in err
    code, _, err = run(home, "secrets", "set", "nonsense", capsys=capsys)
    assert code == 2 and "unknown secret 'nonsense'" in err


class _Piped:
    """stdin as a script pipes it: not a terminal."""

    def __init__(self, text: str) -> None:
        self.text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self.text


def test_progress_line_on_a_terminal(capsys):
    from kiosk.cli.ledger_commands import _progress_line

    _progress_line(500, 2000)
    _progress_line(1500, 2000)
    _progress_line(2000, 2000)
    err = capsys.readouterr().err
    assert err == (
        "\rimport-csv:  25% (checking row 500 of 1,000)"
        "\rimport-csv:  75% (writing row 500 of 1,000)"
        "\rimport-csv: 100% (writing row 1,000 of 1,000)\n"
    )
