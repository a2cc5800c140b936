"""Entry point: `python main.py [COMMAND]`. Without a command it starts the desk."""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
