"""``python -m simulator`` is the ``reelsim`` command."""

import sys

from simulator.cli.commands import main

sys.exit(main())
