"""Regular expressions compiled on first use.

A hook run on one clean file needs three patterns; compiling every module's patterns at
import time was a third of a one-file run's cost.
"""

from __future__ import annotations

import re


class LazyPattern:
    """Behaves like `re.compile(pattern, flags)`, compiling on the first attribute access."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._pattern, self._flags = pattern, flags

    def __getattr__(self, name: str):
        # Only reached for attributes not yet cached: compile, then keep the compiled
        # pattern's bound method on the instance so later calls skip this hook.
        value = getattr(re.compile(self._pattern, self._flags), name)
        setattr(self, name, value)
        return value
