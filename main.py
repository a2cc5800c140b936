"""Entry point: `python main.py [COMMAND]`. Without a command it starts the desk."""

import sys

from kiosk.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
