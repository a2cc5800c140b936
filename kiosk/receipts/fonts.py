"""The shipped DejaVu Sans, registered with reportlab. Never the machine's own fonts.

DejaVu Sans carries the ₹ sign (U+20B9) and the other currency signs Babel emits.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FONTS_DIR = RESOURCES / "fonts"
REGULAR = "FeeKioskSans"
BOLD = "FeeKioskSans-Bold"


@cache
def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces once per process; returns their names.

    Called before any receipt or slip is drawn, it also sets reportlab's process-wide
    stream encoding (see below); nothing else in the desk uses reportlab.
    """
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Binary (Flate-only) streams: ASCII85 makes files 25% larger and, in pure Python,
    # is a large share of the time a fee-slip run spends saving PDFs.
    rl_config.useA85 = 0

    for name, filename in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        path = FONTS_DIR / filename
        if not path.is_file():
            raise FileNotFoundError(f"receipt font missing: {path} (it ships in resources/fonts)")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD
