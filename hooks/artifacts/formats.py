"""Which file is which artifact format, and the static verdict on each, from one table.

A file is recognised by its bytes (`container.detect`), never by its name alone; each kind
has its scanner: pickle and joblib streams (`pickle_scan`, after `container.decompress`
for the compressed ones), `.npy` and `.npz` (`numpy_files`), `.skops` (`skops_files`).
The verdict is findings, plus the facts the load and the version checks need.
"""

from __future__ import annotations

import os
import sys

from mlgate.artifacts.container import COMPRESSION_PREFIXES
from mlgate.artifacts.discovery import _zf_stream
from mlgate.artifacts.findings import MALFORMED, NOT_AN_ARTIFACT
from mlgate.artifacts.findings import finding as _finding
from mlgate.artifacts.skops_files import is_skops, scan_members, scan_tree
from mlgate.codes import ARTIFACT_UNRESOLVED, ARTIFACT_UNSAFE_GLOBAL
from mlgate.finding import Finding

COMPRESSIONS = tuple(kind for _, kind in COMPRESSION_PREFIXES)


def _not_a_pickle(data: bytes, why: str) -> str:
    """What a file named as a model holds instead (new-user trial round 29: a CSV committed
    as models/model.pkl read "not a pickle stream (expected 544434536 bytes in a string4)")."""
    from mlgate.files import looks_binary

    head = data[:200]
    if not looks_binary(head):
        line = head.decode("utf-8", "replace").splitlines()[0] if head.strip() else ""
        shown = line[:40] + ("..." if len(line) > 40 else "")
        return (f"not a model artifact: the file is text (it starts {shown!r}), not a"
                " pickle: pickle.load and joblib.load fail on it")
    return f"not a model artifact: not a pickle stream ({why})"


def _other_format_by_content(data: bytes) -> str | None:
    """A model in a framework's own text format that its name does not tell (.txt): a
    LightGBM model file starts "tree" then "version=v" (false-alarm round 37: a declared
    `model.txt` failed the pillar, and was told to become a pickle)."""
    lines = data[:64].split(b"\n", 2)
    if len(lines) > 2 and lines[0].strip() == b"tree" and lines[1].startswith(b"version=v"):
        return "LightGBM"
    return None


def _other_format(path: str) -> str | None:
    """The framework of a model file in another format than mlgate checks, by its name."""
    from mlgate.artifacts.discovery import OTHER_FORMATS

    return OTHER_FORMATS.get(os.path.splitext(path)[1].lower())


MAX_XGBOOST_JSON = 256 << 20  # parsed, about 4 times that in memory
MAX_XGBOOST_CONTAINERS = 4_000_000


def _xgboost_json_problem(data: bytes) -> str | None:
    """Why a file that starts like XGBoost's JSON is not what XGBoost writes, or None.
    Bounded before json builds anything (static review round 37: 80 MB of `[]` in a key
    XGBoost ignores held 2.3 GB): a size and a count of objects and lists, as skops'
    schema has. A tree is one object and a few lists; 4 million are 100,000 trees."""
    import json

    if len(data) > MAX_XGBOOST_JSON:
        return (f"of {len(data) >> 20} MiB, more than the {MAX_XGBOOST_JSON >> 20} MiB mlgate"
                " parses (save it as .ubj, XGBoost's binary JSON, which is smaller)")
    containers = data.count(b"{") + data.count(b"[")  # (braces in strings too: at most more)
    if containers > MAX_XGBOOST_CONTAINERS:
        return (f"with more than {MAX_XGBOOST_CONTAINERS} objects and lists, more than any"
                " XGBoost model holds")
    try:
        model = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return f"that is not valid JSON ({str(exc)[:100]})"
    version = model.get("version") if isinstance(model, dict) else None
    if not (isinstance(model, dict) and set(model) == {"learner", "version"}
            and isinstance(model["learner"], dict) and isinstance(version, list)
            and len(version) == 3 and all(type(v) is int and v >= 0 for v in version)):
        return "of another shape than XGBoost writes ({'learner': {...}, 'version': [x, y, z]})"
    return None


def static(path: str, data: bytes, allow, verbose: bool) -> tuple[list[Finding], dict]:
    """The static verdict on one file's bytes, and what the load and the parity checks need.
    Fails closed: a reader that raises what no check here expected (zipfile's
    NotImplementedError on a directory claiming zip version 10.0) refuses the file with a
    finding, never a traceback that stops every other file's and pillar's verdict."""
    try:
        return _verdict(path, data, allow, verbose)
    except (Exception, RecursionError) as exc:
        return [_finding(path, MALFORMED, f"it could not be read as the format it starts as"
                         f" ({type(exc).__name__}: {str(exc)[:200]}): no writer makes such a"
                         " file")], {"kind": "unknown"}


