"""The rule registry: every code's default severity and documentation, in one place.

docs/rules.md's rule tables and README.md's rules table are generated from it
(`python -m mlgate.rules_catalog --write`, between `<!-- rules:... -->` markers; the prose
around them is written by hand), SARIF's rule descriptions and `mlgate rule CODE` read it, and
`hooks/codes.py` names each code for the modules that emit it. Fields are markdown; the `plain`
forms drop it for terminals and SARIF.
"""
# mlgate: ignore-file  (the descriptions quote the very paths the rules flag)

from __future__ import annotations

import os
import re
import sys
from typing import NamedTuple

# Where docs/rules.md is published, for SARIF's helpUri; None until the project has a public URL
# (no link beats a dead one).
DOCS_URL: str | None = None


class Rule(NamedTuple):
    severity: str  # the default, before [tool.mlgate] severity
    summary: str  # README's table, `mlgate rule`'s title, SARIF's shortDescription
    what: str  # docs/rules.md: what is flagged
    examples: str = ""  # docs/rules.md (the paths rules)
    fix: str = ""  # what to do
    kind: str = ""  # the lock rules' short name (missing, mismatch, ...)
    severity_note: str = ""  # "(warning where ...)", "/ warning": when the default varies

    @property
    def description(self) -> str:
        """What is flagged, with its examples, as plain text."""
        text = plain(self.what)
        return f"{text}, e.g. {plain(self.examples)}" if self.examples else text


def plain(markdown: str) -> str:
    return markdown.replace("`", "").replace("*", "")


def anchor(code: str) -> str:
    """The code's anchor in docs/rules.md."""
    return code.lower()


