"""Every rule code mlgate emits, named: the one place a code is spelled.

Modules import their codes from here (under their own short names where that reads better);
what each code means is `mlgate.rules_catalog`. Nothing else is imported, so the lightweight
hooks pay nothing for it.
"""

# MLG0xx: any check
FILE_UNREADABLE = "MLG001"
NOTEBOOK_MALFORMED = "MLG002"
SUPPRESSION_MALFORMED = "MLG003"

# MLG1xx: mlgate paths
PATH_HOME = "MLG101"
PATH_MOUNT = "MLG102"
PATH_HOSTED_NOTEBOOK = "MLG103"
PATH_WINDOWS = "MLG104"
PATH_UNC = "MLG105"
PATH_FILE_URI = "MLG106"
PATH_LOCAL_REQUIREMENT = "MLG107"
PATH_SYMLINK = "MLG108"
PATH_UNKNOWN_ROOT = "MLG109"
PATH_NOTEBOOK_OUTPUT = "MLG150"

# MLG2xx: mlgate lock
LOCK_MALFORMED = "MLG200"
LOCK_MISSING = "MLG201"
LOCK_MISMATCH = "MLG202"
LOCK_LOCAL_VERSION = "MLG203"
LOCK_UNDECLARED = "MLG204"
LOCK_UNPINNED = "MLG205"
LOCK_SOURCE = "MLG206"
LOCK_NO_HASH = "MLG207"
LOCK_STALE = "MLG208"
LOCK_IMAGE_PYTHON = "MLG209"
LOCK_IMAGE_UNPINNED = "MLG210"
LOCK_SERVICE_IMPORT = "MLG211"

# MLG3xx: mlgate artifact
ARTIFACT_UNSAFE_GLOBAL = "MLG301"
ARTIFACT_UNRESOLVED = "MLG302"
ARTIFACT_MAIN_CLASS = "MLG303"
ARTIFACT_NOT_AN_ARTIFACT = "MLG304"
ARTIFACT_MALFORMED = "MLG305"
ARTIFACT_VERSION_PARITY = "MLG306"
ARTIFACT_IMPORT_FAILS = "MLG307"
ARTIFACT_CLASS_MISSING = "MLG308"
ARTIFACT_LOAD_FAILS = "MLG309"
ARTIFACT_LOAD_WARNS = "MLG310"
ARTIFACT_LIBRARY_UNLOCKED = "MLG311"

# MLG4xx: mlgate schema
MODEL_UNUSABLE = "MLG400"
SCHEMA_MISSING = "MLG401"
SCHEMA_EXTRA = "MLG402"
SCHEMA_ORDER = "MLG403"
SCHEMA_WIDTH = "MLG404"
CONTRACT_MISSING = "MLG405"
CONTRACT_EXTRA = "MLG406"
SAMPLE_FAILS = "MLG407"
EMPTY_REQUEST = "MLG408"
CONTRACT_INEXACT = "MLG409"
SAMPLE_TYPE_MISMATCH = "MLG410"
NOTHING_TO_COMPARE = "MLG411"

# MLG5xx: mlgate latency
LATENCY_OVER_BUDGET = "MLG501"
LATENCY_NOT_MEASURED = "MLG502"


def known(code: str) -> bool:
    """Whether `code` is one of mlgate's rules (a configuration that names another is a mistake)."""
    return code in _ALL


_ALL = frozenset(value for name, value in list(globals().items())
                 if name.isupper() and isinstance(value, str) and value.startswith("MLG"))
