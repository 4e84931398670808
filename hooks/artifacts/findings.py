"""How the artifact check words what it finds: codes, severities, hints, one finding."""

from __future__ import annotations

from mlgate.codes import ARTIFACT_CLASS_MISSING as CLASS_MISSING
from mlgate.codes import ARTIFACT_IMPORT_FAILS as IMPORT_FAILS
from mlgate.codes import ARTIFACT_LIBRARY_UNLOCKED as LIBRARY_UNLOCKED
from mlgate.codes import ARTIFACT_LOAD_FAILS as LOAD_FAILS
from mlgate.codes import ARTIFACT_LOAD_WARNS as LOAD_WARNS
from mlgate.codes import ARTIFACT_MAIN_CLASS as MAIN_CLASS
from mlgate.codes import ARTIFACT_MALFORMED as MALFORMED
from mlgate.codes import ARTIFACT_NOT_AN_ARTIFACT as NOT_AN_ARTIFACT
from mlgate.codes import ARTIFACT_SERVED_UNCHECKED as SERVED_UNCHECKED
from mlgate.codes import ARTIFACT_UNFITTED as UNFITTED
from mlgate.codes import ARTIFACT_UNRESOLVED as UNRESOLVED
from mlgate.codes import ARTIFACT_UNSAFE_GLOBAL as UNSAFE_GLOBAL
from mlgate.codes import ARTIFACT_VERSION_PARITY as VERSION_PARITY
from mlgate.finding import Finding

CHECK = "artifact"
# Findings about where the model will be deployed (the lock), not about this load: the
# model loaded here, so the schema and latency checks still exercise it.
ABOUT_THE_LOCK = frozenset({VERSION_PARITY, LIBRARY_UNLOCKED})
SEVERITY = {UNSAFE_GLOBAL: "error", UNRESOLVED: "error", MAIN_CLASS: "error", MALFORMED: "error",
            NOT_AN_ARTIFACT: "error", VERSION_PARITY: "error", IMPORT_FAILS: "error",
            CLASS_MISSING: "error", LOAD_FAILS: "error", LOAD_WARNS: "warning",
            LIBRARY_UNLOCKED: "error", UNFITTED: "error",
            SERVED_UNCHECKED: "warning"}
HINTS = {
    UNSAFE_GLOBAL: "if this class is yours or comes from a library you trust, allow it in"
                   " [tool.mlgate.artifact] allow or trust-modules; never load an artifact"
                   " you do not trust",
    UNRESOLVED: "re-create the artifact with joblib.dump or pickle.dump from ordinary objects",
    MAIN_CLASS: "move the class into an importable module of the project and pickle again",
    MALFORMED: "re-create the artifact; the file is damaged or was tampered with",
    CLASS_MISSING: "re-train and dump with the versions the project ships, or pin the version"
                   " the artifact was made with",
    LOAD_FAILS: "load it yourself in the project's environment to see the full error",
    UNFITTED: "call fit() before you dump it (was the estimator saved before training, or"
              " a fresh one made by mistake?)",
    LOAD_WARNS: "a library reads the artifact with other code than wrote it (often another"
                " version): re-create it with the versions the project ships, or pin the"
                " ones it was made with",
}


def finding(path: str, code: str, message: str, severity: str | None = None,
             hint: str | None = None, **extra) -> Finding:
    return Finding(path, 1, 1, code, message, severity=severity or SEVERITY[code],
                   hint=HINTS.get(code, "") if hint is None else hint,
                   extra={"check": CHECK, **extra})


def stored(finding: Finding) -> dict:
    return {"code": finding.code, "message": finding.message, "severity": finding.severity,
            "hint": finding.hint, "extra": finding.extra}