def _verdict(path: str, data: bytes, allow, verbose: bool) -> tuple[list[Finding], dict]:
    from mlgate.artifacts.container import (
        ContainerError,
        decompress,
        detect,
        is_tar,
        zip_behind,
    )
    from mlgate.artifacts.discovery import NOT_CHECKED_FORMATS, reads_as_pickle
    from mlgate.artifacts.pickle_scan import JOBLIB_WRAPPER, scan_pickle

    kind = detect(data)
    facts: dict = {"kind": kind}
    if kind == "empty":
        return [_finding(path, NOT_AN_ARTIFACT, "empty file: no model in it")], facts
    if zip_behind(data):
        # One file, two formats: what its start says is scanned, what zipfile finds from
        # its end (a .skops or .npz archive) is what skops.io.load or numpy.load reads.
        if kind == "pickle":
            # Keras 3 pickles a model as its .keras zip, a bytes constant near the pickle's
            # end (new-user round 33: "damaged or tampered" hid why it is refused): what
            # the pickle calls is said first, the zip only when the pickle passes.
            refused = scan_pickle(data, allow).refusals
            if refused:
                return [refusal_finding(path, r, kind) for r in refused], facts
        start = {"npy": "an .npy header", "unknown": "bytes of no model format"}.get(
            kind, f"a {kind} stream")
        return [_finding(path, MALFORMED, f"a zip archive's directory at its end, behind"
                         f" {start} at its start: skops and numpy.load would read the zip,"
                         " which this scan did not; no writer makes such a file")], facts
    if kind == "lfs":
        return [_finding(path, NOT_AN_ARTIFACT, "a Git LFS pointer, not the artifact: run"
                         " `git lfs pull` where the artifact must be checked", "warning")], facts
    if kind == "zip" and is_skops(data):
        # skops' own format: no pickle; its types are listed by skops itself, in the
        # project's environment, when the file is loaded (layer 2).
        facts.update(kind="skops", loader="skops", globals=[], versions={})
        # Its arrays are .npy members; numpy.load(allow_pickle=True) would unpickle any of
        # them, named in the schema or not: each is scanned as an .npy file.
        return scan_tree(path, data, allow, facts) + scan_members(path, data, allow), facts
    if kind in ("npy", "zip"):
        return _static_numpy(path, data, kind, allow, verbose, facts), facts
    if kind in ("xgboost-json", "xgboost-ubj"):
        # No code in it: XGBoost's parser reads it in the sandboxed probe, and the probe
        # checks its trees after the load. JSON is checked for the shape XGBoost writes first.
        facts.update(loader="xgboost", globals=[], versions={})
        problem = _xgboost_json_problem(data) if kind == "xgboost-json" else None
        # (a real model past the size cap is no damaged file: review round 37, a 6,000-tree
        # multiclass model of 420 MiB was told it "was tampered with")
        large = problem is not None and problem.startswith("of ")
        return ([_finding(path, MALFORMED, f"an XGBoost JSON model {problem}", hint=(
            "save the model as .ubj (model.save_model(\"model.ubj\"), XGBoost's binary"
            " JSON, about half the size), which mlgate checks" if large else None))]
                if problem else []), facts
    if kind == "unknown" and _zf_stream(data[:64]) is not None:
        # (static review round 37: called "not a model artifact", with a hint to leave it
        # undeclared, though joblib.load unpickles it with no restriction at all)
        return [_finding(path, ARTIFACT_UNRESOLVED, "a joblib < 0.10 \"ZF\" container:"
                         " joblib.load still reads it, through a compatibility loader that"
                         " unpickles with no restriction and opens files beside it; no"
                         " current writer makes it, and mlgate does not load it",
                         hint="re-save the model with a current joblib (joblib.dump) from"
                              " a trusted copy; never load this file")], facts
    if kind == "unknown":
        return [_finding(path, NOT_AN_ARTIFACT, "not a model artifact: no pickle, joblib or"
                         " compression signature",
                         hint="mlgate checks pickle, joblib, .npy/.npz, .skops and XGBoost"
                              " .json/.ubj files; a model in another library's own format"
                              " (LightGBM .txt, ONNX) holds no code and is not checked here:"
                              " declare the pickled estimator instead, or leave this file"
                              " undeclared")], facts
    if kind in ("tar", "zstd"):
        return [_archive_finding(path, kind)], facts
    stream = data
    if kind != "pickle":
        try:
            stream = decompress(data, kind)
        except ContainerError as exc:
            return [_finding(path, MALFORMED, str(exc))], facts
        if is_tar(stream):
            return [_archive_finding(path, f"tar archive compressed with {kind}")], facts
    facts["size"] = len(stream)
    verdict = scan_pickle(stream, allow)
    globals_ = sorted(set(verdict.globals))
    if verbose:
        needed = ", ".join(f"{m}.{n}" for m, n in globals_)
        print(f"mlgate artifact: {path} ({kind}) imports {needed or 'nothing'}", file=sys.stderr)
    first = verdict.refusals[0] if verdict.refusals else None
    if first and kind == "pickle" and data[:1] != b"\x80" and first.code in (
            ARTIFACT_UNRESOLVED, MALFORMED) and not reads_as_pickle(data):
        # No protocol header, and neither pickle.load nor joblib.load would read it and act:
        # a text or binary file, not a pickle. (One they would read keeps its refusal.)
        other = _other_format(path) or _other_format_by_content(data)
        if other:
            # A model in its framework's own format, declared as the model (new-user round
            # 35: a CatBoost .cbm was "not a pickle stream", and the hint said to pickle it,
            # away from the safer format): not checked, said so; its schema and latency
            # pillars then say NOT CHECKED, and the audit is INCOMPLETE, not READY.
            return [_finding(path, NOT_AN_ARTIFACT, f"a {other} model in {other}'s own format:"
                             f" {NOT_CHECKED_FORMATS}, so nothing in this one was checked",
                             severity="warning", hint="keep the format; the pillars mlgate"
                             " cannot check stay NOT CHECKED ([tool.mlgate] require says"
                             " which the audit needs)")], facts
        return [_finding(path, NOT_AN_ARTIFACT, _not_a_pickle(data, first.message),
                         hint="if a model belongs here, dump the trained model to it"
                              " (joblib.dump or pickle.dump) and commit that; if the file is"
                              " data, give it the name of what it holds (.csv, .txt)")], facts
    state_facts(verdict, facts)
    facts.update(
        globals=[list(g) for g in globals_], called=sorted(list(g) for g in verdict.called),
        versions={name: sorted(v) for name, v in verdict.versions.items()},
        loader="joblib" if kind in COMPRESSIONS or JOBLIB_WRAPPER in globals_ else "pickle",
    )
    numpy_layouts = {m.split(".")[1] for m, _ in globals_
                     if m.startswith(("numpy.core.", "numpy._core."))}
    if numpy_layouts:
        facts["numpy_layout"] = sorted(numpy_layouts)
    return [refusal_finding(path, r, kind) for r in verdict.refusals], facts


