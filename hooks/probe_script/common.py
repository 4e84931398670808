"""What every probe module shares: how a load failure is told."""

import os


class LoadFailure(Exception):
    """Why an artifact did not load, as data: the parent turns it into a finding."""

    def __init__(self, kind, message, **details):
        Exception.__init__(self, message)
        self.kind, self.message, self.details = kind, message, details


def _under(path, roots):
    path = os.path.realpath(path)
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def error_text(exc, limit=500):
    """An exception's message on one line: its first lines joined (scikit-learn's "node array
    ... has an incompatible dtype:" says what it means on the lines after), within `limit`."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    for line in lines[1:4]:
        if len(text) + len(line) + 1 > limit:
            break
        text += " " + line
    return text[:limit]
