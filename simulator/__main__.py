"""``python -m simulator`` is the ``reelsim`` command."""

import sys

from simulator.cli import main

sys.exit(main())