def _archive_finding(path: str, kind: str) -> Finding:
    """A tar archive or a zstd file: pandas.read_pickle unpickles what it holds (a one-file
    tar's member; a `.zst`'s stream, with zstandard installed), and mlgate reads neither, so
    it cannot vouch for it: refused, with what to commit instead (fail closed)."""
    what = {"zstd": "a zstd-compressed file", "tar": "a tar archive"}.get(kind, f"a {kind}")
    return _finding(
        path, NOT_AN_ARTIFACT,
        f"{what}: pandas.read_pickle unpickles what it holds, and mlgate does not check"
        " pickles inside archives or zstd streams",
        hint="commit the model file itself (joblib.dump, with compress= if size matters) and"
             " build the archive a deployment tool wants (SageMaker's model.tar.gz) in CI from"
             " the checked file; if the file is data, not a model, list it in"
             " [tool.mlgate] exclude")


def refusal_finding(path: str, refusal, kind: str) -> Finding:
    """A scan's refusal as a finding; a refused global's hint fits where it comes from, and
    its `allow` entry is what the CLI's one snippet lists."""
    from mlgate.artifacts.refused_globals import (
        CODE_HINT,
        DANGER_HINT,
        NOT_OFFERED_HINT,
        carries_code,
        hint,
        offered,
        opaque_hint,
    )

    if refusal.pair is None:
        return _finding(path, refusal.code, refusal.message, offset=refusal.offset,
                        container=kind,
                        hint=refusal.hint or (DANGER_HINT if refusal.code == ARTIFACT_UNSAFE_GLOBAL
                                              else None))

    module, name = refusal.pair
    if carries_code(module):
        return _finding(path, refusal.code, refusal.message, hint=CODE_HINT,
                        offset=refusal.offset, container=kind, module=module, name=name)
    if refusal.opaque:  # allowed, it would still be refused: no remedy to offer
        return _finding(path, refusal.code, refusal.message, hint=opaque_hint(refusal.opaque),
                        offset=refusal.offset, container=kind, module=module, name=name)
    if not offered(module, name):  # a function, say: named, never suggested for `allow`
        return _finding(path, refusal.code, refusal.message,
                        hint=refusal.hint or NOT_OFFERED_HINT,
                        offset=refusal.offset, container=kind, module=module, name=name)
    return _finding(path, refusal.code, refusal.message, hint=hint(module, name),
                    offset=refusal.offset, container=kind, module=module, name=name,
                    allow=f"{module}:{name}")


