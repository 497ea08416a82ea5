"""``python -m cracktrader`` runs the ``cracktrader`` command line."""

import sys

from cracktrader.cli import main

sys.exit(main())
