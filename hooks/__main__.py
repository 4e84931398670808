"""Allow `python -m mlgate`."""

import sys

from mlgate.cli import main

sys.exit(main())
