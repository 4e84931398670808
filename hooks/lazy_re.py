"""Regular expressions compiled on first use.

A hook run on one clean file needs three patterns; compiling every module's patterns at
import time was a third of a one-file run's cost.
"""

from __future__ import annotations

import re


class LazyPattern:
    """Behaves like `re.compile(pattern, flags)`, compiling on the first attribute access."""

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._pattern, self._flags, self._compiled = pattern, flags, None

    def __getattr__(self, name: str):
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._pattern, self._flags)
        return getattr(compiled, name)
