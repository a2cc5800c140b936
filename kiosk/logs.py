"""Logging: rotating files in HOME/logs, and stderr with --debug. Secrets are redacted."""

from __future__ import annotations

import io
import logging
import logging.handlers
import re
from pathlib import Path

_SECRET = re.compile(
    r"\b((?:sk|rk)_(?:test|live)_|whsec_|fk_)[A-Za-z0-9]{4,}"
    # relay desk tokens are URL-safe base64 (- and _ included) and may follow "%20" in a
    # query string, where there is no word boundary before them
    r"|(fkr_)[A-Za-z0-9_-]{4,}"
)


class RedactSecrets(logging.Filter):
    """Last line of defence: Stripe keys and signing secrets never reach a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = redact(message)
            record.args = None
        return True


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "[redacted]", text)


class PrivateLogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are owner-only (0600), the rotated ones included."""

    def _open(self) -> io.TextIOWrapper:
        from kiosk.private_files import private_file

        private_file(Path(self.baseFilename))
        return super()._open()


_installed: list[logging.Handler] = []


def setup_logging(logs_dir: Path, debug: bool = False) -> None:
    """Log to HOME/logs/kiosk.log (rotating) and, with --debug, to stderr.

    Calling it again (another home, in tests or a long-lived process) replaces the handlers
    it installed before instead of adding more.
    """
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed.clear()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        from kiosk.private_files import private_dir

        private_dir(logs_dir)
        _installed.append(
            PrivateLogFile(
                logs_dir / "kiosk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
        )
    except OSError:
        pass  # a read-only home still runs; stderr logging below still works with --debug
    if debug:
        _installed.append(logging.StreamHandler())
    if not _installed:  # no log file and no --debug: not logging's last resort on stderr
        _installed.append(logging.NullHandler())
    for handler in _installed:
        handler.setFormatter(fmt)
        handler.addFilter(RedactSecrets())
        root.addHandler(handler)
    for noisy in ("stripe", "urllib3", "alembic.runtime.migration", "httpx"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
