"""``python -m cracktrader.cli`` (same as the ``cracktrader`` script)."""

import sys

from cracktrader.cli import main

sys.exit(main())
