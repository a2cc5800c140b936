"""Logging: rotating files in HOME/logs, and stderr with --debug. Secrets are redacted."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_SECRET = re.compile(r"\b((?:sk|rk)_(?:test|live)_|whsec_|fk_)[A-Za-z0-9]{4,}")


class RedactSecrets(logging.Filter):
    """Last line of defence: Stripe keys and signing secrets never reach a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub(lambda m: m.group(1) + "[redacted]", message)
            record.args = None
        return True


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: m.group(1) + "[redacted]", text)


_configured: set[Path] = set()


def setup_logging(logs_dir: Path, debug: bool = False) -> None:
    root = logging.getLogger()
    if logs_dir in _configured:
        return
    _configured.add(logs_dir)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            logs_dir / "kiosk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(fmt)
        handler.addFilter(RedactSecrets())
        root.addHandler(handler)
    except OSError:
        pass  # a read-only home still runs; stderr logging below still works with --debug
    if debug:
        stderr = logging.StreamHandler()
        stderr.setFormatter(fmt)
        stderr.addFilter(RedactSecrets())
        root.addHandler(stderr)
    for noisy in ("stripe", "urllib3", "alembic.runtime.migration", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