RULES: dict[str, Rule] = {
    "MLG001": Rule(
        'error',
        summary='a named file cannot be read (missing, FIFO, permission)',
        what='a named file cannot be read: missing, not a regular file (FIFO, '
             'device), permission denied',
        fix='check the path; pre-commit never passes deleted files',
    ),
    "MLG002": Rule(
        'warning',
        summary='malformed notebook; checked as plain text (warning)',
        what='a notebook is malformed; it was checked as plain text instead',
        fix='fix the file (it will not open in Jupyter either). Malformed or '
            'commented JSON (JSONC: `.vscode/settings.json`, `devcontainer.json`) '
            'is read as text silently',
    ),
    "MLG101": Rule(
        'error',
        summary='user home or developer-machine path: `/Users/...`, '
                '`/home/<user>/...`, `/root/...`, `/opt/homebrew`',
        what='user homes and developer-machine locations',
        examples='`/Users/ana/...` (and bare `/Users`), `/home/ana/...`, '
                 '`/private/home/ana/...`, `/userhome/ana/...`, `/root/...`, '
                 '`/opt/homebrew/...`, `/usr/local/Cellar/...`',
    ),
    "MLG102": Rule(
        'error',
        summary='mounted volume or data root: `/mnt`, `/media`, `/Volumes`, `/data`, '
                '`/scratch`, `/nfs`, ...',
        what='mounted volumes, data roots and cluster file systems',
        examples='`/mnt/...`, `/media/...`, `/Volumes/...`, `/data/...`, `/data2/...`, '
                 '`/datasets/...`, `/scratch/...`, `/local/scratch/...`, '
                 '`/checkpoint/...`, `/project/...`, `/nfs/...`, `/gpfs/...`, '
                 '`/lustre/...`, `/lus/...`, `/vast/...`, `/glade/...`, `/raid/...`, '
                 '`/fsx/...`, `/efs/...`, `/nas/...`, `/storage/...`, `/disk1/...`, '
                 'roots you add with `roots`, and any non-system absolute path on the '
                 'host side of a volume mapping (`- /opt/team/data:/data`)',
    ),
    "MLG103": Rule(
        'error',
        summary='hosted-notebook path: Colab `/content`, Kaggle `/kaggle`, Databricks '
                '`/dbfs`, `dbfs:/`, `/Workspace`',
        what='hosted-notebook platform folders',
        examples="Colab `/content/...` (`drive.mount('/content/drive')`), Kaggle "
                 '`/kaggle/input/...`, Databricks `/dbfs/...`, `dbfs:/...`, '
                 '`/FileStore/...`, `/databricks-datasets/...`, `/Workspace/...`, '
                 '`/databricks/...`',
    ),
    "MLG104": Rule(
        'error',
        summary='Windows drive path, in any spelling (`C:\\`, `C:\\\\`, `C:/`)',
        what='Windows drive paths, in every spelling',
        examples='`C:\\Users\\bob\\x.csv`, `"C:\\\\Users\\\\bob"` in source, `C:/data/x.csv`',
    ),
    "MLG105": Rule(
        'error',
        summary='UNC network share `\\\\server\\share`',
        what='UNC network shares',
        examples='`\\\\fileserver\\share\\x.csv`',
    ),
    "MLG106": Rule(
        'error',
        summary='`file:` / `sqlite:` URI to such a local path',
        what='`file:` and `sqlite:` URIs whose path would itself be flagged',
        examples='`file:///home/ana/mlruns` (mlflow tracking URIs), `file:///C:/...`, '
                 '`sqlite:////home/ana/airflow.db`; not `file:///app/mlruns` or '
                 '`file:///tmp/...`',
    ),
    "MLG107": Rule(
        'error',
        summary='requirement installed from a local path (`pkg @ file:///...`, `-e '
                '/abs/path`)',
        what='requirements installed from a local path',
        examples='`pkg @ file:///Users/ana/pkg` anywhere (requirements, '
                 '`pyproject.toml`, `environment.yml`, Pipfile); in requirements files '
                 'also `-e /abs/path`, `/abs/pkg.whl`, `--find-links /abs`',
    ),
    "MLG108": Rule(
        'error',
        summary='committed symlink to such a path',
        what='a committed symlink whose target is such a path',
        examples='`data -> /Users/ana/Desktop/data`',
    ),
    "MLG109": Rule(
        'error',
        summary='machine- or cluster-specific path under no known root, used as a file '
                'path: `/local-scratch/...`, `/groups/lab/...`, `/usr/bmicnas02/...`; '
                'a warning where the use is only likely',
        what='an absolute path under no known root whose first component is neither '
             'a standard system folder (FHS: `/bin` `/boot` `/dev` `/etc` `/lib` '
             '`/lib64` `/opt` `/proc` `/run` `/sbin` `/srv` `/sys` `/tmp`; `/usr` '
             'and `/var` through their standard children) nor a container folder '
             '(`/app`, `/workspace`, `/code`; in a container file, any), used as a '
             'file path: an error where the use is certain (an argument of `open`, '
             '`read_csv`, `Path`, `os.path.join`, `dbutils.fs...`; a shell file '
             "command or the command word; a scheduler's output or working-folder "
             "option; a DVC remote's `url`; a name or key that says path: "
             '`DATA_DIR`, `cache_dir:`, `--log_dir=`, `export HF_HOME=`), a warning '
             'where it is only likely (a name such as `output` or `data`; any other '
             'word of a shell command)',
        examples='`/local-scratch/ana/...`, `/groups/lab/...`, `/staging/...`, '
                 '`/store/...`, `/h/ana/...`, `/usr/bmicnas02/...` (not `/usr/lib/...`)',
        severity_note='(warning where the use is only likely)',
    ),
    "MLG150": Rule(
        'warning',
        summary='such a path in a notebook output (warning)',
        what='such a path in a notebook *output* (stream, traceback, `text/plain`, '
             '`text/html`)',
        examples='a traceback through `/home/ana/.venv/...`; clear outputs before '
                 'committing. The field `rule` names the underlying MLG1xx code',
    ),
    "MLG200": Rule(
        'error',
        summary='a lock or requirements file that cannot be read: not text, invalid '
                'TOML/JSON, a garbage line, an unknown pip option',
        what='the lock cannot be read: not text in its encoding (UTF-8, or '
             'UTF-16/32 by its byte-order mark; once, at the first bad byte), '
             'invalid TOML/JSON, a line that is not a requirement, an unknown pip '
             'option, an unreadable `-r` include',
        fix='fix the line',
        kind='malformed',
    ),
    "MLG201": Rule(
        'error',
        summary="missing: locked (marker true for the project's Python) but not "
                'installed',
        what="locked, its marker true for the project's Python, not installed",
        fix='install the lock (`pip install -r`, `uv sync`) or drop the package',
        kind='missing',
    ),
    "MLG202": Rule(
        'error',
        summary='mismatch: installed version differs from the locked one',
        what='installed version differs from the locked one (PEP 440 equality)',
        fix='reinstall from the lock, or re-lock',
        kind='mismatch',
    ),
    "MLG203": Rule(
        'warning',
        summary='local version only: `2.1.0` locked, `2.1.0+cu121` installed (warning)',
        what='same release, different local label (`2.1.0` vs `2.1.0+cu121`)',
        fix='lock the local version if the build matters',
        kind='local-version',
    ),
    "MLG204": Rule(
        'warning',
        summary='undeclared: installed, declared nowhere (locks, extras, dev groups), '
                'and required by nothing declared (warning)',
        what='installed, in no lock found (dev and test files and subfolders '
             'included) and in no `pyproject.toml` dependency, extra or dependency '
             'group (PEP 735, uv, PDM, Poetry), and not required (through installed '
             'metadata, with the extras asked for: `uvicorn[standard]`) by anything '
             'declared or by the project itself; pip, setuptools and wheel '
             'excepted; not judged while a lock cannot be read',
        fix='add it to the lock, uninstall it, or `ignore-packages`',
        kind='undeclared',
    ),
    "MLG205": Rule(
        'error',
        summary='unpinned: a requirement not pinned with `==`/`===` (pyproject.toml '
                'only when no lock pins its folder)',
        what='a requirement not pinned with `==`/`===` (a VCS URL without a commit '
             'counts); in `pyproject.toml` only when no lock file lives in its '
             'folder or a folder above it (with `[tool.mlgate.lock] files`: when '
             'none is listed); never in `.in` files',
        fix='pin the version you tested (the hint names it)',
        kind='unpinned',
    ),
    "MLG206": Rule(
        'error',
        summary='source: a VCS/URL install whose commit or URL differs from the lock',
        what='a VCS/URL requirement installed from another commit or URL, or from '
             'an index',
        fix='reinstall from the lock',
        kind='source',
    ),
    "MLG207": Rule(
        'error',
        summary='unhashed: no `--hash` when `--require-hashes` or `require-hashes = '
                'true`',
        what='no `--hash` while `--require-hashes` (anywhere in the run) or '
             '`require-hashes = true`',
        fix='generate hashes',
        kind='unhashed',
    ),
    "MLG301": Rule(
        'error',
        summary='an artifact references a global that is not on the allow-list '
                '(`posix.system`, `builtins.eval`, ...)',
        what='a global that is not on the allow-list (`posix.system`, '
             '`builtins.eval`, `pkgutil.resolve_name`, `numpy.load`, dotted names '
             'through allowed modules, ...). A global pickle exploits are built on '
             'stops the scan; every other one (a class mlgate does not vet) is '
             'reported in the same run, and the text report ends with one '
             '`[tool.mlgate.artifact]` allow list naming them all',
    ),
    "MLG302": Rule(
        'error',
        summary='an artifact does something the static scan cannot vouch for (a call '
                'on a computed value, an undefined memo key, extension codes, '
                'persistent ids)',
        what='what cannot be resolved with certainty: STACK_GLOBAL with '
             'non-constant operands, a call on a computed value, BUILD on a class, '
             'an undefined memo key, EXT codes, persistent ids, out-of-band '
             'buffers, a joblib array of unknown size, an `.npy` dtype that cannot '
             'be sized, a value type (datetime, Decimal, UUID, deque, ...) in a '
             'form CPython never writes, the array bytes of a joblib < 1.2 file '
             'that pickle.load would read as opcodes importing or calling something',
    ),
    "MLG303": Rule(
        'error',
        summary='an artifact needs a class defined in `__main__` (a script or notebook)',
        what='a class from `__main__`: defined in a script or notebook; move it '
             'into an importable module',
    ),
    "MLG304": Rule(
        'error',
        summary='not a model artifact: empty, a Git LFS pointer (warning), not a '
                'pickle, a zip that is not an .npz (warning)',
        what='not an artifact: empty, not a pickle; a Git LFS pointer, zip archives '
             'that are neither `.npz` nor `.skops`, and `.skops` with `--no-load` '
             'are warnings',
        severity_note='/ warning',
    ),
    "MLG305": Rule(
        'error',
        summary='a damaged artifact: truncated, inconsistent frames, data after STOP, '
                'a corrupt or oversized compressed stream',
        what='damaged: truncation, inconsistent FRAMEs, data or a second pickle '
             'after STOP, a joblib array past the end of the file, a corrupt, '
             'truncated or oversized compressed stream, a bad `.npy` header, an '
             '`.npz` member that is not `.npy`',
    ),
    "MLG306": Rule(
        'error',
        summary="pickled with another scikit-learn than the project's environment has "
                'or the lock pins; numpy 1.x/2.x layout',
        what='the `_sklearn_version` an estimator recorded differs from the project '
             "environment's scikit-learn, or from the lock's pin; numpy 2 paths "
             'under numpy < 1.26 (error), numpy 1.x paths under numpy 2 (warning)',
        severity_note='/ warning',
    ),
    "MLG307": Rule(
        'error',
        summary='a module the artifact needs does not import: not installed (is it in '
                'the lock?), or not on the import roots',
        what='a module the artifact needs does not import: not installed (the '
             'message says whether the lock has it), not on the import roots (the '
             'hint names the folder to add to `pythonpath`), or a submodule the '
             'installed version no longer has',
    ),
    "MLG308": Rule(
        'error',
        summary='a class the artifact needs no longer exists in the installed version',
        what='a class the artifact needs does not exist in the installed module '
             '(renamed or removed)',
    ),
    "MLG309": Rule(
        'error',
        summary='loading failed: an exception, the timeout, the memory limit, a crash, '
                'a module only the repository provides',
        what='loading failed: an exception (type and first line, no traceback), the '
             'timeout, the memory limit, a crash (signal), a module only the '
             'repository provides',
    ),
    "MLG310": Rule(
        'warning',
        summary='loading the artifact raised a warning: a library reads it with other '
                'code than wrote it (often another version)',
        what='loading the artifact raised a warning: a library reads it with other '
             'code than wrote it (often another version)',
    ),
    "MLG400": Rule(
        'error',
        summary="a model's sample, contract or artifact cannot be used: unreadable, "
                'missing, malformed, a class not found, an artifact that does not pass '
                'the artifact check',
        what="a model's sample, contract or artifact cannot be used: unreadable, "
             'missing, malformed, a class not found, an artifact that does not pass '
             'the artifact check',
    ),
    "MLG401": Rule(
        'error',
        summary='a column the model needs is missing from the sample (warning when the '
                'model has it but does not read it); the hint names a close match, if '
                'renamed',
        what='a column the model needs is missing from the sample (warning when the '
             'model has it but does not read it); the hint names a close match, if '
             'renamed',
    ),
    "MLG402": Rule(
        'warning',
        summary='a sample column that is not a model input: it will be ignored',
        what='a sample column that is not a model input: it will be ignored',
    ),
    "MLG403": Rule(
        'error',
        summary="the sample's columns are out of order, and the model checks the order",
        what="the sample's columns are out of order, and the model checks the order",
    ),
    "MLG404": Rule(
        'error',
        summary='a model fitted without column names gets a sample of another width',
        what='a model fitted without column names gets a sample of another width',
    ),
    "MLG405": Rule(
        'error',
        summary='a column the model needs is not in the API contract (field names or '
                'aliases, as configured)',
        what='a column the model needs is not in the API contract (field names or '
             'aliases, as configured)',
    ),
    "MLG406": Rule(
        'warning',
        summary='an API contract field that is not a model input',
        what='an API contract field that is not a model input',
    ),
    "MLG407": Rule(
        'error',
        summary="the one-row sample does not predict in the project's environment (an "
                'exception or a hang)',
        what="the one-row sample does not predict in the project's environment (an "
             'exception or a hang)',
    ),
    "MLG408": Rule(
        'error',
        summary='an empty request hangs (error) or crashes with something other than a '
                'clear validation error (warning)',
        what='an empty request hangs (error) or crashes with something other than a '
             'clear validation error (warning)',
        severity_note='/ warning',
    ),
    "MLG409": Rule(
        'warning',
        summary='the contract, read without importing it, may be incomplete (computed '
                'aliases, a base class not found)',
        what='the contract, read without importing it, may be incomplete (computed '
             'aliases, a base class not found)',
    ),
    "MLG410": Rule(
        'error',
        summary="a sample value disagrees with the contract's type or allowed values",
        what="a sample value disagrees with the contract's type or allowed values",
    ),
    "MLG411": Rule(
        'warning',
        summary='a model has neither a sample request nor an API contract: its input '
                'was not checked',
        what='a model has neither a sample request nor an API contract: its input '
             'was not checked',
    ),
    "MLG501": Rule(
        'error',
        summary='p95 of one single-row request exceeds the latency budget, measured '
                'twice',
        what='p95 of one single-row request exceeds the latency budget, measured '
             'twice',
    ),
    "MLG502": Rule(
        'error',
        summary='latency cannot be measured: the sample does not predict (error), or '
                'there is no sample (warning)',
        what='latency cannot be measured: the sample does not predict (error), or '
             'there is no sample (warning)',
        severity_note='/ warning',
    ),
}