def state_facts(verdict, facts: dict) -> None:
    """What the probe verifies before unpickling: dtype states, compiled-state classes."""
    if verdict.dtypes:
        facts["dtypes"] = verdict.dtypes
    if verdict.compiled:
        facts["compiled"] = sorted(list(p) for p in verdict.compiled)
    if verdict.subclasses:
        facts["subclasses"] = sorted(list(p) for p in verdict.subclasses)
    if verdict.slots:
        facts["slots"] = sorted([m, n, list(keys)] for m, n, keys in verdict.slots)
    if verdict.dict_classes:
        facts["dict_classes"] = sorted(list(p) for p in verdict.dict_classes)
    if verdict.absent_modules:
        facts["absent_modules"] = sorted(verdict.absent_modules)


def preimports(kind: str, head: bytes) -> list[str]:
    """What the load will import anyway, guessed from the file's head (a compressed one is
    taken for a scikit-learn model): imported by the probe while mlgate hashes and scans.
    Only speed depends on the guess; the probe stops at the first that does not import."""
    if kind in COMPRESSIONS:
        return ["numpy", "joblib.numpy_pickle", "sklearn.base"]
    names = ["numpy"] if b"numpy" in head else []
    if b"joblib" in head:
        names.append("joblib.numpy_pickle")
    if b"sklearn" in head:
        names.append("sklearn.base")
    return names


def _zip_format(data: bytes) -> str | None:
    """Which library's zip archive this is, by its members' names, or None."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()[:10_000]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return None
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "PyTorch (torch.save)"
    if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
        return "Keras (.keras)"
    return None


def _zipped_model(data: bytes) -> str | None:
    """The model a zip archive that is no .npz holds, described, or None: its one member
    when pickle.load acts on it (pandas.read_pickle("model.zip")), else a member named as
    an artifact (what unpacks the archive loads it)."""
    import io
    import zipfile

    from mlgate.artifacts.discovery import _PARSE_LIMIT, holds_pickle, named_as_artifact

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if len(infos) == 1:
                with archive.open(infos[0]) as member:
                    head = member.read(_PARSE_LIMIT)
                if holds_pickle(head, len(head) == infos[0].file_size, infos[0].file_size):
                    return "zip archive of one pickle"
            named = next((i.filename for i in infos if named_as_artifact(i.filename)), None)
    except Exception:  # zipfile's many errors: the archive's other findings stand
        return None
    return f"zip archive holding {named[:100]}" if named else None


def _static_numpy(path: str, data: bytes, kind: str, allow, verbose: bool,
                  facts: dict) -> list[Finding]:
    """.npy/.npz: arrays are data; an object array's pickle is scanned like any other, and
    the file is loaded in the probe like any artifact (object arrays through the restricted
    unpickler)."""
    from mlgate.artifacts.numpy_files import NOT_NPZ, scan_npy, scan_npz

    verdict = scan_npy(data, allow) if kind == "npy" else scan_npz(data, allow)
    state_facts(verdict, facts)
    facts.update(loader="npy" if kind == "npy" else "npz", size=len(data),
                 globals=sorted(list(g) for g in set(verdict.globals)),
                 called=sorted(list(g) for g in verdict.called),
                 versions={name: sorted(v) for name, v in verdict.versions.items()})
    if verbose:
        needed = ", ".join(f"{m}.{n}" for m, n in sorted(set(verdict.globals)))
        print(f"mlgate artifact: {path} ({kind}) imports {needed or 'nothing'}", file=sys.stderr)
    found = []
    for refusal in verdict.refusals:
        if refusal.code == NOT_NPZ:
            # numpy.load hands out any member by name and unpickles one that starts with
            # the .npy magic, whatever it is called: an unknown archive is not vouched for.
            known = _zip_format(data)
            model = None if known else _zipped_model(data)
            if model:
                found.append(_archive_finding(path, model))
                continue
            found.append(_finding(
                path, NOT_AN_ARTIFACT,
                f"a {known} archive: mlgate checks pickle, joblib, .npy/.npz and .skops"
                " models, not this format" if known else
                f"{refusal.message}; mlgate cannot vouch for other zip archives (.keras, ...)",
                hint="a PyTorch file holds a pickle that torch.load(weights_only=False) runs:"
                     " load it with weights_only=True, or ship the model in a format mlgate"
                     " checks" if known == "PyTorch (torch.save)" else None))
        else:
            found.append(refusal_finding(path, refusal, kind))
    return found
