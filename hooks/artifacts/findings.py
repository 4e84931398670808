"""How the artifact check words what it finds: codes, severities, hints, one finding."""

from __future__ import annotations

from mlgate.finding import Finding

CHECK = "artifact"
NOT_AN_ARTIFACT = "MLG304"
MALFORMED = "MLG305"
VERSION_PARITY = "MLG306"
IMPORT_FAILS = "MLG307"
CLASS_MISSING = "MLG308"
LOAD_FAILS = "MLG309"
LOAD_WARNS = "MLG310"
SEVERITY = {"MLG301": "error", "MLG302": "error", "MLG303": "error", MALFORMED: "error",
            NOT_AN_ARTIFACT: "error", VERSION_PARITY: "error", IMPORT_FAILS: "error",
            CLASS_MISSING: "error", LOAD_FAILS: "error", LOAD_WARNS: "warning"}
HINTS = {
    "MLG301": "if this class is yours, allow it in [tool.mlgate.artifact] allow or"
              " trust-modules; never load an artifact you do not trust",
    "MLG302": "re-create the artifact with joblib.dump or pickle.dump from ordinary objects",
    "MLG303": "move the class into an importable module of the project and pickle again",
    MALFORMED: "re-create the artifact; the file is damaged or was tampered with",
    CLASS_MISSING: "re-train and dump with the versions the project ships, or pin the version"
                   " the artifact was made with",
    LOAD_FAILS: "load it yourself in the project's environment to see the full error",
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