# docs/rules.md's tables: a family's codes and the columns its table shows.
TABLES: dict[str, tuple[str, ...]] = {
    "MLG0": ("severity", "what", "what to do"),
    "MLG1": ("severity", "what is flagged", "examples"),
    "MLG2": ("severity", "kind", "what", "what to do"),
    "MLG3": ("severity", "what"),
    "MLG4": ("severity", "what"),
    "MLG5": ("severity", "what"),
}
_CELLS = {
    "severity": lambda r: f"{r.severity} {r.severity_note}".strip(),
    "what": lambda r: r.what, "what is flagged": lambda r: r.what,
    "examples": lambda r: r.examples, "what to do": lambda r: r.fix, "kind": lambda r: r.kind,
}
_BLOCK_RE = re.compile(r"(<!-- rules:(\w+) -->\n)(.*?)(<!-- /rules -->)", re.S)


def docs_table(family: str) -> str:
    """docs/rules.md's table of one family (MLG1 for MLG1xx), one anchor per code."""
    columns = TABLES[family]
    lines = ["| code | " + " | ".join(columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    for code, rule in RULES.items():
        if code.startswith(family):
            cells = [_CELLS[c](rule) for c in columns]
            lines.append(f'| <a id="{anchor(code)}"></a>{code} | ' + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def readme_table() -> str:
    """README.md's table: every code and its summary."""
    rows = [f"| {code} | {rule.summary} |" for code, rule in RULES.items()]
    return "\n".join(["| code | what |", "| --- | --- |", *rows]) + "\n"


def render(text: str) -> str:
    """`text` with every `<!-- rules:X -->` block regenerated (X: a family, or `all`)."""
    def block(match: re.Match) -> str:
        name = match.group(2)
        body = readme_table() if name == "all" else docs_table(name)
        return match.group(1) + body + match.group(4)

    return _BLOCK_RE.sub(block, text)


GENERATED = ("docs/rules.md", "README.md")


def main(argv: list[str]) -> int:
    """`--write`: regenerate the tables in the files named in GENERATED (from the repository
    root); `--check`: exit 1 when one differs."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stale = []
    for name in GENERATED:
        path = os.path.join(root, name)
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        new = render(text)
        if new != text:
            stale.append(name)
            if "--write" in argv:  # beside, then renamed: never half a file
                with open(path + ".tmp", "w", encoding="utf-8", newline="") as handle:
                    handle.write(new)
                os.replace(path + ".tmp", path)
    if stale and "--write" not in argv:
        print(f"out of date: {', '.join(stale)}; run python -m mlgate.rules_catalog --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
