"""What each rule code means, for reporters that describe rules (SARIF): never read at run time
from the docs, which an installed mlgate does not have.

`tests/test_sarif.py` keeps this in step with the tables of docs/rules.md and README.md: the same
codes, each default severity, and the same words (markdown dropped). Edit the docs and this
together.
"""
# mlgate: ignore-file  (the descriptions quote the very paths the rules flag)

from __future__ import annotations

# code -> (default severity, short description (README's table), full description (docs/rules.md:
# what is flagged, with its examples), what to do (docs/rules.md, where the table says; else "")).
# The default severity is the one a finding has before `severity` configuration; MLG304 and
# MLG306 are errors in most cases and warnings in some (see docs/rules.md).
RULES: dict[str, tuple[str, str, str, str]] = {
    "MLG001": (
        "error",
        "a named file cannot be read (missing, FIFO, permission)",
        "a named file cannot be read: missing, not a regular file (FIFO, device), permission "
        "denied",
        "check the path; pre-commit never passes deleted files",
    ),
    "MLG002": (
        "warning",
        "malformed notebook; checked as plain text (warning)",
        "a notebook is malformed; it was checked as plain text instead",
        "fix the file (it will not open in Jupyter either). Malformed or commented JSON (JSONC: "
        ".vscode/settings.json, devcontainer.json) is read as text silently",
    ),
    "MLG101": (
        "error",
        "user home or developer-machine path: /Users/..., /home/<user>/..., /root/..., "
        "/opt/homebrew",
        "user homes and developer-machine locations, e.g. /Users/ana/... (and bare /Users), "
        "/home/ana/..., /private/home/ana/..., /userhome/ana/..., /root/..., /opt/homebrew/..., "
        "/usr/local/Cellar/...",
        "",
    ),
    "MLG102": (
        "error",
        "mounted volume or data root: /mnt, /media, /Volumes, /data, /scratch, /nfs, ...",
        "mounted volumes, data roots and cluster file systems, e.g. /mnt/..., /media/..., "
        "/Volumes/..., /data/..., /data2/..., /datasets/..., /scratch/..., /local/scratch/..., "
        "/checkpoint/..., /project/..., /nfs/..., /gpfs/..., /lustre/..., /lus/..., /vast/..., "
        "/glade/..., /raid/..., /fsx/..., /efs/..., /nas/..., /storage/..., /disk1/..., roots "
        "you add with roots, and any non-system absolute path on the host side of a volume "
        "mapping (- /opt/team/data:/data)",
        "",
    ),
    "MLG103": (
        "error",
        "hosted-notebook path: Colab /content, Kaggle /kaggle, Databricks /dbfs, dbfs:/, "
        "/Workspace",
        "hosted-notebook platform folders, e.g. Colab /content/... "
        "(drive.mount('/content/drive')), Kaggle /kaggle/input/..., Databricks /dbfs/..., "
        "dbfs:/..., /FileStore/..., /databricks-datasets/..., /Workspace/..., /databricks/...",
        "",
    ),
    "MLG104": (
        "error",
        "Windows drive path, in any spelling (C:\\, C:\\\\, C:/)",
        "Windows drive paths, in every spelling, e.g. C:\\Users\\bob\\x.csv, "
        '"C:\\\\Users\\\\bob" in source, C:/data/x.csv',
        "",
    ),
    "MLG105": (
        "error",
        "UNC network share \\\\server\\share",
        "UNC network shares, e.g. \\\\fileserver\\share\\x.csv",
        "",
    ),
    "MLG106": (
        "error",
        "file: / sqlite: URI to such a local path",
        "file: and sqlite: URIs whose path would itself be flagged, e.g. "
        "file:///home/ana/mlruns (mlflow tracking URIs), file:///C:/..., "
        "sqlite:////home/ana/airflow.db; not file:///app/mlruns or file:///tmp/...",
        "",
    ),
    "MLG107": (
        "error",
        "requirement installed from a local path (pkg @ file:///..., -e /abs/path)",
        "requirements installed from a local path, e.g. pkg @ file:///Users/ana/pkg anywhere "
        "(requirements, pyproject.toml, environment.yml, Pipfile); in requirements files also "
        "-e /abs/path, /abs/pkg.whl, --find-links /abs",
        "",
    ),
    "MLG108": (
        "error",
        "committed symlink to such a path",
        "a committed symlink whose target is such a path, e.g. data -> /Users/ana/Desktop/data",
        "",
    ),
    "MLG109": (
        "error",
        "machine- or cluster-specific path under no known root, used as a file path: "
        "/local-scratch/..., /groups/lab/..., /usr/bmicnas02/...; a warning where the use is "
        "only likely",
        "an absolute path under no known root whose first component is neither a standard "
        "system folder (FHS: /bin /boot /dev /etc /lib /lib64 /opt /proc /run /sbin /srv /sys "
        "/tmp; /usr and /var through their standard children) nor a container folder (/app, "
        "/workspace, /code; in a container file, any), used as a file path: an error where the "
        "use is certain (an argument of open, read_csv, Path, os.path.join, dbutils.fs...; a "
        "shell file command or the command word; a scheduler's output or working-folder "
        "option; a DVC remote's url; a name or key that says path: DATA_DIR, cache_dir:, "
        "--log_dir=, export HF_HOME=), a warning where it is only likely (a name such as "
        "output or data; any other word of a shell command), e.g. /local-scratch/ana/..., "
        "/groups/lab/..., /staging/..., /store/..., /h/ana/..., /usr/bmicnas02/... (not "
        "/usr/lib/...)",
        "",
    ),
    "MLG150": (
        "warning",
        "such a path in a notebook output (warning)",
        "such a path in a notebook output (stream, traceback, text/plain, text/html), e.g. a "
        "traceback through /home/ana/.venv/...; clear outputs before committing. The field rule "
        "names the underlying MLG1xx code",
        "",
    ),
    "MLG200": (
        "error",
        "a lock or requirements file that cannot be read: not text, invalid TOML/JSON, a garbage "
        "line, an unknown pip option",
        "the lock cannot be read: not text in its encoding (UTF-8, or UTF-16/32 by its "
        "byte-order mark; once, at the first bad byte), invalid TOML/JSON, a line that is not a "
        "requirement, an unknown pip option, an unreadable -r include",
        "fix the line",
    ),
    "MLG201": (
        "error",
        "missing: locked (marker true for the project's Python) but not installed",
        "locked, its marker true for the project's Python, not installed",
        "install the lock (pip install -r, uv sync) or drop the package",
    ),
    "MLG202": (
        "error",
        "mismatch: installed version differs from the locked one",
        "installed version differs from the locked one (PEP 440 equality)",
        "reinstall from the lock, or re-lock",
    ),
    "MLG203": (
        "warning",
        "local version only: 2.1.0 locked, 2.1.0+cu121 installed (warning)",
        "same release, different local label (2.1.0 vs 2.1.0+cu121)",
        "lock the local version if the build matters",
    ),
    "MLG204": (
        "warning",
        "undeclared: installed, declared nowhere (locks, extras, dev groups), and required by "
        "nothing declared (warning)",
        "installed, in no lock found (dev and test files and subfolders included) and in no "
        "pyproject.toml dependency, extra or dependency group (PEP 735, uv, PDM, Poetry), and "
        "not required (through installed metadata, with the extras asked for: "
        "uvicorn[standard]) by anything declared or by the project itself; pip, setuptools "
        "and wheel excepted; not judged while a lock cannot be read",
        "add it to the lock, uninstall it, or ignore-packages",
    ),
    "MLG205": (
        "error",
        "unpinned: a requirement not pinned with ==/=== (pyproject.toml only when no lock pins "
        "its folder)",
        "a requirement not pinned with ==/=== (a VCS URL without a commit counts); in "
        "pyproject.toml only when no lock file lives in its folder or a folder above it (with "
        "[tool.mlgate.lock] files: when none is listed); never in .in files",
        "pin the version you tested (the hint names it)",
    ),
    "MLG206": (
        "error",
        "source: a VCS/URL install whose commit or URL differs from the lock",
        "a VCS/URL requirement installed from another commit or URL, or from an index",
        "reinstall from the lock",
    ),
    "MLG207": (
        "error",
        "unhashed: no --hash when --require-hashes or require-hashes = true",
        "no --hash while --require-hashes (anywhere in the run) or require-hashes = true",
        "generate hashes",
    ),
    "MLG301": (
        "error",
        "an artifact references a global that is not on the allow-list (posix.system, "
        "builtins.eval, ...)",
        "a global that is not on the allow-list (posix.system, builtins.eval, "
        "pkgutil.resolve_name, numpy.load, dotted names through allowed modules, ...). A "
        "global pickle exploits are built on stops the scan; every other one (a class mlgate "
        "does not vet) is reported in the same run, and the text report ends with one "
        "[tool.mlgate.artifact] allow list naming them all",
        "",
    ),
    "MLG302": (
        "error",
        "an artifact does something the static scan cannot vouch for (a call on a computed "
        "value, an undefined memo key, extension codes, persistent ids)",
        "what cannot be resolved with certainty: STACK_GLOBAL with non-constant operands, a "
        "call on a computed value, BUILD on a class, an undefined memo key, EXT codes, "
        "persistent ids, out-of-band buffers, a joblib array of unknown size, an .npy dtype "
        "that cannot be sized, a value type (datetime, Decimal, UUID, deque, ...) in a form "
        "CPython never writes, the array bytes of a joblib < 1.2 file that pickle.load would "
        "read as opcodes importing or calling something",
        "",
    ),
    "MLG303": (
        "error",
        "an artifact needs a class defined in __main__ (a script or notebook)",
        "a class from __main__: defined in a script or notebook; move it into an importable "
        "module",
        "",
    ),
    "MLG304": (
        "error",
        "not a model artifact: empty, a Git LFS pointer (warning), not a pickle, a zip that is "
        "not an .npz (warning)",
        "not an artifact: empty, not a pickle; a Git LFS pointer, zip archives that are neither "
        ".npz nor .skops, and .skops with --no-load are warnings",
        "",
    ),
    "MLG305": (
        "error",
        "a damaged artifact: truncated, inconsistent frames, data after STOP, a corrupt or "
        "oversized compressed stream",
        "damaged: truncation, inconsistent FRAMEs, data or a second pickle after STOP, a joblib "
        "array past the end of the file, a corrupt, truncated or oversized compressed stream, a "
        "bad .npy header, an .npz member that is not .npy",
        "",
    ),
    "MLG306": (
        "error",
        "pickled with another scikit-learn than the project's environment has or the lock pins; "
        "numpy 1.x/2.x layout",
        "the _sklearn_version an estimator recorded differs from the project environment's "
        "scikit-learn, or from the lock's pin; numpy 2 paths under numpy < 1.26 (error), numpy "
        "1.x paths under numpy 2 (warning)",
        "",
    ),
    "MLG307": (
        "error",
        "a module the artifact needs does not import: not installed (is it in the lock?), or "
        "not on the import roots",
        "a module the artifact needs does not import: not installed (the message says whether "
        "the lock has it), not on the import roots (the hint names the folder to add to "
        "pythonpath), or a submodule the installed version no longer has",
        "",
    ),
    "MLG308": (
        "error",
        "a class the artifact needs no longer exists in the installed version",
        "a class the artifact needs does not exist in the installed module (renamed or removed)",
        "",
    ),
    "MLG309": (
        "error",
        "loading failed: an exception, the timeout, the memory limit, a crash, a module only "
        "the repository provides",
        "loading failed: an exception (type and first line, no traceback), the timeout, the "
        "memory limit, a crash (signal), a module only the repository provides",
        "",
    ),
    "MLG310": (
        "warning",
        "loading the artifact raised a warning: a library reads it with other code than "
        "wrote it (often another version)",
        "loading the artifact raised a warning: a library reads it with other code than "
        "wrote it (often another version)",
        "",
    ),
    "MLG400": (
        "error",
        "a model's sample, contract or artifact cannot be used: unreadable, missing, "
        'malformed, a class not found, an artifact that does not pass the artifact '
        'check',
        "a model's sample, contract or artifact cannot be used: unreadable, missing, "
        'malformed, a class not found, an artifact that does not pass the artifact '
        'check',
        "",
    ),
    "MLG401": (
        "error",
        'a column the model needs is missing from the sample (warning when the model '
        'has it but does not read it); the hint names a close match, if renamed',
        'a column the model needs is missing from the sample (warning when the model '
        'has it but does not read it); the hint names a close match, if renamed',
        "",
    ),
    "MLG402": (
        "warning",
        'a sample column that is not a model input: it will be ignored',
        'a sample column that is not a model input: it will be ignored',
        "",
    ),
    "MLG403": (
        "error",
        "the sample's columns are out of order, and the model checks the order",
        "the sample's columns are out of order, and the model checks the order",
        "",
    ),
    "MLG404": (
        "error",
        'a model fitted without column names gets a sample of another width',
        'a model fitted without column names gets a sample of another width',
        "",
    ),
    "MLG405": (
        "error",
        'a column the model needs is not in the API contract (field names or aliases, '
        'as configured)',
        'a column the model needs is not in the API contract (field names or aliases, '
        'as configured)',
        "",
    ),
    "MLG406": (
        "warning",
        'an API contract field that is not a model input',
        'an API contract field that is not a model input',
        "",
    ),
    "MLG407": (
        "error",
        "the one-row sample does not predict in the project's environment (an exception "
        'or a hang)',
        "the one-row sample does not predict in the project's environment (an exception "
        'or a hang)',
        "",
    ),
    "MLG408": (
        "error",
        'an empty request hangs (error) or crashes with something other than a clear '
        'validation error (warning)',
        'an empty request hangs (error) or crashes with something other than a clear '
        'validation error (warning)',
        "",
    ),
    "MLG409": (
        "warning",
        'the contract, read without importing it, may be incomplete (computed aliases, '
        'a base class not found)',
        'the contract, read without importing it, may be incomplete (computed aliases, '
        'a base class not found)',
        "",
    ),
    "MLG410": (
        "error",
        "a sample value disagrees with the contract's type or allowed values",
        "a sample value disagrees with the contract's type or allowed values",
        "",
    ),
    "MLG411": (
        "warning",
        "a model has neither a sample request nor an API contract: its input was not checked",
        "a model has neither a sample request nor an API contract: its input was not checked",
        "",
    ),
    "MLG501": (
        "error",
        'p95 of one single-row request exceeds the latency budget, measured twice',
        'p95 of one single-row request exceeds the latency budget, measured twice',
        "",
    ),
    "MLG502": (
        "error",
        'latency cannot be measured: the sample does not predict (error), or there is '
        'no sample (warning)',
        'latency cannot be measured: the sample does not predict (error), or there is '
        'no sample (warning)',
        "",
    ),
}
