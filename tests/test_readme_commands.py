"""Every command the README shows exists: each one answers `--help`.

Commands are taken from code blocks and inline code (`python main.py receipts render`,
`secrets set smtp_password`, headings such as `#### \\`invoices show NUMBER\\``). A renamed
or removed command, or a README that names one that never existed, fails here.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ui.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GLOBAL_OPTIONS_WITH_VALUE = {"--home", "--db"}
PREFIXES = (("python", "main.py"), ("python3", "main.py"), ("main.py",), ("fee-kiosk",))


def code_spans(text: str) -> list[str]:
    """Lines of fenced code blocks, and inline `code` spans elsewhere."""
    spans, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            spans.append(line)
        else:
            spans.extend(re.findall(r"`([^`]+)`", line))
    return spans


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_path(span: str, top: dict[str, argparse.ArgumentParser]) -> tuple[str, ...] | None:
    """The command words a span shows (`("receipts", "render")`), or None if it shows none."""
    try:
        words = shlex.split(span.split("#", 1)[0], posix=True)
    except ValueError:
        words = span.split()
    explicit = False
    for prefix in PREFIXES:
        if tuple(words[: len(prefix)]) == prefix:
            words, explicit = words[len(prefix) :], True
            break
    while words and words[0].startswith("--"):  # global options before the command
        words = words[2:] if words[0] in GLOBAL_OPTIONS_WITH_VALUE else words[1:]
    if not words or (words[0] not in top and not explicit):
        return None
    if words[0] not in top:
        if words[0].isupper() or not re.fullmatch(r"[a-z][a-z-]*", words[0]):
            return None  # a placeholder: `main.py COMMAND --help`
        return (words[0],)  # shown as a command, but there is none: fails below
    path, parser = [words[0]], top[words[0]]
    for word in words[1:]:
        choices = subcommands(parser)
        if not choices or not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        path.append(word)
        if word not in choices:
            break
        parser = choices[word]
    return tuple(path)


def readme_commands() -> list[tuple[str, ...]]:
    top = subcommands(build_parser())
    found = {command_path(s, top) for s in code_spans(README.read_text(encoding="utf-8"))}
    return sorted(p for p in found if p)


COMMANDS = readme_commands()


def test_the_readme_shows_commands():
    assert ("demo",) in COMMANDS and ("receipts", "render") in COMMANDS
    assert len(COMMANDS) >= 30


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_readme_command_answers_help(path):
    out = io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(io.StringIO()) as err,
        pytest.raises(SystemExit) as exit_,
    ):
        build_parser().parse_args([*path, "--help"])
    assert exit_.value.code == 0, f"README shows `{' '.join(path)}`: {err.getvalue().strip()}"
    assert "usage:" in out.getvalue()


def test_a_command_that_does_not_exist_is_caught():
    top = subcommands(build_parser())
    assert command_path("python main.py config secret smtp_password", top) == (
        "config",
        "secret",
    )
    assert command_path("`fee-kiosk frobnicate`".strip("`"), top) == ("frobnicate",)
    assert command_path("config.toml", top) is None


def test_main_py_answers_help_as_a_process():
    done = subprocess.run(
        [sys.executable, "main.py", "receipts", "render", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "usage:" in done.stdout


def test_the_desk_commands_come_from_the_launcher_not_the_core():
    from kiosk.cli.main import build_parser as core_parser

    assert {"gui", "demo"} <= set(subcommands(build_parser()))
    assert not {"gui", "demo"} & set(subcommands(core_parser()))


def test_no_command_starts_the_desk_through_the_launcher_only(tmp_path, monkeypatch, capsys):
    import ui.cli
    from kiosk.cli.main import main as core_main

    monkeypatch.setenv("FEE_KIOSK_HOME", str(tmp_path))
    monkeypatch.setattr(ui.cli, "run_gui", lambda args: 7 if args.creates_ledger else 1)
    assert ui.cli.main([]) == 7
    assert core_main([]) == 2
    assert "a command is required" in capsys.readouterr().err
