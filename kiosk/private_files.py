"""Owner-only files and folders: the home, the ledger, the relay database, logs, receipts.

They hold student data and payment records, so on a shared machine nobody but the desk's
own account reads them: folders 0700, files 0600, set explicitly when created (whatever
the process umask), and closed to group and others when found open.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def _tighten(path: Path) -> None:
    """Take away group and other access; never add any (a read-only file stays read-only)."""
    with contextlib.suppress(PermissionError):  # not ours (a shared parent): leave it
        current = path.stat().st_mode & 0o777
        if current & 0o077:
            path.chmod(current & 0o700)


def private_dir(path: Path) -> Path:
    """Create the folder (and missing parents) owner-only, or close it to others if it exists."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=PRIVATE_DIR)
    _tighten(path)
    return path


def private_file(path: Path, sidecars: tuple[str, ...] = ()) -> Path:
    """Create the file empty if missing, owner-only; close it and its sidecar files
    (SQLite's `-wal`, `-shm`) to group and others if they exist."""
    with contextlib.suppress(FileExistsError):  # an existing file may be read-only: fine
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    for suffix in ("", *sidecars):
        side = path.with_name(path.name + suffix)
        if side.exists():
            _tighten(side)
    return path


SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
