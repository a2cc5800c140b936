"""The default home folder: platformdirs' user data dir for "fee-kiosk".

At the bottom layer so that the relay, a separate deployable, finds the same default as
the desk (`kiosk.context`) without importing the desk.
"""

from __future__ import annotations

from pathlib import Path


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("fee-kiosk", appauthor=False))
