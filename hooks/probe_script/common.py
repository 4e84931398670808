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
